//! GC operators (`Config::wasm_gc`): `ref.i31`, `i31.get_s/u`, `ref.eq`, `ref.test`,
//! `ref.cast`, `br_on_cast`, `br_on_cast_fail`, `any.convert_extern` and
//! `extern.convert_any`. GC references share the `externref` cell encoding
//! (`value::gc_cell`), so the two conversions emit nothing and `ref.eq` compares whole cells
//! (`I64Eq`). A cast's target is an abstract heap type's code with bit 8 for "null passes"
//! (`RefTest`, `RefCast`, `BrOnCast`, `BrOnCastFail`) or a module type index (the `*Type`
//! forms), resolved to the store's id by the handler.

use super::{CtrlKind, ModuleError, Translator, NO_FIXUP};
use crate::microcode::Op;
use crate::types::HeapType;
use wasmparser::Operator;

/// Bit of an abstract heap-type operand saying that null passes the test.
pub(crate) const NULL_PASSES: u32 = 1 << 8;

/// What a cast tests against.
#[derive(Clone, Copy)]
enum Target {
    /// An abstract heap type's code, with [`NULL_PASSES`].
    Abstract(u32),
    /// A module type index, and whether null passes.
    Type(u32, bool),
}

/// The operand of a cast to `(ref null? hty)`.
fn target(hty: wasmparser::HeapType, nullable: bool, offset: usize) -> Result<Target, ModuleError> {
    let bad = || super::unsupported(offset, "heap type of a cast");
    match hty {
        wasmparser::HeapType::Concrete(wasmparser::UnpackedIndex::Module(i)) => {
            Ok(Target::Type(i, nullable))
        }
        wasmparser::HeapType::Abstract { shared: false, ty } => {
            // Any kind answers for the abstract types (only defined types need the module).
            let ty = wasmparser::RefType::new(
                nullable,
                wasmparser::HeapType::Abstract { shared: false, ty },
            )
            .ok_or_else(bad)?;
            let code = crate::types::RefType::from_wasmparser_in(ty, &|_| None)
                .and_then(|r| r.heap_type().abstract_code())
                .ok_or_else(bad)?;
            Ok(Target::Abstract(
                code | if nullable { NULL_PASSES } else { 0 },
            ))
        }
        _ => Err(bad()),
    }
}

impl Translator<'_> {
    /// Whether `op` is one of this file's.
    pub(super) fn is_gc(op: &Operator<'_>) -> bool {
        use Operator as O;
        matches!(
            op,
            O::RefI31
                | O::I31GetS
                | O::I31GetU
                | O::RefEq
                | O::RefTestNonNull { .. }
                | O::RefTestNullable { .. }
                | O::RefCastNonNull { .. }
                | O::RefCastNullable { .. }
                | O::BrOnCast { .. }
                | O::BrOnCastFail { .. }
                | O::AnyConvertExtern
                | O::ExternConvertAny
        )
    }

    /// Translate a GC operator ([`Translator::is_gc`]).
    pub(super) fn gc(&mut self, op: Operator<'_>, offset: usize) -> Result<(), ModuleError> {
        use Operator as O;
        match op {
            O::RefI31 => self.gc_unary(|dst, src| Op::RefI31 { dst, src }),
            O::I31GetS => self.gc_unary(|dst, src| Op::I31GetS { dst, src }),
            O::I31GetU => self.gc_unary(|dst, src| Op::I31GetU { dst, src }),
            O::RefEq => {
                let rhs = self.pop_slot();
                let lhs = self.pop_slot();
                let dst = self.push_temp();
                self.emit(Op::I64Eq { dst, lhs, rhs });
            }
            O::RefTestNonNull { hty } | O::RefTestNullable { hty } => {
                let nullable = matches!(op, O::RefTestNullable { .. });
                let t = target(hty, nullable, offset)?;
                let src = self.pop_slot();
                let dst = self.push_temp();
                self.emit(match t {
                    Target::Abstract(heap) => Op::RefTest {
                        dst,
                        src,
                        heap: heap as i32,
                    },
                    Target::Type(ty, null) => Op::RefTestType {
                        dst,
                        src,
                        ty,
                        null: null as i32,
                    },
                });
            }
            O::RefCastNonNull { hty } | O::RefCastNullable { hty } => {
                let nullable = matches!(op, O::RefCastNullable { .. });
                let t = target(hty, nullable, offset)?;
                // The reference stays where it is.
                let src = self.top_ref_slot();
                self.emit(match t {
                    Target::Abstract(heap) => Op::RefCast {
                        src,
                        heap: heap as i32,
                    },
                    Target::Type(ty, null) => Op::RefCastType {
                        src,
                        ty,
                        null: null as i32,
                    },
                });
            }
            O::BrOnCast {
                relative_depth,
                to_ref_type,
                ..
            } => {
                let t = target(to_ref_type.heap_type(), to_ref_type.is_nullable(), offset)?;
                self.br_on_cast(relative_depth, t, false);
            }
            O::BrOnCastFail {
                relative_depth,
                to_ref_type,
                ..
            } => {
                let t = target(to_ref_type.heap_type(), to_ref_type.is_nullable(), offset)?;
                self.br_on_cast(relative_depth, t, true);
            }
            // The same cell in either hierarchy.
            O::AnyConvertExtern | O::ExternConvertAny => {}
            _ => return Err(super::unsupported(offset, "GC operator")),
        }
        Ok(())
    }

    fn gc_unary(&mut self, make: fn(u32, u32) -> Op) {
        let src = self.pop_slot();
        let dst = self.push_temp();
        self.emit(make(dst, src));
    }

    /// `br_on_cast` (`fail`: `br_on_cast_fail`) to label `depth`: the reference, the top
    /// entry, stays on the stack on both paths.
    fn br_on_cast(&mut self, depth: u32, t: Target, fail: bool) {
        let src = self.top_ref_slot();
        // The jump taken when the cast succeeds (`on_success`) or fails.
        let jump = |on_success: bool, target: u32| match (t, on_success) {
            (Target::Abstract(heap), true) => Op::BrOnCast {
                src,
                heap: heap as i32,
                target,
            },
            (Target::Abstract(heap), false) => Op::BrOnCastFail {
                src,
                heap: heap as i32,
                target,
            },
            (Target::Type(ty, null), true) => Op::BrOnCastType {
                src,
                ty,
                null: null as i32,
                target,
            },
            (Target::Type(ty, null), false) => Op::BrOnCastFailType {
                src,
                ty,
                null: null as i32,
                target,
            },
        };
        let idx = self.label_index(depth);
        if self.branch_needs_copies(depth) {
            // Jump over the moves and the branch when the branch is not taken.
            let skip = self.emit(jump(fail, u32::MAX));
            self.branch(depth);
            let here = self.pc();
            self.patch(skip, here);
        } else if self.ctrl[idx].kind == CtrlKind::Loop {
            let target = self.ctrl[idx].start;
            self.emit(jump(!fail, target));
        } else {
            let at = self.emit(jump(!fail, NO_FIXUP));
            self.add_fixup(idx, at);
        }
        self.last_result = None;
    }
}

/// Whether the non-null-or-null heap-type operand `heap` lets null pass, and its type.
pub(crate) fn decode_heap(heap: u32) -> (bool, Option<HeapType>) {
    (
        heap & NULL_PASSES != 0,
        HeapType::from_abstract_code(heap & !NULL_PASSES),
    )
}
