//! Waiting for one object to change, by watching it rather than asking again and again.
//!
//! [`Api::watch_until`] sends
//! `GET {collection}?fieldSelector=metadata.name%3DNAME&resourceVersion=RV&timeoutSeconds=N&watch=true`
//! (what client-go's `UntilWithoutRetry` and `kubectl wait` send) and reads the answer as it
//! streams, one JSON event per line, `{"type":"MODIFIED","object":{...}}`. It stops reading at
//! the first event that settles the wait, so the caller learns of a controller's change the
//! moment the server stores it, instead of after its next poll.
//!
//! From `resourceVersion` RV the server first replays every change after RV, so a change made
//! between the caller's last read and the watch is not missed. An RV too old for the server
//! ends the stream with one `ERROR` event (410 Expired); that, a stream ended by
//! `timeoutSeconds`, and events the caller cannot decode all give [`Watched::Ended`]: read the
//! object again and watch from its new version.

use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;

use super::{Api, TypedResource};
use crate::client::Request;
use crate::error::Result;

/// How a watch of one object ended.
#[derive(Clone, Debug, PartialEq)]
pub enum Watched<K> {
    /// An `ADDED` or `MODIFIED` event whose object the test accepted.
    Reached(K),
    /// A `DELETED` event: the object is gone.
    Deleted,
    /// The stream ended without either (the server's timeout, an `ERROR` event such as 410
    /// Expired): read the object again.
    Ended,
}

/// One line of a watch stream; the object stays raw until the event type says it matters.
#[derive(Deserialize)]
struct Event {
    #[serde(rename = "type")]
    event_type: String,
    #[serde(default)]
    object: serde_json::Value,
}

/// What one event line settles: `None` to read on.
fn settles<K: TypedResource>(line: &[u8], done: &dyn Fn(&K) -> bool) -> Option<Watched<K>> {
    let event: Event = serde_json::from_slice(line).ok()?;
    match event.event_type.as_str() {
        "ADDED" | "MODIFIED" => {
            let obj: K = serde_json::from_value(event.object).ok()?;
            done(&obj).then_some(Watched::Reached(obj))
        }
        "DELETED" => Some(Watched::Deleted),
        "ERROR" => Some(Watched::Ended),
        // BOOKMARK, and types a newer server may add.
        _ => None,
    }
}

impl<K: TypedResource + 'static> Api<K> {
    /// Watches the object `name` from `resource_version` (empty: from now, after an `ADDED`
    /// event with its current state) for at most `timeout` (whole seconds, at least one, as
    /// `timeoutSeconds`), until `done` accepts its state. Errors are the request's own (for
    /// instance 403 when the caller may not watch); the caller decides whether to poll
    /// instead.
    pub async fn watch_until(
        &self,
        name: &str,
        resource_version: &str,
        timeout: Duration,
        done: impl Fn(&K) -> bool + Send + Sync + 'static,
    ) -> Result<Watched<K>> {
        let mut path = self
            .collection_path()
            .field_selector(&format!("metadata.name={name}"));
        if !resource_version.is_empty() {
            path = path.query("resourceVersion", resource_version);
        }
        // The server should end the watch before the client's limit for one attempt does.
        let timeout = match self.client.options().request_timeout {
            Some(limit) => timeout.min(limit.saturating_sub(Duration::from_secs(1))),
            None => timeout,
        };
        let path = path
            .query("timeoutSeconds", timeout.as_secs().max(1).to_string())
            .query("watch", "true");
        let done = Arc::new(done);
        let test = done.clone();
        let req = Request::get(path).read_until(Arc::new(move |line: &[u8]| {
            settles::<K>(line, test.as_ref()).is_some()
        }));
        let resp = self.client.send(&req).await?;
        Ok(resp
            .body
            .split(|&b| b == b'\n')
            .find_map(|line| settles::<K>(line, done.as_ref()))
            .unwrap_or(Watched::Ended))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::serviceaccount::ServiceAccount;

    fn has_secret(sa: &ServiceAccount) -> bool {
        !sa.secrets.is_empty()
    }

    #[test]
    fn an_event_settles_the_wait_only_when_its_object_is_done() {
        let bare =
            br#"{"type":"MODIFIED","object":{"metadata":{"name":"x","resourceVersion":"5"}}}"#;
        assert_eq!(settles::<ServiceAccount>(bare, &has_secret), None);
        let with = br#"{"type":"MODIFIED","object":{"metadata":{"name":"x"},"secrets":[{"name":"x-token-abc"}]}}"#;
        match settles::<ServiceAccount>(with, &has_secret) {
            Some(Watched::Reached(sa)) => assert_eq!(sa.secrets[0].name, "x-token-abc"),
            other => panic!("{other:?}"),
        }
        let added =
            br#"{"type":"ADDED","object":{"metadata":{"name":"x"},"secrets":[{"name":"t"}]}}"#;
        assert!(matches!(
            settles::<ServiceAccount>(added, &has_secret),
            Some(Watched::Reached(_))
        ));
    }

    #[test]
    fn deleted_error_and_unknown_events() {
        let deleted = br#"{"type":"DELETED","object":{"metadata":{"name":"x"}}}"#;
        assert_eq!(
            settles::<ServiceAccount>(deleted, &has_secret),
            Some(Watched::Deleted)
        );
        // kube-apiserver's answer to a too old resourceVersion (cacher.go's newErrWatcher).
        let expired = br#"{"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"too old resource version: 1 (5)","reason":"Expired","code":410}}"#;
        assert_eq!(
            settles::<ServiceAccount>(expired, &has_secret),
            Some(Watched::Ended)
        );
        let bookmark = br#"{"type":"BOOKMARK","object":{"metadata":{"resourceVersion":"9"}}}"#;
        assert_eq!(settles::<ServiceAccount>(bookmark, &has_secret), None);
        assert_eq!(settles::<ServiceAccount>(b"not json", &has_secret), None);
        assert_eq!(settles::<ServiceAccount>(b"", &has_secret), None);
    }
}
