//! Writing a kubeconfig file the way kubectl does, but atomically and locked.
//!
//! Layout: [`render`] gives kubectl's bytes (sorted keys, `null` for empty
//! lists, `{}` for empty preferences, entries sorted by name).
//! Safety: [`write_file`] writes a temp file in the same directory, gives it
//! the old file's mode (or 0600 for a new file, whatever the umask) and renames
//! it over the target, so readers never see half a file, and a process killed
//! at any point (kill -9) leaves either the old file or the new one; with
//! [`FSYNC_ENV`] set, the file and the directory are flushed too, so a power
//! cut does the same. The temp file is `flock`ed while it is written; a writer
//! killed before its rename leaves it behind unlocked, and the next write to
//! the same file removes it.
//! [`WriteLock`] serialises writers through a `<file>.lock` beside the file,
//! the name client-go uses, so rawkube and kubectl also exclude each other;
//! [`replace_file`] takes it for writers that replace a whole file.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::error::KubeconfigError;
use super::model::Config;

/// The YAML kubectl would write for `config`.
///
/// ```
/// use rawkube::kubeconfig::{model::Config, write::render};
/// assert_eq!(
///     render(&Config::default()),
///     "apiVersion: v1\nclusters: null\ncontexts: null\ncurrent-context: \"\"\nkind: Config\npreferences: {}\nusers: null\n"
/// );
/// ```
pub fn render(config: &Config) -> String {
    let mut c = config.clone();
    if c.api_version.is_empty() {
        c.api_version = "v1".into();
    }
    if c.kind.is_empty() {
        c.kind = "Config".into();
    }
    // client-go keeps entries in maps and writes them sorted by name.
    c.clusters.sort_by(|a, b| a.name.cmp(&b.name));
    c.users.sort_by(|a, b| a.name.cmp(&b.name));
    c.contexts.sort_by(|a, b| a.name.cmp(&b.name));
    match serde_yaml::to_value(&c) {
        Ok(v) => crate::goyaml::marshal(&v),
        // The model holds only strings, bools and YAML values, which always serialize.
        Err(e) => unreachable!("kubeconfig model failed to serialize: {e}"),
    }
}

/// Follows symlinks so the rename replaces the real file, not the link
/// (kubectl's in-place write also writes through links).
fn real_target(path: &Path) -> PathBuf {
    fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

/// Set to `1` to make every kubeconfig write survive a power cut, not only a killed process.
///
/// A write is a temp file renamed over the target, so a reader or a killed writer never sees
/// half a file, with or without fsync. What fsync adds is power-loss durability: without it a
/// power cut soon after a write can lose that write (the previous file comes back whole on
/// ext4 and btrfs, which flush a file renamed over another before the rename commits; on other
/// filesystems an empty file is possible). client-go's `clientcmd.WriteToFile` (kubectl)
/// truncates and rewrites the file in place with neither fsync nor rename; git writes its
/// config by lock file and rename without fsync. An fsync of the file and of its directory
/// costs milliseconds per write (about 4 ms each on the development machine's disk), most of
/// a `config set-credentials`, so it is opt-in.
pub const FSYNC_ENV: &str = "RAWKUBE_KUBECONFIG_FSYNC";

/// Whether writes fsync ([`FSYNC_ENV`] set to anything but empty or `0`); read once.
fn fsync_requested() -> bool {
    static ON: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *ON.get_or_init(|| std::env::var_os(FSYNC_ENV).is_some_and(|v| !v.is_empty() && v != "0"))
}

/// Atomically replaces `path` with `bytes`.
///
/// New files get mode 0600 regardless of umask; existing files keep their
/// mode and (when permitted) owner; missing parent directories are created 0755.
pub fn write_bytes(path: &Path, bytes: &[u8]) -> Result<(), KubeconfigError> {
    write_bytes_synced(path, bytes, fsync_requested())
}

/// [`write_bytes`], with `fsync` deciding whether the file and its directory are flushed.
fn write_bytes_synced(path: &Path, bytes: &[u8], fsync: bool) -> Result<(), KubeconfigError> {
    let err = |source| KubeconfigError::Write {
        file: path.to_path_buf(),
        source,
    };
    let target = real_target(path);
    let dir = match target.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o755)
        .create(&dir)
        .map_err(err)?;
    let existing = fs::metadata(&target).ok();
    let mode = existing
        .as_ref()
        .map(|m| m.permissions().mode() & 0o7777)
        .unwrap_or(0o600);
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "kubeconfig".into());
    remove_stale_temp_files(&dir, &name);
    let mut tmp = locked_temp_file(&dir, &name).map_err(err)?;
    tmp.write_all(bytes).map_err(err)?;
    // fchmod is not subject to the umask, so 0600 stays 0600 under umask 000 too.
    tmp.as_file()
        .set_permissions(fs::Permissions::from_mode(mode))
        .map_err(err)?;
    if let Some(m) = &existing {
        // Only root can give a file away; for anyone else this is a no-op or EPERM.
        let _ = std::os::unix::fs::fchown(tmp.as_file(), Some(m.uid()), Some(m.gid()));
    }
    if fsync {
        tmp.as_file().sync_all().map_err(err)?;
    }
    tmp.persist(&target).map_err(|e| err(e.error))?;
    // Make the rename itself durable.
    if fsync && let Ok(d) = File::open(&dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// Renders `config` and writes it atomically to `path`. The caller holds the
/// file's [`WriteLock`] (edits do, to re-read and write under it), or uses [`replace_file`].
pub fn write_file(path: &Path, config: &Config) -> Result<(), KubeconfigError> {
    write_bytes(path, render(config).as_bytes())
}

/// Replaces the whole file at `path` with `config` (a standalone kubeconfig) under its
/// [`WriteLock`], so it never interleaves with an edit of the same file.
pub fn replace_file(path: &Path, config: &Config) -> Result<(), KubeconfigError> {
    let _lock = WriteLock::acquire(path, LOCK_TIMEOUT)?;
    write_file(path, config)
}

/// Temp files are `.<name>.XXXXXX.tmp` (tempfile's 6 random characters).
const TEMP_RANDOM_LEN: usize = 6;

/// Whether `file` is one of our temp files for the target file `name`.
fn is_temp_file_of(file: &str, name: &str) -> bool {
    file.strip_prefix('.')
        .and_then(|f| f.strip_prefix(name))
        .and_then(|f| f.strip_prefix('.'))
        .and_then(|f| f.strip_suffix(".tmp"))
        .is_some_and(|r| r.len() == TEMP_RANDOM_LEN && r.bytes().all(|b| b.is_ascii_alphanumeric()))
}

/// Creates the temp file for the target `name` in `dir`, holding an exclusive `flock` on it
/// until it is renamed: while locked it is in use, unlocked it is a dead writer's leftover.
fn locked_temp_file(dir: &Path, name: &str) -> std::io::Result<tempfile::NamedTempFile> {
    loop {
        let tmp = tempfile::Builder::new()
            .prefix(&format!(".{name}."))
            .rand_bytes(TEMP_RANDOM_LEN)
            .suffix(".tmp")
            .tempfile_in(dir)?;
        tmp.as_file().lock()?;
        // Between create and lock another writer's cleanup may have taken it for a leftover
        // and removed it; then start over with a new name.
        let ours = tmp.as_file().metadata()?;
        if fs::symlink_metadata(tmp.path())
            .is_ok_and(|m| m.dev() == ours.dev() && m.ino() == ours.ino())
        {
            return Ok(tmp);
        }
        // Dropping would remove by path, which now names nothing (or another file).
        let _ = tmp.into_temp_path().keep();
    }
}

/// Removes the temp files a killed writer left beside `name` in `dir`: those nobody holds
/// locked. Best effort: a failure here never fails the write.
fn remove_stale_temp_files(dir: &Path, name: &str) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let regular = entry.file_type().is_ok_and(|t| t.is_file());
        if !regular || !is_temp_file_of(&entry.file_name().to_string_lossy(), name) {
            continue;
        }
        let path = entry.path();
        let Ok(file) = File::open(&path) else {
            continue;
        };
        if file.try_lock().is_ok() {
            // Unlinked while locked, so no writer can have locked it in between.
            let _ = fs::remove_file(&path);
        }
    }
}

/// How long a writer waits for another writer before giving up.
pub const LOCK_TIMEOUT: Duration = Duration::from_secs(10);

/// An exclusive writer lock on one kubeconfig file, released on drop.
///
/// The lock is `<file>.lock`, held with `flock` so a crashed rawkube never
/// leaves a stale lock behind. kubectl takes the same path by creating it with
/// `O_EXCL` (and mode 0), so while rawkube holds it kubectl refuses to write,
/// and rawkube waits while a kubectl-made lock file exists.
#[derive(Debug)]
pub struct WriteLock {
    lock_path: PathBuf,
    file: Option<File>,
}

impl WriteLock {
    /// The lock file used for `kubeconfig`: the path as given plus `.lock`,
    /// exactly as client-go names it (no symlink resolution), so both tools
    /// contend for the same file.
    pub fn lock_path(kubeconfig: &Path) -> PathBuf {
        let mut s = kubeconfig.as_os_str().to_os_string();
        s.push(".lock");
        PathBuf::from(s)
    }

    /// Takes the lock, waiting up to `timeout` for another writer.
    pub fn acquire(kubeconfig: &Path, timeout: Duration) -> Result<Self, KubeconfigError> {
        let lock_path = Self::lock_path(kubeconfig);
        let io_err = |source| KubeconfigError::Write {
            file: kubeconfig.to_path_buf(),
            source,
        };
        if let Some(dir) = lock_path.parent().filter(|d| !d.as_os_str().is_empty()) {
            fs::DirBuilder::new()
                .recursive(true)
                .mode(0o755)
                .create(dir)
                .map_err(io_err)?;
        }
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(file) = Self::try_take(&lock_path).map_err(io_err)? {
                return Ok(WriteLock {
                    lock_path,
                    file: Some(file),
                });
            }
            if Instant::now() >= deadline {
                return Err(KubeconfigError::Locked {
                    file: kubeconfig.to_path_buf(),
                    lock: lock_path,
                });
            }
            std::thread::sleep(Duration::from_millis(25));
        }
    }

    /// One attempt: Ok(None) means "someone else holds it, retry".
    fn try_take(lock_path: &Path) -> std::io::Result<Option<File>> {
        let file = match OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600)
            .open(lock_path)
        {
            Ok(f) => f,
            // kubectl's lock file has mode 0: only root can open it.
            Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => return Ok(None),
            Err(e) => return Err(e),
        };
        match file.try_lock() {
            Ok(()) => {}
            Err(fs::TryLockError::WouldBlock) => return Ok(None),
            Err(fs::TryLockError::Error(e)) => return Err(e),
        }
        let ours = file.metadata()?;
        // The previous holder unlinks the file before unlocking; if the path now
        // names another inode (or nothing), our lock is on a dead file.
        let same = fs::metadata(lock_path)
            .map(|m| m.dev() == ours.dev() && m.ino() == ours.ino())
            .unwrap_or(false);
        // A mode-0 file is kubectl's O_EXCL lock, which it never flocks.
        if !same || ours.permissions().mode() & 0o777 == 0 {
            return Ok(None);
        }
        Ok(Some(file))
    }
}

impl Drop for WriteLock {
    fn drop(&mut self) {
        // Unlink while still holding the flock, so no one can lock the old
        // inode and believe they own the path.
        let _ = fs::remove_file(&self.lock_path);
        drop(self.file.take());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kubeconfig::model::{NamedCluster, NamedUser, User};
    use std::sync::{Arc, Barrier};

    fn mode(p: &Path) -> u32 {
        fs::metadata(p).unwrap().permissions().mode() & 0o7777
    }

    #[test]
    fn empty_config_renders_like_kubectl() {
        assert_eq!(
            render(&Config::default()),
            "apiVersion: v1\nclusters: null\ncontexts: null\ncurrent-context: \"\"\nkind: Config\npreferences: {}\nusers: null\n"
        );
    }

    #[test]
    fn entries_are_sorted_and_unknown_fields_kept() {
        let mut c: Config = serde_yaml::from_str(
            "zeta: {keep: me}\nclusters:\n- name: b\n  cluster: {server: 'https://127.0.0.1:2', proxy-url: ''}\n- name: a\n  cluster: {server: 'https://127.0.0.1:1'}\n",
        )
        .unwrap();
        c.users.push(NamedUser {
            name: "u".into(),
            user: User {
                token: Some("t".into()),
                ..Default::default()
            },
            ..Default::default()
        });
        let out = render(&c);
        assert_eq!(
            out,
            "apiVersion: v1\nclusters:\n- cluster:\n    server: https://127.0.0.1:1\n  name: a\n- cluster:\n    server: https://127.0.0.1:2\n  name: b\ncontexts: null\ncurrent-context: \"\"\nkind: Config\npreferences: {}\nusers:\n- name: u\n  user:\n    token: t\nzeta:\n  keep: me\n"
        );
    }

    #[test]
    fn new_file_is_0600_even_with_umask_000_and_parents_are_created() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("nd/a/config");
        // umask is process-wide: other tests only create 0600 temp files, which it cannot widen.
        // SAFETY: umask has no memory-safety preconditions.
        let old = unsafe { libc::umask(0o000) };
        let r = write_file(&p, &Config::default());
        // SAFETY: as above.
        unsafe { libc::umask(old) };
        r.unwrap();
        assert_eq!(mode(&p), 0o600);
        assert!(d.path().join("nd/a").is_dir());
    }

    #[test]
    fn existing_file_keeps_its_mode() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("config");
        fs::write(&p, "").unwrap();
        fs::set_permissions(&p, fs::Permissions::from_mode(0o644)).unwrap();
        write_file(&p, &Config::default()).unwrap();
        assert_eq!(mode(&p), 0o644);
        fs::set_permissions(&p, fs::Permissions::from_mode(0o640)).unwrap();
        write_file(&p, &Config::default()).unwrap();
        assert_eq!(mode(&p), 0o640);
    }

    #[test]
    fn write_is_a_rename_not_an_in_place_rewrite() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("config");
        fs::write(&p, "old").unwrap();
        // A reader holding the old file keeps seeing complete old contents.
        let before = fs::File::open(&p).unwrap();
        let ino_before = before.metadata().unwrap().ino();
        write_file(&p, &Config::default()).unwrap();
        assert_ne!(fs::metadata(&p).unwrap().ino(), ino_before);
        let mut old = String::new();
        std::io::Read::read_to_string(&mut &before, &mut old).unwrap();
        assert_eq!(old, "old");
        // No temp files are left behind.
        let names: Vec<_> = fs::read_dir(d.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("config")]);
    }

    #[test]
    fn a_dead_writers_temp_file_is_removed_by_the_next_write_and_a_live_one_kept() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("config");
        let dead = d.path().join(".config.Ab3dE9.tmp");
        fs::write(&dead, "half a fi").unwrap();
        // A writer still at work holds its temp file locked.
        let live = d.path().join(".config.zzzzzz.tmp");
        let held = File::create(&live).unwrap();
        held.lock().unwrap();
        // Not ours: other names, other files' temp files, and a directory.
        let others = [
            ".config.tmp",
            ".config.abc.tmp",
            ".config.abcdef.tmp.bak",
            ".other.abcdef.tmp",
            "config.abcdef.tmp",
        ];
        for o in others {
            fs::write(d.path().join(o), "").unwrap();
        }
        fs::create_dir(d.path().join(".config.dir123.tmp")).unwrap();
        write_file(&p, &Config::default()).unwrap();
        assert!(!dead.exists());
        assert!(live.exists());
        for o in others {
            assert!(d.path().join(o).exists(), "{o}");
        }
        assert!(d.path().join(".config.dir123.tmp").is_dir());
        drop(held);
        write_file(&p, &Config::default()).unwrap();
        assert!(!live.exists());
    }

    #[test]
    fn temp_files_are_named_as_cleanup_expects() {
        let d = tempfile::tempdir().unwrap();
        let tmp = locked_temp_file(d.path(), "config").unwrap();
        let name = tmp
            .path()
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        assert!(is_temp_file_of(&name, "config"), "{name}");
        assert!(!is_temp_file_of(&name, "confi"));
        // It is locked while in use, so cleanup leaves it alone.
        remove_stale_temp_files(d.path(), "config");
        assert!(tmp.path().exists());
    }

    #[test]
    fn replace_file_takes_the_lock() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("config");
        let lock = WriteLock::acquire(&p, LOCK_TIMEOUT).unwrap();
        let p2 = p.clone();
        let writer = std::thread::spawn(move || replace_file(&p2, &Config::default()));
        std::thread::sleep(Duration::from_millis(200));
        assert!(!p.exists(), "wrote while another writer held the lock");
        drop(lock);
        writer.join().unwrap().unwrap();
        assert!(p.exists());
        assert!(!WriteLock::lock_path(&p).exists());
    }

    #[test]
    fn a_durable_write_is_the_same_write() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("config");
        fs::write(&p, "old").unwrap();
        fs::set_permissions(&p, fs::Permissions::from_mode(0o640)).unwrap();
        write_bytes_synced(&p, b"new", true).unwrap();
        assert_eq!(fs::read_to_string(&p).unwrap(), "new");
        assert_eq!(mode(&p), 0o640);
        assert_eq!(fs::read_dir(d.path()).unwrap().count(), 1);
    }

    #[test]
    fn writes_through_a_symlink_to_the_real_file() {
        let d = tempfile::tempdir().unwrap();
        let real = d.path().join("real");
        fs::write(&real, "").unwrap();
        let link = d.path().join("link");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        let mut c = Config::default();
        c.clusters.push(NamedCluster {
            name: "c".into(),
            ..Default::default()
        });
        write_file(&link, &c).unwrap();
        assert!(
            fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert!(fs::read_to_string(&real).unwrap().contains("name: c"));
    }

    #[test]
    fn lock_excludes_a_second_writer_and_is_removed_on_drop() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("config");
        let lock = WriteLock::acquire(&p, LOCK_TIMEOUT).unwrap();
        assert!(WriteLock::lock_path(&p).exists());
        let err = WriteLock::acquire(&p, Duration::from_millis(100)).unwrap_err();
        assert!(matches!(err, KubeconfigError::Locked { .. }), "{err:?}");
        drop(lock);
        assert!(!WriteLock::lock_path(&p).exists());
        drop(WriteLock::acquire(&p, Duration::from_millis(100)).unwrap());
    }

    #[test]
    fn kubectl_style_lock_file_blocks_and_stale_rawkube_lock_does_not() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("config");
        let lp = WriteLock::lock_path(&p);
        // kubectl: O_EXCL create with mode 0, no flock.
        fs::write(&lp, "").unwrap();
        fs::set_permissions(&lp, fs::Permissions::from_mode(0o000)).unwrap();
        assert!(WriteLock::acquire(&p, Duration::from_millis(100)).is_err());
        fs::remove_file(&lp).unwrap();
        // A crashed rawkube leaves a 0600 file nobody flocks: it is taken over.
        fs::write(&lp, "").unwrap();
        fs::set_permissions(&lp, fs::Permissions::from_mode(0o600)).unwrap();
        drop(WriteLock::acquire(&p, Duration::from_millis(100)).unwrap());
    }

    #[test]
    fn waiting_writer_gets_the_lock_after_release() {
        let d = tempfile::tempdir().unwrap();
        let p = Arc::new(d.path().join("config"));
        let lock = WriteLock::acquire(&p, LOCK_TIMEOUT).unwrap();
        let barrier = Arc::new(Barrier::new(2));
        let (p2, b2) = (Arc::clone(&p), Arc::clone(&barrier));
        let waiter = std::thread::spawn(move || {
            b2.wait();
            let start = Instant::now();
            let l = WriteLock::acquire(&p2, LOCK_TIMEOUT).unwrap();
            drop(l);
            start.elapsed()
        });
        barrier.wait();
        std::thread::sleep(Duration::from_millis(200));
        drop(lock);
        let waited = waiter.join().unwrap();
        assert!(waited >= Duration::from_millis(150), "{waited:?}");
    }
}
