//! One stored object as its JSON encoding.
//!
//! A decoded object costs far more than its text: with `preserve_order` every JSON object in
//! it is its own `IndexMap` (a small ConfigMap with `managedFields`: ~7 KB decoded, ~600
//! bytes encoded). The store keeps the bytes and decodes an object only where code needs the
//! tree; a list splices the bytes into its body without decoding or re-encoding them.

use serde::Deserialize;
use serde_json::Value;

/// An object's compact JSON, as [`crate::api::status::encode_json`] writes it (Go's escaping,
/// the object's own key order), without the trailing newline.
#[derive(Debug)]
pub(crate) struct Encoded {
    json: Box<[u8]>,
    /// Where the fields after `kind` and `apiVersion` start, when the object begins with
    /// those two (as every normalized object does); 0 when it does not.
    item_start: u32,
}

/// The JSON, as readers outside the store see it ([`crate::api::objects::SharedJson`]).
impl AsRef<[u8]> for Encoded {
    fn as_ref(&self) -> &[u8] {
        &self.json
    }
}

impl Encoded {
    /// Encodes `obj`.
    pub(crate) fn new(obj: &Value) -> Encoded {
        let mut json = crate::api::status::encode_json(obj);
        json.pop();
        let item_start = head_len(obj, &json).unwrap_or(0);
        Encoded {
            json: json.into_boxed_slice(),
            item_start,
        }
    }

    /// The object as a tree.
    pub(crate) fn value(&self) -> Value {
        // The bytes are serde_json's own output, so they parse, but a stored object can nest
        // deeper than a request body may (128 levels): `managedFields` mirror the body's
        // fields four levels down. What was stored is read back whatever its depth.
        self.decode().unwrap_or(Value::Null)
    }

    fn decode<'a, T: Deserialize<'a>>(&'a self) -> serde_json::Result<T> {
        let mut de = serde_json::Deserializer::from_slice(&self.json);
        de.disable_recursion_limit();
        T::deserialize(&mut de)
    }

    /// The object's JSON.
    pub(crate) fn json(&self) -> &[u8] {
        &self.json
    }

    /// Appends the object as a list item writes it: without `kind` and `apiVersion`, the
    /// other fields in their order.
    pub(crate) fn write_item(&self, out: &mut Vec<u8>) {
        if self.item_start > 0 {
            out.push(b'{');
            out.extend_from_slice(&self.json[self.item_start as usize..]);
        } else {
            out.extend_from_slice(&without_type(&self.value()));
        }
    }

    /// `metadata.labels` alone (what label selectors read), decoded without the rest.
    pub(crate) fn labels_only(&self) -> Value {
        #[derive(Deserialize)]
        struct Obj {
            metadata: Option<Meta>,
        }
        #[derive(Deserialize)]
        struct Meta {
            labels: Option<Value>,
        }
        match self.decode::<Obj>() {
            Ok(Obj {
                metadata: Some(Meta {
                    labels: Some(labels),
                }),
            }) => serde_json::json!({"metadata": {"labels": labels}}),
            _ => Value::Null,
        }
    }
}

/// The encoding of `obj` without `kind` and `apiVersion`, newline dropped.
fn without_type(obj: &Value) -> Vec<u8> {
    let mut v = obj.clone();
    if let Value::Object(m) = &mut v {
        // Shifted out, not swapped: the other fields keep their (Go struct) order.
        m.shift_remove("kind");
        m.shift_remove("apiVersion");
    }
    let mut out = crate::api::status::encode_json(&v);
    out.pop();
    out
}

/// The length of `{"kind":K,"apiVersion":A,` at the start of `json` when `obj`'s first two
/// fields are `kind` and `apiVersion` and more follow.
fn head_len(obj: &Value, json: &[u8]) -> Option<u32> {
    let Value::Object(m) = obj else {
        return None;
    };
    let mut keys = m.iter();
    let (Some(("kind", kind)), Some(("apiVersion", api))) = (
        keys.next().map(|(k, v)| (k.as_str(), v)),
        keys.next().map(|(k, v)| (k.as_str(), v)),
    ) else {
        return None;
    };
    keys.next()?;
    let mut head = b"{\"kind\":".to_vec();
    head.extend_from_slice(crate::api::status::encode_json(kind).trim_ascii_end());
    head.extend_from_slice(b",\"apiVersion\":");
    head.extend_from_slice(crate::api::status::encode_json(api).trim_ascii_end());
    head.push(b',');
    json.starts_with(&head).then_some(head.len() as u32)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn item_bytes(e: &Encoded) -> Vec<u8> {
        let mut out = Vec::new();
        e.write_item(&mut out);
        out
    }

    /// Decoding gives back the same tree (key order, escaped strings, numbers), and the
    /// bytes are what the server writes for it.
    #[test]
    fn round_trips_the_tree_and_its_bytes() {
        let obj = json!({"kind": "ConfigMap", "apiVersion": "v1",
            "metadata": {"name": "x", "labels": {"z": "1", "a": "2"}},
            "data": {"html": "<a>&\u{2028}", "b": "1", "a": "2"},
            "n": [1, -2, 1.5, 1e300, u64::MAX, null, true]});
        let e = Encoded::new(&obj);
        assert_eq!(e.value(), obj);
        let keys: Vec<_> = e.value()["data"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect();
        assert_eq!(keys, ["html", "b", "a"]);
        let mut wire = crate::api::status::encode_json(&obj);
        wire.pop();
        assert_eq!(e.json(), &wire[..]);
        assert_eq!(
            crate::api::status::encode_json(&e.value()),
            crate::api::status::encode_json(&obj)
        );
    }

    /// An object nested deeper than serde_json reads by default (128) comes back whole.
    #[test]
    fn deep_objects_decode() {
        let mut obj = json!({});
        for _ in 0..140 {
            obj = json!({"f:a": obj});
        }
        let obj = json!({"kind": "X", "apiVersion": "v1", "metadata": {"managedFields": [obj]}});
        assert!(serde_json::from_slice::<Value>(&crate::api::status::encode_json(&obj)).is_err());
        assert_eq!(Encoded::new(&obj).value(), obj);
        let labelled = json!({"metadata": {"labels": {"a": "b"}}, "spec": obj});
        assert_eq!(
            Encoded::new(&labelled).labels_only(),
            json!({"metadata": {"labels": {"a": "b"}}})
        );
    }

    /// The list item form drops `kind` and `apiVersion` wherever the object holds them.
    #[test]
    fn list_items_are_the_object_without_its_type() {
        let cases = [
            json!({"kind": "ConfigMap", "apiVersion": "v1", "metadata": {"name": "x"}}),
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}}),
            json!({"metadata": {"name": "x"}, "kind": "ConfigMap"}),
            json!({"kind": "ConfigMap", "apiVersion": "v1"}),
            json!({"kind": "A\"<", "apiVersion": "v1", "x": "y"}),
        ];
        for obj in cases {
            let e = Encoded::new(&obj);
            assert_eq!(item_bytes(&e), without_type(&obj), "{obj}");
        }
        assert!(Encoded::new(&json!({"kind": "A\"<", "apiVersion": "v1", "x": 1})).item_start > 0);
    }

    /// Label selectors read `metadata.labels` alone, as they are in the object.
    #[test]
    fn labels_only_holds_the_labels() {
        let obj = json!({"metadata": {"name": "x", "labels": {"app": "a", "n": 1}}, "data": {}});
        assert_eq!(
            Encoded::new(&obj).labels_only(),
            json!({"metadata": {"labels": {"app": "a", "n": 1}}})
        );
        assert_eq!(
            Encoded::new(&json!({"metadata": {"name": "x"}})).labels_only(),
            Value::Null
        );
    }
}
