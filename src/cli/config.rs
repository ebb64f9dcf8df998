//! `rawkube config ...`: kubectl's kubeconfig editing commands over [`rawkube::kubeconfig`].

use std::path::PathBuf;

use clap::{Args, Subcommand};
use rawkube::kubeconfig::{
    ClusterEdit, ContextEdit, CredentialsEdit, EditOutcome, Kubeconfig, KubeconfigError,
    LoadOptions,
};

use super::globals::GlobalArgs;
use super::{CliError, table};

/// `rawkube config` subcommands.
#[derive(Subcommand, Debug)]
#[command(defer = true)]
pub enum ConfigCommand {
    /// Set a cluster entry in kubeconfig (uses the global --server, --certificate-authority,
    /// --insecure-skip-tls-verify and --tls-server-name flags as its values).
    #[command(after_help = "Examples:
  rawkube config set-cluster kubernetes --server=https://127.0.0.1:6443 \\
      --certificate-authority=ca.crt --embed-certs
  rawkube config set-cluster dev --server=https://10.0.0.1:6443 --insecure-skip-tls-verify=true")]
    SetCluster(SetClusterArgs),
    /// Set a user entry in kubeconfig (the global --token flag is the user's token).
    #[command(after_help = "Examples:
  rawkube config set-credentials bearertokenauth --token=eyJhbGciOi...
  rawkube config set-credentials admin --client-certificate=admin.crt --client-key=admin.key --embed-certs")]
    SetCredentials(SetCredentialsArgs),
    /// Set a context entry in kubeconfig (the global -n/--namespace is the context's namespace).
    #[command(after_help = "Examples:
  rawkube config set-context bearertokenauth --cluster=kubernetes --user=bearertokenauth
  rawkube config set-context --current --namespace=dev")]
    SetContext(SetContextArgs),
    /// Set the current-context in a kubeconfig file.
    #[command(after_help = "Examples:\n  rawkube config use-context bearertokenauth")]
    UseContext(NameArg),
    /// Display merged kubeconfig settings (secrets redacted unless --raw).
    #[command(after_help = "Examples:
  rawkube config view
  rawkube config view --minify --raw -o json")]
    View(ViewArgs),
    /// Describe one or many contexts.
    #[command(
        after_help = "Examples:\n  rawkube config get-contexts\n  rawkube config get-contexts -o name"
    )]
    GetContexts(GetContextsArgs),
    /// Display the current-context.
    CurrentContext,
    /// Delete the specified context from the kubeconfig.
    #[command(after_help = "Examples:\n  rawkube config delete-context bearertokenauth")]
    DeleteContext(NameArg),
    /// Delete the specified user from the kubeconfig.
    #[command(after_help = "Examples:\n  rawkube config delete-user bearertokenauth")]
    DeleteUser(NameArg),
}

// A single NAME argument.
#[derive(Args, Debug)]
pub struct NameArg {
    /// The entry name.
    pub name: String,
}

// `config set-cluster` arguments.
#[derive(Args, Debug)]
pub struct SetClusterArgs {
    /// The cluster entry name.
    pub name: String,
    /// Embed the certificate authority file's contents in the kubeconfig.
    #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    pub embed_certs: Option<bool>,
}

// `config set-credentials` arguments.
#[derive(Args, Debug)]
pub struct SetCredentialsArgs {
    /// The user entry name.
    pub name: String,
    /// Path to a client certificate file.
    #[arg(long, value_name = "FILE")]
    pub client_certificate: Option<PathBuf>,
    /// Path to a client key file.
    #[arg(long, value_name = "FILE")]
    pub client_key: Option<PathBuf>,
    /// A file holding the bearer token (rawkube only; kubectl has no flag for it).
    #[arg(long, value_name = "FILE")]
    pub token_file: Option<PathBuf>,
    /// Embed client certificate and key contents in the kubeconfig.
    #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    pub embed_certs: Option<bool>,
}

// `config set-context` arguments.
#[derive(Args, Debug)]
pub struct SetContextArgs {
    /// The context name (omit with --current).
    #[arg(required_unless_present = "current")]
    pub name: Option<String>,
    /// Modify the current context.
    #[arg(long, conflicts_with = "name")]
    pub current: bool,
    /// The cluster entry for the context.
    #[arg(long)]
    pub cluster: Option<String>,
    /// The user entry for the context.
    #[arg(long)]
    pub user: Option<String>,
}

// `config view` arguments.
#[derive(Args, Debug)]
pub struct ViewArgs {
    /// Show only the current (or --context) context and what it uses.
    #[arg(long)]
    pub minify: bool,
    /// Show secrets and certificate data.
    #[arg(long)]
    pub raw: bool,
    /// Inline the files the kubeconfig names (certificates, keys) as *-data (implies --raw).
    #[arg(long)]
    pub flatten: bool,
    /// Output format: yaml (default), json or jsonpath=TEMPLATE.
    #[arg(short = 'o', long = "output", default_value = "yaml")]
    pub output: String,
}

// `config get-contexts` arguments.
#[derive(Args, Debug)]
pub struct GetContextsArgs {
    /// Only this context.
    pub name: Option<String>,
    /// Print only context names (`-o name`).
    #[arg(short = 'o', long = "output")]
    pub output: Option<String>,
    /// Do not print the header row.
    #[arg(long)]
    pub no_headers: bool,
}

fn load(g: &GlobalArgs) -> Result<Kubeconfig, CliError> {
    Kubeconfig::load(&LoadOptions::from_env(g.kubeconfig.clone())).map_err(CliError::msg)
}

fn print_outcome(r: Result<EditOutcome, KubeconfigError>) -> Result<(), CliError> {
    let out = r.map_err(CliError::msg)?;
    for w in &out.warnings {
        eprintln!("{w}");
    }
    println!("{}", out.message);
    Ok(())
}

/// Runs one `config` subcommand.
pub fn run(g: &GlobalArgs, cmd: ConfigCommand) -> Result<(), CliError> {
    match cmd {
        ConfigCommand::SetCluster(a) => {
            let edit = ClusterEdit {
                server: g.server.clone(),
                certificate_authority: g.certificate_authority.clone(),
                embed_certs: a.embed_certs.unwrap_or(false),
                insecure_skip_tls_verify: g.insecure_skip_tls_verify,
                tls_server_name: g.tls_server_name.clone(),
                proxy_url: None,
            };
            print_outcome(load(g)?.set_cluster(&a.name, &edit))
        }
        ConfigCommand::SetCredentials(a) => {
            let edit = CredentialsEdit {
                token: g.token.clone(),
                token_file: a.token_file,
                client_certificate: a.client_certificate,
                client_key: a.client_key,
                embed_certs: a.embed_certs.unwrap_or(false),
                username: None,
                password: None,
            };
            print_outcome(load(g)?.set_credentials(&a.name, &edit))
        }
        ConfigCommand::SetContext(a) => {
            let edit = ContextEdit {
                cluster: a.cluster,
                user: a.user,
                namespace: g.namespace.clone(),
            };
            let name = if a.current { None } else { a.name.as_deref() };
            print_outcome(load(g)?.set_context(name, &edit))
        }
        ConfigCommand::UseContext(a) => print_outcome(load(g)?.use_context(&a.name)),
        ConfigCommand::DeleteContext(a) => print_outcome(load(g)?.delete_context(&a.name)),
        ConfigCommand::DeleteUser(a) => {
            let mut kc = load(g)?;
            // kubectl names the missing user even when no users are left; the library
            // says "empty config" there, so check first.
            if kc.user(&a.name).is_none() {
                let file = g
                    .kubeconfig
                    .clone()
                    .unwrap_or_else(|| kc.options().default_file());
                return Err(CliError::msg(format!(
                    "cannot delete user {}, not in {}",
                    a.name,
                    file.display()
                )));
            }
            print_outcome(kc.delete_user(&a.name))
        }
        ConfigCommand::CurrentContext => {
            let kc = load(g)?;
            println!("{}", kc.require_current_context().map_err(CliError::msg)?);
            Ok(())
        }
        ConfigCommand::View(a) => {
            let kc = load(g)?;
            print!("{}", view(&kc, g.context.as_deref(), &a)?);
            Ok(())
        }
        ConfigCommand::GetContexts(a) => {
            let kc = load(g)?;
            print!("{}", get_contexts(&kc, &a)?);
            Ok(())
        }
    }
}

/// `config view`: the merged config, minified, flattened and redacted as asked, printed
/// as kubectl prints it (every field kubectl knows, its defaults filled in).
pub fn view(kc: &Kubeconfig, context: Option<&str>, a: &ViewArgs) -> Result<String, CliError> {
    use rawkube::kubeconfig::view::{ViewOptions, to_kubectl_value};
    let c = kc
        .view(&ViewOptions {
            raw: a.raw,
            minify: a.minify,
            flatten: a.flatten,
            context: context.map(str::to_string),
        })
        .map_err(CliError::msg)?;
    let value = to_kubectl_value(&c).map_err(CliError::msg)?;
    match a.output.as_str() {
        "yaml" => rawkube::output::to_yaml(&value).map_err(CliError::msg),
        "json" => Ok(super::print::typed_json(&value)),
        other if other.starts_with("jsonpath=") => {
            let template = &other["jsonpath=".len()..];
            rawkube::output::jsonpath::JsonPath::parse(template)
                .and_then(|p| p.execute(&value, rawkube::output::Model::Typed))
                .map_err(|e| CliError::msg(e.message().to_string()))
        }
        other => Err(CliError::msg(format!(
            "unable to match a printer suitable for the output format \"{other}\", allowed formats are: json,yaml,jsonpath=TEMPLATE"
        ))),
    }
}

/// `config get-contexts`: kubectl's table, or names with `-o name`.
pub fn get_contexts(kc: &Kubeconfig, a: &GetContextsArgs) -> Result<String, CliError> {
    let c = kc.merged();
    let mut contexts: Vec<_> = c.contexts.iter().collect();
    if let Some(n) = &a.name {
        contexts.retain(|x| &x.name == n);
        if contexts.is_empty() {
            return Err(CliError::msg(format!("context {n} not found")));
        }
    }
    match a.output.as_deref() {
        Some("name") => Ok(contexts.iter().map(|x| format!("{}\n", x.name)).collect()),
        Some(other) => Err(CliError::msg(format!(
            "output must be one of '' or 'name': {other}"
        ))),
        None => {
            let mut rows = Vec::new();
            if !a.no_headers {
                rows.push(
                    ["CURRENT", "NAME", "CLUSTER", "AUTHINFO", "NAMESPACE"]
                        .map(String::from)
                        .to_vec(),
                );
            }
            for x in contexts {
                let star = if x.name == c.current_context { "*" } else { "" };
                rows.push(vec![
                    star.to_string(),
                    x.name.clone(),
                    x.context.cluster.clone(),
                    x.context.user.clone(),
                    x.context.namespace.clone().unwrap_or_default(),
                ]);
            }
            Ok(table::render(&rows))
        }
    }
}
