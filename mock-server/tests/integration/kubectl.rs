//! The real kubectl against the `mock-apiserver` binary, as the admin from the kubeconfig the
//! binary writes. Expected outputs and exit codes are the ones recorded from kubectl 1.32
//! (kubectl-traffic.md §5). Each kubectl call gets its own `--cache-dir`, because kubectl
//! caches discovery on disk.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// The `mock-apiserver` binary, killed when dropped.
pub(crate) struct Server {
    child: Child,
    pub(crate) url: String,
    pub(crate) kubeconfig: PathBuf,
    pub(crate) dir: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What one kubectl run produced.
#[derive(Debug)]
pub(crate) struct Run {
    pub(crate) code: i32,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
}

pub(crate) fn kubectl_available() -> bool {
    let found = Command::new("kubectl")
        .args(["version", "--client"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !found {
        if std::env::var("RAWKUBE_REQUIRE_KUBECTL").as_deref() == Ok("1") {
            panic!("kubectl is not on PATH and RAWKUBE_REQUIRE_KUBECTL=1");
        }
        eprintln!(
            "skipped: kubectl is not on PATH (set RAWKUBE_REQUIRE_KUBECTL=1 to fail instead)"
        );
    }
    found
}

pub(crate) fn start(extra: &[&str]) -> Server {
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = dir.path().join("admin.conf");
    let mut child = Command::new(env!("CARGO_BIN_EXE_mock-apiserver"))
        .args(["--listen", "127.0.0.1:0", "--kubeconfig-out"])
        .arg(&kubeconfig)
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start mock-apiserver");
    let stdout = child.stdout.take().unwrap();
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).unwrap();
    let url = line
        .strip_suffix('\n')
        .and_then(|l| l.strip_prefix("listening on "))
        .unwrap_or_else(|| panic!("unexpected ready line {line:?}"))
        .to_string();
    assert!(url.starts_with("https://127.0.0.1:"), "{url}");
    Server {
        child,
        url,
        kubeconfig,
        dir,
    }
}

pub(crate) fn kubectl(server: &Server, args: &[&str]) -> Run {
    let cache = tempfile::tempdir().unwrap();
    let out = Command::new("kubectl")
        .arg("--kubeconfig")
        .arg(&server.kubeconfig)
        .arg("--cache-dir")
        .arg(cache.path())
        .args(args)
        .env("HOME", server.dir.path())
        .env_remove("KUBECONFIG")
        .output()
        .expect("run kubectl");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

#[track_caller]
pub(crate) fn expect(run: Run, code: i32, stdout: &str, stderr: &str) {
    assert_eq!(
        (run.code, run.stdout.as_str(), run.stderr.as_str()),
        (code, stdout, stderr),
        "{run:#?}"
    );
}

fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

pub(crate) const ROLE: &[&str] = &[
    "create",
    "role",
    "bearertokenauth",
    "--verb=create",
    "--verb=get",
    "--verb=list",
    "--verb=update",
    "--verb=delete",
    "--resource=pods",
];
pub(crate) const ROLEBINDING: &[&str] = &[
    "create",
    "rolebinding",
    "bearertoken-binding-bearertokenauth",
    "--role=bearertokenauth",
    "--serviceaccount=default:bearertokenauth",
    "--namespace=default",
];

#[test]
fn tutorial_commands_as_admin() {
    if !kubectl_available() {
        return;
    }
    let server = start(&[]);
    // The kubeconfig is complete (and private) by the time the ready line is printed.
    assert_eq!(mode(&server.kubeconfig), 0o600);
    let kc = std::fs::read_to_string(&server.kubeconfig).unwrap();
    assert!(kc.contains(&format!("server: {}", server.url)));

    expect(
        kubectl(&server, &["create", "sa", "bearertokenauth"]),
        0,
        "serviceaccount/bearertokenauth created\n",
        "",
    );
    let yaml = kubectl(&server, &["get", "sa", "bearertokenauth", "-o", "yaml"]);
    assert_eq!(yaml.code, 0, "{yaml:?}");
    assert!(
        yaml.stdout.starts_with(
            "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  creationTimestamp: \""
        ),
        "{}",
        yaml.stdout
    );
    assert!(
        yaml.stdout
            .contains("\n  name: bearertokenauth\n  namespace: default\n  resourceVersion: \"")
    );
    expect(
        kubectl(
            &server,
            &[
                "get",
                "sa",
                "bearertokenauth",
                "-o",
                "jsonpath={.metadata.name}",
            ],
        ),
        0,
        "bearertokenauth",
        "",
    );
    expect(
        kubectl(
            &server,
            &[
                "get",
                "sa",
                "bearertokenauth",
                "-o",
                "jsonpath={.secrets[0].name}",
            ],
        ),
        0,
        "",
        "",
    );
    expect(
        kubectl(&server, ROLE),
        0,
        "role.rbac.authorization.k8s.io/bearertokenauth created\n",
        "",
    );
    expect(
        kubectl(
            &server,
            &[
                "create",
                "role",
                "scoped",
                "--verb=get",
                "--resource=deployments.apps,pods/log",
                "--resource-name=foo",
            ],
        ),
        0,
        "role.rbac.authorization.k8s.io/scoped created\n",
        "",
    );
    // kubectl splits the rule per API group, core first, resourceNames copied to each.
    expect(
        kubectl(
            &server,
            &["get", "role", "scoped", "-o", "jsonpath={.rules}"],
        ),
        0,
        r#"[{"apiGroups":[""],"resourceNames":["foo"],"resources":["pods/log"],"verbs":["get"]},{"apiGroups":["apps"],"resourceNames":["foo"],"resources":["deployments"],"verbs":["get"]}]"#,
        "",
    );
    expect(
        kubectl(&server, ROLEBINDING),
        0,
        "rolebinding.rbac.authorization.k8s.io/bearertoken-binding-bearertokenauth created\n",
        "",
    );
    expect(
        kubectl(&server, &["get", "pods"]),
        0,
        "",
        "No resources found in default namespace.\n",
    );
    let sas = kubectl(&server, &["get", "sa"]);
    assert_eq!(sas.code, 0, "{sas:?}");
    let lines: Vec<Vec<&str>> = sas
        .stdout
        .lines()
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert_eq!(lines[0], ["NAME", "SECRETS", "AGE"], "{}", sas.stdout);
    assert_eq!(lines[1][..2], ["bearertokenauth", "0"]);
    assert_eq!(lines[2][..2], ["default", "0"]);

    // 409s, worded per command as kubectl prints them.
    expect(
        kubectl(&server, &["create", "sa", "bearertokenauth"]),
        1,
        "",
        "error: failed to create serviceaccount: serviceaccounts \"bearertokenauth\" already exists\n",
    );
    expect(
        kubectl(&server, ROLE),
        1,
        "",
        "Error from server (AlreadyExists): roles.rbac.authorization.k8s.io \"bearertokenauth\" already exists\n",
    );
    expect(
        kubectl(&server, ROLEBINDING),
        1,
        "",
        "error: failed to create rolebinding: rolebindings.rbac.authorization.k8s.io \"bearertoken-binding-bearertokenauth\" already exists\n",
    );

    expect(
        kubectl(&server, &["create", "sa", "drs", "--dry-run=server"]),
        0,
        "serviceaccount/drs created (server dry run)\n",
        "",
    );
    expect(
        kubectl(&server, &["get", "sa", "drs"]),
        1,
        "",
        "Error from server (NotFound): serviceaccounts \"drs\" not found\n",
    );
    expect(
        kubectl(&server, &["delete", "sa", "bearertokenauth"]),
        0,
        "serviceaccount \"bearertokenauth\" deleted\n",
        "",
    );
    expect(
        kubectl(&server, &["delete", "sa", "bearertokenauth"]),
        1,
        "",
        "Error from server (NotFound): serviceaccounts \"bearertokenauth\" not found\n",
    );
}

#[test]
fn binary_honours_server_version_and_sigterm() {
    if !kubectl_available() {
        return;
    }
    let mut server = start(&["--server-version", "v1.32.9"]);
    let run = kubectl(&server, &["version", "-o", "json"]);
    assert_eq!(run.code, 0, "{run:?}");
    let v: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(v["serverVersion"]["gitVersion"], "v1.32.9");
    let pid = server.child.id().to_string();
    let killed = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    assert!(killed.success());
    let status = server.child.wait().unwrap();
    assert_eq!(status.code(), Some(0), "clean exit on SIGTERM");
}

/// `--workers N` sets the runtime's worker threads (after the ready line nothing else is
/// named as they are: the blocking pool starts its threads on first use); 0 is refused.
#[cfg(target_os = "linux")]
#[test]
fn binary_runs_the_workers_asked_for_and_refuses_zero() {
    for n in [1, 3] {
        let server = start(&["--workers", &n.to_string()]);
        let tasks = std::path::PathBuf::from(format!("/proc/{}/task", server.child.id()));
        let workers = || {
            std::fs::read_dir(&tasks)
                .unwrap()
                .filter_map(|t| std::fs::read_to_string(t.unwrap().path().join("comm")).ok())
                .filter(|comm| comm.trim() == "tokio-rt-worker")
                .count()
        };
        // A thread takes its name once it first runs, which a busy machine may delay.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        while workers() < n && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        assert_eq!(workers(), n, "worker threads with --workers {n}");
    }
    let out = Command::new(env!("CARGO_BIN_EXE_mock-apiserver"))
        .args(["--listen", "127.0.0.1:0", "--workers", "0"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("'--workers <N>'"), "{err}");
}

#[test]
fn binary_rejects_a_bad_server_version() {
    let out = Command::new(env!("CARGO_BIN_EXE_mock-apiserver"))
        .args(["--listen", "127.0.0.1:0", "--server-version", "1.32"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(out.stdout.is_empty());
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("\"1.32\" is not of the form vMAJOR.MINOR.PATCH"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Plain `kubectl patch` sends a strategic merge patch: ServiceAccount `secrets` merge by
/// `name`, so two patches leave both secrets; `kubectl label` keeps working alongside.
#[test]
fn kubectl_patch_uses_strategic_merge() {
    if !kubectl_available() {
        return;
    }
    let server = start(&[]);
    expect(
        kubectl(&server, &["create", "sa", "x"]),
        0,
        "serviceaccount/x created\n",
        "",
    );
    for name in ["a", "b"] {
        let patch = format!(r#"{{"secrets":[{{"name":"{name}"}}]}}"#);
        expect(
            kubectl(&server, &["patch", "sa", "x", "-p", &patch]),
            0,
            "serviceaccount/x patched\n",
            "",
        );
    }
    expect(
        kubectl(
            &server,
            &["get", "sa", "x", "-o", "jsonpath={.secrets[*].name}"],
        ),
        0,
        "a b",
        "",
    );
    expect(
        kubectl(&server, &["label", "sa", "x", "a=b"]),
        0,
        "serviceaccount/x labeled\n",
        "",
    );
    expect(
        kubectl(
            &server,
            &[
                "get",
                "sa",
                "x",
                "-o",
                "jsonpath={.metadata.labels.a} {.secrets[*].name}",
            ],
        ),
        0,
        "b a b",
        "",
    );
}

/// Client-side `kubectl apply` of a changed manifest sends a strategic merge patch with
/// `$setElementOrder`, `null` labels and `$patch: delete` list elements; the result is the new
/// manifest. (`--validate=false`: the mock serves no `/openapi/v3` for kubectl's schema check.)
#[test]
fn kubectl_apply_twice_patches_strategically() {
    if !kubectl_available() {
        return;
    }
    let server = start(&[]);
    let file = server.dir.path().join("sa.yaml");
    let manifest = |label: &str, secret: &str| {
        format!(
            "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: ap\n  labels: {{{label}: \"1\"}}\nsecrets:\n- name: {secret}\n"
        )
    };
    let path = file.to_str().unwrap();
    std::fs::write(&file, manifest("a", "s1")).unwrap();
    expect(
        kubectl(&server, &["apply", "--validate=false", "-f", path]),
        0,
        "serviceaccount/ap created\n",
        "",
    );
    std::fs::write(&file, manifest("b", "s2")).unwrap();
    expect(
        kubectl(&server, &["apply", "--validate=false", "-f", path]),
        0,
        "serviceaccount/ap configured\n",
        "",
    );
    expect(
        kubectl(
            &server,
            &[
                "get",
                "sa",
                "ap",
                "-o",
                "jsonpath={.metadata.labels} {.secrets}",
            ],
        ),
        0,
        r#"{"b":"1"} [{"name":"s2"}]"#,
        "",
    );
}
