//! Helpers for the CLI tests: run rawkube and the real kubectl against one mock.

use std::path::{Path, PathBuf};
use std::process::Command;

use mock_apiserver::MockServer;

/// What one command printed and returned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Whether kubectl can be used; prints the skip (or fails when it is required).
/// The mock of [`Env::legacy`].
pub fn legacy_mock() -> MockServer {
    MockServer::builder()
        .server_version("v1.23.1")
        .legacy_token_secrets(true)
        .start_blocking()
        .expect("start mock-apiserver")
}

pub fn have_kubectl() -> bool {
    let found = Command::new("kubectl")
        .args(["version", "--client"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        if std::env::var("RAWKUBE_REQUIRE_KUBECTL").as_deref() == Ok("1") {
            panic!("kubectl is not on PATH but RAWKUBE_REQUIRE_KUBECTL=1");
        }
        eprintln!("skipped: kubectl is not on PATH");
    }
    found
}

fn from_output(out: std::process::Output) -> Run {
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// A mock-apiserver plus an admin kubeconfig in a temp dir.
pub struct Env {
    pub mock: MockServer,
    pub dir: tempfile::TempDir,
    pub kubeconfig: PathBuf,
}

impl Env {
    pub fn start() -> Env {
        Env::with(MockServer::start_blocking().expect("start mock-apiserver"))
    }

    /// A 1.23 mock whose token controller gives every new ServiceAccount a legacy
    /// `NAME-token-xxxxx` Secret, as kube-controller-manager did up to 1.23.
    pub fn legacy() -> Env {
        Env::with(legacy_mock())
    }

    pub fn with(mock: MockServer) -> Env {
        let dir = tempfile::tempdir().expect("temp dir");
        let kubeconfig = dir.path().join("admin.kubeconfig");
        mock.write_admin_kubeconfig(&kubeconfig)
            .expect("write admin kubeconfig");
        Env {
            mock,
            dir,
            kubeconfig,
        }
    }

    /// `rawkube --kubeconfig ADMIN args...`
    pub fn rawkube(&self, args: &[&str]) -> Run {
        rawkube_with(&self.kubeconfig, args)
    }

    /// `kubectl --cache-dir FRESH --kubeconfig ADMIN args...`
    pub fn kubectl(&self, args: &[&str]) -> Run {
        kubectl_with(&self.kubeconfig, args)
    }

    /// Like [`Env::same`], but ages in seconds (`2s`, `13s`) may differ: the two tools
    /// run a moment apart against objects created a moment ago.
    pub fn same_but_ages(&self, args: &[&str]) -> Run {
        let r = self.rawkube(args);
        let k = self.kubectl(args);
        assert_eq!(
            (r.code, seconds_as_x(&r.stdout), &r.stderr),
            (k.code, seconds_as_x(&k.stdout), &k.stderr),
            "rawkube (left) vs kubectl (right) for {args:?}"
        );
        r
    }

    /// Like [`Env::same`], but RFC 3339 times (`2026-12-06T01:02:03Z`) may differ: a review's
    /// `creationTimestamp` is the second each tool asked in.
    pub fn same_but_times(&self, args: &[&str]) -> Run {
        let r = self.rawkube(args);
        let k = self.kubectl(args);
        assert_eq!(
            (r.code, times_as_x(&r.stdout), &r.stderr),
            (k.code, times_as_x(&k.stdout), &k.stderr),
            "rawkube (left) vs kubectl (right) for {args:?}"
        );
        r
    }

    /// Runs both (rawkube first) and asserts identical stdout, stderr and exit code.
    pub fn same(&self, args: &[&str]) -> Run {
        let r = self.rawkube(args);
        let k = self.kubectl(args);
        assert_eq!(r, k, "rawkube (left) vs kubectl (right) for {args:?}");
        r
    }
}

/// rawkube with an explicit kubeconfig (and no KUBECONFIG from the environment). Its
/// discovery cache is `cache/` beside the kubeconfig (`KUBECACHEDIR`), not `~/.kube/cache`.
pub fn rawkube_with(kubeconfig: &Path, args: &[&str]) -> Run {
    let mut cmd = assert_cmd::cargo::cargo_bin_cmd!("rawkube");
    cmd.arg("--kubeconfig").arg(kubeconfig).args(args);
    cmd.env_remove("KUBECONFIG");
    if let Some(dir) = kubeconfig.parent() {
        cmd.env("KUBECACHEDIR", dir.join("cache"));
    }
    from_output(cmd.output().expect("run rawkube"))
}

/// kubectl with its own fresh cache dir and the given kubeconfig.
pub fn kubectl_with(kubeconfig: &Path, args: &[&str]) -> Run {
    let cache = tempfile::tempdir().expect("temp cache dir");
    let mut cmd = Command::new("kubectl");
    cmd.arg("--cache-dir")
        .arg(cache.path())
        .arg("--kubeconfig")
        .arg(kubeconfig)
        .args(args)
        .env_remove("KUBECONFIG");
    from_output(cmd.output().expect("run kubectl"))
}

/// `rawkube --kubeconfig FILE` as a command to add arguments and environment to; run it
/// with [`run`].
pub fn rawkube_cmd(kubeconfig: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_rawkube"));
    cmd.arg("--kubeconfig")
        .arg(kubeconfig)
        .env_remove("KUBECONFIG");
    if let Some(dir) = kubeconfig.parent() {
        cmd.env("KUBECACHEDIR", dir.join("cache"));
    }
    cmd
}

/// `kubectl --cache-dir FRESH --kubeconfig FILE` as a command (the cache dir lives in
/// `cache`, which must outlive the run).
pub fn kubectl_cmd(kubeconfig: &Path, cache: &tempfile::TempDir) -> Command {
    let mut cmd = Command::new("kubectl");
    cmd.arg("--cache-dir")
        .arg(cache.path())
        .arg("--kubeconfig")
        .arg(kubeconfig)
        .env_remove("KUBECONFIG");
    cmd
}

/// Runs a command built with [`rawkube_cmd`] or [`kubectl_cmd`].
pub fn run(cmd: &mut Command) -> Run {
    from_output(cmd.output().expect("run command"))
}

/// rawkube without a kubeconfig flag (for commands that need none).
pub fn rawkube_bare(args: &[&str]) -> Run {
    let mut cmd = assert_cmd::cargo::cargo_bin_cmd!("rawkube");
    cmd.args(args).env_remove("KUBECONFIG");
    from_output(cmd.output().expect("run rawkube"))
}

/// Replaces every RFC 3339 time to the second (`2026-12-06T01:02:03Z`) by `<time>`.
pub fn times_as_x(s: &str) -> String {
    // YYYY-MM-DDTHH:MM:SSZ, where D is any digit.
    const SHAPE: &[u8] = b"DDDD-DD-DDTDD:DD:DDZ";
    let fits = |w: &[u8]| {
        w.iter().zip(SHAPE).all(|(c, p)| {
            if *p == b'D' {
                c.is_ascii_digit()
            } else {
                c == p
            }
        })
    };
    let bytes = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes.len() - i >= SHAPE.len() && fits(&bytes[i..i + SHAPE.len()]) {
            out.push_str("<time>");
            i += SHAPE.len();
        } else {
            let c = s[i..].chars().next().expect("in bounds");
            out.push(c);
            i += c.len_utf8();
        }
    }
    out
}

#[test]
fn times_as_x_masks_only_rfc3339_seconds() {
    assert_eq!(
        times_as_x("a 2026-12-06T01:02:03Z b 2026-12-06 é"),
        "a <time> b 2026-12-06 é"
    );
}

/// Replaces every whitespace-delimited `<digits>s` token by `Xs`, keeping the layout.
pub fn seconds_as_x(s: &str) -> String {
    let mut out = String::new();
    for line in s.split_inclusive('\n') {
        let mut word = String::new();
        let flush = |word: &mut String, out: &mut String| {
            let is_secs = word.len() > 1
                && word.ends_with('s')
                && word[..word.len() - 1].chars().all(|c| c.is_ascii_digit());
            if is_secs {
                out.push_str(&format!("{:<w$}", "Xs", w = word.len()));
            } else {
                out.push_str(word);
            }
            word.clear();
        };
        for c in line.chars() {
            if c.is_whitespace() {
                flush(&mut word, &mut out);
                out.push(c);
            } else {
                word.push(c);
            }
        }
        flush(&mut word, &mut out);
    }
    out
}
