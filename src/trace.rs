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
//! The bearer token is replaced by `<redacted>` unless
//! [`CurlOptions::show_secrets`] is set. Private keys are never printed; the
//! command names files (`--cacert`, `--cert`, `--key`) the caller can write
//! out, because curl cannot take PEM data inline.

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

/// One attempt of a request, as sent.
#[derive(Clone, Copy, Debug)]
pub struct TracedRequest<'a> {
    /// `GET`, `POST`, ...
    pub method: &'a str,
    /// Full URL including the query.
    pub url: &'a str,
    /// Headers other than `Authorization` and `User-Agent`, in send order.
    pub headers: &'a [(&'static str, &'static str)],
    /// The bearer token, if one is sent. Observers must redact it unless told otherwise.
    pub bearer_token: Option<&'a str>,
    /// The JSON body, if any.
    pub body: Option<&'a [u8]>,
    /// TLS settings (ignored for `http://` URLs).
    pub tls: TlsFlags,
    /// 1 for the first attempt, 2 for the first retry, ...
    pub attempt: u32,
}

/// How one attempt ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TracedOutcome {
    /// The server answered with this status code.
    Status(u16),
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
}

impl CurlTrace {
    /// Trace to `out` with `options`.
    pub fn new(out: Box<dyn Write + Send>, options: CurlOptions) -> Self {
        CurlTrace {
            out: Mutex::new(out),
            options,
        }
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

impl Observer for CurlTrace {
    fn request(&self, req: &TracedRequest<'_>) {
        self.write(&render_curl(req, &self.options));
    }

    fn response(&self, _req: &TracedRequest<'_>, outcome: &TracedOutcome, elapsed: Duration) {
        self.write(&render_outcome(outcome, elapsed));
    }
}

/// The curl command for one attempt, ending in a newline. Retries are preceded
/// by a `# retry N` comment line.
pub fn render_curl(req: &TracedRequest<'_>, options: &CurlOptions) -> String {
    let mut lines = vec![format!("curl -X {} {}", req.method, shell_quote(req.url))];
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
    if let Some(token) = req.bearer_token {
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
        lines.push(format!(
            "-d {}",
            shell_quote(&String::from_utf8_lossy(body))
        ));
    }
    let mut out = String::new();
    if req.attempt > 1 {
        out.push_str(&format!("# retry {}\n", req.attempt - 1));
    }
    out.push_str(&lines.join(" \\\n  "));
    out.push('\n');
    out
}

/// `# => 201 Created (12 ms)` or `# => failed: <why> (30000 ms)`, with a newline.
pub fn render_outcome(outcome: &TracedOutcome, elapsed: Duration) -> String {
    let ms = elapsed.as_millis();
    match outcome {
        TracedOutcome::Status(code) => {
            let reason = reqwest::StatusCode::from_u16(*code)
                .ok()
                .and_then(|s| s.canonical_reason())
                .unwrap_or("");
            let sep = if reason.is_empty() { "" } else { " " };
            format!("# => {code}{sep}{reason} ({ms} ms)\n")
        }
        TracedOutcome::Failed(why) => format!("# => failed: {why} ({ms} ms)\n"),
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
            body: Some(br#"{"data":{"k":"it's"}}"#),
            tls: TlsFlags {
                ca: true,
                ..Default::default()
            },
            attempt: 1,
        };
        assert_eq!(
            render_curl(&req, &CurlOptions::default()),
            "curl -X PUT http://127.0.0.1:8080/api/v1/namespaces/default/secrets/s \\\n  \
             -d '{\"data\":{\"k\":\"it'\\''s\"}}'\n"
        );
    }

    #[test]
    fn outcome_lines() {
        assert_eq!(
            render_outcome(&TracedOutcome::Status(201), Duration::from_millis(12)),
            "# => 201 Created (12 ms)\n"
        );
        assert_eq!(
            render_outcome(&TracedOutcome::Status(403), Duration::from_micros(1500)),
            "# => 403 Forbidden (1 ms)\n"
        );
        assert_eq!(
            render_outcome(&TracedOutcome::Status(599), Duration::ZERO),
            "# => 599 (0 ms)\n"
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
        t.response(&req, &TracedOutcome::Status(201), Duration::from_millis(5));
        let text = String::from_utf8(buf.0.lock().unwrap().clone()).unwrap();
        assert!(text.starts_with("curl -X POST "), "{text}");
        assert!(text.ends_with("}'\n# => 201 Created (5 ms)\n"), "{text}");
    }
}
