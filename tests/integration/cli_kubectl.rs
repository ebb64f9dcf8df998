//! Every command rawkube shares with kubectl, run by both against one mock-apiserver:
//! stdout, stderr and exit code must be identical.

use super::cli_util::{Env, have_kubectl};

/// The write requests in the journal: method, path and query.
fn writes(env: &Env) -> Vec<String> {
    env.mock
        .journal()
        .entries()
        .into_iter()
        .filter(|e| e.method != "GET")
        .map(|e| format!("{} {}?{}", e.method, e.path, e.query))
        .collect()
}

/// Runs a create with rawkube, removes the object with kubectl, creates it again with
/// kubectl (same output), then both hit AlreadyExists (same error), then rawkube deletes it
/// (same line kubectl printed).
fn create_cycle(env: &Env, create: &[&str], delete: &[&str]) {
    env.mock.journal().clear();
    let r = env.rawkube(create);
    assert_eq!(r.code, 0, "rawkube {create:?}: {r:?}");
    let ours = writes(env);
    let kd = env.kubectl(delete);
    assert_eq!(kd.code, 0, "kubectl {delete:?}: {kd:?}");
    env.mock.journal().clear();
    let k = env.kubectl(create);
    assert_eq!(r, k, "create {create:?}: rawkube (left) vs kubectl (right)");
    // The same write request: method, path and query (fieldManager, fieldValidation).
    assert_eq!(
        ours,
        writes(env),
        "requests of {create:?}: rawkube (left) vs kubectl (right)"
    );
    env.same(create); // AlreadyExists, both
    let rd = env.rawkube(delete);
    assert_eq!(
        rd, kd,
        "delete {delete:?}: rawkube (left) vs kubectl (right)"
    );
    env.same(delete); // NotFound, both
}

#[test]
fn delete_of_several_with_one_missing_matches_kubectl() {
    if !have_kubectl() {
        return;
    }
    let env = Env::start();
    for n in ["a", "b"] {
        assert_eq!(env.rawkube(&["create", "sa", n]).code, 0);
    }
    let r = env.rawkube(&["delete", "sa", "a", "nosuch", "b"]);
    for n in ["a", "b"] {
        assert_eq!(env.kubectl(&["create", "sa", n]).code, 0);
    }
    let k = env.kubectl(&["delete", "sa", "a", "nosuch", "b"]);
    assert_eq!(r, k);
}

#[test]
fn create_and_delete_match_kubectl() {
    if !have_kubectl() {
        return;
    }
    let env = Env::start();
    create_cycle(
        &env,
        &["create", "sa", "bearertokenauth"],
        &["delete", "sa", "bearertokenauth"],
    );
    create_cycle(
        &env,
        &["create", "serviceaccount", "other", "-n", "default"],
        &["delete", "serviceaccounts", "other"],
    );
    create_cycle(
        &env,
        &[
            "create",
            "role",
            "bearertokenauth",
            "--verb=create",
            "--verb=get",
            "--verb=list",
            "--verb=update",
            "--verb=delete",
            "--resource=pods",
        ],
        &["delete", "role", "bearertokenauth"],
    );
    create_cycle(
        &env,
        &[
            "create",
            "role",
            "mixed",
            "--verb=get,list",
            "--resource=deployments.apps,pods/log",
            "--resource-name=foo",
        ],
        &["delete", "roles.rbac.authorization.k8s.io", "mixed"],
    );
    create_cycle(
        &env,
        &[
            "create",
            "rolebinding",
            "bearertoken-binding-bearertokenauth",
            "--role=bearertokenauth",
            "--serviceaccount=default:bearertokenauth",
            "--namespace=default",
        ],
        &[
            "delete",
            "rolebinding",
            "bearertoken-binding-bearertokenauth",
        ],
    );
    create_cycle(
        &env,
        &[
            "create",
            "clusterrole",
            "pod-reader",
            "--verb=get,list",
            "--resource=pods",
        ],
        &["delete", "clusterrole", "pod-reader"],
    );
    create_cycle(
        &env,
        &[
            "create",
            "clusterrolebinding",
            "sa-view",
            "--clusterrole=view",
            "--serviceaccount=default:bearertokenauth",
            "--user=alice",
            "--group=devs",
        ],
        &["delete", "clusterrolebinding", "sa-view"],
    );
}

#[test]
fn dry_run_and_output_formats_match_kubectl() {
    if !have_kubectl() {
        return;
    }
    let env = Env::start();
    for args in [
        &["create", "sa", "x", "--dry-run=client", "-o", "json"][..],
        &[
            "create",
            "sa",
            "x",
            "-n",
            "default",
            "--dry-run=client",
            "-o",
            "yaml",
        ],
        &["create", "sa", "x", "--dry-run=client"],
        &["create", "sa", "x", "--dry-run=client", "-o", "name"],
        &["create", "sa", "drs", "--dry-run=server"],
        &[
            "create",
            "role",
            "bearertokenauth",
            "--verb=create",
            "--verb=get",
            "--verb=list",
            "--verb=update",
            "--verb=delete",
            "--resource=pods",
            "--dry-run=client",
            "-o",
            "json",
        ],
        &[
            "create",
            "role",
            "r",
            "--verb=get,list",
            "--resource=pods,pods/log,deployments.apps,roles.rbac.authorization.k8s.io",
            "--dry-run=client",
            "-o",
            "yaml",
        ],
        &[
            "create",
            "role",
            "r",
            "--verb=get",
            "--resource=nosuchthing",
            "--dry-run=client",
        ],
        &[
            "create",
            "role",
            "r",
            "--verb=frob",
            "--resource=pods",
            "--dry-run=client",
        ],
        &[
            "create",
            "rolebinding",
            "bearertoken-binding-bearertokenauth",
            "--role=bearertokenauth",
            "--serviceaccount=default:bearertokenauth",
            "--namespace=default",
            "--dry-run=client",
            "-o",
            "json",
        ],
        &[
            "create",
            "clusterrolebinding",
            "bearertokenauth-crb",
            "--clusterrole=view",
            "--serviceaccount=default:bearertokenauth",
            "--user=alice",
            "--group=devs",
            "--dry-run=client",
            "-o",
            "json",
        ],
        &["create", "sa", "x", "-o", "bogus", "--dry-run=client"],
        &["create", "token", "nosuchsa"],
        &[
            "create",
            "token",
            "nosuchsa",
            "--duration=10m",
            "--audience=foo",
        ],
    ] {
        env.same(args);
    }
}

#[test]
fn get_matches_kubectl() {
    if !have_kubectl() {
        return;
    }
    let env = Env::start();
    assert_eq!(env.rawkube(&["create", "sa", "bearertokenauth"]).code, 0);
    assert_eq!(
        env.rawkube(&[
            "create",
            "role",
            "bearertokenauth",
            "--verb=get",
            "--resource=pods"
        ])
        .code,
        0
    );
    assert_eq!(
        env.rawkube(&[
            "create",
            "rolebinding",
            "rb",
            "--role=bearertokenauth",
            "--serviceaccount=default:bearertokenauth",
            "--user=alice",
        ])
        .code,
        0
    );
    for args in [
        &["get", "sa", "bearertokenauth", "-o", "yaml"][..],
        &["get", "serviceaccount", "bearertokenauth", "-o", "json"],
        &[
            "get",
            "sa",
            "bearertokenauth",
            "-o",
            "jsonpath={.secrets[0].name}",
        ],
        &[
            "get",
            "sa",
            "bearertokenauth",
            "-o",
            "jsonpath={.metadata.name}",
        ],
        &["get", "sa", "bearertokenauth", "-o", "name"],
        &["get", "sa/bearertokenauth", "-o", "name"],
        &["get", "role", "bearertokenauth", "-o", "yaml"],
        &["get", "sa", "nosuchsa"],
        &["get", "pods"],
        &["get", "po", "-A"],
        &["get", "secrets"],
        &["get", "nosuchtype"],
        &["get", "sa", "-o", "name"],
        &["get", "ns", "default", "-o", "jsonpath={.metadata.name}"],
        &["get", "clusterrolebindings", "nosuch"],
        &["get", "sa"],
        &["get", "sa", "-A"],
        &["get", "roles"],
        &["get", "rolebindings", "-o", "wide"],
        &["get", "rolebindings", "-A", "-o", "wide"],
        &["get", "ns"],
        &["get", "secrets", "-o", "json"],
        &["get", "clusterroles", "cluster-admin", "-o", "name"],
        &["get", "sa", "default", "nosuch"],
        &["get", "sa", "default", "bearertokenauth", "-o", "name"],
        &["get", "sa", "default", "-o", "jsonpath={.kind}"],
        &[
            "get",
            "sa",
            "-o",
            "jsonpath={range .items[*]}{.metadata.name}{\"\\n\"}{end}",
        ],
    ] {
        env.same_but_ages(args);
    }
}

#[test]
fn auth_matches_kubectl() {
    if !have_kubectl() {
        return;
    }
    let env = Env::start();
    for args in [
        &["auth", "can-i", "list", "pods"][..],
        &["auth", "can-i", "delete", "pods", "-n", "kube-system"],
        &["auth", "can-i", "get", "/healthz"],
        &["auth", "can-i", "--list"],
        &["auth", "can-i", "get", "pods/foo"],
        &["auth", "can-i", "create", "serviceaccounts", "-A"],
        &["auth", "can-i", "get", "nosuchthing"],
        &["auth", "whoami"],
        &["auth", "whoami", "-o", "json"],
    ] {
        env.same(args);
    }
}

#[test]
fn show_http_prints_curl_and_redacts_tokens() {
    let env = Env::start();
    let r = env.rawkube(&["get", "sa", "--show-http"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stderr.contains("curl -X GET"), "{}", r.stderr);
    assert!(
        r.stderr
            .contains("/api/v1/namespaces/default/serviceaccounts"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("# => 200 OK"), "{}", r.stderr);
    assert!(r.stdout.starts_with("NAME"), "{}", r.stdout);

    let secret = "not-a-real-token-4711";
    let hidden = env.rawkube(&["get", "sa", "--show-http", "--token", secret]);
    assert!(hidden.stderr.contains("curl -X GET"), "{}", hidden.stderr);
    assert!(
        !hidden.stderr.contains(secret),
        "token leaked: {}",
        hidden.stderr
    );
    let shown = env.rawkube(&[
        "get",
        "sa",
        "--show-http",
        "--show-secrets",
        "--token",
        secret,
    ]);
    assert!(shown.stderr.contains(secret), "{}", shown.stderr);
    // Without --show-http nothing is traced.
    assert!(!env.rawkube(&["get", "sa"]).stderr.contains("curl"));
}

/// Puts a pod straight into the mock's store (there is no `create pod` command).
fn store_pod(env: &Env, ns: &str, name: &str, status: serde_json::Value) {
    let def = mock_apiserver::registry::find_plural("pods").expect("pods are served");
    let pod = serde_json::json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": ns},
        "spec": {"containers": [{"name": "app", "image": "nginx"}], "nodeName": "node-1"},
        "status": status,
    });
    env.mock
        .store()
        .create(
            def,
            ns,
            pod,
            &mock_apiserver::store::WriteOptions::default(),
        )
        .expect("store the pod");
}

/// `get` prints the server's Table as kubectl does: the columns, -o wide, -A, several
/// types at once, and the empty cases.
#[test]
fn get_tables_match_kubectl() {
    if !have_kubectl() {
        return;
    }
    let env = Env::start();
    // The empty cases first, before anything exists.
    for args in [
        &["get", "pods"][..],
        &["get", "pods", "-A"],
        &["get", "pods", "-o", "wide"],
        &["get", "roles"],
        &["get", "secrets", "-n", "kube-system"],
        &["get", "rolebindings", "-A"],
    ] {
        env.same_but_ages(args);
    }
    store_pod(
        &env,
        "default",
        "web-1",
        serde_json::json!({"phase": "Pending"}),
    );
    store_pod(
        &env,
        "default",
        "a-much-longer-pod-name",
        serde_json::json!({
            "phase": "Running", "podIP": "10.244.0.7",
            "containerStatuses": [{"name": "app", "ready": true, "restartCount": 3,
                "image": "nginx", "imageID": "", "state": {"running": {}}}],
        }),
    );
    store_pod(
        &env,
        "kube-system",
        "dns",
        serde_json::json!({"phase": "Running"}),
    );
    for args in [
        &["create", "sa", "bearertokenauth"][..],
        &[
            "create",
            "role",
            "reader",
            "--verb=get,list",
            "--resource=pods",
        ],
        &[
            "create",
            "rolebinding",
            "rb",
            "--role=reader",
            "--serviceaccount=default:bearertokenauth",
            "--group=devs",
        ],
    ] {
        assert_eq!(env.rawkube(args).code, 0, "{args:?}");
    }
    env.mock.journal().clear();
    let first = env.same_but_ages(&["get", "pods"]);
    assert!(first.stdout.starts_with("NAME "), "{first:?}");
    // The request kubectl sends: a server-side Table.
    let accepts: Vec<String> = env
        .mock
        .journal()
        .entries()
        .into_iter()
        .filter(|e| e.path == "/api/v1/namespaces/default/pods")
        .filter_map(|e| {
            e.headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case("accept"))
                .map(|(_, v)| v.clone())
        })
        .collect();
    assert_eq!(accepts.len(), 2, "one rawkube, one kubectl request");
    assert_eq!(
        accepts[0], accepts[1],
        "rawkube's Accept differs from kubectl's"
    );
    // The server's cells, not a client-side computation.
    let wide = env.rawkube(&["get", "pods", "-A", "-o", "wide"]);
    for wanted in [
        "NAMESPACE",
        "READINESS GATES",
        "10.244.0.7",
        "node-1",
        "kube-system",
    ] {
        assert!(wide.stdout.contains(wanted), "{wanted}: {wide:?}");
    }
    let mixed = env.rawkube(&["get", "sa/bearertokenauth", "role/reader"]);
    assert!(
        mixed.stdout.contains("\n\nNAME ")
            && mixed
                .stdout
                .contains("CREATED AT\nrole.rbac.authorization.k8s.io/reader   "),
        "{mixed:?}"
    );
    for args in [
        &["get", "pods", "-o", "wide"][..],
        &["get", "po", "-A"],
        &["get", "pods", "-A", "-o", "wide"],
        &["get", "pod", "web-1"],
        &["get", "pods", "web-1", "nosuch", "dns"],
        &["get", "sa"],
        &["get", "sa", "-A"],
        &["get", "secrets", "-A"],
        &["get", "roles"],
        &["get", "roles", "-o", "wide"],
        &["get", "rolebindings"],
        &["get", "rolebindings", "-o", "wide"],
        &["get", "rolebindings", "-A", "-o", "wide"],
        &["get", "ns"],
        &["get", "ns", "-A"],
        &["get", "ns", "default"],
        &["get", "clusterroles", "cluster-admin", "admin"],
        &["get", "sa/bearertokenauth", "role/reader", "pod/web-1"],
        &["get", "sa/bearertokenauth", "sa/default"],
    ] {
        env.same_but_ages(args);
    }
}
