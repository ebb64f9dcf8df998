//! kubeconfig: load, merge, select, edit and write, with kubectl's rules.
//!
//! * [`load`]: which files (`--kubeconfig`, `KUBECONFIG`, `~/.kube/config`) and first-wins merging.
//! * [`resolve`]: context selection plus global-flag overrides → [`crate::config::ConnectionConfig`].
//! * [`incluster`]: the pod's service-account configuration.
//! * [`edit`]: `kubectl config set-*/use-context/delete-*`, with kubectl's messages and file choice.
//! * [`contexts_table`]: `kubectl config get-contexts` output.
//! * [`exec`]: exec credential plugin stanzas, validated and shown as kubectl does.
//! * [`view`]: `kubectl config view` (redacted, `--minify`, `--flatten`, `-o json`).
//! * [`write`]: kubectl's YAML bytes, written atomically under a lock.
//! * [`batch`]: many entry edits under one lock, each file written once.
//!
//! ```no_run
//! use rawkube::kubeconfig::{ContextEdit, Kubeconfig, LoadOptions, Overrides};
//! let mut kc = Kubeconfig::load(&LoadOptions::from_env(None))?;
//! kc.set_context(Some("sa"), &ContextEdit { namespace: Some("default".into()), ..Default::default() })?;
//! let conn = kc.resolve(&Overrides { context: Some("sa".into()), ..Default::default() })?;
//! # Ok::<(), rawkube::kubeconfig::KubeconfigError>(())
//! ```

pub mod batch;
pub mod contexts_table;
pub mod edit;
pub mod error;
pub mod exec;
pub mod incluster;
pub mod load;
pub mod model;
pub mod resolve;
pub mod view;
pub mod write;

pub use batch::Batch;
pub use contexts_table::ContextListing;
pub use edit::{ClusterEdit, ContextEdit, CredentialsEdit, EditOutcome};
pub use error::KubeconfigError;
pub use incluster::{InClusterEnv, in_cluster_with};
pub use load::{Found, Kubeconfig, KubeconfigFile, LoadOptions};
pub use model::Config;
pub use resolve::Overrides;
pub use view::ViewOptions;
