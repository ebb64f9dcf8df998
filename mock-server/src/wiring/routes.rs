//! The identity endpoints: TokenRequest, the four reviews, and the service-account issuer
//! discovery documents.

use std::sync::Arc;

use serde_json::Value;

use super::status_from_json;
use crate::api::status::Status;
use crate::authn::token_cache::CachedTokenAuthenticator;
use crate::authn::tokens::BearerAuthenticator;
use crate::authn::tokens::jwt::{DISCOVERY_CACHE_CONTROL, JWKS_CONTENT_TYPE};
use crate::authz::rbac::RbacAuthorizer;
use crate::authz::reviews;
use crate::clock::Clock;
use crate::hooks::{NonResourceHandler, RawResponse, VirtualRequest, VirtualResource};

/// `POST .../serviceaccounts/NAME/token`; `iat`/`exp` come from the server's clock, and
/// `with_uid` puts the ServiceAccount's uid into the answer's metadata (1.34+).
struct TokenRequestRoute {
    bearer: Arc<BearerAuthenticator>,
    clock: Arc<Clock>,
    with_uid: bool,
}

impl VirtualResource for TokenRequestRoute {
    fn create(&self, req: VirtualRequest<'_>) -> Result<Value, Status> {
        let mut answer = self
            .bearer
            .service_accounts
            .create_token(
                req.namespace,
                req.name,
                &req.body,
                self.clock.now(),
                req.objects,
            )
            .map_err(|e| status_from_json(&e.to_status()))?;
        let uid = req
            .objects
            .get_object("serviceaccounts", Some(req.namespace), req.name)
            .and_then(|sa| sa.pointer("/metadata/uid").cloned());
        if let (true, Some(uid), Some(meta)) = (
            self.with_uid,
            uid,
            answer.get_mut("metadata").and_then(Value::as_object_mut),
        ) {
            // ObjectMeta order: name, namespace, uid, creationTimestamp.
            let created = meta.remove("creationTimestamp");
            meta.insert("uid".into(), uid);
            if let Some(c) = created {
                meta.insert("creationTimestamp".into(), c);
            }
        }
        Ok(answer)
    }
}

/// Which review a [`ReviewRoute`] serves.
#[derive(Clone, Copy)]
enum Review {
    SelfSubjectAccess,
    SubjectAccess,
    LocalSubjectAccess,
    SelfSubjectRules,
    SelfSubject,
    Token,
}

struct ReviewRoute {
    review: Review,
    rbac: Arc<RbacAuthorizer>,
    bearer: Arc<BearerAuthenticator>,
    clock: Arc<Clock>,
    token_cache: Arc<CachedTokenAuthenticator>,
}

impl VirtualResource for ReviewRoute {
    fn create(&self, req: VirtualRequest<'_>) -> Result<Value, Status> {
        let result = match self.review {
            Review::SelfSubjectAccess => {
                reviews::self_subject_access_review(&self.rbac, req.user, &req.body)
            }
            Review::SubjectAccess => reviews::subject_access_review(&self.rbac, &req.body, None),
            Review::LocalSubjectAccess => {
                reviews::subject_access_review(&self.rbac, &req.body, Some(req.namespace))
            }
            Review::SelfSubjectRules => {
                reviews::self_subject_rules_review(&self.rbac, req.user, &req.body)
            }
            Review::SelfSubject => Ok(reviews::self_subject_review(
                req.user,
                &self.clock.now_rfc3339(),
            )),
            Review::Token => reviews::token_review_cached(
                &self.bearer,
                &req.body,
                self.clock.unix_now(),
                req.objects,
                Some(&self.token_cache),
            ),
        };
        result.map_err(|e| status_from_json(&e.to_status()))
    }
}

/// TokenRequest and the reviews, as `(group, resource path, handler)`, reading time from `clock`.
pub fn virtual_resources(
    bearer: &Arc<BearerAuthenticator>,
    rbac: &Arc<RbacAuthorizer>,
    clock: &Arc<Clock>,
    token_cache: &Arc<CachedTokenAuthenticator>,
    token_request_uid: bool,
) -> Vec<(String, String, Arc<dyn VirtualResource>)> {
    let review = |review| -> Arc<dyn VirtualResource> {
        Arc::new(ReviewRoute {
            review,
            rbac: rbac.clone(),
            bearer: bearer.clone(),
            clock: clock.clone(),
            token_cache: token_cache.clone(),
        })
    };
    vec![
        (
            String::new(),
            "serviceaccounts/token".into(),
            Arc::new(TokenRequestRoute {
                bearer: bearer.clone(),
                clock: clock.clone(),
                with_uid: token_request_uid,
            }),
        ),
        (
            "authorization.k8s.io".into(),
            "selfsubjectaccessreviews".into(),
            review(Review::SelfSubjectAccess),
        ),
        (
            "authorization.k8s.io".into(),
            "subjectaccessreviews".into(),
            review(Review::SubjectAccess),
        ),
        (
            "authorization.k8s.io".into(),
            "localsubjectaccessreviews".into(),
            review(Review::LocalSubjectAccess),
        ),
        (
            "authorization.k8s.io".into(),
            "selfsubjectrulesreviews".into(),
            review(Review::SelfSubjectRules),
        ),
        (
            "authentication.k8s.io".into(),
            "selfsubjectreviews".into(),
            review(Review::SelfSubject),
        ),
        (
            "authentication.k8s.io".into(),
            "tokenreviews".into(),
            review(Review::Token),
        ),
    ]
}

/// Which discovery document a [`DiscoveryRoute`] serves.
#[derive(Clone, Copy)]
enum Document {
    OpenIdConfiguration,
    Jwks,
}

struct DiscoveryRoute {
    document: Document,
    bearer: Arc<BearerAuthenticator>,
}

impl NonResourceHandler for DiscoveryRoute {
    fn get(&self, _path: &str, _query: &str) -> RawResponse {
        let sa = &self.bearer.service_accounts;
        let (content_type, doc) = match self.document {
            Document::OpenIdConfiguration => ("application/json", Ok(sa.openid_configuration())),
            Document::Jwks => (JWKS_CONTENT_TYPE, sa.jwks()),
        };
        match doc {
            Ok(doc) => RawResponse {
                status: 200,
                content_type: content_type.into(),
                headers: vec![("cache-control".into(), DISCOVERY_CACHE_CONTROL.into())],
                body: serde_json::to_vec(&doc).unwrap_or_default(),
            },
            Err(e) => {
                let s = Status::internal_error(&e.to_string());
                RawResponse {
                    status: s.code(),
                    content_type: "application/json".into(),
                    headers: Vec::new(),
                    body: s.to_json(),
                }
            }
        }
    }
}

/// `/.well-known/openid-configuration` and `/openid/v1/jwks`.
pub fn discovery_routes(
    bearer: &Arc<BearerAuthenticator>,
) -> Vec<(String, Arc<dyn NonResourceHandler>)> {
    let route = |document| -> Arc<dyn NonResourceHandler> {
        Arc::new(DiscoveryRoute {
            document,
            bearer: bearer.clone(),
        })
    };
    vec![
        (
            "/.well-known/openid-configuration".into(),
            route(Document::OpenIdConfiguration),
        ),
        ("/openid/v1/jwks".into(), route(Document::Jwks)),
    ]
}
