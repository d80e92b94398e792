//! The microcode: fayasm's own pre-decoded, register-style instruction set.
//!
//! Each function is translated once (see [`translate`]) into a flat `Vec<Op>`. Operands are
//! *slots*: offsets from the frame base on the engine's value stack, where slots
//! `0..num_params` are the parameters, then the declared locals, then the operand-stack
//! temporaries (stack height `h` lives in slot `num_locals_total + h`). Branch targets are
//! absolute indices into the function's op vector. The form holds no pointers, so it can be
//! stored and reloaded as is (the offload work serialises it).
//!
//! The instruction set is declared once, in the `define_ops!` table below; the enum, the op
//! names and the result-slot accessor are derived from it.

pub mod codec;
pub(crate) mod translate;
mod verify;

pub(crate) use verify::verify;
pub use verify::VerifyError;

use alloc::vec::Vec;

pub use crate::exec::simd::{
    SimdBinOp, SimdExtractOp, SimdReplaceOp, SimdShiftOp, SimdSplatOp, SimdTernOp, SimdTestOp,
    SimdUnOp,
};

/// A frame-relative value-stack slot.
pub type Slot = u32;

macro_rules! define_ops {
    (
        special { $( $(#[$sdoc:meta])* $sname:ident $({ $($sfield:ident : $sty:ty),* $(,)? })? ; )* }
        result { $( $(#[$rdoc:meta])* $rname:ident { dst: Slot $(, $rfield:ident : $rty:ty)* $(,)? } ; )* }
        unary { $( $uname:ident )* }
        binary { $( $bname:ident )* }
        binary_imm32 { $( $iname:ident )* }
        binary_imm64 { $( $jname:ident )* }
        branch_cmp { $( $cname:ident )* }
        branch_cmp_imm { $( $kname:ident )* }
        load { $( $lname:ident )* }
        store { $( $stname:ident )* }
    ) => {
        /// One microcode instruction.
        #[derive(Debug, Clone, Copy, PartialEq)]
        #[allow(missing_docs)]
        pub enum Op {
            $( $(#[$sdoc])* $sname $({ $($sfield: $sty),* })?, )*
            $( $(#[$rdoc])* $rname { dst: Slot $(, $rfield: $rty)* }, )*
            $( #[doc = "Unary numeric op: `dst = op(src)`."] $uname { dst: Slot, src: Slot }, )*
            $( #[doc = "Binary numeric op: `dst = op(lhs, rhs)`."] $bname { dst: Slot, lhs: Slot, rhs: Slot }, )*
            $( #[doc = "Binary i32 op with a constant right operand: `dst = op(lhs, imm)`."] $iname { dst: Slot, lhs: Slot, imm: i32 }, )*
            $( #[doc = "Binary i64 op with a constant right operand: `dst = op(lhs, imm)`."] $jname { dst: Slot, lhs: Slot, imm: i64 }, )*
            $( #[doc = "Jump to `target` if the comparison of `lhs` and `rhs` holds."] $cname { lhs: Slot, rhs: Slot, target: u32 }, )*
            $( #[doc = "Jump to `target` if the comparison of `lhs` and `imm` holds."] $kname { lhs: Slot, imm: i32, target: u32 }, )*
            $( #[doc = "Load from memory `mem` at `addr + offset` into `dst`."] $lname { dst: Slot, addr: Slot, mem: u32, offset: u64 }, )*
            $( #[doc = "Store `src` to memory `mem` at `addr + offset`."] $stname { addr: Slot, src: Slot, mem: u32, offset: u64 }, )*
        }

        /// The opcode of each op in the stored form (its position in the ISA table).
        #[repr(u16)]
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        #[allow(missing_docs)]
        pub enum OpCode {
            $( $sname, )* $( $rname, )* $( $uname, )* $( $bname, )* $( $iname, )* $( $jname, )*
            $( $cname, )* $( $kname, )* $( $lname, )* $( $stname, )*
        }

        const ALL_OPCODES: &[OpCode] = &[
            $( OpCode::$sname, )* $( OpCode::$rname, )* $( OpCode::$uname, )* $( OpCode::$bname, )*
            $( OpCode::$iname, )* $( OpCode::$jname, )* $( OpCode::$cname, )* $( OpCode::$kname, )*
            $( OpCode::$lname, )* $( OpCode::$stname, )*
        ];

        impl Op {
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
                }
            }

            /// Append the stored form: the opcode (u16) then each field in declaration
            /// order, little-endian, at its declared width.
            pub fn encode(&self, out: &mut Vec<u8>) {
                use codec::Field;
                (self.opcode() as u16).put(out);
                match *self {
                    $( Op::$sname $({ $($sfield),* })? => { $($( $sfield.put(out); )*)? } )*
                    $( Op::$rname { dst $(, $rfield)* } => { dst.put(out); $( $rfield.put(out); )* } )*
                    $( Op::$uname { dst, src } => { dst.put(out); src.put(out); } )*
                    $( Op::$bname { dst, lhs, rhs } => { dst.put(out); lhs.put(out); rhs.put(out); } )*
                    $( Op::$iname { dst, lhs, imm } => { dst.put(out); lhs.put(out); imm.put(out); } )*
                    $( Op::$jname { dst, lhs, imm } => { dst.put(out); lhs.put(out); imm.put(out); } )*
                    $( Op::$cname { lhs, rhs, target } => { lhs.put(out); rhs.put(out); target.put(out); } )*
                    $( Op::$kname { lhs, imm, target } => { lhs.put(out); imm.put(out); target.put(out); } )*
                    $( Op::$lname { dst, addr, mem, offset } => { dst.put(out); addr.put(out); mem.put(out); offset.put(out); } )*
                    $( Op::$stname { addr, src, mem, offset } => { addr.put(out); src.put(out); mem.put(out); offset.put(out); } )*
                }
            }

            /// Read one op in the stored form; `None` if the bytes end early or name no op.
            pub fn decode(r: &mut codec::Reader<'_>) -> Option<Op> {
                use codec::Field;
                let code = *ALL_OPCODES.get(u16::get(r)? as usize)?;
                Some(match code {
                    $( OpCode::$sname => Op::$sname $({ $($sfield: Field::get(r)?),* })?, )*
                    $( OpCode::$rname => Op::$rname { dst: Field::get(r)? $(, $rfield: Field::get(r)?)* }, )*
                    $( OpCode::$uname => Op::$uname { dst: Field::get(r)?, src: Field::get(r)? }, )*
                    $( OpCode::$bname => Op::$bname { dst: Field::get(r)?, lhs: Field::get(r)?, rhs: Field::get(r)? }, )*
                    $( OpCode::$iname => Op::$iname { dst: Field::get(r)?, lhs: Field::get(r)?, imm: Field::get(r)? }, )*
                    $( OpCode::$jname => Op::$jname { dst: Field::get(r)?, lhs: Field::get(r)?, imm: Field::get(r)? }, )*
                    $( OpCode::$cname => Op::$cname { lhs: Field::get(r)?, rhs: Field::get(r)?, target: Field::get(r)? }, )*
                    $( OpCode::$kname => Op::$kname { lhs: Field::get(r)?, imm: Field::get(r)?, target: Field::get(r)? }, )*
                    $( OpCode::$lname => Op::$lname { dst: Field::get(r)?, addr: Field::get(r)?, mem: Field::get(r)?, offset: Field::get(r)? }, )*
                    $( OpCode::$stname => Op::$stname { addr: Field::get(r)?, src: Field::get(r)?, mem: Field::get(r)?, offset: Field::get(r)? }, )*
                })
            }
        }

        impl Op {
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
                }
            }

            /// The branch target of a jump op, for patching.
            pub(crate) fn branch_target_mut(&mut self) -> Option<&mut u32> {
                match self {
                    Op::Br { target } | Op::BrIfNez { target, .. } | Op::BrIfEqz { target, .. } => Some(target),
                    $( Op::$cname { target, .. } => Some(target), )*
                    $( Op::$kname { target, .. } => Some(target), )*
                    _ => None,
                }
            }

            /// Call `f` with the name and value of every operand field. The verifier checks
            /// operands by field name (`dst`, `lhs`, ... are slots, `target` is a branch
            /// target, `global` a global index, ...).
            pub fn for_each_field(&self, f: &mut dyn FnMut(&'static str, u64)) {
                match *self {
                    $( Op::$sname $({ $($sfield),* })? => { $($( f(stringify!($sfield), $sfield as u64); )*)? } )*
                    $( Op::$rname { dst $(, $rfield)* } => { f("dst", dst as u64); $( f(stringify!($rfield), $rfield as u64); )* } )*
                    $( Op::$uname { dst, src } => { f("dst", dst as u64); f("src", src as u64); } )*
                    $( Op::$bname { dst, lhs, rhs } => { f("dst", dst as u64); f("lhs", lhs as u64); f("rhs", rhs as u64); } )*
                    $( Op::$iname { dst, lhs, .. } => { f("dst", dst as u64); f("lhs", lhs as u64); } )*
                    $( Op::$jname { dst, lhs, .. } => { f("dst", dst as u64); f("lhs", lhs as u64); } )*
                    $( Op::$cname { lhs, rhs, target } => { f("lhs", lhs as u64); f("rhs", rhs as u64); f("target", target as u64); } )*
                    $( Op::$kname { lhs, target, .. } => { f("lhs", lhs as u64); f("target", target as u64); } )*
                    $( Op::$lname { dst, addr, mem, .. } => { f("dst", dst as u64); f("addr", addr as u64); f("mem", mem as u64); } )*
                    $( Op::$stname { addr, src, mem, .. } => { f("addr", addr as u64); f("src", src as u64); f("mem", mem as u64); } )*
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
                    _ => None,
                }
            }
        }
    };
}

define_ops! {
    special {
        /// Trap with `unreachable`.
        Unreachable;
        /// Jump to `target`.
        Br { target: u32 };
        /// Jump to `target` if `cond` (an i32) is non-zero.
        BrIfNez { cond: Slot, target: u32 };
        /// Jump to `target` if `cond` (an i32) is zero.
        BrIfEqz { cond: Slot, target: u32 };
        /// Jump to the `min(index, len)`-th of the `len + 1` `Br` ops that follow.
        BrTable { index: Slot, len: u32 };
        /// Return the `count` values at `src..` to the caller.
        Return { src: Slot, count: u32 };
        /// Call function `func` (module index); arguments at `args..`, results written there.
        Call { func: u32, args: Slot };
        /// Call through table `table` at `index`, checking signature `ty` (module type index).
        CallIndirect { ty: u32, table: u32, index: Slot, args: Slot };
        /// Tail-call function `func`: arguments at `args..` replace the current frame.
        ReturnCall { func: u32, args: Slot };
        /// Tail-call through table `table` at `index`, checking signature `ty`.
        ReturnCallIndirect { ty: u32, table: u32, index: Slot, args: Slot };
        /// `global[global] = src`.
        GlobalSet { src: Slot, global: u32 };
        /// `global[global] = src..src+2` (a v128 global).
        GlobalSet2 { src: Slot, global: u32 };
        /// Store one lane of `src`; `pool[arg]` packs memory, lane and offset.
        V128Store8Lane { addr: Slot, src: Slot, arg: u32 };
        /// As `V128Store8Lane`, 16-bit lane.
        V128Store16Lane { addr: Slot, src: Slot, arg: u32 };
        /// As `V128Store8Lane`, 32-bit lane.
        V128Store32Lane { addr: Slot, src: Slot, arg: u32 };
        /// As `V128Store8Lane`, 64-bit lane.
        V128Store64Lane { addr: Slot, src: Slot, arg: u32 };
        /// `memory.fill`.
        MemoryFill { mem: u32, dst: Slot, val: Slot, len: Slot };
        /// `memory.copy` from `src_mem` to `dst_mem`.
        MemoryCopy { dst_mem: u32, src_mem: u32, dst: Slot, src: Slot, len: Slot };
        /// `memory.init` from passive data segment `data`.
        MemoryInit { mem: u32, data: u32, dst: Slot, src: Slot, len: Slot };
        /// `data.drop`.
        DataDrop { data: u32 };
        /// `table.set`.
        TableSet { table: u32, index: Slot, val: Slot };
        /// `table.fill`.
        TableFill { table: u32, dst: Slot, val: Slot, len: Slot };
        /// `table.copy`.
        TableCopy { dst_table: u32, src_table: u32, dst: Slot, src: Slot, len: Slot };
        /// `table.init` from element segment `elem`.
        TableInit { table: u32, elem: u32, dst: Slot, src: Slot, len: Slot };
        /// `elem.drop`.
        ElemDrop { elem: u32 };
    }
    result {
        /// `dst = src` (a whole cell).
        Copy { dst: Slot, src: Slot };
        /// `dst..dst+2 = src..src+2` (a v128).
        Copy2 { dst: Slot, src: Slot };
        /// `dst = val` (a pre-encoded cell).
        Const { dst: Slot, bits: u64 };
        /// `dst = cond != 0 ? a : b`.
        Select { dst: Slot, cond: Slot, a: Slot, b: Slot };
        /// `dst..dst+2 = cond != 0 ? a : b` (v128 operands).
        Select2 { dst: Slot, cond: Slot, a: Slot, b: Slot };
        /// `dst..dst+2 = global[global]` (a v128 global).
        GlobalGet2 { dst: Slot, global: u32 };
        /// `dst = global[global]`.
        GlobalGet { dst: Slot, global: u32 };
        /// `dst = memory.size` in pages.
        MemorySize { dst: Slot, mem: u32 };
        /// `dst = memory.grow(delta)`.
        MemoryGrow { dst: Slot, delta: Slot, mem: u32 };
        /// `dst = table.get(index)`.
        TableGet { dst: Slot, table: u32, index: Slot };
        /// `dst = table.size`.
        TableSize { dst: Slot, table: u32 };
        /// `dst = table.grow(init, delta)`.
        TableGrow { dst: Slot, table: u32, init: Slot, delta: Slot };
        /// `dst = ref.func func`.
        RefFunc { dst: Slot, func: u32 };
        /// `dst..dst+2 = pool[idx]` (a v128 constant).
        V128Const { dst: Slot, idx: u32 };
        /// `dst = shuffle(a, b)` with the lane indices in `pool[idx]`.
        V128Shuffle { dst: Slot, a: Slot, b: Slot, idx: u32 };
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
        V128Extract { dst: Slot, op: SimdExtractOp, src: Slot, lane: u8 };
        /// Replace lane `lane` of `src` with scalar `x`.
        V128Replace { dst: Slot, op: SimdReplaceOp, src: Slot, x: Slot, lane: u8 };
        /// Load one lane into a copy of `src`; `pool[arg]` packs memory, lane and offset.
        V128Load8Lane { dst: Slot, addr: Slot, src: Slot, arg: u32 };
        /// As `V128Load8Lane`, 16-bit lane.
        V128Load16Lane { dst: Slot, addr: Slot, src: Slot, arg: u32 };
        /// As `V128Load8Lane`, 32-bit lane.
        V128Load32Lane { dst: Slot, addr: Slot, src: Slot, arg: u32 };
        /// As `V128Load8Lane`, 64-bit lane.
        V128Load64Lane { dst: Slot, addr: Slot, src: Slot, arg: u32 };
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
    }
    branch_cmp_imm {
        BrIfI32EqImm BrIfI32NeImm BrIfI32LtSImm BrIfI32LtUImm BrIfI32GtSImm BrIfI32GtUImm
        BrIfI32LeSImm BrIfI32LeUImm BrIfI32GeSImm BrIfI32GeUImm
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
}

/// A translated function: its microcode and frame shape.
#[derive(Debug, Clone, PartialEq)]
pub struct Compiled {
    /// The instructions.
    pub ops: Vec<Op>,
    /// v128 constants and shuffle masks that ops refer to by index.
    pub pool: Vec<u128>,
    /// Cells taken by the parameters (slots `0..num_params`; a v128 takes two).
    pub num_params: u32,
    /// Cells taken by the declared locals after the parameters (zeroed on entry).
    pub num_locals: u32,
    /// Cells taken by the results.
    pub num_results: u32,
    /// Total slots the frame uses (params, locals and temporaries).
    pub frame_size: u32,
}

impl Compiled {
    /// Bytes of RAM this function's microcode occupies.
    pub fn byte_size(&self) -> usize {
        self.ops.len() * core::mem::size_of::<Op>()
            + self.pool.len() * 16
            + core::mem::size_of::<Compiled>()
    }
}

impl core::fmt::Display for Compiled {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        writeln!(
            f,
            "; params {} locals {} results {} frame {}",
            self.num_params, self.num_locals, self.num_results, self.frame_size
        )?;
        for (i, op) in self.ops.iter().enumerate() {
            writeln!(f, "{i:5}: {op:?}")?;
        }
        Ok(())
    }
}
