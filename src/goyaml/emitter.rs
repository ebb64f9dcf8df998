//! libyaml's block emitter, as go-yaml v2 drives it for a document of plain values:
//! indentation, indentless sequences in mappings, simple and explicit keys, the four
//! scalar styles and the folding of long lines at 80 columns.

use super::node::{Key, Node};
use super::scalar::{Style, analyze, choose_style, escape, is_break};

const BEST_INDENT: usize = 2;
const BEST_WIDTH: usize = 80;

/// The document's text, ending in a newline.
pub(super) fn emit(node: &Node<'_>) -> String {
    let mut e = Emitter {
        out: String::new(),
        column: 0,
        indent: -1,
        whitespace: true,
        indention: true,
        open_ended: false,
    };
    e.node(node, Context::Root);
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

    fn node(&mut self, node: &Node<'_>, ctx: Context) {
        match node {
            Node::Null => self.scalar("null", Style::Plain, false),
            Node::Bool(b) => self.scalar(if *b { "true" } else { "false" }, Style::Plain, false),
            Node::Number(n) => self.scalar(n, Style::Plain, false),
            Node::String(s) => self.scalar(s, choose_style(s, false), false),
            Node::Sequence(items) if items.is_empty() => self.empty_flow("[", "]"),
            Node::Mapping(entries) if entries.is_empty() => self.empty_flow("{", "}"),
            Node::Sequence(items) => self.sequence(items, ctx),
            Node::Mapping(entries) => self.mapping(entries),
            Node::Tagged(tag, value) => {
                self.write_indicator(tag, true, false, false);
                self.node(value, ctx);
            }
        }
    }

    fn empty_flow(&mut self, open: &str, close: &str) {
        let saved = self.indent;
        self.increase_indent(true, false);
        self.write_indicator(open, true, true, false);
        self.write_indicator(close, false, false, false);
        self.indent = saved;
    }

    fn sequence(&mut self, items: &[Node<'_>], ctx: Context) {
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

    fn mapping(&mut self, entries: &[(Key<'_>, Node<'_>)]) {
        let saved = self.indent;
        self.increase_indent(false, false);
        for (key, value) in entries {
            self.write_indent();
            match key {
                // libyaml writes a key inline only if it is short and on one line;
                // otherwise as an explicit `? key` / `: value` pair.
                Key::String(key) if key.len() <= 128 && !analyze(key).multiline => {
                    self.scalar(key, choose_style(key, true), true);
                    self.write_indicator(":", false, false, false);
                }
                Key::String(key) => {
                    self.write_indicator("?", true, false, true);
                    self.scalar(key, choose_style(key, false), false);
                    self.write_indent();
                    self.write_indicator(":", true, false, true);
                }
                Key::Verbatim(text) if text.len() <= 128 => {
                    self.write_indicator(text, true, false, false);
                    self.write_indicator(":", false, false, false);
                }
                // A YAML parser reads at most 1024 characters as an implicit key (fuzzing
                // found longer flow keys that did not read back).
                Key::Verbatim(text) => {
                    self.write_indicator("?", true, false, true);
                    self.write_indicator(text, true, false, false);
                    self.write_indent();
                    self.write_indicator(":", true, false, true);
                }
            }
            self.node(value, Context::MappingValue);
        }
        self.indent = saved;
    }

    /// Writes a scalar in `style`, which the caller has already settled.
    fn scalar(&mut self, value: &str, style: Style, simple_key: bool) {
        let saved = self.indent;
        self.increase_indent(true, false);
        let allow_breaks = !simple_key;
        match style {
            Style::Plain => self.write_unescaped(value, allow_breaks, false),
            Style::Single => self.write_unescaped(value, allow_breaks, true),
            Style::Double => self.write_double(value, allow_breaks),
            Style::Literal => self.write_literal(value),
        }
        self.indent = saved;
    }

    /// libyaml's `write_plain_scalar` and `write_single_quoted_scalar`, which differ only in
    /// the quotes, in doubling `'`, and in single quotes never folding at either end.
    fn write_unescaped(&mut self, value: &str, allow_breaks: bool, quoted: bool) {
        if quoted {
            self.write_indicator("'", true, false, false);
        } else if !self.whitespace {
            self.put(' ');
        }
        let chars: Vec<char> = value.chars().collect();
        let mut spaces = false;
        let mut breaks = false;
        for (i, &c) in chars.iter().enumerate() {
            if c == ' ' {
                let inner = !quoted || (i > 0 && i + 1 < chars.len());
                if allow_breaks
                    && !spaces
                    && self.column > BEST_WIDTH
                    && inner
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
                if quoted && c == '\'' {
                    self.put('\'');
                }
                self.put(c);
                self.indention = false;
                spaces = false;
                breaks = false;
            }
        }
        if quoted {
            self.write_indicator("'", false, false, false);
        }
        self.whitespace = false;
        self.indention = false;
    }

    fn write_double(&mut self, value: &str, allow_breaks: bool) {
        self.write_indicator("\"", true, false, false);
        let chars: Vec<char> = value.chars().collect();
        let mut spaces = false;
        for (i, &c) in chars.iter().enumerate() {
            if let Some(escaped) = escape(c) {
                for e in escaped.chars() {
                    self.put(e);
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
