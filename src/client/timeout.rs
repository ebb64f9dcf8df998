//! kubectl's `--request-timeout`: its value syntax (clientcmd's `ParseTimeout`, which takes a
//! bare number of seconds or a Go duration), Go's duration text (client-go sends the timeout
//! as `?timeout=` in that form), and how much time one attempt of a call gets.

use std::time::{Duration, Instant};

/// kubectl's error for a `--request-timeout` it cannot read (clientcmd `ParseTimeout`).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "Invalid timeout value. Timeout must be a single integer in seconds, or an integer followed by a corresponding time unit (e.g. 1s | 2m | 3h)"
)]
pub struct InvalidTimeout;

/// A `--request-timeout` value as kubectl reads it: `0` (no timeout), a whole number of
/// seconds (`30`), or a Go duration (`1s`, `2m`, `1h30m`, `1.5s`, `300ms`). A negative Go
/// duration (`-1s`) disables the timeout, as it does in client-go.
pub fn parse_request_timeout(value: &str) -> Result<Duration, InvalidTimeout> {
    if let Ok(seconds) = value.parse::<u64>() {
        return Ok(Duration::from_secs(seconds));
    }
    let nanos = parse_go_duration(value).ok_or(InvalidTimeout)?;
    Ok(Duration::from_nanos(u64::try_from(nanos).unwrap_or(0)))
}

/// Go's `time.ParseDuration`: an optional sign, then one or more decimal numbers each with a
/// unit (`ns`, `us`/`µs`/`μs`, `ms`, `s`, `m`, `h`), e.g. `1h2m3.5s`; `0` alone is allowed.
/// Returns nanoseconds, `None` for bad syntax or beyond Go's ±292 years.
pub fn parse_go_duration(text: &str) -> Option<i64> {
    let (negative, mut rest) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    if rest == "0" {
        return Some(0);
    }
    if rest.is_empty() {
        return None;
    }
    let mut total: u128 = 0;
    while !rest.is_empty() {
        let digits = rest.find(|c: char| !c.is_ascii_digit() && c != '.');
        let (number, after) = rest.split_at(digits?);
        let unit_len = after
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(after.len());
        let (unit, after) = after.split_at(unit_len);
        let scale: u128 = match unit {
            "ns" => 1,
            "us" | "µs" | "μs" => 1_000,
            "ms" => 1_000_000,
            "s" => 1_000_000_000,
            "m" => 60_000_000_000,
            "h" => 3_600_000_000_000,
            _ => return None,
        };
        let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
        if (whole.is_empty() && fraction.is_empty()) || fraction.contains('.') {
            return None;
        }
        let whole: u128 = if whole.is_empty() {
            0
        } else {
            whole.parse().ok()?
        };
        let mut part = whole.checked_mul(scale)?;
        // Go keeps fractional digits exactly while they fit; nanoseconds are the floor.
        let mut unit_scale = scale;
        for d in fraction.bytes() {
            unit_scale /= 10;
            part += u128::from(d - b'0') * unit_scale;
        }
        total = total.checked_add(part)?;
        if total > i64::MAX as u128 {
            return None;
        }
        rest = after;
    }
    let total = total as i64;
    Some(if negative { -total } else { total })
}

/// A duration as Go's `time.Duration.String` writes it (`300ms`, `1.5s`, `2m0s`, `1h0m0s`):
/// the form client-go sends as `?timeout=`.
pub fn go_duration(d: Duration) -> String {
    fn decimal(n: u128, unit: u128) -> String {
        let (whole, rest) = (n / unit, n % unit);
        if rest == 0 {
            return whole.to_string();
        }
        let width = unit.ilog10() as usize;
        let fraction = format!("{rest:0width$}");
        format!("{whole}.{}", fraction.trim_end_matches('0'))
    }
    let n = d.as_nanos();
    match n {
        0 => "0s".into(),
        1..1_000 => format!("{n}ns"),
        1_000..1_000_000 => format!("{}µs", decimal(n, 1_000)),
        1_000_000..1_000_000_000 => format!("{}ms", decimal(n, 1_000_000)),
        _ => {
            let (h, m) = (n / 3_600_000_000_000, n / 60_000_000_000 % 60);
            let s = decimal(n % 60_000_000_000, 1_000_000_000);
            match (h, m) {
                (0, 0) => format!("{s}s"),
                (0, m) => format!("{m}m{s}s"),
                (h, m) => format!("{h}h{m}m{s}s"),
            }
        }
    }
}

/// How long one attempt may take: the per-attempt limit, shortened to what is left before the
/// call's deadline (at least a millisecond: reqwest cannot wait for nothing).
pub(crate) fn attempt_limit(
    per_attempt: Option<Duration>,
    deadline: Option<Instant>,
    now: Instant,
) -> Option<Duration> {
    let left = deadline.map(|d| {
        d.saturating_duration_since(now)
            .max(Duration::from_millis(1))
    });
    match (per_attempt, left) {
        (Some(a), Some(l)) => Some(a.min(l)),
        (a, l) => a.or(l),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_timeout_values_as_kubectl_reads_them() {
        let ok = |v: &str, ms: u64| {
            assert_eq!(
                parse_request_timeout(v),
                Ok(Duration::from_millis(ms)),
                "{v}"
            )
        };
        ok("0", 0);
        ok("30", 30_000);
        ok("1s", 1_000);
        ok("2m", 120_000);
        ok("3h", 10_800_000);
        ok("1.5s", 1_500);
        ok("300ms", 300);
        ok("1h30m", 5_400_000);
        ok("+5s", 5_000);
        ok("+5", 5_000);
        // client-go treats a negative timeout as none.
        ok("-1s", 0);
        for bad in [
            "", "abc", "-1", "1x", "1.2.3s", "s", ".s", "1 s", "1s ", "1e3s",
        ] {
            assert_eq!(parse_request_timeout(bad), Err(InvalidTimeout), "{bad:?}");
        }
        assert_eq!(
            InvalidTimeout.to_string(),
            "Invalid timeout value. Timeout must be a single integer in seconds, or an integer followed by a corresponding time unit (e.g. 1s | 2m | 3h)"
        );
    }

    #[test]
    fn go_durations_parse_with_every_unit_and_bound() {
        assert_eq!(parse_go_duration("1ns"), Some(1));
        assert_eq!(parse_go_duration("1us"), Some(1_000));
        assert_eq!(parse_go_duration("1µs"), Some(1_000));
        assert_eq!(parse_go_duration("1μs"), Some(1_000));
        assert_eq!(parse_go_duration(".5s"), Some(500_000_000));
        assert_eq!(parse_go_duration("1.s"), Some(1_000_000_000));
        assert_eq!(parse_go_duration("-1m1s"), Some(-61_000_000_000));
        assert_eq!(
            parse_go_duration("2562047h"),
            Some(2_562_047 * 3_600_000_000_000)
        );
        assert_eq!(parse_go_duration("2562048h"), None);
        assert_eq!(parse_go_duration("9999999999999999999999h"), None);
    }

    #[test]
    fn go_duration_text() {
        let ms = Duration::from_millis;
        assert_eq!(go_duration(Duration::ZERO), "0s");
        assert_eq!(go_duration(Duration::from_nanos(15)), "15ns");
        assert_eq!(go_duration(Duration::from_micros(1500)), "1.5ms");
        assert_eq!(go_duration(ms(300)), "300ms");
        assert_eq!(go_duration(ms(1000)), "1s");
        assert_eq!(go_duration(ms(1500)), "1.5s");
        assert_eq!(go_duration(ms(120_000)), "2m0s");
        assert_eq!(go_duration(ms(90_500)), "1m30.5s");
        assert_eq!(go_duration(ms(3_600_000)), "1h0m0s");
        assert_eq!(go_duration(Duration::from_micros(7)), "7µs");
        // What Go prints, Go parses back.
        for d in [ms(1), ms(1234), ms(61_000), ms(7_384_000)] {
            let text = go_duration(d);
            assert_eq!(
                parse_go_duration(&text),
                Some(d.as_nanos() as i64),
                "{text}"
            );
        }
    }

    #[test]
    fn an_attempt_gets_what_is_left_of_the_call() {
        let now = Instant::now();
        let s = Duration::from_secs;
        assert_eq!(attempt_limit(Some(s(30)), None, now), Some(s(30)));
        assert_eq!(attempt_limit(None, None, now), None);
        assert_eq!(
            attempt_limit(Some(s(30)), Some(now + s(2)), now),
            Some(s(2))
        );
        assert_eq!(attempt_limit(None, Some(now + s(2)), now), Some(s(2)));
        assert_eq!(
            attempt_limit(Some(s(30)), Some(now), now + s(1)),
            Some(Duration::from_millis(1))
        );
    }
}
