//! The wide-arithmetic proposal behind `Config::wasm_wide_arithmetic`: refused by default with
//! a message naming the feature, one microcode op per instruction when on, and through the
//! typed API. (Its semantics are checked against wasmtime and a model in
//! `conformance/tests/wide_diff.rs`, and by the proposal's spec suite.)

use fayasm::microcode::Op;
use fayasm::{Config, Engine, Error, Linker, Module, Store};

const WAT: &str = r#"(module
  (func (export "add128") (param i64 i64 i64 i64) (result i64 i64)
    (i64.add128 (local.get 0) (local.get 1) (local.get 2) (local.get 3)))
  (func (export "sub128") (param i64 i64 i64 i64) (result i64 i64)
    (i64.sub128 (local.get 0) (local.get 1) (local.get 2) (local.get 3)))
  (func (export "mul_s") (param i64 i64) (result i64 i64)
    (i64.mul_wide_s (local.get 0) (local.get 1)))
  (func (export "mul_u") (param i64 i64) (result i64 i64)
    (i64.mul_wide_u (local.get 0) (local.get 1))))"#;

#[test]
fn off_by_default_and_the_error_names_the_feature() {
    let wasm = wat::parse_str(WAT).unwrap();
    for config in [
        Config::default(),
        Config::default().wasm_wide_arithmetic(false),
    ] {
        let engine = Engine::new(config);
        match Module::new(&engine, &wasm) {
            Err(Error::Module(e)) => {
                assert!(e.message.contains("wide arithmetic"), "{}", e.message)
            }
            Err(e) => panic!("expected a validation error, got {e}"),
            Ok(_) => panic!("a module using wide arithmetic validated with the feature off"),
        }
    }
}

#[test]
fn each_instruction_is_one_op() {
    let engine = Engine::new(Config::default().wasm_wide_arithmetic(true));
    let module = Module::new(&engine, wat::parse_str(WAT).unwrap()).unwrap();
    let names = ["I64Add128", "I64Sub128", "I64MulWideS", "I64MulWideU"];
    for (i, name) in names.into_iter().enumerate() {
        let code = module.translate_function(i as u32).unwrap().unwrap();
        let ops = code.decode_ops().unwrap();
        // The op reads the parameters in place, then the results are returned.
        assert_eq!(ops.len(), 2, "{code}");
        assert_eq!(ops[0].name(), name, "{code}");
        assert!(matches!(ops[1], Op::Return { count: 2, .. }), "{code}");
    }
}

#[test]
fn typed_calls() {
    let engine = Engine::new(Config::default().wasm_wide_arithmetic(true));
    let module = Module::new(&engine, wat::parse_str(WAT).unwrap()).unwrap();
    let mut store = Store::new(&engine, ());
    let inst = Linker::new(&engine)
        .instantiate(&mut store, &module)
        .unwrap();
    let add = inst
        .get_typed_func::<(i64, i64, i64, i64), (i64, i64)>(&store, "add128")
        .unwrap();
    let sub = inst
        .get_typed_func::<(i64, i64, i64, i64), (i64, i64)>(&store, "sub128")
        .unwrap();
    let mul_s = inst
        .get_typed_func::<(i64, i64), (i64, i64)>(&store, "mul_s")
        .unwrap();
    let mul_u = inst
        .get_typed_func::<(i64, i64), (i64, i64)>(&store, "mul_u")
        .unwrap();
    // A carry out of the low half, and a borrow into it.
    assert_eq!(add.call(&mut store, (-1, 0, 1, 0)).unwrap(), (0, 1));
    assert_eq!(sub.call(&mut store, (0, 1, 1, 0)).unwrap(), (-1, 0));
    // The high half of the products: signed and unsigned differ for negative operands.
    assert_eq!(mul_s.call(&mut store, (-1, -1)).unwrap(), (1, 0));
    assert_eq!(mul_u.call(&mut store, (-1, -1)).unwrap(), (1, -2));
    assert_eq!(
        mul_s.call(&mut store, (i64::MIN, i64::MIN)).unwrap(),
        (0, 1 << 62)
    );
}
