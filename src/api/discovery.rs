//! Discovery: what the server is and which resources it serves.
//!
//! | call | HTTP request |
//! |---|---|
//! | `c.version()` | `GET /version` |
//! | `c.api_versions()` | `GET /api` (core group versions) |
//! | `c.api_groups()` | `GET /apis` (legacy `APIGroupList`) |
//! | `c.api_resources("v1")` / `c.api_resources("rbac.authorization.k8s.io/v1")` | `GET /api/v1` / `GET /apis/rbac.authorization.k8s.io/v1` |
//! | `c.aggregated_api()` / `c.aggregated_apis()` | `GET /api` / `GET /apis` with [`AGGREGATED_ACCEPT`]: every resource of every group in one answer (1.26+), or the legacy document from an older server |
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
    /// `v1` (kubectl's disk cache needs it to decode the file).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub api_version: String,
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
    /// `APIResourceList`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub kind: String,
    /// `v1` (kubectl's disk cache needs it to decode the file).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub api_version: String,
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
    /// Group of the response kind when it differs from the list's (a subresource such as
    /// `serviceaccounts/token` answers with `authentication.k8s.io` objects).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub group: String,
    /// Version of the response kind when it differs from the list's.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub version: String,
    /// Kind, e.g. `ServiceAccount`.
    #[serde(default)]
    pub kind: String,
    /// Supported verbs.
    #[serde(default)]
    pub verbs: Vec<String>,
    /// Short names, e.g. `sa`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub short_names: Vec<String>,
    /// Categories, e.g. `all` (what `kubectl get all` lists).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub categories: Vec<String>,
    /// A hash of the storage version (legacy documents only).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub storage_version_hash: String,
}

/// The `Accept` kubectl sends to `/api` and `/apis`: aggregated discovery v2, else v2beta1,
/// else the legacy documents (`APIVersions`, `APIGroupList`).
pub const AGGREGATED_ACCEPT: &str = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json";

/// `GET /api` or `/apis` with [`AGGREGATED_ACCEPT`] (`apidiscovery.k8s.io/v2`): every group,
/// version and resource in one document.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiGroupDiscoveryList {
    /// `APIGroupDiscoveryList`.
    #[serde(default)]
    pub kind: String,
    /// The groups, in the server's priority order (`/api` has one, unnamed).
    #[serde(default)]
    pub items: Vec<ApiGroupDiscovery>,
}

/// One group in an [`ApiGroupDiscoveryList`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiGroupDiscovery {
    /// `metadata.name` is the group (empty for core).
    #[serde(default)]
    pub metadata: DiscoveryMeta,
    /// Versions, preferred first.
    #[serde(default)]
    pub versions: Vec<ApiVersionDiscovery>,
}

/// The part of `metadata` discovery uses.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiscoveryMeta {
    /// The group name.
    #[serde(default)]
    pub name: String,
}

/// One version of a group.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiVersionDiscovery {
    /// e.g. `v1`.
    #[serde(default)]
    pub version: String,
    /// The resources.
    #[serde(default)]
    pub resources: Vec<ApiResourceDiscovery>,
    /// `Current`, or `Stale` when an aggregated server did not answer (then skipped).
    #[serde(default)]
    pub freshness: String,
}

/// One resource of a version.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiResourceDiscovery {
    /// Plural name.
    #[serde(default)]
    pub resource: String,
    /// What it answers with; a resource without one is not served (client-go drops it).
    #[serde(default)]
    pub response_kind: Option<GroupVersionKind>,
    /// `Namespaced` or `Cluster`.
    #[serde(default)]
    pub scope: String,
    /// Singular name.
    #[serde(default)]
    pub singular_resource: String,
    /// Verbs.
    #[serde(default)]
    pub verbs: Vec<String>,
    /// Short names.
    #[serde(default)]
    pub short_names: Vec<String>,
    /// Categories.
    #[serde(default)]
    pub categories: Vec<String>,
    /// Subresources (`log`, `token`, `status`).
    #[serde(default)]
    pub subresources: Vec<ApiSubresourceDiscovery>,
}

/// One subresource.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiSubresourceDiscovery {
    /// e.g. `log`.
    #[serde(default)]
    pub subresource: String,
    /// What it answers with.
    #[serde(default)]
    pub response_kind: Option<GroupVersionKind>,
    /// Verbs.
    #[serde(default)]
    pub verbs: Vec<String>,
}

/// `responseKind`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupVersionKind {
    /// Group (empty: the list's).
    #[serde(default)]
    pub group: String,
    /// Version (empty: the list's).
    #[serde(default)]
    pub version: String,
    /// Kind.
    #[serde(default)]
    pub kind: String,
}

impl ApiGroupDiscoveryList {
    /// The legacy shapes, as client-go's `SplitGroupsAndResources` makes them: one
    /// [`ApiGroup`] per item (stale versions left out, the first other version preferred) and
    /// one [`ApiResourceList`] per version, subresources as `name/sub` entries.
    pub fn split(&self) -> (Vec<ApiGroup>, Vec<ApiResourceList>) {
        let mut groups = Vec::new();
        let mut lists = Vec::new();
        for item in &self.items {
            let name = item.metadata.name.clone();
            let mut group = ApiGroup {
                name: name.clone(),
                ..Default::default()
            };
            for v in item.versions.iter().filter(|v| v.freshness != "Stale") {
                let gv = if name.is_empty() {
                    v.version.clone()
                } else {
                    format!("{name}/{}", v.version)
                };
                let entry = GroupVersionForDiscovery {
                    group_version: gv.clone(),
                    version: v.version.clone(),
                };
                group.preferred_version.get_or_insert_with(|| entry.clone());
                group.versions.push(entry);
                let mut list = ApiResourceList {
                    kind: "APIResourceList".into(),
                    api_version: "v1".into(),
                    group_version: gv,
                    resources: Vec::new(),
                };
                for r in &v.resources {
                    let kind = r.response_kind.clone().unwrap_or_default();
                    let parent = ApiResource {
                        name: r.resource.clone(),
                        singular_name: r.singular_resource.clone(),
                        namespaced: r.scope == "Namespaced",
                        group: kind.group.clone(),
                        version: kind.version.clone(),
                        kind: kind.kind.clone(),
                        verbs: r.verbs.clone(),
                        short_names: r.short_names.clone(),
                        categories: r.categories.clone(),
                        storage_version_hash: String::new(),
                    };
                    let subresources: Vec<ApiResource> = r
                        .subresources
                        .iter()
                        .filter_map(|s| {
                            let k = s.response_kind.as_ref().filter(|k| !k.kind.is_empty())?;
                            Some(ApiResource {
                                name: format!("{}/{}", parent.name, s.subresource),
                                singular_name: parent.singular_name.clone(),
                                namespaced: parent.namespaced,
                                group: k.group.clone(),
                                version: k.version.clone(),
                                kind: k.kind.clone(),
                                verbs: s.verbs.clone(),
                                ..Default::default()
                            })
                        })
                        .collect();
                    if !kind.kind.is_empty() {
                        list.resources.push(parent);
                    }
                    list.resources.extend(subresources);
                }
                lists.push(list);
            }
            groups.push(group);
        }
        (groups, lists)
    }
}

/// What `/api` or `/apis` answered to [`AGGREGATED_ACCEPT`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Discovered<L> {
    /// Aggregated discovery (Kubernetes 1.26+): everything in this one document.
    Aggregated(ApiGroupDiscoveryList),
    /// An older server's legacy document; the resource lists need one request per version.
    Legacy(L),
}

#[derive(Deserialize)]
struct KindOnly {
    #[serde(default)]
    kind: String,
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

    /// `GET /api` with [`AGGREGATED_ACCEPT`]: the core group's resources, or (older servers)
    /// its versions.
    pub async fn aggregated_api(&self) -> Result<Discovered<ApiVersions>> {
        self.discovered("/api").await
    }

    /// `GET /apis` with [`AGGREGATED_ACCEPT`]: every named group's resources, or (older
    /// servers) the group list.
    pub async fn aggregated_apis(&self) -> Result<Discovered<ApiGroupList>> {
        self.discovered("/apis").await
    }

    /// The body's `kind` tells the two answers apart (`APIGroupDiscoveryList` or the legacy one).
    async fn discovered<L: serde::de::DeserializeOwned>(
        &self,
        path: &str,
    ) -> Result<Discovered<L>> {
        let req = Request::get(Path::raw(path)).accept(AGGREGATED_ACCEPT)?;
        let resp = self.send(&req).await?;
        let kind: KindOnly = self.decode(&req, &resp)?;
        Ok(if kind.kind == "APIGroupDiscoveryList" {
            Discovered::Aggregated(self.decode(&req, &resp)?)
        } else {
            Discovered::Legacy(self.decode(&req, &resp)?)
        })
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

    /// The aggregated documents a real kubectl session was served, split as client-go splits
    /// them: subresources become `name/sub` entries carrying their own response kind.
    #[test]
    fn aggregated_documents_split_into_legacy_lists() {
        let api: ApiGroupDiscoveryList = serde_json::from_str(include_str!(
            "../../mock-server/tests/fixtures/aggregated-api.json"
        ))
        .unwrap();
        let (groups, lists) = api.split();
        assert_eq!(groups.len(), 1);
        assert_eq!(groups[0].name, "");
        assert_eq!(
            groups[0].preferred_version.as_ref().unwrap().group_version,
            "v1"
        );
        let core = &lists[0];
        assert_eq!(core.group_version, "v1");
        assert_eq!(
            core.find("sa"),
            Some(Resource::namespaced("", "v1", "serviceaccounts"))
        );
        let token = core
            .resources
            .iter()
            .find(|r| r.name == "serviceaccounts/token")
            .unwrap();
        assert_eq!(
            (
                token.group.as_str(),
                token.version.as_str(),
                token.kind.as_str()
            ),
            ("authentication.k8s.io", "v1", "TokenRequest")
        );
        assert!(token.namespaced);
        let json = serde_json::to_string(token).unwrap();
        assert_eq!(
            json,
            r#"{"name":"serviceaccounts/token","singularName":"serviceaccount","namespaced":true,"group":"authentication.k8s.io","version":"v1","kind":"TokenRequest","verbs":["create"]}"#
        );

        let apis: ApiGroupDiscoveryList = serde_json::from_str(include_str!(
            "../../mock-server/tests/fixtures/aggregated-apis.json"
        ))
        .unwrap();
        let (groups, lists) = apis.split();
        assert!(groups.iter().any(|g| g.name == "apps"));
        let apps = lists.iter().find(|l| l.group_version == "apps/v1").unwrap();
        assert_eq!(
            apps.find("deploy"),
            Some(Resource::namespaced("apps", "v1", "deployments"))
        );
    }

    #[test]
    fn stale_versions_and_kindless_resources_are_left_out() {
        let doc = r#"{"kind":"APIGroupDiscoveryList","items":[{"metadata":{"name":"x.io"},"versions":[
            {"version":"v2","freshness":"Stale","resources":[{"resource":"a","responseKind":{"kind":"A"},"scope":"Cluster"}]},
            {"version":"v1","resources":[
                {"resource":"b","scope":"Namespaced","subresources":[{"subresource":"status","responseKind":{"group":"","version":"","kind":"B"},"verbs":["get"]}]},
                {"resource":"c","responseKind":{"group":"","version":"","kind":"C"},"scope":"Cluster"}]}]}]}"#;
        let l: ApiGroupDiscoveryList = serde_json::from_str(doc).unwrap();
        let (groups, lists) = l.split();
        assert_eq!(groups[0].versions.len(), 1);
        assert_eq!(
            groups[0].preferred_version.as_ref().unwrap().group_version,
            "x.io/v1"
        );
        let names: Vec<&str> = lists[0].resources.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["b/status", "c"]);
        assert!(lists[0].resources[0].namespaced);
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
