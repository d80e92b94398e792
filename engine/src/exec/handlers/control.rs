//! Branches (plain and fused compare-and-branch), copies, constants, `select` and globals.

use super::super::state::{out_of_line, Ctx, Regs, R};
use crate::error::TrapCode;
use crate::microcode::{Op, BR_TABLE_ENTRY};

#[inline(always)]
pub(crate) unsafe fn Unreachable<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    out_of_line(cx, r, |_cx, _r| Err(TrapCode::Unreachable.into()))
}

#[inline(always)]
pub(crate) unsafe fn Br<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::Br { target } = rd!(r, Br) else {
        unreachable!()
    };
    br_if!(cx, r, true, target);
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn BrEntry<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::BrEntry { target } = rd!(r, BrEntry) else {
        unreachable!()
    };
    br_if!(cx, r, true, target);
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn BrIfNez<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::BrIfNez { cond, target } = rd!(r, BrIfNez) else {
        unreachable!()
    };
    {
        br_if!(cx, r, c!(r, cond) as u32 != 0, target);
    }
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn BrIfEqz<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::BrIfEqz { cond, target } = rd!(r, BrIfEqz) else {
        unreachable!()
    };
    {
        br_if!(cx, r, c!(r, cond) as u32 == 0, target);
    }
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn BrTable<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::BrTable { index, len } = rd!(r, BrTable) else {
        unreachable!()
    };
    // Straight to the entry's target, without running the entry.
    let entry =
        r.ip.wrapping_add((c!(r, index) as u32).min(len) as usize * BR_TABLE_ENTRY);
    // SAFETY: `verify` proved that `len + 1` entries follow, each a `BrEntry` of
    // `BR_TABLE_ENTRY` words (opcode, then a two-word distance from the entry's end).
    let rel = unsafe { crate::microcode::isa::words::w32(entry, 1) } as i32;
    r.ip = entry
        .wrapping_add(BR_TABLE_ENTRY)
        .wrapping_offset(rel as isize);
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn Copy<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::Copy { dst, src } = rd!(r, Copy) else {
        unreachable!()
    };
    set!(r, dst, c!(r, src));
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn Copy2<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::Copy2 { dst, src } = rd!(r, Copy2) else {
        unreachable!()
    };
    {
        set!(r, dst, c!(r, src));
        set!(r, dst + 1, c!(r, src + 1));
    }
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn Select2<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    out_of_line(cx, r, |_cx, r| {
        let Op::Select2 { dst, cond, a, b } = rd!(r, Select2) else {
            unreachable!()
        };
        {
            let s = if c!(r, cond) as u32 != 0 { a } else { b };
            let (lo, hi) = (c!(r, s), c!(r, s + 1));
            set!(r, dst, lo);
            set!(r, dst + 1, hi);
        }
        Ok(())
    })
}

#[inline(always)]
pub(crate) unsafe fn Const<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::Const { dst, bits } = rd!(r, Const) else {
        unreachable!()
    };
    set!(r, dst, bits);
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn Select<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::Select { dst, cond, a, b } = rd!(r, Select) else {
        unreachable!()
    };
    {
        set!(
            r,
            dst,
            if c!(r, cond) as u32 != 0 {
                c!(r, a)
            } else {
                c!(r, b)
            }
        );
    }
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn GlobalGet<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::GlobalGet { dst, global } = rd!(r, GlobalGet) else {
        unreachable!()
    };
    let g = global_entity(cx, global);
    // SAFETY: `global_entity` gives an element of `store.inner.globals`.
    set!(r, dst, unsafe { (*g).value } as u64);
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn GlobalGet2<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    out_of_line(cx, r, |cx, r| {
        let Op::GlobalGet2 { dst, global } = rd!(r, GlobalGet2) else {
            unreachable!()
        };
        {
            let g = cx.store.inner.instances[cx.inst].globals[global as usize] as usize;
            let v = cx.store.inner.globals[g].value;
            set!(r, dst, v as u64);
            set!(r, dst + 1, (v >> 64) as u64);
        }
        Ok(())
    })
}

#[inline(always)]
pub(crate) unsafe fn GlobalSet2<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    out_of_line(cx, r, |cx, r| {
        let Op::GlobalSet2 { src, global } = rd!(r, GlobalSet2) else {
            unreachable!()
        };
        {
            let g = cx.store.inner.instances[cx.inst].globals[global as usize] as usize;
            cx.store.inner.globals[g].value = c!(r, src) as u128 | (c!(r, src + 1) as u128) << 64;
        }
        Ok(())
    })
}

#[inline(always)]
pub(crate) unsafe fn GlobalSet<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::GlobalSet { src, global } = rd!(r, GlobalSet) else {
        unreachable!()
    };
    let v = c!(r, src) as u128;
    let g = global_entity(cx, global);
    // SAFETY: `global_entity` gives an element of `store.inner.globals`, which nothing else
    // borrows while a handler runs.
    unsafe { (*g).value = v };
    Ok(())
}

/// Global `global` of the running instance, without bounds checks: the scalar global
/// handlers run in every function prologue of code with a shadow stack (`__stack_pointer`).
#[inline(always)]
fn global_entity<T>(cx: &mut Ctx<'_, T>, global: u32) -> *mut crate::runtime::GlobalEntity {
    let inner = &mut cx.store.inner;
    // SAFETY: `cx.inst` is an instance of the store (`Ctx::set_inst`); `verify` proved
    // `global` below the module's global count, the length of the instance's `globals`
    // (ARCHITECTURE.md, "Invariants": verified microcode); an instance's entries are indices
    // of the store's globals, which are never removed (the handle invariant).
    unsafe {
        let i = *inner
            .instances
            .get_unchecked(cx.inst)
            .globals
            .get_unchecked(global as usize) as usize;
        inner.globals.as_mut_ptr().add(i)
    }
}

#[inline(always)]
pub(crate) unsafe fn BrIfI32Eq<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::BrIfI32Eq { lhs, rhs, target } = rd!(r, BrIfI32Eq) else {
        unreachable!()
    };
    br_if!(cx, r, r_i32!(r, lhs) == r_i32!(r, rhs), target);
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn BrIfI32Ne<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::BrIfI32Ne { lhs, rhs, target } = rd!(r, BrIfI32Ne) else {
        unreachable!()
    };
    br_if!(cx, r, r_i32!(r, lhs) != r_i32!(r, rhs), target);
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn BrIfI32LtS<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::BrIfI32LtS { lhs, rhs, target } = rd!(r, BrIfI32LtS) else {
        unreachable!()
    };
    br_if!(cx, r, r_i32!(r, lhs) < r_i32!(r, rhs), target);
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn BrIfI32LtU<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::BrIfI32LtU { lhs, rhs, target } = rd!(r, BrIfI32LtU) else {
        unreachable!()
    };
    {
        br_if!(
            cx,
            r,
            (r_i32!(r, lhs) as u32) < r_i32!(r, rhs) as u32,
            target
        )
    }
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn BrIfI32GtS<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::BrIfI32GtS { lhs, rhs, target } = rd!(r, BrIfI32GtS) else {
        unreachable!()
    };
    br_if!(cx, r, r_i32!(r, lhs) > r_i32!(r, rhs), target);
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn BrIfI32GtU<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::BrIfI32GtU { lhs, rhs, target } = rd!(r, BrIfI32GtU) else {
        unreachable!()
    };
    {
        br_if!(cx, r, r_i32!(r, lhs) as u32 > r_i32!(r, rhs) as u32, target)
    }
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn BrIfI32LeS<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::BrIfI32LeS { lhs, rhs, target } = rd!(r, BrIfI32LeS) else {
        unreachable!()
    };
    br_if!(cx, r, r_i32!(r, lhs) <= r_i32!(r, rhs), target);
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn BrIfI32LeU<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::BrIfI32LeU { lhs, rhs, target } = rd!(r, BrIfI32LeU) else {
        unreachable!()
    };
    {
        br_if!(
            cx,
            r,
            r_i32!(r, lhs) as u32 <= r_i32!(r, rhs) as u32,
            target
        )
    }
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn BrIfI32GeS<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::BrIfI32GeS { lhs, rhs, target } = rd!(r, BrIfI32GeS) else {
        unreachable!()
    };
    br_if!(cx, r, r_i32!(r, lhs) >= r_i32!(r, rhs), target);
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn BrIfI32GeU<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::BrIfI32GeU { lhs, rhs, target } = rd!(r, BrIfI32GeU) else {
        unreachable!()
    };
    {
        br_if!(
            cx,
            r,
            r_i32!(r, lhs) as u32 >= r_i32!(r, rhs) as u32,
            target
        )
    }
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn BrIfF32Lt<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::BrIfF32Lt { lhs, rhs, target } = rd!(r, BrIfF32Lt) else {
        unreachable!()
    };
    br_if!(cx, r, r_f32!(r, lhs) < r_f32!(r, rhs), target);
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn BrIfF32Gt<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::BrIfF32Gt { lhs, rhs, target } = rd!(r, BrIfF32Gt) else {
        unreachable!()
    };
    br_if!(cx, r, r_f32!(r, lhs) > r_f32!(r, rhs), target);
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn BrIfF32Le<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::BrIfF32Le { lhs, rhs, target } = rd!(r, BrIfF32Le) else {
        unreachable!()
    };
    br_if!(cx, r, r_f32!(r, lhs) <= r_f32!(r, rhs), target);
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn BrIfF32Ge<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::BrIfF32Ge { lhs, rhs, target } = rd!(r, BrIfF32Ge) else {
        unreachable!()
    };
    br_if!(cx, r, r_f32!(r, lhs) >= r_f32!(r, rhs), target);
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn BrIfF64Lt<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::BrIfF64Lt { lhs, rhs, target } = rd!(r, BrIfF64Lt) else {
        unreachable!()
    };
    br_if!(cx, r, r_f64!(r, lhs) < r_f64!(r, rhs), target);
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn BrIfF64Gt<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::BrIfF64Gt { lhs, rhs, target } = rd!(r, BrIfF64Gt) else {
        unreachable!()
    };
    br_if!(cx, r, r_f64!(r, lhs) > r_f64!(r, rhs), target);
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn BrIfF64Le<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::BrIfF64Le { lhs, rhs, target } = rd!(r, BrIfF64Le) else {
        unreachable!()
    };
    br_if!(cx, r, r_f64!(r, lhs) <= r_f64!(r, rhs), target);
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn BrIfF64Ge<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::BrIfF64Ge { lhs, rhs, target } = rd!(r, BrIfF64Ge) else {
        unreachable!()
    };
    br_if!(cx, r, r_f64!(r, lhs) >= r_f64!(r, rhs), target);
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn BrIfI32EqImm<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::BrIfI32EqImm { lhs, imm, target } = rd!(r, BrIfI32EqImm) else {
        unreachable!()
    };
    br_if!(cx, r, r_i32!(r, lhs) == imm, target);
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn BrIfI32NeImm<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::BrIfI32NeImm { lhs, imm, target } = rd!(r, BrIfI32NeImm) else {
        unreachable!()
    };
    br_if!(cx, r, r_i32!(r, lhs) != imm, target);
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn BrIfI32LtSImm<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::BrIfI32LtSImm { lhs, imm, target } = rd!(r, BrIfI32LtSImm) else {
        unreachable!()
    };
    br_if!(cx, r, r_i32!(r, lhs) < imm, target);
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn BrIfI32LtUImm<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::BrIfI32LtUImm { lhs, imm, target } = rd!(r, BrIfI32LtUImm) else {
        unreachable!()
    };
    {
        br_if!(cx, r, (r_i32!(r, lhs) as u32) < imm as u32, target)
    }
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn BrIfI32GtSImm<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::BrIfI32GtSImm { lhs, imm, target } = rd!(r, BrIfI32GtSImm) else {
        unreachable!()
    };
    br_if!(cx, r, r_i32!(r, lhs) > imm, target);
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn BrIfI32GtUImm<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::BrIfI32GtUImm { lhs, imm, target } = rd!(r, BrIfI32GtUImm) else {
        unreachable!()
    };
    {
        br_if!(cx, r, r_i32!(r, lhs) as u32 > imm as u32, target)
    }
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn BrIfI32LeSImm<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::BrIfI32LeSImm { lhs, imm, target } = rd!(r, BrIfI32LeSImm) else {
        unreachable!()
    };
    br_if!(cx, r, r_i32!(r, lhs) <= imm, target);
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn BrIfI32LeUImm<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::BrIfI32LeUImm { lhs, imm, target } = rd!(r, BrIfI32LeUImm) else {
        unreachable!()
    };
    {
        br_if!(cx, r, r_i32!(r, lhs) as u32 <= imm as u32, target)
    }
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn BrIfI32GeSImm<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::BrIfI32GeSImm { lhs, imm, target } = rd!(r, BrIfI32GeSImm) else {
        unreachable!()
    };
    br_if!(cx, r, r_i32!(r, lhs) >= imm, target);
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn BrIfI32GeUImm<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::BrIfI32GeUImm { lhs, imm, target } = rd!(r, BrIfI32GeUImm) else {
        unreachable!()
    };
    {
        br_if!(cx, r, r_i32!(r, lhs) as u32 >= imm as u32, target)
    }
    Ok(())
}

/// The fused counter steps and back-edges (`BrIfI32Add*`): the sum is written first, then
/// compared (with `cmp` read afterwards, as the two wasm instructions would). One list gives
/// both forms of each: the plain back-edge (`br_if!`) and the one with its loop header's fuel
/// check folded in (`BrIfI32Add*Fuel`, `br_fuel!`: `exec/handlers/fuel.rs`).
macro_rules! add_and_branch {
    ($($name:ident / $fuel:ident { $($f:ident),* } => |$r:ident| $sum:expr, |$d:ident| $cond:expr;)*) => {$(
        #[inline(always)]
        pub(crate) unsafe fn $name<T, const W: bool>(cx: &mut Ctx<'_, T>, $r: &mut Regs) -> R {
            let Op::$name { dst, $($f,)* target } = rd!($r, $name) else {
                unreachable!()
            };
            let $d: i32 = $sum;
            w_i32!($r, dst, $d);
            br_if!(cx, $r, $cond, target);
            Ok(())
        }

        #[inline(always)]
        pub(crate) unsafe fn $fuel<T, const W: bool>(cx: &mut Ctx<'_, T>, $r: &mut Regs) -> R {
            let Op::$fuel { dst, $($f,)* target } = rd!($r, $fuel) else {
                unreachable!()
            };
            let $d: i32 = $sum;
            w_i32!($r, dst, $d);
            br_fuel!(cx, $r, $cond, target);
            Ok(())
        }
    )*};
}

add_and_branch! {
    BrIfI32AddNe / BrIfI32AddNeFuel { lhs, rhs, cmp } => |r| r_i32!(r, lhs).wrapping_add(r_i32!(r, rhs)),
        |d| d != r_i32!(r, cmp);
    BrIfI32AddLtU / BrIfI32AddLtUFuel { lhs, rhs, cmp } => |r| r_i32!(r, lhs).wrapping_add(r_i32!(r, rhs)),
        |d| (d as u32) < r_i32!(r, cmp) as u32;
    BrIfI32AddLtS / BrIfI32AddLtSFuel { lhs, rhs, cmp } => |r| r_i32!(r, lhs).wrapping_add(r_i32!(r, rhs)),
        |d| d < r_i32!(r, cmp);
    BrIfI32AddImmNe / BrIfI32AddImmNeFuel { lhs, imm, cmp } => |r| r_i32!(r, lhs).wrapping_add(imm),
        |d| d != r_i32!(r, cmp);
    BrIfI32AddImmLtU / BrIfI32AddImmLtUFuel { lhs, imm, cmp } => |r| r_i32!(r, lhs).wrapping_add(imm),
        |d| (d as u32) < r_i32!(r, cmp) as u32;
    BrIfI32AddImmLtS / BrIfI32AddImmLtSFuel { lhs, imm, cmp } => |r| r_i32!(r, lhs).wrapping_add(imm),
        |d| d < r_i32!(r, cmp);
    BrIfI32AddImmNeImm / BrIfI32AddImmNeImmFuel { lhs, imm, limit } => |r| r_i32!(r, lhs).wrapping_add(imm),
        |d| d != limit;
    BrIfI32AddImmLtUImm / BrIfI32AddImmLtUImmFuel { lhs, imm, limit } => |r| r_i32!(r, lhs).wrapping_add(imm),
        |d| (d as u32) < limit as u32;
    BrIfI32AddImmNez / BrIfI32AddImmNezFuel { lhs, imm } => |r| r_i32!(r, lhs).wrapping_add(imm),
        |d| d != 0;
}
