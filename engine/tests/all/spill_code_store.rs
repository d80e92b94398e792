//! `Func::spill_code` through the store's storage (issue 16), as the README describes: the
//! microcode leaves RAM, the next call loads it back (verified) or re-translates if the blob is
//! damaged, and the errors are typed.

use fayasm::offload::{Kind, MemStorage};
use fayasm::{CodeSpillError, CodeStatus, Engine, Func, Linker, Module, Store, TypedFunc};

const WAT: &str = r#"(module
    (import "host" "seven" (func $seven (result i32)))
    (func $fib (export "fib") (param i32) (result i32)
      (if (result i32) (i32.lt_u (local.get 0) (i32.const 2))
        (then (local.get 0))
        (else (i32.add (call $fib (i32.sub (local.get 0) (i32.const 1)))
                       (call $fib (i32.sub (local.get 0) (i32.const 2)))))))
    (func (export "seven") (result i32) (call $seven)))"#;

struct Rig {
    store: Store<()>,
    fib: TypedFunc<i32, i32>,
    host: Func,
}

fn rig(storage: bool) -> Rig {
    let engine = Engine::default();
    let module = Module::new(&engine, wat::parse_str(WAT).unwrap()).unwrap();
    let mut store = Store::new(&engine, ());
    if storage {
        store.set_storage(MemStorage::new());
    }
    let host = Func::wrap(&mut store, || 7i32);
    let mut linker = Linker::new(&engine);
    linker.define(&store, "host", "seven", host).unwrap();
    let instance = linker.instantiate(&mut store, &module).unwrap();
    let fib = instance.get_typed_func::<i32, i32>(&store, "fib").unwrap();
    Rig { store, fib, host }
}

#[test]
fn spilled_code_leaves_ram_and_the_next_call_reloads_it() {
    let Rig { mut store, fib, .. } = rig(true);
    assert_eq!(fib.call(&mut store, 15).unwrap(), 610);
    let before = store.code_cache_stats();
    assert!(before.used > 0);
    let written = fib.func().spill_code(&mut store).unwrap();
    assert!(written > 0);
    assert_eq!(fib.func().code_status(&store), CodeStatus::Spilled);
    let after = store.code_cache_stats();
    assert!(after.used < before.used, "{before:?} -> {after:?}");
    assert_eq!(store.offload_metrics().kind(Kind::Code).spills, 1);
    // The next call loads the blob back, verified; nothing is translated again.
    assert_eq!(fib.call(&mut store, 15).unwrap(), 610);
    let reloaded = store.code_cache_stats();
    assert_eq!(reloaded.reloads, 1);
    assert_eq!(reloaded.translations, before.translations);
    assert_eq!(fib.func().code_status(&store), CodeStatus::Translated);
    assert!(store.last_code_load_error().is_none());
    // Spill and reload cycles use fresh generations of the store.
    for _ in 0..10 {
        fib.func().spill_code(&mut store).unwrap();
        assert_eq!(fib.call(&mut store, 10).unwrap(), 55);
    }
    assert_eq!(store.code_cache_stats().reloads, 11);
}

#[test]
fn code_never_translated_is_translated_then_spilled() {
    let Rig { mut store, fib, .. } = rig(true);
    assert_eq!(fib.func().code_status(&store), CodeStatus::Untranslated);
    assert!(fib.func().spill_code(&mut store).unwrap() > 0);
    assert_eq!(fib.func().code_status(&store), CodeStatus::Spilled);
    assert_eq!(fib.call(&mut store, 20).unwrap(), 6765);
    assert_eq!(store.code_cache_stats().translations, 1);
}

#[test]
fn a_damaged_blob_is_rejected_and_the_function_retranslated() {
    let Rig { mut store, fib, .. } = rig(true);
    fib.func().spill_code(&mut store).unwrap();
    let key = fib.func().code_key(&store).unwrap();
    let storage = store.storage_mut().unwrap();
    let mut blob = Vec::new();
    assert!(storage.read(&key, &mut blob).unwrap());
    let last = blob.len() - 1;
    blob[last] ^= 0x40;
    storage.write(&key, &[&blob]).unwrap();
    assert_eq!(fib.call(&mut store, 15).unwrap(), 610);
    assert!(store.last_code_load_error().is_some());
    assert_eq!(store.code_cache_stats().reloads, 0);
    assert_eq!(store.offload_metrics().kind(Kind::Code).fallbacks, 1);
}

#[test]
fn spill_errors_are_typed_and_leave_the_code_in_ram() {
    // No storage: the code stays where it is.
    let Rig { mut store, fib, .. } = rig(false);
    fib.call(&mut store, 3).unwrap();
    let err = fib.func().spill_code(&mut store).unwrap_err();
    assert!(matches!(err, CodeSpillError::NoStorage), "{err:?}");
    assert!(err.to_string().contains("Store::set_storage"), "{err}");
    assert_eq!(fib.func().code_status(&store), CodeStatus::Translated);
    // A function of another store.
    let mut other = rig(true);
    let err = fib.func().spill_code(&mut other.store).unwrap_err();
    assert!(matches!(err, CodeSpillError::WrongStore), "{err:?}");
    // A host function has no microcode: nothing to write.
    assert_eq!(other.host.spill_code(&mut other.store).unwrap(), 0);
    // Errors compose with `?`.
    fn spill(store: &mut Store<()>, f: &Func) -> Result<usize, Box<dyn std::error::Error>> {
        Ok(f.spill_code(store)?)
    }
    assert!(spill(&mut store, fib.func()).is_err());
}
