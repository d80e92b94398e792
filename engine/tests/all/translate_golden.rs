//! Golden tests of the translator: the printed microcode (what `fayasm inspect --microcode`
//! shows) of small functions that exercise each fusion and each operand form, pinned by
//! `insta` snapshots (`tests/all/snapshots/all__translate_golden__*.snap`; review changes with
//! `cargo insta review`, or rerun with `INSTA_UPDATE=always` and read the diff).

use fayasm::{Config, Engine, Linker, Module, Store};

/// The printed microcode of export `name` of the module `wat`.
fn microcode(wat: &str, name: &str) -> String {
    let engine = Engine::new(Config::default());
    let module = Module::new(&engine, wat::parse_str(wat).unwrap()).unwrap();
    let mut store = Store::new(&engine, ());
    let inst = Linker::new(&engine)
        .instantiate(&mut store, &module)
        .unwrap();
    let f = inst.get_func(&store, name).unwrap();
    let code = f.translate(&mut store).unwrap().unwrap();
    module.verify_microcode(&code).unwrap();
    code.to_string()
}

fn func(body: &str) -> String {
    microcode(
        &format!("(module (memory 1) (table 2 funcref) (global $g (mut i32) (i32.const 0)) (func $callee (param i32) (result i32) local.get 0) (func (export \"f\") {body}))"),
        "f",
    )
}

/// A constant right operand becomes an immediate (i32 and i64), and the result of the last op
/// is retargeted into the local a `local.set` names, instead of a copy.
#[test]
fn immediate_operands_and_local_set_retargeting() {
    insta::assert_snapshot!(func(
        "(param i32 i64) (result i64) (local i32)
         local.get 0 i32.const 7 i32.add local.set 2
         local.get 2 i32.const 3 i32.shl local.set 2
         local.get 1 i64.const -5 i64.mul
         local.get 2 i64.extend_i32_u i64.add"
    ));
}

/// A comparison whose only use is `br_if` becomes a compare-and-branch op, with a register or
/// an immediate right operand; `i32.eqz` + `br_if` becomes a branch on zero.
#[test]
fn compare_and_branch() {
    insta::assert_snapshot!(func(
        "(param i32 i32) (result i32)
         (block
           (loop
             local.get 0 local.get 1 i32.lt_s br_if 1
             local.get 0 i32.const 100 i32.ge_u br_if 1
             local.get 0 i32.eqz br_if 1
             local.get 0 i32.const 1 i32.sub local.set 0
             br 0))
         local.get 0"
    ));
}

/// `if` on a comparison branches to the `else` arm on the negated comparison (integers only:
/// a float comparison is not negated, because of NaN).
#[test]
fn if_on_comparisons() {
    insta::assert_snapshot!(func(
        "(param i32 f64 f64) (result i32)
         local.get 0 i32.const 5 i32.gt_s
         (if (result i32) (then i32.const 1) (else i32.const 2))
         local.get 1 local.get 2 f64.lt
         (if (result i32) (then i32.const 3) (else i32.const 4))
         i32.add"
    ));
}

/// A float comparison feeding `br_if` fuses (jump if true).
#[test]
fn float_compare_and_branch() {
    insta::assert_snapshot!(func(
        "(param f32 f32) (result i32)
         (block
           local.get 0 local.get 1 f32.le br_if 0
           local.get 0 local.get 1 f32.gt br_if 0)
         i32.const 0"
    ));
}

/// Loads and stores with offsets, `select`, globals, memory size and growth.
#[test]
fn memory_select_globals() {
    insta::assert_snapshot!(func(
        "(param i32 i32) (result i32)
         local.get 0 local.get 0 i32.load offset=16 i32.store8 offset=70000
         local.get 0 i64.load32_s offset=4 i32.wrap_i64
         local.get 1 global.get $g select
         global.set $g
         i32.const 1 memory.grow drop
         memory.size"
    ));
}

/// Calls (direct, indirect, tail), `br_table`, returns.
#[test]
fn calls_and_tables() {
    insta::assert_snapshot!(func(
        "(param i32) (result i32)
         (block (block (block
           local.get 0 br_table 0 1 2)
           local.get 0 call $callee return)
           local.get 0 i32.const 1 call_indirect (param i32) (result i32) return)
         local.get 0 return_call $callee"
    ));
}

/// Constants: scalars are materialised lazily and shared; a v128 constant lives in the pool.
#[test]
fn constants() {
    insta::assert_snapshot!(microcode(
        "(module (func (export \"f\") (result i64 f64 v128)
           i64.const 0x123456789abcdef0 f64.const 1.5 v128.const i32x4 1 2 3 4))",
        "f"
    ));
}

/// A frame past 65,535 cells (40,000 v128 locals take 80,000 cells): operands address slots
/// above 16 bits.
#[test]
fn large_frame() {
    let locals = " v128".repeat(40_000);
    insta::assert_snapshot!(microcode(
        &format!(
            "(module (func (export \"f\") (param i32) (result i32) (local{locals})
               local.get 40000 i32x4.extract_lane 1 local.get 0 i32.add))"
        ),
        "f"
    ));
}
