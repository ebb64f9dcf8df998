//! kubectl-compatible output: `-o json|yaml|name|jsonpath=TEMPLATE|jsonpath-as-json=...|
//! jsonpath-file=FILE`, byte for byte as kubectl 1.32 prints them.
//!
//! Everything works on a [`serde_json::Value`]; the CLI serializes its typed objects first.
//! kubectl prints an object differently depending on how it holds it, which [`Model`]
//! captures: objects read from the server (`get`) are unstructured maps, while objects
//! kubectl builds itself (`create --dry-run=client`, `config view`) are typed structs.

mod format;
pub(crate) mod gofmt;
pub mod jsonpath;
mod name;

pub use crate::goyaml::YamlError;
pub use format::{FormatError, OutputFormat};
pub use jsonpath::{JsonPath, JsonPathError};
pub use name::NameError;

use serde_json::{Value, json};
use thiserror::Error;

/// How kubectl holds the object it prints, which decides key order and number printing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Model {
    /// Decoded from a server response into `map[string]interface{}` (`kubectl get`):
    /// `-o json` sorts keys, integers stay integers in JSONPath.
    Unstructured,
    /// A typed Go struct (`create --dry-run=client`, `config view`): `-o json` keeps the
    /// field order (the `Value`'s order here; Go map fields such as labels should already
    /// be sorted by the caller), and JSONPath sees every number as a float64, so
    /// `1000000` prints as `1e+06` and only float literals compare with numbers.
    Typed,
}

/// Printing failed.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum OutputError {
    /// A JSONPath template failed to parse or execute.
    #[error(transparent)]
    JsonPath(#[from] JsonPathError),
    /// `-o name` on an object without a kind.
    #[error(transparent)]
    Name(#[from] NameError),
    /// The object cannot be written as YAML.
    #[error(transparent)]
    Yaml(#[from] YamlError),
    /// Reading a `jsonpath-file=` template failed.
    #[error(transparent)]
    Format(#[from] FormatError),
}

/// `-o json`: `json.MarshalIndent` with four spaces, HTML-safe escapes, and a final newline.
pub fn to_json(value: &Value, model: Model) -> String {
    let mut out = gofmt::json_indent(value, model == Model::Unstructured, "    ");
    out.push('\n');
    out
}

/// `-o yaml` (sigs.k8s.io/yaml over go-yaml v2): keys sorted, two-space block style,
/// strings quoted where YAML would read them as something else, long plain strings folded
/// at 80 columns, multi-line strings as `|` blocks. Fails, as kubectl does, on strings
/// holding characters YAML forbids.
pub fn to_yaml(value: &Value) -> Result<String, YamlError> {
    crate::goyaml::json_to_yaml(value)
}

/// `-o name`: `kind[.group]/name` and a newline per object (`serviceaccount/x`,
/// `role.rbac.authorization.k8s.io/x`); a `List`'s items one per line. With `operation`
/// (`created`, `deleted`) it is appended after a space, as kubectl's success lines do.
pub fn to_name(value: &Value, operation: Option<&str>) -> Result<String, NameError> {
    name::to_name(value, operation)
}

/// The `List` kubectl wraps several objects in for `-o json|yaml|jsonpath`
/// (`apiVersion: v1`, `items`, `kind: List`, `metadata.resourceVersion: ""`).
pub fn list_of(items: Vec<Value>) -> Value {
    json!({
        "apiVersion": "v1",
        "items": items,
        "kind": "List",
        "metadata": {"resourceVersion": ""},
    })
}

impl OutputFormat {
    /// Prints `value` in this format, exactly as kubectl would.
    /// `allow_missing_template_keys` is kubectl's `--allow-missing-template-keys` (default true).
    pub fn print(
        &self,
        value: &Value,
        model: Model,
        allow_missing_template_keys: bool,
    ) -> Result<String, OutputError> {
        Ok(match self {
            OutputFormat::Json => to_json(value, model),
            OutputFormat::Yaml => to_yaml(value)?,
            OutputFormat::Name => to_name(value, None)?,
            OutputFormat::JsonPath(_)
            | OutputFormat::JsonPathAsJson(_)
            | OutputFormat::JsonPathFile(_) => match self.jsonpath()? {
                Some(jp) => jp
                    .allow_missing_keys(allow_missing_template_keys)
                    .execute(value, model)?,
                None => String::new(),
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_key_order_follows_the_model() {
        let v = json!({"kind": "ServiceAccount", "apiVersion": "v1", "metadata": {"name": "x", "creationTimestamp": null}});
        assert_eq!(
            to_json(&v, Model::Typed),
            "{\n    \"kind\": \"ServiceAccount\",\n    \"apiVersion\": \"v1\",\n    \"metadata\": {\n        \"name\": \"x\",\n        \"creationTimestamp\": null\n    }\n}\n"
        );
        assert_eq!(
            to_json(&v, Model::Unstructured),
            "{\n    \"apiVersion\": \"v1\",\n    \"kind\": \"ServiceAccount\",\n    \"metadata\": {\n        \"creationTimestamp\": null,\n        \"name\": \"x\"\n    }\n}\n"
        );
    }

    #[test]
    fn list_wrapper_prints_like_kubectl() {
        let list = list_of(vec![
            json!({"kind": "ServiceAccount", "apiVersion": "v1", "metadata": {"name": "a"}}),
        ]);
        assert_eq!(
            to_yaml(&list).unwrap(),
            "apiVersion: v1\nitems:\n- apiVersion: v1\n  kind: ServiceAccount\n  metadata:\n    name: a\nkind: List\nmetadata:\n  resourceVersion: \"\"\n"
        );
    }

    #[test]
    fn print_dispatches_on_the_format() {
        let v = json!({"kind": "ServiceAccount", "apiVersion": "v1", "metadata": {"name": "x"}});
        let f: OutputFormat = "jsonpath={.metadata.name}".parse().unwrap();
        assert_eq!(f.print(&v, Model::Unstructured, true).unwrap(), "x");
        let f: OutputFormat = "name".parse().unwrap();
        assert_eq!(
            f.print(&v, Model::Unstructured, true).unwrap(),
            "serviceaccount/x\n"
        );
        let f: OutputFormat = "jsonpath={.missing}".parse().unwrap();
        assert!(matches!(
            f.print(&v, Model::Unstructured, false),
            Err(OutputError::JsonPath(JsonPathError::Execute { .. }))
        ));
    }
}
