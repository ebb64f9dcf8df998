//! `rawkube who-can VERB RESOURCE [NAME]`: kubectl-who-can's question and tables,
//! answered by [`rawkube::workflow::who_can`] with the RBAC authorizer's own matching.

use clap::Args;
use rawkube::workflow::discovery::Discovery;
use rawkube::workflow::rbac_match::{ALL, ResourceRequest};
use rawkube::workflow::who_can::{BindingRef, Grant, RbacObjects, Scope, WhoCan};
use serde_json::{Value, json};

use super::CliError;
use super::access::pretty;
use super::connect::{api_error, block_on};
use super::discovery::{self, Resolver};
use super::globals::GlobalArgs;
use super::table;

// `who-can` arguments.
#[derive(Args, Debug)]
#[command(after_help = "Examples:
  # Who can create pods in the current namespace?
  rawkube who-can create pods

  # ... read pod logs in namespace dev, with the role of each binding
  rawkube who-can get pods/log -n dev -o wide

  # ... get the ConfigMap app-config (rules limited to resourceNames count)
  rawkube who-can get configmaps app-config

  # ... list deployments in any namespace, as JSON
  rawkube who-can list deployments.apps -A -o json

RESOURCE is TYPE, TYPE/SUBRESOURCE (pods/log) or, as in kubectl-who-can, TYPE/NAME.
Subjects are read from Roles, ClusterRoles and their bindings (which needs the right
to list them) and matched as the RBAC authorizer matches: wildcards, resourceNames,
subresources, aggregated ClusterRoles.")]
pub struct WhoCanArgs {
    /// The verb: get, list, watch, create, update, patch, delete, deletecollection, '*', ...
    pub verb: String,
    /// TYPE (pods, po, deployments.apps, '*'), TYPE/SUBRESOURCE or TYPE/NAME.
    pub resource: String,
    /// The object's name (rules limited to resourceNames then count).
    pub name: Option<String>,
    /// A subresource, such as log (same as TYPE/SUBRESOURCE).
    #[arg(long)]
    pub subresource: Option<String>,
    /// Look in every namespace (each RoleBinding counts in its own namespace).
    #[arg(short = 'A', long)]
    pub all_namespaces: bool,
    /// wide (adds the role) or json.
    #[arg(short = 'o', long = "output", value_name = "FORMAT")]
    pub output: Option<String>,
}

/// What the command resolved the arguments to.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Action {
    request: ResourceRequest,
    namespaced: bool,
    /// kubectl-who-can's wording: `VERB TYPE[/NAME]` as typed.
    shown: String,
}

async fn resolve(r: &mut Resolver, a: &WhoCanArgs) -> Result<Action, CliError> {
    let (typed, after_slash) = match a.resource.split_once('/') {
        Some((t, rest)) => (t, Some(rest)),
        None => (a.resource.as_str(), None),
    };
    if typed == ALL {
        let request = ResourceRequest::new(&a.verb, "", ALL).named(a.name.as_deref().unwrap_or(""));
        let shown = shown(&a.verb, &a.resource, a.name.as_deref());
        return Ok(Action {
            request,
            namespaced: true,
            shown,
        });
    }
    let t = discovery::require(r, typed).await?;
    // After `require`, the documents in use are fresh enough to list `typed`.
    let d: &Discovery = r.all().await.map_err(api_error)?;
    let lists = d.resource_lists();
    let listed = |name: &str| {
        lists
            .iter()
            .filter(|l| l.group_version == t.api_version())
            .flat_map(|l| l.resources.iter())
            .find(|r| r.name == name)
            .cloned()
    };
    let mut name = a.name.clone();
    let mut sub = a.subresource.clone();
    if let Some(x) = after_slash {
        if listed(&format!("{}/{x}", t.plural)).is_some() && sub.is_none() {
            sub = Some(x.to_string());
        } else if name.is_none() {
            // kubectl-who-can's TYPE/NAME.
            name = Some(x.to_string());
        } else {
            return Err(CliError::msg(format!(
                "the server doesn't have a resource type \"{}/{x}\"",
                t.plural
            )));
        }
    }
    let resource = match &sub {
        Some(s) => format!("{}/{s}", t.plural),
        None => t.plural.clone(),
    };
    let Some(api) = listed(&resource) else {
        return Err(CliError::msg(format!(
            "the server doesn't have a resource type \"{resource}\""
        )));
    };
    if a.verb != ALL && !api.verbs.iter().any(|v| v == &a.verb) {
        // RBAC has verbs discovery does not list (bind, escalate, impersonate, use).
        eprintln!(
            "Warning: the server lists no verb \"{}\" for \"{resource}\" (it lists [{}])",
            a.verb,
            api.verbs.join(" ")
        );
    }
    let request =
        ResourceRequest::new(&a.verb, &t.group, &resource).named(name.as_deref().unwrap_or(""));
    Ok(Action {
        request,
        namespaced: t.namespaced,
        shown: shown(
            &a.verb,
            typed_with_sub(typed, sub.as_deref()).as_str(),
            name.as_deref(),
        ),
    })
}

fn typed_with_sub(typed: &str, sub: Option<&str>) -> String {
    match sub {
        Some(s) => format!("{typed}/{s}"),
        None => typed.to_string(),
    }
}

fn shown(verb: &str, resource: &str, name: Option<&str>) -> String {
    match name {
        Some(n) => format!("{verb} {resource}/{n}"),
        None => format!("{verb} {resource}"),
    }
}

/// Runs `who-can`.
pub fn run(g: &GlobalArgs, a: WhoCanArgs) -> Result<(), CliError> {
    let wide = match a.output.as_deref() {
        None | Some("") => false,
        Some("wide") => true,
        Some("json") => false,
        Some(o) => {
            return Err(CliError::msg(format!(
                "--output {o:?} is not one of wide, json"
            )));
        }
    };
    let json_out = a.output.as_deref() == Some("json");
    let session = g.session()?;
    let scope = if a.all_namespaces {
        Scope::AllNamespaces
    } else {
        Scope::Namespace(session.namespace.clone())
    };
    let (action, answer) = block_on(async {
        let mut resolver = discovery::resolver(g, &session);
        let action = resolve(&mut resolver, &a).await?;
        let objects = RbacObjects::fetch(&session.client, &scope)
            .await
            .map_err(api_error)?;
        let answer = objects.who_can(&action.request, action.namespaced, &scope);
        Ok::<_, CliError>((action, answer))
    })??;
    for w in &answer.warnings {
        eprintln!("Warning: {w}");
    }
    if json_out {
        println!("{}", pretty(&to_json(&answer)));
    } else {
        print!("{}", render(&action.shown, &answer, wide));
    }
    Ok(())
}

/// `[{"kind", "name", "namespace", "binding", "role"}]`.
fn to_json(w: &WhoCan) -> Value {
    Value::Array(
        w.grants
            .iter()
            .map(|g| {
                json!({
                    "kind": g.subject.kind,
                    "name": g.subject.name,
                    "namespace": g.namespace,
                    "binding": g.binding.describe(),
                    "role": g.role.describe(),
                })
            })
            .collect(),
    )
}

/// kubectl-who-can's two sections (`pkg/cmd/printer.go`): RoleBindings, a blank line,
/// ClusterRoleBindings; each a table (tabwriter padding 2) or a "No subjects found" line.
fn render(action: &str, w: &WhoCan, wide: bool) -> String {
    let (rbs, crbs): (Vec<&Grant>, Vec<&Grant>) = w
        .grants
        .iter()
        .partition(|g| matches!(g.binding, BindingRef::RoleBinding { .. }));
    let none = |via: &str| {
        format!("No subjects found with permissions to {action} assigned through {via}\n")
    };
    let mut out = String::new();
    if rbs.is_empty() {
        out.push_str(&none("RoleBindings"));
    } else {
        let mut header = vec!["ROLEBINDING"];
        if wide {
            header.push("ROLE");
        }
        header.extend(["NAMESPACE", "SUBJECT", "TYPE", "SA-NAMESPACE"]);
        let mut rows = vec![header.iter().map(|s| s.to_string()).collect::<Vec<_>>()];
        for g in rbs {
            let BindingRef::RoleBinding { namespace, name } = &g.binding else {
                continue;
            };
            let mut row = vec![name.clone()];
            if wide {
                row.push(g.role.describe());
            }
            row.extend([
                namespace.clone(),
                g.subject.name.clone(),
                g.subject.kind.clone(),
                g.subject.namespace.clone(),
            ]);
            rows.push(row);
        }
        out.push_str(&table::render_with(&rows, 0, 2, &|c| c.to_string()));
    }
    out.push('\n');
    if crbs.is_empty() {
        out.push_str(&none("ClusterRoleBindings"));
    } else {
        let mut header = vec!["CLUSTERROLEBINDING"];
        if wide {
            header.push("ROLE");
        }
        header.extend(["SUBJECT", "TYPE", "SA-NAMESPACE"]);
        let mut rows = vec![header.iter().map(|s| s.to_string()).collect::<Vec<_>>()];
        for g in crbs {
            let mut row = vec![match &g.binding {
                BindingRef::ClusterRoleBinding(n) => n.clone(),
                BindingRef::RoleBinding { name, .. } => name.clone(),
            }];
            if wide {
                row.push(g.role.describe());
            }
            row.extend([
                g.subject.name.clone(),
                g.subject.kind.clone(),
                g.subject.namespace.clone(),
            ]);
            rows.push(row);
        }
        out.push_str(&table::render_with(&rows, 0, 2, &|c| c.to_string()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use rawkube::api::rbac::Subject;
    use rawkube::workflow::rbac_match::RoleKey;

    fn grant(kind: &str, name: &str, sa_ns: &str, binding: BindingRef, role: RoleKey) -> Grant {
        Grant {
            subject: Subject {
                kind: kind.into(),
                api_group: String::new(),
                name: name.into(),
                namespace: sa_ns.into(),
            },
            namespace: sa_ns.into(),
            binding,
            role,
        }
    }

    fn rb(ns: &str, name: &str) -> BindingRef {
        BindingRef::RoleBinding {
            namespace: ns.into(),
            name: name.into(),
        }
    }

    /// kubectl-who-can's printer tests, scenarios A, D and E (`pkg/cmd/printer_test.go`).
    #[test]
    fn tables_match_kubectl_who_can() {
        assert_eq!(
            render("get pods", &WhoCan::default(), false),
            "No subjects found with permissions to get pods assigned through RoleBindings\n\n\
             No subjects found with permissions to get pods assigned through ClusterRoleBindings\n"
        );
        let view = RoleKey::ClusterRole("view".into());
        let w = WhoCan {
            grants: vec![
                grant(
                    "User",
                    "Alice",
                    "",
                    rb("default", "Alice-can-view-pods"),
                    RoleKey::Role {
                        namespace: "default".into(),
                        name: "view-pods".into(),
                    },
                ),
                grant(
                    "Group",
                    "Admins",
                    "",
                    rb("bar", "Admins-can-view-pods"),
                    view.clone(),
                ),
                grant(
                    "ServiceAccount",
                    "Bob",
                    "foo",
                    BindingRef::ClusterRoleBinding("Bob-and-Eve-can-view-pods".into()),
                    view.clone(),
                ),
                grant(
                    "User",
                    "Eve",
                    "",
                    BindingRef::ClusterRoleBinding("Bob-and-Eve-can-view-pods".into()),
                    view,
                ),
            ],
            warnings: vec![],
        };
        assert_eq!(
            render("get pods", &w, false),
            "ROLEBINDING           NAMESPACE  SUBJECT  TYPE   SA-NAMESPACE
Alice-can-view-pods   default    Alice    User   
Admins-can-view-pods  bar        Admins   Group  

CLUSTERROLEBINDING         SUBJECT  TYPE            SA-NAMESPACE
Bob-and-Eve-can-view-pods  Bob      ServiceAccount  foo
Bob-and-Eve-can-view-pods  Eve      User            
"
        );
        assert_eq!(
            render("get pods", &w, true),
            "ROLEBINDING           ROLE              NAMESPACE  SUBJECT  TYPE   SA-NAMESPACE
Alice-can-view-pods   Role/view-pods    default    Alice    User   
Admins-can-view-pods  ClusterRole/view  bar        Admins   Group  

CLUSTERROLEBINDING         ROLE              SUBJECT  TYPE            SA-NAMESPACE
Bob-and-Eve-can-view-pods  ClusterRole/view  Bob      ServiceAccount  foo
Bob-and-Eve-can-view-pods  ClusterRole/view  Eve      User            
"
        );
        assert_eq!(
            to_json(&w)[2],
            json!({"kind": "ServiceAccount", "name": "Bob", "namespace": "foo",
                   "binding": "ClusterRoleBinding/Bob-and-Eve-can-view-pods",
                   "role": "ClusterRole/view"})
        );
    }
}
