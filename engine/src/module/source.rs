//! Module bytes that do not live in RAM: a [`ModuleSource`] (a file, a region of a
//! [`Storage`], a host's own reader) that the module reads again whenever it needs a piece
//! of its binary.
//!
//! [`Module::from_source`](super::Module::from_source) validates and decodes the module while
//! streaming it from the source once, holding one section (or one function body) at a time,
//! and keeps a CRC-32 of every [`BLOCK`]-byte block of what it validated (4 bytes per 512).
//! Afterwards function bodies (translation, re-translation after eviction, a trap's
//! backtrace), data segments (instantiation) and the `name` section are read back from the
//! source, whole blocks at a time, and checked against those CRCs: bytes that changed since
//! validation are a [`SourceError::Changed`], a source that got shorter a
//! [`SourceError::Truncated`], never wrong code.

use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;
use core::ops::Range;

use wasmparser::{Chunk, Parser, Payload, ValidPayload, Validator};

use crate::error::{Error, ModuleError};
use crate::offload::{Key, Storage};

/// Where a module's binary is read from when it is not held in RAM
/// ([`Module::from_source`](super::Module::from_source)). The module keeps the source for its
/// whole life and reads it again (a function body to translate, a data segment to
/// initialise), so its bytes must not change; a change is detected and reported, not run.
///
/// Implemented for [`std::fs::File`] and for a region of a [`Storage`] ([`StorageSource`]).
/// Calls on one module's source are serialised by the module.
pub trait ModuleSource: Send {
    /// The source's length in bytes.
    fn size(&mut self) -> Result<u64, SourceError>;

    /// Fills the whole of `buf` with the bytes at `offset`; a source that ends before
    /// `offset + buf.len()` is [`SourceError::Truncated`].
    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> Result<(), SourceError>;
}

/// A module's source could not give back the bytes that were validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceError {
    /// The source's own error (an I/O error, a storage error), as text.
    Io(String),
    /// The source ends before the bytes wanted at `offset`.
    Truncated {
        /// Where the read started.
        offset: u64,
    },
    /// The bytes read back differ from those validated (the block at `offset` no longer
    /// has the CRC-32 it had).
    Changed {
        /// The start of the block that changed.
        offset: u64,
    },
    /// Another read of the same source is in progress (only without `std`, where reads
    /// are not queued behind a lock: a reentrant read from the source's own code).
    Busy,
    /// The source is larger than this machine can address.
    TooLarge,
}

impl fmt::Display for SourceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SourceError::Io(m) => write!(f, "module source: {m}"),
            SourceError::Truncated { offset } => {
                write!(f, "module source: ends before the bytes at {offset:#x}")
            }
            SourceError::Changed { offset } => write!(
                f,
                "module source: the bytes at {offset:#x} changed since the module was validated"
            ),
            SourceError::Busy => f.write_str("module source: already in use"),
            SourceError::TooLarge => f.write_str("module source: too large"),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for SourceError {}

impl From<SourceError> for Error {
    fn from(e: SourceError) -> Error {
        Error::Source(e)
    }
}

/// A failed read while translating: a translation error at the body's offset.
impl From<SourceError> for ModuleError {
    fn from(e: SourceError) -> ModuleError {
        let offset = match e {
            SourceError::Truncated { offset } | SourceError::Changed { offset } => offset as usize,
            _ => 0,
        };
        ModuleError {
            offset,
            message: alloc::format!("{e}"),
        }
    }
}

#[cfg(feature = "std")]
impl ModuleSource for std::fs::File {
    fn size(&mut self) -> Result<u64, SourceError> {
        self.metadata()
            .map(|m| m.len())
            .map_err(|e| SourceError::Io(alloc::format!("{e}")))
    }

    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> Result<(), SourceError> {
        use std::io::{Read, Seek, SeekFrom};
        let io = |e: std::io::Error| match e.kind() {
            std::io::ErrorKind::UnexpectedEof => SourceError::Truncated { offset },
            _ => SourceError::Io(alloc::format!("{e}")),
        };
        self.seek(SeekFrom::Start(offset)).map_err(io)?;
        self.read_exact(buf).map_err(io)
    }
}

/// A module stored as a region of a [`Storage`] (written with
/// [`Storage::write_at`](Storage::write_at) or as a blob under `key`), read back in place with
/// [`Storage::read_at`](Storage::read_at): on a storage with regions (`MemStorage`,
/// `FileStorage`, a card) that reads only the bytes asked for.
#[derive(Debug)]
pub struct StorageSource<S> {
    storage: S,
    key: Key,
    len: u64,
}

impl<S: Storage + Send> StorageSource<S> {
    /// The `len` bytes of region `key` of `storage` (a storage does not record lengths).
    pub fn new(storage: S, key: Key, len: u64) -> StorageSource<S> {
        StorageSource { storage, key, len }
    }
}

impl<S: Storage + Send> ModuleSource for StorageSource<S> {
    fn size(&mut self) -> Result<u64, SourceError> {
        Ok(self.len)
    }

    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> Result<(), SourceError> {
        match self.storage.read_at(&self.key, offset, buf) {
            Ok(true) => Ok(()),
            Ok(false) => Err(SourceError::Truncated { offset }),
            Err(e) => Err(SourceError::Io(alloc::format!("{e:?}"))),
        }
    }
}

/// The CRC-32 granule: a read back reads and checks whole blocks (an SD card's sector).
pub(crate) const BLOCK: usize = 512;

/// How much the streaming pass reads at a time, and the largest piece of a data segment
/// held at once while instantiating.
const CHUNK: usize = 4096;

/// The source, serialised: with `std` behind a mutex; without it, a try-lock (no thread
/// to wait for on a single-threaded device: contention is a reentrant read, [`SourceError::Busy`]).
#[cfg(feature = "std")]
struct Lock(std::sync::Mutex<Box<dyn ModuleSource>>);

#[cfg(feature = "std")]
impl Lock {
    fn new(source: Box<dyn ModuleSource>) -> Lock {
        Lock(std::sync::Mutex::new(source))
    }

    fn with<R>(
        &self,
        f: impl FnOnce(&mut dyn ModuleSource) -> Result<R, SourceError>,
    ) -> Result<R, SourceError> {
        // A panic in another reader left the source as it was: reading it again is fine.
        let mut guard = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        f(&mut **guard)
    }
}

#[cfg(not(feature = "std"))]
struct Lock {
    busy: core::sync::atomic::AtomicBool,
    source: core::cell::UnsafeCell<Box<dyn ModuleSource>>,
}

// SAFETY: `source` is only reached through `Lock::with`, which holds `busy` (taken with an
// acquire compare-exchange, released with a release store) for as long as the `&mut` lives,
// so at most one thread uses the source at a time (ARCHITECTURE.md, invariant "a module
// source is used by one reader at a time"); the source itself is `Send`.
#[cfg(not(feature = "std"))]
unsafe impl Sync for Lock {}

#[cfg(not(feature = "std"))]
impl Lock {
    fn new(source: Box<dyn ModuleSource>) -> Lock {
        Lock {
            busy: core::sync::atomic::AtomicBool::new(false),
            source: core::cell::UnsafeCell::new(source),
        }
    }

    fn with<R>(
        &self,
        f: impl FnOnce(&mut dyn ModuleSource) -> Result<R, SourceError>,
    ) -> Result<R, SourceError> {
        use core::sync::atomic::Ordering;
        if self
            .busy
            .compare_exchange(false, true, Ordering::Acquire, Ordering::Relaxed)
            .is_err()
        {
            return Err(SourceError::Busy);
        }
        // SAFETY: `busy` was false and is now ours: no other `&mut` to the source exists
        // until the store below (see the `Sync` impl).
        let r = f(unsafe { &mut **self.source.get() });
        self.busy.store(false, Ordering::Release);
        r
    }
}

/// A module's source and what is needed to check what is read back from it.
pub(crate) struct Source {
    reader: Lock,
    /// The length validated.
    len: usize,
    /// The CRC-32 of each [`BLOCK`]-byte block of the validated bytes (the last one may be
    /// shorter).
    sums: Box<[u32]>,
}

impl fmt::Debug for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Source")
            .field("len", &self.len)
            .field("blocks", &self.sums.len())
            .finish_non_exhaustive()
    }
}

impl Source {
    /// The bytes of `range`, read from the source and checked block by block.
    pub(crate) fn read(&self, range: Range<usize>) -> Result<Vec<u8>, SourceError> {
        if range.start > range.end || range.end > self.len {
            return Err(SourceError::Truncated {
                offset: range.start as u64,
            });
        }
        if range.is_empty() {
            return Ok(Vec::new());
        }
        let first = range.start / BLOCK;
        let start = first * BLOCK;
        let end = range
            .end
            .div_ceil(BLOCK)
            .saturating_mul(BLOCK)
            .min(self.len);
        let mut buf = alloc::vec![0u8; end - start];
        self.reader.with(|r| r.read_at(start as u64, &mut buf))?;
        for (i, block) in buf.chunks(BLOCK).enumerate() {
            if crc32fast::hash(block) != self.sums[first + i] {
                return Err(SourceError::Changed {
                    offset: (start + i * BLOCK) as u64,
                });
            }
        }
        buf.copy_within(range.start - start..range.end - start, 0);
        buf.truncate(range.len());
        Ok(buf)
    }

    /// Calls `f` with consecutive pieces of `range` (each read and checked, at most
    /// [`CHUNK`] bytes, RAM for one piece at a time) and the offset of each in `range`.
    pub(crate) fn for_each_piece<E: From<SourceError>>(
        &self,
        range: Range<usize>,
        mut f: impl FnMut(usize, &[u8]) -> Result<(), E>,
    ) -> Result<(), E> {
        let mut at = range.start;
        while at < range.end {
            // Pieces end on CHUNK boundaries, so no block is read twice.
            let end = ((at / CHUNK + 1) * CHUNK).min(range.end);
            let piece = self.read(at..end)?;
            f(at - range.start, &piece)?;
            at = end;
        }
        Ok(())
    }

    /// The bytes this holds in RAM (for [`Module::owned_bytes`](super::Module::owned_bytes)).
    pub(crate) fn owned_bytes(&self) -> usize {
        core::mem::size_of::<Source>() + self.sums.len() * 4
    }
}

/// Validates and decodes the module in `source`, reading it once, front to back: RAM holds
/// one section, or one function body, at a time (plus [`CHUNK`]).
pub(crate) fn load(
    engine: &crate::config::Engine,
    mut source: Box<dyn ModuleSource>,
) -> Result<super::ModuleInner, Error> {
    let len = usize::try_from(source.size()?).map_err(|_| SourceError::TooLarge)?;
    let mut validator = Validator::new_with_features(engine.config.features());
    let mut parser = Parser::new(0);
    let mut m = super::ModuleInner::empty();
    let mut allocs = wasmparser::FuncValidatorAllocations::default();
    let mut buf: Vec<u8> = Vec::new();
    let mut sums: Vec<u32> = Vec::with_capacity(len.div_ceil(BLOCK));
    let mut block = crc32fast::Hasher::new();
    let mut in_block = 0;
    let mut fingerprint = crate::offload::blob::FINGERPRINT_START;
    let mut read = 0;
    loop {
        let eof = read == len;
        let (payload, consumed) = match parser.parse(&buf, eof).map_err(ModuleError::from)? {
            Chunk::NeedMoreData(hint) => {
                // The parser errs at the end of its input rather than asking for more.
                let want = hint.max(CHUNK).min(len - read);
                let at = buf.len();
                buf.resize(at + want, 0);
                source.read_at(read as u64, &mut buf[at..])?;
                let new = &buf[at..];
                fingerprint = crate::offload::blob::fingerprint_continue(fingerprint, new);
                let mut rest = new;
                while !rest.is_empty() {
                    let n = rest.len().min(BLOCK - in_block);
                    block.update(&rest[..n]);
                    in_block += n;
                    rest = &rest[n..];
                    if in_block == BLOCK {
                        sums.push(core::mem::take(&mut block).finalize());
                        in_block = 0;
                    }
                }
                read += want;
                continue;
            }
            Chunk::Parsed { consumed, payload } => (payload, consumed),
        };
        match validator.payload(&payload).map_err(ModuleError::from)? {
            ValidPayload::Func(func, body) => {
                let mut v = func.into_validator(core::mem::take(&mut allocs));
                v.validate(&body).map_err(ModuleError::from)?;
                allocs = v.into_allocations();
            }
            ValidPayload::End(_) => {}
            _ => {}
        }
        let end = matches!(payload, Payload::End(_));
        super::decode_payload(&mut m, payload)?;
        buf.drain(..consumed);
        if end {
            break;
        }
        // A large section was held whole: give its room back.
        if buf.capacity() > 4 * CHUNK && buf.len() <= CHUNK {
            buf.shrink_to(2 * CHUNK);
        }
    }
    if in_block > 0 {
        sums.push(block.finalize());
    }
    m.fingerprint = fingerprint;
    m.metering = engine.config.metering;
    m.bytes = super::ModuleBytes::Source(alloc::sync::Arc::new(Source {
        reader: Lock::new(source),
        len,
        sums: sums.into_boxed_slice(),
    }));
    Ok(m)
}
