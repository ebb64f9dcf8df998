//! `rawkube get TYPE [NAME...]`: kubectl's lists, names, and -o formats.
//!
//! kubectl asks the server for a Table (`Accept: ...;as=Table`) and prints its columns.
//! rawkube's client sends `Accept: application/json` only (no per-request headers), so
//! the same columns are computed here from the objects, as kube-apiserver's printers
//! compute them.

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
                    CliError::msg(
                        "there is no need to specify a resource type as a separate argument when passing arguments in resource/name form (e.g. 'kubectl get resource/<resource_name>' instead of 'kubectl get resource resource/<resource_name>'",
                    )
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
            let plural = &targets[0].0.plural;
            render_table(
                plural,
                &objects,
                a.all_namespaces && namespaced,
                format == Format::Wide,
                SystemTime::now(),
            )
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
    if let Some(m) = obj.as_object_mut()
        && (!m.contains_key("kind") || !m.contains_key("apiVersion"))
    {
        let mut out = serde_json::Map::new();
        out.insert("apiVersion".into(), json!(t.api_version()));
        out.insert("kind".into(), json!(t.kind));
        for (k, v) in std::mem::take(m) {
            out.entry(k).or_insert(v);
        }
        *m = out;
    }
    obj
}

/// The columns kube-apiserver's Table printers produce for `plural` (what kubectl shows
/// for `get`), computed here because rawkube's client only asks for plain JSON.
/// Returns (header, wide-only flags) and a cell function.
fn columns(plural: &str) -> (Vec<&'static str>, Vec<bool>) {
    let (h, w): (&[&str], &[bool]) = match plural {
        "pods" => (
            &[
                "NAME",
                "READY",
                "STATUS",
                "RESTARTS",
                "AGE",
                "IP",
                "NODE",
                "NOMINATED NODE",
                "READINESS GATES",
            ],
            &[false, false, false, false, false, true, true, true, true],
        ),
        "serviceaccounts" => (&["NAME", "SECRETS", "AGE"], &[false; 3]),
        "secrets" => (&["NAME", "TYPE", "DATA", "AGE"], &[false; 4]),
        "configmaps" => (&["NAME", "DATA", "AGE"], &[false; 3]),
        "namespaces" => (&["NAME", "STATUS", "AGE"], &[false; 3]),
        "rolebindings" | "clusterrolebindings" => (
            &["NAME", "ROLE", "AGE", "USERS", "GROUPS", "SERVICEACCOUNTS"],
            &[false, false, false, true, true, true],
        ),
        _ => (&["NAME", "CREATED AT"], &[false, false]),
    };
    (h.to_vec(), w.to_vec())
}

fn cells(plural: &str, o: &Value, now: SystemTime) -> Vec<String> {
    let s = |p: &str| {
        o.pointer(p)
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    let count = |p: &str| match o.pointer(p) {
        Some(Value::Array(a)) => a.len(),
        Some(Value::Object(m)) => m.len(),
        _ => 0,
    };
    let name = s("/metadata/name");
    let created = o
        .pointer("/metadata/creationTimestamp")
        .and_then(Value::as_str);
    let age = age(created, now);
    match plural {
        "pods" => {
            let statuses = o
                .pointer("/status/containerStatuses")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            let total = count("/spec/containers");
            let ready = statuses
                .iter()
                .filter(|c| c.get("ready") == Some(&Value::Bool(true)))
                .count();
            let restarts: i64 = statuses
                .iter()
                .filter_map(|c| c.get("restartCount").and_then(Value::as_i64))
                .sum();
            let mut status = s("/status/phase");
            if !s("/status/reason").is_empty() {
                status = s("/status/reason");
            }
            for c in statuses.iter().rev() {
                let waiting = c.pointer("/state/waiting/reason").and_then(Value::as_str);
                let terminated = c
                    .pointer("/state/terminated/reason")
                    .and_then(Value::as_str);
                if let Some(r) = waiting.or(terminated).filter(|r| !r.is_empty()) {
                    status = r.to_string();
                    break;
                }
            }
            if o.pointer("/metadata/deletionTimestamp")
                .is_some_and(|v| !v.is_null())
            {
                status = "Terminating".into();
            }
            let or_none = |v: String| {
                if v.is_empty() {
                    "<none>".to_string()
                } else {
                    v
                }
            };
            vec![
                name,
                format!("{ready}/{total}"),
                status,
                restarts.to_string(),
                age,
                or_none(s("/status/podIP")),
                or_none(s("/spec/nodeName")),
                or_none(s("/status/nominatedNodeName")),
                "<none>".into(),
            ]
        }
        "serviceaccounts" => vec![name, count("/secrets").to_string(), age],
        "secrets" => vec![name, s("/type"), count("/data").to_string(), age],
        "configmaps" => vec![
            name,
            (count("/data") + count("/binaryData")).to_string(),
            age,
        ],
        "namespaces" => vec![name, s("/status/phase"), age],
        "rolebindings" | "clusterrolebindings" => {
            let (mut users, mut groups, mut sas) = (vec![], vec![], vec![]);
            for sub in o
                .get("subjects")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let f = |k: &str| sub.get(k).and_then(Value::as_str).unwrap_or("").to_string();
                match f("kind").as_str() {
                    "ServiceAccount" => sas.push(format!("{}/{}", f("namespace"), f("name"))),
                    "User" => users.push(f("name")),
                    "Group" => groups.push(f("name")),
                    _ => {}
                }
            }
            vec![
                name,
                format!("{}/{}", s("/roleRef/kind"), s("/roleRef/name")),
                age,
                users.join(", "),
                groups.join(", "),
                sas.join(", "),
            ]
        }
        _ => {
            let at = created
                .and_then(|c| humantime::parse_rfc3339_weak(c).ok())
                .map(|t| humantime::format_rfc3339_seconds(t).to_string())
                .unwrap_or_else(|| "0001-01-01T00:00:00Z".into());
            vec![name, at]
        }
    }
}

/// kubectl's table for `get`: the server printers' columns (wide ones with `-o wide`),
/// NAMESPACE first with `-A`.
pub fn render_table(
    plural: &str,
    objects: &[Value],
    with_namespace: bool,
    wide: bool,
    now: SystemTime,
) -> String {
    let (header, wide_only) = columns(plural);
    let keep = |i: usize| wide || !wide_only[i];
    let mut rows = Vec::new();
    let mut h: Vec<String> = vec![];
    if with_namespace {
        h.push("NAMESPACE".into());
    }
    h.extend(
        header
            .iter()
            .enumerate()
            .filter(|(i, _)| keep(*i))
            .map(|(_, c)| c.to_string()),
    );
    rows.push(h);
    for o in objects {
        let mut row = vec![];
        if with_namespace {
            row.push(
                o.pointer("/metadata/namespace")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string(),
            );
        }
        row.extend(
            cells(plural, o, now)
                .into_iter()
                .enumerate()
                .filter(|(i, _)| keep(*i))
                .map(|(_, c)| c),
        );
        rows.push(row);
    }
    table::render(&rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_have_the_server_printers_columns() {
        let now = humantime::parse_rfc3339("2026-11-28T14:00:00Z").unwrap();
        let sa = vec![
            json!({"metadata": {"name": "bearertokenauth", "namespace": "default",
            "creationTimestamp": "2026-11-28T13:55:00Z"}}),
        ];
        assert_eq!(
            render_table("serviceaccounts", &sa, false, false, now),
            "NAME              SECRETS   AGE\nbearertokenauth   0         5m\n"
        );
        assert_eq!(
            render_table("serviceaccounts", &sa, true, false, now),
            "NAMESPACE   NAME              SECRETS   AGE\ndefault     bearertokenauth   0         5m\n"
        );
        let rb = vec![
            json!({"metadata": {"name": "b", "creationTimestamp": "2026-11-28T13:55:00Z"},
            "roleRef": {"kind": "Role", "name": "r"},
            "subjects": [{"kind": "ServiceAccount", "name": "x", "namespace": "default"}]}),
        ];
        assert_eq!(
            render_table("rolebindings", &rb, false, true, now),
            "NAME   ROLE     AGE   USERS   GROUPS   SERVICEACCOUNTS\nb      Role/r   5m                     default/x\n"
        );
        let role =
            vec![json!({"metadata": {"name": "r", "creationTimestamp": "2026-11-28T13:55:00Z"}})];
        assert_eq!(
            render_table("roles", &role, false, false, now),
            "NAME   CREATED AT\nr      2026-11-28T13:55:00Z\n"
        );
    }
}
