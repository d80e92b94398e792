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

pub use crate::error::SourceError;

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

/// A data segment that cannot be read back at `memory.init`: its bytes are unavailable.
impl From<SourceError> for crate::error::Trap {
    fn from(e: SourceError) -> crate::error::Trap {
        crate::error::Trap::with_message(
            crate::error::TrapCode::MemoryUnavailable,
            alloc::format!("{e}"),
        )
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
    /// 1 while a reader holds the source. A byte, not an `AtomicBool`: on targets without
    /// atomic instructions (rv32imc) core emulates `AtomicBool::compare_exchange` with
    /// `fetch_or`, one more `__sync_*` libcall for the host to provide, while a byte
    /// compare-exchange is the `__sync_val_compare_and_swap_1` such hosts already give
    /// (`c-api/firmware/main.c`, `esp32/src/atomics.rs`).
    busy: core::sync::atomic::AtomicU8,
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
            busy: core::sync::atomic::AtomicU8::new(0),
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
            .compare_exchange(0, 1, Ordering::Acquire, Ordering::Relaxed)
            .is_err()
        {
            return Err(SourceError::Busy);
        }
        // SAFETY: `busy` was 0 and is now ours: no other `&mut` to the source exists
        // until the store below (see the `Sync` impl).
        let r = f(unsafe { &mut **self.source.get() });
        self.busy.store(0, Ordering::Release);
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
            if crate::offload::crc32(block) != self.sums[first + i] {
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

/// The streaming pass's view of the source: a window `buf` of the bytes from `pos`, and the
/// fingerprint and block CRCs of every byte read so far (each byte is read once, in order).
struct Stream {
    source: Box<dyn ModuleSource>,
    len: usize,
    /// Bytes read from the source so far; `buf` holds the last `buf.len()` of them.
    read: usize,
    buf: Vec<u8>,
    fingerprint: u64,
    sums: Vec<u32>,
    block: crate::offload::Crc32,
    in_block: usize,
}

impl Stream {
    /// The offset of `buf[0]` in the source.
    fn pos(&self) -> usize {
        self.read - self.buf.len()
    }

    /// Reads up to `want` more bytes (at least [`CHUNK`] if that many are left) into `buf`.
    fn more(&mut self, want: usize) -> Result<(), SourceError> {
        let want = want.max(CHUNK).min(self.len - self.read);
        let at = self.buf.len();
        self.buf.resize(at + want, 0);
        self.source.read_at(self.read as u64, &mut self.buf[at..])?;
        let new = &self.buf[at..];
        self.fingerprint = crate::offload::blob::fingerprint_continue(self.fingerprint, new);
        let mut rest = new;
        while !rest.is_empty() {
            let n = rest.len().min(BLOCK - self.in_block);
            self.block.update(&rest[..n]);
            self.in_block += n;
            rest = &rest[n..];
            if self.in_block == BLOCK {
                self.sums.push(core::mem::take(&mut self.block).finalize());
                self.in_block = 0;
            }
        }
        self.read += want;
        Ok(())
    }

    /// Makes `buf` hold at least `n` bytes, or all that is left.
    fn fill(&mut self, n: usize) -> Result<(), SourceError> {
        while self.buf.len() < n && self.read < self.len {
            self.more(n - self.buf.len())?;
        }
        Ok(())
    }

    /// Drops the next `n` bytes (in `buf` and after it), reading them only to hash them.
    fn skip(&mut self, mut n: usize) -> Result<(), SourceError> {
        loop {
            let k = n.min(self.buf.len());
            self.buf.drain(..k);
            n -= k;
            if n == 0 {
                return Ok(());
            }
            self.more(n.min(CHUNK))?;
        }
    }
}

/// At a section boundary: when a custom section starts at `st.pos()`, lies within the source
/// and has a well-formed name, steps over it without holding it (debug sections can be most
/// of a module), recording the `name` section's range as [`super::decode_payload`] does.
/// `false` (nothing consumed) for anything else, which the parser then reads as usual (and
/// reports if malformed).
fn skip_custom(st: &mut Stream, m: &mut super::ModuleInner) -> Result<bool, SourceError> {
    st.fill(6)?;
    if st.buf.first() != Some(&0) {
        return Ok(false);
    }
    let pos = st.pos();
    let mut r = wasmparser::BinaryReader::new(&st.buf[1..], pos as u64 + 1);
    let Ok(len) = r.read_var_u32() else {
        return Ok(false);
    };
    let head = 1 + r.current_position();
    let end = head + len as usize;
    if pos + end > st.len {
        return Ok(false);
    }
    st.fill(head + 5)?;
    let avail = st.buf.len().min(end);
    let mut r = wasmparser::BinaryReader::new(&st.buf[head..avail], (pos + head) as u64);
    let Ok(name_len) = r.read_var_u32() else {
        return Ok(false);
    };
    let name_end = head + r.current_position() + name_len as usize;
    // Longer than wasmparser takes (its parser then reports it), or past the section.
    if name_len > 100_000 || name_end > end {
        return Ok(false);
    }
    st.fill(name_end)?;
    let mut r = wasmparser::BinaryReader::new(&st.buf[head..name_end], (pos + head) as u64);
    let Ok(name) = r.read_string() else {
        return Ok(false);
    };
    if name == "name" {
        m.name_section = Some(pos + name_end..pos + end);
    }
    st.skip(end)?;
    Ok(true)
}

/// At a section boundary: when a data section starts at `st.pos()` and lies within the
/// source, validates and decodes it one segment at a time, holding a segment's header (mode,
/// memory, offset expression) and only hashing its contents, which instantiation and
/// `memory.init` read back. `false` (nothing consumed) for anything else, which the parser then reads as usual. A malformed segment is reported as
/// `Module::new` reports it: the section is read again whole and handed to the parser and
/// the validator ([`data_error`]).
fn stream_data(
    st: &mut Stream,
    m: &mut super::ModuleInner,
    validator: &mut Validator,
    across: &mut Across,
    features: wasmparser::WasmFeatures,
) -> Result<bool, Error> {
    st.fill(6)?;
    if st.buf.first() != Some(&11) {
        return Ok(false);
    }
    let pos = st.pos();
    let mut r = wasmparser::BinaryReader::new(&st.buf[1..], pos as u64 + 1);
    let Ok(size) = r.read_var_u32() else {
        return Ok(false);
    };
    let head = 1 + r.current_position();
    let Some(end) = (pos + head).checked_add(size as usize) else {
        return Ok(false);
    };
    if end > st.len {
        return Ok(false);
    }
    across.order(11, pos + head)?;
    st.skip(head)?;
    st.fill(5)?;
    let contents = pos + head;
    let mut r = wasmparser::BinaryReader::new(&st.buf[..st.buf.len().min(end - contents)], 0);
    let count = match r.read_var_u32() {
        // wasmparser's limit on segments (past it, its message comes from `data_error`).
        Ok(n) if n <= 100_000 => n,
        _ => return Err(data_error(st, contents, end, features, validator, m)),
    };
    across.data(count, end)?;
    st.skip(r.current_position())?;
    for _ in 0..count {
        let seg = st.pos();
        // The header: flags, memory index, offset expression, the contents' length.
        let mut want = 16;
        let (len_at, data_at, n) = loop {
            st.fill(want)?;
            let window = &st.buf[..st.buf.len().min(end - seg)];
            match segment_header(window, seg, features) {
                Some(h) => break h,
                None if window.len() < end - seg => want = want.saturating_mul(2),
                None => return Err(data_error(st, contents, end, features, validator, m)),
            }
        };
        if n > end - seg - data_at {
            return Err(data_error(st, contents, end, features, validator, m));
        }
        // The segment with no contents (its offsets in errors are the real ones): what the
        // validator checks and the decoder reads.
        let mut header = Vec::with_capacity(len_at + 2);
        header.push(1);
        header.extend_from_slice(&st.buf[..len_at]);
        header.push(0);
        let reader = wasmparser::DataSectionReader::new(wasmparser::BinaryReader::new_features(
            &header,
            seg as u64 - 1,
            features,
        ))
        .map_err(ModuleError::from)?;
        validator.data_section(&reader).map_err(ModuleError::from)?;
        super::decode_payload(m, Payload::DataSection(reader))?;
        if let Some(d) = m.datas.last_mut() {
            d.range = seg + data_at..seg + data_at + n;
        }
        st.skip(data_at + n)?;
    }
    if st.pos() != end {
        return Err(data_error(st, contents, end, features, validator, m));
    }
    Ok(true)
}

/// The header of the data segment at the front of `window` (at `offset` in the module):
/// where its length starts, where its contents start and their length; `None` when it is
/// malformed or does not fit in `window`.
fn segment_header(
    window: &[u8],
    offset: usize,
    features: wasmparser::WasmFeatures,
) -> Option<(usize, usize, usize)> {
    let mut r = wasmparser::BinaryReader::new_features(window, offset as u64, features);
    match r.read_var_u32().ok()? {
        1 => {}
        flags @ (0 | 2) => {
            if flags == 2 {
                r.read_var_u32().ok()?;
            }
            r.read::<wasmparser::ConstExpr<'_>>().ok()?;
        }
        _ => return None,
    }
    let len_at = r.current_position();
    let n = r.read_var_u32().ok()? as usize;
    Some((len_at, r.current_position(), n))
}

/// The error `Module::new` gives for the malformed data section whose contents are
/// `contents..end`: the section read again whole (on this error path only) and handed to a
/// parser and the validator, as `Module::new` does (segments already accepted are checked
/// again, which changes nothing).
fn data_error(
    st: &mut Stream,
    contents: usize,
    end: usize,
    features: wasmparser::WasmFeatures,
    validator: &mut Validator,
    m: &mut super::ModuleInner,
) -> Error {
    let mut head = Vec::from([11u8]);
    let mut v = end - contents;
    loop {
        let byte = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            head.push(byte);
            break;
        }
        head.push(byte | 0x80);
    }
    let start = contents - head.len();
    let mut bytes = Vec::new();
    if bytes.try_reserve_exact(end - start).is_err() {
        return Error::Module(ModuleError {
            offset: contents,
            message: "malformed data section".into(),
        });
    }
    bytes.extend_from_slice(&head);
    bytes.resize(end - start, 0);
    if let Err(e) = st.source.read_at(contents as u64, &mut bytes[head.len()..]) {
        return e.into();
    }
    let found = (|| -> Result<(), ModuleError> {
        let mut parser = parser_at(start, None, features)?;
        if let Chunk::Parsed { payload, .. } = parser.parse(&bytes, false)? {
            validator.payload(&payload)?;
            super::decode_payload(m, payload)?;
        }
        Ok(())
    })();
    Error::Module(found.err().unwrap_or_else(|| ModuleError {
        offset: contents,
        message: "malformed data section".into(),
    }))
}

/// A parser that goes on at `offset` (a section boundary after a skipped custom section).
/// It is started on a module header and, when the module has a function section and no
/// code section yet, a function section with `functions`' count (the parser checks the
/// code section's count against it); [`Across`] makes the checks it cannot.
fn parser_at(
    offset: usize,
    functions: Option<u32>,
    features: wasmparser::WasmFeatures,
) -> Result<Parser, ModuleError> {
    let mut head = Vec::from(*b"\0asm\x01\0\0\0");
    if let Some(n) = functions {
        let mut count = Vec::new();
        let mut v = n;
        loop {
            let byte = (v & 0x7f) as u8;
            v >>= 7;
            if v == 0 {
                count.push(byte);
                break;
            }
            count.push(byte | 0x80);
        }
        head.extend_from_slice(&[3, count.len() as u8]);
        head.extend_from_slice(&count);
    }
    let internal = || ModuleError {
        offset,
        message: "internal error: restarting the parser".into(),
    };
    let mut parser = Parser::new((offset.checked_sub(head.len()).ok_or_else(internal)?) as u64);
    parser.set_features(features);
    let mut at = 0;
    while at < head.len() {
        match parser.parse(&head[at..], false)? {
            Chunk::Parsed {
                consumed,
                payload: Payload::Version { .. } | Payload::FunctionSection(_),
            } => at += consumed,
            _ => return Err(internal()),
        }
    }
    Ok(parser)
}

/// The checks wasmparser's `Parser` makes across sections (their order, the function and
/// code counts, the data count), which a restarted parser ([`parser_at`]) forgets; made on
/// every section, with the parser's messages.
#[derive(Default)]
struct Across {
    order: u8,
    functions: Option<u32>,
    code: Option<u32>,
    data_count: Option<u32>,
    data: Option<u32>,
}

impl Across {
    fn see(&mut self, payload: &Payload<'_>) -> Result<(), ModuleError> {
        let start = match payload.as_section() {
            Some((id, range)) => {
                self.order(id, range.start as usize)?;
                range.start as usize
            }
            None => 0,
        };
        match payload {
            Payload::FunctionSection(f) => self.functions = Some(f.count()),
            Payload::CodeSectionStart { count, .. } => {
                self.code = Some(*count);
                self.code_counts(start)?;
            }
            Payload::DataCountSection { count, .. } => self.data_count = Some(*count),
            Payload::DataSection(d) => self.data(d.count(), start)?,
            Payload::End(at) => {
                self.code_counts(*at as usize)?;
                self.data_counts(*at as usize)?;
            }
            _ => {}
        }
        Ok(())
    }

    /// A section with id `id` at `start`: sections come in wasmparser's `Order` (custom ones
    /// anywhere).
    fn order(&mut self, id: u8, start: usize) -> Result<(), ModuleError> {
        let order = match id {
            1 => 1,
            2 => 2,
            3 => 3,
            4 => 4,
            5 => 5,
            13 => 6,
            6 => 7,
            7 => 8,
            8 => 9,
            9 => 10,
            12 => 11,
            10 => 12,
            11 => 13,
            _ => return Ok(()),
        };
        if self.order >= order {
            return Err(ModuleError {
                offset: start,
                message: "section out of order".into(),
            });
        }
        self.order = order;
        Ok(())
    }

    /// A data section of `count` segments.
    fn data(&mut self, count: u32, offset: usize) -> Result<(), ModuleError> {
        self.data = Some(count);
        self.data_counts(offset)
    }

    fn code_counts(&self, offset: usize) -> Result<(), ModuleError> {
        let message = match (self.functions, self.code) {
            (Some(n), Some(m)) if n != m => "function and code section have inconsistent lengths",
            (Some(n), None) if n > 0 => {
                "function section has non-zero count but code section is absent"
            }
            (None, Some(m)) if m > 0 => {
                "function section is absent but code section has non-zero count"
            }
            _ => return Ok(()),
        };
        Err(ModuleError {
            offset,
            message: message.into(),
        })
    }

    fn data_counts(&self, offset: usize) -> Result<(), ModuleError> {
        let message = match (self.data_count, self.data) {
            (Some(n), Some(m)) if n != m => "data count and data section have inconsistent lengths",
            (Some(n), None) if n > 0 => "data count is non-zero but data section is absent",
            _ => return Ok(()),
        };
        Err(ModuleError {
            offset,
            message: message.into(),
        })
    }
}

/// Validates and decodes the module in `source`, reading it once, front to back: RAM holds
/// one section (custom sections not even that), or one function body, at a time, plus
/// [`CHUNK`].
pub(crate) fn load(
    engine: &crate::config::Engine,
    mut source: Box<dyn ModuleSource>,
) -> Result<super::ModuleInner, Error> {
    let len = usize::try_from(source.size()?).map_err(|_| SourceError::TooLarge)?;
    let mut st = Stream {
        source,
        len,
        read: 0,
        buf: Vec::new(),
        fingerprint: crate::offload::blob::FINGERPRINT_START,
        sums: Vec::with_capacity(len.div_ceil(BLOCK)),
        block: crate::offload::Crc32::new(),
        in_block: 0,
    };
    // The parser too: how it reads some items (memory limits) depends on the features.
    let features = engine.config.features();
    let mut validator = Validator::new_with_features(features);
    let mut parser = Parser::new(0);
    parser.set_features(features);
    let mut across = Across::default();
    let mut m = super::ModuleInner::empty();
    m.metering = engine.config.metering;
    let mut allocs = wasmparser::FuncValidatorAllocations::default();
    let mut translate_scratch = crate::microcode::translate::Scratch::default();
    // Under prescan, as `Module::new` does: each body validated and translated in one pass
    // over its operators (verified once the whole module is decoded).
    let translating = cfg!(feature = "std") && engine.config.prescan;
    let mut prescanned = Vec::new();
    // Whether the parser is between sections (where a custom section may be skipped), and
    // while in the code section, the bodies left and where the section ends.
    let mut boundary = false;
    let mut code: (u32, usize) = (0, 0);
    loop {
        if boundary {
            let stepped = skip_custom(&mut st, &mut m)?
                || stream_data(&mut st, &mut m, &mut validator, &mut across, features)?;
            if stepped {
                let functions = across.functions.filter(|_| across.code.is_none());
                parser = parser_at(st.pos(), functions, features)?;
                continue;
            }
        }
        let eof = st.read == st.len;
        let (payload, consumed) = match parser.parse(&st.buf, eof).map_err(ModuleError::from)? {
            Chunk::NeedMoreData(hint) => {
                // The parser errs at the end of its input rather than asking for more.
                st.more(hint)?;
                continue;
            }
            Chunk::Parsed { consumed, payload } => (payload, consumed),
        };
        across.see(&payload)?;
        if let ValidPayload::Func(func, body) =
            validator.payload(&payload).map_err(ModuleError::from)?
        {
            let mut v = func.into_validator(core::mem::take(&mut allocs));
            if translating {
                let range = body.range();
                let (start, end) = (range.start as usize, range.end as usize);
                // The body was parsed from the window, so it lies in it.
                let at = start.checked_sub(st.pos());
                let bytes = at.and_then(|a| st.buf.get(a..a + (end - start)));
                let bytes = bytes.ok_or_else(|| ModuleError {
                    offset: start,
                    message: "internal error: a function body outside the stream's window".into(),
                })?;
                let code = crate::microcode::translate::validate_and_translate(
                    m.shape(),
                    m.bodies.len() as u32,
                    bytes,
                    start,
                    &mut v,
                    &mut translate_scratch,
                )
                .map_err(ModuleError::from)?;
                prescanned.push(code);
            } else {
                v.validate(&body).map_err(ModuleError::from)?;
            }
            allocs = v.into_allocations();
        }
        let pos = st.pos() + consumed;
        boundary = match &payload {
            Payload::End(_) => break,
            Payload::CodeSectionStart {
                count,
                unchecked_range,
                ..
            } => {
                code = (*count, unchecked_range.end as usize);
                *count == 0 && pos == code.1
            }
            // A section boundary only where the code section really ends (the parser checks
            // for trailing bytes, which must not be taken for a custom section).
            Payload::CodeSectionEntry(_) => {
                code.0 -= 1;
                code.0 == 0 && pos == code.1
            }
            _ => true,
        };
        super::decode_payload(&mut m, payload)?;
        st.buf.drain(..consumed);
        // A large section was held whole: give its room back.
        if st.buf.capacity() > 4 * CHUNK && st.buf.len() <= CHUNK {
            st.buf.shrink_to(2 * CHUNK);
        }
    }
    if st.in_block > 0 {
        st.sums.push(st.block.finalize());
    }
    m.set_fingerprint(st.fingerprint);
    #[cfg(feature = "std")]
    {
        let verified = prescanned
            .into_iter()
            .map(|c| c.filter(|c| m.verify(c).is_ok()))
            .collect();
        m.prescanned = std::sync::Mutex::new(verified);
    }
    #[cfg(not(feature = "std"))]
    drop(prescanned);
    m.bytes = super::ModuleBytes::Source(alloc::sync::Arc::new(Source {
        reader: Lock::new(st.source),
        len,
        sums: st.sums.into_boxed_slice(),
    }));
    Ok(m)
}
