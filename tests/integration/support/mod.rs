//! Helpers shared by the integration test modules.

pub mod net;
pub mod openapi;
