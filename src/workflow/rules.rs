//! Role rules built as `kubectl create role` builds them (kubectl-traffic.md finding 15):
//! each `--resource` resolved against discovery, one rule per API group sorted by group
//! (core `""` first), resource names copied into every rule.

use crate::api::rbac::PolicyRule;

use super::discovery::{Resolver, ResourceType};

/// A `--resource` the server does not serve; `Display` is kubectl's message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the server doesn't have a resource type \"{0}\"")]
pub struct UnknownResource(pub String);

/// The type a `--resource` value names: `pods/log` → `pods`.
fn base(resource: &str) -> &str {
    resource.split('/').next().unwrap_or(resource)
}

/// [`build_rules`] with each type resolved by `resolver`: no request when every
/// `--resource` is a hand-written type, discovery (cached) otherwise.
pub async fn resolve_rules(
    resolver: &mut Resolver,
    verbs: &[String],
    resources: &[String],
    names: &[String],
) -> super::Result<Vec<PolicyRule>> {
    let mut found: Vec<(&str, Option<ResourceType>)> = Vec::new();
    for r in resources {
        let b = base(r);
        if !found.iter().any(|(x, _)| *x == b) {
            found.push((b, resolver.find(b).await?));
        }
    }
    let lookup = |b: &str| {
        found
            .iter()
            .find(|(x, _)| *x == b)
            .and_then(|(_, t)| t.clone())
    };
    Ok(build_rules(lookup, verbs, resources, names)?)
}

/// Builds the rules for `verbs` on `resources` (`pods`, `pods/log`, `deployments.apps`),
/// optionally limited to `names`; `find` resolves a type name.
pub fn build_rules(
    find: impl Fn(&str) -> Option<ResourceType>,
    verbs: &[String],
    resources: &[String],
    names: &[String],
) -> Result<Vec<PolicyRule>, UnknownResource> {
    let mut groups: Vec<(String, Vec<String>)> = Vec::new();
    for r in resources {
        // An unknown subresource is accepted, as kubectl does; only the type is checked.
        let b = base(r);
        let sub = r.split_once('/').map(|(_, s)| s);
        let t = find(b).ok_or_else(|| UnknownResource(b.to_string()))?;
        let name = match sub {
            Some(s) => format!("{}/{s}", t.plural),
            None => t.plural.clone(),
        };
        match groups.iter_mut().find(|(g, _)| *g == t.group) {
            Some((_, list)) if list.contains(&name) => {}
            Some((_, list)) => list.push(name),
            None => groups.push((t.group.clone(), vec![name])),
        }
    }
    groups.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(groups
        .into_iter()
        .map(|(group, resources)| PolicyRule {
            verbs: verbs.to_vec(),
            api_groups: vec![group],
            resources,
            resource_names: names.to_vec(),
            non_resource_urls: vec![],
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workflow::discovery::tests::sample;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    /// kubectl-traffic.md §6.1: `--resource=deployments.apps,pods/log --resource-name=foo`.
    #[test]
    fn one_rule_per_group_sorted_with_names_copied() {
        let d = sample();
        let rules = build_rules(
            |n| d.find(n),
            &s(&["get", "list"]),
            &s(&[
                "deployments.apps",
                "pods/log",
                "po",
                "roles.rbac.authorization.k8s.io",
            ]),
            &s(&["foo"]),
        )
        .unwrap();
        let json = serde_json::to_string(&rules).unwrap();
        assert_eq!(
            json,
            r#"[{"verbs":["get","list"],"apiGroups":[""],"resources":["pods/log","pods"],"resourceNames":["foo"]},{"verbs":["get","list"],"apiGroups":["apps"],"resources":["deployments"],"resourceNames":["foo"]},{"verbs":["get","list"],"apiGroups":["rbac.authorization.k8s.io"],"resources":["roles"],"resourceNames":["foo"]}]"#
        );
    }

    #[test]
    fn unknown_resource_is_kubectls_error() {
        let d = sample();
        let e = build_rules(|n| d.find(n), &s(&["get"]), &s(&["nosuchthing"]), &[]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "the server doesn't have a resource type \"nosuchthing\""
        );
    }
}
