//! Calls and returns: frames on the engine's own frame stack, never the native stack.

use alloc::vec::Vec;

use super::super::state::{Ctx, Exit, Regs, R};
use super::super::suspend::PendingHost;
use super::super::{call_host, compiled, ensure_cells, Frame};
use crate::error::{Trap, TrapCode};
use crate::microcode::translate::width;
use crate::microcode::Op;
use crate::runtime::{CodeState, FuncKind};
use crate::value::Val;

/// Return the `count` cells at `src..` to the caller (or out of the run).
#[inline(always)]
pub(crate) unsafe fn Return<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::Return { src, count } = rd!(r, Return) else {
        unreachable!()
    };
    if count == 1 {
        set!(r, 0, c!(r, src));
    } else {
        let s = cx.base + src as usize;
        cx.stack.cells.copy_within(s..s + count as usize, cx.base);
    }
    pop_frame(cx, r)
}

/// Continue in the caller's frame, or stop when the entry function returns.
#[inline(always)]
fn pop_frame<T>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    match cx.stack.frames.pop() {
        Some(f) => {
            let same = f.instance as usize == cx.inst;
            cx.code = f.code;
            cx.base = f.base;
            cx.inst = f.instance as usize;
            *r = cx.regs_after_switch(f.pc, r, same);
            Ok(())
        }
        None => Err(Exit::Done),
    }
}

#[inline(always)]
pub(crate) unsafe fn Call<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::Call { func, args } = rd!(r, Call) else {
        unreachable!()
    };
    let f = cx.store.inner.instances[cx.inst].funcs[func as usize];
    invoke::<T, false>(cx, r, f, args)
}

#[inline(always)]
pub(crate) unsafe fn ReturnCall<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::ReturnCall { func, args } = rd!(r, ReturnCall) else {
        unreachable!()
    };
    let f = cx.store.inner.instances[cx.inst].funcs[func as usize];
    invoke::<T, true>(cx, r, f, args)
}

#[inline(always)]
pub(crate) unsafe fn CallIndirect<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::CallIndirect {
        ty,
        table,
        index,
        args,
    } = rd!(r, CallIndirect)
    else {
        unreachable!()
    };
    let index = c!(r, index);
    let pc = cx.pc_of(r.ip);
    let next = call_indirect_out::<T, false>(cx, ty, table, index, args, pc);
    switch(cx, r, next)
}

#[inline(always)]
pub(crate) unsafe fn ReturnCallIndirect<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::ReturnCallIndirect {
        ty,
        table,
        index,
        args,
    } = rd!(r, ReturnCallIndirect)
    else {
        unreachable!()
    };
    let index = c!(r, index);
    let pc = cx.pc_of(r.ip);
    let next = call_indirect_out::<T, true>(cx, ty, table, index, args, pc);
    switch(cx, r, next)
}

/// `call_out` of the function at `index` of table `table`, checked against signature `ty`.
#[inline(never)]
fn call_indirect_out<T, const TAIL: bool>(
    cx: &mut Ctx<'_, T>,
    ty: u32,
    table: u32,
    index: u64,
    args: u32,
    pc: usize,
) -> Next {
    let res = resolve_and_call::<T, TAIL>(cx, ty, table, index, args, pc);
    flatten(cx, res)
}

#[inline(always)]
fn resolve_and_call<T, const TAIL: bool>(
    cx: &mut Ctx<'_, T>,
    ty: u32,
    table: u32,
    index: u64,
    args: u32,
    pc: usize,
) -> Result<Next, Exit> {
    let cell = table!(cx, table)
        .get(index)
        .map_err(|_| TrapCode::TableOutOfBounds)?;
    let f = cell.checked_sub(1).ok_or(TrapCode::IndirectCallToNull)? as u32;
    let expected = cx.store.inner.instances[cx.inst].types[ty as usize];
    if cx.store.inner.funcs[f as usize].type_id != expected {
        return Err(TrapCode::BadSignature.into());
    }
    call_body(cx, f, args, TAIL, pc)
}

/// Enter store function `f` with its arguments at `args..` of this frame (`tail`: replacing
/// this frame). `r.ip` is already past the call op: the return point.
///
/// The work is out of line (`call_out`): it handles reference-counted code and may run the
/// trap hook or a host function, and the handler must pass nothing but register-sized
/// values to a function that is not inlined (see `state::out_of_line`). Only the call's
/// operands go out and a [`Next`] comes back, in registers; the registers themselves are
/// re-derived here (parking them in `Ctx` cost a store-forwarding stall per call).
#[inline(always)]
fn invoke<T, const TAIL: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs, f: u32, args: u32) -> R {
    let pc = cx.pc_of(r.ip);
    let next = call_out::<T, TAIL>(cx, f, args, pc);
    switch(cx, r, next)
}

/// Where a call continues: the word offset `pc` in the (new) current function, shifted left
/// by one, with bit 0 set when memory 0's registers stay valid (same instance, nothing ran
/// that could move memory 0); or [`STOPPED`]. A plain integer, so it comes back in a
/// register (a `Result` would come back through memory and cost the tail call).
type Next = usize;

/// The call stopped the run; the reason is in `Ctx::exit`.
const STOPPED: Next = usize::MAX;

/// `res` as a [`Next`], parking a stop's reason in `cx.exit`.
#[inline(always)]
fn flatten<T>(cx: &mut Ctx<'_, T>, res: Result<Next, Exit>) -> Next {
    match res {
        Ok(n) => n,
        Err(e) => {
            cx.exit = Some(e);
            STOPPED
        }
    }
}

/// The registers after a call described by `next`.
#[inline(always)]
fn switch<T>(cx: &mut Ctx<'_, T>, r: &mut Regs, next: Next) -> R {
    if next == STOPPED {
        return Err(cx.exit.take().unwrap_or(Exit::Trap(TrapCode::Unreachable)));
    }
    *r = cx.regs_after_switch(next >> 1, r, next & 1 != 0);
    Ok(())
}

/// The call itself.
#[inline(never)]
fn call_out<T, const TAIL: bool>(cx: &mut Ctx<'_, T>, f: u32, args: u32, pc: usize) -> Next {
    let res = call_body(cx, f, args, TAIL, pc);
    flatten(cx, res)
}

#[inline(always)]
fn call_body<T>(
    cx: &mut Ctx<'_, T>,
    f: u32,
    args: u32,
    tail: bool,
    pc: usize,
) -> Result<Next, Exit> {
    let new_base = cx.base + args as usize;
    let entity = &mut cx.store.inner.funcs[f as usize];
    entity.referenced = true;
    match &entity.kind {
        FuncKind::Wasm {
            code: CodeState::Translated(c),
            instance,
            ..
        } if !entity.trapped => {
            let (callee, instance) = (c.clone(), *instance);
            enter(cx, callee, instance, new_base, pc, tail)
        }
        _ => invoke_slow(cx, f, new_base, pc, tail),
    }
}

/// Push the caller's frame (unless `tail`) and switch to `callee`.
#[inline(always)]
fn enter<T>(
    cx: &mut Ctx<'_, T>,
    callee: alloc::sync::Arc<crate::microcode::Compiled>,
    instance: u32,
    new_base: usize,
    pc: usize,
    tail: bool,
) -> Result<Next, Exit> {
    let np = callee.num_params as usize;
    let frame_base = if tail {
        // The callee replaces the current frame: its arguments move down to this frame's
        // base and the call depth stays the same.
        cx.stack.cells.copy_within(new_base..new_base + np, cx.base);
        cx.base
    } else {
        // Fallible growth: a host out of RAM is a trap, not an abort.
        if cx.stack.frames.len() >= cx.max_depth || cx.stack.frames.try_reserve(1).is_err() {
            return Err(TrapCode::StackOverflow.into());
        }
        new_base
    };
    let need = frame_base + callee.frame_size as usize;
    if need > cx.stack.cells.len() {
        ensure_cells(&mut cx.stack.cells, need, cx.max_cells)?;
    }
    let locals = frame_base + np;
    if callee.num_locals > 0 {
        cx.stack.cells[locals..locals + callee.num_locals as usize].fill(0);
    }
    let caller = core::mem::replace(&mut cx.code, callee);
    if !tail {
        cx.stack.frames.push(Frame {
            code: caller,
            pc,
            base: cx.base,
            instance: cx.inst as u32,
        });
    }
    cx.base = frame_base;
    let same = instance as usize == cx.inst;
    cx.inst = instance as usize;
    Ok(same as usize)
}

/// A call that needs more than entering translated code: the trap hook, translating or
/// reloading the callee, or a host function.
fn invoke_slow<T>(
    cx: &mut Ctx<'_, T>,
    f: u32,
    new_base: usize,
    pc: usize,
    tail: bool,
) -> Result<Next, Exit> {
    let store = &mut *cx.store;
    if store.inner.funcs[f as usize].trapped {
        // The hook may translate, evict or reload code and grow memories; the callee's code
        // is read after it, and memory 0's registers are re-read below.
        if let Err(t) = store.run_trap_hook(store.inner.func(f)) {
            return Err(cx.park_trap(t));
        }
    }
    match store.inner.funcs[f as usize].kind {
        FuncKind::Wasm { instance, .. } => {
            let callee = match &store.inner.funcs[f as usize].kind {
                FuncKind::Wasm {
                    code: CodeState::Translated(c),
                    ..
                } => c.clone(),
                _ => match compiled(&mut store.inner, f) {
                    Ok(c) => c,
                    Err(e) => return Err(cx.park_trap(Trap::host(alloc::format!("{e}")))),
                },
            };
            // The hook or reloading the code may have touched memory 0: re-read it.
            Ok(enter(cx, callee, instance, new_base, pc, tail)? & !1)
        }
        FuncKind::Host { host } => {
            let ty = store.inner.funcs[f as usize].ty.clone();
            let mut at = new_base;
            let params: Vec<Val> = ty
                .params()
                .iter()
                .map(|t| {
                    let v = Val::read_cells(*t, &cx.stack.cells[at..], store.inner.id);
                    at += width(*t) as usize;
                    v
                })
                .collect();
            let mut results: Vec<Val> = ty.results().iter().map(|t| Val::default_for(*t)).collect();
            let instance = Some(store.inner.instance(cx.inst as u32));
            // The host sees and may change the fuel (`Caller::set_fuel`, nested calls).
            store.inner.fuel.remaining = cx.fuel;
            let res = call_host(store, f, host, instance, &params, &mut results);
            cx.fuel = cx.store.inner.fuel.remaining;
            let dst = if tail { cx.base } else { new_base };
            if let Err(t) = res {
                if t.code() == TrapCode::HostYield {
                    // A resumable call continues from here (`exec/suspend.rs`).
                    cx.pending = Some(PendingHost {
                        func: f,
                        dst,
                        tail,
                        pc,
                    });
                }
                return Err(cx.park_trap(t));
            }
            ensure_cells(&mut cx.stack.cells, dst + 2 * results.len(), cx.max_cells)?;
            let mut at = dst;
            for v in &results {
                at += v.write_cells(&mut cx.stack.cells[at..]);
            }
            // The host function may have grown memory 0: re-read it (bit 0 clear).
            if tail {
                match cx.stack.frames.pop() {
                    Some(f) => {
                        cx.code = f.code;
                        cx.base = f.base;
                        cx.inst = f.instance as usize;
                        Ok(f.pc << 1)
                    }
                    None => Err(Exit::Done),
                }
            } else {
                Ok(pc << 1)
            }
        }
    }
}
