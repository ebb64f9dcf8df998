//! The HTTPS listener: accepts TCP connections, runs the TLS handshake (ALPN h2 or
//! http/1.1, optional client certificate), maps a verified client certificate to its user and
//! serves each connection with hyper's auto (h1 + h2) builder until shutdown, through a
//! [`FaultIo`] so a stub's fault can break it.

use std::convert::Infallible;
use std::sync::Arc;

use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinSet;
use tokio_rustls::LazyConfigAcceptor;

use crate::authn::identity::UserInfo;
use crate::http::connection::{self, ConnControl, FaultIo};
use crate::http::handler::{self, State};
use crate::http::tls::ServerConfigs;

/// Accepts connections until `shutdown` flips to true; then every connection task is aborted.
pub(crate) async fn serve(
    listener: TcpListener,
    tls_configs: ServerConfigs,
    state: Arc<State>,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            changed = shutdown.changed() => {
                if changed.is_err() || *shutdown.borrow() {
                    break;
                }
            }
            accepted = listener.accept() => {
                let (tcp, peer) = match accepted {
                    Ok(x) => x,
                    Err(e) => {
                        tracing::warn!(error = %e, "accept failed");
                        continue;
                    }
                };
                let _ = tcp.set_nodelay(true);
                let tls_configs = tls_configs.clone();
                let state = state.clone();
                connections.spawn(async move {
                    let mut tcp = tcp;
                    if crate::http::plain_http::answered(&mut tcp).await {
                        return;
                    }
                    // The configuration depends on the ClientHello (Go's cipher suite choice).
                    let acceptor = LazyConfigAcceptor::new(rustls::server::Acceptor::default(), tcp);
                    let handshake = async {
                        let start = acceptor.await?;
                        let config = tls_configs.for_client(start.client_hello().cipher_suites());
                        start.into_stream(config).await
                    };
                    let tls = match handshake.await {
                        Ok(t) => t,
                        Err(e) => {
                            tracing::debug!(%peer, error = %e, "TLS handshake failed");
                            return;
                        }
                    };
                    let cert_user: Option<Arc<UserInfo>> = tls
                        .get_ref()
                        .1
                        .peer_certificates()
                        .and_then(|chain| chain.first())
                        .and_then(|c| crate::http::tls::user_from_certificate(c))
                        .map(Arc::new);
                    let (control, broken) = ConnControl::new();
                    let io = FaultIo::new(tls, control.clone());
                    let conn = control.clone();
                    let service = service_fn(move |req| {
                        let state = state.clone();
                        let cert_user = cert_user.clone();
                        let conn = conn.clone();
                        async move {
                            Ok::<_, Infallible>(handler::handle(state, req, cert_user, conn).await)
                        }
                    });
                    let builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
                    let served = builder.serve_connection(TokioIo::new(io), service);
                    connection::run(served, &control, broken, peer).await;
                });
                // Reap finished connection tasks so the set does not grow without bound.
                while connections.try_join_next().is_some() {}
            }
        }
    }
    connections.abort_all();
}
