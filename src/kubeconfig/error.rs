//! Everything that can go wrong with a kubeconfig, each naming what to fix.

use std::io;
use std::path::PathBuf;

/// A kubeconfig problem. Every variant names the file and the entry or field
/// involved, so the message alone tells the user where to look.
#[derive(Debug, thiserror::Error)]
pub enum KubeconfigError {
    /// A file exists but could not be read.
    #[error("cannot read kubeconfig {}: {source}", file.display())]
    Read {
        /// The kubeconfig file.
        file: PathBuf,
        /// The OS error.
        source: io::Error,
    },
    /// `--kubeconfig` (or the only source) names a file that does not exist.
    #[error("kubeconfig {} does not exist", file.display())]
    NotFound {
        /// The missing file.
        file: PathBuf,
    },
    /// The file is not valid YAML, or a field has the wrong type.
    #[error("invalid kubeconfig {}{}: {message}", file.display(), location(*line, *column))]
    Parse {
        /// The kubeconfig file.
        file: PathBuf,
        /// 1-based line of the problem, when known.
        line: Option<usize>,
        /// 1-based column of the problem, when known.
        column: Option<usize>,
        /// What the parser said (it includes the field path, e.g. `clusters[0].cluster.server`).
        message: String,
    },
    /// Two entries of one list share a name (kubectl refuses these files too).
    #[error("invalid kubeconfig {}: duplicate name {name:?} in {list}", file.display())]
    Duplicate {
        /// The kubeconfig file.
        file: PathBuf,
        /// `clusters`, `users` or `contexts`.
        list: &'static str,
        /// The repeated name.
        name: String,
    },
    /// No context was selected: no `--context` and no `current-context`.
    #[error(
        "no context selected: current-context is not set in {files} (pass --context, or run `config use-context`)"
    )]
    NoCurrentContext {
        /// The files searched, joined with `:`.
        files: String,
    },
    /// The selected context does not exist.
    #[error("context {name:?} not found in {files}")]
    ContextNotFound {
        /// The context name.
        name: String,
        /// The files searched, joined with `:`.
        files: String,
    },
    /// A context points at a cluster entry that does not exist.
    #[error("cluster {cluster:?} referenced by context {context:?} is not defined in {files}")]
    ClusterNotFound {
        /// The missing cluster name.
        cluster: String,
        /// The context that references it (or `--cluster`).
        context: String,
        /// The files searched, joined with `:`.
        files: String,
    },
    /// A context points at a user entry that does not exist.
    #[error("user {user:?} referenced by context {context:?} is not defined in {files}")]
    UserNotFound {
        /// The missing user name.
        user: String,
        /// The context that references it (or `--user`).
        context: String,
        /// The files searched, joined with `:`.
        files: String,
    },
    /// The cluster has no `server`.
    #[error("clusters[{cluster}].cluster.server is empty in {} (set it with `config set-cluster {cluster} --server=https://HOST:PORT`)", file.display())]
    NoServer {
        /// The cluster entry name.
        cluster: String,
        /// Its file.
        file: PathBuf,
    },
    /// A `*-data` field is not valid base64.
    #[error("{field} in {} is not valid base64: {source}", file.display())]
    Base64 {
        /// The kubeconfig file.
        file: PathBuf,
        /// The field path, e.g. `users[bob].user.client-key-data`.
        field: String,
        /// The decoder's error.
        source: base64::DecodeError,
    },
    /// A file a field points at (CA, client certificate or key) cannot be read.
    #[error("cannot read {} (from {field} in {}): {source}", path.display(), file.display())]
    ReferencedFile {
        /// The kubeconfig file holding the field (or `<flags>`).
        file: PathBuf,
        /// The field path, e.g. `clusters[kind].cluster.certificate-authority`.
        field: String,
        /// The resolved path that failed.
        path: PathBuf,
        /// The OS error.
        source: io::Error,
    },
    /// A field combination the client cannot honour.
    #[error("invalid {field} in {}: {reason}", file.display())]
    Invalid {
        /// The kubeconfig file (or `<flags>`).
        file: PathBuf,
        /// The field path.
        field: String,
        /// Why it is invalid.
        reason: String,
    },
    /// Not running in a pod: the service environment variables are missing.
    #[error(
        "not running in a cluster: {var} is not set (in-cluster config needs KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT)"
    )]
    NotInCluster {
        /// The missing variable.
        var: &'static str,
    },
    /// The in-cluster service-account token cannot be read.
    #[error("cannot read the in-cluster service account token {}: {source}", file.display())]
    InClusterToken {
        /// The token file.
        file: PathBuf,
        /// The OS error.
        source: io::Error,
    },
    /// A `kubectl config` style edit was refused; the message is kubectl's.
    #[error("{message}")]
    Edit {
        /// The file the edit was aimed at, when there is one.
        file: Option<PathBuf>,
        /// kubectl's wording, e.g. `no context exists with the name: "x"`.
        message: String,
    },
    /// Editing a multi-document file would drop the other documents.
    #[error("refusing to rewrite {}: it holds several YAML documents; split it into one file per document", file.display())]
    MultiDocument {
        /// The kubeconfig file.
        file: PathBuf,
    },
    /// Writing the file failed.
    #[error("cannot write kubeconfig {}: {source}", file.display())]
    Write {
        /// The kubeconfig file.
        file: PathBuf,
        /// The OS error.
        source: io::Error,
    },
    /// Another writer holds the lock for too long.
    #[error("kubeconfig {} is locked by another writer ({} exists); if no kubectl or rawkube is running, remove it", file.display(), lock.display())]
    Locked {
        /// The kubeconfig file.
        file: PathBuf,
        /// The lock file.
        lock: PathBuf,
    },
}

fn location(line: Option<usize>, column: Option<usize>) -> String {
    match (line, column) {
        (Some(l), Some(c)) => format!(" at line {l} column {c}"),
        (Some(l), None) => format!(" at line {l}"),
        _ => String::new(),
    }
}

impl KubeconfigError {
    pub(crate) fn edit(file: Option<PathBuf>, message: impl Into<String>) -> Self {
        KubeconfigError::Edit {
            file,
            message: message.into(),
        }
    }
}
