//! Who is making a request, as the authenticators decide it.

use std::collections::BTreeMap;

/// An authenticated (or anonymous) user, as kube-apiserver's `user.Info`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct UserInfo {
    /// e.g. `kubernetes-admin`, `system:serviceaccount:default:x`, `system:anonymous`.
    pub username: String,
    /// Stable id; empty for certificate users and anonymous.
    pub uid: String,
    /// Group names, e.g. `system:masters`, `system:authenticated`.
    pub groups: Vec<String>,
    /// Extra attributes, e.g. `authentication.kubernetes.io/credential-id`.
    pub extra: BTreeMap<String, Vec<String>>,
}

impl UserInfo {
    /// The identity of a request that carries no credential at all.
    pub fn anonymous() -> Self {
        UserInfo {
            username: "system:anonymous".into(),
            groups: vec!["system:unauthenticated".into()],
            ..Default::default()
        }
    }

    /// Whether the user is in `group`.
    pub fn in_group(&self, group: &str) -> bool {
        self.groups.iter().any(|g| g == group)
    }
}

/// What a request asks to do, as kube-apiserver's `authorizer.Attributes`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct RequestAttributes {
    /// The requesting user.
    pub user: UserInfo,
    /// `get`, `list`, `watch`, `create`, `update`, `patch`, `delete`, `deletecollection`,
    /// `impersonate`, `bind`, `escalate`, ...; for non-resource requests the lower-cased HTTP method.
    pub verb: String,
    /// Whether this is a resource request (`/api/...`, `/apis/...` with a resource) or a non-resource URL.
    pub resource_request: bool,
    /// Namespace of the request; empty for cluster-scoped requests.
    pub namespace: String,
    /// API group; empty for the core group.
    pub api_group: String,
    /// API version, e.g. `v1`.
    pub api_version: String,
    /// Plural resource name, e.g. `pods`.
    pub resource: String,
    /// Subresource, e.g. `log`, `token`; empty if none.
    pub subresource: String,
    /// Object name; empty for list/create-without-name.
    pub name: String,
    /// The URL path, for non-resource requests.
    pub path: String,
}
