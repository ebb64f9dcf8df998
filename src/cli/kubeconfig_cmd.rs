//! `rawkube kubeconfig NAME`: a standalone kubeconfig for a ServiceAccount (server, CA
//! data, token), for machines without kubectl.

use std::path::PathBuf;

use clap::Args;
use rawkube::api::Api;
use rawkube::api::serviceaccount::ServiceAccount;
use rawkube::kubeconfig::write::{render, replace_file};
use rawkube::workflow::Narrator;
use rawkube::workflow::setup::obtain_token;
use rawkube::workflow::standalone::{Names, standalone};

use super::CliError;
use super::connect::{api_error, block_on};
use super::globals::GlobalArgs;
use super::setup::{TokenArgs, workflow_error};

// `kubeconfig` arguments.
#[derive(Args, Debug)]
#[command(after_help = "Examples:
  rawkube kubeconfig bearertokenauth > sa.kubeconfig
  rawkube kubeconfig bearertokenauth --duration=24h -o sa.kubeconfig
  KUBECONFIG=sa.kubeconfig rawkube get pods")]
pub struct KubeconfigArgs {
    /// ServiceAccount name (in -n/--namespace, default: the context's).
    pub name: String,
    /// Write to FILE (mode 0600) instead of stdout.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub token: TokenArgs,
    /// Context (and user) name in the file (default: NAME).
    #[arg(long)]
    pub context_name: Option<String>,
}

/// Runs `kubeconfig`.
pub fn run(g: &GlobalArgs, a: KubeconfigArgs) -> Result<(), CliError> {
    let session = g.session()?;
    let ns = session.namespace.clone();
    let mut opts = rawkube::workflow::SetupOptions::tutorial(&a.name);
    opts.namespace = ns.clone();
    opts.token_mode = a.token.token_mode.into();
    opts.duration = a.token.duration;
    let token = block_on(async {
        let sa = Api::<ServiceAccount>::namespaced(&session.client, &ns)
            .get(&a.name)
            .await
            .map_err(api_error)?;
        let mut sink = std::io::sink();
        let mut n = Narrator::new(&mut sink);
        obtain_token(&session.client, &opts, &sa, &mut n)
            .await
            .map(|(t, _, _)| t)
            .map_err(workflow_error)
    })??;
    let names = Names {
        cluster: session
            .connection
            .origin
            .cluster
            .clone()
            .unwrap_or_else(|| "kubernetes".into()),
        user: a.name.clone(),
        context: a.context_name.unwrap_or_else(|| a.name.clone()),
        namespace: ns,
    };
    let config = standalone(&session.connection, &names, &token);
    match a.output {
        Some(path) => {
            replace_file(&path, &config).map_err(CliError::msg)?;
            eprintln!("wrote {} (context {})", path.display(), names.context);
        }
        None => print!("{}", render(&config)),
    }
    Ok(())
}
