//! wasm-smith modules restricted to what fayasm claims: WebAssembly 2.0 with SIMD, plus
//! tail calls, multi-memory, memory64 and extended constant expressions. No imports, small
//! memories and tables with a declared maximum (so growth is deterministic), NaNs canonicalised
//! after every float operation (wasm leaves NaN bits open), and a fuel global that makes every
//! loop and call terminate with a trap.
//!
//! # NaN canonicalisation covers every operation whose NaN bits the spec leaves open
//!
//! The spec fixes a NaN result's bits only for the bitwise operations (`abs`, `neg`,
//! `copysign`, `reinterpret`, loads, stores, constants, `select`, locals, globals, lane moves,
//! `pmin`/`pmax`, which return an operand); integer-to-float conversions never make a NaN.
//! Every other float-producing operation returns a NaN from the set `nans{..}`: a canonical NaN
//! of either sign when every NaN operand is canonical, else any arithmetic NaN (quiet bit set,
//! any payload, either sign). Those operations are exactly `add`, `sub`, `mul`, `div`, `sqrt`,
//! `min`, `max`, `ceil`, `floor`, `trunc`, `nearest`, `f32.demote_f64` and `f64.promote_f32`,
//! and their SIMD lane-wise forms (`f32x4.demote_f64x2_zero`, `f64x2.promote_low_f32x4`);
//! relaxed SIMD is off. wasm-smith's `canonicalize_nans` follows the first eleven with a
//! `select` against the canonical NaN, but not the demotions and promotions, so
//! [`canonicalize_conversions`] adds the same sequence after those four. Without it the
//! engines may legitimately disagree: fayasm demotes a NaN by keeping its sign and top payload
//! bits (`-nan:0x783fff` from the f64 `-nan:0xf07ffffffffff`), wasmtime (configured with NaN
//! canonicalisation) returns `+nan`; both are arithmetic NaNs, and an `i32.reinterpret_f32`
//! made the difference visible (the `differential-global` finding). The test
//! `every_nondeterministic_op_is_canonicalised` checks generated modules for this.

use arbitrary::{Result, Unstructured};
use wasm_encoder::reencode::Reencode;

/// Loop iterations plus function entries a module may run before it traps.
pub const FUEL: u32 = 1_000;

/// A generator configuration for the claimed feature set; some knobs come from `u`.
// A list of assignments reads as the knob list it is, and keeps the order in which `u` is
// consumed (which decides what every committed corpus input generates) obvious.
#[allow(clippy::field_reassign_with_default)]
pub fn config(u: &mut Unstructured<'_>) -> Result<wasm_smith::Config> {
    let mut c = wasm_smith::Config::default();
    c.max_imports = 0;
    c.min_imports = 0;
    c.exceptions_enabled = false;
    c.gc_enabled = false;
    c.threads_enabled = false;
    c.shared_everything_threads_enabled = false;
    c.relaxed_simd_enabled = false;
    c.wide_arithmetic_enabled = false;
    c.custom_page_sizes_enabled = false;
    c.custom_descriptors_enabled = false;
    c.compact_imports_enabled = false;
    c.simd_enabled = true;
    c.bulk_memory_enabled = true;
    c.reference_types_enabled = true;
    c.multi_value_enabled = true;
    c.saturating_float_to_int_enabled = true;
    c.sign_extension_ops_enabled = true;
    c.extended_const_enabled = u.arbitrary()?;
    c.tail_call_enabled = u.arbitrary()?;
    c.memory64_enabled = u.arbitrary()?;
    c.max_memories = u.int_in_range(1..=2)?;
    c.max_memory32_bytes = 4 << 16;
    c.max_memory64_bytes = 4 << 16;
    c.memory_max_size_required = true;
    c.max_tables = 2;
    c.max_table_elements = 64;
    c.table_max_size_required = true;
    c.max_funcs = 12;
    c.max_instructions = 120;
    c.max_globals = 12;
    c.max_exports = 24;
    c.max_data_segments = 6;
    c.max_element_segments = 6;
    c.max_elements = 16;
    c.max_types = 12;
    c.export_everything = true;
    c.canonicalize_nans = true;
    Ok(c)
}

/// A generated module with the fuel global added, as bytes.
pub fn module(u: &mut Unstructured<'_>) -> Result<Vec<u8>> {
    let config = config(u)?;
    generate(config, u)
}

/// As [`module`], with the proposals fayasm implements beyond its claimed default set on:
/// wide arithmetic, custom page sizes, exceptions (tags, `throw`, `throw_ref`, `try_table`),
/// GC (with typed function references: recursion groups, structs, arrays, `i31`, casts) and
/// threads (shared memories, atomics, `wait`/`notify`) — the `differential_proposals`
/// target; the others keep generating exactly what their committed inputs generated.
pub fn proposals_module(u: &mut Unstructured<'_>) -> Result<Vec<u8>> {
    let mut config = config(u)?;
    config.wide_arithmetic_enabled = true;
    config.custom_page_sizes_enabled = true;
    config.exceptions_enabled = true;
    config.gc_enabled = true;
    config.threads_enabled = true;
    config.max_tags = 4;
    generate(config, u)
}

fn generate(config: wasm_smith::Config, u: &mut Unstructured<'_>) -> Result<Vec<u8>> {
    let mut m = wasm_smith::Module::new(config, u)?;
    m.ensure_termination(FUEL)
        .map_err(|_| arbitrary::Error::IncorrectFormat)?;
    canonicalize_conversions(&m.to_bytes()).map_err(|_| arbitrary::Error::IncorrectFormat)
}

/// The float conversions whose NaN results the spec leaves open (see the module docs) and the
/// shape of their result.
fn conversion_result(op: &wasmparser::Operator<'_>) -> Option<Shape> {
    use wasmparser::Operator as O;
    match op {
        O::F32DemoteF64 => Some(Shape::F32),
        O::F64PromoteF32 => Some(Shape::F64),
        O::F32x4DemoteF64x2Zero => Some(Shape::F32x4),
        O::F64x2PromoteLowF32x4 => Some(Shape::F64x2),
        _ => None,
    }
}

#[derive(Clone, Copy)]
enum Shape {
    F32,
    F64,
    F32x4,
    F64x2,
}

const CANON_F32: u32 = 0x7fc0_0000;
const CANON_F64: u64 = 0x7ff8_0000_0000_0000;

/// `wasm` with every `memory.atomic.wait32`/`wait64`'s timeout replaced by 0 (`drop`,
/// `i64.const 0` before it: a store runs on one thread, so a wait whose value matches could
/// only time out, after up to 2^63 ns; with 0 both engines return 1 or 2 at once), and with
/// wasm-smith's NaN canonicalisation sequence (`local.tee t; const nan; local.get
/// t; local.get t; eq; select`) after every `f32.demote_f64`, `f64.promote_f32`,
/// `f32x4.demote_f64x2_zero` and `f64x2.promote_low_f32x4`; each function gets three scratch
/// locals (f32, f64, v128) after its own. Expects a module without imported functions (the
/// generator allows no imports).
pub fn canonicalize_conversions(wasm: &[u8]) -> std::result::Result<Vec<u8>, String> {
    // Parameter counts of the defined functions, to place the scratch locals.
    let mut types: Vec<u32> = Vec::new();
    let mut params: Vec<u32> = Vec::new();
    for payload in wasmparser::Parser::new(0).parse_all(wasm) {
        match payload.map_err(|e| e.to_string())? {
            wasmparser::Payload::TypeSection(r) => {
                for group in r {
                    for sub in group.map_err(|e| e.to_string())?.types() {
                        let n = match &sub.composite_type.inner {
                            wasmparser::CompositeInnerType::Func(f) => f.params().len() as u32,
                            _ => 0,
                        };
                        types.push(n);
                    }
                }
            }
            wasmparser::Payload::ImportSection(_) => {
                return Err("imports are not expected".into());
            }
            wasmparser::Payload::FunctionSection(r) => {
                for t in r {
                    let t = t.map_err(|e| e.to_string())?;
                    params.push(*types.get(t as usize).ok_or("bad type index")?);
                }
            }
            _ => {}
        }
    }
    let mut re = Canon { params, next: 0 };
    let mut out = wasm_encoder::Module::new();
    re.parse_core_module(&mut out, wasmparser::Parser::new(0), wasm)
        .map_err(|e| format!("{e:?}"))?;
    Ok(out.finish())
}

struct Canon {
    params: Vec<u32>,
    next: usize,
}

impl Reencode for Canon {
    type Error = String;

    fn parse_function_body(
        &mut self,
        code: &mut wasm_encoder::CodeSection,
        func: wasmparser::FunctionBody<'_>,
    ) -> std::result::Result<(), wasm_encoder::reencode::Error<String>> {
        let user = |m: &str| wasm_encoder::reencode::Error::UserError(m.to_string());
        let nparams = *self
            .params
            .get(self.next)
            .ok_or_else(|| user("more bodies than functions"))?;
        self.next += 1;
        let mut locals = Vec::new();
        let mut nlocals = nparams;
        for pair in func.get_locals_reader()? {
            let (n, ty) = pair?;
            nlocals = nlocals
                .checked_add(n)
                .ok_or_else(|| user("too many locals"))?;
            locals.push((n, self.val_type(ty)?));
        }
        let (t32, t64, t128) = (nlocals, nlocals + 1, nlocals + 2);
        locals.push((1, wasm_encoder::ValType::F32));
        locals.push((1, wasm_encoder::ValType::F64));
        locals.push((1, wasm_encoder::ValType::V128));
        let mut f = wasm_encoder::Function::new(locals);
        let mut reader = func.get_operators_reader()?;
        while !reader.eof() {
            let op = reader.read()?;
            if matches!(
                op,
                wasmparser::Operator::MemoryAtomicWait32 { .. }
                    | wasmparser::Operator::MemoryAtomicWait64 { .. }
            ) {
                f.instruction(&wasm_encoder::Instruction::Drop);
                f.instruction(&wasm_encoder::Instruction::I64Const(0));
            }
            let shape = conversion_result(&op);
            f.instruction(&self.instruction(op)?);
            let Some(shape) = shape else { continue };
            use wasm_encoder::Instruction as I;
            let (local, nan, eq, select) = match shape {
                Shape::F32 => (
                    t32,
                    I::F32Const(f32::from_bits(CANON_F32).into()),
                    I::F32Eq,
                    I::Select,
                ),
                Shape::F64 => (
                    t64,
                    I::F64Const(f64::from_bits(CANON_F64).into()),
                    I::F64Eq,
                    I::Select,
                ),
                Shape::F32x4 => {
                    let n = CANON_F32 as i128;
                    (
                        t128,
                        I::V128Const(n | n << 32 | n << 64 | n << 96),
                        I::F32x4Eq,
                        I::V128Bitselect,
                    )
                }
                Shape::F64x2 => {
                    let n = CANON_F64 as i128;
                    (
                        t128,
                        I::V128Const(n | n << 64),
                        I::F64x2Eq,
                        I::V128Bitselect,
                    )
                }
            };
            f.instruction(&I::LocalTee(local));
            f.instruction(&nan);
            f.instruction(&I::LocalGet(local));
            f.instruction(&I::LocalGet(local));
            f.instruction(&eq);
            f.instruction(&select);
        }
        code.function(&f);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasmparser::Operator as O;

    /// The operations whose NaN results the spec leaves open (module docs).
    fn nondeterministic(op: &O<'_>) -> bool {
        matches!(
            op,
            O::F32Add
                | O::F32Sub
                | O::F32Mul
                | O::F32Div
                | O::F32Sqrt
                | O::F32Min
                | O::F32Max
                | O::F32Ceil
                | O::F32Floor
                | O::F32Trunc
                | O::F32Nearest
                | O::F64Add
                | O::F64Sub
                | O::F64Mul
                | O::F64Div
                | O::F64Sqrt
                | O::F64Min
                | O::F64Max
                | O::F64Ceil
                | O::F64Floor
                | O::F64Trunc
                | O::F64Nearest
                | O::F32x4Add
                | O::F32x4Sub
                | O::F32x4Mul
                | O::F32x4Div
                | O::F32x4Sqrt
                | O::F32x4Min
                | O::F32x4Max
                | O::F32x4Ceil
                | O::F32x4Floor
                | O::F32x4Trunc
                | O::F32x4Nearest
                | O::F64x2Add
                | O::F64x2Sub
                | O::F64x2Mul
                | O::F64x2Div
                | O::F64x2Sqrt
                | O::F64x2Min
                | O::F64x2Max
                | O::F64x2Ceil
                | O::F64x2Floor
                | O::F64x2Trunc
                | O::F64x2Nearest
        ) || conversion_result(op).is_some()
    }

    fn bodies(wasm: &[u8]) -> Vec<Vec<O<'_>>> {
        wasmparser::Parser::new(0)
            .parse_all(wasm)
            .filter_map(|p| match p.unwrap() {
                wasmparser::Payload::CodeSectionEntry(b) => Some(
                    b.get_operators_reader()
                        .unwrap()
                        .into_iter()
                        .map(|o| o.unwrap())
                        .collect(),
                ),
                _ => None,
            })
            .collect()
    }

    /// A cheap deterministic byte stream of `len` bytes from `seed` (splitmix64).
    fn splitmix_bytes(seed: u64, len: usize) -> Vec<u8> {
        let mut x = seed;
        (0..len)
            .map(|_| {
                x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
                let mut z = x;
                z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
                z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
                (z ^ (z >> 31)) as u8
            })
            .collect()
    }

    /// In generated modules every NaN-nondeterministic operation is followed by the
    /// canonicalisation sequence, and the rewritten modules validate.
    #[test]
    fn every_nondeterministic_op_is_canonicalised() {
        let (mut seen, mut conversions) = (0usize, 0usize);
        for seed in 0u64..500 {
            let data = splitmix_bytes(seed, 4096);
            let Ok(wasm) = module(&mut Unstructured::new(&data)) else {
                continue;
            };
            wasmparser::Validator::new_with_features(wasmparser::WasmFeatures::all())
                .validate_all(&wasm)
                .expect("a rewritten module validates");
            for ops in bodies(&wasm) {
                for (i, op) in ops.iter().enumerate() {
                    if !nondeterministic(op) {
                        continue;
                    }
                    seen += 1;
                    conversions += usize::from(conversion_result(op).is_some());
                    assert!(
                        matches!(ops.get(i + 1), Some(O::LocalTee { .. }))
                            && matches!(
                                ops.get(i + 2),
                                Some(O::F32Const { .. } | O::F64Const { .. } | O::V128Const { .. })
                            ),
                        "{op:?} is not canonicalised"
                    );
                }
            }
        }
        assert!(
            seen > 100 && conversions > 10,
            "{seen} ops, {conversions} conversions"
        );
    }

    /// The committed seeds of `differential_proposals` generate modules that use both
    /// proposals (so the replay in `cargo test` runs them on both engines), and the modules
    /// validate.
    #[test]
    fn proposal_seeds_use_the_proposals() {
        let dir = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../corpus/differential_proposals"
        );
        let dir = std::path::Path::new(dir);
        // The replay crate's manifest is one level deeper than the fuzz crate's.
        let dir = if dir.is_dir() {
            dir.to_path_buf()
        } else {
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/differential_proposals")
        };
        let (mut modules, mut wide, mut small_pages) = (0, 0, 0);
        for entry in std::fs::read_dir(&dir).expect("the seeds") {
            let data = std::fs::read(entry.unwrap().path()).unwrap();
            let Ok(wasm) = proposals_module(&mut Unstructured::new(&data)) else {
                continue;
            };
            modules += 1;
            wasmparser::Validator::new_with_features(wasmparser::WasmFeatures::all())
                .validate_all(&wasm)
                .expect("a generated module validates");
            let uses_wide = bodies(&wasm).iter().flatten().any(|op| {
                matches!(
                    op,
                    O::I64Add128 | O::I64Sub128 | O::I64MulWideS | O::I64MulWideU
                )
            });
            let uses_small_pages = wasmparser::Parser::new(0).parse_all(&wasm).any(|p| {
                matches!(p, Ok(wasmparser::Payload::MemorySection(r))
                    if r.clone().into_iter().any(|m| m.is_ok_and(|m| m.page_size_log2 == Some(0))))
            });
            wide += usize::from(uses_wide);
            small_pages += usize::from(uses_small_pages);
        }
        assert!(
            modules > 0 && wide > 0 && small_pages > 0,
            "{modules} modules, {wide} with wide arithmetic, {small_pages} with 1-byte pages"
        );
    }

    /// `proposals_module` generates modules that use each proposal it turns on: over 300
    /// deterministic inputs, some module declares a struct or array type, uses `try_table` or
    /// `throw`, declares a shared memory or uses an atomic op, and all validate.
    #[test]
    fn proposal_modules_use_gc_exceptions_and_threads() {
        let (mut modules, mut gc, mut exn, mut threads) = (0, 0, 0, 0);
        for seed in 0u64..300 {
            let data = splitmix_bytes(seed ^ 0x18, 8192);
            let Ok(wasm) = proposals_module(&mut Unstructured::new(&data)) else {
                continue;
            };
            modules += 1;
            wasmparser::Validator::new_with_features(wasmparser::WasmFeatures::all())
                .validate_all(&wasm)
                .expect("a generated module validates");
            let mut uses = (false, false, false);
            for payload in wasmparser::Parser::new(0).parse_all(&wasm) {
                match payload.unwrap() {
                    wasmparser::Payload::TypeSection(r) => {
                        for group in r {
                            for sub in group.unwrap().types() {
                                uses.0 |= !matches!(
                                    sub.composite_type.inner,
                                    wasmparser::CompositeInnerType::Func(_)
                                );
                            }
                        }
                    }
                    wasmparser::Payload::MemorySection(r) => {
                        uses.2 |= r.into_iter().any(|m| m.is_ok_and(|m| m.shared));
                    }
                    _ => {}
                }
            }
            for op in bodies(&wasm).iter().flatten() {
                uses.1 |= matches!(op, O::TryTable { .. } | O::Throw { .. } | O::ThrowRef);
                uses.2 |= matches!(
                    op,
                    O::I32AtomicLoad { .. }
                        | O::I64AtomicLoad { .. }
                        | O::I32AtomicStore { .. }
                        | O::I64AtomicStore { .. }
                        | O::I32AtomicRmwAdd { .. }
                        | O::I64AtomicRmwAdd { .. }
                        | O::I32AtomicRmwCmpxchg { .. }
                        | O::MemoryAtomicNotify { .. }
                        | O::MemoryAtomicWait32 { .. }
                        | O::MemoryAtomicWait64 { .. }
                        | O::AtomicFence { .. }
                );
            }
            gc += usize::from(uses.0);
            exn += usize::from(uses.1);
            threads += usize::from(uses.2);
        }
        assert!(
            modules > 0 && gc > 0 && exn > 0 && threads > 0,
            "{modules} modules: {gc} with GC types, {exn} with exceptions, {threads} with threads"
        );
        eprintln!(
            "{modules} modules: {gc} with GC types, {exn} with exceptions, {threads} with threads"
        );
    }

    /// The `differential-global` finding, reduced: `f32.demote_f64` of the parameter is
    /// followed by `local.tee` of the new f32 scratch local (index 1, after the parameter).
    #[test]
    fn demote_is_canonicalised() {
        let wasm = wat::parse_str(
            r#"(module (func (export "f") (param f64) (result i32)
                 (i32.reinterpret_f32 (f32.demote_f64 (local.get 0)))))"#,
        )
        .unwrap();
        let out = canonicalize_conversions(&wasm).unwrap();
        let ops = &bodies(&out)[0];
        assert!(matches!(ops[1], O::F32DemoteF64));
        assert!(matches!(ops[2], O::LocalTee { local_index: 1 }));
        assert!(matches!(ops[7], O::Select));
        assert!(matches!(ops[8], O::I32ReinterpretF32));
    }
}
