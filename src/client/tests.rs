//! Client tests against tiny servers on 127.0.0.1: plain HTTP for retries and
//! error mapping, rustls with rcgen-made certificates for TLS behaviour.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpListener;

use super::*;
use crate::api::meta::ObjectMeta;
use crate::api::serviceaccount::ServiceAccount;
use crate::api::{Api, PostParams};
use crate::trace::{CurlOptions, CurlTrace};

/// A canned response: status line, extra headers, body.
#[derive(Clone)]
struct Canned {
    status: &'static str,
    headers: Vec<(&'static str, String)>,
    body: String,
}

fn canned(status: &'static str, body: &str) -> Canned {
    Canned {
        status,
        headers: vec![("Content-Type", "application/json".into())],
        body: body.into(),
    }
}

/// A received request: request line, headers (lower-cased names), body.
#[derive(Clone, Debug)]
struct Seen {
    line: String,
    headers: Vec<(String, String)>,
    body: String,
}

impl Seen {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Clone, Default)]
struct Script {
    responses: Arc<Mutex<VecDeque<Canned>>>,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl Script {
    fn new(responses: Vec<Canned>) -> Self {
        Script {
            responses: Arc::new(Mutex::new(responses.into())),
            seen: Arc::default(),
        }
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

/// Serve one HTTP/1.1 request per connection from the script, then close.
async fn serve_one<S: AsyncRead + AsyncWrite + Unpin>(mut s: S, script: Script) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let header_end = loop {
        let Ok(n) = s.read(&mut chunk).await else {
            return;
        };
        if n == 0 {
            return;
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i;
        }
    };
    let head = String::from_utf8_lossy(&buf[..header_end]).to_string();
    let mut lines = head.split("\r\n");
    let line = lines.next().unwrap_or_default().to_string();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let len: usize = headers
        .iter()
        .find(|(k, _)| k == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = buf[header_end + 4..].to_vec();
    while body.len() < len {
        let Ok(n) = s.read(&mut chunk).await else {
            return;
        };
        if n == 0 {
            break;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    script.seen.lock().unwrap().push(Seen {
        line,
        headers,
        body: String::from_utf8_lossy(&body).into(),
    });
    let resp = script
        .responses
        .lock()
        .unwrap()
        .pop_front()
        .unwrap_or_else(|| canned("500 Internal Server Error", "script exhausted"));
    let mut out = format!("HTTP/1.1 {}\r\nConnection: close\r\n", resp.status);
    for (k, v) in &resp.headers {
        out.push_str(&format!("{k}: {v}\r\n"));
    }
    out.push_str(&format!(
        "Content-Length: {}\r\n\r\n{}",
        resp.body.len(),
        resp.body
    ));
    let _ = s.write_all(out.as_bytes()).await;
    let _ = s.shutdown().await;
}

async fn http_server(responses: Vec<Canned>) -> (String, Script) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let script = Script::new(responses);
    let s = script.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(serve_one(stream, s.clone()));
        }
    });
    (url, script)
}

fn fast_retry() -> ClientOptions {
    ClientOptions {
        retry: RetryPolicy {
            max_attempts: 3,
            initial_backoff: Duration::from_millis(10),
            max_backoff: Duration::from_secs(2),
        },
        ..ClientOptions::default()
    }
}

fn plain(url: &str) -> ConnectionConfig {
    ConnectionConfig {
        server: url.into(),
        token: Some("t0ken".into()),
        ..Default::default()
    }
}

const SA: &str =
    r#"{"kind":"ServiceAccount","apiVersion":"v1","metadata":{"name":"x","namespace":"default"}}"#;

#[tokio::test]
async fn get_retries_429_honouring_retry_after_then_succeeds() {
    let mut busy = canned("429 Too Many Requests", "");
    busy.headers.push(("Retry-After", "1".into()));
    let (url, script) = http_server(vec![busy, canned("200 OK", SA)]).await;
    let client = Client::with_options(&plain(&url), fast_retry()).unwrap();
    let started = Instant::now();
    let sa: ServiceAccount = Api::namespaced(&client, "default").get("x").await.unwrap();
    assert_eq!(sa.metadata.name, "x");
    assert_eq!(script.seen().len(), 2);
    // Retry-After: 1 beats the 10 ms backoff.
    assert!(
        started.elapsed() >= Duration::from_millis(950),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn get_retries_503_with_bounded_attempts() {
    let unavailable = || canned("503 Service Unavailable", "");
    let (url, script) = http_server(vec![
        unavailable(),
        unavailable(),
        unavailable(),
        unavailable(),
    ])
    .await;
    let client = Client::with_options(&plain(&url), fast_retry()).unwrap();
    let err = Api::<ServiceAccount>::namespaced(&client, "default")
        .get("x")
        .await
        .unwrap_err();
    assert_eq!(script.seen().len(), 3, "max_attempts is 3");
    assert_eq!(err.reason(), Some("ServiceUnavailable"));
    assert_eq!(
        err.to_string(),
        "Error from server (ServiceUnavailable): the server is currently unable to handle the request (get serviceaccounts x)"
    );
}

#[tokio::test]
async fn post_is_never_retried_on_429_or_503() {
    for status in ["429 Too Many Requests", "503 Service Unavailable"] {
        let (url, script) = http_server(vec![canned(status, ""), canned("201 Created", SA)]).await;
        let client = Client::with_options(&plain(&url), fast_retry()).unwrap();
        let err = Api::namespaced(&client, "default")
            .create(&ServiceAccount::named("x"), &PostParams::default())
            .await
            .unwrap_err();
        assert_eq!(script.seen().len(), 1, "{status}");
        assert!(err.code().is_some_and(|c| c == 429 || c == 503));
    }
}

#[tokio::test]
async fn guarded_put_is_retried_on_500_but_unguarded_is_not() {
    let (url, script) = http_server(vec![
        canned("500 Internal Server Error", "boom"),
        canned("200 OK", SA),
    ])
    .await;
    let client = Client::with_options(&plain(&url), fast_retry()).unwrap();
    let mut sa = ServiceAccount::named("x");
    sa.metadata.resource_version = "7".into();
    let api = Api::namespaced(&client, "default");
    api.update(&sa, &PostParams::default()).await.unwrap();
    assert_eq!(script.seen().len(), 2);

    let (url, script) = http_server(vec![
        canned("500 Internal Server Error", ""),
        canned("200 OK", SA),
    ])
    .await;
    let client = Client::with_options(&plain(&url), fast_retry()).unwrap();
    let api = Api::namespaced(&client, "default");
    let err = api
        .update(&ServiceAccount::named("x"), &PostParams::default())
        .await
        .unwrap_err();
    assert_eq!(script.seen().len(), 1);
    assert_eq!(err.code(), Some(500));
}

#[tokio::test]
async fn update_without_a_name_is_refused_before_sending() {
    let (url, script) = http_server(vec![]).await;
    let client = Client::new(&plain(&url)).unwrap();
    let err = Api::namespaced(&client, "default")
        .update(&ServiceAccount::default(), &PostParams::default())
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid request: update of a ServiceAccount needs metadata.name"
    );
    assert!(script.seen().is_empty());
}

#[tokio::test]
async fn connection_refused_is_retried_then_says_what_to_fix() {
    // Bind then drop to get a port nobody listens on.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let mut cfg = plain(&format!("http://127.0.0.1:{port}"));
    cfg.origin = Origin {
        file: Some("/tmp/kc".into()),
        cluster: Some("kind".into()),
        ..Default::default()
    };
    let trace = Arc::new(Recorder::default());
    let client = Client::with_options(&cfg, fast_retry())
        .unwrap()
        .with_observer(trace.clone());
    let err = Api::namespaced(&client, "default")
        .create(&ServiceAccount::named("x"), &PostParams::default())
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "connection refused to http://127.0.0.1:{port}: is the API server running, and is the server URL of cluster \"kind\" in /tmp/kc right?"
        )
    );
    // A POST that never reached the server is safe to resend.
    assert_eq!(trace.attempts(), 3);
}

#[derive(Default)]
struct Recorder(Mutex<Vec<String>>);

impl Recorder {
    fn attempts(&self) -> usize {
        self.0
            .lock()
            .unwrap()
            .iter()
            .filter(|l| l.starts_with("req"))
            .count()
    }
}

impl Observer for Recorder {
    fn request(&self, req: &TracedRequest<'_>) {
        self.0
            .lock()
            .unwrap()
            .push(format!("req {} {} #{}", req.method, req.url, req.attempt));
    }
    fn response(&self, _req: &TracedRequest<'_>, outcome: &TracedOutcome, _e: Duration) {
        self.0.lock().unwrap().push(format!("resp {outcome:?}"));
    }
}

#[tokio::test]
async fn request_shape_headers_and_status_errors() {
    let not_found = r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"serviceaccounts \"nosuch\" not found","reason":"NotFound","details":{"name":"nosuch","kind":"serviceaccounts"},"code":404}"#;
    let (url, script) = http_server(vec![
        canned("201 Created", SA),
        canned("404 Not Found", not_found),
        Canned {
            status: "403 Forbidden",
            headers: vec![("Content-Type", "text/plain; charset=utf-8".into())],
            body: "forbidden: nope".into(),
        },
    ])
    .await;
    let client = Client::with_options(&plain(&url), fast_retry()).unwrap();
    let api = Api::namespaced(&client, "default");
    let params = PostParams {
        dry_run: false,
        field_manager: Some("rawkube".into()),
    };
    let sa = ServiceAccount {
        metadata: ObjectMeta::named("x"),
        ..Default::default()
    };
    api.create(&sa, &params).await.unwrap();
    let err = api.get("nosuch").await.unwrap_err();
    assert!(err.is_not_found());
    assert_eq!(
        err.to_string(),
        r#"Error from server (NotFound): serviceaccounts "nosuch" not found"#
    );
    let err = api.list(&Default::default()).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "Error from server (Forbidden): forbidden: nope (get serviceaccounts)"
    );

    let seen = script.seen();
    assert_eq!(
        seen[0].line,
        "POST /api/v1/namespaces/default/serviceaccounts?fieldManager=rawkube HTTP/1.1"
    );
    assert_eq!(
        seen[0].body,
        r#"{"apiVersion":"v1","kind":"ServiceAccount","metadata":{"name":"x"}}"#
    );
    assert_eq!(seen[0].header("content-type"), Some("application/json"));
    assert_eq!(seen[0].header("accept"), Some("application/json"));
    assert_eq!(seen[0].header("user-agent"), Some(USER_AGENT));
    assert!(USER_AGENT.starts_with("rawkube/0."));
    // Like client-go, a bearer token is never sent over plain http.
    assert_eq!(seen[0].header("authorization"), None);
    assert_eq!(
        seen[1].line,
        "GET /api/v1/namespaces/default/serviceaccounts/nosuch HTTP/1.1"
    );
}

#[test]
fn request_and_response_debug_hide_bodies() {
    let req = Request::post(
        Path::raw("/x"),
        &serde_json::json!({"spec": {"token": "s3cret"}}),
    )
    .unwrap();
    let dbg = format!("{req:?}");
    assert!(
        !dbg.contains("s3cret") && dbg.contains("<27 bytes>"),
        "{dbg}"
    );
    let resp = Response {
        status: 201,
        http_version: "HTTP/2.0".into(),
        warnings: vec![],
        body: br#"{"status":{"token":"s3cret"}}"#.to_vec(),
    };
    assert!(!format!("{resp:?}").contains("s3cret"));
}

#[test]
fn presented_names_are_shown_bare() {
    assert_eq!(bare_name(r#"DnsName("kubernetes")"#), "kubernetes");
    assert_eq!(bare_name("IpAddress(10.96.0.1)"), "10.96.0.1");
    assert_eq!(bare_name("plain"), "plain");
}

#[test]
fn warning_header_text() {
    assert_eq!(
        warning_text(r#"299 - "unknown field \"spec.x\"""#),
        r#"unknown field "spec.x""#
    );
    assert_eq!(
        warning_text(r#"299 - "shortened" "Sat, 28 Nov 2026 14:00:00 GMT""#),
        "shortened"
    );
    assert_eq!(warning_text("not a warning"), "not a warning");
    assert_eq!(
        warning_text(r#"299 - "unterminated"#),
        r#"299 - "unterminated"#
    );
}

#[tokio::test]
async fn warnings_reach_the_response_and_the_observer() {
    let mut created = canned("201 Created", SA);
    created.headers.push((
        "Warning",
        r#"299 - "requested expiration of 7200 seconds shortened to 3600 seconds""#.into(),
    ));
    let (url, _) = http_server(vec![created]).await;
    let rec = Arc::new(Recorder::default());
    let client = Client::new(&plain(&url))
        .unwrap()
        .with_observer(rec.clone());
    let req = Request::post(Path::raw("/api/v1/namespaces/default/serviceaccounts"), &SA).unwrap();
    let resp = client.send(&req).await.unwrap();
    assert_eq!(resp.warnings.len(), 1);
    let log = rec.0.lock().unwrap().join("\n");
    assert!(
        log.contains(
            r#"warnings: ["requested expiration of 7200 seconds shortened to 3600 seconds"]"#
        ),
        "{log}"
    );
}

#[tokio::test]
async fn redirects_are_reported_not_followed() {
    let mut moved = canned("302 Found", "");
    moved.headers = vec![("Location", "http://127.0.0.1:1/elsewhere".into())];
    let (url, script) = http_server(vec![moved]).await;
    let err = Client::new(&plain(&url))
        .unwrap()
        .version()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some(302));
    assert_eq!(
        err.to_string(),
        "Error from server: the server responded with the status code 302 but did not return more information"
    );
    assert_eq!(script.seen().len(), 1);
}

#[test]
fn bad_server_urls_are_rejected() {
    for (server, why) in [
        ("127.0.0.1:6443", "relative URL without a base"),
        ("ftp://127.0.0.1", "the scheme must be https://"),
        ("https://127.0.0.1:6443/?x=1", "query or fragment"),
    ] {
        let err = Client::new(&plain(server)).unwrap_err();
        assert!(
            matches!(err, Error::InvalidServerUrl { .. }),
            "{server}: {err:?}"
        );
        assert!(err.to_string().contains(why), "{server}: {err}");
    }
}

// ---- TLS ----

struct Pki {
    ca_pem: String,
    issuer: Issuer<'static, KeyPair>,
}

fn ca(name: &str) -> Pki {
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, name);
    let key = KeyPair::generate().unwrap();
    let cert = params.self_signed(&key).unwrap();
    Pki {
        ca_pem: cert.pem(),
        issuer: Issuer::new(params, key),
    }
}

/// A leaf for `names`, signed by `pki`, as (cert PEM, key PEM).
fn leaf(pki: &Pki, names: &[&str], client: bool) -> (String, String) {
    let mut params =
        CertificateParams::new(names.iter().map(|s| s.to_string()).collect::<Vec<_>>()).unwrap();
    if client {
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "kubernetes-admin");
        params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ClientAuth];
    }
    let key = KeyPair::generate().unwrap();
    let cert = params.signed_by(&key, &pki.issuer).unwrap();
    (cert.pem(), key.serialize_pem())
}

/// An HTTPS server on 127.0.0.1 presenting `cert`; if `client_ca` is set,
/// client certificates signed by it are required.
async fn tls_server(
    cert: &(String, String),
    client_ca: Option<&str>,
    responses: Vec<Canned>,
) -> (String, Script) {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let chain: Vec<_> = CertificateDer::pem_slice_iter(cert.0.as_bytes())
        .collect::<std::result::Result<_, _>>()
        .unwrap();
    let key = PrivateKeyDer::from_pem_slice(cert.1.as_bytes()).unwrap();
    let builder = rustls::ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .unwrap();
    let builder = match client_ca {
        Some(pem) => {
            let mut roots = rustls::RootCertStore::empty();
            for c in CertificateDer::pem_slice_iter(pem.as_bytes()) {
                roots.add(c.unwrap()).unwrap();
            }
            let v = rustls::server::WebPkiClientVerifier::builder_with_provider(
                Arc::new(roots),
                provider,
            )
            .build()
            .unwrap();
            builder.with_client_cert_verifier(v)
        }
        None => builder.with_no_client_auth(),
    };
    let config = builder.with_single_cert(chain, key).unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("https://{}", listener.local_addr().unwrap());
    let script = Script::new(responses);
    let s = script.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            let s = s.clone();
            tokio::spawn(async move {
                if let Ok(tls) = acceptor.accept(stream).await {
                    serve_one(tls, s).await;
                }
            });
        }
    });
    (url, script)
}

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

const VERSION: &str = r#"{"major":"1","minor":"32","gitVersion":"v1.32.4"}"#;

fn tls_cfg(url: &str, ca_pem: &str) -> ConnectionConfig {
    ConnectionConfig {
        server: url.into(),
        ca_pem: Some(ca_pem.as_bytes().to_vec()),
        token: Some("s3cret-token".into()),
        origin: Origin {
            file: Some("/home/u/.kube/config".into()),
            context: Some("kind-kind".into()),
            cluster: Some("kind-kind".into()),
            user: Some("kind-admin".into()),
        },
        ..Default::default()
    }
}

#[tokio::test]
async fn ip_address_server_with_only_its_ca_trusted_sends_bearer_token() {
    let pki = ca("kind-ca");
    let (url, script) = tls_server(
        &leaf(&pki, &["127.0.0.1", "localhost"], false),
        None,
        vec![canned("200 OK", VERSION), canned("200 OK", VERSION)],
    )
    .await;
    let client = Client::new(&tls_cfg(&url, &pki.ca_pem)).unwrap();
    let v = client.version().await.unwrap();
    assert_eq!(v.git_version, "v1.32.4");

    // The same through a token file (as in-cluster), read on use.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("token");
    std::fs::write(&file, "file-token\n").unwrap();
    let mut cfg = tls_cfg(&url, &pki.ca_pem);
    cfg.token = None;
    cfg.token_file = Some(file);
    Client::new(&cfg).unwrap().version().await.unwrap();

    let seen = script.seen();
    assert_eq!(seen[0].line, "GET /version HTTP/1.1");
    assert_eq!(seen[0].header("authorization"), Some("Bearer s3cret-token"));
    assert_eq!(seen[1].header("authorization"), Some("Bearer file-token"));
}

#[tokio::test]
async fn a_silent_server_times_out_with_the_url_and_limit() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((stream, _)) = listener.accept().await {
            held.push(stream); // accept, never answer
        }
    });
    let options = ClientOptions {
        request_timeout: Duration::from_millis(300),
        retry: RetryPolicy::none(),
        ..ClientOptions::default()
    };
    let err = Client::with_options(&plain(&url), options)
        .unwrap()
        .version()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        format!("request to {url}/version timed out after 300ms")
    );
}

#[tokio::test]
async fn certificate_from_another_ca_names_cluster_and_file() {
    let pki = ca("real-ca");
    let other = ca("other-ca");
    let (url, script) = tls_server(&leaf(&pki, &["127.0.0.1"], false), None, vec![]).await;
    let client = Client::new(&tls_cfg(&url, &other.ca_pem)).unwrap();
    let err = client.version().await.unwrap_err();
    assert!(matches!(err, Error::UntrustedCertificate { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        format!(
            "the server {url} presented a certificate that is not signed by the certificate-authority of cluster \"kind-kind\" in /home/u/.kube/config: check that the CA belongs to this cluster (or that the server URL points at the right cluster)"
        )
    );
    assert!(script.seen().is_empty());
}

#[tokio::test]
async fn same_named_ca_with_another_key_is_untrusted_too() {
    // Every kubeadm/kind CA is called "kubernetes": the CA of another cluster
    // matches by name and fails on the signature.
    let pki = ca("kubernetes");
    let other = ca("kubernetes");
    let (url, _) = tls_server(&leaf(&pki, &["127.0.0.1"], false), None, vec![]).await;
    let err = Client::new(&tls_cfg(&url, &other.ca_pem))
        .unwrap()
        .version()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::UntrustedCertificate { .. }), "{err:?}");
}

#[tokio::test]
async fn hostname_mismatch_and_tls_server_name_fix() {
    let pki = ca("ca");
    let cert = leaf(&pki, &["kubernetes.default.svc"], false);
    let (url, _) = tls_server(&cert, None, vec![canned("200 OK", VERSION)]).await;
    let err = Client::new(&tls_cfg(&url, &pki.ca_pem))
        .unwrap()
        .version()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::HostnameMismatch { .. }), "{err:?}");
    let text = err.to_string();
    assert!(
        text.starts_with(&format!(
            "the server certificate of {url} is not valid for 127.0.0.1"
        )),
        "{text}"
    );
    assert!(
        text.contains("(it is valid for: kubernetes.default.svc)"),
        "{text}"
    );
    assert!(text.contains("set tls-server-name"), "{text}");

    let mut cfg = tls_cfg(&url, &pki.ca_pem);
    cfg.tls_server_name = Some("kubernetes.default.svc".into());
    let v = Client::new(&cfg).unwrap().version().await.unwrap();
    assert_eq!(v.minor, "32");
}

#[tokio::test]
async fn insecure_skip_tls_verify_only_when_set() {
    let pki = ca("ca");
    let (url, _) = tls_server(
        &leaf(&pki, &["elsewhere.example"], false),
        None,
        vec![canned("200 OK", VERSION)],
    )
    .await;
    let cfg = ConnectionConfig {
        server: url.clone(),
        insecure_skip_tls_verify: true,
        ..Default::default()
    };
    Client::new(&cfg).unwrap().version().await.unwrap();

    // Both set is refused, as client-go does.
    let mut both = tls_cfg(&url, &pki.ca_pem);
    both.insecure_skip_tls_verify = true;
    let err = Client::new(&both).unwrap_err();
    assert!(matches!(err, Error::CertificateAuthority { .. }), "{err:?}");
}

#[tokio::test]
async fn client_certificate_auth_and_curl_trace() {
    let pki = ca("ca");
    let client_pki = ca("client-ca");
    let (url, script) = tls_server(
        &leaf(&pki, &["127.0.0.1"], false),
        Some(&client_pki.ca_pem),
        vec![canned("200 OK", VERSION)],
    )
    .await;
    let (cert, key) = leaf(&client_pki, &[], true);
    let mut cfg = tls_cfg(&url, &pki.ca_pem);
    cfg.token = None;
    cfg.client_cert_pem = Some(cert.into_bytes());
    cfg.client_key_pem = Some(key.into_bytes());

    #[derive(Clone, Default)]
    struct Buf(Arc<Mutex<Vec<u8>>>);
    impl std::io::Write for Buf {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let buf = Buf::default();
    let trace = Arc::new(CurlTrace::new(
        Box::new(buf.clone()),
        CurlOptions::default(),
    ));
    let client = Client::new(&cfg).unwrap().with_observer(trace);
    client.version().await.unwrap();
    assert_eq!(script.seen().len(), 1);
    let text = String::from_utf8(buf.0.lock().unwrap().clone()).unwrap();
    let expected_head = format!(
        "curl -X GET {url}/version \\\n  --cacert ca.crt \\\n  --cert client.crt \\\n  --key client.key \\\n  -H 'Accept: application/json'\n# => 200 OK ("
    );
    assert!(text.starts_with(&expected_head), "{text}");
    assert!(text.ends_with(" ms)\n"), "{text}");

    // Without the client certificate the server refuses the handshake.
    let mut anon = tls_cfg(&url, &pki.ca_pem);
    anon.token = None;
    let err = Client::new(&anon).unwrap().version().await.unwrap_err();
    assert!(
        matches!(err, Error::Tls { .. } | Error::Connect { .. }),
        "{err:?}"
    );
}

#[test]
fn bad_client_keys_are_reported_with_the_user() {
    let pki = ca("ca");
    let (cert, _) = leaf(&pki, &[], true);
    let (_, other_key) = leaf(&pki, &[], true);
    let mut cfg = tls_cfg("https://127.0.0.1:6443", &pki.ca_pem);
    cfg.client_cert_pem = Some(cert.clone().into_bytes());
    cfg.client_key_pem =
        Some(b"-----BEGIN PRIVATE KEY-----\nnot base64!\n-----END PRIVATE KEY-----\n".to_vec());
    let err = Client::new(&cfg).unwrap_err();
    assert!(matches!(err, Error::ClientCertificate { .. }), "{err:?}");
    assert!(
        err.to_string()
            .starts_with("the client certificate/key of user \"kind-admin\" in /home/u/.kube/config cannot be used: "),
        "{err}"
    );

    cfg.client_key_pem = Some(other_key.into_bytes());
    let err = Client::new(&cfg).unwrap_err();
    assert!(err.to_string().contains("does not fit"), "{err}");

    cfg.client_key_pem = None;
    let err = Client::new(&cfg).unwrap_err();
    assert!(err.to_string().contains("client-key is missing"), "{err}");

    let mut bad_name = tls_cfg("https://127.0.0.1:6443", &pki.ca_pem);
    bad_name.tls_server_name = Some("not a name!".into());
    assert_eq!(
        Client::new(&bad_name).unwrap_err().to_string(),
        r#"tls-server-name "not a name!" of cluster "kind-kind" in /home/u/.kube/config is not a valid DNS name or IP address"#
    );

    let mut bad_ca = tls_cfg("https://127.0.0.1:6443", "no pem here");
    bad_ca.ca_pem = Some(b"no pem here".to_vec());
    let err = Client::new(&bad_ca).unwrap_err();
    assert!(
        err.to_string().contains("no PEM certificate found"),
        "{err}"
    );
}

#[test]
fn pkcs1_and_sec1_keys_are_accepted() {
    // Re-wrap rcgen's PKCS#8 keys as PKCS#1 (RSA) and SEC1 (EC) the way
    // kubeadm/kind and openssl write them.
    let pki = ca("ca");
    for alg in [&rcgen::PKCS_RSA_SHA256, &rcgen::PKCS_ECDSA_P256_SHA256] {
        let key = KeyPair::generate_for(alg).unwrap();
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ClientAuth];
        let cert = params.signed_by(&key, &pki.issuer).unwrap();
        let pkcs8 = key.serialize_der();
        let (label, der) = if alg == &rcgen::PKCS_RSA_SHA256 {
            ("RSA PRIVATE KEY", pkcs8_inner_key(&pkcs8))
        } else {
            ("EC PRIVATE KEY", sec1_with_curve(&pkcs8_inner_key(&pkcs8)))
        };
        let pem = pem_encode(label, &der);
        let mut cfg = tls_cfg("https://127.0.0.1:6443", &pki.ca_pem);
        cfg.client_cert_pem = Some(cert.pem().into_bytes());
        cfg.client_key_pem = Some(pem.into_bytes());
        Client::new(&cfg).unwrap_or_else(|e| panic!("{label}: {e}"));
    }
}

/// The `privateKey` OCTET STRING of a PKCS#8 `PrivateKeyInfo`.
fn pkcs8_inner_key(der: &[u8]) -> Vec<u8> {
    let (seq, _) = der_tlv(der);
    let mut rest = seq;
    let (_version, r) = der_element(rest);
    rest = r;
    let (_alg, r) = der_element(rest);
    rest = r;
    assert_eq!(rest[0], 0x04, "OCTET STRING");
    der_tlv(rest).0.to_vec()
}

/// SEC1 `ECPrivateKey` with the P-256 curve OID in `[0] parameters`, which a
/// PKCS#8-embedded key leaves out but standalone SEC1 files carry.
fn sec1_with_curve(inner: &[u8]) -> Vec<u8> {
    let (seq, _) = der_tlv(inner);
    let (version, rest) = der_element(seq);
    let (privkey, rest) = der_element(rest);
    let p256 = [
        0xa0, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07,
    ];
    let mut body = Vec::new();
    body.extend_from_slice(version);
    body.extend_from_slice(privkey);
    body.extend_from_slice(&p256);
    body.extend_from_slice(rest);
    der_wrap(0x30, &body)
}

fn der_len(b: &[u8]) -> (usize, usize) {
    if b[1] < 0x80 {
        (b[1] as usize, 2)
    } else {
        let n = (b[1] & 0x7f) as usize;
        let len = b[2..2 + n]
            .iter()
            .fold(0usize, |a, &x| (a << 8) | x as usize);
        (len, 2 + n)
    }
}

/// (contents, rest) of the first TLV.
fn der_tlv(b: &[u8]) -> (&[u8], &[u8]) {
    let (len, hdr) = der_len(b);
    (&b[hdr..hdr + len], &b[hdr + len..])
}

/// (whole first element including header, rest).
fn der_element(b: &[u8]) -> (&[u8], &[u8]) {
    let (len, hdr) = der_len(b);
    (&b[..hdr + len], &b[hdr + len..])
}

fn der_wrap(tag: u8, body: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let n = body.len();
    if n < 0x80 {
        out.push(n as u8);
    } else if n < 0x100 {
        out.extend_from_slice(&[0x81, n as u8]);
    } else {
        out.extend_from_slice(&[0x82, (n >> 8) as u8, n as u8]);
    }
    out.extend_from_slice(body);
    out
}

fn pem_encode(label: &str, der: &[u8]) -> String {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let lines: Vec<&str> = b64
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    format!(
        "-----BEGIN {label}-----\n{}\n-----END {label}-----\n",
        lines.join("\n")
    )
}

#[tokio::test]
async fn request_headers_are_sent_and_accept_replaces_the_default() {
    const TABLE_ACCEPT: &str = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json";
    let (url, script) = http_server(vec![canned("200 OK", SA), canned("200 OK", SA)]).await;
    let client = Client::new(&plain(&url)).unwrap();
    let path = Path::raw("/api/v1/namespaces/default/serviceaccounts/x");
    let req = Request::get(path.clone())
        .accept(TABLE_ACCEPT)
        .unwrap()
        .header("X-Probe", "1")
        .unwrap();
    let _: serde_json::Value = client.request(req).await.unwrap();
    let _: serde_json::Value = client.request(Request::get(path)).await.unwrap();
    let seen = script.seen();
    let accepts = |s: &Seen| {
        s.headers
            .iter()
            .filter(|(k, _)| k == "accept")
            .map(|(_, v)| v.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(accepts(&seen[0]), [TABLE_ACCEPT], "exactly one Accept");
    assert_eq!(seen[0].header("x-probe"), Some("1"));
    // Headers belong to their request only.
    assert_eq!(accepts(&seen[1]), ["application/json"]);
    assert_eq!(seen[1].header("x-probe"), None);
}

#[test]
fn request_headers_refuse_invalid_names_values_and_credentials() {
    let path = Path::raw("/api/v1/pods");
    let err = Request::get(path.clone())
        .header("bad name", "x")
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "cannot send header \"bad name\": not a valid header name"
    );
    let err = Request::get(path.clone())
        .header("X-A", "line\nbreak")
        .unwrap_err();
    assert!(matches!(err, Error::InvalidHeader { .. }), "{err}");
    let err = Request::get(path)
        .header("authorization", "Bearer secret")
        .unwrap_err();
    assert!(!err.to_string().contains("secret"), "{err}");
}

#[tokio::test]
async fn http_urls_at_https_ports_say_so() {
    // kube-apiserver (Go) answers plain HTTP on its TLS port with this 400 ...
    let (url, _) = http_server(vec![Canned {
        status: "400 Bad Request",
        headers: vec![("Content-Type", "text/plain".into())],
        body: "Client sent an HTTP request to an HTTPS server.\n".into(),
    }])
    .await;
    let c = Client::new(&plain(&url)).unwrap();
    let e = c
        .send(&Request::get(Path::raw("/version")))
        .await
        .unwrap_err();
    assert!(matches!(e, Error::PlainHttpToTls { .. }), "{e:?}");
    let https = url.replace("http://", "https://");
    assert_eq!(
        e.to_string(),
        format!(
            "the server at {url} speaks HTTPS but the server URL says http://: use {https} instead"
        )
    );
    // ... and a rustls server with a TLS alert, which is not an HTTP status line.
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        while let Ok((mut s, _)) = listener.accept().await {
            let mut buf = [0u8; 1024];
            let _ = s.read(&mut buf).await;
            let _ = s
                .write_all(&[0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x32])
                .await;
        }
    });
    let c = Client::new(&plain(&url)).unwrap();
    let e = c
        .send(&Request::get(Path::raw("/version")))
        .await
        .unwrap_err();
    assert!(matches!(e, Error::PlainHttpToTls { .. }), "{e:?}");
}
