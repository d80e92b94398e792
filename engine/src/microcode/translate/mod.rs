//! Wasm function bodies to microcode.
//!
//! The body was validated when the module was created, so translation trusts the operator
//! stream's shape (stack heights, label depths, types) and only tracks what it needs: the
//! operand stack as a list of [`Entry`]s and the control stack as [`Ctrl`] frames.
//!
//! Every operand-stack entry owns a *canonical slot*: the frame slot right above the entries
//! below it (`first_temp + cells below`). Scalars take one 64-bit cell, `v128` takes two.
//!
//! Operands are *lazy*: `local.get` and scalar constants are not copied into the frame when
//! pushed; the instruction that consumes them reads the local's slot (or a materialised
//! constant) directly. Lazy operands are materialised into their canonical slot before
//! anything that could change what they denote (`local.set`/`local.tee` of the same local) and
//! at the boundaries where values must sit in canonical slots (block entry, branches, calls,
//! returns). A `local.set` right after the instruction that computed its value rewrites that
//! instruction's destination instead of adding a copy.

#[cfg(feature = "threads")]
mod atomic;
// Host builds only (`std`): in the firmware (`opt-level = "z"`) the pass cost 4.3 KB of
// flash, more than its one saved copy per coalesced pair is worth there.
#[cfg(feature = "std")]
mod coalesce;
#[cfg(feature = "exceptions")]
mod exn;
#[cfg(not(feature = "exceptions"))]
#[path = "exn_disabled.rs"]
mod exn;
pub(crate) mod fuel;
mod fuse;
#[cfg(feature = "gc")]
pub(crate) mod gc;
#[cfg(not(feature = "gc"))]
#[path = "gc_disabled.rs"]
pub(crate) mod gc;
mod ops;
mod refs;
mod scan;
#[cfg(feature = "simd")]
mod simd;
#[cfg(not(feature = "simd"))]
#[path = "simd_disabled.rs"]
mod simd;
mod visit;
mod wide;

use alloc::string::ToString;
use alloc::vec;
use alloc::vec::Vec;

use wasmparser::{
    BinaryReader, BinaryReaderError, BlockType, FuncValidator, FunctionBody, ValidatorResources,
};

use super::{Compiled, ModuleShape, Op, Slot};
use crate::error::ModuleError;
use crate::types::ValType;

/// Whether this build's operator visitor validates as it translates (the one-pass
/// [`validate_and_translate`] of prescan). Only a `std` build prescans (`Module::new` and
/// `Module::from_source` translate while validating only there), so a `no_std` build's
/// visitor carries no validator calls (on the firmware they were in each of its 480
/// `visit_*` methods, never run); [`validate_and_translate`] there validates the body
/// first and then translates it.
const VALIDATES: bool = cfg!(feature = "std");

/// What an operand-stack entry currently is.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Operand {
    /// In its canonical slot.
    Temp,
    /// Still in local `n`.
    Local(u32),
    /// A scalar constant cell not yet written anywhere.
    Const(u64),
}

#[derive(Debug, Clone, Copy, PartialEq)]
struct Entry {
    operand: Operand,
    /// The canonical slot.
    slot: Slot,
    wide: bool,
}

impl Entry {
    fn width(&self) -> u32 {
        1 + self.wide as u32
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum CtrlKind {
    Block,
    Loop,
    If,
    Else,
}

#[derive(Debug)]
struct Ctrl {
    kind: CtrlKind,
    /// Entry count below the block's parameters.
    height: u32,
    /// The canonical slot of the block's first parameter (or result).
    base_slot: Slot,
    /// Whether each parameter / result is a v128.
    params: Vec<bool>,
    results: Vec<bool>,
    /// For loops, the branch target.
    start: u32,
    /// The last op whose target is this block's end ([`NO_FIXUP`] if none): the ops form a
    /// chain through their target fields, each naming the previous one, until the block's
    /// `end` patches them all (no list to allocate per block).
    fixups: u32,
    /// For `if`, the conditional jump to the `else` arm.
    else_fixup: Option<usize>,
    /// The rest of this block is unreachable.
    unreachable: bool,
    /// The whole block sits in unreachable code and emits nothing.
    dead: bool,
}

/// The end of a chain of fixups.
const NO_FIXUP: u32 = u32::MAX;

pub(super) struct Translator<'m> {
    module: ModuleShape<'m>,
    ops: Vec<Op>,
    /// v128 constants and shuffle masks, referenced by index.
    pool: Vec<u128>,
    stack: Vec<Entry>,
    /// Slot and width of every local (parameters first).
    locals: Vec<(Slot, bool)>,
    /// Number of `Operand::Local(n)` entries per local, to find aliases quickly.
    local_refs: Vec<u32>,
    first_temp: Slot,
    max_cells: u32,
    ctrl: Vec<Ctrl>,
    /// Index of the last op if its result may be retargeted by a following `local.set`.
    last_result: Option<usize>,
    /// Hoisted constants: bits, slot, and whether any op read the slot.
    const_slots: Vec<(u64, Slot, bool)>,
    /// An open-addressing index of `const_slots` by bits (`CONST_INDEX` entries, each the
    /// constant's index + 1, 0 for empty), empty when nothing is hoisted.
    const_index: Vec<u8>,
    /// Only for [`translate_with_offsets`]: the module offset of the wasm operator each op
    /// came from (parallel to `ops`), and the operator being translated.
    offsets: Option<Vec<u32>>,
    offset: u32,
    /// The handler table of the `try_table`s (`exn.rs`).
    #[cfg_attr(not(feature = "exceptions"), allow(dead_code))]
    exn: exn::Handlers,
}

/// The memory a (validated, non-GC) memory argument names.
fn mem_index(memarg: &wasmparser::MemArg) -> u32 {
    match memarg.target {
        wasmparser::MemArgTarget::Memory(m) | wasmparser::MemArgTarget::Array(m) => m,
    }
}

fn unsupported(offset: usize, what: &str) -> ModuleError {
    let mut message = "unsupported instruction: ".to_string();
    message.push_str(what);
    ModuleError { offset, message }
}

fn widths(types: &[ValType]) -> Vec<bool> {
    types.iter().map(|t| *t == ValType::V128).collect()
}

fn cells(wide: &[bool]) -> u32 {
    wide.iter().map(|w| 1 + *w as u32).sum()
}

/// Translate defined function `def` of `module`, whose body (locals and code) is `body`, found
/// at `offset` in the module's bytes.
pub(crate) fn translate(
    module: ModuleShape<'_>,
    def: u32,
    body: &[u8],
    offset: usize,
) -> Result<Compiled, ModuleError> {
    translate_impl(module, def, body, offset, false).map(|(code, _)| code)
}

/// [`translate`], and the module offset of the wasm operator each op of the result came from
/// (indexed like [`Compiled::ops`]): what a trap's backtrace maps a pc with, made only when a
/// trap asks (translation is deterministic, so the ops are those of the code that ran).
pub(crate) fn translate_with_offsets(
    module: ModuleShape<'_>,
    def: u32,
    body: &[u8],
    offset: usize,
) -> Result<(Compiled, Vec<u32>), ModuleError> {
    let (code, offsets) = translate_impl(module, def, body, offset, true)?;
    Ok((code, offsets.unwrap_or_default()))
}

/// How translating a body went wrong.
enum Failure {
    /// The body is not valid (only found when it is validated as it is translated).
    Invalid(BinaryReaderError),
    /// The body could not be translated (an unsupported instruction, a frame too large).
    Translate(ModuleError),
}

fn translate_impl(
    module: ModuleShape<'_>,
    def: u32,
    bytes: &[u8],
    offset: usize,
    record_offsets: bool,
) -> Result<(Compiled, Option<Vec<u32>>), ModuleError> {
    translate_body(module, def, bytes, offset, record_offsets, None, None).map_err(|e| match e {
        Failure::Translate(e) => e,
        Failure::Invalid(e) => e.into(),
    })
}

/// Validate defined function `def`'s body (at `offset` in the module's bytes) with
/// `validator` and translate it in the same pass over its operators: each operator is read
/// once, validated, then translated (what `Module::new` does when the engine prescans).
/// `Err` if the body is invalid (the error `FuncValidator::validate` would give); `Ok(None)`
/// if it is valid but cannot be translated (translating it again, when the function is
/// needed, reports why).
pub(crate) fn validate_and_translate(
    module: ModuleShape<'_>,
    def: u32,
    bytes: &[u8],
    offset: usize,
    validator: &mut FuncValidator<ValidatorResources>,
    scratch: &mut Scratch,
) -> Result<Option<Compiled>, BinaryReaderError> {
    if !VALIDATES {
        // This build's visitor does not validate: two passes.
        let mut reader = BinaryReader::new(bytes, offset as u64);
        reader.set_features(*validator.features());
        validator.validate(&FunctionBody::new(reader))?;
        return match translate_body(module, def, bytes, offset, false, None, Some(scratch)) {
            Ok((code, _)) => Ok(Some(code)),
            Err(Failure::Translate(_)) => Ok(None),
            Err(Failure::Invalid(e)) => Err(e),
        };
    }
    match translate_body(
        module,
        def,
        bytes,
        offset,
        false,
        Some(validator),
        Some(scratch),
    ) {
        Ok((code, _)) => Ok(Some(code)),
        Err(Failure::Translate(_)) => Ok(None),
        Err(Failure::Invalid(e)) => Err(e),
    }
}

/// `v` emptied, with room for `n`.
fn reused<T>(mut v: Vec<T>, n: usize) -> Vec<T> {
    v.clear();
    v.reserve(n);
    v
}

impl Scratch {
    /// The bytes the buffers hold.
    pub(crate) fn bytes(&self) -> usize {
        use core::mem::size_of;
        self.ops.capacity() * size_of::<Op>()
            + self.stack.capacity() * size_of::<Entry>()
            + self.ctrl.capacity() * size_of::<Ctrl>()
            + self.locals.capacity() * size_of::<(Slot, bool)>()
            + self.local_refs.capacity() * size_of::<u32>()
    }
}

/// The translator's buffers, kept between the functions of a load (and, through the engine,
/// between loads: `module::LoadScratch`) so that each function does not allocate them anew.
/// Each is emptied before use.
#[derive(Default)]
pub(crate) struct Scratch {
    ops: Vec<Op>,
    stack: Vec<Entry>,
    ctrl: Vec<Ctrl>,
    locals: Vec<(Slot, bool)>,
    local_refs: Vec<u32>,
}

/// [`translate_impl`], validating the body as it goes when `validator` is given: then a
/// translation error does not stop the pass, which validates the rest of the body first.
fn translate_body(
    module: ModuleShape<'_>,
    def: u32,
    bytes: &[u8],
    offset: usize,
    record_offsets: bool,
    mut validator: Option<&mut FuncValidator<ValidatorResources>>,
    mut scratch: Option<&mut Scratch>,
) -> Result<(Compiled, Option<Vec<u32>>), Failure> {
    // The buffers of an earlier function, if the caller keeps them (given back below when
    // the function translates; after an error they are dropped).
    let mut bufs = scratch
        .as_deref_mut()
        .map(core::mem::take)
        .unwrap_or_default();
    let range = offset..offset + bytes.len();
    // Only `validate_and_translate` passes a validator, and only where the visitor validates.
    debug_assert!(VALIDATES || validator.is_none());
    if !VALIDATES {
        validator = None;
    }
    let mut reader = BinaryReader::new(bytes, offset as u64);
    if let Some(v) = &validator {
        // Read as `FuncValidator::validate` reads: the encodings the features allow (a
        // memory index in place of `memory.size`'s zero byte only with multi-memory, ...).
        reader.set_features(*v.features());
    }
    let body = FunctionBody::new(reader);
    let func_index = module.num_imported_funcs + def;
    let ty = module.func_type(func_index);
    let too_big = || unsupported(range.start, "function frame too large");
    let validating = validator.is_some();
    // A reading error makes the body invalid when validating; otherwise (the body was
    // validated before) it is the translation's error.
    let read_err = |e: BinaryReaderError| {
        if validating {
            Failure::Invalid(e)
        } else {
            Failure::Translate(e.into())
        }
    };
    // The first translation error, kept while the rest of the body is validated.
    let mut failed: Option<ModuleError> = None;
    macro_rules! fail {
        ($e:expr) => {{
            let e: ModuleError = $e;
            if !validating {
                return Err(Failure::Translate(e));
            }
            failed.get_or_insert(e);
        }};
    }

    // Sized for the parameters and the usual few locals: the pushes below rarely grow it.
    let mut locals = core::mem::take(&mut bufs.locals);
    locals.clear();
    locals.reserve(ty.params().len() + 16);
    let mut next: Slot = 0;
    for &p in ty.params() {
        locals.push((next, p == ValType::V128));
        next += p.cells();
    }
    let num_params = next;
    let mut locals_reader = body.get_locals_reader().map_err(read_err)?;
    for _ in 0..locals_reader.get_count() {
        let at = locals_reader.original_position();
        let (count, vt) = locals_reader.read().map_err(read_err)?;
        if let Some(v) = validator.as_deref_mut() {
            v.define_locals(at, count, vt).map_err(Failure::Invalid)?;
        }
        let Some(vt) = ValType::from_wasmparser(vt) else {
            fail!(unsupported(range.start, "local type"));
            continue;
        };
        if failed.is_some() {
            continue;
        }
        // Validation bounds the number of locals (wasmparser allows at most 50 000).
        for _ in 0..count {
            locals.push((next, vt == ValType::V128));
            match next.checked_add(vt.cells()) {
                Some(n) => next = n,
                None => {
                    fail!(too_big());
                    break;
                }
            }
        }
    }
    // Constants used inside loops get a frame slot written once, by a prologue, instead of
    // a `Const` op at every use in every iteration. (A body that does not read here is
    // invalid: validating, the pass below reports it.)
    let hoisted = match loop_constants(&body) {
        Ok(h) if failed.is_none() => h,
        Ok(_) => Vec::new(),
        Err(e) => {
            fail!(e);
            Vec::new()
        }
    };
    let const_base = next;
    let const_slots: Vec<(u64, Slot, bool)> = hoisted
        .iter()
        .enumerate()
        .map(|(i, &bits)| (bits, const_base + i as u32, false))
        .collect();
    let first_temp = match next.checked_add(hoisted.len() as u32) {
        Some(t) => t,
        None => {
            fail!(too_big());
            next
        }
    };

    // About one op per four bytes of body, so that most functions grow `ops` once or never.
    let mut local_refs = core::mem::take(&mut bufs.local_refs);
    local_refs.clear();
    local_refs.resize(locals.len(), 0);
    let mut t = Translator {
        module,
        ops: reused(core::mem::take(&mut bufs.ops), range.len() / 4 + 4),
        pool: Vec::new(),
        stack: reused(core::mem::take(&mut bufs.stack), 16),
        local_refs,
        locals,
        first_temp,
        max_cells: 0,
        ctrl: reused(core::mem::take(&mut bufs.ctrl), 8),
        last_result: None,
        const_index: const_index(&hoisted),
        const_slots,
        offsets: record_offsets.then(Vec::new),
        offset: range.start as u32,
        exn: Default::default(),
    };
    t.ctrl.push(Ctrl {
        kind: CtrlKind::Block,
        height: 0,
        base_slot: first_temp,
        params: Vec::new(),
        results: widths(ty.results()),
        start: 0,
        fixups: NO_FIXUP,
        else_fixup: None,
        unreachable: false,
        dead: false,
    });

    let mut fuel = fuel::FuelPoints::new(module.metering, &mut t);
    let mut reader = body.get_operators_reader().map_err(read_err)?;
    let mut visit = visit::Visit {
        t: &mut t,
        fuel: &mut fuel,
        metered: module.metering.any(),
        validator,
        offset: 0,
        failed: failed.take(),
    };
    while !reader.eof() {
        // One visit reads the operator, validates it (when validating) and translates it.
        // After the body's last `end` (or a translation error) only validation is left.
        let offset = reader.original_position() as usize;
        visit.offset = offset;
        visit.t.offset = offset as u32;
        match reader.visit_operator(&mut visit) {
            Ok(Ok(())) => {}
            Ok(Err(invalid)) => return Err(Failure::Invalid(invalid)),
            Err(e) => return Err(read_err(e)),
        }
        if !validating && (visit.failed.is_some() || visit.t.ctrl.is_empty()) {
            break;
        }
    }
    let failed = visit.failed;
    if validating {
        reader.finish().map_err(Failure::Invalid)?;
    }
    if let Some(e) = failed {
        return Err(Failure::Translate(e));
    }
    t.emit_handlers();
    fuel.finish(&mut t.ops);
    #[cfg(feature = "std")]
    coalesce::coalesce_copies(&mut t.ops, t.offsets.as_mut());

    let frame_size = first_temp
        .checked_add(t.max_cells)
        .and_then(|s| s.checked_add(2))
        .ok_or_else(|| Failure::Translate(too_big()))?;
    if super::isa::NARROW_FRAMES && frame_size > super::isa::MAX_NARROW_FRAME {
        return Err(Failure::Translate(ModuleError {
            offset: range.start,
            message: alloc::format!(
                "function frame of {frame_size} cells: this build (feature narrow-frames) runs \
                 at most 65,535"
            ),
        }));
    }
    let prologue: Vec<Op> = t
        .const_slots
        .iter()
        .filter(|c| c.2)
        .map(|&(bits, dst, _)| Op::Const { dst, bits })
        .collect();
    let mut offsets = t.offsets;
    // After the entry check, if there is one (no branch targets op 0 then).
    let at = module.metering.any() as usize;
    let num_results = ValType::cells_of(ty.results());
    let mut pool = t.pool;
    if offsets.is_none() {
        // The common case: fusion and the prologue folded into the encoding pass.
        match Compiled::assemble_fused(
            &t.ops,
            at,
            &prologue,
            fuse::add_and_branch,
            pool,
            num_params,
            const_base - num_params,
            num_results,
            frame_size,
        ) {
            Ok(code) => {
                if let Some(s) = scratch {
                    s.ops = t.ops;
                    s.stack = t.stack;
                    s.ctrl = t.ctrl;
                    s.locals = t.locals;
                    s.local_refs = t.local_refs;
                }
                return Ok((code, None));
            }
            Err(p) => pool = p,
        }
    }
    let mut ops = fuse::fuse_add_branches(t.ops, offsets.as_mut());
    if !prologue.is_empty() {
        let shift = prologue.len() as u32;
        for op in &mut ops {
            if let Some(target) = op.branch_target_mut() {
                *target += shift;
            }
        }
        if let Some(o) = &mut offsets {
            let n = prologue.len();
            o.splice(at..at, core::iter::repeat_n(range.start as u32, n));
        }
        ops.splice(at..at, prologue);
    }
    let code = Compiled::assemble(
        &ops,
        pool,
        num_params,
        // The hoisted constants' slots are not zeroed on entry: the prologue writes each
        // one that is used before anything reads it.
        const_base - num_params,
        num_results,
        frame_size,
    );
    Ok((code, offsets))
}

/// Most distinct constants hoisted out of loops per function.
const MAX_HOISTED: usize = 64;

/// Entries of `Translator::const_index`: twice `MAX_HOISTED`, so a probe ends soon.
const CONST_INDEX: usize = 2 * MAX_HOISTED;

/// The bucket where the index of `Translator::const_slots` starts looking for `bits`.
fn const_bucket(bits: u64) -> usize {
    (bits.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 57) as usize % CONST_INDEX
}

/// Where `bits` is in `slots`, by their index (see `const_index`).
fn const_lookup(index: &[u8], slots: &[(u64, Slot, bool)], bits: u64) -> Option<usize> {
    if index.is_empty() {
        return None;
    }
    let mut b = const_bucket(bits);
    // At most `MAX_HOISTED` of the `CONST_INDEX` entries are full: a probe meets an empty one.
    loop {
        let k = *index.get(b)? as usize;
        if k == 0 {
            return None;
        }
        if slots.get(k - 1).is_some_and(|c| c.0 == bits) {
            return Some(k - 1);
        }
        b = (b + 1) % CONST_INDEX;
    }
}

/// `Translator::const_index` for the (distinct) constants `hoisted`.
fn const_index(hoisted: &[u64]) -> Vec<u8> {
    if hoisted.is_empty() {
        return Vec::new();
    }
    let mut index = vec![0u8; CONST_INDEX];
    for (k, &bits) in hoisted.iter().take(MAX_HOISTED).enumerate() {
        let mut b = const_bucket(bits);
        while index[b] != 0 {
            b = (b + 1) % CONST_INDEX;
        }
        index[b] = k as u8 + 1;
    }
    index
}

/// The distinct constants that appear inside loops of `body` (first seen first): the raw
/// scanner's answer (`scan.rs`), or the wasmparser pass's for a body it does not read.
///
/// A build without the `simd`, `gc`, `threads` and `exceptions` features only accepts
/// operators the scanner reads, and a translated body is valid, so the scanner always
/// answers: its release build has no wasmparser pass (one instantiation less of wasmparser's
/// decoder: 3.7 KB of the firmware's flash). Should the scanner give up there anyway, no
/// constant is hoisted, which is still a correct translation.
fn loop_constants(body: &FunctionBody<'_>) -> Result<Vec<u64>, ModuleError> {
    let reader = body.get_binary_reader_for_operators()?;
    let ops = body
        .as_bytes()
        .get(reader.current_position()..)
        .unwrap_or(&[]);
    #[cfg(any(
        feature = "simd",
        feature = "gc",
        feature = "threads",
        feature = "exceptions"
    ))]
    let scanned = scan::loop_constants(ops, MAX_HOISTED);
    #[cfg(not(any(
        feature = "simd",
        feature = "gc",
        feature = "threads",
        feature = "exceptions"
    )))]
    let scanned = scan::loop_constants_full(ops, MAX_HOISTED);
    match scanned {
        Some(found) => {
            // Debug builds (the tests, the spec suites) check the scanner on every body.
            #[cfg(any(
                feature = "simd",
                feature = "gc",
                feature = "threads",
                feature = "exceptions",
                debug_assertions,
                test
            ))]
            debug_assert!(
                match loop_constants_wasmparser(body) {
                    Ok(slow) => slow == found,
                    // An invalid body: validation reports it.
                    Err(_) => true,
                },
                "the loop-constant scanner disagrees with the wasmparser pass"
            );
            Ok(found)
        }
        #[cfg(any(
            feature = "simd",
            feature = "gc",
            feature = "threads",
            feature = "exceptions"
        ))]
        None => loop_constants_wasmparser(body),
        #[cfg(not(any(
            feature = "simd",
            feature = "gc",
            feature = "threads",
            feature = "exceptions"
        )))]
        None => {
            #[cfg(any(debug_assertions, test))]
            debug_assert!(
                loop_constants_wasmparser(body).map_or(true, |v| v.is_empty()),
                "the loop-constant scanner gave up on a body of this build's operators"
            );
            Ok(Vec::new())
        }
    }
}

/// [`loop_constants`] by a wasmparser visit of every operator.
#[cfg(any(
    feature = "simd",
    feature = "gc",
    feature = "threads",
    feature = "exceptions",
    debug_assertions,
    test
))]
fn loop_constants_wasmparser(body: &FunctionBody<'_>) -> Result<Vec<u64>, ModuleError> {
    let mut v = LoopConstants {
        nesting: Vec::new(),
        loops: 0,
        found: Vec::new(),
    };
    let mut reader = body.get_operators_reader()?;
    // A visitor, not `read()`: no `Operator` is built for the operators this pass skips.
    while !reader.eof() && v.found.len() < MAX_HOISTED {
        reader.visit_operator(&mut v)?;
    }
    Ok(v.found)
}

/// The state of [`loop_constants`]' pass.
#[cfg(any(
    feature = "simd",
    feature = "gc",
    feature = "threads",
    feature = "exceptions",
    debug_assertions,
    test
))]
struct LoopConstants {
    /// For every open block, whether it is a loop.
    nesting: Vec<bool>,
    /// Open loops.
    loops: usize,
    found: Vec<u64>,
}

#[cfg(any(
    feature = "simd",
    feature = "gc",
    feature = "threads",
    feature = "exceptions",
    debug_assertions,
    test
))]
impl LoopConstants {
    fn constant(&mut self, bits: u64) {
        if self.loops > 0 && !self.found.contains(&bits) {
            self.found.push(bits);
        }
    }
}

/// `VisitOperator` methods for [`LoopConstants`]: blocks, loops, `if`, `end` and the scalar
/// constants are tracked; every other operator is skipped.
#[cfg(any(
    feature = "simd",
    feature = "gc",
    feature = "threads",
    feature = "exceptions",
    debug_assertions,
    test
))]
macro_rules! loop_constants_visit {
    ($( @$proposal:ident $op:ident $({ $($arg:ident: $argty:ty),* })? => $visit:ident ($($ann:tt)*))*) => {
        $( loop_constants_visit!(@one $visit $($($argty),*)?); )*
    };
    (@one visit_block $($t:ty),*) => {
        fn visit_block(&mut self, _: BlockType) { self.nesting.push(false) }
    };
    (@one visit_if $($t:ty),*) => {
        fn visit_if(&mut self, _: BlockType) { self.nesting.push(false) }
    };
    (@one visit_loop $($t:ty),*) => {
        fn visit_loop(&mut self, _: BlockType) {
            self.nesting.push(true);
            self.loops += 1;
        }
    };
    (@one visit_end $($t:ty),*) => {
        fn visit_end(&mut self) {
            if self.nesting.pop() == Some(true) {
                self.loops -= 1;
            }
        }
    };
    (@one visit_i32_const $($t:ty),*) => {
        fn visit_i32_const(&mut self, value: i32) { self.constant(value as u32 as u64) }
    };
    (@one visit_i64_const $($t:ty),*) => {
        fn visit_i64_const(&mut self, value: i64) { self.constant(value as u64) }
    };
    (@one visit_f32_const $($t:ty),*) => {
        fn visit_f32_const(&mut self, value: wasmparser::Ieee32) { self.constant(value.bits() as u64) }
    };
    (@one visit_f64_const $($t:ty),*) => {
        fn visit_f64_const(&mut self, value: wasmparser::Ieee64) { self.constant(value.bits()) }
    };
    (@one $visit:ident $($t:ty),*) => {
        fn $visit(&mut self $(, _: $t)*) {}
    };
}

#[cfg(any(
    feature = "simd",
    feature = "gc",
    feature = "threads",
    feature = "exceptions",
    debug_assertions,
    test
))]
impl<'a> wasmparser::VisitOperator<'a> for LoopConstants {
    type Output = ();

    #[cfg(feature = "simd")]
    fn simd_visitor(
        &mut self,
    ) -> Option<&mut dyn wasmparser::VisitSimdOperator<'a, Output = Self::Output>> {
        Some(self)
    }

    wasmparser::for_each_visit_operator!(loop_constants_visit);
}

#[cfg(feature = "simd")]
impl wasmparser::VisitSimdOperator<'_> for LoopConstants {
    wasmparser::for_each_visit_simd_operator!(loop_constants_visit);
}

impl Translator<'_> {
    fn height(&self) -> u32 {
        self.stack.len() as u32
    }

    /// The slot right above the top entry.
    fn top_slot(&self) -> Slot {
        self.stack
            .last()
            .map_or(self.first_temp, |e| e.slot + e.width())
    }

    fn emit(&mut self, op: Op) -> usize {
        self.ops.push(op);
        if let Some(o) = &mut self.offsets {
            o.push(self.offset);
        }
        self.last_result = None;
        self.ops.len() - 1
    }

    /// Replace op `at` with `op`, a fused form of it and the operator being translated (a
    /// load or store whose address add it absorbs: a trap is the load's or store's).
    fn fuse_into(&mut self, at: usize, op: Op) {
        self.ops[at] = op;
        self.fused_at(at);
    }

    /// Op `at` was just made a fused form of itself and the operator being translated, in
    /// place: its offset is now that operator's.
    fn fused_at(&mut self, at: usize) {
        if let Some(o) = &mut self.offsets {
            o[at] = self.offset;
        }
    }

    /// Emit an op whose result a following `local.set` may retarget.
    fn emit_result(&mut self, op: Op) {
        self.ops.push(op);
        if let Some(o) = &mut self.offsets {
            o.push(self.offset);
        }
        self.last_result = Some(self.ops.len() - 1);
    }

    fn pc(&self) -> u32 {
        self.ops.len() as u32
    }

    /// Make the jump at `at` a `br_table` entry.
    fn entry_at(&mut self, at: usize) {
        if let Some(Op::Br { target }) = self.ops.get(at).copied() {
            self.ops[at] = Op::BrEntry { target };
        }
    }

    // Only SIMD operators put constants in the pool.
    #[cfg_attr(not(feature = "simd"), allow(dead_code))]
    fn pool(&mut self, v: u128) -> u32 {
        self.pool.push(v);
        self.pool.len() as u32 - 1
    }

    fn push(&mut self, operand: Operand, wide: bool) -> Slot {
        if let Operand::Local(l) = operand {
            self.local_refs[l as usize] += 1;
        }
        let slot = self.top_slot();
        self.stack.push(Entry {
            operand,
            slot,
            wide,
        });
        self.max_cells = self.max_cells.max(slot + 1 + wide as u32 - self.first_temp);
        slot
    }

    /// Push a scalar temporary and return its slot.
    fn push_temp(&mut self) -> Slot {
        self.push(Operand::Temp, false)
    }

    /// Push a v128 temporary and return its slot.
    fn push_wide(&mut self) -> Slot {
        self.push(Operand::Temp, true)
    }

    fn pop(&mut self) -> Entry {
        // Validation guarantees the operand exists in reachable code.
        let e = self.stack.pop().unwrap_or(Entry {
            operand: Operand::Temp,
            slot: self.first_temp,
            wide: false,
        });
        if let Operand::Local(l) = e.operand {
            self.local_refs[l as usize] -= 1;
        }
        e
    }

    /// Pop an operand and return a slot holding its value.
    fn pop_slot(&mut self) -> Slot {
        let e = self.pop();
        self.entry_slot(e)
    }

    /// The index in `const_slots` of the hoisted constant `bits`, if it is one.
    fn hoisted(&self, bits: u64) -> Option<usize> {
        const_lookup(&self.const_index, &self.const_slots, bits)
    }

    fn entry_slot(&mut self, e: Entry) -> Slot {
        match e.operand {
            Operand::Temp => e.slot,
            Operand::Local(l) => self.locals[l as usize].0,
            Operand::Const(val) => {
                if let Some(k) = self.hoisted(val) {
                    let c = &mut self.const_slots[k];
                    c.2 = true;
                    return c.1;
                }
                self.emit(Op::Const {
                    dst: e.slot,
                    bits: val,
                });
                e.slot
            }
        }
    }

    fn copy(&mut self, dst: Slot, src: Slot, wide: bool) {
        if wide {
            self.emit(Op::Copy2 { dst, src });
        } else {
            self.emit(Op::Copy { dst, src });
        }
    }

    /// Make stack entry `pos` a `Temp` in its canonical slot.
    fn materialize(&mut self, pos: u32) {
        let e = self.stack[pos as usize];
        match e.operand {
            Operand::Temp => return,
            Operand::Local(l) => {
                self.local_refs[l as usize] -= 1;
                let src = self.locals[l as usize].0;
                self.copy(e.slot, src, e.wide);
            }
            Operand::Const(val) => {
                self.emit(Op::Const {
                    dst: e.slot,
                    bits: val,
                });
            }
        }
        self.stack[pos as usize].operand = Operand::Temp;
    }

    fn materialize_top(&mut self, n: u32) {
        let h = self.height();
        for pos in h - n..h {
            self.materialize(pos);
        }
    }

    fn materialize_all(&mut self) {
        self.materialize_top(self.height());
    }

    /// Move the top `types.len()` operands into the slots starting at `base`. With `dry`,
    /// only report whether any move is needed.
    fn copy_to(&mut self, base: Slot, types: &[bool], dry: bool) -> bool {
        let h = self.height() as usize;
        let n = types.len();
        let mut needed = false;
        let mut dst = base;
        for k in 0..n {
            let e = self.stack[h - n + k];
            let src = match e.operand {
                Operand::Temp if e.slot == dst => None,
                Operand::Temp => Some(e.slot),
                Operand::Local(l) => Some(self.locals[l as usize].0),
                Operand::Const(val) => {
                    needed = true;
                    if !dry {
                        self.emit(Op::Const { dst, bits: val });
                    }
                    None
                }
            };
            if let Some(src) = src {
                needed = true;
                if !dry {
                    self.copy(dst, src, e.wide);
                }
            }
            dst += e.width();
        }
        needed
    }

    fn label_index(&self, depth: u32) -> usize {
        self.ctrl.len() - 1 - depth as usize
    }

    /// Whether branching to label `depth` needs moves.
    fn branch_needs_copies(&mut self, depth: u32) -> bool {
        self.copy_to_label(depth, true)
    }

    /// [`Translator::copy_to`] the slots of label `depth` (its types are taken out of the
    /// frame for the while, not copied).
    fn copy_to_label(&mut self, depth: u32, dry: bool) -> bool {
        let idx = self.label_index(depth);
        let l = &mut self.ctrl[idx];
        let base = l.base_slot;
        let types = if l.kind == CtrlKind::Loop {
            core::mem::take(&mut l.params)
        } else {
            core::mem::take(&mut l.results)
        };
        let needed = self.copy_to(base, &types, dry);
        let l = &mut self.ctrl[idx];
        if l.kind == CtrlKind::Loop {
            l.params = types;
        } else {
            l.results = types;
        }
        needed
    }

    /// Emit a jump to the label `depth` levels out, assuming its values are in place.
    fn jump_to_label(&mut self, depth: u32) {
        let idx = self.label_index(depth);
        if self.ctrl[idx].kind == CtrlKind::Loop {
            let target = self.ctrl[idx].start;
            self.emit(Op::Br { target });
        } else {
            let at = self.emit(Op::Br { target: NO_FIXUP });
            self.add_fixup(idx, at);
        }
    }

    /// Make op `at` (a jump) jump to the end of control frame `idx`, once that is known.
    fn add_fixup(&mut self, idx: usize, at: usize) {
        let previous = core::mem::replace(&mut self.ctrl[idx].fixups, at as u32);
        self.patch(at, previous);
    }

    /// Emit the full branch (moves and jump) to label `depth`.
    fn branch(&mut self, depth: u32) {
        self.copy_to_label(depth, false);
        self.jump_to_label(depth);
    }

    fn set_unreachable(&mut self) {
        let height = self.ctrl.last().map_or(0, |c| c.height);
        while self.height() > height {
            self.pop();
        }
        if let Some(c) = self.ctrl.last_mut() {
            c.unreachable = true;
        }
        self.last_result = None;
    }

    fn patch(&mut self, at: usize, target: u32) {
        if let Some(t) = self.ops[at].branch_target_mut() {
            *t = target;
        }
    }

    /// Emit a conditional jump to `target` taken when the i32 `cond` is non-zero (`jump_if`)
    /// or zero. When `cond` is a temporary just computed by a comparison, the comparison and
    /// the jump fuse into one op. Returns the jump's index.
    fn cond_branch(&mut self, cond: Entry, jump_if: bool, target: u32) -> usize {
        if cond.operand == Operand::Temp {
            if let Some(at) = self.last_result.filter(|&at| at + 1 == self.ops.len()) {
                if fuse::cond_slot(&self.ops[at]) == Some(cond.slot) {
                    if let Some(op) = fuse::branch_on(self.ops[at], jump_if, target) {
                        self.ops[at] = op;
                        self.last_result = None;
                        return at;
                    }
                }
            }
        }
        let cond = self.entry_slot(cond);
        if jump_if {
            self.emit(Op::BrIfNez { cond, target })
        } else {
            self.emit(Op::BrIfEqz { cond, target })
        }
    }

    fn block_types(&self, ty: BlockType) -> (Vec<bool>, Vec<bool>) {
        match ty {
            BlockType::Empty => (Vec::new(), Vec::new()),
            BlockType::Type(t) => (
                Vec::new(),
                vec![ValType::from_wasmparser(t) == Some(ValType::V128)],
            ),
            BlockType::FuncType(idx) => {
                let ft = &self.module.types[idx as usize];
                (widths(ft.params()), widths(ft.results()))
            }
        }
    }

    fn push_ctrl(&mut self, kind: CtrlKind, ty: BlockType) {
        let (params, results) = self.block_types(ty);
        let height = self.height() - params.len() as u32;
        let base_slot = self
            .stack
            .get(height as usize)
            .map_or(self.top_slot(), |e| e.slot);
        self.ctrl.push(Ctrl {
            kind,
            height,
            base_slot,
            params,
            results,
            start: self.pc(),
            fixups: NO_FIXUP,
            else_fixup: None,
            unreachable: false,
            dead: false,
        });
    }

    fn push_dead_ctrl(&mut self) {
        self.ctrl.push(Ctrl {
            kind: CtrlKind::Block,
            height: self.height(),
            base_slot: self.top_slot(),
            params: Vec::new(),
            results: Vec::new(),
            start: 0,
            fixups: NO_FIXUP,
            else_fixup: None,
            unreachable: true,
            dead: true,
        });
    }

    fn local_set(&mut self, local: u32, tee: bool) {
        let v = self.pop();
        let (dst, wide) = self.locals[local as usize];
        if v.operand != Operand::Local(local) {
            if self.local_refs[local as usize] > 0 {
                for p in 0..self.height() {
                    if self.stack[p as usize].operand == Operand::Local(local) {
                        self.materialize(p);
                    }
                }
            }
            match v.operand {
                Operand::Temp => {
                    let retarget = self.last_result.filter(|&at| {
                        matches!(self.ops[at].result_slot_mut(), Some(slot) if *slot == v.slot)
                    });
                    match retarget.and_then(|at| self.ops[at].result_slot_mut()) {
                        Some(slot) => *slot = dst,
                        None => self.copy(dst, v.slot, wide),
                    }
                }
                Operand::Local(l) => {
                    let src = self.locals[l as usize].0;
                    self.copy(dst, src, wide);
                }
                Operand::Const(val) => {
                    self.emit(Op::Const { dst, bits: val });
                }
            }
        }
        self.last_result = None;
        if tee {
            self.push(Operand::Local(local), wide);
        }
    }

    /// Emit a call whose arguments are the top `params` entries; pushes `results`.
    fn call_with(&mut self, params: usize, results: &[ValType], make: impl FnOnce(Slot) -> Op) {
        self.materialize_top(params as u32);
        let base = self.height() as usize - params;
        let args = self.stack.get(base).map_or(self.top_slot(), |e| e.slot);
        for _ in 0..params {
            self.pop();
        }
        self.emit(make(args));
        for r in results {
            self.push(Operand::Temp, *r == ValType::V128);
        }
    }

    fn ret(&mut self) {
        let n = self.ctrl[0].results.len() as u32;
        let count = cells(&self.ctrl[0].results);
        if let Some(src) = self.local_result(n) {
            self.emit(Op::Return { src, count });
            return;
        }
        self.materialize_top(n);
        let first = self.height() as usize - n as usize;
        let src = self.stack.get(first).map_or(self.top_slot(), |e| e.slot);
        self.emit(Op::Return { src, count });
    }

    /// The local's slot when the only result, `n` = 1, is a `local.get` not yet copied: a
    /// return reads it there (not a copy into a temporary, then the temporary).
    fn local_result(&self, n: u32) -> Option<Slot> {
        match self.stack.last() {
            Some(Entry {
                operand: Operand::Local(l),
                ..
            }) if n == 1 => Some(self.locals[*l as usize].0),
            _ => None,
        }
    }

    fn end(&mut self) {
        let Some(c) = self.ctrl.pop() else { return };
        if c.dead {
            return;
        }
        // The function's end, reached only by falling through (no branch, no catch clause
        // lands there with a value): a `local.get` result is returned from the local.
        let direct =
            (self.ctrl.is_empty() && !c.unreachable && c.fixups == NO_FIXUP && !self.caught_to(0))
                .then(|| self.local_result(c.results.len() as u32))
                .flatten();
        if !c.unreachable && direct.is_none() {
            self.materialize_top(c.results.len() as u32);
        }
        let here = self.pc();
        if let Some(at) = c.else_fixup {
            self.patch(at, here);
        }
        // The chain of jumps to the end: each holds the next one's index as its target.
        let mut at = c.fixups;
        while at != NO_FIXUP {
            at = match self.ops[at as usize].branch_target_mut() {
                Some(t) => core::mem::replace(t, here),
                None => NO_FIXUP,
            };
        }
        self.exn_end(self.ctrl.len(), here);
        while self.height() > c.height {
            self.pop();
        }
        for &w in &c.results {
            self.push(Operand::Temp, w);
        }
        self.last_result = None;
        if self.ctrl.is_empty() {
            self.emit(Op::Return {
                src: direct.unwrap_or(self.first_temp),
                count: cells(&c.results),
            });
        }
    }

    fn else_(&mut self) {
        let Some(c) = self.ctrl.last() else { return };
        let (height, unreachable, nresults) = (c.height, c.unreachable, c.results.len() as u32);
        if !unreachable {
            self.materialize_top(nresults);
            let at = self.emit(Op::Br { target: NO_FIXUP });
            let idx = self.ctrl.len() - 1;
            self.add_fixup(idx, at);
        }
        let here = self.pc();
        let else_fixup = self.ctrl.last_mut().and_then(|c| c.else_fixup.take());
        if let Some(at) = else_fixup {
            self.patch(at, here);
        }
        while self.height() > height {
            self.pop();
        }
        let params = self
            .ctrl
            .last()
            .map(|c| c.params.clone())
            .unwrap_or_default();
        for w in params {
            self.push(Operand::Temp, w);
        }
        if let Some(c) = self.ctrl.last_mut() {
            c.kind = CtrlKind::Else;
            c.unreachable = false;
        }
        self.last_result = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hoisted_constants_index_finds_each_and_only_them() {
        // Many constants in few buckets (probing), a full set, and misses.
        let sets: [Vec<u64>; 3] = [
            (0..MAX_HOISTED as u64).collect(),
            (0..MAX_HOISTED as u64).map(|i| i << 57).collect(),
            vec![0, u64::MAX, 1 << 63, 0x3ff0_0000_0000_0000],
        ];
        for hoisted in sets {
            let slots: Vec<(u64, Slot, bool)> = hoisted
                .iter()
                .enumerate()
                .map(|(i, &b)| (b, 10 + i as u32, false))
                .collect();
            let index = const_index(&hoisted);
            assert_eq!(index.len(), CONST_INDEX);
            for (i, &b) in hoisted.iter().enumerate() {
                assert_eq!(const_lookup(&index, &slots, b), Some(i));
            }
            for miss in [7u64 << 40, 12345, u64::MAX - 1] {
                assert_eq!(
                    const_lookup(&index, &slots, miss),
                    hoisted.iter().position(|&b| b == miss)
                );
            }
        }
        assert!(const_index(&[]).is_empty());
        assert_eq!(const_lookup(&[], &[], 0), None);
    }
}
