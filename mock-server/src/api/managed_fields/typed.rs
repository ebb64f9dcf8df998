//! Objects as the field manager sees them, and their comparison.
//!
//! kube-apiserver compares *typed Go objects*: a JSON body is first decoded into the Go struct
//! (unknown fields vanish, `omitempty` empties vanish, fields without `omitempty` appear with
//! their zero value, non-pointer structs always appear) and then walked by structured-merge-diff
//! (`typed/compare.go`). [`go_view`] reproduces the decoding on JSON, [`compare`] the walk: a
//! leaf (scalar, atomic list or map, or a list/map empty on both sides) is added, removed or
//! modified as a whole; a granular node that did not exist before is "added" itself, which is
//! what becomes `".": {}` in `FieldsV1`.

use std::cmp::Ordering;

use serde_json::{Map, Value};

use super::schema::{ListKind, Schema, Shape, TypeDef};
use super::set::{FieldSet, PathElement, SmdValue, compare_values};

/// What changed between two objects (`typed.Comparison`).
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Comparison {
    /// Paths only the new object has.
    pub added: FieldSet,
    /// Leaves both have, with different values.
    pub modified: FieldSet,
    /// Paths only the old object has.
    pub removed: FieldSet,
}

impl Comparison {
    /// Drops `fields` and everything beneath them from all three sets (`FilterFields` with an
    /// exclude filter, the strategies' reset fields).
    pub fn exclude(&mut self, fields: &FieldSet) {
        self.added = self.added.recursive_difference(fields);
        self.modified = self.modified.recursive_difference(fields);
        self.removed = self.removed.recursive_difference(fields);
    }
}

fn struct_def<'a>(schema: &'a Schema, shape: &Shape) -> Option<&'a TypeDef> {
    match shape {
        Shape::Struct { name, .. } => schema.type_def(name),
        _ => None,
    }
}

/// The zero value of a struct as Go serializes it: the fields without `omitempty` and the
/// non-pointer structs, recursively.
pub fn zero_value(schema: &Schema, shape: &Shape) -> Value {
    let Some(def) = struct_def(schema, shape) else {
        return Value::Object(Map::new());
    };
    let mut out = def.zero.clone();
    for f in &def.structs {
        if let Some(s) = def.fields.get(f) {
            out.insert(f.clone(), zero_value(schema, s));
        }
    }
    Value::Object(out)
}

/// Whether an `omitempty` field holding `v` is left out. Empty lists and maps are; so is `""`
/// (most optional strings are not pointers). `false` and `0` are kept: most optional booleans
/// and numbers are pointers, and the OpenAPI does not say which are not.
fn omitted_when_empty(shape: &Shape, v: &Value) -> bool {
    match (shape, v) {
        (Shape::List { .. }, Value::Array(a)) => a.is_empty(),
        (Shape::Map { .. }, Value::Object(m)) => m.is_empty(),
        (Shape::Scalar, Value::String(s)) => s.is_empty(),
        _ => false,
    }
}

/// `v` as the Go object decoded from it serializes (see the module docs).
pub fn go_view(schema: &Schema, shape: &Shape, v: &Value) -> Value {
    match (shape, v) {
        (Shape::Struct { .. }, Value::Object(obj)) => {
            let Some(def) = struct_def(schema, shape) else {
                return v.clone();
            };
            let mut out = Map::new();
            for (k, fv) in obj {
                let Some(fshape) = def.fields.get(k).or(def.elem.as_ref()) else {
                    continue; // unknown fields do not survive decoding
                };
                if def.structs.contains(k) {
                    let view = if fv.is_null() {
                        zero_value(schema, fshape)
                    } else {
                        go_view(schema, fshape, fv)
                    };
                    out.insert(k.clone(), view);
                } else if fv.is_null() {
                    if let Some(z) = def.zero.get(k) {
                        out.insert(k.clone(), z.clone());
                    }
                } else {
                    let view = go_view(schema, fshape, fv);
                    if def.zero.contains_key(k) || !omitted_when_empty(fshape, &view) {
                        out.insert(k.clone(), view);
                    }
                }
            }
            for (k, z) in &def.zero {
                out.entry(k.clone()).or_insert_with(|| z.clone());
            }
            for k in &def.structs {
                if !out.contains_key(k)
                    && let Some(s) = def.fields.get(k)
                {
                    out.insert(k.clone(), zero_value(schema, s));
                }
            }
            Value::Object(out)
        }
        (Shape::List { elem, .. }, Value::Array(items)) => {
            Value::Array(items.iter().map(|i| go_view(schema, elem, i)).collect())
        }
        (Shape::Map { elem, .. }, Value::Object(m)) => Value::Object(
            m.iter()
                .map(|(k, x)| (k.clone(), go_view(schema, elem, x)))
                .collect(),
        ),
        _ => v.clone(),
    }
}

/// SMD's `value.Equals`.
fn equals(a: &Value, b: &Value) -> bool {
    compare_values(a, b) == Ordering::Equal
}

struct Walker<'a> {
    schema: &'a Schema,
    path: Vec<PathElement>,
    out: Comparison,
}

/// Compares `old` with `new` (both [`go_view`]s; `None` for an absent value) as
/// `TypedValue.Compare` does.
pub fn compare(
    schema: &Schema,
    shape: &Shape,
    old: Option<&Value>,
    new: Option<&Value>,
) -> Comparison {
    let mut w = Walker {
        schema,
        path: Vec::new(),
        out: Comparison::default(),
    };
    w.node(shape, old, new);
    w.out
}

impl Walker<'_> {
    fn node(&mut self, shape: &Shape, lhs: Option<&Value>, rhs: Option<&Value>) {
        let in_leaf = match shape {
            Shape::Scalar | Shape::Untyped => self.leaf(lhs, rhs),
            Shape::Deduced => {
                let sample = rhs.or(lhs);
                if sample.is_some_and(Value::is_object) {
                    let elem = Shape::Deduced;
                    self.map(lhs, rhs, false, &|_| Some(elem.clone()))
                } else {
                    self.leaf(lhs, rhs)
                }
            }
            Shape::Struct { atomic, .. } => {
                let def = struct_def(self.schema, shape);
                let atomic = atomic.unwrap_or(def.is_some_and(|d| d.atomic));
                let field = |k: &str| -> Option<Shape> {
                    let d = def?;
                    d.fields.get(k).or(d.elem.as_ref()).cloned()
                };
                self.map(lhs, rhs, atomic, &field)
            }
            Shape::Map { elem, atomic } => self.map(lhs, rhs, *atomic, &|_| Some((**elem).clone())),
            Shape::List { elem, kind, keys } => self.list(lhs, rhs, elem, *kind, keys),
        };
        if !in_leaf && !self.path.is_empty() {
            if lhs.is_none() {
                self.out.added.insert(&self.path);
            } else if rhs.is_none() {
                self.out.removed.insert(&self.path);
            }
        }
    }

    /// `doLeaf`; returns that the node is a leaf.
    fn leaf(&mut self, lhs: Option<&Value>, rhs: Option<&Value>) -> bool {
        if self.path.is_empty() {
            return true;
        }
        match (lhs, rhs) {
            (None, _) => self.out.added.insert(&self.path),
            (_, None) => self.out.removed.insert(&self.path),
            (Some(l), Some(r)) if !equals(l, r) => self.out.modified.insert(&self.path),
            _ => {}
        }
        true
    }

    fn map(
        &mut self,
        lhs: Option<&Value>,
        rhs: Option<&Value>,
        atomic: bool,
        field: &dyn Fn(&str) -> Option<Shape>,
    ) -> bool {
        let lm = lhs.and_then(Value::as_object);
        let rm = rhs.and_then(Value::as_object);
        let empty = |m: Option<&Map<String, Value>>| m.is_none_or(Map::is_empty);
        if atomic || (empty(lm) && empty(rm)) {
            return self.leaf(lhs, rhs);
        }
        let mut keys: Vec<&String> = lm.into_iter().flat_map(Map::keys).collect();
        for k in rm.into_iter().flat_map(Map::keys) {
            if !lm.is_some_and(|m| m.contains_key(k)) {
                keys.push(k);
            }
        }
        for k in keys {
            // Undeclared fields never reach here: `go_view` dropped them.
            let Some(shape) = field(k) else { continue };
            self.path.push(PathElement::Field(k.clone()));
            self.node(&shape, lm.and_then(|m| m.get(k)), rm.and_then(|m| m.get(k)));
            self.path.pop();
        }
        false
    }

    /// The path element of a list item (`listItemToPathElement`), `None` for an item SMD
    /// rejects (it is then skipped, as the walker does after recording the error).
    fn item_element(&self, elem: &Shape, keys: &[String], item: &Value) -> Option<PathElement> {
        if keys.is_empty() {
            return match item {
                Value::Object(_) | Value::Array(_) | Value::Null => None,
                v => Some(PathElement::Value(SmdValue(v.clone()))),
            };
        }
        let obj = item.as_object()?;
        let defaults = struct_def(self.schema, elem).map(|d| &d.defaults);
        let mut fields: Vec<(String, SmdValue)> = keys
            .iter()
            .filter_map(|k| {
                let v = obj.get(k).or_else(|| defaults.and_then(|d| d.get(k)))?;
                Some((k.clone(), SmdValue(v.clone())))
            })
            .collect();
        if fields.is_empty() {
            return None;
        }
        fields.sort_by(|a, b| a.0.cmp(&b.0));
        Some(PathElement::Key(fields))
    }

    fn gather<'v>(
        &self,
        list: Option<&'v Vec<Value>>,
        elem: &Shape,
        keys: &[String],
        order: &mut Vec<PathElement>,
    ) -> Vec<(PathElement, Vec<&'v Value>)> {
        let mut out: Vec<(PathElement, Vec<&'v Value>)> = Vec::new();
        for item in list.into_iter().flatten() {
            let Some(pe) = self.item_element(elem, keys, item) else {
                continue;
            };
            match out.iter_mut().find(|(p, _)| *p == pe) {
                Some((_, vs)) => vs.push(item),
                None => {
                    if !order.contains(&pe) {
                        order.push(pe.clone());
                    }
                    out.push((pe, vec![item]));
                }
            }
        }
        out
    }

    fn list(
        &mut self,
        lhs: Option<&Value>,
        rhs: Option<&Value>,
        elem: &Shape,
        kind: ListKind,
        keys: &[String],
    ) -> bool {
        let ll = lhs.and_then(Value::as_array);
        let rl = rhs.and_then(Value::as_array);
        let empty = |l: Option<&Vec<Value>>| l.is_none_or(Vec::is_empty);
        if kind == ListKind::Atomic || (empty(ll) && empty(rl)) {
            return self.leaf(lhs, rhs);
        }
        // Items by path element, in first-seen order (lhs first), duplicates kept together.
        let mut order: Vec<PathElement> = Vec::new();
        let left = self.gather(ll, elem, keys, &mut order);
        let right = self.gather(rl, elem, keys, &mut order);
        let find = |side: &[(PathElement, Vec<&Value>)], pe: &PathElement| -> Vec<Value> {
            side.iter()
                .find(|(p, _)| p == pe)
                .map(|(_, v)| v.iter().map(|x| (*x).clone()).collect())
                .unwrap_or_default()
        };
        for pe in order {
            let (l, r) = (find(&left, &pe), find(&right, &pe));
            self.path.push(pe);
            match (l.len(), r.len()) {
                (0..=1, 0..=1) => self.node(elem, l.first(), r.first()),
                (2.., 2..) => {
                    let same = l.len() == r.len() && l.iter().zip(&r).all(|(a, b)| equals(a, b));
                    if !same {
                        self.out.modified.insert(&self.path);
                    }
                }
                (2.., _) => {
                    if let Some(r0) = r.first() {
                        self.node(elem, None, Some(r0));
                    }
                    self.out.removed.insert(&self.path);
                }
                (_, _) => {
                    if let Some(l0) = l.first() {
                        self.node(elem, Some(l0), None);
                    }
                    self.out.added.insert(&self.path);
                }
            }
            self.path.pop();
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn role_binding() -> Shape {
        Schema::get()
            .root("rbac.authorization.k8s.io/v1", "RoleBinding")
            .unwrap()
    }

    #[test]
    fn go_view_fills_zero_values_and_drops_what_go_drops() {
        let s = Schema::get();
        let v = go_view(
            s,
            &role_binding(),
            &json!({"metadata": {"name": "b", "labels": {}}, "subjects": [], "bogus": 1}),
        );
        assert_eq!(
            v,
            json!({"metadata": {"name": "b"}, "roleRef": {"apiGroup": "", "kind": "", "name": ""}})
        );
        let tr = s.root("authentication.k8s.io/v1", "TokenRequest").unwrap();
        let z = zero_value(s, &tr);
        assert_eq!(
            z,
            json!({"metadata": {}, "spec": {"audiences": null, "boundObjectRef": null, "expirationSeconds": null}, "status": {"expirationTimestamp": null, "token": ""}})
        );
    }

    #[test]
    fn an_atomic_struct_is_one_leaf_and_a_new_granular_map_is_added_itself() {
        let s = Schema::get();
        let rb = role_binding();
        let old = zero_value(s, &rb);
        let new = go_view(
            s,
            &rb,
            &json!({"metadata": {"name": "b", "labels": {"a": "1"}}, "roleRef": {"apiGroup": "g", "kind": "Role", "name": "r"}, "subjects": [{"kind": "User", "name": "u"}]}),
        );
        let c = compare(s, &rb, Some(&old), Some(&new));
        let f = PathElement::field;
        assert!(c.modified.has(&[f("roleRef")]));
        assert!(!c.modified.has(&[f("roleRef"), f("name")]));
        assert!(c.added.has(&[f("subjects")]));
        assert!(c.added.has(&[f("metadata"), f("labels")]));
        assert!(c.added.has(&[f("metadata"), f("labels"), f("a")]));
        assert!(
            !c.added.has(&[f("metadata")]),
            "metadata is a non-pointer struct"
        );
    }

    #[test]
    fn associative_lists_are_compared_by_key_with_defaulted_key_fields() {
        let s = Schema::get();
        let pod = s.root("v1", "Pod").unwrap();
        let old = go_view(
            s,
            &pod,
            &json!({"spec": {"containers": [{"name": "a", "image": "x", "ports": [{"containerPort": 80}]}]}}),
        );
        let new = go_view(
            s,
            &pod,
            &json!({"spec": {"containers": [{"name": "a", "image": "y", "ports": [{"containerPort": 80}]}, {"name": "b", "resources": {}}]}}),
        );
        let c = compare(s, &pod, Some(&old), Some(&new));
        let f = PathElement::field;
        let key = |n: &str| PathElement::Key(vec![("name".into(), SmdValue(json!(n)))]);
        assert!(
            c.modified
                .has(&[f("spec"), f("containers"), key("a"), f("image")])
        );
        assert!(c.added.has(&[f("spec"), f("containers"), key("b")]));
        assert!(
            c.added
                .has(&[f("spec"), f("containers"), key("b"), f("resources")])
        );
        assert!(
            !c.added.has(&[f("spec"), f("containers")]),
            "containers existed (null)"
        );
        let port = PathElement::Key(vec![
            ("containerPort".into(), SmdValue(json!(80))),
            ("protocol".into(), SmdValue(json!("TCP"))),
        ]);
        let unchanged = compare(s, &pod, Some(&old), Some(&old));
        assert_eq!(unchanged, Comparison::default());
        let gone = compare(
            s,
            &pod,
            Some(&old),
            Some(&go_view(
                s,
                &pod,
                &json!({"spec": {"containers": [{"name": "a", "image": "x"}]}}),
            )),
        );
        assert!(
            gone.removed
                .has(&[f("spec"), f("containers"), key("a"), f("ports"), port])
        );
    }
}
