//! Exec credential plugins against mock-apiserver, with `tests/fixtures/exec-plugin.sh` (a
//! real plugin: it prints the ExecCredential the test prepared and records each run and
//! what it was given). The token it hands out is minted by the mock (a TokenRequest for a
//! ServiceAccount bound to `view`), the client certificate is signed by the mock's CA.
//! kubectl runs the same kubeconfigs where the behaviour must match.

use std::fs;
use std::path::{Path, PathBuf};

use serde_yaml::Value;

use super::cli_util::{Env, Run, have_kubectl, kubectl_cmd, rawkube_cmd, run, seconds_as_x};

const V1: &str = "client.authentication.k8s.io/v1";

fn plugin_script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/exec-plugin.sh")
}

/// A mock with a ServiceAccount `robot` allowed to read everything (`view`).
fn env_with_robot() -> Env {
    let env = Env::start();
    for args in [
        vec!["create", "sa", "robot"],
        vec![
            "create",
            "clusterrolebinding",
            "robot-view",
            "--clusterrole=view",
            "--serviceaccount=default:robot",
        ],
    ] {
        let r = env.rawkube(&args);
        assert_eq!(r.code, 0, "{args:?}: {}", r.stderr);
    }
    env
}

fn mint_token(env: &Env) -> String {
    let r = env.rawkube(&["create", "token", "robot"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    r.stdout.trim().to_string()
}

/// The directory the plugin script reads its answer from and records its runs in.
struct Plugin {
    dir: tempfile::TempDir,
}

impl Plugin {
    fn new() -> Plugin {
        Plugin {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn answer(&self, status: serde_json::Value) {
        self.answer_run(None, status);
    }

    /// The answer for run `n` only (else `response.json`).
    fn answer_run(&self, n: Option<usize>, status: serde_json::Value) {
        let body =
            serde_json::json!({"apiVersion": V1, "kind": "ExecCredential", "status": status});
        let name = n.map_or("response.json".to_string(), |n| {
            format!("response-{n}.json")
        });
        fs::write(self.path().join(name), body.to_string()).unwrap();
    }

    fn runs(&self) -> usize {
        fs::read_to_string(self.path().join("runs"))
            .map(|s| s.lines().count())
            .unwrap_or(0)
    }

    fn file(&self, name: &str) -> String {
        fs::read_to_string(self.path().join(name)).unwrap_or_default()
    }

    fn reset(&self) {
        for e in fs::read_dir(self.path()).unwrap() {
            let p = e.unwrap().path();
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            if name == "runs" || name.contains('-') && !name.starts_with("response") {
                fs::remove_file(p).unwrap();
            }
        }
    }
}

/// The admin kubeconfig's cluster (server and CA), with `user` as the only user; `exec`
/// is the YAML of its `exec` stanza. `cluster_extra` adds cluster fields.
fn exec_kubeconfig(env: &Env, exec: &str, cluster_extra: &str) -> PathBuf {
    let admin: Value = serde_yaml::from_str(&fs::read_to_string(&env.kubeconfig).unwrap()).unwrap();
    let cluster = &admin["clusters"][0]["cluster"];
    let server = cluster["server"].as_str().unwrap();
    let ca = cluster["certificate-authority-data"].as_str().unwrap();
    let text = format!(
        "apiVersion: v1
kind: Config
clusters:
- name: mock
  cluster:
    server: {server}
    certificate-authority-data: {ca}
{cluster_extra}contexts:
- name: exec
  context: {{cluster: mock, user: robot-exec}}
current-context: exec
users:
- name: robot-exec
  user:
    exec:
{exec}"
    );
    let path = env
        .dir
        .path()
        .join(format!("exec-{}.kubeconfig", fastrand()));
    fs::write(&path, text).unwrap();
    path
}

/// A distinct suffix per kubeconfig in one test.
fn fastrand() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    N.fetch_add(1, Ordering::SeqCst)
}

/// The `exec` stanza running the test plugin with `dir`.
fn script_exec(plugin: &Plugin, extra: &str) -> String {
    format!(
        "      apiVersion: {V1}
      command: {}
      args: [{}]
      env: [{{name: RAWKUBE_PLUGIN_GREETING, value: hello}}]
{extra}",
        plugin_script().display(),
        plugin.path().display()
    )
}

/// The usual case: the test plugin with `interactiveMode: Never`.
fn never_kubeconfig(env: &Env, plugin: &Plugin) -> PathBuf {
    exec_kubeconfig(
        env,
        &script_exec(plugin, "      interactiveMode: Never\n"),
        "",
    )
}

fn rawkube(kubeconfig: &Path, args: &[&str]) -> Run {
    run(rawkube_cmd(kubeconfig).args(args))
}

fn users_seen(env: &Env) -> Vec<(String, u16)> {
    env.mock
        .journal()
        .entries()
        .into_iter()
        .map(|e| (e.user.username, e.status))
        .collect()
}

#[test]
fn a_token_plugin_runs_once_per_process_and_gets_the_cluster_info() {
    let env = env_with_robot();
    let plugin = Plugin::new();
    plugin.answer(serde_json::json!({"token": mint_token(&env)}));
    let kc = exec_kubeconfig(
        &env,
        &script_exec(
            &plugin,
            "      interactiveMode: IfAvailable\n      provideClusterInfo: true\n",
        ),
        "    extensions:\n    - name: client.authentication.k8s.io/exec\n      extension: {audience: rawkube-tests, zone: [a, b]}\n",
    );
    env.mock.journal().clear();
    let r = rawkube(&kc, &["get", "pods,configmaps", "-A"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.contains("configmap/kube-root-ca.crt"),
        "{}",
        r.stdout
    );
    let seen = users_seen(&env);
    assert_eq!(
        seen.len(),
        4,
        "discovery (/api, /apis) and a list per type: {seen:?}"
    );
    assert!(
        seen.iter()
            .all(|(u, s)| u == "system:serviceaccount:default:robot" && *s == 200),
        "{seen:?}"
    );
    assert_eq!(
        plugin.runs(),
        1,
        "one plugin run for {} requests",
        seen.len()
    );
    assert_eq!(plugin.file("env-1"), "RAWKUBE_PLUGIN_GREETING=hello\n");
    assert_eq!(
        plugin.file("stdin-1"),
        "none\n",
        "stdin is not a terminal here"
    );
    let info: serde_json::Value = serde_json::from_str(&plugin.file("exec-info-1")).unwrap();
    let admin: Value = serde_yaml::from_str(&fs::read_to_string(&env.kubeconfig).unwrap()).unwrap();
    let cluster = &admin["clusters"][0]["cluster"];
    assert_eq!(
        info,
        serde_json::json!({
            "kind": "ExecCredential",
            "apiVersion": V1,
            "spec": {
                "cluster": {
                    "server": cluster["server"].as_str().unwrap(),
                    "certificate-authority-data": cluster["certificate-authority-data"].as_str().unwrap(),
                    "config": {"audience": "rawkube-tests", "zone": ["a", "b"]},
                },
                "interactive": false,
            }
        })
    );

    // kubectl gives the plugin the same bytes and prints the same.
    if have_kubectl() {
        let rawkube_info = plugin.file("exec-info-1");
        plugin.reset();
        let cache = tempfile::tempdir().unwrap();
        let k = run(kubectl_cmd(&kc, &cache).args(["get", "pods,configmaps", "-A"]));
        assert_eq!(
            (k.code, seconds_as_x(&k.stdout)),
            (0, seconds_as_x(&r.stdout)),
            "{}",
            k.stderr
        );
        assert!(plugin.runs() >= 1);
        assert_eq!(plugin.file("exec-info-1"), rawkube_info);
    }
}

#[test]
fn show_http_says_a_plugin_supplied_the_token_and_never_shows_it() {
    let env = env_with_robot();
    let plugin = Plugin::new();
    let token = mint_token(&env);
    plugin.answer(serde_json::json!({"token": token}));
    let kc = never_kubeconfig(&env, &plugin);
    for flags in [&["--show-http"][..], &["--show-http", "--show-secrets"][..]] {
        let mut args = vec!["get", "pods"];
        args.extend(flags);
        let r = rawkube(&kc, &args);
        assert_eq!(r.code, 0, "{}", r.stderr);
        assert!(!r.stderr.contains(&token), "{flags:?} leaked the token");
        assert!(
            r.stderr.contains(&format!(
                "# bearer token from the exec plugin of user \"robot-exec\" ({} {}); not shown, even with --show-secrets\ncurl -X GET ",
                plugin_script().display(),
                plugin.path().display()
            )),
            "{}",
            r.stderr
        );
        assert!(r.stderr.contains("-H 'Authorization: Bearer <redacted>'"));
    }
}

#[test]
fn credentials_are_reused_until_they_expire() {
    let env = env_with_robot();
    let plugin = Plugin::new();
    let token = mint_token(&env);
    let kc = never_kubeconfig(&env, &plugin);
    plugin
        .answer(serde_json::json!({"token": token, "expirationTimestamp": "2999-01-01T00:00:00Z"}));
    assert_eq!(rawkube(&kc, &["get", "pods"]).code, 0);
    assert_eq!(plugin.runs(), 1);
    // Already expired: each request needs a fresh run.
    plugin.reset();
    plugin.answer(
        serde_json::json!({"token": token, "expirationTimestamp": "2000-01-01T00:00:00+01:00"}),
    );
    env.mock.journal().clear();
    let r = rawkube(&kc, &["get", "pods,configmaps"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let requests = env.mock.journal().entries().len();
    assert!(requests > 1);
    assert_eq!(plugin.runs(), requests);
}

#[test]
fn a_401_runs_the_plugin_again_once_and_retries() {
    let env = env_with_robot();
    let plugin = Plugin::new();
    let kc = never_kubeconfig(&env, &plugin);
    plugin.answer_run(Some(1), serde_json::json!({"token": "revoked-token"}));
    plugin.answer(serde_json::json!({"token": mint_token(&env)}));
    env.mock.journal().clear();
    let r = rawkube(&kc, &["--show-http", "get", "pods"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(plugin.runs(), 2);
    let seen = users_seen(&env);
    assert_eq!(seen[0].1, 401, "{seen:?}");
    assert!(seen[1..].iter().all(|(_, s)| *s == 200), "{seen:?}");
    assert!(r.stderr.contains("# => 401 Unauthorized"), "{}", r.stderr);
    assert!(
        r.stderr
            .contains("# retry 1\n# bearer token from the exec plugin")
    );

    // A plugin that keeps answering with a rejected token: one re-run, then kubectl's 401.
    plugin.reset();
    plugin.answer(serde_json::json!({"token": "revoked-token"}));
    let r = rawkube(&kc, &["get", "pods"]);
    assert_eq!(r.code, 1);
    assert_eq!(
        r.stderr,
        "error: You must be logged in to the server (Unauthorized)\n"
    );
    assert_eq!(plugin.runs(), 2);
}

#[test]
fn a_plugin_returning_a_client_certificate_works() {
    let env = Env::start();
    let (cert, key) = env
        .mock
        .issue_client_cert("exec-cert-user", &["system:masters"])
        .unwrap();
    let plugin = Plugin::new();
    plugin.answer(serde_json::json!({"clientCertificateData": cert, "clientKeyData": key}));
    let kc = never_kubeconfig(&env, &plugin);
    env.mock.journal().clear();
    let r = rawkube(&kc, &["--show-http", "get", "ns"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.starts_with("NAME "), "{}", r.stdout);
    let seen = users_seen(&env);
    assert!(
        seen.iter().all(|(u, s)| u == "exec-cert-user" && *s == 200),
        "{seen:?}"
    );
    assert_eq!(plugin.runs(), 1);
    assert!(
        r.stderr
            .contains("# client certificate from the exec plugin of user \"robot-exec\""),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("--cert client.crt"), "{}", r.stderr);
    assert!(!r.stderr.contains("PRIVATE KEY") && !r.stderr.contains("Authorization"));
}

#[test]
fn a_failing_plugin_is_an_error_naming_the_user() {
    let env = Env::start();
    let plugin = Plugin::new();
    fs::write(plugin.path().join("exit-code"), "3").unwrap();
    fs::write(
        plugin.path().join("stderr"),
        "login expired: run `sso login`\n",
    )
    .unwrap();
    let kc = never_kubeconfig(&env, &plugin);
    let r = rawkube(&kc, &["get", "pods"]);
    assert_eq!(r.code, 1);
    assert_eq!(
        r.stderr,
        format!(
            "login expired: run `sso login`\nerror: getting credentials for user \"robot-exec\" (users[robot-exec].user.exec in {}): exec: executable {} failed with exit code 3\n",
            kc.display(),
            plugin_script().display()
        )
    );
    // What it prints must be an ExecCredential of the configured version.
    fs::remove_file(plugin.path().join("exit-code")).unwrap();
    fs::remove_file(plugin.path().join("stderr")).unwrap();
    fs::write(
        plugin.path().join("response.json"),
        r#"{"apiVersion":"client.authentication.k8s.io/v1beta1","kind":"ExecCredential","status":{"token":"t"}}"#,
    )
    .unwrap();
    let r = rawkube(&kc, &["get", "pods"]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.ends_with(": exec plugin is configured to use API version client.authentication.k8s.io/v1, plugin returned version client.authentication.k8s.io/v1beta1\n"),
        "{}",
        r.stderr
    );
}

#[test]
fn a_missing_plugin_names_the_user_and_shows_the_install_hint() {
    let env = Env::start();
    let kc = exec_kubeconfig(
        &env,
        &format!(
            "      apiVersion: {V1}\n      command: rawkube-test-no-such-plugin\n      interactiveMode: Never\n      installHint: |\n        rawkube-test-no-such-plugin is needed to use this cluster.\n        Install it with: apt-get install rawkube-test-no-such-plugin\n"
        ),
        "",
    );
    let r = rawkube(&kc, &["get", "pods"]);
    assert_eq!(r.code, 1);
    assert_eq!(
        r.stderr,
        format!(
            "error: getting credentials for user \"robot-exec\" (users[robot-exec].user.exec in {}): exec: executable rawkube-test-no-such-plugin not found

It looks like you are trying to use a client-go credential plugin that is not installed.

To learn more about this feature, consult the documentation available at:
      https://kubernetes.io/docs/reference/access-authn-authz/authentication/#client-go-credential-plugins

rawkube-test-no-such-plugin is needed to use this cluster.
Install it with: apt-get install rawkube-test-no-such-plugin\n",
            kc.display()
        )
    );
    if have_kubectl() {
        // kubectl says the same after its own prefix.
        let cache = tempfile::tempdir().unwrap();
        let k = run(kubectl_cmd(&kc, &cache).args(["get", "pods"]));
        assert_eq!(k.code, 1);
        let tail = r.stderr.split_once("): ").unwrap().1;
        assert!(k.stderr.ends_with(tail), "kubectl: {}", k.stderr);
    }
}

#[test]
fn interactive_mode_always_needs_a_terminal_and_v1_must_name_a_mode() {
    let env = Env::start();
    let plugin = Plugin::new();
    plugin.answer(serde_json::json!({"token": "t"}));
    let kc = exec_kubeconfig(
        &env,
        &script_exec(&plugin, "      interactiveMode: Always\n"),
        "",
    );
    let r = run(rawkube_cmd(&kc)
        .args(["get", "pods"])
        .stdin(std::process::Stdio::null()));
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.ends_with(
            "): exec plugin cannot support interactive mode: standard input is not a terminal\n"
        ),
        "{}",
        r.stderr
    );
    assert_eq!(plugin.runs(), 0, "not run without a terminal");

    let kc = exec_kubeconfig(&env, &script_exec(&plugin, ""), "");
    let r = rawkube(&kc, &["get", "pods"]);
    assert_eq!(
        r.stderr,
        format!(
            "error: invalid users[robot-exec].user.exec in {}: interactiveMode must be specified for robot-exec to use exec authentication plugin\n",
            kc.display()
        )
    );
    if have_kubectl() {
        let cache = tempfile::tempdir().unwrap();
        let k = run(kubectl_cmd(&kc, &cache).args(["get", "pods"]));
        assert!(
            k.stderr.contains(
                "interactiveMode must be specified for robot-exec to use exec authentication plugin"
            ),
            "{}",
            k.stderr
        );
    }
}

#[test]
fn a_token_on_the_command_line_wins_over_the_plugin() {
    let env = env_with_robot();
    let plugin = Plugin::new();
    plugin.answer(serde_json::json!({"token": "never-used"}));
    let kc = never_kubeconfig(&env, &plugin);
    let token = mint_token(&env);
    let r = rawkube(&kc, &["--token", &token, "get", "pods"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(plugin.runs(), 0);
}
