//! Role rules built as `kubectl create role` builds them (kubectl-traffic.md finding 15):
//! each `--resource` resolved against discovery, one rule per API group sorted by group
//! (core `""` first), resource names copied into every rule.

use crate::api::rbac::PolicyRule;

use super::discovery::Discovery;

/// A `--resource` the server does not serve; `Display` is kubectl's message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the server doesn't have a resource type \"{0}\"")]
pub struct UnknownResource(pub String);

/// Builds the rules for `verbs` on `resources` (`pods`, `pods/log`, `deployments.apps`),
/// optionally limited to `names`.
pub fn build_rules(
    d: &Discovery,
    verbs: &[String],
    resources: &[String],
    names: &[String],
) -> Result<Vec<PolicyRule>, UnknownResource> {
    let mut groups: Vec<(String, Vec<String>)> = Vec::new();
    for r in resources {
        // An unknown subresource is accepted, as kubectl does; only the type is checked.
        let (base, sub) = match r.split_once('/') {
            Some((b, s)) => (b, Some(s)),
            None => (r.as_str(), None),
        };
        let t = d
            .find(base)
            .ok_or_else(|| UnknownResource(base.to_string()))?;
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
        let rules = build_rules(
            &sample(),
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
        let e = build_rules(&sample(), &s(&["get"]), &s(&["nosuchthing"]), &[]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "the server doesn't have a resource type \"nosuchthing\""
        );
    }
}
