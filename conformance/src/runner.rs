//! The `.wast` script runner: every directive runs on the engine under test and, when the
//! oracle is on, on wasmtime too; both must agree and the engine under test must meet the
//! script's expectation.

use std::collections::HashMap;
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, Once};
use std::time::Instant;

use wast::core::WastRetCore;
use wast::lexer::Lexer;
use wast::parser::{self, ParseBuffer};
use wast::token::Id;
use wast::{QuoteWat, Wast, WastDirective, WastExecute, WastInvoke, WastRet, Wat};

use crate::backend::{Backend, CallOutcome, InstanceId, InstantiateError};
use crate::oracle::{OracleEngine, WasmtimeBackend};
use crate::skip::skip_reason;
use crate::subject::{FayasmBackend, FayasmOptions};
use crate::suites::{suite_files, Features, ScriptFile};
use crate::summary::{FileReport, SuiteReport};
use crate::values::{
    arg_value, check_rets, check_trap, show_values, values_agree, TrapKind, Value,
};

/// Which engine the scripts' expectations are checked against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    /// fayasm (the normal case).
    Fayasm,
    /// wasmtime alone: a self-check of the runner and of the oracle's configuration.
    Wasmtime,
}

#[derive(Debug, Clone)]
pub struct RunOptions {
    pub subject: Subject,
    /// Run every module and call on wasmtime too and compare. (With wasmtime as the subject
    /// this compares two wasmtime stores: a check for false mismatches.)
    pub oracle: bool,
    /// Translate every function at instantiation (fayasm `Config::prescan`).
    pub prescan: bool,
    /// Before every call, spill the microcode of every function of the called instance to
    /// storage, drop it from RAM and load it back (verified): the stored form must be
    /// transparent to every claimed suite.
    pub spill_code: bool,
    /// fayasm's code-cache budget in bytes (`None`: unbounded).
    pub code_budget: Option<usize>,
    /// Before every directive, spill all microcode and all memories of the fayasm store.
    pub spill_every_assertion: bool,
    /// Run fayasm's memories demand-paged (1 KiB pages) with this many resident pages.
    pub paged: Option<usize>,
    /// Run every fayasm call resumably with fuel in slices of this size, resuming it at
    /// every suspension (`Func::call_resumable`): results must be those of a plain call.
    pub suspend_every: Option<u64>,
    /// With `suspend_every`: at one pseudo-random suspension (among the first eight) of every
    /// call, checkpoint the suspended call with every instance, drop it and the store, and
    /// restore them into a new store built the same way before resuming it
    /// (`FayasmOptions::persist_suspended`).
    pub persist_suspended: bool,
    /// Make fayasm's modules with `Module::from_source` (`FayasmOptions::from_source`).
    pub from_source: bool,
    /// Worker threads (files run in parallel).
    pub jobs: usize,
    /// Run only files whose name contains one of these (all files when empty).
    pub files: Vec<String>,
}

impl Default for RunOptions {
    fn default() -> RunOptions {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        RunOptions {
            subject: Subject::Fayasm,
            oracle: true,
            prescan: false,
            spill_code: false,
            code_budget: None,
            spill_every_assertion: false,
            paged: None,
            suspend_every: None,
            persist_suspended: false,
            from_source: false,
            jobs: cores.min(2),
            files: Vec::new(),
        }
    }
}

/// Runs a suite with the default options (fayasm, checked against wasmtime).
pub fn run_suite(name: &str) -> SuiteReport {
    run_suite_with(name, &RunOptions::default())
}

/// Runs a suite. Never panics because of the engines: a panic inside a directive is caught and
/// reported as that directive's failure.
pub fn run_suite_with(name: &str, opts: &RunOptions) -> SuiteReport {
    let start = Instant::now();
    let finish = |files: Vec<FileReport>| SuiteReport {
        suite: name.to_string(),
        files,
        elapsed: start.elapsed(),
    };
    let one_failure = |msg: String| {
        let mut r = FileReport::new("(suite)");
        r.fail(0, msg);
        finish(vec![r])
    };
    let Some(mut files) = suite_files(name) else {
        return one_failure(format!("unknown suite `{name}`"));
    };
    if !opts.files.is_empty() {
        files.retain(|f| opts.files.iter().any(|pat| f.name.contains(pat.as_str())));
    }
    let needs_wasmtime = opts.oracle || opts.subject == Subject::Wasmtime;
    let engine = if needs_wasmtime {
        match OracleEngine::for_suite(name) {
            Ok(e) => Some(e),
            Err(e) => return one_failure(e),
        }
    } else {
        None
    };
    install_panic_hook();

    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<FileReport>>> = Mutex::new(vec![None; files.len()]);
    let jobs = opts.jobs.clamp(1, files.len().max(1));
    std::thread::scope(|s| {
        for w in 0..jobs {
            let (next, results, files, engine) = (&next, &results, &files, engine.as_ref());
            std::thread::Builder::new()
                .name(format!("wast-{w}"))
                // Deeply nested scripts and wasmtime's own stack budget both need room.
                .stack_size(64 << 20)
                .spawn_scoped(s, move || loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(file) = files.get(i) else { break };
                    let report = run_file(name, file, opts, engine);
                    results.lock().unwrap_or_else(|p| p.into_inner())[i] = Some(report);
                })
                .expect("spawn a worker thread");
        }
    });
    let files = results
        .into_inner()
        .unwrap_or_else(|p| p.into_inner())
        .into_iter()
        .zip(&files)
        .map(|(r, f)| {
            r.unwrap_or_else(|| {
                let mut r = FileReport::new(&f.name);
                r.fail(0, "worker thread died");
                r
            })
        })
        .collect();
    finish(files)
}

/// Runs one script text (also usable on scripts that are not in a suite).
pub fn run_file(
    suite: &str,
    file: &ScriptFile,
    opts: &RunOptions,
    engine: Option<&OracleEngine>,
) -> FileReport {
    let start = Instant::now();
    let mut report = FileReport::new(&file.name);
    let outcome = catch(|| run_script(suite, file, opts, engine, &mut report));
    if let Err(msg) = outcome {
        report.fail(0, format!("panic outside a directive: {msg}"));
    }
    report.elapsed = start.elapsed();
    report
}

fn run_script(
    suite: &str,
    file: &ScriptFile,
    opts: &RunOptions,
    engine: Option<&OracleEngine>,
    report: &mut FileReport,
) {
    let text = file.text;
    let mut lexer = Lexer::new(text);
    lexer.allow_confusing_unicode(true);
    let buf = match ParseBuffer::new_with_lexer(lexer) {
        Ok(b) => b,
        Err(e) => return report.fail(0, format!("script does not lex: {e}")),
    };
    let wast = match parser::parse::<Wast>(&buf) {
        Ok(w) => w,
        Err(e) => return report.fail(0, format!("script does not parse: {e}")),
    };
    let wasmtime = |engine: Option<&OracleEngine>| -> Result<Box<dyn Backend>, String> {
        let engine = engine.ok_or("no wasmtime engine")?;
        Ok(Box::new(WasmtimeBackend::new(engine)?))
    };
    let primary: Result<Box<dyn Backend>, String> = match opts.subject {
        Subject::Fayasm => catch(|| {
            FayasmBackend::new(
                &FayasmOptions {
                    prescan: opts.prescan,
                    spill_code: opts.spill_code,
                    code_budget: opts.code_budget,
                    spill_every_assertion: opts.spill_every_assertion,
                    paged: opts.paged,
                    suspend_every: opts.suspend_every,
                    persist_suspended: opts.persist_suspended,
                    from_source: opts.from_source,
                },
                &Features::for_suite(suite),
            )
        })
        .map_err(|p| format!("panic: {p}"))
        .and_then(|r| r.map(|b| Box::new(b) as Box<dyn Backend>)),
        Subject::Wasmtime => wasmtime(engine),
    };
    let oracle = opts.oracle.then(|| wasmtime(engine));
    let (primary, oracle) = match (primary, oracle.transpose()) {
        (Ok(p), Ok(o)) => (p, o),
        (Err(e), _) | (_, Err(e)) => return fail_all(report, wast.directives.len(), e),
    };
    let mut state = Script {
        primary,
        oracle,
        named: HashMap::new(),
        current: None,
        definitions: HashMap::new(),
    };

    for mut directive in wast.directives {
        let line = directive.span().linecol_in(text).0 + 1;
        if skip_reason(suite, &file.name, line).is_some() {
            report.skipped += 1;
            continue;
        }
        match catch(|| state.directive(&mut directive)) {
            Ok(Verdict {
                failure: None,
                mismatch: None,
            }) => report.passed += 1,
            Ok(Verdict { failure, mismatch }) => {
                if mismatch.is_some() {
                    report.diff_mismatches += 1;
                }
                let msg = match (failure, mismatch) {
                    (Some(f), Some(m)) => format!("{f}; oracle mismatch: {m}"),
                    (Some(f), None) => f,
                    (None, Some(m)) => format!("oracle mismatch: {m}"),
                    (None, None) => unreachable!(),
                };
                report.fail(line, msg);
            }
            Err(panic) => report.fail(line, format!("panic: {panic}")),
        }
    }
}

/// Counts every directive of a script as failed, with one message.
fn fail_all(report: &mut FileReport, directives: usize, msg: String) {
    report.fail(
        0,
        format!("setting up the store failed, all {directives} directives fail: {msg}"),
    );
    report.failed += directives.saturating_sub(1);
}

/// Result of one directive: a failure against the script, a disagreement with the oracle, both
/// or neither.
#[derive(Debug, Default)]
struct Verdict {
    failure: Option<String>,
    mismatch: Option<String>,
}

impl Verdict {
    fn pass() -> Verdict {
        Verdict::default()
    }

    fn fail(msg: impl Into<String>) -> Verdict {
        Verdict {
            failure: Some(msg.into()),
            mismatch: None,
        }
    }
}

/// An instance in both engines; the oracle side is absent when the oracle is off or failed to
/// instantiate the module.
#[derive(Debug, Clone, Copy)]
struct Handles {
    primary: InstanceId,
    oracle: Option<InstanceId>,
}

type Exec = Result<CallOutcome, String>;

struct Script {
    primary: Box<dyn Backend>,
    oracle: Option<Box<dyn Backend>>,
    named: HashMap<String, Handles>,
    current: Option<Handles>,
    /// `(module definition $name ...)`: the binaries, for `(module instance ...)`; the last
    /// one under `None`.
    definitions: HashMap<Option<String>, Vec<u8>>,
}

fn is_component(q: &QuoteWat<'_>) -> bool {
    matches!(
        q,
        QuoteWat::QuoteComponent(..) | QuoteWat::Wat(Wat::Component(_))
    )
}

impl Script {
    fn directive(&mut self, d: &mut WastDirective<'_>) -> Verdict {
        match d {
            WastDirective::Module(q) => self.module(q),
            WastDirective::ModuleDefinition(q) => self.definition(q),
            WastDirective::ModuleInstance {
                instance, module, ..
            } => self.instance(*instance, *module),
            WastDirective::Register { name, module, .. } => self.register(name, *module),
            WastDirective::Invoke(inv) => {
                let (p, o) = self.invoke(inv);
                let failure = match &p {
                    Ok(CallOutcome::Returned(_)) => None,
                    Ok(CallOutcome::Trapped(t)) => {
                        Some(format!("invoke `{}`: unexpected {t}", inv.name))
                    }
                    Err(e) => Some(e.clone()),
                };
                Verdict {
                    failure,
                    mismatch: self.diff(&p, o.as_ref(), None),
                }
            }
            WastDirective::AssertReturn { exec, results, .. } => {
                let (p, o) = self.execute(exec);
                let failure = match &p {
                    Ok(CallOutcome::Returned(v)) => check_rets(results, v).err(),
                    Ok(CallOutcome::Trapped(t)) => Some(format!("expected a return, got {t}")),
                    Err(e) => Some(e.clone()),
                };
                let failure = failure.map(|f| format!("{}: {f}", describe(exec)));
                Verdict {
                    failure,
                    mismatch: self.diff(&p, o.as_ref(), Some(results)),
                }
            }
            WastDirective::AssertTrap { exec, message, .. } => {
                let (p, o) = self.execute(exec);
                let failure = match &p {
                    Ok(CallOutcome::Trapped(t)) => check_trap(message, t).err(),
                    Ok(CallOutcome::Returned(v)) => Some(format!(
                        "expected trap `{message}`, returned {}",
                        show_values(v)
                    )),
                    Err(e) => Some(format!("expected trap `{message}`, got {e}")),
                };
                let failure = failure.map(|f| format!("{}: {f}", describe(exec)));
                Verdict {
                    failure,
                    mismatch: self.diff(&p, o.as_ref(), None),
                }
            }
            WastDirective::AssertException { exec, .. } => {
                let (p, o) = self.execute(exec);
                let failure = match &p {
                    Ok(CallOutcome::Trapped(t)) if t.kind == TrapKind::Exception => None,
                    Ok(CallOutcome::Trapped(t)) => Some(format!("expected an exception, got {t}")),
                    Ok(CallOutcome::Returned(v)) => Some(format!(
                        "expected an exception, returned {}",
                        show_values(v)
                    )),
                    Err(e) => Some(format!("expected an exception, got {e}")),
                };
                let failure = failure.map(|f| format!("{}: {f}", describe(exec)));
                Verdict {
                    failure,
                    mismatch: self.diff(&p, o.as_ref(), None),
                }
            }
            WastDirective::AssertExhaustion { call, message, .. } => {
                let (p, o) = self.invoke(call);
                let failure = match &p {
                    Ok(CallOutcome::Trapped(t)) => check_trap(message, t).err(),
                    Ok(CallOutcome::Returned(v)) => Some(format!(
                        "expected exhaustion `{message}`, returned {}",
                        show_values(v)
                    )),
                    Err(e) => Some(format!("expected exhaustion `{message}`, got {e}")),
                };
                let failure = failure.map(|f| format!("invoke `{}`: {f}", call.name));
                Verdict {
                    failure,
                    mismatch: self.diff(&p, o.as_ref(), None),
                }
            }
            WastDirective::AssertInvalid {
                module, message, ..
            } => self.rejected(module, "an invalid", message),
            WastDirective::AssertMalformed {
                module, message, ..
            } => self.rejected(module, "a malformed", message),
            WastDirective::AssertUnlinkable {
                module, message, ..
            } => self.unlinkable(module, message),
            other => Verdict::fail(format!("unsupported directive: {}", directive_kind(other))),
        }
    }

    fn resolve(&self, id: Option<Id<'_>>) -> Result<Handles, String> {
        match id {
            Some(id) => self.named.get(id.name()).copied().ok_or_else(|| {
                format!(
                    "no module named ${} (or it failed to instantiate)",
                    id.name()
                )
            }),
            None => self
                .current
                .ok_or_else(|| "no current module (or it failed to instantiate)".to_string()),
        }
    }

    /// Instantiates in both engines; the oracle result is `None` when the oracle is off.
    fn instantiate_both(
        &mut self,
        bytes: &[u8],
    ) -> (
        Result<InstanceId, InstantiateError>,
        Option<Result<InstanceId, InstantiateError>>,
    ) {
        let p = self.primary.instantiate(bytes);
        let o = self.oracle.as_mut().map(|o| o.instantiate(bytes));
        (p, o)
    }

    fn instantiation_mismatch(
        &self,
        p: &Result<InstanceId, InstantiateError>,
        o: Option<&Result<InstanceId, InstantiateError>>,
    ) -> Option<String> {
        let (pn, on) = (self.primary.name(), self.oracle.as_ref()?.name());
        match (p, o?) {
            (Ok(_), Err(e)) => Some(format!("{pn} instantiated the module, {on} did not: {e}")),
            (Err(e), Ok(_)) => Some(format!("{on} instantiated the module, {pn} did not: {e}")),
            _ => None,
        }
    }

    fn module(&mut self, q: &mut QuoteWat<'_>) -> Verdict {
        let name = q.name().map(|id| id.name().to_string());
        // Whatever happens, a failed module must not leave an older one in its place.
        self.current = None;
        if let Some(n) = &name {
            self.named.remove(n);
        }
        if is_component(q) {
            return Verdict::fail("unsupported directive: component");
        }
        let bytes = match q.encode() {
            Ok(b) => b,
            Err(e) => return Verdict::fail(format!("module does not encode: {e}")),
        };
        let (p, o) = self.instantiate_both(&bytes);
        let mismatch = self.instantiation_mismatch(&p, o.as_ref());
        match p {
            Ok(primary) => {
                let h = Handles {
                    primary,
                    oracle: o.and_then(Result::ok),
                };
                self.current = Some(h);
                if let Some(n) = name {
                    self.named.insert(n, h);
                }
                Verdict {
                    failure: None,
                    mismatch,
                }
            }
            Err(e) => Verdict {
                failure: Some(format!("module failed to instantiate: {e}")),
                mismatch,
            },
        }
    }

    /// `(module definition ...)`: the module must compile (validate) without being
    /// instantiated; kept for `(module instance ...)`.
    fn definition(&mut self, q: &mut QuoteWat<'_>) -> Verdict {
        let name = q.name().map(|id| id.name().to_string());
        if is_component(q) {
            return Verdict::fail("unsupported directive: component");
        }
        let bytes = match q.encode() {
            Ok(b) => b,
            Err(e) => return Verdict::fail(format!("module does not encode: {e}")),
        };
        let p = self.primary.compile(&bytes);
        let o = self.oracle.as_mut().map(|o| o.compile(&bytes));
        let (pn, on) = (
            self.primary.name(),
            self.oracle.as_ref().map_or("", |o| o.name()),
        );
        let mismatch = match (&p, o) {
            (Ok(()), Some(Err(e))) => Some(format!("{pn} compiled the module, {on} did not: {e}")),
            (Err(e), Some(Ok(()))) => Some(format!("{on} compiled the module, {pn} did not: {e}")),
            _ => None,
        };
        let failure = p
            .err()
            .map(|e| format!("module definition failed to compile: {e}"));
        if failure.is_none() {
            if name.is_some() {
                self.definitions.insert(name, bytes.clone());
            }
            self.definitions.insert(None, bytes);
        }
        Verdict { failure, mismatch }
    }

    /// `(module instance $inst $def)`: instantiate a definition (the last one without a
    /// name) in both engines.
    fn instance(&mut self, instance: Option<Id<'_>>, module: Option<Id<'_>>) -> Verdict {
        let name = instance.map(|id| id.name().to_string());
        self.current = None;
        if let Some(n) = &name {
            self.named.remove(n);
        }
        let key = module.map(|id| id.name().to_string());
        let Some(bytes) = self.definitions.get(&key).cloned() else {
            return Verdict::fail("module instance: no such module definition");
        };
        let (p, o) = self.instantiate_both(&bytes);
        let mismatch = self.instantiation_mismatch(&p, o.as_ref());
        match p {
            Ok(primary) => {
                let h = Handles {
                    primary,
                    oracle: o.and_then(Result::ok),
                };
                self.current = Some(h);
                if let Some(n) = name {
                    self.named.insert(n, h);
                }
                Verdict {
                    failure: None,
                    mismatch,
                }
            }
            Err(e) => Verdict {
                failure: Some(format!("module instance failed to instantiate: {e}")),
                mismatch,
            },
        }
    }

    fn register(&mut self, as_name: &str, module: Option<Id<'_>>) -> Verdict {
        let h = match self.resolve(module) {
            Ok(h) => h,
            Err(e) => return Verdict::fail(format!("register `{as_name}`: {e}")),
        };
        let failure = self.primary.register(as_name, h.primary).err();
        let mismatch = match (self.oracle.as_mut(), h.oracle) {
            (Some(o), Some(id)) => o
                .register(as_name, id)
                .err()
                .map(|e| format!("wasmtime register: {e}")),
            _ => None,
        };
        Verdict { failure, mismatch }
    }

    fn invoke(&mut self, inv: &WastInvoke<'_>) -> (Exec, Option<Exec>) {
        let h = match self.resolve(inv.module) {
            Ok(h) => h,
            Err(e) => return (Err(e), None),
        };
        let args = match inv
            .args
            .iter()
            .map(arg_value)
            .collect::<Result<Vec<Value>, String>>()
        {
            Ok(a) => a,
            Err(e) => return (Err(e), None),
        };
        let p = self.primary.invoke(h.primary, inv.name, &args);
        let o = match (self.oracle.as_mut(), h.oracle) {
            (Some(o), Some(id)) => Some(o.invoke(id, inv.name, &args)),
            _ => None,
        };
        (p, o)
    }

    fn execute(&mut self, exec: &mut WastExecute<'_>) -> (Exec, Option<Exec>) {
        match exec {
            WastExecute::Invoke(inv) => self.invoke(inv),
            WastExecute::Get { module, global, .. } => {
                let h = match self.resolve(*module) {
                    Ok(h) => h,
                    Err(e) => return (Err(e), None),
                };
                let p = self
                    .primary
                    .get_global(h.primary, global)
                    .map(|v| CallOutcome::Returned(vec![v]));
                let o = match (self.oracle.as_mut(), h.oracle) {
                    (Some(o), Some(id)) => Some(
                        o.get_global(id, global)
                            .map(|v| CallOutcome::Returned(vec![v])),
                    ),
                    _ => None,
                };
                (p, o)
            }
            WastExecute::Wat(wat) => {
                if matches!(wat, Wat::Component(_)) {
                    return (Err("unsupported: component".into()), None);
                }
                let bytes = match wat.encode() {
                    Ok(b) => b,
                    Err(e) => return (Err(format!("module does not encode: {e}")), None),
                };
                let (p, o) = self.instantiate_both(&bytes);
                let conv = |r: Result<InstanceId, InstantiateError>| match r {
                    Ok(_) => Ok(CallOutcome::Returned(Vec::new())),
                    Err(InstantiateError::Trap(t)) => Ok(CallOutcome::Trapped(t)),
                    Err(e) => Err(format!("module failed to instantiate: {e}")),
                };
                (conv(p), o.map(conv))
            }
        }
    }

    /// Compares what both engines did. `None` when they agree or the oracle did not run.
    fn diff(&self, p: &Exec, o: Option<&Exec>, expected: Option<&[WastRet<'_>]>) -> Option<String> {
        let o = o?;
        let (pn, on) = (self.primary.name(), self.oracle.as_ref()?.name());
        let show = |e: &Exec| match e {
            Ok(c) => c.to_string(),
            Err(m) => format!("error: {m}"),
        };
        let disagree = || Some(format!("{pn} {} but {on} {}", show(p), show(o)));
        match (p, o) {
            (Err(_), Err(_)) => None,
            (Err(_), Ok(_)) | (Ok(_), Err(_)) => disagree(),
            (Ok(CallOutcome::Returned(a)), Ok(CallOutcome::Returned(b))) => {
                let same = a.len() == b.len()
                    && a.iter().zip(b).enumerate().all(|(i, (x, y))| {
                        let exp = expected.and_then(|e| e.get(i));
                        values_agree(x, y, exp) || either_agrees(exp, x, y)
                    });
                if same {
                    None
                } else {
                    disagree()
                }
            }
            (Ok(CallOutcome::Trapped(a)), Ok(CallOutcome::Trapped(b))) => {
                if a.kind == b.kind {
                    None
                } else {
                    disagree()
                }
            }
            _ => disagree(),
        }
    }

    /// `assert_invalid` / `assert_malformed`: the engine must reject the module at compile time.
    fn rejected(&mut self, module: &mut QuoteWat<'_>, what: &str, message: &str) -> Verdict {
        if is_component(module) {
            return Verdict::fail("unsupported directive: component");
        }
        let bytes = match module.encode() {
            Ok(b) => b,
            // `assert_malformed (module quote ..)` tests the text format: the text parser
            // rejecting it is the expected outcome, and there is no binary to give an engine.
            Err(_) if what == "a malformed" => return Verdict::pass(),
            Err(e) => return Verdict::fail(format!("module does not encode: {e}")),
        };
        let p = self.primary.compile(&bytes);
        let o = self.oracle.as_mut().map(|o| o.compile(&bytes));
        let failure = p.is_ok().then(|| {
            format!(
                "expected {what} module (`{message}`), {} accepted it",
                self.primary.name()
            )
        });
        let mismatch = match o {
            Some(o) if o.is_ok() != p.is_ok() => Some(match o {
                Ok(()) => format!(
                    "wasmtime accepted the module, {} rejected it",
                    self.primary.name()
                ),
                Err(e) => format!(
                    "wasmtime rejected the module ({e}), {} accepted it",
                    self.primary.name()
                ),
            }),
            _ => None,
        };
        Verdict { failure, mismatch }
    }

    /// `assert_unlinkable`: instantiation must fail with a link error.
    fn unlinkable(&mut self, module: &mut Wat<'_>, message: &str) -> Verdict {
        if matches!(module, Wat::Component(_)) {
            return Verdict::fail("unsupported directive: component");
        }
        let bytes = match module.encode() {
            Ok(b) => b,
            Err(e) => return Verdict::fail(format!("module does not encode: {e}")),
        };
        let (p, o) = self.instantiate_both(&bytes);
        let mismatch = self.instantiation_mismatch(&p, o.as_ref());
        let failure = match p {
            Err(InstantiateError::Link(_)) => None,
            Ok(_) => Some(format!(
                "expected unlinkable (`{message}`), the module instantiated"
            )),
            Err(e) => Some(format!("expected unlinkable (`{message}`), got {e}")),
        };
        Verdict { failure, mismatch }
    }
}

/// With an `(either ...)` expectation, two different answers agree when both are allowed.
fn either_agrees(expected: Option<&WastRet<'_>>, a: &Value, b: &Value) -> bool {
    match expected {
        Some(e @ WastRet::Core(WastRetCore::Either(_))) => {
            crate::values::check_ret(e, a).is_ok() && crate::values::check_ret(e, b).is_ok()
        }
        _ => false,
    }
}

fn describe(exec: &WastExecute<'_>) -> String {
    match exec {
        WastExecute::Invoke(i) => format!("invoke `{}`", i.name),
        WastExecute::Get { global, .. } => format!("get `{global}`"),
        WastExecute::Wat(_) => "module".to_string(),
    }
}

fn directive_kind(d: &WastDirective<'_>) -> &'static str {
    match d {
        WastDirective::Module(_) => "module",
        WastDirective::ModuleDefinition(_) => "module definition",
        WastDirective::ModuleInstance { .. } => "module instance",
        WastDirective::AssertMalformed { .. } => "assert_malformed",
        WastDirective::AssertInvalid { .. } => "assert_invalid",
        WastDirective::AssertInvalidCustom { .. } => "assert_invalid_custom",
        WastDirective::AssertMalformedCustom { .. } => "assert_malformed_custom",
        WastDirective::Register { .. } => "register",
        WastDirective::Invoke(_) => "invoke",
        WastDirective::AssertTrap { .. } => "assert_trap",
        WastDirective::AssertReturn { .. } => "assert_return",
        WastDirective::AssertExhaustion { .. } => "assert_exhaustion",
        WastDirective::AssertUnlinkable { .. } => "assert_unlinkable",
        WastDirective::AssertException { .. } => "assert_exception",
        WastDirective::AssertSuspension { .. } => "assert_suspension",
        WastDirective::Thread(_) => "thread",
        WastDirective::Wait { .. } => "wait",
    }
}

// ---------------------------------------------------------------------------------------------
// Panics: caught per directive; the hook records the message and location instead of printing.

thread_local! {
    static IN_RUNNER: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    static LAST_PANIC: std::cell::RefCell<Option<String>> = const { std::cell::RefCell::new(None) };
}

fn install_panic_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if IN_RUNNER.with(|c| c.get()) {
                let payload = info.payload();
                let msg = payload
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| payload.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "(non-string payload)".to_string());
                let at = info
                    .location()
                    .map(|l| format!(" at {}:{}", l.file(), l.line()))
                    .unwrap_or_default();
                LAST_PANIC.with(|p| *p.borrow_mut() = Some(format!("{msg}{at}")));
            } else {
                previous(info);
            }
        }));
    });
}

/// Runs `f`, turning a panic into `Err(message at location)`.
fn catch<R>(f: impl FnOnce() -> R) -> Result<R, String> {
    let was = IN_RUNNER.with(|c| c.replace(true));
    let r = panic::catch_unwind(AssertUnwindSafe(f));
    IN_RUNNER.with(|c| c.set(was));
    r.map_err(|payload| {
        LAST_PANIC
            .with(|p| p.borrow_mut().take())
            .unwrap_or_else(|| {
                payload
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| payload.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "(non-string payload)".to_string())
            })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each directive is annotated with the verdict the runner must give when wasmtime is the
    /// subject: this checks that the runner catches wrong results, wrong traps, missing traps,
    /// accepted invalid modules and unsupported directives, and passes the rest.
    const SCRIPT: &str = r#"
(module $M
  (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add)
  (func (export "div") (param i32 i32) (result i32) local.get 0 local.get 1 i32.div_s)
  (func (export "nan") (result f32) f32.const nan)
  (func (export "pnan") (result f32) f32.const nan:0x600000)
  (func (export "ext") (param externref) (result externref) local.get 0)
  (func (export "nullf") (result funcref) ref.null func)
  (func $loop (export "loop") call $loop)
  (global (export "g") i32 (i32.const 7)))                                         ;; pass
(assert_return (invoke "add" (i32.const 1) (i32.const 2)) (i32.const 3))           ;; pass
(assert_return (invoke "add" (i32.const 1) (i32.const 2)) (i32.const 4))           ;; FAIL
(assert_return (invoke "add" (i32.const 1) (i32.const 2)))                         ;; FAIL
(assert_trap (invoke "div" (i32.const 1) (i32.const 0)) "integer divide by zero")  ;; pass
(assert_trap (invoke "div" (i32.const 1) (i32.const 0)) "integer overflow")        ;; FAIL
(assert_trap (invoke "add" (i32.const 1) (i32.const 0)) "unreachable")             ;; FAIL
(assert_return (invoke "nan") (f32.const nan:canonical))                           ;; pass
(assert_return (invoke "nan") (f32.const nan:arithmetic))                          ;; pass
(assert_return (invoke "pnan") (f32.const nan:canonical))                          ;; FAIL
(assert_return (invoke "pnan") (f32.const nan:arithmetic))                         ;; pass
(assert_return (invoke "ext" (ref.extern 5)) (ref.extern 5))                       ;; pass
(assert_return (invoke "ext" (ref.extern 5)) (ref.extern 6))                       ;; FAIL
(assert_return (invoke "ext" (ref.null extern)) (ref.null extern))                 ;; pass
(assert_return (invoke "nullf") (ref.null func))                                   ;; pass
(assert_return (invoke "nullf") (ref.func))                                        ;; FAIL
(assert_exhaustion (invoke "loop") "call stack exhausted")                         ;; pass
(assert_return (get $M "g") (i32.const 7))                                         ;; pass
(assert_invalid (module (func (result i32))) "type mismatch")                      ;; pass
(assert_invalid (module (func (result i32) i32.const 0)) "type mismatch")          ;; FAIL
(assert_malformed (module quote "(func") "unexpected token")                       ;; pass
(assert_malformed (module binary "\00asm\02\00\00\00") "unknown binary version")   ;; pass
(assert_unlinkable (module (import "spectest" "nope" (func))) "unknown import")    ;; pass
(assert_unlinkable (module (import "spectest" "print" (func))) "unknown import")   ;; FAIL
(register "M" $M)                                                                  ;; pass
(module (import "M" "add" (func (param i32 i32) (result i32)))
        (import "spectest" "global_i32" (global i32))
        (import "spectest" "memory" (memory 1 2))
        (import "spectest" "table" (table 10 20 funcref)))                         ;; pass
(assert_trap (module (func $s unreachable) (start $s)) "unreachable")              ;; pass
(module definition $D (func (export "f")))                                         ;; pass
(module instance $I $D)                                                            ;; pass
(invoke $I "f")                                                                    ;; pass
(module definition (func (result i32)))                                            ;; FAIL
(module instance $J $Nope)                                                         ;; FAIL
(assert_exception (invoke $M "add" (i32.const 1) (i32.const 2)))                   ;; FAIL
(invoke $M "missing")                                                              ;; FAIL
(invoke $Nope "add")                                                               ;; FAIL
"#;

    fn expected_counts() -> (usize, usize) {
        let pass = SCRIPT.matches(";; pass").count();
        let fail = SCRIPT.matches(";; FAIL").count();
        (pass, fail)
    }

    #[test]
    fn runner_catches_what_it_should() {
        let file = ScriptFile {
            name: "selfcheck.wast".into(),
            text: SCRIPT,
        };
        let engine = OracleEngine::for_suite("wasm-v2").unwrap();
        let opts = RunOptions {
            subject: Subject::Wasmtime,
            oracle: true,
            ..RunOptions::default()
        };
        install_panic_hook();
        let r = run_file("selftest", &file, &opts, Some(&engine));
        let (pass, fail) = expected_counts();
        assert_eq!(
            (r.passed, r.failed, r.diff_mismatches),
            (pass, fail, 0),
            "{r:#?}"
        );
    }

    #[test]
    fn oracle_disagreements_are_mismatches() {
        let engine = OracleEngine::for_suite("wasm-v2").unwrap();
        let script = Script {
            primary: Box::new(WasmtimeBackend::new(&engine).unwrap()),
            oracle: Some(Box::new(WasmtimeBackend::new(&engine).unwrap())),
            named: HashMap::new(),
            current: None,
            definitions: HashMap::new(),
        };
        let ret = |v: Vec<Value>| -> Exec { Ok(CallOutcome::Returned(v)) };
        let trap = |kind| -> Exec {
            Ok(CallOutcome::Trapped(crate::values::Trapped {
                kind,
                message: String::new(),
            }))
        };
        use crate::values::TrapKind;
        assert!(script
            .diff(
                &ret(vec![Value::I32(1)]),
                Some(&ret(vec![Value::I32(1)])),
                None
            )
            .is_none());
        assert!(script
            .diff(
                &ret(vec![Value::I32(1)]),
                Some(&ret(vec![Value::I32(2)])),
                None
            )
            .is_some());
        assert!(script
            .diff(
                &ret(vec![Value::F64(1)]),
                Some(&ret(vec![Value::F64(2)])),
                None
            )
            .is_some());
        assert!(script
            .diff(
                &ret(vec![Value::F32(0x7fc0_0000)]),
                Some(&ret(vec![Value::F32(0xffc0_0001)])),
                None
            )
            .is_none());
        assert!(script
            .diff(&ret(vec![]), Some(&trap(TrapKind::Unreachable)), None)
            .is_some());
        assert!(script
            .diff(
                &trap(TrapKind::Unreachable),
                Some(&trap(TrapKind::Unreachable)),
                None
            )
            .is_none());
        assert!(script
            .diff(
                &trap(TrapKind::TableOutOfBounds),
                Some(&trap(TrapKind::IndirectCallToNull)),
                None
            )
            .is_some());
        assert!(script
            .diff(&Err("x".into()), Some(&ret(vec![])), None)
            .is_some());
        assert!(script.diff(&ret(vec![]), None, None).is_none());
    }
}
