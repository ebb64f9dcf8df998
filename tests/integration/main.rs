//! rawkube's integration tests: one binary, one module per theme.
mod output_kubectl;
