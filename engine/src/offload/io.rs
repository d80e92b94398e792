//! Saving and loading enveloped blobs through any [`Storage`].

use alloc::vec::Vec;

use super::blob::{self, Header, HEADER_LEN};
use super::error::OffloadError;
use super::key::Key;
use super::storage::Storage;

/// Wraps `payload` in an envelope for `key`'s item with `generation` and writes it under `key`.
/// The payload is not copied: the header and the payload go to the storage as two parts.
/// Returns the header written (its `crc` identifies this exact blob).
///
/// Every blob the engine writes (spilled code and memories, memory pages, checkpoint parts)
/// goes through here, so one failure is one error: a payload the envelope cannot hold
/// (longer than 4 GiB) is [`OffloadError::NotABlob`] with [`BlobError::TooLarge`], before
/// anything is written; a failed write is [`OffloadError::Storage`].
///
/// [`BlobError::TooLarge`]: super::BlobError::TooLarge
pub fn save<S: Storage + ?Sized>(
    storage: &mut S,
    key: &Key,
    generation: u64,
    payload: &[u8],
) -> Result<Header, OffloadError<S::Error>> {
    save_with(storage, key, generation, payload, true)
}

/// [`save`] for data that must survive a power cut once synced (`durable`, through
/// [`Storage::write`]) or cache data the caller can lose ([`Storage::write_cached`]).
pub fn save_with<S: Storage + ?Sized>(
    storage: &mut S,
    key: &Key,
    generation: u64,
    payload: &[u8],
    durable: bool,
) -> Result<Header, OffloadError<S::Error>> {
    let bytes = blob::encode_header(key, generation, payload)
        .map_err(|error| OffloadError::NotABlob { key: *key, error })?;
    let parts: [&[u8]; 2] = [&bytes, payload];
    if durable {
        storage.write(key, &parts)
    } else {
        storage.write_cached(key, &parts)
    }
    .map_err(OffloadError::Storage)?;
    let mut crc = [0u8; 4];
    crc.copy_from_slice(&bytes[HEADER_LEN - 4..]);
    Ok(Header {
        kind: key.kind,
        fingerprint: key.fingerprint,
        index: key.index,
        generation,
        // `encode_header` succeeded, so the length fits.
        payload_len: payload.len() as u32,
        crc: u32::from_le_bytes(crc),
    })
}

/// Reads the blob under `key`, checks it completely ([`blob::decode`]) and leaves only its
/// payload in `buf` (moved down in place, so no second buffer is needed). On error `buf` holds
/// unspecified bytes.
pub fn load<S: Storage + ?Sized>(
    storage: &mut S,
    key: &Key,
    buf: &mut Vec<u8>,
) -> Result<Header, OffloadError<S::Error>> {
    if !storage.read(key, buf).map_err(OffloadError::Storage)? {
        return Err(OffloadError::NotFound(*key));
    }
    let (header, _) =
        blob::decode(buf, key).map_err(|error| OffloadError::Blob { key: *key, error })?;
    buf.drain(..HEADER_LEN);
    Ok(header)
}

/// Like [`load`], and also requires the blob to carry exactly `generation`. Use it whenever
/// the caller knows which generation it last wrote: it is what turns a lost write (the storage
/// kept an older intact blob) into an [`OffloadError::Stale`] instead of old data.
pub fn load_generation<S: Storage + ?Sized>(
    storage: &mut S,
    key: &Key,
    generation: u64,
    buf: &mut Vec<u8>,
) -> Result<Header, OffloadError<S::Error>> {
    let header = load(storage, key, buf)?;
    if header.generation != generation {
        return Err(OffloadError::Stale {
            key: *key,
            expected: generation,
            found: Some(header.generation),
        });
    }
    Ok(header)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::offload::blob::BlobError;
    use crate::offload::{Kind, MemStorage};

    #[test]
    fn save_then_load() {
        let mut s = MemStorage::new();
        let k = Key::new(Kind::Memory, 77, 0);
        let written = save(&mut s, &k, 3, b"linear memory").unwrap();
        assert_eq!(
            s.get(&k).unwrap(),
            blob::encode(&k, 3, b"linear memory").unwrap().as_slice()
        );
        let mut buf = Vec::new();
        let read = load(&mut s, &k, &mut buf).unwrap();
        assert_eq!(read, written);
        assert_eq!(buf, b"linear memory");
        assert_eq!(load_generation(&mut s, &k, 3, &mut buf).unwrap(), written);
    }

    #[test]
    fn load_errors_are_typed() {
        let mut s = MemStorage::new();
        let k = Key::new(Kind::Memory, 77, 0);
        let mut buf = Vec::new();
        assert_eq!(load(&mut s, &k, &mut buf), Err(OffloadError::NotFound(k)));
        save(&mut s, &k, 3, b"x").unwrap();
        assert_eq!(
            load_generation(&mut s, &k, 4, &mut buf),
            Err(OffloadError::Stale {
                key: k,
                expected: 4,
                found: Some(3)
            })
        );
        let foreign = Key::new(Kind::Memory, 78, 0);
        s.write(&foreign, &[s.get(&k).unwrap().to_vec().as_slice()])
            .unwrap();
        assert_eq!(
            load(&mut s, &foreign, &mut buf),
            Err(OffloadError::Blob {
                key: foreign,
                error: BlobError::ForeignModule {
                    expected: 78,
                    found: 77
                }
            })
        );
    }

    /// A payload the envelope cannot state is refused before anything is written, with the
    /// write-side error (the same whichever caller saves: code, memories, checkpoints).
    #[test]
    #[cfg(target_pointer_width = "64")]
    fn oversized_payload_is_not_a_blob() {
        let mut s = MemStorage::new();
        let k = Key::new(Kind::Code, 77, 0);
        // Zeroed and never touched (the length is refused first), so the OS backs none of it.
        let huge = alloc::vec![0u8; 1 << 32];
        for durable in [true, false] {
            assert_eq!(
                save_with(&mut s, &k, 1, &huge, durable),
                Err(OffloadError::NotABlob {
                    key: k,
                    error: BlobError::TooLarge
                })
            );
        }
        assert!(s.get(&k).is_none());
    }
}
