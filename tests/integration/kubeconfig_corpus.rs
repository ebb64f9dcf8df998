//! `rawkube config view` equals `kubectl config view`, byte for byte, on the kubeconfigs
//! of `tests/fixtures/kubeconfigs/` (kind, minikube, EKS, GKE, AKS, OpenShift, Rancher,
//! and every field shape client-go knows; sources in its README.md).
//!
//! The fixtures point at 127.0.0.x ports where nothing listens and name exec commands
//! that are not installed: kubectl's dispatcher sends `GET /version` to the server (and
//! runs the user's exec plugin for it) even for `config view`. Every kubectl call gets
//! its own `--cache-dir` and a private `HOME`.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::cli_util::{Run, have_kubectl, rawkube_cmd, run};

fn corpus() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/kubeconfigs");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    assert!(files.len() >= 8, "corpus missing in {}", dir.display());
    files
}

/// klog lines (`E1206 01:02:44.791848 ...`) come from the dispatcher's failed
/// `GET /version`, not from `config view`.
fn without_klog(s: &str) -> String {
    s.lines()
        .filter(|l| {
            let b = l.as_bytes();
            let klog = b.len() > 5
                && b"IWEF".contains(&b[0])
                && b[1..5].iter().all(u8::is_ascii_digit)
                && b[5] == b' ';
            // Continuation lines of a multi-line klog entry are indented with a tab.
            !klog && !l.starts_with('\t') && *l != " >"
        })
        .map(|l| format!("{l}\n"))
        .collect()
}

fn kubectl(home: &Path, file: &Path, args: &[&str]) -> Run {
    let cache = tempfile::tempdir().unwrap();
    let mut cmd = Command::new("kubectl");
    cmd.env("HOME", home)
        .env_remove("KUBECONFIG")
        .arg("--cache-dir")
        .arg(cache.path())
        .arg("--kubeconfig")
        .arg(file)
        .args(args);
    let mut r = run(&mut cmd);
    r.stderr = without_klog(&r.stderr);
    r
}

const VIEWS: &[&[&str]] = &[
    &[],
    &["--raw"],
    &["-o", "json"],
    &["--raw", "-o", "json"],
    &["--minify"],
    &["--minify", "--raw", "-o", "json"],
    &["-o", "jsonpath={.users[*].user.exec.interactiveMode}"],
    &[
        "-o",
        "jsonpath={range .users[*]}{.name}: {.user.exec.args}{\"\\n\"}{end}",
    ],
];

#[test]
fn config_view_matches_kubectl_on_the_corpus() {
    if !have_kubectl() {
        return;
    }
    let home = tempfile::tempdir().unwrap();
    let mut compared = 0;
    for file in corpus() {
        for view in VIEWS {
            let mut args = vec!["config", "view"];
            args.extend(*view);
            let k = kubectl(home.path(), &file, &args);
            let r = run(rawkube_cmd(&file).env("HOME", home.path()).args(&args));
            assert_eq!(
                r,
                k,
                "rawkube (left) vs kubectl (right): {} {args:?}",
                file.display()
            );
            // Only --minify may fail: openshift.yaml keeps the docs' current-context, which
            // names no context (both tools say so the same way).
            if !view.contains(&"--minify") {
                assert_eq!(k.code, 0, "{} {args:?}: {}", file.display(), k.stderr);
            }
            compared += 1;
        }
    }
    assert_eq!(compared, corpus().len() * VIEWS.len());
}

#[test]
fn minify_of_every_context_matches_kubectl() {
    if !have_kubectl() {
        return;
    }
    let home = tempfile::tempdir().unwrap();
    for file in corpus() {
        let names = run(rawkube_cmd(&file).args(["config", "get-contexts", "-o", "name"]));
        assert_eq!(names.code, 0, "{}", names.stderr);
        for ctx in names.stdout.lines().chain(["no-such-context"]) {
            let ctx_flag = format!("--context={ctx}");
            let args = [
                "config",
                "view",
                "--minify",
                "-o",
                "json",
                ctx_flag.as_str(),
            ];
            let k = kubectl(home.path(), &file, &args);
            let r = run(rawkube_cmd(&file).env("HOME", home.path()).args(args));
            assert_eq!(r, k, "{} {args:?}", file.display());
        }
    }
}

/// The corpus must stay safe to hand to kubectl: local servers, absent plugins.
#[test]
fn the_corpus_points_at_nothing_real() {
    use rawkube::kubeconfig::{Kubeconfig, LoadOptions};
    let path_dirs: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect())
        .unwrap_or_default();
    for file in corpus() {
        let kc = Kubeconfig::load(&LoadOptions::file(&file)).unwrap();
        let c = kc.merged();
        for cl in &c.clusters {
            let s = &cl.cluster.server;
            assert!(
                s.is_empty() || s.starts_with("https://127.0.0."),
                "{}: server {s}",
                file.display()
            );
        }
        for u in &c.users {
            let Some(cmd) = u
                .user
                .other
                .get("exec")
                .and_then(|e| e.get("command"))
                .and_then(|c| c.as_str())
            else {
                continue;
            };
            let name = Path::new(cmd).file_name().unwrap();
            assert!(
                cmd.ends_with("-not-installed") && !path_dirs.iter().any(|d| d.join(name).exists()),
                "{}: exec command {cmd} could run",
                file.display()
            );
        }
    }
}
