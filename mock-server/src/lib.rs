//! mock-apiserver: a stateful, TLS-serving stand-in for kube-apiserver.
#![warn(missing_docs)]

pub mod identity;
pub mod objects;
pub mod status;
pub mod table;
pub mod validation;
