//! Builds one module per family (every instruction of the family applied to parameters, in a
//! few operand-aliasing variants), instantiates it once on fayasm and once on wasmtime through
//! the conformance crate's backends, and compares every call.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::fmt::{self, Write as _};
use std::time::Instant;

use fayasm_conformance::backend::{Backend, CallOutcome, InstanceId};
use fayasm_conformance::oracle::{OracleEngine, WasmtimeBackend};
use fayasm_conformance::subject::FayasmBackend;
use fayasm_conformance::suites::Features;
use fayasm_conformance::values::{check_ret, TrapKind, Value};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, RngAlgorithm, RngSeed, TestCaseError, TestRunner};
use wast::core::{NanPattern, V128Pattern, WastRetCore};
use wast::token::{F32, F64};
use wast::WastRet;

use super::gen;
use super::ops::{Kind, MemKind, NanRule, Op, Scalar, Shape, MEM_OFFSETS, MEM_SIZE};
use super::relaxed::{self, lane};

/// Both engines are configured as for the relaxed-SIMD suite (fayasm: Wasm 3.0 features;
/// wasmtime: relaxed SIMD on, `relaxed_simd_deterministic`).
const SUITE: &str = "proposals/relaxed-simd";

/// Cases per family: `FAYASM_SIMD_CASES`, default [`DEFAULT_CASES`].
pub const DEFAULT_CASES: u32 = 10_000;

pub fn cases() -> u32 {
    match std::env::var("FAYASM_SIMD_CASES") {
        Ok(s) => s
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("FAYASM_SIMD_CASES={s:?} is not a number")),
        Err(_) => DEFAULT_CASES,
    }
}

/// The base seed: `FAYASM_SIMD_SEED` (decimal or 0x-hex), default fixed so runs reproduce.
fn base_seed() -> u64 {
    match std::env::var("FAYASM_SIMD_SEED") {
        Ok(s) => {
            let s = s.trim();
            let r = match s.strip_prefix("0x") {
                Some(h) => u64::from_str_radix(h, 16),
                None => s.parse(),
            };
            r.unwrap_or_else(|_| panic!("FAYASM_SIMD_SEED={s:?} is not a number"))
        }
        Err(_) => 0xfa5a_51d0_2025_0001,
    }
}

/// A deterministic runner for one family: ChaCha seeded from the base seed and the family name.
pub fn runner(family: &str, cases: u32) -> TestRunner {
    let seed = family
        .bytes()
        .fold(base_seed() ^ 0xcbf2_9ce4_8422_2325, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
        });
    TestRunner::new(Config {
        cases,
        rng_algorithm: RngAlgorithm::ChaCha,
        rng_seed: RngSeed::Fixed(seed),
        failure_persistence: None,
        max_shrink_iters: 4096,
        ..Config::default()
    })
}

// ---------------------------------------------------------------------------------------------
// Engines.

/// What a call did, with traps reduced to their kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Out {
    Ret(Vec<Value>),
    Trap(TrapKind),
}

impl fmt::Display for Out {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Out::Ret(v) => write!(f, "{}", fayasm_conformance::values::show_values(v)),
            Out::Trap(k) => write!(f, "trap {k:?}"),
        }
    }
}

/// One module instantiated on both engines.
pub struct Engines {
    fay: FayasmBackend,
    fi: InstanceId,
    wt: WasmtimeBackend,
    wi: InstanceId,
}

impl Engines {
    pub fn new(wat: &str) -> Engines {
        let bytes = wat::parse_str(wat).unwrap_or_else(|e| panic!("test module: {e}"));
        let mut fay = FayasmBackend::new(&Default::default(), &Features::for_suite(SUITE)).unwrap();
        let fi = fay
            .instantiate(&bytes)
            .unwrap_or_else(|e| panic!("fayasm rejects the test module: {e}"));
        let engine = OracleEngine::for_suite(SUITE).unwrap();
        let mut wt = WasmtimeBackend::new(&engine).unwrap();
        let wi = wt
            .instantiate(&bytes)
            .unwrap_or_else(|e| panic!("wasmtime rejects the test module: {e}"));
        Engines { fay, fi, wt, wi }
    }

    /// Calls `func` on both engines.
    pub fn call(&mut self, func: &str, args: &[Value]) -> (Out, Out) {
        let conv = |r: Result<CallOutcome, String>, who: &str| match r {
            Ok(CallOutcome::Returned(v)) => Out::Ret(v),
            Ok(CallOutcome::Trapped(t)) => Out::Trap(t.kind),
            Err(e) => panic!("{who}: calling {func}: {e}"),
        };
        let f = conv(self.fay.invoke(self.fi, func, args), "fayasm");
        let w = conv(self.wt.invoke(self.wi, func, args), "wasmtime");
        (f, w)
    }

    /// Calls `func` on fayasm only.
    pub fn call_fayasm(&mut self, func: &str, args: &[Value]) -> Out {
        match self.fay.invoke(self.fi, func, args) {
            Ok(CallOutcome::Returned(v)) => Out::Ret(v),
            Ok(CallOutcome::Trapped(t)) => Out::Trap(t.kind),
            Err(e) => panic!("fayasm: calling {func}: {e}"),
        }
    }
}

/// Do both engines reject `bytes` at validation?
pub fn both_reject(bytes: &[u8]) -> (Result<(), String>, Result<(), String>) {
    let mut fay = FayasmBackend::new(&Default::default(), &Features::for_suite(SUITE)).unwrap();
    let engine = OracleEngine::for_suite(SUITE).unwrap();
    let mut wt = WasmtimeBackend::new(&engine).unwrap();
    (fay.compile(bytes), wt.compile(bytes))
}

// ---------------------------------------------------------------------------------------------
// The module.

/// Constant shift counts, for the `(i32.const c)` form of a shift.
pub const SHIFT_CONSTS: [i32; 14] = [0, 1, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, -1];

/// Immediates a family's module is built with (shuffle masks, constants).
#[derive(Debug, Clone, Default)]
pub struct Tables {
    pub masks: Vec<[u8; 16]>,
    pub consts: Vec<u128>,
}

impl Tables {
    /// Draws the tables from the family's runner, so they follow the seed too.
    pub fn draw(runner: &mut TestRunner, ops: &[Op], cases: u32) -> Tables {
        let n = (cases / 8).clamp(32, 512) as usize;
        let mut t = Tables::default();
        if ops.iter().any(|o| o.kind == Kind::Shuffle) {
            let s = gen::shuffle_mask();
            t.masks = (0..n)
                .map(|_| s.new_tree(runner).unwrap().current())
                .collect();
        }
        if ops.iter().any(|o| o.kind == Kind::Const) {
            let s = proptest::sample::select(Shape::ALL.to_vec()).prop_flat_map(gen::v128_for);
            t.consts = (0..n)
                .map(|_| s.new_tree(runner).unwrap().current())
                .collect();
        }
        t
    }
}

fn hex_bytes(v: u128) -> String {
    v.to_le_bytes()
        .iter()
        .map(|b| format!("0x{b:02x}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The export name of op `k` in `variant`.
pub fn func_name(k: usize, variant: &str) -> String {
    format!("f{k}_{variant}")
}

/// The variants (export suffixes) built for an op; `Case`s pick among them.
pub fn variants(op: &Op, t: &Tables) -> Vec<String> {
    let lanes = op.lane_count();
    match op.kind {
        Kind::Un => vec!["p".into(), "a0".into()],
        Kind::Bin => vec!["p".into(), "s".into(), "a0".into(), "a1".into()],
        Kind::Tern => vec!["p".into(), "a0".into(), "a2".into()],
        Kind::Shift => {
            let mut v = vec!["p".to_string(), "a0".into()];
            v.extend((0..SHIFT_CONSTS.len()).map(|j| format!("k{j}")));
            v
        }
        Kind::Test | Kind::Splat(_) => vec!["p".into()],
        Kind::Extract(_) => (0..lanes).map(|l| format!("l{l}")).collect(),
        Kind::Replace(_) => (0..lanes)
            .flat_map(|l| [format!("l{l}"), format!("l{l}a0")])
            .collect(),
        Kind::Shuffle => (0..t.masks.len())
            .flat_map(|j| [format!("m{j}"), format!("m{j}s")])
            .collect(),
        Kind::Const => (0..t.consts.len()).map(|j| format!("c{j}")).collect(),
        Kind::Mem(_) => (0..MEM_OFFSETS.len())
            .flat_map(|o| (0..lanes).map(move |l| format!("o{o}l{l}")))
            .collect(),
    }
}

/// One function of the module.
fn func_wat(k: usize, op: &Op, variant: &str, t: &Tables) -> String {
    let name = func_name(k, variant);
    let n = op.name;
    let (params, result, body): (String, String, String) = match op.kind {
        Kind::Un => {
            let e = format!("({n} (local.get 0))");
            ("v128".into(), "v128".into(), alias(variant, &e))
        }
        Kind::Bin => {
            if variant == "s" {
                (
                    "v128".into(),
                    "v128".into(),
                    format!("({n} (local.get 0) (local.get 0))"),
                )
            } else {
                let e = format!("({n} (local.get 0) (local.get 1))");
                ("v128 v128".into(), "v128".into(), alias(variant, &e))
            }
        }
        Kind::Tern => {
            let e = format!("({n} (local.get 0) (local.get 1) (local.get 2))");
            ("v128 v128 v128".into(), "v128".into(), alias(variant, &e))
        }
        Kind::Shift => {
            if let Some(j) = variant.strip_prefix('k') {
                let c = SHIFT_CONSTS[j.parse::<usize>().unwrap()];
                (
                    "v128".into(),
                    "v128".into(),
                    format!("({n} (local.get 0) (i32.const {c}))"),
                )
            } else {
                let e = format!("({n} (local.get 0) (local.get 1))");
                ("v128 i32".into(), "v128".into(), alias(variant, &e))
            }
        }
        Kind::Test => ("v128".into(), "i32".into(), format!("({n} (local.get 0))")),
        Kind::Splat(s) => (
            s.wat().into(),
            "v128".into(),
            format!("({n} (local.get 0))"),
        ),
        Kind::Extract(s) => {
            let l = &variant[1..];
            (
                "v128".into(),
                s.wat().into(),
                format!("({n} {l} (local.get 0))"),
            )
        }
        Kind::Replace(s) => {
            let (l, a) = match variant[1..].split_once('a') {
                Some((l, _)) => (l, "a0"),
                None => (&variant[1..], "p"),
            };
            let e = format!("({n} {l} (local.get 0) (local.get 1))");
            (format!("v128 {}", s.wat()), "v128".into(), alias(a, &e))
        }
        Kind::Shuffle => {
            let (j, same) = match variant[1..].strip_suffix('s') {
                Some(j) => (j, true),
                None => (&variant[1..], false),
            };
            let m = t.masks[j.parse::<usize>().unwrap()];
            let m: Vec<String> = m.iter().map(u8::to_string).collect();
            let second = if same { 0 } else { 1 };
            (
                "v128 v128".into(),
                "v128".into(),
                format!("({n} {} (local.get 0) (local.get {second}))", m.join(" ")),
            )
        }
        Kind::Const => {
            let c = t.consts[variant[1..].parse::<usize>().unwrap()];
            (
                String::new(),
                "v128".into(),
                format!("(v128.const i8x16 {})", hex_bytes(c)),
            )
        }
        Kind::Mem(m) => {
            let (o, l) = variant[1..].split_once('l').unwrap();
            let off = MEM_OFFSETS[o.parse::<usize>().unwrap()];
            match m {
                MemKind::Load { .. } => (
                    "i32".into(),
                    "v128".into(),
                    format!("({n} offset={off} (local.get 0))"),
                ),
                MemKind::Store => (
                    "i32 v128".into(),
                    String::new(),
                    format!("({n} offset={off} (local.get 0) (local.get 1))"),
                ),
                MemKind::LoadLane { .. } => (
                    "i32 v128".into(),
                    "v128".into(),
                    format!("({n} offset={off} {l} (local.get 0) (local.get 1))"),
                ),
                MemKind::StoreLane { .. } => (
                    "i32 v128".into(),
                    String::new(),
                    format!("({n} offset={off} {l} (local.get 0) (local.get 1))"),
                ),
            }
        }
    };
    let params = if params.is_empty() {
        String::new()
    } else {
        format!(" (param {params})")
    };
    let result = if result.is_empty() {
        String::new()
    } else {
        format!(" (result {result})")
    };
    format!("  (func (export \"{name}\"){params}{result}\n    {body})\n")
}

/// `e` as is (`p`), or with its result written over parameter `i` first (`ai`), so the
/// destination aliases an operand.
fn alias(variant: &str, e: &str) -> String {
    match variant.strip_prefix('a') {
        Some(i) => format!("(local.set {i} {e}) (local.get {i})"),
        None => e.to_string(),
    }
}

/// The module for a family: memory and the poke/peek helpers, then every op in every variant.
pub fn module_wat(ops: &[Op], t: &Tables) -> String {
    let mut m = String::from("(module\n  (memory 1)\n");
    m.push_str(
        "  (func (export \"poke\") (param i32 v128) (v128.store (local.get 0) (local.get 1)))\n",
    );
    m.push_str("  (func (export \"peek\") (param i32) (result v128) (v128.load (local.get 0)))\n");
    for (k, op) in ops.iter().enumerate() {
        for v in variants(op, t) {
            m.push_str(&func_wat(k, op, &v, t));
        }
    }
    m.push_str(")\n");
    m
}

// ---------------------------------------------------------------------------------------------
// Cases.

/// An immediate a case was built with.
#[derive(Clone, Copy, Debug)]
pub enum Imm {
    None,
    Lane(u32),
    Mask([u8; 16]),
    Const(u128),
    Mem { offset: u32, lane: u32 },
}

/// One generated case: an op, the export that runs it, its arguments and the operands the op
/// sees (arguments with a repeated operand or constant count filled in).
#[derive(Clone)]
pub struct Case {
    pub op: Op,
    pub func: String,
    pub args: Vec<Value>,
    pub inputs: Vec<Value>,
    pub imm: Imm,
    /// Memory families: 48 bytes written around the effective address before the op.
    pub fill: [u128; 3],
}

impl fmt::Debug for Case {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} [{}] operands (", self.op.name, self.func)?;
        for (i, v) in self.inputs.iter().enumerate() {
            if i > 0 {
                write!(f, ", ")?;
            }
            write!(f, "{}", show(v, self.op.in_shape()))?;
        }
        write!(f, ")")?;
        match self.imm {
            Imm::None => {}
            Imm::Lane(l) => write!(f, " lane {l}")?,
            Imm::Mask(m) => write!(f, " mask {m:?}")?,
            Imm::Const(c) => write!(f, " const {c:#034x}")?,
            Imm::Mem { offset, lane } => write!(
                f,
                " offset {offset} lane {lane} fill [{:#x} {:#x} {:#x}]",
                self.fill[0], self.fill[1], self.fill[2]
            )?,
        }
        Ok(())
    }
}

/// A value, `v128`s as lanes of `shape` in hex (lane 0 first).
pub fn show(v: &Value, shape: Shape) -> String {
    match *v {
        Value::V128(x) => format!("{}[{}]", shape.name(), hex_lanes(x, shape)),
        Value::I32(x) => format!("i32:{:#x}", x as u32),
        Value::I64(x) => format!("i64:{:#x}", x as u64),
        Value::F32(b) => format!("f32:{b:#010x}"),
        Value::F64(b) => format!("f64:{b:#018x}"),
        ref other => other.to_string(),
    }
}

pub fn hex_lanes(x: u128, shape: Shape) -> String {
    let bits = shape.bits();
    let w = (bits / 4) as usize;
    (0..shape.lanes() as usize)
        .map(|i| format!("{:0w$x}", lane(x, bits, i)))
        .collect::<Vec<_>>()
        .join(" ")
}

fn scalar_strategy(s: Scalar) -> BoxedStrategy<Value> {
    match s {
        Scalar::I32 => gen::i32_scalar().prop_map(Value::I32).boxed(),
        Scalar::I64 => gen::int_lane(64).prop_map(|x| Value::I64(x as i64)).boxed(),
        Scalar::F32 => gen::f32_lane().prop_map(|x| Value::F32(x as u32)).boxed(),
        Scalar::F64 => gen::f64_lane().prop_map(Value::F64).boxed(),
    }
}

fn v(x: u128) -> Value {
    Value::V128(x)
}

/// Operands for a binary op.
fn bin_operands(op: &Op) -> BoxedStrategy<(u128, u128)> {
    if op.name.contains("swizzle") {
        (gen::v128_for(Shape::I8x16), gen::swizzle_indices()).boxed()
    } else if op.name.contains("relaxed_dot") {
        (gen::dot_operand(), gen::dot_operand()).boxed()
    } else {
        gen::v128_pair(op.in_shape())
    }
}

/// Operands for a ternary op.
fn tern_operands(op: &Op) -> BoxedStrategy<(u128, u128, u128)> {
    let sh = op.in_shape();
    if op.name.contains("select") {
        let shape = if op.name.starts_with("v128") {
            proptest::sample::select(Shape::ALL.to_vec()).boxed()
        } else {
            Just(sh).boxed()
        };
        shape
            .prop_flat_map(|s| (gen::v128_for(s), gen::v128_for(s), gen::select_mask(s)))
            .boxed()
    } else if op.name.contains("madd") {
        let bits = sh.bits();
        let negate = !op.name.contains("nmadd");
        prop_oneof![
            3 => (gen::v128_for(sh), gen::v128_for(sh), gen::v128_for(sh)),
            // c = -(a * b) rounded (madd; nmadd: +(a * b)): the fused result is the rounding
            // error of the product, the unfused one zero.
            1 => (gen::v128_lanes(sh), gen::v128_lanes(sh)).prop_map(move |(a, b)| {
                let c = (0..128 / bits as usize).fold(0u128, |acc, i| {
                    let (x, y) = (lane(a, bits, i), lane(b, bits, i));
                    let p = if bits == 32 {
                        let p = f32::from_bits(x as u32) * f32::from_bits(y as u32);
                        u64::from(if negate { -p } else { p }.to_bits())
                    } else {
                        let p = f64::from_bits(x) * f64::from_bits(y);
                        if negate { -p } else { p }.to_bits()
                    };
                    acc | u128::from(p) << (bits as usize * i)
                });
                (a, b, c)
            }),
        ]
        .boxed()
    } else {
        // relaxed_dot_i8x16_i7x16_add_s
        (
            gen::dot_operand(),
            gen::dot_operand(),
            gen::v128_for(Shape::I32x4),
        )
            .boxed()
    }
}

fn test_operand(op: &Op) -> BoxedStrategy<u128> {
    let sh = op.out_shape();
    prop_oneof![
        3 => gen::select_mask(sh),
        2 => gen::v128_for(sh),
        1 => Just(0u128),
        1 => (0u32..128).prop_map(|i| 1u128 << i),
        1 => (0u32..128).prop_map(|i| !(1u128 << i)),
    ]
    .boxed()
}

/// The strategy for op `k` of a family.
pub fn case_strategy(k: usize, op: Op, t: &Tables) -> BoxedStrategy<Case> {
    let vars = variants(&op, t);
    let mk = move |variant: &str, args: Vec<Value>, inputs: Vec<Value>, imm: Imm| Case {
        op,
        func: func_name(k, variant),
        args,
        inputs,
        imm,
        fill: [0; 3],
    };
    match op.kind {
        Kind::Un => (gen::v128_for(op.in_shape()), proptest::sample::select(vars))
            .prop_map(move |(a, var)| mk(&var, vec![v(a)], vec![v(a)], Imm::None))
            .boxed(),
        Kind::Bin => (
            bin_operands(&op),
            prop_oneof![4 => Just("p"), 1 => Just("s"), 1 => Just("a0"), 1 => Just("a1")],
        )
            .prop_map(move |((a, b), var)| {
                if var == "s" {
                    mk(var, vec![v(a)], vec![v(a), v(a)], Imm::None)
                } else {
                    mk(var, vec![v(a), v(b)], vec![v(a), v(b)], Imm::None)
                }
            })
            .boxed(),
        Kind::Tern => (tern_operands(&op), proptest::sample::select(vars))
            .prop_map(move |((a, b, c), var)| {
                let args = vec![v(a), v(b), v(c)];
                mk(&var, args.clone(), args, Imm::None)
            })
            .boxed(),
        Kind::Shift => {
            let sh = op.out_shape();
            let dynamic = (
                gen::v128_for(sh),
                gen::shift_count(sh.bits()),
                prop_oneof![3 => Just("p"), 1 => Just("a0")],
            )
                .prop_map(move |(a, c, var)| {
                    let args = vec![v(a), Value::I32(c)];
                    mk(var, args.clone(), args, Imm::None)
                });
            // The count as an `i32.const` operand.
            let constant = (gen::v128_for(sh), 0..SHIFT_CONSTS.len()).prop_map(move |(a, j)| {
                let inputs = vec![v(a), Value::I32(SHIFT_CONSTS[j])];
                mk(&format!("k{j}"), vec![v(a)], inputs, Imm::None)
            });
            prop_oneof![3 => dynamic, 1 => constant].boxed()
        }
        Kind::Test => test_operand(&op)
            .prop_map(move |a| mk("p", vec![v(a)], vec![v(a)], Imm::None))
            .boxed(),
        Kind::Splat(s) => scalar_strategy(s)
            .prop_map(move |x| mk("p", vec![x], vec![x], Imm::None))
            .boxed(),
        Kind::Extract(_) => (gen::v128_for(op.out_shape()), 0..op.lane_count())
            .prop_map(move |(a, l)| mk(&format!("l{l}"), vec![v(a)], vec![v(a)], Imm::Lane(l)))
            .boxed(),
        Kind::Replace(s) => (
            gen::v128_for(op.out_shape()),
            scalar_strategy(s),
            0..op.lane_count(),
            any::<bool>(),
        )
            .prop_map(move |(a, x, l, al)| {
                let var = if al {
                    format!("l{l}a0")
                } else {
                    format!("l{l}")
                };
                mk(&var, vec![v(a), x], vec![v(a), x], Imm::Lane(l))
            })
            .boxed(),
        Kind::Shuffle => {
            let masks = t.masks.clone();
            (
                gen::v128_pair(Shape::I8x16),
                0..masks.len(),
                prop_oneof![4 => Just(false), 1 => Just(true)],
            )
                .prop_map(move |((a, b), j, same)| {
                    let imm = Imm::Mask(masks[j]);
                    if same {
                        mk(&format!("m{j}s"), vec![v(a), v(a)], vec![v(a), v(a)], imm)
                    } else {
                        mk(&format!("m{j}"), vec![v(a), v(b)], vec![v(a), v(b)], imm)
                    }
                })
                .boxed()
        }
        Kind::Const => {
            let consts = t.consts.clone();
            (0..consts.len())
                .prop_map(move |j| mk(&format!("c{j}"), vec![], vec![], Imm::Const(consts[j])))
                .boxed()
        }
        Kind::Mem(m) => {
            let bytes = m.access_bytes();
            let fill = prop::collection::vec(gen::v128_for(Shape::I8x16), 3);
            (0..MEM_OFFSETS.len(), 0..m.lanes())
                .prop_flat_map(move |(o, l)| {
                    (
                        Just((o, l)),
                        gen::address(bytes, MEM_OFFSETS[o]),
                        gen::v128_for(Shape::I8x16),
                        fill.clone(),
                    )
                })
                .prop_map(move |((o, l), addr, x, fill)| {
                    let args = match m {
                        MemKind::Load { .. } => vec![Value::I32(addr as i32)],
                        _ => vec![Value::I32(addr as i32), v(x)],
                    };
                    let mut c = mk(
                        &format!("o{o}l{l}"),
                        args.clone(),
                        args,
                        Imm::Mem {
                            offset: MEM_OFFSETS[o],
                            lane: l,
                        },
                    );
                    c.fill = [fill[0], fill[1], fill[2]];
                    c
                })
                .boxed()
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Comparison.

fn v128_of(o: &Out) -> Option<u128> {
    match o {
        Out::Ret(v) => match v.as_slice() {
            [Value::V128(x)] => Some(*x),
            _ => None,
        },
        Out::Trap(_) => None,
    }
}

fn input_v128s(inputs: &[Value]) -> Vec<u128> {
    inputs
        .iter()
        .filter_map(|x| match x {
            Value::V128(v) => Some(*v),
            _ => None,
        })
        .collect()
}

/// The class a NaN in result lane `lane_i` must have per the spec's NaN propagation rule.
fn nan_pattern_for(rule: NanRule, inputs: &[u128], lane_i: usize) -> relaxed::NanClass {
    let (in_bits, in_lane) = match rule {
        NanRule::Lanewise(s) => (s.bits(), lane_i),
        NanRule::Demote => (64, lane_i),
        NanRule::Promote => (32, lane_i),
    };
    let ls: Vec<u64> = inputs.iter().map(|&x| lane(x, in_bits, in_lane)).collect();
    relaxed::nan_class(in_bits, &ls)
}

/// The expectation a NaN-producing float op's result must meet: bit-equal to fayasm's lanes
/// where those are numbers, a NaN of the spec's class where fayasm's lane is a NaN. Both results
/// are checked against it with the harness's own `check_ret`.
fn nan_rule_pattern(rule: NanRule, inputs: &[u128], fay: u128) -> WastRet<'static> {
    let out_f32 = !matches!(rule, NanRule::Promote | NanRule::Lanewise(Shape::F64x2));
    let class = |i: usize| nan_pattern_for(rule, inputs, i);
    let pat = if out_f32 {
        V128Pattern::F32x4(std::array::from_fn(|i| {
            let b = lane(fay, 32, i) as u32;
            if f32::from_bits(b).is_nan() {
                match class(i) {
                    relaxed::NanClass::Canonical => NanPattern::CanonicalNan,
                    _ => NanPattern::ArithmeticNan,
                }
            } else {
                NanPattern::Value(F32 { bits: b })
            }
        }))
    } else {
        V128Pattern::F64x2(std::array::from_fn(|i| {
            let b = lane(fay, 64, i);
            if f64::from_bits(b).is_nan() {
                match class(i) {
                    relaxed::NanClass::Canonical => NanPattern::CanonicalNan,
                    _ => NanPattern::ArithmeticNan,
                }
            } else {
                NanPattern::Value(F64 { bits: b })
            }
        }))
    };
    WastRet::Core(WastRetCore::V128(pat))
}

/// Per-op counters.
#[derive(Debug, Default, Clone)]
pub struct OpStats {
    pub cases: u64,
    /// Memory ops: cases that trapped.
    pub traps: u64,
    /// Relaxed ops: cases where wasmtime's result is not fayasm's choice (alternative 0).
    pub differ: u64,
    /// Relaxed ops: which alternative wasmtime's result matched (first match) in those cases.
    pub wasmtime_alt: BTreeMap<&'static str, u64>,
}

#[derive(Debug, Default)]
pub struct Stats {
    pub ops: BTreeMap<&'static str, OpStats>,
    /// Mismatches seen in keep-going mode: op -> (count, first few messages).
    pub mismatches: BTreeMap<&'static str, (u64, Vec<String>)>,
}

/// Compares one call's results. `Ok` when they agree by the rules; relaxed ops are checked
/// against the allowed alternatives (fayasm: the deterministic one).
pub fn compare(case: &Case, fay: &Out, wt: &Out, st: &mut OpStats) -> Result<(), String> {
    let op = &case.op;
    let ctx = || format!("{case:?}");
    let inputs = input_v128s(&case.inputs);
    if op.is_relaxed() {
        let (Some(f), Some(w)) = (v128_of(fay), v128_of(wt)) else {
            return Err(format!("{}: fayasm {fay}, wasmtime {wt}", ctx()));
        };
        let alts = relaxed::alternatives(op.name, &inputs).unwrap();
        let sh = op.out_shape();
        if !alts[0].matches(f) {
            return Err(format!(
                "{}: fayasm gives {} but its documented choice ({}) is {:?}",
                ctx(),
                hex_lanes(f, sh),
                alts[0].name,
                alts[0].lanes
            ));
        }
        match alts.iter().position(|a| a.matches(w)) {
            // Agrees with fayasm's choice (NaN bits may still differ, as for any NaN result).
            Some(0) => Ok(()),
            Some(i) => {
                st.differ += 1;
                *st.wasmtime_alt.entry(alts[i].name).or_default() += 1;
                Ok(())
            }
            None => Err(format!(
                "{}: wasmtime's {} is none of the results the spec allows ({})",
                ctx(),
                hex_lanes(w, sh),
                alts.iter().map(|a| a.name).collect::<Vec<_>>().join(", ")
            )),
        }
    } else if let (Some(rule), Some(f), Some(_)) = (op.nan_rule(), v128_of(fay), v128_of(wt)) {
        let pat = nan_rule_pattern(rule, &inputs, f);
        let [Out::Ret(fv), Out::Ret(wv)] = [fay, wt] else {
            unreachable!()
        };
        let sh = op.out_shape();
        check_ret(&pat, &fv[0]).map_err(|e| {
            format!(
                "{}: fayasm {} breaks the NaN rule: {e}",
                ctx(),
                hex_lanes(v128_of(fay).unwrap(), sh)
            )
        })?;
        check_ret(&pat, &wv[0]).map_err(|_| {
            format!(
                "{}: fayasm {} vs wasmtime {}",
                ctx(),
                hex_lanes(v128_of(fay).unwrap(), sh),
                hex_lanes(v128_of(wt).unwrap(), sh)
            )
        })
    } else if fay == wt {
        Ok(())
    } else {
        let sh = op.out_shape();
        let show_out = |o: &Out| match o {
            Out::Ret(v) if v.len() == 1 => show(&v[0], sh),
            o => o.to_string(),
        };
        Err(format!(
            "{}: fayasm {} vs wasmtime {}",
            ctx(),
            show_out(fay),
            show_out(wt)
        ))
    }
}

/// Runs one case (memory cases: fill, op, read back) and compares.
pub fn run_case(eng: &mut Engines, case: &Case, st: &mut OpStats) -> Result<(), String> {
    st.cases += 1;
    let Kind::Mem(m) = case.op.kind else {
        let (f, w) = eng.call(&case.func, &case.args);
        return compare(case, &f, &w, st);
    };
    let Imm::Mem { offset, .. } = case.imm else {
        unreachable!()
    };
    let Value::I32(addr) = case.args[0] else {
        unreachable!()
    };
    let ea = u64::from(addr as u32) + u64::from(offset);
    let base = ea.saturating_sub(16).min(MEM_SIZE - 48);
    for (j, x) in case.fill.iter().enumerate() {
        let a = [Value::I32((base + 16 * j as u64) as i32), Value::V128(*x)];
        let (f, w) = eng.call("poke", &a);
        assert!(
            f == Out::Ret(vec![]) && w == Out::Ret(vec![]),
            "poke: {f} / {w}"
        );
    }
    let (f, w) = eng.call(&case.func, &case.args);
    let oob = ea + u64::from(m.access_bytes()) > MEM_SIZE;
    if oob {
        st.traps += 1;
    }
    if f != w {
        return Err(format!("{case:?} (ea {ea:#x}): fayasm {f} vs wasmtime {w}"));
    }
    if oob != (f == Out::Trap(TrapKind::MemoryOutOfBounds)) {
        return Err(format!(
            "{case:?} (ea {ea:#x}): both engines {f}, but the access is {}",
            if oob { "out of bounds" } else { "in bounds" }
        ));
    }
    if m.is_store() {
        for j in 0..3u64 {
            let a = [Value::I32((base + 16 * j) as i32)];
            let (f, w) = eng.call("peek", &a);
            if f != w {
                return Err(format!(
                    "{case:?} (ea {ea:#x}): memory at {:#x} after the store: fayasm {f} vs wasmtime {w}",
                    base + 16 * j
                ));
            }
        }
    }
    Ok(())
}

/// Runs a family: `FAYASM_SIMD_CASES` generated cases over its ops on one instance per engine.
/// With `FAYASM_SIMD_KEEP_GOING` set, every mismatch is collected (not shrunk) and reported at
/// the end instead of stopping at the first.
pub fn run_family(family: &str, ops: &[Op]) {
    let start = Instant::now();
    let cases = cases();
    let mut runner = runner(family, cases);
    let tables = Tables::draw(&mut runner, ops, cases);
    let eng = RefCell::new(Engines::new(&module_wat(ops, &tables)));
    let setup = start.elapsed();
    let strategies: Vec<BoxedStrategy<Case>> = ops
        .iter()
        .enumerate()
        .map(|(k, op)| case_strategy(k, *op, &tables))
        .collect();
    let n = strategies.len();
    let strategy = (0..n)
        .no_shrink()
        .prop_flat_map(move |k| strategies[k].clone());
    let keep_going = std::env::var_os("FAYASM_SIMD_KEEP_GOING").is_some();
    let stats = RefCell::new(Stats::default());
    let result = runner.run(&strategy, |case| {
        let mut stats = stats.borrow_mut();
        let st = stats.ops.entry(case.op.name).or_default();
        match run_case(&mut eng.borrow_mut(), &case, st) {
            Ok(()) => Ok(()),
            Err(e) if keep_going => {
                let (n, msgs) = stats.mismatches.entry(case.op.name).or_default();
                *n += 1;
                if msgs.len() < 3 {
                    msgs.push(e);
                }
                Ok(())
            }
            Err(e) => Err(TestCaseError::fail(e)),
        }
    });
    let stats = stats.into_inner();
    report(family, cases, start.elapsed(), setup, &stats);
    if let Err(e) = result {
        panic!("simd_{family}: {e}");
    }
    if !stats.mismatches.is_empty() {
        let mut s = String::new();
        for (op, (n, msgs)) in &stats.mismatches {
            let _ = writeln!(s, "{op}: {n} mismatching cases, e.g.");
            for m in msgs {
                let _ = writeln!(s, "    {m}");
            }
        }
        panic!("simd_{family}: fayasm and wasmtime disagree:\n{s}");
    }
}

fn report(
    family: &str,
    cases: u32,
    took: std::time::Duration,
    setup: std::time::Duration,
    st: &Stats,
) {
    let calls: u64 = st.ops.values().map(|o| o.cases).sum();
    let mut s = format!(
        "simd_{family}: {cases} cases ({calls} run incl. shrinking) over {} ops in {:.2?} (setup {:.2?})\n",
        st.ops.len(),
        took,
        setup
    );
    for (name, o) in &st.ops {
        let _ = write!(s, "    {name:<38} {:>6} cases", o.cases);
        if o.traps > 0 {
            let _ = write!(s, ", {} trapped", o.traps);
        }
        if o.differ > 0 {
            let alts: Vec<String> = o
                .wasmtime_alt
                .iter()
                .map(|(a, n)| format!("{a}: {n}"))
                .collect();
            let _ = write!(
                s,
                ", wasmtime differs (allowed) in {}: {}",
                o.differ,
                alts.join(", ")
            );
        }
        s.push('\n');
    }
    eprint!("{s}");
}
