//! Who sent a request: an ordered chain of authenticators, shaped like kube-apiserver's
//! request authenticator.
//!
//! The chain asks each [`Authenticator`] in order; the first that accepts wins. A credential
//! that an authenticator recognises but rejects makes the request 401, and so does a
//! non-empty bearer token that no authenticator accepted: kube-apiserver wraps the union in
//! `NewFailOnError` so that a bad token never falls through to anonymous
//! (apiserver-spec §1.2). A request with no credential at all is `system:anonymous`.
//!
//! The client-certificate authenticator ([`ClientCertAuthenticator`]) is built in; token
//! authenticators (issue 3) are appended with `MockServer::builder().authenticator(..)`.

pub mod identity;
pub mod token_cache;
pub mod tokens;

use std::sync::Arc;

use hyper::HeaderMap;

use crate::authn::identity::UserInfo;

/// What an authenticator may look at.
pub struct AuthnRequest<'a> {
    /// The request headers (`Authorization`, ...).
    pub headers: &'a HeaderMap,
    /// The user named by the TLS client certificate, already verified against the CA by rustls.
    pub client_cert_user: Option<&'a UserInfo>,
}

impl AuthnRequest<'_> {
    /// The bearer token, parsed as kube's `bearertoken.go` does: the scheme is compared
    /// case-insensitively, and an empty token counts as no credential.
    pub fn bearer_token(&self) -> Option<&str> {
        bearer_token(self.headers)
    }
}

/// The bearer token of an `Authorization` header, if there is a non-empty one.
pub fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(hyper::header::AUTHORIZATION)?.to_str().ok()?;
    let mut parts = value.trim().splitn(2, ' ');
    let scheme = parts.next()?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return None;
    }
    let token = parts.next()?.trim();
    // kube splits on spaces: "Bearer a b" is not a token it accepts, and "Bearer " is none.
    if token.is_empty() || token.contains(' ') {
        return None;
    }
    Some(token)
}

/// The answer of one authenticator.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AuthnOutcome {
    /// The credential is valid and names this user.
    Authenticated(UserInfo),
    /// The credential is valid, and the response gets these HTTP `Warning` texts (e.g. the
    /// auto-generated legacy token warning).
    AuthenticatedWithWarnings(UserInfo, Vec<String>),
    /// The request carries no credential of the kind this authenticator handles.
    NotApplicable,
    /// The request carries a credential of this kind and it is invalid (-> 401). The reason
    /// only goes to the log, as on a real server.
    Rejected(String),
}

/// One way of authenticating requests (client certificate, a kind of bearer token, ...).
pub trait Authenticator: Send + Sync {
    /// Decides about one request.
    fn authenticate(&self, req: &AuthnRequest<'_>) -> AuthnOutcome;
}

/// Maps a verified client certificate to its user (CN = name, O = groups).
#[derive(Debug, Default)]
pub struct ClientCertAuthenticator;

impl Authenticator for ClientCertAuthenticator {
    fn authenticate(&self, req: &AuthnRequest<'_>) -> AuthnOutcome {
        match req.client_cert_user {
            Some(u) => AuthnOutcome::Authenticated(u.clone()),
            None => AuthnOutcome::NotApplicable,
        }
    }
}

/// The result of running the whole chain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChainResult {
    /// The user (possibly `system:anonymous`).
    User(UserInfo),
    /// The user, plus `Warning` texts for the response.
    UserWithWarnings(UserInfo, Vec<String>),
    /// 401 Unauthorized; the reason is for the log only.
    Unauthorized(String),
}

/// The ordered list of authenticators.
#[derive(Clone)]
pub struct AuthenticatorChain {
    authenticators: Vec<Arc<dyn Authenticator>>,
}

impl std::fmt::Debug for AuthenticatorChain {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "AuthenticatorChain({} authenticators)",
            self.authenticators.len()
        )
    }
}

impl Default for AuthenticatorChain {
    fn default() -> Self {
        AuthenticatorChain {
            authenticators: vec![Arc::new(ClientCertAuthenticator)],
        }
    }
}

impl AuthenticatorChain {
    /// Appends an authenticator after the existing ones.
    pub fn push(&mut self, a: Arc<dyn Authenticator>) {
        self.authenticators.push(a);
    }

    /// Runs the chain over one request.
    pub fn authenticate(&self, req: &AuthnRequest<'_>) -> ChainResult {
        let mut rejections = Vec::new();
        for a in &self.authenticators {
            match a.authenticate(req) {
                AuthnOutcome::Authenticated(user) => {
                    return ChainResult::User(add_authenticated_group(user));
                }
                AuthnOutcome::AuthenticatedWithWarnings(user, warnings) => {
                    return ChainResult::UserWithWarnings(add_authenticated_group(user), warnings);
                }
                AuthnOutcome::NotApplicable => {}
                AuthnOutcome::Rejected(reason) => rejections.push(reason),
            }
        }
        if !rejections.is_empty() {
            return ChainResult::Unauthorized(rejections.join("; "));
        }
        if req.bearer_token().is_some() {
            return ChainResult::Unauthorized("invalid bearer token".into());
        }
        ChainResult::User(UserInfo::anonymous())
    }
}

/// kube's `AuthenticatedGroupAdder`: every authenticated user is in `system:authenticated`,
/// unless it already is in it or in `system:unauthenticated`, or is `system:anonymous`.
pub fn add_authenticated_group(mut user: UserInfo) -> UserInfo {
    if user.username != "system:anonymous"
        && !user.in_group("system:authenticated")
        && !user.in_group("system:unauthenticated")
    {
        user.groups.push("system:authenticated".into());
    }
    user
}

#[cfg(test)]
mod tests {
    use super::*;
    use hyper::header::{AUTHORIZATION, HeaderValue};

    fn headers(auth: Option<&str>) -> HeaderMap {
        let mut h = HeaderMap::new();
        if let Some(a) = auth {
            h.insert(AUTHORIZATION, HeaderValue::from_str(a).unwrap());
        }
        h
    }

    struct Token(&'static str);
    impl Authenticator for Token {
        fn authenticate(&self, req: &AuthnRequest<'_>) -> AuthnOutcome {
            match req.bearer_token() {
                Some(t) if t == self.0 => AuthnOutcome::Authenticated(UserInfo {
                    username: "tok".into(),
                    ..Default::default()
                }),
                _ => AuthnOutcome::NotApplicable,
            }
        }
    }

    #[test]
    fn bearer_parsing_follows_kube() {
        assert_eq!(bearer_token(&headers(Some("Bearer abc"))), Some("abc"));
        assert_eq!(bearer_token(&headers(Some("bEaReR abc"))), Some("abc"));
        assert_eq!(bearer_token(&headers(Some("Bearer "))), None);
        assert_eq!(bearer_token(&headers(Some("Basic abc"))), None);
        assert_eq!(bearer_token(&headers(None)), None);
    }

    #[test]
    fn no_credential_is_anonymous() {
        let chain = AuthenticatorChain::default();
        let h = headers(None);
        let r = chain.authenticate(&AuthnRequest {
            headers: &h,
            client_cert_user: None,
        });
        assert_eq!(r, ChainResult::User(UserInfo::anonymous()));
    }

    #[test]
    fn unknown_bearer_token_is_401_not_anonymous() {
        let mut chain = AuthenticatorChain::default();
        chain.push(Arc::new(Token("good")));
        let h = headers(Some("Bearer bad"));
        let r = chain.authenticate(&AuthnRequest {
            headers: &h,
            client_cert_user: None,
        });
        assert!(matches!(r, ChainResult::Unauthorized(_)));
        let h = headers(Some("Bearer good"));
        let r = chain.authenticate(&AuthnRequest {
            headers: &h,
            client_cert_user: None,
        });
        match r {
            ChainResult::User(u) => {
                assert_eq!(u.username, "tok");
                assert_eq!(u.groups, vec!["system:authenticated".to_string()]);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn client_cert_wins_and_gets_authenticated_group() {
        let chain = AuthenticatorChain::default();
        let admin = UserInfo {
            username: "kubernetes-admin".into(),
            groups: vec!["system:masters".into()],
            ..Default::default()
        };
        let h = headers(Some("Bearer whatever"));
        let r = chain.authenticate(&AuthnRequest {
            headers: &h,
            client_cert_user: Some(&admin),
        });
        match r {
            ChainResult::User(u) => assert_eq!(
                u.groups,
                vec![
                    "system:masters".to_string(),
                    "system:authenticated".to_string()
                ]
            ),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_rejecting_authenticator_makes_401() {
        struct No;
        impl Authenticator for No {
            fn authenticate(&self, _: &AuthnRequest<'_>) -> AuthnOutcome {
                AuthnOutcome::Rejected("expired".into())
            }
        }
        let mut chain = AuthenticatorChain::default();
        chain.push(Arc::new(No));
        let h = headers(None);
        let r = chain.authenticate(&AuthnRequest {
            headers: &h,
            client_cert_user: None,
        });
        assert_eq!(r, ChainResult::Unauthorized("expired".into()));
    }
}
