//! Helpers: HTTPS clients that trust the mock's CA, as the admin or as someone else.

use mock_apiserver::MockServer;

/// A client trusting only the server's CA, presenting the given client cert/key (PEM).
pub fn client_with(server: &MockServer, identity: Option<(&str, &str)>) -> reqwest::Client {
    let ca = reqwest::Certificate::from_pem(server.ca_pem().as_bytes()).expect("CA PEM");
    let mut b = reqwest::Client::builder().tls_certs_only([ca]);
    if let Some((cert, key)) = identity {
        let pem = format!("{cert}{key}");
        b = b.identity(reqwest::Identity::from_pem(pem.as_bytes()).expect("identity PEM"));
    }
    b.build().expect("client")
}

/// A client authenticating as `kubernetes-admin`.
pub fn admin(server: &MockServer) -> reqwest::Client {
    client_with(
        server,
        Some((
            server.admin_client_cert_pem(),
            server.admin_client_key_pem(),
        )),
    )
}

/// A client without any credential (anonymous).
pub fn anonymous(server: &MockServer) -> reqwest::Client {
    client_with(server, None)
}

/// A clock for the token cache that a test moves by hand: the wall clock plus an offset, so
/// "ten seconds later" takes no time.
#[derive(Clone, Default)]
pub struct TestClock(std::sync::Arc<std::sync::atomic::AtomicU64>);

impl TestClock {
    /// The clock to give `MockServerBuilder::token_cache_clock`.
    pub fn clock(&self) -> mock_apiserver::authn::token_cache::Clock {
        let offset = self.0.clone();
        mock_apiserver::authn::token_cache::Clock::new(move || {
            std::time::SystemTime::now()
                + std::time::Duration::from_secs(offset.load(std::sync::atomic::Ordering::SeqCst))
        })
    }

    /// Moves the clock `secs` seconds ahead.
    pub fn advance(&self, secs: u64) {
        self.0.fetch_add(secs, std::sync::atomic::Ordering::SeqCst);
    }
}
