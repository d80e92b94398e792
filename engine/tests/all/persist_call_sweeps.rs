//! Power-cut and bit-flip sweeps over the checkpoints of a *fuel-suspended* call of a
//! benchmark sample (quicksort: several frames, memory chunks, globals), as
//! `offload_checkpoint.rs` does for instance checkpoints: a power cut at any write of a
//! checkpoint leaves the previous one or the new one, whole (the restored call finishes with
//! the uninterrupted result, its memory and the fuel left are those of the checkpoint it
//! restored); a flipped byte anywhere makes the restore fall back to the older checkpoint, or
//! fail with a typed error, never restore a damaged state. The counts are printed.

use fayasm::offload::{FaultyStorage, Key, Kind, MemStorage, PowerCut, Unsynced};
use fayasm::{
    CheckpointError, Checkpointer, Config, Engine, Instance, Module, ResumableCall, Store,
    SuspendedCall, Val,
};

use crate::support::boot;

const ARG: i32 = 1000;
const WANT: i32 = 113_057_324;
/// Memory chunks of 4 KiB: more parts than the default 16 KiB.
const CHUNK: u32 = 4096;

fn module(engine: &Engine) -> Module {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../wasm_samples/wasm/bench_quicksort.wasm");
    Module::new(engine, std::fs::read(path).unwrap()).unwrap()
}

fn memory(store: &Store<()>, inst: Instance) -> Vec<u8> {
    inst.get_memory(store, "memory")
        .unwrap()
        .data(store)
        .to_vec()
}

/// The state a checkpoint holds, to tell a restored one from a mix.
struct Saved {
    generation: u64,
    memory: Vec<u8>,
    /// Fuel the call had used when it was checkpointed.
    used: u64,
}

struct Fixture {
    engine: Engine,
    module: Module,
    /// Fuel of the whole uninterrupted call.
    total: u64,
    a: Saved,
    b: Saved,
    /// Storage with checkpoint A only, and the checkpointer after A.
    only_a: MemStorage,
    cp_a: Checkpointer,
    /// Storage with A then B (incremental: B rewrites only the chunks that changed).
    both: MemStorage,
    /// The live call at B, its store and instance (for the power-cut sweep's writes).
    at_b: (SuspendedCall, Store<()>, Instance),
}

fn fixture() -> Fixture {
    let engine = Engine::new(Config::default().consume_fuel(true));
    let module = module(&engine);
    let (mut store, inst) = boot(&engine, &module);
    let run = inst.get_func(&store, "run").unwrap();
    let mut out = [Val::I32(0)];
    store.set_fuel(u64::MAX / 2).unwrap();
    run.call(&mut store, &[Val::I32(ARG)], &mut out).unwrap();
    assert_eq!(out[0], Val::I32(WANT));
    let total = u64::MAX / 2 - store.get_fuel().unwrap();

    let (mut store, inst) = boot(&engine, &module);
    let run = inst.get_func(&store, "run").unwrap();
    let third = total / 3;
    store.set_fuel(third).unwrap();
    let ResumableCall::Suspended(s) = run
        .call_resumable(&mut store, &[Val::I32(ARG)], &mut out)
        .unwrap()
    else {
        panic!("finished within a third of its fuel")
    };
    let mut cp = Checkpointer::new(0).with_chunk_size(CHUNK);
    let mut storage = MemStorage::new();
    let generation = s
        .checkpoint(inst, &mut store, &mut cp, &mut storage)
        .unwrap();
    let a = Saved {
        generation,
        memory: memory(&store, inst),
        used: third - store.get_fuel().unwrap(),
    };
    let (only_a, cp_a) = (storage.clone(), cp.clone());
    store.set_fuel(store.get_fuel().unwrap() + third).unwrap();
    let ResumableCall::Suspended(s) = s.resume(&mut store, &[], &mut out).unwrap() else {
        panic!("finished within two thirds of its fuel")
    };
    let generation = s
        .checkpoint(inst, &mut store, &mut cp, &mut storage)
        .unwrap();
    let b = Saved {
        generation,
        memory: memory(&store, inst),
        used: 2 * third - store.get_fuel().unwrap(),
    };
    assert_ne!(
        a.memory, b.memory,
        "the call changes memory between A and B"
    );
    Fixture {
        engine,
        module,
        total,
        a,
        b,
        only_a,
        cp_a,
        both: storage,
        at_b: (s, store, inst),
    }
}

/// Restore from `storage` into a fresh store: which checkpoint it was, checked whole (its
/// memory, and with `finish`, the call finishing with the uninterrupted result using exactly
/// the fuel that checkpoint had left).
fn restore<'f>(
    f: &'f Fixture,
    storage: &mut MemStorage,
    finish: bool,
) -> Result<&'f Saved, CheckpointError<std::collections::TryReserveError>> {
    let (mut store, inst) = boot(&f.engine, &f.module);
    let mut cp = Checkpointer::new(0).with_chunk_size(CHUNK);
    let (call, generation) = SuspendedCall::restore(inst, &mut store, &mut cp, storage)?;
    let saved = [&f.a, &f.b]
        .into_iter()
        .find(|s| s.generation == generation)
        .unwrap_or_else(|| panic!("restored generation {generation}, neither A nor B"));
    assert!(
        memory(&store, inst) == saved.memory,
        "generation {generation} restored with another memory: a mix"
    );
    if finish {
        store.set_fuel(u64::MAX / 2).unwrap();
        let mut out = [Val::I32(0)];
        let done = call.resume(&mut store, &[], &mut out).unwrap();
        assert!(matches!(done, ResumableCall::Finished));
        assert_eq!(out[0], Val::I32(WANT), "generation {generation}");
        let used = u64::MAX / 2 - store.get_fuel().unwrap();
        assert_eq!(used, f.total - saved.used, "generation {generation}: fuel");
    }
    Ok(saved)
}

#[test]
fn power_cuts_while_checkpointing_a_fuel_suspended_call() {
    let mut f = fixture();
    let (s, mut store, inst) = f.at_b;
    // How many writes checkpoint B takes over A.
    let mut probe = FaultyStorage::new(f.only_a.clone());
    s.checkpoint(inst, &mut store, &mut f.cp_a.clone(), &mut probe)
        .unwrap();
    let writes = probe.counts().writes;
    f.at_b = (s, store, inst);
    let (mut cuts, mut old, mut new) = (0, 0, 0);
    for n in 0..=writes {
        for cut in [
            PowerCut::at(n),
            PowerCut {
                at_write: n,
                torn_prefix: Some(5),
                unsynced: Unsynced::DropAll,
            },
            PowerCut {
                at_write: n,
                torn_prefix: Some(300),
                unsynced: Unsynced::Keep,
            },
        ] {
            let (s, store, inst) = &mut f.at_b;
            let mut faulty = FaultyStorage::new(f.only_a.clone()).with_power_cut(cut);
            let result = s.checkpoint(*inst, &mut *store, &mut f.cp_a.clone(), &mut faulty);
            let mut after = faulty.into_inner();
            cuts += 1;
            let saved = restore(&f, &mut after, true)
                .unwrap_or_else(|e| panic!("cut {cut:?}: no checkpoint restored: {e}"));
            if saved.generation == f.b.generation {
                new += 1;
            } else {
                assert!(result.is_err(), "cut {cut:?}: reported committed, but lost");
                old += 1;
            }
        }
    }
    println!(
        "power cuts over a fuel-suspended quicksort call: {cuts} ({writes} writes per \
         checkpoint); old {old}, new {new}"
    );
    assert!(old > 0 && new > 0);
}

#[test]
fn every_flipped_byte_of_a_fuel_suspended_call_checkpoint_is_caught() {
    let f = fixture();
    assert_eq!(
        restore(&f, &mut f.both.clone(), true).unwrap().generation,
        f.b.generation
    );
    // Every byte of every part but memory chunks; of a memory chunk, its first and last 64
    // bytes (header, CRC) and every 97th byte between.
    let offsets = |key: &Key, len: usize| -> Vec<usize> {
        if key.kind == Kind::MemoryPage {
            (0..len)
                .filter(|&o| o < 64 || o + 64 >= len || o % 97 == 0)
                .collect()
        } else {
            (0..len).collect()
        }
    };
    // With one checkpoint on the storage, every flip is a typed error.
    let mut alone = 0;
    for key in f.only_a.keys() {
        for offset in offsets(key, f.only_a.get(key).unwrap().len()) {
            let mut damaged = f.only_a.clone();
            damaged.get_mut(key).unwrap()[offset] ^= 0x80;
            alone += 1;
            match restore(&f, &mut damaged, false) {
                Err(CheckpointError::Offload(_)) | Err(CheckpointError::NoCheckpoint) => {}
                Ok(s) => panic!(
                    "{key:?} byte {offset}: damage not detected (gen {})",
                    s.generation
                ),
                Err(e) => panic!("{key:?} byte {offset}: {e}"),
            }
        }
    }
    let keys: Vec<Key> = f.both.keys().copied().collect();
    let (mut flipped, mut to_a, mut to_b, mut typed, mut finished) = (0, 0, 0, 0, 0);
    for key in &keys {
        let len = f.both.get(key).unwrap().len();
        for offset in offsets(key, len) {
            let mut damaged = f.both.clone();
            damaged.get_mut(key).unwrap()[offset] ^= 1 << (offset % 8);
            flipped += 1;
            // Finish every 25th restored call (each takes a third of the run or more).
            let finish = flipped % 25 == 0;
            match restore(&f, &mut damaged, finish) {
                Ok(s) if s.generation == f.b.generation => to_b += 1,
                Ok(_) => to_a += 1,
                Err(CheckpointError::Offload(_)) | Err(CheckpointError::NoCheckpoint) => typed += 1,
                Err(e) => panic!("{key:?} byte {offset}: {e}"),
            }
            finished += finish as u32;
        }
    }
    println!(
        "bytes flipped over a fuel-suspended quicksort call's checkpoints ({} parts): \
         {flipped}; newest intact {to_b}, fell back to the older {to_a}, typed errors {typed}; \
         {finished} restored calls run to the end; with only the older checkpoint on the \
         storage, {alone} flips, all typed errors",
        keys.len()
    );
    assert!(to_a > 0 && to_b > 0);
}
