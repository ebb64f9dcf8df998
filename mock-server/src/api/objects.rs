//! Read access to stored objects, for the parts of the server (authorization, token
//! validation) that must look things up without owning the store.

use std::sync::Arc;

use serde_json::Value;

use crate::authn::identity::UserInfo;

/// An object's encoded JSON, shared (see [`ObjectSource::visit_shared`]).
pub type SharedJson = Arc<dyn AsRef<[u8]> + Send + Sync>;

/// [`ObjectSource::list_objects`] for a source whose own way in is
/// [`ObjectSource::visit_objects`]: the visited objects, copied.
pub(crate) fn list_by_visiting(
    source: &(impl ObjectSource + ?Sized),
    resource: &str,
    namespace: Option<&str>,
) -> Vec<Value> {
    let mut out = Vec::new();
    source.visit_objects(resource, namespace, &mut |v| out.push(v.clone()));
    out
}

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
    /// Calls `visit` with the namespace (`""` when cluster-scoped), the name and the encoded
    /// JSON of each object [`ObjectSource::visit_objects`] visits, for readers that keep decoded
    /// objects and decode again only what changed. The store hands out the allocation it keeps,
    /// which stays the same while the object is unchanged, so such a reader tells an unchanged
    /// object by its pointer alone. The default encodes each decoded object anew.
    fn visit_shared(
        &self,
        resource: &str,
        namespace: Option<&str>,
        visit: &mut dyn FnMut(&str, &str, &SharedJson),
    ) {
        self.visit_objects(resource, namespace, &mut |v| {
            let meta = |k: &str| v["metadata"][k].as_str().unwrap_or("");
            let json: SharedJson = Arc::new(serde_json::to_vec(v).unwrap_or_default());
            visit(meta("namespace"), meta("name"), &json)
        });
    }
    /// The encoded JSON of one object (`namespace` `""` when cluster-scoped), as
    /// [`ObjectSource::visit_shared`] hands it out. `None` when absent, or when the source
    /// cannot tell changes apart (see [`ObjectSource::changed_since`]).
    fn get_shared(&self, resource: &str, namespace: &str, name: &str) -> Option<SharedJson> {
        let _ = (resource, namespace, name);
        None
    }
    /// The objects of `resource` written (created, updated or deleted) since the source's
    /// [`ObjectSource::generation_of`] was `generation`, as (namespace, name), each once; a
    /// reader holding what it read at `generation` then reads only these again (with
    /// [`ObjectSource::get_shared`]), as an informer applies events. `None`: the source cannot
    /// tell (it keeps no such record, or not that far back); read everything then.
    fn changed_since(&self, resource: &str, generation: u64) -> Option<Vec<(String, String)>> {
        let _ = (resource, generation);
        None
    }
    /// Calls `visit` with the bindings of `resource` (`rolebindings` or `clusterrolebindings`,
    /// in `namespace` or in all) that may have a subject naming `user`, in the order
    /// [`ObjectSource::visit_objects`] visits them. A source may leave out bindings that
    /// cannot apply (the RBAC view finds them by subject); the default visits every binding,
    /// so the caller checks each subject itself.
    fn visit_bindings_for(
        &self,
        resource: &str,
        namespace: Option<&str>,
        user: &UserInfo,
        visit: &mut dyn FnMut(&Value),
    ) {
        let _ = user;
        self.visit_objects(resource, namespace, visit)
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
