//! The real kubectl against the `mock-apiserver` binary with service-account identities: the
//! tutorial's Step 9 script in legacy mode, and TokenRequest tokens, `auth can-i`, `auth whoami`
//! and impersonation in default mode. Outputs are kubectl 1.32's (kubectl-traffic.md §5, runs
//! 21-24 and 44; the tutorial for the script).

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine;
use mock_apiserver::authn::tokens::jwt::{
    BoundTokenClaims, DEFAULT_ISSUER, IssuerConfig, ObjectRef,
};
use mock_apiserver::authn::tokens::keys::{ServiceAccountKeys, SigningKey};
use mock_apiserver::authn::tokens::serviceaccount::ServiceAccountTokens;
use serde_json::Value;

use crate::kubectl::{ROLE, ROLEBINDING, Run, Server, expect, kubectl, kubectl_available, start};

const SA: &str = "bearertokenauth";
const FORBIDDEN: &str = "Error from server (Forbidden): pods is forbidden: User \"system:serviceaccount:default:bearertokenauth\" cannot list resource \"pods\" in API group \"\" in the namespace \"default\"\n";
const LEGACY_WARNING: &str = "Warning: Use tokens from the TokenRequest API or manually created secret-based tokens instead of auto-generated secret-based tokens.\n";
const NO_PODS: &str = "No resources found in default namespace.\n";
const UNAUTHORIZED: &str = "error: You must be logged in to the server (Unauthorized)\n";
// The one copy of the script lives with the rawkube tests, which run it with `rawkube` too.
const SCRIPT: &str = include_str!("../../../tests/fixtures/tutorial-step9.sh");
const RULE: &str = "===========================================================================================================";

/// Runs `script` with bash as the tutorial does (`./script NAME`), with `KUBECONFIG` pointing at
/// a fresh copy of the admin kubeconfig and `HOME` at a fresh directory (so kubectl's discovery
/// cache starts empty), pressing Enter at every pause. Returns the run and the kubeconfig used.
fn run_script(server: &Server, script: &str) -> (Run, tempfile::TempDir) {
    let home = tempfile::tempdir().unwrap();
    let kubeconfig = home.path().join("config");
    std::fs::copy(&server.kubeconfig, &kubeconfig).unwrap();
    let file = home.path().join("tutorial-step9.sh");
    std::fs::write(&file, script).unwrap();
    let mut child = Command::new("bash")
        .arg(&file)
        .arg(SA)
        .env("KUBECONFIG", &kubeconfig)
        .env("HOME", home.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run bash");
    // One Enter per `read -p` pause (and a few spare).
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"\n\n\n\n\n\n\n\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let run = Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    (run, home)
}

/// The token the script printed in its `kubectl config set-credentials` echo line.
fn echoed_token(stdout: &str) -> String {
    let prefix = format!("kubectl config set-credentials {SA} --token=");
    stdout
        .lines()
        .find_map(|l| l.strip_prefix(&prefix))
        .unwrap_or_else(|| panic!("no set-credentials line in {stdout}"))
        .to_string()
}

fn claims_of(token: &str) -> Value {
    let payload = token
        .split('.')
        .nth(1)
        .unwrap_or_else(|| panic!("not a JWT: {token:?}"));
    serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .unwrap(),
    )
    .unwrap()
}

/// The script's stdout up to and including the token step, for service account `SA`.
fn expected_head(token: &str) -> String {
    [
        RULE,
        "kubectl create sa bearertokenauth",
        RULE,
        "serviceaccount/bearertokenauth created",
        RULE,
        "kubectl get sa bearertokenauth -o jsonpath='{.secrets[0].name}'",
        // The article's script echoes $secretName before setting it.
        "kubectl get secret  -o jsonpath='{.data.token}' | base64 -d",
        RULE,
        RULE,
        &format!("kubectl config set-credentials bearertokenauth --token={token}"),
        "kubectl config set-context bearertokenauth --cluster=kubernetes --user=bearertokenauth",
        RULE,
        "User \"bearertokenauth\" set.",
        "Context \"bearertokenauth\" created.",
    ]
    .join("\n")
        + "\n"
}

fn check_legacy_token(token: &str) {
    let claims = claims_of(token);
    assert_eq!(claims["iss"], "kubernetes/serviceaccount");
    assert_eq!(
        claims["sub"],
        "system:serviceaccount:default:bearertokenauth"
    );
    let secret = claims["kubernetes.io/serviceaccount/secret.name"]
        .as_str()
        .unwrap();
    assert!(secret.starts_with("bearertokenauth-token-"), "{secret}");
}

#[test]
fn tutorial_step9_script_in_legacy_mode() {
    if !kubectl_available() {
        return;
    }
    let server = start(&["--legacy-token-secrets"]);
    let (run, home) = run_script(&server, SCRIPT);
    let token = echoed_token(&run.stdout);
    assert!(!token.is_empty(), "{run:#?}");
    check_legacy_token(&token);
    let tail = [
        RULE,
        "kubectl create role bearertokenauth --verb=create --verb=get --verb=list --verb=update --verb=delete --resource=pods",
        "kubectl create rolebinding bearertoken-binding-bearertokenauth --role=bearertokenauth --serviceaccount=default:bearertokenauth --namespace=default",
        RULE,
        "role.rbac.authorization.k8s.io/bearertokenauth created",
        "rolebinding.rbac.authorization.k8s.io/bearertoken-binding-bearertokenauth created",
        RULE,
        "kubectl config use-context bearertokenauth",
        "kubectl get pods",
        RULE,
        "Switched to context \"bearertokenauth\".",
    ]
    .join("\n")
        + "\n";
    // The auto-generated legacy token draws the real server's warning, as on a 1.24+ cluster.
    let stderr = format!("{LEGACY_WARNING}{NO_PODS}");
    expect(run, 0, &(expected_head(&token) + &tail), &stderr);
    let config = std::fs::read_to_string(home.path().join("config")).unwrap();
    assert!(
        config.contains("current-context: bearertokenauth"),
        "{config}"
    );
}

#[test]
fn tutorial_step9_script_before_the_binding_is_forbidden() {
    if !kubectl_available() {
        return;
    }
    let server = start(&["--legacy-token-secrets"]);
    // The script without its Role/RoleBinding step (Step 5 of the article), then back to the
    // admin context as Step 6 does.
    let start_cut = SCRIPT.find("# Create a role and rolebinding").unwrap();
    let end_cut = SCRIPT
        .find("# Validate the access using bearer token")
        .unwrap();
    let script = format!(
        "{}{}\nkubectl config use-context kubernetes-admin@kubernetes\nkubectl get pods\n",
        &SCRIPT[..start_cut],
        &SCRIPT[end_cut..]
    );
    let (run, _home) = run_script(&server, &script);
    let token = echoed_token(&run.stdout);
    check_legacy_token(&token);
    let tail = [
        RULE,
        "kubectl config use-context bearertokenauth",
        "kubectl get pods",
        RULE,
        "Switched to context \"bearertokenauth\".",
        "Switched to context \"kubernetes-admin@kubernetes\".",
    ]
    .join("\n")
        + "\n";
    // The script ignores kubectl's exit codes; its own is the last command's (the admin's get).
    let stderr = format!("{LEGACY_WARNING}{FORBIDDEN}{NO_PODS}");
    expect(run, 0, &(expected_head(&token) + &tail), &stderr);
}

/// A PKCS#8 RSA key file for `--service-account-key-file`.
fn write_key(dir: &Path) -> std::path::PathBuf {
    use aws_lc_rs::encoding::AsDer;
    let pair = aws_lc_rs::rsa::KeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048).unwrap();
    let der = pair.as_der().unwrap();
    let b64 = base64::engine::general_purpose::STANDARD.encode(der.as_ref());
    let mut pem = String::from("-----BEGIN PRIVATE KEY-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        pem.push_str(std::str::from_utf8(chunk).unwrap());
        pem.push('\n');
    }
    pem.push_str("-----END PRIVATE KEY-----\n");
    let path = dir.join("sa.key");
    std::fs::write(&path, pem).unwrap();
    path
}

fn tamper(token: &str) -> String {
    let mut t = token.to_string();
    let last = t.pop().unwrap();
    t.push(if last == 'A' { 'B' } else { 'A' });
    t
}

const CAN_I_LIST: &str = "\
Resources                                       Non-Resource URLs                      Resource Names   Verbs
pods                                            []                                     []               [create get list update delete]
selfsubjectreviews.authentication.k8s.io        []                                     []               [create]
selfsubjectaccessreviews.authorization.k8s.io   []                                     []               [create]
selfsubjectrulesreviews.authorization.k8s.io    []                                     []               [create]
                                                [/.well-known/openid-configuration/]   []               [get]
                                                [/.well-known/openid-configuration]    []               [get]
                                                [/api/*]                               []               [get]
                                                [/api]                                 []               [get]
                                                [/apis/*]                              []               [get]
                                                [/apis]                                []               [get]
                                                [/healthz]                             []               [get]
                                                [/healthz]                             []               [get]
                                                [/livez]                               []               [get]
                                                [/livez]                               []               [get]
                                                [/openapi/*]                           []               [get]
                                                [/openapi]                             []               [get]
                                                [/openid/v1/jwks/]                     []               [get]
                                                [/openid/v1/jwks]                      []               [get]
                                                [/readyz]                              []               [get]
                                                [/readyz]                              []               [get]
                                                [/version/]                            []               [get]
                                                [/version/]                            []               [get]
                                                [/version]                             []               [get]
                                                [/version]                             []               [get]
";

#[test]
fn token_request_tokens_with_kubectl() {
    if !kubectl_available() {
        return;
    }
    let keydir = tempfile::tempdir().unwrap();
    let key = write_key(keydir.path());
    let server = start(&["--service-account-key-file", key.to_str().unwrap()]);
    expect(
        kubectl(&server, &["create", "sa", SA]),
        0,
        "serviceaccount/bearertokenauth created\n",
        "",
    );
    let run = kubectl(&server, &["create", "token", SA]);
    assert_eq!((run.code, run.stderr.as_str()), (0, ""), "{run:?}");
    let token = run.stdout.clone();
    assert_eq!(token.split('.').count(), 3, "{token}");
    // Signed with the key from --service-account-key-file.
    let header: Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(token.split('.').next().unwrap())
            .unwrap(),
    )
    .unwrap();
    assert_eq!(
        header["kid"],
        SigningKey::from_pem_file(&key).unwrap().kid()
    );
    let claims = claims_of(&token);
    assert_eq!(claims["iss"], DEFAULT_ISSUER);
    let uid = kubectl(
        &server,
        &["get", "sa", SA, "-o", "jsonpath={.metadata.uid}"],
    )
    .stdout;
    assert_eq!(
        claims["kubernetes.io"]["serviceaccount"]["uid"],
        uid.as_str()
    );

    // A context whose user has no credentials of its own, so `--token` is the only one (the
    // admin's client certificate would otherwise win, as on a real server).
    expect(
        kubectl(&server, &["config", "set-credentials", "nobody"]),
        0,
        "User \"nobody\" set.\n",
        "",
    );
    expect(
        kubectl(
            &server,
            &[
                "config",
                "set-context",
                "tok",
                "--cluster=kubernetes",
                "--user=nobody",
            ],
        ),
        0,
        "Context \"tok\" created.\n",
        "",
    );
    let token_arg = format!("--token={token}");
    let as_sa = |args: &[&str]| {
        let mut all = vec!["--context=tok", token_arg.as_str()];
        all.extend_from_slice(args);
        kubectl(&server, &all)
    };
    expect(as_sa(&["get", "pods"]), 1, "", FORBIDDEN);
    expect(as_sa(&["auth", "can-i", "list", "pods"]), 1, "no\n", "");
    let impersonated = [
        "auth",
        "can-i",
        "list",
        "pods",
        "--as=system:serviceaccount:default:bearertokenauth",
    ];
    expect(kubectl(&server, &impersonated), 1, "no\n", "");
    let whoami = format!(
        "ATTRIBUTE                                           VALUE\n\
         Username                                            system:serviceaccount:default:bearertokenauth\n\
         UID                                                 {uid}\n\
         Groups                                              [system:serviceaccounts system:serviceaccounts:default system:authenticated]\n\
         Extra: authentication.kubernetes.io/credential-id   [JTI={}]\n",
        claims["jti"].as_str().unwrap()
    );
    expect(as_sa(&["auth", "whoami"]), 0, &whoami, "");

    // The tutorial's Role and RoleBinding, by the admin.
    expect(
        kubectl(&server, ROLE),
        0,
        "role.rbac.authorization.k8s.io/bearertokenauth created\n",
        "",
    );
    expect(
        kubectl(&server, ROLEBINDING),
        0,
        "rolebinding.rbac.authorization.k8s.io/bearertoken-binding-bearertokenauth created\n",
        "",
    );
    expect(as_sa(&["auth", "can-i", "list", "pods"]), 0, "yes\n", "");
    expect(kubectl(&server, &impersonated), 0, "yes\n", "");
    expect(as_sa(&["get", "pods"]), 0, "", NO_PODS);
    // The bootstrap rules come once per binding, duplicates and all, as RBAC's resolver returns
    // them (apiserver-spec §4.2); run 23's hand-made rule list merged them.
    expect(as_sa(&["auth", "can-i", "--list"]), 0, CAN_I_LIST, "");

    // A tampered or an expired token is refused. Commands without discovery print kubectl's
    // Unauthorized line; `get` first fails discovery on the 401 (a fresh cache, as the real
    // server also answers /api with 401), as kubectl does against a real cluster.
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let minted = ServiceAccountTokens::new(
        ServiceAccountKeys::from_pem_file(&key).unwrap(),
        IssuerConfig::new(DEFAULT_ISSUER, &server.url),
    );
    let expired = minted
        .mint(&BoundTokenClaims {
            namespace: "default".into(),
            service_account: ObjectRef {
                name: SA.into(),
                uid: uid.clone(),
            },
            audiences: vec![DEFAULT_ISSUER.into()],
            issued_at: now - 7200,
            expires_at: now - 3600,
            jti: "00000000-0000-4000-8000-000000000002".into(),
            bound: None,
            warn_after: None,
        })
        .unwrap();
    for bad in [tamper(&token), expired] {
        let bad = format!("--token={bad}");
        expect(
            kubectl(&server, &["--context=tok", &bad, "auth", "whoami"]),
            1,
            "",
            UNAUTHORIZED,
        );
        expect(
            kubectl(&server, &["--context=tok", &bad, "auth", "can-i", "--list"]),
            1,
            "",
            UNAUTHORIZED,
        );
        let run = kubectl(&server, &["--context=tok", &bad, "get", "pods"]);
        assert_eq!((run.code, run.stdout.as_str()), (1, ""), "{run:#?}");
        let (discovery, last) = run
            .stderr
            .trim_end()
            .rsplit_once('\n')
            .expect("several lines");
        assert_eq!(
            last,
            "error: You must be logged in to the server (the server has asked for the client to provide credentials)"
        );
        for line in discovery.lines() {
            assert!(
                line.contains("memcache.go") && line.ends_with("couldn't get current server API group list: the server has asked for the client to provide credentials\""),
                "{line}"
            );
        }
    }
}

#[test]
fn binary_identity_flags() {
    // --help documents every identity flag.
    let help = Command::new(env!("CARGO_BIN_EXE_mock-apiserver"))
        .arg("--help")
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&help.stdout);
    for flag in [
        "--token-auth-file <PATH>",
        "--service-account-key-file <PATH>",
        "--legacy-token-secrets",
        "--authz-cache-delay <DURATION>",
    ] {
        assert!(help.contains(flag), "{flag} missing from --help:\n{help}");
    }
    // A bad duration is refused naming the flag.
    let bad = Command::new(env!("CARGO_BIN_EXE_mock-apiserver"))
        .args(["--listen", "127.0.0.1:0", "--authz-cache-delay", "soon"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(err.contains("--authz-cache-delay"), "{err}");
    // A missing token file fails start-up, naming the file.
    let missing = Command::new(env!("CARGO_BIN_EXE_mock-apiserver"))
        .args([
            "--listen",
            "127.0.0.1:0",
            "--token-auth-file",
            "/nonexistent/tokens.csv",
        ])
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(1));
    assert!(missing.stdout.is_empty());
    let err = String::from_utf8_lossy(&missing.stderr);
    assert!(err.contains("/nonexistent/tokens.csv"), "{err}");

    if !kubectl_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let tokens = dir.path().join("tokens.csv");
    std::fs::write(&tokens, "s3cr3t,jane,1001,\"dev,ops\"\n").unwrap();
    let server = start(&[
        "--token-auth-file",
        tokens.to_str().unwrap(),
        "--authz-cache-delay",
        "300ms",
    ]);
    kubectl(
        &server,
        &["config", "set-credentials", "jane", "--token=s3cr3t"],
    );
    kubectl(
        &server,
        &[
            "config",
            "set-context",
            "jane",
            "--cluster=kubernetes",
            "--user=jane",
        ],
    );
    let run = kubectl(&server, &["--context=jane", "auth", "whoami"]);
    assert_eq!((run.code, run.stderr.as_str()), (0, ""), "{run:#?}");
    let rows: Vec<String> = run
        .stdout
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect();
    assert_eq!(
        rows,
        [
            "ATTRIBUTE VALUE",
            "Username jane",
            "UID 1001",
            "Groups [dev ops system:authenticated]"
        ]
    );
    expect(
        kubectl(
            &server,
            &["--context=jane", "auth", "can-i", "list", "pods"],
        ),
        1,
        "no\n",
        "",
    );
}

/// The tutorial's commands against a mock reporting the corpus's server version, v1.36.2. The
/// dispatcher has kubectl 1.27-1.33 only: for 1.36 it runs its own built-in kubectl (v1.32.4),
/// which warns about the version skew; what it prints otherwise comes from the server's
/// answers (the ServiceAccount Table of 1.36 has no SECRETS column).
#[test]
fn tutorial_commands_on_a_1_36_server() {
    if !kubectl_available() {
        return;
    }
    let server = start(&["--server-version", "v1.36.2"]);
    let version = kubectl(&server, &["version"]);
    assert_eq!(version.code, 0, "{version:?}");
    assert!(
        version.stdout.contains("Server Version: v1.36.2"),
        "{version:?}"
    );
    assert!(
        version.stderr.contains(
            "WARNING: version difference between client (1.32) and server (1.36) exceeds the supported minor version skew of +/-1"
        ),
        "{version:?}"
    );
    expect(
        kubectl(&server, &["create", "sa", SA]),
        0,
        "serviceaccount/bearertokenauth created\n",
        "",
    );
    let sas = kubectl(&server, &["get", "sa"]);
    assert_eq!((sas.code, sas.stderr.as_str()), (0, ""), "{sas:?}");
    let lines: Vec<Vec<&str>> = sas
        .stdout
        .lines()
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert_eq!(lines[0], ["NAME", "AGE"], "{}", sas.stdout);
    assert_eq!(lines[1][0], "bearertokenauth");
    assert_eq!(lines[1].len(), 2, "{}", sas.stdout);
    assert_eq!(lines[2][0], "default");
    // No Secret is made for the ServiceAccount (1.24+): the script's lookup finds nothing.
    expect(
        kubectl(
            &server,
            &["get", "sa", SA, "-o", "jsonpath={.secrets[0].name}"],
        ),
        0,
        "",
        "",
    );
    let run = kubectl(&server, &["create", "token", SA]);
    assert_eq!((run.code, run.stderr.as_str()), (0, ""), "{run:?}");
    let token = run.stdout.clone();
    expect(
        kubectl(
            &server,
            &["config", "set-credentials", SA, &format!("--token={token}")],
        ),
        0,
        "User \"bearertokenauth\" set.\n",
        "",
    );
    expect(
        kubectl(
            &server,
            &[
                "config",
                "set-context",
                SA,
                "--cluster=kubernetes",
                &format!("--user={SA}"),
            ],
        ),
        0,
        "Context \"bearertokenauth\" created.\n",
        "",
    );
    let as_sa = |args: &[&str]| {
        let mut all = vec!["--context", SA];
        all.extend_from_slice(args);
        kubectl(&server, &all)
    };
    expect(as_sa(&["get", "pods"]), 1, "", FORBIDDEN);
    expect(
        kubectl(&server, ROLE),
        0,
        "role.rbac.authorization.k8s.io/bearertokenauth created\n",
        "",
    );
    expect(
        kubectl(&server, ROLEBINDING),
        0,
        "rolebinding.rbac.authorization.k8s.io/bearertoken-binding-bearertokenauth created\n",
        "",
    );
    expect(as_sa(&["get", "pods"]), 0, "", NO_PODS);
    expect(as_sa(&["auth", "can-i", "delete", "pods"]), 0, "yes\n", "");
    expect(
        kubectl(&server, &["delete", "namespace", "default"]),
        1,
        "",
        "Error from server (Forbidden): namespaces \"default\" is forbidden: this namespace may not be deleted\n",
    );
}
