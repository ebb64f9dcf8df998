//! Hand-written Kubernetes types and the calls on them.
//!
//! One file per resource; each file's docs list the exact HTTP request every
//! call sends. The generic verbs live on [`Api`]:
//!
//! | call | request (namespaced type, namespace `ns`) |
//! |---|---|
//! | [`Api::create`] | `POST {root}/namespaces/ns/{plural}` |
//! | [`Api::get`] | `GET {root}/namespaces/ns/{plural}/{name}` |
//! | [`Api::list`] | `GET {root}/namespaces/ns/{plural}` (all namespaces: `GET {root}/{plural}`) |
//! | [`Api::update`] | `PUT {root}/namespaces/ns/{plural}/{name}` |
//! | [`Api::delete`] / [`Api::delete_with`] | `DELETE {root}/namespaces/ns/{plural}/{name}` |
//! | [`Api::watch_until`] | `GET {root}/namespaces/ns/{plural}?fieldSelector=metadata.name%3D{name}&...&watch=true` |
//!
//! `{root}` is `/api/v1` for core types and `/apis/<group>/<version>` otherwise
//! (see [`crate::path`]).

pub mod discovery;
pub mod meta;
pub mod namespace;
pub mod pod;
pub mod rbac;
pub mod review;
pub mod secret;
pub mod serviceaccount;
pub mod token;
pub mod watch;

use std::marker::PhantomData;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::client::{Client, Request};
use crate::error::{Error, Result};
use crate::path::{Path, Resource};
use meta::{List, ObjectMeta, Status};

/// A Kubernetes object type rawkube can address: where it lives and what it is called.
pub trait TypedResource: Serialize + DeserializeOwned {
    /// API group, `""` for core.
    const GROUP: &'static str;
    /// API version, e.g. `v1`.
    const VERSION: &'static str;
    /// Kind, e.g. `ServiceAccount`.
    const KIND: &'static str;
    /// Plural resource name used in URLs, e.g. `serviceaccounts`.
    const PLURAL: &'static str;
    /// Whether objects live in a namespace.
    const NAMESPACED: bool;

    /// The object's metadata.
    fn metadata(&self) -> &ObjectMeta;

    /// The URL builder for this type.
    fn resource() -> Resource {
        if Self::NAMESPACED {
            Resource::namespaced(Self::GROUP, Self::VERSION, Self::PLURAL)
        } else {
            Resource::cluster(Self::GROUP, Self::VERSION, Self::PLURAL)
        }
    }

    /// `apiVersion` of this type: `v1` or `group/version`.
    fn api_version() -> String {
        Self::resource().api_version()
    }
}

/// Options for writes (`create`, `update`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PostParams {
    /// `?dryRun=All`: validate without persisting.
    pub dry_run: bool,
    /// `?fieldManager=`: the name recorded as owner of the written fields.
    pub field_manager: Option<String>,
}

impl PostParams {
    fn apply(&self, mut path: Path) -> Path {
        if self.dry_run {
            path = path.dry_run();
        }
        if let Some(m) = &self.field_manager {
            path = path.field_manager(m);
        }
        path
    }
}

/// Options for `list`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ListParams {
    /// `?labelSelector=`, e.g. `app=web`.
    pub label_selector: Option<String>,
    /// `?fieldSelector=`, e.g. `metadata.name=x`.
    pub field_selector: Option<String>,
    /// `?limit=`: page size.
    pub limit: Option<u32>,
    /// `?continue=`: token from the previous page's `metadata.continue`.
    pub continue_token: Option<String>,
}

impl ListParams {
    fn apply(&self, mut path: Path) -> Path {
        if let Some(s) = &self.label_selector {
            path = path.label_selector(s);
        }
        if let Some(s) = &self.field_selector {
            path = path.field_selector(s);
        }
        if let Some(n) = self.limit {
            path = path.limit(n);
        }
        if let Some(t) = &self.continue_token {
            path = path.continue_token(t);
        }
        path
    }
}

/// Options for `delete`, sent as a `DeleteOptions` body (as kubectl does) and `?dryRun=All`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DeleteParams {
    /// `Background` (kubectl's choice), `Foreground` or `Orphan`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub propagation_policy: Option<String>,
    /// Delete only if the object still has this uid / resourceVersion (else 409 Conflict).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub preconditions: Option<Preconditions>,
    /// `?dryRun=All`: check, delete nothing.
    #[serde(skip)]
    pub dry_run: bool,
}

/// `DeleteOptions.preconditions`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Preconditions {
    /// Required uid.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uid: Option<String>,
    /// Required resourceVersion.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource_version: Option<String>,
}

/// What a DELETE returned: some types answer with the deleted object
/// (ServiceAccount, Pod), others with a `Status` (Secret, Role, RoleBinding).
#[derive(Clone, Debug, PartialEq)]
pub enum Deleted<K> {
    /// The object as it was when deleted.
    Object(Box<K>),
    /// A `Status` with `status: Success` and the object's name/uid in `details`.
    Status(Box<Status>),
}

/// Typed calls for resource `K`, bound to one namespace (or to none).
pub struct Api<K> {
    client: Client,
    namespace: String,
    _kind: PhantomData<fn() -> K>,
}

// By hand: derived impls would needlessly require `K: Clone` / `K: Debug`.
impl<K> Clone for Api<K> {
    fn clone(&self) -> Self {
        Api {
            client: self.client.clone(),
            namespace: self.namespace.clone(),
            _kind: PhantomData,
        }
    }
}

impl<K: TypedResource> std::fmt::Debug for Api<K> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Api")
            .field("kind", &K::KIND)
            .field("namespace", &self.namespace)
            .field("server", &self.client.server())
            .finish()
    }
}

impl<K: TypedResource> Api<K> {
    /// Calls in `namespace` (for cluster-scoped types the namespace is ignored).
    pub fn namespaced(client: &Client, namespace: &str) -> Self {
        Api {
            client: client.clone(),
            namespace: namespace.into(),
            _kind: PhantomData,
        }
    }

    /// Calls in the client's default namespace (from the kubeconfig context).
    pub fn default_namespaced(client: &Client) -> Self {
        Api::namespaced(client, client.default_namespace())
    }

    /// Cluster-scoped types, and lists across all namespaces.
    pub fn all(client: &Client) -> Self {
        Api::namespaced(client, "")
    }

    /// The namespace these calls use (`""` for none).
    pub fn namespace(&self) -> &str {
        &self.namespace
    }

    /// The collection path, e.g. `/api/v1/namespaces/default/serviceaccounts`.
    pub fn collection_path(&self) -> Path {
        K::resource().collection(&self.namespace)
    }

    /// One object's path, e.g. `/api/v1/namespaces/default/serviceaccounts/x`.
    pub fn item_path(&self, name: &str) -> Path {
        K::resource().item(&self.namespace, name)
    }

    /// `POST` the object to the collection; the server answers 201 with the stored object.
    /// `kind` and `apiVersion` are filled in if the object leaves them empty.
    pub async fn create(&self, obj: &K, params: &PostParams) -> Result<K> {
        let body = with_type_meta::<K>(obj)?;
        let req = Request::post(params.apply(self.collection_path()), &body)?;
        self.client.request(req).await
    }

    /// `GET` one object by name.
    pub async fn get(&self, name: &str) -> Result<K> {
        self.client
            .request(Request::get(self.item_path(name)))
            .await
    }

    /// `GET` the collection (one page if `params.limit` is set).
    pub async fn list(&self, params: &ListParams) -> Result<List<K>> {
        let req = Request::get(params.apply(self.collection_path()));
        self.client.request(req).await
    }

    /// `PUT` the whole object at its `metadata.name`. With `metadata.resourceVersion`
    /// set, the server rejects the write with 409 Conflict if the object changed since.
    pub async fn update(&self, obj: &K, params: &PostParams) -> Result<K> {
        let name = &obj.metadata().name;
        if name.is_empty() {
            return Err(Error::InvalidRequest(format!(
                "update of a {} needs metadata.name",
                K::KIND
            )));
        }
        let body = with_type_meta::<K>(obj)?;
        let req = Request::put(params.apply(self.item_path(name)), &body)?;
        self.client.request(req).await
    }

    /// `DELETE` one object by name, with no body (the server's defaults apply).
    pub async fn delete(&self, name: &str) -> Result<Deleted<K>> {
        self.delete_with(name, &DeleteParams::default()).await
    }

    /// `DELETE` one object by name with options, e.g. kubectl's
    /// `{"propagationPolicy":"Background"}` body or uid preconditions.
    pub async fn delete_with(&self, name: &str, params: &DeleteParams) -> Result<Deleted<K>> {
        let mut path = self.item_path(name);
        if params.dry_run {
            path = path.dry_run();
        }
        let has_body = params.propagation_policy.is_some() || params.preconditions.is_some();
        let req = if has_body {
            Request::delete_with_body(path, params)?
        } else {
            Request::delete(path)
        };
        let value: serde_json::Value = self.client.request(req.clone()).await?;
        let decode_err = |source| Error::Decode {
            method: "DELETE".into(),
            url: format!("{}{}", self.client.server(), req.path()),
            status: 200,
            source,
        };
        if value.get("kind").and_then(|k| k.as_str()) == Some("Status") {
            let status = serde_json::from_value(value).map_err(decode_err)?;
            Ok(Deleted::Status(Box::new(status)))
        } else {
            let obj = serde_json::from_value(value).map_err(decode_err)?;
            Ok(Deleted::Object(Box::new(obj)))
        }
    }
}

/// The object as JSON with `kind`/`apiVersion` set: the server needs them on
/// writes, and forgetting them is the most common hand-written-request bug.
fn with_type_meta<K: TypedResource>(obj: &K) -> Result<serde_json::Value> {
    let mut value = serde_json::to_value(obj).map_err(Error::Encode)?;
    if let Some(map) = value.as_object_mut() {
        let empty =
            |v: Option<&serde_json::Value>| v.and_then(|v| v.as_str()).is_none_or(str::is_empty);
        // Insert at the front so the body reads like kubectl's: apiVersion, kind, metadata, ...
        let mut front = serde_json::Map::new();
        if empty(map.get("apiVersion")) {
            front.insert("apiVersion".into(), K::api_version().into());
        }
        if empty(map.get("kind")) {
            front.insert("kind".into(), K::KIND.into());
        }
        if !front.is_empty() {
            for (k, v) in std::mem::take(map) {
                if !front.contains_key(&k) {
                    front.insert(k, v);
                }
            }
            *map = front;
        }
    }
    Ok(value)
}

/// Implement [`TypedResource`] for a type with a `metadata: ObjectMeta` field.
macro_rules! typed_resource {
    ($ty:ty, $group:literal, $version:literal, $kind:literal, $plural:literal, $namespaced:literal) => {
        impl $crate::api::TypedResource for $ty {
            const GROUP: &'static str = $group;
            const VERSION: &'static str = $version;
            const KIND: &'static str = $kind;
            const PLURAL: &'static str = $plural;
            const NAMESPACED: bool = $namespaced;
            fn metadata(&self) -> &$crate::api::meta::ObjectMeta {
                &self.metadata
            }
        }
    };
}
pub(crate) use typed_resource;

#[cfg(test)]
mod tests {
    use super::serviceaccount::ServiceAccount;
    use super::*;

    #[test]
    fn type_meta_is_filled_in_front() {
        let sa = ServiceAccount {
            metadata: ObjectMeta::named("x"),
            ..Default::default()
        };
        let v = with_type_meta(&sa).unwrap();
        assert_eq!(
            serde_json::to_string(&v).unwrap(),
            r#"{"apiVersion":"v1","kind":"ServiceAccount","metadata":{"name":"x"}}"#
        );
    }

    #[test]
    fn delete_params_body_like_kubectl() {
        let p = DeleteParams {
            propagation_policy: Some("Background".into()),
            ..Default::default()
        };
        assert_eq!(
            serde_json::to_string(&p).unwrap(),
            r#"{"propagationPolicy":"Background"}"#
        );
        let p = DeleteParams {
            preconditions: Some(Preconditions {
                uid: Some("u-1".into()),
                resource_version: None,
            }),
            dry_run: true,
            ..Default::default()
        };
        assert_eq!(
            serde_json::to_string(&p).unwrap(),
            r#"{"preconditions":{"uid":"u-1"}}"#
        );
    }

    #[test]
    fn params_become_query() {
        let p = PostParams {
            dry_run: true,
            field_manager: Some("rawkube".into()),
        };
        assert_eq!(
            p.apply(Path::raw("/x")).to_string(),
            "/x?dryRun=All&fieldManager=rawkube"
        );
        let l = ListParams {
            label_selector: Some("a=b".into()),
            field_selector: Some("metadata.name=x".into()),
            limit: Some(1),
            continue_token: Some("t".into()),
        };
        assert_eq!(
            l.apply(Path::raw("/x")).to_string(),
            "/x?labelSelector=a%3Db&fieldSelector=metadata.name%3Dx&limit=1&continue=t"
        );
    }
}
