//! A plain-HTTP request on the TLS port. Go's `net/http` server (kube-apiserver's) answers one
//! whose first five bytes look like HTTP (`tlsRecordHeaderLooksLikeHTTP`: `GET /`, `HEAD `,
//! `POST `, `PUT /`, `OPTIO`) with a bare HTTP/1.0 400 and closes (`(*conn).serve`); anything
//! else that is not TLS just fails the handshake.

use std::time::Duration;

use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

/// The exact bytes Go writes.
pub(crate) const ANSWER: &[u8] =
    b"HTTP/1.0 400 Bad Request\r\n\r\nClient sent an HTTP request to an HTTPS server.\n";

const HTTP_STARTS: [&[u8; 5]; 5] = [b"GET /", b"HEAD ", b"POST ", b"PUT /", b"OPTIO"];

/// How long a client may take to send its first five bytes before it is left to TLS.
const FIRST_BYTES_TIMEOUT: Duration = Duration::from_secs(10);

/// Whether `start` (fewer than five bytes so far) can still become one of [`HTTP_STARTS`].
fn may_be_http(start: &[u8]) -> bool {
    HTTP_STARTS.iter().any(|h| h.starts_with(start))
}

/// Looks at the connection's first bytes without consuming them; when they are plain HTTP,
/// answers as Go does and returns true (the caller then drops the connection).
pub(crate) async fn answered(tcp: &mut TcpStream) -> bool {
    let mut head = [0u8; 5];
    let deadline = tokio::time::Instant::now() + FIRST_BYTES_TIMEOUT;
    loop {
        let n = match tcp.peek(&mut head).await {
            Ok(n) => n,
            Err(_) => return false,
        };
        if n == 0 || !may_be_http(&head[..n]) {
            return false;
        }
        if n == head.len() {
            break;
        }
        if tokio::time::Instant::now() >= deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    // Read what the client already sent, so closing does not reset the connection before
    // the answer is read.
    let mut sink = [0u8; 4096];
    while let Ok(n) = tcp.try_read(&mut sink) {
        if n == 0 {
            break;
        }
    }
    let _ = tcp.write_all(ANSWER).await;
    let _ = tcp.shutdown().await;
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_gos_five_request_starts_count_as_http() {
        assert!(may_be_http(b"GET /"));
        assert!(may_be_http(b"OP"));
        assert!(may_be_http(b""));
        assert!(!may_be_http(b"DELET"));
        assert!(!may_be_http(b"GET x"));
        assert!(!may_be_http(&[0x16, 0x03, 0x01]));
    }
}
