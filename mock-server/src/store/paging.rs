//! List paging as kube-apiserver's storage does it (`apiserver/pkg/storage/continue.go`,
//! `etcd3/store.go`, `cacher`): objects are ordered by their storage key, a page ends after
//! `limit` matching objects, and the continue token is
//! `base64url({"v":"meta.k8s.io/v1","rv":RV,"start":"<key of the last object>\u0000"})`
//! with the key relative to the list's prefix (`name` in a namespace, `namespace/name` across
//! namespaces). A token is handed out whenever any object follows the page, matching or not;
//! `remainingItemCount` only without selectors. The next page is read at the token's
//! resourceVersion, which it reports.
//!
//! [`TailCounts`] remembers how many objects follow the pages it handed out, so paging through
//! an unchanged collection counts what follows once instead of once per page.

use std::collections::VecDeque;
use std::sync::Mutex;

use base64::Engine as _;
use serde_json::{Value, json};

use crate::api::status::Status;

/// A decoded continue token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cursor {
    /// The resourceVersion of the first page; -1 continues at the latest revision (the token
    /// a 410 for a compacted continue token offers).
    pub resource_version: i64,
    /// Objects whose key sorts at or after this come next.
    pub start: String,
}

/// The storage key of an object relative to the list's prefix.
pub fn relative_key(across_namespaces: bool, namespace: &str, name: &str) -> String {
    if across_namespaces {
        format!("{namespace}/{name}")
    } else {
        name.to_string()
    }
}

/// `PrepareContinueToken`: the token that resumes after the object with key `last`.
pub fn encode(resource_version: u64, last: &str) -> String {
    encode_start(resource_version as i64, &format!("{last}\u{0}"))
}

/// A token that resumes at key `start` (inclusive) at `resource_version` (-1: the latest).
pub fn encode_start(resource_version: i64, start: &str) -> String {
    let token = json!({"v": "meta.k8s.io/v1", "rv": resource_version, "start": start});
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(token.to_string())
}

/// `path.Clean("/" + key) == "/" + key`: the key does not climb out of the list's prefix.
fn is_clean(key: &str) -> bool {
    let k = key.strip_prefix('/').unwrap_or(key);
    !k.is_empty() && !k.ends_with('/') && k.split('/').all(|seg| !matches!(seg, "" | "." | ".."))
}

/// `DecodeContinue`, with the apiserver's 400 texts.
pub fn decode(token: &str) -> Result<Cursor, Status> {
    let invalid = |why: String| Status::bad_request(format!("invalid continue token: {why}"));
    let generic = "continue key is not valid";
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(token)
        .map_err(|e| invalid(format!("{generic}: {e}")))?;
    let v: Value = serde_json::from_slice(&raw).map_err(|e| invalid(format!("{generic}: {e}")))?;
    match v.get("v").and_then(Value::as_str).unwrap_or("") {
        "meta.k8s.io/v1" => {}
        other => {
            return Err(invalid(format!(
                "{generic}: server does not recognize this encoded version {other}"
            )));
        }
    }
    let rv = v.get("rv").and_then(Value::as_i64).unwrap_or(0);
    if rv == 0 {
        return Err(invalid(format!(
            "{generic}: incorrect encoded start resourceVersion (version meta.k8s.io/v1)"
        )));
    }
    let start = v.get("start").and_then(Value::as_str).unwrap_or("");
    if start.is_empty() {
        return Err(invalid(format!(
            "{generic}: encoded start key empty (version meta.k8s.io/v1)"
        )));
    }
    if !is_clean(start) {
        return Err(invalid(format!("{generic}: {start}")));
    }
    Ok(Cursor {
        resource_version: rv,
        start: start.trim_start_matches('/').to_string(),
    })
}

/// How many pages' tail counts are remembered (a few clients paging at once).
const TAIL_COUNTS: usize = 16;

/// How many objects of a list's scope sort at or after a page's continue key, remembered for
/// as long as no object of that resource changes. Counting them (for `remainingItemCount`) walks every
/// one; the next page's count is this one less that page's length, so paging through an
/// unchanged collection walks it once, on the first page, instead of once per page.
#[derive(Debug, Default)]
pub(crate) struct TailCounts(Mutex<VecDeque<TailCount>>);

#[derive(Debug)]
struct TailCount {
    /// Its resource's generation when counted (the store's change count at the resource's last
    /// change): any change of the resource since makes it unknown.
    generation: u64,
    plural: &'static str,
    namespace: String,
    start: String,
    count: usize,
}

impl TailCounts {
    fn entries(&self) -> std::sync::MutexGuard<'_, VecDeque<TailCount>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The number of objects of `plural` in `namespace` whose key sorts at or after `start`,
    /// if it was counted at the resource's generation `generation`.
    pub(crate) fn get(
        &self,
        generation: u64,
        plural: &str,
        namespace: &str,
        start: &str,
    ) -> Option<usize> {
        self.entries()
            .iter()
            .find(|t| {
                t.generation == generation
                    && t.plural == plural
                    && t.namespace == namespace
                    && t.start == start
            })
            .map(|t| t.count)
    }

    /// Remembers [`TailCounts::get`]'s answer, forgetting the oldest beyond [`TAIL_COUNTS`].
    pub(crate) fn put(
        &self,
        generation: u64,
        plural: &'static str,
        namespace: &str,
        start: String,
        count: usize,
    ) {
        let mut entries = self.entries();
        entries.retain(|t| t.plural != plural || t.generation == generation);
        entries.truncate(TAIL_COUNTS - 1);
        entries.push_front(TailCount {
            generation,
            plural,
            namespace: namespace.to_string(),
            start,
            count,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_etcd3_tokens() {
        let t = encode(42, "default/web");
        let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(&t)
            .unwrap();
        assert_eq!(
            String::from_utf8(raw).unwrap(),
            r#"{"v":"meta.k8s.io/v1","rv":42,"start":"default/web\u0000"}"#
        );
        assert_eq!(
            decode(&t).unwrap(),
            Cursor {
                resource_version: 42,
                start: "default/web\u{0}".into()
            }
        );
    }

    #[test]
    fn bad_tokens_get_the_storage_layer_texts() {
        let enc = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
        let msg = |t: &str| decode(t).unwrap_err().message;
        assert_eq!(
            msg(&enc(r#"{"v":"meta.k8s.io/v1","rv":0,"start":"a"}"#)),
            "invalid continue token: continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)"
        );
        assert_eq!(
            msg(&enc(r#"{"v":"meta.k8s.io/v1","rv":3,"start":""}"#)),
            "invalid continue token: continue key is not valid: encoded start key empty (version meta.k8s.io/v1)"
        );
        assert_eq!(
            msg(&enc(r#"{"v":"v2","rv":3,"start":"a"}"#)),
            "invalid continue token: continue key is not valid: server does not recognize this encoded version v2"
        );
        assert_eq!(
            msg(&enc(r#"{"v":"meta.k8s.io/v1","rv":3,"start":"../etc"}"#)),
            "invalid continue token: continue key is not valid: ../etc"
        );
        assert!(msg("garbage!").starts_with("invalid continue token: continue key is not valid: "));
    }
}
