//! The stored (serialised) form of microcode: explicit little-endian encoding of every op
//! field at its declared width, and of a whole [`Compiled`] function.
//!
//! Decoding checks only the *shape* (known opcodes, enough bytes, no trailing bytes, sizes
//! within limits). A decoded function must still pass [`verify`](super::verify) against its
//! module before it runs: decoding never trusts the bytes to be in range.

use alloc::vec::Vec;

use super::{Compiled, Op};
use crate::exec::simd::{
    SimdBinOp, SimdExtractOp, SimdReplaceOp, SimdShiftOp, SimdSplatOp, SimdTernOp, SimdTestOp,
    SimdUnOp,
};

/// A cursor over stored bytes.
#[derive(Debug)]
pub struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    /// A reader at the start of `bytes`.
    pub fn new(bytes: &'a [u8]) -> Reader<'a> {
        Reader { bytes, pos: 0 }
    }

    fn take<const N: usize>(&mut self) -> Option<[u8; N]> {
        let end = self.pos.checked_add(N)?;
        let b = self.bytes.get(self.pos..end)?;
        self.pos = end;
        b.try_into().ok()
    }

    fn byte(&mut self) -> Option<u8> {
        self.take::<1>().map(|b| b[0])
    }

    /// Whether every byte was consumed.
    pub fn at_end(&self) -> bool {
        self.pos == self.bytes.len()
    }
}

/// A field type with a fixed-width stored form.
pub trait Field: Sized {
    /// Append the stored form.
    fn put(&self, out: &mut Vec<u8>);
    /// Read the stored form.
    fn get(r: &mut Reader<'_>) -> Option<Self>;
}

macro_rules! int_field {
    ($($t:ty),*) => {$(
        impl Field for $t {
            fn put(&self, out: &mut Vec<u8>) {
                out.extend_from_slice(&self.to_le_bytes());
            }
            fn get(r: &mut Reader<'_>) -> Option<Self> {
                r.take().map(<$t>::from_le_bytes)
            }
        }
    )*};
}
int_field!(u8, u16, u32, u64, i32, i64, u128);

impl Field for SimdUnOp {
    fn put(&self, out: &mut Vec<u8>) {
        out.push(*self as u8);
    }
    fn get(r: &mut Reader<'_>) -> Option<Self> {
        const ALL: &[SimdUnOp] = &[
            SimdUnOp::V128Not,
            SimdUnOp::I8x16Abs,
            SimdUnOp::I8x16Neg,
            SimdUnOp::I8x16Popcnt,
            SimdUnOp::I16x8Abs,
            SimdUnOp::I16x8Neg,
            SimdUnOp::I32x4Abs,
            SimdUnOp::I32x4Neg,
            SimdUnOp::I64x2Abs,
            SimdUnOp::I64x2Neg,
            SimdUnOp::I16x8ExtAddPairwiseI8x16S,
            SimdUnOp::I16x8ExtAddPairwiseI8x16U,
            SimdUnOp::I32x4ExtAddPairwiseI16x8S,
            SimdUnOp::I32x4ExtAddPairwiseI16x8U,
            SimdUnOp::I16x8ExtendLowI8x16S,
            SimdUnOp::I16x8ExtendHighI8x16S,
            SimdUnOp::I16x8ExtendLowI8x16U,
            SimdUnOp::I16x8ExtendHighI8x16U,
            SimdUnOp::I32x4ExtendLowI16x8S,
            SimdUnOp::I32x4ExtendHighI16x8S,
            SimdUnOp::I32x4ExtendLowI16x8U,
            SimdUnOp::I32x4ExtendHighI16x8U,
            SimdUnOp::I64x2ExtendLowI32x4S,
            SimdUnOp::I64x2ExtendHighI32x4S,
            SimdUnOp::I64x2ExtendLowI32x4U,
            SimdUnOp::I64x2ExtendHighI32x4U,
            SimdUnOp::F32x4Ceil,
            SimdUnOp::F32x4Floor,
            SimdUnOp::F32x4Trunc,
            SimdUnOp::F32x4Nearest,
            SimdUnOp::F32x4Abs,
            SimdUnOp::F32x4Neg,
            SimdUnOp::F32x4Sqrt,
            SimdUnOp::F64x2Ceil,
            SimdUnOp::F64x2Floor,
            SimdUnOp::F64x2Trunc,
            SimdUnOp::F64x2Nearest,
            SimdUnOp::F64x2Abs,
            SimdUnOp::F64x2Neg,
            SimdUnOp::F64x2Sqrt,
            SimdUnOp::I32x4TruncSatF32x4S,
            SimdUnOp::I32x4TruncSatF32x4U,
            SimdUnOp::F32x4ConvertI32x4S,
            SimdUnOp::F32x4ConvertI32x4U,
            SimdUnOp::I32x4TruncSatF64x2SZero,
            SimdUnOp::I32x4TruncSatF64x2UZero,
            SimdUnOp::F64x2ConvertLowI32x4S,
            SimdUnOp::F64x2ConvertLowI32x4U,
            SimdUnOp::F32x4DemoteF64x2Zero,
            SimdUnOp::F64x2PromoteLowF32x4,
            SimdUnOp::I32x4RelaxedTruncF32x4S,
            SimdUnOp::I32x4RelaxedTruncF32x4U,
            SimdUnOp::I32x4RelaxedTruncF64x2SZero,
            SimdUnOp::I32x4RelaxedTruncF64x2UZero,
        ];
        ALL.get(r.byte()? as usize).copied()
    }
}

impl Field for SimdBinOp {
    fn put(&self, out: &mut Vec<u8>) {
        out.push(*self as u8);
    }
    fn get(r: &mut Reader<'_>) -> Option<Self> {
        const ALL: &[SimdBinOp] = &[
            SimdBinOp::V128And,
            SimdBinOp::V128AndNot,
            SimdBinOp::V128Or,
            SimdBinOp::V128Xor,
            SimdBinOp::I8x16Swizzle,
            SimdBinOp::I8x16RelaxedSwizzle,
            SimdBinOp::I8x16Eq,
            SimdBinOp::I8x16Ne,
            SimdBinOp::I8x16LtS,
            SimdBinOp::I8x16LtU,
            SimdBinOp::I8x16GtS,
            SimdBinOp::I8x16GtU,
            SimdBinOp::I8x16LeS,
            SimdBinOp::I8x16LeU,
            SimdBinOp::I8x16GeS,
            SimdBinOp::I8x16GeU,
            SimdBinOp::I16x8Eq,
            SimdBinOp::I16x8Ne,
            SimdBinOp::I16x8LtS,
            SimdBinOp::I16x8LtU,
            SimdBinOp::I16x8GtS,
            SimdBinOp::I16x8GtU,
            SimdBinOp::I16x8LeS,
            SimdBinOp::I16x8LeU,
            SimdBinOp::I16x8GeS,
            SimdBinOp::I16x8GeU,
            SimdBinOp::I32x4Eq,
            SimdBinOp::I32x4Ne,
            SimdBinOp::I32x4LtS,
            SimdBinOp::I32x4LtU,
            SimdBinOp::I32x4GtS,
            SimdBinOp::I32x4GtU,
            SimdBinOp::I32x4LeS,
            SimdBinOp::I32x4LeU,
            SimdBinOp::I32x4GeS,
            SimdBinOp::I32x4GeU,
            SimdBinOp::I64x2Eq,
            SimdBinOp::I64x2Ne,
            SimdBinOp::I64x2LtS,
            SimdBinOp::I64x2GtS,
            SimdBinOp::I64x2LeS,
            SimdBinOp::I64x2GeS,
            SimdBinOp::F32x4Eq,
            SimdBinOp::F32x4Ne,
            SimdBinOp::F32x4Lt,
            SimdBinOp::F32x4Gt,
            SimdBinOp::F32x4Le,
            SimdBinOp::F32x4Ge,
            SimdBinOp::F64x2Eq,
            SimdBinOp::F64x2Ne,
            SimdBinOp::F64x2Lt,
            SimdBinOp::F64x2Gt,
            SimdBinOp::F64x2Le,
            SimdBinOp::F64x2Ge,
            SimdBinOp::I8x16NarrowI16x8S,
            SimdBinOp::I8x16NarrowI16x8U,
            SimdBinOp::I8x16Add,
            SimdBinOp::I8x16AddSatS,
            SimdBinOp::I8x16AddSatU,
            SimdBinOp::I8x16Sub,
            SimdBinOp::I8x16SubSatS,
            SimdBinOp::I8x16SubSatU,
            SimdBinOp::I8x16MinS,
            SimdBinOp::I8x16MinU,
            SimdBinOp::I8x16MaxS,
            SimdBinOp::I8x16MaxU,
            SimdBinOp::I8x16AvgrU,
            SimdBinOp::I16x8Q15MulrSatS,
            SimdBinOp::I16x8NarrowI32x4S,
            SimdBinOp::I16x8NarrowI32x4U,
            SimdBinOp::I16x8Add,
            SimdBinOp::I16x8AddSatS,
            SimdBinOp::I16x8AddSatU,
            SimdBinOp::I16x8Sub,
            SimdBinOp::I16x8SubSatS,
            SimdBinOp::I16x8SubSatU,
            SimdBinOp::I16x8Mul,
            SimdBinOp::I16x8MinS,
            SimdBinOp::I16x8MinU,
            SimdBinOp::I16x8MaxS,
            SimdBinOp::I16x8MaxU,
            SimdBinOp::I16x8AvgrU,
            SimdBinOp::I16x8ExtMulLowI8x16S,
            SimdBinOp::I16x8ExtMulHighI8x16S,
            SimdBinOp::I16x8ExtMulLowI8x16U,
            SimdBinOp::I16x8ExtMulHighI8x16U,
            SimdBinOp::I32x4Add,
            SimdBinOp::I32x4Sub,
            SimdBinOp::I32x4Mul,
            SimdBinOp::I32x4MinS,
            SimdBinOp::I32x4MinU,
            SimdBinOp::I32x4MaxS,
            SimdBinOp::I32x4MaxU,
            SimdBinOp::I32x4DotI16x8S,
            SimdBinOp::I32x4ExtMulLowI16x8S,
            SimdBinOp::I32x4ExtMulHighI16x8S,
            SimdBinOp::I32x4ExtMulLowI16x8U,
            SimdBinOp::I32x4ExtMulHighI16x8U,
            SimdBinOp::I64x2Add,
            SimdBinOp::I64x2Sub,
            SimdBinOp::I64x2Mul,
            SimdBinOp::I64x2ExtMulLowI32x4S,
            SimdBinOp::I64x2ExtMulHighI32x4S,
            SimdBinOp::I64x2ExtMulLowI32x4U,
            SimdBinOp::I64x2ExtMulHighI32x4U,
            SimdBinOp::F32x4Add,
            SimdBinOp::F32x4Sub,
            SimdBinOp::F32x4Mul,
            SimdBinOp::F32x4Div,
            SimdBinOp::F32x4Min,
            SimdBinOp::F32x4Max,
            SimdBinOp::F32x4PMin,
            SimdBinOp::F32x4PMax,
            SimdBinOp::F64x2Add,
            SimdBinOp::F64x2Sub,
            SimdBinOp::F64x2Mul,
            SimdBinOp::F64x2Div,
            SimdBinOp::F64x2Min,
            SimdBinOp::F64x2Max,
            SimdBinOp::F64x2PMin,
            SimdBinOp::F64x2PMax,
            SimdBinOp::F32x4RelaxedMin,
            SimdBinOp::F32x4RelaxedMax,
            SimdBinOp::F64x2RelaxedMin,
            SimdBinOp::F64x2RelaxedMax,
            SimdBinOp::I16x8RelaxedQ15mulrS,
            SimdBinOp::I16x8RelaxedDotI8x16I7x16S,
        ];
        ALL.get(r.byte()? as usize).copied()
    }
}

impl Field for SimdTernOp {
    fn put(&self, out: &mut Vec<u8>) {
        out.push(*self as u8);
    }
    fn get(r: &mut Reader<'_>) -> Option<Self> {
        const ALL: &[SimdTernOp] = &[
            SimdTernOp::V128Bitselect,
            SimdTernOp::F32x4RelaxedMadd,
            SimdTernOp::F32x4RelaxedNmadd,
            SimdTernOp::F64x2RelaxedMadd,
            SimdTernOp::F64x2RelaxedNmadd,
            SimdTernOp::I8x16RelaxedLaneselect,
            SimdTernOp::I16x8RelaxedLaneselect,
            SimdTernOp::I32x4RelaxedLaneselect,
            SimdTernOp::I64x2RelaxedLaneselect,
            SimdTernOp::I32x4RelaxedDotI8x16I7x16AddS,
        ];
        ALL.get(r.byte()? as usize).copied()
    }
}

impl Field for SimdShiftOp {
    fn put(&self, out: &mut Vec<u8>) {
        out.push(*self as u8);
    }
    fn get(r: &mut Reader<'_>) -> Option<Self> {
        const ALL: &[SimdShiftOp] = &[
            SimdShiftOp::I8x16Shl,
            SimdShiftOp::I8x16ShrS,
            SimdShiftOp::I8x16ShrU,
            SimdShiftOp::I16x8Shl,
            SimdShiftOp::I16x8ShrS,
            SimdShiftOp::I16x8ShrU,
            SimdShiftOp::I32x4Shl,
            SimdShiftOp::I32x4ShrS,
            SimdShiftOp::I32x4ShrU,
            SimdShiftOp::I64x2Shl,
            SimdShiftOp::I64x2ShrS,
            SimdShiftOp::I64x2ShrU,
        ];
        ALL.get(r.byte()? as usize).copied()
    }
}

impl Field for SimdTestOp {
    fn put(&self, out: &mut Vec<u8>) {
        out.push(*self as u8);
    }
    fn get(r: &mut Reader<'_>) -> Option<Self> {
        const ALL: &[SimdTestOp] = &[
            SimdTestOp::V128AnyTrue,
            SimdTestOp::I8x16AllTrue,
            SimdTestOp::I16x8AllTrue,
            SimdTestOp::I32x4AllTrue,
            SimdTestOp::I64x2AllTrue,
            SimdTestOp::I8x16Bitmask,
            SimdTestOp::I16x8Bitmask,
            SimdTestOp::I32x4Bitmask,
            SimdTestOp::I64x2Bitmask,
        ];
        ALL.get(r.byte()? as usize).copied()
    }
}

impl Field for SimdSplatOp {
    fn put(&self, out: &mut Vec<u8>) {
        out.push(*self as u8);
    }
    fn get(r: &mut Reader<'_>) -> Option<Self> {
        const ALL: &[SimdSplatOp] = &[
            SimdSplatOp::I8x16Splat,
            SimdSplatOp::I16x8Splat,
            SimdSplatOp::I32x4Splat,
            SimdSplatOp::I64x2Splat,
            SimdSplatOp::F32x4Splat,
            SimdSplatOp::F64x2Splat,
        ];
        ALL.get(r.byte()? as usize).copied()
    }
}

impl Field for SimdExtractOp {
    fn put(&self, out: &mut Vec<u8>) {
        out.push(*self as u8);
    }
    fn get(r: &mut Reader<'_>) -> Option<Self> {
        const ALL: &[SimdExtractOp] = &[
            SimdExtractOp::I8x16ExtractLaneS,
            SimdExtractOp::I8x16ExtractLaneU,
            SimdExtractOp::I16x8ExtractLaneS,
            SimdExtractOp::I16x8ExtractLaneU,
            SimdExtractOp::I32x4ExtractLane,
            SimdExtractOp::I64x2ExtractLane,
            SimdExtractOp::F32x4ExtractLane,
            SimdExtractOp::F64x2ExtractLane,
        ];
        ALL.get(r.byte()? as usize).copied()
    }
}

impl Field for SimdReplaceOp {
    fn put(&self, out: &mut Vec<u8>) {
        out.push(*self as u8);
    }
    fn get(r: &mut Reader<'_>) -> Option<Self> {
        const ALL: &[SimdReplaceOp] = &[
            SimdReplaceOp::I8x16ReplaceLane,
            SimdReplaceOp::I16x8ReplaceLane,
            SimdReplaceOp::I32x4ReplaceLane,
            SimdReplaceOp::I64x2ReplaceLane,
            SimdReplaceOp::F32x4ReplaceLane,
            SimdReplaceOp::F64x2ReplaceLane,
        ];
        ALL.get(r.byte()? as usize).copied()
    }
}

/// Format version of the encoded function; bump on any change to the ISA table or layout.
pub const CODE_FORMAT: u16 = 1;

/// Upper bounds a decoded function must respect (hostile bytes cannot make us allocate more).
const MAX_OPS: u32 = 1 << 24;
const MAX_POOL: u32 = 1 << 20;

/// Why stored microcode could not be decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecodeError {
    /// The format version is not [`CODE_FORMAT`].
    Version(u16),
    /// The bytes end early, name an unknown opcode or enum value, or have trailing bytes.
    Malformed,
    /// A count exceeds the decoder's limits.
    TooLarge,
}

impl core::fmt::Display for DecodeError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            DecodeError::Version(v) => write!(f, "unsupported microcode format version {v}"),
            DecodeError::Malformed => f.write_str("malformed microcode"),
            DecodeError::TooLarge => f.write_str("microcode exceeds the decoder's size limits"),
        }
    }
}

impl Compiled {
    /// The stored form: format version, frame shape, op count, pool count, ops, pool.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(24 + self.ops.len() * 12 + self.pool.len() * 16);
        CODE_FORMAT.put(&mut out);
        for v in [
            self.num_params,
            self.num_locals,
            self.num_results,
            self.frame_size,
        ] {
            v.put(&mut out);
        }
        (self.ops.len() as u32).put(&mut out);
        (self.pool.len() as u32).put(&mut out);
        for op in &self.ops {
            op.encode(&mut out);
        }
        for v in &self.pool {
            v.put(&mut out);
        }
        out
    }

    /// Read the stored form. The result must pass `verify` before it runs.
    pub fn decode(bytes: &[u8]) -> Result<Compiled, DecodeError> {
        let r = &mut Reader::new(bytes);
        let version = u16::get(r).ok_or(DecodeError::Malformed)?;
        if version != CODE_FORMAT {
            return Err(DecodeError::Version(version));
        }
        let mut header = [0u32; 6];
        for h in &mut header {
            *h = u32::get(r).ok_or(DecodeError::Malformed)?;
        }
        let [num_params, num_locals, num_results, frame_size, n_ops, n_pool] = header;
        if n_ops > MAX_OPS || n_pool > MAX_POOL {
            return Err(DecodeError::TooLarge);
        }
        // Every op takes at least two bytes: do not reserve more than the input can hold.
        let mut ops = Vec::with_capacity((n_ops as usize).min(bytes.len() / 2));
        for _ in 0..n_ops {
            ops.push(Op::decode(r).ok_or(DecodeError::Malformed)?);
        }
        let mut pool = Vec::with_capacity((n_pool as usize).min(bytes.len() / 16));
        for _ in 0..n_pool {
            pool.push(u128::get(r).ok_or(DecodeError::Malformed)?);
        }
        if !r.at_end() {
            return Err(DecodeError::Malformed);
        }
        Ok(Compiled {
            ops,
            pool,
            num_params,
            num_locals,
            num_results,
            frame_size,
        })
    }
}
