//! A connection a request handler can break on purpose (the stubs' faults): the TLS stream is
//! handed to hyper inside [`FaultIo`], and a handler holding the connection's [`ConnControl`]
//! can ask for a [`Break`]: from then on hyper's writes are swallowed, the connection task
//! takes the stream back and does the damage itself (a RST, a clean close without an answer,
//! bytes that are not HTTP, an HTTP/2 GOAWAY frame).
//!
//! A break can also wait for the next flush ([`ConnControl::arm_after_flush`]) so the answer's
//! headers reach the client first. While nothing is armed the wrapper costs one atomic load
//! per read or write.

use std::future::Future;
use std::io::{self, IoSlice};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::TcpStream;
use tokio::sync::oneshot;

/// The TLS stream of one accepted connection.
pub(crate) type Tls = tokio_rustls::server::TlsStream<TcpStream>;

/// How long after asking for an after-flush break it happens anyway, in case the headers were
/// flushed before the break was asked for (HTTP/2 writes them from the connection's own task).
/// Normally the flush of the headers triggers the break at once; this only has to outlast a
/// busy scheduler, so it is generous.
const AFTER_FLUSH_FALLBACK: Duration = Duration::from_secs(1);

/// How long a closed connection waits for the client to close its side, so bytes it still
/// sends do not turn our FIN into a RST.
const LINGER: Duration = Duration::from_secs(5);

/// What to do to the connection.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Break {
    /// Bytes to write (inside TLS) before closing.
    pub write: Vec<u8>,
    /// Reset (TCP RST, no TLS close_notify) instead of a clean close.
    pub reset: bool,
}

const IDLE: u8 = 0;
const AFTER_FLUSH: u8 = 1;
const ARMED: u8 = 2;

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// The handle a request handler uses to break its connection.
#[derive(Debug)]
pub(crate) struct ConnControl {
    state: AtomicU8,
    /// Whether hyper wrote since an after-flush break was requested.
    wrote: AtomicBool,
    action: Mutex<Option<Break>>,
    /// The stream, handed back by [`FaultIo`] when hyper drops it after a break.
    stream: Mutex<Option<Tls>>,
    fire: Mutex<Option<oneshot::Sender<()>>>,
}

impl ConnControl {
    /// A control and the receiver the connection task waits on.
    pub(crate) fn new() -> (Arc<ConnControl>, oneshot::Receiver<()>) {
        let (tx, rx) = oneshot::channel();
        let control = ConnControl {
            state: AtomicU8::new(IDLE),
            wrote: AtomicBool::new(false),
            action: Mutex::new(None),
            stream: Mutex::new(None),
            fire: Mutex::new(Some(tx)),
        };
        (Arc::new(control), rx)
    }

    fn armed(&self) -> bool {
        self.state.load(Ordering::Acquire) == ARMED
    }

    fn fire(&self) {
        if let Some(tx) = lock(&self.fire).take() {
            let _ = tx.send(());
        }
    }

    /// Breaks the connection now: nothing hyper writes from here on reaches the client.
    pub(crate) fn arm(&self, b: Break) {
        *lock(&self.action) = Some(b);
        self.state.store(ARMED, Ordering::Release);
        self.fire();
    }

    /// Breaks the connection once what hyper is writing now (an answer's headers) is flushed.
    pub(crate) fn arm_after_flush(self: &Arc<Self>, b: Break) {
        *lock(&self.action) = Some(b);
        self.wrote.store(false, Ordering::Release);
        if self
            .state
            .compare_exchange(IDLE, AFTER_FLUSH, Ordering::AcqRel, Ordering::Acquire)
            .is_err()
        {
            return;
        }
        let me = self.clone();
        tokio::spawn(async move {
            tokio::time::sleep(AFTER_FLUSH_FALLBACK).await;
            me.promote();
        });
    }

    fn promote(&self) {
        if self
            .state
            .compare_exchange(AFTER_FLUSH, ARMED, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
        {
            self.fire();
        }
    }

    /// Does the armed break on the stream hyper gave back.
    async fn perform(&self) {
        let Some(mut tls) = lock(&self.stream).take() else {
            return;
        };
        let Some(b) = lock(&self.action).take() else {
            return;
        };
        if b.reset {
            // SO_LINGER 0: closing sends a RST instead of a FIN.
            let _ = tls.get_ref().0.set_zero_linger();
            return;
        }
        if !b.write.is_empty() {
            let _ = tls.write_all(&b.write).await;
        }
        // TLS close_notify, then FIN.
        let _ = tls.shutdown().await;
        let mut buf = [0u8; 4096];
        let _ = tokio::time::timeout(LINGER, async {
            while let Ok(n) = tls.read(&mut buf).await {
                if n == 0 {
                    break;
                }
            }
        })
        .await;
    }
}

/// Serves one connection with `conn` (hyper's connection future over a [`FaultIo`]) until it
/// ends, or until a handler breaks it: then hyper is dropped and the break is done.
pub(crate) async fn run<E: std::fmt::Display>(
    conn: impl Future<Output = Result<(), E>>,
    control: &ConnControl,
    broken: oneshot::Receiver<()>,
    peer: std::net::SocketAddr,
) {
    let mut conn = Box::pin(conn);
    tokio::select! {
        biased;
        r = conn.as_mut() => {
            if let Err(e) = r {
                tracing::debug!(%peer, error = %e, "connection ended with an error");
            }
            return;
        }
        Ok(()) = broken => {}
    }
    drop(conn);
    control.perform().await;
}

/// The TLS stream as hyper sees it: passes everything through until the connection is broken.
pub(crate) struct FaultIo {
    inner: Option<Tls>,
    control: Arc<ConnControl>,
}

impl FaultIo {
    /// Wraps `tls`, breakable through `control`.
    pub(crate) fn new(tls: Tls, control: Arc<ConnControl>) -> FaultIo {
        FaultIo {
            inner: Some(tls),
            control,
        }
    }

    fn inner(&mut self) -> io::Result<Pin<&mut Tls>> {
        self.inner
            .as_mut()
            .map(Pin::new)
            .ok_or_else(|| io::ErrorKind::NotConnected.into())
    }

    fn note_write(&self) {
        if self.control.state.load(Ordering::Acquire) == AFTER_FLUSH {
            self.control.wrote.store(true, Ordering::Release);
        }
    }
}

impl Drop for FaultIo {
    fn drop(&mut self) {
        if self.control.armed() {
            *lock(&self.control.stream) = self.inner.take();
        }
    }
}

impl AsyncRead for FaultIo {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if self.control.armed() {
            // The connection task is about to take the stream; hyper reads nothing more.
            return Poll::Pending;
        }
        match self.inner() {
            Ok(s) => s.poll_read(cx, buf),
            Err(e) => Poll::Ready(Err(e)),
        }
    }
}

impl AsyncWrite for FaultIo {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        if self.control.armed() {
            return Poll::Ready(Ok(buf.len()));
        }
        self.note_write();
        match self.inner() {
            Ok(s) => s.poll_write(cx, buf),
            Err(e) => Poll::Ready(Err(e)),
        }
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        if self.control.armed() {
            return Poll::Ready(Ok(bufs.iter().map(|b| b.len()).sum()));
        }
        self.note_write();
        match self.inner() {
            Ok(s) => s.poll_write_vectored(cx, bufs),
            Err(e) => Poll::Ready(Err(e)),
        }
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.as_ref().is_some_and(|s| s.is_write_vectored())
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if self.control.armed() {
            return Poll::Ready(Ok(()));
        }
        let flushed = match self.inner() {
            Ok(s) => s.poll_flush(cx),
            Err(e) => Poll::Ready(Err(e)),
        };
        if matches!(flushed, Poll::Ready(Ok(()))) && self.control.wrote.load(Ordering::Acquire) {
            self.control.promote();
        }
        flushed
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if self.control.armed() {
            return Poll::Ready(Ok(()));
        }
        match self.inner() {
            Ok(s) => s.poll_shutdown(cx),
            Err(e) => Poll::Ready(Err(e)),
        }
    }
}
