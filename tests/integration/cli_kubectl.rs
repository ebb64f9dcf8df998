//! Every command rawkube shares with kubectl, run by both against one mock-apiserver:
//! stdout, stderr and exit code must be identical.

use super::cli_util::{Env, have_kubectl};

/// The write requests in the journal: method, path and query.
fn writes(env: &Env) -> Vec<String> {
    env.mock
        .journal()
        .entries()
        .into_iter()
        .filter(|e| e.method != "GET")
        .map(|e| format!("{} {}?{}", e.method, e.path, e.query))
        .collect()
}

/// Runs a create with rawkube, removes the object with kubectl, creates it again with
/// kubectl (same output), then both hit AlreadyExists (same error), then rawkube deletes it
/// (same line kubectl printed).
fn create_cycle(env: &Env, create: &[&str], delete: &[&str]) {
    env.mock.journal().clear();
    let r = env.rawkube(create);
    assert_eq!(r.code, 0, "rawkube {create:?}: {r:?}");
    let ours = writes(env);
    let kd = env.kubectl(delete);
    assert_eq!(kd.code, 0, "kubectl {delete:?}: {kd:?}");
    env.mock.journal().clear();
    let k = env.kubectl(create);
    assert_eq!(r, k, "create {create:?}: rawkube (left) vs kubectl (right)");
    // The same write request: method, path and query (fieldManager, fieldValidation).
    assert_eq!(
        ours,
        writes(env),
        "requests of {create:?}: rawkube (left) vs kubectl (right)"
    );
    env.same(create); // AlreadyExists, both
    let rd = env.rawkube(delete);
    assert_eq!(
        rd, kd,
        "delete {delete:?}: rawkube (left) vs kubectl (right)"
    );
    env.same(delete); // NotFound, both
}

#[test]
fn delete_of_several_with_one_missing_matches_kubectl() {
    if !have_kubectl() {
        return;
    }
    let env = Env::start();
    for n in ["a", "b"] {
        assert_eq!(env.rawkube(&["create", "sa", n]).code, 0);
    }
    let r = env.rawkube(&["delete", "sa", "a", "nosuch", "b"]);
    for n in ["a", "b"] {
        assert_eq!(env.kubectl(&["create", "sa", n]).code, 0);
    }
    let k = env.kubectl(&["delete", "sa", "a", "nosuch", "b"]);
    assert_eq!(r, k);
}

#[test]
fn create_and_delete_match_kubectl() {
    if !have_kubectl() {
        return;
    }
    let env = Env::start();
    create_cycle(
        &env,
        &["create", "sa", "bearertokenauth"],
        &["delete", "sa", "bearertokenauth"],
    );
    create_cycle(
        &env,
        &["create", "serviceaccount", "other", "-n", "default"],
        &["delete", "serviceaccounts", "other"],
    );
    create_cycle(
        &env,
        &[
            "create",
            "role",
            "bearertokenauth",
            "--verb=create",
            "--verb=get",
            "--verb=list",
            "--verb=update",
            "--verb=delete",
            "--resource=pods",
        ],
        &["delete", "role", "bearertokenauth"],
    );
    create_cycle(
        &env,
        &[
            "create",
            "role",
            "mixed",
            "--verb=get,list",
            "--resource=deployments.apps,pods/log",
            "--resource-name=foo",
        ],
        &["delete", "roles.rbac.authorization.k8s.io", "mixed"],
    );
    create_cycle(
        &env,
        &[
            "create",
            "rolebinding",
            "bearertoken-binding-bearertokenauth",
            "--role=bearertokenauth",
            "--serviceaccount=default:bearertokenauth",
            "--namespace=default",
        ],
        &[
            "delete",
            "rolebinding",
            "bearertoken-binding-bearertokenauth",
        ],
    );
    create_cycle(
        &env,
        &[
            "create",
            "clusterrole",
            "pod-reader",
            "--verb=get,list",
            "--resource=pods",
        ],
        &["delete", "clusterrole", "pod-reader"],
    );
    create_cycle(
        &env,
        &[
            "create",
            "clusterrolebinding",
            "sa-view",
            "--clusterrole=view",
            "--serviceaccount=default:bearertokenauth",
            "--user=alice",
            "--group=devs",
        ],
        &["delete", "clusterrolebinding", "sa-view"],
    );
}

#[test]
fn dry_run_and_output_formats_match_kubectl() {
    if !have_kubectl() {
        return;
    }
    let env = Env::start();
    for args in [
        &["create", "sa", "x", "--dry-run=client", "-o", "json"][..],
        &[
            "create",
            "sa",
            "x",
            "-n",
            "default",
            "--dry-run=client",
            "-o",
            "yaml",
        ],
        &["create", "sa", "x", "--dry-run=client"],
        &["create", "sa", "x", "--dry-run=client", "-o", "name"],
        &["create", "sa", "drs", "--dry-run=server"],
        &[
            "create",
            "role",
            "bearertokenauth",
            "--verb=create",
            "--verb=get",
            "--verb=list",
            "--verb=update",
            "--verb=delete",
            "--resource=pods",
            "--dry-run=client",
            "-o",
            "json",
        ],
        &[
            "create",
            "role",
            "r",
            "--verb=get,list",
            "--resource=pods,pods/log,deployments.apps,roles.rbac.authorization.k8s.io",
            "--dry-run=client",
            "-o",
            "yaml",
        ],
        &[
            "create",
            "role",
            "r",
            "--verb=get",
            "--resource=nosuchthing",
            "--dry-run=client",
        ],
        &[
            "create",
            "role",
            "r",
            "--verb=frob",
            "--resource=pods",
            "--dry-run=client",
        ],
        &[
            "create",
            "rolebinding",
            "bearertoken-binding-bearertokenauth",
            "--role=bearertokenauth",
            "--serviceaccount=default:bearertokenauth",
            "--namespace=default",
            "--dry-run=client",
            "-o",
            "json",
        ],
        &[
            "create",
            "clusterrolebinding",
            "bearertokenauth-crb",
            "--clusterrole=view",
            "--serviceaccount=default:bearertokenauth",
            "--user=alice",
            "--group=devs",
            "--dry-run=client",
            "-o",
            "json",
        ],
        &["create", "sa", "x", "-o", "bogus", "--dry-run=client"],
        &["create", "token", "nosuchsa"],
        &[
            "create",
            "token",
            "nosuchsa",
            "--duration=10m",
            "--audience=foo",
        ],
    ] {
        env.same(args);
    }
}

#[test]
fn get_matches_kubectl() {
    if !have_kubectl() {
        return;
    }
    let env = Env::start();
    assert_eq!(env.rawkube(&["create", "sa", "bearertokenauth"]).code, 0);
    assert_eq!(
        env.rawkube(&[
            "create",
            "role",
            "bearertokenauth",
            "--verb=get",
            "--resource=pods"
        ])
        .code,
        0
    );
    assert_eq!(
        env.rawkube(&[
            "create",
            "rolebinding",
            "rb",
            "--role=bearertokenauth",
            "--serviceaccount=default:bearertokenauth",
            "--user=alice",
        ])
        .code,
        0
    );
    for args in [
        &["get", "sa", "bearertokenauth", "-o", "yaml"][..],
        &["get", "serviceaccount", "bearertokenauth", "-o", "json"],
        &[
            "get",
            "sa",
            "bearertokenauth",
            "-o",
            "jsonpath={.secrets[0].name}",
        ],
        &[
            "get",
            "sa",
            "bearertokenauth",
            "-o",
            "jsonpath={.metadata.name}",
        ],
        &["get", "sa", "bearertokenauth", "-o", "name"],
        &["get", "sa/bearertokenauth", "-o", "name"],
        &["get", "role", "bearertokenauth", "-o", "yaml"],
        &["get", "sa", "nosuchsa"],
        &["get", "pods"],
        &["get", "po", "-A"],
        &["get", "secrets"],
        &["get", "nosuchtype"],
        &["get", "sa", "-o", "name"],
        &["get", "ns", "default", "-o", "jsonpath={.metadata.name}"],
        &["get", "clusterrolebindings", "nosuch"],
        &["get", "sa"],
        &["get", "sa", "-A"],
        &["get", "roles"],
        &["get", "rolebindings", "-o", "wide"],
        &["get", "rolebindings", "-A", "-o", "wide"],
        &["get", "ns"],
        &["get", "secrets", "-o", "json"],
        &["get", "clusterroles", "cluster-admin", "-o", "name"],
        &["get", "sa", "default", "nosuch"],
        &["get", "sa", "default", "bearertokenauth", "-o", "name"],
        &["get", "sa", "default", "-o", "jsonpath={.kind}"],
        // Several types, comma-separated.
        &["get", "sa,roles"],
        &["get", "pods,secrets"],
        &["get", "pods,sa", "-A"],
        &["get", "sa,role", "bearertokenauth", "-o", "name"],
        &["get", "sa,nosuchtype"],
        &[
            "get",
            "sa",
            "-o",
            "jsonpath={range .items[*]}{.metadata.name}{\"\\n\"}{end}",
        ],
    ] {
        env.same_but_ages(args);
    }
}

#[test]
fn auth_matches_kubectl() {
    if !have_kubectl() {
        return;
    }
    let env = Env::start();
    for args in [
        &["auth", "can-i", "list", "pods"][..],
        &["auth", "can-i", "delete", "pods", "-n", "kube-system"],
        &["auth", "can-i", "get", "/healthz"],
        &["auth", "can-i", "--list"],
        &["auth", "can-i", "get", "pods/foo"],
        &["auth", "can-i", "create", "serviceaccounts", "-A"],
        &["auth", "can-i", "get", "nosuchthing"],
        &["auth", "whoami"],
    ] {
        env.same(args);
    }
    // The review's creationTimestamp is the second each tool asked in.
    env.same_but_times(&["auth", "whoami", "-o", "json"]);
}

#[test]
fn show_http_prints_curl_and_redacts_tokens() {
    let env = Env::start();
    let r = env.rawkube(&["get", "sa", "--show-http"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stderr.contains("curl -X GET"), "{}", r.stderr);
    assert!(
        r.stderr
            .contains("/api/v1/namespaces/default/serviceaccounts"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("# => 200 OK"), "{}", r.stderr);
    assert!(r.stdout.starts_with("NAME"), "{}", r.stdout);

    let secret = "not-a-real-token-4711";
    let hidden = env.rawkube(&["get", "sa", "--show-http", "--token", secret]);
    assert!(hidden.stderr.contains("curl -X GET"), "{}", hidden.stderr);
    assert!(
        !hidden.stderr.contains(secret),
        "token leaked: {}",
        hidden.stderr
    );
    let shown = env.rawkube(&[
        "get",
        "sa",
        "--show-http",
        "--show-secrets",
        "--token",
        secret,
    ]);
    assert!(shown.stderr.contains(secret), "{}", shown.stderr);
    // Without --show-http nothing is traced.
    assert!(!env.rawkube(&["get", "sa"]).stderr.contains("curl"));
}

/// Puts a pod straight into the mock's store (there is no `create pod` command).
fn store_pod(env: &Env, ns: &str, name: &str, status: serde_json::Value) {
    let def = mock_apiserver::api::registry::find_plural("pods").expect("pods are served");
    let pod = serde_json::json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": ns},
        "spec": {"containers": [{"name": "app", "image": "nginx"}], "nodeName": "node-1"},
        "status": status,
    });
    env.mock
        .store()
        .create(
            def,
            ns,
            pod,
            &mock_apiserver::store::WriteOptions::default(),
        )
        .expect("store the pod");
}

/// `get` prints the server's Table as kubectl does: the columns, -o wide, -A, several
/// types at once, and the empty cases.
#[test]
fn get_tables_match_kubectl() {
    if !have_kubectl() {
        return;
    }
    let env = Env::start();
    // The empty cases first, before anything exists.
    for args in [
        &["get", "pods"][..],
        &["get", "pods", "-A"],
        &["get", "pods", "-o", "wide"],
        &["get", "roles"],
        &["get", "secrets", "-n", "kube-system"],
        &["get", "rolebindings", "-A"],
    ] {
        env.same_but_ages(args);
    }
    store_pod(
        &env,
        "default",
        "web-1",
        serde_json::json!({"phase": "Pending"}),
    );
    store_pod(
        &env,
        "default",
        "a-much-longer-pod-name",
        serde_json::json!({
            "phase": "Running", "podIP": "10.244.0.7",
            "containerStatuses": [{"name": "app", "ready": true, "restartCount": 3,
                "image": "nginx", "imageID": "", "state": {"running": {}}}],
        }),
    );
    store_pod(
        &env,
        "kube-system",
        "dns",
        serde_json::json!({"phase": "Running"}),
    );
    for args in [
        &["create", "sa", "bearertokenauth"][..],
        &[
            "create",
            "role",
            "reader",
            "--verb=get,list",
            "--resource=pods",
        ],
        &[
            "create",
            "rolebinding",
            "rb",
            "--role=reader",
            "--serviceaccount=default:bearertokenauth",
            "--group=devs",
        ],
    ] {
        assert_eq!(env.rawkube(args).code, 0, "{args:?}");
    }
    env.mock.journal().clear();
    let first = env.same_but_ages(&["get", "pods"]);
    assert!(first.stdout.starts_with("NAME "), "{first:?}");
    // The request kubectl sends: a server-side Table.
    let accepts: Vec<String> = env
        .mock
        .journal()
        .entries()
        .into_iter()
        .filter(|e| e.path == "/api/v1/namespaces/default/pods")
        .filter_map(|e| {
            e.headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case("accept"))
                .map(|(_, v)| v.clone())
        })
        .collect();
    assert_eq!(accepts.len(), 2, "one rawkube, one kubectl request");
    assert_eq!(
        accepts[0], accepts[1],
        "rawkube's Accept differs from kubectl's"
    );
    // The server's cells, not a client-side computation.
    let wide = env.rawkube(&["get", "pods", "-A", "-o", "wide"]);
    for wanted in [
        "NAMESPACE",
        "READINESS GATES",
        "10.244.0.7",
        "node-1",
        "kube-system",
    ] {
        assert!(wide.stdout.contains(wanted), "{wanted}: {wide:?}");
    }
    let mixed = env.rawkube(&["get", "sa/bearertokenauth", "role/reader"]);
    assert!(
        mixed.stdout.contains("\n\nNAME ")
            && mixed
                .stdout
                .contains("CREATED AT\nrole.rbac.authorization.k8s.io/reader   "),
        "{mixed:?}"
    );
    for args in [
        &["get", "pods", "-o", "wide"][..],
        &["get", "po", "-A"],
        &["get", "pods", "-A", "-o", "wide"],
        &["get", "pod", "web-1"],
        &["get", "pods", "web-1", "nosuch", "dns"],
        &["get", "sa"],
        &["get", "sa", "-A"],
        &["get", "secrets", "-A"],
        &["get", "roles"],
        &["get", "roles", "-o", "wide"],
        &["get", "rolebindings"],
        &["get", "rolebindings", "-o", "wide"],
        &["get", "rolebindings", "-A", "-o", "wide"],
        &["get", "ns"],
        &["get", "ns", "-A"],
        &["get", "ns", "default"],
        &["get", "clusterroles", "cluster-admin", "admin"],
        &["get", "sa/bearertokenauth", "role/reader", "pod/web-1"],
        &["get", "sa/bearertokenauth", "sa/default"],
    ] {
        env.same_but_ages(args);
    }
}

/// Runs `sh -c line` in `dir` with the rawkube under test first on PATH.
fn sh_in(dir: &std::path::Path, line: &str) -> std::process::Output {
    let bin = std::path::Path::new(env!("CARGO_BIN_EXE_rawkube"))
        .parent()
        .unwrap()
        .to_path_buf();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    std::process::Command::new("sh")
        .arg("-c")
        .arg(line)
        .current_dir(dir)
        .env("PATH", path)
        .env_remove("KUBECONFIG")
        .output()
        .unwrap()
}

/// rawkube `args` with `--kubeconfig kubeconfig`, run in `dir`.
fn rawkube_in(
    dir: &std::path::Path,
    kubeconfig: &std::path::Path,
    args: &[&str],
) -> super::cli_util::Run {
    let mut cmd = assert_cmd::cargo::cargo_bin_cmd!("rawkube");
    cmd.arg("--kubeconfig")
        .arg(kubeconfig)
        .args(args)
        .current_dir(dir)
        .env_remove("KUBECONFIG");
    let out = cmd.output().unwrap();
    super::cli_util::Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// The last traced curl command in `trace` and the status code its `# => ` line reports.
fn last_curl(trace: &str) -> (String, String) {
    let start = trace.rfind("curl -X ").expect("a curl command");
    let rest = &trace[start..];
    let end = rest.find("\n# => ").expect("a status line");
    let code = rest[end + 6..end + 9].to_string();
    (rest[..end].to_string(), code)
}

/// Replays `cmd` with the real curl in `dir`; returns the HTTP status code.
fn replay(dir: &std::path::Path, cmd: &str) -> String {
    let out = sh_in(
        dir,
        &format!("{cmd} -s --max-time 20 -o /dev/null -w '%{{http_code}}'"),
    );
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn have_curl() -> bool {
    let found = std::process::Command::new("curl")
        .arg("--version")
        .output()
        .is_ok();
    if !found {
        eprintln!("skipped: curl is not on PATH");
    }
    found
}

#[test]
fn show_http_inline_credentials_note_writes_files_the_curl_commands_use() {
    if !have_curl() {
        return;
    }
    let env = Env::start();
    let work = tempfile::tempdir().unwrap();
    let r = rawkube_in(work.path(), &env.kubeconfig, &["--show-http", "get", "sa"]);
    assert_eq!(r.code, 0, "{r:?}");
    // The note comes once, before the first request, and names each file to write.
    let first_curl = r.stderr.find("curl -X ").unwrap();
    let note = &r.stderr[..first_curl];
    assert_eq!(
        r.stderr.matches("base64 -d > ca.crt").count(),
        1,
        "{}",
        r.stderr
    );
    let steps: Vec<&str> = note
        .lines()
        .filter_map(|l| l.strip_prefix("#   "))
        .collect();
    assert_eq!(steps.len(), 3, "{note}");
    for step in &steps {
        assert!(
            step.contains("rawkube --kubeconfig ") && !step.contains("kubectl"),
            "{step}"
        );
        let out = sh_in(work.path(), step);
        assert!(out.status.success(), "{step}: {out:?}");
    }
    let key = std::fs::metadata(work.path().join("client.key")).unwrap();
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(key.permissions().mode() & 0o777, 0o600);
    assert_eq!(
        std::fs::read_to_string(work.path().join("ca.crt")).unwrap(),
        env.mock.ca_pem()
    );

    let (cmd, code) = last_curl(&r.stderr);
    assert!(
        cmd.contains("--cacert ca.crt") && cmd.contains("--key client.key"),
        "{cmd}"
    );
    assert_eq!(code, "200");
    assert_eq!(replay(work.path(), &cmd), code, "{cmd}");
}

#[test]
fn show_http_names_kubeconfig_files_and_reads_token_file() {
    if !have_curl() {
        return;
    }
    let env = Env::start();
    let dir = tempfile::tempdir().unwrap();
    let created = env.rawkube(&["create", "sa", "viacurl"]);
    assert_eq!(created.code, 0, "{created:?}");
    let token = env.rawkube(&["create", "token", "viacurl"]);
    assert_eq!(token.code, 0, "{token:?}");
    std::fs::create_dir(dir.path().join("pki")).unwrap();
    std::fs::write(dir.path().join("pki/ca.crt"), env.mock.ca_pem()).unwrap();
    std::fs::write(dir.path().join("pki/token"), token.stdout.trim()).unwrap();
    let kubeconfig = dir.path().join("sa.kubeconfig");
    std::fs::write(
        &kubeconfig,
        format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: {}\n    \
             certificate-authority: pki/ca.crt\nusers:\n- name: u\n  user:\n    tokenFile: pki/token\n\
             contexts:\n- name: x\n  context:\n    cluster: c\n    user: u\ncurrent-context: x\n",
            env.mock.url()
        ),
    )
    .unwrap();
    // Run from elsewhere: the relative paths resolve against the kubeconfig's directory.
    let work = tempfile::tempdir().unwrap();
    for args in [
        &["--show-http", "get", "sa"][..],
        &["--show-http", "get", "pods"],
    ] {
        let r = rawkube_in(work.path(), &kubeconfig, args);
        assert!(
            !r.stderr.contains("base64 -d"),
            "no files to write: {}",
            r.stderr
        );
        assert!(
            !r.stderr.contains(token.stdout.trim()),
            "token leaked: {}",
            r.stderr
        );
        let (cmd, code) = last_curl(&r.stderr);
        let ca = dir.path().join("pki/ca.crt");
        assert!(cmd.contains(&format!("--cacert {}", ca.display())), "{cmd}");
        let token_file = dir.path().join("pki/token");
        assert!(
            cmd.contains(&format!("Bearer $(cat {})", token_file.display())),
            "{cmd}"
        );
        // The SA may read neither; the replay must get the same answer.
        assert_eq!(code, "403", "{}", r.stderr);
        assert_eq!(replay(work.path(), &cmd), code, "{cmd}");
    }
}

#[test]
fn show_http_body_prints_redacted_response_bodies() {
    let env = Env::start();
    assert_eq!(env.rawkube(&["create", "sa", "bodies"]).code, 0);
    let hidden = env.rawkube(&["--show-http-body", "create", "token", "bodies"]);
    assert_eq!(hidden.code, 0, "{hidden:?}");
    let token = hidden.stdout.trim();
    assert!(token.starts_with("eyJ"), "{hidden:?}");
    let body = hidden
        .stderr
        .lines()
        .find(|l| l.starts_with("#    {\"kind\":\"TokenRequest\""))
        .unwrap_or_else(|| panic!("no body line: {}", hidden.stderr));
    // managedFields are left out (the real server's TokenRequest answer carries an entry),
    // and the token is redacted before the line is cut at 300 characters.
    assert!(!body.contains("managedFields"), "{body}");
    assert!(body.contains(r#""status":{"token":"<redact"#), "{body}");
    assert!(body.ends_with('…'), "{body}");
    assert!(
        !hidden.stderr.contains("eyJ"),
        "token leaked: {}",
        hidden.stderr
    );
    // Each body line follows its status line.
    let lines: Vec<&str> = hidden.stderr.lines().collect();
    let at = lines.iter().position(|l| *l == body).unwrap();
    assert!(
        lines[at - 1].starts_with("# => 201 Created"),
        "{}",
        hidden.stderr
    );

    let shown = env.rawkube(&[
        "--show-http-body",
        "--show-secrets",
        "create",
        "token",
        "bodies",
    ]);
    let shown_body = shown
        .stderr
        .lines()
        .find(|l| l.starts_with("#    {\"kind\":\"TokenRequest\""))
        .unwrap_or_else(|| panic!("no body line: {}", shown.stderr));
    // With --show-secrets the body shows (the start of) the token the command printed.
    let (_, shown_token) = shown_body
        .split_once(r#""status":{"token":""#)
        .unwrap_or_else(|| panic!("no status.token: {shown_body}"));
    let shown_token = shown_token.trim_end_matches('…');
    assert!(shown_token.starts_with("eyJ"), "{shown_body}");
    assert!(shown.stdout.starts_with(shown_token), "{shown_body}");
    // Plain --show-http prints no bodies.
    let plain = env.rawkube(&["--show-http", "get", "sa"]);
    assert!(!plain.stderr.contains("#    {"), "{}", plain.stderr);
}
