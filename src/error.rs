//! rawkube's error type.
//!
//! Two families: [`Error::Api`], the server said no (it keeps the server's
//! [`Status`] and prints exactly as kubectl does), and transport/setup
//! errors, which say what to fix and where (the kubeconfig file, cluster and
//! user come from [`Origin`]).

use std::path::PathBuf;
use std::time::Duration;

use crate::api::meta::{Status, StatusCause, StatusDetails, TypeMeta};
use crate::config::Origin;
use crate::path::Path;

/// `Result` with rawkube's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong talking to an API server.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The server answered with an error `Status` (or a non-2xx body mapped to one
    /// the way client-go does). `Display` is kubectl's line, e.g.
    /// `Error from server (Forbidden): pods is forbidden: ...`, or for 401
    /// `error: You must be logged in to the server (Unauthorized)`. Print it as is.
    #[error("{}", kubectl_message(.0))]
    Api(Box<Status>),

    /// The server's certificate does not chain to the CA we were told to trust.
    #[error(
        "the server {server} presented a certificate that is not signed by {}: check that the CA \
         belongs to this cluster (or that the server URL points at the right cluster)",
        ca_source(.origin, *.ca_configured)
    )]
    UntrustedCertificate {
        /// Server URL.
        server: String,
        /// Where the CA came from.
        origin: Box<Origin>,
        /// Whether a CA was configured at all (else the system roots were used).
        ca_configured: bool,
    },

    /// The certificate is trusted but not issued for the name we connected to.
    #[error(
        "the server certificate of {server} is not valid for {expected}{}: use a server URL \
         that matches the certificate, or set tls-server-name{}",
        valid_for(.presented),
        in_cluster(.origin)
    )]
    HostnameMismatch {
        /// Server URL.
        server: String,
        /// The name (or IP) we verified against.
        expected: String,
        /// Names the certificate is valid for, when rustls reports them.
        presented: Vec<String>,
        /// Where the cluster entry came from.
        origin: Box<Origin>,
    },

    /// The server's certificate is outside its validity period.
    #[error("the server certificate of {server} has expired or is not yet valid: {detail}")]
    CertificateExpired {
        /// Server URL.
        server: String,
        /// rustls' description.
        detail: String,
    },

    /// Any other TLS failure (bad handshake, client certificate rejected, ...).
    #[error("TLS handshake with {server} failed: {detail}")]
    Tls {
        /// Server URL.
        server: String,
        /// What rustls reported.
        detail: String,
    },

    /// Nothing listens at the server address.
    #[error(
        "connection refused to {server}: is the API server running, and is the server URL{} right?",
        in_cluster(.origin)
    )]
    ConnectionRefused {
        /// Server URL.
        server: String,
        /// Where the cluster entry came from.
        origin: Box<Origin>,
    },

    /// The request (or connecting) took longer than the configured timeout.
    #[error("request to {url} timed out after {}", humantime::format_duration(*.after))]
    Timeout {
        /// Full request URL.
        url: String,
        /// The timeout that expired.
        after: Duration,
    },

    /// Could not reach the server for another reason (DNS, reset, ...).
    #[error("cannot reach {url}: {detail}")]
    Connect {
        /// Full request URL.
        url: String,
        /// The underlying error chain, flattened.
        detail: String,
    },

    /// The bearer token file could not be read.
    #[error("cannot read the bearer token file {}: {source}", .path.display())]
    TokenFile {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },

    /// The bearer token file exists but holds no token.
    #[error("the bearer token file {} is empty", .path.display())]
    EmptyTokenFile {
        /// The file.
        path: PathBuf,
    },

    /// The client certificate or key cannot be used.
    #[error("the client certificate/key{} cannot be used: {reason}", of_user(.origin))]
    ClientCertificate {
        /// What is wrong (no key found, key does not match, ...).
        reason: String,
        /// Where the user entry came from.
        origin: Box<Origin>,
    },

    /// The configured CA bundle cannot be used.
    #[error("the certificate-authority{} cannot be used: {reason}", in_cluster(.origin))]
    CertificateAuthority {
        /// What is wrong.
        reason: String,
        /// Where the cluster entry came from.
        origin: Box<Origin>,
    },

    /// The `server` URL cannot be parsed.
    #[error("invalid server URL {server:?}{}: {reason}", in_cluster(.origin))]
    InvalidServerUrl {
        /// The URL as given.
        server: String,
        /// Why it is rejected.
        reason: String,
        /// Where it came from.
        origin: Box<Origin>,
    },

    /// `tls-server-name` is neither a DNS name nor an IP address.
    #[error("tls-server-name {name:?}{} is not a valid DNS name or IP address", in_cluster(.origin))]
    InvalidTlsServerName {
        /// The value as given.
        name: String,
        /// Where it came from.
        origin: Box<Origin>,
    },

    /// A call was given an object it cannot send (e.g. `update` without `metadata.name`).
    #[error("invalid request: {0}")]
    InvalidRequest(String),

    /// A token Secret was not filled in by the token controller in time.
    #[error(
        "data.token of Secret {namespace}/{secret} was not filled in within {}: the token \
         controller only fills Secrets of type kubernetes.io/service-account-token whose \
         ServiceAccount exists (it deletes the others)",
        humantime::format_duration(*.waited)
    )]
    TokenNotIssued {
        /// Namespace of the Secret.
        namespace: String,
        /// Secret name.
        secret: String,
        /// How long we polled.
        waited: Duration,
    },

    /// A 2xx response whose body is not the JSON we expected.
    #[error("unexpected response body from {method} {url} ({status}): {source}")]
    Decode {
        /// HTTP method.
        method: String,
        /// Full request URL.
        url: String,
        /// HTTP status code.
        status: u16,
        /// The JSON error.
        source: serde_json::Error,
    },

    /// A request body could not be encoded as JSON.
    #[error("cannot encode the request body: {0}")]
    Encode(#[source] serde_json::Error),

    /// A request header set with [`crate::client::Request::header`] is not allowed.
    #[error("cannot send header {name:?}: {reason}")]
    InvalidHeader {
        /// The header name as given.
        name: String,
        /// Why it was refused.
        reason: String,
    },

    /// Building the HTTP client failed.
    #[error("cannot set up the HTTP client: {0}")]
    Setup(String),

    /// The kubeconfig (or in-cluster configuration) could not be loaded, resolved or written.
    /// Boxed because the kubeconfig errors carry paths and names and would bloat every `Result`.
    #[error(transparent)]
    Kubeconfig(#[from] Box<crate::kubeconfig::KubeconfigError>),

    /// An exec credential plugin could not supply credentials (names the user; a missing
    /// program carries the `installHint`).
    #[error(transparent)]
    Exec(#[from] Box<crate::client::exec::ExecError>),

    /// The proxy settings (`proxy-url`, or `HTTPS_PROXY`/`HTTP_PROXY`) cannot be used.
    #[error("cannot use the proxy for {server}{}: {reason}", in_cluster(.origin))]
    Proxy {
        /// Server URL.
        server: String,
        /// What is wrong.
        reason: String,
        /// Where the cluster entry came from.
        origin: Box<Origin>,
    },

    /// An `http://` server URL reached a port that answers with TLS.
    #[error(
        "the server at {server} speaks HTTPS but the server URL{} says http://: use {} instead",
        in_cluster(.origin),
        https_of(.server)
    )]
    PlainHttpToTls {
        /// Server URL.
        server: String,
        /// Where the cluster entry came from.
        origin: Box<Origin>,
    },
}

impl From<crate::client::exec::ExecError> for Error {
    fn from(e: crate::client::exec::ExecError) -> Self {
        Error::Exec(Box::new(e))
    }
}

fn https_of(server: &str) -> String {
    match server.strip_prefix("http://") {
        Some(rest) => format!("https://{rest}"),
        None => server.to_string(),
    }
}

impl From<crate::kubeconfig::KubeconfigError> for Error {
    fn from(e: crate::kubeconfig::KubeconfigError) -> Self {
        Error::Kubeconfig(Box::new(e))
    }
}

impl Error {
    /// The server's Status, for API errors.
    pub fn status(&self) -> Option<&Status> {
        match self {
            Error::Api(s) => Some(s),
            _ => None,
        }
    }

    /// The Status reason (`NotFound`, `Forbidden`, ...), for API errors.
    pub fn reason(&self) -> Option<&str> {
        self.status().map(|s| s.reason.as_str())
    }

    /// The HTTP code of an API error.
    pub fn code(&self) -> Option<u16> {
        self.status().map(|s| s.code)
    }

    /// 404 NotFound.
    pub fn is_not_found(&self) -> bool {
        self.reason() == Some("NotFound")
    }

    /// 409 AlreadyExists (create of an existing name).
    pub fn is_already_exists(&self) -> bool {
        self.reason() == Some("AlreadyExists")
    }

    /// 409 Conflict (stale resourceVersion, failed precondition).
    pub fn is_conflict(&self) -> bool {
        self.reason() == Some("Conflict")
    }

    /// 403 Forbidden (authenticated, but RBAC said no).
    pub fn is_forbidden(&self) -> bool {
        self.reason() == Some("Forbidden")
    }

    /// 401 Unauthorized (no valid credential).
    pub fn is_unauthorized(&self) -> bool {
        self.reason() == Some("Unauthorized")
    }

    /// 422 Invalid (validation failed).
    pub fn is_invalid(&self) -> bool {
        self.reason() == Some("Invalid")
    }
}

/// kubectl's `StandardErrorMessage` for a Status error.
fn kubectl_message(s: &Status) -> String {
    match s.reason.as_str() {
        "Unauthorized" => format!("error: You must be logged in to the server ({})", s.message),
        "" => format!("Error from server: {}", s.message),
        reason => format!("Error from server ({reason}): {}", s.message),
    }
}

fn ca_source(origin: &Origin, ca_configured: bool) -> String {
    if !ca_configured {
        return format!(
            "any CA this system trusts (no certificate-authority is set{})",
            in_cluster(origin)
        );
    }
    let mut s = "the certificate-authority".to_string();
    if let Some(c) = &origin.cluster {
        s.push_str(&format!(" of cluster {c:?}"));
    }
    if let Some(f) = &origin.file {
        s.push_str(&format!(" in {}", f.display()));
    }
    s
}

fn in_cluster(origin: &Origin) -> String {
    match (&origin.cluster, &origin.file) {
        (Some(c), Some(f)) => format!(" of cluster {c:?} in {}", f.display()),
        (Some(c), None) => format!(" of cluster {c:?}"),
        (None, Some(f)) => format!(" in {}", f.display()),
        (None, None) => String::new(),
    }
}

fn of_user(origin: &Origin) -> String {
    match (&origin.user, &origin.file) {
        (Some(u), Some(f)) => format!(" of user {u:?} in {}", f.display()),
        (Some(u), None) => format!(" of user {u:?}"),
        (None, Some(f)) => format!(" in {}", f.display()),
        (None, None) => String::new(),
    }
}

fn valid_for(presented: &[String]) -> String {
    if presented.is_empty() {
        String::new()
    } else {
        format!(" (it is valid for: {})", presented.join(", "))
    }
}

/// Map a non-2xx body that is not a `Status` the way client-go's
/// `newUnstructuredResponseError` + `NewGenericServerResponse` do, so the text
/// matches kubectl (`unknown (get pods)`, `forbidden: nope (get pods)`).
pub(crate) fn status_from_unstructured(
    code: u16,
    method: &str,
    path: &Path,
    body: &[u8],
    is_text: bool,
    retry_after: Option<u64>,
) -> Status {
    let group_resource = path.group_resource();
    let name = path.name();
    let (resource, group) = group_resource
        .split_once('.')
        .unwrap_or((group_resource, ""));
    // client-go caps the echoed body so a huge HTML page cannot flood the terminal.
    const MAX_BODY: usize = 1024;
    let server_message = if is_text {
        let cut = &body[..body.len().min(MAX_BODY)];
        String::from_utf8_lossy(cut).trim().to_string()
    } else {
        "unknown".to_string()
    };
    let (reason, mut message) = match code {
        409 if method == "POST" => ("AlreadyExists", "the server reported a conflict".into()),
        409 => ("Conflict", "the server reported a conflict".into()),
        404 => (
            "NotFound",
            "the server could not find the requested resource".into(),
        ),
        400 => (
            "BadRequest",
            "the server rejected our request for an unknown reason".into(),
        ),
        401 => (
            "Unauthorized",
            "the server has asked for the client to provide credentials".into(),
        ),
        403 => ("Forbidden", server_message.clone()),
        406 => ("NotAcceptable", server_message.clone()),
        415 => ("UnsupportedMediaType", server_message.clone()),
        405 => (
            "MethodNotAllowed",
            "the server does not allow this method on the requested resource".into(),
        ),
        422 => (
            "Invalid",
            "the server rejected our request due to an error in our request".into(),
        ),
        503 => (
            "ServiceUnavailable",
            "the server is currently unable to handle the request".into(),
        ),
        504 => (
            "Timeout",
            "the server was unable to return a response in the time allotted, but may still be processing the request".into(),
        ),
        429 => (
            "TooManyRequests",
            "the server has received too many requests and has asked us to try again later".into(),
        ),
        c if c >= 500 => (
            "InternalError",
            format!(
                "an error on the server ({server_message:?}) has prevented the request from succeeding"
            ),
        ),
        c => (
            "",
            format!("the server responded with the status code {c} but did not return more information"),
        ),
    };
    if !group_resource.is_empty() {
        let verb = method.to_lowercase();
        if name.is_empty() {
            message = format!("{message} ({verb} {group_resource})");
        } else {
            message = format!("{message} ({verb} {group_resource} {name})");
        }
    }
    Status {
        type_meta: TypeMeta {
            kind: "Status".into(),
            api_version: "v1".into(),
        },
        status: "Failure".into(),
        message,
        reason: reason.into(),
        code,
        details: Some(StatusDetails {
            name: name.into(),
            group: group.into(),
            kind: resource.into(),
            causes: vec![StatusCause {
                reason: "UnexpectedServerResponse".into(),
                message: server_message,
                field: String::new(),
            }],
            retry_after_seconds: retry_after.map(|s| s.min(i32::MAX as u64) as i32),
            ..Default::default()
        }),
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::path::Resource;

    fn api(body: &str) -> Error {
        Error::Api(Box::new(serde_json::from_str(body).unwrap()))
    }

    #[test]
    fn kubeconfig_errors_keep_their_message_and_are_not_api_errors() {
        let e: Error = crate::kubeconfig::KubeconfigError::ContextNotFound {
            name: "nope".into(),
            files: "/tmp/kc".into(),
        }
        .into();
        assert_eq!(e.to_string(), r#"context "nope" not found in /tmp/kc"#);
        assert!(e.status().is_none());
    }

    #[test]
    fn forbidden_displays_like_kubectl() {
        let e = api(
            r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"pods is forbidden: User \"system:serviceaccount:default:bearertokenauth\" cannot list resource \"pods\" in API group \"\" in the namespace \"default\"","reason":"Forbidden","details":{"kind":"pods"},"code":403}"#,
        );
        assert_eq!(
            e.to_string(),
            r#"Error from server (Forbidden): pods is forbidden: User "system:serviceaccount:default:bearertokenauth" cannot list resource "pods" in API group "" in the namespace "default""#
        );
        assert!(e.is_forbidden());
        assert_eq!(e.code(), Some(403));
        assert!(!e.is_not_found());
    }

    #[test]
    fn unauthorized_displays_login_hint() {
        let e = api(
            r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Unauthorized","reason":"Unauthorized","code":401}"#,
        );
        assert_eq!(
            e.to_string(),
            "error: You must be logged in to the server (Unauthorized)"
        );
        assert!(e.is_unauthorized());
    }

    #[test]
    fn accessors_per_reason() {
        let nf = api(
            r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"serviceaccounts \"x\" not found","reason":"NotFound","details":{"name":"x","kind":"serviceaccounts"},"code":404}"#,
        );
        assert!(nf.is_not_found());
        assert_eq!(nf.reason(), Some("NotFound"));
        assert_eq!(
            nf.to_string(),
            r#"Error from server (NotFound): serviceaccounts "x" not found"#
        );
        let ae = api(
            r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"roles.rbac.authorization.k8s.io \"bearertokenauth\" already exists","reason":"AlreadyExists","code":409}"#,
        );
        assert!(ae.is_already_exists() && !ae.is_conflict());
        assert_eq!(
            ae.to_string(),
            r#"Error from server (AlreadyExists): roles.rbac.authorization.k8s.io "bearertokenauth" already exists"#
        );
        let c = api(
            r#"{"kind":"Status","apiVersion":"v1","status":"Failure","message":"m","reason":"Conflict","code":409}"#,
        );
        assert!(c.is_conflict() && !c.is_already_exists());
        let no_reason = api(r#"{"kind":"Status","message":"boom","code":500}"#);
        assert_eq!(no_reason.to_string(), "Error from server: boom");
        let empty_msg = api(r#"{"kind":"Status","reason":"Forbidden","code":403}"#);
        assert_eq!(empty_msg.to_string(), "Error from server (Forbidden): ");
    }

    fn unstructured(code: u16, method: &str, body: &str, is_text: bool) -> String {
        let path = Resource::namespaced("", "v1", "pods").collection("default");
        let s = status_from_unstructured(code, method, &path, body.as_bytes(), is_text, None);
        Error::Api(Box::new(s)).to_string()
    }

    #[test]
    fn non_status_bodies_map_like_kubectl() {
        // kubectl-traffic.md runs 13 and 14.
        assert_eq!(
            unstructured(403, "GET", "", false),
            "Error from server (Forbidden): unknown (get pods)"
        );
        assert_eq!(
            unstructured(403, "GET", "forbidden: nope\n", true),
            "Error from server (Forbidden): forbidden: nope (get pods)"
        );
        assert_eq!(
            unstructured(401, "GET", "", false),
            "error: You must be logged in to the server (the server has asked for the client to provide credentials (get pods))"
        );
        assert_eq!(
            unstructured(500, "GET", "oops", true),
            r#"Error from server (InternalError): an error on the server ("oops") has prevented the request from succeeding (get pods)"#
        );
        assert_eq!(
            unstructured(409, "POST", "", false),
            "Error from server (AlreadyExists): the server reported a conflict (post pods)"
        );
    }

    #[test]
    fn unstructured_with_name_and_group() {
        let path = Resource::namespaced("rbac.authorization.k8s.io", "v1", "roles").item("d", "r");
        let s = status_from_unstructured(404, "DELETE", &path, b"404 page not found", true, None);
        assert_eq!(
            s.message,
            "the server could not find the requested resource (delete roles.rbac.authorization.k8s.io r)"
        );
        let d = s.details.unwrap();
        assert_eq!(
            (d.kind.as_str(), d.group.as_str()),
            ("roles", "rbac.authorization.k8s.io")
        );
    }

    #[test]
    fn transport_errors_name_what_to_fix() {
        let origin = Origin {
            file: Some("/home/u/.kube/config".into()),
            context: Some("kind-kind".into()),
            cluster: Some("kind-kind".into()),
            user: Some("kind-admin".into()),
        };
        let e = Error::UntrustedCertificate {
            server: "https://127.0.0.1:6443".into(),
            origin: Box::new(origin.clone()),
            ca_configured: true,
        };
        assert_eq!(
            e.to_string(),
            r#"the server https://127.0.0.1:6443 presented a certificate that is not signed by the certificate-authority of cluster "kind-kind" in /home/u/.kube/config: check that the CA belongs to this cluster (or that the server URL points at the right cluster)"#
        );
        let e = Error::ConnectionRefused {
            server: "https://127.0.0.1:1".into(),
            origin: Box::new(origin.clone()),
        };
        assert_eq!(
            e.to_string(),
            r#"connection refused to https://127.0.0.1:1: is the API server running, and is the server URL of cluster "kind-kind" in /home/u/.kube/config right?"#
        );
        let e = Error::ClientCertificate {
            reason: "no private key found".into(),
            origin: Box::new(origin),
        };
        assert_eq!(
            e.to_string(),
            r#"the client certificate/key of user "kind-admin" in /home/u/.kube/config cannot be used: no private key found"#
        );
        let e = Error::TokenFile {
            path: "/var/run/token".into(),
            source: std::io::Error::from(std::io::ErrorKind::NotFound),
        };
        assert_eq!(
            e.to_string(),
            "cannot read the bearer token file /var/run/token: entity not found"
        );
        let e = Error::Timeout {
            url: "https://127.0.0.1:6443/version".into(),
            after: Duration::from_secs(30),
        };
        assert_eq!(
            e.to_string(),
            "request to https://127.0.0.1:6443/version timed out after 30s"
        );
    }
}
