//! The identity stack over real HTTPS: service-account tokens (TokenRequest, bound and
//! legacy), the static token file, RBAC with the bootstrap policy, escalation prevention,
//! impersonation, the four reviews, the issuer discovery documents and the token controller.
//! Expected bodies are the real server's (apiserver-spec.md §1.2-1.3, §2.6, §3).

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64::Engine;
use mock_apiserver::MockServer;
use mock_apiserver::authn::tokens::jwt::{BoundTokenClaims, DEFAULT_ISSUER, ObjectRef};
use serde_json::{Value, json};

use crate::util::{admin, anonymous};

const UNAUTHORIZED: &str = "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\",\"message\":\"Unauthorized\",\"reason\":\"Unauthorized\",\"code\":401}\n";

const SA: &str = "bearertokenauth";

fn forbidden_list_pods(user: &str) -> String {
    format!(
        "{{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{{}},\"status\":\"Failure\",\"message\":\"pods is forbidden: User \\\"{user}\\\" cannot list resource \\\"pods\\\" in API group \\\"\\\" in the namespace \\\"default\\\"\",\"reason\":\"Forbidden\",\"details\":{{\"kind\":\"pods\"}},\"code\":403}}\n"
    )
}

/// An HTTP answer: status, body text and headers.
struct Answer {
    status: u16,
    text: String,
    headers: reqwest::header::HeaderMap,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("{e}: {}", self.text))
    }
}

/// Sends `method path` with an optional bearer token and JSON body; `c` decides the TLS identity.
async fn call(
    server: &MockServer,
    c: &reqwest::Client,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> Answer {
    let mut r = c.request(method.parse().unwrap(), format!("{}{}", server.url(), path));
    if let Some(t) = token {
        r = r.bearer_auth(t);
    }
    if let Some(b) = body {
        r = r.json(&b);
    }
    let resp = r.send().await.unwrap();
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    Answer {
        status,
        text: resp.text().await.unwrap(),
        headers,
    }
}

async fn as_admin(server: &MockServer, method: &str, path: &str, body: Option<Value>) -> Answer {
    call(server, &admin(server), method, path, None, body).await
}

async fn with_token(
    server: &MockServer,
    method: &str,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> Answer {
    call(server, &anonymous(server), method, path, Some(token), body).await
}

async fn create_sa(server: &MockServer, name: &str) -> Value {
    let a = as_admin(
        server,
        "POST",
        "/api/v1/namespaces/default/serviceaccounts",
        Some(json!({"metadata": {"name": name}})),
    )
    .await;
    assert_eq!(a.status, 201, "{}", a.text);
    a.json()
}

async fn token_request(server: &MockServer, name: &str, spec: Value) -> Answer {
    as_admin(
        server,
        "POST",
        &format!("/api/v1/namespaces/default/serviceaccounts/{name}/token"),
        Some(
            json!({"apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest", "spec": spec}),
        ),
    )
    .await
}

async fn new_token(server: &MockServer, name: &str) -> String {
    let a = token_request(server, name, json!({})).await;
    assert_eq!(a.status, 201, "{}", a.text);
    a.json()["status"]["token"].as_str().unwrap().to_string()
}

/// The tutorial's Role and RoleBinding for `sa`, created by the admin.
async fn grant_pods(server: &MockServer, sa: &str) {
    let a = as_admin(
        server,
        "POST",
        "/apis/rbac.authorization.k8s.io/v1/namespaces/default/roles",
        Some(json!({"metadata": {"name": sa}, "rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["create", "get", "list", "update", "delete"]}]})),
    )
    .await;
    assert_eq!(a.status, 201, "{}", a.text);
    let a = as_admin(
        server,
        "POST",
        "/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings",
        Some(json!({
            "metadata": {"name": format!("bearertoken-binding-{sa}")},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": sa},
            "subjects": [{"kind": "ServiceAccount", "name": sa, "namespace": "default"}],
        })),
    )
    .await;
    assert_eq!(a.status, 201, "{}", a.text);
}

fn tamper(token: &str) -> String {
    // Flip the last signature character: still base64url, no longer a valid signature.
    let mut t = token.to_string();
    let last = t.pop().unwrap();
    t.push(if last == 'A' { 'B' } else { 'A' });
    t
}

async fn poll<T, F, Fut>(what: &str, mut f: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(v) = f().await {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn tutorial_flow_with_a_token_request_token() {
    let server = MockServer::builder().start().await.unwrap();
    let sa = create_sa(&server, SA).await;
    let a = token_request(&server, SA, json!({})).await;
    assert_eq!(a.status, 201, "{}", a.text);
    let tr = a.json();
    assert_eq!(tr["kind"], "TokenRequest");
    assert_eq!(tr["apiVersion"], "authentication.k8s.io/v1");
    assert_eq!(tr["spec"]["audiences"], json!([DEFAULT_ISSUER]));
    assert_eq!(tr["spec"]["expirationSeconds"], 3600);
    assert!(tr["spec"]["boundObjectRef"].is_null());
    let token = tr["status"]["token"].as_str().unwrap().to_string();

    // Authenticated as the ServiceAccount, refused by RBAC until the binding exists.
    let path = "/api/v1/namespaces/default/pods";
    let a = with_token(&server, "GET", path, &token, None).await;
    assert_eq!(a.status, 403);
    assert_eq!(
        a.text,
        forbidden_list_pods("system:serviceaccount:default:bearertokenauth")
    );
    grant_pods(&server, SA).await;
    let a = with_token(&server, "GET", path, &token, None).await;
    assert_eq!(a.status, 200, "{}", a.text);
    assert_eq!(a.json()["kind"], "PodList");
    assert_eq!(a.json()["items"], json!([]));

    // Who the server thinks we are.
    let a = with_token(
        &server,
        "POST",
        "/apis/authentication.k8s.io/v1/selfsubjectreviews",
        &token,
        Some(json!({"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"})),
    )
    .await;
    assert_eq!(a.status, 201, "{}", a.text);
    let user = &a.json()["status"]["userInfo"];
    assert_eq!(
        user["username"],
        "system:serviceaccount:default:bearertokenauth"
    );
    assert_eq!(user["uid"], sa["metadata"]["uid"]);
    assert_eq!(
        user["groups"],
        json!([
            "system:serviceaccounts",
            "system:serviceaccounts:default",
            "system:authenticated"
        ])
    );
    let jti = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(token.split('.').nth(1).unwrap())
        .map(|p| serde_json::from_slice::<Value>(&p).unwrap()["jti"].clone())
        .unwrap();
    assert_eq!(
        user["extra"]["authentication.kubernetes.io/credential-id"],
        json!([format!("JTI={}", jti.as_str().unwrap())])
    );

    // A tampered token is 401, never anonymous; so is a token of a deleted ServiceAccount,
    // once kube-apiserver's 10 s authentication cache has forgotten it
    // (answers-1.36.json: "token of the deleted sa within/after the 10 s cache").
    let a = with_token(&server, "GET", path, &tamper(&token), None).await;
    assert_eq!((a.status, a.text.as_str()), (401, UNAUTHORIZED));
    let a = with_token(&server, "GET", "/version", "not-a-token", None).await;
    assert_eq!((a.status, a.text.as_str()), (401, UNAUTHORIZED));
    let a = as_admin(
        &server,
        "DELETE",
        &format!("/api/v1/namespaces/default/serviceaccounts/{SA}"),
        None,
    )
    .await;
    assert_eq!(a.status, 200, "{}", a.text);
    server.advance_clock(Duration::from_secs(9));
    let a = with_token(&server, "GET", path, &token, None).await;
    assert_eq!(a.status, 200, "still cached: RBAC decides, {}", a.text);
    server.advance_clock(Duration::from_secs(2));
    let a = with_token(&server, "GET", path, &token, None).await;
    assert_eq!((a.status, a.text.as_str()), (401, UNAUTHORIZED));
    // Re-creating the name gives a new UID: the old token stays invalid.
    create_sa(&server, SA).await;
    let a = with_token(&server, "GET", path, &token, None).await;
    assert_eq!((a.status, a.text.as_str()), (401, UNAUTHORIZED));
}

#[tokio::test]
async fn expired_and_wrong_audience_tokens_are_401() {
    let server = MockServer::start().await.unwrap();
    let sa = create_sa(&server, SA).await;
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let claims = |audiences: Vec<String>, issued_at: i64, expires_at: i64| BoundTokenClaims {
        namespace: "default".into(),
        service_account: ObjectRef {
            name: SA.into(),
            uid: sa["metadata"]["uid"].as_str().unwrap().into(),
        },
        audiences,
        issued_at,
        expires_at,
        jti: "00000000-0000-4000-8000-000000000001".into(),
        bound: None,
        warn_after: None,
    };
    let tokens = server.service_account_tokens();
    let good = tokens
        .mint(&claims(vec![DEFAULT_ISSUER.into()], now - 10, now + 600))
        .unwrap();
    // Expired beyond the 60 s leeway.
    let expired = tokens
        .mint(&claims(vec![DEFAULT_ISSUER.into()], now - 7200, now - 3600))
        .unwrap();
    let other_audience = tokens
        .mint(&claims(vec!["vault".into()], now - 10, now + 600))
        .unwrap();
    let path = "/apis/authentication.k8s.io/v1/selfsubjectreviews";
    let body = json!({"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"});
    let a = with_token(&server, "POST", path, &good, Some(body.clone())).await;
    assert_eq!(a.status, 201, "{}", a.text);
    for bad in [&expired, &other_audience] {
        let a = with_token(&server, "POST", path, bad, Some(body.clone())).await;
        assert_eq!((a.status, a.text.as_str()), (401, UNAUTHORIZED));
    }
}

#[tokio::test]
async fn token_request_rules() {
    let server = MockServer::start().await.unwrap();
    create_sa(&server, SA).await;
    let a = token_request(
        &server,
        SA,
        json!({"expirationSeconds": 7200, "audiences": ["vault"]}),
    )
    .await;
    assert_eq!(a.status, 201, "{}", a.text);
    let v = a.json();
    assert_eq!(v["spec"]["audiences"], json!(["vault"]));
    assert_eq!(v["spec"]["expirationSeconds"], 7200);
    let a = token_request(&server, SA, json!({"expirationSeconds": 599})).await;
    assert_eq!(a.status, 422, "{}", a.text);
    assert!(
        a.json()["message"]
            .as_str()
            .unwrap()
            .contains("spec.expirationSeconds: Invalid value: 599: may not specify a duration less than 10 minutes"),
        "{}",
        a.text
    );
    let a = token_request(&server, "nosuchsa", json!({})).await;
    assert_eq!(
        (a.status, a.text.as_str()),
        (
            404,
            "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\",\"message\":\"serviceaccounts \\\"nosuchsa\\\" not found\",\"reason\":\"NotFound\",\"details\":{\"name\":\"nosuchsa\",\"kind\":\"serviceaccounts\"},\"code\":404}\n"
        )
    );
}

#[tokio::test]
async fn bootstrap_policy_for_anonymous_and_authenticated_users() {
    let server = MockServer::start().await.unwrap();
    let anon = anonymous(&server);
    // system:public-info-viewer: /version, /healthz for everyone.
    let a = call(&server, &anon, "GET", "/version", None, None).await;
    assert_eq!(a.status, 200, "{}", a.text);
    let a = call(&server, &anon, "GET", "/healthz", None, None).await;
    assert_eq!(a.status, 200, "{}", a.text);
    // Discovery is for authenticated users only.
    let a = call(&server, &anon, "GET", "/api", None, None).await;
    assert_eq!(
        (a.status, a.text.as_str()),
        (
            403,
            "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\",\"message\":\"forbidden: User \\\"system:anonymous\\\" cannot get path \\\"/api\\\"\",\"reason\":\"Forbidden\",\"details\":{},\"code\":403}\n"
        )
    );
    create_sa(&server, SA).await;
    let token = new_token(&server, SA).await;
    for path in [
        "/api",
        "/apis",
        "/api/v1",
        "/apis/rbac.authorization.k8s.io/v1",
    ] {
        let a = with_token(&server, "GET", path, &token, None).await;
        assert_eq!(a.status, 200, "{path}: {}", a.text);
    }
    // The admin (system:masters) may do anything, through RBAC's cluster-admin too.
    let a = as_admin(
        &server,
        "GET",
        "/apis/rbac.authorization.k8s.io/v1/clusterroles/cluster-admin",
        None,
    )
    .await;
    assert_eq!(a.status, 200, "{}", a.text);
    for name in [
        "admin",
        "edit",
        "view",
        "system:basic-user",
        "system:discovery",
        "system:public-info-viewer",
        "system:service-account-issuer-discovery",
    ] {
        let a = as_admin(
            &server,
            "GET",
            &format!("/apis/rbac.authorization.k8s.io/v1/clusterroles/{name}"),
            None,
        )
        .await;
        assert_eq!(a.status, 200, "{name}: {}", a.text);
    }
}

#[tokio::test]
async fn static_token_file_users() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("tokens.csv");
    std::fs::write(&file, "s3cr3t,jane,1001,\"dev,ops\"\n").unwrap();
    let server = MockServer::builder()
        .token_auth_file(&file)
        .start()
        .await
        .unwrap();
    let a = with_token(
        &server,
        "POST",
        "/apis/authentication.k8s.io/v1/selfsubjectreviews",
        "s3cr3t",
        Some(json!({"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"})),
    )
    .await;
    assert_eq!(a.status, 201, "{}", a.text);
    assert_eq!(
        a.json()["status"]["userInfo"],
        json!({"username": "jane", "uid": "1001", "groups": ["dev", "ops", "system:authenticated"]})
    );
    let a = with_token(
        &server,
        "GET",
        "/api/v1/namespaces/default/pods",
        "s3cr3t",
        None,
    )
    .await;
    assert_eq!(a.status, 403);
    assert_eq!(a.text, forbidden_list_pods("jane"));
    let a = with_token(
        &server,
        "GET",
        "/api/v1/namespaces/default/pods",
        "wrong",
        None,
    )
    .await;
    assert_eq!((a.status, a.text.as_str()), (401, UNAUTHORIZED));
    // A bad file fails start-up with an error naming it.
    std::fs::write(&file, "onlytoken\n").unwrap();
    let err = MockServer::builder()
        .token_auth_file(&file)
        .start()
        .await
        .unwrap_err();
    assert!(err.to_string().contains("tokens.csv"), "{err}");
}

#[tokio::test]
async fn issuer_discovery_verifies_tokens_with_an_independent_jwt_library() {
    let server = MockServer::start().await.unwrap();
    create_sa(&server, SA).await;
    let token = new_token(&server, SA).await;
    // system:service-account-issuer-discovery is bound to system:serviceaccounts.
    let a = with_token(
        &server,
        "GET",
        "/.well-known/openid-configuration",
        &token,
        None,
    )
    .await;
    assert_eq!(a.status, 200, "{}", a.text);
    assert_eq!(a.headers["content-type"], "application/json");
    assert_eq!(a.headers["cache-control"], "public, max-age=3600");
    let config = a.json();
    assert_eq!(config["issuer"], DEFAULT_ISSUER);
    assert_eq!(
        config["jwks_uri"],
        format!("{}/openid/v1/jwks", server.url())
    );
    assert_eq!(
        config["id_token_signing_alg_values_supported"],
        json!(["RS256"])
    );
    let a = with_token(&server, "GET", "/openid/v1/jwks", &token, None).await;
    assert_eq!(a.status, 200, "{}", a.text);
    assert_eq!(a.headers["content-type"], "application/jwk-set+json");
    // Anonymous users are not bound to the discovery role.
    let a = call(
        &server,
        &anonymous(&server),
        "GET",
        "/openid/v1/jwks",
        None,
        None,
    )
    .await;
    assert_eq!(a.status, 403, "{}", a.text);

    let set: jsonwebtoken::jwk::JwkSet =
        serde_json::from_str(&a_jwks(&server, &token).await).unwrap();
    let header = jsonwebtoken::decode_header(&token).unwrap();
    assert_eq!(header.alg, jsonwebtoken::Algorithm::RS256);
    let jwk = set
        .find(header.kid.as_deref().unwrap())
        .expect("kid in JWKS");
    let key = jsonwebtoken::DecodingKey::from_jwk(jwk).unwrap();
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
    validation.set_audience(&[DEFAULT_ISSUER]);
    validation.set_issuer(&[DEFAULT_ISSUER]);
    let data = jsonwebtoken::decode::<Value>(&token, &key, &validation).unwrap();
    assert_eq!(
        data.claims["sub"],
        "system:serviceaccount:default:bearertokenauth"
    );
    assert_eq!(data.claims["kubernetes.io"]["namespace"], "default");
    assert!(jsonwebtoken::decode::<Value>(tamper(&token), &key, &validation).is_err());
}

async fn a_jwks(server: &MockServer, token: &str) -> String {
    with_token(server, "GET", "/openid/v1/jwks", token, None)
        .await
        .text
}

#[tokio::test]
async fn legacy_mode_fills_the_token_secret_asynchronously() {
    let server = MockServer::builder()
        .legacy_token_secrets(true)
        .start()
        .await
        .unwrap();
    create_sa(&server, SA).await;
    let sa_path = format!("/api/v1/namespaces/default/serviceaccounts/{SA}");
    let secret_name = poll("the SA's token secret reference", || async {
        let sa = as_admin(&server, "GET", &sa_path, None).await.json();
        sa["secrets"][0]["name"].as_str().map(str::to_string)
    })
    .await;
    assert!(
        secret_name.starts_with("bearertokenauth-token-"),
        "{secret_name}"
    );
    assert_eq!(secret_name.len(), "bearertokenauth-token-".len() + 5);
    let secret = as_admin(
        &server,
        "GET",
        &format!("/api/v1/namespaces/default/secrets/{secret_name}"),
        None,
    )
    .await
    .json();
    assert_eq!(secret["type"], "kubernetes.io/service-account-token");
    let sa = as_admin(&server, "GET", &sa_path, None).await.json();
    assert_eq!(
        secret["metadata"]["annotations"],
        json!({"kubernetes.io/service-account.name": SA, "kubernetes.io/service-account.uid": sa["metadata"]["uid"]})
    );
    let b64 = base64::engine::general_purpose::STANDARD;
    assert_eq!(
        b64.decode(secret["data"]["namespace"].as_str().unwrap())
            .unwrap(),
        b"default"
    );
    assert_eq!(
        b64.decode(secret["data"]["ca.crt"].as_str().unwrap())
            .unwrap(),
        server.ca_pem().as_bytes()
    );
    let token = String::from_utf8(
        b64.decode(secret["data"]["token"].as_str().unwrap())
            .unwrap(),
    )
    .unwrap();
    let a = with_token(
        &server,
        "GET",
        "/api/v1/namespaces/default/pods",
        &token,
        None,
    )
    .await;
    assert_eq!(a.status, 403);
    assert_eq!(
        a.text,
        forbidden_list_pods("system:serviceaccount:default:bearertokenauth")
    );
    // Auto-generated legacy tokens draw the real server's warning.
    assert_eq!(
        a.headers["warning"],
        "299 - \"Use tokens from the TokenRequest API or manually created secret-based tokens instead of auto-generated secret-based tokens.\""
    );
    grant_pods(&server, SA).await;
    let a = with_token(
        &server,
        "GET",
        "/api/v1/namespaces/default/pods",
        &token,
        None,
    )
    .await;
    assert_eq!(a.status, 200, "{}", a.text);
    // The last-used label is kept, as LegacyServiceAccountTokenTracking does.
    let secret = as_admin(
        &server,
        "GET",
        &format!("/api/v1/namespaces/default/secrets/{secret_name}"),
        None,
    )
    .await
    .json();
    assert_eq!(
        secret["metadata"]["labels"]["kubernetes.io/legacy-token-last-used"]
            .as_str()
            .map(str::len),
        Some(10)
    );
    // Deleting the Secret drops the reference (and the token stops working once the
    // authentication cache forgets it); the controller then makes a new one, as 1.23 did.
    as_admin(
        &server,
        "DELETE",
        &format!("/api/v1/namespaces/default/secrets/{secret_name}"),
        None,
    )
    .await;
    let a = with_token(
        &server,
        "GET",
        "/api/v1/namespaces/default/pods",
        &token,
        None,
    )
    .await;
    assert_eq!(a.status, 200, "cached for 10 s: {}", a.text);
    server.advance_clock(Duration::from_secs(11));
    let a = with_token(
        &server,
        "GET",
        "/api/v1/namespaces/default/pods",
        &token,
        None,
    )
    .await;
    assert_eq!((a.status, a.text.as_str()), (401, UNAUTHORIZED));
    let replacement = poll("a replacement token secret", || async {
        let sa = as_admin(&server, "GET", &sa_path, None).await.json();
        let refs = sa["secrets"].as_array().cloned().unwrap_or_default();
        (refs.len() == 1 && refs[0]["name"] != secret_name.as_str())
            .then(|| refs[0]["name"].as_str().unwrap().to_string())
    })
    .await;
    assert!(replacement.starts_with("bearertokenauth-token-"));
}

#[tokio::test]
async fn token_controller_fills_and_deletes_token_secrets() {
    let server = MockServer::start().await.unwrap();
    create_sa(&server, SA).await;
    let a = as_admin(
        &server,
        "POST",
        "/api/v1/namespaces/default/secrets",
        Some(json!({
            "metadata": {"name": "sa-token", "annotations": {"kubernetes.io/service-account.name": SA}},
            "type": "kubernetes.io/service-account-token",
        })),
    )
    .await;
    assert_eq!(a.status, 201, "{}", a.text);
    let path = "/api/v1/namespaces/default/secrets/sa-token";
    let token = poll("the token controller to fill the secret", || async {
        let s = as_admin(&server, "GET", path, None).await.json();
        s["data"]["token"].as_str().map(|t| {
            String::from_utf8(base64::engine::general_purpose::STANDARD.decode(t).unwrap()).unwrap()
        })
    })
    .await;
    let a = with_token(
        &server,
        "POST",
        "/apis/authentication.k8s.io/v1/selfsubjectreviews",
        &token,
        Some(json!({"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"})),
    )
    .await;
    assert_eq!(a.status, 201, "{}", a.text);
    assert_eq!(
        a.json()["status"]["userInfo"]["username"],
        "system:serviceaccount:default:bearertokenauth"
    );
    // Not listed in the SA's secrets: no auto-generated warning.
    assert!(a.headers.get("warning").is_none());
    // Deleting the ServiceAccount deletes its token Secret.
    as_admin(
        &server,
        "DELETE",
        &format!("/api/v1/namespaces/default/serviceaccounts/{SA}"),
        None,
    )
    .await;
    poll("the token secret to be deleted", || async {
        (as_admin(&server, "GET", path, None).await.status == 404).then_some(())
    })
    .await;
}

#[tokio::test]
async fn escalation_is_refused_with_the_real_message() {
    let server = MockServer::start().await.unwrap();
    create_sa(&server, "privesc").await;
    let token = new_token(&server, "privesc").await;
    // The SA may write roles and rolebindings, but holds no pod permissions.
    let a = as_admin(
        &server,
        "POST",
        "/apis/rbac.authorization.k8s.io/v1/namespaces/default/roles",
        Some(json!({"metadata": {"name": "rbac-writer"}, "rules": [{"apiGroups": ["rbac.authorization.k8s.io"], "resources": ["roles", "rolebindings"], "verbs": ["create"]}]})),
    )
    .await;
    assert_eq!(a.status, 201, "{}", a.text);
    let a = as_admin(
        &server,
        "POST",
        "/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings",
        Some(json!({
            "metadata": {"name": "rbac-writer"},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "rbac-writer"},
            "subjects": [{"kind": "ServiceAccount", "name": "privesc", "namespace": "default"}],
        })),
    )
    .await;
    assert_eq!(a.status, 201, "{}", a.text);
    let a = with_token(
        &server,
        "POST",
        "/apis/rbac.authorization.k8s.io/v1/namespaces/default/roles",
        &token,
        Some(json!({"metadata": {"name": "delete-pod"}, "rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["delete"]}]})),
    )
    .await;
    assert_eq!(a.status, 403, "{}", a.text);
    let expected = json!({
        "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
        "message": "roles.rbac.authorization.k8s.io \"delete-pod\" is forbidden: user \"system:serviceaccount:default:privesc\" (groups=[\"system:serviceaccounts\" \"system:serviceaccounts:default\" \"system:authenticated\"]) is attempting to grant RBAC permissions not currently held:\n{APIGroups:[\"\"], Resources:[\"pods\"], Verbs:[\"delete\"]}",
        "reason": "Forbidden",
        "details": {"name": "delete-pod", "group": "rbac.authorization.k8s.io", "kind": "roles"},
        "code": 403,
    });
    assert_eq!(a.json(), expected);
    // Binding to a role the SA does not hold is refused too; the admin may do both.
    let binding = json!({
        "metadata": {"name": "delete-pod"},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "edit"},
        "subjects": [{"kind": "ServiceAccount", "name": "privesc", "namespace": "default"}],
    });
    let a = with_token(
        &server,
        "POST",
        "/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings",
        &token,
        Some(binding.clone()),
    )
    .await;
    assert_eq!(a.status, 403, "{}", a.text);
    assert!(
        a.json()["message"].as_str().unwrap().starts_with("rolebindings.rbac.authorization.k8s.io \"delete-pod\" is forbidden: user \"system:serviceaccount:default:privesc\""),
        "{}",
        a.text
    );
    let a = as_admin(
        &server,
        "POST",
        "/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings",
        Some(binding),
    )
    .await;
    assert_eq!(a.status, 201, "{}", a.text);
    // Holding the rules is enough: with edit bound, the SA may now create the pod role.
    let a = with_token(
        &server,
        "POST",
        "/apis/rbac.authorization.k8s.io/v1/namespaces/default/roles",
        &token,
        Some(json!({"metadata": {"name": "delete-pod"}, "rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["delete"]}]})),
    )
    .await;
    assert_eq!(a.status, 201, "{}", a.text);
}

#[tokio::test]
async fn impersonation_needs_the_impersonate_verb() {
    let server = MockServer::start().await.unwrap();
    create_sa(&server, SA).await;
    let token = new_token(&server, SA).await;
    let ssar = json!({"apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview",
        "spec": {"resourceAttributes": {"namespace": "default", "verb": "list", "resource": "pods"}}});
    // The admin impersonates the SA: the review is evaluated for the SA.
    let c = admin(&server);
    let send = |c: &reqwest::Client, token: Option<&str>| {
        let mut r = c
            .post(format!(
                "{}/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
                server.url()
            ))
            .header(
                "Impersonate-User",
                "system:serviceaccount:default:bearertokenauth",
            )
            .json(&ssar);
        if let Some(t) = token {
            r = r.bearer_auth(t);
        }
        r.send()
    };
    let v: Value = send(&c, None).await.unwrap().json().await.unwrap();
    assert_eq!(v["status"], json!({"allowed": false}));
    grant_pods(&server, SA).await;
    let v: Value = send(&c, None).await.unwrap().json().await.unwrap();
    assert_eq!(
        v["status"],
        json!({"allowed": true, "reason": "RBAC: allowed by RoleBinding \"bearertoken-binding-bearertokenauth/default\" of Role \"bearertokenauth\" to ServiceAccount \"bearertokenauth/default\""})
    );
    // The admin may impersonate anyone; the request then has jane's (lack of) rights.
    let r = c
        .get(format!("{}/api/v1/namespaces/default/pods", server.url()))
        .header("Impersonate-User", "jane")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert_eq!(r.text().await.unwrap(), forbidden_list_pods("jane"));
    // The SA itself may not impersonate.
    let anon = anonymous(&server);
    let r = anon
        .get(format!("{}/api/v1/namespaces/default/pods", server.url()))
        .bearer_auth(&token)
        .header("Impersonate-User", "jane")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert_eq!(
        r.text().await.unwrap(),
        "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\",\"message\":\"users \\\"jane\\\" is forbidden: User \\\"system:serviceaccount:default:bearertokenauth\\\" cannot impersonate resource \\\"users\\\" in API group \\\"\\\" at the cluster scope\",\"reason\":\"Forbidden\",\"details\":{\"name\":\"jane\",\"kind\":\"users\"},\"code\":403}\n"
    );
}

#[tokio::test]
async fn reviews_over_https() {
    let server = MockServer::start().await.unwrap();
    create_sa(&server, SA).await;
    let token = new_token(&server, SA).await;
    grant_pods(&server, SA).await;
    // SelfSubjectAccessReview, non-resource.
    let a = with_token(
        &server,
        "POST",
        "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
        &token,
        Some(json!({"apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview", "spec": {"nonResourceAttributes": {"path": "/healthz", "verb": "get"}}})),
    )
    .await;
    assert_eq!(a.status, 201, "{}", a.text);
    assert_eq!(a.json()["status"]["allowed"], true);
    // SelfSubjectRulesReview: the rules `kubectl auth can-i --list` prints (run 23).
    let a = with_token(
        &server,
        "POST",
        "/apis/authorization.k8s.io/v1/selfsubjectrulesreviews",
        &token,
        Some(json!({"apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectRulesReview", "spec": {"namespace": "default"}})),
    )
    .await;
    assert_eq!(a.status, 201, "{}", a.text);
    let status = a.json()["status"].clone();
    assert_eq!(status["incomplete"], false);
    assert!(
        status["resourceRules"]
            .as_array()
            .unwrap()
            .contains(&json!({"verbs": ["create", "get", "list", "update", "delete"], "apiGroups": [""], "resources": ["pods"]})),
        "{status}"
    );
    // TokenReview needs `create tokenreviews`: the SA lacks it, the admin has it.
    let review = json!({"apiVersion": "authentication.k8s.io/v1", "kind": "TokenReview", "spec": {"token": token}});
    let a = with_token(
        &server,
        "POST",
        "/apis/authentication.k8s.io/v1/tokenreviews",
        &token,
        Some(review.clone()),
    )
    .await;
    assert_eq!(a.status, 403, "{}", a.text);
    assert_eq!(
        a.json()["message"],
        "tokenreviews.authentication.k8s.io is forbidden: User \"system:serviceaccount:default:bearertokenauth\" cannot create resource \"tokenreviews\" in API group \"authentication.k8s.io\" at the cluster scope"
    );
    let a = as_admin(
        &server,
        "POST",
        "/apis/authentication.k8s.io/v1/tokenreviews",
        Some(review),
    )
    .await;
    assert_eq!(a.status, 201, "{}", a.text);
    let status = a.json()["status"].clone();
    assert_eq!(status["authenticated"], true);
    assert_eq!(
        status["user"]["username"],
        "system:serviceaccount:default:bearertokenauth"
    );
    assert_eq!(status["audiences"], json!([DEFAULT_ISSUER]));
    let a = as_admin(
        &server,
        "POST",
        "/apis/authentication.k8s.io/v1/tokenreviews",
        Some(json!({"apiVersion": "authentication.k8s.io/v1", "kind": "TokenReview", "spec": {"token": tamper(&token)}})),
    )
    .await;
    assert_eq!(a.status, 201, "{}", a.text);
    let status = a.json()["status"].clone();
    assert_eq!(status["authenticated"], Value::Null);
    assert!(
        status["error"]
            .as_str()
            .unwrap()
            .starts_with("[invalid bearer token, "),
        "{status}"
    );
}

#[tokio::test]
async fn authz_cache_delay_postpones_rbac_changes() {
    let server = MockServer::builder()
        .authz_cache_delay(Duration::from_millis(700))
        .start()
        .await
        .unwrap();
    create_sa(&server, SA).await;
    let token = new_token(&server, SA).await;
    grant_pods(&server, SA).await;
    let granted = Instant::now();
    let path = "/api/v1/namespaces/default/pods";
    let a = with_token(&server, "GET", path, &token, None).await;
    assert_eq!(a.status, 403, "the binding must not be visible at once");
    poll("the binding to take effect", || async {
        (with_token(&server, "GET", path, &token, None).await.status == 200).then_some(())
    })
    .await;
    let waited = granted.elapsed();
    assert!(
        waited >= Duration::from_millis(650),
        "took effect after {waited:?}"
    );
}

/// A 1.23 server (the tutorial's) predates `LegacyServiceAccountTokenTracking` (beta in
/// 1.27): its auto-generated legacy tokens draw no `Warning` and no last-used label.
#[tokio::test]
async fn a_1_23_server_neither_warns_about_nor_labels_legacy_tokens() {
    let server = MockServer::builder()
        .server_version("v1.23.1")
        .legacy_token_secrets(true)
        .start()
        .await
        .unwrap();
    create_sa(&server, SA).await;
    let sa_path = format!("/api/v1/namespaces/default/serviceaccounts/{SA}");
    let secret_path = poll("the SA's token secret reference", || async {
        let sa = as_admin(&server, "GET", &sa_path, None).await.json();
        sa["secrets"][0]["name"]
            .as_str()
            .map(|n| format!("/api/v1/namespaces/default/secrets/{n}"))
    })
    .await;
    let token = poll("the token controller", || async {
        let secret = as_admin(&server, "GET", &secret_path, None).await.json();
        secret["data"]["token"].as_str().map(str::to_string)
    })
    .await;
    let b64 = base64::engine::general_purpose::STANDARD;
    let token = String::from_utf8(b64.decode(token).unwrap()).unwrap();
    let a = with_token(
        &server,
        "GET",
        "/api/v1/namespaces/default/pods",
        &token,
        None,
    )
    .await;
    assert_eq!(
        a.status, 403,
        "authenticated, not yet authorized: {}",
        a.text
    );
    assert!(a.headers.get("warning").is_none(), "{:?}", a.headers);
    let secret = as_admin(&server, "GET", &secret_path, None).await.json();
    assert!(
        secret["metadata"]["labels"]
            .get("kubernetes.io/legacy-token-last-used")
            .is_none(),
        "{secret}"
    );
}

/// SubjectAccessReview and LocalSubjectAccessReview, over HTTP: the admin may ask about anyone
/// (201, answered for the user in the spec); a ServiceAccount without `create` on them may not.
#[tokio::test]
async fn subject_access_reviews_answer_for_the_spec_user_and_need_create() {
    let server = MockServer::start().await.unwrap();
    create_sa(&server, SA).await;
    let token = new_token(&server, SA).await;
    let spec = json!({"user": "system:serviceaccount:default:bearertokenauth",
        "resourceAttributes": {"namespace": "default", "verb": "list", "resource": "pods"}});
    let sar = json!({"apiVersion": "authorization.k8s.io/v1", "kind": "SubjectAccessReview", "spec": spec});
    let lsar = json!({"apiVersion": "authorization.k8s.io/v1", "kind": "LocalSubjectAccessReview", "spec": spec});
    let sar_url = format!(
        "{}/apis/authorization.k8s.io/v1/subjectaccessreviews",
        server.url()
    );
    let lsar_url = format!(
        "{}/apis/authorization.k8s.io/v1/namespaces/default/localsubjectaccessreviews",
        server.url()
    );
    let c = admin(&server);
    for (url, body) in [(&sar_url, &sar), (&lsar_url, &lsar)] {
        let r = c.post(url).json(body).send().await.unwrap();
        assert_eq!(r.status(), 201, "{url}");
        let v: Value = r.json().await.unwrap();
        assert_eq!(v["status"], json!({"allowed": false}), "{url}");
    }
    grant_pods(&server, SA).await;
    for (url, body) in [(&sar_url, &sar), (&lsar_url, &lsar)] {
        let v: Value = c
            .post(url)
            .json(body)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(v["status"]["allowed"], true, "{url}");
    }
    // The ServiceAccount itself may not ask about others.
    let anon = anonymous(&server);
    let r = anon
        .post(&sar_url)
        .bearer_auth(&token)
        .json(&sar)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let v: Value = r.json().await.unwrap();
    assert_eq!(
        v["message"],
        "subjectaccessreviews.authorization.k8s.io is forbidden: User \"system:serviceaccount:default:bearertokenauth\" cannot create resource \"subjectaccessreviews\" in API group \"authorization.k8s.io\" at the cluster scope"
    );
}
