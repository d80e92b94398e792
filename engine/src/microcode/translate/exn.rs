//! Exception handling (`Config::wasm_exceptions`): `throw`, `throw_ref` and `try_table`.
//!
//! A `try_table` emits nothing where it is entered: it is a block for branches, and its
//! catch clauses go into the function's *handler table*, ops placed after the function's
//! last op (never run: the body's last op does not fall through, and the table ends with
//! an `Unreachable`). Each `try_table` is an `ExnFrom` / `ExnTo` pair (the op range of its
//! body) followed by its clauses in order (`Catch` / `CatchRef`, tag -1 for `catch_all`),
//! innermost `try_table` first (they are written as they close). A clause names the slots
//! the exception's values (and, for the `_ref` forms, the `exnref` after them) go to, which
//! are its label's, and the label as its branch target. The targets are ordinary `Target`
//! operands: the verifier checks them (op starts) and the slots (in the frame) as it checks
//! branches, fusion and the constant prologue renumber them, and a label used only by a
//! catch is still a branch target for fusion. `exec/handlers/exn.rs` reads the table when an
//! exception is thrown; code without `try_table` has none, and pays nothing.

use alloc::vec::Vec;

use wasmparser::{Catch, TryTable};

use super::{cells, CtrlKind, Translator, NO_FIXUP};
use crate::microcode::Op;

/// The catch-all tag of a `Catch` / `CatchRef` op.
pub(crate) const CATCH_ALL: i32 = -1;

/// One open `try_table`: its control frame and first op, and its clauses.
#[derive(Debug)]
struct OpenTry {
    ctrl: usize,
    start: u32,
    /// The clauses as table ops, their targets still to be set, each with the control frame
    /// index of its label.
    catches: Vec<(Op, usize)>,
}

/// The handler table of the function being translated.
#[derive(Debug, Default)]
pub(super) struct Handlers {
    open: Vec<OpenTry>,
    /// The table ops written so far (targets as op indices, or [`NO_FIXUP`] while a clause's
    /// label has not ended).
    table: Vec<Op>,
    /// Table ops whose label (a control frame index) has not ended yet.
    pending: Vec<(usize, usize)>,
}

impl Translator<'_> {
    /// `try_table bt catch*`: a block, and its clauses remembered for the table.
    pub(super) fn try_table(&mut self, t: TryTable) {
        self.materialize_all();
        let mut catches = Vec::with_capacity(t.catches.len());
        for c in &t.catches {
            // Labels count from the block around the `try_table` (which is not open yet).
            let (tag, depth, with_ref) = match *c {
                Catch::One { tag, label } => (tag as i32, label, false),
                Catch::OneRef { tag, label } => (tag as i32, label, true),
                Catch::All { label } => (CATCH_ALL, label, false),
                Catch::AllRef { label } => (CATCH_ALL, label, true),
            };
            let idx = self.label_index(depth);
            let label = &self.ctrl[idx];
            let dst = label.base_slot;
            let payload = if tag == CATCH_ALL {
                0
            } else {
                let ty = &self.module.types[self.module.tags[tag as usize] as usize];
                crate::types::ValType::cells_of(ty.params())
            };
            let n = payload + with_ref as u32;
            let target = if label.kind == CtrlKind::Loop {
                label.start
            } else {
                NO_FIXUP
            };
            let op = if with_ref {
                Op::CatchRef {
                    tag,
                    dst,
                    n,
                    target,
                }
            } else {
                Op::Catch {
                    tag,
                    dst,
                    n,
                    target,
                }
            };
            catches.push((op, idx));
        }
        self.push_ctrl(CtrlKind::Block, t.ty);
        let ctrl = self.ctrl.len() - 1;
        let start = self.pc();
        self.exn.open.push(OpenTry {
            ctrl,
            start,
            catches,
        });
    }

    /// Called by `end` for control frame `idx`, which ended at op `here`: close its
    /// `try_table` (if it is one) and set the targets of the clauses branching to it.
    pub(super) fn exn_end(&mut self, idx: usize, here: u32) {
        if self.exn.open.last().is_some_and(|t| t.ctrl == idx) {
            if let Some(t) = self.exn.open.pop() {
                let h = &mut self.exn;
                h.table.push(Op::ExnFrom { target: t.start });
                h.table.push(Op::ExnTo { target: here });
                for (mut op, label) in t.catches {
                    let unresolved = op.branch_target_mut().is_some_and(|x| *x == NO_FIXUP);
                    if unresolved {
                        h.pending.push((h.table.len(), label));
                    }
                    h.table.push(op);
                }
            }
        }
        let h = &mut self.exn;
        if h.pending.is_empty() {
            // The usual case (no catch clause waits for a label): skip `retain`'s set-up.
            return;
        }
        let table = &mut h.table;
        h.pending.retain(|&(at, label)| {
            if label != idx {
                return true;
            }
            if let Some(t) = table[at].branch_target_mut() {
                *t = here;
            }
            false
        });
    }

    /// Whether a catch clause branches to control frame `idx`, whose label has not ended.
    pub(super) fn caught_to(&self, idx: usize) -> bool {
        self.exn.pending.iter().any(|&(_, label)| label == idx)
    }

    /// Append the handler table (if any) after the function's last op.
    pub(super) fn emit_handlers(&mut self) {
        if self.exn.table.is_empty() {
            return;
        }
        for op in core::mem::take(&mut self.exn.table) {
            self.emit(op);
        }
        self.emit(Op::Unreachable);
    }

    /// `throw $tag`: the tag's values are the top entries, in their canonical slots.
    pub(super) fn throw(&mut self, tag: u32) {
        let ty = &self.module.types[self.module.tags[tag as usize] as usize];
        let params: Vec<bool> = ty
            .params()
            .iter()
            .map(|t| *t == crate::types::ValType::V128)
            .collect();
        let k = params.len() as u32;
        self.materialize_top(k);
        let base = self.height() as usize - k as usize;
        let args = self.stack.get(base).map_or(self.top_slot(), |e| e.slot);
        self.emit(Op::Throw {
            tag: tag as i32,
            args,
            n: cells(&params),
        });
        self.set_unreachable();
    }

    /// `throw_ref`: rethrow the exception the top `exnref` names (null traps).
    pub(super) fn throw_ref(&mut self) {
        let exn = self.pop_slot();
        self.emit(Op::ThrowRef { exn });
        self.set_unreachable();
    }
}
