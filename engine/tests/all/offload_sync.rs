//! What is synced (issue 19, item 4): cache data is written with `Storage::write_cached` and
//! never synced; durable data with `Storage::write` and synced. Checked on the calls the
//! engine makes (a recording storage) and on the fsyncs `FileStorage` issues.

use std::sync::{Arc, Mutex};

use fayasm::offload::{FileStorage, Key, Kind, MemStorage, Storage};
use fayasm::{CodeEviction, Config, Engine, Linker, MemoryPolicy, Module, Paging, Store, Val};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Call {
    Write(Kind),
    Cached(Kind),
    Sync,
}

/// A `MemStorage` that logs every write and sync.
struct Recording {
    inner: MemStorage,
    log: Arc<Mutex<Vec<Call>>>,
}

impl Storage for Recording {
    type Error = <MemStorage as Storage>::Error;

    fn read(&mut self, key: &Key, buf: &mut Vec<u8>) -> Result<bool, Self::Error> {
        self.inner.read(key, buf)
    }

    fn write(&mut self, key: &Key, parts: &[&[u8]]) -> Result<(), Self::Error> {
        self.log.lock().unwrap().push(Call::Write(key.kind));
        self.inner.write(key, parts)
    }

    fn write_cached(&mut self, key: &Key, parts: &[&[u8]]) -> Result<(), Self::Error> {
        self.log.lock().unwrap().push(Call::Cached(key.kind));
        self.inner.write_cached(key, parts)
    }

    fn remove(&mut self, key: &Key) -> Result<(), Self::Error> {
        self.inner.remove(key)
    }

    fn sync(&mut self) -> Result<(), Self::Error> {
        self.log.lock().unwrap().push(Call::Sync);
        self.inner.sync()
    }
}

/// Fills 64 KiB of memory 0 and calls three functions (so a tiny code budget evicts).
const FILL: &str = r#"(module
  (memory (export "memory") 1)
  (func $a (result i32) (i32.const 1))
  (func $b (result i32) (i32.const 2))
  (func (export "fill") (result i32)
    (local $i i32)
    (loop $l
      (i32.store (local.get $i) (local.get $i))
      (local.set $i (i32.add (local.get $i) (i32.const 4)))
      (br_if $l (i32.lt_u (local.get $i) (i32.const 65536))))
    (i32.add (call $a) (call $b))))"#;

/// Runs `fill` on a paged memory with 2 resident pages under `policy`, then spills memory 0;
/// the storage calls made.
fn calls(policy: MemoryPolicy, paged: bool) -> Vec<Call> {
    let mut config = Config::default()
        .memory_policy(policy)
        .code_cache_budget(Some(0))
        .code_cache_overdraft(0)
        .code_eviction(CodeEviction::Spill);
    if paged {
        config = config.memory_paging(Some(Paging {
            page_size: 4096,
            resident_pages: 2,
        }));
    }
    let engine = Engine::new(config);
    let module = Module::new(&engine, wat::parse_str(FILL).unwrap()).unwrap();
    let mut store = Store::new(&engine, ());
    let log = Arc::new(Mutex::new(Vec::new()));
    store.set_storage(Recording {
        inner: MemStorage::new(),
        log: log.clone(),
    });
    let inst = Linker::new(&engine)
        .instantiate(&mut store, &module)
        .unwrap();
    let fill = inst.get_func(&store, "fill").unwrap();
    let mut out = [Val::I32(0)];
    fill.call(&mut store, &[], &mut out).unwrap();
    assert_eq!(out[0], Val::I32(3));
    let memory = inst.get_memory(&store, "memory").unwrap();
    memory.spill(&mut store).unwrap();
    let calls = log.lock().unwrap().clone();
    calls
}

#[test]
fn cache_data_is_never_synced() {
    for paged in [false, true] {
        let calls = calls(MemoryPolicy::Cache, paged);
        assert!(calls.contains(&Call::Cached(Kind::Code)), "{calls:?}");
        let memory = if paged {
            Kind::MemoryPage
        } else {
            Kind::Memory
        };
        assert!(calls.contains(&Call::Cached(memory)), "{calls:?}");
        assert!(
            calls.iter().all(|c| matches!(c, Call::Cached(_))),
            "paged {paged}: a cache-policy run wrote durably or synced: {calls:?}"
        );
    }
}

#[test]
fn durable_data_is_always_synced() {
    for paged in [false, true] {
        let calls = calls(MemoryPolicy::Durable, paged);
        let memory = if paged {
            Kind::MemoryPage
        } else {
            Kind::Memory
        };
        // Every durable memory write goes through `write` and is followed by a sync.
        assert!(!calls.contains(&Call::Cached(memory)), "{calls:?}");
        let mut pending = false;
        for c in &calls {
            match c {
                Call::Write(k) if *k == memory => pending = true,
                Call::Sync => pending = false,
                _ => {}
            }
        }
        assert!(
            !pending,
            "paged {paged}: a durable write was never synced: {calls:?}"
        );
        assert!(calls.contains(&Call::Write(memory)), "{calls:?}");
        // The code cache stays a cache under either memory policy.
        assert!(calls.contains(&Call::Cached(Kind::Code)), "{calls:?}");
        assert!(!calls.contains(&Call::Write(Kind::Code)), "{calls:?}");
    }
}

#[test]
fn file_storage_fsyncs_only_durable_writes() {
    let dir = std::env::temp_dir().join(format!("fayasm-offload-sync-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let mut s = FileStorage::open(&dir).unwrap();
    let key = Key::new(Kind::MemoryPage, 7, 3);
    let base = s.fsyncs();
    s.write_cached(&key, &[b"cached ", b"blob"]).unwrap();
    s.write_cached(&key, &[b"replaced"]).unwrap();
    assert_eq!(s.fsyncs(), base, "write_cached fsynced");
    let mut buf = Vec::new();
    assert!(s.read(&key, &mut buf).unwrap());
    assert_eq!(buf, b"replaced");
    s.write(&key, &[b"durable"]).unwrap();
    if cfg!(unix) {
        // The file before its rename, and the directory after.
        assert_eq!(s.fsyncs(), base + 2);
    }
    assert!(s.read(&key, &mut buf).unwrap());
    assert_eq!(buf, b"durable");
    // No temporary file is left behind by either path.
    let names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 1, "{names:?}");
    let _ = std::fs::remove_dir_all(&dir);
}
