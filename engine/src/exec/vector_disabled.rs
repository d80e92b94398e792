//! Stand-in for `vector.rs` without the `simd` feature: the translator never emits v128 ops
//! then (validation rejects SIMD modules), so reaching one is impossible; it traps anyway.

use crate::error::TrapCode;
use crate::microcode::Op;
use crate::runtime::StoreInner;

#[allow(dead_code)]
pub(super) struct VectorCtx<'a> {
    pub cells: &'a mut [u64],
    pub pool: &'a [u128],
    pub instance: usize,
}

pub(super) fn execute(
    _op: Op,
    _f: &mut VectorCtx<'_>,
    _store: &mut StoreInner,
) -> Result<(), TrapCode> {
    Err(TrapCode::Unreachable)
}
