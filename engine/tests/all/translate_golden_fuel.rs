//! Golden tests of the translator's metered loops (`tests/all/snapshots/all__translate_golden_fuel__*.snap`;
//! review changes with `cargo insta review`, or rerun with `INSTA_UPDATE=always` and read the
//! diff): with fuel on, a loop's counter step and back-edge still fuse into one op, its
//! back-edge form (`BrIfI32Add*Fuel`, the header's check folded in, landing just past that
//! check); a check that falls straight into a loop header's check becomes `FuelSkip`. Each
//! function runs with fuel, in fuel slices of 1 and 7 (suspended and resumed at every stop),
//! and with only interruption on, to the result it has without metering, and every way of
//! running it with fuel uses the same fuel.

use fayasm::{Config, Engine, Func, Linker, Module, ResumableCall, Store, SuspendReason, Val};

fn instance(config: Config, wat: &str) -> (Store<()>, Func, Module) {
    let engine = Engine::new(config);
    let module = Module::new(&engine, wat::parse_str(wat).unwrap()).unwrap();
    let mut store = Store::new(&engine, ());
    let inst = Linker::new(&engine)
        .instantiate(&mut store, &module)
        .unwrap();
    let f = inst.get_func(&store, "f").unwrap();
    (store, f, module)
}

fn result(out: &[Val]) -> i32 {
    let Val::I32(v) = out[0] else {
        panic!("i32 result")
    };
    v
}

/// `f(args)` in fuel slices of `slice`, resumed at every stop: the result and the fuel used.
fn run_sliced(store: &mut Store<()>, f: Func, args: &[Val], slice: u64) -> (i32, u64) {
    let mut out = [Val::I32(0)];
    let mut given = slice;
    store.set_fuel(slice).unwrap();
    let mut call = f.call_resumable(&mut *store, args, &mut out).unwrap();
    while let ResumableCall::Suspended(s) = call {
        assert_eq!(s.reason(), SuspendReason::OutOfFuel);
        let left = store.get_fuel().unwrap();
        store.set_fuel(left + slice).unwrap();
        given += slice;
        call = s.resume(&mut *store, &[], &mut out).unwrap();
    }
    (result(&out), given - store.get_fuel().unwrap())
}

/// The printed microcode of export `f` (a function with body `body`) translated with fuel on,
/// after checking that every way of running it gives the unmetered result and the same fuel.
fn metered_microcode(body: &str, args: &[Val]) -> String {
    let wat = format!("(module (func (export \"f\") {body}))");
    let (mut plain, f, _) = instance(Config::default(), &wat);
    let mut out = [Val::I32(0)];
    f.call(&mut plain, args, &mut out).unwrap();
    let expected = result(&out);

    let (mut store, f, module) = instance(Config::default().consume_fuel(true), &wat);
    let code = f.translate(&mut store).unwrap().unwrap();
    module.verify_microcode(&code).unwrap();
    let (v, fuel) = run_sliced(&mut store, f, args, 1 << 40);
    assert_eq!(v, expected);
    for slice in [1, 7] {
        assert_eq!(
            run_sliced(&mut store, f, args, slice),
            (expected, fuel),
            "slices of {slice}"
        );
    }

    let (mut store, f, _) = instance(Config::default().interruptible(true), &wat);
    f.call(&mut store, args, &mut out).unwrap();
    assert_eq!(result(&out), expected);
    code.to_string()
}

/// The loops of `translate_golden_loops`: every add-and-branch form (`!=`, `<` unsigned and
/// signed, register and constant steps, a constant bound, down to zero) as a back-edge.
#[test]
fn metered_counter_steps_fuse_with_their_back_edges() {
    let code = metered_microcode(
        "(param $n i32) (result i32) (local $i i32) (local $acc i32) (local $step i32)
         (local.set $step (i32.const 2))
         (loop $a
           (local.set $acc (i32.add (local.get $acc) (local.get $i)))
           (br_if $a (i32.ne (local.get $n)
             (local.tee $i (i32.add (local.get $i) (local.get $step))))))
         (local.set $i (i32.const 0))
         (loop $b
           (local.set $acc (i32.add (local.get $acc) (local.get $i)))
           (br_if $b (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1)))
             (local.get $n))))
         (local.set $i (i32.const -10))
         (loop $c
           (local.set $acc (i32.xor (local.get $acc) (local.get $i)))
           (br_if $c (i32.lt_s (local.tee $i (i32.add (local.get $i) (local.get $step)))
             (local.get $n))))
         (local.set $i (local.get $n))
         (loop $d
           (local.set $acc (i32.add (local.get $acc) (i32.const 3)))
           (br_if $d (local.tee $i (i32.sub (local.get $i) (i32.const 1)))))
         (local.set $i (i32.const 0))
         (loop $e
           (local.set $acc (i32.add (local.get $acc) (local.get $i)))
           (br_if $e (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 4)))
             (i32.const 64))))
         (loop $f
           (local.set $acc (i32.sub (local.get $acc) (i32.const 1)))
           (br_if $f (i32.ne (local.tee $i (i32.add (local.get $i) (i32.const 4)))
             (i32.const 100))))
         (local.set $i (i32.const 0))
         (loop $g
           (local.set $acc (i32.add (local.get $acc) (local.get $i)))
           (br_if $g (i32.lt_s (local.tee $i (i32.add (local.get $i) (i32.const 3)))
             (local.get $n))))
         (local.set $i (i32.const 0))
         (loop $h
           (local.set $acc (i32.add (local.get $acc) (i32.const 5)))
           (br_if $h (i32.lt_u (local.tee $i (i32.add (local.get $i) (local.get $step)))
             (local.get $n))))
         (local.set $i (i32.const 0))
         (loop $k
           (local.set $acc (i32.add (local.get $acc) (i32.const 7)))
           (br_if $k (i32.ne (local.tee $i (i32.add (local.get $i) (i32.const 1)))
             (local.get $n))))
         (local.get $acc)",
        &[Val::I32(10)],
    );
    insta::assert_snapshot!(code);
}

/// A loop that is the first thing of an `if` arm, and a loop that is the first thing of
/// another loop's body: the arm's check charges the loop header's cost too and skips that
/// check (`FuelSkip`); the outer loop header's check, which the outer back-edge lands after,
/// does not.
#[test]
fn a_check_falling_into_a_loop_header_takes_its_cost() {
    let code = metered_microcode(
        "(param $n i32) (result i32) (local $i i32) (local $j i32) (local $acc i32)
         (if (i32.gt_s (local.get $n) (i32.const 0))
           (then
             (loop $a
               (local.set $acc (i32.add (local.get $acc) (local.get $i)))
               (br_if $a (i32.lt_s (local.tee $i (i32.add (local.get $i) (i32.const 1)))
                 (local.get $n))))))
         (local.set $i (i32.const 0))
         (loop $outer
           (loop $inner
             (local.set $acc (i32.xor (local.get $acc) (local.get $j)))
             (br_if $inner (i32.lt_u (local.tee $j (i32.add (local.get $j) (i32.const 1)))
               (local.get $i))))
           (br_if $outer (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1)))
             (local.get $n))))
         (local.get $acc)",
        &[Val::I32(9)],
    );
    insta::assert_snapshot!(code);
}

/// Loops nested without back-edges (spec `loop.wast`'s `deep`): a run of checks, each falling
/// into the next; every other one takes the next one's cost and skips it (a skipped check
/// is always a plain check).
#[test]
fn a_run_of_checks_pairs_up() {
    let mut body = String::from("(i32.const 150)");
    for _ in 0..5 {
        body = format!("(loop (result i32) (block (result i32) {body}))");
    }
    let code = metered_microcode(&format!("(result i32) {body}"), &[]);
    insta::assert_snapshot!(code);
}
