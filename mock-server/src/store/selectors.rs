//! `labelSelector` and `fieldSelector` for lists and watches, with the operators kube accepts
//! (labels: `=`, `==`, `!=`, `in`, `notin`, `key`, `!key`; fields: `=`, `==`, `!=` on
//! `metadata.name`, `metadata.namespace`, and `type` for Secrets).

use serde_json::Value;

use crate::api::status::Status;

#[derive(Clone, Debug, PartialEq, Eq)]
enum LabelReq {
    Eq(String, String),
    NotEq(String, String),
    In(String, Vec<String>),
    NotIn(String, Vec<String>),
    Exists(String),
    NotExists(String),
    Gt(String, i64),
    Lt(String, i64),
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

/// Tokens of the label selector grammar, as `k8s.io/apimachinery/pkg/labels/selector.go`'s lexer
/// produces them (`in`/`notin` are keywords only where an operator may stand).
#[derive(Clone, Debug, PartialEq, Eq)]
enum Tok {
    Error(String),
    End,
    ClosePar,
    Comma,
    Not,
    DoubleEquals,
    Equals,
    Gt,
    Ident(String),
    In,
    Lt,
    NotEquals,
    NotIn,
    OpenPar,
}

impl Tok {
    /// The literal the Go parser prints in its "found '…'" messages.
    fn literal(&self) -> &str {
        match self {
            Tok::Error(s) | Tok::Ident(s) => s,
            Tok::End => "",
            Tok::ClosePar => ")",
            Tok::Comma => ",",
            Tok::Not => "!",
            Tok::DoubleEquals => "==",
            Tok::Equals => "=",
            Tok::Gt => ">",
            Tok::In => "in",
            Tok::Lt => "<",
            Tok::NotEquals => "!=",
            Tok::NotIn => "notin",
            Tok::OpenPar => "(",
        }
    }

    /// In value position the keywords `in`/`notin` are plain identifiers (`x in (in)`).
    fn in_value_position(self) -> Tok {
        match self {
            Tok::In => Tok::Ident("in".into()),
            Tok::NotIn => Tok::Ident("notin".into()),
            t => t,
        }
    }
}

fn symbol(s: &[u8]) -> Option<Tok> {
    Some(match s {
        b")" => Tok::ClosePar,
        b"," => Tok::Comma,
        b"!" => Tok::Not,
        b"==" => Tok::DoubleEquals,
        b"=" => Tok::Equals,
        b">" => Tok::Gt,
        b"<" => Tok::Lt,
        b"!=" => Tok::NotEquals,
        b"(" => Tok::OpenPar,
        _ => return None,
    })
}

fn is_special(c: u8) -> bool {
    matches!(c, b'=' | b'!' | b'(' | b')' | b',' | b'>' | b'<')
}

fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\r' | b'\n')
}

/// The Go lexer, byte for byte: identifiers run to the next special symbol or blank; a run of
/// special symbols yields the longest known operator prefix.
fn lex(s: &str) -> Vec<Tok> {
    let b = s.as_bytes();
    let mut pos = 0;
    let mut out = Vec::new();
    loop {
        while pos < b.len() && is_space(b[pos]) {
            pos += 1;
        }
        if pos >= b.len() {
            out.push(Tok::End);
            return out;
        }
        if is_special(b[pos]) {
            let start = pos;
            let mut last: Option<(Tok, usize)> = None;
            while pos < b.len() && is_special(b[pos]) {
                pos += 1;
                if let Some(t) = symbol(&b[start..pos]) {
                    last = Some((t, pos));
                } else if last.is_some() {
                    break;
                }
            }
            match last {
                Some((t, end)) => {
                    pos = end;
                    out.push(t);
                }
                None => {
                    let buf = String::from_utf8_lossy(&b[start..pos]);
                    out.push(Tok::Error(format!("error expected: keyword found '{buf}'")));
                }
            }
        } else {
            let start = pos;
            while pos < b.len() && !is_special(b[pos]) && !is_space(b[pos]) {
                pos += 1;
            }
            let word = String::from_utf8_lossy(&b[start..pos]).into_owned();
            out.push(match word.as_str() {
                "in" => Tok::In,
                "notin" => Tok::NotIn,
                _ => Tok::Ident(word),
            });
        }
        if matches!(out.last(), Some(Tok::Error(_))) {
            // The Go parser only ever reads up to the first error token.
            out.push(Tok::End);
            return out;
        }
    }
}

/// `field.Invalid(path, value, detail).Error()` with the selector parser's nil path.
fn invalid(path: &str, value: &str, errs: &[String]) -> String {
    format!("{path}: Invalid value: {value:?}: {}", errs.join("; "))
}

struct Parser {
    toks: Vec<Tok>,
    pos: usize,
}

impl Parser {
    fn peek(&self) -> Tok {
        self.toks
            .get(self.pos)
            .cloned()
            .unwrap_or(Tok::End)
            .in_value_position()
    }

    fn next_raw(&mut self) -> Tok {
        let t = self.toks.get(self.pos).cloned().unwrap_or(Tok::End);
        self.pos += 1;
        t
    }

    fn next(&mut self) -> Tok {
        self.next_raw().in_value_position()
    }

    fn parse(&mut self) -> Result<Vec<LabelReq>, String> {
        let mut reqs = Vec::new();
        loop {
            match self.peek() {
                Tok::Ident(_) | Tok::Not => {
                    let r = self
                        .requirement()
                        .map_err(|e| format!("unable to parse requirement: {e}"))?;
                    reqs.push(r);
                    match self.next() {
                        Tok::End => return Ok(reqs),
                        Tok::Comma => {
                            let t = self.peek();
                            if !matches!(t, Tok::Ident(_) | Tok::Not) {
                                return Err(format!(
                                    "found '{}', expected: identifier after ','",
                                    t.literal()
                                ));
                            }
                        }
                        t => {
                            return Err(format!(
                                "found '{}', expected: ',' or 'end of string'",
                                t.literal()
                            ));
                        }
                    }
                }
                Tok::End => return Ok(reqs),
                t => {
                    return Err(format!(
                        "found '{}', expected: !, identifier, or 'end of string'",
                        t.literal()
                    ));
                }
            }
        }
    }

    fn requirement(&mut self) -> Result<LabelReq, String> {
        let mut t = self.next();
        let negated = t == Tok::Not;
        if negated {
            t = self.next();
        }
        let Tok::Ident(key) = t else {
            return Err(format!("found '{}', expected: identifier", t.literal()));
        };
        let errs = crate::api::validation::is_qualified_name(&key);
        if !errs.is_empty() {
            return Err(invalid("<nil>", &key, &errs));
        }
        // `!key` is complete whatever follows: the Go parser then fails on the next token with
        // "expected: ',' or 'end of string'" (so `!a=b` is a 400, not "a != b").
        if negated {
            return Ok(LabelReq::NotExists(key));
        }
        if matches!(self.peek(), Tok::End | Tok::Comma) {
            return Ok(LabelReq::Exists(key));
        }
        let op = self.next_raw();
        let values = match op {
            Tok::In | Tok::NotIn => self.set_values()?,
            Tok::Equals | Tok::DoubleEquals | Tok::NotEquals | Tok::Gt | Tok::Lt => {
                self.exact_value()?
            }
            t => {
                return Err(format!(
                    "found '{}', expected: in, notin, =, ==, !=, gt, lt",
                    t.literal()
                ));
            }
        };
        // `sets.String.List()`: sorted and deduplicated, the order the error paths index.
        let mut values: Vec<String> = values;
        values.sort();
        values.dedup();
        let mut errs = Vec::new();
        if matches!(op, Tok::Gt | Tok::Lt) {
            for (i, v) in values.iter().enumerate() {
                if v.parse::<i64>().is_err() {
                    errs.push(format!(
                        "values[{i}]: Invalid value: {v:?}: for 'Gt', 'Lt' operators, the value must be an integer"
                    ));
                }
            }
        }
        for (i, v) in values.iter().enumerate() {
            let e = crate::api::validation::is_label_value(v);
            if !e.is_empty() {
                errs.push(invalid(&format!("values[{i}][{key}]"), v, &e));
            }
        }
        match errs.len() {
            0 => {}
            1 => return Err(errs.remove(0)),
            _ => return Err(format!("[{}]", errs.join(", "))),
        }
        let one = || values.first().cloned().unwrap_or_default();
        Ok(match op {
            Tok::In => LabelReq::In(key, values),
            Tok::NotIn => LabelReq::NotIn(key, values),
            Tok::NotEquals => LabelReq::NotEq(key, one()),
            Tok::Gt => LabelReq::Gt(key, one().parse().unwrap_or_default()),
            Tok::Lt => LabelReq::Lt(key, one().parse().unwrap_or_default()),
            _ => LabelReq::Eq(key, one()),
        })
    }

    fn set_values(&mut self) -> Result<Vec<String>, String> {
        let t = self.next();
        if t != Tok::OpenPar {
            return Err(format!("found '{}' expected: '('", t.literal()));
        }
        match self.peek() {
            Tok::Ident(_) | Tok::Comma => {
                let lit = self.peek();
                let s = self.identifiers()?;
                if self.next() != Tok::ClosePar {
                    return Err(format!("found '{}', expected: ')'", lit.literal()));
                }
                Ok(s)
            }
            Tok::ClosePar => {
                self.next();
                Ok(vec![String::new()])
            }
            t => Err(format!(
                "found '{}', expected: ',', ')' or identifier",
                t.literal()
            )),
        }
    }

    fn identifiers(&mut self) -> Result<Vec<String>, String> {
        let mut s: Vec<String> = Vec::new();
        loop {
            match self.next() {
                Tok::Ident(v) => {
                    s.push(v);
                    match self.peek() {
                        Tok::Comma => continue,
                        Tok::ClosePar => return Ok(s),
                        t => return Err(format!("found '{}', expected: ',' or ')'", t.literal())),
                    }
                }
                Tok::Comma => {
                    if s.is_empty() {
                        s.push(String::new());
                    }
                    match self.peek() {
                        Tok::ClosePar => {
                            s.push(String::new());
                            return Ok(s);
                        }
                        Tok::Comma => {
                            self.next();
                            s.push(String::new());
                        }
                        _ => {}
                    }
                }
                t => {
                    return Err(format!(
                        "found '{}', expected: ',', or identifier",
                        t.literal()
                    ));
                }
            }
        }
    }

    fn exact_value(&mut self) -> Result<Vec<String>, String> {
        if matches!(self.peek(), Tok::End | Tok::Comma) {
            return Ok(vec![String::new()]);
        }
        match self.next() {
            Tok::Ident(v) => Ok(vec![v]),
            t => Err(format!("found '{}', expected: identifier", t.literal())),
        }
    }
}

impl LabelSelector {
    /// Parses a selector with the grammar, key/value validation and error texts of
    /// `labels.Parse` (`k8s.io/apimachinery/pkg/labels/selector.go`); an error is the 400
    /// `BadRequest` the list handler answers with that text.
    pub fn parse(s: &str) -> Result<LabelSelector, Status> {
        let mut p = Parser {
            toks: lex(s),
            pos: 0,
        };
        p.parse()
            .map(|reqs| LabelSelector { reqs })
            .map_err(Status::bad_request)
    }

    /// Whether it selects everything (no requirements).
    pub fn is_empty(&self) -> bool {
        self.reqs.is_empty()
    }

    /// Whether an object's `metadata.labels` satisfy every requirement.
    pub fn matches(&self, obj: &Value) -> bool {
        let labels = obj.get("metadata").and_then(|m| m.get("labels"));
        let get = |k: &str| labels.and_then(|l| l.get(k)).and_then(Value::as_str);
        let num = |k: &str| get(k).and_then(|v| v.parse::<i64>().ok());
        self.reqs.iter().all(|r| match r {
            LabelReq::Eq(k, v) => get(k) == Some(v.as_str()),
            LabelReq::NotEq(k, v) => get(k) != Some(v.as_str()),
            LabelReq::In(k, set) => get(k).is_some_and(|x| set.iter().any(|s| s == x)),
            LabelReq::NotIn(k, set) => get(k).is_none_or(|x| !set.iter().any(|s| s == x)),
            LabelReq::Exists(k) => get(k).is_some(),
            LabelReq::NotExists(k) => get(k).is_none(),
            LabelReq::Gt(k, n) => num(k).is_some_and(|x| x > *n),
            LabelReq::Lt(k, n) => num(k).is_some_and(|x| x < *n),
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
            if let Some(e) = crate::api::validation::field_selector_label_error(resource, path) {
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

    /// Whether it selects everything (no requirements).
    pub fn is_empty(&self) -> bool {
        self.reqs.is_empty()
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
        assert!(t("app in (in, web)"));
        assert!(!t("app notin (,web)"));
        let n = obj(json!({"n": "5"}));
        assert!(LabelSelector::parse("n>4").unwrap().matches(&n));
        assert!(!LabelSelector::parse("n<5").unwrap().matches(&n));
    }

    /// The texts of `labels.Parse` (apimachinery `pkg/labels/selector.go`), as the real server
    /// puts them in its 400.
    #[test]
    fn label_parse_errors_carry_the_real_messages() {
        let msg = |s: &str| {
            let e = LabelSelector::parse(s).unwrap_err();
            assert_eq!(e.code, 400, "{s}");
            e.message
        };
        assert_eq!(
            msg("!!"),
            "unable to parse requirement: found '!', expected: identifier"
        );
        assert_eq!(
            msg("app:monolith"),
            "unable to parse requirement: <nil>: Invalid value: \"app:monolith\": name part must \
             consist of alphanumeric characters, '-', '_' or '.', and must start and end with an \
             alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for \
             validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
        );
        assert!(
            msg("a/b/c")
                .starts_with("unable to parse requirement: <nil>: Invalid value: \"a/b/c\": "),
            "{}",
            msg("a/b/c")
        );
        assert_eq!(
            msg("app=a b"),
            "found 'b', expected: ',' or 'end of string'"
        );
        assert_eq!(
            msg("app=-x"),
            "unable to parse requirement: values[0][app]: Invalid value: \"-x\": a valid label \
             must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and \
             must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  \
             or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
        );
        assert_eq!(
            msg("app foo"),
            "unable to parse requirement: found 'foo', expected: in, notin, =, ==, !=, gt, lt"
        );
        assert_eq!(msg("!a=b"), "found '=', expected: ',' or 'end of string'");
        assert_eq!(
            msg(",a"),
            "found ',', expected: !, identifier, or 'end of string'"
        );
        assert_eq!(msg("a,"), "found '', expected: identifier after ','");
        assert_eq!(
            msg("n>x"),
            "unable to parse requirement: values[0]: Invalid value: \"x\": for 'Gt', 'Lt' \
             operators, the value must be an integer"
        );
        assert_eq!(
            msg("a=>b"),
            "unable to parse requirement: found '>', expected: identifier"
        );
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
