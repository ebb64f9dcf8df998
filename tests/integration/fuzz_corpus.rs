//! The fuzz corpora as ordinary tests: every committed corpus input (`fuzz/corpus/<target>/`)
//! and every input that once crashed or hung a target (`fuzz/regressions/<target>/`) goes
//! through the same entry function the fuzzer calls (`rawkube::fuzzing`,
//! `mock_apiserver::fuzzing`), so CI keeps each fix fixed without nightly or a fuzzer.
//! See FUZZING.md.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz")
}

/// Every fuzz target of both crates.
fn targets() -> Vec<rawkube::fuzzing::Target> {
    rawkube::fuzzing::TARGETS
        .iter()
        .chain(mock_apiserver::fuzzing::TARGETS)
        .copied()
        .collect()
}

fn names_in(dir: &Path) -> BTreeSet<String> {
    fs::read_dir(dir)
        .map(|entries| {
            entries
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// Runs every file under `fuzz/<kind>/<target>/` through its target; returns how many ran
/// per target. Fails naming each input that panicked.
fn replay(kind: &str) -> Vec<(&'static str, usize)> {
    let mut counts = Vec::new();
    let mut failed = Vec::new();
    for (name, run) in targets() {
        let dir = fuzz_dir().join(kind).join(name);
        let mut n = 0;
        for file in names_in(&dir) {
            let path = dir.join(file);
            let data = fs::read(&path).unwrap();
            if std::panic::catch_unwind(|| run(&data)).is_err() {
                failed.push(path.display().to_string());
            }
            n += 1;
        }
        counts.push((name, n));
    }
    assert!(failed.is_empty(), "these inputs panic: {failed:#?}");
    counts
}

#[test]
fn every_corpus_input_runs_without_panicking() {
    let counts = replay("corpus");
    for (name, n) in &counts {
        assert!(*n > 0, "fuzz/corpus/{name} is empty or missing");
    }
    eprintln!("replayed corpora: {counts:?}");
}

#[test]
fn every_input_that_once_failed_runs_without_panicking() {
    let counts = replay("regressions");
    assert!(
        counts.iter().map(|(_, n)| n).sum::<usize>() > 0,
        "no regression inputs found under {}",
        fuzz_dir().join("regressions").display()
    );
    eprintln!("replayed regressions: {counts:?}");
}

/// A target with a harness but no entry here (or a corpus nobody replays) would escape CI.
#[test]
fn harnesses_corpora_and_entry_functions_match() {
    let known: BTreeSet<String> = targets().iter().map(|(n, _)| n.to_string()).collect();
    let harnesses: BTreeSet<String> = names_in(&fuzz_dir().join("fuzz_targets"))
        .into_iter()
        .filter_map(|f| f.strip_suffix(".rs").map(str::to_string))
        .collect();
    assert_eq!(harnesses, known, "fuzz/fuzz_targets vs the fuzzing modules");
    for kind in ["corpus", "regressions"] {
        let dirs = names_in(&fuzz_dir().join(kind));
        assert!(dirs.is_subset(&known), "fuzz/{kind}: {dirs:?} vs {known:?}");
    }
    let manifest = fs::read_to_string(fuzz_dir().join("Cargo.toml")).unwrap();
    for name in &known {
        assert!(
            manifest.contains(&format!("path = \"fuzz_targets/{name}.rs\"")),
            "fuzz/Cargo.toml has no [[bin]] for {name}"
        );
    }
}
