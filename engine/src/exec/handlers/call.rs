//! Calls and returns: frames on the engine's own frame stack, never the native stack.

use alloc::vec::Vec;

use super::super::state::{Ctx, Exit, Regs, R};
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
    cx.regs = *r;
    let res = call_indirect_out::<T, false>(cx, ty, table, index, args, pc);
    *r = cx.regs;
    res
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
    cx.regs = *r;
    let res = call_indirect_out::<T, true>(cx, ty, table, index, args, pc);
    *r = cx.regs;
    res
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
) -> R {
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
/// values to a function that is not inlined (see `state::out_of_line`).
#[inline(always)]
fn invoke<T, const TAIL: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs, f: u32, args: u32) -> R {
    let pc = cx.pc_of(r.ip);
    cx.regs = *r;
    let res = call_out::<T, TAIL>(cx, f, args, pc);
    *r = cx.regs;
    res
}

/// The call itself; on success `cx.regs` are the callee's (or, after a host function, the
/// caller's at `pc`).
#[inline(never)]
fn call_out<T, const TAIL: bool>(cx: &mut Ctx<'_, T>, f: u32, args: u32, pc: usize) -> R {
    call_body(cx, f, args, TAIL, pc)
}

#[inline(always)]
fn call_body<T>(cx: &mut Ctx<'_, T>, f: u32, args: u32, tail: bool, pc: usize) -> R {
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
            let mut regs = cx.regs;
            let res = enter(cx, &mut regs, callee, instance, new_base, pc, tail);
            cx.regs = regs;
            res
        }
        _ => {
            let mut regs = cx.regs;
            let res = invoke_slow(cx, &mut regs, f, new_base, pc, tail);
            cx.regs = regs;
            res
        }
    }
}

/// Push the caller's frame (unless `tail`) and switch to `callee`.
#[inline(always)]
fn enter<T>(
    cx: &mut Ctx<'_, T>,
    r: &mut Regs,
    callee: alloc::sync::Arc<crate::microcode::Compiled>,
    instance: u32,
    new_base: usize,
    pc: usize,
    tail: bool,
) -> R {
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
    *r = cx.regs_after_switch(0, r, same);
    Ok(())
}

/// A call that needs more than entering translated code: the trap hook, translating or
/// reloading the callee, or a host function.
fn invoke_slow<T>(
    cx: &mut Ctx<'_, T>,
    r: &mut Regs,
    f: u32,
    new_base: usize,
    pc: usize,
    tail: bool,
) -> R {
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
            // The hook or reloading the code may have touched memory 0: `enter` keeps the
            // registers' view of it, so refresh that first.
            refresh_mem0!(cx, r);
            enter(cx, r, callee, instance, new_base, pc, tail)
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
            if let Err(t) = call_host(store, f, host, instance, &params, &mut results) {
                return Err(cx.park_trap(t));
            }
            let dst = if tail { cx.base } else { new_base };
            ensure_cells(&mut cx.stack.cells, dst + 2 * results.len(), cx.max_cells)?;
            let mut at = dst;
            for v in &results {
                at += v.write_cells(&mut cx.stack.cells[at..]);
            }
            if tail {
                // The host function may have grown memory 0 (`pop_frame` keeps the view).
                refresh_mem0!(cx, r);
                pop_frame(cx, r)
            } else {
                *r = cx.regs_at(pc);
                Ok(())
            }
        }
    }
}
