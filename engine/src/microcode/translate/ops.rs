//! Operator-by-operator translation.

use alloc::vec::Vec;

use wasmparser::Operator;

use super::{mem_index, unsupported, CtrlKind, Entry, Operand, Translator};
use crate::error::ModuleError;
use crate::microcode::{Op, Slot};
use crate::types::ValType;

impl Translator<'_> {
    fn unary(&mut self, make: fn(Slot, Slot) -> Op) {
        let src = self.pop_slot();
        let dst = self.push_temp();
        self.emit_result(make(dst, src));
    }

    fn binary(&mut self, make: fn(Slot, Slot, Slot) -> Op) {
        let b = self.pop();
        let a = self.pop();
        let lhs = self.entry_slot(a);
        if let Operand::Const(c) = b.operand {
            // The result goes to `a`'s canonical slot, where `push_temp` puts it.
            if let Some(op) = self.imm_form(make(a.slot, lhs, 0), c) {
                self.push_temp();
                self.emit_result(op);
                return;
            }
        }
        let rhs = self.entry_slot(b);
        let dst = self.push_temp();
        self.emit_result(make(dst, lhs, rhs));
    }

    fn load(&mut self, memarg: wasmparser::MemArg, make: fn(Slot, Slot, u32, u64) -> Op) {
        let a = self.pop();
        let fused = self.address_add(&a);
        let addr = self.entry_slot(a);
        let fused = fused.filter(|&(at, ..)| at + 1 == self.ops.len());
        let dst = self.push_temp();
        let op = make(dst, addr, mem_index(&memarg), memarg.offset);
        match fused.and_then(|(at, base, imm, index)| {
            Some((at, super::fuse::with_address(op, base, imm, index)?))
        }) {
            Some((at, op)) => {
                self.fuse_into(at, op);
                self.last_result = Some(at);
            }
            None => self.emit_result(op),
        }
    }

    fn store(&mut self, memarg: wasmparser::MemArg, make: fn(Slot, Slot, u32, u64) -> Op) {
        let v = self.pop();
        let a = self.pop();
        let fused = self.address_add(&a);
        let addr = self.entry_slot(a);
        let src = self.entry_slot(v);
        // The add must still be the last op (placing the stored value may have emitted one,
        // which the fused store would then run before).
        let fused = fused.filter(|&(at, ..)| at + 1 == self.ops.len());
        let op = make(addr, src, mem_index(&memarg), memarg.offset);
        match fused.and_then(|(at, base, imm, index)| {
            Some((at, super::fuse::with_address(op, base, imm, index)?))
        }) {
            Some((at, op)) => {
                self.fuse_into(at, op);
                self.last_result = None;
            }
            None => {
                self.emit(op);
            }
        }
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

    fn call(&mut self, func: u32) {
        let module = self.module;
        let ty = module.func_type(func);
        self.call_with(ty.params().len(), ty.results(), |args| Op::Call {
            func,
            args,
        });
    }

    pub(super) fn op(&mut self, op: Operator<'_>, offset: usize) -> Result<(), ModuleError> {
        use Operator as O;
        let (skip, dead) = self
            .ctrl
            .last()
            .map_or((true, true), |c| (c.unreachable || c.dead, c.dead));
        if skip {
            // Unreachable code: track nesting only.
            match op {
                O::Block { .. } | O::Loop { .. } | O::If { .. } | O::TryTable { .. } => {
                    self.push_dead_ctrl();
                    return Ok(());
                }
                O::Else if !dead => {}
                O::End => {}
                _ => return Ok(()),
            }
        }
        match op {
            O::Nop => {}
            O::Unreachable => {
                self.emit(Op::Unreachable);
                self.set_unreachable();
            }
            O::Block { blockty } => {
                self.materialize_all();
                self.push_ctrl(CtrlKind::Block, blockty);
            }
            O::Loop { blockty } => {
                self.materialize_all();
                self.push_ctrl(CtrlKind::Loop, blockty);
                self.last_result = None;
            }
            O::If { blockty } => {
                let cond = self.pop();
                self.materialize_all();
                let at = self.cond_branch(cond, false, u32::MAX);
                self.push_ctrl(CtrlKind::If, blockty);
                if let Some(c) = self.ctrl.last_mut() {
                    c.else_fixup = Some(at);
                }
            }
            O::Else => self.else_(),
            O::End => self.end(),
            O::Br { relative_depth } => {
                self.branch(relative_depth);
                self.set_unreachable();
            }
            O::BrIf { relative_depth } => {
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
            O::Return => {
                self.ret();
                self.set_unreachable();
            }
            O::Call { function_index } => self.call(function_index),
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
            O::Drop => {
                self.pop();
            }
            O::Select | O::TypedSelect { .. } => {
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
            O::LocalGet { local_index } => {
                let wide = self.locals[local_index as usize].1;
                self.push(Operand::Local(local_index), wide);
            }
            O::LocalSet { local_index } => self.local_set(local_index, false),
            O::LocalTee { local_index } => self.local_set(local_index, true),
            O::GlobalGet { global_index } => {
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
            O::GlobalSet { global_index } => {
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
            O::I32Load { memarg } | O::F32Load { memarg } => {
                self.load(memarg, |dst, addr, mem, offset| Op::I32Load {
                    dst,
                    addr,
                    mem,
                    offset,
                })
            }
            O::I64Load { memarg } | O::F64Load { memarg } => {
                self.load(memarg, |dst, addr, mem, offset| Op::I64Load {
                    dst,
                    addr,
                    mem,
                    offset,
                })
            }
            O::I32Load8S { memarg } => self.load(memarg, |dst, addr, mem, offset| Op::I32Load8S {
                dst,
                addr,
                mem,
                offset,
            }),
            O::I32Load8U { memarg } => self.load(memarg, |dst, addr, mem, offset| Op::I32Load8U {
                dst,
                addr,
                mem,
                offset,
            }),
            O::I32Load16S { memarg } => {
                self.load(memarg, |dst, addr, mem, offset| Op::I32Load16S {
                    dst,
                    addr,
                    mem,
                    offset,
                })
            }
            O::I32Load16U { memarg } => {
                self.load(memarg, |dst, addr, mem, offset| Op::I32Load16U {
                    dst,
                    addr,
                    mem,
                    offset,
                })
            }
            O::I64Load8S { memarg } => self.load(memarg, |dst, addr, mem, offset| Op::I64Load8S {
                dst,
                addr,
                mem,
                offset,
            }),
            O::I64Load8U { memarg } => self.load(memarg, |dst, addr, mem, offset| Op::I64Load8U {
                dst,
                addr,
                mem,
                offset,
            }),
            O::I64Load16S { memarg } => {
                self.load(memarg, |dst, addr, mem, offset| Op::I64Load16S {
                    dst,
                    addr,
                    mem,
                    offset,
                })
            }
            O::I64Load16U { memarg } => {
                self.load(memarg, |dst, addr, mem, offset| Op::I64Load16U {
                    dst,
                    addr,
                    mem,
                    offset,
                })
            }
            O::I64Load32S { memarg } => {
                self.load(memarg, |dst, addr, mem, offset| Op::I64Load32S {
                    dst,
                    addr,
                    mem,
                    offset,
                })
            }
            O::I64Load32U { memarg } => {
                self.load(memarg, |dst, addr, mem, offset| Op::I64Load32U {
                    dst,
                    addr,
                    mem,
                    offset,
                })
            }
            O::I32Store { memarg } | O::F32Store { memarg } => {
                self.store(memarg, |addr, src, mem, offset| Op::I32Store {
                    addr,
                    src,
                    mem,
                    offset,
                })
            }
            O::I64Store { memarg } | O::F64Store { memarg } => {
                self.store(memarg, |addr, src, mem, offset| Op::I64Store {
                    addr,
                    src,
                    mem,
                    offset,
                })
            }
            O::I32Store8 { memarg } => self.store(memarg, |addr, src, mem, offset| Op::I32Store8 {
                addr,
                src,
                mem,
                offset,
            }),
            O::I32Store16 { memarg } => {
                self.store(memarg, |addr, src, mem, offset| Op::I32Store16 {
                    addr,
                    src,
                    mem,
                    offset,
                })
            }
            O::I64Store8 { memarg } => self.store(memarg, |addr, src, mem, offset| Op::I64Store8 {
                addr,
                src,
                mem,
                offset,
            }),
            O::I64Store16 { memarg } => {
                self.store(memarg, |addr, src, mem, offset| Op::I64Store16 {
                    addr,
                    src,
                    mem,
                    offset,
                })
            }
            O::I64Store32 { memarg } => {
                self.store(memarg, |addr, src, mem, offset| Op::I64Store32 {
                    addr,
                    src,
                    mem,
                    offset,
                })
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

            O::I32Const { value } => self.push_const(value as u32 as u64),
            O::I64Const { value } => self.push_const(value as u64),
            O::F32Const { value } => self.push_const(value.bits() as u64),
            O::F64Const { value } => self.push_const(value.bits()),

            O::RefNull { .. } => self.push_const(0),
            O::RefIsNull => self.unary(|dst, src| Op::I64Eqz { dst, src }),
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
                    self.numeric(other, offset)?;
                }
            }
        }
        Ok(())
    }

    fn push_const(&mut self, val: u64) {
        self.push(Operand::Const(val), false);
    }

    fn numeric(&mut self, op: Operator<'_>, offset: usize) -> Result<(), ModuleError> {
        use Operator as O;
        macro_rules! un {
            ($name:ident) => {
                self.unary(|dst, src| Op::$name { dst, src })
            };
        }
        macro_rules! bin {
            ($name:ident) => {
                self.binary(|dst, lhs, rhs| Op::$name { dst, lhs, rhs })
            };
        }
        match op {
            O::I32Eqz => un!(I32Eqz),
            O::I32Eq => bin!(I32Eq),
            O::I32Ne => bin!(I32Ne),
            O::I32LtS => bin!(I32LtS),
            O::I32LtU => bin!(I32LtU),
            O::I32GtS => bin!(I32GtS),
            O::I32GtU => bin!(I32GtU),
            O::I32LeS => bin!(I32LeS),
            O::I32LeU => bin!(I32LeU),
            O::I32GeS => bin!(I32GeS),
            O::I32GeU => bin!(I32GeU),
            O::I64Eqz => un!(I64Eqz),
            O::I64Eq => bin!(I64Eq),
            O::I64Ne => bin!(I64Ne),
            O::I64LtS => bin!(I64LtS),
            O::I64LtU => bin!(I64LtU),
            O::I64GtS => bin!(I64GtS),
            O::I64GtU => bin!(I64GtU),
            O::I64LeS => bin!(I64LeS),
            O::I64LeU => bin!(I64LeU),
            O::I64GeS => bin!(I64GeS),
            O::I64GeU => bin!(I64GeU),
            O::F32Eq => bin!(F32Eq),
            O::F32Ne => bin!(F32Ne),
            O::F32Lt => bin!(F32Lt),
            O::F32Gt => bin!(F32Gt),
            O::F32Le => bin!(F32Le),
            O::F32Ge => bin!(F32Ge),
            O::F64Eq => bin!(F64Eq),
            O::F64Ne => bin!(F64Ne),
            O::F64Lt => bin!(F64Lt),
            O::F64Gt => bin!(F64Gt),
            O::F64Le => bin!(F64Le),
            O::F64Ge => bin!(F64Ge),
            O::I32Clz => un!(I32Clz),
            O::I32Ctz => un!(I32Ctz),
            O::I32Popcnt => un!(I32Popcnt),
            O::I32Add => bin!(I32Add),
            O::I32Sub => bin!(I32Sub),
            O::I32Mul => bin!(I32Mul),
            O::I32DivS => bin!(I32DivS),
            O::I32DivU => bin!(I32DivU),
            O::I32RemS => bin!(I32RemS),
            O::I32RemU => bin!(I32RemU),
            O::I32And => bin!(I32And),
            O::I32Or => bin!(I32Or),
            O::I32Xor => bin!(I32Xor),
            O::I32Shl => bin!(I32Shl),
            O::I32ShrS => bin!(I32ShrS),
            O::I32ShrU => bin!(I32ShrU),
            O::I32Rotl => bin!(I32Rotl),
            O::I32Rotr => bin!(I32Rotr),
            O::I64Clz => un!(I64Clz),
            O::I64Ctz => un!(I64Ctz),
            O::I64Popcnt => un!(I64Popcnt),
            O::I64Add => bin!(I64Add),
            O::I64Sub => bin!(I64Sub),
            O::I64Mul => bin!(I64Mul),
            O::I64DivS => bin!(I64DivS),
            O::I64DivU => bin!(I64DivU),
            O::I64RemS => bin!(I64RemS),
            O::I64RemU => bin!(I64RemU),
            O::I64And => bin!(I64And),
            O::I64Or => bin!(I64Or),
            O::I64Xor => bin!(I64Xor),
            O::I64Shl => bin!(I64Shl),
            O::I64ShrS => bin!(I64ShrS),
            O::I64ShrU => bin!(I64ShrU),
            O::I64Rotl => bin!(I64Rotl),
            O::I64Rotr => bin!(I64Rotr),
            O::F32Abs => un!(F32Abs),
            O::F32Neg => un!(F32Neg),
            O::F32Ceil => un!(F32Ceil),
            O::F32Floor => un!(F32Floor),
            O::F32Trunc => un!(F32Trunc),
            O::F32Nearest => un!(F32Nearest),
            O::F32Sqrt => un!(F32Sqrt),
            O::F32Add => bin!(F32Add),
            O::F32Sub => bin!(F32Sub),
            O::F32Mul => bin!(F32Mul),
            O::F32Div => bin!(F32Div),
            O::F32Min => bin!(F32Min),
            O::F32Max => bin!(F32Max),
            O::F32Copysign => bin!(F32Copysign),
            O::F64Abs => un!(F64Abs),
            O::F64Neg => un!(F64Neg),
            O::F64Ceil => un!(F64Ceil),
            O::F64Floor => un!(F64Floor),
            O::F64Trunc => un!(F64Trunc),
            O::F64Nearest => un!(F64Nearest),
            O::F64Sqrt => un!(F64Sqrt),
            O::F64Add => bin!(F64Add),
            O::F64Sub => bin!(F64Sub),
            O::F64Mul => bin!(F64Mul),
            O::F64Div => bin!(F64Div),
            O::F64Min => bin!(F64Min),
            O::F64Max => bin!(F64Max),
            O::F64Copysign => bin!(F64Copysign),
            O::I32WrapI64 => un!(I32WrapI64),
            O::I32TruncF32S => un!(I32TruncF32S),
            O::I32TruncF32U => un!(I32TruncF32U),
            O::I32TruncF64S => un!(I32TruncF64S),
            O::I32TruncF64U => un!(I32TruncF64U),
            O::I64ExtendI32S => un!(I64ExtendI32S),
            O::I64ExtendI32U => un!(I64ExtendI32U),
            O::I64TruncF32S => un!(I64TruncF32S),
            O::I64TruncF32U => un!(I64TruncF32U),
            O::I64TruncF64S => un!(I64TruncF64S),
            O::I64TruncF64U => un!(I64TruncF64U),
            O::F32ConvertI32S => un!(F32ConvertI32S),
            O::F32ConvertI32U => un!(F32ConvertI32U),
            O::F32ConvertI64S => un!(F32ConvertI64S),
            O::F32ConvertI64U => un!(F32ConvertI64U),
            O::F32DemoteF64 => un!(F32DemoteF64),
            O::F64ConvertI32S => un!(F64ConvertI32S),
            O::F64ConvertI32U => un!(F64ConvertI32U),
            O::F64ConvertI64S => un!(F64ConvertI64S),
            O::F64ConvertI64U => un!(F64ConvertI64U),
            O::F64PromoteF32 => un!(F64PromoteF32),
            // Reinterpretations are no-ops on cells: f32 bits live in the low 32 bits of the
            // cell exactly like an i32, and f64 bits like an i64.
            O::I32ReinterpretF32
            | O::I64ReinterpretF64
            | O::F32ReinterpretI32
            | O::F64ReinterpretI64 => {}
            O::I32Extend8S => un!(I32Extend8S),
            O::I32Extend16S => un!(I32Extend16S),
            O::I64Extend8S => un!(I64Extend8S),
            O::I64Extend16S => un!(I64Extend16S),
            O::I64Extend32S => un!(I64Extend32S),
            O::I32TruncSatF32S => un!(I32TruncSatF32S),
            O::I32TruncSatF32U => un!(I32TruncSatF32U),
            O::I32TruncSatF64S => un!(I32TruncSatF64S),
            O::I32TruncSatF64U => un!(I32TruncSatF64U),
            O::I64TruncSatF32S => un!(I64TruncSatF32S),
            O::I64TruncSatF32U => un!(I64TruncSatF32U),
            O::I64TruncSatF64S => un!(I64TruncSatF64S),
            O::I64TruncSatF64U => un!(I64TruncSatF64U),
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
            O::TryTable { try_table } => self.try_table(try_table),
            O::Throw { tag_index } => self.throw(tag_index),
            O::ThrowRef => self.throw_ref(),
            O::I64MulWideS => self.wide_mul(|dst, lhs, rhs| Op::I64MulWideS { dst, lhs, rhs }),
            O::I64MulWideU => self.wide_mul(|dst, lhs, rhs| Op::I64MulWideU { dst, lhs, rhs }),
            other => {
                let mut name = alloc::format!("{other:?}");
                name.truncate(40);
                return Err(unsupported(offset, &name));
            }
        }
        Ok(())
    }
}
