//! `metadata.managedFields` as kube-apiserver's field manager computes them for non-apply
//! writes (create, update, every patch type, dry run, subresources), following
//! `k8s.io/apimachinery/pkg/util/managedfields/internal` and structured-merge-diff v6:
//!
//! 1. `FieldManager.Update`: the request's own `managedFields` are used when they decode and are
//!    not empty (`[]` or `[{}]` resets them), else the live object's; a subresource always
//!    uses the live object's.
//! 2. `skipNonAppliedManager`: an existing object (it has a uid) without managed fields stays
//!    without them, whatever the update; a create is always tracked.
//! 3. `structuredMergeManager` + `merge.Updater.Update`: both objects are compared as typed
//!    values ([`typed`]); every other manager loses what this write changed or removed; the
//!    writer gets what it added or modified, minus the strategy's reset fields (`status` of
//!    pods and namespaces) and the `stripMetaManager` fields (name, uid, ...). A write that
//!    owns nothing adds no entry (a ServiceAccount created with only a name has no
//!    `managedFields` at all).
//! 4. `managedFieldsUpdater`: the writer's entry is merged with its previous one and gets the
//!    current time; `capManagersManager` folds the oldest of more than 10 `Update` entries into
//!    `ancient-changes`; entries are sorted by operation, time (seconds), manager, apiVersion and
//!    subresource.
//!
//! The type facts (atomic structs, list types and keys, what a Go zero value serializes) come
//! from `managed_fields/schema.json`, generated from the official OpenAPI by
//! `scripts/gen_field_schema.py`.

pub mod schema;
pub mod set;
pub mod typed;

use serde_json::{Map, Value, json};

use crate::api::registry::{OBJECT_META_FIELDS, ResourceDef};
use schema::Schema;
use set::{FieldSet, PathElement};

/// The manager of kube-apiserver's own writes (its loopback client's User-Agent prefix).
pub const KUBE_APISERVER: &str = "kube-apiserver";
/// The manager of kube-controller-manager's controllers' writes.
pub const KUBE_CONTROLLER_MANAGER: &str = "kube-controller-manager";

/// `DefaultMaxUpdateManagers`.
const MAX_UPDATE_MANAGERS: usize = 10;
/// The bucket `capManagersManager` folds old `Update` entries into.
const ANCIENT_CHANGES: &str = "ancient-changes";
/// `validation.FieldManagerMaxLength`.
const FIELD_MANAGER_MAX_LENGTH: usize = 128;

/// The manager a write is recorded under (`managerOrUserAgent`): the `fieldManager` query
/// parameter, else the User-Agent up to its first `/`, without non-printable characters and
/// cut to 128 bytes. The field manager later names an empty result `unknown`.
pub fn manager_name(field_manager: Option<&str>, user_agent: &str) -> String {
    if let Some(m) = field_manager.filter(|m| !m.is_empty()) {
        return m.to_string();
    }
    let mut out = String::new();
    for c in user_agent.split('/').next().unwrap_or("").chars() {
        if c.is_control() || (c.is_whitespace() && c != ' ') {
            continue;
        }
        if out.len() + c.len_utf8() > FIELD_MANAGER_MAX_LENGTH {
            break;
        }
        out.push(c);
    }
    out
}

/// One write, as the field manager needs to know it.
#[derive(Clone, Copy, Debug)]
pub struct Write<'a> {
    /// The API version of the endpoint (`v1`, `rbac.authorization.k8s.io/v1`).
    pub api_version: &'a str,
    /// The kind the endpoint takes.
    pub kind: &'a str,
    /// [`manager_name`] of the request.
    pub manager: &'a str,
    /// The subresource written (`token`), or empty.
    pub subresource: &'a str,
    /// The time of the write, RFC 3339 in seconds.
    pub now: &'a str,
}

/// One `managedFields` entry, decoded.
#[derive(Clone, Debug, PartialEq)]
struct Entry {
    manager: String,
    operation: String,
    api_version: String,
    subresource: String,
    time: Option<String>,
    set: FieldSet,
}

impl Entry {
    /// `BuildManagerIdentifier`: the JSON of the entry without fields, type and time (and
    /// without the apiVersion for appliers).
    fn identity(&self) -> String {
        let mut m = Map::new();
        if !self.manager.is_empty() {
            m.insert("manager".into(), json!(self.manager));
        }
        m.insert("operation".into(), json!(self.operation));
        if self.operation != "Apply" {
            m.insert("apiVersion".into(), json!(self.api_version));
        }
        if !self.subresource.is_empty() {
            m.insert("subresource".into(), json!(self.subresource));
        }
        Value::Object(m).to_string()
    }

    fn seconds(&self) -> i64 {
        self.time
            .as_deref()
            .and_then(|t| humantime::parse_rfc3339_weak(t).ok())
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_secs() as i64)
    }

    fn encode(&self) -> Value {
        let mut m = Map::new();
        if !self.manager.is_empty() {
            m.insert("manager".into(), json!(self.manager));
        }
        m.insert("operation".into(), json!(self.operation));
        m.insert("apiVersion".into(), json!(self.api_version));
        if let Some(t) = &self.time {
            m.insert("time".into(), json!(t));
        }
        m.insert("fieldsType".into(), json!("FieldsV1"));
        m.insert("fieldsV1".into(), self.set.to_fields_v1());
        if !self.subresource.is_empty() {
            m.insert("subresource".into(), json!(self.subresource));
        }
        Value::Object(m)
    }
}

/// `DecodeManagedFields`: `None` when an entry is malformed (then the caller falls back).
fn decode(v: &Value) -> Option<Vec<Entry>> {
    let mut out: Vec<Entry> = Vec::new();
    for e in v.as_array()? {
        let s = |k: &str| e.get(k).and_then(Value::as_str).unwrap_or("").to_string();
        let operation = s("operation");
        if !matches!(operation.as_str(), "Apply" | "Update")
            || s("apiVersion").is_empty()
            || s("fieldsType") != "FieldsV1"
        {
            return None;
        }
        let set = match e.get("fieldsV1") {
            None | Some(Value::Null) => FieldSet::new(),
            Some(f) => FieldSet::from_fields_v1(f)?,
        };
        let entry = Entry {
            manager: s("manager"),
            operation,
            api_version: s("apiVersion"),
            subresource: s("subresource"),
            time: e.get("time").and_then(Value::as_str).map(str::to_string),
            set,
        };
        // Later entries of the same manager replace earlier ones (a map in Go).
        let id = entry.identity();
        out.retain(|x| x.identity() != id);
        out.push(entry);
    }
    Some(out)
}

/// `isResetManagedFields`: `[]` or `[{}]` asks to drop every entry.
fn is_reset(v: Option<&Value>) -> bool {
    match v.and_then(Value::as_array) {
        Some(a) if a.is_empty() => true,
        Some(a) => a.len() == 1 && a[0].as_object().is_some_and(Map::is_empty),
        None => false,
    }
}

/// The fields `stripMetaManager` never records.
fn strip_set() -> FieldSet {
    let mut s = FieldSet::new();
    let f = PathElement::field;
    for top in ["apiVersion", "kind", "metadata"] {
        s.insert(&[f(top)]);
    }
    for m in [
        "name",
        "namespace",
        "creationTimestamp",
        "selfLink",
        "uid",
        "clusterName",
        "generation",
        "managedFields",
        "resourceVersion",
    ] {
        s.insert(&[f("metadata"), f(m)]);
    }
    s
}

/// The strategy's `GetResetFields` for the main resource: status is written through its
/// subresource only.
fn reset_fields(kind: &str) -> FieldSet {
    let mut s = FieldSet::new();
    if matches!(kind, "Namespace" | "Pod") {
        s.insert(&[PathElement::field("status")]);
    }
    s
}

fn without_managed_fields(v: &Value) -> Value {
    let mut v = v.clone();
    if let Some(m) = v.get_mut("metadata").and_then(Value::as_object_mut) {
        m.remove("managedFields");
    }
    v
}

/// The `managedFields` after the write `w` turns `live` (`None` for a create) into `new`
/// (the object as decoded and defaulted, before the strategy prepares it; with whatever
/// `managedFields` the request carried). `None` means the object has no `managedFields`.
/// A kind the schema table does not know keeps the live object's entries.
pub fn managed_fields_after(w: &Write<'_>, live: Option<&Value>, new: &Value) -> Option<Value> {
    let schema = Schema::get();
    let live_entries = live.and_then(|l| l.pointer("/metadata/managedFields"));
    let Some(shape) = schema.root(w.api_version, w.kind) else {
        return live_entries.cloned();
    };
    let decode_or_empty = |v: Option<&Value>| v.and_then(decode).unwrap_or_default();
    let new_entries = new.pointer("/metadata/managedFields");
    let mut managed = if !w.subresource.is_empty() {
        decode_or_empty(live_entries)
    } else if is_reset(new_entries) {
        Vec::new()
    } else {
        match new_entries.and_then(decode) {
            Some(m) if !m.is_empty() => m,
            _ => decode_or_empty(live_entries),
        }
    };
    let live_uid = live
        .and_then(|l| l.pointer("/metadata/uid"))
        .and_then(Value::as_str)
        .unwrap_or("");
    if managed.is_empty() && !live_uid.is_empty() {
        return None;
    }
    let old_view = match live {
        Some(l) => typed::go_view(schema, &shape, &without_managed_fields(l)),
        None => typed::zero_value(schema, &shape),
    };
    let new_view = typed::go_view(schema, &shape, &without_managed_fields(new));
    let mut cmp = typed::compare(schema, &shape, Some(&old_view), Some(&new_view));
    cmp.exclude(&reset_fields(w.kind));
    let changed = cmp.modified.union(&cmp.added);
    // Other API versions cannot be converted here: SMD drops managers it cannot convert.
    managed.retain(|e| e.api_version == w.api_version);
    for e in &mut managed {
        let conflicts = e.set.intersection(&changed);
        e.set = e.set.difference(&conflicts).difference(&cmp.removed);
    }
    managed.retain(|e| !e.set.is_empty());
    let mine = changed.difference(&strip_set());
    if !mine.is_empty() {
        let entry = Entry {
            manager: if w.manager.is_empty() {
                "unknown".into()
            } else {
                w.manager.to_string()
            },
            operation: "Update".into(),
            api_version: w.api_version.to_string(),
            subresource: w.subresource.to_string(),
            time: Some(w.now.to_string()),
            set: mine,
        };
        let id = entry.identity();
        match managed.iter_mut().find(|e| e.identity() == id) {
            Some(prev) => {
                prev.set = entry.set.union(&prev.set);
                prev.time = entry.time;
            }
            None => managed.push(entry),
        }
    }
    cap_update_managers(&mut managed);
    if managed.is_empty() {
        return None;
    }
    managed.sort_by(|p, q| {
        (
            &p.operation,
            p.seconds(),
            &p.manager,
            &p.api_version,
            &p.subresource,
        )
            .cmp(&(
                &q.operation,
                q.seconds(),
                &q.manager,
                &q.api_version,
                &q.subresource,
            ))
    });
    Some(Value::Array(managed.iter().map(Entry::encode).collect()))
}

/// `capManagersManager.capUpdateManagers`.
fn cap_update_managers(managed: &mut Vec<Entry>) {
    let mut updaters: Vec<(i64, String)> = managed
        .iter()
        .filter(|e| e.operation == "Update")
        .map(|e| (e.seconds(), e.identity()))
        .collect();
    if updaters.len() <= MAX_UPDATE_MANAGERS {
        return;
    }
    updaters.sort();
    let mut length = updaters.len();
    let mut first_of_version: Vec<(String, String)> = Vec::new();
    for (_, id) in updaters {
        if length <= MAX_UPDATE_MANAGERS {
            break;
        }
        let Some(pos) = managed.iter().position(|e| e.identity() == id) else {
            continue;
        };
        let version = managed[pos].api_version.clone();
        let bucket_id = Entry {
            manager: ANCIENT_CHANGES.into(),
            operation: "Update".into(),
            api_version: version.clone(),
            subresource: String::new(),
            time: None,
            set: FieldSet::new(),
        }
        .identity();
        let Some((_, first)) = first_of_version
            .iter()
            .find(|(v, _)| *v == version)
            .cloned()
        else {
            first_of_version.push((version, id));
            continue;
        };
        if !managed.iter().any(|e| e.identity() == bucket_id)
            && let Some(f) = managed.iter_mut().find(|e| e.identity() == first)
        {
            f.manager = ANCIENT_CHANGES.into();
            f.subresource = String::new();
        }
        let current = managed.remove(pos);
        if let Some(bucket) = managed.iter_mut().find(|e| e.identity() == bucket_id) {
            bucket.set = current.set.union(&bucket.set);
            bucket.time = current.time;
        }
        length -= 1;
    }
}

/// Puts `entries` into `obj`'s metadata (in `ObjectMeta` field order), or removes the field.
fn set_managed_fields(obj: &mut Value, entries: Option<Value>) {
    let Some(meta) = obj.get_mut("metadata").and_then(Value::as_object_mut) else {
        return;
    };
    match entries {
        Some(e) => {
            meta.insert("managedFields".into(), e);
            let mut ordered = Map::new();
            for f in OBJECT_META_FIELDS {
                if let Some(v) = meta.remove(*f) {
                    ordered.insert((*f).into(), v);
                }
            }
            ordered.append(meta);
            *meta = ordered;
        }
        None => {
            meta.remove("managedFields");
        }
    }
}

/// Records a write of a stored object in `target`'s `managedFields`: `view` is the object as
/// decoded and defaulted (what the field manager sees), `live` the stored object (`None` for a
/// create). An empty `manager` marks a write from inside the mock (tests, seeding) that no
/// field manager sees: `target` keeps the live object's entries.
pub fn record_write(
    def: &ResourceDef,
    live: Option<&Value>,
    view: &Value,
    target: &mut Value,
    manager: &str,
    now: &str,
) {
    let entries = if manager.is_empty() {
        live.and_then(|l| l.pointer("/metadata/managedFields"))
            .cloned()
    } else {
        let w = Write {
            api_version: &def.api_version(),
            kind: def.kind,
            manager,
            subresource: "",
            now,
        };
        managed_fields_after(&w, live, view)
    };
    set_managed_fields(target, entries);
}

/// The decoding defaults (`SetDefaults_*`) of the kinds only answered, never stored:
/// `SetDefaults_TokenRequestSpec` makes `expirationSeconds` 3600.
fn decoded(kind: &str, body: &Value) -> Value {
    let mut v = body.clone();
    if kind == "TokenRequest"
        && let Some(o) = v.as_object_mut()
    {
        let spec = o.entry("spec").or_insert_with(|| json!({}));
        if let Some(spec) = spec.as_object_mut()
            && spec.get("expirationSeconds").is_none_or(Value::is_null)
        {
            spec.insert("expirationSeconds".into(), json!(3600));
        }
    }
    v
}

/// The `managedFields` of a created-but-not-stored answer (TokenRequest, the access reviews,
/// TokenReview): the REST storage returns the decoded request object, so the handler's field
/// manager entry stays in the answer. SelfSubjectRulesReview and SelfSubjectReview answers are
/// new objects and carry none.
pub fn record_answer(w: &Write<'_>, request: &Value, answer: &mut Value) {
    if matches!(w.kind, "SelfSubjectRulesReview" | "SelfSubjectReview") {
        return;
    }
    if answer.get("metadata").is_none()
        && let Some(o) = answer.as_object_mut()
    {
        o.insert("metadata".into(), json!({}));
    }
    let entries = managed_fields_after(w, None, &decoded(w.kind, request));
    if entries.is_some() {
        set_managed_fields(answer, entries);
    }
}

#[cfg(test)]
mod tests;
