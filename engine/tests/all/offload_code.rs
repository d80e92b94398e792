//! Microcode offload: spill to storage, evict, load back; hostile blobs are rejected and the
//! function falls back to re-translation.

use fayasm::offload::{MemStorage, Storage};
use fayasm::{CodeStatus, Engine, Linker, Module, Store, Val};

const WAT: &str = r#"(module
    (func $fib (export "fib") (param i32) (result i32)
      (if (result i32) (i32.lt_u (local.get 0) (i32.const 2))
        (then (local.get 0))
        (else (i32.add (call $fib (i32.sub (local.get 0) (i32.const 1)))
                       (call $fib (i32.sub (local.get 0) (i32.const 2))))))))"#;

fn fib(store: &mut Store<()>, f: fayasm::Func, n: i32) -> i32 {
    let mut out = [Val::I32(0)];
    f.call(store, &[Val::I32(n)], &mut out).unwrap();
    match out[0] {
        Val::I32(v) => v,
        _ => unreachable!(),
    }
}

fn setup() -> (Store<()>, fayasm::Func, Module) {
    let engine = Engine::default();
    let module = Module::new(&engine, wat::parse_str(WAT).unwrap()).unwrap();
    let mut store = Store::new(&engine, ());
    let inst = Linker::new(&engine)
        .instantiate(&mut store, &module)
        .unwrap();
    let f = inst.get_func(&store, "fib").unwrap();
    (store, f, module)
}

#[test]
fn offload_code_spill_evict_load_cycles() {
    let (mut store, f, _) = setup();
    let mut storage = MemStorage::new();
    for generation in 1..=1000u64 {
        let written = f
            .spill_code_to(&mut store, &mut storage, generation)
            .unwrap();
        assert!(written > 0);
        assert!(f.evict_code(&mut store) > 0);
        assert_eq!(f.code_status(&store), CodeStatus::Untranslated);
        f.load_code_from(&mut store, &mut storage).unwrap();
        assert_eq!(f.code_status(&store), CodeStatus::Translated);
        if generation % 100 == 0 {
            assert_eq!(fib(&mut store, f, 15), 610);
        }
    }
}

#[test]
fn offload_code_corrupt_blobs_are_rejected_then_retranslated() {
    let (mut store, f, _) = setup();
    let mut storage = MemStorage::new();
    f.spill_code_to(&mut store, &mut storage, 1).unwrap();
    let key = f.code_key(&store).unwrap();
    let good = storage.get(&key).unwrap().to_vec();
    let mut rejected = 0;
    for i in 0..good.len() {
        for bit in [0, 3, 7] {
            let mut bad = good.clone();
            bad[i] ^= 1 << bit;
            *storage.get_mut(&key).unwrap() = bad;
            f.evict_code(&mut store);
            if f.load_code_from(&mut store, &mut storage).is_err() {
                rejected += 1;
                assert_eq!(f.code_status(&store), CodeStatus::Untranslated);
            }
            // Either way the function computes the right answer (re-translated if rejected).
            assert_eq!(fib(&mut store, f, 10), 55);
        }
    }
    // The CRC catches every single-bit flip.
    assert_eq!(rejected, good.len() * 3);
}

#[test]
fn offload_code_from_another_module_is_rejected() {
    let (mut store, f, _) = setup();
    let mut storage = MemStorage::new();
    f.spill_code_to(&mut store, &mut storage, 1).unwrap();
    // Same code, another module's key: the fingerprint check refuses it.
    let other = Engine::default();
    let m2 = Module::new(
        &other,
        wat::parse_str("(module (func (export \"fib\") (param i32) (result i32) (local.get 0)))")
            .unwrap(),
    )
    .unwrap();
    let mut store2 = Store::new(&other, ());
    let inst2 = Linker::new(&other).instantiate(&mut store2, &m2).unwrap();
    let g = inst2.get_func(&store2, "fib").unwrap();
    let blob = storage.get(&f.code_key(&store).unwrap()).unwrap().to_vec();
    let mut storage2 = MemStorage::new();
    storage2
        .write(&g.code_key(&store2).unwrap(), &[&blob])
        .unwrap();
    assert!(g.load_code_from(&mut store2, &mut storage2).is_err());
}

#[test]
fn offload_code_cache_evicts_the_coldest_function() {
    // Four functions of one size; a budget for about two of them. `hot` is called between
    // every other call: second-chance eviction keeps it, where FIFO would evict it every
    // other admission.
    let wat = r#"(module
        (func (export "hot") (result i32) (i32.add (i32.const 1) (i32.const 2)))
        (func (export "c1") (result i32) (i32.add (i32.const 3) (i32.const 4)))
        (func (export "c2") (result i32) (i32.add (i32.const 5) (i32.const 6)))
        (func (export "c3") (result i32) (i32.add (i32.const 7) (i32.const 8))))"#;
    let probe = Engine::default();
    let module = Module::new(&probe, wat::parse_str(wat).unwrap()).unwrap();
    let mut store = Store::new(&probe, ());
    let inst = Linker::new(&probe)
        .instantiate(&mut store, &module)
        .unwrap();
    let hot = inst.get_func(&store, "hot").unwrap();
    let mut out = [Val::I32(0)];
    hot.call(&mut store, &[], &mut out).unwrap();
    let one = store.code_cache_usage().0;

    let engine = Engine::new(
        fayasm::Config::default()
            .code_cache_budget(Some(2 * one + one / 2))
            .code_cache_overdraft(0),
    );
    let module = Module::new(&engine, wat::parse_str(wat).unwrap()).unwrap();
    let mut store = Store::new(&engine, ());
    let inst = Linker::new(&engine)
        .instantiate(&mut store, &module)
        .unwrap();
    let hot = inst.get_func(&store, "hot").unwrap();
    for round in 0..20 {
        for cold in ["c1", "c2", "c3"] {
            hot.call(&mut store, &[], &mut out).unwrap();
            assert_eq!(out[0], Val::I32(3));
            let f = inst.get_func(&store, cold).unwrap();
            f.call(&mut store, &[], &mut out).unwrap();
            assert_eq!(
                hot.code_status(&store),
                CodeStatus::Translated,
                "round {round}: the hot function was evicted for {cold}"
            );
        }
    }
    assert!(
        store.code_cache_usage().1 >= 50,
        "cold functions were evicted"
    );
}
