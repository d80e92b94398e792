//! The `fayasm` command line: run a module's export or a WASI command, or inspect a module.
//!
//! Exit codes: 0 on success; 1 when the guest trapped; 2 when it could not be started (bad
//! usage, unreadable, oversized or invalid module, unresolved import, unknown export, wrong
//! arguments) or its output could not be written (a full disk); a WASI program's `proc_exit`
//! code is passed through. A closed output pipe (`fayasm inspect m.wasm | head -1`) ends the
//! command quietly with 0. Nothing here panics on bad input or a failing stream.

mod checkpoint;
mod inspect;
mod run;
mod setup;
mod values;

use std::io::{Read, Write};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// A WebAssembly interpreter for RAM-constrained machines.
#[derive(Debug, Parser)]
#[command(name = "fayasm", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run a WASI command (`_start`) with the words after FILE as its arguments (as `wasmtime
    /// run`), or call an export: `--invoke NAME ARGS`, or FILE EXPORT ARGS for a module that is
    /// not a WASI command. ARGS are typed (`i32:7 i64:-1 f32:1.5 f64:3`) or typed by the
    /// signature. Words after `--` always go to the WASI program.
    Run(RunArgs),
    /// Print a module's sections, imports, exports and function signatures.
    Inspect(InspectArgs),
    /// Continue a call checkpointed by `fayasm run --checkpoint-dir DIR` (after a kill or a
    /// reboot) and print its results.
    Resume(checkpoint::ResumeArgs),
}

/// Options of `fayasm run`.
#[derive(Debug, Args)]
struct RunArgs {
    #[command(flatten)]
    engine: EngineArgs,
    /// Grant the guest a host directory, optionally under another name (`HOST::GUEST`).
    #[arg(long = "dir", value_name = "HOST[::GUEST]")]
    dirs: Vec<String>,
    /// Set an environment variable for the guest.
    #[arg(long = "env", value_name = "KEY=VALUE")]
    envs: Vec<String>,
    /// The module (`.wasm` binary).
    file: String,
    /// Call the exported function NAME with the words after FILE as its arguments (as
    /// `wasmtime run --invoke`).
    #[arg(long, value_name = "NAME")]
    invoke: Option<String>,
    /// The exported function to call (a module that is not a WASI command), or the WASI
    /// command's first argument; without it, run `_start`.
    export: Option<String>,
    /// Arguments of EXPORT, as TYPE:VALUE (or just VALUE, typed by the signature).
    #[arg(allow_hyphen_values = true)]
    args: Vec<String>,
    /// Arguments of the WASI program (`argv[1..]`).
    #[arg(last = true)]
    program_args: Vec<String>,
    /// Print the offload metrics (pages and code spilled and loaded, latencies, the code
    /// cache) on stderr when the run ends.
    #[arg(long)]
    offload_stats: bool,
    /// Checkpoint the call of EXPORT (and its instance) to DIR every FUEL units of fuel, so
    /// that `fayasm resume DIR` continues it after a kill.
    #[arg(long, value_name = "DIR", requires = "checkpoint_every")]
    checkpoint_dir: Option<String>,
    /// How much fuel runs between two checkpoints (with --checkpoint-dir).
    #[arg(long, value_name = "FUEL", requires = "checkpoint_dir")]
    checkpoint_every: Option<u64>,
}

/// Options of `fayasm inspect`.
#[derive(Debug, Args)]
struct InspectArgs {
    #[command(flatten)]
    engine: EngineArgs,
    /// Print the microcode of this function (export name, `name`-section name, or index).
    #[arg(long, value_name = "FUNC")]
    microcode: Option<String>,
    /// The module (`.wasm` binary).
    file: String,
}

/// Knobs of the engine.
///
/// The offload knobs come from the environment (`fayasm::Config::apply_env`):
/// `FAYASM_TARGET_PROFILE`, `FAYASM_CODE_BUDGET`, `FAYASM_MICROCODE`, `FAYASM_CODE_EVICTION`,
/// `FAYASM_PAGE_BUDGET`, `FAYASM_JIT_PRESCAN`, `FAYASM_JIT_PRESCAN_FORCE`; flags override them.
/// A page budget (`--paged`, a RAM-bounded profile or `FAYASM_PAGE_BUDGET`) turns demand paging
/// of memories on; paging and spilled code use `--spill-dir`, or a temporary directory removed
/// at exit.
#[derive(Debug, Clone, Args)]
struct EngineArgs {
    /// Translate every function at instantiation instead of on first call (also
    /// FAYASM_JIT_PRESCAN=1, honoured when the target profile allows prescan, and
    /// FAYASM_JIT_PRESCAN_FORCE=1).
    #[arg(long)]
    prescan: bool,
    /// Byte budget of the microcode cache (also FAYASM_CODE_BUDGET; `none` for unbounded).
    #[arg(long, value_name = "BYTES")]
    code_budget: Option<String>,
    /// Maximum depth of nested wasm calls.
    #[arg(long, value_name = "N", env = "FAYASM_MAX_CALL_DEPTH")]
    max_call_depth: Option<usize>,
    /// Maximum number of 64-bit cells on the engine's value stack.
    #[arg(long, value_name = "N", env = "FAYASM_MAX_STACK")]
    max_stack: Option<usize>,
    /// Largest module file accepted, in bytes (k/m/g suffixes); larger files are refused
    /// before they are read.
    #[arg(
        long,
        value_name = "BYTES",
        env = "FAYASM_MAX_MODULE_SIZE",
        default_value = "256m"
    )]
    max_module_size: String,
    /// Most bytes of linear memory the module may have, all memories together (k/m/g
    /// suffixes): a larger declared memory fails instantiation, `memory.grow` past it
    /// returns -1.
    #[arg(long, value_name = "BYTES", env = "FAYASM_MAX_MEMORY")]
    max_memory: Option<String>,
    /// Directory for spilled microcode and paged memory (default: a temporary directory,
    /// removed at exit, when paging or spilling is on).
    #[arg(long, value_name = "DIR")]
    spill_dir: Option<String>,
    /// Stop the guest with the `all fuel consumed` trap (exit code 1) after N units of fuel
    /// (about one per wasm instruction; the start function's and the call's together).
    #[arg(long, value_name = "N")]
    fuel: Option<u64>,
    /// Stop the guest with the `interrupted` trap (exit code 1) after DURATION of wall time
    /// (`500ms`, `10s`, `2m`; a bare number is seconds).
    #[arg(long, value_name = "DURATION", value_parser = run::parse_duration)]
    timeout: Option<std::time::Duration>,
    /// Demand-page every memory with at most N resident 4 KiB pages (overrides
    /// FAYASM_PAGE_BUDGET and the target profile's page budget).
    #[arg(long, value_name = "N")]
    paged: Option<usize>,
    /// Consume fuel without a bound (set for checkpointed runs, which stop every N fuel).
    #[arg(skip)]
    meter: bool,
    /// Accept a WebAssembly proposal that is off by default (repeatable, or comma-separated):
    /// `wide-arithmetic` (`i64.add128`, `i64.mul_wide_s`, ...), `custom-page-sizes`
    /// (memories of 1-byte pages), `function-references` (`call_ref`, `(ref $t)`, ...),
    /// `exceptions` (`try_table`, `throw`, ...), `threads` (shared memories, atomics,
    /// `memory.atomic.wait`/`notify`; on one thread), `gc` (structs, arrays, `i31`, casts,
    /// recursion groups; turns on `function-references`).
    #[arg(long = "wasm", value_name = "FEATURE", value_delimiter = ',')]
    wasm: Vec<WasmFeature>,
}

/// A proposal `--wasm` switches on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum WasmFeature {
    WideArithmetic,
    CustomPageSizes,
    FunctionReferences,
    Exceptions,
    Threads,
    Gc,
}

impl EngineArgs {
    fn config(&self) -> Result<fayasm::Config, Failure> {
        let mut config = fayasm::Config::from_env().map_err(|e| usage(e.to_string()))?;
        if self.prescan {
            config = config.prescan(true);
        }
        if let Some(budget) = &self.code_budget {
            config = config
                .apply_vars(|name| (name == "FAYASM_CODE_BUDGET").then(|| budget.clone()))
                .map_err(|e| usage(format!("--code-budget: {e}")))?;
        }
        if let Some(n) = self.max_call_depth {
            config = config.max_call_depth(n);
        }
        if let Some(n) = self.max_stack {
            config = config.max_value_stack(n);
        }
        if self.fuel.is_some() || self.meter {
            config = config.consume_fuel(true);
        }
        if self.timeout.is_some() {
            config = config.interruptible(true);
        }
        for feature in &self.wasm {
            config = match feature {
                WasmFeature::WideArithmetic => config.wasm_wide_arithmetic(true),
                WasmFeature::CustomPageSizes => config.wasm_custom_page_sizes(true),
                WasmFeature::FunctionReferences => config.wasm_function_references(true),
                WasmFeature::Exceptions => config.wasm_exceptions(true),
                WasmFeature::Threads => config.wasm_threads(true),
                WasmFeature::Gc => config.wasm_gc(true),
            };
        }
        Ok(config)
    }

    /// The store limits the flags ask for.
    fn limits(&self) -> Result<fayasm::StoreLimits, Failure> {
        let mut limits = fayasm::StoreLimits::default();
        if let Some(text) = &self.max_memory {
            let bytes = fayasm::profile::parse_size(text).ok_or_else(|| {
                usage(format!(
                    "--max-memory `{text}`: expected a byte count (k, m, g suffixes)"
                ))
            })?;
            limits = limits.memories_total(bytes as u64);
        }
        Ok(limits)
    }

    fn max_module_size(&self) -> Result<u64, Failure> {
        fayasm::profile::parse_size(&self.max_module_size)
            .map(|n| n as u64)
            .ok_or_else(|| {
                usage(format!(
                    "--max-module-size `{}`: expected a byte count (k, m, g suffixes)",
                    self.max_module_size
                ))
            })
    }
}

/// Why a command did not succeed, which decides the exit code.
#[derive(Debug)]
enum Failure {
    /// Could not start: exit code 2.
    Usage(String),
    /// The guest trapped: exit code 1.
    Trap(fayasm::Trap),
    /// Another error while running: exit code 1.
    Runtime(String),
    /// The WASI program exited with this code.
    Exit(i32),
    /// Writing the command's own output failed: exit code 2, or 0 quietly for a closed pipe.
    Output(std::io::Error),
}

impl From<std::io::Error> for Failure {
    fn from(e: std::io::Error) -> Failure {
        Failure::Output(e)
    }
}

fn usage(message: impl Into<String>) -> Failure {
    Failure::Usage(message.into())
}

/// The module file's bytes, refused before reading when the file is larger than `limit`
/// (and, for files whose size is unknown up front, such as pipes and devices, as soon as more
/// than `limit` bytes arrive).
fn read_file(file: &str, limit: u64) -> Result<Vec<u8>, Failure> {
    let cannot = |e: std::io::Error| usage(format!("cannot read `{file}`: {e}"));
    let too_big = || {
        usage(format!(
            "`{file}` is larger than the module size limit of {limit} bytes (--max-module-size)"
        ))
    };
    let f = std::fs::File::open(file).map_err(cannot)?;
    let meta = f.metadata().map_err(cannot)?;
    if meta.is_file() && meta.len() > limit {
        return Err(too_big());
    }
    let mut bytes = Vec::new();
    f.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(cannot)?;
    if bytes.len() as u64 > limit {
        return Err(too_big());
    }
    Ok(bytes)
}

fn read_module(
    engine: &fayasm::Engine,
    file: &str,
    limit: u64,
) -> Result<(Vec<u8>, fayasm::Module), Failure> {
    let bytes = read_file(file, limit)?;
    let module =
        fayasm::Module::new(engine, &bytes).map_err(|e| usage(format!("`{file}`: {e}")))?;
    Ok((bytes, module))
}

/// Names in a message, at most `MAX_LISTED` of them, then how many were left out.
fn name_list<S: AsRef<str>>(names: &[S]) -> String {
    const MAX_LISTED: usize = 24;
    let mut out = names
        .iter()
        .take(MAX_LISTED)
        .map(AsRef::as_ref)
        .collect::<Vec<_>>()
        .join(", ");
    if names.len() > MAX_LISTED {
        out.push_str(&format!(", ... and {} more", names.len() - MAX_LISTED));
    }
    out
}

/// An error line on stderr; a failing stderr is ignored (there is nowhere left to report to).
fn report(prefix: &str, message: &str) {
    let _ = writeln!(std::io::stderr(), "{prefix}: {}", one_line(message));
}

/// A trap's wasm backtrace under its line, innermost frame first, as `wasmtime run` prints it
/// (names from the module are shown with control characters replaced).
fn report_trace(t: &fayasm::Trap) {
    if t.trace().is_empty() {
        return;
    }
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "wasm backtrace:");
    for (i, frame) in t.trace().iter().enumerate() {
        let line: String = frame
            .to_string()
            .chars()
            .map(|c| if c.is_control() { '?' } else { c })
            .collect();
        let _ = writeln!(err, "  {i:>3}: {line}");
    }
}

/// Messages from below (wasmparser's, say) may span lines; an error is one line.
fn one_line(message: &str) -> String {
    let mut out = String::new();
    for line in message.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let glue = !out.is_empty() && !out.ends_with('[') && !line.starts_with(']');
        if glue {
            out.push(' ');
        }
        out.push_str(line);
    }
    out
}

fn main() -> ExitCode {
    let mut cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if e.kind() == clap::error::ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            let _ = e.print();
            return ExitCode::from(2);
        }
        Err(e) if e.use_stderr() => {
            // clap's first paragraph names the problem; its usage block would add lines.
            let text = e.to_string();
            let first: Vec<&str> = text
                .lines()
                .take_while(|l| !l.trim().is_empty())
                .map(str::trim)
                .collect();
            let _ = writeln!(std::io::stderr(), "{}", first.join(" "));
            return ExitCode::from(2);
        }
        Err(e) => {
            // --help and --version.
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
    };
    let mut outcome = match &mut cli.command {
        Command::Run(args) => run::run(args),
        Command::Inspect(args) => inspect::inspect(args),
        Command::Resume(args) => checkpoint::resume(args),
    };
    if let Err(e) = std::io::stdout().flush() {
        if outcome.is_ok() {
            outcome = Err(Failure::Output(e));
        }
    }
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Usage(m)) => {
            report("error", &m);
            ExitCode::from(2)
        }
        Err(Failure::Trap(t)) => {
            report("trap", &t.to_string());
            report_trace(&t);
            ExitCode::from(1)
        }
        Err(Failure::Runtime(m)) => {
            report("error", &m);
            ExitCode::from(1)
        }
        Err(Failure::Output(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(Failure::Output(e)) => {
            report("error", &format!("cannot write the output: {e}"));
            ExitCode::from(2)
        }
        Err(Failure::Exit(code)) => std::process::exit(code),
    }
}
