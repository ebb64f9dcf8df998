//! The service-account authenticator (token -> `system:serviceaccount:NS:NAME`) and the
//! TokenRequest subresource (`pkg/registry/core/serviceaccount/storage/token.go`).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};

use super::jwt::{self, BoundObject, BoundTokenClaims, IssuerConfig, ObjectRef, TokenError, ValidatedToken};
use super::keys::{KeyError, ServiceAccountKeys, SigningKey};
use crate::identity::UserInfo;
use crate::objects::ObjectSource;

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
    if let Some(p) = t.pod.as_ref().filter(|p| !p.name.is_empty() && !p.uid.is_empty()) {
        user.extra.insert(extra_keys::POD_NAME.into(), vec![p.name.clone()]);
        user.extra.insert(extra_keys::POD_UID.into(), vec![p.uid.clone()]);
    }
    if let Some(j) = &t.jti {
        user.extra.insert(extra_keys::CREDENTIAL_ID.into(), vec![format!("JTI={j}")]);
    }
    if let Some(n) = t.node.as_ref().filter(|n| !n.name.is_empty()) {
        user.extra.insert(extra_keys::NODE_NAME.into(), vec![n.name.clone()]);
        if !n.uid.is_empty() {
            user.extra.insert(extra_keys::NODE_UID.into(), vec![n.uid.clone()]);
        }
    }
    user
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
    t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64)
}

fn rfc3339(secs: i64) -> String {
    humantime::format_rfc3339_seconds(UNIX_EPOCH + Duration::from_secs(secs.max(0) as u64)).to_string()
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
        let v = jwt::validate(token, self.key()?, &self.issuer, requested_audiences, now, source)?;
        Ok((user_for_token(&v), v))
    }

    /// Sign a bound token with these claims.
    pub fn mint(&self, claims: &BoundTokenClaims) -> Result<String, KeyError> {
        jwt::sign(self.keys.get()?, &claims.to_json(&self.issuer.issuer))
    }

    /// Sign a legacy token for `secret_name` of the given ServiceAccount.
    pub fn mint_legacy(&self, namespace: &str, sa_name: &str, sa_uid: &str, secret_name: &str) -> Result<String, KeyError> {
        jwt::sign(self.keys.get()?, &jwt::legacy_claims(namespace, sa_name, sa_uid, secret_name))
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
        let req_name = body.pointer("/metadata/name").and_then(Value::as_str).unwrap_or("");
        let req_ns = body.pointer("/metadata/namespace").and_then(Value::as_str).unwrap_or("");
        if !req_name.is_empty() && req_name != name {
            return Err(TokenRequestError::NameMismatch { name: req_name.into() });
        }
        if !req_ns.is_empty() && req_ns != namespace {
            return Err(TokenRequestError::NamespaceMismatch { name: req_name.into(), namespace: req_ns.into() });
        }
        let sa = source
            .get_object("serviceaccounts", Some(namespace), name)
            .ok_or_else(|| TokenRequestError::ServiceAccountNotFound { name: name.into() })?;
        let sa_uid = sa.pointer("/metadata/uid").and_then(Value::as_str).unwrap_or("").to_string();
        let spec = body.get("spec").cloned().unwrap_or_else(|| json!({}));
        let mut audiences: Vec<String> = match spec.get("audiences") {
            Some(Value::Array(a)) => a.iter().filter_map(|v| v.as_str().map(str::to_string)).collect(),
            None | Some(Value::Null) => Vec::new(),
            Some(_) => return Err(TokenRequestError::BadBody("spec.audiences must be a list of strings".into())),
        };
        if audiences.is_empty() {
            audiences = self.issuer.api_audiences.clone();
        }
        let expiration = match spec.get("expirationSeconds") {
            None | Some(Value::Null) => DEFAULT_EXPIRATION_SECONDS,
            Some(v) => v
                .as_i64()
                .ok_or_else(|| TokenRequestError::BadBody("spec.expirationSeconds must be an integer".into()))?,
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
                    return Err(TokenRequestError::UnsupportedBoundKind(format!("{group}/{version}, Kind={kind}")));
                }
            };
            let obj = source
                .get_object(resource, namespaced.then_some(namespace), ref_name)
                .ok_or_else(|| TokenRequestError::BoundObjectNotFound { resource, name: ref_name.into() })?;
            let uid = obj.pointer("/metadata/uid").and_then(Value::as_str).unwrap_or("").to_string();
            let this = ObjectRef { name: ref_name.into(), uid: uid.clone() };
            bound = Some(match kind {
                "Pod" => {
                    let pod_sa = obj.pointer("/spec/serviceAccountName").and_then(Value::as_str).unwrap_or("");
                    if pod_sa != name {
                        return Err(TokenRequestError::PodServiceAccountMismatch { service_account: name.into() });
                    }
                    let node = obj.pointer("/spec/nodeName").and_then(Value::as_str).filter(|n| !n.is_empty()).map(|n| {
                        let uid = source
                            .get_object("nodes", None, n)
                            .and_then(|o| o.pointer("/metadata/uid").and_then(Value::as_str).map(str::to_string))
                            .unwrap_or_default();
                        ObjectRef { name: n.into(), uid }
                    });
                    BoundObject::Pod { pod: this, node }
                }
                "Secret" => BoundObject::Secret(this),
                _ => BoundObject::Node(this),
            });
            if !ref_uid.is_empty() && ref_uid != uid {
                return Err(TokenRequestError::BoundUidConflict { kind: kind.into(), name: ref_name.into(), uid: ref_uid.into() });
            }
        }
        let now_s = unix(now);
        let mut exp = now_s + expiration;
        let mut warn_after = None;
        let is_kube_audience = audiences.iter().all(|a| self.issuer.api_audiences.contains(a));
        if matches!(bound, Some(BoundObject::Pod { .. }))
            && expiration == WARN_ONLY_BOUND_TOKEN_EXPIRATION_SECONDS
            && is_kube_audience
        {
            warn_after = Some(exp);
            exp = now_s + EXPIRATION_EXTENSION_SECONDS;
        }
        let claims = BoundTokenClaims {
            namespace: namespace.into(),
            service_account: ObjectRef { name: name.into(), uid: sa_uid },
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
    #[error("TokenRequest.authentication.k8s.io \"{name}\" is invalid: metadata.name: Invalid value: \"{name}\": must match the service account name if specified")]
    NameMismatch {
        /// Body name.
        name: String,
    },
    /// 422: body `metadata.namespace` differs from the URL.
    #[error("TokenRequest.authentication.k8s.io \"{name}\" is invalid: metadata.namespace: Invalid value: \"{namespace}\": must match the service account namespace if specified")]
    NamespaceMismatch {
        /// Body name.
        name: String,
        /// Body namespace.
        namespace: String,
    },
    /// 422: below 600 s.
    #[error("TokenRequest.authentication.k8s.io \"\" is invalid: spec.expirationSeconds: Invalid value: {0}: may not specify a duration less than 10 minutes")]
    ExpirationTooShort(i64),
    /// 422: above 2^32 s.
    #[error("TokenRequest.authentication.k8s.io \"\" is invalid: spec.expirationSeconds: Invalid value: {0}: may not specify a duration larger than 2^32 seconds")]
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
    #[error("Operation cannot be fulfilled on {kind} \"{name}\": the UID in the bound object reference ({uid}) does not match the UID in record. The object might have been deleted and then recreated")]
    BoundUidConflict {
        /// The Kind (the real server puts the Kind where a resource usually goes).
        kind: String,
        /// Object name.
        name: String,
        /// The UID in the request.
        uid: String,
    },
    /// 400: the pod runs as another ServiceAccount.
    #[error("cannot bind token for serviceaccount \"{service_account}\" to pod running with different serviceaccount name.")]
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
            Self::NameMismatch { .. } | Self::NamespaceMismatch { .. } | Self::ExpirationTooShort(_) | Self::ExpirationTooLong(_) => 422,
            Self::UnsupportedBoundKind(_) | Self::PodServiceAccountMismatch { .. } | Self::BadBody(_) => 400,
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
            Self::ServiceAccountNotFound { name } => ("NotFound", Some(json!({"name": name, "kind": "serviceaccounts"}))),
            Self::BoundObjectNotFound { resource, name } => ("NotFound", Some(json!({"name": name, "kind": resource}))),
            Self::NameMismatch { name } => (
                "Invalid",
                Some(invalid(name, "metadata.name", format!("Invalid value: \"{name}\": must match the service account name if specified"))),
            ),
            Self::NamespaceMismatch { name, namespace } => (
                "Invalid",
                Some(invalid(
                    name,
                    "metadata.namespace",
                    format!("Invalid value: \"{namespace}\": must match the service account namespace if specified"),
                )),
            ),
            Self::ExpirationTooShort(v) => (
                "Invalid",
                Some(invalid("", "spec.expirationSeconds", format!("Invalid value: {v}: may not specify a duration less than 10 minutes"))),
            ),
            Self::ExpirationTooLong(v) => (
                "Invalid",
                Some(invalid("", "spec.expirationSeconds", format!("Invalid value: {v}: may not specify a duration larger than 2^32 seconds"))),
            ),
            Self::BoundUidConflict { kind, name, .. } => ("Conflict", Some(json!({"name": name, "kind": kind}))),
            Self::UnsupportedBoundKind(_) | Self::PodServiceAccountMismatch { .. } | Self::BadBody(_) => ("BadRequest", None),
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
