//! Authentication as kube-apiserver does it for bearer tokens: the static token file, then
//! service-account tokens; a present but rejected token is a 401, never anonymous.

pub mod jwt;
pub mod keys;
pub mod serviceaccount;
pub mod token_controller;
pub mod token_file;

#[cfg(test)]
pub(crate) mod test_source;

use serde_json::{Value, json};

use crate::api::objects::ObjectSource;
use crate::authn::identity::UserInfo;

/// The group every authenticated user is put in.
pub const ALL_AUTHENTICATED: &str = "system:authenticated";
/// The group of anonymous requests.
pub const ALL_UNAUTHENTICATED: &str = "system:unauthenticated";

/// `AuthenticatedGroupAdder`: append `system:authenticated` unless the user is anonymous or
/// already carries `system:authenticated` / `system:unauthenticated`.
pub fn add_authenticated_group(user: &mut UserInfo) {
    if user.username == "system:anonymous" {
        return;
    }
    if user
        .groups
        .iter()
        .any(|g| g == ALL_AUTHENTICATED || g == ALL_UNAUTHENTICATED)
    {
        return;
    }
    user.groups.push(ALL_AUTHENTICATED.to_string());
}

/// The token of an `Authorization` header as `bearertoken.go` reads it: split on spaces, scheme
/// `bearer` in any case, and an empty token counts as no credential at all (`None`).
pub fn bearer_token(authorization: &str) -> Option<&str> {
    let mut parts = authorization.split(' ');
    let scheme = parts.next()?;
    let token = parts.next()?;
    if !scheme.eq_ignore_ascii_case("bearer") || token.is_empty() {
        return None;
    }
    Some(token)
}

/// Why a bearer token was refused. The response is always the plain 401 Status
/// ([`unauthorized_status`]); the variant is for the server log.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthenticationError {
    /// No authenticator recognised the token at all (logged as `invalid bearer token`).
    #[error("invalid bearer token")]
    UnknownToken,
    /// A service-account token was recognised and rejected; worded as kube-apiserver logs it
    /// (`Unable to authenticate the request" err="[invalid bearer token, ...]"`).
    #[error("[invalid bearer token, {0}]")]
    ServiceAccount(#[from] jwt::TokenError),
}

/// The bearer-token authenticators of the server, in kube-apiserver's order.
#[derive(Debug)]
pub struct BearerAuthenticator {
    /// `--token-auth-file`, if given.
    pub token_file: Option<token_file::TokenFile>,
    /// Service-account token verification.
    pub service_accounts: serviceaccount::ServiceAccountTokens,
}

impl BearerAuthenticator {
    /// Authenticate `token` (already taken from the header with [`bearer_token`]).
    /// `now` is Unix seconds. On success, the user (with `system:authenticated`) and, for
    /// auto-generated legacy tokens, the `Warning` header text to send.
    pub fn authenticate(
        &self,
        token: &str,
        now: i64,
        source: &dyn ObjectSource,
    ) -> Result<(UserInfo, Option<&'static str>), AuthenticationError> {
        if let Some(user) = self.token_file.as_ref().and_then(|f| f.authenticate(token)) {
            return Ok((user, None));
        }
        match self.service_accounts.authenticate(token, None, now, source) {
            Ok((user, validated)) => {
                let warning = validated
                    .legacy_secret
                    .as_ref()
                    .filter(|s| s.auto_generated)
                    .map(|_| jwt::AUTO_GENERATED_LEGACY_TOKEN_WARNING);
                Ok((user, warning))
            }
            Err(jwt::TokenError::NotAJwt | jwt::TokenError::IssuerNotRecognized(_)) => {
                Err(AuthenticationError::UnknownToken)
            }
            Err(e) => Err(e.into()),
        }
    }
}

/// A Status object in kube-apiserver's field order (`kind, apiVersion, metadata, status,
/// message, reason, details, code`), for the errors these modules produce themselves.
pub fn status_json(code: u16, reason: &str, message: &str, details: Option<Value>) -> Value {
    let mut m = serde_json::Map::new();
    m.insert("kind".into(), json!("Status"));
    m.insert("apiVersion".into(), json!("v1"));
    m.insert("metadata".into(), json!({}));
    m.insert("status".into(), json!("Failure"));
    m.insert("message".into(), json!(message));
    m.insert("reason".into(), json!(reason));
    if let Some(d) = details {
        m.insert("details".into(), d);
    }
    m.insert("code".into(), json!(code));
    Value::Object(m)
}

/// The 401 body (`filters/authentication.go` `Unauthorized`).
pub fn unauthorized_status() -> Value {
    status_json(401, "Unauthorized", "Unauthorized", None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_header_rules() {
        assert_eq!(bearer_token("Bearer abc"), Some("abc"));
        assert_eq!(bearer_token("bEaReR abc"), Some("abc"));
        assert_eq!(bearer_token("Bearer "), None);
        assert_eq!(
            bearer_token("Bearer  abc"),
            None,
            "double space gives an empty token: no credential"
        );
        assert_eq!(bearer_token("Basic abc"), None);
        assert_eq!(bearer_token("Bearer"), None);
    }

    #[test]
    fn authenticated_group_adder() {
        let mut u = UserInfo {
            username: "a".into(),
            groups: vec!["g".into()],
            ..Default::default()
        };
        add_authenticated_group(&mut u);
        assert_eq!(u.groups, ["g", "system:authenticated"]);
        add_authenticated_group(&mut u);
        assert_eq!(u.groups.len(), 2);
        let mut anon = UserInfo::anonymous();
        add_authenticated_group(&mut anon);
        assert_eq!(anon.groups, ["system:unauthenticated"]);
    }

    #[test]
    fn unauthorized_body_bytes() {
        assert_eq!(
            unauthorized_status().to_string(),
            r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Unauthorized","reason":"Unauthorized","code":401}"#
        );
    }
}
