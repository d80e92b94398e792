//! Op fusion: constant right operands become immediates, and a comparison whose only use is
//! a conditional branch becomes a compare-and-branch op.

use crate::microcode::{Op, Slot};

/// The immediate form of a binary op whose right operand is the constant `c`, if there is one.
pub(super) fn with_imm(op: Op, c: u64) -> Option<Op> {
    // An i32 constant is zero-extended in its cell; `as u32 as i32` recovers it.
    let (i, l) = (c as u32 as i32, c as i64);
    macro_rules! imm {
        ($($reg:ident => $imm:ident, $v:ident;)*) => {
            match op {
                $( Op::$reg { dst, lhs, .. } => Some(Op::$imm { dst, lhs, imm: $v }), )*
                _ => None,
            }
        };
    }
    imm! {
        I32Add => I32AddImm, i; I32Sub => I32SubImm, i; I32Mul => I32MulImm, i;
        I32And => I32AndImm, i; I32Or => I32OrImm, i; I32Xor => I32XorImm, i;
        I32Shl => I32ShlImm, i; I32ShrS => I32ShrSImm, i; I32ShrU => I32ShrUImm, i;
        I32Eq => I32EqImm, i; I32Ne => I32NeImm, i; I32LtS => I32LtSImm, i;
        I32LtU => I32LtUImm, i; I32GtS => I32GtSImm, i; I32GtU => I32GtUImm, i;
        I32LeS => I32LeSImm, i; I32LeU => I32LeUImm, i; I32GeS => I32GeSImm, i;
        I32GeU => I32GeUImm, i;
        I64Add => I64AddImm, l; I64Sub => I64SubImm, l; I64Mul => I64MulImm, l;
        I64And => I64AndImm, l; I64Or => I64OrImm, l; I64Xor => I64XorImm, l;
        I64Shl => I64ShlImm, l; I64ShrS => I64ShrSImm, l; I64ShrU => I64ShrUImm, l;
        I64Eq => I64EqImm, l; I64Ne => I64NeImm, l; I64LtS => I64LtSImm, l;
        I64LtU => I64LtUImm, l; I64GtS => I64GtSImm, l; I64GtU => I64GtUImm, l;
        I64LeS => I64LeSImm, l; I64LeU => I64LeUImm, l; I64GeS => I64GeSImm, l;
        I64GeU => I64GeUImm, l;
    }
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
                // Float comparisons fuse only for "jump if true": with NaNs, the negation of
                // `a < b` is not `a >= b`.
                Op::F32Lt { lhs, rhs, .. } if jump_if => Some(Op::BrIfF32Lt { lhs, rhs, target }),
                Op::F32Gt { lhs, rhs, .. } if jump_if => Some(Op::BrIfF32Gt { lhs, rhs, target }),
                Op::F32Le { lhs, rhs, .. } if jump_if => Some(Op::BrIfF32Le { lhs, rhs, target }),
                Op::F32Ge { lhs, rhs, .. } if jump_if => Some(Op::BrIfF32Ge { lhs, rhs, target }),
                Op::F64Lt { lhs, rhs, .. } if jump_if => Some(Op::BrIfF64Lt { lhs, rhs, target }),
                Op::F64Gt { lhs, rhs, .. } if jump_if => Some(Op::BrIfF64Gt { lhs, rhs, target }),
                Op::F64Le { lhs, rhs, .. } if jump_if => Some(Op::BrIfF64Le { lhs, rhs, target }),
                Op::F64Ge { lhs, rhs, .. } if jump_if => Some(Op::BrIfF64Ge { lhs, rhs, target }),
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
