//! How long a program takes to fill 3 MiB of a demand-paged memory (16 resident 4 KiB pages)
//! through a `FileStorage`, under each memory policy, against the same fill in a resident
//! memory: the cost of the write-backs, and of the fsyncs of durable data (cache-policy data
//! is never fsynced). Run: `cargo run --release -p fayasm --example paged_fill [DIR]` (the
//! storage directory; default under the system temp dir, which may be a tmpfs where fsync is
//! free: give a directory on a real disk to see the difference). Best of 3 runs. The
//! `cache, fsynced` row is how cache data was written before issue 19: every write fsynced
//! (a wrapper sends `write_cached` to `write`).

use std::time::{Duration, Instant};

use fayasm::offload::{FileStorage, Key, Storage};
use fayasm::{Config, Engine, Linker, MemoryPolicy, Module, Paging, Store, Val};

/// Stores an i64 every 8 bytes of the first `n` bytes, then returns the sum of a few.
const FILL: &str = r#"(module
  (memory 48)
  (func (export "fill") (param $n i32) (result i64)
    (local $i i32)
    (loop $l
      (i64.store (local.get $i) (i64.extend_i32_u (local.get $i)))
      (local.set $i (i32.add (local.get $i) (i32.const 8)))
      (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
    (i64.add (i64.load (i32.const 8)) (i64.load (i32.sub (local.get $n) (i32.const 8))))))"#;

/// A `FileStorage` that fsyncs cache data too.
struct AlwaysSynced(FileStorage);

impl Storage for AlwaysSynced {
    type Error = std::io::Error;

    fn read(&mut self, key: &Key, buf: &mut Vec<u8>) -> std::io::Result<bool> {
        self.0.read(key, buf)
    }

    fn write(&mut self, key: &Key, parts: &[&[u8]]) -> std::io::Result<()> {
        self.0.write(key, parts)
    }

    fn remove(&mut self, key: &Key) -> std::io::Result<()> {
        self.0.remove(key)
    }

    fn sync(&mut self) -> std::io::Result<()> {
        self.0.sync()
    }
}

fn run(paging: Option<(MemoryPolicy, &std::path::Path, bool)>) -> Duration {
    let mut config = Config::default();
    if let Some((policy, _, _)) = paging {
        config = config
            .memory_paging(Some(Paging {
                page_size: 4096,
                resident_pages: 16,
            }))
            .memory_policy(policy);
    }
    let engine = Engine::new(config);
    let module = Module::new(&engine, wat::parse_str(FILL).unwrap()).unwrap();
    let mut store = Store::new(&engine, ());
    if let Some((_, dir, always_sync)) = paging {
        let _ = std::fs::remove_dir_all(dir);
        let storage = FileStorage::open(dir).unwrap();
        if always_sync {
            store.set_storage(AlwaysSynced(storage));
        } else {
            store.set_storage(storage);
        }
    }
    let inst = Linker::new(&engine)
        .instantiate(&mut store, &module)
        .unwrap();
    let fill = inst.get_func(&store, "fill").unwrap();
    let n = 3 << 20;
    let mut out = [Val::I64(0)];
    let started = Instant::now();
    fill.call(&mut store, &[Val::I32(n)], &mut out).unwrap();
    let took = started.elapsed();
    assert_eq!(out[0], Val::I64(8 + i64::from(n) - 8));
    took
}

fn main() {
    let base = std::env::args()
        .nth(1)
        .map(std::path::PathBuf::from)
        .unwrap_or_else(std::env::temp_dir)
        .join(format!("fayasm-paged-fill-{}", std::process::id()));
    let best = |f: &dyn Fn() -> Duration| (0..3).map(|_| f()).min().unwrap();
    println!("resident: {:?}", best(&|| run(None)));
    for (name, policy, always_sync) in [
        ("cache", MemoryPolicy::Cache, false),
        ("cache, fsynced", MemoryPolicy::Cache, true),
        ("durable", MemoryPolicy::Durable, false),
    ] {
        let t = best(&|| run(Some((policy, &base, always_sync))));
        println!("paged, FileStorage, {name}: {t:?}");
    }
    let _ = std::fs::remove_dir_all(&base);
}
