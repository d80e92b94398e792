//! The microcode verifier: proves a `Compiled` function safe to run without bounds checks on
//! its frame and its op vector.
//!
//! The check is a visit over the operands of every op as it is decoded (the checked
//! decoder `isa::decode_visit` hands over each one's raw value and its `Op::layout` entry,
//! its type and field name, with no op built), with one exhaustive `match` over [`OperandType`](super::isa::OperandType): an
//! operand type added to the ISA table does not compile until it is checked here.
//!
//! The interpreter relies on exactly these facts (see the `SAFETY:` comments in `exec`):
//! - every slot operand, plus one more cell for a v128, is below `frame_size`, a call's
//!   arguments (`args` plus its parameter cells) are within the frame, a lane access's pool
//!   entry names an existing memory, and a
//!   `Return`'s `src + count` is within the frame;
//! - every branch target is an op's start, a `BrTable`'s `len + 1` entries exist and are
//!   `BrEntry`s;
//! - the last op does not fall through;
//! - parameters and locals fit in the frame.
//!
//! Entity indices (functions, globals, memories, ...) are checked against the module too, so a
//! microcode blob read back from storage cannot name an entity that does not exist. The
//! interpreter still indexes entities with checked indexing.

use alloc::vec::Vec;

use super::isa::{decode_visit, desc_name, desc_type, OperandType as T};
#[cfg(feature = "std")]
use super::isa::{narrow_opcode, QUICK_CHECKS};
use super::{Compiled, ModuleShape, Op, OpCode, VerifyError};

/// Words of one `br_table` entry (a `BrEntry`: opcode and a two-word relative target).
pub(crate) const BR_TABLE_ENTRY: usize = 3;

/// [`super::isa::chain_successor`] of every opcode, [`NO_SUCCESSOR`] for none: one load per
/// op instead of a call.
static CHAIN_SUCCESSORS: [u16; super::isa::WIDE as usize] = {
    let mut next = [NO_SUCCESSOR; super::isa::WIDE as usize];
    let mut code = 0;
    while code < next.len() {
        if let Some(n) = super::isa::chain_successor(code as u16) {
            next[code] = n;
        }
        code += 1;
    }
    next
};

/// Not an opcode word (opcodes are below [`super::isa::WIDE`]).
const NO_SUCCESSOR: u16 = u16::MAX;

/// Check `code` (a function of `module`) as described in the module docs.
pub(crate) fn verify(code: &Compiled, module: &ModuleShape<'_>) -> Result<(), VerifyError> {
    verify_with(code, module, true)
}

/// [`verify`], with the quick check of common narrow ops ([`quick`]) if `use_quick` (a unit
/// test compares the two).
#[inline(always)]
fn verify_with(
    code: &Compiled,
    module: &ModuleShape<'_>,
    use_quick: bool,
) -> Result<(), VerifyError> {
    let frame = code.frame_size as u64;
    let code_pool = &code.pool;
    let err = |at: usize, field: &'static str, value: u64| VerifyError { at, field, value };
    if code.num_params as u64 + code.num_locals as u64 > frame || code.num_results as u64 > frame {
        return Err(err(0, "frame_size", frame));
    }
    // A `narrow-frames` build runs no frame past 65,535 cells (`isa::NARROW_FRAMES`).
    if super::isa::NARROW_FRAMES && frame > super::isa::MAX_NARROW_FRAME as u64 {
        return Err(err(0, "frame_size", frame));
    }
    // One pass over the stream: every word belongs to a well-formed op (the decoder checks
    // opcodes, lengths, sub-ops and the canonical width). The ops' word offsets, the only
    // valid branch targets, are marked in `starts` as they go by; a branch backwards is
    // checked at once, one forwards when the whole stream has been seen.
    let words = &code.code[..];
    let len = words.len();
    // A slot `v` (and the next cell, for a v128) is in the frame if `v < slot_limit`.
    #[cfg(feature = "std")]
    let slot_limit = frame.saturating_sub(1);
    let mut starts = alloc::vec![0u64; len / 64 + 1];
    let is_start = |starts: &[u64], t: usize| t < len && starts[t / 64] >> (t % 64) & 1 != 0;
    let mut forward: Vec<(usize, u32)> = Vec::new();
    // With metering on, the ops are kept for `metering::check` (which looks across ops).
    let mut metered: Option<Vec<(usize, Op)>> = module.metering.any().then(Vec::new);
    let mut last: Option<(usize, OpCode)> = None;
    // The `BrTable` whose entries follow, and how many are still to come.
    let mut table: (usize, u32) = (0, 0);
    let mut table_entries = 0usize;
    let mut at = 0usize;
    while at < len {
        starts[at / 64] |= 1 << (at % 64);
        // A target is stored relative to the end of its op; it is checked as the word offset
        // it names (`u32::MAX` when it names none). The op's length is known once it is
        // decoded: its operands' targets are kept and checked after.
        // Whether this op must be an entry of the `BrTable` before it.
        let entry = table_entries > 0;
        table_entries -= entry as usize;
        let mut targets: [u32; 2] = [0; 2];
        let mut num_targets = 0usize;
        // The quick check of a common narrow op first; the general one decides (and names
        // the error) whenever that does not pass.
        #[cfg(feature = "std")]
        let quick = match use_quick {
            true => quick(
                words,
                at,
                slot_limit,
                module,
                code_pool.len(),
                &mut targets[0],
            ),
            false => None,
        };
        #[cfg(not(feature = "std"))]
        let quick: Option<(OpCode, usize, usize)> = {
            let _ = use_quick;
            None
        };
        let (code, n) = match quick {
            Some((code, n, t)) => {
                // As below: an op that decodes, narrow, so only this can come first.
                if entry && (code != OpCode::BrEntry || n != BR_TABLE_ENTRY) {
                    return Err(err(at, "br_table entry", 0));
                }
                num_targets = t;
                (code, n)
            }
            None => {
                // State carried between the operands of one op (the table fixes their order): the
                // parameter cells of the callee named by a `FuncIdx` / `TypeIdx` (checked against the
                // following `Args`), and a `Base` (checked with the following `Cells`).
                let mut callee_cells: Option<u64> = None;
                let mut base: Option<u64> = None;
                let mut bad: Option<(&'static str, u64)> = None;
                // One decode per op (the checked decoder, `isa::decode_visit`), each operand checked
                // against its type as it is read. An op that does not decode is an `opcode` error
                // whatever its operands, so what they set is then never used.
                let decoded = decode_visit(words, at, &mut |d, v| {
                    if bad.is_some() {
                        return;
                    }
                    let ty = desc_type(d);
                    // Every operand type is named here: a new one does not compile until it is checked.
                    let ok = match ty {
                        // A slot, and the next cell for a v128.
                        T::Slot => v + 2 <= frame,
                        T::Target | T::EntryTarget => match targets.get_mut(num_targets) {
                            Some(t) => {
                                *t = v as u32;
                                num_targets += 1;
                                true
                            }
                            None => false,
                        },
                        T::Base => {
                            base = Some(v);
                            v <= frame
                        }
                        T::Cells => base.take().is_some_and(|b| b + v <= frame),
                        // A call's arguments (`args..args + params`) are read from this frame: a tail
                        // call moves them down before the callee's frame exists, so they must lie
                        // inside it.
                        T::Args => callee_cells.take().is_some_and(|p| v + p <= frame),
                        T::TableLen => {
                            table = (at, v as u32);
                            table_entries = v as usize + 1;
                            true
                        }
                        T::FuncIdx => {
                            let ty = module
                                .funcs
                                .get(v as usize)
                                .and_then(|&t| module.types.get(t as usize));
                            callee_cells =
                                ty.map(|t| crate::types::ValType::cells_of(t.params()) as u64);
                            ty.is_some()
                        }
                        T::TypeIdx => {
                            let ty = module.types.get(v as usize);
                            callee_cells =
                                ty.map(|t| crate::types::ValType::cells_of(t.params()) as u64);
                            ty.is_some()
                        }
                        T::TableIdx => v < module.tables as u64,
                        T::MemIdx => v < module.memories as u64,
                        T::GlobalIdx => v < module.globals.len() as u64,
                        T::DataIdx => v < module.datas as u64,
                        T::ElemIdx => v < module.elems as u64,
                        T::PoolIdx => v < code_pool.len() as u64,
                        // A lane access names its memory in the low 32 bits of its pool entry.
                        T::LaneArg => code_pool
                            .get(v as usize)
                            .is_some_and(|p| (*p as u32 as usize) < module.memories),
                        // Immediates: every value has a meaning (an offset past the memory traps at
                        // run time), and decoding only produces valid SIMD and atomic sub-ops.
                        T::Offset
                        | T::I32Imm
                        | T::I64Imm
                        | T::Bits
                        | T::Lane
                        | T::SimdUnOp
                        | T::SimdBinOp
                        | T::SimdTernOp
                        | T::SimdShiftOp
                        | T::SimdTestOp
                        | T::SimdSplatOp
                        | T::SimdExtractOp
                        | T::SimdReplaceOp
                        | T::AtomicWidth
                        | T::AtomicRmwOp => true,
                    };
                    if !ok {
                        // The value of an index or frame operand (a target or an immediate: 0).
                        let value = match ty {
                            T::Target | T::EntryTarget => 0,
                            _ => v,
                        };
                        bad = Some((desc_name(d), value));
                    }
                });
                let (code, n) = decoded.ok_or_else(|| err(at, "opcode", words[at] as u64))?;
                // In a frame of at most 65,535 cells a wide form of an op whose operands are all
                // frame cells is not canonical, so the decoder has refused it already; this says so
                // directly, as the dispatch table of a `narrow-frames` build has no handler for it.
                if super::isa::NARROW_FRAMES
                    && words[at] & super::isa::WIDE != 0
                    && !super::isa::WIDE_BEYOND_FRAME[code as usize]
                {
                    return Err(err(at, "opcode", words[at] as u64));
                }
                // The interpreter indexes the entries as `BR_TABLE_ENTRY` words each.
                if entry && (code != OpCode::BrEntry || n != BR_TABLE_ENTRY) {
                    return Err(err(at, "br_table entry", 0));
                }
                if let Some((field, value)) = bad {
                    return Err(err(at, field, value));
                }
                (code, n)
            }
        };
        let absolute =
            |rel: u32| u32::try_from((at + n) as i64 + rel as i32 as i64).unwrap_or(u32::MAX);
        for &rel in &targets[..num_targets] {
            match absolute(rel) {
                t if t as usize <= at => {
                    if !is_start(&starts, t as usize) {
                        return Err(err(at, "target", t as u64));
                    }
                }
                t => forward.push((at, t)),
            }
        }
        // A chained op is followed by a narrow op of its second kind, which the interpreter
        // runs right after it without looking (`isa::chains!`).
        let next = CHAIN_SUCCESSORS
            .get(code as usize)
            .copied()
            .unwrap_or(NO_SUCCESSOR);
        if next != NO_SUCCESSOR && words.get(at + n) != Some(&next) {
            return Err(err(at, "chained op", next as u64));
        }
        // The op itself is built only where it is looked at across ops: with metering on
        // (`metering::check`), and for the checks and back-edge forms code without metering
        // must not carry.
        let decoded = || Op::decode_words(words, at).map(|(op, _)| op);
        match &mut metered {
            Some(ops) => {
                let mut op = decoded().ok_or_else(|| err(at, "opcode", words[at] as u64))?;
                // `metering::check` looks at targets as word offsets.
                if let Some(t) = op.branch_target_mut() {
                    *t = absolute(*t);
                }
                ops.push((at, op))
            }
            None if super::metering::is_metering_code(code) => {
                let op = decoded().ok_or_else(|| err(at, "opcode", words[at] as u64))?;
                super::metering::unmetered(at, &op)?
            }
            None => {}
        }
        last = Some((at, code));
        at += n;
    }
    match last {
        Some((
            _,
            OpCode::Return
            | OpCode::Br
            | OpCode::Unreachable
            | OpCode::ReturnCall
            | OpCode::BrFuel
            | OpCode::BrEntry
            | OpCode::ReturnCallIndirect
            | OpCode::ReturnCallRef,
        )) => {}
        _ => return Err(err(last.map_or(0, |l| l.0), "last op", len as u64)),
    }
    if table_entries > 0 {
        return Err(err(table.0, "len", table.1 as u64));
    }
    if let Some(&(at, t)) = forward
        .iter()
        .find(|&&(_, t)| !is_start(&starts, t as usize))
    {
        return Err(err(at, "target", t as u64));
    }
    // Fuel and interruption checks as the engine is configured (`metering.rs`).
    match metered {
        Some(ops) => super::metering::check(&ops, module.metering),
        None => Ok(()),
    }
}

/// The quick check of the op at `at` (below the stream's length): its opcode and length, and
/// how many branch targets it has (its one in `target`), if it is a narrow op of
/// [`QUICK_CHECKS`] whose operands pass every check the general visit in [`verify`] makes of
/// them (slots in the frame, a global, pool entry or memory that exists); `None` leaves the
/// op to that visit, which also names the error of one that fails. Its words are read at
/// the fixed positions of the table, with no decode.
#[cfg(feature = "std")]
#[inline(always)]
fn quick(
    words: &[u16],
    at: usize,
    slot_limit: u64,
    module: &ModuleShape<'_>,
    pool_len: usize,
    target: &mut u32,
) -> Option<(OpCode, usize, usize)> {
    use super::isa::{
        QUICK_ENTRY, QUICK_EXTRAS, QUICK_GLOBAL, QUICK_LEN, QUICK_MEM, QUICK_POOL, QUICK_SLOTS,
        QUICK_TARGET,
    };
    let w = *words.get(at)?;
    let d = *QUICK_CHECKS.get(w as usize)?;
    if d == 0 {
        return None;
    }
    let n = (d & QUICK_LEN) as usize;
    let op = words.get(at..at + n)?;
    let mut slots = (d >> QUICK_SLOTS) as u16;
    while slots != 0 {
        let i = slots.trailing_zeros() as usize;
        if *op.get(i)? as u64 >= slot_limit {
            return None;
        }
        slots &= slots - 1;
    }
    let mut targets = 0;
    if d & QUICK_EXTRAS != 0 {
        if d & QUICK_MEM != 0 && module.memories == 0 {
            return None;
        }
        let g = (d >> QUICK_GLOBAL & 15) as usize;
        if g != 0 && *op.get(g)? as usize >= module.globals.len() {
            return None;
        }
        let p = (d >> QUICK_POOL & 15) as usize;
        if p != 0 && *op.get(p)? as usize >= pool_len {
            return None;
        }
        let t = (d >> QUICK_TARGET & 15) as usize;
        if t != 0 {
            // As the decoder reads them: a `Target` one word sign-extended, an `EntryTarget`
            // two words.
            *target = if d & QUICK_ENTRY != 0 {
                *op.get(t)? as u32 | (*op.get(t + 1)? as u32) << 16
            } else {
                *op.get(t)? as i16 as i32 as u32
            };
            targets = 1;
        }
    }
    Some((narrow_opcode(w)?, n, targets))
}

#[cfg(all(test, feature = "std"))]
mod tests {
    use super::verify_with;
    use std::format;

    /// The quick check decides exactly as the general visit does: on every function of
    /// some sample modules, as translated and with each of its words changed (every bit
    /// flipped, and set to a few values that name other ops or edge operands), the same
    /// `Ok` or the same error.
    #[test]
    fn the_quick_check_agrees_with_the_general_one() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../wasm_samples/wasm");
        let plain = crate::Engine::new(crate::Config::default());
        // With fuel and interruption checks too (the ops kept for `metering::check`).
        let metered = crate::Engine::new(
            crate::Config::default()
                .consume_fuel(true)
                .interruptible(true),
        );
        let mut checked = 0usize;
        for (name, engine) in [
            ("bench_coremark", &plain),
            ("bench_sha256", &plain),
            ("bench_nbody", &plain),
            ("bench_json", &plain),
            ("bench_sha256", &metered),
        ] {
            let bytes = std::fs::read(format!("{dir}/{name}.wasm")).unwrap();
            let module = crate::Module::new(engine, bytes).unwrap();
            let shape = module.inner.shape();
            for f in 0..module.num_funcs() as u32 {
                let Some(code) = module.translate_function(f).unwrap() else {
                    continue;
                };
                let frame = code.frame_size;
                let values = [
                    0u16,
                    1,
                    2,
                    u16::MAX,
                    frame as u16,
                    frame.wrapping_sub(1) as u16,
                    frame.wrapping_sub(2) as u16,
                    super::super::isa::WIDE,
                    0x8000,
                    0x7fff,
                ];
                for at in 0..code.code.len() {
                    let original = code.code[at];
                    let mut changed = code.clone();
                    for v in (0..16).map(|b| original ^ 1 << b).chain(values) {
                        changed.code[at] = v;
                        let quick = verify_with(&changed, &shape, true);
                        let general = verify_with(&changed, &shape, false);
                        assert_eq!(
                            format!("{quick:?}"),
                            format!("{general:?}"),
                            "{name} function {f}, word {at} set to {v:#x}"
                        );
                        checked += 1;
                    }
                }
            }
        }
        assert!(checked > 10_000, "{checked}");
    }
}
