//! `rawkube setup NAME`: the tutorial's Step 9 script as one re-runnable command.

use std::io::IsTerminal;
use std::path::PathBuf;

use clap::{Args, ValueEnum};
use rawkube::workflow::setup::SetupTarget;
use rawkube::workflow::{Narrator, SetupOptions, TokenMode};

use super::CliError;
use super::connect::block_on;
use super::globals::GlobalArgs;

/// `--token-mode` values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum TokenModeArg {
    /// The SA's legacy Secret if the cluster made one (≤ 1.23), else TokenRequest.
    Auto,
    /// A bound, expiring token (TokenRequest, as `kubectl create token`).
    Request,
    /// A long-lived token Secret created by rawkube and filled by the token controller.
    Secret,
    /// The Secret the cluster created for the SA, as in the tutorial (1.23 and older).
    Legacy,
}

impl From<TokenModeArg> for TokenMode {
    fn from(m: TokenModeArg) -> Self {
        match m {
            TokenModeArg::Auto => TokenMode::Auto,
            TokenModeArg::Request => TokenMode::Request,
            TokenModeArg::Secret => TokenMode::Secret,
            TokenModeArg::Legacy => TokenMode::Legacy,
        }
    }
}

// Where a ServiceAccount's token comes from: shared by `setup` and `kubeconfig`.
#[derive(Args, Debug, Clone, Copy)]
pub struct TokenArgs {
    /// Where the token comes from.
    #[arg(long, value_enum, default_value = "auto")]
    pub token_mode: TokenModeArg,
    /// Requested token lifetime for TokenRequest (e.g. 1h); the server may shorten it.
    #[arg(long, value_parser = humantime::parse_duration)]
    pub duration: Option<std::time::Duration>,
}

// `setup` arguments (defaults are the tutorial's).
#[derive(Args, Debug)]
#[command(after_help = "Examples:
  # The tutorial: SA, token, kubeconfig user + context, Role, RoleBinding, checks
  rawkube setup bearertokenauth

  # Read-only access to pods and their logs, a one-hour token, a separate kubeconfig
  rawkube setup viewer --verb=get,list --resource=pods,pods/log --duration=1h \\
      --kubeconfig-out=./viewer.kubeconfig

  # Run it again: nothing changes; --force updates objects that differ
  rawkube setup bearertokenauth --verb=get,list --force

  # Step by step, pausing like the tutorial's script
  rawkube setup bearertokenauth --interactive

  # Many accounts from a manifest, converging, one kubeconfig write
  rawkube setup -f accounts.yaml

  # The same on several clusters at once (contexts NAME@CONTEXT)
  rawkube setup -f accounts.yaml --context kind-a,kind-b

The namespace is -n/--namespace (default: default).")]
pub struct SetupArgs {
    /// ServiceAccount name (or -f FILE for many).
    #[arg(required_unless_present = "file")]
    pub name: Option<String>,
    /// Verbs to grant (repeatable or comma-separated).
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "create,get,list,update,delete"
    )]
    pub verb: Vec<String>,
    /// Resources to grant (repeatable or comma-separated): pods, pods/log, deployments.apps.
    #[arg(long, value_delimiter = ',', default_value = "pods")]
    pub resource: Vec<String>,
    /// Role name (default: NAME).
    #[arg(long)]
    pub role: Option<String>,
    /// RoleBinding name (default: bearertoken-binding-NAME).
    #[arg(long)]
    pub binding: Option<String>,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub token: TokenArgs,
    /// kubeconfig context name (default: NAME).
    #[arg(long)]
    pub context_name: Option<String>,
    /// Write a standalone kubeconfig (cluster, user, context, current-context) here
    /// instead of editing the current kubeconfig.
    #[arg(long, value_name = "FILE")]
    pub kubeconfig_out: Option<PathBuf>,
    /// Pause after each step ("Press enter to continue"), as the tutorial's script does.
    #[arg(long)]
    pub interactive: bool,
    /// Update existing objects that differ from what is asked.
    #[arg(long)]
    pub force: bool,
    /// How long to wait for the token controller and for permissions to propagate.
    #[arg(long, value_parser = humantime::parse_duration, default_value = "30s")]
    pub timeout: std::time::Duration,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub bulk: super::bulk::BulkArgs,
}

impl SetupArgs {
    /// The workflow options these flags ask for.
    pub fn options(&self, namespace: &str) -> SetupOptions {
        let name = self.name.clone().unwrap_or_default();
        SetupOptions {
            name: name.clone(),
            namespace: namespace.to_string(),
            verbs: self.verb.clone(),
            resources: self.resource.clone(),
            role: self.role.clone().unwrap_or_else(|| name.clone()),
            binding: self
                .binding
                .clone()
                .unwrap_or_else(|| format!("bearertoken-binding-{name}")),
            token_mode: self.token.token_mode.into(),
            duration: self.token.duration,
            context_name: self.context_name.clone().unwrap_or(name),
            kubeconfig_out: self.kubeconfig_out.clone(),
            force: self.force,
            timeout: self.timeout,
        }
    }
}

/// The admin connection and kubeconfig setup and teardown work with.
pub fn target(g: &GlobalArgs) -> Result<SetupTarget, CliError> {
    let kubeconfig = g.load_kubeconfig()?;
    let admin_conn = kubeconfig.resolve(&g.overrides()).map_err(CliError::msg)?;
    let cluster_name = admin_conn.origin.cluster.clone().ok_or_else(|| {
        CliError::msg(
            "setup needs a kubeconfig cluster entry for the new context to reference; select a context with one, or use --kubeconfig-out FILE",
        )
    })?;
    let observer = g.observer(&admin_conn);
    let mut admin = rawkube::Client::with_options(&admin_conn, g.client_options()?)
        .map_err(super::connect::api_error)?;
    if let Some(o) = &observer {
        admin = admin.with_observer(o.clone());
    }
    Ok(SetupTarget {
        discovery_cache: g.discovery_cache(&admin_conn.server),
        admin,
        admin_conn,
        kubeconfig,
        cluster_name,
        observer,
    })
}

/// Runs `setup`.
pub fn run(g: &GlobalArgs, a: SetupArgs) -> Result<(), CliError> {
    if a.verb.is_empty() || a.resource.is_empty() {
        return Err(CliError::msg("--verb and --resource must not be empty"));
    }
    let namespace = g.namespace.clone().unwrap_or_else(|| "default".into());
    let opts = a.options(&namespace);
    let mut target = target(g)?;
    let mut stdout = std::io::stdout();
    let stdin = std::io::stdin();
    let mut input = stdin.lock();
    let mut n = Narrator::new(&mut stdout);
    if a.interactive {
        if !std::io::stdin().is_terminal() {
            eprintln!("note: --interactive reads Enter from stdin, which is not a terminal");
        }
        n = n.with_pauses(&mut input);
    }
    block_on(rawkube::workflow::setup(&mut target, &opts, &mut n))?
        .map(|_| ())
        .map_err(workflow_error)
}

/// A workflow failure as the CLI prints it.
pub fn workflow_error(e: rawkube::workflow::WorkflowError) -> CliError {
    use rawkube::workflow::WorkflowError;
    match e {
        WorkflowError::Api(e) => super::connect::api_error(e),
        other => CliError::msg(other),
    }
}
