//! `fayasm run`: call an export with typed arguments, or run a WASI command.

use std::io::Write;

use fayasm::wasi::{self, WasiCtx};
use fayasm::{Error, Func, Linker, Store, Val};

use crate::setup::Setup;
use crate::values::{format, parse, signature};
use crate::{name_list, usage, Failure, RunArgs};

/// The guest's WASI view from the command line: `argv` is FILE then the arguments after `--`.
pub fn wasi_ctx(args: &RunArgs) -> Result<WasiCtx, Failure> {
    let mut ctx = WasiCtx::new()
        .arg(args.file.as_str())
        .args(args.program_args.iter().map(String::as_str));
    for kv in &args.envs {
        let (k, v) = kv
            .split_once('=')
            .ok_or_else(|| usage(format!("--env expects KEY=VALUE, got `{kv}`")))?;
        ctx = ctx.env(k, v);
    }
    for dir in &args.dirs {
        let (host, guest) = dir.split_once("::").unwrap_or((dir.as_str(), dir.as_str()));
        if host.is_empty() || guest.is_empty() {
            return Err(usage(format!(
                "--dir `{dir}`: expected HOST or HOST::GUEST with non-empty names"
            )));
        }
        ctx = ctx
            .preopen_dir(host, guest)
            .map_err(|e| usage(format!("--dir `{host}`: {e}")))?;
    }
    Ok(ctx)
}

/// A failed call: a `proc_exit` becomes the exit code, a trap exit code 1.
pub fn call_failure(store: &Store<WasiCtx>, e: Error) -> Failure {
    if let Some(code) = store.data().exit_code() {
        return Failure::Exit(code);
    }
    match e {
        Error::Trap(t) => Failure::Trap(t),
        e => Failure::Runtime(e.to_string()),
    }
}

pub fn exported_funcs(module: &fayasm::Module) -> String {
    let names: Vec<String> = module
        .exports()
        .filter(|e| matches!(e.ty, fayasm::ExternType::Func(_)))
        .map(|e| e.name)
        .collect();
    if names.is_empty() {
        "it exports no functions".to_string()
    } else {
        format!("exported functions: {}", name_list(&names))
    }
}

/// `--invoke NAME`: the words after FILE are NAME's arguments. Whether it was given.
fn invoke_form(args: &mut RunArgs) -> bool {
    let Some(name) = args.invoke.take() else {
        return false;
    };
    let words: Vec<String> = args
        .export
        .take()
        .into_iter()
        .chain(args.args.drain(..))
        .collect();
    args.export = Some(name);
    args.args = words;
    true
}

/// wasmtime's form on a WASI command (a module exporting `_start`): the words after FILE are
/// the program's arguments, before any after `--`. A first word that names an export of the
/// command could mean either form: an error that says how to write each.
fn command_form(args: &mut RunArgs, module: &fayasm::Module) -> Result<(), Failure> {
    let func_export = |name: &str| {
        module
            .exports()
            .any(|e| e.name == name && matches!(e.ty, fayasm::ExternType::Func(_)))
    };
    if !func_export("_start") {
        return Ok(());
    }
    let Some(first) = args.export.take() else {
        return Ok(());
    };
    if func_export(&first) {
        return Err(usage(format!(
            "`{}` is a WASI command that also exports `{first}`: write `--invoke {first}` to \
             call the export, or `-- {first}` to pass `{first}` to the program",
            args.file
        )));
    }
    let mut argv = vec![first];
    argv.append(&mut args.args);
    argv.append(&mut args.program_args);
    args.program_args = argv;
    Ok(())
}

pub fn run(args: &mut RunArgs) -> Result<(), Failure> {
    let invoked = invoke_form(args);
    if args.checkpoint_dir.is_some() {
        return crate::checkpoint::run(args);
    }
    let (setup, _, module) = Setup::load(&args.engine, &args.file)?;
    if !invoked {
        command_form(args, &module)?;
    }
    let mut store = Store::new(&setup.engine, wasi_ctx(args)?);
    setup.attach(&mut store)?;
    // Bounds on the whole run, instantiation (the start function) included.
    if let Some(fuel) = args.engine.fuel {
        store
            .set_fuel(fuel)
            .map_err(|e| usage(format!("--fuel: {e}")))?;
    }
    let _deadline = args
        .engine
        .timeout
        .map(|d| store.interrupt_handle().interrupt_after(d));
    let outcome = run_in(args, &module, &mut store);
    if args.offload_stats {
        // On stderr, whatever the outcome; a failure to write it is not the run's.
        let _ = offload_stats(&store, &mut std::io::stderr().lock());
    }
    outcome
}

/// `--offload-stats`: per kind of blob what was written and read back, the latencies, and the
/// code cache.
fn offload_stats(store: &Store<WasiCtx>, out: &mut impl Write) -> std::io::Result<()> {
    use fayasm::offload::Kind;
    let m = store.offload_metrics();
    for (kind, name) in [
        (Kind::MemoryPage, "memory pages"),
        (Kind::Memory, "whole memories"),
        (Kind::Code, "microcode"),
    ] {
        let k = m.kind(kind);
        writeln!(
            out,
            "offload: {name}: {} written ({} B), {} read back ({} B), {} failed",
            k.spills, k.bytes_written, k.loads, k.bytes_read, k.load_failures
        )?;
    }
    let us = |h: &fayasm::offload::Histogram, p: u8| {
        h.percentile(p).map_or("-".to_string(), |ns| {
            format!("{:.1} us", ns as f64 / 1000.0)
        })
    };
    let (w, r) = (m.spill_latency(), m.load_latency());
    writeln!(
        out,
        "offload: write latency p50 {} p95 {}; read latency p50 {} p95 {}",
        us(w, 50),
        us(w, 95),
        us(r, 50),
        us(r, 95)
    )?;
    let (w, r) = (m.page_write_latency(), m.page_read_latency());
    writeln!(
        out,
        "offload: page write latency p50 {} p95 {}; page read latency p50 {} p95 {}",
        us(w, 50),
        us(w, 95),
        us(r, 50),
        us(r, 95)
    )?;
    let c = store.code_cache_stats();
    let budget = c
        .budget
        .map_or("unbounded".to_string(), |b| format!("{b} B"));
    writeln!(
        out,
        "code cache: budget {budget}, peak {} B (pinned by calls {} B), {} translations, \
         {} reloads, {} evictions, {} refaults, {} over-budget admissions, overdraft {} B",
        c.peak,
        c.pinned_peak,
        c.translations,
        c.reloads,
        c.evictions,
        c.refaults,
        c.over_budget_admissions,
        c.overdraft
    )
}

/// Instantiate `module` in `store` and run `_start` or the export `args` name.
fn run_in(
    args: &RunArgs,
    module: &fayasm::Module,
    store: &mut Store<WasiCtx>,
) -> Result<(), Failure> {
    let mut linker = Linker::new(module.engine());
    wasi::add_to_linker(&mut linker, &mut *store, |ctx| ctx).map_err(|e| usage(e.to_string()))?;
    let instance = linker
        .instantiate(&mut *store, module)
        .map_err(|e| match e {
            Error::Trap(_) => call_failure(&*store, e),
            e => usage(format!("`{}`: {e}", args.file)),
        })?;

    let Some(name) = &args.export else {
        if !args.args.is_empty() {
            return Err(usage("arguments for a WASI program go after `--`"));
        }
        let start = instance.get_func(&*store, "_start").ok_or_else(|| {
            usage(format!(
                "`{}` has no `_start`; name an export to call ({})",
                args.file,
                exported_funcs(module)
            ))
        })?;
        return start
            .call(&mut *store, &[], &mut [])
            .map_err(|e| call_failure(&*store, e));
    };

    let func: Func = instance.get_func(&*store, name).ok_or_else(|| {
        usage(format!(
            "no exported function `{name}` in `{}` ({})",
            args.file,
            exported_funcs(module)
        ))
    })?;
    let ty = func.ty(&*store);
    if args.args.len() != ty.params().len() {
        return Err(usage(format!(
            "`{name}` {} takes {} argument(s), got {}",
            signature(&ty),
            ty.params().len(),
            args.args.len()
        )));
    }
    let params = args
        .args
        .iter()
        .zip(ty.params())
        .enumerate()
        .map(|(i, (text, t))| {
            parse(text, *t).map_err(|m| usage(format!("argument {i} of `{name}`: {m}")))
        })
        .collect::<Result<Vec<Val>, Failure>>()?;
    let mut results: Vec<Val> = ty.results().iter().map(|t| Val::default_for(*t)).collect();
    func.call(&mut *store, &params, &mut results)
        .map_err(|e| call_failure(&*store, e))?;
    let mut out = std::io::stdout().lock();
    for (i, (v, t)) in results.iter().zip(ty.results()).enumerate() {
        writeln!(out, "result[{i}] ({}): {}", t.name(), format(v))?;
    }
    out.flush()?;
    Ok(())
}

/// A `--timeout` value: a number with an optional unit (`ms`, `s`, `m`, `h`; seconds without
/// one), possibly fractional.
pub fn parse_duration(text: &str) -> Result<std::time::Duration, String> {
    let t = text.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: f64 = num
        .parse()
        .map_err(|_| format!("`{text}`: expected a duration such as 500ms, 10s or 2m"))?;
    let scale = match unit.trim() {
        "ms" => 1e-3,
        "" | "s" => 1.0,
        "m" | "min" => 60.0,
        "h" => 3600.0,
        other => return Err(format!("`{text}`: unknown unit `{other}` (ms, s, m, h)")),
    };
    std::time::Duration::try_from_secs_f64(n * scale).map_err(|e| format!("`{text}`: {e}"))
}
