//! Constant expressions (global initialisers, segment offsets, element items).

use alloc::string::ToString;
use alloc::vec::Vec;

use crate::error::ModuleError;

/// One instruction of a constant expression (including extended-const arithmetic).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum ConstOp {
    /// Push a raw cell (`i32`/`i64`/`f32`/`f64` constants, pre-encoded).
    Cell(u64),
    /// Push a v128 constant (`v128.const`, only read with the `simd` feature).
    #[cfg_attr(not(feature = "simd"), allow(dead_code))]
    V128(u128),
    RefNull,
    RefFunc(u32),
    GlobalGet(u32),
    I32Add,
    I32Sub,
    I32Mul,
    I64Add,
    I64Sub,
    I64Mul,
    /// `ref.i31` (GC): the `i31` of the low 31 bits of the i32 on top.
    RefI31,
    /// A struct or array allocation (GC): the evaluator's caller makes it.
    Gc(GcConst),
}

/// An allocation in a constant expression (GC), with its module type index: what
/// [`ConstExpr::eval_gc`]'s caller makes from the values on the expression's stack.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum GcConst {
    /// `struct.new`: one value per field, the last on top.
    StructNew(u32),
    StructNewDefault(u32),
    /// `array.new`: the initial value, then the length on top.
    ArrayNew(u32),
    /// `array.new_default`: the length.
    ArrayNewDefault(u32),
    /// `array.new_fixed`: this many values, the last on top.
    ArrayNewFixed(u32, u32),
}

/// A validated constant expression, as a short postfix program.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ConstExpr {
    pub ops: Vec<ConstOp>,
}

/// What makes the structs and arrays a constant expression allocates
/// ([`ConstExpr::eval_gc`]): it takes the operands off the stack and returns the new
/// reference cell, or the trap that ends the evaluation.
pub(crate) type GcAlloc<'a> =
    dyn FnMut(GcConst, &mut Vec<u128>) -> Result<u64, crate::error::TrapCode> + 'a;

impl ConstExpr {
    pub fn from_op(op: ConstOp) -> ConstExpr {
        ConstExpr {
            ops: alloc::vec![op],
        }
    }

    /// Decode a validated constant expression. Its few opcodes are read by hand, not as
    /// `wasmparser::Operator`s: reading those instantiates wasmparser's whole operator
    /// decoder building `Operator` values, 14 KB of the firmware's flash for this alone.
    pub fn decode(expr: &wasmparser::ConstExpr<'_>) -> Result<ConstExpr, ModuleError> {
        let mut ops = Vec::new();
        let mut r = expr.get_binary_reader();
        let unsupported = |offset: usize| ModuleError {
            offset,
            message: "unsupported constant expression".to_string(),
        };
        while !r.eof() {
            let offset = r.original_position() as usize;
            let op = match r.read_u8()? {
                // i32.const, i64.const, f32.const, f64.const
                0x41 => ConstOp::Cell(r.read_var_i32()? as u32 as u64),
                0x42 => ConstOp::Cell(r.read_var_i64()? as u64),
                0x43 => ConstOp::Cell(r.read_f32()?.bits() as u64),
                0x44 => ConstOp::Cell(r.read_f64()?.bits()),
                // global.get, ref.null (its heap type), ref.func
                0x23 => ConstOp::GlobalGet(r.read_var_u32()?),
                0xd0 => {
                    r.read::<wasmparser::HeapType>()?;
                    ConstOp::RefNull
                }
                0xd2 => ConstOp::RefFunc(r.read_var_u32()?),
                // The extended-const arithmetic.
                0x6a => ConstOp::I32Add,
                0x6b => ConstOp::I32Sub,
                0x6c => ConstOp::I32Mul,
                0x7c => ConstOp::I64Add,
                0x7d => ConstOp::I64Sub,
                0x7e => ConstOp::I64Mul,
                // end
                0x0b => continue,
                // v128.const
                #[cfg(feature = "simd")]
                0xfd => match r.read_var_u32()? {
                    0x0c => {
                        let mut bytes = [0u8; 16];
                        bytes.copy_from_slice(r.read_bytes(16)?);
                        ConstOp::V128(u128::from_le_bytes(bytes))
                    }
                    _ => return Err(unsupported(offset)),
                },
                // GC: allocations, `ref.i31`, and the conversions, which change nothing
                // (GC references share one cell encoding).
                0xfb => match r.read_var_u32()? {
                    0x00 => ConstOp::Gc(GcConst::StructNew(r.read_var_u32()?)),
                    0x01 => ConstOp::Gc(GcConst::StructNewDefault(r.read_var_u32()?)),
                    0x06 => ConstOp::Gc(GcConst::ArrayNew(r.read_var_u32()?)),
                    0x07 => ConstOp::Gc(GcConst::ArrayNewDefault(r.read_var_u32()?)),
                    0x08 => {
                        let ty = r.read_var_u32()?;
                        ConstOp::Gc(GcConst::ArrayNewFixed(ty, r.read_var_u32()?))
                    }
                    0x1a | 0x1b => continue,
                    0x1c => ConstOp::RefI31,
                    _ => return Err(unsupported(offset)),
                },
                _ => return Err(unsupported(offset)),
            };
            ops.push(op);
        }
        Ok(ConstExpr { ops })
    }

    /// Evaluate to 128 bits (a scalar cell zero-extended, or a v128). `global` reads a
    /// global's bits, `func_ref` turns a function index into a reference cell. An expression
    /// that allocates (GC) evaluates to null here: see [`ConstExpr::eval_gc`].
    pub fn eval(&self, global: impl Fn(u32) -> u128, func_ref: impl Fn(u32) -> u64) -> u128 {
        self.eval_gc(global, func_ref, &mut |_, _| Ok(0))
            .unwrap_or(0)
    }

    /// [`ConstExpr::eval`], with `gc` making the structs and arrays the expression
    /// allocates: it takes its operands off the stack and returns the new reference cell (or
    /// the trap that ends the evaluation).
    pub fn eval_gc(
        &self,
        global: impl Fn(u32) -> u128,
        func_ref: impl Fn(u32) -> u64,
        gc: &mut GcAlloc<'_>,
    ) -> Result<u128, crate::error::TrapCode> {
        let mut stack: Vec<u128> = Vec::with_capacity(4);
        for op in &self.ops {
            let v = match *op {
                ConstOp::Gc(new) => gc(new, &mut stack)? as u128,
                ConstOp::Cell(c) => c as u128,
                ConstOp::V128(v) => v,
                ConstOp::RefNull => 0,
                ConstOp::RefFunc(f) => func_ref(f) as u128,
                ConstOp::GlobalGet(g) => global(g),
                ConstOp::RefI31 => {
                    let a = stack.pop().unwrap_or(0) as u32;
                    crate::value::gc_cell::i31(a) as u128
                }
                bin => {
                    // Validation guarantees two operands.
                    let b = stack.pop().unwrap_or(0) as u64;
                    let a = stack.pop().unwrap_or(0) as u64;
                    let v = match bin {
                        ConstOp::I32Add => (a as u32).wrapping_add(b as u32) as u64,
                        ConstOp::I32Sub => (a as u32).wrapping_sub(b as u32) as u64,
                        ConstOp::I32Mul => (a as u32).wrapping_mul(b as u32) as u64,
                        ConstOp::I64Add => a.wrapping_add(b),
                        ConstOp::I64Sub => a.wrapping_sub(b),
                        _ => a.wrapping_mul(b),
                    };
                    v as u128
                }
            };
            stack.push(v);
        }
        Ok(stack.pop().unwrap_or(0))
    }
}
