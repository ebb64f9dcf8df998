//! The contract-test validator (`support/openapi.rs`) against `openapi-snippets/`: bodies recorded
//! in shared/reference/kubectl-traffic.md pass, and each mutation of them fails with the JSON pointer
//! of the problem and the schema that was broken.

use std::sync::LazyLock;

use serde_json::{Value, json};

use crate::support::openapi::{STATUS_SCHEMA, Spec};

static SPEC: LazyLock<Spec> = LazyLock::new(Spec::load);

const RBAC: &str = "/apis/rbac.authorization.k8s.io/v1";

// Bodies copied from kubectl-traffic.md (section 7 transcripts and section 3 shapes).
const SA_CREATED: &str = r#"{"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "bearertokenauth", "namespace": "default", "uid": "b2ad07b1-1c92-4a8a-bf30-5e235023b319", "resourceVersion": "1001", "creationTimestamp": "2026-11-28T13:37:25Z"}}"#;
const SA_LEGACY: &str = r#"{"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "bearertokenauth", "namespace": "default", "uid": "b2ad07b1-1c92-4a8a-bf30-5e235023b319", "resourceVersion": "1001", "creationTimestamp": "2026-11-28T13:37:25Z"}, "secrets": [{"name": "bearertokenauth-token-7x2kq"}]}"#;
const SECRET_TOKEN: &str = r#"{"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "bearertokenauth-token-7x2kq", "namespace": "default", "annotations": {"kubernetes.io/service-account.name": "bearertokenauth", "kubernetes.io/service-account.uid": "b2ad07b1-1c92-4a8a-bf30-5e235023b319"}, "uid": "50db3911-c554-428e-adf4-b7f189ddff38", "resourceVersion": "1003", "creationTimestamp": "2026-11-28T13:37:29Z"}, "type": "kubernetes.io/service-account-token", "data": {"ca.crt": "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUIuLi4KLS0tLS1FTkQgQ0VSVElGSUNBVEUtLS0tLQo=", "namespace": "ZGVmYXVsdA==", "token": "ZXlKaGJHY2lPaUpTVXpJMU5pSXNJbXRwWkNJNkltMXZZMnNpZlEuZXlKemRXSWlPaUp6ZVhOMFpXMDZjMlZ5ZG1salpXRmpZMjkxYm5RNlpHVm1ZWFZzZERwaVpXRnlaWEowYjJ0bGJtRjFkR2dpZlEuYlc5amEzTnBaMjVoZEhWeVpR"}}"#;
const TOKEN_REQUEST_CREATED: &str = r#"{"kind": "TokenRequest", "apiVersion": "authentication.k8s.io/v1", "metadata": {"name": "bearertokenauth", "namespace": "default", "creationTimestamp": "2026-11-28T13:37:34Z"}, "spec": {"audiences": ["foo"], "expirationSeconds": 600, "boundObjectRef": null}, "status": {"token": "eyJhbGciOiAiUlMyNTYiLCAia2lkIjogIm1vY2sifQ.eyJhdWQiOiBbImZvbyJdfQ.bW9ja3NpZ25hdHVyZQ", "expirationTimestamp": "2026-11-28T13:47:34Z"}}"#;
const ROLE_CREATED: &str = r#"{"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": {"name": "bearertokenauth", "namespace": "default", "uid": "3607f5b0-5598-4ff1-b6c8-3ca0957846aa", "resourceVersion": "1004", "creationTimestamp": "2026-11-28T13:37:36Z"}, "rules": [{"verbs": ["create", "get", "list", "update", "delete"], "apiGroups": [""], "resources": ["pods"]}]}"#;
const ROLEBINDING_CREATED: &str = r#"{"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding", "metadata": {"name": "bearertoken-binding-bearertokenauth", "namespace": "default", "uid": "3a0e1e81-bc60-403f-abd8-6cc6a3038c20", "resourceVersion": "1005", "creationTimestamp": "2026-11-28T13:37:38Z"}, "subjects": [{"kind": "ServiceAccount", "name": "bearertokenauth", "namespace": "default"}], "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "bearertokenauth"}}"#;
const SSAR_CREATED: &str = r#"{"apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview", "metadata": {"creationTimestamp": null}, "spec": {"resourceAttributes": {"namespace": "default", "verb": "list", "resource": "pods"}}, "status": {"allowed": true, "reason": "RBAC: allowed by RoleBinding \"bearertoken-binding-bearertokenauth/default\" of Role \"bearertokenauth\" to ServiceAccount \"bearertokenauth/default\""}}"#;
const SSRR_CREATED: &str = r#"{"apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectRulesReview", "metadata": {"creationTimestamp": null}, "spec": {"namespace": "default"}, "status": {"resourceRules": [{"verbs": ["create"], "apiGroups": ["authorization.k8s.io"], "resources": ["selfsubjectaccessreviews", "selfsubjectrulesreviews"]}, {"verbs": ["create"], "apiGroups": ["authentication.k8s.io"], "resources": ["selfsubjectreviews"]}, {"verbs": ["create", "get", "list", "update", "delete"], "apiGroups": [""], "resources": ["pods"]}], "nonResourceRules": [{"verbs": ["get"], "nonResourceURLs": ["/.well-known/openid-configuration", "/.well-known/openid-configuration/", "/openid/v1/jwks", "/openid/v1/jwks/"]}, {"verbs": ["get"], "nonResourceURLs": ["/api", "/api/*", "/apis", "/apis/*", "/healthz", "/livez", "/openapi", "/openapi/*", "/readyz", "/version", "/version/"]}], "incomplete": false}}"#;
const WHOAMI_CREATED: &str = r#"{"kind": "SelfSubjectReview", "apiVersion": "authentication.k8s.io/v1", "metadata": {"creationTimestamp": null}, "status": {"userInfo": {"username": "system:serviceaccount:default:bearertokenauth", "uid": "6f8a2d4e-0000-4000-8000-000000000001", "groups": ["system:serviceaccounts", "system:serviceaccounts:default", "system:authenticated"], "extra": {"authentication.kubernetes.io/credential-id": ["JTI=00000000-0000-0000-0000-000000000000"]}}}}"#;
const STATUS_403: &str = r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"pods is forbidden: User \"system:serviceaccount:default:bearertokenauth\" cannot list resource \"pods\" in API group \"\" in the namespace \"default\"","reason":"Forbidden","details":{"kind":"pods"},"code":403}"#;
const STATUS_401: &str = r#"{"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "message": "Unauthorized", "reason": "Unauthorized", "code": 401}"#;
const STATUS_404_SA: &str = r#"{"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "message": "serviceaccounts \"nosuchsa\" not found", "reason": "NotFound", "code": 404, "details": {"name": "nosuchsa", "kind": "serviceaccounts"}}"#;
const STATUS_409_ROLE: &str = r#"{"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "message": "roles.rbac.authorization.k8s.io \"bearertokenauth\" already exists", "reason": "AlreadyExists", "code": 409, "details": {"name": "bearertokenauth", "group": "rbac.authorization.k8s.io", "kind": "roles"}}"#;
const STATUS_415: &str = r#"{"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "message": "the body of the request was in an unknown format - accepted media types include: application/json, application/yaml", "reason": "UnsupportedMediaType", "code": 415, "details": {}}"#;
const PODLIST_EMPTY: &str = r#"{"kind": "PodList", "apiVersion": "v1", "metadata": {"resourceVersion": "1005"}, "items": []}"#;
const PODLIST_TWO: &str = r#"{"kind": "PodList", "apiVersion": "v1", "metadata": {"resourceVersion": "1011"}, "items": [{"kind": "Pod", "apiVersion": "v1", "metadata": {"name": "nginx-0", "namespace": "default", "uid": "24a6b186-5c74-4ab3-bf09-399a40b5535f", "resourceVersion": "1010", "creationTimestamp": "2026-11-28T13:37:51Z"}, "spec": {"containers": [{"name": "nginx", "image": "nginx"}]}, "status": {"phase": "Running"}}, {"kind": "Pod", "apiVersion": "v1", "metadata": {"name": "nginx-1", "namespace": "default", "uid": "828be7c5-09b6-4c74-bbe6-4309f3350a68", "resourceVersion": "1011", "creationTimestamp": "2026-11-28T13:37:51Z"}, "spec": {"containers": [{"name": "nginx", "image": "nginx"}]}, "status": {"phase": "Running"}}]}"#;
const SA_LIST: &str = r#"{"kind": "ServiceAccountList", "apiVersion": "v1", "metadata": {"resourceVersion": "1013"}, "items": [{"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "bearertokenauth", "namespace": "default", "uid": "025d3cf1-8c65-4f85-bd0f-75deff3daae3", "resourceVersion": "1013", "creationTimestamp": "2026-11-28T13:38:15Z"}}]}"#;
const TABLE_EMPTY: &str = r#"{"kind":"Table","apiVersion":"meta.k8s.io/v1","metadata":{"resourceVersion":"1007"},"columnDefinitions":[{"name":"Name","type":"string","format":"name","description":"…","priority":0}],"rows":[]}"#;

fn parse(text: &str) -> Value {
    serde_json::from_str(text).expect("fixture is JSON")
}

/// `body` with the value at `pointer` replaced (or, for `None`, removed).
fn mutate(text: &str, pointer: &str, new: Option<Value>) -> Value {
    let mut body = parse(text);
    let (parent, key) = pointer.rsplit_once('/').expect("pointer has a parent");
    let key = key.replace("~1", "/").replace("~0", "~");
    let key = key.as_str();
    let target = body
        .pointer_mut(parent)
        .unwrap_or_else(|| panic!("no {parent} in fixture"));
    match (target, new) {
        (Value::Object(map), Some(v)) => {
            map.insert(key.to_string(), v);
        }
        (Value::Object(map), None) => {
            map.remove(key)
                .unwrap_or_else(|| panic!("no {pointer} in fixture"));
        }
        (Value::Array(items), Some(v)) => items[key.parse::<usize>().expect("index")] = v,
        _ => panic!("cannot mutate {pointer}"),
    }
    body
}

/// Renames the object key at `pointer` to `new_key`, keeping its value.
fn rename(text: &str, pointer: &str, new_key: &str) -> Value {
    let value = parse(text)
        .pointer(pointer)
        .cloned()
        .unwrap_or_else(|| panic!("no {pointer} in fixture"));
    let mut body = mutate(text, pointer, None);
    let parent = pointer.rsplit_once('/').expect("pointer has a parent").0;
    body.pointer_mut(parent)
        .and_then(Value::as_object_mut)
        .expect("parent object")
        .insert(new_key.to_string(), value);
    body
}

/// The result is an error list holding one error at exactly `pointer` that mentions every needle.
fn assert_fails_at(result: Result<(), Vec<String>>, pointer: &str, needles: &[&str]) {
    let errors = result.expect_err("the mutated body must be rejected");
    let prefix = format!("{pointer}: ");
    assert!(
        errors
            .iter()
            .any(|e| e.starts_with(&prefix) && needles.iter().all(|n| e.contains(n))),
        "expected an error at {pointer} mentioning {needles:?}, got {errors:#?}"
    );
}

#[test]
fn recorded_responses_pass() {
    let rb = format!("{RBAC}/namespaces/default/rolebindings");
    let role = format!("{RBAC}/namespaces/default/roles");
    let cases: Vec<(&str, String, u16, &str)> = vec![
        ("POST", "/api/v1/namespaces/default/serviceaccounts?fieldManager=kubectl-create&fieldValidation=Strict".into(), 201, SA_CREATED),
        ("GET", "/api/v1/namespaces/default/serviceaccounts/bearertokenauth".into(), 200, SA_LEGACY),
        ("DELETE", "/api/v1/namespaces/default/serviceaccounts/bearertokenauth".into(), 200, SA_CREATED),
        ("GET", "/api/v1/namespaces/default/serviceaccounts?fieldSelector=metadata.name%3Dbearertokenauth".into(), 200, SA_LIST),
        ("GET", "/api/v1/namespaces/default/secrets/bearertokenauth-token-7x2kq".into(), 200, SECRET_TOKEN),
        ("POST", "/api/v1/namespaces/default/serviceaccounts/bearertokenauth/token".into(), 201, TOKEN_REQUEST_CREATED),
        ("POST", "/api/v1/namespaces/default/serviceaccounts/nosuchsa/token".into(), 404, STATUS_404_SA),
        ("POST", role.clone(), 201, ROLE_CREATED),
        ("POST", role, 409, STATUS_409_ROLE),
        ("POST", rb, 201, ROLEBINDING_CREATED),
        ("GET", "/api/v1/namespaces/default/pods?limit=500".into(), 200, PODLIST_EMPTY),
        ("GET", "/api/v1/namespaces/default/pods".into(), 200, PODLIST_TWO),
        ("GET", "/api/v1/pods?limit=500".into(), 200, PODLIST_TWO),
        ("GET", "/api/v1/namespaces/default/pods?limit=500".into(), 403, STATUS_403),
        ("GET", "/api/v1/namespaces/default/pods".into(), 401, STATUS_401),
        ("POST", "/api/v1/namespaces/default/serviceaccounts".into(), 415, STATUS_415),
        ("POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews".into(), 201, SSAR_CREATED),
        ("POST", "/apis/authorization.k8s.io/v1/selfsubjectrulesreviews".into(), 201, SSRR_CREATED),
        ("POST", "/apis/authentication.k8s.io/v1/selfsubjectreviews".into(), 201, WHOAMI_CREATED),
    ];
    for (method, path, status, body) in cases {
        if let Err(errors) = SPEC.validate_response(method, &path, status, &parse(body)) {
            panic!("{method} {path} {status} rejected a recorded body: {errors:#?}");
        }
    }
}

#[test]
fn recorded_request_bodies_pass() {
    // kubectl's protobuf bodies (section 4 of the traffic doc), as their JSON equivalents.
    let cases = [
        (
            "POST",
            "/api/v1/namespaces/default/serviceaccounts".to_string(),
            json!({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "bearertokenauth"}}),
        ),
        (
            "POST",
            format!("{RBAC}/namespaces/default/roles"),
            json!({"metadata": {"name": "bearertokenauth"}, "rules": [{"verbs": ["create", "get", "list", "update", "delete"], "apiGroups": [""], "resources": ["pods"]}]}),
        ),
        (
            "POST",
            format!("{RBAC}/namespaces/default/rolebindings"),
            json!({"metadata": {"name": "bearertoken-binding-bearertokenauth", "namespace": "default"}, "subjects": [{"kind": "ServiceAccount", "name": "bearertokenauth", "namespace": "default"}], "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "bearertokenauth"}}),
        ),
        (
            "POST",
            "/api/v1/namespaces/default/serviceaccounts/bearertokenauth/token".into(),
            json!({"spec": {"audiences": ["foo"], "expirationSeconds": 600}}),
        ),
        (
            "POST",
            "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews".into(),
            json!({"spec": {"resourceAttributes": {"namespace": "default", "verb": "list", "resource": "pods"}}}),
        ),
        (
            "POST",
            "/apis/authorization.k8s.io/v1/selfsubjectrulesreviews".into(),
            json!({"spec": {"namespace": "default"}}),
        ),
        (
            "POST",
            "/apis/authentication.k8s.io/v1/selfsubjectreviews".into(),
            json!({"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview", "metadata": {}}),
        ),
        (
            "DELETE",
            "/api/v1/namespaces/default/serviceaccounts/bearertokenauth".into(),
            json!({"propagationPolicy": "Background"}),
        ),
        (
            "PUT",
            "/api/v1/namespaces/default/serviceaccounts/bearertokenauth".into(),
            parse(SA_LEGACY),
        ),
    ];
    for (method, path, body) in cases {
        if let Err(errors) = SPEC.validate_request_body(method, &path, &body) {
            panic!("{method} {path} rejected a recorded request body: {errors:#?}");
        }
    }
}

#[test]
fn token_request_without_audiences_breaks_the_published_required_list() {
    // kubectl's protobuf body decodes to `spec: {}`, but the 1.35 OpenAPI marks
    // TokenRequestSpec.audiences required (the field has no omitempty), so a JSON client must send
    // a list; `[]` means "the API server's audiences", exactly like an absent field.
    let path = "/api/v1/namespaces/default/serviceaccounts/x/token";
    assert_fails_at(
        SPEC.validate_request_body("POST", path, &json!({"metadata": {}, "spec": {}})),
        "/spec",
        &[
            "missing required field \"audiences\"",
            "io.k8s.api.authentication.v1.TokenRequestSpec",
        ],
    );
    assert_eq!(
        SPEC.validate_request_body("POST", path, &json!({"spec": {"audiences": []}})),
        Ok(())
    );
}

#[test]
fn response_schema_is_chosen_by_path_method_and_status() {
    let cases = [
        (
            "POST",
            "/api/v1/namespaces/default/serviceaccounts",
            201,
            "io.k8s.api.core.v1.ServiceAccount",
        ),
        // The real server returns the deleted ServiceAccount, and the spec says so too.
        (
            "DELETE",
            "/api/v1/namespaces/default/serviceaccounts/x",
            200,
            "io.k8s.api.core.v1.ServiceAccount",
        ),
        (
            "DELETE",
            &format!("{RBAC}/namespaces/default/roles/x"),
            200,
            STATUS_SCHEMA,
        ),
        (
            "DELETE",
            &format!("{RBAC}/clusterrolebindings/x"),
            202,
            STATUS_SCHEMA,
        ),
        (
            "GET",
            "/api/v1/pods?limit=500",
            200,
            "io.k8s.api.core.v1.PodList",
        ),
        (
            "GET",
            "/api/v1/namespaces",
            200,
            "io.k8s.api.core.v1.NamespaceList",
        ),
        (
            "GET",
            "/api/v1/namespaces/kube-system",
            200,
            "io.k8s.api.core.v1.Namespace",
        ),
        (
            "GET",
            "/api/v1/namespaces/default/configmaps/kube-root-ca.crt",
            200,
            "io.k8s.api.core.v1.ConfigMap",
        ),
        (
            "POST",
            "/api/v1/namespaces/default/serviceaccounts/x/token",
            201,
            "io.k8s.api.authentication.v1.TokenRequest",
        ),
        (
            "POST",
            "/apis/authentication.k8s.io/v1/tokenreviews",
            201,
            "io.k8s.api.authentication.v1.TokenReview",
        ),
        (
            "POST",
            "/apis/authorization.k8s.io/v1/subjectaccessreviews",
            201,
            "io.k8s.api.authorization.v1.SubjectAccessReview",
        ),
        (
            "GET",
            &format!("{RBAC}/clusterroles"),
            200,
            "io.k8s.api.rbac.v1.ClusterRoleList",
        ),
        // Errors: the spec lists only a content-less 401, the server sends Status for all of them.
        (
            "GET",
            "/api/v1/namespaces/default/serviceaccounts/x",
            404,
            STATUS_SCHEMA,
        ),
        ("GET", "/api/v1/namespaces/default/pods", 401, STATUS_SCHEMA),
        (
            "POST",
            "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
            403,
            STATUS_SCHEMA,
        ),
        (
            "PUT",
            "/api/v1/namespaces/default/secrets/x",
            500,
            STATUS_SCHEMA,
        ),
        // A 2xx the spec does not list falls back to the 200 schema.
        (
            "GET",
            "/api/v1/namespaces/default/serviceaccounts/x",
            203,
            "io.k8s.api.core.v1.ServiceAccount",
        ),
    ];
    for (method, path, status, expected) in cases {
        assert_eq!(
            SPEC.response_schema_name(method, path, status).as_deref(),
            Ok(expected),
            "{method} {path} {status}"
        );
    }
}

#[test]
fn every_endpoint_rawkube_calls_resolves_to_its_template() {
    let cases = [
        ("/api/v1/namespaces", "/api/v1/namespaces"),
        ("/api/v1/namespaces/demo", "/api/v1/namespaces/{name}"),
        (
            "/api/v1/namespaces/default/serviceaccounts",
            "/api/v1/namespaces/{namespace}/serviceaccounts",
        ),
        (
            "/api/v1/namespaces/default/serviceaccounts/sa",
            "/api/v1/namespaces/{namespace}/serviceaccounts/{name}",
        ),
        (
            "/api/v1/namespaces/default/serviceaccounts/sa/token",
            "/api/v1/namespaces/{namespace}/serviceaccounts/{name}/token",
        ),
        (
            "/api/v1/namespaces/default/secrets",
            "/api/v1/namespaces/{namespace}/secrets",
        ),
        (
            "/api/v1/namespaces/default/secrets/s",
            "/api/v1/namespaces/{namespace}/secrets/{name}",
        ),
        (
            "/api/v1/namespaces/default/configmaps",
            "/api/v1/namespaces/{namespace}/configmaps",
        ),
        (
            "/api/v1/namespaces/default/configmaps/c",
            "/api/v1/namespaces/{namespace}/configmaps/{name}",
        ),
        (
            "/api/v1/namespaces/default/pods",
            "/api/v1/namespaces/{namespace}/pods",
        ),
        (
            "/api/v1/namespaces/default/pods/p",
            "/api/v1/namespaces/{namespace}/pods/{name}",
        ),
        ("/api/v1/pods", "/api/v1/pods"),
        (
            "/apis/rbac.authorization.k8s.io/v1/namespaces/default/roles",
            "/apis/rbac.authorization.k8s.io/v1/namespaces/{namespace}/roles",
        ),
        (
            "/apis/rbac.authorization.k8s.io/v1/namespaces/default/roles/r",
            "/apis/rbac.authorization.k8s.io/v1/namespaces/{namespace}/roles/{name}",
        ),
        (
            "/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings",
            "/apis/rbac.authorization.k8s.io/v1/namespaces/{namespace}/rolebindings",
        ),
        (
            "/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings/b",
            "/apis/rbac.authorization.k8s.io/v1/namespaces/{namespace}/rolebindings/{name}",
        ),
        (
            "/apis/rbac.authorization.k8s.io/v1/clusterroles",
            "/apis/rbac.authorization.k8s.io/v1/clusterroles",
        ),
        (
            "/apis/rbac.authorization.k8s.io/v1/clusterroles/view",
            "/apis/rbac.authorization.k8s.io/v1/clusterroles/{name}",
        ),
        (
            "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings",
            "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings",
        ),
        (
            "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/crb",
            "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/{name}",
        ),
        (
            "/apis/authentication.k8s.io/v1/selfsubjectreviews",
            "/apis/authentication.k8s.io/v1/selfsubjectreviews",
        ),
        (
            "/apis/authentication.k8s.io/v1/tokenreviews",
            "/apis/authentication.k8s.io/v1/tokenreviews",
        ),
        (
            "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
            "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
        ),
        (
            "/apis/authorization.k8s.io/v1/selfsubjectrulesreviews",
            "/apis/authorization.k8s.io/v1/selfsubjectrulesreviews",
        ),
        (
            "/apis/authorization.k8s.io/v1/subjectaccessreviews",
            "/apis/authorization.k8s.io/v1/subjectaccessreviews",
        ),
    ];
    for (concrete, template) in cases {
        assert_eq!(SPEC.path_template(concrete), Ok(template), "{concrete}");
    }
}

#[test]
fn unknown_paths_methods_and_bodies_are_errors() {
    let err = |r: Result<(), Vec<String>>| r.expect_err("must be rejected").join("\n");
    let ok = json!({});
    assert!(
        err(SPEC.validate_response("GET", "/api/v1/nodes", 200, &ok))
            .contains("no path in openapi-snippets matches /api/v1/nodes")
    );
    assert!(
        err(SPEC.validate_response("GET", "/api/v1/namespaces//serviceaccounts", 200, &ok))
            .contains("no path")
    );
    assert!(
        err(SPEC.validate_response(
            "PUT",
            "/apis/authentication.k8s.io/v1/selfsubjectreviews",
            200,
            &ok
        ))
        .contains("has no PUT operation (it has POST)")
    );
    assert!(
        err(SPEC.validate_request_body("GET", "/api/v1/pods", &ok))
            .contains("GET /api/v1/pods takes no request body")
    );
    assert!(
        err(SPEC.validate("io.k8s.api.core.v1.NoSuchKind", &ok))
            .contains("no schema named io.k8s.api.core.v1.NoSuchKind")
    );
}

#[test]
fn misspelled_fields_are_rejected_with_pointer_and_schema() {
    let sa_path = "/api/v1/namespaces/default/serviceaccounts";
    assert_fails_at(
        SPEC.validate_response(
            "POST",
            sa_path,
            201,
            &rename(SA_CREATED, "/metadata/name", "nmae"),
        ),
        "/metadata/nmae",
        &[
            "unknown field \"nmae\"",
            "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta",
        ],
    );
    assert_fails_at(
        SPEC.validate_request_body(
            "POST",
            sa_path,
            &mutate(
                SA_CREATED,
                "/automountServiceAccountTokens",
                Some(json!(false)),
            ),
        ),
        "/automountServiceAccountTokens",
        &["unknown field", "io.k8s.api.core.v1.ServiceAccount"],
    );
    assert_fails_at(
        SPEC.validate(
            "io.k8s.api.core.v1.ServiceAccount",
            &mutate(SA_LEGACY, "/secrets/0/nmae", Some(json!("x"))),
        ),
        "/secrets/0/nmae",
        &["io.k8s.api.core.v1.ObjectReference"],
    );
    let rb = format!("{RBAC}/namespaces/default/rolebindings");
    assert_fails_at(
        SPEC.validate_request_body(
            "POST",
            &rb,
            &rename(ROLEBINDING_CREATED, "/roleRef/apiGroup", "apigroup"),
        ),
        "/roleRef/apigroup",
        &["unknown field \"apigroup\"", "io.k8s.api.rbac.v1.RoleRef"],
    );
    assert_fails_at(
        SPEC.validate_response(
            "POST",
            "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
            201,
            &rename(SSAR_CREATED, "/spec/resourceAttributes/verb", "verbs"),
        ),
        "/spec/resourceAttributes/verbs",
        &["io.k8s.api.authorization.v1.ResourceAttributes"],
    );
    assert_fails_at(
        SPEC.validate_response(
            "GET",
            "/api/v1/pods",
            403,
            &rename(STATUS_403, "/reason", "reasons"),
        ),
        "/reasons",
        &[STATUS_SCHEMA],
    );
    // A whoami answer with the docs' wrong `name` instead of `username` (apiserver-spec.md 4.3).
    assert_fails_at(
        SPEC.validate_response(
            "POST",
            "/apis/authentication.k8s.io/v1/selfsubjectreviews",
            201,
            &rename(WHOAMI_CREATED, "/status/userInfo/username", "name"),
        ),
        "/status/userInfo/name",
        &["io.k8s.api.authentication.v1.UserInfo"],
    );
}

#[test]
fn wrong_types_are_rejected_with_pointer_and_schema() {
    let role = format!("{RBAC}/namespaces/default/roles");
    assert_fails_at(
        SPEC.validate_request_body(
            "POST",
            &role,
            &mutate(ROLE_CREATED, "/rules/0/verbs", Some(json!("create"))),
        ),
        "/rules/0/verbs",
        &[
            "expected array, found string",
            "io.k8s.api.rbac.v1.PolicyRule",
        ],
    );
    assert_fails_at(
        SPEC.validate_response(
            "POST",
            "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
            201,
            &mutate(SSAR_CREATED, "/status/allowed", Some(json!("true"))),
        ),
        "/status/allowed",
        &[
            "expected boolean, found string",
            "io.k8s.api.authorization.v1.SubjectAccessReviewStatus",
        ],
    );
    assert_fails_at(
        SPEC.validate_response(
            "GET",
            "/api/v1/pods",
            403,
            &mutate(STATUS_403, "/code", Some(json!("403"))),
        ),
        "/code",
        &["expected integer, found string", STATUS_SCHEMA],
    );
    assert_fails_at(
        SPEC.validate(
            "io.k8s.api.authentication.v1.TokenRequest",
            &mutate(
                TOKEN_REQUEST_CREATED,
                "/spec/expirationSeconds",
                Some(json!(600.5)),
            ),
        ),
        "/spec/expirationSeconds",
        &["expected integer, found number"],
    );
    assert_fails_at(
        SPEC.validate(
            "io.k8s.api.core.v1.ServiceAccount",
            &mutate(
                SA_CREATED,
                "/metadata/creationTimestamp",
                Some(json!("yesterday")),
            ),
        ),
        "/metadata/creationTimestamp",
        &[
            "not an RFC 3339 date-time",
            "io.k8s.apimachinery.pkg.apis.meta.v1.Time",
        ],
    );
    assert_fails_at(
        SPEC.validate(
            "io.k8s.api.core.v1.Secret",
            &mutate(SECRET_TOKEN, "/data/token", Some(json!("not base64!"))),
        ),
        "/data/token",
        &["base64", "io.k8s.api.core.v1.Secret"],
    );
    // Map values (additionalProperties), and a key with '/' escaped as ~1 in the pointer.
    assert_fails_at(
        SPEC.validate(
            "io.k8s.api.core.v1.Secret",
            &mutate(
                SECRET_TOKEN,
                "/metadata/annotations/kubernetes.io~1service-account.name",
                Some(json!(7)),
            ),
        ),
        "/metadata/annotations/kubernetes.io~1service-account.name",
        &["expected string, found integer"],
    );
    assert_fails_at(
        SPEC.validate(
            "io.k8s.api.core.v1.PodList",
            &mutate(
                PODLIST_TWO,
                "/items/1/spec/containers",
                Some(json!({"name": "nginx"})),
            ),
        ),
        "/items/1/spec/containers",
        &["expected array, found object", "io.k8s.api.core.v1.PodSpec"],
    );
    // null is "absent" only for an object's optional field, never as an array item.
    assert_fails_at(
        SPEC.validate(
            "io.k8s.api.core.v1.PodList",
            &mutate(PODLIST_TWO, "/items/0", Some(Value::Null)),
        ),
        "/items/0",
        &["expected object, found null", "io.k8s.api.core.v1.Pod"],
    );
}

#[test]
fn missing_required_fields_are_rejected() {
    let rb = format!("{RBAC}/namespaces/default/rolebindings");
    assert_fails_at(
        SPEC.validate_request_body("POST", &rb, &mutate(ROLEBINDING_CREATED, "/roleRef", None)),
        "<root>",
        &[
            "missing required field \"roleRef\"",
            "io.k8s.api.rbac.v1.RoleBinding",
        ],
    );
    // Go decodes null as "leave the zero value": a null roleRef is as missing as an absent one.
    assert_fails_at(
        SPEC.validate_response(
            "POST",
            &rb,
            201,
            &mutate(ROLEBINDING_CREATED, "/roleRef", Some(Value::Null)),
        ),
        "<root>",
        &["missing required field \"roleRef\""],
    );
    assert_fails_at(
        SPEC.validate_request_body(
            "POST",
            &rb,
            &mutate(ROLEBINDING_CREATED, "/roleRef/name", None),
        ),
        "/roleRef",
        &[
            "missing required field \"name\"",
            "io.k8s.api.rbac.v1.RoleRef",
        ],
    );
    assert_fails_at(
        SPEC.validate_request_body(
            "POST",
            &rb,
            &mutate(ROLEBINDING_CREATED, "/subjects/0/kind", None),
        ),
        "/subjects/0",
        &[
            "missing required field \"kind\"",
            "io.k8s.api.rbac.v1.Subject",
        ],
    );
    // Lists always carry `items`, never null.
    assert_fails_at(
        SPEC.validate_response(
            "GET",
            "/api/v1/namespaces/default/pods",
            200,
            &mutate(PODLIST_EMPTY, "/items", Some(Value::Null)),
        ),
        "<root>",
        &[
            "missing required field \"items\"",
            "io.k8s.api.core.v1.PodList",
        ],
    );
    assert_fails_at(
        SPEC.validate(
            "io.k8s.api.core.v1.PodList",
            &mutate(PODLIST_TWO, "/items/0/spec/containers/0/name", None),
        ),
        "/items/0/spec/containers/0",
        &[
            "missing required field \"name\"",
            "io.k8s.api.core.v1.Container",
        ],
    );
    assert_fails_at(
        SPEC.validate_response(
            "POST",
            "/apis/authorization.k8s.io/v1/selfsubjectrulesreviews",
            201,
            &mutate(SSRR_CREATED, "/status/incomplete", None),
        ),
        "/status",
        &[
            "missing required field \"incomplete\"",
            "io.k8s.api.authorization.v1.SubjectRulesReviewStatus",
        ],
    );
}

#[test]
fn null_optional_fields_and_free_form_objects_pass() {
    // The real TokenRequest answer carries `"boundObjectRef": null`, reviews `"creationTimestamp": null`.
    assert_eq!(
        SPEC.validate(
            "io.k8s.api.authentication.v1.TokenRequest",
            &parse(TOKEN_REQUEST_CREATED)
        ),
        Ok(())
    );
    assert_eq!(
        SPEC.validate(
            "io.k8s.api.authorization.v1.SelfSubjectAccessReview",
            &parse(SSAR_CREATED)
        ),
        Ok(())
    );
    // managedFields[].fieldsV1 is a free-form object (no properties declared): anything goes inside.
    let with_managed = mutate(
        SA_CREATED,
        "/metadata/managedFields",
        Some(
            json!([{"apiVersion": "v1", "fieldsType": "FieldsV1", "fieldsV1": {"f:secrets": {".": {}}}, "manager": "kubectl-create", "operation": "Update", "time": "2026-11-28T13:37:25Z"}]),
        ),
    );
    assert_eq!(
        SPEC.validate("io.k8s.api.core.v1.ServiceAccount", &with_managed),
        Ok(())
    );
}

#[test]
fn int_or_string_quantity_and_integer_formats() {
    let pod = |container: Value| json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": {"containers": [container]}});
    let good = pod(json!({
        "name": "nginx", "image": "nginx",
        "ports": [{"containerPort": 80, "name": "http"}],
        "readinessProbe": {"httpGet": {"port": "http", "path": "/"}},
        "livenessProbe": {"tcpSocket": {"port": 8080}},
        "resources": {"limits": {"cpu": "100m", "memory": 0.5}}
    }));
    assert_eq!(SPEC.validate("io.k8s.api.core.v1.Pod", &good), Ok(()));

    let bad_port = pod(json!({"name": "nginx", "readinessProbe": {"httpGet": {"port": true}}}));
    assert_fails_at(
        SPEC.validate("io.k8s.api.core.v1.Pod", &bad_port),
        "/spec/containers/0/readinessProbe/httpGet/port",
        &[
            "int-or-string",
            "io.k8s.apimachinery.pkg.util.intstr.IntOrString",
        ],
    );
    let huge_port = pod(json!({"name": "nginx", "ports": [{"containerPort": 3_000_000_000_u64}]}));
    assert_fails_at(
        SPEC.validate("io.k8s.api.core.v1.Pod", &huge_port),
        "/spec/containers/0/ports/0/containerPort",
        &["does not fit in int32", "io.k8s.api.core.v1.ContainerPort"],
    );
    let bad_quantity = pod(json!({"name": "nginx", "resources": {"limits": {"cpu": ["1"]}}}));
    assert_fails_at(
        SPEC.validate("io.k8s.api.core.v1.Pod", &bad_quantity),
        "/spec/containers/0/resources/limits/cpu",
        &[
            "matches 0 of the 2 oneOf alternatives",
            "io.k8s.apimachinery.pkg.api.resource.Quantity",
        ],
    );
}

#[test]
fn date_time_follows_rfc3339() {
    let time = "io.k8s.apimachinery.pkg.apis.meta.v1.Time";
    for good in [
        "2026-11-28T13:37:25Z",
        "2026-11-28T13:37:25.123456Z",
        "2026-11-28T14:37:25+01:00",
        "2028-02-29T00:00:00Z",
    ] {
        assert_eq!(SPEC.validate(time, &json!(good)), Ok(()), "{good}");
    }
    for bad in [
        "2026-11-28 13:37:25Z",
        "2026-11-28T13:37:25",
        "2026-02-29T00:00:00Z",
        "2026-13-01T00:00:00Z",
        "2026-11-28T24:00:00Z",
        "2026-11-28T13:37:25.Z",
        "2026-11-28T13:37:25+0100",
        "2026-11-28T13:37:25Zjunk",
    ] {
        assert_fails_at(
            SPEC.validate(time, &json!(bad)),
            "<root>",
            &["not an RFC 3339 date-time"],
        );
    }
}

#[test]
fn patch_bodies() {
    let sa = "/api/v1/namespaces/default/serviceaccounts/x";
    let json_patch = json!([{"op": "add", "path": "/metadata/labels", "value": {"a": "b"}}, {"op": "remove", "path": "/secrets"}, {"op": "move", "from": "/a", "path": "/b"}]);
    assert_eq!(SPEC.validate_request_body("PATCH", sa, &json_patch), Ok(()));
    assert_eq!(
        SPEC.validate_request_body("PATCH", sa, &json!({"metadata": {"labels": {"a": null}}})),
        Ok(())
    );
    assert_fails_at(
        SPEC.validate_request_body(
            "PATCH",
            sa,
            &json!([{"op": "ad", "path": "/a", "value": 1}]),
        ),
        "/0/op",
        &["not an RFC 6902 operation"],
    );
    assert_fails_at(
        SPEC.validate_request_body("PATCH", sa, &json!([{"op": "replace", "path": "/a"}])),
        "/0",
        &["missing \"value\""],
    );
    assert_fails_at(
        SPEC.validate_request_body(
            "PATCH",
            sa,
            &json!([{"op": "remove", "path": "/a", "vaule": 1}]),
        ),
        "/0/vaule",
        &["unknown field"],
    );
}

#[test]
fn table_answers_are_reported_as_unvalidatable() {
    let errors = SPEC
        .validate_response(
            "GET",
            "/api/v1/namespaces/default/pods?limit=500",
            200,
            &parse(TABLE_EMPTY),
        )
        .expect_err("Table has no published schema");
    assert!(
        errors[0].contains("has no schema in the published Kubernetes OpenAPI"),
        "{errors:?}"
    );
}

/// A small synthetic document exercises the keywords the Kubernetes schemas do not use (enum,
/// additionalProperties: false) and the refusal of keywords this validator does not enforce.
#[test]
fn enum_and_unsupported_keywords() {
    let doc = |schemas: Value| {
        vec![(
            "synthetic".to_string(),
            json!({"openapi": "3.0.0", "paths": {}, "components": {"schemas": schemas}}),
        )]
    };
    let spec = Spec::from_documents(doc(json!({
        "Policy": {"type": "string", "enum": ["Background", "Foreground", "Orphan"]},
        "Closed": {"type": "object", "properties": {"a": {"type": "string"}}, "additionalProperties": false},
        "Open": {"type": "object", "properties": {"a": {"type": "string"}}, "additionalProperties": true}
    })))
    .expect("synthetic spec loads");
    assert_eq!(spec.validate("Policy", &json!("Orphan")), Ok(()));
    assert_fails_at(
        spec.validate("Policy", &json!("Backgroud")),
        "<root>",
        &["\"Backgroud\" is not one of", "Policy"],
    );
    assert_fails_at(
        spec.validate("Closed", &json!({"a": "x", "b": 1})),
        "/b",
        &["unknown field \"b\""],
    );
    assert_eq!(spec.validate("Open", &json!({"a": "x", "b": 1})), Ok(()));

    let unsupported = Spec::from_documents(doc(
        json!({"Name": {"type": "string", "pattern": "^[a-z]+$"}}),
    ));
    assert!(unsupported.is_err_and(|e| e.contains("unsupported schema keyword \"pattern\"")));
    let dangling = Spec::from_documents(doc(
        json!({"A": {"allOf": [{"$ref": "#/components/schemas/B"}]}}),
    ));
    assert!(dangling.is_err_and(|e| e.contains("unresolvable $ref")));
}
