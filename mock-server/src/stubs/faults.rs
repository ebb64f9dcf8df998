//! The faults of [`Fault`] as connection breaks (`http::connection`): what each one
//! writes and how it closes, and when (before any answer, or once the answer's headers are out).

use std::convert::Infallible;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body_util::BodyExt;
use hyper::body::Frame;
use hyper::{Response, Version};

use super::model::Fault;
use crate::http::connection::{Break, ConnControl};
use crate::http::handler::Body;

/// Bytes sent as a "chunk" that no chunked decoder accepts (the size line is not hex); on
/// HTTP/2 they are a frame header no client accepts either.
const NOT_A_CHUNK: &[u8] = b"this is not a chunk\r\n";

/// An HTTP/2 GOAWAY frame (RFC 9113 §6.8): length 8, type 0x7, flags 0, stream 0; last stream
/// id 0 (no request was processed, the client may retry elsewhere), error code NO_ERROR.
pub const GOAWAY_FRAME: [u8; 17] = [0, 0, 8, 7, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];

/// The HTTP status the journal records for a fault: the status of the headers sent, or 0
/// when no answer was sent.
pub fn journal_status(fault: Fault) -> u16 {
    match fault {
        Fault::MalformedChunk | Fault::CloseAfterHeaders => 200,
        _ => 0,
    }
}

fn random_bytes() -> Vec<u8> {
    (0..4)
        .flat_map(|_| uuid::Uuid::new_v4().into_bytes())
        .collect()
}

/// What `fault` does to a connection speaking `version`.
fn break_for(fault: Fault, version: Version) -> Break {
    let write = match fault {
        Fault::RandomDataThenClose => random_bytes(),
        Fault::MalformedChunk => NOT_A_CHUNK.to_vec(),
        Fault::Goaway if version == Version::HTTP_2 => GOAWAY_FRAME.to_vec(),
        _ => Vec::new(),
    };
    Break {
        write,
        reset: fault == Fault::ConnectionReset,
    }
}

/// A body that asks for the break when hyper first polls it (its headers are being sent),
/// and never yields data.
struct TriggerBody {
    control: Arc<ConnControl>,
    action: Option<Break>,
}

impl hyper::body::Body for TriggerBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        if let Some(b) = self.action.take() {
            self.control.arm_after_flush(b);
        }
        // The connection is broken once the headers are flushed; nothing needs waking.
        Poll::Pending
    }
}

/// Applies `fault` to the answer `response` of a request on `conn`: a stall never answers
/// (until the client goes away), faults after the headers send `response`'s head with a body
/// that breaks the connection, the others break it before anything is sent.
pub(crate) async fn deliver(
    fault: Fault,
    conn: &Arc<ConnControl>,
    version: Version,
    response: Response<Body>,
) -> Response<Body> {
    match fault {
        Fault::Stall => std::future::pending().await,
        Fault::MalformedChunk | Fault::CloseAfterHeaders => {
            let body = TriggerBody {
                control: conn.clone(),
                action: Some(break_for(fault, version)),
            };
            let mut response = response.map(|_| body.boxed());
            *response.status_mut() = hyper::StatusCode::OK;
            response
        }
        _ => {
            conn.arm(break_for(fault, version));
            response
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_fault_breaks_the_connection_its_way() {
        let h1 = Version::HTTP_11;
        assert!(break_for(Fault::ConnectionReset, h1).reset);
        assert_eq!(break_for(Fault::EmptyResponse, h1), Break::default());
        assert_eq!(break_for(Fault::CloseAfterHeaders, h1), Break::default());
        assert_eq!(break_for(Fault::MalformedChunk, h1).write, NOT_A_CHUNK);
        let random = break_for(Fault::RandomDataThenClose, h1).write;
        assert_eq!(random.len(), 64);
        assert_ne!(random, break_for(Fault::RandomDataThenClose, h1).write);
        assert_eq!(
            break_for(Fault::Goaway, Version::HTTP_2).write,
            GOAWAY_FRAME
        );
        // HTTP/1.1 has no GOAWAY: the connection is closed without an answer.
        assert_eq!(break_for(Fault::Goaway, h1), Break::default());
        assert_eq!(journal_status(Fault::CloseAfterHeaders), 200);
        assert_eq!(journal_status(Fault::Stall), 0);
    }
}
