//! The SIMD sub-operations named by the vector ops of the microcode (`V128Un`, `V128Bin`, ...).
//!
//! Part of the instruction set: each enum is declared once here, with its stored form (one
//! word, the variant's position) derived from the `ALL` list `simd_ops!` gives each. Their semantics live in
//! `exec::simd`. Variant names are wasmparser's `Operator` variant names.

// Variant names are the WebAssembly instructions' names (as wasmparser spells them).
#![allow(missing_docs)]

macro_rules! simd_ops {
    ($( $(#[$doc:meta])* pub enum $name:ident { $( $(#[$vdoc:meta])* $v:ident, )* } )*) => {$(
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        #[repr(u8)]
        pub enum $name { $( $(#[$vdoc])* $v, )* }

        impl $name {
            /// Every variant, in stored-form order.
            pub const ALL: &'static [$name] = &[$( $name::$v, )*];
        }

    )*};
}

simd_ops! {
    /// `v128 -> v128` operations.
    pub enum SimdUnOp {
        V128Not,
        I8x16Abs,
        I8x16Neg,
        I8x16Popcnt,
        I16x8Abs,
        I16x8Neg,
        I32x4Abs,
        I32x4Neg,
        I64x2Abs,
        I64x2Neg,
        I16x8ExtAddPairwiseI8x16S,
        I16x8ExtAddPairwiseI8x16U,
        I32x4ExtAddPairwiseI16x8S,
        I32x4ExtAddPairwiseI16x8U,
        I16x8ExtendLowI8x16S,
        I16x8ExtendHighI8x16S,
        I16x8ExtendLowI8x16U,
        I16x8ExtendHighI8x16U,
        I32x4ExtendLowI16x8S,
        I32x4ExtendHighI16x8S,
        I32x4ExtendLowI16x8U,
        I32x4ExtendHighI16x8U,
        I64x2ExtendLowI32x4S,
        I64x2ExtendHighI32x4S,
        I64x2ExtendLowI32x4U,
        I64x2ExtendHighI32x4U,
        F32x4Ceil,
        F32x4Floor,
        F32x4Trunc,
        F32x4Nearest,
        F32x4Abs,
        F32x4Neg,
        F32x4Sqrt,
        F64x2Ceil,
        F64x2Floor,
        F64x2Trunc,
        F64x2Nearest,
        F64x2Abs,
        F64x2Neg,
        F64x2Sqrt,
        I32x4TruncSatF32x4S,
        I32x4TruncSatF32x4U,
        F32x4ConvertI32x4S,
        F32x4ConvertI32x4U,
        I32x4TruncSatF64x2SZero,
        I32x4TruncSatF64x2UZero,
        F64x2ConvertLowI32x4S,
        F64x2ConvertLowI32x4U,
        F32x4DemoteF64x2Zero,
        F64x2PromoteLowF32x4,
        I32x4RelaxedTruncF32x4S,
        I32x4RelaxedTruncF32x4U,
        I32x4RelaxedTruncF64x2SZero,
        I32x4RelaxedTruncF64x2UZero,
    }

    /// `(v128, v128) -> v128` operations; the first operand is the one pushed first.
    pub enum SimdBinOp {
        V128And,
        V128AndNot,
        V128Or,
        V128Xor,
        I8x16Swizzle,
        I8x16RelaxedSwizzle,
        // comparisons
        I8x16Eq,
        I8x16Ne,
        I8x16LtS,
        I8x16LtU,
        I8x16GtS,
        I8x16GtU,
        I8x16LeS,
        I8x16LeU,
        I8x16GeS,
        I8x16GeU,
        I16x8Eq,
        I16x8Ne,
        I16x8LtS,
        I16x8LtU,
        I16x8GtS,
        I16x8GtU,
        I16x8LeS,
        I16x8LeU,
        I16x8GeS,
        I16x8GeU,
        I32x4Eq,
        I32x4Ne,
        I32x4LtS,
        I32x4LtU,
        I32x4GtS,
        I32x4GtU,
        I32x4LeS,
        I32x4LeU,
        I32x4GeS,
        I32x4GeU,
        I64x2Eq,
        I64x2Ne,
        I64x2LtS,
        I64x2GtS,
        I64x2LeS,
        I64x2GeS,
        F32x4Eq,
        F32x4Ne,
        F32x4Lt,
        F32x4Gt,
        F32x4Le,
        F32x4Ge,
        F64x2Eq,
        F64x2Ne,
        F64x2Lt,
        F64x2Gt,
        F64x2Le,
        F64x2Ge,
        // i8x16
        I8x16NarrowI16x8S,
        I8x16NarrowI16x8U,
        I8x16Add,
        I8x16AddSatS,
        I8x16AddSatU,
        I8x16Sub,
        I8x16SubSatS,
        I8x16SubSatU,
        I8x16MinS,
        I8x16MinU,
        I8x16MaxS,
        I8x16MaxU,
        I8x16AvgrU,
        // i16x8
        I16x8Q15MulrSatS,
        I16x8NarrowI32x4S,
        I16x8NarrowI32x4U,
        I16x8Add,
        I16x8AddSatS,
        I16x8AddSatU,
        I16x8Sub,
        I16x8SubSatS,
        I16x8SubSatU,
        I16x8Mul,
        I16x8MinS,
        I16x8MinU,
        I16x8MaxS,
        I16x8MaxU,
        I16x8AvgrU,
        I16x8ExtMulLowI8x16S,
        I16x8ExtMulHighI8x16S,
        I16x8ExtMulLowI8x16U,
        I16x8ExtMulHighI8x16U,
        // i32x4
        I32x4Add,
        I32x4Sub,
        I32x4Mul,
        I32x4MinS,
        I32x4MinU,
        I32x4MaxS,
        I32x4MaxU,
        I32x4DotI16x8S,
        I32x4ExtMulLowI16x8S,
        I32x4ExtMulHighI16x8S,
        I32x4ExtMulLowI16x8U,
        I32x4ExtMulHighI16x8U,
        // i64x2
        I64x2Add,
        I64x2Sub,
        I64x2Mul,
        I64x2ExtMulLowI32x4S,
        I64x2ExtMulHighI32x4S,
        I64x2ExtMulLowI32x4U,
        I64x2ExtMulHighI32x4U,
        // f32x4 / f64x2
        F32x4Add,
        F32x4Sub,
        F32x4Mul,
        F32x4Div,
        F32x4Min,
        F32x4Max,
        F32x4PMin,
        F32x4PMax,
        F64x2Add,
        F64x2Sub,
        F64x2Mul,
        F64x2Div,
        F64x2Min,
        F64x2Max,
        F64x2PMin,
        F64x2PMax,
        // relaxed
        F32x4RelaxedMin,
        F32x4RelaxedMax,
        F64x2RelaxedMin,
        F64x2RelaxedMax,
        I16x8RelaxedQ15mulrS,
        I16x8RelaxedDotI8x16I7x16S,
    }

    /// `(v128, v128, v128) -> v128` operations; operands in push order.
    pub enum SimdTernOp {
        V128Bitselect,
        F32x4RelaxedMadd,
        F32x4RelaxedNmadd,
        F64x2RelaxedMadd,
        F64x2RelaxedNmadd,
        I8x16RelaxedLaneselect,
        I16x8RelaxedLaneselect,
        I32x4RelaxedLaneselect,
        I64x2RelaxedLaneselect,
        I32x4RelaxedDotI8x16I7x16AddS,
    }

    /// `(v128, i32) -> v128` shifts; the count is taken modulo the lane width.
    pub enum SimdShiftOp {
        I8x16Shl,
        I8x16ShrS,
        I8x16ShrU,
        I16x8Shl,
        I16x8ShrS,
        I16x8ShrU,
        I32x4Shl,
        I32x4ShrS,
        I32x4ShrU,
        I64x2Shl,
        I64x2ShrS,
        I64x2ShrU,
    }

    /// `v128 -> i32` operations.
    pub enum SimdTestOp {
        V128AnyTrue,
        I8x16AllTrue,
        I16x8AllTrue,
        I32x4AllTrue,
        I64x2AllTrue,
        I8x16Bitmask,
        I16x8Bitmask,
        I32x4Bitmask,
        I64x2Bitmask,
    }

    /// Scalar -> `v128` splats.
    pub enum SimdSplatOp {
        I8x16Splat,
        I16x8Splat,
        I32x4Splat,
        I64x2Splat,
        F32x4Splat,
        F64x2Splat,
    }

    /// `extract_lane` operations (immediate lane index).
    pub enum SimdExtractOp {
        I8x16ExtractLaneS,
        I8x16ExtractLaneU,
        I16x8ExtractLaneS,
        I16x8ExtractLaneU,
        I32x4ExtractLane,
        I64x2ExtractLane,
        F32x4ExtractLane,
        F64x2ExtractLane,
    }

    /// `replace_lane` operations (immediate lane index).
    pub enum SimdReplaceOp {
        I8x16ReplaceLane,
        I16x8ReplaceLane,
        I32x4ReplaceLane,
        I64x2ReplaceLane,
        F32x4ReplaceLane,
        F64x2ReplaceLane,
    }
}
