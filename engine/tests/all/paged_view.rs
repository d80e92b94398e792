//! The interpreter's direct view of a paged memory 0's resident pages (issue 19): loads and
//! stores that hit a resident page no longer call into the pager, so the view itself must
//! mark pages dirty (a page faulted in by a load and then stored to through the view is
//! written back, not lost) and referenced (a hot page the clock passes survives).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use fayasm::offload::{Key, Kind, MemStorage, Storage};
use fayasm::{Config, Engine, Linker, Module, Paging, Store, Val};

/// A `MemStorage` that counts the reads of each memory page (by the key's item index).
struct Counting {
    inner: MemStorage,
    reads: Arc<Mutex<BTreeMap<u32, u64>>>,
}

impl Storage for Counting {
    type Error = <MemStorage as Storage>::Error;

    fn read(&mut self, key: &Key, buf: &mut Vec<u8>) -> Result<bool, Self::Error> {
        if key.kind == Kind::MemoryPage {
            *self.reads.lock().unwrap().entry(key.index).or_default() += 1;
        }
        self.inner.read(key, buf)
    }

    fn write(&mut self, key: &Key, parts: &[&[u8]]) -> Result<(), Self::Error> {
        self.inner.write(key, parts)
    }

    fn write_cached(&mut self, key: &Key, parts: &[&[u8]]) -> Result<(), Self::Error> {
        self.inner.write_cached(key, parts)
    }

    fn remove(&mut self, key: &Key) -> Result<(), Self::Error> {
        self.inner.remove(key)
    }

    fn sync(&mut self) -> Result<(), Self::Error> {
        self.inner.sync()
    }
}

/// Two wasm pages = 32 paging pages of 4 KiB.
const WAT: &str = r#"
(module
  (memory (export "mem") 2)
  ;; Every page: load a word (faults the page in clean), then store to it and to the rest
  ;; of the page through the view; then sum everything back.
  (func (export "fill_sum") (param $seed i32) (result i32)
    (local $a i32) (local $sum i32)
    (local.set $a (i32.const 0))
    (block $done
      (loop $l
        (br_if $done (i32.ge_u (local.get $a) (i32.const 131072)))
        (i32.store (local.get $a)
          (i32.add (i32.load (local.get $a))
                   (i32.mul (local.get $a) (local.get $seed))))
        (local.set $a (i32.add (local.get $a) (i32.const 4)))
        (br $l)))
    (local.set $a (i32.const 0))
    (block $done
      (loop $l
        (br_if $done (i32.ge_u (local.get $a) (i32.const 131072)))
        (local.set $sum (i32.add (local.get $sum) (i32.load8_u offset=1 (local.get $a))))
        (local.set $sum (i32.xor (local.get $sum) (i32.load (local.get $a))))
        (local.set $a (i32.add (local.get $a) (i32.const 4)))
        (br $l)))
    (local.get $sum))
  ;; `passes` times: stream through pages 1..31 (a store per 256 bytes) while touching the
  ;; hot page 0 between every two accesses.
  (func (export "hot") (param $passes i32) (result i32)
    (local $a i32) (local $sum i32)
    (block $out
      (loop $p
        (br_if $out (i32.eqz (local.get $passes)))
        (local.set $passes (i32.sub (local.get $passes) (i32.const 1)))
        (local.set $a (i32.const 4096))
        (block $done
          (loop $l
            (br_if $done (i32.ge_u (local.get $a) (i32.const 131072)))
            (i32.store (local.get $a) (local.get $a))
            (local.set $sum (i32.add (local.get $sum) (i32.load (i32.const 64))))
            (i32.store (i32.const 64) (local.get $sum))
            (local.set $a (i32.add (local.get $a) (i32.const 256)))
            (br $l)))
        (br $p)))
    (local.get $sum)))
"#;

fn run(paging: Option<Paging>, export: &str, arg: i32) -> (i32, BTreeMap<u32, u64>) {
    let engine = Engine::new(Config::default().memory_paging(paging));
    let module = Module::new(&engine, wat::parse_str(WAT).unwrap()).unwrap();
    let mut store = Store::new(&engine, ());
    let reads = Arc::new(Mutex::new(BTreeMap::new()));
    store.set_storage(Counting {
        inner: MemStorage::new(),
        reads: reads.clone(),
    });
    let inst = Linker::new(&engine)
        .instantiate(&mut store, &module)
        .unwrap();
    let mut out = [Val::I32(0)];
    inst.get_func(&store, export)
        .unwrap()
        .call(&mut store, &[Val::I32(arg)], &mut out)
        .unwrap();
    let Val::I32(v) = out[0] else { panic!() };
    let reads = reads.lock().unwrap().clone();
    (v, reads)
}

#[test]
fn stores_through_the_view_are_written_back() {
    let (want, _) = run(None, "fill_sum", 7);
    for resident_pages in [1, 2, 3, 8] {
        let (got, reads) = run(
            Some(Paging {
                page_size: 4096,
                resident_pages,
            }),
            "fill_sum",
            7,
        );
        assert_eq!(got, want, "{resident_pages} resident pages");
        // Every page was written back and read again by the second loop.
        if resident_pages < 32 {
            assert!(reads.len() >= 31 - resident_pages, "{reads:?}");
        }
    }
}

#[test]
fn the_view_keeps_a_hot_page_referenced() {
    let (want, _) = run(None, "hot", 4);
    let (got, reads) = run(
        Some(Paging {
            page_size: 4096,
            resident_pages: 4,
        }),
        "hot",
        4,
    );
    assert_eq!(got, want);
    // Page 0 is used between every two accesses of the stream, only through the view after
    // its first fault: the clock must see it referenced and keep it (4 passes over 31
    // streamed pages evict 120 times).
    assert_eq!(reads.get(&0).copied().unwrap_or(0), 0, "{reads:?}");
    assert!(reads.values().sum::<u64>() >= 90, "{reads:?}");
}
