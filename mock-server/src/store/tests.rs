//! Store semantics (apiserver-spec §5).

use super::*;
use serde_json::json;

fn store() -> Store {
    Store::new("-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n")
}

fn def(p: &str) -> &'static ResourceDef {
    registry::find_plural(p).unwrap()
}

fn opts() -> WriteOptions {
    WriteOptions::default()
}

#[test]
fn initial_namespaces_have_default_sa_and_root_ca() {
    let s = store();
    for ns in INITIAL_NAMESPACES {
        s.get(def("namespaces"), "", ns).unwrap();
        s.get(def("serviceaccounts"), ns, "default").unwrap();
        let cm = s.get(def("configmaps"), ns, "kube-root-ca.crt").unwrap();
        assert_eq!(cm["data"]["ca.crt"], s.ca_pem());
    }
    let ns = s.get(def("namespaces"), "", "default").unwrap();
    assert_eq!(ns["status"]["phase"], "Active");
    assert_eq!(
        ns["metadata"]["labels"]["kubernetes.io/metadata.name"],
        "default"
    );
}

#[test]
fn create_sets_system_fields_and_bumps_one_counter() {
    let s = store();
    let before = s.resource_version();
    let a = s
        .create(
            def("serviceaccounts"),
            "default",
            json!({"metadata": {"name": "a", "uid": "client-uid"}}),
            &opts(),
        )
        .unwrap();
    let b = s
        .create(
            def("roles"),
            "default",
            json!({"metadata": {"name": "r"}, "rules": []}),
            &opts(),
        )
        .unwrap();
    assert_eq!(a["kind"], "ServiceAccount");
    assert_eq!(a["apiVersion"], "v1");
    assert_eq!(a["metadata"]["namespace"], "default");
    assert_ne!(a["metadata"]["uid"], "client-uid");
    assert_eq!(a["metadata"]["uid"].as_str().unwrap().len(), 36);
    let ts = a["metadata"]["creationTimestamp"].as_str().unwrap();
    assert!(ts.ends_with('Z') && ts.len() == 20, "{ts}");
    let rv_a: u64 = a["metadata"]["resourceVersion"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let rv_b: u64 = b["metadata"]["resourceVersion"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(rv_a, before + 1);
    assert_eq!(rv_b, before + 2);
    assert_eq!(b["apiVersion"], "rbac.authorization.k8s.io/v1");
    let keys: Vec<&String> = a.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["kind", "apiVersion", "metadata"]);
}

#[test]
fn conflicts_and_missing_things() {
    let s = store();
    let sa = def("serviceaccounts");
    s.create(sa, "default", json!({"metadata": {"name": "x"}}), &opts())
        .unwrap();
    let e = s
        .create(sa, "default", json!({"metadata": {"name": "x"}}), &opts())
        .unwrap_err();
    assert_eq!(
        (e.code, e.message.as_str()),
        (409, "serviceaccounts \"x\" already exists")
    );
    let e = s
        .create(
            def("roles"),
            "default",
            json!({"metadata": {"name": "x"}}),
            &opts(),
        )
        .and_then(|_| {
            s.create(
                def("roles"),
                "default",
                json!({"metadata": {"name": "x"}}),
                &opts(),
            )
        })
        .unwrap_err();
    assert_eq!(
        e.message,
        "roles.rbac.authorization.k8s.io \"x\" already exists"
    );
    let e = s
        .create(sa, "nope", json!({"metadata": {"name": "x"}}), &opts())
        .unwrap_err();
    assert_eq!(
        (e.code, e.message.as_str()),
        (404, "namespaces \"nope\" not found")
    );
    let e = s.get(sa, "default", "missing").unwrap_err();
    assert_eq!(
        (e.code, e.message.as_str()),
        (404, "serviceaccounts \"missing\" not found")
    );
    let e = s
        .create(
            sa,
            "default",
            json!({"metadata": {"name": "y", "namespace": "other"}}),
            &opts(),
        )
        .unwrap_err();
    assert_eq!(e.code, 400);
    assert_eq!(
        e.message,
        "the namespace of the provided object does not match the namespace sent on the request"
    );
    let e = s
        .create(
            sa,
            "default",
            json!({"metadata": {"name": "z", "resourceVersion": "5"}}),
            &opts(),
        )
        .unwrap_err();
    assert_eq!(e.code, 500);
}

#[test]
fn generate_name_and_dry_run() {
    let s = store();
    let sa = def("serviceaccounts");
    let o = s
        .create(
            sa,
            "default",
            json!({"metadata": {"generateName": "gen-"}}),
            &opts(),
        )
        .unwrap();
    let name = o["metadata"]["name"].as_str().unwrap();
    assert!(name.starts_with("gen-") && name.len() == 9, "{name}");
    assert!(name[4..].bytes().all(|b| NAME_ALPHABET.contains(&b)));
    let rv = s.resource_version();
    let dry = s
        .create(
            sa,
            "default",
            json!({"metadata": {"name": "dry"}}),
            &WriteOptions {
                dry_run: true,
                ..opts()
            },
        )
        .unwrap();
    assert!(dry["metadata"].get("resourceVersion").is_none());
    assert!(dry["metadata"]["uid"].is_string());
    assert_eq!(s.resource_version(), rv);
    assert!(s.get(sa, "default", "dry").is_err());
}

#[test]
fn update_conflict_noop_and_create_on_update() {
    let s = store();
    let sa = def("serviceaccounts");
    let o = s
        .create(sa, "default", json!({"metadata": {"name": "u"}}), &opts())
        .unwrap();
    let rv = o["metadata"]["resourceVersion"]
        .as_str()
        .unwrap()
        .to_string();
    // Stale resourceVersion -> 409 Conflict.
    let e = s
        .update(
            sa,
            "default",
            "u",
            json!({"metadata": {"name": "u", "resourceVersion": "1"}}),
            &opts(),
        )
        .unwrap_err();
    assert_eq!(e.code, 409);
    assert_eq!(
        e.message,
        "Operation cannot be fulfilled on serviceaccounts \"u\": the object has been modified; please apply your changes to the latest version and try again"
    );
    // Same content -> no write, same resourceVersion.
    let (same, created) = s
        .update(
            sa,
            "default",
            "u",
            json!({"metadata": {"name": "u", "resourceVersion": rv}}),
            &opts(),
        )
        .unwrap();
    assert!(!created);
    assert_eq!(same["metadata"]["resourceVersion"], rv.as_str());
    // A real change bumps it and keeps uid.
    let (changed, _) = s
        .update(
            sa,
            "default",
            "u",
            json!({"metadata": {"name": "u"}, "automountServiceAccountToken": false}),
            &opts(),
        )
        .unwrap();
    assert_ne!(changed["metadata"]["resourceVersion"], rv.as_str());
    assert_eq!(changed["metadata"]["uid"], o["metadata"]["uid"]);
    // PUT on a missing SA is 404, on a missing Role it creates.
    assert_eq!(
        s.update(
            sa,
            "default",
            "nope",
            json!({"metadata": {"name": "nope"}}),
            &opts()
        )
        .unwrap_err()
        .code,
        404
    );
    let (_, created) = s
        .update(
            def("roles"),
            "default",
            "r",
            json!({"metadata": {"name": "r"}, "rules": []}),
            &opts(),
        )
        .unwrap();
    assert!(created);
    let e = s
        .update(
            sa,
            "default",
            "u",
            json!({"metadata": {"name": "other"}}),
            &opts(),
        )
        .unwrap_err();
    assert_eq!(
        e.message,
        "the name of the object (other) does not match the name on the URL (u)"
    );
}

#[test]
fn list_selectors_paging_and_empty_items() {
    let s = store();
    let cm = def("configmaps");
    for (n, l) in [("a", "x"), ("b", "y"), ("c", "x")] {
        s.create(
            cm,
            "kube-public",
            json!({"metadata": {"name": n, "labels": {"k": l}}}),
            &opts(),
        )
        .unwrap();
    }
    let all = s
        .list(cm, Some("kube-public"), &ListOptions::default())
        .unwrap();
    let names: Vec<_> = all
        .items
        .iter()
        .map(|i| i["metadata"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["a", "b", "c", "kube-root-ca.crt"]);
    assert!(all.items[0].get("kind").is_none());
    let sel = ListOptions {
        label_selector: LabelSelector::parse("k=x").unwrap(),
        ..Default::default()
    };
    assert_eq!(
        s.list(cm, Some("kube-public"), &sel).unwrap().items.len(),
        2
    );
    let page1 = s
        .list(
            cm,
            Some("kube-public"),
            &ListOptions {
                limit: 2,
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(page1.items.len(), 2);
    assert_eq!(page1.remaining_item_count, Some(2));
    let page2 = s
        .list(
            cm,
            Some("kube-public"),
            &ListOptions {
                limit: 2,
                continue_token: page1.continue_token,
                ..Default::default()
            },
        )
        .unwrap();
    let names: Vec<_> = page2
        .items
        .iter()
        .map(|i| i["metadata"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["c", "kube-root-ca.crt"]);
    assert!(page2.continue_token.is_none());
    let e = s
        .list(
            cm,
            None,
            &ListOptions {
                continue_token: Some("garbage!".into()),
                ..Default::default()
            },
        )
        .unwrap_err();
    assert_eq!(e.code, 400);
    assert!(
        s.list(def("pods"), Some("default"), &ListOptions::default())
            .unwrap()
            .items
            .is_empty()
    );
    // Across namespaces.
    let sas = s
        .list(def("serviceaccounts"), None, &ListOptions::default())
        .unwrap();
    assert_eq!(sas.items.len(), INITIAL_NAMESPACES.len());
}

#[test]
fn delete_preconditions_and_namespace_cascade() {
    let s = store();
    let sa = def("serviceaccounts");
    let o = s
        .create(sa, "default", json!({"metadata": {"name": "d"}}), &opts())
        .unwrap();
    let e = s
        .delete(
            sa,
            "default",
            "d",
            &DeleteOptions {
                precondition_uid: Some("other".into()),
                ..Default::default()
            },
        )
        .unwrap_err();
    assert_eq!(e.code, 409);
    assert!(
        e.message
            .contains("Precondition failed: UID in precondition: other")
    );
    let gone = s
        .delete(sa, "default", "d", &DeleteOptions::default())
        .unwrap();
    assert_eq!(gone["metadata"]["uid"], o["metadata"]["uid"]);
    assert_eq!(s.get(sa, "default", "d").unwrap_err().code, 404);
    assert_eq!(
        s.delete(sa, "default", "d", &DeleteOptions::default())
            .unwrap_err()
            .code,
        404
    );

    let ns = def("namespaces");
    s.create(ns, "", json!({"metadata": {"name": "team"}}), &opts())
        .unwrap();
    assert!(s.get(sa, "team", "default").is_ok());
    s.create(
        def("secrets"),
        "team",
        json!({"metadata": {"name": "s"}, "stringData": {"a": "b"}}),
        &opts(),
    )
    .unwrap();
    let gone = s.delete(ns, "", "team", &DeleteOptions::default()).unwrap();
    assert_eq!(gone["status"]["phase"], "Terminating");
    assert!(s.get(sa, "team", "default").is_err());
    assert!(s.get(def("secrets"), "team", "s").is_err());
    assert!(s.get(sa, "default", "default").is_ok());
}

#[test]
fn secrets_get_opaque_type_and_string_data_is_encoded() {
    let s = store();
    let o = s
        .create(
            def("secrets"),
            "default",
            json!({"metadata": {"name": "s"}, "stringData": {"k": "v"}}),
            &opts(),
        )
        .unwrap();
    assert_eq!(o["type"], "Opaque");
    assert_eq!(o["data"]["k"], "dg==");
    assert!(o.get("stringData").is_none());
}

#[test]
fn watch_replays_from_resource_version() {
    let s = store();
    let sa = def("serviceaccounts");
    let rv = s.resource_version();
    s.create(sa, "default", json!({"metadata": {"name": "w"}}), &opts())
        .unwrap();
    s.delete(sa, "default", "w", &DeleteOptions::default())
        .unwrap();
    let (events, _rx) = s.watch(sa, Some("default"), Some(rv)).unwrap();
    let kinds: Vec<_> = events.iter().map(|e| e.event_type).collect();
    assert_eq!(kinds, [EventType::Added, EventType::Deleted]);
    let (events, _rx) = s.watch(sa, Some("default"), None).unwrap();
    assert_eq!(events.len(), 1, "only the default SA is there now");
}

#[test]
fn object_source_reads_the_store() {
    let s = store();
    assert!(
        s.get_object("serviceaccounts", Some("default"), "default")
            .is_some()
    );
    assert!(s.get_object("namespaces", None, "kube-system").is_some());
    assert_eq!(
        s.list_objects("namespaces", None).len(),
        INITIAL_NAMESPACES.len()
    );
    assert!(
        s.get_object("selfsubjectaccessreviews", None, "x")
            .is_none()
    );
}

#[test]
fn names_are_validated_per_kind_with_422() {
    let s = store();
    let e = s
        .create(
            def("serviceaccounts"),
            "default",
            json!({"metadata": {"name": "Bad_Name"}}),
            &opts(),
        )
        .unwrap_err();
    assert_eq!(e.code, 422);
    assert!(
        e.message.starts_with(
            "ServiceAccount \"Bad_Name\" is invalid: metadata.name: Invalid value: \"Bad_Name\""
        ),
        "{}",
        e.message
    );
    // RBAC names are path segments only: upper case and ':' are fine.
    s.create(
        def("roles"),
        "default",
        json!({"metadata": {"name": "System:Odd_Name"}, "rules": []}),
        &opts(),
    )
    .unwrap();
    let e = s
        .create(
            def("configmaps"),
            "default",
            json!({"metadata": {}}),
            &opts(),
        )
        .unwrap_err();
    assert_eq!(e.code, 422);
}

/// Paging across namespaces returns every object once, in the store's order, also when
/// a namespace name sorts before `/` (`a-b` after `a`), with and without a selector.
#[test]
fn paging_across_namespaces_visits_each_object_once() {
    let s = store();
    let ns = def("namespaces");
    let cm = def("configmaps");
    for n in ["a", "a-b"] {
        s.create(ns, "", json!({"metadata": {"name": n}}), &opts())
            .unwrap();
        for name in ["x", "y", "z"] {
            s.create(
                cm,
                n,
                json!({"metadata": {"name": name, "labels": {"k": name}}}),
                &opts(),
            )
            .unwrap();
        }
    }
    let walk = |selector: &str, limit: usize| {
        let mut seen = Vec::new();
        let mut token = None;
        loop {
            let page = s
                .list(
                    cm,
                    None,
                    &ListOptions {
                        limit,
                        continue_token: token.take(),
                        label_selector: LabelSelector::parse(selector).unwrap(),
                        ..Default::default()
                    },
                )
                .unwrap();
            seen.extend(page.items.iter().map(|i| {
                format!(
                    "{}/{}",
                    i["metadata"]["namespace"].as_str().unwrap(),
                    i["metadata"]["name"].as_str().unwrap()
                )
            }));
            match page.continue_token {
                Some(t) => token = Some(t),
                None => return seen,
            }
        }
    };
    let everything = walk("", 0);
    assert_eq!(walk("", 2), everything);
    assert_eq!(walk("", 1), everything);
    // In storage-key order (etcd sorts `namespace/name` bytewise: `a-b/` before `a/`), once each.
    let mut sorted = everything.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted, everything);
    assert!(everything.contains(&"a-b/y".to_string()) && everything.contains(&"a/y".to_string()));
    assert_eq!(walk("k=y", 1), ["a-b/y", "a/y"]);
}

/// `remainingItemCount` is what follows each page, also when it is taken from the page before
/// (paging an unchanged collection counts once) and when a write between pages changes it.
#[test]
fn remaining_item_count_per_page_follows_writes_between_pages() {
    let s = store();
    let cm = def("configmaps");
    let create = |name: &str| {
        s.create(
            cm,
            "kube-public",
            json!({"metadata": {"name": name}}),
            &opts(),
        )
        .unwrap();
    };
    // With kube-root-ca.crt: 11 objects.
    for i in 0..10 {
        create(&format!("cm-{i:02}"));
    }
    let page = |token: Option<String>| {
        let p = s
            .list(
                cm,
                Some("kube-public"),
                &ListOptions {
                    limit: 3,
                    continue_token: token,
                    ..Default::default()
                },
            )
            .unwrap();
        (p.items.len(), p.remaining_item_count, p.continue_token)
    };
    let walk = |between: &dyn Fn(usize)| {
        let mut seen = Vec::new();
        let mut token = None;
        for n in 0.. {
            let (len, remaining, next) = page(token);
            seen.push((len, remaining));
            token = next;
            if token.is_none() {
                break;
            }
            between(n);
        }
        seen
    };
    let unchanged = vec![(3, Some(8)), (3, Some(5)), (3, Some(2)), (2, None)];
    assert_eq!(walk(&|_| {}), unchanged);
    assert_eq!(walk(&|_| {}), unchanged, "a second walk, the same counts");
    // An object created behind the pages is counted from the next page on.
    assert_eq!(
        walk(&|n| if n == 0 {
            create("zz");
        }),
        [(3, Some(8)), (3, Some(6)), (3, Some(3)), (3, None)]
    );
    // One deleted ahead of the pages is no longer counted.
    assert_eq!(
        walk(&|n| if n == 1 {
            s.delete(cm, "kube-public", "zz", &DeleteOptions::default())
                .unwrap();
        }),
        [(3, Some(9)), (3, Some(6)), (3, Some(2)), (2, None)]
    );
    // A write to another resource changes no count (the counts kept stay right).
    assert_eq!(
        walk(&|_| {
            s.create(
                def("secrets"),
                "default",
                json!({"metadata": {"generateName": "s-"}}),
                &opts(),
            )
            .unwrap();
        }),
        unchanged
    );
}

/// A list spliced from the store's encoded objects is byte for byte the list of copies with
/// `kind` and `apiVersion` taken out (HTML-escaped strings and key order included: `metadata`
/// before `data`, as Go writes the struct).
#[test]
fn shared_list_items_encode_as_the_copied_items() {
    let s = store();
    let cm = json!({"apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "b", "labels": {"z": "1", "a": "2"}},
        "data": {"html": "<a href=\"x\">&</a>", "k": "v"}});
    s.create(def("configmaps"), "default", cm, &opts()).unwrap();
    let all = ListOptions::default();
    let shared = s
        .list_shared(def("configmaps"), Some("default"), &all)
        .unwrap();
    let copied = s.list(def("configmaps"), Some("default"), &all).unwrap();
    assert_eq!(shared.items.len(), 2, "b and kube-root-ca.crt");
    let mut encoded = b"[".to_vec();
    shared.write_items(&mut encoded);
    encoded.extend_from_slice(b"]\n");
    assert_eq!(encoded, crate::api::status::encode_json(&copied.items));
    let text = String::from_utf8(encoded).unwrap();
    let parsed: Vec<Value> = serde_json::from_str(&text).unwrap();
    assert!(
        parsed
            .iter()
            .all(|i| i.get("kind").is_none() && i.get("apiVersion").is_none())
    );
    assert!(text.contains(r#""html":"\u003ca href=\"x\"\u003e\u0026\u003c/a\u003e""#));
    assert!(text.starts_with(r#"[{"metadata":{"name":"b","#), "{text}");
}
