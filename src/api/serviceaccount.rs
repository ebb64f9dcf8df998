//! ServiceAccount (`v1`, namespaced): the identity a bearer token speaks for.
//!
//! | call | HTTP request |
//! |---|---|
//! | `Api::<ServiceAccount>::namespaced(&c, "default").create(&sa, &p)` | `POST /api/v1/namespaces/default/serviceaccounts` |
//! | `.get("x")` | `GET /api/v1/namespaces/default/serviceaccounts/x` |
//! | `.list(&lp)` | `GET /api/v1/namespaces/default/serviceaccounts` |
//! | `.update(&sa, &p)` | `PUT /api/v1/namespaces/default/serviceaccounts/x` |
//! | `.delete("x")` | `DELETE /api/v1/namespaces/default/serviceaccounts/x` → the deleted ServiceAccount |
//! | `.create_token("x", &tr)` ([`crate::api::token`]) | `POST /api/v1/namespaces/default/serviceaccounts/x/token` |
//!
//! Since Kubernetes 1.24 no token Secret is created for a new ServiceAccount,
//! so `secrets` stays empty unless someone lists one by hand.

use serde::{Deserialize, Serialize};

use super::meta::{ObjectMeta, TypeMeta};
use super::typed_resource;

/// `v1/ServiceAccount`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServiceAccount {
    /// `kind`/`apiVersion`.
    #[serde(flatten)]
    pub type_meta: TypeMeta,
    /// Name, namespace, uid, ...
    #[serde(default)]
    pub metadata: ObjectMeta,
    /// Secrets (legacy token Secrets); only `name` is kept by the server.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub secrets: Vec<ObjectReference>,
    /// Image pull secrets for pods using this account.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub image_pull_secrets: Vec<LocalObjectReference>,
    /// Whether pods get a token mounted by default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub automount_service_account_token: Option<bool>,
}

impl ServiceAccount {
    /// A ServiceAccount with just a name (the namespace comes from the URL).
    pub fn named(name: &str) -> Self {
        ServiceAccount {
            metadata: ObjectMeta::named(name),
            ..Default::default()
        }
    }
}

typed_resource!(
    ServiceAccount,
    "",
    "v1",
    "ServiceAccount",
    "serviceaccounts",
    true
);

/// A reference to another object (`v1/ObjectReference`); only the fields used here.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ObjectReference {
    /// Kind of the referent.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub kind: String,
    /// Namespace of the referent.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub namespace: String,
    /// Name of the referent.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    /// UID of the referent.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub uid: String,
    /// API version of the referent.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub api_version: String,
}

/// A reference by name within the same namespace (`v1/LocalObjectReference`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LocalObjectReference {
    /// Name of the referent.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn create_body_matches_kubectl() {
        // kubectl-traffic.md §4: `create sa bearertokenauth` (namespace only in the URL).
        let mut sa = ServiceAccount::named("bearertokenauth");
        sa.type_meta = TypeMeta {
            kind: "ServiceAccount".into(),
            api_version: "v1".into(),
        };
        assert_eq!(
            serde_json::to_string(&sa).unwrap(),
            r#"{"kind":"ServiceAccount","apiVersion":"v1","metadata":{"name":"bearertokenauth"}}"#
        );
    }

    #[test]
    fn legacy_sa_with_secrets_round_trips() {
        let body = r#"{"kind":"ServiceAccount","apiVersion":"v1","metadata":{"name":"bearertokenauth","namespace":"default","uid":"6f8a2d4e-0000-4000-8000-000000000001","resourceVersion":"1001","creationTimestamp":"2026-11-28T13:37:32Z"},"secrets":[{"name":"bearertokenauth-token-7x2kq"}],"automountServiceAccountToken":false}"#;
        let sa: ServiceAccount = serde_json::from_str(body).unwrap();
        assert_eq!(sa.secrets[0].name, "bearertokenauth-token-7x2kq");
        assert_eq!(sa.automount_service_account_token, Some(false));
        assert_eq!(serde_json::to_string(&sa).unwrap(), body);
    }
}
