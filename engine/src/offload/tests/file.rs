//! File storage: atomic replacement, the ring of slot files, wear, and checkpoints on disk.

use std::format;
use std::fs;
use std::path::PathBuf;
use std::string::String;
use std::vec::Vec;

use crate::offload::commit;
use crate::offload::{
    blob, io, FaultyStorage, FileStorage, Key, Kind, OffloadError, PowerCut, Ring, Storage,
    StorageSlot,
};

const FP: u64 = 0xf11e;

/// A fresh, empty directory for one test, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let dir =
            std::env::temp_dir().join(format!("fayasm-offload-{}-{name}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        TempDir(dir)
    }

    fn files(&self) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(&self.0)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        names
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

#[test]
fn files_round_trip_and_replace_atomically() {
    let dir = TempDir::new("round-trip");
    let mut s = FileStorage::open(&dir.0).unwrap();
    let key = Key::new(Kind::Code, FP, 3);
    let mut buf = Vec::new();
    assert!(!s.read(&key, &mut buf).unwrap());
    s.write(&key, &[b"first ", b"version"]).unwrap();
    s.write(&key, &[b"second"]).unwrap();
    assert!(s.read(&key, &mut buf).unwrap());
    assert_eq!(buf, b"second");
    assert_eq!(dir.files(), ["c-000000000000f11e-00000003.b"]);
    s.remove(&key).unwrap();
    s.remove(&key).unwrap();
    assert!(!s.read(&key, &mut buf).unwrap());
    assert!(dir.files().is_empty());
}

#[test]
fn leftover_temp_files_are_removed_on_open() {
    let dir = TempDir::new("temp");
    let mut s = FileStorage::open(&dir.0).unwrap();
    let key = Key::new(Kind::Memory, FP, 0);
    s.write(&key, &[b"kept"]).unwrap();
    // A crash between writing the temporary file and renaming it leaves this behind.
    fs::write(
        dir.0.join(format!("{}.tmp", key.file_name())),
        b"half-written",
    )
    .unwrap();
    let mut s = FileStorage::open(&dir.0).unwrap();
    assert_eq!(dir.files(), ["m-000000000000f11e-00000000.b"]);
    let mut buf = Vec::new();
    assert!(s.read(&key, &mut buf).unwrap());
    assert_eq!(buf, b"kept");
}

/// A hot key over 3 slot files: writes rotate, wear is spread evenly, the directory holds
/// exactly three files, and a torn newest file makes a fresh session fall back one generation.
#[test]
fn ring_of_slot_files_rotates_and_survives_a_torn_file() {
    let dir = TempDir::new("ring");
    let key = Key::new(Kind::MemoryPage, FP, Key::page_index(0, 5).unwrap());
    let mut r = Ring::new(FaultyStorage::new(FileStorage::open(&dir.0).unwrap()))
        .with_slots(Kind::MemoryPage, 3);
    let page = |g: u64| std::vec![g as u8; 4096];
    for generation in 1..=30 {
        io::save(&mut r, &key, generation, &page(generation)).unwrap();
    }
    let blob_len = (blob::HEADER_LEN + 4096) as u64;
    for slot in 0..3 {
        let wear = r.inner().wear()[&key.with_slot(StorageSlot::Ring(slot))];
        assert_eq!((wear.writes, wear.bytes), (10, 10 * blob_len));
    }
    assert_eq!(
        dir.files(),
        [
            "p-000000000000f11e-00000005.r0",
            "p-000000000000f11e-00000005.r1",
            "p-000000000000f11e-00000005.r2"
        ]
    );

    // Generation 30 is in slot (30 - 1) % 3 = 2; tear it as a power cut mid-write would.
    let newest = dir
        .0
        .join(key.with_slot(StorageSlot::Ring(2)).file_name().as_str());
    let bytes = fs::read(&newest).unwrap();
    fs::write(&newest, &bytes[..1000]).unwrap();
    let mut fresh = Ring::new(FileStorage::open(&dir.0).unwrap()).with_slots(Kind::MemoryPage, 3);
    let mut buf = Vec::new();
    let header = io::load(&mut fresh, &key, &mut buf).unwrap();
    assert_eq!((header.generation, &buf), (29, &page(29)));
    // The next write goes to the slot after the newest intact copy: the torn one.
    io::save(&mut fresh, &key, 31, &page(31)).unwrap();
    assert_eq!(io::load(&mut fresh, &key, &mut buf).unwrap().generation, 31);
    fresh.remove(&key).unwrap();
    assert!(dir.files().is_empty());
}

#[test]
fn checkpoint_power_cut_sweep_on_files() {
    let old: [(Kind, u32, &[u8]); 2] = [
        (Kind::Memory, 0, b"old memory"),
        (Kind::Globals, 0, b"old globals"),
    ];
    let new: [(Kind, u32, &[u8]); 2] = [
        (Kind::Memory, 0, b"new memory!"),
        (Kind::Globals, 0, b"new globals!"),
    ];
    let as_loaded = |parts: &[(Kind, u32, &[u8])]| -> Vec<(Kind, u32, Vec<u8>)> {
        parts.iter().map(|&(k, i, d)| (k, i, d.to_vec())).collect()
    };
    for at in 0..=3 {
        let dir = TempDir::new(&format!("checkpoint-{at}"));
        let mut s = FileStorage::open(&dir.0).unwrap();
        commit::commit(&mut s, FP, 0, &old).unwrap();
        let mut f = FaultyStorage::new(s).with_power_cut(PowerCut {
            at_write: at,
            torn_prefix: Some(20),
            unsynced: crate::offload::Unsynced::Keep,
        });
        let committed = commit::commit(&mut f, FP, 0, &new).is_ok();
        drop(f);
        let mut rebooted = FileStorage::open(&dir.0).unwrap();
        let (_, got) = commit::load_latest(&mut rebooted, FP, 0).unwrap().unwrap();
        if committed {
            assert_eq!(got, as_loaded(&new));
        } else {
            assert!(
                got == as_loaded(&old) || got == as_loaded(&new),
                "cut at {at}"
            );
        }
    }
}

#[test]
fn io_errors_are_values() {
    let dir = TempDir::new("errors");
    let mut s = FileStorage::open(&dir.0).unwrap();
    let key = Key::new(Kind::Code, FP, 0);
    // A directory where the key's file should be: reads and writes fail with an error.
    fs::create_dir(dir.0.join(key.file_name().as_str())).unwrap();
    assert!(s.read(&key, &mut Vec::new()).is_err());
    assert!(matches!(
        io::save(&mut s, &key, 1, b"x"),
        Err(OffloadError::Storage(_))
    ));
    assert!(!dir.files().iter().any(|n| n.ends_with(".tmp")));
}
