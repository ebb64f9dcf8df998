//! `-o` handling shared by the commands that print objects, over [`rawkube::output`].

use rawkube::output::{Model, OutputFormat};
use serde_json::Value;

use super::CliError;

/// What `-o` asked for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Format {
    /// No `-o`: the command's own line or table.
    Default,
    /// `-o wide` (tables only).
    Wide,
    /// An object printer: json, yaml, name, jsonpath.
    Object(OutputFormat),
}

impl Format {
    /// Parses kubectl's `-o` values.
    pub fn parse(o: Option<&str>) -> Result<Format, CliError> {
        match o {
            None | Some("") => Ok(Format::Default),
            Some("wide") => Ok(Format::Wide),
            Some(o) => o.parse().map(Format::Object).map_err(CliError::msg),
        }
    }

    /// Whether the object itself is printed (rather than a status line or table).
    pub fn prints_object(&self) -> bool {
        matches!(self, Format::Object(_))
    }
}

/// `kind[.group]/name`, as create lines and `-o name` spell it.
pub fn name_of(obj: &Value) -> String {
    let kind = obj
        .get("kind")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_ascii_lowercase();
    let group = obj
        .get("apiVersion")
        .and_then(Value::as_str)
        .and_then(|v| v.split_once('/'))
        .map(|(g, _)| g)
        .unwrap_or("");
    let name = obj
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or("");
    if group.is_empty() {
        format!("{kind}/{name}")
    } else {
        format!("{kind}.{group}/{name}")
    }
}

/// Renders `obj` with an object printer; `model` says whether kubectl would hold it
/// as a server-decoded map ([`Model::Unstructured`]) or its own typed struct.
pub fn object(obj: &Value, format: &Format, model: Model) -> Result<String, CliError> {
    match format {
        Format::Object(f) => f
            .print(&without_managed_fields(obj), model, true)
            .map_err(CliError::msg),
        Format::Default | Format::Wide => Ok(String::new()),
    }
}

/// kubectl hides `metadata.managedFields` unless `--show-managed-fields` (also in lists).
pub fn without_managed_fields(obj: &Value) -> Value {
    let mut v = obj.clone();
    if let Some(m) = v.get_mut("metadata").and_then(Value::as_object_mut) {
        m.remove("managedFields");
    }
    if let Some(items) = v.get_mut("items").and_then(Value::as_array_mut) {
        for i in items {
            if let Some(m) = i.get_mut("metadata").and_then(Value::as_object_mut) {
                m.remove("managedFields");
            }
        }
    }
    v
}

/// 4-space indented JSON in the value's own key order (kubectl's typed structs).
pub fn typed_json(v: &Value) -> String {
    rawkube::output::to_json(v, Model::Typed)
}
