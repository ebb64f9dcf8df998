//! When a failed request is sent again, and how long to wait first (README.md, "Retries,
//! timeouts and faults", compares this with client-go and kube-rs, with their sources).
//!
//! The rule is: retry only what cannot do harm twice, or what the server asked to be retried.
//!
//! | request | not connected | 429 | 503/504 + `Retry-After` | other 5xx | lost after sending |
//! |---|---|---|---|---|---|
//! | read: `GET`, and the `POST`s that store nothing (reviews, TokenRequest) | retry | retry | retry | retry | retry |
//! | `PUT` carrying `metadata.resourceVersion` | retry | retry | retry | retry | no |
//! | `PUT` without resourceVersion, `DELETE` | retry | retry | retry | no | no |
//! | create: `POST`, `PATCH` | retry | with `Retry-After` | retry | no | no |
//!
//! Why: a read changes nothing; a `SelfSubjectAccessReview` or a `TokenRequest` sent twice
//! stores nothing either (the second token simply replaces the first, which nobody saw). A
//! `PUT` with a resourceVersion is guarded by optimistic concurrency: if the first attempt was
//! applied, the replay gets a 409 Conflict instead of writing twice. The API server sends
//! `Retry-After` with a 429 (API Priority and Fairness, max-in-flight) and a 503/504 only for
//! requests it did not process, so even a create may be sent again then; a 429 without it
//! (from a proxy, say) could come after the request was forwarded, so a create is not
//! replayed on it. Any other 5xx (an etcd timeout is a 500) may come after the change was
//! made, and so may a connection that breaks after the request was sent: a create or a
//! delete is then not replayed here; the workflows read the object back instead and
//! converge from what they see ([`crate::workflow`]).
//!
//! Pauses: the server's `Retry-After` (seconds) up to [`RetryPolicy::max_retry_after`];
//! otherwise exponential backoff from [`RetryPolicy::initial_backoff`], doubling up to
//! [`RetryPolicy::max_backoff`], with equal jitter (a random point in the upper half) so many
//! clients throttled at once do not come back at once. At most
//! [`RetryPolicy::max_attempts`] attempts, and no pause that would end more than
//! [`RetryPolicy::max_elapsed`] after the first attempt started (nor after the call's
//! deadline, kubectl's `--request-timeout`, see [`super::ClientOptions::call_timeout`]).

use std::hash::{BuildHasher, Hasher};
use std::time::Duration;

use reqwest::Method;

/// Retry settings. [`RetryPolicy::default`] makes at most 5 attempts, pausing 100-200 ms,
/// 200-400 ms, 400-800 ms, 0.8-1.6 s (or what `Retry-After` asks, up to 10 s), within 30 s;
/// [`RetryPolicy::none`] never retries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Total attempts including the first (1 = no retries).
    pub max_attempts: u32,
    /// Pause before the first retry when the server gives no `Retry-After` (before jitter).
    pub initial_backoff: Duration,
    /// Upper bound for a backoff pause.
    pub max_backoff: Duration,
    /// Upper bound for a pause the server asks for with `Retry-After`.
    pub max_retry_after: Duration,
    /// No retry pause may end later than this after the first attempt started.
    pub max_elapsed: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 5,
            initial_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(5),
            max_retry_after: Duration::from_secs(10),
            max_elapsed: Duration::from_secs(30),
        }
    }
}

/// What a request risks when sent twice.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Replay {
    /// Changes nothing, or stores nothing (`GET`, reviews, TokenRequest).
    Safe,
    /// A `PUT` with a resourceVersion: a replay after success gets 409 Conflict.
    Guarded,
    /// `PUT` without resourceVersion, `DELETE`: the same end state, but not after a change in between.
    ByName,
    /// `POST`, `PATCH`: may create or change twice.
    Unsafe,
}

impl Replay {
    /// The class of a request with this method; `guarded` for a `PUT` with a resourceVersion,
    /// `stores_nothing` for a `POST` marked as such (reviews, TokenRequest).
    pub(crate) fn of(method: &Method, guarded: bool, stores_nothing: bool) -> Replay {
        match *method {
            Method::GET | Method::HEAD => Replay::Safe,
            Method::POST if stores_nothing => Replay::Safe,
            Method::PUT if guarded => Replay::Guarded,
            Method::PUT | Method::DELETE => Replay::ByName,
            _ => Replay::Unsafe,
        }
    }
}

/// What went wrong on one attempt, as far as retrying is concerned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Failure {
    /// TCP connect failed (refused, DNS, connect timeout): nothing was sent.
    NotConnected,
    /// The server answered with this HTTP status, with or without `Retry-After`.
    Status {
        /// The HTTP status.
        code: u16,
        /// Whether the answer carried a usable `Retry-After`.
        retry_after: bool,
    },
    /// Sent (or possibly sent), then failed: timeout, reset, broken body.
    AfterSend,
    /// A failure that will not go away by itself (bad certificate, ...).
    Permanent,
}

impl Failure {
    /// An answer with this status.
    pub(crate) fn status(code: u16, retry_after: Option<Duration>) -> Failure {
        Failure::Status {
            code,
            retry_after: retry_after.is_some(),
        }
    }
}

impl RetryPolicy {
    /// Never retry.
    pub fn none() -> Self {
        RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        }
    }

    /// This policy with every pause (backoff and `Retry-After`) at most `cap`: what
    /// `RAWKUBE_RETRY_MAX_WAIT` sets, so fault-injection tests need not wait out `Retry-After: 1`.
    pub fn with_max_wait(mut self, cap: Duration) -> Self {
        self.max_backoff = self.max_backoff.min(cap);
        self.max_retry_after = self.max_retry_after.min(cap);
        self.initial_backoff = self.initial_backoff.min(cap);
        self
    }

    /// Whether attempt number `attempt` (1-based) of a `replay` request that failed with
    /// `failure` may be sent again (the time limits are checked by the caller).
    pub(crate) fn should_retry(&self, replay: Replay, failure: Failure, attempt: u32) -> bool {
        if attempt >= self.max_attempts {
            return false;
        }
        match failure {
            Failure::Permanent => false,
            Failure::NotConnected => true,
            Failure::Status {
                code: 429,
                retry_after,
            } => replay != Replay::Unsafe || retry_after,
            Failure::Status {
                code: 503 | 504,
                retry_after: true,
            } => true,
            Failure::Status { code, .. } if code >= 500 => {
                matches!(replay, Replay::Safe | Replay::Guarded)
            }
            Failure::Status { .. } => false,
            Failure::AfterSend => replay == Replay::Safe,
        }
    }

    /// Pause before attempt `attempt + 1`: `Retry-After` (capped) if the server sent one,
    /// else the jittered backoff.
    pub(crate) fn delay(&self, attempt: u32, retry_after: Option<Duration>) -> Duration {
        self.delay_with(attempt, retry_after, random_fraction())
    }

    /// [`RetryPolicy::delay`] with the jitter's random number `r` in `[0, 1)` given.
    fn delay_with(&self, attempt: u32, retry_after: Option<Duration>, r: f64) -> Duration {
        if let Some(d) = retry_after {
            return d.min(self.max_retry_after);
        }
        let exp = attempt.saturating_sub(1).min(16);
        let full = self
            .initial_backoff
            .saturating_mul(1u32 << exp)
            .min(self.max_backoff);
        // Equal jitter: half fixed, half random, so a pause is never shorter than half.
        let half = full / 2;
        half + half.mul_f64(r.clamp(0.0, 1.0))
    }
}

/// A random number in `[0, 1)` from the standard library's per-process random hash keys: no
/// random-number crate for one jitter value per retry.
fn random_fraction() -> f64 {
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    (h.finish() >> 11) as f64 / (1u64 << 53) as f64
}

/// `Retry-After` as delay-seconds (the form the API server uses). HTTP-dates are
/// ignored, falling back to exponential backoff (as client-go does).
pub(crate) fn parse_retry_after(value: Option<&str>) -> Option<Duration> {
    value?.trim().parse::<u64>().ok().map(Duration::from_secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn retried(replay: Replay, failure: Failure) -> bool {
        RetryPolicy::default().should_retry(replay, failure, 1)
    }

    const fn status(code: u16, retry_after: bool) -> Failure {
        Failure::Status { code, retry_after }
    }

    /// The table of the module docs, row by row: not connected, 429, 429 + Retry-After,
    /// 503 + Retry-After, 504 + Retry-After, 500, 503 alone, lost after sending.
    #[test]
    fn the_documented_table() {
        let columns = [
            Failure::NotConnected,
            status(429, false),
            status(429, true),
            status(503, true),
            status(504, true),
            status(500, false),
            status(503, false),
            Failure::AfterSend,
        ];
        let rows = [
            (
                Replay::Safe,
                [true, true, true, true, true, true, true, true],
            ),
            (
                Replay::Guarded,
                [true, true, true, true, true, true, true, false],
            ),
            (
                Replay::ByName,
                [true, true, true, true, true, false, false, false],
            ),
            (
                Replay::Unsafe,
                [true, false, true, true, true, false, false, false],
            ),
        ];
        for (replay, want) in rows {
            for (failure, want) in columns.iter().zip(want) {
                assert_eq!(retried(replay, *failure), want, "{replay:?} {failure:?}");
            }
        }
        for replay in [Replay::Safe, Replay::Unsafe] {
            assert!(!retried(replay, Failure::Permanent));
            for code in [400, 401, 403, 404, 409, 410, 422] {
                assert!(!retried(replay, status(code, true)), "{code}");
            }
        }
    }

    #[test]
    fn requests_are_classed_by_method_and_marks() {
        assert_eq!(Replay::of(&Method::GET, false, false), Replay::Safe);
        assert_eq!(Replay::of(&Method::POST, false, true), Replay::Safe);
        assert_eq!(Replay::of(&Method::POST, false, false), Replay::Unsafe);
        assert_eq!(Replay::of(&Method::PATCH, false, false), Replay::Unsafe);
        assert_eq!(Replay::of(&Method::PUT, true, false), Replay::Guarded);
        assert_eq!(Replay::of(&Method::PUT, false, false), Replay::ByName);
        assert_eq!(Replay::of(&Method::DELETE, false, false), Replay::ByName);
    }

    #[test]
    fn attempts_are_bounded() {
        let p = RetryPolicy::default();
        let busy = status(503, true);
        assert!(p.should_retry(Replay::Safe, busy, 4));
        assert!(!p.should_retry(Replay::Safe, busy, 5));
        assert!(!RetryPolicy::none().should_retry(Replay::Safe, Failure::NotConnected, 1));
    }

    #[test]
    fn backoff_doubles_with_equal_jitter_and_is_capped() {
        let p = RetryPolicy::default();
        for (attempt, full) in [(1, 200), (2, 400), (3, 800), (4, 1600), (40, 5000)] {
            let full = Duration::from_millis(full);
            assert_eq!(p.delay_with(attempt, None, 0.0), full / 2, "{attempt}");
            assert_eq!(p.delay_with(attempt, None, 1.0), full, "{attempt}");
            let any = p.delay(attempt, None);
            assert!(any >= full / 2 && any <= full, "{attempt}: {any:?}");
        }
    }

    #[test]
    fn jitter_spreads_the_pauses() {
        let p = RetryPolicy::default();
        let pauses: std::collections::HashSet<Duration> =
            (0..20).map(|_| p.delay(3, None)).collect();
        assert!(pauses.len() > 1, "20 pauses, all {pauses:?}");
    }

    #[test]
    fn retry_after_is_honoured_up_to_its_cap_without_jitter() {
        let p = RetryPolicy::default();
        let asked = |s| Some(Duration::from_secs(s));
        assert_eq!(p.delay_with(1, asked(2), 0.7), Duration::from_secs(2));
        assert_eq!(p.delay_with(1, asked(3600), 0.7), Duration::from_secs(10));
        let quick = p.with_max_wait(Duration::from_millis(20));
        assert_eq!(quick.delay(1, asked(1)), Duration::from_millis(20));
        assert!(quick.delay(9, None) <= Duration::from_millis(20));
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
