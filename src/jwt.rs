//! Read a ServiceAccount token without verifying it.
//!
//! A JWT is `base64url(header).base64url(claims).signature`. Decoding the
//! first two parts shows who the token speaks for and until when; it proves
//! nothing (only the API server can check the signature, e.g. with a
//! TokenReview). Two shapes exist:
//!
//! - **bound** (TokenRequest, 1.24+): `iss` is the cluster's issuer URL, with
//!   `aud`, `exp`, `iat`, `nbf`, `jti` and a `kubernetes.io` object naming the
//!   namespace, ServiceAccount and optionally the Pod/Secret/Node it is bound to;
//! - **legacy** (Secret-based): `iss` is `kubernetes/serviceaccount`, flat
//!   `kubernetes.io/serviceaccount/*` claims, and no expiry at all.
//!
//! ```
//! use rawkube::jwt::{decode, TokenKind};
//! let token = "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJrdWJlcm5ldGVzL3NlcnZpY2VhY2NvdW50Iiwia3ViZXJuZXRlcy5pby9zZXJ2aWNlYWNjb3VudC9uYW1lc3BhY2UiOiJkZWZhdWx0Iiwic3ViIjoic3lzdGVtOnNlcnZpY2VhY2NvdW50OmRlZmF1bHQ6eCJ9.c2ln";
//! let jwt = decode(token).unwrap();
//! assert!(matches!(jwt.kind(), TokenKind::Legacy { .. }));
//! assert_eq!(jwt.subject(), Some("system:serviceaccount:default:x"));
//! ```

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value};

/// Why a string is not a readable JWT.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum JwtError {
    /// Not three dot-separated parts.
    #[error("not a JWT: expected 3 dot-separated parts (header.claims.signature), found {0}")]
    Segments(usize),
    /// A part is not base64url.
    #[error("not a JWT: the {part} is not base64url: {reason}")]
    Base64 {
        /// `header` or `claims`.
        part: &'static str,
        /// Decoder message.
        reason: String,
    },
    /// A part is not a JSON object.
    #[error("not a JWT: the {part} is not a JSON object: {reason}")]
    Json {
        /// `header` or `claims`.
        part: &'static str,
        /// Parser message.
        reason: String,
    },
}

/// A decoded (not verified) token.
#[derive(Clone, Debug, PartialEq)]
pub struct Jwt {
    /// The header, e.g. `{"alg":"RS256","kid":"..."}`.
    pub header: Map<String, Value>,
    /// All claims as sent.
    pub claims: Map<String, Value>,
}

/// What a token is, from its claims.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TokenKind {
    /// Minted by the TokenRequest API; expires.
    Bound {
        /// Namespace of the ServiceAccount.
        namespace: String,
        /// ServiceAccount name.
        service_account: String,
        /// `Pod "web"`, `Secret "s"`, `Node "n1"` if bound to an object.
        bound_to: Option<String>,
    },
    /// Read from a `kubernetes.io/service-account-token` Secret; never expires.
    Legacy {
        /// Namespace of the ServiceAccount.
        namespace: String,
        /// ServiceAccount name.
        service_account: String,
        /// The Secret that holds it.
        secret: String,
    },
    /// Not a ServiceAccount token (e.g. an OIDC token).
    Other,
}

/// 9999-12-31T23:59:59Z in seconds since the epoch: the last time RFC 3339 can write.
const LAST_RFC3339_SECOND: f64 = 253_402_300_799.0;

/// Decode `token` without verifying its signature. Surrounding whitespace and a
/// `Bearer ` prefix are ignored. Never panics.
pub fn decode(token: &str) -> Result<Jwt, JwtError> {
    let token = token.trim();
    let token = token.strip_prefix("Bearer ").unwrap_or(token).trim();
    let parts: Vec<&str> = token.split('.').collect();
    if parts.len() != 3 {
        return Err(JwtError::Segments(parts.len()));
    }
    Ok(Jwt {
        header: decode_part(parts[0], "header")?,
        claims: decode_part(parts[1], "claims")?,
    })
}

fn decode_part(part: &str, name: &'static str) -> Result<Map<String, Value>, JwtError> {
    // Some encoders pad; the JWT spec says not to, so accept both.
    let bytes = URL_SAFE_NO_PAD
        .decode(part.trim_end_matches('='))
        .map_err(|e| JwtError::Base64 {
            part: name,
            reason: e.to_string(),
        })?;
    match serde_json::from_slice::<Value>(&bytes) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Err(JwtError::Json {
            part: name,
            reason: "not an object".into(),
        }),
        Err(e) => Err(JwtError::Json {
            part: name,
            reason: e.to_string(),
        }),
    }
}

impl Jwt {
    fn str_claim(&self, key: &str) -> Option<&str> {
        self.claims.get(key).and_then(Value::as_str)
    }

    /// A NumericDate claim; `None` when absent or not a time between 1970 and the end of
    /// year 9999, the range an RFC 3339 timestamp can show (humantime refuses to format
    /// later times, and `format!` panics when a formatter refuses).
    fn time_claim(&self, key: &str) -> Option<SystemTime> {
        let secs = self.claims.get(key)?.as_f64()?;
        if !(0.0..=LAST_RFC3339_SECOND).contains(&secs) {
            return None;
        }
        Some(UNIX_EPOCH + Duration::from_secs(secs as u64))
    }

    /// `alg` from the header (e.g. `RS256`).
    pub fn algorithm(&self) -> Option<&str> {
        self.header.get("alg").and_then(Value::as_str)
    }

    /// `kid` from the header.
    pub fn key_id(&self) -> Option<&str> {
        self.header.get("kid").and_then(Value::as_str)
    }

    /// `iss`.
    pub fn issuer(&self) -> Option<&str> {
        self.str_claim("iss")
    }

    /// `sub`, e.g. `system:serviceaccount:default:x`.
    pub fn subject(&self) -> Option<&str> {
        self.str_claim("sub")
    }

    /// `aud`, always as a list (a JWT may carry a single string).
    pub fn audiences(&self) -> Vec<String> {
        match self.claims.get("aud") {
            Some(Value::String(s)) => vec![s.clone()],
            Some(Value::Array(a)) => a
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect(),
            _ => Vec::new(),
        }
    }

    /// `exp`, if the token expires.
    pub fn expires_at(&self) -> Option<SystemTime> {
        self.time_claim("exp")
    }

    /// `iat`.
    pub fn issued_at(&self) -> Option<SystemTime> {
        self.time_claim("iat")
    }

    /// Bound, legacy, or neither.
    pub fn kind(&self) -> TokenKind {
        let s = |v: Option<&Value>| v.and_then(Value::as_str).unwrap_or_default().to_string();
        if let Some(k) = self.claims.get("kubernetes.io").and_then(Value::as_object) {
            let name_of = |key: &str| {
                k.get(key)
                    .and_then(|o| o.get("name"))
                    .and_then(Value::as_str)
            };
            // A pod-bound token also names its node; the pod is the binding.
            let bound_to = [("pod", "Pod"), ("secret", "Secret"), ("node", "Node")]
                .iter()
                .find_map(|(key, kind)| name_of(key).map(|n| format!("{kind} {n:?}")));
            return TokenKind::Bound {
                namespace: s(k.get("namespace")),
                service_account: name_of("serviceaccount").unwrap_or_default().to_string(),
                bound_to,
            };
        }
        if self.issuer() == Some("kubernetes/serviceaccount") {
            let c = |key: &str| {
                s(self
                    .claims
                    .get(&format!("kubernetes.io/serviceaccount/{key}")))
            };
            return TokenKind::Legacy {
                namespace: c("namespace"),
                service_account: c("service-account.name"),
                secret: c("secret.name"),
            };
        }
        TokenKind::Other
    }

    /// The expiry in human terms relative to `now`: `expires in 59m 58s (at
    /// 2026-01-01T01:00:00Z)`, `expired 5m ago (at ...)`, or `never expires`.
    pub fn describe_expiry(&self, now: SystemTime) -> String {
        let Some(exp) = self.expires_at() else {
            return match self.claims.get("exp") {
                None => "never expires".into(),
                Some(v) => format!("unknown: exp claim {v} is not a time before the year 10000"),
            };
        };
        let at = humantime::format_rfc3339_seconds(exp);
        match exp.duration_since(now) {
            Ok(left) => format!("expires in {} (at {at})", human(left)),
            Err(e) => format!("expired {} ago (at {at})", human(e.duration())),
        }
    }
}

/// Whole seconds, humantime style (`1h 2m 3s`); `0s` for under a second.
fn human(d: Duration) -> String {
    humantime::format_duration(Duration::from_secs(d.as_secs())).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b64(v: &str) -> String {
        URL_SAFE_NO_PAD.encode(v)
    }

    fn token(header: &str, claims: &str) -> String {
        format!("{}.{}.c2ln", b64(header), b64(claims))
    }

    // Claims as in apiserver-spec.md §3.2.
    const BOUND: &str = r#"{"aud":["https://kubernetes.default.svc.cluster.local"],"exp":1767229200,"iat":1767225600,"iss":"https://kubernetes.default.svc.cluster.local","jti":"7ee52be0-9045-4653-aa5e-0da57b8dccdc","kubernetes.io":{"namespace":"default","node":{"name":"n1","uid":"u1"},"pod":{"name":"p","uid":"u2"},"serviceaccount":{"name":"x","uid":"u3"}},"nbf":1767225600,"sub":"system:serviceaccount:default:x"}"#;

    #[test]
    fn bound_token() {
        let jwt = decode(&token(r#"{"alg":"RS256","kid":"abc"}"#, BOUND)).unwrap();
        assert_eq!(jwt.algorithm(), Some("RS256"));
        assert_eq!(jwt.key_id(), Some("abc"));
        assert_eq!(
            jwt.audiences(),
            ["https://kubernetes.default.svc.cluster.local"]
        );
        assert_eq!(
            jwt.kind(),
            TokenKind::Bound {
                namespace: "default".into(),
                service_account: "x".into(),
                bound_to: Some("Pod \"p\"".into()),
            }
        );
        let exp = UNIX_EPOCH + Duration::from_secs(1767229200);
        assert_eq!(jwt.expires_at(), Some(exp));
        assert_eq!(
            jwt.describe_expiry(exp - Duration::from_secs(3598)),
            "expires in 59m 58s (at 2026-01-01T01:00:00Z)"
        );
        assert_eq!(
            jwt.describe_expiry(exp + Duration::from_secs(300)),
            "expired 5m ago (at 2026-01-01T01:00:00Z)"
        );
    }

    #[test]
    fn legacy_token_never_expires() {
        let claims = r#"{"iss":"kubernetes/serviceaccount","kubernetes.io/serviceaccount/namespace":"default","kubernetes.io/serviceaccount/secret.name":"x-token","kubernetes.io/serviceaccount/service-account.name":"x","kubernetes.io/serviceaccount/service-account.uid":"u","sub":"system:serviceaccount:default:x"}"#;
        let jwt = decode(&format!("Bearer {}\n", token(r#"{"alg":"RS256"}"#, claims))).unwrap();
        assert_eq!(
            jwt.kind(),
            TokenKind::Legacy {
                namespace: "default".into(),
                service_account: "x".into(),
                secret: "x-token".into(),
            }
        );
        assert!(jwt.audiences().is_empty());
        assert_eq!(jwt.describe_expiry(SystemTime::now()), "never expires");
    }

    #[test]
    fn single_string_audience_and_other_tokens() {
        let jwt = decode(&token(
            r#"{"alg":"ES256"}"#,
            r#"{"aud":"coffre","iss":"https://idp"}"#,
        ))
        .unwrap();
        assert_eq!(jwt.audiences(), ["coffre"]);
        assert_eq!(jwt.kind(), TokenKind::Other);
    }

    /// Found by fuzzing: humantime cannot write a time after 9999 and `format!` panicked.
    #[test]
    fn times_after_year_9999_are_not_shown_as_dates() {
        let last = decode(&token("{}", r#"{"exp":253402300799,"iat":253402300799}"#)).unwrap();
        assert_eq!(
            last.describe_expiry(UNIX_EPOCH),
            "expires in 8029years 10months 8h 23m 59s (at 9999-12-31T23:59:59Z)"
        );
        let later = decode(&token("{}", r#"{"exp":253402300800,"iat":340600600000}"#)).unwrap();
        assert_eq!((later.expires_at(), later.issued_at()), (None, None));
        assert_eq!(
            later.describe_expiry(UNIX_EPOCH),
            "unknown: exp claim 253402300800 is not a time before the year 10000"
        );
    }

    #[test]
    fn malformed_tokens_are_errors_not_panics() {
        assert_eq!(decode("abc"), Err(JwtError::Segments(1)));
        assert_eq!(decode("a.b.c.d"), Err(JwtError::Segments(4)));
        assert!(matches!(
            decode("!!!.e30.x"),
            Err(JwtError::Base64 { part: "header", .. })
        ));
        let not_json = format!("{}.{}.x", b64("{}"), b64("not json"));
        assert!(matches!(
            decode(&not_json),
            Err(JwtError::Json { part: "claims", .. })
        ));
        let array = format!("{}.{}.x", b64("[]"), b64("{}"));
        assert!(matches!(
            decode(&array),
            Err(JwtError::Json { part: "header", .. })
        ));
        // Absurd times are ignored rather than overflowing.
        let jwt = decode(&token("{}", r#"{"exp":1e300}"#)).unwrap();
        assert_eq!(jwt.expires_at(), None);
        assert_eq!(
            decode("abc").unwrap_err().to_string(),
            "not a JWT: expected 3 dot-separated parts (header.claims.signature), found 1"
        );
    }
}
