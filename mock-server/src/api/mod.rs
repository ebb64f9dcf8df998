//! What the server serves: the resource [`registry`] and the [`discovery`] documents made
//! from it, per-kind [`validation`] and defaults ([`qos`]), [`strategic_merge`] patches, the
//! answers' shapes ([`status`] bodies, server-side [`table`]s), and read access to stored
//! [`objects`] for the layers that must look things up.

pub mod discovery;
pub mod objects;
pub mod qos;
pub mod registry;
pub mod status;
pub mod strategic_merge;
pub mod table;
pub mod validation;
