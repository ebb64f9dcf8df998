//! Sets of field paths as structured-merge-diff keeps them (`fieldpath.Set`): a trie whose nodes
//! are path elements (`f:` field, `k:` list key, `v:` set value, `i:` index), with the set
//! operations the field manager needs and the `FieldsV1` encoding of `managedFields`.
//!
//! The order of path elements is SMD's `PathElement.Compare` (fields, then keys, then values,
//! then indexes; values by `value.Compare`), which is also the order `FieldsV1` is written in.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value};

/// A JSON value ordered and compared as SMD's `value.Compare` does (numbers numerically, then
/// strings, booleans, lists, maps, null).
#[derive(Clone, Debug)]
pub struct SmdValue(pub Value);

fn rank(v: &Value) -> u8 {
    match v {
        Value::Number(_) => 0,
        Value::String(_) => 1,
        Value::Bool(_) => 2,
        Value::Array(_) => 3,
        Value::Object(_) => 4,
        Value::Null => 5,
    }
}

/// SMD's `value.Compare`.
pub(super) fn compare_values(a: &Value, b: &Value) -> Ordering {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.as_i64(), y.as_i64()) {
            (Some(i), Some(j)) => i.cmp(&j),
            _ => {
                let (f, g) = (x.as_f64().unwrap_or(0.0), y.as_f64().unwrap_or(0.0));
                f.partial_cmp(&g).unwrap_or(Ordering::Equal)
            }
        },
        (Value::String(x), Value::String(y)) => x.cmp(y),
        (Value::Bool(x), Value::Bool(y)) => x.cmp(y),
        (Value::Array(x), Value::Array(y)) => {
            for (p, q) in x.iter().zip(y) {
                let c = compare_values(p, q);
                if c != Ordering::Equal {
                    return c;
                }
            }
            x.len().cmp(&y.len())
        }
        (Value::Object(x), Value::Object(y)) => {
            let mut xs: Vec<_> = x.iter().collect();
            let mut ys: Vec<_> = y.iter().collect();
            xs.sort_by(|p, q| p.0.cmp(q.0));
            ys.sort_by(|p, q| p.0.cmp(q.0));
            for ((k1, v1), (k2, v2)) in xs.iter().zip(&ys) {
                let c = k1.cmp(k2).then_with(|| compare_values(v1, v2));
                if c != Ordering::Equal {
                    return c;
                }
            }
            xs.len().cmp(&ys.len())
        }
        _ => rank(a).cmp(&rank(b)),
    }
}

impl PartialEq for SmdValue {
    fn eq(&self, other: &Self) -> bool {
        compare_values(&self.0, &other.0) == Ordering::Equal
    }
}

impl Eq for SmdValue {}

impl PartialOrd for SmdValue {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for SmdValue {
    fn cmp(&self, other: &Self) -> Ordering {
        compare_values(&self.0, &other.0)
    }
}

/// One step of a path. The variant order is SMD's: fields sort before keys, keys before
/// values, values before indexes.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum PathElement {
    /// A struct field or map key, `f:<name>`.
    Field(String),
    /// An associative list item by its key fields (sorted by name), `k:{"name":"x"}`.
    Key(Vec<(String, SmdValue)>),
    /// A set item, `v:"value"`.
    Value(SmdValue),
    /// A list position, `i:0` (only in sets read from clients; the mock never produces one).
    Index(usize),
}

impl PathElement {
    /// A field element.
    pub fn field(name: &str) -> PathElement {
        PathElement::Field(name.to_string())
    }

    /// The `FieldsV1` key of this element.
    pub fn encode(&self) -> String {
        match self {
            PathElement::Field(name) => format!("f:{name}"),
            PathElement::Key(fields) => {
                let mut m = Map::new();
                for (k, v) in fields {
                    m.insert(k.clone(), v.0.clone());
                }
                format!("k:{}", Value::Object(m))
            }
            PathElement::Value(v) => format!("v:{}", v.0),
            PathElement::Index(i) => format!("i:{i}"),
        }
    }

    /// Parses a `FieldsV1` key (`DeserializePathElement`).
    pub fn decode(s: &str) -> Option<PathElement> {
        let (kind, rest) = s.split_at_checked(2)?;
        match kind {
            "f:" => Some(PathElement::Field(rest.to_string())),
            "v:" => serde_json::from_str(rest)
                .ok()
                .map(|v| PathElement::Value(SmdValue(v))),
            "k:" => {
                let Value::Object(m) = serde_json::from_str(rest).ok()? else {
                    return None;
                };
                let mut fields: Vec<(String, SmdValue)> =
                    m.into_iter().map(|(k, v)| (k, SmdValue(v))).collect();
                fields.sort_by(|a, b| a.0.cmp(&b.0));
                Some(PathElement::Key(fields))
            }
            "i:" => rest.parse().ok().map(PathElement::Index),
            _ => None,
        }
    }
}

/// A set of paths (`fieldpath.Set`): `members` end here, `children` continue.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FieldSet {
    members: BTreeSet<PathElement>,
    children: BTreeMap<PathElement, FieldSet>,
}

impl FieldSet {
    /// The empty set.
    pub fn new() -> FieldSet {
        FieldSet::default()
    }

    /// Whether the set holds no path.
    pub fn is_empty(&self) -> bool {
        self.members.is_empty() && self.children.values().all(FieldSet::is_empty)
    }

    /// Adds one path (a non-empty list of elements).
    pub fn insert(&mut self, path: &[PathElement]) {
        match path {
            [] => {}
            [last] => {
                self.members.insert(last.clone());
            }
            [first, rest @ ..] => self.children.entry(first.clone()).or_default().insert(rest),
        }
    }

    /// Whether `path` is a member.
    pub fn has(&self, path: &[PathElement]) -> bool {
        match path {
            [] => false,
            [last] => self.members.contains(last),
            [first, rest @ ..] => self.children.get(first).is_some_and(|c| c.has(rest)),
        }
    }

    /// `Set.Union`.
    pub fn union(&self, other: &FieldSet) -> FieldSet {
        let mut out = self.clone();
        out.members.extend(other.members.iter().cloned());
        for (pe, child) in &other.children {
            let merged = match out.children.get(pe) {
                Some(mine) => mine.union(child),
                None => child.clone(),
            };
            out.children.insert(pe.clone(), merged);
        }
        out
    }

    /// `Set.Intersection`.
    pub fn intersection(&self, other: &FieldSet) -> FieldSet {
        let members = self.members.intersection(&other.members).cloned().collect();
        let children = self
            .children
            .iter()
            .filter_map(|(pe, child)| {
                let both = child.intersection(other.children.get(pe)?);
                (!both.is_empty()).then(|| (pe.clone(), both))
            })
            .collect();
        FieldSet { members, children }
    }

    /// `Set.Difference`: members of `other` leave this set's members only; its children are
    /// subtracted child by child (a member of `other` does not remove what lies beneath it).
    pub fn difference(&self, other: &FieldSet) -> FieldSet {
        let members = self.members.difference(&other.members).cloned().collect();
        let children = self
            .children
            .iter()
            .filter_map(|(pe, child)| {
                let rest = match other.children.get(pe) {
                    Some(o) => child.difference(o),
                    None => child.clone(),
                };
                (!rest.is_empty()).then(|| (pe.clone(), rest))
            })
            .collect();
        FieldSet { members, children }
    }

    /// `Set.RecursiveDifference`: also drops everything beneath a member of `other`.
    pub fn recursive_difference(&self, other: &FieldSet) -> FieldSet {
        let members = self.members.difference(&other.members).cloned().collect();
        let children = self
            .children
            .iter()
            .filter(|(pe, _)| !other.members.contains(pe))
            .filter_map(|(pe, child)| {
                let rest = match other.children.get(pe) {
                    Some(o) => child.recursive_difference(o),
                    None => child.clone(),
                };
                (!rest.is_empty()).then(|| (pe.clone(), rest))
            })
            .collect();
        FieldSet { members, children }
    }

    /// The `FieldsV1` JSON (`Set.ToJSON`): elements in SMD order, a `".": {}` entry where a
    /// member also has children.
    pub fn to_fields_v1(&self) -> Value {
        self.emit(false)
    }

    fn emit(&self, include_self: bool) -> Value {
        let mut out = Map::new();
        let has_content = !self.members.is_empty() || !self.children.is_empty();
        if include_self && has_content {
            out.insert(".".into(), Value::Object(Map::new()));
        }
        let mut keys: BTreeSet<&PathElement> = self.members.iter().collect();
        keys.extend(self.children.keys());
        for pe in keys {
            let v = match self.children.get(pe) {
                Some(child) => child.emit(self.members.contains(pe)),
                None => Value::Object(Map::new()),
            };
            out.insert(pe.encode(), v);
        }
        Value::Object(out)
    }

    /// Reads `FieldsV1` JSON (`Set.FromJSON`); `None` when it is not a well-formed trie.
    pub fn from_fields_v1(v: &Value) -> Option<FieldSet> {
        let Value::Object(m) = v else {
            return None;
        };
        let mut set = FieldSet::new();
        for (k, child) in m {
            if k == "." {
                continue;
            }
            let pe = PathElement::decode(k)?;
            let Value::Object(cm) = child else {
                return None;
            };
            if cm.contains_key(".") || cm.is_empty() {
                set.members.insert(pe.clone());
            }
            if cm.keys().any(|k| k != ".") {
                let sub = FieldSet::from_fields_v1(child)?;
                set.children.insert(pe, sub);
            }
        }
        Some(set)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn f(n: &str) -> PathElement {
        PathElement::field(n)
    }

    #[test]
    fn fields_v1_marks_members_with_children_and_orders_like_smd() {
        let mut s = FieldSet::new();
        s.insert(&[f("metadata"), f("labels")]);
        s.insert(&[f("metadata"), f("labels"), f("b")]);
        s.insert(&[f("metadata"), f("labels"), f("a")]);
        s.insert(&[f("type")]);
        let key = PathElement::Key(vec![("name".into(), SmdValue(json!("x")))]);
        s.insert(&[f("spec"), f("containers"), key.clone()]);
        s.insert(&[f("spec"), f("containers"), key, f("image")]);
        s.insert(&[
            f("spec"),
            f("finalizers"),
            PathElement::Value(SmdValue(json!("b"))),
        ]);
        s.insert(&[
            f("spec"),
            f("finalizers"),
            PathElement::Value(SmdValue(json!("a"))),
        ]);
        let v = s.to_fields_v1();
        assert_eq!(
            serde_json::to_string(&v).unwrap(),
            r#"{"f:metadata":{"f:labels":{".":{},"f:a":{},"f:b":{}}},"f:spec":{"f:containers":{"k:{\"name\":\"x\"}":{".":{},"f:image":{}}},"f:finalizers":{"v:\"a\"":{},"v:\"b\"":{}}},"f:type":{}}"#
        );
        assert_eq!(FieldSet::from_fields_v1(&v).unwrap(), s);
    }

    #[test]
    fn difference_is_not_recursive_but_recursive_difference_is() {
        let mut a = FieldSet::new();
        a.insert(&[f("status")]);
        a.insert(&[f("status"), f("phase")]);
        a.insert(&[f("spec")]);
        let mut status = FieldSet::new();
        status.insert(&[f("status")]);
        let d = a.difference(&status);
        assert!(d.has(&[f("status"), f("phase")]) && !d.has(&[f("status")]));
        let r = a.recursive_difference(&status);
        assert!(!r.has(&[f("status"), f("phase")]) && r.has(&[f("spec")]));
        assert_eq!(a.intersection(&status), status);
        assert!(a.union(&status).has(&[f("status")]));
    }

    #[test]
    fn values_order_numbers_before_strings() {
        let n = PathElement::Value(SmdValue(json!(2)));
        let s = PathElement::Value(SmdValue(json!("1")));
        assert!(n < s);
        assert!(PathElement::field("z") < PathElement::Key(Vec::new()));
        assert_eq!(PathElement::decode("i:3"), Some(PathElement::Index(3)));
        assert_eq!(PathElement::decode("x:1"), None);
    }
}
