//! Linear memory, resident, spilled to storage, or demand-paged.
//!
//! **Invariants:**
//! - `size` is always a multiple of the memory's page size (`ty.page_size_log2`: 64 KiB, or
//!   1 byte with the custom-page-sizes proposal) and never exceeds the effective maximum (the type's maximum, the engine's `max_memory_pages`, what the address width can
//!   express, and for paged memories what a page key can name).
//! - `data` holds bytes only while the memory is [`Backing::Resident`], and then
//!   `data.len() == size`. A spilled or paged memory has an empty `data`, so the interpreter's
//!   fast path (`end <= data.len()`) fails for it and every access takes the slow path here,
//!   which reloads or pages in. A resident memory pays nothing for offload: its slow path is
//!   only ever taken by an access that traps anyway.
//! - Every access is bounds-checked against `size` with overflow-free arithmetic in `u64`
//!   before any byte moves, so a trapping bulk operation changes nothing.

use alloc::boxed::Box;
use alloc::vec::Vec;

use super::storage::OffloadState;
use super::zeroed::{grow_zeroed, zeroed_vec};
use crate::config::{MemoryPolicy, Paging};
use crate::error::TrapCode;
use crate::offload::{io, Key, Kind, OffloadError, Slot};
use crate::types::MemoryType;

/// Bytes per wasm page (the default page size; a memory of the custom-page-sizes proposal
/// may have 1-byte pages, `MemoryType::page_size_log2`).
pub const PAGE_SIZE: u64 = 65_536;

/// Whether a memory may have pages of `1 << log2` bytes: 64 KiB, or 1 byte (the only sizes the
/// custom-page-sizes proposal allows).
pub(crate) fn page_size_ok(log2: u8) -> bool {
    log2 == 0 || log2 == 16
}

/// The most pages a paged memory can have: page numbers are 24 bits in a page key.
const MAX_PAGED_PAGES: u64 = 1 << 24;

/// Dirty pages written back together when an eviction has to write one. Only cold ones join
/// the victim (not referenced since the clock hand last passed): writing a hot page early is
/// wasted, since it is dirtied again before its eviction (with 2 frames, `wasi_numfmt` wrote
/// 147,694 pages for 170,328 faults when every dirty page joined the batch).
const WRITEBACK_BATCH: usize = 8;

/// Where a memory's bytes are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Residency {
    /// All in RAM.
    Resident,
    /// On storage; the first access (or [`Memory::load`](crate::Memory::load)) reloads it.
    Spilled,
    /// Demand-paged: `resident` of `pages` pages (of the paging page size) are in RAM.
    Paged {
        /// Pages in RAM now.
        resident: usize,
        /// Pages in the memory.
        pages: u64,
        /// Pages in RAM that differ from storage.
        dirty: usize,
    },
}

#[derive(Debug)]
pub(crate) enum Backing {
    Resident,
    /// Spilled as `generation` in ring slot `slot` of its key.
    Spilled {
        generation: u64,
        slot: u8,
    },
    Paged(Box<Pager>),
}

/// A linear memory's state in the store.
#[derive(Debug)]
pub(crate) struct MemoryEntity {
    /// The bytes, while resident (see the module invariants).
    pub data: Vec<u8>,
    /// The size in bytes.
    size: u64,
    pub ty: MemoryType,
    /// The effective maximum in pages (of `ty.page_size_log2`).
    pub max_pages: u64,
    pub backing: Backing,
    pub policy: MemoryPolicy,
    /// The module fingerprint and store index that name this memory's blobs.
    pub fingerprint: u64,
    pub index: u32,
    /// The ring slot the last whole-memory spill went to; the next one takes the other, so a
    /// torn write never destroys the previous copy.
    last_slot: u8,
}

impl MemoryEntity {
    /// A memory of type `ty`, resident, or paged when `paging` is given (then no RAM is taken
    /// until pages are touched), of at most `max_bytes` bytes (the engine's and store's
    /// limit). `None` when the page size is not one the proposal allows, the minimum size is
    /// over a limit or the allocation fails.
    pub fn new(ty: MemoryType, max_bytes: u64, paging: Option<Paging>) -> Option<Self> {
        if !page_size_ok(ty.page_size_log2) {
            return None;
        }
        let shift = u32::from(ty.page_size_log2);
        let width_max = if ty.memory64 {
            // The largest size whose byte length fits in a usize on this host.
            (usize::MAX as u64) >> shift
        } else {
            // 2^32 bytes; with 1-byte pages 2^32 - 1 pages, so that `memory.grow`'s old
            // size is never the -1 of a failure.
            ((1u64 << 32) >> shift).min(u64::from(u32::MAX))
        };
        let mut max_pages = ty
            .max
            .unwrap_or(u64::MAX)
            .min(max_bytes >> shift)
            .min(width_max);
        if let Some(p) = paging {
            if !p.is_valid() {
                return None;
            }
            max_pages = max_pages.min((MAX_PAGED_PAGES * u64::from(p.page_size)) >> shift);
        }
        if ty.min > max_pages {
            return None;
        }
        let size = ty.min.checked_mul(ty.page_size())?;
        let len = usize::try_from(size).ok()?;
        let (data, backing) = match paging {
            // Zeroed by the allocator, not by writing: pages the guest never touches cost
            // no RAM on hosts.
            None => (zeroed_vec(len)?, Backing::Resident),
            Some(p) => (Vec::new(), Backing::Paged(Box::new(Pager::new(p, size)?))),
        };
        Some(MemoryEntity {
            data,
            size,
            ty,
            max_pages,
            backing,
            policy: MemoryPolicy::Cache,
            fingerprint: 0,
            index: 0,
            last_slot: 1,
        })
    }

    /// The size in pages (of `ty.page_size_log2`).
    pub fn pages(&self) -> u64 {
        self.size >> self.ty.page_size_log2
    }

    pub fn residency(&self) -> Residency {
        match &self.backing {
            Backing::Resident => Residency::Resident,
            Backing::Spilled { .. } => Residency::Spilled,
            Backing::Paged(p) => Residency::Paged {
                resident: p.frames.len(),
                pages: p.table.len() as u64,
                dirty: p.frames.iter().filter(|f| f.dirty).count(),
            },
        }
    }

    /// Region wear of a paged memory (`Memory::page_wear`).
    pub fn page_wear(&self) -> Option<PageWear> {
        match &self.backing {
            Backing::Paged(p) => p.wear(),
            _ => None,
        }
    }

    fn key(&self, slot: u8) -> Key {
        Key::new(Kind::Memory, self.fingerprint, self.index).with_slot(Slot::Ring(slot))
    }

    /// Grow by `delta` pages; the old size in pages, or `None` (wasm's -1) past the memory's
    /// maximum, past the store's total memory budget, or when the host has no RAM for it. A
    /// spilled memory is reloaded first (a failed reload also fails the grow).
    pub fn grow(&mut self, off: &mut OffloadState, delta: u64) -> Option<u64> {
        let old = self.pages();
        let new = old.checked_add(delta)?;
        if new > self.max_pages {
            return None;
        }
        let new_size = new.checked_mul(self.ty.page_size())?;
        let new_len = usize::try_from(new_size).ok()?;
        if let Backing::Spilled { .. } = self.backing {
            self.reload(off).ok()?;
        }
        let extra = new_size - self.size;
        if !off.memory_budget.take(extra) {
            return None;
        }
        let grown = match &mut self.backing {
            Backing::Resident => grow_zeroed(&mut self.data, new_len),
            Backing::Paged(p) => p.grow(new_size),
            Backing::Spilled { .. } => None,
        };
        if grown.is_none() {
            off.memory_budget.give_back(extra);
            return None;
        }
        self.size = new_size;
        Some(old)
    }

    /// `addr + offset` if `N` bytes from there are in bounds.
    #[inline(always)]
    fn effective(&self, addr: u64, offset: u64, n: u64) -> Result<u64, TrapCode> {
        let ea = addr
            .checked_add(offset)
            .ok_or(TrapCode::MemoryOutOfBounds)?;
        match ea.checked_add(n) {
            Some(end) if end <= self.size => Ok(ea),
            _ => Err(TrapCode::MemoryOutOfBounds),
        }
    }

    /// The byte range `addr..addr+len` of `data` if it is in bounds of a resident memory.
    /// For a spilled or paged memory, in-bounds ranges are reported as unavailable.
    #[inline(always)]
    pub fn range(&self, addr: u64, len: u64) -> Result<core::ops::Range<usize>, TrapCode> {
        let end = addr.checked_add(len).ok_or(TrapCode::MemoryOutOfBounds)?;
        if end > self.data.len() as u64 {
            return Err(if end <= self.size {
                TrapCode::MemoryUnavailable
            } else {
                TrapCode::MemoryOutOfBounds
            });
        }
        Ok(addr as usize..end as usize)
    }

    #[inline(always)]
    pub fn load<const N: usize>(
        &mut self,
        off: &mut OffloadState,
        addr: u64,
        offset: u64,
    ) -> Result<[u8; N], TrapCode> {
        if let Some(ea) = addr.checked_add(offset) {
            if ea
                .checked_add(N as u64)
                .is_some_and(|e| e <= self.data.len() as u64)
            {
                let mut out = [0u8; N];
                out.copy_from_slice(&self.data[ea as usize..ea as usize + N]);
                return Ok(out);
            }
        }
        self.load_cold(off, addr, offset)
    }

    #[cold]
    #[inline(never)]
    pub fn load_cold<const N: usize>(
        &mut self,
        off: &mut OffloadState,
        addr: u64,
        offset: u64,
    ) -> Result<[u8; N], TrapCode> {
        let ea = self.effective(addr, offset, N as u64)?;
        let mut out = [0u8; N];
        // A paged access inside one resident page needs no more than a table lookup.
        if let Backing::Paged(p) = &mut self.backing {
            if let Some(at) = p.resident_at(ea, N, false) {
                out.copy_from_slice(&p.bytes[at..at + N]);
                return Ok(out);
            }
        }
        self.read(off, ea, &mut out)?;
        Ok(out)
    }

    #[inline(always)]
    pub fn store<const N: usize>(
        &mut self,
        off: &mut OffloadState,
        addr: u64,
        offset: u64,
        bytes: [u8; N],
    ) -> Result<(), TrapCode> {
        if let Some(ea) = addr.checked_add(offset) {
            if ea
                .checked_add(N as u64)
                .is_some_and(|e| e <= self.data.len() as u64)
            {
                self.data[ea as usize..ea as usize + N].copy_from_slice(&bytes);
                return Ok(());
            }
        }
        self.store_cold(off, addr, offset, bytes)
    }

    #[cold]
    #[inline(never)]
    pub fn store_cold<const N: usize>(
        &mut self,
        off: &mut OffloadState,
        addr: u64,
        offset: u64,
        bytes: [u8; N],
    ) -> Result<(), TrapCode> {
        let ea = self.effective(addr, offset, N as u64)?;
        if let Backing::Paged(p) = &mut self.backing {
            if let Some(at) = p.resident_at(ea, N, true) {
                p.bytes[at..at + N].copy_from_slice(&bytes);
                return Ok(());
            }
        }
        self.write(off, ea, &bytes)
    }

    /// Copy bytes out of the memory at `ea`, in any backing.
    pub fn read(
        &mut self,
        off: &mut OffloadState,
        ea: u64,
        buf: &mut [u8],
    ) -> Result<(), TrapCode> {
        self.effective(ea, 0, buf.len() as u64)?;
        self.make_accessible(off)?;
        match &mut self.backing {
            Backing::Paged(p) => p.read(off, self.fingerprint, self.index, self.policy, ea, buf),
            _ => {
                let r = self.range(ea, buf.len() as u64)?;
                buf.copy_from_slice(&self.data[r]);
                Ok(())
            }
        }
    }

    /// Copy `bytes` into the memory at `ea`, in any backing.
    pub fn write(&mut self, off: &mut OffloadState, ea: u64, bytes: &[u8]) -> Result<(), TrapCode> {
        self.effective(ea, 0, bytes.len() as u64)?;
        self.make_accessible(off)?;
        match &mut self.backing {
            Backing::Paged(p) => p.write(off, self.fingerprint, self.index, self.policy, ea, bytes),
            _ => {
                let r = self.range(ea, bytes.len() as u64)?;
                self.data[r].copy_from_slice(bytes);
                Ok(())
            }
        }
    }

    /// The size in bytes.
    #[cfg_attr(not(feature = "std"), allow(dead_code))] // used by WASI (std)
    pub fn byte_len(&self) -> u64 {
        self.size
    }

    /// The longest run of the memory's bytes from `ea` that is contiguous in RAM, at most
    /// `len` bytes and at least one when `len > 0`: the whole range for a resident memory
    /// (a spilled one is reloaded first), up to the end of the page for a paged one (paged
    /// in, evicting another if the frame budget asks; marked dirty when `write`). The `&mut`
    /// borrow is what pins the page: nothing can evict it while the slice lives. Host code
    /// that needs a range in any backing (WASI) walks it window by window.
    #[cfg_attr(not(feature = "std"), allow(dead_code))] // used by WASI (std)
    pub fn window(
        &mut self,
        off: &mut OffloadState,
        ea: u64,
        len: u64,
        write: bool,
    ) -> Result<&mut [u8], TrapCode> {
        self.effective(ea, 0, len)?;
        if len == 0 {
            return Ok(&mut []);
        }
        self.make_accessible(off)?;
        if !matches!(self.backing, Backing::Paged(_)) {
            let r = self.range(ea, len)?;
            return Ok(&mut self.data[r]);
        }
        let (fp, index, policy) = (self.fingerprint, self.index, self.policy);
        match &mut self.backing {
            Backing::Paged(p) => {
                let in_page = (ea & (p.page_size() as u64 - 1)) as usize;
                let n = ((p.page_size() - in_page) as u64).min(len) as usize;
                let base = p.frame_of(off, fp, index, policy, ea >> p.shift, write)?;
                Ok(&mut p.bytes[base + in_page..base + in_page + n])
            }
            // Not reached: only a paged memory gets here.
            _ => Err(TrapCode::MemoryUnavailable),
        }
    }

    /// `memory.fill`.
    pub fn fill(
        &mut self,
        off: &mut OffloadState,
        ea: u64,
        len: u64,
        val: u8,
    ) -> Result<(), TrapCode> {
        self.effective(ea, 0, len)?;
        self.make_accessible(off)?;
        match &mut self.backing {
            Backing::Paged(p) => {
                let chunk = [val; 256];
                let mut done = 0u64;
                while done < len {
                    let n = (len - done).min(chunk.len() as u64) as usize;
                    p.write(
                        off,
                        self.fingerprint,
                        self.index,
                        self.policy,
                        ea + done,
                        &chunk[..n],
                    )?;
                    done += n as u64;
                }
                Ok(())
            }
            _ => {
                let r = self.range(ea, len)?;
                self.data[r].fill(val);
                Ok(())
            }
        }
    }

    /// `memory.copy` within this memory.
    pub fn copy_within(
        &mut self,
        off: &mut OffloadState,
        dst: u64,
        src: u64,
        len: u64,
    ) -> Result<(), TrapCode> {
        self.effective(src, 0, len)?;
        self.effective(dst, 0, len)?;
        self.make_accessible(off)?;
        if let Backing::Paged(_) = self.backing {
            // Through a bounce buffer, in the direction that never overwrites unread bytes.
            let mut tmp = [0u8; 256];
            let step = tmp.len() as u64;
            if dst <= src {
                let mut done = 0;
                while done < len {
                    let n = (len - done).min(step) as usize;
                    self.read(off, src + done, &mut tmp[..n])?;
                    self.write(off, dst + done, &tmp[..n])?;
                    done += n as u64;
                }
            } else {
                let mut left = len;
                while left > 0 {
                    let n = left.min(step) as usize;
                    left -= n as u64;
                    self.read(off, src + left, &mut tmp[..n])?;
                    self.write(off, dst + left, &tmp[..n])?;
                }
            }
            return Ok(());
        }
        let sr = self.range(src, len)?;
        let dr = self.range(dst, len)?;
        self.data.copy_within(sr, dr.start);
        Ok(())
    }

    /// `memory.copy` from another memory into this one.
    pub fn copy_from(
        &mut self,
        src_mem: &mut MemoryEntity,
        off: &mut OffloadState,
        dst: u64,
        src: u64,
        len: u64,
    ) -> Result<(), TrapCode> {
        src_mem.effective(src, 0, len)?;
        self.effective(dst, 0, len)?;
        self.make_accessible(off)?;
        src_mem.make_accessible(off)?;
        if matches!(self.backing, Backing::Resident) && matches!(src_mem.backing, Backing::Resident)
        {
            let sr = src_mem.range(src, len)?;
            let dr = self.range(dst, len)?;
            self.data[dr].copy_from_slice(&src_mem.data[sr]);
            return Ok(());
        }
        let mut tmp = [0u8; 256];
        let mut done = 0;
        while done < len {
            let n = (len - done).min(tmp.len() as u64) as usize;
            src_mem.read(off, src + done, &mut tmp[..n])?;
            self.write(off, dst + done, &tmp[..n])?;
            done += n as u64;
        }
        Ok(())
    }

    /// Reload a spilled memory so the resident path can serve it.
    fn make_accessible(&mut self, off: &mut OffloadState) -> Result<(), TrapCode> {
        if let Backing::Spilled { .. } = self.backing {
            self.reload(off).map_err(|_| TrapCode::MemoryUnavailable)?;
        }
        Ok(())
    }

    /// Write the whole memory to the store's storage and release its RAM. A paged memory
    /// writes back its dirty pages and releases every frame instead. Returns bytes written.
    pub fn spill(&mut self, off: &mut OffloadState) -> Result<usize, MemoryOffloadError> {
        let slot = 1 - self.last_slot;
        let key = self.key(slot);
        let generation = off.next_generation();
        let OffloadState {
            storage, metrics, ..
        } = off;
        let storage = storage
            .as_deref_mut()
            .ok_or(MemoryOffloadError::NoStorage)?;
        match &mut self.backing {
            Backing::Spilled { .. } => Ok(0),
            Backing::Resident => {
                let started = metrics.start();
                let durable = self.policy == MemoryPolicy::Durable;
                let header = io::save_with(storage, &key, generation, &self.data, durable)
                    .map_err(offload_error)?;
                if self.policy == MemoryPolicy::Durable {
                    storage
                        .sync()
                        .map_err(|e| offload_error(OffloadError::Storage(e)))?;
                }
                let bytes = crate::offload::blob::HEADER_LEN + header.payload_len as usize;
                metrics.record_spill(Kind::Memory, bytes, started);
                self.data = Vec::new();
                self.last_slot = slot;
                self.backing = Backing::Spilled { generation, slot };
                Ok(bytes)
            }
            Backing::Paged(p) => {
                let (fp, index, policy) = (self.fingerprint, self.index, self.policy);
                let before = metrics.kind(Kind::MemoryPage).bytes_written;
                p.release_all(off, fp, index, policy)
                    .map_err(|_| MemoryOffloadError::WriteBack)?;
                Ok((off.metrics.kind(Kind::MemoryPage).bytes_written - before) as usize)
            }
        }
    }

    /// Bring a spilled memory back into RAM (a no-op otherwise). On failure the memory stays
    /// spilled, so a later access or call may retry.
    pub fn reload(&mut self, off: &mut OffloadState) -> Result<(), MemoryOffloadError> {
        let Backing::Spilled { generation, slot } = self.backing else {
            return Ok(());
        };
        let key = self.key(slot);
        let OffloadState {
            storage, metrics, ..
        } = off;
        let Some(storage) = storage.as_deref_mut() else {
            metrics.record_load_failure(Kind::Memory);
            return Err(MemoryOffloadError::NoStorage);
        };
        let started = metrics.start();
        let mut buf = Vec::new();
        let loaded = io::load_generation(storage, &key, generation, &mut buf)
            .map_err(offload_error)
            .and_then(|_| {
                let len = buf.len() as u64;
                if len > self.size || !len.is_multiple_of(self.ty.page_size()) {
                    return Err(MemoryOffloadError::BadSize);
                }
                let extra = (self.size - len) as usize;
                buf.try_reserve_exact(extra)
                    .map_err(|_| MemoryOffloadError::OutOfMemory)?;
                Ok(len)
            });
        match loaded {
            Ok(len) => {
                metrics.record_load(
                    Kind::Memory,
                    len as usize + crate::offload::blob::HEADER_LEN,
                    started,
                );
                buf.resize(self.size as usize, 0);
                self.data = buf;
                self.backing = Backing::Resident;
                Ok(())
            }
            Err(e) => {
                metrics.record_load_failure(Kind::Memory);
                Err(e)
            }
        }
    }

    /// What the interpreter may read of this memory's resident pages directly
    /// ([`PagedView`]): the pager's page table and frames for a paged memory, nothing
    /// otherwise. Valid until the next operation on this memory (the interpreter re-reads it
    /// whenever it re-reads memory 0's resident bytes).
    #[inline(always)]
    pub(crate) fn paged_view(&mut self) -> PagedView {
        match &mut self.backing {
            Backing::Paged(p) => PagedView {
                table: p.table.as_ptr(),
                frames: p.frames.as_mut_ptr(),
                bytes: p.bytes.as_mut_ptr(),
                size: self.size,
                shift: p.shift,
            },
            _ => PagedView::NONE,
        }
    }

    /// Write back every dirty page of a paged memory (and sync for a durable one).
    pub fn flush(&mut self, off: &mut OffloadState) -> Result<(), MemoryOffloadError> {
        let (fp, index, policy) = (self.fingerprint, self.index, self.policy);
        match &mut self.backing {
            Backing::Paged(p) => p
                .write_back(off, fp, index, policy, usize::MAX, false)
                .map_err(|_| MemoryOffloadError::WriteBack),
            _ => Ok(()),
        }
    }
}

/// Why a memory could not be spilled or loaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MemoryOffloadError {
    /// The store has no storage ([`Store::set_storage`](crate::Store::set_storage)).
    NoStorage,
    /// Reading or writing the blob failed, or the blob was rejected (text of the error).
    Offload(alloc::string::String),
    /// The stored memory is larger than the memory or not a whole number of pages.
    BadSize,
    /// Writing back dirty pages failed; they stay resident and dirty.
    WriteBack,
    /// No RAM for the reloaded contents.
    OutOfMemory,
    /// The memory handle belongs to another store.
    WrongStore,
    /// The memory is spilled or paged, so it has no contiguous bytes in RAM
    /// ([`Memory::try_data`](crate::Memory::try_data)).
    NotResident,
}

impl core::fmt::Display for MemoryOffloadError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            MemoryOffloadError::NoStorage => f.write_str("the store has no storage"),
            MemoryOffloadError::Offload(e) => f.write_str(e),
            MemoryOffloadError::BadSize => f.write_str("stored memory has the wrong size"),
            MemoryOffloadError::WriteBack => f.write_str("writing back dirty pages failed"),
            MemoryOffloadError::OutOfMemory => f.write_str("out of memory reloading a memory"),
            MemoryOffloadError::WrongStore => f.write_str("the memory belongs to another store"),
            MemoryOffloadError::NotResident => {
                f.write_str("the memory is spilled or paged, not resident in RAM")
            }
        }
    }
}

fn offload_error<E: core::fmt::Debug>(e: OffloadError<E>) -> MemoryOffloadError {
    MemoryOffloadError::Offload(alloc::format!("{e:?}"))
}

/// The interpreter's direct view of a paged memory 0's resident pages (`exec::state::Ctx`):
/// a load or store that misses memory 0's resident bytes (`Regs::mem0`, empty for a paged
/// memory) looks its page up here before leaving the fast path, so accesses to resident
/// pages cost a table lookup instead of a call into the pager; only a fault (page not
/// resident, or an access straddling two pages) takes the out-of-line path, which pages in.
///
/// The pointers are the pager's own vectors, read by [`MemoryEntity::paged_view`]; they stay
/// valid until the next operation on the memory that can page, grow or spill (all in
/// `runtime/memory.rs`, reached only through out-of-line paths), after which the interpreter
/// re-reads the view together with `Regs::mem0` (ARCHITECTURE.md, "Invariants": the
/// default-memory fast path). Eviction needs no pinning: it unmaps the page in the table
/// the view reads. An access through the view sets the frame's `referenced` bit (and
/// `dirty` for a store), exactly as the pager's own path does, so the clock sees it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PagedView {
    /// `Pager::table` (one entry per paging page of `size` bytes).
    table: *const u32,
    /// `Pager::frames`.
    frames: *mut Frame,
    /// `Pager::bytes`: `frames.len()` pages.
    bytes: *mut u8,
    /// The memory's size in bytes; 0 for no paged memory (every lookup misses).
    size: u64,
    /// log2 of the paging page size.
    shift: u32,
}

impl PagedView {
    /// No paged memory.
    pub(crate) const NONE: PagedView = PagedView {
        table: core::ptr::null(),
        frames: core::ptr::null_mut(),
        bytes: core::ptr::null_mut(),
        size: 0,
        shift: 12,
    };

    /// Where the `n` bytes (1 to 16) at `addr + offset` are in RAM, if that range is in
    /// bounds and inside one resident page; the frame is marked referenced, and dirty when
    /// `write`.
    #[inline(always)]
    pub(crate) fn at(&self, addr: u64, offset: u64, n: u64, write: bool) -> Option<*mut u8> {
        let ea = addr.checked_add(offset)?;
        if ea >= self.size || n > self.size - ea {
            return None;
        }
        let mask = (1u64 << self.shift) - 1;
        let in_page = ea & mask;
        if in_page + n > mask + 1 {
            return None;
        }
        // SAFETY: `ea < size`, so the page `ea >> shift` is below `table.len()` (the table
        // has a page per started paging page of the `size` this view was read with, and the
        // view is re-read after anything that changes the pager: PagedView's contract).
        let f = unsafe { *self.table.add((ea >> self.shift) as usize) };
        if f == NOT_RESIDENT {
            return None;
        }
        // SAFETY: a mapped table entry names a frame below `frames.len()`, whose page of
        // `bytes` is `f << shift ..` (Pager invariants); `in_page + n` is within the page.
        unsafe {
            let frame = &mut *self.frames.add(f as usize);
            frame.referenced = true;
            frame.dirty |= write;
            Some(
                self.bytes
                    .add(((f as usize) << self.shift) + in_page as usize),
            )
        }
    }
}

/// A resident page frame.
#[derive(Debug, Clone, Copy)]
struct Frame {
    page: u32,
    dirty: bool,
    referenced: bool,
}

const NOT_RESIDENT: u32 = u32::MAX;

/// Demand paging for one memory: a page table, a fixed budget of frames, and second-chance
/// (clock) eviction. A page that was never written back reads as zeros; one that was is
/// read back and checked (CRC, key, generation) on its next touch.
#[derive(Debug)]
pub(crate) struct Pager {
    shift: u32,
    budget: usize,
    /// Per page: its frame, or `NOT_RESIDENT`.
    table: Vec<u32>,
    /// Per page: the generation of its stored copy shifted left by one, with the ring slot it
    /// is in as the low bit (0: never written back).
    stored: Vec<u32>,
    frames: Vec<Frame>,
    /// `frames.len()` pages of bytes.
    bytes: Vec<u8>,
    hand: usize,
    next_generation: u32,
    /// Reused I/O buffer (one page plus the envelope).
    scratch: Vec<u8>,
    /// Where written-back pages go, chosen at the first write-back.
    store: PageStore,
    /// Region mode: how often each page's slot was written (saturating), for wear figures.
    slot_writes: Vec<u16>,
}

/// Where a paged memory keeps its written-back pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PageStore {
    /// Nothing written back yet: decided by the storage at the first write-back.
    Undecided,
    /// A blob per page, alternating between two ring slots of its key (storages without
    /// regions).
    Blobs,
    /// One region per memory ([`Storage::has_regions`](crate::offload::Storage)): page `p` in
    /// the fixed slot `p` (its envelope, then its bytes), written in place; consecutive dirty
    /// pages of a write-back batch go out in one write.
    Region,
}

/// A paged memory's wear on storage ([`Memory::page_wear`](crate::Memory::page_wear)):
/// region mode only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PageWear {
    /// Slots in the region (one per page of the memory).
    pub slots: u64,
    /// Slots written at least once.
    pub slots_written: u64,
    /// Writes of the most-written slot.
    pub max_writes: u64,
    /// Writes of all slots.
    pub total_writes: u64,
}

impl Pager {
    /// Pages for a memory of `size` bytes: the last one may be partly past the end (a memory
    /// of 1-byte wasm pages need not fill its last paging page, or even one); accesses are
    /// bounded by the memory's size, never by its pages.
    fn new(p: Paging, size: u64) -> Option<Pager> {
        let shift = p.page_size.trailing_zeros();
        let pages = usize::try_from(size.div_ceil(u64::from(p.page_size))).ok()?;
        let mut table = Vec::new();
        table.try_reserve_exact(pages).ok()?;
        table.resize(pages, NOT_RESIDENT);
        let mut stored = Vec::new();
        stored.try_reserve_exact(pages).ok()?;
        stored.resize(pages, 0);
        Some(Pager {
            shift,
            budget: p.resident_pages,
            table,
            stored,
            frames: Vec::new(),
            bytes: Vec::new(),
            hand: 0,
            next_generation: 0,
            scratch: Vec::new(),
            store: PageStore::Undecided,
            slot_writes: Vec::new(),
        })
    }

    /// The wear figures of region mode.
    fn wear(&self) -> Option<PageWear> {
        if self.store != PageStore::Region {
            return None;
        }
        let mut w = PageWear {
            slots: self.table.len() as u64,
            ..PageWear::default()
        };
        for &n in &self.slot_writes {
            w.slots_written += u64::from(n > 0);
            w.max_writes = w.max_writes.max(u64::from(n));
            w.total_writes += u64::from(n);
        }
        Some(w)
    }

    /// The region key of memory `index` of module `fp` (page blobs use ring slots of their
    /// page's key; the region is the single slot of page 0's key).
    fn region_key(fp: u64, index: u32) -> Result<Key, TrapCode> {
        let item = Key::page_index(index, 0).ok_or(TrapCode::MemoryUnavailable)?;
        Ok(Key::new(Kind::MemoryPage, fp, item).with_slot(Slot::Single))
    }

    /// The byte offset of page `page`'s slot in the region: slots are the envelope and the
    /// page, back to back. (Rounding slots up to whole 512-byte card blocks made the region
    /// 11% larger and the first pass of the firmware's paged app write 10% more blocks,
    /// 5,199 against 4,717, for at most one partial block saved per slot write.)
    fn slot_offset(&self, page: u32) -> u64 {
        u64::from(page) * (crate::offload::blob::HEADER_LEN + self.page_size()) as u64
    }

    fn page_size(&self) -> usize {
        1 << self.shift
    }

    /// The offset in `bytes` of the in-bounds access `ea..ea + n` if it lies within one
    /// resident page (marking the page referenced, and dirty for a write).
    #[inline(always)]
    fn resident_at(&mut self, ea: u64, n: usize, write: bool) -> Option<usize> {
        let in_page = (ea & (self.page_size() as u64 - 1)) as usize;
        if in_page + n > self.page_size() {
            return None;
        }
        let f = *self.table.get((ea >> self.shift) as usize)?;
        if f == NOT_RESIDENT {
            return None;
        }
        let frame = &mut self.frames[f as usize];
        frame.referenced = true;
        frame.dirty |= write;
        Some((f as usize) * self.page_size() + in_page)
    }

    fn grow(&mut self, new_size: u64) -> Option<()> {
        let pages = usize::try_from(new_size.div_ceil(self.page_size() as u64)).ok()?;
        let extra = pages.checked_sub(self.table.len())?;
        self.table.try_reserve_exact(extra).ok()?;
        self.stored.try_reserve_exact(extra).ok()?;
        self.table.resize(pages, NOT_RESIDENT);
        self.stored.resize(pages, 0);
        Some(())
    }

    fn read(
        &mut self,
        off: &mut OffloadState,
        fp: u64,
        index: u32,
        policy: MemoryPolicy,
        ea: u64,
        buf: &mut [u8],
    ) -> Result<(), TrapCode> {
        let mut done = 0usize;
        while done < buf.len() {
            let at = ea + done as u64;
            let in_page = (at & (self.page_size() as u64 - 1)) as usize;
            let n = (self.page_size() - in_page).min(buf.len() - done);
            let base = self.frame_of(off, fp, index, policy, at >> self.shift, false)?;
            buf[done..done + n].copy_from_slice(&self.bytes[base + in_page..base + in_page + n]);
            done += n;
        }
        Ok(())
    }

    fn write(
        &mut self,
        off: &mut OffloadState,
        fp: u64,
        index: u32,
        policy: MemoryPolicy,
        ea: u64,
        src: &[u8],
    ) -> Result<(), TrapCode> {
        let mut done = 0usize;
        while done < src.len() {
            let at = ea + done as u64;
            let in_page = (at & (self.page_size() as u64 - 1)) as usize;
            let n = (self.page_size() - in_page).min(src.len() - done);
            let base = self.frame_of(off, fp, index, policy, at >> self.shift, true)?;
            self.bytes[base + in_page..base + in_page + n].copy_from_slice(&src[done..done + n]);
            done += n;
        }
        Ok(())
    }

    fn page_key(fp: u64, index: u32, page: u32, slot: u8) -> Result<Key, TrapCode> {
        let item = Key::page_index(index, u64::from(page)).ok_or(TrapCode::MemoryUnavailable)?;
        Ok(Key::new(Kind::MemoryPage, fp, item).with_slot(Slot::Ring(slot)))
    }

    /// The byte offset in `bytes` of `page`'s frame, paging it in if needed.
    fn frame_of(
        &mut self,
        off: &mut OffloadState,
        fp: u64,
        index: u32,
        policy: MemoryPolicy,
        page: u64,
        write: bool,
    ) -> Result<usize, TrapCode> {
        let page = page as usize;
        let f = self.table[page];
        if f != NOT_RESIDENT {
            let frame = &mut self.frames[f as usize];
            frame.referenced = true;
            frame.dirty |= write;
            return Ok(f as usize * self.page_size());
        }
        let f = self.free_frame(off, fp, index, policy)?;
        let ps = self.page_size();
        let base = f * ps;
        let stored = self.stored[page];
        if stored == 0 {
            self.bytes[base..base + ps].fill(0);
        } else {
            let (generation, slot) = (stored >> 1, (stored & 1) as u8);
            let key = Self::page_key(fp, index, page as u32, slot)?;
            let OffloadState {
                storage, metrics, ..
            } = off;
            let started = metrics.start();
            let storage = storage.as_deref_mut().ok_or(TrapCode::MemoryUnavailable)?;
            let ok = if self.store == PageStore::Region {
                let region = Self::region_key(fp, index)?;
                let at = self.slot_offset(page as u32);
                let len = crate::offload::blob::HEADER_LEN + ps;
                self.scratch.clear();
                self.scratch.try_reserve_exact(len).is_ok() && {
                    self.scratch.resize(len, 0);
                    matches!(storage.read_at(&region, at, &mut self.scratch), Ok(true))
                        && crate::offload::blob::decode(&self.scratch, &key).is_ok_and(|(h, _)| {
                            h.generation == u64::from(generation) && h.payload_len as usize == ps
                        })
                        && {
                            self.scratch.drain(..crate::offload::blob::HEADER_LEN);
                            true
                        }
                }
            } else {
                io::load_generation(storage, &key, u64::from(generation), &mut self.scratch).is_ok()
                    && self.scratch.len() == ps
            };
            if !ok {
                metrics.record_load_failure(Kind::MemoryPage);
                // The frame stays unmapped (the clock takes it first on the next fault).
                self.frames[f] = Frame {
                    page: NOT_RESIDENT,
                    dirty: false,
                    referenced: false,
                };
                return Err(TrapCode::MemoryUnavailable);
            }
            metrics.record_load(
                Kind::MemoryPage,
                ps + crate::offload::blob::HEADER_LEN,
                started,
            );
            self.bytes[base..base + ps].copy_from_slice(&self.scratch);
        }
        self.frames[f] = Frame {
            page: page as u32,
            dirty: write,
            referenced: true,
        };
        self.table[page] = f as u32;
        Ok(base)
    }

    /// A frame index to page into: a new one while under budget (and RAM allows), else an
    /// evicted one. The returned frame is unmapped (its `page` is stale until filled).
    fn free_frame(
        &mut self,
        off: &mut OffloadState,
        fp: u64,
        index: u32,
        policy: MemoryPolicy,
    ) -> Result<usize, TrapCode> {
        let ps = self.page_size();
        if self.frames.len() < self.budget && self.bytes.try_reserve_exact(ps).is_ok() {
            self.bytes.resize(self.bytes.len() + ps, 0);
            self.frames.push(Frame {
                page: NOT_RESIDENT,
                dirty: false,
                referenced: false,
            });
            return Ok(self.frames.len() - 1);
        }
        if self.frames.is_empty() {
            return Err(TrapCode::MemoryUnavailable);
        }
        // Second chance: skip (and clear) referenced frames once.
        let victim = loop {
            if self.hand >= self.frames.len() {
                self.hand = 0;
            }
            let i = self.hand;
            self.hand += 1;
            let frame = &mut self.frames[i];
            if frame.page == NOT_RESIDENT {
                break i;
            }
            if frame.referenced {
                frame.referenced = false;
                continue;
            }
            break i;
        };
        if self.frames[victim].dirty {
            // Write back a batch of dirty pages: the victim and cold ones.
            let mut batch = [0usize; WRITEBACK_BATCH];
            batch[0] = victim;
            let mut n = 1;
            for f in 0..self.frames.len() {
                if n == WRITEBACK_BATCH {
                    break;
                }
                let frame = &self.frames[f];
                if f != victim && frame.dirty && frame.page != NOT_RESIDENT && !frame.referenced {
                    batch[n] = f;
                    n += 1;
                }
            }
            self.write_pages(off, fp, index, policy, &mut batch[..n])
                .map_err(|_| TrapCode::MemoryUnavailable)?;
        }
        let page = self.frames[victim].page;
        if page != NOT_RESIDENT {
            self.table[page as usize] = NOT_RESIDENT;
            self.frames[victim].page = NOT_RESIDENT;
        }
        Ok(victim)
    }

    fn write_back_one(
        &mut self,
        off: &mut OffloadState,
        fp: u64,
        index: u32,
        policy: MemoryPolicy,
        f: usize,
    ) -> Result<(), MemoryOffloadError> {
        let ps = self.page_size();
        let page = self.frames[f].page;
        // The other slot than the page's current stored copy, so a torn write leaves it.
        let slot = 1 - (self.stored[page as usize] & 1) as u8;
        let key = Self::page_key(fp, index, page, slot).map_err(|_| MemoryOffloadError::BadSize)?;
        // Generations are 31 bits (the low bit of `stored` is the slot), never 0.
        self.next_generation = (self.next_generation.wrapping_add(1) & 0x7fff_ffff).max(1);
        let generation = self.next_generation;
        let OffloadState {
            storage, metrics, ..
        } = off;
        let storage = storage
            .as_deref_mut()
            .ok_or(MemoryOffloadError::NoStorage)?;
        let started = metrics.start();
        io::save_with(
            storage,
            &key,
            u64::from(generation),
            &self.bytes[f * ps..(f + 1) * ps],
            policy == MemoryPolicy::Durable,
        )
        .map_err(offload_error)?;
        metrics.record_spill(
            Kind::MemoryPage,
            ps + crate::offload::blob::HEADER_LEN,
            started,
        );
        self.stored[page as usize] = generation << 1 | u32::from(slot);
        self.frames[f].dirty = false;
        Ok(())
    }

    /// Write back up to `limit` dirty pages (only unreferenced ones when `cold_only`), in
    /// batches, each synced when the policy is durable.
    fn write_back(
        &mut self,
        off: &mut OffloadState,
        fp: u64,
        index: u32,
        policy: MemoryPolicy,
        limit: usize,
        cold_only: bool,
    ) -> Result<(), MemoryOffloadError> {
        let mut written = 0;
        let mut f = 0;
        loop {
            let mut batch = [0usize; WRITEBACK_BATCH];
            let mut n = 0;
            while f < self.frames.len() && n < WRITEBACK_BATCH && written + n < limit {
                let frame = &self.frames[f];
                if frame.dirty && frame.page != NOT_RESIDENT && !(cold_only && frame.referenced) {
                    batch[n] = f;
                    n += 1;
                }
                f += 1;
            }
            if n == 0 {
                return Ok(());
            }
            self.write_pages(off, fp, index, policy, &mut batch[..n])?;
            written += n;
        }
    }

    /// Write back the dirty frames `batch` (at most [`WRITEBACK_BATCH`]), then sync when the
    /// policy is durable. In region mode the pages go out in page order, each run of
    /// consecutive pages as one write.
    fn write_pages(
        &mut self,
        off: &mut OffloadState,
        fp: u64,
        index: u32,
        policy: MemoryPolicy,
        batch: &mut [usize],
    ) -> Result<(), MemoryOffloadError> {
        if self.store == PageStore::Undecided {
            let regions = off.storage.as_deref().is_some_and(|s| s.has_regions());
            if regions {
                self.slot_writes
                    .try_reserve_exact(self.table.len())
                    .map_err(|_| MemoryOffloadError::OutOfMemory)?;
                self.store = PageStore::Region;
            } else {
                self.store = PageStore::Blobs;
            }
        }
        if self.store == PageStore::Blobs {
            for &f in batch.iter() {
                self.write_back_one(off, fp, index, policy, f)?;
            }
        } else {
            batch.sort_unstable_by_key(|&f| self.frames[f].page);
            let mut i = 0;
            while i < batch.len() {
                let mut j = i + 1;
                while j < batch.len()
                    && self.frames[batch[j]].page == self.frames[batch[j - 1]].page + 1
                {
                    j += 1;
                }
                self.write_run(off, fp, index, policy, &batch[i..j])?;
                i = j;
            }
        }
        if policy == MemoryPolicy::Durable {
            if let Some(s) = off.storage.as_deref_mut() {
                s.sync()
                    .map_err(|e| offload_error(OffloadError::Storage(e)))?;
            }
        }
        Ok(())
    }

    /// Region mode: write the frames `run` (dirty, of consecutive pages, at most
    /// [`WRITEBACK_BATCH`]) to their slots with one write.
    fn write_run(
        &mut self,
        off: &mut OffloadState,
        fp: u64,
        index: u32,
        policy: MemoryPolicy,
        run: &[usize],
    ) -> Result<(), MemoryOffloadError> {
        use crate::offload::blob::{self, HEADER_LEN};
        let ps = self.page_size();
        let mut headers = [[0u8; HEADER_LEN]; WRITEBACK_BATCH];
        let mut generations = [0u32; WRITEBACK_BATCH];
        for (k, &f) in run.iter().enumerate() {
            let page = self.frames[f].page;
            let key =
                Self::page_key(fp, index, page, 0).map_err(|_| MemoryOffloadError::BadSize)?;
            self.next_generation = (self.next_generation.wrapping_add(1) & 0x7fff_ffff).max(1);
            generations[k] = self.next_generation;
            headers[k] = blob::encode_header(
                &key,
                u64::from(generations[k]),
                &self.bytes[f * ps..(f + 1) * ps],
            )
            .map_err(|e| MemoryOffloadError::Offload(alloc::format!("{e:?}")))?;
        }
        let mut parts: [&[u8]; 2 * WRITEBACK_BATCH] = [&[]; 2 * WRITEBACK_BATCH];
        for (k, &f) in run.iter().enumerate() {
            parts[2 * k] = &headers[k];
            parts[2 * k + 1] = &self.bytes[f * ps..(f + 1) * ps];
        }
        let region = Self::region_key(fp, index).map_err(|_| MemoryOffloadError::BadSize)?;
        let at = self.slot_offset(self.frames[run[0]].page);
        let OffloadState {
            storage, metrics, ..
        } = off;
        let storage = storage
            .as_deref_mut()
            .ok_or(MemoryOffloadError::NoStorage)?;
        let started = metrics.start();
        storage
            .write_at(
                &region,
                at,
                &parts[..2 * run.len()],
                policy == MemoryPolicy::Durable,
            )
            .map_err(|e| offload_error(OffloadError::Storage(e)))?;
        metrics.record_spills(
            Kind::MemoryPage,
            run.len(),
            run.len() * (ps + HEADER_LEN),
            started,
        );
        if self.slot_writes.len() < self.table.len() {
            self.slot_writes
                .try_reserve_exact(self.table.len() - self.slot_writes.len())
                .map_err(|_| MemoryOffloadError::OutOfMemory)?;
            self.slot_writes.resize(self.table.len(), 0);
        }
        for (k, &f) in run.iter().enumerate() {
            let page = self.frames[f].page as usize;
            self.stored[page] = generations[k] << 1;
            self.slot_writes[page] = self.slot_writes[page].saturating_add(1);
            self.frames[f].dirty = false;
        }
        Ok(())
    }

    /// Write back every dirty page and release all frames.
    fn release_all(
        &mut self,
        off: &mut OffloadState,
        fp: u64,
        index: u32,
        policy: MemoryPolicy,
    ) -> Result<(), MemoryOffloadError> {
        self.write_back(off, fp, index, policy, usize::MAX, false)?;
        for f in &self.frames {
            if f.page != NOT_RESIDENT {
                self.table[f.page as usize] = NOT_RESIDENT;
            }
        }
        self.frames = Vec::new();
        self.bytes = Vec::new();
        self.hand = 0;
        Ok(())
    }
}
