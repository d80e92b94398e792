//! Op fusion: constant right operands become immediates, a comparison whose only use is a
//! conditional branch becomes a compare-and-branch op, and an `i32.add` whose only use is a
//! load's or store's address folds into it.

use alloc::vec::Vec;

use crate::microcode::{Op, Slot};

/// The immediate form of a binary op whose right operand is the constant `c`, if there is one.
pub(super) fn with_imm(op: Op, c: u64) -> Option<Op> {
    // An i32 constant is zero-extended in its cell; `as u32 as i32` recovers it.
    let (i, l) = (c as u32 as i32, c as i64);
    // A subtraction of a constant is the addition of its negation (both wrap), so it gets
    // everything an add-immediate gets downstream: folding into a load's or store's
    // address (`x - 48` feeding an `f64.load`, nbody's field accesses) and the fused
    // add-and-branch back-edges.
    let (ni, nl) = (i.wrapping_neg(), l.wrapping_neg());
    macro_rules! imm {
        ($($reg:ident => $imm:ident, $v:expr;)*) => {
            match op {
                $( Op::$reg { dst, lhs, .. } => Some(Op::$imm { dst, lhs, imm: $v }), )*
                _ => None,
            }
        };
    }
    imm! {
        I32Add => I32AddImm, i; I32Sub => I32AddImm, ni; I32Mul => I32MulImm, i;
        I32And => I32AndImm, i; I32Or => I32OrImm, i; I32Xor => I32XorImm, i;
        I32Shl => I32ShlImm, i; I32ShrS => I32ShrSImm, i; I32ShrU => I32ShrUImm, i;
        I32Eq => I32EqImm, i; I32Ne => I32NeImm, i; I32LtS => I32LtSImm, i;
        I32LtU => I32LtUImm, i; I32GtS => I32GtSImm, i; I32GtU => I32GtUImm, i;
        I32LeS => I32LeSImm, i; I32LeU => I32LeUImm, i; I32GeS => I32GeSImm, i;
        I32GeU => I32GeUImm, i; I32Rotl => I32RotlImm, i; I32Rotr => I32RotrImm, i;
        I64Rotl => I64RotlImm, (l & 63) as i32; I64Rotr => I64RotrImm, (l & 63) as i32;
        I64Add => I64AddImm, l; I64Sub => I64AddImm, nl; I64Mul => I64MulImm, l;
        I64And => I64AndImm, l; I64Or => I64OrImm, l; I64Xor => I64XorImm, l;
        I64Shl => I64ShlImm, l; I64ShrS => I64ShrSImm, l; I64ShrU => I64ShrUImm, l;
        I64Eq => I64EqImm, l; I64Ne => I64NeImm, l; I64LtS => I64LtSImm, l;
        I64LtU => I64LtUImm, l; I64GtS => I64GtSImm, l; I64GtU => I64GtUImm, l;
        I64LeS => I64LeSImm, l; I64LeU => I64LeUImm, l; I64GeS => I64GeSImm, l;
        I64GeU => I64GeUImm, l;
    }
}

impl super::Translator<'_> {
    /// [`with_imm`], unless its immediate form needs the wide encoding (every operand two
    /// words: ~19 host instructions instead of ~10 for `I32AndImm 0xffff`) while the
    /// constant has a hoisted frame slot (`const_slots`): then the register form, narrow,
    /// reads it from there.
    pub(super) fn imm_form(&self, op: Op, c: u64) -> Option<Op> {
        // A `std` build (the host) returns `with_imm`'s answer where it was written, not
        // moved out of the `Option` and back in (`?`): its fields were just stored one by
        // one, and a move reads them back as 16-byte blocks, which the CPU cannot forward
        // from the stores. The firmware keeps the `?` form, 354 bytes smaller there.
        #[cfg(feature = "std")]
        {
            let imm = with_imm(op, c);
            if let Some(i) = &imm {
                if i.needs_wide() && self.hoisted(c).is_some() {
                    return None;
                }
            }
            imm
        }
        #[cfg(not(feature = "std"))]
        {
            let imm = with_imm(op, c)?;
            if imm.needs_wide() && self.hoisted(c).is_some() {
                return None;
            }
            Some(imm)
        }
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

/// The load or store `op` (built with address slot `addr`) with its address computed as
/// `base + imm` (`index: None`) or `base + index`, wrapping at 32 bits, if it has such a form
/// (the scalar loads and stores; the address is then an i32, so the memory is 32-bit).
pub(super) fn with_address(op: Op, base: Slot, imm: i32, index: Option<Slot>) -> Option<Op> {
    macro_rules! addr {
        (
            loads { $($l:ident => $li:ident, $lr:ident;)* }
            stores { $($s:ident => $si:ident, $sr:ident;)* }
        ) => {
            match op {
                $(
                    Op::$l { dst, mem, offset, .. } => Some(match index {
                        None => Op::$li { dst, base, imm, mem, offset },
                        Some(index) => Op::$lr { dst, base, index, mem, offset },
                    }),
                )*
                $(
                    Op::$s { src, mem, offset, .. } => Some(match index {
                        None => Op::$si { base, imm, src, mem, offset },
                        Some(index) => Op::$sr { base, index, src, mem, offset },
                    }),
                )*
                _ => None,
            }
        };
    }
    addr! {
        loads {
            I32Load => I32LoadAddImm, I32LoadAdd;
            I64Load => I64LoadAddImm, I64LoadAdd;
            I32Load8S => I32Load8SAddImm, I32Load8SAdd;
            I32Load8U => I32Load8UAddImm, I32Load8UAdd;
            I32Load16S => I32Load16SAddImm, I32Load16SAdd;
            I32Load16U => I32Load16UAddImm, I32Load16UAdd;
            I64Load8S => I64Load8SAddImm, I64Load8SAdd;
            I64Load8U => I64Load8UAddImm, I64Load8UAdd;
            I64Load16S => I64Load16SAddImm, I64Load16SAdd;
            I64Load16U => I64Load16UAddImm, I64Load16UAdd;
            I64Load32S => I64Load32SAddImm, I64Load32SAdd;
            I64Load32U => I64Load32UAddImm, I64Load32UAdd;
        }
        stores {
            I32Store => I32StoreAddImm, I32StoreAdd;
            I64Store => I64StoreAddImm, I64StoreAdd;
            I32Store8 => I32Store8AddImm, I32Store8Add;
            I32Store16 => I32Store16AddImm, I32Store16Add;
            I64Store8 => I64Store8AddImm, I64Store8Add;
            I64Store16 => I64Store16AddImm, I64Store16Add;
            I64Store32 => I64Store32AddImm, I64Store32Add;
        }
    }
}

/// An `i32.add` (`add`: `I32Add`, `I32AddImm` or `I32SubImm`) followed by a conditional
/// branch on its result (`br`), as one op: a loop's counter step and back-edge. Only the
/// forms loops use: `!=` (either operand the sum), `<` unsigned or signed (the sum on the
/// left), against a slot or, after a constant step, against a constant or zero.
///
/// A back-edge whose loop header's check is folded in (`translate/fuel.rs`, which runs
/// first) fuses the same way, into the fused op's back-edge form (`BrIfI32Add*Fuel`).
///
/// Most pairs do not start with an addition: they are answered here, inlined into the
/// encoding pass, before anything looks at `br`.
#[inline(always)]
pub(super) fn add_and_branch(add: &Op, br: &Op) -> Option<Op> {
    if !matches!(
        add,
        Op::I32Add { .. } | Op::I32AddImm { .. } | Op::I32SubImm { .. }
    ) {
        return None;
    }
    add_then_branch(*add, *br)
}

/// [`add_and_branch`] once `add` is an addition.
#[inline(never)]
fn add_then_branch(add: Op, br: Op) -> Option<Op> {
    if let Some(op) = add_and_plain_branch(add, br) {
        return Some(op);
    }
    if !super::fuel::is_folded(&br) {
        return None;
    }
    add_and_plain_branch(add, super::fuel::unfolded(br)?).and_then(super::fuel::folded)
}

/// [`add_and_branch`] with a branch that is not a back-edge form.
fn add_and_plain_branch(add: Op, br: Op) -> Option<Op> {
    enum Step {
        Reg(Slot, Slot),
        Imm(Slot, i32),
    }
    let (dst, step) = match add {
        Op::I32Add { dst, lhs, rhs } => (dst, Step::Reg(lhs, rhs)),
        Op::I32AddImm { dst, lhs, imm } => (dst, Step::Imm(lhs, imm)),
        Op::I32SubImm { dst, lhs, imm } => (dst, Step::Imm(lhs, imm.wrapping_neg())),
        _ => return None,
    };
    // The compared slot (`cmp`), when the sum is the branch's left operand (or either, for
    // the symmetric `!=`).
    let (kind, cmp, target) = match br {
        Op::BrIfI32Ne { lhs, rhs, target } if lhs == dst => (0, rhs, target),
        Op::BrIfI32Ne { lhs, rhs, target } if rhs == dst => (0, lhs, target),
        Op::BrIfI32LtU { lhs, rhs, target } if lhs == dst => (1, rhs, target),
        Op::BrIfI32LtS { lhs, rhs, target } if lhs == dst => (2, rhs, target),
        _ => {
            let Step::Imm(lhs, imm) = step else {
                return None;
            };
            return match br {
                Op::BrIfI32NeImm {
                    lhs: l,
                    imm: limit,
                    target,
                } if l == dst => Some(Op::BrIfI32AddImmNeImm {
                    dst,
                    lhs,
                    imm,
                    limit,
                    target,
                }),
                Op::BrIfI32LtUImm {
                    lhs: l,
                    imm: limit,
                    target,
                } if l == dst => Some(Op::BrIfI32AddImmLtUImm {
                    dst,
                    lhs,
                    imm,
                    limit,
                    target,
                }),
                Op::BrIfNez { cond, target } if cond == dst => Some(Op::BrIfI32AddImmNez {
                    dst,
                    lhs,
                    imm,
                    target,
                }),
                _ => None,
            };
        }
    };
    Some(match (step, kind) {
        (Step::Reg(lhs, rhs), 0) => Op::BrIfI32AddNe {
            dst,
            lhs,
            rhs,
            cmp,
            target,
        },
        (Step::Reg(lhs, rhs), 1) => Op::BrIfI32AddLtU {
            dst,
            lhs,
            rhs,
            cmp,
            target,
        },
        (Step::Reg(lhs, rhs), _) => Op::BrIfI32AddLtS {
            dst,
            lhs,
            rhs,
            cmp,
            target,
        },
        (Step::Imm(lhs, imm), 0) => Op::BrIfI32AddImmNe {
            dst,
            lhs,
            imm,
            cmp,
            target,
        },
        (Step::Imm(lhs, imm), 1) => Op::BrIfI32AddImmLtU {
            dst,
            lhs,
            imm,
            cmp,
            target,
        },
        (Step::Imm(lhs, imm), _) => Op::BrIfI32AddImmLtS {
            dst,
            lhs,
            imm,
            cmp,
            target,
        },
    })
}

/// `ops` (branch targets as op indices) with every add-and-branch pair whose branch is not
/// itself a branch target fused ([`add_and_branch`]), targets renumbered. Fusion only ever
/// shrinks the stream, so it compacts `ops` in place: a second op buffer would double the
/// translator's peak heap for the largest function (the firmware's 64 KiB profile felt it).
/// `offsets` (one per op, when recorded) are compacted alike; a fused op keeps its add's.
///
/// Then chains the common pairs that remain ([`chain_pairs`]).
pub(super) fn fuse_add_branches(ops: Vec<Op>, offsets: Option<&mut Vec<u32>>) -> Vec<Op> {
    let mut ops = fuse_add_branch_pairs(ops, offsets);
    chain_pairs(&mut ops);
    ops
}

/// Mark every pair of ops that has a chained op (`isa::chains!`): the first becomes the
/// chained op, which runs the second with it in one dispatch. Left to right, each op in at
/// most one pair. The second must end up narrow: its operands fit narrow, and, for a branch,
/// its target is close enough that the distance fits one word whatever the width of the ops
/// in between (`MAX_OP_WORDS` each). Ops and their count stay as they are, so branch
/// targets, recorded offsets and the second op's own entry (a branch may land on it) are
/// unchanged.
fn chain_pairs(ops: &mut [Op]) {
    let mut i = 0;
    while i + 1 < ops.len() {
        if let Some(chained) = crate::microcode::isa::chain(ops[i], &ops[i + 1]) {
            let mut second = ops[i + 1];
            let near = match second.branch_target_mut() {
                Some(t) => {
                    let span = (*t as usize).abs_diff(i + 2);
                    *t = 0;
                    span * crate::microcode::isa::MAX_OP_WORDS <= i16::MAX as usize
                }
                None => true,
            };
            if near && !second.needs_wide() {
                ops[i] = chained;
                i += 2;
                continue;
            }
        }
        i += 1;
    }
}

/// The add-and-branch fusion of [`fuse_add_branches`].
fn fuse_add_branch_pairs(mut ops: Vec<Op>, mut offsets: Option<&mut Vec<u32>>) -> Vec<Op> {
    let n = ops.len();
    let mut is_target = alloc::vec![false; n + 1];
    for op in &ops {
        let mut op = *op;
        if let Some(&mut t) = op.branch_target_mut() {
            if let Some(b) = is_target.get_mut(t as usize) {
                *b = true;
            }
        }
    }
    let fusable = |i: usize| !is_target[i + 1] && add_and_branch(&ops[i], &ops[i + 1]).is_some();
    if !(0..n.saturating_sub(1)).any(fusable) {
        return ops;
    }
    let mut map = alloc::vec![0u32; n + 1];
    // `w <= i` throughout: an op is read before its slot, or an earlier one, is written.
    let mut w = 0;
    let mut i = 0;
    while i < n {
        map[i] = w as u32;
        if i + 1 < n && !is_target[i + 1] {
            if let Some(fused) = add_and_branch(&ops[i], &ops[i + 1]) {
                map[i + 1] = w as u32;
                ops[w] = fused;
                if let Some(o) = offsets.as_deref_mut() {
                    o[w] = o[i];
                }
                w += 1;
                i += 2;
                continue;
            }
        }
        ops[w] = ops[i];
        if let Some(o) = offsets.as_deref_mut() {
            o[w] = o[i];
        }
        w += 1;
        i += 1;
    }
    map[n] = w as u32;
    ops.truncate(w);
    if let Some(o) = offsets {
        o.truncate(w);
    }
    for op in &mut ops {
        if let Some(t) = op.branch_target_mut() {
            // A target that names no op still names none (the verifier rejects it).
            *t = map.get(*t as usize).copied().unwrap_or(u32::MAX);
        }
    }
    ops
}
