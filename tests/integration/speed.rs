//! What makes rawkube cheap, checked by what it sends (the mock's journal), never by time:
//! the build without AWS-LC's CPU-jitter entropy, one request for a typed call, aggregated
//! discovery with kubectl's disk cache for names that need resolving, and setup's
//! independent requests sent at once.

use std::path::Path;
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use mock_apiserver::MockServer;
use mock_apiserver::hooks::{NonResourceHandler, RawResponse};

use rawkube::kubeconfig::{Kubeconfig, LoadOptions, Overrides};
use rawkube::trace::{Observer, TracedOutcome, TracedRequest};
use rawkube::workflow::discovery::DiscoveryCache;
use rawkube::workflow::setup::SetupTarget;
use rawkube::workflow::{Narrator, SetupOptions};

use super::cli_util::{Env, Run, have_kubectl, rawkube_with};

/// `METHOD /path` of every request since the journal was last cleared.
fn sent(mock: &MockServer) -> Vec<String> {
    mock.journal()
        .entries()
        .iter()
        .map(|e| format!("{} {}", e.method, e.path))
        .collect()
}

/// Runs rawkube with a clean journal; returns the run and what it sent.
fn run(env: &Env, args: &[&str]) -> (Run, Vec<String>) {
    env.mock.journal().clear();
    let r = env.rawkube(args);
    (r, sent(&env.mock))
}

#[track_caller]
fn ok(r: &Run) {
    assert_eq!(r.code, 0, "{r:?}");
}

/// The .cargo/config.toml build setting took effect: AWS-LC's CPU-jitter entropy source
/// (about 40 ms of CPU at every process start) is not in the binary.
#[test]
fn the_binary_has_no_cpu_jitter_entropy() {
    let bin = std::fs::read(env!("CARGO_BIN_EXE_rawkube")).unwrap();
    let has = |s: &[u8]| bin.windows(s.len()).any(|w| w == s);
    // The symbol table is there (so the check below can see anything at all)...
    assert!(
        has(b"aws_lc_0_"),
        "no AWS-LC symbols: was the binary stripped?"
    );
    // ...and the jitter collector is not.
    assert!(
        !has(b"jent_entropy_init"),
        "AWS-LC was built with CPU-jitter entropy: is AWS_LC_SYS_NO_JITTER_ENTROPY set (.cargo/config.toml)?"
    );
}

/// A hand-written type needs no discovery: exactly the one request the call is.
#[test]
fn typed_calls_send_exactly_one_request() {
    let env = Env::start();
    let cases: &[(&[&str], &[&str])] = &[
        (&["get", "pods"], &["GET /api/v1/namespaces/default/pods"]),
        (&["get", "po"], &["GET /api/v1/namespaces/default/pods"]),
        (
            &["get", "sa", "default", "-o", "name"],
            &["GET /api/v1/namespaces/default/serviceaccounts/default"],
        ),
        (&["get", "secrets", "-A"], &["GET /api/v1/secrets"]),
        (&["get", "ns"], &["GET /api/v1/namespaces"]),
        (
            &[
                "get",
                "clusterroles.rbac.authorization.k8s.io",
                "view",
                "-o",
                "name",
            ],
            &["GET /apis/rbac.authorization.k8s.io/v1/clusterroles/view"],
        ),
        (
            &["create", "sa", "robot"],
            &["POST /api/v1/namespaces/default/serviceaccounts"],
        ),
        (
            &[
                "create",
                "role",
                "robot",
                "--verb=get,list",
                "--resource=pods,pods/log,secrets",
            ],
            &["POST /apis/rbac.authorization.k8s.io/v1/namespaces/default/roles"],
        ),
        (
            &[
                "create",
                "rolebinding",
                "robot",
                "--role=robot",
                "--serviceaccount=default:robot",
            ],
            &["POST /apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings"],
        ),
        (
            &["auth", "can-i", "list", "pods"],
            &["POST /apis/authorization.k8s.io/v1/selfsubjectaccessreviews"],
        ),
        (
            &["auth", "can-i", "get", "roles.rbac.authorization.k8s.io"],
            &["POST /apis/authorization.k8s.io/v1/selfsubjectaccessreviews"],
        ),
        (
            &["delete", "rolebinding", "robot", "--wait=false"],
            &["DELETE /apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings/robot"],
        ),
        // kubectl's delete waits until the object is gone: one GET that finds it gone.
        (
            &["delete", "sa/robot"],
            &[
                "DELETE /api/v1/namespaces/default/serviceaccounts/robot",
                "GET /api/v1/namespaces/default/serviceaccounts/robot",
            ],
        ),
    ];
    for (args, want) in cases {
        let (r, got) = run(&env, args);
        ok(&r);
        assert_eq!(got, *want, "rawkube {args:?}");
    }
    // The role holds what kubectl's would: core resources, subresource kept.
    let role = env.rawkube(&[
        "get",
        "role",
        "robot",
        "-o",
        "jsonpath={.rules[0].resources}",
    ]);
    assert_eq!(role.stdout, r#"["pods","pods/log","secrets"]"#);
    // No discovery happened, so no cache was written.
    assert!(!env.dir.path().join("cache").exists());
}

fn cache_dir(env: &Env) -> std::path::PathBuf {
    env.dir
        .path()
        .join("cache/discovery")
        .join(rawkube::workflow::discovery::safe_host(env.mock.url()))
}

/// Sets every file of the cache back by `age`, as if it were written that long ago.
fn age_cache(dir: &Path, age: Duration) {
    for entry in walk(dir) {
        let f = std::fs::File::options().write(true).open(&entry).unwrap();
        f.set_modified(SystemTime::now() - age).unwrap();
    }
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

const DISCOVERY: [&str; 2] = ["GET /api", "GET /apis"];

/// `/api` and `/apis` go out at once, so the journal may have them in either order.
fn discovery_first(mut got: Vec<String>) -> Vec<String> {
    let n = got.len().min(2);
    got[..n].sort();
    got
}

/// Names only the server can resolve go through aggregated discovery (two requests, with
/// kubectl's Accept) once; then through the disk cache until its TTL passes; a name the
/// cache does not know makes rawkube ask the server again before it gives up.
#[test]
fn other_names_use_aggregated_discovery_and_the_disk_cache() {
    let env = Env::start();
    let list_cm = "GET /api/v1/namespaces/default/configmaps";
    let (r, got) = run(&env, &["get", "cm"]);
    ok(&r);
    assert_eq!(discovery_first(got), [DISCOVERY[0], DISCOVERY[1], list_cm]);
    for e in &env.mock.journal().entries()[..2] {
        assert_eq!(
            e.header("accept"),
            Some(rawkube::api::discovery::AGGREGATED_ACCEPT),
            "{}",
            e.path
        );
    }
    let dir = cache_dir(&env);
    for f in [
        "servergroups.json",
        "v1/serverresources.json",
        "apps/v1/serverresources.json",
        "rbac.authorization.k8s.io/v1/serverresources.json",
    ] {
        assert!(dir.join(f).is_file(), "{f} missing in {}", dir.display());
    }

    // Warm: only the call itself.
    let (r, got) = run(&env, &["get", "configmaps"]);
    ok(&r);
    assert_eq!(got, [list_cm]);
    let (r, got) = run(
        &env,
        &[
            "create",
            "role",
            "deployer",
            "--verb=get",
            "--resource=deployments.apps,pods",
        ],
    );
    ok(&r);
    assert_eq!(
        got,
        ["POST /apis/rbac.authorization.k8s.io/v1/namespaces/default/roles"]
    );
    let (r, got) = run(&env, &["auth", "can-i", "list", "deploy"]);
    ok(&r);
    assert_eq!(
        got,
        ["POST /apis/authorization.k8s.io/v1/selfsubjectaccessreviews"]
    );

    // Past kubectl's 6 h TTL the server is asked again, and the cache rewritten.
    age_cache(&dir, Duration::from_secs(7 * 3600));
    let (r, got) = run(&env, &["get", "cm"]);
    ok(&r);
    assert_eq!(discovery_first(got), [DISCOVERY[0], DISCOVERY[1], list_cm]);
    let (_, got) = run(&env, &["get", "cm"]);
    assert_eq!(got, [list_cm]);

    // A miss in fresh cached documents: ask the server once more, then kubectl's error.
    let (r, got) = run(&env, &["get", "nosuchthings"]);
    assert_eq!(r.code, 1);
    assert_eq!(
        r.stderr,
        "error: the server doesn't have a resource type \"nosuchthings\"\n"
    );
    assert_eq!(discovery_first(got), DISCOVERY);

    // --cache-dir puts the cache elsewhere.
    let other = tempfile::tempdir().unwrap();
    let cache_flag = format!("--cache-dir={}", other.path().display());
    let (r, got) = run(&env, &["get", "cm", &cache_flag]);
    ok(&r);
    assert_eq!(discovery_first(got), [DISCOVERY[0], DISCOVERY[1], list_cm]);
    let moved = DiscoveryCache::new(other.path(), env.mock.url());
    assert!(moved.load().is_some(), "{}", moved.dir().display());
}

/// kubectl and rawkube read each other's discovery cache: same directory, same files.
#[test]
fn kubectl_and_rawkube_share_the_discovery_cache() {
    if !have_kubectl() {
        return;
    }
    let env = Env::start();
    let kubectl = |cache: &Path, args: &[&str]| {
        let out = Command::new("kubectl")
            .arg("--cache-dir")
            .arg(cache)
            .arg("--kubeconfig")
            .arg(&env.kubeconfig)
            .args(args)
            .env_remove("KUBECONFIG")
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
    };
    let discovery_sent = |mock: &MockServer| {
        sent(mock)
            .into_iter()
            .filter(|s| s.starts_with("GET /api") && !s.contains("/namespaces/"))
            .collect::<Vec<_>>()
    };

    // rawkube writes, kubectl reads: kubectl sends no discovery request.
    let rawkube_first = tempfile::tempdir().unwrap();
    let flag = format!("--cache-dir={}", rawkube_first.path().display());
    ok(&rawkube_with(&env.kubeconfig, &["get", "cm", &flag]));
    env.mock.journal().clear();
    kubectl(rawkube_first.path(), &["get", "cm"]);
    assert_eq!(discovery_sent(&env.mock), Vec::<String>::new());

    // kubectl writes, rawkube reads.
    let kubectl_first = tempfile::tempdir().unwrap();
    kubectl(kubectl_first.path(), &["get", "cm"]);
    let flag = format!("--cache-dir={}", kubectl_first.path().display());
    let (r, got) = run(&env, &["get", "cm", &flag]);
    ok(&r);
    assert_eq!(got, ["GET /api/v1/namespaces/default/configmaps"]);
}

/// Serves one of the mock's legacy discovery documents whatever the `Accept`, as a server
/// older than 1.26 does.
struct Legacy(serde_json::Value);

impl NonResourceHandler for Legacy {
    fn get(&self, _path: &str, _query: &str) -> RawResponse {
        RawResponse {
            status: 200,
            content_type: "application/json".into(),
            headers: vec![],
            body: serde_json::to_vec(&self.0).unwrap(),
        }
    }
}

/// Against a server without aggregated discovery: the legacy documents, each group version
/// once, then the cache.
#[test]
fn old_servers_get_legacy_discovery() {
    use mock_apiserver::api::discovery::{legacy_api, legacy_apis};
    let mock = MockServer::builder()
        .non_resource_route("/api", Arc::new(Legacy(legacy_api("127.0.0.1:6443"))))
        .non_resource_route("/apis", Arc::new(Legacy(legacy_apis())))
        .start_blocking()
        .unwrap();
    let env = Env::with(mock);
    let list_cm = "GET /api/v1/namespaces/default/configmaps";
    let (r, got) = run(&env, &["get", "cm"]);
    ok(&r);
    let mut got = discovery_first(got);
    assert_eq!(got[..2], DISCOVERY);
    assert_eq!(got.pop().unwrap(), list_cm);
    let mut per_group = got[2..].to_vec();
    per_group.sort();
    assert_eq!(
        per_group,
        [
            "GET /api/v1",
            "GET /apis/apps/v1",
            "GET /apis/authentication.k8s.io/v1",
            "GET /apis/authorization.k8s.io/v1",
            "GET /apis/rbac.authorization.k8s.io/v1",
        ]
    );
    let (r, got) = run(&env, &["get", "deploy.apps", "-o", "name"]);
    assert_eq!(r.code, 1, "the mock stores no deployments: {r:?}");
    assert_eq!(got, ["GET /apis/apps/v1/namespaces/default/deployments"]);
}

/// Counts requests in flight; remembers the most at once.
#[derive(Default)]
struct InFlight {
    now: Mutex<(usize, usize)>,
    paths: Mutex<Vec<String>>,
}

impl Observer for InFlight {
    fn request(&self, req: &TracedRequest<'_>) {
        let mut n = self.now.lock().unwrap();
        n.0 += 1;
        n.1 = n.1.max(n.0);
        self.paths
            .lock()
            .unwrap()
            .push(format!("{} {}", req.method, req.url));
    }

    fn response(&self, _: &TracedRequest<'_>, _: &TracedOutcome, _: Duration) {
        self.now.lock().unwrap().0 -= 1;
    }
}

fn target(env: &Env, observer: Arc<InFlight>) -> SetupTarget {
    let kubeconfig = Kubeconfig::load(&LoadOptions::file(&env.kubeconfig)).unwrap();
    let admin_conn = kubeconfig.resolve(&Overrides::default()).unwrap();
    let observer: Arc<dyn Observer> = observer;
    SetupTarget {
        admin: rawkube::Client::new(&admin_conn)
            .unwrap()
            .with_observer(observer.clone()),
        cluster_name: admin_conn.origin.cluster.clone().unwrap(),
        admin_conn,
        kubeconfig,
        observer: Some(observer),
        discovery_cache: None,
    }
}

/// setup's independent reads go out together, and so do the final check's list and its five
/// access reviews (proved by the requests in flight at once, not by time); no discovery.
#[test]
fn setup_sends_independent_requests_at_once() {
    let env = Env::start();
    let seen = Arc::new(InFlight::default());
    let mut t = target(&env, seen.clone());
    env.mock.journal().clear();
    let mut out = Vec::new();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(rawkube::workflow::setup(
        &mut t,
        &SetupOptions::tutorial("bearertokenauth"),
        &mut Narrator::new(&mut out),
    ))
    .unwrap();
    let max = seen.now.lock().unwrap().1;
    assert!(max >= 6, "at most {max} requests in flight at once");
    let got = sent(&env.mock);
    assert!(
        !got.iter().any(|s| DISCOVERY.contains(&s.as_str())),
        "{got:#?}"
    );
    let reviews = got
        .iter()
        .filter(|s| s.ends_with("/selfsubjectaccessreviews"))
        .count();
    assert_eq!(reviews, 5, "{got:#?}");
    // 4 reads, SA, token, the Forbidden list, Role, RoleBinding, then list + 5 reviews.
    assert_eq!(got.len(), 15, "{got:#?}");
}

/// `--token-mode legacy` against 1.24+ fails at once: no token controller will ever add
/// the Secret, so setup does not poll for it.
#[test]
fn legacy_token_mode_fails_at_once_on_124_and_later() {
    let env = Env::with(
        MockServer::builder()
            .server_version("v1.24.0")
            .start_blocking()
            .unwrap(),
    );
    let (r, got) = run(&env, &["setup", "oldstyle", "--token-mode", "legacy"]);
    assert_eq!(r.code, 1, "{r:?}");
    assert_eq!(
        r.stderr,
        "error: the token controller never added a Secret to serviceaccount oldstyle (clusters since 1.24 do not; use --token-mode request or secret); the server is v1.24.0\n"
    );
    let sa_reads = got
        .iter()
        .filter(|s| *s == "GET /api/v1/namespaces/default/serviceaccounts/oldstyle")
        .count();
    assert_eq!(sa_reads, 1, "polled: {got:#?}");

    // A 1.23 server's token controller does add it: legacy mode waits for it and works.
    let old = Env::legacy();
    let r = old.rawkube(&["setup", "oldstyle", "--token-mode", "legacy"]);
    ok(&r);
    assert!(r.stdout.contains("(legacy, never expires)"), "{}", r.stdout);
}

/// The journal's requests for the ServiceAccount `name` after setup: (reads by name, watches).
fn sa_requests(env: &Env, name: &str) -> (usize, Vec<mock_apiserver::JournalEntry>) {
    let entries = env.mock.journal().entries();
    let item = format!("/api/v1/namespaces/default/serviceaccounts/{name}");
    let reads = entries
        .iter()
        .filter(|e| e.method == "GET" && e.path == item)
        .count();
    let watches = entries
        .into_iter()
        .filter(|e| e.path == "/api/v1/namespaces/default/serviceaccounts")
        .filter(|e| e.query.split('&').any(|p| p == "watch=true"))
        .collect();
    (reads, watches)
}

/// Legacy mode learns of the token controller's Secret through a watch of the SA from the
/// version its create answered with, not by reading the SA again after pauses.
#[test]
fn legacy_setup_watches_for_the_token_secret() {
    let env = Env::legacy();
    env.mock.journal().clear();
    let r = env.rawkube(&["setup", "watched"]);
    ok(&r);
    let (reads, watches) = sa_requests(&env, "watched");
    // The one read is setup's first look (404); nothing polls after the create.
    assert_eq!(reads, 1, "{:#?}", env.mock.journal().entries());
    assert_eq!(watches.len(), 1, "{watches:#?}");
    let q = &watches[0].query;
    assert!(q.contains("fieldSelector=metadata.name%3Dwatched"), "{q}");
    // From the version the create answered with, so the controller's change is replayed.
    let rv = q
        .split('&')
        .find_map(|p| p.strip_prefix("resourceVersion="))
        .unwrap_or_default();
    assert!(rv.parse::<u64>().is_ok(), "{q}");
    assert!(q.contains("timeoutSeconds="), "{q}");
    assert_eq!(watches[0].status, 200);
    assert!(
        r.stdout.contains("token: from Secret watched-token-"),
        "{}",
        r.stdout
    );
}

/// A server that refuses the watch (403), or ends it with an ERROR event (410 Expired), is
/// polled instead, and setup still gets the token.
#[test]
fn legacy_setup_polls_when_the_watch_fails() {
    use mock_apiserver::{Respond, Stub, Verb, WatchEnd, WatchScript};
    let answers = [
        ("refused", Respond::status(403)),
        (
            "expired",
            Respond::watch(WatchScript::new().then(WatchEnd::error(410))),
        ),
    ];
    for (name, answer) in answers {
        let env = Env::legacy();
        let _stub = env.mock.stub(
            Stub::on(Verb::Watch)
                .resource("serviceaccounts")
                .respond(answer),
        );
        env.mock.journal().clear();
        let r = env.rawkube(&["setup", name]);
        ok(&r);
        assert!(r.stdout.contains("(legacy, never expires)"), "{}", r.stdout);
        let (reads, watches) = sa_requests(&env, name);
        assert!(!watches.is_empty(), "{name}: no watch was sent");
        // The first look, then at least one read after the failed watch.
        assert!(reads >= 2, "{name}: {:#?}", env.mock.journal().entries());
    }
}

/// How many times `file` was written while `f` ran, seen through inotify on its directory:
/// renames onto its name (rawkube's atomic writes) and opens that wrote it in place
/// (kubectl's). A renamed temp file's close carries the new name but modified only the temp
/// name, so it does not count twice.
fn writes_of(file: &Path, f: impl FnOnce()) -> usize {
    use std::os::unix::ffi::OsStrExt;
    let dir = std::ffi::CString::new(file.parent().unwrap().as_os_str().as_bytes()).unwrap();
    let name = file.file_name().unwrap().as_bytes();
    // SAFETY: plain syscalls on a descriptor this function owns and closes.
    let fd = unsafe { libc::inotify_init1(libc::IN_NONBLOCK | libc::IN_CLOEXEC) };
    assert!(
        fd >= 0,
        "inotify_init1: {}",
        std::io::Error::last_os_error()
    );
    // SAFETY: `dir` is a NUL-terminated path.
    let wd = unsafe {
        libc::inotify_add_watch(
            fd,
            dir.as_ptr(),
            libc::IN_MOVED_TO | libc::IN_MODIFY | libc::IN_CLOSE_WRITE,
        )
    };
    assert!(
        wd >= 0,
        "inotify_add_watch: {}",
        std::io::Error::last_os_error()
    );
    f();
    let (mut count, mut modified) = (0, false);
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        // SAFETY: reads into a buffer of the given length.
        let n = unsafe { libc::read(fd, buf.as_mut_ptr().cast(), buf.len()) };
        if n <= 0 {
            break;
        }
        // struct inotify_event: wd, mask, cookie, len (4 bytes each), then len bytes of name.
        let mut at = 0;
        while at + 16 <= n as usize {
            let mask = u32::from_ne_bytes(buf[at + 4..at + 8].try_into().unwrap());
            let len = u32::from_ne_bytes(buf[at + 12..at + 16].try_into().unwrap()) as usize;
            let event_name = &buf[at + 16..at + 16 + len];
            let event_name = &event_name[..event_name.iter().position(|b| *b == 0).unwrap_or(len)];
            if event_name == name {
                if mask & libc::IN_MOVED_TO != 0 {
                    count += 1;
                } else if mask & libc::IN_MODIFY != 0 {
                    modified = true;
                } else if mask & libc::IN_CLOSE_WRITE != 0 && modified {
                    count += 1;
                    modified = false;
                }
            }
            at += 16 + len;
        }
    }
    // SAFETY: closes the descriptor opened above.
    unsafe { libc::close(fd) };
    count
}

/// setup adds the user and the context in one locked read-modify-write: the kubeconfig is
/// written once, and not at all by a re-run that changes nothing.
#[test]
fn setup_writes_the_kubeconfig_once() {
    let env = Env::start();
    let mut r = None;
    let writes = writes_of(&env.kubeconfig, || {
        r = Some(env.rawkube(&["setup", "once"]))
    });
    let r = r.unwrap();
    ok(&r);
    assert!(
        r.stdout
            .contains("User \"once\" set.\nContext \"once\" created.\n"),
        "{}",
        r.stdout
    );
    assert_eq!(writes, 1, "the kubeconfig was written {writes} times");
    let kc = Kubeconfig::load(&LoadOptions::file(&env.kubeconfig)).unwrap();
    assert!(kc.user("once").unwrap().entry.user.token.is_some());
    assert_eq!(kc.context("once").unwrap().entry.context.user, "once");

    // An in-place write counts too (kubectl's way), so more writes could not hide.
    let bytes = std::fs::read(&env.kubeconfig).unwrap();
    let in_place = writes_of(&env.kubeconfig, || {
        std::fs::write(&env.kubeconfig, &bytes).unwrap()
    });
    assert_eq!(in_place, 1);
    ok(&env.rawkube(&["config", "set-context", "once", "--namespace=other"]));
    let mut r2 = None;
    let one = writes_of(&env.kubeconfig, || {
        r2 = Some(env.rawkube(&["setup", "once"]))
    });
    let r2 = r2.unwrap();
    ok(&r2);
    assert!(
        r2.stdout
            .contains("User \"once\" unchanged.\nContext \"once\" modified.\n"),
        "{}",
        r2.stdout
    );
    assert_eq!(one, 1);
    let again = writes_of(&env.kubeconfig, || ok(&env.rawkube(&["setup", "once"])));
    assert_eq!(again, 0, "an unchanged re-run wrote the kubeconfig");
}
