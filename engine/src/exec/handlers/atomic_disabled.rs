//! Stand-in for `atomic.rs` without the `threads` cargo feature: validation refuses the
//! proposal then, so the translator emits none of these ops, and the decoder refuses them in
//! microcode stored by a build with the feature (`isa::built`): the dispatch never reaches
//! these stand-ins, which are not compiled in (they only name every op of
//! `isa::for_atomic_ops!`).

use super::super::state::{Ctx, Regs, R};
use crate::error::TrapCode;

macro_rules! absent {
    ($($name:ident)*) => {$(
        #[inline(always)]
        pub(crate) unsafe fn $name<T, const W: bool>(_cx: &mut Ctx<'_, T>, _r: &mut Regs) -> R {
            Err(TrapCode::Unreachable.into())
        }
    )*};
}

crate::microcode::isa::for_atomic_ops!(absent);
