//! The payload of a checkpoint manifest: the list of parts a checkpoint consists of.
//!
//! Little-endian: a `u32` entry count, then per entry 24 bytes: kind code (`u16`), pair slot
//! (`u8`, 0 or 1), reserved (`u8`, 0), item index (`u32`), generation of the part's blob
//! (`u64`), payload length (`u32`) and CRC-32 of the part's blob (`u32`). Entries are sorted
//! by (kind, index) without duplicates; anything else is rejected.

use alloc::collections::TryReserveError;
use alloc::vec::Vec;

use super::key::Kind;

const ENTRY_LEN: usize = 24;

/// One part of a checkpoint, as its manifest records it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Entry {
    /// The part's kind.
    pub kind: Kind,
    /// The part's item index.
    pub index: u32,
    /// Which of the pair slots (0 or 1) holds the part's blob.
    pub slot: u8,
    /// The generation of the part's blob.
    pub generation: u64,
    /// The payload length of the part's blob.
    pub len: u32,
    /// The CRC-32 of the part's blob, which pins its exact contents.
    pub crc: u32,
}

/// A checkpoint: its generation, the pair slot its manifest is in, and its parts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Manifest {
    /// The checkpoint's generation: higher is newer.
    pub generation: u64,
    /// Which of the pair slots (0 or 1) holds the manifest.
    pub slot: u8,
    /// The parts, sorted by (kind, index).
    pub entries: Vec<Entry>,
}

impl Manifest {
    /// The entry of a part, if the checkpoint has it.
    pub fn entry(&self, kind: Kind, index: u32) -> Option<&Entry> {
        self.entries
            .binary_search_by_key(&(kind, index), |e| (e.kind, e.index))
            .ok()
            .and_then(|i| self.entries.get(i))
    }
}

/// Inserts or replaces an entry, keeping the list sorted.
pub(crate) fn upsert(entries: &mut Vec<Entry>, entry: Entry) -> Result<(), TryReserveError> {
    match entries.binary_search_by_key(&(entry.kind, entry.index), |e| (e.kind, e.index)) {
        Ok(i) => entries[i] = entry,
        Err(i) => {
            entries.try_reserve(1)?;
            entries.insert(i, entry);
        }
    }
    Ok(())
}

/// Encodes a sorted entry list as a manifest payload.
pub(crate) fn encode(entries: &[Entry]) -> Result<Vec<u8>, TryReserveError> {
    let mut out = Vec::new();
    out.try_reserve_exact(4 + ENTRY_LEN * entries.len())?;
    out.extend_from_slice(&(entries.len() as u32).to_le_bytes());
    for e in entries {
        out.extend_from_slice(&e.kind.code().to_le_bytes());
        out.push(e.slot);
        out.push(0);
        out.extend_from_slice(&e.index.to_le_bytes());
        out.extend_from_slice(&e.generation.to_le_bytes());
        out.extend_from_slice(&e.len.to_le_bytes());
        out.extend_from_slice(&e.crc.to_le_bytes());
    }
    Ok(out)
}

/// Decodes a manifest payload; `None` if it is malformed in any way.
pub(crate) fn decode(payload: &[u8]) -> Option<Vec<Entry>> {
    let (count, rest) = payload.split_first_chunk::<4>()?;
    let count = u32::from_le_bytes(*count) as usize;
    if rest.len() != count.checked_mul(ENTRY_LEN)? {
        return None;
    }
    let mut entries: Vec<Entry> = Vec::new();
    entries.try_reserve_exact(count).ok()?;
    for e in rest.chunks_exact(ENTRY_LEN) {
        let kind = Kind::from_code(u16::from_le_bytes([e[0], e[1]]))?;
        if e[2] > 1 || e[3] != 0 || kind == Kind::Manifest {
            return None;
        }
        let entry = Entry {
            kind,
            slot: e[2],
            index: u32::from_le_bytes([e[4], e[5], e[6], e[7]]),
            generation: u64::from_le_bytes([e[8], e[9], e[10], e[11], e[12], e[13], e[14], e[15]]),
            len: u32::from_le_bytes([e[16], e[17], e[18], e[19]]),
            crc: u32::from_le_bytes([e[20], e[21], e[22], e[23]]),
        };
        if entries
            .last()
            .is_some_and(|p| (p.kind, p.index) >= (entry.kind, entry.index))
        {
            return None;
        }
        entries.push(entry);
    }
    Some(entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(kind: Kind, index: u32) -> Entry {
        Entry {
            kind,
            index,
            slot: 1,
            generation: 9,
            len: 100,
            crc: 0xdead_beef,
        }
    }

    #[test]
    fn round_trip_and_sorted_upsert() {
        let mut entries = Vec::new();
        for (k, i) in [
            (Kind::Table, 0),
            (Kind::Memory, 1),
            (Kind::Memory, 0),
            (Kind::Globals, 0),
        ] {
            upsert(&mut entries, entry(k, i)).unwrap();
        }
        upsert(
            &mut entries,
            Entry {
                len: 7,
                ..entry(Kind::Memory, 1)
            },
        )
        .unwrap();
        assert_eq!(entries.len(), 4);
        let bytes = encode(&entries).unwrap();
        assert_eq!(bytes.len(), 4 + 4 * ENTRY_LEN);
        let decoded = decode(&bytes).unwrap();
        assert_eq!(decoded, entries);
        let m = Manifest {
            generation: 1,
            slot: 0,
            entries: decoded,
        };
        assert_eq!(m.entry(Kind::Memory, 1).unwrap().len, 7);
        assert!(m.entry(Kind::Code, 0).is_none());
    }

    #[test]
    fn malformed_payloads_are_rejected() {
        let good = encode(&[entry(Kind::Memory, 0), entry(Kind::Memory, 1)]).unwrap();
        assert!(decode(&good).is_some());
        for len in 0..good.len() {
            assert!(decode(&good[..len]).is_none());
        }
        let mut extra = good.clone();
        extra.push(0);
        assert!(decode(&extra).is_none());
        let mut count = good.clone();
        count[0..4].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(decode(&count).is_none());
        let mut slot = good.clone();
        slot[4 + 2] = 2;
        assert!(decode(&slot).is_none());
        let mut unsorted = good.clone();
        unsorted[4 + ENTRY_LEN + 4] = 0; // second entry's index becomes 0 again
        assert!(decode(&unsorted).is_none());
        let mut kind = good.clone();
        kind[4..6].copy_from_slice(&Kind::Manifest.code().to_le_bytes());
        assert!(decode(&kind).is_none());
    }
}
