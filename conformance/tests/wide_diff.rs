//! Differential property test of the wide-arithmetic proposal (`i64.add128`, `i64.sub128`,
//! `i64.mul_wide_s`, `i64.mul_wide_u`): fayasm against wasmtime and against a model in Rust's
//! `i128`/`u128`, on operands that proptest draws at the edges (0, ±1, the extremes, powers of
//! two and their neighbours, carries across the halves).
//!
//! One module holds every instruction in several translation shapes: operands straight from
//! parameters, the same local used twice, results written back over their own operands,
//! operands that are temporaries or constants, results fed into the next wide op, a loop (with
//! hoisted constants) and results above other live stack values. It is instantiated once per
//! engine configuration: wasmtime; fayasm plain; fayasm with every function translated up
//! front under a 4 KiB code budget, everything spilled before each call and memories paged;
//! fayasm with fuel, every call suspended every 3 units and resumed.
//!
//! Run: `cargo test -p fayasm-conformance --test wide_diff`. The seed is fixed;
//! `FAYASM_WIDE_CASES=N` sets the number of cases (default 3,000).

mod diff_engines;

use std::cell::RefCell;

use fayasm_conformance::backend::CallOutcome;
use fayasm_conformance::values::Value;
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, RngSeed, TestCaseError, TestRunner};

const SUITE: &str = "proposals/wide-arithmetic";

/// Constants the `*_const` functions use as operands.
const K: [i64; 4] = [-1, i64::MIN, i64::MAX, 0x1_0000_0001];

/// The module: every function takes four i64s (`a b c d`).
fn module() -> String {
    let k = K;
    format!(
        r#"(module
  (func (export "add128") (param i64 i64 i64 i64) (result i64 i64)
    (i64.add128 (local.get 0) (local.get 1) (local.get 2) (local.get 3)))
  (func (export "sub128") (param i64 i64 i64 i64) (result i64 i64)
    (i64.sub128 (local.get 0) (local.get 1) (local.get 2) (local.get 3)))
  (func (export "mul_s") (param i64 i64 i64 i64) (result i64 i64)
    (i64.mul_wide_s (local.get 0) (local.get 1)))
  (func (export "mul_u") (param i64 i64 i64 i64) (result i64 i64)
    (i64.mul_wide_u (local.get 0) (local.get 1)))
  ;; The same local on both sides.
  (func (export "add128_same") (param i64 i64 i64 i64) (result i64 i64)
    (i64.add128 (local.get 0) (local.get 1) (local.get 0) (local.get 1)))
  (func (export "sub128_same") (param i64 i64 i64 i64) (result i64 i64)
    (i64.sub128 (local.get 2) (local.get 3) (local.get 2) (local.get 3)))
  (func (export "mul_s_square") (param i64 i64 i64 i64) (result i64 i64)
    (i64.mul_wide_s (local.get 2) (local.get 2)))
  ;; Results written back over the locals they were computed from.
  (func (export "add128_overwrite") (param i64 i64 i64 i64) (result i64 i64)
    (i64.add128 (local.get 0) (local.get 1) (local.get 2) (local.get 3))
    (local.set 0)
    (local.set 1)
    (local.get 1)
    (local.get 0))
  (func (export "mul_u_overwrite") (param i64 i64 i64 i64) (result i64 i64)
    (i64.mul_wide_u (local.get 0) (local.get 1))
    (local.set 1)
    (local.set 0)
    (local.get 0)
    (local.get 1))
  ;; Operands that are temporaries (computed, so they sit in their own cells).
  (func (export "sub128_temps") (param i64 i64 i64 i64) (result i64 i64)
    (i64.sub128
      (i64.xor (local.get 0) (local.get 3))
      (i64.add (local.get 1) (i64.const 1))
      (i64.rotl (local.get 2) (i64.const 7))
      (i64.sub (local.get 3) (local.get 0))))
  ;; Constant operands (the constant's cell is where the result goes).
  (func (export "add128_const") (param i64 i64 i64 i64) (result i64 i64)
    (i64.add128 (i64.const {k0}) (local.get 1) (local.get 2) (i64.const {k1})))
  (func (export "sub128_const") (param i64 i64 i64 i64) (result i64 i64)
    (i64.sub128 (local.get 0) (i64.const {k2}) (i64.const {k3}) (local.get 3)))
  (func (export "mul_s_const") (param i64 i64 i64 i64) (result i64 i64)
    (i64.mul_wide_s (local.get 0) (i64.const {k1})))
  (func (export "mul_u_const") (param i64 i64 i64 i64) (result i64 i64)
    (i64.mul_wide_u (i64.const {k0}) (local.get 1)))
  ;; One wide op's results are the next one's operands.
  (func (export "mul_then_add") (param i64 i64 i64 i64) (result i64 i64)
    (i64.add128 (i64.mul_wide_u (local.get 0) (local.get 1)) (local.get 2) (local.get 3)))
  (func (export "chain") (param i64 i64 i64 i64) (result i64 i64)
    (i64.sub128
      (i64.mul_wide_s (local.get 0) (local.get 3))
      (i64.add128 (local.get 2) (local.get 1) (i64.mul_wide_u (local.get 1) (local.get 2)))))
  ;; Results above other live values, then used by a plain op.
  (func (export "under") (param i64 i64 i64 i64) (result i64 i64 i64 i64)
    (local.get 3)
    (i64.mul_wide_s (local.get 0) (local.get 1))
    (i64.xor (local.get 2))
    (local.get 0))
  ;; A loop: (lo, hi) += (a, b) * 1 + carry, (d & 7) + 1 times, with a constant inside.
  (func (export "loop") (param i64 i64 i64 i64) (result i64 i64)
    (local i64 i64)
    (local.set 3 (i64.add (i64.and (local.get 3) (i64.const 7)) (i64.const 1)))
    (loop $l
      (i64.add128 (local.get 4) (local.get 5) (local.get 0) (local.get 1))
      (local.set 5)
      (local.set 4)
      (i64.mul_wide_u (local.get 4) (i64.const 3))
      (local.set 1)
      (local.set 0)
      (br_if $l (i64.ne (local.tee 3 (i64.sub (local.get 3) (i64.const 1))) (i64.const 0))))
    (local.get 4)
    (local.get 5)))
"#,
        k0 = k[0],
        k1 = k[1],
        k2 = k[2],
        k3 = k[3],
    )
}

fn join(lo: i64, hi: i64) -> u128 {
    u128::from(lo as u64) | u128::from(hi as u64) << 64
}

fn split(v: u128) -> Vec<i64> {
    vec![v as u64 as i64, (v >> 64) as u64 as i64]
}

fn add(a: i64, b: i64, c: i64, d: i64) -> u128 {
    join(a, b).wrapping_add(join(c, d))
}

fn sub(a: i64, b: i64, c: i64, d: i64) -> u128 {
    join(a, b).wrapping_sub(join(c, d))
}

fn mul_s(a: i64, b: i64) -> u128 {
    (i128::from(a) * i128::from(b)) as u128
}

fn mul_u(a: i64, b: i64) -> u128 {
    u128::from(a as u64) * u128::from(b as u64)
}

/// What each function must return, from the Rust model.
fn model(name: &str, [a, b, c, d]: [i64; 4]) -> Vec<i64> {
    match name {
        "add128" => split(add(a, b, c, d)),
        "sub128" => split(sub(a, b, c, d)),
        "mul_s" => split(mul_s(a, b)),
        "mul_u" => split(mul_u(a, b)),
        "add128_same" => split(add(a, b, a, b)),
        "sub128_same" => split(sub(c, d, c, d)),
        "mul_s_square" => split(mul_s(c, c)),
        "add128_overwrite" => split(add(a, b, c, d)),
        "mul_u_overwrite" => split(mul_u(a, b)),
        "sub128_temps" => split(sub(
            a ^ d,
            b.wrapping_add(1),
            c.rotate_left(7),
            d.wrapping_sub(a),
        )),
        "add128_const" => split(add(K[0], b, c, K[1])),
        "sub128_const" => split(sub(a, K[2], K[3], d)),
        "mul_s_const" => split(mul_s(a, K[1])),
        "mul_u_const" => split(mul_u(K[0], b)),
        "mul_then_add" => {
            let p = split(mul_u(a, b));
            split(add(p[0], p[1], c, d))
        }
        "chain" => {
            let x = split(mul_s(a, d));
            let y = split(mul_u(b, c));
            let z = split(add(c, b, y[0], y[1]));
            split(sub(x[0], x[1], z[0], z[1]))
        }
        "under" => {
            let p = split(mul_s(a, b));
            vec![d, p[0], p[1] ^ c, a]
        }
        "loop" => {
            let (mut x, mut y) = (a, b);
            let (mut lo, mut hi) = (0i64, 0i64);
            for _ in 0..(d & 7) + 1 {
                let s = split(add(lo, hi, x, y));
                (lo, hi) = (s[0], s[1]);
                let p = split(mul_u(lo, 3));
                (x, y) = (p[0], p[1]);
            }
            vec![lo, hi]
        }
        other => panic!("no model for {other}"),
    }
}

const FUNCS: &[&str] = &[
    "add128",
    "sub128",
    "mul_s",
    "mul_u",
    "add128_same",
    "sub128_same",
    "mul_s_square",
    "add128_overwrite",
    "mul_u_overwrite",
    "sub128_temps",
    "add128_const",
    "sub128_const",
    "mul_s_const",
    "mul_u_const",
    "mul_then_add",
    "chain",
    "under",
    "loop",
];

/// An i64 aimed at the edges of 64- and 128-bit arithmetic.
fn edge_i64() -> impl Strategy<Value = i64> {
    prop_oneof![
        3 => prop::sample::select(vec![
            0,
            1,
            -1,
            2,
            -2,
            i64::MIN,
            i64::MAX,
            i64::MIN + 1,
            i64::MAX - 1,
            u32::MAX as i64,
            1 << 32,
            -(1 << 32),
            0x5555_5555_5555_5555,
            -0x5555_5555_5555_5556,
        ]),
        2 => (0u32..64, -1i64..=1).prop_map(|(k, d)| (1i64 << k).wrapping_add(d)),
        2 => (0u32..64, -1i64..=1).prop_map(|(k, d)| (1i64 << k).wrapping_neg().wrapping_add(d)),
        3 => any::<i64>(),
    ]
}

fn cases() -> u32 {
    std::env::var("FAYASM_WIDE_CASES")
        .ok()
        .map(|s| s.trim().parse().expect("FAYASM_WIDE_CASES is a number"))
        .unwrap_or(3_000)
}

#[test]
fn wide_arithmetic_matches_wasmtime_and_model() {
    let wasm = wat::parse_str(module()).expect("the test module assembles");
    // `TestRunner::run` takes an `Fn`; the stores change on every call.
    let engines = RefCell::new(diff_engines::engines(SUITE, &wasm));
    let seed = 0xfa5a_31de_2026_0018u64;
    let mut runner = TestRunner::new(Config {
        cases: cases(),
        rng_algorithm: RngAlgorithm::ChaCha,
        rng_seed: RngSeed::Fixed(seed),
        failure_persistence: None,
        max_shrink_iters: 4096,
        ..Config::default()
    });
    let strategy = [edge_i64(), edge_i64(), edge_i64(), edge_i64()];
    runner
        .run(&strategy, |args| {
            let vals: Vec<Value> = args.iter().map(|&v| Value::I64(v)).collect();
            for &f in FUNCS {
                let want: Vec<Value> = model(f, args).into_iter().map(Value::I64).collect();
                for (name, b, id) in engines.borrow_mut().iter_mut() {
                    let got = b.invoke(*id, f, &vals);
                    let ok = matches!(&got, Ok(CallOutcome::Returned(v)) if *v == want);
                    if !ok {
                        return Err(TestCaseError::fail(format!(
                            "{f}{args:?}: {name} gave {got:?}, the model {want:?}"
                        )));
                    }
                }
            }
            Ok(())
        })
        .unwrap();
}

/// Hand-picked cases with known answers (carries and borrows across the halves, the
/// extremes of the products).
#[test]
fn wide_arithmetic_known_answers() {
    let m = i64::MIN;
    let cases: &[(&str, [i64; 4], [i64; 2])] = &[
        ("add128", [-1, 0, 1, 0], [0, 1]),
        ("add128", [-1, -1, 1, 0], [0, 0]),
        ("add128", [-1, i64::MAX, 1, 0], [0, m]),
        ("sub128", [0, 0, 1, 0], [-1, -1]),
        ("sub128", [0, 1, 1, 0], [-1, 0]),
        ("sub128", [0, m, 1, 0], [-1, i64::MAX]),
        ("mul_s", [m, m, 0, 0], [0, 1 << 62]),
        ("mul_s", [m, -1, 0, 0], [m, 0]),
        ("mul_s", [-1, -1, 0, 0], [1, 0]),
        ("mul_s", [-1, 1, 0, 0], [-1, -1]),
        ("mul_u", [-1, -1, 0, 0], [1, -2]),
        ("mul_u", [m, 2, 0, 0], [0, 1]),
    ];
    let wasm = wat::parse_str(module()).expect("the test module assembles");
    let mut engines = diff_engines::engines(SUITE, &wasm);
    for &(f, args, want) in cases {
        assert_eq!(model(f, args), want.to_vec(), "model of {f}{args:?}");
        let vals: Vec<Value> = args.iter().map(|&v| Value::I64(v)).collect();
        let want: Vec<Value> = want.iter().map(|&v| Value::I64(v)).collect();
        for (name, b, id) in engines.iter_mut() {
            match b.invoke(*id, f, &vals) {
                Ok(CallOutcome::Returned(v)) => assert_eq!(v, want, "{name}: {f}{args:?}"),
                other => panic!("{name}: {f}{args:?}: {other:?}"),
            }
        }
    }
}
