//! `-o name`, as cli-runtime's `NamePrinter`.

use serde_json::Value;
use thiserror::Error;

/// An object `-o name` cannot print; `Display` is kubectl's message.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum NameError {
    /// Neither `apiVersion` nor `kind` is set.
    #[error(
        "missing apiVersion or kind; try GetObjectKind().SetGroupVersionKind() if you know the type"
    )]
    MissingTypeMeta,
    /// `apiVersion` is set but `kind` is not.
    #[error("missing kind for resource with name {0}")]
    MissingKind(String),
}

fn str_at<'a>(value: &'a Value, key: &str) -> &'a str {
    value.get(key).and_then(Value::as_str).unwrap_or("")
}

pub(crate) fn to_name(value: &Value, operation: Option<&str>) -> Result<String, NameError> {
    // A list (anything with an `items` array, as kubectl decodes it) prints its items.
    if let Some(items) = value.get("items").and_then(Value::as_array) {
        let mut out = String::new();
        for item in items {
            out.push_str(&to_name(item, operation)?);
        }
        return Ok(out);
    }
    let api_version = str_at(value, "apiVersion");
    let kind = str_at(value, "kind");
    if api_version.is_empty() && kind.is_empty() {
        return Err(NameError::MissingTypeMeta);
    }
    let name = value
        .get("metadata")
        .map(|m| str_at(m, "name"))
        .filter(|n| !n.is_empty())
        .unwrap_or("<unknown>");
    if kind.is_empty() {
        return Err(NameError::MissingKind(name.to_string()));
    }
    let group = api_version.rsplit_once('/').map(|(g, _)| g).unwrap_or("");
    let kind = kind.to_lowercase();
    let op = operation.map(|o| format!(" {o}")).unwrap_or_default();
    Ok(if group.is_empty() {
        format!("{kind}/{name}{op}\n")
    } else {
        format!("{kind}.{group}/{name}{op}\n")
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn core_and_grouped_kinds() {
        let sa = json!({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "x"}});
        assert_eq!(to_name(&sa, None).unwrap(), "serviceaccount/x\n");
        let role = json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": {"name": "r"}});
        assert_eq!(
            to_name(&role, Some("created")).unwrap(),
            "role.rbac.authorization.k8s.io/r created\n"
        );
    }

    #[test]
    fn lists_print_each_item_and_unnamed_objects_are_unknown() {
        let list = json!({"kind": "List", "apiVersion": "v1", "items": [
            {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "a"}},
            {"apiVersion": "v1", "kind": "Config"},
        ]});
        assert_eq!(
            to_name(&list, None).unwrap(),
            "secret/a\nconfig/<unknown>\n"
        );
    }

    #[test]
    fn missing_type_meta_is_an_error() {
        assert_eq!(
            to_name(&json!({"metadata": {"name": "a"}}), None),
            Err(NameError::MissingTypeMeta)
        );
        assert_eq!(
            to_name(
                &json!({"apiVersion": "v1", "metadata": {"name": "a"}}),
                None
            ),
            Err(NameError::MissingKind("a".into()))
        );
    }
}
