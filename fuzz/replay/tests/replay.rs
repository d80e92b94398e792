//! Every committed input of every fuzz target, replayed through the target's check.
//!
//! `fuzz/corpus/TARGET/` holds each target's seeds and the crash inputs it has found (kept as
//! seeds once fixed). The libFuzzer binaries run the same `fayasm_fuzz::*::check` functions;
//! here they run as an ordinary test, so every `cargo test --workspace` proves that no known
//! input fails again, without a sanitizer build (`cargo xtask fuzz` does the coverage-guided
//! runs, with AddressSanitizer).

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

/// A target's check: panics when a property fails.
type Check = fn(&[u8]);

/// Each target and its check. A target directory under `fuzz/corpus/` without an entry here
/// fails the test, so a new target cannot be left out of the replay.
const TARGETS: &[(&str, Check)] = &[
    ("decode", |d| fayasm_fuzz::decode::check(d)),
    ("microcode_roundtrip", |d| fayasm_fuzz::microcode::check(d)),
    ("blob_corruption", |d| {
        let _ = fayasm_fuzz::blobs::check(d);
    }),
    ("storage_faults", |d| {
        let _ = fayasm_fuzz::faults::check(d);
    }),
    ("spill_code_roundtrip", |d| {
        let _ = fayasm_fuzz::spill_code::check(d);
    }),
    ("spill_memory_roundtrip", |d| {
        let _ = fayasm_fuzz::spill_memory::check(d);
    }),
    ("wasi_calls", |d| {
        let _ = fayasm_fuzz::wasi::check(d);
    }),
    ("suspend_resume", |d| {
        let _ = fayasm_fuzz::suspend::check(d);
    }),
    ("differential", |d| {
        let _ = fayasm_fuzz::differential::check(d);
    }),
    ("differential_proposals", |d| {
        let _ = fayasm_fuzz::differential::check_proposals(d);
    }),
];

fn corpus_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../corpus")
}

fn inputs(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

#[test]
fn every_corpus_directory_has_a_check() {
    let mut missing = Vec::new();
    for entry in std::fs::read_dir(corpus_root()).expect("fuzz/corpus") {
        let name = entry.expect("entry").file_name();
        let name = name.to_string_lossy();
        if !TARGETS.iter().any(|(t, _)| *t == name) {
            missing.push(name.into_owned());
        }
    }
    assert!(
        missing.is_empty(),
        "fuzz/corpus has targets that fuzz/replay/tests/replay.rs does not replay: {missing:?} \
         (add them to TARGETS)"
    );
}

#[test]
fn every_target_has_seeds() {
    for (target, _) in TARGETS {
        let dir = corpus_root().join(target);
        assert!(
            dir.is_dir() && !inputs(&dir).is_empty(),
            "no seeds in {} (the replay would prove nothing)",
            dir.display()
        );
    }
}

#[test]
fn replay_every_committed_input() {
    // The checks panic on a failed property; collect every failure before reporting.
    let mut failures = Vec::new();
    let mut total = 0;
    for (target, check) in TARGETS {
        let dir = corpus_root().join(target);
        if !dir.is_dir() {
            continue;
        }
        for file in inputs(&dir) {
            let data = std::fs::read(&file).expect("reading a corpus file");
            total += 1;
            if catch_unwind(AssertUnwindSafe(|| check(&data))).is_err() {
                failures.push(format!("{target}: {}", file.display()));
            }
        }
    }
    eprintln!("replayed {total} inputs");
    assert!(
        failures.is_empty(),
        "{} of {total} fuzz inputs fail (replay one with `cargo fuzz run TARGET FILE` in fuzz/):\n{}",
        failures.len(),
        failures.join("\n")
    );
}
