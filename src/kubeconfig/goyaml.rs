//! A YAML emitter that writes what kubectl writes, byte for byte.
//!
//! kubectl serializes a kubeconfig to JSON and converts it with
//! `sigs.k8s.io/yaml`, i.e. go-yaml v2 on top of a libyaml port. That fixes the
//! layout: every mapping's keys sorted in go-yaml's "natural" order,
//! sequences not indented under their key, 2-space indentation, `""` for
//! strings YAML 1.1 would read as something else (`""`, `yes`, `123`), single
//! quotes only where libyaml refuses a plain scalar, literal blocks for
//! multi-line strings, and long plain lines folded after column 80.
//! `serde_yaml` differs on several of these (`''` for empty strings, no
//! folding), so rawkube emits the YAML itself to keep kubectl-written and
//! rawkube-written files identical.

use std::cmp::Ordering;

use serde_yaml::{Mapping, Value};

/// go-yaml v2's line width (`best_width`).
const BEST_WIDTH: usize = 80;

/// Renders a value as a YAML document the way `sigs.k8s.io/yaml.Marshal` does.
pub fn to_string(value: &Value) -> String {
    let mut e = Emitter::default();
    match value {
        Value::Mapping(m) if !m.is_empty() => e.block_mapping(m, 0, false),
        Value::Sequence(s) if !s.is_empty() => e.block_sequence(s, 0, false),
        other => e.inline_value(other, 0),
    }
    e.push("\n");
    e.out
}

#[derive(Default)]
struct Emitter {
    out: String,
    column: usize,
}

#[derive(Debug, PartialEq, Eq, Clone, Copy)]
enum Style {
    Plain,
    Single,
    Double,
    Literal,
}

impl Emitter {
    fn push(&mut self, s: &str) {
        for c in s.chars() {
            self.push_char(c);
        }
    }

    fn push_char(&mut self, c: char) {
        self.out.push(c);
        if c == '\n' {
            self.column = 0;
        } else {
            self.column += 1;
        }
    }

    /// Starts a new line at `indent` (unless this is the very first line).
    fn line(&mut self, indent: usize) {
        if !self.out.is_empty() {
            self.push_char('\n');
        }
        for _ in 0..indent {
            self.push_char(' ');
        }
    }

    fn block_mapping(&mut self, m: &Mapping, indent: usize, first_inline: bool) {
        let mut entries: Vec<(String, &Value, &Value)> =
            m.iter().map(|(k, v)| (key_text(k), k, v)).collect();
        entries.sort_by(|a, b| natural_cmp(&a.0, &b.0));
        for (i, (_, k, v)) in entries.into_iter().enumerate() {
            if i > 0 || !first_inline {
                self.line(indent);
            }
            self.scalar_or_inline(k, indent + 2, true);
            self.push(":");
            match v {
                Value::Mapping(child) if !child.is_empty() => {
                    self.block_mapping(child, indent + 2, false)
                }
                Value::Sequence(child) if !child.is_empty() => {
                    // go-yaml writes sequences inside mappings "indentless".
                    self.block_sequence(child, indent, false)
                }
                other => {
                    self.push(" ");
                    self.inline_value(other, indent + 2);
                }
            }
        }
    }

    fn block_sequence(&mut self, s: &[Value], indent: usize, first_inline: bool) {
        for (i, item) in s.iter().enumerate() {
            if i > 0 || !first_inline {
                self.line(indent);
            }
            self.push("- ");
            match item {
                Value::Mapping(m) if !m.is_empty() => self.block_mapping(m, indent + 2, true),
                Value::Sequence(q) if !q.is_empty() => self.block_sequence(q, indent + 2, true),
                other => self.inline_value(other, indent + 2),
            }
        }
    }

    /// A scalar, an empty collection, or a tagged value, on the current line.
    fn inline_value(&mut self, v: &Value, indent: usize) {
        match v {
            Value::Mapping(m) if m.is_empty() => self.push("{}"),
            Value::Sequence(s) if s.is_empty() => self.push("[]"),
            Value::Mapping(m) => self.block_mapping(m, indent, false),
            Value::Sequence(s) => self.block_sequence(s, indent.saturating_sub(2), false),
            Value::Tagged(t) => {
                self.push(&t.tag.to_string());
                self.push(" ");
                self.inline_value(&t.value, indent);
            }
            scalar => self.scalar_or_inline(scalar, indent, false),
        }
    }

    fn scalar_or_inline(&mut self, v: &Value, indent: usize, simple_key: bool) {
        match v {
            Value::Null => self.push("null"),
            Value::Bool(b) => self.push(if *b { "true" } else { "false" }),
            Value::Number(n) => self.push(&n.to_string()),
            Value::String(s) => self.string(s, indent, simple_key),
            // Non-scalar keys do not occur in kubeconfigs; render them readably.
            other => self.push(&key_text(other)),
        }
    }

    fn string(&mut self, s: &str, indent: usize, simple_key: bool) {
        match choose_style(s, simple_key) {
            Style::Plain => self.plain(s, indent, !simple_key),
            Style::Single => self.single_quoted(s, indent, !simple_key),
            Style::Double => self.double_quoted(s, indent, !simple_key),
            Style::Literal => self.literal(s, indent),
        }
    }

    fn fold_here(&self, allow_breaks: bool, after_space: bool) -> bool {
        allow_breaks && !after_space && self.column > BEST_WIDTH
    }

    fn break_to(&mut self, indent: usize) {
        self.push_char('\n');
        for _ in 0..indent {
            self.push_char(' ');
        }
    }

    fn plain(&mut self, s: &str, indent: usize, allow_breaks: bool) {
        let chars: Vec<char> = s.chars().collect();
        let mut spaces = false;
        for (i, &c) in chars.iter().enumerate() {
            if c == ' ' {
                let next_space = chars.get(i + 1) == Some(&' ');
                if self.fold_here(allow_breaks, spaces) && !next_space {
                    self.break_to(indent);
                } else {
                    self.push_char(c);
                }
                spaces = true;
            } else {
                self.push_char(c);
                spaces = false;
            }
        }
    }

    fn single_quoted(&mut self, s: &str, indent: usize, allow_breaks: bool) {
        let chars: Vec<char> = s.chars().collect();
        self.push_char('\'');
        let mut spaces = false;
        for (i, &c) in chars.iter().enumerate() {
            if c == ' ' {
                let inner = i != 0 && i + 1 != chars.len();
                let next_space = chars.get(i + 1) == Some(&' ');
                if self.fold_here(allow_breaks, spaces) && inner && !next_space {
                    self.break_to(indent);
                } else {
                    self.push_char(c);
                }
                spaces = true;
            } else {
                if c == '\'' {
                    self.push_char('\'');
                }
                self.push_char(c);
                spaces = false;
            }
        }
        self.push_char('\'');
    }

    fn double_quoted(&mut self, s: &str, indent: usize, allow_breaks: bool) {
        let chars: Vec<char> = s.chars().collect();
        self.push_char('"');
        let mut spaces = false;
        for (i, &c) in chars.iter().enumerate() {
            if !is_printable(c) || c == '\u{feff}' || is_break(c) || c == '"' || c == '\\' {
                let esc = match c {
                    '\0' => "\\0".to_string(),
                    '\u{7}' => "\\a".to_string(),
                    '\u{8}' => "\\b".to_string(),
                    '\t' => "\\t".to_string(),
                    '\n' => "\\n".to_string(),
                    '\u{b}' => "\\v".to_string(),
                    '\u{c}' => "\\f".to_string(),
                    '\r' => "\\r".to_string(),
                    '\u{1b}' => "\\e".to_string(),
                    '"' => "\\\"".to_string(),
                    '\\' => "\\\\".to_string(),
                    '\u{85}' => "\\N".to_string(),
                    '\u{a0}' => "\\_".to_string(),
                    '\u{2028}' => "\\L".to_string(),
                    '\u{2029}' => "\\P".to_string(),
                    c if (c as u32) <= 0xff => format!("\\x{:02X}", c as u32),
                    c if (c as u32) <= 0xffff => format!("\\u{:04X}", c as u32),
                    c => format!("\\U{:08X}", c as u32),
                };
                self.push(&esc);
                spaces = false;
            } else if c == ' ' {
                let inner = i != 0 && i + 1 != chars.len();
                if self.fold_here(allow_breaks, spaces) && inner {
                    self.break_to(indent);
                    if chars.get(i + 1) == Some(&' ') {
                        self.push_char('\\');
                    }
                } else {
                    self.push_char(c);
                }
                spaces = true;
            } else {
                self.push_char(c);
                spaces = false;
            }
        }
        self.push_char('"');
    }

    fn literal(&mut self, s: &str, indent: usize) {
        let body = s.trim_end_matches('\n');
        let trailing = s.len() - body.len();
        self.push("|");
        if s.starts_with(' ') || s.starts_with('\n') {
            self.push("2");
        }
        match trailing {
            0 => self.push("-"),
            1 => {}
            _ => self.push("+"),
        }
        for line in body.split('\n') {
            self.push_char('\n');
            if !line.is_empty() {
                for _ in 0..indent {
                    self.push_char(' ');
                }
                self.push(line);
            }
        }
        for _ in 1..trailing {
            self.push_char('\n');
        }
    }
}

fn key_text(k: &Value) -> String {
    match k {
        Value::String(s) => s.clone(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::Null => "null".into(),
        // Complex keys (never written by kubectl) go out in flow style, which
        // is valid YAML as an implicit key and reads back to the same value.
        Value::Sequence(s) => {
            let items: Vec<String> = s.iter().map(flow_text).collect();
            format!("[{}]", items.join(", "))
        }
        Value::Mapping(m) => {
            let items: Vec<String> = m
                .iter()
                .map(|(k, v)| format!("{}: {}", flow_text(k), flow_text(v)))
                .collect();
            format!("{{{}}}", items.join(", "))
        }
        Value::Tagged(t) => format!("{} {}", t.tag, flow_text(&t.value)),
    }
}

/// A value inside a flow collection; strings are always double-quoted there
/// so flow indicators in them cannot break the structure.
fn flow_text(v: &Value) -> String {
    match v {
        Value::String(s) => serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into()),
        other => key_text(other),
    }
}

/// go-yaml v2 picks plain, or `"..."` when the text would read back as a
/// non-string; libyaml then downgrades a refused plain scalar to `'...'`.
fn choose_style(s: &str, simple_key: bool) -> Style {
    let a = analyze(s);
    if s.contains('\n') {
        return if a.block_allowed && !simple_key {
            Style::Literal
        } else {
            Style::Double
        };
    }
    if resolves_to_non_string(s) {
        return Style::Double;
    }
    if a.block_plain_allowed && !s.is_empty() {
        Style::Plain
    } else if a.single_quoted_allowed {
        Style::Single
    } else {
        Style::Double
    }
}

struct Analysis {
    block_plain_allowed: bool,
    single_quoted_allowed: bool,
    block_allowed: bool,
}

fn is_break(c: char) -> bool {
    matches!(c, '\r' | '\n' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

fn is_blankz(c: Option<&char>) -> bool {
    match c {
        None => true,
        Some(&c) => c == ' ' || c == '\t' || is_break(c) || c == '\0',
    }
}

fn is_printable(c: char) -> bool {
    let v = c as u32;
    v == 0x0a
        || (0x20..=0x7e).contains(&v)
        || v == 0x85
        || (0xa0..=0xd7ff).contains(&v)
        || ((0xe000..=0xfffd).contains(&v) && v != 0xfeff)
        || (0x10000..=0x10ffff).contains(&v)
}

/// A port of libyaml's `yaml_emitter_analyze_scalar` (block context only).
fn analyze(s: &str) -> Analysis {
    if s.is_empty() {
        return Analysis {
            block_plain_allowed: true,
            single_quoted_allowed: true,
            block_allowed: false,
        };
    }
    let chars: Vec<char> = s.chars().collect();
    let mut block_indicators = s.starts_with("---") || s.starts_with("...");
    let (mut line_breaks, mut special) = (false, false);
    let (mut leading_space, mut leading_break) = (false, false);
    let (mut trailing_space, mut trailing_break) = (false, false);
    let (mut break_space, mut space_break) = (false, false);
    let (mut previous_space, mut previous_break) = (false, false);
    let mut preceded_by_ws = true;
    for (i, &c) in chars.iter().enumerate() {
        let followed_by_ws = is_blankz(chars.get(i + 1));
        let first = i == 0;
        let last = i + 1 == chars.len();
        if first {
            if "#,[]{}&*!|>'\"%@`".contains(c) {
                block_indicators = true;
            }
            if (c == '?' || c == ':' || c == '-') && followed_by_ws {
                block_indicators = true;
            }
        } else if (c == ':' && followed_by_ws) || (c == '#' && preceded_by_ws) {
            block_indicators = true;
        }
        if !is_printable(c) {
            special = true;
        }
        if is_break(c) {
            line_breaks = true;
        }
        if c == ' ' {
            leading_space |= first;
            trailing_space |= last;
            break_space |= previous_break;
            previous_space = true;
            previous_break = false;
        } else if is_break(c) {
            leading_break |= first;
            trailing_break |= last;
            space_break |= previous_space;
            previous_space = false;
            previous_break = true;
        } else {
            previous_space = false;
            previous_break = false;
        }
        preceded_by_ws = is_blankz(Some(&c));
    }
    let mut a = Analysis {
        block_plain_allowed: true,
        single_quoted_allowed: true,
        block_allowed: true,
    };
    if leading_space || leading_break || trailing_space || trailing_break {
        a.block_plain_allowed = false;
    }
    if trailing_space {
        a.block_allowed = false;
    }
    if break_space {
        a.block_plain_allowed = false;
        a.single_quoted_allowed = false;
    }
    if space_break || special {
        a.block_plain_allowed = false;
        a.single_quoted_allowed = false;
        a.block_allowed = false;
    }
    if line_breaks || block_indicators {
        a.block_plain_allowed = false;
    }
    a
}

/// Would go-yaml v2 (YAML 1.1 rules) read this plain text as something other
/// than a string? Mirrors `resolve()` plus the encoder's base-60 float check.
fn resolves_to_non_string(s: &str) -> bool {
    const SPECIAL: &[&str] = &[
        "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "true", "True", "TRUE", "false",
        "False", "FALSE", "on", "On", "ON", "off", "Off", "OFF", "~", "null", "Null", "NULL",
        ".nan", ".NaN", ".NAN", ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf",
        "-.Inf", "-.INF", "<<",
    ];
    if s.is_empty() || SPECIAL.contains(&s) {
        return true;
    }
    let first = s.as_bytes()[0];
    if !(first.is_ascii_digit() || matches!(first, b'+' | b'-' | b'.')) {
        return false;
    }
    let plain: String = s.chars().filter(|&c| c != '_').collect();
    let unsigned = plain.strip_prefix(['+', '-']).unwrap_or(&plain);
    let all = |t: &str, f: fn(char) -> bool| !t.is_empty() && t.chars().all(f);
    let is_int = all(unsigned, |c| c.is_ascii_digit())
        || unsigned
            .strip_prefix("0x")
            .or_else(|| unsigned.strip_prefix("0X"))
            .is_some_and(|h| all(h, |c| c.is_ascii_hexdigit()))
        || unsigned
            .strip_prefix("0o")
            .or_else(|| unsigned.strip_prefix("0O"))
            .is_some_and(|o| all(o, |c| ('0'..='7').contains(&c)))
        || unsigned
            .strip_prefix("0b")
            .or_else(|| unsigned.strip_prefix("0B"))
            .is_some_and(|b| all(b, |c| c == '0' || c == '1'));
    is_int || is_yaml_float(unsigned) || is_base60_float(s) || is_timestamp(s)
}

/// `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$` without the sign.
fn is_yaml_float(t: &str) -> bool {
    let (mantissa, exp) = match t.find(['e', 'E']) {
        Some(i) => (&t[..i], Some(&t[i + 1..])),
        None => (t, None),
    };
    let digits = |x: &str| !x.is_empty() && x.chars().all(|c| c.is_ascii_digit());
    let mantissa_ok = match mantissa.split_once('.') {
        Some(("", frac)) => digits(frac),
        Some((int, frac)) => digits(int) && frac.chars().all(|c| c.is_ascii_digit()),
        None => digits(mantissa),
    };
    let exp_ok = exp.is_none_or(|e| digits(e.strip_prefix(['+', '-']).unwrap_or(e)));
    mantissa_ok && exp_ok
}

/// `^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$`
fn is_base60_float(s: &str) -> bool {
    let t = s.strip_prefix(['+', '-']).unwrap_or(s);
    let (main, frac) = match t.split_once('.') {
        Some((m, f)) => (m, Some(f)),
        None => (t, None),
    };
    let mut parts = main.split(':');
    let head = parts.next().unwrap_or("");
    let head_ok = head.starts_with(|c: char| c.is_ascii_digit())
        && head.chars().all(|c| c.is_ascii_digit() || c == '_');
    let rest: Vec<&str> = parts.collect();
    let rest_ok = !rest.is_empty()
        && rest.iter().all(|p| {
            let b = p.as_bytes();
            match b.len() {
                1 => b[0].is_ascii_digit(),
                2 => (b'0'..=b'5').contains(&b[0]) && b[1].is_ascii_digit(),
                _ => false,
            }
        });
    let frac_ok = frac.is_none_or(|f| f.chars().all(|c| c.is_ascii_digit() || c == '_'));
    head_ok && rest_ok && frac_ok
}

/// go-yaml v2 reads `2006-1-2` and `2006-1-2T15:4:5...` style text as timestamps.
fn is_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() < 8 || !b[..4].iter().all(u8::is_ascii_digit) || b[4] != b'-' {
        return false;
    }
    let rest = &s[5..];
    let date_end = rest.find(['T', 't', ' ']).unwrap_or(rest.len());
    let date = &rest[..date_end];
    let mut parts = date.split('-');
    let ok = |p: Option<&str>| {
        p.is_some_and(|p| (1..=2).contains(&p.len()) && p.bytes().all(|c| c.is_ascii_digit()))
    };
    if !(ok(parts.next()) && ok(parts.next()) && parts.next().is_none()) {
        return false;
    }
    // A time part must at least start with hour:minute.
    date_end == rest.len()
        || rest[date_end + 1..]
            .split(':')
            .take(2)
            .filter(|p| !p.is_empty() && p.bytes().take(2).all(|c| c.is_ascii_digit()))
            .count()
            == 2
}

/// go-yaml v2's `keyList.Less`: letters sort after non-letters and runs of
/// digits compare by numeric value, so `a9` < `a10`.
pub fn natural_cmp(a: &str, b: &str) -> Ordering {
    let ar: Vec<char> = a.chars().collect();
    let br: Vec<char> = b.chars().collect();
    let less = |x: &[char], y: &[char]| -> Option<bool> {
        for i in 0..x.len().min(y.len()) {
            if x[i] == y[i] {
                continue;
            }
            let (xl, yl) = (x[i].is_alphabetic(), y[i].is_alphabetic());
            if xl && yl {
                return Some(x[i] < y[i]);
            }
            if xl || yl {
                return Some(yl);
            }
            let (mut xn, mut yn) = (0i64, 0i64);
            if x[i] == '0' || y[i] == '0' {
                let mut j = i;
                while j > 0 && x[j - 1].is_ascii_digit() {
                    j -= 1;
                    if x[j] != '0' {
                        xn = 1;
                        yn = 1;
                        break;
                    }
                }
            }
            let mut xi = i;
            while xi < x.len() && x[xi].is_ascii_digit() {
                xn = xn
                    .saturating_mul(10)
                    .saturating_add(x[xi] as i64 - '0' as i64);
                xi += 1;
            }
            let mut yi = i;
            while yi < y.len() && y[yi].is_ascii_digit() {
                yn = yn
                    .saturating_mul(10)
                    .saturating_add(y[yi] as i64 - '0' as i64);
                yi += 1;
            }
            if xn != yn {
                return Some(xn < yn);
            }
            if xi != yi {
                return Some(xi < yi);
            }
            return Some(x[i] < y[i]);
        }
        None
    };
    match less(&ar, &br) {
        Some(true) => Ordering::Less,
        Some(false) if ar != br => Ordering::Greater,
        Some(false) => Ordering::Equal,
        None => ar.len().cmp(&br.len()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn emit(yaml: &str) -> String {
        to_string(&serde_yaml::from_str::<Value>(yaml).unwrap())
    }

    #[test]
    fn kubectl_layout_for_a_kubeconfig() {
        let got = emit(
            "users: null\nkind: Config\npreferences: {}\ncurrent-context: ''\ncontexts: []\napiVersion: v1\nclusters: [{name: c, cluster: {server: 'https://127.0.0.1:1', insecure-skip-tls-verify: true}}]\n",
        );
        assert_eq!(
            got,
            "apiVersion: v1\nclusters:\n- cluster:\n    insecure-skip-tls-verify: true\n    server: https://127.0.0.1:1\n  name: c\ncontexts: []\ncurrent-context: \"\"\nkind: Config\npreferences: {}\nusers: null\n"
        );
    }

    #[test]
    fn strings_that_read_as_other_types_are_double_quoted() {
        for s in [
            "",
            "yes",
            "on",
            "NULL",
            "123",
            "0x1F",
            "1.5",
            "1e3",
            "1:20",
            "2024-01-02",
            "+1",
        ] {
            assert_eq!(choose_style(s, false), Style::Double, "{s:?}");
        }
        for s in ["abc", "default", "1.2.3", "v1", "https://x:1/y", "a-b"] {
            assert_eq!(choose_style(s, false), Style::Plain, "{s:?}");
        }
    }

    #[test]
    fn indicators_force_single_quotes_and_controls_force_double() {
        assert_eq!(emit("k: '- x'"), "k: '- x'\n");
        assert_eq!(emit("k: 'a: b'"), "k: 'a: b'\n");
        assert_eq!(emit("k: '#x'"), "k: '#x'\n");
        assert_eq!(emit("k: \"it's \""), "k: 'it''s '\n");
        assert_eq!(emit("k: \"a\\tb\""), "k: \"a\\tb\"\n");
    }

    #[test]
    fn multi_line_strings_use_literal_blocks() {
        assert_eq!(emit("k: \"a\\nb\""), "k: |-\n  a\n  b\n");
        assert_eq!(emit("k: \"a\\n\\nb\\n\""), "k: |\n  a\n\n  b\n");
        assert_eq!(emit("l:\n- \"x\\ny\"\n"), "l:\n- |-\n  x\n  y\n");
    }

    #[test]
    fn nested_sequences_and_empty_collections() {
        assert_eq!(
            emit("a: [[1, 2], {}, []]\nb: {c: {d: [x]}}"),
            "a:\n- - 1\n  - 2\n- {}\n- []\nb:\n  c:\n    d:\n    - x\n"
        );
    }

    #[test]
    fn long_plain_text_folds_after_column_80() {
        let words = vec!["word"; 30].join(" ");
        let out = emit(&format!("description: {words}"));
        let lines: Vec<&str> = out.lines().collect();
        assert!(lines.len() > 1, "{out}");
        assert!(lines[1].starts_with("  word"), "{out}");
        // Folding is reversible: YAML reads it back as the same text.
        let back: Value = serde_yaml::from_str(&out).unwrap();
        assert_eq!(back["description"], Value::from(words));
    }

    #[test]
    fn complex_keys_round_trip_in_flow_style() {
        let v: Value = serde_yaml::from_str("x:\n  ? [1, 'a, b']\n  : v\n").unwrap();
        let out = to_string(&v);
        assert_eq!(out, "x:\n  [1, \"a, b\"]: v\n");
        assert_eq!(serde_yaml::from_str::<Value>(&out).unwrap(), v);
    }

    #[test]
    fn natural_order_matches_go_yaml() {
        let mut keys = vec![
            "users",
            "a10",
            "current-context",
            "a9",
            "contexts",
            "a_b",
            "aB",
            "apiVersion",
        ];
        keys.sort_by(|a, b| natural_cmp(a, b));
        assert_eq!(
            keys,
            [
                "a_b",
                "a9",
                "a10",
                "aB",
                "apiVersion",
                "contexts",
                "current-context",
                "users"
            ]
        );
        assert_eq!(natural_cmp("token", "tokenFile"), Ordering::Less);
    }
}
