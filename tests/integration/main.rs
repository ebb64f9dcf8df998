//! rawkube's integration tests: one binary, one module per theme.

mod support;

mod client;
mod kubeconfig_kubectl;
mod openapi_contract;
