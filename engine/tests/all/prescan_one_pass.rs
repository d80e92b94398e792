//! Under prescan, `Module::new` validates and translates every function body in one pass over
//! its operators, and the first instantiation takes that code: the microcode must be exactly
//! what translating on demand gives, and invalid bodies must be rejected with the same errors.

use fayasm::{Config, Engine, Linker, Module, Store};

use crate::support;

/// Every sample module's functions, as prescan installed them and as translated on demand.
fn compare(config: impl Fn() -> Config) {
    // The exception-handling proposal on: `cpp_exceptions.wasm` needs it.
    let engine = Engine::new(config().prescan(true).wasm_exceptions(true));
    support::assert_prescanned_code_is_on_demand_code(&engine, |engine, path| {
        Module::new(engine, std::fs::read(path).unwrap()).unwrap()
    });
}

#[test]
fn prescanned_code_is_the_code_translated_on_demand() {
    compare(Config::default);
}

#[test]
fn prescanned_metered_code_is_the_code_translated_on_demand() {
    compare(|| Config::default().consume_fuel(true));
    compare(|| Config::default().interruptible(true));
}

#[test]
fn a_second_instantiation_translates_again() {
    let engine = Engine::new(Config::default().prescan(true));
    let wat = r#"(module (func (export "f") (param i32) (result i32)
        (loop (br_if 0 (i32.lt_u (local.tee 0 (i32.add (local.get 0) (i32.const 1))) (i32.const 10))))
        (local.get 0)))"#;
    let module = Module::new(&engine, wat::parse_str(wat).unwrap()).unwrap();
    let mut codes = Vec::new();
    for _ in 0..3 {
        let mut store = Store::new(&engine, ());
        let inst = Linker::new(&engine)
            .instantiate(&mut store, &module)
            .unwrap();
        assert_eq!(store.code_cache_stats().translations, 1);
        let f = inst.get_func(&store, "f").unwrap();
        codes.push(f.translate(&mut store).unwrap().unwrap());
        let mut out = [fayasm::Val::I32(0)];
        f.call(&mut store, &[fayasm::Val::I32(3)], &mut out)
            .unwrap();
        assert!(matches!(out[0], fayasm::Val::I32(10)));
    }
    assert!(codes.windows(2).all(|w| w[0] == w[1]));
}

/// Invalid modules: the error with prescan (validation and translation in one pass) is the
/// error without it (wasmparser's `validate_all`).
#[test]
fn invalid_bodies_are_rejected_alike() {
    let cases = [
        // A type mismatch in the second function.
        "(module (func) (func (result i32) (i64.const 1)))",
        // An operator after the body's last `end` (hand-made below).
        "",
        // An unknown local, in a loop with a constant (the loop-constant pass reads first).
        "(module (func (loop (drop (i32.const 7)) (local.set 3 (i32.const 1)))))",
        // A branch too deep, and a block left open.
        "(module (func (br 2)))",
        // A valid body, an invalid later section: the section's error comes first.
        "(module (memory 1) (func (drop (i32.const 1))) (data (i64.const 0) \"x\"))",
        // A call to a function that does not exist.
        "(module (func (call 5)))",
        // A local past the declared ones.
        "(module (func (local i32 i32) (local.get 9)))",
    ];
    for (k, wat) in cases.iter().enumerate() {
        let bytes = if wat.is_empty() {
            // (func) with `nop` after its `end`: type, function, code sections by hand.
            let mut b = b"\0asm\x01\0\0\0".to_vec();
            b.extend_from_slice(&[1, 4, 1, 0x60, 0, 0]); // type () -> ()
            b.extend_from_slice(&[3, 2, 1, 0]); // func 0: type 0
            b.extend_from_slice(&[10, 5, 1, 3, 0, 0x0b, 0x01]); // body: end, nop
            b
        } else {
            wat::parse_str(wat).unwrap()
        };
        let plain = Module::new(&Engine::new(Config::default()), &bytes).map(|_| ());
        let prescan =
            Module::new(&Engine::new(Config::default().prescan(true)), &bytes).map(|_| ());
        let (plain, prescan) = (format!("{plain:?}"), format!("{prescan:?}"));
        assert!(plain.starts_with("Err"), "case {k}: {plain}");
        assert_eq!(plain, prescan, "case {k}");
    }
}
