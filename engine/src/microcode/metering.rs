//! Which checks translated code carries: fuel (`Config::consume_fuel`) and interruption
//! (`Config::interruptible`). Both are `Fuel` ops the translator places at block entries
//! (`translate/fuel.rs`); the verifier checks that a function's checks match the engine it is
//! loaded into (`check`), so code translated without checks never runs in an engine that
//! meters, and the other way round. ARCHITECTURE.md, "Fuel, interruption and suspension".

use super::translate::fuel::{foldable_cost, is_folded};
use super::verify::VerifyError;
use super::Op;

/// The checks translated code carries. Part of the engine's configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct Metering {
    /// Every block entry charges fuel (the function entry, loop headers, `if` and `else`
    /// arms; `Fuel` ops with a cost of at least 1).
    pub fuel: bool,
    /// The function entry and every loop header check the store's interrupt flag (`Poll`
    /// ops, of cost 1 of unbounded fuel, when fuel is off).
    pub interrupt: bool,
}

impl Metering {
    /// Whether the code carries any check.
    pub fn any(self) -> bool {
        self.fuel || self.interrupt
    }
}

/// Check the `Fuel` ops of `code` (its ops with their word offsets, in order) against the
/// engine's `metering`: none without metering; otherwise the first op and every target of a
/// backward branch (every loop header) is a check: a `Fuel` op with a cost of at least 1 when
/// fuel is on, a `Poll` op of cost 1 when only interruption is (and no check of the other
/// kind); a back-edge form with the check folded in (`BrFuel`, `BrIf*Fuel`) appears only
/// then, and its target is a narrow check op whose cost fits its one word.
pub(crate) fn check(ops: &[(usize, Op)], metering: Metering) -> Result<(), VerifyError> {
    let err = |at: usize, field: &'static str, value: u64| VerifyError { at, field, value };
    // The check op this engine's code carries, if any: its cost.
    let check_cost = |op: &Op| match (*op, metering.fuel, metering.interrupt) {
        (Op::Fuel { cost }, true, _) => Some(cost),
        (Op::Poll { cost }, false, true) => Some(cost),
        _ => None,
    };
    let is_check = |at: usize| {
        ops.binary_search_by_key(&at, |(a, _)| *a)
            .is_ok_and(|i| check_cost(&ops[i].1).is_some())
    };
    if metering.any() && !is_check(0) {
        return Err(err(0, "fuel check at entry", 0));
    }
    for &(at, op) in ops {
        if let Op::Fuel { cost } | Op::Poll { cost } = op {
            let cost = cost as u32;
            let ok = match check_cost(&op) {
                Some(_) if metering.fuel => cost >= 1,
                Some(_) => cost == 1,
                None => false,
            };
            if !ok {
                return Err(err(at, "fuel cost", cost as u64));
            }
        }
        if metering.any() {
            let mut op = op;
            if let Some(&mut t) = op.branch_target_mut() {
                if (t as usize) <= at && !is_check(t as usize) {
                    return Err(err(at, "fuel check at loop header", t as u64));
                }
            }
        }
        if is_folded(&op) {
            // The handler reads the target's cost word unchecked: a narrow check op (two
            // words, the next op starts right after) whose cost fits that word.
            let mut op = op;
            let t = op.branch_target_mut().map_or(usize::MAX, |t| *t as usize);
            let header = ops.binary_search_by_key(&t, |(a, _)| *a).ok();
            let narrow = header.is_some_and(|h| match (check_cost(&ops[h].1), ops.get(h + 1)) {
                (Some(cost), Some(&(next, _))) => next == t + 2 && foldable_cost(cost),
                _ => false,
            });
            if !metering.any() || !narrow {
                return Err(err(at, "folded fuel check", t as u64));
            }
        }
    }
    Ok(())
}
