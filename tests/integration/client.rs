//! rawkube's typed calls against the in-process mock-apiserver, over real TLS
//! with the admin client certificate (as with a kind cluster's admin.conf).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use mock_apiserver::MockServer;
use serde_json::json;

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
use rawkube::config::{ConnectionConfig, Origin};
use rawkube::trace::{CurlOptions, Observer, TracedOutcome, TracedRequest, render_curl};
use rawkube::{Client, Error};

fn cfg(server: &MockServer, cert: &str, key: &str) -> ConnectionConfig {
    ConnectionConfig {
        server: server.url().into(),
        ca_pem: Some(server.ca_pem().as_bytes().to_vec()),
        client_cert_pem: Some(cert.as_bytes().to_vec()),
        client_key_pem: Some(key.as_bytes().to_vec()),
        namespace: "default".into(),
        origin: Origin {
            cluster: Some("mock".into()),
            ..Default::default()
        },
        ..Default::default()
    }
}

fn admin(server: &MockServer) -> Client {
    let c = cfg(
        server,
        server.admin_client_cert_pem(),
        server.admin_client_key_pem(),
    );
    Client::new(&c).expect("admin client")
}

fn manager() -> PostParams {
    PostParams {
        dry_run: false,
        field_manager: Some("rawkube-test".into()),
    }
}

/// create, get, list, update (guarded by resourceVersion), stale update -> 409 Conflict,
/// duplicate create -> 409 AlreadyExists, delete, get -> 404: for one resource type.
async fn crud<K: TypedResource + Clone + std::fmt::Debug>(
    api: &Api<K>,
    obj: K,
    mutate: impl Fn(&mut K),
) -> Deleted<K> {
    let what = K::KIND;
    let name = obj.metadata().name.clone();
    let created = api.create(&obj, &manager()).await.expect(what);
    assert_eq!(created.metadata().name, name, "{what}");
    assert!(
        !created.metadata().uid.is_empty(),
        "{what}: server sets uid"
    );

    let got = api.get(&name).await.expect(what);
    assert_eq!(got.metadata().uid, created.metadata().uid, "{what}");

    let list = api.list(&ListParams::default()).await.expect(what);
    assert_eq!(list.type_meta.kind, format!("{what}List"));
    assert!(
        list.items.iter().any(|i| i.metadata().name == name),
        "{what}"
    );

    let mut changed = got.clone();
    mutate(&mut changed);
    let updated = api.update(&changed, &manager()).await.expect(what);
    assert_ne!(
        updated.metadata().resource_version,
        got.metadata().resource_version,
        "{what}"
    );
    // `got` still carries the old resourceVersion: optimistic concurrency refuses it.
    let stale = api.update(&got, &manager()).await.unwrap_err();
    assert!(stale.is_conflict(), "{what}: {stale:?}");
    assert_eq!(stale.code(), Some(409));

    let dup = api.create(&obj, &manager()).await.unwrap_err();
    assert!(dup.is_already_exists(), "{what}: {dup:?}");

    let deleted = api.delete(&name).await.expect(what);
    let gone = api.get(&name).await.unwrap_err();
    assert!(gone.is_not_found(), "{what}: {gone:?}");
    deleted
}

fn label(meta: &mut ObjectMeta) {
    meta.labels.insert("rawkube".into(), "updated".into());
}

#[tokio::test]
async fn every_typed_call_works_with_client_cert_admin() {
    let server = MockServer::start().await.unwrap();
    let c = admin(&server);

    let v = c.version().await.unwrap();
    assert!(v.git_version.starts_with("v1."), "{v:?}");
    // ALPN offers h2 and the mock takes it.
    let raw = c
        .send(&Request::get(rawkube::path::Path::raw("/version")))
        .await
        .unwrap();
    assert_eq!(raw.http_version, "HTTP/2.0");
    let core = c.api_resources("v1").await.unwrap();
    assert_eq!(
        core.find("sa"),
        Some(rawkube::path::Resource::namespaced(
            "",
            "v1",
            "serviceaccounts"
        ))
    );
    let rbac = c
        .api_resources("rbac.authorization.k8s.io/v1")
        .await
        .unwrap();
    assert!(rbac.find("rolebinding").is_some());
    assert!(
        c.api_versions()
            .await
            .unwrap()
            .versions
            .contains(&"v1".to_string())
    );
    assert!(
        c.api_groups()
            .await
            .unwrap()
            .groups
            .iter()
            .any(|g| g.name == "rbac.authorization.k8s.io")
    );

    let ns = "default";
    // Another name than the token's ServiceAccount below: the token controller, its own
    // process in kube and its own thread here, may handle this one's deletion only after that
    // one is created, and would then take its new token Secret for this one's (as kube's does:
    // a Secret not yet filled names no uid).
    let sa_deleted = crud(
        &Api::namespaced(&c, ns),
        ServiceAccount::named("crud-bearertokenauth"),
        |s| label(&mut s.metadata),
    )
    .await;
    assert!(
        matches!(sa_deleted, Deleted::Object(_)),
        "a ServiceAccount DELETE returns the object"
    );

    // The token controller (like kube-controller-manager's) deletes token Secrets whose
    // ServiceAccount does not exist and fills the others: the ServiceAccount comes first.
    let sas: Api<ServiceAccount> = Api::namespaced(&c, ns);
    let sa = sas
        .create(&ServiceAccount::named("bearertokenauth"), &manager())
        .await
        .unwrap();
    let mut secret = Secret::service_account_token("bearertokenauth-token", "bearertokenauth");
    secret
        .data
        .insert("extra".into(), b"\x00binary\xff".to_vec());
    let secrets: Api<Secret> = Api::namespaced(&c, ns);
    let created = secrets.create(&secret, &manager()).await.unwrap();
    assert_eq!(
        created.data["extra"], b"\x00binary\xff",
        "base64 round trip"
    );
    let token = secrets
        .wait_for_token("bearertokenauth-token", Duration::from_secs(5))
        .await
        .unwrap();
    let filled = secrets.get("bearertokenauth-token").await.unwrap();
    assert_eq!(
        filled.data["extra"], b"\x00binary\xff",
        "the controller keeps other keys"
    );
    assert_eq!(filled.data["namespace"], b"default");
    assert_eq!(filled.data["ca.crt"], server.ca_pem().as_bytes());
    assert_eq!(
        filled.metadata.annotations["kubernetes.io/service-account.uid"],
        sa.metadata.uid
    );
    assert_eq!(
        rawkube::jwt::decode(&token).unwrap().kind(),
        rawkube::jwt::TokenKind::Legacy {
            namespace: ns.into(),
            service_account: "bearertokenauth".into(),
            secret: "bearertokenauth-token".into(),
        }
    );
    secrets.delete("bearertokenauth-token").await.unwrap();
    // Full CRUD on a Secret the controller leaves alone (it writes token Secrets
    // concurrently, which would race the resourceVersion-guarded update).
    let opaque = Secret {
        metadata: ObjectMeta::named("bearertokenauth-data"),
        type_: "Opaque".into(),
        data: BTreeMap::from([("extra".into(), b"\x00binary\xff".to_vec())]),
        ..Default::default()
    };
    crud(&secrets, opaque, |s| label(&mut s.metadata)).await;

    let role = Role {
        metadata: ObjectMeta::named("bearertokenauth"),
        rules: vec![PolicyRule::new(
            "",
            &["pods"],
            &["create", "get", "list", "update", "delete"],
        )],
        ..Default::default()
    };
    let role_deleted = crud(&Api::namespaced(&c, ns), role, |r| {
        r.rules.push(PolicyRule::new("", &["secrets"], &["get"]))
    })
    .await;
    match role_deleted {
        Deleted::Status(s) => {
            assert_eq!(s.status, "Success");
            assert_eq!(s.details.unwrap().name, "bearertokenauth");
        }
        other => panic!("a Role DELETE returns a Status: {other:?}"),
    }

    let rb = RoleBinding {
        metadata: ObjectMeta::named("bearertoken-binding-bearertokenauth"),
        subjects: vec![Subject::service_account(ns, "bearertokenauth")],
        role_ref: RoleRef::role("bearertokenauth"),
        ..Default::default()
    };
    crud(&Api::namespaced(&c, ns), rb, |b| label(&mut b.metadata)).await;

    let cr = ClusterRole {
        metadata: ObjectMeta::named("rawkube-reader"),
        rules: vec![PolicyRule::new("", &["pods"], &["get"])],
        ..Default::default()
    };
    crud(&Api::all(&c), cr, |r| label(&mut r.metadata)).await;

    let crb = ClusterRoleBinding {
        metadata: ObjectMeta::named("rawkube-reader"),
        subjects: vec![Subject::service_account(ns, "bearertokenauth")],
        role_ref: RoleRef::cluster_role("rawkube-reader"),
        ..Default::default()
    };
    crud(&Api::all(&c), crb, |b| label(&mut b.metadata)).await;

    crud(&Api::all(&c), Namespace::named("rawkube-dev"), |n| {
        label(&mut n.metadata)
    })
    .await;

    let pod = Pod {
        metadata: ObjectMeta::named("web"),
        spec: Some(json!({"containers": [{"name": "nginx", "image": "nginx"}]})),
        ..Default::default()
    };
    crud(&Api::namespaced(&c, ns), pod, |p| label(&mut p.metadata)).await;

    // Every request was authenticated by the client certificate and named rawkube.
    let journal = server.journal().entries();
    assert!(journal.len() > 40, "{}", journal.len());
    for e in &journal {
        assert_eq!(
            e.user.username, "kubernetes-admin",
            "{} {}",
            e.method, e.path
        );
        let ua = e.header("user-agent").unwrap_or_default();
        assert!(ua.starts_with("rawkube/"), "{ua}");
    }
    let create = journal
        .iter()
        .find(|e| e.method == "POST" && e.path.ends_with("/roles"))
        .unwrap();
    assert_eq!(
        create.path,
        "/apis/rbac.authorization.k8s.io/v1/namespaces/default/roles"
    );
    assert_eq!(create.query, "fieldManager=rawkube-test");
    assert_eq!(create.body.as_ref().unwrap()["kind"], "Role");
    assert_eq!(
        create.body.as_ref().unwrap()["apiVersion"],
        "rbac.authorization.k8s.io/v1"
    );
}

#[tokio::test]
async fn list_paging_selectors_and_dry_run() {
    let server = MockServer::start().await.unwrap();
    let c = admin(&server);
    let api: Api<ServiceAccount> = Api::namespaced(&c, "default");
    for name in ["a", "b", "c"] {
        let mut sa = ServiceAccount::named(name);
        sa.metadata.labels = BTreeMap::from([("tier".into(), name.into())]);
        api.create(&sa, &PostParams::default()).await.unwrap();
    }
    // Page through with limit=2 and compare with one unpaged list (the namespace
    // may hold more than our three, e.g. the `default` ServiceAccount).
    let all: Vec<String> = api
        .list(&ListParams::default())
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|s| s.metadata.name)
        .collect();
    assert!(all.len() >= 3, "{all:?}");
    let mut paged = Vec::new();
    let mut token = None;
    loop {
        let page = api
            .list(&ListParams {
                limit: Some(2),
                continue_token: token.take(),
                ..Default::default()
            })
            .await
            .unwrap();
        assert!(page.items.len() <= 2);
        paged.extend(page.items.into_iter().map(|s| s.metadata.name));
        if page.metadata.continue_token.is_empty() {
            break;
        }
        token = Some(page.metadata.continue_token);
    }
    assert_eq!(paged, all);

    let by_label = api
        .list(&ListParams {
            label_selector: Some("tier=b".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(by_label.items.len(), 1);
    assert_eq!(by_label.items[0].metadata.name, "b");
    let by_field = api
        .list(&ListParams {
            field_selector: Some("metadata.name=c".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(by_field.items.len(), 1);

    let all_ns = Api::<ServiceAccount>::all(&c)
        .list(&ListParams::default())
        .await
        .unwrap();
    assert!(all_ns.items.len() >= 3);

    let dry = PostParams {
        dry_run: true,
        field_manager: None,
    };
    api.create(&ServiceAccount::named("ghost"), &dry)
        .await
        .unwrap();
    assert!(api.get("ghost").await.unwrap_err().is_not_found());
}

#[tokio::test]
async fn delete_with_kubectl_body_and_uid_precondition() {
    let server = MockServer::start().await.unwrap();
    let c = admin(&server);
    // A token Secret without its ServiceAccount would be deleted by the token controller.
    Api::<ServiceAccount>::namespaced(&c, "default")
        .create(&ServiceAccount::named("x"), &PostParams::default())
        .await
        .unwrap();
    let api: Api<Secret> = Api::namespaced(&c, "default");
    let s = api
        .create(
            &Secret::service_account_token("t", "x"),
            &PostParams::default(),
        )
        .await
        .unwrap();
    let wrong_uid = DeleteParams {
        preconditions: Some(Preconditions {
            uid: Some("not-the-uid".into()),
            resource_version: None,
        }),
        ..Default::default()
    };
    let err = api.delete_with("t", &wrong_uid).await.unwrap_err();
    assert!(err.is_conflict(), "{err:?}");
    assert!(
        err.to_string().starts_with(
            r#"Error from server (Conflict): Operation cannot be fulfilled on secrets "t": Precondition failed: UID in precondition: not-the-uid, UID in object meta: "#
        ),
        "{err}"
    );
    let dry = DeleteParams {
        dry_run: true,
        ..Default::default()
    };
    api.delete_with("t", &dry).await.unwrap();
    api.get("t").await.unwrap();
    let kubectl_like = DeleteParams {
        propagation_policy: Some("Background".into()),
        preconditions: Some(Preconditions {
            uid: Some(s.metadata.uid.clone()),
            resource_version: None,
        }),
        ..Default::default()
    };
    api.delete_with("t", &kubectl_like).await.unwrap();
    assert!(api.get("t").await.unwrap_err().is_not_found());
    let last_delete = server
        .journal()
        .entries()
        .into_iter()
        .rev()
        .find(|e| e.method == "DELETE")
        .unwrap();
    assert_eq!(
        last_delete.body.unwrap(),
        json!({"propagationPolicy": "Background", "preconditions": {"uid": s.metadata.uid}})
    );
}

#[tokio::test]
async fn wait_for_token_polls_until_the_secret_is_filled() {
    let server = MockServer::start().await.unwrap();
    let c = admin(&server);
    let api: Api<Secret> = Api::namespaced(&c, "default");

    // The tutorial's path: ServiceAccount, then its token Secret, which the token
    // controller fills asynchronously with a legacy token.
    Api::<ServiceAccount>::namespaced(&c, "default")
        .create(&ServiceAccount::named("x"), &PostParams::default())
        .await
        .unwrap();
    api.create(
        &Secret::service_account_token("x-token", "x"),
        &PostParams::default(),
    )
    .await
    .unwrap();
    let token = api
        .wait_for_token("x-token", Duration::from_secs(5))
        .await
        .unwrap();
    assert_eq!(
        rawkube::jwt::decode(&token).unwrap().kind(),
        rawkube::jwt::TokenKind::Legacy {
            namespace: "default".into(),
            service_account: "x".into(),
            secret: "x-token".into(),
        }
    );

    // A token Secret for a ServiceAccount that does not exist is deleted by the
    // controller: waiting on it ends in NotFound, not a timeout.
    api.create(
        &Secret::service_account_token("orphan-token", "nobody"),
        &PostParams::default(),
    )
    .await
    .unwrap();
    let err = api
        .wait_for_token("orphan-token", Duration::from_secs(5))
        .await
        .unwrap_err();
    assert!(err.is_not_found(), "{err:?}");

    // A Secret no controller fills (type Opaque) times out with advice.
    let unowned = Secret {
        metadata: ObjectMeta::named("unowned-token"),
        type_: "Opaque".into(),
        ..Default::default()
    };
    api.create(&unowned, &PostParams::default()).await.unwrap();
    let mut waits = Vec::new();
    let err = api
        .wait_for_token_with_progress("unowned-token", Duration::from_millis(300), |w| {
            waits.push(w)
        })
        .await
        .unwrap_err();
    // Progress is reported before each pause, with the time waited growing.
    assert!(waits.len() >= 2, "{waits:?}");
    assert!(waits.windows(2).all(|w| w[0] < w[1]), "{waits:?}");
    assert_eq!(
        err.to_string(),
        "data.token of Secret default/unowned-token was not filled in within 300ms: the token controller only fills Secrets of type kubernetes.io/service-account-token whose ServiceAccount exists (it deletes the others)"
    );

    // Someone fills data.token a little later: wait_for_token keeps polling until then.
    server.journal().clear();
    let filler = api.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(250)).await;
        let mut s = filler.get("unowned-token").await.unwrap();
        s.data
            .insert("token".into(), b"eyJhbGciOiJSUzI1NiJ9.e30.c2ln".to_vec());
        filler.update(&s, &PostParams::default()).await.unwrap();
    });
    let token = api
        .wait_for_token("unowned-token", Duration::from_secs(5))
        .await
        .unwrap();
    assert_eq!(token, "eyJhbGciOiJSUzI1NiJ9.e30.c2ln");
    let polls = server
        .journal()
        .entries()
        .iter()
        .filter(|e| e.method == "GET" && e.path.ends_with("/secrets/unowned-token"))
        .count();
    // The filler's GET, plus at least one poll that saw no token and one after the fill.
    assert!(polls >= 3, "{polls}");

    let err = api
        .wait_for_token("nosuch", Duration::from_secs(1))
        .await
        .unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
}

#[tokio::test]
async fn forbidden_and_unauthorized_display_like_kubectl() {
    let server = MockServer::start().await.unwrap();
    let (cert, key) = server.issue_client_cert("jane", &["devs"]).unwrap();
    let jane = Client::new(&cfg(&server, &cert, &key)).unwrap();
    let err = Api::<Pod>::namespaced(&jane, "default")
        .list(&ListParams::default())
        .await
        .unwrap_err();
    assert!(err.is_forbidden(), "{err:?}");
    assert_eq!(
        err.to_string(),
        r#"Error from server (Forbidden): pods is forbidden: User "jane" cannot list resource "pods" in API group "" in the namespace "default""#
    );
    let err = Api::<Role>::namespaced(&jane, "default")
        .get("x")
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        r#"Error from server (Forbidden): roles.rbac.authorization.k8s.io "x" is forbidden: User "jane" cannot get resource "roles" in API group "rbac.authorization.k8s.io" in the namespace "default""#
    );

    let bad_token = ConnectionConfig {
        server: server.url().into(),
        ca_pem: Some(server.ca_pem().as_bytes().to_vec()),
        token: Some("not-a-valid-token".into()),
        ..Default::default()
    };
    let err = Client::new(&bad_token)
        .unwrap()
        .version()
        .await
        .unwrap_err();
    assert!(err.is_unauthorized(), "{err:?}");
    assert_eq!(
        err.to_string(),
        "error: You must be logged in to the server (Unauthorized)"
    );
}

#[tokio::test]
async fn invalid_objects_map_to_422_with_causes() {
    let server = MockServer::start().await.unwrap();
    let c = admin(&server);
    let err = Api::namespaced(&c, "default")
        .create(&ServiceAccount::named("Bad_Name"), &PostParams::default())
        .await
        .unwrap_err();
    assert!(err.is_invalid(), "{err:?}");
    assert_eq!(err.code(), Some(422));
    // apiserver-spec.md §1.6.
    assert_eq!(
        err.to_string(),
        r#"Error from server (Invalid): ServiceAccount "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"#
    );
    let details = err.status().unwrap().details.clone().unwrap();
    assert_eq!(details.kind, "ServiceAccount");
    assert_eq!(details.causes[0].reason, "FieldValueInvalid");
    assert_eq!(details.causes[0].field, "metadata.name");

    let bad_ref = RoleBinding {
        metadata: ObjectMeta::named("rb"),
        role_ref: RoleRef {
            api_group: "rbac.authorization.k8s.io".into(),
            kind: "Secret".into(),
            name: "r".into(),
        },
        ..Default::default()
    };
    let err = Api::namespaced(&c, "default")
        .create(&bad_ref, &PostParams::default())
        .await
        .unwrap_err();
    assert!(err.is_invalid(), "{err:?}");
    assert!(
        err.to_string()
            .starts_with(r#"Error from server (Invalid): RoleBinding.rbac.authorization.k8s.io "rb" is invalid: "#),
        "{err}"
    );
}

#[tokio::test]
async fn wrong_ca_is_explained() {
    let server = MockServer::start().await.unwrap();
    let other = MockServer::start().await.unwrap();
    let mut c = cfg(
        &server,
        server.admin_client_cert_pem(),
        server.admin_client_key_pem(),
    );
    c.ca_pem = Some(other.ca_pem().as_bytes().to_vec());
    c.origin.file = Some("/tmp/kubeconfig".into());
    let err = Client::new(&c).unwrap().version().await.unwrap_err();
    assert!(matches!(err, Error::UntrustedCertificate { .. }), "{err:?}");
    assert!(
        err.to_string().contains(
            r#"not signed by the certificate-authority of cluster "mock" in /tmp/kubeconfig"#
        ),
        "{err}"
    );
}

#[tokio::test]
async fn reviews_and_422_mapping() {
    let server = MockServer::start().await.unwrap();
    let c = admin(&server);
    let r = c
        .self_subject_access_review(&SelfSubjectAccessReview::resource(
            "default", "list", "", "pods",
        ))
        .await
        .unwrap();
    assert!(r.allowed());

    let mut empty = SelfSubjectAccessReview::resource("default", "list", "", "pods");
    empty.spec.resource_attributes = None;
    let err = c.self_subject_access_review(&empty).await.unwrap_err();
    assert_eq!(err.code(), Some(422));
    assert!(err.is_invalid(), "{err:?}");
    let details = err.status().unwrap().details.as_ref().unwrap();
    assert_eq!(details.kind, "SelfSubjectAccessReview");
    assert_eq!(details.causes[0].field, "spec.resourceAttributes");
    assert!(
        err.to_string().starts_with(
            r#"Error from server (Invalid): SelfSubjectAccessReview.authorization.k8s.io "" is invalid: spec.resourceAttributes: "#
        ),
        "{err}"
    );

    let me = c.self_subject_review().await.unwrap();
    let user = me.status.unwrap().user_info;
    assert_eq!(user.username, "kubernetes-admin");
    assert!(user.groups.contains(&"system:masters".to_string()));
}

#[tokio::test]
async fn token_and_rules_review_requests_hit_the_documented_paths() {
    let server = MockServer::start().await.unwrap();
    let c = admin(&server);
    let sa: Api<ServiceAccount> = Api::namespaced(&c, "default");
    sa.create(&ServiceAccount::named("x"), &PostParams::default())
        .await
        .unwrap();
    server.journal().clear();

    let req = TokenRequest::new(vec!["https://kubernetes.default.svc".into()], Some(600));
    let issued = sa.create_token("x", &req).await.unwrap();
    let rules = c.self_subject_rules_review("default").await.unwrap();
    let review = c
        .create_token_review(&TokenReview::new("abc.def.ghi"))
        .await
        .unwrap();

    let token = issued.token().expect("status.token");
    let jwt = rawkube::jwt::decode(token).unwrap();
    assert_eq!(jwt.audiences(), ["https://kubernetes.default.svc"]);
    assert_eq!(jwt.subject(), Some("system:serviceaccount:default:x"));
    // The admin (system:masters) may do anything: RBAC reports the `*` rule.
    let status = rules.status.unwrap();
    assert!(
        status
            .resource_rules
            .iter()
            .any(|r| r.verbs == ["*"] && r.resources == ["*"] && r.api_groups == ["*"]),
        "{:?}",
        status.resource_rules
    );
    // A token nobody issued is reviewed (201), not authenticated.
    let st = review.status.unwrap();
    assert!(!st.authenticated, "{st:?}");
    assert!(st.user.username.is_empty());

    let j = server.journal().entries();
    let got: Vec<(&str, &str, u16)> = j
        .iter()
        .map(|e| (e.method.as_str(), e.path.as_str(), e.status))
        .collect();
    assert_eq!(
        got,
        [
            (
                "POST",
                "/api/v1/namespaces/default/serviceaccounts/x/token",
                201
            ),
            (
                "POST",
                "/apis/authorization.k8s.io/v1/selfsubjectrulesreviews",
                201
            ),
            ("POST", "/apis/authentication.k8s.io/v1/tokenreviews", 201),
        ]
    );
    assert_eq!(
        j[0].body.as_ref().unwrap()["spec"],
        json!({"audiences": ["https://kubernetes.default.svc"], "expirationSeconds": 600})
    );
    assert_eq!(
        j[1].body.as_ref().unwrap()["spec"],
        json!({"namespace": "default"})
    );
    assert_eq!(j[2].body.as_ref().unwrap()["kind"], "TokenReview");
}

/// Collects each attempt rendered as a curl command.
struct Commands(std::sync::Mutex<Vec<String>>, CurlOptions);

impl Observer for Commands {
    fn request(&self, req: &TracedRequest<'_>) {
        self.0.lock().unwrap().push(render_curl(req, &self.1));
    }
    fn response(&self, _: &TracedRequest<'_>, _: &TracedOutcome, _: Duration) {}
}

#[tokio::test]
async fn traced_curl_commands_run_as_they_are() {
    if std::process::Command::new("curl")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("skipped: curl is not on PATH");
        return;
    }
    let server = MockServer::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = |name: &str, pem: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, pem).unwrap();
        path.display().to_string()
    };
    let options = CurlOptions {
        show_secrets: true,
        ca_file: file("ca.crt", server.ca_pem()),
        cert_file: file("client.crt", server.admin_client_cert_pem()),
        key_file: file("client.key", server.admin_client_key_pem()),
    };
    let commands = Arc::new(Commands(Default::default(), options));
    let c = admin(&server).with_observer(commands.clone());
    let api: Api<ServiceAccount> = Api::namespaced(&c, "default");
    api.create(&ServiceAccount::named("via-curl"), &manager())
        .await
        .unwrap();
    api.get("via-curl").await.unwrap();
    api.delete("via-curl").await.unwrap();

    let cmds = commands.0.lock().unwrap().clone();
    assert_eq!(cmds.len(), 3);
    // Replay create and get with the real curl: the server must accept them as sent.
    for (cmd, want) in [(&cmds[0], "201"), (&cmds[1], "200")] {
        let line = format!(
            "{} -s --max-time 20 -o /dev/null -w '%{{http_code}}'",
            cmd.trim_end()
        );
        // Async: the mock serves on this test's runtime thread.
        let out = tokio::process::Command::new("sh")
            .arg("-c")
            .arg(&line)
            .output()
            .await
            .unwrap();
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            want,
            "{line}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let last = server.journal().entries().pop().unwrap();
    assert_eq!(last.user.username, "kubernetes-admin");
    assert!(last.header("user-agent").unwrap().starts_with("curl/"));
}
