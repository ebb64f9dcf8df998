//! The mock's wall clock: real time plus an offset a test can advance, so a bound token
//! expires, a `creationTimestamp` ages or a cache entry goes stale without waiting.
//!
//! Every time the API shows (token `iat`/`exp` and their checks, `creationTimestamp`,
//! `managedFields[].time`, `deletionTimestamp`, table ages, TokenReview and SelfSubjectReview
//! times) is read from one [`Clock`], reachable as [`crate::Store::clock`] and
//! [`crate::MockServer::clock`]. Only wall-clock readings move: timers (`timeoutSeconds` of a
//! watch, `--authz-cache-delay`, stub delays) still run in real time.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Real time shifted forward by an offset that only grows.
#[derive(Debug, Default)]
pub struct Clock {
    /// The offset in nanoseconds (u64 nanoseconds cover 584 years).
    offset_nanos: AtomicU64,
}

impl Clock {
    /// A clock that reads real time until it is advanced.
    pub fn new() -> Clock {
        Clock::default()
    }

    /// The mock's current time.
    pub fn now(&self) -> SystemTime {
        SystemTime::now() + self.offset()
    }

    /// How far the clock has been advanced in total.
    pub fn offset(&self) -> Duration {
        Duration::from_nanos(self.offset_nanos.load(Ordering::Acquire))
    }

    /// Moves the clock forward by `by` (time never goes back, as on a real cluster) and
    /// returns the new time.
    pub fn advance(&self, by: Duration) -> SystemTime {
        let nanos = u64::try_from(by.as_nanos()).unwrap_or(u64::MAX);
        let _ = self
            .offset_nanos
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |o| {
                Some(o.saturating_add(nanos))
            });
        self.now()
    }

    /// Unix seconds now (what JWT `iat`/`exp` checks compare with).
    pub fn unix_now(&self) -> i64 {
        self.now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64)
    }

    /// Now as kube writes timestamps: RFC 3339, UTC, whole seconds.
    pub fn now_rfc3339(&self) -> String {
        humantime::format_rfc3339_seconds(self.now()).to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advancing_moves_every_reading_forward() {
        let clock = Clock::new();
        let before = clock.unix_now();
        clock.advance(Duration::from_secs(7200));
        let after = clock.unix_now();
        assert!(
            (7200..7203).contains(&(after - before)),
            "{before} -> {after}"
        );
        assert_eq!(clock.offset(), Duration::from_secs(7200));
        let stamp = clock.now_rfc3339();
        let parsed = humantime::parse_rfc3339(&stamp).unwrap();
        assert!(
            parsed > SystemTime::now() + Duration::from_secs(7100),
            "{stamp}"
        );
    }

    #[test]
    fn offset_saturates_instead_of_wrapping() {
        let clock = Clock::new();
        clock.advance(Duration::from_secs(u64::MAX));
        clock.advance(Duration::from_secs(1));
        assert_eq!(clock.offset(), Duration::from_nanos(u64::MAX));
    }
}
