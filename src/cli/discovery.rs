//! Resource-type lookup for the CLI: [`rawkube::workflow::discovery`] plus kubectl's error wording.

pub use rawkube::workflow::discovery::{Discovery, ResourceType};

use super::CliError;
use super::connect::api_error;

/// Fetches the server's discovery documents.
pub async fn fetch(client: &rawkube::Client) -> Result<Discovery, CliError> {
    Discovery::fetch(client).await.map_err(api_error)
}

/// Resolves `typed`, failing with kubectl's `the server doesn't have a resource type "x"`.
pub fn require(d: &Discovery, typed: &str) -> Result<ResourceType, CliError> {
    d.find(typed).ok_or_else(|| {
        CliError::msg(format!(
            "the server doesn't have a resource type \"{typed}\""
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_type_gives_kubectls_message() {
        let e = require(&Discovery::from_lists(vec![]), "nosuchthing").unwrap_err();
        assert_eq!(
            e.to_string(),
            "error: the server doesn't have a resource type \"nosuchthing\""
        );
    }
}
