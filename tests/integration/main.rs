//! rawkube's integration tests: one binary, one module per theme.

mod support;

mod cli_access;
mod cli_basic;
mod cli_bulk;
mod cli_config;
mod cli_kubectl;
mod cli_setup;
mod cli_util;
mod client;
mod client_auth;
mod contract_client;
mod contract_mock;
mod exec_plugin;
mod fault_matrix;
mod fuzz_corpus;
mod kubeconfig_corpus;
mod kubeconfig_crash;
mod kubeconfig_kubectl;
mod openapi_contract;
mod output_kubectl;
mod proxy_routes;
mod speed;
