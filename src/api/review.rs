//! "Who am I, and may I?": the self reviews. All are create-only, cluster-scoped,
//! not stored, and answer 201 with the request echoed plus a `status`.
//! Every authenticated user may create them (ClusterRole `system:basic-user`).
//!
//! | call | HTTP request |
//! |---|---|
//! | `c.self_subject_access_review(&SelfSubjectAccessReview::resource("default", "list", "", "pods"))` | `POST /apis/authorization.k8s.io/v1/selfsubjectaccessreviews` (`kubectl auth can-i list pods`) |
//! | `c.self_subject_rules_review("default")` | `POST /apis/authorization.k8s.io/v1/selfsubjectrulesreviews` (`kubectl auth can-i --list`) |
//! | `c.self_subject_review()` | `POST /apis/authentication.k8s.io/v1/selfsubjectreviews` (`kubectl auth whoami`) |

use serde::{Deserialize, Serialize};

use super::meta::{ObjectMeta, TypeMeta};
use super::token::{AUTHENTICATION_V1, UserInfo};
use crate::client::{Client, Request};
use crate::error::Result;
use crate::path::Resource;

/// `authorization.k8s.io/v1`.
pub const AUTHORIZATION_V1: &str = "authorization.k8s.io/v1";

/// `SelfSubjectAccessReview`: may I do this one thing?
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SelfSubjectAccessReview {
    /// `SelfSubjectAccessReview`, `authorization.k8s.io/v1`.
    #[serde(flatten)]
    pub type_meta: TypeMeta,
    /// Unused.
    #[serde(default)]
    pub metadata: ObjectMeta,
    /// Exactly one of resource or non-resource attributes.
    pub spec: SelfSubjectAccessReviewSpec,
    /// The answer (response only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<SubjectAccessReviewStatus>,
}

impl SelfSubjectAccessReview {
    /// "May I `verb` `resource` (in `group`) in `namespace`?" (`namespace` empty = cluster-wide).
    pub fn resource(namespace: &str, verb: &str, group: &str, resource: &str) -> Self {
        SelfSubjectAccessReview {
            type_meta: TypeMeta {
                kind: "SelfSubjectAccessReview".into(),
                api_version: AUTHORIZATION_V1.into(),
            },
            spec: SelfSubjectAccessReviewSpec {
                resource_attributes: Some(ResourceAttributes {
                    namespace: namespace.into(),
                    verb: verb.into(),
                    group: group.into(),
                    resource: resource.into(),
                    ..Default::default()
                }),
                non_resource_attributes: None,
            },
            ..Default::default()
        }
    }

    /// Whether the server said yes (false before the answer arrives).
    pub fn allowed(&self) -> bool {
        self.status.as_ref().is_some_and(|s| s.allowed)
    }
}

/// `SelfSubjectAccessReview.spec`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SelfSubjectAccessReviewSpec {
    /// A resource request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_attributes: Option<ResourceAttributes>,
    /// A non-resource request (a URL path).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub non_resource_attributes: Option<NonResourceAttributes>,
}

/// The request being asked about.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResourceAttributes {
    /// Namespace (`""` = all namespaces / cluster scope).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub namespace: String,
    /// `get`, `list`, `create`, ...
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub verb: String,
    /// API group (`""` = core).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub group: String,
    /// API version.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub version: String,
    /// Resource, e.g. `pods`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub resource: String,
    /// Subresource, e.g. `log`, `token`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub subresource: String,
    /// Object name.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
}

/// A non-resource request being asked about.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NonResourceAttributes {
    /// URL path, e.g. `/healthz`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub path: String,
    /// Lower-case HTTP verb, e.g. `get`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub verb: String,
}

/// The answer of an access review.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SubjectAccessReviewStatus {
    /// Always present.
    pub allowed: bool,
    /// Explicitly denied (RBAC never denies; it only fails to allow).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub denied: bool,
    /// Which binding allowed it, e.g. `RBAC: allowed by RoleBinding "rb/default" ...`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub reason: String,
    /// Errors while evaluating (the answer may be incomplete).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub evaluation_error: String,
}

/// `SelfSubjectRulesReview`: everything I may do in a namespace.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SelfSubjectRulesReview {
    /// `SelfSubjectRulesReview`, `authorization.k8s.io/v1`.
    #[serde(flatten)]
    pub type_meta: TypeMeta,
    /// Unused.
    #[serde(default)]
    pub metadata: ObjectMeta,
    /// The namespace to evaluate (required).
    pub spec: SelfSubjectRulesReviewSpec,
    /// The rules (response only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<SubjectRulesReviewStatus>,
}

/// `SelfSubjectRulesReview.spec`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SelfSubjectRulesReviewSpec {
    /// Namespace to evaluate.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub namespace: String,
}

/// The rules that apply (all fields always present on the wire).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SubjectRulesReviewStatus {
    /// Resource rules, one per PolicyRule of every applicable binding.
    #[serde(default)]
    pub resource_rules: Vec<ResourceRule>,
    /// Non-resource rules.
    #[serde(default)]
    pub non_resource_rules: Vec<NonResourceRule>,
    /// True if the list may be missing rules.
    #[serde(default)]
    pub incomplete: bool,
    /// Errors while evaluating.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub evaluation_error: String,
}

/// A resource rule in a rules review.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceRule {
    /// Verbs.
    pub verbs: Vec<String>,
    /// API groups.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub api_groups: Vec<String>,
    /// Resources.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resources: Vec<String>,
    /// Resource names.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resource_names: Vec<String>,
}

/// A non-resource rule in a rules review.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NonResourceRule {
    /// Verbs.
    pub verbs: Vec<String>,
    /// URL paths (`*` suffix = prefix match).
    #[serde(
        default,
        rename = "nonResourceURLs",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub non_resource_urls: Vec<String>,
}

/// `SelfSubjectReview`: who am I? (no spec)
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SelfSubjectReview {
    /// `SelfSubjectReview`, `authentication.k8s.io/v1`.
    #[serde(flatten)]
    pub type_meta: TypeMeta,
    /// Only `creationTimestamp`, if anything.
    #[serde(default)]
    pub metadata: ObjectMeta,
    /// The identity (response only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<SelfSubjectReviewStatus>,
}

/// `SelfSubjectReview.status`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SelfSubjectReviewStatus {
    /// The authenticated user.
    #[serde(default)]
    pub user_info: UserInfo,
}

impl Client {
    /// `POST /apis/authorization.k8s.io/v1/selfsubjectaccessreviews`.
    pub async fn self_subject_access_review(
        &self,
        review: &SelfSubjectAccessReview,
    ) -> Result<SelfSubjectAccessReview> {
        let path = Resource::cluster("authorization.k8s.io", "v1", "selfsubjectaccessreviews")
            .collection("");
        self.request(Request::post(path, review)?.stores_nothing())
            .await
    }

    /// `POST /apis/authorization.k8s.io/v1/selfsubjectrulesreviews` for `namespace`.
    pub async fn self_subject_rules_review(
        &self,
        namespace: &str,
    ) -> Result<SelfSubjectRulesReview> {
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
        let path = Resource::cluster("authorization.k8s.io", "v1", "selfsubjectrulesreviews")
            .collection("");
        self.request(Request::post(path, &review)?.stores_nothing())
            .await
    }

    /// `POST /apis/authentication.k8s.io/v1/selfsubjectreviews`: who the server thinks we are.
    pub async fn self_subject_review(&self) -> Result<SelfSubjectReview> {
        let review = SelfSubjectReview {
            type_meta: TypeMeta {
                kind: "SelfSubjectReview".into(),
                api_version: AUTHENTICATION_V1.into(),
            },
            ..Default::default()
        };
        let path =
            Resource::cluster("authentication.k8s.io", "v1", "selfsubjectreviews").collection("");
        self.request(Request::post(path, &review)?.stores_nothing())
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ssar_request_and_response() {
        let r = SelfSubjectAccessReview::resource("default", "list", "", "pods");
        assert_eq!(
            serde_json::to_string(&r).unwrap(),
            r#"{"kind":"SelfSubjectAccessReview","apiVersion":"authorization.k8s.io/v1","metadata":{},"spec":{"resourceAttributes":{"namespace":"default","verb":"list","resource":"pods"}}}"#
        );
        let resp = r#"{"kind":"SelfSubjectAccessReview","apiVersion":"authorization.k8s.io/v1","metadata":{},"spec":{"resourceAttributes":{"namespace":"default","verb":"list","resource":"pods"}},"status":{"allowed":false}}"#;
        let r: SelfSubjectAccessReview = serde_json::from_str(resp).unwrap();
        assert!(!r.allowed());
        assert_eq!(serde_json::to_string(&r).unwrap(), resp);
    }

    #[test]
    fn ssrr_status_keeps_all_fields() {
        let resp = r#"{"kind":"SelfSubjectRulesReview","apiVersion":"authorization.k8s.io/v1","metadata":{},"spec":{"namespace":"default"},"status":{"resourceRules":[{"verbs":["create"],"apiGroups":["authorization.k8s.io"],"resources":["selfsubjectaccessreviews"]}],"nonResourceRules":[{"verbs":["get"],"nonResourceURLs":["/api","/api/*"]}],"incomplete":false}}"#;
        let r: SelfSubjectRulesReview = serde_json::from_str(resp).unwrap();
        let st = r.status.as_ref().unwrap();
        assert_eq!(st.non_resource_rules[0].non_resource_urls[1], "/api/*");
        assert_eq!(serde_json::to_string(&r).unwrap(), resp);
    }

    #[test]
    fn self_subject_review_response() {
        // kubectl-traffic.md §3, with the old-server `creationTimestamp: null`.
        let resp = r#"{"kind":"SelfSubjectReview","apiVersion":"authentication.k8s.io/v1","metadata":{"creationTimestamp":null},"status":{"userInfo":{"username":"system:serviceaccount:default:bearertokenauth","uid":"6f8a2d4e-0000-4000-8000-000000000001","groups":["system:serviceaccounts","system:serviceaccounts:default","system:authenticated"],"extra":{"authentication.kubernetes.io/credential-id":["JTI=00000000-0000-0000-0000-000000000000"]}}}}"#;
        let r: SelfSubjectReview = serde_json::from_str(resp).unwrap();
        let u = &r.status.as_ref().unwrap().user_info;
        assert_eq!(u.username, "system:serviceaccount:default:bearertokenauth");
        assert_eq!(
            u.extra["authentication.kubernetes.io/credential-id"].len(),
            1
        );
    }
}
