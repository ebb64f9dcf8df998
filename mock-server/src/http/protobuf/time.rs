//! `metav1.Time` on the wire and in JSON.
//!
//! Wire: message Timestamp {1: int64 seconds, 2: int32 nanos}; a zero Go time is written as an empty
//! message, and the decoder ignores `nanos` (k8s.io/apimachinery/pkg/apis/meta/v1/time_proto.go:
//! `m.Time = time.Unix(p.Seconds, 0)`). JSON: `t.UTC().Format(time.RFC3339)` (seconds precision), or
//! `null` for the zero time, which the decoder here drops (see `schema`).

use super::ProtobufError;
use super::schema::Path;
use super::wire::{Reader, WireValue};

/// Go's zero `time.Time` (0001-01-01T00:00:00Z) in Unix seconds; `IsZero()` is true for it.
const GO_ZERO_UNIX: i64 = -62_135_596_800;
/// 9999-12-31T23:59:59Z, the upper bound the Timestamp message documents.
const MAX_UNIX: i64 = 253_402_300_799;

/// Decodes a Timestamp message and formats it as RFC 3339 in UTC; `None` for the zero time.
pub(crate) fn format_time(buf: &[u8], path: &Path<'_>) -> Result<Option<String>, ProtobufError> {
    if buf.is_empty() {
        return Ok(None);
    }
    let mut seconds = 0i64;
    for item in Reader::new(buf) {
        match item.map_err(|e| path.wire(e))? {
            (1, WireValue::Varint(v)) => seconds = v as i64,
            (2, WireValue::Varint(_)) => {}
            (1 | 2, other) => {
                return Err(path.malformed(format!(
                    "Timestamp field has wire type {}",
                    other.wire_type()
                )));
            }
            _ => {}
        }
    }
    if seconds == GO_ZERO_UNIX {
        return Ok(None);
    }
    if !(GO_ZERO_UNIX..=MAX_UNIX).contains(&seconds) {
        return Err(path.malformed("timestamp outside 0001-01-01..9999-12-31"));
    }
    Ok(Some(rfc3339(seconds)))
}

/// Formats Unix seconds (within 0001..=9999) as `YYYY-MM-DDTHH:MM:SSZ`.
pub(crate) fn rfc3339(seconds: i64) -> String {
    let days = seconds.div_euclid(86_400);
    let secs = seconds.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

/// Days since 1970-01-01 to a proleptic Gregorian (year, month, day); Howard Hinnant's
/// `civil_from_days` algorithm.
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_known_instants() {
        // Values checked against `date -u -d @N +%Y-%m-%dT%H:%M:%SZ`.
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_700_000_000), "2023-11-14T22:13:20Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(-1), "1969-12-31T23:59:59Z");
        assert_eq!(rfc3339(MAX_UNIX), "9999-12-31T23:59:59Z");
        assert_eq!(rfc3339(GO_ZERO_UNIX + 1), "0001-01-01T00:00:01Z");
    }

    #[test]
    fn zero_and_out_of_range_times() {
        let p = Path::root("t");
        assert_eq!(format_time(&[], &p), Ok(None));
        // seconds = 1700000000 (0x6553f100), nanos = 5 (ignored)
        let buf = [0x08, 0x80, 0xe2, 0xcf, 0xaa, 0x06, 0x10, 0x05];
        assert_eq!(
            format_time(&buf, &p),
            Ok(Some("2023-11-14T22:13:20Z".to_owned()))
        );
        // An explicit {seconds: 0} is the Unix epoch, not Go's zero time.
        assert_eq!(
            format_time(&[0x08, 0x00], &p),
            Ok(Some("1970-01-01T00:00:00Z".to_owned()))
        );
        // seconds = -62135596800 as a 10-byte two's-complement varint: Go's zero time.
        let mut zero = vec![0x08];
        zero.extend(varint((GO_ZERO_UNIX) as u64));
        assert_eq!(format_time(&zero, &p), Ok(None));
        let mut big = vec![0x08];
        big.extend(varint((MAX_UNIX + 1) as u64));
        assert!(matches!(
            format_time(&big, &p),
            Err(ProtobufError::Malformed { .. })
        ));
        assert!(matches!(
            format_time(&[0x0a, 0x00], &p),
            Err(ProtobufError::Malformed { .. })
        ));
    }

    fn varint(mut v: u64) -> Vec<u8> {
        let mut out = Vec::new();
        while v >= 0x80 {
            out.push((v as u8) | 0x80);
            v >>= 7;
        }
        out.push(v as u8);
        out
    }
}
