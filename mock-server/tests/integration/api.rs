//! The server over HTTPS with reqwest: TLS, identities, status codes, bodies, journal.

use mock_apiserver::MockServer;
use serde_json::{Value, json};

use crate::util::{admin, anonymous, client_with};

#[tokio::test]
async fn admin_gets_version_over_tls_and_h2() {
    let server = MockServer::start().await.unwrap();
    assert!(server.url().starts_with("https://127.0.0.1:"));
    let resp = admin(&server)
        .get(format!("{}/version", server.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.version(), reqwest::Version::HTTP_2);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["gitVersion"], "v1.32.4");
    let e = &server.journal().entries()[0];
    assert_eq!(e.user.username, "kubernetes-admin");
    assert_eq!(e.user.groups, ["system:masters", "system:authenticated"]);
}

#[tokio::test]
async fn anonymous_is_forbidden_and_bad_token_is_401() {
    let server = MockServer::start().await.unwrap();
    let url = format!("{}/api/v1/namespaces/default/pods", server.url());
    let resp = anonymous(&server).get(&url).send().await.unwrap();
    assert_eq!(resp.status(), 403);
    assert_eq!(
        resp.text().await.unwrap(),
        "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\",\"message\":\"pods is forbidden: User \\\"system:anonymous\\\" cannot list resource \\\"pods\\\" in API group \\\"\\\" in the namespace \\\"default\\\"\",\"reason\":\"Forbidden\",\"details\":{\"kind\":\"pods\"},\"code\":403}\n"
    );
    let resp = anonymous(&server)
        .get(&url)
        .bearer_auth("nope")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["message"], "Unauthorized");
    // The journal never holds the token.
    let j = server.journal().entries();
    assert_eq!(j[1].header("authorization"), Some("Bearer <redacted>"));
    assert_eq!(j[1].status, 401);
}

#[tokio::test]
async fn issued_client_certs_are_users_with_groups() {
    let server = MockServer::start().await.unwrap();
    let (cert, key) = server.issue_client_cert("alice", &["dev"]).unwrap();
    let resp = client_with(&server, Some((&cert, &key)))
        .get(format!(
            "{}/api/v1/namespaces/default/secrets/x",
            server.url()
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(
        v["message"],
        "secrets \"x\" is forbidden: User \"alice\" cannot get resource \"secrets\" in API group \"\" in the namespace \"default\""
    );
}

#[tokio::test]
async fn crud_round_trip_with_kube_status_codes() {
    let server = MockServer::start().await.unwrap();
    let c = admin(&server);
    let base = format!("{}/api/v1/namespaces/default/serviceaccounts", server.url());
    let r = c
        .post(format!("{base}?fieldManager=test&fieldValidation=Strict"))
        .json(&json!({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "x"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let sa: Value = r.json().await.unwrap();
    // A ServiceAccount with only a name owns no field: the entry is left out, and an update
    // of an object without managedFields never adds one (skipNonAppliedManager).
    assert!(sa["metadata"].get("managedFields").is_none(), "{sa}");
    let r = c
        .post(&base)
        .json(&json!({"metadata": {"name": "x"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 409);
    let r = c
        .post(format!("{base}?fieldValidation=Strict"))
        .json(&json!({"metadata": {"name": "y"}, "bogus": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let v: Value = r.json().await.unwrap();
    assert_eq!(
        v["message"],
        "ServiceAccount in version \"v1\" cannot be handled as a ServiceAccount: strict decoding error: unknown field \"bogus\""
    );
    let r = c
        .patch(format!("{base}/x"))
        .header("content-type", "application/merge-patch+json")
        .body(r#"{"metadata":{"labels":{"a":"b"}}}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["metadata"]["labels"]["a"], "b");
    assert!(v["metadata"].get("managedFields").is_none(), "{v}");
    let r = c
        .patch(format!("{base}/x"))
        .header("content-type", "application/json-patch+json")
        .body(r#"[{"op":"add","path":"/automountServiceAccountToken","value":false}]"#)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = c
        .patch(format!("{base}/x"))
        .header("content-type", "application/strategic-merge-patch+json")
        .body(r#"{"secrets":[{"name":"s1"}]}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = c
        .patch(format!("{base}/x"))
        .header("content-type", "application/strategic-merge-patch+json")
        .body(r#"{"secrets":[{"name":"s2"}],"metadata":{"labels":{"c":"d"}}}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["secrets"], json!([{"name": "s1"}, {"name": "s2"}]));
    assert_eq!(v["metadata"]["labels"], json!({"a": "b", "c": "d"}));
    // Server-side apply is not modelled: still the 415.
    let r = c
        .patch(format!("{base}/x?fieldManager=t"))
        .header("content-type", "application/apply-patch+yaml")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 415);
    let r = c
        .get(format!("{base}?labelSelector=a%3Db"))
        .send()
        .await
        .unwrap();
    let list: Value = r.json().await.unwrap();
    assert_eq!(list["kind"], "ServiceAccountList");
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    let r = c
        .delete(format!("{base}/x"))
        .json(&json!({"propagationPolicy": "Background"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let gone: Value = r.json().await.unwrap();
    assert_eq!(
        gone["kind"], "ServiceAccount",
        "SA delete returns the object"
    );
    let r = c.get(format!("{base}/x")).send().await.unwrap();
    assert_eq!(r.status(), 404);
    let r = c
        .get(format!("{}/api/v1/namespaces/default/pods", server.url()))
        .send()
        .await
        .unwrap();
    assert!(r.text().await.unwrap().contains("\"items\":[]"));
}

#[tokio::test]
async fn discovery_content_types() {
    let server = MockServer::start().await.unwrap();
    let c = admin(&server);
    let accept = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json";
    let r = c
        .get(format!("{}/apis", server.url()))
        .header("accept", accept)
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.headers()["content-type"],
        "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
    );
    let r = c.get(format!("{}/api", server.url())).send().await.unwrap();
    assert_eq!(r.headers()["content-type"], "application/json");
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["kind"], "APIVersions");
    let r = c
        .get(format!("{}/apis/nope/v1", server.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    assert_eq!(r.text().await.unwrap(), "404 page not found\n");
    let r = c
        .get(format!("{}/api/v1/nothings", server.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let v: Value = r.json().await.unwrap();
    assert_eq!(
        v["message"],
        "the server could not find the requested resource"
    );
}

#[tokio::test]
async fn journal_over_http_is_admin_only_and_clearable() {
    let server = MockServer::start().await.unwrap();
    let c = admin(&server);
    let url = format!("{}/__admin/requests", server.url());
    assert_eq!(
        anonymous(&server).get(&url).send().await.unwrap().status(),
        403
    );
    let v: Value = c.get(&url).send().await.unwrap().json().await.unwrap();
    assert_eq!(v[0]["status"], 403);
    assert_eq!(v[0]["user"]["username"], "system:anonymous");
    assert_eq!(c.delete(&url).send().await.unwrap().status(), 200);
    // The DELETE itself is recorded after the clear.
    assert_eq!(server.journal().len(), 1);
}

#[test]
fn blocking_start_serves_and_stops_on_drop() {
    let t = std::time::Instant::now();
    let server = MockServer::start_blocking().unwrap();
    let started = t.elapsed();
    assert!(started < std::time::Duration::from_secs(2), "{started:?}");
    let addr = server.addr();
    assert!(std::net::TcpStream::connect(addr).is_ok());
    drop(server);
    std::thread::sleep(std::time::Duration::from_millis(100));
    assert!(
        std::net::TcpStream::connect(addr).is_err(),
        "still listening after drop"
    );
}

/// kubectl's delete-wait (kubectl-traffic.md run 39): list by name, then watch from the
/// list's resourceVersion until the DELETED event arrives.
#[tokio::test]
async fn watch_streams_the_deletion_kubectl_waits_for() {
    let server = MockServer::start().await.unwrap();
    let c = admin(&server);
    let base = format!("{}/api/v1/namespaces/default/serviceaccounts", server.url());
    c.post(&base)
        .json(&json!({"metadata": {"name": "w"}}))
        .send()
        .await
        .unwrap();
    let list: Value = c
        .get(format!(
            "{base}?fieldSelector=metadata.name%3Dw&limit=500&resourceVersion=0"
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    let rv = list["metadata"]["resourceVersion"]
        .as_str()
        .unwrap()
        .to_string();
    let mut watch = c
        .get(format!(
            "{base}?allowWatchBookmarks=true&fieldSelector=metadata.name%3Dw&resourceVersion={rv}&timeoutSeconds=5&watch=true"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(watch.status(), 200);
    // Another object's events are filtered out by the field selector.
    c.post(&base)
        .json(&json!({"metadata": {"name": "other"}}))
        .send()
        .await
        .unwrap();
    let r = c
        .delete(format!("{base}/w"))
        .json(&json!({"propagationPolicy": "Background"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let chunk = tokio::time::timeout(std::time::Duration::from_secs(5), watch.chunk())
        .await
        .expect("an event within 5s")
        .unwrap()
        .expect("a chunk");
    let line = std::str::from_utf8(&chunk).unwrap();
    assert!(line.ends_with('\n'));
    let ev: Value = serde_json::from_str(line.trim_end()).unwrap();
    assert_eq!(ev["type"], "DELETED");
    assert_eq!(ev["object"]["kind"], "ServiceAccount");
    assert_eq!(ev["object"]["metadata"]["name"], "w");
}

#[tokio::test]
async fn watch_times_out_and_ends_the_stream() {
    let server = MockServer::start().await.unwrap();
    let c = admin(&server);
    let url = format!(
        "{}/api/v1/namespaces/kube-system/configmaps?watch=true&timeoutSeconds=1",
        server.url()
    );
    let body = tokio::time::timeout(std::time::Duration::from_secs(5), async {
        c.get(url).send().await.unwrap().text().await.unwrap()
    })
    .await
    .expect("stream ends after timeoutSeconds");
    // Without a resourceVersion the watch starts with the current objects.
    let ev: Value = serde_json::from_str(body.lines().next().unwrap()).unwrap();
    assert_eq!(ev["type"], "ADDED");
    assert_eq!(ev["object"]["metadata"]["name"], "kube-root-ca.crt");
}

#[tokio::test]
async fn protobuf_create_from_a_recorded_kubectl_body() {
    use base64::Engine as _;
    let server = MockServer::start().await.unwrap();
    // `kubectl create sa bearertokenauth` (kubectl-traffic.md run 01).
    let body = base64::engine::general_purpose::STANDARD
        .decode("azhzAAoUCgJ2MRIOU2VydmljZUFjY291bnQSIQofCg9iZWFyZXJ0b2tlbmF1dGgSABoAIgAqADIAOABCABoAIgA=")
        .unwrap();
    let r = admin(&server)
        .post(format!(
            "{}/api/v1/namespaces/default/serviceaccounts?fieldManager=kubectl-create&fieldValidation=Strict",
            server.url()
        ))
        .header("content-type", "application/vnd.kubernetes.protobuf")
        .header("accept", "application/vnd.kubernetes.protobuf,application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    assert_eq!(r.headers()["content-type"], "application/json");
    let sa: Value = r.json().await.unwrap();
    assert_eq!(sa["metadata"]["name"], "bearertokenauth");
    assert_eq!(sa["metadata"]["namespace"], "default");
    let j = server.journal().entries();
    assert_eq!(
        j[0].body.as_ref().unwrap()["metadata"]["name"],
        "bearertokenauth"
    );
}

#[tokio::test]
async fn replaced_authorizer_and_virtual_resources_are_used() {
    use mock_apiserver::{
        Authorizer, Decision, RequestAttributes, VirtualRequest, VirtualResource,
    };
    use std::sync::Arc;

    struct DenySecrets;
    impl Authorizer for DenySecrets {
        fn authorize(&self, a: &RequestAttributes) -> Decision {
            if a.resource == "secrets" {
                Decision::Deny {
                    reason: "no secrets today".into(),
                }
            } else {
                Decision::Allow
            }
        }
    }
    struct Echo;
    impl VirtualResource for Echo {
        fn create(
            &self,
            req: VirtualRequest<'_>,
        ) -> Result<Value, mock_apiserver::api::status::Status> {
            let mut body = req.body;
            body["status"] = json!({"allowed": req.user.username == "system:anonymous", "ns": req.namespace, "name": req.name});
            Ok(body)
        }
    }
    let server = MockServer::builder()
        .authorizer(Arc::new(DenySecrets))
        .virtual_resource(
            "authorization.k8s.io",
            "selfsubjectaccessreviews",
            Arc::new(Echo),
        )
        .virtual_resource("", "serviceaccounts/token", Arc::new(Echo))
        .start()
        .await
        .unwrap();
    let c = anonymous(&server);
    let r = c
        .get(format!(
            "{}/api/v1/namespaces/default/secrets",
            server.url()
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let v: Value = r.json().await.unwrap();
    assert_eq!(
        v["message"],
        "secrets is forbidden: User \"system:anonymous\" cannot list resource \"secrets\" in API group \"\" in the namespace \"default\": no secrets today"
    );
    let r = c
        .post(format!("{}/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", server.url()))
        .json(&json!({"apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview", "spec": {}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["status"]["allowed"], true);
    let r = c
        .post(format!(
            "{}/api/v1/namespaces/default/serviceaccounts/default/token",
            server.url()
        ))
        .json(
            &json!({"apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest", "spec": {}}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let v: Value = r.json().await.unwrap();
    assert_eq!(
        (v["status"]["ns"].as_str(), v["status"]["name"].as_str()),
        (Some("default"), Some("default"))
    );
    // Not replaced: subjectaccessreviews keeps the server's own handler (here refusing an
    // empty spec), beside the replaced ones.
    let r = c
        .post(format!(
            "{}/apis/authorization.k8s.io/v1/subjectaccessreviews",
            server.url()
        ))
        .json(&json!({"apiVersion": "authorization.k8s.io/v1", "kind": "SubjectAccessReview"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let r = c
        .get(format!(
            "{}/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
            server.url()
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 405);
}

#[tokio::test]
async fn delete_answers_per_kind_and_tables_for_get() {
    let server = MockServer::start().await.unwrap();
    let c = admin(&server);
    let roles = format!(
        "{}/apis/rbac.authorization.k8s.io/v1/namespaces/default/roles",
        server.url()
    );
    let role: Value = c
        .post(&roles)
        .json(&json!({"metadata": {"name": "r"}, "rules": [{"verbs": ["get"], "apiGroups": [""], "resources": ["pods"]}]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let uid = role["metadata"]["uid"].as_str().unwrap();
    let table: Value = c
        .get(format!("{roles}/r"))
        .header(
            "accept",
            "application/json;as=Table;v=v1;g=meta.k8s.io,application/json",
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(table["kind"], "Table");
    assert_eq!(table["rows"][0]["cells"][0], "r");
    let r = c.delete(format!("{roles}/r")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.text().await.unwrap(),
        format!(
            "{{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{{}},\"status\":\"Success\",\"details\":{{\"name\":\"r\",\"group\":\"rbac.authorization.k8s.io\",\"kind\":\"roles\",\"uid\":\"{uid}\"}}}}\n"
        )
    );
    // Namespaces: creating one seeds it, deleting it answers the namespace (Terminating).
    let nss = format!("{}/api/v1/namespaces", server.url());
    assert_eq!(
        c.post(&nss)
            .json(&json!({"metadata": {"name": "team"}}))
            .send()
            .await
            .unwrap()
            .status(),
        201
    );
    let r = c
        .get(format!("{nss}/team/configmaps/kube-root-ca.crt"))
        .send()
        .await
        .unwrap();
    let cm: Value = r.json().await.unwrap();
    assert_eq!(cm["data"]["ca.crt"], server.ca_pem());
    let gone: Value = c
        .delete(format!("{nss}/team"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(gone["status"]["phase"], "Terminating");
    assert_eq!(
        c.get(format!("{nss}/team/serviceaccounts/default"))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    let r = c
        .post(format!("{nss}/team/serviceaccounts"))
        .json(&json!({"metadata": {"name": "x"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["message"], "namespaces \"team\" not found");
}

#[tokio::test]
async fn non_resource_routes_impersonation_and_store_events_hooks() {
    use mock_apiserver::{
        ImpersonationRequest, Impersonator, NonResourceHandler, RawResponse, UserInfo,
    };
    use std::sync::Arc;

    struct Jwks;
    impl NonResourceHandler for Jwks {
        fn get(&self, path: &str, _query: &str) -> RawResponse {
            RawResponse {
                status: 200,
                content_type: "application/jwk-set+json".into(),
                headers: vec![("cache-control".into(), "public, max-age=3600".into())],
                body: format!("{{\"path\":\"{path}\"}}").into_bytes(),
            }
        }
    }
    struct AsHeader;
    impl Impersonator for AsHeader {
        fn impersonate(
            &self,
            req: &ImpersonationRequest<'_>,
        ) -> Result<Option<UserInfo>, mock_apiserver::api::status::Status> {
            Ok(req.headers.get("impersonate-user").map(|u| UserInfo {
                username: u.to_str().unwrap_or("").into(),
                ..Default::default()
            }))
        }
    }
    let builder = MockServer::builder()
        .non_resource_route("/openid/v1/jwks", Arc::new(Jwks))
        .impersonator(Arc::new(AsHeader));
    let mut events = builder.store().unwrap().subscribe();
    let server = builder.start().await.unwrap();
    let c = admin(&server);
    let r = c
        .get(format!("{}/openid/v1/jwks", server.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/jwk-set+json");
    assert_eq!(r.headers()["cache-control"], "public, max-age=3600");
    assert_eq!(r.text().await.unwrap(), "{\"path\":\"/openid/v1/jwks\"}");
    // Impersonating drops system:masters, so the default authorizer refuses.
    let r = c
        .get(format!("{}/api/v1/namespaces/default/pods", server.url()))
        .header("Impersonate-User", "bob")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let v: Value = r.json().await.unwrap();
    assert!(
        v["message"]
            .as_str()
            .unwrap()
            .contains("User \"bob\" cannot list")
    );
    c.post(format!(
        "{}/api/v1/namespaces/default/configmaps",
        server.url()
    ))
    .json(&json!({"metadata": {"name": "evt"}}))
    .send()
    .await
    .unwrap();
    // Start-up seeds the bootstrap RBAC policy first; skip to our write.
    let ev = loop {
        let ev = events.recv().await.unwrap();
        if ev.resource == "configmaps" && ev.namespace == "default" {
            break ev;
        }
    };
    assert_eq!(ev.resource, "configmaps");
    assert_eq!(ev.object["metadata"]["name"], "evt");
}

#[tokio::test]
async fn dry_run_accepts_only_all() {
    let server = MockServer::start().await.unwrap();
    let r = admin(&server)
        .post(format!(
            "{}/api/v1/namespaces/default/configmaps?dryRun=Some",
            server.url()
        ))
        .json(&json!({"metadata": {"name": "x"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let v: Value = r.json().await.unwrap();
    assert_eq!(
        v["message"],
        "CreateOptions.meta.k8s.io \"\" is invalid: dryRun: Unsupported value: []string{\"Some\"}: supported values: \"All\""
    );
}

#[tokio::test]
async fn authenticator_warnings_reach_the_response() {
    use mock_apiserver::{Authenticator, AuthnOutcome, AuthnRequest, UserInfo};
    use std::sync::Arc;
    struct Legacy;
    impl Authenticator for Legacy {
        fn authenticate(&self, req: &AuthnRequest<'_>) -> AuthnOutcome {
            match req.bearer_token() {
                Some("legacy") => AuthnOutcome::AuthenticatedWithWarnings(
                    UserInfo {
                        username: "old".into(),
                        groups: vec!["system:masters".into()],
                        ..Default::default()
                    },
                    vec!["Use tokens from the TokenRequest API".into()],
                ),
                _ => AuthnOutcome::NotApplicable,
            }
        }
    }
    let server = MockServer::builder()
        .authenticator(Arc::new(Legacy))
        .start()
        .await
        .unwrap();
    let r = anonymous(&server)
        .get(format!("{}/api/v1/namespaces", server.url()))
        .bearer_auth("legacy")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.headers()["warning"],
        "299 - \"Use tokens from the TokenRequest API\""
    );
    let r = anonymous(&server)
        .post(format!(
            "{}/api/v1/namespaces/default/namespaces",
            server.url()
        ))
        .bearer_auth("legacy")
        .json(&json!({"metadata": {"name": "x"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404, "namespaces are not namespaced");
}

#[tokio::test]
async fn watch_as_table_for_kubectl_get_w() {
    let server = MockServer::start().await.unwrap();
    let c = admin(&server);
    c.post(format!(
        "{}/api/v1/namespaces/default/serviceaccounts",
        server.url()
    ))
    .json(&json!({"metadata": {"name": "second"}}))
    .send()
    .await
    .unwrap();
    let body = c
        .get(format!(
            "{}/api/v1/namespaces/default/serviceaccounts?watch=true&timeoutSeconds=1",
            server.url()
        ))
        .header(
            "accept",
            "application/json;as=Table;v=v1;g=meta.k8s.io,application/json",
        )
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let events: Vec<Value> = body
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(events.len(), 2, "{body}");
    assert_eq!(events[0]["object"]["kind"], "Table");
    assert_eq!(events[0]["object"]["columnDefinitions"][0]["name"], "Name");
    assert_eq!(events[1]["object"]["columnDefinitions"], Value::Null);
    assert_eq!(events[1]["object"]["rows"][0]["cells"][0], "second");
}

#[tokio::test]
async fn pod_log_of_missing_and_existing_pods() {
    let server = MockServer::start().await.unwrap();
    let c = admin(&server);
    let pods = format!("{}/api/v1/namespaces/default/pods", server.url());
    let r = c.get(format!("{pods}/web/log")).send().await.unwrap();
    assert_eq!(r.status(), 404);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["message"], "pods \"web\" not found");
    let r = c
        .post(&pods)
        .json(&json!({"metadata": {"name": "web"}, "spec": {"containers": [{"name": "c", "image": "nginx"}]}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    let r = c.get(format!("{pods}/web/log")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.text().await.unwrap(), "");
}

#[tokio::test]
async fn blocking_start_works_inside_an_async_context_too() {
    let server = MockServer::start_blocking().unwrap();
    let r = admin(&server)
        .get(format!("{}/healthz", server.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.text().await.unwrap(), "ok");
    drop(server);
}

/// `PrepareForCreate` of the pod strategy: a create through the API gets `status` reset to
/// `{phase: Pending, qosClass}`; the store-level create keeps the status a test writes.
#[tokio::test]
async fn pod_create_resets_status_but_store_create_keeps_it() {
    let server = MockServer::start().await.unwrap();
    let c = admin(&server);
    let pods = format!("{}/api/v1/namespaces/default/pods", server.url());
    let full = json!({"cpu": "250m", "memory": "64Mi"});
    for (name, resources, qos) in [
        ("be", json!({}), "BestEffort"),
        ("g", json!({"requests": full, "limits": full}), "Guaranteed"),
        ("b", json!({"requests": {"cpu": "250m"}}), "Burstable"),
    ] {
        let r = c
            .post(&pods)
            .json(&json!({"metadata": {"name": name},
                "spec": {"containers": [{"name": "c", "image": "nginx", "resources": resources}]},
                "status": {"phase": "Running", "podIP": "10.1.2.3"}}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
        let v: Value = r.json().await.unwrap();
        assert_eq!(
            v["status"],
            json!({"phase": "Pending", "qosClass": qos}),
            "{name}"
        );
        let v: Value = c
            .get(format!("{pods}/{name}"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(v["status"]["phase"], "Pending");
        assert!(v["status"].get("podIP").is_none());
    }
    let def = mock_apiserver::api::registry::find_plural("pods").unwrap();
    let kubelet = json!({"phase": "Running", "podIP": "10.1.2.3"});
    server
        .store()
        .create(
            def,
            "default",
            json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "k"},
                "spec": {"containers": [{"name": "c", "image": "nginx"}]}, "status": kubelet}),
            &Default::default(),
        )
        .unwrap();
    let v: Value = c
        .get(format!("{pods}/k"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["status"]["phase"], "Running");
    assert_eq!(v["status"]["podIP"], "10.1.2.3");
}

/// A malformed `labelSelector` is the 400 `labels.Parse` gives, not a match-everything list.
#[tokio::test]
async fn malformed_label_selector_is_400() {
    let server = MockServer::start().await.unwrap();
    let r = admin(&server)
        .get(format!(
            "{}/api/v1/namespaces/default/serviceaccounts?labelSelector=%21%21",
            server.url()
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(
        r.text().await.unwrap(),
        "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\",\"message\":\"unable to parse requirement: found '!', expected: identifier\",\"reason\":\"BadRequest\",\"code\":400}\n"
    );
}

/// A list answer large enough to be streamed (100 KB and more, see `http/list_answer.rs`) is
/// byte for byte the pages sent whole put together, and reports the same metadata shape.
#[tokio::test]
async fn a_large_list_is_streamed_byte_for_byte() {
    let server = MockServer::start().await.unwrap();
    let c = admin(&server);
    let base = format!("{}/api/v1/namespaces/kube-public/configmaps", server.url());
    for i in 0..300 {
        let r = c
            .post(&base)
            .json(&json!({
                "metadata": {"name": format!("cm-{i:03}"), "labels": {"n": i.to_string()}},
                "data": {"blob": "<&>".repeat(10 + i % 20)},
            }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
    }
    // Whether the answer came with a Content-Length (a whole body does; a streamed one, as
    // Go's server sends it, does not), and its bytes.
    let get_sized = |url: String| {
        let c = c.clone();
        async move {
            let r = c.get(url).send().await.unwrap();
            assert_eq!(r.status(), 200);
            let sized = r.headers().contains_key("content-length");
            (sized, r.bytes().await.unwrap())
        }
    };
    let items = |body: &[u8]| {
        let s = std::str::from_utf8(body).unwrap();
        let start = s.find(",\"items\":[").unwrap() + ",\"items\":[".len();
        assert!(s.ends_with("]}\n"), "{}", &s[s.len() - 10..]);
        s[start..s.len() - 3].to_string()
    };
    let (sized, whole) = get_sized(base.clone()).await;
    assert!(
        whole.len() > 100_000,
        "{} bytes: not a large list",
        whole.len()
    );
    assert!(!sized, "a large list is streamed, without a Content-Length");
    let v: Value = serde_json::from_slice(&whole).unwrap();
    assert_eq!(v["items"].as_array().unwrap().len(), 301);
    assert_eq!(v["kind"], "ConfigMapList");
    // Pages of 20 (about 20 KB each) are built inline.
    let mut pages = Vec::new();
    let mut token = String::new();
    loop {
        let mut url = format!("{base}?limit=20");
        if !token.is_empty() {
            url.push_str(&format!("&continue={token}"));
        }
        let (sized, page) = get_sized(url).await;
        assert!(page.len() < 100_000);
        assert!(sized, "a small page is sent whole, with its Content-Length");
        let v: Value = serde_json::from_slice(&page).unwrap();
        pages.push(items(&page));
        token = v["metadata"]["continue"].as_str().unwrap_or("").to_string();
        if token.is_empty() {
            break;
        }
    }
    assert_eq!(pages.len(), 16);
    assert_eq!(items(&whole), pages.join(","));
    // Indented (as for curl) a large list is built whole, with the same items.
    let (sized, pretty) = get_sized(format!("{base}?pretty=true")).await;
    assert!(sized);
    assert!(pretty.starts_with(b"{\n  \"kind\": \"ConfigMapList\""));
    let p: Value = serde_json::from_slice(&pretty).unwrap();
    assert_eq!(p["items"], v["items"]);
}
