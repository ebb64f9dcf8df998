//! The JSON body of a list answer, whole or streamed.
//!
//! kube-apiserver encodes a large list as it writes it (KEP-5116, "Streaming encoding for
//! LIST responses", beta in 1.33 and on by default, stable in 1.34): item by item into the
//! response, never the whole body in one buffer, so a 50 MB list no longer costs 50 MB more
//! memory while it is sent. The bytes on the wire are the same as those of the whole body.
//! Go's HTTP server sends a body it does not know the length of with chunked transfer
//! encoding on HTTP/1.1 (no `Content-Length`), as [`Streamed`] is sent here.

use std::convert::Infallible;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use hyper::body::Frame;
use serde_json::{Map, Value, json};

use crate::api::registry::ResourceDef;
use crate::store::SharedList;
use crate::store::encoded::Encoded;

/// About how many bytes of items [`Streamed`] hands out at a time: four TLS records.
const CHUNK: usize = 64 * 1024;

/// The list's `metadata`.
pub(crate) fn metadata(list: &SharedList) -> Map<String, Value> {
    let mut meta = Map::new();
    meta.insert(
        "resourceVersion".into(),
        json!(list.resource_version.to_string()),
    );
    if let Some(c) = &list.continue_token {
        meta.insert("continue".into(), json!(c));
    }
    if let Some(n) = list.remaining_item_count {
        meta.insert("remainingItemCount".into(), json!(n));
    }
    meta
}

/// The body's beginning: `{"kind":…,"apiVersion":…,"metadata":{…},"items":[`.
fn head(def: &ResourceDef, list: &SharedList) -> Vec<u8> {
    #[derive(serde::Serialize)]
    struct ListHead {
        kind: String,
        #[serde(rename = "apiVersion")]
        api_version: String,
        metadata: Map<String, Value>,
    }
    let head = ListHead {
        kind: def.list_kind(),
        api_version: def.api_version(),
        metadata: metadata(list),
    };
    // The head encoded, its closing brace (and the encoder's newline) replaced by the start
    // of the items, which are spliced in as the store holds them.
    let mut body = crate::api::status::encode_json(&head);
    body.truncate(body.len().saturating_sub(2));
    body.extend_from_slice(b",\"items\":[");
    body
}

/// The body's end.
const TAIL: &[u8] = b"]}\n";

/// The whole body in one buffer.
pub(crate) fn whole(def: &ResourceDef, list: &SharedList) -> Vec<u8> {
    let mut body = head(def, list);
    body.reserve(list.items_len() + TAIL.len());
    list.write_items(&mut body);
    body.extend_from_slice(TAIL);
    body
}

/// The body written a chunk at a time as the connection takes it, from the items the list
/// picked (shared with the store, so writes that come after the list do not show in it).
pub(crate) struct Streamed {
    head: Option<Vec<u8>>,
    items: std::vec::IntoIter<Arc<Encoded>>,
    /// Whether an item has been written (the next one needs a comma).
    wrote_item: bool,
    done: bool,
}

impl Streamed {
    /// The body of `list`.
    pub(crate) fn new(def: &ResourceDef, list: SharedList) -> Streamed {
        Streamed {
            head: Some(head(def, &list)),
            items: list.items.into_iter(),
            wrote_item: false,
            done: false,
        }
    }

    /// The next chunk: at least [`CHUNK`] bytes unless it is the last.
    fn next_chunk(&mut self) -> Vec<u8> {
        let mut out = self.head.take().unwrap_or_default();
        out.reserve(CHUNK + CHUNK / 4);
        while out.len() < CHUNK {
            let Some(item) = self.items.next() else {
                out.extend_from_slice(TAIL);
                self.done = true;
                break;
            };
            if self.wrote_item {
                out.push(b',');
            }
            item.write_item(&mut out);
            self.wrote_item = true;
        }
        out
    }
}

impl hyper::body::Body for Streamed {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        // Ready at once, chunk after chunk: hyper writes them until the socket is full (or
        // tokio's budget for the task runs out), then the connection waits for the socket.
        // Measured and left out: returning Pending (after waking itself) between chunks, to
        // put the connection behind the other tasks on the runtime worker. It kept a worker
        // busy with a task always ready, and tokio looks for new I/O on a busy worker only
        // every 61 polls: other clients' GETs waited for that (open-loop p99 3.5-4.6x idle
        // against 0.9-1.2x without the pause, `scripts/bench-mock.sh`).
        let this = self.get_mut();
        if this.done {
            return Poll::Ready(None);
        }
        Poll::Ready(Some(Ok(Frame::data(Bytes::from(this.next_chunk())))))
    }

    fn is_end_stream(&self) -> bool {
        self.done
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt;

    fn list_of(n: usize) -> SharedList {
        let items = (0..n)
            .map(|i| {
                Arc::new(Encoded::new(&json!({
                    "kind": "ConfigMap",
                    "apiVersion": "v1",
                    "metadata": {"name": format!("cm-{i:05}"), "namespace": "default"},
                    "data": {"k": "<&>".repeat(i % 50)},
                })))
            })
            .collect();
        SharedList {
            items,
            resource_version: 42,
            continue_token: Some("next".into()),
            remaining_item_count: Some(7),
        }
    }

    fn configmaps() -> &'static ResourceDef {
        crate::api::registry::find("", "v1", "configmaps").expect("configmaps")
    }

    #[tokio::test]
    async fn streamed_is_the_whole_body_in_chunks() {
        for n in [0, 1, 2, 300, 3000] {
            let list = list_of(n);
            let whole = whole(configmaps(), &list);
            let mut body = Streamed::new(configmaps(), list);
            let mut chunks = Vec::new();
            while let Some(frame) = body.frame().await {
                chunks.push(frame.unwrap().into_data().unwrap());
            }
            assert_eq!(chunks.concat(), whole, "{n} items");
            // Every chunk but the last is at least CHUNK bytes, and none is much larger.
            let (last, rest) = chunks.split_last().unwrap();
            assert!(rest.iter().all(|c| (CHUNK..2 * CHUNK).contains(&c.len())));
            assert!(last.len() < 2 * CHUNK);
            let v: Value = serde_json::from_slice(&whole).unwrap();
            assert_eq!(v["items"].as_array().unwrap().len(), n);
            assert_eq!(v["metadata"]["remainingItemCount"], 7);
            assert_eq!(v["items"].get(0).and_then(|i| i.get("kind")), None);
        }
    }
}
