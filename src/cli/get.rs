//! `rawkube get TYPE [NAME...]`: kubectl's lists, names, and -o formats.
//!
//! The table is the one kubectl prints when the server answers with a plain
//! list (NAME and AGE, NAMESPACE first with `-A`): rawkube's client sends
//! `Accept: application/json` only, so it never receives a server-side Table.

use std::time::SystemTime;

use clap::Args;
use rawkube::client::Request;
use rawkube::output::Model;
use serde_json::{Value, json};

use super::age::age;
use super::connect::{api_error, block_on};
use super::discovery::{self, ResourceType};
use super::globals::{GlobalArgs, OutputArg};
use super::print::{self, Format};
use super::{CliError, table};

/// `get` arguments.
#[derive(Args, Debug)]
#[command(after_help = "Examples:
  rawkube get pods
  rawkube get sa bearertokenauth -o yaml
  rawkube get sa bearertokenauth -o jsonpath='{.secrets[0].name}'
  rawkube get secret bearertokenauth-token-abcde -o jsonpath='{.data.token}' | base64 -d
  rawkube get rolebindings -A
  rawkube get sa/bearertokenauth role/bearertokenauth")]
pub struct GetArgs {
    /// Resource type (serviceaccounts|sa, secrets, roles, rolebindings, clusterroles,
    /// clusterrolebindings, pods|po, namespaces|ns, ...), or TYPE/NAME.
    pub resource: String,
    /// Object names.
    pub names: Vec<String>,
    /// List across all namespaces.
    #[arg(short = 'A', long)]
    pub all_namespaces: bool,
    /// Label selector, e.g. app=web.
    #[arg(short = 'l', long)]
    pub selector: Option<String>,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub output: OutputArg,
}

/// Runs `get`.
pub fn run(g: &GlobalArgs, a: GetArgs) -> Result<(), CliError> {
    let format = Format::parse(a.output.output.as_deref())?;
    let session = g.session()?;
    let ns = session.namespace.clone();
    block_on(async move {
        let d = discovery::fetch(&session.client).await?;
        // `TYPE NAME...` or `TYPE/NAME ...`.
        let mut targets: Vec<(ResourceType, Option<String>)> = Vec::new();
        if a.resource.contains('/') {
            for item in std::iter::once(&a.resource).chain(a.names.iter()) {
                let (t, n) = item.split_once('/').ok_or_else(|| {
                    CliError::msg(format!(
                        "there is no need to specify a resource type as a separate argument when passing arguments in resource/name form (e.g. 'kubectl get resource/<resource_name>' instead of 'kubectl get resource resource/<resource_name>'"
                    ))
                })?;
                targets.push((discovery::require(&d, t)?, Some(n.to_string())));
            }
        } else {
            let t = discovery::require(&d, &a.resource)?;
            if a.names.is_empty() {
                targets.push((t, None));
            } else {
                for n in &a.names {
                    targets.push((t.clone(), Some(n.clone())));
                }
            }
        }

        let mut objects = Vec::new();
        let mut errors = Vec::new();
        let mut listed_type: Option<ResourceType> = None;
        for (t, name) in &targets {
            let scope = if t.namespaced && !a.all_namespaces {
                ns.as_str()
            } else {
                ""
            };
            match name {
                Some(n) => {
                    let path = t.resource().item(scope, n);
                    match session.client.request::<Value>(Request::get(path)).await {
                        Ok(o) => objects.push(with_type(o, t)),
                        Err(e) => errors.push(api_error(e)),
                    }
                }
                None => {
                    listed_type = Some(t.clone());
                    let mut path = t.resource().collection(scope).limit(500);
                    if let Some(s) = &a.selector {
                        path = path.label_selector(s);
                    }
                    let list: Value = session
                        .client
                        .request(Request::get(path))
                        .await
                        .map_err(api_error)?;
                    for item in list
                        .get("items")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                    {
                        objects.push(with_type(item.clone(), t));
                    }
                }
            }
        }

        let single = targets.len() == 1 && targets[0].1.is_some();
        let out = if format.prints_object() {
            if single && objects.len() == 1 {
                print::object(&objects[0], &format, Model::Unstructured)?
            } else if objects.is_empty() && listed_type.is_none() {
                String::new()
            } else {
                let list = rawkube::output::list_of(objects.clone());
                print::object(&list, &format, Model::Unstructured)?
            }
        } else if objects.is_empty() {
            String::new()
        } else {
            let namespaced = targets.iter().any(|(t, _)| t.namespaced);
            render_table(&objects, a.all_namespaces && namespaced, SystemTime::now())
        };
        print!("{out}");
        if objects.is_empty()
            && errors.is_empty()
            && listed_type.is_some()
            && !format.prints_object()
        {
            let t = listed_type.as_ref().map(|t| t.namespaced).unwrap_or(false);
            if a.all_namespaces || !t {
                eprintln!("No resources found");
            } else {
                eprintln!("No resources found in {ns} namespace.");
            }
        }
        match errors.len() {
            0 => Ok(()),
            _ => {
                let last = errors.pop();
                for e in errors {
                    eprintln!("{e}");
                }
                Err(last.unwrap_or(CliError::Silent(1)))
            }
        }
    })?
}

/// Items of a list come without `kind`/`apiVersion`; kubectl shows them with.
fn with_type(mut obj: Value, t: &ResourceType) -> Value {
    if let Some(m) = obj.as_object_mut() {
        if !m.contains_key("kind") || !m.contains_key("apiVersion") {
            let mut out = serde_json::Map::new();
            out.insert("apiVersion".into(), json!(t.api_version()));
            out.insert("kind".into(), json!(t.kind));
            for (k, v) in std::mem::take(m) {
                out.entry(k).or_insert(v);
            }
            *m = out;
        }
    }
    obj
}

/// kubectl's default table for objects without a server-side Table: NAME, AGE.
pub fn render_table(objects: &[Value], with_namespace: bool, now: SystemTime) -> String {
    let mut rows = Vec::new();
    let mut header = vec![];
    if with_namespace {
        header.push("NAMESPACE".to_string());
    }
    header.extend(["NAME".to_string(), "AGE".to_string()]);
    rows.push(header);
    for o in objects {
        let s = |p: &str| o.pointer(p).and_then(Value::as_str).map(str::to_string);
        let mut row = vec![];
        if with_namespace {
            row.push(s("/metadata/namespace").unwrap_or_default());
        }
        row.push(s("/metadata/name").unwrap_or_default());
        row.push(age(s("/metadata/creationTimestamp").as_deref(), now));
        rows.push(row);
    }
    table::render(&rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_has_kubectls_columns() {
        let now = humantime::parse_rfc3339("2026-11-28T14:00:00Z").unwrap();
        let objs = vec![
            json!({"metadata": {"name": "nginx-0", "namespace": "default",
            "creationTimestamp": "2026-11-28T13:55:00Z"}}),
        ];
        assert_eq!(
            render_table(&objs, false, now),
            "NAME      AGE\nnginx-0   5m\n"
        );
        assert_eq!(
            render_table(&objs, true, now),
            "NAMESPACE   NAME      AGE\ndefault     nginx-0   5m\n"
        );
    }
}
