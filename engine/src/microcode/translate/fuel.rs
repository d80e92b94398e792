//! Placing the fuel and interruption checks (`Op::Fuel`) while translating, when the module's
//! engine meters (see `microcode/metering.rs`; with metering off nothing here emits an op,
//! so the code is exactly what it is without this file).
//!
//! Checks sit at the *entry* of blocks: the function entry (op 0), every loop header (the
//! target of the loop's back-edges) and, with fuel, the start of every `if` and `else` arm.
//! Every wasm operator of reachable code costs 1 fuel, charged at the check of the innermost
//! enclosing loop, arm or function (a `block` is charged with its parent: it is entered
//! only by falling in), so a block's operators are paid before any of them runs, and the
//! code after a nested block is paid with the block that contains it. Control operators are
//! charged where they are read (`loop`, `if` to the enclosing block; `else` and `end` to the
//! arm they close). A check charges at least 1 (an empty loop still costs one per
//! iteration). With only interruption on the checks are `Poll` ops of cost 1 of the run's
//! unbounded fuel (the interrupt flag is polled when the run's fuel window runs out,
//! `exec/handlers/fuel.rs`).
//!
//! A branch back to a loop header (a back-edge: `br`, `br_if`, the fused compare-and-branch
//! and add-and-branch forms, not `br_table` entries) becomes its `*Fuel` form, which targets
//! the op after the header's check and runs that check itself (reading its cost word, just
//! before the target), so an iteration dispatches no separate check op. A check that falls
//! straight into a loop header's check becomes `FuelSkip`, charging both and skipping the
//! header's.

use alloc::vec::Vec;

use super::{CtrlKind, Translator};
use crate::error::ModuleError;
use crate::microcode::metering::Metering;
// The back-edge forms are facts about the ISA the verifier checks too (`metering.rs`);
// re-exported for the fusions (`fuse.rs`).
pub(crate) use crate::microcode::metering::{foldable_cost, folded, is_folded, unfolded};
use crate::microcode::Op;

/// What an operator does to the checks' placement (see [`FuelPoints::step`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Step {
    Loop,
    If,
    Else,
    /// Any other operator (`block` and `end` included: their checks follow from the
    /// control depth).
    Other,
}

/// The checks of one function being translated.
pub(super) struct FuelPoints {
    mode: Metering,
    /// Op index of every `Fuel` op, and the operators charged to it.
    points: Vec<(usize, u32)>,
    /// For every open control frame, the point its operators are charged to.
    frames: Vec<usize>,
}

impl FuelPoints {
    /// Start a function: the entry check is op 0.
    pub(super) fn new(mode: Metering, t: &mut Translator<'_>) -> FuelPoints {
        let mut p = FuelPoints {
            mode,
            points: Vec::new(),
            frames: Vec::new(),
        };
        if mode.any() {
            let entry = p.emit(t);
            p.frames.push(entry);
        }
        p
    }

    fn emit(&mut self, t: &mut Translator<'_>) -> usize {
        let at = t.emit(Op::Fuel { cost: 0 });
        self.points.push((at, 0));
        self.points.len() - 1
    }

    /// Charge one operator of reachable code that opens or closes no block to the current
    /// check.
    #[inline(always)]
    pub(super) fn charge(&mut self) {
        let current = self.frames.last().copied().unwrap_or(0);
        if let Some(p) = self.points.get_mut(current) {
            p.1 = p.1.saturating_add(1);
        }
    }

    /// Translate one operator (`kind`) with `f`, charging it and placing the checks of the
    /// blocks it opens.
    pub(super) fn step<'m>(
        &mut self,
        t: &mut Translator<'m>,
        kind: Step,
        f: impl FnOnce(&mut Translator<'m>) -> Result<(), ModuleError>,
    ) -> Result<(), ModuleError> {
        if !self.mode.any() {
            return f(t);
        }
        let depth = t.ctrl.len();
        let live = t.ctrl.last().is_some_and(|c| !c.unreachable && !c.dead);
        let current = self.frames.last().copied().unwrap_or(0);
        if live {
            if let Some(p) = self.points.get_mut(current) {
                p.1 = p.1.saturating_add(1);
            }
        }
        let (is_loop, is_if, is_else) = (kind == Step::Loop, kind == Step::If, kind == Step::Else);
        f(t)?;
        let top_live = t.ctrl.last().is_some_and(|c| !c.dead);
        if t.ctrl.len() > depth {
            // `loop` and `if` were just pushed with nothing emitted after them: a check
            // emitted now is the loop's branch target, or the first op of the `then` arm.
            let point = if top_live && (is_loop || (is_if && self.mode.fuel)) {
                self.emit(t)
            } else {
                current
            };
            self.frames.push(point);
        } else if t.ctrl.len() < depth {
            self.frames.pop();
        } else if is_else && self.mode.fuel && top_live {
            // The `else` arm starts here (the `if`'s jump to it is patched to this op).
            debug_assert!(t.ctrl.last().is_some_and(|c| c.kind == CtrlKind::Else));
            let point = self.emit(t);
            if let Some(f) = self.frames.last_mut() {
                *f = point;
            }
        }
        Ok(())
    }

    /// Write the costs into the checks (`ops` indexed as during translation), and fold each
    /// loop header's check into the branches back to it.
    pub(super) fn finish(&self, ops: &mut [Op]) {
        for &(at, n) in &self.points {
            if let Some(op) = ops.get_mut(at) {
                *op = if self.mode.fuel {
                    Op::Fuel {
                        cost: n.max(1) as i32,
                    }
                } else {
                    Op::Poll { cost: 1 }
                };
            }
        }
        if !self.mode.any() {
            return;
        }
        let check_cost = |op: Option<&Op>| match op {
            Some(&Op::Fuel { cost } | &Op::Poll { cost }) => Some(cost),
            _ => None,
        };
        // Every op some branch targets (before folding moves back-edge targets).
        let mut targeted = alloc::vec![false; ops.len()];
        for op in ops.iter() {
            let mut op = *op;
            if let Some(&mut t) = op.branch_target_mut() {
                if let Some(x) = targeted.get_mut(t as usize) {
                    *x = true;
                }
            }
        }
        for at in 0..ops.len() {
            let mut op = ops[at];
            let Some(target) = op.branch_target_mut() else {
                continue;
            };
            let header = *target as usize;
            if header > at || !check_cost(ops.get(header)).is_some_and(foldable_cost) {
                continue;
            }
            if let Some(mut back) = folded(op) {
                // The folded branch lands just past the check (whose cost word it reads).
                if let Some(t) = back.branch_target_mut() {
                    *t += 1;
                }
                ops[at] = back;
            }
        }
        // A check that falls straight into a loop header's check (the loop is the first
        // thing in an `if` arm or another loop's body) charges both and skips the header's:
        // one op fewer on the way in. Not the entry check (the constant prologue goes
        // between it and what follows), not a check some branch lands on (a loop header
        // whose cost word folded back-edges read), and only with fuel (interrupt-only checks
        // are `Poll` ops of cost 1 each).
        // The check skipped stays a plain check (so of a run of checks, every other one
        // takes the next one's cost).
        if self.mode.fuel {
            let mut at = 1;
            while at + 1 < ops.len() {
                if let (Op::Fuel { cost: a }, Some(b)) = (ops[at], check_cost(ops.get(at + 1))) {
                    if let (false, true, Some(cost)) =
                        (targeted[at], foldable_cost(b), a.checked_add(b))
                    {
                        ops[at] = Op::FuelSkip { cost };
                        at += 2;
                        continue;
                    }
                }
                at += 1;
            }
        }
    }
}
