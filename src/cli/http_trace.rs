//! `--show-http`: which files the printed curl commands name, and how a learner gets them.
//!
//! curl cannot take PEM data inline, so a command is only runnable if the files it names
//! exist. When the kubeconfig names files, the commands use those absolute paths; when it
//! holds the data inline (`*-data`), the trace starts with the exact commands that write
//! `ca.crt`, `client.crt` and `client.key` into the current directory with rawkube alone.

use std::path::{Path, PathBuf};

use rawkube::config::ConnectionConfig;
use rawkube::kubeconfig::{Kubeconfig, KubeconfigFile};
use rawkube::trace::CurlOptions;

use super::globals::GlobalArgs;

/// The file arguments of the curl commands plus the one-time note on writing them.
#[derive(Debug, Default)]
pub struct TraceFiles {
    /// `--cacert`, `--cert`, `--key` paths (relative names where the data is inline).
    pub options: CurlOptions,
    /// The `tokenFile` the token is read from, if any.
    pub token_file: Option<String>,
    /// Comment lines to print before the first request, if any file must be written first.
    pub preamble: Option<String>,
}

/// One TLS file: an absolute path from the kubeconfig, or inline data under `field`.
enum Source {
    Path(String),
    Inline(&'static str),
}

fn absolute(p: &Path) -> String {
    std::path::absolute(p)
        .unwrap_or_else(|_| p.to_path_buf())
        .display()
        .to_string()
}

fn in_file(file: &KubeconfigFile, p: &str) -> String {
    let path = PathBuf::from(p);
    absolute(&if path.is_absolute() {
        path
    } else {
        file.base_dir().join(path)
    })
}

/// kubectl's precedence: `*-data` wins over the file name.
fn source(
    file: &KubeconfigFile,
    data: &Option<String>,
    path: &Option<String>,
    field: &'static str,
) -> Option<Source> {
    if data.as_deref().is_some_and(|d| !d.is_empty()) {
        Some(Source::Inline(field))
    } else {
        path.as_deref()
            .filter(|p| !p.is_empty())
            .map(|p| Source::Path(in_file(file, p)))
    }
}

/// Works out the files for `conn`, resolved from `kc` (if it loaded) with the flags in `g`.
pub fn trace_files(g: &GlobalArgs, kc: Option<&Kubeconfig>, conn: &ConnectionConfig) -> TraceFiles {
    let cluster = kc
        .zip(conn.origin.cluster.as_deref())
        .and_then(|(kc, n)| kc.cluster(n));
    let user = kc
        .zip(conn.origin.user.as_deref())
        .and_then(|(kc, n)| kc.user(n));
    let ca = match (&g.certificate_authority, cluster) {
        (Some(p), _) => Some(Source::Path(absolute(p))),
        (None, Some(c)) => source(
            c.file,
            &c.entry.cluster.certificate_authority_data,
            &c.entry.cluster.certificate_authority,
            ".clusters[0].cluster.certificate-authority-data",
        ),
        (None, None) => None,
    };
    let (cert, key) = match user {
        Some(u) => (
            source(
                u.file,
                &u.entry.user.client_certificate_data,
                &u.entry.user.client_certificate,
                ".users[0].user.client-certificate-data",
            ),
            source(
                u.file,
                &u.entry.user.client_key_data,
                &u.entry.user.client_key,
                ".users[0].user.client-key-data",
            ),
        ),
        None => (None, None),
    };

    let mut view = String::from("rawkube");
    if let Some(k) = &g.kubeconfig {
        view.push_str(&format!(" --kubeconfig {}", quote(&absolute(k))));
    }
    if let Some(c) = &g.context {
        view.push_str(&format!(" --context {}", quote(c)));
    }
    view.push_str(" config view --minify --raw -o jsonpath=");
    let mut steps = Vec::new();
    let mut pick = |src: Option<Source>, name: &str, private: bool| -> String {
        match src {
            Some(Source::Path(p)) => p,
            Some(Source::Inline(field)) => {
                let cmd = format!("{view}'{{{field}}}' | base64 -d > {name}");
                steps.push(if private {
                    format!("(umask 077; {cmd})")
                } else {
                    cmd
                });
                name.to_string()
            }
            None => name.to_string(),
        }
    };
    let options = CurlOptions {
        show_secrets: g.show_secrets,
        ca_file: pick(ca, "ca.crt", false),
        cert_file: pick(cert, "client.crt", false),
        key_file: pick(key, "client.key", true),
    };
    let mut lines = Vec::new();
    if !steps.is_empty() {
        lines.push("# The kubeconfig holds the TLS files inline; curl needs them as files.".into());
        lines.push(
            "# Write them once into the current directory, then any command below runs as shown:"
                .into(),
        );
        lines.extend(steps.iter().map(|s| format!("#   {s}")));
    }
    if conn.token.is_some() && !g.show_secrets {
        lines.push(
            "# The bearer token is shown as <redacted>; add --show-secrets to print it.".into(),
        );
    }
    TraceFiles {
        options,
        token_file: conn.token_file.as_deref().map(absolute),
        preamble: (!lines.is_empty()).then(|| lines.join("\n") + "\n"),
    }
}

/// Single-quotes `s` for a POSIX shell unless it is plainly safe.
fn quote(s: &str) -> String {
    if !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_./:=@,+%".contains(&b))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}
