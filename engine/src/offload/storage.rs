//! The storage trait the engine does all its offload I/O through, and an in-RAM storage.

use alloc::collections::BTreeMap;
use alloc::collections::TryReserveError;
use alloc::vec::Vec;
use core::fmt;

use super::key::Key;

/// A place to keep blobs by key: a directory of files, a FAT volume on an SD card, RAM.
///
/// The contract every implementation keeps:
///
/// - [`write`](Storage::write) replaces the blob under a key *atomically* for
///   [`StorageSlot::Single`](super::StorageSlot::Single) keys: after a power cut at any moment, a read returns
///   either the whole old blob or the whole new one. Keys in other slots belong to protocols
///   (the [ring](super::Ring), [checkpoints](super::checkpoint)) that never overwrite a copy they
///   may still need and that check every copy's CRC and generation, so a storage may write them
///   in place.
/// - A write is durable once [`sync`](Storage::sync) returns `Ok` after it (a storage may make
///   it durable earlier). Protocols sync before writing anything that refers to earlier writes.
/// - Errors are values; no call panics.
pub trait Storage {
    /// The storage's own error type, wrapped by [`OffloadError::Storage`](super::OffloadError).
    type Error: fmt::Debug;

    /// Reads the blob under `key` into `buf` (cleared first). Returns `Ok(false)`, with `buf`
    /// empty, when there is no such blob.
    fn read(&mut self, key: &Key, buf: &mut Vec<u8>) -> Result<bool, Self::Error>;

    /// Stores the concatenation of `parts` under `key`, replacing what was there. Taking the
    /// blob in parts lets a caller write an envelope header and a large payload (a whole
    /// linear memory) without first copying them into one buffer.
    fn write(&mut self, key: &Key, parts: &[&[u8]]) -> Result<(), Self::Error>;

    /// Like [`write`](Storage::write), for data the caller can afford to lose: a cache (the
    /// code cache's evicted microcode, pages and spills of a
    /// [`MemoryPolicy::Cache`](crate::MemoryPolicy) memory). The storage need not make it
    /// durable, now or at a later [`sync`](Storage::sync), and after a power cut the blob may
    /// be missing, old or torn; the caller checks every blob's envelope and generation when it
    /// reads it back and treats anything else as a miss. Concurrent readers in the same
    /// process still see the whole old or the whole new blob. The default is `write`.
    fn write_cached(&mut self, key: &Key, parts: &[&[u8]]) -> Result<(), Self::Error> {
        self.write(key, parts)
    }

    /// Removes the blob under `key`; removing a missing blob is not an error.
    fn remove(&mut self, key: &Key) -> Result<(), Self::Error>;

    /// Makes every earlier [`write`](Storage::write) and remove durable (not necessarily
    /// the [`write_cached`](Storage::write_cached) ones).
    fn sync(&mut self) -> Result<(), Self::Error> {
        Ok(())
    }

    /// Whether this storage keeps *regions*: one blob per key that is read and written in
    /// place at byte offsets ([`read_at`](Storage::read_at), [`write_at`](Storage::write_at)),
    /// like a preallocated file. A paged memory then keeps all its pages in fixed slots of one
    /// region (slot `p` for page `p`) instead of a blob per page: on a FAT card or a file
    /// system that is one file and no directory or allocation-table update per page write.
    /// The default is `false`; a storage that answers `true` implements the region methods
    /// natively (their defaults rewrite the whole blob).
    fn has_regions(&self) -> bool {
        false
    }

    /// Reads `buf.len()` bytes at `offset` of region `key`. `Ok(false)` when the region does
    /// not exist or ends before `offset + buf.len()` (nothing written there yet).
    fn read_at(&mut self, key: &Key, offset: u64, buf: &mut [u8]) -> Result<bool, Self::Error> {
        let mut all = Vec::new();
        if !self.read(key, &mut all)? {
            return Ok(false);
        }
        let Some(end) = offset.checked_add(buf.len() as u64) else {
            return Ok(false);
        };
        if end > all.len() as u64 {
            return Ok(false);
        }
        buf.copy_from_slice(&all[offset as usize..end as usize]);
        Ok(true)
    }

    /// Makes region `key` at least `len` bytes long (zeros where nothing was written; a
    /// longer region is left as it is), creating it, so that later
    /// [`write_at`](Storage::write_at)s inside it never grow it: a preallocated file, which on
    /// a FAT card means no cluster allocation or directory update per write. Not synced (a
    /// region's slots are checked when read). The default does nothing: the region grows as
    /// it is written.
    fn reserve(&mut self, key: &Key, len: u64) -> Result<(), Self::Error> {
        let _ = (key, len);
        Ok(())
    }

    /// Writes the concatenation of `parts` at `offset` of region `key`, creating the region
    /// and extending it (with zeros before `offset`) as needed; in place, not atomically
    /// (region data is enveloped slot by slot, so a torn slot is caught when it is read). With
    /// `sync` durable once this returns (as [`write`](Storage::write) then
    /// [`sync`](Storage::sync)), without it as [`write_cached`](Storage::write_cached).
    fn write_at(
        &mut self,
        key: &Key,
        offset: u64,
        parts: &[&[u8]],
        sync: bool,
    ) -> Result<(), Self::Error> {
        let mut all = Vec::new();
        self.read(key, &mut all)?;
        let start = offset as usize;
        let end = start.saturating_add(total_len(parts));
        if all.len() < end {
            all.resize(end, 0);
        }
        let mut at = start;
        for p in parts {
            all[at..at + p.len()].copy_from_slice(p);
            at += p.len();
        }
        if sync {
            self.write(key, &[&all])?;
            self.sync()
        } else {
            self.write_cached(key, &[&all])
        }
    }
}

impl<S: Storage + ?Sized> Storage for &mut S {
    type Error = S::Error;

    fn read(&mut self, key: &Key, buf: &mut Vec<u8>) -> Result<bool, Self::Error> {
        (**self).read(key, buf)
    }

    fn write(&mut self, key: &Key, parts: &[&[u8]]) -> Result<(), Self::Error> {
        (**self).write(key, parts)
    }

    fn write_cached(&mut self, key: &Key, parts: &[&[u8]]) -> Result<(), Self::Error> {
        (**self).write_cached(key, parts)
    }

    fn remove(&mut self, key: &Key) -> Result<(), Self::Error> {
        (**self).remove(key)
    }

    fn sync(&mut self) -> Result<(), Self::Error> {
        (**self).sync()
    }

    fn has_regions(&self) -> bool {
        (**self).has_regions()
    }

    fn read_at(&mut self, key: &Key, offset: u64, buf: &mut [u8]) -> Result<bool, Self::Error> {
        (**self).read_at(key, offset, buf)
    }

    fn reserve(&mut self, key: &Key, len: u64) -> Result<(), Self::Error> {
        (**self).reserve(key, len)
    }

    fn write_at(
        &mut self,
        key: &Key,
        offset: u64,
        parts: &[&[u8]],
        sync: bool,
    ) -> Result<(), Self::Error> {
        (**self).write_at(key, offset, parts, sync)
    }
}

/// Total length of a gather list, saturating (a list that long cannot be stored anyway).
pub(crate) fn total_len(parts: &[&[u8]]) -> usize {
    parts.iter().fold(0usize, |n, p| n.saturating_add(p.len()))
}

/// Concatenates a gather list into a new vector, reporting allocation failure as an error.
pub(crate) fn concat(parts: &[&[u8]]) -> Result<Vec<u8>, TryReserveError> {
    let mut v = Vec::new();
    v.try_reserve_exact(total_len(parts))?;
    for p in parts {
        v.extend_from_slice(p);
    }
    Ok(v)
}

/// A storage in RAM, for tests and for hosts that want offload semantics without a device.
/// Every write is immediately durable (until the value is dropped).
#[derive(Clone, Debug, Default)]
pub struct MemStorage {
    blobs: BTreeMap<Key, Vec<u8>>,
}

impl MemStorage {
    /// An empty storage.
    pub fn new() -> MemStorage {
        MemStorage::default()
    }

    /// The number of stored blobs.
    pub fn len(&self) -> usize {
        self.blobs.len()
    }

    /// Whether nothing is stored.
    pub fn is_empty(&self) -> bool {
        self.blobs.is_empty()
    }

    /// The stored bytes under `key`, if any.
    pub fn get(&self, key: &Key) -> Option<&[u8]> {
        self.blobs.get(key).map(Vec::as_slice)
    }

    /// Mutable access to the stored bytes under `key`, for corrupting them in tests.
    pub fn get_mut(&mut self, key: &Key) -> Option<&mut Vec<u8>> {
        self.blobs.get_mut(key)
    }

    /// Every stored key, in order.
    pub fn keys(&self) -> impl Iterator<Item = &Key> + '_ {
        self.blobs.keys()
    }
}

impl Storage for MemStorage {
    type Error = TryReserveError;

    fn read(&mut self, key: &Key, buf: &mut Vec<u8>) -> Result<bool, Self::Error> {
        buf.clear();
        match self.blobs.get(key) {
            Some(data) => {
                buf.try_reserve(data.len())?;
                buf.extend_from_slice(data);
                Ok(true)
            }
            None => Ok(false),
        }
    }

    fn write(&mut self, key: &Key, parts: &[&[u8]]) -> Result<(), Self::Error> {
        let data = concat(parts)?;
        self.blobs.insert(*key, data);
        Ok(())
    }

    fn remove(&mut self, key: &Key) -> Result<(), Self::Error> {
        self.blobs.remove(key);
        Ok(())
    }

    fn has_regions(&self) -> bool {
        true
    }

    fn read_at(&mut self, key: &Key, offset: u64, buf: &mut [u8]) -> Result<bool, Self::Error> {
        let Some(data) = self.blobs.get(key) else {
            return Ok(false);
        };
        match usize::try_from(offset)
            .ok()
            .and_then(|o| Some(o..o.checked_add(buf.len())?))
        {
            Some(r) if r.end <= data.len() => {
                buf.copy_from_slice(&data[r]);
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    fn reserve(&mut self, key: &Key, len: u64) -> Result<(), Self::Error> {
        let data = self.blobs.entry(*key).or_default();
        let len = usize::try_from(len).unwrap_or(usize::MAX);
        if data.len() < len {
            data.try_reserve(len - data.len())?;
            data.resize(len, 0);
        }
        Ok(())
    }

    fn write_at(
        &mut self,
        key: &Key,
        offset: u64,
        parts: &[&[u8]],
        _sync: bool,
    ) -> Result<(), Self::Error> {
        let data = self.blobs.entry(*key).or_default();
        let start = usize::try_from(offset).unwrap_or(usize::MAX);
        let end = start.saturating_add(total_len(parts));
        if data.len() < end {
            data.try_reserve(end - data.len())?;
            data.resize(end, 0);
        }
        let mut at = start;
        for p in parts {
            data[at..at + p.len()].copy_from_slice(p);
            at += p.len();
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::offload::{Kind, StorageSlot};

    #[test]
    fn mem_storage_round_trip() {
        let mut s = MemStorage::new();
        let k = Key::new(Kind::Code, 1, 2);
        let mut buf = Vec::from(*b"stale");
        assert!(!s.read(&k, &mut buf).unwrap());
        assert!(buf.is_empty());
        s.write(&k, &[b"head", b"", b"tail"]).unwrap();
        assert!(s.read(&k, &mut buf).unwrap());
        assert_eq!(buf, b"headtail");
        s.write(&k, &[b"new"]).unwrap();
        assert!(s.read(&k, &mut buf).unwrap());
        assert_eq!(buf, b"new");
        let other_slot = k.with_slot(StorageSlot::Ring(0));
        assert!(!s.read(&other_slot, &mut buf).unwrap());
        s.remove(&k).unwrap();
        s.remove(&k).unwrap();
        assert!(!s.read(&k, &mut buf).unwrap());
        assert!(s.is_empty());
    }
}
