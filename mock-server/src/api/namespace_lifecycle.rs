//! The NamespaceLifecycle admission plugin's rule for deletes
//! (`apiserver/pkg/admission/plugin/namespace/lifecycle/admission.go`): kube-apiserver
//! configures it with `default`, `kube-system` and `kube-public` as immortal namespaces, and
//! a DELETE of one of them is refused before the storage is asked.

use crate::api::status::Status;

/// The namespaces that cannot be deleted.
pub const IMMORTAL_NAMESPACES: &[&str] = &["default", "kube-system", "kube-public"];

/// The 403 for deleting an immortal namespace (`resource` is the plural deleted).
pub fn admit_delete(resource: &str, name: &str) -> Result<(), Status> {
    if resource == "namespaces" && IMMORTAL_NAMESPACES.contains(&name) {
        return Err(Status::forbidden_for(
            "",
            "namespaces",
            name,
            "this namespace may not be deleted",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn immortal_namespaces_get_the_lifecycle_403() {
        let s = admit_delete("namespaces", "kube-system").unwrap_err();
        assert_eq!(s.code(), 403);
        assert_eq!(
            s.message,
            "namespaces \"kube-system\" is forbidden: this namespace may not be deleted"
        );
        assert!(admit_delete("namespaces", "kube-node-lease").is_ok());
        assert!(admit_delete("serviceaccounts", "default").is_ok());
    }
}
