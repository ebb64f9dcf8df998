//! RBAC escalation prevention as a write admission hook on Roles, ClusterRoles and bindings.

use std::sync::Arc;

use serde_json::Value;

use crate::api::status::Status;
use crate::authn::identity::UserInfo;
use crate::authz::rbac::RbacAuthorizer;
use crate::authz::rbac::escalation::{check_binding_write, check_role_write};
use crate::hooks::WriteAdmission;

/// Refuses RBAC writes that grant more than the writer holds, unless it may `escalate`
/// (roles) or `bind` (bindings), as the RBAC storage of kube-apiserver does.
#[derive(Debug)]
pub struct EscalationAdmission {
    rbac: Arc<RbacAuthorizer>,
}

impl EscalationAdmission {
    /// Checks against the rules `rbac` resolves.
    pub fn new(rbac: Arc<RbacAuthorizer>) -> Self {
        EscalationAdmission { rbac }
    }
}

impl WriteAdmission for EscalationAdmission {
    fn admit(
        &self,
        user: &UserInfo,
        resource: &str,
        namespace: &str,
        object: &Value,
    ) -> Result<(), Status> {
        let result = match resource {
            "roles" | "clusterroles" => check_role_write(&self.rbac, user, namespace, object),
            "rolebindings" | "clusterrolebindings" => {
                check_binding_write(&self.rbac, user, namespace, object)
            }
            _ => Ok(()),
        };
        result.map_err(|e| super::status_from_json(&e.to_status()))
    }
}
