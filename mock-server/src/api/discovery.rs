//! Discovery documents, generated from the registry: `/version`, `/api` and `/apis` in the
//! aggregated v2 form (with its exact Content-Type, which kubectl requires) or the legacy
//! `APIVersions`/`APIGroupList` forms, and the legacy `APIResourceList` per group version.

use serde_json::{Map, Value, json};

use crate::api::registry::{self, GROUPS, ResourceDef};

/// The Content-Type of an aggregated discovery v2 answer.
pub const AGGREGATED_V2: &str =
    "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";
/// The Content-Type of an aggregated discovery v2beta1 answer.
pub const AGGREGATED_V2BETA1: &str =
    "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList";

/// The default `gitVersion` (what the kubectl dispatcher picks its binary by).
pub const DEFAULT_SERVER_VERSION: &str = "v1.32.4";

/// Which aggregated discovery version an `Accept` header asks for, if any (v2 preferred).
pub fn aggregated_version(accept: &str) -> Option<&'static str> {
    let mut best = None;
    for item in accept.split(',') {
        let params: Vec<&str> = item.split(';').map(str::trim).collect();
        let has = |p: &str| params.contains(&p);
        if has("g=apidiscovery.k8s.io") && has("as=APIGroupDiscoveryList") {
            if has("v=v2") {
                return Some("v2");
            }
            if has("v=v2beta1") && best.is_none() {
                best = Some("v2beta1");
            }
        }
    }
    best
}

/// The `/version` document for `git_version` (e.g. `v1.32.4`); `None` if it is not `vMAJOR.MINOR.PATCH`.
pub fn version_info(git_version: &str) -> Option<Value> {
    let v = git_version.strip_prefix('v')?;
    let mut parts = v.splitn(3, '.');
    let major = parts.next()?;
    let minor = parts.next()?;
    let patch = parts.next()?;
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let patch_num = patch.split(['-', '+']).next().unwrap_or("");
    if !digits(major) || !digits(minor) || !digits(patch_num) {
        return None;
    }
    let mut info = serde_json::Map::new();
    info.insert("major".into(), json!(major));
    info.insert("minor".into(), json!(minor));
    // Since 1.33 (`k8s.io/apimachinery/pkg/version.Info`, commit a78ae8bc) the document names
    // the emulated version (the binary's own by default) and the oldest compatible one (one
    // minor back).
    let minor_num: u64 = minor.parse().unwrap_or(0);
    if major == "1" && minor_num >= 33 {
        info.insert("emulationMajor".into(), json!(major));
        info.insert("emulationMinor".into(), json!(minor));
        info.insert("minCompatibilityMajor".into(), json!(major));
        info.insert(
            "minCompatibilityMinor".into(),
            json!((minor_num - 1).to_string()),
        );
    }
    for (k, v) in [
        ("gitVersion", git_version),
        ("gitCommit", "0000000000000000000000000000000000000000"),
        ("gitTreeState", "clean"),
        ("buildDate", "2025-04-22T16:00:00Z"),
        ("goVersion", "go1.23.8"),
        ("compiler", "gc"),
        ("platform", "linux/amd64"),
    ] {
        info.insert(k.into(), json!(v));
    }
    Some(Value::Object(info))
}

/// The minor version of a [`version_info`] document (`"23"` gives 23; 0 if absent), for
/// behaviour that depends on the emulated release.
pub fn minor_version(info: &Value) -> u32 {
    info["minor"]
        .as_str()
        .and_then(|m| m.trim_end_matches('+').parse().ok())
        .unwrap_or(0)
}

fn scope(r: &ResourceDef) -> &'static str {
    if r.namespaced {
        "Namespaced"
    } else {
        "Cluster"
    }
}

fn aggregated_resource(r: &ResourceDef) -> Value {
    let mut m = Map::new();
    m.insert("resource".into(), json!(r.plural));
    m.insert(
        "responseKind".into(),
        json!({"group": "", "version": "", "kind": r.kind}),
    );
    m.insert("scope".into(), json!(scope(r)));
    m.insert("singularResource".into(), json!(r.singular));
    m.insert("verbs".into(), json!(r.verbs));
    if !r.short_names.is_empty() {
        m.insert("shortNames".into(), json!(r.short_names));
    }
    if !r.subresources.is_empty() {
        let subs: Vec<Value> = r
            .subresources
            .iter()
            .map(|s| {
                json!({
                    "subresource": s.name,
                    "responseKind": {"group": s.group, "version": s.version, "kind": s.kind},
                    "verbs": s.verbs,
                })
            })
            .collect();
        m.insert("subresources".into(), Value::Array(subs));
    }
    Value::Object(m)
}

fn aggregated_group(group: &str) -> Value {
    let resources: Vec<Value> = registry::in_group(group).map(aggregated_resource).collect();
    let mut metadata = Map::new();
    if !group.is_empty() {
        metadata.insert("name".into(), json!(group));
    }
    metadata.insert("creationTimestamp".into(), Value::Null);
    json!({
        "metadata": metadata,
        "versions": [{"version": "v1", "resources": resources, "freshness": "Current"}],
    })
}

fn aggregated_list(items: Vec<Value>, version: &str) -> Value {
    json!({
        "kind": "APIGroupDiscoveryList",
        "apiVersion": format!("apidiscovery.k8s.io/{version}"),
        "metadata": {},
        "items": items,
    })
}

/// `/api` as an `APIGroupDiscoveryList` (`version` is `v2` or `v2beta1`).
pub fn aggregated_api(version: &str) -> Value {
    aggregated_list(vec![aggregated_group("")], version)
}

/// `/apis` as an `APIGroupDiscoveryList`.
pub fn aggregated_apis(version: &str) -> Value {
    aggregated_list(
        GROUPS.iter().map(|g| aggregated_group(g)).collect(),
        version,
    )
}

/// `/api` as legacy `APIVersions`; `server_address` is `host:port`.
pub fn legacy_api(server_address: &str) -> Value {
    json!({
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": server_address}],
    })
}

/// `/apis` as legacy `APIGroupList`.
pub fn legacy_apis() -> Value {
    let groups: Vec<Value> = GROUPS.iter().map(|g| legacy_group(g)).collect();
    json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": groups})
}

/// `/apis/<group>` as an `APIGroup`.
pub fn legacy_group(group: &str) -> Value {
    let gv = json!({"groupVersion": format!("{group}/v1"), "version": "v1"});
    json!({"name": group, "versions": [gv.clone()], "preferredVersion": gv})
}

/// `/apis/<group>` as the real server answers it (an `APIGroup` object with kind/apiVersion).
pub fn legacy_group_document(group: &str) -> Value {
    let mut v = json!({"kind": "APIGroup", "apiVersion": "v1"});
    if let (Value::Object(m), Value::Object(g)) = (&mut v, legacy_group(group)) {
        m.extend(g);
    }
    v
}

/// `/api/v1` or `/apis/<group>/v1` as an `APIResourceList`; `None` if the group is not served.
pub fn resource_list(group: &str, version: &str) -> Option<Value> {
    if !registry::serves_group_version(group, version) {
        return None;
    }
    let mut resources = Vec::new();
    for r in registry::in_group(group) {
        let mut m = Map::new();
        m.insert("name".into(), json!(r.plural));
        m.insert("singularName".into(), json!(r.singular));
        m.insert("namespaced".into(), json!(r.namespaced));
        m.insert("kind".into(), json!(r.kind));
        m.insert("verbs".into(), json!(r.verbs));
        if !r.short_names.is_empty() {
            m.insert("shortNames".into(), json!(r.short_names));
        }
        resources.push(Value::Object(m));
        for s in r.subresources {
            let mut m = Map::new();
            m.insert("name".into(), json!(format!("{}/{}", r.plural, s.name)));
            m.insert("singularName".into(), json!(""));
            m.insert("namespaced".into(), json!(r.namespaced));
            if !s.group.is_empty() {
                m.insert("group".into(), json!(s.group));
                m.insert("version".into(), json!(s.version));
            }
            m.insert("kind".into(), json!(s.kind));
            m.insert("verbs".into(), json!(s.verbs));
            resources.push(Value::Object(m));
        }
    }
    let gv = if group.is_empty() {
        version.to_string()
    } else {
        format!("{group}/{version}")
    };
    Some(json!({
        "kind": "APIResourceList",
        "apiVersion": "v1",
        "groupVersion": gv,
        "resources": resources,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The documents recorded from the logging mock kubectl was run against
    /// (`shared/reference/fixtures`, copied into `mock-server/tests/fixtures/`).
    fn fixture(name: &str) -> Option<Value> {
        let text = match name {
            "aggregated-api.json" => include_str!("../../tests/fixtures/aggregated-api.json"),
            "aggregated-apis.json" => include_str!("../../tests/fixtures/aggregated-apis.json"),
            "legacy-api.json" => include_str!("../../tests/fixtures/legacy-api.json"),
            "legacy-api-v1.json" => include_str!("../../tests/fixtures/legacy-api-v1.json"),
            "legacy-apis.json" => include_str!("../../tests/fixtures/legacy-apis.json"),
            "legacy-apis-rbac-v1.json" => {
                include_str!("../../tests/fixtures/legacy-apis-rbac-v1.json")
            }
            "version.json" => include_str!("../../tests/fixtures/version.json"),
            _ => return None,
        };
        Some(serde_json::from_str(text).expect("fixture is JSON"))
    }

    /// The generated document must hold every resource of the recorded one, identically, and
    /// add only the resources listed in `extra`.
    fn assert_covers(generated: &[Value], recorded: &[Value], key: &str, extra: &[&str]) {
        for want in recorded {
            let name = &want[key];
            let got = generated.iter().find(|g| &g[key] == name);
            assert_eq!(got, Some(want), "resource {name}");
        }
        let extras: Vec<&str> = generated
            .iter()
            .filter(|g| !recorded.iter().any(|r| r[key] == g[key]))
            .map(|g| g[key].as_str().unwrap())
            .collect();
        assert_eq!(extras, extra);
    }

    #[test]
    fn aggregated_documents_match_the_recorded_fixtures() {
        let Some(api) = fixture("aggregated-api.json") else {
            return;
        };
        let ours = aggregated_api("v2");
        assert_eq!(ours["kind"], api["kind"]);
        assert_eq!(ours["apiVersion"], api["apiVersion"]);
        assert_eq!(ours["items"][0]["metadata"], api["items"][0]["metadata"]);
        let v = &ours["items"][0]["versions"][0];
        assert_eq!(v["freshness"], api["items"][0]["versions"][0]["freshness"]);
        assert_covers(
            v["resources"].as_array().unwrap(),
            api["items"][0]["versions"][0]["resources"]
                .as_array()
                .unwrap(),
            "resource",
            &["configmaps"],
        );

        let Some(apis) = fixture("aggregated-apis.json") else {
            return;
        };
        let ours = aggregated_apis("v2");
        let items = ours["items"].as_array().unwrap();
        let recorded = apis["items"].as_array().unwrap();
        assert_eq!(items.len(), recorded.len());
        for (o, r) in items.iter().zip(recorded) {
            assert_eq!(o, r, "group {}", r["metadata"]["name"]);
        }
    }

    #[test]
    fn legacy_documents_match_the_recorded_fixtures() {
        if let Some(f) = fixture("legacy-api.json") {
            assert_eq!(legacy_api("127.0.0.1:6443"), f);
        }
        if let Some(f) = fixture("legacy-apis.json") {
            assert_eq!(legacy_apis(), f);
        }
        if let Some(f) = fixture("legacy-apis-rbac-v1.json") {
            assert_eq!(resource_list("rbac.authorization.k8s.io", "v1").unwrap(), f);
        }
        if let Some(f) = fixture("legacy-api-v1.json") {
            let ours = resource_list("", "v1").unwrap();
            assert_eq!(ours["groupVersion"], f["groupVersion"]);
            assert_covers(
                ours["resources"].as_array().unwrap(),
                f["resources"].as_array().unwrap(),
                "name",
                &["configmaps"],
            );
        }
        assert!(resource_list("batch", "v1").is_none());
        let apps = resource_list("apps", "v1").unwrap();
        assert_eq!(apps["resources"][0]["shortNames"], json!(["deploy"]));
    }

    #[test]
    fn version_matches_fixture_and_overrides() {
        if let Some(f) = fixture("version.json") {
            assert_eq!(version_info(DEFAULT_SERVER_VERSION).unwrap(), f);
        }
        let v = version_info("v1.30.2").unwrap();
        assert_eq!(
            (v["major"].as_str(), v["minor"].as_str()),
            (Some("1"), Some("30"))
        );
        assert!(version_info("1.30").is_none());
        let v = version_info("v1.36.2").unwrap();
        let keys: Vec<&String> = v.as_object().unwrap().keys().collect();
        assert_eq!(
            keys[..7],
            [
                "major",
                "minor",
                "emulationMajor",
                "emulationMinor",
                "minCompatibilityMajor",
                "minCompatibilityMinor",
                "gitVersion"
            ]
        );
        assert_eq!(v["minCompatibilityMinor"], "35");
        assert!(
            version_info("v1.32.4")
                .unwrap()
                .get("emulationMajor")
                .is_none()
        );
        assert!(version_info("vx.y.z").is_none());
    }

    #[test]
    fn accept_negotiation() {
        let kubectl = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json";
        assert_eq!(aggregated_version(kubectl), Some("v2"));
        assert_eq!(
            aggregated_version(
                "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList"
            ),
            Some("v2beta1")
        );
        assert_eq!(aggregated_version("application/json, */*"), None);
    }
}
