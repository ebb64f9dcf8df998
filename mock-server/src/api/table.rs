//! `meta.k8s.io/v1` `Table` conversion, as kube-apiserver answers `Accept: application/json;as=Table;v=v1;g=meta.k8s.io`.
//!
//! Sources: `pkg/printers/internalversion/printers.go` (column definitions and cells for pods,
//! serviceaccounts, secrets, configmaps, namespaces, rolebindings, clusterrolebindings; the
//! server always generates the wide cells, `pkg/printers/storage`), `apiserver/pkg/registry/rest/table.go`
//! (the default `Name`/`Created At` convertor that roles and clusterroles use),
//! `apiserver/pkg/endpoints/handlers/response.go` `asTable` (`includeObject`),
//! `apimachinery/pkg/util/duration` (`HumanDuration`). Column descriptions are the Go types'
//! `SwaggerDoc()` texts, copied from the official OpenAPI v3 documents (release-1.35).

use std::time::SystemTime;

use serde_json::{Map, Value, json};

use crate::api::status::Status;

/// What each row's `object` holds (`?includeObject=`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum IncludeObject {
    /// `object: null`.
    None,
    /// A `PartialObjectMetadata` with the object's `metadata` (the default).
    #[default]
    Metadata,
    /// The whole object, with `kind` and `apiVersion`.
    Object,
}

impl IncludeObject {
    /// Parses the `includeObject` query value; empty means `Metadata`. Anything else is the
    /// server's 400 `unrecognized includeObject value: "x"`.
    pub fn from_query(value: Option<&str>) -> Result<IncludeObject, Status> {
        match value.unwrap_or("") {
            "" | "Metadata" => Ok(IncludeObject::Metadata),
            "None" => Ok(IncludeObject::None),
            "Object" => Ok(IncludeObject::Object),
            other => Err(Status::bad_request(format!(
                "unrecognized includeObject value: {}",
                crate::api::status::go_quote(other)
            ))),
        }
    }
}

const NAME_DESC: &str = "Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names";
const CREATED_DESC: &str = "CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata";
const POD_IP_DESC: &str = "podIP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.";
const NODE_NAME_DESC: &str = "NodeName indicates in which node this pod is scheduled. If empty, this pod is a candidate for scheduling by the scheduler defined in schedulerName. Once this field is set, the kubelet for this node becomes responsible for the lifecycle of this pod. This field should not be used to express a desire for the pod to be scheduled on a specific node. https://kubernetes.io/docs/concepts/scheduling-eviction/assign-pod-node/#nodename";
const NOMINATED_DESC: &str = "nominatedNodeName is set only when this pod preempts other pods on the node, but it cannot be scheduled right away as preemption victims receive their graceful termination periods. This field does not guarantee that the pod will be scheduled on this node. Scheduler may decide to place the pod elsewhere if other nodes become available sooner. Scheduler may also decide to give the resources on this node to a higher priority pod that is created after preemption. As a result, this field may be different than PodSpec.nodeName when the pod is scheduled.";
const READINESS_GATES_DESC: &str = "If specified, all readiness gates will be evaluated for pod readiness. A pod is ready when all its containers are ready AND all conditions specified in the readiness gates have status equal to \"True\" More info: https://git.k8s.io/enhancements/keps/sig-network/580-pod-readiness-gates";
const SECRET_TYPE_DESC: &str = "Used to facilitate programmatic handling of secret data. More info: https://kubernetes.io/docs/concepts/configuration/secret/#secret-types";
const SECRET_DATA_DESC: &str = "Data contains the secret data. Each key must consist of alphanumeric characters, '-', '_' or '.'. The serialized form of the secret data is a base64 encoded string, representing the arbitrary (possibly non-string) data value here. Described in https://tools.ietf.org/html/rfc4648#section-4";
const SA_SECRETS_DESC: &str = "Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use. Pods are only limited to this list if this service account has a \"kubernetes.io/enforce-mountable-secrets\" annotation set to \"true\". The \"kubernetes.io/enforce-mountable-secrets\" annotation is deprecated since v1.32. Prefer separate namespaces to isolate access to mounted secrets. This field should not be used to find auto-generated service account token secrets for use outside of pods. Instead, tokens can be requested directly using the TokenRequest API, or service account token secrets can be manually created. More info: https://kubernetes.io/docs/concepts/configuration/secret";
const CM_DATA_DESC: &str = "Data contains the configuration data. Each key must consist of alphanumeric characters, '-', '_' or '.'. Values with non-UTF-8 byte sequences must use the BinaryData field. The keys stored in Data must not overlap with the keys in the BinaryData field, this is enforced during validation process.";
// printers.go describes the binding's Role column with the rbac/v1beta1 SwaggerDoc (no "immutable" sentence).
const RB_ROLE_DESC: &str = "RoleRef can reference a Role in the current namespace or a ClusterRole in the global namespace. If the RoleRef cannot be resolved, the Authorizer must return an error.";
const CRB_ROLE_DESC: &str = "RoleRef can only reference a ClusterRole in the global namespace. If the RoleRef cannot be resolved, the Authorizer must return an error.";

fn col(name: &str, ty: &str, format: &str, description: &str, priority: i32) -> Value {
    // TableColumnDefinition: every field without omitempty, in this order.
    json!({"name": name, "type": ty, "format": format, "description": description, "priority": priority})
}

/// The `columnDefinitions` the real server sends for a resource (plural). Resources without a
/// printer (roles, clusterroles, and anything unknown) get the default `Name`, `Created At`.
pub fn columns(resource: &str) -> Vec<Value> {
    let name = || col("Name", "string", "name", NAME_DESC, 0);
    let age = || col("Age", "string", "", CREATED_DESC, 0);
    match resource {
        "pods" => vec![
            name(),
            col(
                "Ready",
                "string",
                "",
                "The aggregate readiness state of this pod for accepting traffic.",
                0,
            ),
            col(
                "Status",
                "string",
                "",
                "The aggregate status of the containers in this pod.",
                0,
            ),
            col(
                "Restarts",
                "string",
                "",
                "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.",
                0,
            ),
            age(),
            col("IP", "string", "", POD_IP_DESC, 1),
            col("Node", "string", "", NODE_NAME_DESC, 1),
            col("Nominated Node", "string", "", NOMINATED_DESC, 1),
            col("Readiness Gates", "string", "", READINESS_GATES_DESC, 1),
        ],
        "serviceaccounts" => vec![
            name(),
            col("Secrets", "string", "", SA_SECRETS_DESC, 0),
            age(),
        ],
        "secrets" => vec![
            name(),
            col("Type", "string", "", SECRET_TYPE_DESC, 0),
            col("Data", "string", "", SECRET_DATA_DESC, 0),
            age(),
        ],
        "configmaps" => vec![name(), col("Data", "string", "", CM_DATA_DESC, 0), age()],
        "namespaces" => vec![
            name(),
            col("Status", "string", "", "The status of the namespace", 0),
            age(),
        ],
        "rolebindings" | "clusterrolebindings" => {
            let (role_desc, what) = if resource == "rolebindings" {
                (RB_ROLE_DESC, "roleBinding")
            } else {
                (CRB_ROLE_DESC, "clusterRoleBinding")
            };
            vec![
                name(),
                col("Role", "string", "", role_desc, 0),
                age(),
                col("Users", "string", "", &format!("Users in the {what}"), 1),
                col("Groups", "string", "", &format!("Groups in the {what}"), 1),
                col(
                    "ServiceAccounts",
                    "string",
                    "",
                    &format!("ServiceAccounts in the {what}"),
                    1,
                ),
            ]
        }
        _ => vec![name(), col("Created At", "date", "", CREATED_DESC, 0)],
    }
}

/// Whether the resource uses the default convertor, whose `rows` is `null` for an empty list
/// (it appends to a nil slice), where the printers return `[]`.
fn uses_default_convertor(resource: &str) -> bool {
    !matches!(
        resource,
        "pods"
            | "serviceaccounts"
            | "secrets"
            | "configmaps"
            | "namespaces"
            | "rolebindings"
            | "clusterrolebindings"
    )
}

/// A list as a Table: `items` are the list's objects, `list_meta` its `metadata` (its
/// `resourceVersion`, `continue` and `remainingItemCount` are carried over), `now` the clock for
/// the Age cells.
pub fn to_table(
    resource: &str,
    items: &[Value],
    list_meta: &Value,
    include: IncludeObject,
    now: SystemTime,
) -> Value {
    let rows: Vec<Value> = items
        .iter()
        .map(|o| row(resource, o, include, now))
        .collect();
    let rows = if rows.is_empty() && uses_default_convertor(resource) {
        Value::Null
    } else {
        Value::Array(rows)
    };
    let mut meta = Map::new();
    for key in ["resourceVersion", "continue"] {
        if let Some(v) = list_meta
            .get(key)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
        {
            meta.insert(key.into(), Value::from(v));
        }
    }
    if let Some(n) = list_meta
        .get("remainingItemCount")
        .filter(|v| v.is_number())
    {
        meta.insert("remainingItemCount".into(), n.clone());
    }
    table(resource, meta, rows)
}

/// One object (a GET by name) as a Table; `metadata.resourceVersion` is the object's.
pub fn object_to_table(
    resource: &str,
    obj: &Value,
    include: IncludeObject,
    now: SystemTime,
) -> Value {
    let mut meta = Map::new();
    if let Some(rv) = obj
        .pointer("/metadata/resourceVersion")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
    {
        meta.insert("resourceVersion".into(), Value::from(rv));
    }
    table(
        resource,
        meta,
        Value::Array(vec![row(resource, obj, include, now)]),
    )
}

/// Drops the columns a server of minor version `minor` no longer prints: the ServiceAccount
/// printer lost its SECRETS column in 1.35 (kubernetes/kubernetes#117160, "`kubectl get` and
/// `kubectl describe` human-readable output no longer includes counts for referenced tokens
/// and secrets", CHANGELOG-1.35.md, v1.35.0-alpha.1). Works on a Table whose
/// `columnDefinitions` were left out (later watch events) too.
pub fn for_server_minor(table: &mut Value, resource: &str, minor: u32) {
    if resource != "serviceaccounts" || minor < 35 {
        return;
    }
    let Some(index) = columns(resource)
        .iter()
        .position(|c| c["name"] == "Secrets")
    else {
        return;
    };
    if let Some(cols) = table
        .get_mut("columnDefinitions")
        .and_then(Value::as_array_mut)
        .filter(|c| c.len() > index)
    {
        cols.remove(index);
    }
    for row in table
        .get_mut("rows")
        .and_then(Value::as_array_mut)
        .into_iter()
        .flatten()
    {
        if let Some(cells) = row.get_mut("cells").and_then(Value::as_array_mut)
            && cells.len() > index
        {
            cells.remove(index);
        }
    }
}

fn table(resource: &str, meta: Map<String, Value>, rows: Value) -> Value {
    let mut t = Map::new();
    t.insert("kind".into(), Value::from("Table"));
    t.insert("apiVersion".into(), Value::from("meta.k8s.io/v1"));
    t.insert("metadata".into(), Value::Object(meta));
    t.insert("columnDefinitions".into(), Value::Array(columns(resource)));
    t.insert("rows".into(), rows);
    Value::Object(t)
}

fn row(resource: &str, obj: &Value, include: IncludeObject, now: SystemTime) -> Value {
    let (cells, conditions) = cells(resource, obj, now);
    let mut r = Map::new();
    r.insert("cells".into(), Value::Array(cells));
    if let Some(c) = conditions {
        r.insert("conditions".into(), c);
    }
    let object = match include {
        IncludeObject::None => Value::Null,
        IncludeObject::Metadata => json!({
            "kind": "PartialObjectMetadata",
            "apiVersion": "meta.k8s.io/v1",
            "metadata": go_order_metadata(obj.get("metadata").unwrap_or(&Value::Null)),
        }),
        IncludeObject::Object => with_type_meta(resource, obj),
    };
    r.insert("object".into(), object);
    Value::Object(r)
}

/// `ObjectMeta` keys in Go's struct order (what the real encoder writes); other keys follow.
pub fn go_order_metadata(meta: &Value) -> Value {
    let Some(m) = meta.as_object() else {
        return Value::Object(Map::new());
    };
    let mut out = Map::new();
    for &k in crate::api::registry::OBJECT_META_FIELDS {
        if let Some(v) = m.get(k) {
            out.insert(k.into(), v.clone());
        }
    }
    for (k, v) in m {
        if !out.contains_key(k) {
            out.insert(k.clone(), v.clone());
        }
    }
    Value::Object(out)
}

fn with_type_meta(resource: &str, obj: &Value) -> Value {
    let (group, kind) = crate::api::validation::kind_of(resource).unwrap_or(("", ""));
    let api_version = if group.is_empty() {
        "v1".to_string()
    } else {
        format!("{group}/v1")
    };
    let mut out = Map::new();
    let kind = obj.get("kind").and_then(Value::as_str).unwrap_or(kind);
    let api_version = obj
        .get("apiVersion")
        .and_then(Value::as_str)
        .unwrap_or(&api_version);
    out.insert("kind".into(), Value::from(kind));
    out.insert("apiVersion".into(), Value::from(api_version));
    if let Some(o) = obj.as_object() {
        for (k, v) in o {
            if k != "kind" && k != "apiVersion" {
                out.insert(k.clone(), v.clone());
            }
        }
    }
    Value::Object(out)
}

// ---------------------------------------------------------------------------------------------
// Cells.
// ---------------------------------------------------------------------------------------------

fn s<'a>(v: &'a Value, ptr: &str) -> &'a str {
    v.pointer(ptr).and_then(Value::as_str).unwrap_or("")
}

fn arr<'a>(v: &'a Value, ptr: &str) -> &'a [Value] {
    v.pointer(ptr)
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

fn count(v: &Value, ptr: &str) -> usize {
    match v.pointer(ptr) {
        Some(Value::Object(m)) => m.len(),
        Some(Value::Array(a)) => a.len(),
        _ => 0,
    }
}

fn cells(resource: &str, obj: &Value, now: SystemTime) -> (Vec<Value>, Option<Value>) {
    let name = Value::from(s(obj, "/metadata/name"));
    let age = || {
        Value::from(translate_timestamp_since(
            obj.pointer("/metadata/creationTimestamp"),
            now,
        ))
    };
    match resource {
        "pods" => pod_cells(obj, now),
        "serviceaccounts" => (vec![name, Value::from(count(obj, "/secrets")), age()], None),
        "secrets" => (
            vec![
                name,
                Value::from(s(obj, "/type")),
                Value::from(count(obj, "/data")),
                age(),
            ],
            None,
        ),
        "configmaps" => (
            vec![
                name,
                Value::from(count(obj, "/data") + count(obj, "/binaryData")),
                age(),
            ],
            None,
        ),
        "namespaces" => (
            vec![name, Value::from(s(obj, "/status/phase")), age()],
            None,
        ),
        "rolebindings" | "clusterrolebindings" => {
            let role = format!("{}/{}", s(obj, "/roleRef/kind"), s(obj, "/roleRef/name"));
            let (mut users, mut groups, mut sas) = (Vec::new(), Vec::new(), Vec::new());
            for sub in arr(obj, "/subjects") {
                let n = s(sub, "/name");
                match s(sub, "/kind") {
                    "ServiceAccount" => sas.push(format!("{}/{n}", s(sub, "/namespace"))),
                    "User" => users.push(n.to_string()),
                    "Group" => groups.push(n.to_string()),
                    _ => {}
                }
            }
            (
                vec![
                    name,
                    Value::from(role),
                    age(),
                    Value::from(users.join(", ")),
                    Value::from(groups.join(", ")),
                    Value::from(sas.join(", ")),
                ],
                None,
            )
        }
        _ => {
            // Default convertor: `creationTimestamp.UTC().Format(time.RFC3339)`; a missing one is Go's zero time.
            let created = parse_time(obj.pointer("/metadata/creationTimestamp"))
                .map(|t| humantime::format_rfc3339_seconds(t).to_string())
                .unwrap_or_else(|| "0001-01-01T00:00:00Z".into());
            (vec![name, Value::from(created)], None)
        }
    }
}

fn parse_time(v: Option<&Value>) -> Option<SystemTime> {
    v.and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .and_then(|s| humantime::parse_rfc3339_weak(s).ok())
}

/// `translateTimestampSince`: `<unknown>` for a missing timestamp, else [`human_duration`] of
/// `now - timestamp`.
pub fn translate_timestamp_since(timestamp: Option<&Value>, now: SystemTime) -> String {
    match parse_time(timestamp) {
        None => "<unknown>".into(),
        Some(t) => human_duration(signed_nanos(t, now)),
    }
}

fn signed_nanos(from: SystemTime, to: SystemTime) -> i128 {
    match to.duration_since(from) {
        Ok(d) => d.as_nanos() as i128,
        Err(e) => -(e.duration().as_nanos() as i128),
    }
}

/// `duration.HumanDuration` of a (possibly negative) duration in nanoseconds: `45s`, `5m`,
/// `5m30s`, `3h`, `2d3h`, `400d`, `3y12d`, `<invalid>` (more than 1 s in the future).
pub fn human_duration(nanos: i128) -> String {
    const S: i128 = 1_000_000_000;
    let seconds = nanos / S; // truncation toward zero, as Go's int(d.Seconds())
    if seconds < -1 {
        return "<invalid>".into();
    } else if seconds < 0 {
        return "0s".into();
    } else if seconds < 60 * 2 {
        return format!("{seconds}s");
    }
    let minutes = nanos / (60 * S);
    if minutes < 10 {
        let sec = seconds % 60;
        return if sec == 0 {
            format!("{minutes}m")
        } else {
            format!("{minutes}m{sec}s")
        };
    } else if minutes < 60 * 3 {
        return format!("{minutes}m");
    }
    let hours = nanos / (3600 * S);
    if hours < 8 {
        let m = minutes % 60;
        if m == 0 {
            format!("{hours}h")
        } else {
            format!("{hours}h{m}m")
        }
    } else if hours < 48 {
        format!("{hours}h")
    } else if hours < 24 * 8 {
        let h = hours % 24;
        if h == 0 {
            format!("{}d", hours / 24)
        } else {
            format!("{}d{h}h", hours / 24)
        }
    } else if hours < 24 * 365 * 2 {
        format!("{}d", hours / 24)
    } else if hours < 24 * 365 * 8 {
        let dy = (hours / 24) % 365;
        if dy == 0 {
            format!("{}y", hours / 24 / 365)
        } else {
            format!("{}y{dy}d", hours / 24 / 365)
        }
    } else {
        format!("{}y", hours / 24 / 365)
    }
}

/// `printPod`: Ready `n/m`, the Status reason, Restarts (with `(X ago)`), Age, then the wide
/// cells IP, Node, Nominated Node, Readiness Gates; plus the row conditions of finished pods.
fn pod_cells(pod: &Value, now: SystemTime) -> (Vec<Value>, Option<Value>) {
    let containers = arr(pod, "/spec/containers");
    let init_containers = arr(pod, "/spec/initContainers");
    let mut total = containers.len();
    let mut ready = 0usize;
    let mut restarts: i64 = 0;
    let mut restartable_restarts: i64 = 0;
    let mut last_restart: Option<SystemTime> = None;
    let mut last_restartable_restart: Option<SystemTime> = None;

    let phase = s(pod, "/status/phase");
    let mut reason = phase.to_string();
    if !s(pod, "/status/reason").is_empty() {
        reason = s(pod, "/status/reason").to_string();
    }
    let conditions = arr(pod, "/status/conditions");
    if conditions
        .iter()
        .any(|c| s(c, "/type") == "PodScheduled" && s(c, "/reason") == "SchedulingGated")
    {
        reason = "SchedulingGated".into();
    }
    let row_conditions = match phase {
        "Succeeded" => Some(
            json!([{"type": "Completed", "status": "True", "reason": "Succeeded", "message": "The pod has completed successfully."}]),
        ),
        "Failed" => Some(
            json!([{"type": "Completed", "status": "True", "reason": "Failed", "message": "The pod failed."}]),
        ),
        _ => None,
    };

    let is_restartable = |name: &str| {
        init_containers
            .iter()
            .any(|c| s(c, "/name") == name && s(c, "/restartPolicy") == "Always")
    };
    total += init_containers
        .iter()
        .filter(|c| s(c, "/restartPolicy") == "Always")
        .count();
    let later = |cur: Option<SystemTime>, cand: Option<SystemTime>| match (cur, cand) {
        (Some(a), Some(b)) if b > a => Some(b),
        (None, Some(b)) => Some(b),
        (a, _) => a,
    };

    let init_statuses = arr(pod, "/status/initContainerStatuses");
    let mut initializing = false;
    for (i, c) in init_statuses.iter().enumerate() {
        let rc = c.get("restartCount").and_then(Value::as_i64).unwrap_or(0);
        restarts += rc;
        let finished = parse_time(c.pointer("/lastState/terminated/finishedAt"));
        if c.pointer("/lastState/terminated")
            .is_some_and(Value::is_object)
        {
            last_restart = later(last_restart, finished);
        }
        let restartable = is_restartable(s(c, "/name"));
        if restartable {
            restartable_restarts += rc;
            if c.pointer("/lastState/terminated")
                .is_some_and(Value::is_object)
            {
                last_restartable_restart = later(last_restartable_restart, finished);
            }
        }
        let terminated = c.pointer("/state/terminated").filter(|v| v.is_object());
        let exit_code = terminated
            .and_then(|t| t.get("exitCode"))
            .and_then(Value::as_i64)
            .unwrap_or(0);
        let waiting_reason = s(c, "/state/waiting/reason");
        if terminated.is_some() && exit_code == 0 {
            continue;
        }
        if restartable && c.get("started") == Some(&Value::Bool(true)) {
            if c.get("ready") == Some(&Value::Bool(true)) {
                ready += 1;
            }
            continue;
        }
        if let Some(t) = terminated {
            let treason = s(t, "/reason");
            let signal = t.get("signal").and_then(Value::as_i64).unwrap_or(0);
            reason = if !treason.is_empty() {
                format!("Init:{treason}")
            } else if signal != 0 {
                format!("Init:Signal:{signal}")
            } else {
                format!("Init:ExitCode:{exit_code}")
            };
        } else if !waiting_reason.is_empty() && waiting_reason != "PodInitializing" {
            reason = format!("Init:{waiting_reason}");
        } else {
            reason = format!("Init:{i}/{}", init_containers.len());
        }
        initializing = true;
        break;
    }

    let initialized = conditions
        .iter()
        .any(|c| s(c, "/type") == "Initialized" && s(c, "/status") == "True");
    if !initializing || initialized {
        restarts = restartable_restarts;
        last_restart = last_restartable_restart;
        let mut has_running = false;
        for c in arr(pod, "/status/containerStatuses").iter().rev() {
            restarts += c.get("restartCount").and_then(Value::as_i64).unwrap_or(0);
            if c.pointer("/lastState/terminated")
                .is_some_and(Value::is_object)
            {
                last_restart = later(
                    last_restart,
                    parse_time(c.pointer("/lastState/terminated/finishedAt")),
                );
            }
            let terminated = c.pointer("/state/terminated").filter(|v| v.is_object());
            let waiting_reason = s(c, "/state/waiting/reason");
            if !waiting_reason.is_empty() {
                reason = waiting_reason.to_string();
            } else if let Some(t) = terminated {
                let treason = s(t, "/reason");
                let signal = t.get("signal").and_then(Value::as_i64).unwrap_or(0);
                let exit_code = t.get("exitCode").and_then(Value::as_i64).unwrap_or(0);
                reason = if !treason.is_empty() {
                    treason.to_string()
                } else if signal != 0 {
                    format!("Signal:{signal}")
                } else {
                    format!("ExitCode:{exit_code}")
                };
            } else if c.get("ready") == Some(&Value::Bool(true))
                && c.pointer("/state/running").is_some_and(Value::is_object)
            {
                has_running = true;
                ready += 1;
            }
        }
        if reason == "Completed" && has_running {
            let pod_ready = conditions
                .iter()
                .any(|c| s(c, "/type") == "Ready" && s(c, "/status") == "True");
            reason = if pod_ready { "Running" } else { "NotReady" }.into();
        }
    }

    let deleting = pod
        .pointer("/metadata/deletionTimestamp")
        .is_some_and(|v| !v.is_null());
    if deleting && s(pod, "/status/reason") == "NodeLost" {
        reason = "Unknown".into();
    } else if deleting && phase != "Failed" && phase != "Succeeded" {
        reason = "Terminating".into();
    }

    let restarts_str = match last_restart {
        Some(t) if restarts != 0 => {
            format!("{restarts} ({} ago)", human_duration(signed_nanos(t, now)))
        }
        _ => restarts.to_string(),
    };

    let mut pod_ip = arr(pod, "/status/podIPs")
        .first()
        .map(|p| s(p, "/ip"))
        .unwrap_or("")
        .to_string();
    if pod_ip.is_empty() {
        // A v1 object may carry only the legacy singular field; conversion fills podIPs from it.
        pod_ip = s(pod, "/status/podIP").to_string();
    }
    let or_none = |v: &str| {
        if v.is_empty() {
            "<none>".to_string()
        } else {
            v.to_string()
        }
    };
    let gates = arr(pod, "/spec/readinessGates");
    let readiness_gates = if gates.is_empty() {
        "<none>".to_string()
    } else {
        let true_count = gates
            .iter()
            .filter(|g| {
                conditions
                    .iter()
                    .find(|c| s(c, "/type") == s(g, "/conditionType"))
                    .is_some_and(|c| s(c, "/status") == "True")
            })
            .count();
        format!("{true_count}/{}", gates.len())
    };

    let cells = vec![
        Value::from(s(pod, "/metadata/name")),
        Value::from(format!("{ready}/{total}")),
        Value::from(reason),
        Value::from(restarts_str),
        Value::from(translate_timestamp_since(
            pod.pointer("/metadata/creationTimestamp"),
            now,
        )),
        Value::from(or_none(&pod_ip)),
        Value::from(or_none(s(pod, "/spec/nodeName"))),
        Value::from(or_none(s(pod, "/status/nominatedNodeName"))),
        Value::from(readiness_gates),
    ];
    (cells, row_conditions)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> SystemTime {
        humantime::parse_rfc3339(s).unwrap()
    }

    const NOW: &str = "2026-11-28T14:00:00Z";

    fn names(t: &Value) -> Vec<(String, i64)> {
        t["columnDefinitions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                (
                    c["name"].as_str().unwrap().to_string(),
                    c["priority"].as_i64().unwrap(),
                )
            })
            .collect()
    }

    #[test]
    fn human_duration_matches_apimachinery() {
        let s = |n: i128| human_duration(n * 1_000_000_000);
        let cases: &[(i128, &str)] = &[
            (1, "1s"),
            (70, "70s"),
            (119, "119s"),
            (120, "2m"),
            (190, "3m10s"),
            (300, "5m"),
            (330, "5m30s"),
            (70 * 60, "70m"),
            (3 * 3600, "3h"),
            (2 * 3600 + 30 * 60, "150m"),
            (3 * 3600 + 30 * 60, "3h30m"),
            (47 * 3600, "47h"),
            (49 * 3600, "2d1h"),
            (72 * 3600, "3d"),
            ((8 * 24 + 2) * 3600, "8d"),
            (367 * 24 * 3600, "367d"),
            ((365 * 2 * 24 + 25) * 3600, "2y1d"),
            (365 * 3 * 24 * 3600, "3y"),
            ((365 * 8 * 24 + 2) * 3600, "8y"),
            (0, "0s"),
            (-2, "<invalid>"),
        ];
        for (secs, want) in cases {
            assert_eq!(s(*secs), *want, "{secs}s");
        }
        // Up to (but excluding) 2 s in the future is "now".
        assert_eq!(human_duration(-1_500_000_000), "0s");
        assert_eq!(
            translate_timestamp_since(Some(&json!("2026-11-28T13:55:00Z")), at(NOW)),
            "5m"
        );
        assert_eq!(translate_timestamp_since(None, at(NOW)), "<unknown>");
    }

    fn pod(name: &str) -> Value {
        json!({"metadata": {"name": name, "namespace": "default", "uid": "u-1", "resourceVersion": "1006",
                            "creationTimestamp": "2026-11-28T13:55:00Z"},
               "spec": {"containers": [{"name": "nginx", "image": "nginx"}], "nodeName": "node-1"},
               "status": {"phase": "Running", "podIP": "10.244.0.5", "podIPs": [{"ip": "10.244.0.5"}],
                          "containerStatuses": [{"name": "nginx", "ready": true, "restartCount": 0,
                                                 "state": {"running": {"startedAt": "2026-11-28T13:55:05Z"}}}]}})
    }

    #[test]
    fn pods_table_has_the_real_columns_and_cells() {
        let t = to_table(
            "pods",
            &[pod("nginx-0"), pod("nginx-1")],
            &json!({"resourceVersion": "1007"}),
            IncludeObject::Metadata,
            at(NOW),
        );
        assert_eq!(
            names(&t),
            [
                ("Name", 0),
                ("Ready", 0),
                ("Status", 0),
                ("Restarts", 0),
                ("Age", 0),
                ("IP", 1),
                ("Node", 1),
                ("Nominated Node", 1),
                ("Readiness Gates", 1)
            ]
            .map(|(n, p)| (n.to_string(), p))
        );
        assert_eq!(t["columnDefinitions"][0]["format"], "name");
        assert_eq!(t["metadata"], json!({"resourceVersion": "1007"}));
        assert_eq!(
            t["rows"][0]["cells"],
            json!([
                "nginx-0",
                "1/1",
                "Running",
                "0",
                "5m",
                "10.244.0.5",
                "node-1",
                "<none>",
                "<none>"
            ])
        );
        assert_eq!(
            t["rows"][1]["object"],
            json!({"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1",
                   "metadata": {"name": "nginx-1", "namespace": "default", "uid": "u-1", "resourceVersion": "1006",
                                "creationTimestamp": "2026-11-28T13:55:00Z"}})
        );
        assert!(t["rows"][0].get("conditions").is_none());
        let empty = to_table(
            "pods",
            &[],
            &json!({"resourceVersion": "1005"}),
            IncludeObject::Metadata,
            at(NOW),
        );
        assert_eq!(empty["rows"], json!([]));
    }

    #[test]
    fn table_bytes_are_in_go_field_order() {
        let sa = json!({"metadata": {"creationTimestamp": "2026-11-28T13:00:00Z", "name": "default", "namespace": "default",
                                     "resourceVersion": "4", "uid": "u"}});
        let t = to_table(
            "serviceaccounts",
            &[sa],
            &json!({"resourceVersion": "5", "continue": ""}),
            IncludeObject::Metadata,
            at(NOW),
        );
        let body = String::from_utf8(crate::api::status::encode_json(&t)).unwrap();
        let expected = format!(
            "{{\"kind\":\"Table\",\"apiVersion\":\"meta.k8s.io/v1\",\"metadata\":{{\"resourceVersion\":\"5\"}},\"columnDefinitions\":[{{\"name\":\"Name\",\"type\":\"string\",\"format\":\"name\",\"description\":\"{NAME_DESC}\",\"priority\":0}},{{\"name\":\"Secrets\",\"type\":\"string\",\"format\":\"\",\"description\":\"{}\",\"priority\":0}},{{\"name\":\"Age\",\"type\":\"string\",\"format\":\"\",\"description\":\"{}\",\"priority\":0}}],\"rows\":[{{\"cells\":[\"default\",0,\"60m\"],\"object\":{{\"kind\":\"PartialObjectMetadata\",\"apiVersion\":\"meta.k8s.io/v1\",\"metadata\":{{\"name\":\"default\",\"namespace\":\"default\",\"uid\":\"u\",\"resourceVersion\":\"4\",\"creationTimestamp\":\"2026-11-28T13:00:00Z\"}}}}}}]}}\n",
            SA_SECRETS_DESC.replace('"', "\\\""),
            CREATED_DESC.replace('\n', "\\n"),
        );
        assert_eq!(body, expected);
    }

    #[test]
    fn secrets_configmaps_namespaces() {
        let now = at(NOW);
        let sec = json!({"metadata": {"name": "tok", "creationTimestamp": "2026-11-26T11:00:00Z"},
                         "type": "kubernetes.io/service-account-token", "data": {"token": "eA==", "ca.crt": "eA==", "namespace": "eA=="}});
        let t = to_table("secrets", &[sec], &json!({}), IncludeObject::Metadata, now);
        assert_eq!(
            names(&t).iter().map(|n| n.0.as_str()).collect::<Vec<_>>(),
            ["Name", "Type", "Data", "Age"]
        );
        assert_eq!(
            t["rows"][0]["cells"],
            json!(["tok", "kubernetes.io/service-account-token", 3, "2d3h"])
        );
        assert_eq!(t["metadata"], json!({}));

        let cm = json!({"metadata": {"name": "kube-root-ca.crt", "creationTimestamp": "2026-11-28T13:59:30Z"},
                        "data": {"ca.crt": "x"}, "binaryData": {"b": "eA=="}});
        let t = to_table(
            "configmaps",
            &[cm],
            &json!({}),
            IncludeObject::Metadata,
            now,
        );
        assert_eq!(
            names(&t).iter().map(|n| n.0.as_str()).collect::<Vec<_>>(),
            ["Name", "Data", "Age"]
        );
        assert_eq!(t["rows"][0]["cells"], json!(["kube-root-ca.crt", 2, "30s"]));

        let ns = json!({"metadata": {"name": "default", "creationTimestamp": "2026-11-28T12:00:00Z"}, "status": {"phase": "Active"}});
        let t = to_table(
            "namespaces",
            &[ns],
            &json!({"resourceVersion": "9"}),
            IncludeObject::None,
            now,
        );
        assert_eq!(
            names(&t).iter().map(|n| n.0.as_str()).collect::<Vec<_>>(),
            ["Name", "Status", "Age"]
        );
        assert_eq!(t["rows"][0]["cells"], json!(["default", "Active", "120m"]));
        assert_eq!(t["rows"][0]["object"], Value::Null);
    }

    #[test]
    fn roles_use_the_default_convertor() {
        let role = json!({"metadata": {"name": "bearertokenauth", "namespace": "default", "creationTimestamp": "2026-11-28T13:00:00Z"},
                          "rules": []});
        let t = to_table(
            "roles",
            std::slice::from_ref(&role),
            &json!({"resourceVersion": "3"}),
            IncludeObject::Metadata,
            at(NOW),
        );
        assert_eq!(
            names(&t),
            [("Name".to_string(), 0), ("Created At".to_string(), 0)]
        );
        assert_eq!(t["columnDefinitions"][1]["type"], "date");
        assert_eq!(
            t["rows"][0]["cells"],
            json!(["bearertokenauth", "2026-11-28T13:00:00Z"])
        );
        // An empty list leaves the nil slice: rows is null (the printers give []).
        let empty = to_table(
            "clusterroles",
            &[],
            &json!({"resourceVersion": "3"}),
            IncludeObject::Metadata,
            at(NOW),
        );
        assert_eq!(empty["rows"], Value::Null);
        let no_ts = to_table(
            "roles",
            &[json!({"metadata": {"name": "x"}})],
            &json!({}),
            IncludeObject::Metadata,
            at(NOW),
        );
        assert_eq!(no_ts["rows"][0]["cells"][1], "0001-01-01T00:00:00Z");
    }

    #[test]
    fn bindings_show_role_and_subjects() {
        let rb = json!({"metadata": {"name": "bearertoken-binding-bearertokenauth", "namespace": "default",
                                     "creationTimestamp": "2026-11-28T13:59:00Z"},
                        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "bearertokenauth"},
                        "subjects": [{"kind": "ServiceAccount", "name": "bearertokenauth", "namespace": "default"},
                                     {"kind": "User", "name": "alice", "apiGroup": "rbac.authorization.k8s.io"},
                                     {"kind": "User", "name": "bob", "apiGroup": "rbac.authorization.k8s.io"},
                                     {"kind": "Group", "name": "devs", "apiGroup": "rbac.authorization.k8s.io"}]});
        let t = to_table(
            "rolebindings",
            &[rb],
            &json!({}),
            IncludeObject::Metadata,
            at(NOW),
        );
        assert_eq!(
            names(&t),
            [
                ("Name", 0),
                ("Role", 0),
                ("Age", 0),
                ("Users", 1),
                ("Groups", 1),
                ("ServiceAccounts", 1)
            ]
            .map(|(n, p)| (n.to_string(), p))
        );
        assert_eq!(
            t["columnDefinitions"][3]["description"],
            "Users in the roleBinding"
        );
        assert_eq!(
            t["rows"][0]["cells"],
            json!([
                "bearertoken-binding-bearertokenauth",
                "Role/bearertokenauth",
                "60s",
                "alice, bob",
                "devs",
                "default/bearertokenauth"
            ])
        );
        let crb = json!({"metadata": {"name": "cluster-admin", "creationTimestamp": "2026-11-28T13:59:00Z"},
                         "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "cluster-admin"},
                         "subjects": [{"kind": "Group", "name": "system:masters", "apiGroup": "rbac.authorization.k8s.io"}]});
        let t = to_table(
            "clusterrolebindings",
            &[crb],
            &json!({}),
            IncludeObject::Metadata,
            at(NOW),
        );
        assert_eq!(
            t["columnDefinitions"][4]["description"],
            "Groups in the clusterRoleBinding"
        );
        assert_eq!(
            t["rows"][0]["cells"],
            json!([
                "cluster-admin",
                "ClusterRole/cluster-admin",
                "60s",
                "",
                "system:masters",
                ""
            ])
        );
    }

    #[test]
    fn include_object_variants_and_single_object() {
        assert_eq!(
            IncludeObject::from_query(None).unwrap(),
            IncludeObject::Metadata
        );
        assert_eq!(
            IncludeObject::from_query(Some("")).unwrap(),
            IncludeObject::Metadata
        );
        assert_eq!(
            IncludeObject::from_query(Some("None")).unwrap(),
            IncludeObject::None
        );
        assert_eq!(
            IncludeObject::from_query(Some("Object")).unwrap(),
            IncludeObject::Object
        );
        let e = IncludeObject::from_query(Some("all")).unwrap_err();
        assert_eq!(
            (e.code(), e.message.as_str()),
            (400, r#"unrecognized includeObject value: "all""#)
        );

        let sa = json!({"metadata": {"name": "x", "resourceVersion": "12", "creationTimestamp": "2026-11-28T13:59:00Z"}});
        let t = object_to_table("serviceaccounts", &sa, IncludeObject::Object, at(NOW));
        assert_eq!(t["metadata"], json!({"resourceVersion": "12"}));
        let obj = &t["rows"][0]["object"];
        assert_eq!(obj["kind"], "ServiceAccount");
        assert_eq!(obj["apiVersion"], "v1");
        assert_eq!(
            obj.as_object().unwrap().keys().take(3).collect::<Vec<_>>(),
            ["kind", "apiVersion", "metadata"]
        );
        let role = json!({"metadata": {"name": "r"}});
        let t = object_to_table("roles", &role, IncludeObject::Object, at(NOW));
        assert_eq!(
            t["rows"][0]["object"]["apiVersion"],
            "rbac.authorization.k8s.io/v1"
        );
        let t = to_table(
            "pods",
            &[pod("p")],
            &json!({"resourceVersion": "1", "continue": "abc", "remainingItemCount": 3}),
            IncludeObject::Metadata,
            at(NOW),
        );
        assert_eq!(
            t["metadata"],
            json!({"resourceVersion": "1", "continue": "abc", "remainingItemCount": 3})
        );
    }

    #[test]
    fn pod_status_reasons() {
        let now = at(NOW);
        let cell = |p: &Value, i: usize| {
            to_table(
                "pods",
                std::slice::from_ref(p),
                &json!({}),
                IncludeObject::None,
                now,
            )["rows"][0]["cells"][i]
                .clone()
        };

        // Crash loop: waiting reason, restarts with the time since the last termination.
        let mut p = pod("c");
        p["status"]["containerStatuses"][0] = json!({"name": "nginx", "ready": false, "restartCount": 3,
            "state": {"waiting": {"reason": "CrashLoopBackOff"}},
            "lastState": {"terminated": {"exitCode": 1, "finishedAt": "2026-11-28T13:58:00Z"}}});
        assert_eq!(cell(&p, 1), "0/1");
        assert_eq!(cell(&p, 2), "CrashLoopBackOff");
        assert_eq!(cell(&p, 3), "3 (2m ago)");

        // Deleting a running pod shows Terminating.
        let mut p = pod("t");
        p["metadata"]["deletionTimestamp"] = json!("2026-11-28T13:59:00Z");
        assert_eq!(cell(&p, 2), "Terminating");

        // A completed pod carries the Completed row condition.
        let mut p = pod("done");
        p["status"] = json!({"phase": "Succeeded", "containerStatuses": [{"name": "nginx", "ready": false, "restartCount": 0,
            "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}}]});
        let t = to_table("pods", &[p], &json!({}), IncludeObject::None, now);
        assert_eq!(t["rows"][0]["cells"][2], "Completed");
        assert_eq!(
            t["rows"][0]["conditions"],
            json!([{"type": "Completed", "status": "True", "reason": "Succeeded", "message": "The pod has completed successfully."}])
        );

        // Init containers: still initializing, and a running sidecar counted in Ready.
        let mut p = pod("i");
        p["spec"]["initContainers"] = json!([{"name": "init", "image": "busybox"}]);
        p["status"] = json!({"phase": "Pending", "initContainerStatuses": [{"name": "init", "ready": false, "restartCount": 0,
            "state": {"running": {}}}]});
        assert_eq!(cell(&p, 2), "Init:0/1");
        let mut p = pod("s");
        p["spec"]["initContainers"] =
            json!([{"name": "side", "image": "envoy", "restartPolicy": "Always"}]);
        p["status"]["initContainerStatuses"] = json!([{"name": "side", "ready": true, "started": true, "restartCount": 0, "state": {"running": {}}}]);
        assert_eq!(cell(&p, 1), "2/2");
        assert_eq!(cell(&p, 2), "Running");

        // Pending pod without IP or node, scheduling gated.
        let p = json!({"metadata": {"name": "g", "creationTimestamp": "2026-11-28T13:59:50Z"}, "spec": {"containers": [{"name": "a"}],
            "readinessGates": [{"conditionType": "x"}]},
            "status": {"phase": "Pending", "conditions": [{"type": "PodScheduled", "status": "False", "reason": "SchedulingGated"}, {"type": "x", "status": "True"}]}});
        let t = to_table("pods", &[p], &json!({}), IncludeObject::None, now);
        assert_eq!(
            t["rows"][0]["cells"],
            json!([
                "g",
                "0/1",
                "SchedulingGated",
                "0",
                "10s",
                "<none>",
                "<none>",
                "<none>",
                "1/1"
            ])
        );
    }
}
