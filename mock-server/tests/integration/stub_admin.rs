//! The stub admin API over HTTP (admin client certificate required), `mock-apiserver --stubs
//! FILE`, and the real kubectl against stubs: it retries two 429s, and gives up on a stalled
//! get with its own timeout message.

use std::path::Path;
use std::process::Command;

use base64::Engine as _;
use mock_apiserver::MockServer;
use serde_json::{Value, json};

use crate::kubectl::{Server, kubectl, kubectl_available, start};
use crate::stubs::send;
use crate::util::{admin, client_with};

fn json_body(v: Value) -> Option<(&'static str, Vec<u8>)> {
    Some(("application/json", serde_json::to_vec(&v).unwrap()))
}

#[tokio::test]
async fn the_admin_api_registers_lists_and_deletes_stubs() {
    let dir = tempfile::tempdir().unwrap();
    let tokens = dir.path().join("tokens.csv");
    std::fs::write(&tokens, "root-token,root,1,system:masters\n").unwrap();
    let server = MockServer::builder()
        .token_auth_file(&tokens)
        .start()
        .await
        .unwrap();
    let client = admin(&server);
    let stub = json!({"name": "throttle", "match": {"verb": "create", "resource": "serviceaccounts",
        "namespace": "default"}, "times": 2, "after": 0, "priority": 5,
        "expect": {"min": 1, "max": 3}, "respond": {"status": 429, "retryAfterSeconds": 1}});
    // Only the admin client certificate may use it: not a system:masters token, not another user.
    let resp = reqwest::Client::builder()
        .tls_certs_only([reqwest::Certificate::from_pem(server.ca_pem().as_bytes()).unwrap()])
        .build()
        .unwrap()
        .post(format!("{}/__admin/stubs", server.url()))
        .bearer_auth("root-token")
        .json(&stub)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(
        v["message"],
        "forbidden: User \"root\" cannot post path \"/__admin/stubs\": the admin API for stubs, the clock and compaction requires the admin client certificate"
    );
    let (cert, key) = server.issue_client_cert("dev", &["developers"]).unwrap();
    let other = client_with(&server, Some((&cert, &key)));
    assert_eq!(
        send(&other, &server, "GET", "/__admin/stubs", None)
            .await
            .status,
        403
    );
    assert!(server.stubs().list().is_empty());

    let got = send(&client, &server, "POST", "/__admin/stubs", json_body(stub)).await;
    assert_eq!(got.status, 201, "{}", got.text);
    let id = got.json()["id"].as_str().unwrap().to_string();
    let yaml = b"- match: {verb: get, path: /version}\n  respond: {status: 503}\n- name: slow\n  respond: {passThrough: true, delayMs: 10}\n";
    let got = send(
        &client,
        &server,
        "POST",
        "/__admin/stubs",
        Some(("application/yaml", yaml.to_vec())),
    )
    .await;
    assert_eq!(got.status, 201, "{}", got.text);
    assert_eq!(got.json()["ids"].as_array().unwrap().len(), 2);
    // A stub is answered by requests, and counted.
    let got = send(
        &client,
        &server,
        "POST",
        "/api/v1/namespaces/default/serviceaccounts",
        json_body(json!({"metadata": {"name": "robot"}})),
    )
    .await;
    assert_eq!(
        (got.status, got.headers["retry-after"].to_str().unwrap()),
        (429, "1")
    );
    let list = send(&client, &server, "GET", "/__admin/stubs", None)
        .await
        .json();
    let listed: Vec<(Option<&str>, u64, u64)> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            let n = |k: &str| s[k].as_u64().unwrap();
            (s["name"].as_str(), n("hits"), n("matched"))
        })
        .collect();
    // The throttle answered; the catch-all "slow" matched too but came second.
    assert_eq!(
        listed,
        [(Some("throttle"), 1, 1), (None, 0, 0), (Some("slow"), 0, 1)]
    );
    let one = send(
        &client,
        &server,
        "GET",
        &format!("/__admin/stubs/{id}"),
        None,
    )
    .await
    .json();
    assert_eq!(
        (one["id"].as_str(), one["stub"]["times"].as_u64()),
        (Some(id.as_str()), Some(2))
    );
    let got = send(
        &client,
        &server,
        "DELETE",
        &format!("/__admin/stubs/{id}"),
        None,
    )
    .await;
    assert_eq!((got.status, got.json()), (200, json!({"deleted": 1})));
    let got = send(
        &client,
        &server,
        "DELETE",
        &format!("/__admin/stubs/{id}"),
        None,
    )
    .await;
    assert_eq!(got.status, 404);
    // Even a catch-all stub that runs before authentication leaves the admin API alone.
    let catch_all = json!({"beforeAuth": true, "respond": {"fault": "connection-reset"}});
    let got = send(
        &client,
        &server,
        "POST",
        "/__admin/stubs",
        json_body(catch_all),
    )
    .await;
    assert_eq!(got.status, 201);
    let got = send(&client, &server, "DELETE", "/__admin/stubs", None).await;
    assert_eq!(got.json(), json!({"deleted": 3}));
    // A wrong stub is a 400 naming the field; nothing of a list with one is registered.
    for (body, message) in [
        (
            json!({"respond": {"status": 1000}}),
            "stub {}: respond.status: 1000 is not an HTTP status code",
        ),
        (
            json!({"match": {"verbb": "get"}, "respond": {"status": 500}}),
            "stub 1: unknown field `verbb`",
        ),
        (
            json!([{"respond": {"status": 500}}, {"respond": {"fault": "stall", "body": {}}}]),
            "stub {}: respond.body: only applies to a status answer (fault)",
        ),
    ] {
        let got = send(&client, &server, "POST", "/__admin/stubs", json_body(body)).await;
        assert_eq!(got.status, 400);
        let m = got.json()["message"].as_str().unwrap().to_string();
        assert!(m.starts_with(message), "{m}");
    }
    assert!(server.stubs().list().is_empty());
}

/// A client authenticating as the admin of a kubeconfig written by the binary.
fn admin_of(kubeconfig: &Path) -> reqwest::Client {
    let kc: Value = serde_yaml::from_str(&std::fs::read_to_string(kubeconfig).unwrap()).unwrap();
    let data = |v: &Value| {
        base64::engine::general_purpose::STANDARD
            .decode(v.as_str().unwrap())
            .unwrap()
    };
    let ca = data(&kc["clusters"][0]["cluster"]["certificate-authority-data"]);
    let mut identity = data(&kc["users"][0]["user"]["client-certificate-data"]);
    identity.extend(data(&kc["users"][0]["user"]["client-key-data"]));
    reqwest::Client::builder()
        .tls_certs_only([reqwest::Certificate::from_pem(&ca).unwrap()])
        .identity(reqwest::Identity::from_pem(&identity).unwrap())
        .build()
        .unwrap()
}

/// `POST /__admin/requests/find` on the binary.
fn find(server: &Server, m: Value) -> Vec<Value> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let resp = admin_of(&server.kubeconfig)
            .post(format!("{}/__admin/requests/find", server.url))
            .json(&m)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
        resp.json::<Vec<Value>>().await.unwrap()
    })
}

fn stub_file(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_string()
}

#[test]
fn kubectl_retries_two_429s_from_a_stubs_file() {
    if !kubectl_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let file = stub_file(
        dir.path(),
        "stubs.yaml",
        "- name: throttle\n  match: {verb: create, resource: serviceaccounts, namespace: default}\n  times: 2\n  expect: 2\n  respond: {status: 429, retryAfterSeconds: 1}\n",
    );
    let server = start(&["--stubs", &file]);
    let run = kubectl(&server, &["create", "sa", "robot"]);
    assert_eq!(
        (run.code, run.stdout.as_str()),
        (0, "serviceaccount/robot created\n"),
        "{run:?}"
    );
    let tries = find(
        &server,
        json!({"verb": "create", "resource": "serviceaccounts"}),
    );
    let statuses: Vec<u64> = tries
        .iter()
        .map(|t| t["status"].as_u64().unwrap())
        .collect();
    assert_eq!(statuses, [429, 429, 201]);
}

#[test]
fn kubectl_gives_up_on_a_stalled_get_with_its_own_timeout() {
    if !kubectl_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let file = stub_file(
        dir.path(),
        "stubs.json",
        r#"[{"match": {"verb": "get", "resource": "serviceaccounts", "name": "default"},
             "respond": {"fault": "stall"}}]"#,
    );
    let server = start(&["--stubs", &file]);
    let run = kubectl(&server, &["get", "sa", "default", "--request-timeout=2s"]);
    // `--request-timeout` sets both the client's timeout and the request's context deadline;
    // Go words the error after whichever fires first (`context deadline exceeded`,
    // `net/http: request canceled (Client.Timeout exceeded while awaiting headers)`, or both).
    assert_eq!((run.code, run.stdout.as_str()), (1, ""), "{run:?}");
    let why = run
        .stderr
        .strip_prefix("Unable to connect to the server: ")
        .unwrap_or_else(|| panic!("{run:?}"));
    assert!(
        why.contains("context deadline exceeded") || why.contains("Client.Timeout exceeded"),
        "{run:?}"
    );
    assert_eq!(
        find(&server, json!({"verb": "get", "name": "default"})).len(),
        1
    );
}

#[test]
fn a_bad_stubs_file_stops_the_binary_naming_file_stub_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let file = stub_file(
        dir.path(),
        "stubs.yaml",
        "- respond: {status: 429}\n- name: broken\n  respond: {fault: stall, retryAfterSeconds: 1}\n",
    );
    let out = Command::new(env!("CARGO_BIN_EXE_mock-apiserver"))
        .args(["--listen", "127.0.0.1:0", "--stubs", &file])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(out.stdout, b"");
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        format!(
            "mock-apiserver: --stubs: {file}: stub 2: stub broken: respond.retryAfterSeconds: only applies to a status answer (fault)\n"
        )
    );
}
