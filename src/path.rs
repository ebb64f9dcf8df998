//! The one URL builder: which path a call hits, readable at a glance.
//!
//! Kubernetes paths follow two rules:
//! - core group (`""`) lives under `/api/v1`, every other group under `/apis/<group>/<version>`;
//! - namespaced resources add `/namespaces/<ns>` before the resource, cluster-scoped ones do not.
//!
//! ```
//! use rawkube::path::Resource;
//! let sa = Resource::namespaced("", "v1", "serviceaccounts");
//! assert_eq!(
//!     sa.item("default", "x").sub("token").to_string(),
//!     "/api/v1/namespaces/default/serviceaccounts/x/token"
//! );
//! let roles = Resource::namespaced("rbac.authorization.k8s.io", "v1", "roles");
//! assert_eq!(
//!     roles.collection("dev").field_manager("rawkube").to_string(),
//!     "/apis/rbac.authorization.k8s.io/v1/namespaces/dev/roles?fieldManager=rawkube"
//! );
//! ```
//!
//! An empty namespace means "no namespace segment", as in client-go: for a
//! namespaced resource's collection that is the all-namespaces list
//! (`/api/v1/serviceaccounts`), and cluster-scoped resources ignore it.

use std::fmt;

/// A resource type: group, version, plural name, and whether it is namespaced.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resource {
    /// API group, `""` for core.
    pub group: String,
    /// Version, e.g. `v1`.
    pub version: String,
    /// Plural resource name as used in URLs, e.g. `serviceaccounts`.
    pub plural: String,
    /// Whether objects live in a namespace.
    pub namespaced: bool,
}

impl Resource {
    /// A namespaced resource type, e.g. `("", "v1", "serviceaccounts")`.
    pub fn namespaced(group: &str, version: &str, plural: &str) -> Self {
        Resource {
            group: group.into(),
            version: version.into(),
            plural: plural.into(),
            namespaced: true,
        }
    }

    /// A cluster-scoped resource type, e.g. `("rbac.authorization.k8s.io", "v1", "clusterroles")`.
    pub fn cluster(group: &str, version: &str, plural: &str) -> Self {
        Resource {
            namespaced: false,
            ..Resource::namespaced(group, version, plural)
        }
    }

    /// `apiVersion` of objects of this type: `v1` for core, else `group/version`.
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.clone()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    /// The group-version root: `/api/v1` or `/apis/<group>/<version>`.
    pub fn root(&self) -> String {
        if self.group.is_empty() {
            format!("/api/{}", self.version)
        } else {
            format!("/apis/{}/{}", self.group, self.version)
        }
    }

    /// How the API server names this resource in messages: `pods`, `roles.rbac.authorization.k8s.io`.
    pub fn group_resource(&self) -> String {
        if self.group.is_empty() {
            self.plural.clone()
        } else {
            format!("{}.{}", self.plural, self.group)
        }
    }

    /// The collection URL (list, create). `namespace` is ignored for cluster-scoped types.
    pub fn collection(&self, namespace: &str) -> Path {
        Path {
            path: self.prefix(namespace),
            query: Vec::new(),
            group_resource: self.group_resource(),
            name: String::new(),
        }
    }

    /// One object's URL (get, update, delete).
    pub fn item(&self, namespace: &str, name: &str) -> Path {
        Path {
            path: format!("{}/{}", self.prefix(namespace), escape_segment(name)),
            query: Vec::new(),
            group_resource: self.group_resource(),
            name: name.into(),
        }
    }

    fn prefix(&self, namespace: &str) -> String {
        if self.namespaced && !namespace.is_empty() {
            format!(
                "{}/namespaces/{}/{}",
                self.root(),
                escape_segment(namespace),
                self.plural
            )
        } else {
            format!("{}/{}", self.root(), self.plural)
        }
    }
}

/// A request path plus query parameters. `Display` gives `/path?k=v&...`, with the
/// query encoded like Go's `url.Values.Encode` (`=` inside a value becomes `%3D`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Path {
    path: String,
    query: Vec<(String, String)>,
    group_resource: String,
    name: String,
}

impl Path {
    /// A path that is not a resource (e.g. `/version`, `/api`).
    pub fn raw(path: &str) -> Self {
        Path {
            path: path.into(),
            query: Vec::new(),
            group_resource: String::new(),
            name: String::new(),
        }
    }

    /// Append a subresource: `.../serviceaccounts/x` + `token`.
    // Named like the URL segment it adds; `Path` is not a number, so no confusion with `Sub`.
    #[allow(clippy::should_implement_trait)]
    pub fn sub(mut self, subresource: &str) -> Self {
        self.path.push('/');
        self.path.push_str(&escape_segment(subresource));
        self
    }

    /// Add a query parameter (kept in insertion order).
    pub fn query(mut self, key: &str, value: impl Into<String>) -> Self {
        self.query.push((key.into(), value.into()));
        self
    }

    /// `?fieldManager=<name>`: who owns the fields this write sets.
    pub fn field_manager(self, manager: &str) -> Self {
        self.query("fieldManager", manager)
    }

    /// `?dryRun=All`: validate and admit, persist nothing.
    pub fn dry_run(self) -> Self {
        self.query("dryRun", "All")
    }

    /// `?labelSelector=<selector>`.
    pub fn label_selector(self, selector: &str) -> Self {
        self.query("labelSelector", selector)
    }

    /// `?fieldSelector=<selector>`, e.g. `metadata.name=x`.
    pub fn field_selector(self, selector: &str) -> Self {
        self.query("fieldSelector", selector)
    }

    /// `?limit=<n>`: page size.
    pub fn limit(self, n: u32) -> Self {
        self.query("limit", n.to_string())
    }

    /// `?continue=<token>`: the next page of a limited list.
    pub fn continue_token(self, token: &str) -> Self {
        self.query("continue", token)
    }

    /// The path without the query.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The query pairs.
    pub fn query_pairs(&self) -> &[(String, String)] {
        &self.query
    }

    /// `pods`, `roles.rbac.authorization.k8s.io`, or empty for non-resource paths;
    /// used to word errors for bodies that are not a `Status` (`unknown (get pods)`).
    pub fn group_resource(&self) -> &str {
        &self.group_resource
    }

    /// Object name for item paths, empty otherwise.
    pub fn name(&self) -> &str {
        &self.name
    }
}

impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.path)?;
        if !self.query.is_empty() {
            let mut enc = form_urlencoded::Serializer::new(String::new());
            for (k, v) in &self.query {
                enc.append_pair(k, v);
            }
            write!(f, "?{}", enc.finish())?;
        }
        Ok(())
    }
}

/// Percent-encode a path segment so a name can never add or climb a path level.
fn escape_segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        let keep = b.is_ascii_alphanumeric() || b"-._~:@!$&'()*+,;=".contains(&b);
        if keep {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sa() -> Resource {
        Resource::namespaced("", "v1", "serviceaccounts")
    }

    #[test]
    fn core_namespaced_paths() {
        assert_eq!(
            sa().collection("default").to_string(),
            "/api/v1/namespaces/default/serviceaccounts"
        );
        assert_eq!(
            sa().item("default", "x").to_string(),
            "/api/v1/namespaces/default/serviceaccounts/x"
        );
        assert_eq!(
            sa().item("default", "x").sub("token").to_string(),
            "/api/v1/namespaces/default/serviceaccounts/x/token"
        );
    }

    #[test]
    fn all_namespaces_list_has_no_namespace_segment() {
        assert_eq!(sa().collection("").to_string(), "/api/v1/serviceaccounts");
    }

    #[test]
    fn group_and_cluster_scoped_paths() {
        let rb = Resource::namespaced("rbac.authorization.k8s.io", "v1", "rolebindings");
        assert_eq!(
            rb.item("dev", "b").to_string(),
            "/apis/rbac.authorization.k8s.io/v1/namespaces/dev/rolebindings/b"
        );
        let cr = Resource::cluster("rbac.authorization.k8s.io", "v1", "clusterroles");
        assert_eq!(
            cr.item("ignored", "system:basic-user").to_string(),
            "/apis/rbac.authorization.k8s.io/v1/clusterroles/system:basic-user"
        );
        let ns = Resource::cluster("", "v1", "namespaces");
        assert_eq!(ns.item("", "dev").to_string(), "/api/v1/namespaces/dev");
        assert_eq!(cr.api_version(), "rbac.authorization.k8s.io/v1");
        assert_eq!(ns.api_version(), "v1");
        assert_eq!(
            cr.group_resource(),
            "clusterroles.rbac.authorization.k8s.io"
        );
        assert_eq!(ns.group_resource(), "namespaces");
    }

    #[test]
    fn query_params_encode_like_go() {
        let p = sa()
            .collection("default")
            .dry_run()
            .field_manager("kubectl-create")
            .field_selector("metadata.name=x")
            .label_selector("app in (a,b)")
            .limit(500)
            .continue_token("eyJ2Ijo=");
        assert_eq!(
            p.to_string(),
            "/api/v1/namespaces/default/serviceaccounts?dryRun=All&fieldManager=kubectl-create\
             &fieldSelector=metadata.name%3Dx&labelSelector=app+in+%28a%2Cb%29&limit=500\
             &continue=eyJ2Ijo%3D"
        );
        assert_eq!(p.path(), "/api/v1/namespaces/default/serviceaccounts");
    }

    #[test]
    fn names_cannot_escape_their_segment() {
        assert_eq!(
            sa().item("default", "../../secrets/y?x#").to_string(),
            "/api/v1/namespaces/default/serviceaccounts/..%2F..%2Fsecrets%2Fy%3Fx%23"
        );
    }

    #[test]
    fn item_path_remembers_resource_and_name_for_errors() {
        let p = Resource::namespaced("rbac.authorization.k8s.io", "v1", "roles").item("d", "r");
        assert_eq!(p.group_resource(), "roles.rbac.authorization.k8s.io");
        assert_eq!(p.name(), "r");
        assert_eq!(Path::raw("/version").group_resource(), "");
    }
}
