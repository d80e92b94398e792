//! A storage adapter that spreads hot keys over a ring of slots.
//!
//! Rewriting one blob again and again wears the same flash pages, and on a FAT volume a power
//! cut during the rewrite can lose the file. A [`Ring`] instead writes each new version of a
//! hot key (a [`StorageSlot::Single`] key of a kind configured with [`Ring::with_slots`]) to the next
//! of `n` slots, [`StorageSlot::Ring(0)`](StorageSlot::Ring) to `Ring(n-1)`, never over the newest intact
//! copy. A reader takes the intact copy (CRC-checked envelope, right identity) with the highest
//! generation, so a torn or corrupt newest copy falls back to the previous one, and the older
//! slots are reused in turn.
//!
//! What a ring can and cannot detect:
//!
//! - Within one session it remembers the slot and generation of the newest copy of each key it
//!   wrote or read. If that copy later reads back older (a write the storage lost while
//!   reporting success) or damaged, the read fails with [`OffloadError::Stale`] rather than
//!   returning the older copy as current.
//! - After a reboot that memory is gone. A lost or destroyed newest copy then looks exactly
//!   like a ring whose newest write never happened, and the previous intact copy is returned.
//!   Only a caller that knows which generation it expects (from a checkpoint manifest, see
//!   [`super::io::load_generation`]) can tell.
//!
//! Keys of other kinds, and keys already in a [`StorageSlot::Ring`] or [`StorageSlot::Pair`], pass through
//! unchanged.

use alloc::collections::BTreeMap;
use alloc::vec::Vec;

use super::blob;
use super::error::OffloadError;
use super::key::{Key, Kind, StorageSlot};
use super::storage::Storage;

/// A ring-of-slots adapter over a storage; see the module documentation.
#[derive(Debug)]
pub struct Ring<S> {
    inner: S,
    slots: [u8; Kind::COUNT],
    /// The slot and generation of the newest intact copy of each key seen in this session.
    newest: BTreeMap<Key, (u8, u64)>,
}

impl<S: Storage> Ring<S> {
    /// An adapter with no ring configured: every key passes through.
    pub fn new(inner: S) -> Ring<S> {
        Ring {
            inner,
            slots: [1; Kind::COUNT],
            newest: BTreeMap::new(),
        }
    }

    /// Spreads single keys of `kind` over `slots` slots (1 turns the ring off for the kind).
    /// Two slots already protect against torn writes; more spread the wear further. Changing
    /// the count for kinds already stored strands their copies in the slots no longer used.
    pub fn with_slots(mut self, kind: Kind, slots: u8) -> Ring<S> {
        self.slots[kind.ordinal()] = slots.max(1);
        self
    }

    /// The inner storage.
    pub fn inner(&self) -> &S {
        &self.inner
    }

    /// The inner storage, mutably. Writing through it behind the ring's back can make the
    /// ring report [`OffloadError::Stale`]; call [`Ring::forget`] afterwards.
    pub fn inner_mut(&mut self) -> &mut S {
        &mut self.inner
    }

    /// Takes the inner storage back.
    pub fn into_inner(self) -> S {
        self.inner
    }

    /// Forgets what this session knows about `key`'s newest copy, so the next read accepts
    /// whatever intact copy is newest on the storage.
    pub fn forget(&mut self, key: &Key) {
        self.newest.remove(key);
    }

    /// The generation of the newest intact copy of `key`, if any. A writer that does not keep
    /// its own counter across reboots uses this plus one as its next generation.
    pub fn newest_generation(&mut self, key: &Key) -> Result<Option<u64>, OffloadError<S::Error>> {
        match self.ring_size(key) {
            None => {
                let mut buf = Vec::new();
                if !self
                    .inner
                    .read(key, &mut buf)
                    .map_err(OffloadError::Storage)?
                {
                    return Ok(None);
                }
                Ok(blob::peek(&buf).ok().map(|(h, _)| h.generation))
            }
            Some(n) => Ok(self.newest_copy(key, n)?.map(|(_, generation)| generation)),
        }
    }

    /// The number of slots of `key`'s ring, or `None` if the key passes through.
    fn ring_size(&self, key: &Key) -> Option<u8> {
        let n = self.slots[key.kind.ordinal()];
        (key.slot == StorageSlot::Single && n > 1).then_some(n)
    }

    /// The slot and generation of the newest intact copy, from this session's memory or by
    /// reading every slot.
    fn newest_copy(
        &mut self,
        key: &Key,
        n: u8,
    ) -> Result<Option<(u8, u64)>, OffloadError<S::Error>> {
        if let Some(&known) = self.newest.get(key) {
            return Ok(Some(known));
        }
        let mut buf = Vec::new();
        let mut best = None;
        for slot in 0..n {
            if let Some(generation) = self.read_slot(key, slot, &mut buf)? {
                if best.is_none_or(|(_, g)| generation > g) {
                    best = Some((slot, generation));
                }
            }
        }
        if let Some(found) = best {
            self.newest.insert(*key, found);
        }
        Ok(best)
    }

    /// Reads one slot into `buf`; returns its generation if it holds an intact copy of `key`.
    fn read_slot(
        &mut self,
        key: &Key,
        slot: u8,
        buf: &mut Vec<u8>,
    ) -> Result<Option<u64>, OffloadError<S::Error>> {
        let slot_key = key.with_slot(StorageSlot::Ring(slot));
        if !self
            .inner
            .read(&slot_key, buf)
            .map_err(OffloadError::Storage)?
        {
            return Ok(None);
        }
        Ok(match blob::peek(buf) {
            Ok((h, _)) if h.key().same_item(key) => Some(h.generation),
            _ => None,
        })
    }

    /// Reads `key`'s ring without knowing its newest slot: keeps the newest intact copy in
    /// `buf`, or else the bytes of some damaged copy (so the caller's decoding reports what is
    /// wrong with it).
    fn scan_into(
        &mut self,
        key: &Key,
        n: u8,
        buf: &mut Vec<u8>,
    ) -> Result<bool, OffloadError<S::Error>> {
        let mut candidate = Vec::new();
        let mut best: Option<(u8, u64)> = None;
        let mut damaged = false;
        buf.clear();
        for slot in 0..n {
            match self.read_slot(key, slot, &mut candidate)? {
                Some(generation) if best.is_none_or(|(_, g)| generation > g) => {
                    best = Some((slot, generation));
                    core::mem::swap(buf, &mut candidate);
                }
                Some(_) => {}
                None if best.is_none() && !candidate.is_empty() => {
                    damaged = true;
                    core::mem::swap(buf, &mut candidate);
                }
                None => {}
            }
        }
        if let Some(found) = best {
            self.newest.insert(*key, found);
        }
        Ok(best.is_some() || damaged)
    }

    /// [`Storage::write`] (or `write_cached`): a hot key's blob goes to the slot after its
    /// newest copy.
    fn write_to_slot(
        &mut self,
        key: &Key,
        parts: &[&[u8]],
        cached: bool,
    ) -> Result<(), OffloadError<S::Error>> {
        let Some(n) = self.ring_size(key) else {
            return if cached {
                self.inner.write_cached(key, parts)
            } else {
                self.inner.write(key, parts)
            }
            .map_err(OffloadError::Storage);
        };

        let header =
            blob::peek_parts(parts).map_err(|error| OffloadError::NotABlob { key: *key, error })?;
        blob::check_identity(&header, key)
            .map_err(|error| OffloadError::NotABlob { key: *key, error })?;
        let newest = self.newest_copy(key, n)?;
        let target = match newest {
            Some((_, newest)) if newest >= header.generation => {
                return Err(OffloadError::NotNewer {
                    key: *key,
                    newest,
                    attempted: header.generation,
                });
            }
            Some((slot, _)) => (slot + 1) % n,
            None => 0,
        };
        self.newest.remove(key);
        let slot = key.with_slot(StorageSlot::Ring(target));
        if cached {
            self.inner.write_cached(&slot, parts)
        } else {
            self.inner.write(&slot, parts)
        }
        .map_err(OffloadError::Storage)?;
        self.newest.insert(*key, (target, header.generation));
        Ok(())
    }
}

impl<S: Storage> Storage for Ring<S> {
    type Error = OffloadError<S::Error>;

    fn read(&mut self, key: &Key, buf: &mut Vec<u8>) -> Result<bool, Self::Error> {
        let Some(n) = self.ring_size(key) else {
            return self.inner.read(key, buf).map_err(OffloadError::Storage);
        };
        let Some(&(slot, expected)) = self.newest.get(key) else {
            return self.scan_into(key, n, buf);
        };
        if self.read_slot(key, slot, buf)? == Some(expected) {
            return Ok(true);
        }
        // The copy this session knows to be newest is gone, damaged or older than written.
        let mut scratch = Vec::new();
        let mut found = None;
        for other in 0..n {
            if let Some(g) = self.read_slot(key, other, &mut scratch)? {
                if g == expected {
                    self.newest.insert(*key, (other, g));
                    core::mem::swap(buf, &mut scratch);
                    return Ok(true);
                }
                found = found.max(Some(g));
            }
        }
        Err(OffloadError::Stale {
            key: *key,
            expected,
            found,
        })
    }

    fn write(&mut self, key: &Key, parts: &[&[u8]]) -> Result<(), Self::Error> {
        self.write_to_slot(key, parts, false)
    }

    fn write_cached(&mut self, key: &Key, parts: &[&[u8]]) -> Result<(), Self::Error> {
        self.write_to_slot(key, parts, true)
    }

    /// Removes every slot of a hot key, the newest copy last, so that an interrupted removal
    /// never leaves an older copy as the newest.
    fn remove(&mut self, key: &Key) -> Result<(), Self::Error> {
        let Some(n) = self.ring_size(key) else {
            return self.inner.remove(key).map_err(OffloadError::Storage);
        };
        let newest = self.newest_copy(key, n)?.map(|(slot, _)| slot);
        self.newest.remove(key);
        for slot in (0..n).filter(|&s| Some(s) != newest).chain(newest) {
            self.inner
                .remove(&key.with_slot(StorageSlot::Ring(slot)))
                .map_err(OffloadError::Storage)?;
        }
        Ok(())
    }

    fn sync(&mut self) -> Result<(), Self::Error> {
        self.inner.sync().map_err(OffloadError::Storage)
    }

    // Regions are written in place by slot; the ring has nothing to spread.
    fn has_regions(&self) -> bool {
        self.inner.has_regions()
    }

    fn read_at(&mut self, key: &Key, offset: u64, buf: &mut [u8]) -> Result<bool, Self::Error> {
        self.inner
            .read_at(key, offset, buf)
            .map_err(OffloadError::Storage)
    }

    fn reserve(&mut self, key: &Key, len: u64) -> Result<(), Self::Error> {
        self.inner.reserve(key, len).map_err(OffloadError::Storage)
    }

    fn write_at(
        &mut self,
        key: &Key,
        offset: u64,
        parts: &[&[u8]],
        sync: bool,
    ) -> Result<(), Self::Error> {
        self.inner
            .write_at(key, offset, parts, sync)
            .map_err(OffloadError::Storage)
    }
}
