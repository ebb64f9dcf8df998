//! `rawkube auth can-i` and `rawkube auth whoami`: the server's own answer about
//! the caller (SelfSubjectAccessReview, SelfSubjectRulesReview, SelfSubjectReview).

use clap::{Args, Subcommand};
use rawkube::api::review::{ResourceRule, SubjectRulesReviewStatus};
use rawkube::client::Request;
use rawkube::output::Model;
use rawkube::path::Resource;
use serde_json::{Value, json};

use super::connect::{api_error, block_on};
use super::discovery;
use super::globals::{GlobalArgs, OutputArg};
use super::print::{self, Format};
use super::{CliError, table};

/// `rawkube auth` subcommands.
#[derive(Subcommand, Debug)]
#[command(defer = true)]
pub enum AuthCommand {
    /// Check whether an action is allowed (prints yes or no; "no" exits 1).
    #[command(
        name = "can-i",
        after_help = "Examples:
  rawkube auth can-i list pods
  rawkube auth can-i delete pods --context=bearertokenauth
  rawkube auth can-i get /healthz
  rawkube auth can-i --list"
    )]
    CanI(CanIArgs),
    /// Print the user attributes of the current credentials.
    #[command(after_help = "Examples:
  rawkube auth whoami
  rawkube auth whoami -o json")]
    Whoami(WhoamiArgs),
}

// `auth can-i` arguments.
#[derive(Args, Debug)]
pub struct CanIArgs {
    /// VERB, then TYPE[/NAME] or a non-resource URL (/healthz); omitted with --list.
    #[arg(required_unless_present = "list")]
    pub args: Vec<String>,
    /// List all allowed actions in the namespace.
    #[arg(long)]
    pub list: bool,
    /// Check in all namespaces.
    #[arg(short = 'A', long)]
    pub all_namespaces: bool,
    /// Subresource, such as pod/log.
    #[arg(long)]
    pub subresource: Option<String>,
    /// Print nothing; only the exit code answers.
    #[arg(short = 'q', long)]
    pub quiet: bool,
}

// `auth whoami` arguments.
#[derive(Args, Debug)]
pub struct WhoamiArgs {
    #[command(flatten)]
    #[allow(missing_docs)]
    pub output: OutputArg,
}

/// Runs one `auth` subcommand.
pub fn run(g: &GlobalArgs, cmd: AuthCommand) -> Result<(), CliError> {
    match cmd {
        AuthCommand::CanI(a) if a.list => can_i_list(g, a),
        AuthCommand::CanI(a) => can_i(g, a),
        AuthCommand::Whoami(a) => whoami(g, a),
    }
}

fn can_i(g: &GlobalArgs, a: CanIArgs) -> Result<(), CliError> {
    let (verb, target, name) = match a.args.as_slice() {
        [v, t] => (v.clone(), t.clone(), None),
        [v, t, n] => (v.clone(), t.clone(), Some(n.clone())),
        _ => {
            return Err(CliError::msg(
                "you must specify two or three arguments: verb, resource, and optional resourceName",
            ));
        }
    };
    let session = g.session()?;
    let ns = if a.all_namespaces {
        String::new()
    } else {
        session.namespace.clone()
    };
    let allowed = block_on(async {
        let attrs = if target.starts_with('/') {
            json!({"nonResourceAttributes": {"path": target, "verb": verb}})
        } else {
            let (typed, name) = match target.split_once('/') {
                Some((t, n)) => (t.to_string(), Some(n.to_string())),
                None => (target.clone(), name),
            };
            let (group, resource) = if typed == "*" {
                (String::new(), "*".to_string())
            } else {
                let mut d = discovery::resolver(g, &session);
                match d.find(&typed).await.map_err(api_error)? {
                    Some(t) => (t.group, t.plural),
                    None => {
                        // kubectl follows this warning with a blank line.
                        eprintln!("Warning: the server doesn't have a resource type '{typed}'\n");
                        match typed.split_once('.') {
                            Some((r, g)) => (g.to_string(), r.to_string()),
                            None => (String::new(), typed.clone()),
                        }
                    }
                }
            };
            let mut ra = serde_json::Map::new();
            ra.insert("namespace".into(), json!(ns));
            ra.insert("verb".into(), json!(verb));
            ra.insert("group".into(), json!(group));
            ra.insert("resource".into(), json!(resource));
            if let Some(s) = &a.subresource {
                ra.insert("subresource".into(), json!(s));
            }
            if let Some(n) = name {
                ra.insert("name".into(), json!(n));
            }
            json!({"resourceAttributes": ra})
        };
        let body = json!({
            "kind": "SelfSubjectAccessReview",
            "apiVersion": "authorization.k8s.io/v1",
            "metadata": {},
            "spec": attrs,
        });
        let path = Resource::cluster("authorization.k8s.io", "v1", "selfsubjectaccessreviews")
            .collection("");
        let req = Request::post(path, &body)
            .map_err(api_error)?
            .stores_nothing();
        session
            .client
            .request::<Value>(req)
            .await
            .map_err(api_error)
    })??;
    let status = allowed.get("status").cloned().unwrap_or(Value::Null);
    let yes = status
        .get("allowed")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    if !a.quiet {
        if yes {
            println!("yes");
        } else {
            let mut line = "no".to_string();
            for key in ["reason", "evaluationError"] {
                if let Some(s) = status
                    .get(key)
                    .and_then(Value::as_str)
                    .filter(|s| !s.is_empty())
                {
                    line.push_str(&format!(" - {s}"));
                }
            }
            println!("{line}");
        }
    }
    if yes {
        Ok(())
    } else {
        Err(CliError::Silent(1))
    }
}

fn can_i_list(g: &GlobalArgs, a: CanIArgs) -> Result<(), CliError> {
    if !a.args.is_empty() {
        return Err(CliError::msg(
            "list option must be specified with no arguments",
        ));
    }
    let session = g.session()?;
    let ns = session.namespace.clone();
    let review = block_on(session.client.self_subject_rules_review(&ns))?.map_err(api_error)?;
    let status = review.status.unwrap_or_default();
    print!("{}", render_rules(&status));
    Ok(())
}

/// One row of the `can-i --list` table, as kubectl's `rbacv1.PolicyRule`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Rule {
    verbs: Vec<String>,
    api_groups: Vec<String>,
    resources: Vec<String>,
    resource_names: Vec<String>,
    non_resource_urls: Vec<String>,
}

fn go_list(v: &[String]) -> String {
    format!("[{}]", v.join(" "))
}

impl Rule {
    /// The gogo-protobuf `String()` kubectl sorts rules by.
    fn sort_key(&self) -> String {
        format!(
            "&PolicyRule{{Verbs:{},APIGroups:{},Resources:{},ResourceNames:{},NonResourceURLs:{},}}",
            go_list(&self.verbs),
            go_list(&self.api_groups),
            go_list(&self.resources),
            go_list(&self.resource_names),
            go_list(&self.non_resource_urls)
        )
    }

    /// `BreakdownRule`: one rule per group × resource × name, and per URL.
    fn breakdown(&self) -> Vec<Rule> {
        let mut out = Vec::new();
        for g in &self.api_groups {
            for r in &self.resources {
                if self.resource_names.is_empty() {
                    out.push(Rule {
                        verbs: self.verbs.clone(),
                        api_groups: vec![g.clone()],
                        resources: vec![r.clone()],
                        ..Default::default()
                    });
                }
                for n in &self.resource_names {
                    out.push(Rule {
                        verbs: self.verbs.clone(),
                        api_groups: vec![g.clone()],
                        resources: vec![r.clone()],
                        resource_names: vec![n.clone()],
                        ..Default::default()
                    });
                }
            }
        }
        for u in &self.non_resource_urls {
            out.push(Rule {
                verbs: self.verbs.clone(),
                non_resource_urls: vec![u.clone()],
                ..Default::default()
            });
        }
        out
    }

    fn is_simple(&self) -> bool {
        self.api_groups.len() == 1
            && self.resources.len() == 1
            && self.non_resource_urls.is_empty()
            && self.resource_names.len() <= 1
    }
}

/// `CombineResourceGroup`: `resource.group/subresource`.
fn combine_resource_group(resources: &[String], groups: &[String]) -> String {
    let Some(first) = resources.first() else {
        return String::new();
    };
    let (base, sub) = match first.split_once('/') {
        Some((b, s)) => (b, Some(s)),
        None => (first.as_str(), None),
    };
    let mut s = base.to_string();
    if let Some(g) = groups.first().filter(|g| !g.is_empty()) {
        s.push('.');
        s.push_str(g);
    }
    if let Some(sub) = sub {
        s.push('/');
        s.push_str(sub);
    }
    s
}

/// kubectl's `can-i --list` table: rules broken down, compacted, sorted.
fn render_rules(status: &SubjectRulesReviewStatus) -> String {
    let mut broken = Vec::new();
    let from_resource = |r: &ResourceRule| Rule {
        verbs: r.verbs.clone(),
        api_groups: r.api_groups.clone(),
        resources: r.resources.clone(),
        resource_names: r.resource_names.clone(),
        ..Default::default()
    };
    for r in &status.resource_rules {
        broken.extend(from_resource(r).breakdown());
    }
    for r in &status.non_resource_rules {
        broken.extend(
            Rule {
                verbs: r.verbs.clone(),
                non_resource_urls: r.non_resource_urls.clone(),
                ..Default::default()
            }
            .breakdown(),
        );
    }
    // CompactRules: simple rules for the same group/resource/name merge their verbs.
    let mut compact: Vec<Rule> = Vec::new();
    let mut simple: Vec<Rule> = Vec::new();
    for r in broken {
        if r.is_simple() {
            match simple.iter_mut().find(|s| {
                s.api_groups == r.api_groups
                    && s.resources == r.resources
                    && s.resource_names == r.resource_names
            }) {
                Some(s) => s.verbs.extend(r.verbs),
                None => simple.push(r),
            }
        } else {
            compact.push(r);
        }
    }
    compact.extend(simple);
    compact.sort_by_key(Rule::sort_key);
    let mut rows = vec![
        ["Resources", "Non-Resource URLs", "Resource Names", "Verbs"]
            .map(String::from)
            .to_vec(),
    ];
    for r in compact {
        rows.push(vec![
            combine_resource_group(&r.resources, &r.api_groups),
            go_list(&r.non_resource_urls),
            go_list(&r.resource_names),
            go_list(&r.verbs),
        ]);
    }
    table::render(&rows)
}

/// A SelfSubjectReview with its fields in the order of the Go struct kubectl prints
/// (`TypeMeta`, `ObjectMeta`, `status.userInfo` as `authentication/v1.UserInfo`).
fn in_struct_order(review: &Value) -> Value {
    let pick = |from: Option<&Value>, keys: &[&str]| -> Value {
        let mut out = serde_json::Map::new();
        if let Some(Value::Object(m)) = from {
            for k in keys {
                if let Some(v) = m.get(*k) {
                    out.insert((*k).to_string(), v.clone());
                }
            }
            // Anything newer than these structs keeps its place after them.
            for (k, v) in m {
                out.entry(k.clone()).or_insert_with(|| v.clone());
            }
        }
        Value::Object(out)
    };
    let mut out = pick(Some(review), &["kind", "apiVersion", "metadata", "status"]);
    if let Some(ui) = review.pointer("/status/userInfo") {
        out["status"]["userInfo"] = pick(Some(ui), &["username", "uid", "groups", "extra"]);
    }
    out
}

fn whoami(g: &GlobalArgs, a: WhoamiArgs) -> Result<(), CliError> {
    let format = Format::parse(a.output.output.as_deref())?;
    let session = g.session()?;
    let review = block_on(async {
        // kubectl falls back from v1 to v1beta1 to v1alpha1 on 404.
        for version in ["v1", "v1beta1", "v1alpha1"] {
            let path = Resource::cluster("authentication.k8s.io", version, "selfsubjectreviews")
                .collection("");
            let body = json!({
                "kind": "SelfSubjectReview",
                "apiVersion": format!("authentication.k8s.io/{version}"),
                "metadata": {},
            });
            let req = Request::post(path, &body)
                .map_err(api_error)?
                .stores_nothing();
            match session.client.request::<Value>(req).await {
                Ok(v) => return Ok(v),
                Err(e) if e.is_not_found() => continue,
                Err(e) => return Err(api_error(e)),
            }
        }
        Err(CliError::raw(
            "error: the selfsubjectreviews API is not enabled in the cluster\n\
             enable APISelfSubjectReview feature gate and authentication.k8s.io/v1alpha1 or authentication.k8s.io/v1beta1 API",
        ))
    })??;
    if format.prints_object() {
        // kubectl decodes the review into its Go struct: fields in struct order.
        print!(
            "{}",
            print::object(&in_struct_order(&review), &format, Model::Typed)?
        );
        return Ok(());
    }
    let ui = review
        .pointer("/status/userInfo")
        .cloned()
        .unwrap_or(Value::Null);
    let s = |k: &str| ui.get(k).and_then(Value::as_str).unwrap_or("").to_string();
    let strings = |v: Option<&Value>| -> Vec<String> {
        v.and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    };
    let mut rows = vec![vec!["ATTRIBUTE".to_string(), "VALUE".to_string()]];
    if !s("username").is_empty() {
        rows.push(vec!["Username".into(), s("username")]);
    }
    if !s("uid").is_empty() {
        rows.push(vec!["UID".into(), s("uid")]);
    }
    let groups = strings(ui.get("groups"));
    if !groups.is_empty() {
        rows.push(vec!["Groups".into(), go_list(&groups)]);
    }
    if let Some(extra) = ui.get("extra").and_then(Value::as_object) {
        let mut keys: Vec<_> = extra.keys().collect();
        keys.sort();
        for k in keys {
            rows.push(vec![format!("Extra: {k}"), go_list(&strings(extra.get(k)))]);
        }
    }
    print!("{}", table::render(&rows));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rawkube::api::review::NonResourceRule;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    /// The SSRR answer and kubectl's output from kubectl-traffic.md run 23.
    #[test]
    fn can_i_list_matches_kubectl_run_23() {
        let status = SubjectRulesReviewStatus {
            resource_rules: vec![
                ResourceRule {
                    verbs: s(&["create"]),
                    api_groups: s(&["authorization.k8s.io"]),
                    resources: s(&["selfsubjectaccessreviews", "selfsubjectrulesreviews"]),
                    resource_names: vec![],
                },
                ResourceRule {
                    verbs: s(&["create"]),
                    api_groups: s(&["authentication.k8s.io"]),
                    resources: s(&["selfsubjectreviews"]),
                    resource_names: vec![],
                },
                ResourceRule {
                    verbs: s(&["create", "get", "list", "update", "delete"]),
                    api_groups: s(&[""]),
                    resources: s(&["pods"]),
                    resource_names: vec![],
                },
            ],
            non_resource_rules: vec![
                NonResourceRule {
                    verbs: s(&["get"]),
                    non_resource_urls: s(&[
                        "/.well-known/openid-configuration",
                        "/.well-known/openid-configuration/",
                        "/openid/v1/jwks",
                        "/openid/v1/jwks/",
                    ]),
                },
                NonResourceRule {
                    verbs: s(&["get"]),
                    non_resource_urls: s(&[
                        "/api",
                        "/api/*",
                        "/apis",
                        "/apis/*",
                        "/healthz",
                        "/livez",
                        "/openapi",
                        "/openapi/*",
                        "/readyz",
                        "/version",
                        "/version/",
                    ]),
                },
            ],
            incomplete: false,
            evaluation_error: String::new(),
        };
        let want = "\
Resources                                       Non-Resource URLs                      Resource Names   Verbs
pods                                            []                                     []               [create get list update delete]
selfsubjectreviews.authentication.k8s.io        []                                     []               [create]
selfsubjectaccessreviews.authorization.k8s.io   []                                     []               [create]
selfsubjectrulesreviews.authorization.k8s.io    []                                     []               [create]
                                                [/.well-known/openid-configuration/]   []               [get]
                                                [/.well-known/openid-configuration]    []               [get]
                                                [/api/*]                               []               [get]
                                                [/api]                                 []               [get]
                                                [/apis/*]                              []               [get]
                                                [/apis]                                []               [get]
                                                [/healthz]                             []               [get]
                                                [/livez]                               []               [get]
                                                [/openapi/*]                           []               [get]
                                                [/openapi]                             []               [get]
                                                [/openid/v1/jwks/]                     []               [get]
                                                [/openid/v1/jwks]                      []               [get]
                                                [/readyz]                              []               [get]
                                                [/version/]                            []               [get]
                                                [/version]                             []               [get]
";
        assert_eq!(render_rules(&status), want);
    }
}
