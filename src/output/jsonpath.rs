//! kubectl's JSONPath *template* language (`-o jsonpath=...`), as implemented by
//! k8s.io/client-go/util/jsonpath: literal text outside `{}`, and inside `.field`,
//! `['key']`, `[n]`, `[a:b:c]`, `[*]`, `[a,b]`, `..`, `@`/`$`, filters `[?(@.x == "y")]`,
//! `{range ...}...{end}` and quoted string literals.
//!
//! Output matches kubectl byte for byte: results of one action are joined by a space,
//! strings print raw, maps and lists as compact JSON with sorted keys, null as `null`,
//! and nothing is added at the end (no newline).

mod eval;
mod parse;

use crate::output::Model;
use crate::output::gofmt::{self, NumberKind};
use eval::{Exec, Val};
use parse::Node;
use serde_json::Value;
use thiserror::Error;

/// A template that failed to parse or to execute; `Display` is kubectl's message (the
/// CLI prints it after `error: `). `Debug` leaves out the object dump, which may hold
/// secret data.
#[derive(Clone, PartialEq, Error)]
pub enum JsonPathError {
    /// The template is malformed (`error parsing jsonpath {.a, unclosed action`).
    #[error("error parsing jsonpath {template}, {message}")]
    Parse {
        /// The template as given.
        template: String,
        /// client-go's parser message, e.g. `unclosed action`.
        message: String,
    },
    /// Executing the template failed, e.g. a missing key with
    /// `--allow-missing-template-keys=false`. The message carries kubectl's debugging
    /// dump of the object and ends with blank lines, as kubectl's does.
    #[error(
        "error executing jsonpath {quoted}: Error executing template: {message}. Printing more information for debugging the template:\n\ttemplate was:\n\t\t{template}\n\tobject given to jsonpath engine was:\n\t\t{object}\n\n\n",
        quoted = gofmt::quote(template)
    )]
    Execute {
        /// The template as given.
        template: String,
        /// client-go's execution message, e.g. `x is not found`.
        message: String,
        /// The input object as Go's `%#v` prints it.
        object: String,
    },
}

impl std::fmt::Debug for JsonPathError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            JsonPathError::Parse { template, message } => f
                .debug_struct("Parse")
                .field("template", template)
                .field("message", message)
                .finish(),
            JsonPathError::Execute {
                template,
                message,
                object,
            } => f
                .debug_struct("Execute")
                .field("template", template)
                .field("message", message)
                .field("object", &format_args!("<{} bytes elided>", object.len()))
                .finish(),
        }
    }
}

impl JsonPathError {
    /// The bare client-go message (`x is not found`, `unclosed action`).
    pub fn message(&self) -> &str {
        match self {
            JsonPathError::Parse { message, .. } | JsonPathError::Execute { message, .. } => {
                message
            }
        }
    }
}

/// A parsed JSONPath template, ready to run against any number of objects.
#[derive(Debug, Clone)]
pub struct JsonPath {
    template: String,
    nodes: Vec<Node>,
    allow_missing_keys: bool,
    json_output: bool,
    work_limit: usize,
}

impl JsonPath {
    /// Parses a template as `-o jsonpath=TEMPLATE` takes it. kubectl does not add braces:
    /// `.a.b` without `{}` is literal text and prints as such.
    pub fn parse(template: &str) -> Result<Self, JsonPathError> {
        let nodes = parse::parse(template).map_err(|message| JsonPathError::Parse {
            template: template.to_string(),
            message,
        })?;
        Ok(JsonPath {
            template: template.to_string(),
            nodes,
            allow_missing_keys: true,
            json_output: false,
            work_limit: eval::WORK_LIMIT,
        })
    }

    /// `--allow-missing-template-keys` (kubectl's default is `true`: a missing key prints
    /// nothing; with `false` it is an execution error `KEY is not found`).
    pub fn allow_missing_keys(mut self, allow: bool) -> Self {
        self.allow_missing_keys = allow;
        self
    }

    /// `-o jsonpath-as-json`: each action's results print as an indented JSON array
    /// followed by a newline.
    pub fn json_output(mut self, on: bool) -> Self {
        self.json_output = on;
        self
    }

    /// A smaller work bound, so the fuzz target spends its time on many inputs rather than
    /// on a few runaway ones; the bound works the same at any size.
    pub(crate) fn work_limit(mut self, steps: usize) -> Self {
        self.work_limit = steps;
        self
    }

    /// The template text as given.
    pub fn template(&self) -> &str {
        &self.template
    }

    /// Runs the template against `data` and returns exactly what kubectl prints.
    pub fn execute(&self, data: &Value, model: Model) -> Result<String, JsonPathError> {
        let numbers = match model {
            Model::Unstructured => NumberKind::Int,
            Model::Typed => NumberKind::Float,
        };
        let mut exec = Exec::new(self.allow_missing_keys, numbers, self.work_limit);
        let results = exec
            .find_results(Val::Json(data), &self.nodes)
            .map_err(|message| JsonPathError::Execute {
                template: self.template.clone(),
                message,
                object: gofmt::sharp_v(data, numbers),
            })?;
        let mut out = String::new();
        for list in &results {
            if self.json_output {
                let array = Value::Array(list.iter().map(Val::to_json).collect());
                out.push_str(&gofmt::json_indent(&array, true, "    "));
                out.push('\n');
                continue;
            }
            for (i, value) in list.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                out.push_str(&value.text(numbers));
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn run(template: &str, data: &Value) -> String {
        JsonPath::parse(template)
            .unwrap()
            .execute(data, Model::Unstructured)
            .unwrap()
    }

    fn doc() -> Value {
        json!({
            "kind": "List",
            "items": [
                {"metadata": {"name": "a", "labels": {"app": "x"}}, "n": 1, "ok": true},
                {"metadata": {"name": "b"}, "n": 5, "ok": false},
                {"metadata": {"name": "c", "labels": {"app": "y"}}, "n": 3, "f": 2.5},
            ],
            "nul": null,
            "dotted": {"a.b": "dot", "a": {"b": "nested"}},
            "s": "hi",
        })
    }

    #[test]
    fn fields_indexes_and_wildcards() {
        let d = doc();
        assert_eq!(run("{.kind}", &d), "List");
        assert_eq!(run("{.items[*].metadata.name}", &d), "a b c");
        assert_eq!(run("{.items[-1].metadata.name}", &d), "c");
        assert_eq!(run("{.items[0:2].metadata.name}", &d), "a b");
        assert_eq!(run("{.items[::2].metadata.name}", &d), "a c");
        assert_eq!(run("{.items[0,2].n}", &d), "1 3");
        assert_eq!(run("{.items[0].metadata.labels}", &d), r#"{"app":"x"}"#);
        assert_eq!(run("{.nul}", &d), "null");
        assert_eq!(run("{.items[2].f}", &d), "2.5");
    }

    #[test]
    fn literal_text_and_no_trailing_newline() {
        let d = doc();
        assert_eq!(run(".kind", &d), ".kind");
        assert_eq!(run("k={.kind}{\"\\n\"}", &d), "k=List\n");
        assert_eq!(run("{.kind}}", &d), "List}");
    }

    #[test]
    fn dotted_keys_need_escaping() {
        let d = doc();
        assert_eq!(run(r"{.dotted.a\.b}", &d), "dot");
        assert_eq!(run("{.dotted['a.b']}", &d), "nested");
    }

    #[test]
    fn ranges_and_nested_ranges() {
        let d = doc();
        assert_eq!(
            run("{range .items[*]}{.metadata.name}:{.n}{\"\\n\"}{end}", &d),
            "a:1\nb:5\nc:3\n"
        );
        assert_eq!(
            run(
                "{range .items[*]}[{range .metadata.labels.*}{@}{end}]{end}",
                &d
            ),
            "[x][][y]"
        );
        assert_eq!(run("{range .none[*]}{.x}{end}after", &d), "after");
        // The body of an empty range still runs once, on Go's invalid value.
        let err = JsonPath::parse("{range .none[*]}{[?(@.x)]}{end}")
            .unwrap()
            .execute(&d, Model::Unstructured)
            .unwrap_err();
        assert_eq!(
            err.message(),
            "<invalid reflect.Value> is not array or slice and cannot be filtered"
        );
    }

    #[test]
    fn filters_compare_like_text_template() {
        let d = doc();
        assert_eq!(run("{.items[?(@.n > 2)].metadata.name}", &d), "b c");
        assert_eq!(run("{.items[?(@.n<=3)].metadata.name}", &d), "a c");
        assert_eq!(run("{.items[?(@.metadata.name != \"b\")].n}", &d), "1 3");
        assert_eq!(run("{.items[?(@.ok == true)].n}", &d), "1");
        assert_eq!(run("{.items[?(@.metadata.labels)].n}", &d), "1 3");
        // Unstructured numbers are int64: an int literal compares, a float one does not.
        let err = JsonPath::parse("{.items[?(@.n > 2.0)].n}")
            .unwrap()
            .execute(&d, Model::Unstructured)
            .unwrap_err();
        assert_eq!(err.message(), "incompatible types for comparison");
        // Typed objects round-trip through float64, so the opposite holds.
        let typed = JsonPath::parse("{.items[?(@.n > 2.0)].n}")
            .unwrap()
            .execute(&d, Model::Typed)
            .unwrap();
        assert_eq!(typed, "5 3");
    }

    #[test]
    fn recursive_descent() {
        let d = json!({"a": {"name": "x", "b": [{"name": "y"}]}, "name": "z"});
        // client-go collects each container before its children, then applies `.name`.
        assert_eq!(run("{..name}", &d), "z x y");
    }

    #[test]
    fn missing_keys() {
        let d = doc();
        assert_eq!(run("{.nope.deeper}", &d), "");
        let err = JsonPath::parse("{.nope}")
            .unwrap()
            .allow_missing_keys(false)
            .execute(&json!({"a": 1}), Model::Typed)
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "error executing jsonpath \"{.nope}\": Error executing template: nope is not found. \
             Printing more information for debugging the template:\n\ttemplate was:\n\t\t{.nope}\n\
             \tobject given to jsonpath engine was:\n\t\tmap[string]interface {}{\"a\":1}\n\n\n"
        );
    }

    #[test]
    fn execution_errors() {
        let d = doc();
        let msg = |t: &str| {
            JsonPath::parse(t)
                .unwrap()
                .execute(&d, Model::Unstructured)
                .unwrap_err()
                .message()
                .to_string()
        };
        assert_eq!(
            msg("{.items[5]}"),
            "array index out of bounds: index 5, length 3"
        );
        // The largest index: `[n]` is `[n:n+1]`, and n+1 wraps as Go's int does (this
        // overflowed before).
        assert_eq!(
            msg("{.items[9223372036854775807]}"),
            "array index out of bounds: index 9223372036854775807, length 3"
        );
        assert_eq!(msg("{.s[0]}"), "string is not array or slice");
        assert_eq!(msg("{.items[0].n[0]}"), "int64 is not array or slice");
        assert_eq!(msg("{.items[2].f[0]}"), "float64 is not array or slice");
        assert_eq!(msg("{.items[::0]}"), "step must be > 0");
        assert_eq!(msg("{end}"), "not in range, nothing to end");
        assert_eq!(msg("{foo}"), "unrecognized identifier foo");
        assert_eq!(
            msg("{.s[?(@.x)]}"),
            "hi is not array or slice and cannot be filtered"
        );
    }

    /// Found by fuzzing: templates whose evaluation grows exponentially with their length
    /// (kubectl runs them until killed) stop with an error instead.
    #[test]
    fn runaway_templates_stop_with_an_error() {
        let msg = |t: &str, d: &Value| {
            JsonPath::parse(t)
                .unwrap()
                .work_limit(100_000)
                .execute(d, Model::Unstructured)
                .unwrap_err()
                .message()
                .to_string()
        };
        let steps = "template needs more than 100000 steps to evaluate";
        // Each unterminated `range` evaluates the rest twice.
        assert_eq!(msg(&"{range}".repeat(40), &doc()), steps);
        // Each `..` then filter multiplies the values by the document's depth.
        let mut deep = json!(1);
        for _ in 0..40 {
            deep = json!([deep]);
        }
        assert_eq!(msg(&format!("{{{}}}", "..[?(@)]".repeat(8)), &deep), steps);
        // Nesting is a recursion, so its depth is bounded too.
        let nested = format!("{}{}", "{range}".repeat(101), "{end}".repeat(101));
        assert_eq!(msg(&nested, &doc()), "range nested more than 100 deep");
        let fine = format!("{}{{.kind}}{}", "{range}".repeat(100), "{end}".repeat(100));
        assert_eq!(
            JsonPath::parse(&fine)
                .unwrap()
                .execute(&doc(), Model::Unstructured)
                .unwrap(),
            "List"
        );
    }

    #[test]
    fn debug_output_leaves_out_the_object() {
        let err = JsonPath::parse("{.nope}")
            .unwrap()
            .allow_missing_keys(false)
            .execute(&json!({"data": {"token": "c2VjcmV0"}}), Model::Unstructured)
            .unwrap_err();
        assert!(err.to_string().contains("c2VjcmV0"));
        assert!(!format!("{err:?}").contains("c2VjcmV0"));
    }

    #[test]
    fn parse_error_display() {
        let err = JsonPath::parse("{.a").unwrap_err();
        assert_eq!(
            err.to_string(),
            "error parsing jsonpath {.a, unclosed action"
        );
    }

    #[test]
    fn json_output_wraps_each_action() {
        let d = doc();
        let out = JsonPath::parse("{.items[*].n}x")
            .unwrap()
            .json_output(true)
            .execute(&d, Model::Unstructured)
            .unwrap();
        assert_eq!(out, "[\n    1,\n    5,\n    3\n]\n[\n    \"x\"\n]\n");
    }
}
