//! The request journal: every request the server answered, with credentials redacted, for
//! wiremock-style assertions in tests (`MockServer::journal()`) and over HTTP
//! (`GET /__admin/requests`, admin only; `DELETE` clears it).

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime};

use serde_json::{Value, json};

use crate::authn::identity::UserInfo;

/// The journal keeps the most recent entries only, so a long-running server stays small.
pub const JOURNAL_CAPACITY: usize = 10_000;

/// Headers whose values are credentials.
const SECRET_HEADERS: &[&str] = &["authorization", "proxy-authorization", "cookie"];

/// One answered request.
#[derive(Clone, Debug, PartialEq)]
pub struct JournalEntry {
    /// HTTP method.
    pub method: String,
    /// URL path.
    pub path: String,
    /// Raw query string (without `?`), empty if none.
    pub query: String,
    /// Request headers in order; credential values are redacted.
    pub headers: Vec<(String, String)>,
    /// The body decoded to JSON (protobuf bodies as the JSON they encode), a JSON string for
    /// other text, `None` when empty. Secret values (`spec.token` of a TokenReview) are redacted.
    pub body: Option<Value>,
    /// Who sent it, as authenticated.
    pub user: UserInfo,
    /// The HTTP status of the answer.
    pub status: u16,
    /// Time from receiving the request head to having the response head ready.
    pub latency: Duration,
    /// When the request arrived.
    pub time: SystemTime,
}

impl JournalEntry {
    /// The value of a header (case-insensitive name), first occurrence.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The entry as the JSON `GET /__admin/requests` returns.
    pub fn to_json(&self) -> Value {
        let headers: serde_json::Map<String, Value> = self
            .headers
            .iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect();
        json!({
            "time": humantime::format_rfc3339_millis(self.time).to_string(),
            "method": self.method,
            "path": self.path,
            "query": self.query,
            "headers": headers,
            "body": self.body,
            "user": {
                "username": self.user.username,
                "uid": self.user.uid,
                "groups": self.user.groups,
            },
            "status": self.status,
            "latencyMicros": self.latency.as_micros() as u64,
        })
    }
}

/// Redacts a header value if it carries a credential: `Bearer <redacted>` keeps the scheme.
pub fn redact_header(name: &str, value: &str) -> String {
    if SECRET_HEADERS.iter().any(|h| name.eq_ignore_ascii_case(h)) {
        match value.split_once(' ') {
            Some((scheme, _)) => format!("{scheme} <redacted>"),
            None => "<redacted>".into(),
        }
    } else {
        value.to_string()
    }
}

/// Redacts credentials inside a decoded request body: a TokenReview's `spec.token`, and the
/// values (not the keys) of a Secret's `data` and `stringData`. `data` values stay valid base64
/// (of `<redacted>`), so journal bodies can still be checked against the OpenAPI schema.
pub fn redact_body(mut body: Value) -> Value {
    match body.get("kind").and_then(Value::as_str) {
        Some("TokenReview") => {
            if let Some(Value::Object(spec)) = body.get_mut("spec")
                && spec.contains_key("token")
            {
                spec.insert("token".into(), Value::String(REDACTED.into()));
            }
        }
        Some("Secret") => {
            for (field, placeholder) in [("data", REDACTED_BASE64), ("stringData", REDACTED)] {
                if let Some(Value::Object(values)) = body.get_mut(field) {
                    for v in values.values_mut() {
                        *v = Value::String(placeholder.into());
                    }
                }
            }
        }
        _ => {}
    }
    body
}

const REDACTED: &str = "<redacted>";
/// base64 of `<redacted>`.
const REDACTED_BASE64: &str = "PHJlZGFjdGVkPg==";

/// A shared, cloneable handle to the journal (the last [`JOURNAL_CAPACITY`] requests).
#[derive(Clone, Debug, Default)]
pub struct Journal {
    entries: Arc<Mutex<VecDeque<JournalEntry>>>,
}

impl Journal {
    fn lock(&self) -> MutexGuard<'_, VecDeque<JournalEntry>> {
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A snapshot of all entries, oldest first.
    pub fn entries(&self) -> Vec<JournalEntry> {
        self.lock().iter().cloned().collect()
    }

    /// Forgets all entries.
    pub fn clear(&self) {
        self.lock().clear();
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether there are no entries.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Appends an entry, dropping the oldest beyond [`JOURNAL_CAPACITY`].
    pub fn record(&self, entry: JournalEntry) {
        let mut entries = self.lock();
        if entries.len() == JOURNAL_CAPACITY {
            entries.pop_front();
        }
        entries.push_back(entry);
    }

    /// All entries as a JSON array.
    pub fn to_json(&self) -> Value {
        Value::Array(self.lock().iter().map(JournalEntry::to_json).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_are_redacted() {
        assert_eq!(
            redact_header("Authorization", "Bearer abc.def"),
            "Bearer <redacted>"
        );
        assert_eq!(redact_header("authorization", "abc"), "<redacted>");
        assert_eq!(redact_header("Impersonate-User", "bob"), "bob");
        let b = redact_body(json!({"kind": "TokenReview", "spec": {"token": "sekret"}}));
        assert_eq!(b["spec"]["token"], "<redacted>");
        assert!(!b.to_string().contains("sekret"));
        let s = redact_body(json!({"kind": "Secret",
            "data": {"token": "c2VrcmV0"}, "stringData": {"password": "sekret"}}));
        assert_eq!(s["data"]["token"], REDACTED_BASE64);
        assert_eq!(s["stringData"]["password"], REDACTED);
        assert!(!s.to_string().contains("c2VrcmV0") && !s.to_string().contains("sekret"));
    }

    #[test]
    fn keeps_only_the_most_recent_entries() {
        let j = Journal::default();
        for i in 0..JOURNAL_CAPACITY + 3 {
            j.record(entry(&format!("/{i}")));
        }
        assert_eq!(j.len(), JOURNAL_CAPACITY);
        assert_eq!(j.entries()[0].path, "/3");
    }

    fn entry(path: &str) -> JournalEntry {
        JournalEntry {
            method: "GET".into(),
            path: path.into(),
            query: String::new(),
            headers: Vec::new(),
            body: None,
            user: UserInfo::anonymous(),
            status: 200,
            latency: Duration::from_micros(5),
            time: SystemTime::now(),
        }
    }

    #[test]
    fn record_entries_and_clear() {
        let j = Journal::default();
        j.record(JournalEntry {
            method: "GET".into(),
            path: "/version".into(),
            query: String::new(),
            headers: vec![("User-Agent".into(), "t".into())],
            body: None,
            user: UserInfo::anonymous(),
            status: 200,
            latency: Duration::from_micros(5),
            time: SystemTime::now(),
        });
        let clone = j.clone();
        assert_eq!(clone.len(), 1);
        assert_eq!(j.entries()[0].header("user-agent"), Some("t"));
        assert_eq!(j.to_json()[0]["status"], 200);
        clone.clear();
        assert!(j.is_empty());
    }
}
