//! Read access to stored objects, for the parts of the server (authorization, token
//! validation) that must look things up without owning the store.

use serde_json::Value;

/// Stored objects as JSON, keyed by plural resource name (`roles`, `clusterrolebindings`, `serviceaccounts`, ...).
pub trait ObjectSource: Send + Sync {
    /// A number that changes whenever any object changes, if the source keeps one: what was
    /// derived from its objects while it stayed the same may be reused until it changes
    /// (the RBAC authorizer's decision cache). `None`: nothing may be reused.
    fn generation(&self) -> Option<u64> {
        None
    }
    /// A number that changes whenever an object of one of `resources` changes (and may
    /// change at other times), if the source keeps one: what was derived from those objects
    /// alone may be reused while it stays the same. The default is [`ObjectSource::generation`].
    fn generation_of(&self, resources: &[&str]) -> Option<u64> {
        let _ = resources;
        self.generation()
    }
    /// One object, or `None`. `namespace` is `None` for cluster-scoped resources.
    fn get_object(&self, resource: &str, namespace: Option<&str>, name: &str) -> Option<Value>;
    /// All objects of a resource; in one namespace, or in all namespaces (and for cluster-scoped resources) with `None`.
    fn list_objects(&self, resource: &str, namespace: Option<&str>) -> Vec<Value>;
    /// Calls `read` with one object, without copying it, and returns what it returns; `read`
    /// must not call back into the source.
    fn read_object(
        &self,
        resource: &str,
        namespace: Option<&str>,
        name: &str,
        read: &mut dyn FnMut(&Value),
    ) -> bool {
        match self.get_object(resource, namespace, name) {
            Some(v) => {
                read(&v);
                true
            }
            None => false,
        }
    }
    /// Calls `visit` with the JSON of each object [`ObjectSource::visit_objects`] visits, for
    /// readers that keep decoded objects and decode again only what changed. The default
    /// encodes each decoded object; the store hands out the bytes it keeps.
    fn visit_json(&self, resource: &str, namespace: Option<&str>, visit: &mut dyn FnMut(&[u8])) {
        self.visit_objects(resource, namespace, &mut |v| {
            visit(&serde_json::to_vec(v).unwrap_or_default())
        });
    }
    /// Calls `visit` with each object [`ObjectSource::list_objects`] would return, without
    /// copying them (authorization reads every binding on every request). `visit` must not
    /// call back into the source.
    fn visit_objects(
        &self,
        resource: &str,
        namespace: Option<&str>,
        visit: &mut dyn FnMut(&Value),
    ) {
        for v in self.list_objects(resource, namespace) {
            visit(&v);
        }
    }
}
