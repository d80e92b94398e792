//! Per-file and per-suite results, the text table and `summary.json`.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::Duration;

use serde::Serialize;

/// How many failure messages a file report keeps.
pub const KEPT_FAILURES: usize = 8;

/// Results of one `.wast` script. `passed + failed + skipped` is the number of directives run
/// (all of them, unless the script did not parse or the file panicked outside a directive).
#[derive(Debug, Clone, Default)]
pub struct FileReport {
    pub file: String,
    pub passed: usize,
    pub failed: usize,
    pub skipped: usize,
    /// Directives where fayasm and wasmtime disagreed (each is also counted in `failed`).
    pub diff_mismatches: usize,
    /// The first [`KEPT_FAILURES`] failure messages, each starting with `line N:`.
    pub failures: Vec<String>,
    pub elapsed: Duration,
}

impl FileReport {
    pub fn new(file: &str) -> FileReport {
        FileReport {
            file: file.to_string(),
            ..FileReport::default()
        }
    }

    pub fn fail(&mut self, line: usize, message: impl Into<String>) {
        self.failed += 1;
        if self.failures.len() < KEPT_FAILURES {
            self.failures
                .push(format!("line {line}: {}", message.into()));
        }
    }

    pub fn ok(&self) -> bool {
        self.failed == 0
    }
}

/// Totals of a suite, in the shape of `summary.json`.
#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq, Eq)]
pub struct Totals {
    pub files: usize,
    pub files_passed: usize,
    pub passed: usize,
    pub failed: usize,
    pub skipped: usize,
    pub diff_mismatches: usize,
}

/// Results of one suite.
#[derive(Debug, Clone)]
pub struct SuiteReport {
    pub suite: String,
    pub files: Vec<FileReport>,
    pub elapsed: Duration,
}

impl SuiteReport {
    pub fn totals(&self) -> Totals {
        let mut t = Totals {
            files: self.files.len(),
            ..Totals::default()
        };
        for f in &self.files {
            t.files_passed += usize::from(f.ok());
            t.passed += f.passed;
            t.failed += f.failed;
            t.skipped += f.skipped;
            t.diff_mismatches += f.diff_mismatches;
        }
        t
    }

    pub fn ok(&self) -> bool {
        self.files.iter().all(FileReport::ok)
    }

    /// The table: one row per file (all files when `all_rows`, else only failing ones), a total
    /// row, then the kept failure messages of failing files.
    pub fn table(&self, all_rows: bool) -> String {
        let mut s = String::new();
        let t = self.totals();
        let w = self
            .files
            .iter()
            .map(|f| f.file.len())
            .max()
            .unwrap_or(4)
            .max(self.suite.len())
            .max(5);
        let _ = writeln!(
            s,
            "{:<w$}  {:>7}  {:>7}  {:>7}  {:>10}  {:>8}",
            self.suite, "passed", "failed", "skipped", "mismatches", "time"
        );
        for f in self.files.iter().filter(|f| all_rows || !f.ok()) {
            let _ = writeln!(
                s,
                "{:<w$}  {:>7}  {:>7}  {:>7}  {:>10}  {:>7.1}s{}",
                f.file,
                f.passed,
                f.failed,
                f.skipped,
                f.diff_mismatches,
                f.elapsed.as_secs_f64(),
                if f.ok() { "" } else { "  FAIL" }
            );
        }
        let _ = writeln!(
            s,
            "{:<w$}  {:>7}  {:>7}  {:>7}  {:>10}  {:>7.1}s  ({}/{} files pass)",
            "TOTAL",
            t.passed,
            t.failed,
            t.skipped,
            t.diff_mismatches,
            self.elapsed.as_secs_f64(),
            t.files_passed,
            t.files
        );
        for f in self.files.iter().filter(|f| !f.ok()) {
            let _ = writeln!(s, "\n{}/{}: {} failed", self.suite, f.file, f.failed);
            for m in &f.failures {
                let _ = writeln!(s, "    {m}");
            }
            if f.failed > f.failures.len() {
                let _ = writeln!(s, "    ... and {} more", f.failed - f.failures.len());
            }
        }
        s
    }
}

/// `{"suites": {"wasm-v2": {"files": .., "files_passed": .., "passed": .., "failed": ..,
/// "skipped": .., "diff_mismatches": ..}, ...}}`
pub fn summary_json(reports: &[SuiteReport]) -> String {
    #[derive(Serialize)]
    struct Summary {
        suites: BTreeMap<String, Totals>,
    }
    let suites = reports
        .iter()
        .map(|r| (r.suite.clone(), r.totals()))
        .collect();
    let mut json =
        serde_json::to_string_pretty(&Summary { suites }).expect("plain data serializes");
    json.push('\n');
    json
}

/// The closing line: `conformance: N passed, M failed`.
pub fn final_line(reports: &[SuiteReport]) -> String {
    let (passed, failed) = reports
        .iter()
        .map(SuiteReport::totals)
        .fold((0, 0), |(p, f), t| (p + t.passed, f + t.failed));
    format!("conformance: {passed} passed, {failed} failed")
}
