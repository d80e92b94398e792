//! The `fayasm` command line: run a module's export or a WASI command, or inspect a module.
//!
//! Exit codes: 0 on success; 1 when the guest trapped; 2 when it could not be started (bad
//! usage, unreadable or invalid module, unresolved import, unknown export, wrong arguments);
//! a WASI program's `proc_exit` code is passed through.

mod inspect;
mod run;
mod values;

use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

/// A WebAssembly interpreter for RAM-constrained machines.
#[derive(Debug, Parser)]
#[command(name = "fayasm", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Call EXPORT with typed ARGS (`i32:7 i64:-1 f32:1.5 f64:3`), or run the WASI command
    /// (`_start`) when no EXPORT is named. Arguments for the WASI program follow `--`.
    Run(RunArgs),
    /// Print a module's sections, imports, exports and function signatures.
    Inspect(InspectArgs),
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
    /// The exported function to call; without it, run `_start` as a WASI command.
    export: Option<String>,
    /// Arguments of EXPORT, as TYPE:VALUE (or just VALUE, typed by the signature).
    #[arg(allow_hyphen_values = true)]
    args: Vec<String>,
    /// Arguments of the WASI program (`argv[1..]`).
    #[arg(last = true)]
    program_args: Vec<String>,
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

/// Knobs of the engine. Fuel is not offered: the engine does not meter it yet.
///
/// The offload knobs come from the environment (`fayasm::Config::apply_env`):
/// `FAYASM_TARGET_PROFILE`, `FAYASM_CODE_BUDGET`, `FAYASM_MICROCODE`, `FAYASM_CODE_EVICTION`,
/// `FAYASM_PAGE_BUDGET`, `FAYASM_JIT_PRESCAN`, `FAYASM_JIT_PRESCAN_FORCE`; flags override them.
#[derive(Debug, Args)]
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
}

impl EngineArgs {
    fn engine(&self) -> Result<fayasm::Engine, Failure> {
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
        Ok(fayasm::Engine::new(config))
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
}

fn usage(message: impl Into<String>) -> Failure {
    Failure::Usage(message.into())
}

fn read_module(engine: &fayasm::Engine, file: &str) -> Result<(Vec<u8>, fayasm::Module), Failure> {
    let bytes = std::fs::read(file).map_err(|e| usage(format!("cannot read `{file}`: {e}")))?;
    let module =
        fayasm::Module::new(engine, &bytes).map_err(|e| usage(format!("`{file}`: {e}")))?;
    Ok((bytes, module))
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
    let cli = match Cli::try_parse() {
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
            eprintln!("{}", first.join(" "));
            return ExitCode::from(2);
        }
        Err(e) => {
            // --help and --version.
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
    };
    let outcome = match &cli.command {
        Command::Run(args) => run::run(args),
        Command::Inspect(args) => inspect::inspect(args),
    };
    use std::io::Write;
    let _ = std::io::stdout().flush();
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Usage(m)) => {
            eprintln!("error: {}", one_line(&m));
            ExitCode::from(2)
        }
        Err(Failure::Trap(t)) => {
            eprintln!("trap: {}", one_line(&t.to_string()));
            ExitCode::from(1)
        }
        Err(Failure::Runtime(m)) => {
            eprintln!("error: {}", one_line(&m));
            ExitCode::from(1)
        }
        Err(Failure::Exit(code)) => std::process::exit(code),
    }
}
