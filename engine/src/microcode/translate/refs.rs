//! Typed function references (`Config::wasm_function_references`): `call_ref`,
//! `return_call_ref`, `ref.as_non_null`, `br_on_null` and `br_on_non_null`. Reference
//! cells are 0 for null, so the branches test the whole cell (`BrIfNull`, `BrIfNonNull`),
//! never its low 32 bits as `BrIfEqz` does.

use super::{CtrlKind, Operand, Translator};
use crate::microcode::Op;

impl Translator<'_> {
    /// `call_ref $t` / `return_call_ref $t`: `[args.. ref] -> [results..]`.
    pub(super) fn call_ref(&mut self, type_index: u32, tail: bool) {
        let func = self.pop_slot();
        let ft = self.module.types[type_index as usize].clone();
        self.call_with(ft.params().len(), ft.results(), |args| {
            if tail {
                Op::ReturnCallRef {
                    ty: type_index,
                    func,
                    args,
                }
            } else {
                Op::CallRef {
                    ty: type_index,
                    func,
                    args,
                }
            }
        });
        if tail {
            self.set_unreachable();
        }
    }

    /// The slot holding the top entry's value, which stays on the stack (a constant, a
    /// null, is written to its canonical slot first).
    pub(super) fn top_ref_slot(&mut self) -> u32 {
        let pos = self.height() - 1;
        if let Operand::Const(_) = self.stack[pos as usize].operand {
            self.materialize(pos);
        }
        let e = self.stack[pos as usize];
        match e.operand {
            Operand::Local(l) => self.locals[l as usize].0,
            _ => e.slot,
        }
    }

    /// `ref.as_non_null`: trap on null, the reference stays where it is.
    pub(super) fn ref_as_non_null(&mut self) {
        let src = self.top_ref_slot();
        self.emit(Op::RefAsNonNull { src });
    }

    /// `br_on_null l`: branch to `l` (without the reference) if it is null, else keep it.
    pub(super) fn br_on_null(&mut self, depth: u32) {
        // In its canonical slot, so that it can be popped for the branch (whose values are
        // the entries below it) and pushed back unchanged.
        let pos = self.height() - 1;
        self.materialize(pos);
        let r = self.pop();
        self.cond_ref_branch(r.slot, depth, true);
        self.push(Operand::Temp, false);
        self.last_result = None;
    }

    /// `br_on_non_null l`: branch to `l` with the reference (the label's last value) if it
    /// is not null, else drop it.
    pub(super) fn br_on_non_null(&mut self, depth: u32) {
        let cond = self.top_ref_slot();
        self.cond_ref_branch(cond, depth, false);
        self.pop();
        self.last_result = None;
    }

    /// Branch to label `depth` when the reference in `cond` is null (`on_null`) or not,
    /// with the label's values being the top entries of the stack as it is now.
    fn cond_ref_branch(&mut self, cond: u32, depth: u32, on_null: bool) {
        let jump = |target| {
            if on_null {
                Op::BrIfNull { cond, target }
            } else {
                Op::BrIfNonNull { cond, target }
            }
        };
        let idx = self.label_index(depth);
        if self.branch_needs_copies(depth) {
            let skip = self.emit(if on_null {
                Op::BrIfNonNull {
                    cond,
                    target: u32::MAX,
                }
            } else {
                Op::BrIfNull {
                    cond,
                    target: u32::MAX,
                }
            });
            self.branch(depth);
            let here = self.pc();
            self.patch(skip, here);
        } else if self.ctrl[idx].kind == CtrlKind::Loop {
            let target = self.ctrl[idx].start;
            self.emit(jump(target));
        } else {
            let at = self.emit(jump(super::NO_FIXUP));
            self.add_fixup(idx, at);
        }
    }
}
