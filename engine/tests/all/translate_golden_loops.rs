//! Golden tests of the translator's fused loop back-edges: an i32 add followed by a
//! conditional branch on its sum becomes one `BrIfI32Add*` op, unless the branch is itself a
//! branch target (`tests/all/snapshots/all__translate_golden_loops__*.snap`; review changes with
//! `cargo insta review`, or rerun with `INSTA_UPDATE=always` and read the diff).

use fayasm::Val;

fn microcode_and_run(body: &str, args: &[Val]) -> (String, i32) {
    crate::support::microcode_and_run("", body, args)
}

/// Counting up to a bound in a slot (`!=`, `<` unsigned and signed, register and constant
/// steps), to a constant bound, and down to zero; each loop sums its counter.
#[test]
fn loop_counter_steps_fuse_with_their_back_edges() {
    let (code, v) = microcode_and_run(
        "(param $n i32) (result i32) (local $i i32) (local $acc i32) (local $step i32)
         (local.set $step (i32.const 2))
         ;; i += step; i != n (register step, `!=` with the sum on the right)
         (loop $a
           (local.set $acc (i32.add (local.get $acc) (local.get $i)))
           (br_if $a (i32.ne (local.get $n)
             (local.tee $i (i32.add (local.get $i) (local.get $step))))))
         ;; i += 1; i <u n
         (local.set $i (i32.const 0))
         (loop $b
           (local.set $acc (i32.add (local.get $acc) (local.get $i)))
           (br_if $b (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1)))
             (local.get $n))))
         ;; i += step; i <s n
         (local.set $i (i32.const -10))
         (loop $c
           (local.set $acc (i32.xor (local.get $acc) (local.get $i)))
           (br_if $c (i32.lt_s (local.tee $i (i32.add (local.get $i) (local.get $step)))
             (local.get $n))))
         ;; i -= 1 (a subtraction of a constant); i != 0
         (local.set $i (local.get $n))
         (loop $d
           (local.set $acc (i32.add (local.get $acc) (i32.const 3)))
           (br_if $d (local.tee $i (i32.sub (local.get $i) (i32.const 1)))))
         ;; i += 4; i <u 64 and i != 100
         (local.set $i (i32.const 0))
         (loop $e
           (local.set $acc (i32.add (local.get $acc) (local.get $i)))
           (br_if $e (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 4)))
             (i32.const 64))))
         (loop $f
           (local.set $acc (i32.sub (local.get $acc) (i32.const 1)))
           (br_if $f (i32.ne (local.tee $i (i32.add (local.get $i) (i32.const 4)))
             (i32.const 100))))
         (local.get $acc)",
        &[Val::I32(10)],
    );
    // The same loops, by hand.
    let mut acc: i32 = 0;
    let mut i: i32 = 0;
    loop {
        acc = acc.wrapping_add(i);
        i += 2;
        if i == 10 {
            break;
        }
    }
    i = 0;
    loop {
        acc = acc.wrapping_add(i);
        i += 1;
        if i >= 10 {
            break;
        }
    }
    i = -10;
    loop {
        acc ^= i;
        i += 2;
        if i >= 10 {
            break;
        }
    }
    i = 10;
    loop {
        acc += 3;
        i -= 1;
        if i == 0 {
            break;
        }
    }
    i = 0;
    loop {
        acc = acc.wrapping_add(i);
        i += 4;
        if i >= 64 {
            break;
        }
    }
    loop {
        acc -= 1;
        i += 4;
        if i == 100 {
            break;
        }
    }
    assert_eq!(v, acc);
    insta::assert_snapshot!(code);
}

/// A branch that is itself a branch target (here the loop header) is not fused with the add
/// before it, and an add whose sum the branch does not test is not fused either.
#[test]
fn adds_before_branch_targets_or_other_conditions_stay_apart() {
    let (code, v) = microcode_and_run(
        "(param $n i32) (result i32) (local $i i32) (local $j i32)
         (local.set $i (i32.add (local.get $n) (i32.const 1)))
         (block $out
           (loop $a
             (br_if $out (i32.lt_u (local.get $i) (local.get $n)))
             (local.set $j (i32.add (local.get $j) (i32.const 1)))
             (local.set $i (i32.sub (local.get $i) (i32.const 1)))
             (br_if $a (i32.lt_u (local.get $n) (local.get $j)))))
         (i32.add (local.get $i) (local.get $j))",
        &[Val::I32(5)],
    );
    // i = 6; 6 <u 5 is false; j = 1, i = 5; 5 <u 1 is false.
    assert_eq!(v, 6);
    insta::assert_snapshot!(code);
}
