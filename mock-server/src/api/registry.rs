//! The resource registry: every resource type the mock knows, with the facts discovery
//! publishes (group, version, plural, kind, singular, scope, short names, verbs,
//! subresources) and the per-kind REST behaviour the store needs (what DELETE returns,
//! whether PUT may create, which top-level fields exist).
//!
//! Discovery documents are generated from this table, so what kubectl resolves and what the
//! server serves cannot drift apart.

/// How the server handles a resource.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Storage {
    /// Objects live in the store (create/get/list/update/patch/delete/watch).
    Stored,
    /// Create-only, never persisted (reviews); served by a [`crate::VirtualResource`] hook.
    Virtual,
    /// Published in discovery only (apps/v1 deployments), so `create role
    /// --resource=deployments.apps` resolves.
    DiscoveryOnly,
}

/// What a successful DELETE of one object returns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeleteReturns {
    /// The deleted object (`ReturnDeletedObject: true`: serviceaccounts, pods, namespaces).
    Object,
    /// `Status{status: Success, details{name, group, kind, uid}}` (secrets, configmaps, RBAC).
    Status,
}

/// A subresource as discovery lists it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SubresourceDef {
    /// e.g. `token`, `log`.
    pub name: &'static str,
    /// Group of the response kind; empty for the parent's group.
    pub group: &'static str,
    /// Version of the response kind; empty for the parent's version.
    pub version: &'static str,
    /// Response kind, e.g. `TokenRequest`.
    pub kind: &'static str,
    /// Verbs, e.g. `create`.
    pub verbs: &'static [&'static str],
}

/// One resource type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ResourceDef {
    /// API group; empty for core.
    pub group: &'static str,
    /// API version.
    pub version: &'static str,
    /// Plural resource name (URL segment).
    pub plural: &'static str,
    /// Kind.
    pub kind: &'static str,
    /// Singular name.
    pub singular: &'static str,
    /// Namespaced (true) or cluster-scoped.
    pub namespaced: bool,
    /// kubectl short names.
    pub short_names: &'static [&'static str],
    /// Verbs as discovery lists them.
    pub verbs: &'static [&'static str],
    /// Subresources.
    pub subresources: &'static [SubresourceDef],
    /// How it is served.
    pub storage: Storage,
    /// DELETE response shape.
    pub delete_returns: DeleteReturns,
    /// PUT on a missing object creates it (`AllowCreateOnUpdate`).
    pub create_on_update: bool,
    /// Top-level fields of the kind (besides apiVersion/kind/metadata) in Go struct order, so
    /// stored objects serialize in the order a real server writes them. (Which fields are
    /// *known*, for `fieldValidation=Strict`, comes from the OpenAPI-derived table in
    /// `validation.rs`.)
    pub fields: &'static [&'static str],
}

const RW: &[&str] = &[
    "create",
    "delete",
    "deletecollection",
    "get",
    "list",
    "patch",
    "update",
    "watch",
];
const NS_VERBS: &[&str] = &[
    "create", "delete", "get", "list", "patch", "update", "watch",
];
const CREATE: &[&str] = &["create"];
const RBAC: &str = "rbac.authorization.k8s.io";

const fn stored(
    group: &'static str,
    plural: &'static str,
    kind: &'static str,
    singular: &'static str,
    namespaced: bool,
) -> ResourceDef {
    ResourceDef {
        group,
        version: "v1",
        plural,
        kind,
        singular,
        namespaced,
        short_names: &[],
        verbs: RW,
        subresources: &[],
        storage: Storage::Stored,
        delete_returns: DeleteReturns::Status,
        create_on_update: false,
        fields: &[],
    }
}

const fn review(
    group: &'static str,
    plural: &'static str,
    kind: &'static str,
    singular: &'static str,
    namespaced: bool,
) -> ResourceDef {
    ResourceDef {
        verbs: CREATE,
        storage: Storage::Virtual,
        fields: &["spec", "status"],
        ..stored(group, plural, kind, singular, namespaced)
    }
}

/// Every resource, grouped by API group in discovery order (core first, then the `/apis`
/// groups in the order the recorded fixture lists them), resources sorted by name.
pub static RESOURCES: &[ResourceDef] = &[
    ResourceDef {
        short_names: &["cm"],
        fields: &["immutable", "data", "binaryData"],
        ..stored("", "configmaps", "ConfigMap", "configmap", true)
    },
    ResourceDef {
        short_names: &["ns"],
        verbs: NS_VERBS,
        delete_returns: DeleteReturns::Object,
        fields: &["spec", "status"],
        ..stored("", "namespaces", "Namespace", "namespace", false)
    },
    ResourceDef {
        short_names: &["po"],
        subresources: &[SubresourceDef {
            name: "log",
            group: "",
            version: "",
            kind: "Pod",
            verbs: &["get"],
        }],
        delete_returns: DeleteReturns::Object,
        fields: &["spec", "status"],
        ..stored("", "pods", "Pod", "pod", true)
    },
    ResourceDef {
        fields: &["immutable", "data", "stringData", "type"],
        ..stored("", "secrets", "Secret", "secret", true)
    },
    ResourceDef {
        short_names: &["sa"],
        subresources: &[SubresourceDef {
            name: "token",
            group: "authentication.k8s.io",
            version: "v1",
            kind: "TokenRequest",
            verbs: &["create"],
        }],
        delete_returns: DeleteReturns::Object,
        fields: &[
            "secrets",
            "imagePullSecrets",
            "automountServiceAccountToken",
        ],
        ..stored(
            "",
            "serviceaccounts",
            "ServiceAccount",
            "serviceaccount",
            true,
        )
    },
    ResourceDef {
        create_on_update: true,
        fields: &["subjects", "roleRef"],
        ..stored(
            RBAC,
            "clusterrolebindings",
            "ClusterRoleBinding",
            "clusterrolebinding",
            false,
        )
    },
    ResourceDef {
        create_on_update: true,
        fields: &["rules", "aggregationRule"],
        ..stored(RBAC, "clusterroles", "ClusterRole", "clusterrole", false)
    },
    ResourceDef {
        create_on_update: true,
        fields: &["subjects", "roleRef"],
        ..stored(RBAC, "rolebindings", "RoleBinding", "rolebinding", true)
    },
    ResourceDef {
        create_on_update: true,
        fields: &["rules"],
        ..stored(RBAC, "roles", "Role", "role", true)
    },
    review(
        "authentication.k8s.io",
        "selfsubjectreviews",
        "SelfSubjectReview",
        "selfsubjectreview",
        false,
    ),
    review(
        "authentication.k8s.io",
        "tokenreviews",
        "TokenReview",
        "tokenreview",
        false,
    ),
    review(
        "authorization.k8s.io",
        "localsubjectaccessreviews",
        "LocalSubjectAccessReview",
        "localsubjectaccessreview",
        true,
    ),
    review(
        "authorization.k8s.io",
        "selfsubjectaccessreviews",
        "SelfSubjectAccessReview",
        "selfsubjectaccessreview",
        false,
    ),
    review(
        "authorization.k8s.io",
        "selfsubjectrulesreviews",
        "SelfSubjectRulesReview",
        "selfsubjectrulesreview",
        false,
    ),
    review(
        "authorization.k8s.io",
        "subjectaccessreviews",
        "SubjectAccessReview",
        "subjectaccessreview",
        false,
    ),
    ResourceDef {
        short_names: &["deploy"],
        storage: Storage::DiscoveryOnly,
        fields: &["spec", "status"],
        ..stored("apps", "deployments", "Deployment", "deployment", true)
    },
];

/// The `/apis` groups, in discovery order.
pub const GROUPS: &[&str] = &[
    RBAC,
    "authentication.k8s.io",
    "authorization.k8s.io",
    "apps",
];

/// Fields of `ObjectMeta`, in Go's struct order (the order the real encoder writes them):
/// for `fieldValidation=Strict` and for ordering metadata in answers.
pub const OBJECT_META_FIELDS: &[&str] = &[
    "name",
    "generateName",
    "namespace",
    "selfLink",
    "uid",
    "resourceVersion",
    "generation",
    "creationTimestamp",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
    "labels",
    "annotations",
    "ownerReferences",
    "finalizers",
    "managedFields",
];

impl ResourceDef {
    /// `group/version`, or `version` for core.
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.to_string()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    /// The list kind, e.g. `ServiceAccountList`.
    pub fn list_kind(&self) -> String {
        format!("{}List", self.kind)
    }

    /// `resource` for core, `resource.group` otherwise (kube's `GroupResource.String()`).
    pub fn group_resource(&self) -> String {
        if self.group.is_empty() {
            self.plural.to_string()
        } else {
            format!("{}.{}", self.plural, self.group)
        }
    }

    /// Whether the subresource exists.
    pub fn has_subresource(&self, name: &str) -> bool {
        self.subresources.iter().any(|s| s.name == name)
    }
}

/// Looks up a resource by group, version and plural.
pub fn find(group: &str, version: &str, plural: &str) -> Option<&'static ResourceDef> {
    RESOURCES
        .iter()
        .find(|r| r.group == group && r.version == version && r.plural == plural)
}

/// Looks up a resource by plural name only (plurals are unique in this registry).
pub fn find_plural(plural: &str) -> Option<&'static ResourceDef> {
    RESOURCES.iter().find(|r| r.plural == plural)
}

/// Whether `group/version` is served.
pub fn serves_group_version(group: &str, version: &str) -> bool {
    RESOURCES
        .iter()
        .any(|r| r.group == group && r.version == version)
}

/// All resources of one group, in registry order.
pub fn in_group(group: &str) -> impl Iterator<Item = &'static ResourceDef> + '_ {
    RESOURCES.iter().filter(move |r| r.group == group)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plurals_are_unique_and_sorted_within_groups() {
        let mut seen = std::collections::HashSet::new();
        for r in RESOURCES {
            assert!(seen.insert(r.plural), "{} twice", r.plural);
        }
        for g in std::iter::once("").chain(GROUPS.iter().copied()) {
            let names: Vec<_> = in_group(g).map(|r| r.plural).collect();
            let mut sorted = names.clone();
            sorted.sort();
            assert_eq!(names, sorted, "group {g:?}");
            assert!(!names.is_empty(), "group {g:?} empty");
        }
    }

    #[test]
    fn rest_behaviour_per_kind_matches_the_spec() {
        // apiserver-spec §5.2 / §5.4
        assert_eq!(
            find_plural("serviceaccounts").unwrap().delete_returns,
            DeleteReturns::Object
        );
        assert_eq!(
            find_plural("secrets").unwrap().delete_returns,
            DeleteReturns::Status
        );
        assert_eq!(
            find_plural("roles").unwrap().delete_returns,
            DeleteReturns::Status
        );
        assert!(find_plural("roles").unwrap().create_on_update);
        assert!(!find_plural("serviceaccounts").unwrap().create_on_update);
        assert_eq!(
            find_plural("roles").unwrap().group_resource(),
            "roles.rbac.authorization.k8s.io"
        );
        assert_eq!(find_plural("secrets").unwrap().group_resource(), "secrets");
    }
}
