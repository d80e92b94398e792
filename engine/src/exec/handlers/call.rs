//! Calls and returns: frames on the engine's own frame stack, never the native stack.

use alloc::vec::Vec;

use super::super::state::{Ctx, Exit, Regs, R};
use super::super::suspend::PendingHost;
use super::super::{call_host, ensure_cells, CallFrame};
use crate::error::{Trap, TrapCode};
use crate::microcode::resident::{Code, CodePtr, CodeRef};
use crate::microcode::Op;
use crate::runtime::materialize_code;
use crate::runtime::{CodeState, FuncKind};
use crate::value::Val;

/// Return the `count` cells at `src..` to the caller. The fast path covers a return of at
/// most one cell to a caller of the same instance; anything else returns [`Exit::Slow`]
/// having changed nothing but the result cell, and the backend runs [`CallSlow`].
#[inline(always)]
pub(crate) unsafe fn Return<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::Return { src, count } = rd!(r, Return) else {
        unreachable!()
    };
    // The result goes to the frame's first cell before anything is decided: `CallSlow`
    // writes it the same way again (from the same cell) if the fast path declines.
    if count == 1 {
        set!(r, 0, c!(r, src));
    } else if count != 0 {
        return Err(Exit::Slow);
    }
    let stack = &mut *cx.stack;
    let n = stack.frames.len();
    // Not into a frame of a resumed call (held, not pinned: see `Stack::held`); that test
    // also finds a frame there (`held.len() >= 0`).
    if n <= stack.held.len() {
        return Err(Exit::Slow);
    }
    // SAFETY: `n > held.len() >= 0`, so frame `n - 1` exists.
    let f = unsafe { stack.frames.get_unchecked(n - 1) };
    let (code, ip, base) = (f.code, f.ip, f.base);
    if f.instance as usize != cx.inst {
        return Err(Exit::Slow);
    }
    // SAFETY: `n - 1 < n`: pops the frame read above (a `CallFrame` has no drop glue).
    unsafe { cx.stack.frames.set_len(n - 1) };
    cx.code().unpin();
    // The value stack did not move since `r.fp` was derived: the caller's frame is this
    // distance below it.
    r.fp = r.fp.wrapping_sub(cx.base - base);
    r.ip = ip;
    cx.code = code;
    cx.base = base;
    Ok(())
}

/// Pop the caller's frame, its code pinned: a pinned frame hands its pin over; a held one
/// (`Stack::held`) is pinned now, its reference kept in the code cache's retired list while
/// pinned.
pub(super) fn pop_caller<T>(cx: &mut Ctx<'_, T>) -> Option<CallFrame> {
    let f = cx.stack.frames.pop()?;
    if cx.stack.frames.len() < cx.stack.held.len() {
        if let Some(c) = cx.stack.held.pop() {
            c.get().pin();
            cx.store.inner.code_cache.keep_pinned(c);
        }
    }
    Some(f)
}

/// Continue in the caller's frame, or stop when the entry function returns. The running
/// code's pin is dropped; the caller's frame hands its pin to `cx.code`.
#[inline(always)]
fn pop_frame<T>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    cx.code().unpin();
    match pop_caller(cx) {
        Some(f) => {
            let same = f.instance as usize == cx.inst;
            cx.code = f.code;
            cx.base = f.base;
            cx.set_inst(f.instance as usize);
            let pc = (f.ip as usize - cx.code().words_ptr() as usize) / 2;
            *r = cx.regs_after_switch(pc, r, same);
            Ok(())
        }
        None => {
            cx.code = CodePtr::NULL;
            Err(Exit::Done)
        }
    }
}

/// A call of function `func` of this instance. The fast path ([`enter_fast`]) covers
/// translated code of the same instance without a trap hook; anything else returns
/// [`Exit::Slow`] having changed nothing but the callee's referenced bit, and the backend
/// runs [`CallSlow`].
#[inline(always)]
pub(crate) unsafe fn Call<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::Call { func, args } = rd!(r, Call) else {
        unreachable!()
    };
    enter_fast(cx, r, func, args)
}

/// Whether opcode word `op` (narrow form) is a call or return whose handler may return
/// [`Exit::Slow`].
pub(crate) const fn may_miss_call(op: u16) -> bool {
    use crate::microcode::isa::opc;
    matches!(op, opc::Call | opc::Return)
}

/// Not an op: what a backend runs after a `Call` or `Return` handler returned
/// [`Exit::Slow`], on the registers that op started with: the general path.
#[inline(always)]
pub(crate) unsafe fn CallSlow<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    use crate::microcode::isa::{opc, WIDE};
    // SAFETY: the backend runs this only for the op whose handler returned `Exit::Slow`,
    // with the registers it started with: `r.ip` is a verified `Call` or `Return` of form
    // `W`.
    let word = unsafe { *r.ip } & !WIDE;
    if word == opc::Return {
        let Op::Return { src, count } = rd!(r, Return) else {
            unreachable!()
        };
        if count == 1 {
            set!(r, 0, c!(r, src));
        } else if count != 0 {
            let s = cx.base + src as usize;
            cx.stack.cells.copy_within(s..s + count as usize, cx.base);
        }
        pop_frame(cx, r)
    } else {
        let Op::Call { func, args } = rd!(r, Call) else {
            unreachable!()
        };
        // A callee the table knows, missed for its many locals or room: enter it here.
        // SAFETY: as in `Call` (`func` is a verified function index).
        let callee = unsafe { *cx.callees.add(func as usize) };
        if !callee.is_null() {
            let stack = &*cx.stack;
            // SAFETY: a non-null entry is the function's current code (the callee table).
            let c = unsafe { callee.get() };
            let new_base = cx.base + args as usize;
            if stack.frames.len() < cx.frame_limit
                && new_base + c.frame_size() as usize <= stack.cells.len()
            {
                let fp = r.fp.wrapping_add(args as usize);
                // SAFETY: the callee's frame lies in `stack.cells` (checked just above) and
                // its locals in the frame (`np + nl <= frame_size`, checked by `verify`).
                unsafe { zero_cells(fp.add(c.num_params() as usize), c.num_locals() as usize) };
                push_and_enter(cx, r, c, new_base, fp);
                return Ok(());
            }
        }
        let f = remember_callee(cx, func);
        invoke::<T, false>(cx, r, f, args)
    }
}

/// The store function index of function `func` of this instance, entered in the callee
/// table when a direct call may enter it (translated code of this instance, no trap mark),
/// with its referenced bit set as the call about to be made would (the table's invariant).
/// An aliased forwarder's entry is the code of the end of its chain (`CodeState::Forward`),
/// when no function on the chain is marked, with every referenced bit on it set.
#[inline(never)]
fn remember_callee<T>(cx: &mut Ctx<'_, T>, func: u32) -> u32 {
    let inner = &mut cx.store.inner;
    let inst = &mut inner.instances[cx.inst];
    let f = inst.funcs[func as usize];
    // The chain ends within a few links (ARCHITECTURE.md, "Invariants": forwarders).
    let mut g = f;
    let code = loop {
        let entity = &inner.funcs[g as usize];
        if entity.trapped {
            return f;
        }
        match &entity.kind {
            FuncKind::Wasm {
                code: CodeState::Forward(t),
                ..
            } => g = *t,
            FuncKind::Wasm {
                code: CodeState::Translated(c),
                instance,
                ..
            } if *instance as usize == cx.inst => break c.as_ptr(),
            _ => return f,
        }
    };
    inst.callees.set(func as usize, code);
    let mut g = f;
    loop {
        let entity = &mut inner.funcs[g as usize];
        entity.referenced = true;
        match entity.kind {
            FuncKind::Wasm {
                code: CodeState::Forward(t),
                ..
            } => g = t,
            _ => return f,
        }
    }
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
#[cfg_attr(fayasm_optimize_size, optimize(speed))]
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
    let actual = cx.store.inner.funcs[f as usize].type_id;
    // A declared subtype (GC) fits too: checked only when the ids differ.
    if actual != expected && !cx.store.inner.types.is_strict_subtype(actual, expected) {
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

/// The common call, entered without leaving the handler: a function the callee table knows
/// (translated code of the running instance, no trap mark, called since the code cache last
/// looked), room on both stacks. Otherwise [`Exit::Slow`], having changed nothing.
///
/// # The callee table
/// Each instance has a table (`exec::Callees`) of one code pointer per function index, null
/// unless a call may enter that function directly: then it is the function's current
/// translated code, of this instance, not marked for the trap hook, and its referenced bit
/// is set. `CallSlow` enters a function there before calling it the general way (which sets
/// the bit); `StoreInner::forget_callee` clears the entry whenever the code, the mark or
/// the bit changes (code cache: install, evict, admission and its second-chance pass;
/// `Func::set_trap`). So a direct call needs no lookup through the store and leaves the code
/// cache's view of calls as it was: a function is in the table exactly while calls to it
/// would find it translated and referenced.
#[inline(always)]
fn enter_fast<T>(cx: &mut Ctx<'_, T>, r: &mut Regs, func: u32, args: u32) -> R {
    // SAFETY: `verify` proved `func` below the module's function count, the table's length
    // (`Callees::new`), and `cx.callees` is the running instance's table (`Ctx::set_inst`).
    let callee = unsafe { *cx.callees.add(func as usize) };
    if callee.is_null() {
        return Err(Exit::Slow);
    }
    // SAFETY: a non-null entry is the function's current code (for an aliased forwarder,
    // that of the end of its chain), which that function's state holds (ARCHITECTURE.md,
    // "Invariants": the callee table, forwarders).
    let c = unsafe { callee.get() };
    let stack = &*cx.stack;
    let nl = c.num_locals() as usize;
    let new_base = cx.base + args as usize;
    // Room for the frame and for `ZERO_SLACK` cells past it: the locals are zeroed 4, 16 or
    // 32 cells at a time without looking at the frame's end (the cells past the callee's
    // frame are nobody's: it is the newest).
    // More locals go the general way (`CallSlow`, which finds the entry and zeroes them out
    // of line): a call in this handler would cost every call six saved registers.
    if stack.frames.len() >= cx.frame_limit
        || new_base + c.frame_size() as usize + ZERO_SLACK > stack.cells.len()
        || nl > ZERO_SLACK
    {
        return Err(Exit::Slow);
    }
    let fp = r.fp.wrapping_add(args as usize);
    // SAFETY: `fp + np + 32 <= fp + frame_size + 32` lies in `stack.cells` (checked just
    // above; `r.fp` is the current frame's first cell, consistent with `cx.base`). Zeroing
    // cells past the locals is harmless: the temporaries there are written before they are
    // read, and the cells past the frame are unused.
    unsafe {
        let locals = fp.add(c.num_params() as usize);
        // Plain stores: a call of `write_unaligned` or `memset` with the address of a
        // local would cost the threaded backend its tail call where it is not inlined.
        zero4(locals);
        if nl > 4 {
            zero4(locals.add(4));
            zero4(locals.add(8));
            zero4(locals.add(12));
            if nl > 16 {
                zero4(locals.add(16));
                zero4(locals.add(20));
                zero4(locals.add(24));
                zero4(locals.add(28));
            }
        }
    }
    push_and_enter(cx, r, c, new_base, fp);
    Ok(())
}

/// Cells past a frame that the slow path keeps room for when it can, so that the fast path
/// may zero up to this many locals in fixed blocks.
const ZERO_SLACK: usize = 32;

/// Push the caller's frame and enter `callee` (its frame at `new_base`, `fp`; locals
/// zeroed; room for one more frame checked).
#[inline(always)]
fn push_and_enter<T>(
    cx: &mut Ctx<'_, T>,
    r: &mut Regs,
    callee: CodeRef<'_>,
    new_base: usize,
    fp: *mut u64,
) {
    callee.pin();
    let stack = &mut *cx.stack;
    let depth = stack.frames.len();
    // SAFETY: `depth < frame_limit <= capacity` (checked by the caller), so the slot at
    // `depth` is allocated and unused; it is initialised before the length covers it.
    unsafe {
        stack.frames.as_mut_ptr().add(depth).write(CallFrame {
            code: cx.code,
            ip: r.ip,
            base: cx.base,
            instance: cx.inst as u32,
        });
        stack.frames.set_len(depth + 1);
    }
    cx.code = callee.as_ptr();
    cx.base = new_base;
    r.ip = callee.words_ptr();
    r.fp = fp;
}

/// Zero the `n` cells at `p`, out of line (kept out of the common call's code). It takes a
/// pointer into the value stack, not a local's address, so the caller keeps its tail call.
///
/// # Safety
/// `p..p + n` are cells of the current value stack.
#[inline(never)]
unsafe fn zero_cells(p: *mut u64, n: usize) {
    // SAFETY: the caller's contract.
    unsafe { core::slice::from_raw_parts_mut(p, n) }.fill(0);
}

/// Zero the four cells at `p`.
///
/// # Safety
/// `p..p + 4` are cells of the current value stack.
#[inline(always)]
unsafe fn zero4(p: *mut u64) {
    // SAFETY: the caller's contract.
    unsafe {
        *p = 0;
        *p.add(1) = 0;
        *p.add(2) = 0;
        *p.add(3) = 0;
    }
}

/// Where a call continues: the word offset `pc` in the (new) current function, shifted left
/// by one, with bit 0 set when memory 0's registers and paged view stay valid (same
/// instance, nothing ran that could move memory 0 or run its pager: the paged view's cached
/// translations rely on it); or [`STOPPED`]. A plain integer, so it comes back in a
/// register (a `Result` would come back through memory and cost the tail call).
pub(super) type Next = usize;

/// The call stopped the run; the reason is in `Ctx::exit`.
const STOPPED: Next = usize::MAX;

/// `res` as a [`Next`], parking a stop's reason in `cx.exit`.
#[inline(always)]
pub(super) fn flatten<T>(cx: &mut Ctx<'_, T>, res: Result<Next, Exit>) -> Next {
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
pub(super) fn switch<T>(cx: &mut Ctx<'_, T>, r: &mut Regs, next: Next) -> R {
    if next == STOPPED {
        return Err(cx.exit.take().unwrap_or(Exit::Trap(TrapCode::Unreachable)));
    }
    *r = cx.regs_after_switch(next >> 1, r, next & 1 != 0);
    Ok(())
}

/// The call itself.
#[inline(never)]
#[cfg_attr(fayasm_optimize_size, optimize(speed))]
fn call_out<T, const TAIL: bool>(cx: &mut Ctx<'_, T>, f: u32, args: u32, pc: usize) -> Next {
    let res = call_body(cx, f, args, TAIL, pc);
    flatten(cx, res)
}

#[inline(always)]
pub(super) fn call_body<T>(
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
            enter(cx, &callee, instance, new_base, pc, tail)
        }
        _ => invoke_slow(cx, f, new_base, pc, tail),
    }
}

/// Push the caller's frame (unless `tail`) and switch to `callee`, which the store holds
/// (this pins it: see [`Compiled::pin`]).
#[inline(always)]
fn enter<T>(
    cx: &mut Ctx<'_, T>,
    callee: &Code,
    instance: u32,
    new_base: usize,
    pc: usize,
    tail: bool,
) -> Result<Next, Exit> {
    let callee_ref = callee.get();
    let np = callee_ref.num_params() as usize;
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
    let need = frame_base + callee_ref.frame_size() as usize;
    if need + ZERO_SLACK > cx.stack.cells.len() {
        // The slack the fast path wants if the bound allows it, else what the frame needs.
        if ensure_cells(&mut cx.stack.cells, need + ZERO_SLACK, cx.max_cells).is_err() {
            ensure_cells(&mut cx.stack.cells, need, cx.max_cells)?;
        }
    }
    let locals = frame_base + np;
    let nl = callee_ref.num_locals() as usize;
    if nl > 0 {
        cx.stack.cells[locals..locals + nl].fill(0);
    }
    callee_ref.pin();
    let caller = core::mem::replace(&mut cx.code, callee.as_ptr());
    if tail {
        // SAFETY: `caller` was the running code, pinned by `cx.code` until now.
        unsafe { caller.get() }.unpin();
    } else {
        cx.stack.frames.push(CallFrame {
            code: caller,
            // SAFETY: `caller` was the running code, pinned by `cx.code` until now and by
            // this frame from here on.
            ip: unsafe { caller.get() }.words_ptr().wrapping_add(pc),
            base: cx.base,
            instance: cx.inst as u32,
        });
        cx.refresh_frame_limit();
    }
    cx.base = frame_base;
    let same = instance as usize == cx.inst;
    cx.set_inst(instance as usize);
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
            // A forwarder enters its callee's code (as a tail call into it would): the
            // callee is called, its hook included (ARCHITECTURE.md, "Invariants":
            // forwarders). `g` is a function of the same instance.
            let g = match store.enter_forwards(f) {
                Ok(g) => g,
                Err(t) => return Err(cx.park_trap(t)),
            };
            let callee = match &store.inner.funcs[g as usize].kind {
                FuncKind::Wasm {
                    code: CodeState::Translated(c),
                    ..
                } => c.clone(),
                _ => match materialize_code(&mut store.inner, g) {
                    Ok(c) => c,
                    Err(e) => return Err(cx.park_trap(Trap::host(alloc::format!("{e}")))),
                },
            };
            // The hook or reloading the code may have touched memory 0: re-read it.
            Ok(enter(cx, &callee, instance, new_base, pc, tail)? & !1)
        }
        FuncKind::Host { host } => {
            let ty = store.inner.funcs[f as usize].ty.clone();
            let mut at = new_base;
            // The arguments reach the host: pin the GC objects among them.
            store.inner.gc.pin_typed(ty.params(), &cx.stack.cells[at..]);
            let params: Vec<Val> = ty
                .params()
                .iter()
                .map(|t| {
                    let v = Val::read_cells(*t, &cx.stack.cells[at..], store.inner.id);
                    at += t.cells() as usize;
                    v
                })
                .collect();
            let mut results: Vec<Val> = ty.results().iter().map(|t| Val::default_for(*t)).collect();
            let instance = Some(store.inner.instance(cx.inst as u32));
            // The host sees and may change the fuel (`Caller::set_fuel`, nested calls).
            store.inner.fuel.remaining = cx.fuel.saturating_add(cx.fuel_reserve);
            let res = call_host(store, f, host, instance, &params, &mut results);
            (cx.fuel, cx.fuel_reserve) =
                super::split_fuel(cx.store.inner.fuel.remaining, cx.interrupt);
            let dst = if tail { cx.base } else { new_base };
            if let Err(t) = res {
                if t.code() == TrapCode::Exception {
                    // A wasm exception the host function raised or let through.
                    return super::exn::from_host(cx, t, pc, tail);
                }
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
                // The host function replaced the running one: return to its caller.
                cx.code().unpin();
                match pop_caller(cx) {
                    Some(f) => {
                        cx.code = f.code;
                        cx.base = f.base;
                        cx.set_inst(f.instance as usize);
                        let pc = (f.ip as usize - cx.code().words_ptr() as usize) / 2;
                        Ok(pc << 1)
                    }
                    None => {
                        cx.code = CodePtr::NULL;
                        Err(Exit::Done)
                    }
                }
            } else {
                Ok(pc << 1)
            }
        }
    }
}
