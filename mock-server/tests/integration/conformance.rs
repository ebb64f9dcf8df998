//! Replays the answers a real kube-apiserver v1.36.2 gave (`../shared/reference/real-apiserver/
//! answers-1.36.json`, copied to `tests/fixtures/real-apiserver-answers-1.36.json`; `.ci/run`
//! checks the copy against the original) against a fresh in-process mock reporting v1.36.2,
//! and fails on any difference, naming the case and the first differing field.
//!
//! The requests are sent as `../shared/tools/conformance.py` sends them (a python-requests
//! client: its User-Agent, hence the `python-requests` field manager, `Accept: */*`, JSON bodies
//! as `json.dumps` writes them; the `sa` identity is a TokenRequest token of `default/conf-sa`
//! minted when first needed), and both sides are normalised as that script does.
//!
//! Timing: a case's `sleep` gives background controllers their time (slept for real, at most
//! 3 s) and advances the server clock by the rest, so "12 s later" takes no time.
//! A token Secret is created at the start of a wall-clock second, so the token controller's
//! write falls into the same second, as it did on the recorded cluster: `managedFields` are
//! sorted by their time in seconds before the manager's name.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use mock_apiserver::MockServer;
use serde_json::{Map, Value};

use crate::util::{admin, anonymous};

const ANSWERS: &str = include_str!("../fixtures/real-apiserver-answers-1.36.json");
/// What conformance.py's `requests` session sends.
const USER_AGENT: &str = "python-requests/2.32.3";
const SA_TOKEN_PATH: &str = "/api/v1/namespaces/default/serviceaccounts/conf-sa/token";
/// `conformance.py`'s VOLATILE keys.
const VOLATILE: &[&str] = &[
    "uid",
    "resourceVersion",
    "creationTimestamp",
    "time",
    "token",
    "expirationTimestamp",
    "ca.crt",
    "goVersion",
    "gitCommit",
    "buildDate",
    "gitTreeState",
    "platform",
    "compiler",
    "n",
    "kid",
    "continue",
];

// ---------------------------------------------------------------------------------------------
// The normaliser of conformance.py.
// ---------------------------------------------------------------------------------------------

fn is_hex(b: &[u8]) -> bool {
    b.iter()
        .all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(c))
}

/// `[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}` at `i`.
fn uuid_at(s: &[u8], i: usize) -> bool {
    let groups = [8, 4, 4, 4, 12];
    let mut at = i;
    for (n, len) in groups.iter().enumerate() {
        if at + len > s.len() || !is_hex(&s[at..at + len]) {
            return false;
        }
        at += len;
        if n < 4 {
            if s.get(at) != Some(&b'-') {
                return false;
            }
            at += 1;
        }
    }
    true
}

fn word(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b'-'
}

/// The length of `eyJ[\w-]+\.[\w-]+\.[\w-]+` at `i`, if it matches.
fn jwt_at(s: &[u8], i: usize) -> Option<usize> {
    if !s[i..].starts_with(b"eyJ") {
        return None;
    }
    let mut at = i + 3;
    for part in 0..3 {
        let start = at;
        while at < s.len() && word(s[at]) {
            at += 1;
        }
        if at == start {
            return None;
        }
        if part < 2 {
            if s.get(at) != Some(&b'.') {
                return None;
            }
            at += 1;
        }
    }
    Some(at - i)
}

/// UUIDs, JWTs and `https://127.0.0.1:PORT` inside a string.
fn mask_string(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = String::new();
    let mut i = 0;
    const SERVER: &str = "https://127.0.0.1:";
    while i < b.len() {
        if uuid_at(b, i) {
            out.push_str("<uuid>");
            i += 36;
        } else if let Some(n) = jwt_at(b, i) {
            out.push_str("<jwt>");
            i += n;
        } else if s[i..].starts_with(SERVER)
            && b.get(i + SERVER.len()).is_some_and(u8::is_ascii_digit)
        {
            out.push_str("https://<server>");
            i += SERVER.len();
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
        } else {
            let c = s[i..].chars().next().unwrap_or_default();
            out.push(c);
            i += c.len_utf8();
        }
    }
    out
}

/// Python's `json.dumps(v, sort_keys=sort)` (`", "`, `": "`, ASCII only).
fn python_dumps(v: &Value, sort: bool) -> String {
    match v {
        Value::Object(m) => {
            let mut items: Vec<(&String, &Value)> = m.iter().collect();
            if sort {
                items.sort_by(|a, b| a.0.cmp(b.0));
            }
            let parts: Vec<String> = items
                .iter()
                .map(|(k, x)| {
                    format!(
                        "{}: {}",
                        python_dumps(&Value::String((*k).clone()), sort),
                        python_dumps(x, sort)
                    )
                })
                .collect();
            format!("{{{}}}", parts.join(", "))
        }
        Value::Array(a) => format!(
            "[{}]",
            a.iter()
                .map(|x| python_dumps(x, sort))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Value::String(s) => {
            let mut out = String::from("\"");
            for c in s.chars() {
                match c {
                    '"' => out.push_str("\\\""),
                    '\\' => out.push_str("\\\\"),
                    '\n' => out.push_str("\\n"),
                    '\r' => out.push_str("\\r"),
                    '\t' => out.push_str("\\t"),
                    c if (c as u32) < 0x20 || (c as u32) > 0x7e => {
                        let mut buf = [0u16; 2];
                        for u in c.encode_utf16(&mut buf) {
                            out.push_str(&format!("\\u{u:04x}"));
                        }
                    }
                    c => out.push(c),
                }
            }
            out.push('"');
            out
        }
        other => other.to_string(),
    }
}

fn norm(v: &Value, key: Option<&str>) -> Value {
    match v {
        Value::Object(m) => {
            let mut out: Map<String, Value> = m
                .iter()
                .map(|(k, x)| (k.clone(), norm(x, Some(k))))
                .collect();
            if out.get("kind").and_then(Value::as_str) == Some("SelfSubjectRulesReview")
                && let Some(status) = out.get_mut("status").and_then(Value::as_object_mut)
            {
                for f in ["resourceRules", "nonResourceRules"] {
                    if let Some(rules) = status.get_mut(f).and_then(Value::as_array_mut) {
                        rules.sort_by_key(|r| python_dumps(r, true));
                    }
                }
            }
            Value::Object(out)
        }
        Value::Array(a) => Value::Array(a.iter().map(|x| norm(x, key)).collect()),
        Value::Null => Value::Null,
        _ if key.is_some_and(|k| VOLATILE.contains(&k)) => {
            Value::String(format!("<{}>", key.unwrap_or_default()))
        }
        Value::String(s) => Value::String(mask_string(s)),
        other => other.clone(),
    }
}

/// Names made from `generateName` (the prefix plus 5 characters), anywhere in `v`.
fn generated_names(v: &Value, out: &mut Vec<(String, String)>) {
    match v {
        Value::Object(m) => {
            if let (Some(g), Some(n)) = (
                m.get("generateName").and_then(Value::as_str),
                m.get("name").and_then(Value::as_str),
            ) && n.starts_with(g)
                && n.chars().count() == g.chars().count() + 5
            {
                out.push((n.to_string(), format!("{g}<rand>")));
            }
            m.values().for_each(|x| generated_names(x, out));
        }
        Value::Array(a) => a.iter().for_each(|x| generated_names(x, out)),
        _ => {}
    }
}

fn replace_strings(v: &Value, names: &[(String, String)]) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, x)| (k.clone(), replace_strings(x, names)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(|x| replace_strings(x, names)).collect()),
        Value::String(s) => {
            let mut s = s.clone();
            for (n, r) in names {
                s = s.replace(n, r);
            }
            Value::String(s)
        }
        other => other.clone(),
    }
}

/// `^(\d+d)?(\d+h)?(\d+m)?(\d+s)?$`, non-empty.
fn is_age(s: &str) -> bool {
    let mut rest = s;
    for unit in ['d', 'h', 'm', 's'] {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits > 0 && rest[digits..].starts_with(unit) {
            rest = &rest[digits + 1..];
        }
    }
    !s.is_empty() && rest.is_empty()
}

/// `conformance.py`'s `normalise`.
fn normalise(body: &Value) -> Value {
    let mut names = Vec::new();
    generated_names(body, &mut names);
    let mut out = replace_strings(&norm(body, None), &names);
    if out.get("kind").and_then(Value::as_str) == Some("Table")
        && let Some(rows) = out.get_mut("rows").and_then(Value::as_array_mut)
    {
        for row in rows {
            if let Some(cells) = row.get_mut("cells").and_then(Value::as_array_mut) {
                for c in cells {
                    if c.as_str().is_some_and(is_age) {
                        *c = Value::String("<age>".into());
                    }
                }
            }
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Replaying.
// ---------------------------------------------------------------------------------------------

/// The first place where `got` differs from `want`, as a path like `metadata.labels.a`.
fn first_difference(want: &Value, got: &Value, path: &str) -> Option<String> {
    let at = |k: &str| {
        if path.is_empty() {
            k.to_string()
        } else {
            format!("{path}.{k}")
        }
    };
    match (want, got) {
        (Value::Object(w), Value::Object(g)) => {
            for (k, x) in w {
                match g.get(k) {
                    None => return Some(format!("{} (missing)", at(k))),
                    Some(y) => {
                        if let Some(d) = first_difference(x, y, &at(k)) {
                            return Some(d);
                        }
                    }
                }
            }
            g.keys()
                .find(|k| !w.contains_key(*k))
                .map(|k| format!("{} (unexpected)", at(k)))
        }
        (Value::Array(w), Value::Array(g)) => {
            for (i, (x, y)) in w.iter().zip(g).enumerate() {
                if let Some(d) = first_difference(x, y, &format!("{path}[{i}]")) {
                    return Some(d);
                }
            }
            (w.len() != g.len()).then(|| format!("{path} (length {} != {})", w.len(), g.len()))
        }
        _ => (want != got).then(|| {
            let p = if path.is_empty() { "body" } else { path };
            format!("{p}: {want} != {got}")
        }),
    }
}

struct Replayer<'a> {
    server: &'a MockServer,
    admin: reqwest::Client,
    plain: reqwest::Client,
    sa_token: Option<String>,
}

impl Replayer<'_> {
    async fn sa_token(&mut self) -> String {
        if let Some(t) = &self.sa_token {
            return t.clone();
        }
        let r = self
            .admin
            .post(format!("{}{SA_TOKEN_PATH}", self.server.url()))
            .header("user-agent", USER_AGENT)
            .header("content-type", "application/json")
            .body(python_dumps(&serde_json::json!({"spec": {}}), false))
            .send()
            .await
            .unwrap();
        let v: Value = r.json().await.unwrap();
        let t = v["status"]["token"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        self.sa_token = Some(t.clone());
        t
    }

    /// Sends one case as `conformance.py` does: `(status, normalised body)`.
    async fn send(&mut self, case: &Value) -> (u16, Value) {
        let who = case["as"].as_str().unwrap_or("admin");
        let method = reqwest::Method::from_bytes(case["method"].as_str().unwrap().as_bytes())
            .expect("method");
        let url = format!("{}{}", self.server.url(), case["path"].as_str().unwrap());
        let client = if who == "admin" {
            &self.admin
        } else {
            &self.plain
        };
        let mut req = client
            .request(method, url)
            .header("user-agent", USER_AGENT)
            .header("accept", case["accept"].as_str().unwrap_or("*/*"));
        match who {
            "sa" => {
                let token = self.sa_token().await;
                req = req.bearer_auth(token);
            }
            "badtoken" => req = req.bearer_auth("not-a-token"),
            _ => {}
        }
        for (k, v) in case["headers"].as_object().into_iter().flatten() {
            req = req.header(k.as_str(), v.as_str().unwrap_or_default());
        }
        let content_type = case["content_type"].as_str().unwrap_or("application/json");
        if let Some(j) = case.get("json") {
            req = req
                .header("content-type", content_type)
                .body(python_dumps(j, false));
        } else if let Some(raw) = case["raw"].as_str() {
            req = req
                .header("content-type", content_type)
                .body(raw.to_string());
        }
        let r = req.send().await.expect("request");
        let status = r.status().as_u16();
        let json = r
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|ct| ct.contains("json"));
        let text = r.text().await.unwrap_or_default();
        let body = match serde_json::from_str::<Value>(&text) {
            Ok(v) if json => normalise(&v),
            _ => Value::String(text.trim().to_string()),
        };
        (status, body)
    }
}

/// Waits until the wall clock is early in a second.
async fn start_of_a_second() {
    let ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.subsec_millis());
    if ms > 100 {
        tokio::time::sleep(Duration::from_millis(u64::from(1000 - ms))).await;
    }
}

fn creates_token_secret(case: &Value) -> bool {
    case["method"] == "POST"
        && case["json"]["type"] == "kubernetes.io/service-account-token"
        && case["answer"]["status"] == 201
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fresh_mock_answers_as_kube_apiserver_1_36_did() {
    let cases: Vec<Value> = serde_json::from_str(ANSWERS).expect("the recorded answers");
    assert_eq!(cases.len(), 44);
    let server = MockServer::builder()
        .server_version("v1.36.2")
        .start()
        .await
        .unwrap();
    let mut replayer = Replayer {
        server: &server,
        admin: admin(&server),
        plain: anonymous(&server),
        sa_token: None,
    };
    let mut differences = Vec::new();
    for case in &cases {
        let sleep = case["sleep"].as_u64().unwrap_or(0);
        if sleep > 0 {
            let real = sleep.min(3);
            tokio::time::sleep(Duration::from_secs(real)).await;
            server.advance_clock(Duration::from_secs(sleep - real));
        }
        if creates_token_secret(case) {
            start_of_a_second().await;
        }
        let (status, body) = replayer.send(case).await;
        let want_status = case["answer"]["status"].as_u64().unwrap_or(0);
        let want_body = &case["answer"]["body"];
        let diff = if u64::from(status) != want_status {
            Some(format!("status {want_status} != {status}"))
        } else {
            first_difference(want_body, &body, "")
        };
        if let Some(d) = diff {
            differences.push(format!(
                "{} ({} {}): {d}\n  got: {body}",
                case["name"].as_str().unwrap_or("?"),
                case["method"].as_str().unwrap_or("?"),
                case["path"].as_str().unwrap_or("?"),
            ));
        }
    }
    assert!(
        differences.is_empty(),
        "{} of {} answers differ from kube-apiserver 1.36.2's:\n{}",
        differences.len(),
        cases.len(),
        differences.join("\n")
    );
}

#[test]
fn the_normaliser_masks_what_conformance_py_masks() {
    let v = serde_json::json!({
        "metadata": {"uid": "x", "name": "web-abcde", "generateName": "web-", "labels": null},
        "message": "uid 0b1c2d3e-aaaa-bbbb-cccc-0123456789ab at https://127.0.0.1:6443/x token eyJa.b-c.d_e!",
        "ref": "web-abcde",
        "kind": "Table",
        "rows": [{"cells": ["web", "5m10s", "", "1"]}],
    });
    let n = normalise(&v);
    assert_eq!(n["metadata"]["uid"], "<uid>");
    assert_eq!(n["metadata"]["labels"], Value::Null);
    assert_eq!(n["ref"], "web-<rand>");
    assert_eq!(
        n["message"],
        "uid <uuid> at https://<server>/x token <jwt>!"
    );
    assert_eq!(
        n["rows"][0]["cells"],
        serde_json::json!(["web", "<age>", "", "1"])
    );
    assert_eq!(
        python_dumps(&serde_json::json!({"b": [1, "é"], "a": true}), true),
        r#"{"a": true, "b": [1, "\u00e9"]}"#
    );
    let want = serde_json::json!({"a": {"b": [1, 2]}});
    let got = serde_json::json!({"a": {"b": [1, 3]}});
    assert_eq!(
        first_difference(&want, &got, "").as_deref(),
        Some("a.b[1]: 2 != 3")
    );
}
