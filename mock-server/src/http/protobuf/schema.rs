//! A table-driven decoder from gogo-proto2 bytes to the JSON the same Go object would marshal to.
//!
//! Each Kubernetes message is described once ([`Message`]) with its protobuf field numbers and its Go
//! JSON tags, in Go struct order (which is JSON key order). The JSON rules follow `encoding/json`
//! over the Go types the apiserver decodes into:
//! * an `omitempty` scalar is dropped when it is `""`, `0` or `false`; a non-`omitempty` one is kept;
//! * nil pointers, nil slices and nil maps are dropped (Go writes `null` for the non-`omitempty`
//!   ones; the apiserver's JSON decoder treats `null` and absent alike, and the recorded fixtures
//!   drop them), and so is a zero `metav1.Time` (Go writes `null`);
//! * a non-pointer struct is always present, even when `omitempty` (Go never omits structs).
//!
//! Proto2 merge rules are kept: the last occurrence of a scalar wins, repeated occurrences of an
//! embedded message are merged (decoded as the concatenation of their bytes), repeated fields
//! append, and later map entries replace earlier ones with the same key.

use std::borrow::Cow;
use std::collections::BTreeMap;

use base64::Engine as _;
use serde_json::{Map, Value};

use super::ProtobufError;
use super::time::format_time;
use super::wire::{Reader, WireValue};

/// One protobuf message type.
pub(crate) struct Message {
    /// Go type name, used in error paths.
    pub name: &'static str,
    /// Fields in Go struct order.
    pub fields: &'static [Field],
    /// False when the table lists only part of the message (Pod): an unknown field that carries
    /// data is then an error instead of being dropped, so the server never stores a silently
    /// different object.
    pub complete: bool,
}

/// One field of a message.
pub(crate) struct Field {
    pub number: u32,
    pub json: &'static str,
    pub ty: Ty,
    pub omitempty: bool,
}

/// The Go type of a field, as far as it matters for decoding and JSON.
pub(crate) enum Ty {
    /// `string`.
    Str,
    /// `*string` (including named string types such as `*DeletionPropagation`).
    OptStr,
    /// `int64`.
    I64,
    /// `int32`.
    I32,
    /// `*int64`.
    OptI64,
    /// `*int32`.
    OptI32,
    /// `bool`.
    Bool,
    /// `*bool`.
    OptBool,
    /// A non-pointer struct.
    Msg(&'static Message),
    /// A pointer to a struct.
    OptMsg(&'static Message),
    /// `metav1.Time` or `*metav1.Time`: RFC 3339 seconds in JSON, dropped when zero.
    Time,
    /// `[]string`.
    RepStr,
    /// `[]T` of structs.
    RepMsg(&'static Message),
    /// `map[string]string`.
    MapStr,
    /// `map[string][]byte`: base64 strings in JSON.
    MapBytes,
    /// `map[string]ExtraValue` where `ExtraValue` is `[]string` wrapped in a message {1: items}.
    MapExtra,
    /// `*metav1.FieldsV1` {1: Raw}: the raw bytes are JSON and are embedded as such.
    FieldsV1,
}

/// Where in the object a decode error happened, as a chain of borrowed segments so that the happy
/// path allocates nothing for it.
pub(crate) struct Path<'p> {
    parent: Option<&'p Path<'p>>,
    segment: &'static str,
}

impl<'p> Path<'p> {
    pub(crate) fn root(segment: &'static str) -> Self {
        Path {
            parent: None,
            segment,
        }
    }

    pub(crate) fn child(&'p self, segment: &'static str) -> Path<'p> {
        Path {
            parent: Some(self),
            segment,
        }
    }

    pub(crate) fn render(&self) -> String {
        let mut segments = vec![self.segment];
        let mut cur = self.parent;
        while let Some(p) = cur {
            segments.push(p.segment);
            cur = p.parent;
        }
        segments.reverse();
        segments.join(".")
    }

    pub(crate) fn malformed(&self, reason: impl Into<String>) -> ProtobufError {
        ProtobufError::Malformed {
            at: self.render(),
            reason: reason.into(),
        }
    }

    pub(crate) fn wire(&self, e: super::wire::WireError) -> ProtobufError {
        match e {
            super::wire::WireError::Truncated => ProtobufError::Truncated { at: self.render() },
            other => self.malformed(other.reason()),
        }
    }
}

/// Decodes one message into a JSON object.
pub(crate) fn decode_message(
    msg: &'static Message,
    buf: &[u8],
    path: &Path<'_>,
) -> Result<Map<String, Value>, ProtobufError> {
    let mut seen: Vec<Vec<WireValue<'_>>> = msg.fields.iter().map(|_| Vec::new()).collect();
    for item in Reader::new(buf) {
        let (number, value) = item.map_err(|e| path.wire(e))?;
        match msg.fields.iter().position(|f| f.number == number) {
            Some(i) => {
                let field = &msg.fields[i];
                let expected = expected_wire_type(&field.ty);
                if value.wire_type() != expected {
                    return Err(path.child(field.json).malformed(format!(
                        "wire type {} where {} was expected",
                        value.wire_type(),
                        expected
                    )));
                }
                seen[i].push(value);
            }
            None if !msg.complete && !value.is_default() => {
                return Err(ProtobufError::UnsupportedField {
                    message: msg.name,
                    field: number,
                });
            }
            None => {}
        }
    }
    let mut out = Map::new();
    for (field, values) in msg.fields.iter().zip(&seen) {
        let p = path.child(field.json);
        if let Some(v) = field_json(field, values, &p)? {
            out.insert(field.json.to_owned(), v);
        }
    }
    Ok(out)
}

fn expected_wire_type(ty: &Ty) -> u8 {
    match ty {
        Ty::I64 | Ty::I32 | Ty::OptI64 | Ty::OptI32 | Ty::Bool | Ty::OptBool => 0,
        _ => 2,
    }
}

fn last_varint(values: &[WireValue<'_>]) -> Option<u64> {
    values.iter().rev().find_map(|v| match v {
        WireValue::Varint(n) => Some(*n),
        _ => None,
    })
}

fn len_payloads<'a, 'v>(values: &'v [WireValue<'a>]) -> impl Iterator<Item = &'a [u8]> + 'v {
    values.iter().filter_map(|v| match v {
        WireValue::Len(b) => Some(*b),
        _ => None,
    })
}

/// Proto2 merges repeated occurrences of a singular embedded message; decoding the concatenation
/// of their payloads is exactly that merge.
fn merged<'a>(values: &[WireValue<'a>]) -> Option<Cow<'a, [u8]>> {
    let mut chunks = len_payloads(values);
    let first = chunks.next()?;
    match chunks.next() {
        None => Some(Cow::Borrowed(first)),
        Some(second) => {
            let mut all = [first, second].concat();
            for c in chunks {
                all.extend_from_slice(c);
            }
            Some(Cow::Owned(all))
        }
    }
}

/// Go's generated code converts bytes to string without validation and `encoding/json` replaces
/// invalid UTF-8 with U+FFFD; the lossy conversion does the same.
fn string(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn last_string(values: &[WireValue<'_>]) -> Option<String> {
    len_payloads(values).last().map(string)
}

fn field_json(
    field: &Field,
    values: &[WireValue<'_>],
    path: &Path<'_>,
) -> Result<Option<Value>, ProtobufError> {
    let keep = |zero: bool| !(zero && field.omitempty);
    Ok(match &field.ty {
        Ty::Str => {
            let s = last_string(values).unwrap_or_default();
            keep(s.is_empty()).then(|| Value::String(s))
        }
        Ty::OptStr => last_string(values).map(Value::String),
        // Go's generated decoders accumulate int32 fields in an int32, keeping the low 32 bits.
        Ty::I64 => {
            let n = last_varint(values).unwrap_or(0) as i64;
            keep(n == 0).then(|| Value::from(n))
        }
        Ty::I32 => {
            let n = last_varint(values).unwrap_or(0) as i32;
            keep(n == 0).then(|| Value::from(n))
        }
        Ty::OptI64 => last_varint(values).map(|n| Value::from(n as i64)),
        Ty::OptI32 => last_varint(values).map(|n| Value::from(n as i32)),
        Ty::Bool => {
            let b = last_varint(values).unwrap_or(0) != 0;
            keep(!b).then_some(Value::Bool(b))
        }
        Ty::OptBool => last_varint(values).map(|n| Value::Bool(n != 0)),
        Ty::Msg(m) => {
            let bytes = merged(values).unwrap_or(Cow::Borrowed(&[]));
            Some(Value::Object(decode_message(m, &bytes, path)?))
        }
        Ty::OptMsg(m) => match merged(values) {
            Some(bytes) => Some(Value::Object(decode_message(m, &bytes, path)?)),
            None => None,
        },
        Ty::Time => match merged(values) {
            Some(bytes) => format_time(&bytes, path)?.map(Value::String),
            None => None,
        },
        Ty::RepStr => {
            let items: Vec<Value> = len_payloads(values)
                .map(|b| Value::String(string(b)))
                .collect();
            (!items.is_empty()).then_some(Value::Array(items))
        }
        Ty::RepMsg(m) => {
            let items = len_payloads(values)
                .map(|b| decode_message(m, b, path).map(Value::Object))
                .collect::<Result<Vec<_>, _>>()?;
            (!items.is_empty()).then_some(Value::Array(items))
        }
        Ty::MapStr | Ty::MapBytes | Ty::MapExtra => {
            // Go's encoding/json writes map keys sorted.
            let mut map = BTreeMap::new();
            for entry in len_payloads(values) {
                let (k, v) = map_entry(&field.ty, entry, path)?;
                map.insert(k, v);
            }
            (!map.is_empty()).then(|| Value::Object(map.into_iter().collect()))
        }
        Ty::FieldsV1 => match merged(values) {
            Some(bytes) => fields_v1(&bytes, path)?,
            None => None,
        },
    })
}

/// A map entry is a message {1: key, 2: value}; missing parts are the zero value.
fn map_entry(ty: &Ty, entry: &[u8], path: &Path<'_>) -> Result<(String, Value), ProtobufError> {
    let mut key = Vec::new();
    let mut value = Vec::new();
    for item in Reader::new(entry) {
        let (number, v) = item.map_err(|e| path.wire(e))?;
        match (number, v) {
            (1, WireValue::Len(b)) => key = vec![b],
            (2, WireValue::Len(b)) if matches!(ty, Ty::MapExtra) => value.push(b),
            (2, WireValue::Len(b)) => value = vec![b],
            (1 | 2, other) => {
                return Err(path.malformed(format!(
                    "map entry field {number} has wire type {}",
                    other.wire_type()
                )));
            }
            _ => {}
        }
    }
    let key = key.first().map(|b| string(b)).unwrap_or_default();
    let value = match ty {
        Ty::MapBytes => Value::String(
            base64::engine::general_purpose::STANDARD.encode(value.first().copied().unwrap_or(&[])),
        ),
        Ty::MapExtra => {
            // ExtraValue {1: repeated string items}; its occurrences merge like any message. An entry
            // without items is a nil slice in Go (JSON `null`); `[]` is written instead so that
            // consumers can always iterate, and the apiserver reads both as empty.
            let bytes = value.concat();
            let mut items = Vec::new();
            for item in Reader::new(&bytes) {
                match item.map_err(|e| path.wire(e))? {
                    (1, WireValue::Len(b)) => items.push(Value::String(string(b))),
                    (1, other) => {
                        return Err(path.malformed(format!(
                            "ExtraValue items has wire type {}",
                            other.wire_type()
                        )));
                    }
                    _ => {}
                }
            }
            Value::Array(items)
        }
        _ => Value::String(value.first().map(|b| string(b)).unwrap_or_default()),
    };
    Ok((key, value))
}

/// `metav1.FieldsV1` {1: bytes Raw} marshals to JSON as the raw bytes themselves.
fn fields_v1(buf: &[u8], path: &Path<'_>) -> Result<Option<Value>, ProtobufError> {
    let mut raw: Option<&[u8]> = None;
    for item in Reader::new(buf) {
        match item.map_err(|e| path.wire(e))? {
            (1, WireValue::Len(b)) => raw = Some(b),
            (1, other) => {
                return Err(
                    path.malformed(format!("FieldsV1 Raw has wire type {}", other.wire_type()))
                );
            }
            _ => {}
        }
    }
    match raw {
        None | Some([]) => Ok(None),
        Some(b) => serde_json::from_slice(b)
            .map(Some)
            .map_err(|_| path.malformed("FieldsV1 Raw is not valid JSON")),
    }
}

/// True for JSON that carries nothing: `null`, `false`, `0`, `""`, `[]`, and objects made only of
/// such values. Used to drop an all-zero top-level `status` that clients send for output-only
/// fields (kubectl's reviews and TokenRequest carry one on the wire; the fixtures record it absent).
pub(crate) fn is_zero(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Bool(b) => !b,
        Value::Number(n) => n.as_i64() == Some(0) || n.as_u64() == Some(0),
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.values().all(is_zero),
    }
}
