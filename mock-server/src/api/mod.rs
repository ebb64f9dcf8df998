//! What the server serves: the resource [`registry`] and the [`discovery`] documents made
//! from it, per-kind [`validation`] and defaults ([`qos`]), admission rules
//! ([`namespace_lifecycle`]), [`strategic_merge`] patches, the 400s for bodies that cannot be
//! decoded ([`decode_errors`]), the answers' shapes ([`status`] bodies, server-side [`table`]s),
//! the field manager's [`managed_fields`], and read access to stored [`objects`] for the
//! layers that must look things up.

pub mod decode_errors;
pub mod discovery;
pub mod managed_fields;
pub mod namespace_lifecycle;
pub mod objects;
pub mod qos;
pub mod registry;
pub mod status;
pub mod strategic_merge;
pub mod table;
pub mod validation;
