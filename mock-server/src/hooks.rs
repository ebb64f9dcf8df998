//! Extension points for resources the generic store does not serve: create-only resources
//! that are computed, never stored (SelfSubjectAccessReview, TokenReview, ...), and
//! subresources such as `serviceaccounts/token`. Issue 3 registers its handlers here with
//! `MockServer::builder().virtual_resource(..)`.

use serde_json::Value;

use crate::api::objects::ObjectSource;
use crate::api::status::Status;
use crate::authn::identity::UserInfo;
use crate::authz::Authorizer;

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

/// An answer to a non-resource `GET` (e.g. `/openid/v1/jwks`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RawResponse {
    /// HTTP status.
    pub status: u16,
    /// `Content-Type`.
    pub content_type: String,
    /// Extra response headers (e.g. `Cache-Control`).
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

/// Serves `GET` on one non-resource path (after authentication and authorization with the
/// non-resource verb `get`), e.g. the service-account issuer discovery documents.
pub trait NonResourceHandler: Send + Sync {
    /// Answers one request; `query` is the raw query string.
    fn get(&self, path: &str, query: &str) -> RawResponse;
}

/// What an [`Impersonator`] sees.
pub struct ImpersonationRequest<'a> {
    /// The authenticated user making the request.
    pub user: &'a UserInfo,
    /// The request headers (`Impersonate-User`, `Impersonate-Group`, `Impersonate-Uid`,
    /// `Impersonate-Extra-*`).
    pub headers: &'a hyper::HeaderMap,
    /// The server's authorizer, for the `impersonate` verb checks.
    pub authorizer: &'a dyn Authorizer,
}

/// Turns the authenticated user into the impersonated one (kube's impersonation filter),
/// between authentication and authorization. `Ok(None)` means the request does not
/// impersonate; an `Err` Status (usually 403) is the answer.
pub trait Impersonator: Send + Sync {
    /// Decides about one request.
    fn impersonate(&self, req: &ImpersonationRequest<'_>) -> Result<Option<UserInfo>, Status>;
}

/// Checks a create, update or patch of a stored object before it is written, after
/// authorization (kube's storage-level checks such as RBAC escalation prevention).
pub trait WriteAdmission: Send + Sync {
    /// `resource` is the plural, `namespace` the URL namespace ("" for cluster scope) and
    /// `object` the object as it would be written. An `Err` Status is the answer.
    fn admit(
        &self,
        user: &UserInfo,
        resource: &str,
        namespace: &str,
        object: &Value,
    ) -> Result<(), Status>;
}
