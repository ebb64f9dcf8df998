//! The fault matrix (issue 11): every request `setup`, `teardown`, `get`, `create` and
//! `auth can-i` send, each answered once with each fault, by the real binary against a real
//! (TLS) mock-apiserver.
//!
//! The steps are not listed here: each command is run once against a clean mock, and its
//! requests are read back from the mock's journal. A request becomes a step named by what
//! the server sees (verb, resource, namespace, name, user) and its rank among requests alike
//! (the second `list serviceaccounts` is the second page); a stub matching exactly that
//! request (`after` = rank, `times` = 1) injects the fault. A step added to a workflow is a
//! new request in the journal, and so a new row of the matrix, without new code here.
//!
//! Each cell holds when the command either finishes with the right end state, or exits 1
//! naming the step (`setup step "create role default/fm" failed: ...`, for the workflows)
//! and the cause; the run after it, with no fault, converges to the right end state; and the
//! kubeconfig is valid YAML, mode 0600, and holds every entry it held before (but those
//! teardown is meant to remove). A fault that does not apply to a request (410 for a
//! continue token on a request that sends none) is shown as `n/a` with the reason.
//!
//! The table of outcomes is printed (`cargo test fault_matrix -- --nocapture`).

use std::fmt::Write as _;
use std::os::unix::fs::PermissionsExt;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use mock_apiserver::http::request_info::RequestInfo;
use mock_apiserver::store::compaction::INCONSISTENT_CONTINUE;
use mock_apiserver::{Fault, JournalEntry, Match, MockServer, Respond, Stub, Verb};
use serde_json::{Value, json};

use super::cli_util::{Run, rawkube_cmd, run};

/// The ServiceAccount (and Role) the workflows set up and tear down.
const NAME: &str = "fm";
/// Its RoleBinding, as setup names it.
const BINDING: &str = "bearertoken-binding-fm";
/// `--request-timeout` of a run with a stalled request: how long it is waited for.
const STALL_TIMEOUT: &str = "3s";
/// `--request-timeout` of the other runs: generous, so a busy machine fails no cell.
const TIMEOUT: &str = "30s";
/// `RAWKUBE_RETRY_MAX_WAIT`: the matrix does not wait out `Retry-After: 1` in full
/// (`setup_rides_out_a_503_with_retry_after` does).
const MAX_WAIT: &str = "100ms";

/// The faults, each injected into one request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Injected {
    TooMany,
    Unavailable,
    Internal,
    Conflict,
    ResetBefore,
    ResetAfter,
    Stall,
    TokenExpired,
    ContinueExpired,
}

const FAULTS: [Injected; 9] = [
    Injected::TooMany,
    Injected::Unavailable,
    Injected::Internal,
    Injected::Conflict,
    Injected::ResetBefore,
    Injected::ResetAfter,
    Injected::Stall,
    Injected::TokenExpired,
    Injected::ContinueExpired,
];

impl Injected {
    /// The column heading.
    fn label(self) -> &'static str {
        match self {
            Injected::TooMany => "429+RA",
            Injected::Unavailable => "503+RA",
            Injected::Internal => "500",
            Injected::Conflict => "409",
            Injected::ResetBefore => "reset<",
            Injected::ResetAfter => "reset>",
            Injected::Stall => "stall",
            Injected::TokenExpired => "401exp",
            Injected::ContinueExpired => "410cont",
        }
    }

    /// What the legend says the column is.
    fn describe(self) -> &'static str {
        match self {
            Injected::TooMany => {
                "429 + Retry-After: 1, text `Too many requests, please try again later.` (API Priority and Fairness)"
            }
            Injected::Unavailable => "503 ServiceUnavailable + Retry-After: 1",
            Injected::Internal => "500 etcdserver: request timed out (no Retry-After)",
            Injected::Conflict => "409 Conflict (the object has been modified)",
            Injected::ResetBefore => "connection reset before the server acted",
            Injected::ResetAfter => "connection reset after the server acted (a create created)",
            Injected::Stall => "no answer after the server acted, past --request-timeout",
            Injected::TokenExpired => "401 Unauthorized, as for a token that expired mid-run",
            Injected::ContinueExpired => "410 Expired for a list continue token",
        }
    }

    fn respond(self) -> Respond {
        match self {
            // The priority-and-fairness and max-in-flight filters answer with Go's
            // `http.Error`: plain text, not a Status.
            Injected::TooMany => Respond::status(429).retry_after(1).plain(),
            Injected::Unavailable => Respond::status(503).retry_after(1),
            Injected::Internal => Respond::status(500),
            Injected::Conflict => Respond::status(409),
            Injected::ResetBefore => Respond::fault(Fault::ConnectionReset),
            Injected::ResetAfter => Respond::pass_through().then_fault(Fault::ConnectionReset),
            Injected::Stall => Respond::pass_through().then_fault(Fault::Stall),
            Injected::TokenExpired => Respond::status(401),
            Injected::ContinueExpired => Respond::status(410).message(INCONSISTENT_CONTINUE),
        }
    }

    /// Why the fault cannot happen on this request, if it cannot.
    fn not_applicable(self, step: &Step) -> Option<&'static str> {
        match self {
            Injected::ContinueExpired if step.verb != "list" => Some("not a list"),
            Injected::ContinueExpired if !step.continues => {
                Some("sends no continue token (first or only page)")
            }
            _ => None,
        }
    }

    /// Words of which the error message must hold one (compared in lower case).
    fn cause_words(self) -> &'static [&'static str] {
        match self {
            Injected::TooMany => &["too many requests", "toomanyrequests"],
            Injected::Unavailable => &["shutting down", "serviceunavailable"],
            Injected::Internal => &["etcdserver", "internal error"],
            Injected::Conflict => &["conflict", "has been modified"],
            Injected::ResetBefore | Injected::ResetAfter => {
                &["connection", "reset", "closed", "broken pipe"]
            }
            Injected::Stall => &["timeout", "timed out", "deadline exceeded"],
            Injected::TokenExpired => &["unauthorized"],
            Injected::ContinueExpired => &["continue parameter is too old", "expired"],
        }
    }
}

/// One request of a command, as found in the journal of a clean run.
#[derive(Clone, Debug)]
struct Step {
    /// How the row is labelled: `create serviceaccounts default/fm`, `#2` for the second alike.
    label: String,
    verb: String,
    /// `None` for a non-resource request (`/version`), matched by path.
    resource: Option<(String, String, String, String)>,
    path: String,
    /// The object's name, when the path holds one.
    name: String,
    user: String,
    /// How many requests alike its stub must let through first (see [`steps_of`]).
    rank: u64,
    /// Refused (401, 403) in the clean run.
    denied: bool,
    /// A list with a `continue` token.
    continues: bool,
}

impl Step {
    /// The stub that answers this request, and only it, with `fault`.
    fn stub(&self, fault: Injected) -> Stub {
        let verb: Verb = serde_json::from_value(json!(self.verb)).expect("a stub verb");
        let mut m = Match::on(verb);
        if !self.denied {
            m = m.user(&self.user);
        }
        m = match &self.resource {
            Some((group, resource, subresource, namespace)) => {
                let mut m = m.group(group).resource(resource);
                if !subresource.is_empty() {
                    m = m.subresource(subresource);
                }
                if !namespace.is_empty() {
                    m = m.namespace(namespace);
                }
                m
            }
            None => m.path(&self.path),
        };
        if !self.name.is_empty() {
            m = m.name(&self.name);
        }
        let stub = Stub::matching(m).after(self.rank).times(1);
        if !self.denied {
            return stub.respond(fault.respond());
        }
        // A denied request never reaches the stubs that run after authorization: this one
        // runs before it (and so matches no user). "After the server acted" is moot for a
        // request the server refuses, so the faults break the connection at once.
        let respond = match fault {
            Injected::ResetAfter => Respond::fault(Fault::ConnectionReset),
            Injected::Stall => Respond::fault(Fault::Stall),
            f => f.respond(),
        };
        stub.before_auth().respond(respond)
    }
}

/// The steps of a journal: one per request, in the order sent.
fn steps_of(entries: &[JournalEntry]) -> Vec<Step> {
    // (what, what and who, denied) of each earlier request.
    let mut seen: Vec<(String, String, bool)> = Vec::new();
    let mut steps = Vec::new();
    for e in entries {
        let info = RequestInfo::parse(&e.method, &e.path, &e.query);
        let resource = info.is_resource_request.then(|| {
            (
                info.api_group.clone(),
                info.resource.clone(),
                info.subresource.clone(),
                info.namespace.clone(),
            )
        });
        let what = match &resource {
            Some((_, r, sub, ns)) => {
                let mut w = format!("{} {r}", info.verb);
                if !sub.is_empty() {
                    w.push('/');
                    w.push_str(sub);
                }
                let at = [ns.as_str(), info.name.as_str()]
                    .iter()
                    .filter(|s| !s.is_empty())
                    .copied()
                    .collect::<Vec<_>>()
                    .join("/");
                if !at.is_empty() {
                    w.push(' ');
                    w.push_str(&at);
                }
                w
            }
            None => format!("{} {}", info.verb, e.path),
        };
        let who = if e.user.username == mock_apiserver::ADMIN_USER {
            String::new()
        } else {
            format!(" as {}", e.user.username.rsplit(':').next().unwrap_or(""))
        };
        let key = format!("{what}{who}");
        // Refused by authentication or authorization in the clean run: such a request is
        // only seen by stubs that run before both.
        let denied = matches!(e.status, 401 | 403);
        // The stub's `after`: the earlier requests its stage sees alike (before auth, every
        // request of any user; after it, those of this user that were let through).
        let rank = seen
            .iter()
            .filter(|(w, k, was_denied)| {
                if denied {
                    *w == what
                } else {
                    *k == key && !was_denied
                }
            })
            .count() as u64;
        let nth = seen.iter().filter(|(_, k, _)| *k == key).count();
        seen.push((what.clone(), key.clone(), denied));
        let mut label = key;
        if nth > 0 {
            label.push_str(&format!(" #{}", nth + 1));
        }
        if denied {
            label.push_str(&format!(" ({})", e.status));
        }
        let created = e.body.as_ref().and_then(|b| b.pointer("/metadata/name"));
        if let Some(n) = created.filter(|_| info.verb == "create" && info.name.is_empty()) {
            label.push_str(&format!(" {}", n.as_str().unwrap_or("")));
        }
        steps.push(Step {
            label,
            verb: info.verb.clone(),
            resource,
            path: e.path.clone(),
            name: info.name.clone(),
            user: e.user.username.clone(),
            rank,
            denied,
            continues: e.query.split('&').any(|p| p.starts_with("continue=")),
        });
    }
    steps
}

/// A command of the matrix: how to prepare the mock, what to run, what end state it owes.
struct Command {
    name: &'static str,
    args: &'static [&'static str],
    /// The workflow whose errors name their step (`setup step "..." failed`).
    workflow: Option<&'static str>,
    prepare: fn(&Cell),
    /// Whether `run` (the first or the re-run) left the right end state; `Err` says what is wrong.
    end_state: fn(&Cell, &Run) -> Result<(), String>,
    /// Whether an exit 1 of the re-run is still convergence (`create` of what now exists).
    rerun_may_fail_with: Option<&'static str>,
    /// Kubeconfig entries the command is meant to remove.
    removes: &'static [(&'static str, &'static str)],
}

const COMMANDS: &[Command] = &[
    Command {
        name: "setup",
        args: &["setup", NAME],
        workflow: Some("setup"),
        prepare: |_| {},
        end_state: set_up,
        rerun_may_fail_with: None,
        removes: &[],
    },
    Command {
        name: "teardown",
        args: &["teardown", NAME],
        workflow: Some("teardown"),
        prepare: |c| {
            let r = c.rawkube(&["setup", NAME]);
            assert_eq!(r.code, 0, "setup before teardown: {r:?}");
        },
        end_state: torn_down,
        rerun_may_fail_with: None,
        removes: &[("contexts", NAME), ("users", NAME)],
    },
    Command {
        name: "get",
        args: &["get", "serviceaccounts", "--chunk-size=1", "-o", "name"],
        workflow: None,
        prepare: |c| {
            for n in ["a", "b"] {
                c.store("serviceaccounts", json!({"metadata": {"name": n}}));
            }
        },
        end_state: |_, r| {
            let want = "serviceaccount/a\nserviceaccount/b\nserviceaccount/default\n";
            if r.code == 0 && r.stdout == want {
                Ok(())
            } else {
                Err(format!("want exit 0 and {want:?}, got {r:?}"))
            }
        },
        rerun_may_fail_with: None,
        removes: &[],
    },
    Command {
        name: "create",
        args: &["create", "serviceaccount", NAME],
        workflow: None,
        prepare: |_| {},
        end_state: |c, _| c.has("serviceaccounts", NAME),
        rerun_may_fail_with: Some("already exists"),
        removes: &[],
    },
    Command {
        name: "auth can-i",
        args: &["auth", "can-i", "create", "pods"],
        workflow: None,
        prepare: |_| {},
        end_state: |_, r| match (r.code, r.stdout.as_str()) {
            (0, "yes\n") => Ok(()),
            _ => Err(format!("want exit 0 and yes, got {r:?}")),
        },
        rerun_may_fail_with: None,
        removes: &[],
    },
];

fn set_up(c: &Cell, _: &Run) -> Result<(), String> {
    c.has("serviceaccounts", NAME)?;
    c.has("roles", NAME)?;
    let binding = c.object("rolebindings", BINDING)?;
    let subject = json!({"kind": "ServiceAccount", "name": NAME, "namespace": "default"});
    if !binding["subjects"]
        .as_array()
        .is_some_and(|s| s.contains(&subject))
    {
        return Err(format!("the binding does not bind {NAME}: {binding}"));
    }
    let kc = c.kubeconfig_value()?;
    for (kind, name) in [("contexts", NAME), ("users", NAME)] {
        if !names(&kc, kind).iter().any(|n| n == name) {
            return Err(format!("no {kind} entry {name} in the kubeconfig"));
        }
    }
    Ok(())
}

fn torn_down(c: &Cell, _: &Run) -> Result<(), String> {
    for (plural, name) in [
        ("serviceaccounts", NAME),
        ("roles", NAME),
        ("rolebindings", BINDING),
    ] {
        if c.has(plural, name).is_ok() {
            return Err(format!("{plural} {name} is still there"));
        }
    }
    let kc = c.kubeconfig_value()?;
    for (kind, name) in [("contexts", NAME), ("users", NAME)] {
        if names(&kc, kind).iter().any(|n| n == name) {
            return Err(format!("{kind} entry {name} is still in the kubeconfig"));
        }
    }
    Ok(())
}

fn names(kc: &Value, kind: &str) -> Vec<String> {
    kc[kind]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|e| e["name"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// One mock, one kubeconfig (the admin's plus entries nobody should touch).
struct Cell {
    mock: MockServer,
    dir: tempfile::TempDir,
    kubeconfig: std::path::PathBuf,
}

impl Cell {
    fn new() -> Cell {
        let mock = MockServer::start_blocking().expect("start mock-apiserver");
        let dir = tempfile::tempdir().expect("temp dir");
        let kubeconfig = dir.path().join("config");
        mock.write_admin_kubeconfig(&kubeconfig)
            .expect("write kubeconfig");
        let mut kc: Value =
            serde_yaml::from_str(&std::fs::read_to_string(&kubeconfig).unwrap()).unwrap();
        // Entries of another cluster, which no command here may lose.
        for (kind, entry) in [
            (
                "clusters",
                json!({"name": "bystander", "cluster": {"server": "https://127.0.0.9:6443"}}),
            ),
            (
                "users",
                json!({"name": "bystander", "user": {"token": "t"}}),
            ),
            (
                "contexts",
                json!({"name": "bystander", "context": {"cluster": "bystander", "user": "bystander"}}),
            ),
        ] {
            kc[kind].as_array_mut().expect(kind).push(entry);
        }
        std::fs::write(&kubeconfig, serde_yaml::to_string(&kc).unwrap()).unwrap();
        std::fs::set_permissions(&kubeconfig, std::fs::Permissions::from_mode(0o600)).unwrap();
        Cell {
            mock,
            dir,
            kubeconfig,
        }
    }

    fn rawkube(&self, args: &[&str]) -> Run {
        self.rawkube_within(TIMEOUT, args)
    }

    fn rawkube_within(&self, timeout: &str, args: &[&str]) -> Run {
        run(rawkube_cmd(&self.kubeconfig)
            .arg(format!("--request-timeout={timeout}"))
            .args(args)
            .env("RAWKUBE_RETRY_MAX_WAIT", MAX_WAIT))
    }

    fn store(&self, plural: &str, obj: Value) {
        let def = mock_apiserver::api::registry::find_plural(plural).expect("served");
        self.mock
            .store()
            .create(
                def,
                "default",
                obj,
                &mock_apiserver::store::WriteOptions::default(),
            )
            .unwrap_or_else(|e| panic!("store {plural}: {e:?}"));
    }

    fn object(&self, plural: &str, name: &str) -> Result<Value, String> {
        let def = mock_apiserver::api::registry::find_plural(plural).expect("served");
        self.mock
            .store()
            .get(def, "default", name)
            .map_err(|_| format!("no {plural} {name}"))
    }

    fn has(&self, plural: &str, name: &str) -> Result<(), String> {
        self.object(plural, name).map(|_| ())
    }

    fn kubeconfig_value(&self) -> Result<Value, String> {
        let text = std::fs::read_to_string(&self.kubeconfig)
            .map_err(|e| format!("read {}: {e}", self.kubeconfig.display()))?;
        serde_yaml::from_str(&text).map_err(|e| format!("the kubeconfig is not YAML: {e}"))
    }

    /// Every (kind, name) entry of the kubeconfig.
    fn entries(&self) -> Result<Vec<(String, String)>, String> {
        let kc = self.kubeconfig_value()?;
        Ok(["clusters", "users", "contexts"]
            .iter()
            .flat_map(|k| names(&kc, k).into_iter().map(|n| (k.to_string(), n)))
            .collect())
    }

    /// Valid YAML, 0600, and every entry of `before` but those `removes` lists.
    fn kubeconfig_intact(
        &self,
        before: &[(String, String)],
        removes: &[(&str, &str)],
    ) -> Result<(), String> {
        let mode = std::fs::metadata(&self.kubeconfig)
            .map_err(|e| e.to_string())?
            .permissions()
            .mode()
            & 0o777;
        if mode != 0o600 {
            return Err(format!("the kubeconfig is mode {mode:o}, not 600"));
        }
        let now = self.entries()?;
        let lost: Vec<_> = before
            .iter()
            .filter(|e| !now.contains(e))
            .filter(|(k, n)| !removes.contains(&(k.as_str(), n.as_str())))
            .collect();
        if lost.is_empty() {
            Ok(())
        } else {
            Err(format!("the kubeconfig lost {lost:?}"))
        }
    }
}

/// The outcome of one cell.
#[derive(Clone, Debug)]
enum Outcome {
    /// The command finished with the right end state (and the re-run too).
    Ok,
    /// It exited 1 naming the step and the cause (this line); the re-run converged.
    Failed(String),
    /// The fault cannot happen on this request.
    NotApplicable(&'static str),
}

/// Runs one cell; `Err` says which promise it broke.
fn run_cell(cmd: &Command, step: &Step, fault: Injected) -> Result<Outcome, String> {
    if let Some(why) = fault.not_applicable(step) {
        return Ok(Outcome::NotApplicable(why));
    }
    let cell = Cell::new();
    (cmd.prepare)(&cell);
    let before = cell.entries()?;
    let id = cell
        .mock
        .register_stub(step.stub(fault))
        .map_err(|e| format!("stub: {e}"))?;
    let timeout = if fault == Injected::Stall {
        STALL_TIMEOUT
    } else {
        TIMEOUT
    };
    let first = cell.rawkube_within(timeout, cmd.args);
    let hits = cell.mock.stubs().get(&id).map_or(0, |s| s.hits);
    cell.mock.stubs().remove(&id);
    if hits == 0 {
        return Err(format!(
            "the fault never hit (the request was not sent this time): {first:?}"
        ));
    }
    let outcome = match first.code {
        0 => {
            (cmd.end_state)(&cell, &first).map_err(|e| format!("exit 0, but {e}"))?;
            Outcome::Ok
        }
        1 => {
            let err = first.stderr.to_lowercase();
            if let Some(w) = cmd.workflow {
                let named = format!("{w} step \"");
                if !first.stderr.contains(&named) {
                    return Err(format!("the error does not name the step: {first:?}"));
                }
            }
            if !fault.cause_words().iter().any(|w| err.contains(w)) {
                return Err(format!(
                    "the error does not name the cause ({:?}): {first:?}",
                    fault.cause_words()
                ));
            }
            let line = first
                .stderr
                .lines()
                .find(|l| !l.trim().is_empty())
                .unwrap_or("")
                .to_string();
            Outcome::Failed(line)
        }
        code => return Err(format!("exit {code}: {first:?}")),
    };
    cell.kubeconfig_intact(&before, cmd.removes)
        .map_err(|e| format!("after the faulted run: {e}"))?;
    let again = cell.rawkube(cmd.args);
    let converged = again.code == 0
        || cmd
            .rerun_may_fail_with
            .is_some_and(|w| again.code == 1 && again.stderr.contains(w));
    if !converged {
        return Err(format!(
            "the re-run failed: {again:?}\n(first run: {first:?})"
        ));
    }
    (cmd.end_state)(&cell, &again).map_err(|e| format!("after the re-run: {e}"))?;
    cell.kubeconfig_intact(&before, cmd.removes)
        .map_err(|e| format!("after the re-run: {e}"))?;
    Ok(outcome)
}

/// The requests of `cmd` on a clean mock.
fn discover(cmd: &Command) -> Vec<Step> {
    let cell = Cell::new();
    (cmd.prepare)(&cell);
    cell.mock.journal().clear();
    let r = cell.rawkube(cmd.args);
    assert_eq!(r.code, 0, "{} on a clean mock: {r:?}", cmd.name);
    (cmd.end_state)(&cell, &r).unwrap_or_else(|e| panic!("{} on a clean mock: {e}", cmd.name));
    steps_of(&cell.mock.journal().entries())
}

#[test]
fn every_request_of_every_command_under_every_fault() {
    let started = Instant::now();
    let rows: Vec<(&Command, Step)> = COMMANDS
        .iter()
        .flat_map(|c| discover(c).into_iter().map(move |s| (c, s)))
        .collect();
    assert!(
        rows.iter().filter(|(c, _)| c.name == "setup").count() >= 8,
        "setup sends at least its reads, creates, token request and checks"
    );
    let cells: Vec<(usize, Injected)> = (0..rows.len())
        .flat_map(|r| FAULTS.iter().map(move |f| (r, *f)))
        .collect();
    let results: Mutex<Vec<Option<Result<Outcome, String>>>> = Mutex::new(vec![None; cells.len()]);
    let next = AtomicUsize::new(0);
    // Cells mostly wait (on Retry-After, stalls, process start), so more workers than cores.
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get()) * 2;
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    let Some(&(row, fault)) = cells.get(i) else {
                        break;
                    };
                    let (cmd, step) = &rows[row];
                    let r = run_cell(cmd, step, fault);
                    results.lock().unwrap()[i] = Some(r);
                }
            });
        }
    });
    let results: Vec<Result<Outcome, String>> = results
        .into_inner()
        .unwrap()
        .into_iter()
        .map(|r| r.expect("every cell ran"))
        .collect();

    let (table, failures) = render(&rows, &cells, &results);
    println!("{table}");
    // Also kept as a file, so CI shows the table after `cargo test --workspace`, which hides
    // the output of passing tests.
    let saved = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("fault-matrix.txt");
    std::fs::write(&saved, &table).expect("write the fault matrix table");
    eprintln!(
        "fault matrix: {} cells in {:.1}s",
        cells.len(),
        started.elapsed().as_secs_f64()
    );
    assert!(
        failures.is_empty(),
        "{} of {} cells broke a promise:\n{}",
        failures.len(),
        cells.len(),
        failures.join("\n")
    );
}

/// The printed table, and the cells that broke a promise.
fn render(
    rows: &[(&Command, Step)],
    cells: &[(usize, Injected)],
    results: &[Result<Outcome, String>],
) -> (String, Vec<String>) {
    let mut table = String::from(
        "\nFault matrix (ok = right end state; exit1 = exit 1 naming step and cause, then the re-run converged)\n\n",
    );
    let width = rows
        .iter()
        .map(|(c, s)| c.name.len() + s.label.len() + 3)
        .max()
        .unwrap_or(10);
    let _ = write!(table, "{:width$}", "command: request");
    for f in FAULTS {
        let _ = write!(table, " | {:7}", f.label());
    }
    table.push('\n');
    let mut failures = Vec::new();
    let mut reasons: Vec<&'static str> = Vec::new();
    let mut exits = Vec::new();
    for (r, (cmd, step)) in rows.iter().enumerate() {
        let _ = write!(table, "{:width$}", format!("{}: {}", cmd.name, step.label));
        for ((_, fault), result) in cells.iter().zip(results).filter(|((row, _), _)| *row == r) {
            let shown = match result {
                Ok(Outcome::Ok) => "ok".to_string(),
                Ok(Outcome::Failed(line)) => {
                    exits.push(format!(
                        "  {} {} / {}: {line}",
                        cmd.name,
                        step.label,
                        fault.label()
                    ));
                    "exit1".to_string()
                }
                Ok(Outcome::NotApplicable(why)) => {
                    if !reasons.contains(why) {
                        reasons.push(why);
                    }
                    let n = reasons.iter().position(|w| w == why).unwrap() + 1;
                    format!("n/a{n}")
                }
                Err(e) => {
                    failures.push(format!(
                        "{}: {} / {}: {e}",
                        cmd.name,
                        step.label,
                        fault.label()
                    ));
                    "BROKEN".to_string()
                }
            };
            let _ = write!(table, " | {shown:7}");
        }
        table.push('\n');
    }
    table.push_str("\nColumns:\n");
    for f in FAULTS {
        let _ = writeln!(table, "  {:8} {}", f.label(), f.describe());
    }
    table.push_str("Not applicable:\n");
    for (i, why) in reasons.iter().enumerate() {
        let _ = writeln!(
            table,
            "  n/a{} {}: 410 on a continue token needs one",
            i + 1,
            why
        );
    }
    if !exits.is_empty() {
        table.push_str("Cells that exited 1 (first line of the message):\n");
        for e in &exits {
            table.push_str(e);
            table.push('\n');
        }
    }
    (table, failures)
}

/// The "Done when" of issue 11, with the real one-second `Retry-After` (no cap): the first
/// `create rolebindings` answered 503 + `Retry-After: 1`, and setup succeeds in one run.
#[test]
fn setup_rides_out_a_503_with_retry_after() {
    let cell = Cell::new();
    let before = cell.entries().unwrap();
    let _busy = cell.mock.stub(
        Stub::on(Verb::Create)
            .resource("rolebindings")
            .times(1)
            .expect(1)
            .respond(Respond::status(503).retry_after(1)),
    );
    let started = Instant::now();
    let r = run(rawkube_cmd(&cell.kubeconfig).args(["setup", NAME]));
    assert_eq!(r.code, 0, "{r:?}");
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "Retry-After: 1 was not waited for"
    );
    set_up(&cell, &r).unwrap();
    cell.kubeconfig_intact(&before, &[]).unwrap();
    let creates = cell
        .mock
        .requests(&Match::on(Verb::Create).resource("rolebindings"));
    assert_eq!(creates.len(), 2, "the 503 and its retry");
}

/// The other "Done when": the connection reset after the ServiceAccount was created. Setup
/// reads it back (no blind replay: one create reached the store) and succeeds, or fails
/// naming the step; a re-run succeeds; the kubeconfig is intact.
#[test]
fn setup_after_a_reset_once_the_service_account_exists() {
    let cell = Cell::new();
    let before = cell.entries().unwrap();
    let reset = cell.mock.stub(
        Stub::on(Verb::Create)
            .resource("serviceaccounts")
            .times(1)
            .expect(1)
            .respond(Respond::pass_through().then_fault(Fault::ConnectionReset)),
    );
    let r = run(rawkube_cmd(&cell.kubeconfig).args(["setup", NAME]));
    drop(reset);
    if r.code == 0 {
        assert!(
            r.stdout
                .contains("serviceaccount/fm created (the answer was lost; read back)"),
            "{}",
            r.stdout
        );
    } else {
        assert!(
            r.stderr
                .contains("setup step \"create serviceaccount default/fm\" failed"),
            "{r:?}"
        );
    }
    cell.kubeconfig_intact(&before, &[]).unwrap();
    let again = run(rawkube_cmd(&cell.kubeconfig).args(["setup", NAME]));
    assert_eq!(again.code, 0, "{again:?}");
    set_up(&cell, &again).unwrap();
    cell.kubeconfig_intact(&before, &[]).unwrap();
    let creates = cell
        .mock
        .requests(&Match::on(Verb::Create).resource("serviceaccounts"))
        .into_iter()
        .filter(|e| !e.path.ends_with("/token"))
        .count();
    assert_eq!(creates, 1, "the create was replayed blindly: {r:?}");
}

/// Steps come from the journal: a request alike counts up, the SA's own requests are named.
#[test]
fn steps_are_named_and_ranked_from_the_journal() {
    let cell = Cell::new();
    let r = cell.rawkube(&["get", "serviceaccounts", "--chunk-size=1"]);
    assert_eq!(r.code, 0, "{r:?}");
    let steps = steps_of(&cell.mock.journal().entries());
    let labels: Vec<&str> = steps.iter().map(|s| s.label.as_str()).collect();
    assert_eq!(labels, ["list serviceaccounts default"], "{steps:?}");
    assert!(!steps[0].continues);
}

/// A token that really expires: setup's TokenRequest token (one hour) on the mock's clock two
/// hours later gets 401 on every request; the next setup notices (its check of the token in
/// the kubeconfig fails), gets a new one, and the context works again.
#[test]
fn an_expired_token_is_replaced_by_the_next_setup() {
    let cell = Cell::new();
    let before = cell.entries().unwrap();
    let r = cell.rawkube(&["setup", NAME]);
    assert_eq!(r.code, 0, "{r:?}");
    cell.mock.advance_clock(Duration::from_secs(2 * 3600));
    let expired = cell.rawkube(&["--context", NAME, "get", "pods"]);
    assert_eq!(expired.code, 1, "{expired:?}");
    assert!(
        expired
            .stderr
            .contains("You must be logged in to the server (Unauthorized)"),
        "{expired:?}"
    );
    let again = cell.rawkube(&["setup", NAME]);
    assert_eq!(again.code, 0, "{again:?}");
    assert!(
        again.stdout.contains("kubectl create token fm"),
        "the expired token was kept:\n{}",
        again.stdout
    );
    set_up(&cell, &again).unwrap();
    cell.kubeconfig_intact(&before, &[]).unwrap();
    let works = cell.rawkube(&["--context", NAME, "get", "pods"]);
    assert_eq!(works.code, 0, "{works:?}");
}

/// `setup -f` and `teardown -f` settle lost answers as setup and teardown do: the first
/// create (then delete) of each kind loses its answer (the connection resets after the server
/// acted). An account's requests share that connection with the other account's, so a reset
/// can also take a request the server had not yet acted on (or was still acting on); what
/// must hold is what the matrix asks of every cell: the run ends right, or exits 1 and a
/// re-run does; no object is written twice; and no write is sent again before the object
/// was read back.
#[test]
fn setup_f_and_teardown_f_read_back_lost_answers() {
    let cell = Cell::new();
    let before = cell.entries().unwrap();
    let manifest = cell.dir.path().join("accounts.yaml");
    std::fs::write(&manifest, "accounts:\n- name: a1\n- name: a2\n").unwrap();
    let file = manifest.to_str().unwrap();
    let kinds = ["serviceaccounts", "roles", "rolebindings"];
    let lose = |verb: Verb| -> Vec<_> {
        kinds
            .iter()
            .map(|r| {
                cell.mock.stub(
                    Stub::on(verb)
                        .resource(r)
                        .times(1)
                        .expect(1)
                        .respond(Respond::pass_through().then_fault(Fault::ConnectionReset)),
                )
            })
            .collect()
    };
    // One run with the faults; if it fails, it names what failed, and a re-run converges.
    let run_converging = |args: &[&str], verb: Verb| {
        let guards = lose(verb);
        let r = cell.rawkube(args);
        drop(guards);
        if r.code != 0 {
            assert_eq!(r.code, 1, "{r:?}");
            assert!(r.stdout.contains("failed: "), "{r:?}");
            let again = cell.rawkube(args);
            assert_eq!(again.code, 0, "the re-run did not converge: {again:?}");
        }
    };

    run_converging(&["setup", "-f", file], Verb::Create);
    for name in ["a1", "a2"] {
        for plural in kinds {
            let object = if plural == "rolebindings" {
                format!("bearertoken-binding-{name}")
            } else {
                name.to_string()
            };
            let writes = settled_writes(&cell, "POST", plural, &object);
            assert_eq!(writes, 1, "{plural} {object} created {writes} times");
        }
    }
    cell.kubeconfig_intact(&before, &[]).unwrap();

    run_converging(&["teardown", "-f", file], Verb::Delete);
    for (plural, name) in [
        ("serviceaccounts", "a1"),
        ("roles", "a1"),
        ("serviceaccounts", "a2"),
    ] {
        assert!(cell.has(plural, name).is_err(), "{plural} {name} is left");
        let deletes = settled_writes(&cell, "DELETE", plural, name);
        assert_eq!(deletes, 1, "{plural} {name} deleted {deletes} times");
    }
    cell.kubeconfig_intact(
        &before,
        &[
            ("users", "a1"),
            ("users", "a2"),
            ("contexts", "a1"),
            ("contexts", "a2"),
        ],
    )
    .unwrap();
}

/// How many `method` requests for the object `plural/name` the server carried out (2xx), after
/// checking that each one sent after the first came after a read of the object (`GET` by
/// name): the client read back what a lost answer left before sending again.
fn settled_writes(cell: &Cell, method: &str, plural: &str, name: &str) -> usize {
    let mut entries = cell.mock.journal().entries();
    entries.sort_by_key(|e| e.time);
    let item = format!("/{plural}/{name}");
    let is_write = |e: &mock_apiserver::JournalEntry| {
        e.method == method
            && match method {
                "POST" => {
                    e.path.ends_with(&format!("/{plural}"))
                        && e.body.as_ref().and_then(|b| b.pointer("/metadata/name"))
                            == Some(&json!(name))
                }
                _ => e.path.ends_with(&item),
            }
    };
    let mut sent = 0;
    let mut read_since = false;
    let mut done = 0;
    for e in &entries {
        if e.method == "GET" && e.path.ends_with(&item) {
            read_since = true;
        } else if is_write(e) {
            assert!(
                sent == 0 || read_since,
                "{method} {plural}/{name} sent again without a read back"
            );
            sent += 1;
            read_since = false;
            if (200..300).contains(&e.status) {
                done += 1;
            }
        }
    }
    done
}

/// The matrix's `410cont` cell of `get` as kubectl lives it: the pages before the expired
/// continue token are printed, then kubectl's error, exit 1; rawkube prints the same.
#[test]
fn get_stops_at_an_expired_continue_token_as_kubectl_does() {
    if !super::cli_util::have_kubectl() {
        return;
    }
    let env = super::cli_util::Env::start();
    let def = mock_apiserver::api::registry::find_plural("serviceaccounts").unwrap();
    for n in ["a", "b"] {
        env.mock
            .store()
            .create(
                def,
                "default",
                json!({"metadata": {"name": n}}),
                &mock_apiserver::store::WriteOptions::default(),
            )
            .unwrap();
    }
    let _expired = env.mock.stub(
        Stub::on(Verb::List)
            .resource("serviceaccounts")
            .respond_with(|req| {
                if req.query.get("continue").is_some() {
                    Respond::status(410).message(INCONSISTENT_CONTINUE)
                } else {
                    Respond::pass_through()
                }
            }),
    );
    let r = env.same(&["get", "serviceaccounts", "--chunk-size=1", "-o", "name"]);
    assert_eq!(r.code, 1, "{r:?}");
    assert_eq!(r.stdout, "serviceaccount/a\n");
    assert!(r.stderr.contains("Error from server (Expired)"), "{r:?}");
    let table = env.same_but_ages(&["get", "serviceaccounts", "--chunk-size=1"]);
    assert_eq!(table.code, 1, "{table:?}");
}
