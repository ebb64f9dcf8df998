//! Entry points for the fuzz targets in `fuzz/` and for the tests that replay their corpora.
//!
//! Each function takes the fuzzer's raw bytes, runs one of rawkube's parsers on them and does
//! with the result what rawkube does (render, resolve, evaluate), so a panic anywhere on that
//! path is found. Where a property must hold for every input (a written kubeconfig reads back
//! as the same config, a trace never depends on the redacted token, every printed argument
//! survives the shell), the function asserts it, so the fuzzer reports a violation as a crash.
//! Bad input must never panic: each of these returns quietly when the parser rejects it.
//!
//! `cargo fuzz run <target>` in `fuzz/` drives them (see `FUZZING.md`); the integration test
//! `fuzz_corpus` runs every committed corpus and regression input through the same functions,
//! so CI keeps found bugs fixed without a fuzzer.

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, UNIX_EPOCH};

use serde_json::Value;

use crate::kubeconfig::load::{self, Kubeconfig, KubeconfigFile, LoadOptions};
use crate::kubeconfig::view::ViewOptions;
use crate::kubeconfig::{Config, Overrides, write};
use crate::output::{JsonPath, Model};
use crate::trace::{
    self, CurlOptions, Observer, TlsFlags, TracedOutcome, TracedRequest, TracedRoute,
};

/// A fuzz target: its name (a binary in `fuzz/fuzz_targets/`, a directory under
/// `fuzz/corpus/` and `fuzz/regressions/`) and its entry function.
pub type Target = (&'static str, fn(&[u8]));

/// The fuzz targets of this crate.
pub const TARGETS: &[Target] = &[
    ("kubeconfig", kubeconfig),
    ("jwt", jwt),
    ("jsonpath", jsonpath),
    ("trace", trace),
    ("duration", duration),
];

/// Splits at the first `\n`: (first line, rest). No newline: (all, empty).
fn first_line(data: &[u8]) -> (&[u8], &[u8]) {
    match data.iter().position(|&b| b == b'\n') {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &[]),
    }
}

/// Kubeconfig loading: a file's bytes as `--kubeconfig` reads them, then what rawkube does with
/// a loaded file: render it as kubectl writes it (which must read back to the same bytes), view
/// it (redacted and minified), list its contexts and resolve each context without touching the
/// file system (file references are dropped; `*-data` fields are decoded).
pub fn kubeconfig(data: &[u8]) {
    let path = Path::new("fuzz.kubeconfig");
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(documents) = load::parse_documents(path, text) else {
        return;
    };
    for doc in &documents {
        let rendered = write::render(doc);
        let again = load::parse_documents(path, &rendered).unwrap_or_else(|e| {
            panic!("a rendered kubeconfig does not parse: {e}\n--- rendered:\n{rendered}")
        });
        assert_eq!(again.len(), 1, "rendered:\n{rendered}");
        assert_eq!(
            write::render(&again[0]),
            rendered,
            "rendering is not stable across a write and a read"
        );
    }
    let documents: Vec<Config> = documents.into_iter().map(without_file_refs).collect();
    let kc = Kubeconfig {
        options: LoadOptions::file(path),
        files: vec![KubeconfigFile {
            path: path.to_path_buf(),
            exists: true,
            documents,
        }],
        read: Default::default(),
    };
    let merged = kc.merged();
    let _ = write::render(&merged);
    let _ = crate::kubeconfig::view::to_json(&merged);
    let _ = kc.get_contexts(&[], false, false);
    let _ = kc.view(&ViewOptions {
        minify: true,
        ..Default::default()
    });
    let _ = kc.resolve(&Overrides::default());
    for c in merged.contexts.iter().take(4) {
        let _ = kc.resolve(&Overrides {
            context: Some(c.name.clone()),
            ..Default::default()
        });
    }
}

/// Drops every field that names a file, so resolving reads nothing from disk.
fn without_file_refs(mut c: Config) -> Config {
    for cl in &mut c.clusters {
        cl.cluster.certificate_authority = None;
    }
    for u in &mut c.users {
        u.user.client_certificate = None;
        u.user.client_key = None;
        u.user.token_file = None;
    }
    c
}

/// JWT decoding as `rawkube token decode` and setup's token reuse do it: decode, classify,
/// read the claims and describe the expiry.
pub fn jwt(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let Ok(jwt) = crate::jwt::decode(&text) else {
        return;
    };
    let _ = (jwt.algorithm(), jwt.key_id(), jwt.issuer(), jwt.subject());
    let _ = (jwt.audiences(), jwt.issued_at(), jwt.kind());
    let now = UNIX_EPOCH + Duration::from_secs(1_800_000_000);
    let _ = jwt.describe_expiry(now);
    let _ = jwt.describe_expiry(UNIX_EPOCH);
}

/// A fixed object for templates whose input has no JSON document of its own.
fn sample_object() -> Value {
    serde_json::json!({
        "apiVersion": "v1", "kind": "List",
        "items": [
            {"kind": "Pod", "metadata": {"name": "a", "labels": {"app": "x", "n": "3"}},
             "spec": {"containers": [{"name": "c", "image": "i", "ports": [{"containerPort": 80}]}]},
             "status": {"phase": "Running", "ratio": 0.5, "ok": true, "none": null}},
            {"kind": "Secret", "metadata": {"name": "b"}, "data": {"token": "dA=="}, "n": 1e21}
        ]
    })
}

/// The JSONPath parser and evaluator, as `-o jsonpath=` uses them. Input: the template on the
/// first line, then optionally a JSON document to run it on (else a fixed list of objects).
/// Runs with both `--allow-missing-template-keys` settings, both number models and
/// `jsonpath-as-json`. Runs with a work bound of 100 000 steps instead of 10 million, so
/// runaway templates fail fast.
pub fn jsonpath(data: &[u8]) {
    let (template, rest) = first_line(data);
    let template = String::from_utf8_lossy(template);
    let Ok(path) = JsonPath::parse(&template) else {
        return;
    };
    let path = path.work_limit(100_000);
    let object = serde_json::from_slice(rest).unwrap_or_else(|_| sample_object());
    let _ = path.execute(&object, Model::Unstructured);
    let strict = path.allow_missing_keys(false).json_output(true);
    let _ = strict.execute(&object, Model::Typed);
}

/// A request for the `trace` target, read from the input's lines: method, URL, bearer token
/// (empty for none), flags (`s` show secrets, `c` CA, `k` insecure, `m` client certificate,
/// `t` token file, `n` no proxy, `x` `--connect-to`, a digit for the attempt), an outcome (a status code, or any other text for
/// a failure), headers as `name: value` lines up to an empty line, then the body.
struct TraceInput {
    method: String,
    url: String,
    token: Option<String>,
    flags: String,
    outcome: String,
    headers: Vec<(String, String)>,
    body: Option<Vec<u8>>,
}

impl TraceInput {
    fn parse(data: &[u8]) -> TraceInput {
        let mut rest = data;
        let mut line = || {
            let (l, r) = first_line(rest);
            rest = r;
            String::from_utf8_lossy(l).into_owned()
        };
        let (method, url, token, flags, outcome) = (line(), line(), line(), line(), line());
        let mut headers = Vec::new();
        loop {
            let h = line();
            if h.is_empty() {
                break;
            }
            let (name, value) = h.split_once(':').unwrap_or((&h, ""));
            headers.push((name.to_string(), value.trim_start().to_string()));
        }
        TraceInput {
            method,
            url,
            token: Some(token).filter(|t| !t.is_empty()),
            flags,
            outcome,
            headers,
            body: Some(rest.to_vec()).filter(|b| !b.is_empty()),
        }
    }
}

/// `--show-http` rendering: the curl command, the outcome line and the response body line.
/// Checks that each curl argument reads back through the shell exactly as sent, that the
/// output with the token redacted does not depend on the token, and that outcome and body
/// lines are comments that cannot start a command of their own.
pub fn trace(data: &[u8]) {
    let input = TraceInput::parse(data);
    let headers: Vec<(&str, &str)> = input
        .headers
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    let has = |c: char| input.flags.contains(c);
    let attempt = input
        .flags
        .chars()
        .find_map(|c| c.to_digit(10))
        .unwrap_or(1);
    let req = TracedRequest {
        method: &input.method,
        url: &input.url,
        headers: &headers,
        bearer_token: input.token.as_deref(),
        body: input.body.as_deref(),
        tls: TlsFlags {
            ca: has('c'),
            client_cert: has('m'),
            insecure: has('k'),
        },
        attempt,
        route: TracedRoute {
            bypass_env_proxy: has('n'),
            connect_to: has('x').then_some("kubernetes.default:443:127.0.0.1:6443"),
            ..Default::default()
        },
    };
    let options = CurlOptions {
        show_secrets: has('s'),
        ..Default::default()
    };
    let token_file = has('t').then(|| "/tmp/fuzz token".to_string());
    let curl = render_request(&req, &options, token_file.clone());
    let token_expr = token_file.filter(|_| !options.show_secrets);
    check_curl_words(&req, &options, token_expr.as_deref(), &curl);
    if !options.show_secrets {
        let other = TracedRequest {
            bearer_token: input.token.as_ref().map(|_| "another-token"),
            ..req
        };
        assert_eq!(
            render_request(&other, &options, token_expr),
            curl,
            "a redacted trace depends on the token"
        );
    }
    let outcome = match input.outcome.parse::<u16>() {
        Ok(code) => TracedOutcome::Status {
            code,
            warnings: input.headers.iter().map(|(_, v)| v.clone()).collect(),
        },
        Err(_) => TracedOutcome::Failed(input.outcome.clone()),
    };
    let line = trace::render_outcome(&outcome, Duration::from_millis(u64::from(attempt)));
    assert_comment_lines(&line);
    let body = trace::render_response_body(input.body.as_deref().unwrap_or_default(), has('s'));
    assert_comment_lines(&body);
    assert!(
        body.lines().count() <= 1,
        "a response body spans lines: {body:?}"
    );
}

/// What a [`CurlTrace`](trace::CurlTrace) prints for `req`, without the outcome line.
fn render_request(
    req: &TracedRequest<'_>,
    options: &CurlOptions,
    token_file: Option<String>,
) -> String {
    #[derive(Clone, Default)]
    struct Shared(Arc<Mutex<Vec<u8>>>);
    impl std::io::Write for Shared {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let out = Shared::default();
    let tracer =
        trace::CurlTrace::new(Box::new(out.clone()), options.clone()).with_token_file(token_file);
    // The command is written once the attempt has an outcome, followed by the outcome line.
    let outcome = TracedOutcome::Failed("fuzz".into());
    tracer.response(req, &outcome, Duration::ZERO);
    let bytes = out.0.lock().unwrap_or_else(|e| e.into_inner()).clone();
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let outcome_line = trace::render_outcome(&outcome, Duration::ZERO);
    match text.strip_suffix(&outcome_line) {
        Some(command) => command.to_string(),
        None => panic!("the trace does not end with the outcome line {outcome_line:?}:\n{text}"),
    }
}

fn assert_comment_lines(text: &str) {
    for l in text.lines() {
        assert!(l.starts_with('#'), "a trace line is not a comment: {l:?}");
    }
    assert!(text.is_empty() || text.ends_with('\n'), "{text:?}");
}

/// The words a POSIX shell reads from `text`: blanks separate words, `\` + newline continues
/// the line, `\` quotes the next character, `'...'` is literal, `"..."` is literal except for `\"`, `\\`, `\$` and `` \` ``.
/// Returns `None` for anything else a shell would treat specially (unquoted `$`, `;`, ...),
/// which the trace must never print.
fn shell_words(text: &str) -> Option<Vec<String>> {
    let mut words = Vec::new();
    let mut word: Option<String> = None;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            ' ' | '\t' | '\n' => {
                words.extend(word.take());
            }
            '\\' => match chars.next()? {
                '\n' => {}
                c => word.get_or_insert_with(String::new).push(c),
            },
            '\'' => {
                let w = word.get_or_insert_with(String::new);
                loop {
                    match chars.next()? {
                        '\'' => break,
                        c => w.push(c),
                    }
                }
            }
            '"' => {
                let w = word.get_or_insert_with(String::new);
                loop {
                    match chars.next()? {
                        '"' => break,
                        '\\' => match chars.next()? {
                            c @ ('"' | '\\' | '$' | '`') => w.push(c),
                            '\n' => {}
                            c => {
                                w.push('\\');
                                w.push(c);
                            }
                        },
                        c => w.push(c),
                    }
                }
            }
            c if c.is_ascii_alphanumeric() || "-_./:=@,+%".contains(c) || !c.is_ascii() => {
                word.get_or_insert_with(String::new).push(c);
            }
            _ => return None,
        }
    }
    words.extend(word);
    Some(words)
}

/// The curl command must hand curl exactly these arguments.
fn check_curl_words(
    req: &TracedRequest<'_>,
    options: &CurlOptions,
    token_file: Option<&str>,
    curl: &str,
) {
    let body = curl
        .strip_prefix(&format!("# retry {}\n", req.attempt.saturating_sub(1)))
        .unwrap_or(curl);
    let words = shell_words(body)
        .unwrap_or_else(|| panic!("the curl command is not plain shell words:\n{curl}"));
    let mut want = vec![
        "curl".to_string(),
        "-X".into(),
        req.method.into(),
        req.url.into(),
    ];
    if req.route.bypass_env_proxy {
        want.extend(["--noproxy".into(), "*".into()]);
    }
    if let Some(c) = req.route.connect_to {
        want.extend(["--connect-to".into(), c.into()]);
    }
    if req.url.starts_with("https://") {
        if req.tls.insecure {
            want.push("-k".into());
        } else if req.tls.ca {
            want.extend(["--cacert".into(), options.ca_file.clone()]);
        }
        if req.tls.client_cert {
            want.extend(["--cert".into(), options.cert_file.clone()]);
            want.extend(["--key".into(), options.key_file.clone()]);
        }
    }
    if let Some(token) = req.bearer_token {
        let shown = match token_file {
            Some(f) => format!("$(cat {})", shell_quote_for_check(f)),
            None if options.show_secrets => token.to_string(),
            None => "<redacted>".into(),
        };
        want.extend(["-H".into(), format!("Authorization: Bearer {shown}")]);
    }
    for (n, v) in req.headers {
        want.extend(["-H".into(), format!("{n}: {v}")]);
    }
    if let Some(b) = req.body {
        want.push("-d".into());
        if options.show_secrets {
            want.push(String::from_utf8_lossy(b).into_owned());
        } else {
            // Redaction may rewrite a JSON body; only its presence is checked then.
            let last = words.last().cloned().unwrap_or_default();
            want.push(last);
        }
    }
    assert_eq!(words, want, "curl command:\n{curl}");
}

/// How the token file's name appears inside `$(cat ...)` (within double quotes).
fn shell_quote_for_check(f: &str) -> String {
    format!("'{}'", f.replace('\'', r"'\''"))
}

/// Duration parsing: the `--duration`/`--timeout` flag syntax (humantime, as clap parses it),
/// the `Retry-After` header and the backoff computed from it, and how a token's expiry is
/// described. Input: one value per line.
pub fn duration(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    for value in text.lines().take(8) {
        if let Ok(d) = humantime::parse_duration(value) {
            let _ = humantime::format_duration(d).to_string();
        }
        let retry_after = crate::client::retry::parse_retry_after(Some(value));
        let policy = crate::client::retry::RetryPolicy::default();
        // A pause the server asks for is capped by max_retry_after, our own backoff by
        // max_backoff.
        let cap = match retry_after {
            Some(_) => policy.max_retry_after,
            None => policy.max_backoff,
        };
        for attempt in [0, 1, 2, 30, u32::MAX] {
            assert!(policy.delay(attempt, retry_after) <= cap);
        }
        if let Ok(exp) = value.trim().parse::<f64>() {
            let claims = serde_json::json!({ "exp": exp, "iat": exp });
            let token = format!(
                "e30.{}.x",
                base64::Engine::encode(
                    &base64::engine::general_purpose::URL_SAFE_NO_PAD,
                    claims.to_string()
                )
            );
            if let Ok(jwt) = crate::jwt::decode(&token) {
                let _ = jwt.describe_expiry(UNIX_EPOCH + Duration::from_secs(1_800_000_000));
            }
        }
    }
}
