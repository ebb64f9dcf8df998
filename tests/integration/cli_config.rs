//! `config` subcommands: rawkube and kubectl run the same sequence on two fresh
//! kubeconfig files; outputs (with the file name normalized) and file bytes must match.

use std::path::Path;

use super::cli_util::{Run, have_kubectl, kubectl_with, rawkube_with};

const TOKEN: &str = "eyJhbGciOiJSUzI1NiIsImtpZCI6Im1vY2sifQ.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6ZGVmYXVsdDpiZWFyZXJ0b2tlbmF1dGgifQ.bW9ja3NpZ25hdHVyZQ";

fn normalized(r: Run, file: &Path) -> Run {
    let f = file.display().to_string();
    Run {
        code: r.code,
        stdout: r.stdout.replace(&f, "KUBECONFIG"),
        stderr: r.stderr.replace(&f, "KUBECONFIG"),
    }
}

#[test]
fn config_commands_match_kubectl() {
    if !have_kubectl() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let ca = dir.path().join("ca.crt");
    std::fs::write(
        &ca,
        "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
    )
    .unwrap();
    let ours = dir.path().join("r").join("config");
    let theirs = dir.path().join("k").join("config");
    let token_flag = format!("--token={TOKEN}");
    let ca_flag = format!("--certificate-authority={}", ca.display());
    let steps: Vec<Vec<&str>> = vec![
        vec!["config", "current-context"],
        vec!["config", "view"],
        vec![
            "config",
            "set-cluster",
            "bearertoken-cluster",
            "--server=https://127.0.0.1:18443",
            "--insecure-skip-tls-verify=true",
        ],
        vec![
            "config",
            "set-cluster",
            "c",
            "--server=https://127.0.0.1:18443",
            &ca_flag,
            "--embed-certs",
        ],
        vec!["config", "set-credentials", "bearertokenauth", &token_flag],
        vec![
            "config",
            "set-context",
            "bearertokenauth-context",
            "--cluster=bearertoken-cluster",
            "--user=bearertokenauth",
            "--namespace=default",
        ],
        vec!["config", "use-context", "bearertokenauth-context"],
        vec![
            "config",
            "set-context",
            "bearertokenauth-context",
            "--namespace=default",
        ],
        vec!["config", "use-context", "does-not-exist"],
        vec!["config", "current-context"],
        vec!["config", "get-contexts"],
        vec!["config", "get-contexts", "-o", "name"],
        vec!["config", "view"],
        vec!["config", "view", "--minify", "--raw", "-o", "json"],
        vec!["config", "view", "--raw"],
        vec![
            "config",
            "set-context",
            "other",
            "--cluster=c",
            "--user=bearertokenauth",
        ],
        vec!["config", "get-contexts"],
        vec!["config", "delete-context", "other"],
        vec!["config", "delete-context", "other"],
        vec!["config", "delete-user", "bearertokenauth"],
        vec!["config", "delete-user", "bearertokenauth"],
    ];
    for step in steps {
        let r = normalized(rawkube_with(&ours, &step), &ours);
        let k = normalized(kubectl_with(&theirs, &step), &theirs);
        assert_eq!(r, k, "rawkube (left) vs kubectl (right) for {step:?}");
        let rf = std::fs::read_to_string(&ours).ok();
        let kf = std::fs::read_to_string(&theirs).ok();
        assert_eq!(rf, kf, "file contents after {step:?}");
    }
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&ours).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
}
