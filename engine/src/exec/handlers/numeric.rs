//! Scalar numeric ops: comparisons, arithmetic with register or immediate operands,
//! conversions. The exact semantics (traps, NaNs, rounding) are in `exec/numeric.rs`.

use super::super::numeric as n;
use super::super::state::{Ctx, Regs, R};
use crate::microcode::Op;

#[inline(always)]
pub(crate) unsafe fn I32AddImm<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::I32AddImm { dst, lhs, imm } = rd!(r, I32AddImm) else {
        unreachable!()
    };
    w_i32!(r, dst, r_i32!(r, lhs).wrapping_add(imm));
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn I32SubImm<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::I32SubImm { dst, lhs, imm } = rd!(r, I32SubImm) else {
        unreachable!()
    };
    w_i32!(r, dst, r_i32!(r, lhs).wrapping_sub(imm));
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn I32MulImm<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::I32MulImm { dst, lhs, imm } = rd!(r, I32MulImm) else {
        unreachable!()
    };
    w_i32!(r, dst, r_i32!(r, lhs).wrapping_mul(imm));
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn I32AndImm<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::I32AndImm { dst, lhs, imm } = rd!(r, I32AndImm) else {
        unreachable!()
    };
    w_i32!(r, dst, r_i32!(r, lhs) & imm);
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn I32OrImm<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::I32OrImm { dst, lhs, imm } = rd!(r, I32OrImm) else {
        unreachable!()
    };
    w_i32!(r, dst, r_i32!(r, lhs) | imm);
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn I32XorImm<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::I32XorImm { dst, lhs, imm } = rd!(r, I32XorImm) else {
        unreachable!()
    };
    w_i32!(r, dst, r_i32!(r, lhs) ^ imm);
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn I32ShlImm<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::I32ShlImm { dst, lhs, imm } = rd!(r, I32ShlImm) else {
        unreachable!()
    };
    w_i32!(r, dst, n::i32_shl(r_i32!(r, lhs), imm));
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn I32ShrSImm<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::I32ShrSImm { dst, lhs, imm } = rd!(r, I32ShrSImm) else {
        unreachable!()
    };
    w_i32!(r, dst, n::i32_shr_s(r_i32!(r, lhs), imm));
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn I32ShrUImm<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::I32ShrUImm { dst, lhs, imm } = rd!(r, I32ShrUImm) else {
        unreachable!()
    };
    w_i32!(r, dst, n::i32_shr_u(r_i32!(r, lhs), imm));
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn I32EqImm<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::I32EqImm { dst, lhs, imm } = rd!(r, I32EqImm) else {
        unreachable!()
    };
    w_i32!(r, dst, (r_i32!(r, lhs) == imm) as i32);
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn I32NeImm<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::I32NeImm { dst, lhs, imm } = rd!(r, I32NeImm) else {
        unreachable!()
    };
    w_i32!(r, dst, (r_i32!(r, lhs) != imm) as i32);
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn I32LtSImm<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::I32LtSImm { dst, lhs, imm } = rd!(r, I32LtSImm) else {
        unreachable!()
    };
    w_i32!(r, dst, (r_i32!(r, lhs) < imm) as i32);
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn I32LtUImm<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::I32LtUImm { dst, lhs, imm } = rd!(r, I32LtUImm) else {
        unreachable!()
    };
    {
        w_i32!(r, dst, ((r_i32!(r, lhs) as u32) < imm as u32) as i32)
    }
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn I32GtSImm<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::I32GtSImm { dst, lhs, imm } = rd!(r, I32GtSImm) else {
        unreachable!()
    };
    w_i32!(r, dst, (r_i32!(r, lhs) > imm) as i32);
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn I32GtUImm<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::I32GtUImm { dst, lhs, imm } = rd!(r, I32GtUImm) else {
        unreachable!()
    };
    {
        w_i32!(r, dst, (r_i32!(r, lhs) as u32 > imm as u32) as i32)
    }
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn I32LeSImm<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::I32LeSImm { dst, lhs, imm } = rd!(r, I32LeSImm) else {
        unreachable!()
    };
    w_i32!(r, dst, (r_i32!(r, lhs) <= imm) as i32);
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn I32LeUImm<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::I32LeUImm { dst, lhs, imm } = rd!(r, I32LeUImm) else {
        unreachable!()
    };
    {
        w_i32!(r, dst, (r_i32!(r, lhs) as u32 <= imm as u32) as i32)
    }
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn I32GeSImm<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::I32GeSImm { dst, lhs, imm } = rd!(r, I32GeSImm) else {
        unreachable!()
    };
    w_i32!(r, dst, (r_i32!(r, lhs) >= imm) as i32);
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn I32GeUImm<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::I32GeUImm { dst, lhs, imm } = rd!(r, I32GeUImm) else {
        unreachable!()
    };
    {
        w_i32!(r, dst, (r_i32!(r, lhs) as u32 >= imm as u32) as i32)
    }
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn I64AddImm<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::I64AddImm { dst, lhs, imm } = rd!(r, I64AddImm) else {
        unreachable!()
    };
    w_i64!(r, dst, r_i64!(r, lhs).wrapping_add(imm));
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn I64SubImm<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::I64SubImm { dst, lhs, imm } = rd!(r, I64SubImm) else {
        unreachable!()
    };
    w_i64!(r, dst, r_i64!(r, lhs).wrapping_sub(imm));
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn I64MulImm<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::I64MulImm { dst, lhs, imm } = rd!(r, I64MulImm) else {
        unreachable!()
    };
    w_i64!(r, dst, r_i64!(r, lhs).wrapping_mul(imm));
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn I64AndImm<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::I64AndImm { dst, lhs, imm } = rd!(r, I64AndImm) else {
        unreachable!()
    };
    w_i64!(r, dst, r_i64!(r, lhs) & imm);
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn I64OrImm<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::I64OrImm { dst, lhs, imm } = rd!(r, I64OrImm) else {
        unreachable!()
    };
    w_i64!(r, dst, r_i64!(r, lhs) | imm);
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn I64XorImm<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::I64XorImm { dst, lhs, imm } = rd!(r, I64XorImm) else {
        unreachable!()
    };
    w_i64!(r, dst, r_i64!(r, lhs) ^ imm);
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn I64ShlImm<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::I64ShlImm { dst, lhs, imm } = rd!(r, I64ShlImm) else {
        unreachable!()
    };
    w_i64!(r, dst, n::i64_shl(r_i64!(r, lhs), imm));
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn I64ShrSImm<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::I64ShrSImm { dst, lhs, imm } = rd!(r, I64ShrSImm) else {
        unreachable!()
    };
    w_i64!(r, dst, n::i64_shr_s(r_i64!(r, lhs), imm));
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn I64ShrUImm<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::I64ShrUImm { dst, lhs, imm } = rd!(r, I64ShrUImm) else {
        unreachable!()
    };
    w_i64!(r, dst, n::i64_shr_u(r_i64!(r, lhs), imm));
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn I64EqImm<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::I64EqImm { dst, lhs, imm } = rd!(r, I64EqImm) else {
        unreachable!()
    };
    w_i32!(r, dst, (r_i64!(r, lhs) == imm) as i32);
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn I64NeImm<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::I64NeImm { dst, lhs, imm } = rd!(r, I64NeImm) else {
        unreachable!()
    };
    w_i32!(r, dst, (r_i64!(r, lhs) != imm) as i32);
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn I64LtSImm<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::I64LtSImm { dst, lhs, imm } = rd!(r, I64LtSImm) else {
        unreachable!()
    };
    w_i32!(r, dst, (r_i64!(r, lhs) < imm) as i32);
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn I64LtUImm<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::I64LtUImm { dst, lhs, imm } = rd!(r, I64LtUImm) else {
        unreachable!()
    };
    w_i32!(r, dst, (c!(r, lhs) < imm as u64) as i32);
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn I64GtSImm<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::I64GtSImm { dst, lhs, imm } = rd!(r, I64GtSImm) else {
        unreachable!()
    };
    w_i32!(r, dst, (r_i64!(r, lhs) > imm) as i32);
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn I64GtUImm<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::I64GtUImm { dst, lhs, imm } = rd!(r, I64GtUImm) else {
        unreachable!()
    };
    w_i32!(r, dst, (c!(r, lhs) > imm as u64) as i32);
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn I64LeSImm<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::I64LeSImm { dst, lhs, imm } = rd!(r, I64LeSImm) else {
        unreachable!()
    };
    w_i32!(r, dst, (r_i64!(r, lhs) <= imm) as i32);
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn I64LeUImm<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::I64LeUImm { dst, lhs, imm } = rd!(r, I64LeUImm) else {
        unreachable!()
    };
    w_i32!(r, dst, (c!(r, lhs) <= imm as u64) as i32);
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn I64GeSImm<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::I64GeSImm { dst, lhs, imm } = rd!(r, I64GeSImm) else {
        unreachable!()
    };
    w_i32!(r, dst, (r_i64!(r, lhs) >= imm) as i32);
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn I64GeUImm<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::I64GeUImm { dst, lhs, imm } = rd!(r, I64GeUImm) else {
        unreachable!()
    };
    w_i32!(r, dst, (c!(r, lhs) >= imm as u64) as i32);
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn I32Eqz<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::I32Eqz { dst, src } = rd!(r, I32Eqz) else {
        unreachable!()
    };
    w_i32!(r, dst, (r_i32!(r, src) == 0) as i32);
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn I32Eq<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::I32Eq { dst, lhs, rhs } = rd!(r, I32Eq) else {
        unreachable!()
    };
    w_i32!(r, dst, (r_i32!(r, lhs) == r_i32!(r, rhs)) as i32);
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn I32Ne<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::I32Ne { dst, lhs, rhs } = rd!(r, I32Ne) else {
        unreachable!()
    };
    w_i32!(r, dst, (r_i32!(r, lhs) != r_i32!(r, rhs)) as i32);
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn I32LtS<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::I32LtS { dst, lhs, rhs } = rd!(r, I32LtS) else {
        unreachable!()
    };
    w_i32!(r, dst, (r_i32!(r, lhs) < r_i32!(r, rhs)) as i32);
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn I32LtU<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::I32LtU { dst, lhs, rhs } = rd!(r, I32LtU) else {
        unreachable!()
    };
    {
        w_i32!(
            r,
            dst,
            ((r_i32!(r, lhs) as u32) < r_i32!(r, rhs) as u32) as i32
        )
    }
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn I32GtS<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::I32GtS { dst, lhs, rhs } = rd!(r, I32GtS) else {
        unreachable!()
    };
    w_i32!(r, dst, (r_i32!(r, lhs) > r_i32!(r, rhs)) as i32);
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn I32GtU<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::I32GtU { dst, lhs, rhs } = rd!(r, I32GtU) else {
        unreachable!()
    };
    {
        w_i32!(
            r,
            dst,
            (r_i32!(r, lhs) as u32 > r_i32!(r, rhs) as u32) as i32
        )
    }
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn I32LeS<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::I32LeS { dst, lhs, rhs } = rd!(r, I32LeS) else {
        unreachable!()
    };
    w_i32!(r, dst, (r_i32!(r, lhs) <= r_i32!(r, rhs)) as i32);
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn I32LeU<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::I32LeU { dst, lhs, rhs } = rd!(r, I32LeU) else {
        unreachable!()
    };
    {
        w_i32!(
            r,
            dst,
            (r_i32!(r, lhs) as u32 <= r_i32!(r, rhs) as u32) as i32
        )
    }
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn I32GeS<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::I32GeS { dst, lhs, rhs } = rd!(r, I32GeS) else {
        unreachable!()
    };
    w_i32!(r, dst, (r_i32!(r, lhs) >= r_i32!(r, rhs)) as i32);
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn I32GeU<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::I32GeU { dst, lhs, rhs } = rd!(r, I32GeU) else {
        unreachable!()
    };
    {
        w_i32!(
            r,
            dst,
            (r_i32!(r, lhs) as u32 >= r_i32!(r, rhs) as u32) as i32
        )
    }
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn I32Clz<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::I32Clz { dst, src } = rd!(r, I32Clz) else {
        unreachable!()
    };
    w_i32!(r, dst, n::i32_clz(r_i32!(r, src)));
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn I32Ctz<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::I32Ctz { dst, src } = rd!(r, I32Ctz) else {
        unreachable!()
    };
    w_i32!(r, dst, n::i32_ctz(r_i32!(r, src)));
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn I32Popcnt<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::I32Popcnt { dst, src } = rd!(r, I32Popcnt) else {
        unreachable!()
    };
    w_i32!(r, dst, n::i32_popcnt(r_i32!(r, src)));
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn I32Add<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::I32Add { dst, lhs, rhs } = rd!(r, I32Add) else {
        unreachable!()
    };
    w_i32!(r, dst, r_i32!(r, lhs).wrapping_add(r_i32!(r, rhs)));
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn I32Sub<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::I32Sub { dst, lhs, rhs } = rd!(r, I32Sub) else {
        unreachable!()
    };
    w_i32!(r, dst, r_i32!(r, lhs).wrapping_sub(r_i32!(r, rhs)));
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn I32Mul<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::I32Mul { dst, lhs, rhs } = rd!(r, I32Mul) else {
        unreachable!()
    };
    w_i32!(r, dst, r_i32!(r, lhs).wrapping_mul(r_i32!(r, rhs)));
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn I32DivS<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::I32DivS { dst, lhs, rhs } = rd!(r, I32DivS) else {
        unreachable!()
    };
    w_i32!(r, dst, n::i32_div_s(r_i32!(r, lhs), r_i32!(r, rhs))?);
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn I32DivU<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::I32DivU { dst, lhs, rhs } = rd!(r, I32DivU) else {
        unreachable!()
    };
    {
        w_i32!(
            r,
            dst,
            n::i32_div_u(r_i32!(r, lhs) as u32, r_i32!(r, rhs) as u32)?
        )
    }
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn I32RemS<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::I32RemS { dst, lhs, rhs } = rd!(r, I32RemS) else {
        unreachable!()
    };
    w_i32!(r, dst, n::i32_rem_s(r_i32!(r, lhs), r_i32!(r, rhs))?);
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn I32RemU<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::I32RemU { dst, lhs, rhs } = rd!(r, I32RemU) else {
        unreachable!()
    };
    {
        w_i32!(
            r,
            dst,
            n::i32_rem_u(r_i32!(r, lhs) as u32, r_i32!(r, rhs) as u32)?
        )
    }
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn I32And<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::I32And { dst, lhs, rhs } = rd!(r, I32And) else {
        unreachable!()
    };
    w_i32!(r, dst, r_i32!(r, lhs) & r_i32!(r, rhs));
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn I32Or<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::I32Or { dst, lhs, rhs } = rd!(r, I32Or) else {
        unreachable!()
    };
    w_i32!(r, dst, r_i32!(r, lhs) | r_i32!(r, rhs));
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn I32Xor<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::I32Xor { dst, lhs, rhs } = rd!(r, I32Xor) else {
        unreachable!()
    };
    w_i32!(r, dst, r_i32!(r, lhs) ^ r_i32!(r, rhs));
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn I32Shl<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::I32Shl { dst, lhs, rhs } = rd!(r, I32Shl) else {
        unreachable!()
    };
    w_i32!(r, dst, n::i32_shl(r_i32!(r, lhs), r_i32!(r, rhs)));
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn I32ShrS<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::I32ShrS { dst, lhs, rhs } = rd!(r, I32ShrS) else {
        unreachable!()
    };
    w_i32!(r, dst, n::i32_shr_s(r_i32!(r, lhs), r_i32!(r, rhs)));
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn I32ShrU<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::I32ShrU { dst, lhs, rhs } = rd!(r, I32ShrU) else {
        unreachable!()
    };
    w_i32!(r, dst, n::i32_shr_u(r_i32!(r, lhs), r_i32!(r, rhs)));
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn I32Rotl<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::I32Rotl { dst, lhs, rhs } = rd!(r, I32Rotl) else {
        unreachable!()
    };
    w_i32!(r, dst, n::i32_rotl(r_i32!(r, lhs), r_i32!(r, rhs)));
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn I32Rotr<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::I32Rotr { dst, lhs, rhs } = rd!(r, I32Rotr) else {
        unreachable!()
    };
    w_i32!(r, dst, n::i32_rotr(r_i32!(r, lhs), r_i32!(r, rhs)));
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn I64Eqz<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::I64Eqz { dst, src } = rd!(r, I64Eqz) else {
        unreachable!()
    };
    w_i32!(r, dst, (c!(r, src) == 0) as i32);
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn I64Eq<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::I64Eq { dst, lhs, rhs } = rd!(r, I64Eq) else {
        unreachable!()
    };
    w_i32!(r, dst, (r_i64!(r, lhs) == r_i64!(r, rhs)) as i32);
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn I64Ne<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::I64Ne { dst, lhs, rhs } = rd!(r, I64Ne) else {
        unreachable!()
    };
    w_i32!(r, dst, (r_i64!(r, lhs) != r_i64!(r, rhs)) as i32);
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn I64LtS<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::I64LtS { dst, lhs, rhs } = rd!(r, I64LtS) else {
        unreachable!()
    };
    w_i32!(r, dst, (r_i64!(r, lhs) < r_i64!(r, rhs)) as i32);
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn I64LtU<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::I64LtU { dst, lhs, rhs } = rd!(r, I64LtU) else {
        unreachable!()
    };
    w_i32!(r, dst, (c!(r, lhs) < c!(r, rhs)) as i32);
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn I64GtS<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::I64GtS { dst, lhs, rhs } = rd!(r, I64GtS) else {
        unreachable!()
    };
    w_i32!(r, dst, (r_i64!(r, lhs) > r_i64!(r, rhs)) as i32);
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn I64GtU<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::I64GtU { dst, lhs, rhs } = rd!(r, I64GtU) else {
        unreachable!()
    };
    w_i32!(r, dst, (c!(r, lhs) > c!(r, rhs)) as i32);
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn I64LeS<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::I64LeS { dst, lhs, rhs } = rd!(r, I64LeS) else {
        unreachable!()
    };
    w_i32!(r, dst, (r_i64!(r, lhs) <= r_i64!(r, rhs)) as i32);
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn I64LeU<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::I64LeU { dst, lhs, rhs } = rd!(r, I64LeU) else {
        unreachable!()
    };
    w_i32!(r, dst, (c!(r, lhs) <= c!(r, rhs)) as i32);
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn I64GeS<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::I64GeS { dst, lhs, rhs } = rd!(r, I64GeS) else {
        unreachable!()
    };
    w_i32!(r, dst, (r_i64!(r, lhs) >= r_i64!(r, rhs)) as i32);
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn I64GeU<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::I64GeU { dst, lhs, rhs } = rd!(r, I64GeU) else {
        unreachable!()
    };
    w_i32!(r, dst, (c!(r, lhs) >= c!(r, rhs)) as i32);
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn I64Clz<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::I64Clz { dst, src } = rd!(r, I64Clz) else {
        unreachable!()
    };
    w_i64!(r, dst, n::i64_clz(r_i64!(r, src)));
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn I64Ctz<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::I64Ctz { dst, src } = rd!(r, I64Ctz) else {
        unreachable!()
    };
    w_i64!(r, dst, n::i64_ctz(r_i64!(r, src)));
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn I64Popcnt<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::I64Popcnt { dst, src } = rd!(r, I64Popcnt) else {
        unreachable!()
    };
    w_i64!(r, dst, n::i64_popcnt(r_i64!(r, src)));
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn I64Add<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::I64Add { dst, lhs, rhs } = rd!(r, I64Add) else {
        unreachable!()
    };
    w_i64!(r, dst, r_i64!(r, lhs).wrapping_add(r_i64!(r, rhs)));
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn I64Sub<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::I64Sub { dst, lhs, rhs } = rd!(r, I64Sub) else {
        unreachable!()
    };
    w_i64!(r, dst, r_i64!(r, lhs).wrapping_sub(r_i64!(r, rhs)));
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn I64Mul<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::I64Mul { dst, lhs, rhs } = rd!(r, I64Mul) else {
        unreachable!()
    };
    w_i64!(r, dst, r_i64!(r, lhs).wrapping_mul(r_i64!(r, rhs)));
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn I64DivS<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::I64DivS { dst, lhs, rhs } = rd!(r, I64DivS) else {
        unreachable!()
    };
    w_i64!(r, dst, n::i64_div_s(r_i64!(r, lhs), r_i64!(r, rhs))?);
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn I64DivU<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::I64DivU { dst, lhs, rhs } = rd!(r, I64DivU) else {
        unreachable!()
    };
    w_i64!(r, dst, n::i64_div_u(c!(r, lhs), c!(r, rhs))?);
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn I64RemS<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::I64RemS { dst, lhs, rhs } = rd!(r, I64RemS) else {
        unreachable!()
    };
    w_i64!(r, dst, n::i64_rem_s(r_i64!(r, lhs), r_i64!(r, rhs))?);
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn I64RemU<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::I64RemU { dst, lhs, rhs } = rd!(r, I64RemU) else {
        unreachable!()
    };
    w_i64!(r, dst, n::i64_rem_u(c!(r, lhs), c!(r, rhs))?);
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn I64And<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::I64And { dst, lhs, rhs } = rd!(r, I64And) else {
        unreachable!()
    };
    set!(r, dst, c!(r, lhs) & c!(r, rhs));
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn I64Or<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::I64Or { dst, lhs, rhs } = rd!(r, I64Or) else {
        unreachable!()
    };
    set!(r, dst, c!(r, lhs) | c!(r, rhs));
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn I64Xor<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::I64Xor { dst, lhs, rhs } = rd!(r, I64Xor) else {
        unreachable!()
    };
    set!(r, dst, c!(r, lhs) ^ c!(r, rhs));
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn I64Shl<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::I64Shl { dst, lhs, rhs } = rd!(r, I64Shl) else {
        unreachable!()
    };
    w_i64!(r, dst, n::i64_shl(r_i64!(r, lhs), r_i64!(r, rhs)));
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn I64ShrS<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::I64ShrS { dst, lhs, rhs } = rd!(r, I64ShrS) else {
        unreachable!()
    };
    w_i64!(r, dst, n::i64_shr_s(r_i64!(r, lhs), r_i64!(r, rhs)));
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn I64ShrU<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::I64ShrU { dst, lhs, rhs } = rd!(r, I64ShrU) else {
        unreachable!()
    };
    w_i64!(r, dst, n::i64_shr_u(r_i64!(r, lhs), r_i64!(r, rhs)));
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn I64Rotl<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::I64Rotl { dst, lhs, rhs } = rd!(r, I64Rotl) else {
        unreachable!()
    };
    w_i64!(r, dst, n::i64_rotl(r_i64!(r, lhs), r_i64!(r, rhs)));
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn I64Rotr<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::I64Rotr { dst, lhs, rhs } = rd!(r, I64Rotr) else {
        unreachable!()
    };
    w_i64!(r, dst, n::i64_rotr(r_i64!(r, lhs), r_i64!(r, rhs)));
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn F32Eq<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::F32Eq { dst, lhs, rhs } = rd!(r, F32Eq) else {
        unreachable!()
    };
    w_i32!(r, dst, (r_f32!(r, lhs) == r_f32!(r, rhs)) as i32);
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn F32Ne<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::F32Ne { dst, lhs, rhs } = rd!(r, F32Ne) else {
        unreachable!()
    };
    w_i32!(r, dst, (r_f32!(r, lhs) != r_f32!(r, rhs)) as i32);
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn F32Lt<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::F32Lt { dst, lhs, rhs } = rd!(r, F32Lt) else {
        unreachable!()
    };
    w_i32!(r, dst, (r_f32!(r, lhs) < r_f32!(r, rhs)) as i32);
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn F32Gt<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::F32Gt { dst, lhs, rhs } = rd!(r, F32Gt) else {
        unreachable!()
    };
    w_i32!(r, dst, (r_f32!(r, lhs) > r_f32!(r, rhs)) as i32);
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn F32Le<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::F32Le { dst, lhs, rhs } = rd!(r, F32Le) else {
        unreachable!()
    };
    w_i32!(r, dst, (r_f32!(r, lhs) <= r_f32!(r, rhs)) as i32);
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn F32Ge<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::F32Ge { dst, lhs, rhs } = rd!(r, F32Ge) else {
        unreachable!()
    };
    w_i32!(r, dst, (r_f32!(r, lhs) >= r_f32!(r, rhs)) as i32);
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn F32Abs<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::F32Abs { dst, src } = rd!(r, F32Abs) else {
        unreachable!()
    };
    w_f32!(r, dst, n::f32_abs(r_f32!(r, src)));
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn F32Neg<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::F32Neg { dst, src } = rd!(r, F32Neg) else {
        unreachable!()
    };
    w_f32!(r, dst, n::f32_neg(r_f32!(r, src)));
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn F32Ceil<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::F32Ceil { dst, src } = rd!(r, F32Ceil) else {
        unreachable!()
    };
    w_f32!(r, dst, n::f32_ceil(r_f32!(r, src)));
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn F32Floor<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::F32Floor { dst, src } = rd!(r, F32Floor) else {
        unreachable!()
    };
    w_f32!(r, dst, n::f32_floor(r_f32!(r, src)));
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn F32Trunc<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::F32Trunc { dst, src } = rd!(r, F32Trunc) else {
        unreachable!()
    };
    w_f32!(r, dst, n::f32_trunc(r_f32!(r, src)));
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn F32Nearest<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::F32Nearest { dst, src } = rd!(r, F32Nearest) else {
        unreachable!()
    };
    w_f32!(r, dst, n::f32_nearest(r_f32!(r, src)));
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn F32Sqrt<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::F32Sqrt { dst, src } = rd!(r, F32Sqrt) else {
        unreachable!()
    };
    w_f32!(r, dst, n::f32_sqrt(r_f32!(r, src)));
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn F32Add<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::F32Add { dst, lhs, rhs } = rd!(r, F32Add) else {
        unreachable!()
    };
    w_f32!(r, dst, r_f32!(r, lhs) + r_f32!(r, rhs));
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn F32Sub<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::F32Sub { dst, lhs, rhs } = rd!(r, F32Sub) else {
        unreachable!()
    };
    w_f32!(r, dst, r_f32!(r, lhs) - r_f32!(r, rhs));
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn F32Mul<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::F32Mul { dst, lhs, rhs } = rd!(r, F32Mul) else {
        unreachable!()
    };
    w_f32!(r, dst, r_f32!(r, lhs) * r_f32!(r, rhs));
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn F32Div<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::F32Div { dst, lhs, rhs } = rd!(r, F32Div) else {
        unreachable!()
    };
    w_f32!(r, dst, r_f32!(r, lhs) / r_f32!(r, rhs));
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn F32Min<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::F32Min { dst, lhs, rhs } = rd!(r, F32Min) else {
        unreachable!()
    };
    w_f32!(r, dst, n::f32_min(r_f32!(r, lhs), r_f32!(r, rhs)));
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn F32Max<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::F32Max { dst, lhs, rhs } = rd!(r, F32Max) else {
        unreachable!()
    };
    w_f32!(r, dst, n::f32_max(r_f32!(r, lhs), r_f32!(r, rhs)));
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn F32Copysign<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::F32Copysign { dst, lhs, rhs } = rd!(r, F32Copysign) else {
        unreachable!()
    };
    {
        w_f32!(r, dst, n::f32_copysign(r_f32!(r, lhs), r_f32!(r, rhs)))
    }
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn F64Eq<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::F64Eq { dst, lhs, rhs } = rd!(r, F64Eq) else {
        unreachable!()
    };
    w_i32!(r, dst, (r_f64!(r, lhs) == r_f64!(r, rhs)) as i32);
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn F64Ne<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::F64Ne { dst, lhs, rhs } = rd!(r, F64Ne) else {
        unreachable!()
    };
    w_i32!(r, dst, (r_f64!(r, lhs) != r_f64!(r, rhs)) as i32);
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn F64Lt<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::F64Lt { dst, lhs, rhs } = rd!(r, F64Lt) else {
        unreachable!()
    };
    w_i32!(r, dst, (r_f64!(r, lhs) < r_f64!(r, rhs)) as i32);
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn F64Gt<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::F64Gt { dst, lhs, rhs } = rd!(r, F64Gt) else {
        unreachable!()
    };
    w_i32!(r, dst, (r_f64!(r, lhs) > r_f64!(r, rhs)) as i32);
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn F64Le<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::F64Le { dst, lhs, rhs } = rd!(r, F64Le) else {
        unreachable!()
    };
    w_i32!(r, dst, (r_f64!(r, lhs) <= r_f64!(r, rhs)) as i32);
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn F64Ge<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::F64Ge { dst, lhs, rhs } = rd!(r, F64Ge) else {
        unreachable!()
    };
    w_i32!(r, dst, (r_f64!(r, lhs) >= r_f64!(r, rhs)) as i32);
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn F64Abs<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::F64Abs { dst, src } = rd!(r, F64Abs) else {
        unreachable!()
    };
    w_f64!(r, dst, n::f64_abs(r_f64!(r, src)));
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn F64Neg<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::F64Neg { dst, src } = rd!(r, F64Neg) else {
        unreachable!()
    };
    w_f64!(r, dst, n::f64_neg(r_f64!(r, src)));
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn F64Ceil<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::F64Ceil { dst, src } = rd!(r, F64Ceil) else {
        unreachable!()
    };
    w_f64!(r, dst, n::f64_ceil(r_f64!(r, src)));
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn F64Floor<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::F64Floor { dst, src } = rd!(r, F64Floor) else {
        unreachable!()
    };
    w_f64!(r, dst, n::f64_floor(r_f64!(r, src)));
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn F64Trunc<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::F64Trunc { dst, src } = rd!(r, F64Trunc) else {
        unreachable!()
    };
    w_f64!(r, dst, n::f64_trunc(r_f64!(r, src)));
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn F64Nearest<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::F64Nearest { dst, src } = rd!(r, F64Nearest) else {
        unreachable!()
    };
    w_f64!(r, dst, n::f64_nearest(r_f64!(r, src)));
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn F64Sqrt<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::F64Sqrt { dst, src } = rd!(r, F64Sqrt) else {
        unreachable!()
    };
    w_f64!(r, dst, n::f64_sqrt(r_f64!(r, src)));
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn F64Add<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::F64Add { dst, lhs, rhs } = rd!(r, F64Add) else {
        unreachable!()
    };
    w_f64!(r, dst, r_f64!(r, lhs) + r_f64!(r, rhs));
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn F64Sub<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::F64Sub { dst, lhs, rhs } = rd!(r, F64Sub) else {
        unreachable!()
    };
    w_f64!(r, dst, r_f64!(r, lhs) - r_f64!(r, rhs));
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn F64Mul<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::F64Mul { dst, lhs, rhs } = rd!(r, F64Mul) else {
        unreachable!()
    };
    w_f64!(r, dst, r_f64!(r, lhs) * r_f64!(r, rhs));
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn F64Div<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::F64Div { dst, lhs, rhs } = rd!(r, F64Div) else {
        unreachable!()
    };
    w_f64!(r, dst, r_f64!(r, lhs) / r_f64!(r, rhs));
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn F64Min<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::F64Min { dst, lhs, rhs } = rd!(r, F64Min) else {
        unreachable!()
    };
    w_f64!(r, dst, n::f64_min(r_f64!(r, lhs), r_f64!(r, rhs)));
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn F64Max<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::F64Max { dst, lhs, rhs } = rd!(r, F64Max) else {
        unreachable!()
    };
    w_f64!(r, dst, n::f64_max(r_f64!(r, lhs), r_f64!(r, rhs)));
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn F64Copysign<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::F64Copysign { dst, lhs, rhs } = rd!(r, F64Copysign) else {
        unreachable!()
    };
    {
        w_f64!(r, dst, n::f64_copysign(r_f64!(r, lhs), r_f64!(r, rhs)))
    }
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn I32WrapI64<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::I32WrapI64 { dst, src } = rd!(r, I32WrapI64) else {
        unreachable!()
    };
    w_i32!(r, dst, c!(r, src) as u32);
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn I32TruncF32S<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::I32TruncF32S { dst, src } = rd!(r, I32TruncF32S) else {
        unreachable!()
    };
    w_i32!(r, dst, n::i32_trunc_f32_s(r_f32!(r, src))?);
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn I32TruncF32U<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::I32TruncF32U { dst, src } = rd!(r, I32TruncF32U) else {
        unreachable!()
    };
    w_i32!(r, dst, n::i32_trunc_f32_u(r_f32!(r, src))?);
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn I32TruncF64S<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::I32TruncF64S { dst, src } = rd!(r, I32TruncF64S) else {
        unreachable!()
    };
    w_i32!(r, dst, n::i32_trunc_f64_s(r_f64!(r, src))?);
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn I32TruncF64U<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::I32TruncF64U { dst, src } = rd!(r, I32TruncF64U) else {
        unreachable!()
    };
    w_i32!(r, dst, n::i32_trunc_f64_u(r_f64!(r, src))?);
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn I64ExtendI32S<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::I64ExtendI32S { dst, src } = rd!(r, I64ExtendI32S) else {
        unreachable!()
    };
    w_i64!(r, dst, r_i32!(r, src) as i64);
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn I64ExtendI32U<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::I64ExtendI32U { dst, src } = rd!(r, I64ExtendI32U) else {
        unreachable!()
    };
    w_i64!(r, dst, r_i32!(r, src) as u32);
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn I64TruncF32S<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::I64TruncF32S { dst, src } = rd!(r, I64TruncF32S) else {
        unreachable!()
    };
    w_i64!(r, dst, n::i64_trunc_f32_s(r_f32!(r, src))?);
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn I64TruncF32U<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::I64TruncF32U { dst, src } = rd!(r, I64TruncF32U) else {
        unreachable!()
    };
    w_i64!(r, dst, n::i64_trunc_f32_u(r_f32!(r, src))?);
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn I64TruncF64S<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::I64TruncF64S { dst, src } = rd!(r, I64TruncF64S) else {
        unreachable!()
    };
    w_i64!(r, dst, n::i64_trunc_f64_s(r_f64!(r, src))?);
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn I64TruncF64U<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::I64TruncF64U { dst, src } = rd!(r, I64TruncF64U) else {
        unreachable!()
    };
    w_i64!(r, dst, n::i64_trunc_f64_u(r_f64!(r, src))?);
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn F32ConvertI32S<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::F32ConvertI32S { dst, src } = rd!(r, F32ConvertI32S) else {
        unreachable!()
    };
    w_f32!(r, dst, n::f32_convert_i32_s(r_i32!(r, src)));
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn F32ConvertI32U<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::F32ConvertI32U { dst, src } = rd!(r, F32ConvertI32U) else {
        unreachable!()
    };
    {
        w_f32!(r, dst, n::f32_convert_i32_u(r_i32!(r, src) as u32))
    }
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn F32ConvertI64S<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::F32ConvertI64S { dst, src } = rd!(r, F32ConvertI64S) else {
        unreachable!()
    };
    w_f32!(r, dst, n::f32_convert_i64_s(r_i64!(r, src)));
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn F32ConvertI64U<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::F32ConvertI64U { dst, src } = rd!(r, F32ConvertI64U) else {
        unreachable!()
    };
    w_f32!(r, dst, n::f32_convert_i64_u(c!(r, src)));
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn F32DemoteF64<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::F32DemoteF64 { dst, src } = rd!(r, F32DemoteF64) else {
        unreachable!()
    };
    w_f32!(r, dst, n::f32_demote_f64(r_f64!(r, src)));
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn F64ConvertI32S<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::F64ConvertI32S { dst, src } = rd!(r, F64ConvertI32S) else {
        unreachable!()
    };
    w_f64!(r, dst, n::f64_convert_i32_s(r_i32!(r, src)));
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn F64ConvertI32U<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::F64ConvertI32U { dst, src } = rd!(r, F64ConvertI32U) else {
        unreachable!()
    };
    {
        w_f64!(r, dst, n::f64_convert_i32_u(r_i32!(r, src) as u32))
    }
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn F64ConvertI64S<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::F64ConvertI64S { dst, src } = rd!(r, F64ConvertI64S) else {
        unreachable!()
    };
    w_f64!(r, dst, n::f64_convert_i64_s(r_i64!(r, src)));
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn F64ConvertI64U<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::F64ConvertI64U { dst, src } = rd!(r, F64ConvertI64U) else {
        unreachable!()
    };
    w_f64!(r, dst, n::f64_convert_i64_u(c!(r, src)));
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn F64PromoteF32<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::F64PromoteF32 { dst, src } = rd!(r, F64PromoteF32) else {
        unreachable!()
    };
    w_f64!(r, dst, n::f64_promote_f32(r_f32!(r, src)));
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn I32Extend8S<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::I32Extend8S { dst, src } = rd!(r, I32Extend8S) else {
        unreachable!()
    };
    w_i32!(r, dst, n::i32_extend8_s(r_i32!(r, src)));
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn I32Extend16S<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::I32Extend16S { dst, src } = rd!(r, I32Extend16S) else {
        unreachable!()
    };
    w_i32!(r, dst, n::i32_extend16_s(r_i32!(r, src)));
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn I64Extend8S<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::I64Extend8S { dst, src } = rd!(r, I64Extend8S) else {
        unreachable!()
    };
    w_i64!(r, dst, n::i64_extend8_s(r_i64!(r, src)));
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn I64Extend16S<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::I64Extend16S { dst, src } = rd!(r, I64Extend16S) else {
        unreachable!()
    };
    w_i64!(r, dst, n::i64_extend16_s(r_i64!(r, src)));
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn I64Extend32S<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::I64Extend32S { dst, src } = rd!(r, I64Extend32S) else {
        unreachable!()
    };
    w_i64!(r, dst, n::i64_extend32_s(r_i64!(r, src)));
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn I32TruncSatF32S<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::I32TruncSatF32S { dst, src } = rd!(r, I32TruncSatF32S) else {
        unreachable!()
    };
    w_i32!(r, dst, n::i32_trunc_sat_f32_s(r_f32!(r, src)));
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn I32TruncSatF32U<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::I32TruncSatF32U { dst, src } = rd!(r, I32TruncSatF32U) else {
        unreachable!()
    };
    w_i32!(r, dst, n::i32_trunc_sat_f32_u(r_f32!(r, src)));
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn I32TruncSatF64S<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::I32TruncSatF64S { dst, src } = rd!(r, I32TruncSatF64S) else {
        unreachable!()
    };
    w_i32!(r, dst, n::i32_trunc_sat_f64_s(r_f64!(r, src)));
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn I32TruncSatF64U<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::I32TruncSatF64U { dst, src } = rd!(r, I32TruncSatF64U) else {
        unreachable!()
    };
    w_i32!(r, dst, n::i32_trunc_sat_f64_u(r_f64!(r, src)));
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn I64TruncSatF32S<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::I64TruncSatF32S { dst, src } = rd!(r, I64TruncSatF32S) else {
        unreachable!()
    };
    w_i64!(r, dst, n::i64_trunc_sat_f32_s(r_f32!(r, src)));
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn I64TruncSatF32U<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::I64TruncSatF32U { dst, src } = rd!(r, I64TruncSatF32U) else {
        unreachable!()
    };
    w_i64!(r, dst, n::i64_trunc_sat_f32_u(r_f32!(r, src)));
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn I64TruncSatF64S<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::I64TruncSatF64S { dst, src } = rd!(r, I64TruncSatF64S) else {
        unreachable!()
    };
    w_i64!(r, dst, n::i64_trunc_sat_f64_s(r_f64!(r, src)));
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn I64TruncSatF64U<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::I64TruncSatF64U { dst, src } = rd!(r, I64TruncSatF64U) else {
        unreachable!()
    };
    w_i64!(r, dst, n::i64_trunc_sat_f64_u(r_f64!(r, src)));
    Ok(())
}
