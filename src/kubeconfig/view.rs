//! `kubectl config view`: the merged configuration, optionally minified to
//! one context, flattened (referenced files inlined) and, unless `--raw`,
//! with secrets replaced as kubectl does (`REDACTED`, `DATA+OMITTED`).

use base64::Engine;
use serde_json::{Map, Value as Json, json};

use super::error::KubeconfigError;
use super::load::Kubeconfig;
use super::model::Config;
use super::resolve::resolve_path;

/// `kubectl config view` flags.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ViewOptions {
    /// `--raw`: show tokens, keys and certificate data.
    pub raw: bool,
    /// `--minify`: only the current (or `--context`) context, its cluster and user.
    pub minify: bool,
    /// `--flatten`: inline referenced certificate and key files as `*-data` (implies raw).
    pub flatten: bool,
    /// `--context`: the context `--minify` keeps.
    pub context: Option<String>,
}

/// What kubectl prints instead of certificate and key data.
pub const DATA_OMITTED: &str = "DATA+OMITTED";
/// What kubectl prints instead of a token.
pub const REDACTED: &str = "REDACTED";

impl Kubeconfig {
    /// The configuration `kubectl config view` prints; render it with [`to_yaml`] or
    /// [`to_json`] (`-o json`).
    ///
    /// ```no_run
    /// use rawkube::kubeconfig::{Kubeconfig, LoadOptions, view::{ViewOptions, to_json}};
    /// let kc = Kubeconfig::load(&LoadOptions::from_env(None))?;
    /// let view = kc.view(&ViewOptions { minify: true, raw: true, ..Default::default() })?;
    /// print!("{}", to_json(&view)?);
    /// # Ok::<(), rawkube::kubeconfig::KubeconfigError>(())
    /// ```
    pub fn view(&self, o: &ViewOptions) -> Result<Config, KubeconfigError> {
        let mut c = self.merged();
        if o.minify {
            minify(&mut c, o.context.as_deref())?;
        }
        if o.flatten {
            self.flatten(&mut c)?;
        } else if !o.raw {
            shorten(&mut c);
        }
        Ok(c)
    }

    /// client-go's `FlattenConfig`: each referenced file is read relative to
    /// the file that defines the entry and stored as base64 `*-data`.
    fn flatten(&self, c: &mut Config) -> Result<(), KubeconfigError> {
        let inline = |file: &super::load::KubeconfigFile,
                      field: String,
                      path: &mut Option<String>,
                      data: &mut Option<String>|
         -> Result<(), KubeconfigError> {
            let Some(p) = path.as_deref().filter(|p| !p.is_empty()) else {
                return Ok(());
            };
            if data.as_deref().is_some_and(|d| !d.is_empty()) {
                return Err(KubeconfigError::Invalid {
                    file: file.path.clone(),
                    field,
                    reason: "cannot have values for both path and contents".into(),
                });
            }
            let full = resolve_path(file, p);
            let bytes = std::fs::read(&full).map_err(|source| KubeconfigError::ReferencedFile {
                file: file.path.clone(),
                field,
                path: full,
                source,
            })?;
            *data = Some(base64::engine::general_purpose::STANDARD.encode(bytes));
            *path = None;
            Ok(())
        };
        for u in &mut c.users {
            let Some(found) = self.user(&u.name) else {
                continue;
            };
            let user = &mut u.user;
            let prefix = format!("users[{}].user", u.name);
            inline(
                found.file,
                format!("{prefix}.client-certificate"),
                &mut user.client_certificate,
                &mut user.client_certificate_data,
            )?;
            inline(
                found.file,
                format!("{prefix}.client-key"),
                &mut user.client_key,
                &mut user.client_key_data,
            )?;
        }
        for cl in &mut c.clusters {
            let Some(found) = self.cluster(&cl.name) else {
                continue;
            };
            inline(
                found.file,
                format!("clusters[{}].cluster.certificate-authority", cl.name),
                &mut cl.cluster.certificate_authority,
                &mut cl.cluster.certificate_authority_data,
            )?;
        }
        Ok(())
    }
}

/// client-go's `MinifyConfig`, with kubectl's messages.
fn minify(c: &mut Config, context: Option<&str>) -> Result<(), KubeconfigError> {
    if let Some(ctx) = context.filter(|c| !c.is_empty()) {
        c.current_context = ctx.to_string();
    }
    if c.current_context.is_empty() {
        return Err(KubeconfigError::edit(
            None,
            "current-context must exist in order to minify",
        ));
    }
    let Some(ctx) = c.context(&c.current_context).cloned() else {
        return Err(KubeconfigError::edit(
            None,
            format!("cannot locate context {}", c.current_context),
        ));
    };
    let (cluster, user) = (&ctx.context.cluster, &ctx.context.user);
    if !cluster.is_empty() && c.cluster(cluster).is_none() {
        return Err(KubeconfigError::edit(
            None,
            format!("cannot locate cluster {cluster}"),
        ));
    }
    if !user.is_empty() && c.user(user).is_none() {
        return Err(KubeconfigError::edit(
            None,
            format!("cannot locate user {user}"),
        ));
    }
    c.clusters
        .retain(|e| !cluster.is_empty() && &e.name == cluster);
    c.users.retain(|e| !user.is_empty() && &e.name == user);
    c.contexts = vec![ctx];
    Ok(())
}

/// client-go's `ShortenConfig`, as kubectl 1.32 applies it.
fn shorten(c: &mut Config) {
    let set = |v: &mut Option<String>, to: &str| {
        if v.as_deref().is_some_and(|s| !s.is_empty()) {
            *v = Some(to.to_string());
        }
    };
    for u in &mut c.users {
        set(&mut u.user.client_key_data, DATA_OMITTED);
        set(&mut u.user.client_certificate_data, DATA_OMITTED);
        set(&mut u.user.token, REDACTED);
        // kubectl 1.32 also hides passwords (the integration test checks it against kubectl).
        set(&mut u.user.password, REDACTED);
    }
    for cl in &mut c.clusters {
        set(&mut cl.cluster.certificate_authority_data, DATA_OMITTED);
    }
}

/// The bytes of `kubectl config view -o json`: [`to_kubectl_value`] through Go's
/// `json.MarshalIndent` with four spaces, which also escapes `<`, `>`, `&`, U+2028 and
/// U+2029.
///
/// Fails only when a field cannot be JSON (an extension with a YAML mapping as a key, a
/// wrongly typed `exec`), which kubectl would not load either.
pub fn to_json(c: &Config) -> Result<String, KubeconfigError> {
    let value = to_kubectl_value(c)?;
    // kubectl prints its typed Config struct: fields in declaration order.
    Ok(crate::output::to_json(&value, crate::output::Model::Typed))
}

/// The bytes of `kubectl config view` (YAML): [`to_kubectl_value`] through
/// sigs.k8s.io/yaml, keys sorted.
pub fn to_yaml(c: &Config) -> Result<String, KubeconfigError> {
    let value = to_kubectl_value(c)?;
    crate::output::to_yaml(&value).map_err(|e| view_error("(a string)", e.to_string()))
}

fn view_error(field: &str, reason: String) -> KubeconfigError {
    KubeconfigError::Invalid {
        file: "<view>".into(),
        field: field.into(),
        reason: format!("cannot be shown: {reason}"),
    }
}

/// The object `kubectl config view` prints: client-go's `v1.Config` after a round trip
/// through its internal types. Every field kubectl knows is written in its struct order
/// with its `omitempty` rules (`exec` with `args: null`, `env: null`,
/// `provideClusterInfo: false` and the `interactiveMode` default, `auth-provider` with
/// `config`, `disable-compression`, impersonation); fields kubectl does not know are
/// dropped; extension lists are sorted by name and their values carry JSON's types
/// (`2.0` is `2`, keys sorted); `*-data` fields are re-encoded as standard base64.
pub fn to_kubectl_value(c: &Config) -> Result<Json, KubeconfigError> {
    let mut m = Map::new();
    m.insert("kind".into(), json!("Config"));
    m.insert("apiVersion".into(), json!("v1"));
    let mut prefs = Map::new();
    if c.preferences.colors {
        prefs.insert("colors".into(), json!(true));
    }
    put_extensions(
        &mut prefs,
        "preferences.extensions",
        &c.preferences.extensions,
    )?;
    m.insert("preferences".into(), Json::Object(prefs));
    let mut clusters: Vec<_> = c.clusters.iter().collect();
    clusters.sort_by(|a, b| a.name.cmp(&b.name));
    let mut users: Vec<_> = c.users.iter().collect();
    users.sort_by(|a, b| a.name.cmp(&b.name));
    let mut contexts: Vec<_> = c.contexts.iter().collect();
    contexts.sort_by(|a, b| a.name.cmp(&b.name));
    m.insert(
        "clusters".into(),
        named(
            clusters
                .iter()
                .map(|e| (&e.name, "cluster", cluster_json(&e.name, &e.cluster))),
        )?,
    );
    m.insert(
        "users".into(),
        named(
            users
                .iter()
                .map(|e| (&e.name, "user", user_json(&e.name, &e.user))),
        )?,
    );
    m.insert(
        "contexts".into(),
        named(
            contexts
                .iter()
                .map(|e| (&e.name, "context", context_json(&e.name, &e.context))),
        )?,
    );
    m.insert("current-context".into(), json!(c.current_context));
    put_extensions(&mut m, "extensions", &c.extensions)?;
    Ok(Json::Object(m))
}

/// A `[{name, <key>: body}]` list, or `null` when empty (client-go has no omitempty there).
fn named<'a>(
    entries: impl Iterator<Item = (&'a String, &'static str, Result<Json, KubeconfigError>)>,
) -> Result<Json, KubeconfigError> {
    let mut out = Vec::new();
    for (name, key, body) in entries {
        let mut e = Map::new();
        e.insert("name".into(), json!(name));
        e.insert(key.into(), body?);
        out.push(Json::Object(e));
    }
    Ok(if out.is_empty() {
        Json::Null
    } else {
        Json::Array(out)
    })
}

fn put_str(m: &mut Map<String, Json>, key: &str, v: &Option<String>) {
    if let Some(s) = v.as_deref().filter(|s| !s.is_empty()) {
        m.insert(key.into(), json!(s));
    }
}

/// A `[]byte` field: Go decodes base64 and encodes it again, so the text is canonical.
fn put_data(m: &mut Map<String, Json>, key: &str, v: &Option<String>) {
    let Some(s) = v.as_deref().filter(|s| !s.is_empty()) else {
        return;
    };
    let shown = if s == DATA_OMITTED || s == REDACTED {
        s.to_string()
    } else {
        match super::resolve::decode_data(std::path::Path::new(""), key, s) {
            Ok(bytes) => base64::engine::general_purpose::STANDARD.encode(bytes),
            Err(_) => s.to_string(),
        }
    };
    m.insert(key.into(), json!(shown));
}

/// client-go's extension lists: a map by name inside kubectl, so written sorted by name.
fn put_extensions(
    m: &mut Map<String, Json>,
    field: &str,
    exts: &[super::model::NamedExtension],
) -> Result<(), KubeconfigError> {
    if exts.is_empty() {
        return Ok(());
    }
    let mut sorted: std::collections::BTreeMap<&str, &serde_yaml::Value> = Default::default();
    for e in exts {
        sorted.insert(&e.name, &e.extension);
    }
    let mut out = Vec::new();
    for (name, ext) in sorted {
        let value = yaml_to_json(ext).map_err(|r| view_error(field, r))?;
        out.push(json!({ "name": name, "extension": value }));
    }
    m.insert("extensions".into(), Json::Array(out));
    Ok(())
}

fn cluster_json(name: &str, c: &super::model::Cluster) -> Result<Json, KubeconfigError> {
    let mut m = Map::new();
    m.insert("server".into(), json!(c.server));
    put_str(&mut m, "tls-server-name", &c.tls_server_name);
    if c.insecure_skip_tls_verify {
        m.insert("insecure-skip-tls-verify".into(), json!(true));
    }
    put_str(&mut m, "certificate-authority", &c.certificate_authority);
    put_data(
        &mut m,
        "certificate-authority-data",
        &c.certificate_authority_data,
    );
    put_str(&mut m, "proxy-url", &c.proxy_url);
    let field = |f: &str| format!("clusters[{name}].cluster.{f}");
    if let Some(v) = c.other.get("disable-compression") {
        let on = typed::<YamlBool>(v).map_err(|r| view_error(&field("disable-compression"), r))?;
        if on.0 {
            m.insert("disable-compression".into(), json!(true));
        }
    }
    put_extensions(&mut m, &field("extensions"), &c.extensions)?;
    Ok(Json::Object(m))
}

fn user_json(name: &str, u: &super::model::User) -> Result<Json, KubeconfigError> {
    let field = |f: &str| format!("users[{name}].user.{f}");
    let other = |key: &str| u.other.get(key).filter(|v| !v.is_null());
    let mut m = Map::new();
    put_str(&mut m, "client-certificate", &u.client_certificate);
    put_data(
        &mut m,
        "client-certificate-data",
        &u.client_certificate_data,
    );
    put_str(&mut m, "client-key", &u.client_key);
    put_data(&mut m, "client-key-data", &u.client_key_data);
    put_str(&mut m, "token", &u.token);
    put_str(&mut m, "tokenFile", &u.token_file);
    for key in ["as", "as-uid"] {
        if let Some(v) = other(key) {
            let s: String = typed(v).map_err(|r| view_error(&field(key), r))?;
            put_str(&mut m, key, &Some(s));
        }
    }
    if let Some(v) = other("as-groups") {
        let groups: Vec<String> = typed(v).map_err(|r| view_error(&field("as-groups"), r))?;
        if !groups.is_empty() {
            m.insert("as-groups".into(), json!(groups));
        }
    }
    if let Some(v) = other("as-user-extra") {
        let extra: std::collections::BTreeMap<String, Option<Vec<String>>> =
            typed(v).map_err(|r| view_error(&field("as-user-extra"), r))?;
        if !extra.is_empty() {
            m.insert("as-user-extra".into(), json!(extra));
        }
    }
    put_str(&mut m, "username", &u.username);
    put_str(&mut m, "password", &u.password);
    if let Some(v) = other("auth-provider") {
        let p: AuthProvider = typed(v).map_err(|r| view_error(&field("auth-provider"), r))?;
        m.insert(
            "auth-provider".into(),
            json!({ "name": p.name.unwrap_or_default(), "config": p.config }),
        );
    }
    if let Some(v) = other("exec") {
        // Decoded with kubectl's defaulting, so interactiveMode is filled in for v1beta1.
        let file = super::load::KubeconfigFile {
            path: "<view>".into(),
            exists: true,
            documents: Vec::new(),
        };
        if let Some(e) = super::exec::ExecStanza::parse(&file, name, v)? {
            m.insert("exec".into(), e.to_kubectl_json());
        }
    }
    put_extensions(&mut m, &field("extensions"), &u.extensions)?;
    Ok(Json::Object(m))
}

fn context_json(name: &str, c: &super::model::Context) -> Result<Json, KubeconfigError> {
    let mut m = Map::new();
    m.insert("cluster".into(), json!(c.cluster));
    m.insert("user".into(), json!(c.user));
    put_str(&mut m, "namespace", &c.namespace);
    put_extensions(
        &mut m,
        &format!("contexts[{name}].context.extensions"),
        &c.extensions,
    )?;
    Ok(Json::Object(m))
}

/// `auth-provider`: `config` is a `map[string]string` without omitempty (`null` when unset).
#[derive(serde::Deserialize)]
struct AuthProvider {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    config: Option<std::collections::BTreeMap<String, String>>,
}

/// A YAML 1.1 boolean field.
struct YamlBool(bool);

impl<'de> serde::Deserialize<'de> for YamlBool {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        super::model::yaml11_bool(d).map(YamlBool)
    }
}

fn typed<T: serde::de::DeserializeOwned>(v: &serde_yaml::Value) -> Result<T, String> {
    serde_yaml::from_value(v.clone()).map_err(|e| e.to_string())
}

/// A YAML value as sigs.k8s.io/yaml hands it to JSON: mapping keys become strings
/// (`1`, `true`, `null`) and are sorted (a Go map), tags are dropped, and a key that is
/// itself a mapping or sequence is an error.
pub fn yaml_to_json(v: &serde_yaml::Value) -> Result<Json, String> {
    use serde_yaml::Value as Y;
    Ok(match v {
        Y::Null => Json::Null,
        Y::Bool(b) => json!(b),
        Y::Number(n) => {
            if let Some(i) = n.as_i64() {
                json!(i)
            } else if let Some(u) = n.as_u64() {
                json!(u)
            } else {
                let f = n.as_f64().unwrap_or_default();
                serde_json::Number::from_f64(f).map_or(Json::Null, Json::Number)
            }
        }
        Y::String(s) => json!(s),
        Y::Sequence(items) => {
            Json::Array(items.iter().map(yaml_to_json).collect::<Result<_, _>>()?)
        }
        Y::Mapping(map) => {
            let mut sorted = std::collections::BTreeMap::new();
            for (k, val) in map {
                let key = match k {
                    Y::String(s) => s.clone(),
                    Y::Bool(b) => b.to_string(),
                    Y::Number(n) => n.to_string(),
                    Y::Null => "null".into(),
                    Y::Tagged(t) => match &t.value {
                        Y::String(s) => s.clone(),
                        other => return Err(format!("unsupported map key {other:?}")),
                    },
                    other => return Err(format!("unsupported map key {other:?}")),
                };
                sorted.insert(key, yaml_to_json(val)?);
            }
            Json::Object(sorted.into_iter().collect())
        }
        Y::Tagged(t) => yaml_to_json(&t.value)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kubeconfig::LoadOptions;
    use crate::kubeconfig::write::render;
    use std::fs;

    const KC: &str = "current-context: a
clusters:
- name: ca
  cluster: {server: 'https://127.0.0.1:1?x=1&y=<2>', certificate-authority-data: Q0E=}
- name: cb
  cluster: {server: 'https://127.0.0.1:2', certificate-authority: ca.pem}
contexts:
- name: a
  context: {cluster: ca, user: ua}
- name: b
  context: {cluster: cb, user: ub}
users:
- name: ua
  user: {token: secret-token, client-key-data: S0VZ, client-certificate-data: Q0VSVA==, username: u, password: pw-secret}
- name: ub
  user: {client-key: key.pem, client-certificate: /nonexistent/cert.pem}
";

    fn load() -> (tempfile::TempDir, Kubeconfig) {
        let d = tempfile::tempdir().unwrap();
        fs::write(d.path().join("config"), KC).unwrap();
        fs::write(d.path().join("ca.pem"), "CA").unwrap();
        fs::write(d.path().join("key.pem"), "KEY").unwrap();
        let kc = Kubeconfig::load(&LoadOptions::file(d.path().join("config"))).unwrap();
        (d, kc)
    }

    #[test]
    fn default_view_redacts_secrets() {
        let (_d, kc) = load();
        let v = kc.view(&ViewOptions::default()).unwrap();
        let text = render(&v);
        assert!(
            !text.contains("secret-token") && !text.contains("S0VZ"),
            "{text}"
        );
        assert!(text.contains("token: REDACTED") && text.contains("client-key-data: DATA+OMITTED"));
        assert!(text.contains("certificate-authority-data: DATA+OMITTED"));
        let raw = render(
            &kc.view(&ViewOptions {
                raw: true,
                ..Default::default()
            })
            .unwrap(),
        );
        assert!(raw.contains("token: secret-token"));
    }

    #[test]
    fn minify_keeps_one_context_and_reports_missing_parts() {
        let (_d, kc) = load();
        let v = kc
            .view(&ViewOptions {
                minify: true,
                context: Some("b".into()),
                raw: true,
                ..Default::default()
            })
            .unwrap();
        assert_eq!(v.current_context, "b");
        assert_eq!(v.contexts.len(), 1);
        assert_eq!(
            v.clusters
                .iter()
                .map(|c| c.name.as_str())
                .collect::<Vec<_>>(),
            ["cb"]
        );
        assert_eq!(
            v.users.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(),
            ["ub"]
        );
        let e = kc
            .view(&ViewOptions {
                minify: true,
                context: Some("zz".into()),
                ..Default::default()
            })
            .unwrap_err();
        assert_eq!(e.to_string(), "cannot locate context zz");
    }

    #[test]
    fn flatten_inlines_files_relative_to_their_kubeconfig() {
        let (_d, kc) = load();
        let v = kc
            .view(&ViewOptions {
                flatten: true,
                minify: true,
                context: Some("a".into()),
                ..Default::default()
            })
            .unwrap();
        assert_eq!(
            v.user("ua").unwrap().user.token.as_deref(),
            Some("secret-token"),
            "flatten implies raw"
        );
        let e = kc
            .view(&ViewOptions {
                flatten: true,
                ..Default::default()
            })
            .unwrap_err();
        // ub's absolute certificate path does not exist: the error names field and path.
        let msg = e.to_string();
        assert!(
            msg.contains("users[ub].user.client-certificate")
                && msg.contains("/nonexistent/cert.pem"),
            "{msg}"
        );
        let v = kc
            .view(&ViewOptions {
                flatten: true,
                minify: true,
                context: Some("b".into()),
                ..Default::default()
            })
            .err();
        assert!(v.is_some(), "ub is still unreadable when minified to b");
    }

    #[test]
    fn unknown_fields_are_dropped_and_unrepresentable_extensions_are_errors() {
        let c: Config = serde_yaml::from_str("x-odd: {[1, 2]: v}\n").unwrap();
        // kubectl decodes into its types: a field it does not know is not shown.
        assert!(!to_json(&c).unwrap().contains("x-odd"));
        // The YAML writer still preserves it.
        assert!(render(&c).contains("x-odd"));
        let c: Config =
            serde_yaml::from_str("extensions: [{name: e, extension: {[1, 2]: v}}]\n").unwrap();
        let e = to_json(&c).unwrap_err().to_string();
        assert!(
            e.contains("extensions") && e.contains("unsupported map key"),
            "{e}"
        );
    }

    #[test]
    fn json_numbers_are_written_as_go_writes_them() {
        let c: Config = serde_yaml::from_str(
            "extensions: [{name: n, extension: [1.0e+21, 0.000001, 2.5, 2.0, {b: 1, a: z, 1: x}]}]\n",
        )
        .unwrap();
        let json = to_json(&c).unwrap();
        assert!(
            json.contains("\"1\": \"x\",\n") && json.contains("\"a\": \"z\""),
            "{json}"
        );
        assert!(json.contains("            2,\n"), "{json}");
        assert!(
            json.contains("1e+21,") && json.contains("0.000001,") && json.contains("2.5,\n"),
            "{json}"
        );
    }

    #[test]
    fn json_matches_go_indent_and_escaping() {
        let (_d, kc) = load();
        let v = kc
            .view(&ViewOptions {
                minify: true,
                raw: true,
                ..Default::default()
            })
            .unwrap();
        let json = to_json(&v).unwrap();
        assert!(json.starts_with("{\n    \"kind\": \"Config\",\n    \"apiVersion\": \"v1\",\n    \"preferences\": {},\n    \"clusters\": [\n"), "{json}");
        assert!(json.contains("x=1\\u0026y=\\u003c2\\u003e"), "{json}");
        assert!(
            json.ends_with("    \"current-context\": \"a\"\n}\n"),
            "{json}"
        );
    }
}
