//! The mock's clock (a bound token expires when the clock is advanced, timestamps follow it)
//! and resourceVersion compaction (410 on an old continue token and an old watch).

use std::time::{Duration, SystemTime};

use mock_apiserver::MockServer;
use serde_json::{Value, json};

use crate::stubs::send;
use crate::util::{admin, anonymous};

fn json_body(v: Value) -> Option<(&'static str, Vec<u8>)> {
    Some(("application/json", serde_json::to_vec(&v).unwrap()))
}

async fn self_subject_review(server: &MockServer, token: &str) -> u16 {
    anonymous(server)
        .post(format!(
            "{}/apis/authentication.k8s.io/v1/selfsubjectreviews",
            server.url()
        ))
        .bearer_auth(token)
        .json(&json!({"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"}))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

fn parse_time(v: &Value) -> SystemTime {
    humantime::parse_rfc3339(v.as_str().unwrap()).unwrap()
}

#[tokio::test]
async fn a_token_request_token_expires_when_the_clock_is_advanced() {
    let server = MockServer::start().await.unwrap();
    let client = admin(&server);
    let sa = "/api/v1/namespaces/default/serviceaccounts";
    let got = send(
        &client,
        &server,
        "POST",
        sa,
        json_body(json!({"metadata": {"name": "robot"}})),
    )
    .await;
    assert_eq!(got.status, 201);
    let got = send(
        &client,
        &server,
        "POST",
        "/api/v1/namespaces/default/serviceaccounts/robot/token",
        json_body(json!({"spec": {"expirationSeconds": 3600}})),
    )
    .await;
    assert_eq!(got.status, 201, "{}", got.text);
    let v = got.json();
    let token = v["status"]["token"].as_str().unwrap().to_string();
    assert_eq!(self_subject_review(&server, &token).await, 201);
    // Past `exp` (and the 60 s leeway) through the admin API: the token is refused.
    let got = send(
        &client,
        &server,
        "POST",
        "/__admin/clock",
        json_body(json!({"advance": "2h"})),
    )
    .await;
    assert_eq!(got.status, 200, "{}", got.text);
    assert_eq!(got.json()["offset"], "2h");
    assert_eq!(self_subject_review(&server, &token).await, 401);
    // A token minted now is valid on the advanced clock, and its expiry follows that clock.
    let got = send(
        &client,
        &server,
        "POST",
        "/api/v1/namespaces/default/serviceaccounts/robot/token",
        json_body(json!({"spec": {}})),
    )
    .await;
    let fresh = got.json();
    let expires = parse_time(&fresh["status"]["expirationTimestamp"]);
    assert!(
        expires > SystemTime::now() + Duration::from_secs(2 * 3600),
        "{fresh}"
    );
    assert_eq!(
        self_subject_review(&server, fresh["status"]["token"].as_str().unwrap()).await,
        201
    );
    // Objects are stamped by the same clock; Rust can advance it too.
    server.advance_clock(Duration::from_secs(24 * 3600));
    let got = send(
        &client,
        &server,
        "POST",
        sa,
        json_body(json!({"metadata": {"name": "later"}})),
    )
    .await;
    let created = parse_time(&got.json()["metadata"]["creationTimestamp"]);
    assert!(
        created > SystemTime::now() + Duration::from_secs(25 * 3600),
        "{}",
        got.text
    );
    assert_eq!(server.clock().offset(), Duration::from_secs(26 * 3600));
    let got = send(
        &client,
        &server,
        "POST",
        "/__admin/clock",
        json_body(json!({"advance": "soon"})),
    )
    .await;
    assert_eq!(got.status, 400);
    assert!(
        got.json()["message"]
            .as_str()
            .unwrap()
            .starts_with("clock: advance \"soon\": "),
        "{}",
        got.text
    );
}

#[tokio::test]
async fn compaction_expires_old_continue_tokens_and_watches() {
    let server = MockServer::start().await.unwrap();
    let client = admin(&server);
    let cms = "/api/v1/namespaces/default/configmaps";
    for name in ["a", "b", "c"] {
        send(
            &client,
            &server,
            "POST",
            cms,
            json_body(json!({"metadata": {"name": name}})),
        )
        .await;
    }
    let page = send(&client, &server, "GET", &format!("{cms}?limit=2"), None)
        .await
        .json();
    let token = page["metadata"]["continue"].as_str().unwrap().to_string();
    let old_rv = page["metadata"]["resourceVersion"]
        .as_str()
        .unwrap()
        .to_string();
    // A write after the first page, then compaction at the current revision.
    send(
        &client,
        &server,
        "POST",
        cms,
        json_body(json!({"metadata": {"name": "d"}})),
    )
    .await;
    let got = send(&client, &server, "POST", "/__admin/compact", None).await;
    assert_eq!(got.status, 200);
    let compacted: u64 = got.json()["compactedRevision"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let got = send(
        &client,
        &server,
        "GET",
        &format!("{cms}?limit=2&continue={token}"),
        None,
    )
    .await;
    assert_eq!(got.status, 410, "{}", got.text);
    let status = got.json();
    assert_eq!(
        status["message"],
        "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list."
    );
    assert_eq!(
        (status["reason"].as_str(), status["code"].as_u64()),
        (Some("Expired"), Some(410))
    );
    // The token in the answer continues at the latest revision.
    let fresh = status["metadata"]["continue"].as_str().unwrap();
    let rest = send(
        &client,
        &server,
        "GET",
        &format!("{cms}?limit=5&continue={fresh}"),
        None,
    )
    .await;
    assert_eq!(rest.status, 200, "{}", rest.text);
    let rest = rest.json();
    let names: Vec<&str> = rest["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["metadata"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["c", "d", "kube-root-ca.crt"]);
    // A watch from before the compaction: 200 and one ERROR event, as the watch cache sends it.
    let got = send(
        &client,
        &server,
        "GET",
        &format!("{cms}?watch=true&resourceVersion={old_rv}"),
        None,
    )
    .await;
    assert_eq!(got.status, 200);
    let event: Value = serde_json::from_str(got.text.trim_end()).unwrap();
    assert_eq!(
        event,
        json!({"type": "ERROR", "object": {"kind": "Status", "apiVersion": "v1", "metadata": {},
            "status": "Failure", "message": format!("too old resource version: {old_rv} ({compacted})"),
            "reason": "Expired", "code": 410}})
    );
    // From the compacted revision on, watching works.
    let resp = client
        .get(format!(
            "{}{cms}?watch=true&resourceVersion={compacted}&timeoutSeconds=1",
            server.url()
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.text().await.unwrap(), "");
}
