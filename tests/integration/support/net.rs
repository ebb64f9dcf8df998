//! Small network middlemen on 127.0.0.1 for the proxy and SNI tests, each on its own
//! thread and tokio runtime (the tests run rawkube and kubectl as processes):
//!
//! * [`Middleman::connect_proxy`]: an HTTP proxy that only does `CONNECT` tunnels, as
//!   corporate proxies in front of API servers do;
//! * [`Middleman::socks5`]: a SOCKS5 proxy (no authentication, CONNECT only);
//! * [`Middleman::sni_router`]: a TLS passthrough router that forwards a connection only
//!   when its ClientHello names the expected server (SNI), else closes it.
//!
//! Each counts its connections and records the targets it was asked for (`host:port` as
//! sent, or the SNI). The proxies resolve every host name to 127.0.0.1: they stand for a
//! proxy that can resolve cluster names the client cannot.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// A running middleman; stops when dropped (its thread's runtime is shut down).
pub struct Middleman {
    /// Where it listens.
    pub addr: SocketAddr,
    connections: Arc<AtomicUsize>,
    targets: Arc<Mutex<Vec<String>>>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

#[derive(Clone, Copy)]
enum Kind {
    Connect,
    Socks5,
    Sni { backend: SocketAddr },
}

impl Middleman {
    /// An HTTP CONNECT proxy.
    pub fn connect_proxy() -> Middleman {
        Middleman::start(Kind::Connect, None)
    }

    /// A SOCKS5 proxy.
    pub fn socks5() -> Middleman {
        Middleman::start(Kind::Socks5, None)
    }

    /// Forwards to `backend` the connections whose SNI is `name`.
    pub fn sni_router(name: &str, backend: SocketAddr) -> Middleman {
        Middleman::start(Kind::Sni { backend }, Some(name.to_string()))
    }

    /// Connections accepted so far.
    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }

    /// Targets asked for so far (`host:port`, or the SNI name, `<none>` without one).
    pub fn targets(&self) -> Vec<String> {
        self.targets.lock().unwrap().clone()
    }

    /// `http://127.0.0.1:PORT` (or `socks5://...`).
    pub fn url(&self, scheme: &str) -> String {
        format!("{scheme}://{}", self.addr)
    }

    fn start(kind: Kind, sni: Option<String>) -> Middleman {
        let std_listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind middleman");
        std_listener.set_nonblocking(true).unwrap();
        let addr = std_listener.local_addr().unwrap();
        let connections = Arc::new(AtomicUsize::new(0));
        let targets = Arc::new(Mutex::new(Vec::new()));
        let (stop, mut stopped) = tokio::sync::oneshot::channel::<()>();
        let (c, t) = (connections.clone(), targets.clone());
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let listener = TcpListener::from_std(std_listener).unwrap();
                loop {
                    tokio::select! {
                        _ = &mut stopped => break,
                        accepted = listener.accept() => {
                            let Ok((sock, _)) = accepted else { continue };
                            c.fetch_add(1, Ordering::SeqCst);
                            let (t, sni) = (t.clone(), sni.clone());
                            tokio::spawn(async move {
                                let _ = match kind {
                                    Kind::Connect => connect(sock, t).await,
                                    Kind::Socks5 => socks5(sock, t).await,
                                    Kind::Sni { backend } => {
                                        route_sni(sock, t, sni.unwrap_or_default(), backend).await
                                    }
                                };
                            });
                        }
                    }
                }
            });
        });
        Middleman {
            addr,
            connections,
            targets,
            stop: Some(stop),
        }
    }
}

impl Drop for Middleman {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
    }
}

type Io = std::io::Result<()>;

/// The proxy's "DNS": IP literals as they are, every name to 127.0.0.1.
async fn dial(host: &str, port: u16) -> std::io::Result<TcpStream> {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    match host.parse::<std::net::IpAddr>() {
        Ok(ip) => TcpStream::connect((ip, port)).await,
        Err(_) => TcpStream::connect(("127.0.0.1", port)).await,
    }
}

async fn splice<A, B>(a: A, b: B) -> Io
where
    A: AsyncRead + AsyncWrite + Unpin,
    B: AsyncRead + AsyncWrite + Unpin,
{
    let (mut a, mut b) = (a, b);
    tokio::io::copy_bidirectional(&mut a, &mut b)
        .await
        .map(|_| ())
}

/// `CONNECT host:port HTTP/1.1` → `200 Connection established`, then the tunnel.
async fn connect(mut sock: TcpStream, targets: Arc<Mutex<Vec<String>>>) -> Io {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if sock.read(&mut byte).await? == 0 || head.len() > 16 * 1024 {
            return Ok(());
        }
        head.push(byte[0]);
    }
    let text = String::from_utf8_lossy(&head).into_owned();
    let mut parts = text.split_whitespace();
    let (Some("CONNECT"), Some(target)) = (parts.next(), parts.next()) else {
        sock.write_all(b"HTTP/1.1 405 Method Not Allowed\r\ncontent-length: 0\r\n\r\n")
            .await?;
        return Ok(());
    };
    targets.lock().unwrap().push(target.to_string());
    let Some((host, port)) = target.rsplit_once(':') else {
        return Ok(());
    };
    let Ok(upstream) = dial(host, port.parse().unwrap_or(443)).await else {
        sock.write_all(b"HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\n\r\n")
            .await?;
        return Ok(());
    };
    sock.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
        .await?;
    splice(sock, upstream).await
}

/// RFC 1928 without authentication: greeting, one CONNECT request, then the tunnel.
async fn socks5(mut sock: TcpStream, targets: Arc<Mutex<Vec<String>>>) -> Io {
    let mut hdr = [0u8; 2];
    sock.read_exact(&mut hdr).await?;
    let mut methods = vec![0u8; hdr[1] as usize];
    sock.read_exact(&mut methods).await?;
    if hdr[0] != 5 || !methods.contains(&0) {
        sock.write_all(&[5, 0xff]).await?;
        return Ok(());
    }
    sock.write_all(&[5, 0]).await?;
    let mut req = [0u8; 4];
    sock.read_exact(&mut req).await?;
    let host = match req[3] {
        1 => {
            let mut ip = [0u8; 4];
            sock.read_exact(&mut ip).await?;
            std::net::Ipv4Addr::from(ip).to_string()
        }
        3 => {
            let mut len = [0u8; 1];
            sock.read_exact(&mut len).await?;
            let mut name = vec![0u8; len[0] as usize];
            sock.read_exact(&mut name).await?;
            String::from_utf8_lossy(&name).into_owned()
        }
        4 => {
            let mut ip = [0u8; 16];
            sock.read_exact(&mut ip).await?;
            format!("[{}]", std::net::Ipv6Addr::from(ip))
        }
        _ => return Ok(()),
    };
    let mut port = [0u8; 2];
    sock.read_exact(&mut port).await?;
    let port = u16::from_be_bytes(port);
    targets.lock().unwrap().push(format!("{host}:{port}"));
    if req[1] != 1 {
        sock.write_all(&[5, 7, 0, 1, 0, 0, 0, 0, 0, 0]).await?;
        return Ok(());
    }
    let Ok(upstream) = dial(&host, port).await else {
        sock.write_all(&[5, 5, 0, 1, 0, 0, 0, 0, 0, 0]).await?;
        return Ok(());
    };
    sock.write_all(&[5, 0, 0, 1, 0, 0, 0, 0, 0, 0]).await?;
    splice(sock, upstream).await
}

/// Reads the ClientHello (rustls parses it), forwards the bytes unchanged when the SNI
/// is `want`, else drops the connection as an SNI router with no matching route does.
async fn route_sni(
    mut sock: TcpStream,
    targets: Arc<Mutex<Vec<String>>>,
    want: String,
    backend: SocketAddr,
) -> Io {
    let mut acceptor = rustls::server::Acceptor::default();
    let mut seen = Vec::new();
    let mut chunk = [0u8; 4096];
    let sni = loop {
        let n = sock.read(&mut chunk).await?;
        if n == 0 {
            return Ok(());
        }
        seen.extend_from_slice(&chunk[..n]);
        let mut rd: &[u8] = &chunk[..n];
        while !rd.is_empty() {
            acceptor.read_tls(&mut rd)?;
        }
        match acceptor.accept() {
            Ok(Some(accepted)) => {
                break accepted.client_hello().server_name().map(str::to_string);
            }
            Ok(None) => continue,
            Err(_) => return Ok(()),
        }
    };
    targets
        .lock()
        .unwrap()
        .push(sni.clone().unwrap_or_else(|| "<none>".into()));
    if sni.as_deref() != Some(want.as_str()) {
        return Ok(());
    }
    let mut upstream = TcpStream::connect(backend).await?;
    upstream.write_all(&seen).await?;
    splice(sock, upstream).await
}
