//! GC operators (`Config::wasm_gc`): `ref.i31`, `i31.get_s/u`, `ref.eq`, `ref.test`,
//! `ref.cast`, `br_on_cast`, `br_on_cast_fail`, `any.convert_extern` and
//! `extern.convert_any`. GC references share the `externref` cell encoding
//! (`value::gc_cell`), so the two conversions emit nothing and `ref.eq` compares whole cells
//! (`I64Eq`). A cast's target is an abstract heap type's code with bit 8 for "null passes"
//! (`RefTest`, `RefCast`, `BrOnCast`, `BrOnCastFail`) or a module type index (the `*Type`
//! forms), resolved to the store's id by the handler. Structs and arrays: the field or
//! element storage (`StorageType::code`) and a field's first cell are operands, worked out
//! here from the module's type definitions.

use super::{CtrlKind, ModuleError, Operand, Translator, NO_FIXUP};
use crate::microcode::Op;
use crate::types::storage::SIGNED;
use crate::types::{Composite, FieldType, HeapType, StorageType, ValType};
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
                | O::StructNew { .. }
                | O::StructNewDefault { .. }
                | O::StructGet { .. }
                | O::StructGetS { .. }
                | O::StructGetU { .. }
                | O::StructSet { .. }
                | O::ArrayNew { .. }
                | O::ArrayNewDefault { .. }
                | O::ArrayNewFixed { .. }
                | O::ArrayNewData { .. }
                | O::ArrayNewElem { .. }
                | O::ArrayGet { .. }
                | O::ArrayGetS { .. }
                | O::ArrayGetU { .. }
                | O::ArraySet { .. }
                | O::ArrayLen
                | O::ArrayFill { .. }
                | O::ArrayCopy { .. }
                | O::ArrayInitData { .. }
                | O::ArrayInitElem { .. }
        )
    }

    /// The fields of struct type `ty` (module index; validation proved it a struct type).
    fn struct_fields(&self, ty: u32) -> &'_ [FieldType] {
        match self.module.defs.get(ty as usize).map(|d| &d.sub.composite) {
            Some(Composite::Struct(f)) => f,
            _ => &[],
        }
    }

    /// The element storage of array type `ty`.
    fn array_storage(&self, ty: u32) -> StorageType {
        match self.module.defs.get(ty as usize).map(|d| &d.sub.composite) {
            Some(Composite::Array(f)) => f.storage,
            _ => StorageType::I8,
        }
    }

    /// Field `i` of struct type `ty`: its first cell in the object and its storage.
    fn struct_field(&self, ty: u32, i: u32) -> (u32, StorageType) {
        let fields = self.struct_fields(ty);
        let cell = fields
            .iter()
            .take(i as usize)
            .map(|f| f.storage.cells())
            .sum();
        let storage = fields
            .get(i as usize)
            .map_or(StorageType::I8, |f| f.storage);
        (cell, storage)
    }

    /// A GC object read: `dst` (a v128 takes two cells) = what `make` reads.
    fn gc_read(&mut self, storage: StorageType, make: impl FnOnce(u32) -> Op) {
        let dst = self.push(Operand::Temp, storage == StorageType::Val(ValType::V128));
        self.emit(make(dst));
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
            }
            | O::BrOnCastFail {
                relative_depth,
                to_ref_type,
                ..
            } => {
                let on_fail = matches!(op, O::BrOnCastFail { .. });
                let t = target(to_ref_type.heap_type(), to_ref_type.is_nullable(), offset)?;
                self.br_on_cast(relative_depth, t, on_fail);
            }
            // The same cell in either hierarchy.
            O::AnyConvertExtern | O::ExternConvertAny => {}
            O::StructNew {
                struct_type_index: ty,
            } => {
                let fields = self.struct_fields(ty);
                let params = fields.len();
                let n = fields.iter().map(|f| f.storage.cells()).sum();
                self.call_with(params, &[ValType::ExternRef], |args| Op::StructNew {
                    dst: args,
                    ty,
                    args,
                    n,
                });
            }
            O::StructNewDefault {
                struct_type_index: ty,
            } => {
                let dst = self.push_temp();
                self.emit(Op::StructNewDefault { dst, ty });
            }
            O::StructGet {
                struct_type_index: ty,
                field_index,
            }
            | O::StructGetS {
                struct_type_index: ty,
                field_index,
            }
            | O::StructGetU {
                struct_type_index: ty,
                field_index,
            } => {
                let signed = matches!(op, O::StructGetS { .. });
                let (field, storage) = self.struct_field(ty, field_index);
                let mode = storage.code() | if signed { SIGNED } else { 0 };
                let obj = self.pop_slot();
                self.gc_read(storage, |dst| Op::StructGet {
                    dst,
                    obj,
                    field: field as i32,
                    mode: mode as i32,
                });
            }
            O::StructSet {
                struct_type_index: ty,
                field_index,
            } => {
                let (field, storage) = self.struct_field(ty, field_index);
                let src = self.pop_slot();
                let obj = self.pop_slot();
                self.emit(Op::StructSet {
                    obj,
                    src,
                    field: field as i32,
                    mode: storage.code() as i32,
                });
            }
            O::ArrayNew {
                array_type_index: ty,
            } => {
                let len = self.pop_slot();
                let init = self.pop_slot();
                let dst = self.push_temp();
                self.emit(Op::ArrayNew { dst, ty, init, len });
            }
            O::ArrayNewDefault {
                array_type_index: ty,
            } => {
                let len = self.pop_slot();
                let dst = self.push_temp();
                self.emit(Op::ArrayNewDefault { dst, ty, len });
            }
            O::ArrayNewFixed {
                array_type_index: ty,
                array_size,
            } => {
                let n = array_size.saturating_mul(self.array_storage(ty).cells());
                self.call_with(array_size as usize, &[ValType::ExternRef], |args| {
                    Op::ArrayNewFixed {
                        dst: args,
                        ty,
                        args,
                        n,
                    }
                });
            }
            O::ArrayNewData {
                array_type_index: ty,
                array_data_index: data,
            } => {
                let len = self.pop_slot();
                let src = self.pop_slot();
                let dst = self.push_temp();
                self.emit(Op::ArrayNewData {
                    dst,
                    ty,
                    data,
                    src,
                    len,
                });
            }
            O::ArrayNewElem {
                array_type_index: ty,
                array_elem_index: elem,
            } => {
                let len = self.pop_slot();
                let src = self.pop_slot();
                let dst = self.push_temp();
                self.emit(Op::ArrayNewElem {
                    dst,
                    ty,
                    elem,
                    src,
                    len,
                });
            }
            O::ArrayGet {
                array_type_index: ty,
            }
            | O::ArrayGetS {
                array_type_index: ty,
            }
            | O::ArrayGetU {
                array_type_index: ty,
            } => {
                let signed = matches!(op, O::ArrayGetS { .. });
                let storage = self.array_storage(ty);
                let mode = storage.code() | if signed { SIGNED } else { 0 };
                let index = self.pop_slot();
                let arr = self.pop_slot();
                self.gc_read(storage, |dst| Op::ArrayGet {
                    dst,
                    arr,
                    index,
                    mode: mode as i32,
                });
            }
            O::ArraySet {
                array_type_index: ty,
            } => {
                let mode = self.array_storage(ty).code() as i32;
                let src = self.pop_slot();
                let index = self.pop_slot();
                let arr = self.pop_slot();
                self.emit(Op::ArraySet {
                    arr,
                    index,
                    src,
                    mode,
                });
            }
            O::ArrayLen => {
                let arr = self.pop_slot();
                let dst = self.push_temp();
                self.emit(Op::ArrayLen { dst, arr });
            }
            O::ArrayFill {
                array_type_index: ty,
            } => {
                let mode = self.array_storage(ty).code() as i32;
                let len = self.pop_slot();
                let val = self.pop_slot();
                let off = self.pop_slot();
                let arr = self.pop_slot();
                self.emit(Op::ArrayFill {
                    arr,
                    off,
                    val,
                    len,
                    mode,
                });
            }
            O::ArrayCopy { .. } => {
                let len = self.pop_slot();
                let src_off = self.pop_slot();
                let src = self.pop_slot();
                let dst_off = self.pop_slot();
                let dst = self.pop_slot();
                self.emit(Op::ArrayCopy {
                    dst,
                    dst_off,
                    src,
                    src_off,
                    len,
                });
            }
            O::ArrayInitData {
                array_type_index: ty,
                array_data_index: data,
            } => {
                let mode = self.array_storage(ty).code() as i32;
                let len = self.pop_slot();
                let src = self.pop_slot();
                let off = self.pop_slot();
                let arr = self.pop_slot();
                self.emit(Op::ArrayInitData {
                    arr,
                    off,
                    src,
                    len,
                    data,
                    mode,
                });
            }
            O::ArrayInitElem {
                array_type_index: _,
                array_elem_index: elem,
            } => {
                let len = self.pop_slot();
                let src = self.pop_slot();
                let off = self.pop_slot();
                let arr = self.pop_slot();
                self.emit(Op::ArrayInitElem {
                    arr,
                    off,
                    src,
                    len,
                    elem,
                });
            }
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
