//! The authorization hook: what the request pipeline asks after authentication.

use crate::identity::RequestAttributes;

/// An authorizer, as kube-apiserver's `authorizer.Authorizer`.
pub trait Authorizer: Send + Sync {
    /// Decide whether the request described by `attrs` may proceed.
    fn authorize(&self, attrs: &RequestAttributes) -> Decision;
}

/// The answer of an [`Authorizer`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Decision {
    /// The request may proceed.
    Allow,
    /// The request is refused; `reason` is appended to the 403 message when not empty.
    Deny {
        /// Why, as the real authorizer words it (may be empty).
        reason: String,
    },
    /// This authorizer has nothing to say; the next one decides.
    NoOpinion,
}
