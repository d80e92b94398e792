//! Golden tests of the translator's choices made for execution speed: a constant that needs a
//! wide immediate but has a hoisted loop slot is read from that slot, and the super-instructions
//! of `translate/fuse.rs` (`tests/all/snapshots/all__translate_golden_speed__*.snap`; review
//! changes with `cargo insta review`, or rerun with `INSTA_UPDATE=always` and read the diff).
//! Each test also runs its function, so a fused form is checked against the wasm semantics.

use fayasm::{Config, Engine, Module, Val};

fn microcode_and_run(body: &str, args: &[Val]) -> (String, i32) {
    crate::support::microcode_and_run("(memory 1)", body, args)
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

/// The module of [`microcode_and_run`], for tests that edit the microcode.
fn module_and_code(body: &str) -> (Module, fayasm::microcode::Compiled) {
    let wat = format!("(module (memory 1) (func (export \"f\") {body}))");
    let engine = Engine::new(Config::default());
    let module = Module::new(&engine, wat::parse_str(&wat).unwrap()).unwrap();
    let code = module.translate_function(0).unwrap().unwrap();
    (module, code)
}

/// A dot product and a float multiply-add: common pairs become chained ops (the first op
/// renamed `FirstThenSecond`, the second left in place), a chain never starting on the
/// second op of another; the second may be a branch (the loop's exit test) and the first
/// may be wide.
#[test]
fn common_pairs_are_chained() {
    let body = "(param $n i32) (result i32) (local $i i32) (local $acc i32) (local $x f64)
         (local $p i32)
         (local.set $p (i32.add (local.get $n) (i32.const 40000)))
         (local.set $p (i32.add (local.get $p) (i32.const 3)))
         (block $exit (loop $l
           (local.set $i (i32.add (local.get $i) (i32.const 1)))
           (br_if $exit (i32.gt_u (local.get $i) (i32.const 10)))
           (local.set $acc (i32.add (local.get $acc)
             (i32.mul (local.get $i) (local.get $n))))
           (local.set $x (f64.add (f64.mul (local.get $x) (f64.const 0.5))
             (f64.convert_i32_s (local.get $i))))
           (br $l)))
         (i32.add (i32.add (local.get $acc) (i32.trunc_f64_s (local.get $x)))
           (local.get $p))";
    let (code, v) = microcode_and_run(body, &[Val::I32(7)]);
    insta::assert_snapshot!(code);
    let (mut acc, mut x) = (0i32, 0f64);
    for i in 1..=10 {
        acc += i * 7;
        x = x * 0.5 + i as f64;
    }
    assert_eq!(v, acc + x as i32 + 40010);
}

/// The verifier rejects a chained op that is not followed by its second op (another op, the
/// second op's wide form, or nothing): the interpreter runs that op without looking.
#[test]
fn a_chained_op_without_its_second_op_is_rejected() {
    use fayasm::microcode::Op;
    let (module, code) = module_and_code(
        "(param $n i32) (result i32)
         (i32.add (i32.mul (local.get $n) (local.get $n)) (local.get $n))",
    );
    module.verify_microcode(&code).unwrap();
    let ops = code.decode_ops().unwrap();
    let at = ops
        .iter()
        .position(|op| matches!(op, Op::I32MulThenI32Add { .. }))
        .expect("a chained multiply-add");
    let Op::I32Add { dst, lhs, rhs } = ops[at + 1] else {
        panic!("not followed by its add: {:?}", ops[at + 1])
    };
    let rejected = |ops: &[Op]| {
        let e = module.verify_microcode(&code.with_ops(ops)).unwrap_err();
        assert!(e.to_string().contains("chained op"), "{e}");
    };
    let mut other = ops.clone();
    other[at + 1] = Op::I32Sub { dst, lhs, rhs };
    rejected(&other);
    let mut wide = ops.clone();
    wide[at + 1] = Op::I32Add {
        dst,
        lhs,
        rhs: rhs + 70_000,
    };
    let mut wide_code = code.with_ops(&wide);
    wide_code.frame_size += 70_000;
    let e = module.verify_microcode(&wide_code).unwrap_err();
    assert!(e.to_string().contains("chained op"), "{e}");
    let mut last = ops.clone();
    last.truncate(at + 1);
    rejected(&last);
}
