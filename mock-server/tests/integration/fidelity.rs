//! Behaviours a real kube-apiserver shows outside the recorded corpus, each with the source it
//! follows: list paging (`apiserver/pkg/storage/continue.go`, `etcd3/store.go`), indented JSON
//! (`handlers/negotiation.isPrettyPrint`, `responsewriters.WriteRawJSON`), the 3 MiB body limit
//! (`handlers/rest.go limitedReadBody`), Go's answer to plain HTTP on a TLS port
//! (`net/http (*conn).serve`), NamespaceLifecycle's immortal namespaces, and the answers that
//! depend on `--server-version`.

use std::io::{Read, Write};
use std::time::Duration;

use base64::Engine as _;
use mock_apiserver::MockServer;
use serde_json::{Value, json};

use crate::util::admin;

async fn send(
    server: &MockServer,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<Vec<u8>>,
) -> (u16, String) {
    let mut req = admin(server).request(method.parse().unwrap(), format!("{}{path}", server.url()));
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    if let Some(b) = body {
        req = req.body(b);
    }
    let r = req.send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

async fn post_json(server: &MockServer, path: &str, body: Value) -> (u16, Value) {
    let (s, text) = send(
        server,
        "POST",
        path,
        &[("content-type", "application/json")],
        Some(body.to_string().into_bytes()),
    )
    .await;
    (s, serde_json::from_str(&text).unwrap_or(Value::Null))
}

async fn get_json(server: &MockServer, path: &str) -> (u16, Value) {
    let (s, text) = send(server, "GET", path, &[], None).await;
    (s, serde_json::from_str(&text).unwrap_or(Value::Null))
}

fn names(list: &Value) -> Vec<String> {
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            format!(
                "{}/{}",
                i["metadata"]["namespace"].as_str().unwrap_or(""),
                i["metadata"]["name"].as_str().unwrap()
            )
        })
        .collect()
}

fn token_of(list: &Value) -> Value {
    let t = list["metadata"]["continue"].as_str().unwrap();
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(t)
        .unwrap();
    serde_json::from_slice(&raw).unwrap()
}

#[tokio::test]
async fn paging_follows_the_storage_layer() {
    let server = MockServer::start().await.unwrap();
    for ns in ["pg", "pg-x"] {
        post_json(
            &server,
            "/api/v1/namespaces",
            json!({"metadata": {"name": ns}}),
        )
        .await;
    }
    let cms = "/api/v1/namespaces/pg/configmaps";
    for (name, team) in [("a", "x"), ("b", "y"), ("c", "y"), ("d", "y"), ("e", "x")] {
        let (s, _) = post_json(
            &server,
            cms,
            json!({"metadata": {"name": name, "labels": {"team": team}}}),
        )
        .await;
        assert_eq!(s, 201);
    }
    // a b c d e kube-root-ca.crt: a page of two, a token starting after "b", four to go.
    let (_, page1) = get_json(&server, &format!("{cms}?limit=2")).await;
    assert_eq!(names(&page1), ["pg/a", "pg/b"]);
    let rv1 = page1["metadata"]["resourceVersion"].clone();
    assert_eq!(
        token_of(&page1),
        json!({"v": "meta.k8s.io/v1", "rv": rv1.as_str().unwrap().parse::<u64>().unwrap(), "start": "b\u{0}"})
    );
    assert_eq!(page1["metadata"]["remainingItemCount"], 4);
    // The next page is read at the first page's resourceVersion.
    post_json(&server, cms, json!({"metadata": {"name": "zz"}})).await;
    let c = page1["metadata"]["continue"].as_str().unwrap();
    let (_, page2) = get_json(&server, &format!("{cms}?limit=2&continue={c}")).await;
    assert_eq!(names(&page2), ["pg/c", "pg/d"]);
    assert_eq!(page2["metadata"]["resourceVersion"], rv1);
    // With a selector there is no remainingItemCount, and any object after a full page earns
    // a token, even when nothing after it matches.
    let (_, sel) = get_json(&server, &format!("{cms}?limit=1&labelSelector=team%3Dx")).await;
    assert_eq!(names(&sel), ["pg/a"]);
    assert!(sel["metadata"].get("remainingItemCount").is_none(), "{sel}");
    let c = sel["metadata"]["continue"].as_str().unwrap();
    let (_, sel2) = get_json(
        &server,
        &format!("{cms}?limit=1&labelSelector=team%3Dx&continue={c}"),
    )
    .await;
    assert_eq!(names(&sel2), ["pg/e"]);
    let c = sel2["metadata"]["continue"].as_str().unwrap();
    let (_, sel3) = get_json(
        &server,
        &format!("{cms}?limit=1&labelSelector=team%3Dx&continue={c}"),
    )
    .await;
    assert!(names(&sel3).is_empty());
    assert!(sel3["metadata"].get("continue").is_none(), "{sel3}");
    // A continued list cannot ask for a resourceVersion; a bad token is a 400.
    let (s, e) = get_json(
        &server,
        &format!("{cms}?limit=2&continue={c}&resourceVersion=5"),
    )
    .await;
    assert_eq!(
        (s, e["message"].as_str()),
        (
            400,
            Some("specifying resource version is not allowed when using continue")
        )
    );
    let (s, e) = get_json(&server, &format!("{cms}?continue=e30")).await;
    assert_eq!(s, 400);
    assert_eq!(
        e["message"],
        "invalid continue token: continue key is not valid: server does not recognize this encoded version "
    );
    // Across namespaces the storage key orders: "pg-x/..." sorts before "pg/..." ('-' < '/').
    post_json(
        &server,
        "/api/v1/namespaces/pg-x/configmaps",
        json!({"metadata": {"name": "a"}}),
    )
    .await;
    let (_, all) = get_json(&server, "/api/v1/configmaps?labelSelector=").await;
    let ours: Vec<String> = names(&all)
        .into_iter()
        .filter(|n| n.starts_with("pg"))
        .filter(|n| n.ends_with("/a") || n.ends_with("kube-root-ca.crt"))
        .collect();
    assert_eq!(
        ours,
        [
            "pg-x/a",
            "pg-x/kube-root-ca.crt",
            "pg/a",
            "pg/kube-root-ca.crt"
        ]
    );
}

#[tokio::test]
async fn json_is_indented_for_curl_and_pretty() {
    let server = MockServer::start().await.unwrap();
    let path = "/api/v1/namespaces/default";
    let (_, compact) = send(&server, "GET", path, &[("user-agent", "rawkube/0.1")], None).await;
    assert!(compact.starts_with("{\"kind\":\"Namespace\""), "{compact}");
    assert!(compact.ends_with("}\n"));
    for (headers, query) in [
        (vec![("user-agent", "curl/8.5.0")], ""),
        (vec![("user-agent", "Wget/1.21")], ""),
        (vec![("user-agent", "rawkube/0.1")], "?pretty=true"),
        (vec![("accept", "application/json;pretty=1")], ""),
    ] {
        let (_, text) = send(&server, "GET", &format!("{path}{query}"), &headers, None).await;
        assert!(
            text.starts_with("{\n  \"kind\": \"Namespace\",\n  \"apiVersion\": \"v1\","),
            "{headers:?} {query}: {text}"
        );
        assert!(
            text.ends_with("\n}"),
            "MarshalIndent adds no newline: {text:?}"
        );
        let v: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v, serde_json::from_str::<Value>(&compact).unwrap());
    }
    // An explicit pretty=false wins over the User-Agent; errors are indented too.
    let (_, text) = send(
        &server,
        "GET",
        &format!("{path}?pretty=false"),
        &[("user-agent", "curl/8")],
        None,
    )
    .await;
    assert!(text.starts_with("{\"kind\""), "{text}");
    let (s, text) = send(
        &server,
        "GET",
        "/api/v1/namespaces/nope",
        &[("user-agent", "curl/8")],
        None,
    )
    .await;
    assert_eq!(s, 404);
    assert!(text.starts_with("{\n  \"kind\": \"Status\""), "{text}");
    // /version is written with WriteRawJSON: always indented.
    let (_, text) = send(&server, "GET", "/version", &[], None).await;
    assert!(text.starts_with("{\n  \"major\": \"1\","), "{text}");
}

#[tokio::test]
async fn a_body_over_three_mebibytes_gets_the_413_status() {
    let server = MockServer::start().await.unwrap();
    let path = "/api/v1/namespaces/default/configmaps";
    let limit = 3 * 1024 * 1024;
    let (s, text) = send(
        &server,
        "POST",
        path,
        &[("content-type", "application/json")],
        Some(vec![b' '; limit + 1]),
    )
    .await;
    assert_eq!(s, 413, "{text}");
    assert_eq!(
        text,
        "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\",\"message\":\"Request entity too large: limit is 3145728\",\"reason\":\"RequestEntityTooLarge\",\"code\":413}\n"
    );
    // The limit itself is allowed (and then not JSON).
    let (s, _) = send(
        &server,
        "POST",
        path,
        &[("content-type", "application/json")],
        Some(vec![b' '; limit]),
    )
    .await;
    assert_eq!(s, 400);
}

#[test]
fn plain_http_on_the_tls_port_gets_gos_400() {
    let server = MockServer::start_blocking().unwrap();
    let exchange = |request: &[u8]| {
        let mut tcp = std::net::TcpStream::connect(server.addr()).unwrap();
        tcp.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        tcp.write_all(request).unwrap();
        let mut out = Vec::new();
        let _ = tcp.read_to_end(&mut out);
        out
    };
    assert_eq!(
        exchange(b"GET /version HTTP/1.1\r\nHost: localhost\r\nUser-Agent: curl/8\r\n\r\n"),
        b"HTTP/1.0 400 Bad Request\r\n\r\nClient sent an HTTP request to an HTTPS server.\n"
    );
    // Go answers only GET /, HEAD, POST, PUT / and OPTIONS; anything else fails TLS.
    let other = exchange(b"DELETE /api HTTP/1.1\r\nHost: localhost\r\n\r\n");
    assert!(!other.starts_with(b"HTTP/"), "{other:?}");
}

#[tokio::test]
async fn the_immortal_namespaces_cannot_be_deleted() {
    let server = MockServer::start().await.unwrap();
    for ns in ["default", "kube-system", "kube-public"] {
        let (s, text) = send(
            &server,
            "DELETE",
            &format!("/api/v1/namespaces/{ns}?dryRun=All"),
            &[],
            None,
        )
        .await;
        assert_eq!(s, 403, "{text}");
        assert_eq!(
            text,
            format!(
                "{{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{{}},\"status\":\"Failure\",\"message\":\"namespaces \\\"{ns}\\\" is forbidden: this namespace may not be deleted\",\"reason\":\"Forbidden\",\"details\":{{\"name\":\"{ns}\",\"kind\":\"namespaces\"}},\"code\":403}}\n"
            )
        );
    }
    let (s, _) = send(
        &server,
        "DELETE",
        "/api/v1/namespaces/kube-node-lease",
        &[],
        None,
    )
    .await;
    assert_eq!(s, 200);
}

#[tokio::test]
async fn undecodable_bodies_get_the_decoders_texts() {
    let server = MockServer::start().await.unwrap();
    let path = "/apis/rbac.authorization.k8s.io/v1/namespaces/default/roles";
    let post = |body: &'static str| {
        send(
            &server,
            "POST",
            path,
            &[("content-type", "application/json")],
            Some(body.as_bytes().to_vec()),
        )
    };
    let message = |text: String| serde_json::from_str::<Value>(&text).unwrap()["message"].clone();
    let (s, text) = post("{\"metadata\": {\"name\": \"x\"},").await;
    assert_eq!(s, 400);
    assert_eq!(
        message(text),
        "the object provided is unrecognized (must be of type Role): couldn't get version/kind; json parse error: unexpected end of JSON input ({\"metadata\": {\"name\": \"x\"},)"
    );
    let (_, text) = post(r#"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"x"}}"#).await;
    assert_eq!(
        message(text),
        "Pod in version \"v1\" cannot be handled as a Role: converting (v1.Pod) to (rbac.Role): unknown conversion"
    );
    let (_, text) = post(r#"{"apiVersion":"rbac.authorization.k8s.io/v2","kind":"Role"}"#).await;
    assert_eq!(
        message(text),
        "Role in version \"v2\" cannot be handled as a Role: no kind \"Role\" is registered for version \"rbac.authorization.k8s.io/v2\" in scheme \"pkg/api/legacyscheme/scheme.go:30\""
    );
}

#[tokio::test]
async fn answers_follow_the_server_version() {
    let start = |v: &str| MockServer::builder().server_version(v).start();
    let table = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json";
    for (version, emulation, secrets_column, token_uid) in [
        ("v1.32.4", false, true, false),
        ("v1.33.1", true, true, false),
        ("v1.34.0", true, true, true),
        ("v1.35.0", true, false, true),
        ("v1.36.2", true, false, true),
    ] {
        let server = start(version).await.unwrap();
        let (_, v) = get_json(&server, "/version").await;
        assert_eq!(
            v.get("emulationMinor").is_some(),
            emulation,
            "{version}: {v}"
        );
        let (_, text) = send(
            &server,
            "GET",
            "/api/v1/namespaces/default/serviceaccounts",
            &[("accept", table)],
            None,
        )
        .await;
        let t: Value = serde_json::from_str(&text).unwrap();
        let columns: Vec<&str> = t["columnDefinitions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["name"].as_str().unwrap())
            .collect();
        let want: &[&str] = if secrets_column {
            &["Name", "Secrets", "Age"]
        } else {
            &["Name", "Age"]
        };
        assert_eq!(columns, want, "{version}");
        assert_eq!(t["rows"][0]["cells"].as_array().unwrap().len(), want.len());
        let (s, tr) = post_json(
            &server,
            "/api/v1/namespaces/default/serviceaccounts/default/token",
            json!({"spec": {}}),
        )
        .await;
        assert_eq!(s, 201, "{tr}");
        let (_, ssar) = post_json(
            &server,
            "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
            json!({"spec": {"resourceAttributes": {"verb": "get", "resource": "pods"}}}),
        )
        .await;
        let keys: Vec<&String> = ssar["metadata"].as_object().unwrap().keys().collect();
        // A zero creationTimestamp is null before 1.34 and left out since.
        let want: &[&str] = if token_uid {
            &["managedFields"]
        } else {
            &["creationTimestamp", "managedFields"]
        };
        assert_eq!(keys, want, "{version}: {ssar}");
        let (_, sa) = get_json(
            &server,
            "/api/v1/namespaces/default/serviceaccounts/default",
        )
        .await;
        if token_uid {
            assert_eq!(tr["metadata"]["uid"], sa["metadata"]["uid"], "{version}");
        } else {
            assert!(tr["metadata"].get("uid").is_none(), "{version}: {tr}");
        }
    }
}

#[tokio::test]
async fn a_zero_token_cache_ttl_forgets_at_once() {
    let server = MockServer::builder()
        .token_cache_ttl(Duration::ZERO)
        .start()
        .await
        .unwrap();
    let sas = "/api/v1/namespaces/default/serviceaccounts";
    post_json(&server, sas, json!({"metadata": {"name": "gone"}})).await;
    let (_, tr) = post_json(&server, &format!("{sas}/gone/token"), json!({"spec": {}})).await;
    let token = tr["status"]["token"].as_str().unwrap().to_string();
    let as_sa = |token: String| {
        let server = &server;
        async move {
            crate::util::anonymous(server)
                .get(format!("{}/api/v1/namespaces/default/pods", server.url()))
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    assert_eq!(as_sa(token.clone()).await, 403);
    send(&server, "DELETE", &format!("{sas}/gone"), &[], None).await;
    assert_eq!(as_sa(token).await, 401);
}

#[tokio::test]
async fn token_reviews_go_through_the_authentication_cache() {
    let server = MockServer::builder().start().await.unwrap();
    let sas = "/api/v1/namespaces/default/serviceaccounts";
    post_json(&server, sas, json!({"metadata": {"name": "r"}})).await;
    let (_, tr) = post_json(&server, &format!("{sas}/r/token"), json!({"spec": {}})).await;
    let token = tr["status"]["token"].as_str().unwrap().to_string();
    let review = |audiences: Value| {
        let body = json!({"spec": {"token": token, "audiences": audiences}});
        let server = &server;
        async move {
            let (s, v) =
                post_json(server, "/apis/authentication.k8s.io/v1/tokenreviews", body).await;
            assert_eq!(s, 201, "{v}");
            v["status"]["authenticated"] == json!(true)
        }
    };
    assert!(review(json!([])).await);
    send(&server, "DELETE", &format!("{sas}/r"), &[], None).await;
    // Remembered for the API audiences it was checked for; another audience is a new check.
    assert!(review(json!([])).await);
    assert!(!review(json!(["vault"])).await);
    server.advance_clock(Duration::from_secs(11));
    assert!(!review(json!([])).await);
}
