//! The service-account authenticator (token -> `system:serviceaccount:NS:NAME`) and the
//! TokenRequest subresource (`pkg/registry/core/serviceaccount/storage/token.go`).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};

use super::jwt::{
    self, BoundObject, BoundTokenClaims, IssuerConfig, ObjectRef, TokenError, ValidatedToken,
};
use super::keys::{KeyError, ServiceAccountKeys, SigningKey};
use crate::api::objects::ObjectSource;
use crate::authn::identity::UserInfo;

/// Default `spec.expirationSeconds` (`pkg/apis/authentication/v1/defaults.go`).
pub const DEFAULT_EXPIRATION_SECONDS: i64 = 3600;
/// Minimum `spec.expirationSeconds` (`MinTokenAgeSec`).
pub const MIN_EXPIRATION_SECONDS: i64 = 600;
/// Maximum `spec.expirationSeconds` (`1 << 32`).
pub const MAX_EXPIRATION_SECONDS: i64 = 1 << 32;
/// The kubelet's magic expiration that gets a one-year token with `warnafter` (`claims.go`).
pub const WARN_ONLY_BOUND_TOKEN_EXPIRATION_SECONDS: i64 = 60 * 60 + 7;
/// The extended lifetime of such tokens.
pub const EXPIRATION_EXTENSION_SECONDS: i64 = 24 * 365 * 60 * 60;

/// `user.Info` extra keys set for service-account tokens.
pub mod extra_keys {
    /// Bound pod name.
    pub const POD_NAME: &str = "authentication.kubernetes.io/pod-name";
    /// Bound pod UID.
    pub const POD_UID: &str = "authentication.kubernetes.io/pod-uid";
    /// Node name.
    pub const NODE_NAME: &str = "authentication.kubernetes.io/node-name";
    /// Node UID.
    pub const NODE_UID: &str = "authentication.kubernetes.io/node-uid";
    /// `JTI=<jti>` of bound tokens.
    pub const CREDENTIAL_ID: &str = "authentication.kubernetes.io/credential-id";
}

/// The user of a ServiceAccount (`serviceaccount.UserInfo` + the authenticated group adder).
pub fn service_account_user(namespace: &str, name: &str, uid: &str) -> UserInfo {
    UserInfo {
        username: format!("system:serviceaccount:{namespace}:{name}"),
        uid: uid.to_string(),
        groups: vec![
            "system:serviceaccounts".to_string(),
            format!("system:serviceaccounts:{namespace}"),
            super::ALL_AUTHENTICATED.to_string(),
        ],
        extra: Default::default(),
    }
}

/// The user a validated token stands for, with the pod/node/credential-id extras of
/// `ServiceAccountInfo.UserInfo()`.
pub fn user_for_token(t: &ValidatedToken) -> UserInfo {
    let mut user = service_account_user(&t.namespace, &t.name, &t.uid);
    if let Some(p) = t
        .pod
        .as_ref()
        .filter(|p| !p.name.is_empty() && !p.uid.is_empty())
    {
        user.extra
            .insert(extra_keys::POD_NAME.into(), vec![p.name.clone()]);
        user.extra
            .insert(extra_keys::POD_UID.into(), vec![p.uid.clone()]);
    }
    if let Some(j) = &t.jti {
        user.extra
            .insert(extra_keys::CREDENTIAL_ID.into(), vec![format!("JTI={j}")]);
    }
    if let Some(n) = t.node.as_ref().filter(|n| !n.name.is_empty()) {
        user.extra
            .insert(extra_keys::NODE_NAME.into(), vec![n.name.clone()]);
        if !n.uid.is_empty() {
            user.extra
                .insert(extra_keys::NODE_UID.into(), vec![n.uid.clone()]);
        }
    }
    user
}

/// Label the API server keeps on legacy token Secrets (`LegacyServiceAccountTokenTracking`, GA 1.28).
pub const LEGACY_TOKEN_LAST_USED_LABEL: &str = "kubernetes.io/legacy-token-last-used";

/// After a legacy token authenticated: the merge patch the API server sends to its Secret
/// (`legacy.go`), or `None` when the label already says today or tomorrow (UTC).
pub fn legacy_token_last_used_patch(secret: &Value, now: SystemTime) -> Option<Value> {
    let day = |t: SystemTime| humantime::format_rfc3339_seconds(t).to_string()[..10].to_string();
    let today = day(now);
    let tomorrow = day(now + Duration::from_secs(86_400));
    let last_used = secret
        .pointer("/metadata/labels")
        .and_then(|l| l.get(LEGACY_TOKEN_LAST_USED_LABEL))
        .and_then(Value::as_str)
        .unwrap_or("");
    if last_used == today || last_used == tomorrow {
        return None;
    }
    let meta = |k: &str| {
        secret
            .pointer(&format!("/metadata/{k}"))
            .cloned()
            .unwrap_or(Value::Null)
    };
    Some(json!({
        "kind": "Secret",
        "apiVersion": "v1",
        "metadata": {
            "name": meta("name"),
            "namespace": meta("namespace"),
            "uid": meta("uid"),
            "labels": {LEGACY_TOKEN_LAST_USED_LABEL: today},
        },
    }))
}

/// The server's service-account token machinery: signing key plus issuer configuration.
#[derive(Debug)]
pub struct ServiceAccountTokens {
    /// The signing key (lazily generated or loaded from `--service-account-key-file`).
    pub keys: ServiceAccountKeys,
    /// Issuer, API audiences and JWKS URI.
    pub issuer: IssuerConfig,
}

fn unix(t: SystemTime) -> i64 {
    t.duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

fn rfc3339(secs: i64) -> String {
    humantime::format_rfc3339_seconds(UNIX_EPOCH + Duration::from_secs(secs.max(0) as u64))
        .to_string()
}

impl ServiceAccountTokens {
    /// Tokens signed with `keys`, issued as `issuer`.
    pub fn new(keys: ServiceAccountKeys, issuer: IssuerConfig) -> Self {
        ServiceAccountTokens { keys, issuer }
    }

    fn key(&self) -> Result<&SigningKey, TokenError> {
        self.keys.get().map_err(|e| TokenError::Key(e.to_string()))
    }

    /// Authenticate a bearer token (`requested_audiences` from a TokenReview, else the API audiences).
    pub fn authenticate(
        &self,
        token: &str,
        requested_audiences: Option<&[String]>,
        now: i64,
        source: &dyn ObjectSource,
    ) -> Result<(UserInfo, ValidatedToken), TokenError> {
        let v = jwt::validate(
            token,
            self.key()?,
            &self.issuer,
            requested_audiences,
            now,
            source,
        )?;
        Ok((user_for_token(&v), v))
    }

    /// Sign a bound token with these claims.
    pub fn mint(&self, claims: &BoundTokenClaims) -> Result<String, KeyError> {
        jwt::sign(self.keys.get()?, &claims.to_json(&self.issuer.issuer))
    }

    /// Sign a legacy token for `secret_name` of the given ServiceAccount.
    pub fn mint_legacy(
        &self,
        namespace: &str,
        sa_name: &str,
        sa_uid: &str,
        secret_name: &str,
    ) -> Result<String, KeyError> {
        jwt::sign(
            self.keys.get()?,
            &jwt::legacy_claims(namespace, sa_name, sa_uid, secret_name),
        )
    }

    /// `/openid/v1/jwks`.
    pub fn jwks(&self) -> Result<Value, KeyError> {
        Ok(jwt::jwks_document(self.keys.get()?))
    }

    /// `/.well-known/openid-configuration`.
    pub fn openid_configuration(&self) -> Value {
        jwt::openid_configuration(&self.issuer)
    }

    /// `POST /api/v1/namespaces/{namespace}/serviceaccounts/{name}/token` with `body` (the
    /// TokenRequest as JSON): the 201 response body, or the error the real server gives.
    pub fn create_token(
        &self,
        namespace: &str,
        name: &str,
        body: &Value,
        now: SystemTime,
        source: &dyn ObjectSource,
    ) -> Result<Value, TokenRequestError> {
        let req_name = body
            .pointer("/metadata/name")
            .and_then(Value::as_str)
            .unwrap_or("");
        let req_ns = body
            .pointer("/metadata/namespace")
            .and_then(Value::as_str)
            .unwrap_or("");
        if !req_name.is_empty() && req_name != name {
            return Err(TokenRequestError::NameMismatch {
                name: req_name.into(),
            });
        }
        if !req_ns.is_empty() && req_ns != namespace {
            return Err(TokenRequestError::NamespaceMismatch {
                name: req_name.into(),
                namespace: req_ns.into(),
            });
        }
        let sa = source
            .get_object("serviceaccounts", Some(namespace), name)
            .ok_or_else(|| TokenRequestError::ServiceAccountNotFound { name: name.into() })?;
        let sa_uid = sa
            .pointer("/metadata/uid")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        let spec = body.get("spec").cloned().unwrap_or_else(|| json!({}));
        let mut audiences: Vec<String> = match spec.get("audiences") {
            Some(Value::Array(a)) => a
                .iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect(),
            None | Some(Value::Null) => Vec::new(),
            Some(_) => {
                return Err(TokenRequestError::BadBody(
                    "spec.audiences must be a list of strings".into(),
                ));
            }
        };
        if audiences.is_empty() {
            audiences = self.issuer.api_audiences.clone();
        }
        let expiration = match spec.get("expirationSeconds") {
            None | Some(Value::Null) => DEFAULT_EXPIRATION_SECONDS,
            Some(v) => v.as_i64().ok_or_else(|| {
                TokenRequestError::BadBody("spec.expirationSeconds must be an integer".into())
            })?,
        };
        if expiration < MIN_EXPIRATION_SECONDS {
            return Err(TokenRequestError::ExpirationTooShort(expiration));
        }
        if expiration > MAX_EXPIRATION_SECONDS {
            return Err(TokenRequestError::ExpirationTooLong(expiration));
        }
        let bound_ref = spec.get("boundObjectRef").filter(|v| !v.is_null()).cloned();
        let mut bound = None;
        if let Some(r) = &bound_ref {
            let kind = r.get("kind").and_then(Value::as_str).unwrap_or("");
            let api_version = r.get("apiVersion").and_then(Value::as_str).unwrap_or("");
            let ref_name = r.get("name").and_then(Value::as_str).unwrap_or("");
            let ref_uid = r.get("uid").and_then(Value::as_str).unwrap_or("");
            let (group, version) = match api_version.split_once('/') {
                Some((g, v)) => (g, v),
                None => ("", api_version),
            };
            let (resource, namespaced) = match (group, kind) {
                ("", "Pod") => ("pods", true),
                ("", "Secret") => ("secrets", true),
                ("", "Node") => ("nodes", false),
                _ => {
                    return Err(TokenRequestError::UnsupportedBoundKind(format!(
                        "{group}/{version}, Kind={kind}"
                    )));
                }
            };
            let obj = source
                .get_object(resource, namespaced.then_some(namespace), ref_name)
                .ok_or_else(|| TokenRequestError::BoundObjectNotFound {
                    resource,
                    name: ref_name.into(),
                })?;
            let uid = obj
                .pointer("/metadata/uid")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
            let this = ObjectRef {
                name: ref_name.into(),
                uid: uid.clone(),
            };
            bound = Some(match kind {
                "Pod" => {
                    let pod_sa = obj
                        .pointer("/spec/serviceAccountName")
                        .and_then(Value::as_str)
                        .unwrap_or("");
                    if pod_sa != name {
                        return Err(TokenRequestError::PodServiceAccountMismatch {
                            service_account: name.into(),
                        });
                    }
                    let node = obj
                        .pointer("/spec/nodeName")
                        .and_then(Value::as_str)
                        .filter(|n| !n.is_empty())
                        .map(|n| {
                            let uid = source
                                .get_object("nodes", None, n)
                                .and_then(|o| {
                                    o.pointer("/metadata/uid")
                                        .and_then(Value::as_str)
                                        .map(str::to_string)
                                })
                                .unwrap_or_default();
                            ObjectRef {
                                name: n.into(),
                                uid,
                            }
                        });
                    BoundObject::Pod { pod: this, node }
                }
                "Secret" => BoundObject::Secret(this),
                _ => BoundObject::Node(this),
            });
            if !ref_uid.is_empty() && ref_uid != uid {
                return Err(TokenRequestError::BoundUidConflict {
                    kind: kind.into(),
                    name: ref_name.into(),
                    uid: ref_uid.into(),
                });
            }
        }
        let now_s = unix(now);
        let mut exp = now_s + expiration;
        let mut warn_after = None;
        let is_kube_audience = audiences
            .iter()
            .all(|a| self.issuer.api_audiences.contains(a));
        if matches!(bound, Some(BoundObject::Pod { .. }))
            && expiration == WARN_ONLY_BOUND_TOKEN_EXPIRATION_SECONDS
            && is_kube_audience
        {
            warn_after = Some(exp);
            exp = now_s + EXPIRATION_EXTENSION_SECONDS;
        }
        let claims = BoundTokenClaims {
            namespace: namespace.into(),
            service_account: ObjectRef {
                name: name.into(),
                uid: sa_uid,
            },
            audiences: audiences.clone(),
            issued_at: now_s,
            expires_at: exp,
            jti: uuid::Uuid::new_v4().to_string(),
            bound,
            warn_after,
        };
        let token = self.mint(&claims).map_err(TokenRequestError::Key)?;
        Ok(json!({
            "kind": "TokenRequest",
            "apiVersion": "authentication.k8s.io/v1",
            "metadata": {"name": name, "namespace": namespace, "creationTimestamp": rfc3339(now_s)},
            "spec": {"audiences": audiences, "expirationSeconds": expiration, "boundObjectRef": bound_ref},
            "status": {"token": token, "expirationTimestamp": rfc3339(now_s + expiration)},
        }))
    }
}

/// Why a TokenRequest was refused, worded as the real server words it.
#[derive(Debug, thiserror::Error)]
pub enum TokenRequestError {
    /// 404: the ServiceAccount does not exist.
    #[error("serviceaccounts \"{name}\" not found")]
    ServiceAccountNotFound {
        /// SA name.
        name: String,
    },
    /// 422: body `metadata.name` differs from the URL.
    #[error(
        "TokenRequest.authentication.k8s.io \"{name}\" is invalid: metadata.name: Invalid value: \"{name}\": must match the service account name if specified"
    )]
    NameMismatch {
        /// Body name.
        name: String,
    },
    /// 422: body `metadata.namespace` differs from the URL.
    #[error(
        "TokenRequest.authentication.k8s.io \"{name}\" is invalid: metadata.namespace: Invalid value: \"{namespace}\": must match the service account namespace if specified"
    )]
    NamespaceMismatch {
        /// Body name.
        name: String,
        /// Body namespace.
        namespace: String,
    },
    /// 422: below 600 s.
    #[error(
        "TokenRequest.authentication.k8s.io \"\" is invalid: spec.expirationSeconds: Invalid value: {0}: may not specify a duration less than 10 minutes"
    )]
    ExpirationTooShort(i64),
    /// 422: above 2^32 s.
    #[error(
        "TokenRequest.authentication.k8s.io \"\" is invalid: spec.expirationSeconds: Invalid value: {0}: may not specify a duration larger than 2^32 seconds"
    )]
    ExpirationTooLong(i64),
    /// 400: `boundObjectRef` of a kind other than Pod, Secret, Node (the gvk as Go prints it).
    #[error("cannot bind token to object of type {0}")]
    UnsupportedBoundKind(String),
    /// 404: the bound object does not exist.
    #[error("{resource} \"{name}\" not found")]
    BoundObjectNotFound {
        /// `pods`, `secrets` or `nodes`.
        resource: &'static str,
        /// Its name.
        name: String,
    },
    /// 409: `boundObjectRef.uid` differs from the object's.
    #[error(
        "Operation cannot be fulfilled on {kind} \"{name}\": the UID in the bound object reference ({uid}) does not match the UID in record. The object might have been deleted and then recreated"
    )]
    BoundUidConflict {
        /// The Kind (the real server puts the Kind where a resource usually goes).
        kind: String,
        /// Object name.
        name: String,
        /// The UID in the request.
        uid: String,
    },
    /// 400: the pod runs as another ServiceAccount.
    #[error(
        "cannot bind token for serviceaccount \"{service_account}\" to pod running with different serviceaccount name."
    )]
    PodServiceAccountMismatch {
        /// The SA of the URL.
        service_account: String,
    },
    /// 400: the body is not a TokenRequest.
    #[error("{0}")]
    BadBody(String),
    /// 500: no signing key.
    #[error("{0}")]
    Key(KeyError),
}

impl TokenRequestError {
    /// The HTTP status code.
    pub fn code(&self) -> u16 {
        match self {
            Self::ServiceAccountNotFound { .. } | Self::BoundObjectNotFound { .. } => 404,
            Self::NameMismatch { .. }
            | Self::NamespaceMismatch { .. }
            | Self::ExpirationTooShort(_)
            | Self::ExpirationTooLong(_) => 422,
            Self::UnsupportedBoundKind(_)
            | Self::PodServiceAccountMismatch { .. }
            | Self::BadBody(_) => 400,
            Self::BoundUidConflict { .. } => 409,
            Self::Key(_) => 500,
        }
    }

    /// The full Status body, as kube-apiserver sends it.
    pub fn to_status(&self) -> Value {
        let msg = self.to_string();
        let invalid = |name: &str, field: &str, cause: String| {
            json!({"name": name, "group": "authentication.k8s.io", "kind": "TokenRequest",
                   "causes": [{"reason": "FieldValueInvalid", "message": cause, "field": field}]})
        };
        let (reason, details) = match self {
            Self::ServiceAccountNotFound { name } => (
                "NotFound",
                Some(json!({"name": name, "kind": "serviceaccounts"})),
            ),
            Self::BoundObjectNotFound { resource, name } => {
                ("NotFound", Some(json!({"name": name, "kind": resource})))
            }
            Self::NameMismatch { name } => (
                "Invalid",
                Some(invalid(
                    name,
                    "metadata.name",
                    format!(
                        "Invalid value: \"{name}\": must match the service account name if specified"
                    ),
                )),
            ),
            Self::NamespaceMismatch { name, namespace } => (
                "Invalid",
                Some(invalid(
                    name,
                    "metadata.namespace",
                    format!(
                        "Invalid value: \"{namespace}\": must match the service account namespace if specified"
                    ),
                )),
            ),
            Self::ExpirationTooShort(v) => (
                "Invalid",
                Some(invalid(
                    "",
                    "spec.expirationSeconds",
                    format!("Invalid value: {v}: may not specify a duration less than 10 minutes"),
                )),
            ),
            Self::ExpirationTooLong(v) => (
                "Invalid",
                Some(invalid(
                    "",
                    "spec.expirationSeconds",
                    format!(
                        "Invalid value: {v}: may not specify a duration larger than 2^32 seconds"
                    ),
                )),
            ),
            Self::BoundUidConflict { kind, name, .. } => {
                ("Conflict", Some(json!({"name": name, "kind": kind})))
            }
            Self::UnsupportedBoundKind(_)
            | Self::PodServiceAccountMismatch { .. }
            | Self::BadBody(_) => ("BadRequest", None),
            Self::Key(_) => ("InternalError", None),
        };
        let mut details = details;
        // Invalid with an empty name drops it (omitempty).
        if let Some(Value::Object(m)) = details.as_mut()
            && m.get("name").and_then(Value::as_str) == Some("")
        {
            m.remove("name");
        }
        super::status_json(self.code(), reason, &msg, details)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::authn::tokens::jwt::{DEFAULT_ISSUER, LEGACY_ISSUER, decode_unverified};
    use crate::authn::tokens::keys::SigningKey;
    use crate::authn::tokens::test_source::MemSource;
    use base64::Engine as _;
    use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};

    const NOW: i64 = 1_800_000_000;
    const SA_UID: &str = "6f8a2d4e-0000-4000-8000-000000000001";

    fn tokens_with(key: SigningKey) -> ServiceAccountTokens {
        ServiceAccountTokens::new(
            ServiceAccountKeys::with_key(key),
            IssuerConfig::new(DEFAULT_ISSUER, "https://127.0.0.1:6443"),
        )
    }

    /// Every test shares one key (generation is slow), loaded through the PEM path.
    fn tokens() -> ServiceAccountTokens {
        tokens_with(SigningKey::from_pem(&test_pem(), "test").unwrap())
    }

    fn test_pem() -> String {
        TEST_PEM
            .get_or_init(|| {
                use aws_lc_rs::encoding::AsDer;
                let pair =
                    aws_lc_rs::rsa::KeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048).unwrap();
                format!(
                    "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n",
                    STANDARD.encode(pair.as_der().unwrap().as_ref())
                )
            })
            .clone()
    }
    static TEST_PEM: std::sync::OnceLock<String> = std::sync::OnceLock::new();

    fn source() -> MemSource {
        let s = MemSource::new();
        s.sa("default", "bearertokenauth", SA_UID);
        s
    }

    fn at(secs: i64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(secs as u64)
    }

    fn create(
        t: &ServiceAccountTokens,
        s: &MemSource,
        body: Value,
    ) -> Result<Value, TokenRequestError> {
        t.create_token("default", "bearertokenauth", &body, at(NOW), s)
    }

    fn mint_default(t: &ServiceAccountTokens, s: &MemSource) -> String {
        create(t, s, json!({"metadata": {}, "spec": {}}))
            .unwrap()
            .pointer("/status/token")
            .unwrap()
            .as_str()
            .unwrap()
            .to_string()
    }

    /// Re-sign `claims` with the test key (valid signature, chosen claims).
    fn resign(t: &ServiceAccountTokens, claims: &Value) -> String {
        jwt::sign(t.keys.get().unwrap(), claims).unwrap()
    }

    #[test]
    fn token_request_defaults_response_shape_and_claims() {
        let t = tokens();
        let s = source();
        let resp = create(&t, &s, json!({"apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest", "metadata": {}, "spec": {}})).unwrap();
        assert_eq!(resp["kind"], "TokenRequest");
        assert_eq!(resp["apiVersion"], "authentication.k8s.io/v1");
        assert_eq!(
            resp["metadata"],
            json!({"name": "bearertokenauth", "namespace": "default", "creationTimestamp": "2027-01-15T08:00:00Z"})
        );
        assert_eq!(
            resp["spec"],
            json!({"audiences": ["https://kubernetes.default.svc.cluster.local"], "expirationSeconds": 3600, "boundObjectRef": null})
        );
        let keys: Vec<&String> = resp["spec"].as_object().unwrap().keys().collect();
        assert_eq!(keys, ["audiences", "expirationSeconds", "boundObjectRef"]);
        assert_eq!(
            resp["status"]["expirationTimestamp"],
            "2027-01-15T09:00:00Z"
        );
        let token = resp["status"]["token"].as_str().unwrap();
        let (header, claims) = decode_unverified(token).unwrap();
        assert_eq!(
            header,
            json!({"alg": "RS256", "kid": t.keys.get().unwrap().kid()})
        );
        let raw_header = String::from_utf8(
            URL_SAFE_NO_PAD
                .decode(token.split('.').next().unwrap())
                .unwrap(),
        )
        .unwrap();
        assert_eq!(
            raw_header,
            format!(
                "{{\"alg\":\"RS256\",\"kid\":\"{}\"}}",
                t.keys.get().unwrap().kid()
            )
        );
        let jti = claims["jti"].as_str().unwrap().to_string();
        assert_eq!(uuid::Uuid::parse_str(&jti).unwrap().get_version_num(), 4);
        assert_eq!(
            claims,
            json!({
                "aud": ["https://kubernetes.default.svc.cluster.local"],
                "exp": NOW + 3600, "iat": NOW,
                "iss": "https://kubernetes.default.svc.cluster.local",
                "jti": jti,
                "kubernetes.io": {"namespace": "default", "serviceaccount": {"name": "bearertokenauth", "uid": SA_UID}},
                "nbf": NOW,
                "sub": "system:serviceaccount:default:bearertokenauth"
            })
        );
        // Byte order: keys sorted as Go's map marshalling writes them.
        let raw = String::from_utf8(
            URL_SAFE_NO_PAD
                .decode(token.split('.').nth(1).unwrap())
                .unwrap(),
        )
        .unwrap();
        assert!(
            raw.starts_with("{\"aud\":[\"https://kubernetes.default.svc.cluster.local\"],\"exp\":"),
            "{raw}"
        );
        assert!(raw.contains("\"kubernetes.io\":{\"namespace\":\"default\",\"serviceaccount\":{\"name\":\"bearertokenauth\",\"uid\":"));
    }

    #[test]
    fn token_request_duration_audience_and_limits() {
        let t = tokens();
        let s = source();
        let resp = create(
            &t,
            &s,
            json!({"spec": {"audiences": ["foo"], "expirationSeconds": 600}}),
        )
        .unwrap();
        assert_eq!(resp["spec"]["audiences"], json!(["foo"]));
        assert_eq!(
            resp["status"]["expirationTimestamp"],
            "2027-01-15T08:10:00Z"
        );
        let e = create(&t, &s, json!({"spec": {"expirationSeconds": 599}})).unwrap_err();
        assert_eq!(
            e.to_string(),
            "TokenRequest.authentication.k8s.io \"\" is invalid: spec.expirationSeconds: Invalid value: 599: may not specify a duration less than 10 minutes"
        );
        assert_eq!(e.code(), 422);
        let st = e.to_status();
        assert_eq!(
            st["details"]["causes"][0]["field"],
            "spec.expirationSeconds"
        );
        assert!(st["details"].get("name").is_none());
        let e = create(
            &t,
            &s,
            json!({"spec": {"expirationSeconds": (1i64 << 32) + 1}}),
        )
        .unwrap_err();
        assert!(
            e.to_string()
                .ends_with("may not specify a duration larger than 2^32 seconds")
        );
        assert!(create(&t, &s, json!({"spec": {"expirationSeconds": 1i64 << 32}})).is_ok());
    }

    #[test]
    fn token_request_missing_sa_and_mismatched_metadata() {
        let t = tokens();
        let s = source();
        let e = t
            .create_token("default", "nosuchsa", &json!({}), at(NOW), &s)
            .unwrap_err();
        assert_eq!(e.to_string(), "serviceaccounts \"nosuchsa\" not found");
        assert_eq!(
            e.to_status().to_string(),
            r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"serviceaccounts \"nosuchsa\" not found","reason":"NotFound","details":{"name":"nosuchsa","kind":"serviceaccounts"},"code":404}"#
        );
        let e = create(&t, &s, json!({"metadata": {"name": "other"}})).unwrap_err();
        assert_eq!(e.code(), 422);
        assert!(e.to_string().contains("metadata.name: Invalid value: \"other\": must match the service account name if specified"));
        let e = create(&t, &s, json!({"metadata": {"namespace": "kube-system"}})).unwrap_err();
        assert!(
            e.to_string()
                .contains("must match the service account namespace if specified")
        );
    }

    #[test]
    fn token_request_bound_objects() {
        let t = tokens();
        let s = source();
        s.put(
            "secrets",
            json!({"metadata": {"name": "s1", "namespace": "default", "uid": "sec-uid"}}),
        );
        s.put(
            "pods",
            json!({"metadata": {"name": "p1", "namespace": "default", "uid": "pod-uid"},
                              "spec": {"serviceAccountName": "bearertokenauth", "nodeName": "n1"}}),
        );
        s.put("pods", json!({"metadata": {"name": "p2", "namespace": "default", "uid": "pod2"}, "spec": {"serviceAccountName": "other"}}));
        s.put(
            "nodes",
            json!({"metadata": {"name": "n1", "uid": "node-uid"}}),
        );

        let r = create(&t, &s, json!({"spec": {"boundObjectRef": {"kind": "Secret", "apiVersion": "v1", "name": "s1", "uid": "sec-uid"}}})).unwrap();
        assert_eq!(r["spec"]["boundObjectRef"]["name"], "s1");
        let (_, c) = decode_unverified(r["status"]["token"].as_str().unwrap()).unwrap();
        assert_eq!(
            c["kubernetes.io"]["secret"],
            json!({"name": "s1", "uid": "sec-uid"})
        );

        let r = create(
            &t,
            &s,
            json!({"spec": {"boundObjectRef": {"kind": "Pod", "apiVersion": "v1", "name": "p1"}}}),
        )
        .unwrap();
        let tok = r["status"]["token"].as_str().unwrap();
        let (_, c) = decode_unverified(tok).unwrap();
        assert_eq!(
            c["kubernetes.io"]["pod"],
            json!({"name": "p1", "uid": "pod-uid"})
        );
        assert_eq!(
            c["kubernetes.io"]["node"],
            json!({"name": "n1", "uid": "node-uid"})
        );
        let (user, _) = t.authenticate(tok, None, NOW, &s).unwrap();
        assert_eq!(user.extra[extra_keys::POD_NAME], ["p1"]);
        assert_eq!(user.extra[extra_keys::POD_UID], ["pod-uid"]);
        assert_eq!(user.extra[extra_keys::NODE_NAME], ["n1"]);
        assert_eq!(user.extra[extra_keys::NODE_UID], ["node-uid"]);
        assert_eq!(
            user.extra[extra_keys::CREDENTIAL_ID],
            [format!("JTI={}", c["jti"].as_str().unwrap())]
        );

        // The kubelet's 3607 s pod token gets a year and warnafter.
        let r = create(&t, &s, json!({"spec": {"expirationSeconds": 3607, "boundObjectRef": {"kind": "Pod", "apiVersion": "v1", "name": "p1"}}})).unwrap();
        let (_, c) = decode_unverified(r["status"]["token"].as_str().unwrap()).unwrap();
        assert_eq!(c["exp"], NOW + EXPIRATION_EXTENSION_SECONDS);
        assert_eq!(c["kubernetes.io"]["warnafter"], NOW + 3607);
        assert_eq!(r["status"]["expirationTimestamp"], "2027-01-15T09:00:07Z");

        let e = create(
            &t,
            &s,
            json!({"spec": {"boundObjectRef": {"kind": "Pod", "apiVersion": "v1", "name": "p2"}}}),
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "cannot bind token for serviceaccount \"bearertokenauth\" to pod running with different serviceaccount name."
        );
        assert_eq!(e.code(), 400);
        let e = create(&t, &s, json!({"spec": {"boundObjectRef": {"kind": "Secret", "apiVersion": "v1", "name": "gone"}}})).unwrap_err();
        assert_eq!(
            (e.code(), e.to_string()),
            (404, "secrets \"gone\" not found".to_string())
        );
        let e = create(&t, &s, json!({"spec": {"boundObjectRef": {"kind": "Secret", "apiVersion": "v1", "name": "s1", "uid": "old"}}})).unwrap_err();
        assert_eq!(e.code(), 409);
        assert!(e.to_string().starts_with("Operation cannot be fulfilled on Secret \"s1\": the UID in the bound object reference (old) does not match"));
        let e = create(&t, &s, json!({"spec": {"boundObjectRef": {"kind": "ConfigMap", "apiVersion": "v1", "name": "c"}}})).unwrap_err();
        assert_eq!(
            e.to_string(),
            "cannot bind token to object of type /v1, Kind=ConfigMap"
        );
    }

    #[test]
    fn authenticates_bound_token_as_service_account() {
        let t = tokens();
        let s = source();
        let tok = mint_default(&t, &s);
        let (user, v) = t.authenticate(&tok, None, NOW + 10, &s).unwrap();
        assert_eq!(
            user.username,
            "system:serviceaccount:default:bearertokenauth"
        );
        assert_eq!(user.uid, SA_UID);
        assert_eq!(
            user.groups,
            [
                "system:serviceaccounts",
                "system:serviceaccounts:default",
                "system:authenticated"
            ]
        );
        assert_eq!(user.extra.len(), 1);
        assert!(user.extra[extra_keys::CREDENTIAL_ID][0].starts_with("JTI="));
        assert_eq!(
            v.audiences,
            ["https://kubernetes.default.svc.cluster.local"]
        );
    }

    #[test]
    fn rejects_forged_signature_and_foreign_key() {
        let t = tokens();
        let s = source();
        let tok = mint_default(&t, &s);
        let mut parts: Vec<String> = tok.split('.').map(str::to_string).collect();
        // Change the payload, keep the signature.
        let mut claims: Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(&parts[1]).unwrap()).unwrap();
        claims["sub"] = json!("system:serviceaccount:kube-system:admin");
        parts[1] = URL_SAFE_NO_PAD.encode(claims.to_string());
        assert_eq!(
            t.authenticate(&parts.join("."), None, NOW, &s).unwrap_err(),
            TokenError::InvalidSignature
        );
        // Flip a signature byte.
        let mut sig = URL_SAFE_NO_PAD
            .decode(tok.split('.').nth(2).unwrap())
            .unwrap();
        sig[10] ^= 1;
        let forged = format!(
            "{}.{}",
            tok.rsplit_once('.').unwrap().0,
            URL_SAFE_NO_PAD.encode(sig)
        );
        assert_eq!(
            t.authenticate(&forged, None, NOW, &s).unwrap_err(),
            TokenError::InvalidSignature
        );
        // A token from another server (other key, other kid).
        let other = tokens_with(SigningKey::generate().unwrap());
        let foreign = mint_default(&other, &s);
        assert_eq!(
            t.authenticate(&foreign, None, NOW, &s).unwrap_err(),
            TokenError::NoKeysFound
        );
        // Same claims signed by another key under our kid.
        let (_, c) = decode_unverified(&foreign).unwrap();
        let other_key = other.keys.get().unwrap();
        let header = json!({"alg": "RS256", "kid": t.keys.get().unwrap().kid()});
        let input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(c.to_string())
        );
        let spoof = format!(
            "{input}.{}",
            URL_SAFE_NO_PAD.encode(other_key.sign(input.as_bytes()).unwrap())
        );
        assert_eq!(
            t.authenticate(&spoof, None, NOW, &s).unwrap_err(),
            TokenError::InvalidSignature
        );
        // alg=none.
        let none = format!(
            "{}.{}.",
            URL_SAFE_NO_PAD.encode(r#"{"alg":"none"}"#),
            tok.split('.').nth(1).unwrap()
        );
        assert_eq!(
            t.authenticate(&none, None, NOW, &s).unwrap_err(),
            TokenError::UnsupportedAlgorithm("none".into())
        );
    }

    #[test]
    fn rejects_malformed_tokens() {
        let t = tokens();
        let s = source();
        let tok = mint_default(&t, &s);
        let p: Vec<&str> = tok.split('.').collect();
        assert_eq!(
            t.authenticate("abc", None, NOW, &s).unwrap_err(),
            TokenError::NotAJwt
        );
        assert_eq!(
            t.authenticate("a.b.c.d", None, NOW, &s).unwrap_err(),
            TokenError::NotAJwt
        );
        assert_eq!(
            t.authenticate("{\"a\":1}.b.c", None, NOW, &s).unwrap_err(),
            TokenError::NotAJwt
        );
        assert_eq!(
            t.authenticate(&format!("{}.{}!.{}", p[0], p[1], p[2]), None, NOW, &s)
                .unwrap_err(),
            TokenError::MalformedBase64 { segment: "payload" }
        );
        assert_eq!(
            t.authenticate(&format!("%%.{}.{}", p[1], p[2]), None, NOW, &s)
                .unwrap_err(),
            TokenError::MalformedBase64 { segment: "header" }
        );
        assert_eq!(
            t.authenticate(
                &format!(
                    "{}.{}",
                    URL_SAFE_NO_PAD.encode("not json"),
                    p[1..].join(".")
                ),
                None,
                NOW,
                &s
            )
            .unwrap_err(),
            TokenError::MalformedHeader
        );
        assert_eq!(
            t.authenticate(&format!("{}.{}.**", p[0], p[1]), None, NOW, &s)
                .unwrap_err(),
            TokenError::MalformedBase64 {
                segment: "signature"
            }
        );
        assert!(matches!(
            t.authenticate(
                &format!("{}.{}.{}", p[0], URL_SAFE_NO_PAD.encode("[1]"), p[2]),
                None,
                NOW,
                &s
            )
            .unwrap_err(),
            TokenError::MalformedClaims(_)
        ));
        let (_, mut c) = decode_unverified(&tok).unwrap();
        c["exp"] = json!("tomorrow");
        assert!(matches!(
            t.authenticate(&resign(&t, &c), None, NOW, &s).unwrap_err(),
            TokenError::MalformedClaims(_)
        ));
        c["iss"] = json!("https://evil.example");
        assert_eq!(
            t.authenticate(&resign(&t, &c), None, NOW, &s).unwrap_err(),
            TokenError::IssuerNotRecognized("https://evil.example".into())
        );
    }

    #[test]
    fn time_checks_use_the_sixty_second_leeway() {
        let t = tokens();
        let s = source();
        let tok = mint_default(&t, &s); // nbf=iat=NOW, exp=NOW+3600
        assert!(t.authenticate(&tok, None, NOW + 3600 + 60, &s).is_ok());
        assert_eq!(
            t.authenticate(&tok, None, NOW + 3600 + 61, &s).unwrap_err(),
            TokenError::Expired
        );
        assert!(t.authenticate(&tok, None, NOW - 60, &s).is_ok());
        assert_eq!(
            t.authenticate(&tok, None, NOW - 61, &s).unwrap_err(),
            TokenError::NotYetValid
        );
        let (_, mut c) = decode_unverified(&tok).unwrap();
        c["nbf"] = json!(NOW - 10);
        c["iat"] = json!(NOW + 3000);
        assert_eq!(
            t.authenticate(&resign(&t, &c), None, NOW, &s).unwrap_err(),
            TokenError::IssuedInTheFuture
        );
        assert_eq!(
            TokenError::Expired.to_string(),
            "service account token has expired"
        );
    }

    #[test]
    fn audience_checks() {
        let t = tokens();
        let s = source();
        let foo =
            create(&t, &s, json!({"spec": {"audiences": ["foo"]}})).unwrap()["status"]["token"]
                .as_str()
                .unwrap()
                .to_string();
        let e = t.authenticate(&foo, None, NOW, &s).unwrap_err();
        assert_eq!(
            e.to_string(),
            r#"token audiences ["foo"] is invalid for the target audiences ["https://kubernetes.default.svc.cluster.local"]"#
        );
        // A TokenReview asking for `foo` accepts it.
        let (_, v) = t
            .authenticate(&foo, Some(&["foo".to_string(), "bar".to_string()]), NOW, &s)
            .unwrap();
        assert_eq!(v.audiences, ["foo"]);
        // `aud` as a plain string is accepted as go-jose does.
        let (_, mut c) = decode_unverified(&foo).unwrap();
        c["aud"] = json!(DEFAULT_ISSUER);
        assert!(t.authenticate(&resign(&t, &c), None, NOW, &s).is_ok());
    }

    #[test]
    fn deleted_or_recreated_service_account_and_bound_objects() {
        let t = tokens();
        let s = source();
        s.put(
            "secrets",
            json!({"metadata": {"name": "s1", "namespace": "default", "uid": "sec-uid"}}),
        );
        let tok = mint_default(&t, &s);
        let bound = create(&t, &s, json!({"spec": {"boundObjectRef": {"kind": "Secret", "apiVersion": "v1", "name": "s1"}}})).unwrap()["status"]["token"]
            .as_str()
            .unwrap()
            .to_string();
        assert!(t.authenticate(&bound, None, NOW, &s).is_ok());
        // Secret recreated with a new UID, then deleted.
        s.put(
            "secrets",
            json!({"metadata": {"name": "s1", "namespace": "default", "uid": "sec-uid-2"}}),
        );
        assert!(matches!(
            t.authenticate(&bound, None, NOW, &s).unwrap_err(),
            TokenError::BoundObjectUidMismatch { kind: "secret", .. }
        ));
        s.delete("secrets", Some("default"), "s1");
        assert_eq!(
            t.authenticate(&bound, None, NOW, &s).unwrap_err(),
            TokenError::BoundObjectGone { kind: "secret" }
        );
        // SA being deleted: still valid within the leeway, invalid after.
        s.put(
            "serviceaccounts",
            json!({"metadata": {"name": "bearertokenauth", "namespace": "default", "uid": SA_UID,
            "deletionTimestamp": rfc3339(NOW - 30)}}),
        );
        assert!(t.authenticate(&tok, None, NOW, &s).is_ok());
        assert!(matches!(
            t.authenticate(&tok, None, NOW + 31, &s).unwrap_err(),
            TokenError::ServiceAccountDeleted { .. }
        ));
        // Recreated SA with a new UID.
        s.sa("default", "bearertokenauth", "new-uid");
        assert_eq!(
            t.authenticate(&tok, None, NOW, &s).unwrap_err(),
            TokenError::ServiceAccountUidMismatch {
                actual: "new-uid".into(),
                claim: SA_UID.into()
            }
        );
        // Deleted SA.
        s.delete("serviceaccounts", Some("default"), "bearertokenauth");
        assert!(matches!(
            t.authenticate(&tok, None, NOW, &s).unwrap_err(),
            TokenError::ServiceAccountNotFound { .. }
        ));
    }

    #[test]
    fn legacy_tokens() {
        let t = tokens();
        let s = source();
        let tok = t
            .mint_legacy(
                "default",
                "bearertokenauth",
                SA_UID,
                "bearertokenauth-token-7x2kq",
            )
            .unwrap();
        let (_, c) = decode_unverified(&tok).unwrap();
        assert_eq!(
            c,
            json!({"iss": LEGACY_ISSUER,
                   "kubernetes.io/serviceaccount/namespace": "default",
                   "kubernetes.io/serviceaccount/secret.name": "bearertokenauth-token-7x2kq",
                   "kubernetes.io/serviceaccount/service-account.name": "bearertokenauth",
                   "kubernetes.io/serviceaccount/service-account.uid": SA_UID,
                   "sub": "system:serviceaccount:default:bearertokenauth"})
        );
        let raw = String::from_utf8(
            URL_SAFE_NO_PAD
                .decode(tok.split('.').nth(1).unwrap())
                .unwrap(),
        )
        .unwrap();
        assert!(raw.starts_with(
            "{\"iss\":\"kubernetes/serviceaccount\",\"kubernetes.io/serviceaccount/namespace\""
        ));
        // No Secret: invalidated.
        assert_eq!(
            t.authenticate(&tok, None, NOW, &s).unwrap_err(),
            TokenError::LegacySecretGone
        );
        let secret = json!({"metadata": {"name": "bearertokenauth-token-7x2kq", "namespace": "default", "uid": "x"},
                            "type": "kubernetes.io/service-account-token",
                            "data": {"token": STANDARD.encode(&tok)}});
        s.put("secrets", secret.clone());
        let (user, v) = t.authenticate(&tok, None, NOW, &s).unwrap();
        assert_eq!(
            user.username,
            "system:serviceaccount:default:bearertokenauth"
        );
        assert!(
            user.extra.is_empty(),
            "legacy tokens carry no credential-id"
        );
        assert!(!v.legacy_secret.as_ref().unwrap().auto_generated);
        // Legacy tokens are valid at any time (no exp) but only for the API audiences.
        assert!(
            t.authenticate(&tok, None, NOW + 10 * 365 * 86400, &s)
                .is_ok()
        );
        assert!(matches!(
            t.authenticate(&tok, Some(&["other".into()]), NOW, &s)
                .unwrap_err(),
            TokenError::InvalidAudience { .. }
        ));
        // Listed in sa.secrets: auto-generated.
        s.put(
            "serviceaccounts",
            json!({"metadata": {"name": "bearertokenauth", "namespace": "default", "uid": SA_UID},
                                       "secrets": [{"name": "bearertokenauth-token-7x2kq"}]}),
        );
        assert!(
            t.authenticate(&tok, None, NOW, &s)
                .unwrap()
                .1
                .legacy_secret
                .unwrap()
                .auto_generated
        );
        // Secret holds another token.
        let mut other = secret.clone();
        other["data"]["token"] = json!(STANDARD.encode("something-else"));
        s.put("secrets", other);
        assert_eq!(
            t.authenticate(&tok, None, NOW, &s).unwrap_err(),
            TokenError::LegacyTokenMismatch
        );
        // Marked invalid by the cleaner.
        let mut marked = secret.clone();
        marked["metadata"]["labels"] =
            json!({"kubernetes.io/legacy-token-invalid-since": "2027-01-01"});
        s.put("secrets", marked);
        assert!(matches!(
            t.authenticate(&tok, None, NOW, &s).unwrap_err(),
            TokenError::LegacyTokenMarkedInvalid { .. }
        ));
        s.put("secrets", secret);
        // SA recreated.
        s.sa("default", "bearertokenauth", "new");
        assert!(matches!(
            t.authenticate(&tok, None, NOW, &s).unwrap_err(),
            TokenError::ServiceAccountUidMismatch { .. }
        ));
        // Deleted secret.
        s.sa("default", "bearertokenauth", SA_UID);
        s.delete("secrets", Some("default"), "bearertokenauth-token-7x2kq");
        assert_eq!(
            t.authenticate(&tok, None, NOW, &s).unwrap_err(),
            TokenError::LegacySecretGone
        );
        // Inconsistent sub.
        let mut c2 = c.clone();
        c2["sub"] = json!("system:serviceaccount:default:other");
        assert_eq!(
            t.authenticate(&resign(&t, &c2), None, NOW, &s).unwrap_err(),
            TokenError::SubjectInvalid
        );
        c2.as_object_mut()
            .unwrap()
            .remove("kubernetes.io/serviceaccount/secret.name");
        assert_eq!(
            t.authenticate(&resign(&t, &c2), None, NOW, &s).unwrap_err(),
            TokenError::MissingClaim("secretName")
        );
    }

    #[test]
    fn legacy_last_used_label_patch() {
        let secret = json!({"metadata": {"name": "s", "namespace": "default", "uid": "u"}});
        let p = legacy_token_last_used_patch(&secret, at(NOW)).unwrap();
        assert_eq!(
            p.to_string(),
            r#"{"kind":"Secret","apiVersion":"v1","metadata":{"name":"s","namespace":"default","uid":"u","labels":{"kubernetes.io/legacy-token-last-used":"2027-01-15"}}}"#
        );
        let mut labelled = secret.clone();
        labelled["metadata"]["labels"] = json!({LEGACY_TOKEN_LAST_USED_LABEL: "2027-01-15"});
        assert_eq!(legacy_token_last_used_patch(&labelled, at(NOW)), None);
        labelled["metadata"]["labels"][LEGACY_TOKEN_LAST_USED_LABEL] = json!("2027-01-16");
        assert_eq!(legacy_token_last_used_patch(&labelled, at(NOW)), None);
        labelled["metadata"]["labels"][LEGACY_TOKEN_LAST_USED_LABEL] = json!("2027-01-14");
        assert!(legacy_token_last_used_patch(&labelled, at(NOW)).is_some());
    }

    #[test]
    fn discovery_documents() {
        let t = tokens();
        let cfg = t.openid_configuration();
        assert_eq!(
            cfg.to_string(),
            r#"{"issuer":"https://kubernetes.default.svc.cluster.local","jwks_uri":"https://127.0.0.1:6443/openid/v1/jwks","response_types_supported":["id_token"],"subject_types_supported":["public"],"id_token_signing_alg_values_supported":["RS256"]}"#
        );
        let jwks = t.jwks().unwrap();
        assert_eq!(jwks["keys"][0]["kid"], t.keys.get().unwrap().kid());
        assert_eq!(jwks["keys"].as_array().unwrap().len(), 1);
    }

    #[test]
    fn independent_library_verifies_with_only_the_jwks() {
        let t = tokens();
        let s = source();
        let now = SystemTime::now();
        let resp = t
            .create_token("default", "bearertokenauth", &json!({"spec": {}}), now, &s)
            .unwrap();
        let token = resp["status"]["token"].as_str().unwrap();
        // Only the JWKS document, serialised and parsed back, is given to jsonwebtoken.
        let jwks_text = t.jwks().unwrap().to_string();
        let set: jsonwebtoken::jwk::JwkSet = serde_json::from_str(&jwks_text).unwrap();
        let header = jsonwebtoken::decode_header(token).unwrap();
        let jwk = set
            .find(header.kid.as_deref().unwrap())
            .expect("kid in JWKS");
        let key = jsonwebtoken::DecodingKey::from_jwk(jwk).unwrap();
        let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
        validation.set_audience(&[DEFAULT_ISSUER]);
        validation.set_issuer(&[DEFAULT_ISSUER]);
        let data = jsonwebtoken::decode::<Value>(token, &key, &validation).unwrap();
        assert_eq!(
            data.claims["sub"],
            "system:serviceaccount:default:bearertokenauth"
        );
        // And it rejects a tampered one.
        let mut parts: Vec<&str> = token.split('.').collect();
        let forged_payload =
            URL_SAFE_NO_PAD.encode(data.claims.to_string().replace("bearertokenauth", "admin"));
        parts[1] = &forged_payload;
        assert!(jsonwebtoken::decode::<Value>(parts.join("."), &key, &validation).is_err());
    }
}
