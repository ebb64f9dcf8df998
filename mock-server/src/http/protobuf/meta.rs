//! meta.k8s.io/v1 messages shared by every kind.
//!
//! Field numbers: k8s.io/apimachinery/pkg/apis/meta/v1/generated.proto; JSON tags:
//! k8s.io/apimachinery/pkg/apis/meta/v1/types.go (ObjectMeta, OwnerReference, ManagedFieldsEntry,
//! LabelSelector, DeleteOptions, Preconditions).

use super::schema::{Field, Message, Ty};

/// An `omitempty` field.
pub(crate) const fn omitempty(number: u32, json: &'static str, ty: Ty) -> Field {
    Field {
        number,
        json,
        ty,
        omitempty: true,
    }
}

/// A field without `omitempty` in its Go JSON tag.
pub(crate) const fn always(number: u32, json: &'static str, ty: Ty) -> Field {
    Field {
        number,
        json,
        ty,
        omitempty: false,
    }
}

pub(crate) static OBJECT_META: Message = Message {
    name: "ObjectMeta",
    complete: true,
    fields: &[
        omitempty(1, "name", Ty::Str),
        omitempty(2, "generateName", Ty::Str),
        omitempty(3, "namespace", Ty::Str),
        omitempty(4, "selfLink", Ty::Str),
        omitempty(5, "uid", Ty::Str),
        omitempty(6, "resourceVersion", Ty::Str),
        omitempty(7, "generation", Ty::I64),
        omitempty(8, "creationTimestamp", Ty::Time),
        omitempty(9, "deletionTimestamp", Ty::Time),
        omitempty(10, "deletionGracePeriodSeconds", Ty::OptI64),
        omitempty(11, "labels", Ty::MapStr),
        omitempty(12, "annotations", Ty::MapStr),
        omitempty(13, "ownerReferences", Ty::RepMsg(&OWNER_REFERENCE)),
        omitempty(14, "finalizers", Ty::RepStr),
        omitempty(17, "managedFields", Ty::RepMsg(&MANAGED_FIELDS_ENTRY)),
    ],
};

pub(crate) static OWNER_REFERENCE: Message = Message {
    name: "OwnerReference",
    complete: true,
    fields: &[
        always(5, "apiVersion", Ty::Str),
        always(1, "kind", Ty::Str),
        always(3, "name", Ty::Str),
        always(4, "uid", Ty::Str),
        omitempty(6, "controller", Ty::OptBool),
        omitempty(7, "blockOwnerDeletion", Ty::OptBool),
    ],
};

pub(crate) static MANAGED_FIELDS_ENTRY: Message = Message {
    name: "ManagedFieldsEntry",
    complete: true,
    fields: &[
        omitempty(1, "manager", Ty::Str),
        omitempty(2, "operation", Ty::Str),
        omitempty(3, "apiVersion", Ty::Str),
        omitempty(4, "time", Ty::Time),
        omitempty(6, "fieldsType", Ty::Str),
        omitempty(7, "fieldsV1", Ty::FieldsV1),
        omitempty(8, "subresource", Ty::Str),
    ],
};

pub(crate) static LABEL_SELECTOR: Message = Message {
    name: "LabelSelector",
    complete: true,
    fields: &[
        omitempty(1, "matchLabels", Ty::MapStr),
        omitempty(
            2,
            "matchExpressions",
            Ty::RepMsg(&LABEL_SELECTOR_REQUIREMENT),
        ),
    ],
};

pub(crate) static LABEL_SELECTOR_REQUIREMENT: Message = Message {
    name: "LabelSelectorRequirement",
    complete: true,
    fields: &[
        always(1, "key", Ty::Str),
        always(2, "operator", Ty::Str),
        omitempty(3, "values", Ty::RepStr),
    ],
};

/// Same shape and tags as LabelSelectorRequirement (meta/v1 FieldSelectorRequirement).
pub(crate) static FIELD_SELECTOR_REQUIREMENT: Message = Message {
    name: "FieldSelectorRequirement",
    complete: true,
    fields: &[
        always(1, "key", Ty::Str),
        always(2, "operator", Ty::Str),
        omitempty(3, "values", Ty::RepStr),
    ],
};

/// DeleteOptions; field 6 (ignoreStoreReadErrorWithClusterBreakingPotential) exists since 1.32.
pub(crate) static DELETE_OPTIONS: Message = Message {
    name: "DeleteOptions",
    complete: true,
    fields: &[
        omitempty(1, "gracePeriodSeconds", Ty::OptI64),
        omitempty(2, "preconditions", Ty::OptMsg(&PRECONDITIONS)),
        omitempty(3, "orphanDependents", Ty::OptBool),
        omitempty(4, "propagationPolicy", Ty::OptStr),
        omitempty(5, "dryRun", Ty::RepStr),
        omitempty(
            6,
            "ignoreStoreReadErrorWithClusterBreakingPotential",
            Ty::OptBool,
        ),
    ],
};

pub(crate) static PRECONDITIONS: Message = Message {
    name: "Preconditions",
    complete: true,
    fields: &[
        omitempty(1, "uid", Ty::OptStr),
        omitempty(2, "resourceVersion", Ty::OptStr),
    ],
};
