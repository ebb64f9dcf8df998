//! The `rawkube` command line: clap definitions, one module per command group.
//!
//! Commands shared with kubectl keep kubectl's names, flags, output lines,
//! stdout/stderr split and exit codes (`kubectl-traffic.md` §5, §6).

pub mod access;
pub mod age;
pub mod auth;
pub mod bulk;
pub mod completion;
pub mod config;
pub mod connect;
pub mod create;
pub mod delete;
#[cfg(feature = "demo")]
pub mod demo;
pub mod discovery;
pub mod error;
pub mod get;
pub mod globals;
pub mod http_trace;
pub mod kubeconfig_cmd;
pub mod multi_context;
pub mod print;
pub mod progress;
pub mod setup;
pub mod table;
pub mod teardown;
pub mod token;
pub mod who_can;

use clap::{Parser, Subcommand};

pub use error::CliError;
use globals::GlobalArgs;

const AFTER_HELP: &str = "\
Examples:
  # The tutorial in one command: service account, token, role, binding, context
  rawkube setup bearertokenauth

  # The same steps one by one, as kubectl spells them
  rawkube create sa bearertokenauth
  rawkube create token bearertokenauth --duration=1h
  rawkube create role bearertokenauth --verb=create,get,list,update,delete --resource=pods
  rawkube create rolebinding bearertoken-binding-bearertokenauth --role=bearertokenauth \\
      --serviceaccount=default:bearertokenauth
  rawkube auth can-i list pods --context=bearertokenauth

  # See every request as a curl command
  rawkube get pods --show-http

  # Walk through the whole tutorial against a built-in mock API server
  rawkube demo

Exit codes: 0 success; 1 any error, usage errors included, and `auth can-i` answering
\"no\" (as kubectl).";

/// rawkube: the Kubernetes service-account bearer-token tutorial as plain HTTPS calls.
#[derive(Parser, Debug)]
#[command(
    name = "rawkube",
    version,
    about = "The Kubernetes service-account bearer-token tutorial as plain HTTPS calls, no kubectl needed",
    after_help = AFTER_HELP,
    propagate_version = true
)]
pub struct Cli {
    /// Flags that apply to every command.
    #[command(flatten)]
    pub globals: GlobalArgs,

    /// The command to run.
    #[command(subcommand)]
    pub command: Command,
}

/// Every top-level command.
///
/// `defer = true` here and on the nested command enums: clap builds a command's arguments only
/// when that command is parsed, not the whole tree on every run (`rawkube --version` went from
/// 1.2 to 0.9 ms; README "Benchmarks"). Names and about lines stay on the variants, so help
/// and suggestions see every command. The `Args` structs carry plain `//` comments, not doc
/// comments: clap would apply a doc comment as the command's about when it builds the deferred
/// part, replacing the variant's.
#[derive(Subcommand, Debug)]
#[command(defer = true)]
pub enum Command {
    /// Create a resource (serviceaccount, token, role, clusterrole, rolebinding, clusterrolebinding).
    #[command(subcommand)]
    Create(create::CreateCommand),
    /// Display one or many resources.
    Get(get::GetArgs),
    /// Delete resources by type and name.
    Delete(delete::DeleteArgs),
    /// Inspect authorization.
    #[command(subcommand)]
    Auth(auth::AuthCommand),
    /// Modify kubeconfig files.
    #[command(subcommand)]
    Config(config::ConfigCommand),
    /// Do the whole tutorial for one service account, re-runnably.
    Setup(setup::SetupArgs),
    /// Delete everything `setup` created.
    Teardown(teardown::TeardownArgs),
    /// Print a standalone kubeconfig for a service account.
    Kubeconfig(kubeconfig_cmd::KubeconfigArgs),
    /// Inspect service-account tokens.
    #[command(subcommand)]
    Token(token::TokenCommand),
    /// Walk through the tutorial against a built-in mock API server.
    #[cfg(feature = "demo")]
    Demo(demo::DemoArgs),
    /// Print a shell completion script.
    Completion(completion::CompletionArgs),
    /// Show a verbs × resources access matrix for a user, group or ServiceAccount.
    Access(access::AccessArgs),
    /// Show which subjects may do VERB on RESOURCE, and the binding that lets them.
    #[command(name = "who-can")]
    WhoCan(who_can::WhoCanArgs),
}

/// Runs a parsed command line. Output goes to stdout/stderr as kubectl prints it;
/// the returned error has not been printed yet.
pub fn run(cli: Cli) -> Result<(), CliError> {
    let g = &cli.globals;
    // Several contexts: get and access once per context, setup and teardown in bulk.
    let contexts = multi_context::requested(g)?;
    match (cli.command, contexts) {
        (Command::Get(a), Some(c)) => {
            let json = a.output.output.as_deref() == Some("json");
            multi_context::run_each(&c, json)
        }
        (Command::Access(a), Some(c)) => {
            multi_context::run_each(&c, a.output.as_deref() == Some("json"))
        }
        (Command::Setup(a), c) if bulk::wanted(&a.bulk, &c) => bulk::setup(g, a, c),
        (Command::Teardown(a), c) if bulk::wanted(&a.bulk, &c) => bulk::teardown(g, a, c),
        (_, Some(_)) => Err(CliError::msg(
            "several contexts (--context a,b or --all-contexts) work with setup, teardown, access and get only",
        )),
        (command, None) => run_one(g, command),
    }
}

fn run_one(g: &GlobalArgs, command: Command) -> Result<(), CliError> {
    match command {
        Command::Create(c) => create::run(g, c),
        Command::Get(a) => get::run(g, a),
        Command::Delete(a) => delete::run(g, a),
        Command::Auth(c) => auth::run(g, c),
        Command::Config(c) => config::run(g, c),
        Command::Setup(a) => setup::run(g, a),
        Command::Teardown(a) => teardown::run(g, a),
        Command::Kubeconfig(a) => kubeconfig_cmd::run(g, a),
        Command::Token(c) => token::run(g, c),
        #[cfg(feature = "demo")]
        Command::Demo(a) => demo::run(g, a),
        Command::Completion(a) => completion::run(a),
        Command::Access(a) => access::run(g, a),
        Command::WhoCan(a) => who_can::run(g, a),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn clap_definitions_are_consistent() {
        Cli::command().debug_assert();
    }

    /// Building a deferred command must not change what it says about itself: once built, every
    /// command has the about and long about its parent lists before building (a doc comment on
    /// an `Args` struct would replace them).
    #[test]
    fn built_commands_keep_the_abouts_their_parents_list() {
        fn walk(listed: &clap::Command, built: &clap::Command, path: &str, seen: &mut usize) {
            for sub in listed.get_subcommands().filter(|s| s.get_name() != "help") {
                let path = format!("{path} {}", sub.get_name());
                let b = built.find_subcommand(sub.get_name()).expect(&path);
                let text = |s: Option<&clap::builder::StyledStr>| s.map(|s| s.to_string());
                assert!(sub.get_about().is_some(), "{path} has no about");
                assert_eq!(text(sub.get_about()), text(b.get_about()), "{path}");
                assert_eq!(
                    text(sub.get_long_about()),
                    text(b.get_long_about()),
                    "{path}"
                );
                *seen += 1;
                walk(sub, b, &path, seen);
            }
        }
        let listed = Cli::command();
        let mut built = Cli::command();
        built.build();
        let mut seen = 0;
        walk(&listed, &built, "rawkube", &mut seen);
        assert!(seen > 20, "only {seen} commands found");
    }
}
