//! `application/strategic-merge-patch+json` for the kinds the mock stores, as
//! `k8s.io/apimachinery/pkg/util/strategicpatch` applies it: a JSON merge patch, except that a
//! list whose schema field carries `x-kubernetes-patch-strategy: merge` is merged — by its
//! `x-kubernetes-patch-merge-key` for lists of objects (ServiceAccount `secrets` by `name`, PodSpec
//! `containers` by `name`, ObjectMeta `ownerReferences` by `uid`), as a set for lists of scalars
//! (ObjectMeta `finalizers`). Directives: `$patch: replace|delete` (on a map or a list element),
//! `$deleteFromPrimitiveList/<field>`, `$retainKeys`; `$setElementOrder/<field>` is accepted and
//! only affects order upstream, so it is dropped here. Every other list is replaced.
//!
//! The strategies come from `patch_strategies.json`, generated from the official OpenAPI by
//! `scripts/gen_patch_strategies.py`.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::OnceLock;

use serde_json::{Map, Value};

use crate::api::status::Status;

const STRATEGIES_JSON: &str = include_str!("patch_strategies.json");

/// (schema, field) -> merge key (`None` for a merged list of scalars).
type Strategies = HashMap<(String, String), Option<String>>;

fn strategies() -> &'static Strategies {
    static TABLE: OnceLock<Strategies> = OnceLock::new();
    TABLE.get_or_init(|| {
        let v: Value = serde_json::from_str(STRATEGIES_JSON).unwrap_or(Value::Null);
        let mut out = HashMap::new();
        for (schema, fields) in v
            .get("schemas")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            for (field, s) in fields.as_object().into_iter().flatten() {
                let strategy = s.get("strategy").and_then(Value::as_str).unwrap_or("");
                if strategy.split(',').any(|p| p == "merge") {
                    let key = s.get("key").and_then(Value::as_str).map(str::to_string);
                    out.insert((schema.clone(), field.clone()), key);
                }
            }
        }
        out
    })
}

/// Errors of `strategicpatch` that `interpretStrategicMergePatchError` (apiserver
/// `handlers/patch.go`) passes through unconverted: the generic status for a plain error, a 500
/// with no reason and the raw text.
fn bad(msg: impl Into<String>) -> Status {
    Status::unknown_error(500, msg.into())
}

/// Go's `%v` of a decoded JSON value (`map[k:v]` with sorted keys, `[a b]`), as the
/// `strategicpatch` error texts print maps.
fn go_fmt(v: &Value) -> String {
    match v {
        Value::Null => "<nil>".into(),
        Value::String(s) => s.clone(),
        Value::Array(a) => format!("[{}]", a.iter().map(go_fmt).collect::<Vec<_>>().join(" ")),
        Value::Object(o) => {
            let mut keys: Vec<&String> = o.keys().collect();
            keys.sort();
            let parts: Vec<String> = keys
                .iter()
                .map(|k| format!("{k}:{}", go_fmt(&o[*k])))
                .collect();
            format!("map[{}]", parts.join(" "))
        }
        v => v.to_string(),
    }
}

/// Applies a strategic merge patch to `original` (an object of kind `resource`).
pub fn apply(resource: &str, original: &Value, patch: &Value) -> Result<Value, Status> {
    // The handler unmarshals the patch into a `map[string]interface{}`: `null` is an empty
    // patch, any other non-object the decoder's 400.
    let empty = Map::new();
    let p = match patch {
        Value::Object(p) => p,
        Value::Null => &empty,
        other => {
            let ty = match other {
                Value::Array(_) => "array",
                Value::String(_) => "string",
                Value::Number(_) => "number",
                _ => "bool",
            };
            return Err(Status::bad_request(format!(
                "json: cannot unmarshal {ty} into Go value of type map[string]interface {{}}"
            )));
        }
    };
    let mut doc = match original {
        Value::Object(o) => o.clone(),
        _ => Map::new(),
    };
    let schema = crate::api::validation::schema_of(resource);
    Ok(match merge_map(schema, &mut doc, p)? {
        true => Value::Object(doc),
        // `$patch: delete` at the top: the object becomes empty, which validation rejects.
        false => Value::Object(Map::new()),
    })
}

/// The object schema a field holds and, for lists, the element schema.
fn child_schema(schema: Option<&str>, field: &str) -> Option<&'static str> {
    let t = crate::api::validation::schema_field(schema?, field)?;
    let t = t
        .strip_prefix("[]")
        .or_else(|| t.strip_prefix("{}"))
        .unwrap_or(t);
    (!t.is_empty()).then_some(t)
}

/// Merges `patch` into `doc`; `Ok(false)` when the patch says `$patch: delete` for this map.
fn merge_map(
    schema: Option<&str>,
    doc: &mut Map<String, Value>,
    patch: &Map<String, Value>,
) -> Result<bool, Status> {
    match patch.get("$patch").map(|v| v.as_str()) {
        None => {}
        Some(Some("delete")) => return Ok(false),
        Some(Some("replace")) => {
            doc.clear();
        }
        Some(Some("merge")) => {}
        Some(_) => {
            // `mergepatch.ErrBadPatchType`.
            let t = go_fmt(&patch["$patch"]);
            return Err(bad(format!(
                "unknown patch type: {t} in map: {}",
                go_fmt(&Value::Object(patch.clone()))
            )));
        }
    }
    for (k, pv) in patch {
        if k == "$patch" || k == "$retainKeys" || k.starts_with("$setElementOrder/") {
            continue;
        }
        if let Some(field) = k.strip_prefix("$deleteFromPrimitiveList/") {
            let remove: HashSet<String> =
                pv.as_array().into_iter().flatten().map(identity).collect();
            if let Some(Value::Array(list)) = doc.get_mut(field) {
                list.retain(|x| !remove.contains(&identity(x)));
            }
            continue;
        }
        let sub = child_schema(schema, k);
        match pv {
            Value::Null => {
                doc.remove(k);
            }
            Value::Object(po) => {
                let mut cur = match doc.remove(k) {
                    Some(Value::Object(o)) => o,
                    _ => Map::new(),
                };
                if merge_map(sub, &mut cur, po)? {
                    doc.insert(k.clone(), Value::Object(cur));
                }
            }
            Value::Array(pl) => {
                let merge = schema.and_then(|s| strategies().get(&(s.to_string(), k.clone())));
                let cur = match doc.remove(k) {
                    Some(Value::Array(l)) => l,
                    _ => Vec::new(),
                };
                let merged = match merge {
                    Some(key) => merge_list(sub, key.as_deref(), cur, pl)?,
                    None => replace_list(sub, pl)?,
                };
                doc.insert(k.clone(), Value::Array(merged));
            }
            v => {
                doc.insert(k.clone(), v.clone());
            }
        }
    }
    if let Some(keep) = patch.get("$retainKeys").and_then(Value::as_array) {
        doc.retain(|k, _| keep.iter().any(|x| x == k));
    }
    Ok(true)
}

/// A replaced list still has its directives and nulls processed, as a new value would.
fn replace_list(sub: Option<&str>, patch: &[Value]) -> Result<Vec<Value>, Status> {
    let mut out = Vec::new();
    for v in patch {
        match v {
            Value::Object(po) => {
                let mut m = Map::new();
                if merge_map(sub, &mut m, po)? {
                    out.push(Value::Object(m));
                }
            }
            v => out.push(v.clone()),
        }
    }
    Ok(out)
}

fn merge_list(
    sub: Option<&str>,
    key: Option<&str>,
    mut cur: Vec<Value>,
    patch: &[Value],
) -> Result<Vec<Value>, Status> {
    // `[{"$patch": "replace"}, ...]`: the list becomes the other elements.
    if patch
        .iter()
        .any(|v| v.get("$patch").and_then(Value::as_str) == Some("replace"))
    {
        let rest: Vec<Value> = patch
            .iter()
            .filter(|v| v.get("$patch").is_none())
            .cloned()
            .collect();
        return replace_list(sub, &rest);
    }
    let Some(key) = key else {
        // A merged list of scalars (`finalizers`): a set union keeping the original order.
        let mut seen: HashSet<String> = cur.iter().map(identity).collect();
        for v in patch {
            if seen.insert(identity(v)) {
                cur.push(v.clone());
            }
        }
        return Ok(cur);
    };
    // Each element's place is looked up by its key's identity, not by scanning the list, so a
    // large patch takes time in proportion to its size (fuzzing: 32000 containers took 110 s).
    // Removed elements leave a hole until the end, so places do not shift.
    let mut slots: Vec<Option<Value>> = cur.into_iter().map(Some).collect();
    let mut places: HashMap<String, VecDeque<usize>> = HashMap::new();
    for (i, v) in slots.iter().enumerate() {
        if let Some(kv) = v.as_ref().and_then(|v| v.get(key)) {
            places.entry(identity(kv)).or_default().push_back(i);
        }
    }
    for pv in patch {
        let Value::Object(po) = pv else {
            // The mock's own wording: upstream's text for this depends on the code path.
            return Err(bad(format!(
                "element {} of a list merged by {key} is not a map",
                go_fmt(pv)
            )));
        };
        // `mergepatch.ErrNoMergeKey`.
        let Some(kv) = po.get(key) else {
            return Err(bad(format!(
                "map: {} does not contain declared merge key: {key}",
                go_fmt(pv)
            )));
        };
        let id = identity(kv);
        // The first element with this key, as a scan from the front would find it.
        let pos = places.get_mut(&id).and_then(VecDeque::pop_front);
        let delete = po.get("$patch").and_then(Value::as_str) == Some("delete");
        match (pos, delete) {
            (Some(i), true) => slots[i] = None,
            (None, true) => {}
            (Some(i), false) => {
                let mut m = match slots[i].take() {
                    Some(Value::Object(o)) => o,
                    _ => Map::new(),
                };
                if merge_map(sub, &mut m, po)? {
                    // The merge may have changed or removed the key itself.
                    if let Some(kv) = m.get(key) {
                        let queue = places.entry(identity(kv)).or_default();
                        let at = queue.partition_point(|&j| j < i);
                        queue.insert(at, i);
                    }
                    slots[i] = Some(Value::Object(m));
                }
            }
            (None, false) => {
                let mut m = Map::new();
                if merge_map(sub, &mut m, po)? {
                    if let Some(kv) = m.get(key) {
                        places
                            .entry(identity(kv))
                            .or_default()
                            .push_back(slots.len());
                    }
                    slots.push(Some(Value::Object(m)));
                }
            }
        }
    }
    Ok(slots.into_iter().flatten().collect())
}

/// A value as text such that values equal under `Value`'s `==` (which ignores the order of
/// object keys and tells -0.0 from 0.0 apart not at all) have the same text, and unequal ones
/// different texts: the key for set and merge-key lookups.
fn identity(v: &Value) -> String {
    fn write(out: &mut String, v: &Value) {
        match v {
            Value::Object(m) => {
                let mut entries: Vec<_> = m.iter().collect();
                entries.sort_by(|a, b| a.0.cmp(b.0));
                out.push('{');
                for (k, v) in entries {
                    out.push_str(&Value::String(k.clone()).to_string());
                    out.push(':');
                    write(out, v);
                    out.push(',');
                }
                out.push('}');
            }
            Value::Array(a) => {
                out.push('[');
                for v in a {
                    write(out, v);
                    out.push(',');
                }
                out.push(']');
            }
            Value::Number(n) if n.as_f64() == Some(0.0) && n.is_f64() => out.push_str("0.0"),
            v => out.push_str(&v.to_string()),
        }
    }
    let mut out = String::new();
    write(&mut out, v);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Lookups go through an index (a scan per element was quadratic); these are the cases
    /// where the index must still find what a scan from the front finds.
    #[test]
    fn merges_find_the_first_element_with_a_key_as_a_scan_would() {
        let pod = json!({"spec": {"containers": [{"name": "a", "image": "1"},
            {"name": "a", "image": "2"}, {"name": "b", "image": "3"}]},
            "metadata": {"finalizers": ["x", "y", "x"]}});
        let merge = |patch: Value| apply("pods", &pod, &patch).unwrap();
        let out = merge(json!({"spec": {"containers": [{"name": "a", "image": "5"},
            {"name": "a", "image": "6"}]}}));
        assert_eq!(
            out["spec"]["containers"],
            json!([{"name": "a", "image": "6"}, {"name": "a", "image": "2"},
                {"name": "b", "image": "3"}])
        );
        let out = merge(
            json!({"spec": {"containers": [{"name": "a", "$patch": "delete"},
            {"name": "a", "image": "9"}, {"name": "c"}, {"name": "c", "image": "4"}]}}),
        );
        assert_eq!(
            out["spec"]["containers"],
            json!([{"name": "a", "image": "9"}, {"name": "b", "image": "3"},
                {"name": "c", "image": "4"}])
        );
        let out = merge(json!({"metadata": {"finalizers": ["y", "z", "z", {"k": 1}]}}));
        assert_eq!(
            out["metadata"]["finalizers"],
            json!(["x", "y", "x", "z", {"k": 1}])
        );
        let out = merge(json!({"metadata": {"$deleteFromPrimitiveList/finalizers": ["x"]}}));
        assert_eq!(out["metadata"]["finalizers"], json!(["y"]));
    }

    #[test]
    fn service_account_secrets_merge_by_name_image_pull_secrets_replace() {
        // In the OpenAPI only ServiceAccount `secrets` has a merge strategy; `imagePullSecrets`
        // of a ServiceAccount has none, so it is replaced.
        let sa = json!({"metadata": {"name": "x"}, "secrets": [{"name": "a"}],
            "imagePullSecrets": [{"name": "p"}]});
        let out = apply(
            "serviceaccounts",
            &sa,
            &json!({"secrets": [{"name": "b"}], "imagePullSecrets": [{"name": "q"}]}),
        )
        .unwrap();
        assert_eq!(out["secrets"], json!([{"name": "a"}, {"name": "b"}]));
        assert_eq!(out["imagePullSecrets"], json!([{"name": "q"}]));
        let out = apply(
            "serviceaccounts",
            &out,
            &json!({"secrets": [{"name": "a", "$patch": "delete"}]}),
        )
        .unwrap();
        assert_eq!(out["secrets"], json!([{"name": "b"}]));
        let out = apply(
            "serviceaccounts",
            &out,
            &json!({"secrets": [{"$patch": "replace"}, {"name": "c"}]}),
        )
        .unwrap();
        assert_eq!(out["secrets"], json!([{"name": "c"}]));
    }

    #[test]
    fn pod_containers_merge_by_name_and_nested_lists_by_their_keys() {
        let pod = json!({"metadata": {"name": "p"}, "spec": {"containers": [
            {"name": "a", "image": "x", "env": [{"name": "A", "value": "1"}], "args": ["1"]}]}});
        let out = apply(
            "pods",
            &pod,
            &json!({"spec": {"containers": [
                {"name": "a", "image": "y", "env": [{"name": "B", "value": "2"}], "args": ["2"]},
                {"name": "b", "image": "z"}]}}),
        )
        .unwrap();
        let c = &out["spec"]["containers"];
        assert_eq!(c[0]["image"], "y");
        assert_eq!(
            c[0]["env"],
            json!([{"name": "A", "value": "1"}, {"name": "B", "value": "2"}])
        );
        assert_eq!(c[0]["args"], json!(["2"]), "args has no strategy: replaced");
        assert_eq!(c[1], json!({"name": "b", "image": "z"}));
    }

    #[test]
    fn metadata_lists_and_directives() {
        let o = json!({"metadata": {"name": "x", "finalizers": ["a"], "labels": {"k": "v", "z": "1"},
            "ownerReferences": [{"uid": "1", "name": "o1", "kind": "K", "apiVersion": "v1"}]}});
        let out = apply(
            "configmaps",
            &o,
            &json!({"metadata": {"finalizers": ["b", "a"],
                "labels": {"z": null, "n": "m"},
                "ownerReferences": [{"uid": "1", "name": "o1b"}, {"uid": "2", "name": "o2", "kind": "K", "apiVersion": "v1"}]}}),
        )
        .unwrap();
        assert_eq!(out["metadata"]["finalizers"], json!(["a", "b"]));
        assert_eq!(out["metadata"]["labels"], json!({"k": "v", "n": "m"}));
        assert_eq!(out["metadata"]["ownerReferences"][0]["name"], "o1b");
        assert_eq!(out["metadata"]["ownerReferences"][1]["uid"], "2");
        let out = apply(
            "configmaps",
            &out,
            &json!({"metadata": {"$deleteFromPrimitiveList/finalizers": ["a"],
                "labels": {"$patch": "replace", "only": "this"}}}),
        )
        .unwrap();
        assert_eq!(out["metadata"]["finalizers"], json!(["b"]));
        assert_eq!(out["metadata"]["labels"], json!({"only": "this"}));
        // RBAC rules have no strategy: replaced.
        let role = json!({"metadata": {"name": "r"}, "rules": [{"verbs": ["get"]}]});
        let out = apply("roles", &role, &json!({"rules": [{"verbs": ["list"]}]})).unwrap();
        assert_eq!(out["rules"], json!([{"verbs": ["list"]}]));
    }

    /// The committed table is what the script derives from the OpenAPI documents (when they
    /// and python3 are present on this machine).
    #[test]
    fn generated_table_is_current() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        // shared/ sits beside the repository (the script's default); CI also runs the check.
        if !dir.join("../../shared/openapi").is_dir() {
            eprintln!("skipped: ../shared/openapi not present beside the repository");
            return;
        }
        let Ok(out) = std::process::Command::new("python3")
            .arg(dir.join("scripts/gen_patch_strategies.py"))
            .arg("--check")
            .output()
        else {
            eprintln!("skipped: python3 not available");
            return;
        };
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    #[test]
    fn malformed_patches_are_rejected() {
        let sa = json!({"metadata": {"name": "x"}});
        let e = apply("serviceaccounts", &sa, &json!([])).unwrap_err();
        assert_eq!(e.code, 400);
        assert_eq!(
            e.message,
            "json: cannot unmarshal array into Go value of type map[string]interface {}"
        );
        assert_eq!(apply("serviceaccounts", &sa, &Value::Null).unwrap(), sa);
        let e = apply(
            "serviceaccounts",
            &sa,
            &json!({"secrets": [{"namespace": "n", "kind": "Secret"}]}),
        )
        .unwrap_err();
        assert_eq!(e.code, 500);
        assert_eq!(
            e.message,
            "map: map[kind:Secret namespace:n] does not contain declared merge key: name"
        );
        let e = apply(
            "serviceaccounts",
            &sa,
            &json!({"metadata": {"$patch": "bogus"}}),
        )
        .unwrap_err();
        assert_eq!(
            e.message,
            "unknown patch type: bogus in map: map[$patch:bogus]"
        );
    }
}
