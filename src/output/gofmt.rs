//! How Go (and so kubectl) spells numbers, strings and generic values: `encoding/json`
//! output, `fmt`'s `%v` and `%#v`. kubectl's printers are thin wrappers around these, so
//! byte-for-byte compatibility comes down to reproducing them.

use serde_json::{Map, Number, Value};
use std::fmt::Write as _;

/// Shortest round-trip digits of a finite, non-zero `f`: (digits, decimal exponent) with
/// `f = 0.d1d2... × 10^exp` (Go's `decimalSlice` `d` and `dp`).
fn shortest_digits(f: f64) -> (String, i32) {
    // Rust's `{:e}` prints the shortest digits that round-trip, like Go's precision -1.
    let s = format!("{:e}", f.abs());
    let (mantissa, exp) = s.split_once('e').unwrap_or((&s, "0"));
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    let exp: i32 = exp.parse().unwrap_or(0);
    (digits, exp + 1)
}

/// Go's `strconv.FormatFloat(f, 'e', -1, 64)` mantissa/exponent layout.
fn format_e(neg: bool, digits: &str, dp: i32) -> String {
    let mut out = String::new();
    if neg {
        out.push('-');
    }
    out.push_str(&digits[..1]);
    if digits.len() > 1 {
        out.push('.');
        out.push_str(&digits[1..]);
    }
    let exp = dp - 1;
    out.push('e');
    out.push(if exp < 0 { '-' } else { '+' });
    let abs = exp.unsigned_abs();
    if abs < 10 {
        out.push('0');
    }
    let _ = write!(out, "{abs}");
    out
}

/// Go's `%v` for a float64, which is also `strconv.FormatFloat(f, 'g', -1, 64)`:
/// `1e+06`, `2.5`, `1e-06`.
pub(crate) fn float_v(f: f64) -> String {
    if f.is_nan() {
        return "NaN".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "+Inf" } else { "-Inf" }.into();
    }
    if f == 0.0 {
        return if f.is_sign_negative() { "-0" } else { "0" }.into();
    }
    let (digits, dp) = shortest_digits(f);
    let exp = dp - 1;
    if !(-4..6).contains(&exp) {
        return format_e(f < 0.0, &digits, dp);
    }
    // %f with exactly the shortest digits.
    let mut out = String::new();
    if f < 0.0 {
        out.push('-');
    }
    if dp <= 0 {
        out.push_str("0.");
        out.extend(std::iter::repeat_n('0', (-dp) as usize));
        out.push_str(&digits);
    } else if dp as usize >= digits.len() {
        out.push_str(&digits);
        out.extend(std::iter::repeat_n('0', dp as usize - digits.len()));
    } else {
        out.push_str(&digits[..dp as usize]);
        out.push('.');
        out.push_str(&digits[dp as usize..]);
    }
    out
}

/// A float64 as Go's `encoding/json` writes it: plain decimal, but exponent form below
/// 1e-6 or from 1e21 (`1e+21`, `1e-7`).
pub(crate) fn float_json(f: f64) -> String {
    let abs = f.abs();
    if abs != 0.0 && !(1e-6..1e21).contains(&abs) {
        let (digits, dp) = shortest_digits(f);
        let mut s = format_e(f < 0.0, &digits, dp);
        // Go trims e-07 to e-7 (but keeps e+21).
        let n = s.len();
        if s.as_bytes()[n - 4] == b'e' && s.as_bytes()[n - 3] == b'-' && s.as_bytes()[n - 2] == b'0'
        {
            s.remove(n - 2);
        }
        return s;
    }
    // Rust's Display is the shortest round-trip decimal without exponent, like Go's 'f', -1.
    if f == 0.0 {
        return if f.is_sign_negative() { "-0" } else { "0" }.into();
    }
    format!("{f}")
}

/// A JSON number as Go's `encoding/json` writes it.
pub(crate) fn number_json(n: &Number) -> String {
    if n.is_i64() || n.is_u64() {
        n.to_string()
    } else {
        float_json(n.as_f64().unwrap_or(0.0))
    }
}

/// Appends `s` as a Go `encoding/json` string literal (HTML-safe escaping, `\b`/`\f` as
/// Go 1.22+ writes them, U+2028/U+2029 escaped).
pub(crate) fn write_json_string(out: &mut String, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '<' | '>' | '&' | '\u{0}'..='\u{1f}' => {
                let b = c as u8;
                out.push_str("\\u00");
                out.push(HEX[(b >> 4) as usize] as char);
                out.push(HEX[(b & 0xf) as usize] as char);
            }
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Map entries in the order Go would write them: sorted for a Go map, as given for a
/// struct (the caller's order).
pub(crate) fn entries(map: &Map<String, Value>, sorted: bool) -> Vec<(&String, &Value)> {
    let mut entries: Vec<_> = map.iter().collect();
    if sorted {
        entries.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    }
    entries
}

/// Go's `json.Marshal` (compact) of a value; `sorted` sorts object keys as a Go map does.
pub(crate) fn json_compact(v: &Value, sorted: bool) -> String {
    let mut out = String::new();
    write_json(&mut out, v, sorted, None, 0);
    out
}

/// Go's `json.MarshalIndent(v, "", indent)`.
pub(crate) fn json_indent(v: &Value, sorted: bool, indent: &str) -> String {
    let mut out = String::new();
    write_json(&mut out, v, sorted, Some(indent), 0);
    out
}

fn newline(out: &mut String, indent: Option<&str>, depth: usize) {
    if let Some(ind) = indent {
        out.push('\n');
        for _ in 0..depth {
            out.push_str(ind);
        }
    }
}

fn write_json(out: &mut String, v: &Value, sorted: bool, indent: Option<&str>, depth: usize) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&number_json(n)),
        Value::String(s) => write_json_string(out, s),
        Value::Array(items) => {
            if items.is_empty() {
                out.push_str("[]");
                return;
            }
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(out, indent, depth + 1);
                write_json(out, item, sorted, indent, depth + 1);
            }
            newline(out, indent, depth);
            out.push(']');
        }
        Value::Object(map) => {
            if map.is_empty() {
                out.push_str("{}");
                return;
            }
            out.push('{');
            for (i, (k, item)) in entries(map, sorted).into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(out, indent, depth + 1);
                write_json_string(out, k);
                out.push(':');
                if indent.is_some() {
                    out.push(' ');
                }
                write_json(out, item, sorted, indent, depth + 1);
            }
            newline(out, indent, depth);
            out.push('}');
        }
    }
}

/// Go's `strconv.Quote` (what `%#v` and `%q` print for a string).
pub(crate) fn quote(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{b}' => out.push_str("\\v"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c if !go_is_print(c) => {
                if (c as u32) < 0x10000 {
                    let _ = write!(out, "\\u{:04x}", c as u32);
                } else {
                    let _ = write!(out, "\\U{:08x}", c as u32);
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Go's `strconv.IsPrint`: letters, marks, numbers, punctuation, symbols and the ASCII
/// space. Without Unicode category tables this treats other spaces, line/paragraph
/// separators, the common format characters and private-use runes as unprintable, which
/// covers what appears in Kubernetes objects.
fn go_is_print(c: char) -> bool {
    if c == ' ' {
        return true;
    }
    if c.is_control() || c.is_whitespace() {
        return false;
    }
    let v = c as u32;
    let format_or_private = matches!(v,
        0xad | 0x600..=0x605 | 0x61c | 0x6dd | 0x70f | 0x180e | 0x200b..=0x200f
        | 0x202a..=0x202e | 0x2060..=0x2064 | 0x2066..=0x206f | 0xfeff | 0xfff9..=0xfffb
        | 0xe000..=0xf8ff | 0xf0000..=0x10ffff);
    let noncharacter = (v & 0xfffe) == 0xfffe || (0xfdd0..=0xfdef).contains(&v);
    !format_or_private && !noncharacter
}

/// How a JSON number was held on the Go side, which changes how it prints.
#[derive(Clone, Copy)]
pub(crate) enum NumberKind {
    /// `int64` (unstructured objects keep JSON integers as int64).
    Int,
    /// `float64` (a typed object round-tripped through `map[string]interface{}`).
    Float,
}

/// A number as `fmt` prints it (`%v` and `%#v` agree for numbers).
pub(crate) fn number_v(n: &Number, kind: NumberKind) -> String {
    match kind {
        NumberKind::Int if n.is_i64() => n.to_string(),
        _ => float_v(n.as_f64().unwrap_or(0.0)),
    }
}

/// Go's `%#v` of a decoded JSON value (`map[string]interface {}{"a":1, ...}`), as kubectl
/// prints the object in a jsonpath execution error.
pub(crate) fn sharp_v(v: &Value, kind: NumberKind) -> String {
    let mut out = String::new();
    write_sharp_v(&mut out, v, kind);
    out
}

fn write_sharp_v(out: &mut String, v: &Value, kind: NumberKind) {
    match v {
        Value::Null => out.push_str("interface {}(nil)"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&number_v(n, kind)),
        Value::String(s) => out.push_str(&quote(s)),
        Value::Array(items) => {
            out.push_str("[]interface {}{");
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_sharp_v(out, item, kind);
            }
            out.push('}');
        }
        Value::Object(map) => {
            out.push_str("map[string]interface {}{");
            for (i, (k, item)) in entries(map, true).into_iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push_str(&quote(k));
                out.push(':');
                write_sharp_v(out, item, kind);
            }
            out.push('}');
        }
    }
}

/// Go's `%v` of a decoded JSON value (`map[a:1 b:[x y]]`).
pub(crate) fn plain_v(v: &Value, kind: NumberKind) -> String {
    match v {
        Value::Null => "<nil>".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => number_v(n, kind),
        Value::String(s) => s.clone(),
        Value::Array(items) => {
            let parts: Vec<String> = items.iter().map(|i| plain_v(i, kind)).collect();
            format!("[{}]", parts.join(" "))
        }
        Value::Object(map) => {
            let parts: Vec<String> = entries(map, true)
                .into_iter()
                .map(|(k, i)| format!("{k}:{}", plain_v(i, kind)))
                .collect();
            format!("map[{}]", parts.join(" "))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn floats_print_like_go_fmt_v() {
        assert_eq!(float_v(1.0), "1");
        assert_eq!(float_v(2.5), "2.5");
        assert_eq!(float_v(1e6), "1e+06");
        assert_eq!(float_v(123456.0), "123456");
        assert_eq!(float_v(1234567.0), "1.234567e+06");
        assert_eq!(float_v(1e21), "1e+21");
        assert_eq!(float_v(0.000001), "1e-06");
        assert_eq!(float_v(0.0001), "0.0001");
        assert_eq!(float_v(-7.0), "-7");
    }

    #[test]
    fn floats_print_like_go_json() {
        assert_eq!(float_json(1.0), "1");
        assert_eq!(float_json(1e6), "1000000");
        assert_eq!(float_json(1e21), "1e+21");
        assert_eq!(float_json(0.000001), "0.000001");
        assert_eq!(float_json(1.5e-7), "1.5e-7");
        assert_eq!(float_json(-2.5), "-2.5");
    }

    #[test]
    fn json_strings_are_html_safe() {
        let mut s = String::new();
        write_json_string(&mut s, "x\u{8}y\u{c}z\u{1}\u{2028}<>&\"\\");
        assert_eq!(s, r#""x\by\fz\u0001\u2028\u003c\u003e\u0026\"\\""#);
    }

    #[test]
    fn indent_matches_marshal_indent() {
        let v = json!({"b": [1, {}], "a": []});
        assert_eq!(
            json_indent(&v, true, "    "),
            "{\n    \"a\": [],\n    \"b\": [\n        1,\n        {}\n    ]\n}"
        );
        assert_eq!(json_compact(&v, false), r#"{"b":[1,{}],"a":[]}"#);
    }

    #[test]
    fn sharp_v_matches_go() {
        let v = json!({"z": null, "a": ["x", 1.5, true], "m": {}});
        assert_eq!(
            sharp_v(&v, NumberKind::Float),
            r#"map[string]interface {}{"a":[]interface {}{"x", 1.5, true}, "m":map[string]interface {}{}, "z":interface {}(nil)}"#
        );
        assert_eq!(
            plain_v(&v, NumberKind::Float),
            "map[a:[x 1.5 true] m:map[] z:<nil>]"
        );
        assert_eq!(
            quote("a\u{2028}\u{a0}\u{1}é\u{200b}"),
            r#""a\u2028\u00a0\x01é\u200b""#
        );
    }
}
