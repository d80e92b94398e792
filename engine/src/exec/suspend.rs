//! Where a stopped run can continue: the interpreter side of resumable calls
//! (`runtime/resumable.rs` is the public side; ARCHITECTURE.md, "Fuel, interruption and
//! suspension").
//!
//! Every wasm frame lives on the engine's own stacks (`Stack`: value cells and caller
//! frames), so a run that stops at a point it can resume from leaves everything it needs
//! there, plus the current function, word offset, frame base and instance: a [`Point`].
//! Three stops are such points: a `Fuel` check that lacked fuel or found the interrupt flag
//! set, and a bulk op that lacked fuel (both stop with `ip` on the op, which runs again), and
//! a host function that returned [`Trap::host_yield`] (the run continues after its call once
//! the host supplies its results).

use super::state::{Ctx, Exit};
use super::{ensure_cells, Stack};
use crate::error::{Trap, TrapCode};
use crate::microcode::resident::{Code, CodePtr};
use crate::runtime::Store;
use crate::value::Val;

/// Why a run stopped short of returning.
#[derive(Debug)]
pub(crate) enum Stop {
    /// A trap: the call is over.
    Trap(Trap),
    /// A point the call can continue from.
    Suspend(Point),
}

impl Stop {
    /// The stop as a trap, for calls that cannot be resumed.
    pub fn into_trap(self) -> Trap {
        match self {
            Stop::Trap(t) => t,
            Stop::Suspend(p) => Trap::new(p.reason),
        }
    }
}

/// A host call whose function yielded: where its results go and how the caller continues.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PendingHost {
    /// The host function (store index).
    pub func: u32,
    /// The first cell of its results.
    pub dst: usize,
    /// A tail call: after the results, return from the current frame.
    pub tail: bool,
    /// The word offset after the call op in the current function.
    pub pc: usize,
}

/// A resumable stop: the current function, the word offset to continue at, its frame base
/// and instance (the callers' frames stay on the stack), and why.
#[derive(Debug, Clone)]
pub(crate) struct Point {
    pub code: Code,
    pub pc: usize,
    pub base: usize,
    pub inst: u32,
    /// `OutOfFuel`, `Interrupted` or `HostYield`.
    pub reason: TrapCode,
    pub pending: Option<PendingHost>,
}

/// A reference to pinned code, which the store keeps alive.
fn hold(code: CodePtr) -> Code {
    // SAFETY: every code pointer of a run comes from a `Code` the store holds (a function's
    // code state, or the code cache's retired list), and pinned code stays there
    // (ARCHITECTURE.md, "Invariants": pinned code); `code` is pinned. So the block is live:
    // one more owner may be made from it.
    unsafe { Code::from_ptr(code) }
}

/// The run stops at a point it can resume from: its code (the running function's, returned
/// for the `Point`, and that of the frames pushed since the last stop, added to
/// `Stack::held`) is held by reference instead of pinned, so dropping the suspended call
/// frees it. Only the frames pushed since the last stop are visited: a call suspended over
/// and over at the same depth pays nothing per frame.
fn suspend_code<T>(cx: &mut Ctx<'_, T>) -> Code {
    let Stack { frames, held, .. } = &mut *cx.stack;
    for f in &frames[held.len()..] {
        let c = hold(f.code);
        c.get().unpin();
        held.push(c);
    }
    let code = hold(cx.code);
    code.get().unpin();
    cx.code = CodePtr::NULL;
    code
}

/// How the run that ended with `e` stopped.
pub(super) fn stopped<T>(cx: &mut Ctx<'_, T>, e: Exit) -> Result<(), Stop> {
    let point = |cx: &mut Ctx<'_, T>, pc, reason, pending| Point {
        code: suspend_code(cx),
        pc,
        base: cx.base,
        inst: cx.inst as u32,
        reason,
        pending,
    };
    match e {
        // Only the fuel check and the bulk ops' charge stop with these codes directly, with
        // `ip` on the op to run again parked in `Ctx::regs` (`handlers/fuel.rs`). The same
        // codes from a host function are parked traps.
        Exit::Trap(reason @ (TrapCode::OutOfFuel | TrapCode::Interrupted)) => {
            if reason == TrapCode::Interrupted {
                // The stop consumes the trigger.
                cx.interrupt
                    .store(false, core::sync::atomic::Ordering::Relaxed);
            }
            let pc = cx.pc_of(cx.regs.ip);
            Err(Stop::Suspend(point(cx, pc, reason, None)))
        }
        Exit::Parked
            if cx.pending.is_some()
                && cx.trap.as_ref().map(Trap::code) == Some(TrapCode::HostYield) =>
        {
            cx.trap = None;
            let p = cx.pending.take();
            let pc = p.map_or(0, |p| p.pc);
            Err(Stop::Suspend(point(cx, pc, TrapCode::HostYield, p)))
        }
        e => cx.outcome(e).map_err(Stop::Trap),
    }
}

/// Continue the run stopped at `point` on `stack`; `host_results` are the yielded host
/// function's results (already checked against its type; empty for other stops).
pub(crate) fn resume<T>(
    store: &mut Store<T>,
    stack: &mut Stack,
    point: Point,
    host_results: &[Val],
) -> Result<(), Stop> {
    let Point {
        mut code,
        mut pc,
        mut base,
        mut inst,
        pending,
        ..
    } = point;
    if let Some(p) = pending {
        let max_cells = store
            .inner
            .limits
            .max_cells(store.engine.config.max_value_stack);
        ensure_cells(&mut stack.cells, p.dst + 2 * host_results.len(), max_cells)
            .map_err(|t| Stop::Trap(Trap::new(t)))?;
        let mut at = p.dst;
        for v in host_results {
            at += v.write_cells(&mut stack.cells[at..]);
        }
        if p.tail {
            // As a returning tail call: continue in the caller, or the call is over.
            match (stack.frames.pop(), stack.held.pop()) {
                (Some(f), Some(held)) => {
                    pc = f.pc();
                    code = held;
                    base = f.base;
                    inst = f.instance;
                }
                _ => return Ok(()),
            }
        }
    }
    super::run_at(store, stack, code, inst, base, pc)
}

/// A started call: the stack it ran on, and how it stopped.
pub(crate) type Started = (Stack, Result<(), Stop>);

/// Start a resumable call of store function `f` (a wasm function; `None` for a host
/// function) with its arguments written by `params`: the stack it runs on, and how it
/// stopped.
pub(crate) fn start<T>(
    store: &mut Store<T>,
    f: u32,
    params: impl FnOnce(&mut [u64]),
) -> Result<Option<Started>, crate::Error> {
    let Some((mut stack, code, instance)) = super::enter(store, f, params)? else {
        return Ok(None);
    };
    let res = super::run_at(store, &mut stack, code, instance, 0, 0);
    Ok(Some((stack, res)))
}

impl Stack {
    /// The value cells (a finished call's results are at the start).
    pub(crate) fn cells(&self) -> &[u64] {
        &self.cells
    }

    /// Forget the caller frames (before the store reuses the stack).
    pub(crate) fn clear_frames(&mut self) {
        self.frames.clear();
        self.held.clear();
    }
}

/// One frame of a suspended call as persistence sees it: its code, word offset (the return
/// point of a caller; the stop point of the current frame), frame base and instance.
pub(crate) type FrameView<'a> = (&'a Code, usize, usize, u32);

impl Point {
    /// The frames of the call stopped here, bottom (the entry's frame) first, the current
    /// frame last.
    pub(crate) fn frames<'a>(&'a self, stack: &'a Stack) -> impl Iterator<Item = FrameView<'a>> {
        // A suspended call's frames are all held (`suspend_code`).
        stack
            .frames
            .iter()
            .zip(&stack.held)
            .map(|(f, code)| (code, f.pc(), f.base, f.instance))
            .chain(core::iter::once((
                &self.code, self.pc, self.base, self.inst,
            )))
    }

    /// A point and its stack from persisted frames (bottom first, the current one last; at
    /// least one), checked by the caller against the instance's code (`runtime/persist.rs`).
    pub(crate) fn rebuild(
        mut frames: alloc::vec::Vec<(Code, usize, usize, u32)>,
        cells: alloc::vec::Vec<u64>,
        reason: TrapCode,
        pending: Option<PendingHost>,
    ) -> Option<(Point, Stack)> {
        let (code, pc, base, inst) = frames.pop()?;
        let point = Point {
            code,
            pc,
            base,
            inst,
            reason,
            pending,
        };
        // Held frames (see `Stack::held`): the references keep the code alive.
        let held: alloc::vec::Vec<Code> = frames.iter().map(|(code, ..)| code.clone()).collect();
        let frames = frames
            .into_iter()
            .map(|(code, pc, base, instance)| super::CallFrame {
                code: code.as_ptr(),
                ip: code.get().words_ptr().wrapping_add(pc),
                base,
                instance,
            })
            .collect();
        Some((
            point,
            Stack {
                cells,
                frames,
                held,
            },
        ))
    }
}
