//! Fault sweeps over a paged memory's page file (the region mode of issue 19, item 4): every
//! failed page write or read is a typed trap and loses no data, a silently damaged page is
//! never read back as wrong bytes, and a durable memory's pages survive a power cut during a
//! write-back as their old or their new version.

use std::sync::{Arc, Mutex};

use fayasm::offload::{
    blob, Fault, FaultError, FaultyStorage, Key, Kind, MemStorage, Persistence, PowerCut, Storage,
    StorageOp, StorageSlot, Unsynced,
};
use fayasm::{
    Config, Engine, Error, Instance, Linker, Memory, MemoryPolicy, Module, Paging, Store, TrapCode,
    Val,
};

type Faulty = FaultyStorage<MemStorage>;

/// A storage the test keeps a handle on while the store owns a clone of it; regions and all.
#[derive(Clone)]
struct Shared(Arc<Mutex<Faulty>>);

impl Storage for Shared {
    type Error = FaultError<std::collections::TryReserveError>;

    fn read(&mut self, key: &Key, buf: &mut Vec<u8>) -> Result<bool, Self::Error> {
        self.0.lock().unwrap().read(key, buf)
    }

    fn write(&mut self, key: &Key, parts: &[&[u8]]) -> Result<(), Self::Error> {
        self.0.lock().unwrap().write(key, parts)
    }

    fn write_cached(&mut self, key: &Key, parts: &[&[u8]]) -> Result<(), Self::Error> {
        self.0.lock().unwrap().write_cached(key, parts)
    }

    fn remove(&mut self, key: &Key) -> Result<(), Self::Error> {
        self.0.lock().unwrap().remove(key)
    }

    fn sync(&mut self) -> Result<(), Self::Error> {
        self.0.lock().unwrap().sync()
    }

    fn has_regions(&self) -> bool {
        self.0.lock().unwrap().has_regions()
    }

    fn read_at(&mut self, key: &Key, offset: u64, buf: &mut [u8]) -> Result<bool, Self::Error> {
        self.0.lock().unwrap().read_at(key, offset, buf)
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

/// One wasm page, 16 paging pages of 4 KiB: `fill(seed)` writes byte `i` as `i * seed + 1`
/// (mod 256) in order, `sum` reads every byte.
const WAT: &str = r#"(module
    (memory (export "mem") 1 1)
    (func (export "fill") (param $seed i32) (local $i i32)
        (block $done (loop $l
            (br_if $done (i32.ge_u (local.get $i) (i32.const 65536)))
            (i32.store8 (local.get $i)
                (i32.add (i32.mul (local.get $i) (local.get $seed)) (i32.const 1)))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $l))))
    (func (export "sum") (result i64) (local $i i32) (local $acc i64)
        (block $done (loop $l
            (br_if $done (i32.ge_u (local.get $i) (i32.const 65536)))
            (local.set $acc (i64.add (local.get $acc) (i64.load8_u (local.get $i))))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $l)))
        (local.get $acc))
)"#;

const PAGE: usize = 4096;

fn byte(i: usize, seed: u32) -> u8 {
    (i as u32).wrapping_mul(seed).wrapping_add(1) as u8
}

fn pattern(seed: u32) -> Vec<u8> {
    (0..65_536).map(|i| byte(i, seed)).collect()
}

struct Rig {
    store: Store<()>,
    inst: Instance,
    mem: Memory,
    module: Module,
}

fn rig(policy: MemoryPolicy, frames: usize, storage: Shared) -> Rig {
    let engine = Engine::new(
        Config::default()
            .memory_policy(policy)
            .memory_paging(Some(Paging {
                page_size: PAGE as u32,
                resident_pages: frames,
            })),
    );
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
    fn call(&mut self, name: &str, args: &[Val]) -> Result<Option<Val>, Error> {
        let f = self.inst.get_func(&self.store, name).unwrap();
        let n = f.ty(&self.store).results().len();
        let mut out = vec![Val::I32(0); n];
        f.call(&mut self.store, args, &mut out)?;
        Ok(out.first().cloned())
    }

    /// Each page's bytes as the program sees them, or `None` for a page that cannot be read.
    fn pages(&mut self) -> Vec<Option<Vec<u8>>> {
        (0..16)
            .map(|p| {
                let mut buf = vec![0u8; PAGE];
                self.mem
                    .read(&mut self.store, (p * PAGE) as u64, &mut buf)
                    .ok()
                    .map(|()| buf)
            })
            .collect()
    }
}

fn shared(s: Faulty) -> Shared {
    Shared(Arc::new(Mutex::new(s)))
}

fn is_unavailable(e: &Error) -> bool {
    matches!(e, Error::Trap(t) if t.code() == TrapCode::MemoryUnavailable)
}

/// The writes and reads of a fault-free `fill(5)` then `sum` after `fill(3)`, with 3 frames;
/// and the writes of all three.
fn fault_free_counts() -> (u64, u64, u64) {
    let s = shared(FaultyStorage::new(MemStorage::new()));
    let mut r = rig(MemoryPolicy::Cache, 3, s.clone());
    r.call("fill", &[Val::I32(3)]).unwrap();
    let before = s.0.lock().unwrap().counts();
    r.call("fill", &[Val::I32(5)]).unwrap();
    r.call("sum", &[]).unwrap();
    let c = s.0.lock().unwrap().counts();
    assert!(s.0.lock().unwrap().has_regions());
    (c.writes - before.writes, c.reads - before.reads, c.writes)
}

/// Whether `page` (page `p`) is `a`'s bytes up to some point and `b`'s after it.
fn split_of(page: &[u8], p: usize, a: &[u8], b: &[u8]) -> bool {
    let range = p * PAGE..(p + 1) * PAGE;
    let k = (0..PAGE)
        .find(|&i| page[i] != a[range.start + i])
        .unwrap_or(PAGE);
    page[k..] == b[range.start + k..range.end]
}

#[test]
fn paged_faults_failed_page_io_is_a_trap_and_loses_nothing() {
    // `fill(3)` runs clean; then every write (or read) number of `fill(5)` and `sum` fails
    // once or for good. The call traps with `MemoryUnavailable` or completes; with the
    // faults cleared the memory is `fill(5)`'s bytes up to some point and `fill(3)`'s after
    // it (nothing reverted, nothing zeroed), and a retry completes.
    let (writes, reads, _) = fault_free_counts();
    assert!(writes >= 4 && reads >= 8, "{writes} writes, {reads} reads");
    let (old, new) = (pattern(3), pattern(5));
    let mut traps = 0;
    for op in [StorageOp::Write, StorageOp::Read] {
        let n = if op == StorageOp::Write {
            writes
        } else {
            reads
        };
        for at in 0..n {
            for persistence in [Persistence::Transient, Persistence::Permanent] {
                let s = shared(FaultyStorage::new(MemStorage::new()));
                let mut r = rig(MemoryPolicy::Cache, 3, s.clone());
                r.call("fill", &[Val::I32(3)]).unwrap();
                let base = s.0.lock().unwrap().counts();
                let base = if op == StorageOp::Write {
                    base.writes
                } else {
                    base.reads
                };
                {
                    let mut g = s.0.lock().unwrap();
                    let armed = std::mem::replace(&mut *g, FaultyStorage::new(MemStorage::new()));
                    *g = armed.with_fault(Fault::Fail {
                        op,
                        at: base + at,
                        persistence,
                    });
                }
                let filled = r.call("fill", &[Val::I32(5)]);
                let summed = filled.as_ref().ok().map(|_| r.call("sum", &[]));
                let errors: Vec<&Error> = [
                    filled.as_ref().err(),
                    summed.as_ref().and_then(|s| s.as_ref().err()),
                ]
                .into_iter()
                .flatten()
                .collect();
                assert_eq!(errors.len(), 1, "{op:?} {at} {persistence:?}: no trap");
                assert!(
                    is_unavailable(errors[0]),
                    "{op:?} {at} {persistence:?}: {}",
                    errors[0]
                );
                traps += 1;
                s.0.lock().unwrap().clear_faults();
                let pages = r.pages();
                let mut seen_old = false;
                for (p, page) in pages.iter().enumerate() {
                    let page = page
                        .as_ref()
                        .unwrap_or_else(|| panic!("{op:?} {at} {persistence:?}: page {p} lost"));
                    let range = p * PAGE..(p + 1) * PAGE;
                    // A page is all new, all old, or the one page `fill` stopped in.
                    let k = (0..PAGE)
                        .find(|&i| page[i] != new[range.start + i])
                        .unwrap_or(PAGE);
                    assert!(
                        page[k..] == old[range.start + k..range.end],
                        "{op:?} {at} {persistence:?}: page {p} is neither fill's"
                    );
                    assert!(
                        !seen_old || page[..] == old[range.clone()],
                        "{op:?} {at} {persistence:?}: page {p} newer than an earlier one"
                    );
                    seen_old |= page[..] != new[range];
                }
                r.call("fill", &[Val::I32(5)]).unwrap();
                assert_eq!(
                    r.call("sum", &[]).unwrap(),
                    Some(Val::I64(new.iter().map(|&b| i64::from(b)).sum())),
                    "{op:?} {at} {persistence:?}"
                );
            }
        }
    }
    assert_eq!(traps, 2 * (writes + reads));
}

#[test]
fn paged_faults_damaged_page_writes_are_never_read_as_wrong_bytes() {
    // Write number N of the page file is torn, lost or has a bit flipped, and reports
    // success: reading the page back traps (the envelope's CRC, key and generation catch it)
    // or gives the right bytes, never others.
    let (_, _, writes) = fault_free_counts();
    let expected = pattern(5);
    let mut caught = 0;
    for at in 0..writes {
        for fault in [
            Fault::Tear {
                write: at,
                keep: 100,
            },
            Fault::Lose { write: at },
            Fault::Flip {
                write: at,
                offset: blob::HEADER_LEN + 77,
                mask: 0x10,
            },
            Fault::Flip {
                write: at,
                offset: 9,
                mask: 0x01,
            },
        ] {
            let s = shared(FaultyStorage::new(MemStorage::new()).with_fault(fault));
            let mut r = rig(MemoryPolicy::Cache, 3, s.clone());
            let run = r
                .call("fill", &[Val::I32(3)])
                .and_then(|_| r.call("fill", &[Val::I32(5)]))
                .and_then(|_| r.call("sum", &[]));
            if let Err(e) = &run {
                assert!(is_unavailable(e), "{fault:?}: {e}");
            }
            for (p, page) in r.pages().into_iter().enumerate() {
                match page {
                    Some(bytes) if run.is_ok() => {
                        assert_eq!(bytes, expected[p * PAGE..(p + 1) * PAGE], "{fault:?} {p}")
                    }
                    // A trap may have stopped either fill anywhere: a page is what the fills
                    // wrote up to then, over zeros.
                    Some(bytes) => assert!(
                        split_of(&bytes, p, &pattern(5), &pattern(3))
                            || split_of(&bytes, p, &pattern(3), &[0; 65_536]),
                        "{fault:?}: page {p} holds other bytes"
                    ),
                    None => caught += 1,
                }
            }
        }
    }
    assert!(caught > 0, "no damaged page was ever read back");
}

/// The newest intact copy of page `p` on the medium, from both regions.
fn stored_page(medium: &mut MemStorage, fp: u64, p: u64) -> Option<(u64, Vec<u8>)> {
    let region = Key::new(Kind::MemoryPage, fp, Key::page_index(0, 0).unwrap());
    let page_key = Key::new(Kind::MemoryPage, fp, Key::page_index(0, p).unwrap());
    let slot_len = blob::HEADER_LEN + PAGE;
    let mut newest: Option<(u64, Vec<u8>)> = None;
    for (copy, slot) in [(0u8, StorageSlot::Single), (1, StorageSlot::Ring(2))] {
        let mut buf = vec![0u8; slot_len];
        if !matches!(
            medium.read_at(&region.with_slot(slot), p * slot_len as u64, &mut buf),
            Ok(true)
        ) {
            continue;
        }
        if let Ok((h, payload)) = blob::decode(&buf, &page_key.with_slot(StorageSlot::Ring(copy))) {
            if newest.as_ref().is_none_or(|(g, _)| h.generation > *g) {
                newest = Some((h.generation, payload.to_vec()));
            }
        }
    }
    newest
}

#[test]
fn paged_faults_power_cut_sweep_over_durable_page_file() {
    // A durable paged memory (16 frames: nothing is evicted) is filled and flushed twice; the
    // power fails during write N (clean, torn at several lengths, unsynced writes kept or
    // dropped). After the reboot every page in the page file is a whole page of the last
    // completed flush or of the interrupted one, never torn or lost: durable write-backs go
    // to the region that does not hold the page's synced copy.
    let s = shared(FaultyStorage::new(MemStorage::new()));
    let mut r = rig(MemoryPolicy::Durable, 16, s.clone());
    for seed in [3, 5] {
        r.call("fill", &[Val::I32(seed)]).unwrap();
        r.mem.flush(&mut r.store).unwrap();
    }
    let total = s.0.lock().unwrap().counts().writes;
    let fp = r.module.fingerprint();
    drop(r);
    let mut simulated = 0;
    for at_write in 0..=total {
        for unsynced in [Unsynced::Keep, Unsynced::DropAll] {
            for torn_prefix in [None, Some(0), Some(17), Some(5000), Some(40_000)] {
                let cut = PowerCut {
                    at_write,
                    torn_prefix,
                    unsynced,
                };
                let s = shared(FaultyStorage::new(MemStorage::new()).with_power_cut(cut));
                let mut r = rig(MemoryPolicy::Durable, 16, s.clone());
                let mut flushed = 0;
                for seed in [3, 5] {
                    if r.call("fill", &[Val::I32(seed)]).is_err()
                        || r.mem.flush(&mut r.store).is_err()
                    {
                        break;
                    }
                    flushed += 1;
                }
                drop(r);
                let mut medium = Arc::try_unwrap(s.0)
                    .ok()
                    .unwrap()
                    .into_inner()
                    .unwrap()
                    .into_inner();
                let versions = [pattern(3), pattern(5)];
                for p in 0..16u64 {
                    let range = p as usize * PAGE..(p as usize + 1) * PAGE;
                    match stored_page(&mut medium, fp, p) {
                        Some((_, page)) => {
                            let v = versions
                                .iter()
                                .position(|v| v[range.clone()] == page[..])
                                .unwrap_or_else(|| panic!("{cut:?}: page {p} is neither fill"));
                            assert!(
                                v + 1 >= flushed,
                                "{cut:?}: page {p} older than the last completed flush"
                            );
                        }
                        None => assert_eq!(flushed, 0, "{cut:?}: a flushed page {p} is lost"),
                    }
                }
                simulated += 1;
            }
        }
    }
    assert_eq!(simulated, (total + 1) * 2 * 5);
    // Both flushes completed when nothing was cut: the fault-free run wrote every page twice.
    assert!(total >= 4, "{total} writes");
}
