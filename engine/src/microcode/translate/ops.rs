//! Operator-by-operator translation.

use alloc::vec::Vec;

use wasmparser::{BlockType, Operator};

use super::{mem_index, unsupported, CtrlKind, Entry, Operand, Translator};
use crate::error::ModuleError;
use crate::microcode::{BinaryCode, LoadCode, Op, Slot, StoreCode, UnaryCode};
use crate::types::ValType;

impl Translator<'_> {
    pub(super) fn unary(&mut self, code: UnaryCode) {
        let src = self.pop_slot();
        let dst = self.push_temp();
        self.emit_result(Op::unary(code, dst, src));
    }

    pub(super) fn binary(&mut self, code: BinaryCode) {
        let b = self.pop();
        let a = self.pop();
        let lhs = self.entry_slot(a);
        if let Operand::Const(c) = b.operand {
            // The immediate form, unless it needs the wide encoding (every operand two
            // words: ~19 host instructions instead of ~10 for `I32AndImm 0xffff`) while the
            // constant has a hoisted frame slot (`const_slots`): then the register form,
            // narrow, reads it from there.
            if let Some(narrow_imm) = super::fuse::imm_narrow(code, c) {
                let narrow =
                    narrow_imm && super::fuse::narrow_slot(a.slot) && super::fuse::narrow_slot(lhs);
                if narrow || self.hoisted(c).is_none() {
                    // The result goes to `a`'s canonical slot, where `push_temp` puts it.
                    self.push_temp();
                    let dst = a.slot;
                    self.emit_result(Op::binary(code, dst, lhs, 0));
                    let at = self.ops.len() - 1;
                    super::fuse::set_imm(&mut self.ops[at], code, dst, lhs, c);
                    return;
                }
            }
        }
        let rhs = self.entry_slot(b);
        let dst = self.push_temp();
        if code == BinaryCode::F64Add {
            if let Some((at, fused)) = self.f64_pair(dst, lhs, rhs, &a, &b) {
                self.fuse_into(at, fused);
                self.last_result = Some(at);
                return;
            }
        }
        self.emit_result(Op::binary(code, dst, lhs, rhs));
    }

    /// An `f64.add` of `lhs` and `rhs` into `dst` (from stack entries `a` and `b`), and the
    /// op just emitted, when that computed the temporary it adds (an `f64.mul` as its left
    /// operand, an `f64.sub` as its right one): the op at that index and the fused op
    /// (`F64MulAdd`, `F64AddSub`) to put there. The temporary has no other reader (a popped
    /// stack entry), so the fused op does not write it.
    fn f64_pair(
        &self,
        dst: Slot,
        lhs: Slot,
        rhs: Slot,
        a: &Entry,
        b: &Entry,
    ) -> Option<(usize, Op)> {
        let at = self.last_result.filter(|&at| at + 1 == self.ops.len())?;
        match self.ops[at] {
            Op::F64Mul {
                dst: t,
                lhs: x,
                rhs: y,
            } if a.operand == Operand::Temp && a.slot == t => Some((
                at,
                Op::F64MulAdd {
                    dst,
                    lhs: x,
                    rhs: y,
                    add: rhs,
                },
            )),
            Op::F64Sub {
                dst: t,
                lhs: x,
                rhs: y,
            } if b.operand == Operand::Temp && b.slot == t => Some((
                at,
                Op::F64AddSub {
                    dst,
                    add: lhs,
                    lhs: x,
                    rhs: y,
                },
            )),
            _ => None,
        }
    }

    pub(super) fn load(&mut self, memarg: wasmparser::MemArg, code: LoadCode) {
        let a = self.pop();
        let fused = self.address_add(&a);
        let addr = self.entry_slot(a);
        let fused = fused.filter(|&(at, ..)| at + 1 == self.ops.len());
        let dst = self.push_temp();
        let (mem, offset) = (mem_index(&memarg), memarg.offset);
        if let Some((at, base, imm, index)) = fused {
            let op = &mut self.ops[at];
            if super::fuse::set_load_address(op, code, dst, base, imm, index, mem, offset) {
                self.fused_at(at);
                self.last_result = Some(at);
                return;
            }
        }
        self.emit_result(Op::load(code, dst, addr, mem, offset));
    }

    pub(super) fn store(&mut self, memarg: wasmparser::MemArg, code: StoreCode) {
        let v = self.pop();
        let a = self.pop();
        let fused = self.address_add(&a);
        let addr = self.entry_slot(a);
        let src = self.entry_slot(v);
        // The add must still be the last op (placing the stored value may have emitted one,
        // which the fused store would then run before).
        let fused = fused.filter(|&(at, ..)| at + 1 == self.ops.len());
        let (mem, offset) = (mem_index(&memarg), memarg.offset);
        if let Some((at, base, imm, index)) = fused {
            let op = &mut self.ops[at];
            if super::fuse::set_store_address(op, code, src, base, imm, index, mem, offset) {
                self.fused_at(at);
                self.last_result = None;
                return;
            }
        }
        self.emit(Op::store(code, addr, src, mem, offset));
    }

    /// When the address `a` is a temporary just computed by an `i32.add` (the last op, no
    /// label since), that op's index and operands (`base`, and `imm` or `index`), so a load
    /// or store can replace it with its fused form.
    fn address_add(&self, a: &Entry) -> Option<(usize, Slot, i32, Option<Slot>)> {
        if a.operand != Operand::Temp {
            return None;
        }
        let at = self.last_result.filter(|&at| at + 1 == self.ops.len())?;
        match self.ops[at] {
            Op::I32AddImm { dst, lhs, imm } if dst == a.slot => Some((at, lhs, imm, None)),
            Op::I32Add { dst, lhs, rhs } if dst == a.slot => Some((at, lhs, 0, Some(rhs))),
            _ => None,
        }
    }

    /// Pop three operands (`a`, `b`, `c` in push order) into slots.
    pub(super) fn pop3(&mut self) -> (Slot, Slot, Slot) {
        let c = self.pop();
        let b = self.pop();
        let a = self.pop();
        let a = self.entry_slot(a);
        let b = self.entry_slot(b);
        let c = self.entry_slot(c);
        (a, b, c)
    }

    pub(super) fn call(&mut self, func: u32) {
        let module = self.module;
        let ty = module.func_type(func);
        self.call_with(ty.params().len(), ty.results(), |args| Op::Call {
            func,
            args,
        });
    }

    pub(super) fn unreachable(&mut self) {
        self.emit(Op::Unreachable);
        self.set_unreachable();
    }

    /// `block`, `loop` or `if` (`kind`) of type `ty`; in unreachable code only its nesting
    /// is tracked.
    pub(super) fn block(&mut self, kind: CtrlKind, ty: BlockType) -> Result<(), ModuleError> {
        if self.skipping() {
            self.push_dead_ctrl();
            return Ok(());
        }
        match kind {
            CtrlKind::If => {
                let cond = self.pop();
                self.materialize_all();
                let at = self.cond_branch(cond, false, u32::MAX);
                self.push_ctrl(CtrlKind::If, ty);
                if let Some(c) = self.ctrl.last_mut() {
                    c.else_fixup = Some(at);
                }
            }
            _ => {
                self.materialize_all();
                self.push_ctrl(kind, ty);
                if kind == CtrlKind::Loop {
                    self.last_result = None;
                }
            }
        }
        Ok(())
    }

    /// `else`, unless the whole `if` is dead code.
    pub(super) fn else_op(&mut self) {
        if self.ctrl.last().is_none_or(|c| !c.dead) {
            self.else_();
        }
    }

    /// Whether the code being translated is unreachable (or the body has ended).
    fn skipping(&self) -> bool {
        self.ctrl.last().is_none_or(|c| c.unreachable || c.dead)
    }

    pub(super) fn br(&mut self, relative_depth: u32) {
        self.branch(relative_depth);
        self.set_unreachable();
    }

    pub(super) fn br_if(&mut self, relative_depth: u32) {
        let cond = self.pop();
        let idx = self.label_index(relative_depth);
        if self.branch_needs_copies(relative_depth) {
            let skip = self.cond_branch(cond, false, u32::MAX);
            self.branch(relative_depth);
            let here = self.pc();
            self.patch(skip, here);
        } else if self.ctrl[idx].kind == CtrlKind::Loop {
            let target = self.ctrl[idx].start;
            self.cond_branch(cond, true, target);
        } else {
            let at = self.cond_branch(cond, true, super::NO_FIXUP);
            self.add_fixup(idx, at);
        }
        self.last_result = None;
    }

    pub(super) fn return_op(&mut self) {
        self.ret();
        self.set_unreachable();
    }

    pub(super) fn select(&mut self) {
        let c = self.pop();
        let b = self.pop();
        let a = self.pop();
        let wide = a.wide;
        let (a, b, cond) = (self.entry_slot(a), self.entry_slot(b), self.entry_slot(c));
        let dst = self.push(Operand::Temp, wide);
        if wide {
            self.emit_result(Op::Select2 { dst, cond, a, b });
        } else {
            self.emit_result(Op::Select { dst, cond, a, b });
        }
    }

    pub(super) fn local_get(&mut self, local_index: u32) {
        let wide = self.locals[local_index as usize].1;
        self.push(Operand::Local(local_index), wide);
    }

    pub(super) fn global_get(&mut self, global_index: u32) {
        if self.module.globals[global_index as usize].content == ValType::V128 {
            let dst = self.push_wide();
            self.emit_result(Op::GlobalGet2 {
                dst,
                global: global_index,
            });
        } else {
            let dst = self.push_temp();
            self.emit_result(Op::GlobalGet {
                dst,
                global: global_index,
            });
        }
    }

    pub(super) fn global_set(&mut self, global_index: u32) {
        let src = self.pop_slot();
        if self.module.globals[global_index as usize].content == ValType::V128 {
            self.emit(Op::GlobalSet2 {
                src,
                global: global_index,
            });
        } else {
            self.emit(Op::GlobalSet {
                src,
                global: global_index,
            });
        }
    }

    /// Translate `op`, one of the operators that [`super::visit`] does not translate itself.
    pub(super) fn op(
        &mut self,
        op: Operator<'_>,
        offset: usize,
        name: &'static str,
    ) -> Result<(), ModuleError> {
        use Operator as O;
        if self.skipping() {
            // Unreachable code: track nesting only.
            if let O::TryTable { .. } = op {
                self.push_dead_ctrl();
            }
            return Ok(());
        }
        match op {
            O::BrTable { targets } => {
                let index = self.pop_slot();
                let mut depths = Vec::with_capacity(targets.len() as usize + 1);
                for d in targets.targets() {
                    depths.push(d?);
                }
                depths.push(targets.default());
                self.emit(Op::BrTable {
                    index,
                    len: depths.len() as u32 - 1,
                });
                let mut stubs = Vec::new();
                for &depth in &depths {
                    let before = self.pc();
                    if self.branch_needs_copies(depth) {
                        let at = self.emit(Op::Br { target: u32::MAX });
                        stubs.push((at, depth));
                    } else {
                        self.jump_to_label(depth);
                    }
                    // Each entry is one jump, made a `BrEntry` (one size, so the table is
                    // indexed).
                    debug_assert_eq!(self.pc(), before + 1);
                    self.entry_at(before as usize);
                }
                for (at, depth) in stubs {
                    let here = self.pc();
                    self.patch(at, here);
                    self.branch(depth);
                }
                self.set_unreachable();
            }
            O::CallIndirect {
                type_index,
                table_index,
            } => {
                let index = self.pop_slot();
                let module = self.module;
                let ft = &module.types[type_index as usize];
                self.call_with(ft.params().len(), ft.results(), |args| Op::CallIndirect {
                    ty: type_index,
                    table: table_index,
                    index,
                    args,
                });
            }
            O::ReturnCall { function_index } => {
                let module = self.module;
                let ft = module.func_type(function_index);
                self.call_with(ft.params().len(), ft.results(), |args| Op::ReturnCall {
                    func: function_index,
                    args,
                });
                self.set_unreachable();
            }
            O::ReturnCallIndirect {
                type_index,
                table_index,
            } => {
                let index = self.pop_slot();
                let module = self.module;
                let ft = &module.types[type_index as usize];
                self.call_with(ft.params().len(), ft.results(), |args| {
                    Op::ReturnCallIndirect {
                        ty: type_index,
                        table: table_index,
                        index,
                        args,
                    }
                });
                self.set_unreachable();
            }
            O::MemorySize { mem } => {
                let dst = self.push_temp();
                self.emit_result(Op::MemorySize { dst, mem });
            }
            O::MemoryGrow { mem } => {
                let delta = self.pop_slot();
                let dst = self.push_temp();
                self.emit_result(Op::MemoryGrow { dst, delta, mem });
            }
            O::MemoryFill { mem } => {
                let (dst, val, len) = self.pop3();
                self.emit(Op::MemoryFill { mem, dst, val, len });
            }
            O::MemoryCopy { dst_mem, src_mem } => {
                let (dst, src, len) = self.pop3();
                self.emit(Op::MemoryCopy {
                    dst_mem,
                    src_mem,
                    dst,
                    src,
                    len,
                });
            }
            O::MemoryInit { data_index, mem } => {
                let (dst, src, len) = self.pop3();
                self.emit(Op::MemoryInit {
                    mem,
                    data: data_index,
                    dst,
                    src,
                    len,
                });
            }
            O::DataDrop { data_index } => {
                self.emit(Op::DataDrop { data: data_index });
            }

            O::RefNull { .. } => self.push_const(0),
            O::RefIsNull => self.unary(UnaryCode::I64Eqz),
            O::RefFunc { function_index } => {
                let dst = self.push_temp();
                self.emit_result(Op::RefFunc {
                    dst,
                    func: function_index,
                });
            }
            O::TableGet { table } => {
                let index = self.pop_slot();
                let dst = self.push_temp();
                self.emit_result(Op::TableGet { dst, table, index });
            }
            O::TableSet { table } => {
                let v = self.pop();
                let i = self.pop();
                let index = self.entry_slot(i);
                let val = self.entry_slot(v);
                self.emit(Op::TableSet { table, index, val });
            }
            O::TableSize { table } => {
                let dst = self.push_temp();
                self.emit_result(Op::TableSize { dst, table });
            }
            O::TableGrow { table } => {
                let d = self.pop();
                let i = self.pop();
                let init = self.entry_slot(i);
                let delta = self.entry_slot(d);
                let dst = self.push_temp();
                self.emit_result(Op::TableGrow {
                    dst,
                    table,
                    init,
                    delta,
                });
            }
            O::TableFill { table } => {
                let (dst, val, len) = self.pop3();
                self.emit(Op::TableFill {
                    table,
                    dst,
                    val,
                    len,
                });
            }
            O::TableCopy {
                dst_table,
                src_table,
            } => {
                let (dst, src, len) = self.pop3();
                self.emit(Op::TableCopy {
                    dst_table,
                    src_table,
                    dst,
                    src,
                    len,
                });
            }
            O::TableInit { elem_index, table } => {
                let (dst, src, len) = self.pop3();
                self.emit(Op::TableInit {
                    table,
                    elem: elem_index,
                    dst,
                    src,
                    len,
                });
            }
            O::ElemDrop { elem_index } => {
                self.emit(Op::ElemDrop { elem: elem_index });
            }

            other => {
                if !self.simd(&other)? {
                    self.numeric(other, offset, name)?;
                }
            }
        }
        Ok(())
    }

    pub(super) fn push_const(&mut self, val: u64) {
        self.push(Operand::Const(val), false);
    }

    fn numeric(
        &mut self,
        op: Operator<'_>,
        offset: usize,
        name: &'static str,
    ) -> Result<(), ModuleError> {
        use Operator as O;
        match op {
            O::I64Add128 => self.wide_128(|dst, a_lo, a_hi, b_lo, b_hi| Op::I64Add128 {
                dst,
                a_lo,
                a_hi,
                b_lo,
                b_hi,
            }),
            O::I64Sub128 => self.wide_128(|dst, a_lo, a_hi, b_lo, b_hi| Op::I64Sub128 {
                dst,
                a_lo,
                a_hi,
                b_lo,
                b_hi,
            }),
            O::CallRef { type_index } => self.call_ref(type_index, false),
            O::ReturnCallRef { type_index } => self.call_ref(type_index, true),
            O::RefAsNonNull => self.ref_as_non_null(),
            O::BrOnNull { relative_depth } => self.br_on_null(relative_depth),
            O::BrOnNonNull { relative_depth } => self.br_on_non_null(relative_depth),
            #[cfg(feature = "exceptions")]
            O::TryTable { try_table } => self.try_table(try_table),
            #[cfg(feature = "exceptions")]
            O::Throw { tag_index } => self.throw(tag_index),
            #[cfg(feature = "exceptions")]
            O::ThrowRef => self.throw_ref(),
            O::I64MulWideS => self.wide_mul(|dst, lhs, rhs| Op::I64MulWideS { dst, lhs, rhs }),
            O::I64MulWideU => self.wide_mul(|dst, lhs, rhs| Op::I64MulWideU { dst, lhs, rhs }),
            gc if Self::is_gc(&gc) => self.gc(gc, offset)?,
            #[cfg(feature = "threads")]
            other if self.atomic(&other) => {}
            // Named, not formatted: `Operator`'s `Debug` is 7 KB of a firmware's flash.
            _ => return Err(unsupported(offset, name)),
        }
        Ok(())
    }
}
