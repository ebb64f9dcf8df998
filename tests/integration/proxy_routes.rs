//! Proxies and SNI against mock-apiserver: rawkube through a CONNECT proxy and a SOCKS5
//! proxy on 127.0.0.1 (they count their connections and record what they were asked
//! for), chosen by `proxy-url` or by `HTTPS_PROXY`/`NO_PROXY` as kubectl chooses; and
//! `tls-server-name` through a router that only forwards connections whose SNI names the
//! server. kubectl runs the same cases where its choice is the point.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_yaml::Value;

use super::cli_util::{Env, Run, have_kubectl, kubectl_cmd, rawkube_cmd, run};
use super::support::net::Middleman;

/// The admin kubeconfig with its cluster's `server` replaced and `extra` fields added.
fn kubeconfig(env: &Env, server: &str, extra: &[(&str, &str)]) -> PathBuf {
    let mut kc: Value =
        serde_yaml::from_str(&fs::read_to_string(&env.kubeconfig).unwrap()).unwrap();
    let cluster = &mut kc["clusters"][0]["cluster"];
    cluster["server"] = Value::from(server);
    for (k, v) in extra {
        cluster[*k] = Value::from(*v);
    }
    static N: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let path = env.dir.path().join(format!("route-{n}.kubeconfig"));
    fs::write(&path, serde_yaml::to_string(&kc).unwrap()).unwrap();
    path
}

fn port(env: &Env) -> u16 {
    env.mock.addr().port()
}

/// Without any proxy variable from the test process's own environment.
fn clean(mut cmd: Command) -> Command {
    for v in [
        "HTTPS_PROXY",
        "https_proxy",
        "HTTP_PROXY",
        "http_proxy",
        "NO_PROXY",
        "no_proxy",
    ] {
        cmd.env_remove(v);
    }
    cmd
}

fn rawkube(kc: &Path, env: &[(&str, &str)], args: &[&str]) -> Run {
    let mut cmd = clean(rawkube_cmd(kc));
    run(cmd.envs(env.iter().copied()).args(args))
}

fn kubectl(kc: &Path, env: &[(&str, &str)], args: &[&str]) -> Run {
    let cache = tempfile::tempdir().unwrap();
    let mut cmd = clean(kubectl_cmd(kc, &cache));
    run(cmd.envs(env.iter().copied()).args(args))
}

#[test]
fn proxy_url_sends_everything_through_a_connect_proxy_even_to_loopback() {
    let env = Env::start();
    let proxy = Middleman::connect_proxy();
    let server = format!("https://127.0.0.1:{}", port(&env));
    let kc = kubeconfig(&env, &server, &[("proxy-url", &proxy.url("http"))]);
    // Two types: two requests, to see the tunnel reused.
    let r = rawkube(&kc, &[], &["--show-http", "get", "ns,sa"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("kube-system"), "{}", r.stdout);
    let used = proxy.connections();
    assert!(used >= 1, "rawkube did not use the proxy");
    let target = format!("127.0.0.1:{}", port(&env));
    assert!(
        proxy.targets().iter().all(|t| *t == target),
        "{:?}",
        proxy.targets()
    );
    assert!(
        r.stderr
            .contains(&format!("  --proxy {} \\\n", proxy.url("http"))),
        "{}",
        r.stderr
    );
    // More requests than connections: the tunnel is reused.
    let requests = env.mock.journal().entries().len();
    assert!(
        requests > used,
        "{requests} requests over {used} connections"
    );
    if have_kubectl() {
        let k = kubectl(&kc, &[], &["get", "ns", "-o", "name"]);
        assert_eq!(k.code, 0, "{}", k.stderr);
        assert!(proxy.connections() > used, "kubectl used proxy-url too");
    }
}

#[test]
fn a_socks5_proxy_url_works_and_the_proxy_resolves_names() {
    let env = Env::start();
    let proxy = Middleman::socks5();
    // `kubernetes` does not resolve here; the proxy resolves it (Go's socks5 dialer sends
    // names, like curl's socks5h).
    let server = format!("https://kubernetes:{}", port(&env));
    let kc = kubeconfig(&env, &server, &[("proxy-url", &proxy.url("socks5"))]);
    let r = rawkube(&kc, &[], &["--show-http", "get", "ns"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(proxy.connections() >= 1);
    assert!(
        proxy
            .targets()
            .iter()
            .all(|t| *t == format!("kubernetes:{}", port(&env))),
        "{:?}",
        proxy.targets()
    );
    assert!(
        r.stderr
            .contains(&format!("--proxy socks5h://{}", proxy.addr)),
        "{}",
        r.stderr
    );
    if have_kubectl() {
        let before = proxy.connections();
        let k = kubectl(&kc, &[], &["get", "ns", "-o", "name"]);
        assert_eq!(k.code, 0, "{}", k.stderr);
        assert!(proxy.connections() > before);
        assert!(proxy.targets().iter().all(|t| t.starts_with("kubernetes:")));
    }
}

#[test]
fn https_proxy_from_the_environment_except_loopback_and_no_proxy() {
    let env = Env::start();
    let proxy = Middleman::connect_proxy();
    let vars = [("HTTPS_PROXY", proxy.addr.to_string())];
    let vars: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let p = port(&env);

    // A server name: proxied (the value without a scheme means http://, as in Go).
    let by_name = kubeconfig(&env, &format!("https://kubernetes:{p}"), &[]);
    let r = rawkube(&by_name, &vars, &["--show-http", "get", "ns"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let through = proxy.connections();
    assert!(through >= 1);
    assert!(r.stderr.contains(&format!("--proxy http://{}", proxy.addr)));

    // Loopback: never proxied from the environment, as kubectl (Go's httpproxy.useProxy).
    let loopback = kubeconfig(&env, &format!("https://127.0.0.1:{p}"), &[]);
    let r = rawkube(&loopback, &vars, &["--show-http", "get", "ns"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(proxy.connections(), through);
    assert!(r.stderr.contains("  --noproxy '*' \\\n"), "{}", r.stderr);
    if have_kubectl() {
        let k = kubectl(&loopback, &vars, &["get", "ns", "-o", "name"]);
        assert_eq!(k.code, 0, "{}", k.stderr);
        assert_eq!(
            proxy.connections(),
            through,
            "kubectl does not proxy loopback"
        );
        let k = kubectl(&by_name, &vars, &["get", "ns", "-o", "name"]);
        assert_eq!(k.code, 0, "{}", k.stderr);
        assert!(proxy.connections() > through, "kubectl proxies names");
    }
    let through = proxy.connections();

    // NO_PROXY with the name: a direct connection, which cannot resolve `kubernetes` here.
    let mut no_proxy = vars.clone();
    no_proxy.push(("NO_PROXY", "example.com, .svc,kubernetes"));
    let r = rawkube(&by_name, &no_proxy, &["get", "ns"]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains(&format!("https://kubernetes:{p}")),
        "{}",
        r.stderr
    );
    assert_eq!(proxy.connections(), through, "NO_PROXY was ignored");

    // NO_PROXY as a CIDR: 0.0.0.0 is not loopback for Go (so it is proxied without
    // NO_PROXY), and reaches the mock on 127.0.0.1 directly.
    let any = kubeconfig(
        &env,
        &format!("https://0.0.0.0:{p}"),
        &[("tls-server-name", "127.0.0.1")],
    );
    let r = rawkube(&any, &vars, &["get", "ns"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(proxy.connections() > through);
    let through = proxy.connections();
    let mut cidr = vars.clone();
    cidr.push(("no_proxy", "0.0.0.0/8"));
    let r = rawkube(&any, &cidr, &["get", "ns"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(proxy.connections(), through, "NO_PROXY CIDR was ignored");
    if have_kubectl() {
        let k = kubectl(&any, &cidr, &["get", "ns", "-o", "name"]);
        assert_eq!(k.code, 0, "{}", k.stderr);
        assert_eq!(proxy.connections(), through, "kubectl honours the CIDR too");
    }
}

#[test]
fn tls_server_name_is_sent_as_sni() {
    let env = Env::start();
    let name = "kubernetes.default.svc";
    let router = Middleman::sni_router(name, env.mock.addr());
    let server = format!("https://127.0.0.1:{}", router.addr.port());
    let kc = kubeconfig(&env, &server, &[("tls-server-name", name)]);
    let r = rawkube(&kc, &[], &["--show-http", "get", "ns"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        router.targets().iter().all(|t| t == name),
        "{:?}",
        router.targets()
    );
    // The printed command does the same: SNI from the URL, the address from --connect-to.
    assert!(
        r.stderr.contains(&format!(
            "curl -X GET 'https://{name}:{0}/api/v1/namespaces?limit=500' \\\n  --connect-to {name}:{0}:127.0.0.1:{0} \\\n",
            router.addr.port()
        )),
        "{}",
        r.stderr
    );
    // Without tls-server-name the router sees the IP (no SNI) and drops the connection.
    let plain = kubeconfig(&env, &server, &[]);
    let r = rawkube(&plain, &[], &["get", "ns"]);
    assert_eq!(r.code, 1);
    assert!(router.targets().contains(&"<none>".to_string()));
    // --tls-server-name on the command line, as kubectl has it.
    let r = rawkube(&plain, &[], &["--tls-server-name", name, "get", "ns"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    if have_kubectl() {
        let k = kubectl(&kc, &[], &["get", "ns", "-o", "name"]);
        assert_eq!(k.code, 0, "{}", k.stderr);
    }

    // Through a SOCKS5 proxy SNI is still the tls-server-name.
    let socks = Middleman::socks5();
    let via_socks = kubeconfig(
        &env,
        &server,
        &[
            ("tls-server-name", name),
            ("proxy-url", &socks.url("socks5")),
        ],
    );
    let before = router.targets().len();
    let r = rawkube(&via_socks, &[], &["get", "ns"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(socks.connections() >= 1);
    assert!(router.targets()[before..].iter().all(|t| t == name));
}

#[test]
fn an_http_url_at_an_https_port_says_so() {
    let env = Env::start();
    let kc = kubeconfig(&env, &format!("http://127.0.0.1:{}", port(&env)), &[]);
    let r = rawkube(&kc, &[], &["get", "ns"]);
    assert_eq!(r.code, 1);
    assert_eq!(
        r.stderr,
        format!(
            "error: the server at http://127.0.0.1:{0} speaks HTTPS but the server URL of cluster \"kubernetes\" in {1} says http://: use https://127.0.0.1:{0} instead\n",
            port(&env),
            kc.display()
        )
    );
}
