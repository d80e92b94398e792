//! The instruction set: every op declared once, with typed operands, in the `define_ops!`
//! table at the end of this file.
//!
//! The table is the single source of truth. From it the macro derives the [`Op`] enum, the
//! [`OpCode`] of the stored form, one static operand layout per opcode (`Op::layout`: each
//! operand's [`OperandType`] and field name, in table order), the interpreter's unchecked
//! per-op readers (`read::*`), and the accessors the translator patches ops with.
//!
//! The checked codec is table-driven: the per-op code is only `Op::raw` (the fields as raw
//! `u64`s, in table order) and its inverse `Op::from_raw`; one loop over the layout encodes
//! the operands at their [`Class`]'s width ([`Op::encode_words`]), one decodes them
//! (`decode_raw`, behind [`Op::decode_words`], the stored form's shape check and the
//! verifier), and one yields them typed ([`Op::for_each_operand`], the printer's visit).
//!
//! # Operand types
//! Every operand field has one of the types below. They are plain integers (type aliases), but
//! the table spells the type of every field, and the macro maps each *type name* to the
//! [`OperandType`] variant of the same name (`OperandType::$ty`): a field of a new type does
//! not compile until it has a variant, and a new variant does not compile until its word
//! class ([`OperandType::class`]), its [`Operand`] (`Operand::from_raw`) and the verifier's
//! check (an exhaustive `match`, no wildcard) handle it.
//!
//! This module is the leaf of the engine: it imports nothing from `exec` (the SIMD sub-op
//! enums are part of the ISA, in [`super::simd_ops`]).

use alloc::vec::Vec;
use core::fmt;

pub use super::atomic_ops::{AtomicRmwOp, AtomicWidth};
pub use super::simd_ops::{
    SimdBinOp, SimdExtractOp, SimdReplaceOp, SimdShiftOp, SimdSplatOp, SimdTernOp, SimdTestOp,
    SimdUnOp,
};

/// A frame-relative value-stack cell (a v128 takes this cell and the next).
pub type Slot = u32;
/// A branch target. In the stream: the signed distance in words from the end of the op to
/// the target op (the bits of an `i32`), one word or two in the wide form. In the ops that
/// [`Compiled::ops`](super::Compiled::ops) yields: the target's word offset; in the
/// translator's ops ([`Compiled::assemble`](super::Compiled::assemble)): its op index.
pub type Target = u32;
/// A `br_table` entry's target: a [`Target`] that always takes two words, so the entries
/// have one size and the table is indexed.
pub type EntryTarget = u32;
/// The first of a range of cells whose length is the op's [`Cells`] operand (`Return`).
pub type Base = u32;
/// A cell count, the length of the op's [`Base`] range.
pub type Cells = u32;
/// The first argument cell of a call; the callee's parameter cells follow it in the frame.
pub type Args = u32;
/// A `BrTable`'s entry count minus one: `len + 1` `Br` ops follow it.
pub type TableLen = u32;
/// A function index of the module.
pub type FuncIdx = u32;
/// A type index of the module.
pub type TypeIdx = u32;
/// A table index of the module.
pub type TableIdx = u32;
/// A memory index of the module.
pub type MemIdx = u32;
/// A global index of the module.
pub type GlobalIdx = u32;
/// A data segment index of the module.
pub type DataIdx = u32;
/// An element segment index of the module.
pub type ElemIdx = u32;
/// An index into the function's constant pool (a v128 constant or shuffle mask).
pub type PoolIdx = u32;
/// An index into the pool whose entry packs a lane access: memory (low 32 bits), lane, offset.
pub type LaneArg = u32;
/// A memory offset immediate.
pub type Offset = u64;
/// An i32 immediate.
pub type I32Imm = i32;
/// An i64 immediate.
pub type I64Imm = i64;
/// A pre-encoded cell (the bits of a constant).
pub type Bits = u64;
/// A lane index immediate.
pub type Lane = u8;

/// One operand of an op, tagged with its type.
#[derive(Debug, Clone, Copy, PartialEq)]
#[allow(missing_docs)]
pub enum Operand {
    Slot(Slot),
    Target(Target),
    Base(Base),
    Cells(Cells),
    Args(Args),
    TableLen(TableLen),
    Func(FuncIdx),
    Type(TypeIdx),
    Table(TableIdx),
    Mem(MemIdx),
    Global(GlobalIdx),
    Data(DataIdx),
    Elem(ElemIdx),
    Pool(PoolIdx),
    LaneArg(LaneArg),
    Offset(Offset),
    I32(I32Imm),
    I64(I64Imm),
    Bits(Bits),
    Lane(Lane),
    SimdUn(SimdUnOp),
    SimdBin(SimdBinOp),
    SimdTern(SimdTernOp),
    SimdShift(SimdShiftOp),
    SimdTest(SimdTestOp),
    SimdSplat(SimdSplatOp),
    SimdExtract(SimdExtractOp),
    SimdReplace(SimdReplaceOp),
    AtomicWidth(AtomicWidth),
    AtomicRmw(AtomicRmwOp),
}

impl fmt::Display for Operand {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Operand::Slot(v) | Operand::Base(v) | Operand::Args(v) => write!(f, "s{v}"),
            Operand::Target(v) => write!(f, "@{v}"),
            Operand::Cells(v) | Operand::TableLen(v) => write!(f, "{v}"),
            Operand::Func(v) => write!(f, "func{v}"),
            Operand::Type(v) => write!(f, "type{v}"),
            Operand::Table(v) => write!(f, "table{v}"),
            Operand::Mem(v) => write!(f, "mem{v}"),
            Operand::Global(v) => write!(f, "global{v}"),
            Operand::Data(v) => write!(f, "data{v}"),
            Operand::Elem(v) => write!(f, "elem{v}"),
            Operand::Pool(v) | Operand::LaneArg(v) => write!(f, "pool{v}"),
            Operand::Offset(v) => write!(f, "+{v}"),
            Operand::I32(v) => write!(f, "{v}"),
            Operand::I64(v) => write!(f, "{v}"),
            Operand::Bits(v) => write!(f, "0x{v:x}"),
            Operand::Lane(v) => write!(f, "{v}"),
            Operand::SimdUn(v) => write!(f, "{v:?}"),
            Operand::SimdBin(v) => write!(f, "{v:?}"),
            Operand::SimdTern(v) => write!(f, "{v:?}"),
            Operand::SimdShift(v) => write!(f, "{v:?}"),
            Operand::SimdTest(v) => write!(f, "{v:?}"),
            Operand::SimdSplat(v) => write!(f, "{v:?}"),
            Operand::SimdExtract(v) => write!(f, "{v:?}"),
            Operand::SimdReplace(v) => write!(f, "{v:?}"),
            Operand::AtomicWidth(v) => write!(f, "{v:?}"),
            Operand::AtomicRmw(v) => write!(f, "{v:?}"),
        }
    }
}

/// The interpreter's unchecked readers of the operand word classes (see "Encoding" in
/// ARCHITECTURE.md; the checked codec is table-driven, [`Class`]).
pub(crate) mod words {

    /// Read word `k` of the stream at `p`.
    ///
    /// # Safety
    /// `p.add(k)` must be inside the stream.
    #[inline(always)]
    pub unsafe fn w16(p: *const u16, k: usize) -> u16 {
        // SAFETY: the caller's contract.
        unsafe { p.add(k).read() }
    }

    /// Read words `k, k + 1` as a little-endian `u32`.
    ///
    /// # Safety
    /// `p.add(k + 1)` must be inside the stream.
    #[inline(always)]
    pub unsafe fn w32(p: *const u16, k: usize) -> u32 {
        // SAFETY: the caller's contract.
        unsafe { w16(p, k) as u32 | (w16(p, k + 1) as u32) << 16 }
    }

    /// Read words `k..k + 4` as a little-endian `u64`.
    ///
    /// # Safety
    /// `p.add(k + 3)` must be inside the stream.
    #[inline(always)]
    pub unsafe fn w64(p: *const u16, k: usize) -> u64 {
        // SAFETY: the caller's contract.
        unsafe { w32(p, k) as u64 | (w32(p, k + 2) as u64) << 32 }
    }

    /// A variable-width 32-bit operand (slots, entity and pool indices): one word, or two in
    /// the op's wide form.
    pub mod var {
        use super::*;
        /// # Safety
        /// The op's words must be inside the stream.
        #[inline(always)]
        pub unsafe fn fast<const W: bool>(p: *const u16, k: &mut usize) -> u32 {
            // SAFETY: the caller's contract.
            let v = unsafe {
                if W {
                    w32(p, *k)
                } else {
                    w16(p, *k) as u32
                }
            };
            *k += 1 + W as usize;
            v
        }
    }

    /// A variable-width unsigned 64-bit immediate (constant bits): two words (zero-extended),
    /// or four in the op's wide form.
    pub mod var64u {
        use super::*;
        /// # Safety
        /// The op's words must be inside the stream.
        #[inline(always)]
        pub unsafe fn fast<const W: bool>(p: *const u16, k: &mut usize) -> u64 {
            // SAFETY: the caller's contract.
            let v = unsafe {
                if W {
                    w64(p, *k)
                } else {
                    w32(p, *k) as u64
                }
            };
            *k += 2 + 2 * W as usize;
            v
        }
    }

    /// A variable-width signed 64-bit immediate: two words (sign-extended), or four in the
    /// op's wide form.
    pub mod var64i {
        use super::*;
        /// # Safety
        /// The op's words must be inside the stream.
        #[inline(always)]
        pub unsafe fn fast<const W: bool>(p: *const u16, k: &mut usize) -> i64 {
            // SAFETY: the caller's contract.
            let v = unsafe {
                if W {
                    w64(p, *k) as i64
                } else {
                    w32(p, *k) as i32 as i64
                }
            };
            *k += 2 + 2 * W as usize;
            v
        }
    }

    /// A variable-width signed 32-bit operand (`I32Imm`, and `Target` as the bits of an
    /// `i32`): one word, sign-extended from 16 bits, or two in the op's wide form.
    macro_rules! var_signed {
        ($m:ident, $t:ty) => {
            pub mod $m {
                use super::*;
                /// # Safety
                /// The op's words must be inside the stream.
                #[inline(always)]
                pub unsafe fn fast<const W: bool>(p: *const u16, k: &mut usize) -> $t {
                    // SAFETY: the caller's contract.
                    let v = unsafe {
                        if W {
                            w32(p, *k) as $t
                        } else {
                            w16(p, *k) as i16 as i32 as $t
                        }
                    };
                    *k += 1 + W as usize;
                    v
                }
            }
        };
    }
    var_signed!(var32i, i32);
    var_signed!(rel, u32);

    /// A memory offset: one word (up to 65,535), or four in the op's wide form.
    pub mod off {
        use super::*;
        /// # Safety
        /// The op's words must be inside the stream.
        #[inline(always)]
        pub unsafe fn fast<const W: bool>(p: *const u16, k: &mut usize) -> u64 {
            // SAFETY: the caller's contract.
            let v = unsafe {
                if W {
                    w64(p, *k)
                } else {
                    w16(p, *k) as u64
                }
            };
            *k += 1 + 3 * W as usize;
            v
        }
    }

    /// An index that is almost always 0 (a memory index): no word at all in the narrow form,
    /// where it is 0; two words in the op's wide form.
    pub mod zero {
        use super::*;
        /// # Safety
        /// The op's words must be inside the stream.
        #[inline(always)]
        pub unsafe fn fast<const W: bool>(p: *const u16, k: &mut usize) -> u32 {
            if W {
                // SAFETY: the caller's contract.
                let v = unsafe { w32(p, *k) };
                *k += 2;
                v
            } else {
                0
            }
        }
    }

    /// Two words, in either form.
    pub mod u32w {
        use super::*;
        /// # Safety
        /// The op's words must be inside the stream.
        #[inline(always)]
        pub unsafe fn fast<const W: bool>(p: *const u16, k: &mut usize) -> u32 {
            // SAFETY: the caller's contract.
            let v = unsafe { w32(p, *k) };
            *k += 2;
            v
        }
    }

    /// A lane index: one word, in either form.
    pub mod lane {
        use super::*;
        /// # Safety
        /// The op's words must be inside the stream.
        #[inline(always)]
        pub unsafe fn fast<const W: bool>(p: *const u16, k: &mut usize) -> u8 {
            // SAFETY: the caller's contract.
            let v = unsafe { w16(p, *k) } as u8;
            *k += 1;
            v
        }
    }

    /// A SIMD or atomic sub-op: one word, its position in the enum.
    macro_rules! sub {
        ($($m:ident: $t:ident),*) => {$(
            pub mod $m {
                use super::*;
                use crate::microcode::isa::$t;
                /// # Safety
                /// The op's words must be inside the stream.
                #[inline(always)]
                pub unsafe fn fast<const W: bool>(p: *const u16, k: &mut usize) -> $t {
                    // SAFETY: the caller's contract.
                    let i = unsafe { w16(p, *k) } as usize;
                    *k += 1;
                    // The verifier decoded every op with the checked decoder, so `i` names
                    // a variant.
                    $t::ALL.get(i).copied().unwrap_or($t::ALL[0])
                }
            }
        )*};
    }
    sub!(sub_un: SimdUnOp, sub_bin: SimdBinOp, sub_tern: SimdTernOp, sub_shift: SimdShiftOp,
        sub_test: SimdTestOp, sub_splat: SimdSplatOp, sub_extract: SimdExtractOp,
        sub_replace: SimdReplaceOp, sub_atomic_width: AtomicWidth, sub_atomic_rmw: AtomicRmwOp);
}

/// The unchecked reader of the word class of an operand type (see `words`), for the
/// interpreter: `wf!(Slot, fast::<W>)` is `words::var::fast::<W>`. One arm per operand type
/// and no catch-all; [`OperandType::class`] is the same mapping for the checked codec (a unit
/// test decodes every op both ways).
macro_rules! wf {
    (Slot, $($f:tt)*) => { words::var::$($f)* };
    (Base, $($f:tt)*) => { words::var::$($f)* };
    (Cells, $($f:tt)*) => { words::var::$($f)* };
    (Args, $($f:tt)*) => { words::var::$($f)* };
    (FuncIdx, $($f:tt)*) => { words::var::$($f)* };
    (TypeIdx, $($f:tt)*) => { words::var::$($f)* };
    (TableIdx, $($f:tt)*) => { words::var::$($f)* };
    (MemIdx, $($f:tt)*) => { words::zero::$($f)* };
    (GlobalIdx, $($f:tt)*) => { words::var::$($f)* };
    (DataIdx, $($f:tt)*) => { words::var::$($f)* };
    (ElemIdx, $($f:tt)*) => { words::var::$($f)* };
    (PoolIdx, $($f:tt)*) => { words::var::$($f)* };
    (LaneArg, $($f:tt)*) => { words::var::$($f)* };
    (Target, $($f:tt)*) => { words::rel::$($f)* };
    (EntryTarget, $($f:tt)*) => { words::u32w::$($f)* };
    (TableLen, $($f:tt)*) => { words::u32w::$($f)* };
    (I32Imm, $($f:tt)*) => { words::var32i::$($f)* };
    (Offset, $($f:tt)*) => { words::off::$($f)* };
    (Bits, $($f:tt)*) => { words::var64u::$($f)* };
    (I64Imm, $($f:tt)*) => { words::var64i::$($f)* };
    (Lane, $($f:tt)*) => { words::lane::$($f)* };
    (SimdUnOp, $($f:tt)*) => { words::sub_un::$($f)* };
    (SimdBinOp, $($f:tt)*) => { words::sub_bin::$($f)* };
    (SimdTernOp, $($f:tt)*) => { words::sub_tern::$($f)* };
    (SimdShiftOp, $($f:tt)*) => { words::sub_shift::$($f)* };
    (SimdTestOp, $($f:tt)*) => { words::sub_test::$($f)* };
    (SimdSplatOp, $($f:tt)*) => { words::sub_splat::$($f)* };
    (SimdExtractOp, $($f:tt)*) => { words::sub_extract::$($f)* };
    (SimdReplaceOp, $($f:tt)*) => { words::sub_replace::$($f)* };
    (AtomicWidth, $($f:tt)*) => { words::sub_atomic_width::$($f)* };
    (AtomicRmwOp, $($f:tt)*) => { words::sub_atomic_rmw::$($f)* };
}

/// Declares [`OperandType`] and [`OperandType::ALL`] from one list, so the two cannot drift.
macro_rules! operand_types {
    ($(#[$m:meta])* $($ty:ident)*) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        #[repr(u8)]
        #[allow(missing_docs)]
        pub enum OperandType {
            $($ty,)*
        }

        impl OperandType {
            /// Every type, indexed by its discriminant.
            pub const ALL: &'static [OperandType] = &[$(OperandType::$ty,)*];
        }
    };
}

operand_types! {
    /// The type of an operand field: one variant per type name of the ISA table, of the same
    /// name (the table's fields are mapped with `OperandType::$ty`, so a field of a new type does
    /// not compile until it has a variant here; a new variant does not compile until
    /// [`OperandType::class`], `Operand::from_raw` and the verifier's exhaustive `match` handle
    /// it). The checked codec works on the per-opcode list of these (`Op::layout`).
    Slot
    Target
    EntryTarget
    Base
    Cells
    Args
    TableLen
    FuncIdx
    TypeIdx
    TableIdx
    MemIdx
    GlobalIdx
    DataIdx
    ElemIdx
    PoolIdx
    LaneArg
    Offset
    I32Imm
    I64Imm
    Bits
    Lane
    SimdUnOp
    SimdBinOp
    SimdTernOp
    SimdShiftOp
    SimdTestOp
    SimdSplatOp
    SimdExtractOp
    SimdReplaceOp
    AtomicWidth
    AtomicRmwOp
}

impl OperandType {
    /// The type's word class (the "Encoding" section of ARCHITECTURE.md).
    pub const fn class(self) -> Class {
        use OperandType as T;
        match self {
            T::Slot
            | T::Base
            | T::Cells
            | T::Args
            | T::FuncIdx
            | T::TypeIdx
            | T::TableIdx
            | T::GlobalIdx
            | T::DataIdx
            | T::ElemIdx
            | T::PoolIdx
            | T::LaneArg => Class::Var,
            T::MemIdx => Class::Zero,
            T::Target | T::I32Imm => Class::Var32i,
            T::EntryTarget | T::TableLen => Class::U32,
            T::Offset => Class::Off,
            T::Bits => Class::Var64u,
            T::I64Imm => Class::Var64i,
            T::Lane => Class::Lane,
            T::SimdUnOp
            | T::SimdBinOp
            | T::SimdTernOp
            | T::SimdShiftOp
            | T::SimdTestOp
            | T::SimdSplatOp
            | T::SimdExtractOp
            | T::SimdReplaceOp
            | T::AtomicWidth
            | T::AtomicRmwOp => Class::Sub,
        }
    }

    /// The number of valid values of a sub-op type (its enum's `ALL`), 0 for other types.
    const fn sub_ops(self) -> usize {
        use OperandType as T;
        match self {
            T::SimdUnOp => SimdUnOp::ALL.len(),
            T::SimdBinOp => SimdBinOp::ALL.len(),
            T::SimdTernOp => SimdTernOp::ALL.len(),
            T::SimdShiftOp => SimdShiftOp::ALL.len(),
            T::SimdTestOp => SimdTestOp::ALL.len(),
            T::SimdSplatOp => SimdSplatOp::ALL.len(),
            T::SimdExtractOp => SimdExtractOp::ALL.len(),
            T::SimdReplaceOp => SimdReplaceOp::ALL.len(),
            T::AtomicWidth => AtomicWidth::ALL.len(),
            T::AtomicRmwOp => AtomicRmwOp::ALL.len(),
            _ => 0,
        }
    }
}

/// A word class: how an operand is stored (ARCHITECTURE.md, "Encoding"), for the
/// table-driven encoder, decoder and verifier. Operand values move through them as raw
/// `u64`s (`Raw`): unsigned fields zero-extended, `i32` fields as their bits zero-extended,
/// `i64` fields as their bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Class {
    /// One word, or two in the wide form (slots, counts, entity and pool indices).
    Var,
    /// No word in the narrow form (the value 0), two in the wide form (memory indices).
    Zero,
    /// One word sign-extended to 32 bits, or two (`I32Imm`, a `Target`'s distance).
    Var32i,
    /// Two words in either form (`EntryTarget`, `TableLen`).
    U32,
    /// One word, or four in the wide form (memory offsets).
    Off,
    /// Two words zero-extended, or four (`Bits`).
    Var64u,
    /// Two words sign-extended to 64 bits, or four (`I64Imm`).
    Var64i,
    /// One word, at most 255, in either form.
    Lane,
    /// One word, a sub-op's position in its enum's `ALL`, in either form.
    Sub,
}

impl Class {
    /// Words in the narrow and the wide form, indexed by the class.
    const WORDS: [[u8; 2]; 9] = [
        [1, 2],
        [0, 2],
        [1, 2],
        [2, 2],
        [1, 4],
        [2, 4],
        [2, 4],
        [1, 1],
        [1, 1],
    ];

    /// Words in the form `wide`.
    #[inline(always)]
    pub fn words(self, wide: bool) -> usize {
        Class::WORDS[self as usize][wide as usize] as usize
    }

    /// Per class, what [`Class::fits`] computes with: `(bias, mask, max)`, the value fitting
    /// the narrow form when `(v + bias) & mask <= max` (a signed class's bias moves its
    /// narrow range to start at 0; the mask wraps an `i32`'s bits at 32). Straight-line
    /// arithmetic rather than a `match`, which the compiler evaluated for every class at
    /// once in the encoder's loop.
    const NARROW: [(u64, u64, u64); 9] = [
        (0, u64::MAX, u16::MAX as u64),             // Var
        (0, u64::MAX, 0),                           // Zero
        (0x8000, u32::MAX as u64, u16::MAX as u64), // Var32i
        (0, u64::MAX, u64::MAX),                    // U32
        (0, u64::MAX, u16::MAX as u64),             // Off
        (0, u64::MAX, u32::MAX as u64),             // Var64u
        (0x8000_0000, u64::MAX, u32::MAX as u64),   // Var64i
        (0, u64::MAX, u64::MAX),                    // Lane
        (0, u64::MAX, u64::MAX),                    // Sub
    ];

    /// Whether raw value `v` fits the narrow form.
    #[inline(always)]
    pub fn fits(self, v: u64) -> bool {
        let (bias, mask, max) = Class::NARROW[self as usize];
        v.wrapping_add(bias) & mask <= max
    }
}

/// A field type's value as the raw `u64` the table-driven codec moves (see [`Class`]).
pub(crate) trait Raw: Sized {
    fn to_raw(self) -> u64;
    /// The field of raw value `v` (which the decoder checked against its class's `max`).
    fn from_raw(v: u64) -> Self;
}

impl Raw for u32 {
    #[inline(always)]
    fn to_raw(self) -> u64 {
        self as u64
    }
    #[inline(always)]
    fn from_raw(v: u64) -> Self {
        v as u32
    }
}
impl Raw for i32 {
    #[inline(always)]
    fn to_raw(self) -> u64 {
        self as u32 as u64
    }
    #[inline(always)]
    fn from_raw(v: u64) -> Self {
        v as u32 as i32
    }
}
impl Raw for u64 {
    #[inline(always)]
    fn to_raw(self) -> u64 {
        self
    }
    #[inline(always)]
    fn from_raw(v: u64) -> Self {
        v
    }
}
impl Raw for i64 {
    #[inline(always)]
    fn to_raw(self) -> u64 {
        self as u64
    }
    #[inline(always)]
    fn from_raw(v: u64) -> Self {
        v as i64
    }
}
impl Raw for u8 {
    #[inline(always)]
    fn to_raw(self) -> u64 {
        self as u64
    }
    #[inline(always)]
    fn from_raw(v: u64) -> Self {
        v as u8
    }
}
macro_rules! raw_sub {
    ($($t:ident)*) => {$(
        impl Raw for $t {
            #[inline(always)]
            fn to_raw(self) -> u64 {
                self as u64
            }
            #[inline(always)]
            fn from_raw(v: u64) -> Self {
                $t::ALL.get(v as usize).copied().unwrap_or($t::ALL[0])
            }
        }
    )*};
}
raw_sub!(SimdUnOp SimdBinOp SimdTernOp SimdShiftOp SimdTestOp SimdSplatOp SimdExtractOp
    SimdReplaceOp AtomicWidth AtomicRmwOp);

impl Operand {
    /// The operand of type `ty` with raw value `v`.
    pub(crate) fn from_raw(ty: OperandType, v: u64) -> Operand {
        use OperandType as T;
        match ty {
            T::Slot => Operand::Slot(Raw::from_raw(v)),
            T::Target | T::EntryTarget => Operand::Target(Raw::from_raw(v)),
            T::Base => Operand::Base(Raw::from_raw(v)),
            T::Cells => Operand::Cells(Raw::from_raw(v)),
            T::Args => Operand::Args(Raw::from_raw(v)),
            T::TableLen => Operand::TableLen(Raw::from_raw(v)),
            T::FuncIdx => Operand::Func(Raw::from_raw(v)),
            T::TypeIdx => Operand::Type(Raw::from_raw(v)),
            T::TableIdx => Operand::Table(Raw::from_raw(v)),
            T::MemIdx => Operand::Mem(Raw::from_raw(v)),
            T::GlobalIdx => Operand::Global(Raw::from_raw(v)),
            T::DataIdx => Operand::Data(Raw::from_raw(v)),
            T::ElemIdx => Operand::Elem(Raw::from_raw(v)),
            T::PoolIdx => Operand::Pool(Raw::from_raw(v)),
            T::LaneArg => Operand::LaneArg(Raw::from_raw(v)),
            T::Offset => Operand::Offset(Raw::from_raw(v)),
            T::I32Imm => Operand::I32(Raw::from_raw(v)),
            T::I64Imm => Operand::I64(Raw::from_raw(v)),
            T::Bits => Operand::Bits(Raw::from_raw(v)),
            T::Lane => Operand::Lane(Raw::from_raw(v)),
            T::SimdUnOp => Operand::SimdUn(Raw::from_raw(v)),
            T::SimdBinOp => Operand::SimdBin(Raw::from_raw(v)),
            T::SimdTernOp => Operand::SimdTern(Raw::from_raw(v)),
            T::SimdShiftOp => Operand::SimdShift(Raw::from_raw(v)),
            T::SimdTestOp => Operand::SimdTest(Raw::from_raw(v)),
            T::SimdSplatOp => Operand::SimdSplat(Raw::from_raw(v)),
            T::SimdExtractOp => Operand::SimdExtract(Raw::from_raw(v)),
            T::SimdReplaceOp => Operand::SimdReplace(Raw::from_raw(v)),
            T::AtomicWidth => Operand::AtomicWidth(Raw::from_raw(v)),
            T::AtomicRmwOp => Operand::AtomicRmw(Raw::from_raw(v)),
        }
    }
}

/// The most operands of any op (a table entry with more does not compile).
pub const MAX_OPERANDS: usize = 7;

/// One operand of an op's layout (`Op::layout`): its type (`OperandType as u16 + 1`, bits
/// 0-4) and its field's name (an index into [`FIELD_NAMES`], bits 5-15); 0 past the last.
pub(crate) type OperandDesc = u16;

/// The operand type of a layout entry.
#[inline(always)]
pub(crate) fn desc_type(d: OperandDesc) -> OperandType {
    OperandType::ALL[(d & 31) as usize - 1]
}

/// The field name of a layout entry.
pub(crate) fn desc_name(d: OperandDesc) -> &'static str {
    FIELD_NAMES.get((d >> 5) as usize).copied().unwrap_or("")
}

// `OperandType::ALL` lists the types in discriminant order, and a type fits 5 bits.
const _: () = {
    assert!(OperandType::ALL.len() < 32);
    let mut i = 0;
    while i < OperandType::ALL.len() {
        assert!(OperandType::ALL[i] as usize == i);
        i += 1;
    }
};

/// The word class of a layout entry's type.
#[inline(always)]
fn desc_class(d: OperandDesc) -> Class {
    CLASSES[(d & 31) as usize]
}

/// The word class of each operand type, indexed like a layout entry's type bits.
static CLASSES: [Class; 32] = {
    let mut c = [Class::Var; 32];
    let mut i = 0;
    while i < OperandType::ALL.len() {
        c[i + 1] = OperandType::ALL[i].class();
        i += 1;
    }
    c
};

/// The number of valid values of each sub-op type (0 for other types), indexed like a
/// layout entry's type bits.
static SUB_OPS: [u8; 32] = {
    let mut c = [0; 32];
    let mut i = 0;
    while i < OperandType::ALL.len() {
        let n = OperandType::ALL[i].sub_ops();
        assert!(n <= u8::MAX as usize);
        c[i + 1] = n as u8;
        i += 1;
    }
    c
};

const fn str_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// Room for the distinct field names of the table (a larger count fails to compile).
const MAX_FIELD_NAMES: usize = 128;

/// The distinct names of `all`, in order of first appearance, and their count.
const fn distinct_names(all: &[&'static str]) -> ([&'static str; MAX_FIELD_NAMES], usize) {
    let mut out = [""; MAX_FIELD_NAMES];
    let mut n = 0;
    let mut i = 0;
    while i < all.len() {
        let mut j = 0;
        while j < n && !str_eq(out[j], all[i]) {
            j += 1;
        }
        if j == n {
            out[n] = all[i];
            n += 1;
        }
        i += 1;
    }
    (out, n)
}

const fn first_names<const N: usize>(names: &[&'static str; MAX_FIELD_NAMES]) -> [&'static str; N] {
    let mut out = [""; N];
    let mut i = 0;
    while i < N {
        out[i] = names[i];
        i += 1;
    }
    out
}

/// An op's operands (`Op::layout`): one [`OperandDesc`] each, in table order, then zeros.
pub(crate) type Layout = [OperandDesc; MAX_OPERANDS];

/// The distinct layouts of `all` (in order of first appearance), the index of each entry's
/// among them, and their count (at most 256: the index is a byte).
const fn distinct_layouts<const N: usize>(all: &[Layout; N]) -> ([Layout; N], [u8; N], usize) {
    let mut rows = [[0; MAX_OPERANDS]; N];
    let mut index = [0u8; N];
    let mut n = 0;
    let mut i = 0;
    while i < N {
        let mut j = 0;
        while j < n && !layout_eq(&rows[j], &all[i]) {
            j += 1;
        }
        if j == n {
            rows[n] = all[i];
            n += 1;
        }
        assert!(
            j <= u8::MAX as usize,
            "more than 256 distinct operand layouts"
        );
        index[i] = j as u8;
        i += 1;
    }
    (rows, index, n)
}

const fn layout_eq(a: &Layout, b: &Layout) -> bool {
    let mut i = 0;
    while i < MAX_OPERANDS {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

const fn first_layouts<const N: usize, const M: usize>(rows: &[Layout; M]) -> [Layout; N] {
    let mut out = [[0; MAX_OPERANDS]; N];
    let mut i = 0;
    while i < N {
        out[i] = rows[i];
        i += 1;
    }
    out
}

/// The layout of an op with fields `fields` (type and name, in table order).
const fn layout(fields: &[(OperandType, &str)]) -> Layout {
    assert!(
        fields.len() <= MAX_OPERANDS,
        "an op with more than MAX_OPERANDS operands"
    );
    let mut out = [0; MAX_OPERANDS];
    let mut i = 0;
    while i < fields.len() {
        let mut name = 0;
        while !str_eq(DISTINCT_FIELD_NAMES.0[name], fields[i].1) {
            name += 1;
        }
        out[i] = (fields[i].0 as u16 + 1) | (name as u16) << 5;
        i += 1;
    }
    out
}

/// The bit an opcode word carries in an op's wide form (slot operands of two words). Opcodes
/// are below 512, so the narrow and wide opcode words together stay below 1,024 and the
/// interpreter's dispatch is one dense jump table.
pub const WIDE: u16 = 0x200;

const _: () = assert!(ALL_OPCODES.len() <= WIDE as usize);

/// The verifier's quick check of a narrow op (`verify`'s fast path, a `std` build), per
/// opcode: what its operands need, from its layout, so the check reads the op's words at
/// fixed positions with no decode. 0 for an op that is left to the general check (one not
/// built, or with an operand type other than those below, or with two targets); else
/// `QUICK_LEN` bits: the narrow form's length in words, bit `QUICK_SLOTS + i`: word `i` is
/// a slot; `QUICK_TARGET` bits: the word of its one branch target (0: none), with
/// `QUICK_ENTRY` for a two-word `EntryTarget` (else a one-word `Target`); `QUICK_GLOBAL`,
/// `QUICK_POOL` bits: the word of its global or pool index (0: none); `QUICK_MEM`: it names
/// a memory (narrow: memory 0); `QUICK_EXTRAS`: any of these four. Immediates need nothing.
#[cfg(feature = "std")]
pub(crate) static QUICK_CHECKS: [u64; ALL_OPCODES.len()] = {
    let mut out = [0u64; ALL_OPCODES.len()];
    let mut code = 0;
    while code < ALL_OPCODES.len() {
        out[code] = quick_check(code);
        code += 1;
    }
    out
};

/// Fields of a [`QUICK_CHECKS`] entry.
#[cfg(feature = "std")]
pub(crate) const QUICK_LEN: u64 = 0xff;
#[cfg(feature = "std")]
pub(crate) const QUICK_SLOTS: u32 = 8;
#[cfg(feature = "std")]
pub(crate) const QUICK_TARGET: u32 = 24;
#[cfg(feature = "std")]
pub(crate) const QUICK_ENTRY: u64 = 1 << 28;
#[cfg(feature = "std")]
pub(crate) const QUICK_GLOBAL: u32 = 32;
#[cfg(feature = "std")]
pub(crate) const QUICK_POOL: u32 = 36;
#[cfg(feature = "std")]
pub(crate) const QUICK_MEM: u64 = 1 << 40;
/// Any of the checks past the slots (a target, global, pool entry or memory).
#[cfg(feature = "std")]
pub(crate) const QUICK_EXTRAS: u64 = 1 << 41;

/// The [`QUICK_CHECKS`] entry of opcode `code`.
#[cfg(feature = "std")]
const fn quick_check(code: usize) -> u64 {
    use OperandType as T;
    if !built(code as u16) {
        return 0;
    }
    let layout = &ALL_LAYOUTS[code];
    let mut d = 0u64;
    let mut pos = 1usize;
    let mut i = 0;
    while i < MAX_OPERANDS && layout[i] != 0 {
        let ty = OperandType::ALL[(layout[i] & 31) as usize - 1];
        // A word position must fit its 4-bit field, a slot's the 16-bit mask.
        if pos > 15 {
            return 0;
        }
        let at = pos as u64;
        match ty {
            T::Slot => d |= 1 << (QUICK_SLOTS as u64 + at),
            T::Target | T::EntryTarget => {
                if d >> QUICK_TARGET & 15 != 0 {
                    return 0;
                }
                d |= at << QUICK_TARGET;
                if matches!(ty, T::EntryTarget) {
                    d |= QUICK_ENTRY;
                }
            }
            T::GlobalIdx => {
                if d >> QUICK_GLOBAL & 15 != 0 {
                    return 0;
                }
                d |= at << QUICK_GLOBAL;
            }
            T::PoolIdx => {
                if d >> QUICK_POOL & 15 != 0 {
                    return 0;
                }
                d |= at << QUICK_POOL;
            }
            T::MemIdx => d |= QUICK_MEM,
            T::I32Imm | T::I64Imm | T::Offset | T::Bits => {}
            _ => return 0,
        }
        pos += Class::WORDS[ty.class() as usize][0] as usize;
        i += 1;
    }
    if pos > QUICK_LEN as usize {
        return 0;
    }
    if d >> QUICK_TARGET != 0 {
        d |= QUICK_EXTRAS;
    }
    d | pos as u64
}

/// How many opcodes there are (narrow opcode words are below this).
#[cfg(feature = "std")]
pub(crate) const NUM_OPCODES: usize = ALL_OPCODES.len();

/// Whether an op of opcode `code` has a branch target (an operand of type `Target` or
/// `EntryTarget`: exactly the ops whose [`Op::branch_target_mut`] is `Some`, a unit test
/// checks), for tables built at compile time.
#[cfg(any(test, feature = "std"))]
pub(crate) const fn has_branch_target(code: usize) -> bool {
    let layout = &ALL_LAYOUTS[code];
    let mut i = 0;
    while i < MAX_OPERANDS && layout[i] != 0 {
        let ty = OperandType::ALL[(layout[i] & 31) as usize - 1];
        if matches!(ty, OperandType::Target | OperandType::EntryTarget) {
            return true;
        }
        i += 1;
    }
    false
}

/// The opcode of narrow opcode word `w`, an index of [`QUICK_CHECKS`].
#[cfg(feature = "std")]
#[inline(always)]
pub(crate) fn narrow_opcode(w: u16) -> Option<OpCode> {
    ALL_OPCODES.get(w as usize).copied()
}

/// Whether this build has the `narrow-frames` feature: frames of at most [`MAX_NARROW_FRAME`]
/// cells, and no wide form of an op whose [`WIDE_BEYOND_FRAME`] entry is `false`.
pub const NARROW_FRAMES: bool = cfg!(feature = "narrow-frames");

/// The largest frame, in cells, of a `narrow-frames` build: every slot fits one word.
pub const MAX_NARROW_FRAME: u32 = u16::MAX as u32;

/// `for_simd_ops!(m)` expands to `m! { V128Const ... }`: the SIMD proposal's ops (the `simd`
/// cargo feature). With [`for_atomic_ops!`], [`for_exn_ops!`] and [`for_gc_ops!`] these lists are what
/// [`built`] tells apart and what a build without the feature generates its handler
/// stand-ins from (`exec/handlers/*_disabled.rs`, `simd.rs`), so an op of a proposal that is
/// missing from its list has no stand-in and does not compile there.
macro_rules! for_simd_ops {
    ($m:ident) => {
        $m! {
            V128Const V128Shuffle V128Un V128Bin V128Tern V128Shift V128Test V128Splat
            V128Extract V128Replace V128Load V128Load32Zero V128Load64Zero V128Load8Splat
            V128Load16Splat V128Load32Splat V128Load64Splat V128Load8x8S V128Load8x8U
            V128Load16x4S V128Load16x4U V128Load32x2S V128Load32x2U V128Store V128Load8Lane
            V128Load16Lane V128Load32Lane V128Load64Lane V128Store8Lane V128Store16Lane
            V128Store32Lane V128Store64Lane
        }
    };
}
#[allow(unused_imports)] // used by the stand-ins of a build without the feature
pub(crate) use for_simd_ops;

/// `for_atomic_ops!(m)`: the threads proposal's ops (the `threads` cargo feature).
macro_rules! for_atomic_ops {
    ($m:ident) => {
        $m! { AtomicLoad AtomicStore AtomicRmw AtomicCmpxchg AtomicWait AtomicNotify }
    };
}
#[allow(unused_imports)] // used by the stand-ins of a build without the feature
pub(crate) use for_atomic_ops;

/// `for_exn_ops!(m)`: the exception-handling proposal's ops (the `exceptions` cargo feature).
macro_rules! for_exn_ops {
    ($m:ident) => {
        $m! { Throw ThrowRef ExnFrom ExnTo Catch CatchRef }
    };
}
#[allow(unused_imports)] // used by the stand-ins of a build without the feature
pub(crate) use for_exn_ops;

/// `for_gc_ops!(m)`: the GC proposal's ops (the `gc` cargo feature).
macro_rules! for_gc_ops {
    ($m:ident) => {
        $m! {
            RefI31 I31GetS I31GetU RefTest RefTestType RefCast RefCastType BrOnCast BrOnCastType
            BrOnCastFail BrOnCastFailType StructNew StructNewDefault StructGet StructSet ArrayNew
            ArrayNewDefault ArrayNewFixed ArrayNewData ArrayNewElem ArrayGet ArraySet ArrayLen
            ArrayFill ArrayCopy ArrayInitData ArrayInitElem
        }
    };
}
#[allow(unused_imports)] // used by the stand-ins of a build without the feature
pub(crate) use for_gc_ops;

/// Whether this build runs opcode `op` (narrow form): `false` for the ops of a proposal
/// whose cargo feature is off (`simd`, `threads`, `exceptions`, `gc`; for `simd` also the
/// two-cell moves, whose only values are v128s), which its translator never emits. The
/// decoder refuses them, so stored microcode of a build with the feature is a verify error
/// (`opcode`) here; the threaded dispatch table leaves their slots at `invalid` and the loop
/// has no arm for them, so their handlers are not compiled in.
pub const fn built(op: u16) -> bool {
    macro_rules! any_of {
        ($($name:ident)*) => { matches!(op, $(opc::$name)|*) };
    }
    let v128 = for_simd_ops!(any_of)
        || matches!(
            op,
            opc::Copy2 | opc::Select2 | opc::GlobalGet2 | opc::GlobalSet2
        );
    !(v128 && !cfg!(feature = "simd")
        || for_atomic_ops!(any_of) && !cfg!(feature = "threads")
        || for_exn_ops!(any_of) && !cfg!(feature = "exceptions")
        || for_gc_ops!(any_of) && !cfg!(feature = "gc"))
}

/// Whether an operand type can make an op take its wide form for a reason other than the
/// size of the frame (an index, a branch distance, an immediate, an offset, a memory): `true`,
/// or only in a frame past 65,535 cells (a frame cell or a count of them) or never (fixed
/// width): `false`. One arm per operand type and no catch-all, like [`wf!`].
macro_rules! beyond_frame {
    (Slot) => {
        false
    };
    (Base) => {
        false
    };
    (Cells) => {
        false
    };
    (Args) => {
        false
    };
    (FuncIdx) => {
        true
    };
    (TypeIdx) => {
        true
    };
    (TableIdx) => {
        true
    };
    (MemIdx) => {
        true
    };
    (GlobalIdx) => {
        true
    };
    (DataIdx) => {
        true
    };
    (ElemIdx) => {
        true
    };
    (PoolIdx) => {
        true
    };
    (LaneArg) => {
        true
    };
    (Target) => {
        true
    };
    (EntryTarget) => {
        false
    };
    (TableLen) => {
        false
    };
    (I32Imm) => {
        true
    };
    (Offset) => {
        true
    };
    (Bits) => {
        true
    };
    (I64Imm) => {
        true
    };
    (Lane) => {
        false
    };
    (SimdUnOp) => {
        false
    };
    (SimdBinOp) => {
        false
    };
    (SimdTernOp) => {
        false
    };
    (SimdShiftOp) => {
        false
    };
    (SimdTestOp) => {
        false
    };
    (SimdSplatOp) => {
        false
    };
    (SimdExtractOp) => {
        false
    };
    (SimdReplaceOp) => {
        false
    };
    (AtomicWidth) => {
        false
    };
    (AtomicRmwOp) => {
        false
    };
}

/// `$v`, once per name of a group (a repetition needs a metavariable).
macro_rules! per_op {
    ($name:ident, $v:expr) => {
        $v
    };
}

/// The most words any op takes, in either form (a unit test checks every opcode): what the
/// fusion of `translate/fuse.rs` bounds a branch's distance in words by.
pub const MAX_OP_WORDS: usize = 16;

macro_rules! define_ops {
    (
        $d:tt
        special { $( $(#[$sdoc:meta])* $sname:ident $({ $($sfield:ident : $sty:ident),* $(,)? })? ; )* }
        result { $( $(#[$rdoc:meta])* $rname:ident { dst: Slot $(, $rfield:ident : $rty:ident)* $(,)? } ; )* }
        unary { $( $uname:ident )* }
        binary { $( $bname:ident )* }
        binary_imm32 { $( $iname:ident )* }
        binary_imm64 { $( $jname:ident )* }
        branch_cmp { $( $cname:ident )* }
        branch_cmp_imm { $( $kname:ident )* }
        load { $( $lname:ident )* }
        store { $( $stname:ident )* }
        load_imm { $( $laname:ident )* }
        load_reg { $( $lrname:ident )* }
        store_imm { $( $saname:ident )* }
        store_reg { $( $srname:ident )* }
        fused { $( $(#[$fdoc:meta])* $fname:ident { $($ffield:ident : $fty:ident),* $(,)? } ; )* }
    ) => {
        /// One microcode instruction.
        #[derive(Debug, Clone, Copy, PartialEq)]
        #[allow(missing_docs)]
        pub enum Op {
            $( $(#[$sdoc])* $sname $({ $($sfield: $sty),* })?, )*
            $( $(#[$rdoc])* $rname { dst: Slot $(, $rfield: $rty)* }, )*
            $( #[doc = "Unary numeric op: `dst = op(src)`."] $uname { dst: Slot, src: Slot }, )*
            $( #[doc = "Binary numeric op: `dst = op(lhs, rhs)`."] $bname { dst: Slot, lhs: Slot, rhs: Slot }, )*
            $( #[doc = "Binary i32 op with a constant right operand: `dst = op(lhs, imm)`."] $iname { dst: Slot, lhs: Slot, imm: I32Imm }, )*
            $( #[doc = "Binary i64 op with a constant right operand: `dst = op(lhs, imm)`."] $jname { dst: Slot, lhs: Slot, imm: I64Imm }, )*
            $( #[doc = "Jump to `target` if the comparison of `lhs` and `rhs` holds."] $cname { lhs: Slot, rhs: Slot, target: Target }, )*
            $( #[doc = "Jump to `target` if the comparison of `lhs` and `imm` holds."] $kname { lhs: Slot, imm: I32Imm, target: Target }, )*
            $( #[doc = "Load from memory `mem` at `addr + offset` into `dst`."] $lname { dst: Slot, addr: Slot, mem: MemIdx, offset: Offset }, )*
            $( #[doc = "Store `src` to memory `mem` at `addr + offset`."] $stname { addr: Slot, src: Slot, mem: MemIdx, offset: Offset }, )*
            $( #[doc = "Load from memory `mem` at `(base + imm) mod 2^32 + offset` (a fused `i32.add` with a constant) into `dst`."] $laname { dst: Slot, base: Slot, imm: I32Imm, mem: MemIdx, offset: Offset }, )*
            $( #[doc = "Load from memory `mem` at `(base + index) mod 2^32 + offset` (a fused `i32.add`) into `dst`."] $lrname { dst: Slot, base: Slot, index: Slot, mem: MemIdx, offset: Offset }, )*
            $( #[doc = "Store `src` to memory `mem` at `(base + imm) mod 2^32 + offset` (a fused `i32.add` with a constant)."] $saname { base: Slot, imm: I32Imm, src: Slot, mem: MemIdx, offset: Offset }, )*
            $( #[doc = "Store `src` to memory `mem` at `(base + index) mod 2^32 + offset` (a fused `i32.add`)."] $srname { base: Slot, index: Slot, src: Slot, mem: MemIdx, offset: Offset }, )*
            $( $(#[$fdoc])* $fname { $($ffield: $fty),* }, )*
        }

        /// The opcode of each op in the stored form (its position in the ISA table).
        #[repr(u16)]
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        #[allow(missing_docs)]
        pub enum OpCode {
            $( $sname, )* $( $rname, )* $( $uname, )* $( $bname, )* $( $iname, )* $( $jname, )*
            $( $cname, )* $( $kname, )* $( $lname, )* $( $stname, )*
            $( $laname, )* $( $lrname, )* $( $saname, )* $( $srname, )*
            $( $fname, )*
        }

        /// The opcodes of the `unary` group: the translator builds such an op from its code
        /// ([`Op::unary`]), with no constructor per op.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub(crate) enum UnaryCode {
            $( $uname, )*
        }

        /// The opcodes of the `binary` group ([`Op::binary`]).
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub(crate) enum BinaryCode {
            $( $bname, )*
        }

        /// The opcodes of the `load` group ([`Op::load`]). The v128 ones are listed for
        /// completeness: the SIMD translator builds those ops itself.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        #[allow(dead_code)]
        pub(crate) enum LoadCode {
            $( $lname, )*
        }

        /// The opcodes of the `store` group ([`Op::store`]; `V128Store` as in [`LoadCode`]).
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        #[allow(dead_code)]
        pub(crate) enum StoreCode {
            $( $stname, )*
        }

        const ALL_OPCODES: &[OpCode] = &[
            $( OpCode::$sname, )* $( OpCode::$rname, )* $( OpCode::$uname, )* $( OpCode::$bname, )*
            $( OpCode::$iname, )* $( OpCode::$jname, )* $( OpCode::$cname, )* $( OpCode::$kname, )*
            $( OpCode::$lname, )* $( OpCode::$stname, )*
            $( OpCode::$laname, )* $( OpCode::$lrname, )* $( OpCode::$saname, )* $( OpCode::$srname, )*
            $( OpCode::$fname, )*
        ];

        /// Per opcode (indexed like the opcode): whether the op's wide form can be needed
        /// for an operand other than a frame cell (`beyond_frame!`). Where it is `false` the
        /// wide form is needed only in a frame past 65,535 cells, which a `narrow-frames`
        /// build refuses and has no handler for.
        pub const WIDE_BEYOND_FRAME: [bool; ALL_OPCODES.len()] = [
            $( false $($(|| beyond_frame!($sty))*)?, )*
            $( false $(|| beyond_frame!($rty))*, )*
            $( per_op!($uname, false), )*
            $( per_op!($bname, false), )*
            $( per_op!($iname, true), )*
            $( per_op!($jname, true), )*
            $( per_op!($cname, true), )*
            $( per_op!($kname, true), )*
            $( per_op!($lname, true), )*
            $( per_op!($stname, true), )*
            $( per_op!($laname, true), )*
            $( per_op!($lrname, true), )*
            $( per_op!($saname, true), )*
            $( per_op!($srname, true), )*
            $( false $(|| beyond_frame!($fty))*, )*
        ];

        impl Op {
            /// The `unary` op `code` on `dst` and `src`. Every arm stores the same fields, so
            /// this compiles to a store of the tag and the operands, not a jump.
            #[inline(always)]
            pub(crate) fn unary(code: UnaryCode, dst: Slot, src: Slot) -> Op {
                match code {
                    $( UnaryCode::$uname => Op::$uname { dst, src }, )*
                }
            }

            /// The `binary` op `code` on `dst`, `lhs` and `rhs` (see [`Op::unary`]).
            #[inline(always)]
            pub(crate) fn binary(code: BinaryCode, dst: Slot, lhs: Slot, rhs: Slot) -> Op {
                match code {
                    $( BinaryCode::$bname => Op::$bname { dst, lhs, rhs }, )*
                }
            }

            /// The `load` op `code` (see [`Op::unary`]).
            #[inline(always)]
            pub(crate) fn load(code: LoadCode, dst: Slot, addr: Slot, mem: MemIdx, offset: Offset) -> Op {
                match code {
                    $( LoadCode::$lname => Op::$lname { dst, addr, mem, offset }, )*
                }
            }

            /// The `store` op `code` (see [`Op::unary`]).
            #[inline(always)]
            pub(crate) fn store(code: StoreCode, addr: Slot, src: Slot, mem: MemIdx, offset: Offset) -> Op {
                match code {
                    $( StoreCode::$stname => Op::$stname { addr, src, mem, offset }, )*
                }
            }

            /// The op's opcode.
            pub fn opcode(&self) -> OpCode {
                match self {
                    $( Op::$sname { .. } => OpCode::$sname, )*
                    $( Op::$rname { .. } => OpCode::$rname, )*
                    $( Op::$uname { .. } => OpCode::$uname, )*
                    $( Op::$bname { .. } => OpCode::$bname, )*
                    $( Op::$iname { .. } => OpCode::$iname, )*
                    $( Op::$jname { .. } => OpCode::$jname, )*
                    $( Op::$cname { .. } => OpCode::$cname, )*
                    $( Op::$kname { .. } => OpCode::$kname, )*
                    $( Op::$lname { .. } => OpCode::$lname, )*
                    $( Op::$stname { .. } => OpCode::$stname, )*
                    $( Op::$laname { .. } => OpCode::$laname, )*
                    $( Op::$lrname { .. } => OpCode::$lrname, )*
                    $( Op::$saname { .. } => OpCode::$saname, )*
                    $( Op::$srname { .. } => OpCode::$srname, )*
                    $( Op::$fname { .. } => OpCode::$fname, )*
                }
            }

            /// The op's name, as the disassembler prints it.
            pub fn name(&self) -> &'static str {
                match self {
                    $( Op::$sname { .. } => stringify!($sname), )*
                    $( Op::$rname { .. } => stringify!($rname), )*
                    $( Op::$uname { .. } => stringify!($uname), )*
                    $( Op::$bname { .. } => stringify!($bname), )*
                    $( Op::$iname { .. } => stringify!($iname), )*
                    $( Op::$jname { .. } => stringify!($jname), )*
                    $( Op::$cname { .. } => stringify!($cname), )*
                    $( Op::$kname { .. } => stringify!($kname), )*
                    $( Op::$lname { .. } => stringify!($lname), )*
                    $( Op::$stname { .. } => stringify!($stname), )*
                    $( Op::$laname { .. } => stringify!($laname), )*
                    $( Op::$lrname { .. } => stringify!($lrname), )*
                    $( Op::$saname { .. } => stringify!($saname), )*
                    $( Op::$srname { .. } => stringify!($srname), )*
                    $( Op::$fname { .. } => stringify!($fname), )*
                }
            }

            /// The branch target of a jump op, for patching.
            pub(crate) fn branch_target_mut(&mut self) -> Option<&mut Target> {
                match self {
                    Op::Br { target } | Op::BrEntry { target } | Op::BrIfNez { target, .. } | Op::BrIfEqz { target, .. } => Some(target),
                    Op::BrIfI32AddNe { target, .. } | Op::BrIfI32AddLtU { target, .. } | Op::BrIfI32AddLtS { target, .. }
                    | Op::BrIfI32AddImmNe { target, .. } | Op::BrIfI32AddImmLtU { target, .. } | Op::BrIfI32AddImmLtS { target, .. }
                    | Op::BrIfI32AddImmNeImm { target, .. } | Op::BrIfI32AddImmLtUImm { target, .. }
                    | Op::BrIfI32AddImmNez { target, .. } => Some(target),
                    Op::BrFuel { target } | Op::BrIfNezFuel { target, .. } | Op::BrIfEqzFuel { target, .. } => Some(target),
                    Op::BrIfI32AddNeFuel { target, .. } | Op::BrIfI32AddLtUFuel { target, .. } | Op::BrIfI32AddLtSFuel { target, .. }
                    | Op::BrIfI32AddImmNeFuel { target, .. } | Op::BrIfI32AddImmLtUFuel { target, .. } | Op::BrIfI32AddImmLtSFuel { target, .. }
                    | Op::BrIfI32AddImmNeImmFuel { target, .. } | Op::BrIfI32AddImmLtUImmFuel { target, .. }
                    | Op::BrIfI32AddImmNezFuel { target, .. } => Some(target),
                    Op::BrIfNull { target, .. } | Op::BrIfNonNull { target, .. } => Some(target),
                    Op::BrOnCast { target, .. } | Op::BrOnCastType { target, .. }
                    | Op::BrOnCastFail { target, .. } | Op::BrOnCastFailType { target, .. } => Some(target),
                    // The handler table's (never run; an exception lands on the target).
                    Op::ExnFrom { target } | Op::ExnTo { target } => Some(target),
                    Op::Catch { target, .. } | Op::CatchRef { target, .. } => Some(target),
                    $( Op::$cname { target, .. } => Some(target), )*
                    $( Op::$kname { target, .. } => Some(target), )*
                    _ => None,
                }
            }

            /// The single slot this op writes, if it writes exactly one and reads all its
            /// inputs before writing it (so the translator may retarget it).
            pub(crate) fn result_slot_mut(&mut self) -> Option<&mut Slot> {
                match self {
                    $( Op::$rname { dst, .. } => Some(dst), )*
                    $( Op::$uname { dst, .. } => Some(dst), )*
                    $( Op::$bname { dst, .. } => Some(dst), )*
                    $( Op::$iname { dst, .. } => Some(dst), )*
                    $( Op::$jname { dst, .. } => Some(dst), )*
                    $( Op::$lname { dst, .. } => Some(dst), )*
                    $( Op::$laname { dst, .. } => Some(dst), )*
                    $( Op::$lrname { dst, .. } => Some(dst), )*
                    Op::I32RotlImm { dst, .. } | Op::I32RotrImm { dst, .. }
                    | Op::I64RotlImm { dst, .. } | Op::I64RotrImm { dst, .. }
                    | Op::F64MulAdd { dst, .. } | Op::F64AddSub { dst, .. } => Some(dst),
                    _ => None,
                }
            }
        }

        word_codec! {
            $d
            $( $sname { $($($sfield: $sty),*)? } )*
            $( $rname { dst: Slot $(, $rfield: $rty)* } )*
            $( $uname { dst: Slot, src: Slot } )*
            $( $bname { dst: Slot, lhs: Slot, rhs: Slot } )*
            $( $iname { dst: Slot, lhs: Slot, imm: I32Imm } )*
            $( $jname { dst: Slot, lhs: Slot, imm: I64Imm } )*
            $( $cname { lhs: Slot, rhs: Slot, target: Target } )*
            $( $kname { lhs: Slot, imm: I32Imm, target: Target } )*
            $( $lname { dst: Slot, addr: Slot, mem: MemIdx, offset: Offset } )*
            $( $stname { addr: Slot, src: Slot, mem: MemIdx, offset: Offset } )*
            $( $laname { dst: Slot, base: Slot, imm: I32Imm, mem: MemIdx, offset: Offset } )*
            $( $lrname { dst: Slot, base: Slot, index: Slot, mem: MemIdx, offset: Offset } )*
            $( $saname { base: Slot, imm: I32Imm, src: Slot, mem: MemIdx, offset: Offset } )*
            $( $srname { base: Slot, index: Slot, src: Slot, mem: MemIdx, offset: Offset } )*
            $( $fname { $($ffield: $fty),* } )*
        }
    };
}

/// The word stream's encoder, decoders and opcode constants, from the normalised table.
macro_rules! word_codec {
    ($d:tt $( $name:ident { $($f:ident : $t:ident),* } )*) => {
        /// `for_each_op!(m)` expands to `m! { Unreachable Br ... }`: every op's name, in
        /// opcode order. The interpreter's dispatch tables and loop are generated from it, so
        /// an op without a handler does not compile.
        macro_rules! for_each_op {
            ($d m:ident) => { $d m! { $( $name )* } };
        }
        pub(crate) use for_each_op;

        /// The opcode word of each op (without [`WIDE`]), for `match`ing on a stream.
        #[allow(non_upper_case_globals, missing_docs)]
        pub mod opc {
            $( pub const $name: u16 = super::OpCode::$name as u16; )*
        }

        /// The opcode word of each op's wide form.
        #[allow(non_upper_case_globals, missing_docs)]
        pub mod opcw {
            $( pub const $name: u16 = super::OpCode::$name as u16 | super::WIDE; )*
        }

        /// Every field name of the table, with repeats (only read at compile time).
        const ALL_FIELD_NAMES: &[&str] = &[ $( $( stringify!($f), )* )* ];

        /// The distinct field names, and their count (at compile time).
        const DISTINCT_FIELD_NAMES: ([&str; MAX_FIELD_NAMES], usize) =
            distinct_names(ALL_FIELD_NAMES);

        /// The distinct field names of the table, which layout entries index
        /// ([`OperandDesc`]).
        pub(crate) static FIELD_NAMES: [&str; DISTINCT_FIELD_NAMES.1] =
            first_names(&DISTINCT_FIELD_NAMES.0);

        /// Per opcode: its operands' types and names in table order (`Op::layout`), with
        /// repeats (only read at compile time).
        const ALL_LAYOUTS: [Layout; ALL_OPCODES.len()] = [
            $( layout(&[ $( (OperandType::$t, stringify!($f)) ),* ]), )*
        ];

        /// The distinct layouts, the index of each opcode's, and their count (at compile
        /// time).
        const DISTINCT_LAYOUTS: ([Layout; ALL_OPCODES.len()], [u8; ALL_OPCODES.len()], usize) =
            distinct_layouts(&ALL_LAYOUTS);

        /// The distinct operand layouts of the table (many ops share one: every binary op's
        /// is `dst`, `lhs`, `rhs`, all slots).
        static LAYOUTS: [Layout; DISTINCT_LAYOUTS.2] = first_layouts(&DISTINCT_LAYOUTS.0);

        /// Per opcode: the index of its layout in [`LAYOUTS`].
        static LAYOUT_OF: [u8; ALL_OPCODES.len()] = DISTINCT_LAYOUTS.1;

        /// [`built`] of every opcode, one bit each.
        #[cfg(not(feature = "std"))]
        static BUILT: [u64; ALL_OPCODES.len().div_ceil(64)] = {
            let mut bits = [0u64; ALL_OPCODES.len().div_ceil(64)];
            let mut code = 0;
            while code < ALL_OPCODES.len() {
                if built(code as u16) {
                    bits[code / 64] |= 1 << (code % 64);
                }
                code += 1;
            }
            bits
        };

        impl Op {
            /// The raw values (`Raw`) of the op's operands in table order (0 past the last):
            /// with `Op::layout`, all the encoder needs. The only per-op code of the encoder.
            #[allow(unused_mut, unused_assignments, unused_variables)]
            pub(crate) fn raw(&self) -> [u64; MAX_OPERANDS] {
                let mut v = [0u64; MAX_OPERANDS];
                let mut k = 0;
                match *self {
                    $( Op::$name { $($f),* } => {
                        $( v[k] = Raw::to_raw($f); k += 1; )*
                    } )*
                }
                v
            }

            /// The op of opcode `code` with the operand values `v` (as `Op::raw` gives
            /// them). The only per-op code of the decoder.
            #[allow(unused_mut, unused_assignments, unused_variables)]
            pub(crate) fn from_raw(code: OpCode, v: &[u64; MAX_OPERANDS]) -> Op {
                let mut k = 0;
                match code {
                    $( OpCode::$name => Op::$name { $($f: { k += 1; Raw::from_raw(v[k - 1]) }),* }, )*
                }
            }
        }

        impl Op {
            /// The operands of opcode `code`: type and field name of each, in table order,
            /// then zeros ([`OperandDesc`]).
            #[inline(always)]
            pub(crate) fn layout(code: OpCode) -> &'static Layout {
                &LAYOUTS[LAYOUT_OF[code as usize] as usize]
            }

            /// Whether a variable-width operand does not fit its narrow width (a slot or index
            /// past 65,535, a 64-bit immediate past 32 bits), so the op needs its wide form.
            pub fn needs_wide(&self) -> bool {
                #[cfg(feature = "std")]
                {
                    match *self {
                        $( Op::$name { $($f),* } => !(true $(&& const { OperandType::$t.class() }.fits(Raw::to_raw($f)))*), )*
                    }
                }
                #[cfg(not(feature = "std"))]
                {
                    !fits_narrow(Op::layout(self.opcode()), &self.raw())
                }
            }

            /// Append the op's words: the opcode word (with [`WIDE`] if the op needs its wide
            /// form), then each operand in declaration order at its class's width.
            ///
            /// Two forms of one encoder, from the same layouts and word classes: a `std` build
            /// (the host, where translation speed counts) has one `match` arm per op with
            /// each operand's class a constant (`encode_each`, about 18 KB of rv32 code); a
            /// `no_std` build (the firmware, where flash counts) one loop over the op's layout
            /// (`encode_table`). A unit test checks that they agree on every op.
            #[inline]
            pub fn encode_words(&self, out: &mut Vec<u16>) {
                #[cfg(feature = "std")]
                self.encode_each(out);
                #[cfg(not(feature = "std"))]
                self.encode_table(out);
            }

            #[cfg(any(test, feature = "std"))]
            fn encode_each(&self, out: &mut Vec<u16>) {
                // The words go straight into `out`: grown by the longest op and the four
                // words an operand's store may reach past it, then cut back to the op. (An
                // op built in a stack buffer and copied out is read back by wide loads right
                // after its narrow stores, which the CPU cannot forward.)
                let len = out.len();
                out.resize(len + MAX_OP_WORDS + 4, 0);
                let Ok(buf) = <&mut [u16; MAX_OP_WORDS + 4]>::try_from(&mut out[len..]) else {
                    unreachable!("`out` was just grown by the buffer's length");
                };
                let n = match *self {
                    $( Op::$name { $($f),* } => {
                        let wide = !(true $(&& const { OperandType::$t.class() }.fits(Raw::to_raw($f)))*);
                        buf[0] = OpCode::$name as u16 | if wide { WIDE } else { 0 };
                        let n = 1;
                        $( let n = put_operand(buf, n, const { OperandType::$t.class() }, Raw::to_raw($f), wide); )*
                        n
                    } )*
                };
                out.truncate(len + n.min(MAX_OP_WORDS));
            }

            #[cfg(any(test, not(feature = "std")))]
            fn encode_table(&self, out: &mut Vec<u16>) {
                let code = self.opcode();
                let layout = Op::layout(code);
                let v = self.raw();
                // Room for four words past the longest op: each operand writes four and
                // moves on by its width.
                let mut buf = [0u16; MAX_OP_WORDS + 4];
                let mut wide = false;
                // The narrow form, unless an operand does not fit it: then the wide one.
                let n = loop {
                    let mut fits = true;
                    let mut n = 1;
                    for (&d, &v) in layout.iter().zip(&v) {
                        if d == 0 {
                            break;
                        }
                        let class = desc_class(d);
                        fits &= class.fits(v);
                        n = put_operand(&mut buf, n, class, v, wide);
                    }
                    if fits || wide {
                        break n;
                    }
                    wide = true;
                };
                buf[0] = code as u16 | if wide { WIDE } else { 0 };
                append_op(out, &buf, n);
            }

            /// Decode the op at word `at`, checking everything but the operands' ranges:
            /// the opcode exists, the words are there, sub-ops and lanes are valid, and the
            /// wide form is used exactly when needed (the encoding is canonical). Returns the
            /// op and its length in words.
            pub fn decode_words(words: &[u16], at: usize) -> Option<(Op, usize)> {
                let (code, v, n) = decode_raw(words, at)?;
                Some((Op::from_raw(code, &v), n))
            }

            /// Call `f` with the name and the typed value of every operand, in declaration
            /// order. The printer is written against this visit.
            pub fn for_each_operand<F: FnMut(&'static str, Operand) + ?Sized>(&self, f: &mut F) {
                for (&d, &v) in Op::layout(self.opcode()).iter().zip(&self.raw()) {
                    if d == 0 {
                        break;
                    }
                    f(desc_name(d), Operand::from_raw(desc_type(d), v));
                }
            }
        }

        /// Read the operand of layout entry `d` at word `*pos` in the form `wide`, moving
        /// `*pos` past it and clearing `*fits` if a wide operand would fit narrow: its raw
        /// value, or `None` if its words are missing or it is an invalid lane or sub-op.
        #[inline(always)]
        fn read_operand(
            words: &[u16],
            pos: &mut usize,
            d: OperandDesc,
            wide: bool,
            fits: &mut bool,
        ) -> Option<u64> {
            let class = desc_class(d);
            let n = class.words(wide);
            let raw = match *words.get(*pos..*pos + n)? {
                [] => 0,
                [a] => a as u64,
                [a, b] => a as u64 | (b as u64) << 16,
                [a, b, c, d] => a as u64 | (b as u64) << 16 | (c as u64) << 32 | (d as u64) << 48,
                _ => return None,
            };
            *pos += n;
            let v = match class {
                Class::Var32i if !wide => raw as u16 as i16 as i32 as u32 as u64,
                Class::Var64i if !wide => raw as u32 as i32 as i64 as u64,
                Class::Lane if raw > u8::MAX as u64 => return None,
                Class::Sub if raw >= SUB_OPS[(d & 31) as usize] as u64 => return None,
                _ => raw,
            };
            if wide {
                *fits &= class.fits(v);
            }
            Some(v)
        }

        /// Write raw value `v` of class `class` at word `n` of `buf` in the form `wide`;
        /// returns the next operand's word. Writes four words and moves on by the width.
        #[inline(always)]
        fn put_operand(
            buf: &mut [u16; MAX_OP_WORDS + 4],
            n: usize,
            class: Class,
            v: u64,
            wide: bool,
        ) -> usize {
            if let Some(w) = buf.get_mut(n..n + 4) {
                w.copy_from_slice(&[v as u16, (v >> 16) as u16, (v >> 32) as u16, (v >> 48) as u16]);
            }
            n + class.words(wide)
        }

        /// Append the first `n` words of `buf` (an encoded op) to `out`.
        #[cfg(any(test, not(feature = "std")))]
        #[inline(always)]
        fn append_op(out: &mut Vec<u16>, buf: &[u16; MAX_OP_WORDS + 4], n: usize) {
            // The op's longest possible length in one fixed-size copy (no `memcpy` call for
            // a variable length), then the words past the op dropped.
            let end = out.len() + n.min(MAX_OP_WORDS);
            out.extend_from_slice(&buf[..MAX_OP_WORDS]);
            out.truncate(end);
        }

        /// Whether every operand of an op of layout `layout` with raw values `v` fits its
        /// narrow form.
        #[cfg(not(feature = "std"))]
        #[inline]
        fn fits_narrow(layout: &Layout, v: &[u64; MAX_OPERANDS]) -> bool {
            let mut fits = true;
            for (&d, &v) in layout.iter().zip(v) {
                if d == 0 {
                    break;
                }
                fits &= desc_class(d).fits(v);
            }
            fits
        }

        /// The checked decoder behind [`Op::decode_words`] and the stored form's shape check:
        /// the opcode, the raw operand values (`Op::raw`) and the length in words of the op
        /// at word `at`, or `None` where the words are not a well-formed op of this build
        /// (see [`decode_visit`]).
        pub(crate) fn decode_raw(
            words: &[u16],
            at: usize,
        ) -> Option<(OpCode, [u64; MAX_OPERANDS], usize)> {
            let mut v = [0u64; MAX_OPERANDS];
            let mut i = 0;
            let (code, n) = decode_visit(words, at, &mut |_, raw| {
                if let Some(v) = v.get_mut(i) {
                    *v = raw;
                }
                i += 1;
            })?;
            Some((code, v, n))
        }

        /// The checked decoder: decode the op at word `at`, handing `f` each operand's
        /// layout entry ([`OperandDesc`]) and raw value in table order as it is read (the
        /// verifier checks them there, with no array in between). Returns the opcode and the
        /// op's length in words, or `None` where the words are not a well-formed op of this
        /// build: an unknown opcode or one [`built`] leaves out, missing words, an invalid
        /// sub-op or lane, a wide form that is not needed (the encoding is canonical). `f`
        /// may have seen some operands of an op that turns out `None`.
        #[inline(always)]
        #[allow(unused_mut, unused_variables, unused_assignments)]
        pub(crate) fn decode_visit<F: FnMut(OperandDesc, u64)>(
            words: &[u16],
            at: usize,
            f: &mut F,
        ) -> Option<(OpCode, usize)> {
            let w = *words.get(at)?;
            let wide = w & WIDE != 0;
            let code = *ALL_OPCODES.get((w & !WIDE) as usize)?;
            let mut pos = at + 1;
            // A narrow form's operands always fit their narrow width, so only a wide form
            // can be non-canonical (not needed).
            let mut fits = true;
            // A `std` build (the host, where loading speed counts): one `match` arm per op,
            // each operand's layout entry a constant (the verifier's checks fold with it).
            #[cfg(feature = "std")]
            match code {
                $( OpCode::$name if const { built(OpCode::$name as u16) } => {
                    let layout = const { &ALL_LAYOUTS[OpCode::$name as usize] };
                    let mut k = 0;
                    $(
                        let _ = stringify!($f);
                        let v = read_operand(words, &mut pos, layout[k], wide, &mut fits)?;
                        f(layout[k], v);
                        k += 1;
                    )*
                    let _ = k;
                } )*
                _ => return None,
            }
            // A `no_std` build (the firmware, where flash counts): one loop over the op's
            // layout.
            #[cfg(not(feature = "std"))]
            {
                if BUILT[code as usize / 64] >> (code as usize % 64) & 1 == 0 {
                    return None;
                }
                for &d in Op::layout(code) {
                    if d == 0 {
                        break;
                    }
                    let v = read_operand(words, &mut pos, d, wide, &mut fits)?;
                    f(d, v);
                }
            }
            if wide && fits {
                return None;
            }
            Some((code, pos - at))
        }

        /// Unchecked readers of one op each, for the interpreter: `read::I32Add::<W>(p)`
        /// reads an `I32Add` whose opcode word is at `p` (`W`: its wide form) and returns it
        /// with its length in words.
        #[allow(non_snake_case, unused_mut, unused_unsafe, unused_variables)]
        pub(crate) mod read {
            use super::*;
            $(
                /// # Safety
                /// `p` is the start of a verified op of this opcode and form `W`.
                #[inline(always)]
                pub unsafe fn $name<const W: bool>(p: *const u16) -> (Op, usize) {
                    let mut k = 1usize;
                    // SAFETY: the verifier decoded this op (with the checked decoder) inside
                    // the stream.
                    $( let $f = unsafe { wf!($t, fast::<W>)(p, &mut k) }; )*
                    (Op::$name { $($f),* }, k)
                }
            )*

            /// Read whichever op starts at `p`.
            ///
            /// # Safety
            /// `p` is the start of a verified op of form `W`.
            #[inline(always)]
            pub unsafe fn any<const W: bool>(p: *const u16) -> (Op, usize) {
                // SAFETY: the caller's contract.
                unsafe {
                    match words::w16(p, 0) & !WIDE {
                        $( opc::$name => $name::<W>(p), )*
                        _ => (Op::Unreachable, 1),
                    }
                }
            }
        }
    };
}

/// The printer: the op's name, then `field=value` for every operand.
impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())?;
        let mut res = Ok(());
        self.for_each_operand(&mut |name, v| {
            if res.is_ok() {
                res = write!(f, " {name}={v}");
            }
        });
        res
    }
}

define_ops! {
    $
    special {
        /// Trap with `unreachable`.
        Unreachable;
        /// Jump to `target`.
        Br { target: Target };
        /// Jump to `target` if `cond` (an i32) is non-zero.
        BrIfNez { cond: Slot, target: Target };
        /// Jump to `target` if `cond` (an i32) is zero.
        BrIfEqz { cond: Slot, target: Target };
        /// Jump to the target of the `min(index, len)`-th of the `len + 1` `BrEntry` ops that
        /// follow.
        BrTable { index: Slot, len: TableLen };
        /// A `br_table` entry (also a plain jump to `target`, if run).
        BrEntry { target: EntryTarget };
        /// Return the `count` values at `src..` to the caller.
        Return { src: Base, count: Cells };
        /// Call function `func` (module index); arguments at `args..`, results written there.
        Call { func: FuncIdx, args: Args };
        /// Call through table `table` at `index`, checking signature `ty` (module type index).
        CallIndirect { ty: TypeIdx, table: TableIdx, index: Slot, args: Args };
        /// Tail-call function `func`: arguments at `args..` replace the current frame.
        ReturnCall { func: FuncIdx, args: Args };
        /// Tail-call through table `table` at `index`, checking signature `ty`.
        ReturnCallIndirect { ty: TypeIdx, table: TableIdx, index: Slot, args: Args };
        /// `global[global] = src`.
        GlobalSet { src: Slot, global: GlobalIdx };
        /// `global[global] = src..src+2` (a v128 global).
        GlobalSet2 { src: Slot, global: GlobalIdx };
        /// Store one lane of `src`; `pool[arg]` packs memory, lane and offset.
        V128Store8Lane { addr: Slot, src: Slot, arg: LaneArg };
        /// As `V128Store8Lane`, 16-bit lane.
        V128Store16Lane { addr: Slot, src: Slot, arg: LaneArg };
        /// As `V128Store8Lane`, 32-bit lane.
        V128Store32Lane { addr: Slot, src: Slot, arg: LaneArg };
        /// As `V128Store8Lane`, 64-bit lane.
        V128Store64Lane { addr: Slot, src: Slot, arg: LaneArg };
        /// `memory.fill`.
        MemoryFill { mem: MemIdx, dst: Slot, val: Slot, len: Slot };
        /// `memory.copy` from `src_mem` to `dst_mem`.
        MemoryCopy { dst_mem: MemIdx, src_mem: MemIdx, dst: Slot, src: Slot, len: Slot };
        /// `memory.init` from passive data segment `data`.
        MemoryInit { mem: MemIdx, data: DataIdx, dst: Slot, src: Slot, len: Slot };
        /// `data.drop`.
        DataDrop { data: DataIdx };
        /// `table.set`.
        TableSet { table: TableIdx, index: Slot, val: Slot };
        /// `table.fill`.
        TableFill { table: TableIdx, dst: Slot, val: Slot, len: Slot };
        /// `table.copy`.
        TableCopy { dst_table: TableIdx, src_table: TableIdx, dst: Slot, src: Slot, len: Slot };
        /// `table.init` from element segment `elem`.
        TableInit { table: TableIdx, elem: ElemIdx, dst: Slot, src: Slot, len: Slot };
        /// `elem.drop`.
        ElemDrop { elem: ElemIdx };
        /// Fuel and interruption check at a block entry (only in code translated with
        /// `Config::consume_fuel` or `Config::interruptible`): stop if the store has less
        /// than `cost` fuel (as u32) or its interrupt was triggered, else take `cost`.
        Fuel { cost: I32Imm };
        /// `dst, dst + 1 = (a_lo, a_hi) + (b_lo, b_hi)` in 128-bit arithmetic, low half first
        /// (`i64.add128`). Every operand is read before a result is written.
        I64Add128 { dst: Slot, a_lo: Slot, a_hi: Slot, b_lo: Slot, b_hi: Slot };
        /// As `I64Add128`, subtracting (`i64.sub128`).
        I64Sub128 { dst: Slot, a_lo: Slot, a_hi: Slot, b_lo: Slot, b_hi: Slot };
        /// `dst, dst + 1 = lhs * rhs` as a signed 128-bit product, low half first
        /// (`i64.mul_wide_s`). Both operands are read before a result is written.
        I64MulWideS { dst: Slot, lhs: Slot, rhs: Slot };
        /// As `I64MulWideS`, unsigned (`i64.mul_wide_u`).
        I64MulWideU { dst: Slot, lhs: Slot, rhs: Slot };
        /// `dst = lhs + rhs` (i32, wrapping), then jump to `target` if `dst != cmp` (a loop's
        /// counter step and back-edge in one op; `cmp` is read after `dst` is written).
        BrIfI32AddNe { dst: Slot, lhs: Slot, rhs: Slot, cmp: Slot, target: Target };
        /// As `BrIfI32AddNe`, jumping if `dst < cmp` (unsigned).
        BrIfI32AddLtU { dst: Slot, lhs: Slot, rhs: Slot, cmp: Slot, target: Target };
        /// As `BrIfI32AddNe`, jumping if `dst < cmp` (signed).
        BrIfI32AddLtS { dst: Slot, lhs: Slot, rhs: Slot, cmp: Slot, target: Target };
        /// `dst = lhs + imm` (i32, wrapping), then jump to `target` if `dst != cmp`.
        BrIfI32AddImmNe { dst: Slot, lhs: Slot, imm: I32Imm, cmp: Slot, target: Target };
        /// As `BrIfI32AddImmNe`, jumping if `dst < cmp` (unsigned).
        BrIfI32AddImmLtU { dst: Slot, lhs: Slot, imm: I32Imm, cmp: Slot, target: Target };
        /// As `BrIfI32AddImmNe`, jumping if `dst < cmp` (signed).
        BrIfI32AddImmLtS { dst: Slot, lhs: Slot, imm: I32Imm, cmp: Slot, target: Target };
        /// `dst = lhs + imm` (i32, wrapping), then jump to `target` if `dst != limit`.
        BrIfI32AddImmNeImm { dst: Slot, lhs: Slot, imm: I32Imm, limit: I32Imm, target: Target };
        /// As `BrIfI32AddImmNeImm`, jumping if `dst < limit` (unsigned).
        BrIfI32AddImmLtUImm { dst: Slot, lhs: Slot, imm: I32Imm, limit: I32Imm, target: Target };
        /// `dst = lhs + imm` (i32, wrapping), then jump to `target` if `dst != 0`.
        BrIfI32AddImmNez { dst: Slot, lhs: Slot, imm: I32Imm, target: Target };
        /// The check of code translated with only `Config::interruptible`: as `Fuel`, with a
        /// cost of 1 of the run's unbounded fuel (the interrupt flag is polled when the fuel
        /// window runs out). Its own opcode, so that such code is told from fuel-charging code.
        Poll { cost: I32Imm };
        /// `Br` back to a loop header whose check (`Fuel` or `Poll`) is narrow, with that
        /// check folded in: `target` is the op after the check, whose cost is the word before
        /// it. Take that cost and jump to `target`, or, short of fuel (or when the interrupt
        /// must be polled), jump to the check itself (`exec/handlers/fuel.rs`).
        BrFuel { target: Target };
        /// `BrIfNez` with the loop header's check folded in (as `BrFuel`).
        BrIfNezFuel { cond: Slot, target: Target };
        /// `BrIfEqz` with the loop header's check folded in (as `BrFuel`).
        BrIfEqzFuel { cond: Slot, target: Target };
        /// `BrIfI32AddNe` with the loop header's check folded in (as `BrFuel`).
        BrIfI32AddNeFuel { dst: Slot, lhs: Slot, rhs: Slot, cmp: Slot, target: Target };
        /// `BrIfI32AddLtU` with the loop header's check folded in (as `BrFuel`).
        BrIfI32AddLtUFuel { dst: Slot, lhs: Slot, rhs: Slot, cmp: Slot, target: Target };
        /// `BrIfI32AddLtS` with the loop header's check folded in (as `BrFuel`).
        BrIfI32AddLtSFuel { dst: Slot, lhs: Slot, rhs: Slot, cmp: Slot, target: Target };
        /// `BrIfI32AddImmNe` with the loop header's check folded in (as `BrFuel`).
        BrIfI32AddImmNeFuel { dst: Slot, lhs: Slot, imm: I32Imm, cmp: Slot, target: Target };
        /// `BrIfI32AddImmLtU` with the loop header's check folded in (as `BrFuel`).
        BrIfI32AddImmLtUFuel { dst: Slot, lhs: Slot, imm: I32Imm, cmp: Slot, target: Target };
        /// `BrIfI32AddImmLtS` with the loop header's check folded in (as `BrFuel`).
        BrIfI32AddImmLtSFuel { dst: Slot, lhs: Slot, imm: I32Imm, cmp: Slot, target: Target };
        /// `BrIfI32AddImmNeImm` with the loop header's check folded in (as `BrFuel`).
        BrIfI32AddImmNeImmFuel { dst: Slot, lhs: Slot, imm: I32Imm, limit: I32Imm, target: Target };
        /// `BrIfI32AddImmLtUImm` with the loop header's check folded in (as `BrFuel`).
        BrIfI32AddImmLtUImmFuel { dst: Slot, lhs: Slot, imm: I32Imm, limit: I32Imm, target: Target };
        /// `BrIfI32AddImmNez` with the loop header's check folded in (as `BrFuel`).
        BrIfI32AddImmNezFuel { dst: Slot, lhs: Slot, imm: I32Imm, target: Target };
        /// A `Fuel` check that falls straight into a loop header's (narrow) check: charge
        /// `cost` (both checks' costs) and skip the next op, or stop here as `Fuel` does.
        FuelSkip { cost: I32Imm };
        /// `call_ref`: call the function the reference `func` names (of signature `ty`,
        /// module type index); arguments at `args..`, results written there. A null
        /// reference traps (`NullReference`).
        CallRef { ty: TypeIdx, func: Slot, args: Args };
        /// `return_call_ref`: tail-call the function the reference `func` names.
        ReturnCallRef { ty: TypeIdx, func: Slot, args: Args };
        /// `ref.as_non_null`: trap (`NullReference`) if the reference `src` is null.
        RefAsNonNull { src: Slot };
        /// Jump to `target` if the reference `cond` is null (the whole cell is zero).
        BrIfNull { cond: Slot, target: Target };
        /// Jump to `target` if the reference `cond` is not null.
        BrIfNonNull { cond: Slot, target: Target };
        /// `throw`: raise an exception of tag `tag` (module index) carrying the `n` cells at
        /// `args..` (`exec/handlers/exn.rs`: unwinds to the handler that catches it).
        Throw { tag: I32Imm, args: Base, n: Cells };
        /// `throw_ref`: raise again the exception the `exnref` `exn` names (null traps,
        /// `NullReference`).
        ThrowRef { exn: Slot };
        /// Handler table (after the function's last op, never run): the first op of a
        /// `try_table`'s body; its clauses follow the `ExnTo` after it.
        ExnFrom { target: Target };
        /// Handler table: the op after the `try_table`'s body (the range's end).
        ExnTo { target: Target };
        /// Handler table: a `catch` of the range above (tag -1: `catch_all`): the exception's
        /// `n` cells go to `dst..`, and the function continues at `target`.
        Catch { tag: I32Imm, dst: Base, n: Cells, target: Target };
        /// As `Catch` (`catch_ref`, `catch_all_ref`), the last of the `n` cells being the
        /// exception's `exnref`.
        CatchRef { tag: I32Imm, dst: Base, n: Cells, target: Target };
    }
    result {
        /// `dst = src` (a whole cell).
        Copy { dst: Slot, src: Slot };
        /// `dst..dst+2 = src..src+2` (a v128).
        Copy2 { dst: Slot, src: Slot };
        /// `dst = val` (a pre-encoded cell).
        Const { dst: Slot, bits: Bits };
        /// `dst = cond != 0 ? a : b`.
        Select { dst: Slot, cond: Slot, a: Slot, b: Slot };
        /// `dst..dst+2 = cond != 0 ? a : b` (v128 operands).
        Select2 { dst: Slot, cond: Slot, a: Slot, b: Slot };
        /// `dst..dst+2 = global[global]` (a v128 global).
        GlobalGet2 { dst: Slot, global: GlobalIdx };
        /// `dst = global[global]`.
        GlobalGet { dst: Slot, global: GlobalIdx };
        /// `dst = memory.size` in pages.
        MemorySize { dst: Slot, mem: MemIdx };
        /// `dst = memory.grow(delta)`.
        MemoryGrow { dst: Slot, delta: Slot, mem: MemIdx };
        /// `dst = table.get(index)`.
        TableGet { dst: Slot, table: TableIdx, index: Slot };
        /// `dst = table.size`.
        TableSize { dst: Slot, table: TableIdx };
        /// `dst = table.grow(init, delta)`.
        TableGrow { dst: Slot, table: TableIdx, init: Slot, delta: Slot };
        /// `dst = ref.func func`.
        RefFunc { dst: Slot, func: FuncIdx };
        /// `dst..dst+2 = pool[idx]` (a v128 constant).
        V128Const { dst: Slot, idx: PoolIdx };
        /// `dst = shuffle(a, b)` with the lane indices in `pool[idx]`.
        V128Shuffle { dst: Slot, a: Slot, b: Slot, idx: PoolIdx };
        /// v128 to v128 lane operation.
        V128Un { dst: Slot, op: SimdUnOp, src: Slot };
        /// (v128, v128) to v128 lane operation.
        V128Bin { dst: Slot, op: SimdBinOp, lhs: Slot, rhs: Slot };
        /// (v128, v128, v128) to v128 lane operation.
        V128Tern { dst: Slot, op: SimdTernOp, a: Slot, b: Slot, c: Slot };
        /// Lane-wise shift of `src` by the i32 `count`.
        V128Shift { dst: Slot, op: SimdShiftOp, src: Slot, count: Slot };
        /// v128 to i32 test (`any_true`, `all_true`, `bitmask`).
        V128Test { dst: Slot, op: SimdTestOp, src: Slot };
        /// Scalar to v128 splat.
        V128Splat { dst: Slot, op: SimdSplatOp, src: Slot };
        /// Extract lane `lane` of `src` into a scalar.
        V128Extract { dst: Slot, op: SimdExtractOp, src: Slot, lane: Lane };
        /// Replace lane `lane` of `src` with scalar `x`.
        V128Replace { dst: Slot, op: SimdReplaceOp, src: Slot, x: Slot, lane: Lane };
        /// Load one lane into a copy of `src`; `pool[arg]` packs memory, lane and offset.
        V128Load8Lane { dst: Slot, addr: Slot, src: Slot, arg: LaneArg };
        /// As `V128Load8Lane`, 16-bit lane.
        V128Load16Lane { dst: Slot, addr: Slot, src: Slot, arg: LaneArg };
        /// As `V128Load8Lane`, 32-bit lane.
        V128Load32Lane { dst: Slot, addr: Slot, src: Slot, arg: LaneArg };
        /// As `V128Load8Lane`, 64-bit lane.
        V128Load64Lane { dst: Slot, addr: Slot, src: Slot, arg: LaneArg };
    }
    unary {
        I32Eqz I32Clz I32Ctz I32Popcnt
        I64Eqz I64Clz I64Ctz I64Popcnt
        F32Abs F32Neg F32Ceil F32Floor F32Trunc F32Nearest F32Sqrt
        F64Abs F64Neg F64Ceil F64Floor F64Trunc F64Nearest F64Sqrt
        I32WrapI64 I32TruncF32S I32TruncF32U I32TruncF64S I32TruncF64U
        I64ExtendI32S I64ExtendI32U I64TruncF32S I64TruncF32U I64TruncF64S I64TruncF64U
        F32ConvertI32S F32ConvertI32U F32ConvertI64S F32ConvertI64U F32DemoteF64
        F64ConvertI32S F64ConvertI32U F64ConvertI64S F64ConvertI64U F64PromoteF32
        I32Extend8S I32Extend16S I64Extend8S I64Extend16S I64Extend32S
        I32TruncSatF32S I32TruncSatF32U I32TruncSatF64S I32TruncSatF64U
        I64TruncSatF32S I64TruncSatF32U I64TruncSatF64S I64TruncSatF64U
    }
    binary {
        I32Eq I32Ne I32LtS I32LtU I32GtS I32GtU I32LeS I32LeU I32GeS I32GeU
        I64Eq I64Ne I64LtS I64LtU I64GtS I64GtU I64LeS I64LeU I64GeS I64GeU
        F32Eq F32Ne F32Lt F32Gt F32Le F32Ge
        F64Eq F64Ne F64Lt F64Gt F64Le F64Ge
        I32Add I32Sub I32Mul I32DivS I32DivU I32RemS I32RemU
        I32And I32Or I32Xor I32Shl I32ShrS I32ShrU I32Rotl I32Rotr
        I64Add I64Sub I64Mul I64DivS I64DivU I64RemS I64RemU
        I64And I64Or I64Xor I64Shl I64ShrS I64ShrU I64Rotl I64Rotr
        F32Add F32Sub F32Mul F32Div F32Min F32Max F32Copysign
        F64Add F64Sub F64Mul F64Div F64Min F64Max F64Copysign
    }
    binary_imm32 {
        I32AddImm I32SubImm I32MulImm I32AndImm I32OrImm I32XorImm I32ShlImm I32ShrSImm I32ShrUImm
        I32EqImm I32NeImm I32LtSImm I32LtUImm I32GtSImm I32GtUImm I32LeSImm I32LeUImm I32GeSImm I32GeUImm
    }
    binary_imm64 {
        I64AddImm I64SubImm I64MulImm I64AndImm I64OrImm I64XorImm I64ShlImm I64ShrSImm I64ShrUImm
        I64EqImm I64NeImm I64LtSImm I64LtUImm I64GtSImm I64GtUImm I64LeSImm I64LeUImm I64GeSImm I64GeUImm
    }
    branch_cmp {
        BrIfI32Eq BrIfI32Ne BrIfI32LtS BrIfI32LtU BrIfI32GtS BrIfI32GtU BrIfI32LeS BrIfI32LeU BrIfI32GeS BrIfI32GeU
        BrIfF32Lt BrIfF32Gt BrIfF32Le BrIfF32Ge BrIfF64Lt BrIfF64Gt BrIfF64Le BrIfF64Ge
        BrIfI32EqFuel BrIfI32NeFuel BrIfI32LtSFuel BrIfI32LtUFuel BrIfI32GtSFuel BrIfI32GtUFuel
        BrIfI32LeSFuel BrIfI32LeUFuel BrIfI32GeSFuel BrIfI32GeUFuel
        BrIfF32LtFuel BrIfF32GtFuel BrIfF32LeFuel BrIfF32GeFuel
        BrIfF64LtFuel BrIfF64GtFuel BrIfF64LeFuel BrIfF64GeFuel
    }
    branch_cmp_imm {
        BrIfI32EqImm BrIfI32NeImm BrIfI32LtSImm BrIfI32LtUImm BrIfI32GtSImm BrIfI32GtUImm
        BrIfI32LeSImm BrIfI32LeUImm BrIfI32GeSImm BrIfI32GeUImm
        BrIfI32EqImmFuel BrIfI32NeImmFuel BrIfI32LtSImmFuel BrIfI32LtUImmFuel BrIfI32GtSImmFuel
        BrIfI32GtUImmFuel BrIfI32LeSImmFuel BrIfI32LeUImmFuel BrIfI32GeSImmFuel BrIfI32GeUImmFuel
    }
    load {
        I32Load I64Load I32Load8S I32Load8U I32Load16S I32Load16U
        I64Load8S I64Load8U I64Load16S I64Load16U I64Load32S I64Load32U
        V128Load V128Load32Zero V128Load64Zero
        V128Load8Splat V128Load16Splat V128Load32Splat V128Load64Splat
        V128Load8x8S V128Load8x8U V128Load16x4S V128Load16x4U V128Load32x2S V128Load32x2U
    }
    store {
        I32Store I64Store I32Store8 I32Store16 I64Store8 I64Store16 I64Store32 V128Store
    }
    load_imm {
        I32LoadAddImm I64LoadAddImm I32Load8SAddImm I32Load8UAddImm I32Load16SAddImm
        I32Load16UAddImm I64Load8SAddImm I64Load8UAddImm I64Load16SAddImm I64Load16UAddImm
        I64Load32SAddImm I64Load32UAddImm
    }
    load_reg {
        I32LoadAdd I64LoadAdd I32Load8SAdd I32Load8UAdd I32Load16SAdd I32Load16UAdd
        I64Load8SAdd I64Load8UAdd I64Load16SAdd I64Load16UAdd I64Load32SAdd I64Load32UAdd
    }
    store_imm {
        I32StoreAddImm I64StoreAddImm I32Store8AddImm I32Store16AddImm I64Store8AddImm
        I64Store16AddImm I64Store32AddImm
    }
    store_reg {
        I32StoreAdd I64StoreAdd I32Store8Add I32Store16Add I64Store8Add I64Store16Add
        I64Store32Add
    }
    // Super-instructions (`translate/fuse.rs`), appended after every older op so that no
    // opcode moves. Each is the exact sequential composition of the ops it replaces.
    fused {
        /// `dst = lhs.rotate_left(imm)` (i32; the count is taken mod 32).
        I32RotlImm { dst: Slot, lhs: Slot, imm: I32Imm };
        /// `dst = lhs.rotate_right(imm)` (i32; the count is taken mod 32).
        I32RotrImm { dst: Slot, lhs: Slot, imm: I32Imm };
        /// `dst = lhs.rotate_left(imm)` (i64; the count is taken mod 64).
        I64RotlImm { dst: Slot, lhs: Slot, imm: I32Imm };
        /// `dst = lhs.rotate_right(imm)` (i64; the count is taken mod 64).
        I64RotrImm { dst: Slot, lhs: Slot, imm: I32Imm };
        // Chained ops (`chains!` below): the first op of a common pair, with that op's
        // operands, telling the interpreter that the second follows (narrow).
        /// `I32Mul`, then the `I32Add` that follows it (one dispatch for both).
        I32MulThenI32Add { dst: Slot, lhs: Slot, rhs: Slot };
        /// `I32Add`, then the `I32AddImm` that follows it (one dispatch for both).
        I32AddThenI32AddImm { dst: Slot, lhs: Slot, rhs: Slot };
        /// `I32AddImm`, then the `I32AddImm` that follows it (one dispatch for both).
        I32AddImmThenI32AddImm { dst: Slot, lhs: Slot, imm: I32Imm };
        /// `I32AddImm`, then the `BrIfI32GtUImm` that follows it (one dispatch for both).
        I32AddImmThenBrIfI32GtUImm { dst: Slot, lhs: Slot, imm: I32Imm };
        /// `F64Mul`, then the `F64Add` that follows it (one dispatch for both).
        F64MulThenF64Add { dst: Slot, lhs: Slot, rhs: Slot };
        /// `F64Mul`, then the `F64Mul` that follows it (one dispatch for both).
        F64MulThenF64Mul { dst: Slot, lhs: Slot, rhs: Slot };
        /// `F64Add`, then the `Copy` that follows it (one dispatch for both).
        F64AddThenCopy { dst: Slot, lhs: Slot, rhs: Slot };
        /// `I32Add`, then the `I32ShrUImm` that follows it (one dispatch for both).
        I32AddThenI32ShrUImm { dst: Slot, lhs: Slot, rhs: Slot };
        /// `Copy`, then the `Copy` that follows it (one dispatch for both).
        CopyThenCopy { dst: Slot, src: Slot };
        /// `I32Add`, then the `I32Add` that follows it (one dispatch for both).
        I32AddThenI32Add { dst: Slot, lhs: Slot, rhs: Slot };
        /// `I32RotlImm`, then the `I32Xor` that follows it (one dispatch for both).
        I32RotlImmThenI32Xor { dst: Slot, lhs: Slot, imm: I32Imm };
        /// `I32AddImm`, then the `I32ShrUImm` that follows it (one dispatch for both).
        I32AddImmThenI32ShrUImm { dst: Slot, lhs: Slot, imm: I32Imm };
        /// `I32ShrUImm`, then the `I32Add` that follows it (one dispatch for both).
        I32ShrUImmThenI32Add { dst: Slot, lhs: Slot, imm: I32Imm };
        /// `I32AddImm`, then the `Copy` that follows it (one dispatch for both).
        I32AddImmThenCopy { dst: Slot, lhs: Slot, imm: I32Imm };
        /// `F64Add`, then the `F64Mul` that follows it (one dispatch for both).
        F64AddThenF64Mul { dst: Slot, lhs: Slot, rhs: Slot };
        /// `Copy`, then the `F64Sub` that follows it (one dispatch for both).
        CopyThenF64Sub { dst: Slot, src: Slot };
        /// `Copy`, then the `F64Mul` that follows it (one dispatch for both).
        CopyThenF64Mul { dst: Slot, src: Slot };
        /// `F64Add`, then the `BrIfF64Le` that follows it (one dispatch for both).
        F64AddThenBrIfF64Le { dst: Slot, lhs: Slot, rhs: Slot };
        /// `F64Sub`, then the `F64Add` that follows it (one dispatch for both).
        F64SubThenF64Add { dst: Slot, lhs: Slot, rhs: Slot };
        /// `I32AddImm`, then the `BrIfI32AddImmNe` that follows it (one dispatch for both).
        I32AddImmThenBrIfI32AddImmNe { dst: Slot, lhs: Slot, imm: I32Imm };
        /// `I32Add`, then the `BrIfI32AddImmNeImm` that follows it (one dispatch for both).
        I32AddThenBrIfI32AddImmNeImm { dst: Slot, lhs: Slot, rhs: Slot };
        /// `I32AddImm`, then the `BrIfI32GeU` that follows it (one dispatch for both).
        I32AddImmThenBrIfI32GeU { dst: Slot, lhs: Slot, imm: I32Imm };
        /// `I32Xor`, then the `I32Add` that follows it (one dispatch for both).
        I32XorThenI32Add { dst: Slot, lhs: Slot, rhs: Slot };
        /// `I32RotlImm`, then the `I32RotlImm` that follows it (one dispatch for both).
        I32RotlImmThenI32RotlImm { dst: Slot, lhs: Slot, imm: I32Imm };
        /// `Copy`, then the `Br` that follows it (one dispatch for both).
        CopyThenBr { dst: Slot, src: Slot };
        /// `I32AddImm`, then the `BrIfI32LtS` that follows it (one dispatch for both).
        I32AddImmThenBrIfI32LtS { dst: Slot, lhs: Slot, imm: I32Imm };
        /// `I32ShrUImm`, then the `I32AndImm` that follows it (one dispatch for both).
        I32ShrUImmThenI32AndImm { dst: Slot, lhs: Slot, imm: I32Imm };
        /// `F64Sub`, then the `F64Mul` that follows it (one dispatch for both).
        F64SubThenF64Mul { dst: Slot, lhs: Slot, rhs: Slot };
        /// `F64Mul`, then the `F64Sub` that follows it (one dispatch for both).
        F64MulThenF64Sub { dst: Slot, lhs: Slot, rhs: Slot };
        /// `I32AddImm`, then the `F64Mul` that follows it (one dispatch for both).
        I32AddImmThenF64Mul { dst: Slot, lhs: Slot, imm: I32Imm };
        /// `I32ShlImm`, then the `I32Or` that follows it (one dispatch for both).
        I32ShlImmThenI32Or { dst: Slot, lhs: Slot, imm: I32Imm };
        /// `I32ShlImm`, then the `I32AddImm` that follows it (one dispatch for both).
        I32ShlImmThenI32AddImm { dst: Slot, lhs: Slot, imm: I32Imm };
        /// `Copy`, then the `BrIfNez` that follows it (one dispatch for both).
        CopyThenBrIfNez { dst: Slot, src: Slot };
        /// `I32Or`, then the `I32Or` that follows it (one dispatch for both).
        I32OrThenI32Or { dst: Slot, lhs: Slot, rhs: Slot };
        /// `I32Or`, then the `I32ShrUImm` that follows it (one dispatch for both).
        I32OrThenI32ShrUImm { dst: Slot, lhs: Slot, rhs: Slot };
        /// `I32EqImm`, then the `BrIfNez` that follows it (one dispatch for both).
        I32EqImmThenBrIfNez { dst: Slot, lhs: Slot, imm: I32Imm };
        /// `Const`, then the `Const` that follows it (one dispatch for both).
        ConstThenConst { dst: Slot, bits: Bits };
        /// `I32AddImm`, then the `I32Mul` that follows it (one dispatch for both).
        I32AddImmThenI32Mul { dst: Slot, lhs: Slot, imm: I32Imm };
        /// `I32Xor`, then the `I32RotlImm` that follows it (one dispatch for both).
        I32XorThenI32RotlImm { dst: Slot, lhs: Slot, rhs: Slot };
        /// `I32MulImm`, then the `I32Add` that follows it (one dispatch for both).
        I32MulImmThenI32Add { dst: Slot, lhs: Slot, imm: I32Imm };
        /// `I32Xor`, then the `I32ShrUImm` that follows it (one dispatch for both).
        I32XorThenI32ShrUImm { dst: Slot, lhs: Slot, rhs: Slot };
        /// `I32ShrUImm`, then the `I32Xor` that follows it (one dispatch for both).
        I32ShrUImmThenI32Xor { dst: Slot, lhs: Slot, imm: I32Imm };
        /// `I32AddImm`, then the `BrIfI32AddImmNeImm` that follows it (one dispatch for both).
        I32AddImmThenBrIfI32AddImmNeImm { dst: Slot, lhs: Slot, imm: I32Imm };
        /// `I32And`, then the `BrIfI32Eq` that follows it (one dispatch for both).
        I32AndThenBrIfI32Eq { dst: Slot, lhs: Slot, rhs: Slot };
        /// `I32And`, then the `BrIfI32Ne` that follows it (one dispatch for both).
        I32AndThenBrIfI32Ne { dst: Slot, lhs: Slot, rhs: Slot };
        /// `I32AddImm`, then the `Const` that follows it (one dispatch for both).
        I32AddImmThenConst { dst: Slot, lhs: Slot, imm: I32Imm };
        /// `I32AddImm`, then the `BrIfI32AddImmNez` that follows it (one dispatch for both).
        I32AddImmThenBrIfI32AddImmNez { dst: Slot, lhs: Slot, imm: I32Imm };
        /// `I32Add`, then the `Copy` that follows it (one dispatch for both).
        I32AddThenCopy { dst: Slot, lhs: Slot, rhs: Slot };
        /// `I32AddImm`, then the `I32ShlImm` that follows it (one dispatch for both).
        I32AddImmThenI32ShlImm { dst: Slot, lhs: Slot, imm: I32Imm };
        /// `I32LtS`, then the `I32AddImm` that follows it (one dispatch for both).
        I32LtSThenI32AddImm { dst: Slot, lhs: Slot, rhs: Slot };
        /// `I32AddImm`, then the `I32LtS` that follows it (one dispatch for both).
        I32AddImmThenI32LtS { dst: Slot, lhs: Slot, imm: I32Imm };
        /// `I32AndImm`, then the `Select` that follows it (one dispatch for both).
        I32AndImmThenSelect { dst: Slot, lhs: Slot, imm: I32Imm };
        // GC (`translate/gc.rs`, `exec/handlers/gc.rs`), appended after every older op.
        // A heap-type operand `heap` is an abstract heap type's code
        // (`HeapType::abstract_code`) with bit 8 set when null passes; `ty` a module type
        // index, with `null` 1 when null passes.
        /// `ref.i31`: `dst` = the `i31` of the low 31 bits of `src` (an i32).
        RefI31 { dst: Slot, src: Slot };
        /// `i31.get_s`: `dst` = the `i31` `src` sign-extended to an i32 (null traps,
        /// `NullReference`).
        I31GetS { dst: Slot, src: Slot };
        /// `i31.get_u`: `dst` = the `i31` `src` zero-extended (null traps).
        I31GetU { dst: Slot, src: Slot };
        /// `ref.test` of an abstract heap type: `dst` = 1 if the reference `src` is of it.
        RefTest { dst: Slot, src: Slot, heap: I32Imm };
        /// `ref.test` of a defined type: `dst` = 1 if `src` is of type `ty` or a subtype.
        RefTestType { dst: Slot, src: Slot, ty: TypeIdx, null: I32Imm };
        /// `ref.cast` to an abstract heap type: trap (`CastFailure`) unless `src` is of it.
        RefCast { src: Slot, heap: I32Imm };
        /// `ref.cast` to a defined type.
        RefCastType { src: Slot, ty: TypeIdx, null: I32Imm };
        /// `br_on_cast`: jump to `target` if `src` is of the abstract heap type.
        BrOnCast { src: Slot, heap: I32Imm, target: Target };
        /// `br_on_cast` to a defined type.
        BrOnCastType { src: Slot, ty: TypeIdx, null: I32Imm, target: Target };
        /// `br_on_cast_fail`: jump to `target` unless `src` is of the abstract heap type.
        BrOnCastFail { src: Slot, heap: I32Imm, target: Target };
        /// `br_on_cast_fail` to a defined type.
        BrOnCastFailType { src: Slot, ty: TypeIdx, null: I32Imm, target: Target };
        // The threads proposal's ops (`translate/atomic.rs`, `exec/handlers/atomic.rs`),
        // out of line. Each checks alignment (`UnalignedAtomic`), then bounds, on
        // `addr + offset`; one thread runs a store, so a plain access is atomic.
        /// `dst = ` the `width` bytes at `addr + offset` of memory `mem`, zero-extended
        /// (`*.atomic.load*`).
        AtomicLoad { dst: Slot, width: AtomicWidth, addr: Slot, mem: MemIdx, offset: Offset };
        /// Store the low `width` bytes of `src` at `addr + offset` (`*.atomic.store*`).
        AtomicStore { width: AtomicWidth, addr: Slot, src: Slot, mem: MemIdx, offset: Offset };
        /// `dst = ` the `width` bytes at `addr + offset`, zero-extended; store
        /// `op(dst, src)` wrapped to `width` there (`*.atomic.rmw*`). Reads every operand
        /// before it writes `dst`.
        AtomicRmw { dst: Slot, op: AtomicRmwOp, width: AtomicWidth, addr: Slot, src: Slot, mem: MemIdx, offset: Offset };
        /// `dst = ` the `width` bytes at `addr + offset`, zero-extended; store `src`
        /// wrapped to `width` there if that equals `expected` wrapped to `width`
        /// (`*.atomic.rmw*.cmpxchg*`).
        AtomicCmpxchg { dst: Slot, width: AtomicWidth, addr: Slot, expected: Slot, src: Slot, mem: MemIdx, offset: Offset };
        /// `memory.atomic.wait32` (`width` W32) or `wait64` (W64): `dst = 1` if the value at
        /// `addr + offset` differs from `expected`, else 2 after the i64 `timeout` in
        /// nanoseconds (a negative one traps: nothing could wake it); traps on a memory
        /// that is not shared.
        AtomicWait { dst: Slot, width: AtomicWidth, addr: Slot, expected: Slot, timeout: Slot, mem: MemIdx, offset: Offset };
        /// `memory.atomic.notify`: `dst = 0` (no waiter can exist) after checking the
        /// 4-byte access at `addr + offset`.
        AtomicNotify { dst: Slot, addr: Slot, count: Slot, mem: MemIdx, offset: Offset };
        // Structs and arrays (the store's GC heap, `runtime/gc/heap.rs`). `mode` is a field's or
        // element's storage code (`StorageType::code`, `SIGNED` for `_s`); `field` a
        // struct field's first cell. A null reference traps (`NullReference`), an index
        // past an array's length `ArrayOutOfBounds`, an allocation past the heap's limit
        // `GcHeapOutOfMemory`.
        /// `struct.new`: `dst` = a new struct of type `ty` with the fields' `n` cells at
        /// `args..`.
        StructNew { dst: Slot, ty: TypeIdx, args: Base, n: Cells };
        /// `struct.new_default`: `dst` = a new struct of type `ty`, every field zero or null.
        StructNewDefault { dst: Slot, ty: TypeIdx };
        /// `struct.get(_s|_u)`: `dst` = the field at cell `field` of struct `obj`.
        StructGet { dst: Slot, obj: Slot, field: I32Imm, mode: I32Imm };
        /// `struct.set`: the field at cell `field` of struct `obj` = `src`.
        StructSet { obj: Slot, src: Slot, field: I32Imm, mode: I32Imm };
        /// `array.new`: `dst` = a new array of type `ty`, `len` elements equal to `init`.
        ArrayNew { dst: Slot, ty: TypeIdx, init: Slot, len: Slot };
        /// `array.new_default`: `dst` = a new array of type `ty`, `len` zero or null elements.
        ArrayNewDefault { dst: Slot, ty: TypeIdx, len: Slot };
        /// `array.new_fixed`: `dst` = a new array of type `ty` of the `n` cells at `args..`.
        ArrayNewFixed { dst: Slot, ty: TypeIdx, args: Base, n: Cells };
        /// `array.new_data`: `dst` = a new array of type `ty`, `len` elements read from data
        /// segment `data` at byte `src` (little-endian).
        ArrayNewData { dst: Slot, ty: TypeIdx, data: DataIdx, src: Slot, len: Slot };
        /// `array.new_elem`: `dst` = a new array of type `ty`, `len` references of element
        /// segment `elem` from `src`.
        ArrayNewElem { dst: Slot, ty: TypeIdx, elem: ElemIdx, src: Slot, len: Slot };
        /// `array.get(_s|_u)`: `dst` = element `index` of array `arr`.
        ArrayGet { dst: Slot, arr: Slot, index: Slot, mode: I32Imm };
        /// `array.set`: element `index` of array `arr` = `src`.
        ArraySet { arr: Slot, index: Slot, src: Slot, mode: I32Imm };
        /// `array.len`: `dst` = the length of array `arr`.
        ArrayLen { dst: Slot, arr: Slot };
        /// `array.fill`: elements `off..off + len` of `arr` = `val`.
        ArrayFill { arr: Slot, off: Slot, val: Slot, len: Slot, mode: I32Imm };
        /// `array.copy`: elements `dst_off..` of `dst` = elements `src_off..` of `src`
        /// (`len` of them; the arrays may be the same).
        ArrayCopy { dst: Slot, dst_off: Slot, src: Slot, src_off: Slot, len: Slot };
        /// `array.init_data`: elements `off..off + len` of `arr` = data segment `data` from
        /// byte `src`.
        ArrayInitData { arr: Slot, off: Slot, src: Slot, len: Slot, data: DataIdx, mode: I32Imm };
        /// `array.init_elem`: elements `off..off + len` of `arr` = element segment `elem`
        /// from `src`.
        ArrayInitElem { arr: Slot, off: Slot, src: Slot, len: Slot, elem: ElemIdx };
        // Chained ops whose second op is a scalar load or store (`chains!`), appended after
        // every older op: the pure op before a memory access.
        /// `F64Mul`, then the `I64Load` that follows it (one dispatch for both).
        F64MulThenI64Load { dst: Slot, lhs: Slot, rhs: Slot };
        /// `F64Add`, then the `I64Store` that follows it (one dispatch for both).
        F64AddThenI64Store { dst: Slot, lhs: Slot, rhs: Slot };
        /// `I32AddImm`, then the `I64LoadAddImm` that follows it (one dispatch for both).
        I32AddImmThenI64LoadAddImm { dst: Slot, lhs: Slot, imm: I32Imm };
        /// `I32AddImm`, then the `I32Load` that follows it (one dispatch for both).
        I32AddImmThenI32Load { dst: Slot, lhs: Slot, imm: I32Imm };
        /// `F64Sub`, then the `I64Store` that follows it (one dispatch for both).
        F64SubThenI64Store { dst: Slot, lhs: Slot, rhs: Slot };
        // Pairs of f64 ops whose first result only the second reads (a temporary the
        // translator fuses away, `Translator::binary`): the intermediate stays in a register,
        // so neither its cell nor its store-to-load round trip is on the dependency chain.
        // Each rounds twice, as the two ops do (no fused multiply-add).
        /// `dst = (lhs * rhs) + add` (f64: an `f64.mul` whose result is the left operand of
        /// the `f64.add` after it).
        F64MulAdd { dst: Slot, lhs: Slot, rhs: Slot, add: Slot };
        /// `dst = add + (lhs - rhs)` (f64: an `f64.sub` whose result is the right operand of
        /// the `f64.add` after it).
        F64AddSub { dst: Slot, add: Slot, lhs: Slot, rhs: Slot };
    }
}

/// Chained ops: `Name = First { its fields } + Second;`. `Name` has `First`'s operands (the
/// same layout, so `First`'s handler and reader run on it) and must be followed by a narrow
/// `Second` (the verifier checks it): the interpreter runs both with one dispatch, and a
/// branch may still land on `Second` alone. `First` neither branches nor traps nor leaves
/// its handler's fast path; `Second` neither traps nor calls, and leaves its fast path only
/// as a scalar load or store of memory 0 that misses the resident bytes: the chained
/// handler then returns `Exit::Slow` with `ip` at `Second` (`First` done), and the backend
/// runs the general path on `Second` alone (`handlers::chain_may_miss`). So the pair stops,
/// if at all, only where `Second` would. `translate/fuse.rs`
/// chains pairs (`chain`); the list is the most frequent such pairs of the benchmark
/// programs (callgrind, ROADMAP).
macro_rules! chains {
    ($d:tt $( $name:ident = $x:ident { $($f:ident),* } + $y:ident; )*) => {
        /// `for_each_chain!(m)` expands to `m! { Name = First + Second; ... }`.
        macro_rules! for_each_chain {
            ($d m:ident) => { $d m! { $( $name = $x + $y; )* } };
        }
        pub(crate) use for_each_chain;

        /// The opcode of the op that must follow chained op `code` (narrow), or `None` if
        /// `code` is not a chained op.
        pub const fn chain_successor(code: u16) -> Option<u16> {
            match code {
                $( opc::$name => Some(opc::$y), )*
                _ => None,
            }
        }

        /// `first` as the chained op telling that `second` follows, if the pair has one.
        pub fn chain(first: Op, second: &Op) -> Option<Op> {
            match (first, second) {
                $( (Op::$x { $($f),* }, Op::$y { .. }) => Some(Op::$name { $($f),* }), )*
                _ => None,
            }
        }

        /// The opcode of [`chain`]'s op for ops of opcodes `first` and `second`: what the
        /// encoding pass (`Compiled::assemble_fused`, `std` form) needs, without the ops.
        #[cfg(feature = "std")]
        pub(crate) fn chain_opcode(first: OpCode, second: OpCode) -> Option<OpCode> {
            match (first, second) {
                $( (OpCode::$x, OpCode::$y) => Some(OpCode::$name), )*
                _ => None,
            }
        }

        /// The op a chained op starts with, as itself (`None` if `op` is not chained).
        pub fn unchain(op: Op) -> Option<Op> {
            match op {
                $( Op::$name { $($f),* } => Some(Op::$x { $($f),* }), )*
                _ => None,
            }
        }
    };
}

chains! {
    $
    I32MulThenI32Add = I32Mul { dst, lhs, rhs } + I32Add;
    I32AddThenI32AddImm = I32Add { dst, lhs, rhs } + I32AddImm;
    I32AddImmThenI32AddImm = I32AddImm { dst, lhs, imm } + I32AddImm;
    I32AddImmThenBrIfI32GtUImm = I32AddImm { dst, lhs, imm } + BrIfI32GtUImm;
    F64MulThenF64Add = F64Mul { dst, lhs, rhs } + F64Add;
    F64MulThenF64Mul = F64Mul { dst, lhs, rhs } + F64Mul;
    F64AddThenCopy = F64Add { dst, lhs, rhs } + Copy;
    I32AddThenI32ShrUImm = I32Add { dst, lhs, rhs } + I32ShrUImm;
    CopyThenCopy = Copy { dst, src } + Copy;
    I32AddThenI32Add = I32Add { dst, lhs, rhs } + I32Add;
    I32RotlImmThenI32Xor = I32RotlImm { dst, lhs, imm } + I32Xor;
    I32AddImmThenI32ShrUImm = I32AddImm { dst, lhs, imm } + I32ShrUImm;
    I32ShrUImmThenI32Add = I32ShrUImm { dst, lhs, imm } + I32Add;
    I32AddImmThenCopy = I32AddImm { dst, lhs, imm } + Copy;
    F64AddThenF64Mul = F64Add { dst, lhs, rhs } + F64Mul;
    CopyThenF64Sub = Copy { dst, src } + F64Sub;
    CopyThenF64Mul = Copy { dst, src } + F64Mul;
    F64AddThenBrIfF64Le = F64Add { dst, lhs, rhs } + BrIfF64Le;
    F64SubThenF64Add = F64Sub { dst, lhs, rhs } + F64Add;
    I32AddImmThenBrIfI32AddImmNe = I32AddImm { dst, lhs, imm } + BrIfI32AddImmNe;
    I32AddThenBrIfI32AddImmNeImm = I32Add { dst, lhs, rhs } + BrIfI32AddImmNeImm;
    I32AddImmThenBrIfI32GeU = I32AddImm { dst, lhs, imm } + BrIfI32GeU;
    I32XorThenI32Add = I32Xor { dst, lhs, rhs } + I32Add;
    I32RotlImmThenI32RotlImm = I32RotlImm { dst, lhs, imm } + I32RotlImm;
    CopyThenBr = Copy { dst, src } + Br;
    I32AddImmThenBrIfI32LtS = I32AddImm { dst, lhs, imm } + BrIfI32LtS;
    I32ShrUImmThenI32AndImm = I32ShrUImm { dst, lhs, imm } + I32AndImm;
    F64SubThenF64Mul = F64Sub { dst, lhs, rhs } + F64Mul;
    F64MulThenF64Sub = F64Mul { dst, lhs, rhs } + F64Sub;
    I32AddImmThenF64Mul = I32AddImm { dst, lhs, imm } + F64Mul;
    I32ShlImmThenI32Or = I32ShlImm { dst, lhs, imm } + I32Or;
    I32ShlImmThenI32AddImm = I32ShlImm { dst, lhs, imm } + I32AddImm;
    CopyThenBrIfNez = Copy { dst, src } + BrIfNez;
    I32OrThenI32Or = I32Or { dst, lhs, rhs } + I32Or;
    I32OrThenI32ShrUImm = I32Or { dst, lhs, rhs } + I32ShrUImm;
    I32EqImmThenBrIfNez = I32EqImm { dst, lhs, imm } + BrIfNez;
    ConstThenConst = Const { dst, bits } + Const;
    I32AddImmThenI32Mul = I32AddImm { dst, lhs, imm } + I32Mul;
    I32XorThenI32RotlImm = I32Xor { dst, lhs, rhs } + I32RotlImm;
    I32MulImmThenI32Add = I32MulImm { dst, lhs, imm } + I32Add;
    I32XorThenI32ShrUImm = I32Xor { dst, lhs, rhs } + I32ShrUImm;
    I32ShrUImmThenI32Xor = I32ShrUImm { dst, lhs, imm } + I32Xor;
    I32AddImmThenBrIfI32AddImmNeImm = I32AddImm { dst, lhs, imm } + BrIfI32AddImmNeImm;
    I32AndThenBrIfI32Eq = I32And { dst, lhs, rhs } + BrIfI32Eq;
    I32AndThenBrIfI32Ne = I32And { dst, lhs, rhs } + BrIfI32Ne;
    I32AddImmThenConst = I32AddImm { dst, lhs, imm } + Const;
    I32AddImmThenBrIfI32AddImmNez = I32AddImm { dst, lhs, imm } + BrIfI32AddImmNez;
    I32AddThenCopy = I32Add { dst, lhs, rhs } + Copy;
    I32AddImmThenI32ShlImm = I32AddImm { dst, lhs, imm } + I32ShlImm;
    I32LtSThenI32AddImm = I32LtS { dst, lhs, rhs } + I32AddImm;
    I32AddImmThenI32LtS = I32AddImm { dst, lhs, imm } + I32LtS;
    I32AndImmThenSelect = I32AndImm { dst, lhs, imm } + Select;
    F64MulThenI64Load = F64Mul { dst, lhs, rhs } + I64Load;
    F64AddThenI64Store = F64Add { dst, lhs, rhs } + I64Store;
    I32AddImmThenI64LoadAddImm = I32AddImm { dst, lhs, imm } + I64LoadAddImm;
    I32AddImmThenI32Load = I32AddImm { dst, lhs, imm } + I32Load;
    F64SubThenI64Store = F64Sub { dst, lhs, rhs } + I64Store;
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;

    /// `has_branch_target` (by layout) is `Some` of `branch_target_mut` (by op), on every
    /// opcode, built in this build or not.
    #[test]
    fn has_branch_target_agrees_with_branch_target_mut() {
        for &code in ALL_OPCODES {
            let mut op = Op::from_raw(code, &[0; MAX_OPERANDS]);
            assert_eq!(
                has_branch_target(code as usize),
                op.branch_target_mut().is_some(),
                "{}",
                op.name()
            );
        }
    }

    /// `Compiled::assemble` patches a branch's distance into the last word (or, in the wide
    /// form and for `BrEntry`, the last two words) of the op as encoded: every op with a
    /// target must have it as its last operand.
    #[test]
    fn a_branch_target_is_the_last_operand() {
        let mut branches = 0;
        for &code in ALL_OPCODES {
            let mut words = alloc::vec![0u16; 32];
            words[0] = code as u16;
            let Some((mut op, _)) = Op::decode_words(&words, 0) else {
                continue;
            };
            if op.branch_target_mut().is_none() {
                continue;
            }
            branches += 1;
            for target in [0x1234u32, 0x1234_5678, (-3i32) as u32] {
                *op.branch_target_mut().unwrap() = target;
                let mut out = Vec::new();
                op.encode_words(&mut out);
                let two = out[0] & WIDE != 0 || matches!(op, Op::BrEntry { .. });
                let n = out.len();
                let got = if two {
                    out[n - 2] as u32 | (out[n - 1] as u32) << 16
                } else {
                    out[n - 1] as i16 as i32 as u32
                };
                assert_eq!(got, target, "{}", op.name());
            }
        }
        assert!(branches > 30, "only {branches} branch ops decoded");
    }

    /// The interpreter's unchecked readers (`read::*`, word classes by `wf!`) and the
    /// table-driven checked decoder (word classes by `OperandType::class`) agree on every op
    /// they both accept, in both forms, and the encoder gives the same words back.
    #[test]
    fn unchecked_readers_agree_with_the_checked_decoder() {
        let mut decoded = 0;
        for &code in ALL_OPCODES {
            for fill in [0u16, 1, 2, 0x7f, 0x7fff, 0x8000, 0xffff] {
                for wide in [false, true] {
                    for k in 0..MAX_OP_WORDS {
                        let mut words = alloc::vec![fill; 32];
                        // One differing word, so that every operand position is told apart.
                        words[1 + k] = 0x1234;
                        words[0] = code as u16 | if wide { WIDE } else { 0 };
                        let Some((op, n)) = Op::decode_words(&words, 0) else {
                            continue;
                        };
                        // SAFETY: the checked decoder accepted the op, inside `words`.
                        let got = unsafe {
                            if wide {
                                read::any::<true>(words.as_ptr())
                            } else {
                                read::any::<false>(words.as_ptr())
                            }
                        };
                        assert_eq!(got, (op, n), "{} wide={wide}", op.name());
                        let mut enc = Vec::new();
                        op.encode_words(&mut enc);
                        assert_eq!(enc[..], words[..n], "{} wide={wide}", op.name());
                        decoded += 1;
                    }
                }
            }
        }
        assert!(decoded > ALL_OPCODES.len() * 8, "only {decoded} decoded");
    }

    /// `Class::fits` (arithmetic on a table) says what each class's narrow form holds.
    #[test]
    fn narrow_fits_as_each_class_says() {
        let vals = [
            0u64,
            1,
            0x7fff,
            0x8000,
            0xffff,
            0x1_0000,
            0x7fff_ffff,
            0x8000_0000,
            0xffff_7fff,
            0xffff_8000,
            0xffff_ffff,
            0x1_0000_0000,
            0xffff_ffff_7fff_ffff,
            0xffff_ffff_8000_0000,
            u64::MAX,
        ];
        for v in vals {
            let small = v <= u16::MAX as u64;
            assert_eq!(Class::Var.fits(v), small, "{v:#x}");
            assert_eq!(Class::Off.fits(v), small, "{v:#x}");
            assert_eq!(Class::Zero.fits(v), v == 0, "{v:#x}");
            assert_eq!(Class::Var64u.fits(v), v <= u32::MAX as u64, "{v:#x}");
            assert_eq!(
                Class::Var64i.fits(v),
                v as i64 as i32 as i64 == v as i64,
                "{v:#x}"
            );
            if v <= u32::MAX as u64 {
                let i = v as u32 as i32;
                assert_eq!(Class::Var32i.fits(v), i as i16 as i32 == i, "{v:#x}");
            }
            for c in [Class::U32, Class::Lane, Class::Sub] {
                assert!(c.fits(v));
            }
        }
    }

    /// The two forms of the encoder (`Op::encode_words`) give the same words and the same
    /// form for every op, and `needs_wide` agrees with the form chosen.
    #[test]
    fn both_encoders_agree() {
        let mut ops = 0;
        for &code in ALL_OPCODES {
            for fill in [0u16, 1, 0x7fff, 0x8000, 0xffff] {
                for wide in [false, true] {
                    for k in 0..MAX_OP_WORDS {
                        let mut words = alloc::vec![fill; 32];
                        words[1 + k] = 0x8765;
                        words[0] = code as u16 | if wide { WIDE } else { 0 };
                        let Some((op, _)) = Op::decode_words(&words, 0) else {
                            continue;
                        };
                        // Wider values than any decoded narrow op holds, to reach both forms.
                        let mut variants = alloc::vec![op];
                        let mut big = op;
                        if let Some(t) = big.branch_target_mut() {
                            *t = 0x1234_5678;
                            variants.push(big);
                        }
                        if let Some(d) = big.result_slot_mut() {
                            *d = 0x12_3456;
                            variants.push(big);
                        }
                        for op in variants {
                            let (mut a, mut b) = (Vec::new(), Vec::new());
                            op.encode_each(&mut a);
                            op.encode_table(&mut b);
                            assert_eq!(a, b, "{}", op.name());
                            assert_eq!(a[0] & WIDE != 0, op.needs_wide(), "{}", op.name());
                            ops += 1;
                        }
                    }
                }
            }
        }
        assert!(ops > ALL_OPCODES.len() * 8, "only {ops} ops encoded");
    }

    /// No op is longer than `MAX_OP_WORDS` words, in either form.
    #[test]
    fn every_op_fits_max_op_words() {
        for &code in ALL_OPCODES {
            for wide in [false, true] {
                let mut words = alloc::vec![0xffffu16; 64];
                words[0] = code as u16 | if wide { WIDE } else { 0 };
                if let Some((_, n)) = Op::decode_words(&words, 0) {
                    assert!(n <= MAX_OP_WORDS, "{:?} wide={wide}: {n} words", code);
                }
            }
        }
    }

    /// A chained op has its first op's layout: the same words after the opcode word, in
    /// both forms (the first op's handler and reader run on it).
    #[test]
    fn chained_ops_have_their_first_ops_layout() {
        let mut chained = 0;
        for &code in ALL_OPCODES {
            for fill in [1u16, 0x7fff, 0xffff] {
                for wide in [false, true] {
                    let mut words = alloc::vec![fill; 32];
                    words[0] = code as u16 | if wide { WIDE } else { 0 };
                    let Some((op, n)) = Op::decode_words(&words, 0) else {
                        continue;
                    };
                    let Some(first) = unchain(op) else {
                        continue;
                    };
                    let next = chain_successor(code as u16).unwrap();
                    let mut a = Vec::new();
                    op.encode_words(&mut a);
                    let mut b = Vec::new();
                    first.encode_words(&mut b);
                    assert_eq!(a.len(), n, "{}", op.name());
                    assert_eq!(a[1..], b[1..], "{}", op.name());
                    assert_eq!(a[0] & WIDE, b[0] & WIDE, "{}", op.name());
                    // `chain` gives the op back from its parts.
                    let mut nw = alloc::vec![0u16; 32];
                    nw[0] = next;
                    let (second, _) = Op::decode_words(&nw, 0).unwrap();
                    assert_eq!(chain(first, &second), Some(op), "{}", op.name());
                    chained += 1;
                }
            }
        }
        assert!(chained > 40, "only {chained} chained forms decoded");
    }

    /// The decoder checks canonical width only for wide forms: a narrow form's operands, even
    /// at their largest, fit narrow.
    #[test]
    fn narrow_operands_never_need_the_wide_form() {
        let mut decoded = 0;
        for &code in ALL_OPCODES {
            for fill in [0u16, 0x7fff, 0x8000, 0xffff] {
                let mut words = alloc::vec![fill; 32];
                words[0] = code as u16;
                if let Some((op, _)) = Op::decode_words(&words, 0) {
                    assert!(!op.needs_wide(), "{} with {fill:#x}", op.name());
                    decoded += 1;
                }
            }
        }
        assert!(decoded > ALL_OPCODES.len() * 2, "only {decoded} decoded");
    }
}
