//! Every error (and success) `Status` body kube-apiserver sends, byte for byte.
//!
//! Sources (see `apiserver-spec.md` §1): `apimachinery/pkg/api/errors/errors.go` (constructors),
//! `apimachinery/pkg/apis/meta/v1/types.go` (field order and `omitempty`),
//! `apiserver/pkg/endpoints/handlers/responsewriters/errors.go` (403 text),
//! `apimachinery/pkg/util/validation/field/errors.go` (422 causes),
//! `apimachinery/pkg/runtime/serializer/json/json.go` (Go `json.Encoder`: HTML-escaping, trailing newline).

use serde::Serialize;
use std::fmt;
use std::io;

use crate::authn::identity::{RequestAttributes, UserInfo};

/// A `meta.k8s.io/v1` `Status` (`kind: Status`, `apiVersion: v1`).
///
/// Empty strings, a zero `code` and a `None` `details` are left out of the JSON, exactly as
/// Go's `omitempty` does; `metadata` is always `{}`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Status {
    /// `Failure` or `Success`.
    pub status: String,
    /// Human-readable text; kubectl prints it verbatim.
    pub message: String,
    /// Machine-readable reason (`NotFound`, `Forbidden`, ...); empty for `StatusReasonUnknown`.
    pub reason: String,
    /// `details`: `None` leaves it out, `Some(default)` serializes `{}`. Boxed to keep
    /// `Result<_, Status>` small.
    pub details: Option<Box<StatusDetails>>,
    /// The `code` field; 0 leaves it out (as in the store's DELETE Success body).
    pub code: u16,
}

/// `StatusDetails`; field order `name, group, kind, uid, causes, retryAfterSeconds`, all `omitempty`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct StatusDetails {
    /// Object name.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub name: String,
    /// API group; empty for the core group.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub group: String,
    /// The plural resource (NotFound, AlreadyExists, Conflict, Forbidden) or the Kind (Invalid).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub kind: String,
    /// Object UID (DELETE Success bodies).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub uid: String,
    /// Field-level causes (Invalid, InternalError).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub causes: Vec<StatusCause>,
    /// Seconds a client should wait before retrying.
    #[serde(rename = "retryAfterSeconds", skip_serializing_if = "is_zero")]
    pub retry_after_seconds: u32,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// `StatusCause`: Go's field `Type` is serialized as `reason`; all three are `omitempty`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct StatusCause {
    /// Cause type, e.g. `FieldValueInvalid`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub reason: String,
    /// Cause text without the field path.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub message: String,
    /// Field path, e.g. `metadata.name`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub field: String,
}

/// The wire form: a struct so the field order is Go's, never a map's.
#[derive(Serialize)]
struct Wire<'a> {
    kind: &'static str,
    #[serde(rename = "apiVersion")]
    api_version: &'static str,
    metadata: EmptyListMeta,
    #[serde(skip_serializing_if = "str::is_empty")]
    status: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    message: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    reason: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    details: Option<&'a StatusDetails>,
    #[serde(skip_serializing_if = "is_zero_u16")]
    code: u16,
}

fn is_zero_u16(n: &u16) -> bool {
    *n == 0
}

/// `ListMeta` with every field empty: Go's `omitempty` does not apply to structs, so it is `{}`.
#[derive(Serialize)]
struct EmptyListMeta {}

const FAILURE: &str = "Failure";

impl Status {
    fn failure(code: u16, reason: &str, message: String, details: Option<StatusDetails>) -> Status {
        Status {
            status: FAILURE.into(),
            message,
            reason: reason.into(),
            details: details.map(Box::new),
            code,
        }
    }

    /// The HTTP status code to answer with: `code`, or 200/500 when `code` is 0
    /// (the apiserver's `ErrorToAPIStatus` fills 500 for a Failure; a Success Status is a 200).
    pub fn code(&self) -> u16 {
        match self.code {
            0 if self.status == FAILURE => 500,
            0 => 200,
            c => c,
        }
    }

    /// The body exactly as kube-apiserver's JSON serializer writes it (compact, HTML-escaped,
    /// ending in `\n`; see [`encode_json`]).
    pub fn to_json(&self) -> Vec<u8> {
        encode_json(&self.wire())
    }

    /// The body as `?pretty=true` (or a `curl`/`Wget`/`Mozilla` User-Agent) gets it; see [`encode_json_pretty`].
    pub fn to_json_pretty(&self) -> Vec<u8> {
        encode_json_pretty(&self.wire())
    }

    /// As a JSON value (field order kept), e.g. to embed in a watch `ERROR` event.
    pub fn to_value(&self) -> serde_json::Value {
        // A struct of strings, numbers and vectors always serializes.
        serde_json::to_value(self.wire()).unwrap_or(serde_json::Value::Null)
    }

    fn wire(&self) -> Wire<'_> {
        Wire {
            kind: "Status",
            api_version: "v1",
            metadata: EmptyListMeta {},
            status: &self.status,
            message: &self.message,
            reason: &self.reason,
            details: self.details.as_deref(),
            code: self.code,
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({}): {}", self.code(), self.reason, self.message)
    }
}

impl std::error::Error for Status {}

// ---------------------------------------------------------------------------------------------
// Constructors, one per apimachinery `errors.New*` (or apiserver handler) that the mock needs.
// ---------------------------------------------------------------------------------------------

/// `GroupResource.String()`: `resource` for the core group, `resource.group` otherwise.
pub fn qualified_resource(group: &str, resource: &str) -> String {
    if group.is_empty() {
        resource.to_string()
    } else {
        format!("{resource}.{group}")
    }
}

/// `GroupKind.String()`: `Kind` for the core group, `Kind.group` otherwise.
pub fn qualified_kind(group: &str, kind: &str) -> String {
    qualified_resource(group, kind)
}

fn gr_details(group: &str, resource: &str, name: &str) -> StatusDetails {
    StatusDetails {
        name: name.into(),
        group: group.into(),
        kind: resource.into(),
        ..Default::default()
    }
}

impl Status {
    /// 400 `BadRequest` (`NewBadRequest`): no `details`.
    pub fn bad_request(message: impl Into<String>) -> Status {
        Status::failure(400, "BadRequest", message.into(), None)
    }

    /// 400 for a create whose body namespace differs from the URL's
    /// (`rest.EnsureObjectNamespaceMatchesRequestNamespace`).
    pub fn namespace_mismatch() -> Status {
        Status::bad_request(
            "the namespace of the provided object does not match the namespace sent on the request",
        )
    }

    /// 400 for a PUT whose body name differs from the URL's (`handlers/rest.go` `checkName`).
    pub fn name_mismatch_on_update(object_name: &str, url_name: &str) -> Status {
        Status::bad_request(format!(
            "the name of the object ({object_name}) does not match the name on the URL ({url_name})"
        ))
    }

    /// 400 for a PUT whose body namespace differs from the URL's (`checkName`).
    pub fn namespace_mismatch_on_update(object_namespace: &str, request_namespace: &str) -> Status {
        Status::bad_request(format!(
            "the namespace of the object ({object_namespace}) does not match the namespace on the request ({request_namespace})"
        ))
    }

    /// 400 from the store's key function for a URL name that is not a valid path segment
    /// (`Name parameter invalid: "a%b": may not contain '%'`); `msgs` are joined with `;`.
    pub fn invalid_name_parameter(name: &str, msgs: &[String]) -> Status {
        Status::bad_request(format!(
            "Name parameter invalid: {}: {}",
            go_quote(name),
            msgs.join(";")
        ))
    }

    /// 401 as the authentication filter sends it (`NewUnauthorized("Unauthorized")`).
    pub fn unauthorized() -> Status {
        Status::failure(401, "Unauthorized", "Unauthorized".into(), None)
    }

    /// 403 for an authorization denial (`responsewriters.ForbiddenStatusError`): the message of
    /// [`forbidden_message`], HTML-escaped, plus `": " + reason` when the authorizer gave one
    /// (e.g. `RBAC: role.rbac.authorization.k8s.io "x" not found`; see [`rbac_reason`]).
    pub fn forbidden(attrs: &RequestAttributes, reason: &str) -> Status {
        let msg = html_sanitize(&forbidden_message(attrs));
        let err = if reason.is_empty() {
            msg
        } else {
            format!("{msg}: {reason}")
        };
        if attrs.resource_request {
            // The subresource is part of the text but not of `details.kind`.
            Status::forbidden_for(&attrs.api_group, &attrs.resource, &attrs.name, &err)
        } else {
            Status::forbidden_for("", "", "", &err)
        }
    }

    /// 403 `NewForbidden(GroupResource{group, resource}, name, err)`: `forbidden: err` for an empty
    /// group/resource, `<gr> is forbidden: err` without a name, `<gr> "<name>" is forbidden: err`.
    pub fn forbidden_for(group: &str, resource: &str, name: &str, err: &str) -> Status {
        let message = if group.is_empty() && resource.is_empty() {
            format!("forbidden: {err}")
        } else if name.is_empty() {
            format!(
                "{} is forbidden: {err}",
                qualified_resource(group, resource)
            )
        } else {
            format!(
                "{} {} is forbidden: {err}",
                qualified_resource(group, resource),
                go_quote(name)
            )
        };
        Status::failure(
            403,
            "Forbidden",
            message,
            Some(gr_details(group, resource, name)),
        )
    }

    /// 403 from the NamespaceLifecycle admission plugin for writes into a terminating namespace.
    pub fn namespace_terminating(
        group: &str,
        resource: &str,
        name: &str,
        namespace: &str,
    ) -> Status {
        let err = format!(
            "unable to create new content in namespace {namespace} because it is being terminated"
        );
        Status::forbidden_for(group, resource, name, &err)
    }

    /// 403 from RBAC escalation prevention (`pkg/registry/rbac/validation/rule.go`
    /// `ConfirmNoEscalation`), raised by the role/binding storage as
    /// `NewForbidden(rbac GroupResource, name, err)`.
    ///
    /// `missing_rules` are [`compact_policy_rule`] strings (they are de-duplicated and sorted here,
    /// as Go's `sets.String.List()` does); `resolution_errors` are appended as `; resolution errors: [e1 e2]`.
    pub fn escalation_forbidden(
        resource: &str,
        name: &str,
        user: &UserInfo,
        missing_rules: &[String],
        resolution_errors: &[String],
    ) -> Status {
        let mut rules: Vec<&str> = missing_rules.iter().map(String::as_str).collect();
        rules.sort_unstable();
        rules.dedup();
        let mut msg = format!(
            "user {} (groups={}) is attempting to grant RBAC permissions not currently held:\n{}",
            go_quote(&user.username),
            go_quote_list(&user.groups),
            rules.join("\n")
        );
        if !resolution_errors.is_empty() {
            msg.push_str(&format!(
                "; resolution errors: [{}]",
                resolution_errors.join(" ")
            ));
        }
        Status::forbidden_for(RBAC_GROUP, resource, name, &msg)
    }

    /// 404 `NewNotFound`: `<gr> "<name>" not found`.
    pub fn not_found(group: &str, resource: &str, name: &str) -> Status {
        let message = format!(
            "{} {} not found",
            qualified_resource(group, resource),
            go_quote(name)
        );
        Status::failure(
            404,
            "NotFound",
            message,
            Some(gr_details(group, resource, name)),
        )
    }

    /// 404 for a write into a namespace that does not exist (NamespaceLifecycle admission).
    pub fn namespace_not_found(namespace: &str) -> Status {
        Status::not_found("", "namespaces", namespace)
    }

    /// 404 for an unknown path under a registered API root (go-restful's `serviceErrorHandler`).
    pub fn not_found_path() -> Status {
        Status::failure(
            404,
            "NotFound",
            "the server could not find the requested resource".into(),
            Some(StatusDetails::default()),
        )
    }

    /// 409 `NewAlreadyExists`: `<gr> "<name>" already exists`.
    pub fn already_exists(group: &str, resource: &str, name: &str) -> Status {
        let message = format!(
            "{} {} already exists",
            qualified_resource(group, resource),
            go_quote(name)
        );
        Status::failure(
            409,
            "AlreadyExists",
            message,
            Some(gr_details(group, resource, name)),
        )
    }

    /// 409 AlreadyExists when the existing object has a `deletionTimestamp` (`store.go` `create`
    /// prefixes `object is being deleted: `).
    pub fn already_exists_being_deleted(group: &str, resource: &str, name: &str) -> Status {
        let mut s = Status::already_exists(group, resource, name);
        s.message = format!("object is being deleted: {}", s.message);
        s
    }

    /// 409 `NewGenerateNameConflict`: generateName ran out of retries.
    pub fn generate_name_conflict(
        group: &str,
        resource: &str,
        name: &str,
        retry_after_seconds: u32,
    ) -> Status {
        let message = format!(
            "{} {} already exists, the server was not able to generate a unique name for the object",
            qualified_resource(group, resource),
            go_quote(name)
        );
        let mut details = gr_details(group, resource, name);
        details.retry_after_seconds = retry_after_seconds;
        Status::failure(409, "AlreadyExists", message, Some(details))
    }

    /// 409 `NewConflict`: `Operation cannot be fulfilled on <gr> "<name>": <err>`.
    pub fn conflict(group: &str, resource: &str, name: &str, err: &str) -> Status {
        let message = format!(
            "Operation cannot be fulfilled on {} {}: {err}",
            qualified_resource(group, resource),
            go_quote(name)
        );
        Status::failure(
            409,
            "Conflict",
            message,
            Some(gr_details(group, resource, name)),
        )
    }

    /// 409 for an update with a stale `metadata.resourceVersion` (`OptimisticLockErrorMsg`).
    pub fn conflict_modified(group: &str, resource: &str, name: &str) -> Status {
        Status::conflict(group, resource, name, OPTIMISTIC_LOCK_ERROR_MSG)
    }

    /// 422 `NewInvalid(GroupKind{group, kind}, name, errs)`. `details.kind` is the Kind here, and
    /// every error becomes a cause, while the message de-duplicates them (see [`aggregate`]).
    pub fn invalid(group: &str, kind: &str, name: &str, errs: &[FieldError]) -> Status {
        let causes = errs
            .iter()
            .map(|e| StatusCause {
                reason: e.error_type.reason().into(),
                message: e.body(),
                field: e.field.clone(),
            })
            .collect();
        let qk = qualified_kind(group, kind);
        let message = if errs.is_empty() {
            format!("{qk} {} is invalid", go_quote(name))
        } else {
            let texts: Vec<String> = errs.iter().map(ToString::to_string).collect();
            format!("{qk} {} is invalid: {}", go_quote(name), aggregate(&texts))
        };
        let details = StatusDetails {
            name: name.into(),
            group: group.into(),
            kind: kind.into(),
            causes,
            ..Default::default()
        };
        Status::failure(422, "Invalid", message, Some(details))
    }

    /// 405 for a method the route does not register (go-restful `serviceErrorHandler`).
    pub fn method_not_allowed() -> Status {
        Status::failure(
            405,
            "MethodNotAllowed",
            "the server does not allow this method on the requested resource".into(),
            Some(StatusDetails::default()),
        )
    }

    /// 405 `NewMethodNotSupported`: `<action> is not supported on resources of kind "<gr>"`.
    pub fn method_not_supported(group: &str, resource: &str, action: &str) -> Status {
        let message = format!(
            "{action} is not supported on resources of kind {}",
            go_quote(&qualified_resource(group, resource))
        );
        Status::failure(
            405,
            "MethodNotAllowed",
            message,
            Some(gr_details(group, resource, "")),
        )
    }

    /// 415 for a PATCH whose Content-Type is not a patch type: go-restful rejects it before the
    /// handler (spec §1.9, form 1).
    pub fn unsupported_patch_media_type() -> Status {
        Status::failure(
            415,
            "UnsupportedMediaType",
            "415: Unsupported Media Type".into(),
            Some(StatusDetails::default()),
        )
    }

    /// 415 for a POST/PUT body in an unknown format (`handlers/negotiation/errors.go`; spec §1.9, form 2).
    pub fn unsupported_media_type() -> Status {
        Status::failure(
            415,
            "UnsupportedMediaType",
            "the body of the request was in an unknown format - accepted media types include: \
             application/json, application/yaml, application/vnd.kubernetes.protobuf"
                .into(),
            None,
        )
    }

    /// 406 for an `Accept` header the server cannot satisfy (`errNotAcceptable`).
    pub fn not_acceptable(accepted: &[&str]) -> Status {
        let message = format!(
            "only the following media types are accepted: {}",
            accepted.join(", ")
        );
        Status::failure(406, "NotAcceptable", message, None)
    }

    /// 410 `NewResourceExpired` (expired continue token, too old watch resourceVersion).
    pub fn expired(message: impl Into<String>) -> Status {
        Status::failure(410, "Expired", message.into(), None)
    }

    /// 500 `NewInternalError(err)`: `Internal error occurred: <err>` with the error as the one cause.
    pub fn internal_error(err: &str) -> Status {
        let details = StatusDetails {
            causes: vec![StatusCause {
                message: err.into(),
                ..Default::default()
            }],
            ..Default::default()
        };
        Status::failure(
            500,
            "InternalError",
            format!("Internal error occurred: {err}"),
            Some(details),
        )
    }

    /// A plain Go error that reached `ErrorToAPIStatus`'s default branch: `reason` empty
    /// (`StatusReasonUnknown`), no details; e.g. 500 `resourceVersion should not be set on objects to be created`.
    pub fn unknown_error(code: u16, message: impl Into<String>) -> Status {
        Status::failure(code, "", message.into(), None)
    }

    /// 413 `NewRequestEntityTooLargeError("limit is N")`, what `limitedReadBody` answers for a
    /// body over the limit.
    pub fn request_entity_too_large(limit: usize) -> Status {
        Status::failure(
            413,
            "RequestEntityTooLarge",
            format!("Request entity too large: limit is {limit}"),
            None,
        )
    }

    /// 429 `NewTooManyRequests(message, retryAfterSeconds)` (for fault injection).
    pub fn too_many_requests(message: impl Into<String>, retry_after_seconds: u32) -> Status {
        let details = StatusDetails {
            retry_after_seconds,
            ..Default::default()
        };
        Status::failure(429, "TooManyRequests", message.into(), Some(details))
    }

    /// 503 `NewServiceUnavailable(reason)` (for fault injection).
    pub fn service_unavailable(message: impl Into<String>) -> Status {
        Status::failure(503, "ServiceUnavailable", message.into(), None)
    }

    /// A `status: Success` body with the given details and no `code`, as the generic store returns
    /// for DELETE of Secrets, ConfigMaps, Roles, bindings, Namespaces (finalized) ... (spec §5.4).
    pub fn success(details: StatusDetails) -> Status {
        Status {
            status: "Success".into(),
            message: String::new(),
            reason: String::new(),
            details: Some(Box::new(details)),
            code: 0,
        }
    }

    /// The DELETE Success body for one object: `details{name, group, kind: <resource>, uid}`.
    pub fn deleted(group: &str, resource: &str, name: &str, uid: &str) -> Status {
        let mut details = gr_details(group, resource, name);
        details.uid = uid.into();
        Status::success(details)
    }
}

/// The API group of Roles, ClusterRoles and their bindings.
pub const RBAC_GROUP: &str = "rbac.authorization.k8s.io";

/// `storage.OptimisticLockErrorMsg`.
pub const OPTIMISTIC_LOCK_ERROR_MSG: &str =
    "the object has been modified; please apply your changes to the latest version and try again";

/// The text of a 403 before escaping and the authorizer reason (`forbiddenMessage`):
/// `User "u" cannot <verb> path "<p>"` (non-resource), or `User "u" cannot <verb> resource "<res[/sub]>"
/// in API group "<g>"` followed by ` in the namespace "<ns>"` or ` at the cluster scope`.
pub fn forbidden_message(attrs: &RequestAttributes) -> String {
    let user = go_quote(&attrs.user.username);
    if !attrs.resource_request {
        return format!(
            "User {user} cannot {} path {}",
            attrs.verb,
            go_quote(&attrs.path)
        );
    }
    let mut resource = attrs.resource.clone();
    if !attrs.subresource.is_empty() {
        resource.push('/');
        resource.push_str(&attrs.subresource);
    }
    let head = format!(
        "User {user} cannot {} resource {} in API group {}",
        attrs.verb,
        go_quote(&resource),
        go_quote(&attrs.api_group)
    );
    if attrs.namespace.is_empty() {
        format!("{head} at the cluster scope")
    } else {
        format!("{head} in the namespace {}", go_quote(&attrs.namespace))
    }
}

/// The RBAC authorizer's denial reason when role resolution failed: `RBAC: <aggregate of errors>`
/// (empty for a plain miss). Each error is e.g. `role.rbac.authorization.k8s.io "x" not found`
/// (see [`rbac_role_not_found`]).
pub fn rbac_reason(resolution_errors: &[String]) -> String {
    if resolution_errors.is_empty() {
        String::new()
    } else {
        format!("RBAC: {}", aggregate(resolution_errors))
    }
}

/// The NotFound text of the RBAC listers, which use the *singular* resource:
/// `role.rbac.authorization.k8s.io "x" not found` / `clusterrole.rbac.authorization.k8s.io "x" not found`.
pub fn rbac_role_not_found(role_kind: &str, name: &str) -> String {
    let singular = role_kind.to_ascii_lowercase();
    format!("{singular}.{RBAC_GROUP} {} not found", go_quote(name))
}

/// `rbacv1helpers.CompactString` of a PolicyRule given as JSON:
/// `{APIGroups:[""], Resources:["pods"], Verbs:["delete"]}` (only non-empty lists, in this order:
/// APIGroups, Resources, NonResourceURLs, ResourceNames, Verbs).
pub fn compact_policy_rule(rule: &serde_json::Value) -> String {
    let mut parts = Vec::new();
    for (label, key) in [
        ("APIGroups", "apiGroups"),
        ("Resources", "resources"),
        ("NonResourceURLs", "nonResourceURLs"),
        ("ResourceNames", "resourceNames"),
        ("Verbs", "verbs"),
    ] {
        let items: Vec<String> = rule
            .get(key)
            .and_then(|v| v.as_array())
            .map(|a| {
                a.iter()
                    .map(|s| s.as_str().unwrap_or_default().to_string())
                    .collect()
            })
            .unwrap_or_default();
        if !items.is_empty() {
            parts.push(format!("{label}:{}", go_quote_list(&items)));
        }
    }
    format!("{{{}}}", parts.join(", "))
}

/// `utilerrors.NewAggregate(...).Error()` over messages: duplicates dropped, one message as itself,
/// several as `[m1, m2]`.
pub fn aggregate(messages: &[String]) -> String {
    let mut seen: Vec<&str> = Vec::new();
    for m in messages {
        if !seen.contains(&m.as_str()) {
            seen.push(m);
        }
    }
    match seen.len() {
        1 => seen[0].to_string(),
        _ => format!("[{}]", seen.join(", ")),
    }
}

/// The `strings.NewReplacer` sanitizer applied to 403 texts: `&`, `<`, `>` as HTML entities.
fn html_sanitize(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Go's `%q` / `strconv.Quote` for a string.
pub fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{b}' => out.push_str("\\v"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            c if c.is_control() => {
                if (c as u32) < 0x10000 {
                    out.push_str(&format!("\\u{:04x}", c as u32));
                } else {
                    out.push_str(&format!("\\U{:08x}", c as u32));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Go's `%q` of a `[]string`: `["a" "b"]`.
pub fn go_quote_list(items: &[String]) -> String {
    let quoted: Vec<String> = items.iter().map(|s| go_quote(s)).collect();
    format!("[{}]", quoted.join(" "))
}

// ---------------------------------------------------------------------------------------------
// Field errors (`apimachinery/pkg/util/validation/field/errors.go`).
// ---------------------------------------------------------------------------------------------

/// `field.ErrorType`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldErrorType {
    /// `FieldValueNotFound`, "Not found".
    NotFound,
    /// `FieldValueRequired`, "Required value".
    Required,
    /// `FieldValueDuplicate`, "Duplicate value".
    Duplicate,
    /// `FieldValueInvalid`, "Invalid value".
    Invalid,
    /// `FieldValueNotSupported`, "Unsupported value".
    NotSupported,
    /// `FieldValueForbidden`, "Forbidden".
    Forbidden,
    /// `FieldValueTooLong`, "Too long".
    TooLong,
    /// `FieldValueTooMany`, "Too many".
    TooMany,
    /// `InternalError`, "Internal error".
    Internal,
    /// `FieldValueTypeInvalid`, "Invalid value".
    TypeInvalid,
}

impl FieldErrorType {
    /// The cause `reason` (Go's `ErrorType` string).
    pub fn reason(self) -> &'static str {
        match self {
            FieldErrorType::NotFound => "FieldValueNotFound",
            FieldErrorType::Required => "FieldValueRequired",
            FieldErrorType::Duplicate => "FieldValueDuplicate",
            FieldErrorType::Invalid => "FieldValueInvalid",
            FieldErrorType::NotSupported => "FieldValueNotSupported",
            FieldErrorType::Forbidden => "FieldValueForbidden",
            FieldErrorType::TooLong => "FieldValueTooLong",
            FieldErrorType::TooMany => "FieldValueTooMany",
            FieldErrorType::Internal => "InternalError",
            FieldErrorType::TypeInvalid => "FieldValueTypeInvalid",
        }
    }

    /// The human text (`ErrorType.String()`).
    pub fn text(self) -> &'static str {
        match self {
            FieldErrorType::NotFound => "Not found",
            FieldErrorType::Required => "Required value",
            FieldErrorType::Duplicate => "Duplicate value",
            FieldErrorType::Invalid | FieldErrorType::TypeInvalid => "Invalid value",
            FieldErrorType::NotSupported => "Unsupported value",
            FieldErrorType::Forbidden => "Forbidden",
            FieldErrorType::TooLong => "Too long",
            FieldErrorType::TooMany => "Too many",
            FieldErrorType::Internal => "Internal error",
        }
    }
}

/// The offending value of a field error, printed as 1.35's `ErrorBody` prints it: simple types
/// with `%q`/`%v`, anything else (slices, structs, nil) as `json.Marshal` output
/// (kubernetes/kubernetes#132314, 1.34; 1.32 printed composites with `%#v`, e.g. `[]string{"/x"}`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BadValue {
    /// A string, printed with `%q`.
    Str(String),
    /// An integer, printed with `%v`.
    Int(i64),
    /// A bool, printed with `%v`.
    Bool(bool),
    /// A nil value: `json.Marshal(nil)` is `null`.
    Null,
    /// No value printed at all (Go's `omitValue`).
    Omit,
    /// A composite value (list, struct, map), printed as Go's `json.Marshal` would: compact,
    /// HTML-escaped. Internal Go structs have no JSON tags, so struct keys are the Go field names
    /// (`{"APIGroup":...}`).
    Json(serde_json::Value),
    /// Pre-formatted text, printed as is.
    Raw(String),
}

impl From<&str> for BadValue {
    fn from(s: &str) -> Self {
        BadValue::Str(s.into())
    }
}
impl From<String> for BadValue {
    fn from(s: String) -> Self {
        BadValue::Str(s)
    }
}
impl From<i64> for BadValue {
    fn from(n: i64) -> Self {
        BadValue::Int(n)
    }
}
impl From<bool> for BadValue {
    fn from(b: bool) -> Self {
        BadValue::Bool(b)
    }
}

/// One `field.Error`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldError {
    /// Error type.
    pub error_type: FieldErrorType,
    /// Field path, e.g. `metadata.name`, `subjects[0].kind`.
    pub field: String,
    /// The bad value.
    pub value: BadValue,
    /// Extra detail appended as `: <detail>`.
    pub detail: String,
}

impl FieldError {
    fn new(error_type: FieldErrorType, field: &str, value: BadValue, detail: &str) -> FieldError {
        FieldError {
            error_type,
            field: field.into(),
            value,
            detail: detail.into(),
        }
    }

    /// `field.Invalid(path, value, detail)`.
    pub fn invalid(field: &str, value: impl Into<BadValue>, detail: &str) -> FieldError {
        FieldError::new(FieldErrorType::Invalid, field, value.into(), detail)
    }

    /// `field.Required(path, detail)`.
    pub fn required(field: &str, detail: &str) -> FieldError {
        FieldError::new(
            FieldErrorType::Required,
            field,
            BadValue::Str(String::new()),
            detail,
        )
    }

    /// `field.NotSupported(path, value, valid)`: detail `supported values: "a", "b"`.
    pub fn not_supported(field: &str, value: impl Into<BadValue>, valid: &[&str]) -> FieldError {
        let detail = if valid.is_empty() {
            String::new()
        } else {
            let q: Vec<String> = valid.iter().map(|v| go_quote(v)).collect();
            format!("supported values: {}", q.join(", "))
        };
        FieldError::new(FieldErrorType::NotSupported, field, value.into(), &detail)
    }

    /// `field.Forbidden(path, detail)`.
    pub fn forbidden(field: &str, detail: &str) -> FieldError {
        FieldError::new(
            FieldErrorType::Forbidden,
            field,
            BadValue::Str(String::new()),
            detail,
        )
    }

    /// `field.Duplicate(path, value)`.
    pub fn duplicate(field: &str, value: impl Into<BadValue>) -> FieldError {
        FieldError::new(FieldErrorType::Duplicate, field, value.into(), "")
    }

    /// `field.NotFound(path, value)`.
    pub fn not_found(field: &str, value: impl Into<BadValue>) -> FieldError {
        FieldError::new(FieldErrorType::NotFound, field, value.into(), "")
    }

    /// `field.TooLong(path, value, max)`: `Too long: may not be more than N bytes`.
    pub fn too_long(field: &str, max: usize) -> FieldError {
        let unit = if max == 1 { "byte" } else { "bytes" };
        let detail = format!("may not be more than {max} {unit}");
        FieldError::new(FieldErrorType::TooLong, field, BadValue::Omit, &detail)
    }

    /// `ErrorBody()`: the text without the field path (the cause `message`).
    pub fn body(&self) -> String {
        let t = self.error_type;
        let mut s = match (&self.value, t) {
            (
                _,
                FieldErrorType::Required
                | FieldErrorType::Forbidden
                | FieldErrorType::TooLong
                | FieldErrorType::Internal,
            )
            | (BadValue::Omit, _) => t.text().to_string(),
            (BadValue::Str(v), _) => format!("{}: {}", t.text(), go_quote(v)),
            (BadValue::Null, _) => format!("{}: null", t.text()),
            (BadValue::Json(v), _) => {
                let mut j = encode_json(v);
                j.pop(); // json.Marshal has no trailing newline, unlike json.Encoder
                format!("{}: {}", t.text(), String::from_utf8_lossy(&j))
            }
            (BadValue::Int(n), _) => format!("{}: {n}", t.text()),
            (BadValue::Bool(b), _) => format!("{}: {b}", t.text()),
            (BadValue::Raw(r), _) => format!("{}: {r}", t.text()),
        };
        if !self.detail.is_empty() {
            s.push_str(": ");
            s.push_str(&self.detail);
        }
        s
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.body())
    }
}

// ---------------------------------------------------------------------------------------------
// JSON exactly as Go's encoding/json writes it.
// ---------------------------------------------------------------------------------------------

/// Serializes as kube-apiserver's JSON serializer does (`json.NewEncoder(w).Encode(obj)`):
/// compact, `<` `>` `&` U+2028 U+2029 escaped as `\u003c` ..., and a trailing `\n`.
///
/// Field order follows the value (structs: declaration order; `serde_json::Value`: insertion order).
/// Go would sort map keys (labels, annotations); callers that need that must sort themselves.
pub fn encode_json<T: Serialize + ?Sized>(value: &T) -> Vec<u8> {
    let mut out = Vec::with_capacity(256);
    let mut ser = serde_json::Serializer::new(GoEscape(&mut out));
    // Serializing plain data into a Vec cannot fail; a custom Serialize impl that errors yields
    // whatever was written so far, which the tests would catch.
    let _ = value.serialize(&mut ser);
    out.push(b'\n');
    out
}

/// As [`encode_json`] but indented like Go's `json.MarshalIndent(obj, "", "  ")` (what `?pretty=true`
/// gets), without the trailing newline.
pub fn encode_json_pretty<T: Serialize + ?Sized>(value: &T) -> Vec<u8> {
    let mut out = Vec::with_capacity(512);
    let fmt = serde_json::ser::PrettyFormatter::with_indent(b"  ");
    let mut ser = serde_json::Serializer::with_formatter(GoEscape(&mut out), fmt);
    let _ = value.serialize(&mut ser);
    out
}

/// Whether kube-apiserver pretty-prints the response (`handlers/responsewriters` `isPrettyPrint`):
/// a `pretty` query value parsed as Go's `strconv.ParseBool` decides (unparsable = false); without
/// one, a `User-Agent` starting with `curl`, `Wget` or `Mozilla/5.0` gets indented JSON.
pub fn is_pretty(pretty_query: Option<&str>, user_agent: &str) -> bool {
    if let Some(p) = pretty_query.filter(|p| !p.is_empty()) {
        return matches!(p, "1" | "t" | "T" | "TRUE" | "true" | "True");
    }
    user_agent.starts_with("curl")
        || user_agent.starts_with("Wget")
        || user_agent.starts_with("Mozilla/5.0")
}

/// Escapes the characters Go's encoder HTML-escapes. They can only occur inside JSON strings
/// (serde_json writes other characters of a string verbatim), so escaping the byte stream
/// is exactly escaping the strings.
struct GoEscape<W: io::Write>(W);

impl<W: io::Write> io::Write for GoEscape<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut start = 0;
        let mut i = 0;
        while i < buf.len() {
            let esc: Option<(&[u8], usize)> = match buf[i] {
                b'<' => Some((b"\\u003c", 1)),
                b'>' => Some((b"\\u003e", 1)),
                b'&' => Some((b"\\u0026", 1)),
                // U+2028 / U+2029 are E2 80 A8 / E2 80 A9 in UTF-8. serde_json hands over whole
                // string fragments, so a code point is never split across calls.
                0xE2 if buf.get(i + 1) == Some(&0x80) && buf.get(i + 2) == Some(&0xA8) => {
                    Some((b"\\u2028", 3))
                }
                0xE2 if buf.get(i + 1) == Some(&0x80) && buf.get(i + 2) == Some(&0xA9) => {
                    Some((b"\\u2029", 3))
                }
                _ => None,
            };
            if let Some((rep, len)) = esc {
                self.0.write_all(&buf[start..i])?;
                self.0.write_all(rep)?;
                i += len;
                start = i;
            } else {
                i += 1;
            }
        }
        self.0.write_all(&buf[start..])?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The body as the references print it (they leave out the encoder's trailing newline).
    fn body(s: &Status) -> String {
        let bytes = s.to_json();
        assert_eq!(
            bytes.last(),
            Some(&b'\n'),
            "Go's json.Encoder ends with a newline"
        );
        String::from_utf8(bytes[..bytes.len() - 1].to_vec()).unwrap()
    }

    fn sa_user() -> UserInfo {
        UserInfo {
            username: "system:serviceaccount:default:x".into(),
            groups: vec![
                "system:serviceaccounts".into(),
                "system:serviceaccounts:default".into(),
                "system:authenticated".into(),
            ],
            ..Default::default()
        }
    }

    fn attrs(
        verb: &str,
        group: &str,
        resource: &str,
        sub: &str,
        ns: &str,
        name: &str,
    ) -> RequestAttributes {
        RequestAttributes {
            user: sa_user(),
            verb: verb.into(),
            resource_request: true,
            namespace: ns.into(),
            api_group: group.into(),
            api_version: "v1".into(),
            resource: resource.into(),
            subresource: sub.into(),
            name: name.into(),
            path: String::new(),
        }
    }

    #[test]
    fn unauthorized_body() {
        let s = Status::unauthorized();
        assert_eq!(s.code(), 401);
        assert_eq!(
            body(&s),
            r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Unauthorized","reason":"Unauthorized","code":401}"#
        );
    }

    #[test]
    fn forbidden_list_pods_namespaced() {
        let s = Status::forbidden(&attrs("list", "", "pods", "", "default", ""), "");
        assert_eq!(s.code(), 403);
        assert_eq!(
            body(&s),
            r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"pods is forbidden: User \"system:serviceaccount:default:x\" cannot list resource \"pods\" in API group \"\" in the namespace \"default\"","reason":"Forbidden","details":{"kind":"pods"},"code":403}"#
        );
    }

    #[test]
    fn forbidden_named_subresource_group_and_cluster_variants() {
        let s = Status::forbidden(&attrs("get", "", "secrets", "", "default", "foo"), "");
        assert_eq!(
            s.message,
            r#"secrets "foo" is forbidden: User "system:serviceaccount:default:x" cannot get resource "secrets" in API group "" in the namespace "default""#
        );
        assert!(body(&s).contains(r#""details":{"name":"foo","kind":"secrets"}"#));

        let s = Status::forbidden(&attrs("get", "", "pods", "log", "default", "web"), "");
        assert_eq!(
            s.message,
            r#"pods "web" is forbidden: User "system:serviceaccount:default:x" cannot get resource "pods/log" in API group "" in the namespace "default""#
        );
        assert!(body(&s).contains(r#""details":{"name":"web","kind":"pods"}"#));

        let s = Status::forbidden(
            &attrs("create", "", "serviceaccounts", "token", "default", "x"),
            "",
        );
        assert_eq!(
            s.message,
            r#"serviceaccounts "x" is forbidden: User "system:serviceaccount:default:x" cannot create resource "serviceaccounts/token" in API group "" in the namespace "default""#
        );

        let s = Status::forbidden(&attrs("create", RBAC_GROUP, "roles", "", "default", ""), "");
        assert_eq!(
            s.message,
            r#"roles.rbac.authorization.k8s.io is forbidden: User "system:serviceaccount:default:x" cannot create resource "roles" in API group "rbac.authorization.k8s.io" in the namespace "default""#
        );
        assert!(
            body(&s).contains(r#""details":{"group":"rbac.authorization.k8s.io","kind":"roles"}"#)
        );

        let s = Status::forbidden(&attrs("list", "", "namespaces", "", "", ""), "");
        assert_eq!(
            s.message,
            r#"namespaces is forbidden: User "system:serviceaccount:default:x" cannot list resource "namespaces" in API group "" at the cluster scope"#
        );

        let mut a = attrs(
            "create",
            "authorization.k8s.io",
            "selfsubjectaccessreviews",
            "",
            "",
            "",
        );
        a.user = UserInfo::anonymous();
        assert_eq!(
            Status::forbidden(&a, "").message,
            r#"selfsubjectaccessreviews.authorization.k8s.io is forbidden: User "system:anonymous" cannot create resource "selfsubjectaccessreviews" in API group "authorization.k8s.io" at the cluster scope"#
        );
    }

    #[test]
    fn forbidden_non_resource_url() {
        let a = RequestAttributes {
            user: UserInfo::anonymous(),
            verb: "get".into(),
            resource_request: false,
            path: "/".into(),
            ..Default::default()
        };
        assert_eq!(
            body(&Status::forbidden(&a, "")),
            r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"forbidden: User \"system:anonymous\" cannot get path \"/\"","reason":"Forbidden","details":{},"code":403}"#
        );
    }

    #[test]
    fn forbidden_with_rbac_missing_role_reason() {
        let reason = rbac_reason(&[rbac_role_not_found("Role", "missing")]);
        assert_eq!(
            reason,
            r#"RBAC: role.rbac.authorization.k8s.io "missing" not found"#
        );
        let s = Status::forbidden(&attrs("list", "", "pods", "", "default", ""), &reason);
        assert_eq!(
            s.message,
            r#"pods is forbidden: User "system:serviceaccount:default:x" cannot list resource "pods" in API group "" in the namespace "default": RBAC: role.rbac.authorization.k8s.io "missing" not found"#
        );
        assert_eq!(rbac_reason(&[]), "");
        assert_eq!(
            rbac_reason(&[
                rbac_role_not_found("Role", "a"),
                rbac_role_not_found("ClusterRole", "b")
            ]),
            r#"RBAC: [role.rbac.authorization.k8s.io "a" not found, clusterrole.rbac.authorization.k8s.io "b" not found]"#
        );
    }

    #[test]
    fn forbidden_message_is_html_escaped_and_json_escapes_like_go() {
        let mut a = attrs("get", "", "pods", "", "default", "");
        a.user.username = "a<b>&c".into();
        let s = Status::forbidden(&a, "");
        assert_eq!(
            s.message,
            r#"pods is forbidden: User "a&lt;b&gt;&amp;c" cannot get resource "pods" in API group "" in the namespace "default""#
        );
        // Go's encoder then escapes the entity characters once more.
        assert!(body(&s).contains(r#"User \"a\u0026lt;b\u0026gt;\u0026amp;c\""#));
    }

    #[test]
    fn escalation_refusal() {
        let rule = serde_json::json!({"verbs":["delete"],"apiGroups":[""],"resources":["pods"]});
        assert_eq!(
            compact_policy_rule(&rule),
            r#"{APIGroups:[""], Resources:["pods"], Verbs:["delete"]}"#
        );
        let user = UserInfo {
            username: "system:serviceaccount:rbac:privesc".into(),
            groups: vec![
                "system:serviceaccounts".into(),
                "system:serviceaccounts:rbac".into(),
                "system:authenticated".into(),
            ],
            ..Default::default()
        };
        let s = Status::escalation_forbidden(
            "rolebindings",
            "delete-pod",
            &user,
            &[compact_policy_rule(&rule)],
            &[],
        );
        assert_eq!(
            s.message,
            "rolebindings.rbac.authorization.k8s.io \"delete-pod\" is forbidden: user \"system:serviceaccount:rbac:privesc\" (groups=[\"system:serviceaccounts\" \"system:serviceaccounts:rbac\" \"system:authenticated\"]) is attempting to grant RBAC permissions not currently held:\n{APIGroups:[\"\"], Resources:[\"pods\"], Verbs:[\"delete\"]}"
        );
        assert_eq!(
            s.details.as_deref(),
            Some(&StatusDetails {
                name: "delete-pod".into(),
                group: RBAC_GROUP.into(),
                kind: "rolebindings".into(),
                ..Default::default()
            })
        );
        let nr =
            serde_json::json!({"verbs":["get"],"nonResourceURLs":["/x"],"resourceNames":["n"]});
        assert_eq!(
            compact_policy_rule(&nr),
            r#"{NonResourceURLs:["/x"], ResourceNames:["n"], Verbs:["get"]}"#
        );
        let s2 = Status::escalation_forbidden(
            "roles",
            "r",
            &user,
            &["{B}".into(), "{A}".into(), "{B}".into()],
            &["e1".into(), "e2".into()],
        );
        assert!(
            s2.message
                .ends_with("held:\n{A}\n{B}; resolution errors: [e1 e2]"),
            "{}",
            s2.message
        );
    }

    #[test]
    fn not_found_bodies() {
        assert_eq!(
            body(&Status::not_found("", "serviceaccounts", "x")),
            r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"serviceaccounts \"x\" not found","reason":"NotFound","details":{"name":"x","kind":"serviceaccounts"},"code":404}"#
        );
        assert_eq!(
            body(&Status::not_found(RBAC_GROUP, "roles", "x")),
            r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"roles.rbac.authorization.k8s.io \"x\" not found","reason":"NotFound","details":{"name":"x","group":"rbac.authorization.k8s.io","kind":"roles"},"code":404}"#
        );
        assert_eq!(
            body(&Status::namespace_not_found("foo")),
            r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"namespaces \"foo\" not found","reason":"NotFound","details":{"name":"foo","kind":"namespaces"},"code":404}"#
        );
        assert_eq!(
            body(&Status::not_found_path()),
            r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"the server could not find the requested resource","reason":"NotFound","details":{},"code":404}"#
        );
    }

    #[test]
    fn conflict_bodies() {
        assert_eq!(
            body(&Status::already_exists("", "serviceaccounts", "x")),
            r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"serviceaccounts \"x\" already exists","reason":"AlreadyExists","details":{"name":"x","kind":"serviceaccounts"},"code":409}"#
        );
        assert_eq!(
            Status::already_exists(RBAC_GROUP, "roles", "bearertokenauth").message,
            r#"roles.rbac.authorization.k8s.io "bearertokenauth" already exists"#
        );
        assert_eq!(
            Status::already_exists_being_deleted("", "secrets", "s").message,
            r#"object is being deleted: secrets "s" already exists"#
        );
        assert_eq!(
            body(&Status::conflict_modified("", "serviceaccounts", "x")),
            r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Operation cannot be fulfilled on serviceaccounts \"x\": the object has been modified; please apply your changes to the latest version and try again","reason":"Conflict","details":{"name":"x","kind":"serviceaccounts"},"code":409}"#
        );
        assert_eq!(
            Status::conflict(
                "",
                "secrets",
                "s",
                "Precondition failed: UID in precondition: a, UID in object meta: b"
            )
            .message,
            r#"Operation cannot be fulfilled on secrets "s": Precondition failed: UID in precondition: a, UID in object meta: b"#
        );
        assert_eq!(
            body(&Status::generate_name_conflict("", "secrets", "s-abcde", 1)),
            r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"secrets \"s-abcde\" already exists, the server was not able to generate a unique name for the object","reason":"AlreadyExists","details":{"name":"s-abcde","kind":"secrets","retryAfterSeconds":1},"code":409}"#
        );
    }

    const SUBDOMAIN_MSG: &str = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

    #[test]
    fn invalid_body_matches_spec_example() {
        let e = FieldError::invalid("metadata.name", "Bad_Name", SUBDOMAIN_MSG);
        let s = Status::invalid("", "ServiceAccount", "Bad_Name", &[e]);
        assert_eq!(s.code(), 422);
        let expected = format!(
            "{{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{{}},\"status\":\"Failure\",\"message\":\"ServiceAccount \\\"Bad_Name\\\" is invalid: metadata.name: Invalid value: \\\"Bad_Name\\\": {m}\",\"reason\":\"Invalid\",\"details\":{{\"name\":\"Bad_Name\",\"kind\":\"ServiceAccount\",\"causes\":[{{\"reason\":\"FieldValueInvalid\",\"message\":\"Invalid value: \\\"Bad_Name\\\": {m}\",\"field\":\"metadata.name\"}}]}},\"code\":422}}",
            m = SUBDOMAIN_MSG.replace('\\', "\\\\")
        );
        assert_eq!(body(&s), expected);
    }

    #[test]
    fn invalid_aggregates_and_field_error_bodies() {
        let errs = [
            FieldError::required("metadata.name", "name or generateName is required"),
            FieldError::not_supported("roleRef.kind", "Foo", &["Role", "ClusterRole"]),
            FieldError::required("metadata.name", "name or generateName is required"),
        ];
        let s = Status::invalid(RBAC_GROUP, "RoleBinding", "", &errs);
        assert_eq!(
            s.message,
            r#"RoleBinding.rbac.authorization.k8s.io "" is invalid: [metadata.name: Required value: name or generateName is required, roleRef.kind: Unsupported value: "Foo": supported values: "Role", "ClusterRole"]"#
        );
        let d = s.details.unwrap();
        assert_eq!(d.causes.len(), 3, "causes keep duplicates");
        assert_eq!(
            d.causes[0].message,
            "Required value: name or generateName is required"
        );
        assert_eq!(d.causes[1].reason, "FieldValueNotSupported");
        assert_eq!(d.group, RBAC_GROUP);
        assert_eq!(d.kind, "RoleBinding");

        assert_eq!(
            FieldError::invalid(
                "spec.expirationSeconds",
                60i64,
                "may not specify a duration less than 10 minutes"
            )
            .to_string(),
            "spec.expirationSeconds: Invalid value: 60: may not specify a duration less than 10 minutes"
        );
        assert_eq!(
            FieldError::required("x", "").to_string(),
            "x: Required value"
        );
        assert_eq!(
            FieldError::forbidden("force", "may not be specified for non-apply patch").to_string(),
            "force: Forbidden: may not be specified for non-apply patch"
        );
        assert_eq!(
            FieldError::too_long("f", 128).body(),
            "Too long: may not be more than 128 bytes"
        );
        assert_eq!(
            FieldError::invalid("f", BadValue::Null, "d").body(),
            "Invalid value: null: d"
        );
        assert_eq!(
            FieldError::invalid("f", BadValue::Json(serde_json::json!(["<a>", "b"])), "d").body(),
            r#"Invalid value: ["\u003ca\u003e","b"]: d"#
        );
        assert_eq!(
            FieldError::too_long("f", 1).body(),
            "Too long: may not be more than 1 byte"
        );
        assert_eq!(
            FieldError::invalid("f", true, "").body(),
            "Invalid value: true"
        );
        assert_eq!(
            FieldError::duplicate("f", "a").body(),
            r#"Duplicate value: "a""#
        );
        // An error list with no errors still reads "is invalid".
        assert_eq!(
            Status::invalid("", "Secret", "s", &[]).message,
            r#"Secret "s" is invalid"#
        );
    }

    #[test]
    fn method_and_media_type_bodies() {
        assert_eq!(
            body(&Status::method_not_allowed()),
            r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"the server does not allow this method on the requested resource","reason":"MethodNotAllowed","details":{},"code":405}"#
        );
        assert_eq!(
            body(&Status::method_not_supported(
                "",
                "serviceaccounts",
                "watch"
            )),
            r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"watch is not supported on resources of kind \"serviceaccounts\"","reason":"MethodNotAllowed","details":{"kind":"serviceaccounts"},"code":405}"#
        );
        assert_eq!(
            body(&Status::unsupported_patch_media_type()),
            r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"415: Unsupported Media Type","reason":"UnsupportedMediaType","details":{},"code":415}"#
        );
        assert_eq!(
            body(&Status::unsupported_media_type()),
            r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf","reason":"UnsupportedMediaType","code":415}"#
        );
        assert_eq!(
            body(&Status::not_acceptable(&[
                "application/json",
                "application/yaml"
            ])),
            r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"only the following media types are accepted: application/json, application/yaml","reason":"NotAcceptable","code":406}"#
        );
    }

    #[test]
    fn bad_request_internal_and_fault_bodies() {
        assert_eq!(
            body(&Status::bad_request(
                "the namespace of the provided object does not match the namespace sent on the request"
            )),
            r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"the namespace of the provided object does not match the namespace sent on the request","reason":"BadRequest","code":400}"#
        );
        assert_eq!(
            body(&Status::internal_error("boom")),
            r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Internal error occurred: boom","reason":"InternalError","details":{"causes":[{"message":"boom"}]},"code":500}"#
        );
        assert_eq!(
            body(&Status::unknown_error(
                500,
                "resourceVersion should not be set on objects to be created"
            )),
            r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"resourceVersion should not be set on objects to be created","code":500}"#
        );
        let s = Status::too_many_requests("Too many requests, please try again later.", 1);
        assert_eq!(s.code(), 429);
        assert_eq!(
            body(&s),
            r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Too many requests, please try again later.","reason":"TooManyRequests","details":{"retryAfterSeconds":1},"code":429}"#
        );
        assert_eq!(Status::service_unavailable("x").code(), 503);
        assert_eq!(
            body(&Status::expired("too old resource version: 1 (5)")),
            r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"too old resource version: 1 (5)","reason":"Expired","code":410}"#
        );
        assert_eq!(
            Status::namespace_terminating("", "secrets", "", "ns1").message,
            "secrets is forbidden: unable to create new content in namespace ns1 because it is being terminated"
        );
    }

    #[test]
    fn delete_success_body_has_no_code_but_is_a_200() {
        let s = Status::deleted(RBAC_GROUP, "roles", "x", "u-1");
        assert_eq!(s.code(), 200);
        assert_eq!(
            body(&s),
            r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Success","details":{"name":"x","group":"rbac.authorization.k8s.io","kind":"roles","uid":"u-1"}}"#
        );
        // A Failure with code 0 is answered as 500, as ErrorToAPIStatus fills it.
        assert_eq!(Status::unknown_error(0, "x").code(), 500);
    }

    #[test]
    fn request_mismatch_bad_requests() {
        assert_eq!(
            body(&Status::namespace_mismatch()),
            r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"the namespace of the provided object does not match the namespace sent on the request","reason":"BadRequest","code":400}"#
        );
        assert_eq!(
            Status::name_mismatch_on_update("a", "b").message,
            "the name of the object (a) does not match the name on the URL (b)"
        );
        assert_eq!(
            Status::namespace_mismatch_on_update("x", "default").message,
            "the namespace of the object (x) does not match the namespace on the request (default)"
        );
        assert_eq!(
            Status::invalid_name_parameter(
                "a/b%",
                &["may not contain '/'".into(), "may not contain '%'".into()]
            )
            .message,
            r#"Name parameter invalid: "a/b%": may not contain '/';may not contain '%'"#
        );
    }

    #[test]
    fn pretty_printing_rule() {
        assert!(is_pretty(Some("true"), "kubectl/v1.32.4"));
        assert!(is_pretty(Some("1"), ""));
        assert!(!is_pretty(Some("false"), "curl/8.5.0"));
        assert!(
            !is_pretty(Some("yes"), "curl/8.5.0"),
            "ParseBool rejects yes"
        );
        assert!(is_pretty(None, "curl/8.5.0"));
        assert!(is_pretty(Some(""), "Mozilla/5.0 (X11)"));
        assert!(!is_pretty(
            None,
            "kubectl/v1.32.4 (linux/amd64) kubernetes/4cb5f07"
        ));
    }

    #[test]
    fn go_quoting_and_json_escaping() {
        assert_eq!(
            go_quote("a\"b\\c\n\u{1}\u{7f}é"),
            "\"a\\\"b\\\\c\\n\\x01\\x7fé\""
        );
        assert_eq!(go_quote_list(&["".into(), "a".into()]), r#"["" "a"]"#);
        let v = serde_json::json!({"s": "<a&b>\u{2028}\u{2029}\n\"", "n": [1, {}]});
        assert_eq!(
            String::from_utf8(encode_json(&v)).unwrap(),
            "{\"s\":\"\\u003ca\\u0026b\\u003e\\u2028\\u2029\\n\\\"\",\"n\":[1,{}]}\n"
        );
        assert_eq!(
            String::from_utf8(encode_json_pretty(&serde_json::json!({"a": [1], "b": {}}))).unwrap(),
            "{\n  \"a\": [\n    1\n  ],\n  \"b\": {}\n}"
        );
        let pretty = String::from_utf8(Status::unauthorized().to_json_pretty()).unwrap();
        assert!(
            pretty.starts_with(
                "{\n  \"kind\": \"Status\",\n  \"apiVersion\": \"v1\",\n  \"metadata\": {},"
            ),
            "{pretty}"
        );
        assert_eq!(Status::unauthorized().to_value()["code"], 401);
    }
}
