//! The tutorial as converging library workflows: [`setup`](setup::setup) does Step 9's
//! script for one ServiceAccount (re-runnable: what exists and matches is kept),
//! [`teardown`](teardown::teardown) removes what setup made. Both narrate each step as
//! the script does (a banner with the kubectl command, then kubectl's result line), so
//! the CLI, the embedded demo and tests share one implementation.

pub mod access;
pub mod bulk;
pub mod discovery;
pub mod manifest;
pub mod narrate;
pub mod rbac_match;
pub mod rules;
pub mod setup;
pub mod standalone;
pub mod teardown;
pub mod who_can;

use std::time::Duration;

use crate::kubeconfig::KubeconfigError;

pub use narrate::Narrator;
pub use setup::{SetupOptions, SetupSummary, TokenMode, setup};
pub use teardown::{TeardownOptions, teardown};

/// Why a workflow stopped.
#[derive(Debug, thiserror::Error)]
pub enum WorkflowError {
    /// The API server refused or failed a call; `Display` is kubectl's wording.
    #[error("{0}")]
    Api(#[from] crate::Error),
    /// Reading or editing a kubeconfig failed.
    #[error("{0}")]
    Kubeconfig(#[from] KubeconfigError),
    /// A `--resource` the server does not serve.
    #[error("{0}")]
    UnknownResource(#[from] rules::UnknownResource),
    /// Waiting for the cluster (token controller, RBAC propagation) took too long.
    #[error("timed out after {}: {what}", humantime::format_duration(*.after))]
    Timeout {
        /// What was awaited.
        what: String,
        /// How long rawkube waited.
        after: Duration,
    },
    /// Objects exist but differ from what was asked, and `--force` was not given.
    #[error(
        "{0} differ from the requested settings and were left unchanged; re-run with --force to update them"
    )]
    Differs(String),
    /// The end-to-end check as the ServiceAccount failed.
    #[error("verification as the service account failed: {0}")]
    Verify(String),
    /// The inputs cannot work (e.g. no cluster entry to reference).
    #[error("{0}")]
    Invalid(String),
    /// Writing the narration or a file failed.
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// `Result` for workflows.
pub type Result<T> = std::result::Result<T, WorkflowError>;
