//! The envelope every stored blob is wrapped in, and the module fingerprint.
//!
//! The layout is documented field by field in `docs/spill-format.md`. In short, a 36-byte
//! little-endian header (magic, format version, kind, module fingerprint, item index, payload
//! length, generation, CRC-32) followed by the payload. The CRC-32 (IEEE) covers the first 32
//! header bytes and the payload. Encoding is explicit, byte by byte; nothing is transmuted.

use alloc::vec::Vec;
use core::fmt;

use super::key::{Key, Kind};

/// The four bytes every blob starts with.
pub const MAGIC: [u8; 4] = *b"FYSM";
/// The envelope format version this code writes and reads.
pub const VERSION: u16 = 1;
/// The size of the header in bytes; the payload starts here.
pub const HEADER_LEN: usize = 36;

/// Offset of the CRC field; the CRC covers `bytes[..CRC_OFFSET]` and the payload.
const CRC_OFFSET: usize = 32;

/// The decoded header of a blob.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Header {
    /// What the blob holds.
    pub kind: Kind,
    /// The fingerprint of the module the blob belongs to.
    pub fingerprint: u64,
    /// The item within the module.
    pub index: u32,
    /// The generation: higher is newer for the same item.
    pub generation: u64,
    /// The payload length in bytes.
    pub payload_len: u32,
    /// The CRC-32 stored in the blob (over the header before it and the payload).
    pub crc: u32,
}

impl Header {
    /// The single-slot key of the item this blob belongs to.
    pub fn key(&self) -> Key {
        Key::new(self.kind, self.fingerprint, self.index)
    }
}

/// Why a blob was rejected. The checks run in the order of the variants below: structure
/// (length, magic, version), then integrity (CRC), then identity (kind, module, item), so an
/// identity error always describes a blob that is intact but belongs elsewhere.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BlobError {
    /// The bytes end before the header or before the payload the header announces.
    Truncated {
        /// How many bytes there are.
        len: usize,
        /// How many the header (or the header alone) needs.
        needed: u64,
    },
    /// The first four bytes are not [`MAGIC`].
    BadMagic,
    /// The blob was written by another envelope format version.
    UnsupportedVersion(u16),
    /// There are more bytes than the header and its payload length account for.
    LengthMismatch {
        /// The payload length the header states.
        stated: u32,
        /// The payload bytes actually present.
        actual: usize,
    },
    /// The CRC-32 does not match the contents.
    BadChecksum {
        /// The CRC stored in the blob.
        stored: u32,
        /// The CRC computed over the blob.
        computed: u32,
    },
    /// The kind code is not one this version knows.
    UnknownKind(u16),
    /// The blob holds another kind of item than asked for.
    WrongKind {
        /// The kind asked for.
        expected: Kind,
        /// The kind in the blob.
        found: Kind,
    },
    /// The blob belongs to another module (or another version of it).
    ForeignModule {
        /// The fingerprint asked for.
        expected: u64,
        /// The fingerprint in the blob.
        found: u64,
    },
    /// The blob holds another item of the same kind and module.
    WrongItem {
        /// The index asked for.
        expected: u32,
        /// The index in the blob.
        found: u32,
    },
    /// The payload is longer than the 32-bit length field can state.
    TooLarge,
}

impl fmt::Display for BlobError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            BlobError::Truncated { len, needed } => {
                write!(f, "blob truncated: {len} bytes, {needed} needed")
            }
            BlobError::BadMagic => f.write_str("not a fayasm blob (bad magic)"),
            BlobError::UnsupportedVersion(v) => {
                write!(
                    f,
                    "blob format version {v} is not supported (expected {VERSION})"
                )
            }
            BlobError::LengthMismatch { stated, actual } => {
                write!(
                    f,
                    "blob payload length mismatch: header says {stated}, found {actual}"
                )
            }
            BlobError::BadChecksum { stored, computed } => write!(
                f,
                "blob checksum mismatch: stored {stored:#010x}, computed {computed:#010x}"
            ),
            BlobError::UnknownKind(code) => write!(f, "unknown blob kind code {code}"),
            BlobError::WrongKind { expected, found } => {
                write!(f, "wrong blob kind: expected {expected:?}, found {found:?}")
            }
            BlobError::ForeignModule { expected, found } => write!(
                f,
                "blob belongs to another module: expected {expected:#018x}, found {found:#018x}"
            ),
            BlobError::WrongItem { expected, found } => {
                write!(
                    f,
                    "wrong blob item: expected index {expected}, found {found}"
                )
            }
            BlobError::TooLarge => f.write_str("blob payload longer than 4 GiB"),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for BlobError {}

/// The 64-bit fingerprint of a module's bytes (FNV-1a 64), which ties every blob to the exact
/// module it came from. It detects accidental mismatches (another module, another build of
/// it); it is not a cryptographic hash, so it does not stand against a deliberate collision.
pub fn fingerprint(bytes: &[u8]) -> u64 {
    fingerprint_continue(FINGERPRINT_START, bytes)
}

/// The fingerprint of no bytes: where [`fingerprint_continue`] starts.
pub(crate) const FINGERPRINT_START: u64 = 0xcbf2_9ce4_8422_2325;

/// The fingerprint of `earlier` followed by `bytes`, given `hash`, the fingerprint of
/// `earlier` (a module read in pieces, `module::source`).
pub(crate) fn fingerprint_continue(hash: u64, bytes: &[u8]) -> u64 {
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    bytes
        .iter()
        .fold(hash, |hash, &b| (hash ^ u64::from(b)).wrapping_mul(PRIME))
}

/// Encodes the header of a blob for `key`'s item with the given generation and payload, CRC
/// included. Writing the header followed by the payload yields the same bytes as [`encode`],
/// without copying the payload (see [`super::Storage::write`]'s gather form).
pub fn encode_header(
    key: &Key,
    generation: u64,
    payload: &[u8],
) -> Result<[u8; HEADER_LEN], BlobError> {
    let payload_len = u32::try_from(payload.len()).map_err(|_| BlobError::TooLarge)?;
    let mut h = [0u8; HEADER_LEN];
    h[0..4].copy_from_slice(&MAGIC);
    h[4..6].copy_from_slice(&VERSION.to_le_bytes());
    h[6..8].copy_from_slice(&key.kind.code().to_le_bytes());
    h[8..16].copy_from_slice(&key.fingerprint.to_le_bytes());
    h[16..20].copy_from_slice(&key.index.to_le_bytes());
    h[20..24].copy_from_slice(&payload_len.to_le_bytes());
    h[24..32].copy_from_slice(&generation.to_le_bytes());
    let crc = checksum(&h[..CRC_OFFSET], payload);
    h[CRC_OFFSET..HEADER_LEN].copy_from_slice(&crc.to_le_bytes());
    Ok(h)
}

/// Encodes a whole blob (header and payload) into a new vector.
pub fn encode(key: &Key, generation: u64, payload: &[u8]) -> Result<Vec<u8>, BlobError> {
    let header = encode_header(key, generation, payload)?;
    let mut out = Vec::with_capacity(HEADER_LEN + payload.len());
    out.extend_from_slice(&header);
    out.extend_from_slice(payload);
    Ok(out)
}

/// Checks a blob's structure and CRC without asking what it should be, and returns its header
/// and payload. Storage layers use this to pick the newest intact copy; loaders use [`decode`].
pub fn peek(bytes: &[u8]) -> Result<(Header, &[u8]), BlobError> {
    let header = peek_parts(&[bytes])?;
    Ok((header, &bytes[HEADER_LEN..]))
}

/// Like [`peek`], for a blob given as a gather list (as [`super::Storage::write`] receives
/// it), without concatenating it.
pub fn peek_parts(parts: &[&[u8]]) -> Result<Header, BlobError> {
    let total = parts
        .iter()
        .fold(0u64, |n, p| n.saturating_add(p.len() as u64));
    let mut h = [0u8; HEADER_LEN];
    let mut filled = 0;
    let mut rest = parts.iter().copied();
    let mut payload_head: &[u8] = &[];
    while filled < HEADER_LEN {
        let Some(part) = rest.next() else {
            return Err(BlobError::Truncated {
                len: filled,
                needed: HEADER_LEN as u64,
            });
        };
        let take = part.len().min(HEADER_LEN - filled);
        h[filled..filled + take].copy_from_slice(&part[..take]);
        filled += take;
        payload_head = &part[take..];
    }
    if h[0..4] != MAGIC {
        return Err(BlobError::BadMagic);
    }
    let version = u16::from_le_bytes([h[4], h[5]]);
    if version != VERSION {
        return Err(BlobError::UnsupportedVersion(version));
    }
    let payload_len = le_u32(&h[20..24]);
    let present = total - HEADER_LEN as u64;
    if present < u64::from(payload_len) {
        return Err(BlobError::Truncated {
            len: usize::try_from(total).unwrap_or(usize::MAX),
            needed: HEADER_LEN as u64 + u64::from(payload_len),
        });
    }
    if present > u64::from(payload_len) {
        return Err(BlobError::LengthMismatch {
            stated: payload_len,
            actual: usize::try_from(present).unwrap_or(usize::MAX),
        });
    }
    let stored = le_u32(&h[CRC_OFFSET..HEADER_LEN]);
    let mut hasher = super::Crc32::new();
    hasher.update(&h[..CRC_OFFSET]);
    hasher.update(payload_head);
    rest.for_each(|p| hasher.update(p));
    let computed = hasher.finalize();
    if stored != computed {
        return Err(BlobError::BadChecksum { stored, computed });
    }
    let code = u16::from_le_bytes([h[6], h[7]]);
    let kind = Kind::from_code(code).ok_or(BlobError::UnknownKind(code))?;
    Ok(Header {
        kind,
        fingerprint: le_u64(&h[8..16]),
        index: le_u32(&h[16..20]),
        generation: le_u64(&h[24..32]),
        payload_len,
        crc: stored,
    })
}

/// Checks a blob completely: structure, CRC, and that it holds `expected`'s kind, module and
/// item (the slot is not stored in blobs and is ignored). Returns the header and the payload.
pub fn decode<'a>(bytes: &'a [u8], expected: &Key) -> Result<(Header, &'a [u8]), BlobError> {
    let (header, payload) = peek(bytes)?;
    check_identity(&header, expected)?;
    Ok((header, payload))
}

/// Checks that an intact header belongs to `expected`'s item.
pub fn check_identity(header: &Header, expected: &Key) -> Result<(), BlobError> {
    if header.kind != expected.kind {
        return Err(BlobError::WrongKind {
            expected: expected.kind,
            found: header.kind,
        });
    }
    if header.fingerprint != expected.fingerprint {
        return Err(BlobError::ForeignModule {
            expected: expected.fingerprint,
            found: header.fingerprint,
        });
    }
    if header.index != expected.index {
        return Err(BlobError::WrongItem {
            expected: expected.index,
            found: header.index,
        });
    }
    Ok(())
}

fn checksum(header: &[u8], payload: &[u8]) -> u32 {
    let mut hasher = super::Crc32::new();
    hasher.update(header);
    hasher.update(payload);
    hasher.finalize()
}

fn le_u32(b: &[u8]) -> u32 {
    let mut a = [0u8; 4];
    a.copy_from_slice(b);
    u32::from_le_bytes(a)
}

fn le_u64(b: &[u8]) -> u64 {
    let mut a = [0u8; 8];
    a.copy_from_slice(b);
    u64::from_le_bytes(a)
}

#[cfg(test)]
mod tests {
    use super::*;

    const FP: u64 = 0x1122_3344_5566_7788;

    fn key() -> Key {
        Key::new(Kind::Code, FP, 7)
    }

    #[test]
    fn round_trip() {
        let payload = b"microcode bytes";
        let bytes = encode(&key(), 9, payload).unwrap();
        assert_eq!(bytes.len(), HEADER_LEN + payload.len());
        let (h, p) = decode(&bytes, &key()).unwrap();
        assert_eq!(p, payload);
        assert_eq!(
            (h.kind, h.fingerprint, h.index, h.generation),
            (Kind::Code, FP, 7, 9)
        );
        assert_eq!(h.payload_len as usize, payload.len());
        assert_eq!(h.key(), key());
        let empty = encode(&key(), 0, &[]).unwrap();
        assert_eq!(decode(&empty, &key()).unwrap().1, &[] as &[u8]);
    }

    #[test]
    fn layout_is_fixed() {
        let bytes = encode(
            &Key::new(Kind::Memory, 0x0102_0304_0506_0708, 0x0a0b_0c0d),
            0x1f,
            b"xy",
        )
        .unwrap();
        assert_eq!(&bytes[0..4], b"FYSM");
        assert_eq!(&bytes[4..6], &[1, 0]);
        assert_eq!(&bytes[6..8], &[2, 0]);
        assert_eq!(&bytes[8..16], &[8, 7, 6, 5, 4, 3, 2, 1]);
        assert_eq!(&bytes[16..20], &[0x0d, 0x0c, 0x0b, 0x0a]);
        assert_eq!(&bytes[20..24], &[2, 0, 0, 0]);
        assert_eq!(&bytes[24..32], &[0x1f, 0, 0, 0, 0, 0, 0, 0]);
        let mut h = crc32fast::Hasher::new();
        h.update(&bytes[..32]);
        h.update(b"xy");
        assert_eq!(&bytes[32..36], &h.finalize().to_le_bytes());
        assert_eq!(&bytes[36..], b"xy");
    }

    #[test]
    fn crc_is_ieee() {
        let mut h = crc32fast::Hasher::new();
        h.update(b"123456789");
        assert_eq!(h.finalize(), 0xcbf4_3926);
    }

    #[test]
    fn fingerprint_is_fnv1a_64() {
        assert_eq!(fingerprint(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fingerprint(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fingerprint(b"foobar"), 0x8594_4171_f739_67e8);
    }

    #[test]
    fn typed_rejections() {
        let good = encode(&key(), 1, b"payload").unwrap();
        let reject = |bytes: &[u8], expected: &Key| decode(bytes, expected).unwrap_err();

        let mut b = good.clone();
        b[0] = b'X';
        assert_eq!(reject(&b, &key()), BlobError::BadMagic);

        let mut b = good.clone();
        b[4] = 2;
        assert_eq!(reject(&b, &key()), BlobError::UnsupportedVersion(2));

        assert!(matches!(
            reject(&good[..10], &key()),
            BlobError::Truncated { len: 10, .. }
        ));
        assert!(matches!(
            reject(&good[..good.len() - 1], &key()),
            BlobError::Truncated { .. }
        ));
        let mut b = good.clone();
        b.push(0);
        assert_eq!(
            reject(&b, &key()),
            BlobError::LengthMismatch {
                stated: 7,
                actual: 8
            }
        );

        let mut b = good.clone();
        b[HEADER_LEN] ^= 1;
        assert!(matches!(reject(&b, &key()), BlobError::BadChecksum { .. }));

        let other_kind = Key::new(Kind::Memory, FP, 7);
        assert_eq!(
            reject(&good, &other_kind),
            BlobError::WrongKind {
                expected: Kind::Memory,
                found: Kind::Code
            }
        );
        assert_eq!(
            reject(&good, &Key::new(Kind::Code, 5, 7)),
            BlobError::ForeignModule {
                expected: 5,
                found: FP
            }
        );
        assert_eq!(
            reject(&good, &Key::new(Kind::Code, FP, 8)),
            BlobError::WrongItem {
                expected: 8,
                found: 7
            }
        );
    }

    #[test]
    fn unknown_kind_with_valid_crc_is_rejected() {
        let mut b = encode(&key(), 1, b"p").unwrap();
        b[6..8].copy_from_slice(&999u16.to_le_bytes());
        let crc = checksum(&b[..CRC_OFFSET], &b[HEADER_LEN..]);
        b[CRC_OFFSET..HEADER_LEN].copy_from_slice(&crc.to_le_bytes());
        assert_eq!(decode(&b, &key()).unwrap_err(), BlobError::UnknownKind(999));
    }

    /// Every single-bit flip in every byte of blobs of every kind is rejected. (CRC-32 detects
    /// all 1- and 2-bit errors and all burst errors up to 32 bits; the structural checks catch
    /// flips in the magic, version and length before the CRC is consulted.)
    #[test]
    fn every_bit_flip_is_rejected() {
        let mut flips = 0;
        for kind in Kind::ALL {
            let k = Key::new(kind, FP, 3);
            let payload: Vec<u8> = (0..40u8).map(|i| i.wrapping_mul(37)).collect();
            let good = encode(&k, 12, &payload).unwrap();
            for byte in 0..good.len() {
                for bit in 0..8 {
                    let mut b = good.clone();
                    b[byte] ^= 1 << bit;
                    assert!(
                        decode(&b, &k).is_err(),
                        "{kind:?} flip at byte {byte} bit {bit} accepted"
                    );
                    flips += 1;
                }
            }
        }
        assert_eq!(flips, Kind::COUNT * (HEADER_LEN + 40) * 8);
    }

    #[test]
    fn peek_parts_matches_peek_for_any_split() {
        let good = encode(&key(), 5, b"split me anywhere").unwrap();
        let whole = peek(&good).unwrap().0;
        for a in 0..=good.len() {
            for b in a..=good.len() {
                assert_eq!(
                    peek_parts(&[&good[..a], &good[a..b], &good[b..]]),
                    Ok(whole)
                );
            }
        }
        let mut bad = good.clone();
        bad[40] ^= 4;
        assert!(matches!(
            peek_parts(&[&bad[..3], &bad[3..]]),
            Err(BlobError::BadChecksum { .. })
        ));
        assert!(matches!(
            peek_parts(&[&good[..20]]),
            Err(BlobError::Truncated { len: 20, .. })
        ));
    }

    #[test]
    fn every_truncation_is_rejected() {
        let good = encode(&key(), 1, &[0xa5; 50]).unwrap();
        for len in 0..good.len() {
            assert!(matches!(
                decode(&good[..len], &key()),
                Err(BlobError::Truncated { .. })
            ));
        }
    }
}
