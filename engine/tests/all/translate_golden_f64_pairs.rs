//! Golden tests of the fused f64 pairs (`Translator::binary`): an `f64.mul` whose result is
//! the left operand of the `f64.add` after it becomes `F64MulAdd`, an `f64.sub` whose result
//! is the right operand `F64AddSub`; the other orders, and a result kept in a local, stay two
//! ops (nor does a constant, whose `Const` comes between). Snapshots as in `translate_golden.rs`; each result is checked.

use fayasm::Val;

fn microcode_and_run(body: &str, args: &[Val]) -> (String, i32) {
    crate::support::microcode_and_run("", body, args)
}

#[test]
fn f64_mul_add_and_add_sub_fuse() {
    let (code, v) = microcode_and_run(
        "(param $x f64) (param $y f64) (param $h f64) (param $t f64) (result i32)
         (local $a f64) (local $b f64)
         ;; fused: (x * y) + h and t + (x - y) (h = 0.5, t = 3)
         (local.set $a (f64.add (f64.mul (local.get $x) (local.get $y)) (local.get $h)))
         (local.set $b (f64.add (local.get $t) (f64.sub (local.get $x) (local.get $y))))
         ;; not fused: the product on the right, the difference on the left, a teed product
         (local.set $a (f64.add (local.get $a) (f64.mul (local.get $b) (local.get $x))))
         (local.set $b (f64.add (f64.sub (local.get $b) (local.get $y)) (local.get $a)))
         (local.set $a (f64.add (local.tee $b (f64.mul (local.get $b) (local.get $y)))
           (local.get $a)))
         (i32.trunc_f64_s (f64.add (local.get $a) (f64.mul (local.get $b) (f64.const 1000))))",
        &[
            Val::F64(2.5f64.to_bits()),
            Val::F64(1.5f64.to_bits()),
            Val::F64(0.5f64.to_bits()),
            Val::F64(3f64.to_bits()),
        ],
    );
    // a = 4.25, b = 4; a = 4.25 + 10 = 14.25; b = 2.5 + 14.25 = 16.75; b = 25.125,
    // a = 39.375; 39.375 + 25125.
    assert_eq!(v, 25164);
    insta::assert_snapshot!(code);
}
