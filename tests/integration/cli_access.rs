//! `access` and `who-can` against the mock's RBAC, cell by cell.
//!
//! One RBAC world (Roles, ClusterRoles with wildcards, `*/log`, resourceNames, the
//! bootstrap aggregated `admin`/`edit`/`view`, bindings to a ServiceAccount, a user
//! and a group) is put straight into the mock's store. Then:
//! * every cell of `access -o json` must equal the real `kubectl auth can-i` for the
//!   same subject (`--as`, `--as-group`), namespace and cell;
//! * for every cell, `who-can -o json` must list a binding applying to a subject exactly
//!   when the mock's authorizer (a SelfSubjectAccessReview impersonating the subject)
//!   allows it.

use std::collections::BTreeSet;

use mock_apiserver::MockServer;
use rawkube::Client;
use rawkube::api::review::SelfSubjectAccessReview;
use rawkube::client::Request;
use rawkube::kubeconfig::{Kubeconfig, LoadOptions, Overrides};
use rawkube::path::Resource;
use serde_json::{Value, json};

use super::cli_util::{Env, have_kubectl};

const RBAC: &str = "rbac.authorization.k8s.io";

fn store(env: &Env, plural: &str, ns: &str, obj: Value) {
    let def = mock_apiserver::api::registry::find_plural(plural).expect("served");
    env.mock
        .store()
        .create(
            def,
            ns,
            obj,
            &mock_apiserver::store::WriteOptions::default(),
        )
        .unwrap_or_else(|e| panic!("store {plural}: {e:?}"));
}

fn rule(groups: &[&str], resources: &[&str], verbs: &[&str], names: &[&str]) -> Value {
    let mut r = json!({"apiGroups": groups, "resources": resources, "verbs": verbs});
    if !names.is_empty() {
        r["resourceNames"] = json!(names);
    }
    r
}

fn subject(kind: &str, name: &str, ns: &str) -> Value {
    match kind {
        "ServiceAccount" => json!({"kind": kind, "name": name, "namespace": ns}),
        _ => json!({"kind": kind, "apiGroup": RBAC, "name": name}),
    }
}

/// Stores an RBAC object: the cluster-wide kind when `ns` is empty, else the namespaced one.
/// `kinds` = (namespaced plural, kind, cluster plural, kind); `fields` are added to the object.
fn rbac_object(env: &Env, ns: &str, name: &str, kinds: [&str; 4], fields: Value) {
    let [plural, kind] = if ns.is_empty() {
        [kinds[2], kinds[3]]
    } else {
        [kinds[0], kinds[1]]
    };
    let mut meta = json!({"name": name});
    if !ns.is_empty() {
        meta["namespace"] = json!(ns);
    }
    let mut obj = json!({"apiVersion": format!("{RBAC}/v1"), "kind": kind, "metadata": meta});
    for (k, v) in fields.as_object().expect("fields are an object") {
        obj[k] = v.clone();
    }
    store(env, plural, ns, obj);
}

fn binding(env: &Env, ns: &str, name: &str, role_kind: &str, role: &str, subjects: Vec<Value>) {
    let kinds = [
        "rolebindings",
        "RoleBinding",
        "clusterrolebindings",
        "ClusterRoleBinding",
    ];
    let fields = json!({"subjects": subjects,
                        "roleRef": {"apiGroup": RBAC, "kind": role_kind, "name": role}});
    rbac_object(env, ns, name, kinds, fields);
}

fn role(env: &Env, ns: &str, name: &str, rules: Vec<Value>) {
    let kinds = ["roles", "Role", "clusterroles", "ClusterRole"];
    rbac_object(env, ns, name, kinds, json!({ "rules": rules }));
}

/// The RBAC world all tests here share.
fn rbac_world() -> Env {
    let env = Env::with(MockServer::start_blocking().expect("start mock-apiserver"));
    store(
        &env,
        "namespaces",
        "",
        json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "dev"}}),
    );
    store(
        &env,
        "serviceaccounts",
        "dev",
        json!({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "ci", "namespace": "dev"}}),
    );
    // Wildcard verbs on one group's resource, plus one verb on pods.
    role(
        &env,
        "dev",
        "deployer",
        vec![
            rule(&["apps"], &["deployments"], &["*"], &[]),
            rule(&[""], &["pods"], &["create"], &[]),
        ],
    );
    // Every resource of one group, read-only.
    role(
        &env,
        "dev",
        "apps-reader",
        vec![rule(&["apps"], &["*"], &["get", "list"], &[])],
    );
    // The log subresource of every resource.
    role(
        &env,
        "",
        "logs-anywhere",
        vec![rule(&[""], &["*/log"], &["get"], &[])],
    );
    // One ConfigMap by name only.
    role(
        &env,
        "",
        "app-config-editor",
        vec![rule(
            &[""],
            &["configmaps"],
            &["get", "update", "patch"],
            &["app-config"],
        )],
    );
    // A cluster-scoped resource.
    role(
        &env,
        "",
        "namespace-reader",
        vec![rule(&[""], &["namespaces"], &["get", "list", "watch"], &[])],
    );
    binding(
        &env,
        "dev",
        "ci-deployer",
        "Role",
        "deployer",
        vec![subject("ServiceAccount", "ci", "dev")],
    );
    binding(
        &env,
        "dev",
        "ci-view",
        "ClusterRole",
        "view",
        // No namespace: the binding's own applies.
        vec![json!({"kind": "ServiceAccount", "name": "ci"})],
    );
    binding(
        &env,
        "dev",
        "alice-edit",
        "ClusterRole",
        "edit",
        vec![subject("User", "alice", "")],
    );
    binding(
        &env,
        "dev",
        "alice-app-config",
        "ClusterRole",
        "app-config-editor",
        vec![subject("User", "alice", "")],
    );
    binding(
        &env,
        "",
        "alice-namespaces",
        "ClusterRole",
        "namespace-reader",
        vec![subject("User", "alice", "")],
    );
    binding(
        &env,
        "dev",
        "devs-admin",
        "ClusterRole",
        "admin",
        vec![subject("Group", "devs", "")],
    );
    binding(
        &env,
        "dev",
        "devs-apps",
        "Role",
        "apps-reader",
        vec![subject("Group", "devs", "")],
    );
    binding(
        &env,
        "",
        "devs-logs",
        "ClusterRole",
        "logs-anywhere",
        vec![
            subject("Group", "devs", ""),
            subject("ServiceAccount", "ci", "dev"),
        ],
    );
    // A Namespace object is in itself: this grants bob `get namespaces dev`, nothing else.
    role(
        &env,
        "dev",
        "own-namespace",
        vec![rule(&[""], &["namespaces"], &["get", "update"], &[])],
    );
    binding(
        &env,
        "dev",
        "bob-own-namespace",
        "Role",
        "own-namespace",
        vec![subject("User", "bob", "")],
    );
    // A binding to a role that does not exist grants nothing.
    binding(
        &env,
        "dev",
        "dangling",
        "Role",
        "missing",
        vec![subject("User", "bob", "")],
    );
    env
}

/// A subject as `access` names it, as kubectl impersonates it, and as RBAC matches it.
struct Who {
    access_arg: &'static str,
    kubectl: &'static [&'static str],
    user: &'static str,
    groups: &'static [&'static str],
}

const SUBJECTS: &[Who] = &[
    Who {
        access_arg: "ServiceAccount/dev/ci",
        kubectl: &["--as", "system:serviceaccount:dev:ci"],
        user: "system:serviceaccount:dev:ci",
        groups: &[
            "system:serviceaccounts",
            "system:serviceaccounts:dev",
            "system:authenticated",
        ],
    },
    Who {
        access_arg: "User/alice",
        kubectl: &["--as", "alice"],
        user: "alice",
        groups: &["system:authenticated"],
    },
    Who {
        access_arg: "Group/devs",
        kubectl: &["--as", "rawkube:group-member", "--as-group", "devs"],
        user: "rawkube:group-member",
        groups: &["devs", "system:authenticated"],
    },
    Who {
        access_arg: "User/bob",
        kubectl: &["--as", "bob"],
        user: "bob",
        groups: &["system:authenticated"],
    },
];

/// `kubectl auth can-i` for one cell: `true` on "yes".
fn kubectl_can_i(
    env: &Env,
    who: &Who,
    verb: &str,
    group: &str,
    resource: &str,
    name: Option<&str>,
    namespace: Option<&str>,
) -> bool {
    let (base, sub) = match resource.split_once('/') {
        Some((b, s)) => (b, Some(s)),
        None => (resource, None),
    };
    let typed = if group.is_empty() {
        base.to_string()
    } else {
        format!("{base}.{group}")
    };
    // kubectl takes a name only as TYPE/NAME.
    let typed = match name {
        Some(n) => format!("{typed}/{n}"),
        None => typed,
    };
    let mut args: Vec<String> = vec!["auth".into(), "can-i".into(), verb.into(), typed];
    if let Some(s) = sub {
        args.push(format!("--subresource={s}"));
    }
    match namespace {
        Some(ns) => args.extend(["-n".to_string(), ns.to_string()]),
        None => args.push("--all-namespaces".into()),
    }
    args.extend(who.kubectl.iter().map(|s| s.to_string()));
    let a: Vec<&str> = args.iter().map(String::as_str).collect();
    let r = env.kubectl(&a);
    assert!(r.code == 0 || r.code == 1, "kubectl {a:?} failed: {r:?}");
    r.code == 0
}

/// Runs `rawkube access` with `args` as JSON.
fn access_json(env: &Env, args: &[&str]) -> Value {
    let mut a = vec!["access", "-o", "json", "--verbs", "all"];
    a.extend_from_slice(args);
    let r = env.rawkube(&a);
    assert_eq!(r.code, 0, "{a:?}: {r:?}");
    serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("{e}: {}", r.stdout))
}

/// Every cell of `matrix`, checked with kubectl on a few threads.
fn check_against_kubectl(
    env: &Env,
    who: &Who,
    matrix: &Value,
    namespace: Option<&str>,
    name: Option<&str>,
    cluster_scoped: &BTreeSet<&str>,
) -> usize {
    let mut cells = Vec::new();
    for row in matrix["resources"].as_array().unwrap() {
        let group = row["group"].as_str().unwrap().to_string();
        let resource = row["resource"].as_str().unwrap().to_string();
        for (verb, allowed) in row["verbs"].as_object().unwrap() {
            let allowed = allowed
                .as_bool()
                .unwrap_or_else(|| panic!("a failed review: {row}"));
            cells.push((verb.clone(), group.clone(), resource.clone(), allowed));
        }
    }
    let mismatches: Vec<String> = std::thread::scope(|s| {
        let chunks: Vec<_> = cells.chunks(cells.len().div_ceil(4).max(1)).collect();
        let handles: Vec<_> = chunks
            .into_iter()
            .map(|chunk| {
                s.spawn(move || {
                    let mut bad = Vec::new();
                    for (verb, group, resource, allowed) in chunk {
                        let base = resource.split('/').next().unwrap();
                        // Cluster-scoped rows are reviewed cluster-wide, as rakkess does.
                        let ns = if cluster_scoped.contains(base) { None } else { namespace };
                        let k = kubectl_can_i(env, who, verb, group, resource, name, ns);
                        if k != *allowed {
                            bad.push(format!(
                                "{} {verb} {resource}.{group} ns={ns:?} name={name:?}: access says {allowed}, kubectl says {k}",
                                who.access_arg
                            ));
                        }
                    }
                    bad
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
    cells.len()
}

fn count_reviews(mock: &MockServer, kind: &str) -> usize {
    mock.journal()
        .entries()
        .iter()
        .filter(|e| e.method == "POST" && e.path.ends_with(kind))
        .count()
}

fn allowed_cells(matrix: &Value) -> usize {
    matrix["resources"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| r["verbs"].as_object().unwrap().values())
        .filter(|v| v.as_bool() == Some(true))
        .count()
}

#[test]
fn access_matrix_agrees_with_kubectl_auth_can_i_in_every_cell() {
    if !have_kubectl() {
        return;
    }
    let env = rbac_world();
    let cluster_scoped: BTreeSet<&str> = ["namespaces"].into();
    let resources = "pods,pods/log,configmaps,deployments.apps,secrets,namespaces,roles.rbac.authorization.k8s.io";
    let mut checked = 0;
    for who in SUBJECTS {
        // In namespace dev: one rules review answers every namespaced cell.
        env.mock.journal().clear();
        let m = access_json(
            &env,
            &[who.access_arg, "-n", "dev", "--resources", resources],
        );
        assert_eq!(m["namespace"], "dev");
        assert_eq!(m["subject"], who.access_arg);
        assert_eq!(count_reviews(&env.mock, "selfsubjectrulesreviews"), 1);
        let reviews = count_reviews(&env.mock, "selfsubjectaccessreviews");
        if who.user == "bob" {
            // bob's binding to a missing Role makes the rules review report an
            // evaluation error: the cells the rules do not allow are re-checked.
            assert!(reviews > 7, "{reviews} access reviews for incomplete rules");
        } else {
            // Only the cluster-scoped row (namespaces) may need access reviews.
            assert!(
                reviews <= 7,
                "{reviews} access reviews for {}",
                who.access_arg
            );
        }
        checked += check_against_kubectl(&env, who, &m, Some("dev"), None, &cluster_scoped);

        // Cluster-wide: access reviews only for cells the rules allow.
        env.mock.journal().clear();
        let m = access_json(&env, &[who.access_arg, "--resources", resources]);
        assert_eq!(m["namespace"], "");
        let reviews = count_reviews(&env.mock, "selfsubjectaccessreviews");
        assert!(
            reviews <= allowed_cells(&m) + 1,
            "{reviews} access reviews for {} allowed cells",
            allowed_cells(&m)
        );
        checked += check_against_kubectl(&env, who, &m, None, None, &cluster_scoped);
    }
    // resourceNames: only the named ConfigMap.
    let alice = &SUBJECTS[1];
    for name in ["app-config", "other"] {
        let m = access_json(
            &env,
            &[
                alice.access_arg,
                "-n",
                "dev",
                "--resources",
                "configmaps",
                "--name",
                name,
            ],
        );
        checked += check_against_kubectl(&env, alice, &m, Some("dev"), Some(name), &cluster_scoped);
    }
    // Every resource discovery lists, for the ServiceAccount.
    let m = access_json(&env, &[SUBJECTS[0].access_arg, "-n", "dev"]);
    assert!(m["resources"].as_array().unwrap().len() >= 8, "{m}");
    checked += check_against_kubectl(&env, &SUBJECTS[0], &m, Some("dev"), None, &cluster_scoped);
    eprintln!("{checked} cells agree with kubectl auth can-i");
}

#[test]
fn access_prints_rakkess_tables_and_checks_its_flags() {
    let env = rbac_world();
    let r = env.rawkube(&[
        "access",
        "ServiceAccount/dev/ci",
        "-n",
        "dev",
        "--resources",
        "pods,deployments.apps,pods/log",
    ]);
    assert_eq!(
        (r.code, r.stdout.as_str()),
        (
            0,
            "NAME              LIST  CREATE  UPDATE  DELETE\n\
             deployments.apps  ✔     ✔       ✔       ✔\n\
             pods              ✔     ✔       ✖       ✖\n\
             pods/log                                \n"
        ),
        "{r:?}"
    );
    let r = env.rawkube(&[
        "access",
        "--sa",
        "ci",
        "-n",
        "dev",
        "--resources",
        "pods/log",
        "--verbs",
        "get,list",
        "-o",
        "ascii-table",
    ]);
    assert_eq!(
        r.stdout, "NAME      GET  LIST\npods/log  yes  n/a\n",
        "{r:?}"
    );
    // The admin (system:masters) may do everything: one rules review, one access review.
    env.mock.journal().clear();
    let r = env.rawkube(&["access", "-o", "json"]);
    assert_eq!(r.code, 0, "{r:?}");
    let m: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(m["subject"], "User/kubernetes-admin");
    assert!(
        m["resources"]
            .as_array()
            .unwrap()
            .iter()
            .all(|row| row["verbs"]
                .as_object()
                .unwrap()
                .values()
                .all(|v| v == true)),
        "{m}"
    );
    assert_eq!(count_reviews(&env.mock, "selfsubjectrulesreviews"), 1);
    assert_eq!(count_reviews(&env.mock, "selfsubjectaccessreviews"), 1);
    for (args, want) in [
        (
            vec!["access", "--verbs", "get,fly"],
            "error: --verbs: unknown verb \"fly\"",
        ),
        (
            vec!["access", "Node/n1"],
            "error: invalid subject \"Node/n1\"",
        ),
        (
            vec!["access", "--sa", "ci"],
            "error: --sa \"ci\": ServiceAccounts are namespaced",
        ),
        (
            vec!["access", "--resources", "nosuch"],
            "error: the server doesn't have a resource type \"nosuch\"",
        ),
        (
            vec!["access", "-o", "yaml"],
            "error: --output \"yaml\" is not one of",
        ),
    ] {
        let r = env.rawkube(&args);
        assert_eq!(r.code, 1, "{args:?}: {r:?}");
        assert!(r.stderr.starts_with(want), "{args:?}: {}", r.stderr);
    }
}

/// Admin client for the env, to ask the mock's authorizer directly.
fn admin_client(env: &Env) -> Client {
    let kc = Kubeconfig::load(&LoadOptions::file(&env.kubeconfig)).unwrap();
    Client::new(&kc.resolve(&Overrides::default()).unwrap()).unwrap()
}

/// The mock's answer for `who` (a SelfSubjectAccessReview with Impersonate-* headers).
async fn authorizer_allows(
    c: &Client,
    who: &Who,
    verb: &str,
    group: &str,
    resource: &str,
    name: &str,
    ns: &str,
) -> bool {
    let (base, sub) = resource.split_once('/').unwrap_or((resource, ""));
    let mut review = SelfSubjectAccessReview::resource(ns, verb, group, base);
    let attrs = review.spec.resource_attributes.as_mut().unwrap();
    attrs.subresource = sub.into();
    attrs.name = name.into();
    let path =
        Resource::cluster("authorization.k8s.io", "v1", "selfsubjectaccessreviews").collection("");
    let mut req = Request::post(path, &review)
        .unwrap()
        .header("Impersonate-User", who.user)
        .unwrap();
    for g in who.groups.iter().filter(|g| !g.starts_with("system:")) {
        req = req.header("Impersonate-Group", g).unwrap();
    }
    let answer: SelfSubjectAccessReview = c.request(req).await.unwrap();
    answer.allowed()
}

/// Whether a who-can entry applies to `who`, as RBAC's appliesTo reads a subject.
fn applies(entry: &Value, who: &Who) -> bool {
    let name = entry["name"].as_str().unwrap();
    match entry["kind"].as_str().unwrap() {
        "User" => name == who.user,
        "Group" => who.groups.contains(&name),
        "ServiceAccount" => {
            who.user
                == format!(
                    "system:serviceaccount:{}:{name}",
                    entry["namespace"].as_str().unwrap()
                )
        }
        _ => false,
    }
}

#[test]
fn who_can_agrees_with_the_mocks_authorizer_for_every_subject_and_cell() {
    let env = rbac_world();
    let client = admin_client(&env);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let verbs = [
        "get",
        "list",
        "watch",
        "create",
        "update",
        "patch",
        "delete",
        "deletecollection",
    ];
    // (resource as typed, group, resource as RBAC sees it, name, cluster-scoped)
    let targets: &[(&str, &str, &str, &str, bool)] = &[
        ("pods", "", "pods", "", false),
        ("pods/log", "", "pods/log", "", false),
        ("configmaps", "", "configmaps", "", false),
        ("configmaps", "", "configmaps", "app-config", false),
        ("deployments.apps", "apps", "deployments", "", false),
        ("secrets", "", "secrets", "", false),
        ("roles", RBAC, "roles", "", false),
        ("namespaces", "", "namespaces", "", true),
        ("namespaces", "", "namespaces", "dev", true),
        ("namespaces", "", "namespaces", "default", true),
    ];
    let mut checked = 0;
    let mut found = 0;
    for (typed, group, resource, name, cluster) in targets {
        for verb in verbs {
            let mut args = vec!["who-can", verb, typed, "-n", "dev", "-o", "json"];
            if !name.is_empty() {
                args.push(name);
            }
            let r = env.rawkube(&args);
            assert_eq!(r.code, 0, "{args:?}: {r:?}");
            let entries: Vec<Value> = serde_json::from_str(&r.stdout).unwrap();
            for who in SUBJECTS {
                let listed = entries.iter().any(|e| applies(e, who));
                // `GET /api/v1/namespaces/NAME` is a request in namespace NAME.
                let ns = match (*resource, *cluster) {
                    ("namespaces", _) if !name.is_empty() => name,
                    (_, true) => "",
                    (_, false) => "dev",
                };
                let allowed = rt.block_on(authorizer_allows(
                    &client, who, verb, group, resource, name, ns,
                ));
                assert_eq!(
                    listed, allowed,
                    "{} {verb} {typed} {name}: who-can lists it: {listed}, the authorizer allows it: {allowed}\n{}",
                    who.access_arg, r.stdout
                );
                checked += 1;
                found += usize::from(listed);
            }
        }
    }
    assert!(
        found > 40 && found < checked - 40,
        "{found} of {checked}: the world is too uniform to test anything"
    );
    eprintln!("{checked} subject × cell answers agree ({found} allowed)");
}

#[test]
fn who_can_names_the_binding_and_role_and_reads_every_namespace_with_all_namespaces() {
    let env = rbac_world();
    let r = env.rawkube(&["who-can", "get", "pods/log", "-n", "dev", "-o", "wide"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(
        r.stdout.contains("CLUSTERROLEBINDING  ROLE                       SUBJECT         TYPE            SA-NAMESPACE\n"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains(
            "devs-logs           ClusterRole/logs-anywhere  ci              ServiceAccount  dev\n"
        ),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("devs-admin"), "{}", r.stdout);
    // The missing Role is reported, not fatal.
    assert!(
        r.stderr
            .contains("Warning: RoleBinding/dev/dangling: Role/missing not found"),
        "{}",
        r.stderr
    );
    let r = env.rawkube(&[
        "who-can",
        "update",
        "configmaps",
        "app-config",
        "-n",
        "dev",
        "-o",
        "json",
    ]);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    assert!(
        v.as_array().unwrap().contains(&json!({"kind": "User", "name": "alice", "namespace": "",
            "binding": "RoleBinding/dev/alice-app-config", "role": "ClusterRole/app-config-editor"})),
        "{v}"
    );
    // SA subject without a namespace: the binding's.
    let r = env.rawkube(&["who-can", "list", "pods", "-n", "dev", "-o", "json"]);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    assert!(
        v.as_array().unwrap().contains(
            &json!({"kind": "ServiceAccount", "name": "ci", "namespace": "dev",
            "binding": "RoleBinding/dev/ci-view", "role": "ClusterRole/view"})
        ),
        "{v}"
    );
    // In default nothing of dev's counts; with -A it does.
    let r = env.rawkube(&["who-can", "create", "pods", "-n", "default", "-o", "json"]);
    assert!(!r.stdout.contains("RoleBinding/dev/"), "{}", r.stdout);
    let r = env.rawkube(&["who-can", "create", "pods", "-A", "-o", "json"]);
    assert!(
        r.stdout.contains("RoleBinding/dev/ci-deployer"),
        "{}",
        r.stdout
    );
    let r = env.rawkube(&["who-can", "get", "nosuch"]);
    assert_eq!(
        (r.code, r.stderr.as_str()),
        (
            1,
            "error: the server doesn't have a resource type \"nosuch\"\n"
        )
    );
}
