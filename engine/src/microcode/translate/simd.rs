//! SIMD operators (the 0xFD prefix): v128 values take two cells.

use wasmparser::Operator;

use super::{mem_index, Translator};
use crate::error::ModuleError;
use crate::microcode::simd_ops as S;
use crate::microcode::{Op, Slot};

impl Translator<'_> {
    /// Translate `op` if it is a SIMD operator; `Ok(false)` if it is not one.
    pub(super) fn simd(&mut self, op: &Operator<'_>) -> Result<bool, ModuleError> {
        use Operator as O;
        match *op {
            O::V128Const { value } => {
                let idx = self.pool(value.i128() as u128);
                let dst = self.push_wide();
                self.emit_result(Op::V128Const { dst, idx });
            }
            O::I8x16Shuffle { lanes } => {
                let idx = self.pool(u128::from_le_bytes(lanes));
                let b = self.pop_slot();
                let a = self.pop_slot();
                let dst = self.push_wide();
                self.emit_result(Op::V128Shuffle { dst, a, b, idx });
            }
            O::V128Load { memarg } => self.v_load(memarg, |dst, addr, mem, offset| Op::V128Load {
                dst,
                addr,
                mem,
                offset,
            }),
            O::V128Load32Zero { memarg } => {
                self.v_load(memarg, |dst, addr, mem, offset| Op::V128Load32Zero {
                    dst,
                    addr,
                    mem,
                    offset,
                })
            }
            O::V128Load64Zero { memarg } => {
                self.v_load(memarg, |dst, addr, mem, offset| Op::V128Load64Zero {
                    dst,
                    addr,
                    mem,
                    offset,
                })
            }
            O::V128Load8Splat { memarg } => {
                self.v_load(memarg, |dst, addr, mem, offset| Op::V128Load8Splat {
                    dst,
                    addr,
                    mem,
                    offset,
                })
            }
            O::V128Load16Splat { memarg } => {
                self.v_load(memarg, |dst, addr, mem, offset| Op::V128Load16Splat {
                    dst,
                    addr,
                    mem,
                    offset,
                })
            }
            O::V128Load32Splat { memarg } => {
                self.v_load(memarg, |dst, addr, mem, offset| Op::V128Load32Splat {
                    dst,
                    addr,
                    mem,
                    offset,
                })
            }
            O::V128Load64Splat { memarg } => {
                self.v_load(memarg, |dst, addr, mem, offset| Op::V128Load64Splat {
                    dst,
                    addr,
                    mem,
                    offset,
                })
            }
            O::V128Load8x8S { memarg } => {
                self.v_load(memarg, |dst, addr, mem, offset| Op::V128Load8x8S {
                    dst,
                    addr,
                    mem,
                    offset,
                })
            }
            O::V128Load8x8U { memarg } => {
                self.v_load(memarg, |dst, addr, mem, offset| Op::V128Load8x8U {
                    dst,
                    addr,
                    mem,
                    offset,
                })
            }
            O::V128Load16x4S { memarg } => {
                self.v_load(memarg, |dst, addr, mem, offset| Op::V128Load16x4S {
                    dst,
                    addr,
                    mem,
                    offset,
                })
            }
            O::V128Load16x4U { memarg } => {
                self.v_load(memarg, |dst, addr, mem, offset| Op::V128Load16x4U {
                    dst,
                    addr,
                    mem,
                    offset,
                })
            }
            O::V128Load32x2S { memarg } => {
                self.v_load(memarg, |dst, addr, mem, offset| Op::V128Load32x2S {
                    dst,
                    addr,
                    mem,
                    offset,
                })
            }
            O::V128Load32x2U { memarg } => {
                self.v_load(memarg, |dst, addr, mem, offset| Op::V128Load32x2U {
                    dst,
                    addr,
                    mem,
                    offset,
                })
            }
            O::V128Store { memarg } => {
                let src = self.pop_slot();
                let addr = self.pop_slot();
                self.emit(Op::V128Store {
                    addr,
                    src,
                    mem: mem_index(&memarg),
                    offset: memarg.offset,
                });
            }
            O::V128Load8Lane { memarg, lane } => {
                self.v_load_lane(memarg, lane, |dst, addr, src, arg| Op::V128Load8Lane {
                    dst,
                    addr,
                    src,
                    arg,
                })
            }
            O::V128Load16Lane { memarg, lane } => {
                self.v_load_lane(memarg, lane, |dst, addr, src, arg| Op::V128Load16Lane {
                    dst,
                    addr,
                    src,
                    arg,
                })
            }
            O::V128Load32Lane { memarg, lane } => {
                self.v_load_lane(memarg, lane, |dst, addr, src, arg| Op::V128Load32Lane {
                    dst,
                    addr,
                    src,
                    arg,
                })
            }
            O::V128Load64Lane { memarg, lane } => {
                self.v_load_lane(memarg, lane, |dst, addr, src, arg| Op::V128Load64Lane {
                    dst,
                    addr,
                    src,
                    arg,
                })
            }
            O::V128Store8Lane { memarg, lane } => {
                self.v_store_lane(memarg, lane, |addr, src, arg| Op::V128Store8Lane {
                    addr,
                    src,
                    arg,
                })
            }
            O::V128Store16Lane { memarg, lane } => {
                self.v_store_lane(memarg, lane, |addr, src, arg| Op::V128Store16Lane {
                    addr,
                    src,
                    arg,
                })
            }
            O::V128Store32Lane { memarg, lane } => {
                self.v_store_lane(memarg, lane, |addr, src, arg| Op::V128Store32Lane {
                    addr,
                    src,
                    arg,
                })
            }
            O::V128Store64Lane { memarg, lane } => {
                self.v_store_lane(memarg, lane, |addr, src, arg| Op::V128Store64Lane {
                    addr,
                    src,
                    arg,
                })
            }
            O::V128Not => self.v_un(S::SimdUnOp::V128Not),
            O::I8x16Abs => self.v_un(S::SimdUnOp::I8x16Abs),
            O::I8x16Neg => self.v_un(S::SimdUnOp::I8x16Neg),
            O::I8x16Popcnt => self.v_un(S::SimdUnOp::I8x16Popcnt),
            O::I16x8Abs => self.v_un(S::SimdUnOp::I16x8Abs),
            O::I16x8Neg => self.v_un(S::SimdUnOp::I16x8Neg),
            O::I32x4Abs => self.v_un(S::SimdUnOp::I32x4Abs),
            O::I32x4Neg => self.v_un(S::SimdUnOp::I32x4Neg),
            O::I64x2Abs => self.v_un(S::SimdUnOp::I64x2Abs),
            O::I64x2Neg => self.v_un(S::SimdUnOp::I64x2Neg),
            O::I16x8ExtAddPairwiseI8x16S => self.v_un(S::SimdUnOp::I16x8ExtAddPairwiseI8x16S),
            O::I16x8ExtAddPairwiseI8x16U => self.v_un(S::SimdUnOp::I16x8ExtAddPairwiseI8x16U),
            O::I32x4ExtAddPairwiseI16x8S => self.v_un(S::SimdUnOp::I32x4ExtAddPairwiseI16x8S),
            O::I32x4ExtAddPairwiseI16x8U => self.v_un(S::SimdUnOp::I32x4ExtAddPairwiseI16x8U),
            O::I16x8ExtendLowI8x16S => self.v_un(S::SimdUnOp::I16x8ExtendLowI8x16S),
            O::I16x8ExtendHighI8x16S => self.v_un(S::SimdUnOp::I16x8ExtendHighI8x16S),
            O::I16x8ExtendLowI8x16U => self.v_un(S::SimdUnOp::I16x8ExtendLowI8x16U),
            O::I16x8ExtendHighI8x16U => self.v_un(S::SimdUnOp::I16x8ExtendHighI8x16U),
            O::I32x4ExtendLowI16x8S => self.v_un(S::SimdUnOp::I32x4ExtendLowI16x8S),
            O::I32x4ExtendHighI16x8S => self.v_un(S::SimdUnOp::I32x4ExtendHighI16x8S),
            O::I32x4ExtendLowI16x8U => self.v_un(S::SimdUnOp::I32x4ExtendLowI16x8U),
            O::I32x4ExtendHighI16x8U => self.v_un(S::SimdUnOp::I32x4ExtendHighI16x8U),
            O::I64x2ExtendLowI32x4S => self.v_un(S::SimdUnOp::I64x2ExtendLowI32x4S),
            O::I64x2ExtendHighI32x4S => self.v_un(S::SimdUnOp::I64x2ExtendHighI32x4S),
            O::I64x2ExtendLowI32x4U => self.v_un(S::SimdUnOp::I64x2ExtendLowI32x4U),
            O::I64x2ExtendHighI32x4U => self.v_un(S::SimdUnOp::I64x2ExtendHighI32x4U),
            O::F32x4Ceil => self.v_un(S::SimdUnOp::F32x4Ceil),
            O::F32x4Floor => self.v_un(S::SimdUnOp::F32x4Floor),
            O::F32x4Trunc => self.v_un(S::SimdUnOp::F32x4Trunc),
            O::F32x4Nearest => self.v_un(S::SimdUnOp::F32x4Nearest),
            O::F32x4Abs => self.v_un(S::SimdUnOp::F32x4Abs),
            O::F32x4Neg => self.v_un(S::SimdUnOp::F32x4Neg),
            O::F32x4Sqrt => self.v_un(S::SimdUnOp::F32x4Sqrt),
            O::F64x2Ceil => self.v_un(S::SimdUnOp::F64x2Ceil),
            O::F64x2Floor => self.v_un(S::SimdUnOp::F64x2Floor),
            O::F64x2Trunc => self.v_un(S::SimdUnOp::F64x2Trunc),
            O::F64x2Nearest => self.v_un(S::SimdUnOp::F64x2Nearest),
            O::F64x2Abs => self.v_un(S::SimdUnOp::F64x2Abs),
            O::F64x2Neg => self.v_un(S::SimdUnOp::F64x2Neg),
            O::F64x2Sqrt => self.v_un(S::SimdUnOp::F64x2Sqrt),
            O::I32x4TruncSatF32x4S => self.v_un(S::SimdUnOp::I32x4TruncSatF32x4S),
            O::I32x4TruncSatF32x4U => self.v_un(S::SimdUnOp::I32x4TruncSatF32x4U),
            O::F32x4ConvertI32x4S => self.v_un(S::SimdUnOp::F32x4ConvertI32x4S),
            O::F32x4ConvertI32x4U => self.v_un(S::SimdUnOp::F32x4ConvertI32x4U),
            O::I32x4TruncSatF64x2SZero => self.v_un(S::SimdUnOp::I32x4TruncSatF64x2SZero),
            O::I32x4TruncSatF64x2UZero => self.v_un(S::SimdUnOp::I32x4TruncSatF64x2UZero),
            O::F64x2ConvertLowI32x4S => self.v_un(S::SimdUnOp::F64x2ConvertLowI32x4S),
            O::F64x2ConvertLowI32x4U => self.v_un(S::SimdUnOp::F64x2ConvertLowI32x4U),
            O::F32x4DemoteF64x2Zero => self.v_un(S::SimdUnOp::F32x4DemoteF64x2Zero),
            O::F64x2PromoteLowF32x4 => self.v_un(S::SimdUnOp::F64x2PromoteLowF32x4),
            O::I32x4RelaxedTruncF32x4S => self.v_un(S::SimdUnOp::I32x4RelaxedTruncF32x4S),
            O::I32x4RelaxedTruncF32x4U => self.v_un(S::SimdUnOp::I32x4RelaxedTruncF32x4U),
            O::I32x4RelaxedTruncF64x2SZero => self.v_un(S::SimdUnOp::I32x4RelaxedTruncF64x2SZero),
            O::I32x4RelaxedTruncF64x2UZero => self.v_un(S::SimdUnOp::I32x4RelaxedTruncF64x2UZero),
            O::V128And => self.v_bin(S::SimdBinOp::V128And),
            O::V128AndNot => self.v_bin(S::SimdBinOp::V128AndNot),
            O::V128Or => self.v_bin(S::SimdBinOp::V128Or),
            O::V128Xor => self.v_bin(S::SimdBinOp::V128Xor),
            O::I8x16Swizzle => self.v_bin(S::SimdBinOp::I8x16Swizzle),
            O::I8x16RelaxedSwizzle => self.v_bin(S::SimdBinOp::I8x16RelaxedSwizzle),
            O::I8x16Eq => self.v_bin(S::SimdBinOp::I8x16Eq),
            O::I8x16Ne => self.v_bin(S::SimdBinOp::I8x16Ne),
            O::I8x16LtS => self.v_bin(S::SimdBinOp::I8x16LtS),
            O::I8x16LtU => self.v_bin(S::SimdBinOp::I8x16LtU),
            O::I8x16GtS => self.v_bin(S::SimdBinOp::I8x16GtS),
            O::I8x16GtU => self.v_bin(S::SimdBinOp::I8x16GtU),
            O::I8x16LeS => self.v_bin(S::SimdBinOp::I8x16LeS),
            O::I8x16LeU => self.v_bin(S::SimdBinOp::I8x16LeU),
            O::I8x16GeS => self.v_bin(S::SimdBinOp::I8x16GeS),
            O::I8x16GeU => self.v_bin(S::SimdBinOp::I8x16GeU),
            O::I16x8Eq => self.v_bin(S::SimdBinOp::I16x8Eq),
            O::I16x8Ne => self.v_bin(S::SimdBinOp::I16x8Ne),
            O::I16x8LtS => self.v_bin(S::SimdBinOp::I16x8LtS),
            O::I16x8LtU => self.v_bin(S::SimdBinOp::I16x8LtU),
            O::I16x8GtS => self.v_bin(S::SimdBinOp::I16x8GtS),
            O::I16x8GtU => self.v_bin(S::SimdBinOp::I16x8GtU),
            O::I16x8LeS => self.v_bin(S::SimdBinOp::I16x8LeS),
            O::I16x8LeU => self.v_bin(S::SimdBinOp::I16x8LeU),
            O::I16x8GeS => self.v_bin(S::SimdBinOp::I16x8GeS),
            O::I16x8GeU => self.v_bin(S::SimdBinOp::I16x8GeU),
            O::I32x4Eq => self.v_bin(S::SimdBinOp::I32x4Eq),
            O::I32x4Ne => self.v_bin(S::SimdBinOp::I32x4Ne),
            O::I32x4LtS => self.v_bin(S::SimdBinOp::I32x4LtS),
            O::I32x4LtU => self.v_bin(S::SimdBinOp::I32x4LtU),
            O::I32x4GtS => self.v_bin(S::SimdBinOp::I32x4GtS),
            O::I32x4GtU => self.v_bin(S::SimdBinOp::I32x4GtU),
            O::I32x4LeS => self.v_bin(S::SimdBinOp::I32x4LeS),
            O::I32x4LeU => self.v_bin(S::SimdBinOp::I32x4LeU),
            O::I32x4GeS => self.v_bin(S::SimdBinOp::I32x4GeS),
            O::I32x4GeU => self.v_bin(S::SimdBinOp::I32x4GeU),
            O::I64x2Eq => self.v_bin(S::SimdBinOp::I64x2Eq),
            O::I64x2Ne => self.v_bin(S::SimdBinOp::I64x2Ne),
            O::I64x2LtS => self.v_bin(S::SimdBinOp::I64x2LtS),
            O::I64x2GtS => self.v_bin(S::SimdBinOp::I64x2GtS),
            O::I64x2LeS => self.v_bin(S::SimdBinOp::I64x2LeS),
            O::I64x2GeS => self.v_bin(S::SimdBinOp::I64x2GeS),
            O::F32x4Eq => self.v_bin(S::SimdBinOp::F32x4Eq),
            O::F32x4Ne => self.v_bin(S::SimdBinOp::F32x4Ne),
            O::F32x4Lt => self.v_bin(S::SimdBinOp::F32x4Lt),
            O::F32x4Gt => self.v_bin(S::SimdBinOp::F32x4Gt),
            O::F32x4Le => self.v_bin(S::SimdBinOp::F32x4Le),
            O::F32x4Ge => self.v_bin(S::SimdBinOp::F32x4Ge),
            O::F64x2Eq => self.v_bin(S::SimdBinOp::F64x2Eq),
            O::F64x2Ne => self.v_bin(S::SimdBinOp::F64x2Ne),
            O::F64x2Lt => self.v_bin(S::SimdBinOp::F64x2Lt),
            O::F64x2Gt => self.v_bin(S::SimdBinOp::F64x2Gt),
            O::F64x2Le => self.v_bin(S::SimdBinOp::F64x2Le),
            O::F64x2Ge => self.v_bin(S::SimdBinOp::F64x2Ge),
            O::I8x16NarrowI16x8S => self.v_bin(S::SimdBinOp::I8x16NarrowI16x8S),
            O::I8x16NarrowI16x8U => self.v_bin(S::SimdBinOp::I8x16NarrowI16x8U),
            O::I8x16Add => self.v_bin(S::SimdBinOp::I8x16Add),
            O::I8x16AddSatS => self.v_bin(S::SimdBinOp::I8x16AddSatS),
            O::I8x16AddSatU => self.v_bin(S::SimdBinOp::I8x16AddSatU),
            O::I8x16Sub => self.v_bin(S::SimdBinOp::I8x16Sub),
            O::I8x16SubSatS => self.v_bin(S::SimdBinOp::I8x16SubSatS),
            O::I8x16SubSatU => self.v_bin(S::SimdBinOp::I8x16SubSatU),
            O::I8x16MinS => self.v_bin(S::SimdBinOp::I8x16MinS),
            O::I8x16MinU => self.v_bin(S::SimdBinOp::I8x16MinU),
            O::I8x16MaxS => self.v_bin(S::SimdBinOp::I8x16MaxS),
            O::I8x16MaxU => self.v_bin(S::SimdBinOp::I8x16MaxU),
            O::I8x16AvgrU => self.v_bin(S::SimdBinOp::I8x16AvgrU),
            O::I16x8Q15MulrSatS => self.v_bin(S::SimdBinOp::I16x8Q15MulrSatS),
            O::I16x8NarrowI32x4S => self.v_bin(S::SimdBinOp::I16x8NarrowI32x4S),
            O::I16x8NarrowI32x4U => self.v_bin(S::SimdBinOp::I16x8NarrowI32x4U),
            O::I16x8Add => self.v_bin(S::SimdBinOp::I16x8Add),
            O::I16x8AddSatS => self.v_bin(S::SimdBinOp::I16x8AddSatS),
            O::I16x8AddSatU => self.v_bin(S::SimdBinOp::I16x8AddSatU),
            O::I16x8Sub => self.v_bin(S::SimdBinOp::I16x8Sub),
            O::I16x8SubSatS => self.v_bin(S::SimdBinOp::I16x8SubSatS),
            O::I16x8SubSatU => self.v_bin(S::SimdBinOp::I16x8SubSatU),
            O::I16x8Mul => self.v_bin(S::SimdBinOp::I16x8Mul),
            O::I16x8MinS => self.v_bin(S::SimdBinOp::I16x8MinS),
            O::I16x8MinU => self.v_bin(S::SimdBinOp::I16x8MinU),
            O::I16x8MaxS => self.v_bin(S::SimdBinOp::I16x8MaxS),
            O::I16x8MaxU => self.v_bin(S::SimdBinOp::I16x8MaxU),
            O::I16x8AvgrU => self.v_bin(S::SimdBinOp::I16x8AvgrU),
            O::I16x8ExtMulLowI8x16S => self.v_bin(S::SimdBinOp::I16x8ExtMulLowI8x16S),
            O::I16x8ExtMulHighI8x16S => self.v_bin(S::SimdBinOp::I16x8ExtMulHighI8x16S),
            O::I16x8ExtMulLowI8x16U => self.v_bin(S::SimdBinOp::I16x8ExtMulLowI8x16U),
            O::I16x8ExtMulHighI8x16U => self.v_bin(S::SimdBinOp::I16x8ExtMulHighI8x16U),
            O::I32x4Add => self.v_bin(S::SimdBinOp::I32x4Add),
            O::I32x4Sub => self.v_bin(S::SimdBinOp::I32x4Sub),
            O::I32x4Mul => self.v_bin(S::SimdBinOp::I32x4Mul),
            O::I32x4MinS => self.v_bin(S::SimdBinOp::I32x4MinS),
            O::I32x4MinU => self.v_bin(S::SimdBinOp::I32x4MinU),
            O::I32x4MaxS => self.v_bin(S::SimdBinOp::I32x4MaxS),
            O::I32x4MaxU => self.v_bin(S::SimdBinOp::I32x4MaxU),
            O::I32x4DotI16x8S => self.v_bin(S::SimdBinOp::I32x4DotI16x8S),
            O::I32x4ExtMulLowI16x8S => self.v_bin(S::SimdBinOp::I32x4ExtMulLowI16x8S),
            O::I32x4ExtMulHighI16x8S => self.v_bin(S::SimdBinOp::I32x4ExtMulHighI16x8S),
            O::I32x4ExtMulLowI16x8U => self.v_bin(S::SimdBinOp::I32x4ExtMulLowI16x8U),
            O::I32x4ExtMulHighI16x8U => self.v_bin(S::SimdBinOp::I32x4ExtMulHighI16x8U),
            O::I64x2Add => self.v_bin(S::SimdBinOp::I64x2Add),
            O::I64x2Sub => self.v_bin(S::SimdBinOp::I64x2Sub),
            O::I64x2Mul => self.v_bin(S::SimdBinOp::I64x2Mul),
            O::I64x2ExtMulLowI32x4S => self.v_bin(S::SimdBinOp::I64x2ExtMulLowI32x4S),
            O::I64x2ExtMulHighI32x4S => self.v_bin(S::SimdBinOp::I64x2ExtMulHighI32x4S),
            O::I64x2ExtMulLowI32x4U => self.v_bin(S::SimdBinOp::I64x2ExtMulLowI32x4U),
            O::I64x2ExtMulHighI32x4U => self.v_bin(S::SimdBinOp::I64x2ExtMulHighI32x4U),
            O::F32x4Add => self.v_bin(S::SimdBinOp::F32x4Add),
            O::F32x4Sub => self.v_bin(S::SimdBinOp::F32x4Sub),
            O::F32x4Mul => self.v_bin(S::SimdBinOp::F32x4Mul),
            O::F32x4Div => self.v_bin(S::SimdBinOp::F32x4Div),
            O::F32x4Min => self.v_bin(S::SimdBinOp::F32x4Min),
            O::F32x4Max => self.v_bin(S::SimdBinOp::F32x4Max),
            O::F32x4PMin => self.v_bin(S::SimdBinOp::F32x4PMin),
            O::F32x4PMax => self.v_bin(S::SimdBinOp::F32x4PMax),
            O::F64x2Add => self.v_bin(S::SimdBinOp::F64x2Add),
            O::F64x2Sub => self.v_bin(S::SimdBinOp::F64x2Sub),
            O::F64x2Mul => self.v_bin(S::SimdBinOp::F64x2Mul),
            O::F64x2Div => self.v_bin(S::SimdBinOp::F64x2Div),
            O::F64x2Min => self.v_bin(S::SimdBinOp::F64x2Min),
            O::F64x2Max => self.v_bin(S::SimdBinOp::F64x2Max),
            O::F64x2PMin => self.v_bin(S::SimdBinOp::F64x2PMin),
            O::F64x2PMax => self.v_bin(S::SimdBinOp::F64x2PMax),
            O::F32x4RelaxedMin => self.v_bin(S::SimdBinOp::F32x4RelaxedMin),
            O::F32x4RelaxedMax => self.v_bin(S::SimdBinOp::F32x4RelaxedMax),
            O::F64x2RelaxedMin => self.v_bin(S::SimdBinOp::F64x2RelaxedMin),
            O::F64x2RelaxedMax => self.v_bin(S::SimdBinOp::F64x2RelaxedMax),
            O::I16x8RelaxedQ15mulrS => self.v_bin(S::SimdBinOp::I16x8RelaxedQ15mulrS),
            O::I16x8RelaxedDotI8x16I7x16S => self.v_bin(S::SimdBinOp::I16x8RelaxedDotI8x16I7x16S),
            O::V128Bitselect => self.v_tern(S::SimdTernOp::V128Bitselect),
            O::F32x4RelaxedMadd => self.v_tern(S::SimdTernOp::F32x4RelaxedMadd),
            O::F32x4RelaxedNmadd => self.v_tern(S::SimdTernOp::F32x4RelaxedNmadd),
            O::F64x2RelaxedMadd => self.v_tern(S::SimdTernOp::F64x2RelaxedMadd),
            O::F64x2RelaxedNmadd => self.v_tern(S::SimdTernOp::F64x2RelaxedNmadd),
            O::I8x16RelaxedLaneselect => self.v_tern(S::SimdTernOp::I8x16RelaxedLaneselect),
            O::I16x8RelaxedLaneselect => self.v_tern(S::SimdTernOp::I16x8RelaxedLaneselect),
            O::I32x4RelaxedLaneselect => self.v_tern(S::SimdTernOp::I32x4RelaxedLaneselect),
            O::I64x2RelaxedLaneselect => self.v_tern(S::SimdTernOp::I64x2RelaxedLaneselect),
            O::I32x4RelaxedDotI8x16I7x16AddS => {
                self.v_tern(S::SimdTernOp::I32x4RelaxedDotI8x16I7x16AddS)
            }
            O::I8x16Shl => self.v_shift(S::SimdShiftOp::I8x16Shl),
            O::I8x16ShrS => self.v_shift(S::SimdShiftOp::I8x16ShrS),
            O::I8x16ShrU => self.v_shift(S::SimdShiftOp::I8x16ShrU),
            O::I16x8Shl => self.v_shift(S::SimdShiftOp::I16x8Shl),
            O::I16x8ShrS => self.v_shift(S::SimdShiftOp::I16x8ShrS),
            O::I16x8ShrU => self.v_shift(S::SimdShiftOp::I16x8ShrU),
            O::I32x4Shl => self.v_shift(S::SimdShiftOp::I32x4Shl),
            O::I32x4ShrS => self.v_shift(S::SimdShiftOp::I32x4ShrS),
            O::I32x4ShrU => self.v_shift(S::SimdShiftOp::I32x4ShrU),
            O::I64x2Shl => self.v_shift(S::SimdShiftOp::I64x2Shl),
            O::I64x2ShrS => self.v_shift(S::SimdShiftOp::I64x2ShrS),
            O::I64x2ShrU => self.v_shift(S::SimdShiftOp::I64x2ShrU),
            O::V128AnyTrue => self.v_test(S::SimdTestOp::V128AnyTrue),
            O::I8x16AllTrue => self.v_test(S::SimdTestOp::I8x16AllTrue),
            O::I16x8AllTrue => self.v_test(S::SimdTestOp::I16x8AllTrue),
            O::I32x4AllTrue => self.v_test(S::SimdTestOp::I32x4AllTrue),
            O::I64x2AllTrue => self.v_test(S::SimdTestOp::I64x2AllTrue),
            O::I8x16Bitmask => self.v_test(S::SimdTestOp::I8x16Bitmask),
            O::I16x8Bitmask => self.v_test(S::SimdTestOp::I16x8Bitmask),
            O::I32x4Bitmask => self.v_test(S::SimdTestOp::I32x4Bitmask),
            O::I64x2Bitmask => self.v_test(S::SimdTestOp::I64x2Bitmask),
            O::I8x16Splat => self.v_splat(S::SimdSplatOp::I8x16Splat),
            O::I16x8Splat => self.v_splat(S::SimdSplatOp::I16x8Splat),
            O::I32x4Splat => self.v_splat(S::SimdSplatOp::I32x4Splat),
            O::I64x2Splat => self.v_splat(S::SimdSplatOp::I64x2Splat),
            O::F32x4Splat => self.v_splat(S::SimdSplatOp::F32x4Splat),
            O::F64x2Splat => self.v_splat(S::SimdSplatOp::F64x2Splat),
            O::I8x16ExtractLaneS { lane } => {
                self.v_extract(S::SimdExtractOp::I8x16ExtractLaneS, lane)
            }
            O::I8x16ExtractLaneU { lane } => {
                self.v_extract(S::SimdExtractOp::I8x16ExtractLaneU, lane)
            }
            O::I16x8ExtractLaneS { lane } => {
                self.v_extract(S::SimdExtractOp::I16x8ExtractLaneS, lane)
            }
            O::I16x8ExtractLaneU { lane } => {
                self.v_extract(S::SimdExtractOp::I16x8ExtractLaneU, lane)
            }
            O::I32x4ExtractLane { lane } => {
                self.v_extract(S::SimdExtractOp::I32x4ExtractLane, lane)
            }
            O::I64x2ExtractLane { lane } => {
                self.v_extract(S::SimdExtractOp::I64x2ExtractLane, lane)
            }
            O::F32x4ExtractLane { lane } => {
                self.v_extract(S::SimdExtractOp::F32x4ExtractLane, lane)
            }
            O::F64x2ExtractLane { lane } => {
                self.v_extract(S::SimdExtractOp::F64x2ExtractLane, lane)
            }
            O::I8x16ReplaceLane { lane } => {
                self.v_replace(S::SimdReplaceOp::I8x16ReplaceLane, lane)
            }
            O::I16x8ReplaceLane { lane } => {
                self.v_replace(S::SimdReplaceOp::I16x8ReplaceLane, lane)
            }
            O::I32x4ReplaceLane { lane } => {
                self.v_replace(S::SimdReplaceOp::I32x4ReplaceLane, lane)
            }
            O::I64x2ReplaceLane { lane } => {
                self.v_replace(S::SimdReplaceOp::I64x2ReplaceLane, lane)
            }
            O::F32x4ReplaceLane { lane } => {
                self.v_replace(S::SimdReplaceOp::F32x4ReplaceLane, lane)
            }
            O::F64x2ReplaceLane { lane } => {
                self.v_replace(S::SimdReplaceOp::F64x2ReplaceLane, lane)
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    fn v_load(&mut self, memarg: wasmparser::MemArg, make: fn(Slot, Slot, u32, u64) -> Op) {
        let addr = self.pop_slot();
        let dst = self.push_wide();
        self.emit_result(make(dst, addr, mem_index(&memarg), memarg.offset));
    }

    /// Pool entry for a lane access: memory index, lane and offset packed in 128 bits.
    fn lane_arg(&mut self, memarg: &wasmparser::MemArg, lane: u8) -> u32 {
        let packed =
            mem_index(memarg) as u128 | (lane as u128) << 32 | (memarg.offset as u128) << 64;
        self.pool(packed)
    }

    fn v_load_lane(
        &mut self,
        memarg: wasmparser::MemArg,
        lane: u8,
        make: fn(Slot, Slot, Slot, u32) -> Op,
    ) {
        let src = self.pop_slot();
        let addr = self.pop_slot();
        let arg = self.lane_arg(&memarg, lane);
        let dst = self.push_wide();
        self.emit_result(make(dst, addr, src, arg));
    }

    fn v_store_lane(
        &mut self,
        memarg: wasmparser::MemArg,
        lane: u8,
        make: fn(Slot, Slot, u32) -> Op,
    ) {
        let src = self.pop_slot();
        let addr = self.pop_slot();
        let arg = self.lane_arg(&memarg, lane);
        self.emit(make(addr, src, arg));
    }

    fn v_un(&mut self, op: S::SimdUnOp) {
        let src = self.pop_slot();
        let dst = self.push_wide();
        self.emit_result(Op::V128Un { op, dst, src });
    }

    fn v_bin(&mut self, op: S::SimdBinOp) {
        let rhs = self.pop_slot();
        let lhs = self.pop_slot();
        let dst = self.push_wide();
        self.emit_result(Op::V128Bin { op, dst, lhs, rhs });
    }

    fn v_tern(&mut self, op: S::SimdTernOp) {
        let (a, b, c) = self.pop3();
        let dst = self.push_wide();
        self.emit_result(Op::V128Tern { op, dst, a, b, c });
    }

    fn v_shift(&mut self, op: S::SimdShiftOp) {
        let count = self.pop_slot();
        let src = self.pop_slot();
        let dst = self.push_wide();
        self.emit_result(Op::V128Shift {
            op,
            dst,
            src,
            count,
        });
    }

    fn v_test(&mut self, op: S::SimdTestOp) {
        let src = self.pop_slot();
        let dst = self.push_temp();
        self.emit_result(Op::V128Test { op, dst, src });
    }

    fn v_splat(&mut self, op: S::SimdSplatOp) {
        let src = self.pop_slot();
        let dst = self.push_wide();
        self.emit_result(Op::V128Splat { op, dst, src });
    }

    fn v_extract(&mut self, op: S::SimdExtractOp, lane: u8) {
        let src = self.pop_slot();
        let dst = self.push_temp();
        self.emit_result(Op::V128Extract { op, dst, src, lane });
    }

    fn v_replace(&mut self, op: S::SimdReplaceOp, lane: u8) {
        let x = self.pop_slot();
        let src = self.pop_slot();
        let dst = self.push_wide();
        self.emit_result(Op::V128Replace {
            op,
            dst,
            src,
            x,
            lane,
        });
    }
}
