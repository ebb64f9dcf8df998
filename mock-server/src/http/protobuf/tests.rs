//! Tests: the recorded kubectl bodies, hand-built bodies for the other kinds, and malformed input.

use base64::Engine as _;
use serde_json::{Value, json};

use super::*;

/// Recorded by running real kubectl 1.32 against a logging server (see the traffic reference).
const FIXTURES: &str = include_str!("../../../tests/fixtures/protobuf-request-fixtures.json");

fn fixtures() -> Vec<(String, Vec<u8>, Value)> {
    let all: Vec<Value> = serde_json::from_str(FIXTURES).expect("fixture file is JSON");
    all.into_iter()
        .map(|f| {
            let body = base64::engine::general_purpose::STANDARD
                .decode(f["body_base64"].as_str().expect("body_base64"))
                .expect("base64");
            (
                f["from_command"].as_str().expect("from_command").to_owned(),
                body,
                f["decoded"].clone(),
            )
        })
        .collect()
}

// ---- a minimal encoder, independent of the decoder's tables ----

fn varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// A length-delimited field (string, bytes, message, map entry).
fn ld(number: u32, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    varint(&mut out, u64::from(number) << 3 | 2);
    varint(&mut out, payload.len() as u64);
    out.extend_from_slice(payload);
    out
}

fn s(number: u32, value: &str) -> Vec<u8> {
    ld(number, value.as_bytes())
}

/// A varint field.
fn v(number: u32, value: u64) -> Vec<u8> {
    let mut out = Vec::new();
    varint(&mut out, u64::from(number) << 3);
    varint(&mut out, value);
    out
}

/// An embedded message made of already-encoded fields.
fn m(number: u32, fields: &[Vec<u8>]) -> Vec<u8> {
    ld(number, &fields.concat())
}

fn entry(number: u32, key: &str, value: &[u8]) -> Vec<u8> {
    m(number, &[s(1, key), ld(2, value)])
}

/// A Timestamp {seconds}.
fn ts(number: u32, seconds: i64) -> Vec<u8> {
    m(number, &[v(1, seconds as u64), v(2, 0)])
}

/// ObjectMeta as gogo writes it for a client-built object: fields 1-8 always present.
fn gogo_meta(name: &str, namespace: &str) -> Vec<u8> {
    m(
        1,
        &[
            s(1, name),
            s(2, ""),
            s(3, namespace),
            s(4, ""),
            s(5, ""),
            s(6, ""),
            v(7, 0),
            ld(8, &[]),
        ],
    )
}

fn envelope(api_version: &str, kind: &str, raw: &[u8]) -> Vec<u8> {
    let mut out = MAGIC.to_vec();
    out.extend(m(1, &[s(1, api_version), s(2, kind)]));
    out.extend(ld(2, raw));
    out.extend(s(3, ""));
    out.extend(s(4, ""));
    out
}

fn decode_parts(api_version: &str, kind: &str, fields: &[Vec<u8>]) -> Result<Value, ProtobufError> {
    decode(&envelope(api_version, kind, &fields.concat()))
}

// ---- recorded bodies ----

#[test]
fn every_recorded_kubectl_body_decodes_to_its_recorded_json() {
    let all = fixtures();
    assert_eq!(all.len(), 12);
    for (command, body, expected) in all {
        let got = decode(&body).unwrap_or_else(|e| panic!("{command}: {e}"));
        assert_eq!(got, expected, "{command}");
    }
}

/// Guards the test encoder against the real bytes, so the hand-built tests below are not circular.
#[test]
fn test_encoder_reproduces_kubectl_bytes() {
    let all = fixtures();
    let sa = envelope("v1", "ServiceAccount", &gogo_meta("bearertokenauth", ""));
    assert_eq!(sa, all[0].1);
    let rolebinding = [
        gogo_meta("bearertoken-binding-bearertokenauth", "default"),
        m(
            2,
            &[
                s(1, "ServiceAccount"),
                s(2, ""),
                s(3, "bearertokenauth"),
                s(4, "default"),
            ],
        ),
        m(
            3,
            &[
                s(1, "rbac.authorization.k8s.io"),
                s(2, "Role"),
                s(3, "bearertokenauth"),
            ],
        ),
    ]
    .concat();
    assert_eq!(
        envelope("rbac.authorization.k8s.io/v1", "RoleBinding", &rolebinding),
        all[4].1
    );
    let token = [
        gogo_meta("", ""),
        m(2, &[s(1, "foo"), v(4, 600)]),
        m(3, &[s(1, ""), ld(2, &[])]),
    ]
    .concat();
    assert_eq!(
        envelope("authentication.k8s.io/v1", "TokenRequest", &token),
        all[2].1
    );
}

#[test]
fn envelope_exposes_type_meta_and_raw() {
    let all = fixtures();
    let env = decode_envelope(&all[3].1).unwrap();
    assert_eq!(env.api_version, "rbac.authorization.k8s.io/v1");
    assert_eq!(env.kind, "Role");
    assert_eq!(env.content_type, "");
    assert_eq!(env.raw.len(), 0x4e);
    let debug = format!("{env:?}");
    assert!(debug.contains("<78 bytes>"), "{debug}");
    assert!(!debug.contains("bearertokenauth"), "{debug}");
}

// ---- hand-built bodies for the other kinds ----

#[test]
fn object_meta_is_decoded_fully() {
    let meta = m(
        1,
        &[
            s(1, "n"),
            s(2, "gen-"),
            s(3, "ns"),
            s(4, "/self"),
            s(5, "uid-1"),
            s(6, "42"),
            v(7, 3),
            ts(8, 1_700_000_000),
            ts(9, 1_700_000_030),
            v(10, 30),
            entry(11, "zeta", b"z"),
            entry(11, "alpha", b"a"),
            entry(12, "note", b"hello"),
            m(
                13,
                &[
                    s(1, "ReplicaSet"),
                    s(3, "rs"),
                    s(4, "uid-2"),
                    s(5, "apps/v1"),
                    v(6, 1),
                    v(7, 0),
                ],
            ),
            s(14, "kubernetes.io/pv-protection"),
            s(14, "example.com/x"),
            m(
                17,
                &[
                    s(1, "kubectl-create"),
                    s(2, "Update"),
                    s(3, "v1"),
                    ts(4, 1_700_000_000),
                    s(6, "FieldsV1"),
                    m(7, &[s(1, r#"{"f:data":{".":{}}}"#)]),
                    s(8, ""),
                ],
            ),
        ],
    );
    let got = decode(&envelope("v1", "ConfigMap", &meta)).unwrap();
    assert_eq!(
        got,
        json!({
            "kind": "ConfigMap",
            "apiVersion": "v1",
            "metadata": {
                "name": "n",
                "generateName": "gen-",
                "namespace": "ns",
                "selfLink": "/self",
                "uid": "uid-1",
                "resourceVersion": "42",
                "generation": 3,
                "creationTimestamp": "2023-11-14T22:13:20Z",
                "deletionTimestamp": "2023-11-14T22:13:50Z",
                "deletionGracePeriodSeconds": 30,
                "labels": {"alpha": "a", "zeta": "z"},
                "annotations": {"note": "hello"},
                "ownerReferences": [{
                    "apiVersion": "apps/v1",
                    "kind": "ReplicaSet",
                    "name": "rs",
                    "uid": "uid-2",
                    "controller": true,
                    "blockOwnerDeletion": false
                }],
                "finalizers": ["kubernetes.io/pv-protection", "example.com/x"],
                "managedFields": [{
                    "manager": "kubectl-create",
                    "operation": "Update",
                    "apiVersion": "v1",
                    "time": "2023-11-14T22:13:20Z",
                    "fieldsType": "FieldsV1",
                    "fieldsV1": {"f:data": {".": {}}}
                }]
            }
        })
    );
    // Go writes map keys sorted; so must the output text.
    let text = serde_json::to_string(&got).unwrap();
    assert!(text.find("alpha").unwrap() < text.find("zeta").unwrap());
}

#[test]
fn secret_bytes_become_base64_and_string_data_stays() {
    let got = decode_parts(
        "v1",
        "Secret",
        &[
            gogo_meta("tok", ""),
            entry(2, "token", &[0, 1, 2, 255]),
            entry(2, "empty", b""),
            s(3, "kubernetes.io/service-account-token"),
            entry(4, "plain", b"text"),
            v(5, 1),
        ],
    )
    .unwrap();
    assert_eq!(
        got,
        json!({
            "kind": "Secret",
            "apiVersion": "v1",
            "metadata": {"name": "tok"},
            "immutable": true,
            "data": {"empty": "", "token": "AAEC/w=="},
            "stringData": {"plain": "text"},
            "type": "kubernetes.io/service-account-token"
        })
    );
    // A gogo-written Secret with nothing set keeps only metadata (type "" is omitempty).
    let got = decode_parts("v1", "Secret", &[gogo_meta("s", ""), s(3, "")]).unwrap();
    assert_eq!(
        got,
        json!({"kind": "Secret", "apiVersion": "v1", "metadata": {"name": "s"}})
    );
}

#[test]
fn config_map_and_service_account_fields() {
    let got = decode_parts(
        "v1",
        "ConfigMap",
        &[
            gogo_meta("kube-root-ca.crt", "default"),
            entry(2, "ca.crt", b"PEM"),
            entry(3, "bin", b"\x00\x10"),
        ],
    )
    .unwrap();
    assert_eq!(
        got,
        json!({
            "kind": "ConfigMap",
            "apiVersion": "v1",
            "metadata": {"name": "kube-root-ca.crt", "namespace": "default"},
            "data": {"ca.crt": "PEM"},
            "binaryData": {"bin": "ABA="}
        })
    );
    let got = decode_parts(
        "v1",
        "ServiceAccount",
        &[
            gogo_meta("sa", ""),
            m(
                2,
                &[
                    s(1, "Secret"),
                    s(2, ""),
                    s(3, "sa-token"),
                    s(4, ""),
                    s(5, ""),
                    s(6, ""),
                    s(7, ""),
                ],
            ),
            m(3, &[s(1, "regcred")]),
            v(4, 0),
        ],
    )
    .unwrap();
    assert_eq!(
        got,
        json!({
            "kind": "ServiceAccount",
            "apiVersion": "v1",
            "metadata": {"name": "sa"},
            "secrets": [{"kind": "Secret", "name": "sa-token"}],
            "imagePullSecrets": [{"name": "regcred"}],
            "automountServiceAccountToken": false
        })
    );
}

#[test]
fn namespace_keeps_spec_and_a_non_zero_status() {
    let got = decode_parts(
        "v1",
        "Namespace",
        &[
            gogo_meta("team-a", ""),
            m(2, &[s(1, "kubernetes")]),
            m(3, &[s(1, "Active")]),
        ],
    )
    .unwrap();
    assert_eq!(
        got,
        json!({
            "kind": "Namespace",
            "apiVersion": "v1",
            "metadata": {"name": "team-a"},
            "spec": {"finalizers": ["kubernetes"]},
            "status": {"phase": "Active"}
        })
    );
    let got = decode_parts(
        "v1",
        "Namespace",
        &[gogo_meta("b", ""), ld(2, &[]), m(3, &[s(1, "")])],
    )
    .unwrap();
    assert_eq!(
        got,
        json!({"kind": "Namespace", "apiVersion": "v1", "metadata": {"name": "b"}, "spec": {}})
    );
}

#[test]
fn pod_containers_decode_and_unsupported_pod_fields_are_refused() {
    let container = m(
        2,
        &[
            s(1, "web"),
            s(2, "nginx:1.27"),
            s(3, "nginx"),
            s(4, "-g"),
            s(5, ""),
            m(6, &[s(1, "http"), v(2, 0), v(3, 80), s(4, "TCP"), s(5, "")]),
            m(7, &[s(1, "MODE"), s(2, "prod")]),
            ld(8, &[]),
            s(13, "/dev/termination-log"),
            s(14, "IfNotPresent"),
            v(16, 0),
            v(17, 0),
            v(18, 1),
            s(20, "File"),
        ],
    );
    let spec = m(
        2,
        &[
            container,
            s(3, "Always"),
            v(4, 30),
            s(6, "ClusterFirst"),
            s(8, "default"),
            s(9, ""),
            s(10, ""),
            v(11, 0),
            v(12, 0),
            v(13, 0),
            s(16, ""),
            s(17, ""),
            s(19, "default-scheduler"),
            m(
                22,
                &[s(1, "k"), s(2, "Exists"), s(3, ""), s(4, "NoSchedule")],
            ),
            s(24, ""),
        ],
    );
    let got = decode_parts(
        "v1",
        "Pod",
        &[gogo_meta("web", ""), spec, m(3, &[s(1, "")])],
    )
    .unwrap();
    assert_eq!(
        got,
        json!({
            "kind": "Pod",
            "apiVersion": "v1",
            "metadata": {"name": "web"},
            "spec": {
                "containers": [{
                    "name": "web",
                    "image": "nginx:1.27",
                    "command": ["nginx"],
                    "args": ["-g"],
                    "ports": [{"name": "http", "containerPort": 80, "protocol": "TCP"}],
                    "env": [{"name": "MODE", "value": "prod"}],
                    "terminationMessagePath": "/dev/termination-log",
                    "terminationMessagePolicy": "File",
                    "imagePullPolicy": "IfNotPresent",
                    "tty": true
                }],
                "restartPolicy": "Always",
                "terminationGracePeriodSeconds": 30,
                "dnsPolicy": "ClusterFirst",
                "serviceAccountName": "default",
                "schedulerName": "default-scheduler",
                "tolerations": [{"key": "k", "operator": "Exists", "effect": "NoSchedule"}]
            }
        })
    );
    // volumes (PodSpec field 1) are not in the tables: refused, not dropped.
    let err = decode_parts(
        "v1",
        "Pod",
        &[gogo_meta("p", ""), m(2, &[m(1, &[s(1, "data")])])],
    )
    .unwrap_err();
    assert_eq!(
        err,
        ProtobufError::UnsupportedField {
            message: "PodSpec",
            field: 1
        }
    );
    assert!(err.is_unsupported());
    // A livenessProbe (Container field 10) likewise.
    let err = decode_parts(
        "v1",
        "Pod",
        &[
            gogo_meta("p", ""),
            m(2, &[m(2, &[s(1, "c"), m(10, &[v(4, 5)])])]),
        ],
    )
    .unwrap_err();
    assert_eq!(
        err,
        ProtobufError::UnsupportedField {
            message: "Container",
            field: 10
        }
    );
}

#[test]
fn delete_options_keep_explicit_zero_pointers() {
    let body = [
        v(1, 0),
        m(2, &[s(1, "uid-1")]),
        s(4, "Foreground"),
        s(5, "All"),
    ];
    for api_version in ["v1", "meta.k8s.io/v1", "rbac.authorization.k8s.io/v1"] {
        let got = decode_parts(api_version, "DeleteOptions", &body).unwrap();
        assert_eq!(
            got,
            json!({
                "kind": "DeleteOptions",
                "apiVersion": api_version,
                "gracePeriodSeconds": 0,
                "preconditions": {"uid": "uid-1"},
                "propagationPolicy": "Foreground",
                "dryRun": ["All"]
            })
        );
    }
    assert_eq!(
        decode_parts("example.com/v9", "DeleteOptions", &body),
        Err(ProtobufError::UnsupportedKind {
            api_version: "example.com/v9".to_owned(),
            kind: "DeleteOptions".to_owned()
        })
    );
}

#[test]
fn cluster_role_with_aggregation_rule() {
    let got = decode_parts(
        "rbac.authorization.k8s.io/v1",
        "ClusterRole",
        &[
            gogo_meta("monitoring", ""),
            m(2, &[s(1, "get"), s(5, "/healthz"), s(5, "/metrics")]),
            m(
                3,
                &[m(
                    1,
                    &[
                        entry(1, "rbac.example.com/aggregate-to-monitoring", b"true"),
                        m(2, &[s(1, "tier"), s(2, "In"), s(3, "a"), s(3, "b")]),
                    ],
                )],
            ),
        ],
    )
    .unwrap();
    assert_eq!(
        got,
        json!({
            "kind": "ClusterRole",
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "metadata": {"name": "monitoring"},
            "rules": [{"verbs": ["get"], "nonResourceURLs": ["/healthz", "/metrics"]}],
            "aggregationRule": {"clusterRoleSelectors": [{
                "matchLabels": {"rbac.example.com/aggregate-to-monitoring": "true"},
                "matchExpressions": [{"key": "tier", "operator": "In", "values": ["a", "b"]}]
            }]}
        })
    );
}

#[test]
fn cluster_role_binding_and_non_omitempty_fields() {
    let got = decode_parts(
        "rbac.authorization.k8s.io/v1",
        "ClusterRoleBinding",
        &[
            gogo_meta("crb", ""),
            m(
                2,
                &[
                    s(1, "User"),
                    s(2, "rbac.authorization.k8s.io"),
                    s(3, "alice"),
                    s(4, ""),
                ],
            ),
            m(
                3,
                &[
                    s(1, "rbac.authorization.k8s.io"),
                    s(2, "ClusterRole"),
                    s(3, "view"),
                ],
            ),
        ],
    )
    .unwrap();
    assert_eq!(
        got,
        json!({
            "kind": "ClusterRoleBinding",
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "metadata": {"name": "crb"},
            "subjects": [{"kind": "User", "apiGroup": "rbac.authorization.k8s.io", "name": "alice"}],
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "view"}
        })
    );
    // roleRef is a non-pointer struct whose fields have no omitempty: Go writes them even empty.
    // Subject.kind/name likewise; rules (nil) and subjects (nil) are absent.
    let got = decode_parts(
        "rbac.authorization.k8s.io/v1",
        "RoleBinding",
        &[gogo_meta("rb", ""), m(2, &[s(2, ""), s(4, "")])],
    )
    .unwrap();
    assert_eq!(
        got,
        json!({
            "kind": "RoleBinding",
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "metadata": {"name": "rb"},
            "subjects": [{"kind": "", "name": ""}],
            "roleRef": {"apiGroup": "", "kind": "", "name": ""}
        })
    );
    let got = decode_parts(
        "rbac.authorization.k8s.io/v1",
        "Role",
        &[gogo_meta("r", "")],
    )
    .unwrap();
    assert_eq!(
        got,
        json!({"kind": "Role", "apiVersion": "rbac.authorization.k8s.io/v1", "metadata": {"name": "r"}})
    );
}

#[test]
fn token_request_with_bound_object_ref() {
    let got = decode_parts(
        "authentication.k8s.io/v1",
        "TokenRequest",
        &[
            gogo_meta("", ""),
            m(
                2,
                &[
                    s(1, "https://kubernetes.default.svc"),
                    s(1, "vault"),
                    m(3, &[s(1, "Pod"), s(2, "v1"), s(3, "web-0"), s(4, "uid-9")]),
                    v(4, 3600),
                ],
            ),
            m(3, &[s(1, ""), ld(2, &[])]),
        ],
    )
    .unwrap();
    assert_eq!(
        got,
        json!({
            "kind": "TokenRequest",
            "apiVersion": "authentication.k8s.io/v1",
            "metadata": {},
            "spec": {
                "audiences": ["https://kubernetes.default.svc", "vault"],
                "expirationSeconds": 3600,
                "boundObjectRef": {"kind": "Pod", "apiVersion": "v1", "name": "web-0", "uid": "uid-9"}
            }
        })
    );
}

#[test]
fn token_review_spec_and_non_zero_status() {
    let got = decode_parts(
        "authentication.k8s.io/v1",
        "TokenReview",
        &[
            gogo_meta("", ""),
            m(2, &[s(1, "secret-token-value"), s(2, "api")]),
            m(
                3,
                &[
                    v(1, 1),
                    m(
                        2,
                        &[
                            s(1, "system:serviceaccount:default:sa"),
                            s(2, "u-1"),
                            s(3, "system:serviceaccounts"),
                            m(
                                4,
                                &[
                                    s(1, "authentication.kubernetes.io/pod-name"),
                                    m(2, &[s(1, "web-0")]),
                                ],
                            ),
                            m(4, &[s(1, "empty"), ld(2, &[])]),
                        ],
                    ),
                    s(3, ""),
                ],
            ),
        ],
    )
    .unwrap();
    assert_eq!(
        got,
        json!({
            "kind": "TokenReview",
            "apiVersion": "authentication.k8s.io/v1",
            "metadata": {},
            "spec": {"token": "secret-token-value", "audiences": ["api"]},
            "status": {
                "authenticated": true,
                "user": {
                    "username": "system:serviceaccount:default:sa",
                    "uid": "u-1",
                    "groups": ["system:serviceaccounts"],
                    "extra": {
                        "authentication.kubernetes.io/pod-name": ["web-0"],
                        "empty": []
                    }
                }
            }
        })
    );
}

#[test]
fn subject_access_reviews() {
    let spec = m(
        2,
        &[
            m(
                1,
                &[
                    s(1, "default"),
                    s(2, "get"),
                    s(3, "apps"),
                    s(4, "v1"),
                    s(5, "deployments"),
                    s(6, "scale"),
                    s(7, "web"),
                    m(8, &[s(1, "metadata.name=web")]),
                    m(9, &[s(1, ""), m(2, &[s(1, "app"), s(2, "Exists")])]),
                ],
            ),
            s(3, "alice"),
            s(4, "devs"),
            m(5, &[s(1, "scopes"), m(2, &[s(1, "a"), s(1, "b")])]),
            s(6, "uid-a"),
        ],
    );
    let status = m(
        3,
        &[v(1, 0), s(2, "no RBAC policy matched"), s(3, ""), v(4, 0)],
    );
    let got = decode_parts(
        "authorization.k8s.io/v1",
        "SubjectAccessReview",
        &[gogo_meta("", ""), spec.clone(), status],
    )
    .unwrap();
    assert_eq!(
        got,
        json!({
            "kind": "SubjectAccessReview",
            "apiVersion": "authorization.k8s.io/v1",
            "metadata": {},
            "spec": {
                "resourceAttributes": {
                    "namespace": "default",
                    "verb": "get",
                    "group": "apps",
                    "version": "v1",
                    "resource": "deployments",
                    "subresource": "scale",
                    "name": "web",
                    "fieldSelector": {"rawSelector": "metadata.name=web"},
                    "labelSelector": {"requirements": [{"key": "app", "operator": "Exists"}]}
                },
                "user": "alice",
                "groups": ["devs"],
                "extra": {"scopes": ["a", "b"]},
                "uid": "uid-a"
            },
            "status": {"allowed": false, "reason": "no RBAC policy matched"}
        })
    );
    let got = decode_parts(
        "authorization.k8s.io/v1",
        "LocalSubjectAccessReview",
        &[gogo_meta("", "default"), spec],
    )
    .unwrap();
    assert_eq!(got["kind"], "LocalSubjectAccessReview");
    assert_eq!(got["metadata"], json!({"namespace": "default"}));
    assert_eq!(got["spec"]["user"], "alice");

    let got = decode_parts(
        "authorization.k8s.io/v1",
        "SelfSubjectAccessReview",
        &[
            gogo_meta("", ""),
            m(2, &[m(2, &[s(1, "/healthz"), s(2, "get")])]),
        ],
    )
    .unwrap();
    assert_eq!(
        got,
        json!({
            "kind": "SelfSubjectAccessReview",
            "apiVersion": "authorization.k8s.io/v1",
            "metadata": {},
            "spec": {"nonResourceAttributes": {"path": "/healthz", "verb": "get"}}
        })
    );
}

#[test]
fn self_subject_rules_review_status_is_kept_when_set() {
    let got = decode_parts(
        "authorization.k8s.io/v1",
        "SelfSubjectRulesReview",
        &[
            gogo_meta("", ""),
            m(2, &[s(1, "default")]),
            m(
                3,
                &[
                    m(1, &[s(1, "get"), s(2, ""), s(3, "pods")]),
                    m(2, &[s(1, "get"), s(2, "/api")]),
                    v(3, 1),
                    s(4, ""),
                ],
            ),
        ],
    )
    .unwrap();
    assert_eq!(
        got["status"],
        json!({
            "resourceRules": [{"verbs": ["get"], "apiGroups": [""], "resources": ["pods"]}],
            "nonResourceRules": [{"verbs": ["get"], "nonResourceURLs": ["/api"]}],
            "incomplete": true
        })
    );
}

#[test]
fn proto2_merge_rules() {
    // metadata sent in two pieces merges; the later name wins; the later label value wins.
    let got = decode_parts(
        "v1",
        "ServiceAccount",
        &[
            m(1, &[s(1, "first"), entry(11, "k", b"1")]),
            m(1, &[s(1, "second"), entry(11, "k", b"2"), s(3, "ns")]),
        ],
    )
    .unwrap();
    assert_eq!(
        got["metadata"],
        json!({"name": "second", "namespace": "ns", "labels": {"k": "2"}})
    );
}

#[test]
fn unknown_fields_of_complete_messages_are_skipped() {
    let mut fixed64 = Vec::new();
    varint(&mut fixed64, 99 << 3 | 1);
    fixed64.extend([1, 2, 3, 4, 5, 6, 7, 8]);
    let mut fixed32 = Vec::new();
    varint(&mut fixed32, 98 << 3 | 5);
    fixed32.extend([1, 2, 3, 4]);
    let got = decode_parts(
        "v1",
        "ServiceAccount",
        &[
            gogo_meta("sa", ""),
            v(97, 7),
            s(96, "future"),
            fixed64,
            fixed32,
        ],
    )
    .unwrap();
    assert_eq!(
        got,
        json!({"kind": "ServiceAccount", "apiVersion": "v1", "metadata": {"name": "sa"}})
    );
    // Unknown fields in the envelope too.
    let mut body = envelope("v1", "ServiceAccount", &gogo_meta("sa", ""));
    body.extend(v(9, 1));
    assert!(decode(&body).is_ok());
}

#[test]
fn invalid_utf8_is_replaced_like_go_does() {
    let got = decode_parts("v1", "ServiceAccount", &[m(1, &[ld(1, b"a\xffb")])]).unwrap();
    assert_eq!(got["metadata"]["name"], "a\u{fffd}b");
}

// ---- errors ----

#[test]
fn bad_magic() {
    assert_eq!(decode(b""), Err(ProtobufError::BadMagic));
    assert_eq!(decode(b"k8s"), Err(ProtobufError::BadMagic));
    assert_eq!(
        decode(br#"{"kind":"ServiceAccount"}"#),
        Err(ProtobufError::BadMagic)
    );
    assert_eq!(decode(b"k8t\0\x0a\x00"), Err(ProtobufError::BadMagic));
}

#[test]
fn missing_type_meta_and_unsupported_kind_or_encoding() {
    assert_eq!(
        decode(MAGIC),
        Err(ProtobufError::MissingTypeMeta("apiVersion"))
    );
    assert_eq!(
        decode(&envelope("v1", "", &[])),
        Err(ProtobufError::MissingTypeMeta("kind"))
    );
    let err = decode(&envelope("apps/v1", "Deployment", &gogo_meta("d", ""))).unwrap_err();
    assert_eq!(
        err,
        ProtobufError::UnsupportedKind {
            api_version: "apps/v1".to_owned(),
            kind: "Deployment".to_owned()
        }
    );
    assert!(err.is_unsupported());
    assert_eq!(
        err.to_string(),
        "no protobuf decoder for kind \"Deployment\" in apiVersion \"apps/v1\""
    );
    // Role exists only in the rbac group.
    assert!(matches!(
        decode(&envelope("v1", "Role", &[])),
        Err(ProtobufError::UnsupportedKind { .. })
    ));
    let mut gz = MAGIC.to_vec();
    gz.extend(m(1, &[s(1, "v1"), s(2, "ServiceAccount")]));
    gz.extend(ld(2, &[0x1f, 0x8b]));
    gz.extend(s(3, "gzip"));
    assert_eq!(
        decode(&gz),
        Err(ProtobufError::UnsupportedEncoding("gzip".to_owned()))
    );
    assert!(!ProtobufError::BadMagic.is_unsupported());
}

#[test]
fn wrong_wire_types_name_the_field() {
    // metadata.name sent as a varint.
    let err =
        decode_parts("rbac.authorization.k8s.io/v1", "Role", &[m(1, &[v(1, 5)])]).unwrap_err();
    assert_eq!(
        err,
        ProtobufError::Malformed {
            at: "Role.metadata.name".to_owned(),
            reason: "wire type 0 where 2 was expected".to_owned()
        }
    );
    // generation sent as a string.
    let err = decode_parts("v1", "Secret", &[m(1, &[s(7, "3")])]).unwrap_err();
    assert!(
        matches!(&err, ProtobufError::Malformed { at, .. } if at == "Secret.metadata.generation"),
        "{err:?}"
    );
    // typeMeta as a varint.
    let mut body = MAGIC.to_vec();
    body.extend(v(1, 1));
    assert!(matches!(
        decode(&body),
        Err(ProtobufError::Malformed { .. })
    ));
    // A map entry whose value is a varint.
    let err = decode_parts("v1", "ConfigMap", &[m(2, &[s(1, "k"), v(2, 1)])]).unwrap_err();
    assert!(matches!(err, ProtobufError::Malformed { .. }), "{err:?}");
    // FieldsV1 that is not JSON.
    let err = decode_parts(
        "v1",
        "ConfigMap",
        &[m(1, &[m(17, &[m(7, &[s(1, "{not json")])])])],
    )
    .unwrap_err();
    assert!(matches!(err, ProtobufError::Malformed { .. }), "{err:?}");
}

#[test]
fn every_truncation_of_every_fixture_is_an_error_or_a_smaller_valid_body() {
    for (command, body, _) in fixtures() {
        // Offsets in the envelope: magic(4) + tag(1) + len(1) + typeMeta; then raw's tag, length, payload.
        let type_meta_end = 4 + 2 + usize::from(body[5]);
        let raw_len = {
            let mut n = 0usize;
            let mut shift = 0;
            let mut i = type_meta_end + 1;
            loop {
                n |= usize::from(body[i] & 0x7f) << shift;
                shift += 7;
                i += 1;
                if body[i - 1] & 0x80 == 0 {
                    break;
                }
            }
            (i, n)
        };
        let raw_end = raw_len.0 + raw_len.1;
        for cut in 0..body.len() {
            let result = decode(&body[..cut]);
            if cut < 4 {
                assert_eq!(result, Err(ProtobufError::BadMagic), "{command} cut {cut}");
            } else if cut == 4 {
                assert_eq!(result, Err(ProtobufError::MissingTypeMeta("apiVersion")));
            } else if cut < raw_end && cut != type_meta_end {
                assert!(
                    matches!(result, Err(ProtobufError::Truncated { .. })),
                    "{command} cut {cut}: {result:?}"
                );
            }
        }
    }
}

#[test]
fn truncation_inside_the_object_names_the_message() {
    // An ObjectMeta whose declared length runs past the end of raw.
    let raw = [0x0a, 0x10, 0x0a, 0x02, b'a', b'b'];
    let err = decode(&envelope("v1", "ServiceAccount", &raw)).unwrap_err();
    assert_eq!(
        err,
        ProtobufError::Truncated {
            at: "ServiceAccount".to_owned()
        }
    );
    let raw = [0x0a, 0x04, 0x0a, 0x05, b'a', b'b'];
    let err = decode(&envelope("v1", "ServiceAccount", &raw)).unwrap_err();
    assert_eq!(
        err,
        ProtobufError::Truncated {
            at: "ServiceAccount.metadata".to_owned()
        }
    );
}

/// xorshift64*: deterministic pseudo-random bytes without a dependency.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
}

#[test]
fn random_and_mutated_bodies_never_panic() {
    let mut rng = XorShift(0x9e37_79b9_7f4a_7c15);
    let seeds: Vec<Vec<u8>> = fixtures().into_iter().map(|(_, b, _)| b).collect();
    let mut outcomes = [0usize; 2];
    for i in 0..20_000 {
        let body = if i % 2 == 0 {
            // Mutate a recorded body: flip, insert or delete a few bytes.
            let mut b = seeds[(rng.next() as usize) % seeds.len()].clone();
            for _ in 0..=(rng.next() % 4) {
                if b.len() <= 5 {
                    break;
                }
                let pos = 4 + (rng.next() as usize) % (b.len() - 4);
                match rng.next() % 3 {
                    0 => b[pos] = rng.next() as u8,
                    1 => b.insert(pos, rng.next() as u8),
                    _ => {
                        b.remove(pos);
                    }
                }
            }
            b
        } else {
            // Random bytes behind the magic.
            let len = (rng.next() % 96) as usize;
            let mut b = MAGIC.to_vec();
            b.extend((0..len).map(|_| rng.next() as u8));
            b
        };
        let result = std::panic::catch_unwind(|| decode(&body));
        match result {
            Ok(Ok(_)) => outcomes[0] += 1,
            Ok(Err(_)) => outcomes[1] += 1,
            Err(_) => panic!("decode panicked on {body:02x?}"),
        }
    }
    // Both paths must have been exercised for the loop to mean anything.
    assert!(outcomes[0] > 100 && outcomes[1] > 100, "{outcomes:?}");
}

#[test]
fn media_type_matching() {
    assert!(is_protobuf_media_type(
        "application/vnd.kubernetes.protobuf"
    ));
    assert!(is_protobuf_media_type(
        "Application/VND.kubernetes.protobuf; charset=utf-8"
    ));
    assert!(!is_protobuf_media_type("application/json"));
    assert!(!is_protobuf_media_type(
        "application/vnd.kubernetes.protobuf.extra"
    ));
}
