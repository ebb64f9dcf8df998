//! Discovery: what the server is and which resources it serves.
//!
//! | call | HTTP request |
//! |---|---|
//! | `c.version()` | `GET /version` |
//! | `c.api_versions()` | `GET /api` (core group versions) |
//! | `c.api_groups()` | `GET /apis` (legacy `APIGroupList`) |
//! | `c.api_resources("v1")` / `c.api_resources("rbac.authorization.k8s.io/v1")` | `GET /api/v1` / `GET /apis/rbac.authorization.k8s.io/v1` |
//!
//! [`ApiResourceList::find`] resolves what a user types (`sa`, `serviceaccount`,
//! `serviceaccounts`, `ServiceAccount`) to a [`Resource`] for the URL builder.

use serde::{Deserialize, Serialize};

use crate::client::{Client, Request};
use crate::error::Result;
use crate::path::{Path, Resource};

/// `GET /version`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VersionInfo {
    /// e.g. `1`.
    #[serde(default)]
    pub major: String,
    /// e.g. `32`.
    #[serde(default)]
    pub minor: String,
    /// e.g. `v1.32.4`.
    #[serde(default)]
    pub git_version: String,
    /// Commit.
    #[serde(default)]
    pub git_commit: String,
    /// `clean` or `dirty`.
    #[serde(default)]
    pub git_tree_state: String,
    /// RFC 3339 build time.
    #[serde(default)]
    pub build_date: String,
    /// e.g. `go1.23.8`.
    #[serde(default)]
    pub go_version: String,
    /// `gc`.
    #[serde(default)]
    pub compiler: String,
    /// e.g. `linux/amd64`.
    #[serde(default)]
    pub platform: String,
}

/// `GET /api`: versions of the core group.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiVersions {
    /// `APIVersions`.
    #[serde(default)]
    pub kind: String,
    /// e.g. `["v1"]`.
    #[serde(default)]
    pub versions: Vec<String>,
}

/// `GET /apis`: the named groups.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiGroupList {
    /// `APIGroupList`.
    #[serde(default)]
    pub kind: String,
    /// The groups.
    #[serde(default)]
    pub groups: Vec<ApiGroup>,
}

/// One API group.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiGroup {
    /// e.g. `rbac.authorization.k8s.io`.
    pub name: String,
    /// Served versions.
    #[serde(default)]
    pub versions: Vec<GroupVersionForDiscovery>,
    /// The version clients should use.
    #[serde(default)]
    pub preferred_version: Option<GroupVersionForDiscovery>,
}

/// A group version.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GroupVersionForDiscovery {
    /// e.g. `rbac.authorization.k8s.io/v1`.
    pub group_version: String,
    /// e.g. `v1`.
    pub version: String,
}

/// `GET /api/v1` or `/apis/<g>/<v>`: the resources of one group version.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiResourceList {
    /// e.g. `v1` or `rbac.authorization.k8s.io/v1`.
    #[serde(default)]
    pub group_version: String,
    /// The resources (subresources appear as `pods/log`).
    #[serde(default)]
    pub resources: Vec<ApiResource>,
}

/// One resource in an [`ApiResourceList`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiResource {
    /// Plural name, e.g. `serviceaccounts`, or `serviceaccounts/token`.
    pub name: String,
    /// Singular name, e.g. `serviceaccount` (may be empty on old servers).
    #[serde(default)]
    pub singular_name: String,
    /// Whether it is namespaced.
    #[serde(default)]
    pub namespaced: bool,
    /// Kind, e.g. `ServiceAccount`.
    #[serde(default)]
    pub kind: String,
    /// Supported verbs.
    #[serde(default)]
    pub verbs: Vec<String>,
    /// Short names, e.g. `sa`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub short_names: Vec<String>,
}

impl ApiResourceList {
    /// The resource a user means by `name` (plural, singular, short name or Kind,
    /// case-insensitive), as a URL-builder [`Resource`]. Subresources are skipped.
    pub fn find(&self, name: &str) -> Option<Resource> {
        let (group, version) = match self.group_version.split_once('/') {
            Some((g, v)) => (g, v),
            None => ("", self.group_version.as_str()),
        };
        let n = name.to_ascii_lowercase();
        self.resources
            .iter()
            .filter(|r| !r.name.contains('/'))
            .find(|r| {
                r.name == n
                    || r.singular_name == n
                    || r.kind.eq_ignore_ascii_case(&n)
                    || r.short_names.contains(&n)
            })
            .map(|r| {
                if r.namespaced {
                    Resource::namespaced(group, version, &r.name)
                } else {
                    Resource::cluster(group, version, &r.name)
                }
            })
    }
}

impl Client {
    /// `GET /version`: the server's build information.
    pub async fn version(&self) -> Result<VersionInfo> {
        self.request(Request::get(Path::raw("/version"))).await
    }

    /// `GET /api`: the core group's versions.
    pub async fn api_versions(&self) -> Result<ApiVersions> {
        self.request(Request::get(Path::raw("/api"))).await
    }

    /// `GET /apis`: the named API groups.
    pub async fn api_groups(&self) -> Result<ApiGroupList> {
        self.request(Request::get(Path::raw("/apis"))).await
    }

    /// `GET /api/v1` (for `"v1"`) or `GET /apis/<group>/<version>`.
    pub async fn api_resources(&self, group_version: &str) -> Result<ApiResourceList> {
        let path = if group_version.contains('/') {
            format!("/apis/{group_version}")
        } else {
            format!("/api/{group_version}")
        };
        self.request(Request::get(Path::raw(&path))).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIXTURES: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/reference/fixtures"
    );

    fn fixture(name: &str) -> Option<String> {
        std::fs::read_to_string(format!("{FIXTURES}/{name}")).ok()
    }

    #[test]
    fn version_document() {
        let body = r#"{"major":"1","minor":"32","gitVersion":"v1.32.4","gitCommit":"0000000000000000000000000000000000000000","gitTreeState":"clean","buildDate":"2025-04-22T16:00:00Z","goVersion":"go1.23.8","compiler":"gc","platform":"linux/amd64"}"#;
        let v: VersionInfo = serde_json::from_str(body).unwrap();
        assert_eq!(v.git_version, "v1.32.4");
        assert_eq!(serde_json::to_string(&v).unwrap(), body);
    }

    #[test]
    fn resolve_resources_from_rbac_list() {
        let body = r#"{"kind":"APIResourceList","apiVersion":"v1","groupVersion":"rbac.authorization.k8s.io/v1","resources":[
            {"name":"clusterroles","singularName":"clusterrole","namespaced":false,"kind":"ClusterRole","verbs":["get"]},
            {"name":"roles","singularName":"role","namespaced":true,"kind":"Role","verbs":["get"]}]}"#;
        let l: ApiResourceList = serde_json::from_str(body).unwrap();
        assert_eq!(
            l.find("Role"),
            Some(Resource::namespaced(
                "rbac.authorization.k8s.io",
                "v1",
                "roles"
            ))
        );
        assert_eq!(
            l.find("clusterrole"),
            Some(Resource::cluster(
                "rbac.authorization.k8s.io",
                "v1",
                "clusterroles"
            ))
        );
        assert_eq!(l.find("pods"), None);
    }

    #[test]
    fn resolve_short_names_and_skip_subresources() {
        let body = r#"{"kind":"APIResourceList","groupVersion":"v1","resources":[
            {"name":"serviceaccounts/token","singularName":"","namespaced":true,"kind":"TokenRequest","verbs":["create"]},
            {"name":"serviceaccounts","singularName":"serviceaccount","namespaced":true,"kind":"ServiceAccount","verbs":["get"],"shortNames":["sa"]}]}"#;
        let l: ApiResourceList = serde_json::from_str(body).unwrap();
        let sa = Resource::namespaced("", "v1", "serviceaccounts");
        assert_eq!(l.find("sa"), Some(sa.clone()));
        assert_eq!(l.find("SA"), Some(sa.clone()));
        assert_eq!(l.find("TokenRequest"), None);
    }

    #[test]
    fn recorded_fixtures_parse() {
        // The documents the recorded kubectl session was served (skipped if the
        // shared reference directory is not next to the checkout).
        let Some(v) = fixture("version.json") else {
            eprintln!("skipped: no reference fixtures at {FIXTURES}");
            return;
        };
        let v: VersionInfo = serde_json::from_str(&v).unwrap();
        assert_eq!(v.minor, "32");
        let rbac: ApiResourceList =
            serde_json::from_str(&fixture("legacy-apis-rbac-v1.json").unwrap()).unwrap();
        assert!(rbac.find("rolebinding").is_some());
        let core: ApiResourceList =
            serde_json::from_str(&fixture("legacy-api-v1.json").unwrap()).unwrap();
        assert_eq!(
            core.find("sa"),
            Some(Resource::namespaced("", "v1", "serviceaccounts"))
        );
        let groups: ApiGroupList =
            serde_json::from_str(&fixture("legacy-apis.json").unwrap()).unwrap();
        assert!(
            groups
                .groups
                .iter()
                .any(|g| g.name == "rbac.authorization.k8s.io")
        );
    }
}
