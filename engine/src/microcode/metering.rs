//! Which checks translated code carries: fuel (`Config::consume_fuel`) and interruption
//! (`Config::interruptible`). Both are `Fuel` ops the translator places at block entries
//! (`translate/fuel.rs`); the verifier checks that a function's checks match the engine it is
//! loaded into (`check`), so code translated without checks never runs in an engine that
//! meters, and the other way round. ARCHITECTURE.md, "Fuel, interruption and suspension".

use super::{Op, VerifyError};

pub use crate::config::Metering;

/// The check of one op of code for an engine that does not meter: it must not be a check
/// (`Fuel`, `Poll`, `FuelSkip`) or a back-edge form with one folded in.
pub(crate) fn unmetered(at: usize, op: &Op) -> Result<(), VerifyError> {
    let err = |field: &'static str, value: u64| VerifyError { at, field, value };
    match *op {
        Op::Fuel { cost } | Op::Poll { cost } | Op::FuelSkip { cost } => {
            Err(err("fuel cost", cost as u32 as u64))
        }
        _ if is_folded(op) => Err(err("folded fuel check", 0)),
        _ => Ok(()),
    }
}

/// Check the `Fuel` ops of `code` (its ops with their word offsets, in order) against the
/// engine's `metering`: none without metering; otherwise the first op and every target of a
/// plain backward branch (every loop header) is a check: a `Fuel` op with a cost of at least
/// 1 when fuel is on, a `Poll` op of cost 1 when only interruption is (and no check of the
/// other kind); a back-edge form with the check folded in (`BrFuel`, `BrIf*Fuel`,
/// `BrIfI32Add*Fuel`) appears only then, and its target is the op right after a narrow check
/// op whose cost fits its one word; a `FuelSkip` (fuel only) is followed by such a check op.
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
    // Op `i`'s cost if it is a narrow check op of this engine (two words: the next op starts
    // right after) whose cost fits its word.
    let narrow_check = |i: usize| {
        let (at, op) = ops.get(i)?;
        let next = ops.get(i + 1)?.0;
        check_cost(op).filter(|&c| next == at + 2 && foldable_cost(c))
    };
    if !metering.any() {
        // No check of any kind (the common case, kept to one cheap pass).
        return ops.iter().try_for_each(|&(at, op)| unmetered(at, &op));
    }
    if !is_check(0) {
        return Err(err(0, "fuel check at entry", 0));
    }
    for (i, &(at, op)) in ops.iter().enumerate() {
        if let Op::Fuel { cost } | Op::Poll { cost } | Op::FuelSkip { cost } = op {
            let cost = cost as u32;
            let ok = match (op, check_cost(&op)) {
                (Op::FuelSkip { .. }, _) => metering.fuel && cost >= 1,
                (_, Some(_)) if metering.fuel => cost >= 1,
                (_, Some(_)) => cost == 1,
                (_, None) => false,
            };
            if !ok {
                return Err(err(at, "fuel cost", cost as u64));
            }
        }
        if let Op::FuelSkip { .. } = op {
            // The handler skips two words: a narrow check op follows.
            if narrow_check(i + 1).is_none() {
                return Err(err(at, "fuel check skipped", 0));
            }
        }
        let folded = is_folded(&op);
        // A handler-table op's target is where an exception lands, never a branch.
        let table = matches!(
            op,
            Op::ExnFrom { .. } | Op::ExnTo { .. } | Op::Catch { .. } | Op::CatchRef { .. }
        );
        let mut op = op;
        if let Some(&mut t) = op.branch_target_mut().filter(|_| !table) {
            let t = t as usize;
            if folded {
                // The handler reads the cost word before the target unchecked: the target
                // is the op right after a narrow check op whose cost fits that word.
                let h = ops.binary_search_by_key(&t, |(a, _)| *a).ok();
                let ok = h.and_then(|h| h.checked_sub(1)).and_then(narrow_check);
                if !metering.any() || ok.is_none() {
                    return Err(err(at, "folded fuel check", t as u64));
                }
            } else if metering.any() && t <= at && !is_check(t) {
                return Err(err(at, "fuel check at loop header", t as u64));
            }
        }
    }
    Ok(())
}

/// Whether a check of this cost can be folded into the branches to it: its op is narrow
/// (one word of cost), which the folded branch reads (`exec/handlers/fuel.rs`).
pub(crate) fn foldable_cost(cost: i32) -> bool {
    (1..=i16::MAX as i32).contains(&cost)
}

/// Every branch that has a back-edge form, and that form (same operands), for [`folded`]
/// and [`unfolded`].
macro_rules! back_edges {
    ($m:ident!($($a:tt)*)) => {
        $m!($($a)*;
            Br => BrFuel { target },
            BrIfNez => BrIfNezFuel { cond, target },
            BrIfEqz => BrIfEqzFuel { cond, target },
            BrIfI32Eq => BrIfI32EqFuel { lhs, rhs, target },
            BrIfI32Ne => BrIfI32NeFuel { lhs, rhs, target },
            BrIfI32LtS => BrIfI32LtSFuel { lhs, rhs, target },
            BrIfI32LtU => BrIfI32LtUFuel { lhs, rhs, target },
            BrIfI32GtS => BrIfI32GtSFuel { lhs, rhs, target },
            BrIfI32GtU => BrIfI32GtUFuel { lhs, rhs, target },
            BrIfI32LeS => BrIfI32LeSFuel { lhs, rhs, target },
            BrIfI32LeU => BrIfI32LeUFuel { lhs, rhs, target },
            BrIfI32GeS => BrIfI32GeSFuel { lhs, rhs, target },
            BrIfI32GeU => BrIfI32GeUFuel { lhs, rhs, target },
            BrIfF32Lt => BrIfF32LtFuel { lhs, rhs, target },
            BrIfF32Gt => BrIfF32GtFuel { lhs, rhs, target },
            BrIfF32Le => BrIfF32LeFuel { lhs, rhs, target },
            BrIfF32Ge => BrIfF32GeFuel { lhs, rhs, target },
            BrIfF64Lt => BrIfF64LtFuel { lhs, rhs, target },
            BrIfF64Gt => BrIfF64GtFuel { lhs, rhs, target },
            BrIfF64Le => BrIfF64LeFuel { lhs, rhs, target },
            BrIfF64Ge => BrIfF64GeFuel { lhs, rhs, target },
            BrIfI32EqImm => BrIfI32EqImmFuel { lhs, imm, target },
            BrIfI32NeImm => BrIfI32NeImmFuel { lhs, imm, target },
            BrIfI32LtSImm => BrIfI32LtSImmFuel { lhs, imm, target },
            BrIfI32LtUImm => BrIfI32LtUImmFuel { lhs, imm, target },
            BrIfI32GtSImm => BrIfI32GtSImmFuel { lhs, imm, target },
            BrIfI32GtUImm => BrIfI32GtUImmFuel { lhs, imm, target },
            BrIfI32LeSImm => BrIfI32LeSImmFuel { lhs, imm, target },
            BrIfI32LeUImm => BrIfI32LeUImmFuel { lhs, imm, target },
            BrIfI32GeSImm => BrIfI32GeSImmFuel { lhs, imm, target },
            BrIfI32GeUImm => BrIfI32GeUImmFuel { lhs, imm, target },
            BrIfI32AddNe => BrIfI32AddNeFuel { dst, lhs, rhs, cmp, target },
            BrIfI32AddLtU => BrIfI32AddLtUFuel { dst, lhs, rhs, cmp, target },
            BrIfI32AddLtS => BrIfI32AddLtSFuel { dst, lhs, rhs, cmp, target },
            BrIfI32AddImmNe => BrIfI32AddImmNeFuel { dst, lhs, imm, cmp, target },
            BrIfI32AddImmLtU => BrIfI32AddImmLtUFuel { dst, lhs, imm, cmp, target },
            BrIfI32AddImmLtS => BrIfI32AddImmLtSFuel { dst, lhs, imm, cmp, target },
            BrIfI32AddImmNeImm => BrIfI32AddImmNeImmFuel { dst, lhs, imm, limit, target },
            BrIfI32AddImmLtUImm => BrIfI32AddImmLtUImmFuel { dst, lhs, imm, limit, target },
            BrIfI32AddImmNez => BrIfI32AddImmNezFuel { dst, lhs, imm, target },
        )
    };
}

/// The back-edge form of a branch, with its target's check folded in (same operands).
pub(crate) fn folded(op: Op) -> Option<Op> {
    macro_rules! fold {
        ($op:expr; $($plain:ident => $fuel:ident { $($f:ident),* }),* $(,)?) => {
            match $op {
                $( Op::$plain { $($f),* } => Some(Op::$fuel { $($f),* }), )*
                _ => None,
            }
        };
    }
    back_edges!(fold!(op))
}

/// The plain branch of a back-edge form (the inverse of [`folded`]).
pub(crate) fn unfolded(op: Op) -> Option<Op> {
    macro_rules! unfold {
        ($op:expr; $($plain:ident => $fuel:ident { $($f:ident),* }),* $(,)?) => {
            match $op {
                $( Op::$fuel { $($f),* } => Some(Op::$plain { $($f),* }), )*
                _ => None,
            }
        };
    }
    back_edges!(unfold!(op))
}

/// Whether `code` is a check (`Fuel`, `Poll`, `FuelSkip`) or a back-edge form (see
/// [`folded`]): the opcodes [`unmetered`] rejects.
pub(crate) fn is_metering_code(code: super::OpCode) -> bool {
    use super::OpCode;
    macro_rules! any {
        ($op:expr; $($plain:ident => $fuel:ident { $($f:ident),* }),* $(,)?) => {
            matches!($op, OpCode::Fuel | OpCode::Poll | OpCode::FuelSkip $( | OpCode::$fuel )*)
        };
    }
    back_edges!(any!(code))
}

/// Whether `op` is a back-edge form (see [`folded`]).
pub(crate) fn is_folded(op: &Op) -> bool {
    macro_rules! any {
        ($op:expr; $($plain:ident => $fuel:ident { $($f:ident),* }),* $(,)?) => {
            matches!($op, $( Op::$fuel { .. } )|*)
        };
    }
    back_edges!(any!(op))
}
