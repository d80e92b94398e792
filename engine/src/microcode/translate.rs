//! Wasm function bodies to microcode.
//!
//! The body was validated when the module was created, so translation trusts the operator
//! stream's shape (stack heights, label depths, types) and only tracks what it needs:
//! the operand stack as a list of [`Operand`]s and the control stack as [`Ctrl`] frames.
//!
//! Operands are *lazy*: `local.get` and constants are not copied into the frame when pushed;
//! the instruction that consumes them reads the local's slot (or a materialised constant)
//! directly. Lazy operands are materialised into their canonical stack slot before anything
//! that could change what they denote (`local.set`/`local.tee` of the same local) and at the
//! boundaries where stack values must sit in their canonical slots (block entry, branches,
//! calls, returns). A `local.set` right after the instruction that computed its value rewrites
//! that instruction's destination instead of adding a copy.

use alloc::string::ToString;
use alloc::vec;
use alloc::vec::Vec;

use wasmparser::{BinaryReader, BlockType, FunctionBody, Operator};

use super::{Compiled, Op, Slot};
use crate::error::ModuleError;
use crate::module::ModuleInner;

/// A value on the translator's operand stack.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Operand {
    /// In its canonical slot (`first_temp + position`).
    Temp,
    /// Still in local `n`.
    Local(u32),
    /// A constant cell not yet written anywhere.
    Const(u64),
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum CtrlKind {
    Block,
    Loop,
    If,
    Else,
}

#[derive(Debug)]
struct Ctrl {
    kind: CtrlKind,
    /// Operand-stack height below the block's parameters.
    height: u32,
    params: u32,
    results: u32,
    /// For loops, the branch target; otherwise unused.
    start: u32,
    /// Ops whose target is this block's end.
    fixups: Vec<usize>,
    /// For `if`, the conditional jump to the `else` arm.
    else_fixup: Option<usize>,
    /// The rest of this block is unreachable.
    unreachable: bool,
    /// The whole block sits in unreachable code and emits nothing.
    dead: bool,
}

impl Ctrl {
    fn branch_arity(&self) -> u32 {
        if self.kind == CtrlKind::Loop {
            self.params
        } else {
            self.results
        }
    }
}

struct Translator<'m> {
    module: &'m ModuleInner,
    ops: Vec<Op>,
    stack: Vec<Operand>,
    /// Number of `Operand::Local(n)` entries per local, to find aliases quickly.
    local_refs: Vec<u32>,
    first_temp: u32,
    max_height: u32,
    ctrl: Vec<Ctrl>,
    /// Index of the last op if its result may be retargeted by a following `local.set`.
    last_result: Option<usize>,
}

/// The memory a (validated, non-GC) memory argument names.
fn mem_index(memarg: &wasmparser::MemArg) -> u32 {
    match memarg.target {
        wasmparser::MemArgTarget::Memory(m) | wasmparser::MemArgTarget::Array(m) => m,
    }
}

fn unsupported(offset: usize, what: &str) -> ModuleError {
    let mut message = "unsupported instruction: ".to_string();
    message.push_str(what);
    ModuleError { offset, message }
}

/// Translate defined function `def` of `module`.
pub(crate) fn translate(module: &ModuleInner, def: u32) -> Result<Compiled, ModuleError> {
    let range = module.bodies[def as usize].clone();
    let body = FunctionBody::new(BinaryReader::new(
        &module.bytes[range.clone()],
        range.start as u64,
    ));
    let func_index = module.num_imported_funcs + def;
    let ty = module.func_type(func_index);
    let num_params = ty.params().len() as u32;
    let num_results = ty.results().len() as u32;

    let mut num_locals: u32 = 0;
    for local in body.get_locals_reader()? {
        let (count, _ty) = local?;
        num_locals = num_locals
            .checked_add(count)
            .ok_or_else(|| unsupported(range.start, "too many locals"))?;
    }
    let first_temp = num_params + num_locals;

    let mut t = Translator {
        module,
        ops: Vec::new(),
        stack: Vec::new(),
        local_refs: vec![0; first_temp as usize],
        first_temp,
        max_height: 0,
        ctrl: Vec::new(),
        last_result: None,
    };
    t.ctrl.push(Ctrl {
        kind: CtrlKind::Block,
        height: 0,
        params: 0,
        results: num_results,
        start: 0,
        fixups: Vec::new(),
        else_fixup: None,
        unreachable: false,
        dead: false,
    });

    let mut reader = body.get_operators_reader()?;
    while !reader.eof() {
        let offset = reader.original_position();
        let op = reader.read()?;
        t.op(op, offset as usize)?;
        if t.ctrl.is_empty() {
            break;
        }
    }

    let frame_size = first_temp
        .checked_add(t.max_height)
        .and_then(|s| s.checked_add(1))
        .ok_or_else(|| unsupported(range.start, "frame too large"))?;
    Ok(Compiled {
        ops: t.ops,
        num_params,
        num_locals,
        num_results,
        frame_size,
    })
}

impl Translator<'_> {
    fn height(&self) -> u32 {
        self.stack.len() as u32
    }

    fn slot_at(&self, pos: u32) -> Slot {
        self.first_temp + pos
    }

    fn emit(&mut self, op: Op) -> usize {
        self.ops.push(op);
        self.last_result = None;
        self.ops.len() - 1
    }

    /// Emit an op whose result a following `local.set` may retarget.
    fn emit_result(&mut self, op: Op) {
        self.ops.push(op);
        self.last_result = Some(self.ops.len() - 1);
    }

    fn pc(&self) -> u32 {
        self.ops.len() as u32
    }

    fn push(&mut self, operand: Operand) {
        if let Operand::Local(l) = operand {
            self.local_refs[l as usize] += 1;
        }
        self.stack.push(operand);
        self.max_height = self.max_height.max(self.height());
    }

    /// Push a temporary and return its slot.
    fn push_temp(&mut self) -> Slot {
        let slot = self.slot_at(self.height());
        self.push(Operand::Temp);
        slot
    }

    fn pop(&mut self) -> (Operand, u32) {
        // Validation guarantees the operand exists in reachable code.
        let operand = self.stack.pop().unwrap_or(Operand::Temp);
        if let Operand::Local(l) = operand {
            self.local_refs[l as usize] -= 1;
        }
        (operand, self.height())
    }

    /// Pop an operand and return a slot holding its value.
    fn pop_slot(&mut self) -> Slot {
        let (operand, pos) = self.pop();
        self.operand_slot(operand, pos)
    }

    fn operand_slot(&mut self, operand: Operand, pos: u32) -> Slot {
        match operand {
            Operand::Temp => self.slot_at(pos),
            Operand::Local(l) => l,
            Operand::Const(val) => {
                let dst = self.slot_at(pos);
                self.emit(Op::Const { dst, val });
                dst
            }
        }
    }

    /// Make stack entry `pos` a `Temp` in its canonical slot.
    fn materialize(&mut self, pos: u32) {
        let dst = self.slot_at(pos);
        match self.stack[pos as usize] {
            Operand::Temp => return,
            Operand::Local(l) => {
                self.local_refs[l as usize] -= 1;
                self.emit(Op::Copy { dst, src: l });
            }
            Operand::Const(val) => {
                self.emit(Op::Const { dst, val });
            }
        }
        self.stack[pos as usize] = Operand::Temp;
    }

    fn materialize_top(&mut self, n: u32) {
        let h = self.height();
        for pos in h - n..h {
            self.materialize(pos);
        }
    }

    fn materialize_all(&mut self) {
        self.materialize_top(self.height());
    }

    /// Emit copies moving the top `arity` operands into the slots of positions
    /// `target_height..`. Returns whether any copy was needed (without emitting) if `dry`.
    fn copy_to(&mut self, target_height: u32, arity: u32, dry: bool) -> bool {
        let h = self.height();
        let mut needed = false;
        for k in 0..arity {
            let pos = h - arity + k;
            let dst = self.slot_at(target_height + k);
            let operand = self.stack[pos as usize];
            let src = match operand {
                Operand::Temp if pos == target_height + k => continue,
                Operand::Temp => self.slot_at(pos),
                Operand::Local(l) => l,
                Operand::Const(val) => {
                    needed = true;
                    if !dry {
                        self.emit(Op::Const { dst, val });
                    }
                    continue;
                }
            };
            needed = true;
            if !dry {
                self.emit(Op::Copy { dst, src });
            }
        }
        needed
    }

    fn label(&self, depth: u32) -> &Ctrl {
        &self.ctrl[self.ctrl.len() - 1 - depth as usize]
    }

    /// Emit a jump to the label `depth` levels out, assuming its values are in place.
    fn jump_to_label(&mut self, depth: u32) {
        let idx = self.ctrl.len() - 1 - depth as usize;
        if self.ctrl[idx].kind == CtrlKind::Loop {
            let target = self.ctrl[idx].start;
            self.emit(Op::Br { target });
        } else {
            let at = self.emit(Op::Br { target: u32::MAX });
            self.ctrl[idx].fixups.push(at);
        }
    }

    /// Emit the full branch (copies and jump) to label `depth`.
    fn branch(&mut self, depth: u32) {
        let (height, arity) = {
            let l = self.label(depth);
            (l.height, l.branch_arity())
        };
        self.copy_to(height, arity, false);
        self.jump_to_label(depth);
    }

    fn set_unreachable(&mut self) {
        let height = self.ctrl.last().map_or(0, |c| c.height);
        while self.height() > height {
            self.pop();
        }
        if let Some(c) = self.ctrl.last_mut() {
            c.unreachable = true;
        }
        self.last_result = None;
    }

    fn patch(&mut self, at: usize, target: u32) {
        match &mut self.ops[at] {
            Op::Br { target: t }
            | Op::BrIfNez { target: t, .. }
            | Op::BrIfEqz { target: t, .. } => *t = target,
            _ => {}
        }
    }

    fn block_arity(&self, ty: BlockType) -> (u32, u32) {
        match ty {
            BlockType::Empty => (0, 0),
            BlockType::Type(_) => (0, 1),
            BlockType::FuncType(idx) => {
                let ft = &self.module.types[idx as usize];
                (ft.params().len() as u32, ft.results().len() as u32)
            }
        }
    }

    fn push_ctrl(&mut self, kind: CtrlKind, ty: BlockType) {
        let (params, results) = self.block_arity(ty);
        let height = self.height().saturating_sub(params);
        self.ctrl.push(Ctrl {
            kind,
            height,
            params,
            results,
            start: self.pc(),
            fixups: Vec::new(),
            else_fixup: None,
            unreachable: false,
            dead: false,
        });
    }

    fn unary(&mut self, make: fn(Slot, Slot) -> Op) {
        let src = self.pop_slot();
        let dst = self.push_temp();
        self.emit_result(make(dst, src));
    }

    fn binary(&mut self, make: fn(Slot, Slot, Slot) -> Op) {
        let (b, pb) = self.pop();
        let (a, pa) = self.pop();
        let lhs = self.operand_slot(a, pa);
        let rhs = self.operand_slot(b, pb);
        let dst = self.push_temp();
        self.emit_result(make(dst, lhs, rhs));
    }

    fn load(&mut self, memarg: wasmparser::MemArg, make: fn(Slot, Slot, u32, u64) -> Op) {
        let addr = self.pop_slot();
        let dst = self.push_temp();
        self.emit_result(make(dst, addr, mem_index(&memarg), memarg.offset));
    }

    fn store(&mut self, memarg: wasmparser::MemArg, make: fn(Slot, Slot, u32, u64) -> Op) {
        let (v, pv) = self.pop();
        let (a, pa) = self.pop();
        let addr = self.operand_slot(a, pa);
        let src = self.operand_slot(v, pv);
        self.emit(make(addr, src, mem_index(&memarg), memarg.offset));
    }

    /// Pop three operands (`a`, `b`, `c` in push order) into slots.
    fn pop3(&mut self) -> (Slot, Slot, Slot) {
        let (c, pc) = self.pop();
        let (b, pb) = self.pop();
        let (a, pa) = self.pop();
        let a = self.operand_slot(a, pa);
        let b = self.operand_slot(b, pb);
        let c = self.operand_slot(c, pc);
        (a, b, c)
    }

    fn local_set(&mut self, local: u32, tee: bool) {
        let (v, pos) = self.pop();
        if v != Operand::Local(local) {
            if self.local_refs[local as usize] > 0 {
                for p in 0..self.height() {
                    if self.stack[p as usize] == Operand::Local(local) {
                        self.materialize(p);
                    }
                }
            }
            match v {
                Operand::Temp => {
                    let src = self.slot_at(pos);
                    let retarget = self.last_result.and_then(|at| {
                        let slot = self.ops[at].result_slot_mut()?;
                        (*slot == src).then_some(at)
                    });
                    match retarget {
                        Some(at) => {
                            if let Some(slot) = self.ops[at].result_slot_mut() {
                                *slot = local;
                            }
                        }
                        None => {
                            self.emit(Op::Copy { dst: local, src });
                        }
                    }
                }
                Operand::Local(l) => {
                    self.emit(Op::Copy { dst: local, src: l });
                }
                Operand::Const(val) => {
                    self.emit(Op::Const { dst: local, val });
                }
            }
        }
        self.last_result = None;
        if tee {
            self.push(Operand::Local(local));
        }
    }

    fn call(&mut self, func: u32) {
        let ty = self.module.func_type(func);
        let (params, results) = (ty.params().len() as u32, ty.results().len() as u32);
        self.call_with(params, results, |args| Op::Call { func, args });
    }

    fn call_with(&mut self, params: u32, results: u32, make: impl FnOnce(Slot) -> Op) {
        self.materialize_top(params);
        let base = self.height() - params;
        for _ in 0..params {
            self.pop();
        }
        let args = self.slot_at(base);
        self.emit(make(args));
        for _ in 0..results {
            self.push_temp();
        }
    }

    fn ret(&mut self) {
        let results = self.ctrl[0].results;
        self.materialize_top(results);
        let src = self.slot_at(self.height() - results);
        self.emit(Op::Return {
            src,
            count: results,
        });
    }

    fn end(&mut self) {
        let Some(c) = self.ctrl.pop() else { return };
        if c.dead {
            return;
        }
        if !c.unreachable {
            self.materialize_top(c.results);
        }
        let here = self.pc();
        if let Some(at) = c.else_fixup {
            self.patch(at, here);
        }
        for at in c.fixups {
            self.patch(at, here);
        }
        while self.height() > c.height {
            self.pop();
        }
        for _ in 0..c.results {
            self.push_temp();
        }
        self.last_result = None;
        if self.ctrl.is_empty() {
            self.emit(Op::Return {
                src: self.first_temp,
                count: c.results,
            });
        }
    }

    fn op(&mut self, op: Operator<'_>, offset: usize) -> Result<(), ModuleError> {
        use Operator as O;
        let top = self
            .ctrl
            .last()
            .map(|c| (c.unreachable || c.dead, c.dead))
            .unwrap_or((true, true));
        if top.0 {
            // Unreachable code: track nesting only.
            match op {
                O::Block { .. } | O::Loop { .. } | O::If { .. } => {
                    self.ctrl.push(Ctrl {
                        kind: CtrlKind::Block,
                        height: self.height(),
                        params: 0,
                        results: 0,
                        start: 0,
                        fixups: Vec::new(),
                        else_fixup: None,
                        unreachable: true,
                        dead: true,
                    });
                    return Ok(());
                }
                O::Else if !top.1 => {}
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
                let cond = self.pop_slot();
                self.materialize_all();
                let at = self.emit(Op::BrIfEqz {
                    cond,
                    target: u32::MAX,
                });
                self.push_ctrl(CtrlKind::If, blockty);
                if let Some(c) = self.ctrl.last_mut() {
                    c.else_fixup = Some(at);
                }
            }
            O::Else => {
                let (height, params, results, unreachable) = {
                    let c = self.ctrl.last().expect("validated");
                    (c.height, c.params, c.results, c.unreachable)
                };
                if !unreachable {
                    self.materialize_top(results);
                    let at = self.emit(Op::Br { target: u32::MAX });
                    if let Some(c) = self.ctrl.last_mut() {
                        c.fixups.push(at);
                    }
                }
                let here = self.pc();
                let else_fixup = self.ctrl.last_mut().and_then(|c| c.else_fixup.take());
                if let Some(at) = else_fixup {
                    self.patch(at, here);
                }
                while self.height() > height {
                    self.pop();
                }
                for _ in 0..params {
                    self.push_temp();
                }
                if let Some(c) = self.ctrl.last_mut() {
                    c.kind = CtrlKind::Else;
                    c.unreachable = false;
                }
                self.last_result = None;
            }
            O::End => self.end(),
            O::Br { relative_depth } => {
                self.branch(relative_depth);
                self.set_unreachable();
            }
            O::BrIf { relative_depth } => {
                let cond = self.pop_slot();
                let (height, arity) = {
                    let l = self.label(relative_depth);
                    (l.height, l.branch_arity())
                };
                if self.copy_to(height, arity, true) {
                    let skip = self.emit(Op::BrIfEqz {
                        cond,
                        target: u32::MAX,
                    });
                    self.branch(relative_depth);
                    let here = self.pc();
                    self.patch(skip, here);
                } else if self.label(relative_depth).kind == CtrlKind::Loop {
                    let target = self.label(relative_depth).start;
                    self.emit(Op::BrIfNez { cond, target });
                } else {
                    let at = self.emit(Op::BrIfNez {
                        cond,
                        target: u32::MAX,
                    });
                    let idx = self.ctrl.len() - 1 - relative_depth as usize;
                    self.ctrl[idx].fixups.push(at);
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
                    let (height, arity) = {
                        let l = self.label(depth);
                        (l.height, l.branch_arity())
                    };
                    if self.copy_to(height, arity, true) {
                        let at = self.emit(Op::Br { target: u32::MAX });
                        stubs.push((at, depth));
                    } else {
                        self.jump_to_label(depth);
                    }
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
                let ft = &self.module.types[type_index as usize];
                let (params, results) = (ft.params().len() as u32, ft.results().len() as u32);
                self.call_with(params, results, |args| Op::CallIndirect {
                    ty: type_index,
                    table: table_index,
                    index,
                    args,
                });
            }
            O::ReturnCall { function_index } => {
                let ty = self.module.func_type(function_index);
                let (params, results) = (ty.params().len() as u32, ty.results().len() as u32);
                self.call_with(params, results, |args| Op::ReturnCall {
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
                let ft = &self.module.types[type_index as usize];
                let (params, results) = (ft.params().len() as u32, ft.results().len() as u32);
                self.call_with(params, results, |args| Op::ReturnCallIndirect {
                    ty: type_index,
                    table: table_index,
                    index,
                    args,
                });
                self.set_unreachable();
            }
            O::Drop => {
                self.pop();
            }
            O::Select | O::TypedSelect { .. } => {
                let (a, b, cond) = self.pop3();
                let dst = self.push_temp();
                self.emit_result(Op::Select { dst, cond, a, b });
            }
            O::LocalGet { local_index } => self.push(Operand::Local(local_index)),
            O::LocalSet { local_index } => self.local_set(local_index, false),
            O::LocalTee { local_index } => self.local_set(local_index, true),
            O::GlobalGet { global_index } => {
                let dst = self.push_temp();
                self.emit_result(Op::GlobalGet {
                    dst,
                    global: global_index,
                });
            }
            O::GlobalSet { global_index } => {
                let src = self.pop_slot();
                self.emit(Op::GlobalSet {
                    src,
                    global: global_index,
                });
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

            O::I32Const { value } => self.push(Operand::Const(value as u32 as u64)),
            O::I64Const { value } => self.push(Operand::Const(value as u64)),
            O::F32Const { value } => self.push(Operand::Const(value.bits() as u64)),
            O::F64Const { value } => self.push(Operand::Const(value.bits())),

            O::RefNull { .. } => self.push(Operand::Const(0)),
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
                let (v, pv) = self.pop();
                let (i, pi) = self.pop();
                let index = self.operand_slot(i, pi);
                let val = self.operand_slot(v, pv);
                self.emit(Op::TableSet { table, index, val });
            }
            O::TableSize { table } => {
                let dst = self.push_temp();
                self.emit_result(Op::TableSize { dst, table });
            }
            O::TableGrow { table } => {
                let (d, pd) = self.pop();
                let (i, pi) = self.pop();
                let init = self.operand_slot(i, pi);
                let delta = self.operand_slot(d, pd);
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

            O::I32Add => self.add_imm32(),
            O::I64Add => self.add_imm64(),
            other => self.numeric(other, offset)?,
        }
        Ok(())
    }

    /// `i32.add` with a constant operand becomes `I32AddImm`.
    fn add_imm32(&mut self) {
        let h = self.height();
        if let Operand::Const(c) = self.stack[h as usize - 1] {
            self.pop();
            let lhs = self.pop_slot();
            let dst = self.push_temp();
            self.emit_result(Op::I32AddImm {
                dst,
                lhs,
                imm: c as u32 as i32,
            });
        } else {
            self.binary(|dst, lhs, rhs| Op::I32Add { dst, lhs, rhs });
        }
    }

    fn add_imm64(&mut self) {
        let h = self.height();
        if let Operand::Const(c) = self.stack[h as usize - 1] {
            self.pop();
            let lhs = self.pop_slot();
            let dst = self.push_temp();
            self.emit_result(Op::I64AddImm {
                dst,
                lhs,
                imm: c as i64,
            });
        } else {
            self.binary(|dst, lhs, rhs| Op::I64Add { dst, lhs, rhs });
        }
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
            other => {
                let mut name = alloc::format!("{other:?}");
                name.truncate(40);
                return Err(unsupported(offset, &name));
            }
        }
        Ok(())
    }
}
