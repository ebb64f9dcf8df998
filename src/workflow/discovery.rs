//! Resource-type lookup as kubectl's RESTMapper does it: `pods`, `pod`, `po`,
//! `Pod`, `deployments.apps`, `roles.rbac.authorization.k8s.io`, resolved
//! against the server's discovery documents (`/api/v1`, `/apis`, `/apis/G/V`).

use crate::Client;
use crate::api::discovery::ApiResourceList;

/// One resource type as the server describes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResourceType {
    /// API group (`""` for core).
    pub group: String,
    /// Preferred version.
    pub version: String,
    /// Plural name used in URLs.
    pub plural: String,
    /// Kind, e.g. `ServiceAccount`.
    pub kind: String,
    /// Whether objects live in a namespace.
    pub namespaced: bool,
}

impl ResourceType {
    /// The URL builder for this type.
    pub fn resource(&self) -> crate::path::Resource {
        if self.namespaced {
            crate::path::Resource::namespaced(&self.group, &self.version, &self.plural)
        } else {
            crate::path::Resource::cluster(&self.group, &self.version, &self.plural)
        }
    }

    /// `plural[.group]`, as error messages and `auth can-i` spell it.
    pub fn group_resource(&self) -> String {
        if self.group.is_empty() {
            self.plural.clone()
        } else {
            format!("{}.{}", self.plural, self.group)
        }
    }

    /// `apiVersion` of this type's objects.
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.clone()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }
}

/// The server's resource lists, fetched once per command.
#[derive(Clone, Debug)]
pub struct Discovery {
    lists: Vec<ApiResourceList>,
}

impl Discovery {
    /// Fetches `/api/v1`, `/apis` and every group's preferred version.
    pub async fn fetch(client: &Client) -> crate::Result<Discovery> {
        let mut lists = vec![client.api_resources("v1").await?];
        let groups = client.api_groups().await?;
        for g in groups.groups {
            let gv = match g.preferred_version.or_else(|| g.versions.first().cloned()) {
                Some(v) => v.group_version,
                None => continue,
            };
            // A broken aggregated group must not hide the other types (kubectl tolerates it too).
            if let Ok(list) = client.api_resources(&gv).await {
                lists.push(list);
            }
        }
        Ok(Discovery { lists })
    }

    /// Builds from already-fetched lists.
    pub fn from_lists(lists: Vec<ApiResourceList>) -> Discovery {
        Discovery { lists }
    }

    /// The fetched resource lists, one per group (its preferred version), subresources
    /// included (`pods/log`): for callers that need verbs or subresources.
    pub fn resource_lists(&self) -> &[ApiResourceList] {
        &self.lists
    }

    /// Resolves a user-typed resource name; `None` if the server has no such type.
    pub fn find(&self, typed: &str) -> Option<ResourceType> {
        let typed = typed.to_ascii_lowercase();
        // `name.group` (or `name.version.group`): the first dot splits off the group,
        // as apimachinery's ParseGroupResource does.
        let (name, group) = match typed.split_once('.') {
            Some((n, g)) => (n.to_string(), Some(g.to_string())),
            None => (typed.clone(), None),
        };
        for list in &self.lists {
            let (g, v) = match list.group_version.split_once('/') {
                Some((g, v)) => (g.to_string(), v.to_string()),
                None => (String::new(), list.group_version.clone()),
            };
            if let Some(want) = &group {
                let with_version = format!("{v}.{g}");
                if want != &g && want != &with_version {
                    continue;
                }
            }
            let hit = list
                .resources
                .iter()
                .filter(|r| !r.name.contains('/'))
                .find(|r| {
                    r.name == name
                        || r.singular_name == name
                        || r.kind.eq_ignore_ascii_case(&name)
                        || r.short_names.iter().any(|s| s == &name)
                });
            if let Some(r) = hit {
                return Some(ResourceType {
                    group: g,
                    version: v,
                    plural: r.name.clone(),
                    kind: r.kind.clone(),
                    namespaced: r.namespaced,
                });
            }
        }
        None
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::api::discovery::ApiResource;

    fn res(name: &str, kind: &str, ns: bool, short: &[&str]) -> ApiResource {
        ApiResource {
            name: name.into(),
            singular_name: String::new(),
            namespaced: ns,
            kind: kind.into(),
            verbs: vec![],
            short_names: short.iter().map(|s| s.to_string()).collect(),
        }
    }

    pub(crate) fn sample() -> Discovery {
        Discovery::from_lists(vec![
            ApiResourceList {
                group_version: "v1".into(),
                resources: vec![
                    res("pods", "Pod", true, &["po"]),
                    res("pods/log", "Pod", true, &[]),
                    res("serviceaccounts", "ServiceAccount", true, &["sa"]),
                    res("namespaces", "Namespace", false, &["ns"]),
                ],
            },
            ApiResourceList {
                group_version: "apps/v1".into(),
                resources: vec![res("deployments", "Deployment", true, &["deploy"])],
            },
            ApiResourceList {
                group_version: "rbac.authorization.k8s.io/v1".into(),
                resources: vec![res("roles", "Role", true, &[])],
            },
        ])
    }

    #[test]
    fn short_names_kinds_and_groups_resolve() {
        let d = sample();
        let plural = |s: &str| d.find(s).map(|r| r.plural);
        assert_eq!(plural("sa"), Some("serviceaccounts".into()));
        assert_eq!(plural("po"), Some("pods".into()));
        assert_eq!(plural("Pod"), Some("pods".into()));
        assert_eq!(plural("deploy"), Some("deployments".into()));
        assert_eq!(d.find("ns").map(|r| r.namespaced), Some(false));
        let dep = d.find("deployments.apps").unwrap();
        assert_eq!((dep.group.as_str(), dep.version.as_str()), ("apps", "v1"));
        assert_eq!(
            d.find("roles.rbac.authorization.k8s.io")
                .map(|r| r.group_resource()),
            Some("roles.rbac.authorization.k8s.io".into())
        );
        assert!(d.find("deployments.nosuch").is_none());
        assert!(d.find("pods/log").is_none());
        assert!(d.find("nosuchthing").is_none());
    }
}
