//! Pod (`v1`, namespaced): only metadata and status are modelled, because
//! rawkube lists pods to prove access, it does not run them. `spec` is kept
//! as raw JSON so an update does not drop it.
//!
//! | call | HTTP request |
//! |---|---|
//! | `Api::<Pod>::namespaced(&c, "default").list(&lp)` | `GET /api/v1/namespaces/default/pods` (403 before the RoleBinding, 200 after) |
//! | `.get("web")` | `GET /api/v1/namespaces/default/pods/web` |
//! | `.create(&pod, &p)` | `POST /api/v1/namespaces/default/pods` |
//! | `.update(&pod, &p)` | `PUT /api/v1/namespaces/default/pods/web` |
//! | `.delete("web")` | `DELETE /api/v1/namespaces/default/pods/web` → the deleted Pod |

use serde::{Deserialize, Serialize};

use super::meta::{ObjectMeta, TypeMeta};
use super::typed_resource;

/// `v1/Pod` (metadata and status; spec as raw JSON).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Pod {
    /// `kind`/`apiVersion`.
    #[serde(flatten)]
    pub type_meta: TypeMeta,
    /// Name, namespace, labels, ...
    #[serde(default)]
    pub metadata: ObjectMeta,
    /// The desired state, untouched.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spec: Option<serde_json::Value>,
    /// The observed state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<PodStatus>,
}

typed_resource!(Pod, "", "v1", "Pod", "pods", true);

/// `status` of a Pod: what `kubectl get pods` shows.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PodStatus {
    /// `Pending`, `Running`, `Succeeded`, `Failed`, `Unknown`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub phase: String,
    /// Pod IP.
    #[serde(default, rename = "podIP", skip_serializing_if = "String::is_empty")]
    pub pod_ip: String,
    /// Node IP.
    #[serde(default, rename = "hostIP", skip_serializing_if = "String::is_empty")]
    pub host_ip: String,
    /// When the kubelet acknowledged the pod.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_time: Option<String>,
    /// One entry per container.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub container_statuses: Vec<ContainerStatus>,
    /// `Guaranteed`, `Burstable` or `BestEffort`, set by the server on create.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub qos_class: String,
}

/// One container's status.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContainerStatus {
    /// Container name.
    pub name: String,
    /// Passed its readiness probe.
    #[serde(default)]
    pub ready: bool,
    /// Restart count.
    #[serde(default)]
    pub restart_count: i32,
    /// Image.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub image: String,
    /// The image's ID (digest) as the runtime resolved it. Always written: the API marks it
    /// required, so a Pod read and sent back must keep it.
    #[serde(rename = "imageID", default)]
    pub image_id: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::meta::List;

    #[test]
    fn pod_list_round_trips() {
        let body = r#"{"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":"1007"},"items":[{"metadata":{"name":"nginx-0","namespace":"default"},"spec":{"containers":[{"name":"nginx","image":"nginx"}]},"status":{"phase":"Running","podIP":"10.244.0.5","hostIP":"172.18.0.2","containerStatuses":[{"name":"nginx","ready":true,"restartCount":0,"image":"nginx","imageID":"docker.io/library/nginx@sha256:0123"}]}}]}"#;
        let l: List<Pod> = serde_json::from_str(body).unwrap();
        let st = l.items[0].status.as_ref().unwrap();
        assert_eq!(st.pod_ip, "10.244.0.5");
        assert!(st.container_statuses[0].ready);
        assert_eq!(serde_json::to_string(&l).unwrap(), body);
    }
}
