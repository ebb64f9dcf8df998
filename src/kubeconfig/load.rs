//! Finding and reading kubeconfig files with kubectl's precedence rules.
//!
//! Sources, as client-go's `ClientConfigLoadingRules`: an explicit path
//! (`--kubeconfig`), else every file in `KUBECONFIG` (split like `$PATH`,
//! duplicates and empty items dropped, missing files ignored), else
//! `~/.kube/config`. Merging is first-wins: the first file that defines an
//! entry name owns the whole entry, and the first non-empty
//! `current-context` wins. Each file is kept separately, unmerged and with its
//! paths as written, so edits can rewrite just the file that owns an entry.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::error::KubeconfigError;
use super::model::{Config, NamedCluster, NamedContext, NamedUser};

/// Where to look for kubeconfig files. Build it from the process environment
/// with [`LoadOptions::from_env`], or spell every source out in tests.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LoadOptions {
    /// `--kubeconfig`: when set, this file alone is used.
    pub explicit: Option<PathBuf>,
    /// The value of `KUBECONFIG`, if set.
    pub kubeconfig_env: Option<OsString>,
    /// The home directory, for `~/.kube/config`.
    pub home: Option<PathBuf>,
}

impl LoadOptions {
    /// Sources from the environment (`KUBECONFIG`, `HOME`), plus an optional `--kubeconfig`.
    pub fn from_env(explicit: Option<PathBuf>) -> Self {
        LoadOptions {
            explicit,
            kubeconfig_env: std::env::var_os("KUBECONFIG"),
            home: std::env::var_os("HOME").map(PathBuf::from),
        }
    }

    /// Only this file (as `--kubeconfig FILE`).
    pub fn file(path: impl Into<PathBuf>) -> Self {
        LoadOptions {
            explicit: Some(path.into()),
            ..Default::default()
        }
    }

    /// `~/.kube/config` (client-go's `RecommendedHomeFile`).
    pub fn global_file(&self) -> PathBuf {
        self.home
            .clone()
            .unwrap_or_default()
            .join(".kube")
            .join("config")
    }

    /// The files of `KUBECONFIG`, in order, without empty items and duplicates.
    pub fn env_files(&self) -> Vec<PathBuf> {
        let mut out: Vec<PathBuf> = Vec::new();
        if let Some(env) = &self.kubeconfig_env {
            for p in std::env::split_paths(env) {
                if !p.as_os_str().is_empty() && !out.contains(&p) {
                    out.push(p);
                }
            }
        }
        out
    }

    /// Is the kubeconfig fixed by `--kubeconfig`?
    pub fn is_explicit(&self) -> bool {
        self.explicit.is_some()
    }

    /// The files consulted, highest priority first.
    pub fn precedence(&self) -> Vec<PathBuf> {
        if let Some(p) = &self.explicit {
            return vec![p.clone()];
        }
        let env = self.env_files();
        if !env.is_empty() {
            return env;
        }
        vec![self.global_file()]
    }

    /// Where a new entry goes (client-go's `GetDefaultFilename`): the explicit
    /// file; else the only `KUBECONFIG` file, or the first of them that exists,
    /// or the last one; else `~/.kube/config`.
    pub fn default_file(&self) -> PathBuf {
        if let Some(p) = &self.explicit {
            return p.clone();
        }
        let env = self.env_files();
        if let Some(existing) = env.iter().find(|p| p.exists()) {
            return existing.clone();
        }
        env.last().cloned().unwrap_or_else(|| self.global_file())
    }
}

/// One kubeconfig file as read from disk.
#[derive(Clone, Debug, PartialEq)]
pub struct KubeconfigFile {
    /// The path as given (not canonicalized), used in messages.
    pub path: PathBuf,
    /// False when the file does not exist (it then reads as empty).
    pub exists: bool,
    /// The YAML documents in the file; an empty file has one empty document.
    pub documents: Vec<Config>,
}

impl KubeconfigFile {
    /// Reads and parses one file; a missing file is not an error here.
    pub fn read(path: &Path) -> Result<Self, KubeconfigError> {
        KubeconfigFile::parse(path, read_bytes(path)?.as_deref())
    }

    /// Parses what [`read_bytes`] read from `path` (`None`: the file does not exist).
    fn parse(path: &Path, bytes: Option<&[u8]>) -> Result<Self, KubeconfigError> {
        let Some(bytes) = bytes else {
            return Ok(KubeconfigFile {
                path: path.to_path_buf(),
                exists: false,
                documents: vec![Config::default()],
            });
        };
        let text = std::str::from_utf8(bytes).map_err(|e| KubeconfigError::Parse {
            file: path.to_path_buf(),
            line: None,
            column: None,
            message: format!("not UTF-8 text: {e}"),
        })?;
        Ok(KubeconfigFile {
            path: path.to_path_buf(),
            exists: true,
            documents: parse_documents(path, text)?,
        })
    }

    /// The file's (first) document.
    pub fn config(&self) -> &Config {
        &self.documents[0]
    }

    /// The directory relative paths in this file are resolved against.
    pub fn base_dir(&self) -> PathBuf {
        let abs = std::path::absolute(&self.path).unwrap_or_else(|_| self.path.clone());
        abs.parent().map(Path::to_path_buf).unwrap_or_default()
    }
}

/// A file's bytes, or `None` if it does not exist.
fn read_bytes(path: &Path) -> Result<Option<Vec<u8>>, KubeconfigError> {
    match std::fs::read(path) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(KubeconfigError::Read {
            file: path.to_path_buf(),
            source,
        }),
    }
}

/// Parses every YAML document of a file; empty documents read as empty configs.
pub fn parse_documents(file: &Path, text: &str) -> Result<Vec<Config>, KubeconfigError> {
    let mut docs = Vec::new();
    for de in serde_yaml::Deserializer::from_str(text) {
        let doc = Option::<Config>::deserialize(de).map_err(|e| parse_error(file, &e))?;
        let doc = doc.unwrap_or_default();
        check_duplicates(file, &doc)?;
        docs.push(doc);
    }
    if docs.is_empty() {
        docs.push(Config::default());
    }
    Ok(docs)
}

fn parse_error(file: &Path, e: &serde_yaml::Error) -> KubeconfigError {
    let loc = e.location();
    let mut message = e.to_string();
    if let Some(l) = &loc {
        // serde_yaml appends the location itself; we report it in our own format.
        let suffix = format!(" at line {} column {}", l.line(), l.column());
        if let Some(stripped) = message.strip_suffix(&suffix) {
            message = stripped.to_string();
        }
    }
    KubeconfigError::Parse {
        file: file.to_path_buf(),
        line: loc.as_ref().map(|l| l.line()),
        column: loc.as_ref().map(|l| l.column()),
        message,
    }
}

fn check_duplicates(file: &Path, c: &Config) -> Result<(), KubeconfigError> {
    fn dup<'a>(names: impl Iterator<Item = &'a str>) -> Option<String> {
        let mut seen = std::collections::BTreeSet::new();
        names
            .into_iter()
            .find(|n| !seen.insert(*n))
            .map(str::to_string)
    }
    let lists = [
        ("clusters", dup(c.clusters.iter().map(|e| e.name.as_str()))),
        ("users", dup(c.users.iter().map(|e| e.name.as_str()))),
        ("contexts", dup(c.contexts.iter().map(|e| e.name.as_str()))),
    ];
    for (list, name) in lists {
        if let Some(name) = name {
            return Err(KubeconfigError::Duplicate {
                file: file.to_path_buf(),
                list,
                name,
            });
        }
    }
    Ok(())
}

/// An entry found in the merged view, with the file it came from.
#[derive(Debug)]
pub struct Found<'a, T> {
    /// The entry.
    pub entry: &'a T,
    /// The file that defines it (first-wins).
    pub file: &'a KubeconfigFile,
}

// Manual impls: a derive would needlessly require `T: Copy`.
impl<T> Clone for Found<'_, T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for Found<'_, T> {}

/// The set of kubeconfig files in effect, highest priority first.
///
/// ```no_run
/// use rawkube::kubeconfig::{Kubeconfig, LoadOptions, Overrides};
/// let kc = Kubeconfig::load(&LoadOptions::from_env(None))?;
/// let conn = kc.resolve(&Overrides::default())?;
/// println!("talking to {} as {:?}", conn.server, conn.origin.user);
/// # Ok::<(), rawkube::kubeconfig::KubeconfigError>(())
/// ```
#[derive(Clone, Debug)]
pub struct Kubeconfig {
    pub(crate) options: LoadOptions,
    pub(crate) files: Vec<KubeconfigFile>,
    /// What each file held when it was parsed, so that a reload parses only files that
    /// changed since.
    pub(crate) read: ReadBytes,
}

/// The bytes each file of a [`Kubeconfig`] was parsed from (`None`: missing, or not known).
/// `Debug` shows their sizes only: they hold tokens and keys.
#[derive(Clone, Default)]
pub(crate) struct ReadBytes(pub(crate) Vec<Option<Vec<u8>>>);

impl std::fmt::Debug for ReadBytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.0.iter().map(|b| b.as_ref().map(Vec::len)))
            .finish()
    }
}

impl Kubeconfig {
    /// Reads every file in `options`' precedence list. Missing files read as
    /// empty (kubectl ignores them); a file that exists but cannot be read or
    /// parsed is an error naming it.
    pub fn load(options: &LoadOptions) -> Result<Self, KubeconfigError> {
        let mut kc = Kubeconfig {
            options: options.clone(),
            files: Vec::new(),
            read: ReadBytes::default(),
        };
        kc.reload()?;
        Ok(kc)
    }

    /// Re-reads all files from disk (used by edits, under the write lock). A file that holds
    /// the same bytes as when it was last parsed is not parsed again: an edit re-reads every
    /// file under the lock to see other writers' changes, which are rare.
    pub fn reload(&mut self) -> Result<(), KubeconfigError> {
        let paths = self.options.precedence();
        let mut files = Vec::with_capacity(paths.len());
        let mut read = Vec::with_capacity(paths.len());
        for (i, path) in paths.iter().enumerate() {
            let bytes = read_bytes(path)?;
            let before = self.files.get(i).filter(|f| &f.path == path);
            let unchanged = bytes.is_some()
                && before.is_some()
                && self.read.0.get(i).is_some_and(|b| *b == bytes);
            match before {
                Some(file) if unchanged => files.push(file.clone()),
                _ => files.push(KubeconfigFile::parse(path, bytes.as_deref())?),
            }
            read.push(bytes);
        }
        self.files = files;
        self.read = ReadBytes(read);
        Ok(())
    }

    /// The options this set was loaded with.
    pub fn options(&self) -> &LoadOptions {
        &self.options
    }

    /// The files, highest priority first (missing ones have `exists == false`).
    pub fn files(&self) -> &[KubeconfigFile] {
        &self.files
    }

    /// The file paths searched, joined with `:` for messages.
    pub fn searched(&self) -> String {
        self.files
            .iter()
            .map(|f| f.path.display().to_string())
            .collect::<Vec<_>>()
            .join(":")
    }

    fn docs(&self) -> impl Iterator<Item = (&KubeconfigFile, &Config)> {
        self.files
            .iter()
            .flat_map(|f| f.documents.iter().map(move |d| (f, d)))
    }

    /// The merged `current-context` (first non-empty), if any.
    pub fn current_context(&self) -> Option<&str> {
        self.docs()
            .map(|(_, d)| d.current_context.as_str())
            .find(|c| !c.is_empty())
    }

    /// The context entry `name`, first-wins.
    pub fn context(&self, name: &str) -> Option<Found<'_, NamedContext>> {
        self.docs()
            .find_map(|(file, d)| d.context(name).map(|entry| Found { entry, file }))
    }

    /// The cluster entry `name`, first-wins.
    pub fn cluster(&self, name: &str) -> Option<Found<'_, NamedCluster>> {
        self.docs()
            .find_map(|(file, d)| d.cluster(name).map(|entry| Found { entry, file }))
    }

    /// The user entry `name`, first-wins.
    pub fn user(&self, name: &str) -> Option<Found<'_, NamedUser>> {
        self.docs()
            .find_map(|(file, d)| d.user(name).map(|entry| Found { entry, file }))
    }

    /// The merged view, as `kubectl config view --raw` shows it: first-wins
    /// entries sorted by name, paths as written in each file.
    pub fn merged(&self) -> Config {
        let mut out = Config {
            api_version: "v1".into(),
            kind: "Config".into(),
            current_context: self.current_context().unwrap_or_default().to_string(),
            ..Default::default()
        };
        for (_, d) in self.docs() {
            for c in &d.clusters {
                if out.cluster(&c.name).is_none() {
                    out.clusters.push(c.clone());
                }
            }
            for u in &d.users {
                if out.user(&u.name).is_none() {
                    out.users.push(u.clone());
                }
            }
            for c in &d.contexts {
                if out.context(&c.name).is_none() {
                    out.contexts.push(c.clone());
                }
            }
            if out.preferences.is_empty() {
                out.preferences = d.preferences.clone();
            }
            // Top-level extensions merge by name like the entry lists (first file wins).
            for e in &d.extensions {
                if !out.extensions.iter().any(|x| x.name == e.name) {
                    out.extensions.push(e.clone());
                }
            }
        }
        out.clusters.sort_by(|a, b| a.name.cmp(&b.name));
        out.users.sort_by(|a, b| a.name.cmp(&b.name));
        out.contexts.sort_by(|a, b| a.name.cmp(&b.name));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let p = dir.join(name);
        fs::write(&p, text).unwrap();
        p
    }

    fn env_of(paths: &[&Path]) -> OsString {
        std::env::join_paths(paths).unwrap()
    }

    const A: &str = "apiVersion: v1\nkind: Config\ncurrent-context: ''\nclusters:\n- name: shared\n  cluster: {server: 'https://127.0.0.1:1'}\n- name: only-a\n  cluster: {server: 'https://127.0.0.1:2'}\ncontexts:\n- name: ctx\n  context: {cluster: shared, user: ua}\n";
    const B: &str = "apiVersion: v1\nkind: Config\ncurrent-context: ctx\nclusters:\n- name: shared\n  cluster: {server: 'https://127.0.0.1:9'}\n- name: only-b\n  cluster: {server: 'https://127.0.0.1:3'}\nusers:\n- name: ua\n  user: {token: t}\n";

    #[test]
    fn a_reload_parses_again_only_the_files_that_changed() {
        let d = tempfile::tempdir().unwrap();
        let a = write(d.path(), "a", A);
        let b = write(d.path(), "b", B);
        let opts = LoadOptions {
            kubeconfig_env: Some(env_of(&[&a, &b])),
            ..Default::default()
        };
        let mut kc = Kubeconfig::load(&opts).unwrap();
        // Marks in memory that a file parsed again would lose.
        for f in &mut kc.files {
            f.documents[0].current_context = "marked".into();
        }
        kc.reload().unwrap();
        let contexts = |kc: &Kubeconfig| -> Vec<String> {
            kc.files()
                .iter()
                .map(|f| f.config().current_context.clone())
                .collect()
        };
        assert_eq!(contexts(&kc), ["marked", "marked"]);
        write(d.path(), "b", &B.replace("only-b", "only-b2"));
        kc.reload().unwrap();
        assert_eq!(contexts(&kc), ["marked", "ctx"]);
        assert!(kc.cluster("only-b2").is_some());
        fs::remove_file(&a).unwrap();
        kc.reload().unwrap();
        assert!(!kc.files()[0].exists);
        assert!(kc.cluster("only-a").is_none());
        // What an edit writes is read back as a fresh load reads it.
        kc.set_context(Some("new"), &crate::kubeconfig::ContextEdit::default())
            .unwrap();
        let fresh = Kubeconfig::load(&opts).unwrap();
        assert_eq!(kc.files(), fresh.files());
    }

    #[test]
    fn debug_of_a_loaded_kubeconfig_shows_no_token() {
        let d = tempfile::tempdir().unwrap();
        let token = "s3cr3t-tok";
        let text = format!(
            "apiVersion: v1\nkind: Config\nusers:\n- name: u\n  user: {{token: {token}}}\n"
        );
        let p = write(d.path(), "c", &text);
        let kc = Kubeconfig::load(&LoadOptions::file(&p)).unwrap();
        assert_eq!(
            kc.user("u").unwrap().entry.user.token.as_deref(),
            Some(token)
        );
        let shown = format!("{kc:?}");
        // Neither the parsed user nor the bytes kept for the next reload (as text or as a
        // list of byte values) show it.
        let as_bytes = format!("{:?}", &token.as_bytes()[..6]);
        let as_bytes = as_bytes.trim_matches(|c| c == '[' || c == ']');
        assert!(!shown.contains(token), "{shown}");
        assert!(!shown.contains(as_bytes), "{shown}");
    }

    #[test]
    fn kubeconfig_env_merges_first_wins_and_skips_missing_files() {
        let d = tempfile::tempdir().unwrap();
        let a = write(d.path(), "a", A);
        let b = write(d.path(), "b", B);
        let missing = d.path().join("missing");
        let opts = LoadOptions {
            kubeconfig_env: Some(env_of(&[&missing, &a, &b, &a])),
            ..Default::default()
        };
        let kc = Kubeconfig::load(&opts).unwrap();
        assert_eq!(kc.files().len(), 3, "duplicates dropped");
        assert!(!kc.files()[0].exists);
        let shared = kc.cluster("shared").unwrap();
        assert_eq!(shared.entry.cluster.server, "https://127.0.0.1:1");
        assert_eq!(shared.file.path, a);
        assert_eq!(kc.cluster("only-b").unwrap().file.path, b);
        // a's current-context is empty, so b's wins.
        assert_eq!(kc.current_context(), Some("ctx"));
        let merged = kc.merged();
        let names: Vec<_> = merged.clusters.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["only-a", "only-b", "shared"]);
    }

    #[test]
    fn explicit_file_beats_kubeconfig_env_and_home() {
        let d = tempfile::tempdir().unwrap();
        let a = write(d.path(), "a", A);
        let b = write(d.path(), "b", B);
        let opts = LoadOptions {
            explicit: Some(a.clone()),
            kubeconfig_env: Some(env_of(&[&b])),
            home: Some(d.path().to_path_buf()),
        };
        assert_eq!(opts.precedence(), vec![a]);
        let home_only = LoadOptions {
            home: Some(d.path().to_path_buf()),
            ..Default::default()
        };
        assert_eq!(home_only.precedence(), vec![d.path().join(".kube/config")]);
    }

    #[test]
    fn default_file_is_first_existing_env_file_else_last() {
        let d = tempfile::tempdir().unwrap();
        let x = d.path().join("x");
        let y = d.path().join("y");
        let opts = LoadOptions {
            kubeconfig_env: Some(env_of(&[&x, &y])),
            ..Default::default()
        };
        assert_eq!(opts.default_file(), y);
        fs::write(&x, "").unwrap();
        assert_eq!(opts.default_file(), x);
    }

    #[test]
    fn multi_document_files_merge_first_wins() {
        let d = tempfile::tempdir().unwrap();
        let p = write(d.path(), "multi", &format!("{A}---\n{B}"));
        let kc = Kubeconfig::load(&LoadOptions::file(&p)).unwrap();
        assert_eq!(kc.files()[0].documents.len(), 2);
        assert_eq!(
            kc.cluster("shared").unwrap().entry.cluster.server,
            "https://127.0.0.1:1"
        );
        assert!(kc.user("ua").is_some());
        assert_eq!(kc.current_context(), Some("ctx"));
    }

    #[test]
    fn empty_and_comment_only_files_are_empty_configs() {
        let d = tempfile::tempdir().unwrap();
        for (name, text) in [("empty", ""), ("comment", "# nothing here\n")] {
            let p = write(d.path(), name, text);
            let kc = Kubeconfig::load(&LoadOptions::file(&p)).unwrap();
            assert_eq!(kc.files()[0].config(), &Config::default());
        }
    }

    #[test]
    fn bad_yaml_names_file_line_and_column() {
        let d = tempfile::tempdir().unwrap();
        let p = write(
            d.path(),
            "bad",
            "apiVersion: v1\nclusters:\n- name: c\n  cluster: [unclosed\n",
        );
        let err = Kubeconfig::load(&LoadOptions::file(&p)).unwrap_err();
        let msg = err.to_string();
        assert!(
            matches!(err, KubeconfigError::Parse { line: Some(_), .. }),
            "{err:?}"
        );
        assert!(
            msg.contains(&p.display().to_string()) && msg.contains("line"),
            "{msg}"
        );
    }

    #[test]
    fn wrong_field_type_names_the_field() {
        let d = tempfile::tempdir().unwrap();
        let p = write(
            d.path(),
            "bad",
            "clusters:\n- name: c\n  cluster:\n    server: https://127.0.0.1:1\n    insecure-skip-tls-verify: [1]\n",
        );
        let msg = Kubeconfig::load(&LoadOptions::file(&p))
            .unwrap_err()
            .to_string();
        assert!(msg.contains("insecure-skip-tls-verify"), "{msg}");
    }

    #[test]
    fn duplicate_names_are_rejected() {
        let d = tempfile::tempdir().unwrap();
        let p = write(d.path(), "dup", "users:\n- name: u\n- name: u\n");
        let err = Kubeconfig::load(&LoadOptions::file(&p)).unwrap_err();
        assert!(
            matches!(err, KubeconfigError::Duplicate { list: "users", .. }),
            "{err:?}"
        );
    }

    #[test]
    fn unreadable_file_is_a_read_error_naming_it() {
        let d = tempfile::tempdir().unwrap();
        // A directory where a file is expected fails to read on every platform and as root.
        let p = d.path().join("dir");
        fs::create_dir(&p).unwrap();
        let err = Kubeconfig::load(&LoadOptions::file(&p)).unwrap_err();
        assert!(matches!(err, KubeconfigError::Read { .. }), "{err:?}");
        assert!(err.to_string().contains(&p.display().to_string()));
    }

    #[test]
    fn non_utf8_file_is_a_parse_error() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("bin");
        fs::write(&p, [0xff, 0xfe, 0x00]).unwrap();
        let err = Kubeconfig::load(&LoadOptions::file(&p)).unwrap_err();
        assert!(matches!(err, KubeconfigError::Parse { .. }), "{err:?}");
    }
}
