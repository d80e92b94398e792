//! CRC-32 (IEEE 802.3, the one zlib and PNG use) of blobs, module-source blocks and the
//! firmware's card trailers.
//!
//! With `std`, [`Crc32`] is `crc32fast` (SIMD where the CPU has it). Without `std` (the
//! firmware) it is a byte-at-a-time loop over a 1 KiB table: `crc32fast`'s portable path
//! carries a 16 KiB table, 16 KB of flash on a chip where the CRCs it computes (a blob or
//! page being written to or read from an SD card, 512-byte source blocks) cost little next to
//! the card's I/O. Both give the same values (tested below).

/// A running CRC-32 (IEEE).
#[derive(Clone, Default)]
pub struct Crc32(Inner);

#[cfg(feature = "std")]
type Inner = crc32fast::Hasher;
#[cfg(not(feature = "std"))]
type Inner = Small;

impl Crc32 {
    /// A CRC over no bytes yet.
    pub fn new() -> Crc32 {
        Crc32(Inner::new())
    }

    /// Adds `bytes`.
    pub fn update(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }

    /// The CRC of everything added.
    pub fn finalize(self) -> u32 {
        self.0.finalize()
    }
}

/// The CRC-32 (IEEE) of `bytes`.
pub fn crc32(bytes: &[u8]) -> u32 {
    let mut c = Crc32::new();
    c.update(bytes);
    c.finalize()
}

/// The byte-at-a-time CRC-32 (reflected polynomial `0xedb88320`).
#[derive(Clone)]
#[cfg_attr(feature = "std", allow(dead_code))]
pub(crate) struct Small(u32);

impl Default for Small {
    fn default() -> Small {
        Small::new()
    }
}

/// The remainder of each byte value.
#[cfg_attr(feature = "std", allow(dead_code))]
const TABLE: [u32; 256] = {
    let mut t = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        let mut c = i as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 != 0 {
                0xedb8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
            k += 1;
        }
        t[i] = c;
        i += 1;
    }
    t
};

#[cfg_attr(feature = "std", allow(dead_code))]
impl Small {
    pub(crate) fn new() -> Small {
        Small(!0)
    }

    pub(crate) fn update(&mut self, bytes: &[u8]) {
        let mut c = self.0;
        for &b in bytes {
            c = TABLE[((c ^ u32::from(b)) & 0xff) as usize] ^ (c >> 8);
        }
        self.0 = c;
    }

    pub(crate) fn finalize(self) -> u32 {
        !self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_value() {
        assert_eq!(crc32(b"123456789"), 0xcbf4_3926);
        let mut s = Small::new();
        s.update(b"123456789");
        assert_eq!(s.finalize(), 0xcbf4_3926);
        assert_eq!(Small::new().finalize(), 0);
    }

    #[test]
    fn small_matches_crc32fast() {
        let data: alloc::vec::Vec<u8> = (0..5000u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect();
        for len in [0, 1, 3, 4, 15, 16, 17, 63, 512, 4096, 5000] {
            let bytes = &data[..len];
            let mut s = Small::new();
            // In two pieces, as blobs are checked (header, then payload).
            let cut = len / 3;
            s.update(&bytes[..cut]);
            s.update(&bytes[cut..]);
            assert_eq!(s.finalize(), crc32fast::hash(bytes), "length {len}");
            assert_eq!(crc32(bytes), crc32fast::hash(bytes), "length {len}");
        }
    }
}
