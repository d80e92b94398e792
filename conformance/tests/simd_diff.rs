//! Differential SIMD edge-case tests: fayasm against wasmtime, instruction by instruction.
//!
//! Every `0xFD` instruction (all of fayasm's `SimdUnOp`/`SimdBinOp`/`SimdTernOp`/`SimdShiftOp`/
//! `SimdTestOp`/`SimdSplatOp`/`SimdExtractOp`/`SimdReplaceOp`, `i8x16.shuffle`, `v128.const`,
//! and the memory instructions) is put into one module per family, applied to the function's
//! parameters (and in variants where an operand is repeated, the result overwrites an operand,
//! or a shift count is a constant). The module is instantiated once on each engine and called
//! with operands that proptest draws at the edges (see `simd_diff/gen.rs`).
//!
//! - Results are compared lane by lane, bit for bit. Where a float op may produce a NaN, a NaN
//!   lane must be a NaN on both engines, of the class the spec requires (canonical when every
//!   NaN operand in that lane is canonical, arithmetic otherwise) — checked with the harness's
//!   own `values::check_ret`.
//! - Relaxed instructions are checked against the set of results the spec allows
//!   (`simd_diff/relaxed.rs`): fayasm must give exactly its documented deterministic choice,
//!   wasmtime any allowed one. How often wasmtime legitimately differs is printed per op.
//! - Memory instructions run with every offset in `ops::MEM_OFFSETS` at addresses around the
//!   last valid one; traps must agree, and after a store the surrounding bytes must too.
//!
//! Run: `cargo test -p fayasm-conformance --test simd_diff` (or `cargo test -p
//! fayasm-conformance simd`). The seed is fixed; `FAYASM_SIMD_CASES=N` sets the cases per
//! family (default `harness::DEFAULT_CASES`), `FAYASM_SIMD_SEED` another seed, and
//! `FAYASM_SIMD_KEEP_GOING=1` collects every mismatch instead of stopping at (and shrinking)
//! the first. `-- --nocapture` shows per-op counts and timings.
//!
//! `simd_edge_case_table` snapshots fayasm's results on hand-picked edge cases per family
//! (`tests/snapshots/`); regenerate with `INSTA_UPDATE=always`.

#[path = "simd_diff/gen.rs"]
mod gen;
#[path = "simd_diff/harness.rs"]
mod harness;
#[path = "simd_diff/ops.rs"]
mod ops;
#[path = "simd_diff/relaxed.rs"]
mod relaxed;
#[path = "simd_diff/snapshot.rs"]
mod snapshot;

use ops::*;

macro_rules! family_tests {
    ($($test:ident => $ops:ident,)*) => {$(
        #[test]
        fn $test() {
            harness::run_family(&stringify!($test)["simd_".len()..], $ops);
        }
    )*};
}

family_tests! {
    simd_bitwise => BITWISE,
    simd_int_arith => INT_ARITH,
    simd_int_compare => INT_COMPARE,
    simd_widen_narrow => WIDEN_NARROW,
    simd_shift => SHIFT,
    simd_bitmask_all_true => BITMASK_ALL_TRUE,
    simd_float_arith => FLOAT_ARITH,
    simd_float_compare => FLOAT_COMPARE,
    simd_conversion => CONVERSION,
    simd_lanes => LANES,
    simd_shuffle_swizzle_const => SHUFFLE_SWIZZLE,
    simd_relaxed => RELAXED,
    simd_mem_load => MEM_LOAD,
    simd_mem_store_lane => MEM_STORE_LANE,
}

/// The families hold every instruction exactly once, as many of each signature as fayasm's op
/// enums have variants.
#[test]
fn simd_table_covers_every_op() {
    let all: Vec<&Op> = FAMILIES.iter().flat_map(|(_, ops)| ops.iter()).collect();
    let mut names: Vec<&str> = all.iter().map(|o| o.name).collect();
    names.sort_unstable();
    let n = names.len();
    names.dedup();
    assert_eq!(names.len(), n, "an instruction is listed twice");
    let count = |f: fn(&Kind) -> bool| all.iter().filter(|o| f(&o.kind)).count();
    assert_eq!(count(|k| *k == Kind::Un), 54, "SimdUnOp");
    assert_eq!(count(|k| *k == Kind::Bin), 127, "SimdBinOp");
    assert_eq!(count(|k| *k == Kind::Tern), 10, "SimdTernOp");
    assert_eq!(count(|k| *k == Kind::Shift), 12, "SimdShiftOp");
    assert_eq!(count(|k| *k == Kind::Test), 9, "SimdTestOp");
    assert_eq!(count(|k| matches!(k, Kind::Splat(_))), 6, "SimdSplatOp");
    assert_eq!(count(|k| matches!(k, Kind::Extract(_))), 8, "SimdExtractOp");
    assert_eq!(count(|k| matches!(k, Kind::Replace(_))), 6, "SimdReplaceOp");
    assert_eq!(count(|k| matches!(k, Kind::Mem(_))), 22, "memory");
    assert_eq!(count(|k| matches!(k, Kind::Shuffle | Kind::Const)), 2);
    // 236 SIMD + 20 relaxed-SIMD instructions.
    assert_eq!(n, 256);
}

/// Lane immediates past the last lane, and shuffle indices past 31, are rejected at validation
/// by both engines (every such value, for every instruction that has one).
#[test]
fn simd_invalid_lane_immediates_rejected() {
    let mut modules = Vec::new();
    for (_, ops) in FAMILIES {
        for op in ops.iter() {
            let lanes = op.lane_count();
            let (params, result, body): (&str, &str, fn(&str, u32) -> String) = match op.kind {
                Kind::Extract(s) => ("v128", s.wat(), |n, l| format!("({n} {l} (local.get 0))")),
                Kind::Replace(s) => (
                    match s {
                        Scalar::I32 => "v128 i32",
                        Scalar::I64 => "v128 i64",
                        Scalar::F32 => "v128 f32",
                        Scalar::F64 => "v128 f64",
                    },
                    "v128",
                    |n, l| format!("({n} {l} (local.get 0) (local.get 1))"),
                ),
                Kind::Mem(MemKind::LoadLane { .. }) => ("i32 v128", "v128", |n, l| {
                    format!("({n} {l} (local.get 0) (local.get 1))")
                }),
                Kind::Mem(MemKind::StoreLane { .. }) => ("i32 v128", "", |n, l| {
                    format!("({n} {l} (local.get 0) (local.get 1))")
                }),
                _ => continue,
            };
            for l in lanes..=255 {
                let result = if result.is_empty() {
                    String::new()
                } else {
                    format!("(result {result})")
                };
                modules.push((
                    format!("{} lane {l}", op.name),
                    format!(
                        "(module (memory 1) (func (param {params}) {result} {}))",
                        body(op.name, l)
                    ),
                ));
            }
        }
    }
    for pos in 0..16 {
        for bad in 32..=255u32 {
            let mask: Vec<String> = (0..16)
                .map(|i| {
                    if i == pos {
                        bad.to_string()
                    } else {
                        i.to_string()
                    }
                })
                .collect();
            modules.push((
                format!("i8x16.shuffle index {bad} at {pos}"),
                format!(
                    "(module (func (param v128 v128) (result v128) (i8x16.shuffle {} (local.get 0) (local.get 1))))",
                    mask.join(" ")
                ),
            ));
        }
    }
    let mut failures = Vec::new();
    for (what, wat) in &modules {
        let bytes = wat::parse_str(wat).unwrap_or_else(|e| panic!("{what}: {e}"));
        let (f, w) = harness::both_reject(&bytes);
        if f.is_ok() || w.is_ok() {
            failures.push(format!("{what}: fayasm {f:?}, wasmtime {w:?}"));
        }
    }
    assert!(failures.is_empty(), "accepted:\n{}", failures.join("\n"));
    eprintln!(
        "simd_invalid_lane_immediates_rejected: {} modules",
        modules.len()
    );
}

#[test]
fn simd_edge_case_table() {
    insta::assert_snapshot!("simd_edge_cases", snapshot::table());
}

/// The comparison has teeth: results that break the rules are caught.
#[test]
fn simd_comparison_rejects_bad_results() {
    use fayasm_conformance::values::Value::{I32, V128};
    use harness::{compare, Case, Imm, OpStats, Out};
    let find = |name: &str| {
        *FAMILIES
            .iter()
            .flat_map(|(_, ops)| ops.iter())
            .find(|o| o.name == name)
            .unwrap()
    };
    let case = |name: &str, inputs: Vec<fayasm_conformance::values::Value>| Case {
        op: find(name),
        func: String::new(),
        args: inputs.clone(),
        inputs,
        imm: Imm::None,
        fill: [0; 3],
    };
    let ret = |x: u128| Out::Ret(vec![V128(x)]);
    let check = |c: &Case, f: Out, w: Out| compare(c, &f, &w, &mut OpStats::default());
    let canon = 0x7fc0_0000u128;
    let one = 0x3f80_0000u128;

    // Integer lanes: bit for bit.
    let c = case("i8x16.add", vec![V128(1), V128(2)]);
    assert!(check(&c, ret(3), ret(3)).is_ok());
    assert!(check(&c, ret(3), ret(0x103)).is_err());
    // Traps against values, and scalar results.
    assert!(check(
        &c,
        ret(3),
        Out::Trap(fayasm_conformance::values::TrapKind::Other)
    )
    .is_err());
    let c = case("v128.any_true", vec![V128(1)]);
    assert!(check(&c, Out::Ret(vec![I32(1)]), Out::Ret(vec![I32(0)])).is_err());
    // NaN-producing float ops: any NaNs of the right class agree; a number does not.
    let c = case("f32x4.add", vec![V128(canon), V128(one)]);
    assert!(check(&c, ret(canon), ret(0xffc0_0000)).is_ok());
    assert!(
        check(&c, ret(canon), ret(0x7fc0_0001)).is_err(),
        "canonical NaN required"
    );
    assert!(
        check(&c, ret(0x7fc0_0001), ret(canon)).is_err(),
        "fayasm breaks the NaN rule"
    );
    assert!(check(&c, ret(canon), ret(one)).is_err());
    let c = case("f32x4.add", vec![V128(0x7f80_0001), V128(one)]);
    assert!(
        check(&c, ret(0x7fc0_0001), ret(0xffc0_0000)).is_ok(),
        "arithmetic NaN allowed"
    );
    assert!(
        check(&c, ret(0x7f80_0001), ret(0x7fc0_0001)).is_err(),
        "signalling NaN result"
    );
    // Bit-exact float ops keep NaN payloads.
    let c = case("f32x4.abs", vec![V128(0xff80_0001)]);
    assert!(check(&c, ret(0x7f80_0001), ret(0x7fc0_0001)).is_err());
    // Relaxed: fayasm must give its documented choice, wasmtime any allowed result.
    let x = 0x3f80_0800u128 * 0x0000_0001_0000_0001_0000_0001_0000_0001;
    let cc = 0xbf80_1000u128 * 0x0000_0001_0000_0001_0000_0001_0000_0001;
    let fused = 0x3380_0000u128 * 0x0000_0001_0000_0001_0000_0001_0000_0001;
    let c = case("f32x4.relaxed_madd", vec![V128(x), V128(x), V128(cc)]);
    assert!(check(&c, ret(0), ret(fused)).is_ok());
    assert!(
        check(&c, ret(fused), ret(fused)).is_err(),
        "fayasm documents unfused"
    );
    assert!(check(&c, ret(0), ret(1)).is_err(), "not an allowed result");
}
