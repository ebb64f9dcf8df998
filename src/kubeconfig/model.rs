//! The serde model of a kubeconfig file (`kind: Config`, `apiVersion: v1`).
//!
//! Field names and "omit when empty" rules follow client-go's
//! `tools/clientcmd/api/v1/types.go`, so that serializing a [`Config`] gives the
//! same fields kubectl writes. Fields rawkube does not model (exec plugins,
//! impersonation, anything newer) land in each struct's `other` map and are
//! written back untouched: editing one entry never loses the rest of a file.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_yaml::Value;

/// Unknown fields of a struct, kept verbatim for round-tripping.
pub type Unknown = BTreeMap<String, Value>;

/// One kubeconfig document. Fields are in client-go's struct order, which is
/// the key order of `kubectl config view -o json`; YAML output sorts keys anyway.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
pub struct Config {
    /// `kind`; kubectl always writes `Config`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub kind: String,
    /// `apiVersion`; kubectl always writes `v1`.
    #[serde(
        rename = "apiVersion",
        default,
        skip_serializing_if = "String::is_empty"
    )]
    pub api_version: String,
    /// `preferences`; written as `{}` when empty, as kubectl 1.32 does.
    #[serde(default, deserialize_with = "null_as_default")]
    pub preferences: Preferences,
    /// `clusters`; written as `null` when empty.
    #[serde(
        default,
        deserialize_with = "null_as_default",
        serialize_with = "empty_as_null"
    )]
    pub clusters: Vec<NamedCluster>,
    /// `users` (client-go calls them AuthInfos); written as `null` when empty.
    #[serde(
        default,
        deserialize_with = "null_as_default",
        serialize_with = "empty_as_null"
    )]
    pub users: Vec<NamedUser>,
    /// `contexts`; written as `null` when empty.
    #[serde(
        default,
        deserialize_with = "null_as_default",
        serialize_with = "empty_as_null"
    )]
    pub contexts: Vec<NamedContext>,
    /// `current-context`; always written, `""` when unset.
    #[serde(
        rename = "current-context",
        default,
        deserialize_with = "null_as_default"
    )]
    pub current_context: String,
    /// `extensions`; omitted when empty.
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub extensions: Vec<NamedExtension>,
    /// Fields rawkube does not know, preserved.
    #[serde(flatten)]
    pub other: Unknown,
}

/// `preferences`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
pub struct Preferences {
    /// `colors`; omitted when false.
    #[serde(
        default,
        deserialize_with = "yaml11_bool",
        skip_serializing_if = "is_false"
    )]
    pub colors: bool,
    /// `extensions`; omitted when empty.
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub extensions: Vec<NamedExtension>,
    /// Fields rawkube does not know, preserved.
    #[serde(flatten)]
    pub other: Unknown,
}

impl Preferences {
    /// True when nothing would be written but `{}`.
    pub fn is_empty(&self) -> bool {
        !self.colors && self.extensions.is_empty() && self.other.is_empty()
    }
}

/// A `clusters[]` entry.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
pub struct NamedCluster {
    /// Entry name, referenced by contexts.
    #[serde(default)]
    pub name: String,
    /// The cluster settings.
    #[serde(default, deserialize_with = "null_as_default")]
    pub cluster: Cluster,
    /// Fields rawkube does not know, preserved.
    #[serde(flatten)]
    pub other: Unknown,
}

/// How to reach one API server.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
pub struct Cluster {
    /// `server`: always written, even when empty (client-go has no omitempty on it).
    #[serde(default, deserialize_with = "null_as_default")]
    pub server: String,
    /// `tls-server-name`.
    #[serde(rename = "tls-server-name", default, skip_serializing_if = "empty_opt")]
    pub tls_server_name: Option<String>,
    /// `insecure-skip-tls-verify`; omitted when false.
    #[serde(
        rename = "insecure-skip-tls-verify",
        default,
        deserialize_with = "yaml11_bool",
        skip_serializing_if = "is_false"
    )]
    pub insecure_skip_tls_verify: bool,
    /// `certificate-authority`: a path, relative to the kubeconfig's directory when not absolute.
    #[serde(
        rename = "certificate-authority",
        default,
        skip_serializing_if = "empty_opt"
    )]
    pub certificate_authority: Option<String>,
    /// `certificate-authority-data`: base64 of a PEM bundle, kept as written.
    #[serde(
        rename = "certificate-authority-data",
        default,
        skip_serializing_if = "empty_opt"
    )]
    pub certificate_authority_data: Option<String>,
    /// `proxy-url`.
    #[serde(rename = "proxy-url", default, skip_serializing_if = "empty_opt")]
    pub proxy_url: Option<String>,
    /// `extensions`; omitted when empty.
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub extensions: Vec<NamedExtension>,
    /// Fields rawkube does not know (e.g. `disable-compression`), preserved.
    #[serde(flatten)]
    pub other: Unknown,
}

/// A `users[]` entry.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
pub struct NamedUser {
    /// Entry name, referenced by contexts.
    #[serde(default)]
    pub name: String,
    /// The credentials.
    #[serde(default, deserialize_with = "null_as_default")]
    pub user: User,
    /// Fields rawkube does not know, preserved.
    #[serde(flatten)]
    pub other: Unknown,
}

/// Credentials (client-go's `AuthInfo`). Every field is omitted when empty.
#[derive(Clone, Default, PartialEq, Deserialize, Serialize)]
pub struct User {
    /// `client-certificate`: path to a PEM certificate.
    #[serde(
        rename = "client-certificate",
        default,
        skip_serializing_if = "empty_opt"
    )]
    pub client_certificate: Option<String>,
    /// `client-certificate-data`: base64 PEM, kept as written.
    #[serde(
        rename = "client-certificate-data",
        default,
        skip_serializing_if = "empty_opt"
    )]
    pub client_certificate_data: Option<String>,
    /// `client-key`: path to a PEM private key.
    #[serde(rename = "client-key", default, skip_serializing_if = "empty_opt")]
    pub client_key: Option<String>,
    /// `client-key-data`: base64 PEM private key (secret).
    #[serde(rename = "client-key-data", default, skip_serializing_if = "empty_opt")]
    pub client_key_data: Option<String>,
    /// `token`: a bearer token (secret).
    #[serde(default, skip_serializing_if = "empty_opt")]
    pub token: Option<String>,
    /// `tokenFile`: a file holding the bearer token (client-go's only camelCase key).
    #[serde(rename = "tokenFile", default, skip_serializing_if = "empty_opt")]
    pub token_file: Option<String>,
    /// `username` for basic auth.
    #[serde(default, skip_serializing_if = "empty_opt")]
    pub username: Option<String>,
    /// `password` for basic auth (secret).
    #[serde(default, skip_serializing_if = "empty_opt")]
    pub password: Option<String>,
    /// `extensions`; omitted when empty.
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub extensions: Vec<NamedExtension>,
    /// Fields rawkube does not model (`exec`, `auth-provider`, `as`, ...), preserved.
    #[serde(flatten)]
    pub other: Unknown,
}

/// Tokens, keys and passwords are never printed; unknown fields (which may hold
/// exec plugin secrets) are listed by name only.
impl fmt::Debug for User {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let redact = |v: &Option<String>| v.as_ref().map(|_| "<redacted>");
        f.debug_struct("User")
            .field("client_certificate", &self.client_certificate)
            .field(
                "client_certificate_data",
                &self
                    .client_certificate_data
                    .as_ref()
                    .map(|d| format!("<{} base64 chars>", d.len())),
            )
            .field("client_key", &self.client_key)
            .field("client_key_data", &redact(&self.client_key_data))
            .field("token", &redact(&self.token))
            .field("token_file", &self.token_file)
            .field("username", &self.username)
            .field("password", &redact(&self.password))
            .field("extensions", &self.extensions.len())
            .field("other", &self.other.keys().collect::<Vec<_>>())
            .finish()
    }
}

/// A `contexts[]` entry.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
pub struct NamedContext {
    /// Entry name, selected by `current-context` or `--context`.
    #[serde(default)]
    pub name: String,
    /// The context settings.
    #[serde(default, deserialize_with = "null_as_default")]
    pub context: Context,
    /// Fields rawkube does not know, preserved.
    #[serde(flatten)]
    pub other: Unknown,
}

/// A (cluster, user, namespace) triple.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
pub struct Context {
    /// `cluster`: name of a `clusters[]` entry; always written.
    #[serde(default, deserialize_with = "null_as_default")]
    pub cluster: String,
    /// `user`: name of a `users[]` entry; always written.
    #[serde(default, deserialize_with = "null_as_default")]
    pub user: String,
    /// `namespace`; omitted when empty.
    #[serde(default, skip_serializing_if = "empty_opt")]
    pub namespace: Option<String>,
    /// `extensions`; omitted when empty.
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub extensions: Vec<NamedExtension>,
    /// Fields rawkube does not know, preserved.
    #[serde(flatten)]
    pub other: Unknown,
}

/// An `extensions[]` entry: an opaque object some other tool stored.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
pub struct NamedExtension {
    /// Extension name.
    #[serde(default)]
    pub name: String,
    /// The extension object, kept verbatim.
    #[serde(default)]
    pub extension: Value,
    /// Fields rawkube does not know, preserved.
    #[serde(flatten)]
    pub other: Unknown,
}

impl Config {
    /// The cluster entry called `name`.
    pub fn cluster(&self, name: &str) -> Option<&NamedCluster> {
        self.clusters.iter().find(|c| c.name == name)
    }
    /// The user entry called `name`.
    pub fn user(&self, name: &str) -> Option<&NamedUser> {
        self.users.iter().find(|u| u.name == name)
    }
    /// The context entry called `name`.
    pub fn context(&self, name: &str) -> Option<&NamedContext> {
        self.contexts.iter().find(|c| c.name == name)
    }
}

/// Lists and maps may be written as `null` (kubectl writes `contexts: null`).
fn null_as_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// kubectl parses YAML 1.1, where `yes`/`on`/`y` are booleans; serde_yaml
/// (YAML 1.2) reads them as strings, so accept those spellings explicitly.
pub(crate) fn yaml11_bool<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    struct Yaml11Bool;
    impl<'de> serde::de::Visitor<'de> for Yaml11Bool {
        type Value = bool;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a boolean (true/false, yes/no, on/off)")
        }
        fn visit_bool<E: serde::de::Error>(self, b: bool) -> Result<bool, E> {
            Ok(b)
        }
        fn visit_str<E: serde::de::Error>(self, t: &str) -> Result<bool, E> {
            match t {
                "y" | "Y" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" | "true" | "True"
                | "TRUE" => Ok(true),
                "n" | "N" | "no" | "No" | "NO" | "off" | "Off" | "OFF" | "false" | "False"
                | "FALSE" => Ok(false),
                _ => Err(E::invalid_value(serde::de::Unexpected::Str(t), &self)),
            }
        }
        fn visit_unit<E: serde::de::Error>(self) -> Result<bool, E> {
            Ok(false)
        }
        fn visit_none<E: serde::de::Error>(self) -> Result<bool, E> {
            Ok(false)
        }
        fn visit_some<D2: Deserializer<'de>>(self, d: D2) -> Result<bool, D2::Error> {
            d.deserialize_any(Yaml11Bool)
        }
    }
    d.deserialize_any(Yaml11Bool)
}

/// client-go's entry lists have no `omitempty`, so an empty list is `null`.
fn empty_as_null<S: Serializer, T: Serialize>(v: &[T], s: S) -> Result<S::Ok, S::Error> {
    if v.is_empty() {
        s.serialize_none()
    } else {
        v.serialize(s)
    }
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// client-go's string fields are `omitempty`: an empty string is not written.
fn empty_opt(v: &Option<String>) -> bool {
    v.as_deref().is_none_or(str::is_empty)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn null_lists_and_missing_fields_parse_as_empty() {
        let c: Config = serde_yaml::from_str(
            "apiVersion: v1\nkind: Config\nclusters: null\nusers: null\ncontexts: null\npreferences: null\n",
        )
        .unwrap();
        assert!(c.clusters.is_empty() && c.users.is_empty() && c.contexts.is_empty());
        assert_eq!(c.current_context, "");
    }

    #[test]
    fn unknown_fields_are_kept_at_every_level() {
        let text = "apiVersion: v1\nkind: Config\nfancy-top: 1\nclusters:\n- name: c\n  note: hi\n  cluster:\n    server: https://127.0.0.1:1\n    disable-compression: true\nusers:\n- name: u\n  user:\n    exec:\n      command: get-token\n";
        let c: Config = serde_yaml::from_str(text).unwrap();
        assert_eq!(c.other["fancy-top"], Value::from(1));
        assert_eq!(c.clusters[0].other["note"], Value::from("hi"));
        assert_eq!(
            c.clusters[0].cluster.other["disable-compression"],
            Value::from(true)
        );
        assert!(c.users[0].user.other.contains_key("exec"));
        let back: Config = serde_yaml::from_value(serde_yaml::to_value(&c).unwrap()).unwrap();
        assert_eq!(back, c);
    }

    #[test]
    fn yaml_1_1_booleans_are_accepted_like_kubectl() {
        for (text, want) in [
            ("yes", true),
            ("on", true),
            ("true", true),
            ("no", false),
            ("Off", false),
        ] {
            let c: Cluster =
                serde_yaml::from_str(&format!("insecure-skip-tls-verify: {text}")).unwrap();
            assert_eq!(c.insecure_skip_tls_verify, want, "{text}");
        }
        let e = serde_yaml::from_str::<Cluster>("insecure-skip-tls-verify: maybe").unwrap_err();
        assert!(e.to_string().contains("a boolean (true/false"), "{e}");
    }

    #[test]
    fn user_debug_hides_secrets() {
        let u = User {
            token: Some("tok-SECRET".into()),
            client_key_data: Some("S0VZLVNFQ1JFVA==".into()),
            password: Some("pw-SECRET".into()),
            ..Default::default()
        };
        let s = format!("{u:?}");
        assert!(!s.contains("SECRET") && !s.contains("S0VZ"), "{s}");
        assert!(s.contains("<redacted>"));
    }
}
