//! Linear memory.
//!
//! **Invariant:** `data.len()` is always `pages * PAGE_SIZE` and never exceeds the type's
//! maximum, the engine's `max_memory_pages`, or what the address width can express.
//! Every access is bounds-checked with overflow-free arithmetic in `u64`.

use alloc::vec::Vec;

use crate::error::TrapCode;
use crate::types::MemoryType;

/// Bytes per wasm page.
pub const PAGE_SIZE: u64 = 65_536;

/// A linear memory's state in the store (the resident backing).
#[derive(Debug)]
pub(crate) struct MemoryEntity {
    pub data: Vec<u8>,
    pub ty: MemoryType,
    /// The effective maximum in pages (type max, engine limit and address width combined).
    pub max_pages: u64,
}

impl MemoryEntity {
    pub fn new(ty: MemoryType, engine_max_pages: u64) -> Option<MemoryEntity> {
        let width_max = if ty.memory64 {
            // The largest size whose byte length fits in a usize on this host.
            (usize::MAX as u64) / PAGE_SIZE
        } else {
            65_536
        };
        let max_pages = ty
            .max
            .unwrap_or(u64::MAX)
            .min(engine_max_pages)
            .min(width_max);
        if ty.min > max_pages {
            return None;
        }
        let len = usize::try_from(ty.min.checked_mul(PAGE_SIZE)?).ok()?;
        let mut data = Vec::new();
        data.try_reserve_exact(len).ok()?;
        data.resize(len, 0);
        Some(MemoryEntity {
            data,
            ty,
            max_pages,
        })
    }

    pub fn pages(&self) -> u64 {
        self.data.len() as u64 / PAGE_SIZE
    }

    /// Grow by `delta` pages; the old size in pages, or `None` (wasm's -1).
    pub fn grow(&mut self, delta: u64) -> Option<u64> {
        let old = self.pages();
        let new = old.checked_add(delta)?;
        if new > self.max_pages {
            return None;
        }
        let new_len = usize::try_from(new.checked_mul(PAGE_SIZE)?).ok()?;
        let extra = new_len - self.data.len();
        self.data.try_reserve_exact(extra).ok()?;
        self.data.resize(new_len, 0);
        Some(old)
    }

    /// The byte range `addr..addr+len` if it is in bounds.
    #[inline(always)]
    pub fn range(&self, addr: u64, len: u64) -> Result<core::ops::Range<usize>, TrapCode> {
        let end = addr.checked_add(len).ok_or(TrapCode::MemoryOutOfBounds)?;
        if end > self.data.len() as u64 {
            return Err(TrapCode::MemoryOutOfBounds);
        }
        Ok(addr as usize..end as usize)
    }

    #[inline(always)]
    pub fn load<const N: usize>(&self, addr: u64, offset: u64) -> Result<[u8; N], TrapCode> {
        let ea = addr
            .checked_add(offset)
            .ok_or(TrapCode::MemoryOutOfBounds)?;
        let r = self.range(ea, N as u64)?;
        let mut out = [0u8; N];
        out.copy_from_slice(&self.data[r]);
        Ok(out)
    }

    #[inline(always)]
    pub fn store<const N: usize>(
        &mut self,
        addr: u64,
        offset: u64,
        bytes: [u8; N],
    ) -> Result<(), TrapCode> {
        let ea = addr
            .checked_add(offset)
            .ok_or(TrapCode::MemoryOutOfBounds)?;
        let r = self.range(ea, N as u64)?;
        self.data[r].copy_from_slice(&bytes);
        Ok(())
    }
}
