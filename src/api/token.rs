//! TokenRequest and TokenReview (`authentication.k8s.io/v1`).
//!
//! | call | HTTP request |
//! |---|---|
//! | `Api::<ServiceAccount>::namespaced(&c, "default").create_token("x", &TokenRequest::new(…))` | `POST /api/v1/namespaces/default/serviceaccounts/x/token` → 201 with `status.token` |
//! | `c.create_token_review(&TokenReview::new(token))` | `POST /apis/authentication.k8s.io/v1/tokenreviews` |
//!
//! A TokenRequest mints a short-lived *bound* token (default 1 h, minimum 10 min);
//! the API server signs it and stores nothing. A TokenReview asks the server
//! whether a token is valid and who it belongs to (needs `create tokenreviews`).

use serde::{Deserialize, Serialize};

use super::Api;
use super::meta::{ObjectMeta, TypeMeta};
use super::serviceaccount::ServiceAccount;
use crate::client::{Client, Request};
use crate::error::Result;
use crate::path::Resource;

/// `authentication.k8s.io/v1`.
pub const AUTHENTICATION_V1: &str = "authentication.k8s.io/v1";

/// `TokenRequest`: the body and response of `POST …/serviceaccounts/{name}/token`.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TokenRequest {
    /// `TokenRequest`, `authentication.k8s.io/v1`.
    #[serde(flatten)]
    pub type_meta: TypeMeta,
    /// Filled in by the server from the ServiceAccount.
    #[serde(default)]
    pub metadata: ObjectMeta,
    /// What to mint.
    pub spec: TokenRequestSpec,
    /// The minted token (response only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<TokenRequestStatus>,
}

impl std::fmt::Debug for TokenRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenRequest")
            .field("metadata", &self.metadata)
            .field("spec", &self.spec)
            .field(
                "status",
                &self.status.as_ref().map(|s| &s.expiration_timestamp),
            )
            .finish()
    }
}

impl TokenRequest {
    /// A request for a token valid for `audiences` (empty = the API server's own)
    /// for `expiration_seconds` (None = server default, 3600).
    pub fn new(audiences: Vec<String>, expiration_seconds: Option<i64>) -> Self {
        TokenRequest {
            type_meta: TypeMeta {
                kind: "TokenRequest".into(),
                api_version: AUTHENTICATION_V1.into(),
            },
            spec: TokenRequestSpec {
                audiences,
                expiration_seconds,
                bound_object_ref: None,
            },
            ..Default::default()
        }
    }

    /// The token from the response.
    pub fn token(&self) -> Option<&str> {
        self.status.as_ref().map(|s| s.token.as_str())
    }
}

/// What token to mint.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TokenRequestSpec {
    /// Intended audiences (no omitempty in Go: always sent, `[]` allowed).
    #[serde(default, deserialize_with = "null_as_empty")]
    pub audiences: Vec<String>,
    /// Requested lifetime in seconds; the server may shorten it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expiration_seconds: Option<i64>,
    /// Tie the token to a Pod, Secret or Node (the server echoes `null` when unset).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bound_object_ref: Option<BoundObjectReference>,
}

/// The object a token is bound to: the token dies with it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BoundObjectReference {
    /// `Pod`, `Secret` or `Node`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub kind: String,
    /// `v1`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub api_version: String,
    /// Object name.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    /// Object uid (checked if set).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub uid: String,
}

/// The minted token.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TokenRequestStatus {
    /// The JWT.
    pub token: String,
    /// RFC 3339 expiry.
    pub expiration_timestamp: String,
}

impl std::fmt::Debug for TokenRequestStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenRequestStatus")
            .field("token", &"<redacted>")
            .field("expiration_timestamp", &self.expiration_timestamp)
            .finish()
    }
}

impl Api<ServiceAccount> {
    /// Mint a bound token for ServiceAccount `name`:
    /// `POST /api/v1/namespaces/{ns}/serviceaccounts/{name}/token`.
    pub async fn create_token(&self, name: &str, request: &TokenRequest) -> Result<TokenRequest> {
        let path = self.item_path(name).sub("token");
        self.client
            .request(Request::post(path, request)?.stores_nothing())
            .await
    }
}

/// `TokenReview`: ask the server to authenticate a token.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TokenReview {
    /// `TokenReview`, `authentication.k8s.io/v1`.
    #[serde(flatten)]
    pub type_meta: TypeMeta,
    /// Unused.
    #[serde(default)]
    pub metadata: ObjectMeta,
    /// The token to check.
    pub spec: TokenReviewSpec,
    /// The verdict (response only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<TokenReviewStatus>,
}

impl std::fmt::Debug for TokenReview {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenReview")
            .field("audiences", &self.spec.audiences)
            .field("status", &self.status)
            .finish_non_exhaustive()
    }
}

impl TokenReview {
    /// A review of `token` for the API server's own audiences.
    pub fn new(token: &str) -> Self {
        TokenReview {
            type_meta: TypeMeta {
                kind: "TokenReview".into(),
                api_version: AUTHENTICATION_V1.into(),
            },
            spec: TokenReviewSpec {
                token: token.into(),
                audiences: Vec::new(),
            },
            ..Default::default()
        }
    }
}

/// `TokenReview.spec`.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TokenReviewSpec {
    /// The bearer token.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub token: String,
    /// Audiences to check against (empty = the API server's).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub audiences: Vec<String>,
}

/// `TokenReview.status`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TokenReviewStatus {
    /// Absent (false) when the token was rejected.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub authenticated: bool,
    /// Who the token belongs to (`{}` when rejected).
    #[serde(default)]
    pub user: UserInfo,
    /// Audiences the token is valid for, intersected with the requested ones.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub audiences: Vec<String>,
    /// Why authentication failed.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub error: String,
}

/// An authenticated identity (`authentication.k8s.io/v1` UserInfo).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserInfo {
    /// e.g. `system:serviceaccount:default:x`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub username: String,
    /// The ServiceAccount's uid, for SA tokens.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub uid: String,
    /// Groups, e.g. `system:serviceaccounts`, `system:authenticated`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<String>,
    /// Extra attributes, e.g. `authentication.kubernetes.io/credential-id`.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub extra: std::collections::BTreeMap<String, Vec<String>>,
}

impl Client {
    /// `POST /apis/authentication.k8s.io/v1/tokenreviews`.
    pub async fn create_token_review(&self, review: &TokenReview) -> Result<TokenReview> {
        let path = Resource::cluster("authentication.k8s.io", "v1", "tokenreviews").collection("");
        self.request(Request::post(path, review)?.stores_nothing())
            .await
    }
}

fn null_as_empty<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    Ok(Option::<Vec<String>>::deserialize(d)?.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_bodies() {
        assert_eq!(
            serde_json::to_string(&TokenRequest::new(vec!["foo".into()], Some(600))).unwrap(),
            r#"{"kind":"TokenRequest","apiVersion":"authentication.k8s.io/v1","metadata":{},"spec":{"audiences":["foo"],"expirationSeconds":600}}"#
        );
        assert_eq!(
            serde_json::to_string(&TokenRequest::new(vec![], None)).unwrap(),
            r#"{"kind":"TokenRequest","apiVersion":"authentication.k8s.io/v1","metadata":{},"spec":{"audiences":[]}}"#
        );
    }

    #[test]
    fn response_with_null_bound_object_ref() {
        // apiserver-spec.md §3.1.
        let body = r#"{"kind":"TokenRequest","apiVersion":"authentication.k8s.io/v1","metadata":{"name":"x","namespace":"default","creationTimestamp":"2026-01-01T00:00:00Z"},"spec":{"audiences":["https://kubernetes.default.svc.cluster.local"],"expirationSeconds":3600,"boundObjectRef":null},"status":{"token":"eyJhbGciOiJSUzI1NiIsImtpZCI6.x.y","expirationTimestamp":"2026-01-01T01:00:00Z"}}"#;
        let tr: TokenRequest = serde_json::from_str(body).unwrap();
        assert_eq!(tr.token(), Some("eyJhbGciOiJSUzI1NiIsImtpZCI6.x.y"));
        assert_eq!(tr.spec.expiration_seconds, Some(3600));
        assert_eq!(tr.spec.bound_object_ref, None);
        assert!(!format!("{tr:?}").contains("eyJ"));
    }

    #[test]
    fn token_review_status_shapes() {
        let ok = r#"{"kind":"TokenReview","apiVersion":"authentication.k8s.io/v1","metadata":{},"spec":{"token":"t"},"status":{"authenticated":true,"user":{"username":"system:serviceaccount:default:my-sa","uid":"u","groups":["system:serviceaccounts","system:serviceaccounts:default","system:authenticated"],"extra":{"authentication.kubernetes.io/credential-id":["JTI=1"]}},"audiences":["https://kubernetes.default.svc.cluster.local"]}}"#;
        let r: TokenReview = serde_json::from_str(ok).unwrap();
        let st = r.status.as_ref().unwrap();
        assert!(st.authenticated);
        assert_eq!(st.user.groups.len(), 3);
        assert_eq!(serde_json::to_string(&r).unwrap(), ok);
        // authenticated is omitempty: absent means false; user is always an object.
        let failed = r#"{"kind":"TokenReview","apiVersion":"authentication.k8s.io/v1","metadata":{},"spec":{"token":"t"},"status":{"user":{},"error":"invalid bearer token"}}"#;
        let r: TokenReview = serde_json::from_str(failed).unwrap();
        assert!(!r.status.as_ref().unwrap().authenticated);
        assert_eq!(serde_json::to_string(&r).unwrap(), failed);
    }
}
