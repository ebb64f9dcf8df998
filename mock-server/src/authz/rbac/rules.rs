//! `PolicyRule` and its matching, as `RuleAllows` (`plugin/pkg/auth/authorizer/rbac/rbac.go`,
//! `pkg/apis/rbac/v1/evaluation_helpers.go`) and `Covers` (`policy_comparator.go`) do it.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::authn::identity::RequestAttributes;

/// One RBAC rule (`rbac.authorization.k8s.io/v1` `PolicyRule`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PolicyRule {
    /// Verbs, `*` for all.
    #[serde(default)]
    pub verbs: Vec<String>,
    /// API groups (`""` = core), `*` for all.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub api_groups: Vec<String>,
    /// Resources, `resource/subresource`, `*`, `*/subresource`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resources: Vec<String>,
    /// Names; empty = any.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resource_names: Vec<String>,
    /// Non-resource URLs, a trailing `*` is a prefix match.
    #[serde(
        default,
        rename = "nonResourceURLs",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub non_resource_urls: Vec<String>,
}

impl PolicyRule {
    /// A resource rule.
    pub fn resource(groups: &[&str], resources: &[&str], verbs: &[&str]) -> Self {
        let v = |s: &[&str]| s.iter().map(|x| x.to_string()).collect();
        PolicyRule {
            verbs: v(verbs),
            api_groups: v(groups),
            resources: v(resources),
            ..Default::default()
        }
    }

    /// A non-resource rule.
    pub fn non_resource(urls: &[&str], verbs: &[&str]) -> Self {
        let v = |s: &[&str]| s.iter().map(|x| x.to_string()).collect();
        PolicyRule {
            verbs: v(verbs),
            non_resource_urls: v(urls),
            ..Default::default()
        }
    }

    /// The rules of a Role/ClusterRole JSON object (`rules` may be null or absent).
    pub fn list_from(obj: &Value) -> Vec<PolicyRule> {
        use serde::Deserialize;
        // Straight from the borrowed JSON: authorization reads roles on every request.
        obj.get("rules")
            .and_then(|r| Vec::<PolicyRule>::deserialize(r).ok())
            .unwrap_or_default()
    }

    /// The rule as JSON in the API's field order (`verbs, apiGroups, resources, resourceNames, nonResourceURLs`).
    pub fn to_json(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }

    /// `CompactString`: `{APIGroups:[""], Resources:["pods"], Verbs:["delete"]}`.
    pub fn compact_string(&self) -> String {
        let mut parts = Vec::new();
        if !self.api_groups.is_empty() {
            parts.push(format!("APIGroups:{}", go_quote_slice(&self.api_groups)));
        }
        if !self.resources.is_empty() {
            parts.push(format!("Resources:{}", go_quote_slice(&self.resources)));
        }
        if !self.non_resource_urls.is_empty() {
            parts.push(format!(
                "NonResourceURLs:{}",
                go_quote_slice(&self.non_resource_urls)
            ));
        }
        if !self.resource_names.is_empty() {
            parts.push(format!(
                "ResourceNames:{}",
                go_quote_slice(&self.resource_names)
            ));
        }
        if !self.verbs.is_empty() {
            parts.push(format!("Verbs:{}", go_quote_slice(&self.verbs)));
        }
        format!("{{{}}}", parts.join(", "))
    }
}

/// Go's `%q` of a string (strconv.Quote for the printable ASCII names RBAC deals in).
pub fn go_quote(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Go's `%q` of a `[]string`: `["a" "b"]`.
pub fn go_quote_slice(v: &[String]) -> String {
    format!(
        "[{}]",
        v.iter().map(|s| go_quote(s)).collect::<Vec<_>>().join(" ")
    )
}

/// `VerbMatches`.
pub fn verb_matches(rule: &PolicyRule, verb: &str) -> bool {
    rule.verbs.iter().any(|v| v == "*" || v == verb)
}

/// `APIGroupMatches`.
pub fn api_group_matches(rule: &PolicyRule, group: &str) -> bool {
    rule.api_groups.iter().any(|g| g == "*" || g == group)
}

/// `ResourceMatches`: `*`, the exact `resource[/subresource]`, or `*/subresource`.
/// `pods` does not grant `pods/log`, and `pods/*` is only a literal.
pub fn resource_matches(rule: &PolicyRule, combined: &str, subresource: &str) -> bool {
    rule.resources.iter().any(|r| {
        r == "*"
            || r == combined
            || (!subresource.is_empty()
                && r.len() == subresource.len() + 2
                && r.starts_with("*/")
                && r.ends_with(subresource))
    })
}

/// `ResourceNameMatches`: empty list = any name; otherwise the name must be listed
/// (so nameless requests never match a rule with names).
pub fn resource_name_matches(rule: &PolicyRule, name: &str) -> bool {
    rule.resource_names.is_empty() || rule.resource_names.iter().any(|n| n == name)
}

fn url_covered(rule_url: &str, path: &str) -> bool {
    rule_url == "*"
        || rule_url == path
        || (rule_url.ends_with('*') && path.starts_with(rule_url.trim_end_matches('*')))
}

/// `NonResourceURLMatches`: `*`, exact, or a trailing-`*` prefix (`/healthz/*` is not `/healthz`).
pub fn non_resource_url_matches(rule: &PolicyRule, path: &str) -> bool {
    rule.non_resource_urls.iter().any(|u| url_covered(u, path))
}

/// `RuleAllows`.
pub fn rule_allows(attrs: &RequestAttributes, rule: &PolicyRule) -> bool {
    if attrs.resource_request {
        let combined = if attrs.subresource.is_empty() {
            attrs.resource.clone()
        } else {
            format!("{}/{}", attrs.resource, attrs.subresource)
        };
        verb_matches(rule, &attrs.verb)
            && api_group_matches(rule, &attrs.api_group)
            && resource_matches(rule, &combined, &attrs.subresource)
            && resource_name_matches(rule, &attrs.name)
    } else {
        verb_matches(rule, &attrs.verb) && non_resource_url_matches(rule, &attrs.path)
    }
}

/// `BreakdownRule`: one atom per (group, resource, verb[, name]) and per (url, verb).
pub fn breakdown(rule: &PolicyRule) -> Vec<PolicyRule> {
    let mut out = Vec::new();
    for g in &rule.api_groups {
        for r in &rule.resources {
            for v in &rule.verbs {
                let atom = PolicyRule::resource(&[g], &[r], &[v]);
                if rule.resource_names.is_empty() {
                    out.push(atom);
                } else {
                    for n in &rule.resource_names {
                        out.push(PolicyRule {
                            resource_names: vec![n.clone()],
                            ..atom.clone()
                        });
                    }
                }
            }
        }
    }
    for u in &rule.non_resource_urls {
        for v in &rule.verbs {
            out.push(PolicyRule::non_resource(&[u], &[v]));
        }
    }
    out
}

fn has_all(set: &[String], want: &[String]) -> bool {
    want.iter().all(|w| set.contains(w))
}

fn resources_cover_all(owner: &[String], wanted: &[String]) -> bool {
    if owner.iter().any(|r| r == "*") || has_all(owner, wanted) {
        return true;
    }
    wanted.iter().all(|path| {
        owner.contains(path)
            || path
                .split_once('/')
                .is_some_and(|(_, sub)| owner.contains(&format!("*/{sub}")))
    })
}

/// `ruleCovers`: whether `owner` grants everything the atom `sub` does.
pub fn rule_covers(owner: &PolicyRule, sub: &PolicyRule) -> bool {
    let verbs = owner.verbs.iter().any(|v| v == "*") || has_all(&owner.verbs, &sub.verbs);
    let groups =
        owner.api_groups.iter().any(|g| g == "*") || has_all(&owner.api_groups, &sub.api_groups);
    let resources = resources_cover_all(&owner.resources, &sub.resources);
    let urls = sub.non_resource_urls.iter().all(|u| {
        owner
            .non_resource_urls
            .iter()
            .any(|o| url_covered_for_covers(o, u))
    });
    let names = if sub.resource_names.is_empty() {
        owner.resource_names.is_empty()
    } else {
        owner.resource_names.is_empty() || has_all(&owner.resource_names, &sub.resource_names)
    };
    verbs && groups && resources && urls && names
}

// nonResourceURLCovers has no bare-`*` special case beyond the prefix rule ("*" trims to "").
fn url_covered_for_covers(owner: &str, requested: &str) -> bool {
    owner == requested
        || (owner.ends_with('*') && requested.starts_with(owner.trim_end_matches('*')))
}

/// `Covers`: whether `owner` covers all of `servant`, and the uncovered atoms.
pub fn covers(owner: &[PolicyRule], servant: &[PolicyRule]) -> (bool, Vec<PolicyRule>) {
    let uncovered: Vec<PolicyRule> = servant
        .iter()
        .flat_map(breakdown)
        .filter(|atom| !owner.iter().any(|o| rule_covers(o, atom)))
        .collect();
    (uncovered.is_empty(), uncovered)
}

/// `CompactRules`: atoms differing only in verbs are merged (verbs in order of appearance).
pub fn compact_rules(rules: &[PolicyRule]) -> Vec<PolicyRule> {
    let mut out: Vec<PolicyRule> = Vec::new();
    let mut simple: Vec<PolicyRule> = Vec::new();
    for r in rules {
        let is_simple = r.resource_names.len() <= 1
            && r.non_resource_urls.is_empty()
            && r.api_groups.len() == 1
            && r.resources.len() == 1;
        if !is_simple {
            out.push(r.clone());
            continue;
        }
        match simple.iter_mut().find(|s| {
            s.api_groups == r.api_groups
                && s.resources == r.resources
                && s.resource_names == r.resource_names
        }) {
            Some(s) => s.verbs.extend(r.verbs.iter().cloned()),
            None => simple.push(r.clone()),
        }
    }
    out.extend(simple);
    out
}
