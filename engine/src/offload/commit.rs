//! Atomic multi-blob commits: a checkpoint is a set of parts plus a generation-numbered
//! manifest written last.
//!
//! Every part and every manifest lives in one of two pair slots ([`StorageSlot::Pair`]). A commit
//! writes each new part into the slot the current checkpoint does *not* use for that part,
//! syncs, writes the manifest (listing kind, index, slot, generation, length and CRC of every
//! part) into the manifest slot the current checkpoint does not use, and syncs again. Nothing
//! the current checkpoint refers to is overwritten, so a power cut at any write leaves it
//! intact; the new checkpoint becomes visible only once its manifest is intact.
//!
//! Loading reads both manifests and, newest generation first, verifies that every part it
//! lists is present and intact with exactly the recorded generation and CRC. The first
//! checkpoint that passes is the current one. Hence after a power cut, a torn write, a bit flip
//! or a lost write, loading yields the previous checkpoint or the new one, never a mix.
//!
//! Storage *errors* are not treated as damage: an I/O error while loading is returned as
//! [`OffloadError::Storage`] instead of falling back, so a transient error can never make an
//! older checkpoint look current.
//!
//! What cannot be detected from the storage alone: if the newest manifest write is lost (the
//! storage reports success but keeps the old bytes) or destroyed, the previous checkpoint is
//! loaded as if the newest commit never happened. A host that must know keeps the committed
//! generation somewhere else (RTC memory, NVS) and compares it with [`Manifest::generation`].

use alloc::vec::Vec;

use super::blob::{self, Header};
use super::error::OffloadError;
use super::io;
use super::key::{Key, Kind, StorageSlot};
use super::manifest::{self as format, upsert};
pub use super::manifest::{Entry, Manifest};
use super::storage::Storage;

/// The checkpoints of one module's checkpoint set on a storage: which one is current, and the
/// next generation to commit. Keep one per set for a session; it remembers what it verified.
#[derive(Clone, Debug)]
pub struct Checkpoints {
    fingerprint: u64,
    set: u32,
    current: Option<Manifest>,
    next_generation: u64,
    scanned: bool,
    rejected: u32,
}

impl Checkpoints {
    /// The checkpoints of module `fingerprint`, set `set` (a module may keep several
    /// independent sets, for example one per instance). Nothing is read until needed.
    pub fn new(fingerprint: u64, set: u32) -> Checkpoints {
        Checkpoints {
            fingerprint,
            set,
            current: None,
            next_generation: 1,
            scanned: false,
            rejected: 0,
        }
    }

    /// The current checkpoint, as last loaded or committed.
    pub fn current(&self) -> Option<&Manifest> {
        self.current.as_ref()
    }

    /// How many manifests the last load rejected (damaged, or with a damaged part): each one
    /// is a fallback to an older checkpoint or to none.
    pub fn rejected(&self) -> u32 {
        self.rejected
    }

    fn manifest_key(&self, slot: u8) -> Key {
        Key::new(Kind::Manifest, self.fingerprint, self.set).with_slot(StorageSlot::Pair(slot))
    }

    /// Parts are named by the fingerprint of their set ([`set_fingerprint`]), so two sets of
    /// one module on one storage never share a part.
    fn part_key(&self, kind: Kind, index: u32, slot: u8) -> Key {
        Key::new(kind, set_fingerprint(self.fingerprint, self.set), index)
            .with_slot(StorageSlot::Pair(slot))
    }

    /// Finds and verifies the newest intact checkpoint. Returns `Ok(None)` if there is no
    /// manifest at all, and [`OffloadError::NoValidCheckpoint`] if there are manifests but no
    /// intact checkpoint.
    pub fn load_latest<S: Storage + ?Sized>(
        &mut self,
        storage: &mut S,
    ) -> Result<Option<&Manifest>, OffloadError<S::Error>> {
        let found = self.scan(storage)?;
        match &self.current {
            Some(m) => Ok(Some(m)),
            None if found => Err(OffloadError::NoValidCheckpoint {
                rejected: self.rejected,
            }),
            None => Ok(None),
        }
    }

    /// Reads both manifests and settles the current checkpoint; returns whether any manifest
    /// was present.
    #[cfg_attr(fayasm_optimize_size, optimize(size))]
    fn scan<S: Storage + ?Sized>(
        &mut self,
        storage: &mut S,
    ) -> Result<bool, OffloadError<S::Error>> {
        let mut buf = Vec::new();
        let mut candidates = Vec::new();
        let mut found = false;
        let mut rejected = 0;
        let mut newest = 0;
        for slot in 0..2 {
            let key = self.manifest_key(slot);
            if !storage
                .read(&key, &mut buf)
                .map_err(OffloadError::Storage)?
            {
                continue;
            }
            found = true;
            let Ok((header, payload)) = blob::decode(&buf, &key) else {
                rejected += 1;
                continue;
            };
            newest = newest.max(header.generation);
            match format::decode(payload) {
                Some(entries) => candidates.push(Manifest {
                    generation: header.generation,
                    slot,
                    entries,
                }),
                None => rejected += 1,
            }
        }
        candidates.sort_by_key(|c| core::cmp::Reverse(c.generation));
        let mut current = None;
        for manifest in candidates {
            match self.verify(storage, &manifest, &mut buf) {
                Ok(()) => {
                    current = Some(manifest);
                    break;
                }
                Err(e) if e.is_storage() => return Err(e),
                Err(_) => rejected += 1,
            }
        }
        self.current = current;
        self.next_generation = self.next_generation.max(newest.saturating_add(1));
        self.rejected = rejected;
        self.scanned = true;
        Ok(found)
    }

    /// Checks every part of a manifest.
    fn verify<S: Storage + ?Sized>(
        &self,
        storage: &mut S,
        manifest: &Manifest,
        buf: &mut Vec<u8>,
    ) -> Result<(), OffloadError<S::Error>> {
        for entry in &manifest.entries {
            self.read_entry(storage, entry, buf)?;
        }
        Ok(())
    }

    /// Reads one part and checks it against its manifest entry.
    fn read_entry<S: Storage + ?Sized>(
        &self,
        storage: &mut S,
        entry: &Entry,
        buf: &mut Vec<u8>,
    ) -> Result<Header, OffloadError<S::Error>> {
        let key = self.part_key(entry.kind, entry.index, entry.slot);
        let header = io::load(storage, &key, buf)?;
        if header.generation != entry.generation
            || header.crc != entry.crc
            || header.payload_len != entry.len
        {
            return Err(OffloadError::Stale {
                key,
                expected: entry.generation,
                found: Some(header.generation),
            });
        }
        Ok(header)
    }

    /// Reads one part of the current checkpoint into `buf` (payload only), checked against the
    /// manifest. Fails with [`OffloadError::NotInCheckpoint`] if there is no current
    /// checkpoint or it has no such part. A failure here means the part was damaged after the
    /// checkpoint was loaded; loading again falls back to the previous checkpoint.
    pub fn read_part<S: Storage + ?Sized>(
        &self,
        storage: &mut S,
        kind: Kind,
        index: u32,
        buf: &mut Vec<u8>,
    ) -> Result<Header, OffloadError<S::Error>> {
        let entry = self
            .current
            .as_ref()
            .and_then(|m| m.entry(kind, index))
            .ok_or(OffloadError::NotInCheckpoint { kind, index })?;
        self.read_entry(storage, entry, buf)
    }

    /// Starts a commit of a new checkpoint. Loads the current checkpoint first if this value
    /// has not yet (a set whose manifests are all damaged starts afresh).
    pub fn begin<'a, S: Storage + ?Sized>(
        &'a mut self,
        storage: &'a mut S,
    ) -> Result<Commit<'a, S>, OffloadError<S::Error>> {
        if !self.scanned {
            self.scan(storage)?;
        }
        let generation = self.next_generation;
        // Whatever happens to this commit, its generation is never reused in this session.
        self.next_generation = generation.saturating_add(1);
        Ok(Commit {
            log: self,
            storage,
            generation,
            entries: Vec::new(),
        })
    }
}

/// The fingerprint under which the parts of checkpoint set `set` of module `fingerprint` are
/// stored: the module's own for set 0 (so every checkpoint written before sets had their own
/// parts still loads), and for other sets the module's mixed with the set, so that the parts of
/// different sets of one module never share a key on one storage (the manifest key carries the
/// set already). A derived value equals another module's fingerprint only by a 64-bit accident.
pub fn set_fingerprint(fingerprint: u64, set: u32) -> u64 {
    if set == 0 {
        fingerprint
    } else {
        // An odd multiplier is a bijection on u64, so distinct sets give distinct values.
        fingerprint ^ u64::from(set).wrapping_mul(0x9e37_79b9_7f4a_7c15)
    }
}

/// A commit in progress; see [`Checkpoints::begin`]. Dropping it without
/// [`finish`](Commit::finish) leaves the current checkpoint current.
#[derive(Debug)]
pub struct Commit<'a, S: Storage + ?Sized> {
    log: &'a mut Checkpoints,
    storage: &'a mut S,
    generation: u64,
    entries: Vec<Entry>,
}

impl<S: Storage + ?Sized> Commit<'_, S> {
    /// The generation this commit writes.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// Writes a part with new contents (a later `put` of the same part replaces it).
    pub fn put(
        &mut self,
        kind: Kind,
        index: u32,
        payload: &[u8],
    ) -> Result<(), OffloadError<S::Error>> {
        if kind == Kind::Manifest {
            return Err(OffloadError::ReservedKind(kind));
        }
        let slot = match self.log.current.as_ref().and_then(|m| m.entry(kind, index)) {
            Some(old) => 1 - old.slot,
            None => 0,
        };
        let key = self.log.part_key(kind, index, slot);
        let header = io::save(self.storage, &key, self.generation, payload)?;
        let entry = Entry {
            kind,
            index,
            slot,
            generation: self.generation,
            len: header.payload_len,
            crc: header.crc,
        };
        upsert(&mut self.entries, entry).map_err(|_| OffloadError::OutOfMemory)
    }

    /// Carries a part of the current checkpoint over unchanged, without rewriting it.
    pub fn keep(&mut self, kind: Kind, index: u32) -> Result<(), OffloadError<S::Error>> {
        let entry = *self
            .log
            .current
            .as_ref()
            .and_then(|m| m.entry(kind, index))
            .ok_or(OffloadError::NotInCheckpoint { kind, index })?;
        upsert(&mut self.entries, entry).map_err(|_| OffloadError::OutOfMemory)
    }

    /// Syncs the parts, writes the manifest and syncs it: the new checkpoint is current once
    /// this returns `Ok`. Returns its generation.
    pub fn finish(self) -> Result<u64, OffloadError<S::Error>> {
        self.storage.sync().map_err(OffloadError::Storage)?;
        let slot = self.log.current.as_ref().map_or(0, |m| 1 - m.slot);
        let payload = format::encode(&self.entries).map_err(|_| OffloadError::OutOfMemory)?;
        let key = self.log.manifest_key(slot);
        io::save(self.storage, &key, self.generation, &payload)?;
        self.storage.sync().map_err(OffloadError::Storage)?;
        self.log.current = Some(Manifest {
            generation: self.generation,
            slot,
            entries: self.entries,
        });
        Ok(self.generation)
    }
}

/// Commits `parts` (kind, index, payload) as the new checkpoint of set `set` of module
/// `fingerprint`, and returns its generation. Convenience for a one-off commit; a session that
/// commits repeatedly keeps a [`Checkpoints`] instead (it skips re-verifying the current
/// checkpoint and can [`keep`](Commit::keep) unchanged parts).
pub fn commit<S: Storage + ?Sized>(
    storage: &mut S,
    fingerprint: u64,
    set: u32,
    parts: &[(Kind, u32, &[u8])],
) -> Result<u64, OffloadError<S::Error>> {
    let mut log = Checkpoints::new(fingerprint, set);
    let mut tx = log.begin(storage)?;
    for &(kind, index, payload) in parts {
        tx.put(kind, index, payload)?;
    }
    tx.finish()
}

/// Loads the newest intact checkpoint of set `set` of module `fingerprint` and every part of
/// it, as (kind, index, payload) in manifest order. `Ok(None)` if there is no checkpoint at all.
#[allow(clippy::type_complexity)]
pub fn load_latest<S: Storage + ?Sized>(
    storage: &mut S,
    fingerprint: u64,
    set: u32,
) -> Result<Option<(u64, Vec<(Kind, u32, Vec<u8>)>)>, OffloadError<S::Error>> {
    let mut log = Checkpoints::new(fingerprint, set);
    let Some(manifest) = log.load_latest(storage)?.cloned() else {
        return Ok(None);
    };
    let mut parts = Vec::new();
    for entry in &manifest.entries {
        let mut buf = Vec::new();
        log.read_part(storage, entry.kind, entry.index, &mut buf)?;
        parts.push((entry.kind, entry.index, buf));
    }
    Ok(Some((manifest.generation, parts)))
}
