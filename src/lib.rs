//! rawkube: the Kubernetes service-account bearer-token tutorial as typed, hand-written
//! HTTPS calls (reqwest over rustls), with no kubectl and no kube-rs.
#![warn(missing_docs)]

pub mod config;
pub mod kubeconfig;
pub mod output;
