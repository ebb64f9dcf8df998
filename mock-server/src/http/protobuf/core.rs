//! Core (`v1`) messages.
//!
//! Field numbers: k8s.io/api/core/v1/generated.proto; JSON tags: k8s.io/api/core/v1/types.go.
//! ServiceAccount, Secret, ConfigMap and Namespace are complete. Pod is partial: the tables list
//! the scalar PodSpec/Container fields plus ports, env (without `valueFrom`), volume mounts,
//! tolerations and image pull secrets; any other field that carries data (volumes, probes,
//! resources, securityContext, affinity, ...) makes decoding fail with `UnsupportedField` rather
//! than be dropped silently.

use super::meta::{OBJECT_META, always, omitempty};
use super::schema::{Message, Ty};

pub(crate) static OBJECT_REFERENCE: Message = Message {
    name: "ObjectReference",
    complete: true,
    fields: &[
        omitempty(1, "kind", Ty::Str),
        omitempty(2, "namespace", Ty::Str),
        omitempty(3, "name", Ty::Str),
        omitempty(4, "uid", Ty::Str),
        omitempty(5, "apiVersion", Ty::Str),
        omitempty(6, "resourceVersion", Ty::Str),
        omitempty(7, "fieldPath", Ty::Str),
    ],
};

pub(crate) static LOCAL_OBJECT_REFERENCE: Message = Message {
    name: "LocalObjectReference",
    complete: true,
    fields: &[omitempty(1, "name", Ty::Str)],
};

pub(crate) static SERVICE_ACCOUNT: Message = Message {
    name: "ServiceAccount",
    complete: true,
    fields: &[
        omitempty(1, "metadata", Ty::Msg(&OBJECT_META)),
        omitempty(2, "secrets", Ty::RepMsg(&OBJECT_REFERENCE)),
        omitempty(3, "imagePullSecrets", Ty::RepMsg(&LOCAL_OBJECT_REFERENCE)),
        omitempty(4, "automountServiceAccountToken", Ty::OptBool),
    ],
};

pub(crate) static SECRET: Message = Message {
    name: "Secret",
    complete: true,
    fields: &[
        omitempty(1, "metadata", Ty::Msg(&OBJECT_META)),
        omitempty(5, "immutable", Ty::OptBool),
        omitempty(2, "data", Ty::MapBytes),
        omitempty(4, "stringData", Ty::MapStr),
        omitempty(3, "type", Ty::Str),
    ],
};

pub(crate) static CONFIG_MAP: Message = Message {
    name: "ConfigMap",
    complete: true,
    fields: &[
        omitempty(1, "metadata", Ty::Msg(&OBJECT_META)),
        omitempty(4, "immutable", Ty::OptBool),
        omitempty(2, "data", Ty::MapStr),
        omitempty(3, "binaryData", Ty::MapBytes),
    ],
};

pub(crate) static NAMESPACE_SPEC: Message = Message {
    name: "NamespaceSpec",
    complete: true,
    fields: &[omitempty(1, "finalizers", Ty::RepStr)],
};

pub(crate) static NAMESPACE_CONDITION: Message = Message {
    name: "NamespaceCondition",
    complete: true,
    fields: &[
        always(1, "type", Ty::Str),
        always(2, "status", Ty::Str),
        omitempty(4, "lastTransitionTime", Ty::Time),
        omitempty(5, "reason", Ty::Str),
        omitempty(6, "message", Ty::Str),
    ],
};

pub(crate) static NAMESPACE_STATUS: Message = Message {
    name: "NamespaceStatus",
    complete: true,
    fields: &[
        omitempty(1, "phase", Ty::Str),
        omitempty(2, "conditions", Ty::RepMsg(&NAMESPACE_CONDITION)),
    ],
};

pub(crate) static NAMESPACE: Message = Message {
    name: "Namespace",
    complete: true,
    fields: &[
        omitempty(1, "metadata", Ty::Msg(&OBJECT_META)),
        omitempty(2, "spec", Ty::Msg(&NAMESPACE_SPEC)),
        omitempty(3, "status", Ty::Msg(&NAMESPACE_STATUS)),
    ],
};

pub(crate) static CONTAINER_PORT: Message = Message {
    name: "ContainerPort",
    complete: true,
    fields: &[
        omitempty(1, "name", Ty::Str),
        omitempty(2, "hostPort", Ty::I32),
        always(3, "containerPort", Ty::I32),
        omitempty(4, "protocol", Ty::Str),
        omitempty(5, "hostIP", Ty::Str),
    ],
};

/// Partial: `valueFrom` (3) is not decoded.
pub(crate) static ENV_VAR: Message = Message {
    name: "EnvVar",
    complete: false,
    fields: &[always(1, "name", Ty::Str), omitempty(2, "value", Ty::Str)],
};

pub(crate) static VOLUME_MOUNT: Message = Message {
    name: "VolumeMount",
    complete: true,
    fields: &[
        always(1, "name", Ty::Str),
        omitempty(2, "readOnly", Ty::Bool),
        omitempty(7, "recursiveReadOnly", Ty::OptStr),
        always(3, "mountPath", Ty::Str),
        omitempty(4, "subPath", Ty::Str),
        omitempty(5, "mountPropagation", Ty::OptStr),
        omitempty(6, "subPathExpr", Ty::Str),
    ],
};

pub(crate) static TOLERATION: Message = Message {
    name: "Toleration",
    complete: true,
    fields: &[
        omitempty(1, "key", Ty::Str),
        omitempty(2, "operator", Ty::Str),
        omitempty(3, "value", Ty::Str),
        omitempty(4, "effect", Ty::Str),
        omitempty(5, "tolerationSeconds", Ty::OptI64),
    ],
};

pub(crate) static CONTAINER: Message = Message {
    name: "Container",
    complete: false,
    fields: &[
        always(1, "name", Ty::Str),
        omitempty(2, "image", Ty::Str),
        omitempty(3, "command", Ty::RepStr),
        omitempty(4, "args", Ty::RepStr),
        omitempty(5, "workingDir", Ty::Str),
        omitempty(6, "ports", Ty::RepMsg(&CONTAINER_PORT)),
        omitempty(7, "env", Ty::RepMsg(&ENV_VAR)),
        omitempty(24, "restartPolicy", Ty::OptStr),
        omitempty(9, "volumeMounts", Ty::RepMsg(&VOLUME_MOUNT)),
        omitempty(13, "terminationMessagePath", Ty::Str),
        omitempty(20, "terminationMessagePolicy", Ty::Str),
        omitempty(14, "imagePullPolicy", Ty::Str),
        omitempty(16, "stdin", Ty::Bool),
        omitempty(17, "stdinOnce", Ty::Bool),
        omitempty(18, "tty", Ty::Bool),
    ],
};

pub(crate) static POD_SPEC: Message = Message {
    name: "PodSpec",
    complete: false,
    fields: &[
        omitempty(20, "initContainers", Ty::RepMsg(&CONTAINER)),
        always(2, "containers", Ty::RepMsg(&CONTAINER)),
        omitempty(3, "restartPolicy", Ty::Str),
        omitempty(4, "terminationGracePeriodSeconds", Ty::OptI64),
        omitempty(5, "activeDeadlineSeconds", Ty::OptI64),
        omitempty(6, "dnsPolicy", Ty::Str),
        omitempty(7, "nodeSelector", Ty::MapStr),
        omitempty(8, "serviceAccountName", Ty::Str),
        omitempty(9, "serviceAccount", Ty::Str),
        omitempty(21, "automountServiceAccountToken", Ty::OptBool),
        omitempty(10, "nodeName", Ty::Str),
        omitempty(11, "hostNetwork", Ty::Bool),
        omitempty(12, "hostPID", Ty::Bool),
        omitempty(13, "hostIPC", Ty::Bool),
        omitempty(27, "shareProcessNamespace", Ty::OptBool),
        omitempty(15, "imagePullSecrets", Ty::RepMsg(&LOCAL_OBJECT_REFERENCE)),
        omitempty(16, "hostname", Ty::Str),
        omitempty(17, "subdomain", Ty::Str),
        omitempty(19, "schedulerName", Ty::Str),
        omitempty(22, "tolerations", Ty::RepMsg(&TOLERATION)),
        omitempty(24, "priorityClassName", Ty::Str),
        omitempty(25, "priority", Ty::OptI32),
        omitempty(29, "runtimeClassName", Ty::OptStr),
        omitempty(30, "enableServiceLinks", Ty::OptBool),
        omitempty(31, "preemptionPolicy", Ty::OptStr),
        omitempty(35, "setHostnameAsFQDN", Ty::OptBool),
        omitempty(37, "hostUsers", Ty::OptBool),
    ],
};

pub(crate) static POD_STATUS: Message = Message {
    name: "PodStatus",
    complete: false,
    fields: &[
        omitempty(1, "phase", Ty::Str),
        omitempty(3, "message", Ty::Str),
        omitempty(4, "reason", Ty::Str),
        omitempty(11, "nominatedNodeName", Ty::Str),
        omitempty(5, "hostIP", Ty::Str),
        omitempty(6, "podIP", Ty::Str),
        omitempty(7, "startTime", Ty::Time),
        omitempty(9, "qosClass", Ty::Str),
    ],
};

pub(crate) static POD: Message = Message {
    name: "Pod",
    complete: true,
    fields: &[
        omitempty(1, "metadata", Ty::Msg(&OBJECT_META)),
        omitempty(2, "spec", Ty::Msg(&POD_SPEC)),
        omitempty(3, "status", Ty::Msg(&POD_STATUS)),
    ],
};
