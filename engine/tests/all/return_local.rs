//! A function whose result is a `local.get` returns the local's cell itself (`Return` reading
//! the local, no `Copy` into a temporary first), except where another path reaches the
//! function's end with the value in the result slot: a branch to the function's label, or a
//! catch clause that lands there.

use fayasm::microcode::Op;
use fayasm::{Config, Engine, Linker, Module, Store, Val};

/// The ops of export `f` and the results of calling it with each of `args`.
fn ops_and_results(config: Config, wat: &str, args: &[&[Val]]) -> (Vec<Op>, Vec<i32>) {
    let engine = Engine::new(config);
    let module = Module::new(&engine, wat::parse_str(wat).unwrap()).unwrap();
    let mut store = Store::new(&engine, ());
    let inst = Linker::new(&engine)
        .instantiate(&mut store, &module)
        .unwrap();
    let f = inst.get_func(&store, "f").unwrap();
    let code = f.translate(&mut store).unwrap().unwrap();
    let results = args
        .iter()
        .map(|a| {
            let mut out = [Val::I32(0)];
            f.call(&mut store, a, &mut out).unwrap();
            match out[0] {
                Val::I32(v) => v,
                ref v => panic!("not an i32: {v:?}"),
            }
        })
        .collect();
    (code.decode_ops().unwrap(), results)
}

fn copies(ops: &[Op]) -> usize {
    ops.iter()
        .filter(|op| matches!(op, Op::Copy { .. }))
        .count()
}

#[test]
fn a_local_result_is_returned_from_the_local() {
    let wat = r#"(module
      (func (export "f") (param i32 i32) (result i32) (local i32)
        local.get 0 local.get 1 i32.add local.set 2
        local.get 2))"#;
    let (ops, results) = ops_and_results(Config::default(), wat, &[&[Val::I32(2), Val::I32(5)]]);
    assert_eq!(results, [7]);
    assert_eq!(copies(&ops), 0, "{ops:?}");
    assert!(
        matches!(ops.last(), Some(Op::Return { src: 2, count: 1 })),
        "{ops:?}"
    );
    // `return` of a local, in the middle of the body, the same way.
    let wat = r#"(module
      (func (export "f") (param i32 i32) (result i32)
        (if (local.get 0) (then (return (local.get 1))))
        i32.const 9))"#;
    let (ops, results) = ops_and_results(
        Config::default(),
        wat,
        &[&[Val::I32(1), Val::I32(5)], &[Val::I32(0), Val::I32(5)]],
    );
    assert_eq!(results, [5, 9]);
    assert_eq!(copies(&ops), 0, "{ops:?}");
    assert!(ops.contains(&Op::Return { src: 1, count: 1 }), "{ops:?}");
}

#[test]
fn a_branch_to_the_end_keeps_the_result_slot() {
    // `br_if 0` leaves with local 1; falling through returns local 0.
    let wat = r#"(module
      (func (export "f") (param i32 i32) (result i32)
        local.get 1 local.get 0 br_if 0
        drop local.get 0))"#;
    let (ops, results) = ops_and_results(
        Config::default(),
        wat,
        &[&[Val::I32(1), Val::I32(7)], &[Val::I32(0), Val::I32(7)]],
    );
    assert_eq!(results, [7, 0], "{ops:?}");
}

#[test]
fn a_catch_to_the_end_keeps_the_result_slot() {
    // A thrown 42 is caught into the function's label; falling through returns local 0.
    let wat = r#"(module
      (tag $t (param i32))
      (func (export "f") (param i32) (result i32)
        (block
          (try_table (catch $t 1)
            (br_if 1 (i32.eqz (local.get 0)))
            (throw $t (i32.const 42))))
        local.get 0))"#;
    let (ops, results) = ops_and_results(
        Config::default().wasm_exceptions(true),
        wat,
        &[&[Val::I32(5)], &[Val::I32(0)]],
    );
    assert_eq!(results, [42, 0], "{ops:?}");
}
