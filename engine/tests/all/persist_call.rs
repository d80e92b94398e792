//! Persistent suspended calls (`SuspendedCall::checkpoint` / `restore`): a call suspended
//! part-way, written with its instance as one checkpoint, dropped with its store, restored into
//! a fresh store and instance and resumed, ends exactly as an uninterrupted run; power cuts
//! during the write leave the old or the new checkpoint; every damaged byte is a typed error
//! or a fall-back to the previous checkpoint.

use fayasm::offload::{FaultyStorage, Kind, MemStorage, OffloadError, PowerCut, Unsynced};
use fayasm::{
    CheckpointError, Checkpointer, Config, Engine, Func, FuncType, Instance, Linker, Module,
    ResumableCall, Store, SuspendReason, SuspendedCall, Trap, Val, ValType,
};

use crate::support::{boot, samples_dir};

fn memory(store: &Store<()>, inst: Instance) -> Option<Vec<u8>> {
    inst.get_memory(store, "memory")
        .map(|m| m.data(store).to_vec())
}

fn call_part_bytes(storage: &MemStorage) -> usize {
    storage
        .keys()
        .filter(|k| k.kind == Kind::Meta && k.index == 1)
        .map(|k| storage.get(k).unwrap().len())
        .max()
        .unwrap_or(0)
}

fn all_bytes(storage: &MemStorage) -> usize {
    storage.keys().map(|k| storage.get(k).unwrap().len()).sum()
}

#[test]
fn every_benchmark_sample_survives_checkpoint_drop_restore_resume() {
    let expected: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(samples_dir().join("expected.json")).unwrap(),
    )
    .unwrap();
    let engine = Engine::new(Config::default().consume_fuel(true));
    let mut ran = 0;
    for bench in expected["benchmarks"].as_array().unwrap() {
        if bench["simd"].as_bool() == Some(true) && !cfg!(feature = "simd") {
            continue;
        }
        let name = bench["name"].as_str().unwrap();
        let export = bench["export"].as_str().unwrap();
        let bytes = std::fs::read(
            samples_dir()
                .join("wasm")
                .join(bench["wasm"].as_str().unwrap()),
        )
        .unwrap();
        let module = Module::new(&engine, &bytes).unwrap();
        let arg = [Val::I32(bench["smoke"]["arg"].as_i64().unwrap() as i32)];
        let want = Val::I32(bench["smoke"]["result"].as_i64().unwrap() as i32);
        // The uninterrupted run: its fuel and the memory it leaves.
        let (mut store, inst) = boot(&engine, &module);
        store.set_fuel(u64::MAX / 2).unwrap();
        let mut out = [Val::I32(0)];
        let run = inst.get_func(&store, export).unwrap();
        run.call(&mut store, &arg, &mut out).unwrap();
        assert_eq!(out[0], want, "{name}");
        let total = u64::MAX / 2 - store.get_fuel().unwrap();
        let mem = memory(&store, inst);
        // Slices of a seventh of the run (minus one, so stops fall anywhere); at every stop the
        // call is checkpointed, everything is dropped, and a new store picks it up.
        let slice = (total / 7).max(2) - 1;
        let mut storage = MemStorage::new();
        let (mut store, mut inst) = boot(&engine, &module);
        store.set_fuel(slice).unwrap();
        let run = inst.get_func(&store, export).unwrap();
        let mut call = run.call_resumable(&mut store, &arg, &mut out).unwrap();
        let mut restores = 0;
        let mut sizes = (0, 0);
        while let ResumableCall::Suspended(s) = call {
            assert_eq!(s.reason(), SuspendReason::OutOfFuel);
            let left = store.get_fuel().unwrap();
            s.checkpoint(inst, &mut store, &mut Checkpointer::new(0), &mut storage)
                .unwrap();
            sizes = sizes.max((call_part_bytes(&storage), all_bytes(&storage)));
            drop(s);
            drop(store);
            let (mut fresh, finst) = boot(&engine, &module);
            let (s, _) =
                SuspendedCall::restore(finst, &mut fresh, &mut Checkpointer::new(0), &mut storage)
                    .unwrap();
            restores += 1;
            fresh.set_fuel(left + slice).unwrap();
            call = s.resume(&mut fresh, &[], &mut out).unwrap();
            (store, inst) = (fresh, finst);
        }
        assert_eq!(out[0], want, "{name}");
        assert!(restores >= 6, "{name}: {restores} restores");
        assert_eq!(memory(&store, inst), mem, "{name}");
        println!(
            "{name}: {total} fuel, {restores} checkpoint/restore cycles; largest suspended-call \
             part {} bytes, whole checkpoint {} bytes",
            sizes.0, sizes.1
        );
        ran += 1;
    }
    assert!(ran >= 12, "{ran}");
}

const YIELDING: &str = r#"(module
  (import "host" "ask" (func $ask (param i32) (result i32)))
  (memory (export "memory") 1)
  (global $g (mut i32) (i32.const 0))
  (func $twice (export "twice") (param i32) (result i32)
    (i32.store (i32.const 64) (i32.const 0x1234))
    (global.set $g (i32.const 7))
    (i32.add (call $ask (local.get 0)) (call $ask (i32.add (local.get 0) (i32.const 1)))))
  (func (export "deep") (param i32) (result i32)
    (if (result i32) (i32.eqz (local.get 0))
      (then (call $twice (i32.const 10)))
      (else (i32.add (i32.load (i32.const 64))
                     (call 2 (i32.sub (local.get 0) (i32.const 1)))))))
  (func (export "tail") (param i32) (result i32)
    (return_call $ask (local.get 0)))
  (func (export "g") (result i32) (global.get $g)))"#;

fn yielding(engine: &Engine, extra_host_first: bool) -> (Store<()>, Instance) {
    let module = Module::new(engine, wat::parse_str(YIELDING).unwrap()).unwrap();
    let mut store = Store::new(engine, ());
    if extra_host_first {
        // Moves every function of the instance to other store indices.
        Func::new(&mut store, FuncType::new([], []), |_, _, _| Ok(()));
    }
    let ask = Func::new(
        &mut store,
        FuncType::new([ValType::I32], [ValType::I32]),
        |_, _, _| Err(Trap::host_yield()),
    );
    let mut linker = Linker::new(engine);
    linker.define(&store, "host", "ask", ask).unwrap();
    let inst = linker.instantiate(&mut store, &module).unwrap();
    (store, inst)
}

/// Start `name(arg)` and persist it at its first host yield.
fn persisted_at_first_yield(engine: &Engine, name: &str, arg: i32) -> MemStorage {
    let (mut store, inst) = yielding(engine, false);
    let f = inst.get_func(&store, name).unwrap();
    let mut out = [Val::I32(0)];
    let ResumableCall::Suspended(s) = f
        .call_resumable(&mut store, &[Val::I32(arg)], &mut out)
        .unwrap()
    else {
        panic!("{name} did not yield")
    };
    let mut storage = MemStorage::new();
    s.checkpoint(inst, &mut store, &mut Checkpointer::new(0), &mut storage)
        .unwrap();
    storage
}

/// Restore into a fresh store and answer every yield with 100, 200, ...
fn finish_restored(
    engine: &Engine,
    storage: &mut MemStorage,
) -> Result<(Val, i32), CheckpointError<std::collections::TryReserveError>> {
    let (mut store, inst) = yielding(engine, false);
    let (mut s, _) = SuspendedCall::restore(inst, &mut store, &mut Checkpointer::new(0), storage)?;
    let mut out = [Val::I32(0)];
    let mut n = 0;
    loop {
        let SuspendReason::HostYield(_) = s.reason() else {
            panic!("{:?}", s.reason())
        };
        n += 100;
        match s.resume(&mut store, &[Val::I32(n)], &mut out).unwrap() {
            ResumableCall::Finished => break,
            ResumableCall::Suspended(next) => s = next,
        }
    }
    let g = inst.get_func(&store, "g").unwrap();
    let mut gv = [Val::I32(0)];
    g.call(&mut store, &[], &mut gv).unwrap();
    let Val::I32(g) = gv[0] else { panic!() };
    Ok((out[0], g))
}

#[test]
fn a_host_call_pending_across_a_restore_gets_its_results() {
    let engine = Engine::default();
    for (name, arg, want) in [("twice", 1, 300), ("deep", 20, 300), ("tail", 5, 100)] {
        let mut storage = persisted_at_first_yield(&engine, name, arg);
        let (v, g) = finish_restored(&engine, &mut storage).unwrap();
        assert_eq!(v, Val::I32(want), "{name}");
        // The instance state came along (the global set before the yield).
        assert_eq!(g, if name == "tail" { 0 } else { 7 }, "{name}");
    }
}

#[test]
fn restore_refuses_what_does_not_match_with_typed_errors() {
    let engine = Engine::default();
    let mut storage = persisted_at_first_yield(&engine, "deep", 3);
    // Another configuration: the code would not mean the same.
    for config in [
        Config::default().consume_fuel(true),
        Config::default().interruptible(true),
    ] {
        let other = Engine::new(config);
        let (mut store, inst) = yielding(&other, false);
        let e = SuspendedCall::restore(inst, &mut store, &mut Checkpointer::new(0), &mut storage)
            .unwrap_err();
        assert!(matches!(e, CheckpointError::Mismatch { .. }), "{e}");
    }
    // Other store indices for the instance's functions (funcref cells would change meaning).
    let (mut store, inst) = yielding(&engine, true);
    let e = SuspendedCall::restore(inst, &mut store, &mut Checkpointer::new(0), &mut storage)
        .unwrap_err();
    assert!(matches!(e, CheckpointError::Mismatch { .. }), "{e}");
    // Nothing changed in the refused instance.
    assert_eq!(
        inst.get_memory(&store, "memory").unwrap().data(&store)[64],
        0
    );
    // A checkpoint of the instance alone has no call; the call's checkpoint restores as an
    // instance checkpoint too.
    let (mut store, inst) = yielding(&engine, false);
    let mut plain = MemStorage::new();
    inst.checkpoint(&mut store, &mut plain).unwrap();
    let e = SuspendedCall::restore(inst, &mut store, &mut Checkpointer::new(0), &mut plain)
        .unwrap_err();
    assert!(matches!(e, CheckpointError::Malformed { .. }), "{e}");
    let (mut store, inst) = yielding(&engine, false);
    inst.restore(&mut store, &mut storage).unwrap();
    assert_eq!(
        inst.get_memory(&store, "memory").unwrap().data(&store)[64],
        0x34
    );
}

#[test]
fn every_damaged_byte_of_a_call_checkpoint_is_refused_or_falls_back() {
    let engine = Engine::default();
    // A: at the first yield of `deep`; B: the same call one yield later, over A.
    let (mut store, inst) = yielding(&engine, false);
    let f = inst.get_func(&store, "deep").unwrap();
    let mut out = [Val::I32(0)];
    let ResumableCall::Suspended(s) = f
        .call_resumable(&mut store, &[Val::I32(4)], &mut out)
        .unwrap()
    else {
        panic!()
    };
    let mut cp = Checkpointer::new(0);
    let mut storage = MemStorage::new();
    s.checkpoint(inst, &mut store, &mut cp, &mut storage)
        .unwrap();
    let only_a = storage.clone();
    let ResumableCall::Suspended(s) = s.resume(&mut store, &[Val::I32(100)], &mut out).unwrap()
    else {
        panic!()
    };
    s.checkpoint(inst, &mut store, &mut cp, &mut storage)
        .unwrap();
    let want = Val::I32(300);
    // Resumed from A, the two yields get 100 and 200; from B, the first already got 100 and
    // the second gets 100.
    let from_a = finish_restored(&engine, &mut only_a.clone()).unwrap().0;
    assert_eq!(from_a, want);
    let from_b = finish_restored(&engine, &mut storage.clone()).unwrap().0;
    assert_eq!(from_b, Val::I32(200));
    let (mut flipped, mut typed, mut fell_back, mut intact) = (0, 0, 0, 0);
    for base in [&storage, &only_a] {
        let keys: Vec<_> = base
            .keys()
            .copied()
            .filter(|k| k.kind == Kind::Meta || k.kind == Kind::Manifest)
            .collect();
        for key in keys {
            let len = base.get(&key).unwrap().len();
            for offset in 0..len {
                let mut damaged = base.clone();
                damaged.get_mut(&key).unwrap()[offset] ^= 1 << (offset % 8);
                flipped += 1;
                match finish_restored(&engine, &mut damaged) {
                    // B intact (the flip hit the older checkpoint), or a fall-back to A.
                    Ok((v, _)) if std::ptr::eq(base, &storage) && v == from_b => intact += 1,
                    Ok((v, _)) if std::ptr::eq(base, &storage) => {
                        assert_eq!(v, from_a, "{key:?} byte {offset}");
                        fell_back += 1;
                    }
                    Ok((v, _)) => panic!("{key:?} byte {offset}: damage not detected ({v:?})"),
                    Err(CheckpointError::Offload(OffloadError::NoValidCheckpoint { .. }))
                    | Err(CheckpointError::NoCheckpoint) => typed += 1,
                    Err(e) => panic!("{key:?} byte {offset}: untyped {e}"),
                }
            }
        }
    }
    println!(
        "bytes flipped: {flipped}; newest intact {intact}, fell back to the older checkpoint \
         {fell_back}, typed errors {typed}"
    );
    assert!(fell_back > 0 && typed > 0);
}

#[test]
fn a_power_cut_while_checkpointing_a_call_leaves_the_old_or_the_new_one() {
    let engine = Engine::default();
    let (mut store, inst) = yielding(&engine, false);
    let f = inst.get_func(&store, "deep").unwrap();
    let mut out = [Val::I32(0)];
    let ResumableCall::Suspended(s) = f
        .call_resumable(&mut store, &[Val::I32(4)], &mut out)
        .unwrap()
    else {
        panic!()
    };
    let mut cp = Checkpointer::new(0);
    let mut base = MemStorage::new();
    s.checkpoint(inst, &mut store, &mut cp, &mut base).unwrap();
    let ResumableCall::Suspended(s) = s.resume(&mut store, &[Val::I32(100)], &mut out).unwrap()
    else {
        panic!()
    };
    let mut probe = FaultyStorage::new(base.clone());
    s.checkpoint(inst, &mut store, &mut cp.clone(), &mut probe)
        .unwrap();
    let writes = probe.counts().writes;
    let (old, new) = (Val::I32(300), Val::I32(200));
    let (mut n_old, mut n_new, mut cuts) = (0, 0, 0);
    for n in 0..=writes {
        for cut in [
            PowerCut::at(n),
            PowerCut {
                at_write: n,
                torn_prefix: Some(7),
                unsynced: Unsynced::DropAll,
            },
            PowerCut {
                at_write: n,
                torn_prefix: Some(100),
                unsynced: Unsynced::Keep,
            },
        ] {
            let mut faulty = FaultyStorage::new(base.clone()).with_power_cut(cut);
            let result = s.checkpoint(inst, &mut store, &mut cp.clone(), &mut faulty);
            let mut after = faulty.into_inner();
            cuts += 1;
            let (v, _) = finish_restored(&engine, &mut after).unwrap();
            if v == new {
                n_new += 1;
            } else {
                assert_eq!(v, old, "cut {cut:?}: a mix");
                assert!(result.is_err(), "cut {cut:?}: reported committed, but lost");
                n_old += 1;
            }
        }
    }
    println!("power cuts: {cuts} ({writes} writes per checkpoint); old {n_old}, new {n_new}");
    assert!(n_old > 0 && n_new > 0);
}

#[test]
fn a_call_whose_code_was_evicted_while_suspended_still_checkpoints() {
    let engine = Engine::default();
    let (mut store, inst) = yielding(&engine, false);
    let f = inst.get_func(&store, "deep").unwrap();
    let mut out = [Val::I32(0)];
    let ResumableCall::Suspended(s) = f
        .call_resumable(&mut store, &[Val::I32(6)], &mut out)
        .unwrap()
    else {
        panic!()
    };
    // The code cache drops every function's microcode (the call keeps its own alive).
    let mut i = 0;
    while let Some(g) = inst.func_by_index(&store, i) {
        g.evict_code(&mut store);
        i += 1;
    }
    let mut storage = MemStorage::new();
    s.checkpoint(inst, &mut store, &mut Checkpointer::new(0), &mut storage)
        .unwrap();
    let (v, g) = finish_restored(&engine, &mut storage).unwrap();
    assert_eq!((v, g), (Val::I32(300), 7));
    // And the original still resumes.
    let ResumableCall::Suspended(s) = s.resume(&mut store, &[Val::I32(100)], &mut out).unwrap()
    else {
        panic!()
    };
    assert!(matches!(
        s.resume(&mut store, &[Val::I32(200)], &mut out).unwrap(),
        ResumableCall::Finished
    ));
    assert_eq!(out[0], Val::I32(300));
}
