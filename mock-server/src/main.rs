//! The `mock-apiserver` binary: starts the mock on `--listen`, optionally writes the admin
//! kubeconfig (mode 0600) before announcing readiness with exactly one stdout line,
//! `listening on https://127.0.0.1:PORT`, and shuts down cleanly on SIGINT/SIGTERM.

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;

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
    #[arg(long, value_name = "vX.Y.Z", default_value = mock_apiserver::discovery::DEFAULT_SERVER_VERSION)]
    server_version: String,
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
    let runtime = match tokio::runtime::Builder::new_multi_thread()
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
    let server = match mock_apiserver::MockServer::builder()
        .listen(args.listen)
        .server_version(&args.server_version)
        .start()
        .await
    {
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
