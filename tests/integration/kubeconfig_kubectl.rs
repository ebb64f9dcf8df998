//! rawkube's kubeconfig edits against the real `kubectl config`: the same
//! commands must print the same lines and leave byte-identical files with the
//! same modes, and each tool must read the other's files.
//!
//! Servers in these kubeconfigs are `https://127.0.0.1:PORT` with nothing
//! listening, so kubectl's dispatcher `GET /version` fails fast and it falls
//! back to its built-in client. Every kubectl call gets its own `--cache-dir`
//! and a private `HOME`.

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

use rawkube::kubeconfig::view::{ViewOptions, to_json};
use rawkube::kubeconfig::write::render;
use rawkube::kubeconfig::{
    ClusterEdit, ContextEdit, CredentialsEdit, EditOutcome, Kubeconfig, KubeconfigError,
    LoadOptions, Overrides,
};

/// Where kubectl is, or None (test skipped) unless RAWKUBE_REQUIRE_KUBECTL=1.
fn kubectl_or_skip(test: &str) -> Option<PathBuf> {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join("kubectl"))
            .find(|p| p.is_file())
    });
    if found.is_none() {
        if std::env::var("RAWKUBE_REQUIRE_KUBECTL").as_deref() == Ok("1") {
            panic!("kubectl is not on PATH and RAWKUBE_REQUIRE_KUBECTL=1");
        }
        eprintln!("{test}: skipped, kubectl is not on PATH");
    }
    found
}

/// A port on 127.0.0.1 with nothing listening.
fn closed_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

/// One kubectl invocation: private HOME, fresh cache dir, and either
/// `--kubeconfig FILE` or `KUBECONFIG`.
struct Kubectl {
    bin: PathBuf,
    home: PathBuf,
    scratch: tempfile::TempDir,
}

enum Source<'a> {
    File(&'a Path),
    Env(&'a [&'a Path]),
}

impl Kubectl {
    fn new(bin: PathBuf, home: &Path) -> Self {
        Kubectl {
            bin,
            home: home.to_path_buf(),
            scratch: tempfile::tempdir().unwrap(),
        }
    }

    fn run(&self, source: &Source<'_>, args: &[&str]) -> Output {
        let cache = tempfile::tempdir_in(self.scratch.path()).unwrap();
        let mut cmd = Command::new(&self.bin);
        cmd.env("HOME", &self.home)
            .env_remove("KUBECONFIG")
            .arg("--cache-dir")
            .arg(cache.path());
        match source {
            Source::File(p) => {
                cmd.arg("--kubeconfig").arg(p);
            }
            Source::Env(files) => {
                cmd.env("KUBECONFIG", std::env::join_paths(*files).unwrap());
            }
        }
        cmd.args(args).output().expect("run kubectl")
    }

    /// Runs a command that must succeed; returns (stdout, stderr).
    fn ok(&self, source: &Source<'_>, args: &[&str]) -> (String, String) {
        let out = self.run(source, args);
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(out.status.success(), "kubectl {args:?} failed: {stderr}");
        (stdout, stderr)
    }
}

/// Drops klog lines (`E1128 14:19:07.493511 ...`): the dispatcher's client
/// setup logs them for the fake certificates; they are not `kubectl config` output.
fn without_klog(stderr: &str) -> String {
    stderr
        .lines()
        .filter(|l| {
            let b = l.as_bytes();
            !(b.len() > 5
                && b"IWEF".contains(&b[0])
                && b[1..5].iter().all(u8::is_ascii_digit)
                && b[5] == b' ')
        })
        .map(|l| format!("{l}\n"))
        .collect()
}

fn mode(p: &Path) -> u32 {
    fs::metadata(p).unwrap().permissions().mode() & 0o7777
}

fn stdout_of(o: &EditOutcome) -> String {
    format!("{}\n", o.message)
}

/// PEM-ish test files the flags point at (contents only need to be bytes).
fn write_certs(dir: &Path) {
    fs::write(
        dir.join("ca.crt"),
        "-----BEGIN CERTIFICATE-----\nQ0E=\n-----END CERTIFICATE-----\n",
    )
    .unwrap();
    fs::write(
        dir.join("client.crt"),
        "-----BEGIN CERTIFICATE-----\nQ0xJRU5U\n-----END CERTIFICATE-----\n",
    )
    .unwrap();
    fs::write(
        dir.join("client.key"),
        "-----BEGIN PRIVATE KEY-----\nS0VZ\n-----END PRIVATE KEY-----\n",
    )
    .unwrap();
}

/// One `kubectl config` step and the same edit through rawkube's API.
type RawkubeStep<'a> = Box<dyn Fn(&mut Kubeconfig) -> Result<EditOutcome, KubeconfigError> + 'a>;

#[test]
fn config_edits_match_kubectl_byte_for_byte() {
    let Some(bin) = kubectl_or_skip("config_edits_match_kubectl_byte_for_byte") else {
        return;
    };
    let home = tempfile::tempdir().unwrap();
    let k_dir = tempfile::tempdir().unwrap();
    let r_dir = tempfile::tempdir().unwrap();
    // Certificates live next to each kubeconfig (stored relative) and in a
    // shared outside directory (stored absolute).
    let outside = tempfile::tempdir().unwrap();
    write_certs(k_dir.path());
    write_certs(r_dir.path());
    write_certs(outside.path());
    let k_file = k_dir.path().join("sub/kubeconfig");
    let r_file = r_dir.path().join("sub/kubeconfig");
    fs::create_dir_all(k_file.parent().unwrap()).unwrap();
    fs::create_dir_all(r_file.parent().unwrap()).unwrap();
    let kubectl = Kubectl::new(bin, home.path());
    let server = format!("https://127.0.0.1:{}", closed_port());
    let token = "eyJhbGciOiJSUzI1NiIsImtpZCI6Im1vY2sifQ.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6ZGVmYXVsdDpiZWFyZXJ0b2tlbmF1dGgifQ.bW9ja3NpZ25hdHVyZQ";
    let out_ca = outside.path().join("ca.crt");
    let out_cert = outside.path().join("client.crt");
    let out_key = outside.path().join("client.key");
    let sub_ca = |dir: &Path| dir.join("sub/ca.crt");
    fs::copy(k_dir.path().join("ca.crt"), sub_ca(k_dir.path())).unwrap();
    fs::copy(r_dir.path().join("ca.crt"), sub_ca(r_dir.path())).unwrap();

    // (kubectl args with {DIR} for the per-side directory, rawkube step)
    let steps: Vec<(Vec<String>, RawkubeStep<'_>)> = vec![
        (
            vec![
                "config".into(),
                "set-cluster".into(),
                "bearertoken-cluster".into(),
                format!("--server={server}"),
                "--insecure-skip-tls-verify=true".into(),
            ],
            Box::new(|kc: &mut Kubeconfig| {
                kc.set_cluster(
                    "bearertoken-cluster",
                    &ClusterEdit {
                        server: Some(server.clone()),
                        insecure_skip_tls_verify: Some(true),
                        ..Default::default()
                    },
                )
            }),
        ),
        (
            vec![
                "config".into(),
                "set-credentials".into(),
                "bearertokenauth".into(),
                format!("--token={token}"),
            ],
            Box::new(|kc: &mut Kubeconfig| {
                kc.set_credentials(
                    "bearertokenauth",
                    &CredentialsEdit {
                        token: Some(token.into()),
                        ..Default::default()
                    },
                )
            }),
        ),
        (
            vec![
                "config".into(),
                "set-context".into(),
                "bearertokenauth-context".into(),
                "--cluster=bearertoken-cluster".into(),
                "--user=bearertokenauth".into(),
                "--namespace=default".into(),
            ],
            Box::new(|kc: &mut Kubeconfig| {
                kc.set_context(
                    Some("bearertokenauth-context"),
                    &ContextEdit {
                        cluster: Some("bearertoken-cluster".into()),
                        user: Some("bearertokenauth".into()),
                        namespace: Some("default".into()),
                    },
                )
            }),
        ),
        (
            vec![
                "config".into(),
                "use-context".into(),
                "bearertokenauth-context".into(),
            ],
            Box::new(|kc: &mut Kubeconfig| kc.use_context("bearertokenauth-context")),
        ),
        (
            vec![
                "config".into(),
                "set-context".into(),
                "bearertokenauth-context".into(),
                "--namespace=default".into(),
            ],
            Box::new(|kc: &mut Kubeconfig| {
                kc.set_context(
                    Some("bearertokenauth-context"),
                    &ContextEdit {
                        namespace: Some("default".into()),
                        ..Default::default()
                    },
                )
            }),
        ),
        // YAML 1.1 look-alikes that go-yaml quotes: a namespace "n", a context named "123", "yes".
        (
            vec![
                "config".into(),
                "set-context".into(),
                "123".into(),
                "--cluster=yes".into(),
                "--user=a b".into(),
                "--namespace=n".into(),
            ],
            Box::new(|kc: &mut Kubeconfig| {
                kc.set_context(
                    Some("123"),
                    &ContextEdit {
                        cluster: Some("yes".into()),
                        user: Some("a b".into()),
                        namespace: Some("n".into()),
                    },
                )
            }),
        ),
        (
            vec![
                "config".into(),
                "set-context".into(),
                "--current".into(),
                "--namespace=kube-system".into(),
            ],
            Box::new(|kc: &mut Kubeconfig| {
                kc.set_context(
                    None,
                    &ContextEdit {
                        namespace: Some("kube-system".into()),
                        ..Default::default()
                    },
                )
            }),
        ),
        (
            vec![
                "config".into(),
                "set-cluster".into(),
                "embedded".into(),
                format!("--server={server}"),
                "--certificate-authority={DIR}/ca.crt".into(),
                "--embed-certs=true".into(),
                "--tls-server-name=kubernetes".into(),
            ],
            Box::new(|kc: &mut Kubeconfig| {
                let d = kc.files()[0]
                    .path
                    .parent()
                    .unwrap()
                    .parent()
                    .unwrap()
                    .to_path_buf();
                kc.set_cluster(
                    "embedded",
                    &ClusterEdit {
                        server: Some(server.clone()),
                        certificate_authority: Some(d.join("ca.crt")),
                        embed_certs: true,
                        tls_server_name: Some("kubernetes".into()),
                        ..Default::default()
                    },
                )
            }),
        ),
        (
            vec![
                "config".into(),
                "set-cluster".into(),
                "near".into(),
                format!("--server={server}"),
                "--certificate-authority={DIR}/sub/ca.crt".into(),
                "--proxy-url=http://127.0.0.1:3128".into(),
            ],
            Box::new(|kc: &mut Kubeconfig| {
                let d = kc.files()[0].path.parent().unwrap().to_path_buf();
                kc.set_cluster(
                    "near",
                    &ClusterEdit {
                        server: Some(server.clone()),
                        certificate_authority: Some(d.join("ca.crt")),
                        proxy_url: Some("http://127.0.0.1:3128".into()),
                        ..Default::default()
                    },
                )
            }),
        ),
        (
            vec![
                "config".into(),
                "set-cluster".into(),
                "far".into(),
                format!("--server={server}"),
                format!("--certificate-authority={}", out_ca.display()),
            ],
            Box::new(|kc: &mut Kubeconfig| {
                kc.set_cluster(
                    "far",
                    &ClusterEdit {
                        server: Some(server.clone()),
                        certificate_authority: Some(out_ca.clone()),
                        ..Default::default()
                    },
                )
            }),
        ),
        // A new --server drops tls-server-name.
        (
            vec![
                "config".into(),
                "set-cluster".into(),
                "embedded".into(),
                format!("--server={server}/x"),
            ],
            Box::new(|kc: &mut Kubeconfig| {
                kc.set_cluster(
                    "embedded",
                    &ClusterEdit {
                        server: Some(format!("{server}/x")),
                        ..Default::default()
                    },
                )
            }),
        ),
        (
            vec![
                "config".into(),
                "set-credentials".into(),
                "admin".into(),
                "--client-certificate={DIR}/client.crt".into(),
                "--client-key={DIR}/client.key".into(),
                "--embed-certs=true".into(),
            ],
            Box::new(|kc: &mut Kubeconfig| {
                let d = kc.files()[0]
                    .path
                    .parent()
                    .unwrap()
                    .parent()
                    .unwrap()
                    .to_path_buf();
                kc.set_credentials(
                    "admin",
                    &CredentialsEdit {
                        client_certificate: Some(d.join("client.crt")),
                        client_key: Some(d.join("client.key")),
                        embed_certs: true,
                        ..Default::default()
                    },
                )
            }),
        ),
        (
            vec![
                "config".into(),
                "set-credentials".into(),
                "paths".into(),
                format!("--client-certificate={}", out_cert.display()),
                format!("--client-key={}", out_key.display()),
            ],
            Box::new(|kc: &mut Kubeconfig| {
                kc.set_credentials(
                    "paths",
                    &CredentialsEdit {
                        client_certificate: Some(out_cert.clone()),
                        client_key: Some(out_key.clone()),
                        ..Default::default()
                    },
                )
            }),
        ),
        (
            vec![
                "config".into(),
                "set-credentials".into(),
                "bearertokenauth".into(),
                "--username=u".into(),
                "--password=p".into(),
            ],
            Box::new(|kc: &mut Kubeconfig| {
                kc.set_credentials(
                    "bearertokenauth",
                    &CredentialsEdit {
                        username: Some("u".into()),
                        password: Some("p".into()),
                        ..Default::default()
                    },
                )
            }),
        ),
        (
            vec!["config".into(), "use-context".into(), "123".into()],
            Box::new(|kc: &mut Kubeconfig| kc.use_context("123")),
        ),
        (
            vec!["config".into(), "delete-context".into(), "123".into()],
            Box::new(|kc: &mut Kubeconfig| kc.delete_context("123")),
        ),
        (
            vec!["config".into(), "delete-user".into(), "paths".into()],
            Box::new(|kc: &mut Kubeconfig| kc.delete_user("paths")),
        ),
        (
            vec!["config".into(), "delete-cluster".into(), "far".into()],
            Box::new(|kc: &mut Kubeconfig| kc.delete_cluster("far")),
        ),
    ];

    let mut rk = Kubeconfig::load(&LoadOptions::file(&r_file)).unwrap();
    for (i, (args, step)) in steps.iter().enumerate() {
        let k_args: Vec<String> = args
            .iter()
            .map(|a| a.replace("{DIR}", &k_dir.path().display().to_string()))
            .collect();
        let k_args: Vec<&str> = k_args.iter().map(String::as_str).collect();
        let (k_out, k_err) = kubectl.ok(&Source::File(&k_file), &k_args);
        let r = step(&mut rk).unwrap_or_else(|e| panic!("step {i} {args:?}: {e}"));
        let k_path = k_dir.path().display().to_string();
        let r_path = r_dir.path().display().to_string();
        assert_eq!(
            stdout_of(&r).replace(&r_path, "DIR"),
            k_out.replace(&k_path, "DIR"),
            "stdout of step {i} {args:?}"
        );
        let r_err: String = r.warnings.iter().map(|w| format!("{w}\n")).collect();
        assert_eq!(r_err, without_klog(&k_err), "stderr of step {i} {args:?}");
        let k_text = fs::read_to_string(&k_file).unwrap();
        let r_text = fs::read_to_string(&r_file).unwrap();
        assert_eq!(
            r_text.replace(&r_path, "DIR"),
            k_text.replace(&k_path, "DIR"),
            "file after step {i} {args:?}"
        );
        assert_eq!(mode(&r_file), mode(&k_file), "mode after step {i}");
    }
    assert_eq!(mode(&r_file), 0o600);

    // Errors carry kubectl's wording.
    let k = kubectl.run(
        &Source::File(&k_file),
        &["config", "use-context", "does-not-exist"],
    );
    assert!(!k.status.success());
    let r = rk.use_context("does-not-exist").unwrap_err();
    assert_eq!(format!("error: {r}\n"), String::from_utf8_lossy(&k.stderr));
}

#[test]
fn existing_mode_and_missing_parents_match_kubectl() {
    let Some(bin) = kubectl_or_skip("existing_mode_and_missing_parents_match_kubectl") else {
        return;
    };
    let home = tempfile::tempdir().unwrap();
    let kubectl = Kubectl::new(bin, home.path());
    let server = format!("https://127.0.0.1:{}", closed_port());
    let sides = [tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap()];
    let (k_dir, r_dir) = (sides[0].path(), sides[1].path());
    for d in [k_dir, r_dir] {
        fs::write(d.join("existing"), "").unwrap();
        fs::set_permissions(d.join("existing"), fs::Permissions::from_mode(0o644)).unwrap();
    }
    for name in ["existing", "nd/a/config"] {
        kubectl.ok(
            &Source::File(&k_dir.join(name)),
            &["config", "set-cluster", "c", &format!("--server={server}")],
        );
        let mut kc = Kubeconfig::load(&LoadOptions::file(r_dir.join(name))).unwrap();
        kc.set_cluster(
            "c",
            &ClusterEdit {
                server: Some(server.clone()),
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(mode(&r_dir.join(name)), mode(&k_dir.join(name)), "{name}");
        assert_eq!(
            fs::read(r_dir.join(name)).unwrap(),
            fs::read(k_dir.join(name)).unwrap()
        );
    }
    assert_eq!(mode(&r_dir.join("existing")), 0o644);
    for sub in ["nd", "nd/a"] {
        assert_eq!(mode(&r_dir.join(sub)), mode(&k_dir.join(sub)), "{sub}");
    }
}

#[test]
fn merged_kubeconfig_edits_land_in_the_same_files_as_kubectl() {
    let Some(bin) = kubectl_or_skip("merged_kubeconfig_edits_land_in_the_same_files_as_kubectl")
    else {
        return;
    };
    let home = tempfile::tempdir().unwrap();
    let kubectl = Kubectl::new(bin, home.path());
    let server = format!("https://127.0.0.1:{}", closed_port());
    let b_text = format!(
        "apiVersion: v1\nkind: Config\ncurrent-context: cb\nclusters:\n- name: cb\n  cluster: {{server: '{server}'}}\ncontexts:\n- name: cb\n  context: {{cluster: cb, user: ub}}\nusers:\n- name: ub\n  user: {{token: t}}\n"
    );
    let c_text = format!(
        "apiVersion: v1\nkind: Config\nclusters:\n- name: cc\n  cluster: {{server: '{server}'}}\n- name: cb\n  cluster: {{server: 'https://127.0.0.1:1'}}\n"
    );
    let setup = |d: &Path| -> [PathBuf; 3] {
        let files = [d.join("a/missing"), d.join("b"), d.join("c")];
        fs::write(&files[1], &b_text).unwrap();
        fs::write(&files[2], &c_text).unwrap();
        files
    };
    let (kd, rd) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let kf = setup(kd.path());
    let rf = setup(rd.path());
    let k_refs: Vec<&Path> = kf.iter().map(PathBuf::as_path).collect();
    let r_opts = LoadOptions {
        kubeconfig_env: Some(std::env::join_paths(&rf).unwrap()),
        home: Some(home.path().to_path_buf()),
        explicit: None,
    };
    let mut rk = Kubeconfig::load(&r_opts).unwrap();

    let compare = |what: &str, k_out: String, r: EditOutcome| {
        let (kp, rp) = (
            kd.path().display().to_string(),
            rd.path().display().to_string(),
        );
        assert_eq!(
            stdout_of(&r).replace(&rp, "DIR"),
            k_out.replace(&kp, "DIR"),
            "{what}"
        );
        for (k, r) in kf.iter().zip(&rf) {
            assert_eq!(k.exists(), r.exists(), "{what}: {}", r.display());
            if k.exists() {
                assert_eq!(
                    fs::read_to_string(r).unwrap(),
                    fs::read_to_string(k).unwrap(),
                    "{what}: {}",
                    r.display()
                );
            }
        }
    };
    let src = Source::Env(&k_refs);
    // An entry owned by the third file is modified there.
    let (o, _) = kubectl.ok(
        &src,
        &["config", "set-cluster", "cc", "--tls-server-name=x"],
    );
    let r = rk
        .set_cluster(
            "cc",
            &ClusterEdit {
                tls_server_name: Some("x".into()),
                ..Default::default()
            },
        )
        .unwrap();
    compare("set-cluster cc", o, r);
    // A new entry goes to the first existing file.
    let (o, _) = kubectl.ok(&src, &["config", "set-context", "new", "--cluster=cc"]);
    let r = rk
        .set_context(
            Some("new"),
            &ContextEdit {
                cluster: Some("cc".into()),
                ..Default::default()
            },
        )
        .unwrap();
    compare("set-context new", o, r);
    // current-context goes to the file that already has one.
    let (o, _) = kubectl.ok(&src, &["config", "use-context", "new"]);
    let r = rk.use_context("new").unwrap();
    compare("use-context new", o, r);
    // The message names the default file (the first existing KUBECONFIG file).
    let (o, _) = kubectl.ok(&src, &["config", "delete-context", "cb"]);
    let r = rk.delete_context("cb").unwrap();
    compare("delete-context cb", o, r);
    let (o, _) = kubectl.ok(&src, &["config", "delete-user", "ub"]);
    let r = rk.delete_user("ub").unwrap();
    compare("delete-user ub", o, r);

    // And the merged view agrees with kubectl's.
    let (json, _) = kubectl.ok(&src, &["config", "view", "--raw", "-o", "json"]);
    let k_view: serde_json::Value = serde_json::from_str(&json).unwrap();
    let r_view = serde_json::to_value(rk.merged()).unwrap();
    assert_eq!(r_view, k_view);
}

#[test]
fn kubectl_reads_rawkube_files_and_rawkube_reads_kubectl_files() {
    let Some(bin) = kubectl_or_skip("kubectl_reads_rawkube_files_and_rawkube_reads_kubectl_files")
    else {
        return;
    };
    let home = tempfile::tempdir().unwrap();
    let kubectl = Kubectl::new(bin, home.path());
    let server = format!("https://127.0.0.1:{}", closed_port());
    let d = tempfile::tempdir().unwrap();
    write_certs(d.path());

    // rawkube writes, kubectl reads: `config view --raw -o json` equals rawkube's model.
    let r_file = d.path().join("rawkube-written");
    fs::write(
        &r_file,
        format!(
            "apiVersion: v1\nkind: Config\nx-note: kept by rawkube\nclusters:\n- name: c\n  cluster:\n    x-extra: 1\n    server: {server}\n    extensions:\n    - name: ext\n      extension: {{kind: X, a: 1}}\n"
        ),
    )
    .unwrap();
    let mut rk = Kubeconfig::load(&LoadOptions::file(&r_file)).unwrap();
    rk.set_cluster(
        "c",
        &ClusterEdit {
            certificate_authority: Some(d.path().join("ca.crt")),
            embed_certs: true,
            ..Default::default()
        },
    )
    .unwrap();
    rk.set_credentials(
        "sa",
        &CredentialsEdit {
            token: Some("tok.en.value".into()),
            ..Default::default()
        },
    )
    .unwrap();
    rk.set_credentials(
        "admin",
        &CredentialsEdit {
            client_certificate: Some(d.path().join("client.crt")),
            client_key: Some(d.path().join("client.key")),
            ..Default::default()
        },
    )
    .unwrap();
    rk.set_context(
        Some("ctx"),
        &ContextEdit {
            cluster: Some("c".into()),
            user: Some("sa".into()),
            namespace: Some("default".into()),
        },
    )
    .unwrap();
    rk.use_context("ctx").unwrap();
    let (json, _) = kubectl.ok(
        &Source::File(&r_file),
        &["config", "view", "--raw", "-o", "json"],
    );
    let k_view: serde_json::Value = serde_json::from_str(&json).unwrap();
    // kubectl ignores (and would drop) fields it does not know; rawkube keeps them.
    let text = fs::read_to_string(&r_file).unwrap();
    assert!(
        text.contains("x-note: kept by rawkube\n") && text.contains("    x-extra: 1\n"),
        "{text}"
    );
    let mut known = rk.merged();
    known.other.clear();
    known
        .clusters
        .iter_mut()
        .for_each(|c| c.cluster.other.clear());
    assert_eq!(serde_json::to_value(known).unwrap(), k_view);
    let (cur, _) = kubectl.ok(&Source::File(&r_file), &["config", "current-context"]);
    assert_eq!(cur, "ctx\n");

    // kubectl writes, rawkube reads: the connection and a byte-identical re-render.
    let k_file = d.path().join("kubectl-written");
    let src = Source::File(&k_file);
    let ca = d.path().join("ca.crt").display().to_string();
    let cert = d.path().join("client.crt").display().to_string();
    let key = d.path().join("client.key").display().to_string();
    kubectl.ok(
        &src,
        &[
            "config",
            "set-cluster",
            "kind",
            &format!("--server={server}"),
            &format!("--certificate-authority={ca}"),
            "--embed-certs=true",
        ],
    );
    kubectl.ok(
        &src,
        &[
            "config",
            "set-cluster",
            "byref",
            &format!("--server={server}"),
            &format!("--certificate-authority={ca}"),
        ],
    );
    kubectl.ok(
        &src,
        &[
            "config",
            "set-credentials",
            "kind-admin",
            &format!("--client-certificate={cert}"),
            &format!("--client-key={key}"),
            "--embed-certs=true",
        ],
    );
    kubectl.ok(
        &src,
        &["config", "set-credentials", "sa", "--token=abc.def.ghi"],
    );
    kubectl.ok(
        &src,
        &[
            "config",
            "set-context",
            "kind-admin",
            "--cluster=kind",
            "--user=kind-admin",
        ],
    );
    kubectl.ok(
        &src,
        &[
            "config",
            "set-context",
            "sa",
            "--cluster=byref",
            "--user=sa",
            "--namespace=team",
        ],
    );
    kubectl.ok(&src, &["config", "use-context", "kind-admin"]);
    let kc = Kubeconfig::load(&LoadOptions::file(&k_file)).unwrap();
    assert_eq!(
        render(kc.files()[0].config()),
        fs::read_to_string(&k_file).unwrap()
    );
    let admin = kc.resolve(&Overrides::default()).unwrap();
    assert_eq!(admin.server, server);
    assert_eq!(admin.ca_pem, Some(fs::read(&ca).unwrap()));
    assert_eq!(admin.client_cert_pem, Some(fs::read(&cert).unwrap()));
    assert_eq!(admin.client_key_pem, Some(fs::read(&key).unwrap()));
    assert_eq!(admin.namespace, "default");
    let sa = kc
        .resolve(&Overrides {
            context: Some("sa".into()),
            ..Default::default()
        })
        .unwrap();
    // "byref" stores the CA as a path relative to the kubeconfig's directory.
    assert_eq!(sa.ca_pem, Some(fs::read(&ca).unwrap()));
    assert_eq!(sa.token.as_deref(), Some("abc.def.ghi"));
    assert_eq!(sa.namespace, "team");
    let contexts: BTreeMap<_, _> = kc.files()[0]
        .config()
        .contexts
        .iter()
        .map(|c| (c.name.clone(), c.context.cluster.clone()))
        .collect();
    assert_eq!(contexts["sa"], "byref");
    assert_eq!(contexts["kind-admin"], "kind");
}

#[test]
fn existing_files_are_rewritten_like_kubectl() {
    let Some(bin) = kubectl_or_skip("existing_files_are_rewritten_like_kubectl") else {
        return;
    };
    let home = tempfile::tempdir().unwrap();
    let kubectl = Kubectl::new(bin, home.path());
    let server = format!("https://127.0.0.1:{}", closed_port());
    // Hand-written: unsorted keys and entries, flow style, relative paths with
    // and without backsteps, an explicit `false`, a missing `server`, comments.
    let text = format!(
        "# my clusters\nkind: Config\napiVersion: v1\nusers:\n- name: z\n  user: {{tokenFile: token, client-certificate: ./sub/../client.crt, client-key: client.key}}\n- name: a\n  user: {{token: t}}\nclusters:\n- name: up\n  cluster: {{certificate-authority: ../ca.crt, server: '{server}', insecure-skip-tls-verify: false}}\n- name: noserver\n  cluster: {{certificate-authority: sub/ca.crt}}\ncontexts:\n- {{name: c, context: {{user: z, cluster: up}}}}\ncurrent-context: c\n"
    );
    let (kd, rd) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    for d in [kd.path(), rd.path()] {
        fs::create_dir_all(d.join("kc")).unwrap();
        fs::write(d.join("kc/config"), &text).unwrap();
    }
    let (kf, rf) = (kd.path().join("kc/config"), rd.path().join("kc/config"));
    let mut rk = Kubeconfig::load(&LoadOptions::file(&rf)).unwrap();
    let (kp, rp) = (
        kd.path().display().to_string(),
        rd.path().display().to_string(),
    );
    let same = |what: &str| {
        assert_eq!(
            fs::read_to_string(&rf).unwrap().replace(&rp, "DIR"),
            fs::read_to_string(&kf).unwrap().replace(&kp, "DIR"),
            "{what}"
        );
    };
    // Touching an unrelated entry normalises the whole file but keeps other entries' paths.
    kubectl.ok(
        &Source::File(&kf),
        &["config", "set-context", "other", "--cluster=up"],
    );
    rk.set_context(
        Some("other"),
        &ContextEdit {
            cluster: Some("up".into()),
            ..Default::default()
        },
    )
    .unwrap();
    same("set-context other");
    // Modifying entries rewrites their paths relative to the file, or absolute when outside it.
    kubectl.ok(
        &Source::File(&kf),
        &["config", "set-cluster", "up", "--tls-server-name=k"],
    );
    rk.set_cluster(
        "up",
        &ClusterEdit {
            tls_server_name: Some("k".into()),
            ..Default::default()
        },
    )
    .unwrap();
    same("set-cluster up");
    kubectl.ok(
        &Source::File(&kf),
        &["config", "set-credentials", "z", "--token=x"],
    );
    rk.set_credentials(
        "z",
        &CredentialsEdit {
            token: Some("x".into()),
            ..Default::default()
        },
    )
    .unwrap();
    same("set-credentials z");
}

#[test]
fn kubectl_refuses_to_write_while_rawkube_holds_the_lock() {
    let Some(bin) = kubectl_or_skip("kubectl_refuses_to_write_while_rawkube_holds_the_lock") else {
        return;
    };
    let home = tempfile::tempdir().unwrap();
    let kubectl = Kubectl::new(bin, home.path());
    let d = tempfile::tempdir().unwrap();
    let file = d.path().join("config");
    let lock =
        rawkube::kubeconfig::write::WriteLock::acquire(&file, Duration::from_secs(1)).unwrap();
    let out = kubectl.run(&Source::File(&file), &["config", "set-context", "x"]);
    assert!(
        !out.status.success(),
        "kubectl wrote while rawkube held the lock"
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains(".lock"));
    assert!(!file.exists());
    drop(lock);
    kubectl.ok(&Source::File(&file), &["config", "set-context", "x"]);
    assert!(file.exists());
    assert!(!d.path().join("config.lock").exists());
}

#[test]
fn config_view_matches_kubectl() {
    let Some(bin) = kubectl_or_skip("config_view_matches_kubectl") else {
        return;
    };
    let home = tempfile::tempdir().unwrap();
    let kubectl = Kubectl::new(bin, home.path());
    let server = format!("https://127.0.0.1:{}", closed_port());
    let d = tempfile::tempdir().unwrap();
    fs::create_dir_all(d.path().join("one/pki")).unwrap();
    fs::create_dir_all(d.path().join("two")).unwrap();
    write_certs(&d.path().join("one/pki"));
    write_certs(&d.path().join("two"));
    let one = d.path().join("one/config");
    let two = d.path().join("two/config");
    fs::write(
        &one,
        format!(
            "current-context: a\nclusters:\n- name: ca\n  cluster: {{server: '{server}/?a=1&b=<2>', certificate-authority: pki/ca.crt}}\ncontexts:\n- name: a\n  context: {{cluster: ca, user: ua, namespace: team}}\nusers:\n- name: ua\n  user: {{token: secret-token, client-certificate: pki/client.crt, client-key: pki/client.key}}\n"
        ),
    )
    .unwrap();
    let ca_data = base64_of(&d.path().join("two/ca.crt"));
    fs::write(
        &two,
        format!(
            "current-context: b\nclusters:\n- name: cb\n  cluster: {{server: '{server}', certificate-authority-data: {ca_data}}}\n- name: ca\n  cluster: {{server: 'https://127.0.0.1:1'}}\ncontexts:\n- name: b\n  context: {{cluster: cb, user: ub}}\nusers:\n- name: ub\n  user: {{client-certificate-data: {}, client-key: client.key, username: admin, password: hunter2}}\n",
            base64_of(&d.path().join("two/client.crt"))
        ),
    )
    .unwrap();
    let files = [one.as_path(), two.as_path()];
    let kc = Kubeconfig::load(&LoadOptions {
        kubeconfig_env: Some(std::env::join_paths(files).unwrap()),
        home: Some(home.path().to_path_buf()),
        explicit: None,
    })
    .unwrap();
    let src = Source::Env(&files);
    let cases: Vec<(Vec<&str>, ViewOptions, bool)> = vec![
        (vec![], ViewOptions::default(), false),
        (vec!["-o", "json"], ViewOptions::default(), true),
        (
            vec!["--raw"],
            ViewOptions {
                raw: true,
                ..Default::default()
            },
            false,
        ),
        (
            vec!["--minify", "--raw", "-o", "json"],
            ViewOptions {
                minify: true,
                raw: true,
                ..Default::default()
            },
            true,
        ),
        (
            vec!["--minify", "--context=b"],
            ViewOptions {
                minify: true,
                context: Some("b".into()),
                ..Default::default()
            },
            false,
        ),
        (
            vec!["--flatten"],
            ViewOptions {
                flatten: true,
                ..Default::default()
            },
            false,
        ),
        (
            vec!["--flatten", "-o", "json"],
            ViewOptions {
                flatten: true,
                ..Default::default()
            },
            true,
        ),
    ];
    for (flags, opts, json) in cases {
        let mut args = vec!["config", "view"];
        args.extend(&flags);
        let (k_out, _) = kubectl.ok(&src, &args);
        let view = kc.view(&opts).unwrap();
        let r_out = if json {
            to_json(&view).unwrap()
        } else {
            render(&view)
        };
        assert_eq!(r_out, k_out, "config view {flags:?}");
    }
}

fn base64_of(p: &Path) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(fs::read(p).unwrap())
}

/// go-yaml's scalar styles (plain, '...', "...", |- blocks, folding after
/// column 80) for strings that trip YAML emitters, compared with kubectl's bytes.
/// `config set-context c --namespace=NS` on a new file, by kubectl (`k{i}` in `dir`) and by
/// rawkube (`r{i}`): kubectl's file and the texts of rawkube's and kubectl's files.
fn set_namespace_both(
    kubectl: &Kubectl,
    dir: &Path,
    i: usize,
    ns: &str,
) -> (PathBuf, String, String) {
    let kf = dir.join(format!("k{i}"));
    let rf = dir.join(format!("r{i}"));
    kubectl.ok(
        &Source::File(&kf),
        &["config", "set-context", "c", &format!("--namespace={ns}")],
    );
    let mut kc = Kubeconfig::load(&LoadOptions::file(&rf)).unwrap();
    kc.set_context(
        Some("c"),
        &ContextEdit {
            namespace: Some(ns.to_string()),
            ..Default::default()
        },
    )
    .unwrap();
    let k_text = fs::read_to_string(&kf).unwrap();
    (kf, fs::read_to_string(&rf).unwrap(), k_text)
}

#[test]
fn tricky_strings_are_quoted_like_kubectl() {
    let Some(bin) = kubectl_or_skip("tricky_strings_are_quoted_like_kubectl") else {
        return;
    };
    let home = tempfile::tempdir().unwrap();
    let kubectl = Kubectl::new(bin, home.path());
    let long_words = vec!["word"; 30].join(" ");
    let long_colon = format!("key: {}", vec!["value"; 20].join(" "));
    let long_escape = format!("{}\ttab", vec!["quoted"; 15].join(" "));
    let strings: Vec<&str> = vec![
        "a: b",
        "#x",
        "x #y",
        "x#y",
        "- x",
        "-x",
        "yes",
        "Yes",
        "on",
        "123",
        "0x1f",
        "0o17",
        "1.5",
        "1e3",
        ".5",
        "+1",
        "-1",
        "~",
        "null",
        "it's",
        "tab\there",
        "trailing ",
        " leading",
        "line1\nline2",
        "line1\nline2\n",
        "line1\n\n",
        "ends:",
        "[x]",
        "{x}",
        "*x",
        "&x",
        "!x",
        "%x",
        "@x",
        "`x",
        "'q'",
        "\"dq\"",
        "a,b",
        "?x",
        "? x",
        ": x",
        "é unicode",
        "2024-01-02",
        "2024-1-2T10:00:00Z",
        "1:20",
        "0777",
        "...",
        "---x",
        "--- x",
        "a\\b",
        "ctl\u{1}x",
        "bom\u{feff}",
        &long_words,
        &long_colon,
        &long_escape,
    ];
    let d = tempfile::tempdir().unwrap();
    for (i, s) in strings.iter().enumerate() {
        let (kf, r_text, k_text) = set_namespace_both(&kubectl, d.path(), i, s);
        assert_eq!(r_text, k_text, "namespace {s:?}");
        // And each reads the other's file back to the same string.
        let back = Kubeconfig::load(&LoadOptions::file(&kf)).unwrap();
        assert_eq!(
            back.context("c")
                .unwrap()
                .entry
                .context
                .namespace
                .as_deref(),
            Some(*s)
        );
    }
}

/// The cases where the kubeconfig writer once had its own go-yaml emitter and differed
/// from kubectl: text beyond U+FFFF, NEL, `<<`, extension floats, and long or multi-line
/// keys inside extensions.
#[test]
fn yaml_the_shared_emitter_fixed_matches_kubectl() {
    let Some(bin) = kubectl_or_skip("yaml_the_shared_emitter_fixed_matches_kubectl") else {
        return;
    };
    let home = tempfile::tempdir().unwrap();
    let kubectl = Kubectl::new(bin, home.path());
    let d = tempfile::tempdir().unwrap();
    for (i, s) in ["\u{1F600}", "x\u{85}y", "x \u{85}\u{85} y", "<<"]
        .iter()
        .enumerate()
    {
        let (_, r_text, k_text) = set_namespace_both(&kubectl, d.path(), i, s);
        assert_eq!(r_text, k_text, "namespace {s:?}");
    }
    let server = format!("https://127.0.0.1:{}", closed_port());
    let long = "k".repeat(129);
    let text = format!(
        "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: {server}\n    extensions:\n    - name: e\n      extension: {{a: 2.0, b: 1.0e+21, c: 0.000001, {long}: v, \"m\\nl\": 1}}\n"
    );
    let (kf, rf) = (d.path().join("kext"), d.path().join("rext"));
    fs::write(&kf, &text).unwrap();
    fs::write(&rf, &text).unwrap();
    kubectl.ok(
        &Source::File(&kf),
        &["config", "set-context", "other", "--cluster=c"],
    );
    let mut kc = Kubeconfig::load(&LoadOptions::file(&rf)).unwrap();
    kc.set_context(
        Some("other"),
        &ContextEdit {
            cluster: Some("c".into()),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(
        fs::read_to_string(&rf).unwrap(),
        fs::read_to_string(&kf).unwrap()
    );
}

#[test]
fn get_contexts_matches_kubectl() {
    let Some(bin) = kubectl_or_skip("get_contexts_matches_kubectl") else {
        return;
    };
    let home = tempfile::tempdir().unwrap();
    let kubectl = Kubectl::new(bin, home.path());
    let d = tempfile::tempdir().unwrap();
    let f = d.path().join("config");
    fs::write(
        &f,
        "current-context: b\ncontexts:\n- name: b\n  context: {cluster: cluster-with-long-name, user: u, namespace: ns}\n- name: a\n  context: {cluster: c, user: ''}\n- name: é\n  context: {cluster: c, user: x}\n",
    )
    .unwrap();
    let kc = Kubeconfig::load(&LoadOptions::file(&f)).unwrap();
    let cases: Vec<(Vec<&str>, Vec<&str>, bool, bool)> = vec![
        (vec![], vec![], false, false),
        (vec!["-o", "name"], vec![], true, false),
        (
            vec!["--no-headers", "a", "zz"],
            vec!["a", "zz"],
            false,
            true,
        ),
        (
            vec!["-o", "name", "é", "nope", "b"],
            vec!["é", "nope", "b"],
            true,
            false,
        ),
    ];
    for (flags, names, name_only, no_headers) in cases {
        let mut args = vec!["config", "get-contexts"];
        args.extend(&flags);
        let out = kubectl.run(&Source::File(&f), &args);
        let r = kc.get_contexts(&names, name_only, no_headers);
        assert_eq!(r.stdout, String::from_utf8_lossy(&out.stdout), "{flags:?}");
        let r_err: String = r.errors.iter().map(|e| format!("error: {e}\n")).collect();
        assert_eq!(
            r_err,
            without_klog(&String::from_utf8_lossy(&out.stderr)),
            "{flags:?}"
        );
        assert_eq!(r.errors.is_empty(), out.status.success(), "{flags:?}");
    }
    let (cur, _) = kubectl.ok(&Source::File(&f), &["config", "current-context"]);
    assert_eq!(format!("{}\n", kc.require_current_context().unwrap()), cur);
}
