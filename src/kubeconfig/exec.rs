//! `users[].user.exec`: an exec credential plugin, as client-go's clientcmd reads it.
//!
//! The model keeps `exec` as written (so edits write it back untouched); this module reads
//! it the way kubectl does:
//!
//! * [`ExecStanza::parse`] decodes it with kubectl's defaulting: a `v1beta1` (or
//!   `v1alpha1`) plugin without `interactiveMode` gets `IfAvailable`; `v1` must say it.
//! * [`ExecStanza::plugin`] validates it with clientcmd's messages (`command must be
//!   specified for USER to use exec authentication plugin`, ...) and client-go's accepted
//!   API versions, resolves a command containing `/` against the kubeconfig's directory
//!   (kubectl's `ResolveLocalPaths`) and strips ANSI escapes from `installHint`.
//! * [`ExecStanza::to_kubectl_json`] is what `kubectl config view` prints for it: every
//!   field of client-go's `ExecConfig`, `args: null`, `env: null` and
//!   `provideClusterInfo: false` included, unknown fields dropped.

use serde::Deserialize;
use serde_json::{Map, Value as Json, json};
use serde_yaml::Value;

use super::error::KubeconfigError;
use super::load::KubeconfigFile;
use super::resolve::resolve_path;
use crate::config::{ExecPlugin, InteractiveMode};

/// The API versions client-go's exec authenticator accepts.
pub const EXEC_API_VERSIONS: [&str; 2] = [
    "client.authentication.k8s.io/v1beta1",
    "client.authentication.k8s.io/v1",
];

/// The cluster extension whose value a plugin receives as `spec.cluster.config`.
pub const EXEC_CLUSTER_EXTENSION: &str = "client.authentication.k8s.io/exec";

/// An `exec` stanza, decoded as kubectl decodes it (unknown fields ignored).
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
pub struct ExecStanza {
    /// `command`.
    #[serde(default)]
    pub command: Option<String>,
    /// `args`: `None` when absent or `null` (kubectl prints `args: null`).
    #[serde(default)]
    pub args: Option<Vec<String>>,
    /// `env`: `None` when absent or `null`.
    #[serde(default)]
    pub env: Option<Vec<ExecEnvVar>>,
    /// `apiVersion`.
    #[serde(default, rename = "apiVersion")]
    pub api_version: Option<String>,
    /// `installHint`.
    #[serde(default, rename = "installHint")]
    pub install_hint: Option<String>,
    /// `provideClusterInfo`.
    #[serde(
        default,
        rename = "provideClusterInfo",
        deserialize_with = "yaml11_bool_opt"
    )]
    pub provide_cluster_info: Option<bool>,
    /// `interactiveMode`, after kubectl's defaulting.
    #[serde(default, rename = "interactiveMode")]
    pub interactive_mode: Option<String>,
}

/// One `env` entry.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct ExecEnvVar {
    /// `name`.
    #[serde(default)]
    pub name: Option<String>,
    /// `value`.
    #[serde(default)]
    pub value: Option<String>,
}

impl ExecStanza {
    /// Decodes `users[USER].user.exec` and applies kubectl's `interactiveMode` default.
    /// `Ok(None)` for `exec: null`.
    pub fn parse(
        file: &KubeconfigFile,
        user: &str,
        raw: &Value,
    ) -> Result<Option<Self>, KubeconfigError> {
        if raw.is_null() {
            return Ok(None);
        }
        let mut e: ExecStanza =
            serde_yaml::from_value(raw.clone()).map_err(|err| KubeconfigError::Invalid {
                file: file.path.clone(),
                field: format!("users[{user}].user.exec"),
                reason: err.to_string(),
            })?;
        let empty = e.interactive_mode.as_deref().is_none_or(str::is_empty);
        let legacy = matches!(
            e.api_version.as_deref(),
            Some("client.authentication.k8s.io/v1beta1" | "client.authentication.k8s.io/v1alpha1")
        );
        if empty && legacy {
            e.interactive_mode = Some("IfAvailable".into());
        }
        Ok(Some(e))
    }

    /// Validates the stanza as clientcmd and client-go do and gives the plugin to run.
    /// `auth_provider`: whether the user also has an `auth-provider` (not allowed).
    /// `cluster_config`: the cluster's [`EXEC_CLUSTER_EXTENSION`] extension, if any.
    pub fn plugin(
        &self,
        file: &KubeconfigFile,
        user: &str,
        auth_provider: bool,
        cluster_config: Option<Json>,
    ) -> Result<ExecPlugin, KubeconfigError> {
        let invalid = |reason: String| KubeconfigError::Invalid {
            file: file.path.clone(),
            field: format!("users[{user}].user.exec"),
            reason,
        };
        if auth_provider {
            return Err(invalid(format!(
                "authProvider cannot be provided in combination with an exec plugin for {user}"
            )));
        }
        let command = self.command.clone().unwrap_or_default();
        if command.is_empty() {
            return Err(invalid(format!(
                "command must be specified for {user} to use exec authentication plugin"
            )));
        }
        let api_version = self.api_version.clone().unwrap_or_default();
        if api_version.is_empty() {
            return Err(invalid(format!(
                "apiVersion must be specified for {user} to use exec authentication plugin"
            )));
        }
        let env = self.env.clone().unwrap_or_default();
        if env
            .iter()
            .any(|v| v.name.as_deref().is_none_or(str::is_empty))
        {
            return Err(invalid(format!(
                "env variable name must be specified for {user} to use exec authentication plugin"
            )));
        }
        let interactive_mode = match self.interactive_mode.as_deref().unwrap_or_default() {
            "" => {
                return Err(invalid(format!(
                    "interactiveMode must be specified for {user} to use exec authentication plugin"
                )));
            }
            "Never" => InteractiveMode::Never,
            "IfAvailable" => InteractiveMode::IfAvailable,
            "Always" => InteractiveMode::Always,
            other => {
                return Err(invalid(format!(
                    "invalid interactiveMode for {user}: {other:?}"
                )));
            }
        };
        if !EXEC_API_VERSIONS.contains(&api_version.as_str()) {
            return Err(invalid(format!(
                "exec plugin: invalid apiVersion {api_version:?} (rawkube, like kubectl, runs {} and {} plugins)",
                EXEC_API_VERSIONS[1], EXEC_API_VERSIONS[0]
            )));
        }
        // kubectl resolves a command with a path separator against the kubeconfig's
        // directory; a bare name is looked up in PATH when the plugin runs.
        let command = if command.contains('/') {
            resolve_path(file, &command).display().to_string()
        } else {
            command
        };
        Ok(ExecPlugin {
            command,
            args: self.args.clone().unwrap_or_default(),
            env: env
                .into_iter()
                .map(|v| (v.name.unwrap_or_default(), v.value.unwrap_or_default()))
                .collect(),
            api_version,
            install_hint: clean_ansi_escape_codes(self.install_hint.as_deref().unwrap_or("")),
            interactive_mode,
            provide_cluster_info: self.provide_cluster_info.unwrap_or(false),
            cluster_config,
        })
    }

    /// client-go's `v1.ExecConfig` as JSON, in its field order: what `kubectl config view`
    /// prints (`args` and `env` are `null` when unset, `provideClusterInfo` always shown).
    pub fn to_kubectl_json(&self) -> Json {
        let mut m = Map::new();
        m.insert(
            "command".into(),
            json!(self.command.clone().unwrap_or_default()),
        );
        m.insert("args".into(), json!(self.args));
        m.insert(
            "env".into(),
            match &self.env {
                None => Json::Null,
                Some(vars) => Json::Array(
                    vars.iter()
                        .map(|v| {
                            json!({
                                "name": v.name.clone().unwrap_or_default(),
                                "value": v.value.clone().unwrap_or_default(),
                            })
                        })
                        .collect(),
                ),
            },
        );
        for (key, v) in [
            ("apiVersion", &self.api_version),
            ("installHint", &self.install_hint),
        ] {
            if let Some(s) = v.as_deref().filter(|s| !s.is_empty()) {
                m.insert(key.into(), json!(s));
            }
        }
        m.insert(
            "provideClusterInfo".into(),
            json!(self.provide_cluster_info.unwrap_or(false)),
        );
        if let Some(s) = self.interactive_mode.as_deref().filter(|s| !s.is_empty()) {
            m.insert("interactiveMode".into(), json!(s));
        }
        Json::Object(m)
    }
}

/// `provideClusterInfo` accepts YAML 1.1 booleans (`yes`, `on`) as kubectl does.
fn yaml11_bool_opt<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    super::model::yaml11_bool(d).map(Some)
}

/// clientcmd's `cleanANSIEscapeCodes`: letters, marks, numbers, punctuation, symbols,
/// separators and `\t`..`\r` pass; anything else (ESC and other controls, format and
/// private-use characters) is written as `U+XXXX`, so a hint cannot drive the terminal.
pub fn clean_ansi_escape_codes(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        let space_control = ('\u{9}'..='\u{d}').contains(&c);
        let format_char = matches!(c,
            '\u{ad}' | '\u{600}'..='\u{605}' | '\u{61c}' | '\u{6dd}' | '\u{70f}'
            | '\u{180e}' | '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}'
            | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{206f}' | '\u{feff}'
            | '\u{fff9}'..='\u{fffb}' | '\u{e0001}' | '\u{e0020}'..='\u{e007f}');
        let private_use = matches!(c, '\u{e000}'..='\u{f8ff}' | '\u{f0000}'..);
        if (c.is_control() && !space_control) || format_char || private_use {
            out.push_str(&format!("U+{:04X}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn file() -> KubeconfigFile {
        KubeconfigFile {
            path: PathBuf::from("/etc/kube/config"),
            exists: true,
            documents: vec![],
        }
    }

    fn stanza(yaml: &str) -> ExecStanza {
        let v: Value = serde_yaml::from_str(yaml).unwrap();
        ExecStanza::parse(&file(), "u", &v).unwrap().unwrap()
    }

    fn error(yaml: &str) -> String {
        stanza(yaml)
            .plugin(&file(), "u", false, None)
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn v1beta1_defaults_interactive_mode_and_v1_must_say_it() {
        let e = stanza("{apiVersion: client.authentication.k8s.io/v1beta1, command: aws}");
        assert_eq!(e.interactive_mode.as_deref(), Some("IfAvailable"));
        let p = e.plugin(&file(), "u", false, None).unwrap();
        assert_eq!(p.interactive_mode, InteractiveMode::IfAvailable);
        assert_eq!(
            error("{apiVersion: client.authentication.k8s.io/v1, command: aws}"),
            "invalid users[u].user.exec in /etc/kube/config: interactiveMode must be specified for u to use exec authentication plugin"
        );
    }

    #[test]
    fn clientcmd_validation_messages() {
        let v1 = "apiVersion: client.authentication.k8s.io/v1, interactiveMode: Never";
        assert!(
            error(&format!("{{{v1}}}"))
                .ends_with(": command must be specified for u to use exec authentication plugin")
        );
        assert!(
            error("{command: x, interactiveMode: Never}").ends_with(
                ": apiVersion must be specified for u to use exec authentication plugin"
            )
        );
        assert!(
            error(&format!("{{{v1}, command: x, env: [{{value: v}}]}}")).ends_with(
                ": env variable name must be specified for u to use exec authentication plugin"
            )
        );
        assert!(
            error("{apiVersion: client.authentication.k8s.io/v1, command: x, interactiveMode: Sometimes}")
                .ends_with(": invalid interactiveMode for u: \"Sometimes\"")
        );
        assert!(
            error("{apiVersion: client.authentication.k8s.io/v1alpha1, command: x}").contains(
                "exec plugin: invalid apiVersion \"client.authentication.k8s.io/v1alpha1\""
            )
        );
        let e = stanza(&format!("{{{v1}, command: x}}"))
            .plugin(&file(), "u", true, None)
            .unwrap_err();
        assert!(
            e.to_string().ends_with(
                "authProvider cannot be provided in combination with an exec plugin for u"
            ),
            "{e}"
        );
    }

    #[test]
    fn relative_commands_resolve_against_the_kubeconfig_and_bare_names_stay() {
        let p = stanza("{apiVersion: client.authentication.k8s.io/v1beta1, command: bin/get-token, args: [a], env: [{name: A, value: b}], provideClusterInfo: yes}")
            .plugin(&file(), "u", false, Some(json!({"k": 1})))
            .unwrap();
        assert_eq!(p.command, "/etc/kube/bin/get-token");
        assert_eq!(p.args, ["a"]);
        assert_eq!(p.env, [("A".to_string(), "b".to_string())]);
        assert!(p.provide_cluster_info);
        assert_eq!(p.cluster_config, Some(json!({"k": 1})));
        let p = stanza("{apiVersion: client.authentication.k8s.io/v1beta1, command: aws}")
            .plugin(&file(), "u", false, None)
            .unwrap();
        assert_eq!(p.command, "aws");
    }

    #[test]
    fn kubectl_view_fills_in_defaults_in_struct_order() {
        let e = stanza(
            "{command: gke-gcloud-auth-plugin, apiVersion: client.authentication.k8s.io/v1beta1, installHint: hint, unknown: 1}",
        );
        assert_eq!(
            serde_json::to_string(&e.to_kubectl_json()).unwrap(),
            r#"{"command":"gke-gcloud-auth-plugin","args":null,"env":null,"apiVersion":"client.authentication.k8s.io/v1beta1","installHint":"hint","provideClusterInfo":false,"interactiveMode":"IfAvailable"}"#
        );
        let e = stanza(
            "{command: x, args: [], env: [{name: A}], apiVersion: client.authentication.k8s.io/v1}",
        );
        assert_eq!(
            serde_json::to_string(&e.to_kubectl_json()).unwrap(),
            r#"{"command":"x","args":[],"env":[{"name":"A","value":""}],"apiVersion":"client.authentication.k8s.io/v1","provideClusterInfo":false}"#
        );
    }

    #[test]
    fn escapes_in_install_hints_are_neutralised() {
        assert_eq!(
            clean_ansi_escape_codes("\u{1b}[1mbrew install x\u{1b}[0m\n\tok é ✓"),
            "U+001B[1mbrew install xU+001B[0m\n\tok é ✓"
        );
        assert_eq!(clean_ansi_escape_codes("a\u{200b}b\u{7}"), "aU+200BbU+0007");
    }
}
