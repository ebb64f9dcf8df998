//! Decoding of `application/vnd.kubernetes.protobuf` request bodies into the JSON the same object
//! would have been sent as.
//!
//! kubectl's typed clients (`create sa/role/rolebinding/token`, `auth can-i`, `auth whoami`) send
//! protobuf and do not fall back to JSON on a 415, so the server must read it. The body is the
//! magic `k8s\0` followed by a `runtime.Unknown` message
//! (k8s.io/apimachinery/pkg/runtime/generated.proto):
//!
//! ```text
//! Unknown  { 1: TypeMeta typeMeta; 2: bytes raw; 3: string contentEncoding; 4: string contentType }
//! TypeMeta { 1: string apiVersion; 2: string kind }
//! ```
//!
//! `raw` is the object's own gogo-proto2 message, decoded by the tables in the submodules
//! (`meta`, `core`, `rbac`, `auth`) into a `serde_json::Value` following the Go JSON tags (see
//! `schema` for the exact rules).

mod auth;
mod core;
mod meta;
mod rbac;
mod schema;
mod time;
mod wire;

#[cfg(test)]
mod tests;

use serde_json::{Map, Value};

use schema::{Message, Path};
use wire::{Reader, WireValue};

/// The media type of Kubernetes protobuf bodies.
pub const MEDIA_TYPE: &str = "application/vnd.kubernetes.protobuf";

/// The 4 bytes every Kubernetes protobuf body starts with.
pub const MAGIC: &[u8; 4] = b"k8s\0";

/// Why a protobuf request body could not be decoded. Messages never include field values, so
/// secrets in a body (Secret data, TokenReview tokens) cannot leak through them.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProtobufError {
    /// The body does not start with `k8s\0`.
    #[error("body is not Kubernetes protobuf: it does not start with the magic bytes \"k8s\\x00\"")]
    BadMagic,
    /// The data ends inside a field.
    #[error("truncated protobuf data in {at}")]
    Truncated {
        /// Dotted path of the message being read, e.g. `Role.rules.verbs`.
        at: String,
    },
    /// The bytes are not a valid encoding of the expected message.
    #[error("malformed protobuf data in {at}: {reason}")]
    Malformed {
        /// Dotted path of the message or field being read.
        at: String,
        /// What is wrong.
        reason: String,
    },
    /// The envelope's `typeMeta` lacks `apiVersion` or `kind`.
    #[error("protobuf envelope has no {0} in its typeMeta")]
    MissingTypeMeta(&'static str),
    /// The envelope's `contentEncoding` is set (e.g. gzip); only plain `raw` bytes are read.
    #[error("unsupported contentEncoding {0:?} in the protobuf envelope")]
    UnsupportedEncoding(String),
    /// No decoder for this apiVersion and kind; the server answers 415 for it.
    #[error("no protobuf decoder for kind {kind:?} in apiVersion {api_version:?}")]
    UnsupportedKind {
        /// `typeMeta.apiVersion` from the envelope.
        api_version: String,
        /// `typeMeta.kind` from the envelope.
        kind: String,
    },
    /// A field this server's tables do not decode carries data (only for partially described
    /// messages such as Pod); the server answers 415 rather than store a different object.
    #[error("protobuf field {field} of {message} is not supported by this server")]
    UnsupportedField {
        /// Go type name of the message.
        message: &'static str,
        /// Protobuf field number.
        field: u32,
    },
}

impl ProtobufError {
    /// True when the body is well-formed but asks for something this decoder does not handle
    /// (unknown kind, unsupported field or encoding): a 415 rather than a 400.
    pub fn is_unsupported(&self) -> bool {
        matches!(
            self,
            ProtobufError::UnsupportedKind { .. }
                | ProtobufError::UnsupportedField { .. }
                | ProtobufError::UnsupportedEncoding(_)
        )
    }
}

/// The decoded `runtime.Unknown` envelope.
#[derive(Clone, PartialEq, Eq)]
pub struct Envelope<'a> {
    /// `typeMeta.apiVersion`, e.g. `rbac.authorization.k8s.io/v1`.
    pub api_version: String,
    /// `typeMeta.kind`, e.g. `Role`.
    pub kind: String,
    /// The object's own protobuf message.
    pub raw: &'a [u8],
    /// Always empty from kubectl.
    pub content_type: String,
}

/// `raw` may hold Secret data or a TokenReview token, so Debug shows only its length.
impl std::fmt::Debug for Envelope<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Envelope")
            .field("api_version", &self.api_version)
            .field("kind", &self.kind)
            .field("raw", &format_args!("<{} bytes>", self.raw.len()))
            .field("content_type", &self.content_type)
            .finish()
    }
}

/// True when a `Content-Type` header value names Kubernetes protobuf (parameters ignored).
pub fn is_protobuf_media_type(content_type: &str) -> bool {
    content_type
        .split(';')
        .next()
        .is_some_and(|essence| essence.trim().eq_ignore_ascii_case(MEDIA_TYPE))
}

/// Checks the magic and decodes the `runtime.Unknown` envelope without looking at `raw`.
pub fn decode_envelope(body: &[u8]) -> Result<Envelope<'_>, ProtobufError> {
    let rest = body.strip_prefix(MAGIC).ok_or(ProtobufError::BadMagic)?;
    let path = Path::root("Unknown");
    let mut type_meta: Vec<u8> = Vec::new();
    let mut raw: &[u8] = &[];
    let mut content_encoding = String::new();
    let mut content_type = String::new();
    for item in Reader::new(rest) {
        let (number, value) = item.map_err(|e| path.wire(e))?;
        match (number, value) {
            // A repeated embedded message merges; concatenating the payloads is that merge.
            (1, WireValue::Len(b)) => type_meta.extend_from_slice(b),
            (2, WireValue::Len(b)) => raw = b,
            (3, WireValue::Len(b)) => content_encoding = String::from_utf8_lossy(b).into_owned(),
            (4, WireValue::Len(b)) => content_type = String::from_utf8_lossy(b).into_owned(),
            (1..=4, other) => {
                return Err(path.malformed(format!(
                    "field {number} has wire type {}",
                    other.wire_type()
                )));
            }
            _ => {}
        }
    }
    let type_meta_path = path.child("typeMeta");
    let mut api_version = String::new();
    let mut kind = String::new();
    for item in Reader::new(&type_meta) {
        let (number, value) = item.map_err(|e| type_meta_path.wire(e))?;
        match (number, value) {
            (1, WireValue::Len(b)) => api_version = String::from_utf8_lossy(b).into_owned(),
            (2, WireValue::Len(b)) => kind = String::from_utf8_lossy(b).into_owned(),
            (1 | 2, other) => {
                return Err(type_meta_path.malformed(format!(
                    "field {number} has wire type {}",
                    other.wire_type()
                )));
            }
            _ => {}
        }
    }
    if !content_encoding.is_empty() {
        return Err(ProtobufError::UnsupportedEncoding(content_encoding));
    }
    if api_version.is_empty() {
        return Err(ProtobufError::MissingTypeMeta("apiVersion"));
    }
    if kind.is_empty() {
        return Err(ProtobufError::MissingTypeMeta("kind"));
    }
    Ok(Envelope {
        api_version,
        kind,
        raw,
        content_type,
    })
}

/// Decodes a whole protobuf request body into the object's JSON form, with `kind` and `apiVersion`
/// set from the envelope.
pub fn decode(body: &[u8]) -> Result<Value, ProtobufError> {
    let envelope = decode_envelope(body)?;
    let message = message_for(&envelope.api_version, &envelope.kind).ok_or_else(|| {
        ProtobufError::UnsupportedKind {
            api_version: envelope.api_version.clone(),
            kind: envelope.kind.clone(),
        }
    })?;
    let fields = schema::decode_message(message, envelope.raw, &Path::root(message.name))?;
    let mut object = Map::new();
    object.insert("kind".to_owned(), Value::String(envelope.kind));
    object.insert("apiVersion".to_owned(), Value::String(envelope.api_version));
    for (key, value) in fields {
        // `status` is output-only; clients send it all-zero and the fixtures record it absent.
        if key == "status" && schema::is_zero(&value) {
            continue;
        }
        object.insert(key, value);
    }
    Ok(Value::Object(object))
}

/// API groups whose versions accept DeleteOptions (`metav1.AddToGroupVersion` registers it in
/// every served group version, plus `meta.k8s.io/v1`).
const DELETE_OPTIONS_VERSIONS: &[&str] = &[
    "v1",
    "meta.k8s.io/v1",
    "apps/v1",
    "rbac.authorization.k8s.io/v1",
    "authentication.k8s.io/v1",
    "authorization.k8s.io/v1",
];

/// The message table for an apiVersion and kind, if this server decodes it.
fn message_for(api_version: &str, kind: &str) -> Option<&'static Message> {
    Some(match (api_version, kind) {
        ("v1", "ServiceAccount") => &core::SERVICE_ACCOUNT,
        ("v1", "Secret") => &core::SECRET,
        ("v1", "ConfigMap") => &core::CONFIG_MAP,
        ("v1", "Namespace") => &core::NAMESPACE,
        ("v1", "Pod") => &core::POD,
        (v, "DeleteOptions") if DELETE_OPTIONS_VERSIONS.contains(&v) => &meta::DELETE_OPTIONS,
        ("rbac.authorization.k8s.io/v1", "Role") => &rbac::ROLE,
        ("rbac.authorization.k8s.io/v1", "ClusterRole") => &rbac::CLUSTER_ROLE,
        ("rbac.authorization.k8s.io/v1", "RoleBinding") => &rbac::ROLE_BINDING,
        ("rbac.authorization.k8s.io/v1", "ClusterRoleBinding") => &rbac::CLUSTER_ROLE_BINDING,
        ("authentication.k8s.io/v1", "TokenRequest") => &auth::TOKEN_REQUEST,
        ("authentication.k8s.io/v1", "TokenReview") => &auth::TOKEN_REVIEW,
        (
            "authentication.k8s.io/v1"
            | "authentication.k8s.io/v1beta1"
            | "authentication.k8s.io/v1alpha1",
            "SelfSubjectReview",
        ) => &auth::SELF_SUBJECT_REVIEW,
        ("authorization.k8s.io/v1", "SelfSubjectAccessReview") => &auth::SELF_SUBJECT_ACCESS_REVIEW,
        ("authorization.k8s.io/v1", "SelfSubjectRulesReview") => &auth::SELF_SUBJECT_RULES_REVIEW,
        ("authorization.k8s.io/v1", "SubjectAccessReview") => &auth::SUBJECT_ACCESS_REVIEW,
        ("authorization.k8s.io/v1", "LocalSubjectAccessReview") => {
            &auth::LOCAL_SUBJECT_ACCESS_REVIEW
        }
        _ => return None,
    })
}
