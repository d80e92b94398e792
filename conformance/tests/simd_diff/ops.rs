//! The instruction table: every `0xFD` instruction, grouped into the families the property tests
//! run, with what the harness needs to know about each (signature, lane shapes, NaN rule).

/// A lane interpretation of a `v128`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    I8x16,
    I16x8,
    I32x4,
    I64x2,
    F32x4,
    F64x2,
}

impl Shape {
    pub const ALL: [Shape; 6] = [
        Shape::I8x16,
        Shape::I16x8,
        Shape::I32x4,
        Shape::I64x2,
        Shape::F32x4,
        Shape::F64x2,
    ];

    /// Lane width in bits.
    pub fn bits(self) -> u32 {
        match self {
            Shape::I8x16 => 8,
            Shape::I16x8 => 16,
            Shape::I32x4 | Shape::F32x4 => 32,
            Shape::I64x2 | Shape::F64x2 => 64,
        }
    }

    pub fn lanes(self) -> u32 {
        128 / self.bits()
    }

    pub fn name(self) -> &'static str {
        match self {
            Shape::I8x16 => "i8x16",
            Shape::I16x8 => "i16x8",
            Shape::I32x4 => "i32x4",
            Shape::I64x2 => "i64x2",
            Shape::F32x4 => "f32x4",
            Shape::F64x2 => "f64x2",
        }
    }

    fn parse(s: &str) -> Option<Shape> {
        Shape::ALL.into_iter().find(|sh| sh.name() == s)
    }
}

/// A scalar operand or result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scalar {
    I32,
    I64,
    F32,
    F64,
}

impl Scalar {
    pub fn wat(self) -> &'static str {
        match self {
            Scalar::I32 => "i32",
            Scalar::I64 => "i64",
            Scalar::F32 => "f32",
            Scalar::F64 => "f64",
        }
    }
}

/// The signature class of an instruction (mirrors fayasm's op enums).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `v128 -> v128` (`SimdUnOp`).
    Un,
    /// `(v128, v128) -> v128` (`SimdBinOp`).
    Bin,
    /// `(v128, v128, v128) -> v128` (`SimdTernOp`).
    Tern,
    /// `(v128, i32) -> v128` (`SimdShiftOp`).
    Shift,
    /// `v128 -> i32` (`SimdTestOp`).
    Test,
    /// scalar -> `v128` (`SimdSplatOp`).
    Splat(Scalar),
    /// `v128 -> scalar` with a lane immediate (`SimdExtractOp`).
    Extract(Scalar),
    /// `(v128, scalar) -> v128` with a lane immediate (`SimdReplaceOp`).
    Replace(Scalar),
    /// `i8x16.shuffle` (16 lane immediates).
    Shuffle,
    /// `v128.const`.
    Const,
    /// A `v128` memory instruction.
    Mem(MemKind),
}

/// Memory instructions: how they access memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MemKind {
    /// `(i32) -> v128`, reading `bytes` bytes.
    Load { bytes: u32 },
    /// `(i32, v128) -> ()`, writing 16 bytes.
    Store,
    /// `(i32, v128) -> v128` with a lane immediate, reading one lane of `bytes` bytes.
    LoadLane { bytes: u32 },
    /// `(i32, v128) -> ()` with a lane immediate, writing one lane of `bytes` bytes.
    StoreLane { bytes: u32 },
}

impl MemKind {
    pub fn access_bytes(self) -> u32 {
        match self {
            MemKind::Load { bytes }
            | MemKind::LoadLane { bytes }
            | MemKind::StoreLane { bytes } => bytes,
            MemKind::Store => 16,
        }
    }

    pub fn lanes(self) -> u32 {
        match self {
            MemKind::LoadLane { bytes } | MemKind::StoreLane { bytes } => 16 / bytes,
            _ => 1,
        }
    }

    pub fn is_store(self) -> bool {
        matches!(self, MemKind::Store | MemKind::StoreLane { .. })
    }
}

/// One instruction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Op {
    /// The text-format name.
    pub name: &'static str,
    pub kind: Kind,
}

impl Op {
    /// The shape the result is read in (the name's prefix; `v128.*` as `i8x16`).
    pub fn out_shape(&self) -> Shape {
        let prefix = self.name.split('.').next().unwrap();
        Shape::parse(prefix).unwrap_or(Shape::I8x16)
    }

    /// The shape the operands are naturally drawn in: the source shape named in the
    /// instruction (`i32x4.trunc_sat_f32x4_s` reads `f32x4`), else the prefix.
    pub fn in_shape(&self) -> Shape {
        let rest = self.name.split('.').nth(1).unwrap_or("");
        for sh in Shape::ALL {
            if rest.contains(&format!("_{}", sh.name())) {
                return sh;
            }
        }
        self.out_shape()
    }

    /// Lanes of a lane immediate (extract/replace/load_lane/store_lane).
    pub fn lane_count(&self) -> u32 {
        match self.kind {
            Kind::Extract(_) | Kind::Replace(_) => self.out_shape().lanes(),
            Kind::Mem(m) => m.lanes(),
            _ => 1,
        }
    }

    pub fn is_relaxed(&self) -> bool {
        self.name.contains("relaxed")
    }

    /// If the result lanes are floats whose NaNs follow the spec's NaN propagation rule
    /// (canonical when every NaN input is canonical, else arithmetic): the result lane type and
    /// how a result lane maps to operand lanes.
    pub fn nan_rule(&self) -> Option<NanRule> {
        let (prefix, op) = self.name.split_once('.').unwrap();
        let arith = [
            "add",
            "sub",
            "mul",
            "div",
            "min",
            "max",
            "sqrt",
            "ceil",
            "floor",
            "trunc",
            "nearest",
            "relaxed_min",
            "relaxed_max",
            "relaxed_madd",
            "relaxed_nmadd",
        ];
        match (prefix, op) {
            ("f32x4", "demote_f64x2_zero") => Some(NanRule::Demote),
            ("f64x2", "promote_low_f32x4") => Some(NanRule::Promote),
            ("f32x4", o) if arith.contains(&o) => Some(NanRule::Lanewise(Shape::F32x4)),
            ("f64x2", o) if arith.contains(&o) => Some(NanRule::Lanewise(Shape::F64x2)),
            _ => None,
        }
    }
}

/// Where the NaN inputs of a float result lane come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NanRule {
    /// Result lane `i` of this shape from lane `i` of every operand, same shape.
    Lanewise(Shape),
    /// `f32x4` lane `i < 2` from `f64x2` lane `i`.
    Demote,
    /// `f64x2` lane `i` from `f32x4` lane `i`.
    Promote,
}

const fn op(name: &'static str, kind: Kind) -> Op {
    Op { name, kind }
}

use Kind::*;

// ---------------------------------------------------------------------------------------------
// The families. Every instruction appears in exactly one (checked by `table_covers_every_op`).

pub const BITWISE: &[Op] = &[
    op("v128.not", Un),
    op("v128.and", Bin),
    op("v128.andnot", Bin),
    op("v128.or", Bin),
    op("v128.xor", Bin),
    op("v128.bitselect", Tern),
    op("v128.any_true", Test),
];

pub const INT_ARITH: &[Op] = &[
    op("i8x16.abs", Un),
    op("i8x16.neg", Un),
    op("i8x16.popcnt", Un),
    op("i16x8.abs", Un),
    op("i16x8.neg", Un),
    op("i32x4.abs", Un),
    op("i32x4.neg", Un),
    op("i64x2.abs", Un),
    op("i64x2.neg", Un),
    op("i8x16.add", Bin),
    op("i8x16.add_sat_s", Bin),
    op("i8x16.add_sat_u", Bin),
    op("i8x16.sub", Bin),
    op("i8x16.sub_sat_s", Bin),
    op("i8x16.sub_sat_u", Bin),
    op("i8x16.min_s", Bin),
    op("i8x16.min_u", Bin),
    op("i8x16.max_s", Bin),
    op("i8x16.max_u", Bin),
    op("i8x16.avgr_u", Bin),
    op("i16x8.q15mulr_sat_s", Bin),
    op("i16x8.add", Bin),
    op("i16x8.add_sat_s", Bin),
    op("i16x8.add_sat_u", Bin),
    op("i16x8.sub", Bin),
    op("i16x8.sub_sat_s", Bin),
    op("i16x8.sub_sat_u", Bin),
    op("i16x8.mul", Bin),
    op("i16x8.min_s", Bin),
    op("i16x8.min_u", Bin),
    op("i16x8.max_s", Bin),
    op("i16x8.max_u", Bin),
    op("i16x8.avgr_u", Bin),
    op("i32x4.add", Bin),
    op("i32x4.sub", Bin),
    op("i32x4.mul", Bin),
    op("i32x4.min_s", Bin),
    op("i32x4.min_u", Bin),
    op("i32x4.max_s", Bin),
    op("i32x4.max_u", Bin),
    op("i64x2.add", Bin),
    op("i64x2.sub", Bin),
    op("i64x2.mul", Bin),
];

pub const INT_COMPARE: &[Op] = &[
    op("i8x16.eq", Bin),
    op("i8x16.ne", Bin),
    op("i8x16.lt_s", Bin),
    op("i8x16.lt_u", Bin),
    op("i8x16.gt_s", Bin),
    op("i8x16.gt_u", Bin),
    op("i8x16.le_s", Bin),
    op("i8x16.le_u", Bin),
    op("i8x16.ge_s", Bin),
    op("i8x16.ge_u", Bin),
    op("i16x8.eq", Bin),
    op("i16x8.ne", Bin),
    op("i16x8.lt_s", Bin),
    op("i16x8.lt_u", Bin),
    op("i16x8.gt_s", Bin),
    op("i16x8.gt_u", Bin),
    op("i16x8.le_s", Bin),
    op("i16x8.le_u", Bin),
    op("i16x8.ge_s", Bin),
    op("i16x8.ge_u", Bin),
    op("i32x4.eq", Bin),
    op("i32x4.ne", Bin),
    op("i32x4.lt_s", Bin),
    op("i32x4.lt_u", Bin),
    op("i32x4.gt_s", Bin),
    op("i32x4.gt_u", Bin),
    op("i32x4.le_s", Bin),
    op("i32x4.le_u", Bin),
    op("i32x4.ge_s", Bin),
    op("i32x4.ge_u", Bin),
    op("i64x2.eq", Bin),
    op("i64x2.ne", Bin),
    op("i64x2.lt_s", Bin),
    op("i64x2.gt_s", Bin),
    op("i64x2.le_s", Bin),
    op("i64x2.ge_s", Bin),
];

pub const WIDEN_NARROW: &[Op] = &[
    op("i16x8.extadd_pairwise_i8x16_s", Un),
    op("i16x8.extadd_pairwise_i8x16_u", Un),
    op("i32x4.extadd_pairwise_i16x8_s", Un),
    op("i32x4.extadd_pairwise_i16x8_u", Un),
    op("i16x8.extend_low_i8x16_s", Un),
    op("i16x8.extend_high_i8x16_s", Un),
    op("i16x8.extend_low_i8x16_u", Un),
    op("i16x8.extend_high_i8x16_u", Un),
    op("i32x4.extend_low_i16x8_s", Un),
    op("i32x4.extend_high_i16x8_s", Un),
    op("i32x4.extend_low_i16x8_u", Un),
    op("i32x4.extend_high_i16x8_u", Un),
    op("i64x2.extend_low_i32x4_s", Un),
    op("i64x2.extend_high_i32x4_s", Un),
    op("i64x2.extend_low_i32x4_u", Un),
    op("i64x2.extend_high_i32x4_u", Un),
    op("i8x16.narrow_i16x8_s", Bin),
    op("i8x16.narrow_i16x8_u", Bin),
    op("i16x8.narrow_i32x4_s", Bin),
    op("i16x8.narrow_i32x4_u", Bin),
    op("i16x8.extmul_low_i8x16_s", Bin),
    op("i16x8.extmul_high_i8x16_s", Bin),
    op("i16x8.extmul_low_i8x16_u", Bin),
    op("i16x8.extmul_high_i8x16_u", Bin),
    op("i32x4.dot_i16x8_s", Bin),
    op("i32x4.extmul_low_i16x8_s", Bin),
    op("i32x4.extmul_high_i16x8_s", Bin),
    op("i32x4.extmul_low_i16x8_u", Bin),
    op("i32x4.extmul_high_i16x8_u", Bin),
    op("i64x2.extmul_low_i32x4_s", Bin),
    op("i64x2.extmul_high_i32x4_s", Bin),
    op("i64x2.extmul_low_i32x4_u", Bin),
    op("i64x2.extmul_high_i32x4_u", Bin),
];

pub const SHIFT: &[Op] = &[
    op("i8x16.shl", Shift),
    op("i8x16.shr_s", Shift),
    op("i8x16.shr_u", Shift),
    op("i16x8.shl", Shift),
    op("i16x8.shr_s", Shift),
    op("i16x8.shr_u", Shift),
    op("i32x4.shl", Shift),
    op("i32x4.shr_s", Shift),
    op("i32x4.shr_u", Shift),
    op("i64x2.shl", Shift),
    op("i64x2.shr_s", Shift),
    op("i64x2.shr_u", Shift),
];

pub const BITMASK_ALL_TRUE: &[Op] = &[
    op("i8x16.all_true", Test),
    op("i16x8.all_true", Test),
    op("i32x4.all_true", Test),
    op("i64x2.all_true", Test),
    op("i8x16.bitmask", Test),
    op("i16x8.bitmask", Test),
    op("i32x4.bitmask", Test),
    op("i64x2.bitmask", Test),
];

pub const FLOAT_ARITH: &[Op] = &[
    op("f32x4.ceil", Un),
    op("f32x4.floor", Un),
    op("f32x4.trunc", Un),
    op("f32x4.nearest", Un),
    op("f32x4.abs", Un),
    op("f32x4.neg", Un),
    op("f32x4.sqrt", Un),
    op("f64x2.ceil", Un),
    op("f64x2.floor", Un),
    op("f64x2.trunc", Un),
    op("f64x2.nearest", Un),
    op("f64x2.abs", Un),
    op("f64x2.neg", Un),
    op("f64x2.sqrt", Un),
    op("f32x4.add", Bin),
    op("f32x4.sub", Bin),
    op("f32x4.mul", Bin),
    op("f32x4.div", Bin),
    op("f32x4.min", Bin),
    op("f32x4.max", Bin),
    op("f32x4.pmin", Bin),
    op("f32x4.pmax", Bin),
    op("f64x2.add", Bin),
    op("f64x2.sub", Bin),
    op("f64x2.mul", Bin),
    op("f64x2.div", Bin),
    op("f64x2.min", Bin),
    op("f64x2.max", Bin),
    op("f64x2.pmin", Bin),
    op("f64x2.pmax", Bin),
];

pub const FLOAT_COMPARE: &[Op] = &[
    op("f32x4.eq", Bin),
    op("f32x4.ne", Bin),
    op("f32x4.lt", Bin),
    op("f32x4.gt", Bin),
    op("f32x4.le", Bin),
    op("f32x4.ge", Bin),
    op("f64x2.eq", Bin),
    op("f64x2.ne", Bin),
    op("f64x2.lt", Bin),
    op("f64x2.gt", Bin),
    op("f64x2.le", Bin),
    op("f64x2.ge", Bin),
];

pub const CONVERSION: &[Op] = &[
    op("i32x4.trunc_sat_f32x4_s", Un),
    op("i32x4.trunc_sat_f32x4_u", Un),
    op("f32x4.convert_i32x4_s", Un),
    op("f32x4.convert_i32x4_u", Un),
    op("i32x4.trunc_sat_f64x2_s_zero", Un),
    op("i32x4.trunc_sat_f64x2_u_zero", Un),
    op("f64x2.convert_low_i32x4_s", Un),
    op("f64x2.convert_low_i32x4_u", Un),
    op("f32x4.demote_f64x2_zero", Un),
    op("f64x2.promote_low_f32x4", Un),
];

pub const LANES: &[Op] = &[
    op("i8x16.splat", Splat(Scalar::I32)),
    op("i16x8.splat", Splat(Scalar::I32)),
    op("i32x4.splat", Splat(Scalar::I32)),
    op("i64x2.splat", Splat(Scalar::I64)),
    op("f32x4.splat", Splat(Scalar::F32)),
    op("f64x2.splat", Splat(Scalar::F64)),
    op("i8x16.extract_lane_s", Extract(Scalar::I32)),
    op("i8x16.extract_lane_u", Extract(Scalar::I32)),
    op("i16x8.extract_lane_s", Extract(Scalar::I32)),
    op("i16x8.extract_lane_u", Extract(Scalar::I32)),
    op("i32x4.extract_lane", Extract(Scalar::I32)),
    op("i64x2.extract_lane", Extract(Scalar::I64)),
    op("f32x4.extract_lane", Extract(Scalar::F32)),
    op("f64x2.extract_lane", Extract(Scalar::F64)),
    op("i8x16.replace_lane", Replace(Scalar::I32)),
    op("i16x8.replace_lane", Replace(Scalar::I32)),
    op("i32x4.replace_lane", Replace(Scalar::I32)),
    op("i64x2.replace_lane", Replace(Scalar::I64)),
    op("f32x4.replace_lane", Replace(Scalar::F32)),
    op("f64x2.replace_lane", Replace(Scalar::F64)),
];

pub const SHUFFLE_SWIZZLE: &[Op] = &[
    op("i8x16.shuffle", Shuffle),
    op("i8x16.swizzle", Bin),
    op("v128.const", Const),
];

pub const RELAXED: &[Op] = &[
    op("i8x16.relaxed_swizzle", Bin),
    op("i32x4.relaxed_trunc_f32x4_s", Un),
    op("i32x4.relaxed_trunc_f32x4_u", Un),
    op("i32x4.relaxed_trunc_f64x2_s_zero", Un),
    op("i32x4.relaxed_trunc_f64x2_u_zero", Un),
    op("f32x4.relaxed_madd", Tern),
    op("f32x4.relaxed_nmadd", Tern),
    op("f64x2.relaxed_madd", Tern),
    op("f64x2.relaxed_nmadd", Tern),
    op("i8x16.relaxed_laneselect", Tern),
    op("i16x8.relaxed_laneselect", Tern),
    op("i32x4.relaxed_laneselect", Tern),
    op("i64x2.relaxed_laneselect", Tern),
    op("f32x4.relaxed_min", Bin),
    op("f32x4.relaxed_max", Bin),
    op("f64x2.relaxed_min", Bin),
    op("f64x2.relaxed_max", Bin),
    op("i16x8.relaxed_q15mulr_s", Bin),
    op("i16x8.relaxed_dot_i8x16_i7x16_s", Bin),
    op("i32x4.relaxed_dot_i8x16_i7x16_add_s", Tern),
];

pub const MEM_LOAD: &[Op] = &[
    op("v128.load", Mem(MemKind::Load { bytes: 16 })),
    op("v128.load8_splat", Mem(MemKind::Load { bytes: 1 })),
    op("v128.load16_splat", Mem(MemKind::Load { bytes: 2 })),
    op("v128.load32_splat", Mem(MemKind::Load { bytes: 4 })),
    op("v128.load64_splat", Mem(MemKind::Load { bytes: 8 })),
    op("v128.load32_zero", Mem(MemKind::Load { bytes: 4 })),
    op("v128.load64_zero", Mem(MemKind::Load { bytes: 8 })),
    op("v128.load8x8_s", Mem(MemKind::Load { bytes: 8 })),
    op("v128.load8x8_u", Mem(MemKind::Load { bytes: 8 })),
    op("v128.load16x4_s", Mem(MemKind::Load { bytes: 8 })),
    op("v128.load16x4_u", Mem(MemKind::Load { bytes: 8 })),
    op("v128.load32x2_s", Mem(MemKind::Load { bytes: 8 })),
    op("v128.load32x2_u", Mem(MemKind::Load { bytes: 8 })),
];

pub const MEM_STORE_LANE: &[Op] = &[
    op("v128.store", Mem(MemKind::Store)),
    op("v128.load8_lane", Mem(MemKind::LoadLane { bytes: 1 })),
    op("v128.load16_lane", Mem(MemKind::LoadLane { bytes: 2 })),
    op("v128.load32_lane", Mem(MemKind::LoadLane { bytes: 4 })),
    op("v128.load64_lane", Mem(MemKind::LoadLane { bytes: 8 })),
    op("v128.store8_lane", Mem(MemKind::StoreLane { bytes: 1 })),
    op("v128.store16_lane", Mem(MemKind::StoreLane { bytes: 2 })),
    op("v128.store32_lane", Mem(MemKind::StoreLane { bytes: 4 })),
    op("v128.store64_lane", Mem(MemKind::StoreLane { bytes: 8 })),
];

/// Every family, by test name.
pub const FAMILIES: &[(&str, &[Op])] = &[
    ("bitwise", BITWISE),
    ("int_arith", INT_ARITH),
    ("int_compare", INT_COMPARE),
    ("widen_narrow", WIDEN_NARROW),
    ("shift", SHIFT),
    ("bitmask_all_true", BITMASK_ALL_TRUE),
    ("float_arith", FLOAT_ARITH),
    ("float_compare", FLOAT_COMPARE),
    ("conversion", CONVERSION),
    ("lanes", LANES),
    ("shuffle_swizzle_const", SHUFFLE_SWIZZLE),
    ("relaxed", RELAXED),
    ("mem_load", MEM_LOAD),
    ("mem_store_lane", MEM_STORE_LANE),
];

/// Offsets every memory instruction is built with: none, a small unaligned one, one that puts
/// `addr = 0` at the last valid `v128` address of a one-page memory, and the largest (every
/// access past 4 GiB must trap, not wrap).
pub const MEM_OFFSETS: [u32; 4] = [0, 3, 65520, u32::MAX];

/// Size of the memory the memory families use (one page).
pub const MEM_SIZE: u64 = 65536;
