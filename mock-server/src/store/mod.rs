//! The in-memory object store: objects as JSON keyed by (resource, namespace, name), one
//! global resourceVersion counter, and a bounded event log that feeds watches.
//!
//! It implements the generic registry semantics of kube-apiserver (apiserver-spec §5): system
//! fields on create, generateName, optimistic concurrency, create-on-update for RBAC kinds,
//! DELETE return shapes, list selectors and paging, dry-run. It also plays the controllers a
//! fresh cluster runs: every namespace gets a `default` ServiceAccount and a
//! `kube-root-ca.crt` ConfigMap, and deleting a namespace deletes what is in it.

pub mod compaction;
pub(crate) mod encoded;
pub mod paging;
pub mod selectors;

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::SystemTime;

use serde_json::{Map, Value, json};
use tokio::sync::broadcast;

use crate::api::managed_fields;
use crate::api::objects::{ObjectSource, SharedJson};
use crate::api::registry::{self, OBJECT_META_FIELDS, ResourceDef, Storage};
use crate::api::status::Status;
use crate::clock::Clock;
use crate::store::encoded::Encoded;
use crate::store::selectors::{FieldSelector, LabelSelector};

/// Namespaces that exist when the server starts.
pub const INITIAL_NAMESPACES: &[&str] =
    &["default", "kube-system", "kube-public", "kube-node-lease"];

/// How many past events the store keeps for watches that start at an old resourceVersion.
const EVENT_LOG_CAPACITY: usize = 4096;

/// The characters kube appends to a `generateName` prefix (`apimachinery/pkg/util/rand`).
const NAME_ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";

/// The type of a watch event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventType {
    /// An object was created.
    Added,
    /// An object was changed.
    Modified,
    /// An object was deleted.
    Deleted,
}

impl EventType {
    /// The wire name (`ADDED`, `MODIFIED`, `DELETED`).
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::Added => "ADDED",
            EventType::Modified => "MODIFIED",
            EventType::Deleted => "DELETED",
        }
    }
}

/// One change, as watches see it.
#[derive(Clone, Debug)]
pub struct WatchEvent {
    /// What happened.
    pub event_type: EventType,
    /// Plural resource.
    pub resource: &'static str,
    /// Namespace; empty for cluster-scoped objects.
    pub namespace: String,
    /// The object after the change (for DELETED: as it was, with the deletion's resourceVersion).
    pub object: Value,
    /// The resourceVersion of the change.
    pub resource_version: u64,
}

/// Options that apply to writes.
#[derive(Clone, Debug, Default)]
pub struct WriteOptions {
    /// `dryRun=All`: validate and answer, but persist nothing.
    pub dry_run: bool,
    /// `fieldManager`, or the User-Agent up to the first `/`.
    pub field_manager: String,
}

impl WriteOptions {
    /// A write recorded in `managedFields` under `manager`, as the cluster's own components
    /// write (`kube-apiserver` seeding, `kube-controller-manager`'s controllers).
    pub fn by(manager: &str) -> WriteOptions {
        WriteOptions {
            field_manager: manager.to_string(),
            ..WriteOptions::default()
        }
    }
}

/// DELETE options (query and `DeleteOptions` body).
#[derive(Clone, Debug, Default)]
pub struct DeleteOptions {
    /// `dryRun=All`.
    pub dry_run: bool,
    /// `preconditions.uid`.
    pub precondition_uid: Option<String>,
    /// `preconditions.resourceVersion`.
    pub precondition_resource_version: Option<String>,
}

/// What a list asks for.
#[derive(Clone, Debug, Default)]
pub struct ListOptions {
    /// `labelSelector`.
    pub label_selector: LabelSelector,
    /// `fieldSelector`.
    pub field_selector: FieldSelector,
    /// `limit` (0 = all).
    pub limit: usize,
    /// `continue` token.
    pub continue_token: Option<String>,
}

/// A list result (the `XList` object is built by the caller).
#[derive(Clone, Debug)]
pub struct ListResult {
    /// Matching objects, ordered by namespace and name; with `kind`/`apiVersion` stripped.
    pub items: Vec<Value>,
    /// The store's resourceVersion at the time of the list.
    pub resource_version: u64,
    /// A token for the next page.
    pub continue_token: Option<String>,
    /// How many matching items follow this page, when paging.
    pub remaining_item_count: Option<usize>,
}

/// A list whose items are the store's own (shared, encoded, `kind`/`apiVersion` still in them).
#[derive(Debug)]
pub(crate) struct SharedList {
    /// Matching objects in list order.
    pub items: Vec<Arc<Encoded>>,
    /// As [`ListResult::resource_version`].
    pub resource_version: u64,
    /// As [`ListResult::continue_token`].
    pub continue_token: Option<String>,
    /// As [`ListResult::remaining_item_count`].
    pub remaining_item_count: Option<usize>,
}

impl SharedList {
    /// The items decoded as list items are written: without `kind` and `apiVersion`.
    pub(crate) fn into_list(self) -> ListResult {
        let items = self
            .items
            .iter()
            .map(|e| {
                let mut v = e.value();
                // Shifted out, not swapped: the other fields keep their (Go struct) order.
                if let Value::Object(m) = &mut v {
                    m.shift_remove("kind");
                    m.shift_remove("apiVersion");
                }
                v
            })
            .collect();
        ListResult {
            items,
            resource_version: self.resource_version,
            continue_token: self.continue_token,
            remaining_item_count: self.remaining_item_count,
        }
    }

    /// Appends the items as a JSON array's elements (`,`-separated, no brackets), each as a
    /// list item is encoded: the stored bytes without `kind` and `apiVersion`, not re-encoded.
    pub(crate) fn write_items(&self, out: &mut Vec<u8>) {
        for (i, e) in self.items.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            e.write_item(out);
        }
    }

    /// The encoded size of the items, to size a list body before writing it.
    pub(crate) fn items_len(&self) -> usize {
        self.items.iter().map(|e| e.json().len() + 1).sum()
    }
}

type Key = (&'static str, String, String);

#[derive(Default)]
struct Inner {
    resource_version: u64,
    /// Counts the changes recorded (every created, updated or deleted object).
    changes: u64,
    /// Per plural resource, the value of `changes` at its last change (see
    /// [`ObjectSource::generation_of`]).
    changed_at: HashMap<&'static str, u64>,
    /// The revision of the last compaction: history up to it is gone (see [`compaction`]).
    compacted: u64,
    /// Encoded (see [`encoded`]) and shared, so a list snapshots its items under the read
    /// lock without copying them.
    objects: BTreeMap<Key, Arc<Encoded>>,
    log: VecDeque<WatchEvent>,
}

/// The store. Cheap to share behind an `Arc`.
pub struct Store {
    inner: RwLock<Inner>,
    /// What follows recent list pages (see [`paging::TailCounts`]).
    tail_counts: paging::TailCounts,
    events: broadcast::Sender<WatchEvent>,
    ca_pem: String,
    clock: Arc<Clock>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").finish_non_exhaustive()
    }
}

/// The real current time as kube writes timestamps: RFC 3339, UTC, seconds (the store and
/// the server stamp times from their [`Clock`] instead).
pub fn now_rfc3339() -> String {
    humantime::format_rfc3339_seconds(SystemTime::now()).to_string()
}

fn random_suffix() -> String {
    let bytes = uuid::Uuid::new_v4().into_bytes();
    bytes[..5]
        .iter()
        .map(|b| NAME_ALPHABET[*b as usize % NAME_ALPHABET.len()] as char)
        .collect()
}

fn meta_str<'a>(obj: &'a Value, field: &str) -> &'a str {
    obj.get("metadata")
        .and_then(|m| m.get(field))
        .and_then(Value::as_str)
        .unwrap_or("")
}

/// Puts `kind`, `apiVersion`, `metadata` first and the metadata fields in `ObjectMeta` order,
/// as a Go server serializes them.
pub fn normalize(def: &ResourceDef, obj: Value) -> Value {
    let Value::Object(mut map) = obj else {
        return obj;
    };
    let mut out = Map::new();
    out.insert("kind".into(), Value::String(def.kind.into()));
    out.insert("apiVersion".into(), Value::String(def.api_version()));
    map.remove("kind");
    map.remove("apiVersion");
    let meta = match map.remove("metadata") {
        Some(Value::Object(mut m)) => {
            let mut ordered = Map::new();
            for f in OBJECT_META_FIELDS {
                if let Some(v) = m.remove(*f) {
                    ordered.insert((*f).into(), v);
                }
            }
            ordered.extend(m);
            ordered
        }
        _ => Map::new(),
    };
    out.insert("metadata".into(), Value::Object(meta));
    for f in def.fields {
        if let Some(v) = map.remove(*f) {
            out.insert((*f).into(), v);
        }
    }
    out.extend(map);
    Value::Object(out)
}

fn set_meta(obj: &mut Value, field: &str, value: Value) {
    if let Some(Value::Object(m)) = obj.get_mut("metadata") {
        m.insert(field.into(), value);
    }
}

fn remove_meta(obj: &mut Value, field: &str) {
    if let Some(Value::Object(m)) = obj.get_mut("metadata") {
        m.remove(field);
    }
}

/// Go serializes a Role's `rules` without omitempty: an absent list is `null`.
fn fill_go_nulls(def: &ResourceDef, obj: &mut Value) {
    if let (Value::Object(map), "roles" | "clusterroles") = (obj, def.plural) {
        map.entry("rules").or_insert(Value::Null);
    }
}

/// The object without the resourceVersion every write changes, to detect no-op updates (the
/// field manager leaves `managedFields` alone when nothing changed).
fn comparable(obj: &Value) -> Value {
    let mut o = obj.clone();
    remove_meta(&mut o, "resourceVersion");
    o
}

impl Store {
    /// A store holding the initial namespaces and what their controllers create, with its
    /// own [`Clock`].
    pub fn new(ca_pem: &str) -> Store {
        Store::with_clock(ca_pem, Arc::new(Clock::new()))
    }

    /// As [`Store::new`], stamping times from `clock`.
    pub fn with_clock(ca_pem: &str, clock: Arc<Clock>) -> Store {
        let (events, _) = broadcast::channel(1024);
        let store = Store {
            inner: RwLock::new(Inner::default()),
            tail_counts: paging::TailCounts::default(),
            events,
            ca_pem: ca_pem.to_string(),
            clock,
        };
        if let Some(ns) = registry::find_plural("namespaces") {
            for name in INITIAL_NAMESPACES {
                let obj = json!({"metadata": {"name": name}});
                // Creating a fixed, valid namespace in an empty store cannot fail.
                let by = WriteOptions::by(managed_fields::KUBE_APISERVER);
                if let Err(e) = store.create(ns, "", obj, &by) {
                    tracing::error!(namespace = %name, error = %e.message, "seeding namespace failed");
                }
            }
        }
        store
    }

    fn read(&self) -> RwLockReadGuard<'_, Inner> {
        self.inner.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write(&self) -> RwLockWriteGuard<'_, Inner> {
        self.inner.write().unwrap_or_else(|e| e.into_inner())
    }

    /// The latest resourceVersion.
    pub fn resource_version(&self) -> u64 {
        self.read().resource_version
    }

    /// The CA bundle the `kube-root-ca.crt` ConfigMaps hold.
    pub fn ca_pem(&self) -> &str {
        &self.ca_pem
    }

    /// The server's clock (timestamps, token expiry); advance it to age objects and tokens.
    pub fn clock(&self) -> &Arc<Clock> {
        &self.clock
    }

    fn record(&self, inner: &mut Inner, event: WatchEvent) {
        inner.changes += 1;
        inner.changed_at.insert(event.resource, inner.changes);
        if inner.log.len() == EVENT_LOG_CAPACITY {
            inner.log.pop_front();
        }
        inner.log.push_back(event.clone());
        // No receivers is fine: nobody is watching.
        let _ = self.events.send(event);
    }

    /// Takes the next resourceVersion for a write and stamps it on `obj` (every write is one
    /// step of the one counter, as etcd's revision).
    fn next_resource_version(inner: &mut Inner, obj: &mut Value) -> u64 {
        inner.resource_version += 1;
        let rv = inner.resource_version;
        set_meta(obj, "resourceVersion", Value::String(rv.to_string()));
        rv
    }

    /// Records a write of the object at `key` for watchers.
    fn record_change(
        &self,
        inner: &mut Inner,
        event_type: EventType,
        key: &Key,
        object: Value,
        resource_version: u64,
    ) {
        self.record(
            inner,
            WatchEvent {
                event_type,
                resource: key.0,
                namespace: key.1.clone(),
                object,
                resource_version,
            },
        );
    }

    fn namespace_exists(inner: &Inner, ns: &str) -> bool {
        inner
            .objects
            .contains_key(&("namespaces", String::new(), ns.to_string()))
    }

    /// Creates an object (POST). `ns` is the URL namespace ("" for cluster-scoped).
    pub fn create(
        &self,
        def: &'static ResourceDef,
        ns: &str,
        obj: Value,
        opts: &WriteOptions,
    ) -> Result<Value, Status> {
        let mut inner = self.write();
        let created = self.create_locked(&mut inner, def, ns, obj, opts)?;
        Ok(created)
    }

    fn create_locked(
        &self,
        inner: &mut Inner,
        def: &'static ResourceDef,
        ns: &str,
        obj: Value,
        opts: &WriteOptions,
    ) -> Result<Value, Status> {
        let mut obj = prepare_body(def, ns, obj, false)?;
        if !meta_str(&obj, "resourceVersion").is_empty() {
            return Err(Status::unknown_error(
                500,
                "resourceVersion should not be set on objects to be created",
            ));
        }
        if def.namespaced && !Self::namespace_exists(inner, ns) {
            return Err(Status::namespace_not_found(ns));
        }
        // What the field manager sees: the decoded, defaulted body (before generateName and
        // the strategy's PrepareForCreate).
        let mut view = obj.clone();
        crate::api::validation::apply_defaults(def.plural, &mut view);
        let mut generated = false;
        if meta_str(&obj, "name").is_empty() {
            let prefix = meta_str(&obj, "generateName").to_string();
            if !prefix.is_empty() {
                let prefix: String = prefix.chars().take(58).collect();
                set_meta(
                    &mut obj,
                    "name",
                    Value::String(format!("{prefix}{}", random_suffix())),
                );
                generated = true;
            }
        }
        crate::api::validation::prepare_for_create(def.plural, &mut obj);
        crate::api::validation::validate(def.plural, &obj, None)?;
        let name = meta_str(&obj, "name").to_string();
        let key = key_of(def, ns, &name);
        if inner.objects.contains_key(&key) {
            return Err(if generated {
                Status::generate_name_conflict(def.group, def.plural, &name, 1)
            } else {
                Status::already_exists(def.group, def.plural, &name)
            });
        }
        for f in [
            "uid",
            "creationTimestamp",
            "deletionTimestamp",
            "deletionGracePeriodSeconds",
            "selfLink",
        ] {
            remove_meta(&mut obj, f);
        }
        let now = self.clock.now_rfc3339();
        set_meta(
            &mut obj,
            "uid",
            Value::String(uuid::Uuid::new_v4().to_string()),
        );
        set_meta(&mut obj, "creationTimestamp", Value::String(now.clone()));
        fill_go_nulls(def, &mut obj);
        let manager = opts.field_manager.as_str();
        managed_fields::record_write(def, None, &view, &mut obj, manager, &now);
        if opts.dry_run {
            return Ok(normalize(def, obj));
        }
        let rv = Self::next_resource_version(inner, &mut obj);
        let obj = normalize(def, obj);
        inner
            .objects
            .insert(key.clone(), Arc::new(Encoded::new(&obj)));
        self.record_change(inner, EventType::Added, &key, obj.clone(), rv);
        if def.plural == "namespaces" {
            self.populate_namespace(inner, &name);
        }
        Ok(obj)
    }

    /// What the serviceaccount and root-CA-publisher controllers add to a new namespace.
    fn populate_namespace(&self, inner: &mut Inner, ns: &str) {
        let seeds = [
            ("serviceaccounts", json!({"metadata": {"name": "default"}})),
            (
                "configmaps",
                json!({
                    "metadata": {
                        "name": "kube-root-ca.crt",
                        "annotations": {"kubernetes.io/description": "Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters."}
                    },
                    "data": {"ca.crt": self.ca_pem.clone()}
                }),
            ),
        ];
        let controller = WriteOptions::by(managed_fields::KUBE_CONTROLLER_MANAGER);
        for (plural, obj) in seeds {
            if let Some(def) = registry::find_plural(plural)
                && let Err(e) = self.create_locked(inner, def, ns, obj, &controller)
            {
                tracing::warn!(namespace = %ns, resource = plural, error = %e.message, "namespace controller seed failed");
            }
        }
    }

    /// One object.
    pub fn get(&self, def: &'static ResourceDef, ns: &str, name: &str) -> Result<Value, Status> {
        let key = key_of(def, ns, name);
        // Decoded after the read lock is released.
        let found = self.read().objects.get(&key).cloned();
        found
            .map(|e| e.value())
            .ok_or_else(|| Status::not_found(def.group, def.plural, name))
    }

    /// Lists objects; `ns` `None` lists across namespaces.
    pub fn list(
        &self,
        def: &'static ResourceDef,
        ns: Option<&str>,
        opts: &ListOptions,
    ) -> Result<ListResult, Status> {
        self.list_shared(def, ns, opts).map(SharedList::into_list)
    }

    /// As [`Store::list`], the items shared with the store instead of copied: the read lock is
    /// held only to pick them, and the caller encodes them after it is released.
    pub(crate) fn list_shared(
        &self,
        def: &'static ResourceDef,
        ns: Option<&str>,
        opts: &ListOptions,
    ) -> Result<SharedList, Status> {
        let cursor = opts
            .continue_token
            .as_deref()
            .map(paging::decode)
            .transpose()?;
        let inner = self.read();
        if let Some(c) = &cursor {
            compaction::check_continue(&inner, c.resource_version)?;
        }
        // Later pages report the first page's revision; a token at -1 ("latest", as a 410 for
        // a compacted token offers) reads the current one.
        let list_rv = cursor
            .as_ref()
            .and_then(|c| u64::try_from(c.resource_version).ok())
            .unwrap_or(inner.resource_version);
        // Storage keys order the list (`namespace/name` across namespaces, as etcd sorts them).
        // Within one namespace (or a cluster-scoped type) that is the map's own order, so a
        // page reads from its continue key on; across namespaces `a-b/x` sorts before `a/x`,
        // unlike the map's (namespace, name) tuples, so those keys are collected and sorted.
        let across = def.namespaced && ns.is_none();
        let start = match &cursor {
            Some(c) if !across => c.start.clone(),
            _ => String::new(),
        };
        let scope_ns = ns.unwrap_or("");
        let from = (def.plural, scope_ns.to_string(), start);
        let mut in_scope: Box<dyn Iterator<Item = (Cow<'_, str>, &Arc<Encoded>)>> = if across {
            let mut all: Vec<_> = inner
                .objects
                .range(from..)
                .take_while(|(k, _)| k.0 == def.plural)
                .map(|(k, v)| (Cow::<str>::Owned(paging::relative_key(true, &k.1, &k.2)), v))
                .filter(|(k, _)| cursor.as_ref().is_none_or(|c| **k >= *c.start))
                .collect();
            all.sort_by(|a, b| a.0.cmp(&b.0));
            Box::new(all.into_iter())
        } else {
            // One namespace (or a cluster-scoped type, namespace ""): its keys from the
            // continue key on are one range of the map, ending before `namespace + "\0"`, the
            // next namespace that could exist. Bounded by the range alone, counting what
            // follows a page (for `remainingItemCount`) compares and allocates nothing per
            // object (comparing each key took most of a paged list's time).
            let to = (def.plural, format!("{scope_ns}\0"), String::new());
            Box::new(
                inner
                    .objects
                    .range(from..to)
                    .map(|(k, v)| (Cow::Borrowed(k.2.as_str()), v)),
            )
        };
        let unfiltered = opts.label_selector == LabelSelector::default()
            && opts.field_selector == FieldSelector::default();
        // Within one scope and without selectors, what follows a page may be known from the
        // page before, while no object of this resource changed (read under the lock: no
        // write is under way).
        let generation = inner.changed_at.get(def.plural).copied().unwrap_or(0);
        let counts_tail = unfiltered && !across && opts.limit > 0;
        let known_tail = counts_tail
            .then(|| {
                let start = cursor.as_ref().map_or("", |c| c.start.as_str());
                self.tail_counts
                    .get(generation, def.plural, scope_ns, start)
            })
            .flatten();
        let mut items: Vec<(Cow<'_, str>, &Arc<Encoded>)> = Vec::new();
        let mut continue_token = None;
        let mut remaining = None;
        while let Some((k, v)) = in_scope.next() {
            if opts.limit > 0 && items.len() == opts.limit {
                // Any object after a full page, matching or not, earns a token.
                let last = items.last().map_or("", |(k, _)| k.as_ref());
                continue_token = Some(paging::encode(list_rv, last));
                if unfiltered {
                    let after = known_tail
                        .and_then(|n| n.checked_sub(opts.limit))
                        .filter(|n| *n > 0)
                        .unwrap_or_else(|| 1 + in_scope.count());
                    if counts_tail {
                        let next_start = format!("{last}\0");
                        self.tail_counts
                            .put(generation, def.plural, scope_ns, next_start, after);
                    }
                    remaining = Some(after);
                }
                break;
            }
            // Labels are decoded alone (cheap); a field selector reads the whole object.
            if unfiltered
                || ((opts.label_selector.is_empty()
                    || opts.label_selector.matches(&v.labels_only()))
                    && (opts.field_selector.is_empty() || opts.field_selector.matches(&v.value())))
            {
                items.push((k, v));
            }
        }
        let items = items.into_iter().map(|(_, v)| Arc::clone(v)).collect();
        Ok(SharedList {
            items,
            resource_version: list_rv,
            continue_token,
            remaining_item_count: remaining,
        })
    }

    /// Replaces an object (PUT). Returns the stored object and whether it was created.
    pub fn update(
        &self,
        def: &'static ResourceDef,
        ns: &str,
        name: &str,
        obj: Value,
        opts: &WriteOptions,
    ) -> Result<(Value, bool), Status> {
        let obj = prepare_body(def, ns, obj, true)?;
        let body_name = meta_str(&obj, "name");
        if body_name != name {
            return Err(Status::name_mismatch_on_update(body_name, name));
        }
        let mut inner = self.write();
        let key = key_of(def, ns, name);
        let Some(old) = inner.objects.get(&key).map(|e| e.value()) else {
            if def.create_on_update {
                let mut obj = obj;
                remove_meta(&mut obj, "resourceVersion");
                return self
                    .create_locked(&mut inner, def, ns, obj, opts)
                    .map(|o| (o, true));
            }
            return Err(Status::not_found(def.group, def.plural, name));
        };
        let updated = self.update_locked(&mut inner, def, key, old, obj, opts)?;
        Ok((updated, false))
    }

    fn update_locked(
        &self,
        inner: &mut Inner,
        def: &'static ResourceDef,
        key: Key,
        old: Value,
        mut obj: Value,
        opts: &WriteOptions,
    ) -> Result<Value, Status> {
        let name = key.2.clone();
        let want_rv = meta_str(&obj, "resourceVersion");
        if !want_rv.is_empty() && want_rv != meta_str(&old, "resourceVersion") {
            return Err(Status::conflict_modified(def.group, def.plural, &name));
        }
        crate::api::validation::apply_defaults(def.plural, &mut obj);
        let view = obj.clone();
        let manager = opts.field_manager.as_str();
        managed_fields::record_write(def, Some(&old), &view, &mut obj, manager, &now_rfc3339());
        // System fields the request left out are kept; changed ones fail validation (422).
        for f in ["uid", "creationTimestamp"] {
            if meta_str(&obj, f).is_empty() {
                match old.get("metadata").and_then(|m| m.get(f)) {
                    Some(v) => set_meta(&mut obj, f, v.clone()),
                    None => remove_meta(&mut obj, f),
                }
            }
        }
        set_meta(
            &mut obj,
            "resourceVersion",
            old.get("metadata")
                .and_then(|m| m.get("resourceVersion"))
                .cloned()
                .unwrap_or(Value::Null),
        );
        crate::api::validation::validate(def.plural, &obj, Some(&old))?;
        fill_go_nulls(def, &mut obj);
        let mut obj = normalize(def, obj);
        if comparable(&obj) == comparable(&old) {
            // A no-op update does not write, so the resourceVersion stays.
            return Ok(old);
        }
        if opts.dry_run {
            return Ok(normalize(def, obj));
        }
        let rv = Self::next_resource_version(inner, &mut obj);
        let obj = normalize(def, obj);
        inner
            .objects
            .insert(key.clone(), Arc::new(Encoded::new(&obj)));
        self.record_change(inner, EventType::Modified, &key, obj.clone(), rv);
        Ok(obj)
    }

    /// Patches an object: `apply` computes the new object from the current one (under the
    /// write lock, so the read-modify-write is atomic).
    pub fn patch(
        &self,
        def: &'static ResourceDef,
        ns: &str,
        name: &str,
        apply: impl FnOnce(&Value) -> Result<Value, Status>,
        opts: &WriteOptions,
    ) -> Result<Value, Status> {
        let mut inner = self.write();
        let key = key_of(def, ns, name);
        let Some(old) = inner.objects.get(&key).map(|e| e.value()) else {
            return Err(Status::not_found(def.group, def.plural, name));
        };
        let patched = apply(&old)?;
        if !patched.is_object() {
            return Err(Status::bad_request(
                "the patch did not produce a JSON object",
            ));
        }
        if meta_str(&patched, "name") != name {
            return Err(Status::name_mismatch_on_update(
                meta_str(&patched, "name"),
                name,
            ));
        }
        let patched = prepare_body(def, ns, patched, true)?;
        self.update_locked(&mut inner, def, key, old, patched, opts)
    }

    /// Deletes one object; returns it as it was deleted (with the deletion's resourceVersion).
    pub fn delete(
        &self,
        def: &'static ResourceDef,
        ns: &str,
        name: &str,
        opts: &DeleteOptions,
    ) -> Result<Value, Status> {
        let mut inner = self.write();
        let key = key_of(def, ns, name);
        let Some(old) = inner.objects.get(&key).map(|e| e.value()) else {
            return Err(Status::not_found(def.group, def.plural, name));
        };
        if let Some(uid) = &opts.precondition_uid {
            let have = meta_str(&old, "uid");
            if uid != have {
                return Err(Status::conflict(
                    def.group,
                    def.plural,
                    name,
                    &format!(
                        "Precondition failed: UID in precondition: {uid}, UID in object meta: {have}"
                    ),
                ));
            }
        }
        if let Some(rv) = &opts.precondition_resource_version {
            let have = meta_str(&old, "resourceVersion");
            if rv != have {
                return Err(Status::conflict(
                    def.group,
                    def.plural,
                    name,
                    &format!(
                        "Precondition failed: ResourceVersion in precondition: {rv}, ResourceVersion in object meta: {have}"
                    ),
                ));
            }
        }
        let mut gone = old;
        if def.plural == "namespaces" {
            // The real server answers with the namespace in phase Terminating; its
            // controller then empties and removes it. Here that happens at once.
            set_meta(
                &mut gone,
                "deletionTimestamp",
                Value::String(self.clock.now_rfc3339()),
            );
            if let Value::Object(m) = &mut gone {
                m.insert("status".into(), json!({"phase": "Terminating"}));
            }
        }
        if opts.dry_run {
            return Ok(gone);
        }
        inner.objects.remove(&key);
        let rv = Self::next_resource_version(&mut inner, &mut gone);
        self.record_change(&mut inner, EventType::Deleted, &key, gone.clone(), rv);
        if def.plural == "namespaces" {
            let contents: Vec<Key> = inner
                .objects
                .keys()
                .filter(|k| k.1 == name && registry::find_plural(k.0).is_some_and(|d| d.namespaced))
                .cloned()
                .collect();
            for k in contents {
                if let Some(mut obj) = inner.objects.remove(&k).map(|e| e.value()) {
                    let rv = Self::next_resource_version(&mut inner, &mut obj);
                    self.record_change(&mut inner, EventType::Deleted, &k, obj, rv);
                }
            }
        }
        Ok(gone)
    }

    /// Starts a watch: the events to send first, and a receiver for what follows.
    ///
    /// `from` is the `resourceVersion` parameter: `None` (or 0) sends an ADDED event for every
    /// current object first; otherwise every logged event after it is replayed. A version
    /// older than the log reaches gives `410 Expired`.
    pub fn watch(
        &self,
        def: &'static ResourceDef,
        ns: Option<&str>,
        from: Option<u64>,
    ) -> Result<(Vec<WatchEvent>, broadcast::Receiver<WatchEvent>), Status> {
        let inner = self.read();
        // Subscribing under the lock: no write can slip between the snapshot and the stream.
        let rx = self.events.subscribe();
        let in_scope = |plural: &str, n: &str| plural == def.plural && ns.is_none_or(|x| x == n);
        let initial = match from {
            None | Some(0) => inner
                .objects
                .iter()
                .filter(|(k, _)| in_scope(k.0, &k.1))
                .map(|(k, e)| {
                    let object = e.value();
                    WatchEvent {
                        event_type: EventType::Added,
                        resource: def.plural,
                        namespace: k.1.clone(),
                        resource_version: meta_str(&object, "resourceVersion").parse().unwrap_or(0),
                        object,
                    }
                })
                .collect(),
            Some(rv) => {
                let oldest = inner
                    .log
                    .front()
                    .map(|e| e.resource_version)
                    .unwrap_or(inner.resource_version + 1);
                if rv + 1 < oldest && rv < inner.resource_version {
                    return Err(Status::expired(format!(
                        "too old resource version: {rv} ({})",
                        oldest.saturating_sub(1)
                    )));
                }
                inner
                    .log
                    .iter()
                    .filter(|e| e.resource_version > rv && in_scope(e.resource, &e.namespace))
                    .cloned()
                    .collect()
            }
        };
        Ok((initial, rx))
    }

    /// Every future change of every resource, e.g. for controllers (token secrets) that react
    /// to writes. Events are delivered after the write is visible.
    pub fn subscribe(&self) -> broadcast::Receiver<WatchEvent> {
        self.events.subscribe()
    }

    /// The number of stored objects.
    pub fn len(&self) -> usize {
        self.read().objects.len()
    }

    /// Whether the store holds no objects.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

fn key_of(def: &'static ResourceDef, ns: &str, name: &str) -> Key {
    (
        def.plural,
        if def.namespaced {
            ns.to_string()
        } else {
            String::new()
        },
        name.to_string(),
    )
}

/// Checks a request body against the URL and the kind: body must be an object of the right
/// kind/apiVersion (when given), the namespace must match the URL's (and is filled from it),
/// cluster-scoped objects lose any namespace.
fn prepare_body(def: &ResourceDef, ns: &str, obj: Value, update: bool) -> Result<Value, Status> {
    let Value::Object(mut map) = obj else {
        return Err(Status::bad_request(format!(
            "{} in version \"{}\" cannot be handled as a {}: the body is not a JSON object",
            def.kind, def.version, def.kind
        )));
    };
    let field = |k: &str| map.get(k).and_then(Value::as_str).unwrap_or("");
    if let Some(s) = crate::api::decode_errors::wrong_type(def, field("apiVersion"), field("kind"))
    {
        return Err(s);
    }
    let meta = map
        .entry("metadata")
        .or_insert_with(|| Value::Object(Map::new()));
    let Value::Object(meta) = meta else {
        return Err(Status::bad_request(format!(
            "{} in version \"{}\" cannot be handled as a {}: metadata is not an object",
            def.kind, def.version, def.kind
        )));
    };
    if def.namespaced {
        let body_ns = meta.get("namespace").and_then(Value::as_str).unwrap_or("");
        if body_ns.is_empty() {
            meta.insert("namespace".into(), Value::String(ns.to_string()));
        } else if body_ns != ns {
            return Err(if update {
                Status::namespace_mismatch_on_update(body_ns, ns)
            } else {
                Status::namespace_mismatch()
            });
        }
    } else {
        meta.remove("namespace");
    }
    Ok(Value::Object(map))
}

impl ObjectSource for Store {
    fn generation(&self) -> Option<u64> {
        Some(self.read().changes)
    }

    fn generation_of(&self, resources: &[&str]) -> Option<u64> {
        let inner = self.read();
        Some(
            resources
                .iter()
                .filter_map(|r| inner.changed_at.get(r).copied())
                .max()
                .unwrap_or(0),
        )
    }

    fn get_object(&self, resource: &str, namespace: Option<&str>, name: &str) -> Option<Value> {
        let def = registry::find_plural(resource)?;
        if def.storage != Storage::Stored {
            return None;
        }
        self.get(def, namespace.unwrap_or(""), name).ok()
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
        let Some(def) = registry::find_plural(resource) else {
            return false;
        };
        if def.storage != Storage::Stored {
            return false;
        }
        let inner = self.read();
        match inner
            .objects
            .get(&key_of(def, namespace.unwrap_or(""), name))
        {
            Some(e) => {
                read(&e.value());
                true
            }
            None => false,
        }
    }

    fn visit_objects(
        &self,
        resource: &str,
        namespace: Option<&str>,
        visit: &mut dyn FnMut(&Value),
    ) {
        self.visit_encoded(resource, namespace, &mut |e| visit(&e.value()));
    }

    fn visit_shared(
        &self,
        resource: &str,
        namespace: Option<&str>,
        visit: &mut dyn FnMut(&str, &str, &SharedJson),
    ) {
        self.visit_keyed(resource, namespace, &mut |(_, ns, name), e| {
            visit(ns, name, &(e.clone() as SharedJson))
        });
    }

    fn get_shared(&self, resource: &str, namespace: &str, name: &str) -> Option<SharedJson> {
        let def = registry::find_plural(resource)?;
        let key = (def.plural, namespace.to_string(), name.to_string());
        let shared: SharedJson = self.read().objects.get(&key)?.clone();
        Some(shared)
    }

    /// From the event log: every recorded change is one step of `changes` and one event, so
    /// the changes after `generation` are the log's last `changes - generation` events.
    fn changed_since(&self, resource: &str, generation: u64) -> Option<Vec<(String, String)>> {
        let inner = self.read();
        let newer = usize::try_from(inner.changes.checked_sub(generation)?).ok()?;
        let skip = inner.log.len().checked_sub(newer)?;
        let mut keys: Vec<(String, String)> = inner
            .log
            .iter()
            .skip(skip)
            .filter(|e| e.resource == resource)
            .map(|e| {
                let name = e.object["metadata"]["name"].as_str().unwrap_or("");
                (e.namespace.clone(), name.to_string())
            })
            .collect();
        keys.sort();
        keys.dedup();
        Some(keys)
    }
}

impl Store {
    /// Calls `visit` with each stored object of `resource` (in `namespace`, or in all).
    fn visit_encoded(
        &self,
        resource: &str,
        namespace: Option<&str>,
        visit: &mut dyn FnMut(&Encoded),
    ) {
        self.visit_keyed(resource, namespace, &mut |_, e| visit(e));
    }

    /// [`Store::visit_encoded`] with each object's key and shared encoding.
    fn visit_keyed(
        &self,
        resource: &str,
        namespace: Option<&str>,
        visit: &mut dyn FnMut(&Key, &Arc<Encoded>),
    ) {
        let Some(def) = registry::find_plural(resource) else {
            return;
        };
        let inner = self.read();
        // Keys sort by (resource, namespace, name): read only this resource's (and
        // namespace's) range, not every stored object.
        let from = (
            def.plural,
            namespace.unwrap_or("").to_string(),
            String::new(),
        );
        inner
            .objects
            .range(from..)
            .take_while(|(k, _)| k.0 == def.plural && namespace.is_none_or(|n| k.1 == n))
            .for_each(|(k, e)| visit(k, e));
    }
}

/// A shared store handle.
pub type SharedStore = Arc<Store>;

#[cfg(test)]
mod tests;
