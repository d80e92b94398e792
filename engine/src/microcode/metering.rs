//! Which checks translated code carries: fuel (`Config::consume_fuel`) and interruption
//! (`Config::interruptible`). Both are `Fuel` ops the translator places at block entries
//! (`translate/fuel.rs`); the verifier checks that a function's checks match the engine it is
//! loaded into (`check`), so code translated without checks never runs in an engine that
//! meters, and the other way round. ARCHITECTURE.md, "Fuel, interruption and suspension".

use super::verify::VerifyError;
use super::Op;

/// The checks translated code carries. Part of the engine's configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct Metering {
    /// Every block entry charges fuel (the function entry, loop headers, `if` and `else`
    /// arms; `Fuel` ops with a cost of at least 1).
    pub fuel: bool,
    /// The function entry and every loop header check the store's interrupt flag (`Fuel`
    /// ops of cost 0 when fuel is off).
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
/// backward branch (every loop header) is a `Fuel` op, with a cost of at least 1 when fuel
/// is on and of 0 when only interruption is.
pub(crate) fn check(ops: &[(usize, Op)], metering: Metering) -> Result<(), VerifyError> {
    let err = |at: usize, field: &'static str, value: u64| VerifyError { at, field, value };
    let is_fuel = |at: usize| {
        ops.binary_search_by_key(&at, |(a, _)| *a)
            .is_ok_and(|i| matches!(ops[i].1, Op::Fuel { .. }))
    };
    if metering.any() && !is_fuel(0) {
        return Err(err(0, "fuel check at entry", 0));
    }
    for &(at, op) in ops {
        if let Op::Fuel { cost } = op {
            let cost = cost as u32;
            let ok = match (metering.fuel, metering.interrupt) {
                (true, _) => cost >= 1,
                (false, true) => cost == 0,
                (false, false) => false,
            };
            if !ok {
                return Err(err(at, "fuel cost", cost as u64));
            }
        }
        if metering.any() {
            let mut op = op;
            if let Some(&mut t) = op.branch_target_mut() {
                if (t as usize) <= at && !is_fuel(t as usize) {
                    return Err(err(at, "fuel check at loop header", t as u64));
                }
            }
        }
    }
    Ok(())
}
