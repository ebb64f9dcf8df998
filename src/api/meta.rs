//! `meta.k8s.io/v1` shapes shared by every object: [`ObjectMeta`], [`ListMeta`],
//! [`TypeMeta`], the error/result [`Status`], and the generic [`List`].
//!
//! Field names and `omitempty` behaviour follow
//! `k8s.io/apimachinery/pkg/apis/meta/v1/types.go`: a Go field tagged
//! `omitempty` becomes `skip_serializing_if`, so what we send is byte-for-byte
//! what kubectl's JSON encoder would send for the same object.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// `kind` and `apiVersion`, present on every top-level object.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TypeMeta {
    /// e.g. `ServiceAccount`. (Declared first: the server writes `kind` before `apiVersion`.)
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub kind: String,
    /// e.g. `v1` or `rbac.authorization.k8s.io/v1`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub api_version: String,
}

/// Standard object metadata (`metadata:`). Server-set fields (`uid`,
/// `resourceVersion`, `creationTimestamp`, ...) are read back, and omitted
/// when empty so a create request carries only what the caller set.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ObjectMeta {
    /// Object name, unique within its namespace.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    /// Prefix from which the server generates a unique name when `name` is empty.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub generate_name: String,
    /// Namespace; empty for cluster-scoped objects (and defaulted from the URL on create).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub namespace: String,
    /// Deprecated self link; still read if an old server sends it.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub self_link: String,
    /// Server-assigned unique id.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub uid: String,
    /// Opaque version for optimistic concurrency; send it back on update to avoid lost writes.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub resource_version: String,
    /// Generation of the desired state (only some kinds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generation: Option<i64>,
    /// RFC 3339 creation time, second precision (`2026-01-01T00:00:00Z`).
    /// Old servers send `null`, which reads as `None`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub creation_timestamp: Option<String>,
    /// Set when deletion has been requested but finalizers are pending.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deletion_timestamp: Option<String>,
    /// Labels (`key: value`), used by selectors.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    /// Annotations, e.g. `kubernetes.io/service-account.name` on a token Secret.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
    /// Owners of this object (kept as raw JSON: rawkube only passes them through).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub owner_references: Vec<serde_json::Value>,
    /// Finalizers that must run before the object is removed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub finalizers: Vec<String>,
    /// Server-side-apply bookkeeping (raw JSON, read-only for rawkube).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub managed_fields: Vec<serde_json::Value>,
}

impl ObjectMeta {
    /// Metadata with just a name: what a create request usually needs.
    pub fn named(name: impl Into<String>) -> Self {
        ObjectMeta {
            name: name.into(),
            ..Default::default()
        }
    }
}

/// List metadata (`metadata:` of a list, and of a `Status`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListMeta {
    /// Deprecated self link.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub self_link: String,
    /// Version of the collection at the time it was read.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub resource_version: String,
    /// Opaque token for the next page (`?continue=`), empty on the last page.
    #[serde(default, rename = "continue", skip_serializing_if = "String::is_empty")]
    pub continue_token: String,
    /// Approximate number of items not yet returned, when the server knows it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remaining_item_count: Option<i64>,
}

/// A list response such as `ServiceAccountList`. Items carry no `kind`/`apiVersion`
/// on the wire; the server always sends `items` (`[]` when empty).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct List<T> {
    /// e.g. `ServiceAccountList`, `v1`.
    #[serde(flatten)]
    pub type_meta: TypeMeta,
    /// Resource version and paging token.
    #[serde(default)]
    pub metadata: ListMeta,
    /// The objects.
    #[serde(default = "Vec::new")]
    pub items: Vec<T>,
}

/// The result of an operation that returns no object, and every error body
/// (`kind: Status`). Field order matches the Go struct, so a serialized
/// Status reads like the server's own.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Status {
    /// `Status`, `v1`.
    #[serde(flatten)]
    pub type_meta: TypeMeta,
    /// Always `{}` on the wire.
    #[serde(default)]
    pub metadata: ListMeta,
    /// `Success` or `Failure`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub status: String,
    /// Human-readable description; kubectl prints it verbatim.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub message: String,
    /// Machine-readable reason: `NotFound`, `AlreadyExists`, `Forbidden`, `Conflict`, `Invalid`, ...
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub reason: String,
    /// Which object the status is about, and field-level causes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<StatusDetails>,
    /// The HTTP status code (absent on some success bodies).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub code: u16,
}

impl std::fmt::Display for Status {
    /// The bare server message, as Go's `StatusError.Error()` returns it.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

fn is_zero(v: &u16) -> bool {
    *v == 0
}

/// `Status.details`. Note `kind` holds the *plural resource* (`serviceaccounts`)
/// for most reasons, but the Kind (`ServiceAccount`) for `Invalid`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StatusDetails {
    /// Object name, if the status is about one object.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    /// API group (empty for core).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub group: String,
    /// Resource (or Kind for `Invalid`).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub kind: String,
    /// UID of the object (on delete results).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub uid: String,
    /// Field-level causes (validation errors).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub causes: Vec<StatusCause>,
    /// Seconds the client should wait before retrying.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after_seconds: Option<i32>,
}

/// One cause inside [`StatusDetails`]. Go's field `Type` is serialized as `reason`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StatusCause {
    /// e.g. `FieldValueInvalid`, `FieldValueRequired`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub reason: String,
    /// The error without the field path.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub message: String,
    /// The field path, e.g. `metadata.name`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub field: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    // Copied from apiserver-spec.md §1.4.
    const NOT_FOUND: &str = r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"serviceaccounts \"x\" not found","reason":"NotFound","details":{"name":"x","kind":"serviceaccounts"},"code":404}"#;

    #[test]
    fn status_round_trips_byte_for_byte() {
        let s: Status = serde_json::from_str(NOT_FOUND).unwrap();
        assert_eq!(s.reason, "NotFound");
        assert_eq!(s.code, 404);
        assert_eq!(s.details.as_ref().unwrap().kind, "serviceaccounts");
        assert_eq!(serde_json::to_string(&s).unwrap(), NOT_FOUND);
    }

    #[test]
    fn invalid_status_causes_use_reason_key() {
        let body = r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"m","reason":"Invalid","details":{"name":"Bad_Name","kind":"ServiceAccount","causes":[{"reason":"FieldValueInvalid","message":"Invalid value","field":"metadata.name"}]},"code":422}"#;
        let s: Status = serde_json::from_str(body).unwrap();
        let cause = &s.details.as_ref().unwrap().causes[0];
        assert_eq!(cause.reason, "FieldValueInvalid");
        assert_eq!(cause.field, "metadata.name");
        assert_eq!(serde_json::to_string(&s).unwrap(), body);
    }

    #[test]
    fn delete_success_status_has_no_code() {
        let body = r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Success","details":{"name":"x","group":"rbac.authorization.k8s.io","kind":"roles","uid":"u-1"}}"#;
        let s: Status = serde_json::from_str(body).unwrap();
        assert_eq!(s.code, 0);
        assert_eq!(serde_json::to_string(&s).unwrap(), body);
    }

    #[test]
    fn list_meta_continue_and_empty_items() {
        let body = r#"{"kind":"ServiceAccountList","apiVersion":"v1","metadata":{"resourceVersion":"12345","continue":"abc","remainingItemCount":3},"items":[]}"#;
        let l: List<serde_json::Value> = serde_json::from_str(body).unwrap();
        assert_eq!(l.metadata.continue_token, "abc");
        assert_eq!(l.metadata.remaining_item_count, Some(3));
        assert_eq!(serde_json::to_string(&l).unwrap(), body);
    }

    #[test]
    fn object_meta_null_creation_timestamp_and_omitempty() {
        let m: ObjectMeta = serde_json::from_str(r#"{"creationTimestamp":null}"#).unwrap();
        assert_eq!(m.creation_timestamp, None);
        assert_eq!(
            serde_json::to_string(&ObjectMeta::named("x")).unwrap(),
            r#"{"name":"x"}"#
        );
        let full = r#"{"name":"x","namespace":"default","uid":"6f8a","resourceVersion":"7","creationTimestamp":"2026-01-01T00:00:00Z","labels":{"a":"b"},"annotations":{"kubernetes.io/service-account.name":"x"}}"#;
        let m: ObjectMeta = serde_json::from_str(full).unwrap();
        assert_eq!(m.resource_version, "7");
        assert_eq!(serde_json::to_string(&m).unwrap(), full);
    }
}
