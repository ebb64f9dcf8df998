//! Extension points for resources the generic store does not serve: create-only resources
//! that are computed, never stored (SelfSubjectAccessReview, TokenReview, ...), and
//! subresources such as `serviceaccounts/token`. Issue 3 registers its handlers here with
//! `MockServer::builder().virtual_resource(..)`.

use serde_json::Value;

use crate::authorization::Authorizer;
use crate::identity::UserInfo;
use crate::objects::ObjectSource;
use crate::status::Status;

/// One create request for a virtual resource.
pub struct VirtualRequest<'a> {
    /// The authenticated requester.
    pub user: &'a UserInfo,
    /// The URL namespace; empty for cluster-scoped resources.
    pub namespace: &'a str,
    /// For a subresource, the parent object's name (e.g. the ServiceAccount); else empty.
    pub name: &'a str,
    /// The decoded request body (JSON, or protobuf decoded to the same JSON).
    pub body: Value,
    /// Read access to stored objects.
    pub objects: &'a dyn ObjectSource,
    /// The server's authorizer (access reviews evaluate it).
    pub authorizer: &'a dyn Authorizer,
    /// `dryRun=All`.
    pub dry_run: bool,
}

/// A handler for `POST` on a virtual resource or subresource. The server answers 201 with
/// the returned object (which should carry `kind` and `apiVersion`), or the returned Status.
pub trait VirtualResource: Send + Sync {
    /// Handles one create.
    fn create(&self, req: VirtualRequest<'_>) -> Result<Value, Status>;
}
