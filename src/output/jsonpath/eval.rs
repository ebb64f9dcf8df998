//! Template execution, following k8s.io/client-go/util/jsonpath/jsonpath.go: the same
//! walk over nodes, the same `range`/`end` bookkeeping, the same comparison rules
//! (text/template's `eq`/`lt`) and the same error messages.

use super::parse::{Node, Param};
use crate::output::gofmt::{self, NumberKind};
use serde_json::Value;

/// A value during evaluation: either a place in the input document or a literal that a
/// template node produced (Go keeps these apart by their reflect kinds).
#[derive(Clone, Debug)]
pub(crate) enum Val<'a> {
    /// A value from the input document.
    Json(&'a Value),
    /// Text from a text node or a quoted string.
    Text(String),
    /// An integer literal (Go `int`).
    Int(i64),
    /// A float literal (Go `float64`).
    Float(f64),
    /// `true`/`false` literal.
    Bool(bool),
    /// One byte of a string, from `.*` or `..` on a string (Go `uint8`).
    Byte(u8),
    /// Go's invalid `reflect.Value` (the data of an empty `range`, or a null range item).
    Invalid,
}

/// Per-execution state; `range`/`end` are tracked with counters exactly as client-go does.
pub(crate) struct Exec {
    pub(crate) allow_missing_keys: bool,
    pub(crate) numbers: NumberKind,
    begin_range: usize,
    in_range: usize,
    end_range: usize,
    last_end: Option<*const Node>,
    /// Work done so far, and how much is allowed ([`WORK_LIMIT`] unless told otherwise).
    work: usize,
    work_limit: usize,
}

type Walk<'a> = (Vec<Val<'a>>, Option<String>);

/// How much one execution may do: values visited or produced, summed over every step.
/// client-go has no bound, and some short templates take time exponential in their length
/// (nested `range` without `end`, `..` repeated over a deep document; found by fuzzing, a
/// 90-byte template ran for minutes). Real templates stay far below it.
pub(crate) const WORK_LIMIT: usize = 10_000_000;

/// How deeply `range` may nest; each level is a recursive call.
pub(crate) const RANGE_DEPTH_LIMIT: usize = 100;

#[derive(PartialEq, Eq, Clone, Copy)]
enum Kind {
    Bool,
    Int,
    Uint,
    Float,
    Str,
}

impl Exec {
    pub(crate) fn new(allow_missing_keys: bool, numbers: NumberKind, work_limit: usize) -> Self {
        Exec {
            allow_missing_keys,
            numbers,
            begin_range: 0,
            in_range: 0,
            end_range: 0,
            last_end: None,
            work: 0,
            work_limit,
        }
    }

    /// Counts `n` more units of work; an error once the execution has done too much.
    fn spend(&mut self, n: usize) -> Result<(), String> {
        self.work = self.work.saturating_add(n);
        if self.work > self.work_limit {
            return Err(format!(
                "template needs more than {} steps to evaluate",
                self.work_limit
            ));
        }
        Ok(())
    }

    /// client-go's `FindResults`: one result list per top-level node, ranges expanded.
    pub(crate) fn find_results<'a>(
        &mut self,
        data: Val<'a>,
        nodes: &[Node],
    ) -> Result<Vec<Vec<Val<'a>>>, String> {
        let cur = vec![data];
        let mut full = Vec::new();
        let mut i = 0;
        while i < nodes.len() {
            self.spend(1)?;
            let node = &nodes[i];
            let (results, err) = self.walk(&cur, node);
            if let Some(e) = err {
                return Err(e);
            }
            if self.end_range > 0 && self.end_range <= self.in_range {
                self.end_range -= 1;
                self.last_end = Some(node as *const Node);
                break;
            }
            if self.begin_range > 0 {
                if self.in_range >= RANGE_DEPTH_LIMIT {
                    return Err(format!("range nested more than {RANGE_DEPTH_LIMIT} deep"));
                }
                self.begin_range -= 1;
                self.in_range += 1;
                let body = &nodes[i + 1..];
                if results.is_empty() {
                    // Still walk the body so the position advances to its `end`.
                    self.find_results(Val::Invalid, body)?;
                } else {
                    for value in results {
                        full.extend(self.find_results(value.interface(), body)?);
                    }
                }
                self.in_range -= 1;
                for (k, candidate) in nodes.iter().enumerate().skip(i + 1) {
                    if Some(candidate as *const Node) == self.last_end {
                        i = k;
                        break;
                    }
                }
                i += 1;
                continue;
            }
            full.push(results);
            i += 1;
        }
        Ok(full)
    }

    fn walk<'a>(&mut self, input: &[Val<'a>], node: &Node) -> Walk<'a> {
        if let Err(e) = self.spend(input.len() + 1) {
            return (Vec::new(), Some(e));
        }
        match node {
            Node::List(nodes) => self.eval_list(input, nodes),
            Node::Text(t) => (vec![Val::Text(t.clone())], None),
            Node::Field(name) => self.eval_field(input, name),
            Node::Array(params) => self.eval_array(input, params),
            Node::Filter { left, right, op } => self.eval_filter(input, left, right, op),
            Node::Int(i) => (vec![Val::Int(*i); input.len()], None),
            Node::Float(f) => (vec![Val::Float(*f); input.len()], None),
            Node::Bool(b) => (vec![Val::Bool(*b); input.len()], None),
            Node::Wildcard => {
                let mut result = Vec::new();
                for value in input {
                    let kids = children(value);
                    if let Err(e) = self.spend(kids.len()) {
                        return (Vec::new(), Some(e));
                    }
                    result.extend(kids);
                }
                (result, None)
            }
            Node::Recursive => match self.recursive(input) {
                Ok(result) => (result, None),
                Err(e) => (Vec::new(), Some(e)),
            },
            Node::Union(lists) => {
                let mut result = Vec::new();
                for list in lists {
                    let (temp, err) = self.eval_list(input, list);
                    if err.is_some() {
                        return (input.to_vec(), err);
                    }
                    result.extend(temp);
                }
                (result, None)
            }
            Node::Identifier(name) => match name.as_str() {
                "range" => {
                    self.begin_range += 1;
                    (input.to_vec(), None)
                }
                "end" => {
                    if self.in_range > 0 {
                        self.end_range += 1;
                        (Vec::new(), None)
                    } else {
                        (Vec::new(), Some("not in range, nothing to end".into()))
                    }
                }
                other => (
                    input.to_vec(),
                    Some(format!("unrecognized identifier {other}")),
                ),
            },
        }
    }

    fn eval_list<'a>(&mut self, input: &[Val<'a>], nodes: &[Node]) -> Walk<'a> {
        let mut cur = input.to_vec();
        for node in nodes {
            let (next, err) = self.walk(&cur, node);
            cur = next;
            if err.is_some() {
                return (cur, err);
            }
        }
        (cur, None)
    }

    fn eval_field<'a>(&self, input: &[Val<'a>], name: &str) -> Walk<'a> {
        let mut results = Vec::new();
        if input.is_empty() {
            return (results, None);
        }
        for value in input {
            if let Val::Json(Value::Object(map)) = value
                && let Some(found) = map.get(name)
            {
                results.push(Val::Json(found));
            }
        }
        if results.is_empty() && !self.allow_missing_keys {
            return (results, Some(format!("{name} is not found")));
        }
        (results, None)
    }

    fn eval_filter<'a>(
        &mut self,
        input: &[Val<'a>],
        left: &[Node],
        right: &[Node],
        op: &str,
    ) -> Walk<'a> {
        let mut results = Vec::new();
        for value in input {
            let items = match value {
                Val::Json(Value::Array(items)) => items,
                other => {
                    let shown = match other {
                        Val::Json(v) => gofmt::plain_v(v, self.numbers),
                        // Go's %v of an invalid reflect.Value (an empty range's data).
                        Val::Invalid => "<invalid reflect.Value>".into(),
                        other => other.text(self.numbers),
                    };
                    return (
                        input.to_vec(),
                        Some(format!(
                            "{shown} is not array or slice and cannot be filtered"
                        )),
                    );
                }
            };
            for item in items {
                if let Err(e) = self.spend(1) {
                    return (Vec::new(), Some(e));
                }
                let temp = [Val::Json(item)];
                let (lefts, err) = self.eval_list(&temp, left);
                if op == "exists" {
                    if !lefts.is_empty() {
                        results.push(Val::Json(item));
                    }
                    continue;
                }
                if err.is_some() {
                    return (input.to_vec(), err);
                }
                match lefts.len() {
                    0 => continue,
                    1 => {}
                    _ => {
                        return (
                            input.to_vec(),
                            Some("can only compare one element at a time".into()),
                        );
                    }
                }
                let (rights, err) = self.eval_list(&temp, right);
                if err.is_some() {
                    return (input.to_vec(), err);
                }
                match rights.len() {
                    0 => continue,
                    1 => {}
                    _ => {
                        return (
                            input.to_vec(),
                            Some("can only compare one element at a time".into()),
                        );
                    }
                }
                let (l, r) = (&lefts[0], &rights[0]);
                let pass = match op {
                    "<" => self.lt(l, r),
                    ">" => self.le(l, r).map(|b| !b),
                    "==" => self.eq(l, r),
                    "!=" => self.eq(l, r).map(|b| !b),
                    "<=" => self.le(l, r),
                    ">=" => self.lt(l, r).map(|b| !b),
                    other => {
                        return (
                            results,
                            Some(format!("unrecognized filter operator {other}")),
                        );
                    }
                };
                match pass {
                    Ok(true) => results.push(Val::Json(item)),
                    Ok(false) => {}
                    Err(e) => return (results, Some(e.into())),
                }
            }
        }
        (results, None)
    }

    /// text/template's `basicKind`.
    fn kind(&self, v: &Val) -> Result<Kind, &'static str> {
        const BAD_TYPE: &str = "invalid type for comparison";
        Ok(match v {
            Val::Json(Value::Bool(_)) | Val::Bool(_) => Kind::Bool,
            Val::Json(Value::String(_)) | Val::Text(_) => Kind::Str,
            Val::Json(Value::Number(n)) => match self.numbers {
                NumberKind::Int if n.is_i64() => Kind::Int,
                _ => Kind::Float,
            },
            Val::Int(_) => Kind::Int,
            Val::Float(_) => Kind::Float,
            Val::Byte(_) => Kind::Uint,
            Val::Json(_) | Val::Invalid => return Err(BAD_TYPE),
        })
    }

    /// text/template's `eq` for two arguments.
    fn eq(&self, a: &Val, b: &Val) -> Result<bool, &'static str> {
        let (ka, kb) = (self.kind(a)?, self.kind(b)?);
        if ka != kb {
            return match (ka, kb) {
                (Kind::Int, Kind::Uint) => Ok(a.int() >= 0 && a.int() as u64 == b.uint()),
                (Kind::Uint, Kind::Int) => Ok(b.int() >= 0 && a.uint() == b.int() as u64),
                _ => Err("incompatible types for comparison"),
            };
        }
        Ok(match ka {
            Kind::Bool => a.boolean() == b.boolean(),
            Kind::Int => a.int() == b.int(),
            Kind::Uint => a.uint() == b.uint(),
            Kind::Float => a.float() == b.float(),
            Kind::Str => a.string() == b.string(),
        })
    }

    /// text/template's `lt`.
    fn lt(&self, a: &Val, b: &Val) -> Result<bool, &'static str> {
        let (ka, kb) = (self.kind(a)?, self.kind(b)?);
        if ka != kb {
            return match (ka, kb) {
                (Kind::Int, Kind::Uint) => Ok(a.int() < 0 || (a.int() as u64) < b.uint()),
                (Kind::Uint, Kind::Int) => Ok(b.int() >= 0 && a.uint() < b.int() as u64),
                _ => Err("incompatible types for comparison"),
            };
        }
        Ok(match ka {
            Kind::Bool => return Err("invalid type for comparison"),
            Kind::Int => a.int() < b.int(),
            Kind::Uint => a.uint() < b.uint(),
            Kind::Float => a.float() < b.float(),
            Kind::Str => a.string() < b.string(),
        })
    }

    /// text/template's `le`: `lt` or `eq`.
    fn le(&self, a: &Val, b: &Val) -> Result<bool, &'static str> {
        if self.lt(a, b)? {
            return Ok(true);
        }
        self.eq(a, b)
    }
}

impl<'a> Val<'a> {
    /// Go's `value.Interface()` followed by `reflect.ValueOf`: a null becomes invalid.
    fn interface(self) -> Val<'a> {
        match self {
            Val::Json(Value::Null) => Val::Invalid,
            other => other,
        }
    }

    fn int(&self) -> i64 {
        match self {
            Val::Int(i) => *i,
            Val::Json(Value::Number(n)) => n.as_i64().unwrap_or(0),
            _ => 0,
        }
    }

    fn uint(&self) -> u64 {
        match self {
            Val::Byte(b) => u64::from(*b),
            _ => 0,
        }
    }

    fn float(&self) -> f64 {
        match self {
            Val::Float(f) => *f,
            Val::Json(Value::Number(n)) => n.as_f64().unwrap_or(0.0),
            _ => 0.0,
        }
    }

    fn boolean(&self) -> bool {
        matches!(self, Val::Bool(true) | Val::Json(Value::Bool(true)))
    }

    fn string(&self) -> &str {
        match self {
            Val::Text(s) => s,
            Val::Json(Value::String(s)) => s,
            _ => "",
        }
    }

    /// client-go's `evalToText` for non-container values (`fmt.Fprint`, nil as `null`).
    pub(crate) fn text(&self, numbers: NumberKind) -> String {
        match self {
            Val::Json(Value::String(s)) => s.clone(),
            Val::Json(Value::Number(n)) => gofmt::number_v(n, numbers),
            Val::Json(Value::Bool(b)) | Val::Bool(b) => b.to_string(),
            Val::Json(Value::Null) => "null".into(),
            Val::Json(container) => gofmt::json_compact(container, true),
            Val::Text(s) => s.clone(),
            Val::Int(i) => i.to_string(),
            Val::Float(f) => gofmt::float_v(*f),
            Val::Byte(b) => b.to_string(),
            Val::Invalid => "<no value>".into(),
        }
    }

    /// The value as JSON, for `jsonpath-as-json`.
    pub(crate) fn to_json(&self) -> Value {
        match self {
            Val::Json(v) => (*v).clone(),
            Val::Text(s) => Value::String(s.clone()),
            Val::Int(i) => Value::from(*i),
            Val::Float(f) => Value::from(*f),
            Val::Bool(b) => Value::Bool(*b),
            Val::Byte(b) => Value::from(*b),
            Val::Invalid => Value::Null,
        }
    }

    /// The Go type name used in "X is not array or slice".
    fn go_type(&self, numbers: NumberKind) -> &'static str {
        match self {
            Val::Json(Value::Object(_)) => "map[string]interface {}",
            Val::Json(Value::Array(_)) => "[]interface {}",
            Val::Json(Value::String(_)) | Val::Text(_) => "string",
            Val::Json(Value::Bool(_)) | Val::Bool(_) => "bool",
            Val::Json(Value::Number(n)) => match numbers {
                NumberKind::Int if n.is_i64() => "int64",
                _ => "float64",
            },
            Val::Int(_) => "int",
            Val::Float(_) => "float64",
            Val::Byte(_) => "uint8",
            Val::Json(Value::Null) | Val::Invalid => "<nil>",
        }
    }
}

impl Exec {
    fn eval_array<'a>(&mut self, input: &[Val<'a>], params: &[Param; 3]) -> Walk<'a> {
        let numbers = self.numbers;
        let mut result = Vec::new();
        for value in input {
            let items = match value {
                Val::Json(Value::Null) => continue,
                Val::Json(Value::Array(items)) => items,
                other => {
                    let ty = other.go_type(numbers);
                    return (input.to_vec(), Some(format!("{ty} is not array or slice")));
                }
            };
            let len = items.len() as i64;
            let mut p = *params;
            if !p[0].known {
                p[0].value = 0;
            }
            if p[0].value < 0 {
                p[0].value += len;
            }
            if !p[1].known {
                p[1].value = len;
            }
            if p[1].value < 0 || (p[1].value == 0 && p[1].derived) {
                p[1].value += len;
            }
            if p[1].value == p[0].value {
                // Zero elements requested: allowed, and ends the evaluation of this node.
                return (result, None);
            }
            if p[0].value >= len || p[0].value < 0 {
                return (
                    input.to_vec(),
                    Some(format!(
                        "array index out of bounds: index {}, length {len}",
                        p[0].value
                    )),
                );
            }
            if p[1].value > len || p[1].value < 0 {
                return (
                    input.to_vec(),
                    Some(format!(
                        "array index out of bounds: index {}, length {len}",
                        p[1].value - 1
                    )),
                );
            }
            if p[0].value > p[1].value {
                return (
                    input.to_vec(),
                    Some(format!(
                        "starting index {} is greater than ending index {}",
                        p[0].value, p[1].value
                    )),
                );
            }
            let slice = &items[p[0].value as usize..p[1].value as usize];
            let mut step = 1usize;
            if p[2].known {
                if p[2].value <= 0 {
                    return (input.to_vec(), Some("step must be > 0".into()));
                }
                step = p[2].value as usize;
            }
            if let Err(e) = self.spend(slice.len() / step) {
                return (Vec::new(), Some(e));
            }
            result.extend(slice.iter().step_by(step).map(Val::Json));
        }
        (result, None)
    }

    /// `..`: every value with children, then its descendants, depth first.
    fn recursive<'a>(&mut self, input: &[Val<'a>]) -> Result<Vec<Val<'a>>, String> {
        let mut result = Vec::new();
        for value in input {
            let kids = children(value);
            if !kids.is_empty() {
                self.spend(kids.len())?;
                result.push(value.clone());
                result.extend(self.recursive(&kids)?);
            }
        }
        Ok(result)
    }
}

/// The children of one value, as client-go's wildcard and recursive descent see them:
/// map values, array items, or the bytes of a string.
fn children<'a>(value: &Val<'a>) -> Vec<Val<'a>> {
    match value {
        Val::Json(Value::Object(map)) => map.values().map(Val::Json).collect(),
        Val::Json(Value::Array(items)) => items.iter().map(Val::Json).collect(),
        Val::Json(Value::String(s)) => s.bytes().map(Val::Byte).collect(),
        Val::Text(s) => s.bytes().map(Val::Byte).collect(),
        _ => Vec::new(),
    }
}
