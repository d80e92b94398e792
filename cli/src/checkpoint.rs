//! `fayasm run --checkpoint-dir DIR --checkpoint-every FUEL` and `fayasm resume DIR`: a long
//! call of an export runs in fuel slices; after each slice the suspended call and its
//! instance are checkpointed to DIR (one atomic commit, `docs/suspended-call.md`), so a kill
//! or a power cut loses at most one slice. `resume` instantiates the module again the same
//! way, restores the call and continues it (checkpointing as it goes).
//!
//! DIR also holds `fayasm-run.txt`: what to call (module path, export, arguments as given),
//! the slice size, when the run began, and the guest's WASI setup (`argv`, `--env`, `--dir`
//! with the host directory's absolute path), so that `resume` builds the same `WasiCtx`. A
//! slice that ends while the guest holds state a fresh `WasiCtx` cannot rebuild (a file or
//! directory it opened: `WasiCtx::resumable`) is not checkpointed: the previous checkpoint
//! stays, and a note says so once. The resumed guest's monotonic clock continues from the
//! wall-clock time since the run began. Output written after the last checkpoint is written
//! again by the resumed call (`docs/suspended-call.md`, "Host state: WASI").

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::Args;
use fayasm::offload::FileStorage;
use fayasm::wasi::{self, WasiCtx};
use fayasm::{
    Checkpointer, Func, Instance, Linker, ResumableCall, Store, SuspendReason, SuspendedCall, Trap,
    TrapCode, Val,
};

use crate::run::{call_failure, exported_funcs};
use crate::setup::Setup;
use crate::values::{format, parse, signature};
use crate::{usage, EngineArgs, Failure, RunArgs};

const RUN_FILE: &str = "fayasm-run.txt";
const RUN_HEADER: &str = "fayasm-run 2";
/// What `fayasm run` wrote before the WASI setup was saved: export calls without `--dir`,
/// `--env` or program arguments resume as before.
const RUN_HEADER_1: &str = "fayasm-run 1";

/// Options of `fayasm resume`.
#[derive(Debug, Args)]
pub struct ResumeArgs {
    #[command(flatten)]
    engine: EngineArgs,
    /// The directory `fayasm run --checkpoint-dir` wrote.
    dir: String,
}

/// What a checkpointed run calls, as saved next to its checkpoints.
struct Plan {
    file: String,
    export: String,
    args: Vec<String>,
    every: u64,
    /// When the run began: nanoseconds since the Unix epoch.
    started: u64,
    /// The guest's `argv`, `argv[0]` first.
    argv: Vec<String>,
    /// `KEY=VALUE`, as given.
    envs: Vec<String>,
    /// Preopened directories: the host directory's absolute path and the guest's name.
    dirs: Vec<(String, String)>,
}

fn now_nanos() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos().min(u64::MAX as u128) as u64)
}

impl Plan {
    /// The `WasiCtx` of the run, the same for `run` and `resume`; for `resume`, the guest's
    /// monotonic clock continues from the wall-clock time since the run began.
    fn wasi_ctx(&self, resuming: bool) -> Result<WasiCtx, Failure> {
        let mut ctx = WasiCtx::new().args(self.argv.iter().map(String::as_str));
        for kv in &self.envs {
            let (k, v) = kv
                .split_once('=')
                .ok_or_else(|| usage(format!("--env expects KEY=VALUE, got `{kv}`")))?;
            ctx = ctx.env(k, v);
        }
        for (host, guest) in &self.dirs {
            ctx = ctx
                .preopen_dir(host, guest)
                .map_err(|e| usage(format!("--dir `{host}`: {e}")))?;
        }
        if resuming {
            ctx = ctx.monotonic_start(now_nanos().saturating_sub(self.started));
        }
        Ok(ctx)
    }

    fn save(&self, dir: &Path) -> Result<(), Failure> {
        let lists = [&self.args, &self.argv, &self.envs];
        let dirs: Vec<String> = self.dirs.iter().map(|(h, g)| format!("{h}::{g}")).collect();
        if let Some(bad) = lists
            .iter()
            .flat_map(|l| l.iter())
            .chain(&dirs)
            .chain([&self.file, &self.export])
            .find(|v| v.contains('\n'))
        {
            return Err(usage(format!(
                "--checkpoint-dir: `{bad}` contains a line break, which the run file cannot hold"
            )));
        }
        let mut text = format!(
            "{RUN_HEADER}\n{}\n{}\n{}\n{}\n",
            self.file, self.export, self.every, self.started
        );
        for list in lists.into_iter().chain([&dirs]) {
            text.push_str(&format!("{}\n", list.len()));
            for a in list {
                text.push_str(a);
                text.push('\n');
            }
        }
        // Written whole, then renamed: a kill leaves the old file or the new one.
        let tmp = dir.join(format!("{RUN_FILE}.tmp"));
        std::fs::write(&tmp, text)
            .and_then(|()| std::fs::rename(&tmp, dir.join(RUN_FILE)))
            .map_err(|e| {
                usage(format!(
                    "cannot write `{}`: {e}",
                    dir.join(RUN_FILE).display()
                ))
            })
    }

    fn load(dir: &Path) -> Result<Plan, Failure> {
        let path = dir.join(RUN_FILE);
        let text = std::fs::read_to_string(&path).map_err(|e| {
            usage(format!(
                "`{}`: {e} (not a --checkpoint-dir?)",
                path.display()
            ))
        })?;
        let mut lines = text.lines();
        let bad = || usage(format!("`{}` is damaged", path.display()));
        let version = match lines.next() {
            Some(RUN_HEADER) => 2,
            Some(RUN_HEADER_1) => 1,
            _ => return Err(bad()),
        };
        let file = lines.next().ok_or_else(bad)?.to_string();
        let export = lines.next().ok_or_else(bad)?.to_string();
        let every = lines.next().and_then(|l| l.parse().ok()).ok_or_else(bad)?;
        if version == 1 {
            let args = lines.map(str::to_string).collect();
            return Ok(Plan {
                argv: vec![file.clone()],
                file,
                export,
                args,
                every,
                started: now_nanos(),
                envs: Vec::new(),
                dirs: Vec::new(),
            });
        }
        let started = lines.next().and_then(|l| l.parse().ok()).ok_or_else(bad)?;
        let mut list = || -> Result<Vec<String>, Failure> {
            let n: usize = lines.next().and_then(|l| l.parse().ok()).ok_or_else(bad)?;
            (0..n)
                .map(|_| lines.next().map(str::to_string).ok_or_else(bad))
                .collect()
        };
        let args = list()?;
        let argv = list()?;
        let envs = list()?;
        let dirs = list()?
            .into_iter()
            .map(|d| {
                d.split_once("::")
                    .map(|(h, g)| (h.to_string(), g.to_string()))
                    .ok_or_else(bad)
            })
            .collect::<Result<_, _>>()?;
        if lines.next().is_some() {
            return Err(bad());
        }
        Ok(Plan {
            file,
            export,
            args,
            every,
            started,
            argv,
            envs,
            dirs,
        })
    }
}

/// The engine, store, instance and export of a checkpointed run (instantiated the same way
/// by `run` and `resume`, so the restored call finds its functions at the same indices).
struct Session {
    store: Store<WasiCtx>,
    instance: Instance,
    func: Func,
    storage: FileStorage,
    checkpointer: Checkpointer,
    /// Fuel the whole run may still take (`--fuel`), if bounded.
    budget: Option<u64>,
    every: u64,
    /// Whether a skipped checkpoint has been noted on stderr.
    noted_skip: bool,
}

fn open(engine: &EngineArgs, resuming: bool, plan: &Plan, dir: &Path) -> Result<Session, Failure> {
    let mut engine = engine.clone();
    engine.meter = true;
    let (setup, _, module) = Setup::load(&engine, &plan.file)?;
    let ctx = plan.wasi_ctx(resuming)?;
    let mut store = Store::new(&setup.engine, ctx);
    setup.attach(&mut store)?;
    store
        .set_fuel(engine.fuel.unwrap_or(u64::MAX))
        .map_err(|e| usage(e.to_string()))?;
    let _deadline = engine
        .timeout
        .map(|d| store.interrupt_handle().interrupt_after(d));
    let mut linker = Linker::new(&setup.engine);
    wasi::add_to_linker(&mut linker, &mut store, |ctx| ctx).map_err(|e| usage(e.to_string()))?;
    let instance = linker
        .instantiate(&mut store, &module)
        .map_err(|e| match e {
            fayasm::Error::Trap(_) => call_failure(&store, e),
            e => usage(format!("`{}`: {e}", plan.file)),
        })?;
    let func = instance.get_func(&store, &plan.export).ok_or_else(|| {
        usage(format!(
            "no exported function `{}` in `{}` ({})",
            plan.export,
            plan.file,
            exported_funcs(&module)
        ))
    })?;
    let budget = engine.fuel.map(|_| store.get_fuel().unwrap_or(0));
    std::fs::create_dir_all(dir)
        .map_err(|e| usage(format!("--checkpoint-dir `{}`: {e}", dir.display())))?;
    let storage = FileStorage::open(dir)
        .map_err(|e| usage(format!("--checkpoint-dir `{}`: {e}", dir.display())))?;
    Ok(Session {
        store,
        instance,
        func,
        storage,
        checkpointer: Checkpointer::new(0),
        budget,
        every: plan.every.max(1),
        noted_skip: false,
    })
}

impl Session {
    /// The store's fuel becomes the budget, handed out from here on in slices: the first
    /// one now.
    fn first_slice(&mut self) -> Result<(), Failure> {
        let left = self.store.get_fuel().unwrap_or(0);
        self.store.set_fuel(0).map_err(|e| usage(e.to_string()))?;
        if let Some(b) = &mut self.budget {
            *b = left;
        }
        if !self.refuel() {
            return Err(Failure::Trap(Trap::new(TrapCode::OutOfFuel)));
        }
        Ok(())
    }

    /// Give the next slice of fuel (within the budget); false when the budget is spent.
    fn refuel(&mut self) -> bool {
        let left = self.store.get_fuel().unwrap_or(0);
        let give = match self.budget {
            Some(0) => return false,
            Some(b) => self.every.min(b),
            None => self.every,
        };
        if let Some(b) = &mut self.budget {
            *b -= give;
        }
        self.store.set_fuel(left.saturating_add(give)).is_ok()
    }

    /// Drive `call` to the end, checkpointing at every suspension.
    fn drive(&mut self, mut call: ResumableCall, results: &mut [Val]) -> Result<(), Failure> {
        loop {
            let s = match call {
                ResumableCall::Finished => return Ok(()),
                ResumableCall::Suspended(s) => s,
            };
            match s.reason() {
                SuspendReason::OutOfFuel => {}
                SuspendReason::Interrupted => {
                    return Err(Failure::Trap(Trap::new(TrapCode::Interrupted)))
                }
                SuspendReason::HostYield(_) => {
                    return Err(Failure::Trap(Trap::new(TrapCode::HostYield)))
                }
            }
            // State a fresh `WasiCtx` cannot rebuild: keep the previous checkpoint.
            match self.store.data().resumable() {
                Ok(()) => {
                    s.checkpoint(
                        self.instance,
                        &mut self.store,
                        &mut self.checkpointer,
                        &mut self.storage,
                    )
                    .map_err(|e| Failure::Runtime(format!("checkpoint: {e}")))?;
                }
                Err(e) if !self.noted_skip => {
                    self.noted_skip = true;
                    eprintln!("fayasm: not checkpointed while {e}; the previous checkpoint stays");
                }
                Err(_) => {}
            }
            if !self.refuel() {
                return Err(Failure::Trap(Trap::new(TrapCode::OutOfFuel)));
            }
            call = s
                .resume(&mut self.store, &[], results)
                .map_err(|e| call_failure(&self.store, e))?;
        }
    }

    fn print(&self, results: &[Val]) -> Result<(), Failure> {
        let ty = self.func.ty(&self.store);
        let mut out = std::io::stdout().lock();
        for (i, (v, t)) in results.iter().zip(ty.results()).enumerate() {
            writeln!(out, "result[{i}] ({}): {}", t.name(), format(v))?;
        }
        out.flush()?;
        Ok(())
    }
}

/// `fayasm run --checkpoint-dir DIR --checkpoint-every FUEL FILE EXPORT ARGS`.
pub fn run(args: &RunArgs) -> Result<(), Failure> {
    let (Some(dir), Some(every)) = (&args.checkpoint_dir, args.checkpoint_every) else {
        return Err(usage("--checkpoint-dir needs --checkpoint-every"));
    };
    let Some(export) = &args.export else {
        return Err(usage("--checkpoint-dir needs an EXPORT to call"));
    };
    let dir = PathBuf::from(dir);
    let file = std::fs::canonicalize(&args.file)
        .map_err(|e| usage(format!("cannot read `{}`: {e}", args.file)))?;
    let mut dirs = Vec::new();
    for d in &args.dirs {
        let (host, guest) = d.split_once("::").unwrap_or((d.as_str(), d.as_str()));
        if host.is_empty() || guest.is_empty() {
            return Err(usage(format!(
                "--dir `{d}`: expected HOST or HOST::GUEST with non-empty names"
            )));
        }
        let abs = std::fs::canonicalize(host).map_err(|e| usage(format!("--dir `{host}`: {e}")))?;
        dirs.push((abs.to_string_lossy().into_owned(), guest.to_string()));
    }
    let plan = Plan {
        file: file.to_string_lossy().into_owned(),
        export: export.clone(),
        args: args.args.clone(),
        every,
        started: now_nanos(),
        argv: std::iter::once(args.file.clone())
            .chain(args.program_args.iter().cloned())
            .collect(),
        envs: args.envs.clone(),
        dirs,
    };
    let mut session = open(&args.engine, false, &plan, &dir)?;
    plan.save(&dir)?;
    let ty = session.func.ty(&session.store);
    if plan.args.len() != ty.params().len() {
        return Err(usage(format!(
            "`{export}` {} takes {} argument(s), got {}",
            signature(&ty),
            ty.params().len(),
            plan.args.len()
        )));
    }
    let params = plan
        .args
        .iter()
        .zip(ty.params())
        .enumerate()
        .map(|(i, (text, t))| {
            parse(text, *t).map_err(|m| usage(format!("argument {i} of `{export}`: {m}")))
        })
        .collect::<Result<Vec<Val>, Failure>>()?;
    let mut results: Vec<Val> = ty.results().iter().map(|t| Val::default_for(*t)).collect();
    session.first_slice()?;
    let call = session
        .func
        .call_resumable(&mut session.store, &params, &mut results)
        .map_err(|e| call_failure(&session.store, e))?;
    session.drive(call, &mut results)?;
    session.print(&results)
}

/// `fayasm resume DIR`.
pub fn resume(args: &ResumeArgs) -> Result<(), Failure> {
    let dir = PathBuf::from(&args.dir);
    let plan = Plan::load(&dir)?;
    let mut session = open(&args.engine, true, &plan, &dir)?;
    let (call, _) = SuspendedCall::restore(
        session.instance,
        &mut session.store,
        &mut session.checkpointer,
        &mut session.storage,
    )
    .map_err(|e| usage(format!("`{}`: cannot restore the call: {e}", dir.display())))?;
    let ty = session.func.ty(&session.store);
    let mut results: Vec<Val> = ty.results().iter().map(|t| Val::default_for(*t)).collect();
    session.first_slice()?;
    let call = call
        .resume(&mut session.store, &[], &mut results)
        .map_err(|e| call_failure(&session.store, e))?;
    session.drive(call, &mut results)?;
    session.print(&results)
}
