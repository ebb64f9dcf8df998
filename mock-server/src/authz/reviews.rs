//! The review APIs, computed for one request: SelfSubjectAccessReview, SubjectAccessReview,
//! LocalSubjectAccessReview, SelfSubjectRulesReview, SelfSubjectReview and TokenReview (all
//! 201, not persisted; `pkg/registry/authorization/*`, `pkg/registry/authentication/*`).

use serde_json::{Map, Value, json};

use crate::api::objects::ObjectSource;
use crate::authn::identity::{RequestAttributes, UserInfo};
use crate::authn::tokens::{AuthenticationError, BearerAuthenticator};
use crate::authz::rbac::RbacAuthorizer;
use crate::authz::rbac::authorizer::SYSTEM_MASTERS;

/// A review request refused before evaluation.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReviewError {
    /// 400 with this message.
    #[error("{0}")]
    BadRequest(String),
    /// 422 with this message (`<Kind>.<group> "" is invalid: ...`).
    #[error("{message}")]
    Invalid {
        /// Full message.
        message: String,
        /// Kind, e.g. `SelfSubjectAccessReview`.
        kind: String,
        /// API group.
        group: String,
        /// Each field error: the field path and its message (without the field).
        causes: Vec<(String, String)>,
    },
}

impl ReviewError {
    /// `apierrors.NewInvalid(kind, "", errs)` for an authorization.k8s.io review: one error
    /// as itself, several as `[a, b]` (`ErrorList.ToAggregate`).
    fn invalid(kind: &str, causes: Vec<(String, String)>) -> Self {
        let errors: Vec<String> = causes.iter().map(|(f, c)| format!("{f}: {c}")).collect();
        let all = match errors.as_slice() {
            [one] => one.clone(),
            many => format!("[{}]", many.join(", ")),
        };
        ReviewError::Invalid {
            message: format!("{kind}.authorization.k8s.io \"\" is invalid: {all}"),
            kind: kind.into(),
            group: "authorization.k8s.io".into(),
            causes,
        }
    }

    /// The full Status body.
    pub fn to_status(&self) -> Value {
        match self {
            Self::BadRequest(m) => crate::authn::tokens::status_json(400, "BadRequest", m, None),
            Self::Invalid {
                message,
                kind,
                group,
                causes,
            } => {
                let causes: Vec<Value> = causes
                    .iter()
                    .map(|(field, cause)| {
                        json!({"reason": "FieldValueInvalid", "message": cause, "field": field})
                    })
                    .collect();
                crate::authn::tokens::status_json(
                    422,
                    "Invalid",
                    message,
                    Some(json!({"group": group, "kind": kind, "causes": causes})),
                )
            }
        }
    }
}

/// `UserInfo` JSON with every field `omitempty`.
pub fn user_info_json(u: &UserInfo) -> Value {
    let mut m = Map::new();
    if !u.username.is_empty() {
        m.insert("username".into(), json!(u.username));
    }
    if !u.uid.is_empty() {
        m.insert("uid".into(), json!(u.uid));
    }
    if !u.groups.is_empty() {
        m.insert("groups".into(), json!(u.groups));
    }
    if !u.extra.is_empty() {
        m.insert("extra".into(), json!(u.extra));
    }
    Value::Object(m)
}

fn head(kind: &str, api_version: &str, body: &Value) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("kind".into(), json!(kind));
    m.insert("apiVersion".into(), json!(api_version));
    m.insert(
        "metadata".into(),
        body.get("metadata")
            .filter(|v| v.is_object())
            .cloned()
            .unwrap_or_else(|| json!({})),
    );
    m
}

/// The strings of a JSON array (a Go `[]string`); nothing for anything else.
fn strings(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

fn st(v: &Value, key: &str) -> String {
    v.get(key).and_then(Value::as_str).unwrap_or("").to_string()
}

/// `POST /apis/authorization.k8s.io/v1/selfsubjectaccessreviews`.
pub fn self_subject_access_review(
    authz: &RbacAuthorizer,
    user: &UserInfo,
    body: &Value,
) -> Result<Value, ReviewError> {
    let spec = body.get("spec").cloned().unwrap_or_else(|| json!({}));
    let errors = attribute_errors(&spec);
    if !errors.is_empty() {
        return Err(ReviewError::invalid("SelfSubjectAccessReview", errors));
    }
    Ok(answer_access_review(
        authz,
        "SelfSubjectAccessReview",
        body,
        spec,
        user,
    ))
}

/// `POST /apis/authorization.k8s.io/v1/subjectaccessreviews`, and with `namespace` (the URL's)
/// `POST .../namespaces/NAMESPACE/localsubjectaccessreviews`: may the user in `spec` do this?
/// (`pkg/registry/authorization/{subjectaccessreview,localsubjectaccessreview}`; the caller
/// must already be allowed to create the review.)
pub fn subject_access_review(
    authz: &RbacAuthorizer,
    body: &Value,
    namespace: Option<&str>,
) -> Result<Value, ReviewError> {
    let spec = body.get("spec").cloned().unwrap_or_else(|| json!({}));
    let mut body = body.clone();
    let mut errors = attribute_errors(&spec);
    if st(&spec, "user").is_empty()
        && spec
            .get("groups")
            .and_then(Value::as_array)
            .is_none_or(|g| g.is_empty())
    {
        errors.push((
            "spec.user".into(),
            "Invalid value: \"\": at least one of user or group must be specified".into(),
        ));
    }
    let kind = match namespace {
        None => "SubjectAccessReview",
        Some(ns) => {
            // The create handler's `EnsureObjectNamespaceMatchesRequestNamespace`.
            let meta_ns = body["metadata"]["namespace"]
                .as_str()
                .unwrap_or("")
                .to_string();
            if meta_ns.is_empty() {
                if !body["metadata"].is_object() {
                    body["metadata"] = json!({});
                }
                body["metadata"]["namespace"] = json!(ns);
            } else if meta_ns != ns {
                return Err(ReviewError::BadRequest(
                    "the namespace of the provided object does not match the namespace sent on the request".into(),
                ));
            }
            if let Some(ra) = spec.get("resourceAttributes").filter(|v| !v.is_null()) {
                let ra_ns = st(ra, "namespace");
                if ra_ns != ns {
                    errors.push((
                        "spec.resourceAttributes.namespace".into(),
                        format!(
                            "Invalid value: {}: must match metadata.namespace",
                            crate::api::status::go_quote(&ra_ns)
                        ),
                    ));
                }
            }
            if let Some(n) = spec.get("nonResourceAttributes").filter(|v| !v.is_null()) {
                errors.push((
                    "spec.nonResourceAttributes".into(),
                    format!(
                        "Invalid value: {}: disallowed on this kind of request",
                        go_struct(n)
                    ),
                ));
            }
            "LocalSubjectAccessReview"
        }
    };
    if !errors.is_empty() {
        return Err(ReviewError::invalid(kind, errors));
    }
    let groups = strings(spec.get("groups"));
    let extra = spec
        .get("extra")
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), strings(Some(v))))
                .collect()
        })
        .unwrap_or_default();
    let user = UserInfo {
        username: st(&spec, "user"),
        uid: st(&spec, "uid"),
        groups,
        extra,
    };
    Ok(answer_access_review(authz, kind, &body, spec, &user))
}

/// `ValidateSelfSubjectAccessReviewSpec`'s checks, shared by every access review: exactly one
/// of resourceAttributes and nonResourceAttributes.
fn attribute_errors(spec: &Value) -> Vec<(String, String)> {
    let ra = spec.get("resourceAttributes").filter(|v| !v.is_null());
    let nra = spec.get("nonResourceAttributes").filter(|v| !v.is_null());
    match (ra, nra) {
        (Some(_), Some(n)) => vec![(
            "spec.nonResourceAttributes".into(),
            format!(
                "Invalid value: {}: cannot be specified in combination with resourceAttributes",
                go_struct(n)
            ),
        )],
        (None, None) => vec![(
            "spec.resourceAttributes".into(),
            "Invalid value: \"null\": exactly one of nonResourceAttributes or resourceAttributes must be specified".into(),
        )],
        _ => vec![],
    }
}

/// Evaluates a validated access review for `user` and answers with the request, its `spec`,
/// and the `status` (`authorizationutil.AuthorizationAttributesFrom`, then the server's chain:
/// the privileged-group authorizer first, with no reason, then RBAC, which never denies
/// outright, so `denied` is never set).
fn answer_access_review(
    authz: &RbacAuthorizer,
    kind: &str,
    body: &Value,
    spec: Value,
    user: &UserInfo,
) -> Value {
    let attrs = match spec.get("resourceAttributes").filter(|v| !v.is_null()) {
        Some(r) => RequestAttributes {
            user: user.clone(),
            verb: st(r, "verb"),
            resource_request: true,
            namespace: st(r, "namespace"),
            api_group: st(r, "group"),
            api_version: st(r, "version"),
            resource: st(r, "resource"),
            subresource: st(r, "subresource"),
            name: st(r, "name"),
            path: String::new(),
        },
        None => {
            let n = &spec["nonResourceAttributes"];
            RequestAttributes {
                user: user.clone(),
                verb: st(n, "verb"),
                resource_request: false,
                path: st(n, "path"),
                ..Default::default()
            }
        }
    };
    let (allowed, reason) = if user.in_group(SYSTEM_MASTERS) {
        (true, String::new())
    } else {
        let e = authz.evaluate(&attrs);
        (e.allowed, e.reason)
    };
    let mut status = Map::new();
    status.insert("allowed".into(), json!(allowed));
    if !reason.is_empty() {
        status.insert("reason".into(), json!(reason));
    }
    let mut out = head(kind, "authorization.k8s.io/v1", body);
    out.insert("spec".into(), spec);
    out.insert("status".into(), Value::Object(status));
    Value::Object(out)
}

/// A struct value in a field error (`nonResourceAttributes`), as quoted JSON where Go prints `%#v`.
fn go_struct(v: &Value) -> String {
    format!("\"{}\"", v.to_string().replace('"', "\\\""))
}

/// `POST /apis/authorization.k8s.io/v1/selfsubjectrulesreviews`.
pub fn self_subject_rules_review(
    authz: &RbacAuthorizer,
    user: &UserInfo,
    body: &Value,
) -> Result<Value, ReviewError> {
    let spec = body.get("spec").cloned().unwrap_or_else(|| json!({}));
    let namespace = st(&spec, "namespace");
    if namespace.is_empty() {
        return Err(ReviewError::BadRequest("no namespace on request".into()));
    }
    // The REST storage answers with a new object (`selfsubjectrulesreview/rest.go`): nothing of
    // the request survives, so metadata and spec are empty.
    let mut out = head(
        "SelfSubjectRulesReview",
        "authorization.k8s.io/v1",
        &json!({}),
    );
    out.insert("spec".into(), json!({}));
    out.insert("status".into(), authz.rules_review_status(user, &namespace));
    Ok(Value::Object(out))
}

/// `POST /apis/authentication.k8s.io/v1/selfsubjectreviews`; `now_rfc3339` is the creation time.
pub fn self_subject_review(user: &UserInfo, now_rfc3339: &str) -> Value {
    json!({
        "kind": "SelfSubjectReview",
        "apiVersion": "authentication.k8s.io/v1",
        "metadata": {"creationTimestamp": now_rfc3339},
        "status": {"userInfo": user_info_json(user)},
    })
}

/// `POST /apis/authentication.k8s.io/v1/tokenreviews` (the caller must already be authorized
/// to `create tokenreviews`). `now` is Unix seconds.
pub fn token_review(
    authn: &BearerAuthenticator,
    body: &Value,
    now: i64,
    source: &dyn ObjectSource,
) -> Result<Value, ReviewError> {
    token_review_cached(authn, body, now, source, None)
}

/// [`token_review`] through kube-apiserver's token authentication cache (the TokenReview
/// storage authenticates with the server's own, cached, authenticator): a success is
/// remembered per token and audiences.
pub fn token_review_cached(
    authn: &BearerAuthenticator,
    body: &Value,
    now: i64,
    source: &dyn ObjectSource,
    cache: Option<&crate::authn::token_cache::CachedTokenAuthenticator>,
) -> Result<Value, ReviewError> {
    let spec = body.get("spec").cloned().unwrap_or_else(|| json!({}));
    let token = st(&spec, "token");
    if token.is_empty() {
        return Err(ReviewError::BadRequest(
            "token is required for TokenReview in authentication".into(),
        ));
    }
    let requested = strings(spec.get("audiences"));
    let api_auds = &authn.service_accounts.issuer.api_audiences;
    let requested_or_api = if requested.is_empty() {
        api_auds.clone()
    } else {
        requested.clone()
    };
    let mut status = Map::new();
    let check = || -> Result<(UserInfo, Vec<String>), AuthenticationError> {
        let file_user = authn
            .token_file
            .as_ref()
            .and_then(|f| f.authenticate(&token));
        match file_user {
            // Audience-agnostic authenticators are valid for the API audiences only.
            Some(u) => {
                let auds: Vec<String> = requested_or_api
                    .iter()
                    .filter(|a| api_auds.contains(a))
                    .cloned()
                    .collect();
                if auds.is_empty() {
                    Err(AuthenticationError::UnknownToken)
                } else {
                    Ok((u, auds))
                }
            }
            None => {
                let req = (!requested.is_empty()).then_some(requested.as_slice());
                match authn
                    .service_accounts
                    .authenticate(&token, req, now, source)
                {
                    Ok((u, v)) => Ok((u, v.audiences)),
                    Err(
                        crate::authn::tokens::jwt::TokenError::NotAJwt
                        | crate::authn::tokens::jwt::TokenError::IssuerNotRecognized(_),
                    ) => Err(AuthenticationError::UnknownToken),
                    Err(e) => Err(e.into()),
                }
            }
        }
    };
    let result = match cache {
        None => check(),
        Some(cache) => {
            let mut failure = Err(AuthenticationError::UnknownToken);
            let found = cache.remember(&token, &requested_or_api, || match check() {
                Ok((user, audiences)) => Some(crate::authn::token_cache::Remembered {
                    user,
                    audiences,
                    warnings: Vec::new(),
                }),
                Err(e) => {
                    failure = Err(e);
                    None
                }
            });
            match found {
                Some(r) => Ok((r.user, r.audiences)),
                None => failure,
            }
        }
    };
    match result {
        Ok((user, auds)) => {
            status.insert("authenticated".into(), json!(true));
            status.insert("user".into(), user_info_json(&user));
            status.insert("audiences".into(), json!(auds));
        }
        Err(e) => {
            status.insert("user".into(), json!({}));
            if let AuthenticationError::ServiceAccount(inner) = e {
                status.insert(
                    "error".into(),
                    json!(format!("[invalid bearer token, {inner}]")),
                );
            }
        }
    }
    let mut out = head("TokenReview", "authentication.k8s.io/v1", body);
    out.insert("spec".into(), spec);
    out.insert("status".into(), Value::Object(status));
    Ok(Value::Object(out))
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::authn::tokens::jwt::{DEFAULT_ISSUER, IssuerConfig};
    use crate::authn::tokens::keys::{ServiceAccountKeys, SigningKey};
    use crate::authn::tokens::serviceaccount::{ServiceAccountTokens, service_account_user};
    use crate::authn::tokens::test_source::MemSource;
    use crate::authn::tokens::token_file::TokenFile;
    use crate::authz::rbac::bootstrap::{cluster_role_bindings, cluster_roles};

    fn store() -> Arc<MemSource> {
        let s = Arc::new(MemSource::new());
        for r in cluster_roles() {
            s.put("clusterroles", r);
        }
        for b in cluster_role_bindings() {
            s.put("clusterrolebindings", b);
        }
        s.sa(
            "default",
            "bearertokenauth",
            "6f8a2d4e-0000-4000-8000-000000000001",
        );
        s
    }

    fn sa() -> UserInfo {
        service_account_user(
            "default",
            "bearertokenauth",
            "6f8a2d4e-0000-4000-8000-000000000001",
        )
    }

    #[test]
    fn ssar_resource_and_non_resource() {
        let s = store();
        let authz = RbacAuthorizer::new(s.clone());
        let body = json!({"apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview", "metadata": {},
                          "spec": {"resourceAttributes": {"namespace": "default", "verb": "list", "resource": "pods"}}});
        let r = self_subject_access_review(&authz, &sa(), &body).unwrap();
        assert_eq!(
            r.to_string(),
            r#"{"kind":"SelfSubjectAccessReview","apiVersion":"authorization.k8s.io/v1","metadata":{},"spec":{"resourceAttributes":{"namespace":"default","verb":"list","resource":"pods"}},"status":{"allowed":false}}"#
        );
        s.put(
            "roles",
            json!({"metadata": {"name": "bearertokenauth", "namespace": "default"},
            "rules": [{"verbs": ["list"], "apiGroups": [""], "resources": ["pods"]}]}),
        );
        s.put("rolebindings", json!({"metadata": {"name": "bearertoken-binding-bearertokenauth", "namespace": "default"},
            "subjects": [{"kind": "ServiceAccount", "name": "bearertokenauth", "namespace": "default"}],
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "bearertokenauth"}}));
        let r = self_subject_access_review(&authz, &sa(), &body).unwrap();
        assert_eq!(
            r["status"],
            json!({"allowed": true, "reason": "RBAC: allowed by RoleBinding \"bearertoken-binding-bearertokenauth/default\" of Role \"bearertokenauth\" to ServiceAccount \"bearertokenauth/default\""})
        );
        let nr = json!({"spec": {"nonResourceAttributes": {"path": "/healthz", "verb": "get"}}});
        assert_eq!(
            self_subject_access_review(&authz, &sa(), &nr).unwrap()["status"]["allowed"],
            true
        );
        let nr = json!({"spec": {"nonResourceAttributes": {"path": "/metrics", "verb": "get"}}});
        assert_eq!(
            self_subject_access_review(&authz, &sa(), &nr).unwrap()["status"],
            json!({"allowed": false})
        );
        // system:masters: allowed by the privileged-group authorizer, no reason.
        let admin = UserInfo {
            username: "kubernetes-admin".into(),
            groups: vec!["system:masters".into()],
            ..Default::default()
        };
        assert_eq!(
            self_subject_access_review(&authz, &admin, &body).unwrap()["status"],
            json!({"allowed": true})
        );
    }

    /// SubjectAccessReview asks about the user in its spec, not the requester.
    #[test]
    fn sar_answers_for_the_user_in_its_spec() {
        let s = store();
        let authz = RbacAuthorizer::new(s.clone());
        let body = json!({"apiVersion": "authorization.k8s.io/v1", "kind": "SubjectAccessReview", "metadata": {},
            "spec": {"resourceAttributes": {"namespace": "default", "verb": "list", "resource": "pods"},
                     "user": "system:serviceaccount:default:bearertokenauth",
                     "groups": ["system:serviceaccounts", "system:serviceaccounts:default", "system:authenticated"]}});
        let r = subject_access_review(&authz, &body, None).unwrap();
        assert_eq!(
            r.to_string(),
            r#"{"kind":"SubjectAccessReview","apiVersion":"authorization.k8s.io/v1","metadata":{},"spec":{"resourceAttributes":{"namespace":"default","verb":"list","resource":"pods"},"user":"system:serviceaccount:default:bearertokenauth","groups":["system:serviceaccounts","system:serviceaccounts:default","system:authenticated"]},"status":{"allowed":false}}"#
        );
        s.put(
            "roles",
            json!({"metadata": {"name": "r", "namespace": "default"},
            "rules": [{"verbs": ["list"], "apiGroups": [""], "resources": ["pods"]}]}),
        );
        s.put(
            "rolebindings",
            json!({"metadata": {"name": "rb", "namespace": "default"},
            "subjects": [{"kind": "Group", "name": "system:serviceaccounts:default"}],
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "r"}}),
        );
        assert_eq!(
            subject_access_review(&authz, &body, None).unwrap()["status"],
            json!({"allowed": true, "reason": "RBAC: allowed by RoleBinding \"rb/default\" of Role \"r\" to Group \"system:serviceaccounts:default\""})
        );
        // Groups alone are enough; system:masters is allowed by the privileged-group authorizer.
        let masters = json!({"spec": {"groups": ["system:masters"],
            "nonResourceAttributes": {"path": "/metrics", "verb": "get"}}});
        assert_eq!(
            subject_access_review(&authz, &masters, None).unwrap()["status"],
            json!({"allowed": true})
        );
    }

    #[test]
    fn sar_needs_attributes_and_a_user_or_group() {
        let authz = RbacAuthorizer::new(store());
        let e = subject_access_review(&authz, &json!({"spec": {}}), None).unwrap_err();
        assert_eq!(
            e.to_string(),
            "SubjectAccessReview.authorization.k8s.io \"\" is invalid: [spec.resourceAttributes: Invalid value: \"null\": exactly one of nonResourceAttributes or resourceAttributes must be specified, spec.user: Invalid value: \"\": at least one of user or group must be specified]"
        );
        let st = e.to_status();
        assert_eq!(st["code"], 422);
        assert_eq!(st["details"]["kind"], "SubjectAccessReview");
        let fields: Vec<&str> = st["details"]["causes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["field"].as_str().unwrap())
            .collect();
        assert_eq!(fields, ["spec.resourceAttributes", "spec.user"]);
        let no_user = json!({"spec": {"resourceAttributes": {"verb": "get"}, "groups": []}});
        assert_eq!(
            subject_access_review(&authz, &no_user, None)
                .unwrap_err()
                .to_string(),
            "SubjectAccessReview.authorization.k8s.io \"\" is invalid: spec.user: Invalid value: \"\": at least one of user or group must be specified"
        );
    }

    /// LocalSubjectAccessReview: the URL's namespace, which the spec's must match.
    #[test]
    fn lsar_is_bound_to_its_namespace() {
        let authz = RbacAuthorizer::new(store());
        let review = |spec: Value| json!({"apiVersion": "authorization.k8s.io/v1", "kind": "LocalSubjectAccessReview", "spec": spec});
        let r = subject_access_review(
            &authz,
            &review(json!({"user": "alice", "resourceAttributes": {"namespace": "default", "verb": "get", "resource": "pods"}})),
            Some("default"),
        )
        .unwrap();
        assert_eq!(r["kind"], "LocalSubjectAccessReview");
        assert_eq!(r["metadata"], json!({"namespace": "default"}));
        assert_eq!(r["status"], json!({"allowed": false}));
        let e = subject_access_review(
            &authz,
            &review(json!({"user": "alice", "resourceAttributes": {"namespace": "other", "verb": "get"}})),
            Some("default"),
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "LocalSubjectAccessReview.authorization.k8s.io \"\" is invalid: spec.resourceAttributes.namespace: Invalid value: \"other\": must match metadata.namespace"
        );
        let e = subject_access_review(
            &authz,
            &review(
                json!({"user": "alice", "nonResourceAttributes": {"path": "/", "verb": "get"}}),
            ),
            Some("default"),
        )
        .unwrap_err();
        assert!(
            e.to_string()
                .ends_with("spec.nonResourceAttributes: Invalid value: \"{\\\"path\\\":\\\"/\\\",\\\"verb\\\":\\\"get\\\"}\": disallowed on this kind of request"),
            "{e}"
        );
        let mut elsewhere =
            review(json!({"user": "alice", "resourceAttributes": {"namespace": "default"}}));
        elsewhere["metadata"] = json!({"namespace": "kube-system"});
        let e = subject_access_review(&authz, &elsewhere, Some("default")).unwrap_err();
        assert_eq!(e.to_status()["code"], 400);
        assert_eq!(
            e.to_string(),
            "the namespace of the provided object does not match the namespace sent on the request"
        );
    }

    #[test]
    fn ssar_needs_exactly_one_attribute_set() {
        let authz = RbacAuthorizer::new(store());
        let e = self_subject_access_review(&authz, &sa(), &json!({"spec": {}})).unwrap_err();
        assert_eq!(
            e.to_string(),
            "SelfSubjectAccessReview.authorization.k8s.io \"\" is invalid: spec.resourceAttributes: Invalid value: \"null\": exactly one of nonResourceAttributes or resourceAttributes must be specified"
        );
        assert_eq!(e.to_status()["code"], 422);
        let both = json!({"spec": {"resourceAttributes": {"verb": "get"}, "nonResourceAttributes": {"path": "/", "verb": "get"}}});
        let e = self_subject_access_review(&authz, &sa(), &both).unwrap_err();
        assert!(
            e.to_string()
                .contains("spec.nonResourceAttributes: Invalid value: "),
            "{e}"
        );
        assert!(
            e.to_string()
                .ends_with("cannot be specified in combination with resourceAttributes")
        );
    }

    #[test]
    fn ssrr_shape_and_namespace_required() {
        let authz = RbacAuthorizer::new(store());
        let e = self_subject_rules_review(&authz, &sa(), &json!({"spec": {}})).unwrap_err();
        assert_eq!(
            e.to_status().to_string(),
            r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"no namespace on request","reason":"BadRequest","code":400}"#
        );
        let r = self_subject_rules_review(
            &authz,
            &sa(),
            &json!({"metadata": {}, "spec": {"namespace": "default"}}),
        )
        .unwrap();
        assert_eq!(r["kind"], "SelfSubjectRulesReview");
        assert_eq!(
            r["spec"],
            json!({}),
            "a new object: the request's spec is not echoed"
        );
        assert_eq!(r["metadata"], json!({}));
        let keys: Vec<&String> = r["status"].as_object().unwrap().keys().collect();
        assert_eq!(keys, ["resourceRules", "nonResourceRules", "incomplete"]);
        assert_eq!(
            r["status"]["resourceRules"][0],
            json!({"verbs": ["create"], "apiGroups": ["authorization.k8s.io"], "resources": ["selfsubjectaccessreviews", "selfsubjectrulesreviews"]})
        );
    }

    #[test]
    fn whoami_shape() {
        let mut u = sa();
        u.extra.insert(
            "authentication.kubernetes.io/credential-id".into(),
            vec!["JTI=00000000-0000-0000-0000-000000000000".into()],
        );
        assert_eq!(
            self_subject_review(&u, "2026-11-28T14:00:00Z").to_string(),
            r#"{"kind":"SelfSubjectReview","apiVersion":"authentication.k8s.io/v1","metadata":{"creationTimestamp":"2026-11-28T14:00:00Z"},"status":{"userInfo":{"username":"system:serviceaccount:default:bearertokenauth","uid":"6f8a2d4e-0000-4000-8000-000000000001","groups":["system:serviceaccounts","system:serviceaccounts:default","system:authenticated"],"extra":{"authentication.kubernetes.io/credential-id":["JTI=00000000-0000-0000-0000-000000000000"]}}}}"#
        );
        let admin = UserInfo {
            username: "kubernetes-admin".into(),
            groups: vec!["system:masters".into(), "system:authenticated".into()],
            ..Default::default()
        };
        assert_eq!(
            self_subject_review(&admin, "t")["status"]["userInfo"].to_string(),
            r#"{"username":"kubernetes-admin","groups":["system:masters","system:authenticated"]}"#
        );
    }

    fn authn() -> BearerAuthenticator {
        BearerAuthenticator {
            token_file: Some(TokenFile::parse("static-tok,alice,1001,devs\n", "t").unwrap()),
            service_accounts: ServiceAccountTokens::new(
                ServiceAccountKeys::with_key(SigningKey::generate().unwrap()),
                IssuerConfig::new(DEFAULT_ISSUER, "https://127.0.0.1:6443"),
            ),
        }
    }

    #[test]
    fn token_review_paths() {
        let a = authn();
        let s = store();
        let now = std::time::SystemTime::now();
        let now_s = now.duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
        let tok = a
            .service_accounts
            .create_token("default", "bearertokenauth", &json!({}), now, &*s)
            .unwrap()["status"]["token"]
            .as_str()
            .unwrap()
            .to_string();
        let r = token_review(&a, &json!({"apiVersion": "authentication.k8s.io/v1", "kind": "TokenReview", "spec": {"token": tok}}), now_s, &*s).unwrap();
        let st = &r["status"];
        let keys: Vec<&String> = st.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["authenticated", "user", "audiences"]);
        assert_eq!(
            st["user"]["username"],
            "system:serviceaccount:default:bearertokenauth"
        );
        assert_eq!(st["audiences"], json!([DEFAULT_ISSUER]));
        assert!(
            st["user"]["extra"]["authentication.kubernetes.io/credential-id"][0]
                .as_str()
                .unwrap()
                .starts_with("JTI=")
        );
        // Wrong audience requested.
        let r = token_review(
            &a,
            &json!({"spec": {"token": tok, "audiences": ["vault"]}}),
            now_s,
            &*s,
        )
        .unwrap();
        assert!(r["status"].get("authenticated").is_none());
        assert_eq!(r["status"]["user"], json!({}));
        assert!(
            r["status"]["error"]
                .as_str()
                .unwrap()
                .contains("token audiences")
        );
        // Unknown token: unauthenticated, no error.
        let r = token_review(&a, &json!({"spec": {"token": "nope"}}), now_s, &*s).unwrap();
        assert_eq!(r["status"], json!({"user": {}}));
        // Static token.
        let r = token_review(&a, &json!({"spec": {"token": "static-tok"}}), now_s, &*s).unwrap();
        assert_eq!(
            r["status"]["user"],
            json!({"username": "alice", "uid": "1001", "groups": ["devs", "system:authenticated"]})
        );
        // Deleted SA.
        s.delete("serviceaccounts", Some("default"), "bearertokenauth");
        let r = token_review(&a, &json!({"spec": {"token": tok}}), now_s, &*s).unwrap();
        assert_eq!(
            r["status"]["error"],
            "[invalid bearer token, serviceaccount \"bearertokenauth\" not found]"
        );
        let e = token_review(&a, &json!({"spec": {}}), now_s, &*s).unwrap_err();
        assert_eq!(
            e.to_string(),
            "token is required for TokenReview in authentication"
        );
    }

    #[test]
    fn bearer_chain_token_file_then_service_accounts() {
        let a = authn();
        let s = store();
        let (u, w) = a.authenticate("static-tok", 0, &*s).unwrap();
        assert_eq!((u.username.as_str(), w), ("alice", None));
        assert_eq!(
            a.authenticate("garbage", 0, &*s).unwrap_err(),
            AuthenticationError::UnknownToken
        );
        let legacy = a
            .service_accounts
            .mint_legacy(
                "default",
                "bearertokenauth",
                "6f8a2d4e-0000-4000-8000-000000000001",
                "s",
            )
            .unwrap();
        assert!(matches!(
            a.authenticate(&legacy, 0, &*s).unwrap_err(),
            AuthenticationError::ServiceAccount(_)
        ));
        use base64::Engine as _;
        s.put("secrets", json!({"metadata": {"name": "s", "namespace": "default"}, "data": {"token": base64::engine::general_purpose::STANDARD.encode(&legacy)}}));
        s.put("serviceaccounts", json!({"metadata": {"name": "bearertokenauth", "namespace": "default", "uid": "6f8a2d4e-0000-4000-8000-000000000001"}, "secrets": [{"name": "s"}]}));
        let (u, w) = a.authenticate(&legacy, 0, &*s).unwrap();
        assert_eq!(u.username, "system:serviceaccount:default:bearertokenauth");
        assert_eq!(
            w,
            Some(crate::authn::tokens::jwt::AUTO_GENERATED_LEGACY_TOKEN_WARNING)
        );
    }
}
