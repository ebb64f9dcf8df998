//! `access`: a verbs × resources matrix of what a subject may do, in one namespace or
//! cluster-wide, computed with as few requests as the answer allows.
//!
//! 1. One `SelfSubjectRulesReview` for the namespace (as the subject, through
//!    `Impersonate-*` headers) lists every rule that applies there: ClusterRoleBinding
//!    rules and that namespace's RoleBinding rules. For a namespaced resource in that
//!    namespace it answers every cell exactly, unless the server marks it `incomplete`
//!    (an authorizer that cannot list rules, e.g. a webhook).
//! 2. A cell the rules cannot answer gets a `SelfSubjectAccessReview`: a cell of a
//!    cluster-wide question (a cluster-scoped resource, or all namespaces) that the
//!    rules allow, since the allowing rule may come from a RoleBinding of the reviewed
//!    namespace, which does not count cluster-wide; and, when the rules are incomplete,
//!    every cell they do not allow. A cell the rules do not allow and that is not
//!    incomplete is denied without a request: RBAC never allows more than its rules.
//! 3. When step 2 has work and the rules hold `*` on `*` in `*`, one review of exactly
//!    that cluster-wide answers all of it at once.
//!
//! The access reviews run concurrently (bounded), multiplexed over the client's one
//! HTTP/2 connection. Rules with `resourceNames` are answered exactly from the rules too
//! (see [`super::rbac_match`]): they allow a cell only when `--name` names one of them.

use futures_util::StreamExt;

use crate::Client;
use crate::api::discovery::ApiResource;
use crate::api::meta::TypeMeta;
use crate::api::review::{
    AUTHORIZATION_V1, ResourceRule, SelfSubjectAccessReview, SelfSubjectRulesReview,
    SelfSubjectRulesReviewSpec,
};
use crate::client::Request;
use crate::path::Resource;

use super::discovery::Discovery;
use super::rbac_match::{ALL, ResourceRequest, rules_allow};
use super::rules::UnknownResource;

/// The verbs `access` knows, in rakkess's CRUD order (`--verbs all`).
pub const ALL_VERBS: [&str; 8] = [
    "create",
    "get",
    "list",
    "watch",
    "update",
    "patch",
    "delete",
    "deletecollection",
];

/// The verbs shown without `--verbs`, as rakkess shows them.
pub const DEFAULT_VERBS: [&str; 4] = ["list", "create", "update", "delete"];

/// The user a group is impersonated as: impersonating a group needs a user, so a group
/// is reviewed as an authenticated member of it with this name (and no other groups).
pub const GROUP_MEMBER_USER: &str = "rawkube:group-member";

/// Whose access is reviewed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AccessSubject {
    /// The kubeconfig's own credentials (no impersonation).
    Current,
    /// A user, by name.
    User(String),
    /// A group: reviewed as user [`GROUP_MEMBER_USER`] in this group.
    Group(String),
    /// A ServiceAccount (`system:serviceaccount:NS:NAME`).
    ServiceAccount {
        /// Its namespace.
        namespace: String,
        /// Its name.
        name: String,
    },
}

/// Why a subject could not be parsed; `Display` says what forms are accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "invalid subject {0:?}: use User/NAME, Group/NAME, ServiceAccount/NAMESPACE/NAME (or sa/NAMESPACE/NAME, NAMESPACE:NAME with --sa)"
)]
pub struct InvalidSubject(pub String);

impl AccessSubject {
    /// Parses `User/NAME`, `Group/NAME`, `ServiceAccount/NS/NAME` (kinds
    /// case-insensitive; `sa` for ServiceAccount) and `system:serviceaccount:NS:NAME`.
    pub fn parse(s: &str) -> Result<AccessSubject, InvalidSubject> {
        let bad = || InvalidSubject(s.to_string());
        if let Some(rest) = s.strip_prefix("system:serviceaccount:") {
            return Self::service_account(rest.replacen(':', "/", 1).as_str()).ok_or_else(bad);
        }
        let (kind, rest) = s.split_once('/').ok_or_else(bad)?;
        let nonempty = |v: &str| (!v.is_empty()).then(|| v.to_string());
        match kind.to_ascii_lowercase().as_str() {
            "user" => nonempty(rest).map(AccessSubject::User).ok_or_else(bad),
            "group" => nonempty(rest).map(AccessSubject::Group).ok_or_else(bad),
            "serviceaccount" | "sa" => Self::service_account(rest).ok_or_else(bad),
            _ => Err(bad()),
        }
    }

    /// `NS/NAME` or `NS:NAME` (rakkess's `--sa` form).
    pub fn service_account(qualified: &str) -> Option<AccessSubject> {
        let (ns, name) = qualified
            .split_once('/')
            .or_else(|| qualified.split_once(':'))?;
        if ns.is_empty() || name.is_empty() || name.contains(['/', ':']) {
            return None;
        }
        Some(AccessSubject::ServiceAccount {
            namespace: ns.into(),
            name: name.into(),
        })
    }

    /// The `Impersonate-*` headers that make the server review this subject.
    pub fn impersonation(&self) -> Vec<(&'static str, String)> {
        match self {
            AccessSubject::Current => vec![],
            AccessSubject::User(u) => vec![("Impersonate-User", u.clone())],
            AccessSubject::Group(g) => vec![
                ("Impersonate-User", GROUP_MEMBER_USER.to_string()),
                ("Impersonate-Group", g.clone()),
            ],
            AccessSubject::ServiceAccount { namespace, name } => vec![(
                "Impersonate-User",
                format!("system:serviceaccount:{namespace}:{name}"),
            )],
        }
    }

    /// `User/NAME`, `Group/NAME`, `ServiceAccount/NS/NAME`; the current user needs
    /// its name from the server (`current`).
    pub fn describe(&self, current: Option<&str>) -> String {
        match self {
            AccessSubject::Current => match current {
                Some(name) => format!("User/{name}"),
                None => "(current user)".into(),
            },
            AccessSubject::User(u) => format!("User/{u}"),
            AccessSubject::Group(g) => format!("Group/{g}"),
            AccessSubject::ServiceAccount { namespace, name } => {
                format!("ServiceAccount/{namespace}/{name}")
            }
        }
    }
}

/// One row of the matrix: a resource (or `resource/subresource`) as discovery lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    /// API group (`""` = core).
    pub group: String,
    /// Plural, or `plural/subresource`.
    pub resource: String,
    /// Whether objects live in a namespace.
    pub namespaced: bool,
    /// The verbs discovery says it supports (others are "not applicable").
    pub verbs: Vec<String>,
}

impl Target {
    /// `resource[.group]`, as rakkess names rows (`deployments.apps`).
    pub fn full_name(&self) -> String {
        let (base, sub) = match self.resource.split_once('/') {
            Some((b, s)) => (b, Some(s)),
            None => (self.resource.as_str(), None),
        };
        let mut s = base.to_string();
        if !self.group.is_empty() {
            s.push('.');
            s.push_str(&self.group);
        }
        if let Some(sub) = sub {
            s.push('/');
            s.push_str(sub);
        }
        s
    }
}

fn group_of(group_version: &str) -> &str {
    group_version.split_once('/').map_or("", |(g, _)| g)
}

fn target(group: &str, r: &ApiResource) -> Target {
    Target {
        group: group.to_string(),
        resource: r.name.clone(),
        namespaced: r.namespaced,
        verbs: r.verbs.clone(),
    }
}

/// The rows: every resource discovery lists (preferred versions, no subresources, only
/// those with verbs; only namespaced ones when `namespaced_only`), as rakkess lists
/// them, or exactly the `typed` ones (`pods`, `deployments.apps`, `pods/log`). Sorted
/// by [`Target::full_name`].
pub fn targets(
    d: &Discovery,
    typed: Option<&[String]>,
    namespaced_only: bool,
) -> Result<Vec<Target>, UnknownResource> {
    let mut out = Vec::new();
    match typed {
        None => {
            for list in d.resource_lists() {
                let group = group_of(&list.group_version);
                for r in &list.resources {
                    if r.name.contains('/') || r.verbs.is_empty() {
                        continue;
                    }
                    if namespaced_only && !r.namespaced {
                        continue;
                    }
                    out.push(target(group, r));
                }
            }
        }
        Some(typed) => {
            for t in typed {
                let (base, sub) = match t.split_once('/') {
                    Some((b, s)) => (b, Some(s)),
                    None => (t.as_str(), None),
                };
                let rt = d.find(base).ok_or_else(|| UnknownResource(t.clone()))?;
                let name = match sub {
                    Some(s) => format!("{}/{s}", rt.plural),
                    None => rt.plural.clone(),
                };
                let found = d
                    .resource_lists()
                    .iter()
                    .filter(|l| l.group_version == rt.api_version())
                    .flat_map(|l| l.resources.iter())
                    .find(|r| r.name == name)
                    .ok_or_else(|| UnknownResource(t.clone()))?;
                let mut row = target(&rt.group, found);
                // Discovery marks a subresource's scope itself; keep its parent's to be safe.
                row.namespaced = rt.namespaced;
                if !out.contains(&row) {
                    out.push(row);
                }
            }
        }
    }
    out.sort_by_key(Target::full_name);
    Ok(out)
}

/// One cell of the matrix.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Cell {
    /// Allowed.
    Allowed,
    /// Not allowed.
    Denied,
    /// The resource does not support the verb.
    NotApplicable,
    /// The review failed; the error text.
    Error(String),
}

/// What to review.
#[derive(Clone, Debug)]
pub struct AccessQuery {
    /// Whose access.
    pub subject: AccessSubject,
    /// `Some(ns)`: requests in `ns` (cluster-scoped rows cluster-wide); `None`: every
    /// row cluster-wide (all namespaces).
    pub namespace: Option<String>,
    /// The columns.
    pub verbs: Vec<String>,
    /// The rows.
    pub targets: Vec<Target>,
    /// Ask about the object of this name rather than any object.
    pub name: Option<String>,
    /// How many access reviews may be in flight at once.
    pub concurrency: usize,
}

/// How many reviews a matrix took.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RequestCount {
    /// SelfSubjectRulesReviews sent.
    pub rules_reviews: usize,
    /// SelfSubjectAccessReviews sent.
    pub access_reviews: usize,
}

/// The answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccessMatrix {
    /// [`AccessSubject::describe`].
    pub subject: String,
    /// The namespace reviewed, `""` for cluster-wide.
    pub namespace: String,
    /// The columns.
    pub verbs: Vec<String>,
    /// The rows, each with one cell per verb.
    pub rows: Vec<(Target, Vec<Cell>)>,
    /// Requests it took.
    pub requests: RequestCount,
}

/// The namespace the rules review asks about in a cluster-wide query: any namespace
/// gives the ClusterRoleBinding rules; its RoleBinding rules are re-checked.
const CLUSTER_QUERY_RULES_NAMESPACE: &str = "default";

fn impersonated(mut req: Request, subject: &AccessSubject) -> crate::Result<Request> {
    for (name, value) in subject.impersonation() {
        req = req.header(name, &value)?;
    }
    Ok(req)
}

/// `POST selfsubjectrulesreviews` as the subject: the rules, and whether they are complete.
async fn rules_review(
    client: &Client,
    subject: &AccessSubject,
    namespace: &str,
) -> crate::Result<(Vec<ResourceRule>, bool)> {
    let review = SelfSubjectRulesReview {
        type_meta: TypeMeta {
            kind: "SelfSubjectRulesReview".into(),
            api_version: AUTHORIZATION_V1.into(),
        },
        spec: SelfSubjectRulesReviewSpec {
            namespace: namespace.into(),
        },
        ..Default::default()
    };
    let path =
        Resource::cluster("authorization.k8s.io", "v1", "selfsubjectrulesreviews").collection("");
    let req = impersonated(Request::post(path, &review)?, subject)?;
    let answer: SelfSubjectRulesReview = client.request(req).await?;
    let status = answer.status.unwrap_or_default();
    let incomplete = status.incomplete || !status.evaluation_error.is_empty();
    Ok((status.resource_rules, incomplete))
}

/// `POST selfsubjectaccessreviews` as the subject.
async fn access_review(
    client: &Client,
    subject: &AccessSubject,
    req: &ResourceRequest,
) -> crate::Result<bool> {
    let mut review =
        SelfSubjectAccessReview::resource(&req.namespace, &req.verb, &req.group, &req.resource);
    if let Some(a) = review.spec.resource_attributes.as_mut() {
        a.subresource = req.subresource.clone();
        a.name = req.name.clone();
    }
    let path =
        Resource::cluster("authorization.k8s.io", "v1", "selfsubjectaccessreviews").collection("");
    let http = impersonated(Request::post(path, &review)?, subject)?;
    let answer: SelfSubjectAccessReview = client.request(http).await?;
    Ok(answer.allowed())
}

/// The current user's name (`SelfSubjectReview`), if the server tells.
async fn whoami(client: &Client, subject: &AccessSubject) -> Option<String> {
    if *subject != AccessSubject::Current {
        return None;
    }
    let review = client.self_subject_review().await.ok()?;
    review.status.map(|s| s.user_info.username)
}

/// Computes the matrix (see the module docs for which requests it sends).
pub async fn access_matrix(client: &Client, q: &AccessQuery) -> crate::Result<AccessMatrix> {
    let rules_ns = q
        .namespace
        .clone()
        .unwrap_or_else(|| CLUSTER_QUERY_RULES_NAMESPACE.to_string());
    let (rules, current) = tokio::join!(
        rules_review(client, &q.subject, &rules_ns),
        whoami(client, &q.subject)
    );
    let mut requests = RequestCount {
        rules_reviews: 1,
        ..Default::default()
    };
    let (rules, incomplete) = match rules {
        Ok(r) => r,
        // A server without rules reviews: every cell needs an access review.
        Err(e) if e.is_not_found() => (vec![], true),
        Err(e) => return Err(e),
    };

    let name = q.name.clone().unwrap_or_default();
    let mut rows: Vec<(Target, Vec<Cell>)> = Vec::new();
    // (row, column, request) of every cell the rules cannot answer.
    let mut pending: Vec<(usize, usize, ResourceRequest)> = Vec::new();
    for (i, t) in q.targets.iter().enumerate() {
        let scope_ns = match &q.namespace {
            Some(ns) if t.namespaced => ns.as_str(),
            _ => "",
        };
        let mut cells = Vec::with_capacity(q.verbs.len());
        for (j, verb) in q.verbs.iter().enumerate() {
            if !t.verbs.iter().any(|v| v == verb) {
                cells.push(Cell::NotApplicable);
                continue;
            }
            let req = ResourceRequest::new(verb, &t.group, &t.resource)
                .named(&name)
                .in_namespace(scope_ns);
            let by_rules = rules_allow(&rules, &req);
            // Rules of the reviewed namespace answer requests in it exactly.
            let exact = !scope_ns.is_empty();
            let cell = match (by_rules, exact, incomplete) {
                (true, true, _) => Cell::Allowed,
                (false, _, false) => Cell::Denied,
                _ => {
                    pending.push((i, j, req));
                    Cell::Denied
                }
            };
            cells.push(cell);
        }
        rows.push((t.clone(), cells));
    }

    if !pending.is_empty() && holds_everything(&rules) {
        let everything = ResourceRequest::new(ALL, ALL, ALL).named(&name);
        requests.access_reviews += 1;
        if access_review(client, &q.subject, &everything).await? {
            for (i, j, _) in pending.drain(..) {
                rows[i].1[j] = Cell::Allowed;
            }
        }
    }

    requests.access_reviews += pending.len();
    let answers: Vec<(usize, usize, Cell)> = futures_util::stream::iter(pending)
        .map(|(i, j, req)| async move {
            let cell = match access_review(client, &q.subject, &req).await {
                Ok(true) => Cell::Allowed,
                Ok(false) => Cell::Denied,
                Err(e) => Cell::Error(e.to_string()),
            };
            (i, j, cell)
        })
        .buffer_unordered(q.concurrency.max(1))
        .collect()
        .await;
    for (i, j, cell) in answers {
        rows[i].1[j] = cell;
    }

    Ok(AccessMatrix {
        subject: q.subject.describe(current.as_deref()),
        namespace: q.namespace.clone().unwrap_or_default(),
        verbs: q.verbs.clone(),
        rows,
        requests,
    })
}

/// Whether some rule allows every verb on every resource of every group.
fn holds_everything(rules: &[ResourceRule]) -> bool {
    let star = |v: &[String]| v.iter().any(|x| x == ALL);
    rules.iter().any(|r| {
        star(&r.verbs) && star(&r.api_groups) && star(&r.resources) && r.resource_names.is_empty()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subjects_parse_in_every_documented_form() {
        let sa = AccessSubject::ServiceAccount {
            namespace: "ci".into(),
            name: "bot".into(),
        };
        assert_eq!(
            AccessSubject::parse("ServiceAccount/ci/bot"),
            Ok(sa.clone())
        );
        assert_eq!(AccessSubject::parse("sa/ci/bot"), Ok(sa.clone()));
        assert_eq!(
            AccessSubject::parse("system:serviceaccount:ci:bot"),
            Ok(sa.clone())
        );
        assert_eq!(AccessSubject::service_account("ci:bot"), Some(sa.clone()));
        assert_eq!(
            AccessSubject::parse("user/alice"),
            Ok(AccessSubject::User("alice".into()))
        );
        assert_eq!(
            AccessSubject::parse("Group/system:masters"),
            Ok(AccessSubject::Group("system:masters".into()))
        );
        for bad in ["alice", "User/", "sa/ci", "sa/ci/bot/x", "Node/n1"] {
            assert!(AccessSubject::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(sa.describe(None), "ServiceAccount/ci/bot");
        assert_eq!(
            sa.impersonation(),
            [(
                "Impersonate-User",
                "system:serviceaccount:ci:bot".to_string()
            )]
        );
        assert_eq!(
            AccessSubject::Group("devs".into()).impersonation(),
            [
                ("Impersonate-User", GROUP_MEMBER_USER.to_string()),
                ("Impersonate-Group", "devs".to_string())
            ]
        );
    }

    #[test]
    fn rows_are_discoverys_resources_or_the_typed_ones() {
        use crate::api::discovery::{ApiResource, ApiResourceList};
        let r = |name: &str, kind: &str, namespaced: bool, verbs: &[&str]| ApiResource {
            name: name.into(),
            singular_name: String::new(),
            namespaced,
            kind: kind.into(),
            verbs: verbs.iter().map(|v| v.to_string()).collect(),
            ..Default::default()
        };
        let d = Discovery::from_lists(vec![
            ApiResourceList {
                group_version: "v1".into(),
                resources: vec![
                    r("pods", "Pod", true, &["get", "list"]),
                    r("pods/log", "Pod", true, &["get"]),
                    r("namespaces", "Namespace", false, &["get", "list"]),
                    r("bindings", "Binding", true, &[]),
                ],
                ..Default::default()
            },
            ApiResourceList {
                group_version: "apps/v1".into(),
                resources: vec![r("deployments", "Deployment", true, &["get"])],
                ..Default::default()
            },
        ]);
        let names = |t: Vec<Target>| t.iter().map(Target::full_name).collect::<Vec<_>>();
        // As rakkess: no subresources, nothing without verbs, sorted by full name.
        assert_eq!(
            names(targets(&d, None, false).unwrap()),
            ["deployments.apps", "namespaces", "pods"]
        );
        assert_eq!(
            names(targets(&d, None, true).unwrap()),
            ["deployments.apps", "pods"]
        );
        let typed = ["pod".to_string(), "pods/log".into(), "deployment".into()];
        let rows = targets(&d, Some(&typed), false).unwrap();
        assert_eq!(rows[2].verbs, ["get"]);
        assert_eq!(names(rows), ["deployments.apps", "pods", "pods/log"]);
        let e = targets(&d, Some(&["pods/exec".into()]), false).unwrap_err();
        assert_eq!(e.0, "pods/exec");
    }

    #[test]
    fn only_a_rule_with_every_wildcard_answers_for_everything() {
        let rule = |v: &str, g: &str, r: &str, names: &[&str]| ResourceRule {
            verbs: vec![v.into()],
            api_groups: vec![g.into()],
            resources: vec![r.into()],
            resource_names: names.iter().map(|n| n.to_string()).collect(),
        };
        assert!(holds_everything(&[
            rule("get", "", "pods", &[]),
            rule("*", "*", "*", &[])
        ]));
        assert!(!holds_everything(&[rule("*", "*", "pods", &[])]));
        assert!(!holds_everything(&[rule("*", "*", "*", &["x"])]));
    }
}
