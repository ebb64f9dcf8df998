//! The one model of a stub, shared by the Rust builder, `POST /__admin/stubs` and
//! `mock-apiserver --stubs FILE`: the serde types below are what all three read and write.
//!
//! ```json
//! {"name": "throttle", "match": {"verb": "create", "resource": "serviceaccounts"},
//!  "times": 2, "priority": 1, "expect": {"min": 1, "max": 3},
//!  "respond": {"status": 429, "retryAfterSeconds": 1}}
//! ```

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::matching::StubRequest;

/// The priority a stub gets when none is given (1 is the highest, as in wiremock).
pub const DEFAULT_PRIORITY: u8 = 5;

/// A Kubernetes verb, as RequestInfo names it (`GET` of a collection is `list`, with
/// `watch=true` it is `watch`; `POST` is `create`, `PUT` `update`, `DELETE` of a collection
/// `deletecollection`). A non-resource `GET` (`/version`) is `get`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verb {
    /// `GET` of one object.
    Get,
    /// `GET` of a collection.
    List,
    /// `GET` with `watch=true`.
    Watch,
    /// `POST`.
    Create,
    /// `PUT`.
    Update,
    /// `PATCH`.
    Patch,
    /// `DELETE` of one object.
    Delete,
    /// `DELETE` of a collection.
    Deletecollection,
}

impl Verb {
    /// The verb as RequestInfo and RBAC spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            Verb::Get => "get",
            Verb::List => "list",
            Verb::Watch => "watch",
            Verb::Create => "create",
            Verb::Update => "update",
            Verb::Patch => "patch",
            Verb::Delete => "delete",
            Verb::Deletecollection => "deletecollection",
        }
    }
}

/// Which requests a stub applies to, by their Kubernetes meaning. Every field is optional;
/// an empty `Match` matches every request. `group: ""` is the core group (absent: any group).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Match {
    /// The verb.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verb: Option<Verb>,
    /// The API group (`""` for core).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// The API version (`v1`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// The plural resource (`serviceaccounts`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource: Option<String>,
    /// The subresource (`token`, `status`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subresource: Option<String>,
    /// The namespace of the URL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// The object name of the URL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The user the request acts as (after impersonation), e.g. `system:serviceaccount:default:robot`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// One of the groups of that user, e.g. `system:masters`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_group: Option<String>,
    /// The exact URL path, for non-resource requests such as `/version`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// Query parameters that must be present with these (decoded) values.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub query: BTreeMap<String, String>,
    /// Headers (case-insensitive names) that must be present with these values.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, String>,
    /// JSON the request body must contain (objects: these keys with contained values; arrays:
    /// these elements at the same positions, as wiremock's `body_partial_json`). YAML and
    /// protobuf bodies are decoded to JSON first.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<Value>,
}

impl Match {
    /// Matches every request.
    pub fn any() -> Match {
        Match::default()
    }

    /// Matches requests with this verb.
    pub fn on(verb: Verb) -> Match {
        Match::any().verb(verb)
    }

    /// Requires the verb.
    pub fn verb(mut self, verb: Verb) -> Match {
        self.verb = Some(verb);
        self
    }

    /// Requires the API group (`""` for core).
    pub fn group(mut self, group: &str) -> Match {
        self.group = Some(group.into());
        self
    }

    /// Requires the API version.
    pub fn version(mut self, version: &str) -> Match {
        self.version = Some(version.into());
        self
    }

    /// Requires the plural resource.
    pub fn resource(mut self, resource: &str) -> Match {
        self.resource = Some(resource.into());
        self
    }

    /// Requires the subresource.
    pub fn subresource(mut self, subresource: &str) -> Match {
        self.subresource = Some(subresource.into());
        self
    }

    /// Requires the namespace.
    pub fn namespace(mut self, namespace: &str) -> Match {
        self.namespace = Some(namespace.into());
        self
    }

    /// Requires the object name.
    pub fn name(mut self, name: &str) -> Match {
        self.name = Some(name.into());
        self
    }

    /// Requires the (impersonated) user name.
    pub fn user(mut self, user: &str) -> Match {
        self.user = Some(user.into());
        self
    }

    /// Requires the user to be in `group`.
    pub fn user_group(mut self, group: &str) -> Match {
        self.user_group = Some(group.into());
        self
    }

    /// Requires the exact URL path.
    pub fn path(mut self, path: &str) -> Match {
        self.path = Some(path.into());
        self
    }

    /// Requires a query parameter with this value.
    pub fn query(mut self, key: &str, value: &str) -> Match {
        self.query.insert(key.into(), value.into());
        self
    }

    /// Requires a header with this value.
    pub fn header(mut self, name: &str, value: &str) -> Match {
        self.headers.insert(name.to_ascii_lowercase(), value.into());
        self
    }

    /// Requires the body to contain `json`.
    pub fn body(mut self, json: Value) -> Match {
        self.body = Some(json);
        self
    }
}

/// How many requests [`crate::MockServer::verify`] expects a stub to have answered (its
/// hits, as wiremock counts them: requests let through by `after` or beyond `times` are not
/// hits): `"expect": 3` or `"expect": {"min": 1, "max": 3}` (either bound optional).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "Value")]
pub struct Expect {
    /// At least this many.
    pub min: u64,
    /// At most this many.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max: Option<u64>,
}

impl Expect {
    /// Whether `n` hits satisfy the expectation.
    pub fn holds(&self, n: u64) -> bool {
        n >= self.min && self.max.is_none_or(|m| n <= m)
    }
}

impl fmt::Display for Expect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.max {
            Some(m) if m == self.min => write!(f, "exactly {m}"),
            Some(m) => write!(f, "between {} and {m}", self.min),
            None => write!(f, "at least {}", self.min),
        }
    }
}

impl TryFrom<Value> for Expect {
    type Error = String;

    fn try_from(v: Value) -> Result<Expect, String> {
        let count = |v: &Value, what: &str| {
            v.as_u64()
                .ok_or_else(|| format!("{what} must be a non-negative integer, got {v}"))
        };
        match &v {
            Value::Number(_) => count(&v, "expect").map(Expect::from),
            Value::Object(m) => {
                if let Some(k) = m.keys().find(|k| *k != "min" && *k != "max") {
                    return Err(format!(
                        "unknown field `{k}` in expect, expected `min` or `max`"
                    ));
                }
                let min = m.get("min").map(|v| count(v, "expect.min")).transpose()?;
                let max = m.get("max").map(|v| count(v, "expect.max")).transpose()?;
                Ok(Expect {
                    min: min.unwrap_or(0),
                    max,
                })
            }
            other => Err(format!(
                "expect must be a count or {{\"min\": N, \"max\": M}}, got {other}"
            )),
        }
    }
}

impl From<u64> for Expect {
    fn from(n: u64) -> Expect {
        Expect {
            min: n,
            max: Some(n),
        }
    }
}

impl From<std::ops::RangeInclusive<u64>> for Expect {
    fn from(r: std::ops::RangeInclusive<u64>) -> Expect {
        Expect {
            min: *r.start(),
            max: Some(*r.end()),
        }
    }
}

impl From<std::ops::RangeFrom<u64>> for Expect {
    fn from(r: std::ops::RangeFrom<u64>) -> Expect {
        Expect {
            min: r.start,
            max: None,
        }
    }
}

impl From<std::ops::RangeToInclusive<u64>> for Expect {
    fn from(r: std::ops::RangeToInclusive<u64>) -> Expect {
        Expect {
            min: 0,
            max: Some(r.end),
        }
    }
}

/// A connection-level failure instead of an answer (WireMock's fault names where they exist).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Fault {
    /// TCP RST before any answer: the client sees "connection reset by peer".
    ConnectionReset,
    /// The connection is closed cleanly (TLS close_notify, FIN) without any answer: curl's
    /// "Empty reply from server".
    EmptyResponse,
    /// `200` headers with a chunked body, then bytes that are not a chunk, then a close.
    MalformedChunk,
    /// Random bytes instead of an HTTP answer, then a close.
    RandomDataThenClose,
    /// No answer at all until the client gives up (its timeout) or goes away; other requests
    /// on the same connection are still answered.
    Stall,
    /// `200` headers announcing a body, then the connection is closed.
    CloseAfterHeaders,
    /// HTTP/2 GOAWAY (NO_ERROR, last stream 0: "not processed, retry elsewhere"), then the
    /// connection is closed, as a kube-apiserver going away does. An HTTP/1.1 connection has
    /// no GOAWAY: it is closed without an answer.
    Goaway,
}

impl Fault {
    /// The wire name (`connection-reset`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Fault::ConnectionReset => "connection-reset",
            Fault::EmptyResponse => "empty-response",
            Fault::MalformedChunk => "malformed-chunk",
            Fault::RandomDataThenClose => "random-data-then-close",
            Fault::Stall => "stall",
            Fault::CloseAfterHeaders => "close-after-headers",
            Fault::Goaway => "goaway",
        }
    }
}

/// One scripted watch event.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScriptedEvent {
    /// `ADDED`, `MODIFIED`, `DELETED`, `BOOKMARK` or `ERROR`.
    #[serde(rename = "type")]
    pub event_type: String,
    /// The object sent as is.
    pub object: Value,
}

/// How a scripted watch ends after its events: `"close"` (the default), `"stall"` (stays
/// open until the client leaves), or `{"status": 410, "message": ...}`: an `ERROR` event
/// carrying that Status, then a close.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "Value", into = "Value")]
pub enum WatchEnd {
    /// End the stream.
    #[default]
    Close,
    /// Keep the stream open until the client goes away.
    Stall,
    /// Send an `ERROR` event with the Status for this code, then end the stream.
    Error {
        /// The Status code (410 gives `Expired` with the etcd watch text).
        status: u16,
        /// Overrides the message.
        message: Option<String>,
        /// Overrides the reason.
        reason: Option<String>,
    },
}

impl WatchEnd {
    /// An `ERROR` event with the Status for `status`.
    pub fn error(status: u16) -> WatchEnd {
        WatchEnd::Error {
            status,
            message: None,
            reason: None,
        }
    }
}

impl TryFrom<Value> for WatchEnd {
    type Error = String;

    fn try_from(v: Value) -> Result<WatchEnd, String> {
        match &v {
            Value::String(s) if s == "close" => Ok(WatchEnd::Close),
            Value::String(s) if s == "stall" => Ok(WatchEnd::Stall),
            Value::Object(m) => {
                if let Some(k) = m
                    .keys()
                    .find(|k| !matches!(k.as_str(), "status" | "message" | "reason"))
                {
                    return Err(format!(
                        "unknown field `{k}` in watch.then, expected `status`, `message` or `reason`"
                    ));
                }
                let status = m
                    .get("status")
                    .and_then(Value::as_u64)
                    .and_then(|s| u16::try_from(s).ok())
                    .ok_or("watch.then needs a numeric `status`")?;
                let text = |k: &str| m.get(k).and_then(Value::as_str).map(str::to_string);
                Ok(WatchEnd::Error {
                    status,
                    message: text("message"),
                    reason: text("reason"),
                })
            }
            other => Err(format!(
                "watch.then must be \"close\", \"stall\" or {{\"status\": CODE}}, got {other}"
            )),
        }
    }
}

impl From<WatchEnd> for Value {
    fn from(end: WatchEnd) -> Value {
        match end {
            WatchEnd::Close => json!("close"),
            WatchEnd::Stall => json!("stall"),
            WatchEnd::Error {
                status,
                message,
                reason,
            } => {
                let mut v = json!({ "status": status });
                if let Some(m) = message {
                    v["message"] = json!(m);
                }
                if let Some(r) = reason {
                    v["reason"] = json!(r);
                }
                v
            }
        }
    }
}

/// A scripted answer to a watch: these events, then `then`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WatchScript {
    /// The events, in order.
    #[serde(default)]
    pub events: Vec<ScriptedEvent>,
    /// What follows the events.
    #[serde(default)]
    pub then: WatchEnd,
    /// Pause before each event.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval_ms: Option<u64>,
}

impl WatchScript {
    /// No events, then a close.
    pub fn new() -> WatchScript {
        WatchScript::default()
    }

    /// Appends an event of `event_type` (`ADDED`, ...).
    pub fn event(mut self, event_type: &str, object: Value) -> WatchScript {
        self.events.push(ScriptedEvent {
            event_type: event_type.into(),
            object,
        });
        self
    }

    /// Appends an `ADDED` event.
    pub fn added(self, object: Value) -> WatchScript {
        self.event("ADDED", object)
    }

    /// Appends a `MODIFIED` event.
    pub fn modified(self, object: Value) -> WatchScript {
        self.event("MODIFIED", object)
    }

    /// Appends a `DELETED` event.
    pub fn deleted(self, object: Value) -> WatchScript {
        self.event("DELETED", object)
    }

    /// Pauses this long before each event.
    pub fn interval(mut self, pause: Duration) -> WatchScript {
        self.interval_ms = Some(duration_ms(pause));
        self
    }

    /// Ends the script this way.
    pub fn then(mut self, end: WatchEnd) -> WatchScript {
        self.then = end;
        self
    }
}

/// A closure that answers a request (Rust only; `POST /__admin/stubs` cannot carry one).
pub type Responder = Arc<dyn Fn(&StubRequest) -> Respond + Send + Sync>;

/// The answer of a stub. Exactly one of `status`, `passThrough`, `fault`, `watch` (or, from
/// Rust, a closure) must be given:
///
/// * `{"status": 429, "retryAfterSeconds": 1}`: a Kubernetes `Status` built from the code,
///   worded as kube-apiserver words it (see [`super::responders`]); `message` and `reason`
///   override the defaults, `plain: true` sends the message as `text/plain` the way Go's
///   `http.Error` does (how the real max-in-flight / priority-and-fairness filters send a 429);
/// * `{"status": 200, "headers": {...}, "body": {...}}` (or `bodyText`): exactly this answer;
/// * `{"passThrough": true, "delayMs": 1500}`: the normal answer, after the delay;
/// * `{"fault": "connection-reset"}` and the other [`Fault`]s;
/// * `{"watch": {"events": [...], "then": "close"}}`.
///
/// `delayMs` delays any of them.
#[derive(Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Respond {
    /// The HTTP status code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// The Status `message` (or the `text/plain` body with `plain`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// The Status `reason` (`Unknown` for none, as a plain Go error gets).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// `Retry-After` header and `details.retryAfterSeconds`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_after_seconds: Option<u32>,
    /// Send the message as `text/plain` instead of a Status.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub plain: bool,
    /// Extra response headers.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, String>,
    /// A literal JSON body.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<Value>,
    /// A literal text body.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body_text: Option<String>,
    /// Let the request through to the store (after `delayMs`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub pass_through: bool,
    /// Wait this long before answering.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delay_ms: Option<u64>,
    /// Break the connection instead of answering.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fault: Option<Fault>,
    /// A scripted watch stream.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub watch: Option<WatchScript>,
    /// A closure that decides per request.
    #[serde(skip)]
    pub(crate) closure: Option<Responder>,
}

impl fmt::Debug for Respond {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut v = serde_json::to_value(self).unwrap_or(Value::Null);
        if self.closure.is_some() {
            v["closure"] = json!(true);
        }
        write!(f, "Respond({v})")
    }
}

fn duration_ms(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

impl Respond {
    /// A Kubernetes Status for `code`, worded as the real server words it.
    pub fn status(code: u16) -> Respond {
        Respond {
            status: Some(code),
            ..Respond::default()
        }
    }

    /// A literal answer: `code` with `body` as JSON.
    pub fn json(code: u16, body: Value) -> Respond {
        Respond {
            status: Some(code),
            body: Some(body),
            ..Respond::default()
        }
    }

    /// A literal answer: `code` with `body` as text.
    pub fn text(code: u16, body: &str) -> Respond {
        Respond {
            status: Some(code),
            body_text: Some(body.into()),
            ..Respond::default()
        }
    }

    /// The store's normal answer (combine with [`Respond::delay`]).
    pub fn pass_through() -> Respond {
        Respond {
            pass_through: true,
            ..Respond::default()
        }
    }

    /// A connection fault instead of an answer.
    pub fn fault(fault: Fault) -> Respond {
        Respond {
            fault: Some(fault),
            ..Respond::default()
        }
    }

    /// A scripted watch stream.
    pub fn watch(script: WatchScript) -> Respond {
        Respond {
            watch: Some(script),
            ..Respond::default()
        }
    }

    /// Decides per request: `f` sees the request and returns the answer (which must not be a
    /// closure itself).
    pub fn with(f: impl Fn(&StubRequest) -> Respond + Send + Sync + 'static) -> Respond {
        Respond {
            closure: Some(Arc::new(f)),
            ..Respond::default()
        }
    }

    /// Overrides the Status message.
    pub fn message(mut self, message: &str) -> Respond {
        self.message = Some(message.into());
        self
    }

    /// Overrides the Status reason (`Unknown` for none).
    pub fn reason(mut self, reason: &str) -> Respond {
        self.reason = Some(reason.into());
        self
    }

    /// Sets `Retry-After` (and `details.retryAfterSeconds` where kube sets it).
    pub fn retry_after(mut self, seconds: u32) -> Respond {
        self.retry_after_seconds = Some(seconds);
        self
    }

    /// Sends the message as `text/plain`, as Go's `http.Error` does.
    pub fn plain(mut self) -> Respond {
        self.plain = true;
        self
    }

    /// Adds a response header.
    pub fn header(mut self, name: &str, value: &str) -> Respond {
        self.headers.insert(name.into(), value.into());
        self
    }

    /// Waits this long before answering.
    pub fn delay(mut self, delay: Duration) -> Respond {
        self.delay_ms = Some(duration_ms(delay));
        self
    }

    /// Checks that the answer is well-formed; `Err((field, message))` names what is wrong.
    pub(crate) fn validate(&self) -> Result<(), (String, String)> {
        let err = |field: &str, msg: String| Err((format!("respond.{field}"), msg));
        let forms: Vec<&str> = [
            ("status", self.status.is_some()),
            ("passThrough", self.pass_through),
            ("fault", self.fault.is_some()),
            ("watch", self.watch.is_some()),
            ("closure", self.closure.is_some()),
        ]
        .into_iter()
        .filter_map(|(n, set)| set.then_some(n))
        .collect();
        if forms.len() != 1 {
            return Err((
                "respond".into(),
                format!(
                    "give exactly one of status, passThrough, fault, watch (found {})",
                    if forms.is_empty() {
                        "none".to_string()
                    } else {
                        forms.join(", ")
                    }
                ),
            ));
        }
        if self.status.is_none() {
            let status_only = [
                ("message", self.message.is_some()),
                ("reason", self.reason.is_some()),
                ("retryAfterSeconds", self.retry_after_seconds.is_some()),
                ("plain", self.plain),
                ("headers", !self.headers.is_empty()),
                ("body", self.body.is_some()),
                ("bodyText", self.body_text.is_some()),
            ];
            if let Some((field, _)) = status_only.iter().find(|(_, set)| *set) {
                return err(
                    field,
                    format!("only applies to a status answer ({})", forms[0]),
                );
            }
        }
        if let Some(code) = self.status
            && !(100..=599).contains(&code)
        {
            return err("status", format!("{code} is not an HTTP status code"));
        }
        if self.body.is_some() && self.body_text.is_some() {
            return err("bodyText", "give body or bodyText, not both".into());
        }
        if self.plain && (self.body.is_some() || self.body_text.is_some()) {
            return err("plain", "plain builds its own body; drop body".into());
        }
        for (name, value) in &self.headers {
            if hyper::header::HeaderName::from_bytes(name.as_bytes()).is_err() {
                return err("headers", format!("{name:?} is not a header name"));
            }
            if hyper::header::HeaderValue::from_str(value).is_err() {
                return err(
                    "headers",
                    format!("the value of {name} is not a header value"),
                );
            }
        }
        if let Some(script) = &self.watch {
            for (i, e) in script.events.iter().enumerate() {
                if !matches!(
                    e.event_type.as_str(),
                    "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK" | "ERROR"
                ) {
                    return err(
                        &format!("watch.events[{i}].type"),
                        format!(
                            "{:?} is not ADDED, MODIFIED, DELETED, BOOKMARK or ERROR",
                            e.event_type
                        ),
                    );
                }
            }
            if let WatchEnd::Error { status, .. } = script.then
                && !(100..=599).contains(&status)
            {
                return err(
                    "watch.then.status",
                    format!("{status} is not an HTTP status code"),
                );
            }
        }
        Ok(())
    }
}

/// A stub: which requests (`match`), how often (`times`, `after`, `priority`, `expect`) and
/// the answer (`respond`). Build one with [`Stub::on`] or deserialize it.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Stub {
    /// A name for listings and verify reports.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Which requests it applies to.
    #[serde(rename = "match", default)]
    pub matcher: Match,
    /// Answer at most this many matching requests, then step aside.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub times: Option<u64>,
    /// Let the first this many matching requests through untouched.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub after: u64,
    /// 1 is the highest; among equal priorities the earliest registered stub wins.
    #[serde(default = "default_priority")]
    pub priority: u8,
    /// How many requests verify expects the stub to have answered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expect: Option<Expect>,
    /// Run before authentication and authorization (so a stub can answer an unauthenticated
    /// or forbidden request); such a stub cannot match on the user.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub before_auth: bool,
    /// The answer.
    pub respond: Respond,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

fn default_priority() -> u8 {
    DEFAULT_PRIORITY
}

/// Builder methods that narrow a stub's [`Match`], one per match field.
macro_rules! match_setters {
    ($($(#[$doc:meta])* $name:ident($arg:ident: $ty:ty)),* $(,)?) => {
        $(
            $(#[$doc])*
            pub fn $name(mut self, $arg: $ty) -> Stub {
                self.matcher = self.matcher.$name($arg);
                self
            }
        )*
    };
}

impl Stub {
    /// A stub for requests with this verb (answer it with [`Stub::respond`]).
    pub fn on(verb: Verb) -> Stub {
        Stub::matching(Match::on(verb))
    }

    /// A stub for every request.
    pub fn any() -> Stub {
        Stub::matching(Match::any())
    }

    /// A stub for the requests `m` matches.
    pub fn matching(m: Match) -> Stub {
        Stub {
            matcher: m,
            priority: DEFAULT_PRIORITY,
            ..Stub::default()
        }
    }

    match_setters! {
        /// Requires the API group (`""` for core).
        group(group: &str),
        /// Requires the API version.
        version(version: &str),
        /// Requires the plural resource.
        resource(resource: &str),
        /// Requires the subresource.
        subresource(subresource: &str),
        /// Requires the namespace.
        namespace(namespace: &str),
        /// Requires the object name.
        name(name: &str),
        /// Requires the (impersonated) user name.
        user(user: &str),
        /// Requires the user to be in this group.
        user_group(group: &str),
        /// Requires the exact URL path.
        path(path: &str),
        /// Requires the body to contain this JSON.
        body(json: Value),
    }

    /// Requires a query parameter with this value.
    pub fn query(mut self, key: &str, value: &str) -> Stub {
        self.matcher = self.matcher.query(key, value);
        self
    }

    /// Requires a header with this value.
    pub fn header(mut self, name: &str, value: &str) -> Stub {
        self.matcher = self.matcher.header(name, value);
        self
    }

    /// Names the stub (listings, verify reports).
    pub fn named(mut self, name: &str) -> Stub {
        self.name = Some(name.into());
        self
    }

    /// Answers at most `n` matching requests.
    pub fn times(mut self, n: u64) -> Stub {
        self.times = Some(n);
        self
    }

    /// Lets the first `n` matching requests through.
    pub fn after(mut self, n: u64) -> Stub {
        self.after = n;
        self
    }

    /// Sets the priority (1 highest, default 5).
    pub fn priority(mut self, p: u8) -> Stub {
        self.priority = p;
        self
    }

    /// Expects the stub to answer this many requests (`3`, `1..=3`, `2..`).
    pub fn expect(mut self, e: impl Into<Expect>) -> Stub {
        self.expect = Some(e.into());
        self
    }

    /// Runs the stub before authentication and authorization.
    pub fn before_auth(mut self) -> Stub {
        self.before_auth = true;
        self
    }

    /// The answer.
    pub fn respond(mut self, r: Respond) -> Stub {
        self.respond = r;
        self
    }

    /// Answers with a closure (see [`Respond::with`]).
    pub fn respond_with(self, f: impl Fn(&StubRequest) -> Respond + Send + Sync + 'static) -> Stub {
        self.respond(Respond::with(f))
    }

    /// How the stub is called in reports: its name, else its match.
    pub fn label(&self) -> String {
        match &self.name {
            Some(n) => n.clone(),
            None => serde_json::to_string(&self.matcher).unwrap_or_default(),
        }
    }

    /// Checks the stub; the error names the field.
    pub fn validate(&self) -> Result<(), StubError> {
        let fail = |field: &str, message: String| StubError {
            stub: self.label(),
            field: field.into(),
            message,
        };
        if self.times == Some(0) {
            return Err(fail("times", "must be at least 1".into()));
        }
        if let Some(e) = self.expect
            && e.max.is_some_and(|m| m < e.min)
        {
            return Err(fail("expect", format!("min {} is above max", e.min)));
        }
        if self.before_auth {
            for (field, set) in [
                ("match.user", self.matcher.user.is_some()),
                ("match.userGroup", self.matcher.user_group.is_some()),
            ] {
                if set {
                    return Err(fail(
                        field,
                        "a beforeAuth stub runs before authentication and cannot match the user"
                            .into(),
                    ));
                }
            }
        }
        self.respond
            .validate()
            .map_err(|(field, message)| fail(&field, message))
    }
}

/// A stub that cannot be registered, naming the field that is wrong.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("stub {stub}: {field}: {message}")]
pub struct StubError {
    /// The stub's name or match.
    pub stub: String,
    /// The field, e.g. `respond.status`.
    pub field: String,
    /// What is wrong with it.
    pub message: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_issue_example_parses_and_round_trips() {
        let text = r#"{"name": "throttle", "match": {"verb": "create", "resource": "serviceaccounts",
            "namespace": "default"}, "times": 2, "after": 0, "priority": 5,
            "expect": {"min": 1, "max": 3}, "respond": {"status": 429, "retryAfterSeconds": 1}}"#;
        let stub: Stub = serde_json::from_str(text).unwrap();
        assert_eq!(stub.matcher.verb, Some(Verb::Create));
        assert_eq!(stub.expect, Some(Expect::from(1..=3)));
        stub.validate().unwrap();
        let back: Stub = serde_json::from_value(serde_json::to_value(&stub).unwrap()).unwrap();
        assert_eq!(back.matcher, stub.matcher);
        assert_eq!(back.respond.retry_after_seconds, Some(1));
        let built = Stub::on(Verb::Create)
            .resource("serviceaccounts")
            .namespace("default")
            .named("throttle")
            .times(2)
            .expect(1..=3)
            .respond(Respond::status(429).retry_after(1));
        assert_eq!(
            serde_json::to_value(&built).unwrap(),
            serde_json::to_value(&stub).unwrap()
        );
    }

    #[test]
    fn every_respond_form_of_the_issue_parses() {
        for text in [
            r#"{"status": 500, "message": "etcdserver: request timed out"}"#,
            r#"{"status": 200, "headers": {"X-A": "b"}, "body": {"kind": "Status"}}"#,
            r#"{"passThrough": true, "delayMs": 1500}"#,
            r#"{"fault": "connection-reset"}"#,
            r#"{"fault": "empty-response"}"#,
            r#"{"fault": "malformed-chunk"}"#,
            r#"{"fault": "random-data-then-close"}"#,
            r#"{"fault": "stall"}"#,
            r#"{"fault": "close-after-headers"}"#,
            r#"{"fault": "goaway"}"#,
            r#"{"watch": {"events": [{"type": "ADDED", "object": {}}], "then": "close"}}"#,
            r#"{"watch": {"events": [], "then": {"status": 410}}}"#,
        ] {
            let r: Respond = serde_json::from_str(text).unwrap_or_else(|e| panic!("{text}: {e}"));
            r.validate().unwrap_or_else(|e| panic!("{text}: {e:?}"));
        }
    }

    #[test]
    fn mistakes_name_the_field() {
        let err = |text: &str| {
            let stub: Stub = serde_json::from_str(text)?;
            Ok::<_, serde_json::Error>(stub.validate().unwrap_err())
        };
        let e = err(r#"{"respond": {}}"#).unwrap();
        assert_eq!(e.field, "respond");
        assert!(e.message.contains("found none"), "{e}");
        let e = err(r#"{"respond": {"status": 429, "fault": "stall"}}"#).unwrap();
        assert!(e.message.contains("found status, fault"), "{e}");
        let e = err(r#"{"respond": {"status": 1000}}"#).unwrap();
        assert_eq!(e.field, "respond.status");
        let e = err(r#"{"respond": {"fault": "stall", "message": "x"}}"#).unwrap();
        assert_eq!(e.field, "respond.message");
        let e = err(r#"{"times": 0, "respond": {"status": 500}}"#).unwrap();
        assert_eq!(e.field, "times");
        let e = err(r#"{"expect": {"min": 3, "max": 1}, "respond": {"status": 500}}"#).unwrap();
        assert_eq!(e.field, "expect");
        let e = err(r#"{"beforeAuth": true, "match": {"user": "x"}, "respond": {"status": 500}}"#)
            .unwrap();
        assert_eq!(e.field, "match.user");
        let e = err(r#"{"respond": {"watch": {"events": [{"type": "CHANGED", "object": {}}]}}}"#)
            .unwrap();
        assert_eq!(e.field, "respond.watch.events[0].type");
        // Unknown fields and bad enum values are serde errors that name them.
        let e = serde_json::from_str::<Stub>(r#"{"match": {"verbb": "get"}, "respond": {}}"#)
            .unwrap_err();
        assert!(e.to_string().contains("unknown field `verbb`"), "{e}");
        let e = serde_json::from_str::<Stub>(r#"{"respond": {"fault": "reset"}}"#).unwrap_err();
        assert!(e.to_string().contains("unknown variant `reset`"), "{e}");
        let e = serde_json::from_str::<Stub>(r#"{"expect": "x", "respond": {}}"#).unwrap_err();
        assert!(e.to_string().contains("expect must be a count"), "{e}");
    }

    #[test]
    fn expectations_hold_within_their_bounds() {
        assert!(Expect::from(3).holds(3) && !Expect::from(3).holds(2));
        assert!(Expect::from(1..=3).holds(1) && !Expect::from(1..=3).holds(4));
        assert!(Expect::from(2..).holds(10) && !Expect::from(2..).holds(1));
        assert!(Expect::from(..=1).holds(0));
        assert_eq!(Expect::from(1..=3).to_string(), "between 1 and 3");
        assert_eq!(Expect::from(2).to_string(), "exactly 2");
        assert_eq!(Expect::from(2..).to_string(), "at least 2");
    }
}
