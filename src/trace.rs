//! Show each HTTP request as a `curl` command a learner can run by hand.
//!
//! Attach a [`CurlTrace`] (or any [`Observer`]) with
//! [`Client::with_observer`](crate::client::Client::with_observer). Each attempt
//! prints the command, then one line with the response status and time:
//!
//! ```text
//! curl -X POST 'https://127.0.0.1:6443/api/v1/namespaces/default/serviceaccounts' \
//!   --cacert ca.crt \
//!   -H 'Authorization: Bearer <redacted>' \
//!   -H 'Accept: application/json' \
//!   -H 'Content-Type: application/json' \
//!   -d '{"apiVersion":"v1","kind":"ServiceAccount","metadata":{"name":"x"}}'
//! # => 201 Created (12 ms)
//! ```
//!
//! The bearer token, a TokenReview's `spec.token` and a Secret's `data` /
//! `stringData` values are replaced by `<redacted>` unless
//! [`CurlOptions::show_secrets`] is set. Private keys are never printed; the
//! command names files (`--cacert`, `--cert`, `--key`) the caller can write
//! out, because curl cannot take PEM data inline ([`CurlTrace::with_preamble`]
//! can say how). [`CurlTrace::with_response_bodies`] adds each response body on
//! one `#    ` line, redacted the same way (see [`render_response_body`]).

use std::io::Write;
use std::sync::Mutex;
use std::time::Duration;

/// TLS settings of the client, as far as a curl command needs them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TlsFlags {
    /// A CA bundle is configured (`--cacert`).
    pub ca: bool,
    /// A client certificate and key are configured (`--cert`, `--key`).
    pub client_cert: bool,
    /// `insecure-skip-tls-verify` (`-k`).
    pub insecure: bool,
}

/// One attempt of a request, as sent. `Debug` hides the token and the body.
#[derive(Clone, Copy)]
pub struct TracedRequest<'a> {
    /// `GET`, `POST`, ...
    pub method: &'a str,
    /// Full URL including the query.
    pub url: &'a str,
    /// Headers other than `Authorization` and `User-Agent`, in send order.
    pub headers: &'a [(&'a str, &'a str)],
    /// The bearer token, if one is sent. Observers must redact it unless told otherwise.
    pub bearer_token: Option<&'a str>,
    /// The JSON body, if any.
    pub body: Option<&'a [u8]>,
    /// TLS settings (ignored for `http://` URLs).
    pub tls: TlsFlags,
    /// 1 for the first attempt, 2 for the first retry, ...
    pub attempt: u32,
    /// How the request reaches the server: proxy, `--connect-to`, exec plugin credentials.
    pub route: TracedRoute<'a>,
}

/// How a request reaches the server, as far as a curl command needs it.
#[derive(Clone, Copy, Debug, Default)]
pub struct TracedRoute<'a> {
    /// The proxy in use (`--proxy`; its password redacted unless secrets are shown).
    pub proxy: Option<&'a crate::client::proxy::ProxyChoice>,
    /// An environment proxy exists but is not used for this server (`--noproxy '*'`).
    pub bypass_env_proxy: bool,
    /// `--connect-to` when the URL's host is the `tls-server-name` (sent as SNI).
    pub connect_to: Option<&'a str>,
    /// Set when an exec plugin supplied the credentials: what it supplied and which plugin.
    /// Its credentials are never printed.
    pub exec_plugin: Option<&'a str>,
}

impl std::fmt::Debug for TracedRequest<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TracedRequest")
            .field("method", &self.method)
            .field("url", &self.url)
            .field("headers", &self.headers)
            .field("bearer_token", &self.bearer_token.map(|_| "<redacted>"))
            .field("body", &self.body.map(|b| format!("<{} bytes>", b.len())))
            .field("tls", &self.tls)
            .field("attempt", &self.attempt)
            .field("route", &self.route.connect_to)
            .finish()
    }
}

/// How one attempt ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TracedOutcome {
    /// The server answered.
    Status {
        /// HTTP status code.
        code: u16,
        /// Texts of the `Warning` headers (what kubectl prints as `Warning: ...`).
        warnings: Vec<String>,
    },
    /// No HTTP response (connection, TLS or timeout error), described.
    Failed(String),
}

/// Receives every request attempt and its outcome. Implementations must be cheap
/// and must not panic; they run inline with the request.
pub trait Observer: Send + Sync {
    /// Called just before an attempt is sent.
    fn request(&self, req: &TracedRequest<'_>);
    /// Called when the attempt has a status (or failed), with the time it took.
    fn response(&self, req: &TracedRequest<'_>, outcome: &TracedOutcome, elapsed: Duration);
    /// Called after [`Observer::response`] with the response body, when the server
    /// answered. The body may hold secrets (Secret data, tokens): redact before showing.
    fn response_body(&self, req: &TracedRequest<'_>, code: u16, body: &[u8]) {
        let _ = (req, code, body);
    }
}

/// Options for [`CurlTrace`] / [`render_curl`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CurlOptions {
    /// Print the real bearer token instead of `<redacted>`.
    pub show_secrets: bool,
    /// File name used for `--cacert`.
    pub ca_file: String,
    /// File name used for `--cert`.
    pub cert_file: String,
    /// File name used for `--key`.
    pub key_file: String,
}

impl Default for CurlOptions {
    fn default() -> Self {
        CurlOptions {
            show_secrets: false,
            ca_file: "ca.crt".into(),
            cert_file: "client.crt".into(),
            key_file: "client.key".into(),
        }
    }
}

/// An [`Observer`] that writes each attempt as a curl command to a writer (e.g. stderr).
pub struct CurlTrace {
    out: Mutex<Box<dyn Write + Send>>,
    options: CurlOptions,
    bodies: bool,
    token_file: Option<String>,
    /// Written once, before the first request; taken when written.
    preamble: Mutex<Option<String>>,
}

impl CurlTrace {
    /// Trace to `out` with `options`.
    pub fn new(out: Box<dyn Write + Send>, options: CurlOptions) -> Self {
        CurlTrace {
            out: Mutex::new(out),
            options,
            bodies: false,
            token_file: None,
            preamble: Mutex::new(None),
        }
    }

    /// Also print each response body after its status line, compactly and redacted
    /// (see [`render_response_body`]).
    pub fn with_response_bodies(mut self, on: bool) -> Self {
        self.bodies = on;
        self
    }

    /// The bearer token comes from this file (`tokenFile`): while secrets are hidden,
    /// commands read it with `$(cat FILE)` instead of showing `<redacted>`, so they still run.
    pub fn with_token_file(mut self, path: Option<String>) -> Self {
        self.token_file = path;
        self
    }

    /// Text (e.g. `#` comment lines saying how to write the files the commands name)
    /// written once, just before the first request's command.
    pub fn with_preamble(self, text: Option<String>) -> Self {
        *self.preamble.lock().unwrap_or_else(|e| e.into_inner()) = text;
        self
    }

    /// Trace to standard error with default options (token redacted).
    pub fn stderr() -> Self {
        CurlTrace::new(Box::new(std::io::stderr()), CurlOptions::default())
    }

    fn write(&self, text: &str) {
        let mut out = self.out.lock().unwrap_or_else(|e| e.into_inner());
        // A broken trace sink must never fail the request being traced.
        let _ = out.write_all(text.as_bytes());
        let _ = out.flush();
    }
}

/// Each command is written with its outcome, when the answer arrives: requests sent at
/// once (setup's access reviews) then show as whole blocks, in the order they finished.
impl Observer for CurlTrace {
    fn request(&self, _req: &TracedRequest<'_>) {}

    fn response(&self, req: &TracedRequest<'_>, outcome: &TracedOutcome, elapsed: Duration) {
        let mut text = self
            .preamble
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
            .unwrap_or_default();
        let token_expr = match &self.token_file {
            Some(path) if !self.options.show_secrets => {
                Some(format!("$(cat {})", shell_quote(path)))
            }
            _ => None,
        };
        text.push_str(&render(req, &self.options, token_expr.as_deref()));
        text.push_str(&render_outcome(outcome, elapsed));
        self.write(&text);
    }

    fn response_body(&self, _req: &TracedRequest<'_>, _code: u16, body: &[u8]) {
        if self.bodies {
            self.write(&render_response_body(body, self.options.show_secrets));
        }
    }
}

/// The curl command for one attempt, ending in a newline. Retries are preceded
/// by a `# retry N` comment line.
pub fn render_curl(req: &TracedRequest<'_>, options: &CurlOptions) -> String {
    render(req, options, None)
}

/// [`render_curl`], with `token_expr` (a shell expression such as `$(cat FILE)`) in place
/// of a redacted token.
fn render(req: &TracedRequest<'_>, options: &CurlOptions, token_expr: Option<&str>) -> String {
    let mut lines = vec![format!("curl -X {} {}", req.method, shell_quote(req.url))];
    let route = &req.route;
    if let Some(p) = route.proxy {
        lines.push(format!(
            "--proxy {}",
            shell_quote(&p.curl_form(options.show_secrets))
        ));
        // kubectl checks an https:// proxy's certificate with the cluster's TLS settings.
        if p.url.scheme() == "https" {
            if req.tls.insecure {
                lines.push("--proxy-insecure".into());
            } else if req.tls.ca {
                lines.push(format!("--proxy-cacert {}", shell_quote(&options.ca_file)));
            }
        }
    } else if route.bypass_env_proxy {
        lines.push("--noproxy '*'".into());
    }
    if let Some(c) = route.connect_to {
        lines.push(format!("--connect-to {}", shell_quote(c)));
    }
    if req.url.starts_with("https://") {
        if req.tls.insecure {
            lines.push("-k".into());
        } else if req.tls.ca {
            lines.push(format!("--cacert {}", shell_quote(&options.ca_file)));
        }
        if req.tls.client_cert {
            lines.push(format!("--cert {}", shell_quote(&options.cert_file)));
            lines.push(format!("--key {}", shell_quote(&options.key_file)));
        }
    }
    if let (Some(_), Some(_)) = (req.bearer_token, route.exec_plugin) {
        lines.push(format!(
            "-H {}",
            shell_quote("Authorization: Bearer <redacted>")
        ));
    } else if let (Some(_), Some(expr)) = (req.bearer_token, token_expr) {
        // Double quotes so the shell expands the expression.
        lines.push(format!("-H \"Authorization: Bearer {expr}\""));
    } else if let Some(token) = req.bearer_token {
        let shown = if options.show_secrets {
            token
        } else {
            "<redacted>"
        };
        lines.push(format!(
            "-H {}",
            shell_quote(&format!("Authorization: Bearer {shown}"))
        ));
    }
    for (name, value) in req.headers {
        lines.push(format!("-H {}", shell_quote(&format!("{name}: {value}"))));
    }
    if let Some(body) = req.body {
        let text = if options.show_secrets {
            String::from_utf8_lossy(body).into_owned()
        } else {
            redact_body(body)
        };
        lines.push(format!("-d {}", shell_quote(&text)));
    }
    let mut out = String::new();
    if req.attempt > 1 {
        out.push_str(&format!("# retry {}\n", req.attempt - 1));
    }
    if let Some(note) = route.exec_plugin {
        out.push_str(&format!("# {note}\n"));
    }
    out.push_str(&lines.join(" \\\n  "));
    out.push('\n');
    out
}

/// `# => 201 Created (12 ms)` or `# => failed: <why> (30000 ms)`, with a newline,
/// then one `# warning: <text>` line per server warning.
pub fn render_outcome(outcome: &TracedOutcome, elapsed: Duration) -> String {
    let ms = elapsed.as_millis();
    match outcome {
        TracedOutcome::Status { code, warnings } => {
            let reason = reqwest::StatusCode::from_u16(*code)
                .ok()
                .and_then(|s| s.canonical_reason())
                .unwrap_or("");
            let sep = if reason.is_empty() { "" } else { " " };
            let mut out = format!("# => {code}{sep}{reason} ({ms} ms)\n");
            for w in warnings {
                out.push_str(&format!("# warning: {w}\n"));
            }
            out
        }
        TracedOutcome::Failed(why) => format!("# => failed: {why} ({ms} ms)\n"),
    }
}

/// Longest response body line [`render_response_body`] prints, in characters.
pub const BODY_LIMIT: usize = 300;

/// A response body as one `#    ` comment line with a newline: JSON compacted to one
/// line without `metadata.managedFields` (as `kubectl get -o yaml` leaves them out), secrets
/// redacted (as in request bodies, plus a TokenRequest's `status.token` and the Secrets in
/// a list's `items`) unless `show_secrets`, then cut at [`BODY_LIMIT`] characters with `…`.
/// An empty body prints nothing.
pub fn render_response_body(body: &[u8], show_secrets: bool) -> String {
    let text = match serde_json::from_slice::<serde_json::Value>(body) {
        Ok(mut v) => {
            without_managed_fields(&mut v);
            if !show_secrets {
                redact_value(&mut v);
            }
            v.to_string()
        }
        Err(_) => String::from_utf8_lossy(body)
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" "),
    };
    if text.is_empty() {
        return String::new();
    }
    // Cut after redaction, so a cut can never expose part of a secret.
    let mut shown: String = text.chars().take(BODY_LIMIT).collect();
    if shown.len() < text.len() {
        shown.push('…');
    }
    format!("#    {shown}\n")
}

/// Drops `metadata.managedFields` of an object and of each of a list's `items`: a real
/// server's answers carry them, and in a line cut at [`BODY_LIMIT`] characters they would
/// crowd out the fields a reader looks for.
fn without_managed_fields(v: &mut serde_json::Value) {
    if let Some(meta) = v.get_mut("metadata").and_then(|m| m.as_object_mut()) {
        meta.remove("managedFields");
    }
    if let Some(items) = v.get_mut("items").and_then(|i| i.as_array_mut()) {
        items.iter_mut().for_each(without_managed_fields);
    }
}

/// A JSON request body with secret values replaced by `<redacted>` (see
/// [`redact_value`]). Bodies that are not JSON objects are printed as they are.
fn redact_body(body: &[u8]) -> String {
    match serde_json::from_slice::<serde_json::Value>(body) {
        Ok(mut v) if v.is_object() => {
            redact_value(&mut v);
            v.to_string()
        }
        _ => String::from_utf8_lossy(body).into_owned(),
    }
}

/// Redacts in place: `spec.token` (TokenReview), `status.token` (TokenRequest), the
/// values of `data` / `stringData` (Secret), and the same in each of `items` (lists).
fn redact_value(v: &mut serde_json::Value) {
    let Some(obj) = v.as_object_mut() else {
        return;
    };
    let hidden = || serde_json::Value::String("<redacted>".into());
    for part in ["spec", "status"] {
        if let Some(token) = obj
            .get_mut(part)
            .and_then(|s| s.as_object_mut())
            .and_then(|s| s.get_mut("token"))
        {
            *token = hidden();
        }
    }
    for key in ["data", "stringData"] {
        if let Some(map) = obj.get_mut(key).and_then(|d| d.as_object_mut()) {
            for v in map.values_mut() {
                *v = hidden();
            }
        }
    }
    if let Some(items) = obj.get_mut("items").and_then(|i| i.as_array_mut()) {
        items.iter_mut().for_each(redact_value);
    }
}

/// Quote for a POSIX shell: bare if only safe characters, else single quotes.
fn shell_quote(s: &str) -> String {
    let safe = !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_./:=@,+%".contains(&b));
    if safe {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const JSON: &[(&str, &str)] = &[
        ("Accept", "application/json"),
        ("Content-Type", "application/json"),
    ];

    fn post() -> TracedRequest<'static> {
        TracedRequest {
            method: "POST",
            url: "https://127.0.0.1:6443/api/v1/namespaces/default/serviceaccounts",
            headers: JSON,
            bearer_token: Some("eyJhbGciOi.secret.sig"),
            body: Some(br#"{"apiVersion":"v1","kind":"ServiceAccount","metadata":{"name":"x"}}"#),
            tls: TlsFlags {
                ca: true,
                ..Default::default()
            },
            attempt: 1,
            route: TracedRoute::default(),
        }
    }

    #[test]
    fn post_with_token_redacted() {
        assert_eq!(
            render_curl(&post(), &CurlOptions::default()),
            "curl -X POST https://127.0.0.1:6443/api/v1/namespaces/default/serviceaccounts \\\n  \
             --cacert ca.crt \\\n  \
             -H 'Authorization: Bearer <redacted>' \\\n  \
             -H 'Accept: application/json' \\\n  \
             -H 'Content-Type: application/json' \\\n  \
             -d '{\"apiVersion\":\"v1\",\"kind\":\"ServiceAccount\",\"metadata\":{\"name\":\"x\"}}'\n"
        );
    }

    #[test]
    fn debug_hides_token_and_body() {
        let dbg = format!("{:?}", post());
        assert!(
            !dbg.contains("secret") && !dbg.contains("ServiceAccount"),
            "{dbg}"
        );
    }

    #[test]
    fn token_shown_only_on_request() {
        let opts = CurlOptions {
            show_secrets: true,
            ..Default::default()
        };
        let s = render_curl(&post(), &opts);
        assert!(
            s.contains("-H 'Authorization: Bearer eyJhbGciOi.secret.sig'"),
            "{s}"
        );
        assert!(!render_curl(&post(), &CurlOptions::default()).contains("secret"));
    }

    #[test]
    fn client_cert_insecure_query_and_retry() {
        let req = TracedRequest {
            method: "GET",
            url: "https://127.0.0.1:6443/api/v1/namespaces/default/pods?fieldSelector=metadata.name%3Dx&limit=500",
            headers: &[("Accept", "application/json")],
            bearer_token: None,
            body: None,
            tls: TlsFlags {
                ca: true,
                client_cert: true,
                insecure: true,
            },
            attempt: 3,
            route: TracedRoute::default(),
        };
        let opts = CurlOptions {
            key_file: "my key.pem".into(),
            ..Default::default()
        };
        assert_eq!(
            render_curl(&req, &opts),
            "# retry 2\n\
             curl -X GET 'https://127.0.0.1:6443/api/v1/namespaces/default/pods?fieldSelector=metadata.name%3Dx&limit=500' \\\n  \
             -k \\\n  \
             --cert client.crt \\\n  \
             --key 'my key.pem' \\\n  \
             -H 'Accept: application/json'\n"
        );
    }

    #[test]
    fn plain_http_has_no_tls_flags_and_quotes_are_escaped() {
        let req = TracedRequest {
            method: "PUT",
            url: "http://127.0.0.1:8080/api/v1/namespaces/default/secrets/s",
            headers: &[],
            bearer_token: None,
            body: Some(br#"{"metadata":{"annotations":{"k":"it's"}}}"#),
            tls: TlsFlags {
                ca: true,
                ..Default::default()
            },
            attempt: 1,
            route: TracedRoute::default(),
        };
        assert_eq!(
            render_curl(&req, &CurlOptions::default()),
            "curl -X PUT http://127.0.0.1:8080/api/v1/namespaces/default/secrets/s \\\n  \
             -d '{\"metadata\":{\"annotations\":{\"k\":\"it'\\''s\"}}}'\n"
        );
    }

    #[test]
    fn secret_values_in_bodies_are_redacted_unless_asked() {
        let mut req = post();
        req.body = Some(br#"{"kind":"TokenReview","spec":{"token":"eyJsecret"}}"#);
        let s = render_curl(&req, &CurlOptions::default());
        assert!(!s.contains("eyJsecret"), "{s}");
        assert!(
            s.contains(r#"{"kind":"TokenReview","spec":{"token":"<redacted>"}}"#),
            "{s}"
        );

        req.body = Some(br#"{"kind":"Secret","data":{"token":"c2VjcmV0"},"stringData":{"p":"pw"},"type":"Opaque"}"#);
        let s = render_curl(&req, &CurlOptions::default());
        assert!(
            s.contains(r#"{"kind":"Secret","data":{"token":"<redacted>"},"stringData":{"p":"<redacted>"},"type":"Opaque"}"#),
            "{s}"
        );
        let shown = CurlOptions {
            show_secrets: true,
            ..Default::default()
        };
        assert!(render_curl(&req, &shown).contains("c2VjcmV0"));
        // A TokenRequest has no secret on the way in: printed unchanged.
        req.body = Some(br#"{"kind":"TokenRequest","spec":{"audiences":["a"]}}"#);
        assert!(render_curl(&req, &CurlOptions::default()).contains(r#""audiences":["a"]"#));
    }

    #[test]
    fn response_bodies_are_one_line_and_redacted_unless_asked() {
        let secret = br#"{"kind":"Secret","data":{"token":"c2VjcmV0"},
            "stringData":{"password":"hunter2"},"type":"Opaque"}"#;
        assert_eq!(
            render_response_body(secret, false),
            "#    {\"kind\":\"Secret\",\"data\":{\"token\":\"<redacted>\"},\
             \"stringData\":{\"password\":\"<redacted>\"},\"type\":\"Opaque\"}\n"
        );
        let shown = render_response_body(secret, true);
        assert!(
            shown.contains("c2VjcmV0") && shown.contains("hunter2"),
            "{shown}"
        );

        let list = br#"{"kind":"SecretList","items":[{"data":{"token":"c2VjcmV0"}}]}"#;
        let hidden = render_response_body(list, false);
        assert!(!hidden.contains("c2VjcmV0"), "{hidden}");
        assert!(hidden.contains(r#""token":"<redacted>""#), "{hidden}");

        let token_request =
            br#"{"kind":"TokenRequest","status":{"token":"eyJhbGciOi.x.y","expirationTimestamp":"t"}}"#;
        let hidden = render_response_body(token_request, false);
        assert!(!hidden.contains("eyJ"), "{hidden}");
        assert!(hidden.contains(r#""expirationTimestamp":"t""#), "{hidden}");
        assert!(render_response_body(token_request, true).contains("eyJhbGciOi.x.y"));
    }

    #[test]
    fn response_bodies_leave_out_managed_fields_of_objects_and_list_items() {
        let obj = br#"{"kind":"ServiceAccount","metadata":{"name":"a","managedFields":[{"manager":"m"}]}}"#;
        assert_eq!(
            render_response_body(obj, true),
            "#    {\"kind\":\"ServiceAccount\",\"metadata\":{\"name\":\"a\"}}\n"
        );
        let list = br#"{"kind":"List","metadata":{},"items":[{"metadata":{"name":"a","managedFields":[]}}]}"#;
        assert_eq!(
            render_response_body(list, false),
            "#    {\"kind\":\"List\",\"metadata\":{},\"items\":[{\"metadata\":{\"name\":\"a\"}}]}\n"
        );
    }

    #[test]
    fn long_bodies_are_cut_after_redaction_and_empty_ones_print_nothing() {
        let long = format!(r#"{{"kind":"X","note":"{}"}}"#, "é".repeat(400));
        let line = render_response_body(long.as_bytes(), false);
        let shown = line
            .strip_prefix("#    ")
            .unwrap()
            .strip_suffix('\n')
            .unwrap();
        assert_eq!(shown.chars().count(), BODY_LIMIT + 1);
        assert!(shown.ends_with('…'), "{shown}");
        // A secret past the cut stays hidden; a cut never reveals part of it.
        let late = format!(
            r#"{{"metadata":{{"name":"{}"}},"data":{{"k":"c2VjcmV0"}}}}"#,
            "n".repeat(280)
        );
        assert!(!render_response_body(late.as_bytes(), false).contains("c2V"));
        assert_eq!(render_response_body(b"", false), "");
        assert_eq!(
            render_response_body(b"404 page\nnot found\n", false),
            "#    404 page not found\n"
        );
    }

    #[test]
    fn curl_trace_prints_preamble_once_token_file_and_bodies() {
        let sink = Sink::default();
        let trace = CurlTrace::new(Box::new(sink.clone()), CurlOptions::default())
            .with_preamble(Some("# write the files\n".into()))
            .with_token_file(Some("/run/my token".into()))
            .with_response_bodies(true);
        let outcome = TracedOutcome::Status {
            code: 201,
            warnings: vec![],
        };
        for _ in 0..2 {
            trace.request(&post());
            trace.response(&post(), &outcome, Duration::from_millis(3));
            trace.response_body(&post(), 201, br#"{"kind":"ServiceAccount"}"#);
        }
        let text = sink.text();
        assert!(
            text.starts_with("# write the files\ncurl -X POST "),
            "{text}"
        );
        assert_eq!(text.matches("# write the files").count(), 1, "{text}");
        assert!(
            text.contains(r#"-H "Authorization: Bearer $(cat '/run/my token')""#),
            "{text}"
        );
        assert!(
            text.contains("# => 201 Created (3 ms)\n#    {\"kind\":\"ServiceAccount\"}\n"),
            "{text}"
        );
        // Without with_response_bodies, no body lines.
        let quiet_sink = Sink::default();
        let quiet = CurlTrace::new(Box::new(quiet_sink.clone()), CurlOptions::default());
        quiet.response_body(&post(), 201, br#"{"kind":"ServiceAccount"}"#);
        assert_eq!(quiet_sink.text(), "");
    }

    #[derive(Clone, Default)]
    struct Sink(std::sync::Arc<Mutex<Vec<u8>>>);

    impl Sink {
        fn text(&self) -> String {
            String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
        }
    }

    impl Write for Sink {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn outcome_lines() {
        assert_eq!(
            render_outcome(
                &TracedOutcome::Status {
                    code: 201,
                    warnings: vec![]
                },
                Duration::from_millis(12)
            ),
            "# => 201 Created (12 ms)\n"
        );
        assert_eq!(
            render_outcome(
                &TracedOutcome::Status {
                    code: 403,
                    warnings: vec![]
                },
                Duration::from_micros(1500)
            ),
            "# => 403 Forbidden (1 ms)\n"
        );
        assert_eq!(
            render_outcome(
                &TracedOutcome::Status {
                    code: 599,
                    warnings: vec![]
                },
                Duration::ZERO
            ),
            "# => 599 (0 ms)\n"
        );
        let warned = TracedOutcome::Status {
            code: 201,
            warnings: vec!["requested expiration of 7200 seconds shortened to 3600 seconds".into()],
        };
        assert_eq!(
            render_outcome(&warned, Duration::from_millis(4)),
            "# => 201 Created (4 ms)\n# warning: requested expiration of 7200 seconds shortened to 3600 seconds\n"
        );
        assert_eq!(
            render_outcome(
                &TracedOutcome::Failed("connection refused".into()),
                Duration::from_millis(3)
            ),
            "# => failed: connection refused (3 ms)\n"
        );
    }

    #[test]
    fn curl_trace_writes_to_its_sink() {
        #[derive(Clone, Default)]
        struct Buf(std::sync::Arc<Mutex<Vec<u8>>>);
        impl Write for Buf {
            fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
                self.0.lock().unwrap().extend_from_slice(b);
                Ok(b.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let buf = Buf::default();
        let t = CurlTrace::new(Box::new(buf.clone()), CurlOptions::default());
        let req = post();
        t.request(&req);
        t.response(
            &req,
            &TracedOutcome::Status {
                code: 201,
                warnings: vec![],
            },
            Duration::from_millis(5),
        );
        let text = String::from_utf8(buf.0.lock().unwrap().clone()).unwrap();
        assert!(text.starts_with("curl -X POST "), "{text}");
        assert!(text.ends_with("}'\n# => 201 Created (5 ms)\n"), "{text}");
    }
}
