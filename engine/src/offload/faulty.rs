//! A storage wrapper that injects faults, for tests and fuzzing: power cuts (with torn and
//! dropped unsynced writes), torn writes, bit flips, lost writes and I/O errors. It also counts
//! calls and the bytes written per key, to measure wear.
//!
//! Calls of each kind are numbered from 0 in the order they arrive (`write` number 0 is the
//! first write, and so on); faults name the call they hit by that number.
//!
//! Regions ([`Storage::has_regions`]) are offered when the inner storage offers them (unless
//! [`FaultyStorage::without_regions`]): a [`read_at`](Storage::read_at) is numbered and
//! failed as a read, a [`write_at`](Storage::write_at) as a write (tears, losses, flips and
//! power cuts apply to the bytes it writes at its offset), and a `write_at` with `sync` is
//! followed by a numbered sync. A power cut that drops unsynced changes undoes unsynced region
//! writes one by one, so a later write to a region may survive an earlier one that is lost.

use alloc::collections::BTreeMap;
use alloc::vec::Vec;

use super::key::Key;
use super::storage::{concat, Storage};

/// A kind of storage call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StorageOp {
    /// [`Storage::read`].
    Read,
    /// [`Storage::write`].
    Write,
    /// [`Storage::remove`].
    Remove,
    /// [`Storage::sync`].
    Sync,
}

/// Whether an injected I/O error affects one call or every call from then on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Persistence {
    /// Only the named call fails; a retry succeeds.
    Transient,
    /// The named call and every later call of the same kind fail.
    Permanent,
}

/// A fault that hits one numbered call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// Write number `write` stores only its first `keep` bytes and reports success.
    Tear {
        /// The write's number.
        write: u64,
        /// How many bytes reach the storage.
        keep: usize,
    },
    /// Write number `write` reports success and stores nothing (the old blob, if any, stays).
    Lose {
        /// The write's number.
        write: u64,
    },
    /// Write number `write` is stored with the byte at `offset` XORed with `mask` (nothing
    /// changes if the data is shorter), and reports success.
    Flip {
        /// The write's number.
        write: u64,
        /// Which byte of the written data.
        offset: usize,
        /// Which bits to flip.
        mask: u8,
    },
    /// Call number `at` of kind `op` fails with [`FaultError::Injected`] and has no effect.
    Fail {
        /// The kind of call.
        op: StorageOp,
        /// The call's number.
        at: u64,
        /// Whether later calls of that kind fail too.
        persistence: Persistence,
    },
}

/// What a power cut does to writes and removes made since the last successful sync.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unsynced {
    /// They all survive, as on a storage that makes every write durable at once.
    Keep,
    /// They are all undone.
    DropAll,
    /// Unsynced call `i` (counting from 0 since the last sync) is undone when bit `i % 64` is
    /// set, so later writes may survive while earlier ones are lost (reordering).
    DropMask(u64),
}

/// A power cut: write number `at_write` does not complete, and every call after it fails until
/// the test "reboots" by taking the inner storage back ([`FaultyStorage::into_inner`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PowerCut {
    /// The number of the write the power fails during. Writes before it completed.
    pub at_write: u64,
    /// If set, that write leaves this many of its bytes behind (a torn write); otherwise it
    /// leaves nothing and the old blob stays.
    pub torn_prefix: Option<usize>,
    /// What happens to the unsynced writes before it.
    pub unsynced: Unsynced,
}

impl PowerCut {
    /// A clean cut before write `at_write`: it and everything later is lost, everything
    /// earlier stays.
    pub fn at(at_write: u64) -> PowerCut {
        PowerCut {
            at_write,
            torn_prefix: None,
            unsynced: Unsynced::Keep,
        }
    }
}

/// The errors a [`FaultyStorage`] reports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FaultError<E> {
    /// The power is off.
    PowerCut,
    /// An injected I/O error.
    Injected {
        /// The kind of call that failed.
        op: StorageOp,
        /// The call's number.
        at: u64,
    },
    /// A buffer could not be allocated.
    OutOfMemory,
    /// The inner storage's own error.
    Inner(E),
}

/// Call counts of a [`FaultyStorage`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// Calls to `read`.
    pub reads: u64,
    /// Calls to `write`.
    pub writes: u64,
    /// Calls to `remove`.
    pub removes: u64,
    /// Calls to `sync`.
    pub syncs: u64,
    /// Bytes that reached the inner storage through `write`.
    pub bytes_written: u64,
}

/// Writes and bytes that reached one key of the inner storage.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Wear {
    /// Writes that stored something.
    pub writes: u64,
    /// Bytes stored.
    pub bytes: u64,
}

/// A fault-injecting wrapper around a storage; see the module documentation.
#[derive(Debug)]
pub struct FaultyStorage<S> {
    inner: S,
    faults: Vec<Fault>,
    cut: Option<PowerCut>,
    powered: bool,
    counts: Counts,
    wear: BTreeMap<Key, Wear>,
    /// The contents at the last sync of every key touched since (`None`: absent). Kept only
    /// when a power cut may drop unsynced writes.
    pre_images: BTreeMap<Key, Option<Vec<u8>>>,
    /// Every change since the last sync, in order.
    journal: Vec<(Key, Change)>,
    /// Whether regions are offered (when the inner storage has them).
    regions: bool,
}

/// One change of the journal of unsynced changes.
#[derive(Debug)]
enum Change {
    /// A whole blob written (`Some`) or removed (`None`).
    Whole(Option<Vec<u8>>),
    /// Bytes written at an offset of a region.
    At(u64, Vec<u8>),
}

impl<S: Storage> FaultyStorage<S> {
    /// Wraps `inner` with no faults planned.
    pub fn new(inner: S) -> FaultyStorage<S> {
        FaultyStorage {
            inner,
            faults: Vec::new(),
            cut: None,
            powered: true,
            counts: Counts::default(),
            wear: BTreeMap::new(),
            pre_images: BTreeMap::new(),
            journal: Vec::new(),
            regions: true,
        }
    }

    /// Offers no regions even when the inner storage has them, so a paged memory keeps a
    /// blob per page (the layout for storages without regions).
    pub fn without_regions(mut self) -> Self {
        self.regions = false;
        self
    }

    /// Plans a fault.
    pub fn with_fault(mut self, fault: Fault) -> Self {
        self.faults.push(fault);
        self
    }

    /// Plans a power cut (replacing any planned before).
    pub fn with_power_cut(mut self, cut: PowerCut) -> Self {
        self.cut = Some(cut);
        self
    }

    /// Forgets every planned fault and cut (a storage whose power is already off stays off).
    pub fn clear_faults(&mut self) {
        self.faults.clear();
        self.cut = None;
    }

    /// Whether the power is still on.
    pub fn is_powered(&self) -> bool {
        self.powered
    }

    /// How many calls of each kind arrived, and the bytes written.
    pub fn counts(&self) -> Counts {
        self.counts
    }

    /// Writes and bytes per key of the inner storage.
    pub fn wear(&self) -> &BTreeMap<Key, Wear> {
        &self.wear
    }

    /// The inner storage.
    pub fn inner(&self) -> &S {
        &self.inner
    }

    /// The inner storage, mutably (bypassing faults and counts).
    pub fn inner_mut(&mut self) -> &mut S {
        &mut self.inner
    }

    /// Takes the inner storage back: the "reboot" after a power cut.
    pub fn into_inner(self) -> S {
        self.inner
    }

    /// XORs the stored byte at `offset` under `key` with `mask`, as a bit flip at rest would.
    /// Returns whether there was such a byte. Bypasses faults and counts.
    pub fn flip_stored(
        &mut self,
        key: &Key,
        offset: usize,
        mask: u8,
    ) -> Result<bool, FaultError<S::Error>> {
        let mut data = Vec::new();
        if !self.inner.read(key, &mut data).map_err(FaultError::Inner)? {
            return Ok(false);
        }
        let Some(byte) = data.get_mut(offset) else {
            return Ok(false);
        };
        *byte ^= mask;
        self.inner.write(key, &[&data]).map_err(FaultError::Inner)?;
        Ok(true)
    }

    /// The bytes write number `n` of `parts` stores after the planned tears and flips, or
    /// `None` when it is lost.
    fn damaged(&self, n: u64, parts: &[&[u8]]) -> Result<Option<Vec<u8>>, FaultError<S::Error>> {
        let mut data = concat(parts).map_err(|_| FaultError::OutOfMemory)?;
        for fault in &self.faults {
            match *fault {
                Fault::Lose { write } if write == n => return Ok(None),
                Fault::Tear { write, keep } if write == n => data.truncate(keep),
                Fault::Flip {
                    write,
                    offset,
                    mask,
                } if write == n => {
                    if let Some(b) = data.get_mut(offset) {
                        *b ^= mask;
                    }
                }
                _ => {}
            }
        }
        Ok(Some(data))
    }

    /// [`FaultError::Injected`] when a [`Fault::Fail`] hits call `n` of `op`.
    fn fail_injected(&self, op: StorageOp, n: u64) -> Result<(), FaultError<S::Error>> {
        if self.injected(op, n) {
            return Err(FaultError::Injected { op, at: n });
        }
        Ok(())
    }

    fn injected(&self, op: StorageOp, n: u64) -> bool {
        self.faults.iter().any(|f| match *f {
            Fault::Fail {
                op: o,
                at,
                persistence,
            } => {
                o == op
                    && match persistence {
                        Persistence::Transient => n == at,
                        Persistence::Permanent => n >= at,
                    }
            }
            _ => false,
        })
    }

    fn tracks_unsynced(&self) -> bool {
        matches!(
            self.cut,
            Some(PowerCut {
                unsynced: Unsynced::DropAll | Unsynced::DropMask(_),
                ..
            })
        )
    }

    /// Records `key`'s pre-image and the change in the journal, if unsynced writes are tracked:
    /// `data` written whole (`at` is `None`) or at offset `at` of a region, or the key
    /// removed (`data` is `None`).
    fn journal(
        &mut self,
        key: &Key,
        at: Option<u64>,
        data: Option<&[u8]>,
    ) -> Result<(), FaultError<S::Error>> {
        if !self.tracks_unsynced() {
            return Ok(());
        }
        if !self.pre_images.contains_key(key) {
            let mut old = Vec::new();
            let found = self.inner.read(key, &mut old).map_err(FaultError::Inner)?;
            self.pre_images.insert(*key, found.then_some(old));
        }
        let copy = match data {
            Some(d) => Some(concat(&[d]).map_err(|_| FaultError::OutOfMemory)?),
            None => None,
        };
        let change = match (at, copy) {
            (Some(at), Some(d)) => Change::At(at, d),
            (_, copy) => Change::Whole(copy),
        };
        self.journal.push((*key, change));
        Ok(())
    }

    /// Writes `data` at `offset` of region `key` of the inner storage, counting it.
    fn store_at(
        &mut self,
        key: &Key,
        offset: u64,
        data: &[u8],
    ) -> Result<(), FaultError<S::Error>> {
        self.journal(key, Some(offset), Some(data))?;
        self.inner
            .write_at(key, offset, &[data], false)
            .map_err(FaultError::Inner)?;
        self.counts.bytes_written += data.len() as u64;
        let wear = self.wear.entry(*key).or_default();
        wear.writes += 1;
        wear.bytes += data.len() as u64;
        Ok(())
    }

    fn store(&mut self, key: &Key, data: &[u8]) -> Result<(), FaultError<S::Error>> {
        self.journal(key, None, Some(data))?;
        self.inner.write(key, &[data]).map_err(FaultError::Inner)?;
        self.counts.bytes_written += data.len() as u64;
        let wear = self.wear.entry(*key).or_default();
        wear.writes += 1;
        wear.bytes += data.len() as u64;
        Ok(())
    }

    /// Turns the power off, undoing the unsynced changes the cut's policy drops.
    fn cut_power(&mut self, unsynced: Unsynced) {
        self.powered = false;
        let dropped = |i: usize| match unsynced {
            Unsynced::Keep => false,
            Unsynced::DropAll => true,
            Unsynced::DropMask(mask) => mask >> (i % 64) & 1 == 1,
        };
        let pre_images = core::mem::take(&mut self.pre_images);
        let journal = core::mem::take(&mut self.journal);
        for (key, pre_image) in pre_images {
            let mut content = pre_image;
            for (i, (k, change)) in journal.iter().enumerate() {
                if *k != key || dropped(i) {
                    continue;
                }
                match change {
                    Change::Whole(data) => content = data.clone(),
                    Change::At(at, data) => {
                        let c = content.get_or_insert_with(Vec::new);
                        let start = *at as usize;
                        let end = start + data.len();
                        if c.len() < end {
                            c.resize(end, 0);
                        }
                        c[start..end].copy_from_slice(data);
                    }
                }
            }
            // Rebuilding the inner storage cannot be reported to anyone; the test sees the
            // result when it reads after the reboot.
            let _ = match content.as_deref() {
                Some(data) => self.inner.write(&key, &[data]),
                None => self.inner.remove(&key),
            };
        }
    }
}

impl<S: Storage> Storage for FaultyStorage<S> {
    type Error = FaultError<S::Error>;

    fn read(&mut self, key: &Key, buf: &mut Vec<u8>) -> Result<bool, Self::Error> {
        let n = self.counts.reads;
        self.counts.reads += 1;
        buf.clear();
        if !self.powered {
            return Err(FaultError::PowerCut);
        }
        self.fail_injected(StorageOp::Read, n)?;
        self.inner.read(key, buf).map_err(FaultError::Inner)
    }

    fn write(&mut self, key: &Key, parts: &[&[u8]]) -> Result<(), Self::Error> {
        let n = self.counts.writes;
        self.counts.writes += 1;
        if !self.powered {
            return Err(FaultError::PowerCut);
        }
        if let Some(cut) = self.cut.filter(|c| n >= c.at_write) {
            if let Some(keep) = cut.torn_prefix {
                let data = concat(parts).map_err(|_| FaultError::OutOfMemory)?;
                self.store(key, &data[..keep.min(data.len())])?;
            }
            self.cut_power(cut.unsynced);
            return Err(FaultError::PowerCut);
        }
        self.fail_injected(StorageOp::Write, n)?;
        match self.damaged(n, parts)? {
            Some(data) => self.store(key, &data),
            None => Ok(()),
        }
    }

    fn remove(&mut self, key: &Key) -> Result<(), Self::Error> {
        let n = self.counts.removes;
        self.counts.removes += 1;
        if !self.powered {
            return Err(FaultError::PowerCut);
        }
        self.fail_injected(StorageOp::Remove, n)?;
        self.journal(key, None, None)?;
        self.inner.remove(key).map_err(FaultError::Inner)
    }

    fn sync(&mut self) -> Result<(), Self::Error> {
        let n = self.counts.syncs;
        self.counts.syncs += 1;
        if !self.powered {
            return Err(FaultError::PowerCut);
        }
        self.fail_injected(StorageOp::Sync, n)?;
        self.inner.sync().map_err(FaultError::Inner)?;
        self.pre_images.clear();
        self.journal.clear();
        Ok(())
    }

    fn has_regions(&self) -> bool {
        self.regions && self.inner.has_regions()
    }

    fn read_at(&mut self, key: &Key, offset: u64, buf: &mut [u8]) -> Result<bool, Self::Error> {
        let n = self.counts.reads;
        self.counts.reads += 1;
        if !self.powered {
            return Err(FaultError::PowerCut);
        }
        self.fail_injected(StorageOp::Read, n)?;
        if !self.has_regions() {
            // As the trait's default: through the whole blob.
            let mut all = Vec::new();
            if !self.inner.read(key, &mut all).map_err(FaultError::Inner)? {
                return Ok(false);
            }
            let r = usize::try_from(offset)
                .ok()
                .and_then(|o| Some(o..o.checked_add(buf.len())?));
            return Ok(match r {
                Some(r) if r.end <= all.len() => {
                    buf.copy_from_slice(&all[r]);
                    true
                }
                _ => false,
            });
        }
        self.inner
            .read_at(key, offset, buf)
            .map_err(FaultError::Inner)
    }

    /// Numbered and failed as a write (a power cut at it leaves the region as it was); the
    /// zeros it appends count as bytes written.
    fn reserve(&mut self, key: &Key, len: u64) -> Result<(), Self::Error> {
        let n = self.counts.writes;
        self.counts.writes += 1;
        if !self.powered {
            return Err(FaultError::PowerCut);
        }
        if self.cut.is_some_and(|c| n >= c.at_write) {
            let unsynced = self.cut.map_or(Unsynced::Keep, |c| c.unsynced);
            self.cut_power(unsynced);
            return Err(FaultError::PowerCut);
        }
        self.fail_injected(StorageOp::Write, n)?;
        let mut all = Vec::new();
        self.inner.read(key, &mut all).map_err(FaultError::Inner)?;
        let have = all.len() as u64;
        if have < len {
            let mut zeros = Vec::new();
            let extra = usize::try_from(len - have).map_err(|_| FaultError::OutOfMemory)?;
            zeros
                .try_reserve_exact(extra)
                .map_err(|_| FaultError::OutOfMemory)?;
            zeros.resize(extra, 0);
            self.store_at(key, have, &zeros)?;
        }
        Ok(())
    }

    fn write_at(
        &mut self,
        key: &Key,
        offset: u64,
        parts: &[&[u8]],
        sync: bool,
    ) -> Result<(), Self::Error> {
        let n = self.counts.writes;
        self.counts.writes += 1;
        if !self.powered {
            return Err(FaultError::PowerCut);
        }
        if let Some(cut) = self.cut.filter(|c| n >= c.at_write) {
            if let Some(keep) = cut.torn_prefix {
                let data = concat(parts).map_err(|_| FaultError::OutOfMemory)?;
                self.store_at(key, offset, &data[..keep.min(data.len())])?;
            }
            self.cut_power(cut.unsynced);
            return Err(FaultError::PowerCut);
        }
        self.fail_injected(StorageOp::Write, n)?;
        if let Some(data) = self.damaged(n, parts)? {
            self.store_at(key, offset, &data)?;
        }
        if sync {
            self.sync()?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::offload::{Kind, MemStorage};

    fn key(i: u32) -> Key {
        Key::new(Kind::Code, 1, i)
    }

    fn get(s: &mut impl Storage, k: &Key) -> Option<Vec<u8>> {
        let mut buf = Vec::new();
        s.read(k, &mut buf).ok()?.then_some(buf)
    }

    #[test]
    fn clean_power_cut_keeps_earlier_writes() {
        let mut s = FaultyStorage::new(MemStorage::new()).with_power_cut(PowerCut::at(2));
        s.write(&key(0), &[b"a"]).unwrap();
        s.write(&key(1), &[b"b"]).unwrap();
        assert_eq!(s.write(&key(2), &[b"c"]), Err(FaultError::PowerCut));
        assert_eq!(s.sync(), Err(FaultError::PowerCut));
        assert_eq!(s.read(&key(0), &mut Vec::new()), Err(FaultError::PowerCut));
        assert!(!s.is_powered());
        let mut inner = s.into_inner();
        assert_eq!(get(&mut inner, &key(0)).unwrap(), b"a");
        assert_eq!(get(&mut inner, &key(1)).unwrap(), b"b");
        assert_eq!(get(&mut inner, &key(2)), None);
    }

    #[test]
    fn torn_cut_leaves_a_prefix() {
        let mut s = FaultyStorage::new(MemStorage::new()).with_power_cut(PowerCut {
            at_write: 1,
            torn_prefix: Some(3),
            unsynced: Unsynced::Keep,
        });
        s.write(&key(0), &[b"old"]).unwrap();
        assert_eq!(
            s.write(&key(0), &[b"new ", b"data"]),
            Err(FaultError::PowerCut)
        );
        assert_eq!(get(&mut s.into_inner(), &key(0)).unwrap(), b"new");
    }

    #[test]
    fn unsynced_writes_can_be_dropped_or_reordered() {
        let run = |unsynced| {
            let mut s = FaultyStorage::new(MemStorage::new()).with_power_cut(PowerCut {
                at_write: 3,
                torn_prefix: None,
                unsynced,
            });
            s.write(&key(0), &[b"synced"]).unwrap();
            s.sync().unwrap();
            s.write(&key(0), &[b"u0"]).unwrap(); // unsynced 0
            s.write(&key(1), &[b"u1"]).unwrap(); // unsynced 1
            s.remove(&key(0)).unwrap(); // unsynced 2
            assert!(s.write(&key(2), &[b"cut"]).is_err()); // write number 3
            let mut inner = s.into_inner();
            (
                get(&mut inner, &key(0)),
                get(&mut inner, &key(1)),
                get(&mut inner, &key(2)),
            )
        };
        assert_eq!(run(Unsynced::Keep), (None, Some(b"u1".to_vec()), None));
        assert_eq!(
            run(Unsynced::DropAll),
            (Some(b"synced".to_vec()), None, None)
        );
        assert_eq!(
            run(Unsynced::DropMask(0b001)),
            (None, Some(b"u1".to_vec()), None)
        );
        assert_eq!(
            run(Unsynced::DropMask(0b100)),
            (Some(b"u0".to_vec()), Some(b"u1".to_vec()), None)
        );
        assert_eq!(
            run(Unsynced::DropMask(0b110)),
            (Some(b"u0".to_vec()), None, None)
        );
    }

    #[test]
    fn tear_lose_and_flip_report_success() {
        let mut s = FaultyStorage::new(MemStorage::new())
            .with_fault(Fault::Tear { write: 0, keep: 2 })
            .with_fault(Fault::Lose { write: 2 })
            .with_fault(Fault::Flip {
                write: 3,
                offset: 1,
                mask: 0x01,
            });
        s.write(&key(0), &[b"torn"]).unwrap();
        s.write(&key(1), &[b"old"]).unwrap();
        s.write(&key(1), &[b"lost"]).unwrap();
        s.write(&key(2), &[b"abc"]).unwrap();
        assert_eq!(get(&mut s, &key(0)).unwrap(), b"to");
        assert_eq!(get(&mut s, &key(1)).unwrap(), b"old");
        assert_eq!(get(&mut s, &key(2)).unwrap(), b"acc");
        assert!(s.flip_stored(&key(2), 0, 0x20).unwrap());
        assert!(!s.flip_stored(&key(2), 3, 0x20).unwrap());
        assert_eq!(get(&mut s, &key(2)).unwrap(), b"Acc");
    }

    #[test]
    fn transient_and_permanent_errors() {
        let mut s = FaultyStorage::new(MemStorage::new())
            .with_fault(Fault::Fail {
                op: StorageOp::Write,
                at: 0,
                persistence: Persistence::Transient,
            })
            .with_fault(Fault::Fail {
                op: StorageOp::Read,
                at: 1,
                persistence: Persistence::Permanent,
            })
            .with_fault(Fault::Fail {
                op: StorageOp::Sync,
                at: 0,
                persistence: Persistence::Transient,
            });
        assert_eq!(
            s.write(&key(0), &[b"x"]),
            Err(FaultError::Injected {
                op: StorageOp::Write,
                at: 0
            })
        );
        s.write(&key(0), &[b"x"]).unwrap();
        assert!(s.sync().is_err());
        s.sync().unwrap();
        assert_eq!(get(&mut s, &key(0)).unwrap(), b"x");
        for at in 1..4 {
            assert_eq!(
                s.read(&key(0), &mut Vec::new()),
                Err(FaultError::Injected {
                    op: StorageOp::Read,
                    at
                })
            );
        }
        s.clear_faults();
        assert_eq!(get(&mut s, &key(0)).unwrap(), b"x");
    }

    #[test]
    fn counts_and_wear() {
        let mut s = FaultyStorage::new(MemStorage::new()).with_fault(Fault::Lose { write: 1 });
        s.write(&key(0), &[b"12", b"34"]).unwrap();
        s.write(&key(0), &[b"lost"]).unwrap();
        s.write(&key(1), &[b"5"]).unwrap();
        s.read(&key(0), &mut Vec::new()).unwrap();
        s.remove(&key(1)).unwrap();
        s.sync().unwrap();
        let c = s.counts();
        assert_eq!(
            (c.reads, c.writes, c.removes, c.syncs, c.bytes_written),
            (1, 3, 1, 1, 5)
        );
        assert_eq!(
            s.wear()[&key(0)],
            Wear {
                writes: 1,
                bytes: 4
            }
        );
        assert_eq!(
            s.wear()[&key(1)],
            Wear {
                writes: 1,
                bytes: 1
            }
        );
    }

    #[test]
    fn region_writes_take_faults_and_power_cuts() {
        let k = key(9);
        let read = |s: &mut FaultyStorage<MemStorage>, at: u64, n: usize| {
            let mut buf = alloc::vec![0u8; n];
            s.read_at(&k, at, &mut buf).unwrap().then_some(buf)
        };
        let mut s = FaultyStorage::new(MemStorage::new())
            .with_fault(Fault::Tear { write: 1, keep: 2 })
            .with_fault(Fault::Lose { write: 2 })
            .with_fault(Fault::Flip {
                write: 3,
                offset: 0,
                mask: 0x01,
            })
            .with_fault(Fault::Fail {
                op: StorageOp::Read,
                at: 4,
                persistence: Persistence::Transient,
            });
        assert!(s.has_regions());
        assert!(!FaultyStorage::new(MemStorage::new())
            .without_regions()
            .has_regions());
        s.write_at(&k, 4, &[b"abcd"], false).unwrap();
        s.write_at(&k, 0, &[b"xy", b"zw"], false).unwrap(); // torn: "xy"
        s.write_at(&k, 4, &[b"lost"], false).unwrap();
        s.write_at(&k, 6, &[b"c"], true).unwrap(); // flipped: "b", then synced
        assert_eq!(s.counts().syncs, 1);
        assert_eq!(read(&mut s, 0, 8).unwrap(), b"xy\0\0abbd");
        assert_eq!(read(&mut s, 8, 1), None);
        assert_eq!(read(&mut s, 0, 1).unwrap(), b"x");
        assert_eq!(read(&mut s, 0, 1).unwrap(), b"x");
        assert_eq!(
            s.read_at(&k, 0, &mut [0u8; 1]),
            Err(FaultError::Injected {
                op: StorageOp::Read,
                at: 4
            })
        );
        assert_eq!(s.counts().bytes_written, 7);

        // Unsynced region writes are undone one by one by a cut that drops some of them.
        let mut s = FaultyStorage::new(MemStorage::new()).with_power_cut(PowerCut {
            at_write: 3,
            torn_prefix: Some(1),
            unsynced: Unsynced::DropMask(0b01),
        });
        s.write_at(&k, 0, &[b"AAAA"], true).unwrap(); // synced
        s.write_at(&k, 0, &[b"BB"], false).unwrap(); // unsynced 0: dropped
        s.write_at(&k, 2, &[b"CC"], false).unwrap(); // unsynced 1: kept
        assert_eq!(
            s.write_at(&k, 1, &[b"DD"], false),
            Err(FaultError::PowerCut)
        ); // torn to "D" (unsynced 2: kept)
        let mut inner = s.into_inner();
        let mut buf = [0u8; 4];
        assert!(inner.read_at(&k, 0, &mut buf).unwrap());
        assert_eq!(&buf, b"ADCC");
    }
}
