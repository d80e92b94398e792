//! Durable instance checkpoints: save an instance's state (memories, globals, tables,
//! dropped-segment flags) to storage between calls, and restore it into a fresh instance of the
//! same module after a reboot.
//!
//! A checkpoint is one atomic commit of [`offload::commit`](crate::offload::commit):
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

mod error;
mod format;

pub use error::CheckpointError;
use format::*;

use super::context::AsContextMut;
use alloc::vec::Vec;

use super::storage::StorageFailure;
use super::{Instance, Memory, Store};
use crate::offload::commit::Checkpoints;
use crate::offload::{Key, Kind, Storage};

/// The part index (of [`Kind::Meta`]) of a suspended call checkpointed with its instance
/// (`runtime/persist.rs`, `docs/suspended-call.md`).
pub(crate) const CALL_PART: u32 = 1;

/// What [`Checkpointer::restore_with`] hands the suspended-call part to.
pub(crate) type CallPart<'a, T, E> =
    &'a mut dyn FnMut(&mut Store<T>, &[u8]) -> Result<(), CheckpointError<E>>;

/// Default memory chunk size: 16 KiB, within the program page range of SD cards.
pub const DEFAULT_CHUNK_SIZE: u32 = 16 * 1024;

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
    #[cfg_attr(fayasm_optimize_size, optimize(size))]
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
    /// [`OffloadError::NoValidCheckpoint`](crate::offload::OffloadError::NoValidCheckpoint)
    /// (inside [`CheckpointError::Offload`]) if all are damaged, and a typed error for anything
    /// that does not fit the instance. Everything but memory contents is validated before the
    /// instance is changed.
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
    #[cfg_attr(fayasm_optimize_size, optimize(size))]
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
