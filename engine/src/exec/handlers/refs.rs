//! Typed function references (`Config::wasm_function_references`): `call_ref`,
//! `return_call_ref`, `ref.as_non_null`, `br_on_null` and `br_on_non_null`. A reference
//! cell is 0 for null, else the store function's index plus one (ARCHITECTURE.md,
//! "Invariants"), so every test here is on the whole cell.

use super::super::state::{Ctx, Regs, R};
use super::call::{call_body, flatten, switch, Next};
use crate::error::TrapCode;
use crate::microcode::Op;

#[inline(always)]
pub(crate) unsafe fn CallRef<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::CallRef { ty, func, args } = rd!(r, CallRef) else {
        unreachable!()
    };
    let cell = c!(r, func);
    let pc = cx.pc_of(r.ip);
    let next = call_ref_out::<T, false>(cx, ty, cell, args, pc);
    switch(cx, r, next)
}

#[inline(always)]
pub(crate) unsafe fn ReturnCallRef<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::ReturnCallRef { ty, func, args } = rd!(r, ReturnCallRef) else {
        unreachable!()
    };
    let cell = c!(r, func);
    let pc = cx.pc_of(r.ip);
    let next = call_ref_out::<T, true>(cx, ty, cell, args, pc);
    switch(cx, r, next)
}

/// Call the function the reference cell `cell` names, whose signature validation proved to
/// be `ty` (module type index). The check of the function's type is not needed by valid
/// code (a function reference of type `(ref $t)` names a function of `$t` or, with GC, of
/// a declared subtype, whose parameters and results take the same cells); it is kept because the argument cells a call moves are
/// counted from the callee's signature, and microcode from storage is only verified
/// against the module, not against the references it will meet.
#[inline(never)]
#[cfg_attr(fayasm_optimize_size, optimize(speed))]
fn call_ref_out<T, const TAIL: bool>(
    cx: &mut Ctx<'_, T>,
    ty: u32,
    cell: u64,
    args: u32,
    pc: usize,
) -> Next {
    let res = (|| {
        let f = cell.checked_sub(1).ok_or(TrapCode::NullReference)?;
        let expected = cx.store.inner.instances[cx.inst].types[ty as usize];
        match cx.store.inner.funcs.get(f as usize) {
            Some(e)
                if f <= u32::MAX as u64
                    && (e.type_id == expected
                        || cx.store.inner.types.is_strict_subtype(e.type_id, expected)) => {}
            _ => return Err(TrapCode::BadSignature.into()),
        }
        call_body(cx, f as u32, args, TAIL, pc)
    })();
    flatten(cx, res)
}

#[inline(always)]
pub(crate) unsafe fn RefAsNonNull<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::RefAsNonNull { src } = rd!(r, RefAsNonNull) else {
        unreachable!()
    };
    if c!(r, src) == 0 {
        return Err(TrapCode::NullReference.into());
    }
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn BrIfNull<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::BrIfNull { cond, target } = rd!(r, BrIfNull) else {
        unreachable!()
    };
    br_if!(cx, r, c!(r, cond) == 0, target);
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn BrIfNonNull<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::BrIfNonNull { cond, target } = rd!(r, BrIfNonNull) else {
        unreachable!()
    };
    br_if!(cx, r, c!(r, cond) != 0, target);
    Ok(())
}
