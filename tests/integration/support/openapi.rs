//! Strict validation of JSON bodies against `openapi-snippets/`, the pieces of the official
//! Kubernetes OpenAPI v3 documents that rawkube calls and mock-apiserver serves.
//!
//! Hand-written rather than the `jsonschema` crate, on purpose:
//! - these are OpenAPI 3.0 schemas, not a JSON Schema draft: `$ref`s point into
//!   `#/components/schemas`, `format: int-or-string` is Kubernetes' own, and `x-kubernetes-*` keys
//!   abound; the crate would need the documents rewritten into a draft-7 bundle first;
//! - strictness (an undeclared field is an error) would need `additionalProperties: false`
//!   injected into every object schema, and Go's "null means absent" rule for optional fields
//!   cannot be expressed without rewriting every property as `anyOf [X, null]`;
//! - its error paths name schema locations, while a reader wants the Kubernetes type
//!   (`io.k8s.api.rbac.v1.RoleRef`) next to the JSON pointer into the body;
//! - the subset used here (type, properties, required, additionalProperties, items, `$ref`,
//!   allOf, oneOf, enum, five formats) is small, and the crate brings regex engines and a
//!   reference resolver into a tree that is built on two shared cores.
//!
//! Keywords outside that subset make [`Spec::load`] fail, so a regenerated snippet with a new
//! constraint can never be ignored silently.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use base64::Engine as _;
use serde_json::{Map, Value};

/// The meta/v1 Status schema: the body of every 4xx/5xx answer of every group.
pub const STATUS_SCHEMA: &str = "io.k8s.apimachinery.pkg.apis.meta.v1.Status";

const SCHEMA_REF_PREFIX: &str = "#/components/schemas/";
const METHODS: [&str; 5] = ["get", "put", "post", "delete", "patch"];
/// Schema keys that carry no constraint on the value.
const ANNOTATION_KEYS: [&str; 4] = ["description", "default", "title", "example"];

/// Every schema and path item of the snippets, merged.
pub struct Spec {
    schemas: BTreeMap<String, Value>,
    paths: Vec<PathTemplate>,
}

struct PathTemplate {
    template: String,
    /// `None` is a `{parameter}` segment, which matches any one non-empty segment.
    segments: Vec<Option<String>>,
    item: Value,
}

/// The schema a body must match, and a label for it in error messages.
struct Target<'a> {
    schema: &'a Value,
    label: String,
}

impl Spec {
    /// Loads `openapi-snippets/*.json` of this repository. Panics with the reason if they cannot
    /// be read or use schema keywords this validator does not check (test-support code).
    pub fn load() -> Spec {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("openapi-snippets");
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
            .filter_map(|entry| entry.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|ext| ext == "json"))
            .collect();
        files.sort();
        assert!(!files.is_empty(), "no *.json in {}", dir.display());
        let docs = files
            .iter()
            .map(|path| {
                let text = std::fs::read_to_string(path)
                    .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
                let doc: Value = serde_json::from_str(&text)
                    .unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()));
                (path.display().to_string(), doc)
            })
            .collect();
        Spec::from_documents(docs).unwrap_or_else(|e| panic!("openapi-snippets: {e}"))
    }

    /// Builds a spec from OpenAPI documents given as (origin, document) pairs. A schema defined
    /// differently in two documents, a dangling `$ref` or an unsupported keyword is an error.
    pub fn from_documents(docs: Vec<(String, Value)>) -> Result<Spec, String> {
        let mut schemas = BTreeMap::new();
        let mut paths = Vec::new();
        for (origin, doc) in docs {
            let doc_schemas = doc
                .pointer("/components/schemas")
                .and_then(Value::as_object)
                .ok_or_else(|| format!("{origin}: no components.schemas object"))?;
            for (name, schema) in doc_schemas {
                match schemas.get(name) {
                    Some(existing) if existing != schema => {
                        return Err(format!(
                            "{origin}: schema {name} differs from an earlier document"
                        ));
                    }
                    _ => {
                        schemas.insert(name.clone(), schema.clone());
                    }
                }
            }
            let doc_paths = doc
                .get("paths")
                .and_then(Value::as_object)
                .ok_or_else(|| format!("{origin}: no paths object"))?;
            for (template, item) in doc_paths {
                if paths.iter().any(|p: &PathTemplate| &p.template == template) {
                    return Err(format!("{origin}: path {template} is defined twice"));
                }
                let segments = template
                    .split('/')
                    .map(|s| (!(s.starts_with('{') && s.ends_with('}'))).then(|| s.to_string()))
                    .collect();
                paths.push(PathTemplate {
                    template: template.clone(),
                    segments,
                    item: item.clone(),
                });
            }
        }
        let spec = Spec { schemas, paths };
        spec.lint()?;
        Ok(spec)
    }

    /// Validates `value` against the named component schema
    /// (e.g. `io.k8s.api.core.v1.ServiceAccount`). Errors are `"<JSON pointer>: <problem> (schema <name>)"`.
    pub fn validate(&self, schema_name: &str, value: &Value) -> Result<(), Vec<String>> {
        let schema = self
            .schemas
            .get(schema_name)
            .ok_or_else(|| vec![format!("no schema named {schema_name} in openapi-snippets")])?;
        self.run(schema, schema_name, value)
    }

    /// Validates a request body sent as `METHOD concrete_path` (a query string is ignored) against
    /// the operation's `requestBody` schema. A JSON Patch (RFC 6902) array sent with PATCH is checked
    /// as one, because the published `Patch` schema (`type: object`) describes only the merge-patch form.
    pub fn validate_request_body(
        &self,
        method: &str,
        concrete_path: &str,
        body: &Value,
    ) -> Result<(), Vec<String>> {
        let (template, op) = self.operation(method, concrete_path).map_err(|e| vec![e])?;
        if method.eq_ignore_ascii_case("patch") && body.is_array() {
            return check_json_patch(body);
        }
        let target = content_schema(op.get("requestBody"))
            .map(|schema| Target {
                schema,
                label: format!("{} {template} request body", method.to_uppercase()),
            })
            .ok_or_else(|| {
                vec![format!(
                    "{} {template} takes no request body",
                    method.to_uppercase()
                )]
            })?;
        self.run(target.schema, &target.label, body)
    }

    /// Validates a response body of `METHOD concrete_path` with HTTP `status`: the schema listed for
    /// that status; else, for 4xx/5xx, meta/v1 Status (the published documents give errors no body);
    /// else the `default` response; else, for another 2xx, the 200 response.
    pub fn validate_response(
        &self,
        method: &str,
        concrete_path: &str,
        status: u16,
        body: &Value,
    ) -> Result<(), Vec<String>> {
        if body.get("kind") == Some(&Value::from("Table"))
            && body.get("apiVersion") == Some(&Value::from("meta.k8s.io/v1"))
        {
            return Err(vec![
                "meta.k8s.io/v1 Table (the as=Table form) has no schema in the published Kubernetes OpenAPI; it cannot be validated here".into(),
            ]);
        }
        let target = self
            .response_target(method, concrete_path, status)
            .map_err(|e| vec![e])?;
        self.run(target.schema, &target.label, body)
    }

    /// The name of the schema [`Spec::validate_response`] checks a body against, or why there is none.
    pub fn response_schema_name(
        &self,
        method: &str,
        concrete_path: &str,
        status: u16,
    ) -> Result<String, String> {
        let target = self.response_target(method, concrete_path, status)?;
        Ok(ref_name(target.schema).unwrap_or(&target.label).to_string())
    }

    /// The path template that `concrete_path` resolves to, or why none does.
    pub fn path_template(&self, concrete_path: &str) -> Result<&str, String> {
        let path = concrete_path.split('?').next().unwrap_or_default();
        let concrete: Vec<&str> = path.split('/').collect();
        self.paths
            .iter()
            .filter(|t| {
                t.segments.len() == concrete.len()
                    && t.segments.iter().zip(&concrete).all(|(seg, c)| match seg {
                        Some(lit) => lit == c,
                        None => !c.is_empty(),
                    })
            })
            // The most literal segments wins, so `/x/{name}` never shadows a fixed `/x/y`.
            .max_by_key(|t| t.segments.iter().filter(|s| s.is_some()).count())
            .map(|t| t.template.as_str())
            .ok_or_else(|| format!("no path in openapi-snippets matches {path}"))
    }

    fn operation(&self, method: &str, concrete_path: &str) -> Result<(&str, &Value), String> {
        let template = self.path_template(concrete_path)?;
        let item = &self
            .paths
            .iter()
            .find(|t| t.template == template)
            .expect("template exists")
            .item;
        let op = item.get(method.to_ascii_lowercase()).ok_or_else(|| {
            let allowed: Vec<_> = METHODS
                .iter()
                .filter(|m| item.get(**m).is_some())
                .map(|m| m.to_uppercase())
                .collect();
            format!(
                "{template} has no {} operation (it has {})",
                method.to_uppercase(),
                allowed.join(", ")
            )
        })?;
        Ok((template, op))
    }

    fn response_target(
        &self,
        method: &str,
        concrete_path: &str,
        status: u16,
    ) -> Result<Target<'_>, String> {
        let (template, op) = self.operation(method, concrete_path)?;
        let label = format!("{} {template} {status} response", method.to_uppercase());
        let responses = op.get("responses");
        let listed = |code: &str| content_schema(responses.and_then(|r| r.get(code)));
        if let Some(schema) = listed(&status.to_string()) {
            return Ok(Target { schema, label });
        }
        if status >= 400
            && let Some(schema) = self.schemas.get(STATUS_SCHEMA)
        {
            return Ok(Target {
                schema,
                label: STATUS_SCHEMA.to_string(),
            });
        }
        let schema = listed("default")
            .or_else(|| {
                (200..300)
                    .contains(&status)
                    .then(|| listed("200"))
                    .flatten()
            })
            .ok_or_else(|| {
                format!(
                    "{} {template} lists no response body for status {status}",
                    method.to_uppercase()
                )
            })?;
        Ok(Target { schema, label })
    }

    fn run(&self, schema: &Value, label: &str, value: &Value) -> Result<(), Vec<String>> {
        let mut errors = Vec::new();
        self.check(schema, value, "", label, &mut errors);
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    /// Checks `value` (found at JSON pointer `ptr`) against `schema`; `name` is the innermost named
    /// schema, for messages.
    fn check(
        &self,
        schema: &Value,
        value: &Value,
        ptr: &str,
        name: &str,
        errors: &mut Vec<String>,
    ) {
        if let Some(target) = ref_name(schema) {
            // OpenAPI 3.0: keys beside a $ref are ignored (Kubernetes wraps refs in allOf for that).
            match self.schemas.get(target) {
                Some(resolved) => self.check(resolved, value, ptr, target, errors),
                None => push(
                    errors,
                    ptr,
                    name,
                    format!("$ref to unknown schema {target}"),
                ),
            }
            return;
        }
        if let Some(Value::Array(enumerated)) = schema.get("enum")
            && !enumerated.contains(value)
        {
            push(
                errors,
                ptr,
                name,
                format!("{value} is not one of {}", Value::Array(enumerated.clone())),
            );
        }
        if let Some(ty) = schema.get("type").and_then(Value::as_str)
            && !type_matches(ty, value)
        {
            push(
                errors,
                ptr,
                name,
                format!("expected {ty}, found {}", kind_of(value)),
            );
            return;
        }
        if let Some(format) = schema.get("format").and_then(Value::as_str)
            && let Some(problem) = format_problem(format, value)
        {
            push(errors, ptr, name, problem);
        }
        for sub in schema
            .get("allOf")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            self.check(sub, value, ptr, name, errors);
        }
        if let Some(branches) = schema.get("oneOf").and_then(Value::as_array) {
            let passing = branches
                .iter()
                .filter(|b| {
                    let mut scratch = Vec::new();
                    self.check(b, value, ptr, name, &mut scratch);
                    scratch.is_empty()
                })
                .count();
            if passing != 1 {
                let msg = format!(
                    "{} matches {passing} of the {} oneOf alternatives, not exactly one",
                    kind_of(value),
                    branches.len()
                );
                push(errors, ptr, name, msg);
            }
        }
        match value {
            Value::Object(map) => self.check_object(schema, map, ptr, name, errors),
            Value::Array(items) => {
                if let Some(item_schema) = schema.get("items") {
                    for (i, item) in items.iter().enumerate() {
                        self.check(item_schema, item, &format!("{ptr}/{i}"), name, errors);
                    }
                }
            }
            _ => {}
        }
    }

    fn check_object(
        &self,
        schema: &Value,
        map: &Map<String, Value>,
        ptr: &str,
        name: &str,
        errors: &mut Vec<String>,
    ) {
        let properties = schema.get("properties").and_then(Value::as_object);
        let additional = schema.get("additionalProperties");
        let required: Vec<&str> = schema
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        for field in &required {
            // Go's decoder treats `null` as "leave the zero value", so null counts as missing.
            if map.get(*field).is_none_or(Value::is_null) {
                push(
                    errors,
                    ptr,
                    name,
                    format!("missing required field \"{field}\""),
                );
            }
        }
        for (key, value) in map {
            let child = format!("{ptr}/{}", key.replace('~', "~0").replace('/', "~1"));
            match (properties.and_then(|p| p.get(key)), additional) {
                // An optional field sent as null is absent to the server; a required one was reported above.
                (Some(_), _) if value.is_null() => {}
                (Some(prop), _) => self.check(prop, value, &child, name, errors),
                (None, Some(Value::Bool(true))) => {}
                (None, Some(extra @ Value::Object(_))) => {
                    self.check(extra, value, &child, name, errors)
                }
                // No properties and no additionalProperties: a free-form object (FieldsV1, RawExtension, Patch).
                (None, None) if properties.is_none() => {}
                (None, _) => {
                    let known: Vec<&str> = properties
                        .into_iter()
                        .flat_map(|p| p.keys())
                        .map(String::as_str)
                        .collect();
                    errors.push(format!(
                        "{}: unknown field \"{key}\" (schema {name}; declared fields: {})",
                        display_ptr(&child),
                        known.join(", ")
                    ));
                }
            }
        }
    }

    /// Refuses schema keywords and formats this validator does not enforce, and dangling refs.
    fn lint(&self) -> Result<(), String> {
        let mut problems = Vec::new();
        for (name, schema) in &self.schemas {
            self.lint_schema(schema, name, &mut problems);
        }
        for template in &self.paths {
            for method in METHODS {
                let Some(op) = template.item.get(method) else {
                    continue;
                };
                let bodies = std::iter::once(op.get("requestBody")).chain(
                    op.get("responses")
                        .and_then(Value::as_object)
                        .into_iter()
                        .flatten()
                        .map(|(_, r)| Some(r)),
                );
                for body in bodies {
                    if let Some(schema) = content_schema(body) {
                        self.lint_schema(
                            schema,
                            &format!("{} {}", method.to_uppercase(), template.template),
                            &mut problems,
                        );
                    }
                }
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems.join("; "))
        }
    }

    fn lint_schema(&self, schema: &Value, name: &str, problems: &mut Vec<String>) {
        let Some(obj) = schema.as_object() else {
            problems.push(format!("{name}: a schema must be an object"));
            return;
        };
        for (key, sub) in obj {
            match key.as_str() {
                "$ref" => {
                    if ref_name(schema).is_none_or(|target| !self.schemas.contains_key(target)) {
                        problems.push(format!("{name}: unresolvable $ref {sub}"));
                    }
                }
                "type" => {
                    if !matches!(
                        sub.as_str(),
                        Some("object" | "array" | "string" | "integer" | "number" | "boolean")
                    ) {
                        problems.push(format!("{name}: unsupported type {sub}"));
                    }
                }
                "format" => {
                    if !matches!(
                        sub.as_str(),
                        Some("int32" | "int64" | "date-time" | "byte" | "int-or-string")
                    ) {
                        problems.push(format!("{name}: unsupported format {sub}"));
                    }
                }
                "properties" => {
                    for (field, prop) in sub.as_object().into_iter().flatten() {
                        self.lint_schema(prop, &format!("{name}.{field}"), problems);
                    }
                }
                "items" => self.lint_schema(sub, &format!("{name}[]"), problems),
                "additionalProperties" if sub.is_boolean() => {}
                "additionalProperties" => self.lint_schema(sub, &format!("{name}{{}}"), problems),
                "allOf" | "oneOf" => {
                    for branch in sub.as_array().into_iter().flatten() {
                        self.lint_schema(branch, name, problems);
                    }
                }
                "required" | "enum" => {}
                k if k.starts_with("x-") || ANNOTATION_KEYS.contains(&k) => {}
                other => problems.push(format!("{name}: unsupported schema keyword \"{other}\"")),
            }
        }
    }
}

/// The schema of a request body or response: JSON's, else the wildcard's, else any listed.
fn content_schema(body: Option<&Value>) -> Option<&Value> {
    let content = body?.get("content")?.as_object()?;
    ["application/json", "*/*"]
        .iter()
        .find_map(|media| content.get(*media))
        .or_else(|| content.values().next())?
        .get("schema")
}

fn ref_name(schema: &Value) -> Option<&str> {
    schema
        .get("$ref")?
        .as_str()?
        .strip_prefix(SCHEMA_REF_PREFIX)
}

fn push(errors: &mut Vec<String>, ptr: &str, name: &str, problem: String) {
    errors.push(format!("{}: {problem} (schema {name})", display_ptr(ptr)));
}

fn display_ptr(ptr: &str) -> &str {
    if ptr.is_empty() { "<root>" } else { ptr }
}

fn type_matches(ty: &str, value: &Value) -> bool {
    match ty {
        "object" => value.is_object(),
        "array" => value.is_array(),
        "string" => value.is_string(),
        // Go refuses 1.0 for an int field ("cannot unmarshal number 1.0"), so only integral JSON.
        "integer" => value.is_i64() || value.is_u64(),
        "number" => value.is_number(),
        "boolean" => value.is_boolean(),
        _ => false,
    }
}

fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn format_problem(format: &str, value: &Value) -> Option<String> {
    match (format, value) {
        ("int32", Value::Number(n)) if n.as_i64().is_none_or(|i| i32::try_from(i).is_err()) => {
            Some(format!("{n} does not fit in int32"))
        }
        ("int64", Value::Number(n)) if n.is_u64() && n.as_i64().is_none() => {
            Some(format!("{n} does not fit in int64"))
        }
        ("date-time", Value::String(s)) if !is_rfc3339(s) => {
            Some(format!("\"{s}\" is not an RFC 3339 date-time"))
        }
        ("byte", Value::String(s))
            if base64::engine::general_purpose::STANDARD.decode(s).is_err() =>
        {
            Some(format!(
                "\"{s}\" is not standard padded base64 (format byte)"
            ))
        }
        ("int-or-string", v) if !(v.is_string() || v.is_i64() || v.is_u64()) => Some(format!(
            "expected an integer or a string (int-or-string), found {}",
            kind_of(v)
        )),
        _ => None,
    }
}

/// RFC 3339 `date-time` as Go's `time.RFC3339` parses it: `2026-11-28T13:37:25Z`, optional
/// fraction, `Z` or a `±hh:mm` offset.
fn is_rfc3339(s: &str) -> bool {
    let b = s.as_bytes();
    let num = |range: std::ops::Range<usize>| -> Option<u32> {
        let digits = b.get(range)?;
        digits
            .iter()
            .all(u8::is_ascii_digit)
            .then(|| digits.iter().fold(0, |n, d| n * 10 + u32::from(d - b'0')))
    };
    let at = |i: usize, c: u8| b.get(i) == Some(&c);
    let (Some(year), Some(month), Some(day), Some(hour), Some(min), Some(sec)) = (
        num(0..4),
        num(5..7),
        num(8..10),
        num(11..13),
        num(14..16),
        num(17..19),
    ) else {
        return false;
    };
    if !(at(4, b'-') && at(7, b'-') && at(10, b'T') && at(13, b':') && at(16, b':')) {
        return false;
    }
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days_in_month = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    if day == 0 || day > days_in_month || hour > 23 || min > 59 || sec > 60 {
        return false;
    }
    let mut i = 19;
    if at(i, b'.') {
        let start = i + 1;
        i = start;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i == start {
            return false;
        }
    }
    match b.get(i) {
        Some(b'Z') => i + 1 == b.len(),
        Some(b'+' | b'-') => {
            i + 6 == b.len()
                && at(i + 3, b':')
                && num(i + 1..i + 3).is_some_and(|h| h <= 23)
                && num(i + 4..i + 6).is_some_and(|m| m <= 59)
        }
        _ => false,
    }
}

/// RFC 6902: each operation is `{op, path}` plus `value` (add, replace, test) or `from` (move, copy).
fn check_json_patch(body: &Value) -> Result<(), Vec<String>> {
    let mut errors = Vec::new();
    for (i, op) in body.as_array().into_iter().flatten().enumerate() {
        let ptr = format!("/{i}");
        let Some(fields) = op.as_object() else {
            errors.push(format!(
                "{ptr}: a JSON Patch operation must be an object (RFC 6902)"
            ));
            continue;
        };
        let needs = match fields.get("op").and_then(Value::as_str) {
            Some("add" | "replace" | "test") => "value",
            Some("move" | "copy") => "from",
            Some("remove") => "",
            other => {
                errors.push(format!("{ptr}/op: {other:?} is not an RFC 6902 operation"));
                continue;
            }
        };
        if !fields.get("path").is_some_and(Value::is_string) {
            errors.push(format!("{ptr}: missing string \"path\" (RFC 6902)"));
        }
        if !needs.is_empty() && !fields.contains_key(needs) {
            errors.push(format!("{ptr}: missing \"{needs}\" (RFC 6902)"));
        }
        let allowed: BTreeSet<&str> = ["op", "path", needs]
            .into_iter()
            .filter(|k| !k.is_empty())
            .collect();
        for key in fields.keys().filter(|k| !allowed.contains(k.as_str())) {
            errors.push(format!(
                "{ptr}/{key}: unknown field in a JSON Patch operation (RFC 6902)"
            ));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}
