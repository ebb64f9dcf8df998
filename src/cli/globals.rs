//! Flags every command accepts, named as kubectl names them.
//!
//! Some `kubectl config` subcommands reuse global flag names for their own
//! values (`config set-cluster --server`, `config set-credentials --token`,
//! `config set-context --namespace`). clap cannot declare the same long flag
//! twice in one command path, so those subcommands read these globals instead;
//! the effect on the command line is the same as kubectl's.

use std::fmt;
use std::path::PathBuf;

use clap::{Args, ValueEnum};

// Flags accepted before or after any subcommand.
#[derive(Args, Clone, Default)]
pub struct GlobalArgs {
    /// Path to the kubeconfig file to use (else $KUBECONFIG, else ~/.kube/config).
    #[arg(long, global = true, value_name = "FILE")]
    pub kubeconfig: Option<PathBuf>,

    /// The name of the kubeconfig context to use. setup, teardown, access and get also
    /// take several, comma-separated (a,b,c), and run against each cluster at once.
    #[arg(long, global = true, value_name = "NAME")]
    pub context: Option<String>,

    /// setup, teardown, access and get: run against every context of the kubeconfig.
    #[arg(long, global = true)]
    pub all_contexts: bool,

    /// The namespace scope for this request.
    #[arg(short = 'n', long, global = true, value_name = "NAMESPACE")]
    pub namespace: Option<String>,

    /// The address and port of the Kubernetes API server.
    #[arg(short = 's', long, global = true, value_name = "URL")]
    pub server: Option<String>,

    /// Bearer token for authentication to the API server.
    #[arg(long, global = true, value_name = "TOKEN", hide_env_values = true)]
    pub token: Option<String>,

    /// Path to a cert file for the certificate authority.
    #[arg(long, global = true, value_name = "FILE")]
    pub certificate_authority: Option<PathBuf>,

    /// If true, the server's certificate will not be checked for validity (insecure).
    #[arg(
        long,
        global = true,
        num_args = 0..=1,
        require_equals = true,
        default_missing_value = "true",
        value_name = "BOOL"
    )]
    pub insecure_skip_tls_verify: Option<bool>,

    /// Server name to use for server certificate validation, sent as SNI. If it is not
    /// provided, the hostname used to contact the server is used.
    #[arg(long, global = true, value_name = "NAME")]
    pub tls_server_name: Option<String>,

    /// Print every HTTP request as a curl command, and its response status, on stderr.
    /// The commands run as printed: they name the kubeconfig's certificate files, or,
    /// when it holds them inline, the trace first shows how to write ca.crt, client.crt
    /// and client.key.
    #[arg(long, global = true)]
    pub show_http: bool,

    /// Like --show-http, and also print each response body: one line of JSON, cut at
    /// 300 characters, Secret data and tokens redacted unless --show-secrets.
    #[arg(long, global = true)]
    pub show_http_body: bool,

    /// With --show-http: print bearer tokens and Secret data instead of redacting them.
    #[arg(long, global = true)]
    pub show_secrets: bool,

    /// Default cache directory: discovery documents, shared with kubectl (default
    /// $KUBECACHEDIR, else ~/.kube/cache).
    #[arg(long, global = true, value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,

    /// The length of time to wait before giving up on a single server request, retries
    /// included (kubectl's syntax: 30 is seconds, or 1s, 2m, 3h). 0 means no timeout. Without
    /// it, each attempt may take 30s and retries stop after 30s.
    #[arg(long, global = true, value_name = "DURATION")]
    pub request_timeout: Option<String>,
}

/// The token is a secret: never shown by `Debug`.
impl fmt::Debug for GlobalArgs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GlobalArgs")
            .field("kubeconfig", &self.kubeconfig)
            .field("context", &self.context)
            .field("all_contexts", &self.all_contexts)
            .field("namespace", &self.namespace)
            .field("server", &self.server)
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .field("certificate_authority", &self.certificate_authority)
            .field("insecure_skip_tls_verify", &self.insecure_skip_tls_verify)
            .field("tls_server_name", &self.tls_server_name)
            .field("show_http", &self.show_http)
            .field("show_http_body", &self.show_http_body)
            .field("show_secrets", &self.show_secrets)
            .field("cache_dir", &self.cache_dir)
            .field("request_timeout", &self.request_timeout)
            .finish()
    }
}

/// kubectl's `--dry-run` values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum, Default)]
pub enum DryRun {
    /// Send the request and persist it (the default).
    #[default]
    None,
    /// Only print the object that would be sent; no request.
    Client,
    /// Send the request with `dryRun=All`; the server validates but does not persist.
    Server,
}

// `--dry-run` as a flag group, shared by the create commands.
#[derive(Args, Clone, Debug, Default)]
pub struct DryRunArg {
    /// Must be "none", "server", or "client". With client, only print the object that would be sent.
    #[arg(
        long,
        value_enum,
        num_args = 0..=1,
        require_equals = true,
        default_value = "none",
        default_missing_value = "client",
        value_name = "MODE"
    )]
    pub dry_run: DryRun,
}

// `-o/--output` for commands that print objects.
#[derive(Args, Clone, Debug, Default)]
pub struct OutputArg {
    /// Output format: json|yaml|name|wide|jsonpath=TEMPLATE (kubectl's JSONPath syntax).
    #[arg(short = 'o', long = "output", value_name = "FORMAT")]
    pub output: Option<String>,
}
