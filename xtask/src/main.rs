//! Project automation: `cargo xtask <command>` (the alias lives in `.cargo/config.toml`).
//!
//! - `conformance [--suite NAME]... [runner options]`: run spec suites against fayasm with the
//!   wasmtime oracle (default: the claimed suites), print a table per suite, write
//!   `target/conformance/summary.json`.
//! - `ci [--quick]`: everything CI runs, each step timed (see `ci_steps`); `--quick` is the
//!   inner loop.
//! - `samples [--bless] [--twice]`: rebuild `wasm_samples/` and fail on stale `.wasm` files.
//! - `bench [--quick] [--no-run]`: criterion comparison benchmarks; writes
//!   `target/bench/summary.{json,md}` and `target/bench/chart.svg`.
//! - `fuzz [--seconds N] [--jobs J] [--no-asan] [TARGET...]`: the cargo-fuzz targets under
//!   libFuzzer.
//! - `esp32 qemu|build`: the firmware: boot it under QEMU, or build an image.
//! - `c-api-no-std`: the C API's static library without std for rv32imc (the firmware's
//!   target).
//!
//! `USAGE` below is the same list as `cargo xtask help` prints it.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{bail, Result};
use xshell::{cmd, Shell};

mod bench;
mod c_api;
// The power-cut sweep of the firmware's checkpoint storage, whose `esp32/src/storage.rs` is
// no_std code that names `alloc`.
#[cfg(test)]
extern crate alloc;
#[cfg(test)]
mod card_cuts;
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
  ci [--quick]
              everything CI runs, each step timed (format, clippy, docs, no_std build, all
              tests, fuzz smoke, firmware, no_std C API); --quick: format, clippy, engine and CLI tests,
              wasm-v1/v2 suites
  fuzz [--seconds N] [--jobs J] [--no-asan] [TARGET...]
              cargo-fuzz targets under libFuzzer
  esp32 qemu|build
              the firmware: boot it under QEMU, or build an image
  c-api-no-std
              build the C API's static library without std for rv32imc (the firmware's target),
              link it into a bare-metal C program and boot that under QEMU
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
        Some("c-api-no-std") => c_api::ci_step(),
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

/// The temporary name next to `dest` that [`replace_file`] and [`replace_with_copy`] write
/// before renaming it over `dest`.
fn temp_beside(dest: &Path) -> PathBuf {
    let name = dest
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    dest.with_file_name(format!(".{name}.tmp{}", std::process::id()))
}

/// Gives `dest` the contents `bytes` as a new file: written beside it, then renamed over it.
/// Never write through an existing build output: target dirs are hard-linked copies of a warm
/// cache (on the build machine and in CI caches), and writing into a shared inode changes the
/// other target dir's copy as well. The rename also leaves either the old file or the new one.
pub fn replace_file(dest: &Path, bytes: &[u8]) -> Result<()> {
    let tmp = temp_beside(dest);
    std::fs::write(&tmp, bytes)
        .and_then(|()| std::fs::rename(&tmp, dest))
        .map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            anyhow::anyhow!("writing {}: {e}", dest.display())
        })
}

/// Copies `src` to `dest` as a new file (see [`replace_file`]: `fs::copy` onto an existing
/// `dest` writes through a hard link).
pub fn replace_with_copy(src: &Path, dest: &Path) -> Result<()> {
    let tmp = temp_beside(dest);
    std::fs::copy(src, &tmp)
        .and_then(|_| std::fs::rename(&tmp, dest))
        .map(|_| ())
        .map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            anyhow::anyhow!("copying {} to {}: {e}", src.display(), dest.display())
        })
}

/// Creates `path` as a new, empty file: the old one is unlinked first rather than truncated,
/// since truncating a hard link empties the other target dir's copy too (see [`replace_file`]).
pub fn create_fresh(path: &Path) -> Result<std::fs::File> {
    match std::fs::remove_file(path) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => bail!("removing {}: {e}", path.display()),
    }
    std::fs::File::create(path).map_err(|e| anyhow::anyhow!("creating {}: {e}", path.display()))
}

/// One timed CI step: its name and how long it took.
struct Steps {
    started: Instant,
    done: Vec<(String, Duration, bool)>,
}

impl Steps {
    fn new() -> Steps {
        Steps {
            started: Instant::now(),
            done: Vec::new(),
        }
    }

    /// Runs `f` as the step `name`, printing its wall time when it ends (and the table so far
    /// if it fails, so every log shows where the time went).
    fn run(&mut self, name: &str, f: impl FnOnce() -> Result<bool>) -> Result<bool> {
        println!("\n== xtask ci: {name} ==");
        let t = Instant::now();
        let outcome = f();
        let took = t.elapsed();
        let ok = matches!(outcome, Ok(true));
        println!(
            "== xtask ci: {name}: {} in {} ==",
            if ok { "ok" } else { "FAILED" },
            mmss(took)
        );
        self.done.push((name.to_string(), took, ok));
        if !ok {
            self.print();
        }
        outcome
    }

    fn print(&self) {
        println!("\n| step | wall time | result |\n| --- | ---: | --- |");
        for (name, took, ok) in &self.done {
            println!(
                "| {name} | {} | {} |",
                mmss(*took),
                if *ok { "ok" } else { "FAILED" }
            );
        }
        println!("| total | {} | |", mmss(self.started.elapsed()));
    }
}

fn mmss(d: Duration) -> String {
    let s = d.as_secs();
    format!("{}:{:02}", s / 60, s % 60)
}

/// `cargo xtask ci [--quick]`. Every step prints its wall time; the table of all steps ends
/// the log. `--quick` is the inner loop: format, clippy on the workspace, the engine's and the
/// command line's tests and the WebAssembly 1.0/2.0 spec suites with the oracle.
fn ci(args: &[String]) -> Result<bool> {
    let quick = match args {
        [] => false,
        [a] if a == "--quick" => true,
        [a, ..] => bail!("`ci` takes only `--quick` (got `{a}`)"),
    };
    let cargo = cargo();
    let mut steps = Steps::new();
    let ok = ci_steps(&mut steps, &cargo, quick);
    steps.print();
    ok
}

/// Features that `ci` adds to the workspace's clippy and test runs: the engine's optional
/// features that the default build leaves off, so one build covers their code too.
const WORKSPACE_FEATURES: &str = "fayasm/dylib";

fn ci_steps(steps: &mut Steps, cargo: &str, quick: bool) -> Result<bool> {
    let sh = shell()?;
    let run = |c: xshell::Cmd<'_>| -> Result<bool> {
        c.run()?;
        Ok(true)
    };
    if !steps.run("format", || {
        run(cmd!(sh, "{cargo} fmt --all -- --check"))?;
        // The crates outside the workspace.
        for dir in ["fuzz", "bench", "esp32"] {
            let manifest = root().join(dir).join("Cargo.toml");
            run(cmd!(
                sh,
                "{cargo} fmt --manifest-path {manifest} -- --check"
            ))?;
        }
        Ok(true)
    })? {
        return Ok(false);
    }
    let have_clippy = cmd!(sh, "{cargo} clippy --version")
        .quiet()
        .ignore_stderr()
        .read()
        .is_ok();
    if have_clippy {
        if !steps.run("clippy (workspace, all targets; firmware)", || {
            run(cmd!(
                sh,
                "{cargo} clippy --workspace --all-targets --features {WORKSPACE_FEATURES} -- -D warnings"
            ))?;
            // The firmware crate, checked for the host with the QEMU board (a check build
            // needs no rv32 toolchain; the ESP32-C3 board's HAL only builds for the chip).
            let firmware = root().join("esp32/Cargo.toml");
            run(cmd!(
                sh,
                "{cargo} clippy --manifest-path {firmware} --features qemu -- -D warnings"
            ))
        })? {
            return Ok(false);
        }
    } else {
        eprintln!("xtask ci: clippy is not installed; skipping it");
    }
    // The library's API docs: no broken links or other rustdoc warnings (the README's Rust
    // examples run as doctests in the test step).
    if !steps.run("docs (fayasm, no warnings)", || {
        run(cmd!(sh, "{cargo} doc -p fayasm --no-deps").env("RUSTDOCFLAGS", "-D warnings"))
    })? {
        return Ok(false);
    }
    if quick {
        if !steps.run("engine and command-line tests", || {
            run(cmd!(sh, "{cargo} test -p fayasm -p fayasm-cli"))
        })? {
            return Ok(false);
        }
        return steps.run(
            "spec suites wasm-v1, wasm-v2 (oracle, spill, paged)",
            || {
                run(cmd!(
                    sh,
                    "{cargo} test -p fayasm-conformance --test spec -- wasm-v1 wasm-v2"
                ))
            },
        );
    }
    // The engine must stay no_std + alloc.
    if !steps.run("no_std engine build", || {
        run(cmd!(sh, "{cargo} build -p fayasm --no-default-features"))
    })? {
        return Ok(false);
    }
    // The firmware's `narrow-frames` engine (frames past 65,535 cells refused, and no wide
    // form of the ops that only such frames need), first with the default features (the
    // large-frame tests build their frames from v128 locals), then as the firmware builds
    // it (no `simd`, `threads`, `exceptions` or `gc`: those ops neither decoded nor
    // dispatched; `std` for the test harness). The workspace's test step runs these tests
    // only in the full build. `-p fayasm` builds no wasmtime.
    if !steps.run("firmware-feature engine tests", || {
        run(cmd!(
            sh,
            "{cargo} test -p fayasm --features narrow-frames --test all -- narrow_frames"
        ))?;
        run(cmd!(
            sh,
            "{cargo} test -p fayasm --no-default-features --features std,narrow-frames --test all -- narrow_frames proposal_ops"
        ))
    })? {
        return Ok(false);
    }
    // Unit, integration and doc tests, the claimed spec suites (conformance/tests/spec.rs)
    // and every committed fuzz input (fuzz/replay), with the engine's optional `dylib`
    // feature on so its test runs in the same build instead of a second one.
    if !steps.run("cargo test --workspace (+dylib)", || {
        run(cmd!(
            sh,
            "{cargo} test --workspace --features {WORKSPACE_FEATURES}"
        ))
    })? {
        return Ok(false);
    }
    // The engine-only fuzz targets under libFuzzer for a short time (no wasmtime build).
    if !steps.run("fuzz smoke", fuzz::ci_step)? {
        return Ok(false);
    }
    // The firmware on the 32-bit target: boot it under QEMU, and build the ESP32-C3 image.
    if !steps.run(
        "esp32 firmware (QEMU boots, ESP32-C3 image)",
        esp32::ci_step,
    )? {
        return Ok(false);
    }
    // The C API library stays no_std + alloc: its static library for the firmware's target.
    steps.run(
        "no_std C API (rv32imc build, C program under QEMU)",
        c_api::ci_step,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `replace_file`, `replace_with_copy` and `create_fresh` leave a hard link's other name
    /// (another target dir's copy) as it was.
    #[test]
    fn build_outputs_never_write_through_a_hard_link() -> Result<()> {
        let sh = Shell::new()?;
        let dir = sh.create_temp_dir()?;
        let dir = dir.path();
        let src = dir.join("src");
        std::fs::write(&src, b"new build")?;
        let other = dir.join("other");
        let dest = dir.join("dest");
        for (i, replace) in [
            (|src: &Path, dest: &Path| replace_with_copy(src, dest)) as fn(&Path, &Path) -> _,
            |_, dest| replace_file(dest, b"new build"),
            |_, dest| create_fresh(dest).map(drop),
        ]
        .into_iter()
        .enumerate()
        {
            let _ = std::fs::remove_file(&dest);
            std::fs::write(&other, b"cached")?;
            std::fs::hard_link(&other, &dest)?;
            replace(&src, &dest)?;
            assert_eq!(std::fs::read(&other)?, b"cached", "helper {i}");
            let want: &[u8] = if i == 2 { b"" } else { b"new build" };
            assert_eq!(std::fs::read(&dest)?, want, "helper {i}");
        }
        // Nothing left beside it.
        let mut names: Vec<_> = std::fs::read_dir(dir)?
            .map(|e| e.map(|e| e.file_name()))
            .collect::<Result<_, _>>()?;
        names.sort();
        assert_eq!(names, ["dest", "other", "src"]);
        Ok(())
    }
}
