//! The microcode: fayasm's own pre-decoded, register-style instruction set.
//!
//! Each function is translated once (see `microcode/translate/`) into a flat `Vec<Op>`. Operands are
//! *slots*: offsets from the frame base on the engine's value stack, where slots
//! `0..num_params` are the parameters, then the declared locals, then the operand-stack
//! temporaries (stack height `h` lives in slot `num_locals_total + h`). Branch targets are
//! absolute indices into the function's op vector. The form holds no pointers, so it can be
//! stored and reloaded as is (the offload work serialises it).
//!
//! The instruction set is declared once, in the `define_ops!` table of [`isa`]; the enum, its
//! stored form, the printer and the operand visit the verifier uses are derived from it.

pub mod atomic_ops;
pub mod codec;
pub mod isa;
pub mod metering;
pub(crate) mod resident;
pub mod simd_ops;
pub(crate) mod translate;
mod verify;

pub(crate) use verify::{verify, BR_TABLE_ENTRY};

pub use isa::*;

use alloc::boxed::Box;
use alloc::vec::Vec;
use core::fmt;

use crate::config::Metering;
use crate::types::{FuncType, GlobalType};

/// What translating and verifying a function needs to know about its module: a narrow view
/// that `module` builds (`ModuleInner::shape`), so that `microcode/` does not import
/// `module` (which imports `microcode/`). The function bodies are not part of it: the
/// translator is handed the body it translates.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ModuleShape<'a> {
    /// The type section.
    pub types: &'a [FuncType],
    /// Every type's definition, when the module has GC types (`ModuleInner::defs`).
    #[cfg_attr(not(feature = "gc"), allow(dead_code))] // used by the `gc` feature's ops
    pub defs: &'a [crate::types::TypeDef],
    /// The type index of every function (imported first).
    pub funcs: &'a [u32],
    pub num_imported_funcs: u32,
    pub globals: &'a [GlobalType],
    /// The type index of every tag (imported first); read only by `throw`'s translation.
    #[cfg_attr(not(feature = "exceptions"), allow(dead_code))]
    pub tags: &'a [u32],
    /// How many tables, memories, data and element segments the module has.
    pub tables: usize,
    pub memories: usize,
    pub datas: usize,
    pub elems: usize,
    /// The checks its functions are translated with (the engine's configuration).
    pub metering: Metering,
}

impl<'a> ModuleShape<'a> {
    /// The type of function `func` (imported functions first).
    pub fn func_type(&self, func: u32) -> &'a FuncType {
        &self.types[self.funcs[func as usize] as usize]
    }
}

/// Why microcode was rejected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyError {
    /// The op's word offset.
    pub at: usize,
    /// The operand that is out of range.
    pub field: &'static str,
    /// Its value.
    pub value: u64,
}

impl fmt::Display for VerifyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "microcode op {}: operand `{}` = {} is out of range",
            self.at, self.field, self.value
        )
    }
}

impl From<VerifyError> for crate::Error {
    fn from(e: VerifyError) -> crate::Error {
        crate::Error::Module(crate::ModuleError {
            offset: 0,
            message: alloc::format!("{e}"),
        })
    }
}

/// A translated function: its microcode (a stream of 16-bit words, run in place) and frame
/// shape. The form the translator, the codec and the public API work with; a store keeps
/// and runs a copy in one block (`resident.rs`).
#[derive(Debug, Clone, PartialEq)]
pub struct Compiled {
    /// The instructions, encoded as described in [`isa`] ("Encoding"). Branch targets are
    /// word offsets into this stream.
    pub code: Box<[u16]>,
    /// v128 constants and shuffle masks that ops refer to by index.
    pub pool: Box<[u128]>,
    /// Cells taken by the parameters (slots `0..num_params`; a v128 takes two).
    pub num_params: u32,
    /// Cells taken by the declared locals after the parameters (zeroed on entry).
    pub num_locals: u32,
    /// Cells taken by the results.
    pub num_results: u32,
    /// Total slots the frame uses (params, locals and temporaries).
    pub frame_size: u32,
}

/// Whether an op of each opcode starts some chain (`isa::chains!`), by opcode.
#[cfg(not(feature = "std"))]
static CHAIN_HEADS: [bool; WIDE as usize] = {
    let mut heads = [false; WIDE as usize];
    macro_rules! heads {
        ($($name:ident = $x:ident + $y:ident;)*) => {
            $( heads[OpCode::$x as usize] = true; )*
        };
    }
    isa::for_each_chain!(heads);
    heads
};

/// Per opcode, what [`Compiled::assemble_fused`] looks up: [`CHAIN_HEAD`] if an op of it
/// starts some chain (`isa::chains!`), [`CHAIN_TAIL`] if it ends one, [`BRANCH`] if it has
/// a branch target.
#[cfg(feature = "std")]
static OPCODE_FLAGS: [u8; WIDE as usize] = {
    let mut flags = [0u8; WIDE as usize];
    macro_rules! heads {
        ($($name:ident = $x:ident + $y:ident;)*) => {
            $( flags[OpCode::$x as usize] |= CHAIN_HEAD; )*
            $( flags[OpCode::$y as usize] |= CHAIN_TAIL; )*
        };
    }
    isa::for_each_chain!(heads);
    let mut code = 0;
    while code < isa::NUM_OPCODES {
        if isa::has_branch_target(code) {
            flags[code] |= BRANCH;
        }
        code += 1;
    }
    flags
};

/// [`OPCODE_FLAGS`]: the opcode starts a chain.
#[cfg(feature = "std")]
const CHAIN_HEAD: u8 = 1;
/// [`OPCODE_FLAGS`]: the opcode has a branch target.
#[cfg(feature = "std")]
const BRANCH: u8 = 2;
/// [`OPCODE_FLAGS`]: the opcode ends some chain (the second op of `isa::chains!`).
#[cfg(feature = "std")]
const CHAIN_TAIL: u8 = 4;

/// The [`OPCODE_FLAGS`] of `op`.
#[cfg(feature = "std")]
#[inline(always)]
fn opcode_flags(op: &Op) -> u8 {
    OPCODE_FLAGS.get(op.opcode() as usize).copied().unwrap_or(0)
}

/// The encoding step of [`Compiled::assemble_fused`] (`std` form) and what it keeps between
/// ops.
#[cfg(feature = "std")]
struct Emitter {
    /// Encoded branches: start, end, target (an op of `ops`), two-word distance.
    branches: Vec<(u32, u32, u32, bool)>,
    /// The last op encoded, if it may start a chain (`isa::chains!`; the second op of a
    /// chain starts none): its start and opcode.
    prev: Option<(usize, OpCode)>,
}

#[cfg(feature = "std")]
impl Emitter {
    /// Append `op` to `code`.
    #[inline(always)]
    fn emit(&mut self, op: &Op, code: &mut Vec<u16>) {
        let start = code.len() as u32;
        let flags = opcode_flags(op);
        // A branch is encoded with a distance of 0, patched below.
        if flags & BRANCH != 0 {
            let mut op = *op;
            let target = op.branch_target_mut().map(|t| core::mem::replace(t, 0));
            op.encode_words(code);
            if let Some(t) = target {
                let two_words =
                    code[start as usize] & WIDE != 0 || matches!(op, Op::BrEntry { .. });
                self.branches.push((start, code.len() as u32, t, two_words));
            }
        } else {
            op.encode_words(code);
        }
        // Chain the pair if this op is encoded narrow (its form is final here: a distance
        // that does not fit fails the whole pass). The chained op has the first op's
        // layout, so only its opcode word changes.
        let start = start as usize;
        let code_of = op.opcode();
        if let Some((p, first)) = self.prev.take() {
            if flags & CHAIN_TAIL != 0 && code[start] & WIDE == 0 {
                if let Some(chained) = isa::chain_opcode(first, code_of) {
                    code[p] = chained as u16 | (code[p] & WIDE);
                    return;
                }
            }
        }
        if flags & CHAIN_HEAD != 0 {
            self.prev = Some((start, code_of));
        }
    }
}

/// Whether `op` has a branch target: [`Op::branch_target_mut`] is `Some`. One table lookup
/// instead of that function's `match` (an indirect jump per op) for the passes over every op
/// that look for branches (`translate/coalesce.rs`).
#[cfg(feature = "std")]
#[inline(always)]
pub(crate) fn is_branch(op: &Op) -> bool {
    opcode_flags(op) & BRANCH != 0
}

impl Compiled {
    /// Encode `ops`, whose branch targets are op indices, into a function. A target that
    /// names no op becomes the end of the stream (which the verifier rejects).
    ///
    /// Branch targets are stored relative to the end of their op, in one word when the
    /// distance fits 16 bits and otherwise in the op's wide form. The common case is one pass:
    /// every op is encoded once with its distance as a narrow placeholder, and the distances
    /// are patched in afterwards (a `Target` is always an op's last operand, and a
    /// `BrEntry`'s is a fixed two words). Only if some distance does not fit its narrow word
    /// are the lengths found by relaxation ([`Compiled::assemble_relaxed`]).
    pub fn assemble(
        ops: &[Op],
        pool: Vec<u128>,
        num_params: u32,
        num_locals: u32,
        num_results: u32,
        frame_size: u32,
    ) -> Compiled {
        let n = ops.len();
        // Every op's start, and one more for the end of the stream.
        let mut starts: Vec<u32> = Vec::with_capacity(n + 1);
        // Ops with a branch target: op index and target.
        let mut branches: Vec<(u32, u32)> = Vec::new();
        let mut code: Vec<u16> = Vec::with_capacity(n * 4);
        for (i, op) in ops.iter().enumerate() {
            starts.push(code.len() as u32);
            let mut op = *op;
            if let Some(t) = op.branch_target_mut() {
                branches.push((i as u32, *t));
                *t = 0;
            }
            op.encode_words(&mut code);
        }
        let end = code.len() as u32;
        starts.push(end);
        for &(i, target) in &branches {
            let i = i as usize;
            let (at, next) = (starts[i] as usize, starts[i + 1] as usize);
            let to = starts.get(target as usize).copied().unwrap_or(end);
            let rel = (to as i64 - next as i64) as i32;
            // The placeholder was 0, so the form chosen was decided by the other operands.
            let two_words = code[at] & WIDE != 0 || matches!(ops[i], Op::BrEntry { .. });
            if two_words {
                code[next - 2] = rel as u16;
                code[next - 1] = (rel as u32 >> 16) as u16;
            } else if rel as i16 as i32 == rel {
                code[next - 1] = rel as u16;
            } else {
                return Compiled::assemble_relaxed(
                    ops,
                    pool,
                    num_params,
                    num_locals,
                    num_results,
                    frame_size,
                );
            }
        }
        Compiled::new(code, pool, num_params, num_locals, num_results, frame_size)
    }

    /// [`Compiled::assemble`] of the translator's output without building the list it stands
    /// for: `prologue` (ops without branch targets) goes before op `at` of `ops`, and every
    /// pair of adjacent ops that `fuse` joins, unless the second is a branch target, is
    /// encoded as the one op `fuse` returns. Branch targets name ops of `ops`. The same code
    /// as fusing, inserting and renumbering first and assembling the list, in one encoding
    /// pass; `Err` (with the pool back) when a distance does not fit its narrow word, for
    /// which the caller assembles the list (by relaxation).
    ///
    /// Two forms, as the encoder's: a `std` build (the host, where translation speed counts)
    /// looks up per opcode whether an op is a branch or a chain head ([`OPCODE_FLAGS`]) and
    /// copies only those ops; a `no_std` build (the firmware, where flash counts) keeps the
    /// plainer loop, whose code is smaller there.
    #[cfg(feature = "std")]
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn assemble_fused(
        ops: &[Op],
        at: usize,
        prologue: &[Op],
        fuse: impl Fn(&Op, &Op) -> Option<Op>,
        pool: Vec<u128>,
        num_params: u32,
        num_locals: u32,
        num_results: u32,
        frame_size: u32,
    ) -> Result<Compiled, Vec<u128>> {
        let n = ops.len();
        // Which ops are branch targets (one bit each, and one for the end).
        let mut targeted = alloc::vec![0u64; n / 64 + 1];
        for op in ops {
            if opcode_flags(op) & BRANCH != 0 {
                let mut op = *op;
                if let Some(&mut t) = op.branch_target_mut() {
                    let t = t as usize;
                    if t <= n {
                        targeted[t / 64] |= 1 << (t % 64);
                    }
                }
            }
        }
        let bit = |set: &[u64], i: usize| set[i / 64] >> (i % 64) & 1 != 0;
        // The word offset of every op of `ops` (a fused pair's second op: the pair's), and
        // of the end.
        let mut starts: Vec<u32> = alloc::vec![0; n + 1];
        let mut code: Vec<u16> = Vec::with_capacity(n * 5 + prologue.len() * 5);
        let mut emitter = Emitter {
            branches: Vec::new(),
            prev: None,
        };
        let mut i = 0;
        while i < n {
            if i == at {
                for p in prologue {
                    emitter.emit(p, &mut code);
                }
            }
            starts[i] = code.len() as u32;
            // A pair fuses unless its second op is a branch target.
            let fused = if i + 1 < n && !bit(&targeted, i + 1) {
                fuse(&ops[i], &ops[i + 1])
            } else {
                None
            };
            // One call of the (inlined) encoding step for both cases.
            let op = match &fused {
                Some(f) => {
                    starts[i + 1] = starts[i];
                    f
                }
                None => &ops[i],
            };
            emitter.emit(op, &mut code);
            i += 1 + fused.is_some() as usize;
        }
        if at >= n {
            for p in prologue {
                emitter.emit(p, &mut code);
            }
        }
        let end = code.len() as u32;
        starts[n] = end;
        for &(_, next, target, two_words) in &emitter.branches {
            let next = next as usize;
            let to = starts.get(target as usize).copied().unwrap_or(end);
            let rel = (to as i64 - next as i64) as i32;
            if two_words {
                code[next - 2] = rel as u16;
                code[next - 1] = (rel as u32 >> 16) as u16;
            } else if rel as i16 as i32 == rel {
                code[next - 1] = rel as u16;
            } else {
                return Err(pool);
            }
        }
        Ok(Compiled::new(
            code,
            pool,
            num_params,
            num_locals,
            num_results,
            frame_size,
        ))
    }

    /// The `no_std` form of the above (the same words out).
    #[cfg(not(feature = "std"))]
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn assemble_fused(
        ops: &[Op],
        at: usize,
        prologue: &[Op],
        fuse: impl Fn(&Op, &Op) -> Option<Op>,
        pool: Vec<u128>,
        num_params: u32,
        num_locals: u32,
        num_results: u32,
        frame_size: u32,
    ) -> Result<Compiled, Vec<u128>> {
        let n = ops.len();
        // Which ops are branch targets (one bit each, and one for the end), and which ops
        // have a target themselves (so the encoding below looks for one only in those).
        let mut targeted = alloc::vec![0u64; n / 64 + 1];
        let mut branches_at = alloc::vec![0u64; n / 64 + 1];
        for (i, op) in ops.iter().enumerate() {
            let mut op = *op;
            if let Some(&mut t) = op.branch_target_mut() {
                branches_at[i / 64] |= 1 << (i % 64);
                let t = t as usize;
                if t <= n {
                    targeted[t / 64] |= 1 << (t % 64);
                }
            }
        }
        let bit = |set: &[u64], i: usize| set[i / 64] >> (i % 64) & 1 != 0;
        // The word offset of every op of `ops` (a fused pair's second op: the pair's), and
        // of the end.
        let mut starts: Vec<u32> = alloc::vec![0; n + 1];
        // Encoded branches: start, end, target (an op of `ops`), two-word distance.
        let mut branches: Vec<(u32, u32, u32, bool)> = Vec::new();
        let mut code: Vec<u16> = Vec::with_capacity(n * 4 + prologue.len() * 5);
        // The last op encoded, if it may start a chain (`isa::chains!`; the second op of a
        // chain starts none): its start and the op.
        let mut prev: Option<(usize, Op)> = None;
        let chain_head = |code: OpCode| CHAIN_HEADS.get(code as usize).copied() == Some(true);
        // `op`, which has a branch target only if `branch`.
        let mut emit = |mut op: Op, branch: bool, code: &mut Vec<u16>| {
            let start = code.len() as u32;
            let plain = op;
            let target = if branch {
                op.branch_target_mut().map(|t| core::mem::replace(t, 0))
            } else {
                None
            };
            op.encode_words(code);
            if let Some(t) = target {
                let two_words =
                    code[start as usize] & WIDE != 0 || matches!(op, Op::BrEntry { .. });
                branches.push((start, code.len() as u32, t, two_words));
            }
            // Chain the pair if this op is encoded narrow (its form is final here: a
            // distance that does not fit fails the whole pass). The chained op has the
            // first op's layout, so only its opcode word changes.
            let start = start as usize;
            if let Some((p, first)) = prev.take() {
                if code[start] & WIDE == 0 {
                    if let Some(chained) = isa::chain(first, &plain) {
                        code[p] = chained.opcode() as u16 | (code[p] & WIDE);
                        return;
                    }
                }
            }
            if chain_head(plain.opcode()) {
                prev = Some((start, plain));
            }
        };
        let mut i = 0;
        while i < n {
            if i == at {
                for p in prologue {
                    emit(*p, true, &mut code);
                }
            }
            starts[i] = code.len() as u32;
            if i + 1 < n {
                if let Some(fused) = fuse(&ops[i], &ops[i + 1]) {
                    if !bit(&targeted, i + 1) {
                        starts[i + 1] = starts[i];
                        emit(fused, true, &mut code);
                        i += 2;
                        continue;
                    }
                }
            }
            emit(ops[i], bit(&branches_at, i), &mut code);
            i += 1;
        }
        if at >= n {
            for p in prologue {
                emit(*p, true, &mut code);
            }
        }
        let end = code.len() as u32;
        starts[n] = end;
        for &(_, next, target, two_words) in &branches {
            let next = next as usize;
            let to = starts.get(target as usize).copied().unwrap_or(end);
            let rel = (to as i64 - next as i64) as i32;
            if two_words {
                code[next - 2] = rel as u16;
                code[next - 1] = (rel as u32 >> 16) as u16;
            } else if rel as i16 as i32 == rel {
                code[next - 1] = rel as u16;
            } else {
                return Err(pool);
            }
        }
        Ok(Compiled::new(
            code,
            pool,
            num_params,
            num_locals,
            num_results,
            frame_size,
        ))
    }

    /// [`Compiled::assemble`] by relaxation, for code with a distance that does not fit a
    /// narrow word: every op starts narrow, and an op whose distance does not fit is widened
    /// until nothing changes. Widening only lengthens the code, so a distance that did not
    /// fit never fits later: it ends, and every op is in its canonical form.
    pub fn assemble_relaxed(
        ops: &[Op],
        pool: Vec<u128>,
        num_params: u32,
        num_locals: u32,
        num_results: u32,
        frame_size: u32,
    ) -> Compiled {
        let n = ops.len();
        // Each branch's distance as encoded (the bits of an `i32`), first guessed 0.
        let mut rel = alloc::vec![0u32; n];
        let mut starts = alloc::vec![0u32; n + 1];
        let mut scratch = Vec::new();
        let encode = |i: usize, rel: &[u32], out: &mut Vec<u16>| {
            let mut op = ops[i];
            if let Some(t) = op.branch_target_mut() {
                *t = rel[i];
            }
            op.encode_words(out);
        };
        loop {
            let mut at = 0u32;
            for (i, start) in starts[..n].iter_mut().enumerate() {
                *start = at;
                scratch.clear();
                encode(i, &rel, &mut scratch);
                at = at.saturating_add(scratch.len() as u32);
            }
            starts[n] = at;
            let mut changed = false;
            for (i, op) in ops.iter().enumerate() {
                let mut op = *op;
                let Some(t) = op.branch_target_mut() else {
                    continue;
                };
                let target = starts.get(*t as usize).copied().unwrap_or(at);
                let r = (target as i64 - starts[i + 1] as i64) as i32 as u32;
                if r != rel[i] {
                    rel[i] = r;
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }
        let mut code = Vec::with_capacity(starts[n] as usize);
        for i in 0..n {
            encode(i, &rel, &mut code);
        }
        Compiled::new(code, pool, num_params, num_locals, num_results, frame_size)
    }

    /// A function from its parts (`code` as described in [`isa`], "Encoding"; it must pass
    /// verification before it runs).
    pub fn new(
        code: Vec<u16>,
        pool: Vec<u128>,
        num_params: u32,
        num_locals: u32,
        num_results: u32,
        frame_size: u32,
    ) -> Compiled {
        Compiled {
            code: code.into_boxed_slice(),
            pool: pool.into_boxed_slice(),
            num_params,
            num_locals,
            num_results,
            frame_size,
        }
    }

    /// The ops with their word offsets, decoded (checked), branch targets as word offsets
    /// (a target outside `0..=u32::MAX` as `u32::MAX`); stops at the first word that does
    /// not start a well-formed op, reporting its offset as an `Err`.
    pub fn ops(&self) -> impl Iterator<Item = Result<(usize, Op), usize>> + '_ {
        ops_in(&self.code)
    }

    /// The ops with their branch targets as op indices (the inverse of [`Compiled::assemble`]
    /// for well-formed code); `None` if the stream does not decode. A target that is not an
    /// op's offset becomes `u32::MAX`.
    pub fn decode_ops(&self) -> Option<Vec<Op>> {
        let decoded: Vec<(usize, Op)> = self.ops().collect::<Result<_, _>>().ok()?;
        let starts: Vec<usize> = decoded.iter().map(|(at, _)| *at).collect();
        Some(
            decoded
                .into_iter()
                .map(|(_, mut op)| {
                    if let Some(t) = op.branch_target_mut() {
                        *t = starts
                            .binary_search(&(*t as usize))
                            .map_or(u32::MAX, |i| i as u32);
                    }
                    op
                })
                .collect(),
        )
    }

    /// This function with its ops replaced by `ops` (targets as op indices).
    pub fn with_ops(&self, ops: &[Op]) -> Compiled {
        Compiled::assemble(
            ops,
            self.pool.to_vec(),
            self.num_params,
            self.num_locals,
            self.num_results,
            self.frame_size,
        )
    }

    /// Bytes of RAM this function's microcode occupies in a store, as the code cache counts
    /// them: its resident block (`resident.rs`: a 28-byte head, the words, the pool at
    /// 16-byte alignment). Not counted: the allocator's own overhead per block (the
    /// footprint example measures it).
    pub fn byte_size(&self) -> usize {
        resident::block_size(self.code.len(), self.pool.len())
    }
}

/// The ops of the word stream `code` with their word offsets, decoded (checked), branch
/// targets as word offsets (a target outside `0..=u32::MAX` as `u32::MAX`); stops at the first
/// word that does not start a well-formed op, reporting its offset as an `Err`.
pub(crate) fn ops_in(code: &[u16]) -> impl Iterator<Item = Result<(usize, Op), usize>> + '_ {
    let mut at = 0;
    let mut failed = false;
    core::iter::from_fn(move || {
        if failed || at >= code.len() {
            return None;
        }
        match Op::decode_words(code, at) {
            Some((mut op, n)) => {
                let start = at;
                at += n;
                if let Some(t) = op.branch_target_mut() {
                    let abs = at as i64 + *t as i32 as i64;
                    *t = u32::try_from(abs).unwrap_or(u32::MAX);
                }
                Some(Ok((start, op)))
            }
            None => {
                failed = true;
                Some(Err(at))
            }
        }
    })
}

impl core::fmt::Display for Compiled {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        writeln!(
            f,
            "; params {} locals {} results {} frame {}",
            self.num_params, self.num_locals, self.num_results, self.frame_size
        )?;
        for op in self.ops() {
            match op {
                Ok((at, op)) if self.code[at] & WIDE != 0 => writeln!(f, "{at:5}: wide {op}")?,
                Ok((at, op)) => writeln!(f, "{at:5}: {op}")?,
                Err(at) => writeln!(f, "{at:5}: <malformed>")?,
            }
        }
        Ok(())
    }
}
