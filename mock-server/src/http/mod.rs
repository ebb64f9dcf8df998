//! The HTTP layer, in the order a request meets it: the TLS listener (`server`, [`tls`],
//! `plain_http` for Go's 400 to plain HTTP on the TLS port),
//! the request pipeline (`handler`: body, authentication, impersonation, authorization,
//! routing, answer), the parsing it relies on ([`request_info`], [`query`], [`protobuf`]),
//! and the [`journal`] every exchange ends in. `list_answer` writes list bodies, streaming
//! large ones; `background` builds large Table and pretty list answers at low priority.
//! [`kubeconfig`] writes the admin kubeconfig
//! that points a client at the listener.

pub(crate) mod background;
pub(crate) mod connection;
pub(crate) mod handler;
pub mod journal;
pub mod kubeconfig;
pub(crate) mod list_answer;
pub(crate) mod plain_http;
pub mod protobuf;
pub mod query;
pub mod request_info;
pub(crate) mod server;
pub mod tls;
