//! The `mock-apiserver` binary: starts the mock on `--listen`, optionally writes the admin
//! kubeconfig (mode 0600) before announcing readiness with exactly one stdout line,
//! `listening on https://127.0.0.1:PORT`, and shuts down cleanly on SIGINT/SIGTERM.

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;

#[cfg(feature = "jemalloc")]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// A stateful, TLS-serving kube-apiserver stand-in that real kubectl works against.
#[derive(Debug, Parser)]
#[command(name = "mock-apiserver", version)]
struct Args {
    /// Address to listen on; port 0 picks a free port.
    #[arg(long, default_value = "127.0.0.1:6443")]
    listen: SocketAddr,
    /// Write an admin kubeconfig (mode 0600) here before printing the ready line.
    #[arg(long, value_name = "PATH")]
    kubeconfig_out: Option<PathBuf>,
    /// The gitVersion /version reports (the kubectl dispatcher picks its binary by it).
    #[arg(long, value_name = "vX.Y.Z", default_value = mock_apiserver::api::discovery::DEFAULT_SERVER_VERSION)]
    server_version: String,
    /// Static bearer tokens, kube-apiserver's CSV format: token,user,uid,"group1,group2".
    #[arg(long, value_name = "PATH")]
    token_auth_file: Option<PathBuf>,
    /// RSA private key (PEM, PKCS#1 or PKCS#8) that signs service-account tokens; without it a
    /// key is generated on first use.
    #[arg(long, value_name = "PATH")]
    service_account_key_file: Option<PathBuf>,
    /// Behave like Kubernetes 1.23: every ServiceAccount gets an auto-created NAME-token-xxxxx
    /// Secret holding a token, listed in its `secrets`.
    #[arg(long)]
    legacy_token_secrets: bool,
    /// RBAC changes take effect for authorization only after this delay (e.g. 500ms, 2s), to
    /// emulate a real cluster's authorization cache lag.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, default_value = "0s")]
    authz_cache_delay: std::time::Duration,
    /// Stubs to register at start: a JSON (.json) or YAML list of stubs, the shape
    /// `POST /__admin/stubs` takes.
    #[arg(long, value_name = "FILE")]
    stubs: Option<PathBuf>,
    /// How long a successful bearer-token authentication is cached (kube-apiserver: 10s), so
    /// a deleted ServiceAccount's token keeps authenticating that long; 0s turns it off.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, default_value = "10s")]
    token_cache_ttl: std::time::Duration,
    /// Threads that answer requests (default: the machine's cores minus one, at least one,
    /// leaving a core to the clients that drive the mock on the same machine).
    #[arg(long, value_name = "N")]
    workers: Option<std::num::NonZeroUsize>,
}

fn parse_duration(s: &str) -> Result<std::time::Duration, String> {
    humantime::parse_duration(s).map_err(|e| format!("{e} (examples: 500ms, 2s, 1m)"))
}

fn main() -> ExitCode {
    let args = Args::parse();
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    let workers = args
        .workers
        .map_or_else(mock_apiserver::sched::default_workers, |n| n.get());
    let runtime = match mock_apiserver::sched::runtime_builder()
        .worker_threads(workers)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("mock-apiserver: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(run(args))
}

async fn run(args: Args) -> ExitCode {
    let mut builder = mock_apiserver::MockServer::builder()
        .listen(args.listen)
        .server_version(&args.server_version)
        .legacy_token_secrets(args.legacy_token_secrets)
        .authz_cache_delay(args.authz_cache_delay)
        .token_cache_ttl(args.token_cache_ttl);
    if let Some(path) = &args.token_auth_file {
        builder = builder.token_auth_file(path);
    }
    if let Some(path) = &args.service_account_key_file {
        builder = builder.service_account_key_file(path);
    }
    if let Some(path) = &args.stubs {
        match mock_apiserver::stubs::load_file(path) {
            Ok(stubs) => builder = builder.stubs(stubs),
            Err(e) => {
                eprintln!("mock-apiserver: --stubs: {e}");
                return ExitCode::FAILURE;
            }
        }
    }
    let server = match builder.start().await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("mock-apiserver: {e}");
            return ExitCode::FAILURE;
        }
    };
    if let Some(path) = &args.kubeconfig_out
        && let Err(e) = server.write_admin_kubeconfig(path)
    {
        eprintln!(
            "mock-apiserver: cannot write --kubeconfig-out {}: {e}",
            path.display()
        );
        return ExitCode::FAILURE;
    }
    {
        let mut out = std::io::stdout().lock();
        if writeln!(out, "listening on {}", server.url())
            .and_then(|_| out.flush())
            .is_err()
        {
            return ExitCode::FAILURE;
        }
    }
    tracing::info!(url = %server.url(), "ready");
    wait_for_signal().await;
    tracing::info!("shutting down");
    drop(server);
    ExitCode::SUCCESS
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
