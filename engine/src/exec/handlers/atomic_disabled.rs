//! Stand-in for `atomic.rs` without the `threads` cargo feature: validation refuses the
//! proposal then, so the translator emits none of these ops (microcode stored by a build
//! with the feature could still hold them: each traps).

use super::super::state::{Ctx, Exit, Regs, R};
use crate::error::TrapCode;

#[inline(never)]
fn not_built() -> R {
    Err(Exit::Trap(TrapCode::Unreachable))
}

pub(crate) unsafe fn AtomicLoad<T, const W: bool>(_cx: &mut Ctx<'_, T>, _r: &mut Regs) -> R {
    not_built()
}
pub(crate) unsafe fn AtomicStore<T, const W: bool>(_cx: &mut Ctx<'_, T>, _r: &mut Regs) -> R {
    not_built()
}
pub(crate) unsafe fn AtomicRmw<T, const W: bool>(_cx: &mut Ctx<'_, T>, _r: &mut Regs) -> R {
    not_built()
}
pub(crate) unsafe fn AtomicCmpxchg<T, const W: bool>(_cx: &mut Ctx<'_, T>, _r: &mut Regs) -> R {
    not_built()
}
pub(crate) unsafe fn AtomicWait<T, const W: bool>(_cx: &mut Ctx<'_, T>, _r: &mut Regs) -> R {
    not_built()
}
pub(crate) unsafe fn AtomicNotify<T, const W: bool>(_cx: &mut Ctx<'_, T>, _r: &mut Regs) -> R {
    not_built()
}
