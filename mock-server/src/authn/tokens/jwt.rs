//! Service-account JWTs signed and verified by hand (RS256 over aws-lc-rs), with exactly the
//! header and claims kube-apiserver produces (`pkg/serviceaccount/jwt.go`, `claims.go`,
//! `legacy.go`), and the issuer discovery documents (`openidmetadata.go`).

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde_json::{Map, Value, json};

use super::keys::{KeyError, SigningKey};
use crate::api::objects::ObjectSource;

/// `iss` of legacy Secret-based tokens (`legacy.go` `LegacyIssuer`).
pub const LEGACY_ISSUER: &str = "kubernetes/serviceaccount";
/// The issuer (and API audience) kubeadm and kind configure.
pub const DEFAULT_ISSUER: &str = "https://kubernetes.default.svc.cluster.local";
/// go-jose's `jwt.DefaultLeeway`, applied to exp/nbf/iat and to deletion timestamps.
pub const LEEWAY_SECONDS: i64 = 60;

/// `--service-account-issuer`, `--api-audiences` and the JWKS URI the discovery document names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IssuerConfig {
    /// `iss` of bound tokens.
    pub issuer: String,
    /// The API server's own audiences (default: the issuer).
    pub api_audiences: Vec<String>,
    /// `jwks_uri` in `/.well-known/openid-configuration`.
    pub jwks_uri: String,
}

impl IssuerConfig {
    /// The issuer as kubeadm sets it, audiences defaulting to it, JWKS served at `server_url`.
    pub fn new(issuer: &str, server_url: &str) -> Self {
        IssuerConfig {
            issuer: issuer.to_string(),
            api_audiences: vec![issuer.to_string()],
            jwks_uri: format!("{}/openid/v1/jwks", server_url.trim_end_matches('/')),
        }
    }
}

/// A `{name, uid}` reference as in the `kubernetes.io` claim.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ObjectRef {
    /// Object name.
    pub name: String,
    /// Object UID.
    pub uid: String,
}

/// The object a bound token is tied to (at most one).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BoundObject {
    /// Bound to a Secret.
    Secret(ObjectRef),
    /// Bound to a Pod, with the node it runs on if known (`ServiceAccountTokenPodNodeInfo`).
    Pod {
        /// The pod.
        pod: ObjectRef,
        /// Its node.
        node: Option<ObjectRef>,
    },
    /// Bound to a Node.
    Node(ObjectRef),
}

/// The claims of a TokenRequest token (`claims.go` `Claims`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BoundTokenClaims {
    /// ServiceAccount namespace.
    pub namespace: String,
    /// The ServiceAccount.
    pub service_account: ObjectRef,
    /// `aud`, always serialised as an array.
    pub audiences: Vec<String>,
    /// `iat` and `nbf` (Unix seconds).
    pub issued_at: i64,
    /// `exp` (Unix seconds).
    pub expires_at: i64,
    /// `jti`, a random UUID.
    pub jti: String,
    /// The bound object, if any.
    pub bound: Option<BoundObject>,
    /// `warnafter` for extended pod tokens.
    pub warn_after: Option<i64>,
}

fn ref_json(r: &ObjectRef) -> Value {
    json!({"name": r.name, "uid": r.uid})
}

/// Re-order every object's keys alphabetically: go-jose merges claims into a Go map, and
/// `encoding/json` writes maps sorted, so that is the byte order of real tokens.
pub fn sorted(v: &Value) -> Value {
    match v {
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            let mut out = Map::new();
            for k in keys {
                out.insert(k.clone(), sorted(&m[k]));
            }
            Value::Object(out)
        }
        Value::Array(a) => Value::Array(a.iter().map(sorted).collect()),
        other => other.clone(),
    }
}

impl BoundTokenClaims {
    /// The payload JSON, keys sorted as the real server writes them.
    pub fn to_json(&self, issuer: &str) -> Value {
        let mut k8s = Map::new();
        k8s.insert("namespace".into(), json!(self.namespace));
        k8s.insert("serviceaccount".into(), ref_json(&self.service_account));
        match &self.bound {
            Some(BoundObject::Secret(s)) => {
                k8s.insert("secret".into(), ref_json(s));
            }
            Some(BoundObject::Pod { pod, node }) => {
                k8s.insert("pod".into(), ref_json(pod));
                if let Some(n) = node {
                    k8s.insert("node".into(), ref_json(n));
                }
            }
            Some(BoundObject::Node(n)) => {
                k8s.insert("node".into(), ref_json(n));
            }
            None => {}
        }
        if let Some(w) = self.warn_after {
            k8s.insert("warnafter".into(), json!(w));
        }
        sorted(&json!({
            "aud": self.audiences,
            "exp": self.expires_at,
            "iat": self.issued_at,
            "iss": issuer,
            "jti": self.jti,
            "kubernetes.io": Value::Object(k8s),
            "nbf": self.issued_at,
            "sub": format!("system:serviceaccount:{}:{}", self.namespace, self.service_account.name),
        }))
    }
}

/// The payload of a legacy Secret-based token (`legacy.go` `LegacyClaims`): no aud/exp/iat/nbf/jti.
pub fn legacy_claims(namespace: &str, sa_name: &str, sa_uid: &str, secret_name: &str) -> Value {
    sorted(&json!({
        "iss": LEGACY_ISSUER,
        "kubernetes.io/serviceaccount/namespace": namespace,
        "kubernetes.io/serviceaccount/secret.name": secret_name,
        "kubernetes.io/serviceaccount/service-account.name": sa_name,
        "kubernetes.io/serviceaccount/service-account.uid": sa_uid,
        "sub": format!("system:serviceaccount:{namespace}:{sa_name}"),
    }))
}

/// Compact JWS: protected header `{"alg":"RS256","kid":"<kid>"}` (no `typ`), payload as given.
pub fn sign(key: &SigningKey, claims: &Value) -> Result<String, KeyError> {
    let header = json!({"alg": "RS256", "kid": key.kid()});
    let signing_input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    );
    let sig = key.sign(signing_input.as_bytes())?;
    Ok(format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(sig)))
}

/// Every way a presented service-account token is refused; all of them are a 401 on the wire,
/// the text is what the real server logs.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// Not three dot-separated segments (or a JSON document): not a JWT this authenticator handles.
    #[error("token is not a compact JWT")]
    NotAJwt,
    /// A segment is not base64url.
    #[error("token {segment} segment is not valid base64url")]
    MalformedBase64 {
        /// `header`, `payload` or `signature`.
        segment: &'static str,
    },
    /// The header is not a JSON object.
    #[error("token header is not valid JSON")]
    MalformedHeader,
    /// The payload is not a JSON object with correctly typed registered claims.
    #[error("token claims are not valid: {0}")]
    MalformedClaims(String),
    /// `iss` is neither the configured issuer nor the legacy one.
    #[error("token issuer {0:?} is not recognised")]
    IssuerNotRecognized(String),
    /// `alg` is not RS256.
    #[error("unexpected signature algorithm {0:?}")]
    UnsupportedAlgorithm(String),
    /// `kid` names a key this server does not have.
    #[error("invalid signature, no keys found")]
    NoKeysFound,
    /// The signature does not verify.
    #[error("go-jose/go-jose: error in cryptographic primitive")]
    InvalidSignature,
    /// No token audience is among the accepted ones.
    #[error("token audiences {token:?} is invalid for the target audiences {target:?}")]
    InvalidAudience {
        /// The token's audiences.
        token: Vec<String>,
        /// The accepted audiences.
        target: Vec<String>,
    },
    /// `exp` is more than the leeway in the past.
    #[error("service account token has expired")]
    Expired,
    /// `nbf` is more than the leeway in the future.
    #[error("service account token is not valid yet")]
    NotYetValid,
    /// `iat` is more than the leeway in the future.
    #[error(
        "service account token claims could not be validated due to unexpected validation error"
    )]
    IssuedInTheFuture,
    /// A claim a legacy token needs is missing (`sub`, namespace, secretName, ...).
    #[error("{0} claim is missing")]
    MissingClaim(&'static str),
    /// `sub` does not name the ServiceAccount in the other claims.
    #[error("sub claim is invalid")]
    SubjectInvalid,
    /// The ServiceAccount no longer exists.
    #[error("serviceaccount \"{name}\" not found")]
    ServiceAccountNotFound {
        /// Namespace.
        namespace: String,
        /// Name.
        name: String,
    },
    /// The ServiceAccount is being deleted (past the leeway).
    #[error("service account {namespace}/{name} has been deleted")]
    ServiceAccountDeleted {
        /// Namespace.
        namespace: String,
        /// Name.
        name: String,
    },
    /// The ServiceAccount was recreated: its UID differs from the claim.
    #[error("service account UID ({actual}) does not match claim ({claim})")]
    ServiceAccountUidMismatch {
        /// UID in the store.
        actual: String,
        /// UID in the token.
        claim: String,
    },
    /// The bound Secret/Pod/Node is gone or being deleted.
    #[error("service account token has been invalidated")]
    BoundObjectGone {
        /// `secret`, `pod` or `node`.
        kind: &'static str,
    },
    /// The bound object was recreated.
    #[error("{kind} UID ({actual}) does not match service account {kind} ref claim ({claim})")]
    BoundObjectUidMismatch {
        /// `secret`, `pod` or `node`.
        kind: &'static str,
        /// UID in the store.
        actual: String,
        /// UID in the token.
        claim: String,
    },
    /// Legacy token: its Secret no longer exists (or is being deleted).
    #[error("Token has been invalidated")]
    LegacySecretGone,
    /// Legacy token: the Secret holds a different token.
    #[error("Token does not match server's copy")]
    LegacyTokenMismatch,
    /// Legacy token: the cleaner marked the Secret invalid.
    #[error(
        "the token in secret {namespace}/{name} for service account {namespace}/{service_account} has been marked invalid. Use tokens from the TokenRequest API or manually created secret-based tokens, or remove the 'kubernetes.io/legacy-token-invalid-since' label from the secret to re-enable the token."
    )]
    LegacyTokenMarkedInvalid {
        /// Namespace.
        namespace: String,
        /// Secret name.
        name: String,
        /// ServiceAccount name.
        service_account: String,
    },
    /// The signing key could not be made.
    #[error("{0}")]
    Key(String),
}

/// What a valid token says about its bearer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValidatedToken {
    /// ServiceAccount namespace.
    pub namespace: String,
    /// ServiceAccount name.
    pub name: String,
    /// ServiceAccount UID.
    pub uid: String,
    /// Bound pod, if any.
    pub pod: Option<ObjectRef>,
    /// Node from the token (pod-bound with node info, or node-bound).
    pub node: Option<ObjectRef>,
    /// `jti` of bound tokens.
    pub jti: Option<String>,
    /// The audiences the token was accepted for (intersection).
    pub audiences: Vec<String>,
    /// For legacy tokens: the Secret holding it, and whether it is listed in the SA's `secrets`
    /// (auto-generated; the real server then sends a `Warning` header).
    pub legacy_secret: Option<LegacySecret>,
}

/// The Secret behind a validated legacy token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LegacySecret {
    /// Secret name (namespace is the token's).
    pub name: String,
    /// Listed in `serviceaccount.secrets`.
    pub auto_generated: bool,
}

/// The `Warning` header text for auto-generated legacy tokens (`legacy.go`).
pub const AUTO_GENERATED_LEGACY_TOKEN_WARNING: &str = "Use tokens from the TokenRequest API or manually created secret-based tokens instead of auto-generated secret-based tokens.";

fn b64(seg: &str, segment: &'static str) -> Result<Vec<u8>, TokenError> {
    URL_SAFE_NO_PAD
        .decode(seg)
        .map_err(|_| TokenError::MalformedBase64 { segment })
}

fn str_claim<'a>(claims: &'a Value, key: &str) -> &'a str {
    claims.get(key).and_then(Value::as_str).unwrap_or("")
}

fn num_claim(claims: &Value, key: &str) -> Result<Option<i64>, TokenError> {
    match claims.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n
            .as_i64()
            .or_else(|| n.as_f64().map(|f| f as i64))
            .map(Some)
            .ok_or_else(|| TokenError::MalformedClaims(format!("{key} is not a number"))),
        Some(_) => Err(TokenError::MalformedClaims(format!(
            "{key} is not a number"
        ))),
    }
}

/// `aud` as go-jose reads it: a string or an array of strings.
fn audiences(claims: &Value) -> Result<Vec<String>, TokenError> {
    match claims.get("aud") {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::String(s)) => Ok(vec![s.clone()]),
        Some(Value::Array(a)) => a
            .iter()
            .map(|v| {
                v.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| TokenError::MalformedClaims("aud".into()))
            })
            .collect(),
        Some(_) => Err(TokenError::MalformedClaims("aud".into())),
    }
}

/// Unix seconds of an RFC 3339 `metadata.deletionTimestamp`, if set.
fn deletion_time(obj: &Value) -> Option<i64> {
    let ts = obj.pointer("/metadata/deletionTimestamp")?.as_str()?;
    let t = humantime::parse_rfc3339(ts).ok()?;
    Some(t.duration_since(std::time::UNIX_EPOCH).ok()?.as_secs() as i64)
}

fn uid_of(obj: &Value) -> &str {
    obj.pointer("/metadata/uid")
        .and_then(Value::as_str)
        .unwrap_or("")
}

/// Verify a token as kube-apiserver's two service-account authenticators (bound, legacy) do:
/// shape, issuer, signature, audience, then the claims against the store.
/// `requested_audiences` is `spec.audiences` of a TokenReview; `None` means the API audiences.
pub fn validate(
    token: &str,
    key: &SigningKey,
    cfg: &IssuerConfig,
    requested_audiences: Option<&[String]>,
    now: i64,
    source: &dyn ObjectSource,
) -> Result<ValidatedToken, TokenError> {
    if token.trim_start().starts_with('{') {
        return Err(TokenError::NotAJwt);
    }
    let parts: Vec<&str> = token.split('.').collect();
    if parts.len() != 3 {
        return Err(TokenError::NotAJwt);
    }
    let payload = b64(parts[1], "payload")?;
    let claims: Value =
        serde_json::from_slice(&payload).map_err(|e| TokenError::MalformedClaims(e.to_string()))?;
    if !claims.is_object() {
        return Err(TokenError::MalformedClaims(
            "payload is not a JSON object".into(),
        ));
    }
    let iss = str_claim(&claims, "iss");
    let legacy = iss == LEGACY_ISSUER;
    if !legacy && iss != cfg.issuer {
        return Err(TokenError::IssuerNotRecognized(iss.to_string()));
    }
    let header: Value = serde_json::from_slice(&b64(parts[0], "header")?)
        .map_err(|_| TokenError::MalformedHeader)?;
    if !header.is_object() {
        return Err(TokenError::MalformedHeader);
    }
    let alg = header.get("alg").and_then(Value::as_str).unwrap_or("");
    if alg != "RS256" {
        return Err(TokenError::UnsupportedAlgorithm(alg.to_string()));
    }
    if let Some(kid) = header.get("kid").and_then(Value::as_str)
        && !kid.is_empty()
        && kid != key.kid()
    {
        return Err(TokenError::NoKeysFound);
    }
    let sig = b64(parts[2], "signature")?;
    let signing_input = &token[..parts[0].len() + 1 + parts[1].len()];
    if !key.verify(signing_input.as_bytes(), &sig) {
        return Err(TokenError::InvalidSignature);
    }
    // Typed registered claims: a wrongly typed exp/nbf/iat fails go-jose's unmarshal.
    let exp = num_claim(&claims, "exp")?;
    let nbf = num_claim(&claims, "nbf")?;
    let iat = num_claim(&claims, "iat")?;

    let mut token_auds = audiences(&claims)?;
    if token_auds.is_empty() {
        // Only the API server's own audiences are allowed for legacy tokens (jwt.go).
        token_auds = cfg.api_audiences.clone();
    }
    let requested: Vec<String> =
        requested_audiences.map_or_else(|| cfg.api_audiences.clone(), <[String]>::to_vec);
    let accepted: Vec<String> = token_auds
        .iter()
        .filter(|a| requested.contains(a))
        .cloned()
        .collect();
    if accepted.is_empty() && !cfg.api_audiences.is_empty() {
        return Err(TokenError::InvalidAudience {
            token: token_auds,
            target: requested,
        });
    }

    let mut out = if legacy {
        validate_legacy(token, &claims, source)?
    } else {
        validate_bound(&claims, exp, nbf, iat, now, source)?
    };
    out.audiences = accepted;
    Ok(out)
}

fn validate_bound(
    claims: &Value,
    exp: Option<i64>,
    nbf: Option<i64>,
    iat: Option<i64>,
    now: i64,
    source: &dyn ObjectSource,
) -> Result<ValidatedToken, TokenError> {
    // go-jose ValidateWithLeeway order: nbf, exp, iat.
    if nbf.is_some_and(|nbf| now + LEEWAY_SECONDS < nbf) {
        return Err(TokenError::NotYetValid);
    }
    if exp.is_some_and(|exp| now - LEEWAY_SECONDS > exp) {
        return Err(TokenError::Expired);
    }
    if iat.is_some_and(|iat| now + LEEWAY_SECONDS < iat) {
        return Err(TokenError::IssuedInTheFuture);
    }
    let k = claims.get("kubernetes.io").cloned().unwrap_or(Value::Null);
    let get_ref = |key: &str| -> Option<ObjectRef> {
        let r = k.get(key)?;
        Some(ObjectRef {
            name: str_claim(r, "name").to_string(),
            uid: str_claim(r, "uid").to_string(),
        })
    };
    let namespace = str_claim(&k, "namespace").to_string();
    let sa = get_ref("serviceaccount").unwrap_or_default();
    let invalid_if_deleted_before = now - LEEWAY_SECONDS;
    let deleted = |obj: &Value| deletion_time(obj).is_some_and(|t| t < invalid_if_deleted_before);

    let sa_obj = source
        .get_object("serviceaccounts", Some(&namespace), &sa.name)
        .ok_or_else(|| TokenError::ServiceAccountNotFound {
            namespace: namespace.clone(),
            name: sa.name.clone(),
        })?;
    if deleted(&sa_obj) {
        return Err(TokenError::ServiceAccountDeleted {
            namespace,
            name: sa.name,
        });
    }
    if uid_of(&sa_obj) != sa.uid {
        return Err(TokenError::ServiceAccountUidMismatch {
            actual: uid_of(&sa_obj).to_string(),
            claim: sa.uid,
        });
    }
    let check = |kind: &'static str,
                 resource: &str,
                 r: &ObjectRef,
                 namespaced: bool|
     -> Result<(), TokenError> {
        let ns = namespaced.then_some(namespace.as_str());
        let obj = source
            .get_object(resource, ns, &r.name)
            .ok_or(TokenError::BoundObjectGone { kind })?;
        if deleted(&obj) {
            return Err(TokenError::BoundObjectGone { kind });
        }
        if uid_of(&obj) != r.uid {
            return Err(TokenError::BoundObjectUidMismatch {
                kind,
                actual: uid_of(&obj).to_string(),
                claim: r.uid.clone(),
            });
        }
        Ok(())
    };
    if let Some(s) = get_ref("secret") {
        check("secret", "secrets", &s, true)?;
    }
    let pod = get_ref("pod");
    if let Some(p) = &pod {
        check("pod", "pods", p, true)?;
    }
    let node = get_ref("node");
    // A node claim of a pod-bound token is informational; a node-bound token needs the node.
    if let (Some(n), None) = (&node, &pod) {
        check("node", "nodes", n, false)?;
    }
    let jti = str_claim(claims, "jti");
    Ok(ValidatedToken {
        namespace,
        name: sa.name,
        uid: sa.uid,
        pod,
        node,
        jti: (!jti.is_empty()).then(|| jti.to_string()),
        audiences: Vec::new(),
        legacy_secret: None,
    })
}

fn validate_legacy(
    token: &str,
    claims: &Value,
    source: &dyn ObjectSource,
) -> Result<ValidatedToken, TokenError> {
    let sub = str_claim(claims, "sub");
    if sub.is_empty() {
        return Err(TokenError::MissingClaim("sub"));
    }
    let namespace = str_claim(claims, "kubernetes.io/serviceaccount/namespace");
    if namespace.is_empty() {
        return Err(TokenError::MissingClaim("namespace"));
    }
    let secret_name = str_claim(claims, "kubernetes.io/serviceaccount/secret.name");
    if secret_name.is_empty() {
        return Err(TokenError::MissingClaim("secretName"));
    }
    let sa_name = str_claim(claims, "kubernetes.io/serviceaccount/service-account.name");
    if sa_name.is_empty() {
        return Err(TokenError::MissingClaim("serviceAccountName"));
    }
    let sa_uid = str_claim(claims, "kubernetes.io/serviceaccount/service-account.uid");
    if sa_uid.is_empty() {
        return Err(TokenError::MissingClaim("serviceAccountUID"));
    }
    if sub != format!("system:serviceaccount:{namespace}:{sa_name}") {
        return Err(TokenError::SubjectInvalid);
    }
    let secret = source
        .get_object("secrets", Some(namespace), secret_name)
        .ok_or(TokenError::LegacySecretGone)?;
    if deletion_time(&secret).is_some() {
        return Err(TokenError::LegacySecretGone);
    }
    let stored = secret
        .pointer("/data/token")
        .and_then(Value::as_str)
        .and_then(|t| STANDARD.decode(t).ok())
        .unwrap_or_default();
    if stored != token.as_bytes() {
        return Err(TokenError::LegacyTokenMismatch);
    }
    let sa = source
        .get_object("serviceaccounts", Some(namespace), sa_name)
        .ok_or_else(|| TokenError::ServiceAccountNotFound {
            namespace: namespace.into(),
            name: sa_name.into(),
        })?;
    if deletion_time(&sa).is_some() {
        return Err(TokenError::ServiceAccountDeleted {
            namespace: namespace.into(),
            name: sa_name.into(),
        });
    }
    if uid_of(&sa) != sa_uid {
        return Err(TokenError::ServiceAccountUidMismatch {
            actual: uid_of(&sa).into(),
            claim: sa_uid.into(),
        });
    }
    if secret
        .pointer("/metadata/labels/kubernetes.io~1legacy-token-invalid-since")
        .is_some()
    {
        return Err(TokenError::LegacyTokenMarkedInvalid {
            namespace: namespace.into(),
            name: secret_name.into(),
            service_account: sa_name.into(),
        });
    }
    let auto_generated = sa
        .get("secrets")
        .and_then(Value::as_array)
        .is_some_and(|refs| {
            refs.iter()
                .any(|r| r.get("name").and_then(Value::as_str) == Some(secret_name))
        });
    Ok(ValidatedToken {
        namespace: namespace.into(),
        name: sa_name.into(),
        uid: sa_uid.into(),
        pod: None,
        node: None,
        jti: None,
        audiences: Vec::new(),
        legacy_secret: Some(LegacySecret {
            name: secret_name.into(),
            auto_generated,
        }),
    })
}

/// `GET /openid/v1/jwks` body (`Content-Type: application/jwk-set+json`).
pub fn jwks_document(key: &SigningKey) -> Value {
    json!({"keys": [key.jwk()]})
}

/// `Content-Type` of the JWKS response.
pub const JWKS_CONTENT_TYPE: &str = "application/jwk-set+json";
/// `Cache-Control` of both discovery responses.
pub const DISCOVERY_CACHE_CONTROL: &str = "public, max-age=3600";

/// `GET /.well-known/openid-configuration` body (`Content-Type: application/json`).
pub fn openid_configuration(cfg: &IssuerConfig) -> Value {
    json!({
        "issuer": cfg.issuer,
        "jwks_uri": cfg.jwks_uri,
        "response_types_supported": ["id_token"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
    })
}

/// Decode a JWT payload without verifying it (for tests and diagnostics only).
pub fn decode_unverified(token: &str) -> Option<(Value, Value)> {
    let mut it = token.split('.');
    let h = URL_SAFE_NO_PAD.decode(it.next()?).ok()?;
    let p = URL_SAFE_NO_PAD.decode(it.next()?).ok()?;
    Some((
        serde_json::from_slice(&h).ok()?,
        serde_json::from_slice(&p).ok()?,
    ))
}
