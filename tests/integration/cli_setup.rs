//! `setup`/`teardown` end to end, checked with the real kubectl, and the tutorial's
//! Step 9 script run with `kubectl` replaced by `rawkube`.
//!
//! They run against the real mock-apiserver: service-account tokens (TokenRequest and,
//! in legacy mode, the 1.23 token controller), RBAC with the bootstrap policy, and the
//! access reviews.

use std::path::Path;
use std::process::Command;

use mock_apiserver::MockServer;

use super::cli_util::{Env, Run, have_kubectl, kubectl_with, legacy_mock, rawkube_with};

/// A mock with token authentication and RBAC; `legacy` = 1.23 token Secrets per SA.
fn auth_mock(legacy: bool) -> MockServer {
    if legacy {
        legacy_mock()
    } else {
        MockServer::start_blocking().expect("start mock-apiserver")
    }
}

/// Requests that change stored state (reviews and TokenReviews are not stored).
fn writes(mock: &MockServer) -> Vec<String> {
    mock.journal()
        .entries()
        .into_iter()
        .filter(|e| matches!(e.method.as_str(), "POST" | "PUT" | "PATCH" | "DELETE"))
        .filter(|e| !e.path.ends_with("reviews"))
        .map(|e| format!("{} {}", e.method, e.path))
        .collect()
}

/// The tutorial scenario: setup, the real kubectl through the written kubeconfig, a
/// converging re-run, --force, teardown (twice). `mock` is given when the target is the
/// mock, whose journal proves the re-run wrote nothing.
fn tutorial_scenario(kubeconfig: &Path, mock: Option<&MockServer>, name: &str) {
    let rawkube = |args: &[&str]| rawkube_with(kubeconfig, args);
    let r = rawkube(&["setup", name]);
    assert_eq!(r.code, 0, "setup failed: {r:?}");
    let forbidden = format!(
        "Error from server (Forbidden): pods is forbidden: User \"system:serviceaccount:default:{name}\" cannot list resource \"pods\" in API group \"\" in the namespace \"default\""
    );
    assert!(
        r.stdout.contains(&forbidden),
        "no Forbidden check before the binding:\n{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("kubectl auth can-i delete pods: yes"),
        "{}",
        r.stdout
    );

    // The real kubectl (or rawkube without it), with only the written kubeconfig and the SA's context.
    let use_kubectl = have_kubectl();
    let sa = |args: &[&str]| {
        let mut a = vec!["--context", name];
        a.extend_from_slice(args);
        if use_kubectl {
            kubectl_with(kubeconfig, &a)
        } else {
            rawkube_with(kubeconfig, &a)
        }
    };
    let pods = sa(&["get", "pods"]);
    assert_eq!(pods.code, 0, "{pods:?}");
    if mock.is_some() {
        assert_eq!(pods.stderr, "No resources found in default namespace.\n");
    }
    let yes = sa(&["auth", "can-i", "delete", "pods"]);
    assert_eq!((yes.code, yes.stdout.as_str()), (0, "yes\n"));
    let no = sa(&["auth", "can-i", "list", "secrets"]);
    assert_eq!((no.code, no.stdout.as_str()), (1, "no\n"));

    // A re-run changes nothing.
    if let Some(m) = mock {
        m.journal().clear();
    }
    let again = rawkube(&["setup", name]);
    assert_eq!(again.code, 0, "{again:?}");
    assert!(
        again.stdout.contains("changes:         none"),
        "{}",
        again.stdout
    );
    if let Some(m) = mock {
        assert_eq!(
            writes(m),
            Vec::<String>::new(),
            "re-run wrote:\n{}",
            again.stdout
        );
    }

    // A different request is reported, and applied only with --force.
    let differs = rawkube(&["setup", name, "--verb=get,list"]);
    assert_eq!(differs.code, 1, "{differs:?}");
    assert!(differs.stdout.contains("differs"), "{}", differs.stdout);
    let forced = rawkube(&["setup", name, "--verb=get,list", "--force"]);
    assert_eq!(forced.code, 0, "{forced:?}");
    assert_eq!(sa(&["auth", "can-i", "delete", "pods"]).stdout, "no\n");

    // Teardown removes everything, and is idempotent.
    let t = rawkube(&["teardown", name]);
    assert_eq!(t.code, 0, "{t:?}");
    let binding = format!("bearertoken-binding-{name}");
    for (kind, n) in [
        ("sa", name),
        ("role", name),
        ("rolebinding", binding.as_str()),
    ] {
        let g = rawkube(&["get", kind, n]);
        assert_eq!(g.code, 1, "{kind} {n} still there: {g:?}");
    }
    let ctx = rawkube(&["config", "get-contexts", "-o", "name"]);
    assert!(!ctx.stdout.lines().any(|l| l == name), "{ctx:?}");
    assert_eq!(rawkube(&["teardown", name]).code, 0);
}

#[test]
fn tutorial_scenario_against_the_mock() {
    let env = Env::with(auth_mock(false));
    tutorial_scenario(&env.kubeconfig, Some(&env.mock), "bearertokenauth");
}

/// `RAWKUBE_TEST_KUBECONFIG=~/.kube/config cargo test -- --ignored real_cluster`
/// (scripts/kind-e2e.sh does this with a kind cluster). The file is copied first, so
/// the real kubeconfig is never edited.
#[test]
#[ignore = "runs against the cluster in RAWKUBE_TEST_KUBECONFIG"]
fn tutorial_scenario_against_a_real_cluster() {
    let Some(src) = std::env::var_os("RAWKUBE_TEST_KUBECONFIG") else {
        panic!("set RAWKUBE_TEST_KUBECONFIG to an admin kubeconfig of a disposable cluster");
    };
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = dir.path().join("kubeconfig");
    std::fs::copy(&src, &kubeconfig).expect("copy RAWKUBE_TEST_KUBECONFIG");
    let name = format!("rawkube-e2e-{}", std::process::id());
    tutorial_scenario(&kubeconfig, None, &name);
}

#[test]
fn setup_kubeconfig_out_writes_a_standalone_file() {
    if !have_kubectl() {
        return;
    }
    let env = Env::with(auth_mock(false));
    let out = env.dir.path().join("sa.kubeconfig");
    let before = std::fs::read_to_string(&env.kubeconfig).unwrap();
    let r = env.rawkube(&[
        "setup",
        "viewer",
        "--verb=get,list",
        "--kubeconfig-out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(
        std::fs::read_to_string(&env.kubeconfig).unwrap(),
        before,
        "admin kubeconfig was edited"
    );
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&out).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let pods = kubectl_with(&out, &["get", "pods"]);
    assert_eq!(
        (pods.code, pods.stderr.as_str()),
        (0, "No resources found in default namespace.\n")
    );
    let t = env.rawkube(&[
        "teardown",
        "viewer",
        "--kubeconfig-out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(t.code, 0, "{t:?}");
    assert!(!out.exists());
}

/// The tutorial's Step 9 script, as in the article.
fn step9_script() -> String {
    std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/tutorial-step9.sh"
    ))
    .unwrap()
}

/// Runs the tutorial's Step 9 script with `kubectl` replaced by `program` (a path).
fn run_step9(kubeconfig: &Path, program: &Path, name: &str) -> Run {
    run_script(&step9_script(), kubeconfig, program, name)
}

/// Runs `script` with every `kubectl` replaced by `rawkube`, which is `program` on PATH.
fn run_script(script: &str, kubeconfig: &Path, program: &Path, name: &str) -> Run {
    let script = script.replace("kubectl", "rawkube");
    let bin = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(program, bin.path().join("rawkube")).unwrap();
    let path = format!(
        "{}:{}",
        bin.path().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = Command::new("bash")
        .arg("-c")
        .arg(&script)
        .arg("tutorial-step9.sh")
        .arg(name)
        .env("PATH", path)
        .env("KUBECONFIG", kubeconfig)
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Replaces the token after `--token=` (different on every mock) by `<token>`.
fn strip_token(s: &str) -> String {
    s.lines()
        .map(|l| match l.find("--token=") {
            Some(i) => format!("{}--token=<token>", &l[..i]),
            None => l.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn tutorial_step9_script_with_rawkube_prints_the_tutorials_lines() {
    let env = Env::with(auth_mock(true));
    let rawkube = assert_cmd::cargo::cargo_bin!("rawkube");
    let r = run_step9(&env.kubeconfig, rawkube, "satestauth");
    // The result lines the tutorial shows (Steps 1, 3, 4, 5, 6, 7 and 8), in order.
    let wanted_stdout = [
        "serviceaccount/satestauth created",
        "User \"satestauth\" set.",
        "Context \"satestauth\" created.",
        "role.rbac.authorization.k8s.io/satestauth created",
        "rolebinding.rbac.authorization.k8s.io/bearertoken-binding-satestauth created",
        "Switched to context \"satestauth\".",
    ];
    let results: Vec<&str> = r
        .stdout
        .lines()
        .filter(|l| !l.starts_with("====") && !l.starts_with("rawkube "))
        .collect();
    assert_eq!(
        results, wanted_stdout,
        "stdout:\n{}\nstderr:\n{}",
        r.stdout, r.stderr
    );
    assert_eq!(r.stderr, "No resources found in default namespace.\n");
    // The token went through `base64 -d` into set-credentials: a legacy SA token.
    let kc = std::fs::read_to_string(&env.kubeconfig).unwrap();
    assert!(kc.contains("token: eyJ"), "{kc}");

    // And the same script with the real kubectl prints the same lines on a fresh mock.
    if have_kubectl() {
        let env2 = Env::with(auth_mock(true));
        let kubectl = which("kubectl");
        let k = run_step9(&env2.kubeconfig, &kubectl, "satestauth");
        assert_eq!(strip_token(&r.stdout), strip_token(&k.stdout));
        assert_eq!(r.stderr, k.stderr);
    }
}

/// The article's Step 5: before the Role and RoleBinding exist, the SA is Forbidden. The
/// script without its role step, then back to the admin (Step 6), as the mock's own test.
#[test]
fn tutorial_step9_script_before_the_binding_prints_forbidden() {
    let script = step9_script();
    let cut_from = script.find("# Create a role and rolebinding").unwrap();
    let cut_to = script
        .find("# Validate the access using bearer token")
        .unwrap();
    let variant = format!(
        "{}{}\nkubectl config use-context kubernetes-admin@kubernetes\nkubectl get pods\n",
        &script[..cut_from],
        &script[cut_to..]
    );
    let env = Env::with(auth_mock(true));
    let rawkube = assert_cmd::cargo::cargo_bin!("rawkube");
    let r = run_script(&variant, &env.kubeconfig, rawkube, "bearertokenauth");
    assert_eq!(
        r.stderr,
        "Error from server (Forbidden): pods is forbidden: User \"system:serviceaccount:default:bearertokenauth\" cannot list resource \"pods\" in API group \"\" in the namespace \"default\"\n\
         No resources found in default namespace.\n",
        "stdout:\n{}",
        r.stdout
    );
    assert!(
        r.stdout
            .ends_with("Switched to context \"bearertokenauth\".\nSwitched to context \"kubernetes-admin@kubernetes\".\n"),
        "{}",
        r.stdout
    );
    if have_kubectl() {
        let env2 = Env::with(auth_mock(true));
        let k = run_script(
            &variant,
            &env2.kubeconfig,
            &which("kubectl"),
            "bearertokenauth",
        );
        assert_eq!(
            (r.code, strip_token(&r.stdout), &r.stderr),
            (k.code, strip_token(&k.stdout), &k.stderr)
        );
    }
}

fn which(program: &str) -> std::path::PathBuf {
    std::env::var_os("PATH")
        .and_then(|p| {
            std::env::split_paths(&p)
                .map(|d| d.join(program))
                .find(|f| f.is_file())
        })
        .expect("program on PATH")
}

#[test]
fn setup_reports_an_unknown_resource_before_creating_anything() {
    let env = Env::start();
    let r = rawkube_with(&env.kubeconfig, &["setup", "x", "--resource=nosuchthing"]);
    assert_eq!(r.code, 1, "{r:?}");
    assert_eq!(
        r.stderr,
        "error: the server doesn't have a resource type \"nosuchthing\"\n"
    );
    assert_eq!(writes(&env.mock), Vec::<String>::new());
}

#[test]
fn kubeconfig_command_prints_a_file_kubectl_can_use() {
    let env = Env::with(auth_mock(false));
    assert_eq!(env.rawkube(&["create", "sa", "reader"]).code, 0);
    let out = env.dir.path().join("reader.kubeconfig");
    let r = env.rawkube(&["kubeconfig", "reader", "-o", out.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{r:?}");
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&out).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(text.contains("certificate-authority-data: "), "{text}");
    assert!(text.contains("current-context: reader"), "{text}");
    assert!(
        !text.contains("client-key"),
        "the admin's key leaked: {text}"
    );
    // Printed to stdout, it is the same shape.
    let printed = env.rawkube(&["kubeconfig", "reader"]);
    assert!(
        printed.stdout.starts_with("apiVersion: v1\nclusters:\n"),
        "{printed:?}"
    );

    // The SA is authenticated but has no rights yet: Forbidden, as the tutorial's Step 5.
    let who = rawkube_with(&out, &["auth", "whoami"]);
    assert!(
        who.stdout.contains("system:serviceaccount:default:reader"),
        "{who:?}"
    );
    if have_kubectl() {
        let k = kubectl_with(&out, &["get", "pods"]);
        assert_eq!(k.code, 1);
        assert_eq!(
            k.stderr,
            "Error from server (Forbidden): pods is forbidden: User \"system:serviceaccount:default:reader\" cannot list resource \"pods\" in API group \"\" in the namespace \"default\"\n"
        );
        assert_eq!(rawkube_with(&out, &["get", "pods"]), k);
    }
}

#[test]
fn interactive_setup_pauses_after_each_step() {
    let env = Env::with(auth_mock(false));
    let mut cmd = assert_cmd::cargo::cargo_bin_cmd!("rawkube");
    let out = cmd
        .arg("--kubeconfig")
        .arg(&env.kubeconfig)
        .args(["setup", "paused", "--interactive"])
        .write_stdin("\n\n\n\n\n\n")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert_eq!(
        stdout.matches("Press enter to continue").count(),
        5,
        "{stdout}"
    );
}

#[test]
fn demo_runs_the_whole_tutorial_and_exits_0() {
    let r = super::cli_util::rawkube_bare(&["demo"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(
        r.stdout.contains("Error from server (Forbidden)"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("No resources found in default namespace."),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("curl -X POST"), "{}", r.stdout);
    // 1.24+: the token comes from the TokenRequest API.
    assert!(
        r.stdout
            .contains("/api/v1/namespaces/default/serviceaccounts/bearertokenauth/token"),
        "{}",
        r.stdout
    );

    // --legacy: the mock behaves as 1.23, and the token is read from the SA's Secret.
    let legacy = super::cli_util::rawkube_bare(&["demo", "--legacy"]);
    assert_eq!(legacy.code, 0, "{legacy:?}");
    for wanted in [
        "kubectl get sa bearertokenauth -o jsonpath='{.secrets[0].name}'",
        "token: from Secret bearertokenauth-token-",
        "Error from server (Forbidden)",
        "No resources found in default namespace.",
    ] {
        assert!(
            legacy.stdout.contains(wanted),
            "no {wanted:?}:\n{}",
            legacy.stdout
        );
    }
    assert!(
        !legacy
            .stdout
            .contains("serviceaccounts/bearertokenauth/token"),
        "legacy mode used TokenRequest:\n{}",
        legacy.stdout
    );
}

#[test]
fn create_token_prints_the_bare_token_like_kubectl() {
    let env = Env::with(auth_mock(false));
    assert_eq!(env.rawkube(&["create", "sa", "bearertokenauth"]).code, 0);
    let r = env.rawkube(&["create", "token", "bearertokenauth", "--duration=10m"]);
    assert_eq!((r.code, r.stderr.as_str()), (0, ""), "{r:?}");
    // Not a terminal: no trailing newline, so `$(rawkube create token ...)` is exact.
    assert_eq!(r.stdout.matches('.').count(), 2, "{r:?}");
    assert!(!r.stdout.ends_with('\n'));
    let decoded = super::cli_util::rawkube_bare(&["token", "decode", &r.stdout]);
    assert!(
        decoded
            .stdout
            .contains("bound ServiceAccount token (TokenRequest) for default/bearertokenauth"),
        "{decoded:?}"
    );
    assert!(
        decoded.stdout.contains("expires in 9m") || decoded.stdout.contains("expires in 10m"),
        "{decoded:?}"
    );
    if have_kubectl() {
        let k = env.kubectl(&["create", "token", "bearertokenauth"]);
        assert_eq!(
            (
                k.code,
                k.stdout.matches('.').count(),
                k.stdout.ends_with('\n')
            ),
            (0, 2, false)
        );
    }
}

#[test]
fn setup_with_a_long_lived_token_secret_waits_for_the_controller() {
    let env = Env::with(auth_mock(false));
    let r = env.rawkube(&["setup", "robot", "--token-mode", "secret"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(
        r.stdout.contains("secret/robot-token created"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("waiting for the token controller to fill Secret robot-token"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("Secret robot-token, never expires"),
        "{}",
        r.stdout
    );
    // The re-run keeps the Secret and its token.
    let again = env.rawkube(&["setup", "robot", "--token-mode", "secret"]);
    assert!(
        again.stdout.contains("changes:         none"),
        "{}",
        again.stdout
    );
    // Teardown finds and deletes the token Secret too.
    let t = env.rawkube(&["teardown", "robot"]);
    assert!(
        t.stdout.contains("secret \"robot-token\" deleted"),
        "{}",
        t.stdout
    );
}

/// A real cluster's RBAC cache lags behind writes; the mock emulates that. Setup's checks
/// after the binding poll until the permissions propagate instead of failing.
#[test]
fn setup_polls_until_rbac_changes_propagate() {
    let mock = MockServer::builder()
        .authz_cache_delay(std::time::Duration::from_millis(500))
        .start_blocking()
        .expect("start mock-apiserver");
    let env = Env::with(mock);
    let r = env.rawkube(&["setup", "bearertokenauth"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(
        r.stdout.contains("Error from server (Forbidden)"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("kubectl auth can-i delete pods: yes"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("No resources found in default namespace."),
        "{}",
        r.stdout
    );
}

/// The official OpenAPI marks `TokenRequestSpec.audiences` required: without `--audience`
/// rawkube sends `[]`, and the server fills in its own audiences.
#[test]
fn create_token_sends_audiences_even_when_none_are_given() {
    let env = Env::with(auth_mock(false));
    assert_eq!(env.rawkube(&["create", "sa", "bearertokenauth"]).code, 0);
    env.mock.journal().clear();
    let sent_spec = |args: &[&str]| {
        env.mock.journal().clear();
        let r = env.rawkube(args);
        assert_eq!(r.code, 0, "{r:?}");
        let posts: Vec<_> = env
            .mock
            .journal()
            .entries()
            .into_iter()
            .filter(|e| e.method == "POST" && e.path.ends_with("/token"))
            .collect();
        assert_eq!(posts.len(), 1);
        (posts[0].body.clone().unwrap()["spec"].clone(), r.stdout)
    };
    let (spec, token) = sent_spec(&["create", "token", "bearertokenauth"]);
    assert_eq!(spec, serde_json::json!({"audiences": []}));
    let decoded = super::cli_util::rawkube_bare(&["token", "decode", &token]);
    assert!(
        decoded
            .stdout
            .contains("https://kubernetes.default.svc.cluster.local"),
        "the server's own audience: {decoded:?}"
    );
    let (spec, _) = sent_spec(&[
        "create",
        "token",
        "bearertokenauth",
        "--audience=vault",
        "--duration=10m",
    ]);
    assert_eq!(
        spec,
        serde_json::json!({"audiences": ["vault"], "expirationSeconds": 600})
    );
}

/// On a 1.27+ server an auto-generated legacy token draws a `Warning` header; rawkube
/// prints it as kubectl does (`Warning: ...` on stderr, once).
#[test]
fn server_warnings_are_printed_like_kubectl() {
    let mock = || {
        MockServer::builder()
            .legacy_token_secrets(true)
            .start_blocking()
            .expect("start mock-apiserver")
    };
    let env = Env::with(mock());
    let rawkube = assert_cmd::cargo::cargo_bin!("rawkube");
    let r = run_step9(&env.kubeconfig, rawkube, "satestauth");
    assert_eq!(
        r.stderr,
        "Warning: Use tokens from the TokenRequest API or manually created secret-based tokens instead of auto-generated secret-based tokens.\n\
         No resources found in default namespace.\n"
    );
    if have_kubectl() {
        let env2 = Env::with(mock());
        let k = run_step9(&env2.kubeconfig, &which("kubectl"), "satestauth");
        assert_eq!(r.stderr, k.stderr);
    }
}

/// While `demo --interactive` waits for Enter, a curl command it printed runs as shown
/// against its mock, with the TLS files the demo wrote (the key 0600).
#[test]
fn demo_curl_commands_run_while_it_pauses() {
    use std::io::{Read, Write};
    use std::os::unix::fs::PermissionsExt;
    if std::process::Command::new("curl")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("skipped: curl is not on PATH");
        return;
    }
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_rawkube"))
        .args(["demo", "--interactive"])
        .env_remove("KUBECONFIG")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut seen = Vec::new();
    let mut byte = [0u8; 1];
    while !seen.ends_with(b"Press enter to continue") {
        assert_eq!(
            stdout.read(&mut byte).unwrap(),
            1,
            "demo ended before pausing"
        );
        seen.push(byte[0]);
    }
    let text = String::from_utf8(seen).unwrap();
    // `GET /version` (setup's token mode check) gets the same answer now as then.
    let version = text.find("/version ").unwrap();
    let start = text[..version].rfind("curl -X GET ").unwrap();
    let end = start + text[start..].find("\n# => ").unwrap();
    let cmd = &text[start..end];
    let traced = &text[end + 6..end + 9];
    assert_eq!(traced, "200", "{text}");
    let key = cmd
        .split_whitespace()
        .skip_while(|w| *w != "--key")
        .nth(1)
        .unwrap();
    assert!(key.starts_with('/'), "{cmd}");
    let mode = std::fs::metadata(key).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600, "{key}");
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!(
            "{cmd} -s --max-time 20 -o /dev/null -w '%{{http_code}}'"
        ))
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        traced,
        "{cmd}: {out:?}"
    );

    // Enter at every pause; the demo finishes and exits 0.
    let mut stdin = child.stdin.take().unwrap();
    let _ = stdin.write_all(&b"\n".repeat(64));
    drop(stdin);
    let mut rest = String::new();
    stdout.read_to_string(&mut rest).unwrap();
    assert!(child.wait().unwrap().success(), "{rest}");
    // Each response is shown: a body line right after a status line.
    assert!(
        rest.contains("# => 201 Created") && rest.contains(")\n#    {\"kind\":"),
        "{rest}"
    );
}
