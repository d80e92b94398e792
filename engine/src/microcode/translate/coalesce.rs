//! Copy coalescing on the finished op list: an op whose result a `Copy` right after it moves
//! on (`f64.add; local.tee 1; local.set 5` is `F64Add s1 = ..; Copy s5 = s1`) writes the
//! copy's destination itself, and the copy goes, when the source's old slot is dead there:
//! written again further down the same straight-line run of ops before any branch, branch
//! target or op whose slot use is not plain. Reads of the source in between read the
//! destination instead (it holds the same value). Mandelbrot's inner loop loses its `Copy`
//! this way. Host (`std`) builds only: it cost the firmware 4.3 KB of flash.

use alloc::vec;
use alloc::vec::Vec;

use crate::microcode::isa::{desc_name, desc_type, for_simd_ops, opc, OperandType};
use crate::microcode::{is_branch, Op, Slot};

/// How many ops past a copy are looked at for its source's next write.
const WINDOW: usize = 32;

/// The slot `op` writes, if it writes one (and reads its inputs before writing it).
fn result(op: &Op) -> Option<Slot> {
    let mut op = *op;
    op.result_slot_mut().copied()
}

/// Whether opcode `code` moves or computes v128 values (two cells per slot operand).
fn two_cells(code: u16) -> bool {
    macro_rules! any_of {
        ($($name:ident)*) => { matches!(code, $(opc::$name)|*) };
    }
    for_simd_ops!(any_of)
        || matches!(
            code,
            opc::Copy2 | opc::Select2 | opc::GlobalGet2 | opc::GlobalSet2
        )
}

/// Calls `read` with each slot `op` reads (its scalar `Slot` operands other than its
/// result) and returns the slot it writes: `Ok(write)`. `Err(())` for an op that branches
/// (or may leave the straight line: `br_table`, a throw, a fuel check), reads or writes cells
/// other than through one-cell `Slot` operands (calls, returns, v128s, wide results), or
/// writes a slot [`Op::result_slot_mut`] does not name.
fn effects(op: &Op, mut read: impl FnMut(usize, Slot)) -> Result<Option<Slot>, ()> {
    let code = op.opcode();
    let word = code as u16;
    if two_cells(word)
        || matches!(
            word,
            opc::BrTable | opc::ThrowRef | opc::Fuel | opc::Poll | opc::FuelSkip
        )
    {
        return Err(());
    }
    let write = result(op);
    let raw = op.raw();
    for (i, (&d, &v)) in Op::layout(code).iter().zip(&raw).enumerate() {
        if d == 0 {
            break;
        }
        match desc_type(d) {
            // A result is always the first operand, `dst`.
            OperandType::Slot if i == 0 && write.is_some() => {}
            // A `dst` that is no result (`memory.fill`'s address reads, a wide result writes).
            OperandType::Slot if desc_name(d) == "dst" => return Err(()),
            OperandType::Slot => read(i, v as Slot),
            OperandType::Target
            | OperandType::EntryTarget
            | OperandType::Base
            | OperandType::Cells
            | OperandType::Args
            | OperandType::TableLen => return Err(()),
            _ => {}
        }
    }
    Ok(write)
}

/// `op` reading `to` wherever it read `from` (not its result).
fn rename_reads(op: &Op, from: Slot, to: Slot) -> Op {
    let code = op.opcode();
    let mut raw = op.raw();
    let _ = effects(op, |i, s| {
        if s == from {
            raw[i] = to as u64;
        }
    });
    Op::from_raw(code, &raw)
}

/// Coalesce the copies of `ops` described above, keeping `offsets` (one per op) parallel.
pub(super) fn coalesce_copies(ops: &mut Vec<Op>, offsets: Option<&mut Vec<u32>>) {
    let candidate = |w: &[Op]| matches!(w[1], Op::Copy { dst, src } if dst != src && result(&w[0]) == Some(src));
    if !ops.windows(2).any(candidate) {
        return;
    }
    let n = ops.len();
    let mut targeted = vec![false; n + 1];
    for op in ops.iter().filter(|op| is_branch(op)) {
        let mut op = *op;
        if let Some(t) = op.branch_target_mut() {
            if let Some(x) = targeted.get_mut(*t as usize) {
                *x = true;
            }
        }
    }
    let mut dead = vec![false; n];
    let mut renames: Vec<usize> = Vec::new();
    let mut removed = 0;
    for c in 1..n {
        let Op::Copy { dst: b, src: a } = ops[c] else {
            continue;
        };
        if a == b || targeted[c] || dead[c - 1] || result(&ops[c - 1]) != Some(a) {
            continue;
        }
        if effects(&ops[c - 1], |_, _| {}).is_err() {
            continue;
        }
        // Find the next write of `a` in the same straight line: `a`'s value from the copy on
        // is dead there. Reads of `a` until then are renamed; once `b` is written again no
        // read of `a` may follow.
        renames.clear();
        let (mut killed, mut b_written) = (false, false);
        for j in c + 1..n.min(c + 1 + WINDOW) {
            if targeted[j] {
                break;
            }
            let mut reads_a = false;
            let Ok(write) = effects(&ops[j], |_, s| reads_a |= s == a) else {
                break;
            };
            if reads_a {
                if b_written {
                    break;
                }
                renames.push(j);
            }
            if write == Some(a) {
                killed = true;
                break;
            }
            b_written |= write == Some(b);
        }
        if !killed {
            continue;
        }
        if let Some(slot) = ops[c - 1].result_slot_mut() {
            *slot = b;
        }
        for &j in &renames {
            ops[j] = rename_reads(&ops[j], a, b);
        }
        dead[c] = true;
        removed += 1;
    }
    if removed == 0 {
        return;
    }
    // Drop the dead copies; targets move down by the dead ops before them (none is a target).
    let mut new_index = Vec::with_capacity(n + 1);
    let mut k = 0u32;
    for &d in &dead {
        new_index.push(k);
        k += !d as u32;
    }
    new_index.push(k);
    let mut at = 0;
    ops.retain_mut(|op| {
        let keep = !dead[at];
        at += 1;
        if !is_branch(op) {
            return keep;
        }
        if let Some(t) = op.branch_target_mut() {
            if let Some(&m) = new_index.get(*t as usize) {
                *t = m;
            }
        }
        keep
    });
    if let Some(o) = offsets {
        let mut at = 0;
        o.retain(|_| {
            at += 1;
            !dead[at - 1]
        });
    }
}
