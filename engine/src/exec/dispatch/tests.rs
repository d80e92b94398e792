//! The threaded backend really tail-calls: programs that run millions of ops (and one with a
//! long straight-line body) finish on a thread stack far smaller than one native frame per op
//! would need. Without sibling calls each op's handler would stay on the stack until the run
//! ends and these overflow it (the process aborts).

use alloc::format;
use alloc::string::String;

use crate::{Engine, Linker, Module, Store, Val};

/// Native stack for the runs: enough for the engine's entry, translation and one handler
/// chain; a run of N ops without tail calls needs N handler frames (16 bytes at the least).
const SMALL_STACK: usize = 256 * 1024;

fn run_on_small_stack(wat: String, export: &'static str, arg: i32) -> i32 {
    std::thread::Builder::new()
        .stack_size(SMALL_STACK)
        .spawn(move || {
            let engine = Engine::default();
            let bytes = wat::parse_str(&wat).expect("test module parses");
            let module = Module::new(&engine, &bytes).expect("module");
            let mut store = Store::new(&engine, ());
            let instance = Linker::new(&engine)
                .instantiate(&mut store, &module)
                .expect("instance");
            let f = instance.get_func(&store, export).expect("export");
            let mut out = [Val::I32(0)];
            f.call(&mut store, &[Val::I32(arg)], &mut out)
                .expect("call");
            match out[0] {
                Val::I32(v) => v,
                _ => panic!("i32 result"),
            }
        })
        .expect("thread")
        .join()
        .expect("the run finished on a small stack")
}

#[test]
fn backend_is_threaded_where_expected() {
    if cfg!(all(target_arch = "x86_64", not(feature = "dispatch-loop"))) {
        assert_eq!(super::BACKEND, "threaded");
    }
}

/// A loop of `n` iterations over most kinds of op: numeric, immediate and fused branch forms,
/// loads and stores, globals, `select`, `br_table`, direct, indirect and host-free calls.
#[test]
fn long_loop_runs_on_a_small_stack() {
    let wat = r#"
    (module
      (memory 1)
      (global $g (mut i32) (i32.const 0))
      (table 2 funcref)
      (elem (i32.const 0) $inc $dec)
      (type $t (func (param i32) (result i32)))
      (func $inc (type $t) (i32.add (local.get 0) (i32.const 1)))
      (func $dec (type $t) (i32.sub (local.get 0) (i32.const 1)))
      (func $leaf (param i32 i32) (result i32) (i32.xor (local.get 0) (local.get 1)))
      (func (export "run") (param $n i32) (result i32)
        (local $i i32) (local $acc i32) (local $f f64)
        (loop $top
          ;; numeric, with register and immediate operands
          (local.set $acc (i32.add (local.get $acc) (i32.mul (local.get $i) (i32.const 3))))
          (local.set $acc (i32.rotl (local.get $acc) (i32.and (local.get $i) (i32.const 7))))
          (local.set $f (f64.add (local.get $f) (f64.convert_i32_s (local.get $i))))
          ;; memory
          (i32.store offset=8 (i32.and (local.get $i) (i32.const 1020)) (local.get $acc))
          (local.set $acc (i32.add (local.get $acc)
            (i32.load8_u offset=8 (i32.and (local.get $i) (i32.const 1020)))))
          (drop (memory.size))
          ;; globals and select
          (global.set $g (select (local.get $acc) (global.get $g) (i32.and (local.get $i) (i32.const 1))))
          ;; calls
          (local.set $acc (call $leaf (local.get $acc) (global.get $g)))
          (local.set $acc (call_indirect (type $t) (local.get $acc)
            (i32.and (local.get $i) (i32.const 1))))
          ;; br_table
          (block $b2 (block $b1 (block $b0
            (br_table $b0 $b1 $b2 (i32.rem_u (local.get $i) (i32.const 3))))
            (local.set $acc (i32.add (local.get $acc) (i32.const 5))))
            (local.set $acc (i32.sub (local.get $acc) (i32.const 2))))
          ;; compare-and-branch (integer and float)
          (if (f64.lt (local.get $f) (f64.const 0)) (then (unreachable)))
          (br_if $top (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1)))
            (local.get $n))))
        (i32.add (local.get $acc) (i32.trunc_f64_s (f64.div (local.get $f) (f64.const 1e9)))))
    )"#;
    // About 40 ops per iteration: some 8 million ops.
    let n = 200_000;
    let got = run_on_small_stack(String::from(wat), "run", n);
    // The same computation on the loop backend would give the same value; here it is enough
    // that the run finished, and the result is deterministic.
    assert_eq!(got, run_on_small_stack(String::from(wat), "run", n));
}

/// One function whose body is a straight line of 60,000 ops.
#[test]
fn straight_line_function_runs_on_a_small_stack() {
    let mut body = String::new();
    for i in 0..30_000 {
        body.push_str(&format!(
            "(local.set 1 (i32.add (local.get 1) (i32.const {})))\n(local.set 1 (i32.xor (local.get 1) (local.get 0)))\n",
            i % 7
        ));
    }
    let wat = format!(
        "(module (func (export \"run\") (param i32) (result i32) (local i32)\n{body}(local.get 1)))"
    );
    let mut expect = 0i32;
    for i in 0..30_000 {
        expect = expect.wrapping_add(i % 7) ^ 5;
    }
    assert_eq!(run_on_small_stack(wat, "run", 5), expect);
}

/// A loop over the v128 ops with handlers of their own (loads and stores, lane arithmetic
/// in and out of the specialised set, shifts, splats, lane moves, constants, shuffles):
/// some 4 million ops.
#[cfg(feature = "simd")]
#[test]
fn simd_loop_runs_on_a_small_stack() {
    let wat = r#"
    (module
      (memory 1)
      (func (export "run") (param $n i32) (result i32)
        (local $i i32) (local $v v128) (local $w v128) (local $acc i32)
        (loop $top
          (local.set $v (v128.load offset=16 (i32.and (local.get $i) (i32.const 1008))))
          (local.set $w (i16x8.add (i16x8.mul (local.get $v) (i16x8.splat (local.get $i)))
            (v128.const i16x8 1 2 3 4 5 6 7 8)))
          (local.set $w (i32x4.add (i32x4.dot_i16x8_s (local.get $w) (local.get $v))
            (i16x8.extend_low_i8x16_u (local.get $v))))
          (local.set $w (i8x16.narrow_i16x8_u (i16x8.shr_u (local.get $w) (i32.const 3))
            (i8x16.swizzle (local.get $v) (local.get $w))))
          (local.set $w (v128.bitselect (local.get $w) (local.get $v)
            (i8x16.shuffle 0 17 2 19 4 21 6 23 8 25 10 27 12 29 14 31 (local.get $v) (local.get $w))))
          (local.set $w (i32x4.replace_lane 1 (local.get $w) (local.get $acc)))
          (v128.store offset=32 (i32.and (local.get $i) (i32.const 1008)) (local.get $w))
          (local.set $acc (i32.add (local.get $acc)
            (i32.add (i32x4.extract_lane 2 (local.get $w)) (v128.any_true (local.get $w)))))
          (br_if $top (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1)))
            (local.get $n))))
        (local.get $acc))
    )"#;
    let n = 200_000;
    let got = run_on_small_stack(String::from(wat), "run", n);
    assert_eq!(got, run_on_small_stack(String::from(wat), "run", n));
}

/// Calls of a function with more locals than the unrolled zeroing covers (they are zeroed
/// by a loop in the call's fast path): each call must see its locals zero.
#[test]
fn calls_with_many_locals_run_on_a_small_stack() {
    let mut locals = String::new();
    let mut sum = String::from("(local.get 0)");
    for i in 1..=40 {
        locals.push_str(" i32");
        sum = format!("(i32.add {sum} (local.get {i}))");
    }
    let wat = format!(
        r#"(module
          (func $many (param i32) (result i32) (local{locals})
            ;; every local must be zero on entry: the sum is the argument
            (local.set 40 (i32.add {sum} (i32.const 1)))
            (local.set 1 (local.get 40))
            (local.get 1))
          (func (export "run") (param $n i32) (result i32)
            (local $i i32) (local $acc i32)
            (loop $top
              (local.set $acc (call $many (local.get $acc)))
              (br_if $top (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1)))
                (local.get $n))))
            (local.get $acc)))"#
    );
    assert_eq!(run_on_small_stack(wat, "run", 300_000), 300_000);
}
