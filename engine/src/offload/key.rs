//! Names of stored blobs: what a blob is ([`Kind`]), which module and item it belongs to, and
//! which physical copy of it a storage holds ([`StorageSlot`]).

use core::fmt;

/// What a stored blob holds. The numeric code is part of the blob envelope and of file names,
/// so existing codes never change; a new kind takes a new code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(u16)]
#[non_exhaustive]
pub enum Kind {
    /// The microcode of one function; the item index is the function index.
    Code = 1,
    /// The whole contents of one linear memory; the item index is the memory index.
    Memory = 2,
    /// One page of a paged linear memory; the item index comes from [`Key::page_index`].
    MemoryPage = 3,
    /// A checkpoint manifest; the item index is the checkpoint set.
    Manifest = 4,
    /// The values of an instance's globals.
    Globals = 5,
    /// The contents of one table; the item index is the table index.
    Table = 6,
    /// Which data and element segments have been dropped.
    Segments = 7,
    /// Small metadata that goes with other blobs (sizes, limits, page maps).
    Meta = 8,
}

impl Kind {
    /// Every kind, in code order; `Kind::ALL[k.ordinal()] == k`.
    pub const ALL: [Kind; 8] = [
        Kind::Code,
        Kind::Memory,
        Kind::MemoryPage,
        Kind::Manifest,
        Kind::Globals,
        Kind::Table,
        Kind::Segments,
        Kind::Meta,
    ];

    /// The number of kinds, for per-kind arrays.
    pub const COUNT: usize = Kind::ALL.len();

    /// The kind's code as stored in the envelope.
    pub const fn code(self) -> u16 {
        self as u16
    }

    /// The kind with this code, if there is one.
    pub const fn from_code(code: u16) -> Option<Kind> {
        Some(match code {
            1 => Kind::Code,
            2 => Kind::Memory,
            3 => Kind::MemoryPage,
            4 => Kind::Manifest,
            5 => Kind::Globals,
            6 => Kind::Table,
            7 => Kind::Segments,
            8 => Kind::Meta,
            _ => return None,
        })
    }

    /// The kind's position in [`Kind::ALL`], for indexing per-kind arrays.
    pub const fn ordinal(self) -> usize {
        self as usize - 1
    }

    /// The lowercase letter that starts the file names of this kind.
    pub const fn letter(self) -> u8 {
        match self {
            Kind::Code => b'c',
            Kind::Memory => b'm',
            Kind::MemoryPage => b'p',
            Kind::Manifest => b'k',
            Kind::Globals => b'g',
            Kind::Table => b't',
            Kind::Segments => b's',
            Kind::Meta => b'x',
        }
    }
}

/// Which physical copy of an item a key names.
///
/// Most keys are [`StorageSlot::Single`]: the storage replaces the one copy atomically. The ring
/// adapter ([`super::Ring`]) spreads a hot key over `Ring(0)..Ring(n-1)`, and checkpoints
/// ([`super::commit`]) alternate between `Pair(0)` and `Pair(1)`. Because the slot is part
/// of the key, these protocols never collide with each other or with single keys.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum StorageSlot {
    /// The only copy, replaced atomically by the storage.
    Single,
    /// Copy `i` of a ring of slots.
    Ring(u8),
    /// Copy `i` (0 or 1) of a checkpoint's A/B pair.
    Pair(u8),
}

/// The name of one stored blob: its kind, the module it belongs to, the item within the
/// module, and the physical slot.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Key {
    /// What the blob holds.
    pub kind: Kind,
    /// The fingerprint of the module the blob came from ([`super::fingerprint`]).
    pub fingerprint: u64,
    /// The item within the module (function, memory, table index, page, checkpoint set).
    pub index: u32,
    /// Which physical copy this key names.
    pub slot: StorageSlot,
}

impl Key {
    /// The single-slot key of an item.
    pub const fn new(kind: Kind, fingerprint: u64, index: u32) -> Key {
        Key {
            kind,
            fingerprint,
            index,
            slot: StorageSlot::Single,
        }
    }

    /// The same item in another slot.
    pub const fn with_slot(self, slot: StorageSlot) -> Key {
        Key { slot, ..self }
    }

    /// Whether two keys name the same item, whatever their slots.
    pub fn same_item(&self, other: &Key) -> bool {
        self.kind == other.kind
            && self.fingerprint == other.fingerprint
            && self.index == other.index
    }

    /// Packs a memory index and a page number into a [`Kind::MemoryPage`] item index: the
    /// memory in the top 8 bits, the page in the low 24 bits. Returns `None` when either does
    /// not fit (more than 256 memories, or more than 2^24 pages, which is 64 GiB of 4 KiB
    /// pages).
    pub const fn page_index(memory: u32, page: u64) -> Option<u32> {
        if memory > 0xff || page > 0x00ff_ffff {
            return None;
        }
        Some(memory << 24 | page as u32)
    }

    /// A short, portable file name for this key: kind letter, fingerprint and index in hex,
    /// and an extension for the slot, for example `c-0123456789abcdef-0000002a.b`,
    /// `p-...-00000003.r2` or `k-...-00000000.p1`.
    pub fn file_name(&self) -> KeyName {
        let mut name = KeyName {
            buf: [0; KeyName::CAPACITY],
            len: 0,
        };
        name.push(self.kind.letter());
        name.push(b'-');
        name.push_hex(self.fingerprint, 16);
        name.push(b'-');
        name.push_hex(u64::from(self.index), 8);
        name.push(b'.');
        match self.slot {
            StorageSlot::Single => name.push(b'b'),
            StorageSlot::Ring(i) => {
                name.push(b'r');
                name.push_decimal(i);
            }
            StorageSlot::Pair(i) => {
                name.push(b'p');
                name.push_decimal(i);
            }
        }
        name
    }
}

/// A key's file name in a fixed buffer (no allocation); see [`Key::file_name`].
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct KeyName {
    buf: [u8; KeyName::CAPACITY],
    len: u8,
}

impl KeyName {
    const CAPACITY: usize = 40;

    fn push(&mut self, byte: u8) {
        if let Some(b) = self.buf.get_mut(usize::from(self.len)) {
            *b = byte;
            self.len += 1;
        }
    }

    fn push_hex(&mut self, value: u64, digits: u32) {
        for i in (0..digits).rev() {
            let nibble = (value >> (i * 4)) & 0xf;
            self.push(b"0123456789abcdef"[nibble as usize]);
        }
    }

    fn push_decimal(&mut self, value: u8) {
        if value >= 100 {
            self.push(b'0' + value / 100);
        }
        if value >= 10 {
            self.push(b'0' + value / 10 % 10);
        }
        self.push(b'0' + value % 10);
    }

    /// The name as a string slice (always ASCII).
    pub fn as_str(&self) -> &str {
        core::str::from_utf8(&self.buf[..usize::from(self.len)]).unwrap_or("")
    }
}

impl fmt::Display for KeyName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for KeyName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kind_codes_round_trip() {
        for (i, kind) in Kind::ALL.iter().enumerate() {
            assert_eq!(kind.ordinal(), i);
            assert_eq!(Kind::from_code(kind.code()), Some(*kind));
        }
        assert_eq!(Kind::from_code(0), None);
        assert_eq!(Kind::from_code(Kind::COUNT as u16 + 1), None);
    }

    #[test]
    fn file_names_are_short_and_distinct() {
        let key = Key::new(Kind::Code, 0x0123_4567_89ab_cdef, 42);
        assert_eq!(key.file_name().as_str(), "c-0123456789abcdef-0000002a.b");
        assert_eq!(
            key.with_slot(StorageSlot::Ring(2)).file_name().as_str(),
            "c-0123456789abcdef-0000002a.r2"
        );
        assert_eq!(
            key.with_slot(StorageSlot::Pair(1)).file_name().as_str(),
            "c-0123456789abcdef-0000002a.p1"
        );
        let long = Key::new(Kind::Meta, u64::MAX, u32::MAX).with_slot(StorageSlot::Ring(255));
        assert_eq!(
            long.file_name().as_str(),
            "x-ffffffffffffffff-ffffffff.r255"
        );
    }

    #[test]
    fn page_index_packs_and_rejects_overflow() {
        assert_eq!(Key::page_index(1, 2), Some(0x0100_0002));
        assert_eq!(Key::page_index(255, 0xff_ffff), Some(u32::MAX));
        assert_eq!(Key::page_index(256, 0), None);
        assert_eq!(Key::page_index(0, 1 << 24), None);
    }
}
