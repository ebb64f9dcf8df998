//! What kube-apiserver says about a request body it cannot decode, word for word.
//!
//! The body's group/version/kind is read first by `SimpleMetaFactory.Interpret`
//! (`apimachinery/pkg/runtime/serializer/json/meta.go`), a Go `encoding/json` unmarshal into
//! `struct{APIVersion, Kind}`; its errors are Go's scanner and type errors. Without a kind the
//! handler's `transformDecodeError` (`apiserver/pkg/endpoints/handlers/rest.go`) answers
//! `the object provided is unrecognized (must be of type K): ERR (SUMMARY)`; with one,
//! `K2 in version "V" cannot be handled as a K: ERR`, where ERR is the scheme's: an unknown
//! kind is not registered, a known one of another type has no conversion.

use serde_json::Value;

use crate::api::managed_fields::schema::Schema;
use crate::api::registry::ResourceDef;
use crate::api::status::Status;

/// Go's `quoteChar`: a byte as `'c'`, with `strconv.Quote`'s escapes.
fn quote_char(c: u8) -> String {
    match c {
        b'\'' => r"'\''".into(),
        b'"' => "'\"'".into(),
        _ => {
            let q = crate::api::status::go_quote(&char::from(c).to_string());
            format!("'{}'", &q[1..q.len() - 1])
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Parse {
    ObjectKey,
    ObjectValue,
    ArrayValue,
}

/// A port of the state machine of Go's `encoding/json/scanner.go`, run to the first error.
#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    BeginValueOrEmpty,
    BeginValue,
    BeginStringOrEmpty,
    BeginString,
    EndValue,
    EndTop,
    InString,
    InStringEsc,
    InStringEscU(u8),
    Neg,
    One,
    Zero,
    Dot,
    Dot0,
    E,
    ESign,
    E0,
    /// A literal (`true`, `false`, `null`) and how many of its bytes were read.
    Literal(&'static str, usize),
}

struct Scanner {
    state: State,
    stack: Vec<Parse>,
    end_top: bool,
}

type Step = Result<(), String>;

fn err(c: u8, context: &str) -> Step {
    Err(format!("invalid character {} {context}", quote_char(c)))
}

fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\r' | b'\n')
}

impl Scanner {
    fn step(&mut self, c: u8) -> Step {
        match self.state {
            State::BeginValueOrEmpty => {
                if is_space(c) {
                    Ok(())
                } else if c == b']' {
                    self.end_value(c)
                } else {
                    self.begin_value(c)
                }
            }
            State::BeginValue => self.begin_value(c),
            State::BeginStringOrEmpty => {
                if is_space(c) {
                    Ok(())
                } else if c == b'}' {
                    if let Some(top) = self.stack.last_mut() {
                        *top = Parse::ObjectValue;
                    }
                    self.end_value(c)
                } else {
                    self.begin_string(c)
                }
            }
            State::BeginString => self.begin_string(c),
            State::EndValue => self.end_value(c),
            State::EndTop => {
                if is_space(c) {
                    Ok(())
                } else {
                    err(c, "after top-level value")
                }
            }
            State::InString => {
                match c {
                    b'"' => self.state = State::EndValue,
                    b'\\' => self.state = State::InStringEsc,
                    c if c < 0x20 => return err(c, "in string literal"),
                    _ => {}
                }
                Ok(())
            }
            State::InStringEsc => match c {
                b'b' | b'f' | b'n' | b'r' | b't' | b'\\' | b'/' | b'"' => {
                    self.state = State::InString;
                    Ok(())
                }
                b'u' => {
                    self.state = State::InStringEscU(0);
                    Ok(())
                }
                _ => err(c, "in string escape code"),
            },
            State::InStringEscU(n) => {
                if !c.is_ascii_hexdigit() {
                    return err(c, "in \\u hexadecimal character escape");
                }
                self.state = if n == 3 {
                    State::InString
                } else {
                    State::InStringEscU(n + 1)
                };
                Ok(())
            }
            State::Neg => match c {
                b'0' => {
                    self.state = State::Zero;
                    Ok(())
                }
                b'1'..=b'9' => {
                    self.state = State::One;
                    Ok(())
                }
                _ => err(c, "in numeric literal"),
            },
            State::One if c.is_ascii_digit() => Ok(()),
            State::One | State::Zero => match c {
                b'.' => {
                    self.state = State::Dot;
                    Ok(())
                }
                b'e' | b'E' => {
                    self.state = State::E;
                    Ok(())
                }
                _ => self.end_value(c),
            },
            State::Dot => {
                if c.is_ascii_digit() {
                    self.state = State::Dot0;
                    Ok(())
                } else {
                    err(c, "after decimal point in numeric literal")
                }
            }
            State::Dot0 => match c {
                b'0'..=b'9' => Ok(()),
                b'e' | b'E' => {
                    self.state = State::E;
                    Ok(())
                }
                _ => self.end_value(c),
            },
            State::E if c == b'+' || c == b'-' => {
                self.state = State::ESign;
                Ok(())
            }
            State::E | State::ESign => {
                if c.is_ascii_digit() {
                    self.state = State::E0;
                    Ok(())
                } else {
                    err(c, "in exponent of numeric literal")
                }
            }
            State::E0 => {
                if c.is_ascii_digit() {
                    Ok(())
                } else {
                    self.end_value(c)
                }
            }
            State::Literal(word, n) => {
                let want = word.as_bytes()[n];
                if c != want {
                    return err(
                        c,
                        &format!("in literal {word} (expecting {})", quote_char(want)),
                    );
                }
                self.state = if n + 1 == word.len() {
                    State::EndValue
                } else {
                    State::Literal(word, n + 1)
                };
                Ok(())
            }
        }
    }

    fn begin_value(&mut self, c: u8) -> Step {
        if is_space(c) {
            return Ok(());
        }
        self.state = match c {
            b'{' => {
                self.stack.push(Parse::ObjectKey);
                State::BeginStringOrEmpty
            }
            b'[' => {
                self.stack.push(Parse::ArrayValue);
                State::BeginValueOrEmpty
            }
            b'"' => State::InString,
            b'-' => State::Neg,
            b'0' => State::Zero,
            b'1'..=b'9' => State::One,
            b't' => State::Literal("true", 1),
            b'f' => State::Literal("false", 1),
            b'n' => State::Literal("null", 1),
            _ => return err(c, "looking for beginning of value"),
        };
        Ok(())
    }

    fn begin_string(&mut self, c: u8) -> Step {
        if is_space(c) {
            return Ok(());
        }
        if c == b'"' {
            self.state = State::InString;
            return Ok(());
        }
        err(c, "looking for beginning of object key string")
    }

    fn pop(&mut self) {
        self.stack.pop();
        if self.stack.is_empty() {
            self.state = State::EndTop;
            self.end_top = true;
        } else {
            self.state = State::EndValue;
        }
    }

    fn end_value(&mut self, c: u8) -> Step {
        let Some(&top) = self.stack.last() else {
            self.state = State::EndTop;
            self.end_top = true;
            return self.step(c);
        };
        if is_space(c) {
            self.state = State::EndValue;
            return Ok(());
        }
        match (top, c) {
            (Parse::ObjectKey, b':') => {
                if let Some(t) = self.stack.last_mut() {
                    *t = Parse::ObjectValue;
                }
                self.state = State::BeginValue;
                Ok(())
            }
            (Parse::ObjectKey, _) => err(c, "after object key"),
            (Parse::ObjectValue, b',') => {
                if let Some(t) = self.stack.last_mut() {
                    *t = Parse::ObjectKey;
                }
                self.state = State::BeginString;
                Ok(())
            }
            (Parse::ObjectValue, b'}') | (Parse::ArrayValue, b']') => {
                self.pop();
                Ok(())
            }
            (Parse::ObjectValue, _) => err(c, "after object key:value pair"),
            (Parse::ArrayValue, b',') => {
                self.state = State::BeginValue;
                Ok(())
            }
            (Parse::ArrayValue, _) => err(c, "after array element"),
        }
    }
}

/// Go's `json.Unmarshal` syntax error for `data` (`checkValid`), if it is not valid JSON.
pub fn go_syntax_error(data: &[u8]) -> Option<String> {
    let mut s = Scanner {
        state: State::BeginValue,
        stack: Vec::new(),
        end_top: false,
    };
    for &c in data {
        if let Err(e) = s.step(c) {
            return Some(e);
        }
    }
    // `eof`: a pending number ends at a space; anything else unfinished is truncated input.
    if !s.end_top
        && let Err(e) = s.step(b' ')
    {
        return Some(e);
    }
    (!s.end_top).then(|| "unexpected end of JSON input".to_string())
}

fn json_type_name(v: &Value) -> &'static str {
    match v {
        Value::Array(_) => "array",
        Value::Object(_) => "object",
        Value::String(_) => "string",
        Value::Number(_) => "number",
        Value::Bool(_) => "bool",
        Value::Null => "null",
    }
}

/// The error of `SimpleMetaFactory.Interpret` for a body, if it fails.
fn interpret_error(data: &[u8]) -> Option<String> {
    if let Some(e) = go_syntax_error(data) {
        return Some(e);
    }
    let v: Value = serde_json::from_slice(data).ok()?;
    match &v {
        Value::Object(m) => m.iter().find_map(|(k, x)| {
            (matches!(k.as_str(), "apiVersion" | "kind") && !x.is_string() && !x.is_null()).then(
                || {
                    format!(
                        "json: cannot unmarshal {} into Go struct field .{k} of type string",
                        json_type_name(x)
                    )
                },
            )
        }),
        Value::Null => None,
        other => Some(format!(
            "json: cannot unmarshal {} into Go value of type struct {{ APIVersion string \"json:\\\"apiVersion,omitempty\\\"\"; Kind string \"json:\\\"kind,omitempty\\\"\" }}",
            json_type_name(other)
        )),
    }
}

/// `summarizeData(body, 30)`: an object's first 30 bytes, anything else's first 30 in hex.
fn summarize(data: &[u8]) -> String {
    const MAX: usize = 30;
    let (head, more) = (&data[..data.len().min(MAX)], data.len() > MAX);
    let text = match data.first() {
        None => return "<empty>".into(),
        Some(b'{') => String::from_utf8_lossy(head).into_owned(),
        Some(_) => head.iter().map(|b| format!("{b:02x}")).collect(),
    };
    if more { format!("{text} ...") } else { text }
}

/// The 400 for a JSON body whose kind cannot even be read, taken as type `kind`.
pub fn unreadable_json(data: &[u8], kind: &str) -> Option<Status> {
    let e = interpret_error(data)?;
    Some(Status::bad_request(format!(
        "the object provided is unrecognized (must be of type {kind}): couldn't get version/kind; json parse error: {e} ({})",
        summarize(data)
    )))
}

/// The internal package a group's types are converted into (`k8s.io/kubernetes/pkg/apis/...`).
fn internal_package(group: &str) -> &str {
    match group {
        "" => "core",
        g => g.split('.').next().unwrap_or(g),
    }
}

/// The 400 for a body that names another kind (`body_kind`) or version (`body_api_version`,
/// empty for the endpoint's) than the endpoint `def` takes; `None` when it names `def`'s.
pub fn wrong_type(def: &ResourceDef, body_api_version: &str, body_kind: &str) -> Option<Status> {
    let api_version = if body_api_version.is_empty() {
        def.api_version()
    } else {
        body_api_version.to_string()
    };
    let kind = if body_kind.is_empty() {
        def.kind
    } else {
        body_kind
    };
    if kind == def.kind && api_version == def.api_version() {
        return None;
    }
    let version = api_version.rsplit('/').next().unwrap_or("");
    let cannot = |e: String| {
        Status::bad_request(format!(
            "{kind} in version {} cannot be handled as a {}: {e}",
            crate::api::status::go_quote(version),
            def.kind
        ))
    };
    if !Schema::get().is_registered(&api_version, kind) {
        return Some(cannot(format!(
            "no kind {} is registered for version {} in scheme \"pkg/api/legacyscheme/scheme.go:30\"",
            crate::api::status::go_quote(kind),
            crate::api::status::go_quote(&api_version)
        )));
    }
    if kind != def.kind {
        return Some(cannot(format!(
            "converting ({version}.{kind}) to ({}.{}): unknown conversion",
            internal_package(def.group),
            def.kind
        )));
    }
    Some(Status::bad_request(format!(
        "the API version in the data ({api_version}) does not match the expected API version ({})",
        def.api_version()
    )))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::registry;

    #[test]
    fn syntax_errors_read_as_go_encoding_json_writes_them() {
        let cases: &[(&str, &str)] = &[
            (
                "{not json",
                "invalid character 'n' looking for beginning of object key string",
            ),
            ("", "unexpected end of JSON input"),
            ("{\"a\":", "unexpected end of JSON input"),
            ("{\"a\" 1}", "invalid character '1' after object key"),
            (
                "{\"a\":1 2}",
                "invalid character '2' after object key:value pair",
            ),
            ("[1 2]", "invalid character '2' after array element"),
            ("{} x", "invalid character 'x' after top-level value"),
            // `eof` feeds a space: a cut literal or number complains about it.
            (
                "tru",
                "invalid character ' ' in literal true (expecting 'e')",
            ),
            (
                "trux",
                "invalid character 'x' in literal true (expecting 'e')",
            ),
            (
                "nul!",
                "invalid character '!' in literal null (expecting 'l')",
            ),
            ("-x", "invalid character 'x' in numeric literal"),
            (
                "1.x",
                "invalid character 'x' after decimal point in numeric literal",
            ),
            (
                "1ex",
                "invalid character 'x' in exponent of numeric literal",
            ),
            (
                "1.",
                "invalid character ' ' after decimal point in numeric literal",
            ),
            ("\"a\nb\"", "invalid character '\\n' in string literal"),
            ("\"\\q\"", "invalid character 'q' in string escape code"),
            (
                "\"\\u12g4\"",
                "invalid character 'g' in \\u hexadecimal character escape",
            ),
            (
                "'x'",
                "invalid character '\\'' looking for beginning of value",
            ),
            ("{\"a\":1}", ""),
            (" 12 ", ""),
        ];
        for (input, want) in cases {
            let got = go_syntax_error(input.as_bytes()).unwrap_or_default();
            assert_eq!(&got, want, "input {input:?}");
        }
    }

    #[test]
    fn unreadable_bodies_get_the_recorded_text() {
        // answers-1.36.json, "sa create not json (400)".
        let s = unreadable_json(b"{not json", "ServiceAccount").unwrap();
        assert_eq!(
            s.message,
            "the object provided is unrecognized (must be of type ServiceAccount): couldn't get version/kind; json parse error: invalid character 'n' looking for beginning of object key string ({not json)"
        );
        let s = unreadable_json(b"[1]", "Secret").unwrap();
        assert!(s.message.ends_with(
            "json: cannot unmarshal array into Go value of type struct { APIVersion string \"json:\\\"apiVersion,omitempty\\\"\"; Kind string \"json:\\\"kind,omitempty\\\"\" } (5b315d)"
        ), "{}", s.message);
        let s = unreadable_json(br#"{"kind": 5}"#, "Secret").unwrap();
        assert!(s.message.contains("json: cannot unmarshal number into Go struct field .kind of type string ({\"kind\": 5})"));
        assert!(unreadable_json(br#"{"kind": "Secret"}"#, "Secret").is_none());
        assert_eq!(summarize(&[b'{'; 40]), format!("{} ...", "{".repeat(30)));
    }

    #[test]
    fn a_body_of_another_kind_is_not_converted() {
        let sa = registry::find_plural("serviceaccounts").unwrap();
        // answers-1.36.json, "sa create wrong kind (400)".
        assert_eq!(
            wrong_type(sa, "v1", "Secret").unwrap().message,
            "Secret in version \"v1\" cannot be handled as a ServiceAccount: converting (v1.Secret) to (core.ServiceAccount): unknown conversion"
        );
        assert_eq!(
            wrong_type(sa, "v1", "Foo").unwrap().message,
            "Foo in version \"v1\" cannot be handled as a ServiceAccount: no kind \"Foo\" is registered for version \"v1\" in scheme \"pkg/api/legacyscheme/scheme.go:30\""
        );
        let role = registry::find_plural("roles").unwrap();
        assert_eq!(
            wrong_type(role, "rbac.authorization.k8s.io/v1", "ClusterRole")
                .unwrap()
                .message,
            "ClusterRole in version \"v1\" cannot be handled as a Role: converting (v1.ClusterRole) to (rbac.Role): unknown conversion"
        );
        assert!(wrong_type(sa, "", "").is_none());
        assert!(wrong_type(sa, "v1", "ServiceAccount").is_none());
    }
}
