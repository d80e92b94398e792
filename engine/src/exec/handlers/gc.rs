//! GC (`Config::wasm_gc`): `ref.i31`, `i31.get_s/u` and the casts (`ref.test`, `ref.cast`,
//! `br_on_cast`, `br_on_cast_fail`). GC reference cells are `value::gc_cell`'s encoding;
//! `ref.eq` and the `any`/`extern` conversions need no op (`translate/gc.rs`).

use super::super::state::{Ctx, Regs, R};
use crate::error::TrapCode;
use crate::microcode::translate::gc::decode_heap;
use crate::microcode::Op;
use crate::types::{HeapType, TypeKind};
use crate::value::gc_cell;

#[inline(always)]
pub(crate) unsafe fn RefI31<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::RefI31 { dst, src } = rd!(r, RefI31) else {
        unreachable!()
    };
    set!(r, dst, gc_cell::i31(c!(r, src) as u32));
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn I31GetS<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::I31GetS { dst, src } = rd!(r, I31GetS) else {
        unreachable!()
    };
    let cell = c!(r, src);
    if cell == 0 {
        return Err(TrapCode::NullReference.into());
    }
    // Bit 30 is the sign: shift it to bit 31 and back arithmetically.
    set!(r, dst, (((cell as u32) << 1) as i32 >> 1) as u32 as u64);
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn I31GetU<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::I31GetU { dst, src } = rd!(r, I31GetU) else {
        unreachable!()
    };
    let cell = c!(r, src);
    if cell == 0 {
        return Err(TrapCode::NullReference.into());
    }
    set!(r, dst, cell & 0x7fff_ffff);
    Ok(())
}

/// Whether the reference `cell` is of the abstract heap type `heap` (a cast operand:
/// `translate/gc.rs`).
#[inline(never)]
fn is_of_abstract<T>(_cx: &Ctx<'_, T>, cell: u64, heap: i32) -> bool {
    let (null_passes, ty) = decode_heap(heap as u32);
    if cell == 0 {
        return null_passes;
    }
    match ty {
        Some(HeapType::Any | HeapType::Func | HeapType::Extern | HeapType::Exn) => true,
        // No struct or array exists yet (the GC heap is future work), so `eq` is `i31`.
        Some(HeapType::Eq | HeapType::I31) => gc_cell::is_i31(cell),
        _ => false,
    }
}

/// Whether the reference `cell` is of the module's type `ty` (or a declared subtype), null
/// passing when `null` is 1.
#[inline(never)]
fn is_of_type<T>(cx: &Ctx<'_, T>, cell: u64, ty: u32, null: i32) -> bool {
    if cell == 0 {
        return null != 0;
    }
    let inner = &cx.store.inner;
    // `verify` proved `ty` below the module's type count, which is the instance's.
    let Some(&want) = inner.instances[cx.inst].types.get(ty as usize) else {
        return false;
    };
    match inner.types.kind(want) {
        TypeKind::Func => cell
            .checked_sub(1)
            .and_then(|f| inner.funcs.get(f as usize))
            .is_some_and(|f| inner.types.is_subtype(f.type_id, want)),
        // No struct or array exists yet.
        TypeKind::Struct | TypeKind::Array => false,
    }
}

#[inline(always)]
pub(crate) unsafe fn RefTest<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::RefTest { dst, src, heap } = rd!(r, RefTest) else {
        unreachable!()
    };
    set!(r, dst, is_of_abstract(cx, c!(r, src), heap) as u64);
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn RefTestType<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::RefTestType { dst, src, ty, null } = rd!(r, RefTestType) else {
        unreachable!()
    };
    set!(r, dst, is_of_type(cx, c!(r, src), ty, null) as u64);
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn RefCast<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::RefCast { src, heap } = rd!(r, RefCast) else {
        unreachable!()
    };
    if !is_of_abstract(cx, c!(r, src), heap) {
        return Err(TrapCode::CastFailure.into());
    }
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn RefCastType<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::RefCastType { src, ty, null } = rd!(r, RefCastType) else {
        unreachable!()
    };
    if !is_of_type(cx, c!(r, src), ty, null) {
        return Err(TrapCode::CastFailure.into());
    }
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn BrOnCast<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::BrOnCast { src, heap, target } = rd!(r, BrOnCast) else {
        unreachable!()
    };
    br_if!(cx, r, is_of_abstract(cx, c!(r, src), heap), target);
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn BrOnCastType<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::BrOnCastType {
        src,
        ty,
        null,
        target,
    } = rd!(r, BrOnCastType)
    else {
        unreachable!()
    };
    br_if!(cx, r, is_of_type(cx, c!(r, src), ty, null), target);
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn BrOnCastFail<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::BrOnCastFail { src, heap, target } = rd!(r, BrOnCastFail) else {
        unreachable!()
    };
    br_if!(cx, r, !is_of_abstract(cx, c!(r, src), heap), target);
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn BrOnCastFailType<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::BrOnCastFailType {
        src,
        ty,
        null,
        target,
    } = rd!(r, BrOnCastFailType)
    else {
        unreachable!()
    };
    br_if!(cx, r, !is_of_type(cx, c!(r, src), ty, null), target);
    Ok(())
}
