//! mock-apiserver: a stateful, TLS-serving stand-in for kube-apiserver, faithful enough that
//! the real `kubectl` works against it.
//!
//! ```no_run
//! # async fn demo() -> Result<(), mock_apiserver::MockError> {
//! let server = mock_apiserver::MockServer::start().await?;
//! println!("{}", server.url()); // https://127.0.0.1:PORT
//! let kubeconfig = server.admin_kubeconfig();
//! # let _ = kubeconfig; Ok(()) }
//! ```
//!
//! Every start makes a fresh CA (ECDSA P-256, so start-up takes milliseconds), a serving leaf
//! for the kubeadm SANs and an admin client certificate (`kubernetes-admin` in
//! `system:masters`). Requests are authenticated by an ordered [`AuthenticatorChain`] (client
//! certificates, the static token file, service-account tokens) and authorized by RBAC with a
//! fresh cluster's bootstrap policy (replaceable [`Authorizer`]); every exchange lands in the
//! [`Journal`]. The identity stack is assembled in [`wiring`].
//!
//! It is also a wiremock-style double ([`stubs`]): [`MockServer::stub`] answers requests
//! matched by their Kubernetes meaning with a Status, a literal answer, a delay, a connection
//! [`Fault`] or a scripted watch, and verifies expectations; [`MockServer::advance_clock`]
//! expires tokens and [`MockServer::compact`] makes old `continue` tokens and watches `410`.
#![warn(missing_docs)]

pub mod api;
pub mod authn;
pub mod authz;
pub mod clock;
#[doc(hidden)]
pub mod fuzzing;
pub mod hooks;
pub mod http;
pub mod sched;
pub mod store;
pub mod stubs;
pub mod wiring;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;

pub use api::objects::ObjectSource;
pub use authn::identity::{RequestAttributes, UserInfo};
pub use authn::{Authenticator, AuthenticatorChain, AuthnOutcome, AuthnRequest};
pub use authz::{Authorizer, Decision, MastersAuthorizer};
pub use clock::Clock;
pub use hooks::{
    ImpersonationRequest, Impersonator, NonResourceHandler, RawResponse, VirtualRequest,
    VirtualResource, WriteAdmission,
};
pub use http::journal::{Journal, JournalEntry};
pub use store::Store;
pub use stubs::{
    Expect, Fault, Match, Respond, Stub, StubError, StubGuard, StubRequest, StubSet, Verb,
    VerifyError, WatchEnd, WatchScript,
};

/// The admin user of the admin kubeconfig.
pub const ADMIN_USER: &str = "kubernetes-admin";
/// The admin's group, which the default authorizer (and RBAC's `cluster-admin` binding) allows.
pub const ADMIN_GROUP: &str = "system:masters";

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum MockError {
    /// Generating the PKI or the TLS configuration failed.
    #[error(transparent)]
    Tls(#[from] http::tls::TlsError),
    /// The listen address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// The OS error.
        source: std::io::Error,
    },
    /// The `--server-version` value is not `vMAJOR.MINOR.PATCH`.
    #[error("server version {0:?} is not of the form vMAJOR.MINOR.PATCH (e.g. v1.32.4)")]
    BadServerVersion(String),
    /// `--token-auth-file` could not be read or parsed.
    #[error(transparent)]
    TokenFile(#[from] authn::tokens::token_file::TokenFileError),
    /// `--service-account-key-file` could not be read or holds no usable key.
    #[error(transparent)]
    ServiceAccountKey(#[from] authn::tokens::keys::KeyError),
    /// The background runtime of a blocking start could not be created.
    #[error("starting the server's runtime failed: {0}")]
    Runtime(std::io::Error),
    /// A stub given to the builder is invalid.
    #[error(transparent)]
    Stub(#[from] StubError),
}

/// Configures a [`MockServer`] before starting it.
pub struct MockServerBuilder {
    listen: SocketAddr,
    server_version: String,
    authorizer: Option<Arc<dyn Authorizer>>,
    authenticators: AuthenticatorChain,
    virtuals: Vec<(String, String, Arc<dyn VirtualResource>)>,
    non_resource: Vec<(String, Arc<dyn NonResourceHandler>)>,
    impersonator: Option<Arc<dyn Impersonator>>,
    admission: Vec<Arc<dyn WriteAdmission>>,
    pki: Result<Arc<http::tls::Pki>, http::tls::TlsError>,
    store: Option<Arc<Store>>,
    token_auth_file: Option<PathBuf>,
    service_account_key_file: Option<PathBuf>,
    legacy_token_secrets: bool,
    authz_cache_delay: Duration,
    stubs: Vec<Stub>,
    token_cache_ttl: Duration,
}

impl std::fmt::Debug for MockServerBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MockServerBuilder")
            .field("listen", &self.listen)
            .field("server_version", &self.server_version)
            .finish_non_exhaustive()
    }
}

impl Default for MockServerBuilder {
    fn default() -> Self {
        let pki = http::tls::Pki::generate().map(Arc::new);
        let store = pki.as_ref().ok().map(|p| Arc::new(Store::new(p.ca_pem())));
        MockServerBuilder {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            server_version: api::discovery::DEFAULT_SERVER_VERSION.into(),
            authorizer: None,
            authenticators: AuthenticatorChain::default(),
            virtuals: Vec::new(),
            non_resource: Vec::new(),
            impersonator: None,
            admission: Vec::new(),
            pki,
            store,
            token_auth_file: None,
            service_account_key_file: None,
            legacy_token_secrets: false,
            authz_cache_delay: Duration::ZERO,
            stubs: Vec::new(),
            token_cache_ttl: authn::token_cache::DEFAULT_TTL,
        }
    }
}

impl MockServerBuilder {
    /// The address to listen on (default `127.0.0.1:0`, a free port).
    pub fn listen(mut self, addr: SocketAddr) -> Self {
        self.listen = addr;
        self
    }

    /// The `gitVersion` `/version` reports (default `v1.32.4`).
    pub fn server_version(mut self, version: &str) -> Self {
        self.server_version = version.to_string();
        self
    }

    /// Replaces the authorizer (default: RBAC over the store, with the bootstrap policy and
    /// `system:masters` allowed everything; [`MastersAuthorizer`] is the simplest alternative).
    /// The reviews still evaluate RBAC.
    pub fn authorizer(mut self, authorizer: Arc<dyn Authorizer>) -> Self {
        self.authorizer = Some(authorizer);
        self
    }

    /// `--token-auth-file`: static bearer tokens in kube-apiserver's CSV format
    /// (`token,user,uid,"group1,group2"`), read at start.
    pub fn token_auth_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.token_auth_file = Some(path.into());
        self
    }

    /// `--service-account-key-file`: the RSA key (PEM) that signs service-account tokens.
    /// Without it a key is generated on first use.
    pub fn service_account_key_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.service_account_key_file = Some(path.into());
        self
    }

    /// `--legacy-token-secrets`: behave like Kubernetes 1.23, where creating a ServiceAccount
    /// makes the token controller create a `NAME-token-xxxxx` Secret and list it in `secrets`.
    pub fn legacy_token_secrets(mut self, on: bool) -> Self {
        self.legacy_token_secrets = on;
        self
    }

    /// `--authz-cache-delay`: RBAC changes take effect for authorization only after `delay`
    /// (default zero: on the next request), to emulate a real cluster's cache lag.
    pub fn authz_cache_delay(mut self, delay: Duration) -> Self {
        self.authz_cache_delay = delay;
        self
    }

    /// Registers a stub from the start (as `--stubs FILE` does); an invalid one makes `start`
    /// fail with [`MockError::Stub`].
    pub fn stub(mut self, stub: Stub) -> Self {
        self.stubs.push(stub);
        self
    }

    /// Registers several stubs from the start (see [`MockServerBuilder::stub`]).
    pub fn stubs(mut self, stubs: impl IntoIterator<Item = Stub>) -> Self {
        self.stubs.extend(stubs);
        self
    }

    /// `--token-cache-ttl`: how long a successful bearer-token authentication is remembered
    /// (default 10 s, kube-apiserver's `TokenSuccessCacheTTL`; zero turns the cache off). While
    /// cached, a token keeps authenticating after its ServiceAccount or Secret is deleted.
    pub fn token_cache_ttl(mut self, ttl: Duration) -> Self {
        self.token_cache_ttl = ttl;
        self
    }

    /// Adds a check that runs before every create, update and patch of a stored object
    /// (after the built-in RBAC escalation check).
    pub fn admission(mut self, admission: Arc<dyn WriteAdmission>) -> Self {
        self.admission.push(admission);
        self
    }

    /// Appends an authenticator after the built-in client-certificate one (and before the
    /// built-in bearer-token one: static token file, service-account tokens).
    pub fn authenticator(mut self, authenticator: Arc<dyn Authenticator>) -> Self {
        self.authenticators.push(authenticator);
        self
    }

    /// Serves `POST` on a virtual resource: `path` is a plural (`selfsubjectaccessreviews`)
    /// or `plural/subresource` (`serviceaccounts/token`) in API group `group`.
    pub fn virtual_resource(
        mut self,
        group: &str,
        path: &str,
        handler: Arc<dyn VirtualResource>,
    ) -> Self {
        self.virtuals
            .push((group.to_string(), path.to_string(), handler));
        self
    }

    /// Serves `GET` on a non-resource `path` (e.g. `/openid/v1/jwks`) with `handler`.
    pub fn non_resource_route(mut self, path: &str, handler: Arc<dyn NonResourceHandler>) -> Self {
        self.non_resource.push((path.to_string(), handler));
        self
    }

    /// Installs the impersonation filter (`Impersonate-*` headers); without one, those
    /// headers are ignored.
    pub fn impersonator(mut self, impersonator: Arc<dyn Impersonator>) -> Self {
        self.impersonator = Some(impersonator);
        self
    }

    /// The store the server will use, with write access (for controllers that run beside
    /// the server). `None` only if generating the PKI failed (then `start` fails).
    pub fn store(&self) -> Option<Arc<Store>> {
        self.store.clone()
    }

    /// The store the server will use, so authenticators and authorizers built before
    /// `start` can read objects. `None` only if generating the PKI failed (then `start` fails).
    pub fn objects(&self) -> Option<Arc<dyn ObjectSource>> {
        self.store.clone().map(|s| s as Arc<dyn ObjectSource>)
    }

    /// The CA that will sign the serving and client certificates (PEM), if generated.
    pub fn ca_pem(&self) -> Option<&str> {
        self.pki.as_ref().ok().map(|p| p.ca_pem())
    }

    /// Starts the server on the current tokio runtime.
    pub async fn start(self) -> Result<MockServer, MockError> {
        let prepared = self.prepare()?;
        let listener = tokio::net::TcpListener::bind(prepared.listen)
            .await
            .map_err(|source| MockError::Bind {
                addr: prepared.listen,
                source,
            })?;
        Ok(prepared.launch(listener, tokio::runtime::Handle::current(), None))
    }

    /// Starts the server on its own runtime in a background thread (for sync tests and CLIs),
    /// with [`sched::default_workers`] workers whose threads ask the kernel for short time
    /// slices ([`sched`]); [`MockServerBuilder::start`] runs on the caller's runtime as it is.
    pub fn start_blocking(self) -> Result<MockServer, MockError> {
        let prepared = self.prepare()?;
        let runtime = sched::runtime_builder()
            .worker_threads(sched::default_workers())
            .thread_name("mock-apiserver")
            .enable_all()
            .build()
            .map_err(MockError::Runtime)?;
        // A std bind (not `block_on`) keeps this usable from inside another runtime too.
        let bind_error = |source| MockError::Bind {
            addr: prepared.listen,
            source,
        };
        let std_listener = std::net::TcpListener::bind(prepared.listen).map_err(bind_error)?;
        std_listener.set_nonblocking(true).map_err(bind_error)?;
        let listener = {
            let _guard = runtime.enter();
            tokio::net::TcpListener::from_std(std_listener).map_err(bind_error)?
        };
        let handle = runtime.handle().clone();
        Ok(prepared.launch(listener, handle, Some(runtime)))
    }

    fn prepare(self) -> Result<Prepared, MockError> {
        let pki = self.pki?;
        let version = api::discovery::version_info(&self.server_version)
            .ok_or_else(|| MockError::BadServerVersion(self.server_version.clone()))?;
        let store = match self.store {
            Some(s) => s,
            None => Arc::new(Store::new(pki.ca_pem())),
        };
        let admin = pki.issue_client_cert(ADMIN_USER, &[ADMIN_GROUP])?;
        let config = pki.server_configs()?;
        let identity = wiring::IdentityConfig {
            token_file: self
                .token_auth_file
                .as_deref()
                .map(authn::tokens::token_file::TokenFile::load)
                .transpose()?,
            keys: match &self.service_account_key_file {
                Some(path) => authn::tokens::keys::ServiceAccountKeys::from_pem_file(path)?,
                None => authn::tokens::keys::ServiceAccountKeys::lazy(),
            },
            legacy_token_secrets: self.legacy_token_secrets,
            authz_cache_delay: self.authz_cache_delay,
            legacy_token_tracking: api::discovery::minor_version(&version) >= 27,
            token_request_uid: api::discovery::minor_version(&version) >= 34,
            token_cache_ttl: self.token_cache_ttl,
        };
        if identity.legacy_token_secrets {
            // Legacy mode signs tokens for every ServiceAccount at once: make the key now, so
            // the token controller is as quick as a real one from the first request on.
            identity.keys.get()?;
        }
        wiring::seed_bootstrap_policy(&store);
        let stubs = Arc::new(StubSet::default());
        for s in self.stubs {
            stubs.register(s)?;
        }
        Ok(Prepared {
            listen: self.listen,
            pki,
            admin,
            config,
            store,
            version,
            authz: self.authorizer,
            authn: self.authenticators,
            virtuals: self.virtuals,
            non_resource: self.non_resource,
            impersonator: self.impersonator,
            admission: self.admission,
            identity,
            stubs,
        })
    }
}

/// The URL clients use: a wildcard listen address is reached over loopback (which the
/// serving certificate covers).
fn server_url(addr: SocketAddr) -> String {
    match addr {
        SocketAddr::V4(a) if a.ip().is_unspecified() => format!("https://127.0.0.1:{}", a.port()),
        SocketAddr::V4(a) => format!("https://{}:{}", a.ip(), a.port()),
        SocketAddr::V6(a) if a.ip().is_unspecified() => format!("https://[::1]:{}", a.port()),
        SocketAddr::V6(a) => format!("https://[{}]:{}", a.ip(), a.port()),
    }
}

struct Prepared {
    listen: SocketAddr,
    pki: Arc<http::tls::Pki>,
    admin: http::tls::ClientCert,
    config: http::tls::ServerConfigs,
    store: Arc<Store>,
    version: serde_json::Value,
    authz: Option<Arc<dyn Authorizer>>,
    authn: AuthenticatorChain,
    virtuals: Vec<(String, String, Arc<dyn VirtualResource>)>,
    non_resource: Vec<(String, Arc<dyn NonResourceHandler>)>,
    impersonator: Option<Arc<dyn Impersonator>>,
    admission: Vec<Arc<dyn WriteAdmission>>,
    identity: wiring::IdentityConfig,
    stubs: Arc<StubSet>,
}

impl Prepared {
    /// Spawns the accept loop on the current runtime.
    fn launch(
        self,
        listener: tokio::net::TcpListener,
        handle: tokio::runtime::Handle,
        runtime: Option<tokio::runtime::Runtime>,
    ) -> MockServer {
        let addr = listener.local_addr().unwrap_or(self.listen);
        let url = server_url(addr);
        let journal = Journal::default();
        let (shutdown, rx) = watch::channel(false);
        let wired = wiring::wire(self.identity, &url, &self.store, &handle, &rx);
        let mut authn = self.authn;
        authn.push(wired.authenticator);
        let mut virtuals = self.virtuals;
        virtuals.extend(wired.virtuals);
        let mut non_resource = self.non_resource;
        non_resource.extend(wired.non_resource);
        let mut admission: Vec<Arc<dyn WriteAdmission>> = vec![wired.admission];
        admission.extend(self.admission);
        let state = Arc::new(http::handler::State {
            store: self.store.clone(),
            authn,
            authz: self
                .authz
                .unwrap_or_else(|| wired.rbac.clone() as Arc<dyn Authorizer>),
            journal: journal.clone(),
            version: self.version,
            virtuals,
            non_resource,
            impersonator: Some(self.impersonator.unwrap_or(wired.impersonator)),
            admission,
            server_address: addr.to_string(),
            stubs: self.stubs.clone(),
        });
        handle.spawn(http::server::serve(listener, self.config, state, rx));
        tracing::debug!(%url, "mock-apiserver listening");
        MockServer {
            url,
            addr,
            pki: self.pki,
            admin: self.admin,
            store: self.store,
            journal,
            bearer: wired.bearer,
            stubs: self.stubs,
            shutdown,
            runtime,
        }
    }
}

/// A running mock-apiserver. Dropping it shuts the server down.
pub struct MockServer {
    url: String,
    addr: SocketAddr,
    pki: Arc<http::tls::Pki>,
    admin: http::tls::ClientCert,
    store: Arc<Store>,
    journal: Journal,
    bearer: Arc<authn::tokens::BearerAuthenticator>,
    stubs: Arc<StubSet>,
    shutdown: watch::Sender<bool>,
    runtime: Option<tokio::runtime::Runtime>,
}

impl std::fmt::Debug for MockServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MockServer")
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

impl MockServer {
    /// Starts a server on `127.0.0.1` and a free port, on the current tokio runtime.
    pub async fn start() -> Result<MockServer, MockError> {
        MockServer::builder().start().await
    }

    /// Starts a server on its own runtime in a background thread.
    pub fn start_blocking() -> Result<MockServer, MockError> {
        MockServer::builder().start_blocking()
    }

    /// A builder for non-default settings.
    pub fn builder() -> MockServerBuilder {
        MockServerBuilder::default()
    }

    /// The base URL, `https://127.0.0.1:PORT`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The cluster CA certificate, PEM.
    pub fn ca_pem(&self) -> &str {
        self.pki.ca_pem()
    }

    /// The admin kubeconfig (kubeadm's `admin.conf` layout) as YAML.
    pub fn admin_kubeconfig(&self) -> String {
        http::kubeconfig::admin_kubeconfig(
            &self.url,
            self.pki.ca_pem(),
            &self.admin.cert_pem,
            &self.admin.key_pem,
        )
    }

    /// Writes the admin kubeconfig to `path` atomically with mode 0600.
    pub fn write_admin_kubeconfig(&self, path: &Path) -> std::io::Result<()> {
        http::kubeconfig::write_private_file(path, &self.admin_kubeconfig())
    }

    /// The request journal (a shared handle; it sees later requests too).
    pub fn journal(&self) -> Journal {
        self.journal.clone()
    }

    /// The admin client certificate (`CN=kubernetes-admin, O=system:masters`), PEM.
    pub fn admin_client_cert_pem(&self) -> &str {
        &self.admin.cert_pem
    }

    /// The admin client key, PEM (PKCS#8).
    pub fn admin_client_key_pem(&self) -> &str {
        &self.admin.key_pem
    }

    /// Issues a client certificate signed by the cluster CA: CN = `user`, O = each group
    /// (at most two). Returns `(cert_pem, key_pem)`.
    pub fn issue_client_cert(
        &self,
        user: &str,
        groups: &[&str],
    ) -> Result<(String, String), MockError> {
        let c = self.pki.issue_client_cert(user, groups)?;
        Ok((c.cert_pem, c.key_pem))
    }

    /// The object store (read and write objects directly from tests).
    pub fn store(&self) -> Arc<Store> {
        self.store.clone()
    }

    /// The service-account token machinery (signing key, issuer), e.g. to mint a token with
    /// chosen claims in a test.
    pub fn service_account_tokens(&self) -> &authn::tokens::serviceaccount::ServiceAccountTokens {
        &self.bearer.service_accounts
    }

    /// Registers `stub` for as long as the returned guard lives; dropping the guard checks the
    /// stub's `expect` (panicking with a report naming near misses) and removes it.
    ///
    /// ```no_run
    /// # use mock_apiserver::{MockServer, Respond, Stub, Verb};
    /// # fn demo(server: &MockServer) {
    /// let _throttle = server.stub(
    ///     Stub::on(Verb::Create)
    ///         .resource("serviceaccounts")
    ///         .namespace("default")
    ///         .times(2)
    ///         .expect(2)
    ///         .respond(Respond::status(429).retry_after(1)),
    /// );
    /// # }
    /// ```
    ///
    /// # Panics
    ///
    /// If the stub is invalid (see [`StubError`]; [`MockServer::register_stub`] returns it).
    pub fn stub(&self, stub: Stub) -> StubGuard {
        match self.stubs.register(stub) {
            Ok(id) => StubGuard::new(self.stubs.clone(), id),
            Err(e) => panic!("{e}"),
        }
    }

    /// Registers `stub` until it is removed (through [`MockServer::stubs`] or the admin API);
    /// returns its id.
    pub fn register_stub(&self, stub: Stub) -> Result<String, StubError> {
        self.stubs.register(stub)
    }

    /// The server's stubs: list, remove, clear, verify.
    pub fn stubs(&self) -> &Arc<StubSet> {
        &self.stubs
    }

    /// Checks every stub's `expect`; the error lists unmet ones and their near misses.
    pub fn verify(&self) -> Result<(), VerifyError> {
        self.stubs.verify()
    }

    /// The journalled requests `m` matches (the journal queried by meaning).
    pub fn requests(&self, m: &Match) -> Vec<JournalEntry> {
        self.journal.matching(m)
    }

    /// The server's clock (token expiry, timestamps).
    pub fn clock(&self) -> &Arc<Clock> {
        self.store.clock()
    }

    /// Moves the server's clock forward (tokens expire, objects age); returns the new time.
    pub fn advance_clock(&self, by: Duration) -> std::time::SystemTime {
        self.store.clock().advance(by)
    }

    /// Compacts the resourceVersion history: a watch or a list `continue` from before now
    /// gets `410 Expired`. Returns the compacted revision.
    pub fn compact(&self) -> u64 {
        self.store.compact()
    }

    /// Stops accepting and closes every connection.
    pub fn shutdown(&self) {
        let _ = self.shutdown.send(true);
    }
}

impl Drop for MockServer {
    fn drop(&mut self) {
        self.shutdown();
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_background();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcard_listen_addresses_are_reached_over_loopback() {
        assert_eq!(
            server_url("0.0.0.0:6443".parse().unwrap()),
            "https://127.0.0.1:6443"
        );
        assert_eq!(
            server_url("[::]:6443".parse().unwrap()),
            "https://[::1]:6443"
        );
        assert_eq!(
            server_url("127.0.0.2:1".parse().unwrap()),
            "https://127.0.0.2:1"
        );
    }

    #[test]
    fn bad_server_version_is_a_typed_error() {
        let err = MockServer::builder()
            .server_version("1.32")
            .start_blocking()
            .unwrap_err();
        assert!(matches!(err, MockError::BadServerVersion(v) if v == "1.32"));
    }
}
