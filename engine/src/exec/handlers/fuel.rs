//! The fuel and interruption check (`Op::Fuel`, placed by `microcode/translate/fuel.rs`) and
//! the size-based charge of bulk memory and table ops. ARCHITECTURE.md, "Fuel, interruption
//! and suspension".

use core::sync::atomic::Ordering;

use super::super::state::{Ctx, Regs, R};
use crate::error::TrapCode;
use crate::microcode::Op;

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
    let cost = cost as u32 as u64;
    let Some(left) = cx.fuel.checked_sub(cost) else {
        cx.regs = Regs { ip: at, ..*r };
        return Err(TrapCode::OutOfFuel.into());
    };
    if cx.interrupt.load(Ordering::Relaxed) {
        // The trigger is consumed where the stop is handled (`suspend::stopped`).
        cx.regs = Regs { ip: at, ..*r };
        return Err(TrapCode::Interrupted.into());
    }
    cx.fuel = left;
    Ok(())
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
    if cx.fuel < cost {
        r.ip = at;
        return Err(TrapCode::OutOfFuel.into());
    }
    cx.fuel -= cost;
    Ok(())
}
