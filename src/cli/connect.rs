//! From global flags to a ready [`Client`]: kubeconfig loading, overrides, `--show-http`.

use std::future::Future;
use std::sync::Arc;

use rawkube::Client;
use rawkube::config::ConnectionConfig;
use rawkube::kubeconfig::{Kubeconfig, LoadOptions, Overrides};
use rawkube::trace::{CurlOptions, CurlTrace, Observer};

use super::CliError;
use super::globals::GlobalArgs;

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

    /// The `--show-http` tracer (curl commands on stderr), if asked for.
    pub fn observer(&self) -> Option<Arc<dyn Observer>> {
        self.show_http.then(|| {
            let opts = CurlOptions {
                show_secrets: self.show_secrets,
                ..Default::default()
            };
            Arc::new(CurlTrace::new(Box::new(std::io::stderr()), opts)) as Arc<dyn Observer>
        })
    }

    /// A client for `conn`, tracing requests with `--show-http`.
    pub fn client_for(&self, conn: &ConnectionConfig) -> Result<Client, CliError> {
        let client = Client::new(conn).map_err(api_error)?;
        Ok(match self.observer() {
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
