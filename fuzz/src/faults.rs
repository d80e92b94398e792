//! `storage_faults`: checkpoint commits and loads over the fault-injecting storage, with a
//! power cut and I/O errors at arbitrary points. After the "reboot" the newest checkpoint that
//! loads is the last committed one or a later attempted one, whole (never a mix).
//! Faults that break the storage contract (torn, lost or flipped writes reported as success)
//! widen that to "some checkpoint that was committed or attempted, whole, or none".

use std::collections::BTreeMap;

use arbitrary::{Arbitrary, Result, Unstructured};
use fayasm::offload::commit::{self, Checkpoints};
use fayasm::offload::{
    Fault, FaultyStorage, Kind, MemStorage, Persistence, PowerCut, StorageOp, Unsynced,
};

/// The parts of a checkpoint, by (kind, index).
pub type State = BTreeMap<(Kind, u32), Vec<u8>>;

/// One step of a session.
#[derive(Arbitrary, Debug)]
pub enum Step {
    /// Commit: parts to write (kind and index from small ranges), and which of the current
    /// checkpoint's other parts to carry over (bit `i` of `keep`: the `i`-th part).
    Commit {
        puts: Vec<(u8, u8, Vec<u8>)>,
        keep: u16,
    },
    /// Load the newest checkpoint with a fresh reader in the same session.
    Load,
}

/// A fault plan, in the terms of [`FaultyStorage`].
#[derive(Arbitrary, Debug)]
pub enum PlannedFault {
    /// An I/O error on one call, or on every call from then on.
    Fail { op: u8, at: u8, permanent: bool },
    /// A write that keeps only a prefix and reports success.
    Tear { write: u8, keep: u16 },
    /// A write that does nothing and reports success.
    Lose { write: u8 },
    /// A write stored with a flipped byte.
    Flip { write: u8, offset: u16, mask: u8 },
}

/// One fuzz input.
#[derive(Arbitrary, Debug)]
pub struct Input {
    pub steps: Vec<Step>,
    pub cut: Option<(u8, Option<u16>, u8, u64)>,
    pub faults: Vec<PlannedFault>,
}

const FP: u64 = 0xfa11_7e57;

fn kind_of(k: u8) -> Kind {
    [Kind::Memory, Kind::Globals, Kind::Code, Kind::Table][k as usize % 4]
}

/// Run one input.
pub fn check(data: &[u8]) -> Result<()> {
    let input = Input::arbitrary(&mut Unstructured::new(data))?;
    run(&input);
    Ok(())
}

/// Run a decoded input.
pub fn run(input: &Input) {
    let mut storage = FaultyStorage::new(MemStorage::new());
    if let Some((at, torn, mode, mask)) = input.cut {
        let unsynced = match mode % 3 {
            0 => Unsynced::Keep,
            1 => Unsynced::DropAll,
            _ => Unsynced::DropMask(mask),
        };
        storage = storage.with_power_cut(PowerCut {
            at_write: at as u64,
            torn_prefix: torn.map(usize::from),
            unsynced,
        });
    }
    // Whether a fault breaks the storage contract (success reported for a bad write).
    let mut lying = false;
    for f in input.faults.iter().take(4) {
        let fault = match *f {
            PlannedFault::Fail { op, at, permanent } => Fault::Fail {
                op: [
                    StorageOp::Read,
                    StorageOp::Write,
                    StorageOp::Remove,
                    StorageOp::Sync,
                ][op as usize % 4],
                at: at as u64,
                persistence: if permanent {
                    Persistence::Permanent
                } else {
                    Persistence::Transient
                },
            },
            PlannedFault::Tear { write, keep } => {
                lying = true;
                Fault::Tear {
                    write: write as u64,
                    keep: keep as usize,
                }
            }
            PlannedFault::Lose { write } => {
                lying = true;
                Fault::Lose {
                    write: write as u64,
                }
            }
            PlannedFault::Flip {
                write,
                offset,
                mask,
            } => {
                lying |= mask != 0;
                Fault::Flip {
                    write: write as u64,
                    offset: offset as usize,
                    mask,
                }
            }
        };
        storage = storage.with_fault(fault);
    }

    // Every state committed (`Ok` from finish) or attempted, with its generation.
    let mut committed: Vec<(u64, State)> = Vec::new();
    let mut attempted: Vec<(u64, State)> = Vec::new();
    let mut log = Checkpoints::new(FP, 0);
    let mut current = State::new();
    for step in input.steps.iter().take(16) {
        if !storage.is_powered() {
            break;
        }
        match step {
            Step::Commit { puts, keep } => {
                let Ok(mut tx) = log.begin(&mut storage) else {
                    continue;
                };
                let generation = tx.generation();
                let mut next = State::new();
                let mut ok = true;
                for (i, (part, _)) in current.iter().enumerate() {
                    if keep & (1 << (i % 16)) != 0 && tx.keep(part.0, part.1).is_ok() {
                        next.insert(*part, current[part].clone());
                    }
                }
                for (k, i, payload) in puts.iter().take(6) {
                    let part = (kind_of(*k), (*i % 3) as u32);
                    let payload: Vec<u8> = payload.iter().copied().take(200).collect();
                    if tx.put(part.0, part.1, &payload).is_err() {
                        ok = false;
                        break;
                    }
                    next.insert(part, payload);
                }
                if !ok {
                    continue;
                }
                attempted.push((generation, next.clone()));
                if tx.finish().is_ok() {
                    committed.push((generation, next.clone()));
                    current = next;
                }
            }
            Step::Load => {
                if let Ok(Some((g, parts))) = commit::load_latest(&mut storage, FP, 0) {
                    let state = to_state(parts);
                    assert!(
                        attempted.iter().any(|(ag, s)| *ag == g && *s == state),
                        "loaded generation {g} is not a checkpoint that was written"
                    );
                }
            }
        }
    }

    // Reboot: the inner storage as the power cut left it, no faults.
    let mut inner = storage.into_inner();
    let loaded = commit::load_latest(&mut inner, FP, 0);
    let last = committed.last().map(|c| c.0).unwrap_or(0);
    match loaded {
        Ok(Some((g, parts))) => {
            let state = to_state(parts);
            assert!(
                attempted.iter().any(|(ag, s)| *ag == g && *s == state),
                "after reboot: generation {g} is a mix or was never written"
            );
            if !lying {
                assert!(
                    g >= last,
                    "after reboot: generation {g} loaded, but {last} was committed"
                );
            }
        }
        Ok(None) | Err(_) => {
            assert!(
                lying || last == 0,
                "after reboot: no checkpoint loads, but {last} was committed ({loaded:?})"
            );
        }
    }
}

fn to_state(parts: Vec<(Kind, u32, Vec<u8>)>) -> State {
    parts.into_iter().map(|(k, i, p)| ((k, i), p)).collect()
}
