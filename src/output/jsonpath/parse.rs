//! The template parser, following k8s.io/client-go/util/jsonpath/parser.go rule for rule
//! (including its quirks, e.g. `['a.b']` being split at the dots), so that a template is
//! accepted or rejected with the same message as kubectl.

/// One parameter of an array subscript `[start:end:step]`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Param {
    pub(crate) value: i64,
    pub(crate) known: bool,
    /// `[n]` is stored as `[n:n+1]`; a derived end of 0 (from `[-1]`) counts from the end.
    pub(crate) derived: bool,
}

/// A parsed template node.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Node {
    /// The content of one `{...}` action, or a sub-expression.
    List(Vec<Node>),
    /// Literal text, outside actions or from a quoted string.
    Text(String),
    /// `.name` (a map key).
    Field(String),
    /// `[start:end:step]`, `[n]`, `[*]`.
    Array([Param; 3]),
    /// `[?(left op right)]`; `op` is `exists` when there is no comparison.
    Filter {
        left: Vec<Node>,
        right: Vec<Node>,
        op: String,
    },
    /// An integer literal.
    Int(i64),
    /// A float literal.
    Float(f64),
    /// `true` / `false`.
    Bool(bool),
    /// `.*`.
    Wildcard,
    /// `..`.
    Recursive,
    /// `[a,b]`.
    Union(Vec<Vec<Node>>),
    /// `range`, `end` (anything else fails at execution, as in kubectl).
    Identifier(String),
}

/// Parses a whole template into its top-level nodes (text and `List` actions).
pub(crate) fn parse(text: &str) -> Result<Vec<Node>, String> {
    Parser {
        input: text.chars().collect(),
        pos: 0,
        start: 0,
    }
    .run()
}

/// Parses `text` as the inside of one action, as client-go's `parseAction` does.
fn parse_action(text: &str) -> Result<Vec<Node>, String> {
    let nodes = parse(&format!("{{{text}}}"))?;
    match nodes.into_iter().next() {
        Some(Node::List(list)) => Ok(list),
        // The text starts with `{`, so the first node is always an action.
        _ => Ok(Vec::new()),
    }
}

struct Parser {
    input: Vec<char>,
    pos: usize,
    start: usize,
}

impl Parser {
    fn next(&mut self) -> Option<char> {
        let c = self.input.get(self.pos).copied();
        if c.is_some() {
            self.pos += 1;
        }
        c
    }

    fn backup_after(&mut self, c: Option<char>) {
        if c.is_some() {
            self.pos -= 1;
        }
    }

    fn peek(&self) -> Option<char> {
        self.input.get(self.pos).copied()
    }

    fn consume(&mut self) -> String {
        let s: String = self.input[self.start..self.pos].iter().collect();
        self.start = self.pos;
        s
    }

    fn starts_with(&self, prefix: &str) -> bool {
        prefix
            .chars()
            .enumerate()
            .all(|(k, p)| self.input.get(self.pos + k) == Some(&p))
    }

    /// The char two before `pos` (the one preceding the char just read).
    fn before_last(&self) -> Option<char> {
        self.pos
            .checked_sub(2)
            .and_then(|i| self.input.get(i).copied())
    }

    fn run(mut self) -> Result<Vec<Node>, String> {
        let mut root = Vec::new();
        loop {
            // Text mode: everything up to the next `{` is literal.
            loop {
                if self.starts_with("{") {
                    break;
                }
                if self.next().is_none() {
                    if self.pos > self.start {
                        root.push(Node::Text(self.consume()));
                    }
                    return Ok(root);
                }
            }
            if self.pos > self.start {
                root.push(Node::Text(self.consume()));
            }
            self.pos += 1;
            self.consume();
            let mut cur = Vec::new();
            self.inside_action(&mut cur)?;
            root.push(Node::List(cur));
        }
    }

    /// Parses one action up to and including its closing `}`.
    fn inside_action(&mut self, cur: &mut Vec<Node>) -> Result<(), String> {
        loop {
            if self.starts_with("}") {
                self.pos += 1;
                self.consume();
                return Ok(());
            }
            if self.starts_with("[?(") {
                self.filter(cur)?;
                continue;
            }
            if self.starts_with("..") {
                if matches!(cur.last(), Some(Node::Recursive)) {
                    return Err("invalid multiple recursive descent".into());
                }
                self.pos += 2;
                self.consume();
                cur.push(Node::Recursive);
                if self.peek().is_some_and(is_alphanumeric) {
                    self.field(cur);
                }
                continue;
            }
            match self.next() {
                None | Some('\r' | '\n') => return Err("unclosed action".into()),
                Some(' ' | '@' | '$') => {
                    self.consume();
                }
                Some('[') => self.array(cur)?,
                Some(q @ ('"' | '\'')) => self.quote(cur, q)?,
                Some('.') => self.field(cur),
                Some(c) if c == '+' || c == '-' || is_digit(c) => {
                    self.pos -= 1;
                    self.number(cur)?;
                }
                Some(c) if is_alphanumeric(c) => {
                    self.pos -= 1;
                    self.identifier(cur);
                }
                Some(c) => {
                    return Err(format!(
                        "unrecognized character in action: {}",
                        go_sharp_u(c)
                    ));
                }
            }
        }
    }

    fn identifier(&mut self, cur: &mut Vec<Node>) {
        loop {
            let r = self.next();
            if is_terminator(r) {
                self.backup_after(r);
                break;
            }
        }
        let value = self.consume();
        match value.as_str() {
            "true" => cur.push(Node::Bool(true)),
            "false" => cur.push(Node::Bool(false)),
            _ => cur.push(Node::Identifier(value)),
        }
    }

    fn number(&mut self, cur: &mut Vec<Node>) -> Result<(), String> {
        if matches!(self.peek(), Some('+' | '-')) {
            self.next();
        }
        loop {
            let r = self.next();
            if !matches!(r, Some(c) if c == '.' || is_digit(c)) {
                self.backup_after(r);
                break;
            }
        }
        let value = self.consume();
        if let Ok(i) = value.parse::<i64>() {
            cur.push(Node::Int(i));
        } else if let Some(f) = go_parse_float(&value) {
            cur.push(Node::Float(f));
        } else {
            return Err(format!("cannot parse number {value}"));
        }
        Ok(())
    }

    fn array(&mut self, cur: &mut Vec<Node>) -> Result<(), String> {
        loop {
            match self.next() {
                None | Some('\n') => return Err("unterminated array".into()),
                Some(']') => break,
                Some(_) => {}
            }
        }
        let consumed = self.consume();
        let mut chars: Vec<char> = consumed.chars().collect();
        chars.remove(0);
        chars.pop();
        let mut text: String = chars.into_iter().collect();
        if text == "*" {
            text = ":".into();
        }

        let parts: Vec<&str> = text.split(',').collect();
        if parts.len() > 1 {
            let mut union = Vec::new();
            for part in parts {
                union.push(parse_action(&format!("[{}]", part.trim_matches(' ')))?);
            }
            cur.push(Node::Union(union));
            return Ok(());
        }

        // ['key'] is parsed as `.key` (so dots inside still split, as in kubectl).
        if text.len() >= 2 && text.starts_with('\'') && text.ends_with('\'') {
            let inner = &text[1..text.len() - 1];
            if !inner.contains('\'') {
                cur.extend(parse_action(&format!(".{inner}"))?);
                return Ok(());
            }
        }

        let groups = slice_groups(&text).ok_or_else(|| format!("invalid array index {text}"))?;
        let mut params = [Param {
            value: 0,
            known: false,
            derived: false,
        }; 3];
        for i in 0..3 {
            let raw = groups[i];
            if raw.is_empty() {
                if i == 1 {
                    params[1] = Param {
                        // Go's int wraps: `[9223372036854775807]` ends at MinInt64 and then
                        // fails as an out-of-bounds index, as in kubectl.
                        value: params[0].value.wrapping_add(1),
                        known: true,
                        derived: true,
                    };
                }
                continue;
            }
            let digits = if i > 0 { &raw[1..] } else { raw };
            if i > 0 && digits.is_empty() {
                continue;
            }
            let value = digits
                .parse::<i64>()
                .map_err(|_| format!("array index {digits} is not a number"))?;
            params[i] = Param {
                value,
                known: true,
                derived: false,
            };
        }
        cur.push(Node::Array(params));
        Ok(())
    }

    fn filter(&mut self, cur: &mut Vec<Node>) -> Result<(), String> {
        self.pos += 3;
        self.consume();
        let mut begin = false;
        let mut end = false;
        let mut pair = '\0';
        loop {
            match self.next() {
                None | Some('\n') => return Err("unterminated filter".into()),
                Some(r @ ('"' | '\'')) => {
                    if !begin {
                        begin = true;
                        pair = r;
                        continue;
                    }
                    if self.before_last() != Some('\\') && r == pair {
                        end = true;
                    }
                }
                Some(')') => {
                    if begin == end {
                        break;
                    }
                }
                Some(_) => {}
            }
        }
        if self.next() != Some(']') {
            return Err("unclosed array expect ]".into());
        }
        let consumed = self.consume();
        let chars: Vec<char> = consumed.chars().collect();
        let text: String = chars[..chars.len() - 2].iter().collect();
        match split_comparison(&text) {
            None => cur.push(Node::Filter {
                left: parse_action(&text)?,
                right: Vec::new(),
                op: "exists".into(),
            }),
            Some((left, op, right)) => {
                let left = parse_action(left)?;
                let right = parse_action(right)?;
                cur.push(Node::Filter {
                    left,
                    right,
                    op: op.into(),
                });
            }
        }
        Ok(())
    }

    fn quote(&mut self, cur: &mut Vec<Node>, end: char) -> Result<(), String> {
        loop {
            match self.next() {
                None | Some('\n') => return Err("unterminated quoted string".into()),
                Some(c) if c == end && self.before_last() != Some('\\') => break,
                Some(_) => {}
            }
        }
        let value = self.consume();
        let text =
            unquote_extend(&value).map_err(|e| format!("unquote string {value} error {e}"))?;
        cur.push(Node::Text(text));
        Ok(())
    }

    fn field(&mut self, cur: &mut Vec<Node>) {
        self.consume();
        loop {
            let r = self.next();
            if r == Some('\\') {
                self.next();
            } else if is_terminator(r) {
                self.backup_after(r);
                break;
            }
        }
        let value = self.consume();
        if value == "*" {
            cur.push(Node::Wildcard);
        } else {
            cur.push(Node::Field(value.replace('\\', "")));
        }
    }
}

/// Matches `^(-?\d*)(:-?\d*)?(:-?\d*)?$`, returning the three groups ("" when absent).
fn slice_groups(text: &str) -> Option<[&str; 3]> {
    let mut groups = [""; 3];
    let mut rest = text;
    for (i, group) in groups.iter_mut().enumerate() {
        let body_start = if i == 0 {
            0
        } else if rest.starts_with(':') {
            1
        } else {
            break;
        };
        let body = &rest[body_start..];
        let digits = body.strip_prefix('-').unwrap_or(body);
        let n_digits = digits.bytes().take_while(u8::is_ascii_digit).count();
        let len = body_start + (body.len() - digits.len()) + n_digits;
        *group = &rest[..len];
        rest = &rest[len..];
    }
    rest.is_empty().then_some(groups)
}

/// Matches `^([^!<>=]+)([!<>=]+)(.+?)$` (RE2, so backtracking only as that regex would).
fn split_comparison(text: &str) -> Option<(&str, &str, &str)> {
    let is_op = |c: char| matches!(c, '!' | '<' | '>' | '=');
    let op_start = text.find(is_op)?;
    if op_start == 0 {
        return None;
    }
    let after = &text[op_start..];
    let mut op_len = after.find(|c| !is_op(c)).unwrap_or(after.len());
    if op_len == after.len() {
        // Nothing left for the right-hand side: the regex gives it the last operator char.
        if op_len < 2 {
            return None;
        }
        op_len -= 1;
    }
    let right = &after[op_len..];
    if right.contains('\n') {
        return None;
    }
    Some((&text[..op_start], &after[..op_len], right))
}

fn is_terminator(r: Option<char>) -> bool {
    match r {
        None => true,
        Some(c) => matches!(
            c,
            ' ' | '\t' | '\r' | '\n' | '.' | ',' | '[' | ']' | '$' | '@' | '{' | '}'
        ),
    }
}

fn is_digit(c: char) -> bool {
    c.is_ascii_digit() || (!c.is_ascii() && c.is_numeric())
}

fn is_alphanumeric(c: char) -> bool {
    c == '_' || c.is_alphabetic() || is_digit(c)
}

/// Go's `%#U`: `U+007E '~'`, or just `U+0009` for unprintable runes.
fn go_sharp_u(c: char) -> String {
    if c.is_control() {
        format!("U+{:04X}", c as u32)
    } else {
        format!("U+{:04X} '{c}'", c as u32)
    }
}

/// Go's `strconv.ParseFloat` for the decimal forms the number scanner can produce.
fn go_parse_float(s: &str) -> Option<f64> {
    let body = s.strip_prefix(['+', '-']).unwrap_or(s);
    if body.is_empty() || !body.chars().all(|c| c == '.' || c.is_ascii_digit()) {
        return None;
    }
    s.parse::<f64>().ok()
}

/// client-go's `UnquoteExtend`: Go's `strconv.Unquote` that also accepts single quotes
/// around a whole string.
fn unquote_extend(s: &str) -> Result<String, &'static str> {
    const SYNTAX: &str = "invalid syntax";
    let bytes = s.as_bytes();
    let n = bytes.len();
    if n < 2 {
        return Err(SYNTAX);
    }
    let quote = bytes[0];
    if quote != bytes[n - 1] || (quote != b'"' && quote != b'\'') {
        return Err(SYNTAX);
    }
    let inner = &s[1..n - 1];
    if !inner.contains('\\') && !inner.contains(quote as char) {
        return Ok(inner.to_string());
    }
    let mut out: Vec<u8> = Vec::with_capacity(inner.len());
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        if c as u32 == quote as u32 {
            return Err(SYNTAX);
        }
        if c != '\\' {
            let mut buf = [0u8; 4];
            out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            continue;
        }
        let esc = chars.next().ok_or(SYNTAX)?;
        match esc {
            'a' => out.push(0x07),
            'b' => out.push(0x08),
            'f' => out.push(0x0c),
            'n' => out.push(b'\n'),
            'r' => out.push(b'\r'),
            't' => out.push(b'\t'),
            'v' => out.push(0x0b),
            '\\' => out.push(b'\\'),
            'x' | 'u' | 'U' => {
                let width = match esc {
                    'x' => 2,
                    'u' => 4,
                    _ => 8,
                };
                let mut v: u32 = 0;
                for _ in 0..width {
                    let d = chars.next().and_then(|d| d.to_digit(16)).ok_or(SYNTAX)?;
                    v = (v << 4) | d;
                }
                if esc == 'x' {
                    // A raw byte, as in Go (it may not be valid UTF-8 on its own).
                    out.push(v as u8);
                } else {
                    let ch = char::from_u32(v).ok_or(SYNTAX)?;
                    let mut buf = [0u8; 4];
                    out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                }
            }
            '0'..='7' => {
                let mut v = esc.to_digit(8).ok_or(SYNTAX)?;
                for _ in 0..2 {
                    let d = chars.next().and_then(|d| d.to_digit(8)).ok_or(SYNTAX)?;
                    v = (v << 3) | d;
                }
                if v > 255 {
                    return Err(SYNTAX);
                }
                out.push(v as u8);
            }
            '\'' | '"' => {
                if esc as u32 != quote as u32 {
                    return Err(SYNTAX);
                }
                out.push(esc as u8);
            }
            _ => return Err(SYNTAX),
        }
    }
    Ok(String::from_utf8_lossy(&out).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(s: &str) -> Node {
        Node::Field(s.into())
    }

    #[test]
    fn text_and_actions_alternate() {
        let nodes = parse("a {.b} c").unwrap();
        assert_eq!(
            nodes,
            vec![
                Node::Text("a ".into()),
                Node::List(vec![field("b")]),
                Node::Text(" c".into())
            ]
        );
    }

    #[test]
    fn dict_key_is_split_at_dots_like_client_go() {
        assert_eq!(
            parse("{['a.b']}").unwrap(),
            vec![Node::List(vec![field("a"), field("b")])]
        );
        // An escaped dot is the way to reach a dotted key.
        assert_eq!(
            parse(r"{.a\.b}").unwrap(),
            vec![Node::List(vec![field("a.b")])]
        );
    }

    #[test]
    fn index_is_a_derived_slice() {
        let nodes = parse("{[-1]}").unwrap();
        let Node::List(list) = &nodes[0] else {
            panic!("not a list")
        };
        assert_eq!(
            list[0],
            Node::Array([
                Param {
                    value: -1,
                    known: true,
                    derived: false
                },
                Param {
                    value: 0,
                    known: true,
                    derived: true
                },
                Param {
                    value: 0,
                    known: false,
                    derived: false
                },
            ])
        );
    }

    #[test]
    fn comparison_split_follows_the_regex() {
        assert_eq!(split_comparison("@.a==\"x\""), Some(("@.a", "==", "\"x\"")));
        assert_eq!(split_comparison("@.a=="), Some(("@.a", "=", "=")));
        assert_eq!(split_comparison("@.a="), None);
        assert_eq!(split_comparison("@.a"), None);
        assert_eq!(split_comparison("==1"), None);
    }

    #[test]
    fn slice_groups_match_the_regex() {
        assert_eq!(slice_groups("1:-2:3"), Some(["1", ":-2", ":3"]));
        assert_eq!(slice_groups(":"), Some(["", ":", ""]));
        assert_eq!(slice_groups("x"), None);
        assert_eq!(slice_groups("1:2:3:4"), None);
    }

    #[test]
    fn parse_errors_have_client_go_messages() {
        assert_eq!(parse("{").unwrap_err(), "unclosed action");
        assert_eq!(parse("{.a[x]}").unwrap_err(), "invalid array index x");
        assert_eq!(
            parse("{#}").unwrap_err(),
            "unrecognized character in action: U+0023 '#'"
        );
        assert_eq!(parse("{\"a}").unwrap_err(), "unterminated quoted string");
        assert_eq!(parse("{.a[0}").unwrap_err(), "unterminated array");
        assert_eq!(parse("{[?(@.a}").unwrap_err(), "unterminated filter");
        assert_eq!(
            parse("{....a}").unwrap_err(),
            "invalid multiple recursive descent"
        );
        assert_eq!(parse("{-}").unwrap_err(), "cannot parse number -");
        assert_eq!(
            parse(r#"{"\q"}"#).unwrap_err(),
            r#"unquote string "\q" error invalid syntax"#
        );
    }

    #[test]
    fn unquote_handles_go_escapes() {
        assert_eq!(unquote_extend(r#""a\u00e9\x41\n\"""#).unwrap(), "aéA\n\"");
        assert_eq!(unquote_extend(r"'it\'s'").unwrap(), "it's");
        assert_eq!(unquote_extend(r#""\101""#).unwrap(), "A");
    }
}
