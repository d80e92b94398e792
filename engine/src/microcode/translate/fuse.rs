//! Op fusion: constant right operands become immediates, and a comparison whose only use is
//! a conditional branch becomes a compare-and-branch op.

use crate::microcode::{Op, Slot};

/// The immediate form of a binary op whose right operand is the constant `c`, if there is one.
pub(super) fn with_imm(op: Op, c: u64) -> Option<Op> {
    macro_rules! imm {
        ($($reg:ident => $imm:ident, $ty:ty;)*) => {
            match op {
                $( Op::$reg { dst, lhs, .. } => Some(Op::$imm { dst, lhs, imm: c as $ty }), )*
                _ => None,
            }
        };
    }
    // i32 constants are zero-extended in their cell; `as u32 as i32` recovers them.
    let c32 = c as u32 as i32;
    let op32 = |op: Op| -> Option<Op> {
        macro_rules! imm32 {
            ($($reg:ident => $imm:ident;)*) => {
                match op {
                    $( Op::$reg { dst, lhs, .. } => Some(Op::$imm { dst, lhs, imm: c32 }), )*
                    _ => None,
                }
            };
        }
        imm32! {
            I32Add => I32AddImm; I32Sub => I32SubImm; I32Mul => I32MulImm; I32And => I32AndImm;
            I32Or => I32OrImm; I32Xor => I32XorImm; I32Shl => I32ShlImm; I32ShrS => I32ShrSImm;
            I32ShrU => I32ShrUImm; I32Eq => I32EqImm; I32Ne => I32NeImm; I32LtS => I32LtSImm;
            I32LtU => I32LtUImm; I32GtS => I32GtSImm; I32GtU => I32GtUImm; I32LeS => I32LeSImm;
            I32LeU => I32LeUImm; I32GeS => I32GeSImm; I32GeU => I32GeUImm;
        }
    };
    op32(op).or_else(|| {
        imm! {
            I64Add => I64AddImm, i64; I64Sub => I64SubImm, i64; I64Mul => I64MulImm, i64;
            I64And => I64AndImm, i64; I64Or => I64OrImm, i64; I64Xor => I64XorImm, i64;
            I64Shl => I64ShlImm, i64; I64ShrS => I64ShrSImm, i64; I64ShrU => I64ShrUImm, i64;
            I64Eq => I64EqImm, i64; I64Ne => I64NeImm, i64; I64LtS => I64LtSImm, i64;
            I64LtU => I64LtUImm, i64; I64GtS => I64GtSImm, i64; I64GtU => I64GtUImm, i64;
            I64LeS => I64LeSImm, i64; I64LeU => I64LeUImm, i64; I64GeS => I64GeSImm, i64;
            I64GeU => I64GeUImm, i64;
        }
    })
}

/// A branch to `target` taken when `cmp` (an op computing an i32 condition) yields
/// `jump_if`, replacing the comparison, if it has a fused form.
pub(super) fn branch_on(cmp: Op, jump_if: bool, target: u32) -> Option<Op> {
    macro_rules! fuse {
        ($($reg:ident / $imm:ident => $br:ident, $brimm:ident | $nbr:ident, $nbrimm:ident;)*) => {
            match cmp {
                $(
                    Op::$reg { lhs, rhs, .. } => Some(if jump_if {
                        Op::$br { lhs, rhs, target }
                    } else {
                        Op::$nbr { lhs, rhs, target }
                    }),
                    Op::$imm { lhs, imm, .. } => Some(if jump_if {
                        Op::$brimm { lhs, imm, target }
                    } else {
                        Op::$nbrimm { lhs, imm, target }
                    }),
                )*
                Op::I32Eqz { src, .. } => Some(if jump_if {
                    Op::BrIfEqz { cond: src, target }
                } else {
                    Op::BrIfNez { cond: src, target }
                }),
                _ => None,
            }
        };
    }
    fuse! {
        I32Eq / I32EqImm => BrIfI32Eq, BrIfI32EqImm | BrIfI32Ne, BrIfI32NeImm;
        I32Ne / I32NeImm => BrIfI32Ne, BrIfI32NeImm | BrIfI32Eq, BrIfI32EqImm;
        I32LtS / I32LtSImm => BrIfI32LtS, BrIfI32LtSImm | BrIfI32GeS, BrIfI32GeSImm;
        I32LtU / I32LtUImm => BrIfI32LtU, BrIfI32LtUImm | BrIfI32GeU, BrIfI32GeUImm;
        I32GtS / I32GtSImm => BrIfI32GtS, BrIfI32GtSImm | BrIfI32LeS, BrIfI32LeSImm;
        I32GtU / I32GtUImm => BrIfI32GtU, BrIfI32GtUImm | BrIfI32LeU, BrIfI32LeUImm;
        I32LeS / I32LeSImm => BrIfI32LeS, BrIfI32LeSImm | BrIfI32GtS, BrIfI32GtSImm;
        I32LeU / I32LeUImm => BrIfI32LeU, BrIfI32LeUImm | BrIfI32GtU, BrIfI32GtUImm;
        I32GeS / I32GeSImm => BrIfI32GeS, BrIfI32GeSImm | BrIfI32LtS, BrIfI32LtSImm;
        I32GeU / I32GeUImm => BrIfI32GeU, BrIfI32GeUImm | BrIfI32LtU, BrIfI32LtUImm;
    }
}

/// The slot an op writes its i32 condition to, for matching against a branch's condition.
pub(super) fn cond_slot(op: &Op) -> Option<Slot> {
    let mut op = *op;
    op.result_slot_mut().map(|s| *s)
}
