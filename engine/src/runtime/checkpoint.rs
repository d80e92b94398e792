//! Durable instance checkpoints: save an instance's state (memories, globals, tables,
//! dropped-segment flags) to storage between calls, and restore it into a fresh instance of the
//! same module after a reboot.
//!
//! A checkpoint is one atomic commit of [`offload::checkpoint`](crate::offload::checkpoint):
//! every part is written into the pair slot the current checkpoint does not use, and the
//! generation-numbered manifest is written last. After a power cut at any write, restore
//! yields the previous checkpoint or the new one, never a mix.
//!
//! Parts (payload layouts in `docs/spill-format.md`, all little-endian):
//!
//! - [`Kind::Meta`] 0: layout version, chunk size, entity counts, memory sizes in pages.
//! - [`Kind::Globals`] 0: type, mutability and value of every global.
//! - [`Kind::Segments`] 0: one bit per data and element segment, set when dropped.
//! - [`Kind::Table`] `t`: element type, size and elements of table `t`; function references
//!   are stored as the instance's function index plus one, so they mean the same thing in a
//!   fresh store.
//! - [`Kind::MemoryPage`] [`Key::page_index`]`(m, c)`: chunk `c` of memory `m` (chunk size from
//!   the meta part). Chunks that are all zero are not written.
//!
//! The state saved is everything the instance refers to, imported memories, tables and globals
//! included (a restore writes them too); wasm frames are not saved, so checkpoint between calls.
//! A [`Checkpointer`] kept across checkpoints rewrites only the memory chunks that changed.
//!
//! Memory contents go through [`Memory::read`] and [`Memory::write`] only, one chunk at a time,
//! so a checkpoint needs one chunk of RAM besides the instance, whatever the memory's residency.
//!
//! Restore never trusts what it reads: the manifest and every part are CRC-checked and matched
//! against the module fingerprint, and every count, size, index and function reference in the
//! payloads is validated against the fresh instance before anything is changed. Memory chunks
//! are applied last; if reading one fails there, the instance is left partly restored and must
//! be discarded (instantiate again).

use super::context::AsContextMut;
use alloc::vec::Vec;
use core::fmt;

use super::offload::StorageFailure;
use super::{Instance, Memory, Store};
use crate::error::Error;
use crate::offload::checkpoint::Checkpoints;
use crate::offload::{Key, Kind, OffloadError, Storage};
use crate::types::ValType;

/// The part index (of [`Kind::Meta`]) of a suspended call checkpointed with its instance
/// (`runtime/persist.rs`, `docs/suspended-call.md`).
pub(crate) const CALL_PART: u32 = 1;

/// What [`Checkpointer::restore_with`] hands the suspended-call part to.
pub(crate) type CallPart<'a, T, E> =
    &'a mut dyn FnMut(&mut Store<T>, &[u8]) -> Result<(), CheckpointError<E>>;

/// Version of the payload layouts below, stored in the meta part.
const LAYOUT_VERSION: u32 = 1;
/// Default memory chunk size: 16 KiB, within the program page range of SD cards.
pub const DEFAULT_CHUNK_SIZE: u32 = 16 * 1024;
const MIN_CHUNK: u32 = 512;
const MAX_CHUNK: u32 = 65_536;
const META_HEADER: usize = 32;
const GLOBAL_ENTRY: usize = 18;
const TABLE_HEADER: usize = 12;

/// Why a checkpoint or restore failed. `E` is the storage's error type.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CheckpointError<E> {
    /// Storage I/O failed, or no intact checkpoint could be read (see the inner error:
    /// [`OffloadError::NoValidCheckpoint`] when manifests exist but all are damaged).
    Offload(OffloadError<E>),
    /// There is no checkpoint of this module (and set) on the storage.
    NoCheckpoint,
    /// The store has no storage of its own (for the `*_store_storage` variants).
    NoStorage,
    /// The instance holds state a checkpoint cannot express: a reference to a function outside
    /// the instance, a non-null `externref`, or a size beyond the format's limits.
    Unrepresentable {
        /// The part the value belongs to.
        kind: Kind,
        /// The global, table or memory index.
        index: u32,
        /// What could not be stored.
        reason: &'static str,
    },
    /// An intact part (its CRC matches) whose payload does not parse.
    Malformed {
        /// The part's kind.
        kind: Kind,
        /// The part's index.
        index: u32,
        /// What is wrong.
        reason: &'static str,
    },
    /// The checkpoint does not fit the instance (different counts, types, or a size smaller
    /// than the fresh instance's).
    Mismatch {
        /// The part's kind.
        kind: Kind,
        /// The part's index.
        index: u32,
        /// What differs.
        reason: &'static str,
    },
    /// A memory or table could not be grown to its checkpointed size (engine limits).
    Grow {
        /// [`Kind::MemoryPage`] for a memory, [`Kind::Table`] for a table.
        kind: Kind,
        /// The memory or table index.
        index: u32,
        /// The size asked for (pages or elements).
        size: u64,
    },
    /// Reading or writing linear memory failed.
    Memory(Error),
    /// A buffer could not be allocated.
    OutOfMemory,
    /// The instance handle belongs to another store.
    WrongStore,
}

impl<E> From<OffloadError<E>> for CheckpointError<E> {
    fn from(e: OffloadError<E>) -> Self {
        match e {
            OffloadError::OutOfMemory => CheckpointError::OutOfMemory,
            e => CheckpointError::Offload(e),
        }
    }
}

impl<E: fmt::Debug> fmt::Display for CheckpointError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CheckpointError::Offload(e) => write!(f, "checkpoint storage: {e}"),
            CheckpointError::NoCheckpoint => f.write_str("no checkpoint of this module"),
            CheckpointError::NoStorage => f.write_str("the store has no storage"),
            CheckpointError::Unrepresentable {
                kind,
                index,
                reason,
            } => write!(f, "cannot checkpoint {kind:?} {index}: {reason}"),
            CheckpointError::Malformed {
                kind,
                index,
                reason,
            } => write!(f, "checkpoint part {kind:?} {index} is malformed: {reason}"),
            CheckpointError::Mismatch {
                kind,
                index,
                reason,
            } => write!(f, "checkpoint part {kind:?} {index} does not fit: {reason}"),
            CheckpointError::Grow { kind, index, size } => {
                write!(f, "cannot grow {kind:?} {index} to {size}")
            }
            CheckpointError::Memory(e) => write!(f, "memory access: {e}"),
            CheckpointError::OutOfMemory => f.write_str("out of memory for a checkpoint buffer"),
            CheckpointError::WrongStore => f.write_str("the instance belongs to another store"),
        }
    }
}

#[cfg(feature = "std")]
impl<E: fmt::Debug + 'static> std::error::Error for CheckpointError<E> {
    /// The storage error, or the memory access error.
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            CheckpointError::Offload(e) => Some(e),
            CheckpointError::Memory(e) => Some(e),
            _ => None,
        }
    }
}

/// Checkpoints of one instance's state on one storage, kept across calls.
///
/// Keep one per instance and storage for a session: it remembers which checkpoint is current,
/// so a checkpoint after the first (or after [`restore`](Checkpointer::restore)) does not
/// re-read and re-verify the previous one. [`Instance::checkpoint`] and
/// [`Instance::restore`] are one-shot shorthands.
#[derive(Clone, Debug)]
pub struct Checkpointer {
    set: u32,
    chunk_size: u32,
    /// The module fingerprint the log belongs to, and the log.
    log: Option<(u64, Checkpoints)>,
    /// Carry unchanged memory chunks over instead of rewriting them.
    incremental: bool,
    /// A 64-bit hash of every memory chunk of the current checkpoint (0: not stored), per
    /// memory, valid for the (fingerprint, generation, chunk size) in `hashes_for`.
    hashes: Vec<Vec<u64>>,
    hashes_for: Option<(u64, u64, u32)>,
}

impl Default for Checkpointer {
    fn default() -> Self {
        Checkpointer::new(0)
    }
}

/// What a checkpoint needs of an instance, copied out of the store.
struct Shape {
    fingerprint: u64,
    funcs: Vec<u32>,
    memories: Vec<u32>,
    /// Bytes per page of each memory (64 KiB, or 1 with the custom-page-sizes proposal;
    /// sizes are stored in the memory's own pages).
    page_bytes: Vec<u64>,
    tables: Vec<u32>,
    globals: Vec<u32>,
    datas: Vec<u32>,
    elems: Vec<u32>,
}

impl Shape {
    fn of<T>(instance: Instance, store: &Store<T>) -> Shape {
        let inst = &store.inner.instances[instance.0 as usize];
        Shape {
            fingerprint: inst.module.fingerprint,
            funcs: inst.funcs.clone(),
            memories: inst.memories.clone(),
            page_bytes: inst
                .memories
                .iter()
                .map(|&m| store.inner.memories[m as usize].ty.page_size())
                .collect(),
            tables: inst.tables.clone(),
            globals: inst.globals.clone(),
            datas: inst.datas.clone(),
            elems: inst.elems.clone(),
        }
    }

    /// Store function index → instance function index, sorted for binary search.
    fn reverse_funcs(&self) -> Vec<(u32, u32)> {
        let mut map: Vec<(u32, u32)> = self
            .funcs
            .iter()
            .enumerate()
            .map(|(i, &f)| (f, i as u32))
            .collect();
        map.sort_unstable();
        map
    }
}

fn count<E>(n: usize, kind: Kind) -> Result<u32, CheckpointError<E>> {
    u32::try_from(n).map_err(|_| CheckpointError::Unrepresentable {
        kind,
        index: 0,
        reason: "more than 2^32 entities",
    })
}

fn try_vec<E>(capacity: usize) -> Result<Vec<u8>, CheckpointError<E>> {
    let mut v = Vec::new();
    v.try_reserve_exact(capacity)
        .map_err(|_| CheckpointError::OutOfMemory)?;
    Ok(v)
}

/// A typed reference is stored as the cell it is (`funcref` or `externref`): a checkpoint
/// is restored into an instance of the same module, whose types are the same.
fn type_code(ty: ValType) -> u8 {
    match ty.cell_kind() {
        ValType::I32 => 0,
        ValType::I64 => 1,
        ValType::F32 => 2,
        ValType::F64 => 3,
        ValType::V128 => 4,
        ValType::FuncRef => 5,
        ValType::ExternRef | ValType::Ref(_) => 6,
    }
}

/// Encodes a reference cell (0 = null, else store function index + 1) in store-independent
/// form: 0 = null, else instance function index + 1.
fn encode_funcref(cell: u64, reverse: &[(u32, u32)]) -> Option<u64> {
    if cell == 0 {
        return Some(0);
    }
    let store_index = u32::try_from(cell - 1).ok()?;
    let at = reverse
        .binary_search_by_key(&store_index, |&(f, _)| f)
        .ok()?;
    Some(u64::from(reverse.get(at)?.1) + 1)
}

/// The inverse of [`encode_funcref`] against a fresh instance; `None` if out of range.
fn decode_funcref(code: u64, funcs: &[u32]) -> Option<u64> {
    if code == 0 {
        return Some(0);
    }
    let index = usize::try_from(code - 1).ok()?;
    funcs.get(index).map(|&f| u64::from(f) + 1)
}

/// A bounds-checked little-endian reader over a payload.
struct Reader<'a> {
    bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if n > self.bytes.len() {
            return None;
        }
        let (head, tail) = self.bytes.split_at(n);
        self.bytes = tail;
        Some(head)
    }

    fn array<const N: usize>(&mut self) -> Option<[u8; N]> {
        self.take(N)?.try_into().ok()
    }

    fn u8(&mut self) -> Option<u8> {
        Some(self.array::<1>()?[0])
    }

    fn u32(&mut self) -> Option<u32> {
        self.array().map(u32::from_le_bytes)
    }

    fn u64(&mut self) -> Option<u64> {
        self.array().map(u64::from_le_bytes)
    }

    fn u128(&mut self) -> Option<u128> {
        self.array().map(u128::from_le_bytes)
    }
}

/// The meta part, decoded.
struct Meta {
    chunk_size: u32,
    memory_pages: Vec<u64>,
}

/// A table part, decoded and translated into the fresh store's cells.
struct TableState {
    size: u64,
    cells: Vec<u64>,
}

impl Checkpointer {
    /// Checkpoints of checkpoint set `set` (a module may keep several independent sets on one
    /// storage, for example one per instance), with 16 KiB memory chunks.
    pub fn new(set: u32) -> Checkpointer {
        Checkpointer {
            set,
            chunk_size: DEFAULT_CHUNK_SIZE,
            log: None,
            incremental: true,
            hashes: Vec::new(),
            hashes_for: None,
        }
    }

    /// Whether memory chunks whose contents did not change since the current checkpoint (as
    /// committed or restored by this checkpointer) are carried over by reference instead of
    /// being written again (default: yes). Unchanged means equal 64-bit FNV-1a hashes; turn
    /// this off to rewrite every chunk every time.
    pub fn with_incremental(mut self, incremental: bool) -> Checkpointer {
        self.incremental = incremental;
        self
    }

    /// Sets the size of the chunks memory is written in: a power of two from 512 bytes to
    /// 64 KiB (other values are rounded down into that range). Restore reads the chunk size
    /// from the checkpoint, so it may differ between checkpoints.
    pub fn with_chunk_size(mut self, bytes: u32) -> Checkpointer {
        let clamped = bytes.clamp(MIN_CHUNK, MAX_CHUNK);
        self.chunk_size = 1 << (31 - clamped.leading_zeros());
        self
    }

    /// The generation of the current checkpoint, as last committed or restored.
    pub fn generation(&self) -> Option<u64> {
        self.log.as_ref()?.1.current().map(|m| m.generation)
    }

    /// How many damaged checkpoints the last load skipped (fallbacks to an older one).
    pub fn rejected(&self) -> u32 {
        self.log.as_ref().map_or(0, |(_, log)| log.rejected())
    }

    fn log(&mut self, fingerprint: u64) -> &mut Checkpoints {
        let set = self.set;
        let (fp, log) = self
            .log
            .get_or_insert_with(|| (fingerprint, Checkpoints::new(fingerprint, set)));
        // A checkpointer used with another module starts afresh for that module.
        if *fp != fingerprint {
            *fp = fingerprint;
            *log = Checkpoints::new(fingerprint, set);
        }
        log
    }

    /// Writes a checkpoint of `instance`'s memories, globals, tables and dropped-segment
    /// flags, and returns its generation. Call it between calls (not from a host function
    /// while wasm frames are live: those are not part of a checkpoint).
    ///
    /// Everything that cannot be represented is found before anything is written. On any
    /// error the previous checkpoint stays current.
    pub fn checkpoint<T, S: Storage + ?Sized>(
        &mut self,
        instance: Instance,
        mut store: impl AsContextMut<Data = T>,
        storage: &mut S,
    ) -> Result<u64, CheckpointError<S::Error>> {
        let store = store.as_context_mut().0;
        self.checkpoint_with(instance, store, storage, None)
    }

    /// [`checkpoint`](Checkpointer::checkpoint), with `call` (a suspended call's state,
    /// `runtime/persist.rs`) as part [`CALL_PART`] of the same commit.
    pub(crate) fn checkpoint_with<T, S: Storage + ?Sized>(
        &mut self,
        instance: Instance,
        store: &mut Store<T>,
        storage: &mut S,
        call: Option<&[u8]>,
    ) -> Result<u64, CheckpointError<S::Error>> {
        if !store.owns(instance.1) {
            return Err(CheckpointError::WrongStore);
        }
        let shape = Shape::of(instance, store);
        let chunk = self.chunk_size;

        // Small parts first, in RAM: any unrepresentable value fails before a write.
        let mut pages = Vec::new();
        pages
            .try_reserve_exact(shape.memories.len())
            .map_err(|_| CheckpointError::OutOfMemory)?;
        for (m, &mem) in shape.memories.iter().enumerate() {
            let size = Memory(mem, store.inner.id).size(&*store);
            let chunks = size
                .saturating_mul(shape.page_bytes[m])
                .div_ceil(u64::from(chunk));
            if m > 0xff || chunks > 0x0100_0000 {
                return Err(CheckpointError::Unrepresentable {
                    kind: Kind::MemoryPage,
                    index: m as u32,
                    reason: "more than 256 memories or 2^24 chunks",
                });
            }
            pages.push(size);
        }
        let meta = encode_meta(&shape, chunk, &pages)?;
        let reverse = shape.reverse_funcs();
        let globals = encode_globals(&shape, store, &reverse)?;
        let segments = encode_segments(&shape, store)?;
        let mut tables = Vec::new();
        tables
            .try_reserve_exact(shape.tables.len())
            .map_err(|_| CheckpointError::OutOfMemory)?;
        for (t, &table) in shape.tables.iter().enumerate() {
            tables.push(encode_table(t as u32, store, table, &reverse)?);
        }

        let mut buf = vec_zeroed(chunk as usize)?;
        let incremental = self.incremental;
        let old_hashes = core::mem::take(&mut self.hashes);
        let hashes_for = self.hashes_for;
        let mut new_hashes: Vec<Vec<u64>> = Vec::new();
        new_hashes
            .try_reserve_exact(pages.len())
            .map_err(|_| CheckpointError::OutOfMemory)?;
        let log = self.log(shape.fingerprint);
        // The hashes describe the current checkpoint only if it is the one they were taken of.
        let current = log.current().map(|m| m.generation);
        let reuse = incremental
            && current.is_some_and(|g| hashes_for == Some((shape.fingerprint, g, chunk)));
        let mut tx = match log.begin(storage) {
            Ok(tx) => tx,
            Err(e) => {
                self.hashes = old_hashes;
                return Err(e.into());
            }
        };
        let metrics = &mut store.inner.offload.metrics;
        let started = metrics.start();
        tx.put(Kind::Meta, 0, &meta)?;
        metrics.record_spill(Kind::Meta, meta.len(), started);
        let started = metrics.start();
        tx.put(Kind::Globals, 0, &globals)?;
        metrics.record_spill(Kind::Globals, globals.len(), started);
        let started = metrics.start();
        tx.put(Kind::Segments, 0, &segments)?;
        metrics.record_spill(Kind::Segments, segments.len(), started);
        for (t, payload) in tables.iter().enumerate() {
            let started = metrics.start();
            tx.put(Kind::Table, t as u32, payload)?;
            metrics.record_spill(Kind::Table, payload.len(), started);
        }
        drop(tables);

        for (m, (&mem, &size)) in shape.memories.iter().zip(&pages).enumerate() {
            let started = store.inner.offload.metrics.start();
            let bytes = size.saturating_mul(shape.page_bytes[m]);
            let mut written = 0usize;
            let mut offset = 0u64;
            let mut c = 0u64;
            let mut hashes = Vec::new();
            // Checked above: at most 2^24 chunks.
            hashes
                .try_reserve_exact(bytes.div_ceil(u64::from(chunk)) as usize)
                .map_err(|_| CheckpointError::OutOfMemory)?;
            while offset < bytes {
                let n = (bytes - offset).min(u64::from(chunk)) as usize;
                let part = &mut buf[..n];
                Memory(mem, store.inner.id)
                    .read(&mut *store, offset, part)
                    .map_err(CheckpointError::Memory)?;
                let mut hash = 0;
                if part.iter().any(|&b| b != 0) {
                    // Checked above: m <= 0xff and c < 2^24.
                    let index = Key::page_index(m as u32, c).unwrap_or(u32::MAX);
                    hash = chunk_hash(part);
                    let old = old_hashes.get(m).and_then(|h| h.get(c as usize));
                    // `keep` fails if the current checkpoint lacks the part: then write it.
                    if !(reuse && old == Some(&hash) && tx.keep(Kind::MemoryPage, index).is_ok()) {
                        tx.put(Kind::MemoryPage, index, part)?;
                        written += n;
                    }
                }
                hashes.push(hash);
                offset += n as u64;
                c += 1;
            }
            new_hashes.push(hashes);
            store
                .inner
                .offload
                .metrics
                .record_spill(Kind::Memory, written, started);
        }
        if let Some(call) = call {
            tx.put(Kind::Meta, CALL_PART, call)?;
        }
        let generation = tx.finish()?;
        self.hashes = new_hashes;
        self.hashes_for = Some((shape.fingerprint, generation, chunk));
        Ok(generation)
    }

    /// Restores the newest intact checkpoint of this module (and set) into `instance`, which
    /// must be a fresh instance of the same module (or one restored before), and returns its
    /// generation. Memories and tables are grown to their checkpointed sizes.
    ///
    /// Errors: [`CheckpointError::NoCheckpoint`] if the storage holds none for this module,
    /// [`OffloadError::NoValidCheckpoint`] (inside [`CheckpointError::Offload`]) if all are
    /// damaged, and a typed error for anything that does not fit the instance. Everything but
    /// memory contents is validated before the instance is changed.
    pub fn restore<T, S: Storage + ?Sized>(
        &mut self,
        instance: Instance,
        mut store: impl AsContextMut<Data = T>,
        storage: &mut S,
    ) -> Result<u64, CheckpointError<S::Error>> {
        let store = store.as_context_mut().0;
        self.restore_with(instance, store, storage, None)
    }

    /// [`restore`](Checkpointer::restore); with `call`, part [`CALL_PART`] (which must be
    /// present) is read and handed to it once every other part has been validated and before
    /// the instance changes, so a rejected call leaves the instance as it was.
    pub(crate) fn restore_with<T, S: Storage + ?Sized>(
        &mut self,
        instance: Instance,
        store: &mut Store<T>,
        storage: &mut S,
        call: Option<CallPart<'_, T, S::Error>>,
    ) -> Result<u64, CheckpointError<S::Error>> {
        if !store.owns(instance.1) {
            return Err(CheckpointError::WrongStore);
        }
        let shape = Shape::of(instance, store);
        self.hashes_for = None;
        let mut new_hashes: Vec<Vec<u64>> = Vec::new();
        let log = self.log(shape.fingerprint);
        let loaded = log.load_latest(storage).map(|m| m.cloned());
        let rejected = log.rejected();
        for _ in 0..rejected {
            store.inner.offload.metrics.record_fallback(Kind::Manifest);
        }
        let manifest = match loaded {
            Ok(Some(m)) => m,
            Ok(None) => return Err(CheckpointError::NoCheckpoint),
            Err(e) => {
                store
                    .inner
                    .offload
                    .metrics
                    .record_load_failure(Kind::Manifest);
                return Err(e.into());
            }
        };
        let log = &*log;
        let mut buf = Vec::new();
        // A part the manifest does not list is a malformed checkpoint, not an I/O problem.
        for (kind, count) in [
            (Kind::Meta, 1),
            (Kind::Globals, 1),
            (Kind::Segments, 1),
            (Kind::Table, shape.tables.len()),
        ] {
            for index in 0..count as u32 {
                if manifest.entry(kind, index).is_none() {
                    return Err(CheckpointError::Malformed {
                        kind,
                        index,
                        reason: "part missing from the manifest",
                    });
                }
            }
        }

        // 1. Meta, globals, segments, tables: read, decode and validate everything.
        let started = store.inner.offload.metrics.start();
        log.read_part(storage, Kind::Meta, 0, &mut buf)?;
        let meta = decode_meta(&buf, &shape)?;
        store
            .inner
            .offload
            .metrics
            .record_load(Kind::Meta, buf.len(), started);

        let started = store.inner.offload.metrics.start();
        log.read_part(storage, Kind::Globals, 0, &mut buf)?;
        let globals = decode_globals(&buf, &shape, store)?;
        store
            .inner
            .offload
            .metrics
            .record_load(Kind::Globals, buf.len(), started);

        let started = store.inner.offload.metrics.start();
        log.read_part(storage, Kind::Segments, 0, &mut buf)?;
        let (datas, elems) = decode_segments(&buf, &shape, store)?;
        store
            .inner
            .offload
            .metrics
            .record_load(Kind::Segments, buf.len(), started);

        let mut tables = Vec::new();
        tables
            .try_reserve_exact(shape.tables.len())
            .map_err(|_| CheckpointError::OutOfMemory)?;
        for (t, &table) in shape.tables.iter().enumerate() {
            let started = store.inner.offload.metrics.start();
            log.read_part(storage, Kind::Table, t as u32, &mut buf)?;
            tables.push(decode_table(&buf, t as u32, store, table, &shape.funcs)?);
            store
                .inner
                .offload
                .metrics
                .record_load(Kind::Table, buf.len(), started);
        }

        // Every part the manifest lists must be one this instance has.
        let chunk = u64::from(meta.chunk_size);
        for e in &manifest.entries {
            let ok = match e.kind {
                Kind::Meta => e.index == 0 || e.index == CALL_PART,
                Kind::Globals | Kind::Segments => e.index == 0,
                Kind::Table => (e.index as usize) < shape.tables.len(),
                Kind::MemoryPage => {
                    let (m, c) = ((e.index >> 24) as usize, u64::from(e.index & 0x00ff_ffff));
                    meta.memory_pages.get(m).is_some_and(|&pages| {
                        // `decode_meta` checked that the byte size does not overflow.
                        let bytes = pages * shape.page_bytes[m];
                        c < bytes.div_ceil(chunk)
                            && u64::from(e.len) == (bytes - c * chunk).min(chunk)
                    })
                }
                _ => false,
            };
            if !ok {
                return Err(CheckpointError::Malformed {
                    kind: e.kind,
                    index: e.index,
                    reason: "part the instance does not have, or of the wrong length",
                });
            }
        }

        if let Some(call) = call {
            if manifest.entry(Kind::Meta, CALL_PART).is_none() {
                return Err(CheckpointError::Malformed {
                    kind: Kind::Meta,
                    index: CALL_PART,
                    reason: "no suspended call in this checkpoint",
                });
            }
            log.read_part(storage, Kind::Meta, CALL_PART, &mut buf)?;
            call(store, &buf)?;
        }

        // Sizes: the fresh instance may be smaller, never larger.
        for (m, (&mem, &pages)) in shape.memories.iter().zip(&meta.memory_pages).enumerate() {
            if Memory(mem, store.inner.id).size(&*store) > pages {
                return Err(CheckpointError::Mismatch {
                    kind: Kind::Meta,
                    index: m as u32,
                    reason: "memory is larger than in the checkpoint",
                });
            }
        }

        // 2. Apply: nothing below fails on validated data except growth and memory I/O.
        for (m, (&mem, &pages)) in shape.memories.iter().zip(&meta.memory_pages).enumerate() {
            let current = Memory(mem, store.inner.id).size(&*store);
            if pages > current {
                Memory(mem, store.inner.id)
                    .grow(&mut *store, pages - current)
                    .map_err(|_| CheckpointError::Grow {
                        kind: Kind::MemoryPage,
                        index: m as u32,
                        size: pages,
                    })?;
            }
        }
        for (t, (&table, state)) in shape.tables.iter().zip(&tables).enumerate() {
            let entity = &mut store.inner.tables[table as usize];
            if state.size > entity.size() {
                entity
                    .grow(state.size - entity.size(), 0)
                    .ok_or(CheckpointError::Grow {
                        kind: Kind::Table,
                        index: t as u32,
                        size: state.size,
                    })?;
            }
            entity.elems.copy_from_slice(&state.cells);
        }
        drop(tables);
        for (&global, value) in shape.globals.iter().zip(&globals) {
            if let Some(value) = *value {
                store.inner.globals[global as usize].value = value;
            }
        }
        for (&data, &dropped) in shape.datas.iter().zip(&datas) {
            if dropped {
                store.inner.datas[data as usize].range = 0..0;
            }
        }
        for (&elem, &dropped) in shape.elems.iter().zip(&elems) {
            if dropped {
                store.inner.elems[elem as usize] = Vec::new();
            }
        }

        let mut zeros: Vec<u8> = Vec::new();
        new_hashes
            .try_reserve_exact(shape.memories.len())
            .map_err(|_| CheckpointError::OutOfMemory)?;
        for (m, (&mem, &pages)) in shape.memories.iter().zip(&meta.memory_pages).enumerate() {
            let started = store.inner.offload.metrics.start();
            let bytes = pages * shape.page_bytes[m];
            let mut read = 0usize;
            let mut offset = 0u64;
            let mut c = 0u64;
            let mut hashes = Vec::new();
            // Validated in the meta part: at most 2^24 chunks.
            hashes
                .try_reserve_exact(bytes.div_ceil(chunk) as usize)
                .map_err(|_| CheckpointError::OutOfMemory)?;
            while offset < bytes {
                let n = (bytes - offset).min(chunk) as usize;
                let index = Key::page_index(m as u32, c);
                let present = index.filter(|&i| manifest.entry(Kind::MemoryPage, i).is_some());
                if let Some(index) = present {
                    if let Err(e) = log.read_part(storage, Kind::MemoryPage, index, &mut buf) {
                        store
                            .inner
                            .offload
                            .metrics
                            .record_load_failure(Kind::Memory);
                        return Err(e.into());
                    }
                    // The manifest check above pinned the length to `n`.
                    let part = buf.get(..n).ok_or(CheckpointError::Malformed {
                        kind: Kind::MemoryPage,
                        index,
                        reason: "short chunk",
                    })?;
                    Memory(mem, store.inner.id)
                        .write(&mut *store, offset, part)
                        .map_err(CheckpointError::Memory)?;
                    hashes.push(chunk_hash(part));
                    read += n;
                } else {
                    hashes.push(0);
                    if zeros.len() < n {
                        zeros = vec_zeroed(n)?;
                    }
                    Memory(mem, store.inner.id)
                        .write(&mut *store, offset, &zeros[..n])
                        .map_err(CheckpointError::Memory)?;
                }
                offset += n as u64;
                c += 1;
            }
            store
                .inner
                .offload
                .metrics
                .record_load(Kind::Memory, read, started);
            new_hashes.push(hashes);
        }
        self.hashes = new_hashes;
        self.hashes_for = Some((shape.fingerprint, manifest.generation, meta.chunk_size));
        Ok(manifest.generation)
    }
}

/// The hash that decides whether a memory chunk changed: FNV-1a 64, never 0 (0 marks a chunk
/// that is not stored).
fn chunk_hash(bytes: &[u8]) -> u64 {
    crate::offload::fingerprint(bytes).max(1)
}

fn vec_zeroed<E>(n: usize) -> Result<Vec<u8>, CheckpointError<E>> {
    let mut v = try_vec(n)?;
    v.resize(n, 0);
    Ok(v)
}

fn encode_meta<E>(shape: &Shape, chunk: u32, pages: &[u64]) -> Result<Vec<u8>, CheckpointError<E>> {
    let mut out = try_vec(META_HEADER + 8 * pages.len())?;
    out.extend_from_slice(&LAYOUT_VERSION.to_le_bytes());
    out.extend_from_slice(&chunk.to_le_bytes());
    for n in [
        count(shape.memories.len(), Kind::Meta)?,
        count(shape.tables.len(), Kind::Meta)?,
        count(shape.globals.len(), Kind::Meta)?,
        count(shape.datas.len(), Kind::Meta)?,
        count(shape.elems.len(), Kind::Meta)?,
        count(shape.funcs.len(), Kind::Meta)?,
    ] {
        out.extend_from_slice(&n.to_le_bytes());
    }
    for p in pages {
        out.extend_from_slice(&p.to_le_bytes());
    }
    Ok(out)
}

fn decode_meta<E>(bytes: &[u8], shape: &Shape) -> Result<Meta, CheckpointError<E>> {
    let malformed = |reason| CheckpointError::Malformed {
        kind: Kind::Meta,
        index: 0,
        reason,
    };
    let mismatch = |reason| CheckpointError::Mismatch {
        kind: Kind::Meta,
        index: 0,
        reason,
    };
    let mut r = Reader { bytes };
    let short = || malformed("truncated");
    if r.u32().ok_or_else(short)? != LAYOUT_VERSION {
        return Err(malformed("unknown layout version"));
    }
    let chunk_size = r.u32().ok_or_else(short)?;
    if !chunk_size.is_power_of_two() || !(MIN_CHUNK..=MAX_CHUNK).contains(&chunk_size) {
        return Err(malformed("chunk size"));
    }
    let expected = [
        shape.memories.len(),
        shape.tables.len(),
        shape.globals.len(),
        shape.datas.len(),
        shape.elems.len(),
        shape.funcs.len(),
    ];
    for n in expected {
        if r.u32().ok_or_else(short)? as usize != n {
            return Err(mismatch("entity counts differ"));
        }
    }
    if r.bytes.len() != 8 * shape.memories.len() {
        return Err(malformed("length"));
    }
    if shape.memories.len() > 0x100 {
        return Err(malformed("more than 256 memories"));
    }
    let mut memory_pages = Vec::new();
    memory_pages
        .try_reserve_exact(shape.memories.len())
        .map_err(|_| CheckpointError::OutOfMemory)?;
    for &page_bytes in &shape.page_bytes {
        let pages = r.u64().ok_or_else(short)?;
        // At most 2^24 chunks: the most a checkpoint can address.
        let chunks = pages
            .checked_mul(page_bytes)
            .map(|b| b.div_ceil(u64::from(chunk_size)));
        if chunks.is_none_or(|c| c > 1 << 24) {
            return Err(malformed("memory size"));
        }
        memory_pages.push(pages);
    }
    Ok(Meta {
        chunk_size,
        memory_pages,
    })
}

fn encode_globals<T, E>(
    shape: &Shape,
    store: &Store<T>,
    reverse: &[(u32, u32)],
) -> Result<Vec<u8>, CheckpointError<E>> {
    let n = count(shape.globals.len(), Kind::Globals)?;
    let mut out = try_vec(4 + GLOBAL_ENTRY * shape.globals.len())?;
    out.extend_from_slice(&n.to_le_bytes());
    for (i, &g) in shape.globals.iter().enumerate() {
        let global = &store.inner.globals[g as usize];
        let ty = global.ty;
        let value = if !ty.mutable {
            0
        } else {
            match ty.content.cell_kind() {
                ValType::FuncRef => {
                    let cell = u64::try_from(global.value).unwrap_or(u64::MAX);
                    let code =
                        encode_funcref(cell, reverse).ok_or(CheckpointError::Unrepresentable {
                            kind: Kind::Globals,
                            index: i as u32,
                            reason: "reference to a function outside the instance",
                        })?;
                    u128::from(code)
                }
                ValType::ExternRef if global.value != 0 => {
                    return Err(CheckpointError::Unrepresentable {
                        kind: Kind::Globals,
                        index: i as u32,
                        reason: "non-null externref",
                    })
                }
                _ => global.value,
            }
        };
        out.push(type_code(ty.content));
        out.push(u8::from(ty.mutable));
        out.extend_from_slice(&value.to_le_bytes());
    }
    Ok(out)
}

/// Decodes the globals part into the value to set for each global (`None`: immutable, keep).
fn decode_globals<T, E>(
    bytes: &[u8],
    shape: &Shape,
    store: &Store<T>,
) -> Result<Vec<Option<u128>>, CheckpointError<E>> {
    let malformed = |index, reason| CheckpointError::Malformed {
        kind: Kind::Globals,
        index,
        reason,
    };
    let mut r = Reader { bytes };
    let n = r.u32().ok_or(malformed(0, "truncated"))? as usize;
    if n != shape.globals.len() {
        return Err(CheckpointError::Mismatch {
            kind: Kind::Globals,
            index: 0,
            reason: "global count differs",
        });
    }
    if r.bytes.len() != GLOBAL_ENTRY * n {
        return Err(malformed(0, "length"));
    }
    let mut values = Vec::new();
    values
        .try_reserve_exact(n)
        .map_err(|_| CheckpointError::OutOfMemory)?;
    for (i, &g) in shape.globals.iter().enumerate() {
        let index = i as u32;
        let (code, mutable) = (r.u8(), r.u8());
        let value = r.u128().ok_or(malformed(index, "truncated"))?;
        let ty = store.inner.globals[g as usize].ty;
        if code != Some(type_code(ty.content)) || mutable != Some(u8::from(ty.mutable)) {
            return Err(CheckpointError::Mismatch {
                kind: Kind::Globals,
                index,
                reason: "global type differs",
            });
        }
        if !ty.mutable {
            if value != 0 {
                return Err(malformed(index, "value of an immutable global"));
            }
            values.push(None);
            continue;
        }
        let width_ok = match ty.content.cell_kind() {
            ValType::I32 | ValType::F32 => value >> 32 == 0,
            ValType::I64 | ValType::F64 => value >> 64 == 0,
            ValType::V128 => true,
            ValType::FuncRef | ValType::ExternRef | ValType::Ref(_) => value >> 64 == 0,
        };
        if !width_ok {
            return Err(malformed(index, "value wider than its type"));
        }
        let value = match ty.content.cell_kind() {
            ValType::FuncRef => decode_funcref(value as u64, &shape.funcs)
                .ok_or(malformed(index, "function index out of range"))?
                .into(),
            ValType::ExternRef if value != 0 => return Err(malformed(index, "non-null externref")),
            _ => value,
        };
        values.push(Some(value));
    }
    Ok(values)
}

fn dropped_bits<E>(
    flags: impl ExactSizeIterator<Item = bool>,
) -> Result<Vec<u8>, CheckpointError<E>> {
    let mut out = vec_zeroed(flags.len().div_ceil(8))?;
    for (i, dropped) in flags.enumerate() {
        if dropped {
            out[i / 8] |= 1 << (i % 8);
        }
    }
    Ok(out)
}

fn encode_segments<T, E>(shape: &Shape, store: &Store<T>) -> Result<Vec<u8>, CheckpointError<E>> {
    let datas = dropped_bits(
        shape
            .datas
            .iter()
            .map(|&d| store.inner.datas[d as usize].range.is_empty()),
    )?;
    let elems = dropped_bits(
        shape
            .elems
            .iter()
            .map(|&e| store.inner.elems[e as usize].is_empty()),
    )?;
    let mut out = try_vec(8 + datas.len() + elems.len())?;
    out.extend_from_slice(&count(shape.datas.len(), Kind::Segments)?.to_le_bytes());
    out.extend_from_slice(&count(shape.elems.len(), Kind::Segments)?.to_le_bytes());
    out.extend_from_slice(&datas);
    out.extend_from_slice(&elems);
    Ok(out)
}

/// Decodes the segments part into dropped flags for data and element segments.
#[allow(clippy::type_complexity)]
fn decode_segments<T, E>(
    bytes: &[u8],
    shape: &Shape,
    store: &Store<T>,
) -> Result<(Vec<bool>, Vec<bool>), CheckpointError<E>> {
    let malformed = |reason| CheckpointError::Malformed {
        kind: Kind::Segments,
        index: 0,
        reason,
    };
    let mut r = Reader { bytes };
    let (d, e) = (r.u32(), r.u32());
    if d != Some(shape.datas.len() as u32) || e != Some(shape.elems.len() as u32) {
        return Err(CheckpointError::Mismatch {
            kind: Kind::Segments,
            index: 0,
            reason: "segment counts differ",
        });
    }
    let (dn, en) = (shape.datas.len(), shape.elems.len());
    if r.bytes.len() != dn.div_ceil(8) + en.div_ceil(8) {
        return Err(malformed("length"));
    }
    let data_bits = r.take(dn.div_ceil(8)).ok_or(malformed("truncated"))?;
    let elem_bits = r.bytes;
    let unpack = |bits: &[u8], n: usize| -> Result<Vec<bool>, CheckpointError<E>> {
        let mut flags = Vec::new();
        flags
            .try_reserve_exact(n)
            .map_err(|_| CheckpointError::OutOfMemory)?;
        for i in 0..n {
            flags.push(bits[i / 8] >> (i % 8) & 1 == 1);
        }
        // Padding bits must be zero.
        if !n.is_multiple_of(8) && bits.last().is_some_and(|&b| b >> (n % 8) != 0) {
            return Err(malformed("padding bits set"));
        }
        Ok(flags)
    };
    let datas = unpack(data_bits, dn)?;
    let elems = unpack(elem_bits, en)?;
    // A segment cannot come back once dropped: the checkpoint must not revive one.
    let revived = shape
        .datas
        .iter()
        .zip(&datas)
        .any(|(&d, &dropped)| !dropped && store.inner.datas[d as usize].range.is_empty())
        || shape
            .elems
            .iter()
            .zip(&elems)
            .any(|(&e, &dropped)| !dropped && store.inner.elems[e as usize].is_empty());
    if revived {
        return Err(CheckpointError::Mismatch {
            kind: Kind::Segments,
            index: 0,
            reason: "segment dropped in the instance but not in the checkpoint",
        });
    }
    Ok((datas, elems))
}

fn encode_table<T, E>(
    index: u32,
    store: &Store<T>,
    table: u32,
    reverse: &[(u32, u32)],
) -> Result<Vec<u8>, CheckpointError<E>> {
    let entity = &store.inner.tables[table as usize];
    let unrepresentable = |reason| CheckpointError::Unrepresentable {
        kind: Kind::Table,
        index,
        reason,
    };
    let n = entity.elems.len();
    let bytes = n
        .checked_mul(4)
        .and_then(|b| b.checked_add(TABLE_HEADER))
        .filter(|&b| u32::try_from(b).is_ok())
        .ok_or(unrepresentable("table too large for one part"))?;
    let mut out = try_vec(bytes)?;
    let element = ValType::from(entity.ty.element).cell_kind();
    out.push(type_code(element));
    out.extend_from_slice(&[0, 0, 0]);
    out.extend_from_slice(&(n as u64).to_le_bytes());
    for &cell in &entity.elems {
        let code = match element {
            ValType::FuncRef => encode_funcref(cell, reverse).ok_or(unrepresentable(
                "reference to a function outside the instance",
            ))?,
            _ if cell == 0 => 0,
            _ => return Err(unrepresentable("non-null externref")),
        };
        let code = u32::try_from(code).map_err(|_| unrepresentable("function index"))?;
        out.extend_from_slice(&code.to_le_bytes());
    }
    Ok(out)
}

fn decode_table<T, E>(
    bytes: &[u8],
    index: u32,
    store: &Store<T>,
    table: u32,
    funcs: &[u32],
) -> Result<TableState, CheckpointError<E>> {
    let malformed = |reason| CheckpointError::Malformed {
        kind: Kind::Table,
        index,
        reason,
    };
    let mismatch = |reason| CheckpointError::Mismatch {
        kind: Kind::Table,
        index,
        reason,
    };
    let entity = &store.inner.tables[table as usize];
    let mut r = Reader { bytes };
    let code = r.u8().ok_or(malformed("truncated"))?;
    if r.take(3) != Some(&[0, 0, 0][..]) {
        return Err(malformed("reserved bytes"));
    }
    let size = r.u64().ok_or(malformed("truncated"))?;
    let element = ValType::from(entity.ty.element).cell_kind();
    if code != type_code(element) {
        return Err(mismatch("element type differs"));
    }
    // The length check bounds `size` by the payload actually read.
    if Some(r.bytes.len() as u64) != size.checked_mul(4) {
        return Err(malformed("length"));
    }
    if size < entity.size() {
        return Err(mismatch("table is larger than in the checkpoint"));
    }
    if size > entity.max {
        return Err(CheckpointError::Grow {
            kind: Kind::Table,
            index,
            size,
        });
    }
    let mut cells = Vec::new();
    cells
        .try_reserve_exact(r.bytes.len() / 4)
        .map_err(|_| CheckpointError::OutOfMemory)?;
    for chunk in r.bytes.chunks_exact(4) {
        let code = u64::from(u32::from_le_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]));
        let cell = match element {
            ValType::FuncRef => {
                decode_funcref(code, funcs).ok_or(malformed("function index out of range"))?
            }
            _ if code == 0 => 0,
            _ => return Err(malformed("non-null externref")),
        };
        cells.push(cell);
    }
    Ok(TableState { size, cells })
}

impl Instance {
    /// Writes a checkpoint of this instance to `storage` (checkpoint set 0) and returns its
    /// generation; see [`Checkpointer::checkpoint`]. A one-shot call first reads and verifies
    /// the current checkpoint; keep a [`Checkpointer`] to checkpoint repeatedly.
    pub fn checkpoint<T, S: Storage + ?Sized>(
        &self,
        mut store: impl AsContextMut<Data = T>,
        storage: &mut S,
    ) -> Result<u64, CheckpointError<S::Error>> {
        let store = store.as_context_mut().0;
        Checkpointer::new(0).checkpoint(*self, store, storage)
    }

    /// Restores the newest intact checkpoint (set 0) from `storage` into this instance, a
    /// fresh instance of the same module, and returns its generation; see
    /// [`Checkpointer::restore`].
    pub fn restore<T, S: Storage + ?Sized>(
        &self,
        mut store: impl AsContextMut<Data = T>,
        storage: &mut S,
    ) -> Result<u64, CheckpointError<S::Error>> {
        let store = store.as_context_mut().0;
        Checkpointer::new(0).restore(*self, store, storage)
    }

    /// [`checkpoint`](Instance::checkpoint) to the store's own storage
    /// ([`Store::set_storage`]).
    pub fn checkpoint_to_store_storage<T>(
        &self,
        mut store: impl AsContextMut<Data = T>,
    ) -> Result<u64, CheckpointError<StorageFailure>> {
        let store = store.as_context_mut().0;
        let mut storage = store.take_storage().ok_or(CheckpointError::NoStorage)?;
        let result = self.checkpoint(&mut *store, &mut *storage);
        store.set_boxed_storage(storage);
        result
    }

    /// [`restore`](Instance::restore) from the store's own storage ([`Store::set_storage`]).
    pub fn restore_from_store_storage<T>(
        &self,
        mut store: impl AsContextMut<Data = T>,
    ) -> Result<u64, CheckpointError<StorageFailure>> {
        let store = store.as_context_mut().0;
        let mut storage = store.take_storage().ok_or(CheckpointError::NoStorage)?;
        let result = self.restore(&mut *store, &mut *storage);
        store.set_boxed_storage(storage);
        result
    }
}
