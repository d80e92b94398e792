//! Durable instance checkpoints: checkpoint, "reboot" (fresh store, fresh instance), restore,
//! continue — with power cuts at every write, torn writes, bit flips in every byte, I/O
//! errors, lost writes, crafted payloads and module mismatches.

use fayasm::offload::{
    self, Fault, FaultyStorage, Key, Kind, MemStorage, OffloadError, Persistence, PowerCut,
    StorageOp, Unsynced,
};
use fayasm::{
    CheckpointError, Checkpointer, Engine, ExternRef, Func, FuncType, Instance, Linker, Module,
    Store, Val, ValType,
};

const WAT: &str = r#"(module
  (type $fn (func (param i64) (result i64)))
  (memory (export "mem") 1 8)
  (global $g (export "g") (mut i64) (i64.const 0))
  (global $fr (mut funcref) (ref.null func))
  (global $v (mut v128) (v128.const i64x2 0 0))
  (global $k i32 (i32.const 7))
  (table $t (export "tab") 4 16 funcref)
  (table $scratch 1 1 funcref)
  (data $d "\01\02\03\04")
  (data (i32.const 4096) "active data")
  (elem $e funcref (ref.func $double) (ref.func $triple))
  (elem declare func $double $triple)
  (func $double (type $fn) (i64.mul (local.get 0) (i64.const 2)))
  (func $triple (type $fn) (i64.mul (local.get 0) (i64.const 3)))
  (func (export "setup")
    (table.set $t (i32.const 0) (ref.func $double))
    (table.set $t (i32.const 1) (ref.func $triple)))
  (func (export "step") (result i64)
    (local $c i32)
    (local.set $c (i32.add (i32.load (i32.const 0)) (i32.const 1)))
    (i32.store (i32.const 0) (local.get $c))
    ;; scatter a byte so several memory chunks are in use
    (i32.store8
      (i32.add (i32.const 1024) (i32.mul (i32.rem_u (local.get $c) (i32.const 50)) (i32.const 1031)))
      (local.get $c))
    (global.set $v (i64x2.add (global.get $v) (i64x2.splat (i64.extend_i32_u (local.get $c)))))
    (global.set $g (i64.add (global.get $g)
      (call_indirect $t (type $fn) (i64.extend_i32_u (local.get $c))
        (i32.rem_u (local.get $c) (i32.const 2)))))
    (global.get $g))
  (func (export "swap")
    (global.set $fr (table.get $t (i32.const 0)))
    (table.set $t (i32.const 0) (table.get $t (i32.const 1)))
    (table.set $t (i32.const 1) (global.get $fr)))
  (func (export "grow") (result i32)
    (drop (table.grow $t (ref.func $triple) (i32.const 2)))
    (drop (memory.grow (i32.const 1)))
    (i32.store (i32.const 70000) (i32.load (i32.const 0)))
    (memory.size))
  (func (export "init")
    (memory.init $d (i32.const 8) (i32.const 0) (i32.const 4))
    (data.drop $d))
  (func (export "edrop")
    (table.init $t $e (i32.const 2) (i32.const 0) (i32.const 2))
    (elem.drop $e))
  (func (export "probe_data") (result i32)
    (local $b i32)
    (local.set $b (i32.load8_u (i32.const 60000)))
    (memory.init $d (i32.const 60000) (i32.const 0) (i32.const 1))
    (i32.store8 (i32.const 60000) (local.get $b))
    (i32.const 1))
  (func (export "probe_elem") (result i32)
    (table.init $scratch $e (i32.const 0) (i32.const 0) (i32.const 1))
    (table.set $scratch (i32.const 0) (ref.null func))
    (i32.const 1))
  (func (export "probe_table") (param i32) (result i64)
    (if (result i64) (ref.is_null (table.get $t (local.get 0)))
      (then (i64.const -1))
      (else (call_indirect $t (type $fn) (i64.const 1) (local.get 0)))))
  (func (export "probe_fr") (result i64)
    (local $r i64)
    (if (ref.is_null (global.get $fr)) (then (return (i64.const -1))))
    (table.set $scratch (i32.const 0) (global.get $fr))
    (local.set $r (call_indirect $scratch (type $fn) (i64.const 1) (i32.const 0)))
    (table.set $scratch (i32.const 0) (ref.null func))
    (local.get $r))
  (func (export "probe_v") (result i64)
    (i64.add (i64x2.extract_lane 0 (global.get $v)) (i64x2.extract_lane 1 (global.get $v))))
)"#;

/// A different module with the same shape (another constant), for mismatch tests.
const WAT_OTHER: &str = r#"(module
  (memory (export "mem") 1 8)
  (global (export "g") (mut i64) (i64.const 1))
  (func (export "step") (result i64) (i64.const 0)))"#;

/// Memory chunk size of the fault tests: small, so a checkpoint has many parts to cut between.
const CHUNK: u32 = 1024;

fn engine() -> Engine {
    Engine::default()
}

fn module(engine: &Engine) -> Module {
    Module::new(engine, wat::parse_str(WAT).unwrap()).unwrap()
}

struct Vm {
    store: Store<()>,
    inst: Instance,
}

/// Everything observable about the instance's state.
#[derive(Clone, PartialEq, Eq)]
struct Snap {
    pages: u64,
    memory: Vec<u8>,
    g: i64,
    v: i64,
    fr: i64,
    table: Vec<i64>,
    data_live: bool,
    elem_live: bool,
}

impl std::fmt::Debug for Snap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // FNV-1a of the memory instead of the bytes.
        let hash = self.memory.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        });
        f.debug_struct("Snap")
            .field("pages", &self.pages)
            .field("memory_fnv", &format_args!("{hash:016x}"))
            .field("g", &self.g)
            .field("v", &self.v)
            .field("fr", &self.fr)
            .field("table", &self.table)
            .field("data_live", &self.data_live)
            .field("elem_live", &self.elem_live)
            .finish()
    }
}

impl Vm {
    fn boot(engine: &Engine, module: &Module) -> Vm {
        let mut store = Store::new(engine, ());
        let inst = Linker::new(engine).instantiate(&mut store, module).unwrap();
        Vm { store, inst }
    }

    fn call(&mut self, name: &str, args: &[Val]) -> Result<Vec<Val>, fayasm::Error> {
        let f = self.inst.get_func(&self.store, name).unwrap();
        let ty = f.ty(&self.store);
        let mut out: Vec<Val> = ty.results().iter().map(|&t| zero(t)).collect();
        f.call(&mut self.store, args, &mut out)?;
        Ok(out)
    }

    fn i64(&mut self, name: &str, args: &[Val]) -> i64 {
        match self.call(name, args).unwrap()[0] {
            Val::I64(v) => v,
            ref other => panic!("{other:?}"),
        }
    }

    /// Operation `k` of the test program; returns what it returned, as text.
    fn op(&mut self, k: u32) -> String {
        let name = match k {
            0 => "setup",
            5 => "init",
            9 => "edrop",
            12 => "grow",
            _ if k % 7 == 3 => "swap",
            _ => "step",
        };
        format!("{name}: {:?}", self.call(name, &[]))
    }

    fn snap(&mut self) -> Snap {
        let mem = self.inst.get_memory(&self.store, "mem").unwrap();
        let pages = mem.size(&self.store);
        let mut memory = vec![0; (pages * 65536) as usize];
        mem.read(&mut self.store, 0, &mut memory).unwrap();
        let g = match self
            .inst
            .get_global(&self.store, "g")
            .unwrap()
            .get(&self.store)
        {
            Val::I64(v) => v,
            other => panic!("{other:?}"),
        };
        let size = self
            .inst
            .get_table(&self.store, "tab")
            .unwrap()
            .size(&self.store);
        let table = (0..size as i32)
            .map(|i| self.i64("probe_table", &[Val::I32(i)]))
            .collect();
        Snap {
            pages,
            memory,
            g,
            v: self.i64("probe_v", &[]),
            fr: self.i64("probe_fr", &[]),
            table,
            data_live: self.call("probe_data", &[]).is_ok(),
            elem_live: self.call("probe_elem", &[]).is_ok(),
        }
    }
}

fn zero(ty: ValType) -> Val {
    {
        match ty {
            ValType::I32 => Val::I32(0),
            ValType::I64 => Val::I64(0),
            ValType::F32 => Val::F32(0),
            ValType::F64 => Val::F64(0),
            ValType::V128 => Val::V128(0),
            ValType::FuncRef => Val::FuncRef(None),
            ValType::ExternRef => Val::ExternRef(None),
            ValType::Ref(_) => Val::default_for(ty),
        }
    }
}

/// Reboots onto `storage` and restores; `None` if there is no checkpoint (or none intact).
fn reboot_restore<S: offload::Storage>(
    engine: &Engine,
    module: &Module,
    storage: &mut S,
) -> Result<(u64, Snap), CheckpointError<S::Error>> {
    let mut vm = Vm::boot(engine, module);
    let generation = vm.inst.restore(&mut vm.store, storage)?;
    Ok((generation, vm.snap()))
}

/// Two checkpoints A (after `a` ops) and B (after `b` ops) of one run, small chunks so the
/// memory spans several parts. Returns the storage holding only A, the storage holding A then
/// B, the snapshots, the generations and the number of writes checkpoint B takes.
struct TwoCheckpoints {
    only_a: MemStorage,
    both: MemStorage,
    snap_a: Snap,
    snap_b: Snap,
    gen_a: u64,
    gen_b: u64,
    writes_b: u64,
    /// The checkpointer that wrote A, as it was right after (for incremental commits of B).
    cp_after_a: Checkpointer,
}

fn run_to(vm: &mut Vm, from: u32, to: u32) {
    for k in from..to {
        vm.op(k);
    }
}

fn two_checkpoints(engine: &Engine, module: &Module, a: u32, b: u32) -> TwoCheckpoints {
    let mut vm = Vm::boot(engine, module);
    run_to(&mut vm, 0, a);
    let mut storage = MemStorage::new();
    let mut cp = Checkpointer::new(0).with_chunk_size(CHUNK);
    let gen_a = cp.checkpoint(vm.inst, &mut vm.store, &mut storage).unwrap();
    let snap_a = vm.snap();
    let only_a = storage.clone();
    let cp_after_a = cp.clone();
    run_to(&mut vm, a, b);
    let mut faulty = FaultyStorage::new(storage);
    let gen_b = Checkpointer::new(0)
        .with_chunk_size(CHUNK)
        .checkpoint(vm.inst, &mut vm.store, &mut faulty)
        .unwrap();
    let writes_b = faulty.counts().writes;
    let snap_b = vm.snap();
    assert_ne!(snap_a, snap_b);
    TwoCheckpoints {
        only_a,
        both: faulty.into_inner(),
        snap_a,
        snap_b,
        gen_a,
        gen_b,
        writes_b,
        cp_after_a,
    }
}

#[test]
fn offload_checkpoint_restore_continues_like_an_uninterrupted_run() {
    let engine = engine();
    let module = module(&engine);
    const TOTAL: u32 = 40;
    let mut straight = Vm::boot(&engine, &module);
    let expected: Vec<String> = (0..TOTAL).map(|k| straight.op(k)).collect();
    let final_snap = straight.snap();
    assert!(
        final_snap.pages == 2 && final_snap.table.len() == 6,
        "grown"
    );
    assert!(!final_snap.data_live && !final_snap.elem_live, "dropped");

    for at in [1, 4, 6, 10, 13, 25] {
        let mut vm = Vm::boot(&engine, &module);
        run_to(&mut vm, 0, at);
        let mut storage = MemStorage::new();
        let generation = vm.inst.checkpoint(&mut vm.store, &mut storage).unwrap();
        assert!(generation >= 1);
        // Work after the checkpoint is lost in the "power cut".
        run_to(&mut vm, at, at + 3);
        drop(vm);

        let mut vm = Vm::boot(&engine, &module);
        assert_eq!(
            vm.inst.restore(&mut vm.store, &mut storage).unwrap(),
            generation
        );
        let got: Vec<String> = (at..TOTAL).map(|k| vm.op(k)).collect();
        assert_eq!(got, expected[at as usize..], "resumed at {at}");
        assert_eq!(vm.snap(), final_snap, "resumed at {at}");
    }
}

#[test]
fn offload_checkpoint_repeated_with_one_checkpointer_and_metrics() {
    let engine = engine();
    let module = module(&engine);
    let mut vm = Vm::boot(&engine, &module);
    let mut storage = MemStorage::new();
    let mut cp = Checkpointer::new(3);
    let mut last = 0;
    for k in 0..30 {
        vm.op(k);
        last = cp.checkpoint(vm.inst, &mut vm.store, &mut storage).unwrap();
        assert_eq!(cp.generation(), Some(last));
    }
    assert_eq!(last, 30);
    let m = vm.store.offload_metrics();
    assert_eq!(m.kind(Kind::Memory).spills, 30);
    assert_eq!(m.kind(Kind::Globals).spills, 30);
    assert_eq!(m.kind(Kind::Table).spills, 60);
    assert_eq!(m.kind(Kind::Segments).spills, 30);
    let snap = vm.snap();

    // Set 0 is empty; set 3 restores.
    let mut fresh = Vm::boot(&engine, &module);
    assert_eq!(
        fresh.inst.restore(&mut fresh.store, &mut storage),
        Err(CheckpointError::NoCheckpoint)
    );
    let mut cp = Checkpointer::new(3);
    assert_eq!(
        cp.restore(fresh.inst, &mut fresh.store, &mut storage),
        Ok(30)
    );
    assert_eq!(fresh.snap(), snap);
    let m = fresh.store.offload_metrics();
    assert_eq!(m.kind(Kind::Memory).loads, 1);
    assert_eq!(m.kind(Kind::Table).loads, 2);
    // The restoring checkpointer continues the generation sequence.
    assert_eq!(
        cp.checkpoint(fresh.inst, &mut fresh.store, &mut storage),
        Ok(31)
    );
    // Only two copies of anything are ever kept: the storage does not grow.
    let blobs = storage.len();
    for _ in 0..5 {
        cp.checkpoint(fresh.inst, &mut fresh.store, &mut storage)
            .unwrap();
    }
    assert_eq!(storage.len(), blobs);
}

#[test]
fn offload_checkpoint_with_store_storage() {
    let engine = engine();
    let module = module(&engine);
    let mut vm = Vm::boot(&engine, &module);
    assert_eq!(
        vm.inst.checkpoint_to_store_storage(&mut vm.store),
        Err(CheckpointError::NoStorage)
    );
    run_to(&mut vm, 0, 15);
    vm.store.set_storage(MemStorage::new());
    let generation = vm.inst.checkpoint_to_store_storage(&mut vm.store).unwrap();
    let snap = vm.snap();
    let storage = vm.store.take_storage().unwrap();

    let mut vm = Vm::boot(&engine, &module);
    vm.store.set_boxed_storage(storage);
    assert_eq!(
        vm.inst.restore_from_store_storage(&mut vm.store),
        Ok(generation)
    );
    assert_eq!(vm.snap(), snap);
}

#[test]
fn offload_checkpoint_power_cut_sweep() {
    let engine = engine();
    let module = module(&engine);
    // A before the growth and the drops, B after them: every part kind changes.
    let t = two_checkpoints(&engine, &module, 4, 16);
    assert!(t.writes_b >= 8, "{} writes", t.writes_b);
    let cuts = |n: u64| {
        [
            PowerCut::at(n),
            PowerCut {
                at_write: n,
                torn_prefix: Some(1),
                unsynced: Unsynced::Keep,
            },
            PowerCut {
                at_write: n,
                torn_prefix: Some(40),
                unsynced: Unsynced::DropAll,
            },
            PowerCut {
                at_write: n,
                torn_prefix: None,
                unsynced: Unsynced::DropMask(0b0101_0101),
            },
            PowerCut {
                at_write: n,
                torn_prefix: Some(2000),
                unsynced: Unsynced::DropMask(0b1010_1010),
            },
        ]
    };
    let mut simulated = 0;
    let (mut old, mut new) = (0, 0);
    // The second checkpoint over the first, then the first over nothing.
    // The second checkpoint over the first (rewriting everything, then incrementally), then
    // the first over nothing.
    let fresh = Checkpointer::new(0).with_chunk_size(CHUNK);
    for (base, previous, cp) in [
        (
            t.only_a.clone(),
            Some((t.gen_a, &t.snap_a)),
            fresh.clone().with_incremental(false),
        ),
        (
            t.only_a.clone(),
            Some((t.gen_a, &t.snap_a)),
            t.cp_after_a.clone(),
        ),
        (MemStorage::new(), None, fresh),
    ] {
        let mut vm = Vm::boot(&engine, &module);
        run_to(&mut vm, 0, 16);
        for n in 0..=t.writes_b {
            for cut in cuts(n) {
                let mut faulty = FaultyStorage::new(base.clone()).with_power_cut(cut);
                let result = cp.clone().checkpoint(vm.inst, &mut vm.store, &mut faulty);
                let mut storage = faulty.into_inner();
                simulated += 1;
                match reboot_restore(&engine, &module, &mut storage) {
                    Ok((g, snap)) if snap == t.snap_b => {
                        assert!(previous.is_none_or(|(ga, _)| g > ga));
                        new += 1;
                    }
                    Ok((g, snap)) => {
                        let (ga, sa) = previous.expect("no checkpoint before, but one restored");
                        assert_eq!((g, &snap), (ga, sa), "cut {cut:?}: a mix");
                        assert!(result.is_err(), "cut {cut:?}: commit reported but lost");
                        old += 1;
                    }
                    Err(CheckpointError::NoCheckpoint)
                    | Err(CheckpointError::Offload(OffloadError::NoValidCheckpoint { .. })) => {
                        assert!(previous.is_none(), "cut {cut:?}: previous checkpoint lost");
                        assert!(result.is_err());
                        old += 1;
                    }
                    Err(e) => panic!("cut {cut:?}: {e}"),
                }
            }
        }
    }
    println!(
        "power cuts simulated: {simulated} ({} writes per checkpoint); old {old}, new {new}",
        t.writes_b
    );
    assert!(old > 0 && new > 0);
}

/// XORs one stored byte in place.
fn flip(storage: &mut MemStorage, key: &Key, offset: usize, mask: u8) {
    storage.get_mut(key).unwrap()[offset] ^= mask;
}

#[test]
fn offload_checkpoint_bit_flips_in_every_byte_fall_back_or_fail_typed() {
    let engine = engine();
    let module = module(&engine);
    let t = two_checkpoints(&engine, &module, 4, 16);
    let keys: Vec<Key> = t.both.keys().copied().collect();
    let kinds: std::collections::BTreeSet<Kind> = keys.iter().map(|k| k.kind).collect();
    for kind in [
        Kind::Manifest,
        Kind::Meta,
        Kind::Globals,
        Kind::Table,
        Kind::Segments,
        Kind::MemoryPage,
    ] {
        assert!(kinds.contains(&kind), "{kind:?} not written");
    }
    let (mut flipped, mut to_a, mut to_b) = (0u64, 0u64, 0u64);
    let mut storage = t.both.clone();
    for key in &keys {
        let len = storage.get(key).unwrap().len();
        // Memory chunks are large: every byte of the header, then a sample of the payload.
        let offsets: Vec<usize> = if key.kind == Kind::MemoryPage {
            (0..64).chain((64..len).step_by(97)).collect()
        } else {
            (0..len).collect()
        };
        for offset in offsets {
            let mask = 1u8 << (offset % 8);
            flip(&mut storage, key, offset, mask);
            flipped += 1;
            match reboot_restore(&engine, &module, &mut storage) {
                Ok((g, snap)) if g == t.gen_b => {
                    assert_eq!(snap, t.snap_b);
                    to_b += 1;
                }
                Ok((g, snap)) => {
                    assert_eq!((g, &snap), (t.gen_a, &t.snap_a), "{key:?} byte {offset}");
                    to_a += 1;
                }
                Err(e) => panic!("{key:?} byte {offset}: {e}"),
            }
            flip(&mut storage, key, offset, mask);
        }
    }
    // A flip in a single-checkpoint storage: typed error, never a panic or wrong state.
    let mut single = t.only_a.clone();
    let mut typed = 0;
    for key in single.keys().copied().collect::<Vec<_>>() {
        let len = single.get(&key).unwrap().len().min(80);
        for offset in 0..len {
            flip(&mut single, &key, offset, 0x80);
            flipped += 1;
            match reboot_restore(&engine, &module, &mut single) {
                Err(CheckpointError::Offload(OffloadError::NoValidCheckpoint { .. }))
                | Err(CheckpointError::NoCheckpoint) => typed += 1,
                Ok((_, snap)) => assert_eq!(snap, t.snap_a),
                Err(e) => panic!("{key:?} byte {offset}: {e}"),
            }
            flip(&mut single, &key, offset, 0x80);
        }
    }
    println!(
        "bytes flipped: {flipped}; fell back to A {to_a}, B intact {to_b}, typed errors {typed}"
    );
    assert!(to_a > 0 && to_b > 0 && typed > 0);
}

#[test]
fn offload_checkpoint_io_errors_and_lost_writes() {
    let engine = engine();
    let module = module(&engine);
    let t = two_checkpoints(&engine, &module, 4, 16);
    let mut vm = Vm::boot(&engine, &module);
    run_to(&mut vm, 0, 16);
    let mut injected = 0;

    // Write, sync and read errors during the checkpoint: typed error, A stays current, and a
    // retry (transient) commits B.
    for op in [StorageOp::Write, StorageOp::Sync, StorageOp::Read] {
        for at in 0..=t.writes_b {
            for persistence in [Persistence::Transient, Persistence::Permanent] {
                let fault = Fault::Fail {
                    op,
                    at,
                    persistence,
                };
                let mut faulty = FaultyStorage::new(t.only_a.clone()).with_fault(fault);
                let mut cp = Checkpointer::new(0).with_chunk_size(CHUNK);
                let result = cp.checkpoint(vm.inst, &mut vm.store, &mut faulty);
                injected += 1;
                let hit = match &result {
                    Ok(_) => false,
                    Err(CheckpointError::Offload(OffloadError::Storage(_))) => true,
                    Err(e) => panic!("{fault:?}: {e}"),
                };
                if hit && persistence == Persistence::Transient {
                    let again = cp.checkpoint(vm.inst, &mut vm.store, &mut faulty);
                    assert!(again.is_ok(), "{fault:?}: retry {again:?}");
                }
                let committed = result.is_ok() || persistence == Persistence::Transient;
                let mut storage = faulty.into_inner();
                let (g, snap) = reboot_restore(&engine, &module, &mut storage).unwrap();
                if committed {
                    assert!(g > t.gen_a);
                    assert_eq!(snap, t.snap_b, "{fault:?}");
                } else if g == t.gen_a {
                    assert_eq!(snap, t.snap_a, "{fault:?}");
                } else {
                    // The last sync failed after the manifest reached the storage: whether
                    // the new checkpoint is durable is unknown, but it is whole.
                    assert_eq!((op, &snap), (StorageOp::Sync, &t.snap_b), "{fault:?}");
                }
            }
        }
    }

    // Read errors during restore: typed, and a retry works.
    let reads = {
        let mut faulty = FaultyStorage::new(t.both.clone());
        reboot_restore(&engine, &module, &mut faulty).unwrap();
        faulty.counts().reads
    };
    for at in 0..reads {
        let fault = Fault::Fail {
            op: StorageOp::Read,
            at,
            persistence: Persistence::Transient,
        };
        let mut faulty = FaultyStorage::new(t.both.clone()).with_fault(fault);
        let mut rebooted = Vm::boot(&engine, &module);
        let err = rebooted.inst.restore(&mut rebooted.store, &mut faulty);
        assert!(
            matches!(err, Err(CheckpointError::Offload(OffloadError::Storage(_)))),
            "{err:?}"
        );
        injected += 1;
        let (g, snap) = reboot_restore(&engine, &module, &mut faulty).unwrap();
        assert_eq!((g, &snap), (t.gen_b, &t.snap_b));
    }

    // A write that reports success but stores nothing: never taken as current. Also torn
    // writes that report success.
    let mut lost = 0;
    for at in 0..t.writes_b {
        for fault in [
            Fault::Lose { write: at },
            Fault::Tear {
                write: at,
                keep: 37,
            },
            Fault::Flip {
                write: at,
                offset: 36,
                mask: 0x10,
            },
        ] {
            let mut faulty = FaultyStorage::new(t.only_a.clone()).with_fault(fault);
            let result = Checkpointer::new(0).with_chunk_size(CHUNK).checkpoint(
                vm.inst,
                &mut vm.store,
                &mut faulty,
            );
            assert!(result.is_ok());
            let mut storage = faulty.into_inner();
            let (g, snap) = reboot_restore(&engine, &module, &mut storage).unwrap();
            assert_eq!((g, &snap), (t.gen_a, &t.snap_a), "{fault:?}");
            lost += 1;
        }
    }
    println!("I/O errors injected: {injected}; lost, torn or flipped writes: {lost}");
}

#[test]
fn offload_checkpoint_module_mismatch_is_typed() {
    let engine = engine();
    let module = module(&engine);
    let other = Module::new(&engine, wat::parse_str(WAT_OTHER).unwrap()).unwrap();
    let t = two_checkpoints(&engine, &module, 4, 16);

    // Nothing stored under the other module's fingerprint.
    let mut storage = t.both.clone();
    let mut vm = Vm::boot(&engine, &other);
    assert_eq!(
        vm.inst.restore(&mut vm.store, &mut storage),
        Err(CheckpointError::NoCheckpoint)
    );

    // The blobs renamed to the other module's keys (as if files were copied): rejected.
    let mut renamed = MemStorage::new();
    for key in t.both.keys() {
        let moved = Key {
            fingerprint: other.fingerprint(),
            ..*key
        };
        offload::Storage::write(&mut renamed, &moved, &[t.both.get(key).unwrap()]).unwrap();
    }
    let mut vm = Vm::boot(&engine, &other);
    let err = vm.inst.restore(&mut vm.store, &mut renamed).unwrap_err();
    assert!(
        matches!(
            err,
            CheckpointError::Offload(OffloadError::NoValidCheckpoint { rejected: 2 })
        ),
        "{err}"
    );

    // Re-enveloped for the other module with a valid CRC (a crafted checkpoint): the shape
    // check rejects it before anything changes.
    let (_, parts) = offload::commit::load_latest(&mut storage, module.fingerprint(), 0)
        .unwrap()
        .unwrap();
    let parts: Vec<(Kind, u32, &[u8])> = parts.iter().map(|(k, i, p)| (*k, *i, &p[..])).collect();
    let mut crafted = MemStorage::new();
    offload::commit::commit(&mut crafted, other.fingerprint(), 0, &parts).unwrap();
    let mut vm = Vm::boot(&engine, &other);
    let before = vm.call("step", &[]).unwrap();
    let err = vm.inst.restore(&mut vm.store, &mut crafted).unwrap_err();
    assert!(
        matches!(
            err,
            CheckpointError::Mismatch {
                kind: Kind::Meta,
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(vm.call("step", &[]).unwrap(), before);
}

#[test]
fn offload_checkpoint_crafted_payloads_with_valid_crc_never_panic() {
    let engine = engine();
    let module = module(&engine);
    let t = two_checkpoints(&engine, &module, 4, 16);
    let mut storage = t.both.clone();
    let (_, parts) = offload::commit::load_latest(&mut storage, module.fingerprint(), 0)
        .unwrap()
        .unwrap();
    let fp = module.fingerprint();
    let (mut crafted, mut rejected, mut accepted) = (0u64, 0u64, 0u64);
    let mut attempt = |parts: &[(Kind, u32, Vec<u8>)]| {
        let refs: Vec<(Kind, u32, &[u8])> =
            parts.iter().map(|(k, i, p)| (*k, *i, &p[..])).collect();
        let mut s = MemStorage::new();
        offload::commit::commit(&mut s, fp, 0, &refs).unwrap();
        crafted += 1;
        match reboot_restore(&engine, &module, &mut s) {
            Ok(_) => accepted += 1,
            Err(
                CheckpointError::Malformed { .. }
                | CheckpointError::Mismatch { .. }
                | CheckpointError::Grow { .. },
            ) => rejected += 1,
            Err(e) => panic!("unexpected {e}"),
        }
    };
    for (p, (kind, _, payload)) in parts.iter().enumerate() {
        if *kind == Kind::MemoryPage {
            continue;
        }
        for offset in 0..payload.len() {
            for value in [0x00, 0x01, 0x7f, 0xff] {
                let mut bad = parts.clone();
                bad[p].2[offset] = value;
                attempt(&bad);
            }
        }
        // Truncated and extended payloads.
        for len in [0, 1, payload.len() / 2, payload.len().saturating_sub(1)] {
            let mut bad = parts.clone();
            bad[p].2.truncate(len);
            attempt(&bad);
        }
        let mut bad = parts.clone();
        bad[p].2.extend_from_slice(&[0; 5]);
        attempt(&bad);
        // A missing part.
        let mut bad = parts.clone();
        bad.remove(p);
        attempt(&bad);
    }
    // Extra parts the instance does not have, and a memory chunk of the wrong length.
    for extra in [
        (Kind::Table, 7, vec![5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
        (Kind::MemoryPage, Key::page_index(0, 4000).unwrap(), vec![1]),
        (
            Kind::MemoryPage,
            Key::page_index(3, 0).unwrap(),
            vec![1; CHUNK as usize],
        ),
        (
            Kind::MemoryPage,
            Key::page_index(0, 0).unwrap(),
            vec![1; 10],
        ),
        (Kind::Code, 0, vec![1, 2, 3]),
    ] {
        let mut bad = parts.clone();
        bad.retain(|(k, i, _)| (*k, *i) != (extra.0, extra.1));
        bad.push(extra);
        attempt(&bad);
    }
    println!("crafted checkpoints: {crafted}; rejected {rejected}, accepted {accepted}");
    assert!(rejected > 0);
}

#[test]
fn offload_checkpoint_rejects_what_it_cannot_represent() {
    let engine = engine();
    let wat = r#"(module
      (table (export "ft") 2 funcref)
      (table (export "et") 2 externref)
      (global (export "eg") (mut externref) (ref.null extern)))"#;
    let module = Module::new(&engine, wat::parse_str(wat).unwrap()).unwrap();
    let mut store = Store::new(&engine, ());
    let inst = Linker::new(&engine)
        .instantiate(&mut store, &module)
        .unwrap();
    let mut storage = MemStorage::new();
    assert_eq!(inst.checkpoint(&mut store, &mut storage), Ok(1));

    let et = inst.get_table(&store, "et").unwrap();
    et.set(&mut store, 1, Val::ExternRef(Some(ExternRef::new(5))))
        .unwrap();
    let before = storage.clone();
    let err = inst.checkpoint(&mut store, &mut storage).unwrap_err();
    assert!(
        matches!(
            err,
            CheckpointError::Unrepresentable {
                kind: Kind::Table,
                index: 1,
                ..
            }
        ),
        "{err}"
    );
    et.set(&mut store, 1, Val::ExternRef(None)).unwrap();

    let eg = inst.get_global(&store, "eg").unwrap();
    eg.set(&mut store, Val::ExternRef(Some(ExternRef::new(1))))
        .unwrap();
    let err = inst.checkpoint(&mut store, &mut storage).unwrap_err();
    assert!(
        matches!(
            err,
            CheckpointError::Unrepresentable {
                kind: Kind::Globals,
                ..
            }
        ),
        "{err}"
    );
    eg.set(&mut store, Val::ExternRef(None)).unwrap();

    // A host function the instance does not import has no index in it.
    let host = Func::new(&mut store, FuncType::new([], []), |_, _, _| Ok(()));
    let ft = inst.get_table(&store, "ft").unwrap();
    ft.set(&mut store, 0, Val::FuncRef(Some(host))).unwrap();
    let err = inst.checkpoint(&mut store, &mut storage).unwrap_err();
    assert!(
        matches!(
            err,
            CheckpointError::Unrepresentable {
                kind: Kind::Table,
                index: 0,
                ..
            }
        ),
        "{err}"
    );
    // Nothing was written by the refused checkpoints.
    assert_eq!(
        storage.keys().collect::<Vec<_>>(),
        before.keys().collect::<Vec<_>>()
    );
    for key in storage.keys() {
        assert_eq!(storage.get(key), before.get(key));
    }
}

#[test]
fn offload_checkpoint_grown_memory_and_table_survive_and_shrink_is_rejected() {
    let engine = engine();
    let module = module(&engine);
    let mut vm = Vm::boot(&engine, &module);
    run_to(&mut vm, 0, 13);
    let mem = vm.inst.get_memory(&vm.store, "mem").unwrap();
    mem.grow(&mut vm.store, 3).unwrap();
    mem.write(&mut vm.store, 5 * 65536 - 4, &[9, 8, 7, 6])
        .unwrap();
    let tab = vm.inst.get_table(&vm.store, "tab").unwrap();
    tab.grow(&mut vm.store, 5, Val::FuncRef(None)).unwrap();
    let mut storage = MemStorage::new();
    vm.inst.checkpoint(&mut vm.store, &mut storage).unwrap();
    let snap = vm.snap();
    assert_eq!((snap.pages, snap.table.len()), (5, 11));
    let (_, restored) = reboot_restore(&engine, &module, &mut storage).unwrap();
    assert_eq!(restored, snap);

    // Restoring into an instance that has grown past the checkpoint is a mismatch.
    let mut small = MemStorage::new();
    let mut fresh = Vm::boot(&engine, &module);
    fresh.inst.checkpoint(&mut fresh.store, &mut small).unwrap();
    let mut big = Vm::boot(&engine, &module);
    let m = big.inst.get_memory(&big.store, "mem").unwrap();
    m.grow(&mut big.store, 1).unwrap();
    assert!(matches!(
        big.inst.restore(&mut big.store, &mut small),
        Err(CheckpointError::Mismatch { .. })
    ));
}

#[test]
fn offload_checkpoint_incremental_rewrites_only_changed_chunks() {
    let engine = engine();
    let module = module(&engine);
    let mut vm = Vm::boot(&engine, &module);
    run_to(&mut vm, 0, 60);
    let mut storage = FaultyStorage::new(MemStorage::new());
    let mut cp = Checkpointer::new(0).with_chunk_size(1024);
    cp.checkpoint(vm.inst, &mut vm.store, &mut storage).unwrap();
    let chunk_writes = |s: &FaultyStorage<MemStorage>| -> u64 {
        s.wear()
            .iter()
            .filter(|(k, _)| k.kind == Kind::MemoryPage)
            .map(|(_, w)| w.writes)
            .sum()
    };
    let full = chunk_writes(&storage);
    assert!(full > 20, "{full} chunks");

    // Nothing changed: no chunk is written again.
    cp.checkpoint(vm.inst, &mut vm.store, &mut storage).unwrap();
    assert_eq!(chunk_writes(&storage), full);
    // One step changes the counter's chunk and one scattered chunk.
    vm.op(100);
    let generation = cp.checkpoint(vm.inst, &mut vm.store, &mut storage).unwrap();
    assert_eq!(chunk_writes(&storage), full + 2);
    let snap = vm.snap();
    let mut storage = storage.into_inner();
    assert_eq!(
        reboot_restore(&engine, &module, &mut storage).unwrap(),
        (generation, snap.clone())
    );

    // A restoring checkpointer continues incrementally; without it every chunk is rewritten.
    let mut rebooted = Vm::boot(&engine, &module);
    let mut cp = Checkpointer::new(0).with_chunk_size(1024);
    cp.restore(rebooted.inst, &mut rebooted.store, &mut storage)
        .unwrap();
    let mut faulty = FaultyStorage::new(storage);
    cp.checkpoint(rebooted.inst, &mut rebooted.store, &mut faulty)
        .unwrap();
    assert_eq!(chunk_writes(&faulty), 0);
    Checkpointer::new(0)
        .with_chunk_size(1024)
        .with_incremental(false)
        .checkpoint(rebooted.inst, &mut rebooted.store, &mut faulty)
        .unwrap();
    // Every non-zero chunk (the last step may have made one more non-zero).
    assert!(chunk_writes(&faulty) >= full);
    let mut storage = faulty.into_inner();
    assert_eq!(
        reboot_restore(&engine, &module, &mut storage).unwrap().1,
        snap
    );
}
