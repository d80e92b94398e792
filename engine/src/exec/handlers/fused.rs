//! Super-instructions: ops the translator's fusion (`translate/fuse.rs`) makes of common
//! pairs. Each does exactly what the ops it replaces do, in their order.

use super::super::numeric as n;
use super::super::state::{Ctx, Regs, R};
use crate::microcode::Op;

#[inline(always)]
pub(crate) unsafe fn I32RotlImm<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::I32RotlImm { dst, lhs, imm } = rd!(r, I32RotlImm) else {
        unreachable!()
    };
    w_i32!(r, dst, n::i32_rotl(r_i32!(r, lhs), imm));
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn I32RotrImm<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::I32RotrImm { dst, lhs, imm } = rd!(r, I32RotrImm) else {
        unreachable!()
    };
    w_i32!(r, dst, n::i32_rotr(r_i32!(r, lhs), imm));
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn I64RotlImm<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::I64RotlImm { dst, lhs, imm } = rd!(r, I64RotlImm) else {
        unreachable!()
    };
    w_i64!(r, dst, n::i64_rotl(r_i64!(r, lhs), imm as i64));
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn I64RotrImm<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::I64RotrImm { dst, lhs, imm } = rd!(r, I64RotrImm) else {
        unreachable!()
    };
    w_i64!(r, dst, n::i64_rotr(r_i64!(r, lhs), imm as i64));
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn F64MulAdd<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::F64MulAdd { dst, lhs, rhs, add } = rd!(r, F64MulAdd) else {
        unreachable!()
    };
    w_f64!(r, dst, r_f64!(r, lhs) * r_f64!(r, rhs) + r_f64!(r, add));
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn F64AddSub<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::F64AddSub { dst, add, lhs, rhs } = rd!(r, F64AddSub) else {
        unreachable!()
    };
    w_f64!(r, dst, r_f64!(r, add) + (r_f64!(r, lhs) - r_f64!(r, rhs)));
    Ok(())
}

/// The chained ops (`microcode::isa::for_each_chain!`): the first op's handler on the chained
/// op (which has its layout), then the second op's on the op that follows (narrow).
macro_rules! chained {
    ($( $name:ident = $x:ident + $y:ident; )*) => {$(
        #[inline(always)]
        pub(crate) unsafe fn $name<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
            // SAFETY: the chained op at `r.ip` has `$x`'s operands in form `W` (the ISA's
            // `chains!`; a unit test compares the layouts), and `verify` proved that a
            // narrow `$y` follows it (ARCHITECTURE.md, "Invariants": verified microcode), where
            // `$x`'s handler leaves `r.ip`: it neither branches nor stops.
            unsafe {
                super::$x::<T, W>(cx, r)?;
                if const { super::chain_may_miss(crate::microcode::isa::opc::$name) } {
                    // `$y` is a load or store: on a miss it returns `Exit::Slow` having
                    // changed nothing but `r.ip`, which goes back to `$y`'s start for the
                    // backend's general path (`chain_may_miss`).
                    let second = r.ip;
                    let res = super::$y::<T, false>(cx, r);
                    if res.is_err() {
                        r.ip = second;
                    }
                    res
                } else {
                    super::$y::<T, false>(cx, r)
                }
            }
        }
    )*};
}

crate::microcode::isa::for_each_chain!(chained);
