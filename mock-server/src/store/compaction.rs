//! Resource-version compaction on demand, as etcd compacts its history: after
//! [`Store::compact`], a list `continue` token or a watch from before the compacted revision
//! gets `410 Expired` with the texts the real server uses.
//!
//! Texts: `apiserver/pkg/storage/etcd3/errors.go` (`inconsistentContinue`, answered with a fresh
//! `metadata.continue` whose revision is -1, by `handleCompactedErrorForPaging`) and
//! `apiserver/pkg/storage/cacher/watch_cache.go` (`too old resource version: %d (%d)`, sent as
//! the one `ERROR` event of a 200 watch stream).

use serde_json::Value;

use super::{Inner, Store, paging};
use crate::api::status::Status;

/// etcd3's `inconsistentContinue`: a continue token older than the compacted revision.
pub const INCONSISTENT_CONTINUE: &str = "The provided continue parameter is too old to display a \
consistent list result. You can start a new list without the continue parameter, or use the \
continue token in this response to retrieve the remainder of the results. Continuing with the \
provided token results in an inconsistent list - objects that were created, modified, or deleted \
between the time the first chunk was returned and now may show up in the list.";

impl Store {
    /// Compacts the history at the current resourceVersion, as etcd's compaction does: every
    /// past event is forgotten, so a watch or a list `continue` from an older revision gets
    /// `410 Expired`. Returns the compacted revision.
    pub fn compact(&self) -> u64 {
        let mut inner = self.write();
        inner.compacted = inner.resource_version;
        inner.log.clear();
        inner.compacted
    }

    /// The revision of the last [`Store::compact`] (0 if never).
    pub fn compacted_revision(&self) -> u64 {
        self.read().compacted
    }
}

/// A list continuing at revision `rv` fails once that revision is compacted (-1, "latest",
/// never does).
pub(super) fn check_continue(inner: &Inner, rv: i64) -> Result<(), Status> {
    match u64::try_from(rv) {
        Ok(rv) if rv > 0 && rv < inner.compacted => Err(Status::expired(INCONSISTENT_CONTINUE)),
        _ => Ok(()),
    }
}

/// The body of the 410 for a compacted `continue` token: the Status with `metadata.continue`
/// set to a token that resumes at the same key at the latest revision.
pub fn expired_continue_body(status: &Status, token: &str) -> Value {
    let mut body = status.to_value();
    if let (Ok(cursor), Some(Value::Object(meta))) =
        (paging::decode(token), body.get_mut("metadata"))
    {
        meta.insert(
            "continue".into(),
            Value::String(paging::encode_start(-1, &cursor.start)),
        );
    }
    body
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::registry;
    use crate::store::{ListOptions, WriteOptions};
    use serde_json::json;

    fn store_with_configmaps(n: usize) -> Store {
        let store = Store::new("ca");
        let def = registry::find_plural("configmaps").unwrap();
        for i in 0..n {
            store
                .create(
                    def,
                    "default",
                    json!({"metadata": {"name": format!("cm{i}")}}),
                    &WriteOptions::default(),
                )
                .unwrap();
        }
        store
    }

    #[test]
    fn a_continue_token_from_before_compaction_is_expired_with_a_fresh_token() {
        let store = store_with_configmaps(3);
        let def = registry::find_plural("configmaps").unwrap();
        let page = |token: Option<String>| {
            store.list(
                def,
                Some("default"),
                &ListOptions {
                    limit: 2,
                    continue_token: token,
                    ..Default::default()
                },
            )
        };
        let first = page(None).unwrap();
        let token = first.continue_token.clone().unwrap();
        // Before compaction the token still works; so does it at the compacted revision
        // itself (etcd keeps revision C when compacting at C), hence one more write first.
        assert!(page(Some(token.clone())).is_ok());
        store
            .delete(def, "default", "cm0", &Default::default())
            .unwrap();
        assert_eq!(store.compact(), store.resource_version());
        let err = page(Some(token.clone())).unwrap_err();
        assert_eq!((err.code(), err.reason.as_str()), (410, "Expired"));
        assert_eq!(err.message, INCONSISTENT_CONTINUE);
        let body = expired_continue_body(&err, &token);
        let fresh = body["metadata"]["continue"].as_str().unwrap();
        assert_eq!(
            paging::decode(fresh).unwrap(),
            paging::Cursor {
                resource_version: -1,
                start: "cm1\u{0}".into()
            }
        );
        // The fresh token continues (inconsistently) at the latest revision.
        let rest = page(Some(fresh.to_string())).unwrap();
        assert_eq!(rest.items.len(), 2, "cm2 and kube-root-ca.crt");
        assert_eq!(body["reason"], "Expired");
        assert_eq!(body["code"], 410);
    }

    #[test]
    fn a_watch_from_before_compaction_is_too_old() {
        let store = store_with_configmaps(1);
        let def = registry::find_plural("configmaps").unwrap();
        let before = store.resource_version() - 1;
        assert!(store.watch(def, None, Some(before)).is_ok());
        let compacted = store.compact();
        let err = store.watch(def, None, Some(before)).unwrap_err();
        assert_eq!(err.code(), 410);
        assert_eq!(
            err.message,
            format!("too old resource version: {before} ({compacted})")
        );
        // From the compacted revision on, watching works.
        assert!(store.watch(def, None, Some(compacted)).is_ok());
        assert_eq!(store.compacted_revision(), compacted);
    }
}
