//! Resource-type lookup as kubectl's RESTMapper does it: `pods`, `pod`, `po`,
//! `Pod`, `deployments.apps`, `roles.rbac.authorization.k8s.io`.
//!
//! [`Resolver::find`] answers in three tiers, cheapest first:
//!
//! 1. the hand-written types ([`Discovery::builtin`]: pods, serviceaccounts, secrets,
//!    namespaces and the four RBAC types) resolve with **no request**: their group, version,
//!    scope and names are fixed by Kubernetes, and kubectl's RESTMapper ranks the core and
//!    RBAC groups first, so a custom resource can never shadow them;
//! 2. the disk cache ([`DiscoveryCache`]): kubectl's own layout under
//!    `<cache-dir>/discovery/<host_port>/`, each file trusted for [`DISCOVERY_TTL`];
//! 3. the server: aggregated discovery (`GET /api`, `GET /apis`, two requests), or, from a
//!    server older than 1.26, the legacy documents (`/api`, `/apis`, then one request per
//!    group version, sent concurrently). The answer is written to the cache.
//!
//! A name the cached documents do not know invalidates them: the server is asked again
//! once before the name is reported unknown (a CRD installed since the cache was written).

use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::{Duration, SystemTime};

use crate::Client;
use crate::api::TypedResource;
use crate::api::discovery::{
    ApiGroup, ApiGroupList, ApiResource, ApiResourceList, Discovered, GroupVersionForDiscovery,
};

/// How long cached discovery documents are trusted: kubectl's 6 hours.
pub const DISCOVERY_TTL: Duration = Duration::from_secs(6 * 60 * 60);

/// One resource type as the server describes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResourceType {
    /// API group (`""` for core).
    pub group: String,
    /// Preferred version.
    pub version: String,
    /// Plural name used in URLs.
    pub plural: String,
    /// Kind, e.g. `ServiceAccount`.
    pub kind: String,
    /// Whether objects live in a namespace.
    pub namespaced: bool,
}

impl ResourceType {
    /// The URL builder for this type.
    pub fn resource(&self) -> crate::path::Resource {
        if self.namespaced {
            crate::path::Resource::namespaced(&self.group, &self.version, &self.plural)
        } else {
            crate::path::Resource::cluster(&self.group, &self.version, &self.plural)
        }
    }

    /// `plural[.group]`, as error messages and `auth can-i` spell it.
    pub fn group_resource(&self) -> String {
        if self.group.is_empty() {
            self.plural.clone()
        } else {
            format!("{}.{}", self.plural, self.group)
        }
    }

    /// `apiVersion` of this type's objects.
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.clone()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }
}

/// Resource lists in priority order (core first, then the groups as the server orders
/// them, each group's preferred version first).
#[derive(Clone, Debug)]
pub struct Discovery {
    lists: Vec<ApiResourceList>,
}

/// The documents discovery produces, in kubectl's cached shapes: the group list (core group
/// `""` first) and one resource list per group version.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Documents {
    /// `servergroups.json`.
    pub groups: ApiGroupList,
    /// `<group>/<version>/serverresources.json` each.
    pub lists: Vec<ApiResourceList>,
}

impl Documents {
    /// Asks the server: aggregated discovery (2 requests), or the legacy documents.
    pub async fn fetch(client: &Client) -> crate::Result<Documents> {
        let (api, apis) = tokio::join!(client.aggregated_api(), client.aggregated_apis());
        let mut groups = Vec::new();
        let mut lists = Vec::new();
        let mut legacy_versions = Vec::new();
        match api? {
            Discovered::Aggregated(d) => {
                let (g, l) = d.split();
                groups.extend(g);
                lists.extend(l);
            }
            Discovered::Legacy(v) => {
                let versions: Vec<GroupVersionForDiscovery> = v
                    .versions
                    .iter()
                    .map(|v| GroupVersionForDiscovery {
                        group_version: v.clone(),
                        version: v.clone(),
                    })
                    .collect();
                legacy_versions.extend(versions.iter().map(|v| v.group_version.clone()));
                groups.push(ApiGroup {
                    name: String::new(),
                    preferred_version: versions.first().cloned(),
                    versions,
                });
            }
        }
        match apis? {
            Discovered::Aggregated(d) => {
                let (g, l) = d.split();
                groups.extend(g);
                lists.extend(l);
            }
            Discovered::Legacy(list) => {
                for mut g in list.groups {
                    // Preferred version first, so lookups rank it first.
                    if let Some(p) = &g.preferred_version
                        && let Some(i) = g.versions.iter().position(|v| v == p)
                    {
                        let preferred = g.versions.remove(i);
                        g.versions.insert(0, preferred);
                    }
                    legacy_versions.extend(g.versions.iter().map(|v| v.group_version.clone()));
                    groups.push(g);
                }
            }
        }
        if !legacy_versions.is_empty() {
            // One request per group version, all at once over the one connection, as kubectl
            // does. A group version that fails (a broken aggregated API) is left out rather
            // than hiding every other type; kubectl tolerates it too.
            let fetched = futures_util::future::join_all(
                legacy_versions.iter().map(|gv| client.api_resources(gv)),
            )
            .await;
            let mut failed = Vec::new();
            for (gv, got) in legacy_versions.iter().zip(fetched) {
                match got {
                    Ok(mut l) => {
                        l.kind = "APIResourceList".into();
                        l.api_version = "v1".into();
                        l.group_version = gv.clone();
                        lists.push(l);
                    }
                    Err(_) => failed.push(gv.clone()),
                }
            }
            for g in &mut groups {
                g.versions.retain(|v| !failed.contains(&v.group_version));
                if g.preferred_version
                    .as_ref()
                    .is_some_and(|p| failed.contains(&p.group_version))
                {
                    g.preferred_version = g.versions.first().cloned();
                }
            }
            groups.retain(|g| !g.versions.is_empty());
        }
        Ok(Documents {
            groups: ApiGroupList {
                kind: "APIGroupList".into(),
                api_version: "v1".into(),
                groups,
            },
            lists,
        })
    }

    /// The lists in lookup order: group by group, preferred version first.
    fn ordered(self) -> Discovery {
        let mut lists = self.lists;
        let mut ordered = Vec::with_capacity(lists.len());
        for g in &self.groups.groups {
            for v in &g.versions {
                if let Some(i) = lists
                    .iter()
                    .position(|l| l.group_version == v.group_version)
                {
                    ordered.push(lists.swap_remove(i));
                }
            }
        }
        Discovery { lists: ordered }
    }
}

/// kubectl's discovery cache for one server: `<cache-dir>/discovery/<host_port>/` holding
/// `servergroups.json` and `<group>/<version>/serverresources.json`, the same files
/// kubectl reads and writes (so either tool warms the cache for the other). A file older
/// than the TTL is not used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DiscoveryCache {
    dir: PathBuf,
    ttl: Duration,
}

impl DiscoveryCache {
    /// The cache of `server` (the kubeconfig's URL) under `cache_dir` (kubectl's
    /// `--cache-dir`), trusted for [`DISCOVERY_TTL`].
    pub fn new(cache_dir: &Path, server: &str) -> DiscoveryCache {
        DiscoveryCache {
            dir: cache_dir.join("discovery").join(safe_host(server)),
            ttl: DISCOVERY_TTL,
        }
    }

    /// kubectl's default `--cache-dir`: `$KUBECACHEDIR`, else `~/.kube/cache`; `None`
    /// without a home directory.
    pub fn default_dir() -> Option<PathBuf> {
        if let Some(d) = std::env::var_os("KUBECACHEDIR").filter(|d| !d.is_empty()) {
            return Some(PathBuf::from(d));
        }
        let home = std::env::var_os("HOME").filter(|h| !h.is_empty())?;
        Some(PathBuf::from(home).join(".kube").join("cache"))
    }

    /// Trust files for `ttl` instead.
    pub fn with_ttl(mut self, ttl: Duration) -> DiscoveryCache {
        self.ttl = ttl;
        self
    }

    /// This server's directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn read<T: serde::de::DeserializeOwned>(&self, file: &Path) -> Option<T> {
        let modified = std::fs::metadata(file).ok()?.modified().ok()?;
        let age = SystemTime::now()
            .duration_since(modified)
            .unwrap_or_default();
        if age > self.ttl {
            return None;
        }
        serde_json::from_slice(&std::fs::read(file).ok()?).ok()
    }

    fn list_file(&self, group_version: &str) -> PathBuf {
        self.dir.join(group_version).join("serverresources.json")
    }

    /// The cached documents, if all of them are there and fresh.
    pub fn load(&self) -> Option<Documents> {
        let groups: ApiGroupList = self.read(&self.dir.join("servergroups.json"))?;
        let mut lists = Vec::new();
        for g in &groups.groups {
            for v in &g.versions {
                lists.push(self.read(&self.list_file(&v.group_version))?);
            }
        }
        Some(Documents { groups, lists })
    }

    /// Writes the documents (each file atomically, as kubectl does: directories 0750,
    /// files 0660 before the umask).
    pub fn store(&self, docs: &Documents) -> std::io::Result<()> {
        for l in &docs.lists {
            write_atomic(&self.list_file(&l.group_version), l)?;
        }
        // The group list last: a reader finding it finds the lists it names.
        write_atomic(&self.dir.join("servergroups.json"), &docs.groups)
    }
}

fn write_atomic<T: serde::Serialize>(path: &Path, value: &T) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
    let dir = path
        .parent()
        .ok_or_else(|| std::io::Error::other("no parent directory"))?;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o750)
        .create(dir)?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".serverresources")
        .tempfile_in(dir)?;
    tmp.write_all(&serde_json::to_vec(value).map_err(std::io::Error::other)?)?;
    tmp.as_file()
        .set_permissions(std::fs::Permissions::from_mode(0o660))?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// kubectl's `computeDiscoverCacheDir`: the server URL without its scheme, every character
/// other than letters, digits, `_`, `/`, `.`, `(` and `)` replaced by `_`
/// (`https://127.0.0.1:6443` → `127.0.0.1_6443`).
pub fn safe_host(server: &str) -> String {
    let schemeless = server
        .replacen("https://", "", 1)
        .replacen("http://", "", 1);
    let safe: String = schemeless
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '_' | '/' | '.' | '(' | ')') {
                c
            } else {
                '_'
            }
        })
        .collect();
    // filepath.Join drops a trailing slash.
    safe.trim_end_matches('/').to_string()
}

/// An entry of the built-in table: a hand-written type plus its fixed short names.
fn builtin_entry<T: TypedResource>(short_names: &[&str]) -> (String, ApiResource) {
    let gv = T::resource().api_version();
    let resource = ApiResource {
        name: T::PLURAL.into(),
        singular_name: T::KIND.to_ascii_lowercase(),
        namespaced: T::NAMESPACED,
        kind: T::KIND.into(),
        short_names: short_names.iter().map(|s| s.to_string()).collect(),
        ..Default::default()
    };
    (gv, resource)
}

impl Discovery {
    /// Asks the server (see [`Documents::fetch`]), without a cache.
    pub async fn fetch(client: &Client) -> crate::Result<Discovery> {
        Ok(Documents::fetch(client).await?.ordered())
    }

    /// Builds from already-fetched lists, in priority order.
    pub fn from_lists(lists: Vec<ApiResourceList>) -> Discovery {
        Discovery { lists }
    }

    /// The fetched resource lists, one per group (its preferred version), subresources
    /// included (`pods/log`): for callers that need verbs or subresources.
    pub fn resource_lists(&self) -> &[ApiResourceList] {
        &self.lists
    }

    /// The hand-written types, resolvable without asking the server.
    pub fn builtin() -> &'static Discovery {
        use crate::api::{namespace, pod, rbac, secret, serviceaccount};
        static BUILTIN: OnceLock<Discovery> = OnceLock::new();
        BUILTIN.get_or_init(|| {
            let entries = [
                builtin_entry::<pod::Pod>(&["po"]),
                builtin_entry::<serviceaccount::ServiceAccount>(&["sa"]),
                builtin_entry::<secret::Secret>(&[]),
                builtin_entry::<namespace::Namespace>(&["ns"]),
                builtin_entry::<rbac::Role>(&[]),
                builtin_entry::<rbac::RoleBinding>(&[]),
                builtin_entry::<rbac::ClusterRole>(&[]),
                builtin_entry::<rbac::ClusterRoleBinding>(&[]),
            ];
            let mut lists: Vec<ApiResourceList> = Vec::new();
            for (gv, r) in entries {
                match lists.iter_mut().find(|l| l.group_version == gv) {
                    Some(l) => l.resources.push(r),
                    None => lists.push(ApiResourceList {
                        group_version: gv,
                        resources: vec![r],
                        ..Default::default()
                    }),
                }
            }
            Discovery { lists }
        })
    }

    /// Resolves a user-typed resource name; `None` if the server has no such type.
    pub fn find(&self, typed: &str) -> Option<ResourceType> {
        let typed = typed.to_ascii_lowercase();
        // `name.group` (or `name.version.group`): the first dot splits off the group,
        // as apimachinery's ParseGroupResource does.
        let (name, group) = match typed.split_once('.') {
            Some((n, g)) => (n.to_string(), Some(g.to_string())),
            None => (typed.clone(), None),
        };
        for list in &self.lists {
            let (g, v) = match list.group_version.split_once('/') {
                Some((g, v)) => (g.to_string(), v.to_string()),
                None => (String::new(), list.group_version.clone()),
            };
            if let Some(want) = &group {
                let with_version = format!("{v}.{g}");
                if want != &g && want != &with_version {
                    continue;
                }
            }
            let hit = list
                .resources
                .iter()
                .filter(|r| !r.name.contains('/'))
                .find(|r| {
                    r.name == name
                        || r.singular_name == name
                        || r.kind.eq_ignore_ascii_case(&name)
                        || r.short_names.iter().any(|s| s == &name)
                });
            if let Some(r) = hit {
                return Some(ResourceType {
                    group: g,
                    version: v,
                    plural: r.name.clone(),
                    kind: r.kind.clone(),
                    namespaced: r.namespaced,
                });
            }
        }
        None
    }
}

/// Where [`Resolver`]'s discovery documents came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// The disk cache (may be stale: a miss asks the server again).
    Cache,
    /// The server, in this process.
    Server,
}

/// Resolves names for one command: the hand-written types without a request, everything
/// else through the disk cache or the server (see the module docs).
#[derive(Clone, Debug)]
pub struct Resolver {
    client: Client,
    cache: Option<DiscoveryCache>,
    loaded: Option<(Discovery, Source)>,
}

impl Resolver {
    /// A resolver asking `client`'s server, caching in `cache` (none: ask every time).
    pub fn new(client: &Client, cache: Option<DiscoveryCache>) -> Resolver {
        Resolver {
            client: client.clone(),
            cache,
            loaded: None,
        }
    }

    /// Where the discovery documents in use came from; `None` while only hand-written types
    /// were asked for (no discovery happened).
    pub fn source(&self) -> Option<Source> {
        self.loaded.as_ref().map(|(_, s)| *s)
    }

    /// Resolves `typed`; `Ok(None)` if the server has no such type.
    pub async fn find(&mut self, typed: &str) -> crate::Result<Option<ResourceType>> {
        if let Some(t) = Discovery::builtin().find(typed) {
            return Ok(Some(t));
        }
        self.all().await?;
        if let Some((d, source)) = &self.loaded {
            if let Some(t) = d.find(typed) {
                return Ok(Some(t));
            }
            if *source == Source::Server {
                return Ok(None);
            }
        }
        // A miss in cached documents: they may predate the type; ask the server once.
        let d = self.fetch().await?;
        let found = d.find(typed);
        self.loaded = Some((d, Source::Server));
        Ok(found)
    }

    /// Every type the server lists (subresources and verbs included), from the documents
    /// already in use, else the cache, else the server.
    pub async fn all(&mut self) -> crate::Result<&Discovery> {
        if self.loaded.is_none() {
            let cached = self.cache.as_ref().and_then(DiscoveryCache::load);
            self.loaded = match cached {
                Some(docs) => Some((docs.ordered(), Source::Cache)),
                None => Some((self.fetch().await?, Source::Server)),
            };
        }
        Ok(&self.loaded.as_ref().expect("loaded above").0)
    }

    async fn fetch(&self) -> crate::Result<Discovery> {
        let docs = Documents::fetch(&self.client).await?;
        if let Some(cache) = &self.cache {
            // A cache that cannot be written only costs the next command two requests.
            let _ = cache.store(&docs);
        }
        Ok(docs.ordered())
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    fn res(name: &str, kind: &str, ns: bool, short: &[&str]) -> ApiResource {
        ApiResource {
            name: name.into(),
            namespaced: ns,
            kind: kind.into(),
            short_names: short.iter().map(|s| s.to_string()).collect(),
            ..Default::default()
        }
    }

    fn list(gv: &str, resources: Vec<ApiResource>) -> ApiResourceList {
        ApiResourceList {
            group_version: gv.into(),
            resources,
            ..Default::default()
        }
    }

    pub(crate) fn sample() -> Discovery {
        Discovery::from_lists(vec![
            list(
                "v1",
                vec![
                    res("pods", "Pod", true, &["po"]),
                    res("pods/log", "Pod", true, &[]),
                    res("serviceaccounts", "ServiceAccount", true, &["sa"]),
                    res("namespaces", "Namespace", false, &["ns"]),
                ],
            ),
            list(
                "apps/v1",
                vec![res("deployments", "Deployment", true, &["deploy"])],
            ),
            list(
                "rbac.authorization.k8s.io/v1",
                vec![res("roles", "Role", true, &[])],
            ),
        ])
    }

    #[test]
    fn short_names_kinds_and_groups_resolve() {
        let d = sample();
        let plural = |s: &str| d.find(s).map(|r| r.plural);
        assert_eq!(plural("sa"), Some("serviceaccounts".into()));
        assert_eq!(plural("po"), Some("pods".into()));
        assert_eq!(plural("Pod"), Some("pods".into()));
        assert_eq!(plural("deploy"), Some("deployments".into()));
        assert_eq!(d.find("ns").map(|r| r.namespaced), Some(false));
        let dep = d.find("deployments.apps").unwrap();
        assert_eq!((dep.group.as_str(), dep.version.as_str()), ("apps", "v1"));
        assert_eq!(
            d.find("roles.rbac.authorization.k8s.io")
                .map(|r| r.group_resource()),
            Some("roles.rbac.authorization.k8s.io".into())
        );
        assert!(d.find("deployments.nosuch").is_none());
        assert!(d.find("pods/log").is_none());
        assert!(d.find("nosuchthing").is_none());
    }

    /// The hand-written types resolve as the server's documents resolve them.
    #[test]
    fn builtin_types_match_the_servers_names() {
        let b = Discovery::builtin();
        let cases = [
            ("pods", "", "pods", true),
            ("po", "", "pods", true),
            ("Pod", "", "pods", true),
            ("sa", "", "serviceaccounts", true),
            ("serviceaccount", "", "serviceaccounts", true),
            ("secrets", "", "secrets", true),
            ("ns", "", "namespaces", false),
            ("role", "rbac.authorization.k8s.io", "roles", true),
            (
                "rolebindings.rbac.authorization.k8s.io",
                "rbac.authorization.k8s.io",
                "rolebindings",
                true,
            ),
            (
                "ClusterRole",
                "rbac.authorization.k8s.io",
                "clusterroles",
                false,
            ),
            (
                "clusterrolebinding",
                "rbac.authorization.k8s.io",
                "clusterrolebindings",
                false,
            ),
        ];
        for (typed, group, plural, namespaced) in cases {
            let t = b.find(typed).unwrap_or_else(|| panic!("{typed}"));
            assert_eq!(
                (t.group.as_str(), t.plural.as_str(), t.namespaced),
                (group, plural, namespaced),
                "{typed}"
            );
        }
        for other in [
            "deployments.apps",
            "cm",
            "configmaps",
            "pods.apps",
            "deploy",
        ] {
            assert!(b.find(other).is_none(), "{other}");
        }
    }

    #[test]
    fn cache_dir_names_follow_kubectl() {
        assert_eq!(safe_host("https://127.0.0.1:6443"), "127.0.0.1_6443");
        assert_eq!(safe_host("http://localhost:8080/"), "localhost_8080");
        assert_eq!(
            safe_host("https://[::1]:6443/k8s/clusters/c-1"),
            "___1__6443/k8s/clusters/c_1"
        );
        let c = DiscoveryCache::new(Path::new("/c"), "https://kind-control-plane:6443");
        assert_eq!(c.dir(), Path::new("/c/discovery/kind_control_plane_6443"));
    }

    fn docs() -> Documents {
        let mut lists = sample().lists;
        for l in &mut lists {
            l.kind = "APIResourceList".into();
            l.api_version = "v1".into();
        }
        let group = |name: &str, gv: &str| ApiGroup {
            name: name.into(),
            versions: vec![GroupVersionForDiscovery {
                group_version: gv.into(),
                version: "v1".into(),
            }],
            preferred_version: Some(GroupVersionForDiscovery {
                group_version: gv.into(),
                version: "v1".into(),
            }),
        };
        Documents {
            groups: ApiGroupList {
                kind: "APIGroupList".into(),
                api_version: "v1".into(),
                groups: vec![
                    group("", "v1"),
                    group("apps", "apps/v1"),
                    group("rbac.authorization.k8s.io", "rbac.authorization.k8s.io/v1"),
                ],
            },
            lists,
        }
    }

    #[test]
    fn cache_round_trips_in_kubectls_layout_and_expires() {
        use std::os::unix::fs::PermissionsExt;
        let tmp = tempfile::tempdir().unwrap();
        let cache = DiscoveryCache::new(tmp.path(), "https://127.0.0.1:6443");
        assert_eq!(cache.load(), None);
        cache.store(&docs()).unwrap();
        let dir = tmp.path().join("discovery/127.0.0.1_6443");
        for f in [
            "servergroups.json",
            "v1/serverresources.json",
            "apps/v1/serverresources.json",
            "rbac.authorization.k8s.io/v1/serverresources.json",
        ] {
            let mode = std::fs::metadata(dir.join(f)).unwrap().permissions().mode();
            assert_eq!(mode & 0o007, 0, "{f} is not world-readable");
        }
        let groups = std::fs::read_to_string(dir.join("servergroups.json")).unwrap();
        assert!(
            groups.starts_with(r#"{"kind":"APIGroupList","apiVersion":"v1","groups":[{"name":"","#),
            "{groups}"
        );
        assert_eq!(cache.load(), Some(docs()));
        let d = cache.load().unwrap().ordered();
        assert_eq!(d.find("deploy").map(|t| t.group), Some("apps".into()));

        // Past the TTL, or with a file missing, the cache is not used.
        assert_eq!(cache.clone().with_ttl(Duration::ZERO).load(), None);
        std::fs::remove_file(dir.join("apps/v1/serverresources.json")).unwrap();
        assert_eq!(cache.load(), None);
    }

    /// A cache kubectl wrote (copied from a kubectl 1.32 run against the mock) is read.
    #[test]
    fn reads_what_kubectl_wrote() {
        let tmp = tempfile::tempdir().unwrap();
        let cache = DiscoveryCache::new(tmp.path(), "https://127.0.0.1:43935");
        let dir = cache.dir().to_path_buf();
        std::fs::create_dir_all(dir.join("v1")).unwrap();
        std::fs::write(
            dir.join("servergroups.json"),
            r#"{"kind":"APIGroupList","apiVersion":"v1","groups":[{"name":"","versions":[{"groupVersion":"v1","version":"v1"}],"preferredVersion":{"groupVersion":"v1","version":"v1"}}]}"#,
        )
        .unwrap();
        std::fs::write(
            dir.join("v1/serverresources.json"),
            r#"{"kind":"APIResourceList","apiVersion":"v1","groupVersion":"v1","resources":[{"name":"configmaps","singularName":"configmap","namespaced":true,"kind":"ConfigMap","verbs":["create","delete","deletecollection","get","list","patch","update","watch"],"shortNames":["cm"]},{"name":"serviceaccounts/token","singularName":"serviceaccount","namespaced":true,"group":"authentication.k8s.io","version":"v1","kind":"TokenRequest","verbs":["create"]}]}"#,
        )
        .unwrap();
        let d = cache.load().unwrap().ordered();
        assert_eq!(d.find("cm").map(|t| t.plural), Some("configmaps".into()));
    }
}
