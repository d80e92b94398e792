//! Exception handling (`Config::wasm_exceptions`): `throw`, `throw_ref`, and the unwinding
//! that finds a `try_table`'s catch clause.
//!
//! Nothing runs where a `try_table` is entered: its clauses are in the function's handler
//! table (`microcode/translate/exn.rs`), ops after the function's last op. A throw goes out
//! of line: the running function's table is searched for a clause covering the op that
//! threw (innermost `try_table` first, clauses in order); without one the frame is popped
//! (unpinning its code, as a return does) and the caller's table is searched at its call,
//! up to the run's entry function. A catch writes the exception's values (and for the `_ref`
//! forms an `exnref` after them) into its label's slots and continues at the label. An
//! exception no handler of the run catches ends the run as a trap carrying it
//! ([`Trap::throw`]): through a host function that called this run it reaches the host
//! function's caller, which unwinds on (`handlers/call.rs`).
//!
//! The table walk decodes ops with the checked decoder and every frame access here is
//! bounds-checked: a throw is rare, and this path trusts nothing the verifier did not check.

use alloc::boxed::Box;

use super::super::state::{Ctx, Exit, Regs, R};
use super::call::{flatten, pop_caller, switch, Next};
use crate::error::{Trap, TrapCode};
use crate::microcode::isa::{opc, WIDE};
use crate::microcode::resident::{CodePtr, CodeRef};
use crate::microcode::Op;

/// The catch-all tag of a `Catch` / `CatchRef` op (`translate/exn.rs`).
const CATCH_ALL: i32 = -1;

/// An exception being thrown: fresh from a `throw` (values not yet an exception object), or
/// an exception object of the store's arena (`throw_ref`, or raised by a host function).
pub(crate) enum InFlight {
    Fresh { tag: u32, payload: Box<[u64]> },
    Object(u32),
}

#[inline(always)]
pub(crate) unsafe fn Throw<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let at = cx.pc_of(r.ip);
    let Op::Throw { tag, args, n } = rd!(r, Throw) else {
        unreachable!()
    };
    let next = throw_out(cx, tag, args, n, at);
    switch(cx, r, next)
}

#[inline(always)]
pub(crate) unsafe fn ThrowRef<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let at = cx.pc_of(r.ip);
    let Op::ThrowRef { exn } = rd!(r, ThrowRef) else {
        unreachable!()
    };
    let cell = c!(r, exn);
    let next = throw_ref_out(cx, cell, at);
    switch(cx, r, next)
}

/// A handler-table op: never run (the body's last op does not fall through to the table).
#[inline(never)]
fn not_run() -> R {
    Err(Exit::Trap(TrapCode::Unreachable))
}

pub(crate) unsafe fn ExnFrom<T, const W: bool>(_cx: &mut Ctx<'_, T>, _r: &mut Regs) -> R {
    not_run()
}
pub(crate) unsafe fn ExnTo<T, const W: bool>(_cx: &mut Ctx<'_, T>, _r: &mut Regs) -> R {
    not_run()
}
pub(crate) unsafe fn Catch<T, const W: bool>(_cx: &mut Ctx<'_, T>, _r: &mut Regs) -> R {
    not_run()
}
pub(crate) unsafe fn CatchRef<T, const W: bool>(_cx: &mut Ctx<'_, T>, _r: &mut Regs) -> R {
    not_run()
}

#[inline(never)]
fn throw_out<T>(cx: &mut Ctx<'_, T>, tag: i32, args: u32, n: u32, at: usize) -> Next {
    let res = (|| {
        let inner = &cx.store.inner;
        let tag = *inner.instances[cx.inst]
            .tags
            .get(tag as u32 as usize)
            .ok_or(TrapCode::Unreachable)?;
        let s = cx.base + args as usize;
        let payload: Box<[u64]> = cx
            .stack
            .cells
            .get(s..s + n as usize)
            .ok_or(TrapCode::Unreachable)?
            .into();
        unwind(cx, InFlight::Fresh { tag, payload }, at, false)
    })();
    flatten(cx, res)
}

#[inline(never)]
fn throw_ref_out<T>(cx: &mut Ctx<'_, T>, cell: u64, at: usize) -> Next {
    let res = (|| {
        let i = cell.checked_sub(1).ok_or(TrapCode::NullReference)?;
        if i >= cx.store.inner.exns.len() as u64 {
            return Err(TrapCode::Unreachable.into());
        }
        unwind(cx, InFlight::Object(i as u32), at, false)
    })();
    flatten(cx, res)
}

/// A catch clause that matched: where to continue, where the values go and how many cells
/// they take (with the `exnref`), and whether it is a `_ref` clause.
struct Handler {
    target: usize,
    dst: usize,
    n: usize,
    with_ref: bool,
}

/// The first clause of `code`'s handler table covering word `at` that catches `tag` (a
/// store tag index; `tags` maps the module's tag indices to the store's).
fn find_handler(code: CodeRef<'_>, at: usize, tag: u32, tags: &[u32]) -> Option<Handler> {
    let words = code.words();
    // Code without a handler table (all code without `try_table`) is told at a glance.
    if !words.iter().any(|&w| w & !WIDE == opc::ExnFrom) {
        return None;
    }
    let mut pos = 0;
    let mut range = 0..0;
    let mut from = 0;
    let mut in_table = false;
    while pos < words.len() {
        let (op, n) = Op::decode_words(words, pos)?;
        let target = |rel: u32| (pos + n) as i64 + rel as i32 as i64;
        match op {
            Op::ExnFrom { target: t } => {
                in_table = true;
                from = usize::try_from(target(t)).ok()?;
            }
            Op::ExnTo { target: t } => range = from..usize::try_from(target(t)).ok()?,
            Op::Catch {
                tag: c,
                dst,
                n: cells,
                target: t,
            }
            | Op::CatchRef {
                tag: c,
                dst,
                n: cells,
                target: t,
            } if in_table && range.contains(&at) => {
                let matches =
                    c == CATCH_ALL || tags.get(c as u32 as usize).is_some_and(|&s| s == tag);
                if matches {
                    return Some(Handler {
                        target: usize::try_from(target(t)).ok()?,
                        dst: dst as usize,
                        n: cells as usize,
                        with_ref: matches!(op, Op::CatchRef { .. }),
                    });
                }
            }
            _ => {}
        }
        pos += n;
    }
    None
}

/// Unwind with `exn` from word `at` of the running function (a word of the op that threw,
/// or of the call the exception came out of) to the innermost handler of this run that
/// catches it, and continue there; or end the run with it.
pub(super) fn unwind<T>(
    cx: &mut Ctx<'_, T>,
    exn: InFlight,
    at: usize,
    switched: bool,
) -> Result<Next, Exit> {
    let entered = cx.code;
    let res = unwind_frames(cx, exn, at);
    if res.is_err() && !cx.code.is_null() && (switched || cx.code != entered) {
        // The op that stopped the run (`Ctx::trap_ip`) is not in the running function any
        // more: leave no running function, so that the backtrace does not look for it there.
        cx.code().unpin();
        cx.code = CodePtr::NULL;
    }
    res
}

fn unwind_frames<T>(cx: &mut Ctx<'_, T>, mut exn: InFlight, mut at: usize) -> Result<Next, Exit> {
    let tag = match &exn {
        InFlight::Fresh { tag, .. } => *tag,
        InFlight::Object(i) => cx.store.inner.exns[*i as usize].tag,
    };
    loop {
        let found = {
            let tags = &cx.store.inner.instances[cx.inst].tags;
            find_handler(cx.code(), at, tag, tags)
        };
        if let Some(h) = found {
            catch(cx, &mut exn, &h)?;
            // Memory 0's registers are re-read (bit 0 clear): the instance may have changed.
            return Ok(h.target << 1);
        }
        // No handler here: leave the function as a return would.
        cx.code().unpin();
        match pop_caller(cx) {
            Some(f) => {
                at = f.pc().saturating_sub(1);
                cx.code = f.code;
                cx.base = f.base;
                cx.set_inst(f.instance as usize);
            }
            None => {
                cx.code = CodePtr::NULL;
                let i = materialize(cx, exn)?;
                let t = Trap::throw(crate::runtime::ExnRef(i, cx.store.inner.id));
                return Err(cx.park_trap(t));
            }
        }
    }
}

/// `exn` as an exception object of the store (made now if it is fresh).
fn materialize<T>(cx: &mut Ctx<'_, T>, exn: InFlight) -> Result<u32, Exit> {
    match exn {
        InFlight::Object(i) => Ok(i),
        InFlight::Fresh { tag, payload } => match cx.store.inner.add_exn(tag, payload) {
            Some(i) => Ok(i),
            None => Err(cx.park_trap(Trap::host(
                "exception objects over the store's limit (StoreLimits::exceptions)",
            ))),
        },
    }
}

/// Write the exception's values (and its `exnref` for a `_ref` clause) to the clause's slots
/// in the current frame.
fn catch<T>(cx: &mut Ctx<'_, T>, exn: &mut InFlight, h: &Handler) -> Result<(), Exit> {
    let payload_len = match &*exn {
        InFlight::Fresh { payload, .. } => payload.len(),
        InFlight::Object(i) => cx.store.inner.exns[*i as usize].payload.len(),
    };
    let want = if h.with_ref {
        h.n.checked_sub(1)
    } else {
        Some(h.n)
    };
    // A clause of a catch-all reads no values.
    let values = match want {
        Some(0) => 0,
        Some(k) if k == payload_len => k,
        _ => return Err(TrapCode::Unreachable.into()),
    };
    let d = cx.base + h.dst;
    if d + h.n > cx.stack.cells.len() {
        return Err(TrapCode::Unreachable.into());
    }
    if h.with_ref {
        let fresh = core::mem::replace(exn, InFlight::Object(0));
        let i = materialize(cx, fresh)?;
        *exn = InFlight::Object(i);
        cx.stack.cells[d + values] = i as u64 + 1;
    }
    if values > 0 {
        let cells = &mut cx.stack.cells[d..d + values];
        match &*exn {
            InFlight::Fresh { payload, .. } => cells.copy_from_slice(payload),
            InFlight::Object(i) => cells.copy_from_slice(&cx.store.inner.exns[*i as usize].payload),
        }
    }
    Ok(())
}

/// A host function called from word `pc - 1` (its return point is `pc`) raised `trap`,
/// an exception: unwind from the call (`tail`: a tail call, which replaced the running
/// function, so its handlers do not apply).
pub(super) fn from_host<T>(
    cx: &mut Ctx<'_, T>,
    trap: Trap,
    pc: usize,
    tail: bool,
) -> Result<Next, Exit> {
    let Some(e) = trap.exception() else {
        return Err(cx.park_trap(trap));
    };
    if !e.comes_from_same_store(&*cx.store) || e.0 as usize >= cx.store.inner.exns.len() {
        return Err(cx.park_trap(Trap::host(
            "host function raised an exception of another store",
        )));
    }
    if tail {
        cx.code().unpin();
        match pop_caller(cx) {
            Some(f) => {
                let at = f.pc().saturating_sub(1);
                cx.code = f.code;
                cx.base = f.base;
                cx.set_inst(f.instance as usize);
                unwind(cx, InFlight::Object(e.0), at, true)
            }
            None => {
                cx.code = CodePtr::NULL;
                Err(cx.park_trap(trap))
            }
        }
    } else {
        unwind(cx, InFlight::Object(e.0), pc.saturating_sub(1), false)
    }
}
