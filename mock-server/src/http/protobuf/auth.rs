//! authentication.k8s.io/v1 and authorization.k8s.io/v1 messages.
//!
//! Field numbers: k8s.io/api/authentication/v1/generated.proto and
//! k8s.io/api/authorization/v1/generated.proto; JSON tags: the `types.go` beside them. Notable tags:
//! `TokenRequestSpec.audiences`, `TokenRequestStatus.token`/`expirationTimestamp`,
//! `SubjectAccessReviewStatus.allowed`, `SubjectRulesReviewStatus.resourceRules`/
//! `nonResourceRules`/`incomplete` and `ResourceRule.verbs` have no `omitempty`.
//! SelfSubjectReview has the same layout in v1, v1beta1 and v1alpha1.

use super::meta::{
    FIELD_SELECTOR_REQUIREMENT, LABEL_SELECTOR_REQUIREMENT, OBJECT_META, always, omitempty,
};
use super::schema::{Message, Ty};

// ---- authentication.k8s.io/v1 ----

pub(crate) static BOUND_OBJECT_REFERENCE: Message = Message {
    name: "BoundObjectReference",
    complete: true,
    fields: &[
        omitempty(1, "kind", Ty::Str),
        omitempty(2, "apiVersion", Ty::Str),
        omitempty(3, "name", Ty::Str),
        omitempty(4, "uid", Ty::Str),
    ],
};

pub(crate) static TOKEN_REQUEST_SPEC: Message = Message {
    name: "TokenRequestSpec",
    complete: true,
    fields: &[
        always(1, "audiences", Ty::RepStr),
        omitempty(4, "expirationSeconds", Ty::OptI64),
        omitempty(3, "boundObjectRef", Ty::OptMsg(&BOUND_OBJECT_REFERENCE)),
    ],
};

pub(crate) static TOKEN_REQUEST_STATUS: Message = Message {
    name: "TokenRequestStatus",
    complete: true,
    fields: &[
        always(1, "token", Ty::Str),
        always(2, "expirationTimestamp", Ty::Time),
    ],
};

pub(crate) static TOKEN_REQUEST: Message = Message {
    name: "TokenRequest",
    complete: true,
    fields: &[
        omitempty(1, "metadata", Ty::Msg(&OBJECT_META)),
        always(2, "spec", Ty::Msg(&TOKEN_REQUEST_SPEC)),
        omitempty(3, "status", Ty::Msg(&TOKEN_REQUEST_STATUS)),
    ],
};

pub(crate) static USER_INFO: Message = Message {
    name: "UserInfo",
    complete: true,
    fields: &[
        omitempty(1, "username", Ty::Str),
        omitempty(2, "uid", Ty::Str),
        omitempty(3, "groups", Ty::RepStr),
        omitempty(4, "extra", Ty::MapExtra),
    ],
};

pub(crate) static TOKEN_REVIEW_SPEC: Message = Message {
    name: "TokenReviewSpec",
    complete: true,
    fields: &[
        omitempty(1, "token", Ty::Str),
        omitempty(2, "audiences", Ty::RepStr),
    ],
};

pub(crate) static TOKEN_REVIEW_STATUS: Message = Message {
    name: "TokenReviewStatus",
    complete: true,
    fields: &[
        omitempty(1, "authenticated", Ty::Bool),
        omitempty(2, "user", Ty::Msg(&USER_INFO)),
        omitempty(4, "audiences", Ty::RepStr),
        omitempty(3, "error", Ty::Str),
    ],
};

pub(crate) static TOKEN_REVIEW: Message = Message {
    name: "TokenReview",
    complete: true,
    fields: &[
        omitempty(1, "metadata", Ty::Msg(&OBJECT_META)),
        always(2, "spec", Ty::Msg(&TOKEN_REVIEW_SPEC)),
        omitempty(3, "status", Ty::Msg(&TOKEN_REVIEW_STATUS)),
    ],
};

pub(crate) static SELF_SUBJECT_REVIEW_STATUS: Message = Message {
    name: "SelfSubjectReviewStatus",
    complete: true,
    fields: &[omitempty(1, "userInfo", Ty::Msg(&USER_INFO))],
};

pub(crate) static SELF_SUBJECT_REVIEW: Message = Message {
    name: "SelfSubjectReview",
    complete: true,
    fields: &[
        omitempty(1, "metadata", Ty::Msg(&OBJECT_META)),
        omitempty(2, "status", Ty::Msg(&SELF_SUBJECT_REVIEW_STATUS)),
    ],
};

// ---- authorization.k8s.io/v1 ----

pub(crate) static FIELD_SELECTOR_ATTRIBUTES: Message = Message {
    name: "FieldSelectorAttributes",
    complete: true,
    fields: &[
        omitempty(1, "rawSelector", Ty::Str),
        omitempty(2, "requirements", Ty::RepMsg(&FIELD_SELECTOR_REQUIREMENT)),
    ],
};

pub(crate) static LABEL_SELECTOR_ATTRIBUTES: Message = Message {
    name: "LabelSelectorAttributes",
    complete: true,
    fields: &[
        omitempty(1, "rawSelector", Ty::Str),
        omitempty(2, "requirements", Ty::RepMsg(&LABEL_SELECTOR_REQUIREMENT)),
    ],
};

pub(crate) static RESOURCE_ATTRIBUTES: Message = Message {
    name: "ResourceAttributes",
    complete: true,
    fields: &[
        omitempty(1, "namespace", Ty::Str),
        omitempty(2, "verb", Ty::Str),
        omitempty(3, "group", Ty::Str),
        omitempty(4, "version", Ty::Str),
        omitempty(5, "resource", Ty::Str),
        omitempty(6, "subresource", Ty::Str),
        omitempty(7, "name", Ty::Str),
        omitempty(8, "fieldSelector", Ty::OptMsg(&FIELD_SELECTOR_ATTRIBUTES)),
        omitempty(9, "labelSelector", Ty::OptMsg(&LABEL_SELECTOR_ATTRIBUTES)),
    ],
};

pub(crate) static NON_RESOURCE_ATTRIBUTES: Message = Message {
    name: "NonResourceAttributes",
    complete: true,
    fields: &[omitempty(1, "path", Ty::Str), omitempty(2, "verb", Ty::Str)],
};

pub(crate) static SUBJECT_ACCESS_REVIEW_SPEC: Message = Message {
    name: "SubjectAccessReviewSpec",
    complete: true,
    fields: &[
        omitempty(1, "resourceAttributes", Ty::OptMsg(&RESOURCE_ATTRIBUTES)),
        omitempty(
            2,
            "nonResourceAttributes",
            Ty::OptMsg(&NON_RESOURCE_ATTRIBUTES),
        ),
        omitempty(3, "user", Ty::Str),
        omitempty(4, "groups", Ty::RepStr),
        omitempty(5, "extra", Ty::MapExtra),
        omitempty(6, "uid", Ty::Str),
    ],
};

pub(crate) static SELF_SUBJECT_ACCESS_REVIEW_SPEC: Message = Message {
    name: "SelfSubjectAccessReviewSpec",
    complete: true,
    fields: &[
        omitempty(1, "resourceAttributes", Ty::OptMsg(&RESOURCE_ATTRIBUTES)),
        omitempty(
            2,
            "nonResourceAttributes",
            Ty::OptMsg(&NON_RESOURCE_ATTRIBUTES),
        ),
    ],
};

pub(crate) static SUBJECT_ACCESS_REVIEW_STATUS: Message = Message {
    name: "SubjectAccessReviewStatus",
    complete: true,
    fields: &[
        always(1, "allowed", Ty::Bool),
        omitempty(4, "denied", Ty::Bool),
        omitempty(2, "reason", Ty::Str),
        omitempty(3, "evaluationError", Ty::Str),
    ],
};

/// SubjectAccessReview and LocalSubjectAccessReview share this layout.
pub(crate) static SUBJECT_ACCESS_REVIEW: Message = Message {
    name: "SubjectAccessReview",
    complete: true,
    fields: &[
        omitempty(1, "metadata", Ty::Msg(&OBJECT_META)),
        always(2, "spec", Ty::Msg(&SUBJECT_ACCESS_REVIEW_SPEC)),
        omitempty(3, "status", Ty::Msg(&SUBJECT_ACCESS_REVIEW_STATUS)),
    ],
};

pub(crate) static LOCAL_SUBJECT_ACCESS_REVIEW: Message = Message {
    name: "LocalSubjectAccessReview",
    complete: true,
    fields: SUBJECT_ACCESS_REVIEW.fields,
};

pub(crate) static SELF_SUBJECT_ACCESS_REVIEW: Message = Message {
    name: "SelfSubjectAccessReview",
    complete: true,
    fields: &[
        omitempty(1, "metadata", Ty::Msg(&OBJECT_META)),
        always(2, "spec", Ty::Msg(&SELF_SUBJECT_ACCESS_REVIEW_SPEC)),
        omitempty(3, "status", Ty::Msg(&SUBJECT_ACCESS_REVIEW_STATUS)),
    ],
};

pub(crate) static RESOURCE_RULE: Message = Message {
    name: "ResourceRule",
    complete: true,
    fields: &[
        always(1, "verbs", Ty::RepStr),
        omitempty(2, "apiGroups", Ty::RepStr),
        omitempty(3, "resources", Ty::RepStr),
        omitempty(4, "resourceNames", Ty::RepStr),
    ],
};

pub(crate) static NON_RESOURCE_RULE: Message = Message {
    name: "NonResourceRule",
    complete: true,
    fields: &[
        always(1, "verbs", Ty::RepStr),
        omitempty(2, "nonResourceURLs", Ty::RepStr),
    ],
};

pub(crate) static SUBJECT_RULES_REVIEW_STATUS: Message = Message {
    name: "SubjectRulesReviewStatus",
    complete: true,
    fields: &[
        always(1, "resourceRules", Ty::RepMsg(&RESOURCE_RULE)),
        always(2, "nonResourceRules", Ty::RepMsg(&NON_RESOURCE_RULE)),
        always(3, "incomplete", Ty::Bool),
        omitempty(4, "evaluationError", Ty::Str),
    ],
};

pub(crate) static SELF_SUBJECT_RULES_REVIEW_SPEC: Message = Message {
    name: "SelfSubjectRulesReviewSpec",
    complete: true,
    fields: &[omitempty(1, "namespace", Ty::Str)],
};

pub(crate) static SELF_SUBJECT_RULES_REVIEW: Message = Message {
    name: "SelfSubjectRulesReview",
    complete: true,
    fields: &[
        omitempty(1, "metadata", Ty::Msg(&OBJECT_META)),
        always(2, "spec", Ty::Msg(&SELF_SUBJECT_RULES_REVIEW_SPEC)),
        omitempty(3, "status", Ty::Msg(&SUBJECT_RULES_REVIEW_STATUS)),
    ],
};
