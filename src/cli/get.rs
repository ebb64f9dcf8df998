//! `rawkube get TYPE [NAME...]`: kubectl's lists, names, and -o formats.
//!
//! For its tables kubectl asks the server for a `meta.k8s.io` Table ([`TABLE_ACCEPT`]) and
//! prints the server's columns; so does rawkube, so every column, cell and age is the
//! server's own. `-o json|yaml|name|jsonpath` ask for plain JSON objects.

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

/// The `Accept` header kubectl 1.32 sends for `get`: a `meta.k8s.io/v1` Table, else the
/// v1beta1 one, else the plain object.
pub const TABLE_ACCEPT: &str = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json";

// `get` arguments.
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
    /// Return large lists in chunks rather than all at once: pages of this many objects,
    /// following the server's continue tokens. Pass 0 to disable.
    #[arg(
        long,
        default_value_t = 500,
        value_name = "N",
        allow_negative_numbers = true
    )]
    pub chunk_size: i64,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub output: OutputArg,
}

/// Runs `get`.
pub fn run(g: &GlobalArgs, a: GetArgs) -> Result<(), CliError> {
    let format = Format::parse(a.output.output.as_deref())?;
    let session = g.session()?;
    let ns = session.namespace.clone();
    let mut d = discovery::resolver(g, &session);
    block_on(async move {
        // `TYPE NAME...` or `TYPE/NAME ...`.
        let mut targets: Vec<(ResourceType, Option<String>)> = Vec::new();
        if a.resource.contains('/') {
            for item in std::iter::once(&a.resource).chain(a.names.iter()) {
                let (t, n) = item.split_once('/').ok_or_else(|| {
                    CliError::msg(
                        "there is no need to specify a resource type as a separate argument when passing arguments in resource/name form (e.g. 'kubectl get resource/<resource_name>' instead of 'kubectl get resource resource/<resource_name>'",
                    )
                })?;
                targets.push((discovery::require(&mut d, t).await?, Some(n.to_string())));
            }
        } else {
            // `TYPE[,TYPE...] [NAME...]`: every name of every type, in the order given.
            for typed in a.resource.split(',').filter(|t| !t.is_empty()) {
                let t = discovery::require(&mut d, typed).await?;
                if a.names.is_empty() {
                    targets.push((t, None));
                } else {
                    for n in &a.names {
                        targets.push((t.clone(), Some(n.clone())));
                    }
                }
            }
        }

        // One result per target: objects (for the -o formats) or the server's Table.
        let tables = !format.prints_object();
        let mut objects = Vec::new();
        let mut fetched: Vec<(ResourceType, Value)> = Vec::new();
        let mut errors = Vec::new();
        let mut listed_type: Option<ResourceType> = None;
        for (t, name) in &targets {
            let scope = if t.namespaced && !a.all_namespaces {
                ns.as_str()
            } else {
                ""
            };
            if name.is_none() {
                listed_type = Some(t.clone());
            }
            // A list comes in pages of --chunk-size, as long as the server hands out continue
            // tokens. As kubectl does, what arrived is printed even if a later page fails
            // (e.g. 410 Expired for a continue token that is too old), then the error.
            let mut token: Option<String> = None;
            loop {
                let path = match name {
                    Some(n) => t.resource().item(scope, n),
                    None => list_path(t, scope, a.selector.as_deref(), a.chunk_size, &token),
                };
                let mut req = Request::get(path);
                if tables {
                    req = req.accept(TABLE_ACCEPT).map_err(api_error)?;
                }
                let got = match session.client.request::<Value>(req).await {
                    Ok(v) => v,
                    Err(e) => {
                        errors.push(api_error(e));
                        break;
                    }
                };
                token = got
                    .pointer("/metadata/continue")
                    .and_then(Value::as_str)
                    .filter(|c| !c.is_empty() && name.is_none())
                    .map(str::to_string);
                if tables {
                    fetched.push((t.clone(), got));
                } else if name.is_some() {
                    objects.push(with_type(got, t));
                } else {
                    for item in got
                        .get("items")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                    {
                        objects.push(with_type(item.clone(), t));
                    }
                }
                if token.is_none() {
                    break;
                }
            }
        }

        let single = targets.len() == 1 && targets[0].1.is_some();
        let (out, found) = if !tables {
            let out = if single && objects.len() == 1 {
                print::object(&objects[0], &format, Model::Unstructured)?
            } else if objects.is_empty() && listed_type.is_none() {
                String::new()
            } else {
                let list = rawkube::output::list_of(objects.clone());
                print::object(&list, &format, Model::Unstructured)?
            };
            (out, !objects.is_empty())
        } else {
            let now = SystemTime::now();
            let fetched: Vec<(ResourceType, Value)> = fetched
                .into_iter()
                .map(|(t, v)| {
                    let table = server_table(&v, now);
                    (t, table)
                })
                .collect();
            let found = fetched.iter().any(|(_, t)| !rows(t).is_empty());
            let opts = TableOptions {
                wide: format == Format::Wide,
                all_namespaces: a.all_namespaces,
                with_kind: distinct_types(&fetched) > 1,
            };
            (print_tables(&fetched, &opts), found)
        };
        print!("{out}");
        if !found && errors.is_empty() && listed_type.is_some() && !format.prints_object() {
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

/// One page of a list: query parameters in kubectl's (sorted) order, `limit` only for a
/// non-zero `--chunk-size` (a negative one is sent as is, for the server to refuse, as kubectl
/// does).
fn list_path(
    t: &ResourceType,
    scope: &str,
    selector: Option<&str>,
    chunk_size: i64,
    token: &Option<String>,
) -> rawkube::path::Path {
    let mut path = t.resource().collection(scope);
    if let Some(token) = token {
        path = path.continue_token(token);
    }
    if let Some(s) = selector {
        path = path.label_selector(s);
    }
    if chunk_size != 0 {
        path = path.query("limit", chunk_size.to_string());
    }
    path
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

/// How [`print_tables`] lays tables out (the part of kubectl's `PrintOptions` rawkube has).
#[derive(Debug, Default)]
struct TableOptions {
    /// `-o wide`: the priority-1 columns too.
    wide: bool,
    /// `-A`: a NAMESPACE column first (for namespaced types).
    all_namespaces: bool,
    /// More than one type requested: names as `kind[.group]/name`.
    with_kind: bool,
}

fn type_key(t: &ResourceType) -> (&str, &str) {
    (&t.group, &t.plural)
}

fn distinct_types(fetched: &[(ResourceType, Value)]) -> usize {
    let mut seen: Vec<(&str, &str)> = Vec::new();
    for (t, _) in fetched {
        if !seen.contains(&type_key(t)) {
            seen.push(type_key(t));
        }
    }
    seen.len()
}

fn columns(table: &Value) -> &[Value] {
    table
        .get("columnDefinitions")
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

fn rows(table: &Value) -> &[Value] {
    table
        .get("rows")
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

/// The response as a Table: the server's own, or, from a server that ignores the Table
/// request, kubectl's fallback for a plain object or list: NAME and AGE computed here.
fn server_table(v: &Value, now: SystemTime) -> Value {
    if v.get("kind").and_then(Value::as_str) == Some("Table") {
        return v.clone();
    }
    let items: Vec<&Value> = match v.get("items").and_then(Value::as_array) {
        Some(items) => items.iter().collect(),
        None => vec![v],
    };
    let rows: Vec<Value> = items
        .into_iter()
        .map(|o| {
            let name = o.pointer("/metadata/name").cloned().unwrap_or(json!(""));
            let created = o
                .pointer("/metadata/creationTimestamp")
                .and_then(Value::as_str);
            json!({"cells": [name, age(created, now)], "object": {"metadata": o.get("metadata")}})
        })
        .collect();
    json!({
        "kind": "Table",
        "columnDefinitions": [
            {"name": "Name", "type": "string", "format": "name", "priority": 0},
            {"name": "Age", "type": "string", "format": "", "priority": 0},
        ],
        "rows": rows,
    })
}

/// kubectl's human-readable printer over the fetched Tables: one block per run of the same
/// type (header once, columns aligned across the block), a blank line between blocks.
fn print_tables(fetched: &[(ResourceType, Value)], o: &TableOptions) -> String {
    let mut out = String::new();
    let mut i = 0;
    while i < fetched.len() {
        let t = &fetched[i].0;
        let end = fetched[i..]
            .iter()
            .position(|(u, _)| type_key(u) != type_key(t))
            .map_or(fetched.len(), |n| i + n);
        let block = render_block(t, &fetched[i..end], o);
        if !block.is_empty() && !out.is_empty() {
            out.push('\n');
        }
        out.push_str(&block);
        i = end;
    }
    out
}

/// One type's rows as kubectl's `printTable` lays them out: priority-0 columns (all with
/// `-o wide`), upper-case headers, nothing at all when there are no rows.
fn render_block(t: &ResourceType, tables: &[(ResourceType, Value)], o: &TableOptions) -> String {
    let columns = tables
        .iter()
        .map(|(_, table)| columns(table))
        .find(|c| !c.is_empty())
        .unwrap_or(&[]);
    let all_rows: Vec<&Value> = tables.iter().flat_map(|(_, table)| rows(table)).collect();
    if all_rows.is_empty() {
        return String::new();
    }
    let shown = |i: usize| {
        o.wide
            || columns[i]
                .get("priority")
                .and_then(Value::as_i64)
                .unwrap_or(0)
                == 0
    };
    let name_column = columns.iter().position(|c| c["format"] == "name");
    let with_namespace = o.all_namespaces && t.namespaced;
    let kind_prefix = if t.group.is_empty() {
        t.kind.to_lowercase()
    } else {
        format!("{}.{}", t.kind, t.group).to_lowercase()
    };

    let mut lines: Vec<Vec<String>> = Vec::new();
    let mut header = Vec::new();
    if with_namespace {
        header.push("NAMESPACE".to_string());
    }
    for (i, c) in columns.iter().enumerate() {
        if shown(i) {
            header.push(c["name"].as_str().unwrap_or("").to_uppercase());
        }
    }
    lines.push(header);
    for row in all_rows {
        let mut line = Vec::new();
        if with_namespace {
            let ns = row
                .pointer("/object/metadata/namespace")
                .and_then(Value::as_str)
                .unwrap_or("");
            line.push(ns.to_string());
        }
        let cells = row
            .get("cells")
            .and_then(Value::as_array)
            .map_or(&[][..], Vec::as_slice);
        // Cells beyond the column definitions are dropped, as kubectl does.
        for (i, cell) in cells.iter().enumerate().take(columns.len()) {
            if !shown(i) {
                continue;
            }
            let text = match cell {
                Value::String(s) if o.with_kind && name_column == Some(i) => {
                    format!("{kind_prefix}/{}", cell_text(&json!(s)))
                }
                _ => cell_text(cell),
            };
            line.push(text);
        }
        lines.push(line);
    }
    table::render(&lines)
}

/// A Table cell as kubectl prints it: strings up to the first line break (then `...`),
/// numbers and booleans as Go's `%v` prints them, null as nothing.
fn cell_text(cell: &Value) -> String {
    match cell {
        Value::Null => String::new(),
        Value::String(s) => match s.find(['\u{c}', '\n', '\r']) {
            Some(i) => format!("{}...", &s[..i]),
            None => s.clone(),
        },
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
            (Some(i), _, _) => i.to_string(),
            (_, Some(u), _) => u.to_string(),
            (_, _, Some(f)) => go_float(f),
            _ => n.to_string(),
        },
        other => other.to_string(),
    }
}

/// Go's `%v` for a float64 (`strconv` `'g'`, shortest): exponent form when the decimal
/// exponent is below -4 or at least 6 (`1e+06`, `1.5e-05`), plain otherwise.
fn go_float(f: f64) -> String {
    let sci = format!("{f:e}");
    let Some((mantissa, exp)) = sci.split_once('e') else {
        return sci;
    };
    let exp: i32 = exp.parse().unwrap_or(0);
    if f == 0.0 || (-4..6).contains(&exp) {
        return format!("{f}");
    }
    let sign = if exp < 0 { '-' } else { '+' };
    format!("{mantissa}e{sign}{:02}", exp.abs())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rt(group: &str, plural: &str, kind: &str, namespaced: bool) -> ResourceType {
        ResourceType {
            group: group.into(),
            version: "v1".into(),
            plural: plural.into(),
            kind: kind.into(),
            namespaced,
        }
    }

    fn pods_table() -> Value {
        json!({"kind": "Table", "apiVersion": "meta.k8s.io/v1",
        "columnDefinitions": [
            {"name": "Name", "type": "string", "format": "name", "priority": 0},
            {"name": "Ready", "type": "string", "format": "", "priority": 0},
            {"name": "Restarts", "type": "integer", "format": "", "priority": 0},
            {"name": "IP", "type": "string", "format": "", "priority": 1},
        ],
        "rows": [
            {"cells": ["web-1", "0/1", 0, "<none>"], "object": {"metadata": {"name": "web-1", "namespace": "default"}}},
            {"cells": ["a-much-longer-name", "1/1", 12, "10.0.0.7", "extra"], "object": {"metadata": {"namespace": "kube-system"}}},
        ]})
    }

    #[test]
    fn prints_the_servers_priority_0_columns_in_kubectls_layout() {
        let pods = rt("", "pods", "Pod", true);
        let t = [(pods, pods_table())];
        assert_eq!(
            print_tables(&t, &TableOptions::default()),
            "NAME                 READY   RESTARTS\n\
             web-1                0/1     0\n\
             a-much-longer-name   1/1     12\n"
        );
        // -o wide adds priority 1; -A adds NAMESPACE from rows[].object.
        let wide = TableOptions {
            wide: true,
            all_namespaces: true,
            ..Default::default()
        };
        assert_eq!(
            print_tables(&t, &wide),
            "NAMESPACE     NAME                 READY   RESTARTS   IP\n\
             default       web-1                0/1     0          <none>\n\
             kube-system   a-much-longer-name   1/1     12         10.0.0.7\n"
        );
    }

    #[test]
    fn several_types_get_kind_prefixed_names_and_a_blank_line_between_blocks() {
        let sa = rt("", "serviceaccounts", "ServiceAccount", true);
        let role = rt("rbac.authorization.k8s.io", "roles", "Role", true);
        let one = |name: &str, cols: Value| json!({"kind": "Table", "columnDefinitions": cols, "rows": [{"cells": [name, "x"]}]});
        let cols = json!([{"name": "Name", "format": "name", "priority": 0}, {"name": "Age", "priority": 0}]);
        let t = [
            (sa.clone(), one("a", cols.clone())),
            (sa, one("b", cols.clone())),
            (role, one("r", cols)),
        ];
        let opts = TableOptions {
            with_kind: true,
            ..Default::default()
        };
        assert_eq!(
            print_tables(&t, &opts),
            "NAME               AGE\nserviceaccount/a   x\nserviceaccount/b   x\n\n\
             NAME                               AGE\nrole.rbac.authorization.k8s.io/r   x\n"
        );
    }

    #[test]
    fn an_empty_table_prints_nothing() {
        let mut empty = pods_table();
        empty["rows"] = json!([]);
        let t = [(rt("", "pods", "Pod", true), empty)];
        assert_eq!(print_tables(&t, &TableOptions::default()), "");
    }

    #[test]
    fn a_plain_list_falls_back_to_name_and_age() {
        let now = humantime::parse_rfc3339("2026-11-28T14:00:00Z").unwrap();
        let list = json!({"kind": "RoleList", "items": [
            {"metadata": {"name": "r", "creationTimestamp": "2026-11-28T13:55:00Z"}}]});
        let roles = rt("rbac.authorization.k8s.io", "roles", "Role", true);
        let table = server_table(&list, now);
        assert_eq!(
            print_tables(&[(roles, table)], &TableOptions::default()),
            "NAME   AGE\nr      5m\n"
        );
    }

    #[test]
    fn cells_print_as_kubectl_prints_them() {
        assert_eq!(cell_text(&json!("two\nlines")), "two...");
        assert_eq!(cell_text(&Value::Null), "");
        assert_eq!(cell_text(&json!(true)), "true");
        assert_eq!(cell_text(&json!(42)), "42");
        assert_eq!(cell_text(&json!(1.5)), "1.5");
        assert_eq!(cell_text(&json!(1000000.0)), "1e+06");
        assert_eq!(cell_text(&json!(123456.5)), "123456.5");
        assert_eq!(cell_text(&json!(0.00001)), "1e-05");
    }
}
