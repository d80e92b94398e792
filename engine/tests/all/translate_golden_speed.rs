//! Golden tests of the translator's choices made for execution speed: a constant that needs a
//! wide immediate but has a hoisted loop slot is read from that slot, and the super-instructions
//! of `translate/fuse.rs` (`tests/all/snapshots/all__translate_golden_speed__*.snap`; review
//! changes with `cargo insta review`, or rerun with `INSTA_UPDATE=always` and read the diff).
//! Each test also runs its function, so a fused form is checked against the wasm semantics.

use fayasm::{Config, Engine, Linker, Module, Store, Val};

/// The printed microcode of export `f` of a module with body `body` (one page of memory),
/// and the i32 result of `f(args)`.
fn microcode_and_run(body: &str, args: &[Val]) -> (String, i32) {
    let wat = format!("(module (memory 1) (func (export \"f\") {body}))");
    let engine = Engine::new(Config::default());
    let module = Module::new(&engine, wat::parse_str(&wat).unwrap()).unwrap();
    let mut store = Store::new(&engine, ());
    let inst = Linker::new(&engine)
        .instantiate(&mut store, &module)
        .unwrap();
    let f = inst.get_func(&store, "f").unwrap();
    let code = f.translate(&mut store).unwrap().unwrap();
    module.verify_microcode(&code).unwrap();
    let mut out = [Val::I32(0)];
    f.call(&mut store, args, &mut out).unwrap();
    let Val::I32(v) = out[0] else {
        panic!("i32 result")
    };
    (code.to_string(), v)
}

/// `0xffff` and an address past 32,767 need a wide immediate (every operand two words). In a
/// loop the constants have hoisted slots, so the register forms read them there (narrow);
/// constants used only outside loops keep the wide immediate forms.
#[test]
fn wide_immediates_in_loops_read_hoisted_slots() {
    let (code, v) = microcode_and_run(
        "(param $n i32) (result i32) (local $i i32) (local $acc i32)
         (local.set $acc (i32.and (local.get $n) (i32.const 0xfff0)))
         (i32.store8 (i32.add (local.get $n) (i32.const 39996)) (local.get $n))
         (loop $l
           (local.set $acc (i32.add (local.get $acc)
             (i32.and (i32.mul (local.get $i) (i32.const 40503)) (i32.const 0xffff))))
           (local.set $acc (i32.add (local.get $acc)
             (i32.load8_u (i32.add (local.get $i) (i32.const 40000)))))
           (br_if $l (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1)))
             (local.get $n))))
         (local.get $acc)",
        &[Val::I32(7)],
    );
    insta::assert_snapshot!(code);
    // `n & 0xfff0` is 0; the byte stored at 40003 is loaded when `i` is 3.
    let mut acc = 7i32;
    for i in 0..7i32 {
        acc = acc.wrapping_add(i.wrapping_mul(40503) & 0xffff);
    }
    assert_eq!(v, acc);
}
