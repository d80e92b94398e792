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

mod pager;
mod spill;

use alloc::boxed::Box;
use alloc::vec::Vec;

use super::storage::OffloadState;
use super::zeroed::{grow_zeroed, zeroed_vec};
use crate::config::{MemoryPolicy, Paging};
use crate::error::TrapCode;
use crate::offload::OffloadError;
use crate::types::MemoryType;

pub use pager::PageWear;
pub(crate) use pager::PagedView;
use pager::{Pager, MAX_PAGED_PAGES};

/// Bytes per wasm page (the default page size; a memory of the custom-page-sizes proposal
/// may have 1-byte pages, `MemoryType::page_size_log2`).
pub const WASM_PAGE_SIZE: u64 = 65_536;

/// Whether a memory may have pages of `1 << log2` bytes: 64 KiB, or 1 byte (the only sizes the
/// custom-page-sizes proposal allows).
pub(crate) fn page_size_ok(log2: u8) -> bool {
    log2 == 0 || log2 == 16
}

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

/// The fingerprint that names a memory's blobs: its module's, taken only when first needed
/// with `std` (see `module::Fingerprint`: a memory that never meets storage never hashes
/// the module), or a known one (a host memory's is 0). Without `std` the module's is known
/// from its decode, and this is that value.
#[derive(Clone)]
pub(crate) struct MemoryFingerprint(
    #[cfg(feature = "std")] Result<u64, alloc::sync::Arc<crate::module::ModuleInner>>,
    #[cfg(not(feature = "std"))] u64,
);

impl MemoryFingerprint {
    pub(crate) fn known(value: u64) -> MemoryFingerprint {
        #[cfg(feature = "std")]
        return MemoryFingerprint(Ok(value));
        #[cfg(not(feature = "std"))]
        MemoryFingerprint(value)
    }

    /// The fingerprint of `module`, the module that defines the memory.
    pub(crate) fn of(module: &alloc::sync::Arc<crate::module::ModuleInner>) -> MemoryFingerprint {
        #[cfg(feature = "std")]
        return MemoryFingerprint(Err(module.clone()));
        #[cfg(not(feature = "std"))]
        MemoryFingerprint(module.fingerprint())
    }

    pub(crate) fn get(&self) -> u64 {
        #[cfg(feature = "std")]
        return match &self.0 {
            Ok(v) => *v,
            Err(m) => m.fingerprint(),
        };
        #[cfg(not(feature = "std"))]
        self.0
    }
}

impl core::fmt::Debug for MemoryFingerprint {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{:#x}", self.get())
    }
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
    pub fingerprint: MemoryFingerprint,
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
            fingerprint: MemoryFingerprint::known(0),
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
            Backing::Paged(p) => p.read(
                off,
                self.fingerprint.get(),
                self.index,
                self.policy,
                ea,
                buf,
            ),
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
            Backing::Paged(p) => p.write(
                off,
                self.fingerprint.get(),
                self.index,
                self.policy,
                ea,
                bytes,
            ),
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
        let (fp, index, policy) = (self.fingerprint.get(), self.index, self.policy);
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
                        self.fingerprint.get(),
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
