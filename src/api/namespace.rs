//! Namespace (`v1`, cluster-scoped).
//!
//! | call | HTTP request |
//! |---|---|
//! | `Api::<Namespace>::all(&c).create(&ns, &p)` | `POST /api/v1/namespaces` |
//! | `.get("dev")` | `GET /api/v1/namespaces/dev` |
//! | `.list(&lp)` | `GET /api/v1/namespaces` |
//! | `.update(&ns, &p)` | `PUT /api/v1/namespaces/dev` |
//! | `.delete("dev")` | `DELETE /api/v1/namespaces/dev` |

use serde::{Deserialize, Serialize};

use super::meta::{ObjectMeta, TypeMeta};
use super::typed_resource;

/// `v1/Namespace`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Namespace {
    /// `kind`/`apiVersion`.
    #[serde(flatten)]
    pub type_meta: TypeMeta,
    /// Name, labels, ...
    #[serde(default)]
    pub metadata: ObjectMeta,
    /// Finalizers (kept as raw JSON).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spec: Option<serde_json::Value>,
    /// `phase`: `Active` or `Terminating`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<NamespaceStatus>,
}

/// `status` of a Namespace.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NamespaceStatus {
    /// `Active` or `Terminating`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub phase: String,
}

impl Namespace {
    /// A Namespace with just a name.
    pub fn named(name: &str) -> Self {
        Namespace {
            metadata: ObjectMeta::named(name),
            ..Default::default()
        }
    }
}

typed_resource!(Namespace, "", "v1", "Namespace", "namespaces", false);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::TypedResource;

    #[test]
    fn cluster_scoped_path_and_round_trip() {
        assert_eq!(
            Namespace::resource().item("ignored", "dev").to_string(),
            "/api/v1/namespaces/dev"
        );
        let body = r#"{"kind":"Namespace","apiVersion":"v1","metadata":{"name":"dev"},"spec":{"finalizers":["kubernetes"]},"status":{"phase":"Active"}}"#;
        let ns: Namespace = serde_json::from_str(body).unwrap();
        assert_eq!(ns.status.as_ref().unwrap().phase, "Active");
        assert_eq!(serde_json::to_string(&ns).unwrap(), body);
    }
}
