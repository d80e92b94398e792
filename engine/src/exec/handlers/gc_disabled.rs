//! The GC ops' handlers in a build without the `gc` cargo feature. Validation refuses every
//! GC instruction there (`Config::features`), so no translated function holds one of these
//! ops, and the decoder refuses them in stored microcode (`isa::built`): the dispatch never
//! reaches these stand-ins, which are not compiled in (they only name every op of
//! `isa::for_gc_ops!`).

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

crate::microcode::isa::for_gc_ops!(absent);
