//! The RBAC objects decoded once per change, for the authorizer to read.
//!
//! The store keeps objects as encoded JSON, and rule resolution reads the ClusterRoleBindings
//! (and the namespace's RoleBindings) on each decision: read from the store, each decision
//! decoded them all again. kube-apiserver's RBAC authorizer reads decoded objects from its
//! informers' caches instead; so does this one. A resource is read again only after one of
//! its objects changed (the store's [`ObjectSource::generation_of`]), and then, as an
//! informer applies events, only the objects written since ([`ObjectSource::changed_since`],
//! from the store's event log); a source that cannot tell is visited whole, decoding only new
//! and changed objects. Bindings are also found by subject, so a decision reads the few that
//! may apply to its user. Before both, `rawkube setup` took twice as long once 800 other
//! accounts had been set up in the namespace (`scripts/bench-setup-growth.sh`); before the
//! changes alone were read, visiting every Role or RoleBinding after each change still made a
//! setup 4-8% slower after 800 accounts, and took 45% of the mock's CPU after 2,000.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde::Deserialize;
use serde_json::Value;

use super::resolve::{subject_key, user_keys};
use crate::api::objects::{ObjectSource, SharedJson};
use crate::authn::identity::UserInfo;

/// The resources RBAC reads.
pub const RBAC_RESOURCES: [&str; 4] = [
    "roles",
    "rolebindings",
    "clusterroles",
    "clusterrolebindings",
];

/// One object as decoded, with the JSON it was decoded from.
#[derive(Clone)]
struct Entry {
    namespace: String,
    name: String,
    json: SharedJson,
    tree: Arc<Value>,
    /// A binding's subjects' [`subject_key`]s; empty for roles.
    subject_keys: Vec<u64>,
}

/// One resource's objects at one generation, sorted by (namespace, name) as the store keeps
/// them; cluster-scoped objects have the namespace `""`.
#[derive(Clone)]
struct Part {
    generation: u64,
    entries: Vec<Arc<Entry>>,
    /// For bindings: the entries with a subject of each key, in key order, so a decision
    /// reads the bindings that may apply to its user, not all of them. kube's authorizer
    /// visits every binding in the namespace; here, with bindings kept as JSON trees, that
    /// made each decision cost as much as all the bindings together.
    by_subject: HashMap<u64, Vec<Arc<Entry>>>,
}

impl Part {
    /// Reads `resource` again, as an informer applies events: an object the store hands out
    /// as the same allocation as in `before` is unchanged and keeps its entry; only new and
    /// changed objects are decoded. (Before, each change hashed and compared every object's
    /// whole JSON.)
    fn read(
        source: &dyn ObjectSource,
        resource: &str,
        generation: u64,
        before: Option<&Part>,
    ) -> Part {
        let prev: &[Arc<Entry>] = before.map_or(&[], |p| &p.entries);
        // Where in `prev` the next object is looked for first: unchanged objects come in the
        // same order as before, each as the same allocation, so the entry there is almost
        // always the one, told by its pointer alone; others are searched for by key. (The
        // store never hands out one allocation for two keys, and `prev` keeps each alive, so
        // equal pointers mean the same object.)
        let mut cursor = 0;
        let mut entries: Vec<Arc<Entry>> = Vec::new();
        // Whether `entries` is in key order, and where in `prev` the last one came from.
        let mut sorted = true;
        let mut last_from: Option<usize> = None;
        source.visit_shared(resource, None, &mut |namespace, name, json| {
            let same = |e: &Arc<Entry>| Arc::ptr_eq(&e.json, json);
            let at = match prev.get(cursor) {
                Some(e) if same(e) => Some(cursor),
                _ => before.and_then(|p| p.position(namespace, name)),
            };
            let old = at.map(|i| &prev[i]);
            let entry = match old {
                Some(e) if same(e) => e.clone(),
                // A source that encodes anew for each visit: the bytes tell.
                Some(e) if (*e.json).as_ref() == (**json).as_ref() => Arc::new(Entry {
                    json: json.clone(),
                    ..(**e).clone()
                }),
                _ => match Entry::decoded(namespace, name, json) {
                    Some(e) => e,
                    None => return,
                },
            };
            let in_order = match (last_from, at) {
                (Some(a), Some(b)) => a < b,
                _ => entries.last().is_none_or(|l| l.key() < entry.key()),
            };
            sorted &= in_order;
            last_from = at;
            if let Some(i) = at {
                cursor = i + 1;
            }
            entries.push(entry);
        });
        // The store visits in this order already; other sources need not.
        if !sorted {
            entries.sort_by(|a, b| a.key().cmp(&b.key()));
        }
        let mut by_subject: HashMap<u64, Vec<Arc<Entry>>> = HashMap::new();
        for e in &entries {
            for key in &e.subject_keys {
                let at = by_subject.entry(*key).or_default();
                if !at.last().is_some_and(|l| Arc::ptr_eq(l, e)) {
                    at.push(e.clone());
                }
            }
        }
        Part {
            generation,
            entries,
            by_subject,
        }
    }

    /// Brings the part to `generation` by reading again only the objects `changed` (each
    /// (namespace, name) once), as an informer applies its events: a change of one binding
    /// among thousands costs one decode and a few moves, not a visit of them all.
    fn apply(
        &mut self,
        source: &dyn ObjectSource,
        resource: &str,
        generation: u64,
        changed: &[(String, String)],
    ) {
        for (namespace, name) in changed {
            let now = source.get_shared(resource, namespace, name);
            let at = self
                .entries
                .binary_search_by(|e| e.key().cmp(&(namespace.as_str(), name.as_str())));
            if let (Ok(i), Some(json)) = (at, &now)
                && Arc::ptr_eq(&self.entries[i].json, json)
            {
                continue;
            }
            if let Ok(i) = at {
                let gone = self.entries.remove(i);
                for key in &gone.subject_keys {
                    if let Some(list) = self.by_subject.get_mut(key) {
                        list.retain(|e| !Arc::ptr_eq(e, &gone));
                        if list.is_empty() {
                            self.by_subject.remove(key);
                        }
                    }
                }
            }
            let Some(entry) = now.and_then(|json| Entry::decoded(namespace, name, &json)) else {
                continue;
            };
            let i = match at {
                Ok(i) | Err(i) => i,
            };
            self.entries.insert(i, entry.clone());
            for key in &entry.subject_keys {
                let list = self.by_subject.entry(*key).or_default();
                if list.iter().any(|e| Arc::ptr_eq(e, &entry)) {
                    continue;
                }
                let j = list.partition_point(|e| e.key() < entry.key());
                list.insert(j, entry.clone());
            }
        }
        self.generation = generation;
    }

    /// The entries with a subject that may name `user`, in order.
    fn naming(&self, user: &UserInfo) -> Vec<&Arc<Entry>> {
        let mut at: Vec<&Arc<Entry>> = user_keys(user)
            .filter_map(|k| self.by_subject.get(&k))
            .flatten()
            .collect();
        at.sort_by(|a, b| a.key().cmp(&b.key()));
        at.dedup_by(|a, b| Arc::ptr_eq(a, b));
        at
    }

    /// Where the entry of (`namespace`, `name`) is.
    fn position(&self, namespace: &str, name: &str) -> Option<usize> {
        self.entries
            .binary_search_by(|e| e.key().cmp(&(namespace, name)))
            .ok()
    }

    fn find(&self, namespace: &str, name: &str) -> Option<&Arc<Entry>> {
        self.position(namespace, name).map(|i| &self.entries[i])
    }

    /// The entries in `namespace`.
    fn in_namespace(&self, namespace: &str) -> &[Arc<Entry>] {
        let from = self
            .entries
            .partition_point(|e| e.namespace.as_str() < namespace);
        let to = self
            .entries
            .partition_point(|e| e.namespace.as_str() <= namespace);
        &self.entries[from..to]
    }
}

impl Entry {
    /// The entry for an object's JSON; `None` if it does not decode (such an object is left
    /// out of the view).
    fn decoded(namespace: &str, name: &str, json: &SharedJson) -> Option<Arc<Entry>> {
        let tree = decode((**json).as_ref())?;
        Some(Arc::new(Entry {
            namespace: namespace.to_string(),
            name: name.to_string(),
            json: json.clone(),
            subject_keys: subject_keys(&tree, namespace),
            tree: Arc::new(tree),
        }))
    }

    fn key(&self) -> (&str, &str) {
        (&self.namespace, &self.name)
    }
}

/// A stored object's JSON as a tree, at any depth (the store keeps what it was given).
fn decode(json: &[u8]) -> Option<Value> {
    let mut de = serde_json::Deserializer::from_slice(json);
    de.disable_recursion_limit();
    Value::deserialize(&mut de).ok()
}

/// The [`subject_key`]s of a binding's subjects (none for a role: it has no `subjects`).
fn subject_keys(tree: &Value, namespace: &str) -> Vec<u64> {
    tree.get("subjects")
        .and_then(Value::as_array)
        .map(|subjects| {
            subjects
                .iter()
                .filter_map(|sub| subject_key(sub, namespace))
                .collect()
        })
        .unwrap_or_default()
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
        let entry = self.part(resource)?.find(namespace.unwrap_or(""), name)?;
        Some(&entry.tree)
    }
}

impl ObjectSource for PolicyView {
    fn get_object(&self, resource: &str, namespace: Option<&str>, name: &str) -> Option<Value> {
        self.find(resource, namespace, name)
            .map(|v| v.as_ref().clone())
    }

    fn list_objects(&self, resource: &str, namespace: Option<&str>) -> Vec<Value> {
        crate::api::objects::list_by_visiting(self, resource, namespace)
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
        let entries = match namespace {
            None => &part.entries[..],
            Some(ns) => part.in_namespace(ns),
        };
        entries.iter().for_each(|e| visit(&e.tree));
    }

    fn visit_bindings_for(
        &self,
        resource: &str,
        namespace: Option<&str>,
        user: &UserInfo,
        visit: &mut dyn FnMut(&Value),
    ) {
        let Some(part) = self.part(resource) else {
            return;
        };
        part.naming(user)
            .into_iter()
            .filter(|e| namespace.is_none_or(|ns| e.namespace == ns))
            .for_each(|e| visit(&e.tree));
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
                // Only some objects changed, and the source can say which: apply those.
                Some(mut p) if let Some(changed) = source.changed_since(resource, p.generation) => {
                    // Taken out of the cache first, so that the update does not copy a
                    // part only the cache holds (a view still reading it keeps its copy).
                    {
                        let mut kept = lock();
                        if kept
                            .get(i)
                            .and_then(Option::as_ref)
                            .is_some_and(|k| Arc::ptr_eq(k, &p))
                        {
                            kept[i] = None;
                        }
                    }
                    Arc::make_mut(&mut p).apply(source, resource, generation, &changed);
                    // Kept even if the resource changed meanwhile: whatever changed after
                    // `generation` is in the next `changed_since` and read again then.
                    let mut kept = lock();
                    kept.resize(RBAC_RESOURCES.len(), None);
                    if kept[i].as_ref().is_none_or(|k| k.generation < generation) {
                        kept[i] = Some(p.clone());
                    }
                    p
                }
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
            view.parts[0].find("default", name).unwrap().tree.clone()
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

    /// After creates, updates (subjects changed too) and deletes, a view kept up to date
    /// from the store's changes holds what reading everything again holds, and got there
    /// without visiting every object.
    #[test]
    fn a_view_updated_from_the_changes_is_a_full_read() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        struct Counting(Store, AtomicUsize);
        impl ObjectSource for Counting {
            fn generation_of(&self, resources: &[&str]) -> Option<u64> {
                self.0.generation_of(resources)
            }
            fn get_object(&self, r: &str, ns: Option<&str>, name: &str) -> Option<Value> {
                self.0.get_object(r, ns, name)
            }
            fn list_objects(&self, r: &str, ns: Option<&str>) -> Vec<Value> {
                self.0.list_objects(r, ns)
            }
            fn visit_shared(
                &self,
                r: &str,
                ns: Option<&str>,
                visit: &mut dyn FnMut(&str, &str, &SharedJson),
            ) {
                self.1.fetch_add(1, Ordering::Relaxed);
                self.0.visit_shared(r, ns, visit)
            }
            fn get_shared(&self, r: &str, ns: &str, name: &str) -> Option<SharedJson> {
                self.0.get_shared(r, ns, name)
            }
            fn changed_since(&self, r: &str, generation: u64) -> Option<Vec<(String, String)>> {
                self.0.changed_since(r, generation)
            }
        }
        let s = Counting(store(), AtomicUsize::new(0));
        let binding = |name: &str, users: &[&str]| {
            let subjects: Vec<Value> = users
                .iter()
                .map(|u| json!({"kind": "User", "name": u}))
                .collect();
            json!({"metadata": {"name": name},
                "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "r"},
                "subjects": subjects})
        };
        let def = registry::find_plural("rolebindings").unwrap();
        for i in 0..20 {
            create(
                &s.0,
                "rolebindings",
                "default",
                binding(&format!("b{i:02}"), &["alice"]),
            );
        }
        let cache = PolicyCache::default();
        cache.view(&s).unwrap();
        let full_reads = s.1.load(Ordering::Relaxed);
        // Each step: one write, then the kept view must equal a fresh read of everything.
        let opts = WriteOptions::default();
        let steps: Vec<Box<dyn Fn()>> = vec![
            Box::new(|| {
                create(
                    &s.0,
                    "rolebindings",
                    "default",
                    binding("a-first", &["bob"]),
                )
            }),
            Box::new(|| {
                create(
                    &s.0,
                    "rolebindings",
                    "kube-system",
                    binding("z", &["bob", "alice"]),
                )
            }),
            Box::new(|| {
                s.0.update(
                    def,
                    "default",
                    "b05",
                    binding("b05", &["carol", "bob"]),
                    &opts,
                )
                .unwrap();
            }),
            Box::new(|| {
                s.0.delete(def, "default", "b07", &Default::default())
                    .unwrap();
            }),
            Box::new(|| {
                s.0.update(def, "default", "b05", binding("b05", &[]), &opts)
                    .unwrap();
            }),
            Box::new(|| {
                s.0.delete(def, "default", "a-first", &Default::default())
                    .unwrap();
                create(
                    &s.0,
                    "rolebindings",
                    "default",
                    binding("a-first", &["alice"]),
                );
                create(
                    &s.0,
                    "roles",
                    "default",
                    json!({"metadata": {"name": "r"}, "rules": []}),
                );
            }),
        ];
        let summary = |v: &PolicyView| {
            let part = v.part("rolebindings").unwrap();
            let entries: Vec<(String, String, Vec<u8>)> = part
                .entries
                .iter()
                .map(|e| {
                    (
                        e.namespace.clone(),
                        e.name.clone(),
                        (*e.json).as_ref().to_vec(),
                    )
                })
                .collect();
            let mut by_subject: Vec<(u64, Vec<(String, String)>)> = part
                .by_subject
                .iter()
                .map(|(k, list)| {
                    let keys = list.iter().map(|e| (e.namespace.clone(), e.name.clone()));
                    (*k, keys.collect())
                })
                .collect();
            by_subject.sort();
            (entries, by_subject)
        };
        for (i, step) in steps.iter().enumerate() {
            step();
            let kept = cache.view(&s).unwrap();
            let before = s.1.load(Ordering::Relaxed);
            let fresh = PolicyCache::default().view(&s).unwrap();
            s.1.store(before, Ordering::Relaxed);
            assert!(summary(&kept) == summary(&fresh), "step {i}");
            for user in ["alice", "bob", "carol"] {
                let u = UserInfo {
                    username: user.into(),
                    ..UserInfo::anonymous()
                };
                let names = |v: &PolicyView| -> Vec<String> {
                    let part = v.part("rolebindings").unwrap();
                    part.naming(&u).iter().map(|e| e.name.clone()).collect()
                };
                assert_eq!(names(&kept), names(&fresh), "step {i}, {user}");
            }
        }
        assert_eq!(
            s.1.load(Ordering::Relaxed),
            full_reads,
            "a change made the kept view read every object again"
        );
    }

    /// The view finds bindings by subject; reading every binding from the store must find
    /// the same rules, in the same order, for every kind of subject.
    #[test]
    fn bindings_found_by_subject_are_those_a_full_scan_finds() {
        use super::super::resolve::rules_for;
        let s = store();
        let rule =
            |verb: &str| json!([{"apiGroups": [""], "resources": ["pods"], "verbs": [verb]}]);
        create(
            &s,
            "roles",
            "default",
            json!({"metadata": {"name": "r"}, "rules": rule("get")}),
        );
        create(
            &s,
            "clusterroles",
            "",
            json!({"metadata": {"name": "c"}, "rules": rule("list")}),
        );
        let subjects = [
            json!({"kind": "User", "name": "alice"}),
            json!({"kind": "Group", "name": "devs"}),
            json!({"kind": "Group", "name": "system:authenticated"}),
            json!({"kind": "ServiceAccount", "name": "sa", "namespace": "default"}),
            // No namespace: the RoleBinding's own; a ClusterRoleBinding's applies to no one.
            json!({"kind": "ServiceAccount", "name": "sa"}),
            json!({"kind": "ServiceAccount", "name": "sa", "namespace": "kube-system"}),
            // A User subject naming a ServiceAccount's username applies to it too.
            json!({"kind": "User", "name": "system:serviceaccount:kube-system:sa"}),
        ];
        // Validation turns some away (a ClusterRoleBinding's ServiceAccount needs a namespace);
        // the others are stored.
        let mut stored = 0;
        let mut try_create = |plural: &str, ns: &str, obj: Value| {
            let def = registry::find_plural(plural).unwrap();
            stored += s.create(def, ns, obj, &WriteOptions::default()).is_ok() as usize;
        };
        for (i, subject) in subjects.iter().enumerate() {
            for (ns, role_ref) in [
                ("default", ("Role", "r")),
                ("kube-system", ("ClusterRole", "c")),
            ] {
                let rb = json!({"metadata": {"name": format!("rb{i}")},
                    "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": role_ref.0, "name": role_ref.1},
                    // Twice, and beside a subject naming no one: found once.
                    "subjects": [subject, {"kind": "User", "name": "nobody"}, subject]});
                try_create("rolebindings", ns, rb);
            }
            let crb = json!({"metadata": {"name": format!("crb{i}")},
                "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "c"},
                "subjects": [subject]});
            try_create("clusterrolebindings", "", crb);
        }
        assert_eq!(stored, 20);
        let user = |name: &str, groups: &[&str]| UserInfo {
            username: name.into(),
            groups: groups.iter().map(|g| g.to_string()).collect(),
            ..UserInfo::anonymous()
        };
        let users = [
            user("alice", &["system:authenticated"]),
            user("bob", &["devs"]),
            user(
                "system:serviceaccount:default:sa",
                &["system:serviceaccounts"],
            ),
            user("system:serviceaccount:kube-system:sa", &[]),
            user("carol", &[]),
        ];
        let view = PolicyCache::default().view(&s).unwrap();
        let mut found = 0;
        for u in &users {
            for ns in ["default", "kube-system", ""] {
                let scanned = rules_for(&s, u, ns);
                assert_eq!(rules_for(&view, u, ns), scanned, "{} in {ns:?}", u.username);
                found += scanned.0.len();
            }
        }
        assert!(found > 20, "only {found} rules found");
    }

    /// A source that visits in reverse order and encodes anew on each visit: nothing matches by
    /// pointer or by position, so the view sorts and reuses trees by their bytes.
    #[test]
    fn a_source_out_of_order_still_gives_a_sorted_view_that_reuses_unchanged_trees() {
        struct Reversed(Store);
        impl ObjectSource for Reversed {
            fn generation_of(&self, resources: &[&str]) -> Option<u64> {
                self.0.generation_of(resources)
            }
            fn get_object(&self, r: &str, ns: Option<&str>, name: &str) -> Option<Value> {
                self.0.get_object(r, ns, name)
            }
            fn list_objects(&self, r: &str, ns: Option<&str>) -> Vec<Value> {
                let mut all = self.0.list_objects(r, ns);
                all.reverse();
                all
            }
        }
        let s = Reversed(store());
        let cache = PolicyCache::default();
        let role = |name: &str| json!({"metadata": {"name": name}, "rules": []});
        for name in ["a", "b", "d"] {
            create(&s.0, "roles", "default", role(name));
        }
        let v = cache.view(&s).unwrap();
        assert_eq!(names(&v, "roles", Some("default")), ["a", "b", "d"]);
        create(&s.0, "roles", "default", role("c"));
        let w = cache.view(&s).unwrap();
        assert_eq!(names(&w, "roles", Some("default")), ["a", "b", "c", "d"]);
        let tree = |view: &PolicyView, name: &str| {
            view.parts[0].find("default", name).unwrap().tree.clone()
        };
        for name in ["a", "b", "d"] {
            assert!(
                Arc::ptr_eq(&tree(&v, name), &tree(&w, name)),
                "{name} decoded again"
            );
        }
    }
}
