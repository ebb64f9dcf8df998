//! `-o yaml` as kubectl writes it: sigs.k8s.io/yaml turns the object's JSON into generic
//! YAML values and hands them to go-yaml v2, whose emitter is a port of libyaml. This module
//! reproduces the parts of that pipeline a JSON document can reach: go-yaml's key order,
//! its choice between plain, single-quoted, double-quoted and literal scalars, its folding
//! of long lines at 80 columns, and libyaml's block layout (indentless sequences in maps).

use super::gofmt;
use serde_json::{Map, Number, Value};
use thiserror::Error;

mod keys;
mod resolve;

use keys::sort_keys;
use resolve::{is_base60_float, resolves_to_string};

const BEST_INDENT: usize = 2;
const BEST_WIDTH: usize = 80;

/// A document go-yaml refuses; `Display` is kubectl's message (after `error: `).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum YamlError {
    /// A string holds a character YAML forbids (DEL, C1 controls other than NEL,
    /// U+FFFE/U+FFFF); Go's JSON encoder passes them through raw and go-yaml's reader
    /// rejects the document.
    #[error("yaml: control characters are not allowed")]
    ControlCharacters,
}

pub(crate) fn to_yaml(value: &Value) -> Result<String, YamlError> {
    if has_forbidden_char(value) {
        return Err(YamlError::ControlCharacters);
    }
    if has_nel(value) {
        return Ok(emit(&fold_nel_everywhere(value)));
    }
    Ok(emit(value))
}

/// Characters go-yaml's reader rejects that Go's JSON encoder writes unescaped.
fn forbidden(c: char) -> bool {
    matches!(c, '\u{7f}'..='\u{84}' | '\u{86}'..='\u{9f}' | '\u{fffe}' | '\u{ffff}')
}

fn has_forbidden_char(v: &Value) -> bool {
    match v {
        Value::String(s) => s.chars().any(forbidden),
        Value::Array(items) => items.iter().any(has_forbidden_char),
        Value::Object(map) => map
            .iter()
            .any(|(k, v)| k.chars().any(forbidden) || has_forbidden_char(v)),
        _ => false,
    }
}

fn has_nel(v: &Value) -> bool {
    match v {
        Value::String(s) => s.contains('\u{85}'),
        Value::Array(items) => items.iter().any(has_nel),
        Value::Object(map) => map.iter().any(|(k, v)| k.contains('\u{85}') || has_nel(v)),
        _ => false,
    }
}

fn fold_nel_everywhere(v: &Value) -> Value {
    match v {
        Value::String(s) => Value::String(fold_nel(s)),
        Value::Array(items) => Value::Array(items.iter().map(fold_nel_everywhere).collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (fold_nel(k), fold_nel_everywhere(v)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// What go-yaml's scanner makes of a raw NEL (U+0085) inside the double-quoted JSON
/// string it reads back: a line break, folded with the spaces around it into one space,
/// or into n-1 newlines for a run of n breaks. (Go's JSON encoder escapes every other
/// line break, so only NEL and raw spaces take part.)
fn fold_nel(s: &str) -> String {
    if !s.contains('\u{85}') {
        return s.to_string();
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
    out
}

fn emit(value: &Value) -> String {
    let mut e = Emitter {
        out: String::new(),
        column: 0,
        indent: -1,
        whitespace: true,
        indention: true,
        open_ended: false,
    };
    e.node(value, Context::Root);
    // Document end: finish the last line.
    e.indent = -1;
    e.write_indent();
    if e.open_ended {
        e.write_indicator("...", true, false, false);
        e.write_indent();
    }
    e.out
}

#[derive(Clone, Copy, PartialEq)]
enum Context {
    Root,
    MappingValue,
    SequenceItem,
}

#[derive(Clone, Copy, PartialEq, Debug)]
enum Style {
    Plain,
    Single,
    Double,
    Literal,
}

struct Emitter {
    out: String,
    column: usize,
    indent: isize,
    whitespace: bool,
    indention: bool,
    open_ended: bool,
}

impl Emitter {
    fn put(&mut self, c: char) {
        self.out.push(c);
        self.column += 1;
    }

    fn put_break(&mut self) {
        self.out.push('\n');
        self.column = 0;
    }

    fn write_break(&mut self, c: char) {
        if c == '\n' {
            self.put_break();
        } else {
            self.out.push(c);
            self.column = 0;
        }
    }

    fn write_indent(&mut self) {
        let indent = self.indent.max(0) as usize;
        if !self.indention || self.column > indent || (self.column == indent && !self.whitespace) {
            self.put_break();
        }
        while self.column < indent {
            self.put(' ');
        }
        self.whitespace = true;
        self.indention = true;
    }

    fn write_indicator(&mut self, indicator: &str, need_ws: bool, is_ws: bool, is_indention: bool) {
        if need_ws && !self.whitespace {
            self.put(' ');
        }
        for c in indicator.chars() {
            self.put(c);
        }
        self.whitespace = is_ws;
        self.indention = self.indention && is_indention;
        self.open_ended = false;
    }

    /// libyaml's `increase_indent`.
    fn increase_indent(&mut self, flow: bool, indentless: bool) {
        if self.indent < 0 {
            self.indent = if flow { BEST_INDENT as isize } else { 0 };
        } else if !indentless {
            self.indent += BEST_INDENT as isize;
        }
    }

    fn node(&mut self, value: &Value, ctx: Context) {
        match value {
            Value::Null => self.scalar("null", Style::Plain, false),
            Value::Bool(b) => self.scalar(if *b { "true" } else { "false" }, Style::Plain, false),
            Value::Number(n) => self.scalar(&number_text(n), Style::Plain, false),
            Value::String(s) => self.scalar(s, string_style(s), false),
            Value::Array(items) if items.is_empty() => self.empty_flow("[", "]"),
            Value::Object(map) if map.is_empty() => self.empty_flow("{", "}"),
            Value::Array(items) => self.sequence(items, ctx),
            Value::Object(map) => self.mapping(map),
        }
    }

    fn empty_flow(&mut self, open: &str, close: &str) {
        let saved = self.indent;
        self.increase_indent(true, false);
        self.write_indicator(open, true, true, false);
        self.write_indicator(close, false, false, false);
        self.indent = saved;
    }

    fn sequence(&mut self, items: &[Value], ctx: Context) {
        let saved = self.indent;
        let indentless = ctx == Context::MappingValue && !self.indention;
        self.increase_indent(false, indentless);
        for item in items {
            self.write_indent();
            self.write_indicator("-", true, false, true);
            self.node(item, Context::SequenceItem);
        }
        self.indent = saved;
    }

    fn mapping(&mut self, map: &Map<String, Value>) {
        let saved = self.indent;
        self.increase_indent(false, false);
        let entries = sort_keys(map.iter().collect());
        for (key, value) in entries {
            self.write_indent();
            // libyaml writes a key inline only if it is short and on one line; otherwise
            // as an explicit `? key` / `: value` pair.
            if key.len() <= 128 && !analyze(key).multiline {
                self.scalar(key, string_style(key), true);
                self.write_indicator(":", false, false, false);
            } else {
                self.write_indicator("?", true, false, true);
                self.scalar(key, string_style(key), false);
                self.write_indent();
                self.write_indicator(":", true, false, true);
            }
            self.node(value, Context::MappingValue);
        }
        self.indent = saved;
    }

    fn scalar(&mut self, value: &str, requested: Style, simple_key: bool) {
        let a = analyze(value);
        let style = select_style(requested, &a, value, simple_key);
        let saved = self.indent;
        self.increase_indent(true, false);
        let allow_breaks = !simple_key;
        match style {
            Style::Plain => self.write_plain(value, allow_breaks),
            Style::Single => self.write_single(value, allow_breaks),
            Style::Double => self.write_double(value, allow_breaks),
            Style::Literal => self.write_literal(value),
        }
        self.indent = saved;
    }

    fn write_plain(&mut self, value: &str, allow_breaks: bool) {
        if !self.whitespace {
            self.put(' ');
        }
        let chars: Vec<char> = value.chars().collect();
        let mut spaces = false;
        let mut breaks = false;
        for (i, &c) in chars.iter().enumerate() {
            if c == ' ' {
                if allow_breaks
                    && !spaces
                    && self.column > BEST_WIDTH
                    && chars.get(i + 1) != Some(&' ')
                {
                    self.write_indent();
                } else {
                    self.put(c);
                }
                spaces = true;
            } else if is_break(c) {
                if !breaks && c == '\n' {
                    self.put_break();
                }
                self.write_break(c);
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent();
                }
                self.put(c);
                self.indention = false;
                spaces = false;
                breaks = false;
            }
        }
        self.whitespace = false;
        self.indention = false;
    }

    fn write_single(&mut self, value: &str, allow_breaks: bool) {
        self.write_indicator("'", true, false, false);
        let chars: Vec<char> = value.chars().collect();
        let mut spaces = false;
        let mut breaks = false;
        for (i, &c) in chars.iter().enumerate() {
            if c == ' ' {
                if allow_breaks
                    && !spaces
                    && self.column > BEST_WIDTH
                    && i > 0
                    && i + 1 < chars.len()
                    && chars[i + 1] != ' '
                {
                    self.write_indent();
                } else {
                    self.put(c);
                }
                spaces = true;
            } else if is_break(c) {
                if !breaks && c == '\n' {
                    self.put_break();
                }
                self.write_break(c);
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent();
                }
                if c == '\'' {
                    self.put('\'');
                }
                self.put(c);
                self.indention = false;
                spaces = false;
                breaks = false;
            }
        }
        self.write_indicator("'", false, false, false);
        self.whitespace = false;
        self.indention = false;
    }

    fn write_double(&mut self, value: &str, allow_breaks: bool) {
        self.write_indicator("\"", true, false, false);
        let chars: Vec<char> = value.chars().collect();
        let mut spaces = false;
        for (i, &c) in chars.iter().enumerate() {
            if !is_printable(c) || c == '\u{feff}' || is_break(c) || c == '"' || c == '\\' {
                self.put('\\');
                let short = match c {
                    '\0' => Some('0'),
                    '\u{7}' => Some('a'),
                    '\u{8}' => Some('b'),
                    '\t' => Some('t'),
                    '\n' => Some('n'),
                    '\u{b}' => Some('v'),
                    '\u{c}' => Some('f'),
                    '\r' => Some('r'),
                    '\u{1b}' => Some('e'),
                    '"' => Some('"'),
                    '\\' => Some('\\'),
                    '\u{85}' => Some('N'),
                    '\u{a0}' => Some('_'),
                    '\u{2028}' => Some('L'),
                    '\u{2029}' => Some('P'),
                    _ => None,
                };
                match short {
                    Some(s) => self.put(s),
                    None => {
                        let v = c as u32;
                        let (prefix, width) = if v <= 0xff {
                            ('x', 2)
                        } else if v <= 0xffff {
                            ('u', 4)
                        } else {
                            ('U', 8)
                        };
                        self.put(prefix);
                        for s in format!("{v:0width$X}").chars() {
                            self.put(s);
                        }
                    }
                }
                spaces = false;
            } else if c == ' ' {
                if allow_breaks
                    && !spaces
                    && self.column > BEST_WIDTH
                    && i > 0
                    && i + 1 < chars.len()
                {
                    self.write_indent();
                    if chars[i + 1] == ' ' {
                        self.put('\\');
                    }
                } else {
                    self.put(c);
                }
                spaces = true;
            } else {
                self.put(c);
                spaces = false;
            }
        }
        self.write_indicator("\"", false, false, false);
        self.whitespace = false;
        self.indention = false;
    }

    fn write_literal(&mut self, value: &str) {
        self.write_indicator("|", true, false, false);
        // Block scalar hints: explicit indentation when the text starts with a space or
        // break, and the chomping indicator from how the text ends.
        let chars: Vec<char> = value.chars().collect();
        if chars.first().is_some_and(|c| *c == ' ' || is_break(*c)) {
            self.write_indicator(&BEST_INDENT.to_string(), false, false, false);
        }
        self.open_ended = false;
        let n = chars.len();
        let chomp = if n == 0 || !is_break(chars[n - 1]) {
            Some("-")
        } else if n == 1 || is_break(chars[n - 2]) {
            self.open_ended = true;
            Some("+")
        } else {
            None
        };
        if let Some(ch) = chomp {
            let open = self.open_ended;
            self.write_indicator(ch, false, false, false);
            self.open_ended = open;
        }
        self.put_break();
        self.indention = true;
        self.whitespace = true;
        let mut breaks = true;
        for c in chars {
            if is_break(c) {
                self.write_break(c);
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent();
                    breaks = false;
                }
                self.put(c);
                self.indention = false;
            }
        }
    }
}

/// What libyaml's `analyze_scalar` learns about a scalar.
struct Analysis {
    multiline: bool,
    flow_plain: bool,
    block_plain: bool,
    single_quoted: bool,
    block: bool,
}

fn is_break(c: char) -> bool {
    matches!(c, '\r' | '\n' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

/// go-yaml v2's `is_printable` (note: tab is not, nor is anything beyond U+FFFF).
fn is_printable(c: char) -> bool {
    let v = c as u32;
    v == 0x0a
        || (0x20..=0x7e).contains(&v)
        || (0xa0..=0xd7ff).contains(&v)
        || ((0xe000..=0xfffd).contains(&v) && v != 0xfeff)
}

fn analyze(value: &str) -> Analysis {
    let chars: Vec<char> = value.chars().collect();
    if chars.is_empty() {
        return Analysis {
            multiline: false,
            flow_plain: false,
            block_plain: true,
            single_quoted: true,
            block: false,
        };
    }
    let mut block_indicators = false;
    let mut flow_indicators = false;
    let mut line_breaks = false;
    let mut special = false;
    let (mut leading_space, mut leading_break) = (false, false);
    let (mut trailing_space, mut trailing_break) = (false, false);
    let (mut break_space, mut space_break) = (false, false);
    let (mut previous_space, mut previous_break) = (false, false);
    if value.starts_with("---") || value.starts_with("...") {
        block_indicators = true;
        flow_indicators = true;
    }
    let mut preceded_by_ws = true;
    let n = chars.len();
    for (i, &c) in chars.iter().enumerate() {
        let followed_by_ws = i + 1 >= n || matches!(chars[i + 1], ' ' | '\t');
        if i == 0 {
            match c {
                '#' | ',' | '[' | ']' | '{' | '}' | '&' | '*' | '!' | '|' | '>' | '\'' | '"'
                | '%' | '@' | '`' => {
                    flow_indicators = true;
                    block_indicators = true;
                }
                '?' | ':' => {
                    flow_indicators = true;
                    if followed_by_ws {
                        block_indicators = true;
                    }
                }
                '-' if followed_by_ws => {
                    flow_indicators = true;
                    block_indicators = true;
                }
                _ => {}
            }
        } else {
            match c {
                ',' | '?' | '[' | ']' | '{' | '}' => flow_indicators = true,
                ':' => {
                    flow_indicators = true;
                    if followed_by_ws {
                        block_indicators = true;
                    }
                }
                '#' if preceded_by_ws => {
                    flow_indicators = true;
                    block_indicators = true;
                }
                _ => {}
            }
        }
        if !is_printable(c) {
            special = true;
        }
        if c == ' ' {
            if i == 0 {
                leading_space = true;
            }
            if i + 1 == n {
                trailing_space = true;
            }
            if previous_break {
                break_space = true;
            }
            previous_space = true;
            previous_break = false;
        } else if is_break(c) {
            line_breaks = true;
            if i == 0 {
                leading_break = true;
            }
            if i + 1 == n {
                trailing_break = true;
            }
            if previous_space {
                space_break = true;
            }
            previous_space = false;
            previous_break = true;
        } else {
            previous_space = false;
            previous_break = false;
        }
        preceded_by_ws = matches!(c, ' ' | '\t' | '\0') || is_break(c);
    }
    let mut a = Analysis {
        multiline: line_breaks,
        flow_plain: true,
        block_plain: true,
        single_quoted: true,
        block: true,
    };
    if leading_space || leading_break || trailing_space || trailing_break {
        a.flow_plain = false;
        a.block_plain = false;
    }
    if trailing_space {
        a.block = false;
    }
    if break_space {
        a.flow_plain = false;
        a.block_plain = false;
        a.single_quoted = false;
    }
    if space_break || special {
        a.flow_plain = false;
        a.block_plain = false;
        a.single_quoted = false;
        a.block = false;
    }
    if line_breaks {
        a.flow_plain = false;
        a.block_plain = false;
    }
    if flow_indicators {
        a.flow_plain = false;
    }
    if block_indicators {
        a.block_plain = false;
    }
    a
}

/// libyaml's `select_scalar_style` (block context, so flow_level is always 0 here).
fn select_style(requested: Style, a: &Analysis, value: &str, simple_key: bool) -> Style {
    let mut style = requested;
    if simple_key && a.multiline {
        style = Style::Double;
    }
    if style == Style::Plain {
        if !a.block_plain {
            style = Style::Single;
        }
        if value.is_empty() && simple_key {
            style = Style::Single;
        }
    }
    if style == Style::Single && !a.single_quoted {
        style = Style::Double;
    }
    if style == Style::Literal && (!a.block || simple_key) {
        style = Style::Double;
    }
    style
}

/// go-yaml v2's choice for a string: literal if it has a newline, plain if it would read
/// back as a string, otherwise double-quoted.
fn string_style(s: &str) -> Style {
    if s.contains('\n') {
        Style::Literal
    } else if resolves_to_string(s) && !is_base60_float(s) {
        Style::Plain
    } else {
        Style::Double
    }
}

/// A JSON number as it comes out of Go's JSON encoder and back through go-yaml's resolver:
/// integral values stay integers, others print as Go's `%g`-style shortest float.
fn number_text(n: &Number) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn to_yaml(v: &Value) -> String {
        super::to_yaml(v).unwrap()
    }

    #[test]
    fn nel_folds_and_control_characters_fail_like_go_yaml() {
        assert_eq!(to_yaml(&json!({"a": "x \u{85}  y"})), "a: x y\n");
        assert_eq!(
            to_yaml(&json!({"a": "x\u{85}\u{85}y"})),
            "a: |-\n  x\n  y\n"
        );
        assert_eq!(to_yaml(&json!({"a": "\u{85}y\u{85}"})), "a: ' y '\n");
        for bad in ["x\u{7f}", "\u{9f}", "\u{ffff}"] {
            assert_eq!(
                super::to_yaml(&json!({ "a": [bad] })),
                Err(YamlError::ControlCharacters)
            );
        }
    }

    #[test]
    fn service_account_like_kubectl_get() {
        let sa = json!({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {
            "name": "bearertokenauth", "namespace": "default",
            "uid": "b2ad07b1-1c92-4a8a-bf30-5e235023b319", "resourceVersion": "1001",
            "creationTimestamp": "2026-11-28T13:37:25Z"}});
        assert_eq!(
            to_yaml(&sa),
            "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  creationTimestamp: \"2026-11-28T13:37:25Z\"\n  name: bearertokenauth\n  namespace: default\n  resourceVersion: \"1001\"\n  uid: b2ad07b1-1c92-4a8a-bf30-5e235023b319\n"
        );
    }

    #[test]
    fn strings_are_quoted_when_yaml_would_misread_them() {
        for (s, want) in [
            ("yes", "\"yes\""),
            ("true", "\"true\""),
            ("", "\"\""),
            ("0x1F", "\"0x1F\""),
            ("1e3", "\"1e3\""),
            ("1:20", "\"1:20\""),
            ("2026-01-02", "\"2026-01-02\""),
            ("a: b", "'a: b'"),
            ("- x", "'- x'"),
            ("*x", "'*x'"),
            (" x", "' x'"),
            ("it's", "it's"),
            ("tab\there", "\"tab\\there\""),
            ("x\u{1}", "\"x\\x01\""),
            ("plain text", "plain text"),
            ("1.2.3", "1.2.3"),
            (".0_2", "\".0_2\""),
            ("._5", "._5"),
            (".5_", ".5_"),
        ] {
            assert_eq!(to_yaml(&json!({ "k": s })), format!("k: {want}\n"), "{s:?}");
        }
    }

    #[test]
    fn multi_line_strings_are_literal_blocks() {
        assert_eq!(to_yaml(&json!({"k": "a\nb"})), "k: |-\n  a\n  b\n");
        assert_eq!(to_yaml(&json!({"k": "a\n\nb\n"})), "k: |\n  a\n\n  b\n");
        assert_eq!(to_yaml(&json!({"k": ["a\nb"]})), "k:\n- |-\n  a\n  b\n");
        assert_eq!(to_yaml(&json!({"k": " a\nb"})), "k: |2-\n   a\n  b\n");
        assert_eq!(to_yaml(&json!({"k": "a \nb"})), "k: \"a \\nb\"\n");
    }

    #[test]
    fn long_plain_strings_fold_at_80_columns() {
        let words = vec!["word"; 30].join(" ");
        let out = to_yaml(&json!({ "description": words }));
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), 2);
        assert!(lines[0].len() > 80 && lines[0].len() <= 86, "{out}");
        assert!(lines[1].starts_with("  word"));
    }

    #[test]
    fn layout_of_nested_collections() {
        let v = json!({"a": [[1, 2], {"x": [], "y": {}}], "b": {"c": [{"d": null}]}});
        assert_eq!(
            to_yaml(&v),
            "a:\n- - 1\n  - 2\n- x: []\n  \"y\": {}\nb:\n  c:\n  - d: null\n"
        );
    }

    #[test]
    fn long_and_multi_line_keys_are_explicit() {
        let long = "k".repeat(129);
        let v = json!({ long.clone(): "v", "a\nb": {"x": 1}, "c": 1 });
        assert_eq!(
            to_yaml(&v),
            format!("? |-\n  a\n  b\n: x: 1\nc: 1\n? {long}\n: v\n")
        );
        let ok = "k".repeat(128);
        assert_eq!(to_yaml(&json!({ ok.clone(): "v" })), format!("{ok}: v\n"));
    }

    #[test]
    fn numbers_go_through_go_json_then_yaml() {
        let v = json!({"a": 1, "b": 2.5, "c": 1e6, "d": 1e21, "e": 0.000001, "f": -7});
        assert_eq!(
            to_yaml(&v),
            "a: 1\nb: 2.5\nc: 1000000\nd: 1e+21\ne: 1e-06\nf: -7\n"
        );
    }

    #[test]
    fn keys_sort_like_go_yaml() {
        let v = json!({"a10": 1, "a9": 1, "B": 1, "_x": 1, "b": 1, "a-b": 1, "ab": 1});
        assert_eq!(
            to_yaml(&v),
            "_x: 1\nB: 1\na-b: 1\na9: 1\na10: 1\nab: 1\nb: 1\n"
        );
    }
}
