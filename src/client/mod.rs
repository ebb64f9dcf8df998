//! The HTTPS client: one [`Client`] per API server, built from a
//! [`ConnectionConfig`], sending [`Request`]s as JSON and mapping error
//! responses to [`Error::Api`].
//!
//! Every request carries `Accept: application/json` (unless the request sets its own
//! with [`Request::accept`], e.g. to ask for a server-side Table) and
//! `User-Agent: rawkube/<version>`; bodies are JSON. [`Request::header`] adds others. The bearer token is sent
//! only over `https://`, as client-go does, so a token never crosses the
//! network in clear text. See [`retry`] for which failures are retried.

mod auth;
pub mod exec;
pub mod proxy;
pub mod retry;
mod route;
pub mod timeout;
mod tls;

use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::Method;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::api::meta::Status;
use crate::config::{ConnectionConfig, Origin};
use crate::error::{Error, Result, status_from_unstructured};
use crate::path::Path;
use crate::trace::{Observer, TlsFlags, TracedOutcome, TracedRequest, TracedRoute};
use auth::TokenSource;
use exec::{ExecAuthenticator, ExecCredentials};
pub use retry::RetryPolicy;
use retry::{Failure, parse_retry_after};
use route::{Route, Transport};
use timeout::{attempt_limit, go_duration};

/// `User-Agent` sent with every request.
pub const USER_AGENT: &str = concat!("rawkube/", env!("CARGO_PKG_VERSION"));

const JSON: &str = "application/json";

/// Timeouts and retry settings; [`ClientOptions::default`] suits interactive use.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientOptions {
    /// Limit for establishing the TCP + TLS connection (default 10 s).
    pub connect_timeout: Duration,
    /// Limit for one attempt, from sending to the last body byte (default 30 s; `None`: none).
    pub request_timeout: Option<Duration>,
    /// Limit for a whole call, its retries and their pauses included, as client-go applies
    /// kubectl's `--request-timeout` (default `None`). When set, every request also carries
    /// it as `?timeout=` (Go's duration syntax), so the server gives up at the same time.
    pub call_timeout: Option<Duration>,
    /// Which failures are retried, and how often.
    pub retry: RetryPolicy,
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            connect_timeout: Duration::from_secs(10),
            request_timeout: Some(Duration::from_secs(30)),
            call_timeout: None,
            retry: RetryPolicy::default(),
        }
    }
}

impl ClientOptions {
    /// The options for kubectl's `--request-timeout` value `timeout`: zero means no timeout
    /// at all; otherwise it bounds every call (retries included) and every attempt, as in
    /// client-go, whose `rest.Config.Timeout` the flag sets.
    pub fn with_request_timeout(mut self, timeout: Duration) -> ClientOptions {
        if timeout.is_zero() {
            self.request_timeout = None;
            self.call_timeout = None;
        } else {
            self.request_timeout = Some(timeout);
            self.call_timeout = Some(timeout);
        }
        self
    }
}

/// A connection to one API server. Cheap to clone; clones share the connection pool.
#[derive(Clone)]
pub struct Client {
    transport: Arc<Transport>,
    exec: Option<Arc<ExecAuthenticator>>,
    server: String,
    https: bool,
    token: Arc<TokenSource>,
    tls: TlsFlags,
    origin: Origin,
    namespace: String,
    options: ClientOptions,
    observer: Option<Arc<dyn Observer>>,
    first: Arc<FirstConnection>,
}

/// Requests sent at once before any connection exists would each open their own TCP + TLS
/// connection (HTTP/2 is known only after the first handshake's ALPN). So until one request
/// has been answered, requests go one at a time; after that they share the pooled HTTP/2
/// connection.
#[derive(Debug, Default)]
struct FirstConnection {
    answered: std::sync::atomic::AtomicBool,
    gate: tokio::sync::Mutex<()>,
}

impl FirstConnection {
    fn answered(&self) -> bool {
        self.answered.load(std::sync::atomic::Ordering::Acquire)
    }
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("server", &self.server)
            .field("token", &self.token)
            .field("tls", &self.tls)
            .field("namespace", &self.namespace)
            .finish_non_exhaustive()
    }
}

/// One HTTP request: method, path (with query), optional JSON body.
/// `Debug` shows the body's size only: bodies can carry tokens and Secret data.
#[derive(Clone)]
pub struct Request {
    method: Method,
    path: Path,
    body: Option<Vec<u8>>,
    /// A `PUT` whose body carries `metadata.resourceVersion`: safe to replay.
    guarded: bool,
    /// A `POST` that stores nothing (a review, a TokenRequest): safe to replay.
    stores_nothing: bool,
    /// Extra headers, in send order; an `Accept` here replaces the default one.
    headers: Vec<(String, String)>,
    /// For a streamed 2xx body (a watch): stop reading at the first complete line this accepts.
    until: Option<LineTest>,
}

/// Tells whether one line of a streamed body (one watch event) is the last one wanted.
pub type LineTest = Arc<dyn Fn(&[u8]) -> bool + Send + Sync>;

impl Request {
    /// `GET path`.
    pub fn get(path: Path) -> Self {
        Request {
            method: Method::GET,
            path,
            body: None,
            guarded: false,
            stores_nothing: false,
            headers: Vec::new(),
            until: None,
        }
    }

    /// Reads a 2xx body that streams one JSON document per line (a watch) only until
    /// `last` accepts a complete line; the rest is never read, and the stream is closed
    /// (HTTP/2: reset with CANCEL, as client-go does when it stops a watch). The body
    /// returned ends with that line.
    pub fn read_until(mut self, last: LineTest) -> Self {
        self.until = Some(last);
        self
    }

    /// Marks a `POST` that stores nothing on the server (a SelfSubjectAccessReview, a
    /// TokenRequest): the client may send it again after a failure, as it does a `GET`
    /// (see [`retry`]).
    pub fn stores_nothing(mut self) -> Self {
        self.stores_nothing = true;
        self
    }

    /// `DELETE path` (no body: the server's default propagation applies).
    pub fn delete(path: Path) -> Self {
        Request {
            method: Method::DELETE,
            ..Request::get(path)
        }
    }

    /// `DELETE path` with a `DeleteOptions` JSON body.
    pub fn delete_with_body<B: Serialize>(path: Path, body: &B) -> Result<Self> {
        Ok(Request {
            method: Method::DELETE,
            body: Some(serde_json::to_vec(body).map_err(Error::Encode)?),
            ..Request::get(path)
        })
    }

    /// `POST path` with `body` as JSON.
    pub fn post<B: Serialize>(path: Path, body: &B) -> Result<Self> {
        Ok(Request {
            method: Method::POST,
            body: Some(serde_json::to_vec(body).map_err(Error::Encode)?),
            ..Request::get(path)
        })
    }

    /// `PUT path` with `body` as JSON.
    pub fn put<B: Serialize>(path: Path, body: &B) -> Result<Self> {
        let value = serde_json::to_value(body).map_err(Error::Encode)?;
        let guarded = value
            .pointer("/metadata/resourceVersion")
            .and_then(|v| v.as_str())
            .is_some_and(|rv| !rv.is_empty());
        Ok(Request {
            method: Method::PUT,
            body: Some(serde_json::to_vec(&value).map_err(Error::Encode)?),
            guarded,
            ..Request::get(path)
        })
    }

    /// Adds the header `name: value` (sent after the default ones; `Accept` replaces the
    /// default `application/json`). `Authorization` and `User-Agent` belong to the client
    /// and cannot be set here. Fails with [`Error::InvalidHeader`] on a name or value HTTP
    /// does not allow (the value is never echoed: it may be a credential).
    pub fn header(mut self, name: &str, value: &str) -> Result<Self> {
        let invalid = |reason: &str| Error::InvalidHeader {
            name: name.to_string(),
            reason: reason.to_string(),
        };
        let parsed = reqwest::header::HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| invalid("not a valid header name"))?;
        if parsed == reqwest::header::AUTHORIZATION || parsed == reqwest::header::USER_AGENT {
            return Err(invalid("set by the client from the kubeconfig"));
        }
        reqwest::header::HeaderValue::from_str(value)
            .map_err(|_| invalid("the value has characters a header cannot carry"))?;
        self.headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
        self.headers.push((name.to_string(), value.to_string()));
        Ok(self)
    }

    /// Sets `Accept` to `media_types` (e.g. kubectl's Table negotiation
    /// `application/json;as=Table;v=v1;g=meta.k8s.io,application/json`), replacing the
    /// default `application/json`. Fails as [`Request::header`] does.
    pub fn accept(self, media_types: &str) -> Result<Self> {
        self.header("Accept", media_types)
    }

    /// The extra headers set with [`Request::header`] and [`Request::accept`].
    pub fn headers(&self) -> &[(String, String)] {
        &self.headers
    }

    /// The HTTP method.
    pub fn method(&self) -> &Method {
        &self.method
    }

    /// The path and query.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The JSON body, if any.
    pub fn body(&self) -> Option<&[u8]> {
        self.body.as_deref()
    }
}

impl std::fmt::Debug for Request {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Request")
            .field("method", &self.method)
            .field("path", &self.path.to_string())
            .field(
                "body",
                &self.body.as_ref().map(|b| format!("<{} bytes>", b.len())),
            )
            .field(
                "headers",
                &self.headers.iter().map(|(n, _)| n).collect::<Vec<_>>(),
            )
            .field("read_until", &self.until.is_some())
            .finish()
    }
}

/// A successful (2xx) response. `Debug` shows the body's size only.
#[derive(Clone)]
pub struct Response {
    /// HTTP status code.
    pub status: u16,
    /// The protocol spoken, e.g. `HTTP/2.0` (negotiated by ALPN) or `HTTP/1.1`.
    pub http_version: String,
    /// Raw `Warning` headers (deprecations, shortened token lifetimes, unknown
    /// fields); [`warning_text`] extracts what kubectl would print.
    pub warnings: Vec<String>,
    /// The raw body.
    pub body: Vec<u8>,
}

impl std::fmt::Debug for Response {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Response")
            .field("status", &self.status)
            .field("http_version", &self.http_version)
            .field("warnings", &self.warnings)
            .field("body", &format!("<{} bytes>", self.body.len()))
            .finish()
    }
}

impl Client {
    /// A client for `config` with [`ClientOptions::default`].
    pub fn new(config: &ConnectionConfig) -> Result<Client> {
        Client::with_options(config, ClientOptions::default())
    }

    /// A client for `config` with explicit timeouts and retry policy.
    pub fn with_options(config: &ConnectionConfig, options: ClientOptions) -> Result<Client> {
        let url_err = |reason: &str| Error::InvalidServerUrl {
            server: config.server.clone(),
            reason: reason.into(),
            origin: Box::new(config.origin.clone()),
        };
        let url = reqwest::Url::parse(&config.server).map_err(|e| url_err(&e.to_string()))?;
        let https = match url.scheme() {
            "https" => true,
            "http" => false,
            _ => return Err(url_err("the scheme must be https:// (or http://)")),
        };
        if url.host_str().is_none() {
            return Err(url_err("no host"));
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(url_err("a server URL cannot have a query or fragment"));
        }
        // As client-go: a plugin runs only when no other credential is set, and only over TLS.
        let exec = match &config.exec {
            Some(plugin)
                if https
                    && config.token.as_deref().is_none_or(str::is_empty)
                    && config.token_file.is_none()
                    && config.client_cert_pem.is_none() =>
            {
                Some(Arc::new(ExecAuthenticator::new(config, plugin)))
            }
            _ => None,
        };
        let exec_cert = exec.as_ref().map(|e| {
            let resolver: Arc<dyn rustls::client::ResolvesClientCert> = e.certificate();
            resolver
        });
        let tls_config = tls::client_config(config, exec_cert)?;
        let route = Route::plan(config, &url, &proxy::ProxyEnv::from_env())?;
        let transport = Arc::new(Transport::new(route, tls_config, options.clone())?);
        Ok(Client {
            transport,
            exec,
            server: config.server.trim_end_matches('/').to_string(),
            https,
            token: Arc::new(TokenSource::new(
                config.token.clone(),
                config.token_file.clone(),
            )),
            tls: TlsFlags {
                ca: config.ca_pem.is_some(),
                client_cert: config.client_cert_pem.is_some(),
                insecure: config.insecure_skip_tls_verify,
            },
            origin: config.origin.clone(),
            namespace: if config.namespace.is_empty() {
                "default".into()
            } else {
                config.namespace.clone()
            },
            options,
            observer: None,
            first: Arc::default(),
        })
    }

    /// Report every request attempt to `observer` (e.g. a [`crate::trace::CurlTrace`]).
    pub fn with_observer(mut self, observer: Arc<dyn Observer>) -> Client {
        self.observer = Some(observer);
        self
    }

    /// Replace the retry policy.
    pub fn with_retry(mut self, retry: RetryPolicy) -> Client {
        self.options.retry = retry;
        self
    }

    /// The timeouts and retry policy this client uses (for a client of another user on the
    /// same server, e.g. setup's ServiceAccount client).
    pub fn options(&self) -> &ClientOptions {
        &self.options
    }

    /// The server URL, without a trailing slash.
    pub fn server(&self) -> &str {
        &self.server
    }

    /// The namespace from the kubeconfig context (`default` if unset).
    pub fn default_namespace(&self) -> &str {
        &self.namespace
    }

    /// Send `req` and decode a 2xx JSON body as `T`; non-2xx becomes [`Error::Api`].
    pub async fn request<T: DeserializeOwned>(&self, req: Request) -> Result<T> {
        let resp = self.send(&req).await?;
        self.decode(&req, &resp)
    }

    pub(crate) fn decode<T: DeserializeOwned>(&self, req: &Request, resp: &Response) -> Result<T> {
        serde_json::from_slice(&resp.body).map_err(|source| Error::Decode {
            method: req.method.to_string(),
            url: self.url(&req.path),
            status: resp.status,
            source,
        })
    }

    fn url(&self, path: &Path) -> String {
        format!("{}{}", self.server, path)
    }

    /// The URL on the wire: the server's, or with `tls-server-name` as host (see [`route`]).
    fn wire_url(&self, path: &Path) -> String {
        format!("{}{}", self.transport.route().wire_server, path)
    }

    /// The bearer token to send now, and what the exec plugin supplied (if one is used).
    async fn credentials(&self) -> Result<(Option<String>, Option<Arc<ExecCredentials>>)> {
        if !self.https {
            return Ok((None, None));
        }
        if let Some(exec) = &self.exec {
            let creds = exec.credentials().await.map_err(Error::from)?;
            return Ok((creds.token.clone(), Some(creds)));
        }
        Ok((self.token.token().await?, None))
    }

    /// Send `req` with retries and return the 2xx response, or the error.
    pub async fn send(&self, req: &Request) -> Result<Response> {
        let path = match self.options.call_timeout {
            Some(t) => req.path.clone().query("timeout", go_duration(t)),
            None => req.path.clone(),
        };
        let url = self.url(&path);
        let wire = self.wire_url(&path);
        let started = Instant::now();
        let deadline = self.options.call_timeout.map(|t| started + t);
        let replay = retry::Replay::of(&req.method, req.guarded, req.stores_nothing);
        let route = self.transport.route();
        let has = |name: &str| {
            req.headers
                .iter()
                .any(|(n, _)| n.eq_ignore_ascii_case(name))
        };
        let mut headers: Vec<(&str, &str)> = Vec::new();
        if !has("Accept") {
            headers.push(("Accept", JSON));
        }
        if req.body.is_some() && !has("Content-Type") {
            headers.push(("Content-Type", JSON));
        }
        headers.extend(req.headers.iter().map(|(n, v)| (n.as_str(), v.as_str())));
        let mut attempt = 1;
        let mut reran_exec = false;
        loop {
            let (token, exec_creds) = self.credentials().await?;
            let exec_note = self
                .exec
                .as_ref()
                .zip(exec_creds.as_ref())
                .map(|(e, c)| e.describe(c));
            let traced = TracedRequest {
                method: req.method.as_str(),
                url: &wire,
                headers: &headers,
                bearer_token: token.as_deref(),
                body: req.body.as_deref(),
                tls: TlsFlags {
                    client_cert: self.tls.client_cert
                        || exec_creds.as_ref().is_some_and(|c| c.client_cert),
                    ..self.tls
                },
                attempt,
                route: TracedRoute {
                    proxy: route.proxy.as_ref(),
                    bypass_env_proxy: route.bypass_env_proxy,
                    connect_to: route.connect_to.as_deref(),
                    exec_plugin: exec_note.as_deref(),
                },
            };
            if let Some(o) = &self.observer {
                o.request(&traced);
            }
            let http = self
                .transport
                .client(exec_creds.as_ref().map_or(0, |c| c.cert_generation))?;
            let attempt_started = Instant::now();
            let limit = attempt_limit(self.options.request_timeout, deadline, attempt_started);
            let gate = match self.first.answered() {
                true => None,
                false => Some(self.first.gate.lock().await),
            };
            // Whoever waited while the first request ran goes on at once, without the gate.
            let gate = gate.filter(|_| !self.first.answered());
            let result = self
                .attempt(&http, req, &wire, &headers, token.as_deref(), limit)
                .await;
            if gate.is_some() && result.is_ok() {
                self.first
                    .answered
                    .store(true, std::sync::atomic::Ordering::Release);
            }
            drop(gate);
            let elapsed = attempt_started.elapsed();

            let (failure, retry_after, error) = match result {
                Ok(raw) => {
                    if let Some(o) = &self.observer {
                        let outcome = TracedOutcome::Status {
                            code: raw.status,
                            warnings: raw.warnings.iter().map(|w| warning_text(w)).collect(),
                        };
                        o.response(&traced, &outcome, elapsed);
                        o.response_body(&traced, raw.status, &raw.body);
                    }
                    if (200..300).contains(&raw.status) {
                        return Ok(Response {
                            status: raw.status,
                            http_version: raw.http_version,
                            warnings: raw.warnings,
                            body: raw.body,
                        });
                    }
                    let retry_after = parse_retry_after(raw.retry_after.as_deref());
                    // Go's TLS servers (kube-apiserver) answer plain HTTP with this 400.
                    let tls_port = !self.https
                        && raw.status == 400
                        && raw
                            .body
                            .starts_with(b"Client sent an HTTP request to an HTTPS server");
                    let error = if tls_port {
                        self.plain_http_to_tls()
                    } else {
                        Error::Api(Box::new(self.status_error(req, &raw)))
                    };
                    (Failure::status(raw.status, retry_after), retry_after, error)
                }
                Err(e) => {
                    let (failure, error) =
                        self.transport_error(&e, req.method.as_str(), &url, limit);
                    if let Some(o) = &self.observer {
                        o.response(&traced, &TracedOutcome::Failed(error.to_string()), elapsed);
                    }
                    (failure, None, error)
                }
            };
            // client-go runs the plugin again after a 401; rawkube also retries the request
            // once with what it returns (a 401 means the server did nothing).
            if matches!(failure, Failure::Status { code: 401, .. })
                && !reran_exec
                && let (Some(exec), Some(used)) = (&self.exec, &exec_creds)
            {
                reran_exec = true;
                if exec.refresh_after_unauthorized(used).await?.is_some() {
                    attempt += 1;
                    continue;
                }
            }
            let retry = &self.options.retry;
            if !retry.should_retry(replay, failure, attempt) {
                return Err(error);
            }
            let pause = retry.delay(attempt, retry_after);
            // Give up rather than pause past the retry budget or the call's deadline.
            let resume = Instant::now() + pause;
            if resume > started + retry.max_elapsed || deadline.is_some_and(|d| resume >= d) {
                return Err(error);
            }
            tokio::time::sleep(pause).await;
            attempt += 1;
        }
    }

    async fn attempt(
        &self,
        http: &reqwest::Client,
        req: &Request,
        url: &str,
        headers: &[(&str, &str)],
        token: Option<&str>,
        limit: Option<Duration>,
    ) -> std::result::Result<RawResponse, reqwest::Error> {
        let mut builder = http.request(req.method.clone(), url);
        if let Some(limit) = limit {
            builder = builder.timeout(limit);
        }
        for (k, v) in headers {
            builder = builder.header(*k, *v);
        }
        if let Some(t) = token {
            builder = builder.bearer_auth(t);
        }
        if let Some(b) = &req.body {
            builder = builder.body(b.clone());
        }
        let resp = builder.send().await?;
        let status = resp.status().as_u16();
        let http_version = format!("{:?}", resp.version());
        let header = |name: &str| {
            resp.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let retry_after = header("retry-after");
        let content_type = header("content-type").unwrap_or_default();
        let warnings = resp
            .headers()
            .get_all("warning")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .map(str::to_string)
            .collect();
        let body = match &req.until {
            Some(last) if resp.status().is_success() => read_lines_until(resp, last).await?,
            _ => resp.bytes().await?.to_vec(),
        };
        Ok(RawResponse {
            status,
            http_version,
            retry_after,
            content_type,
            warnings,
            body,
        })
    }

    /// A non-2xx response as a Status: the server's own when the body is one,
    /// else client-go's generic mapping.
    fn status_error(&self, req: &Request, raw: &RawResponse) -> Status {
        if let Ok(status) = serde_json::from_slice::<Status>(&raw.body)
            && status.type_meta.kind == "Status"
        {
            let mut status = status;
            if status.code == 0 {
                status.code = raw.status;
            }
            return status;
        }
        let is_text = raw.content_type.trim_start().starts_with("text/");
        status_from_unstructured(
            raw.status,
            req.method.as_str(),
            &req.path,
            &raw.body,
            is_text,
            parse_retry_after(raw.retry_after.as_deref()).map(|d| d.as_secs()),
        )
    }

    fn plain_http_to_tls(&self) -> Error {
        Error::PlainHttpToTls {
            server: self.server.clone(),
            origin: Box::new(self.origin.clone()),
        }
    }

    /// Turn a reqwest error into an error that says what to fix, and classify it for retrying.
    /// `limit` is the time the attempt had.
    fn transport_error(
        &self,
        e: &reqwest::Error,
        method: &str,
        url: &str,
        limit: Option<Duration>,
    ) -> (Failure, Error) {
        use rustls::CertificateError as C;
        if let Some(tls) = find_source::<rustls::Error>(e) {
            let server = self.server.clone();
            let error = match tls {
                // BadSignature: an issuer with the right name but another key, e.g. the CA
                // of a different kind cluster (every kubeadm CA is called "kubernetes").
                rustls::Error::InvalidCertificate(C::UnknownIssuer | C::BadSignature) => {
                    Error::UntrustedCertificate {
                        server,
                        origin: Box::new(self.origin.clone()),
                        ca_configured: self.tls.ca,
                    }
                }
                rustls::Error::InvalidCertificate(C::NotValidForNameContext {
                    expected,
                    presented,
                }) => Error::HostnameMismatch {
                    server,
                    expected: expected.to_str().into_owned(),
                    presented: presented.iter().map(|n| bare_name(n)).collect(),
                    origin: Box::new(self.origin.clone()),
                },
                rustls::Error::InvalidCertificate(C::NotValidForName) => Error::HostnameMismatch {
                    expected: reqwest::Url::parse(&server)
                        .ok()
                        .and_then(|u| u.host_str().map(str::to_string))
                        .unwrap_or_default(),
                    server,
                    presented: Vec::new(),
                    origin: Box::new(self.origin.clone()),
                },
                rustls::Error::InvalidCertificate(
                    C::Expired
                    | C::ExpiredContext { .. }
                    | C::NotValidYet
                    | C::NotValidYetContext { .. },
                ) => Error::CertificateExpired {
                    server,
                    detail: tls.to_string(),
                },
                other => Error::Tls {
                    server,
                    detail: other.to_string(),
                },
            };
            return (Failure::Permanent, error);
        }
        if e.is_timeout() {
            let sent = !e.is_connect();
            // The limit the user knows: the call's (--request-timeout), else the attempt's.
            let after = match (self.options.call_timeout, limit) {
                (Some(call), _) if sent => call,
                (_, Some(limit)) if sent => limit,
                (call, _) => call.map_or(self.options.connect_timeout, |c| {
                    c.min(self.options.connect_timeout)
                }),
            };
            let failure = if sent {
                Failure::AfterSend
            } else {
                Failure::NotConnected
            };
            let error = Error::Timeout {
                method: method.to_string(),
                url: url.to_string(),
                after,
                sent,
            };
            return (failure, error);
        }
        // A TLS server's first bytes (an alert record) are not an HTTP status line.
        if !self.https && error_chain(e).contains("invalid HTTP version parsed") {
            return (Failure::Permanent, self.plain_http_to_tls());
        }
        let refused = find_source::<std::io::Error>(e)
            .is_some_and(|io| io.kind() == std::io::ErrorKind::ConnectionRefused);
        if refused {
            let error = Error::ConnectionRefused {
                server: self.server.clone(),
                origin: Box::new(self.origin.clone()),
            };
            return (Failure::NotConnected, error);
        }
        let sent = !e.is_connect();
        let failure = if sent {
            Failure::AfterSend
        } else {
            Failure::NotConnected
        };
        let error = Error::Connect {
            url: url.to_string(),
            detail: error_chain(e),
            sent,
        };
        (failure, error)
    }
}

/// Reads `resp` until `last` accepts a complete line (the body ends with it) or the stream
/// ends (the whole body). Dropping `resp` afterwards closes the stream.
async fn read_lines_until(
    mut resp: reqwest::Response,
    last: &LineTest,
) -> std::result::Result<Vec<u8>, reqwest::Error> {
    let mut body = Vec::new();
    let mut line_start = 0;
    while let Some(chunk) = resp.chunk().await? {
        body.extend_from_slice(&chunk);
        while let Some(n) = body[line_start..].iter().position(|&b| b == b'\n') {
            let line = &body[line_start..line_start + n];
            line_start += n + 1;
            if last(line) {
                body.truncate(line_start);
                return Ok(body);
            }
        }
    }
    Ok(body)
}

/// The text of a `Warning` header as kubectl prints it: `299 - "text"` gives `text`
/// with `\"` unescaped (RFC 7234 quoted-string, the form the API server always uses);
/// anything else is returned as is.
pub fn warning_text(header: &str) -> String {
    let mut parts = header.splitn(3, ' ');
    let (Some(code), Some(_agent), Some(rest)) = (parts.next(), parts.next(), parts.next()) else {
        return header.to_string();
    };
    let Some(quoted) = rest.strip_prefix('"') else {
        return header.to_string();
    };
    if code.len() != 3 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return header.to_string();
    }
    // Up to the closing quote; a quoted date may follow it.
    let mut text = String::new();
    let mut chars = quoted.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => text.extend(chars.next()),
            '"' => return text,
            c => text.push(c),
        }
    }
    header.to_string()
}

struct RawResponse {
    status: u16,
    http_version: String,
    retry_after: Option<String>,
    content_type: String,
    warnings: Vec<String>,
    body: Vec<u8>,
}

/// rustls reports presented names in Debug form (`DnsName("kubernetes")`,
/// `IpAddress(127.0.0.1)`); show just the name.
fn bare_name(presented: &str) -> String {
    match (presented.find('('), presented.strip_suffix(')')) {
        (Some(open), Some(inner)) => inner[open + 1..].trim_matches('"').to_string(),
        _ => presented.to_string(),
    }
}

/// Find an error of type `T` in `e`'s source chain, looking inside `io::Error`
/// wrappers too (their `source()` skips the wrapped error itself).
fn find_source<'a, T: std::error::Error + 'static>(
    e: &'a (dyn std::error::Error + 'static),
) -> Option<&'a T> {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = cur {
        if let Some(t) = err.downcast_ref::<T>() {
            return Some(t);
        }
        if let Some(inner) = err
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
        {
            if let Some(t) = inner.downcast_ref::<T>() {
                return Some(t);
            }
            if let Some(t) = find_source::<T>(inner) {
                return Some(t);
            }
        }
        cur = err.source();
    }
    None
}

fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = vec![e.to_string()];
    let mut cur = e.source();
    while let Some(err) = cur {
        let s = err.to_string();
        if !parts.iter().any(|p| p.contains(&s)) {
            parts.push(s);
        }
        cur = err.source();
    }
    parts.join(": ")
}

#[cfg(test)]
mod tests;
