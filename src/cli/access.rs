//! `rawkube access [SUBJECT]`: rakkess's access matrix (verbs × resources), computed
//! by [`rawkube::workflow::access`] from one rules review plus access reviews only where
//! the rules cannot answer.

use std::io::IsTerminal;

use clap::Args;
use rawkube::workflow::access::{
    ALL_VERBS, AccessMatrix, AccessQuery, AccessSubject, Cell, access_matrix, targets,
};
use serde_json::{Map, Value, json};

use super::CliError;
use super::connect::{api_error, block_on};
use super::discovery;
use super::globals::GlobalArgs;
use super::table;

// `access` arguments.
#[derive(Args, Debug)]
#[command(after_help = "Examples:
  # What may I do, cluster-wide (every resource the server lists)?
  rawkube access

  # ... in namespace dev (namespaced resources only)
  rawkube access -n dev

  # A ServiceAccount, a user, a group (reviewed through impersonation)
  rawkube access --sa ci/deployer -n ci
  rawkube access ServiceAccount/ci/deployer -n ci
  rawkube access User/alice --verbs all
  rawkube access Group/devs --resources pods,deployments.apps,pods/log

  # Machine-readable
  rawkube access -n dev -o json

Without -n the matrix is cluster-wide: a cell says whether the subject may do it in
every namespace. ✔ allowed, ✖ not allowed, empty: the resource does not support the
verb, ERR: the review failed. A group is reviewed as the user rawkube:group-member in it.")]
pub struct AccessArgs {
    /// Whose access: User/NAME, Group/NAME, ServiceAccount/NAMESPACE/NAME (default: the
    /// kubeconfig's own user).
    pub subject: Option<String>,
    /// A ServiceAccount as NAMESPACE/NAME or NAMESPACE:NAME; a bare NAME is taken in -n's
    /// namespace (rakkess's --sa).
    #[arg(long, value_name = "SERVICEACCOUNT", conflicts_with = "subject")]
    pub sa: Option<String>,
    /// Verbs to show (comma-separated), or `all`: create, get, list, watch, update,
    /// patch, delete, deletecollection.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "list,create,update,delete"
    )]
    pub verbs: Vec<String>,
    /// Only these resources (comma-separated): pods, deployments.apps, pods/log.
    #[arg(long, value_delimiter = ',')]
    pub resources: Vec<String>,
    /// Ask about the object of this name (rules limited to resourceNames count).
    #[arg(long)]
    pub name: Option<String>,
    /// icon-table (default), ascii-table (yes/no/n/a) or json.
    #[arg(short = 'o', long = "output", value_name = "FORMAT")]
    pub output: Option<String>,
    /// How many access reviews may be in flight at once.
    #[arg(long, default_value_t = 32)]
    pub concurrency: usize,
}

/// The `-o` values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Output {
    Icons,
    Ascii,
    Json,
}

impl AccessArgs {
    fn output(&self) -> Result<Output, CliError> {
        match self.output.as_deref() {
            None | Some("") | Some("icon-table") => Ok(Output::Icons),
            Some("ascii-table") => Ok(Output::Ascii),
            Some("json") => Ok(Output::Json),
            Some(o) => Err(CliError::msg(format!(
                "--output {o:?} is not one of icon-table, ascii-table, json"
            ))),
        }
    }

    fn verbs(&self) -> Result<Vec<String>, CliError> {
        if self.verbs.iter().any(|v| v == "all" || v == "*") {
            return Ok(ALL_VERBS.map(String::from).to_vec());
        }
        let mut out: Vec<String> = Vec::new();
        for v in &self.verbs {
            if !ALL_VERBS.contains(&v.as_str()) {
                return Err(CliError::msg(format!(
                    "--verbs: unknown verb {v:?}; valid verbs are {} (or all)",
                    ALL_VERBS.join(", ")
                )));
            }
            if !out.contains(v) {
                out.push(v.clone());
            }
        }
        Ok(out)
    }

    fn subject(&self, namespace: Option<&str>) -> Result<AccessSubject, CliError> {
        if let Some(sa) = &self.sa {
            if let Some(s) = AccessSubject::service_account(sa) {
                return Ok(s);
            }
            return match namespace {
                Some(ns) if !sa.is_empty() && !sa.contains(['/', ':']) => {
                    Ok(AccessSubject::ServiceAccount {
                        namespace: ns.into(),
                        name: sa.clone(),
                    })
                }
                _ => Err(CliError::msg(format!(
                    "--sa {sa:?}: ServiceAccounts are namespaced; give NAMESPACE/NAME or -n NAMESPACE"
                ))),
            };
        }
        match &self.subject {
            Some(s) => AccessSubject::parse(s).map_err(CliError::msg),
            None => Ok(AccessSubject::Current),
        }
    }
}

/// Runs `access`.
pub fn run(g: &GlobalArgs, a: AccessArgs) -> Result<(), CliError> {
    let output = a.output()?;
    let verbs = a.verbs()?;
    // rakkess: only an explicit namespace makes the matrix namespaced.
    let namespace = g.namespace.clone().filter(|n| !n.is_empty());
    let subject = a.subject(namespace.as_deref())?;
    let session = g.session()?;
    let matrix = block_on(async {
        let mut resolver = discovery::resolver(g, &session);
        let d = resolver.all().await.map_err(api_error)?;
        let typed = (!a.resources.is_empty()).then_some(a.resources.as_slice());
        let rows = targets(d, typed, namespace.is_some()).map_err(CliError::msg)?;
        let q = AccessQuery {
            subject,
            namespace,
            verbs,
            targets: rows,
            name: a.name.clone(),
            concurrency: a.concurrency,
        };
        access_matrix(&session.client, &q).await.map_err(api_error)
    })??;
    match output {
        Output::Json => println!("{}", pretty(&to_json(&matrix))),
        Output::Icons => print!(
            "{}",
            render(&matrix, Output::Icons, std::io::stdout().is_terminal())
        ),
        Output::Ascii => print!("{}", render(&matrix, Output::Ascii, false)),
    }
    let errors: Vec<&String> = matrix
        .rows
        .iter()
        .flat_map(|(_, cells)| cells.iter())
        .filter_map(|c| match c {
            Cell::Error(e) => Some(e),
            _ => None,
        })
        .collect();
    match errors.first() {
        None => Ok(()),
        Some(first) => Err(CliError::msg(format!(
            "{} access review(s) failed (shown as ERR); the first: {first}",
            errors.len()
        ))),
    }
}

/// JSON text with two-space indentation.
pub fn pretty(v: &Value) -> String {
    serde_json::to_string_pretty(v).unwrap_or_else(|_| v.to_string())
}

/// `{"subject", "namespace", "resources": [{"group", "resource", "verbs": {verb: bool}}]}`;
/// a verb the resource does not support is left out, a failed review is `null`.
pub fn to_json(m: &AccessMatrix) -> Value {
    let resources: Vec<Value> = m
        .rows
        .iter()
        .map(|(t, cells)| {
            let mut verbs = Map::new();
            for (verb, cell) in m.verbs.iter().zip(cells) {
                let v = match cell {
                    Cell::Allowed => json!(true),
                    Cell::Denied => json!(false),
                    Cell::Error(_) => Value::Null,
                    Cell::NotApplicable => continue,
                };
                verbs.insert(verb.clone(), v);
            }
            json!({"group": t.group, "resource": t.resource, "verbs": verbs})
        })
        .collect();
    json!({"subject": m.subject, "namespace": m.namespace, "resources": resources})
}

/// rakkess's table: `NAME` then one upper-case column per verb, Go tabwriter with
/// min width 4 and padding 2; ✔ ✖ (green, red on a terminal), empty for n/a, ERR.
fn render(m: &AccessMatrix, style: Output, color: bool) -> String {
    let mut rows = vec![
        std::iter::once("NAME".to_string())
            .chain(m.verbs.iter().map(|v| v.to_uppercase()))
            .collect::<Vec<_>>(),
    ];
    for (t, cells) in &m.rows {
        let mut row = vec![t.full_name()];
        row.extend(cells.iter().map(|c| symbol(c, style).to_string()));
        rows.push(row);
    }
    let paint = move |cell: &str| -> String {
        let code = match cell {
            "✔" => 32,
            "✖" => 31,
            "ERR" => 35,
            _ => return cell.to_string(),
        };
        if color {
            format!("\x1b[{code}m{cell}\x1b[0m")
        } else {
            cell.to_string()
        }
    };
    table::render_with(&rows, 4, 2, &paint)
}

fn symbol(c: &Cell, style: Output) -> &'static str {
    match (c, style) {
        (Cell::Allowed, Output::Ascii) => "yes",
        (Cell::Denied, Output::Ascii) => "no",
        (Cell::NotApplicable, Output::Ascii) => "n/a",
        (Cell::Allowed, _) => "✔",
        (Cell::Denied, _) => "✖",
        (Cell::NotApplicable, _) => "",
        (Cell::Error(_), _) => "ERR",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rawkube::workflow::access::{RequestCount, Target};

    fn matrix() -> AccessMatrix {
        let t = |name: &str| Target {
            group: String::new(),
            resource: name.into(),
            namespaced: true,
            verbs: vec![],
        };
        AccessMatrix {
            subject: "User/alice".into(),
            namespace: "dev".into(),
            verbs: vec!["get".into(), "list".into()],
            rows: vec![
                (t("resource1"), vec![Cell::Allowed, Cell::Allowed]),
                (t("resource2"), vec![Cell::Denied, Cell::NotApplicable]),
                (t("resource3"), vec![Cell::Error("x".into()), Cell::Denied]),
            ],
            requests: RequestCount::default(),
        }
    }

    /// rakkess's printer tests (`internal/printer/printer_test.go`).
    #[test]
    fn tables_match_rakkess() {
        let m = matrix();
        assert_eq!(
            render(&m, Output::Icons, false),
            "NAME       GET  LIST\nresource1  ✔    ✔\nresource2  ✖    \nresource3  ERR  ✖\n"
        );
        assert_eq!(
            render(&m, Output::Ascii, false),
            "NAME       GET  LIST\nresource1  yes  yes\nresource2  no   n/a\nresource3  ERR  no\n"
        );
        assert_eq!(
            render(&m, Output::Icons, true).lines().nth(1),
            Some("resource1  \x1b[32m✔\x1b[0m    \x1b[32m✔\x1b[0m")
        );
    }

    #[test]
    fn json_leaves_out_unsupported_verbs_and_nulls_failures() {
        assert_eq!(
            to_json(&matrix()),
            json!({"subject": "User/alice", "namespace": "dev", "resources": [
                {"group": "", "resource": "resource1", "verbs": {"get": true, "list": true}},
                {"group": "", "resource": "resource2", "verbs": {"get": false}},
                {"group": "", "resource": "resource3", "verbs": {"get": null, "list": false}},
            ]})
        );
    }
}
