//! The wide-arithmetic proposal's ops (`Config::wasm_wide_arithmetic`): 128-bit add and
//! subtract of two (low, high) i64 pairs, and the full 128-bit product of two i64s. Each
//! writes two cells, `dst` (low half) and `dst + 1` (high half), after reading every operand:
//! the translator may place the results over the cells the operands came from.

use super::super::state::{Ctx, Regs, R};
use crate::microcode::Op;

/// The 128-bit integer in cells `lo` (low half) and `hi`.
#[inline(always)]
fn join(lo: u64, hi: u64) -> u128 {
    u128::from(lo) | u128::from(hi) << 64
}

#[inline(always)]
pub(crate) unsafe fn I64Add128<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::I64Add128 {
        dst,
        a_lo,
        a_hi,
        b_lo,
        b_hi,
    } = rd!(r, I64Add128)
    else {
        unreachable!()
    };
    let a = join(c!(r, a_lo), c!(r, a_hi));
    let b = join(c!(r, b_lo), c!(r, b_hi));
    let v = a.wrapping_add(b);
    set!(r, dst, v as u64);
    set!(r, dst + 1, (v >> 64) as u64);
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn I64Sub128<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::I64Sub128 {
        dst,
        a_lo,
        a_hi,
        b_lo,
        b_hi,
    } = rd!(r, I64Sub128)
    else {
        unreachable!()
    };
    let a = join(c!(r, a_lo), c!(r, a_hi));
    let b = join(c!(r, b_lo), c!(r, b_hi));
    let v = a.wrapping_sub(b);
    set!(r, dst, v as u64);
    set!(r, dst + 1, (v >> 64) as u64);
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn I64MulWideS<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::I64MulWideS { dst, lhs, rhs } = rd!(r, I64MulWideS) else {
        unreachable!()
    };
    // The product of two i64s always fits an i128.
    let v = i128::from(r_i64!(r, lhs)) * i128::from(r_i64!(r, rhs));
    set!(r, dst, v as u64);
    set!(r, dst + 1, (v >> 64) as u64);
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn I64MulWideU<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::I64MulWideU { dst, lhs, rhs } = rd!(r, I64MulWideU) else {
        unreachable!()
    };
    // The product of two u64s always fits a u128.
    let v = u128::from(c!(r, lhs)) * u128::from(c!(r, rhs));
    set!(r, dst, v as u64);
    set!(r, dst + 1, (v >> 64) as u64);
    Ok(())
}
