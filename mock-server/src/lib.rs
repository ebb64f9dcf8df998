//! mock-apiserver: a stateful, TLS-serving stand-in for kube-apiserver.
#![warn(missing_docs)]

pub mod auth;
pub mod authz;
pub mod identity;
pub mod objects;
pub mod rbac;
pub mod reviews;
