//! Paging policies for the card (issue 19, item 4): the page file is reserved at its full
//! length before the first write-back (and again after growth), a fault that continues a
//! sequential run reads the next pages ahead, and page latencies are measured apart from the
//! other kinds.

use fayasm::offload::{blob, FileStorage, Key, Kind, MemStorage, Storage};
use fayasm::{Config, Engine, Instance, Linker, Memory, Module, Paging, Store, Val};

/// Two wasm pages (32 paging pages of 4 KiB): `fill(seed)` writes every byte front to back,
/// `sum_up`/`sum_down` read them front to back or back to front, `sum_stride(k)` reads one
/// byte of every page in the order 0, k, 2k, ... (mod 32).
const WAT: &str = r#"(module
    (memory (export "mem") 2 3)
    (func (export "fill") (param $seed i32) (local $i i32)
        (block $done (loop $l
            (br_if $done (i32.ge_u (local.get $i) (i32.const 131072)))
            (i32.store8 (local.get $i) (i32.add (i32.mul (local.get $i) (local.get $seed)) (i32.const 1)))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $l))))
    (func (export "sum_up") (result i64) (local $i i32) (local $acc i64)
        (block $done (loop $l
            (br_if $done (i32.ge_u (local.get $i) (i32.const 131072)))
            (local.set $acc (i64.add (local.get $acc) (i64.load8_u (local.get $i))))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $l)))
        (local.get $acc))
    (func (export "sum_down") (result i64) (local $i i32) (local $acc i64)
        (local.set $i (i32.const 131072))
        (block $done (loop $l
            (br_if $done (i32.eqz (local.get $i)))
            (local.set $i (i32.sub (local.get $i) (i32.const 1)))
            (local.set $acc (i64.add (local.get $acc) (i64.load8_u (local.get $i))))
            (br $l)))
        (local.get $acc))
    (func (export "sum_stride") (param $k i32) (result i64) (local $n i32) (local $acc i64)
        (block $done (loop $l
            (br_if $done (i32.ge_u (local.get $n) (i32.const 32)))
            (local.set $acc (i64.add (local.get $acc) (i64.load8_u
                (i32.mul (i32.rem_u (i32.mul (local.get $n) (local.get $k)) (i32.const 32))
                    (i32.const 4096)))))
            (local.set $n (i32.add (local.get $n) (i32.const 1)))
            (br $l)))
        (local.get $acc))
    (func (export "grow") (result i32) (memory.grow (i32.const 1)))
)"#;

struct Rig {
    store: Store<()>,
    inst: Instance,
    mem: Memory,
    module: Module,
}

fn rig(frames: usize, storage: impl Storage + Send + 'static) -> Rig {
    let engine = Engine::new(Config::default().memory_paging(Some(Paging {
        page_size: 4096,
        resident_pages: frames,
    })));
    let module = Module::new(&engine, wat::parse_str(WAT).unwrap()).unwrap();
    let mut store = Store::new(&engine, ());
    store.set_storage(storage);
    let inst = Linker::new(&engine)
        .instantiate(&mut store, &module)
        .unwrap();
    let mem = inst.get_memory(&store, "mem").unwrap();
    Rig {
        store,
        inst,
        mem,
        module,
    }
}

impl Rig {
    fn call(&mut self, name: &str, args: &[Val]) -> Option<Val> {
        let f = self.inst.get_func(&self.store, name).unwrap();
        let n = f.ty(&self.store).results().len();
        let mut out = vec![Val::I32(0); n];
        f.call(&mut self.store, args, &mut out).unwrap();
        out.first().cloned()
    }

    fn page_loads(&self) -> u64 {
        self.store.offload_metrics().kind(Kind::MemoryPage).loads
    }

    fn read_ahead(&self) -> u64 {
        self.mem
            .page_wear(&self.store)
            .unwrap()
            .map_or(0, |w| w.read_ahead)
    }
}

fn expected_sum(seed: u32) -> i64 {
    (0..131_072u32)
        .map(|i| i64::from(i.wrapping_mul(seed).wrapping_add(1) as u8))
        .sum()
}

#[test]
fn paged_policy_sequential_faults_read_ahead_in_either_direction() {
    // 8 frames read ahead 2 pages; the 32 pages are all written back by `fill`.
    let mut r = rig(8, MemStorage::new());
    r.call("fill", &[Val::I32(7)]);
    let want = Some(Val::I64(expected_sum(7)));
    for sum in ["sum_up", "sum_down", "sum_up"] {
        let (loads, ahead) = (r.page_loads(), r.read_ahead());
        assert_eq!(r.call(sum, &[]), want, "{sum}");
        let (loads, ahead) = (r.page_loads() - loads, r.read_ahead() - ahead);
        // Every page not resident is read once; most of them ahead of their fault.
        eprintln!("{sum}: {loads} pages read, {ahead} ahead");
        assert!((24..=36).contains(&loads), "{sum}: {loads} pages read");
        assert!(ahead * 2 >= loads, "{sum}: {ahead} of {loads} read ahead");
    }
    // A stride is not a run: nothing is read ahead.
    let ahead = r.read_ahead();
    r.call("sum_stride", &[Val::I32(5)]);
    r.call("sum_stride", &[Val::I32(7)]);
    assert_eq!(r.read_ahead(), ahead);
    // Fewer than 4 frames never read ahead (no frame to spare).
    let mut small = rig(3, MemStorage::new());
    small.call("fill", &[Val::I32(3)]);
    assert_eq!(small.call("sum_up", &[]), Some(Val::I64(expected_sum(3))));
    assert_eq!(small.read_ahead(), 0);
    // Page latencies are measured on their own.
    let m = r.store.offload_metrics();
    assert_eq!(
        m.page_read_latency().count(),
        m.kind(Kind::MemoryPage).loads
    );
    assert_eq!(
        m.page_write_latency().count(),
        m.kind(Kind::MemoryPage).spills
    );
}

/// A `MemStorage` the test can look at after the store is done with it.
#[derive(Clone)]
struct Shared(std::sync::Arc<std::sync::Mutex<MemStorage>>);

impl Storage for Shared {
    type Error = <MemStorage as Storage>::Error;

    fn read(&mut self, key: &Key, buf: &mut Vec<u8>) -> Result<bool, Self::Error> {
        self.0.lock().unwrap().read(key, buf)
    }

    fn write(&mut self, key: &Key, parts: &[&[u8]]) -> Result<(), Self::Error> {
        self.0.lock().unwrap().write(key, parts)
    }

    fn remove(&mut self, key: &Key) -> Result<(), Self::Error> {
        self.0.lock().unwrap().remove(key)
    }

    fn has_regions(&self) -> bool {
        true
    }

    fn read_at(&mut self, key: &Key, offset: u64, buf: &mut [u8]) -> Result<bool, Self::Error> {
        self.0.lock().unwrap().read_at(key, offset, buf)
    }

    fn reserve(&mut self, key: &Key, len: u64) -> Result<(), Self::Error> {
        self.0.lock().unwrap().reserve(key, len)
    }

    fn write_at(
        &mut self,
        key: &Key,
        offset: u64,
        parts: &[&[u8]],
        sync: bool,
    ) -> Result<(), Self::Error> {
        self.0.lock().unwrap().write_at(key, offset, parts, sync)
    }
}

#[test]
fn paged_policy_the_page_file_is_reserved_whole_before_the_first_write_back() {
    let slot = (blob::HEADER_LEN + 4096) as u64;
    let s = Shared(Default::default());
    let mut r = rig(2, s.clone());
    let region = Key::new(
        Kind::MemoryPage,
        r.module.fingerprint(),
        Key::page_index(0, 0).unwrap(),
    );
    let len = |s: &Shared| s.0.lock().unwrap().get(&region).map(<[u8]>::len);
    assert_eq!(len(&s), None);
    // Pages 0..3 touched: the first write-back (of page 0) reserves all 32 slots.
    for p in 0..3 {
        r.mem.write(&mut r.store, p * 4096, &[1]).unwrap();
    }
    assert_eq!(len(&s), Some(32 * slot as usize));
    assert_eq!(r.call("grow", &[]), Some(Val::I32(2)));
    for p in 32..35 {
        r.mem.write(&mut r.store, p * 4096, &[2]).unwrap();
    }
    assert_eq!(len(&s), Some(48 * slot as usize));

    // A file storage's page file gets its length without data written (sparse).
    let dir = crate::support::temp_dir("paged_policy_reserve");
    let mut r = rig(2, FileStorage::open(&dir).unwrap());
    for p in 0..3 {
        r.mem.write(&mut r.store, p * 4096, &[1]).unwrap();
    }
    let files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().metadata().unwrap().len())
        .collect();
    assert!(files.contains(&(32 * slot)), "{files:?}");
}
