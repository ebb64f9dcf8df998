//! How requests reach the server: through which proxy, and with which TLS server name.
//!
//! * The proxy is chosen once per client by [`super::proxy`] (kubeconfig `proxy-url`, else
//!   the environment as Go reads it); reqwest is then given exactly that proxy or none, so
//!   it never reads the environment itself.
//! * `tls-server-name` must be the name in the TLS ClientHello (SNI), as client-go sends it,
//!   not only the name the certificate is checked against: an SNI router in front of the
//!   API server routes on it. reqwest takes SNI from the URL's host, so when the two differ
//!   the request URL carries the `tls-server-name` as its host and a DNS resolver maps that
//!   name to the server's real address — what `curl --connect-to` does, and how
//!   `--show-http` prints it. A side effect: `Host`/`:authority` is the `tls-server-name`
//!   too (client-go sends the URL's host; the API server does not look at it). Through an
//!   HTTP(S) proxy the CONNECT request must name the real host, so there SNI stays the URL
//!   host and `tls-server-name` is only used to verify the certificate.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use rustls::pki_types::ServerName;

use super::ClientOptions;
use super::proxy::{ProxyChoice, ProxyEnv, ProxySource, parse_proxy_url};
use crate::config::ConnectionConfig;
use crate::error::{Error, Result};

/// The way to the server, decided once per client.
#[derive(Clone, Debug)]
pub(crate) struct Route {
    /// The server URL requests are sent to (its host is the `tls-server-name` when SNI
    /// needs it), without a trailing slash.
    pub wire_server: String,
    /// The proxy in use, if any.
    pub proxy: Option<ProxyChoice>,
    /// An environment proxy is configured but not used for this server (loopback or
    /// `NO_PROXY`): a copied curl command must not pick it up either.
    pub bypass_env_proxy: bool,
    /// curl's `--connect-to NAME:PORT:HOST:PORT` when the URL host is the `tls-server-name`.
    pub connect_to: Option<String>,
    /// What reqwest gets as its only proxy.
    reqwest_proxy: Option<String>,
    /// Maps the `tls-server-name` to the real host's addresses.
    resolver: Option<Arc<SniResolver>>,
}

impl Route {
    /// Plans the route to `config.server` (already parsed as `url`).
    pub(crate) fn plan(
        config: &ConnectionConfig,
        url: &reqwest::Url,
        env: &ProxyEnv,
    ) -> Result<Route> {
        let proxy_err = |reason: String| Error::Proxy {
            server: config.server.clone(),
            reason,
            origin: Box::new(config.origin.clone()),
        };
        let proxy = match config.proxy_url.as_deref().filter(|p| !p.is_empty()) {
            Some(p) => Some(ProxyChoice {
                url: parse_proxy_url(p)
                    .map_err(|e| proxy_err(format!("invalid proxy-url {p:?}: {e}")))?,
                source: ProxySource::Kubeconfig,
            }),
            None => env
                .proxy_for(&config.server)
                .map_err(|e| proxy_err(e.to_string()))?,
        };
        let bypass_env_proxy = proxy.is_none() && env.configured_for(url.scheme());
        let server = config.server.trim_end_matches('/').to_string();
        let http_proxy = proxy
            .as_ref()
            .is_some_and(|p| matches!(p.url.scheme(), "http" | "https"));
        let sni = (url.scheme() == "https" && !http_proxy)
            .then(|| sni_override(config, url))
            .flatten();
        let (wire_server, connect_to, resolver) = match sni {
            Some((name, real_host)) => {
                let port = url.port_or_known_default().unwrap_or(443);
                let mut wire = url.clone();
                wire.set_host(Some(&name))
                    .map_err(|e| Error::Setup(format!("tls-server-name {name:?}: {e}")))?;
                let connect_to = format!("{name}:{port}:{}:{port}", url.host_str().unwrap_or(""));
                (
                    wire.as_str().trim_end_matches('/').to_string(),
                    Some(connect_to),
                    Some(Arc::new(SniResolver {
                        name,
                        target: real_host,
                    })),
                )
            }
            None => (server, None, None),
        };
        // A socks5:// proxy resolves names itself, as Go's SOCKS5 dialer asks it to
        // (socks5h); with the SNI name in the URL, rawkube resolves the real host instead.
        let reqwest_proxy = proxy.as_ref().map(|p| {
            let s = p.url.as_str();
            match s.strip_prefix("socks5:") {
                Some(rest) if resolver.is_none() => format!("socks5h:{rest}"),
                _ => s.to_string(),
            }
        });
        Ok(Route {
            wire_server,
            proxy,
            bypass_env_proxy,
            connect_to,
            reqwest_proxy,
            resolver,
        })
    }

    /// A reqwest client that follows this route with `tls`.
    pub(crate) fn http_client(
        &self,
        tls: rustls::ClientConfig,
        options: &ClientOptions,
    ) -> Result<reqwest::Client> {
        let mut b = reqwest::Client::builder()
            .tls_backend_preconfigured(tls)
            .user_agent(super::USER_AGENT)
            .connect_timeout(options.connect_timeout)
            .timeout(options.request_timeout)
            // The proxy was decided in `plan`; reqwest must not read the environment.
            .no_proxy()
            // Every request the user sees is one request on the wire: a redirect is
            // reported (as a non-2xx status), never followed behind their back.
            .redirect(reqwest::redirect::Policy::none());
        if let Some(p) = &self.reqwest_proxy {
            let proxy = reqwest::Proxy::all(p.as_str())
                .map_err(|e| Error::Setup(format!("proxy {p}: {e}")))?;
            b = b.proxy(proxy);
        }
        if let Some(r) = &self.resolver {
            b = b.dns_resolver(r.clone());
        }
        b.build().map_err(|e| Error::Setup(e.to_string()))
    }
}

/// `(tls-server-name, real host)` when SNI must differ from the URL's host: the name is a
/// DNS name (an IP address is never sent as SNI) other than the host.
fn sni_override(config: &ConnectionConfig, url: &reqwest::Url) -> Option<(String, String)> {
    let name = config.tls_server_name.as_deref()?.trim_end_matches('.');
    if !matches!(ServerName::try_from(name), Ok(ServerName::DnsName(_))) {
        return None;
    }
    let host = url.host_str()?;
    if host.eq_ignore_ascii_case(name) {
        return None;
    }
    let real = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_string();
    Some((name.to_ascii_lowercase(), real))
}

/// Resolves the `tls-server-name` to the server's real address; other names normally.
#[derive(Debug)]
struct SniResolver {
    name: String,
    target: String,
}

impl Resolve for SniResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let host = if name.as_str().eq_ignore_ascii_case(&self.name) {
            self.target.clone()
        } else {
            name.as_str().to_string()
        };
        Box::pin(async move {
            let addrs: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            Ok(Box::new(addrs.into_iter()) as Addrs)
        })
    }
}

/// The reqwest client in use. A new client certificate from an exec plugin needs new
/// connections (pooled ones were authenticated with the old one), so the client is
/// rebuilt, with an empty pool, when the certificate generation changes.
pub(crate) struct Transport {
    route: Route,
    tls: rustls::ClientConfig,
    options: ClientOptions,
    current: Mutex<(u64, reqwest::Client)>,
}

impl Transport {
    pub(crate) fn new(
        route: Route,
        tls: rustls::ClientConfig,
        options: ClientOptions,
    ) -> Result<Self> {
        let http = route.http_client(tls.clone(), &options)?;
        Ok(Transport {
            route,
            tls,
            options,
            current: Mutex::new((0, http)),
        })
    }

    pub(crate) fn route(&self) -> &Route {
        &self.route
    }

    /// The client for connections carrying exec certificate generation `generation`.
    pub(crate) fn client(&self, generation: u64) -> Result<reqwest::Client> {
        let mut cur = self.current.lock().unwrap_or_else(|e| e.into_inner());
        if cur.0 != generation {
            *cur = (
                generation,
                self.route.http_client(self.tls.clone(), &self.options)?,
            );
        }
        Ok(cur.1.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(server: &str, tls_server_name: Option<&str>, proxy_url: Option<&str>) -> Route {
        let cfg = ConnectionConfig {
            server: server.into(),
            tls_server_name: tls_server_name.map(str::to_string),
            proxy_url: proxy_url.map(str::to_string),
            ..Default::default()
        };
        let url = reqwest::Url::parse(server).unwrap();
        Route::plan(&cfg, &url, &ProxyEnv::default()).unwrap()
    }

    #[test]
    fn tls_server_name_becomes_the_url_host_with_connect_to() {
        let r = plan(
            "https://127.0.0.1:6443",
            Some("kubernetes.default.svc"),
            None,
        );
        assert_eq!(r.wire_server, "https://kubernetes.default.svc:6443");
        assert_eq!(
            r.connect_to.as_deref(),
            Some("kubernetes.default.svc:6443:127.0.0.1:6443")
        );
        let r = plan("https://[::1]/prefix/", Some("API.example"), None);
        assert_eq!(r.wire_server, "https://api.example/prefix");
        assert_eq!(r.connect_to.as_deref(), Some("api.example:443:[::1]:443"));
    }

    #[test]
    fn no_sni_rewrite_for_ip_names_same_names_plain_http_or_http_proxies() {
        for (server, name, proxy) in [
            ("https://127.0.0.1:6443", Some("10.0.0.1"), None),
            ("https://Kubernetes:6443", Some("kubernetes"), None),
            ("http://127.0.0.1:8080", Some("kubernetes"), None),
            ("https://127.0.0.1:6443", None, None),
            (
                "https://127.0.0.1:6443",
                Some("kubernetes"),
                Some("http://127.0.0.1:3128"),
            ),
        ] {
            let r = plan(server, name, proxy);
            assert_eq!(r.connect_to, None, "{server} {name:?} {proxy:?}");
            assert_eq!(r.wire_server, server.trim_end_matches('/'));
        }
    }

    #[test]
    fn socks5_asks_the_proxy_to_resolve_unless_sni_needs_the_real_host() {
        let r = plan(
            "https://kubernetes:6443",
            None,
            Some("socks5://127.0.0.1:1080"),
        );
        assert_eq!(r.reqwest_proxy.as_deref(), Some("socks5h://127.0.0.1:1080"));
        let r = plan(
            "https://127.0.0.1:6443",
            Some("kubernetes"),
            Some("socks5://127.0.0.1:1080"),
        );
        assert_eq!(r.reqwest_proxy.as_deref(), Some("socks5://127.0.0.1:1080"));
        assert!(r.connect_to.is_some());
    }

    #[test]
    fn env_proxy_not_used_for_loopback_is_remembered_for_curl() {
        let cfg = ConnectionConfig {
            server: "https://127.0.0.1:6443".into(),
            ..Default::default()
        };
        let env = ProxyEnv {
            https_proxy: "http://proxy:3128".into(),
            ..Default::default()
        };
        let url = reqwest::Url::parse(&cfg.server).unwrap();
        let r = Route::plan(&cfg, &url, &env).unwrap();
        assert!(r.proxy.is_none() && r.bypass_env_proxy);
        let bad = ConnectionConfig {
            proxy_url: Some("ftp://x".into()),
            ..cfg
        };
        let e = Route::plan(&bad, &url, &env).unwrap_err().to_string();
        assert!(e.contains("unsupported scheme \"ftp\""), "{e}");
    }
}
