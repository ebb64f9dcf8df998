//! The admin HTTP API for tests in any language, on the server's own port (the admin client
//! certificate is required; the handler checks it):
//!
//! | request | answer |
//! |---|---|
//! | `POST /__admin/stubs` (a JSON or YAML stub, or a list) | `201 {"id": ...}` (`{"ids": [...]}` for a list) |
//! | `GET /__admin/stubs` | `200 [{"id", "name", "hits", "matched", "stub"}]` |
//! | `GET /__admin/stubs/ID` | `200 {"id", ...}` |
//! | `DELETE /__admin/stubs/ID`, `DELETE /__admin/stubs` | `200 {"deleted": N}` |
//! | `GET /__admin/verify` | `200 {"ok": true}` or `409 {"ok": false, "unmet": [...], "nearMisses": [...]}` |
//! | `POST /__admin/clock` `{"advance": "2h"}`, `GET /__admin/clock` | `200 {"now": ..., "offset": ...}` |
//! | `POST /__admin/compact` | `200 {"compactedRevision": "N"}` |
//! | `POST /__admin/requests/find` (a [`Match`]) | `200 [journal entries]` |

use serde_json::{Value, json};

use super::{Match, StubSet, parse_stubs};
use crate::api::status::Status;
use crate::http::journal::Journal;
use crate::store::Store;

/// One admin request.
pub(crate) struct AdminRequest<'a> {
    pub method: &'a str,
    pub path: &'a str,
    pub content_type: &'a str,
    pub body: &'a [u8],
}

/// What the admin API works on.
pub(crate) struct AdminTarget<'a> {
    pub stubs: &'a StubSet,
    pub store: &'a Store,
    pub journal: &'a Journal,
}

fn bad_request(message: String) -> (u16, Value) {
    (400, Status::bad_request(message).to_value())
}

fn clock_state(store: &Store) -> Value {
    let clock = store.clock();
    json!({
        "now": clock.now_rfc3339(),
        "offset": humantime::format_duration(clock.offset()).to_string(),
    })
}

/// Answers an admin request about stubs, the clock or compaction; `None` if the path is not
/// one of them.
pub(crate) fn handle(t: &AdminTarget<'_>, req: &AdminRequest<'_>) -> Option<(u16, Value)> {
    let yaml = req.content_type.contains("yaml");
    Some(match (req.method, req.path) {
        ("POST", "/__admin/stubs") => {
            let (stubs, list) = match parse_stubs(req.body, yaml) {
                Ok(s) => s,
                Err(e) => return Some(bad_request(e)),
            };
            let mut ids = Vec::new();
            for s in stubs {
                match t.stubs.register(s) {
                    Ok(id) => ids.push(id),
                    Err(e) => {
                        for id in &ids {
                            t.stubs.remove(id);
                        }
                        return Some(bad_request(e.to_string()));
                    }
                }
            }
            match (list, ids.as_slice()) {
                (false, [id]) => (201, json!({ "id": id })),
                _ => (201, json!({ "ids": ids })),
            }
        }
        ("GET", "/__admin/stubs") => (200, json!(t.stubs.list())),
        ("DELETE", "/__admin/stubs") => (200, json!({ "deleted": t.stubs.clear() })),
        ("GET", "/__admin/verify") => match t.stubs.verify() {
            Ok(()) => (200, json!({ "ok": true })),
            Err(e) => {
                let mut v = json!({ "ok": false });
                v["unmet"] = json!(e.unmet);
                v["nearMisses"] = json!(e.near_misses);
                (409, v)
            }
        },
        ("GET", "/__admin/clock") => (200, clock_state(t.store)),
        ("POST", "/__admin/clock") => {
            let parsed: Result<Value, String> = if yaml {
                serde_yaml::from_slice(req.body).map_err(|e| e.to_string())
            } else {
                serde_json::from_slice(req.body).map_err(|e| e.to_string())
            };
            let advance = match parsed {
                Ok(v) => v.get("advance").and_then(Value::as_str).map(str::to_string),
                Err(e) => return Some(bad_request(format!("clock: {e}"))),
            };
            let Some(advance) = advance else {
                return Some(bad_request(
                    "clock: give {\"advance\": \"DURATION\"} (e.g. \"2h\", \"90s\")".into(),
                ));
            };
            match humantime::parse_duration(&advance) {
                Ok(d) => {
                    t.store.clock().advance(d);
                    (200, clock_state(t.store))
                }
                Err(e) => return Some(bad_request(format!("clock: advance {advance:?}: {e}"))),
            }
        }
        ("POST", "/__admin/compact") => (
            200,
            json!({ "compactedRevision": t.store.compact().to_string() }),
        ),
        ("POST", "/__admin/requests/find") => {
            let m: Match = match serde_json::from_slice(req.body)
                .map_err(|e| e.to_string())
                .or_else(|_| serde_yaml::from_slice(req.body).map_err(|e| e.to_string()))
            {
                Ok(m) => m,
                Err(e) => return Some(bad_request(format!("match: {e}"))),
            };
            let found: Vec<Value> = t.journal.matching(&m).iter().map(|e| e.to_json()).collect();
            (200, Value::Array(found))
        }
        (method, path) => {
            let id = path.strip_prefix("/__admin/stubs/")?;
            match method {
                "GET" => match t.stubs.get(id) {
                    Some(s) => (200, json!(s)),
                    None => (404, Status::not_found_path().to_value()),
                },
                "DELETE" if t.stubs.remove(id) => (200, json!({ "deleted": 1 })),
                "DELETE" => (404, Status::not_found_path().to_value()),
                _ => return None,
            }
        }
    })
}
