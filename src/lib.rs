//! rawkube: the Kubernetes service-account bearer-token tutorial as typed, hand-written
//! HTTPS calls (reqwest over rustls), with no kubectl and no kube-rs.
//!
//! Every call is one visible HTTP request: [`path`] builds the URL, [`api`] holds one
//! file per resource listing the request each call sends, [`client`] sends it, and
//! [`trace::CurlTrace`] can print it as a `curl` command.
//!
//! The tutorial's flow — create a ServiceAccount, mint a token for it, see 403,
//! grant a Role, see 200:
//!
//! ```no_run
//! use rawkube::api::{Api, ListParams, PostParams, meta::ObjectMeta};
//! use rawkube::api::{pod::Pod, serviceaccount::ServiceAccount, token::TokenRequest};
//! use rawkube::api::rbac::{PolicyRule, Role, RoleBinding, RoleRef, Subject};
//! use rawkube::{Client, config::ConnectionConfig};
//!
//! # async fn tutorial(admin: ConnectionConfig) -> rawkube::Result<()> {
//! let admin_client = Client::new(&admin)?;                    // e.g. kind's admin client cert
//! let (p, ns) = (PostParams::default(), "default");
//! Api::namespaced(&admin_client, ns).create(&ServiceAccount::named("demo"), &p).await?;
//! let tr = Api::<ServiceAccount>::namespaced(&admin_client, ns)
//!     .create_token("demo", &TokenRequest::new(vec![], Some(3600))).await?;
//! let token = tr.token().unwrap_or_default().to_string();
//! let sa = Client::new(&ConnectionConfig { token: Some(token), client_cert_pem: None,
//!     client_key_pem: None, ..admin.clone() })?;
//! let denied = Api::<Pod>::namespaced(&sa, ns).list(&ListParams::default()).await;
//! assert!(denied.is_err_and(|e| e.is_forbidden()));         // 403 before the binding
//! let role = Role { metadata: ObjectMeta::named("pod-reader"),
//!     rules: vec![PolicyRule::new("", &["pods"], &["get", "list"])], ..Default::default() };
//! Api::namespaced(&admin_client, ns).create(&role, &p).await?;
//! let rb = RoleBinding { metadata: ObjectMeta::named("demo-pod-reader"),
//!     subjects: vec![Subject::service_account(ns, "demo")],
//!     role_ref: RoleRef::role("pod-reader"), ..Default::default() };
//! Api::namespaced(&admin_client, ns).create(&rb, &p).await?;
//! let pods = Api::<Pod>::namespaced(&sa, ns).list(&ListParams::default()).await?; // 200
//! println!("{} pods", pods.items.len());
//! # Ok(()) }
//! ```
#![warn(missing_docs)]

pub mod api;
pub mod client;
pub mod config;
pub mod error;
#[doc(hidden)]
pub mod fuzzing;
mod goyaml;
pub mod jwt;
pub mod kubeconfig;
pub mod output;
pub mod path;
pub mod trace;
pub mod workflow;

pub use client::Client;
pub use error::{Error, Result};
