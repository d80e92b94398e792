//! Memory offload: whole-memory spill and reload on first access, demand-paged memories
//! (straddling accesses, bulk and SIMD operations across page boundaries, eviction with
//! write-back), policies, and hostile or failing storage.

use fayasm::offload::{
    Fault, FaultyStorage, Key, Kind, MemStorage, Persistence, PowerCut, Storage, StorageOp,
    StorageSlot,
};
use fayasm::{
    Config, Engine, Error, Instance, Linker, Memory, MemoryOffloadError, MemoryPolicy, Module,
    Paging, Residency, Store, TrapCode, Val,
};

/// Functions over memory 0 used by every test: scalar, bulk and SIMD accesses.
const WAT: &str = r#"(module
    (memory (export "mem") 2 64)
    (data (i32.const 65530) "straddle")
    (func (export "load8") (param i32) (result i32) (i32.load8_u (local.get 0)))
    (func (export "load64") (param i32) (result i64) (i64.load (local.get 0)))
    (func (export "store64") (param i32 i64) (i64.store (local.get 0) (local.get 1)))
    (func (export "store32") (param i32 i32) (i32.store offset=1 (local.get 0) (local.get 1)))
    (func (export "fill") (param i32 i32 i32) (memory.fill (local.get 0) (local.get 1) (local.get 2)))
    (func (export "copy") (param i32 i32 i32) (memory.copy (local.get 0) (local.get 1) (local.get 2)))
    (func (export "vcopy") (param i32 i32)
        (v128.store (local.get 0) (v128.load (local.get 1))))
    (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
    (func (export "size") (result i32) (memory.size))
    (func (export "sum") (param i32 i32) (result i64) (local $acc i64)
        (block $done (loop $l
            (br_if $done (i32.ge_u (local.get 0) (local.get 1)))
            (local.set $acc (i64.add (local.get $acc)
                (i64.mul (i64.extend_i32_u (local.get 0)) (i64.load8_u (local.get 0)))))
            (local.set 0 (i32.add (local.get 0) (i32.const 1)))
            (br $l)))
        (local.get $acc))
)"#;

struct Rig {
    store: Store<()>,
    inst: Instance,
    mem: Memory,
}

fn rig_with(config: Config, storage: Option<impl Storage + Send + 'static>) -> Result<Rig, Error> {
    let engine = Engine::new(config);
    let module = Module::new(&engine, wat::parse_str(WAT).unwrap()).unwrap();
    let mut store = Store::new(&engine, ());
    if let Some(s) = storage {
        store.set_storage(s);
    }
    let inst = Linker::new(&engine).instantiate(&mut store, &module)?;
    let mem = inst.get_memory(&store, "mem").unwrap();
    Ok(Rig { store, inst, mem })
}

fn rig(paging: Option<Paging>) -> Rig {
    rig_with(
        Config::default().memory_paging(paging),
        Some(MemStorage::new()),
    )
    .unwrap()
}

impl Rig {
    fn call(&mut self, name: &str, args: &[Val]) -> Result<Option<Val>, Error> {
        let f = self.inst.get_func(&self.store, name).unwrap();
        let n = f.ty(&self.store).results().len();
        let mut out = vec![Val::I32(0); n];
        f.call(&mut self.store, args, &mut out)?;
        Ok(out.first().cloned())
    }

    fn i64(&mut self, name: &str, args: &[Val]) -> i64 {
        match self.call(name, args).unwrap() {
            Some(Val::I64(v)) => v,
            Some(Val::I32(v)) => v as i64,
            other => panic!("{name}: {other:?}"),
        }
    }

    fn contents(&mut self) -> Vec<u8> {
        let len = self.mem.size(&self.store) as usize * 65_536;
        let mut buf = vec![0u8; len];
        self.mem.read(&mut self.store, 0, &mut buf).unwrap();
        buf
    }
}

fn trap_code(e: Error) -> TrapCode {
    match e {
        Error::Trap(t) => t.code(),
        other => panic!("expected a trap, got {other}"),
    }
}

#[test]
fn offload_memory_spill_reloads_on_first_access() {
    let mut r = rig(None);
    r.call(
        "store64",
        &[Val::I32(1000), Val::I64(0x1122_3344_5566_7788)],
    )
    .unwrap();
    let written = r.mem.spill(&mut r.store).unwrap();
    assert!(written > 2 * 65_536, "header and two pages: {written}");
    assert_eq!(r.mem.residency(&r.store), Residency::Spilled);
    assert_eq!(
        r.mem.try_data(&r.store).err(),
        Some(fayasm::MemoryOffloadError::NotResident),
        "RAM released"
    );
    // Spilling again writes nothing.
    assert_eq!(r.mem.spill(&mut r.store).unwrap(), 0);
    // The first access (a load through the default-memory fast path) reloads it.
    assert_eq!(r.i64("load64", &[Val::I32(1000)]), 0x1122_3344_5566_7788);
    assert_eq!(r.mem.residency(&r.store), Residency::Resident);
    let m = r.store.offload_metrics().kind(Kind::Memory);
    assert_eq!((m.spills, m.loads, m.load_failures), (1, 1, 0));
    assert_eq!(m.bytes_written, written as u64);
}

#[test]
fn offload_memory_every_access_kind_reloads() {
    // Each kind of access finds the memory spilled and must bring it back first.
    type Case = (&'static str, Vec<Val>);
    let cases: Vec<Case> = vec![
        ("load8", vec![Val::I32(65_530)]),
        ("store64", vec![Val::I32(8), Val::I64(5)]),
        ("fill", vec![Val::I32(0), Val::I32(7), Val::I32(100)]),
        ("copy", vec![Val::I32(10), Val::I32(65_530), Val::I32(8)]),
        ("vcopy", vec![Val::I32(100), Val::I32(65_528)]),
        ("grow", vec![Val::I32(1)]),
        ("size", vec![]),
    ];
    for (name, args) in cases {
        let mut r = rig(None);
        let mut reference = rig(None);
        r.mem.spill(&mut r.store).unwrap();
        let got = r.call(name, &args).unwrap();
        let want = reference.call(name, &args).unwrap();
        assert_eq!(got, want, "{name}");
        assert_eq!(r.contents(), reference.contents(), "{name}");
    }
}

#[test]
fn offload_memory_grown_memory_survives_1000_cycles() {
    let mut r = rig(None);
    let mut model = vec![0u8; 2 * 65_536];
    model[65_530..65_538].copy_from_slice(b"straddle");
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    for cycle in 0..1000u32 {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        if cycle % 100 == 0 && model.len() < 8 * 65_536 {
            assert_eq!(r.i64("grow", &[Val::I32(1)]) as usize, model.len() / 65_536);
            model.resize(model.len() + 65_536, 0);
        }
        let at = (seed as usize) % (model.len() - 8);
        r.call("store64", &[Val::I32(at as i32), Val::I64(seed as i64)])
            .unwrap();
        model[at..at + 8].copy_from_slice(&seed.to_le_bytes());
        r.mem.spill(&mut r.store).unwrap();
        assert_eq!(r.mem.size(&r.store) as usize, model.len() / 65_536);
        if cycle % 2 == 0 {
            r.mem.load(&mut r.store).unwrap();
        }
        assert_eq!(r.contents(), model, "cycle {cycle}");
    }
    let m = r.store.offload_metrics().kind(Kind::Memory);
    assert_eq!((m.spills, m.loads, m.load_failures), (1000, 1000, 0));
}

#[test]
fn offload_memory_spill_without_storage_is_an_error() {
    let mut r = rig_with(Config::default(), None::<MemStorage>).unwrap();
    assert_eq!(
        r.mem.spill(&mut r.store),
        Err(MemoryOffloadError::NoStorage)
    );
    assert_eq!(r.mem.residency(&r.store), Residency::Resident);
    // Paged memories cannot exist without one.
    let e = rig_with(
        Config::default().memory_paging(Some(Paging::default())),
        None::<MemStorage>,
    )
    .err()
    .unwrap();
    assert!(e.to_string().contains("storage"), "{e}");
}

/// The key of memory 0's whole-memory blob in ring slot `slot` (a memory's spills alternate
/// between slots 0 and 1, starting with 0).
fn memory_key(slot: u8) -> Key {
    let module = Module::new(&Engine::default(), wat::parse_str(WAT).unwrap()).unwrap();
    Key::new(Kind::Memory, module.fingerprint(), 0).with_slot(StorageSlot::Ring(slot))
}

#[test]
fn offload_memory_bit_flips_trap_and_the_memory_stays_spilled() {
    let mut r = rig(None);
    r.call("store64", &[Val::I32(64), Val::I64(42)]).unwrap();
    r.mem.spill(&mut r.store).unwrap();
    let key = memory_key(0);
    let mut good = Vec::new();
    assert!(r
        .store
        .storage_mut()
        .unwrap()
        .read(&key, &mut good)
        .unwrap());
    // Every byte of the header and a sample of the payload.
    let positions: Vec<usize> = (0..64).chain((64..good.len()).step_by(4099)).collect();
    for &pos in &positions {
        let mut bad = good.clone();
        bad[pos] ^= 0x5a;
        let s = r.store.storage_mut().unwrap();
        s.write(&key, &[&bad]).unwrap();
        let e = r.call("load64", &[Val::I32(64)]).unwrap_err();
        assert_eq!(trap_code(e), TrapCode::MemoryUnavailable, "byte {pos}");
        assert_eq!(r.mem.residency(&r.store), Residency::Spilled);
        assert!(r.mem.load(&mut r.store).is_err());
    }
    // Truncated and missing blobs too.
    let s = r.store.storage_mut().unwrap();
    s.write(&key, &[&good[..good.len() - 1]]).unwrap();
    assert!(r.mem.load(&mut r.store).is_err());
    r.store.storage_mut().unwrap().remove(&key).unwrap();
    assert!(r.mem.load(&mut r.store).is_err());
    // Once the good blob is back, the retry succeeds.
    r.store
        .storage_mut()
        .unwrap()
        .write(&key, &[&good])
        .unwrap();
    assert_eq!(r.i64("load64", &[Val::I32(64)]), 42);
    let m = r.store.offload_metrics().kind(Kind::Memory);
    assert_eq!(m.load_failures as usize, 2 * positions.len() + 2);
}

#[test]
fn offload_memory_lost_write_is_stale_not_old_data() {
    // The third spill's write is silently lost: its slot still has the first blob, whose
    // generation no longer matches, so the reload is refused instead of returning old data.
    let storage = FaultyStorage::new(MemStorage::new()).with_fault(Fault::Lose { write: 2 });
    let mut r = rig_with(Config::default(), Some(storage)).unwrap();
    for v in 1..=3 {
        r.call("store64", &[Val::I32(0), Val::I64(v)]).unwrap();
        r.mem.spill(&mut r.store).unwrap();
        if v < 3 {
            r.mem.load(&mut r.store).unwrap();
        }
    }
    match r.mem.load(&mut r.store) {
        Err(MemoryOffloadError::Offload(e)) => assert!(e.contains("Stale"), "{e}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn offload_memory_failed_spill_keeps_memory_resident() {
    // Power cut at the spill's write, and transient and permanent write errors: the spill
    // fails, RAM stays authoritative, nothing is lost, and a later spill works (transient).
    for (what, storage) in [
        (
            "power cut",
            FaultyStorage::new(MemStorage::new()).with_power_cut(PowerCut::at(0)),
        ),
        (
            "transient",
            FaultyStorage::new(MemStorage::new()).with_fault(Fault::Fail {
                op: StorageOp::Write,
                at: 0,
                persistence: Persistence::Transient,
            }),
        ),
        (
            "permanent",
            FaultyStorage::new(MemStorage::new()).with_fault(Fault::Fail {
                op: StorageOp::Write,
                at: 0,
                persistence: Persistence::Permanent,
            }),
        ),
    ] {
        let mut r = rig_with(Config::default(), Some(storage)).unwrap();
        r.call("store64", &[Val::I32(16), Val::I64(77)]).unwrap();
        let before = r.contents();
        assert!(r.mem.spill(&mut r.store).is_err(), "{what}");
        assert_eq!(r.mem.residency(&r.store), Residency::Resident, "{what}");
        assert_eq!(r.contents(), before, "{what}");
        assert_eq!(r.i64("load64", &[Val::I32(16)]), 77, "{what}");
        if what == "transient" {
            r.mem.spill(&mut r.store).unwrap();
            assert_eq!(r.i64("load64", &[Val::I32(16)]), 77);
        }
    }
}

#[test]
fn offload_memory_durable_spill_syncs() {
    let storage = FaultyStorage::new(MemStorage::new());
    let mut r = rig_with(
        Config::default().memory_policy(MemoryPolicy::Durable),
        Some(storage),
    )
    .unwrap();
    assert_eq!(r.mem.policy(&r.store), MemoryPolicy::Durable);
    r.mem.spill(&mut r.store).unwrap();
    // A sync failure makes a durable spill fail (and keeps the memory).
    let storage = FaultyStorage::new(MemStorage::new()).with_fault(Fault::Fail {
        op: StorageOp::Sync,
        at: 0,
        persistence: Persistence::Permanent,
    });
    let mut r = rig_with(
        Config::default().memory_policy(MemoryPolicy::Durable),
        Some(storage),
    )
    .unwrap();
    assert!(r.mem.spill(&mut r.store).is_err());
    assert_eq!(r.mem.residency(&r.store), Residency::Resident);
}

fn paging(page_size: u32, resident_pages: usize) -> Option<Paging> {
    Some(Paging {
        page_size,
        resident_pages,
    })
}

/// Runs the same random program on a resident and a paged memory and compares every result
/// and, now and then, the whole contents.
fn paged_matches_resident(page_size: u32, resident_pages: usize, steps: usize, seed: u64) {
    let mut a = rig(None);
    let mut b = rig(paging(page_size, resident_pages));
    let mut s = seed | 1;
    let mut next = |n: u64| {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        s % n
    };
    for step in 0..steps {
        let size = a.mem.size(&a.store) * 65_536;
        // Addresses near page boundaries most of the time, anywhere otherwise, and past the
        // end now and then (both must trap alike).
        let near = |x: u64| (x / u64::from(page_size)) * u64::from(page_size);
        let addr = |r: u64, k: u64| -> i32 {
            // `k` in 1..8 puts the access 1 to 7 bytes before a page boundary.
            let base = if k == 0 {
                r
            } else {
                near(r) + u64::from(page_size) - k
            };
            (base % (size + 32)) as i32
        };
        let (name, args) = match next(9) {
            0 => ("load8", vec![Val::I32(addr(next(size), next(8)))]),
            1 => (
                "load64",
                vec![Val::I32(addr(next(size), next(8)).wrapping_sub(3))],
            ),
            2 => (
                "store64",
                vec![
                    Val::I32(addr(next(size), next(8)) - 4),
                    Val::I64(next(u64::MAX) as i64),
                ],
            ),
            3 => (
                "store32",
                vec![
                    Val::I32(addr(next(size), next(8))),
                    Val::I32(next(1 << 32) as i32),
                ],
            ),
            4 => (
                "fill",
                vec![
                    Val::I32(addr(next(size), next(8))),
                    Val::I32(next(256) as i32),
                    Val::I32(next(3 * u64::from(page_size)) as i32),
                ],
            ),
            5 => (
                "copy",
                vec![
                    Val::I32(addr(next(size), next(8))),
                    Val::I32(addr(next(size), next(8))),
                    Val::I32(next(3 * u64::from(page_size)) as i32),
                ],
            ),
            6 => (
                "vcopy",
                vec![
                    Val::I32(addr(next(size), next(8)) - 7),
                    Val::I32(addr(next(size), next(8)) - 5),
                ],
            ),
            7 => ("grow", vec![Val::I32((next(4) == 0) as i32)]),
            _ => {
                let from = next(size) as i32;
                (
                    "sum",
                    vec![Val::I32(from), Val::I32(from + next(20_000) as i32)],
                )
            }
        };
        let ra = a.call(name, &args).map_err(trap_code);
        let rb = b.call(name, &args).map_err(trap_code);
        assert_eq!(ra, rb, "step {step}: {name}{args:?}");
        if step % 97 == 0 {
            b.mem.spill(&mut b.store).unwrap();
        }
        if step % 50 == 0 || step + 1 == steps {
            assert_eq!(a.contents(), b.contents(), "step {step}");
        }
        match b.mem.residency(&b.store) {
            Residency::Paged { resident, .. } => assert!(resident <= resident_pages),
            other => panic!("{other:?}"),
        }
    }
    let m = b.store.offload_metrics().kind(Kind::MemoryPage);
    assert!(m.spills > 0 && m.loads > 0, "pages moved: {m:?}");
    assert_eq!(m.load_failures, 0);
}

#[test]
fn offload_memory_paged_matches_resident_4k() {
    paged_matches_resident(4096, 4, 3000, 1);
}

#[test]
fn offload_memory_paged_matches_resident_small_pages() {
    paged_matches_resident(256, 3, 3000, 2);
}

#[test]
fn offload_memory_paged_matches_resident_one_frame() {
    // A single frame: every straddling access evicts the page it just used.
    paged_matches_resident(1024, 1, 2000, 3);
}

#[test]
fn offload_memory_paged_memory_larger_than_its_budget() {
    // 1 MiB of memory through 16 KiB of frames.
    let mut r = rig(paging(4096, 4));
    assert_eq!(r.i64("grow", &[Val::I32(14)]), 2);
    r.call("fill", &[Val::I32(0), Val::I32(3), Val::I32(1 << 20)])
        .unwrap();
    r.call("store64", &[Val::I32((1 << 20) - 8), Val::I64(-1)])
        .unwrap();
    let sum = r.i64("sum", &[Val::I32(0), Val::I32(1 << 20)]);
    let want: i64 = (0..(1i64 << 20) - 8).map(|i| i * 3).sum::<i64>()
        + ((1i64 << 20) - 8..1 << 20).map(|i| i * 255).sum::<i64>();
    assert_eq!(sum, want);
    match r.mem.residency(&r.store) {
        Residency::Paged {
            resident, pages, ..
        } => assert_eq!((resident, pages), (4, 256)),
        other => panic!("{other:?}"),
    }
}

#[test]
fn offload_memory_paged_corrupt_page_traps_and_never_written_page_is_zero() {
    // Write back pages 0..4 by touching more pages than the budget, then damage page 1.
    let mut r = rig(paging(4096, 2));
    for page in 0..6 {
        r.call(
            "store64",
            &[Val::I32(page * 4096), Val::I64(page as i64 + 1)],
        )
        .unwrap();
    }
    let module = Module::new(&Engine::default(), wat::parse_str(WAT).unwrap()).unwrap();
    // `MemStorage` has regions: the memory's pages are the slots of one region (the single
    // slot of page 0's key), page `p` at `p * (envelope + page)`.
    let key = Key::new(
        Kind::MemoryPage,
        module.fingerprint(),
        Key::page_index(0, 0).unwrap(),
    )
    .with_slot(StorageSlot::Single);
    let at = (fayasm::offload::blob::HEADER_LEN + 4096) as u64 + 100;
    let mut byte = [0u8];
    let storage = r.store.storage_mut().unwrap();
    assert!(storage.read_at(&key, at, &mut byte).unwrap());
    byte[0] ^= 1;
    storage.write_at(&key, at, &[&byte], false).unwrap();
    let e = r.call("load64", &[Val::I32(4096)]).unwrap_err();
    assert_eq!(trap_code(e), TrapCode::MemoryUnavailable);
    // Other pages are unaffected; a page never written reads as zeros.
    assert_eq!(r.i64("load64", &[Val::I32(0)]), 1);
    assert_eq!(r.i64("load64", &[Val::I32(5 * 4096)]), 6);
    assert_eq!(r.i64("load64", &[Val::I32(9 * 4096)]), 0);
    assert!(
        r.store
            .offload_metrics()
            .kind(Kind::MemoryPage)
            .load_failures
            >= 1
    );
}

#[test]
fn offload_memory_paged_write_back_failure_keeps_the_page() {
    // Write-backs fail for good: the access that needs a frame traps, no data is lost, and the
    // pages already resident keep working.
    let storage = FaultyStorage::new(MemStorage::new()).with_fault(Fault::Fail {
        op: StorageOp::Write,
        at: 0,
        persistence: Persistence::Permanent,
    });
    // Instantiation dirtied pages 15 and 16 (the data segment straddles them).
    let mut r = rig_with(
        Config::default().memory_paging(paging(4096, 3)),
        Some(storage),
    )
    .unwrap();
    r.call("store64", &[Val::I32(0), Val::I64(10)]).unwrap();
    let e = r
        .call("store64", &[Val::I32(4096), Val::I64(11)])
        .unwrap_err();
    assert_eq!(trap_code(e), TrapCode::MemoryUnavailable);
    assert_eq!(r.i64("load64", &[Val::I32(0)]), 10);
    let mut straddle = [0u8; 8];
    r.mem.read(&mut r.store, 65_530, &mut straddle).unwrap();
    assert_eq!(&straddle, b"straddle");
    assert!(r.mem.flush(&mut r.store).is_err());
}

#[test]
fn offload_memory_paged_invalid_paging_is_rejected() {
    for bad in [
        paging(1000, 4),
        paging(128, 4),
        paging(4096, 0),
        paging(1 << 17, 1),
    ] {
        let e = rig_with(
            Config::default().memory_paging(bad),
            Some(MemStorage::new()),
        )
        .err()
        .unwrap();
        assert!(matches!(e, Error::Limit(_)), "{bad:?}: {e}");
    }
}

/// A storage the test keeps a handle on while the store owns a clone of it.
#[derive(Clone)]
struct Shared(std::sync::Arc<std::sync::Mutex<FaultyStorage<MemStorage>>>);

impl Storage for Shared {
    type Error = fayasm::offload::FaultError<std::collections::TryReserveError>;

    fn read(&mut self, key: &Key, buf: &mut Vec<u8>) -> Result<bool, Self::Error> {
        self.0.lock().unwrap().read(key, buf)
    }

    fn write(&mut self, key: &Key, parts: &[&[u8]]) -> Result<(), Self::Error> {
        self.0.lock().unwrap().write(key, parts)
    }

    fn remove(&mut self, key: &Key) -> Result<(), Self::Error> {
        self.0.lock().unwrap().remove(key)
    }

    fn sync(&mut self) -> Result<(), Self::Error> {
        self.0.lock().unwrap().sync()
    }
}

fn cuts(n: u64) -> Vec<PowerCut> {
    let mut out = Vec::new();
    for at_write in 0..n {
        for unsynced in [
            fayasm::offload::Unsynced::Keep,
            fayasm::offload::Unsynced::DropAll,
        ] {
            for torn_prefix in [None, Some(0), Some(17), Some(40_000)] {
                out.push(PowerCut {
                    at_write,
                    torn_prefix,
                    unsynced,
                });
            }
        }
    }
    out
}

#[test]
fn offload_memory_power_cut_sweep_over_durable_spills() {
    // Five durable spills of changing contents; the power fails during write N (clean, torn
    // at several lengths, with unsynced writes kept or dropped). After the "reboot" the stored
    // memory is exactly the last completed spill or the interrupted one, never a mix.
    const SPILLS: u64 = 5;
    let mut simulated = 0;
    for cut in cuts(SPILLS) {
        let shared = Shared(std::sync::Arc::new(std::sync::Mutex::new(
            FaultyStorage::new(MemStorage::new()).with_power_cut(cut),
        )));
        let mut r = rig_with(
            Config::default().memory_policy(MemoryPolicy::Durable),
            Some(shared.clone()),
        )
        .unwrap();
        let mut snapshots = Vec::new();
        let mut completed = 0;
        for k in 0..SPILLS {
            let fill = [k as u8 + 1; 3000];
            r.mem.write(&mut r.store, k * 7919, &fill).unwrap();
            snapshots.push(r.contents());
            match r.mem.spill(&mut r.store) {
                Ok(_) => {
                    completed += 1;
                    r.mem.load(&mut r.store).unwrap();
                }
                Err(_) => {
                    // RAM is still authoritative after a failed spill.
                    assert_eq!(r.mem.residency(&r.store), Residency::Resident);
                    assert_eq!(r.contents(), *snapshots.last().unwrap());
                    break;
                }
            }
        }
        assert_eq!(completed, cut.at_write, "{cut:?}");
        // Reboot: what the medium holds.
        drop(r);
        let mut medium = std::sync::Arc::try_unwrap(shared.0)
            .ok()
            .unwrap()
            .into_inner()
            .unwrap()
            .into_inner();
        // The newest intact copy of the two ring slots.
        let mut newest: Option<(u64, Vec<u8>)> = None;
        for slot in 0..2 {
            let mut buf = Vec::new();
            if let Ok(h) = fayasm::offload::io::load(&mut medium, &memory_key(slot), &mut buf) {
                if newest.as_ref().is_none_or(|(g, _)| h.generation > *g) {
                    newest = Some((h.generation, buf));
                }
            }
        }
        match newest {
            Some((g, buf)) => {
                assert!(
                    g == completed || g == completed + 1,
                    "{cut:?}: generation {g} after {completed} spills"
                );
                assert_eq!(buf, snapshots[g as usize - 1], "{cut:?}");
            }
            None => assert_eq!(completed, 0, "{cut:?}: nothing readable after a spill"),
        }
        simulated += 1;
    }
    assert_eq!(simulated, 5 * 2 * 4);
}

#[test]
fn offload_memory_power_cut_sweep_over_page_write_back() {
    // A durable paged memory with 8 dirty pages is flushed; the power fails during write N.
    // Every page blob on the medium is then a whole page, either its previous stored version
    // or the new one.
    let module = Module::new(&Engine::default(), wat::parse_str(WAT).unwrap()).unwrap();
    let page_key = |p: u64| {
        Key::new(
            Kind::MemoryPage,
            module.fingerprint(),
            Key::page_index(0, p).unwrap(),
        )
    };
    let mut simulated = 0;
    // Writes 0..10 are the first flush (old versions), 10..18 the second.
    for cut in cuts(18) {
        let shared = Shared(std::sync::Arc::new(std::sync::Mutex::new(
            FaultyStorage::new(MemStorage::new()).with_power_cut(cut),
        )));
        let mut r = rig_with(
            Config::default()
                .memory_policy(MemoryPolicy::Durable)
                .memory_paging(paging(4096, 64)),
            Some(shared.clone()),
        )
        .unwrap();
        let version = |round: u8, p: u64| vec![round * 16 + p as u8 + 1; 4096];
        'rounds: for round in 0..2u8 {
            for p in 0..8u64 {
                // Pages 15 and 16 hold the data segment; use pages 20..28.
                r.mem
                    .write(&mut r.store, (20 + p) * 4096, &version(round, p))
                    .unwrap();
            }
            if r.mem.flush(&mut r.store).is_err() {
                break 'rounds;
            }
        }
        drop(r);
        let mut medium = std::sync::Arc::try_unwrap(shared.0)
            .ok()
            .unwrap()
            .into_inner()
            .unwrap()
            .into_inner();
        let mut buf = Vec::new();
        for p in 0..8u64 {
            let mut newest: Option<(u64, Vec<u8>)> = None;
            for slot in 0..2 {
                let key = page_key(20 + p).with_slot(StorageSlot::Ring(slot));
                if let Ok(h) = fayasm::offload::io::load(&mut medium, &key, &mut buf) {
                    if newest.as_ref().is_none_or(|(g, _)| h.generation > *g) {
                        newest = Some((h.generation, buf.clone()));
                    }
                }
            }
            match newest {
                Some((_, page)) => assert!(
                    page == version(0, p) || page == version(1, p),
                    "{cut:?}: page {p} is neither version"
                ),
                // The first flush writes pages 15, 16 (the data segment), then 20..28: page
                // 20 + p is write 2 + p, and the flush syncs once at its end (write 10).
                None => match cut.unsynced {
                    fayasm::offload::Unsynced::Keep => {
                        assert!(cut.at_write <= 2 + p, "{cut:?}: page {p} lost")
                    }
                    _ => assert!(cut.at_write < 10, "{cut:?}: synced page {p} lost"),
                },
            }
        }
        simulated += 1;
    }
    assert_eq!(simulated, 18 * 2 * 4);
}
