//! libyaml's scalar analysis and go-yaml v2's choice of scalar style: plain where the text
//! reads back as the same string, otherwise single-quoted, double-quoted or a literal block.

use super::resolve::{is_base60_float, resolves_to_string};

/// How a scalar is written.
#[derive(Clone, Copy, PartialEq, Debug)]
pub(super) enum Style {
    Plain,
    Single,
    Double,
    Literal,
}

/// What libyaml's `analyze_scalar` learns about a scalar.
pub(super) struct Analysis {
    pub(super) multiline: bool,
    block_plain: bool,
    single_quoted: bool,
    block: bool,
}

pub(super) fn is_break(c: char) -> bool {
    matches!(c, '\r' | '\n' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

/// go-yaml v2's `is_printable` (note: tab is not, nor is anything beyond U+FFFF).
pub(super) fn is_printable(c: char) -> bool {
    let v = c as u32;
    v == 0x0a
        || (0x20..=0x7e).contains(&v)
        || (0xa0..=0xd7ff).contains(&v)
        || ((0xe000..=0xfffd).contains(&v) && v != 0xfeff)
}

/// The escape sequence libyaml writes for `c` inside double quotes, if `c` needs one.
pub(super) fn escape(c: char) -> Option<String> {
    if is_printable(c) && c != '\u{feff}' && !is_break(c) && c != '"' && c != '\\' {
        return None;
    }
    let short = match c {
        '\0' => '0',
        '\u{7}' => 'a',
        '\u{8}' => 'b',
        '\t' => 't',
        '\n' => 'n',
        '\u{b}' => 'v',
        '\u{c}' => 'f',
        '\r' => 'r',
        '\u{1b}' => 'e',
        '"' => '"',
        '\\' => '\\',
        '\u{85}' => 'N',
        '\u{a0}' => '_',
        '\u{2028}' => 'L',
        '\u{2029}' => 'P',
        _ => {
            let v = c as u32;
            return Some(if v <= 0xff {
                format!("\\x{v:02X}")
            } else if v <= 0xffff {
                format!("\\u{v:04X}")
            } else {
                format!("\\U{v:08X}")
            });
        }
    };
    Some(format!("\\{short}"))
}

/// `value` in double quotes on one line, escaped as libyaml escapes it.
pub(super) fn double_quoted(value: &str) -> String {
    let mut out = String::from('"');
    for c in value.chars() {
        match escape(c) {
            Some(e) => out.push_str(&e),
            None => out.push(c),
        }
    }
    out.push('"');
    out
}

pub(super) fn analyze(value: &str) -> Analysis {
    let chars: Vec<char> = value.chars().collect();
    if chars.is_empty() {
        return Analysis {
            multiline: false,
            block_plain: true,
            single_quoted: true,
            block: false,
        };
    }
    // Only block context occurs (kubectl never writes flow collections with content), so
    // libyaml's flow-indicator bookkeeping is left out.
    let mut block_indicators = value.starts_with("---") || value.starts_with("...");
    let mut line_breaks = false;
    let mut special = false;
    let (mut leading_space, mut leading_break) = (false, false);
    let (mut trailing_space, mut trailing_break) = (false, false);
    let (mut break_space, mut space_break) = (false, false);
    let (mut previous_space, mut previous_break) = (false, false);
    let mut preceded_by_ws = true;
    let n = chars.len();
    for (i, &c) in chars.iter().enumerate() {
        let followed_by_ws = i + 1 >= n || matches!(chars[i + 1], ' ' | '\t');
        if i == 0 {
            if "#,[]{}&*!|>'\"%@`".contains(c) || (matches!(c, '?' | ':' | '-') && followed_by_ws) {
                block_indicators = true;
            }
        } else if (c == ':' && followed_by_ws) || (c == '#' && preceded_by_ws) {
            block_indicators = true;
        }
        if !is_printable(c) {
            special = true;
        }
        let (first, last) = (i == 0, i + 1 == n);
        if c == ' ' {
            leading_space |= first;
            trailing_space |= last;
            break_space |= previous_break;
            (previous_space, previous_break) = (true, false);
        } else if is_break(c) {
            line_breaks = true;
            leading_break |= first;
            trailing_break |= last;
            space_break |= previous_space;
            (previous_space, previous_break) = (false, true);
        } else {
            (previous_space, previous_break) = (false, false);
        }
        preceded_by_ws = matches!(c, ' ' | '\t' | '\0') || is_break(c);
    }
    let mut a = Analysis {
        multiline: line_breaks,
        block_plain: true,
        single_quoted: true,
        block: true,
    };
    if leading_space || leading_break || trailing_space || trailing_break {
        a.block_plain = false;
    }
    if trailing_space {
        a.block = false;
    }
    if break_space {
        a.block_plain = false;
        a.single_quoted = false;
    }
    if space_break || special {
        a.block_plain = false;
        a.single_quoted = false;
        a.block = false;
    }
    if line_breaks || block_indicators {
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

/// The style a string is written in, as a mapping key (`simple_key`) or anywhere else:
/// go-yaml's request, then libyaml's downgrade of what the text cannot be written as.
pub(super) fn choose_style(value: &str, simple_key: bool) -> Style {
    select_style(string_style(value), &analyze(value), value, simple_key)
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
