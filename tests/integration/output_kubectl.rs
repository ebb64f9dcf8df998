//! Differential tests of `rawkube::output` against the real kubectl, offline.
//!
//! kubectl prints `config view --raw` and `create ... --dry-run=client` without a server,
//! so each test asks kubectl for the JSON of an object, runs rawkube's printer on that JSON,
//! and compares with what kubectl itself printed in the other format, byte for byte
//! (stdout, and stderr for errors). Both commands print typed Go objects, hence
//! `Model::Typed`.

use rawkube::output::{JsonPath, Model, OutputFormat, to_json, to_name, to_yaml};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The result of one kubectl run.
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

/// Whether kubectl can be used; prints the skip (or fails when it is required).
fn have_kubectl() -> bool {
    let found = Command::new("kubectl")
        .args(["version", "--client"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        if std::env::var("RAWKUBE_REQUIRE_KUBECTL").as_deref() == Ok("1") {
            panic!("kubectl is not on PATH but RAWKUBE_REQUIRE_KUBECTL=1");
        }
        eprintln!("skipped: kubectl is not on PATH");
    }
    found
}

/// Runs kubectl with its own fresh cache dir and the given kubeconfig.
fn kubectl(kubeconfig: &Path, args: &[&str]) -> Run {
    let cache = tempfile::tempdir().expect("temp cache dir");
    let out = Command::new("kubectl")
        .arg("--cache-dir")
        .arg(cache.path())
        .arg("--kubeconfig")
        .arg(kubeconfig)
        .args(args)
        .env_remove("KUBECONFIG")
        .output()
        .expect("run kubectl");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// kubectl's way of printing a fatal error: `error: ` and a newline unless there is one.
fn as_kubectl_error(e: &dyn std::fmt::Display) -> String {
    let mut s = format!("error: {e}");
    if !s.ends_with('\n') {
        s.push('\n');
    }
    s
}

/// A kubeconfig exercising dotted names, dashed keys, escapes, lists and booleans.
const RICH: &str = r#"apiVersion: v1
kind: Config
current-context: ctx-a
preferences: {}
clusters:
- name: cluster-a
  cluster:
    server: https://127.0.0.1:1
    insecure-skip-tls-verify: true
    tls-server-name: "a.example"
- name: cluster.b.dotted
  cluster:
    server: https://127.0.0.2:1
    certificate-authority-data: Zm9vYmFy
    proxy-url: http://127.0.0.3:3128
contexts:
- name: ctx-a
  context:
    cluster: cluster-a
    user: alice
    namespace: default
- name: ctx-b
  context:
    cluster: cluster.b.dotted
    user: bob
users:
- name: alice
  user:
    token: "tok<&>en"
- name: bob
  user:
    username: bob
    password: "p w\"q\\z"
    exec:
      apiVersion: client.authentication.k8s.io/v1
      command: /bin/echo
      args: ["a", "b c", "1001", "true", "", "x: y", "line1\nline2"]
      env:
      - name: FOO
        value: "line1\nline2"
      provideClusterInfo: true
      interactiveMode: Never
"#;

/// A kubeconfig whose extension carries arbitrary JSON: numbers, nulls, nested maps,
/// keys with dots, control characters.
const NUMBERS: &str = r#"apiVersion: v1
kind: Config
current-context: ""
preferences:
  extensions:
  - name: nums
    extension:
      a: 1
      b: 2.5
      c: [1, 2, 3, 1000000, 1e21, 0.000001, -7, 1234567]
      d: null
      e: "x\by\fz\u0001\u2028<>&\t"
      f: true
      g: {z: 1, a: 2}
      h: {"a.b": "dotted", "a": {"b": "nested"}}
      i: [null, "s", {"k": "v"}]
      j: "The quick brown fox jumps over the lazy dog and keeps running through the forest until night falls"
clusters:
- name: c
  cluster:
    server: https://127.0.0.1:1
"#;

/// A kubeconfig with no users or contexts (kubectl prints them as null).
const EMPTY: &str = "apiVersion: v1\nkind: Config\nclusters: []\n";

struct Fixture {
    _dir: tempfile::TempDir,
    files: Vec<(PathBuf, Value)>,
}

/// Writes the kubeconfigs and asks kubectl for each one's JSON.
fn fixtures() -> Fixture {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut files = Vec::new();
    for (name, text) in [("rich", RICH), ("numbers", NUMBERS), ("empty", EMPTY)] {
        let path = dir.path().join(name);
        std::fs::write(&path, text).expect("write kubeconfig");
        let run = kubectl(&path, &["config", "view", "--raw", "-o", "json"]);
        assert_eq!(run.code, 0, "config view -o json failed: {}", run.stderr);
        let json: Value = serde_json::from_str(&run.stdout).expect("kubectl printed JSON");
        files.push((path, json));
    }
    Fixture { _dir: dir, files }
}

/// Compares one template on one file; returns a description of any difference.
fn compare_jsonpath(
    path: &Path,
    json: &Value,
    template: &str,
    allow_missing: bool,
    as_json: bool,
    unordered: bool,
) -> Option<String> {
    let flag = if as_json {
        format!("jsonpath-as-json={template}")
    } else {
        format!("jsonpath={template}")
    };
    let missing = format!("--allow-missing-template-keys={allow_missing}");
    let run = kubectl(path, &["config", "view", "--raw", "-o", &flag, &missing]);
    let ours = JsonPath::parse(template).and_then(|jp| {
        jp.allow_missing_keys(allow_missing)
            .json_output(as_json)
            .execute(json, Model::Typed)
    });
    let ours_rc = if ours.is_ok() { 0 } else { 1 };
    let (ours_out, ours_err) = match &ours {
        Ok(out) => (out.clone(), String::new()),
        Err(e) => (String::new(), as_kubectl_error(e)),
    };
    let same_out = if unordered {
        // Go iterates maps in random order; compare the multiset of words.
        let words = |s: &str| {
            let mut w: Vec<String> = s.split(' ').map(str::to_string).collect();
            w.sort();
            w
        };
        words(&run.stdout) == words(&ours_out)
    } else {
        run.stdout == ours_out
    };
    if run.code != ours_rc || !same_out || run.stderr != ours_err {
        return Some(format!(
            "{} {flag} {missing}\n  kubectl rc={} stdout={:?} stderr={:?}\n  rawkube rc={ours_rc} stdout={ours_out:?} stderr={ours_err:?}",
            path.display(),
            run.code,
            run.stdout,
            run.stderr
        ));
    }
    None
}

fn check_templates(fx: &Fixture, file: usize, cases: &[(&str, bool)], allow_missing: bool) {
    let (path, json) = &fx.files[file];
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|(t, unordered)| {
            compare_jsonpath(path, json, t, allow_missing, false, *unordered)
        })
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn jsonpath_templates_match_kubectl() {
    if !have_kubectl() {
        return;
    }
    let fx = fixtures();
    let ordered = |t: &'static str| (t, false);
    let cases = [
        ordered("{.kind}"),
        ordered(".kind"),
        ordered("plain text"),
        ordered("{.clusters[0].name}"),
        ordered("{.clusters[*].name}"),
        ordered("{.clusters[-1].name}"),
        ordered("{.clusters[0:1].name}"),
        ordered("{.clusters[0:2:2].name}"),
        ordered("{.clusters[0,1].name}"),
        ordered("{.clusters[1:1].name}"),
        ordered("{.clusters[5].name}"),
        ordered("{.clusters[-5:].name}"),
        ordered("{.clusters[1:0].name}"),
        ordered("{.clusters[::-1].name}"),
        ordered("{.clusters[*]['name']}"),
        ordered("{.clusters[*].cluster.tls-server-name}"),
        ordered("{.clusters[?(@.name=='cluster.b.dotted')].cluster['proxy-url']}"),
        ordered("{.contexts[?(@.context.user==\"bob\")].name}"),
        ordered("{.contexts[?(@.context.user != \"bob\")].name}"),
        ordered("{.clusters[?(@.name<\"cluster-b\")].name}"),
        ordered("{.clusters[?(@.name>=\"cluster-b\")].name}"),
        ordered("{.clusters[?(@.cluster.insecure-skip-tls-verify)].name}"),
        ordered("{.clusters[?(@.nothing)].name}"),
        ordered("{.clusters[?(@.name==1)].name}"),
        ordered("{.users[?(@.user.exec.provideClusterInfo==true)].name}"),
        ordered("{.users[1].user.exec.args[?(@==\"1001\")]}"),
        ordered("{.clusters[?(@.name)]}"),
        ordered("{.users[0]}"),
        ordered("{.preferences}"),
        ordered("{.users[0].user.token}"),
        ordered("{.users[1].user.password}"),
        ordered("{.users[1].user.exec.args}"),
        ordered("{.users[1].user.exec.args[*]}"),
        ordered("{.users[1].user.exec.provideClusterInfo}"),
        ordered("{.x}"),
        ordered("{.clusters.name}"),
        ordered("{.kind[0]}"),
        ordered("{[0]}"),
        ordered("{@}"),
        ordered("{$.kind}"),
        ordered("{ .kind }"),
        ordered("{.kind}{.kind}"),
        ordered("{.kind}}"),
        ordered("{'x}y'}"),
        ordered("{\"a\\u00e9\\x41\\t\"}"),
        ordered("a\\nb{\"\\n\"}c"),
        ordered("{.current-context}"),
        ordered("{.kind.*}"),
        ordered("{..kind}"),
        ordered("{range .clusters[*]}{range .x[*]}{.y}{end}{.name}{end}"),
        ordered("{range .contexts[*]}{.name}{range .context}{.user}{end}{\" \"}{end}"),
        ordered("{range .clusters[*]}{.name}{\"\\t\"}{.cluster.server}{\"\\n\"}{end}"),
        ordered("{range .clusters[*]}[{.name}]{range .cluster}<{.server}>{end}{end}"),
        ordered("{range .clusters[*]}{@.name}{\",\"}{end}"),
        ordered("{range .nope[*]}{.a}{end}tail"),
        ordered("{range .clusters[*]}{.name}"),
        ordered("{range .users[*]}{.name}={.user.username}{\";\"}{end}"),
        ordered("{end}"),
        ordered("{foo}"),
        ordered("{"),
        ordered("{.a"),
        ordered("{#}"),
        ordered("{{.kind}}"),
        ordered("{\"unterminated}"),
        ordered("{.clusters[x]}"),
        ordered("{.clusters[0][\"name\"]}"),
        ordered("{.clusters[?(@.name=~\"c.*\")].name}"),
        ordered("{.clusters[?(@.name=='a'||true)]}"),
        ordered("{.clusters[0}"),
        ordered("{....a}"),
        ordered("{\"\\q\"}"),
        ordered("{.clusters[?(@.name==\"a\"}"),
        ordered("{.clusters[0 ,1].name}"),
        ordered("{.clusters[0, 1].name}"),
        ordered("{.clusters[0,1,0].name}"),
        ordered("{.clusters[0:1,1].name}"),
        ordered("{.clusters[ 0 ].name}"),
        ordered("{.clusters[:]}"),
        ordered("{.clusters[0:0].name}"),
        ordered("{.clusters[2:2].name}"),
        ordered("{.clusters[3:3].name}"),
        ordered("{.clusters[0:3].name}"),
        ordered("{.clusters[-3].name}"),
        ordered("{.clusters[-0].name}"),
        ordered("{.clusters[+1].name}"),
        ordered("{.clusters[::].name}"),
        ordered("{.clusters[-].name}"),
        ordered("{.clusters[1:-].name}"),
        ordered("{.clusters[].name}"),
        ordered("{.clusters[?(@.name==\"x)y\")].name}"),
        ordered("{.clusters[?(@.name==\"x\\\"y\")].name}"),
        ordered("{.clusters[?(@.name==@.name)].name}"),
        ordered("{.clusters[?(@.name!=@.name)].name}"),
        ordered("{.clusters[?(@.name==true)].name}"),
        ordered("{.clusters[?(@.cluster.insecure-skip-tls-verify<true)].name}"),
        ordered("{.clusters[?(@.name=1.5)].name}"),
        ordered("{.clusters[?(@.name<>1)].name}"),
        ordered("{.clusters[?(@.name!1)].name}"),
        ordered("{.clusters[?(@.name[0])].name}"),
        ordered("{.clusters[?(true)].name}"),
        ordered("{.users[?(@.user.exec.args[*]==\"a\")].name}"),
        ordered("{.contexts[?(@.name==$.current-context)].name}"),
        ordered("{range .users[*]}{range .user.exec.args[*]}<{@}>{end}{end}"),
        ordered("{range .users[*]}{.name}{end}{end}"),
        ordered("{range}{end}"),
        ordered("{range .kind}{@}{end}"),
        ordered("{range .preferences}{@}{end}"),
        ordered("{\"\\xff\"}{'a\"b'}{\"a'b\"}{\"}\"}{\"{\"}"),
        ordered("{.kind \"x\"}{.kind 1}{1.5}{-1}{+2}"),
        ordered("{1.2.3}"),
        ordered("{true}{false}"),
        ordered("{truex}"),
        ordered("{.kind.true}"),
        ordered("{$}"),
        ordered("{@@.kind}"),
        ordered("{.kind@}"),
        ordered("{..[0].name}"),
        ordered("{..clusters[0].name}"),
        ordered("{.clusters..name}"),
        ordered("{.kind..}"),
        ordered("{.}"),
        ordered("{.clusters.}"),
        ordered("{.clusters.[0]}"),
        ordered("{['kind','apiVersion']}"),
        ordered("{.kind,.apiVersion}"),
        ordered("{}{ }text{}"),
        ordered("{.kind}\t{.apiVersion}"),
        ordered("{\t.kind}"),
        ordered("{.ki nd}"),
        ordered("{ range .clusters[*] }{ .name }{ end }"),
        ordered("{.clusters[0].cluster.server}\\"),
        ordered("{.a\\}"),
        ordered("{.clusters\\[0\\]}"),
        ordered("{.clusters[0]['clu'ster']}"),
        // Go walks maps in random order: compare the words only.
        ("{..name}", true),
        ("{.users[*].user.*}", true),
        ("{.clusters[0].cluster.*}", true),
    ];
    check_templates(&fx, 0, &cases, true);
}

#[test]
fn jsonpath_numbers_nulls_and_escapes_match_kubectl() {
    if !have_kubectl() {
        return;
    }
    let fx = fixtures();
    let ext = "{.preferences.extensions[0].extension";
    let owned: Vec<String> = [
        ".c}",
        ".c[*]}",
        ".c[?(@ > 2)]}",
        ".c[?(@ > 2.0)]}",
        ".c[?(@ == 1234567.0)]}",
        ".d}",
        ".e}",
        "}",
        ".b}",
        ".h.a\\.b}",
        "['h']['a.b']}",
        ".h['a.b']}",
        ".i}",
        ".i[0]}",
        ".i[*]}",
        ".i[?(@.k)]}",
        ".i[?(@.k==\"v\")].k}",
        ".j}",
        ".f}",
        ".g.*}",
        ".kind.*}",
        ".j[?(@)]}",
    ]
    .iter()
    .map(|s| format!("{ext}{s}"))
    .collect();
    let mut cases: Vec<(&str, bool)> = owned
        .iter()
        .map(|s| (s.as_str(), s.ends_with(".g.*}")))
        .collect();
    cases.push((
        "{range .preferences.extensions[0].extension.i[*]}[{@}]{end}",
        false,
    ));
    check_templates(&fx, 1, &cases, true);
}

#[test]
fn jsonpath_missing_keys_disallowed_match_kubectl() {
    if !have_kubectl() {
        return;
    }
    let fx = fixtures();
    let cases = [
        ("{.x}", false),
        ("{.preferences.x}", false),
        ("{.kind}", false),
        ("{.clusters[*].cluster.proxy-url}", false),
        ("{.clusters[?(@.cluster.proxy-url)].name}", false),
        ("{.clusters[?(@.cluster.proxy-url==\"x\")].name}", false),
    ];
    check_templates(&fx, 0, &cases, false);
    let empty_cases = [
        ("{range .users[*]}{.name}{end}", false),
        ("{.users[*].name}", false),
        ("{.users}", false),
        ("{.users[0]}", false),
        ("{.current-context}", false),
    ];
    check_templates(&fx, 2, &empty_cases, false);
}

#[test]
fn jsonpath_as_json_matches_kubectl() {
    if !have_kubectl() {
        return;
    }
    let fx = fixtures();
    let (path, json) = &fx.files[0];
    let failures: Vec<String> = [
        "{.clusters[*].name}",
        "{.kind}",
        "{.kind}a{.clusters[0]}",
        "{.nothing}",
    ]
    .iter()
    .filter_map(|t| compare_jsonpath(path, json, t, true, true, false))
    .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn json_and_yaml_of_config_view_match_kubectl() {
    if !have_kubectl() {
        return;
    }
    let fx = fixtures();
    for (path, json) in &fx.files {
        let kubectl_json = kubectl(path, &["config", "view", "--raw", "-o", "json"]);
        assert_eq!(
            kubectl_json.stdout,
            to_json(json, Model::Typed),
            "{}",
            path.display()
        );
        let kubectl_name = kubectl(path, &["config", "view", "--raw", "-o", "name"]);
        assert_eq!(kubectl_name.stdout, to_name(json, None).expect("name"));
        let kubectl_yaml = kubectl(path, &["config", "view", "--raw", "-o", "yaml"]);
        assert_eq!(kubectl_yaml.code, 0);
        assert_eq!(
            kubectl_yaml.stdout,
            to_yaml(json).expect("yaml"),
            "{}",
            path.display()
        );
    }
}

/// Values that exercise go-yaml's quoting, folding and block scalars.
fn tricky_literals() -> Vec<(String, String)> {
    let long = "The quick brown fox jumps over the lazy dog and keeps running through the forest until night falls: done";
    let words = "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi rho sigma tau";
    [
        ("a", long.to_string()),
        ("b", "yes".into()),
        ("c", "x\ny".into()),
        ("d", "tr ".into()),
        ("e", "a\tb".into()),
        ("f", "k: v".into()),
        ("g", format!("{long}{long}")),
        ("h", "#x".into()),
        ("i", "x #y".into()),
        ("j", "é😀".into()),
        ("k", "0o17".into()),
        ("l", "1_000".into()),
        ("n", ".5".into()),
        ("m", ".0_2".into()),
        ("Q", "._5".into()),
        ("o", "2026-1-2".into()),
        ("p", "2026-01-02T03:04:05".into()),
        ("q", format!("it's a 'quoted' {long}")),
        ("r", String::new()),
        ("s", "x\n\n".into()),
        ("t", words.into()),
        ("u", format!("{words} {words} {words}")),
        ("v", format!("\"{words}\u{1} {words}\"")),
        ("w", " leading\nand more".into()),
        ("x", "trailing \nspace".into()),
        ("y", "1:20".into()),
        ("z", "0x1F".into()),
        ("A", "2026-11-28T13:37:25Z".into()),
        ("B", "-".into()),
        ("C", "- item".into()),
        ("D", "@at".into()),
        ("E", "~".into()),
        ("F", "null".into()),
        ("G", "1e3".into()),
        ("H", "+1".into()),
        ("I", "09".into()),
        ("J", "a  b".into()),
        ("K", "line\r\nbreak".into()),
        ("a10", "key order".into()),
        ("a9", "key order".into()),
        ("_x", "key order".into()),
        ("a.b", "key order".into()),
        ("a-b", "key order".into()),
        ("1001", "numeric key".into()),
        ("L", "x \u{85}  y".into()),
        ("M", "x\u{85}\u{85}y".into()),
        ("N", "\u{85}y\u{85}".into()),
        ("O", "sep\u{2028}para\u{2029}nbsp\u{a0}bom\u{feff}".into()),
        (&"k".repeat(129), "explicit key".into()),
        (&"q".repeat(128), "longest simple key".into()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect()
}

#[test]
fn yaml_json_and_name_of_created_objects_match_kubectl() {
    if !have_kubectl() {
        return;
    }
    let fx = fixtures();
    let kc = &fx.files[0].0;
    let literals: Vec<String> = tricky_literals()
        .into_iter()
        .map(|(k, v)| format!("--from-literal={k}={v}"))
        .collect();
    let mut commands: Vec<Vec<String>> = vec![
        vec!["create", "sa", "x", "--dry-run=client"],
        vec!["create", "sa", "x", "-n", "default", "--dry-run=client"],
        vec![
            "create",
            "secret",
            "generic",
            "s",
            "--from-literal=token=abc",
            "--dry-run=client",
        ],
        vec![
            "create",
            "rolebinding",
            "rb",
            "--role=r",
            "--serviceaccount=default:x",
            "--dry-run=client",
        ],
    ]
    .into_iter()
    .map(|v| v.into_iter().map(String::from).collect())
    .collect();
    let mut cm: Vec<String> = ["create", "configmap", "cm", "--dry-run=client"]
        .into_iter()
        .map(String::from)
        .collect();
    cm.extend(literals);
    commands.push(cm);
    // go-yaml rejects DEL and C1 controls: kubectl fails, and so must we.
    commands.push(
        [
            "create",
            "configmap",
            "bad",
            "--from-literal=a=x\u{7f}y",
            "--dry-run=client",
        ]
        .into_iter()
        .map(String::from)
        .collect(),
    );

    for cmd in &commands {
        let args = |fmt: &'static str| {
            let mut a: Vec<&str> = cmd.iter().map(String::as_str).collect();
            a.extend(["-o", fmt]);
            a
        };
        let json_run = kubectl(kc, &args("json"));
        assert_eq!(json_run.code, 0, "{cmd:?}: {}", json_run.stderr);
        let json: Value = serde_json::from_str(&json_run.stdout).expect("JSON");
        assert_eq!(
            json_run.stdout,
            to_json(&json, Model::Typed),
            "{cmd:?} -o json"
        );
        let yaml_run = kubectl(kc, &args("yaml"));
        match to_yaml(&json) {
            Ok(yaml) => assert_eq!(yaml_run.stdout, yaml, "{cmd:?} -o yaml"),
            Err(e) => {
                assert_eq!(yaml_run.code, 1, "{cmd:?} -o yaml");
                assert_eq!(yaml_run.stderr, as_kubectl_error(&e), "{cmd:?} -o yaml");
            }
        }
        let name_run = kubectl(kc, &args("name"));
        assert_eq!(
            name_run.stdout,
            to_name(&json, None).expect("name"),
            "{cmd:?} -o name"
        );
    }
}

#[test]
fn output_flag_errors_match_kubectl() {
    if !have_kubectl() {
        return;
    }
    let fx = fixtures();
    let kc = &fx.files[0].0;
    for flag in [
        "foo",
        "jsonpath",
        "jsonpath=",
        "JSONPATH={.kind}",
        "wide",
        "yml",
    ] {
        let run = kubectl(kc, &["config", "view", "-o", flag]);
        let ours = flag.parse::<OutputFormat>().expect_err(flag);
        assert_eq!(run.code, 1, "{flag}");
        assert_eq!(run.stderr, as_kubectl_error(&ours), "{flag}");
    }
    for flag in ["JSON", "Yaml", "NAME"] {
        let run = kubectl(kc, &["create", "sa", "x", "--dry-run=client", "-o", flag]);
        let json = kubectl(kc, &["create", "sa", "x", "--dry-run=client", "-o", "json"]);
        let value: Value = serde_json::from_str(&json.stdout).expect("JSON");
        let ours = flag
            .parse::<OutputFormat>()
            .expect(flag)
            .print(&value, Model::Typed, true)
            .expect("print");
        assert_eq!(run.stdout, ours, "{flag}");
    }
    // `-o jsonpath --template T` is `-o jsonpath=T`; with `-o jsonpath=...` it is unknown.
    for (output, template) in [
        ("jsonpath", "{.clusters[*].name}"),
        ("jsonpath-as-json", "{.kind}"),
        ("json", "{.kind}"),
        ("jsonpath={.kind}", "{.apiVersion}"),
    ] {
        let run = kubectl(
            kc,
            &[
                "config",
                "view",
                "--raw",
                "-o",
                output,
                "--template",
                template,
            ],
        );
        match OutputFormat::from_flags(Some(output), Some(template)) {
            Ok(Some(format)) => {
                let ours = format
                    .print(&fx.files[0].1, Model::Typed, true)
                    .expect("print");
                assert_eq!(run.stdout, ours, "{output} {template}");
            }
            Ok(None) => panic!("a format was given"),
            Err(e) => assert_eq!(run.stderr, as_kubectl_error(&e), "{output} {template}"),
        }
    }
    // jsonpath-file keeps the file's trailing newline.
    let template = fx._dir.path().join("template.txt");
    std::fs::write(&template, "{.kind}\n").expect("write template");
    let flag = format!("jsonpath-file={}", template.display());
    let run = kubectl(kc, &["config", "view", "-o", &flag]);
    let ours = flag
        .parse::<OutputFormat>()
        .expect("jsonpath-file")
        .print(&fx.files[0].1, Model::Typed, true)
        .expect("print");
    assert_eq!(run.stdout, ours);
    assert_eq!(ours, "Config\n");
}

/// An object kubectl reads from a file with `label --local`, which it holds unstructured,
/// exactly as it holds objects read from a server: integers stay int64, keys are sorted.
const UNSTRUCTURED: &str = r#"{
  "kind": "ConfigMap", "apiVersion": "v1",
  "metadata": {"namespace": "default", "name": "u", "annotations": {"z": "1", "a.b/c": "long text that goes on and on and on and on and on and on and on and on and on"}},
  "data": {
    "n": 1, "big": 1000000, "neg": -12, "f": 2.5, "tiny": 0.000001, "huge": 1e21,
    "arr": [3, 1, 2, 10], "z": null, "s": "x", "yes": "yes", "multi": "a\nb\n",
    "nested": {"b": [{"k": "v", "n": 7}, {"k": "w"}], "a": true},
    "items": [{"name": "one", "port": 80}, {"name": "two", "port": 8080}, {"name": "three"}]
  }
}"#;

/// Reverses every object's key order, so a printer that does not sort would be caught.
fn reverse_keys(v: &Value) -> Value {
    match v {
        Value::Object(map) => Value::Object(
            map.iter()
                .rev()
                .map(|(k, v)| (k.clone(), reverse_keys(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(reverse_keys).collect()),
        other => other.clone(),
    }
}

#[test]
fn unstructured_objects_match_kubectl() {
    if !have_kubectl() {
        return;
    }
    let fx = fixtures();
    let kc = &fx.files[0].0;
    let file = fx._dir.path().join("object.json");
    std::fs::write(&file, UNSTRUCTURED).expect("write object");
    let file = file.display().to_string();
    let label = |flags: &[&str]| {
        let mut args = vec!["label", "--local", "-f", file.as_str(), "l=v"];
        args.extend_from_slice(flags);
        kubectl(kc, &args)
    };
    let json_run = label(&["-o", "json"]);
    assert_eq!(json_run.code, 0, "{}", json_run.stderr);
    let value: Value = serde_json::from_str(&json_run.stdout).expect("JSON");
    let shuffled = reverse_keys(&value);
    assert_eq!(json_run.stdout, to_json(&shuffled, Model::Unstructured));
    assert_eq!(
        label(&["-o", "yaml"]).stdout,
        to_yaml(&shuffled).expect("yaml")
    );
    assert_eq!(
        label(&["-o", "name"]).stdout,
        to_name(&value, None).expect("name")
    );

    let mut failures = Vec::new();
    for (template, allow_missing) in [
        (
            "{.data.big} {.data.neg} {.data.f} {.data.tiny} {.data.huge}",
            true,
        ),
        ("{.data.arr[?(@ > 2)]}", true),
        ("{.data.arr[?(@ >= 2.0)]}", true),
        ("{.data.items[?(@.port > 100)].name}", true),
        ("{.data.items[?(@.port == 80)].name}", true),
        ("{.data.items[?(@.port)].name}", true),
        ("{.data.items[?(@.port < 100)].name}", false),
        ("{range .data.items[*]}{.name}:{.port}{\"\\n\"}{end}", true),
        ("{range .data.items[*]}{.name}:{.port}{\"\\n\"}{end}", false),
        ("{.data}", true),
        ("{.data.nested}", true),
        ("{.data.nested.b[*].k}", true),
        ("{.data.z}", true),
        ("{.metadata.annotations.a\\.b/c}", true),
        ("{.metadata.labels}", true),
        ("{.data.missing}", false),
        ("{.data.big[0]}", true),
        ("{.data.f[0]}", true),
    ] {
        let flag = format!("jsonpath={template}");
        let missing = format!("--allow-missing-template-keys={allow_missing}");
        let run = label(&["-o", &flag, &missing]);
        let ours = JsonPath::parse(template).and_then(|jp| {
            jp.allow_missing_keys(allow_missing)
                .execute(&shuffled, Model::Unstructured)
        });
        let (code, stdout, stderr) = match &ours {
            Ok(out) => (0, out.clone(), String::new()),
            Err(e) => (1, String::new(), as_kubectl_error(e)),
        };
        if (run.code, &run.stdout, &run.stderr) != (code, &stdout, &stderr) {
            failures.push(format!(
                "{flag} {missing}\n  kubectl rc={} {:?} {:?}\n  rawkube rc={code} {stdout:?} {stderr:?}",
                run.code, run.stdout, run.stderr
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// A small xorshift generator, so the random cases are the same on every run.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

#[test]
fn yaml_of_random_strings_matches_kubectl() {
    if !have_kubectl() {
        return;
    }
    let fx = fixtures();
    let kc = &fx.files[0].0;
    // Pieces that steer go-yaml's scalar analysis: indicators, quotes, breaks, spaces,
    // non-ASCII, number- and bool-like text, and words to reach the folding width.
    let pieces = [
        "a",
        "b",
        " ",
        " ",
        "  ",
        ":",
        ": ",
        "#",
        " #",
        "'",
        "\"",
        "\n",
        "\t",
        "-",
        "- ",
        "?",
        ",",
        "[",
        "}",
        "&",
        "*",
        "!",
        "|",
        ">",
        "%",
        "@",
        "`",
        "é",
        "😀",
        "\u{2028}",
        "\u{85}",
        "\u{a0}",
        "1",
        "0",
        ".",
        "e",
        "y",
        "n",
        "~",
        "\r",
        "\\",
        "word ",
        "longerword ",
        "'quoted' ",
        "_",
        "/",
        "=",
        "+",
    ];
    let mut rng = Rng(0x5eed_1234_abcd);
    let mut failures = Vec::new();
    for batch in 0..12 {
        let mut cmd: Vec<String> = ["create", "configmap", "cm", "--dry-run=client"]
            .into_iter()
            .map(String::from)
            .collect();
        for i in 0..25 {
            let len = match rng.below(4) {
                0 => rng.below(4),
                1 => rng.below(12),
                2 => rng.below(40),
                _ => rng.below(120),
            };
            let value: String = (0..len).map(|_| pieces[rng.below(pieces.len())]).collect();
            cmd.push(format!("--from-literal=k{batch}v{i}={value}"));
        }
        let args = |fmt: &'static str| {
            let mut a: Vec<&str> = cmd.iter().map(String::as_str).collect();
            a.extend(["-o", fmt]);
            a
        };
        let json_run = kubectl(kc, &args("json"));
        assert_eq!(json_run.code, 0, "{}", json_run.stderr);
        let json: Value = serde_json::from_str(&json_run.stdout).expect("JSON");
        if json_run.stdout != to_json(&json, Model::Typed) {
            failures.push(format!("batch {batch}: -o json differs"));
        }
        let yaml_run = kubectl(kc, &args("yaml"));
        let ours = to_yaml(&json).expect("yaml");
        if yaml_run.stdout != ours {
            let line = yaml_run
                .stdout
                .lines()
                .zip(ours.lines())
                .find(|(k, o)| k != o)
                .map(|(k, o)| format!("kubectl {k:?}\n  rawkube {o:?}"))
                .unwrap_or_else(|| "different length".into());
            failures.push(format!("batch {batch}: {line}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
