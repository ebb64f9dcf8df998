//! The review APIs, computed for one request: SelfSubjectAccessReview, SelfSubjectRulesReview,
//! SelfSubjectReview and TokenReview (all 201, not persisted; `pkg/registry/authorization/*`,
//! `pkg/registry/authentication/*`).

use serde_json::{Map, Value, json};

use crate::auth::{AuthenticationError, BearerAuthenticator};
use crate::identity::{RequestAttributes, UserInfo};
use crate::objects::ObjectSource;
use crate::rbac::RbacAuthorizer;
use crate::rbac::authorizer::SYSTEM_MASTERS;

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
        /// The field path.
        field: String,
        /// The cause message (without the field).
        cause: String,
    },
}

impl ReviewError {
    /// The full Status body.
    pub fn to_status(&self) -> Value {
        match self {
            Self::BadRequest(m) => crate::auth::status_json(400, "BadRequest", m, None),
            Self::Invalid { message, kind, group, field, cause } => crate::auth::status_json(
                422,
                "Invalid",
                message,
                Some(json!({"group": group, "kind": kind, "causes": [{"reason": "FieldValueInvalid", "message": cause, "field": field}]})),
            ),
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
    m.insert("metadata".into(), body.get("metadata").filter(|v| v.is_object()).cloned().unwrap_or_else(|| json!({})));
    m
}

fn st(v: &Value, key: &str) -> String {
    v.get(key).and_then(Value::as_str).unwrap_or("").to_string()
}

/// `POST /apis/authorization.k8s.io/v1/selfsubjectaccessreviews`.
pub fn self_subject_access_review(authz: &RbacAuthorizer, user: &UserInfo, body: &Value) -> Result<Value, ReviewError> {
    let spec = body.get("spec").cloned().unwrap_or_else(|| json!({}));
    let ra = spec.get("resourceAttributes").filter(|v| !v.is_null());
    let nra = spec.get("nonResourceAttributes").filter(|v| !v.is_null());
    let invalid = |field: &str, cause: &str| ReviewError::Invalid {
        message: format!("SelfSubjectAccessReview.authorization.k8s.io \"\" is invalid: {field}: {cause}"),
        kind: "SelfSubjectAccessReview".into(),
        group: "authorization.k8s.io".into(),
        field: field.into(),
        cause: cause.into(),
    };
    let attrs = match (ra, nra) {
        (Some(_), Some(n)) => {
            return Err(invalid(
                "spec.nonResourceAttributes",
                &format!("Invalid value: {}: cannot be specified in combination with resourceAttributes", go_struct(n)),
            ));
        }
        (None, None) => {
            return Err(invalid(
                "spec.resourceAttributes",
                "Invalid value: \"null\": exactly one of nonResourceAttributes or resourceAttributes must be specified",
            ));
        }
        (Some(r), None) => RequestAttributes {
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
        (None, Some(n)) => RequestAttributes {
            user: user.clone(),
            verb: st(n, "verb"),
            resource_request: false,
            path: st(n, "path"),
            ..Default::default()
        },
    };
    // The privileged-group authorizer answers first, with no reason.
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
    let mut out = head("SelfSubjectAccessReview", "authorization.k8s.io/v1", body);
    out.insert("spec".into(), spec);
    out.insert("status".into(), Value::Object(status));
    Ok(Value::Object(out))
}

/// Go's `%v`-ish rendering of a struct value in a field error; only used for the both-set case.
fn go_struct(v: &Value) -> String {
    format!("\"{}\"", v.to_string().replace('"', "\\\""))
}

/// `POST /apis/authorization.k8s.io/v1/selfsubjectrulesreviews`.
pub fn self_subject_rules_review(authz: &RbacAuthorizer, user: &UserInfo, body: &Value) -> Result<Value, ReviewError> {
    let spec = body.get("spec").cloned().unwrap_or_else(|| json!({}));
    let namespace = st(&spec, "namespace");
    if namespace.is_empty() {
        return Err(ReviewError::BadRequest("no namespace on request".into()));
    }
    let mut out = head("SelfSubjectRulesReview", "authorization.k8s.io/v1", body);
    out.insert("spec".into(), spec);
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
pub fn token_review(authn: &BearerAuthenticator, body: &Value, now: i64, source: &dyn ObjectSource) -> Result<Value, ReviewError> {
    let spec = body.get("spec").cloned().unwrap_or_else(|| json!({}));
    let token = st(&spec, "token");
    if token.is_empty() {
        return Err(ReviewError::BadRequest("token is required for TokenReview in authentication".into()));
    }
    let requested: Vec<String> = spec
        .get("audiences")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_string)).collect())
        .unwrap_or_default();
    let api_auds = &authn.service_accounts.issuer.api_audiences;
    let requested_or_api = if requested.is_empty() { api_auds.clone() } else { requested.clone() };
    let mut status = Map::new();
    let file_user = authn.token_file.as_ref().and_then(|f| f.authenticate(&token));
    let result: Result<(UserInfo, Vec<String>), AuthenticationError> = match file_user {
        // Audience-agnostic authenticators are valid for the API audiences only.
        Some(u) => {
            let auds: Vec<String> = requested_or_api.iter().filter(|a| api_auds.contains(a)).cloned().collect();
            if auds.is_empty() { Err(AuthenticationError::UnknownToken) } else { Ok((u, auds)) }
        }
        None => {
            let req = (!requested.is_empty()).then_some(requested.as_slice());
            match authn.service_accounts.authenticate(&token, req, now, source) {
                Ok((u, v)) => Ok((u, v.audiences)),
                Err(crate::auth::jwt::TokenError::NotAJwt | crate::auth::jwt::TokenError::IssuerNotRecognized(_)) => {
                    Err(AuthenticationError::UnknownToken)
                }
                Err(e) => Err(e.into()),
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
                status.insert("error".into(), json!(format!("[invalid bearer token, {inner}]")));
            }
        }
    }
    let mut out = head("TokenReview", "authentication.k8s.io/v1", body);
    out.insert("spec".into(), spec);
    out.insert("status".into(), Value::Object(status));
    Ok(Value::Object(out))
}
