//! Dispatch backends: how the interpreter moves from one op's handler to the next. Both run
//! the same handlers (`exec/handlers/`) on the same in-place word stream; nothing about the
//! backend is stored in the code.
//!
//! - `threaded` (the default where the build script sets `fayasm_threaded`): every handler
//!   is its own function taking the hot state ([`Regs`]) as arguments; it ends by reading the
//!   next opcode word and calling that op's handler from a table indexed by the word, as a
//!   sibling (tail) call, so the native stack does not grow from op to op.
//! - `looped` (the `dispatch-loop` feature, or targets and opt-levels without reliable
//!   sibling calls): one `loop` with a `match` on the opcode word.
//!
//! Both index by the whole opcode word, narrow and wide forms alike (`opc::*` and `opcw::*`,
//! below `2 * WIDE`), so a narrow op pays nothing for the wide escape.

use super::state::{Ctx, Exit, Regs};

#[cfg(fayasm_threaded)]
mod threaded;
#[cfg(fayasm_threaded)]
use threaded as backend;

#[cfg(not(fayasm_threaded))]
mod looped;
#[cfg(not(fayasm_threaded))]
use looped as backend;

/// The backend this build runs (for tests): `"threaded"` or `"loop"`.
#[cfg_attr(not(test), allow(dead_code))]
pub(crate) const BACKEND: &str = backend::NAME;

/// Run from `r` until the entry function returns or traps.
#[inline]
pub(crate) fn execute<T>(cx: &mut Ctx<'_, T>, r: Regs) -> Exit {
    backend::execute(cx, r)
}

#[cfg(all(test, feature = "std"))]
mod tests;
