//! The fuel and interruption check (`Op::Fuel`, placed by `microcode/translate/fuel.rs`) and
//! the size-based charge of bulk memory and table ops. ARCHITECTURE.md, "Fuel, interruption
//! and suspension".

use core::sync::atomic::Ordering;

use super::super::state::{out_of_line, Ctx, Regs, R};
use crate::error::TrapCode;
use crate::microcode::Op;

/// Bytes of a bulk memory op (`memory.fill`, `memory.copy`, `memory.init`) per unit of fuel,
/// charged on top of the op's own 1.
pub(crate) const BULK_BYTES_PER_FUEL: u64 = 64;
/// Elements of a bulk table op (`table.fill`, `table.copy`, `table.init`) per unit of fuel.
pub(crate) const BULK_ELEMS_PER_FUEL: u64 = 8;

/// Stop before the block if the store has less than `cost` fuel or was interrupted, else
/// take `cost`. Stopping leaves `ip` at this op, so a resumed call runs it again.
#[inline(always)]
pub(crate) unsafe fn Fuel<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let at = r.ip;
    let Op::Fuel { cost } = rd!(r, Fuel) else {
        unreachable!()
    };
    let cost = cost as u32 as u64;
    if cx.fuel < cost || cx.interrupt.load(Ordering::Relaxed) {
        r.ip = at;
        return out_of_line(cx, r, stop);
    }
    cx.fuel -= cost;
    Ok(())
}

/// The check failed: interrupted (the trigger is consumed) or out of fuel.
fn stop<T>(cx: &mut Ctx<'_, T>, _r: &mut Regs) -> R {
    if cx.interrupt.swap(false, Ordering::Relaxed) {
        Err(TrapCode::Interrupted.into())
    } else {
        Err(TrapCode::OutOfFuel.into())
    }
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
