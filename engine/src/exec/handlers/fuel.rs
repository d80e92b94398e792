//! The fuel and interruption check (`Op::Fuel`, placed by `microcode/translate/fuel.rs`) and
//! the size-based charge of bulk memory and table ops. ARCHITECTURE.md, "Fuel, interruption
//! and suspension".
//!
//! # The fuel window
//! A run keeps its fuel in two parts: `Ctx::fuel`, the *window* the checks take from (at most
//! [`POLL_INTERVAL`]), and `Ctx::fuel_reserve`, the rest. A check whose cost fits the window
//! only subtracts; one that does not ([`refill`], out of line) is where the run stops for
//! lack of fuel or polls the interrupt flag, and moves fuel from the reserve. So the common
//! check is a compare and a subtract, and an interrupt is noticed within `POLL_INTERVAL` fuel
//! (with only interruption on, the engine's fuel is unbounded and every check costs 1: an
//! interrupt is noticed within `POLL_INTERVAL` checks). A trigger already pending when a run
//! starts or a host function returns empties the window, so the next check stops.
//!
//! Loop back-edges carry the check of their loop header folded in (`BrFuel`, `BrIf*Fuel`,
//! `BrIfI32Add*Fuel`: the translator's `translate/fuel.rs`): their target is the op after the
//! header's check op (`Fuel`, or `Poll` in code with only interruption on), whose cost word
//! is the word before it; a taken back-edge whose cost fits the window takes it and jumps
//! there, otherwise it jumps to the check op, which does the rest (and is where a stopped
//! call is parked, as without folding). `FuelSkip` is a check falling straight into a loop
//! header's check: it charges both and skips the header's.

use core::sync::atomic::{AtomicBool, Ordering};

use super::super::state::{Ctx, Regs, R};
use crate::error::TrapCode;
use crate::microcode::Op;

/// Most fuel a run takes between two polls of the interrupt flag: the largest window.
pub(crate) const POLL_INTERVAL: u64 = 1 << 16;

/// `total` fuel as (window, reserve); a pending interrupt empties the window.
#[inline]
pub(crate) fn split_fuel(total: u64, interrupt: &AtomicBool) -> (u64, u64) {
    let window = if interrupt.load(Ordering::Relaxed) {
        0
    } else {
        total.min(POLL_INTERVAL)
    };
    (window, total - window)
}

/// The fuel left: window and reserve.
#[inline]
pub(crate) fn fuel_left<T>(cx: &Ctx<'_, T>) -> u64 {
    cx.fuel.saturating_add(cx.fuel_reserve)
}

/// Take `cost` from the window if it holds that much.
///
/// Written as an unconditional subtraction undone when it borrowed, so that the fast path is
/// one read-modify-write of the window and a branch on its borrow (`sub %r, mem; jb`), not a
/// load, a subtraction, a branch and a store.
#[inline(always)]
pub(crate) fn take<T>(cx: &mut Ctx<'_, T>, cost: u64) -> bool {
    let (left, short) = cx.fuel.overflowing_sub(cost);
    cx.fuel = left;
    if short {
        core::hint::cold_path();
        // Add back to the window as read again (the fence makes the compiler read it):
        // restoring the value from before the subtraction would keep that value alive on
        // the fast path and split the read-modify-write.
        core::sync::atomic::compiler_fence(Ordering::SeqCst);
        cx.fuel = cx.fuel.wrapping_add(cost);
        return false;
    }
    true
}

/// A check whose `cost` does not fit the window: stop for lack of fuel (nothing taken) or
/// because the interrupt was triggered, or take `cost` and refill the window. Inlined: a
/// call would give the check's handler a stack frame on its fast path too.
#[inline(always)]
fn refill<T>(cx: &mut Ctx<'_, T>, cost: u64) -> Result<(), TrapCode> {
    let Some(left) = fuel_left(cx).checked_sub(cost) else {
        return Err(TrapCode::OutOfFuel);
    };
    if cx.interrupt.load(Ordering::Relaxed) {
        // The trigger is consumed where the stop is handled (`suspend::stopped`).
        return Err(TrapCode::Interrupted);
    }
    cx.fuel = left.min(POLL_INTERVAL);
    cx.fuel_reserve = left - cx.fuel;
    Ok(())
}

/// Bytes of a bulk memory op (`memory.fill`, `memory.copy`, `memory.init`) per unit of fuel,
/// charged on top of the op's own 1.
pub(crate) const BULK_BYTES_PER_FUEL: u64 = 64;
/// Elements of a bulk table op (`table.fill`, `table.copy`, `table.init`) per unit of fuel.
pub(crate) const BULK_ELEMS_PER_FUEL: u64 = 8;

/// Stop before the block if the store has less than `cost` fuel or was interrupted, else
/// take `cost`. Stopping parks `ip` at this op in `Ctx::regs` (where `exec/suspend.rs` finds
/// the op a resumed call runs again) and calls nothing, so the fast path needs no stack frame.
#[inline(always)]
pub(crate) unsafe fn Fuel<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let at = r.ip;
    let Op::Fuel { cost } = rd!(r, Fuel) else {
        unreachable!()
    };
    check(cx, r, at, cost)
}

/// The check of code translated with only interruption on: as [`Fuel`] (its cost is 1 of the
/// run's unbounded fuel, so the window drains and the interrupt flag is polled). A separate
/// opcode only so that the verifier tells such code from fuel-charging code.
#[inline(always)]
pub(crate) unsafe fn Poll<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let at = r.ip;
    let Op::Poll { cost } = rd!(r, Poll) else {
        unreachable!()
    };
    check(cx, r, at, cost)
}

/// A check falling into a loop header's check: take both costs (`cost`) and skip it.
#[inline(always)]
pub(crate) unsafe fn FuelSkip<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let at = r.ip;
    let Op::FuelSkip { cost } = rd!(r, FuelSkip) else {
        unreachable!()
    };
    check(cx, r, at, cost)?;
    // `verify` (`metering::check`) proved that a narrow check op (two words) follows.
    r.ip = r.ip.wrapping_add(2);
    Ok(())
}

/// Take `cost` or stop with `ip` parked at `at`, the check's op.
#[inline(always)]
fn check<T>(cx: &mut Ctx<'_, T>, r: &mut Regs, at: *const u16, cost: i32) -> R {
    let cost = cost as u32 as u64;
    if take(cx, cost) {
        return Ok(());
    }
    refill(cx, cost).map_err(|code| {
        cx.regs = Regs { ip: at, ..*r };
        code.into()
    })
}

/// Charge a bulk op at `at` (its opcode word) for `n` bytes or elements, `per` to a unit of
/// fuel, when the engine consumes fuel. Out of fuel, nothing is taken and `ip` is left at
/// the op, which has changed nothing yet.
#[inline(always)]
pub(crate) fn charge_bulk<T>(
    cx: &mut Ctx<'_, T>,
    r: &mut Regs,
    at: *const u16,
    n: u64,
    per: u64,
) -> R {
    if !cx.store.engine.config.metering.fuel {
        return Ok(());
    }
    let cost = n / per;
    if take(cx, cost) {
        return Ok(());
    }
    let Some(left) = fuel_left(cx).checked_sub(cost) else {
        r.ip = at;
        return Err(TrapCode::OutOfFuel.into());
    };
    cx.fuel = left.min(POLL_INTERVAL);
    cx.fuel_reserve = left - cx.fuel;
    Ok(())
}

// The back-edge forms of the branches (`exec/handlers/control.rs`), with the check folded in.

#[inline(always)]
pub(crate) unsafe fn BrFuel<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::BrFuel { target } = rd!(r, BrFuel) else {
        unreachable!()
    };
    br_fuel!(cx, r, true, target);
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn BrIfNezFuel<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::BrIfNezFuel { cond, target } = rd!(r, BrIfNezFuel) else {
        unreachable!()
    };
    {
        br_fuel!(cx, r, c!(r, cond) as u32 != 0, target);
    }
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn BrIfEqzFuel<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::BrIfEqzFuel { cond, target } = rd!(r, BrIfEqzFuel) else {
        unreachable!()
    };
    {
        br_fuel!(cx, r, c!(r, cond) as u32 == 0, target);
    }
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn BrIfI32EqFuel<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::BrIfI32EqFuel { lhs, rhs, target } = rd!(r, BrIfI32EqFuel) else {
        unreachable!()
    };
    br_fuel!(cx, r, r_i32!(r, lhs) == r_i32!(r, rhs), target);
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn BrIfI32NeFuel<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::BrIfI32NeFuel { lhs, rhs, target } = rd!(r, BrIfI32NeFuel) else {
        unreachable!()
    };
    br_fuel!(cx, r, r_i32!(r, lhs) != r_i32!(r, rhs), target);
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn BrIfI32LtSFuel<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::BrIfI32LtSFuel { lhs, rhs, target } = rd!(r, BrIfI32LtSFuel) else {
        unreachable!()
    };
    br_fuel!(cx, r, r_i32!(r, lhs) < r_i32!(r, rhs), target);
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn BrIfI32LtUFuel<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::BrIfI32LtUFuel { lhs, rhs, target } = rd!(r, BrIfI32LtUFuel) else {
        unreachable!()
    };
    {
        br_fuel!(
            cx,
            r,
            (r_i32!(r, lhs) as u32) < r_i32!(r, rhs) as u32,
            target
        )
    }
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn BrIfI32GtSFuel<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::BrIfI32GtSFuel { lhs, rhs, target } = rd!(r, BrIfI32GtSFuel) else {
        unreachable!()
    };
    br_fuel!(cx, r, r_i32!(r, lhs) > r_i32!(r, rhs), target);
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn BrIfI32GtUFuel<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::BrIfI32GtUFuel { lhs, rhs, target } = rd!(r, BrIfI32GtUFuel) else {
        unreachable!()
    };
    {
        br_fuel!(cx, r, r_i32!(r, lhs) as u32 > r_i32!(r, rhs) as u32, target)
    }
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn BrIfI32LeSFuel<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::BrIfI32LeSFuel { lhs, rhs, target } = rd!(r, BrIfI32LeSFuel) else {
        unreachable!()
    };
    br_fuel!(cx, r, r_i32!(r, lhs) <= r_i32!(r, rhs), target);
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn BrIfI32LeUFuel<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::BrIfI32LeUFuel { lhs, rhs, target } = rd!(r, BrIfI32LeUFuel) else {
        unreachable!()
    };
    {
        br_fuel!(
            cx,
            r,
            r_i32!(r, lhs) as u32 <= r_i32!(r, rhs) as u32,
            target
        )
    }
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn BrIfI32GeSFuel<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::BrIfI32GeSFuel { lhs, rhs, target } = rd!(r, BrIfI32GeSFuel) else {
        unreachable!()
    };
    br_fuel!(cx, r, r_i32!(r, lhs) >= r_i32!(r, rhs), target);
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn BrIfI32GeUFuel<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::BrIfI32GeUFuel { lhs, rhs, target } = rd!(r, BrIfI32GeUFuel) else {
        unreachable!()
    };
    {
        br_fuel!(
            cx,
            r,
            r_i32!(r, lhs) as u32 >= r_i32!(r, rhs) as u32,
            target
        )
    }
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn BrIfF32LtFuel<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::BrIfF32LtFuel { lhs, rhs, target } = rd!(r, BrIfF32LtFuel) else {
        unreachable!()
    };
    br_fuel!(cx, r, r_f32!(r, lhs) < r_f32!(r, rhs), target);
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn BrIfF32GtFuel<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::BrIfF32GtFuel { lhs, rhs, target } = rd!(r, BrIfF32GtFuel) else {
        unreachable!()
    };
    br_fuel!(cx, r, r_f32!(r, lhs) > r_f32!(r, rhs), target);
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn BrIfF32LeFuel<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::BrIfF32LeFuel { lhs, rhs, target } = rd!(r, BrIfF32LeFuel) else {
        unreachable!()
    };
    br_fuel!(cx, r, r_f32!(r, lhs) <= r_f32!(r, rhs), target);
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn BrIfF32GeFuel<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::BrIfF32GeFuel { lhs, rhs, target } = rd!(r, BrIfF32GeFuel) else {
        unreachable!()
    };
    br_fuel!(cx, r, r_f32!(r, lhs) >= r_f32!(r, rhs), target);
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn BrIfF64LtFuel<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::BrIfF64LtFuel { lhs, rhs, target } = rd!(r, BrIfF64LtFuel) else {
        unreachable!()
    };
    br_fuel!(cx, r, r_f64!(r, lhs) < r_f64!(r, rhs), target);
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn BrIfF64GtFuel<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::BrIfF64GtFuel { lhs, rhs, target } = rd!(r, BrIfF64GtFuel) else {
        unreachable!()
    };
    br_fuel!(cx, r, r_f64!(r, lhs) > r_f64!(r, rhs), target);
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn BrIfF64LeFuel<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::BrIfF64LeFuel { lhs, rhs, target } = rd!(r, BrIfF64LeFuel) else {
        unreachable!()
    };
    br_fuel!(cx, r, r_f64!(r, lhs) <= r_f64!(r, rhs), target);
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn BrIfF64GeFuel<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::BrIfF64GeFuel { lhs, rhs, target } = rd!(r, BrIfF64GeFuel) else {
        unreachable!()
    };
    br_fuel!(cx, r, r_f64!(r, lhs) >= r_f64!(r, rhs), target);
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn BrIfI32EqImmFuel<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::BrIfI32EqImmFuel { lhs, imm, target } = rd!(r, BrIfI32EqImmFuel) else {
        unreachable!()
    };
    br_fuel!(cx, r, r_i32!(r, lhs) == imm, target);
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn BrIfI32NeImmFuel<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::BrIfI32NeImmFuel { lhs, imm, target } = rd!(r, BrIfI32NeImmFuel) else {
        unreachable!()
    };
    br_fuel!(cx, r, r_i32!(r, lhs) != imm, target);
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn BrIfI32LtSImmFuel<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::BrIfI32LtSImmFuel { lhs, imm, target } = rd!(r, BrIfI32LtSImmFuel) else {
        unreachable!()
    };
    br_fuel!(cx, r, r_i32!(r, lhs) < imm, target);
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn BrIfI32LtUImmFuel<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::BrIfI32LtUImmFuel { lhs, imm, target } = rd!(r, BrIfI32LtUImmFuel) else {
        unreachable!()
    };
    {
        br_fuel!(cx, r, (r_i32!(r, lhs) as u32) < imm as u32, target)
    }
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn BrIfI32GtSImmFuel<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::BrIfI32GtSImmFuel { lhs, imm, target } = rd!(r, BrIfI32GtSImmFuel) else {
        unreachable!()
    };
    br_fuel!(cx, r, r_i32!(r, lhs) > imm, target);
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn BrIfI32GtUImmFuel<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::BrIfI32GtUImmFuel { lhs, imm, target } = rd!(r, BrIfI32GtUImmFuel) else {
        unreachable!()
    };
    {
        br_fuel!(cx, r, r_i32!(r, lhs) as u32 > imm as u32, target)
    }
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn BrIfI32LeSImmFuel<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::BrIfI32LeSImmFuel { lhs, imm, target } = rd!(r, BrIfI32LeSImmFuel) else {
        unreachable!()
    };
    br_fuel!(cx, r, r_i32!(r, lhs) <= imm, target);
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn BrIfI32LeUImmFuel<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::BrIfI32LeUImmFuel { lhs, imm, target } = rd!(r, BrIfI32LeUImmFuel) else {
        unreachable!()
    };
    {
        br_fuel!(cx, r, r_i32!(r, lhs) as u32 <= imm as u32, target)
    }
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn BrIfI32GeSImmFuel<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::BrIfI32GeSImmFuel { lhs, imm, target } = rd!(r, BrIfI32GeSImmFuel) else {
        unreachable!()
    };
    br_fuel!(cx, r, r_i32!(r, lhs) >= imm, target);
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn BrIfI32GeUImmFuel<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::BrIfI32GeUImmFuel { lhs, imm, target } = rd!(r, BrIfI32GeUImmFuel) else {
        unreachable!()
    };
    {
        br_fuel!(cx, r, r_i32!(r, lhs) as u32 >= imm as u32, target)
    }
    Ok(())
}

// The fused add-and-branch back-edges with the check folded in (`BrIfI32Add*Fuel`) are
// generated beside their plain forms, from one list (`exec/handlers/control.rs`).
