//! Per-kind object validation on create and update, with kube-apiserver's 422 texts, the
//! create-time defaults validation depends on, and `fieldValidation=Strict` unknown-field checks.
//!
//! Sources: `apimachinery/pkg/util/validation/validation.go` (name regexes and their messages),
//! `apimachinery/pkg/api/validation/objectmeta.go` (`ValidateObjectMeta[Update]`),
//! `apimachinery/pkg/api/validation/path/name.go` (path-segment names), `pkg/apis/core/validation/validation.go`
//! (ServiceAccount, Secret, ConfigMap, Namespace, Pod), `pkg/apis/rbac/validation/validation.go`,
//! `pkg/apis/rbac/v1/defaults.go`, `apiserver/pkg/endpoints/handlers/rest.go` (`transformDecodeError`).
//! Known fields for strict decoding come from `known_fields.json`, generated from the official
//! OpenAPI v3 documents by `scripts/gen_known_fields.py`.

use std::collections::HashMap;
use std::sync::OnceLock;

use base64::Engine as _;
use serde_json::{Map, Value};

use crate::api::status::{BadValue, FieldError, RBAC_GROUP, Status, go_quote};

/// `(API group, Kind)` of a stored resource (plural), or `None` if the mock does not know it.
pub fn kind_of(resource: &str) -> Option<(&'static str, &'static str)> {
    Some(match resource {
        "serviceaccounts" => ("", "ServiceAccount"),
        "secrets" => ("", "Secret"),
        "configmaps" => ("", "ConfigMap"),
        "pods" => ("", "Pod"),
        "namespaces" => ("", "Namespace"),
        "roles" => (RBAC_GROUP, "Role"),
        "clusterroles" => (RBAC_GROUP, "ClusterRole"),
        "rolebindings" => (RBAC_GROUP, "RoleBinding"),
        "clusterrolebindings" => (RBAC_GROUP, "ClusterRoleBinding"),
        _ => return None,
    })
}

fn is_namespaced(resource: &str) -> bool {
    !matches!(
        resource,
        "namespaces" | "clusterroles" | "clusterrolebindings"
    )
}

/// Validates `obj` for a create (`old` = `None`) or an update (`old` = the stored object) and
/// returns the real 422 `Invalid` Status on failure. Resources the mock does not know pass.
///
/// Call it as the real store does: after [`prepare_for_create`] (defaults, generated name, namespace
/// from the URL) and, on update, after copying `uid`/`creationTimestamp`/`resourceVersion` from the
/// stored object when the request left them empty.
pub fn validate(resource: &str, obj: &Value, old: Option<&Value>) -> Result<(), Status> {
    let errs = validate_errors(resource, obj, old);
    if errs.is_empty() {
        return Ok(());
    }
    let Some((group, kind)) = kind_of(resource) else {
        return Ok(());
    };
    let name = obj
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or_default();
    Err(Status::invalid(group, kind, name, &errs))
}

/// The field errors [`validate`] reports, in kube-apiserver's order.
pub fn validate_errors(resource: &str, obj: &Value, old: Option<&Value>) -> Vec<FieldError> {
    let mut errs = Vec::new();
    if kind_of(resource).is_none() {
        return errs;
    }
    let namespaced = is_namespaced(resource);
    let meta_update = |errs: &mut Vec<FieldError>| {
        if let Some(old) = old {
            errs.extend(validate_object_meta_update(obj, old));
        }
    };
    match resource {
        // Core kinds: ValidateXUpdate = ValidateObjectMetaUpdate, then the create checks.
        "serviceaccounts" | "configmaps" | "namespaces" | "pods" => {
            meta_update(&mut errs);
            errs.extend(validate_object_meta(resource, obj, namespaced));
            if let (Some(old), "configmaps") = (old, resource) {
                errs.extend(validate_config_map_update(obj, old));
            }
            match resource {
                "configmaps" => errs.extend(validate_config_map(obj)),
                "pods" => errs.extend(validate_pod_spec(obj)),
                _ => {}
            }
        }
        "secrets" => {
            meta_update(&mut errs);
            if let Some(old) = old {
                errs.extend(validate_secret_update(obj, old));
            }
            errs.extend(validate_object_meta(resource, obj, namespaced));
            errs.extend(validate_secret(obj));
        }
        // RBAC kinds: ValidateXUpdate = ValidateX, then ValidateObjectMetaUpdate.
        "roles" | "clusterroles" => {
            errs.extend(validate_object_meta(resource, obj, namespaced));
            for (i, rule) in array(obj, "rules").iter().enumerate() {
                errs.extend(validate_policy_rule(
                    rule,
                    namespaced,
                    &format!("rules[{i}]"),
                ));
            }
            if resource == "clusterroles" {
                errs.extend(validate_aggregation_rule(obj));
            }
            meta_update(&mut errs);
        }
        "rolebindings" | "clusterrolebindings" => {
            errs.extend(validate_object_meta(resource, obj, namespaced));
            errs.extend(validate_binding(obj, namespaced));
            meta_update(&mut errs);
            if let Some(old) = old {
                let new_ref = role_ref(obj);
                if new_ref != role_ref(old) {
                    errs.push(FieldError::invalid(
                        "roleRef",
                        // The internal rbac.RoleRef has no JSON tags.
                        BadValue::Json(serde_json::json!({
                            "APIGroup": new_ref.0, "Kind": new_ref.1, "Name": new_ref.2
                        })),
                        "cannot change roleRef",
                    ));
                }
            }
        }
        _ => {}
    }
    errs
}

/// The name rule of a resource applied to a full name (`prefix = false`): the messages the
/// apiserver prints after `metadata.name: Invalid value: "<name>": `. Empty when valid or unknown.
pub fn validate_name(resource: &str, name: &str) -> Vec<String> {
    name_rule(resource, name, false)
}

/// The name rule applied to a `generateName` prefix (a trailing `-` is masked first).
pub fn validate_generate_name(resource: &str, prefix: &str) -> Vec<String> {
    name_rule(resource, prefix, true)
}

fn name_rule(resource: &str, name: &str, prefix: bool) -> Vec<String> {
    match resource {
        "serviceaccounts" | "secrets" | "configmaps" | "pods" => {
            is_dns1123_subdomain(&mask_trailing_dash(name, prefix))
        }
        "namespaces" => is_dns1123_label(&mask_trailing_dash(name, prefix)),
        // ValidateRBACName ignores `prefix`.
        "roles" | "clusterroles" | "rolebindings" | "clusterrolebindings" => {
            is_valid_path_segment_name(name)
        }
        _ => Vec::new(),
    }
}

/// `maskTrailingDash` of `NameIsDNSSubdomain`/`NameIsDNSLabel` in prefix mode; it really replaces
/// the last *two* characters with `a`.
fn mask_trailing_dash(name: &str, prefix: bool) -> String {
    if prefix && name.len() > 1 && name.ends_with('-') {
        // Both removed bytes are ASCII only if the second to last is; otherwise keep it unmasked
        // rather than split a UTF-8 sequence (such a name is invalid either way).
        match name.get(..name.len() - 2) {
            Some(head) => format!("{head}a"),
            None => name.to_string(),
        }
    } else {
        name.to_string()
    }
}

// ---------------------------------------------------------------------------------------------
// Create-time defaults and strategy preparation.
// ---------------------------------------------------------------------------------------------

/// Applies, in place, what the real server does to a new object before validating it: API
/// defaulting (`roleRef.apiGroup`, subject `apiGroup`, Secret `type: Opaque`), the v1 conversion
/// of Secret `stringData` into `data`, and the strategies' `PrepareForCreate` (ServiceAccount
/// secret references cut to `name`; Namespace `spec.finalizers: [kubernetes]`, `status.phase:
/// Active` and the `kubernetes.io/metadata.name` label).
pub fn prepare_for_create(resource: &str, obj: &mut Value) {
    apply_defaults(resource, obj);
    if resource == "namespaces" {
        let Some(o) = obj.as_object_mut() else { return };
        let spec = o.entry("spec").or_insert_with(|| Value::Object(Map::new()));
        if let Some(spec) = spec.as_object_mut() {
            let fins = spec
                .entry("finalizers")
                .or_insert_with(|| Value::Array(Vec::new()));
            if let Some(fins) = fins.as_array_mut()
                && !fins.iter().any(|f| f == "kubernetes")
            {
                fins.push(Value::from("kubernetes"));
            }
        }
        o.insert("status".into(), serde_json::json!({"phase": "Active"}));
    }
}

/// Defaulting that applies on create *and* update (`SetDefaults_*`, the Secret `stringData`
/// conversion, the namespace name label, ServiceAccount `secrets` cleaning).
pub fn apply_defaults(resource: &str, obj: &mut Value) {
    let Some(o) = obj.as_object_mut() else { return };
    match resource {
        "rolebindings" | "clusterrolebindings" => {
            if let Some(rr) = o.get_mut("roleRef").and_then(Value::as_object_mut)
                && rr
                    .get("apiGroup")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .is_empty()
            {
                rr.insert("apiGroup".into(), Value::from(RBAC_GROUP));
            }
            if let Some(subjects) = o.get_mut("subjects").and_then(Value::as_array_mut) {
                for s in subjects.iter_mut().filter_map(Value::as_object_mut) {
                    let kind = s.get("kind").and_then(Value::as_str).unwrap_or("");
                    let empty = s
                        .get("apiGroup")
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .is_empty();
                    if empty && (kind == "User" || kind == "Group") {
                        s.insert("apiGroup".into(), Value::from(RBAC_GROUP));
                    }
                }
            }
        }
        "secrets" => {
            if o.get("type")
                .and_then(Value::as_str)
                .unwrap_or("")
                .is_empty()
            {
                o.insert("type".into(), Value::from("Opaque"));
            }
            if let Some(Value::Object(sd)) = o.remove("stringData") {
                let data = o.entry("data").or_insert_with(|| Value::Object(Map::new()));
                if !data.is_object() {
                    *data = Value::Object(Map::new());
                }
                if let Some(data) = data.as_object_mut() {
                    for (k, v) in sd {
                        let s = v.as_str().unwrap_or_default();
                        let enc = base64::engine::general_purpose::STANDARD.encode(s.as_bytes());
                        data.insert(k, Value::from(enc));
                    }
                }
            }
        }
        "serviceaccounts" => {
            // cleanSecretReferences: only `name` survives in `secrets[]`.
            if let Some(secrets) = o.get_mut("secrets").and_then(Value::as_array_mut) {
                for s in secrets.iter_mut() {
                    let name = s.get("name").cloned();
                    let mut m = Map::new();
                    if let Some(n) = name {
                        m.insert("name".into(), n);
                    }
                    *s = Value::Object(m);
                }
            }
        }
        "namespaces" => {
            // Since 1.21 every namespace carries its name as an immutable label.
            let name = o
                .get("metadata")
                .and_then(|m| m.get("name"))
                .and_then(Value::as_str)
                .map(str::to_string);
            if let (Some(name), Some(meta)) =
                (name, o.get_mut("metadata").and_then(Value::as_object_mut))
            {
                let labels = meta
                    .entry("labels")
                    .or_insert_with(|| Value::Object(Map::new()));
                if let Some(labels) = labels.as_object_mut() {
                    labels.insert("kubernetes.io/metadata.name".into(), Value::from(name));
                }
            }
        }
        _ => {}
    }
}

// ---------------------------------------------------------------------------------------------
// ObjectMeta.
// ---------------------------------------------------------------------------------------------

fn meta_str<'a>(obj: &'a Value, key: &str) -> &'a str {
    obj.get("metadata")
        .and_then(|m| m.get(key))
        .and_then(Value::as_str)
        .unwrap_or("")
}

fn array<'a>(obj: &'a Value, key: &str) -> &'a [Value] {
    obj.get(key)
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

fn str_list(v: &Value, key: &str) -> Vec<String> {
    array(v, key)
        .iter()
        .map(|s| s.as_str().unwrap_or_default().to_string())
        .collect()
}

/// `ValidateObjectMeta(meta, requiresNamespace, nameFn, "metadata")`.
fn validate_object_meta(resource: &str, obj: &Value, requires_namespace: bool) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let generate_name = meta_str(obj, "generateName");
    let name = meta_str(obj, "name");
    if !generate_name.is_empty() {
        for msg in validate_generate_name(resource, generate_name) {
            errs.push(FieldError::invalid(
                "metadata.generateName",
                generate_name,
                &msg,
            ));
        }
    }
    if name.is_empty() {
        // The store generates the name from generateName before validating; tolerate a caller
        // that validates first.
        if generate_name.is_empty() {
            errs.push(FieldError::required(
                "metadata.name",
                "name or generateName is required",
            ));
        }
    } else {
        for msg in validate_name(resource, name) {
            errs.push(FieldError::invalid("metadata.name", name, &msg));
        }
    }
    let namespace = meta_str(obj, "namespace");
    if requires_namespace {
        if namespace.is_empty() {
            errs.push(FieldError::required("metadata.namespace", ""));
        } else {
            for msg in is_dns1123_label(namespace) {
                errs.push(FieldError::invalid("metadata.namespace", namespace, &msg));
            }
        }
    } else if !namespace.is_empty() {
        errs.push(FieldError::forbidden(
            "metadata.namespace",
            "not allowed on this type",
        ));
    }
    if let Some(g) = obj.pointer("/metadata/generation").and_then(Value::as_i64)
        && g < 0
    {
        errs.push(FieldError::invalid(
            "metadata.generation",
            g,
            "must be greater than or equal to 0",
        ));
    }
    errs.extend(validate_labels(obj));
    errs.extend(validate_annotations(obj));
    errs
}

/// `ValidateObjectMetaUpdate`: a resourceVersion is required (the store fills it for
/// unconditional updates first), generation may not go down, name, namespace and uid may not
/// change, and labels and annotations are validated (again: the kinds' update validation also runs
/// the create checks, so such errors appear twice in `causes`, once in the message).
/// `creationTimestamp` is not compared: `BeforeUpdate` copies it from the stored object.
fn validate_object_meta_update(new: &Value, old: &Value) -> Vec<FieldError> {
    let mut errs = Vec::new();
    if meta_str(new, "resourceVersion").is_empty() {
        errs.push(FieldError::invalid(
            "metadata.resourceVersion",
            "",
            "must be specified for an update",
        ));
    }
    let generation = |v: &Value| {
        v.pointer("/metadata/generation")
            .and_then(Value::as_i64)
            .unwrap_or(0)
    };
    if generation(new) < generation(old) {
        errs.push(FieldError::invalid(
            "metadata.generation",
            generation(new),
            "must not be decremented",
        ));
    }
    for key in ["name", "namespace", "uid"] {
        let (n, o) = (meta_str(new, key), meta_str(old, key));
        if n != o {
            errs.push(FieldError::invalid(
                &format!("metadata.{key}"),
                n,
                FIELD_IMMUTABLE,
            ));
        }
    }
    errs.extend(validate_labels(new));
    errs.extend(validate_annotations(new));
    errs
}

/// `apimachinery/pkg/api/validation.FieldImmutableErrorMsg`.
const FIELD_IMMUTABLE: &str = "field is immutable";

fn validate_labels(obj: &Value) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let Some(labels) = obj.pointer("/metadata/labels").and_then(Value::as_object) else {
        return errs;
    };
    for (k, v) in labels {
        for msg in is_qualified_name(k) {
            errs.push(FieldError::invalid("metadata.labels", k.as_str(), &msg));
        }
        let v = v.as_str().unwrap_or_default();
        for msg in is_label_value(v) {
            errs.push(FieldError::invalid("metadata.labels", v, &msg));
        }
    }
    errs
}

/// `TotalAnnotationSizeLimitB`.
const TOTAL_ANNOTATION_SIZE_LIMIT: usize = 256 * (1 << 10);

fn validate_annotations(obj: &Value) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let Some(ann) = obj
        .pointer("/metadata/annotations")
        .and_then(Value::as_object)
    else {
        return errs;
    };
    let mut total = 0;
    for (k, v) in ann {
        for msg in is_qualified_name(&k.to_lowercase()) {
            errs.push(FieldError::invalid(
                "metadata.annotations",
                k.as_str(),
                &msg,
            ));
        }
        total += k.len() + v.as_str().map_or(0, str::len);
    }
    if total > TOTAL_ANNOTATION_SIZE_LIMIT {
        errs.push(FieldError::too_long(
            "metadata.annotations",
            TOTAL_ANNOTATION_SIZE_LIMIT,
        ));
    }
    errs
}

// ---------------------------------------------------------------------------------------------
// Core kinds.
// ---------------------------------------------------------------------------------------------

/// `core.MaxSecretSize` (also the ConfigMap limit).
const MAX_SECRET_SIZE: usize = 1024 * 1024;

fn decoded_len(v: &Value) -> usize {
    let s = v.as_str().unwrap_or_default();
    base64::engine::general_purpose::STANDARD
        .decode(s)
        .map_or(s.len(), |b| b.len())
}

fn validate_secret(obj: &Value) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let empty = Map::new();
    let data = obj.get("data").and_then(Value::as_object).unwrap_or(&empty);
    let string_data = obj
        .get("stringData")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let mut total = 0;
    // stringData is merged into data by the v1 conversion, so its keys are reported under data.
    for (key, value) in data.iter().chain(string_data.iter()) {
        for msg in is_config_map_key(key) {
            errs.push(FieldError::invalid(
                &format!("data[{key}]"),
                key.as_str(),
                &msg,
            ));
        }
        total += if string_data.contains_key(key) && !data.contains_key(key) {
            value.as_str().map_or(0, str::len)
        } else {
            decoded_len(value)
        };
    }
    if total > MAX_SECRET_SIZE {
        errs.push(FieldError::too_long("data", MAX_SECRET_SIZE));
    }
    let has = |k: &str| data.contains_key(k) || string_data.contains_key(k);
    let ty = obj.get("type").and_then(Value::as_str).unwrap_or("");
    match ty {
        "kubernetes.io/service-account-token" => {
            let sa = obj
                .pointer("/metadata/annotations")
                .and_then(|a| a.get("kubernetes.io/service-account.name"))
                .and_then(Value::as_str)
                .unwrap_or("");
            if sa.is_empty() {
                errs.push(FieldError::required(
                    "metadata.annotations[kubernetes.io/service-account.name]",
                    "",
                ));
            }
        }
        "kubernetes.io/dockercfg" | "kubernetes.io/dockerconfigjson" => {
            let key = if ty == "kubernetes.io/dockercfg" {
                ".dockercfg"
            } else {
                ".dockerconfigjson"
            };
            if !has(key) {
                errs.push(FieldError::required(&format!("data[{key}]"), ""));
            }
        }
        "kubernetes.io/basic-auth" if !has("username") && !has("password") => {
            errs.push(FieldError::required("data[username]", ""));
            errs.push(FieldError::required("data[password]", ""));
        }
        "kubernetes.io/ssh-auth" => {
            let empty_key = data
                .get("ssh-privatekey")
                .is_none_or(|v| decoded_len(v) == 0)
                && string_data
                    .get("ssh-privatekey")
                    .is_none_or(|v| v.as_str().unwrap_or_default().is_empty());
            if empty_key {
                errs.push(FieldError::required("data[ssh-privatekey]", ""));
            }
        }
        "kubernetes.io/tls" => {
            if !has("tls.crt") {
                errs.push(FieldError::required("data[tls.crt]", ""));
            }
            if !has("tls.key") {
                errs.push(FieldError::required("data[tls.key]", ""));
            }
        }
        _ => {}
    }
    errs
}

/// `ValidateSecretUpdate` beyond metadata: `type` is immutable, and so is everything once
/// `immutable: true`.
fn validate_secret_update(new: &Value, old: &Value) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let (nt, ot) = (
        new.get("type").and_then(Value::as_str).unwrap_or(""),
        old.get("type").and_then(Value::as_str).unwrap_or(""),
    );
    if nt != ot {
        errs.push(FieldError::invalid("type", nt, FIELD_IMMUTABLE));
    }
    if old.get("immutable") == Some(&Value::Bool(true)) {
        if new.get("immutable") != Some(&Value::Bool(true)) {
            errs.push(FieldError::forbidden(
                "immutable",
                "field is immutable when `immutable` is set",
            ));
        }
        if new.get("data") != old.get("data") {
            errs.push(FieldError::forbidden(
                "data",
                "field is immutable when `immutable` is set",
            ));
        }
    }
    errs
}

fn validate_config_map(obj: &Value) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let empty = Map::new();
    let data = obj.get("data").and_then(Value::as_object).unwrap_or(&empty);
    let binary = obj
        .get("binaryData")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let mut total = 0;
    for (key, value) in data {
        let f = format!("data[{key}]");
        for msg in is_config_map_key(key) {
            errs.push(FieldError::invalid(&f, key.as_str(), &msg));
        }
        if binary.contains_key(key) {
            errs.push(FieldError::invalid(
                &f,
                key.as_str(),
                "duplicate of key present in binaryData",
            ));
        }
        total += value.as_str().map_or(0, str::len);
    }
    for (key, value) in binary {
        let f = format!("binaryData[{key}]");
        for msg in is_config_map_key(key) {
            errs.push(FieldError::invalid(&f, key.as_str(), &msg));
        }
        if data.contains_key(key) {
            errs.push(FieldError::invalid(
                &f,
                key.as_str(),
                "duplicate of key present in data",
            ));
        }
        total += decoded_len(value);
    }
    if total > MAX_SECRET_SIZE {
        // The real server reports this against the empty path (the whole object).
        errs.push(FieldError::too_long("", MAX_SECRET_SIZE));
    }
    errs
}

/// `ValidateConfigMapUpdate` beyond metadata: nothing may change once `immutable: true`.
fn validate_config_map_update(new: &Value, old: &Value) -> Vec<FieldError> {
    let mut errs = Vec::new();
    if old.get("immutable") == Some(&Value::Bool(true)) {
        const MSG: &str = "field is immutable when `immutable` is set";
        if new.get("immutable") != Some(&Value::Bool(true)) {
            errs.push(FieldError::forbidden("immutable", MSG));
        }
        for key in ["data", "binaryData"] {
            if new.get(key) != old.get(key) {
                errs.push(FieldError::forbidden(key, MSG));
            }
        }
    }
    errs
}

/// The part of `ValidatePodSpec` a stand-in can state exactly without the full defaulting
/// machinery: containers present, container names (DNS-1123 labels, unique) and images.
fn validate_pod_spec(obj: &Value) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let containers = obj
        .pointer("/spec/containers")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[]);
    if containers.is_empty() {
        errs.push(FieldError::required("spec.containers", ""));
        return errs;
    }
    let mut seen: Vec<&str> = Vec::new();
    for (i, c) in containers.iter().enumerate() {
        let name = c.get("name").and_then(Value::as_str).unwrap_or("");
        let name_path = format!("spec.containers[{i}].name");
        if name.is_empty() {
            errs.push(FieldError::required(&name_path, ""));
        } else {
            for msg in is_dns1123_label(name) {
                errs.push(FieldError::invalid(&name_path, name, &msg));
            }
        }
        if c.get("image")
            .and_then(Value::as_str)
            .unwrap_or("")
            .is_empty()
        {
            errs.push(FieldError::required(
                &format!("spec.containers[{i}].image"),
                "",
            ));
        }
        if seen.contains(&name) {
            errs.push(FieldError::duplicate(&name_path, name));
        } else {
            seen.push(name);
        }
    }
    errs
}

// ---------------------------------------------------------------------------------------------
// RBAC.
// ---------------------------------------------------------------------------------------------

/// `ValidatePolicyRule(rule, isNamespaced, path)`.
fn validate_policy_rule(rule: &Value, namespaced: bool, path: &str) -> Vec<FieldError> {
    let mut errs = Vec::new();
    if array(rule, "verbs").is_empty() {
        errs.push(FieldError::required(
            &format!("{path}.verbs"),
            "verbs must contain at least one value",
        ));
    }
    let urls = str_list(rule, "nonResourceURLs");
    if !urls.is_empty() {
        let f = format!("{path}.nonResourceURLs");
        if namespaced {
            errs.push(FieldError::invalid(
                &f,
                BadValue::Json(Value::from(urls.clone())),
                "namespaced rules cannot apply to non-resource URLs",
            ));
        }
        if !array(rule, "apiGroups").is_empty()
            || !array(rule, "resources").is_empty()
            || !array(rule, "resourceNames").is_empty()
        {
            errs.push(FieldError::invalid(
                &f,
                BadValue::Json(Value::from(urls.clone())),
                "rules cannot apply to both regular resources and non-resource URLs",
            ));
        }
        return errs;
    }
    if array(rule, "apiGroups").is_empty() {
        errs.push(FieldError::required(
            &format!("{path}.apiGroups"),
            "resource rules must supply at least one api group",
        ));
    }
    if array(rule, "resources").is_empty() {
        errs.push(FieldError::required(
            &format!("{path}.resources"),
            "resource rules must supply at least one resource",
        ));
    }
    errs
}

/// The structural part of `ValidateClusterRole`'s aggregationRule check.
fn validate_aggregation_rule(obj: &Value) -> Vec<FieldError> {
    let mut errs = Vec::new();
    if let Some(agg) = obj.get("aggregationRule").filter(|v| v.is_object())
        && array(agg, "clusterRoleSelectors").is_empty()
    {
        errs.push(FieldError::required(
            "aggregationRule.clusterRoleSelectors",
            "at least one clusterRoleSelector required if aggregationRule is non-nil",
        ));
    }
    errs
}

fn role_ref(obj: &Value) -> (String, String, String) {
    let get = |k: &str| {
        obj.get("roleRef")
            .and_then(|r| r.get(k))
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    (get("apiGroup"), get("kind"), get("name"))
}

/// `ValidateRoleBinding` / `ValidateClusterRoleBinding` after the metadata.
fn validate_binding(obj: &Value, namespaced: bool) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let (group, kind, name) = role_ref(obj);
    if group != RBAC_GROUP {
        errs.push(FieldError::not_supported(
            "roleRef.apiGroup",
            group,
            &[RBAC_GROUP],
        ));
    }
    let kinds: &[&str] = if namespaced {
        &["Role", "ClusterRole"]
    } else {
        &["ClusterRole"]
    };
    if !kinds.contains(&kind.as_str()) {
        errs.push(FieldError::not_supported("roleRef.kind", kind, kinds));
    }
    if name.is_empty() {
        errs.push(FieldError::required("roleRef.name", ""));
    } else {
        for msg in is_valid_path_segment_name(&name) {
            errs.push(FieldError::invalid("roleRef.name", name.as_str(), &msg));
        }
    }
    for (i, s) in array(obj, "subjects").iter().enumerate() {
        errs.extend(validate_subject(s, namespaced, &format!("subjects[{i}]")));
    }
    errs
}

/// `ValidateRoleBindingSubject(subject, isNamespaced, path)`.
fn validate_subject(s: &Value, namespaced: bool, path: &str) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let get = |k: &str| s.get(k).and_then(Value::as_str).unwrap_or("");
    let (kind, name, group, ns) = (get("kind"), get("name"), get("apiGroup"), get("namespace"));
    if name.is_empty() {
        errs.push(FieldError::required(&format!("{path}.name"), ""));
    }
    match kind {
        "ServiceAccount" => {
            if !name.is_empty() {
                for msg in is_dns1123_subdomain(name) {
                    errs.push(FieldError::invalid(&format!("{path}.name"), name, &msg));
                }
            }
            if !group.is_empty() {
                errs.push(FieldError::not_supported(
                    &format!("{path}.apiGroup"),
                    group,
                    &[""],
                ));
            }
            if !namespaced && ns.is_empty() {
                errs.push(FieldError::required(&format!("{path}.namespace"), ""));
            }
        }
        "User" | "Group" => {
            if group != RBAC_GROUP {
                errs.push(FieldError::not_supported(
                    &format!("{path}.apiGroup"),
                    group,
                    &[RBAC_GROUP],
                ));
            }
        }
        _ => errs.push(FieldError::not_supported(
            &format!("{path}.kind"),
            kind,
            &["ServiceAccount", "User", "Group"],
        )),
    }
    errs
}

// ---------------------------------------------------------------------------------------------
// Name and key rules (`apimachinery/pkg/util/validation/validation.go`), hand-written matchers
// for the regexes quoted in the messages.
// ---------------------------------------------------------------------------------------------

const DNS1123_LABEL_FMT: &str = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
const DNS1123_LABEL_ERR: &str = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character";
const DNS1123_SUBDOMAIN_FMT: &str =
    "[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*";
const DNS1123_SUBDOMAIN_ERR: &str = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";
const QUALIFIED_NAME_FMT: &str = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";
const QUALIFIED_NAME_ERR: &str = "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const LABEL_VALUE_FMT: &str = "(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?";
const LABEL_VALUE_ERR: &str = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const CONFIG_MAP_KEY_FMT: &str = "[-._a-zA-Z0-9]+";
const CONFIG_MAP_KEY_ERR: &str =
    "a valid config key must consist of alphanumeric characters, '-', '_' or '.'";

/// `RegexError(msg, fmt, examples...)`, including Go's double space between examples.
fn regex_error(msg: &str, fmt: &str, examples: &[&str]) -> String {
    if examples.is_empty() {
        return format!("{msg} (regex used for validation is '{fmt}')");
    }
    let mut s = format!("{msg} (e.g. ");
    for (i, e) in examples.iter().enumerate() {
        if i > 0 {
            s.push_str(" or ");
        }
        s.push_str(&format!("'{e}', "));
    }
    s.push_str(&format!("regex used for validation is '{fmt}')"));
    s
}

fn max_len_error(n: usize) -> String {
    format!("must be no more than {n} characters")
}

fn matches_dns_label(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
        && b[0] != b'-'
        && b[b.len() - 1] != b'-'
}

fn matches_dns_subdomain(s: &str) -> bool {
    s.split('.').all(matches_dns_label)
}

fn matches_qualified_name_part(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.iter()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.'))
        && b[0].is_ascii_alphanumeric()
        && b[b.len() - 1].is_ascii_alphanumeric()
}

/// `IsDNS1123Label`: the messages for an invalid RFC 1123 label (max 63).
pub fn is_dns1123_label(value: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if value.len() > 63 {
        errs.push(max_len_error(63));
    }
    if !matches_dns_label(value) {
        if matches_dns_subdomain(value) {
            errs.push("must not contain dots".into());
        } else {
            errs.push(regex_error(
                DNS1123_LABEL_ERR,
                DNS1123_LABEL_FMT,
                &["my-name", "123-abc"],
            ));
        }
    }
    errs
}

/// `IsDNS1123Subdomain`: the messages for an invalid RFC 1123 subdomain (max 253).
pub fn is_dns1123_subdomain(value: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if value.len() > 253 {
        errs.push(max_len_error(253));
    }
    if !matches_dns_subdomain(value) {
        errs.push(regex_error(
            DNS1123_SUBDOMAIN_ERR,
            DNS1123_SUBDOMAIN_FMT,
            &["example.com"],
        ));
    }
    errs
}

/// `IsQualifiedName` (label and annotation keys: optional DNS-subdomain prefix and `/`).
pub fn is_qualified_name(value: &str) -> Vec<String> {
    let mut errs = Vec::new();
    let parts: Vec<&str> = value.split('/').collect();
    let examples = ["MyName", "my.name", "123-abc"];
    let name = match parts.as_slice() {
        [name] => *name,
        [prefix, name] => {
            if prefix.is_empty() {
                errs.push("prefix part must be non-empty".into());
            } else {
                for m in is_dns1123_subdomain(prefix) {
                    errs.push(format!("prefix part {m}"));
                }
            }
            *name
        }
        _ => {
            errs.push(format!(
                "a valid label key {} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
                regex_error(QUALIFIED_NAME_ERR, QUALIFIED_NAME_FMT, &examples)
            ));
            return errs;
        }
    };
    if name.is_empty() {
        errs.push("name part must be non-empty".into());
    } else if name.len() > 63 {
        errs.push(format!("name part {}", max_len_error(63)));
    }
    if !matches_qualified_name_part(name) {
        errs.push(format!(
            "name part {}",
            regex_error(QUALIFIED_NAME_ERR, QUALIFIED_NAME_FMT, &examples)
        ));
    }
    errs
}

/// `IsValidLabelValue` (empty allowed, max 63).
pub fn is_label_value(value: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if value.len() > 63 {
        errs.push(max_len_error(63));
    }
    if !value.is_empty() && !matches_qualified_name_part(value) {
        errs.push(regex_error(
            LABEL_VALUE_ERR,
            LABEL_VALUE_FMT,
            &["MyValue", "my_value", "12345"],
        ));
    }
    errs
}

/// `IsConfigMapKey` (Secret and ConfigMap data keys).
pub fn is_config_map_key(value: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if value.len() > 253 {
        errs.push(max_len_error(253));
    }
    let ok = !value.is_empty()
        && value
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'.' | b'_'));
    if !ok {
        errs.push(regex_error(
            CONFIG_MAP_KEY_ERR,
            CONFIG_MAP_KEY_FMT,
            &["key.name", "KEY_NAME", "key-name"],
        ));
    }
    match value {
        "." => errs.push("must not be '.'".into()),
        ".." => errs.push("must not be '..'".into()),
        v if v.starts_with("..") => errs.push("must not start with '..'".into()),
        _ => {}
    }
    errs
}

/// `path.IsValidPathSegmentName` (RBAC object names, `roleRef.name`, and every name in a URL).
pub fn is_valid_path_segment_name(name: &str) -> Vec<String> {
    if name == "." || name == ".." {
        return vec![format!("may not be '{name}'")];
    }
    let mut errs = Vec::new();
    for bad in ["/", "%"] {
        if name.contains(bad) {
            errs.push(format!("may not contain '{bad}'"));
        }
    }
    errs
}

// ---------------------------------------------------------------------------------------------
// fieldSelector labels.
// ---------------------------------------------------------------------------------------------

/// The 400 a list or watch gets for a `fieldSelector` field the kind does not support, or `None`
/// when it is supported. Kinds with their own conversion function (`pkg/apis/core/v1/conversion.go`:
/// pods, secrets, namespaces) say `field label not supported: <label>`; the others use
/// `runtime.DefaultMetaV1FieldSelectorConversion`: `"<label>" is not a known field selector: only
/// "metadata.name", "metadata.namespace"`.
pub fn field_selector_label_error(resource: &str, label: &str) -> Option<Status> {
    let supported: &[&str] = match resource {
        "pods" => &[
            "metadata.name",
            "metadata.namespace",
            "spec.nodeName",
            "spec.restartPolicy",
            "spec.schedulerName",
            "spec.serviceAccountName",
            "spec.hostNetwork",
            "status.phase",
            "status.podIP",
            "status.podIPs",
            "status.nominatedNodeName",
        ],
        "secrets" => &["type", "metadata.namespace", "metadata.name"],
        "namespaces" => &["status.phase", "metadata.name"],
        _ => {
            return match label {
                "metadata.name" | "metadata.namespace" => None,
                _ => Some(Status::bad_request(format!(
                    "{} is not a known field selector: only \"metadata.name\", \"metadata.namespace\"",
                    go_quote(label)
                ))),
            };
        }
    };
    if supported.contains(&label) {
        None
    } else {
        Some(Status::bad_request(format!(
            "field label not supported: {label}"
        )))
    }
}

// ---------------------------------------------------------------------------------------------
// fieldValidation=Strict: unknown fields.
// ---------------------------------------------------------------------------------------------

struct KnownFields {
    roots: HashMap<String, String>,
    schemas: HashMap<String, HashMap<String, String>>,
}

/// The generated table (official OpenAPI v3, release-1.35; see `scripts/gen_known_fields.py`).
const KNOWN_FIELDS_JSON: &str = include_str!("known_fields.json");

fn known_fields() -> &'static KnownFields {
    static TABLE: OnceLock<KnownFields> = OnceLock::new();
    TABLE.get_or_init(|| {
        // The file is generated and checked by the tests; an unreadable table means no checks.
        let v: Value = serde_json::from_str(KNOWN_FIELDS_JSON).unwrap_or(Value::Null);
        let to_map = |v: &Value| -> HashMap<String, String> {
            v.as_object()
                .map(|o| {
                    o.iter()
                        .map(|(k, t)| (k.clone(), t.as_str().unwrap_or_default().to_string()))
                        .collect()
                })
                .unwrap_or_default()
        };
        let schemas = v
            .get("schemas")
            .and_then(Value::as_object)
            .map(|o| o.iter().map(|(k, f)| (k.clone(), to_map(f))).collect())
            .unwrap_or_default();
        KnownFields {
            roots: to_map(v.get("roots").unwrap_or(&Value::Null)),
            schemas,
        }
    })
}

/// The OpenAPI schema name of a stored kind (`pods` -> `io.k8s.api.core.v1.Pod`).
pub(crate) fn schema_of(resource: &str) -> Option<&'static str> {
    known_fields().roots.get(resource).map(String::as_str)
}

/// What `field` of `schema` holds, in `known_fields.json`'s encoding (`""` leaf, `S`, `[]S`,
/// `{}S`); `None` for a field the schema does not declare.
pub(crate) fn schema_field(schema: &str, field: &str) -> Option<&'static str> {
    known_fields()
        .schemas
        .get(schema)
        .and_then(|f| f.get(field))
        .map(String::as_str)
}

/// The top-level field names a kind's JSON may carry (sorted), e.g. for `serviceaccounts`:
/// `apiVersion, automountServiceAccountToken, imagePullSecrets, kind, metadata, secrets`.
pub fn known_fields_of(resource: &str) -> Vec<String> {
    let t = known_fields();
    let mut v: Vec<String> = t
        .roots
        .get(resource)
        .and_then(|s| t.schemas.get(s))
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();
    v.sort();
    v
}

/// Paths of fields in `obj` that the kind's schema does not declare, in document order, as the
/// strict JSON decoder names them: `spec.foo`, `rules[0].bar`, `metadata.x`.
pub fn unknown_fields(resource: &str, obj: &Value) -> Vec<String> {
    let t = known_fields();
    let mut out = Vec::new();
    if let Some(root) = t.roots.get(resource) {
        walk(t, root, obj, "", &mut out);
    }
    out
}

fn walk(t: &KnownFields, schema: &str, v: &Value, path: &str, out: &mut Vec<String>) {
    let (Some(fields), Some(obj)) = (t.schemas.get(schema), v.as_object()) else {
        return;
    };
    for (k, child) in obj {
        let p = if path.is_empty() {
            k.clone()
        } else {
            format!("{path}.{k}")
        };
        match fields.get(k) {
            None => out.push(p),
            Some(ty) => walk_type(t, ty, child, &p, out),
        }
    }
}

fn walk_type(t: &KnownFields, ty: &str, v: &Value, path: &str, out: &mut Vec<String>) {
    if ty.is_empty() {
        return;
    }
    if let Some(item) = ty.strip_prefix("[]") {
        for (i, e) in v
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or(&[])
            .iter()
            .enumerate()
        {
            walk_type(t, item, e, &format!("{path}[{i}]"), out);
        }
    } else if let Some(item) = ty.strip_prefix("{}") {
        for (k, e) in v.as_object().into_iter().flatten() {
            walk_type(t, item, e, &format!("{path}.{k}"), out);
        }
    } else {
        walk(t, ty, v, path, out);
    }
}

/// The `Warning` header texts the default `fieldValidation=Warn` adds (`unknown field "spec.x"`).
pub fn unknown_field_warnings(resource: &str, obj: &Value) -> Vec<String> {
    unknown_fields(resource, obj)
        .iter()
        .map(|p| format!("unknown field {}", go_quote(p)))
        .collect()
}

/// `fieldValidation=Strict` on a JSON create or update: the real 400, e.g.
/// `ServiceAccount in version "v1" cannot be handled as a ServiceAccount: strict decoding error: unknown field "spec"`.
/// The Kind and version in front come from the body's `kind`/`apiVersion` (defaulted from the URL).
pub fn check_strict(resource: &str, obj: &Value) -> Result<(), Status> {
    let unknown = unknown_field_warnings(resource, obj);
    if unknown.is_empty() {
        return Ok(());
    }
    let Some((_, expected_kind)) = kind_of(resource) else {
        return Ok(());
    };
    let kind = obj
        .get("kind")
        .and_then(Value::as_str)
        .filter(|k| !k.is_empty())
        .unwrap_or(expected_kind);
    let version = obj
        .get("apiVersion")
        .and_then(Value::as_str)
        .filter(|v| !v.is_empty())
        .map_or("v1", |v| v.rsplit('/').next().unwrap_or(v));
    Err(Status::bad_request(format!(
        "{kind} in version {} cannot be handled as a {expected_kind}: strict decoding error: {}",
        go_quote(version),
        unknown.join(", ")
    )))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const SUBDOMAIN: &str = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
    const LABEL: &str = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";

    fn msg(resource: &str, obj: Value, old: Option<Value>) -> String {
        validate(resource, &obj, old.as_ref()).unwrap_err().message
    }

    #[test]
    fn service_account_bad_name_is_the_spec_example() {
        let s = validate(
            "serviceaccounts",
            &json!({"metadata": {"name": "Bad_Name", "namespace": "default"}}),
            None,
        )
        .unwrap_err();
        assert_eq!(s.code(), 422);
        let body = String::from_utf8(s.to_json()).unwrap();
        let sub = SUBDOMAIN.replace('\\', "\\\\");
        assert_eq!(
            body,
            format!(
                "{{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{{}},\"status\":\"Failure\",\"message\":\"ServiceAccount \\\"Bad_Name\\\" is invalid: metadata.name: Invalid value: \\\"Bad_Name\\\": {sub}\",\"reason\":\"Invalid\",\"details\":{{\"name\":\"Bad_Name\",\"kind\":\"ServiceAccount\",\"causes\":[{{\"reason\":\"FieldValueInvalid\",\"message\":\"Invalid value: \\\"Bad_Name\\\": {sub}\",\"field\":\"metadata.name\"}}]}},\"code\":422}}\n"
            )
        );
    }

    #[test]
    fn name_required_unless_generate_name_and_namespace_required() {
        assert_eq!(
            msg(
                "secrets",
                json!({"metadata": {"namespace": "default"}}),
                None
            ),
            r#"Secret "" is invalid: metadata.name: Required value: name or generateName is required"#
        );
        assert!(
            validate(
                "secrets",
                &json!({"metadata": {"generateName": "s-", "namespace": "default"}}),
                None
            )
            .is_ok()
        );
        assert_eq!(
            msg("configmaps", json!({"metadata": {"name": "c"}}), None),
            r#"ConfigMap "c" is invalid: metadata.namespace: Required value"#
        );
        assert_eq!(
            msg(
                "configmaps",
                json!({"metadata": {"generateName": "Bad-", "namespace": "default"}}),
                None
            ),
            format!(
                r#"ConfigMap "" is invalid: metadata.generateName: Invalid value: "Bad-": {SUBDOMAIN}"#
            )
        );
        // Cluster-scoped kinds refuse a namespace.
        assert_eq!(
            msg(
                "clusterroles",
                json!({"metadata": {"name": "c", "namespace": "x"}}),
                None
            ),
            r#"ClusterRole.rbac.authorization.k8s.io "c" is invalid: metadata.namespace: Forbidden: not allowed on this type"#
        );
    }

    #[test]
    fn name_rules_per_kind() {
        assert!(validate_name("pods", "web-0.x").is_empty());
        assert_eq!(validate_name("pods", "Web"), vec![SUBDOMAIN.to_string()]);
        let long = "a".repeat(254);
        assert_eq!(
            validate_name("serviceaccounts", &long),
            vec!["must be no more than 253 characters".to_string()]
        );
        assert_eq!(validate_name("namespaces", "My"), vec![LABEL.to_string()]);
        assert_eq!(
            validate_name("namespaces", "a.b"),
            vec!["must not contain dots".to_string()]
        );
        assert_eq!(
            validate_name("namespaces", &"a".repeat(64)),
            vec!["must be no more than 63 characters".to_string()]
        );
        for ok in ["system:basic-user", "Upper_Case", "a.b"] {
            assert!(validate_name("clusterroles", ok).is_empty(), "{ok}");
        }
        assert_eq!(
            validate_name("roles", "."),
            vec!["may not be '.'".to_string()]
        );
        assert_eq!(
            validate_name("rolebindings", "a/b%"),
            vec![
                "may not contain '/'".to_string(),
                "may not contain '%'".to_string()
            ]
        );
        assert!(validate_name("unknown", "Any/Thing").is_empty());
        // generateName masks a trailing dash (by replacing the last two characters with "a").
        assert!(validate_generate_name("secrets", "tok-").is_empty());
        // Go's quirk: "tok.-" is checked as "toka", so it passes although "tok." would not.
        assert!(validate_generate_name("secrets", "tok.-").is_empty());
        assert_eq!(
            validate_generate_name("secrets", "-"),
            vec![SUBDOMAIN.to_string()]
        );
        assert!(validate_generate_name("namespaces", "ns-").is_empty());
    }

    #[test]
    fn role_rules() {
        assert_eq!(
            msg(
                "roles",
                json!({"metadata": {"name": "view-api-server-metrics", "namespace": "default"},
                       "rules": [{"verbs": ["get"], "nonResourceURLs": ["/metrics"]}]}),
                None
            ),
            r#"Role.rbac.authorization.k8s.io "view-api-server-metrics" is invalid: rules[0].nonResourceURLs: Invalid value: ["/metrics"]: namespaced rules cannot apply to non-resource URLs"#
        );
        assert_eq!(
            msg(
                "clusterroles",
                json!({"metadata": {"name": "c"},
                       "rules": [{"verbs": [], "apiGroups": [""], "resources": ["pods"]},
                                 {"verbs": ["get"], "nonResourceURLs": ["/a", "/b"], "resources": ["x"]},
                                 {"verbs": ["get"]}]}),
                None
            ),
            r#"ClusterRole.rbac.authorization.k8s.io "c" is invalid: [rules[0].verbs: Required value: verbs must contain at least one value, rules[1].nonResourceURLs: Invalid value: ["/a","/b"]: rules cannot apply to both regular resources and non-resource URLs, rules[2].apiGroups: Required value: resource rules must supply at least one api group, rules[2].resources: Required value: resource rules must supply at least one resource]"#
        );
        // A ClusterRole may hold non-resource URLs; the tutorial's role is valid.
        assert!(validate("clusterroles", &json!({"metadata": {"name": "m"}, "rules": [{"verbs": ["get"], "nonResourceURLs": ["/metrics"]}]}), None).is_ok());
        assert!(validate("roles", &json!({"metadata": {"name": "bearertokenauth", "namespace": "default"},
            "rules": [{"verbs": ["create","get","list","update","delete"], "apiGroups": [""], "resources": ["pods"]}]}), None).is_ok());
        assert_eq!(
            msg(
                "clusterroles",
                json!({"metadata": {"name": "agg"}, "aggregationRule": {}}),
                None
            ),
            r#"ClusterRole.rbac.authorization.k8s.io "agg" is invalid: aggregationRule.clusterRoleSelectors: Required value: at least one clusterRoleSelector required if aggregationRule is non-nil"#
        );
    }

    fn rb(role_ref: Value, subjects: Value) -> Value {
        json!({"metadata": {"name": "b", "namespace": "default", "resourceVersion": "1"}, "roleRef": role_ref, "subjects": subjects})
    }

    #[test]
    fn binding_role_ref_and_subjects() {
        let good_ref = json!({"apiGroup": RBAC_GROUP, "kind": "Role", "name": "r"});
        assert!(
            validate(
                "rolebindings",
                &rb(
                    good_ref.clone(),
                    json!([{"kind": "ServiceAccount", "name": "x", "namespace": "default"}])
                ),
                None
            )
            .is_ok()
        );
        assert_eq!(
            msg(
                "rolebindings",
                rb(json!({"apiGroup": "x", "kind": "Foo"}), json!([])),
                None
            ),
            r#"RoleBinding.rbac.authorization.k8s.io "b" is invalid: [roleRef.apiGroup: Unsupported value: "x": supported values: "rbac.authorization.k8s.io", roleRef.kind: Unsupported value: "Foo": supported values: "Role", "ClusterRole", roleRef.name: Required value]"#
        );
        assert_eq!(
            msg(
                "rolebindings",
                rb(
                    good_ref.clone(),
                    json!([
                        {"kind": "ServiceAccount", "name": "Bad", "apiGroup": "rbac.authorization.k8s.io"},
                        {"kind": "User", "name": "u", "apiGroup": ""},
                        {"kind": "Robot", "name": ""}
                    ])
                ),
                None
            ),
            format!(
                r#"RoleBinding.rbac.authorization.k8s.io "b" is invalid: [subjects[0].name: Invalid value: "Bad": {SUBDOMAIN}, subjects[0].apiGroup: Unsupported value: "rbac.authorization.k8s.io": supported values: "", subjects[1].apiGroup: Unsupported value: "": supported values: "rbac.authorization.k8s.io", subjects[2].name: Required value, subjects[2].kind: Unsupported value: "Robot": supported values: "ServiceAccount", "User", "Group"]"#
            )
        );
        // ClusterRoleBindings: only ClusterRole, SA subjects need a namespace.
        assert_eq!(
            msg(
                "clusterrolebindings",
                json!({"metadata": {"name": "c"}, "roleRef": good_ref, "subjects": [{"kind": "ServiceAccount", "name": "x"}]}),
                None
            ),
            r#"ClusterRoleBinding.rbac.authorization.k8s.io "c" is invalid: [roleRef.kind: Unsupported value: "Role": supported values: "ClusterRole", subjects[0].namespace: Required value]"#
        );
        // roleRef is immutable.
        let old = rb(good_ref, json!([]));
        let new = rb(
            json!({"apiGroup": RBAC_GROUP, "kind": "ClusterRole", "name": "view"}),
            json!([]),
        );
        assert_eq!(
            msg("rolebindings", new, Some(old)),
            r#"RoleBinding.rbac.authorization.k8s.io "b" is invalid: roleRef: Invalid value: {"APIGroup":"rbac.authorization.k8s.io","Kind":"ClusterRole","Name":"view"}: cannot change roleRef"#
        );
    }

    #[test]
    fn binding_defaults_fill_api_groups() {
        let mut b = rb(
            json!({"kind": "Role", "name": "r"}),
            json!([{"kind": "User", "name": "u"}, {"kind": "Group", "name": "g"}, {"kind": "ServiceAccount", "name": "s"}]),
        );
        assert!(
            validate("rolebindings", &b, None).is_err(),
            "undefaulted apiGroups are invalid"
        );
        prepare_for_create("rolebindings", &mut b);
        assert_eq!(b["roleRef"]["apiGroup"], RBAC_GROUP);
        assert_eq!(b["subjects"][0]["apiGroup"], RBAC_GROUP);
        assert_eq!(b["subjects"][1]["apiGroup"], RBAC_GROUP);
        assert!(b["subjects"][2].get("apiGroup").is_none());
        assert!(validate("rolebindings", &b, None).is_ok());
    }

    #[test]
    fn secrets() {
        let meta = json!({"name": "s", "namespace": "default", "resourceVersion": "1"});
        assert_eq!(
            msg(
                "secrets",
                json!({"metadata": meta, "type": "kubernetes.io/service-account-token"}),
                None
            ),
            r#"Secret "s" is invalid: metadata.annotations[kubernetes.io/service-account.name]: Required value"#
        );
        assert!(validate("secrets", &json!({"metadata": {"name": "s", "namespace": "default",
            "annotations": {"kubernetes.io/service-account.name": "x"}}, "type": "kubernetes.io/service-account-token"}), None).is_ok());
        assert_eq!(
            msg(
                "secrets",
                json!({"metadata": meta, "data": {"bad key": "eA=="}}),
                None
            ),
            r#"Secret "s" is invalid: data[bad key]: Invalid value: "bad key": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')"#
        );
        assert_eq!(
            msg(
                "secrets",
                json!({"metadata": meta, "stringData": {"..x": "v"}}),
                None
            ),
            r#"Secret "s" is invalid: data[..x]: Invalid value: "..x": must not start with '..'"#
        );
        assert_eq!(
            msg(
                "secrets",
                json!({"metadata": meta, "type": "kubernetes.io/tls", "data": {"tls.crt": ""}}),
                None
            ),
            r#"Secret "s" is invalid: data[tls.key]: Required value"#
        );
        // type is immutable on update.
        let old = json!({"metadata": meta, "type": "Opaque"});
        let new =
            json!({"metadata": meta, "type": "kubernetes.io/basic-auth", "data": {"username": ""}});
        assert_eq!(
            msg("secrets", new, Some(old)),
            r#"Secret "s" is invalid: type: Invalid value: "kubernetes.io/basic-auth": field is immutable"#
        );
        let old =
            json!({"metadata": meta, "type": "Opaque", "immutable": true, "data": {"a": "eA=="}});
        let new =
            json!({"metadata": meta, "type": "Opaque", "immutable": true, "data": {"a": "eQ=="}});
        assert_eq!(
            msg("secrets", new, Some(old)),
            "Secret \"s\" is invalid: data: Forbidden: field is immutable when `immutable` is set"
        );
    }

    #[test]
    fn secret_defaults_and_string_data() {
        let mut s =
            json!({"metadata": {"name": "s"}, "data": {"a": "eA=="}, "stringData": {"b": "hello"}});
        prepare_for_create("secrets", &mut s);
        assert_eq!(s["type"], "Opaque");
        assert_eq!(s["data"], json!({"a": "eA==", "b": "aGVsbG8="}));
        assert!(s.get("stringData").is_none());
    }

    #[test]
    fn config_maps() {
        let meta = json!({"name": "c", "namespace": "default"});
        assert!(
            validate(
                "configmaps",
                &json!({"metadata": meta, "data": {"ca.crt": "x"}}),
                None
            )
            .is_ok()
        );
        assert_eq!(
            msg(
                "configmaps",
                json!({"metadata": meta, "data": {"k": "v"}, "binaryData": {"k": "eA=="}}),
                None
            ),
            r#"ConfigMap "c" is invalid: [data[k]: Invalid value: "k": duplicate of key present in binaryData, binaryData[k]: Invalid value: "k": duplicate of key present in data]"#
        );
        let big = "x".repeat(MAX_SECRET_SIZE + 1);
        assert_eq!(
            msg(
                "configmaps",
                json!({"metadata": meta, "data": {"k": big}}),
                None
            ),
            r#"ConfigMap "c" is invalid: : Too long: may not be more than 1048576 bytes"#
        );
    }

    #[test]
    fn namespaces_and_pods() {
        assert_eq!(
            msg("namespaces", json!({"metadata": {"name": "My_NS"}}), None),
            format!(
                r#"Namespace "My_NS" is invalid: metadata.name: Invalid value: "My_NS": {LABEL}"#
            )
        );
        let mut ns = json!({"metadata": {"name": "dev"}});
        prepare_for_create("namespaces", &mut ns);
        assert_eq!(
            ns,
            json!({"metadata": {"name": "dev", "labels": {"kubernetes.io/metadata.name": "dev"}},
                   "spec": {"finalizers": ["kubernetes"]}, "status": {"phase": "Active"}})
        );
        assert!(validate("namespaces", &ns, None).is_ok());

        let meta = json!({"name": "p", "namespace": "default"});
        assert_eq!(
            msg("pods", json!({"metadata": meta, "spec": {}}), None),
            r#"Pod "p" is invalid: spec.containers: Required value"#
        );
        assert_eq!(
            msg(
                "pods",
                json!({"metadata": meta, "spec": {"containers": [{"name": "a", "image": "nginx"}, {"name": "a"}]}}),
                None
            ),
            r#"Pod "p" is invalid: [spec.containers[1].image: Required value, spec.containers[1].name: Duplicate value: "a"]"#
        );
        assert!(validate("pods", &json!({"metadata": meta, "spec": {"containers": [{"name": "nginx", "image": "nginx"}]}}), None).is_ok());
    }

    #[test]
    fn metadata_update_immutability_and_sa_secret_cleaning() {
        let old = json!({"metadata": {"name": "x", "namespace": "default", "uid": "u1"}});
        let new = json!({"metadata": {"name": "x", "namespace": "default", "uid": "u2", "resourceVersion": "3"}});
        assert_eq!(
            msg("serviceaccounts", new, Some(old)),
            r#"ServiceAccount "x" is invalid: metadata.uid: Invalid value: "u2": field is immutable"#
        );
        let mut sa = json!({"metadata": {"name": "x"}, "secrets": [{"name": "t", "kind": "Secret", "uid": "1"}]});
        prepare_for_create("serviceaccounts", &mut sa);
        assert_eq!(sa["secrets"], json!([{"name": "t"}]));
    }

    #[test]
    fn update_metadata_rules() {
        let old = json!({"metadata": {"name": "c", "namespace": "default", "resourceVersion": "5", "generation": 2}});
        let new = json!({"metadata": {"name": "c", "namespace": "default", "generation": 1}});
        assert_eq!(
            msg("configmaps", new, Some(old.clone())),
            r#"ConfigMap "c" is invalid: [metadata.resourceVersion: Invalid value: "": must be specified for an update, metadata.generation: Invalid value: 1: must not be decremented]"#
        );
        // Labels are checked by both the update and the create validation: two causes, one message.
        let new = json!({"metadata": {"name": "c", "namespace": "default", "resourceVersion": "5", "generation": 2,
                                      "labels": {"k": "-v"}}});
        let s = validate("configmaps", &new, Some(&old)).unwrap_err();
        assert_eq!(s.details.as_ref().unwrap().causes.len(), 2);
        assert!(
            s.message.starts_with(
                r#"ConfigMap "c" is invalid: metadata.labels: Invalid value: "-v": a valid label"#
            ),
            "{}",
            s.message
        );
        // An immutable ConfigMap keeps its data.
        let old = json!({"metadata": {"name": "c", "namespace": "default", "resourceVersion": "5"}, "immutable": true, "data": {"a": "1"}});
        let new = json!({"metadata": {"name": "c", "namespace": "default", "resourceVersion": "5"}, "data": {"a": "2"}});
        assert_eq!(
            msg("configmaps", new, Some(old)),
            "ConfigMap \"c\" is invalid: [immutable: Forbidden: field is immutable when `immutable` is set, data: Forbidden: field is immutable when `immutable` is set]"
        );
    }

    #[test]
    fn labels_and_annotations() {
        let obj = json!({"metadata": {"name": "x", "namespace": "default",
            "labels": {"a/b/c": "ok", "good": "-bad"}, "annotations": {"/x": "v"}}});
        let errs: Vec<String> = validate_errors("serviceaccounts", &obj, None)
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            errs,
            vec![
                r#"metadata.labels: Invalid value: "a/b/c": a valid label key must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"#.to_string(),
                r#"metadata.labels: Invalid value: "-bad": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"#.to_string(),
                r#"metadata.annotations: Invalid value: "/x": prefix part must be non-empty"#.to_string(),
            ]
        );
        assert_eq!(
            is_qualified_name(""),
            vec![
                "name part must be non-empty".to_string(),
                "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')".to_string()
            ]
        );
        assert!(is_qualified_name("kubernetes.io/metadata.name").is_empty());
        assert!(is_label_value("").is_empty());
    }

    #[test]
    fn known_field_table_covers_every_kind() {
        for r in [
            "serviceaccounts",
            "secrets",
            "configmaps",
            "pods",
            "namespaces",
            "roles",
            "clusterroles",
            "rolebindings",
            "clusterrolebindings",
        ] {
            let f = known_fields_of(r);
            for k in ["apiVersion", "kind", "metadata"] {
                assert!(f.contains(&k.to_string()), "{r} lacks {k}");
            }
        }
        assert_eq!(
            known_fields_of("serviceaccounts"),
            [
                "apiVersion",
                "automountServiceAccountToken",
                "imagePullSecrets",
                "kind",
                "metadata",
                "secrets"
            ]
        );
        assert_eq!(
            known_fields_of("secrets"),
            [
                "apiVersion",
                "data",
                "immutable",
                "kind",
                "metadata",
                "stringData",
                "type"
            ]
        );
        assert_eq!(
            known_fields_of("rolebindings"),
            ["apiVersion", "kind", "metadata", "roleRef", "subjects"]
        );
        assert_eq!(
            known_fields_of("clusterroles"),
            ["aggregationRule", "apiVersion", "kind", "metadata", "rules"]
        );
        assert!(known_fields_of("nosuch").is_empty());
    }

    #[test]
    fn unknown_fields_are_found_at_any_depth_in_document_order() {
        let sa = json!({"apiVersion": "v1", "kind": "ServiceAccount",
            "metadata": {"name": "x", "labels": {"any/key": "v"}, "foo": 1},
            "spec": {"foo": 1}, "secrets": [{"name": "a", "bar": 2}]});
        assert_eq!(
            unknown_fields("serviceaccounts", &sa),
            ["metadata.foo", "spec", "secrets[0].bar"]
        );
        let role =
            json!({"metadata": {"name": "r"}, "rules": [{"verbs": ["get"], "resource": ["pods"]}]});
        assert_eq!(unknown_fields("roles", &role), ["rules[0].resource"]);
        let pod = json!({"metadata": {"name": "p"}, "spec": {"containers": [{"name": "c", "image": "i", "imagePullPolicy": "Always", "foo": true}], "nodeName": "n", "bogus": 1}, "status": {"phase": "Running", "podIP": "1.2.3.4", "nope": 1}});
        assert_eq!(
            unknown_fields("pods", &pod),
            ["spec.containers[0].foo", "spec.bogus", "status.nope"]
        );
        // Map values (labels, data) take any key; a tutorial-shaped Secret is clean.
        let secret = json!({"apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/service-account-token",
            "metadata": {"name": "t", "annotations": {"kubernetes.io/service-account.name": "x"}}, "data": {"token": "eA=="}});
        assert!(unknown_fields("secrets", &secret).is_empty());
        // Field names are case-sensitive, as in the strict decoder.
        assert_eq!(unknown_fields("configmaps", &json!({"Data": {}})), ["Data"]);
    }

    #[test]
    fn field_selector_labels() {
        assert!(field_selector_label_error("serviceaccounts", "metadata.name").is_none());
        assert!(field_selector_label_error("secrets", "type").is_none());
        assert!(field_selector_label_error("pods", "spec.nodeName").is_none());
        let e = field_selector_label_error("serviceaccounts", "spec.x").unwrap();
        assert_eq!(e.code(), 400);
        assert_eq!(
            e.message,
            r#""spec.x" is not a known field selector: only "metadata.name", "metadata.namespace""#
        );
        assert_eq!(
            field_selector_label_error("secrets", "data.x")
                .unwrap()
                .message,
            "field label not supported: data.x"
        );
        assert_eq!(
            field_selector_label_error("namespaces", "metadata.namespace")
                .unwrap()
                .message,
            "field label not supported: metadata.namespace"
        );
    }

    /// The decoded bodies kubectl 1.32 sent for the tutorial (tests/fixtures/protobuf-request-fixtures.json),
    /// with the namespace filled from the URL as the store does: valid, and clean under Strict.
    #[test]
    fn kubectl_recorded_bodies_pass() {
        let bodies = [
            (
                "serviceaccounts",
                json!({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "bearertokenauth", "namespace": "default"}}),
            ),
            (
                "roles",
                json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": {"name": "bearertokenauth", "namespace": "default"},
                "rules": [{"verbs": ["create", "get", "list", "update", "delete"], "apiGroups": [""], "resources": ["pods"]}]}),
            ),
            (
                "rolebindings",
                json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
                "metadata": {"name": "bearertoken-binding-bearertokenauth", "namespace": "default"},
                "subjects": [{"kind": "ServiceAccount", "name": "bearertokenauth", "namespace": "default"}],
                "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "bearertokenauth"}}),
            ),
        ];
        for (resource, mut body) in bodies {
            assert!(check_strict(resource, &body).is_ok(), "{resource}");
            prepare_for_create(resource, &mut body);
            assert_eq!(validate(resource, &body, None), Ok(()), "{resource}");
        }
    }

    #[test]
    fn strict_decoding_error_message() {
        let sa = json!({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "x"}, "spec": {"foo": 1}, "bogus": true});
        let s = check_strict("serviceaccounts", &sa).unwrap_err();
        assert_eq!(s.code(), 400);
        assert_eq!(s.reason, "BadRequest");
        assert_eq!(
            s.message,
            r#"ServiceAccount in version "v1" cannot be handled as a ServiceAccount: strict decoding error: unknown field "spec", unknown field "bogus""#
        );
        let role = json!({"apiVersion": "rbac.authorization.k8s.io/v1", "metadata": {"name": "r"}, "rules": [{"verbz": []}]});
        assert_eq!(
            check_strict("roles", &role).unwrap_err().message,
            r#"Role in version "v1" cannot be handled as a Role: strict decoding error: unknown field "rules[0].verbz""#
        );
        assert!(check_strict("serviceaccounts", &json!({"metadata": {"name": "x"}})).is_ok());
        assert_eq!(
            unknown_field_warnings("configmaps", &json!({"x": 1})),
            [r#"unknown field "x""#]
        );
    }
}
