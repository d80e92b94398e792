//! Project automation: `cargo xtask <command>` (the alias lives in `.cargo/config.toml`).
//!
//! - `conformance [--suite NAME]... [runner options]`: run spec suites against fayasm with the
//!   wasmtime oracle (default: the claimed suites), print a table per suite, write
//!   `target/conformance/summary.json`.
//! - `ci`: everything CI runs (format check, clippy when installed, the no_std engine build,
//!   `cargo test --workspace`, which includes the claimed spec suites).
//! - `samples [--bless] [--twice]`: rebuild `wasm_samples/` and fail on stale `.wasm` files.
//! - `bench [--quick]`: criterion comparison benchmarks; writes `target/bench/summary.{json,md}`
//!   and `target/bench/chart.svg`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Result};
use xshell::{cmd, Shell};

mod bench;
mod conformance;
mod esp32;
mod fuzz;
mod samples;

const USAGE: &str = "\
usage: cargo xtask <command>

commands:
  conformance [--suite NAME]... [--file PATTERN]... [--jobs N] [--no-oracle] [--prescan]
              run spec suites (default: the claimed ones) against fayasm, checked against
              wasmtime; writes target/conformance/summary.json
  ci          format check, clippy (if installed), no_std engine build, cargo test --workspace
  samples [--bless] [--twice]
              rebuild wasm_samples/ (clang, Rust for wasm32) and fail on a stale committed .wasm
  bench [--quick] [--no-run]
              criterion benchmarks (fayasm vs wasmi, wasm3, wasmtime); writes target/bench/
              summary.json, summary.md and chart.svg
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("conformance") => conformance::run(&args[1..]),
        Some("ci") => ci(&args[1..]),
        Some("samples") => samples::run(&args[1..]),
        Some("bench") => bench::run(&args[1..]),
        Some("fuzz") => fuzz::run(&args[1..]),
        Some("esp32") => esp32::run(&args[1..]),
        Some("-h" | "--help" | "help") => {
            print!("{USAGE}");
            Ok(true)
        }
        _ => {
            eprint!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("xtask: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// The workspace root (the xtask crate sits right below it).
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask is inside the workspace")
        .to_path_buf()
}

/// The shared target directory (`CARGO_TARGET_DIR` when set).
pub fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => root().join(dir),
        None => root().join("target"),
    }
}

/// The cargo that runs this xtask.
pub fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string())
}

/// A shell in the workspace root.
pub fn shell() -> Result<Shell> {
    let sh = Shell::new()?;
    sh.change_dir(root());
    Ok(sh)
}

fn ci(args: &[String]) -> Result<bool> {
    if let Some(a) = args.first() {
        bail!("`ci` takes no arguments (got `{a}`)");
    }
    let sh = shell()?;
    let cargo = cargo();
    cmd!(sh, "{cargo} fmt --all -- --check").run()?;
    if cmd!(sh, "{cargo} clippy --version")
        .quiet()
        .ignore_stderr()
        .read()
        .is_ok()
    {
        cmd!(
            sh,
            "{cargo} clippy --workspace --all-targets -- -D warnings"
        )
        .run()?;
    } else {
        eprintln!("xtask ci: clippy is not installed; skipping it");
    }
    // The engine must stay no_std + alloc.
    cmd!(sh, "{cargo} build -p fayasm --no-default-features").run()?;
    // Unit, integration and doc tests, and the claimed spec suites (conformance/tests/spec.rs).
    cmd!(sh, "{cargo} test --workspace").run()?;
    // Binding imports to a shared library is behind a feature the workspace run leaves off.
    cmd!(sh, "{cargo} test -p fayasm --features dylib --test dylib").run()?;
    // Every fuzz target for a short time (`fuzz/`, nightly-style build of its own).
    if !fuzz::ci_step()? {
        return Ok(false);
    }
    // The firmware on the 32-bit target: boot it under QEMU, and build the ESP32-C3 image.
    if !esp32::ci_step()? {
        return Ok(false);
    }
    Ok(true)
}
