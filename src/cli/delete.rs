//! `rawkube delete TYPE NAME...`: DELETE, then wait until the object is gone, as kubectl does.

use std::time::{Duration, Instant};

use clap::Args;
use rawkube::client::Request;
use serde_json::Value;

use super::CliError;
use super::connect::{api_error, block_on};
use super::discovery::{self, ResourceType};
use super::globals::GlobalArgs;

/// How long to wait for an object with finalizers to disappear.
const WAIT: Duration = Duration::from_secs(60);

// `delete` arguments.
#[derive(Args, Debug)]
#[command(after_help = "Examples:
  rawkube delete sa bearertokenauth
  rawkube delete rolebinding bearertoken-binding-bearertokenauth
  rawkube delete role/bearertokenauth sa/bearertokenauth")]
pub struct DeleteArgs {
    /// Resource type (sa, secrets, roles, rolebindings, clusterroles, clusterrolebindings,
    /// pods|po, namespaces|ns), or TYPE/NAME.
    pub resource: String,
    /// Object names.
    pub names: Vec<String>,
    /// Do not wait for the object to be gone.
    #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "true", default_value = "true")]
    pub wait: bool,
}

/// `kind[.group] "name"`, as kubectl's delete line names an object.
fn display_name(t: &ResourceType, name: &str) -> String {
    let kind = t.kind.to_ascii_lowercase();
    if t.group.is_empty() {
        format!("{kind} \"{name}\"")
    } else {
        format!("{kind}.{} \"{name}\"", t.group)
    }
}

/// Runs `delete`.
pub fn run(g: &GlobalArgs, a: DeleteArgs) -> Result<(), CliError> {
    let session = g.session()?;
    let ns = session.namespace.clone();
    let mut d = discovery::resolver(g, &session);
    block_on(async move {
        let mut targets = Vec::new();
        if a.resource.contains('/') {
            for item in std::iter::once(&a.resource).chain(a.names.iter()) {
                let (t, n) = item
                    .split_once('/')
                    .ok_or_else(|| CliError::msg(format!("arguments in resource/name form must have a single resource and name: {item}")))?;
                targets.push((discovery::require(&mut d, t).await?, n.to_string()));
            }
        } else {
            let t = discovery::require(&mut d, &a.resource).await?;
            if a.names.is_empty() {
                return Err(CliError::msg(
                    "resource(s) were provided, but no name was specified",
                ));
            }
            for n in &a.names {
                targets.push((t.clone(), n.clone()));
            }
        }
        let mut failed = None;
        for (t, name) in targets {
            let scope = if t.namespaced { ns.as_str() } else { "" };
            let path = t.resource().item(scope, &name);
            // kubectl's body: background propagation (dependents are cleaned up later).
            let body = serde_json::json!({"propagationPolicy": "Background"});
            let req = Request::delete_with_body(path.clone(), &body).map_err(api_error)?;
            let deleted: Result<Value, _> = session.client.request(req).await;
            match deleted {
                Ok(obj) => {
                    if a.wait {
                        wait_gone(&session.client, path, &obj).await?;
                    }
                    println!("{} deleted", display_name(&t, &name));
                }
                Err(e) => {
                    if let Some(prev) = failed.replace(api_error(e)) {
                        eprintln!("{prev}");
                    }
                }
            }
        }
        failed.map_or(Ok(()), Err)
    })?
}

/// Polls GET until 404 or a different uid (a re-created object), as kubectl's delete wait.
async fn wait_gone(
    client: &rawkube::Client,
    path: rawkube::path::Path,
    deleted: &Value,
) -> Result<(), CliError> {
    let uid = deleted
        .pointer("/metadata/uid")
        .or_else(|| deleted.pointer("/details/uid"))
        .and_then(Value::as_str)
        .map(str::to_string);
    let start = Instant::now();
    loop {
        match client.request::<Value>(Request::get(path.clone())).await {
            Err(e) if e.is_not_found() => return Ok(()),
            Err(e) => return Err(api_error(e)),
            Ok(obj) => {
                let now_uid = obj.pointer("/metadata/uid").and_then(Value::as_str);
                if uid.is_some() && now_uid != uid.as_deref() {
                    return Ok(());
                }
            }
        }
        if start.elapsed() > WAIT {
            return Err(CliError::msg(format!(
                "timed out waiting for {} to be deleted",
                path.path()
            )));
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}
