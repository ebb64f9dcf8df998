//! Wires the identity modules ([`crate::authn::tokens`], [`crate::authz::rbac`], [`crate::authz::reviews`]) into the
//! server the way kube-apiserver assembles them: the bearer-token authenticators after the
//! client-certificate one, RBAC (with the bootstrap policy) as the authorizer, the
//! impersonation filter, escalation checks on RBAC writes, the TokenRequest and review
//! endpoints, the issuer discovery documents, and the token controller beside the server.

pub mod admission;
pub mod authn;
pub mod controller;
pub mod delayed;
pub mod routes;

use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use tokio::sync::watch;

use crate::api::managed_fields::{KUBE_APISERVER, KUBE_CONTROLLER_MANAGER};
use crate::api::objects::ObjectSource;
use crate::api::registry;
use crate::api::status::{Status, StatusCause, StatusDetails};
use crate::authn::Authenticator;
use crate::authn::tokens::BearerAuthenticator;
use crate::authn::tokens::jwt::{DEFAULT_ISSUER, IssuerConfig};
use crate::authn::tokens::keys::ServiceAccountKeys;
use crate::authn::tokens::serviceaccount::ServiceAccountTokens;
use crate::authn::tokens::token_file::TokenFile;
use crate::authz::rbac::RbacAuthorizer;
use crate::hooks::{Impersonator, NonResourceHandler, VirtualResource, WriteAdmission};
use crate::store::{Store, WriteOptions};

/// The identity settings of one server, resolved at start-up (files already read).
#[derive(Debug)]
pub struct IdentityConfig {
    /// `--token-auth-file`, parsed.
    pub token_file: Option<TokenFile>,
    /// The service-account signing key (lazy, or from `--service-account-key-file`).
    pub keys: ServiceAccountKeys,
    /// `--legacy-token-secrets`: every ServiceAccount gets a `NAME-token-xxxxx` Secret (1.23).
    pub legacy_token_secrets: bool,
    /// `--authz-cache-delay`: RBAC changes become visible to authorization only this long after
    /// they are written (zero: on the next request).
    pub authz_cache_delay: Duration,
    /// `LegacyServiceAccountTokenTracking` (beta, on, from 1.27): using an auto-generated
    /// legacy token draws a `Warning` and labels its Secret with the day of last use. A
    /// 1.23 server (the tutorial's) does neither.
    pub legacy_token_tracking: bool,
    /// TokenRequest answers carry the ServiceAccount's uid in `metadata.uid` (1.34+,
    /// `TokenRequestServiceAccountUIDValidation`, kubernetes/kubernetes#132803).
    pub token_request_uid: bool,
    /// How long a successful bearer-token authentication is remembered (zero: not at all).
    pub token_cache_ttl: Duration,
}

/// Everything [`wire`] produced, for the server's state.
pub struct Wired {
    /// The bearer-token authenticator (token file, then service-account JWTs).
    pub authenticator: Arc<dyn Authenticator>,
    /// The RBAC authorizer (also what the reviews evaluate).
    pub rbac: Arc<RbacAuthorizer>,
    /// The `Impersonate-*` filter.
    pub impersonator: Arc<dyn Impersonator>,
    /// Escalation prevention on RBAC writes.
    pub admission: Arc<dyn WriteAdmission>,
    /// `(group, resource path, handler)` for TokenRequest and the reviews.
    pub virtuals: Vec<(String, String, Arc<dyn VirtualResource>)>,
    /// The issuer discovery documents.
    pub non_resource: Vec<(String, Arc<dyn NonResourceHandler>)>,
    /// Token machinery shared by the authenticator, TokenRequest, TokenReview and the controller.
    pub bearer: Arc<BearerAuthenticator>,
}

/// Seeds the bootstrap ClusterRoles and ClusterRoleBindings a fresh cluster has (existing
/// objects of the same name are kept).
pub fn seed_bootstrap_policy(store: &Store) {
    let seeds = [
        (
            "clusterroles",
            crate::authz::rbac::bootstrap::cluster_roles(),
        ),
        (
            "clusterrolebindings",
            crate::authz::rbac::bootstrap::cluster_role_bindings(),
        ),
    ];
    for (plural, objects) in seeds {
        let Some(def) = registry::find_plural(plural) else {
            continue;
        };
        for obj in objects {
            // kube-apiserver creates aggregated roles without rules; kube-controller-manager's
            // clusterrole-aggregation controller fills them in (and owns them).
            let aggregated = obj.get("aggregationRule").is_some();
            let mut created = obj.clone();
            if aggregated && let Some(o) = created.as_object_mut() {
                o.remove("rules");
            }
            let apiserver = WriteOptions::by(KUBE_APISERVER);
            let result = store.create(def, "", created, &apiserver).and_then(|_| {
                if !aggregated {
                    return Ok(());
                }
                let name = obj["metadata"]["name"].as_str().unwrap_or("").to_string();
                let mut filled = store.get(def, "", &name)?;
                filled["rules"] = obj["rules"].clone();
                let kcm = WriteOptions::by(KUBE_CONTROLLER_MANAGER);
                store.update(def, "", &name, filled, &kcm).map(|_| ())
            });
            if let Err(e) = result
                && e.code() != 409
            {
                tracing::error!(resource = plural, error = %e.message, "seeding bootstrap policy failed");
            }
        }
    }
}

/// Builds the identity stack for a server reachable at `url`, and spawns the token controller
/// (and, with a cache delay, the RBAC cache) on `handle` until `shutdown` turns true.
pub fn wire(
    cfg: IdentityConfig,
    url: &str,
    store: &Arc<Store>,
    handle: &tokio::runtime::Handle,
    shutdown: &watch::Receiver<bool>,
) -> Wired {
    let bearer = Arc::new(BearerAuthenticator {
        token_file: cfg.token_file,
        service_accounts: ServiceAccountTokens::new(
            cfg.keys,
            IssuerConfig::new(DEFAULT_ISSUER, url),
        ),
    });
    let rbac_source: Arc<dyn ObjectSource> = if cfg.authz_cache_delay.is_zero() {
        store.clone()
    } else {
        let (source, rx) = delayed::DelayedRbacSource::new(store.clone(), cfg.authz_cache_delay);
        handle.spawn(source.clone().run(rx, shutdown.clone()));
        source
    };
    let rbac = Arc::new(RbacAuthorizer::new(rbac_source));
    let rx = store.subscribe();
    let run_controller = controller::run(
        store.clone(),
        bearer.clone(),
        cfg.legacy_token_secrets,
        rx,
        shutdown.clone(),
    );
    // kube-controller-manager is its own process: its work (an RSA signature per token,
    // about a millisecond) must not hold up the answers of the runtime's workers. On a
    // worker, the controller woken by a create ran before that create's answer went out.
    let on_thread = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .and_then(|rt| {
            std::thread::Builder::new()
                .name("token-controller".into())
                .spawn(move || rt.block_on(run_controller))
        });
    if let Err(e) = on_thread {
        tracing::error!(error = %e, "cannot start the token controller's thread");
    }
    let token_cache = Arc::new(crate::authn::token_cache::CachedTokenAuthenticator::new(
        Arc::new(
            authn::TokenAuthenticator::new(bearer.clone(), store.clone())
                .with_legacy_token_tracking(cfg.legacy_token_tracking),
        ),
        cfg.token_cache_ttl,
        store.clock().clone(),
        bearer.service_accounts.issuer.api_audiences.clone(),
    ));
    Wired {
        authenticator: token_cache.clone(),
        impersonator: Arc::new(authn::RbacImpersonator),
        admission: Arc::new(admission::EscalationAdmission::new(rbac.clone())),
        virtuals: routes::virtual_resources(
            &bearer,
            &rbac,
            store.clock(),
            &token_cache,
            cfg.token_request_uid,
        ),
        non_resource: routes::discovery_routes(&bearer),
        rbac,
        bearer,
    }
}

/// A Status built by the identity modules (as JSON in kube's field order) as the server's
/// [`Status`] type.
pub fn status_from_json(v: &Value) -> Status {
    let s = |o: &Value, k: &str| o.get(k).and_then(Value::as_str).unwrap_or("").to_string();
    let details = v.get("details").filter(|d| d.is_object()).map(|d| {
        Box::new(StatusDetails {
            name: s(d, "name"),
            group: s(d, "group"),
            kind: s(d, "kind"),
            uid: s(d, "uid"),
            causes: d
                .get("causes")
                .and_then(Value::as_array)
                .map(|cs| {
                    cs.iter()
                        .map(|c| StatusCause {
                            reason: s(c, "reason"),
                            message: s(c, "message"),
                            field: s(c, "field"),
                        })
                        .collect()
                })
                .unwrap_or_default(),
            retry_after_seconds: d
                .get("retryAfterSeconds")
                .and_then(Value::as_u64)
                .map_or(0, |n| n as u32),
        })
    });
    Status {
        status: s(v, "status"),
        message: s(v, "message"),
        reason: s(v, "reason"),
        details,
        code: v
            .get("code")
            .and_then(Value::as_u64)
            .map_or(500, |c| c as u16),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn module_status_json_round_trips_byte_for_byte() {
        let e = crate::authz::rbac::escalation::EscalationError::RoleNotFound {
            resource: "roles".into(),
            name: "x".into(),
        };
        let v = e.to_status();
        let s = status_from_json(&v);
        let mut expected = serde_json::to_vec(&v).unwrap();
        expected.push(b'\n');
        assert_eq!(
            String::from_utf8(s.to_json()).unwrap(),
            String::from_utf8(expected).unwrap()
        );
        let v = crate::authn::tokens::status_json(
            422,
            "Invalid",
            "m",
            Some(
                serde_json::json!({"group": "g", "kind": "K", "causes": [{"reason": "FieldValueInvalid", "message": "c", "field": "spec"}]}),
            ),
        );
        let mut expected = serde_json::to_vec(&v).unwrap();
        expected.push(b'\n');
        assert_eq!(status_from_json(&v).to_json(), expected);
    }
}
