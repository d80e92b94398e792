//! The wide-arithmetic proposal's operators (`Config::wasm_wide_arithmetic`): each yields two
//! i64 results, low half first, which the op writes to two consecutive temporaries.

use super::Translator;
use crate::microcode::{Op, Slot};

impl Translator<'_> {
    /// `i64.add128` / `i64.sub128`: `[a_lo a_hi b_lo b_hi] -> [lo hi]`.
    pub(super) fn wide_128(&mut self, make: fn(Slot, Slot, Slot, Slot, Slot) -> Op) {
        let b_hi = self.pop();
        let b_lo = self.pop();
        let a_hi = self.pop();
        let a_lo = self.pop();
        let (a_lo, a_hi) = (self.entry_slot(a_lo), self.entry_slot(a_hi));
        let (b_lo, b_hi) = (self.entry_slot(b_lo), self.entry_slot(b_hi));
        // The results take the canonical slots of `a_lo` and `a_hi`; the op reads every
        // operand before it writes.
        let dst = self.push_temp();
        self.push_temp();
        self.emit(make(dst, a_lo, a_hi, b_lo, b_hi));
    }

    /// `i64.mul_wide_s` / `i64.mul_wide_u`: `[lhs rhs] -> [lo hi]`.
    pub(super) fn wide_mul(&mut self, make: fn(Slot, Slot, Slot) -> Op) {
        let b = self.pop();
        let a = self.pop();
        let (lhs, rhs) = (self.entry_slot(a), self.entry_slot(b));
        let dst = self.push_temp();
        self.push_temp();
        self.emit(make(dst, lhs, rhs));
    }
}
