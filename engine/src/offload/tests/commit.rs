//! Checkpoints under power cuts, torn writes, bit flips, lost writes and I/O errors: loading
//! always yields the previous checkpoint or the new one, whole, never a mix.

use alloc::vec;
use alloc::vec::Vec;

use crate::offload::commit::{self, Checkpoints};
use crate::offload::{
    blob, Fault, FaultError, FaultyStorage, Key, Kind, MemStorage, OffloadError, Persistence,
    PowerCut, Storage, StorageOp, Unsynced,
};

const FP: u64 = 0xc0ffee;
const SET: u32 = 0;

type Parts = Vec<(Kind, u32, Vec<u8>)>;

/// Three parts whose contents depend on `tag`, in manifest order.
fn parts(tag: u8) -> Parts {
    let fill = |len: usize, salt: u8| {
        (0..len)
            .map(|i| (i as u8).wrapping_mul(salt) ^ tag)
            .collect()
    };
    vec![
        (Kind::Memory, 0, fill(100, 7)),
        (Kind::Globals, 0, fill(16, 13)),
        (Kind::Table, 1, fill(24, 29)),
    ]
}

fn commit<S: Storage>(s: &mut S, set: &Parts) -> Result<u64, OffloadError<S::Error>> {
    let refs: Vec<(Kind, u32, &[u8])> =
        set.iter().map(|(k, i, d)| (*k, *i, d.as_slice())).collect();
    commit::commit(s, FP, SET, &refs)
}

/// The parts of the checkpoint that loads, or `None` if there is no valid one.
fn loaded<S: Storage>(s: &mut S) -> Option<Parts>
where
    S::Error: core::fmt::Debug,
{
    match commit::load_latest(s, FP, SET) {
        Ok(found) => found.map(|(_, parts)| parts),
        Err(OffloadError::NoValidCheckpoint { .. }) => None,
        Err(e) => panic!("load failed with a non-data error: {e:?}"),
    }
}

/// A storage holding checkpoint `old` (or nothing), wrapped for faults.
fn base(old: Option<&Parts>) -> MemStorage {
    let mut mem = MemStorage::new();
    if let Some(old) = old {
        commit(&mut mem, old).unwrap();
    }
    mem
}

/// How many writes a commit of `new` over `old` makes.
fn writes_of_commit(old: Option<&Parts>, new: &Parts) -> u64 {
    let mut s = FaultyStorage::new(base(old));
    commit(&mut s, new).unwrap();
    s.counts().writes
}

#[test]
fn round_trip_and_successive_commits() {
    let mut s = MemStorage::new();
    assert_eq!(loaded(&mut s), None);
    for tag in 1..=5 {
        let generation = commit(&mut s, &parts(tag)).unwrap();
        assert_eq!(generation, u64::from(tag));
        assert_eq!(loaded(&mut s), Some(parts(tag)));
    }
    // Two manifests and two copies of each part: the pair slots are reused.
    assert_eq!(s.len(), 2 + 2 * 3);
}

#[test]
fn sets_of_one_module_keep_their_own_parts() {
    // Two instances of one module checkpointed as sets 0 and 1 on one storage: each set's
    // commits leave the other's checkpoint whole (they used to share part keys, so the second
    // set's commit overwrote the first one's parts and its manifest no longer verified).
    let mut s = MemStorage::new();
    let commit_set = |s: &mut MemStorage, set: u32, parts: &Parts| {
        let refs: Vec<(Kind, u32, &[u8])> = parts
            .iter()
            .map(|(k, i, d)| (*k, *i, d.as_slice()))
            .collect();
        commit::commit(s, FP, set, &refs).unwrap()
    };
    let load_set = |s: &mut MemStorage, set: u32| {
        commit::load_latest(s, FP, set)
            .unwrap()
            .map(|(_, parts)| parts)
    };
    for round in 0..3u8 {
        commit_set(&mut s, 0, &parts(10 + round));
        commit_set(&mut s, 1, &parts(20 + round));
        commit_set(&mut s, 7, &parts(30 + round));
        assert_eq!(load_set(&mut s, 0), Some(parts(10 + round)));
        assert_eq!(load_set(&mut s, 1), Some(parts(20 + round)));
        assert_eq!(load_set(&mut s, 7), Some(parts(30 + round)));
    }
    // Set 0 keeps the module's own fingerprint, so checkpoints written before sets had parts
    // of their own still load; the others differ from it and from each other.
    assert_eq!(commit::set_fingerprint(FP, 0), FP);
    let derived: Vec<u64> = (1..64)
        .map(|set| commit::set_fingerprint(FP, set))
        .collect();
    assert!(derived.iter().all(|&f| f != FP));
    let mut unique = derived.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), derived.len());
}

#[test]
fn manifest_kind_is_reserved() {
    let mut s = MemStorage::new();
    let mut log = Checkpoints::new(FP, SET);
    let mut tx = log.begin(&mut s).unwrap();
    assert_eq!(
        tx.put(Kind::Manifest, 0, b"x"),
        Err(OffloadError::ReservedKind(Kind::Manifest))
    );
}

/// The sweep: for a first commit (old = none) and a later one, cut the power at every write,
/// clean or torn at several byte counts, keeping or dropping (some) unsynced writes. After the
/// reboot exactly the old or the new checkpoint loads; once the commit returned `Ok`, the new.
#[test]
fn power_cut_sweep_yields_old_or_new() {
    let new = parts(2);
    let mut cuts = 0;
    for old in [None, Some(parts(1))] {
        let old = old.as_ref();
        let writes = writes_of_commit(old, &new);
        assert_eq!(writes, 4);
        for at in 0..=writes {
            let full = blob::HEADER_LEN + 100;
            let tears = [
                None,
                Some(0),
                Some(1),
                Some(blob::HEADER_LEN - 1),
                Some(blob::HEADER_LEN),
                Some(full - 1),
                Some(full),
            ];
            for torn_prefix in tears {
                let drops = [
                    Unsynced::Keep,
                    Unsynced::DropAll,
                    Unsynced::DropMask(0b01),
                    Unsynced::DropMask(0b10),
                ];
                for unsynced in drops {
                    let cut = PowerCut {
                        at_write: at,
                        torn_prefix,
                        unsynced,
                    };
                    let mut s = FaultyStorage::new(base(old)).with_power_cut(cut);
                    let committed = commit(&mut s, &new).is_ok();
                    let mut rebooted = s.into_inner();
                    let got = loaded(&mut rebooted);
                    if committed {
                        assert_eq!(got.as_ref(), Some(&new), "{cut:?}");
                    } else {
                        assert!(
                            got.as_ref() == old || got.as_ref() == Some(&new),
                            "{cut:?}: mixed or lost"
                        );
                    }
                    cuts += 1;
                }
            }
        }
    }
    assert_eq!(cuts, 2 * 5 * 7 * 4);
}

/// Two cuts in a row: one during commit B, then (after recovering whatever loaded) one during
/// commit C. The recovered state must be protected by the second commit even though the torn
/// commit B left newer-generation debris behind.
#[test]
fn power_cut_after_recovery_sweep() {
    let (a, b, c) = (parts(1), parts(2), parts(3));
    let mut cuts = 0;
    for at_b in 0..=4 {
        for at_c in 0..=4 {
            for torn_prefix in [None, Some(10)] {
                let cut = |at_write| PowerCut {
                    at_write,
                    torn_prefix,
                    unsynced: Unsynced::Keep,
                };
                let mut s = FaultyStorage::new(base(Some(&a))).with_power_cut(cut(at_b));
                let _ = commit(&mut s, &b);
                let mut rebooted = s.into_inner();
                let recovered = loaded(&mut rebooted);
                assert!(recovered == Some(a.clone()) || recovered == Some(b.clone()));
                let mut s = FaultyStorage::new(rebooted).with_power_cut(cut(at_c));
                let committed = commit(&mut s, &c).is_ok();
                let got = loaded(&mut s.into_inner());
                if committed {
                    assert_eq!(got, Some(c.clone()));
                } else {
                    assert!(
                        got == recovered || got == Some(c.clone()),
                        "cuts at {at_b}, {at_c}"
                    );
                }
                cuts += 2;
            }
        }
    }
    assert_eq!(cuts, 5 * 5 * 2 * 2);
}

/// Incremental commits: `keep` carries a part over without rewriting it, and the sweep still
/// holds when the kept part was written several generations ago.
#[test]
fn keep_unchanged_parts_under_power_cuts() {
    let mut s = MemStorage::new();
    let mut log = Checkpoints::new(FP, SET);
    // Generation 1 writes everything; generations 2 and 3 rewrite only the globals.
    let mut tx = log.begin(&mut s).unwrap();
    for (k, i, d) in parts(1) {
        tx.put(k, i, &d).unwrap();
    }
    tx.finish().unwrap();
    for tag in [2u8, 3] {
        let mut tx = log.begin(&mut s).unwrap();
        tx.keep(Kind::Memory, 0).unwrap();
        tx.keep(Kind::Table, 1).unwrap();
        tx.put(Kind::Globals, 0, &parts(tag)[1].2).unwrap();
        tx.finish().unwrap();
    }
    let expected = |globals_tag: u8, memory_tag: u8| {
        let mut p = parts(memory_tag);
        p[1] = parts(globals_tag)[1].clone();
        p
    };
    let old = expected(3, 1);
    assert_eq!(loaded(&mut s), Some(old.clone()));
    let m = log.current().unwrap();
    assert_eq!(
        (m.generation, m.entry(Kind::Memory, 0).unwrap().generation),
        (3, 1)
    );
    // Now commit new memory, cut at every write.
    let new = expected(3, 4);
    for at in 0..=2 {
        let mut f = FaultyStorage::new(s.clone()).with_power_cut(PowerCut::at(at));
        let mut log = Checkpoints::new(FP, SET);
        let result = (|| {
            let mut tx = log.begin(&mut f)?;
            tx.put(Kind::Memory, 0, &new[0].2)?;
            tx.keep(Kind::Globals, 0)?;
            tx.put(Kind::Table, 1, &new[2].2)?;
            tx.finish()
        })();
        let got = loaded(&mut f.into_inner());
        match result {
            Ok(_) => assert_eq!(got, Some(new.clone())),
            Err(_) => assert!(
                got == Some(old.clone()) || got == Some(new.clone()),
                "cut at {at}"
            ),
        }
    }
    assert!(matches!(
        log.begin(&mut s).unwrap().keep(Kind::Code, 9),
        Err(OffloadError::NotInCheckpoint {
            kind: Kind::Code,
            index: 9
        })
    ));
}

/// Every bit of every byte of every blob of the newest checkpoint (manifest and parts) is
/// flipped in turn: the previous checkpoint loads. Flips in the previous checkpoint's blobs
/// leave the newest loading.
#[test]
fn bit_flips_in_every_byte_fall_back() {
    let (a, b) = (parts(1), parts(2));
    let mut s = base(Some(&a));
    commit(&mut s, &b).unwrap();
    let mut log = Checkpoints::new(FP, SET);
    let newest = log.load_latest(&mut s).unwrap().unwrap().clone();
    let newest_keys: Vec<Key> = s
        .keys()
        .copied()
        .filter(|k| {
            let slot = match k.slot {
                crate::offload::StorageSlot::Pair(p) => p,
                _ => unreachable!(),
            };
            if k.kind == Kind::Manifest {
                slot == newest.slot
            } else {
                newest
                    .entry(k.kind, k.index)
                    .is_some_and(|e| e.slot == slot)
            }
        })
        .collect();
    assert_eq!(newest_keys.len(), 4);
    let mut flips = 0;
    for key in s.keys().copied().collect::<Vec<_>>() {
        let len = s.get(&key).unwrap().len();
        let expected = if newest_keys.contains(&key) { &a } else { &b };
        for offset in 0..len {
            for bit in 0..8 {
                let mut damaged = s.clone();
                damaged.get_mut(&key).unwrap()[offset] ^= 1 << bit;
                assert_eq!(
                    loaded(&mut damaged).as_ref(),
                    Some(expected),
                    "{key:?} byte {offset} bit {bit}"
                );
                flips += 1;
            }
        }
    }
    // 2 manifests (4 + 3 * 24 bytes of payload) and 2 copies of parts of 100, 16, 24 bytes.
    let blob_bytes = 2 * (blob::HEADER_LEN + 76) + 2 * (3 * blob::HEADER_LEN + 140);
    assert_eq!(flips, blob_bytes * 8);
}

#[test]
fn damage_to_both_checkpoints_is_a_typed_error() {
    let mut s = base(Some(&parts(1)));
    commit(&mut s, &parts(2)).unwrap();
    for key in s
        .keys()
        .copied()
        .filter(|k| k.kind == Kind::Memory)
        .collect::<Vec<_>>()
    {
        s.get_mut(&key).unwrap()[50] ^= 0xff;
    }
    assert_eq!(
        commit::load_latest(&mut s, FP, SET),
        Err(OffloadError::NoValidCheckpoint { rejected: 2 })
    );
    // A new commit still works and loads.
    commit(&mut s, &parts(3)).unwrap();
    assert_eq!(loaded(&mut s), Some(parts(3)));
}

/// Silent loss of each write of a commit. A lost part is detected (its generation and CRC do
/// not match the manifest) and the previous checkpoint loads; a lost manifest cannot be told
/// from a commit that never happened, and the previous checkpoint loads as well. Either way
/// the stale state is the complete previous checkpoint, never a mix; only a host that keeps
/// the committed generation elsewhere can notice that the newest commit is missing.
#[test]
fn silent_write_loss_yields_previous_checkpoint() {
    let (a, b) = (parts(1), parts(2));
    for lost in 0..4 {
        let mut s = FaultyStorage::new(base(Some(&a))).with_fault(Fault::Lose { write: lost });
        let mut log = Checkpoints::new(FP, SET);
        let generation = {
            let mut tx = log.begin(&mut s).unwrap();
            for (k, i, d) in &b {
                tx.put(*k, *i, d).unwrap();
            }
            tx.finish().unwrap()
        };
        let mut after = Checkpoints::new(FP, SET);
        let m = after.load_latest(&mut s).unwrap().unwrap();
        assert_ne!(
            m.generation, generation,
            "lost write {lost} went unnoticed by the manifest check"
        );
        assert_eq!(loaded(&mut s), Some(a.clone()));
        let part_lost = lost < 3;
        assert_eq!(after.rejected(), u32::from(part_lost), "lost write {lost}");
    }
}

/// The I/O error sweep: the Nth read, write or sync fails, once or for good. The commit
/// returns a typed storage error (never a panic), the storage still loads the old or the new
/// checkpoint, and after the faults clear a retry commits and loads.
#[test]
fn io_error_sweep_then_retry() {
    let (a, b) = (parts(1), parts(2));
    let mut runs = 0;
    for op in [StorageOp::Read, StorageOp::Write, StorageOp::Sync] {
        for at in 0..8 {
            for persistence in [Persistence::Transient, Persistence::Permanent] {
                let fault = Fault::Fail {
                    op,
                    at,
                    persistence,
                };
                let mut s = FaultyStorage::new(base(Some(&a))).with_fault(fault);
                let mut log = Checkpoints::new(FP, SET);
                let result = (|| {
                    let mut tx = log.begin(&mut s)?;
                    for (k, i, d) in &b {
                        tx.put(*k, *i, d)?;
                    }
                    tx.finish()
                })();
                match &result {
                    Ok(_) => assert_eq!(log.current().map(|m| m.generation), Some(2)),
                    Err(OffloadError::Storage(FaultError::Injected { op: o, .. })) => {
                        assert_eq!(*o, op)
                    }
                    Err(e) => panic!("{fault:?}: unexpected {e:?}"),
                }
                s.clear_faults();
                let got = loaded(&mut s);
                match result {
                    Ok(_) => assert_eq!(got.as_ref(), Some(&b)),
                    Err(_) => assert!(got.as_ref() == Some(&a) || got.as_ref() == Some(&b)),
                }
                // Retry with the same session state: it commits and loads.
                let mut tx = log.begin(&mut s).unwrap();
                for (k, i, d) in &b {
                    tx.put(*k, *i, d).unwrap();
                }
                tx.finish().unwrap();
                assert_eq!(loaded(&mut s).as_ref(), Some(&b));
                runs += 1;
            }
        }
    }
    assert_eq!(runs, 3 * 8 * 2);
}

/// A read error while loading is returned, not taken as damage: falling back would present the
/// older checkpoint as current.
#[test]
fn read_error_during_load_does_not_fall_back() {
    let mut mem = base(Some(&parts(1)));
    commit(&mut mem, &parts(2)).unwrap();
    for at in 0..8 {
        let fault = Fault::Fail {
            op: StorageOp::Read,
            at,
            persistence: Persistence::Transient,
        };
        let mut s = FaultyStorage::new(mem.clone()).with_fault(fault);
        match commit::load_latest(&mut s, FP, SET) {
            Ok(Some((generation, got))) => {
                assert_eq!((generation, got), (2, parts(2)));
            }
            Err(OffloadError::Storage(FaultError::Injected {
                op: StorageOp::Read,
                ..
            })) => {}
            other => panic!("read {at}: {other:?}"),
        }
    }
}

#[test]
fn foreign_module_blobs_are_rejected() {
    let mut s = base(Some(&parts(1)));
    // Copy every blob under another module's keys: they are intact but foreign.
    let other = FP + 1;
    for key in s.keys().copied().collect::<Vec<_>>() {
        let data = s.get(&key).unwrap().to_vec();
        s.write(
            &Key {
                fingerprint: other,
                ..key
            },
            &[&data],
        )
        .unwrap();
    }
    assert_eq!(
        commit::load_latest(&mut s, other, SET),
        Err(OffloadError::NoValidCheckpoint { rejected: 1 })
    );
    assert_eq!(loaded(&mut s), Some(parts(1)));
}
