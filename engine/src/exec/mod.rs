//! The interpreter: runs verified microcode on the engine's own value stack.
//!
//! `state` holds the hot registers and the cold context, `handlers/` one handler per op of
//! the ISA, `dispatch/` the backends that move from one handler to the next (threaded tail
//! calls, or the portable `match` loop). ARCHITECTURE.md ("`engine/src/exec/`",
//! "Invariants") describes them and what their `unsafe` relies on: microcode runs only after
//! `microcode::verify` accepted it.
//!
//! Wasm-to-wasm calls push a [`CallFrame`] and continue in the same dispatch; they never recurse
//! on the native stack. Traps stop the run as `Err`.

#[macro_use]
mod state;
mod dispatch;
mod handlers;
mod numeric;
pub(crate) mod simd;
pub(crate) mod suspend;
mod trace;
#[cfg(feature = "simd")]
mod vector;
#[cfg(not(feature = "simd"))]
#[path = "vector_disabled.rs"]
mod vector;

use alloc::vec::Vec;

use crate::error::{Error, Trap, TrapCode};
use crate::microcode::resident::{Code, CodePtr};
use crate::runtime::{materialize_code, Caller, Func, FuncKind, Instance, Store};
use crate::value::Val;
use state::{Ctx, Regs};

/// A suspended caller.
#[derive(Debug)]
struct CallFrame {
    /// The caller's code, pinned by this frame while a run is under way
    /// ([`CodeRef::pin`](crate::microcode::resident::CodeRef::pin)).
    code: CodePtr,
    /// Where the caller continues: an opcode word in `code`'s stream.
    ip: *const u16,
    /// The caller's frame base in the value stack.
    base: usize,
    /// The caller's instance.
    instance: u32,
}

// SAFETY: a frame's pointers are only followed by a run on its stack, which holds the store
// (`&mut`); they point at code that is pinned, or kept alive by `Stack::held` (frames of a
// call that was suspended), and never mutated (ARCHITECTURE.md, "Invariants": pinned code).
unsafe impl Send for CallFrame {}
// SAFETY: as for `Send`; nothing reads through a frame behind a shared reference.
unsafe impl Sync for CallFrame {}

impl CallFrame {
    /// The word offset of `ip` in the frame's code.
    fn pc(&self) -> usize {
        // SAFETY: the frame's code is alive (pinned, or held by `Stack::held`).
        (self.ip as usize - unsafe { self.code.get() }.words_ptr() as usize) / 2
    }
}

/// The engine's value stack and call stack.
#[derive(Debug, Default)]
pub(crate) struct Stack {
    cells: Vec<u64>,
    frames: Vec<CallFrame>,
    /// A reference to the code of each of the first `held.len()` frames, which are *held*
    /// instead of pinned: a run that stops where it can be resumed turns its frames' pins
    /// into these references (`suspend.rs`), so that dropping the suspended call frees the
    /// code; the frames pushed since are pinned. Returning into a held frame pins its code
    /// again (`handlers/call.rs`).
    held: Vec<Code>,
}

/// An instance's callee table: by function index, the code a `Call` enters directly, or null
/// (see "The callee table" in `handlers/call.rs`). One pointer per function of the module
/// (imports included), allocated at instantiation and never resized, so the interpreter keeps
/// a pointer to its first entry while the instance runs.
#[derive(Debug)]
pub(crate) struct Callees(alloc::boxed::Box<[CodePtr]>);

// SAFETY: the entries are only followed by a run, which holds the store (`&mut`), on the
// invariant that a non-null entry is its function's current code (ARCHITECTURE.md,
// "Invariants": the callee table); moving the table to another thread with its store changes
// nothing about that.
unsafe impl Send for Callees {}
// SAFETY: as for `Send`; nothing reads through an entry behind a shared reference.
unsafe impl Sync for Callees {}

impl Callees {
    /// A table of `n` functions, all null.
    pub(crate) fn new(n: usize) -> Callees {
        Callees(alloc::vec![CodePtr::NULL; n].into_boxed_slice())
    }

    /// Forget function `i`'s entry (its code, trap mark or referenced bit changed).
    pub(crate) fn forget(&mut self, i: usize) {
        if let Some(e) = self.0.get_mut(i) {
            *e = CodePtr::NULL;
        }
    }

    pub(crate) fn set(&mut self, i: usize, code: CodePtr) {
        if let Some(e) = self.0.get_mut(i) {
            *e = code;
        }
    }

    /// The first entry.
    pub(crate) fn as_ptr(&self) -> *const CodePtr {
        self.0.as_ptr()
    }
}

fn ensure_cells(cells: &mut Vec<u64>, need: usize, max: usize) -> Result<(), TrapCode> {
    if need <= cells.len() {
        return Ok(());
    }
    if need > max {
        return Err(TrapCode::StackOverflow);
    }
    let new_len = need.max(cells.len() * 2).max(256).min(max);
    cells
        .try_reserve(new_len - cells.len())
        .map_err(|_| TrapCode::StackOverflow)?;
    cells.resize(new_len, 0);
    Ok(())
}

fn call_host<T>(
    store: &mut Store<T>,
    f: u32,
    host: u32,
    instance: Option<Instance>,
    params: &[Val],
    results: &mut [Val],
) -> Result<(), Trap> {
    let h = store.hosts[host as usize].clone();
    h(
        Caller {
            store: &mut *store,
            instance,
        },
        params,
        results,
    )?;
    let ty = &store.inner.funcs[f as usize].ty;
    if results
        .iter()
        .zip(ty.results())
        .any(|(r, t)| !store.inner.val_matches(r, *t))
    {
        return Err(Trap::host(
            "host function returned a value of the wrong type",
        ));
    }
    if results.iter().any(|r| store.check_val(r).is_err()) {
        return Err(Trap::host(
            "host function returned a reference of another store",
        ));
    }
    Ok(())
}

/// Call `func` from the host (the `&[Val]` path: types checked here).
pub(crate) fn call<T>(
    store: &mut Store<T>,
    func: Func,
    params: &[Val],
    results: &mut [Val],
) -> Result<(), Error> {
    let entity = store
        .inner
        .funcs
        .get(func.0 as usize)
        .ok_or(Error::Type("no such function in this store"))?;
    let ty = entity.ty.clone();
    crate::runtime::check_args(&store.inner, &ty, params, results.len())?;
    let id = store.inner.id;
    let done = call_wasm(
        store,
        func.0,
        |cells| {
            let mut at = 0;
            for p in params {
                at += p.write_cells(&mut cells[at..]);
            }
        },
        |cells| {
            let mut at = 0;
            for (r, t) in results.iter_mut().zip(ty.results()) {
                *r = Val::read_cells(*t, &cells[at..], id);
                at += t.cells() as usize;
            }
        },
    )?;
    match done {
        Some(()) => Ok(()),
        None => {
            // `call_wasm` declines only host functions.
            let FuncKind::Host { host } = store.inner.funcs[func.0 as usize].kind else {
                return Err(Error::Type("not a host function"));
            };
            call_host(store, func.0, host, None, params, results).map_err(Error::Trap)
        }
    }
}

/// Call function `f` of `store` from the host, its parameter and result types already
/// checked by the caller: `params` writes the arguments into the first cells of the frame,
/// `results` reads the results from the first cells after the call. Runs the trap hook of a
/// marked function first. A host function is not called: the answer is `Ok(None)` and the
/// caller takes the `&[Val]` path.
pub(crate) fn call_wasm<T, R>(
    store: &mut Store<T>,
    f: u32,
    params: impl FnOnce(&mut [u64]),
    results: impl FnOnce(&[u64]) -> R,
) -> Result<Option<R>, Error> {
    let Some((mut stack, code, instance)) = enter(store, f, params)? else {
        return Ok(None);
    };
    let outcome = run(store, &mut stack, code, instance);
    if outcome.is_ok() && !store.inner.gc.is_empty() {
        // The results reach the host: pin the GC objects among them.
        let ty = &store.inner.funcs[f as usize].ty;
        store.inner.gc.pin_typed(ty.results(), &stack.cells);
    }
    let out = outcome.map(|()| results(&stack.cells));
    stack.clear_frames();
    store.inner.stack = Some(stack);
    store.inner.code_cache.release_retired();
    out.map(Some).map_err(Error::Trap)
}

/// Set up a host call of function `f`: run the trap hook of a marked function, take the
/// store's value stack and write the arguments (`params`) and zeroed locals into the entry
/// frame at cell 0. `None` for a host function.
fn enter<T>(
    store: &mut Store<T>,
    f: u32,
    params: impl FnOnce(&mut [u64]),
) -> Result<Option<(Stack, Code, u32)>, Error> {
    let entity = &mut store.inner.funcs[f as usize];
    entity.referenced = true;
    if entity.trapped {
        store
            .run_trap_hook(store.inner.func(f))
            .map_err(Error::Trap)?;
    }
    let instance = match store.inner.funcs[f as usize].kind {
        FuncKind::Host { .. } => return Ok(None),
        FuncKind::Wasm { instance, .. } => instance,
    };
    // A forwarder enters its callee's code: the callee is called, its hook included.
    let g = store.enter_forwards(f).map_err(Error::Trap)?;
    let code = materialize_code(&mut store.inner, g)?;
    let mut stack = store.inner.stack.take().unwrap_or_default();
    let max_cells = store
        .inner
        .limits
        .max_cells(store.engine.config.max_value_stack);
    let c = code.get();
    if let Err(t) = ensure_cells(&mut stack.cells, c.frame_size() as usize, max_cells) {
        store.inner.stack = Some(stack);
        return Err(Error::Trap(Trap::new(t)));
    }
    params(&mut stack.cells);
    let np = c.num_params() as usize;
    stack.cells[np..np + c.num_locals() as usize].fill(0);
    Ok(Some((stack, code, instance)))
}

/// Two distinct elements of a slice, mutably.
fn two_mut<E>(v: &mut [E], a: usize, b: usize) -> (&mut E, &mut E) {
    if a < b {
        let (lo, hi) = v.split_at_mut(b);
        (&mut lo[a], &mut hi[0])
    } else {
        let (lo, hi) = v.split_at_mut(a);
        (&mut hi[0], &mut lo[b])
    }
}

/// Run `entry` (whose frame is set up at cell 0 of `stack`) to completion; a stop that a
/// resumable call could continue is its trap here.
fn run<T>(
    store: &mut Store<T>,
    stack: &mut Stack,
    entry: Code,
    entry_instance: u32,
) -> Result<(), Trap> {
    run_at(store, stack, entry, entry_instance, 0, 0).map_err(|stop| {
        // A stop a resumable call could continue, in a call that cannot: a trap at the
        // stop's point (its code kept alive here, the callers' by `Stack::held`).
        let point = match &stop {
            suspend::Stop::Suspend(p) => Some((p.code.clone(), p.pc, p.inst)),
            suspend::Stop::Trap(_) => None,
        };
        let mut t = stop.into_trap();
        if let Some((code, pc, inst)) = point {
            let at = trace::At {
                code: code.as_ptr(),
                pc,
                inst,
            };
            trace::record(store, &mut t, Some(at), &stack.frames);
        }
        t
    })
}

/// Run function `code` of instance `inst` from word `pc`, its frame at cell `base` of
/// `stack` (the callers' frames on `stack.frames`, those of a suspended call held by
/// `stack.held`), until the entry function returns, traps or stops where it can be resumed
/// (`suspend.rs`). The running code is pinned, and so is each frame pushed during the run;
/// all are unpinned when it ends, or held if it can be resumed.
fn run_at<T>(
    store: &mut Store<T>,
    stack: &mut Stack,
    code: Code,
    inst: u32,
    base: usize,
    pc: usize,
) -> Result<(), suspend::Stop> {
    // The configured bounds, capped by the store's stack byte limits.
    let limits = store.inner.limits;
    let max_depth = limits.max_frames(
        store.engine.config.max_call_depth,
        core::mem::size_of::<CallFrame>(),
    );
    let max_cells = limits.max_cells(store.engine.config.max_value_stack);
    // Fuel and the interrupt flag live in the store between runs (`runtime/fuel.rs`); the
    // run works on a copy of the fuel and writes it back (host calls sync it both ways).
    let interrupt = store.inner.fuel.interrupt.clone();
    let fuel_on = store.engine.config.metering.fuel;
    let (fuel, fuel_reserve) = handlers::split_fuel(
        if fuel_on {
            store.inner.fuel.remaining
        } else {
            u64::MAX
        },
        &interrupt,
    );
    code.get().pin();
    // Only the outermost run collects the GC heap (`runtime/gc/heap.rs`).
    store.inner.gc.enter_run();
    let mut cx = Ctx {
        store,
        stack,
        code: code.as_ptr(),
        base,
        inst: inst as usize,
        callees: core::ptr::null(),
        max_depth,
        max_cells,
        frame_limit: 0,
        exit: None,
        trap: None,
        trap_ip: core::ptr::null(),
        regs: Regs {
            ip: core::ptr::null(),
            fp: core::ptr::null_mut(),
            mem0: core::ptr::null_mut(),
            mem0_len: 0,
        },
        fuel,
        fuel_reserve,
        interrupt: &interrupt,
        pending: None,
        paged: crate::runtime::memory::PagedView::NONE,
    };
    cx.set_inst(inst as usize);
    cx.refresh_frame_limit();
    let r = cx.regs_at(pc);
    let e = dispatch::execute(&mut cx, r);
    if fuel_on {
        cx.store.inner.fuel.remaining = handlers::fuel_left(&cx);
    }
    let mut res = suspend::stopped(&mut cx, e);
    cx.store.inner.gc.leave_run();
    if matches!(res, Err(suspend::Stop::Suspend(_))) {
        // The suspended call's frames leave the store with the host: what they reference
        // must outlive any collection until it resumes.
        cx.store.inner.gc.pin_all(&cx.stack.cells);
    }
    if let Err(suspend::Stop::Trap(t)) = &mut res {
        // The backtrace, while the running code and the callers' frames are still pinned.
        let at = (!cx.code.is_null() && !cx.trap_ip.is_null()).then(|| trace::At {
            code: cx.code,
            pc: cx.pc_of(cx.trap_ip),
            inst: cx.inst as u32,
        });
        trace::record(cx.store, t, at, &cx.stack.frames);
    }
    if !matches!(res, Err(suspend::Stop::Suspend(_))) {
        // Returned or trapped: a trap leaves the running function and its callers pinned.
        if !cx.code.is_null() {
            cx.code().unpin();
        }
        let held = cx.stack.held.len();
        for f in cx.stack.frames.drain(..).skip(held) {
            // SAFETY: the frame pinned its code, which is alive until this unpin.
            unsafe { f.code.get() }.unpin();
        }
        cx.stack.held.clear();
    }
    drop(code);
    cx.store.inner.code_cache.release_retired();
    res
}
