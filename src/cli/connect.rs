//! From global flags to a ready [`Client`]: kubeconfig loading, overrides, `--show-http`.

use std::collections::HashSet;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rawkube::Client;
use rawkube::config::ConnectionConfig;
use rawkube::kubeconfig::{Kubeconfig, LoadOptions, Overrides};
use rawkube::trace::{CurlTrace, Observer, TracedOutcome, TracedRequest};

use super::CliError;
use super::globals::GlobalArgs;
use super::http_trace::trace_files;

/// A connected client plus the namespace commands default to.
pub struct Session {
    /// The HTTPS client.
    pub client: Client,
    /// `-n` if given, else the context's namespace, else `default`.
    pub namespace: String,
    /// The resolved connection (server, CA, credentials), for writing kubeconfigs.
    pub connection: ConnectionConfig,
}

impl GlobalArgs {
    /// The kubeconfig overrides these flags ask for.
    pub fn overrides(&self) -> Overrides {
        Overrides {
            context: self.context.clone(),
            namespace: self.namespace.clone(),
            server: self.server.clone(),
            token: self.token.clone(),
            certificate_authority: self.certificate_authority.clone(),
            insecure_skip_tls_verify: self.insecure_skip_tls_verify.unwrap_or(false),
            tls_server_name: self.tls_server_name.clone(),
            ..Default::default()
        }
    }

    /// Loads the kubeconfig files these flags select.
    pub fn load_kubeconfig(&self) -> Result<Kubeconfig, CliError> {
        Kubeconfig::load(&LoadOptions::from_env(self.kubeconfig.clone())).map_err(CliError::msg)
    }

    /// Resolves the connection settings without connecting.
    pub fn connection(&self) -> Result<ConnectionConfig, CliError> {
        self.load_kubeconfig()?
            .resolve(&self.overrides())
            .map_err(CliError::msg)
    }

    /// What watches every request to `conn`: the server-warning printer kubectl always
    /// has, plus the `--show-http` tracer (curl commands on stderr, naming the
    /// kubeconfig's files) if asked for. Always `Some`.
    pub fn observer(&self, conn: &ConnectionConfig) -> Option<Arc<dyn Observer>> {
        let warnings: Arc<dyn Observer> = Arc::new(WarningPrinter::default());
        if !self.show_http && !self.show_http_body {
            return Some(warnings);
        }
        // The connection resolved already, so a failure here only loses file names.
        let kc = self.load_kubeconfig().ok();
        let files = trace_files(self, kc.as_ref(), conn);
        let curl = CurlTrace::new(Box::new(std::io::stderr()), files.options)
            .with_response_bodies(self.show_http_body)
            .with_token_file(files.token_file)
            .with_preamble(files.preamble);
        Some(Arc::new(Both(Arc::new(curl), warnings)))
    }

    /// A client for `conn`, tracing requests with `--show-http`.
    pub fn client_for(&self, conn: &ConnectionConfig) -> Result<Client, CliError> {
        let client = Client::new(conn).map_err(api_error)?;
        Ok(match self.observer(conn) {
            Some(o) => client.with_observer(o),
            None => client,
        })
    }

    /// Connects as the selected context.
    pub fn session(&self) -> Result<Session, CliError> {
        let connection = self.connection()?;
        let client = self.client_for(&connection)?;
        let namespace = match &self.namespace {
            Some(n) => n.clone(),
            None if !connection.namespace.is_empty() => connection.namespace.clone(),
            None => "default".into(),
        };
        Ok(Session {
            client,
            namespace,
            connection,
        })
    }
}

/// kubectl's default warning handler: every `Warning` header of every response (errors
/// too) as `Warning: TEXT` on stderr, each text once per command.
#[derive(Default)]
pub struct WarningPrinter {
    seen: Mutex<HashSet<String>>,
}

impl Observer for WarningPrinter {
    fn request(&self, _: &TracedRequest<'_>) {}

    fn response(&self, _: &TracedRequest<'_>, outcome: &TracedOutcome, _: Duration) {
        let TracedOutcome::Status { warnings, .. } = outcome else {
            return;
        };
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        for w in warnings {
            if seen.insert(w.clone()) {
                eprintln!("Warning: {w}");
            }
        }
    }
}

/// Two observers, called in order.
struct Both(Arc<dyn Observer>, Arc<dyn Observer>);

impl Observer for Both {
    fn request(&self, req: &TracedRequest<'_>) {
        self.0.request(req);
        self.1.request(req);
    }

    fn response(&self, req: &TracedRequest<'_>, outcome: &TracedOutcome, elapsed: Duration) {
        self.0.response(req, outcome, elapsed);
        self.1.response(req, outcome, elapsed);
    }

    fn response_body(&self, req: &TracedRequest<'_>, code: u16, body: &[u8]) {
        self.0.response_body(req, code, body);
        self.1.response_body(req, code, body);
    }
}

/// A library error as kubectl prints it: server errors carry their own
/// `Error from server (...)` prefix, everything else gets `error: `.
pub fn api_error(e: rawkube::Error) -> CliError {
    if e.status().is_some() {
        CliError::raw(e.to_string())
    } else {
        CliError::msg(e)
    }
}

/// kubectl's wrapped form for some commands: `error: failed to create X: <server message>`.
pub fn wrapped(what: &str, e: rawkube::Error) -> CliError {
    match e.status() {
        Some(s) if e.is_unauthorized() => CliError::msg(format!(
            "You must be logged in to the server ({})",
            s.message
        )),
        Some(s) => CliError::msg(format!("{what}: {}", s.message)),
        None => CliError::msg(format!("{what}: {e}")),
    }
}

/// Runs a future on a fresh single-threaded runtime (one per command: the CLI does one thing).
pub fn block_on<F: Future>(f: F) -> Result<F::Output, CliError> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::msg(format!("cannot start the async runtime: {e}")))?;
    Ok(rt.block_on(f))
}
