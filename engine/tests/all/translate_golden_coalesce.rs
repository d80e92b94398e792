//! Golden tests of copy coalescing (`translate/coalesce.rs`): an op whose result a copy moves
//! on (`local.tee $a` then `local.set $b`) writes the copy's destination itself when `$a` is
//! written again further down the same straight line of ops, its reads in between reading
//! `$b`; and the cases where the copy must stay. Snapshots as in `translate_golden.rs`.

use fayasm::Val;

fn microcode_and_run(body: &str, args: &[Val]) -> (String, i32) {
    crate::support::microcode_and_run("", body, args)
}

/// Mandelbrot's step: `zr` is teed into `$t` and set into `$zr`, `$t` read twice and then
/// overwritten: the add writes `$zr`, the multiply reads it, no copy.
#[test]
fn a_teed_result_moves_into_the_set_local() {
    let (code, v) = microcode_and_run(
        "(param $n i32) (result i32) (local $t i32) (local $zr i32) (local $sq i32)
         (local.set $zr (local.tee $t (i32.add (local.get $n) (i32.const 3))))
         (local.set $sq (i32.mul (local.get $t) (local.get $t)))
         (local.set $t (i32.sub (local.get $sq) (local.get $zr)))
         (i32.add (local.get $t) (i32.mul (local.get $zr) (i32.const 1000)))",
        &[Val::I32(4)],
    );
    // zr = 7, sq = 49, t = 42: 42 + 7000.
    assert_eq!(v, 7042);
    insta::assert_snapshot!(code);
}

/// The copy stays when the source is not written again before a branch (it may be read
/// after it), when the destination is written while the source is still read, and when
/// the copy is a branch target.
#[test]
fn copies_that_must_stay() {
    let (code, v) = microcode_and_run(
        "(param $n i32) (result i32) (local $a i32) (local $b i32) (local $c i32)
         ;; `$a` is read after the branch and never written again.
         (local.set $b (local.tee $a (i32.add (local.get $n) (i32.const 1))))
         (if (i32.eqz (local.get $n)) (then (local.set $c (i32.const 5))))
         (local.set $c (i32.add (local.get $c) (local.get $a)))
         ;; `$b` is written while `$a` is still to be read.
         (local.set $b (local.tee $a (i32.mul (local.get $c) (i32.const 3))))
         (local.set $b (i32.const 100))
         (local.set $c (i32.add (local.get $a) (local.get $b)))
         (local.set $a (i32.const 0))
         ;; The copy is the loop's first op, a branch target.
         (local.set $a (i32.add (local.get $n) (i32.const 2)))
         (loop $l
           (local.set $b (local.get $a))
           (local.set $a (i32.add (local.get $b) (i32.const 1)))
           (br_if $l (i32.lt_u (local.get $a) (i32.const 10))))
         (i32.add (local.get $c) (i32.mul (local.get $b) (i32.const 1000)))",
        &[Val::I32(4)],
    );
    // a = 5, c = 5, a = 15, b = 100, c = 115; loop: b = 9 at the end.
    assert_eq!(v, 9115);
    insta::assert_snapshot!(code);
}
