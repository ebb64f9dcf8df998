//! What a user may do: the [`Authorizer`] hook the server consults for every request, and
//! the default that admits only `system:masters` (as a cluster without RBAC objects would
//! behave for the admin). The RBAC authorizer of issue 3 replaces it via the builder.

pub mod rbac;
pub mod reviews;

use crate::authn::identity::RequestAttributes;

/// An authorizer's answer, as kube's `authorizer.Decision` plus its reason.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Decision {
    /// The request may proceed.
    Allow,
    /// The request is denied; a non-empty reason is appended to the 403 message.
    Deny {
        /// Appended as `": <reason>"` to the Forbidden message when non-empty.
        reason: String,
    },
    /// The authorizer has no opinion; with no other authorizer this is a 403 without reason.
    NoOpinion,
}

/// Decides whether a request may proceed.
pub trait Authorizer: Send + Sync {
    /// Decides about one request.
    fn authorize(&self, attrs: &RequestAttributes) -> Decision;
}

/// Allows members of `system:masters` everything (kube's privileged-group authorizer) and
/// has no opinion about anyone else.
#[derive(Clone, Copy, Debug, Default)]
pub struct MastersAuthorizer;

impl Authorizer for MastersAuthorizer {
    fn authorize(&self, attrs: &RequestAttributes) -> Decision {
        if attrs.user.in_group("system:masters") {
            Decision::Allow
        } else {
            Decision::NoOpinion
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::authn::identity::UserInfo;

    #[test]
    fn masters_allowed_others_not() {
        let mut a = RequestAttributes {
            user: UserInfo {
                username: "kubernetes-admin".into(),
                groups: vec!["system:masters".into()],
                ..Default::default()
            },
            verb: "list".into(),
            ..Default::default()
        };
        assert_eq!(MastersAuthorizer.authorize(&a), Decision::Allow);
        a.user = UserInfo::anonymous();
        assert_eq!(MastersAuthorizer.authorize(&a), Decision::NoOpinion);
    }
}
