//! Crash safety of kubeconfig writes, with the real binary and real files: a shell loop runs
//! `rawkube config set-credentials` back to back and is killed with SIGKILL at random moments,
//! many times; each time the file must be a complete old or new version (never a mix), valid
//! YAML, mode 0600; what a killed writer left behind (its temp file, its lock file) must be
//! gone after the next write. And two writers at once must not lose each other's edits.

use std::collections::BTreeSet;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use rawkube::kubeconfig::KubeconfigFile;

const RAWKUBE: &str = env!("CARGO_BIN_EXE_rawkube");

/// How many times the writer loop is killed.
const KILLS: usize = 150;

const INITIAL: &str = "apiVersion: v1
clusters:
- cluster:
    certificate-authority-data: Q0E=
    server: https://127.0.0.1:6443
  name: kubernetes
contexts:
- context:
    cluster: kubernetes
    user: kubernetes-admin
  name: kubernetes-admin@kubernetes
current-context: kubernetes-admin@kubernetes
kind: Config
preferences: {}
users:
- name: kubernetes-admin
  user:
    client-certificate-data: Q0VSVA==
    client-key-data: S0VZ
";

/// xorshift64*, seeded from the clock; the seed is printed so a failure can be replayed.
struct Rng(u64);

impl Rng {
    fn from_env_or_clock() -> Rng {
        let seed = std::env::var("RAWKUBE_CRASH_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| {
                SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .map_or(1, |d| d.as_nanos() as u64)
            });
        eprintln!("kubeconfig_crash: seed {seed} (set RAWKUBE_CRASH_SEED to replay)");
        Rng(seed | 1)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) % n
    }
}

fn write_initial(path: &Path) {
    fs::write(path, INITIAL).unwrap();
    fs::set_permissions(path, fs::Permissions::from_mode(0o600)).unwrap();
}

fn set_credentials(kubeconfig: &Path, user: &str, token: &str) -> Command {
    let mut cmd = Command::new(RAWKUBE);
    cmd.arg("--kubeconfig")
        .arg(kubeconfig)
        .args(["config", "set-credentials", user])
        .arg(format!("--token={token}"))
        .env_remove("KUBECONFIG");
    cmd
}

fn run_ok(mut cmd: Command) {
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "{cmd:?}: {out:?}");
}

/// The file `edit` makes of `from`, computed in a scratch directory.
fn after(from: &[u8], token: &str) -> Vec<u8> {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("config");
    fs::write(&p, from).unwrap();
    run_ok(set_credentials(&p, "robot", token));
    fs::read(&p).unwrap()
}

/// Every name in `dir` but `keep`.
fn leftovers(dir: &Path, keep: &str) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n != keep)
        .collect();
    names.sort();
    names
}

fn mode(p: &Path) -> u32 {
    fs::metadata(p).unwrap().permissions().mode() & 0o7777
}

/// Kills the whole process group (the shell and the rawkube it is running).
fn kill_group(child: &mut std::process::Child) {
    let pgid = child.id() as libc::pid_t;
    // SAFETY: killpg has no memory-safety preconditions; the group is the child's own.
    unsafe { libc::killpg(pgid, libc::SIGKILL) };
    child.wait().unwrap();
}

#[test]
fn kill_9_at_random_points_leaves_the_old_or_the_new_file_and_no_debris() {
    let d = tempfile::tempdir().unwrap();
    let kc = d.path().join("config");
    write_initial(&kc);
    let (token_a, token_b) = ("a".repeat(900), "b".repeat(900));
    let s0 = INITIAL.as_bytes().to_vec();
    let sa = after(&s0, &token_a);
    let sb = after(&sa, &token_b);
    assert_eq!(after(&sb, &token_a), sa);
    // The loop alternates the two edits, so at any moment the file is S0, SA or SB.
    let rk = |token: &str| {
        format!(
            "'{RAWKUBE}' --kubeconfig '{}' config set-credentials robot --token={token} >/dev/null 2>&1",
            kc.display()
        )
    };
    // Each run starts with the edit that changes the file as it is, so even when every kill
    // lands in the first command (a slow machine), each one interrupts a real write.
    let from_a = format!("while :; do {}; {}; done", rk(&token_a), rk(&token_b));
    let from_b = format!("while :; do {}; {}; done", rk(&token_b), rk(&token_a));

    // How long one write takes, to spread the kills over a few of them.
    let start = Instant::now();
    run_ok(set_credentials(&kc, "robot", &token_a));
    let one = start.elapsed().max(Duration::from_millis(2));
    write_initial(&kc);

    let mut rng = Rng::from_env_or_clock();
    let (mut temp_left, mut lock_left, mut seen) = (0, 0, BTreeSet::new());
    let mut script = &from_a;
    for i in 0..KILLS {
        let mut child = Command::new("sh")
            .arg("-c")
            .arg(script)
            .process_group(0)
            .stdin(Stdio::null())
            .spawn()
            .unwrap();
        let delay = rng.below(one.as_micros() as u64 * 4);
        std::thread::sleep(Duration::from_micros(delay));
        kill_group(&mut child);

        let bytes = fs::read(&kc).unwrap();
        let which = [(&s0, "old"), (&sa, "A"), (&sb, "B")]
            .iter()
            .find(|(s, _)| **s == bytes)
            .map(|(_, n)| *n);
        let Some(which) = which else {
            panic!(
                "kill {i} after {delay} us left a file that is no complete version:\n{}",
                String::from_utf8_lossy(&bytes)
            );
        };
        seen.insert(which);
        script = if which == "A" { &from_b } else { &from_a };
        KubeconfigFile::read(&kc).unwrap_or_else(|e| panic!("kill {i}: {e}"));
        assert_eq!(mode(&kc), 0o600, "kill {i}");
        let debris = leftovers(d.path(), "config");
        for name in &debris {
            if name == "config.lock" {
                lock_left += 1;
            } else {
                assert!(
                    name.starts_with(".config.") && name.ends_with(".tmp"),
                    "kill {i}: unexpected file {name}"
                );
                temp_left += 1;
            }
        }
        // Each write removes what earlier killed writers left, so debris never piles up.
        assert!(debris.len() <= 2, "kill {i}: {debris:?}");
    }
    eprintln!(
        "kubeconfig_crash: {KILLS} kills; file seen as {seen:?}; a temp file was left {temp_left} times, a lock file {lock_left} times"
    );
    assert!(
        seen.len() >= 2,
        "every kill landed at the same point: {seen:?}"
    );
    assert!(
        temp_left + lock_left > 0,
        "no kill landed inside a write; the test proves nothing"
    );

    // The next write clears whatever the last kill left behind.
    run_ok(set_credentials(&kc, "robot", "final"));
    assert_eq!(leftovers(d.path(), "config"), Vec::<String>::new());
    assert_eq!(mode(&kc), 0o600);
}

#[test]
fn two_writers_at_once_lose_no_edit() {
    const EDITS: usize = 15;
    let d = tempfile::tempdir().unwrap();
    let kc = d.path().join("config");
    write_initial(&kc);
    let writer = |name: &'static str, kc: PathBuf| {
        std::thread::spawn(move || {
            for i in 0..EDITS {
                run_ok(set_credentials(&kc, &format!("{name}-{i}"), name));
            }
        })
    };
    let a = writer("a", kc.clone());
    let b = writer("b", kc.clone());
    a.join().unwrap();
    b.join().unwrap();

    let file = KubeconfigFile::read(&kc).unwrap();
    let users: BTreeSet<&str> = file
        .config()
        .users
        .iter()
        .map(|u| u.name.as_str())
        .collect();
    for name in ["a", "b"] {
        for i in 0..EDITS {
            let user = format!("{name}-{i}");
            assert!(users.contains(user.as_str()), "{user} was lost: {users:?}");
        }
    }
    assert!(users.contains("kubernetes-admin"));
    assert_eq!(file.config().clusters.len(), 1);
    assert_eq!(mode(&kc), 0o600);
    assert_eq!(leftovers(d.path(), "config"), Vec::<String>::new());
}
