//! Integration tests of mock-apiserver over real HTTPS, one test binary with modules:
//! `api` drives the server with reqwest (what rawkube does), `kubectl` drives it with the real
//! kubectl started against the `mock-apiserver` binary. Shared helpers live in `util`.

mod api;
mod auth;
mod binary;
mod clock;
mod conformance;
mod fidelity;
mod http2;
mod kubectl;
mod kubectl_auth;
mod managed_fields;
mod stub_admin;
mod stub_answers;
mod stub_faults;
mod stubs;
mod tls;
mod util;
