//! `rawkube demo`: the whole tutorial against mock-apiserver started in this process,
//! with a temporary kubeconfig (never `~/.kube/config`). Each step shows the kubectl
//! command, every HTTP request as a curl command with its status and response body,
//! and the result. The TLS files the commands name are written into the demo's temporary
//! directory, so each command can be copied and run while the demo pauses (`--interactive`).

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;
use std::sync::Arc;

use clap::Args;
use mock_apiserver::MockServer;
use rawkube::trace::{CurlOptions, CurlTrace, Observer};
use rawkube::workflow::{Narrator, SetupOptions, TeardownOptions, TokenMode};

use super::CliError;
use super::connect::block_on;
use super::globals::GlobalArgs;
use super::setup::workflow_error;

// `demo` arguments.
#[derive(Args, Debug)]
#[command(after_help = "Examples:
  rawkube demo
  rawkube demo --legacy          # the 1.23 path: the token comes from the SA's Secret
  rawkube demo --show-secrets    # print real tokens and Secret data in the curl commands
  rawkube demo --interactive     # pause after each step, to run the printed curl commands")]
pub struct DemoArgs {
    /// Show the Kubernetes 1.23 path: the cluster creates a token Secret for each SA.
    #[arg(long)]
    pub legacy: bool,
    /// Service account name.
    #[arg(long, default_value = "bearertokenauth")]
    pub name: String,
    /// Leave the objects in place at the end (skip teardown).
    #[arg(long)]
    pub keep: bool,
    /// Pause with "Press enter to continue" after each step.
    #[arg(long, visible_alias = "pause")]
    pub interactive: bool,
}

/// Writes `ca.crt`, `client.crt` and `client.key` (0600) for the admin's curl commands.
fn write_tls_files(dir: &Path, mock: &MockServer) -> Result<CurlOptions, CliError> {
    let write = |name: &str, pem: &str, mode: u32| -> Result<String, CliError> {
        let path = dir.join(name);
        std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(mode)
            .open(&path)
            .and_then(|mut f| f.write_all(pem.as_bytes()))
            .map_err(|e| CliError::msg(format!("cannot write {}: {e}", path.display())))?;
        Ok(path.display().to_string())
    };
    Ok(CurlOptions {
        show_secrets: false,
        ca_file: write("ca.crt", mock.ca_pem(), 0o644)?,
        cert_file: write("client.crt", mock.admin_client_cert_pem(), 0o644)?,
        key_file: write("client.key", mock.admin_client_key_pem(), 0o600)?,
    })
}

/// Runs `demo`.
pub fn run(g: &GlobalArgs, a: DemoArgs) -> Result<(), CliError> {
    let dir = tempfile::tempdir()
        .map_err(|e| CliError::msg(format!("cannot create a temporary directory: {e}")))?;
    let kubeconfig = dir.path().join("kubeconfig");
    // On its own runtime thread, so it keeps answering the learner's curl while a
    // pause blocks this thread.
    let mock = start_mock(a.legacy)?;
    block_on(async {
        mock.write_admin_kubeconfig(&kubeconfig)
            .map_err(|e| CliError::msg(format!("cannot write {}: {e}", kubeconfig.display())))?;
        println!(
            "rawkube demo: mock-apiserver is listening on {}",
            mock.url()
        );
        println!(
            "Admin kubeconfig (client certificate, as kubeadm writes it): {}",
            kubeconfig.display()
        );
        let files = write_tls_files(dir.path(), &mock)?;
        println!(
            "Its TLS files for curl: {}, {}, {}",
            files.ca_file, files.cert_file, files.key_file
        );
        println!(
            "Every HTTP request is shown as a curl command you can run, then its status and response"
        );
        println!("(tokens and Secret data redacted unless --show-secrets).");
        println!();
        let trace: Arc<dyn Observer> = Arc::new(
            CurlTrace::new(
                Box::new(std::io::stdout()),
                CurlOptions {
                    show_secrets: g.show_secrets,
                    ..files
                },
            )
            .with_response_bodies(true),
        );
        let globals = GlobalArgs {
            kubeconfig: Some(kubeconfig.clone()),
            ..Default::default()
        };
        let mut target = super::setup::target(&globals)?;
        target.admin = target.admin.with_observer(trace.clone());
        target.observer = Some(trace);
        let mut opts = SetupOptions::tutorial(&a.name);
        if a.legacy {
            opts.token_mode = TokenMode::Legacy;
        }
        let mut stdout = std::io::stdout();
        let stdin = std::io::stdin();
        let mut input = stdin.lock();
        let mut n = Narrator::new(&mut stdout);
        if a.interactive {
            n = n.with_pauses(&mut input);
        }
        rawkube::workflow::setup(&mut target, &opts, &mut n)
            .await
            .map_err(workflow_error)?;
        if !a.keep {
            println!();
            println!("Cleaning up (rawkube teardown {}):", a.name);
            rawkube::workflow::teardown(
                &target.admin,
                &mut target.kubeconfig,
                &TeardownOptions::tutorial(&a.name),
                &mut n,
            )
            .await
            .map_err(workflow_error)?;
        }
        mock.shutdown();
        Ok::<(), CliError>(())
    })??;
    Ok(())
}

fn start_mock(legacy: bool) -> Result<MockServer, CliError> {
    let mut builder = MockServer::builder();
    if legacy {
        builder = builder.server_version("v1.23.1").legacy_token_secrets(true);
    }
    builder
        .start_blocking()
        .map_err(|e| CliError::msg(format!("cannot start mock-apiserver: {e}")))
}
