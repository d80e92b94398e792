//! Paging that respects the card (issue 19, item 4): on a storage with regions
//! (`Storage::has_regions`: `MemStorage`, `FileStorage`, the firmware's FAT card) a paged
//! memory keeps every page in a fixed slot of one region, written in place, consecutive dirty
//! pages of a batch in one write; elsewhere it keeps a blob per page. Both give the program
//! the same bytes.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use fayasm::offload::{FileStorage, Key, Kind, MemStorage, Storage};
use fayasm::{Config, Engine, Linker, Module, Paging, Store, Val};

/// Counts `write_at` calls and the page blobs written, and can hide its regions.
struct Counting {
    inner: MemStorage,
    regions: bool,
    region_writes: Arc<AtomicU64>,
}

impl Storage for Counting {
    type Error = <MemStorage as Storage>::Error;

    fn read(&mut self, key: &Key, buf: &mut Vec<u8>) -> Result<bool, Self::Error> {
        self.inner.read(key, buf)
    }

    fn write(&mut self, key: &Key, parts: &[&[u8]]) -> Result<(), Self::Error> {
        self.inner.write(key, parts)
    }

    fn remove(&mut self, key: &Key) -> Result<(), Self::Error> {
        self.inner.remove(key)
    }

    fn has_regions(&self) -> bool {
        self.regions
    }

    fn read_at(&mut self, key: &Key, offset: u64, buf: &mut [u8]) -> Result<bool, Self::Error> {
        self.inner.read_at(key, offset, buf)
    }

    fn write_at(
        &mut self,
        key: &Key,
        offset: u64,
        parts: &[&[u8]],
        sync: bool,
    ) -> Result<(), Self::Error> {
        self.region_writes.fetch_add(1, Ordering::Relaxed);
        self.inner.write_at(key, offset, parts, sync)
    }
}

/// Four wasm pages = 64 paging pages of 4 KiB: fill them in order (`seed`), then read them
/// back in reverse, twice.
const WAT: &str = r#"
(module
  (memory (export "mem") 4)
  (func (export "run") (param $seed i32) (result i32)
    (local $a i32) (local $sum i32) (local $pass i32)
    (block $done
      (loop $l
        (br_if $done (i32.ge_u (local.get $a) (i32.const 262144)))
        (i32.store (local.get $a) (i32.mul (local.get $a) (local.get $seed)))
        (local.set $a (i32.add (local.get $a) (i32.const 16)))
        (br $l)))
    (local.set $pass (i32.const 2))
    (loop $p
      (local.set $a (i32.const 262144))
      (block $done
        (loop $l
          (br_if $done (i32.eqz (local.get $a)))
          (local.set $a (i32.sub (local.get $a) (i32.const 16)))
          (local.set $sum (i32.add (i32.rotl (local.get $sum) (i32.const 3))
                                   (i32.load (local.get $a))))
          (br $l)))
      (local.set $pass (i32.sub (local.get $pass) (i32.const 1)))
      (br_if $p (local.get $pass)))
    (local.get $sum)))
"#;

struct Run {
    result: i32,
    page_writes: u64,
    region_writes: u64,
    wear: Option<fayasm::PageWear>,
}

fn run<S: Storage + Send + 'static>(storage: Option<S>, resident_pages: usize) -> Run {
    let paging = storage.is_some().then_some(Paging {
        page_size: 4096,
        resident_pages,
    });
    let engine = Engine::new(Config::default().memory_paging(paging));
    let module = Module::new(&engine, wat::parse_str(WAT).unwrap()).unwrap();
    let mut store = Store::new(&engine, ());
    if let Some(s) = storage {
        store.set_storage(s);
    }
    let inst = Linker::new(&engine)
        .instantiate(&mut store, &module)
        .unwrap();
    let mut out = [Val::I32(0)];
    inst.get_func(&store, "run")
        .unwrap()
        .call(&mut store, &[Val::I32(2654435)], &mut out)
        .unwrap();
    let Val::I32(result) = out[0] else { panic!() };
    let mem = inst.get_memory(&store, "mem").unwrap();
    Run {
        result,
        page_writes: store.offload_metrics().kind(Kind::MemoryPage).spills,
        region_writes: 0,
        wear: mem.page_wear(&store).unwrap(),
    }
}

fn counted(regions: bool, resident_pages: usize) -> Run {
    let writes = Arc::new(AtomicU64::new(0));
    let mut r = run(
        Some(Counting {
            inner: MemStorage::new(),
            regions,
            region_writes: writes.clone(),
        }),
        resident_pages,
    );
    r.region_writes = writes.load(Ordering::Relaxed);
    r
}

#[test]
fn region_and_blob_pages_give_the_same_bytes() {
    let want = run::<MemStorage>(None, 0).result;
    for resident_pages in [1, 3, 8, 16] {
        let region = counted(true, resident_pages);
        let blobs = counted(false, resident_pages);
        assert_eq!(region.result, want, "region, {resident_pages} frames");
        assert_eq!(blobs.result, want, "blobs, {resident_pages} frames");
        assert_eq!(blobs.region_writes, 0);
        assert_eq!(blobs.wear, None);
        let wear = region.wear.expect("region mode reports wear");
        assert_eq!(wear.slots, 64);
        assert_eq!(wear.slots_written, 64, "{wear:?}");
        assert_eq!(wear.total_writes, region.page_writes);
        assert!(region.page_writes >= 64 - resident_pages as u64);
        // Batches of consecutive pages go out in one write.
        if resident_pages >= 8 {
            assert!(
                region.region_writes * 2 <= region.page_writes,
                "{} writes for {} pages",
                region.region_writes,
                region.page_writes
            );
        }
    }
}

#[test]
fn a_file_storage_keeps_a_memory_in_one_region_file() {
    let dir = std::env::temp_dir().join(format!("fayasm-region-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let want = run::<MemStorage>(None, 0).result;
    let r = run(Some(FileStorage::open(&dir).unwrap()), 4);
    assert_eq!(r.result, want);
    let files: Vec<_> = std::fs::read_dir(&dir).unwrap().collect();
    assert_eq!(files.len(), 1, "{files:?}");
    let wear = r.wear.unwrap();
    assert_eq!(wear.slots_written, 64);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn file_storage_regions_read_and_write_in_place() {
    let dir = std::env::temp_dir().join(format!("fayasm-region-io-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let mut s = FileStorage::open(&dir).unwrap();
    let k = Key::new(Kind::MemoryPage, 9, 0);
    let other = Key::new(Kind::MemoryPage, 9, 1);
    let mut buf = [0u8; 4];
    assert!(!s.read_at(&k, 0, &mut buf).unwrap());
    s.write_at(&k, 8, &[b"ab", b"cd"], false).unwrap();
    assert!(s.read_at(&k, 8, &mut buf).unwrap());
    assert_eq!(&buf, b"abcd");
    // The gap before the first write reads as zeros; past the end is nothing.
    assert!(s.read_at(&k, 0, &mut buf).unwrap());
    assert_eq!(buf, [0; 4]);
    assert!(!s.read_at(&k, 10, &mut buf).unwrap());
    // Another region, then back: each keeps its bytes.
    s.write_at(&other, 0, &[b"wxyz"], true).unwrap();
    s.write_at(&k, 9, &[b"Z"], true).unwrap();
    assert!(s.read_at(&k, 8, &mut buf).unwrap());
    assert_eq!(&buf, b"aZcd");
    assert!(s.read_at(&other, 0, &mut buf).unwrap());
    assert_eq!(&buf, b"wxyz");
    s.remove(&k).unwrap();
    assert!(!s.read_at(&k, 8, &mut buf).unwrap());
    let _ = std::fs::remove_dir_all(&dir);
}
