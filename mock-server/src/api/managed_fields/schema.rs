//! The type facts of `schema.json` (generated from the official OpenAPI by
//! `scripts/gen_field_schema.py`), in the form structured-merge-diff's walkers need them.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::OnceLock;

use serde_json::{Map, Value};

const SCHEMA_JSON: &str = include_str!("schema.json");

/// How a list's items are owned (`x-kubernetes-list-type`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ListKind {
    /// The list is one leaf.
    Atomic,
    /// Items are scalars owned one by one (`v:`).
    Set,
    /// Items are objects owned by their key fields (`k:`).
    Map,
}

/// The shape of a value (an SMD `TypeRef` resolved to the parts that matter here).
#[derive(Clone, Debug, PartialEq)]
pub enum Shape {
    /// A scalar: one leaf.
    Scalar,
    /// `__untyped_atomic_`: whatever it holds is one leaf.
    Untyped,
    /// `__untyped_deduced_`: maps are walked key by key, lists and scalars are leaves.
    Deduced,
    /// A named struct; `atomic` overrides the type's own map type when the property sets one.
    Struct {
        /// The schema name.
        name: String,
        /// The property's `x-kubernetes-map-type` override.
        atomic: Option<bool>,
    },
    /// A list.
    List {
        /// The item shape.
        elem: Box<Shape>,
        /// How items are owned.
        kind: ListKind,
        /// Key fields of a `map` list.
        keys: Vec<String>,
    },
    /// A map with free keys (`additionalProperties`).
    Map {
        /// The value shape.
        elem: Box<Shape>,
        /// `x-kubernetes-map-type: atomic`.
        atomic: bool,
    },
}

/// One struct type.
#[derive(Clone, Debug, Default)]
pub struct TypeDef {
    /// Declared fields.
    pub fields: BTreeMap<String, Shape>,
    /// `x-kubernetes-map-type: atomic`: the whole struct is one leaf.
    pub atomic: bool,
    /// The shape of undeclared fields (`x-kubernetes-preserve-unknown-fields`); `None` drops them,
    /// as Go's decoder does.
    pub elem: Option<Shape>,
    /// Fields a Go zero value still serializes (no `omitempty`), with that value.
    pub zero: Map<String, Value>,
    /// Non-pointer struct fields (always serialized).
    pub structs: HashSet<String>,
    /// Scalar defaults (list map keys missing from an item take them).
    pub defaults: Map<String, Value>,
}

/// The whole table.
#[derive(Debug, Default)]
pub struct Schema {
    types: HashMap<String, TypeDef>,
    roots: HashMap<String, String>,
    kinds: HashSet<String>,
}

fn parse_shape(v: &Value) -> Shape {
    match v {
        Value::String(s) if s == "S" => Shape::Scalar,
        Value::String(s) if s == "D" => Shape::Deduced,
        Value::Object(o) => {
            if let Some(name) = o.get("ref").and_then(Value::as_str) {
                Shape::Struct {
                    name: name.to_string(),
                    atomic: o.get("er").and_then(Value::as_str).map(|e| e == "atomic"),
                }
            } else if let Some(elem) = o.get("list") {
                let kind = match o.get("type").and_then(Value::as_str) {
                    Some("set") => ListKind::Set,
                    Some("map") => ListKind::Map,
                    _ => ListKind::Atomic,
                };
                let keys = o
                    .get("keys")
                    .and_then(Value::as_array)
                    .map(|ks| {
                        ks.iter()
                            .filter_map(Value::as_str)
                            .map(str::to_string)
                            .collect()
                    })
                    .unwrap_or_default();
                Shape::List {
                    elem: Box::new(parse_shape(elem)),
                    kind,
                    keys,
                }
            } else if let Some(elem) = o.get("map") {
                Shape::Map {
                    elem: Box::new(parse_shape(elem)),
                    atomic: o.get("atomic").and_then(Value::as_bool).unwrap_or(false),
                }
            } else {
                Shape::Untyped
            }
        }
        _ => Shape::Untyped,
    }
}

fn parse_type(v: &Value) -> TypeDef {
    let obj = |k: &str| {
        v.get(k)
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default()
    };
    TypeDef {
        fields: obj("fields")
            .iter()
            .map(|(k, s)| (k.clone(), parse_shape(s)))
            .collect(),
        atomic: v.get("atomic").and_then(Value::as_bool).unwrap_or(false),
        elem: v.get("elem").map(parse_shape),
        zero: obj("zero"),
        structs: strings(v, "structs"),
        defaults: obj("defaults"),
    }
}

/// The strings of the array at `v[key]` (none when it is missing).
fn strings<C: FromIterator<String>>(v: &Value, key: &str) -> C {
    v.get(key)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_string)
        .collect()
}

impl Schema {
    /// The table compiled into the binary.
    pub fn get() -> &'static Schema {
        static SCHEMA: OnceLock<Schema> = OnceLock::new();
        SCHEMA.get_or_init(|| {
            let v: Value = serde_json::from_str(SCHEMA_JSON).unwrap_or(Value::Null);
            let map = |k: &str| {
                v.get(k)
                    .and_then(Value::as_object)
                    .cloned()
                    .unwrap_or_default()
            };
            Schema {
                types: map("types")
                    .iter()
                    .map(|(k, t)| (k.clone(), parse_type(t)))
                    .collect(),
                roots: map("roots")
                    .iter()
                    .filter_map(|(k, t)| Some((k.clone(), t.as_str()?.to_string())))
                    .collect(),
                kinds: strings(&v, "kinds"),
            }
        })
    }

    /// The root shape of `kind` in `api_version` (e.g. `v1`, `Secret`), if the table has it.
    pub fn root(&self, api_version: &str, kind: &str) -> Option<Shape> {
        let name = self.roots.get(&format!("{api_version} {kind}"))?;
        Some(Shape::Struct {
            name: name.clone(),
            atomic: None,
        })
    }

    /// A struct type by name.
    pub fn type_def(&self, name: &str) -> Option<&TypeDef> {
        self.types.get(name)
    }

    /// Whether the scheme registers `kind` in `api_version` (any kind the OpenAPI declares).
    pub fn is_registered(&self, api_version: &str, kind: &str) -> bool {
        self.kinds.contains(&format!("{api_version} {kind}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_generated_table_has_the_facts_the_field_manager_relies_on() {
        let s = Schema::get();
        let role_ref = s.type_def("io.k8s.api.rbac.v1.RoleRef").unwrap();
        assert!(role_ref.atomic, "roleRef is +structType=atomic");
        let role = s.type_def("io.k8s.api.rbac.v1.Role").unwrap();
        assert!(matches!(
            role.fields["rules"],
            Shape::List {
                kind: ListKind::Atomic,
                ..
            }
        ));
        assert_eq!(role.zero["rules"], Value::Null, "rules has no omitempty");
        let meta = s
            .type_def("io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta")
            .unwrap();
        assert!(
            matches!(&meta.fields["ownerReferences"], Shape::List { kind: ListKind::Map, keys, .. } if keys == &["uid"])
        );
        assert!(matches!(
            &meta.fields["finalizers"],
            Shape::List {
                kind: ListKind::Set,
                ..
            }
        ));
        let port = s.type_def("io.k8s.api.core.v1.ContainerPort").unwrap();
        assert_eq!(port.defaults["protocol"], "TCP");
        assert!(s.root("v1", "Secret").is_some());
        assert!(s.is_registered("v1", "Secret"));
        assert!(!s.is_registered("v1", "Role"));
        assert!(s.is_registered("rbac.authorization.k8s.io/v1", "Role"));
    }
}
