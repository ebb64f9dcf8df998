//! Stub answers as a client receives them: Statuses worded as kube-apiserver words them,
//! literal answers, pass-through after a delay, scripted watches.

use std::time::{Duration, Instant};

use mock_apiserver::{MockServer, Respond, Stub, Verb, WatchEnd, WatchScript};
use serde_json::json;

use crate::stubs::send;
use crate::util::admin;

const SA_DEFAULT: &str = "/api/v1/namespaces/default/serviceaccounts/default";

#[tokio::test]
async fn status_answers_carry_kubes_reason_message_details_and_retry_after() {
    let server = MockServer::start().await.unwrap();
    let client = admin(&server);
    let cases: Vec<(Respond, u16, &str, Option<&str>)> = vec![
        (
            Respond::status(429).retry_after(2),
            429,
            "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\",\"message\":\"Too many requests, please try again later.\",\"reason\":\"TooManyRequests\",\"details\":{\"retryAfterSeconds\":2},\"code\":429}\n",
            Some("2"),
        ),
        (
            Respond::status(409),
            409,
            "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\",\"message\":\"Operation cannot be fulfilled on serviceaccounts \\\"default\\\": the object has been modified; please apply your changes to the latest version and try again\",\"reason\":\"Conflict\",\"details\":{\"name\":\"default\",\"kind\":\"serviceaccounts\"},\"code\":409}\n",
            None,
        ),
        (
            Respond::status(500).message("etcdserver: request timed out"),
            500,
            "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\",\"message\":\"Internal error occurred: etcdserver: request timed out\",\"reason\":\"InternalError\",\"details\":{\"causes\":[{\"message\":\"etcdserver: request timed out\"}]},\"code\":500}\n",
            None,
        ),
        (
            Respond::status(500)
                .message("etcdserver: request timed out")
                .reason("Unknown"),
            500,
            "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\",\"message\":\"etcdserver: request timed out\",\"code\":500}\n",
            None,
        ),
        (
            Respond::status(503),
            503,
            "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\",\"message\":\"apiserver is shutting down\",\"reason\":\"ServiceUnavailable\",\"code\":503}\n",
            Some("1"),
        ),
        (
            Respond::status(504),
            504,
            "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\",\"message\":\"Timeout: request did not complete within requested timeout - context deadline exceeded\",\"reason\":\"Timeout\",\"details\":{},\"code\":504}\n",
            None,
        ),
        (
            Respond::status(410),
            410,
            "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\",\"message\":\"The resourceVersion for the provided list is too old.\",\"reason\":\"Expired\",\"code\":410}\n",
            None,
        ),
        (
            Respond::status(404),
            404,
            "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\",\"message\":\"serviceaccounts \\\"default\\\" not found\",\"reason\":\"NotFound\",\"details\":{\"name\":\"default\",\"kind\":\"serviceaccounts\"},\"code\":404}\n",
            None,
        ),
        (
            Respond::status(403),
            403,
            "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\",\"message\":\"serviceaccounts \\\"default\\\" is forbidden: User \\\"kubernetes-admin\\\" cannot get resource \\\"serviceaccounts\\\" in API group \\\"\\\" in the namespace \\\"default\\\"\",\"reason\":\"Forbidden\",\"details\":{\"name\":\"default\",\"kind\":\"serviceaccounts\"},\"code\":403}\n",
            None,
        ),
    ];
    for (respond, code, body, retry_after) in cases {
        let _g = server.stub(Stub::on(Verb::Get).respond(respond));
        let got = send(&client, &server, "GET", SA_DEFAULT, None).await;
        assert_eq!((got.status, got.text.as_str()), (code, body));
        assert_eq!(got.headers["content-type"], "application/json");
        assert_eq!(
            got.headers.get("retry-after").map(|v| v.to_str().unwrap()),
            retry_after,
            "{code}"
        );
    }
    // On a list, 410 speaks of the list; on a watch (and the stub's own answer), of the watch.
    let _g = server.stub(Stub::on(Verb::Watch).respond(Respond::status(410)));
    let got = send(&client, &server, "GET", "/api/v1/pods?watch=true", None).await;
    assert_eq!(
        got.json()["message"],
        "The resourceVersion for the provided watch is too old."
    );
}

#[tokio::test]
async fn plain_and_literal_answers_are_sent_as_given() {
    let server = MockServer::start().await.unwrap();
    let client = admin(&server);
    // The real priority-and-fairness filter's 429: Go's http.Error text, not a Status.
    let g = server.stub(Stub::on(Verb::Get).respond(Respond::status(429).plain()));
    let got = send(&client, &server, "GET", SA_DEFAULT, None).await;
    assert_eq!(
        (got.status, got.text.as_str()),
        (429, "Too many requests, please try again later.\n")
    );
    assert_eq!(got.headers["content-type"], "text/plain; charset=utf-8");
    assert_eq!(got.headers["retry-after"], "1");
    assert_eq!(got.headers["x-content-type-options"], "nosniff");
    drop(g);
    let g = server.stub(
        Stub::on(Verb::Get).respond(
            Respond::json(
                200,
                json!({"kind": "ServiceAccount", "metadata": {"name": "fake"}}),
            )
            .header("X-Stubbed", "yes"),
        ),
    );
    let got = send(&client, &server, "GET", SA_DEFAULT, None).await;
    assert_eq!(got.status, 200);
    assert_eq!(got.json()["metadata"]["name"], "fake");
    assert_eq!(got.headers["x-stubbed"], "yes");
    drop(g);
    let _g =
        server
            .stub(Stub::on(Verb::Get).respond(
                Respond::text(202, "plain words").header("content-type", "text/x-custom"),
            ));
    let got = send(&client, &server, "GET", SA_DEFAULT, None).await;
    assert_eq!((got.status, got.text.as_str()), (202, "plain words"));
    assert_eq!(got.headers["content-type"], "text/x-custom");
}

#[tokio::test]
async fn pass_through_and_status_answers_wait_for_their_delay() {
    let server = MockServer::start().await.unwrap();
    let client = admin(&server);
    let normal = send(&client, &server, "GET", SA_DEFAULT, None).await.json();
    let delay = Duration::from_millis(300);
    let g = server.stub(Stub::on(Verb::Get).respond(Respond::pass_through().delay(delay)));
    let start = Instant::now();
    let got = send(&client, &server, "GET", SA_DEFAULT, None).await;
    assert!(start.elapsed() >= delay, "{:?}", start.elapsed());
    assert_eq!((got.status, got.json()), (200, normal));
    assert_eq!(g.hits(), 1);
    drop(g);
    let _g = server.stub(Stub::on(Verb::Get).respond(Respond::status(503).delay(delay)));
    let start = Instant::now();
    let got = send(&client, &server, "GET", SA_DEFAULT, None).await;
    assert!(start.elapsed() >= delay, "{:?}", start.elapsed());
    assert_eq!(got.status, 503);
}

#[tokio::test]
async fn scripted_watches_send_their_events_then_close_error_or_stall() {
    let server = MockServer::start().await.unwrap();
    let client = admin(&server);
    let pod = |name: &str| json!({"kind": "Pod", "apiVersion": "v1", "metadata": {"name": name}});
    let watch = "/api/v1/namespaces/default/pods?watch=true";
    let g = server.stub(
        Stub::on(Verb::Watch)
            .resource("pods")
            .respond(Respond::watch(
                WatchScript::new()
                    .added(pod("a"))
                    .modified(pod("a"))
                    .then(WatchEnd::error(410)),
            )),
    );
    let got = send(&client, &server, "GET", watch, None).await;
    assert_eq!(got.status, 200);
    let lines: Vec<serde_json::Value> = got
        .text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3);
    assert_eq!(
        (lines[0]["type"].as_str(), lines[1]["type"].as_str()),
        (Some("ADDED"), Some("MODIFIED"))
    );
    assert_eq!(lines[1]["object"], pod("a"));
    assert_eq!(lines[2]["type"], "ERROR");
    assert_eq!(
        lines[2]["object"],
        json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
               "message": "The resourceVersion for the provided watch is too old.",
               "reason": "Expired", "code": 410})
    );
    drop(g);
    // "stall": the events arrive, then the stream stays open until the client gives up.
    let _g = server.stub(
        Stub::on(Verb::Watch).respond(Respond::watch(
            WatchScript::new()
                .added(pod("b"))
                .interval(Duration::from_millis(50))
                .then(WatchEnd::Stall),
        )),
    );
    let mut resp = client
        .get(format!("{}{watch}", server.url()))
        .send()
        .await
        .unwrap();
    let first = resp.chunk().await.unwrap().unwrap();
    let event: serde_json::Value = serde_json::from_slice(&first).unwrap();
    assert_eq!(event["object"], pod("b"));
    let next = tokio::time::timeout(Duration::from_millis(500), resp.chunk()).await;
    assert!(next.is_err(), "the stream should still be open: {next:?}");
}
