//! Write amplification of a paged memory (issue 19, item 4): when an eviction has to write
//! its victim back, no other page is written with it on a storage without regions, as here
//! (in a page file only the cold dirty pages next to it, which share its write: spill
//! debouncing, `runtime/memory/pager.rs`, `WRITEBACK_BATCH`). A page the program
//! is still using is not written early: it would be dirtied again and written a second time
//! at its eviction. Measured on two benchmark programs with 16 resident 4 KiB pages (the
//! esp32c3 profile's page budget): page writes fell from 102 (every dirty page joining the
//! victim) to 83 (cold pages only) to 80 (the victim alone) for matmul, and from 132 to 110 to
//! 102 for quicksort.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use fayasm::offload::{Key, Kind, MemStorage, Storage};
use fayasm::{Config, Engine, Linker, Module, Paging, Store, Val};

/// A `MemStorage` that counts the writes of each memory page (by the key's item index).
struct Counting {
    inner: MemStorage,
    writes: Arc<Mutex<BTreeMap<u32, u64>>>,
}

impl Counting {
    fn count(&self, key: &Key) {
        if key.kind == Kind::MemoryPage {
            *self.writes.lock().unwrap().entry(key.index).or_default() += 1;
        }
    }
}

impl Storage for Counting {
    type Error = <MemStorage as Storage>::Error;

    fn read(&mut self, key: &Key, buf: &mut Vec<u8>) -> Result<bool, Self::Error> {
        self.inner.read(key, buf)
    }

    fn write(&mut self, key: &Key, parts: &[&[u8]]) -> Result<(), Self::Error> {
        self.count(key);
        self.inner.write(key, parts)
    }

    fn write_cached(&mut self, key: &Key, parts: &[&[u8]]) -> Result<(), Self::Error> {
        self.count(key);
        self.inner.write_cached(key, parts)
    }

    fn remove(&mut self, key: &Key) -> Result<(), Self::Error> {
        self.inner.remove(key)
    }

    fn sync(&mut self) -> Result<(), Self::Error> {
        self.inner.sync()
    }
}

/// Runs `run(arg)` of the benchmark program `name` with 16 resident 4 KiB pages; its result
/// and the number of page writes.
fn page_writes(name: &str, arg: i32) -> (Val, u64) {
    let path = format!(
        "{}/../wasm_samples/wasm/{name}.wasm",
        env!("CARGO_MANIFEST_DIR")
    );
    let wasm = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let engine = Engine::new(Config::default().memory_paging(Some(Paging {
        page_size: 4096,
        resident_pages: 16,
    })));
    let module = Module::new(&engine, wasm).unwrap();
    let mut store = Store::new(&engine, ());
    let writes = Arc::new(Mutex::new(BTreeMap::new()));
    store.set_storage(Counting {
        inner: MemStorage::new(),
        writes: writes.clone(),
    });
    let inst = Linker::new(&engine)
        .instantiate(&mut store, &module)
        .unwrap();
    let mut out = [Val::I32(0)];
    inst.get_func(&store, "run")
        .unwrap()
        .call(&mut store, &[Val::I32(arg)], &mut out)
        .unwrap();
    let total = writes.lock().unwrap().values().sum();
    (out[0], total)
}

#[test]
fn only_cold_pages_join_a_write_back_batch() {
    // (program, argument, checksum, page writes with every dirty page in the batch)
    for (name, arg, sum, before) in [
        ("bench_matmul", 100, -2101, 102),
        ("bench_quicksort", 30000, -1522952664, 132),
    ] {
        let (result, writes) = page_writes(name, arg);
        assert_eq!(result, Val::I32(sum), "{name}");
        eprintln!("{name}({arg}): {writes} page writes (before: {before})");
        assert!(
            writes * 100 <= before * 90,
            "{name}: {writes} page writes, {before} when hot pages joined every batch"
        );
    }
}
