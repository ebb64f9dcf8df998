//! rbac.authorization.k8s.io/v1 messages.
//!
//! Field numbers: k8s.io/api/rbac/v1/generated.proto; JSON tags: k8s.io/api/rbac/v1/types.go
//! (`rules`, `roleRef`, `Subject.kind`/`name` and every `RoleRef` field have no `omitempty`).

use super::meta::{LABEL_SELECTOR, OBJECT_META, always, omitempty};
use super::schema::{Message, Ty};

pub(crate) static POLICY_RULE: Message = Message {
    name: "PolicyRule",
    complete: true,
    fields: &[
        always(1, "verbs", Ty::RepStr),
        omitempty(2, "apiGroups", Ty::RepStr),
        omitempty(3, "resources", Ty::RepStr),
        omitempty(4, "resourceNames", Ty::RepStr),
        omitempty(5, "nonResourceURLs", Ty::RepStr),
    ],
};

pub(crate) static ROLE: Message = Message {
    name: "Role",
    complete: true,
    fields: &[
        omitempty(1, "metadata", Ty::Msg(&OBJECT_META)),
        always(2, "rules", Ty::RepMsg(&POLICY_RULE)),
    ],
};

pub(crate) static AGGREGATION_RULE: Message = Message {
    name: "AggregationRule",
    complete: true,
    fields: &[omitempty(
        1,
        "clusterRoleSelectors",
        Ty::RepMsg(&LABEL_SELECTOR),
    )],
};

pub(crate) static CLUSTER_ROLE: Message = Message {
    name: "ClusterRole",
    complete: true,
    fields: &[
        omitempty(1, "metadata", Ty::Msg(&OBJECT_META)),
        always(2, "rules", Ty::RepMsg(&POLICY_RULE)),
        omitempty(3, "aggregationRule", Ty::OptMsg(&AGGREGATION_RULE)),
    ],
};

pub(crate) static SUBJECT: Message = Message {
    name: "Subject",
    complete: true,
    fields: &[
        always(1, "kind", Ty::Str),
        omitempty(2, "apiGroup", Ty::Str),
        always(3, "name", Ty::Str),
        omitempty(4, "namespace", Ty::Str),
    ],
};

pub(crate) static ROLE_REF: Message = Message {
    name: "RoleRef",
    complete: true,
    fields: &[
        always(1, "apiGroup", Ty::Str),
        always(2, "kind", Ty::Str),
        always(3, "name", Ty::Str),
    ],
};

/// RoleBinding and ClusterRoleBinding share one layout.
pub(crate) static ROLE_BINDING: Message = Message {
    name: "RoleBinding",
    complete: true,
    fields: &[
        omitempty(1, "metadata", Ty::Msg(&OBJECT_META)),
        omitempty(2, "subjects", Ty::RepMsg(&SUBJECT)),
        always(3, "roleRef", Ty::Msg(&ROLE_REF)),
    ],
};

pub(crate) static CLUSTER_ROLE_BINDING: Message = Message {
    name: "ClusterRoleBinding",
    complete: true,
    fields: ROLE_BINDING.fields,
};
