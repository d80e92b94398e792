//! v128 values across the API boundary (the lane semantics are covered by the spec suites).

use fayasm::{Engine, Linker, Module, Store, Val};

#[test]
fn v128_params_and_results_round_trip() {
    let engine = Engine::default();
    let wat = r#"(module
        (func (export "id") (param v128) (result v128) (local.get 0))
        (func (export "add") (param v128 v128) (result v128) (i8x16.add (local.get 0) (local.get 1)))
        (func (export "sel") (param v128 v128 i32) (result v128) (select (local.get 0) (local.get 1) (local.get 2))))"#;
    let module = Module::new(&engine, wat::parse_str(wat).unwrap()).unwrap();
    let mut store = Store::new(&engine, ());
    let inst = Linker::new(&engine)
        .instantiate(&mut store, &module)
        .unwrap();
    let a = 0x0f0e0d0c0b0a09080706050403020100u128;
    let b = 0x01010101010101010101010101010101u128;
    let mut out = [Val::V128(0)];
    let f = inst.get_func(&store, "id").unwrap();
    f.call(&mut store, &[Val::V128(a)], &mut out).unwrap();
    assert_eq!(out, [Val::V128(a)]);
    let f = inst.get_func(&store, "add").unwrap();
    f.call(&mut store, &[Val::V128(a), Val::V128(b)], &mut out)
        .unwrap();
    assert_eq!(out, [Val::V128(a + b)]);
    let f = inst.get_func(&store, "sel").unwrap();
    f.call(
        &mut store,
        &[Val::V128(a), Val::V128(b), Val::I32(0)],
        &mut out,
    )
    .unwrap();
    assert_eq!(out, [Val::V128(b)]);
}
