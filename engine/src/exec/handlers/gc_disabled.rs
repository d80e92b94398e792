//! The GC ops' handlers in a build without the `gc` cargo feature. Validation refuses every
//! GC instruction there (`Config::features`), so no translated function holds one of these
//! ops; verified code that names one anyway traps.

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

absent! {
    RefI31 I31GetS I31GetU RefTest RefTestType RefCast RefCastType BrOnCast BrOnCastType
    BrOnCastFail BrOnCastFailType StructNew StructNewDefault StructGet StructSet ArrayNew
    ArrayNewDefault ArrayNewFixed ArrayNewData ArrayNewElem ArrayGet ArraySet ArrayLen
    ArrayFill ArrayCopy ArrayInitData ArrayInitElem
}
