//! CLI behaviour that needs no server: help, completion, usage errors, token decode.

use super::cli_util::rawkube_bare;

#[test]
fn every_command_has_help_with_examples() {
    for cmd in [
        &["create", "sa"][..],
        &["create", "token"],
        &["create", "role"],
        &["create", "clusterrole"],
        &["create", "rolebinding"],
        &["create", "clusterrolebinding"],
        &["get"],
        &["delete"],
        &["auth", "can-i"],
        &["auth", "whoami"],
        &["config", "set-cluster"],
        &["config", "set-credentials"],
        &["config", "set-context"],
        &["config", "use-context"],
        &["config", "view"],
        &["config", "get-contexts"],
        &["config", "delete-context"],
        &["config", "delete-user"],
        &["setup"],
        &["teardown"],
        &["kubeconfig"],
        &["token", "decode"],
        &["demo"],
        &["completion"],
    ] {
        let mut args = cmd.to_vec();
        args.push("--help");
        let r = rawkube_bare(&args);
        assert_eq!(r.code, 0, "{args:?}: {r:?}");
        assert!(
            r.stdout.contains("Examples:"),
            "{args:?} has no examples:\n{}",
            r.stdout
        );
        assert!(r.stdout.contains("rawkube "), "{args:?}");
    }
    let top = rawkube_bare(&["--help"]);
    for word in [
        "--kubeconfig",
        "--context",
        "--namespace",
        "--show-http",
        "--show-secrets",
        "Exit codes",
    ] {
        assert!(top.stdout.contains(word), "top-level help lacks {word}");
    }
}

#[test]
fn completion_scripts_name_the_commands() {
    for (shell, marker) in [
        ("bash", "complete -F"),
        ("zsh", "#compdef rawkube"),
        ("fish", "complete -c rawkube"),
    ] {
        let r = rawkube_bare(&["completion", shell]);
        assert_eq!(r.code, 0, "{shell}: {r:?}");
        assert!(r.stdout.contains(marker), "{shell} script lacks {marker:?}");
        assert!(
            r.stdout.contains("setup"),
            "{shell} script lacks the setup command"
        );
    }
    assert_eq!(rawkube_bare(&["completion", "powershell"]).code, 1);
}

#[test]
fn usage_errors_exit_1_like_kubectl() {
    let r = rawkube_bare(&["create", "sa"]);
    assert_eq!(r.code, 1, "{r:?}");
    assert!(
        r.stderr.contains("NAME") || r.stderr.contains("<NAME>"),
        "{}",
        r.stderr
    );
    assert_eq!(rawkube_bare(&["no-such-command"]).code, 1);
    assert_eq!(
        rawkube_bare(&["create", "sa", "x", "--dry-run=bogus"]).code,
        1
    );
}

#[test]
fn dry_run_client_needs_no_server() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("none");
    let r = super::cli_util::rawkube_with(
        &missing,
        &["create", "sa", "x", "--dry-run=client", "-o", "json"],
    );
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(
        r.stdout,
        "{\n    \"kind\": \"ServiceAccount\",\n    \"apiVersion\": \"v1\",\n    \"metadata\": {\n        \"name\": \"x\",\n        \"creationTimestamp\": null\n    }\n}\n"
    );
}

#[test]
fn token_decode_reads_stdin_and_argument() {
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let claims = r#"{"iss":"kubernetes/serviceaccount","kubernetes.io/serviceaccount/namespace":"default","kubernetes.io/serviceaccount/secret.name":"bearertokenauth-token-fvmmd","kubernetes.io/serviceaccount/service-account.name":"bearertokenauth","sub":"system:serviceaccount:default:bearertokenauth"}"#;
    let token = format!(
        "{}.{}.c2ln",
        URL_SAFE_NO_PAD.encode(r#"{"alg":"RS256","kid":"k"}"#),
        URL_SAFE_NO_PAD.encode(claims)
    );
    let r = rawkube_bare(&["token", "decode", &token]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(
        r.stdout.contains(
            "legacy ServiceAccount token from Secret default/bearertokenauth-token-fvmmd"
        ),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("never expires"));

    let mut cmd = assert_cmd::cargo::cargo_bin_cmd!("rawkube");
    let out = cmd
        .args(["token", "decode", "-"])
        .write_stdin(format!("{token}\n"))
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stdout), r.stdout);

    let bad = rawkube_bare(&["token", "decode", "not-a-jwt"]);
    assert_eq!(bad.code, 1);
    assert_eq!(
        bad.stderr,
        "error: not a JWT: expected 3 dot-separated parts (header.claims.signature), found 1\n"
    );
}
