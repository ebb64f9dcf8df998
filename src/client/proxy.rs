//! Which proxy a request to the API server goes through, decided as kubectl decides it.
//!
//! * A cluster's `proxy-url` is always used, for every host, loopback included
//!   (client-go's `clientcmd` sets `http.ProxyURL(u)`, which never looks at `NO_PROXY`).
//!   Its scheme must be `http`, `https` or `socks5`, with clientcmd's message otherwise.
//! * Without it, `HTTPS_PROXY`/`https_proxy` (for `https://` servers) or
//!   `HTTP_PROXY`/`http_proxy` (for `http://`) apply unless `NO_PROXY`/`no_proxy` excludes
//!   the host, exactly as Go's `net/http.ProxyFromEnvironment` reads them
//!   (golang.org/x/net/http/httpproxy): the upper-case name wins when set and non-empty;
//!   a value without a known scheme gets `http://`; an unparsable value means no proxy;
//!   `localhost` and loopback addresses are **never** proxied (`useProxy`); `NO_PROXY`
//!   entries are `*`, IP addresses, CIDRs, and domain names that match themselves and
//!   their subdomains (`.example.com` only subdomains), each optionally with `:port`.
//!   client-go adds CIDR matching of its own (`utilnet.NewProxierWithNoProxyCIDR`), which
//!   also accepts IPv4 octets with leading zeros.
//!
//! A `socks5://` proxy is asked to resolve host names itself, as Go's SOCKS5 dialer does
//! (curl's `socks5h://`).

use std::net::{IpAddr, Ipv4Addr};

/// Environment proxy settings, as Go's `httpproxy.FromEnvironment` reads them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProxyEnv {
    /// `HTTP_PROXY`, else `http_proxy`.
    pub http_proxy: String,
    /// `HTTPS_PROXY`, else `https_proxy`.
    pub https_proxy: String,
    /// `NO_PROXY`, else `no_proxy`.
    pub no_proxy: String,
    /// `REQUEST_METHOD` is set: running as a CGI handler, where `HTTP_PROXY` is refused.
    pub cgi: bool,
}

/// Where a proxy setting came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProxySource {
    /// The cluster's `proxy-url`.
    Kubeconfig,
    /// An environment variable (its name as Go would read it, e.g. `HTTPS_PROXY`).
    Environment(&'static str),
}

/// The proxy chosen for one server.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProxyChoice {
    /// The proxy URL (`http://`, `https://` or `socks5://`), credentials included.
    pub url: reqwest::Url,
    /// Where it came from.
    pub source: ProxySource,
}

impl ProxyChoice {
    /// The URL as curl's `--proxy` takes it: `socks5` becomes `socks5h` (the proxy resolves
    /// names, as Go's dialer asks it to), and a password is shown as `<redacted>` unless
    /// `show_secrets`.
    pub fn curl_form(&self, show_secrets: bool) -> String {
        let u = &self.url;
        let scheme = match u.scheme() {
            "socks5" => "socks5h",
            other => other,
        };
        let mut userinfo = String::new();
        if !u.username().is_empty() || u.password().is_some() {
            userinfo.push_str(u.username());
            if let Some(p) = u.password() {
                userinfo.push(':');
                userinfo.push_str(if show_secrets { p } else { "<redacted>" });
            }
            userinfo.push('@');
        }
        let host = u.host_str().unwrap_or_default();
        let port = u.port().map(|p| format!(":{p}")).unwrap_or_default();
        format!("{scheme}://{userinfo}{host}{port}")
    }
}

/// A `proxy-url` or environment proxy rawkube cannot use.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ProxyError {
    /// clientcmd's check of `proxy-url`.
    #[error("could not parse: {0}")]
    Unparsable(String),
    /// A scheme other than http, https, socks5 in `proxy-url`.
    #[error("unsupported scheme {0:?}, must be http, https, or socks5")]
    Scheme(String),
    /// Go refuses `HTTP_PROXY` for `http://` URLs in a CGI process.
    #[error("refusing to use HTTP_PROXY value in CGI environment; see golang.org/s/cgihttpproxy")]
    Cgi,
}

/// clientcmd's `parseProxyURL`: what a kubeconfig's `proxy-url` may be.
pub fn parse_proxy_url(proxy_url: &str) -> Result<reqwest::Url, ProxyError> {
    let u = reqwest::Url::parse(proxy_url)
        .map_err(|_| ProxyError::Unparsable(proxy_url.to_string()))?;
    match u.scheme() {
        "http" | "https" | "socks5" => Ok(u),
        other => Err(ProxyError::Scheme(other.to_string())),
    }
}

impl ProxyEnv {
    /// Reads the process environment.
    pub fn from_env() -> Self {
        ProxyEnv::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the variables through `get` (for tests and embedding).
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Self {
        let any = |names: [&str; 2]| {
            names
                .iter()
                .find_map(|n| get(n).filter(|v| !v.is_empty()))
                .unwrap_or_default()
        };
        ProxyEnv {
            http_proxy: any(["HTTP_PROXY", "http_proxy"]),
            https_proxy: any(["HTTPS_PROXY", "https_proxy"]),
            no_proxy: any(["NO_PROXY", "no_proxy"]),
            cgi: get("REQUEST_METHOD").is_some_and(|v| !v.is_empty()),
        }
    }

    /// True when an environment proxy is configured for `scheme` (used or not).
    pub fn configured_for(&self, scheme: &str) -> bool {
        match scheme {
            "https" => parse_env_proxy(&self.https_proxy).is_some(),
            "http" => parse_env_proxy(&self.http_proxy).is_some(),
            _ => false,
        }
    }

    /// The proxy for a request to the server URL `server` (as written in the kubeconfig),
    /// or `None` to connect directly.
    pub fn proxy_for(&self, server: &str) -> Result<Option<ProxyChoice>, ProxyError> {
        let Ok(url) = reqwest::Url::parse(server) else {
            return Ok(None);
        };
        let (value, name) = match url.scheme() {
            "https" => (&self.https_proxy, "HTTPS_PROXY"),
            "http" => (&self.http_proxy, "HTTP_PROXY"),
            _ => return Ok(None),
        };
        let Some(proxy) = parse_env_proxy(value) else {
            return Ok(None);
        };
        if name == "HTTP_PROXY" && self.cgi {
            return Err(ProxyError::Cgi);
        }
        let port = url.port_or_known_default().unwrap_or(0).to_string();
        let host = go_hostname(&url, server);
        if !self.use_proxy(&host, &port) {
            return Ok(None);
        }
        Ok(Some(ProxyChoice {
            url: proxy,
            source: ProxySource::Environment(name),
        }))
    }

    /// httpproxy's `useProxy` plus client-go's CIDR wrapper.
    fn use_proxy(&self, host: &str, port: &str) -> bool {
        if host == "localhost" {
            return false;
        }
        let ip = parse_ip(host);
        if ip.is_some_and(is_loopback) {
            return false;
        }
        if let Some(ip) = ip
            && self
                .no_proxy
                .split(',')
                .filter_map(parse_cidr_sloppy)
                .any(|net| net.contains(ip))
        {
            return false;
        }
        let host = host.trim().to_ascii_lowercase();
        !self
            .no_proxy
            .split(',')
            .filter_map(NoProxyEntry::parse)
            .any(|e| e.matches(&host, port, ip))
    }
}

/// httpproxy's `parseProxy`: a value without one of the known schemes is retried with
/// `http://` in front; anything still unparsable means no proxy (Go ignores the error).
fn parse_env_proxy(value: &str) -> Option<reqwest::Url> {
    if value.is_empty() {
        return None;
    }
    match reqwest::Url::parse(value) {
        Ok(u) if matches!(u.scheme(), "http" | "https" | "socks5") => Some(u),
        _ => reqwest::Url::parse(&format!("http://{value}")).ok(),
    }
}

/// The host as Go's `URL.Hostname()` gives it: without brackets, and (unlike the `url`
/// crate) with its case kept, so `LOCALHOST` is not `localhost` for the loopback rule.
fn go_hostname(server: &reqwest::Url, raw: &str) -> String {
    let parsed = server.host_str().unwrap_or_default();
    let bare = parsed.trim_start_matches('[').trim_end_matches(']');
    if parse_ip(bare).is_some() {
        return bare.to_string();
    }
    match raw_host(raw) {
        Some(r) if r.is_ascii() && r.eq_ignore_ascii_case(bare) => r,
        _ => bare.to_string(),
    }
}

/// The host between `://` (and any userinfo) and the port or path, as written.
fn raw_host(url: &str) -> Option<String> {
    let rest = url.split_once("://")?.1;
    let authority = rest.split(['/', '?', '#']).next()?;
    let hostport = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    if let Some(v6) = hostport.strip_prefix('[') {
        return v6.split_once(']').map(|(h, _)| h.to_string());
    }
    Some(hostport.split(':').next()?.to_string())
}

fn parse_ip(s: &str) -> Option<IpAddr> {
    s.parse().ok()
}

/// Go's `IP.IsLoopback`: 127/8 (also as an IPv4-mapped IPv6 address) and `::1`.
fn is_loopback(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.is_loopback(),
        IpAddr::V6(v6) => {
            v6.is_loopback() || v6.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
        }
    }
}

/// An IPv4 address as 4 bytes if it is one (or an IPv4-mapped IPv6), as Go's `To4`.
fn to4(ip: IpAddr) -> Option<Ipv4Addr> {
    match ip {
        IpAddr::V4(v4) => Some(v4),
        IpAddr::V6(v6) => v6.to_ipv4_mapped(),
    }
}

/// An IP network (`net.IPNet`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Cidr {
    addr: IpAddr,
    bits: u8,
}

impl Cidr {
    /// Go's `IPNet.Contains`: IPv4 addresses (mapped or not) against IPv4 nets, IPv6 against IPv6.
    fn contains(&self, ip: IpAddr) -> bool {
        match self.addr {
            IpAddr::V4(net) => to4(ip).is_some_and(|v4| {
                let mask = u32::MAX.checked_shl(32 - u32::from(self.bits)).unwrap_or(0);
                u32::from(v4) & mask == u32::from(net) & mask
            }),
            IpAddr::V6(net) => match ip {
                IpAddr::V6(v6) => {
                    let mask = u128::MAX
                        .checked_shl(128 - u32::from(self.bits))
                        .unwrap_or(0);
                    u128::from(v6) & mask == u128::from(net) & mask
                }
                IpAddr::V4(_) => false,
            },
        }
    }
}

/// `net.ParseCIDR` (strict); with `sloppy`, IPv4 octets may have leading zeros
/// (`netutils.ParseCIDRSloppy`, read as decimal).
fn parse_cidr(s: &str, sloppy: bool) -> Option<Cidr> {
    let (addr, bits) = s.split_once('/')?;
    if bits.is_empty() || bits.len() > 3 || !bits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let bits: u8 = bits.parse().ok()?;
    let addr = if sloppy && !addr.contains(':') {
        let octets: Vec<u8> = addr
            .split('.')
            .map(|o| {
                (!o.is_empty() && o.len() <= 3 && o.bytes().all(|b| b.is_ascii_digit()))
                    .then(|| o.parse::<u8>().ok())
                    .flatten()
            })
            .collect::<Option<_>>()?;
        let [a, b, c, d] = octets[..] else {
            return None;
        };
        IpAddr::V4(Ipv4Addr::new(a, b, c, d))
    } else {
        addr.parse::<IpAddr>().ok()?
    };
    let max = if addr.is_ipv4() { 32 } else { 128 };
    (bits <= max).then_some(Cidr { addr, bits })
}

/// client-go's CIDR rules: each comma-separated entry, untrimmed.
fn parse_cidr_sloppy(entry: &str) -> Option<Cidr> {
    parse_cidr(entry, true)
}

/// One `NO_PROXY` entry, as httpproxy's `config.init` classifies it.
#[derive(Clone, Debug, PartialEq, Eq)]
enum NoProxyEntry {
    All,
    Cidr(Cidr),
    Ip {
        ip: IpAddr,
        port: String,
    },
    Domain {
        suffix: String,
        port: String,
        match_host: bool,
    },
}

impl NoProxyEntry {
    fn parse(raw: &str) -> Option<Self> {
        let p = raw.trim().to_ascii_lowercase();
        if p.is_empty() {
            return None;
        }
        if p == "*" {
            return Some(NoProxyEntry::All);
        }
        if let Some(c) = parse_cidr(&p, false) {
            return Some(NoProxyEntry::Cidr(c));
        }
        let (mut host, port) = match split_host_port(&p) {
            Some((h, _)) if h.is_empty() => return None,
            Some((h, port)) => (h, port),
            None => (p.clone(), String::new()),
        };
        if host.len() >= 2 && host.starts_with('[') && host.ends_with(']') {
            host = host[1..host.len() - 1].to_string();
        }
        if let Some(ip) = parse_ip(&host) {
            return Some(NoProxyEntry::Ip { ip, port });
        }
        if host.is_empty() {
            return None;
        }
        if let Some(rest) = host.strip_prefix("*.") {
            host = format!(".{rest}");
        }
        let match_host = !host.starts_with('.');
        if match_host {
            host = format!(".{host}");
        }
        Some(NoProxyEntry::Domain {
            suffix: host,
            port,
            match_host,
        })
    }

    /// Whether this entry exempts `host:port` (`ip` when the host is an address).
    fn matches(&self, host: &str, port: &str, ip: Option<IpAddr>) -> bool {
        let port_ok = |want: &str| want.is_empty() || want == port;
        match self {
            NoProxyEntry::All => true,
            NoProxyEntry::Cidr(c) => ip.is_some_and(|ip| c.contains(ip)),
            NoProxyEntry::Ip { ip: want, port: p } => {
                ip.is_some_and(|ip| same_ip(*want, ip)) && port_ok(p)
            }
            NoProxyEntry::Domain {
                suffix,
                port: p,
                match_host,
            } => {
                (host.ends_with(suffix.as_str()) || (*match_host && host == &suffix[1..]))
                    && port_ok(p)
            }
        }
    }
}

/// Go's `IP.Equal`: an IPv4 address equals its IPv4-mapped IPv6 form.
fn same_ip(a: IpAddr, b: IpAddr) -> bool {
    match (to4(a), to4(b)) {
        (Some(x), Some(y)) => x == y,
        (None, None) => a == b,
        _ => false,
    }
}

/// Go's `net.SplitHostPort`, for `NO_PROXY` entries: `None` where Go reports an error
/// (no port, too many colons, a misplaced bracket).
fn split_host_port(s: &str) -> Option<(String, String)> {
    if let Some(rest) = s.strip_prefix('[') {
        let (host, after) = rest.split_once(']')?;
        let port = after.strip_prefix(':')?;
        if host.contains('[') || port.contains(['[', ']']) {
            return None;
        }
        return Some((host.to_string(), port.to_string()));
    }
    let (host, port) = s.rsplit_once(':')?;
    if host.contains(':') || s.contains(['[', ']']) {
        return None;
    }
    Some((host.to_string(), port.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(https: &str, no_proxy: &str) -> ProxyEnv {
        ProxyEnv {
            https_proxy: https.into(),
            http_proxy: "http://plain-proxy:3128".into(),
            no_proxy: no_proxy.into(),
            cgi: false,
        }
    }

    fn proxied(e: &ProxyEnv, server: &str) -> Option<String> {
        e.proxy_for(server).unwrap().map(|c| c.url.to_string())
    }

    #[test]
    fn upper_case_wins_and_empty_values_fall_through_like_getenvany() {
        let vars = [
            ("HTTPS_PROXY", ""),
            ("https_proxy", "http://lower:1"),
            ("HTTP_PROXY", "http://upper:2"),
            ("http_proxy", "http://lower:2"),
            ("no_proxy", "x"),
        ];
        let e = ProxyEnv::from_lookup(|n| {
            vars.iter()
                .find(|(k, _)| *k == n)
                .map(|(_, v)| v.to_string())
        });
        assert_eq!(e.https_proxy, "http://lower:1");
        assert_eq!(e.http_proxy, "http://upper:2");
        assert_eq!(e.no_proxy, "x");
        assert!(!e.cgi);
    }

    #[test]
    fn values_without_a_known_scheme_get_http_and_garbage_means_no_proxy() {
        let cases = [
            ("proxy.corp:3128", Some("http://proxy.corp:3128/")),
            ("127.0.0.1:8080", Some("http://127.0.0.1:8080/")),
            ("https://secure:443", Some("https://secure/")),
            ("socks5://s:1080", Some("socks5://s:1080")),
            ("%zz", None),
        ];
        for (value, want) in cases {
            let e = env(value, "");
            assert_eq!(
                proxied(&e, "https://10.1.2.3:6443").as_deref(),
                want,
                "{value}"
            );
        }
    }

    #[test]
    fn localhost_and_loopback_are_never_proxied_by_the_environment() {
        let e = env("http://proxy:3128", "");
        for server in [
            "https://localhost:6443",
            "https://127.0.0.1:6443",
            "https://127.9.8.7",
            "https://[::1]:6443",
            "https://[::ffff:127.0.0.1]:6443",
        ] {
            assert_eq!(proxied(&e, server), None, "{server}");
        }
        // Go compares `localhost` before lower-casing, and does not resolve names.
        for server in [
            "https://LOCALHOST:6443",
            "https://kubernetes:6443",
            "https://localhost.localdomain",
            "https://0.0.0.0:6443",
        ] {
            assert!(proxied(&e, server).is_some(), "{server}");
        }
    }

    #[test]
    fn scheme_selects_the_variable() {
        let e = env("http://secure-proxy:1", "");
        assert_eq!(
            proxied(&e, "http://10.0.0.1:8080").as_deref(),
            Some("http://plain-proxy:3128/")
        );
        assert_eq!(
            proxied(&e, "https://10.0.0.1:8080").as_deref(),
            Some("http://secure-proxy:1/")
        );
        let choice = e.proxy_for("https://10.0.0.1").unwrap().unwrap();
        assert_eq!(choice.source, ProxySource::Environment("HTTPS_PROXY"));
    }

    #[test]
    fn no_proxy_domains_ips_cidrs_and_ports_match_as_in_go() {
        let cases: &[(&str, &str, bool)] = &[
            // (NO_PROXY, server, proxied?)
            ("kubernetes", "https://kubernetes:6443", false),
            ("kubernetes", "https://api.kubernetes:6443", false),
            ("kubernetes", "https://notkubernetes:6443", true),
            (".example.com", "https://example.com", true),
            (".example.com", "https://a.example.com", false),
            ("*.example.com", "https://example.com", true),
            ("*.example.com", "https://a.b.example.com", false),
            ("example.com", "https://example.com", false),
            ("EXAMPLE.com", "https://api.example.com", false),
            ("example.com:6443", "https://example.com:6443", false),
            ("example.com:6443", "https://example.com:443", true),
            ("example.com:443", "https://example.com", false),
            ("10.0.0.0/8", "https://10.1.2.3:6443", false),
            ("10.0.0.0/8", "https://11.1.2.3:6443", true),
            ("10.0.0.0/8", "https://[::ffff:10.1.2.3]:6443", false),
            ("fd00::/8", "https://[fd12::1]:6443", false),
            ("fd00::/8", "https://10.1.2.3", true),
            ("10.1.2.3", "https://10.1.2.3:6443", false),
            ("10.1.2.3:6443", "https://10.1.2.3:6443", false),
            ("10.1.2.3:6443", "https://10.1.2.3:443", true),
            ("[fd12::1]:6443", "https://[fd12::1]:6443", false),
            ("fd12::1", "https://[fd12::1]:6443", false),
            (" x.io , kubernetes ", "https://kubernetes", false),
            ("*", "https://anything.at.all:1", false),
            ("a,*", "https://10.1.2.3", false),
            (":6443", "https://example.com:6443", true),
            // client-go's own CIDR check: untrimmed, leading zeros allowed.
            ("010.0.0.0/8", "https://10.9.9.9", false),
            ("", "https://10.9.9.9", true),
        ];
        for (no_proxy, server, want) in cases {
            let e = env("http://proxy:3128", no_proxy);
            assert_eq!(
                proxied(&e, server).is_some(),
                *want,
                "NO_PROXY={no_proxy:?} server={server}"
            );
        }
    }

    #[test]
    fn cgi_refuses_http_proxy_only() {
        let mut e = env("http://secure:1", "");
        e.cgi = true;
        assert_eq!(e.proxy_for("http://10.0.0.1"), Err(ProxyError::Cgi));
        assert!(proxied(&e, "https://10.0.0.1").is_some());
    }

    #[test]
    fn kubeconfig_proxy_url_schemes_as_clientcmd() {
        assert!(parse_proxy_url("http://p:3128").is_ok());
        assert!(parse_proxy_url("https://p").is_ok());
        assert!(parse_proxy_url("socks5://p:1080").is_ok());
        assert_eq!(
            parse_proxy_url("socks5h://p:1080").unwrap_err().to_string(),
            "unsupported scheme \"socks5h\", must be http, https, or socks5"
        );
        assert_eq!(
            parse_proxy_url("p:3128").unwrap_err(),
            ProxyError::Scheme("p".into())
        );
        assert_eq!(
            parse_proxy_url("::").unwrap_err().to_string(),
            "could not parse: ::"
        );
    }

    #[test]
    fn curl_form_uses_socks5h_and_hides_the_password() {
        let c = ProxyChoice {
            url: reqwest::Url::parse("socks5://u:p4ss@127.0.0.1:1080").unwrap(),
            source: ProxySource::Kubeconfig,
        };
        assert_eq!(c.curl_form(false), "socks5h://u:<redacted>@127.0.0.1:1080");
        assert_eq!(c.curl_form(true), "socks5h://u:p4ss@127.0.0.1:1080");
        let c = ProxyChoice {
            url: reqwest::Url::parse("http://127.0.0.1:3128").unwrap(),
            source: ProxySource::Kubeconfig,
        };
        assert_eq!(c.curl_form(false), "http://127.0.0.1:3128");
        assert_eq!(c.curl_form(true), "http://127.0.0.1:3128");
    }
}
