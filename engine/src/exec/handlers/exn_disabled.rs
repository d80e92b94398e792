//! Stand-in for `exn.rs` without the `exceptions` cargo feature: validation refuses the
//! proposal then, so the translator emits none of these ops (microcode stored by a build
//! with the feature could still hold them: each traps). An exception a host function raises
//! ([`Trap::throw`]) has no wasm handler to find and ends the run as the trap it is.

use super::super::state::{Ctx, Exit, Regs, R};
use super::call::Next;
use crate::error::{Trap, TrapCode};

#[inline(never)]
fn not_built() -> R {
    Err(Exit::Trap(TrapCode::Unreachable))
}

pub(crate) unsafe fn Throw<T, const W: bool>(_cx: &mut Ctx<'_, T>, _r: &mut Regs) -> R {
    not_built()
}
pub(crate) unsafe fn ThrowRef<T, const W: bool>(_cx: &mut Ctx<'_, T>, _r: &mut Regs) -> R {
    not_built()
}
pub(crate) unsafe fn ExnFrom<T, const W: bool>(_cx: &mut Ctx<'_, T>, _r: &mut Regs) -> R {
    not_built()
}
pub(crate) unsafe fn ExnTo<T, const W: bool>(_cx: &mut Ctx<'_, T>, _r: &mut Regs) -> R {
    not_built()
}
pub(crate) unsafe fn Catch<T, const W: bool>(_cx: &mut Ctx<'_, T>, _r: &mut Regs) -> R {
    not_built()
}
pub(crate) unsafe fn CatchRef<T, const W: bool>(_cx: &mut Ctx<'_, T>, _r: &mut Regs) -> R {
    not_built()
}

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
