//! The AGE column: Kubernetes' `duration.HumanDuration`, so ages read as kubectl prints them.

use std::time::{Duration, SystemTime};

/// Parses an RFC 3339 `creationTimestamp` (`2026-11-28T13:37:25Z`) and renders its age at `now`.
pub fn age(created: Option<&str>, now: SystemTime) -> String {
    let Some(t) = created.and_then(|s| humantime::parse_rfc3339_weak(s).ok()) else {
        return "<unknown>".into();
    };
    match now.duration_since(t) {
        Ok(d) => human_duration(d),
        // Clock skew: kubectl shows "0s" for up to a second in the future, else "<invalid>".
        Err(e) if e.duration() <= Duration::from_secs(1) => "0s".into(),
        Err(_) => "<invalid>".into(),
    }
}

/// `k8s.io/apimachinery/pkg/util/duration.HumanDuration`.
pub fn human_duration(d: Duration) -> String {
    let s = d.as_secs();
    if s < 60 * 2 {
        return format!("{s}s");
    }
    let m = s / 60;
    if m < 10 {
        return match s % 60 {
            0 => format!("{m}m"),
            r => format!("{m}m{r}s"),
        };
    }
    if m < 60 * 3 {
        return format!("{m}m");
    }
    let h = m / 60;
    if h < 8 {
        return match m % 60 {
            0 => format!("{h}h"),
            r => format!("{h}h{r}m"),
        };
    }
    if h < 48 {
        return format!("{h}h");
    }
    if h < 24 * 8 {
        return match h % 24 {
            0 => format!("{}d", h / 24),
            r => format!("{}d{r}h", h / 24),
        };
    }
    if h < 24 * 365 * 2 {
        return format!("{}d", h / 24);
    }
    let y = h / (24 * 365);
    if h < 24 * 365 * 8 {
        return match (h / 24) % 365 {
            0 => format!("{y}y"),
            r => format!("{y}y{r}d"),
        };
    }
    format!("{y}y")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_apimachinery_human_duration() {
        let cases = [
            (0, "0s"),
            (119, "119s"),
            (120, "2m"),
            (125, "2m5s"),
            (600, "10m"),
            (179 * 60, "179m"),
            (3 * 3600, "3h"),
            (3 * 3600 + 5 * 60, "3h5m"),
            (47 * 3600, "47h"),
            (50 * 3600, "2d2h"),
            (8 * 86400, "8d"),
            (800 * 86400, "2y70d"),
            (9 * 365 * 86400, "9y"),
        ];
        for (secs, want) in cases {
            assert_eq!(human_duration(Duration::from_secs(secs)), want, "{secs}s");
        }
    }

    #[test]
    fn age_of_a_timestamp() {
        let now = humantime::parse_rfc3339("2026-11-28T14:00:00Z").unwrap();
        assert_eq!(age(Some("2026-11-28T13:55:00Z"), now), "5m");
        assert_eq!(age(None, now), "<unknown>");
        assert_eq!(age(Some("2026-11-28T15:00:00Z"), now), "<invalid>");
    }
}
