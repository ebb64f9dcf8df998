//! The RBAC objects decoded once per change, for the authorizer to read.
//!
//! The store keeps objects as encoded JSON, and rule resolution visits every
//! ClusterRoleBinding (and the namespace's RoleBindings) on each decision: read from the
//! store, each decision decoded them all again. kube-apiserver's RBAC authorizer reads decoded
//! objects from its informers' caches instead; so does this one. Each of the four resources
//! is decoded again only after one of its objects changed (the store's
//! [`ObjectSource::generation_of`]), so creating a RoleBinding leaves the bootstrap
//! ClusterRoles and ClusterRoleBindings as they were decoded.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use serde::Deserialize;
use serde_json::Value;

use crate::api::objects::ObjectSource;

/// The resources RBAC reads.
pub const RBAC_RESOURCES: [&str; 4] = [
    "roles",
    "rolebindings",
    "clusterroles",
    "clusterrolebindings",
];

/// One resource's objects at one generation, by (namespace, name); cluster-scoped objects
/// have the namespace `""`.
struct Part {
    generation: u64,
    objects: BTreeMap<(String, String), Arc<Value>>,
    /// The same trees by the JSON they were decoded from: the next read decodes only the
    /// objects whose JSON is not here (new or changed ones), as an informer applies events.
    by_json: HashMap<Box<[u8]>, Arc<Value>>,
}

impl Part {
    fn read(
        source: &dyn ObjectSource,
        resource: &str,
        generation: u64,
        before: Option<&Part>,
    ) -> Part {
        let mut objects = BTreeMap::new();
        let mut by_json = HashMap::new();
        source.visit_json(resource, None, &mut |json| {
            let tree = match before.and_then(|p| p.by_json.get(json)) {
                Some(t) => t.clone(),
                None => match decode(json) {
                    Some(t) => Arc::new(t),
                    None => return,
                },
            };
            let meta = |k: &str| {
                tree.pointer(&format!("/metadata/{k}"))
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string()
            };
            objects.insert((meta("namespace"), meta("name")), tree.clone());
            by_json.insert(json.into(), tree);
        });
        Part {
            generation,
            objects,
            by_json,
        }
    }
}

/// A stored object's JSON as a tree, at any depth (the store keeps what it was given).
fn decode(json: &[u8]) -> Option<Value> {
    let mut de = serde_json::Deserializer::from_slice(json);
    de.disable_recursion_limit();
    Value::deserialize(&mut de).ok()
}

/// The four resources' objects as decoded at their last change: an [`ObjectSource`] for
/// rule resolution that decodes nothing.
pub struct PolicyView {
    parts: Vec<Arc<Part>>,
}

impl PolicyView {
    fn part(&self, resource: &str) -> Option<&Part> {
        let i = RBAC_RESOURCES.iter().position(|r| *r == resource)?;
        self.parts.get(i).map(|p| p.as_ref())
    }

    fn find(&self, resource: &str, namespace: Option<&str>, name: &str) -> Option<&Arc<Value>> {
        let key = (namespace.unwrap_or("").to_string(), name.to_string());
        self.part(resource)?.objects.get(&key)
    }
}

impl ObjectSource for PolicyView {
    fn get_object(&self, resource: &str, namespace: Option<&str>, name: &str) -> Option<Value> {
        self.find(resource, namespace, name)
            .map(|v| v.as_ref().clone())
    }

    fn list_objects(&self, resource: &str, namespace: Option<&str>) -> Vec<Value> {
        let mut out = Vec::new();
        self.visit_objects(resource, namespace, &mut |v| out.push(v.clone()));
        out
    }

    fn read_object(
        &self,
        resource: &str,
        namespace: Option<&str>,
        name: &str,
        read: &mut dyn FnMut(&Value),
    ) -> bool {
        self.find(resource, namespace, name)
            .map(|v| read(v))
            .is_some()
    }

    fn visit_objects(
        &self,
        resource: &str,
        namespace: Option<&str>,
        visit: &mut dyn FnMut(&Value),
    ) {
        let Some(part) = self.part(resource) else {
            return;
        };
        match namespace {
            None => part.objects.values().for_each(|v| visit(v)),
            Some(ns) => part
                .objects
                .range((ns.to_string(), String::new())..)
                .take_while(|((n, _), _)| n == ns)
                .for_each(|(_, v)| visit(v)),
        }
    }
}

/// The parts last read, reused while their resource is unchanged.
#[derive(Default)]
pub struct PolicyCache {
    parts: Mutex<Vec<Option<Arc<Part>>>>,
}

impl PolicyCache {
    /// The view of `source` now; `None` when the source keeps no generations (read it
    /// directly then: nothing can tell when a view would be stale).
    pub fn view(&self, source: &dyn ObjectSource) -> Option<PolicyView> {
        let lock = || self.parts.lock().unwrap_or_else(|e| e.into_inner());
        let mut parts = Vec::with_capacity(RBAC_RESOURCES.len());
        for (i, resource) in RBAC_RESOURCES.iter().enumerate() {
            let generation = source.generation_of(&[resource])?;
            let before = lock().get(i).cloned().flatten();
            let part = match before {
                Some(p) if p.generation == generation => p,
                before => {
                    let part =
                        Arc::new(Part::read(source, resource, generation, before.as_deref()));
                    // Kept only if nothing changed while it was read.
                    if source.generation_of(&[resource]) == Some(generation) {
                        let mut kept = lock();
                        kept.resize(RBAC_RESOURCES.len(), None);
                        kept[i] = Some(part.clone());
                    }
                    part
                }
            };
            parts.push(part);
        }
        Some(PolicyView { parts })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::registry;
    use crate::store::{Store, WriteOptions};
    use serde_json::json;

    fn store() -> Store {
        Store::new("ca")
    }

    fn create(s: &Store, plural: &str, ns: &str, obj: Value) {
        let def = registry::find_plural(plural).unwrap();
        s.create(def, ns, obj, &WriteOptions::default()).unwrap();
    }

    fn names(view: &PolicyView, resource: &str, ns: Option<&str>) -> Vec<String> {
        let mut out = Vec::new();
        view.visit_objects(resource, ns, &mut |v| {
            out.push(v["metadata"]["name"].as_str().unwrap().to_string())
        });
        out
    }

    #[test]
    fn a_view_reads_what_the_store_holds_and_follows_its_changes() {
        let s = store();
        let cache = PolicyCache::default();
        let role = |name: &str| json!({"metadata": {"name": name}, "rules": []});
        create(&s, "roles", "default", role("a"));
        create(&s, "roles", "kube-system", role("b"));
        create(&s, "clusterroles", "", role("view"));
        let v = cache.view(&s).unwrap();
        assert_eq!(names(&v, "roles", Some("default")), ["a"]);
        assert_eq!(names(&v, "roles", None), ["a", "b"]);
        assert!(v.get_object("roles", Some("kube-system"), "b").is_some());
        assert!(v.get_object("roles", Some("default"), "b").is_none());
        assert!(v.get_object("pods", Some("default"), "a").is_none());
        assert_eq!(names(&v, "clusterroles", None), ["view"]);
        assert!(v.get_object("clusterroles", None, "view").is_some());

        // A new Role shows in the next view; the other resources' parts are the ones read
        // before (the same allocation), since they did not change.
        create(&s, "roles", "default", role("c"));
        let w = cache.view(&s).unwrap();
        assert_eq!(names(&w, "roles", Some("default")), ["a", "c"]);
        assert!(
            Arc::ptr_eq(&v.parts[2], &w.parts[2]),
            "clusterroles re-read"
        );
        assert!(!Arc::ptr_eq(&v.parts[0], &w.parts[0]), "roles not re-read");
        // ...and within the re-read roles, the unchanged ones are the trees decoded before.
        let tree = |view: &PolicyView, name: &str| {
            view.parts[0].objects[&("default".to_string(), name.to_string())].clone()
        };
        assert!(
            Arc::ptr_eq(&tree(&v, "a"), &tree(&w, "a")),
            "role a decoded again"
        );

        // A write to another resource changes nothing RBAC reads.
        create(
            &s,
            "serviceaccounts",
            "default",
            json!({"metadata": {"name": "sa"}}),
        );
        let x = cache.view(&s).unwrap();
        assert!(Arc::ptr_eq(&w.parts[0], &x.parts[0]));

        // A changed object is decoded again: the view has its new rules.
        let def = registry::find_plural("roles").unwrap();
        let rule = json!({"apiGroups": [""], "resources": ["pods"], "verbs": ["get"]});
        let changed = json!({"metadata": {"name": "c"}, "rules": [rule]});
        s.update(def, "default", "c", changed, &WriteOptions::default())
            .unwrap();
        let c = cache.view(&s).unwrap();
        let rules = c.get_object("roles", Some("default"), "c").unwrap()["rules"].clone();
        assert_eq!(rules, json!([rule]));
        assert!(Arc::ptr_eq(&tree(&w, "a"), &tree(&c, "a")));

        // Deleting shows too.
        s.delete(def, "default", "a", &Default::default()).unwrap();
        let y = cache.view(&s).unwrap();
        assert_eq!(names(&y, "roles", Some("default")), ["c"]);
    }
}
