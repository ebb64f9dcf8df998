//! YAML as kubectl writes it, byte for byte.
//!
//! kubectl writes both `-o yaml` and kubeconfig files with sigs.k8s.io/yaml: the object
//! goes to JSON, is read back into generic values and handed to go-yaml v2, whose emitter
//! is a port of libyaml. That fixes the layout: keys in go-yaml's "natural" order
//! ([`keys`]), sequences not indented under their key, 2-space indentation, `""` around
//! strings YAML 1.1 would read as something else ([`resolve`]), single quotes only where
//! libyaml refuses a plain scalar ([`scalar`]), literal blocks for multi-line strings, and
//! long lines folded after column 80 ([`emitter`]). `serde_yaml` differs on several of
//! these (`''` for empty strings, no folding), hence this module.
//!
//! [`json_to_yaml`] takes a JSON value through the whole pipeline (`-o yaml`);
//! [`marshal`] writes a YAML value as it stands (kubeconfig files, which may keep YAML that
//! has no JSON form).

use thiserror::Error;

mod emitter;
mod keys;
mod node;
mod resolve;
mod scalar;

/// A document go-yaml refuses; `Display` is kubectl's message (after `error: `).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum YamlError {
    /// A string holds a character YAML forbids (DEL, C1 controls other than NEL,
    /// U+FFFE/U+FFFF); Go's JSON encoder passes them through raw and go-yaml's reader
    /// rejects the document.
    #[error("yaml: control characters are not allowed")]
    ControlCharacters,
}

/// sigs.k8s.io/yaml's `JSONToYAML`: what `kubectl get -o yaml` prints for `value`.
pub(crate) fn json_to_yaml(value: &serde_json::Value) -> Result<String, YamlError> {
    Ok(emitter::emit(&node::from_json(value)?))
}

/// go-yaml's `Marshal` of a generic YAML value, as kubectl writes a kubeconfig file. NEL
/// folds as in [`json_to_yaml`]; unlike kubectl, which refuses to write control characters,
/// this writes them escaped, non-string keys in flow style and tags as `!tag value`, so
/// that whatever rawkube loaded it can write back.
pub(crate) fn marshal(value: &serde_yaml::Value) -> String {
    emitter::emit(&node::from_yaml(value))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    fn to_yaml(v: &Value) -> String {
        json_to_yaml(v).unwrap()
    }

    /// A YAML document (as a kubeconfig file holds it) through [`marshal`].
    fn emit(yaml: &str) -> String {
        marshal(&serde_yaml::from_str::<serde_yaml::Value>(yaml).unwrap())
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
                json_to_yaml(&json!({ "a": [bad] })),
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
    fn prefixed_integers_past_64_bits_are_quoted_so_they_read_back_as_strings() {
        // go-yaml would write these plain (to it they are strings), but yaml_serde reads a
        // plain one as an integer that serde_json cannot hold (found by fuzzing).
        for s in [
            "0o174444444444444444444444444444444",
            "0xFFFFFFFFFFFFFFFFFFFFFFFF",
            "-0b11111111111111111111111111111111111111111111111111111111111111111",
        ] {
            let yaml = to_yaml(&json!({ "k": s }));
            assert_eq!(yaml, format!("k: \"{s}\"\n"));
            let back: serde_json::Value = serde_yaml::from_str(&yaml).unwrap();
            assert_eq!(back, json!({ "k": s }));
        }
        // Within 64 bits they were quoted already (numbers to go-yaml as well).
        assert_eq!(to_yaml(&json!({"k": "0o17"})), "k: \"0o17\"\n");
        // Not a number: stays plain.
        assert_eq!(to_yaml(&json!({"k": "0o19"})), "k: 0o19\n");
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
        // Folding is reversible: YAML reads it back as the same text.
        let back: serde_yaml::Value = serde_yaml::from_str(&out).unwrap();
        assert_eq!(back["description"], serde_yaml::Value::from(words));
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
    fn indicators_force_single_quotes_and_controls_force_double() {
        assert_eq!(emit("k: '- x'"), "k: '- x'\n");
        assert_eq!(emit("k: 'a: b'"), "k: 'a: b'\n");
        assert_eq!(emit("k: '#x'"), "k: '#x'\n");
        assert_eq!(emit("k: \"it's \""), "k: 'it''s '\n");
        assert_eq!(emit("k: \"a\\tb\""), "k: \"a\\tb\"\n");
    }

    #[test]
    fn nested_sequences_and_empty_collections() {
        assert_eq!(
            emit("a: [[1, 2], {}, []]\nb: {c: {d: [x]}}"),
            "a:\n- - 1\n  - 2\n- {}\n- []\nb:\n  c:\n    d:\n    - x\n"
        );
    }

    #[test]
    fn complex_keys_round_trip_in_flow_style() {
        let v: serde_yaml::Value = serde_yaml::from_str("x:\n  ? [1, 'a, b']\n  : v\n").unwrap();
        let out = marshal(&v);
        assert_eq!(out, "x:\n  [1, \"a, b\"]: v\n");
        assert_eq!(serde_yaml::from_str::<serde_yaml::Value>(&out).unwrap(), v);
    }

    #[test]
    fn long_complex_keys_are_explicit_and_round_trip() {
        let key = format!("[1, \"{}\"]", "k".repeat(1100));
        let v: serde_yaml::Value = serde_yaml::from_str(&format!("? {key}\n: v\n")).unwrap();
        let out = marshal(&v);
        assert_eq!(out, format!("? {key}\n: v\n"));
        assert_eq!(serde_yaml::from_str::<serde_yaml::Value>(&out).unwrap(), v);
    }

    #[test]
    fn strings_in_flow_keys_escape_line_separators_and_controls() {
        let v: serde_yaml::Value =
            serde_yaml::from_str("? [\"a\\Lb\\Pc\\Nd\\x7Fe\\u00A0\"]\n: v\n").unwrap();
        let out = marshal(&v);
        assert_eq!(out, "[\"a\\Lb\\Pc\\Nd\\x7Fe\u{a0}\"]: v\n");
        assert_eq!(serde_yaml::from_str::<serde_yaml::Value>(&out).unwrap(), v);
    }

    #[test]
    fn tags_precede_their_value_and_round_trip() {
        // `!` (found by fuzzing) is the non-specific tag, written back as it was.
        // `%CE%BE` (also found by fuzzing) is read as the decoded text and escaped again.
        let text = "a: !t x\nb: !m\n  c: 1\nd: !s\n- 1\ne: ! x\nf: !%CE%BE%25%21x z\n";
        assert_eq!(emit(text), text);
        let v: serde_yaml::Value = serde_yaml::from_str(text).unwrap();
        assert_eq!(
            serde_yaml::from_str::<serde_yaml::Value>(&marshal(&v)).unwrap(),
            v
        );
    }

    #[test]
    fn yaml_values_print_as_after_kubectls_json_round_trip() {
        // Floats as Go's JSON then go-yaml write them; non-BMP text escaped like go-yaml v2.
        assert_eq!(
            emit("a: 2.0\nb: 1.0e+21\nc: 0.5\nd: .inf\ne: \"\\U0001F600\"\n"),
            "a: 2\nb: 1e+21\nc: 0.5\nd: .inf\ne: \"\\U0001F600\"\n"
        );
        // Identical to what the JSON path writes for the same document.
        assert_eq!(
            emit("a: 2.0\nb: '\u{1F600}'\n"),
            to_yaml(&json!({"a": 2.0, "b": "\u{1F600}"}))
        );
        // NEL folds as kubectl's JSON round trip folds it; control characters, which kubectl
        // refuses, are escaped so the file still reads back.
        assert_eq!(
            emit("a: \"x\\N\\Ny\"\nb: \"x\\Ny\"\n"),
            "a: |-\n  x\n  y\nb: x y\n"
        );
        assert_eq!(emit("a: \"x\\x7Fy\"\n"), "a: \"x\\x7Fy\"\n");
    }
}
