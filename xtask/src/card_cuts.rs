//! Power cuts during the firmware's checkpoints, swept block by block on the host.
//!
//! The firmware's kill-and-resume boot (`esp32/src/resume.rs`) runs a call in fuel slices and
//! checkpoints the suspended call to the SD card after every slice, through `FatStorage`
//! (`esp32/src/storage.rs`, compiled here as it is) on embedded-sdmmc. `cargo xtask esp32
//! qemu` kills QEMU at one random moment per run; this test instead cuts the power after
//! exactly `n` block writes, for every `n` of a whole run, and boots again from what the card
//! then holds. A cut is a card that stops taking writes: the write that meets the cut and
//! every later one are lost (embedded-sdmmc writes every block through at once, so the card
//! holds exactly the first `n` blocks written). Every boot after a cut must restore the last
//! checkpoint committed before the cut (or the one being committed, if its manifest was
//! already on the card), never fail to restore, and finish the call with the result an
//! uninterrupted call gives.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::io::Cursor;
use std::rc::Rc;

use embedded_sdmmc::{Block, BlockCount, BlockDevice, BlockIdx};
use fayasm::offload::{Key, Kind, Storage, StorageSlot};
use fayasm::{
    CheckpointError, Checkpointer, Config, Engine, Extern, Linker, Module, ResumableCall, Store,
    SuspendedCall, Val,
};

// The firmware's storage, as the firmware compiles it (its other entry points serve the
// firmware's apps and WASI, not this test).
#[allow(dead_code)]
#[path = "../../esp32/src/storage.rs"]
mod storage;

use storage::FatStorage;

/// The card: the firmware image's FAT16 layout (`esp32.rs`: an MBR, the partition at LBA
/// 2048, 32 MiB).
const IMAGE_BYTES: usize = 32 << 20;
const PART_START_LBA: usize = 2048;

/// A call that fills its memory over several slices (so that every slice changes some 16 KiB
/// checkpoint chunks and leaves others as they were), keeps a global and a local, and folds
/// its whole memory into the result, so a wrongly restored byte shows.
const WAT: &str = r#"
(module
  (memory 1)
  (global $g (mut i32) (i32.const 7))
  (table 1 funcref)
  (elem (i32.const 0) $run)
  (func $run (export "run") (param $n i32) (result i32)
    (local $i i32) (local $acc i32)
    (loop $fill
      (local.set $acc (i32.add (i32.mul (local.get $acc) (i32.const 31)) (local.get $i)))
      (i32.store (i32.and (i32.mul (local.get $i) (i32.const 4)) (i32.const 0xfffc))
                 (local.get $acc))
      (global.set $g (i32.add (global.get $g) (local.get $i)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $fill (i32.lt_u (local.get $i) (local.get $n))))
    (local.set $i (i32.const 0))
    (loop $fold
      (local.set $acc (i32.xor (i32.rotl (local.get $acc) (i32.const 5))
                               (i32.load (local.get $i))))
      (local.set $i (i32.add (local.get $i) (i32.const 4)))
      (br_if $fold (i32.lt_u (local.get $i) (i32.const 65536))))
    (i32.add (local.get $acc) (global.get $g))))
"#;

/// A resumable call: the module (whose export `run` takes one i32), the argument and the fuel
/// per slice.
struct Case {
    wasm: Vec<u8>,
    arg: i32,
    slice_fuel: u64,
}

impl Case {
    /// `WAT`'s call: 24,576 stores (one and a half passes over the page), in 4 slices.
    fn small() -> Case {
        Case {
            wasm: wat::parse_str(WAT).unwrap(),
            arg: 24_576,
            slice_fuel: 200_000,
        }
    }
}

/// What the card holds: a shared formatted image and the blocks written over it.
struct CardState {
    base: Rc<Vec<u8>>,
    written: RefCell<HashMap<u32, [u8; 512]>>,
    /// Block writes accepted since the last `arm`.
    writes: Cell<u64>,
    /// How many more block writes the card takes before the power cut (`None`: no cut).
    left: Cell<Option<u64>>,
}

impl CardState {
    fn new(base: &Rc<Vec<u8>>) -> Rc<CardState> {
        Rc::new(CardState {
            base: base.clone(),
            written: RefCell::new(HashMap::new()),
            writes: Cell::new(0),
            left: Cell::new(None),
        })
    }

    fn arm(&self, cut_after: Option<u64>) {
        self.writes.set(0);
        self.left.set(cut_after);
    }

    fn cut(&self) -> bool {
        self.left.get() == Some(0)
    }
}

#[derive(Debug)]
struct PowerCut;

impl std::fmt::Display for PowerCut {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("power cut")
    }
}

impl std::error::Error for PowerCut {}

struct RamCard(Rc<CardState>);

impl BlockDevice for RamCard {
    type Error = PowerCut;

    fn read(&self, blocks: &mut [Block], start: BlockIdx) -> Result<(), PowerCut> {
        let written = self.0.written.borrow();
        for (i, b) in blocks.iter_mut().enumerate() {
            let idx = start.0 + i as u32;
            match written.get(&idx) {
                Some(data) => b.contents.copy_from_slice(data),
                None => {
                    let at = idx as usize * 512;
                    b.contents.copy_from_slice(&self.0.base[at..at + 512]);
                }
            }
        }
        Ok(())
    }

    fn write(&self, blocks: &[Block], start: BlockIdx) -> Result<(), PowerCut> {
        for (i, b) in blocks.iter().enumerate() {
            match self.0.left.get() {
                Some(0) => return Err(PowerCut),
                Some(n) => self.0.left.set(Some(n - 1)),
                None => {}
            }
            self.0.writes.set(self.0.writes.get() + 1);
            self.0
                .written
                .borrow_mut()
                .insert(start.0 + i as u32, b.contents);
        }
        Ok(())
    }

    fn num_blocks(&self) -> Result<BlockCount, PowerCut> {
        Ok(BlockCount((IMAGE_BYTES / 512) as u32))
    }
}

/// A freshly formatted card image, as `cargo xtask esp32` makes one (without the apps).
fn blank_image() -> Vec<u8> {
    let mut image = vec![0u8; IMAGE_BYTES];
    let sectors = (IMAGE_BYTES / 512 - PART_START_LBA) as u32;
    let entry = &mut image[446..462];
    entry[1..4].copy_from_slice(&[0xfe, 0xff, 0xff]);
    entry[4] = 0x0e; // FAT16, LBA
    entry[5..8].copy_from_slice(&[0xfe, 0xff, 0xff]);
    entry[8..12].copy_from_slice(&(PART_START_LBA as u32).to_le_bytes());
    entry[12..16].copy_from_slice(&sectors.to_le_bytes());
    image[510] = 0x55;
    image[511] = 0xaa;
    let part = &mut image[PART_START_LBA * 512..];
    fatfs::format_volume(
        Cursor::new(part),
        fatfs::FormatVolumeOptions::new()
            .fat_type(fatfs::FatType::Fat16)
            .total_sectors(sectors)
            .bytes_per_sector(512)
            .volume_label(*b"FAYASM SD  "),
    )
    .expect("formatting the test card");
    image
}

/// How one boot ended.
#[derive(Debug, PartialEq)]
enum Boot {
    /// The power was cut; `committed` is the last generation a checkpoint returned.
    Cut {
        restored: Option<u64>,
        committed: Option<u64>,
    },
    /// The call finished with `result`.
    Finished { restored: Option<u64>, result: i32 },
}

/// One boot of the firmware's resumable call (`esp32/src/resume.rs`'s flow): restore the
/// newest checkpoint or start, then run slices and checkpoint after each. `Err` is what the
/// firmware would print as an error and stop on.
fn boot(case: &Case, card: &Rc<CardState>, cut_after: Option<u64>) -> Result<Boot, String> {
    card.arm(cut_after);
    let mut fs =
        FatStorage::mount(RamCard(card.clone())).map_err(|e| format!("mounting: {e:?}"))?;
    let engine = Engine::new(Config::default().consume_fuel(true));
    let module = Module::new(&engine, &case.wasm).map_err(|e| e.to_string())?;
    let mut store = Store::new(&engine, ());
    let instance = Linker::new(&engine)
        .instantiate(&mut store, &module)
        .map_err(|e| e.to_string())?;
    let Some(Extern::Func(run)) = instance.get_export(&store, "run") else {
        return Err("no run export".into());
    };
    let mut results = [Val::I32(0)];
    let mut checkpointer = Checkpointer::new(0);
    let (restored, mut outcome) =
        match SuspendedCall::restore(instance, &mut store, &mut checkpointer, &mut fs) {
            Ok((call, generation)) => {
                store.set_fuel(case.slice_fuel).map_err(|e| e.to_string())?;
                (Some(generation), call.resume(&mut store, &[], &mut results))
            }
            Err(CheckpointError::NoCheckpoint) => {
                store.set_fuel(case.slice_fuel).map_err(|e| e.to_string())?;
                (
                    None,
                    run.call_resumable(&mut store, &[Val::I32(case.arg)], &mut results),
                )
            }
            Err(e) => return Err(format!("restoring the checkpoint: {e}")),
        };
    let mut committed = None;
    loop {
        let suspended = match outcome.map_err(|e| e.to_string())? {
            ResumableCall::Finished => break,
            ResumableCall::Suspended(s) => s,
        };
        match suspended.checkpoint(instance, &mut store, &mut checkpointer, &mut fs) {
            Ok(g) => committed = Some(g),
            Err(_) if card.cut() => {
                return Ok(Boot::Cut {
                    restored,
                    committed,
                })
            }
            Err(e) => return Err(format!("checkpoint: {e}")),
        }
        store.set_fuel(case.slice_fuel).map_err(|e| e.to_string())?;
        outcome = suspended.resume(&mut store, &[], &mut results);
    }
    let Val::I32(result) = results[0] else {
        return Err("not an i32".into());
    };
    Ok(Boot::Finished { restored, result })
}

/// The result of the call run at once, without slices or a card.
fn uninterrupted(case: &Case) -> i32 {
    let engine = Engine::new(Config::default());
    let module = Module::new(&engine, &case.wasm).unwrap();
    let mut store = Store::new(&engine, ());
    let instance = Linker::new(&engine)
        .instantiate(&mut store, &module)
        .unwrap();
    let Some(Extern::Func(run)) = instance.get_export(&store, "run") else {
        panic!("no run export");
    };
    let mut results = [Val::I32(0)];
    run.call(&mut store, &[Val::I32(case.arg)], &mut results)
        .unwrap();
    let Val::I32(r) = results[0] else {
        panic!("not an i32")
    };
    r
}

/// After a cut with `committed` the last generation committed, a boot must restore that
/// one or the next (whose manifest may have reached the card before the cut).
fn restored_ok(committed: Option<u64>, restored: Option<u64>) -> bool {
    match committed {
        None => restored.is_none() || restored == Some(1),
        Some(g) => restored == Some(g) || restored == Some(g + 1),
    }
}

/// Cuts the power after every block write of a whole run (every checkpoint of it), then boots
/// again; and for a sample of those cuts, cuts the second boot too at every block write of
/// its first checkpoint, then boots a third time.
#[test]
fn every_power_cut_during_checkpoints_resumes() {
    let case = Case::small();
    let expected = uninterrupted(&case);
    let base = Rc::new(blank_image());

    let card = CardState::new(&base);
    let reference = boot(&case, &card, None).unwrap();
    assert_eq!(
        reference,
        Boot::Finished {
            restored: None,
            result: expected
        }
    );
    let total = card.writes.get();
    assert!(total > 100, "only {total} block writes");

    let mut failures = Vec::new();
    let mut second_cuts = 0u64;
    for n in 0..total {
        let card = CardState::new(&base);
        let first = boot(&case, &card, Some(n));
        let Ok(Boot::Cut { committed, .. }) = first else {
            failures.push(format!("cut after {n} writes: boot 1 gave {first:?}"));
            continue;
        };
        let snapshot = card.written.borrow().clone();
        match boot(&case, &card, None) {
            Ok(Boot::Finished { restored, result })
                if result == expected && restored_ok(committed, restored) => {}
            other => {
                failures.push(format!(
                    "cut after {n} writes (last committed generation {committed:?}): boot 2 \
                     gave {other:?}, expected {expected} from generation {committed:?} or the next"
                ));
                continue;
            }
        }
        // Every 64th cut: cut boot 2 at each of its first 60 block writes as well.
        if n % 64 != 0 {
            continue;
        }
        for m in 0..60 {
            let card2 = CardState::new(&base);
            *card2.written.borrow_mut() = snapshot.clone();
            let second = boot(&case, &card2, Some(m));
            let committed2 = match second {
                Ok(Boot::Cut {
                    restored,
                    committed: c2,
                }) => c2.or(restored),
                Ok(Boot::Finished { result, .. }) if result == expected => break,
                other => {
                    failures.push(format!(
                        "cut after {n} writes, then after {m} writes of boot 2: boot 2 gave {other:?}"
                    ));
                    break;
                }
            };
            second_cuts += 1;
            match boot(&case, &card2, None) {
                Ok(Boot::Finished { restored, result })
                    if result == expected && restored_ok(committed2, restored) => {}
                other => failures.push(format!(
                    "cut after {n} writes, then after {m} writes of boot 2 (committed \
                     {committed2:?}): boot 3 gave {other:?}"
                )),
            }
        }
    }
    eprintln!(
        "card_cuts: {total} block writes in an uninterrupted run, {total} single cuts, \
         {second_cuts} second cuts; {} failures",
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "{} of the power cuts failed; first ones:\n{}",
        failures.len(),
        failures
            .iter()
            .take(12)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}

/// One key rewritten with a cut after every block write of the rewrite: a read afterwards
/// gives the old blob or the new one, or (a pair slot, written in place) nothing; never an
/// error, never other bytes. For pair slots and `Single` keys, a blob of one block and one of
/// several clusters (a truncation that frees clusters before it writes the new length).
#[test]
fn a_torn_write_reads_as_old_new_or_absent() {
    let base = Rc::new(blank_image());
    let mut checked = 0;
    for slot in [StorageSlot::Pair(1), StorageSlot::Single] {
        for len in [100usize, 20_000] {
            let key = Key::new(Kind::MemoryPage, 0x1234_5678_9abc_def0, 3).with_slot(slot);
            let old: Vec<u8> = (0..len).map(|i| i as u8).collect();
            let new: Vec<u8> = (0..len + 7).map(|i| (i * 7 + 1) as u8).collect();
            // The card before the rewrite: `old` written once (twice for a `Single` key, so
            // that the rewrite goes over a copy that holds an older blob).
            let card = CardState::new(&base);
            card.arm(None);
            let mut fs = FatStorage::mount(RamCard(card.clone())).unwrap();
            if slot == StorageSlot::Single {
                fs.write(&key, &[b"older"]).unwrap();
            }
            fs.write(&key, &[&old]).unwrap();
            drop(fs);
            let before = card.written.borrow().clone();
            card.arm(None);
            let mut fs = FatStorage::mount(RamCard(card.clone())).unwrap();
            fs.write(&key, &[&new[..3], &new[3..]]).unwrap();
            drop(fs);
            let writes = card.writes.get();
            for n in 0..=writes {
                let card = CardState::new(&base);
                *card.written.borrow_mut() = before.clone();
                card.arm(Some(n));
                let mut fs = FatStorage::mount(RamCard(card.clone())).unwrap();
                let wrote = fs.write(&key, &[&new[..3], &new[3..]]);
                drop(fs);
                assert_eq!(
                    wrote.is_ok(),
                    n == writes,
                    "slot {slot:?}, {len} bytes, cut {n}"
                );
                card.arm(None);
                let mut fs = FatStorage::mount(RamCard(card.clone())).unwrap();
                let mut buf = Vec::new();
                let found = fs.read(&key, &mut buf).map_err(|e| format!("{e:?}"));
                let ok = match found {
                    Ok(true) => buf == new || buf == old,
                    Ok(false) => slot != StorageSlot::Single,
                    Err(_) => false,
                };
                assert!(
                    ok,
                    "slot {slot:?}, {len} bytes, cut after {n} of {writes} block writes: read \
                     gave {found:?} ({} bytes)",
                    buf.len()
                );
                // And the key can be written again after the cut.
                fs.write(&key, &[&new]).unwrap();
                assert!(fs.read(&key, &mut buf).unwrap() && buf == new);
                checked += 1;
            }
        }
    }
    assert!(checked > 100, "{checked} cuts");
}
