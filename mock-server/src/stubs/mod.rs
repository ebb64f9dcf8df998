//! Stubs: mock-apiserver as a wiremock-style double. A stub matches requests by their
//! Kubernetes meaning ([`Match`]) and answers them ([`Respond`]): a Status worded as the real
//! server words it, a literal answer, the store's answer after a delay, a connection fault, or
//! a scripted watch; `times`, `after` and `priority` decide which stub answers, `expect` what
//! [`StubSet::verify`] checks.
//!
//! Stubs run inside the request pipeline after authentication and authorization (a denied
//! request stays denied), or before both with `beforeAuth`. A request no stub answers goes on
//! to the store. With no stub registered the pipeline pays one atomic load.
//!
//! Three ways in, one model ([`Stub`]): the Rust builder ([`crate::MockServer::stub`], with
//! guards that verify on drop), the admin HTTP API ([`admin`]) and `--stubs FILE` ([`load_file`]).

pub mod admin;
pub mod faults;
pub mod matching;
pub mod model;
pub mod responders;
pub mod verify;

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use serde::Serialize;

pub use matching::{Mismatch, StubRequest};
pub use model::{
    DEFAULT_PRIORITY, Expect, Fault, Match, Respond, Responder, ScriptedEvent, Stub, StubError,
    Verb, WatchEnd, WatchScript,
};
pub use verify::{NearMiss, Unmet, VerifyError};

use matching::mismatches;
use responders::Answer;

/// Where in the pipeline a stub runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    /// Before authentication (`beforeAuth: true`).
    BeforeAuth,
    /// After authentication and authorization allowed the request.
    Authorized,
}

#[derive(Debug)]
struct Entry {
    id: String,
    seq: u64,
    stub: Stub,
    label: String,
    matched: u64,
    hits: u64,
    near_misses: VecDeque<NearMiss>,
}

#[derive(Debug, Default)]
struct Inner {
    seq: u64,
    /// Ordered by priority, then registration.
    entries: Vec<Entry>,
}

/// A registered stub and its counters, as `GET /__admin/stubs` lists it.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StubStatus {
    /// The id (`DELETE /__admin/stubs/ID`).
    pub id: String,
    /// The stub's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Requests it answered.
    pub hits: u64,
    /// Requests that matched it (answered, let through by `after`, or beyond `times`).
    pub matched: u64,
    /// The stub itself.
    pub stub: Stub,
}

/// The stubs of one server.
#[derive(Debug, Default)]
pub struct StubSet {
    active: AtomicBool,
    inner: Mutex<Inner>,
}

impl StubSet {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Whether any stub is registered (the pipeline's only cost otherwise).
    pub fn is_active(&self) -> bool {
        self.active.load(Ordering::Acquire)
    }

    /// Registers a stub; returns its id.
    pub fn register(&self, stub: Stub) -> Result<String, StubError> {
        stub.validate()?;
        let mut inner = self.lock();
        inner.seq += 1;
        let entry = Entry {
            id: uuid::Uuid::new_v4().to_string(),
            seq: inner.seq,
            label: stub.label(),
            stub,
            matched: 0,
            hits: 0,
            near_misses: VecDeque::new(),
        };
        let id = entry.id.clone();
        let at = inner
            .entries
            .partition_point(|e| (e.stub.priority, e.seq) <= (entry.stub.priority, entry.seq));
        inner.entries.insert(at, entry);
        self.active.store(true, Ordering::Release);
        Ok(id)
    }

    /// Removes one stub; whether it existed.
    pub fn remove(&self, id: &str) -> bool {
        let mut inner = self.lock();
        let before = inner.entries.len();
        inner.entries.retain(|e| e.id != id);
        self.active
            .store(!inner.entries.is_empty(), Ordering::Release);
        inner.entries.len() != before
    }

    /// Removes every stub; how many there were.
    pub fn clear(&self) -> usize {
        let mut inner = self.lock();
        let n = inner.entries.len();
        inner.entries.clear();
        self.active.store(false, Ordering::Release);
        n
    }

    fn status_of(e: &Entry) -> StubStatus {
        StubStatus {
            id: e.id.clone(),
            name: e.stub.name.clone(),
            hits: e.hits,
            matched: e.matched,
            stub: e.stub.clone(),
        }
    }

    /// Every stub with its counters, in the order they are tried.
    pub fn list(&self) -> Vec<StubStatus> {
        self.lock().entries.iter().map(Self::status_of).collect()
    }

    /// One stub with its counters.
    pub fn get(&self, id: &str) -> Option<StubStatus> {
        self.lock()
            .entries
            .iter()
            .find(|e| e.id == id)
            .map(Self::status_of)
    }

    fn verify_where(&self, keep: impl Fn(&Entry) -> bool) -> Result<(), VerifyError> {
        let inner = self.lock();
        let mut report = VerifyError::default();
        for e in inner.entries.iter().filter(|e| keep(e)) {
            let Some(expect) = e.stub.expect else {
                continue;
            };
            if !expect.holds(e.hits) {
                report.unmet.push(Unmet::new(
                    &e.id,
                    e.label.clone(),
                    expect,
                    e.matched,
                    e.hits,
                ));
                report.near_misses.extend(e.near_misses.iter().cloned());
            }
        }
        if report.unmet.is_empty() {
            Ok(())
        } else {
            Err(report)
        }
    }

    /// Checks every stub's `expect` (against its hits); the error lists the unmet ones and
    /// their near misses.
    pub fn verify(&self) -> Result<(), VerifyError> {
        self.verify_where(|_| true)
    }

    /// Checks one stub's `expect`.
    pub fn verify_stub(&self, id: &str) -> Result<(), VerifyError> {
        self.verify_where(|e| e.id == id)
    }

    /// Counts `req` against every stub of `stage` and returns the answer of the one that
    /// answers it (the first by priority that matches, is past `after` and within `times`).
    pub(crate) fn select(&self, stage: Stage, req: &StubRequest) -> Option<Respond> {
        let mut inner = self.lock();
        let mut chosen = None;
        let before_auth = stage == Stage::BeforeAuth;
        for e in inner
            .entries
            .iter_mut()
            .filter(|e| e.stub.before_auth == before_auth)
        {
            let mut miss = mismatches(&e.stub.matcher, req, 2);
            match miss.len() {
                0 => {
                    e.matched += 1;
                    if chosen.is_none()
                        && e.matched > e.stub.after
                        && e.stub.times.is_none_or(|t| e.hits < t)
                    {
                        e.hits += 1;
                        chosen = Some(e.stub.respond.clone());
                    }
                }
                1 => {
                    if e.near_misses.len() == verify::NEAR_MISSES_PER_STUB {
                        e.near_misses.pop_front();
                    }
                    let m = miss.remove(0);
                    let near = NearMiss::new(&e.id, e.label.clone(), req.summary(), m);
                    e.near_misses.push_back(near);
                }
                _ => {}
            }
        }
        chosen
    }
}

/// What the pipeline does with a request a stub answered.
pub(crate) enum Outcome {
    /// Send this answer.
    Answer(Answer),
    /// Go on to the store (after the stub's delay).
    PassThrough,
    /// Break the connection.
    Fault(Fault),
}

/// Runs the stubs of `stage` on `req`: `None` when no stub answers it, else what to do
/// (after the stub's `delayMs`).
pub(crate) async fn intercept(set: &StubSet, stage: Stage, req: &StubRequest) -> Option<Outcome> {
    let mut respond = set.select(stage, req)?;
    if let Some(f) = respond.closure.take() {
        respond = f(req);
        let invalid = match respond.validate() {
            Err((field, message)) => Some(format!("{field}: {message}")),
            Ok(()) if respond.closure.is_some() => Some("returned another closure".into()),
            Ok(()) => None,
        };
        if let Some(why) = invalid {
            let answer = Respond::status(500)
                .message(&format!("stub responder gave an invalid answer: {why}"));
            return Some(Outcome::Answer(responders::status_answer(
                &answer, 500, req,
            )));
        }
    }
    if let Some(ms) = respond.delay_ms {
        tokio::time::sleep(Duration::from_millis(ms)).await;
    }
    Some(if let Some(fault) = respond.fault {
        Outcome::Fault(fault)
    } else if let Some(script) = &respond.watch {
        Outcome::Answer(responders::watch_answer(script, req))
    } else if let Some(code) = respond.status {
        Outcome::Answer(responders::status_answer(&respond, code, req))
    } else {
        Outcome::PassThrough
    })
}

/// A stub registered for a scope: dropping it checks the stub's `expect` (panicking with the
/// report, unless the thread is already panicking) and removes the stub.
#[must_use = "dropping the guard removes the stub at once"]
#[derive(Debug)]
pub struct StubGuard {
    set: Arc<StubSet>,
    id: String,
}

impl StubGuard {
    pub(crate) fn new(set: Arc<StubSet>, id: String) -> StubGuard {
        StubGuard { set, id }
    }

    /// The stub's id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Requests the stub answered so far.
    pub fn hits(&self) -> u64 {
        self.set.get(&self.id).map_or(0, |s| s.hits)
    }

    /// Requests that matched the stub so far.
    pub fn matched(&self) -> u64 {
        self.set.get(&self.id).map_or(0, |s| s.matched)
    }

    /// Checks the stub's `expect` now.
    pub fn verify(&self) -> Result<(), VerifyError> {
        self.set.verify_stub(&self.id)
    }
}

impl Drop for StubGuard {
    fn drop(&mut self) {
        let result = self.set.verify_stub(&self.id);
        self.set.remove(&self.id);
        if let Err(e) = result
            && !std::thread::panicking()
        {
            panic!("{e}");
        }
    }
}

/// Why `--stubs FILE` could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum StubFileError {
    /// The file could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// The file is not a JSON or YAML list of stubs.
    #[error("{}: {message}", path.display())]
    Parse {
        /// The file.
        path: PathBuf,
        /// The parser's message (with line and column).
        message: String,
    },
    /// A stub of the file is invalid.
    #[error("{}: stub {index}: {error}", path.display())]
    Invalid {
        /// The file.
        path: PathBuf,
        /// The stub's position in the list (from 1).
        index: usize,
        /// What is wrong.
        error: StubError,
    },
}

/// Parses stubs from JSON or YAML text: a list of stubs (then the flag is true) or a single
/// one. `yaml` picks the parser (JSON is also valid YAML, but the JSON parser's messages are
/// clearer for JSON).
pub fn parse_stubs(text: &[u8], yaml: bool) -> Result<(Vec<Stub>, bool), String> {
    let value: serde_json::Value = if yaml {
        serde_yaml::from_slice(text).map_err(|e| e.to_string())?
    } else {
        serde_json::from_slice(text).map_err(|e| e.to_string())?
    };
    let (items, list) = match value {
        serde_json::Value::Array(items) => (items, true),
        other => (vec![other], false),
    };
    let stubs = items
        .into_iter()
        .enumerate()
        .map(|(i, v)| serde_json::from_value(v).map_err(|e| format!("stub {}: {e}", i + 1)))
        .collect::<Result<_, _>>()?;
    Ok((stubs, list))
}

/// Reads `--stubs FILE`: a JSON (`.json`) or YAML list of stubs, each validated.
pub fn load_file(path: &Path) -> Result<Vec<Stub>, StubFileError> {
    let text = std::fs::read(path).map_err(|source| StubFileError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let json = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"));
    let (stubs, _) = parse_stubs(&text, !json).map_err(|message| StubFileError::Parse {
        path: path.to_path_buf(),
        message,
    })?;
    for (i, s) in stubs.iter().enumerate() {
        s.validate().map_err(|error| StubFileError::Invalid {
            path: path.to_path_buf(),
            index: i + 1,
            error,
        })?;
    }
    Ok(stubs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;
    use hyper::HeaderMap;

    fn req(method: &str, path: &str) -> StubRequest {
        StubRequest::new(method, path, "", &HeaderMap::new(), Bytes::new(), None)
    }

    const SA: &str = "/api/v1/namespaces/default/serviceaccounts";

    #[test]
    fn times_after_and_priority_decide_who_answers() {
        let set = StubSet::default();
        assert!(!set.is_active());
        let low = set
            .register(Stub::on(Verb::Create).respond(Respond::status(500)))
            .unwrap();
        let high = set
            .register(
                Stub::on(Verb::Create)
                    .priority(1)
                    .after(1)
                    .times(2)
                    .respond(Respond::status(429)),
            )
            .unwrap();
        assert!(set.is_active());
        let answers: Vec<Option<u16>> = (0..5)
            .map(|_| {
                set.select(Stage::Authorized, &req("POST", SA))
                    .and_then(|r| r.status)
            })
            .collect();
        // 1st: `high` lets it through (after 1), `low` answers; 2nd, 3rd: `high`; then `low`.
        assert_eq!(
            answers,
            [Some(500), Some(429), Some(429), Some(500), Some(500)]
        );
        assert_eq!(
            (
                set.get(&high).unwrap().hits,
                set.get(&high).unwrap().matched
            ),
            (2, 5)
        );
        assert_eq!(set.get(&low).unwrap().hits, 3);
        // Another verb reaches no stub; before-auth stubs are a separate stage.
        assert!(set.select(Stage::Authorized, &req("GET", SA)).is_none());
        assert!(set.select(Stage::BeforeAuth, &req("POST", SA)).is_none());
        assert!(set.remove(&low) && !set.remove(&low));
        assert_eq!(set.clear(), 1);
        assert!(!set.is_active());
    }

    #[test]
    fn equal_priorities_go_in_registration_order() {
        let set = StubSet::default();
        set.register(Stub::any().respond(Respond::status(500)))
            .unwrap();
        set.register(Stub::any().respond(Respond::status(503)))
            .unwrap();
        let first = set
            .select(Stage::Authorized, &req("GET", "/version"))
            .unwrap();
        assert_eq!(first.status, Some(500));
    }

    #[test]
    fn verify_reports_unmet_expectations_with_near_misses() {
        let set = StubSet::default();
        let id = set
            .register(
                Stub::on(Verb::Create)
                    .resource("serviceaccounts")
                    .namespace("kube-system")
                    .named("sa in kube-system")
                    .expect(1)
                    .respond(Respond::status(409)),
            )
            .unwrap();
        set.register(
            Stub::on(Verb::Get)
                .expect(0..)
                .respond(Respond::status(404)),
        )
        .unwrap();
        set.select(Stage::Authorized, &req("POST", SA));
        set.select(Stage::Authorized, &req("GET", "/api/v1/pods")); // two fields off: not near
        let err = set.verify().unwrap_err();
        assert_eq!(err.unmet.len(), 1);
        assert_eq!(err.unmet[0].id, id);
        assert_eq!(err.near_misses.len(), 1);
        let near = &err.near_misses[0];
        assert_eq!(
            (
                near.field.as_str(),
                near.expected.as_str(),
                near.actual.as_str()
            ),
            ("namespace", "kube-system", "default")
        );
        assert_eq!(near.request, format!("POST {SA}"));
        set.select(
            Stage::Authorized,
            &req("POST", "/api/v1/namespaces/kube-system/serviceaccounts"),
        );
        set.verify().unwrap();
    }

    #[test]
    fn a_guard_verifies_on_drop() {
        let set = Arc::new(StubSet::default());
        let id = set
            .register(Stub::any().expect(1).respond(Respond::status(500)))
            .unwrap();
        let guard = StubGuard::new(set.clone(), id);
        let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| drop(guard)));
        let msg = panicked.unwrap_err();
        let msg = msg.downcast_ref::<String>().unwrap();
        assert!(
            msg.contains("expected exactly 1 hit, got 0 (0 matching requests)"),
            "{msg}"
        );
        assert!(
            !set.is_active(),
            "the stub is removed even when verify fails"
        );
    }

    #[test]
    fn stub_files_are_json_or_yaml_lists() {
        let dir = tempfile::tempdir().unwrap();
        let yaml = dir.path().join("stubs.yaml");
        std::fs::write(
            &yaml,
            "- name: throttle\n  match: {verb: create, resource: serviceaccounts}\n  times: 2\n  respond: {status: 429, retryAfterSeconds: 1}\n- respond: {fault: stall}\n",
        )
        .unwrap();
        let stubs = load_file(&yaml).unwrap();
        assert_eq!(stubs.len(), 2);
        assert_eq!(stubs[1].respond.fault, Some(Fault::Stall));
        let json = dir.path().join("stubs.json");
        std::fs::write(&json, r#"[{"respond": {"status": 1000}}]"#).unwrap();
        let e = load_file(&json).unwrap_err().to_string();
        assert!(
            e.ends_with(
                "stubs.json: stub 1: stub {}: respond.status: 1000 is not an HTTP status code"
            ),
            "{e}"
        );
        std::fs::write(
            &json,
            r#"[{"respond": {"status": 500}}, {"match": {"verb": "post"}, "respond": {}}]"#,
        )
        .unwrap();
        let e = load_file(&json).unwrap_err().to_string();
        assert!(
            e.contains("stubs.json: stub 2: unknown variant `post`"),
            "{e}"
        );
        let e = load_file(&dir.path().join("missing.yaml"))
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("cannot read ") && e.contains("missing.yaml"),
            "{e}"
        );
    }
}
