//! Stand-in for `exn.rs` without the `exceptions` cargo feature: validation refuses the
//! proposal then, so the translator emits none of these ops, and the decoder refuses them in
//! microcode stored by a build with the feature (`isa::built`): the dispatch never reaches
//! these stand-ins, which are not compiled in (they only name every op of
//! `isa::for_exn_ops!`). An exception a host function raises ([`Trap::throw`]) has no wasm
//! handler to find and ends the run as the trap it is.

use super::super::state::{Ctx, Exit};
use super::call::Next;
use crate::error::Trap;

crate::microcode::isa::for_exn_ops!(absent_handlers);

/// A host function raised `trap`, an exception: no wasm code can catch it, so it stops the
/// run as any trap of a host function does.
pub(super) fn from_host<T>(
    cx: &mut Ctx<'_, T>,
    trap: Trap,
    _pc: usize,
    _tail: bool,
) -> Result<Next, Exit> {
    Err(cx.park_trap(trap))
}
