//! Contract: every answer mock-apiserver gives on the endpoints of `openapi-snippets/` matches the
//! official Kubernetes OpenAPI schema for that method, path and status (objects, lists with and
//! without items, Status bodies of every error), driven with a plain reqwest client so nothing of
//! rawkube's typed layer can hide a mismatch.
//!
//! Each test collects every mismatch before failing, so one run lists all of them.
//!
//! Two answers of the real server are not what the published operations list, and are checked
//! as what the server sends: `DELETE /api/v1/namespaces/{name}` returns the Namespace (listed:
//! Status), and deletecollection returns the deleted items as a list (listed: Status). Answers
//! on routes the spec has no operation for (405) are checked as meta/v1 Status.

use std::sync::LazyLock;

use mock_apiserver::MockServer;
use serde_json::{Value, json};

use crate::support::openapi::{STATUS_SCHEMA, Spec};

static SPEC: LazyLock<Spec> = LazyLock::new(Spec::load);

const RBAC: &str = "/apis/rbac.authorization.k8s.io/v1";

/// A reqwest client trusting only the mock's CA and presenting `identity` (cert PEM, key PEM).
fn https_client(server: &MockServer, identity: Option<(&str, &str)>) -> reqwest::Client {
    let ca = reqwest::Certificate::from_pem(server.ca_pem().as_bytes()).expect("CA PEM");
    let mut builder = reqwest::Client::builder().tls_certs_only([ca]);
    if let Some((cert, key)) = identity {
        let pem = format!("{cert}{key}");
        builder = builder.identity(reqwest::Identity::from_pem(pem.as_bytes()).expect("identity"));
    }
    builder.build().expect("reqwest client")
}

/// One answer: its status and JSON body.
struct Answer {
    status: u16,
    body: Value,
}

/// Sends requests, validates each answer against the spec and collects every problem.
struct Contract {
    http: reqwest::Client,
    base: String,
    problems: Vec<String>,
    checked: usize,
}

impl Contract {
    fn new(server: &MockServer, identity: Option<(&str, &str)>) -> Contract {
        Contract {
            http: https_client(server, identity),
            base: server.url().to_string(),
            problems: Vec::new(),
            checked: 0,
        }
    }

    fn admin(server: &MockServer) -> Contract {
        Contract::new(
            server,
            Some((
                server.admin_client_cert_pem(),
                server.admin_client_key_pem(),
            )),
        )
    }

    /// Sends `method path` with an optional body of `content_type`, checks the status is
    /// `expect` and validates the answer against the response schema of (method, path, status).
    async fn call(
        &mut self,
        method: &str,
        path: &str,
        body: Option<(&str, String)>,
        expect: u16,
    ) -> Answer {
        let answer = self.send(method, path, body).await;
        let what = format!("{method} {path} -> {}", answer.status);
        if answer.status != expect {
            self.problems.push(format!(
                "{what}: expected status {expect}; body {}",
                answer.body
            ));
        }
        self.checked += 1;
        if let Err(errors) = SPEC.validate_response(method, path, answer.status, &answer.body) {
            let schema = SPEC
                .response_schema_name(method, path, answer.status)
                .unwrap_or_else(|e| e);
            self.problems.push(format!(
                "{what}: body does not match {schema}: {errors:?}\n    body: {}",
                answer.body
            ));
        }
        answer
    }

    /// JSON body shorthand for [`Contract::call`].
    async fn json(&mut self, method: &str, path: &str, body: &Value, expect: u16) -> Answer {
        self.call(
            method,
            path,
            Some(("application/json", body.to_string())),
            expect,
        )
        .await
    }

    /// For answers on routes the spec has no operation for (405): the body must be a meta/v1 Status.
    async fn call_status_only(&mut self, method: &str, path: &str, expect: u16) -> Answer {
        let answer = self.send(method, path, None).await;
        let what = format!("{method} {path} -> {}", answer.status);
        if answer.status != expect {
            self.problems.push(format!(
                "{what}: expected status {expect}; body {}",
                answer.body
            ));
        }
        self.checked += 1;
        if let Err(errors) = SPEC.validate(STATUS_SCHEMA, &answer.body) {
            self.problems.push(format!(
                "{what}: body is not a valid {STATUS_SCHEMA}: {errors:?}"
            ));
        }
        answer
    }

    async fn send(&mut self, method: &str, path: &str, body: Option<(&str, String)>) -> Answer {
        let method_value = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let mut req = self
            .http
            .request(method_value, format!("{}{path}", self.base));
        if let Some((content_type, text)) = body {
            req = req.header("content-type", content_type).body(text);
        }
        let resp = req
            .send()
            .await
            .unwrap_or_else(|e| panic!("{method} {path}: {e}"));
        let status = resp.status().as_u16();
        let text = resp.text().await.expect("response body");
        let body = serde_json::from_str(&text).unwrap_or_else(|e| {
            self.problems.push(format!(
                "{method} {path} -> {status}: body is not JSON ({e}): {text:?}"
            ));
            Value::Null
        });
        Answer { status, body }
    }

    /// deletecollection: the published operation lists only Status for 200, but the real server
    /// answers with the deleted items as a list (apiserver-spec.md 5.4), which must then be a
    /// valid list of that collection.
    async fn delete_collection(&mut self, coll: &str) -> Answer {
        let deleted = self.send("DELETE", coll, None).await;
        self.checked += 1;
        let as_status = SPEC.validate_response("DELETE", coll, deleted.status, &deleted.body);
        let as_list = SPEC.validate_response("GET", coll, deleted.status, &deleted.body);
        if deleted.status != 200 || (as_status.is_err() && as_list.is_err()) {
            self.problems.push(format!(
                "DELETE {coll} -> {}: neither a Status ({as_status:?}) nor a list ({as_list:?}): {}",
                deleted.status, deleted.body
            ));
        }
        deleted
    }

    /// Fails the test with every collected problem.
    fn finish(self, what: &str) {
        assert!(
            self.problems.is_empty(),
            "{what}: {} of {} answers broke the official OpenAPI contract:\n  - {}",
            self.problems.len(),
            self.checked,
            self.problems.join("\n  - ")
        );
        assert!(self.checked > 0, "{what}: nothing was checked");
    }
}

/// One resource type: where it lives and a valid object of it.
struct Kind {
    /// Collection path (in namespace `ns` for namespaced kinds).
    collection: fn(&str) -> String,
    /// A valid new object named `name` in namespace `ns`.
    object: fn(&str, &str) -> Value,
    namespaced: bool,
}

fn kinds() -> Vec<(&'static str, Kind)> {
    vec![
        (
            "serviceaccounts",
            Kind {
                collection: |ns| format!("/api/v1/namespaces/{ns}/serviceaccounts"),
                object: |ns, name| {
                    json!({"apiVersion": "v1", "kind": "ServiceAccount",
                        "metadata": {"name": name, "namespace": ns, "labels": {"app": "contract"}},
                        "automountServiceAccountToken": false})
                },
                namespaced: true,
            },
        ),
        (
            "secrets",
            Kind {
                collection: |ns| format!("/api/v1/namespaces/{ns}/secrets"),
                object: |ns, name| {
                    json!({"apiVersion": "v1", "kind": "Secret",
                        "metadata": {"name": name, "namespace": ns, "labels": {"app": "contract"}},
                        "type": "Opaque", "data": {"k": "dmFsdWU="}, "stringData": {"s": "plain"}})
                },
                namespaced: true,
            },
        ),
        (
            "configmaps",
            Kind {
                collection: |ns| format!("/api/v1/namespaces/{ns}/configmaps"),
                object: |ns, name| {
                    json!({"apiVersion": "v1", "kind": "ConfigMap",
                        "metadata": {"name": name, "namespace": ns, "labels": {"app": "contract"}},
                        "data": {"a": "1"}, "binaryData": {"b": "AAE="}})
                },
                namespaced: true,
            },
        ),
        (
            "pods",
            Kind {
                collection: |ns| format!("/api/v1/namespaces/{ns}/pods"),
                object: |ns, name| {
                    json!({"apiVersion": "v1", "kind": "Pod",
                        "metadata": {"name": name, "namespace": ns, "labels": {"app": "contract"}},
                        "spec": {"containers": [{"name": "nginx", "image": "nginx",
                            "ports": [{"containerPort": 80}]}]}})
                },
                namespaced: true,
            },
        ),
        (
            "roles",
            Kind {
                collection: |ns| format!("{RBAC}/namespaces/{ns}/roles"),
                object: |ns, name| {
                    json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
                        "metadata": {"name": name, "namespace": ns, "labels": {"app": "contract"}},
                        "rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list"]}]})
                },
                namespaced: true,
            },
        ),
        (
            "rolebindings",
            Kind {
                collection: |ns| format!("{RBAC}/namespaces/{ns}/rolebindings"),
                object: |ns, name| {
                    json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
                        "metadata": {"name": name, "namespace": ns, "labels": {"app": "contract"}},
                        "subjects": [{"kind": "ServiceAccount", "name": "default", "namespace": ns}],
                        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "r"}})
                },
                namespaced: true,
            },
        ),
        (
            "namespaces",
            Kind {
                collection: |_| "/api/v1/namespaces".into(),
                object: |_, name| {
                    json!({"apiVersion": "v1", "kind": "Namespace",
                        "metadata": {"name": name, "labels": {"app": "contract"}}})
                },
                namespaced: false,
            },
        ),
        (
            "clusterroles",
            Kind {
                collection: |_| format!("{RBAC}/clusterroles"),
                object: |_, name| {
                    json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
                        "metadata": {"name": name, "labels": {"app": "contract"}},
                        "rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get"]},
                                  {"nonResourceURLs": ["/healthz"], "verbs": ["get"]}]})
                },
                namespaced: false,
            },
        ),
        (
            "clusterrolebindings",
            Kind {
                collection: |_| format!("{RBAC}/clusterrolebindings"),
                object: |_, name| {
                    json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
                        "metadata": {"name": name, "labels": {"app": "contract"}},
                        "subjects": [{"kind": "User", "apiGroup": "rbac.authorization.k8s.io", "name": "alice"},
                                     {"kind": "Group", "apiGroup": "rbac.authorization.k8s.io", "name": "devs"}],
                        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "view"}})
                },
                namespaced: false,
            },
        ),
    ]
}

/// The real server answers `DELETE /api/v1/namespaces/{name}` with the Namespace (now
/// `Terminating`), while the published operation lists only `Status` for 200/202: the Go handler
/// returns whatever the namespace registry's Delete gives. Such a body is checked as a Namespace.
fn namespace_delete_body_ok(path: &str, answer: &Answer) -> bool {
    path.starts_with("/api/v1/namespaces/")
        && path.matches('/').count() == 4
        && answer.body.get("kind") == Some(&Value::from("Namespace"))
        && SPEC
            .validate("io.k8s.api.core.v1.Namespace", &answer.body)
            .is_ok()
}

#[tokio::test]
async fn mock_answers_every_verb_of_every_kind_per_the_official_schema() {
    let server = MockServer::start().await.expect("mock starts");
    let mut c = Contract::admin(&server);

    // A namespace of our own, so lists of secrets/pods/roles/rolebindings start empty.
    c.json(
        "POST",
        "/api/v1/namespaces",
        &json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "contract"}}),
        201,
    )
    .await;

    for (plural, kind) in kinds() {
        let ns = "contract";
        let coll = (kind.collection)(ns);
        let name = format!("contract-{}", plural.trim_end_matches('s'));
        let item = format!("{coll}/{name}");
        let obj = (kind.object)(ns, &name);

        // List before create: empty for the kinds a fresh namespace holds none of.
        let before = c.call("GET", &coll, None, 200).await;
        let empty_expected = kind.namespaced && !matches!(plural, "serviceaccounts" | "configmaps");
        if empty_expected && before.body["items"] != json!([]) {
            c.problems.push(format!(
                "GET {coll}: a fresh namespace's {plural} list should be `items: []`, got {}",
                before.body["items"]
            ));
        }

        // create, dry-run create, duplicate create
        let created = c
            .json("POST", &format!("{coll}?fieldManager=contract"), &obj, 201)
            .await;
        let dry = (kind.object)(ns, &format!("{name}-dry"));
        c.json("POST", &format!("{coll}?dryRun=All"), &dry, 201)
            .await;
        c.json("POST", &coll, &obj, 409).await;

        // get, list with items, selectors, paging
        let got = c.call("GET", &item, None, 200).await;
        let listed = c.call("GET", &coll, None, 200).await;
        if !listed.body["items"]
            .as_array()
            .is_some_and(|items| items.iter().any(|i| i["metadata"]["name"] == name.as_str()))
        {
            c.problems.push(format!("GET {coll}: {name} is not listed"));
        }
        c.call(
            "GET",
            &format!("{coll}?labelSelector=app%3Dcontract"),
            None,
            200,
        )
        .await;
        c.call(
            "GET",
            &format!("{coll}?labelSelector=app%3Dnone"),
            None,
            200,
        )
        .await;
        c.call(
            "GET",
            &format!("{coll}?fieldSelector=metadata.name%3D{name}"),
            None,
            200,
        )
        .await;
        let page = c.call("GET", &format!("{coll}?limit=1"), None, 200).await;
        if let Some(token) = page.body["metadata"]["continue"].as_str() {
            let token = token
                .replace('=', "%3D")
                .replace('+', "%2B")
                .replace('/', "%2F");
            c.call(
                "GET",
                &format!("{coll}?limit=1&continue={token}"),
                None,
                200,
            )
            .await;
        }

        // update: with the current resourceVersion, then a stale one
        let mut changed = got.body.clone();
        changed["metadata"]["labels"]["updated"] = json!("yes");
        let updated = c.json("PUT", &item, &changed, 200).await;
        c.json("PUT", &item, &got.body, 409).await;
        if created.body["metadata"]["resourceVersion"]
            == updated.body["metadata"]["resourceVersion"]
        {
            c.problems
                .push(format!("PUT {item}: resourceVersion did not change"));
        }

        // patch: merge, JSON patch, an unsupported type
        c.call(
            "PATCH",
            &item,
            Some((
                "application/merge-patch+json",
                json!({"metadata": {"annotations": {"contract": "merge"}}}).to_string(),
            )),
            200,
        )
        .await;
        c.call(
            "PATCH",
            &item,
            Some((
                "application/json-patch+json",
                json!([{"op": "add", "path": "/metadata/labels/patched", "value": "json"}])
                    .to_string(),
            )),
            200,
        )
        .await;
        c.call("PATCH", &item, Some(("text/plain", "x".to_string())), 415)
            .await;

        // errors on the item and the collection
        // RBAC names only need to be path segments (`system:...` is fine), so `/` makes them invalid.
        let bad_name = if plural.contains("role") {
            "bad/name"
        } else {
            "Not_A_Valid_Name"
        };
        let invalid = (kind.object)(ns, bad_name);
        c.json("POST", &coll, &invalid, 422).await;
        c.call(
            "POST",
            &coll,
            Some(("application/json", "{\"kind\":".to_string())),
            400,
        )
        .await;
        let mut unknown_field = (kind.object)(ns, &format!("{name}-strict"));
        unknown_field["notAField"] = json!(1);
        c.json(
            "POST",
            &format!("{coll}?fieldValidation=Strict"),
            &unknown_field,
            400,
        )
        .await;
        if kind.namespaced {
            let other = (kind.object)("default", &format!("{name}-mismatch"));
            c.json("POST", &coll, &other, 400).await;
            let missing_ns = (kind.collection)("no-such-namespace");
            let in_missing = (kind.object)("no-such-namespace", &name);
            c.json("POST", &missing_ns, &in_missing, 404).await;
        }
        c.call(
            "PATCH",
            &format!("{coll}/nope"),
            Some(("application/merge-patch+json", "{}".into())),
            404,
        )
        .await;
        // PUT on a missing object: RBAC kinds allow create-on-update (201), the others 404.
        c.json(
            "PUT",
            &format!("{coll}/nope"),
            &(kind.object)(ns, "nope"),
            if plural.contains("role") { 201 } else { 404 },
        )
        .await;
        c.call_status_only("PUT", &coll, 405).await;

        // delete preconditions that do not hold: 409 Conflict; an unparsable selector: 400
        c.call(
            "DELETE",
            &item,
            Some((
                "application/json",
                json!({"apiVersion": "v1", "kind": "DeleteOptions",
                    "preconditions": {"uid": "00000000-0000-0000-0000-000000000000"}})
                .to_string(),
            )),
            409,
        )
        .await;
        c.call("GET", &format!("{coll}?labelSelector=%3Dx"), None, 400)
            .await;

        // delete (kubectl's body), then it is gone
        let options = json!({"propagationPolicy": "Background"}).to_string();
        let deleted = c
            .send("DELETE", &item, Some(("application/json", options)))
            .await;
        c.checked += 1;
        if deleted.status != 200 {
            c.problems
                .push(format!("DELETE {item}: status {}", deleted.status));
        }
        if let Err(errors) = SPEC.validate_response("DELETE", &item, deleted.status, &deleted.body)
            && !namespace_delete_body_ok(&item, &deleted)
        {
            c.problems.push(format!(
                "DELETE {item} -> {}: body does not match the spec: {errors:?}\n    body: {}",
                deleted.status, deleted.body
            ));
        }
        if plural != "namespaces" {
            c.call("GET", &item, None, 404).await;
            c.call("DELETE", &item, None, 404).await;
            // deletecollection (not published for namespaces)
            let selected = format!("{coll}?labelSelector=app%3Dcontract");
            c.delete_collection(&selected).await;
            let left = c.call("GET", &selected, None, 200).await;
            if left.body["items"] != json!([]) {
                c.problems
                    .push(format!("DELETE {selected} left {}", left.body["items"]));
            }
        }
    }
    c.finish("admin CRUD over every kind");
}

#[tokio::test]
async fn mock_lists_and_statuses_of_the_tutorial_paths() {
    let server = MockServer::start().await.expect("mock starts");
    let mut c = Contract::admin(&server);
    // Empty lists (items: []), the cross-namespace list, and the objects a fresh cluster holds.
    let pods = c
        .call(
            "GET",
            "/api/v1/namespaces/default/pods?limit=500",
            None,
            200,
        )
        .await;
    assert_eq!(pods.body["items"], json!([]), "PodList items never null");
    c.call("GET", "/api/v1/pods", None, 200).await;
    c.call("GET", "/api/v1/namespaces", None, 200).await;
    c.call("GET", "/api/v1/namespaces/kube-system", None, 200)
        .await;
    c.call(
        "GET",
        "/api/v1/namespaces/default/serviceaccounts/default",
        None,
        200,
    )
    .await;
    c.call(
        "GET",
        "/api/v1/namespaces/default/configmaps/kube-root-ca.crt",
        None,
        200,
    )
    .await;
    c.call("GET", &format!("{RBAC}/clusterroles"), None, 200)
        .await;
    c.call("GET", &format!("{RBAC}/clusterrolebindings"), None, 200)
        .await;
    c.call(
        "GET",
        "/api/v1/namespaces/default/serviceaccounts/nosuchsa",
        None,
        404,
    )
    .await;
    c.call("GET", "/api/v1/namespaces/nosuchns", None, 404)
        .await;
    // A pod in two namespaces for the cross-namespace list with items.
    for ns in ["default", "kube-public"] {
        let pod = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
            "spec": {"containers": [{"name": "c", "image": "busybox"}]}});
        c.json("POST", &format!("/api/v1/namespaces/{ns}/pods"), &pod, 201)
            .await;
    }
    let all = c.call("GET", "/api/v1/pods", None, 200).await;
    assert_eq!(all.body["items"].as_array().map(Vec::len), Some(2));
    // deletecollection of a namespace's pods (see Contract::delete_collection).
    let coll = "/api/v1/namespaces/default/pods";
    c.delete_collection(coll).await;
    let left = c.call("GET", coll, None, 200).await;
    assert_eq!(
        left.body["items"],
        json!([]),
        "deletecollection deleted the pods"
    );
    c.finish("lists and statuses");
}

#[tokio::test]
async fn forbidden_and_unauthorized_answers_are_status_bodies() {
    let server = MockServer::start().await.expect("mock starts");
    let (cert, key) = server
        .issue_client_cert("contract-user", &[])
        .expect("client cert");
    let mut c = Contract::new(&server, Some((&cert, &key)));
    for (_, kind) in kinds() {
        let coll = (kind.collection)("default");
        let item = format!("{coll}/x");
        c.call("GET", &coll, None, 403).await;
        c.call("GET", &item, None, 403).await;
        c.json("POST", &coll, &(kind.object)("default", "x"), 403)
            .await;
        c.json("PUT", &item, &(kind.object)("default", "x"), 403)
            .await;
        c.call(
            "PATCH",
            &item,
            Some(("application/merge-patch+json", "{}".into())),
            403,
        )
        .await;
        c.call("DELETE", &item, None, 403).await;
    }
    // A rejected bearer token is 401 even though anonymous requests are allowed; a client
    // certificate would authenticate first, so this one presents none.
    let answer = https_client(&server, None)
        .get(format!("{}/api/v1/namespaces/default/pods", c.base))
        .bearer_auth("not-a-token")
        .send()
        .await
        .expect("request");
    let status = answer.status().as_u16();
    let body: Value = answer.json().await.expect("JSON body");
    assert_eq!(status, 401);
    if let Err(errors) =
        SPEC.validate_response("GET", "/api/v1/namespaces/default/pods", status, &body)
    {
        c.problems.push(format!("401 body: {errors:?}: {body}"));
    }
    c.finish("403/401");
}

/// The identity endpoints (issue 3): TokenRequest and the reviews.
#[tokio::test]
async fn token_and_review_endpoints() {
    let server = MockServer::start().await.expect("mock starts");
    let mut c = Contract::admin(&server);
    let sa = json!({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "tok"}});
    c.json(
        "POST",
        "/api/v1/namespaces/default/serviceaccounts",
        &sa,
        201,
    )
    .await;
    let cases: Vec<(&str, Value, u16)> = vec![
        (
            "/api/v1/namespaces/default/serviceaccounts/tok/token",
            json!({"apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest",
                "spec": {"audiences": [], "expirationSeconds": 3600}}),
            201,
        ),
        (
            "/apis/authentication.k8s.io/v1/selfsubjectreviews",
            json!({"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"}),
            201,
        ),
        (
            "/apis/authentication.k8s.io/v1/tokenreviews",
            json!({"apiVersion": "authentication.k8s.io/v1", "kind": "TokenReview",
                "spec": {"token": "not.a.token"}}),
            201,
        ),
        (
            "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
            json!({"apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview",
                "spec": {"resourceAttributes": {"namespace": "default", "verb": "list", "resource": "pods"}}}),
            201,
        ),
        (
            "/apis/authorization.k8s.io/v1/selfsubjectrulesreviews",
            json!({"apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectRulesReview",
                "spec": {"namespace": "default"}}),
            201,
        ),
    ];
    for (path, body, expect) in cases {
        c.json("POST", path, &body, expect).await;
    }
    // A token for a missing ServiceAccount is a 404 naming it.
    let tr = json!({"apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest",
        "spec": {"audiences": []}});
    c.json(
        "POST",
        "/api/v1/namespaces/default/serviceaccounts/nosuchsa/token",
        &tr,
        404,
    )
    .await;
    c.finish("token and reviews");
}
