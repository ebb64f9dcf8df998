//! `setup -f` / `teardown -f` with many accounts, and `--context a,b,c` against several
//! mock-apiservers at once (one of them unreachable).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use mock_apiserver::MockServer;
use serde_json::{Value, json};

use super::cli_util::{Env, Run, have_kubectl, kubectl_with, rawkube_with};

fn store_namespace(mock: &MockServer, name: &str) {
    let def = mock_apiserver::api::registry::find_plural("namespaces").unwrap();
    mock.store()
        .create(
            def,
            "",
            json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}),
            &mock_apiserver::store::WriteOptions::default(),
        )
        .unwrap();
}

/// Every request of the journal that is not a read.
fn non_reads(mock: &MockServer) -> Vec<String> {
    mock.journal()
        .entries()
        .into_iter()
        .filter(|e| e.method != "GET")
        .map(|e| format!("{} {}", e.method, e.path))
        .collect()
}

fn users_and_contexts(kubeconfig: &Path) -> (Vec<String>, Vec<String>) {
    let v: Value = serde_yaml::from_str(&std::fs::read_to_string(kubeconfig).unwrap()).unwrap();
    let names = |k: &str| {
        v[k].as_array()
            .map(|a| {
                a.iter()
                    .map(|e| e["name"].as_str().unwrap().to_string())
                    .collect()
            })
            .unwrap_or_default()
    };
    (names("users"), names("contexts"))
}

fn inode(p: &Path) -> (u64, i64) {
    use std::os::unix::fs::MetadataExt;
    let m = std::fs::metadata(p).unwrap();
    (m.ino(), m.mtime_nsec())
}

/// 1,000 accounts in four namespaces, with different rules and token modes.
fn manifest(dir: &Path, n: usize) -> PathBuf {
    let mut text = String::from("accounts:\n");
    for i in 0..n {
        let _ = writeln!(text, "- name: bot-{i}");
        match i % 4 {
            0 => {}
            1 => text.push_str("  namespace: team-1\n  verbs: [get, list, watch]\n"),
            2 => text.push_str(
                "  namespace: team-2\n  resources: [deployments.apps, pods/log]\n  verbs: get,list\n",
            ),
            _ => text.push_str("  namespace: team-3\n  resources: [configmaps]\n"),
        }
        if i % 100 == 7 {
            text.push_str("  tokenMode: secret\n");
        }
    }
    let path = dir.join("accounts.yaml");
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn setup_f_with_1000_accounts_converges_and_a_rerun_sends_only_reads() {
    let env = Env::start();
    for ns in ["team-1", "team-2", "team-3"] {
        store_namespace(&env.mock, ns);
    }
    let m = manifest(env.dir.path(), 1000);
    let file = m.to_str().unwrap();
    let r = env.rawkube(&["setup", "-f", file]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.contains("1000 accounts on 1 of 1 cluster(s): 1000 created, 0 updated, 0 unchanged, 0 differ, 0 failed"),
        "{}",
        r.stdout.lines().last().unwrap_or("")
    );
    // All kubeconfig edits in one write.
    let writes: Vec<&str> = r
        .stdout
        .lines()
        .filter(|l| l.starts_with("kubeconfig "))
        .collect();
    assert_eq!(writes.len(), 1, "{writes:?}");
    assert!(writes[0].ends_with("written (2000 edits)"), "{writes:?}");
    let (users, contexts) = users_and_contexts(&env.kubeconfig);
    assert_eq!((users.len(), contexts.len()), (1001, 1001));
    assert!(
        r.stdout.contains("team-2      bot-2     TokenRequest"),
        "{}",
        &r.stdout[..400]
    );
    assert!(r.stdout.contains("Secret bot-7-token"), "secret mode");

    // The accounts work, through the written kubeconfig, with what their entry grants.
    let as_bot = |ctx: &str, args: &[&str]| {
        let mut a = vec!["--context", ctx];
        a.extend_from_slice(args);
        env.rawkube(&a)
    };
    assert_eq!(
        as_bot("bot-0", &["auth", "can-i", "delete", "pods"]).stdout,
        "yes\n"
    );
    assert_eq!(
        as_bot("bot-1", &["auth", "can-i", "watch", "pods"]).stdout,
        "yes\n"
    );
    assert_eq!(
        as_bot("bot-1", &["auth", "can-i", "delete", "pods"]).stdout,
        "no\n"
    );
    assert_eq!(
        as_bot(
            "bot-2",
            &["auth", "can-i", "get", "pods", "--subresource=log"]
        )
        .stdout,
        "yes\n"
    );
    assert_eq!(
        as_bot("bot-3", &["auth", "can-i", "create", "configmaps"]).stdout,
        "yes\n"
    );
    assert_eq!(
        as_bot("bot-7", &["auth", "can-i", "list", "pods", "-n", "team-3"]).stdout,
        "no\n"
    );

    // A re-run: nothing to do, only reads, and the kubeconfig is not rewritten.
    let before = inode(&env.kubeconfig);
    env.mock.journal().clear();
    let again = env.rawkube(&["setup", "-f", file]);
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert!(
        again
            .stdout
            .contains("0 created, 0 updated, 1000 unchanged"),
        "{}",
        again.stdout.lines().last().unwrap()
    );
    assert_eq!(non_reads(&env.mock), Vec::<String>::new());
    let requests = env.mock.journal().entries().len();
    assert!(requests < 40, "{requests} requests for a converged re-run");
    assert_eq!(inode(&env.kubeconfig), before, "kubeconfig rewritten");

    // teardown -f removes exactly what setup made, in one kubeconfig write.
    let t = env.rawkube(&["teardown", "-f", file]);
    assert_eq!(t.code, 0, "{}", t.stderr);
    assert!(
        t.stdout.contains("1000 removed, 0 already gone, 0 failed"),
        "{}",
        t.stdout.lines().last().unwrap()
    );
    assert!(
        t.stdout
            .contains("removed (rolebinding, role, secret, serviceaccount, kubeconfig)")
    );
    let (users, contexts) = users_and_contexts(&env.kubeconfig);
    assert_eq!(
        (users, contexts),
        (
            vec!["kubernetes-admin".to_string()],
            vec!["kubernetes-admin@kubernetes".to_string()]
        )
    );
    for ns in ["default", "team-1", "team-2", "team-3"] {
        for kind in ["sa", "roles", "rolebindings", "secrets"] {
            let left = env.rawkube(&["get", kind, "-n", ns, "-o", "name"]);
            assert!(
                !left.stdout.contains("bot-"),
                "{kind} in {ns}: {}",
                left.stdout
            );
        }
    }
    // The ServiceAccount the cluster made itself is untouched.
    assert!(env.rawkube(&["get", "sa", "default", "-n", "team-1"]).code == 0);
    env.mock.journal().clear();
    let t = env.rawkube(&["teardown", "-f", file]);
    assert!(
        t.stdout.contains("0 removed, 1000 already gone"),
        "{}",
        t.stdout
    );
    assert_eq!(non_reads(&env.mock), Vec::<String>::new());
}

#[test]
fn setup_f_reports_differences_fixes_them_with_force_and_writes_standalone_files() {
    let env = Env::start();
    let dir = env.dir.path();
    let m = dir.join("m.yaml");
    std::fs::write(
        &m,
        "accounts:\n- name: viewer\n  verbs: [get]\n- name: editor\n",
    )
    .unwrap();
    let out = dir.join("kubeconfigs");
    let args = |extra: &[&str]| {
        let mut a = vec![
            "setup",
            "-f",
            m.to_str().unwrap(),
            "--kubeconfig-out-dir",
            out.to_str().unwrap(),
        ];
        a.extend_from_slice(extra);
        a.into_iter().map(String::from).collect::<Vec<_>>()
    };
    let run = |extra: &[&str]| {
        let a = args(extra);
        env.rawkube(&a.iter().map(String::as_str).collect::<Vec<_>>())
    };
    let before = std::fs::read_to_string(&env.kubeconfig).unwrap();
    let r = run(&[]);
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(
        std::fs::read_to_string(&env.kubeconfig).unwrap(),
        before,
        "admin kubeconfig edited"
    );
    let viewer = out.join("viewer.kubeconfig");
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&viewer).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let can = |f: &Path, verb: &str| rawkube_with(f, &["auth", "can-i", verb, "pods"]).stdout;
    assert_eq!(
        (can(&viewer, "get"), can(&viewer, "list")),
        ("yes\n".into(), "no\n".into())
    );
    if have_kubectl() {
        let k = kubectl_with(&viewer, &["get", "pods"]);
        assert_eq!(k.code, 1, "{k:?}");
        assert!(k.stderr.contains("cannot list resource \"pods\""), "{k:?}");
    }

    std::fs::write(
        &m,
        "accounts:\n- name: viewer\n  verbs: [get, list]\n- name: editor\n",
    )
    .unwrap();
    let r = run(&[]);
    assert_eq!(r.code, 1, "{r:?}");
    assert!(
        r.stdout
            .contains("differs (role): left unchanged, use --force"),
        "{}",
        r.stdout
    );
    assert!(
        r.stderr.ends_with(
            "error: 1 account differs from the manifest (re-run with --force to update them)\n"
        ),
        "{}",
        r.stderr
    );
    assert_eq!(can(&viewer, "list"), "no\n");
    let r = run(&["--force"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stdout.contains("updated (role)"), "{}", r.stdout);
    assert_eq!(can(&viewer, "list"), "yes\n");

    let t = env.rawkube(&[
        "teardown",
        "-f",
        m.to_str().unwrap(),
        "--kubeconfig-out-dir",
        out.to_str().unwrap(),
    ]);
    assert_eq!(t.code, 0, "{t:?}");
    assert!(!viewer.exists() && !out.join("editor.kubeconfig").exists());
}

#[test]
fn a_bad_manifest_is_refused_before_any_request() {
    let env = Env::start();
    let m = env.dir.path().join("bad.yaml");
    for (text, want) in [
        (
            "accounts:\n- name: ok\n- name: bot\n  verb: [get]\n",
            "accounts[1] \"bot\": unknown field \"verb\"",
        ),
        (
            "accounts:\n- name: ok\n  tokenMode: forever\n",
            "accounts[0] \"ok\": field \"tokenMode\": \"forever\" is not one of",
        ),
        (
            "accounts:\n- name: ok\n  resources: [nosuch]\n",
            "accounts[0] \"ok\": the server doesn't have a resource type \"nosuch\"",
        ),
    ] {
        std::fs::write(&m, text).unwrap();
        env.mock.journal().clear();
        let r = env.rawkube(&["setup", "-f", m.to_str().unwrap()]);
        assert_eq!(r.code, 1, "{r:?}");
        assert!(r.stderr.contains(want), "{}", r.stderr);
        assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
        assert_eq!(non_reads(&env.mock), Vec::<String>::new());
        if !want.contains("server") {
            // Validation happens before connecting: the message names the file.
            assert!(
                r.stderr.starts_with(&format!("error: {}: ", m.display())),
                "{}",
                r.stderr
            );
            assert!(env.mock.journal().entries().is_empty());
        }
    }
    let r = env.rawkube(&["setup", "-f", "/nonexistent/accounts.yaml"]);
    assert_eq!(
        (r.code, r.stderr.as_str()),
        (
            1,
            "error: cannot read /nonexistent/accounts.yaml: No such file or directory (os error 2)\n"
        )
    );
    let r = env.rawkube(&["setup", "x", "-f", m.to_str().unwrap()]);
    assert!(
        r.stderr.contains("give a NAME (x) or -f FILE, not both"),
        "{r:?}"
    );
    let r = env.rawkube(&["setup", "-f", m.to_str().unwrap(), "--interactive"]);
    assert!(
        r.stderr.contains("--interactive cannot be used with -f"),
        "{r:?}"
    );
}

/// A kubeconfig with one context per mock: `a`, `b`, `c`.
fn three_clusters(dir: &Path, mocks: [&MockServer; 3]) -> PathBuf {
    let enc = |s: &str| STANDARD.encode(s);
    let mut clusters = vec![];
    let mut users = vec![];
    let mut contexts = vec![];
    for (name, m) in ["a", "b", "c"].into_iter().zip(mocks) {
        clusters.push(json!({"name": format!("cluster-{name}"),
            "cluster": {"server": m.url(), "certificate-authority-data": enc(m.ca_pem())}}));
        users.push(json!({"name": format!("admin-{name}"), "user": {
            "client-certificate-data": enc(m.admin_client_cert_pem()),
            "client-key-data": enc(m.admin_client_key_pem())}}));
        contexts.push(json!({"name": name, "context": {"cluster": format!("cluster-{name}"), "user": format!("admin-{name}")}}));
    }
    let kc = json!({"apiVersion": "v1", "kind": "Config", "clusters": clusters, "users": users,
                    "contexts": contexts, "current-context": "a"});
    let path = dir.join("three.kubeconfig");
    std::fs::write(&path, serde_yaml::to_string(&kc).unwrap()).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    path
}

/// Three mock-apiservers in one kubeconfig (contexts a, b, c); c is then shut down, so
/// its cluster is unreachable (connection refused).
fn two_mocks_three_contexts() -> (MockServer, MockServer, tempfile::TempDir, PathBuf) {
    let start = || MockServer::start_blocking().unwrap();
    let (a, b, c) = (start(), start(), start());
    let dir = tempfile::tempdir().unwrap();
    let kc = three_clusters(dir.path(), [&a, &b, &c]);
    drop(c);
    (a, b, dir, kc)
}

fn lines_with<'a>(r: &'a Run, needle: &str) -> Vec<&'a str> {
    r.stdout.lines().filter(|l| l.contains(needle)).collect()
}

#[test]
fn several_contexts_at_once_one_unreachable_each_reported() {
    let (a, b, dir, kc) = two_mocks_three_contexts();
    let m = dir.path().join("m.yaml");
    std::fs::write(&m, "accounts:\n- name: deployer\n  resources: [deployments.apps]\n- name: reader\n  verbs: [get, list]\n").unwrap();
    let rawkube = |args: &[&str]| rawkube_with(&kc, args);

    let r = rawkube(&["setup", "-f", m.to_str().unwrap(), "--context", "a,b,c"]);
    assert_eq!(r.code, 1, "{r:?}");
    assert!(
        r.stdout
            .starts_with("CLUSTER   NAMESPACE   NAME       TOKEN          KUBECONFIG   RESULT\n"),
        "{}",
        r.stdout
    );
    assert_eq!(lines_with(&r, "   created").len(), 4, "{}", r.stdout);
    assert!(
        r.stdout
            .contains("a         default     deployer   TokenRequest   deployer@a   created"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("b         default     reader     TokenRequest   reader@b     created"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("2 accounts on 2 of 3 cluster(s): 4 created"),
        "{}",
        r.stdout
    );
    assert!(r.stderr.contains("[c] error: "), "{}", r.stderr);
    assert!(
        r.stderr.contains("connection refused") || r.stderr.contains("refused"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.ends_with("error: 1 of 3 contexts failed: c\n"),
        "{}",
        r.stderr
    );
    // Each cluster got its own accounts.
    for (mock, ctx) in [(&a, "a"), (&b, "b")] {
        let creates: Vec<String> = non_reads(mock)
            .into_iter()
            .filter(|l| l.starts_with("POST") && !l.ends_with("reviews"))
            .collect();
        assert_eq!(creates.len(), 8, "{ctx}: {creates:?}");
        let can = rawkube(&[
            "--context",
            &format!("deployer@{ctx}"),
            "auth",
            "can-i",
            "create",
            "deployments.apps",
        ]);
        assert_eq!(can.stdout, "yes\n", "{can:?}");
    }

    // get and access, once per context: sections (or a JSON list) and the failure reported.
    let g = rawkube(&["get", "sa", "--context", "a,b,c"]);
    assert_eq!(g.code, 1, "{g:?}");
    assert!(
        g.stdout
            .starts_with("=== context a ===\nNAME       SECRETS   AGE\ndefault    0         "),
        "{}",
        g.stdout
    );
    assert!(
        g.stdout
            .contains("\n\n=== context b ===\nNAME       SECRETS   AGE\n"),
        "{}",
        g.stdout
    );
    assert!(g.stdout.ends_with("=== context c ===\n"), "{}", g.stdout);
    assert!(g.stderr.contains("[c] "), "{}", g.stderr);
    assert!(
        g.stderr.ends_with("error: 1 of 3 contexts failed: c\n"),
        "{}",
        g.stderr
    );
    let acc = rawkube(&[
        "access",
        "--resources",
        "pods",
        "--verbs",
        "get",
        "-o",
        "json",
        "--context",
        "a,b,c",
    ]);
    let v: Value = serde_json::from_str(&acc.stdout).unwrap();
    assert_eq!(v[0]["context"], "a");
    assert_eq!(v[0]["result"]["resources"][0]["verbs"]["get"], true);
    assert_eq!(v[1]["result"]["subject"], "User/kubernetes-admin");
    assert!(
        v[2]["error"].as_str().unwrap().starts_with("error: "),
        "{v}"
    );
    assert_eq!(acc.code, 1);

    // Teardown on the two that are there; the kubeconfig keeps only what was there before.
    let t = rawkube(&["teardown", "-f", m.to_str().unwrap(), "--context", "a,b"]);
    assert_eq!(t.code, 0, "{t:?}");
    let (users, contexts) = users_and_contexts(&kc);
    assert_eq!(contexts, ["a", "b", "c"]);
    assert_eq!(users, ["admin-a", "admin-b", "admin-c"]);

    // --all-contexts is every context; other commands refuse several contexts.
    let all = rawkube(&["get", "ns", "--all-contexts"]);
    assert_eq!(lines_with(&all, "=== context").len(), 3, "{all:?}");
    let r = rawkube(&["who-can", "get", "pods", "--context", "a,b"]);
    assert_eq!(
        r.stderr,
        "error: several contexts (--context a,b or --all-contexts) work with setup, teardown, access and get only\n"
    );
    let r = rawkube(&[
        "setup",
        "x",
        "--context",
        "a,b",
        "--kubeconfig-out",
        "/tmp/x",
    ]);
    assert!(
        r.stderr
            .contains("--kubeconfig-out (use --kubeconfig-out-dir) cannot be used"),
        "{r:?}"
    );
}

#[test]
fn setup_name_on_several_contexts_names_each_context_after_its_cluster() {
    // The mocks and the directory live until the end of the test.
    let (_a, _b, _dir, kc) = two_mocks_three_contexts();
    let r = rawkube_with(
        &kc,
        &[
            "setup",
            "robot",
            "-n",
            "default",
            "--verb",
            "get,list",
            "--context",
            "a,b",
        ],
    );
    assert_eq!(r.code, 0, "{r:?}");
    let (_, contexts) = users_and_contexts(&kc);
    assert_eq!(contexts, ["a", "b", "c", "robot@a", "robot@b"]);
    for ctx in ["robot@a", "robot@b"] {
        let pods = rawkube_with(&kc, &["--context", ctx, "get", "pods"]);
        assert_eq!(
            (pods.code, pods.stderr.as_str()),
            (0, "No resources found in default namespace.\n")
        );
    }
}
