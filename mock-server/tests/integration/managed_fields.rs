//! `metadata.managedFields` over HTTPS, for every write path. The expected entries are derived
//! from the field manager's sources, not from the mock's output:
//!
//! - `apimachinery/pkg/util/managedfields/internal`: `fieldmanager.go` (the request's entries
//!   win unless empty; `[]` resets), `skipnonapplied.go` (an existing object without entries is
//!   never tracked by an update), `stripmeta.go` (name, uid, ... are not owned),
//!   `managedfieldsupdater.go` (one entry per manager, merged), `managedfields.go` (sorting);
//! - structured-merge-diff v6 `merge/update.go` (other managers lose what a write modified or
//!   removed) and `typed/compare.go` (a node absent before is "added" itself, hence `".": {}`;
//!   atomic structs and lists are one leaf; a non-pointer struct such as `metadata` always
//!   exists);
//! - the OpenAPI's `x-kubernetes-list-type` / `-map-type` (rbac `rules`, `subjects`, `roleRef`
//!   atomic; ServiceAccount `secrets` a map keyed by `name`).

use mock_apiserver::MockServer;
use serde_json::{Value, json};

use crate::util::admin;

/// One call as `manager` (sent as the `fieldManager` query parameter).
async fn call(
    server: &MockServer,
    method: &str,
    path: &str,
    manager: &str,
    content_type: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let sep = if path.contains('?') { '&' } else { '?' };
    let url = format!("{}{path}{sep}fieldManager={manager}", server.url());
    let mut req = admin(server).request(method.parse().unwrap(), url);
    if let Some(b) = body {
        req = req.header("content-type", content_type).body(b.to_string());
    }
    let r = req.send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn get(server: &MockServer, path: &str) -> Value {
    let r = admin(server)
        .get(format!("{}{path}", server.url()))
        .send()
        .await
        .unwrap();
    r.json().await.unwrap()
}

/// `managedFields` as `manager -> fieldsV1` (order checked separately: it depends on the
/// seconds the writes fall in).
fn owners(obj: &Value) -> Value {
    let mut out = serde_json::Map::new();
    for e in obj["metadata"]["managedFields"]
        .as_array()
        .into_iter()
        .flatten()
    {
        assert_eq!(e["operation"], "Update", "{e}");
        assert_eq!(e["fieldsType"], "FieldsV1", "{e}");
        assert!(e["time"].is_string(), "{e}");
        out.insert(
            e["manager"].as_str().unwrap().to_string(),
            e["fieldsV1"].clone(),
        );
    }
    Value::Object(out)
}

const CM: &str = "/api/v1/namespaces/default/configmaps";
const MERGE: &str = "application/merge-patch+json";
const JSON: &str = "application/json";

#[tokio::test]
async fn every_patch_type_moves_ownership_of_what_it_changes() {
    let server = MockServer::start().await.unwrap();
    let (s, cm) = call(
        &server,
        "POST",
        CM,
        "creator",
        JSON,
        Some(json!({"metadata": {"name": "cm", "labels": {"app": "web"}}, "data": {"a": "1", "b": "2"}})),
    )
    .await;
    assert_eq!(s, 201, "{cm}");
    // data and labels did not exist in the empty object: each is owned itself (".").
    assert_eq!(
        owners(&cm),
        json!({"creator": {"f:data": {".": {}, "f:a": {}, "f:b": {}}, "f:metadata": {"f:labels": {".": {}, "f:app": {}}}}})
    );
    let path = format!("{CM}/cm");
    // JSON merge patch: a modified, c added.
    let (s, cm) = call(
        &server,
        "PATCH",
        &path,
        "merger",
        MERGE,
        Some(json!({"data": {"a": "10", "c": "3"}})),
    )
    .await;
    assert_eq!(s, 200, "{cm}");
    assert_eq!(
        owners(&cm),
        json!({
            "creator": {"f:data": {".": {}, "f:b": {}}, "f:metadata": {"f:labels": {".": {}, "f:app": {}}}},
            "merger": {"f:data": {"f:a": {}, "f:c": {}}},
        })
    );
    // Strategic merge patch: b removed (nobody keeps a removed field), a label added.
    let (s, cm) = call(
        &server,
        "PATCH",
        &path,
        "strategic",
        "application/strategic-merge-patch+json",
        Some(json!({"data": {"b": null}, "metadata": {"labels": {"tier": "x"}}})),
    )
    .await;
    assert_eq!(s, 200, "{cm}");
    assert_eq!(
        owners(&cm),
        json!({
            "creator": {"f:data": {}, "f:metadata": {"f:labels": {".": {}, "f:app": {}}}},
            "merger": {"f:data": {"f:a": {}, "f:c": {}}},
            "strategic": {"f:metadata": {"f:labels": {"f:tier": {}}}},
        })
    );
    // JSON patch: the label the creator set is replaced.
    let (s, cm) = call(
        &server,
        "PATCH",
        &path,
        "jsonpatch",
        "application/json-patch+json",
        Some(json!([{"op": "replace", "path": "/metadata/labels/app", "value": "api"}])),
    )
    .await;
    assert_eq!(s, 200, "{cm}");
    assert_eq!(
        owners(&cm),
        json!({
            "creator": {"f:data": {}, "f:metadata": {"f:labels": {}}},
            "jsonpatch": {"f:metadata": {"f:labels": {"f:app": {}}}},
            "merger": {"f:data": {"f:a": {}, "f:c": {}}},
            "strategic": {"f:metadata": {"f:labels": {"f:tier": {}}}},
        })
    );
    // The same manager again: its entry grows, there is still one.
    let (_, cm) = call(
        &server,
        "PATCH",
        &path,
        "merger",
        MERGE,
        Some(json!({"data": {"d": "4"}})),
    )
    .await;
    assert_eq!(
        owners(&cm)["merger"],
        json!({"f:data": {"f:a": {}, "f:c": {}, "f:d": {}}})
    );
    // A patch that changes nothing writes nothing: same resourceVersion, same entries.
    let before = get(&server, &path).await;
    let (s, after) = call(
        &server,
        "PATCH",
        &path,
        "idle",
        MERGE,
        Some(json!({"data": {"d": "4"}})),
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(after, before);
    // Entries are sorted by time (seconds), then manager.
    let entries = after["metadata"]["managedFields"].as_array().unwrap();
    let keys: Vec<(String, String)> = entries
        .iter()
        .map(|e| {
            (
                e["time"].as_str().unwrap().to_string(),
                e["manager"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted);
    let first = &entries[0];
    let fields: Vec<&String> = first.as_object().unwrap().keys().collect();
    assert_eq!(
        fields,
        [
            "manager",
            "operation",
            "apiVersion",
            "time",
            "fieldsType",
            "fieldsV1"
        ]
    );
}

#[tokio::test]
async fn an_update_replaces_and_the_request_may_reset_or_set_entries() {
    let server = MockServer::start().await.unwrap();
    let (_, cm) = call(
        &server,
        "POST",
        CM,
        "creator",
        JSON,
        Some(json!({"metadata": {"name": "u"}, "data": {"a": "1"}})),
    )
    .await;
    let path = format!("{CM}/u");
    // PUT of the object as read, with one value changed: the writer takes it over.
    let mut changed = cm.clone();
    changed["data"]["a"] = json!("2");
    let (s, cm) = call(&server, "PUT", &path, "editor", JSON, Some(changed)).await;
    assert_eq!(s, 200, "{cm}");
    assert_eq!(
        owners(&cm),
        json!({"creator": {"f:data": {}}, "editor": {"f:data": {"f:a": {}}}})
    );
    // Entries sent with the request are taken as they are (fieldmanager.go decodeLiveOrNew).
    let mut claimed = cm.clone();
    claimed["metadata"]["managedFields"] = json!([{"manager": "someone", "operation": "Update", "apiVersion": "v1", "time": "2020-01-01T00:00:00Z", "fieldsType": "FieldsV1", "fieldsV1": {"f:data": {"f:a": {}}}}]);
    let (_, cm) = call(&server, "PUT", &path, "editor", JSON, Some(claimed)).await;
    assert_eq!(
        cm["metadata"]["managedFields"],
        json!([{"manager": "someone", "operation": "Update", "apiVersion": "v1", "time": "2020-01-01T00:00:00Z", "fieldsType": "FieldsV1", "fieldsV1": {"f:data": {"f:a": {}}}}])
    );
    // `managedFields: []` resets them; an existing object without entries stays without.
    let (_, cm) = call(
        &server,
        "PATCH",
        &path,
        "resetter",
        MERGE,
        Some(json!({"metadata": {"managedFields": []}})),
    )
    .await;
    assert!(cm["metadata"].get("managedFields").is_none(), "{cm}");
    let (_, cm) = call(
        &server,
        "PATCH",
        &path,
        "later",
        MERGE,
        Some(json!({"data": {"b": "2"}})),
    )
    .await;
    assert!(cm["metadata"].get("managedFields").is_none(), "{cm}");
    assert_eq!(cm["data"]["b"], "2");
}

#[tokio::test]
async fn rbac_objects_own_atomic_rules_subjects_and_role_refs_as_one_leaf() {
    let server = MockServer::start().await.unwrap();
    let roles = "/apis/rbac.authorization.k8s.io/v1/namespaces/default/roles";
    let rule = json!([{"apiGroups": [""], "resources": ["pods"], "verbs": ["get"]}]);
    let (s, role) = call(
        &server,
        "POST",
        roles,
        "kubectl-create",
        JSON,
        Some(json!({"metadata": {"name": "r"}, "rules": rule})),
    )
    .await;
    assert_eq!(s, 201, "{role}");
    assert_eq!(owners(&role), json!({"kubectl-create": {"f:rules": {}}}));
    // A role without rules owns nothing: rules serialize as null either way (no omitempty).
    let (_, empty) = call(
        &server,
        "POST",
        roles,
        "kubectl-create",
        JSON,
        Some(json!({"metadata": {"name": "none"}})),
    )
    .await;
    assert!(empty["metadata"].get("managedFields").is_none(), "{empty}");
    // Changing one verb changes the atomic list: the whole of it changes hands.
    let mut edited = role.clone();
    edited["rules"][0]["verbs"] = json!(["get", "list"]);
    let (_, role) = call(
        &server,
        "PUT",
        &format!("{roles}/r"),
        "editor",
        JSON,
        Some(edited),
    )
    .await;
    assert_eq!(owners(&role), json!({"editor": {"f:rules": {}}}));

    let crs = "/apis/rbac.authorization.k8s.io/v1/clusterroles";
    let (s, cr) = call(
        &server,
        "POST",
        crs,
        "kubectl-create",
        JSON,
        Some(json!({"metadata": {"name": "agg", "labels": {"team": "a"}}, "aggregationRule": {"clusterRoleSelectors": [{"matchLabels": {"x": "y"}}]}})),
    )
    .await;
    assert_eq!(s, 201, "{cr}");
    assert_eq!(
        owners(&cr),
        json!({"kubectl-create": {"f:aggregationRule": {".": {}, "f:clusterRoleSelectors": {}}, "f:metadata": {"f:labels": {".": {}, "f:team": {}}}}})
    );
    // The bootstrap policy as a fresh cluster has it: kube-apiserver creates the roles,
    // kube-controller-manager's aggregation controller owns the aggregated roles' rules.
    let admin_role = get(&server, &format!("{crs}/admin")).await;
    let o = owners(&admin_role);
    assert_eq!(o["kube-controller-manager"], json!({"f:rules": {}}));
    assert_eq!(
        o["kube-apiserver"]["f:aggregationRule"],
        json!({".": {}, "f:clusterRoleSelectors": {}})
    );
    assert!(o["kube-apiserver"].get("f:rules").is_none());
    let cluster_admin = owners(&get(&server, &format!("{crs}/cluster-admin")).await);
    assert_eq!(
        cluster_admin,
        json!({"kube-apiserver": {"f:metadata": {"f:annotations": {".": {}, "f:rbac.authorization.kubernetes.io/autoupdate": {}}, "f:labels": {".": {}, "f:kubernetes.io/bootstrapping": {}}}, "f:rules": {}}})
    );

    let rbs = "/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings";
    let (_, rb) = call(
        &server,
        "POST",
        rbs,
        "kubectl-create",
        JSON,
        Some(json!({"metadata": {"name": "b"}, "roleRef": {"kind": "Role", "name": "r"}, "subjects": [{"kind": "User", "name": "u"}]})),
    )
    .await;
    assert_eq!(
        owners(&rb),
        json!({"kubectl-create": {"f:roleRef": {}, "f:subjects": {}}})
    );
}

#[tokio::test]
async fn secrets_and_service_accounts_own_what_decoding_left() {
    let server = MockServer::start().await.unwrap();
    // stringData becomes data and the type defaults to Opaque while decoding, before the
    // field manager looks (Convert_v1_Secret_To_core_Secret, SetDefaults_Secret).
    let (s, secret) = call(
        &server,
        "POST",
        "/api/v1/namespaces/default/secrets",
        "kubectl-create",
        JSON,
        Some(json!({"metadata": {"name": "s"}, "stringData": {"password": "x"}})),
    )
    .await;
    assert_eq!(s, 201, "{secret}");
    assert_eq!(
        owners(&secret),
        json!({"kubectl-create": {"f:data": {".": {}, "f:password": {}}, "f:type": {}}})
    );
    // ServiceAccount secrets are a map keyed by name: each item is owned as k:{"name":...},
    // and as one leaf, ObjectReference being `+structType=atomic` (core/v1 types.go).
    let sas = "/api/v1/namespaces/default/serviceaccounts";
    call(
        &server,
        "POST",
        sas,
        "creator",
        JSON,
        Some(json!({"metadata": {"name": "robot", "labels": {"a": "b"}}})),
    )
    .await;
    let (_, sa) = call(
        &server,
        "PATCH",
        &format!("{sas}/robot"),
        "linker",
        "application/strategic-merge-patch+json",
        Some(json!({"secrets": [{"name": "s"}]})),
    )
    .await;
    assert_eq!(
        owners(&sa),
        json!({
            "creator": {"f:metadata": {"f:labels": {".": {}, "f:a": {}}}},
            "linker": {"f:secrets": {".": {}, "k:{\"name\":\"s\"}": {}}},
        })
    );
    // generateName is owned (only name is stripped); the name is the prefix and 5 characters
    // of kube's alphabet.
    let (s, generated) = call(
        &server,
        "POST",
        sas,
        "creator",
        JSON,
        Some(json!({"metadata": {"generateName": "bot-"}})),
    )
    .await;
    assert_eq!(s, 201, "{generated}");
    let name = generated["metadata"]["name"].as_str().unwrap();
    let suffix = name.strip_prefix("bot-").unwrap();
    assert_eq!(suffix.len(), 5, "{name}");
    assert!(
        suffix
            .bytes()
            .all(|b| b"bcdfghjklmnpqrstvwxz2456789".contains(&b)),
        "{name}"
    );
    assert_eq!(
        owners(&generated),
        json!({"creator": {"f:metadata": {"f:generateName": {}}}})
    );
}

#[tokio::test]
async fn namespaces_and_what_the_cluster_writes_itself() {
    let server = MockServer::start().await.unwrap();
    let label = json!({"f:metadata": {"f:labels": {".": {}, "f:kubernetes.io/metadata.name": {}}}});
    // The namespaces kube-apiserver creates.
    let system = get(&server, "/api/v1/namespaces/kube-system").await;
    assert_eq!(owners(&system), json!({"kube-apiserver": label}));
    // kubectl create ns: the name label is defaulted while decoding (SetDefaults_Namespace),
    // spec.finalizers and status come later (PrepareForCreate; status is a reset field).
    let (s, ns) = call(
        &server,
        "POST",
        "/api/v1/namespaces",
        "kubectl-create",
        JSON,
        Some(json!({"metadata": {"name": "team-a"}, "spec": {}, "status": {}})),
    )
    .await;
    assert_eq!(s, 201, "{ns}");
    assert_eq!(ns["spec"]["finalizers"], json!(["kubernetes"]));
    assert_eq!(owners(&ns), json!({"kubectl-create": label}));
    // With generateName the label is only set by Canonicalize, after the field manager: the
    // namespace owns nothing but its generateName.
    let (_, generated) = call(
        &server,
        "POST",
        "/api/v1/namespaces",
        "kubectl-create",
        JSON,
        Some(json!({"metadata": {"generateName": "generated-"}})),
    )
    .await;
    let name = generated["metadata"]["name"].as_str().unwrap();
    assert_eq!(
        generated["metadata"]["labels"]["kubernetes.io/metadata.name"],
        name
    );
    assert_eq!(
        owners(&generated),
        json!({"kubectl-create": {"f:metadata": {"f:generateName": {}}}})
    );
    // The controllers' own objects in the new namespace.
    let root_ca = get(
        &server,
        "/api/v1/namespaces/team-a/configmaps/kube-root-ca.crt",
    )
    .await;
    assert_eq!(
        owners(&root_ca),
        json!({"kube-controller-manager": {"f:data": {".": {}, "f:ca.crt": {}}, "f:metadata": {"f:annotations": {".": {}, "f:kubernetes.io/description": {}}}}})
    );
    let default_sa = get(&server, "/api/v1/namespaces/team-a/serviceaccounts/default").await;
    assert!(
        default_sa["metadata"].get("managedFields").is_none(),
        "{default_sa}"
    );
}

#[tokio::test]
async fn dry_run_answers_with_the_entries_it_would_write() {
    let server = MockServer::start().await.unwrap();
    let (s, cm) = call(
        &server,
        "POST",
        &format!("{CM}?dryRun=All"),
        "dry",
        JSON,
        Some(json!({"metadata": {"name": "d"}, "data": {"a": "1"}})),
    )
    .await;
    assert_eq!(s, 201, "{cm}");
    assert_eq!(
        owners(&cm),
        json!({"dry": {"f:data": {".": {}, "f:a": {}}}})
    );
    let r = admin(&server)
        .get(format!("{}{CM}/d", server.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    call(
        &server,
        "POST",
        CM,
        "real",
        JSON,
        Some(json!({"metadata": {"name": "d"}, "data": {"a": "1"}})),
    )
    .await;
    let (_, patched) = call(
        &server,
        "PATCH",
        &format!("{CM}/d?dryRun=All"),
        "dry",
        MERGE,
        Some(json!({"data": {"a": "2"}})),
    )
    .await;
    assert_eq!(
        owners(&patched),
        json!({"dry": {"f:data": {"f:a": {}}}, "real": {"f:data": {}}})
    );
    assert_eq!(
        owners(&get(&server, &format!("{CM}/d")).await),
        json!({"real": {"f:data": {".": {}, "f:a": {}}}})
    );
}

#[tokio::test]
async fn answers_of_subresources_and_reviews_carry_their_entry() {
    let server = MockServer::start().await.unwrap();
    call(
        &server,
        "POST",
        "/api/v1/namespaces/default/serviceaccounts",
        "m",
        JSON,
        Some(json!({"metadata": {"name": "t"}})),
    )
    .await;
    let (s, tr) = call(
        &server,
        "POST",
        "/api/v1/namespaces/default/serviceaccounts/t/token",
        "kubectl",
        JSON,
        Some(json!({"spec": {}})),
    )
    .await;
    assert_eq!(s, 201, "{tr}");
    let entries = tr["metadata"]["managedFields"].as_array().unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0]["subresource"], "token");
    assert_eq!(entries[0]["apiVersion"], "authentication.k8s.io/v1");
    // expirationSeconds is defaulted while decoding; audiences only later by the storage.
    assert_eq!(
        entries[0]["fieldsV1"],
        json!({"f:spec": {"f:expirationSeconds": {}}})
    );
    let token = tr["status"]["token"].as_str().unwrap();
    let (_, review) = call(
        &server,
        "POST",
        "/apis/authentication.k8s.io/v1/tokenreviews",
        "reviewer",
        JSON,
        Some(json!({"spec": {"token": token}})),
    )
    .await;
    assert_eq!(
        owners(&review),
        json!({"reviewer": {"f:spec": {"f:token": {}}}})
    );
    let (_, rules) = call(
        &server,
        "POST",
        "/apis/authorization.k8s.io/v1/selfsubjectrulesreviews",
        "reviewer",
        JSON,
        Some(json!({"spec": {"namespace": "default"}})),
    )
    .await;
    // A new object (selfsubjectrulesreview/rest.go): nothing of the request, no entry (and,
    // before 1.34, its zero creationTimestamp as null).
    assert_eq!(rules["metadata"], json!({"creationTimestamp": null}));
    assert_eq!(rules["spec"], json!({}));
}

#[tokio::test]
async fn the_manager_defaults_to_the_user_agent_prefix() {
    let server = MockServer::start().await.unwrap();
    let send = |ua: Option<&'static str>, name: &'static str| {
        let mut req = admin(&server)
            .post(format!("{}{CM}", server.url()))
            .header("content-type", JSON)
            .body(json!({"metadata": {"name": name}, "data": {"a": "1"}}).to_string());
        if let Some(ua) = ua {
            req = req.header("user-agent", ua);
        }
        req.send()
    };
    let curl: Value = send(Some("curl/8.5.0"), "c")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(curl["metadata"]["managedFields"][0]["manager"], "curl");
    let kubectl: Value = send(
        Some("kubectl/v1.32.4 (linux/amd64) kubernetes/59526cd"),
        "k",
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert_eq!(
        kubectl["metadata"]["managedFields"][0]["manager"],
        "kubectl"
    );
    // No User-Agent: buildManagerInfo names the manager "unknown".
    let none: Value = send(None, "n").await.unwrap().json().await.unwrap();
    assert_eq!(none["metadata"]["managedFields"][0]["manager"], "unknown");
}
