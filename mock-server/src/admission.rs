//! The checks a write passes before it is stored: per-kind validation (names, required
//! fields, immutable fields) as kube's registry strategies run it. The rules themselves live
//! in `validation.rs`; this module decides which of them apply to a create or an update.

use serde_json::Value;

use crate::registry::ResourceDef;
use crate::status::Status;

/// Validates an object about to be created.
pub fn validate_create(_def: &ResourceDef, _obj: &Value) -> Result<(), Status> {
    Ok(())
}

/// Validates an update of `old` to `new`.
pub fn validate_update(_def: &ResourceDef, _new: &Value, _old: &Value) -> Result<(), Status> {
    Ok(())
}
