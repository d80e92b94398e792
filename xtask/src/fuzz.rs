//! `cargo xtask fuzz [--seconds N] [--jobs J] [--no-asan] [TARGET...]`: build the cargo-fuzz
//! targets in `fuzz/` and run each for N seconds (default 60), then print executions per target
//! and any crash.
//!
//! - cargo-fuzz is installed (`cargo install cargo-fuzz --locked`) when missing.
//! - The build needs nightly flags (`-Zsanitizer`, coverage instrumentation): `cargo +nightly`
//!   when a nightly toolchain is installed, else the current toolchain with `RUSTC_BOOTSTRAP=1`
//!   (how a fresh CI machine with only stable builds it).
//! - The targets that only exercise fayasm are built with AddressSanitizer (hostile microcode
//!   that passes the verifier runs without bounds checks, so an out-of-bounds access must be
//!   seen); `differential` needs wasmtime and is built without a sanitizer (feature
//!   `differential`). Each build has its own target directory under `fuzz/target/`, because
//!   sanitizer flags change every artefact. `--no-asan` builds everything without a sanitizer,
//!   in one build.
//! - The binaries run directly (not through `cargo fuzz run`, which would rebuild when the
//!   engine changed in between): the working corpus is `fuzz/target/corpus/TARGET` (seeded from
//!   the committed `fuzz/corpus/TARGET`, which libFuzzer only reads), crash inputs go to
//!   `fuzz/artifacts/TARGET/`, and the full libFuzzer log to `fuzz/target/logs/TARGET.log`.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Instant;

use anyhow::{bail, Context, Result};

/// Every target, in the order they run.
pub const TARGETS: [&str; 10] = [
    "decode",
    "microcode_roundtrip",
    "blob_corruption",
    "storage_faults",
    "spill_code_roundtrip",
    "spill_memory_roundtrip",
    "wasi_calls",
    "suspend_resume",
    "differential",
    "differential_proposals",
];

/// Targets that need the wasmtime oracle (feature `differential`, no sanitizer).
const ORACLE_TARGETS: [&str; 2] = ["differential", "differential_proposals"];

const USAGE: &str = "usage: cargo xtask fuzz [--seconds N] [--jobs J] [--no-asan] [TARGET...]";

/// How to run the fuzz step.
#[derive(Debug, Clone)]
pub struct Options {
    pub seconds: u64,
    pub jobs: usize,
    pub asan: bool,
    pub targets: Vec<String>,
}

pub fn run(args: &[String]) -> Result<bool> {
    let mut opts = Options {
        seconds: 60,
        jobs: 1,
        asan: true,
        targets: Vec::new(),
    };
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--seconds" => {
                let v = it.next().context("--seconds needs a value")?;
                opts.seconds = v.parse().with_context(|| format!("--seconds {v}"))?;
            }
            "--jobs" => {
                let v = it.next().context("--jobs needs a value")?;
                opts.jobs = v.parse().with_context(|| format!("--jobs {v}"))?;
            }
            "--no-asan" => opts.asan = false,
            "-h" | "--help" => {
                println!("{USAGE}\ntargets: {}", available().join(" "));
                return Ok(true);
            }
            t if !t.starts_with('-') => opts.targets.push(t.to_string()),
            other => bail!("unknown argument `{other}`\n{USAGE}"),
        }
    }
    fuzz(&opts)
}

/// What `cargo xtask ci` runs for fuzz: the targets that need no wasmtime, for 20 seconds
/// each, two at a time, from one AddressSanitizer build. The oracle target (`differential`)
/// is not built here: an instrumented wasmtime build costs about 17 CPU-minutes, so CI checks
/// it by replaying its committed inputs in `cargo test --workspace` (`fuzz/replay`), which
/// reuses the tests' wasmtime build; `cargo xtask fuzz` runs it under libFuzzer.
pub fn ci_step() -> Result<bool> {
    fuzz(&Options {
        seconds: 20,
        jobs: 2,
        asan: true,
        targets: available()
            .into_iter()
            .filter(|t| !ORACLE_TARGETS.contains(t))
            .map(String::from)
            .collect(),
    })
}

/// The targets whose source exists (a target is listed in `TARGETS` before it is written).
fn available() -> Vec<&'static str> {
    let dir = fuzz_dir().join("fuzz_targets");
    TARGETS
        .iter()
        .copied()
        .filter(|t| dir.join(format!("{t}.rs")).exists())
        .collect()
}

fn fuzz_dir() -> PathBuf {
    crate::root().join("fuzz")
}

/// How cargo-fuzz gets its nightly features.
struct Toolchain {
    /// `Some("+nightly")` when a nightly toolchain is installed.
    plus: Option<&'static str>,
}

impl Toolchain {
    fn detect() -> Toolchain {
        let nightly = Command::new("rustup")
            .args(["run", "nightly", "rustc", "--version"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        Toolchain {
            plus: nightly.then_some("+nightly"),
        }
    }

    /// `cargo [+nightly]` (the rustup proxy, so `+toolchain` works), with the environment a
    /// nested cargo must not inherit removed.
    fn cargo(&self) -> Command {
        let mut c = Command::new("cargo");
        if let Some(p) = self.plus {
            c.arg(p);
        } else {
            c.env("RUSTC_BOOTSTRAP", "1");
        }
        for var in ["RUSTUP_TOOLCHAIN", "CARGO", "RUSTC", "RUSTDOC", "RUSTFLAGS"] {
            c.env_remove(var);
        }
        c.current_dir(fuzz_dir());
        c
    }

    fn describe(&self) -> &'static str {
        match self.plus {
            Some(_) => "cargo +nightly",
            None => "the current toolchain with RUSTC_BOOTSTRAP=1",
        }
    }
}

fn ensure_cargo_fuzz(tc: &Toolchain) -> Result<()> {
    let have = tc
        .cargo()
        .args(["fuzz", "--version"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if have {
        return Ok(());
    }
    eprintln!("xtask fuzz: installing cargo-fuzz (about 2 minutes)");
    let status = Command::new("cargo")
        .args(["install", "cargo-fuzz", "--locked"])
        .env_remove("RUSTUP_TOOLCHAIN")
        .status()
        .context("running cargo install")?;
    if !status.success() {
        bail!("`cargo install cargo-fuzz --locked` failed");
    }
    Ok(())
}

/// One build: its target directory and the cargo-fuzz arguments that select it.
struct Build {
    dir: &'static str,
    sanitizer: &'static str,
    features: bool,
    targets: Vec<String>,
}

fn host_triple() -> Result<String> {
    let out = Command::new("rustc")
        .arg("-vV")
        .env_remove("RUSTUP_TOOLCHAIN")
        .output()
        .context("rustc -vV")?;
    let text = String::from_utf8_lossy(&out.stdout);
    text.lines()
        .find_map(|l| l.strip_prefix("host: "))
        .map(str::to_string)
        .context("no host line in `rustc -vV`")
}

impl Build {
    /// `fuzz/target/DIR`, or `$CARGO_TARGET_DIR/fuzz/DIR` when a target directory is set
    /// (CI keeps that one between runs, so a warm run does not rebuild the fuzz targets'
    /// dependencies under the sanitizer).
    fn target_dir(&self) -> PathBuf {
        match std::env::var_os("CARGO_TARGET_DIR") {
            Some(d) => PathBuf::from(d).join("fuzz").join(self.dir),
            None => fuzz_dir().join("target").join(self.dir),
        }
    }

    fn binary(&self, triple: &str, target: &str) -> PathBuf {
        self.target_dir().join(triple).join("release").join(target)
    }

    fn run(&self, tc: &Toolchain) -> Result<()> {
        // One cargo invocation per build: `cargo fuzz build` without a target name builds
        // every target whose required features are enabled.
        let single = self.targets.len() == 1;
        let mut c = tc.cargo();
        c.args(["fuzz", "build", "-O", "--debug-assertions"]);
        c.args(["--sanitizer", self.sanitizer]);
        c.arg("--target-dir").arg(self.target_dir());
        if self.features {
            c.args(["--features", "differential"]);
        }
        if single {
            c.arg(&self.targets[0]);
        }
        eprintln!(
            "xtask fuzz: building {} (sanitizer {}) with {}",
            self.targets.join(", "),
            self.sanitizer,
            tc.describe()
        );
        let started = Instant::now();
        let status = c.status().context("running cargo fuzz build")?;
        if !status.success() {
            bail!("cargo fuzz build failed ({})", self.targets.join(", "));
        }
        eprintln!(
            "xtask fuzz: built in {:.0} s",
            started.elapsed().as_secs_f64()
        );
        Ok(())
    }
}

/// The outcome of one target's run.
#[derive(Debug)]
struct Report {
    target: String,
    seconds: f64,
    execs: Option<u64>,
    crash: Option<String>,
    ok: bool,
}

/// Build and run `opts.targets` (all available when empty); prints a table, returns whether
/// every target ran without a crash.
pub fn fuzz(opts: &Options) -> Result<bool> {
    let avail = available();
    let targets: Vec<String> = if opts.targets.is_empty() {
        avail.iter().map(|t| t.to_string()).collect()
    } else {
        for t in &opts.targets {
            if !avail.contains(&t.as_str()) {
                bail!("unknown fuzz target `{t}` (have: {})", avail.join(" "));
            }
        }
        opts.targets.clone()
    };
    let tc = Toolchain::detect();
    ensure_cargo_fuzz(&tc)?;
    let triple = host_triple()?;

    let (oracle, engine_only): (Vec<String>, Vec<String>) = targets
        .iter()
        .cloned()
        .partition(|t| ORACLE_TARGETS.contains(&t.as_str()));
    let mut builds = Vec::new();
    if opts.asan {
        if !engine_only.is_empty() {
            builds.push(Build {
                dir: "asan",
                sanitizer: "address",
                features: false,
                targets: engine_only,
            });
        }
        if !oracle.is_empty() {
            builds.push(Build {
                dir: "plain",
                sanitizer: "none",
                features: true,
                targets: oracle,
            });
        }
    } else {
        builds.push(Build {
            dir: "plain",
            sanitizer: "none",
            features: true,
            targets: targets.clone(),
        });
    }
    for b in &builds {
        b.run(&tc)?;
    }

    // Run them, `jobs` at a time.
    let mut queue: Vec<(String, PathBuf)> = Vec::new();
    for b in &builds {
        for t in &b.targets {
            queue.push((t.clone(), b.binary(&triple, t)));
        }
    }
    queue.reverse();
    let mut running: Vec<(String, Child, Instant)> = Vec::new();
    let mut reports = Vec::new();
    let jobs = opts.jobs.max(1);
    while !queue.is_empty() || !running.is_empty() {
        while running.len() < jobs {
            let Some((t, bin)) = queue.pop() else { break };
            let child = start(&t, &bin, opts.seconds)?;
            running.push((t, child, Instant::now()));
        }
        let (t, mut child, started) = running.remove(0);
        let status = child.wait().context("waiting for a fuzz target")?;
        let report = summarise(&t, started.elapsed().as_secs_f64(), status.success())?;
        eprintln!(
            "xtask fuzz: {t}: {} executions in {:.0} s{}",
            report.execs.map_or("?".to_string(), |n| n.to_string()),
            report.seconds,
            report
                .crash
                .as_ref()
                .map_or(String::new(), |c| format!(", CRASH: {c}"))
        );
        reports.push(report);
    }

    println!("\n| target | seconds | executions | exec/s | result |");
    println!("| --- | ---: | ---: | ---: | --- |");
    let mut all_ok = true;
    for r in &reports {
        all_ok &= r.ok;
        let rate = r
            .execs
            .map_or("?".to_string(), |n| format!("{:.0}", n as f64 / r.seconds));
        println!(
            "| {} | {:.0} | {} | {} | {} |",
            r.target,
            r.seconds,
            r.execs.map_or("?".to_string(), |n| n.to_string()),
            rate,
            match (&r.crash, r.ok) {
                (_, true) => "ok".to_string(),
                (Some(c), false) => format!("crash: {c}"),
                (None, false) => format!("failed (see fuzz/target/logs/{}.log)", r.target),
            }
        );
    }
    Ok(all_ok)
}

fn start(target: &str, bin: &Path, seconds: u64) -> Result<Child> {
    let fuzz = fuzz_dir();
    let work = fuzz.join("target/corpus").join(target);
    let seeds = fuzz.join("corpus").join(target);
    let artifacts = fuzz.join("artifacts").join(target);
    let logs = fuzz.join("target/logs");
    for d in [&work, &seeds, &artifacts, &logs] {
        std::fs::create_dir_all(d).with_context(|| format!("creating {}", d.display()))?;
    }
    let log = crate::create_fresh(&logs.join(format!("{target}.log")))?;
    let mut c = Command::new(bin);
    c.arg(&work)
        .arg(&seeds)
        .arg(format!("-max_total_time={seconds}"))
        .arg(format!("-artifact_prefix={}/", artifacts.display()))
        .arg("-print_final_stats=1")
        // Symbolizing every newly covered function costs more than the run on a small machine.
        .arg("-print_funcs=0")
        // Structured inputs (wasm-smith modules, step lists) need room from the start.
        .arg("-max_len=4096")
        .arg("-len_control=0")
        // An input that runs this long is a hang (every target bounds its own work).
        .arg("-timeout=30")
        .stdout(log.try_clone()?)
        .stderr(log);
    c.spawn()
        .with_context(|| format!("starting {} (not built?)", bin.display()))
}

fn summarise(target: &str, seconds: f64, ok: bool) -> Result<Report> {
    let log = fuzz_dir().join("target/logs").join(format!("{target}.log"));
    let text = std::fs::read_to_string(&log).unwrap_or_default();
    let execs = text.lines().rev().find_map(|l| {
        l.strip_prefix("stat::number_of_executed_units:")
            .and_then(|v| v.trim().parse().ok())
    });
    let crash = text.lines().find_map(|l| {
        l.split_once("Test unit written to ")
            .map(|(_, p)| p.trim().to_string())
    });
    if !ok {
        // Show the interesting part of the log: the panic message or sanitizer report.
        let lines: Vec<&str> = text.lines().collect();
        if let Some(i) = lines
            .iter()
            .position(|l| l.contains("panicked at") || l.contains("ERROR: AddressSanitizer"))
        {
            for l in &lines[i..(i + 8).min(lines.len())] {
                eprintln!("    {l}");
            }
        }
    }
    Ok(Report {
        target: target.to_string(),
        seconds,
        execs,
        crash,
        ok,
    })
}
