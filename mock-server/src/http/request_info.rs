//! Turning a request path into kube's `RequestInfo`: resource or non-resource, API group and
//! version, namespace, resource, name, subresource and the authorization verb, following
//! `staging/src/k8s.io/apiserver/pkg/endpoints/request/requestinfo.go`.

use crate::authn::identity::{RequestAttributes, UserInfo};

/// The parsed form of one request.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RequestInfo {
    /// `/api/...` or `/apis/...` with at least a resource.
    pub is_resource_request: bool,
    /// The URL path.
    pub path: String,
    /// Authorization verb (`get`, `list`, `watch`, `create`, ...), or the lower-cased HTTP
    /// method for non-resource requests.
    pub verb: String,
    /// API group; empty for the core group.
    pub api_group: String,
    /// API version.
    pub api_version: String,
    /// Namespace; empty if none.
    pub namespace: String,
    /// Plural resource.
    pub resource: String,
    /// Subresource, e.g. `token`.
    pub subresource: String,
    /// Object name; for list/watch the `metadata.name` field selector value.
    pub name: String,
    /// Extra path parts after the subresource (unsupported; makes the path unknown).
    pub extra_parts: bool,
}

impl RequestInfo {
    /// Parses `method` + `path` (without query) + raw `query`.
    pub fn parse(method: &str, path: &str, query: &str) -> RequestInfo {
        let mut info = RequestInfo {
            path: path.to_string(),
            verb: method.to_ascii_lowercase(),
            ..Default::default()
        };
        let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
        let rest: &[&str] = match parts.as_slice() {
            ["api", version, rest @ ..] if !rest.is_empty() && !rest[0].is_empty() => {
                info.api_version = version.to_string();
                rest
            }
            ["apis", group, version, rest @ ..] if !rest.is_empty() && !rest[0].is_empty() => {
                info.api_group = group.to_string();
                info.api_version = version.to_string();
                rest
            }
            _ => return info,
        };
        info.is_resource_request = true;
        let mut current: &[&str] = rest;
        // `/namespaces/<ns>/status|finalize` are namespace subresources.
        if current[0] == "namespaces" && current.len() > 1 {
            info.namespace = current[1].to_string();
            if current.len() > 2 && !matches!(current[2], "status" | "finalize") {
                current = &current[2..];
            }
        }
        info.resource = current[0].to_string();
        if current.len() >= 2 {
            info.name = current[1].to_string();
        }
        if current.len() >= 3 {
            info.subresource = current[2].to_string();
        }
        info.extra_parts = current.len() > 3;

        let params = crate::http::query::Query::parse(query);
        info.verb = match method {
            "GET" | "HEAD" if info.name.is_empty() => {
                if params.flag("watch") {
                    "watch".into()
                } else {
                    "list".into()
                }
            }
            "GET" | "HEAD" => "get".into(),
            "POST" => "create".into(),
            "PUT" => "update".into(),
            "PATCH" => "patch".into(),
            "DELETE" if info.name.is_empty() => "deletecollection".into(),
            "DELETE" => "delete".into(),
            other => other.to_ascii_lowercase(),
        };
        // A list/watch narrowed to one name by field selector is authorized for that name.
        if matches!(info.verb.as_str(), "list" | "watch")
            && let Some(sel) = params.get("fieldSelector")
        {
            for term in sel.split(',') {
                let term = term.trim();
                if let Some(v) = term
                    .strip_prefix("metadata.name==")
                    .or_else(|| term.strip_prefix("metadata.name="))
                {
                    info.name = v.to_string();
                }
            }
        }
        info
    }

    /// The attributes an authorizer sees.
    pub fn attributes(&self, user: &UserInfo) -> RequestAttributes {
        RequestAttributes {
            user: user.clone(),
            verb: self.verb.clone(),
            resource_request: self.is_resource_request,
            namespace: self.namespace.clone(),
            api_group: self.api_group.clone(),
            api_version: self.api_version.clone(),
            resource: self.resource.clone(),
            subresource: self.subresource.clone(),
            name: self.name.clone(),
            path: self.path.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verbs_follow_request_info_factory() {
        let p = |m, path, q| RequestInfo::parse(m, path, q);
        assert_eq!(p("GET", "/api/v1/namespaces/default/pods", "").verb, "list");
        assert_eq!(
            p("GET", "/api/v1/namespaces/default/pods", "watch=true").verb,
            "watch"
        );
        assert_eq!(
            p("GET", "/api/v1/namespaces/default/pods/x", "").verb,
            "get"
        );
        assert_eq!(
            p("POST", "/api/v1/namespaces/default/serviceaccounts", "").verb,
            "create"
        );
        assert_eq!(
            p("PUT", "/api/v1/namespaces/d/secrets/s", "").verb,
            "update"
        );
        assert_eq!(
            p("PATCH", "/api/v1/namespaces/d/secrets/s", "").verb,
            "patch"
        );
        assert_eq!(
            p("DELETE", "/api/v1/namespaces/d/secrets/s", "").verb,
            "delete"
        );
        assert_eq!(
            p("DELETE", "/api/v1/namespaces/d/secrets", "").verb,
            "deletecollection"
        );
    }

    #[test]
    fn parts_are_split_like_kube() {
        let i = RequestInfo::parse(
            "POST",
            "/api/v1/namespaces/default/serviceaccounts/x/token",
            "",
        );
        assert!(i.is_resource_request);
        assert_eq!(
            (
                i.namespace.as_str(),
                i.resource.as_str(),
                i.name.as_str(),
                i.subresource.as_str()
            ),
            ("default", "serviceaccounts", "x", "token")
        );
        let i = RequestInfo::parse("GET", "/api/v1/namespaces/foo", "");
        assert_eq!(
            (i.namespace.as_str(), i.resource.as_str(), i.name.as_str()),
            ("foo", "namespaces", "foo")
        );
        let i = RequestInfo::parse(
            "GET",
            "/apis/rbac.authorization.k8s.io/v1/clusterroles/admin",
            "",
        );
        assert_eq!(i.api_group, "rbac.authorization.k8s.io");
        assert_eq!(i.namespace, "");
        assert_eq!(i.name, "admin");
        for np in [
            "/",
            "/api",
            "/api/v1",
            "/apis",
            "/apis/apps/v1",
            "/version",
            "/healthz",
        ] {
            let i = RequestInfo::parse("GET", np, "");
            assert!(!i.is_resource_request, "{np}");
            assert_eq!(i.verb, "get");
        }
    }

    #[test]
    fn field_selector_name_becomes_the_name_for_list_and_watch() {
        let i = RequestInfo::parse(
            "GET",
            "/api/v1/namespaces/default/serviceaccounts",
            "fieldSelector=metadata.name%3Dx&watch=true",
        );
        assert_eq!((i.verb.as_str(), i.name.as_str()), ("watch", "x"));
    }
}
