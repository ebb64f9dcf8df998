//! Entry points for the fuzz targets in `fuzz/` (at the repository root) and for the tests that
//! replay their corpora.
//!
//! Each function takes the fuzzer's raw bytes and runs one of the server's parsers on them the
//! way the request pipeline does. Whatever the bytes, none may panic or take time out of
//! proportion to the input: a client can send any of them. A rejected input returns quietly.
//!
//! `cargo fuzz run <target>` in `fuzz/` drives them (see `FUZZING.md`); the integration test
//! `fuzz_corpus` runs every committed corpus and regression input through the same functions.

use serde_json::{Value, json};

use crate::UserInfo;
use crate::api::strategic_merge;
use crate::http::protobuf;
use crate::http::query::Query;
use crate::http::request_info::RequestInfo;
use crate::store::selectors::{FieldSelector, LabelSelector};

/// A fuzz target: its name (a binary in `fuzz/fuzz_targets/`, a directory under
/// `fuzz/corpus/` and `fuzz/regressions/`) and its entry function.
pub type Target = (&'static str, fn(&[u8]));

/// The fuzz targets of this crate.
pub const TARGETS: &[Target] = &[
    ("protobuf", protobuf),
    ("selectors", selectors),
    ("strategic_merge", strategic_merge),
    ("request_info", request_info),
];

/// Splits at the first `\n`: (first line, rest). No newline: (all, empty).
fn first_line(data: &[u8]) -> (&[u8], &[u8]) {
    match data.iter().position(|&b| b == b'\n') {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &[]),
    }
}

/// A `application/vnd.kubernetes.protobuf` request body: the envelope, then the object's
/// message into JSON, as the handler decodes a create or a review. A decoded object must be
/// a JSON object with the envelope's `kind` and `apiVersion`.
pub fn protobuf(data: &[u8]) {
    let _ = protobuf::decode_envelope(data);
    if let Ok(object) = protobuf::decode(data) {
        let envelope = protobuf::decode_envelope(data).expect("decode read this envelope");
        assert_eq!(object["kind"], Value::String(envelope.kind));
        assert_eq!(object["apiVersion"], Value::String(envelope.api_version));
        let _ = serde_json::to_vec(&object);
    }
}

/// Objects the selectors are matched against.
fn selector_objects() -> [Value; 3] {
    [
        json!({"metadata": {"name": "a", "namespace": "default",
               "labels": {"app": "web", "tier": "3", "": "x"}},
               "spec": {"nodeName": "n1", "hostNetwork": true}, "status": {"phase": "Running"}}),
        json!({"metadata": {"name": "b"}, "type": "kubernetes.io/service-account-token"}),
        json!({"metadata": {"labels": null}, "spec": [1, 2]}),
    ]
}

/// `labelSelector` and `fieldSelector` as a list request carries them. Input: the resource (for
/// the field selector) on the first line, the selector text after it.
pub fn selectors(data: &[u8]) {
    let (resource, selector) = first_line(data);
    let resource = String::from_utf8_lossy(resource);
    let selector = String::from_utf8_lossy(selector);
    let objects = selector_objects();
    if let Ok(s) = LabelSelector::parse(&selector) {
        objects.iter().for_each(|o| {
            s.matches(o);
        });
    }
    if let Ok(s) = FieldSelector::parse(&selector, &resource) {
        objects.iter().for_each(|o| {
            s.matches(o);
        });
        let _ = s.name();
    }
}

/// A strategic merge patch as `PATCH` with `application/strategic-merge-patch+json` applies it.
/// Input: the resource (e.g. `pods`, `roles`) on the first line, then two JSON documents: the
/// stored object and the patch. A document that does not parse stands for `{}`.
pub fn strategic_merge(data: &[u8]) {
    let (resource, rest) = first_line(data);
    let resource = String::from_utf8_lossy(resource);
    let mut docs = serde_json::Deserializer::from_slice(rest).into_iter::<Value>();
    let original = docs
        .next()
        .and_then(Result::ok)
        .unwrap_or_else(|| json!({}));
    let patch = docs
        .next()
        .and_then(Result::ok)
        .unwrap_or_else(|| json!({}));
    if let Ok(merged) = strategic_merge::apply(&resource, &original, &patch) {
        assert!(
            merged.is_object(),
            "a merge result is not an object: {merged}"
        );
    }
}

/// A request line: `METHOD /path?query` turned into kube's RequestInfo and the attributes the
/// authorizer sees, plus the query parameters the handler reads.
pub fn request_info(data: &[u8]) {
    let line = String::from_utf8_lossy(data);
    let (method, target) = line.split_once(' ').unwrap_or(("GET", &line));
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let info = RequestInfo::parse(method, path, query);
    let _ = info.attributes(&UserInfo::default());
    let q = Query::parse(query);
    for key in [
        "fieldSelector",
        "labelSelector",
        "limit",
        "continue",
        "dryRun",
        "watch",
    ] {
        let _ = q.get(key);
    }
    let _ = q.flag("watch");
}
