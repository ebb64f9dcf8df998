//! The bearer-token authenticator and the impersonation filter, as the server's hooks.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use hyper::HeaderMap;
use serde_json::Value;

use crate::api::registry;
use crate::api::status::Status;
use crate::authn::identity::UserInfo;
use crate::authn::tokens::jwt::{AUTO_GENERATED_LEGACY_TOKEN_WARNING, TokenError};
use crate::authn::tokens::serviceaccount::legacy_token_last_used_patch;
use crate::authn::tokens::{AuthenticationError, BearerAuthenticator};
use crate::authn::{Authenticator, AuthnOutcome, AuthnRequest};
use crate::authz::rbac::impersonation::{ImpersonationError, ImpersonationRequest, impersonate};
use crate::hooks::{ImpersonationRequest as ImpersonationHook, Impersonator};
use crate::store::{Store, WriteOptions};

/// Unix seconds now, in real time (the server itself reads [`crate::clock::Clock`]).
pub fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// Bearer tokens: the static token file first, then service-account JWTs (bound and legacy),
/// validated against the live store. A token that none accepts is a 401 (the chain's rule).
#[derive(Debug)]
pub struct TokenAuthenticator {
    bearer: Arc<BearerAuthenticator>,
    store: Arc<Store>,
    legacy_token_tracking: bool,
}

impl TokenAuthenticator {
    /// An authenticator over `bearer`, looking ServiceAccounts and Secrets up in `store`.
    pub fn new(bearer: Arc<BearerAuthenticator>, store: Arc<Store>) -> Self {
        TokenAuthenticator {
            bearer,
            store,
            legacy_token_tracking: true,
        }
    }

    /// Whether `LegacyServiceAccountTokenTracking` is on (default; servers before 1.27 lack
    /// it): legacy tokens then draw the auto-generated warning and a last-used label.
    pub fn with_legacy_token_tracking(mut self, on: bool) -> Self {
        self.legacy_token_tracking = on;
        self
    }

    /// `LegacyServiceAccountTokenTracking`: label the Secret with the day of last use
    /// (at most one write a day, as the real server does).
    fn mark_legacy_used(&self, namespace: &str, secret_name: &str) {
        let Some(def) = registry::find_plural("secrets") else {
            return;
        };
        let Ok(secret) = self.store.get(def, namespace, secret_name) else {
            return;
        };
        let Some(patch) = legacy_token_last_used_patch(&secret, self.store.clock().now()) else {
            return;
        };
        let result = self.store.patch(
            def,
            namespace,
            secret_name,
            |current: &Value| {
                let mut doc = current.clone();
                json_patch::merge(&mut doc, &patch);
                Ok(doc)
            },
            &WriteOptions::by(crate::api::managed_fields::KUBE_APISERVER),
        );
        if let Err(e) = result {
            tracing::debug!(error = %e.message, "labelling a legacy token Secret failed");
        }
    }
}

impl Authenticator for TokenAuthenticator {
    fn authenticate(&self, req: &AuthnRequest<'_>) -> AuthnOutcome {
        let Some(token) = req.bearer_token() else {
            return AuthnOutcome::NotApplicable;
        };
        if let Some(user) = self
            .bearer
            .token_file
            .as_ref()
            .and_then(|f| f.authenticate(token))
        {
            return AuthnOutcome::Authenticated(user);
        }
        match self.bearer.service_accounts.authenticate(
            token,
            None,
            self.store.clock().unix_now(),
            self.store.as_ref(),
        ) {
            Ok((user, validated)) => {
                let Some(secret) = validated
                    .legacy_secret
                    .filter(|_| self.legacy_token_tracking)
                else {
                    return AuthnOutcome::Authenticated(user);
                };
                self.mark_legacy_used(&validated.namespace, &secret.name);
                if secret.auto_generated {
                    AuthnOutcome::AuthenticatedWithWarnings(
                        user,
                        vec![AUTO_GENERATED_LEGACY_TOKEN_WARNING.to_string()],
                    )
                } else {
                    AuthnOutcome::Authenticated(user)
                }
            }
            Err(TokenError::NotAJwt | TokenError::IssuerNotRecognized(_)) => {
                AuthnOutcome::Rejected(AuthenticationError::UnknownToken.to_string())
            }
            Err(e) => AuthnOutcome::Rejected(AuthenticationError::from(e).to_string()),
        }
    }
}

/// `Impersonate-User`, `Impersonate-Uid`, `Impersonate-Group` and `Impersonate-Extra-<key>`
/// headers (the key percent-decoded, as `impersonation.go` does).
pub fn impersonation_headers(headers: &HeaderMap) -> ImpersonationRequest {
    let text = |v: &hyper::header::HeaderValue| String::from_utf8_lossy(v.as_bytes()).into_owned();
    let mut extra: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (name, value) in headers {
        if let Some(key) = name.as_str().strip_prefix("impersonate-extra-") {
            extra
                .entry(percent_decode(key))
                .or_default()
                .push(text(value));
        }
    }
    ImpersonationRequest {
        user: headers.get("impersonate-user").map(text),
        uid: headers.get("impersonate-uid").map(text),
        groups: headers
            .get_all("impersonate-group")
            .iter()
            .map(text)
            .collect(),
        extra,
    }
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && bytes[i + 1].is_ascii_hexdigit()
            && bytes[i + 2].is_ascii_hexdigit()
            && let Ok(b) = u8::from_str_radix(&s[i + 1..i + 3], 16)
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The impersonation filter over the server's authorizer (`impersonate` verb checks).
#[derive(Debug, Default)]
pub struct RbacImpersonator;

impl Impersonator for RbacImpersonator {
    fn impersonate(&self, req: &ImpersonationHook<'_>) -> Result<Option<UserInfo>, Status> {
        let wanted = impersonation_headers(req.headers);
        match impersonate(req.authorizer, req.user, &wanted) {
            Ok(u) => Ok(u),
            Err(ImpersonationError::Forbidden { attrs, reason }) => {
                Err(Status::forbidden(&attrs, &reason))
            }
            Err(e @ ImpersonationError::MissingUser(_)) => {
                Err(Status::internal_error(&e.to_string()))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hyper::header::HeaderValue;

    #[test]
    fn impersonation_headers_are_read_like_the_real_filter() {
        let mut h = HeaderMap::new();
        h.insert("impersonate-user", HeaderValue::from_static("jane"));
        h.append("impersonate-group", HeaderValue::from_static("a"));
        h.append("impersonate-group", HeaderValue::from_static("b"));
        h.insert(
            "impersonate-extra-example.com%2fscopes",
            HeaderValue::from_static("view"),
        );
        let r = impersonation_headers(&h);
        assert_eq!(r.user.as_deref(), Some("jane"));
        assert_eq!(r.groups, ["a", "b"]);
        assert_eq!(r.extra["example.com/scopes"], ["view"]);
        assert!(impersonation_headers(&HeaderMap::new()).is_empty());
    }

    #[test]
    fn percent_decoding_keeps_malformed_escapes() {
        assert_eq!(percent_decode("a%2Fb"), "a/b");
        assert_eq!(percent_decode("a%zz"), "a%zz");
        assert_eq!(percent_decode("a%2"), "a%2");
    }
}
