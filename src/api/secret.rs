//! Secret (`v1`, namespaced), used here for the legacy long-lived
//! `kubernetes.io/service-account-token` Secret.
//!
//! | call | HTTP request |
//! |---|---|
//! | `Api::<Secret>::namespaced(&c, "default").create(&s, &p)` | `POST /api/v1/namespaces/default/secrets` |
//! | `.get("x-token")` | `GET /api/v1/namespaces/default/secrets/x-token` |
//! | `.list(&lp)` | `GET /api/v1/namespaces/default/secrets` |
//! | `.update(&s, &p)` | `PUT /api/v1/namespaces/default/secrets/x-token` |
//! | `.delete("x-token")` | `DELETE /api/v1/namespaces/default/secrets/x-token` → a `Status` |
//! | `.wait_for_token("x-token", timeout)` | `GET /api/v1/namespaces/default/secrets/x-token`, repeated until `data.token` is set |
//!
//! `data` values are bytes, base64-encoded in JSON (Go's `map[string][]byte`);
//! this type decodes them, so `data["token"]` is the JWT itself.
//! The token controller fills `data.token`, `data["ca.crt"]` and `data.namespace`
//! asynchronously after creation: poll until `token` appears.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::meta::{ObjectMeta, TypeMeta};
use super::{Api, typed_resource};
use crate::error::{Error, Result};

/// The `type` of a ServiceAccount token Secret.
pub const SERVICE_ACCOUNT_TOKEN_TYPE: &str = "kubernetes.io/service-account-token";
/// Annotation naming the ServiceAccount a token Secret belongs to.
pub const SERVICE_ACCOUNT_NAME_ANNOTATION: &str = "kubernetes.io/service-account.name";

/// `v1/Secret`.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Secret {
    /// `kind`/`apiVersion`.
    #[serde(flatten)]
    pub type_meta: TypeMeta,
    /// Name, namespace, annotations, ...
    #[serde(default)]
    pub metadata: ObjectMeta,
    /// Decoded secret values (base64 on the wire).
    #[serde(
        default,
        skip_serializing_if = "BTreeMap::is_empty",
        serialize_with = "ser_b64_map",
        deserialize_with = "de_b64_map"
    )]
    pub data: BTreeMap<String, Vec<u8>>,
    /// Write-only plain-text values, merged into `data` by the server.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub string_data: BTreeMap<String, String>,
    /// e.g. `Opaque`, `kubernetes.io/service-account-token`. Immutable.
    #[serde(default, rename = "type", skip_serializing_if = "String::is_empty")]
    pub type_: String,
    /// Whether `data` can no longer change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub immutable: Option<bool>,
}

impl std::fmt::Debug for Secret {
    /// Values are secrets: only their keys and sizes are shown.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let data: BTreeMap<&str, String> = self
            .data
            .iter()
            .map(|(k, v)| (k.as_str(), format!("<{} bytes>", v.len())))
            .collect();
        f.debug_struct("Secret")
            .field("metadata", &self.metadata)
            .field("type", &self.type_)
            .field("data", &data)
            .finish_non_exhaustive()
    }
}

impl Secret {
    /// The manifest from the tutorial: a token Secret for ServiceAccount `service_account`.
    pub fn service_account_token(name: &str, service_account: &str) -> Self {
        let mut metadata = ObjectMeta::named(name);
        metadata.annotations.insert(
            SERVICE_ACCOUNT_NAME_ANNOTATION.into(),
            service_account.into(),
        );
        Secret {
            metadata,
            type_: SERVICE_ACCOUNT_TOKEN_TYPE.into(),
            ..Default::default()
        }
    }

    /// `data.token` as text, once the token controller has filled it in.
    pub fn token(&self) -> Option<String> {
        self.data
            .get("token")
            .filter(|t| !t.is_empty())
            .map(|t| String::from_utf8_lossy(t).into_owned())
    }
}

typed_resource!(Secret, "", "v1", "Secret", "secrets", true);

impl Api<Secret> {
    /// Poll `GET /api/v1/namespaces/{ns}/secrets/{name}` until the token controller
    /// has written `data.token`, and return it (the tutorial's `kubectl describe
    /// secret` loop). Pauses grow from 100 ms to 1 s; gives up after `timeout`.
    pub async fn wait_for_token(&self, name: &str, timeout: Duration) -> Result<String> {
        self.wait_for_token_with_progress(name, timeout, |_| {})
            .await
    }

    /// As [`Api::wait_for_token`], calling `progress` with the time waited so far before each
    /// pause, so a command line can show that it is waiting.
    pub async fn wait_for_token_with_progress(
        &self,
        name: &str,
        timeout: Duration,
        mut progress: impl FnMut(Duration),
    ) -> Result<String> {
        let started = Instant::now();
        // The token controller usually fills the Secret within milliseconds: start polling
        // fast and back off, rather than sleeping a fixed 100 ms on every setup.
        let mut pause = Duration::from_millis(5);
        loop {
            if let Some(token) = self.get(name).await?.token() {
                return Ok(token);
            }
            let waited = started.elapsed();
            if waited >= timeout {
                return Err(Error::TokenNotIssued {
                    namespace: self.namespace().to_string(),
                    secret: name.to_string(),
                    waited: timeout,
                });
            }
            progress(waited);
            tokio::time::sleep(pause.min(timeout - waited)).await;
            pause = (pause * 2).min(Duration::from_secs(1));
        }
    }
}

fn ser_b64_map<S: Serializer>(m: &BTreeMap<String, Vec<u8>>, s: S) -> Result<S::Ok, S::Error> {
    let encoded: BTreeMap<&str, String> = m
        .iter()
        .map(|(k, v)| (k.as_str(), STANDARD.encode(v)))
        .collect();
    encoded.serialize(s)
}

fn de_b64_map<'de, D: Deserializer<'de>>(d: D) -> Result<BTreeMap<String, Vec<u8>>, D::Error> {
    let raw: Option<BTreeMap<String, Option<String>>> = Option::deserialize(d)?;
    raw.unwrap_or_default()
        .into_iter()
        .map(|(k, v)| {
            let bytes = STANDARD
                .decode(v.unwrap_or_default())
                .map_err(|e| serde::de::Error::custom(format!("data.{k} is not base64: {e}")))?;
            Ok((k, bytes))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tutorial_manifest_serializes_exactly() {
        // apiserver-spec.md §3.5 (kind/apiVersion added by Api::create).
        let s = Secret::service_account_token("x-token", "x");
        assert_eq!(
            serde_json::to_string(&s).unwrap(),
            r#"{"metadata":{"name":"x-token","annotations":{"kubernetes.io/service-account.name":"x"}},"type":"kubernetes.io/service-account-token"}"#
        );
    }

    #[test]
    fn data_is_base64_on_the_wire() {
        let body = r#"{"kind":"Secret","apiVersion":"v1","metadata":{"name":"x-token","namespace":"default"},"data":{"ca.crt":"LS0tLQ==","namespace":"ZGVmYXVsdA==","token":"ZXlKaGJHY2lPaUpTVXpJMU5pSjkuZS5z"},"type":"kubernetes.io/service-account-token"}"#;
        let s: Secret = serde_json::from_str(body).unwrap();
        assert_eq!(s.data["namespace"], b"default");
        assert_eq!(s.token().as_deref(), Some("eyJhbGciOiJSUzI1NiJ9.e.s"));
        assert_eq!(serde_json::to_string(&s).unwrap(), body);
    }

    #[test]
    fn bad_base64_is_an_error_naming_the_key() {
        let err = serde_json::from_str::<Secret>(r#"{"data":{"token":"***"}}"#).unwrap_err();
        assert!(
            err.to_string().contains("data.token is not base64"),
            "{err}"
        );
    }

    #[test]
    fn null_data_and_debug_hides_values() {
        let s: Secret = serde_json::from_str(r#"{"data":null}"#).unwrap();
        assert!(s.data.is_empty() && s.token().is_none());
        let s: Secret = serde_json::from_str(r#"{"data":{"token":"c2VjcmV0"}}"#).unwrap();
        let dbg = format!("{s:?}");
        assert!(
            !dbg.contains("secret\"") && !dbg.contains("c2VjcmV0"),
            "{dbg}"
        );
        assert!(dbg.contains("<6 bytes>"), "{dbg}");
    }
}
