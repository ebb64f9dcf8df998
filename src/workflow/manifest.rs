//! The `setup -f` manifest: many ServiceAccounts in one YAML file.
//!
//! ```yaml
//! accounts:
//! - name: ci-deployer          # required: the ServiceAccount (and Role, context, user) name
//!   namespace: ci              # optional: -n, else default
//!   verbs: [get, list, create] # optional: setup's --verb (a list, or "get,list")
//!   resources: [deployments.apps, pods/log]  # optional: setup's --resource
//!   tokenMode: request         # optional: auto | request | secret | legacy
//! ```
//!
//! Every problem is reported with the file, the entry (`accounts[3] "ci-bot"`) and the
//! field, before anything is sent to a cluster.

use std::collections::HashMap;
use std::path::Path;

use serde_yaml::Value;

use super::setup::TokenMode;

/// One account of the manifest, defaults applied.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Account {
    /// ServiceAccount name; also the Role, kubeconfig user and context name.
    pub name: String,
    /// Namespace of the ServiceAccount, Role and RoleBinding.
    pub namespace: String,
    /// Verbs granted.
    pub verbs: Vec<String>,
    /// Resources granted (`pods`, `pods/log`, `deployments.apps`).
    pub resources: Vec<String>,
    /// Where its token comes from.
    pub token_mode: TokenMode,
}

impl Account {
    /// The Role's name (setup's default: the account's).
    pub fn role(&self) -> String {
        self.name.clone()
    }

    /// The RoleBinding's name (setup's default: `bearertoken-binding-NAME`).
    pub fn binding(&self) -> String {
        format!("bearertoken-binding-{}", self.name)
    }
}

/// What an entry gets when it leaves a field out (the command line's values).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Defaults {
    /// `-n`, else `default`.
    pub namespace: String,
    /// `--verb`.
    pub verbs: Vec<String>,
    /// `--resource`.
    pub resources: Vec<String>,
    /// `--token-mode`.
    pub token_mode: TokenMode,
}

/// A manifest that cannot be used; `Display` names the file, entry and field.
#[derive(Debug, thiserror::Error)]
pub enum ManifestError {
    /// The file could not be read.
    #[error("cannot read {file}: {source}")]
    Read {
        /// The manifest path.
        file: String,
        /// The OS error.
        source: std::io::Error,
    },
    /// The content is wrong.
    #[error("{file}: {message}")]
    Invalid {
        /// The manifest path.
        file: String,
        /// What is wrong, and where.
        message: String,
    },
}

const FIELDS: [&str; 5] = ["name", "namespace", "verbs", "resources", "tokenMode"];

/// Reads and validates `path`.
pub fn load(path: &Path, defaults: &Defaults) -> Result<Vec<Account>, ManifestError> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| ManifestError::Read {
        file: file.clone(),
        source,
    })?;
    parse(&text, defaults).map_err(|message| ManifestError::Invalid { file, message })
}

/// Validates manifest `text`; the error says where (without the file name).
pub fn parse(text: &str, defaults: &Defaults) -> Result<Vec<Account>, String> {
    let doc: Value = serde_yaml::from_str(text).map_err(|e| format!("not valid YAML: {e}"))?;
    let top = doc
        .as_mapping()
        .ok_or("expected a mapping with an `accounts:` list at the top")?;
    for key in top.keys() {
        if key.as_str() != Some("accounts") {
            return Err(format!(
                "unknown top-level field {}: expected only `accounts`",
                show(key)
            ));
        }
    }
    let entries = top
        .get("accounts")
        .and_then(Value::as_sequence)
        .ok_or("`accounts` must be a list of accounts")?;
    if entries.is_empty() {
        return Err("`accounts` is empty".into());
    }
    let mut out: Vec<Account> = Vec::with_capacity(entries.len());
    let mut by_name: HashMap<String, usize> = HashMap::new();
    for (i, e) in entries.iter().enumerate() {
        let account = entry(i, e, defaults)?;
        if let Some(&j) = by_name.get(&account.name) {
            let other = &out[j];
            return Err(if other.namespace == account.namespace {
                format!(
                    "accounts[{i}] {:?}: the same account as accounts[{j}] (namespace {:?})",
                    account.name, account.namespace
                )
            } else {
                format!(
                    "accounts[{i}] {:?}: the name is also used by accounts[{j}] (namespace {:?}); names must be unique because they name the kubeconfig user and context",
                    account.name, other.namespace
                )
            });
        }
        by_name.insert(account.name.clone(), i);
        out.push(account);
    }
    Ok(out)
}

fn show(v: &Value) -> String {
    match v {
        Value::String(s) => format!("{s:?}"),
        other => serde_yaml::to_string(other)
            .map(|s| s.trim().to_string())
            .unwrap_or_else(|_| "?".into()),
    }
}

fn entry(i: usize, e: &Value, d: &Defaults) -> Result<Account, String> {
    let m = e
        .as_mapping()
        .ok_or_else(|| format!("accounts[{i}]: expected a mapping with at least `name`"))?;
    let label = match m.get("name").and_then(Value::as_str) {
        Some(n) => format!("accounts[{i}] {n:?}"),
        None => format!("accounts[{i}]"),
    };
    for key in m.keys() {
        if !key.as_str().is_some_and(|k| FIELDS.contains(&k)) {
            return Err(format!(
                "{label}: unknown field {}: expected one of {}",
                show(key),
                FIELDS.join(", ")
            ));
        }
    }
    let string = |field: &str| -> Result<Option<String>, String> {
        match m.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(other) => Err(format!(
                "{label}: field {field:?} must be a string, not {}",
                show(other)
            )),
        }
    };
    let name = string("name")?.ok_or_else(|| format!("{label}: field \"name\" is required"))?;
    if let Err(why) = dns_subdomain(&name) {
        return Err(format!("{label}: field \"name\": {why}"));
    }
    let namespace = match string("namespace")? {
        Some(ns) => {
            dns_label(&ns).map_err(|why| format!("{label}: field \"namespace\": {why}"))?;
            ns
        }
        None => d.namespace.clone(),
    };
    let list = |field: &str, default: &[String]| -> Result<Vec<String>, String> {
        let items: Vec<String> = match m.get(field) {
            None | Some(Value::Null) => return Ok(default.to_vec()),
            Some(Value::String(s)) => s.split(',').map(|x| x.trim().to_string()).collect(),
            Some(Value::Sequence(seq)) => seq
                .iter()
                .map(|x| match x {
                    Value::String(s) => Ok(s.trim().to_string()),
                    other => Err(format!(
                        "{label}: field {field:?}: {} is not a string",
                        show(other)
                    )),
                })
                .collect::<Result<_, _>>()?,
            Some(other) => {
                return Err(format!(
                    "{label}: field {field:?} must be a list of strings, not {}",
                    show(other)
                ));
            }
        };
        if items.is_empty() {
            return Err(format!("{label}: field {field:?} is empty"));
        }
        if let Some(bad) = items
            .iter()
            .find(|s| s.is_empty() || s.contains(char::is_whitespace))
        {
            return Err(format!("{label}: field {field:?}: invalid entry {bad:?}"));
        }
        Ok(items)
    };
    let verbs = list("verbs", &d.verbs)?;
    let resources = list("resources", &d.resources)?;
    let token_mode = match string("tokenMode")?.as_deref() {
        None => d.token_mode,
        Some("auto") => TokenMode::Auto,
        Some("request") => TokenMode::Request,
        Some("secret") => TokenMode::Secret,
        Some("legacy") => TokenMode::Legacy,
        Some(other) => {
            return Err(format!(
                "{label}: field \"tokenMode\": {other:?} is not one of auto, request, secret, legacy"
            ));
        }
    };
    Ok(Account {
        name,
        namespace,
        verbs,
        resources,
        token_mode,
    })
}

/// A ServiceAccount name: an RFC 1123 subdomain (lower-case alphanumerics, `-`, `.`).
fn dns_subdomain(s: &str) -> Result<(), String> {
    if s.len() > 253 {
        return Err(format!("{s:?} is longer than 253 characters"));
    }
    for part in s.split('.') {
        dns_label(part).map_err(|_| {
            format!(
                "{s:?} is not a valid name: lower-case letters, digits, '-' and '.', starting and ending with a letter or digit"
            )
        })?;
    }
    Ok(())
}

/// A namespace name: an RFC 1123 label.
fn dns_label(s: &str) -> Result<(), String> {
    let ok = !s.is_empty()
        && s.len() <= 63
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-');
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{s:?} is not a valid namespace: at most 63 lower-case letters, digits and '-', starting and ending with a letter or digit"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn defaults() -> Defaults {
        Defaults {
            namespace: "default".into(),
            verbs: vec!["get".into()],
            resources: vec!["pods".into()],
            token_mode: TokenMode::Auto,
        }
    }

    #[test]
    fn entries_get_the_command_lines_defaults() {
        let a = parse(
            "accounts:\n- name: a\n- name: b\n  namespace: ci\n  verbs: get,list\n  resources: [deployments.apps, pods/log]\n  tokenMode: secret\n",
            &defaults(),
        )
        .unwrap();
        assert_eq!(
            a[0],
            Account {
                name: "a".into(),
                namespace: "default".into(),
                verbs: vec!["get".into()],
                resources: vec!["pods".into()],
                token_mode: TokenMode::Auto,
            }
        );
        assert_eq!(a[1].namespace, "ci");
        assert_eq!(a[1].verbs, ["get", "list"]);
        assert_eq!(a[1].resources, ["deployments.apps", "pods/log"]);
        assert_eq!(a[1].token_mode, TokenMode::Secret);
        assert_eq!(a[1].binding(), "bearertoken-binding-b");
    }

    #[test]
    fn errors_name_the_entry_and_the_field() {
        let cases = [
            ("accounts: [", "not valid YAML"),
            ("- name: a", "expected a mapping with an `accounts:` list"),
            ("acounts: []", "unknown top-level field \"acounts\""),
            ("accounts: []", "`accounts` is empty"),
            ("accounts: x", "`accounts` must be a list"),
            ("accounts:\n- a", "accounts[0]: expected a mapping"),
            (
                "accounts:\n- namespace: x",
                "accounts[0]: field \"name\" is required",
            ),
            (
                "accounts:\n- name: 7",
                "accounts[0]: field \"name\" must be a string, not 7",
            ),
            (
                "accounts:\n- name: Bad_Name",
                "accounts[0] \"Bad_Name\": field \"name\": \"Bad_Name\" is not a valid name",
            ),
            (
                "accounts:\n- name: a\n  verb: [get]",
                "accounts[0] \"a\": unknown field \"verb\": expected one of name, namespace, verbs, resources, tokenMode",
            ),
            (
                "accounts:\n- name: a\n- name: b\n  verbs: []",
                "accounts[1] \"b\": field \"verbs\" is empty",
            ),
            (
                "accounts:\n- name: a\n  resources: [pods, 3]",
                "accounts[0] \"a\": field \"resources\": 3 is not a string",
            ),
            (
                "accounts:\n- name: a\n  resources: {pods: 1}",
                "accounts[0] \"a\": field \"resources\" must be a list of strings",
            ),
            (
                "accounts:\n- name: a\n  namespace: Prod",
                "accounts[0] \"a\": field \"namespace\": \"Prod\" is not a valid namespace",
            ),
            (
                "accounts:\n- name: a\n  tokenMode: forever",
                "accounts[0] \"a\": field \"tokenMode\": \"forever\" is not one of auto, request, secret, legacy",
            ),
            (
                "accounts:\n- name: a\n- name: a",
                "accounts[1] \"a\": the same account as accounts[0]",
            ),
            (
                "accounts:\n- name: a\n- name: a\n  namespace: x",
                "accounts[1] \"a\": the name is also used by accounts[0] (namespace \"default\")",
            ),
        ];
        for (text, want) in cases {
            let e = parse(text, &defaults()).unwrap_err();
            assert!(e.starts_with(want), "{text:?}: {e}");
        }
    }
}
