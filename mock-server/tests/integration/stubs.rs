//! Stubs over real HTTPS: each matcher field, beforeAuth, times/after/priority, closures,
//! verify with near misses (Rust and `GET /__admin/verify`), and the journal by meaning.

use base64::Engine as _;
use mock_apiserver::{Match, MockServer, Respond, Stub, Verb};
use serde_json::{Value, json};

use crate::util::{admin, anonymous, client_with};

/// What a request got back.
#[derive(Debug)]
pub(crate) struct Got {
    pub status: u16,
    pub text: String,
    pub headers: reqwest::header::HeaderMap,
}

impl Got {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("{e}: {}", self.text))
    }
}

/// Sends `method path` with an optional body of `content_type`.
pub(crate) async fn send(
    client: &reqwest::Client,
    server: &MockServer,
    method: &str,
    path: &str,
    body: Option<(&str, Vec<u8>)>,
) -> Got {
    let mut req = client.request(method.parse().unwrap(), format!("{}{path}", server.url()));
    if let Some((content_type, bytes)) = body {
        req = req.header("content-type", content_type).body(bytes);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    Got {
        status,
        text: resp.text().await.unwrap(),
        headers,
    }
}

fn json_body(v: Value) -> Option<(&'static str, Vec<u8>)> {
    Some(("application/json", serde_json::to_vec(&v).unwrap()))
}

const TEAPOT: &str = "stubbed";

fn teapot() -> Respond {
    Respond::text(418, TEAPOT)
}

/// One matcher field: a request it matches and one, differing in that field only, it does not.
struct Case {
    field: &'static str,
    stub: Stub,
    hit: Req,
    miss: Req,
}

#[derive(Clone, Copy)]
enum Who {
    Admin,
    Alice,
    Bob,
}

struct Req {
    who: Who,
    method: &'static str,
    path: &'static str,
    body: Option<(&'static str, Vec<u8>)>,
    header: Option<(&'static str, &'static str)>,
}

fn req(method: &'static str, path: &'static str) -> Req {
    Req {
        who: Who::Admin,
        method,
        path,
        body: None,
        header: None,
    }
}

impl Req {
    fn by(mut self, who: Who) -> Req {
        self.who = who;
        self
    }
    fn body(mut self, content_type: &'static str, bytes: Vec<u8>) -> Req {
        self.body = Some((content_type, bytes));
        self
    }
    fn header(mut self, name: &'static str, value: &'static str) -> Req {
        self.header = Some((name, value));
        self
    }
}

/// The `kubectl create sa bearertokenauth` body as kubectl sends it in protobuf.
fn protobuf_service_account() -> Vec<u8> {
    let fixtures: Value =
        serde_json::from_str(include_str!("../fixtures/protobuf-request-fixtures.json")).unwrap();
    let first = &fixtures[0];
    assert_eq!(first["from_command"], "kubectl create sa bearertokenauth");
    base64::engine::general_purpose::STANDARD
        .decode(first["body_base64"].as_str().unwrap())
        .unwrap()
}

#[tokio::test]
async fn every_matcher_field_selects_requests_by_meaning() {
    let server = MockServer::start().await.unwrap();
    let (alice_cert, alice_key) = server
        .issue_client_cert("alice", &["system:masters"])
        .unwrap();
    let (bob_cert, bob_key) = server
        .issue_client_cert("bob", &["system:masters", "team-a"])
        .unwrap();
    let clients = [
        admin(&server),
        client_with(&server, Some((&alice_cert, &alice_key))),
        client_with(&server, Some((&bob_cert, &bob_key))),
    ];
    let sa = "/api/v1/namespaces/default/serviceaccounts";
    let cm = json!({"metadata": {"name": "cm", "labels": {"team": "a"}}});
    let cases = vec![
        Case {
            field: "verb",
            stub: Stub::on(Verb::List),
            hit: req("GET", sa),
            miss: req("GET", "/api/v1/namespaces/default/serviceaccounts/default"),
        },
        Case {
            field: "group",
            stub: Stub::any().group("rbac.authorization.k8s.io"),
            hit: req(
                "GET",
                "/apis/rbac.authorization.k8s.io/v1/namespaces/default/roles",
            ),
            miss: req("GET", sa),
        },
        Case {
            field: "version",
            stub: Stub::any().version("v1"),
            hit: req("GET", sa),
            miss: req("GET", "/version"),
        },
        Case {
            field: "resource",
            stub: Stub::any().resource("secrets"),
            hit: req("GET", "/api/v1/namespaces/default/secrets"),
            miss: req("GET", "/api/v1/namespaces/default/configmaps"),
        },
        Case {
            field: "subresource",
            stub: Stub::on(Verb::Create).subresource("token"),
            hit: req(
                "POST",
                "/api/v1/namespaces/default/serviceaccounts/default/token",
            )
            .body("application/json", br#"{"spec":{}}"#.to_vec()),
            miss: req("POST", sa).body(
                "application/json",
                br#"{"metadata":{"name":"x1"}}"#.to_vec(),
            ),
        },
        Case {
            field: "namespace",
            stub: Stub::any().namespace("kube-system"),
            hit: req("GET", "/api/v1/namespaces/kube-system/serviceaccounts"),
            miss: req("GET", sa),
        },
        Case {
            field: "name",
            stub: Stub::on(Verb::Get).name("nobody"),
            hit: req("GET", "/api/v1/namespaces/default/serviceaccounts/nobody"),
            miss: req("GET", "/api/v1/namespaces/default/serviceaccounts/default"),
        },
        Case {
            field: "user",
            stub: Stub::any().user("alice"),
            hit: req("GET", sa).by(Who::Alice),
            miss: req("GET", sa),
        },
        Case {
            field: "userGroup",
            stub: Stub::any().user_group("team-a"),
            hit: req("GET", sa).by(Who::Bob),
            miss: req("GET", sa).by(Who::Alice),
        },
        Case {
            field: "path",
            stub: Stub::on(Verb::Get).path("/version"),
            hit: req("GET", "/version"),
            miss: req("GET", "/healthz"),
        },
        Case {
            field: "query",
            stub: Stub::on(Verb::List).query("limit", "1"),
            hit: req("GET", "/api/v1/namespaces/default/serviceaccounts?limit=1"),
            miss: req("GET", "/api/v1/namespaces/default/serviceaccounts?limit=2"),
        },
        Case {
            field: "headers",
            stub: Stub::any().header("X-Test", "yes"),
            hit: req("GET", sa).header("x-test", "yes"),
            miss: req("GET", sa).header("x-test", "no"),
        },
        Case {
            field: "body (JSON)",
            stub: Stub::on(Verb::Create).body(json!({"metadata": {"labels": {"team": "a"}}})),
            hit: req("POST", "/api/v1/namespaces/default/configmaps")
                .body("application/json", serde_json::to_vec(&cm).unwrap()),
            miss: req("POST", "/api/v1/namespaces/default/configmaps").body(
                "application/json",
                br#"{"metadata":{"name":"cm2"}}"#.to_vec(),
            ),
        },
        Case {
            field: "body (YAML)",
            stub: Stub::on(Verb::Create).body(json!({"data": {"k": "v"}})),
            hit: req("POST", "/api/v1/namespaces/default/configmaps").body(
                "application/yaml",
                b"metadata: {name: y1}\ndata: {k: v}\n".to_vec(),
            ),
            miss: req("POST", "/api/v1/namespaces/default/configmaps").body(
                "application/yaml",
                b"metadata: {name: y2}\ndata: {k: w}\n".to_vec(),
            ),
        },
        Case {
            field: "body (protobuf)",
            stub: Stub::on(Verb::Create).body(json!({"metadata": {"name": "bearertokenauth"}})),
            hit: req("POST", sa).body(
                "application/vnd.kubernetes.protobuf",
                protobuf_service_account(),
            ),
            miss: req("POST", sa).body(
                "application/json",
                br#"{"metadata":{"name":"x2"}}"#.to_vec(),
            ),
        },
    ];
    for case in cases {
        let guard = server.stub(case.stub.named(case.field).expect(1).respond(teapot()));
        for (r, wanted) in [(&case.hit, true), (&case.miss, false)] {
            let client = &clients[r.who as usize];
            let mut rb = client.request(
                r.method.parse().unwrap(),
                format!("{}{}", server.url(), r.path),
            );
            if let Some((k, v)) = r.header {
                rb = rb.header(k, v);
            }
            if let Some((ct, bytes)) = &r.body {
                rb = rb.header("content-type", *ct).body(bytes.clone());
            }
            let resp = rb.send().await.unwrap();
            let status = resp.status().as_u16();
            let text = resp.text().await.unwrap();
            assert_eq!(
                (status == 418, text == TEAPOT),
                (wanted, wanted),
                "{}: {} {} got {status} {text}",
                case.field,
                r.method,
                r.path
            );
        }
        assert_eq!((guard.hits(), guard.matched()), (1, 1), "{}", case.field);
        drop(guard); // verifies expect(1)
    }
}

#[tokio::test]
async fn stubs_run_after_authorization_unless_before_auth() {
    let server = MockServer::start().await.unwrap();
    let pods = "/api/v1/namespaces/default/pods";
    let _after = server.stub(Stub::on(Verb::List).resource("pods").respond(teapot()));
    // Anonymous may not list pods: a denied request stays denied whatever the stub says.
    let got = send(&anonymous(&server), &server, "GET", pods, None).await;
    assert_eq!(got.status, 403, "{}", got.text);
    assert_eq!(got.json()["reason"], "Forbidden");
    // A beforeAuth stub answers before authentication and authorization.
    let _before = server.stub(
        Stub::on(Verb::List)
            .resource("pods")
            .before_auth()
            .respond(Respond::json(200, json!({"kind": "PodList", "items": []}))),
    );
    let got = send(&anonymous(&server), &server, "GET", pods, None).await;
    assert_eq!(
        (got.status, got.json()["kind"].as_str()),
        (200, Some("PodList"))
    );
    // Even a bad bearer token (a 401 otherwise) reaches it.
    let resp = anonymous(&server)
        .get(format!("{}{pods}", server.url()))
        .bearer_auth("not-a-token")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let journal = server.journal().entries();
    assert_eq!(journal.last().unwrap().status, 200);
}

#[tokio::test]
async fn times_after_and_priority_shape_a_sequence() {
    let server = MockServer::start().await.unwrap();
    let client = admin(&server);
    let path = "/api/v1/namespaces/default/serviceaccounts/default";
    // Requests 1-2: throttled; 3: the store; 4 and later: 500.
    let _throttle = server.stub(
        Stub::on(Verb::Get)
            .name("default")
            .priority(1)
            .times(2)
            .expect(2)
            .respond(Respond::status(429)),
    );
    let _broken = server.stub(
        Stub::on(Verb::Get)
            .name("default")
            .after(3)
            .expect(2)
            .respond(Respond::status(500)),
    );
    let mut statuses = Vec::new();
    for _ in 0..5 {
        statuses.push(send(&client, &server, "GET", path, None).await.status);
    }
    assert_eq!(statuses, [429, 429, 200, 500, 500]);
    server.verify().unwrap();
    // `GET /__admin/stubs` lists them in the order they are tried, with their counts.
    let list = send(&client, &server, "GET", "/__admin/stubs", None)
        .await
        .json();
    let counts: Vec<(u64, u64, u64)> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["stub"]["priority"].as_u64().unwrap(),
                s["hits"].as_u64().unwrap(),
                s["matched"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(counts, [(1, 2, 5), (5, 2, 5)]);
}

#[tokio::test]
async fn closures_decide_per_request() {
    let server = MockServer::start().await.unwrap();
    let client = admin(&server);
    // Refuse ServiceAccounts whose name starts with "bad-", let the others through.
    let _guard = server.stub(
        Stub::on(Verb::Create)
            .resource("serviceaccounts")
            .respond_with(|req| {
                let name = req
                    .body()
                    .and_then(|b| b.pointer("/metadata/name"))
                    .and_then(Value::as_str)
                    .unwrap_or("");
                if name.starts_with("bad-") {
                    Respond::status(409).reason("AlreadyExists")
                } else {
                    Respond::pass_through()
                }
            }),
    );
    let sa = "/api/v1/namespaces/default/serviceaccounts";
    let got = send(
        &client,
        &server,
        "POST",
        sa,
        json_body(json!({"metadata": {"name": "bad-1"}})),
    )
    .await;
    assert_eq!(got.status, 409);
    assert_eq!(
        got.json()["message"],
        "serviceaccounts \"bad-1\" already exists"
    );
    let got = send(
        &client,
        &server,
        "POST",
        sa,
        json_body(json!({"metadata": {"name": "good"}})),
    )
    .await;
    assert_eq!(got.status, 201, "{}", got.text);
    // A closure that answers with something invalid is the test's bug: a 500 says what.
    let _bad = server.stub(
        Stub::on(Verb::Get)
            .priority(1)
            .respond_with(|_| Respond::status(42)),
    );
    let got = send(&client, &server, "GET", "/version", None).await;
    assert_eq!(got.status, 500);
    assert!(
        got.json()["message"].as_str().unwrap().contains(
            "stub responder gave an invalid answer: respond.status: 42 is not an HTTP status code"
        ),
        "{}",
        got.text
    );
}

#[tokio::test]
async fn verify_names_the_field_of_near_misses() {
    let server = MockServer::start().await.unwrap();
    let client = admin(&server);
    server
        .register_stub(
            Stub::on(Verb::Create)
                .resource("serviceaccounts")
                .namespace("kube-system")
                .named("sa in kube-system")
                .expect(1..=3)
                .respond(Respond::status(409)),
        )
        .unwrap();
    let body = json_body(json!({"metadata": {"name": "robot"}}));
    let got = send(
        &client,
        &server,
        "POST",
        "/api/v1/namespaces/default/serviceaccounts",
        body,
    )
    .await;
    assert_eq!(got.status, 201);
    let err = server.verify().unwrap_err();
    assert_eq!(
        err.to_string(),
        "stub expectations not met:\n  - stub \"sa in kube-system\" expected between 1 and 3 hits, got 0 (0 matching requests)\nnear misses:\n  - POST /api/v1/namespaces/default/serviceaccounts nearly matched stub \"sa in kube-system\": namespace was \"default\", the stub wants \"kube-system\"\n"
    );
    let got = send(&client, &server, "GET", "/__admin/verify", None).await;
    assert_eq!(got.status, 409);
    let v = got.json();
    assert_eq!(v["ok"], false);
    assert_eq!(v["unmet"][0]["matched"], 0);
    assert_eq!(v["unmet"][0]["expect"], json!({"min": 1, "max": 3}));
    assert_eq!(v["nearMisses"][0]["field"], "namespace");
    assert_eq!(v["nearMisses"][0]["actual"], "default");
    // Once it is met, verify says so.
    let body = json_body(json!({"metadata": {"name": "robot"}}));
    let got = send(
        &client,
        &server,
        "POST",
        "/api/v1/namespaces/kube-system/serviceaccounts",
        body,
    )
    .await;
    assert_eq!(got.status, 409);
    let got = send(&client, &server, "GET", "/__admin/verify", None).await;
    assert_eq!((got.status, got.json()), (200, json!({"ok": true})));
    server.verify().unwrap();
}

#[tokio::test]
async fn the_journal_is_queried_by_meaning() {
    let server = MockServer::start().await.unwrap();
    let client = admin(&server);
    for name in ["a", "b"] {
        let body = json_body(json!({"metadata": {"name": name}}));
        send(
            &client,
            &server,
            "POST",
            "/api/v1/namespaces/default/serviceaccounts",
            body,
        )
        .await;
    }
    send(
        &client,
        &server,
        "GET",
        "/api/v1/namespaces/default/serviceaccounts/a",
        None,
    )
    .await;
    let creates = server.requests(&Match::on(Verb::Create).resource("serviceaccounts"));
    assert_eq!(creates.len(), 2);
    let b = server.requests(&Match::on(Verb::Create).body(json!({"metadata": {"name": "b"}})));
    assert_eq!(b.len(), 1);
    assert_eq!(b[0].status, 201);
    let found = send(
        &client,
        &server,
        "POST",
        "/__admin/requests/find",
        json_body(json!({"verb": "get", "resource": "serviceaccounts", "name": "a"})),
    )
    .await;
    let found = found.json();
    assert_eq!(found.as_array().unwrap().len(), 1);
    assert_eq!(
        found[0]["path"],
        "/api/v1/namespaces/default/serviceaccounts/a"
    );
}
