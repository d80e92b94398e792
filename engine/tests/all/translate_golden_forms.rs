//! Golden tests of the translator, one per table of `microcode/translate/fuse.rs` and per
//! operand form: every immediate form, every compare-and-branch (register and immediate,
//! jump-if-true from `br_if` and negated from `if`), every address fold, the add-and-branch
//! forms the loop tests leave out, loop-constant hoisting, branch copies, `br_table` with
//! values, and the narrow and wide encodings of each operand class. Snapshots as in
//! `translate_golden.rs` (`tests/all/snapshots/all__translate_golden_forms__*.snap`).
//!
//! Each test builds its function body from a table, so a fusion added to (or dropped from)
//! `fuse.rs` shows up as a changed line of one snapshot.

use fayasm::{Config, Engine, Linker, Module, Store, Val};

/// The printed microcode of export `f` of `wat` under `config`, verified, and `f` run on
/// `args` (its results, for the tests that check them).
fn translate(config: Config, wat: &str, args: &[Val], results: usize) -> (String, Vec<Val>) {
    let engine = Engine::new(config);
    let module = Module::new(&engine, wat::parse_str(wat).unwrap()).unwrap();
    let mut store = Store::new(&engine, ());
    let inst = Linker::new(&engine)
        .instantiate(&mut store, &module)
        .unwrap();
    let f = inst.get_func(&store, "f").unwrap();
    let code = f.translate(&mut store).unwrap().unwrap();
    module.verify_microcode(&code).unwrap();
    let mut out = vec![Val::I32(0); results];
    f.call(&mut store, args, &mut out).unwrap();
    (code.to_string(), out)
}

/// The value of an i32 result.
fn i32_of(v: &Val) -> Option<i32> {
    match v {
        Val::I32(v) => Some(*v),
        _ => None,
    }
}

/// The microcode of `(func (export "f") body)` in a module with one memory.
fn microcode(body: &str) -> String {
    let wat = format!("(module (memory 1) (func (export \"f\") {body}))");
    let engine = Engine::new(Config::default());
    let module = Module::new(&engine, wat::parse_str(wat).unwrap()).unwrap();
    let code = module.translate_function(0).unwrap().unwrap();
    module.verify_microcode(&code).unwrap();
    code.to_string()
}

const I32_BINARY: [&str; 19] = [
    "add", "sub", "mul", "and", "or", "xor", "shl", "shr_s", "shr_u", "eq", "ne", "lt_s", "lt_u",
    "gt_s", "gt_u", "le_s", "le_u", "ge_s", "ge_u",
];

const I32_COMPARE: [&str; 10] = [
    "eq", "ne", "lt_s", "lt_u", "gt_s", "gt_u", "le_s", "le_u", "ge_s", "ge_u",
];

/// Every binary op with a constant right operand takes its immediate form (`I32AddImm`, ...;
/// a subtraction is the addition of the negated constant), i32 and i64, each result
/// retargeted into the local a `local.set` names. The comparisons of i64 operands give an
/// i32.
#[test]
fn every_immediate_form() {
    let mut body = String::from("(param i32 i64) (local i32 i64)\n");
    for op in I32_BINARY {
        body += &format!("(local.set 2 (i32.{op} (local.get 0) (i32.const 7)))\n");
    }
    for op in I32_BINARY {
        let dst = if I32_COMPARE.contains(&op) { 2 } else { 3 };
        body += &format!("(local.set {dst} (i64.{op} (local.get 1) (i64.const -5)))\n");
    }
    // A constant on the left of a non-commutative op is no immediate.
    body += "(local.set 2 (i32.sub (i32.const 7) (local.get 0)))";
    insta::assert_snapshot!(microcode(&body));
}

/// Every i32 comparison consumed by a branch becomes a compare-and-branch op: `br_if` jumps
/// when it holds (`BrIfI32LtS`), `if` jumps to its `else` when it does not (`BrIfI32GeS`),
/// each with a register or an immediate right operand; `i32.eqz` becomes a branch on zero or
/// non-zero. Float comparisons fuse only for `br_if` (jump if true): with NaNs the negation
/// of `a < b` is not `a >= b`, so an `if` on one keeps the comparison.
#[test]
fn every_compare_and_branch() {
    let mut body = String::from("(param i32 i32 f32 f32 f64 f64) (local i32)\n(block\n");
    for op in I32_COMPARE {
        body += &format!("(br_if 0 (i32.{op} (local.get 0) (local.get 1)))\n");
        body += &format!("(br_if 0 (i32.{op} (local.get 0) (i32.const 9)))\n");
        body += &format!(
            "(if (i32.{op} (local.get 0) (local.get 1)) (then (local.set 6 (i32.const 1))))\n"
        );
        body += &format!(
            "(if (i32.{op} (local.get 0) (i32.const 9)) (then (local.set 6 (i32.const 2))))\n"
        );
    }
    body += "(br_if 0 (i32.eqz (local.get 0)))\n";
    body += "(if (i32.eqz (local.get 0)) (then (local.set 6 (i32.const 3))))\n";
    for (ty, a, b) in [("f32", 2, 3), ("f64", 4, 5)] {
        for op in ["lt", "gt", "le", "ge"] {
            body += &format!("(br_if 0 ({ty}.{op} (local.get {a}) (local.get {b})))\n");
        }
        body += &format!(
            "(if ({ty}.lt (local.get {a}) (local.get {b})) (then (local.set 6 (i32.const 4))))\n"
        );
    }
    // Equality of floats has no fused form.
    body += "(br_if 0 (f64.eq (local.get 4) (local.get 5))))";
    insta::assert_snapshot!(microcode(&body));
}

/// Every scalar load and store folds an `i32.add` address, of a constant
/// (`I32Load8UAddImm`) or of a register (`I64Store32Add`).
#[test]
fn every_address_fold() {
    let loads = [
        ("i32", "load"),
        ("i64", "load"),
        ("i32", "load8_s"),
        ("i32", "load8_u"),
        ("i32", "load16_s"),
        ("i32", "load16_u"),
        ("i64", "load8_s"),
        ("i64", "load8_u"),
        ("i64", "load16_s"),
        ("i64", "load16_u"),
        ("i64", "load32_s"),
        ("i64", "load32_u"),
    ];
    let stores = [
        ("i32", "store", 2),
        ("i64", "store", 3),
        ("i32", "store8", 2),
        ("i32", "store16", 2),
        ("i64", "store8", 3),
        ("i64", "store16", 3),
        ("i64", "store32", 3),
    ];
    let mut body = String::from("(param i32 i32) (local i32 i64)\n");
    for (ty, op) in loads {
        let dst = if ty == "i32" { 2 } else { 3 };
        body += &format!(
            "(local.set {dst} ({ty}.{op} offset=4 (i32.add (local.get 0) (i32.const 16))))\n"
        );
        body += &format!(
            "(local.set {dst} ({ty}.{op} offset=4 (i32.add (local.get 0) (local.get 1))))\n"
        );
    }
    for (ty, op, src) in stores {
        body += &format!(
            "({ty}.{op} offset=8 (i32.add (local.get 0) (i32.const 16)) (local.get {src}))\n"
        );
        body += &format!(
            "({ty}.{op} offset=8 (i32.add (local.get 0) (local.get 1)) (local.get {src}))\n"
        );
    }
    insta::assert_snapshot!(microcode(&body));
}

/// The add-and-branch forms `translate_golden_loops.rs` does not reach: a register step with
/// an unsigned `<` (`BrIfI32AddLtU`), a constant step with `!=` and signed `<` against a
/// slot (`BrIfI32AddImmNe`, `BrIfI32AddImmLtS`). Each loop counts to `n` and the result is
/// checked.
#[test]
fn remaining_add_and_branch_forms() {
    let wat = "(module (func (export \"f\") (param $n i32) (result i32)
         (local $i i32) (local $acc i32) (local $step i32)
         (local.set $step (i32.const 1))
         (loop $a
           (local.set $acc (i32.add (local.get $acc) (local.get $i)))
           (br_if $a (i32.lt_u (local.tee $i (i32.add (local.get $i) (local.get $step)))
             (local.get $n))))
         (local.set $i (i32.const 0))
         (loop $b
           (local.set $acc (i32.add (local.get $acc) (i32.const 1)))
           (br_if $b (i32.ne (local.tee $i (i32.add (local.get $i) (i32.const 1)))
             (local.get $n))))
         (local.set $i (i32.const 0))
         (loop $c
           (local.set $acc (i32.add (local.get $acc) (i32.const 1)))
           (br_if $c (i32.lt_s (local.tee $i (i32.add (local.get $i) (i32.const 1)))
             (local.get $n))))
         (local.get $acc)))";
    let (code, out) = translate(Config::default(), wat, &[Val::I32(10)], 1);
    // 0 + 1 + ... + 9, then 10 and 10 more.
    assert_eq!(i32_of(&out[0]), Some(45 + 10 + 10));
    insta::assert_snapshot!(code);
}

/// Constants a loop uses as operands that have no immediate form (a float, an i32 on the
/// left, a `select` operand) are hoisted: written once into frame slots by a prologue before
/// the loop, then read in place. A constant used outside any loop stays where it is.
#[test]
fn loop_constants_are_hoisted() {
    insta::assert_snapshot!(microcode(
        "(param i32 f64) (result f64) (local f64)
         (local.set 2 (f64.const 0.5))
         (loop $l
           (local.set 1 (f64.mul (local.get 1) (f64.const 1.25)))
           (local.set 1 (f64.add (local.get 1) (f64.const 1.25)))
           (local.set 0 (i32.sub (i32.const 100) (local.get 0)))
           (local.set 0 (select (local.get 0) (i32.const -3) (local.get 0)))
           (br_if $l (local.tee 0 (i32.sub (local.get 0) (i32.const 1)))))
         (f64.add (local.get 1) (local.get 2))"
    ));
}

/// Branches that carry values copy them into the label's slots (nothing when a value is
/// already there): `br` and `br_if` out of a block with results, a loop with parameters
/// (its back-edge copies the new values), and `if`/`else` arms with results.
#[test]
fn branch_copies() {
    let wat = "(module (func (export \"f\") (param i32 i32) (result i32 i32)
         (block (result i32 i32)
           (br_if 0 (local.get 1) (local.get 0) (i32.eqz (local.get 0)))
           (drop (drop))
           (i32.const 5) (local.get 0)
           (loop (param i32 i32) (result i32 i32)
             (i32.add (i32.const 1))
             (local.tee 1)
             (local.get 1) (i32.lt_u (i32.const 8))
             (br_if 0)
             (br 1))
           (drop) (drop)
           (if (result i32 i32) (local.get 1)
             (then (local.get 1) (local.get 0))
             (else (i32.const 0) (i32.const 1))))))";
    let (code, out) = translate(Config::default(), wat, &[Val::I32(3), Val::I32(4)], 2);
    assert_eq!((i32_of(&out[0]), i32_of(&out[1])), (Some(5), Some(8)));
    insta::assert_snapshot!(code);
}

/// `br_table` is a `BrTable` and one `BrEntry` per target (the default last); targets that
/// carry a value get their copies on the way (one per distinct label).
#[test]
fn br_table_with_values() {
    let wat = "(module (func (export \"f\") (param i32) (result i32)
         (block (result i32)
           (block (result i32)
             (block (result i32)
               (br_table 0 1 2 1 (i32.const 10) (local.get 0)))
             (i32.add (i32.const 1)))
           (i32.add (i32.const 2)))))";
    let run = |n| translate(Config::default(), wat, &[Val::I32(n)], 1);
    let results: Vec<_> = (0..5).map(|n| i32_of(&run(n).1[0])).collect();
    assert_eq!(results, [13, 12, 10, 12, 12].map(Some));
    insta::assert_snapshot!(run(0).0);
}

/// Each operand class in its narrow and its wide form, at the boundary: an `I32Imm` fits one
/// word from -32,768 to 32,767; an `I64Imm` two words for a sign-extended 32-bit value; an
/// `Offset` one word up to 65,535; a `MemIdx` takes no word for memory 0 and makes the op
/// wide for any other (slots past 65,535 are `translate_golden.rs`'s `large_frame`, entity
/// indices `entity_indices_past_16_bits_are_wide`).
#[test]
fn narrow_and_wide_operands() {
    let wat = "(module (memory 1) (memory 1) (func (export \"f\") (param i32 i64) (local i32 i64)
         (local.set 2 (i32.add (local.get 0) (i32.const 32767)))
         (local.set 2 (i32.add (local.get 0) (i32.const 32768)))
         (local.set 2 (i32.add (local.get 0) (i32.const -32768)))
         (local.set 2 (i32.add (local.get 0) (i32.const -32769)))
         (local.set 3 (i64.and (local.get 1) (i64.const 2147483647)))
         (local.set 3 (i64.and (local.get 1) (i64.const 2147483648)))
         (local.set 3 (i64.and (local.get 1) (i64.const -2147483648)))
         (local.set 3 (i64.and (local.get 1) (i64.const -2147483649)))
         (local.set 2 (i32.load offset=65535 (local.get 0)))
         (local.set 2 (i32.load offset=65536 (local.get 0)))
         (local.set 2 (i32.load 1 (local.get 0)))
         (i32.store 1 offset=4 (local.get 0) (local.get 2))))";
    let engine = Engine::new(Config::default());
    let module = Module::new(&engine, wat::parse_str(wat).unwrap()).unwrap();
    let code = module.translate_function(0).unwrap().unwrap();
    module.verify_microcode(&code).unwrap();
    insta::assert_snapshot!(code.to_string());
}

/// A branch whose distance does not fit one signed word (32,767 words) takes the wide form
/// (two-word `Target`); the nearer one stays narrow. Only the branch ops are printed (the
/// body between them is 10,000 four-word adds).
#[test]
fn far_branches_are_wide() {
    let adds = "(local.set 1 (i32.add (local.get 0) (local.get 1)))\n".repeat(10_000);
    let wat = format!(
        "(module (func (export \"f\") (param i32) (result i32) (local i32)
           (block
             (br_if 0 (i32.eqz (local.get 0)))
             (block
               (br_if 0 (local.get 1))
               {adds})
             (br_if 0 (local.get 1)))
           (local.get 1)))"
    );
    let (code, out) = translate(Config::default(), &wat, &[Val::I32(1)], 1);
    assert_eq!(i32_of(&out[0]), Some(10_000));
    let branches: Vec<&str> = code
        .lines()
        .filter(|l| l.starts_with(';') || l.contains("Br") || l.contains("Return"))
        .collect();
    insta::assert_snapshot!(branches.join("\n"));
}

/// An entity index past 65,535 (here a global's) makes the op wide: a `var` operand takes
/// two words; the same op on a low index stays narrow.
#[test]
fn entity_indices_past_16_bits_are_wide() {
    let globals = "(global (mut i32) (i32.const 0))\n".repeat(65_537);
    let wat = format!(
        "(module {globals} (func (export \"f\") (param i32) (result i32)
           (global.set 65536 (local.get 0))
           (i32.add (global.get 1) (global.get 65536))))"
    );
    let (code, out) = translate(Config::default(), &wat, &[Val::I32(21)], 1);
    assert_eq!(i32_of(&out[0]), Some(21));
    insta::assert_snapshot!(code);
}
