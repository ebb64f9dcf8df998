//! kube-apiserver's bearer-token authentication cache
//! (`k8s.io/apiserver/pkg/authentication/token/cache`): the union of the token
//! authenticators is wrapped so that a successful authentication is remembered for
//! `TokenSuccessCacheTTL` (10 s by default in `pkg/kubeapiserver/options/authentication.go`;
//! failures are not cached, `TokenFailureCacheTTL` is 0). A hit answers with the recorded user
//! and warnings without asking the authenticators, so a token of a just-deleted
//! ServiceAccount still authenticates (RBAC then decides) until its entry expires.
//!
//! Entries are keyed by the token and the audiences it was checked for, as the real cache's are:
//! a TokenReview (which kube-apiserver answers through the same authenticator) shares entries
//! with bearer requests when it asks for the API audiences. Entries expire by the server's
//! [`Clock`], so advancing it (`POST /__admin/clock`) decides when "10 seconds later" is.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use crate::authn::identity::UserInfo;
use crate::authn::{Authenticator, AuthnOutcome, AuthnRequest};
use crate::clock::Clock;

/// kube-apiserver's default success TTL.
pub const DEFAULT_TTL: Duration = Duration::from_secs(10);

/// Above this many entries, expired ones are swept on the next insert.
const SWEEP_AT: usize = 1024;

type Key = [u8; 32];

/// What a successful authentication leaves in the cache.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Remembered {
    /// Who the token is.
    pub user: UserInfo,
    /// The audiences it was found valid for.
    pub audiences: Vec<String>,
    /// The `Warning` texts authenticating it produced (replayed on every hit).
    pub warnings: Vec<String>,
}

/// A token authenticator with a success cache in front.
pub struct CachedTokenAuthenticator {
    inner: Arc<dyn Authenticator>,
    ttl: Duration,
    clock: Arc<Clock>,
    api_audiences: Vec<String>,
    entries: Mutex<HashMap<Key, (SystemTime, Remembered)>>,
}

impl std::fmt::Debug for CachedTokenAuthenticator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CachedTokenAuthenticator")
            .field("ttl", &self.ttl)
            .finish_non_exhaustive()
    }
}

impl CachedTokenAuthenticator {
    /// Caches `inner`'s successful answers for `ttl` (zero: no cache) by `clock`; bearer
    /// requests are checked for `api_audiences`.
    pub fn new(
        inner: Arc<dyn Authenticator>,
        ttl: Duration,
        clock: Arc<Clock>,
        api_audiences: Vec<String>,
    ) -> Self {
        CachedTokenAuthenticator {
            inner,
            ttl,
            clock,
            api_audiences,
            entries: Mutex::new(HashMap::new()),
        }
    }

    fn key(token: &str, audiences: &[String]) -> Key {
        // The real cache keys by an HMAC of the audiences and the token; a hash keeps tokens out
        // of memory dumps too.
        let mut ctx = aws_lc_rs::digest::Context::new(&aws_lc_rs::digest::SHA256);
        for a in audiences {
            ctx.update(&(a.len() as u64).to_be_bytes());
            ctx.update(a.as_bytes());
        }
        ctx.update(token.as_bytes());
        let mut k = [0u8; 32];
        k.copy_from_slice(ctx.finish().as_ref());
        k
    }

    /// The cache itself: what is remembered for `token` checked for `audiences`, else what
    /// `authenticate` finds (remembered when it is a success).
    pub fn remember(
        &self,
        token: &str,
        audiences: &[String],
        authenticate: impl FnOnce() -> Option<Remembered>,
    ) -> Option<Remembered> {
        if self.ttl.is_zero() {
            return authenticate();
        }
        let key = Self::key(token, audiences);
        let now = self.clock.now();
        {
            let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
            if let Some((expires, hit)) = entries.get(&key)
                && now < *expires
            {
                return Some(hit.clone());
            }
        }
        let found = authenticate()?;
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= SWEEP_AT {
            entries.retain(|_, (expires, _)| now < *expires);
        }
        entries.insert(key, (now + self.ttl, found.clone()));
        Some(found)
    }
}

impl Authenticator for CachedTokenAuthenticator {
    fn authenticate(&self, req: &AuthnRequest<'_>) -> AuthnOutcome {
        let Some(token) = req.bearer_token() else {
            return self.inner.authenticate(req);
        };
        let mut failure = AuthnOutcome::NotApplicable;
        let found = self.remember(token, &self.api_audiences, || {
            let (user, warnings) = match self.inner.authenticate(req) {
                AuthnOutcome::Authenticated(u) => (u, Vec::new()),
                AuthnOutcome::AuthenticatedWithWarnings(u, w) => (u, w),
                other => {
                    failure = other;
                    return None;
                }
            };
            Some(Remembered {
                user,
                audiences: self.api_audiences.clone(),
                warnings,
            })
        });
        match found {
            Some(r) if r.warnings.is_empty() => AuthnOutcome::Authenticated(r.user),
            Some(r) => AuthnOutcome::AuthenticatedWithWarnings(r.user, r.warnings),
            None => failure,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::authn::identity::UserInfo;
    use hyper::HeaderMap;
    use hyper::header::HeaderValue;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// Accepts `good` once, as a ServiceAccount deleted right after would.
    struct Once {
        calls: AtomicUsize,
    }

    impl Authenticator for Once {
        fn authenticate(&self, req: &AuthnRequest<'_>) -> AuthnOutcome {
            let n = self.calls.fetch_add(1, Ordering::SeqCst);
            match req.bearer_token() {
                Some("good") if n == 0 => AuthnOutcome::AuthenticatedWithWarnings(
                    UserInfo {
                        username: "sa".into(),
                        ..Default::default()
                    },
                    vec!["w".into()],
                ),
                Some(_) => AuthnOutcome::Rejected("invalid".into()),
                None => AuthnOutcome::NotApplicable,
            }
        }
    }

    fn request(token: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(
            hyper::header::AUTHORIZATION,
            HeaderValue::from_str(&format!("Bearer {token}")).unwrap(),
        );
        h
    }

    fn cache(ttl: Duration) -> (CachedTokenAuthenticator, Arc<Once>, Arc<Clock>) {
        let inner = Arc::new(Once {
            calls: AtomicUsize::new(0),
        });
        let clock = Arc::new(Clock::new());
        (
            CachedTokenAuthenticator::new(inner.clone(), ttl, clock.clone(), vec!["api".into()]),
            inner,
            clock,
        )
    }

    fn auth(c: &CachedTokenAuthenticator, h: &HeaderMap) -> AuthnOutcome {
        c.authenticate(&AuthnRequest {
            headers: h,
            client_cert_user: None,
        })
    }

    #[test]
    fn a_success_is_replayed_with_its_warnings_until_the_ttl_passes() {
        let (c, inner, clock) = cache(DEFAULT_TTL);
        let h = request("good");
        let first = auth(&c, &h);
        assert!(matches!(first, AuthnOutcome::AuthenticatedWithWarnings(_, ref w) if w == &["w"]));
        clock.advance(Duration::from_secs(9));
        assert_eq!(auth(&c, &h), first, "still cached at 9 s");
        assert_eq!(inner.calls.load(Ordering::SeqCst), 1);
        clock.advance(Duration::from_secs(1));
        assert!(
            matches!(auth(&c, &h), AuthnOutcome::Rejected(_)),
            "expired at 10 s"
        );
        assert_eq!(inner.calls.load(Ordering::SeqCst), 2);
    }

    #[test]
    fn failures_are_not_cached_and_zero_turns_the_cache_off() {
        let (c, inner, _) = cache(DEFAULT_TTL);
        let bad = request("bad");
        assert!(matches!(auth(&c, &bad), AuthnOutcome::Rejected(_)));
        assert!(matches!(auth(&c, &bad), AuthnOutcome::Rejected(_)));
        assert_eq!(inner.calls.load(Ordering::SeqCst), 2);
        let (off, _, _) = cache(Duration::ZERO);
        let good = request("good");
        assert!(matches!(
            auth(&off, &good),
            AuthnOutcome::AuthenticatedWithWarnings(..)
        ));
        assert!(matches!(auth(&off, &good), AuthnOutcome::Rejected(_)));
        assert_eq!(auth(&off, &HeaderMap::new()), AuthnOutcome::NotApplicable);
    }
}
