//! The GC heap in a build without the `gc` cargo feature: validation refuses every module
//! that could allocate (`Config::features`), so the heap is always empty and holds nothing.

use alloc::vec::Vec;

use super::TypeRegistry;
use crate::error::TrapCode;
use crate::types::ValType;
use crate::value::Val;

/// No heap: every query answers "empty".
#[derive(Debug, Default)]
pub(crate) struct GcHeap;

impl GcHeap {
    pub fn is_empty(&self) -> bool {
        true
    }

    pub fn stats(&self) -> (u32, u64, u64) {
        (0, 0, 0)
    }

    pub fn enter_run(&mut self) {}

    pub fn leave_run(&mut self) {}

    pub fn pin_val(&self, _v: &Val) {}

    pub fn pin_typed(&self, _tys: &[ValType], _cells: &[u64]) {}

    pub fn pin_all(&self, _cells: &[u64]) {}

    /// No object is ever named.
    pub fn type_of(&self, _cell: u64) -> Option<u32> {
        None
    }
}

/// Never called: no constant expression of a valid module allocates in this build.
pub(crate) fn const_new(
    _heap: &mut GcHeap,
    _types: &TypeRegistry,
    _limit: u64,
    _ids: &[u32],
    _new: crate::module::GcConst,
    _stack: &mut Vec<u128>,
) -> Result<u64, TrapCode> {
    Err(TrapCode::GcHeapOutOfMemory)
}
