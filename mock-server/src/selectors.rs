//! `labelSelector` and `fieldSelector` for lists and watches, with the operators kube accepts
//! (labels: `=`, `==`, `!=`, `in`, `notin`, `key`, `!key`; fields: `=`, `==`, `!=` on
//! `metadata.name`, `metadata.namespace`, and `type` for Secrets).

use serde_json::Value;

use crate::status::Status;

#[derive(Clone, Debug, PartialEq, Eq)]
enum LabelReq {
    Eq(String, String),
    NotEq(String, String),
    In(String, Vec<String>),
    NotIn(String, Vec<String>),
    Exists(String),
    NotExists(String),
}

/// A parsed label selector; the default matches everything.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LabelSelector {
    reqs: Vec<LabelReq>,
}

/// Splits on commas that are not inside parentheses.
fn split_terms(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut depth = 0;
    let mut start = 0;
    for (i, c) in s.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                out.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&s[start..]);
    out.into_iter()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .collect()
}

fn parse_set(s: &str) -> Option<Vec<String>> {
    let inner = s.trim().strip_prefix('(')?.strip_suffix(')')?;
    Some(
        inner
            .split(',')
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
            .collect(),
    )
}

impl LabelSelector {
    /// Parses a selector; a malformed one is a 400 as on a real server.
    pub fn parse(s: &str) -> Result<LabelSelector, Status> {
        let bad = |t: &str| Status::bad_request(format!("unable to parse requirement: {t:?}"));
        let mut reqs = Vec::new();
        for term in split_terms(s) {
            let req = if let Some((k, v)) = term.split_once("!=") {
                LabelReq::NotEq(k.trim().into(), v.trim().into())
            } else if let Some((k, v)) = term.split_once("==") {
                LabelReq::Eq(k.trim().into(), v.trim().into())
            } else if let Some((k, v)) = term.split_once('=') {
                LabelReq::Eq(k.trim().into(), v.trim().into())
            } else if let Some((k, set)) = term.split_once(" notin ") {
                LabelReq::NotIn(k.trim().into(), parse_set(set).ok_or_else(|| bad(term))?)
            } else if let Some((k, set)) = term.split_once(" in ") {
                LabelReq::In(k.trim().into(), parse_set(set).ok_or_else(|| bad(term))?)
            } else if let Some(k) = term.strip_prefix('!') {
                LabelReq::NotExists(k.trim().into())
            } else {
                LabelReq::Exists(term.into())
            };
            let key = match &req {
                LabelReq::Eq(k, _)
                | LabelReq::NotEq(k, _)
                | LabelReq::In(k, _)
                | LabelReq::NotIn(k, _)
                | LabelReq::Exists(k)
                | LabelReq::NotExists(k) => k,
            };
            if key.is_empty() || key.contains(' ') || key.contains('(') {
                return Err(bad(term));
            }
            reqs.push(req);
        }
        Ok(LabelSelector { reqs })
    }

    /// Whether an object's `metadata.labels` satisfy every requirement.
    pub fn matches(&self, obj: &Value) -> bool {
        let labels = obj.get("metadata").and_then(|m| m.get("labels"));
        let get = |k: &str| labels.and_then(|l| l.get(k)).and_then(Value::as_str);
        self.reqs.iter().all(|r| match r {
            LabelReq::Eq(k, v) => get(k) == Some(v.as_str()),
            LabelReq::NotEq(k, v) => get(k) != Some(v.as_str()),
            LabelReq::In(k, set) => get(k).is_some_and(|x| set.iter().any(|s| s == x)),
            LabelReq::NotIn(k, set) => get(k).is_none_or(|x| !set.iter().any(|s| s == x)),
            LabelReq::Exists(k) => get(k).is_some(),
            LabelReq::NotExists(k) => get(k).is_none(),
        })
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct FieldReq {
    path: String,
    value: String,
    negate: bool,
}

/// A parsed field selector; the default matches everything.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FieldSelector {
    reqs: Vec<FieldReq>,
}

impl FieldSelector {
    /// Parses a selector for `resource`; unsupported fields give kube's 400 messages.
    pub fn parse(s: &str, resource: &str) -> Result<FieldSelector, Status> {
        let mut reqs = Vec::new();
        for term in split_terms(s) {
            let (path, value, negate) = if let Some((k, v)) = term.split_once("!=") {
                (k, v, true)
            } else if let Some((k, v)) = term.split_once("==") {
                (k, v, false)
            } else if let Some((k, v)) = term.split_once('=') {
                (k, v, false)
            } else {
                return Err(Status::bad_request(format!(
                    "invalid selector: '{s}'; can't understand '{term}'"
                )));
            };
            let path = path.trim();
            if let Some(e) = crate::validation::field_selector_label_error(resource, path) {
                return Err(e);
            }
            reqs.push(FieldReq {
                path: path.into(),
                value: value.trim().into(),
                negate,
            });
        }
        Ok(FieldSelector { reqs })
    }

    /// Whether the object satisfies every requirement.
    pub fn matches(&self, obj: &Value) -> bool {
        self.reqs.iter().all(|r| {
            // Supported field labels are plain dotted paths (`spec.nodeName`, `type`);
            // a missing field compares as "" and booleans as their text, as kube's field sets.
            let v = r
                .path
                .split('.')
                .try_fold(obj, |v, k| v.get(k))
                .map(|v| match v {
                    Value::String(s) => s.clone(),
                    Value::Bool(b) => b.to_string(),
                    Value::Number(n) => n.to_string(),
                    _ => String::new(),
                })
                .unwrap_or_default();
            (v == r.value) != r.negate
        })
    }

    /// The name an `metadata.name=` requirement pins, if any.
    pub fn name(&self) -> Option<&str> {
        self.reqs
            .iter()
            .find(|r| r.path == "metadata.name" && !r.negate)
            .map(|r| r.value.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn obj(labels: Value) -> Value {
        json!({"metadata": {"name": "x", "namespace": "default", "labels": labels}, "type": "Opaque"})
    }

    #[test]
    fn label_operators() {
        let o = obj(json!({"app": "web", "tier": "front"}));
        let t = |s| LabelSelector::parse(s).unwrap().matches(&o);
        assert!(t("app=web"));
        assert!(t("app==web,tier"));
        assert!(!t("app!=web"));
        assert!(t("app in (web, db)"));
        assert!(!t("app notin (web,db)"));
        assert!(t("!missing"));
        assert!(!t("missing"));
        assert!(t(""));
        assert!(LabelSelector::parse("app in web").is_err());
    }

    #[test]
    fn field_selectors_and_their_errors() {
        let o = obj(json!({}));
        let f = |s, r| FieldSelector::parse(s, r).unwrap().matches(&o);
        assert!(f("metadata.name=x", "serviceaccounts"));
        assert!(f("metadata.namespace==default", "pods"));
        assert!(!f("metadata.name!=x", "pods"));
        assert!(f("type=Opaque", "secrets"));
        let e = FieldSelector::parse("spec.foo=1", "configmaps").unwrap_err();
        assert_eq!(
            e.message,
            "\"spec.foo\" is not a known field selector: only \"metadata.name\", \"metadata.namespace\""
        );
        let e = FieldSelector::parse("spec.foo=1", "secrets").unwrap_err();
        assert_eq!(e.message, "field label not supported: spec.foo");
        let pod =
            json!({"metadata": {"name": "p"}, "spec": {"nodeName": "n1", "hostNetwork": false}});
        let sel = FieldSelector::parse("spec.nodeName=n1,spec.hostNetwork=false", "pods").unwrap();
        assert!(sel.matches(&pod));
        assert!(FieldSelector::parse("metadata.namespace=x", "namespaces").is_err());
        assert_eq!(
            FieldSelector::parse("metadata.name=x", "pods")
                .unwrap()
                .name(),
            Some("x")
        );
    }
}
