//! Code saves go through `offload::io` like every other blob: the store's code cache
//! (`Func::spill_code`) and a host's storage (`Func::spill_code_to`) write the same envelope and
//! report one error for one failure, the same error a memory spill reports.

use fayasm::offload::{
    blob, io, Fault, FaultError, FaultyStorage, Key, Kind, MemStorage, OffloadError, Persistence,
    StorageOp,
};
use fayasm::{
    CodeSpillError, CodeStatus, Engine, Linker, Memory, MemoryOffloadError, Module, Store, Val,
};

const WAT: &str = r#"(module
    (memory (export "mem") 1)
    (func (export "sum") (param i32) (result i32) (local i32)
      (block (loop
        (br_if 1 (i32.eqz (local.get 0)))
        (local.set 1 (i32.add (local.get 1) (local.get 0)))
        (local.set 0 (i32.sub (local.get 0) (i32.const 1)))
        (br 0)))
      (local.get 1)))"#;

fn setup() -> (Store<()>, fayasm::Func) {
    let engine = Engine::default();
    let module = Module::new(&engine, wat::parse_str(WAT).unwrap()).unwrap();
    let mut store = Store::new(&engine, ());
    let inst = Linker::new(&engine)
        .instantiate(&mut store, &module)
        .unwrap();
    let f = inst.get_func(&store, "sum").unwrap();
    (store, f)
}

fn sum(store: &mut Store<()>, f: fayasm::Func, n: i32) -> i32 {
    let mut out = [Val::I32(0)];
    f.call(store, &[Val::I32(n)], &mut out).unwrap();
    match out[0] {
        Val::I32(v) => v,
        ref v => panic!("sum returned {v:?}"),
    }
}

fn failing_writes() -> FaultyStorage<MemStorage> {
    FaultyStorage::new(MemStorage::new()).with_fault(Fault::Fail {
        op: StorageOp::Write,
        at: 0,
        persistence: Persistence::Permanent,
    })
}

/// The blob under `key` in `storage`, checked by the one loader, as (generation, payload).
fn stored(storage: &mut MemStorage, key: &Key) -> (u64, Vec<u8>) {
    let mut payload = Vec::new();
    let header = io::load(storage, key, &mut payload).unwrap();
    assert_eq!(header.kind, Kind::Code);
    (header.generation, payload)
}

#[test]
fn both_code_saves_write_the_same_envelope() {
    let (mut store, f) = setup();
    let key = f.code_key(&store).unwrap();

    let mut host = MemStorage::new();
    let written = f.spill_code_to(&mut store, &mut host, 7).unwrap();
    assert_eq!(written, host.get(&key).unwrap().len());
    let (generation, payload) = stored(&mut host, &key);
    assert_eq!(generation, 7);
    assert_eq!(
        host.get(&key).unwrap(),
        blob::encode(&key, 7, &payload).unwrap().as_slice()
    );

    store.set_storage(MemStorage::new());
    let spilled = f.spill_code(&mut store).unwrap();
    assert_eq!(spilled, written);
    assert_eq!(f.code_status(&store), CodeStatus::Spilled);
    let mut own = store.take_storage().unwrap();
    let mut bytes = Vec::new();
    assert!(own.read(&key, &mut bytes).unwrap());
    let (header, same) = blob::decode(&bytes, &key).unwrap();
    // Same payload, the store's own generation.
    assert_eq!(same, payload.as_slice());
    assert_eq!(
        bytes,
        blob::encode(&key, header.generation, &payload).unwrap()
    );
}

#[test]
fn a_failed_code_write_is_the_storage_error_from_both_saves() {
    let (mut store, f) = setup();
    let mut host = failing_writes();
    match f.spill_code_to(&mut store, &mut host, 1) {
        Err(OffloadError::Storage(FaultError::Injected {
            op: StorageOp::Write,
            ..
        })) => {}
        other => panic!("spill_code_to to a failing storage: {other:?}"),
    }
    assert_eq!(f.code_status(&store), CodeStatus::Translated);

    store.set_storage(failing_writes());
    match f.spill_code(&mut store) {
        Err(CodeSpillError::Offload(OffloadError::Storage(_))) => {}
        other => panic!("spill_code to a failing storage: {other:?}"),
    }
    // Nothing was dropped: the function keeps its code and runs.
    assert_eq!(f.code_status(&store), CodeStatus::Translated);
    assert_eq!(sum(&mut store, f, 100), 5050);
}

/// A payload the envelope cannot hold is `NotABlob` (a write-side refusal, nothing written)
/// for every save, not `Blob` (which is a stored blob rejected on reading). A 4 GiB memory is
/// the one such payload a test can make: its zero pages are never touched.
#[test]
#[cfg(target_pointer_width = "64")]
fn a_memory_too_large_for_the_envelope_is_not_a_blob() {
    let engine = Engine::default();
    let wat = r#"(module (memory (export "mem") 65536))"#;
    let module = Module::new(&engine, wat::parse_str(wat).unwrap()).unwrap();
    let mut store = Store::new(&engine, ());
    let inst = Linker::new(&engine)
        .instantiate(&mut store, &module)
        .unwrap();
    let mem: Memory = inst.get_memory(&store, "mem").unwrap();
    mem.write(&mut store, 12345, b"kept").unwrap();
    store.set_storage(MemStorage::new());
    match mem.spill(&mut store) {
        // The memory's error carries the offload error as text (its `Debug` form).
        Err(MemoryOffloadError::Offload(text)) => {
            assert!(
                text.starts_with("NotABlob {") && text.ends_with("error: TooLarge }"),
                "{text}"
            );
        }
        other => panic!("spilling a 4 GiB memory: {other:?}"),
    }
    // Nothing was released: the memory is still resident, with its contents.
    assert!(mem.try_data(&store).is_ok());
    let mut back = [0u8; 4];
    mem.read(&mut store, 12345, &mut back).unwrap();
    assert_eq!(&back, b"kept");
}
