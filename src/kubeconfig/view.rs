//! `kubectl config view`: the merged configuration, optionally minified to
//! one context, flattened (referenced files inlined) and, unless `--raw`,
//! with secrets replaced as kubectl does (`REDACTED`, `DATA+OMITTED`).

use base64::Engine;

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
    /// The configuration `kubectl config view` prints; render it with
    /// [`super::write::render`] (YAML) or [`to_json`] (`-o json`).
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

/// The bytes of `kubectl config view -o json`: Go's `json.MarshalIndent` with
/// four spaces, which also escapes `<`, `>`, `&`, U+2028 and U+2029.
///
/// Fails only when a preserved unknown field cannot be JSON (a YAML mapping
/// with a non-scalar key), which kubectl would not load either.
pub fn to_json(c: &Config) -> Result<String, KubeconfigError> {
    let mut c = c.clone();
    if c.api_version.is_empty() {
        c.api_version = "v1".into();
    }
    if c.kind.is_empty() {
        c.kind = "Config".into();
    }
    let value = serde_json::to_value(&c).map_err(|e| KubeconfigError::Invalid {
        file: "<view>".into(),
        field: "(unknown fields)".into(),
        reason: format!("cannot be shown as JSON: {e}"),
    })?;
    // kubectl prints its typed Config struct: fields in declaration order.
    Ok(crate::output::to_json(&value, crate::output::Model::Typed))
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
    fn json_of_an_unrepresentable_unknown_field_is_an_error_not_a_panic() {
        let c: Config = serde_yaml::from_str("x-odd: {[1, 2]: v}\n").unwrap();
        assert!(to_json(&c).is_err());
        // The YAML writer still preserves it.
        assert!(render(&c).contains("x-odd"));
    }

    #[test]
    fn json_numbers_are_written_as_go_writes_them() {
        let c: Config = serde_yaml::from_str("x-n: [1.0e+21, 0.000001, 2.5]\n").unwrap();
        let json = to_json(&c).unwrap();
        assert!(
            json.contains("1e+21,") && json.contains("0.000001,") && json.contains("2.5\n"),
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
