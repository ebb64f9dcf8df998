//! `rawkube teardown NAME`: delete what `setup` created; safe to run repeatedly.

use std::path::PathBuf;

use clap::Args;
use rawkube::workflow::{Narrator, TeardownOptions};

use super::CliError;
use super::connect::block_on;
use super::globals::GlobalArgs;
use super::setup::{target, workflow_error};

/// `teardown` arguments (use the same names as for `setup`).
#[derive(Args, Debug)]
#[command(after_help = "Examples:
  rawkube teardown bearertokenauth
  rawkube teardown viewer --kubeconfig-out=./viewer.kubeconfig")]
pub struct TeardownArgs {
    /// ServiceAccount name.
    pub name: String,
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
}

/// Runs `teardown`.
pub fn run(g: &GlobalArgs, a: TeardownArgs) -> Result<(), CliError> {
    let opts = TeardownOptions {
        namespace: g.namespace.clone().unwrap_or_else(|| "default".into()),
        role: a.role.unwrap_or_else(|| a.name.clone()),
        binding: a
            .binding
            .unwrap_or_else(|| format!("bearertoken-binding-{}", a.name)),
        context_name: a.context_name.unwrap_or_else(|| a.name.clone()),
        kubeconfig_out: a.kubeconfig_out,
        name: a.name,
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
