//! What verify reports: stubs whose expectation failed, and the requests that nearly matched
//! them (one field off), naming that field.

use std::fmt;

use serde::Serialize;

use super::matching::Mismatch;
use super::model::Expect;

/// How many near misses a stub remembers (the most recent ones).
pub const NEAR_MISSES_PER_STUB: usize = 16;

/// A stub whose expectation does not hold.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Unmet {
    /// The stub id.
    pub id: String,
    /// Its name or match.
    pub stub: String,
    /// What was expected.
    pub expect: Expect,
    /// How many requests matched it.
    pub matched: u64,
    /// How many of those it answered (what `expect` counts).
    pub hits: u64,
    /// The sentence for humans.
    pub message: String,
}

impl Unmet {
    pub(crate) fn new(id: &str, stub: String, expect: Expect, matched: u64, hits: u64) -> Unmet {
        let plural = |n: u64| if n == 1 { "" } else { "s" };
        let message = format!(
            "stub {stub:?} expected {expect} hit{}, got {hits} ({matched} matching request{})",
            plural(expect.max.unwrap_or(expect.min)),
            plural(matched)
        );
        Unmet {
            id: id.into(),
            stub,
            expect,
            matched,
            hits,
            message,
        }
    }
}

/// A request that matched a stub in every field but one.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NearMiss {
    /// The stub id.
    pub id: String,
    /// Its name or match.
    pub stub: String,
    /// `METHOD /path?query` of the request.
    pub request: String,
    /// The field that differed: `namespace`, `query.limit`, `body.metadata.name`...
    pub field: String,
    /// What the stub wanted.
    pub expected: String,
    /// What the request had.
    pub actual: String,
}

impl NearMiss {
    pub(crate) fn new(id: &str, stub: String, request: String, m: Mismatch) -> NearMiss {
        NearMiss {
            id: id.into(),
            stub,
            request,
            field: m.field,
            expected: m.expected,
            actual: m.actual,
        }
    }
}

impl fmt::Display for NearMiss {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} nearly matched stub {:?}: {} was {:?}, the stub wants {:?}",
            self.request, self.stub, self.field, self.actual, self.expected
        )
    }
}

/// Why verify failed: the unmet expectations and their near misses.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(rename_all = "camelCase")]
pub struct VerifyError {
    /// Stubs whose expectation does not hold.
    pub unmet: Vec<Unmet>,
    /// Requests that nearly matched those stubs.
    pub near_misses: Vec<NearMiss>,
}

impl fmt::Display for VerifyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "stub expectations not met:")?;
        for u in &self.unmet {
            writeln!(f, "  - {}", u.message)?;
        }
        if !self.near_misses.is_empty() {
            writeln!(f, "near misses:")?;
            for n in &self.near_misses {
                writeln!(f, "  - {n}")?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_report_reads_as_sentences() {
        let e = VerifyError {
            unmet: vec![Unmet::new(
                "1",
                "throttle".into(),
                Expect::from(1..=3),
                0,
                0,
            )],
            near_misses: vec![NearMiss::new(
                "1",
                "throttle".into(),
                "POST /api/v1/namespaces/kube-system/serviceaccounts".into(),
                Mismatch {
                    field: "namespace".into(),
                    expected: "default".into(),
                    actual: "kube-system".into(),
                },
            )],
        };
        assert_eq!(
            e.to_string(),
            "stub expectations not met:\n  - stub \"throttle\" expected between 1 and 3 hits, got 0 (0 matching requests)\nnear misses:\n  - POST /api/v1/namespaces/kube-system/serviceaccounts nearly matched stub \"throttle\": namespace was \"kube-system\", the stub wants \"default\"\n"
        );
        let json = serde_json::to_value(&e).unwrap();
        assert_eq!(json["nearMisses"][0]["field"], "namespace");
        assert_eq!(
            json["unmet"][0]["expect"],
            serde_json::json!({"min": 1, "max": 3})
        );
    }
}
