//! When a failed request is sent again, and how long to wait first.
//!
//! The rule is: retry only what cannot do harm twice.
//!
//! | request | connection never established | 429 | 5xx | other failure after sending |
//! |---|---|---|---|---|
//! | `GET` (get, list, discovery) | retry | retry | retry | retry (e.g. timeout, reset) |
//! | `PUT` carrying `metadata.resourceVersion` | retry | retry | retry | no |
//! | `PUT` without resourceVersion, `DELETE` | retry | retry | no | no |
//! | `POST` (create, TokenRequest, reviews), `PATCH` | retry | no | no | no |
//!
//! Why: a `GET` changes nothing. A `PUT` with a resourceVersion is guarded by
//! optimistic concurrency: if the first attempt was applied, the replay gets a
//! 409 Conflict instead of silently writing twice. A 429 (API Priority and
//! Fairness) means the request was rejected before it was handled, so a
//! `DELETE` or an unconditional `PUT` is safe to repeat then, but not after a
//! 5xx, which may come after the change was made. A `POST` may create a second
//! object (`generateName`) or mint a second token, so it is only resent when
//! it provably never left: the TCP/TLS connection was never established.
//! (client-go also resends every method on 429; we stay stricter because a
//! proxy in front of the server could answer 429 after forwarding.)
//!
//! Delays: `Retry-After` (seconds) when the server sends one, capped by
//! [`RetryPolicy::max_backoff`]; otherwise exponential backoff starting at
//! [`RetryPolicy::initial_backoff`] and doubling, also capped.

use std::time::Duration;

use reqwest::Method;

/// Retry settings. [`RetryPolicy::default`] makes at most 4 attempts with
/// 200 ms, 400 ms, 800 ms pauses; [`RetryPolicy::none`] never retries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Total attempts including the first (1 = no retries).
    pub max_attempts: u32,
    /// Pause before the first retry when the server gives no `Retry-After`.
    pub initial_backoff: Duration,
    /// Upper bound for any pause, including one asked for by `Retry-After`.
    pub max_backoff: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 4,
            initial_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(5),
        }
    }
}

/// What went wrong on one attempt, as far as retrying is concerned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Failure {
    /// TCP connect failed (refused, DNS, connect timeout): nothing was sent.
    NotConnected,
    /// The server answered with this HTTP status.
    Status(u16),
    /// Sent (or possibly sent), then failed: timeout, reset, broken body.
    AfterSend,
    /// A failure that will not go away by itself (bad certificate, ...).
    Permanent,
}

impl RetryPolicy {
    /// Never retry.
    pub fn none() -> Self {
        RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        }
    }

    /// Whether attempt number `attempt` (1-based) that failed with `failure` may be
    /// sent again. `guarded` is true for a `PUT` whose body has a resourceVersion.
    pub(crate) fn should_retry(
        &self,
        method: &Method,
        guarded: bool,
        failure: Failure,
        attempt: u32,
    ) -> bool {
        if attempt >= self.max_attempts {
            return false;
        }
        let get = *method == Method::GET || *method == Method::HEAD;
        let guarded_put = *method == Method::PUT && guarded;
        let repeatable_if_unhandled = get || *method == Method::PUT || *method == Method::DELETE;
        match failure {
            Failure::Permanent => false,
            Failure::NotConnected => true,
            Failure::Status(429) => repeatable_if_unhandled,
            Failure::Status(s) if s >= 500 => get || guarded_put,
            Failure::Status(_) => false,
            Failure::AfterSend => get,
        }
    }

    /// Pause before attempt `attempt + 1`.
    pub(crate) fn delay(&self, attempt: u32, retry_after: Option<Duration>) -> Duration {
        let backoff = match retry_after {
            Some(d) => d,
            None => {
                let exp = attempt.saturating_sub(1).min(16);
                self.initial_backoff.saturating_mul(1u32 << exp)
            }
        };
        backoff.min(self.max_backoff)
    }
}

/// `Retry-After` as delay-seconds (the form the API server uses). HTTP-dates are
/// ignored, falling back to exponential backoff.
pub(crate) fn parse_retry_after(value: Option<&str>) -> Option<Duration> {
    value?.trim().parse::<u64>().ok().map(Duration::from_secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn safe_methods_only() {
        let p = RetryPolicy::default();
        let r = |m: Method, guarded, f| p.should_retry(&m, guarded, f, 1);
        assert!(r(Method::GET, false, Failure::Status(503)));
        assert!(r(Method::GET, false, Failure::Status(429)));
        assert!(r(Method::GET, false, Failure::AfterSend));
        assert!(!r(Method::GET, false, Failure::Status(404)));
        assert!(!r(Method::GET, false, Failure::Permanent));

        assert!(r(Method::PUT, true, Failure::Status(500)));
        assert!(!r(Method::PUT, false, Failure::Status(500)));
        assert!(r(Method::PUT, false, Failure::Status(429)));
        assert!(!r(Method::PUT, true, Failure::AfterSend));

        assert!(r(Method::DELETE, false, Failure::Status(429)));
        assert!(!r(Method::DELETE, false, Failure::Status(503)));

        assert!(r(Method::POST, false, Failure::NotConnected));
        assert!(!r(Method::POST, false, Failure::Status(429)));
        assert!(!r(Method::POST, false, Failure::Status(503)));
        assert!(!r(Method::POST, false, Failure::AfterSend));
        assert!(!r(Method::PATCH, false, Failure::Status(503)));
    }

    #[test]
    fn attempts_are_bounded() {
        let p = RetryPolicy::default();
        assert!(p.should_retry(&Method::GET, false, Failure::Status(503), 3));
        assert!(!p.should_retry(&Method::GET, false, Failure::Status(503), 4));
        assert!(!RetryPolicy::none().should_retry(&Method::GET, false, Failure::NotConnected, 1));
    }

    #[test]
    fn backoff_doubles_and_is_capped_and_retry_after_wins() {
        let p = RetryPolicy::default();
        assert_eq!(p.delay(1, None), Duration::from_millis(200));
        assert_eq!(p.delay(2, None), Duration::from_millis(400));
        assert_eq!(p.delay(3, None), Duration::from_millis(800));
        assert_eq!(p.delay(40, None), Duration::from_secs(5));
        assert_eq!(
            p.delay(1, Some(Duration::from_secs(2))),
            Duration::from_secs(2)
        );
        assert_eq!(
            p.delay(1, Some(Duration::from_secs(3600))),
            Duration::from_secs(5)
        );
    }

    #[test]
    fn retry_after_parsing() {
        assert_eq!(parse_retry_after(Some("3")), Some(Duration::from_secs(3)));
        assert_eq!(parse_retry_after(Some(" 1 ")), Some(Duration::from_secs(1)));
        assert_eq!(
            parse_retry_after(Some("Wed, 21 Oct 2015 07:28:00 GMT")),
            None
        );
        assert_eq!(parse_retry_after(None), None);
    }
}
