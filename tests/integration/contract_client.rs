//! Contract: what rawkube's typed API sends and what it makes of the answers, both checked against
//! the official Kubernetes OpenAPI (`openapi-snippets/`).
//!
//! - Every request body rawkube sent (read back from the mock's journal, as the server decoded it)
//!   must match the operation's `requestBody` schema.
//! - Every typed value rawkube parsed is serialised again and must match the response schema of the
//!   call, and must hold the same fields as the raw answer (fetched again, untyped): a field lost
//!   or renamed by a misspelled `serde(rename)` shows up as dropped or invented.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use mock_apiserver::MockServer;
use mock_apiserver::store::WriteOptions;
use serde::Serialize;
use serde_json::{Value, json};

use rawkube::api::meta::ObjectMeta;
use rawkube::api::namespace::Namespace;
use rawkube::api::pod::Pod;
use rawkube::api::rbac::{
    ClusterRole, ClusterRoleBinding, PolicyRule, Role, RoleBinding, RoleRef, Subject,
};
use rawkube::api::review::SelfSubjectAccessReview;
use rawkube::api::secret::Secret;
use rawkube::api::serviceaccount::ServiceAccount;
use rawkube::api::token::{TokenRequest, TokenReview};
use rawkube::api::{
    Api, DeleteParams, Deleted, ListParams, PostParams, Preconditions, TypedResource,
};
use rawkube::client::Request;
use rawkube::config::ConnectionConfig;
use rawkube::path::Path;
use rawkube::{Client, Error};

use crate::support::openapi::Spec;

static SPEC: LazyLock<Spec> = LazyLock::new(Spec::load);

fn admin(server: &MockServer) -> Client {
    Client::new(&admin_config(server)).expect("admin client")
}

fn admin_config(server: &MockServer) -> ConnectionConfig {
    ConnectionConfig {
        server: server.url().into(),
        ca_pem: Some(server.ca_pem().as_bytes().to_vec()),
        client_cert_pem: Some(server.admin_client_cert_pem().as_bytes().to_vec()),
        client_key_pem: Some(server.admin_client_key_pem().as_bytes().to_vec()),
        namespace: "default".into(),
        ..Default::default()
    }
}

/// Every JSON leaf (pointer -> scalar); empty objects/arrays and nulls count as absent, as
/// they do for Go's `omitempty`.
fn leaves(value: &Value, ptr: &str, out: &mut BTreeMap<String, Value>) {
    match value {
        Value::Null => {}
        Value::Object(map) => {
            for (k, v) in map {
                let key = k.replace('~', "~0").replace('/', "~1");
                leaves(v, &format!("{ptr}/{key}"), out);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                leaves(v, &format!("{ptr}/{i}"), out);
            }
        }
        scalar => {
            out.insert(ptr.to_string(), scalar.clone());
        }
    }
}

/// Collects every contract problem of a run, so one failure lists them all.
struct Checks<'a> {
    client: &'a Client,
    problems: Vec<String>,
    typed_checked: usize,
}

impl<'a> Checks<'a> {
    fn new(client: &'a Client) -> Self {
        Checks {
            client,
            problems: Vec::new(),
            typed_checked: 0,
        }
    }

    /// The raw JSON the server gives for `GET path` now.
    async fn raw_get(&self, path: &str) -> Value {
        let resp = self
            .client
            .send(&Request::get(Path::raw(path)))
            .await
            .unwrap_or_else(|e| panic!("GET {path}: {e}"));
        serde_json::from_slice(&resp.body).unwrap_or_else(|e| panic!("GET {path}: not JSON: {e}"))
    }

    /// `typed`, serialised again, must match the response schema of `method path status` and
    /// (when given) hold exactly the leaves of the raw answer `raw`.
    fn typed<T: Serialize>(
        &mut self,
        what: &str,
        (method, path, status): (&str, &str, u16),
        typed: &T,
        raw: Option<&Value>,
    ) {
        self.typed_checked += 1;
        let value = serde_json::to_value(typed).expect("typed values serialise");
        if let Err(errors) = SPEC.validate_response(method, path, status, &value) {
            let schema = SPEC
                .response_schema_name(method, path, status)
                .unwrap_or_else(|e| e);
            self.problems.push(format!(
                "{what}: rawkube's re-serialised {method} {path} {status} answer does not match {schema}: {errors:?}\n    re-serialised: {value}"
            ));
        }
        if let Some(raw) = raw {
            self.same_fields(what, &value, raw);
        }
    }

    fn same_fields(&mut self, what: &str, typed: &Value, raw: &Value) {
        let (mut t, mut r) = (BTreeMap::new(), BTreeMap::new());
        leaves(typed, "", &mut t);
        leaves(raw, "", &mut r);
        let dropped: Vec<_> = r.keys().filter(|k| !t.contains_key(*k)).collect();
        let differing: Vec<_> = t
            .iter()
            .filter(|(k, v)| r.get(*k) != Some(v))
            .map(|(k, v)| format!("{k}={v} (server: {:?})", r.get(k)))
            .collect();
        if !dropped.is_empty() {
            self.problems.push(format!(
                "{what}: rawkube dropped fields of the server's answer: {dropped:?}"
            ));
        }
        if !differing.is_empty() {
            self.problems.push(format!(
                "{what}: rawkube's value differs from the server's answer: {differing:?}"
            ));
        }
    }

    /// Like [`Checks::same_fields`], comparing only which fields are present.
    fn same_shape(&mut self, what: &str, typed: &Value, raw: &Value) {
        let (mut t, mut r) = (BTreeMap::new(), BTreeMap::new());
        leaves(typed, "", &mut t);
        leaves(raw, "", &mut r);
        let dropped: Vec<_> = r.keys().filter(|k| !t.contains_key(*k)).collect();
        let invented: Vec<_> = t.keys().filter(|k| !r.contains_key(*k)).collect();
        if !dropped.is_empty() || !invented.is_empty() {
            self.problems.push(format!(
                "{what}: rawkube's value and the server's answer differ in fields: dropped {dropped:?}, not in the answer {invented:?}"
            ));
        }
    }

    /// An API error must carry the server's Status, valid against meta/v1 Status.
    fn error(&mut self, what: &str, (method, path): (&str, &str), err: &Error, code: u16) {
        match err.status() {
            Some(status) if status.code == code => {
                self.typed(what, (method, path, code), status, None);
            }
            _ => self.problems.push(format!(
                "{what}: expected a {code} Status error, got {err:?}"
            )),
        }
    }

    fn finish(self, server: &MockServer, what: &str) {
        let mut problems = self.problems;
        let mut bodies = 0;
        for entry in server.journal().entries() {
            let Some(body) = &entry.body else { continue };
            bodies += 1;
            if let Err(errors) = SPEC.validate_request_body(&entry.method, &entry.path, body) {
                problems.push(format!(
                    "rawkube sent {} {} a body the spec rejects: {errors:?}\n    body: {body}",
                    entry.method, entry.path
                ));
            }
        }
        assert!(
            problems.is_empty(),
            "{what}: {} contract problems ({} typed answers, {bodies} request bodies checked):\n  - {}",
            problems.len(),
            self.typed_checked,
            problems.join("\n  - ")
        );
        assert!(
            self.typed_checked > 0 && bodies > 0,
            "{what}: nothing was checked"
        );
    }
}

fn params() -> PostParams {
    PostParams {
        dry_run: false,
        field_manager: Some("rawkube-contract".into()),
    }
}

/// The value of a call that must succeed; otherwise the problem is recorded and the calls on
/// this kind stop (the request bodies sent so far are still checked by [`Checks::finish`]).
macro_rules! or_stop {
    ($checks:expr, $call:literal, $result:expr) => {
        match $result {
            Ok(value) => value,
            Err(err) => {
                $checks.problems.push(format!(
                    "{} {}: the server refused it: {err}",
                    K::KIND,
                    $call
                ));
                return;
            }
        }
    };
}

/// create (also dry-run and duplicate), get, list (all, by label, empty), update (also stale),
/// delete with a DeleteOptions body, get after delete: every answer and body checked.
async fn typed_calls<K: TypedResource + Clone>(
    c: &mut Checks<'_>,
    api: &Api<K>,
    obj: K,
    mutate: impl Fn(&mut K),
) {
    let kind = K::KIND;
    let name = obj.metadata().name.clone();
    let coll = api.collection_path().to_string();
    let item = api.item_path(&name).to_string();

    let created = or_stop!(c, "create", api.create(&obj, &params()).await);
    let raw = c.raw_get(&item).await;
    c.typed(
        &format!("{kind} create"),
        ("POST", &coll, 201),
        &created,
        Some(&raw),
    );

    let dry = PostParams {
        dry_run: true,
        ..params()
    };
    match api.create(&obj, &dry).await {
        Err(err) => c.error(
            &format!("{kind} dry-run duplicate"),
            ("POST", &coll),
            &err,
            409,
        ),
        Ok(_) => c.problems.push(format!(
            "{kind}: dry-run create of an existing name succeeded"
        )),
    }
    match api.create(&obj, &params()).await {
        Err(err) => c.error(
            &format!("{kind} duplicate create"),
            ("POST", &coll),
            &err,
            409,
        ),
        Ok(_) => c
            .problems
            .push(format!("{kind}: duplicate create succeeded")),
    }

    let got = or_stop!(c, "get", api.get(&name).await);
    c.typed(
        &format!("{kind} get"),
        ("GET", &item, 200),
        &got,
        Some(&raw),
    );

    let list = or_stop!(c, "list", api.list(&ListParams::default()).await);
    let raw_list = c.raw_get(&coll).await;
    c.typed(
        &format!("{kind} list"),
        ("GET", &coll, 200),
        &list,
        Some(&raw_list),
    );
    // Paging: each page (with `continue` and `remainingItemCount` when more follow) as the server sent it.
    let mut token = String::new();
    for page_no in 0..4 {
        let page_params = ListParams {
            limit: Some(1),
            continue_token: (!token.is_empty()).then(|| token.clone()),
            ..Default::default()
        };
        let page = or_stop!(c, "list", api.list(&page_params).await);
        let mut raw_path = api.collection_path().limit(1);
        if !token.is_empty() {
            raw_path = raw_path.continue_token(&token);
        }
        let raw_page = c.raw_get(&raw_path.to_string()).await;
        c.typed(
            &format!("{kind} list page {page_no}"),
            ("GET", &coll, 200),
            &page,
            Some(&raw_page),
        );
        token = page.metadata.continue_token.clone();
        if token.is_empty() {
            break;
        }
    }
    let by_label = ListParams {
        label_selector: Some("contract=yes".into()),
        limit: Some(5),
        ..Default::default()
    };
    let labelled = or_stop!(c, "list", api.list(&by_label).await);
    c.typed(
        &format!("{kind} list by label"),
        ("GET", &coll, 200),
        &labelled,
        None,
    );
    let none = ListParams {
        label_selector: Some("contract=no-such-value".into()),
        ..Default::default()
    };
    let empty = or_stop!(c, "list", api.list(&none).await);
    if !empty.items.is_empty() {
        c.problems
            .push(format!("{kind}: selector matched unexpectedly"));
    }
    c.typed(
        &format!("{kind} empty list"),
        ("GET", &coll, 200),
        &empty,
        None,
    );

    let mut changed = got.clone();
    mutate(&mut changed);
    let updated = or_stop!(c, "update", api.update(&changed, &params()).await);
    let raw = c.raw_get(&item).await;
    c.typed(
        &format!("{kind} update"),
        ("PUT", &item, 200),
        &updated,
        Some(&raw),
    );
    match api.update(&got, &params()).await {
        Err(err) => c.error(&format!("{kind} stale update"), ("PUT", &item), &err, 409),
        Ok(_) => c.problems.push(format!("{kind}: stale update succeeded")),
    }

    let options = DeleteParams {
        propagation_policy: Some("Background".into()),
        preconditions: Some(Preconditions {
            uid: Some(updated.metadata().uid.clone()),
            resource_version: Some(updated.metadata().resource_version.clone()),
        }),
        dry_run: false,
    };
    let what = format!("{kind} delete");
    match or_stop!(c, "delete_with", api.delete_with(&name, &options).await) {
        Deleted::Object(obj) => {
            // The real server answers a Namespace delete with the Namespace, where the
            // published operation lists only Status (see contract_mock).
            if K::KIND == "Namespace" {
                let value = serde_json::to_value(&*obj).expect("serialise");
                c.typed_checked += 1;
                if let Err(errors) = SPEC.validate("io.k8s.api.core.v1.Namespace", &value) {
                    c.problems.push(format!("{what}: {errors:?}"));
                }
            } else {
                c.typed(&what, ("DELETE", &item, 200), &*obj, None);
            }
        }
        Deleted::Status(status) => c.typed(&what, ("DELETE", &item, 200), &*status, None),
    }
    if K::KIND != "Namespace" {
        match api.get(&name).await {
            Err(err) => c.error(
                &format!("{kind} get after delete"),
                ("GET", &item),
                &err,
                404,
            ),
            Ok(_) => c.problems.push(format!("{kind}: still there after delete")),
        }
        match api.delete(&name).await {
            Err(err) => c.error(
                &format!("{kind} delete again"),
                ("DELETE", &item),
                &err,
                404,
            ),
            Ok(_) => c.problems.push(format!("{kind}: deleted twice")),
        }
    }
}

/// A typed answer serialised again (what rawkube would write back), or the call's error.
fn to_value_of<T: Serialize>(result: Result<T, Error>) -> Result<Value, Error> {
    result.map(|v| serde_json::to_value(v).expect("typed values serialise"))
}

fn meta(name: &str) -> ObjectMeta {
    let mut m = ObjectMeta::named(name);
    m.labels.insert("contract".into(), "yes".into());
    m.annotations.insert("contract/by".into(), "rawkube".into());
    m
}

fn touch(m: &mut ObjectMeta) {
    m.labels.insert("updated".into(), "yes".into());
}

#[tokio::test]
async fn typed_calls_send_and_read_what_the_official_schema_says() {
    let server = MockServer::start().await.expect("mock starts");
    let client = admin(&server);
    let mut c = Checks::new(&client);
    let ns = "default";

    let sa = ServiceAccount {
        metadata: meta("contract-sa"),
        automount_service_account_token: Some(false),
        ..Default::default()
    };
    typed_calls(
        &mut c,
        &Api::namespaced(&client, ns),
        sa,
        |o: &mut ServiceAccount| touch(&mut o.metadata),
    )
    .await;

    let mut secret = Secret {
        metadata: meta("contract-secret"),
        type_: "Opaque".into(),
        ..Default::default()
    };
    secret
        .data
        .insert("extra".into(), b"\x00\x01binary".to_vec());
    secret.string_data.insert("plain".into(), "text".into());
    typed_calls(
        &mut c,
        &Api::namespaced(&client, ns),
        secret,
        |o: &mut Secret| touch(&mut o.metadata),
    )
    .await;

    let pod = Pod {
        metadata: meta("contract-pod"),
        spec: Some(json!({"containers": [{"name": "nginx", "image": "nginx"}]})),
        ..Default::default()
    };
    typed_calls(&mut c, &Api::namespaced(&client, ns), pod, |o: &mut Pod| {
        touch(&mut o.metadata)
    })
    .await;

    let role = Role {
        metadata: meta("contract-role"),
        rules: vec![
            PolicyRule::new("", &["pods"], &["get", "list"]),
            PolicyRule {
                resource_names: vec!["foo".into()],
                ..PolicyRule::new("apps", &["deployments"], &["get"])
            },
        ],
        ..Default::default()
    };
    typed_calls(
        &mut c,
        &Api::namespaced(&client, ns),
        role,
        |o: &mut Role| touch(&mut o.metadata),
    )
    .await;

    let rb = RoleBinding {
        metadata: meta("contract-rb"),
        subjects: vec![
            Subject::service_account(ns, "default"),
            Subject {
                kind: "User".into(),
                api_group: "rbac.authorization.k8s.io".into(),
                name: "alice".into(),
                namespace: String::new(),
            },
        ],
        role_ref: RoleRef::role("contract-role"),
        ..Default::default()
    };
    typed_calls(
        &mut c,
        &Api::namespaced(&client, ns),
        rb,
        |o: &mut RoleBinding| touch(&mut o.metadata),
    )
    .await;

    let cr = ClusterRole {
        metadata: meta("contract-clusterrole"),
        rules: vec![
            PolicyRule::new("", &["pods"], &["get"]),
            PolicyRule {
                verbs: vec!["get".into()],
                non_resource_urls: vec!["/healthz".into()],
                ..Default::default()
            },
        ],
        ..Default::default()
    };
    typed_calls(&mut c, &Api::all(&client), cr, |o: &mut ClusterRole| {
        touch(&mut o.metadata)
    })
    .await;

    let crb = ClusterRoleBinding {
        metadata: meta("contract-crb"),
        subjects: vec![Subject {
            kind: "Group".into(),
            api_group: "rbac.authorization.k8s.io".into(),
            name: "devs".into(),
            namespace: String::new(),
        }],
        role_ref: RoleRef::cluster_role("contract-clusterrole"),
        ..Default::default()
    };
    typed_calls(
        &mut c,
        &Api::all(&client),
        crb,
        |o: &mut ClusterRoleBinding| touch(&mut o.metadata),
    )
    .await;

    let namespace = Namespace {
        metadata: meta("contract-ns"),
        ..Default::default()
    };
    typed_calls(
        &mut c,
        &Api::all(&client),
        namespace,
        |o: &mut Namespace| touch(&mut o.metadata),
    )
    .await;

    // Lists across namespaces, and of a namespace with nothing in it.
    let pods = Api::<Pod>::all(&client)
        .list(&ListParams::default())
        .await
        .expect("pods");
    let raw = c.raw_get("/api/v1/pods").await;
    c.typed(
        "Pod list (all namespaces)",
        ("GET", "/api/v1/pods", 200),
        &pods,
        Some(&raw),
    );
    let path = "/api/v1/namespaces/kube-public/pods";
    let empty = Api::<Pod>::namespaced(&client, "kube-public")
        .list(&ListParams::default())
        .await
        .expect("pods");
    let raw = c.raw_get(path).await;
    c.typed("empty Pod list", ("GET", path, 200), &empty, Some(&raw));

    // A write into a missing namespace: 404 Status.
    let missing = Api::<ServiceAccount>::namespaced(&client, "no-such-ns");
    match missing.create(&ServiceAccount::named("x"), &params()).await {
        Err(err) => c.error(
            "create in a missing namespace",
            ("POST", "/api/v1/namespaces/no-such-ns/serviceaccounts"),
            &err,
            404,
        ),
        Ok(_) => c
            .problems
            .push("create in a missing namespace succeeded".into()),
    }
    // 422: an invalid name.
    match Api::<ServiceAccount>::namespaced(&client, ns)
        .create(&ServiceAccount::named("Bad_Name"), &params())
        .await
    {
        Err(err) => c.error(
            "invalid name",
            ("POST", "/api/v1/namespaces/default/serviceaccounts"),
            &err,
            422,
        ),
        Ok(_) => c.problems.push("an invalid name was accepted".into()),
    }

    c.finish(&server, "typed CRUD");
}

/// A Pod as a kubelet reports it: rawkube's PodStatus keeps phase, IPs, start time and the
/// container name/ready/restarts/image, and must read each of them under its spec name.
#[tokio::test]
async fn pod_status_is_read_under_the_official_field_names() {
    let server = MockServer::start().await.expect("mock starts");
    let client = admin(&server);
    let mut c = Checks::new(&client);
    let pod = json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "running", "namespace": "default"},
        "spec": {"containers": [{"name": "nginx", "image": "nginx"}]},
        "status": {
            "phase": "Running",
            "conditions": [{"type": "Ready", "status": "True", "lastProbeTime": null,
                "lastTransitionTime": "2026-11-28T13:37:55Z"}],
            "hostIP": "172.18.0.2", "hostIPs": [{"ip": "172.18.0.2"}],
            "podIP": "10.244.0.5", "podIPs": [{"ip": "10.244.0.5"}],
            "startTime": "2026-11-28T13:37:51Z",
            "containerStatuses": [{"name": "nginx",
                "state": {"running": {"startedAt": "2026-11-28T13:37:54Z"}}, "lastState": {},
                "ready": true, "restartCount": 2, "image": "docker.io/library/nginx:latest",
                "imageID": "docker.io/library/nginx@sha256:0123", "containerID": "containerd://0123",
                "started": true}],
            "qosClass": "BestEffort"}});
    // Written straight into the store, as a kubelet's status update would land (a create
    // through the API may reset status, as the real server's PrepareForCreate does).
    let pods = mock_apiserver::api::registry::find_plural("pods").expect("pods are served");
    server
        .store()
        .create(pods, "default", pod.clone(), &WriteOptions::default())
        .expect("store create");
    let item = "/api/v1/namespaces/default/pods/running";
    let raw = c.raw_get(item).await;
    assert_eq!(
        raw["status"], pod["status"],
        "the mock keeps a created Pod's status"
    );

    let api = Api::<Pod>::namespaced(&client, "default");
    let typed = api.get("running").await.expect("get");
    let value = serde_json::to_value(&typed).expect("serialise");
    // Every field rawkube models is read back under its official name, with its value.
    let modelled = [
        "/status/phase",
        "/status/qosClass",
        "/status/hostIP",
        "/status/podIP",
        "/status/startTime",
        "/status/containerStatuses/0/name",
        "/status/containerStatuses/0/ready",
        "/status/containerStatuses/0/restartCount",
        "/status/containerStatuses/0/image",
        "/status/containerStatuses/0/imageID",
    ];
    for ptr in modelled {
        if value.pointer(ptr) != raw.pointer(ptr) {
            c.problems.push(format!(
                "Pod get: {ptr} is {:?} in rawkube's value, {:?} in the server's answer",
                value.pointer(ptr),
                raw.pointer(ptr)
            ));
        }
    }
    let check = |c: &mut Checks<'_>, what: &str, result: Result<(), Vec<String>>| {
        for error in result.err().into_iter().flatten() {
            c.problems.push(format!("{what}: {error}"));
        }
    };
    c.typed_checked += 1;
    check(
        &mut c,
        "Pod get, re-serialised",
        SPEC.validate_response("GET", item, 200, &value),
    );
    // An update sends the status rawkube read back (the server ignores status on PUT, but the
    // body is still checked against the spec).
    let mut changed = typed.clone();
    changed.metadata.labels.insert("seen".into(), "yes".into());
    api.update(&changed, &params()).await.expect("update");
    let body = server
        .journal()
        .entries()
        .last()
        .and_then(|e| e.body.clone())
        .expect("PUT body");
    check(
        &mut c,
        "Pod update body",
        SPEC.validate_request_body("PUT", item, &body),
    );
    assert!(
        c.problems.is_empty(),
        "Pod status contract:\n  - {}",
        c.problems.join("\n  - ")
    );
}

/// Checks the answers of POST-only calls (tokens, reviews), which cannot be fetched again: the
/// body rawkube sent is re-sent untyped, and the two answers must have the same fields (values
/// differ: a new token, a new time).
struct PostChecks<'s> {
    server: &'s MockServer,
    raw_resends: usize,
    /// The token a TokenReview call sent (the journal keeps it redacted).
    token_review_token: Option<String>,
}

impl PostChecks<'_> {
    async fn check(
        &mut self,
        c: &mut Checks<'_>,
        what: &str,
        path: &str,
        result: Result<Value, Error>,
    ) {
        let client = c.client;
        self.check_as(c, client, what, path, result).await;
    }

    /// As [`PostChecks::check`], re-sending as `client` (the identity of the typed call).
    async fn check_as(
        &mut self,
        c: &mut Checks<'_>,
        client: &Client,
        what: &str,
        path: &str,
        result: Result<Value, Error>,
    ) {
        let typed = match result {
            Ok(typed) => typed,
            Err(err) => {
                c.problems.push(format!("{what}: {err:?}"));
                return;
            }
        };
        c.typed(what, ("POST", path, 201), &typed, None);
        let mut sent = self
            .server
            .journal()
            .entries()
            .last()
            .and_then(|e| e.body.clone())
            .expect("the call sent a body");
        // The journal redacts a TokenReview's token; re-send the one rawkube sent, so both
        // answers come from the same input.
        if let Some(token) = &self.token_review_token
            && sent["kind"] == "TokenReview"
        {
            sent["spec"]["token"] = Value::String(token.clone());
        }
        self.raw_resends += 1;
        let request = Request::post(Path::raw(path), &sent).expect("JSON body");
        let raw = client
            .send(&request)
            .await
            .unwrap_or_else(|e| panic!("POST {path}: {e}"));
        let raw: Value = serde_json::from_slice(&raw.body).expect("JSON answer");
        c.same_shape(what, &typed, &raw);
    }
}

/// The token and review calls: the bodies rawkube sends and the answers it parses.
#[tokio::test]
async fn token_and_review_calls_match_the_official_schema() {
    let server = MockServer::start().await.expect("mock starts");
    let client = admin(&server);
    let mut c = Checks::new(&client);
    let sa_api = Api::<ServiceAccount>::namespaced(&client, "default");
    sa_api
        .create(&ServiceAccount::named("contract-tok"), &params())
        .await
        .expect("sa");
    let created = "/api/v1/namespaces/default/serviceaccounts";
    let sa = sa_api.get("contract-tok").await.expect("sa");
    c.typed("ServiceAccount", ("POST", created, 201), &sa, None);

    let mut post = PostChecks {
        server: &server,
        raw_resends: 0,
        token_review_token: None,
    };
    for request in [
        TokenRequest::new(vec![], None),
        TokenRequest::new(vec!["https://kubernetes.default.svc".into()], Some(600)),
    ] {
        let path = "/api/v1/namespaces/default/serviceaccounts/contract-tok/token";
        let r = to_value_of(sa_api.create_token("contract-tok", &request).await);
        post.check(&mut c, "TokenRequest", path, r).await;
    }
    let token = "header.payload.signature";
    post.token_review_token = Some(token.into());
    let r = to_value_of(client.create_token_review(&TokenReview::new(token)).await);
    let path = "/apis/authentication.k8s.io/v1/tokenreviews";
    post.check(&mut c, "TokenReview", path, r).await;
    let r = to_value_of(client.self_subject_review().await);
    let path = "/apis/authentication.k8s.io/v1/selfsubjectreviews";
    post.check(&mut c, "SelfSubjectReview", path, r).await;
    let review = SelfSubjectAccessReview::resource("default", "list", "", "pods");
    let r = to_value_of(client.self_subject_access_review(&review).await);
    let path = "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews";
    post.check(&mut c, "SelfSubjectAccessReview", path, r).await;
    // A denied review (`allowed: false`) from a user without any binding.
    let (cert, key) = server
        .issue_client_cert("contract-user", &[])
        .expect("client cert");
    let user = Client::new(&ConnectionConfig {
        client_cert_pem: Some(cert.into_bytes()),
        client_key_pem: Some(key.into_bytes()),
        ..admin_config(&server)
    })
    .expect("user client");
    let review = SelfSubjectAccessReview::resource("", "delete", "", "namespaces");
    let path = "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews";
    // Every authenticated user may create one (bootstrap ClusterRole system:basic-user).
    let r = to_value_of(user.self_subject_access_review(&review).await);
    let what = "denied SelfSubjectAccessReview";
    post.check_as(&mut c, &user, what, path, r).await;
    let r = to_value_of(client.self_subject_rules_review("default").await);
    let path = "/apis/authorization.k8s.io/v1/selfsubjectrulesreviews";
    post.check(&mut c, "SelfSubjectRulesReview", path, r).await;

    let sent: Vec<String> = server
        .journal()
        .entries()
        .iter()
        .filter(|e| e.body.is_some())
        .map(|e| e.path.clone())
        .collect();
    let raw_resends = post.raw_resends;
    assert_eq!(sent.len(), 8 + raw_resends, "one body per call: {sent:?}");
    c.finish(&server, "token and reviews");
}
