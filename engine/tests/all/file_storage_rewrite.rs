//! `FileStorage` rewriting keys in place (issue 19, item 4): a blob written over a longer or
//! shorter one reads back exactly, whatever the slot and whether the write is synced, and a
//! cached rewrite of a ring slot issues no fsync. (In-place writes overwrite the file and cut
//! it to length instead of truncating it to zero first: ext4 starts writing back a file that
//! was truncated to zero when it is closed, which made every page write-back of a thrashing
//! paged memory cost ~0.2-4 ms.)

use fayasm::offload::{FileStorage, Key, Kind, Storage, StorageSlot};

fn scratch(name: &str) -> std::path::PathBuf {
    let dir =
        std::env::temp_dir().join(format!("fayasm-file-rewrite-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn read(s: &mut FileStorage, key: &Key) -> Vec<u8> {
    let mut buf = Vec::new();
    assert!(s.read(key, &mut buf).unwrap(), "{key:?} is stored");
    buf
}

#[test]
fn rewrites_of_every_slot_read_back_exactly() {
    let dir = scratch("slots");
    let mut s = FileStorage::open(&dir).unwrap();
    let base = Key::new(Kind::MemoryPage, 0x1234_5678_9abc_def0, 7);
    for slot in [
        StorageSlot::Single,
        StorageSlot::Ring(0),
        StorageSlot::Ring(3),
        StorageSlot::Pair(1),
    ] {
        let key = base.with_slot(slot);
        for synced in [false, true] {
            // Longer, shorter, empty, longer again; in two parts and in one.
            for len in [5000usize, 17, 0, 4096, 4097] {
                let blob: Vec<u8> = (0..len).map(|i| (i * 31 + len) as u8).collect();
                let (a, b) = blob.split_at(len / 3);
                if synced {
                    s.write(&key, &[a, b]).unwrap();
                } else {
                    s.write_cached(&key, &[a, b]).unwrap();
                }
                assert_eq!(
                    read(&mut s, &key),
                    blob,
                    "{slot:?} synced {synced} len {len}"
                );
                assert_eq!(
                    std::fs::metadata(s.path(&key)).unwrap().len(),
                    len as u64,
                    "{slot:?}: the file is cut to the blob"
                );
            }
        }
    }
    // Nothing but the four keys' files (no temporary left behind).
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 4);
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn cached_rewrites_are_never_fsynced() {
    let dir = scratch("nosync");
    let mut s = FileStorage::open(&dir).unwrap();
    let key = Key::new(Kind::MemoryPage, 1, 2).with_slot(StorageSlot::Ring(1));
    for round in 0..50u8 {
        s.write_cached(&key, &[&[round; 4096]]).unwrap();
    }
    assert_eq!(s.fsyncs(), 0);
    assert_eq!(read(&mut s, &key), vec![49u8; 4096]);
    s.write(&key, &[&[1u8; 10]]).unwrap();
    assert!(s.fsyncs() > 0, "durable writes are fsynced");
    std::fs::remove_dir_all(dir).unwrap();
}
