//! `Impersonate-*` headers (`staging/.../apiserver/pkg/endpoints/filters/impersonation.go`):
//! each requested attribute needs the `impersonate` verb, then the request runs as that user.

use std::collections::BTreeMap;

use crate::authn::identity::{RequestAttributes, UserInfo};
use crate::authz::{Authorizer, Decision};

/// The impersonation headers of one request.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ImpersonationRequest {
    /// `Impersonate-User`.
    pub user: Option<String>,
    /// `Impersonate-Uid`.
    pub uid: Option<String>,
    /// `Impersonate-Group` (repeated).
    pub groups: Vec<String>,
    /// `Impersonate-Extra-<key>` (repeated).
    pub extra: BTreeMap<String, Vec<String>>,
}

impl ImpersonationRequest {
    /// Whether any impersonation header was sent.
    pub fn is_empty(&self) -> bool {
        self.user.is_none() && self.uid.is_none() && self.groups.is_empty() && self.extra.is_empty()
    }
}

/// Why impersonation was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImpersonationError {
    /// 403: the requester may not impersonate this attribute; `attrs` is the check that failed
    /// (verb `impersonate`), for the standard forbidden message.
    #[error("impersonation of {} {:?} forbidden", attrs.resource, attrs.name)]
    Forbidden {
        /// The denied check.
        attrs: Box<RequestAttributes>,
        /// The authorizer's reason.
        reason: String,
    },
    /// Groups, extra or uid without `Impersonate-User` (the real filter answers 500 InternalError).
    #[error("requested {0} without impersonating a user")]
    MissingUser(String),
}

impl ImpersonationError {
    /// The HTTP status code.
    pub fn code(&self) -> u16 {
        match self {
            Self::Forbidden { .. } => 403,
            Self::MissingUser(_) => 500,
        }
    }
}

fn check(authz: &dyn Authorizer, attrs: RequestAttributes) -> Result<(), ImpersonationError> {
    match authz.authorize(&attrs) {
        Decision::Allow => Ok(()),
        Decision::Deny { reason } => Err(ImpersonationError::Forbidden {
            attrs: Box::new(attrs),
            reason,
        }),
        Decision::NoOpinion => Err(ImpersonationError::Forbidden {
            attrs: Box::new(attrs),
            reason: String::new(),
        }),
    }
}

/// Authorize `req` for `requester` and return the impersonated user, or `Ok(None)` without headers.
pub fn impersonate(
    authz: &dyn Authorizer,
    requester: &UserInfo,
    req: &ImpersonationRequest,
) -> Result<Option<UserInfo>, ImpersonationError> {
    if req.is_empty() {
        return Ok(None);
    }
    let Some(username) = req.user.clone() else {
        return Err(ImpersonationError::MissingUser(format!(
            "{:?}",
            req.groups.iter().chain(req.uid.iter()).collect::<Vec<_>>()
        )));
    };
    let base = |resource: &str, name: &str| RequestAttributes {
        user: requester.clone(),
        verb: "impersonate".into(),
        resource_request: true,
        resource: resource.into(),
        name: name.into(),
        ..Default::default()
    };
    let mut groups: Vec<String> = Vec::new();
    if let Some(rest) = username.strip_prefix("system:serviceaccount:")
        && let Some((ns, name)) = rest.split_once(':')
    {
        let mut attrs = base("serviceaccounts", name);
        attrs.namespace = ns.into();
        check(authz, attrs)?;
        if req.groups.is_empty() {
            groups.push("system:serviceaccounts".into());
            groups.push(format!("system:serviceaccounts:{ns}"));
        }
    } else {
        check(authz, base("users", &username))?;
    }
    for g in &req.groups {
        check(authz, base("groups", g))?;
        groups.push(g.clone());
    }
    for (key, values) in &req.extra {
        for v in values {
            let mut attrs = base("userextras", v);
            attrs.api_group = "authentication.k8s.io".into();
            attrs.subresource = key.clone();
            check(authz, attrs)?;
        }
    }
    if let Some(uid) = &req.uid {
        let mut attrs = base("uids", uid);
        attrs.api_group = "authentication.k8s.io".into();
        check(authz, attrs)?;
    }
    if username == "system:anonymous" {
        if !groups.iter().any(|g| g == "system:unauthenticated") {
            groups.push("system:unauthenticated".into());
        }
    } else if !groups
        .iter()
        .any(|g| g == "system:authenticated" || g == "system:unauthenticated")
    {
        groups.push("system:authenticated".into());
    }
    Ok(Some(UserInfo {
        username,
        uid: req.uid.clone().unwrap_or_default(),
        groups,
        extra: req.extra.clone(),
    }))
}
