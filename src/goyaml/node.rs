//! The document the emitter writes, borrowed from either value type rawkube holds:
//! `serde_json::Value` (objects for `-o yaml`) or `serde_yaml::Value` (kubeconfig files,
//! whose preserved unknown fields may hold YAML that JSON cannot: tags, non-string keys).
//! Mappings come out already in go-yaml's key order.

use std::borrow::Cow;

use super::YamlError;
use super::keys::sort_keys;
use crate::output::gofmt;

/// One node of the document, with scalars already in the text go-yaml gives them.
pub(super) enum Node<'a> {
    Null,
    Bool(bool),
    /// A number as go-yaml prints it (`1e+21`, not `1e21`).
    Number(String),
    String(Cow<'a, str>),
    Sequence(Vec<Node<'a>>),
    /// Entries in go-yaml's key order.
    Mapping(Vec<(Key<'a>, Node<'a>)>),
    /// A YAML tag (`!tag`) and the value it applies to; only YAML input has these.
    Tagged(String, Box<Node<'a>>),
}

/// A mapping key.
pub(super) enum Key<'a> {
    /// A string key, quoted like any other string.
    String(Cow<'a, str>),
    /// A non-string key from YAML input, written as this text as it stands. JSON (and so
    /// kubectl) has none; rawkube keeps them so a kubeconfig's unknown fields round-trip.
    Verbatim(String),
}

impl Key<'_> {
    /// The text go-yaml sorts by.
    pub(super) fn text(&self) -> &str {
        match self {
            Key::String(s) => s,
            Key::Verbatim(s) => s,
        }
    }
}

fn mapping<'a>(entries: Vec<(Key<'a>, Node<'a>)>) -> Node<'a> {
    Node::Mapping(sort_keys(entries, |e| e.0.text()))
}

/// A JSON document as go-yaml sees it after sigs.k8s.io/yaml's `JSONToYAML` has read it
/// back: NEL folded, and characters its reader forbids refused.
pub(super) fn from_json(v: &serde_json::Value) -> Result<Node<'_>, YamlError> {
    use serde_json::Value as J;
    Ok(match v {
        J::Null => Node::Null,
        J::Bool(b) => Node::Bool(*b),
        J::Number(n) => Node::Number(number_text(n)),
        J::String(s) => Node::String(json_string(s)?),
        J::Array(items) => Node::Sequence(items.iter().map(from_json).collect::<Result<_, _>>()?),
        J::Object(map) => mapping(
            map.iter()
                .map(|(k, v)| Ok((Key::String(json_string(k)?), from_json(v)?)))
                .collect::<Result<_, YamlError>>()?,
        ),
    })
}

/// A YAML value (kubeconfig files), with what kubectl's JSON round trip does to strings
/// (NEL folded) but not its refusal of control characters: they are written escaped.
/// Tags and non-string keys, which JSON cannot hold, are kept.
pub(super) fn from_yaml(v: &serde_yaml::Value) -> Node<'_> {
    use serde_yaml::Value as Y;
    match v {
        Y::Null => Node::Null,
        Y::Bool(b) => Node::Bool(*b),
        Y::Number(n) => Node::Number(yaml_number_text(n)),
        Y::String(s) => Node::String(fold_nel(s)),
        Y::Sequence(items) => Node::Sequence(items.iter().map(from_yaml).collect()),
        Y::Mapping(m) => mapping(
            m.iter()
                .map(|(k, v)| {
                    let key = match k {
                        Y::String(s) => Key::String(fold_nel(s)),
                        other => Key::Verbatim(flow_text(other)),
                    };
                    (key, from_yaml(v))
                })
                .collect(),
        ),
        Y::Tagged(t) => Node::Tagged(tag_text(&t.tag), Box::new(from_yaml(&t.value))),
    }
}

/// A non-string key in flow style, which is valid YAML as an implicit key and reads back
/// to the same value. Strings inside are always double-quoted so that flow indicators in
/// them cannot break the structure.
fn flow_text(v: &serde_yaml::Value) -> String {
    use serde_yaml::Value as Y;
    match v {
        // JSON's escapes would leave line separators and C1 controls raw, which YAML reads
        // as line breaks or rejects (found by fuzzing).
        Y::String(s) => super::scalar::double_quoted(s),
        Y::Null => "null".into(),
        Y::Bool(b) => b.to_string(),
        Y::Number(n) => yaml_number_text(n),
        Y::Sequence(s) => {
            let items: Vec<String> = s.iter().map(flow_text).collect();
            format!("[{}]", items.join(", "))
        }
        Y::Mapping(m) => {
            let items: Vec<String> = m
                .iter()
                .map(|(k, v)| format!("{}: {}", flow_text(k), flow_text(v)))
                .collect();
            format!("{{{}}}", items.join(", "))
        }
        Y::Tagged(t) => format!("{} {}", tag_text(&t.tag), flow_text(&t.value)),
    }
}

/// A tag as written before its value. yaml_serde displays the non-specific tag `!` as
/// `!!`, which no YAML parser reads back, and a tag's suffix decoded: characters a tag may
/// not hold (`%xx` escapes in the file, such as non-ASCII text) are escaped again.
fn tag_text(tag: &serde_yaml::value::Tag) -> String {
    let text = tag.to_string();
    if text == "!!" {
        return "!".into();
    }
    let (handle, suffix) = match text.strip_prefix("!!") {
        Some(rest) => ("!!", rest),
        None => ("!", text.strip_prefix('!').unwrap_or(&text)),
    };
    let mut out = String::from(handle);
    for c in suffix.chars() {
        // YAML's ns-tag-char: URI characters but `!` and the flow indicators `,[]{}`.
        if c.is_ascii_alphanumeric() || "-#;/?:@&=+$_.~*'()".contains(c) {
            out.push(c);
        } else {
            let mut buf = [0; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        }
    }
    out
}

/// Characters go-yaml's reader rejects that Go's JSON encoder writes unescaped.
fn forbidden(c: char) -> bool {
    matches!(c, '\u{7f}'..='\u{84}' | '\u{86}'..='\u{9f}' | '\u{fffe}' | '\u{ffff}')
}

fn json_string(s: &str) -> Result<Cow<'_, str>, YamlError> {
    if s.chars().any(forbidden) {
        return Err(YamlError::ControlCharacters);
    }
    Ok(fold_nel(s))
}

/// What go-yaml's scanner makes of a raw NEL (U+0085) inside the double-quoted JSON
/// string it reads back: a line break, folded with the spaces around it into one space,
/// or into n-1 newlines for a run of n breaks. (Go's JSON encoder escapes every other
/// line break, so only NEL and raw spaces take part.)
fn fold_nel(s: &str) -> Cow<'_, str> {
    if !s.contains('\u{85}') {
        return Cow::Borrowed(s);
    }
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < chars.len() {
        if chars[i] != ' ' && chars[i] != '\u{85}' {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        let start = i;
        while i < chars.len() && (chars[i] == ' ' || chars[i] == '\u{85}') {
            i += 1;
        }
        let run = &chars[start..i];
        let breaks = run.iter().filter(|c| **c == '\u{85}').count();
        if breaks == 0 {
            out.extend(run);
        } else if breaks == 1 {
            out.push(' ');
        } else {
            out.extend(std::iter::repeat_n('\n', breaks - 1));
        }
    }
    Cow::Owned(out)
}

/// A JSON number as it comes out of Go's JSON encoder and back through go-yaml's resolver:
/// integral values stay integers, others print as Go's `%g`-style shortest float.
fn number_text(n: &serde_json::Number) -> String {
    if n.is_i64() || n.is_u64() {
        return n.to_string();
    }
    let json = gofmt::number_json(n);
    if let Ok(i) = json.parse::<i64>() {
        return i.to_string();
    }
    if let Ok(u) = json.parse::<u64>() {
        return u.to_string();
    }
    gofmt::float_v(n.as_f64().unwrap_or(0.0))
}

/// A YAML number the way kubectl would write it after its JSON round trip (`2.0` → `2`,
/// `1e21` → `1e+21`). Infinities and NaN have no JSON form; they keep YAML's `.inf`/`.nan`.
fn yaml_number_text(n: &serde_yaml::Number) -> String {
    match n
        .as_f64()
        .filter(|_| n.is_f64())
        .and_then(serde_json::Number::from_f64)
    {
        Some(f) => number_text(&f),
        None => n.to_string(),
    }
}
