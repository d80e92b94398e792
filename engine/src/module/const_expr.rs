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

    pub fn decode(expr: &wasmparser::ConstExpr<'_>) -> Result<ConstExpr, ModuleError> {
        use wasmparser::Operator as O;
        let mut ops = Vec::new();
        let mut reader = expr.get_operators_reader();
        while !reader.eof() {
            let offset = reader.original_position() as usize;
            let op = match reader.read()? {
                O::I32Const { value } => ConstOp::Cell(value as u32 as u64),
                O::I64Const { value } => ConstOp::Cell(value as u64),
                O::F32Const { value } => ConstOp::Cell(value.bits() as u64),
                O::F64Const { value } => ConstOp::Cell(value.bits()),
                #[cfg(feature = "simd")]
                O::V128Const { value } => ConstOp::V128(value.i128() as u128),
                O::RefNull { .. } => ConstOp::RefNull,
                O::RefFunc { function_index } => ConstOp::RefFunc(function_index),
                O::GlobalGet { global_index } => ConstOp::GlobalGet(global_index),
                O::I32Add => ConstOp::I32Add,
                O::I32Sub => ConstOp::I32Sub,
                O::I32Mul => ConstOp::I32Mul,
                O::I64Add => ConstOp::I64Add,
                O::I64Sub => ConstOp::I64Sub,
                O::I64Mul => ConstOp::I64Mul,
                O::RefI31 => ConstOp::RefI31,
                O::StructNew { struct_type_index } => {
                    ConstOp::Gc(GcConst::StructNew(struct_type_index))
                }
                O::StructNewDefault { struct_type_index } => {
                    ConstOp::Gc(GcConst::StructNewDefault(struct_type_index))
                }
                O::ArrayNew { array_type_index } => {
                    ConstOp::Gc(GcConst::ArrayNew(array_type_index))
                }
                O::ArrayNewDefault { array_type_index } => {
                    ConstOp::Gc(GcConst::ArrayNewDefault(array_type_index))
                }
                O::ArrayNewFixed {
                    array_type_index,
                    array_size,
                } => ConstOp::Gc(GcConst::ArrayNewFixed(array_type_index, array_size)),
                // GC references share one cell encoding: the conversions change nothing.
                O::AnyConvertExtern | O::ExternConvertAny => continue,
                O::End => continue,
                _ => {
                    return Err(ModuleError {
                        offset,
                        message: "unsupported constant expression".to_string(),
                    })
                }
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
