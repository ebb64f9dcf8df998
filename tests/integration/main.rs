//! rawkube's integration tests: one binary, one module per theme.

mod support;

mod client;
mod contract_client;
mod contract_mock;
mod kubeconfig_kubectl;
mod openapi_contract;
