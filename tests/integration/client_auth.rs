//! rawkube's authentication round trips against the mock's real identity stack:
//! bound (TokenRequest) and legacy (Secret) ServiceAccount tokens used as bearer
//! tokens, RBAC deciding 403 then 200 around a RoleBinding, the reviews, a static
//! token file, a tampered token's 401, and a kubeconfig written by rawkube that the
//! real `kubectl` uses against the mock.

use std::path::{Path, PathBuf};
use std::sync::LazyLock;
use std::time::{Duration, Instant, SystemTime};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use mock_apiserver::MockServer;

use rawkube::api::meta::ObjectMeta;
use rawkube::api::pod::Pod;
use rawkube::api::rbac::{PolicyRule, Role, RoleBinding, RoleRef, Subject};
use rawkube::api::review::SelfSubjectAccessReview;
use rawkube::api::secret::Secret;
use rawkube::api::serviceaccount::ServiceAccount;
use rawkube::api::token::{TokenRequest, TokenReview};
use rawkube::api::{Api, ListParams, PostParams};
use rawkube::config::{ConnectionConfig, Origin};
use rawkube::jwt::{self, TokenKind};
use rawkube::kubeconfig::{
    ClusterEdit, ContextEdit, CredentialsEdit, Kubeconfig, LoadOptions, Overrides,
};
use rawkube::{Client, Error};

use crate::support::openapi::Spec;

static SPEC: LazyLock<Spec> = LazyLock::new(Spec::load);

const NS: &str = "default";
const SA: &str = "bearertokenauth";
const SA_USER: &str = "system:serviceaccount:default:bearertokenauth";
const FORBIDDEN_LIST_PODS: &str = r#"Error from server (Forbidden): pods is forbidden: User "system:serviceaccount:default:bearertokenauth" cannot list resource "pods" in API group "" in the namespace "default""#;

fn admin(server: &MockServer) -> Client {
    Client::new(&ConnectionConfig {
        server: server.url().into(),
        ca_pem: Some(server.ca_pem().as_bytes().to_vec()),
        client_cert_pem: Some(server.admin_client_cert_pem().as_bytes().to_vec()),
        client_key_pem: Some(server.admin_client_key_pem().as_bytes().to_vec()),
        namespace: NS.into(),
        origin: Origin {
            cluster: Some("mock".into()),
            ..Default::default()
        },
        ..Default::default()
    })
    .expect("admin client")
}

/// A client that authenticates with `token` only (no client certificate).
fn bearer(server: &MockServer, token: &str) -> Client {
    Client::new(&ConnectionConfig {
        server: server.url().into(),
        ca_pem: Some(server.ca_pem().as_bytes().to_vec()),
        token: Some(token.into()),
        namespace: NS.into(),
        ..Default::default()
    })
    .expect("bearer client")
}

/// The tutorial's Role and RoleBinding for the ServiceAccount, created by `admin`.
async fn bind_pod_role(admin: &Client) {
    let role = Role {
        metadata: ObjectMeta::named(SA),
        rules: vec![PolicyRule::new(
            "",
            &["pods"],
            &["create", "get", "list", "update", "delete"],
        )],
        ..Default::default()
    };
    Api::<Role>::namespaced(admin, NS)
        .create(&role, &PostParams::default())
        .await
        .unwrap();
    let rb = RoleBinding {
        metadata: ObjectMeta::named("bearertoken-binding-bearertokenauth"),
        subjects: vec![Subject::service_account(NS, SA)],
        role_ref: RoleRef::role(SA),
        ..Default::default()
    };
    Api::<RoleBinding>::namespaced(admin, NS)
        .create(&rb, &PostParams::default())
        .await
        .unwrap();
}

/// Every body rawkube sent to `server` so far conforms to the published OpenAPI
/// request schema of its operation (`openapi-snippets/`). Returns how many were checked.
fn assert_sent_bodies_match_openapi(server: &MockServer) -> usize {
    let mut checked = 0;
    for e in server.journal().entries() {
        let (Some(body), true) = (
            &e.body,
            e.header("user-agent")
                .is_some_and(|ua| ua.starts_with("rawkube/")),
        ) else {
            continue;
        };
        if let Err(errors) = SPEC.validate_request_body(&e.method, &e.path, body) {
            panic!("{} {}: {errors:#?}\n{body:#}", e.method, e.path);
        }
        checked += 1;
    }
    checked
}

async fn can_list_pods(c: &Client) -> bool {
    c.self_subject_access_review(&SelfSubjectAccessReview::resource(NS, "list", "", "pods"))
        .await
        .unwrap()
        .allowed()
}

#[tokio::test]
async fn bound_token_is_refused_then_allowed_around_a_rolebinding() {
    let server = MockServer::start().await.unwrap();
    let admin = admin(&server);
    let sas: Api<ServiceAccount> = Api::namespaced(&admin, NS);
    let sa = sas
        .create(&ServiceAccount::named(SA), &PostParams::default())
        .await
        .unwrap();

    // No audiences: the server fills in its API audiences, so the token is good for it.
    let before = SystemTime::now();
    let issued = sas
        .create_token(SA, &TokenRequest::new(vec![], Some(600)))
        .await
        .unwrap();
    let token = issued.token().expect("status.token").to_string();
    let jwt = jwt::decode(&token).unwrap();
    assert_eq!(jwt.subject(), Some(SA_USER));
    assert!(!issued.spec.audiences.is_empty());
    assert_eq!(jwt.audiences(), issued.spec.audiences);
    assert_eq!(issued.spec.expiration_seconds, Some(600));
    assert_eq!(
        jwt.kind(),
        TokenKind::Bound {
            namespace: NS.into(),
            service_account: SA.into(),
            bound_to: None,
        }
    );
    let exp = jwt.expires_at().expect("a bound token expires");
    let iat = jwt.issued_at().expect("iat");
    assert_eq!(exp.duration_since(iat).unwrap(), Duration::from_secs(600));
    let lifetime = exp.duration_since(before).unwrap();
    assert!(
        lifetime > Duration::from_secs(590) && lifetime <= Duration::from_secs(601),
        "{lifetime:?}"
    );
    assert!(
        jwt.describe_expiry(SystemTime::now())
            .starts_with("expires in 9m 5"),
        "{}",
        jwt.describe_expiry(SystemTime::now())
    );
    assert_eq!(
        issued.status.as_ref().unwrap().expiration_timestamp,
        humantime::format_rfc3339_seconds(exp).to_string()
    );

    let as_sa = bearer(&server, &token);
    let pods: Api<Pod> = Api::namespaced(&as_sa, NS);
    let err = pods.list(&ListParams::default()).await.unwrap_err();
    assert!(err.is_forbidden(), "{err:?}");
    assert_eq!(err.code(), Some(403));
    assert_eq!(err.to_string(), FORBIDDEN_LIST_PODS);
    assert!(!can_list_pods(&as_sa).await);

    bind_pod_role(&admin).await;
    let list = pods.list(&ListParams::default()).await.unwrap();
    assert!(list.items.is_empty());
    assert!(can_list_pods(&as_sa).await);
    // The Role grants pods only.
    let err = Api::<Secret>::namespaced(&as_sa, NS)
        .list(&ListParams::default())
        .await
        .unwrap_err();
    assert!(err.is_forbidden(), "{err:?}");

    // Who the server thinks we are: the SA, with the token's credential id.
    let me = as_sa
        .self_subject_review()
        .await
        .unwrap()
        .status
        .unwrap()
        .user_info;
    assert_eq!(me.username, SA_USER);
    assert_eq!(me.uid, sa.metadata.uid);
    assert_eq!(
        me.groups,
        [
            "system:serviceaccounts",
            "system:serviceaccounts:default",
            "system:authenticated"
        ]
    );
    let jti = jwt.claims["jti"].as_str().unwrap();
    assert_eq!(
        me.extra["authentication.kubernetes.io/credential-id"],
        [format!("JTI={jti}")]
    );

    // The rules the SA now has in `default`: the Role's, besides the defaults.
    let rules = as_sa
        .self_subject_rules_review(NS)
        .await
        .unwrap()
        .status
        .unwrap();
    assert!(!rules.incomplete);
    assert!(
        rules.resource_rules.iter().any(|r| r.resources == ["pods"]
            && r.api_groups == [""]
            && r.verbs == ["create", "get", "list", "update", "delete"]),
        "{:?}",
        rules.resource_rules
    );
    assert!(
        rules
            .resource_rules
            .iter()
            .any(|r| r.resources == ["selfsubjectaccessreviews", "selfsubjectrulesreviews"]),
        "system:basic-user's rule: {:?}",
        rules.resource_rules
    );

    // TokenReview (the admin may create them; a fresh SA may not).
    let review = admin
        .create_token_review(&TokenReview::new(&token))
        .await
        .unwrap()
        .status
        .unwrap();
    assert!(review.authenticated, "{review:?}");
    assert_eq!(review.user.username, SA_USER);
    assert_eq!(review.user.uid, sa.metadata.uid);
    assert_eq!(review.audiences, issued.spec.audiences);
    let err = as_sa
        .create_token_review(&TokenReview::new(&token))
        .await
        .unwrap_err();
    assert!(err.is_forbidden(), "{err:?}");
    let checked = assert_sent_bodies_match_openapi(&server);
    assert!(checked >= 8, "{checked}");
}

#[tokio::test]
async fn token_request_errors_map_like_kubectl() {
    let server = MockServer::start().await.unwrap();
    let admin = admin(&server);
    let sas: Api<ServiceAccount> = Api::namespaced(&admin, NS);
    let err = sas
        .create_token("nosuch", &TokenRequest::new(vec![], None))
        .await
        .unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
    assert_eq!(
        err.to_string(),
        r#"Error from server (NotFound): serviceaccounts "nosuch" not found"#
    );

    sas.create(&ServiceAccount::named(SA), &PostParams::default())
        .await
        .unwrap();
    let err = sas
        .create_token(SA, &TokenRequest::new(vec![], Some(60)))
        .await
        .unwrap_err();
    assert!(err.is_invalid(), "{err:?}");
    assert_eq!(err.code(), Some(422));
    // apiserver-spec.md: the name in the message is `""`.
    assert_eq!(
        err.to_string(),
        r#"Error from server (Invalid): TokenRequest.authentication.k8s.io "" is invalid: spec.expirationSeconds: Invalid value: 60: may not specify a duration less than 10 minutes"#
    );
    // Without expirationSeconds the server's default applies: one hour.
    let issued = sas
        .create_token(SA, &TokenRequest::new(vec![], None))
        .await
        .unwrap();
    assert_eq!(issued.spec.expiration_seconds, Some(3600));
    let jwt = jwt::decode(issued.token().unwrap()).unwrap();
    assert_eq!(
        jwt.expires_at()
            .unwrap()
            .duration_since(jwt.issued_at().unwrap())
            .unwrap(),
        Duration::from_secs(3600)
    );
    let checked = assert_sent_bodies_match_openapi(&server);
    assert!(checked >= 4, "{checked}");
}

/// `token` with its `sub` claim rewritten and the signature kept.
fn tamper(token: &str) -> String {
    let parts: Vec<&str> = token.split('.').collect();
    let mut claims: serde_json::Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
    claims["sub"] = "system:serviceaccount:kube-system:admin".into();
    let forged = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims).unwrap());
    format!("{}.{forged}.{}", parts[0], parts[2])
}

#[tokio::test]
async fn a_tampered_token_is_unauthorized() {
    let server = MockServer::builder().start().await.unwrap();
    let admin = admin(&server);
    let sas: Api<ServiceAccount> = Api::namespaced(&admin, NS);
    sas.create(&ServiceAccount::named(SA), &PostParams::default())
        .await
        .unwrap();
    let token = sas
        .create_token(SA, &TokenRequest::new(vec![], None))
        .await
        .unwrap()
        .token()
        .unwrap()
        .to_string();
    // The genuine token authenticates (even for a call RBAC then refuses).
    let ok = bearer(&server, &token).self_subject_review().await.unwrap();
    assert_eq!(ok.status.unwrap().user_info.username, SA_USER);

    let forged = tamper(&token);
    // Decoding does not verify: the forged claims read fine.
    assert_eq!(
        jwt::decode(&forged).unwrap().subject(),
        Some("system:serviceaccount:kube-system:admin")
    );
    let err = Api::<Pod>::namespaced(&bearer(&server, &forged), NS)
        .list(&ListParams::default())
        .await
        .unwrap_err();
    assert!(err.is_unauthorized(), "{err:?}");
    assert_eq!(err.code(), Some(401));
    assert_eq!(
        err.to_string(),
        "error: You must be logged in to the server (Unauthorized)"
    );
    let review = admin
        .create_token_review(&TokenReview::new(&forged))
        .await
        .unwrap()
        .status
        .unwrap();
    assert!(!review.authenticated, "{review:?}");
    assert!(!review.error.is_empty());

    // A token for a ServiceAccount deleted since is refused too, once the server's token
    // cache has let it go (10 s).
    sas.delete(SA).await.unwrap();
    assert!(bearer(&server, &token).self_subject_review().await.is_ok());
    server.advance_clock(Duration::from_secs(11));
    let err = bearer(&server, &token)
        .self_subject_review()
        .await
        .unwrap_err();
    assert!(err.is_unauthorized(), "{err:?}");
    let checked = assert_sent_bodies_match_openapi(&server);
    assert!(checked >= 4, "{checked}");
}

/// Polls the ServiceAccount until the token controller has listed a Secret in it.
async fn first_secret_of(sas: &Api<ServiceAccount>, name: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let sa = sas.get(name).await.unwrap();
        if let Some(s) = sa.secrets.first() {
            return s.name.clone();
        }
        assert!(
            Instant::now() < deadline,
            "no secrets[0] in ServiceAccount {name}: {sa:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn legacy_token_secret_path_gives_a_usable_bearer_token() {
    let server = MockServer::builder()
        .legacy_token_secrets(true)
        .start()
        .await
        .unwrap();
    let admin = admin(&server);
    let sas: Api<ServiceAccount> = Api::namespaced(&admin, NS);
    let sa = sas
        .create(&ServiceAccount::named(SA), &PostParams::default())
        .await
        .unwrap();

    // Kubernetes 1.23: SA -> secrets[0] -> Secret -> data.token.
    let secret_name = first_secret_of(&sas, SA).await;
    assert!(
        secret_name.starts_with("bearertokenauth-token-"),
        "{secret_name}"
    );
    let secrets: Api<Secret> = Api::namespaced(&admin, NS);
    let token = secrets
        .wait_for_token(&secret_name, Duration::from_secs(5))
        .await
        .unwrap();
    let secret = secrets.get(&secret_name).await.unwrap();
    assert_eq!(secret.type_, "kubernetes.io/service-account-token");
    assert_eq!(
        secret.metadata.annotations["kubernetes.io/service-account.name"],
        SA
    );
    assert_eq!(secret.data["ca.crt"], server.ca_pem().as_bytes());

    let jwt = jwt::decode(&token).unwrap();
    assert_eq!(
        jwt.kind(),
        TokenKind::Legacy {
            namespace: NS.into(),
            service_account: SA.into(),
            secret: secret_name.clone(),
        }
    );
    assert_eq!(jwt.subject(), Some(SA_USER));
    assert_eq!(jwt.expires_at(), None);
    assert_eq!(jwt.describe_expiry(SystemTime::now()), "never expires");

    let as_sa = bearer(&server, &token);
    let me = as_sa
        .self_subject_review()
        .await
        .unwrap()
        .status
        .unwrap()
        .user_info;
    assert_eq!(me.username, SA_USER);
    assert_eq!(me.uid, sa.metadata.uid);
    let pods: Api<Pod> = Api::namespaced(&as_sa, NS);
    let err = pods.list(&ListParams::default()).await.unwrap_err();
    assert_eq!(err.to_string(), FORBIDDEN_LIST_PODS);
    bind_pod_role(&admin).await;
    assert!(
        pods.list(&ListParams::default())
            .await
            .unwrap()
            .items
            .is_empty()
    );

    let review = admin
        .create_token_review(&TokenReview::new(&token))
        .await
        .unwrap()
        .status
        .unwrap();
    assert!(review.authenticated, "{review:?}");
    assert_eq!(review.user.username, SA_USER);

    // Deleting the Secret revokes the legacy token (it has no expiry of its own), once the
    // server's token cache has let it go (10 s).
    secrets.delete(&secret_name).await.unwrap();
    assert!(pods.list(&ListParams::default()).await.is_ok());
    server.advance_clock(Duration::from_secs(11));
    let err = pods.list(&ListParams::default()).await.unwrap_err();
    assert!(err.is_unauthorized(), "{err:?}");
    let checked = assert_sent_bodies_match_openapi(&server);
    assert!(checked >= 4, "{checked}");
}

#[tokio::test]
async fn access_and_who_am_i_reviews_for_the_cert_admin() {
    let server = MockServer::start().await.unwrap();
    let admin = admin(&server);
    let me = admin
        .self_subject_review()
        .await
        .unwrap()
        .status
        .unwrap()
        .user_info;
    assert_eq!(me.username, "kubernetes-admin");
    assert_eq!(me.groups, ["system:masters", "system:authenticated"]);
    assert!(can_list_pods(&admin).await);

    let (cert, key) = server.issue_client_cert("jane", &["devs"]).unwrap();
    let jane = Client::new(&ConnectionConfig {
        server: server.url().into(),
        ca_pem: Some(server.ca_pem().as_bytes().to_vec()),
        client_cert_pem: Some(cert.into_bytes()),
        client_key_pem: Some(key.into_bytes()),
        ..Default::default()
    })
    .unwrap();
    assert!(!can_list_pods(&jane).await);
    let jane_is = jane
        .self_subject_review()
        .await
        .unwrap()
        .status
        .unwrap()
        .user_info;
    assert_eq!(jane_is.username, "jane");
    assert_eq!(jane_is.groups, ["devs", "system:authenticated"]);
    let checked = assert_sent_bodies_match_openapi(&server);
    assert!(checked >= 4, "{checked}");
}

/// A token file in kube-apiserver's `--token-auth-file` CSV format.
fn token_csv(dir: &Path) -> PathBuf {
    let path = dir.join("tokens.csv");
    std::fs::write(&path, "s3cr3t-alice-token,alice,1001,\"devs,ops\"\n").unwrap();
    path
}

#[tokio::test]
async fn static_token_file_bearer_auth() {
    let dir = tempfile::tempdir().unwrap();
    let server = MockServer::builder()
        .token_auth_file(token_csv(dir.path()))
        .start()
        .await
        .unwrap();
    // The client reads its token from a file, as with a kubeconfig `tokenFile`.
    let token_file = dir.path().join("token");
    std::fs::write(&token_file, "s3cr3t-alice-token\n").unwrap();
    let conn = ConnectionConfig {
        server: server.url().into(),
        ca_pem: Some(server.ca_pem().as_bytes().to_vec()),
        token_file: Some(token_file.clone()),
        namespace: NS.into(),
        ..Default::default()
    };
    let alice = Client::new(&conn).unwrap();
    let me = alice
        .self_subject_review()
        .await
        .unwrap()
        .status
        .unwrap()
        .user_info;
    assert_eq!(me.username, "alice");
    assert_eq!(me.uid, "1001");
    assert_eq!(me.groups, ["devs", "ops", "system:authenticated"]);
    let err = Api::<Pod>::namespaced(&alice, NS)
        .list(&ListParams::default())
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        r#"Error from server (Forbidden): pods is forbidden: User "alice" cannot list resource "pods" in API group "" in the namespace "default""#
    );
    let sent = server.journal().entries().pop().unwrap();
    assert_eq!(sent.user.username, "alice");
    // The journal redacts credentials; the user above shows which token was sent.
    assert_eq!(sent.header("authorization"), Some("Bearer <redacted>"));
    assert!(sent.header("user-agent").unwrap().starts_with("rawkube/"));

    // A token the file does not list is a 401 (a new client: like client-go, a
    // client caches the file's token for a while rather than re-reading per request).
    std::fs::write(&token_file, "not-in-the-csv").unwrap();
    let err = Client::new(&conn)
        .unwrap()
        .self_subject_review()
        .await
        .unwrap_err();
    assert!(err.is_unauthorized(), "{err:?}");
    assert_eq!(
        err.to_string(),
        "error: You must be logged in to the server (Unauthorized)"
    );

    // A token file that cannot be read names the file.
    let missing = dir.path().join("no-such-token");
    let err = Client::new(&ConnectionConfig {
        token_file: Some(missing.clone()),
        ..conn
    })
    .unwrap()
    .self_subject_review()
    .await
    .unwrap_err();
    assert!(matches!(err, Error::TokenFile { .. }), "{err:?}");
    assert!(
        err.to_string().starts_with(&format!(
            "cannot read the bearer token file {}: ",
            missing.display()
        )),
        "{err}"
    );
    let checked = assert_sent_bodies_match_openapi(&server);
    assert!(checked >= 1, "{checked}");
}

/// Where kubectl is, or None (test skipped) unless RAWKUBE_REQUIRE_KUBECTL=1.
fn kubectl_or_skip(test: &str) -> Option<PathBuf> {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join("kubectl"))
            .find(|p| p.is_file())
    });
    if found.is_none() {
        if std::env::var("RAWKUBE_REQUIRE_KUBECTL").as_deref() == Ok("1") {
            panic!("kubectl is not on PATH and RAWKUBE_REQUIRE_KUBECTL=1");
        }
        eprintln!("{test}: skipped, kubectl is not on PATH");
    }
    found
}

/// Runs kubectl with a private HOME, a fresh `--cache-dir` and `--kubeconfig`;
/// returns (exit code, stdout, stderr).
async fn kubectl(
    bin: &Path,
    scratch: &Path,
    kubeconfig: &Path,
    args: &[&str],
) -> (i32, String, String) {
    let cache = tempfile::tempdir_in(scratch).unwrap();
    // Async: the mock serves on this test's runtime.
    let out = tokio::process::Command::new(bin)
        .env("HOME", scratch)
        .env_remove("KUBECONFIG")
        .arg("--cache-dir")
        .arg(cache.path())
        .arg("--kubeconfig")
        .arg(kubeconfig)
        .args(args)
        .output()
        .await
        .expect("run kubectl");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test]
async fn kubectl_uses_a_kubeconfig_written_by_rawkube() {
    let Some(bin) = kubectl_or_skip("kubectl_uses_a_kubeconfig_written_by_rawkube") else {
        return;
    };
    let server = MockServer::start().await.unwrap();
    let admin = admin(&server);
    let sas: Api<ServiceAccount> = Api::namespaced(&admin, NS);
    sas.create(&ServiceAccount::named(SA), &PostParams::default())
        .await
        .unwrap();
    let token = sas
        .create_token(SA, &TokenRequest::new(vec![], None))
        .await
        .unwrap()
        .token()
        .unwrap()
        .to_string();

    let dir = tempfile::tempdir().unwrap();
    let ca = dir.path().join("ca.crt");
    std::fs::write(&ca, server.ca_pem()).unwrap();
    let file = dir.path().join("kube").join("config");
    let mut kc = Kubeconfig::load(&LoadOptions::file(&file)).unwrap();
    kc.set_cluster(
        "mock",
        &ClusterEdit {
            server: Some(server.url().into()),
            certificate_authority: Some(ca.clone()),
            embed_certs: true,
            ..Default::default()
        },
    )
    .unwrap();
    kc.set_credentials(
        SA,
        &CredentialsEdit {
            token: Some(token.clone()),
            ..Default::default()
        },
    )
    .unwrap();
    kc.set_context(
        Some("bearertokenauth-context"),
        &ContextEdit {
            cluster: Some("mock".into()),
            user: Some(SA.into()),
            namespace: Some(NS.into()),
        },
    )
    .unwrap();
    let out = kc.use_context("bearertokenauth-context").unwrap();
    assert_eq!(
        out.message,
        r#"Switched to context "bearertokenauth-context"."#
    );
    // The CA is embedded: the file stands alone.
    std::fs::remove_file(&ca).unwrap();

    let scratch = dir.path().join("scratch");
    std::fs::create_dir(&scratch).unwrap();
    let (b, s, f) = (&bin, &scratch, &file);
    let run = move |args: &'static [&'static str]| kubectl(b, s, f, args);

    let (rc, stdout, _) = run(&["config", "current-context"]).await;
    assert_eq!((rc, stdout.as_str()), (0, "bearertokenauth-context\n"));
    let (rc, stdout, stderr) = run(&[
        "config",
        "view",
        "--minify",
        "-o",
        "jsonpath={.clusters[0].cluster.server} {.contexts[0].context.namespace} {.users[0].name}",
    ])
    .await;
    assert_eq!(rc, 0, "{stderr}");
    assert_eq!(stdout, format!("{} default bearertokenauth", server.url()));

    // Before the binding: the SA's request reaches the mock and RBAC refuses it.
    let (rc, stdout, stderr) = run(&["get", "pods"]).await;
    assert_eq!(rc, 1, "{stdout}{stderr}");
    assert_eq!(stderr.trim_end(), FORBIDDEN_LIST_PODS);

    bind_pod_role(&admin).await;
    let (rc, stdout, stderr) = run(&["get", "pods"]).await;
    assert_eq!(rc, 0, "{stderr}");
    assert_eq!(stdout, "");
    assert_eq!(stderr, "No resources found in default namespace.\n");

    // kubectl authenticated as the SA with the token rawkube wrote.
    let listed = server
        .journal()
        .entries()
        .into_iter()
        .rev()
        .find(|e| e.method == "GET" && e.path == "/api/v1/namespaces/default/pods")
        .expect("kubectl's list");
    assert_eq!(listed.user.username, SA_USER);
    assert!(
        listed
            .header("user-agent")
            .unwrap_or_default()
            .starts_with("kubectl"),
        "{:?}",
        listed.header("user-agent")
    );

    // And rawkube reads the same file back to the same identity.
    let conn = Kubeconfig::load(&LoadOptions::file(&file))
        .unwrap()
        .resolve(&Overrides::default())
        .unwrap();
    let me = Client::new(&conn)
        .unwrap()
        .self_subject_review()
        .await
        .unwrap();
    assert_eq!(me.status.unwrap().user_info.username, SA_USER);
    let checked = assert_sent_bodies_match_openapi(&server);
    assert!(checked >= 4, "{checked}");
}
