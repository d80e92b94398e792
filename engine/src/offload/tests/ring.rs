//! The ring of slots over a fault-injecting in-RAM storage.

use alloc::vec::Vec;

use crate::offload::{
    blob, io, Fault, FaultyStorage, Key, Kind, MemStorage, OffloadError, PowerCut, Ring, Storage,
    StorageSlot, Unsynced,
};

const FP: u64 = 0xfeed;

fn page(i: u32) -> Key {
    Key::new(Kind::MemoryPage, FP, i)
}

fn payload(generation: u64) -> Vec<u8> {
    (0..64)
        .map(|i| (generation as u8).wrapping_mul(31).wrapping_add(i))
        .collect()
}

fn ring(inner: FaultyStorage<MemStorage>, slots: u8) -> Ring<FaultyStorage<MemStorage>> {
    Ring::new(inner).with_slots(Kind::MemoryPage, slots)
}

/// Loads `key` and returns the generation, checking the payload belongs to it.
fn load<S: Storage>(s: &mut S, key: &Key) -> Result<u64, OffloadError<S::Error>> {
    let mut buf = Vec::new();
    let h = io::load(s, key, &mut buf)?;
    assert_eq!(
        buf,
        payload(h.generation),
        "payload of generation {} is mixed",
        h.generation
    );
    Ok(h.generation)
}

#[test]
fn writes_rotate_over_slots_and_wear_is_spread() {
    let mut r = ring(FaultyStorage::new(MemStorage::new()), 4);
    for generation in 1..=100 {
        io::save(&mut r, &page(0), generation, &payload(generation)).unwrap();
        assert_eq!(load(&mut r, &page(0)), Ok(generation));
    }
    let inner = r.inner();
    let blob_len = (blob::HEADER_LEN + 64) as u64;
    for slot in 0..4 {
        let wear = inner.wear()[&page(0).with_slot(StorageSlot::Ring(slot))];
        assert_eq!(
            (wear.writes, wear.bytes),
            (25, 25 * blob_len),
            "slot {slot}"
        );
    }
    assert_eq!(inner.counts().writes, 100);
    assert_eq!(inner.wear().len(), 4);
    // A fresh session (no memory of the newest slot) finds the newest by scanning.
    let mut fresh = ring(r.into_inner(), 4);
    assert_eq!(load(&mut fresh, &page(0)), Ok(100));
    assert_eq!(fresh.newest_generation(&page(0)), Ok(Some(100)));
}

#[test]
fn other_kinds_and_slotted_keys_pass_through() {
    let mut r = ring(FaultyStorage::new(MemStorage::new()), 3);
    let code = Key::new(Kind::Code, FP, 1);
    io::save(&mut r, &code, 1, b"x").unwrap();
    io::save(&mut r, &code, 1, b"y").unwrap(); // plain keys need no increasing generation
    assert!(r.inner().inner().get(&code).is_some());
    let pair = page(0).with_slot(StorageSlot::Pair(1));
    r.write(&pair, &[b"raw, not a blob"]).unwrap();
    assert_eq!(r.inner().inner().get(&pair), Some(&b"raw, not a blob"[..]));
}

#[test]
fn writes_must_be_blobs_of_the_key_with_newer_generations() {
    let mut r = ring(FaultyStorage::new(MemStorage::new()), 2);
    assert!(matches!(
        r.write(&page(0), &[b"garbage"]),
        Err(OffloadError::NotABlob { .. })
    ));
    let other = blob::encode(&page(1), 1, b"p").unwrap();
    assert!(matches!(
        r.write(&page(0), &[&other]),
        Err(OffloadError::NotABlob { .. })
    ));
    io::save(&mut r, &page(0), 5, &payload(5)).unwrap();
    assert_eq!(
        io::save(&mut r, &page(0), 5, &payload(5)),
        Err(OffloadError::Storage(OffloadError::NotNewer {
            key: page(0),
            newest: 5,
            attempted: 5
        }))
    );
}

/// A power cut at every write of a sequence of ring writes, torn at every byte count (and
/// clean), with unsynced writes kept or dropped: after the reboot the ring yields the last
/// completed generation or the interrupted one, whole, never a mixture or an error.
#[test]
fn power_cut_sweep_yields_old_or_new() {
    const WRITES: u64 = 6;
    let blob_len = blob::HEADER_LEN + 64;
    let mut cuts = 0;
    for at in 0..=WRITES {
        let mut tears: Vec<Option<usize>> = (0..=blob_len).map(Some).collect();
        tears.push(None);
        for torn_prefix in tears {
            for unsynced in [Unsynced::Keep, Unsynced::DropAll] {
                let cut = PowerCut {
                    at_write: at,
                    torn_prefix,
                    unsynced,
                };
                let mut r = ring(FaultyStorage::new(MemStorage::new()).with_power_cut(cut), 3);
                let mut completed = 0;
                for generation in 1..=WRITES {
                    if io::save(&mut r, &page(7), generation, &payload(generation)).is_err() {
                        break;
                    }
                    if r.sync().is_err() {
                        break;
                    }
                    completed = generation;
                }
                let mut after = ring(r.into_inner().into_inner().into(), 3);
                let got = match load(&mut after, &page(7)) {
                    Ok(g) => g,
                    Err(OffloadError::NotFound(_)) => 0,
                    // The first write was torn: its damaged bytes are the only copy.
                    Err(OffloadError::Blob { .. }) if completed == 0 => 0,
                    Err(e) => panic!("cut {cut:?}: {e:?}"),
                };
                let complete_tear = torn_prefix == Some(blob_len);
                assert!(
                    got == completed || (got == completed + 1 && complete_tear),
                    "cut {cut:?}: got generation {got}, completed {completed}"
                );
                cuts += 1;
            }
        }
    }
    assert_eq!(cuts, (WRITES + 1) * (blob::HEADER_LEN as u64 + 64 + 2) * 2);
}

impl From<MemStorage> for FaultyStorage<MemStorage> {
    fn from(inner: MemStorage) -> Self {
        FaultyStorage::new(inner)
    }
}

/// A flip of any bit of the newest copy makes a fresh session fall back to the previous copy;
/// the session that wrote it reports the loss instead.
#[test]
fn bit_flip_in_newest_copy_falls_back_or_is_reported() {
    let blob_len = blob::HEADER_LEN + 64;
    for offset in 0..blob_len {
        for bit in 0..8 {
            let mut r = ring(FaultyStorage::new(MemStorage::new()), 2);
            for generation in 1..=3 {
                io::save(&mut r, &page(0), generation, &payload(generation)).unwrap();
            }
            // Generation 3 went to slot 0 (1 -> 0, 2 -> 1, 3 -> 0).
            let newest = page(0).with_slot(StorageSlot::Ring(0));
            assert!(r
                .inner_mut()
                .flip_stored(&newest, offset, 1 << bit)
                .unwrap());
            assert_eq!(
                load(&mut r, &page(0)),
                Err(OffloadError::Storage(OffloadError::Stale {
                    key: page(0),
                    expected: 3,
                    found: Some(2)
                }))
            );
            let mut fresh = ring(r.into_inner(), 2);
            assert_eq!(load(&mut fresh, &page(0)), Ok(2), "flip at {offset}.{bit}");
        }
    }
}

/// Silent write loss: the storage reports success and keeps the older copy.
///
/// Detectable: within the session that wrote it (the ring remembers the generation), and by
/// any caller that knows the generation it expects ([`io::load_generation`]). Not detectable:
/// by a fresh session that does not know which generation to expect; it gets the previous
/// intact generation, which is the state before the lost write.
#[test]
fn silent_write_loss() {
    let faulty = FaultyStorage::new(MemStorage::new()).with_fault(Fault::Lose { write: 2 });
    let mut r = ring(faulty, 2);
    for generation in 1..=3 {
        io::save(&mut r, &page(0), generation, &payload(generation)).unwrap();
    }
    // Slot 0 still holds generation 1, slot 1 generation 2; generation 3 was lost.
    assert_eq!(
        load(&mut r, &page(0)),
        Err(OffloadError::Storage(OffloadError::Stale {
            key: page(0),
            expected: 3,
            found: Some(2)
        }))
    );
    let mut buf = Vec::new();
    let mut fresh = ring(r.into_inner(), 2);
    assert_eq!(load(&mut fresh, &page(0)), Ok(2)); // undetectable without an expectation
    assert_eq!(
        io::load_generation(&mut fresh, &page(0), 3, &mut buf),
        Err(OffloadError::Stale {
            key: page(0),
            expected: 3,
            found: Some(2)
        })
    );
    // Writing again heals the ring: generation 4 goes after the newest intact copy.
    io::save(&mut fresh, &page(0), 4, &payload(4)).unwrap();
    assert_eq!(load(&mut fresh, &page(0)), Ok(4));
}

#[test]
fn transient_errors_then_retry() {
    use crate::offload::{Persistence, StorageOp};
    for op in [StorageOp::Read, StorageOp::Write, StorageOp::Sync] {
        for at in 0..4 {
            let fault = Fault::Fail {
                op,
                at,
                persistence: Persistence::Transient,
            };
            let mut r = ring(FaultyStorage::new(MemStorage::new()).with_fault(fault), 3);
            let mut last_ok = 0;
            for generation in 1..=4 {
                let ok = io::save(&mut r, &page(0), generation, &payload(generation)).is_ok()
                    && r.sync().is_ok();
                if ok {
                    last_ok = generation;
                    continue;
                }
                // The retry with the same generation succeeds, unless the failed call was a
                // read before the write (nothing written) - either way the retry is allowed
                // unless the data already landed, which NotNewer reports.
                match io::save(&mut r, &page(0), generation, &payload(generation)) {
                    Ok(_) | Err(OffloadError::Storage(OffloadError::NotNewer { .. })) => {}
                    Err(e) => panic!("{op:?} at {at}: retry failed: {e:?}"),
                }
                r.sync().unwrap();
                last_ok = generation;
            }
            // A read may hit the injected error too; the retry must then succeed.
            let loaded = load(&mut r, &page(0)).or_else(|_| load(&mut r, &page(0)));
            assert_eq!(loaded, Ok(last_ok), "{op:?} at {at}");
            let mut inner = r.into_inner();
            inner.clear_faults();
            assert_eq!(load(&mut ring(inner, 3), &page(0)), Ok(4));
        }
    }
}

#[test]
fn remove_clears_every_slot() {
    let mut r = ring(FaultyStorage::new(MemStorage::new()), 3);
    for generation in 1..=5 {
        io::save(&mut r, &page(0), generation, &payload(generation)).unwrap();
    }
    r.remove(&page(0)).unwrap();
    assert!(r.inner().inner().is_empty());
    assert!(matches!(
        load(&mut r, &page(0)),
        Err(OffloadError::NotFound(_))
    ));
    io::save(&mut r, &page(0), 1, &payload(1)).unwrap();
    assert_eq!(load(&mut r, &page(0)), Ok(1));
}

#[test]
fn damaged_only_copy_reports_blob_error() {
    let mut r = ring(FaultyStorage::new(MemStorage::new()), 2);
    io::save(&mut r, &page(0), 1, &payload(1)).unwrap();
    r.inner_mut()
        .flip_stored(&page(0).with_slot(StorageSlot::Ring(0)), 40, 1)
        .unwrap();
    let mut fresh = ring(r.into_inner(), 2);
    assert!(matches!(
        load(&mut fresh, &page(0)),
        Err(OffloadError::Blob {
            error: blob::BlobError::BadChecksum { .. },
            ..
        })
    ));
}
