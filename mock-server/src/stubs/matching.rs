//! Matching a request against a [`Match`] by its Kubernetes meaning, field by field, so a
//! failed match can say which field differed (near misses), and the journal can be searched
//! with the same [`Match`].

use std::sync::OnceLock;

use bytes::Bytes;
use hyper::HeaderMap;
use serde::Serialize;
use serde_json::Value;

use super::model::Match;
use crate::authn::identity::UserInfo;
use crate::http::journal::{Journal, JournalEntry, redact_header};
use crate::http::query::Query;
use crate::http::request_info::RequestInfo;

/// A request as stubs (and responder closures) see it: what the path means, who sends it,
/// its query, headers and body.
#[derive(Debug)]
pub struct StubRequest {
    /// The HTTP method.
    pub method: String,
    /// The path parsed as kube-apiserver does (verb, group, version, namespace, resource,
    /// subresource, name).
    pub info: RequestInfo,
    /// The decoded query parameters, in order.
    pub query: Query,
    /// The headers (lower-case names), in order.
    pub headers: Vec<(String, String)>,
    /// The user the request acts as; `None` before authentication (a `beforeAuth` stub).
    pub user: Option<UserInfo>,
    raw_body: Bytes,
    content_type: String,
    body: OnceLock<Option<Value>>,
}

impl StubRequest {
    /// A request from its parts (the body is decoded on first use).
    pub fn new(
        method: &str,
        path: &str,
        raw_query: &str,
        headers: &HeaderMap,
        body: Bytes,
        user: Option<&UserInfo>,
    ) -> StubRequest {
        let headers: Vec<(String, String)> = headers
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_string(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        let content_type = headers
            .iter()
            .find(|(k, _)| k == "content-type")
            .map(|(_, v)| v.clone())
            .unwrap_or_default();
        StubRequest {
            method: method.to_string(),
            info: RequestInfo::parse(method, path, raw_query),
            query: Query::parse(raw_query),
            headers,
            user: user.cloned(),
            raw_body: body,
            content_type,
            body: OnceLock::new(),
        }
    }

    /// A journal entry seen as a request (its body as journalled: decoded and redacted).
    pub fn from_journal(e: &JournalEntry) -> StubRequest {
        StubRequest {
            method: e.method.clone(),
            info: RequestInfo::parse(&e.method, &e.path, &e.query),
            query: Query::parse(&e.query),
            headers: e
                .headers
                .iter()
                .map(|(k, v)| (k.to_ascii_lowercase(), v.clone()))
                .collect(),
            user: Some(e.user.clone()),
            raw_body: Bytes::new(),
            content_type: String::new(),
            body: OnceLock::from(e.body.clone()),
        }
    }

    /// The first value of a header (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body as JSON: JSON, YAML and Kubernetes protobuf bodies are decoded; `None` when
    /// empty or undecodable.
    pub fn body(&self) -> Option<&Value> {
        self.body
            .get_or_init(|| decode_body(&self.content_type, &self.raw_body))
            .as_ref()
    }

    /// `METHOD /path?query`, for reports.
    pub fn summary(&self) -> String {
        let query: Vec<String> = self
            .query
            .pairs()
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        if query.is_empty() {
            format!("{} {}", self.method, self.info.path)
        } else {
            format!("{} {}?{}", self.method, self.info.path, query.join("&"))
        }
    }
}

fn decode_body(content_type: &str, raw: &[u8]) -> Option<Value> {
    if raw.is_empty() {
        return None;
    }
    let media = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if media == "application/vnd.kubernetes.protobuf" {
        crate::http::protobuf::decode(raw).ok()
    } else if media.ends_with("yaml") {
        serde_yaml::from_slice(raw).ok()
    } else {
        serde_json::from_slice(raw).ok()
    }
}

/// One field of a [`Match`] that a request did not satisfy.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Mismatch {
    /// The field: `verb`, `namespace`, `query.limit`, `headers.user-agent`, `body.metadata.name`...
    pub field: String,
    /// What the stub wanted.
    pub expected: String,
    /// What the request had (credentials redacted).
    pub actual: String,
}

fn text_field(
    out: &mut Vec<Mismatch>,
    field: &str,
    expected: &Option<String>,
    actual: &str,
    shown: impl FnOnce() -> String,
) {
    if let Some(e) = expected
        && e != actual
    {
        out.push(Mismatch {
            field: field.into(),
            expected: e.clone(),
            actual: shown(),
        });
    }
}

/// The fields of `m` that `req` does not satisfy, stopping once `limit` are found (the body,
/// the only costly field, is decoded only while fewer than `limit` differ).
pub fn mismatches(m: &Match, req: &StubRequest, limit: usize) -> Vec<Mismatch> {
    let mut out = Vec::new();
    let info = &req.info;
    let absent = |s: &str| {
        if s.is_empty() {
            "(none)".to_string()
        } else {
            s.to_string()
        }
    };
    if let Some(v) = m.verb
        && v.as_str() != info.verb
    {
        out.push(Mismatch {
            field: "verb".into(),
            expected: v.as_str().into(),
            actual: info.verb.clone(),
        });
    }
    let fields: [(&str, &Option<String>, &str); 7] = [
        ("group", &m.group, &info.api_group),
        ("version", &m.version, &info.api_version),
        ("resource", &m.resource, &info.resource),
        ("subresource", &m.subresource, &info.subresource),
        ("namespace", &m.namespace, &info.namespace),
        ("name", &m.name, &info.name),
        ("path", &m.path, &info.path),
    ];
    for (field, expected, actual) in fields {
        text_field(&mut out, field, expected, actual, || absent(actual));
    }
    let username = req.user.as_ref().map_or("", |u| u.username.as_str());
    text_field(&mut out, "user", &m.user, username, || {
        if req.user.is_some() {
            username.to_string()
        } else {
            "(not authenticated yet)".into()
        }
    });
    if let Some(g) = &m.user_group
        && !req.user.as_ref().is_some_and(|u| u.in_group(g))
    {
        out.push(Mismatch {
            field: "userGroup".into(),
            expected: g.clone(),
            actual: req
                .user
                .as_ref()
                .map_or("(not authenticated yet)".into(), |u| u.groups.join(",")),
        });
    }
    for (k, v) in &m.query {
        let actual = req.query.get(k);
        if actual != Some(v.as_str()) {
            out.push(Mismatch {
                field: format!("query.{k}"),
                expected: v.clone(),
                actual: actual.map_or("(absent)".into(), str::to_string),
            });
        }
    }
    for (k, v) in &m.headers {
        let actual = req.header(k);
        if actual != Some(v.as_str()) {
            out.push(Mismatch {
                field: format!("headers.{k}"),
                expected: redact_header(k, v),
                actual: actual.map_or("(absent)".into(), |a| redact_header(k, a)),
            });
        }
    }
    if out.len() < limit
        && let Some(expected) = &m.body
    {
        let mut path = String::from("body");
        match req.body() {
            None => out.push(Mismatch {
                field: path,
                expected: expected.to_string(),
                actual: "(no JSON body)".into(),
            }),
            Some(actual) => {
                if let Err((e, a)) = contains(expected, actual, &mut path) {
                    out.push(Mismatch {
                        field: path,
                        expected: e,
                        actual: a,
                    });
                }
            }
        }
    }
    out.truncate(limit.max(1));
    out
}

/// Whether `actual` contains `expected` (wiremock's `body_partial_json`): objects need the
/// expected keys, arrays the expected elements at the same positions, scalars equality. On a
/// difference, `path` points at it and the error holds (expected, actual) there.
pub fn contains(
    expected: &Value,
    actual: &Value,
    path: &mut String,
) -> Result<(), (String, String)> {
    match (expected, actual) {
        (Value::Object(e), Value::Object(a)) => {
            for (k, ev) in e {
                path.push('.');
                path.push_str(k);
                match a.get(k) {
                    Some(av) => contains(ev, av, path)?,
                    None => return Err((ev.to_string(), "(absent)".into())),
                }
                path.truncate(path.len() - k.len() - 1);
            }
            Ok(())
        }
        (Value::Array(e), Value::Array(a)) => {
            for (i, ev) in e.iter().enumerate() {
                let len = path.len();
                path.push_str(&format!("[{i}]"));
                match a.get(i) {
                    Some(av) => contains(ev, av, path)?,
                    None => return Err((ev.to_string(), "(absent)".into())),
                }
                path.truncate(len);
            }
            Ok(())
        }
        (e, a) if e == a => Ok(()),
        (e, a) => Err((e.to_string(), a.to_string())),
    }
}

impl Journal {
    /// The journalled requests `m` matches, oldest first: the journal searched by meaning
    /// (`Match::on(Verb::Create).resource("serviceaccounts")`). Bodies are matched as
    /// journalled, i.e. with credentials redacted.
    pub fn matching(&self, m: &Match) -> Vec<JournalEntry> {
        self.entries()
            .into_iter()
            .filter(|e| mismatches(m, &StubRequest::from_journal(e), 1).is_empty())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stubs::model::Verb;
    use hyper::header::HeaderValue;
    use serde_json::json;

    fn request(method: &str, path: &str, query: &str, body: &str) -> StubRequest {
        let mut headers = HeaderMap::new();
        headers.insert("content-type", HeaderValue::from_static("application/json"));
        headers.insert("user-agent", HeaderValue::from_static("kubectl/v1.32.4"));
        headers.insert("authorization", HeaderValue::from_static("Bearer sekret"));
        let user = UserInfo {
            username: "system:serviceaccount:default:robot".into(),
            groups: vec!["system:serviceaccounts".into()],
            ..Default::default()
        };
        StubRequest::new(
            method,
            path,
            query,
            &headers,
            Bytes::from(body.to_string()),
            Some(&user),
        )
    }

    fn fields(m: &Match, r: &StubRequest) -> Vec<String> {
        mismatches(m, r, usize::MAX)
            .into_iter()
            .map(|x| x.field)
            .collect()
    }

    #[test]
    fn each_field_matches_by_meaning() {
        let create = request(
            "POST",
            "/apis/rbac.authorization.k8s.io/v1/namespaces/dev/roles",
            "fieldManager=kubectl-create&dryRun=All",
            r#"{"metadata": {"name": "r", "labels": {"a": "b"}}, "rules": [{"verbs": ["get"]}, {}]}"#,
        );
        let all = Match::on(Verb::Create)
            .group("rbac.authorization.k8s.io")
            .version("v1")
            .resource("roles")
            .namespace("dev")
            .user("system:serviceaccount:default:robot")
            .user_group("system:serviceaccounts")
            .path("/apis/rbac.authorization.k8s.io/v1/namespaces/dev/roles")
            .query("fieldManager", "kubectl-create")
            .header("User-Agent", "kubectl/v1.32.4")
            .body(json!({"metadata": {"labels": {"a": "b"}}, "rules": [{"verbs": ["get"]}]}));
        assert_eq!(fields(&all, &create), Vec::<String>::new());
        // Each field on its own fails with its own name.
        let cases = [
            (Match::on(Verb::Update), "verb"),
            (Match::any().group(""), "group"),
            (Match::any().version("v2"), "version"),
            (Match::any().resource("rolebindings"), "resource"),
            (Match::any().subresource("status"), "subresource"),
            (Match::any().namespace("default"), "namespace"),
            (Match::any().name("r"), "name"),
            (Match::any().path("/api"), "path"),
            (Match::any().user("bob"), "user"),
            (Match::any().user_group("system:masters"), "userGroup"),
            (Match::any().query("dryRun", "None"), "query.dryRun"),
            (Match::any().query("limit", "1"), "query.limit"),
            (
                Match::any().header("user-agent", "curl"),
                "headers.user-agent",
            ),
            (
                Match::any().body(json!({"metadata": {"name": "x"}})),
                "body.metadata.name",
            ),
            (
                Match::any().body(json!({"rules": [{}, {}, {}]})),
                "body.rules[2]",
            ),
            (Match::any().body(json!({"kind": "Role"})), "body.kind"),
        ];
        for (m, field) in cases {
            assert_eq!(fields(&m, &create), [field], "{m:?}");
        }
        let get = request("GET", "/api/v1/namespaces/default/pods/p/log", "", "");
        assert_eq!(
            fields(&Match::on(Verb::Get).subresource("log").group(""), &get),
            Vec::<String>::new()
        );
        assert_eq!(fields(&Match::any().body(json!({})), &get), ["body"]);
        let watch = request("GET", "/api/v1/pods", "watch=true", "");
        assert_eq!(
            fields(&Match::on(Verb::Watch), &watch),
            Vec::<String>::new()
        );
        let version = request("GET", "/version", "", "");
        assert_eq!(
            fields(&Match::on(Verb::Get).path("/version"), &version),
            Vec::<String>::new()
        );
    }

    #[test]
    fn mismatches_stop_at_the_limit_and_redact_credentials() {
        let r = request("GET", "/api/v1/pods", "", "");
        let m = Match::on(Verb::Create)
            .namespace("x")
            .header("Authorization", "Bearer other");
        assert_eq!(mismatches(&m, &r, 1).len(), 1);
        let all = mismatches(&m, &r, 9);
        assert_eq!(all.len(), 3);
        let auth = all
            .iter()
            .find(|x| x.field == "headers.authorization")
            .unwrap();
        assert_eq!(auth.actual, "Bearer <redacted>");
        assert_eq!(auth.expected, "Bearer <redacted>");
        let before_auth =
            StubRequest::new("GET", "/api", "", &HeaderMap::new(), Bytes::new(), None);
        let m = mismatches(&Match::any().user("bob"), &before_auth, 9);
        assert_eq!(m[0].actual, "(not authenticated yet)");
    }

    #[test]
    fn yaml_and_protobuf_bodies_are_decoded_before_matching() {
        let mut headers = HeaderMap::new();
        headers.insert("content-type", HeaderValue::from_static("application/yaml"));
        let yaml = StubRequest::new(
            "POST",
            "/api/v1/namespaces/default/configmaps",
            "",
            &headers,
            Bytes::from_static(b"metadata:\n  name: cm\ndata:\n  a: b\n"),
            None,
        );
        assert_eq!(
            yaml.body(),
            Some(&json!({"metadata": {"name": "cm"}, "data": {"a": "b"}}))
        );
        let fixtures: Value = serde_json::from_str(include_str!(
            "../../tests/fixtures/protobuf-request-fixtures.json"
        ))
        .unwrap();
        let first = &fixtures.as_array().unwrap()[0];
        let raw = base64::Engine::decode(
            &base64::engine::general_purpose::STANDARD,
            first["body_base64"].as_str().unwrap(),
        )
        .unwrap();
        headers.insert(
            "content-type",
            HeaderValue::from_static("application/vnd.kubernetes.protobuf"),
        );
        let proto = StubRequest::new("POST", "/api/v1/x", "", &headers, Bytes::from(raw), None);
        let decoded = proto.body().expect("protobuf decoded");
        let mut path = "body".to_string();
        assert_eq!(contains(&first["decoded"], decoded, &mut path), Ok(()));
    }
}
