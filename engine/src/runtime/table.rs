//! Tables of references.
//!
//! Elements are reference cells (0 = null, else handle + 1). **Invariant:** the length never
//! exceeds the type's maximum or the engine's `max_table_elements`.

use alloc::vec::Vec;

use super::zeroed::{grow_zeroed, zeroed_vec};
use crate::error::TrapCode;
use crate::types::TableType;

#[derive(Debug)]
pub(crate) struct TableEntity {
    pub elems: Vec<u64>,
    pub ty: TableType,
    pub max: u64,
}

impl TableEntity {
    pub fn new(ty: TableType, init: u64, engine_max: u64) -> Option<TableEntity> {
        let width_max = if ty.table64 {
            u64::MAX
        } else {
            u32::MAX as u64
        };
        let max = ty.max.unwrap_or(u64::MAX).min(engine_max).min(width_max);
        if ty.min > max {
            return None;
        }
        let len = usize::try_from(ty.min).ok()?;
        let elems = if init == 0 {
            // Null elements, zeroed by the allocator: untouched pages cost no RAM.
            zeroed_vec(len)?
        } else {
            let mut elems = Vec::new();
            elems.try_reserve_exact(len).ok()?;
            elems.resize(len, init);
            elems
        };
        Some(TableEntity { elems, ty, max })
    }

    pub fn size(&self) -> u64 {
        self.elems.len() as u64
    }

    /// Grow by `delta` elements set to `init`; the old size, or `None` (wasm's -1).
    pub fn grow(&mut self, delta: u64, init: u64) -> Option<u64> {
        let old = self.size();
        let new = old.checked_add(delta)?;
        if new > self.max {
            return None;
        }
        let new_len = usize::try_from(new).ok()?;
        if init == 0 {
            grow_zeroed(&mut self.elems, new_len)?;
        } else {
            self.elems
                .try_reserve_exact(new_len - self.elems.len())
                .ok()?;
            self.elems.resize(new_len, init);
        }
        Some(old)
    }

    pub fn get(&self, index: u64) -> Result<u64, TrapCode> {
        usize::try_from(index)
            .ok()
            .and_then(|i| self.elems.get(i).copied())
            .ok_or(TrapCode::TableOutOfBounds)
    }

    pub fn set(&mut self, index: u64, val: u64) -> Result<(), TrapCode> {
        let slot = usize::try_from(index)
            .ok()
            .and_then(|i| self.elems.get_mut(i))
            .ok_or(TrapCode::TableOutOfBounds)?;
        *slot = val;
        Ok(())
    }

    /// The range `start..start+len` if in bounds.
    pub fn range(&self, start: u64, len: u64) -> Result<core::ops::Range<usize>, TrapCode> {
        let end = start.checked_add(len).ok_or(TrapCode::TableOutOfBounds)?;
        if end > self.size() {
            return Err(TrapCode::TableOutOfBounds);
        }
        Ok(start as usize..end as usize)
    }
}
