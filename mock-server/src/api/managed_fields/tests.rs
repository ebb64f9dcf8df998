//! The entry bookkeeping of the field manager, with chosen times (the integration tests in
//! `tests/integration/managed_fields.rs` cover the write paths over HTTPS).

use serde_json::{Value, json};

use super::{Write, managed_fields_after, manager_name};

fn write<'a>(manager: &'a str, now: &'a str) -> Write<'a> {
    Write {
        api_version: "v1",
        kind: "ConfigMap",
        manager,
        subresource: "",
        now,
    }
}

fn entry(manager: &str, time: &str, fields: Value) -> Value {
    json!({"manager": manager, "operation": "Update", "apiVersion": "v1", "time": time, "fieldsType": "FieldsV1", "fieldsV1": fields})
}

fn cm(data: Value, entries: Value) -> Value {
    json!({"metadata": {"name": "c", "namespace": "d", "uid": "u", "managedFields": entries}, "data": data})
}

fn managers(v: &Option<Value>) -> Vec<String> {
    v.as_ref()
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|e| e["manager"].as_str().unwrap_or("").to_string())
        .collect()
}

#[test]
fn entries_sort_by_operation_then_seconds_then_manager() {
    let live = cm(
        json!({"a": "1", "b": "2"}),
        json!([
            entry("z-early", "2026-01-01T00:00:00Z", json!({"f:data": {"f:a": {}}})),
            {"manager": "applier", "operation": "Apply", "apiVersion": "v1", "time": "2026-06-01T00:00:00Z", "fieldsType": "FieldsV1", "fieldsV1": {"f:data": {"f:b": {}}}},
        ]),
    );
    let mut new = live.clone();
    new["data"]["c"] = json!("3");
    let out = managed_fields_after(&write("a-late", "2026-02-01T00:00:00Z"), Some(&live), &new);
    // Apply sorts before Update; then the earlier second first, whatever the name.
    assert_eq!(managers(&out), ["applier", "z-early", "a-late"]);
}

#[test]
fn entries_of_other_api_versions_and_malformed_request_entries() {
    let live = cm(
        json!({"a": "1"}),
        json!([
            entry("m", "2026-01-01T00:00:00Z", json!({"f:data": {"f:a": {}}})),
            {"manager": "old", "operation": "Update", "apiVersion": "v1beta1", "time": "2026-01-01T00:00:00Z", "fieldsType": "FieldsV1", "fieldsV1": {"f:data": {}}},
        ]),
    );
    // A request whose entries do not decode falls back to the live object's.
    let mut new = live.clone();
    new["metadata"]["managedFields"] = json!([{"manager": "x", "operation": "Bogus"}]);
    new["data"]["b"] = json!("2");
    let out = managed_fields_after(&write("w", "2026-01-01T00:00:01Z"), Some(&live), &new);
    // The v1beta1 entry cannot be converted and goes (SMD drops managers of missing versions).
    assert_eq!(managers(&out), ["m", "w"]);
}

#[test]
fn a_subresource_ignores_the_request_entries() {
    let w = Write {
        api_version: "authentication.k8s.io/v1",
        kind: "TokenRequest",
        manager: "kubectl",
        subresource: "token",
        now: "2026-01-01T00:00:00Z",
    };
    let body = json!({"metadata": {"managedFields": [entry("forged", "2020-01-01T00:00:00Z", json!({"f:spec": {}}))]}, "spec": {"audiences": ["a"]}});
    let out = managed_fields_after(&w, None, &body).unwrap();
    assert_eq!(
        out,
        json!([{"manager": "kubectl", "operation": "Update", "apiVersion": "authentication.k8s.io/v1", "time": "2026-01-01T00:00:00Z", "fieldsType": "FieldsV1", "fieldsV1": {"f:spec": {"f:audiences": {}}}, "subresource": "token"}])
    );
}

#[test]
fn more_than_ten_update_managers_fold_the_oldest_into_ancient_changes() {
    let entries: Vec<Value> = (0..10)
        .map(|i| {
            entry(
                &format!("m{i}"),
                &format!("2026-01-01T00:00:{i:02}Z"),
                json!({"f:data": {format!("f:k{i}"): {}}}),
            )
        })
        .collect();
    let data: serde_json::Map<String, Value> =
        (0..10).map(|i| (format!("k{i}"), json!("v"))).collect();
    let live = cm(Value::Object(data), Value::Array(entries));
    let mut new = live.clone();
    new["data"]["k10"] = json!("v");
    let out = managed_fields_after(&write("m10", "2026-01-01T00:01:00Z"), Some(&live), &new);
    // capmanagers.go: the oldest (m0) becomes the bucket and takes m1's fields and time.
    let names = managers(&out);
    assert_eq!(names.len(), 10, "{names:?}");
    assert_eq!(names[0], "ancient-changes");
    let bucket = &out.unwrap()[0];
    assert_eq!(bucket["time"], "2026-01-01T00:00:01Z");
    assert_eq!(
        bucket["fieldsV1"],
        json!({"f:data": {"f:k0": {}, "f:k1": {}}})
    );
    assert!(bucket.get("subresource").is_none());
}

#[test]
fn manager_names_follow_manager_or_user_agent() {
    assert_eq!(manager_name(Some("helm"), "kubectl/v1"), "helm");
    assert_eq!(manager_name(Some(""), "kubectl/v1.32 (linux)"), "kubectl");
    assert_eq!(
        manager_name(None, "python-requests/2.32.3"),
        "python-requests"
    );
    assert_eq!(manager_name(None, "a\u{1}b/1"), "ab");
    assert_eq!(manager_name(None, &"x".repeat(200)).len(), 128);
    assert_eq!(manager_name(None, ""), "");
}
