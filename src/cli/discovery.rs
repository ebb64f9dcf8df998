//! Resource-type lookup for the CLI: [`rawkube::workflow::discovery`] with kubectl's
//! `--cache-dir` and error wording.

pub use rawkube::workflow::discovery::{DiscoveryCache, Resolver, ResourceType};

use super::CliError;
use super::connect::{Session, api_error};
use super::globals::GlobalArgs;

impl GlobalArgs {
    /// The discovery cache of `server`: under `--cache-dir`, else kubectl's default
    /// (`$KUBECACHEDIR`, else `~/.kube/cache`); none without a home directory.
    pub fn discovery_cache(&self, server: &str) -> Option<DiscoveryCache> {
        let dir = self
            .cache_dir
            .clone()
            .or_else(DiscoveryCache::default_dir)?;
        Some(DiscoveryCache::new(&dir, server))
    }
}

/// A resolver for the session's server.
pub fn resolver(g: &GlobalArgs, session: &Session) -> Resolver {
    Resolver::new(
        &session.client,
        g.discovery_cache(&session.connection.server),
    )
}

/// Resolves `typed`, failing with kubectl's `the server doesn't have a resource type "x"`.
pub async fn require(r: &mut Resolver, typed: &str) -> Result<ResourceType, CliError> {
    r.find(typed)
        .await
        .map_err(api_error)?
        .ok_or_else(|| unknown(typed))
}

fn unknown(typed: &str) -> CliError {
    CliError::msg(format!(
        "the server doesn't have a resource type \"{typed}\""
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_type_gives_kubectls_message() {
        assert_eq!(
            unknown("nosuchthing").to_string(),
            "error: the server doesn't have a resource type \"nosuchthing\""
        );
    }
}
