//! `rawkube teardown NAME`: delete what `setup` created; safe to run repeatedly.

use std::path::PathBuf;

use clap::Args;
use rawkube::workflow::{Narrator, TeardownOptions};

use super::CliError;
use super::connect::block_on;
use super::globals::GlobalArgs;
use super::setup::{target, workflow_error};

// `teardown` arguments (use the same names as for `setup`).
#[derive(Args, Debug)]
#[command(after_help = "Examples:
  rawkube teardown bearertokenauth
  rawkube teardown viewer --kubeconfig-out=./viewer.kubeconfig
  rawkube teardown -f accounts.yaml")]
pub struct TeardownArgs {
    /// ServiceAccount name (or -f FILE for many).
    #[arg(required_unless_present = "file")]
    pub name: Option<String>,
    /// Role name (default: NAME).
    #[arg(long)]
    pub role: Option<String>,
    /// RoleBinding name (default: bearertoken-binding-NAME).
    #[arg(long)]
    pub binding: Option<String>,
    /// kubeconfig context name (default: NAME).
    #[arg(long)]
    pub context_name: Option<String>,
    /// The standalone kubeconfig setup wrote; it is deleted instead of editing the kubeconfig.
    #[arg(long, value_name = "FILE")]
    pub kubeconfig_out: Option<PathBuf>,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub bulk: super::bulk::BulkArgs,
}

/// Runs `teardown`.
pub fn run(g: &GlobalArgs, a: TeardownArgs) -> Result<(), CliError> {
    let name = a.name.unwrap_or_default();
    let opts = TeardownOptions {
        namespace: g.namespace.clone().unwrap_or_else(|| "default".into()),
        role: a.role.unwrap_or_else(|| name.clone()),
        binding: a
            .binding
            .unwrap_or_else(|| format!("bearertoken-binding-{name}")),
        context_name: a.context_name.unwrap_or_else(|| name.clone()),
        kubeconfig_out: a.kubeconfig_out,
        name,
    };
    let mut t = target(g)?;
    let mut stdout = std::io::stdout();
    let mut n = Narrator::new(&mut stdout);
    block_on(rawkube::workflow::teardown(
        &t.admin,
        &mut t.kubeconfig,
        &opts,
        &mut n,
    ))?
    .map(|_| ())
    .map_err(workflow_error)
}
