//! One handler per op, by kind. Each is `unsafe fn Name<T, const W: bool>(cx, r) -> R`: it
//! runs the op whose opcode word (of form `W`: narrow, or wide with `WIDE` set) is at `r.ip`,
//! steps `r.ip` to the next op (or a branch target) and returns; the dispatch backends
//! (`exec/dispatch/`) move from one to the next. Hot handlers are `#[inline(always)]` into
//! their backend's per-op function (threaded) or arm (loop); cold ones stay out of line.
//!
//! # Safety
//! A handler may only run on an op of its opcode and form at `r.ip` in the current
//! function's verified code, with `r` and the `Ctx` consistent (`Ctx::regs_at`): its
//! operand, slot and memory-0 accesses are unchecked (ARCHITECTURE.md, "Invariants").

#![allow(non_snake_case)]

/// Stand-in handlers for the ops of a proposal whose cargo feature is off
/// (`*_disabled.rs`, invoked with the proposal's `isa::for_*_ops!` list): the decoder refuses
/// those ops in such a build (`isa::built`), so the dispatch never reaches them and they are
/// not compiled in; they only name every op of the list, so one missing from it does not
/// compile.
#[allow(unused_macros)]
macro_rules! absent_handlers {
    ($($name:ident)*) => {$(
        #[inline(always)]
        pub(crate) unsafe fn $name<T, const W: bool>(
            _cx: &mut $crate::exec::state::Ctx<'_, T>,
            _r: &mut $crate::exec::state::Regs,
        ) -> $crate::exec::state::R {
            Err($crate::error::TrapCode::Unreachable.into())
        }
    )*};
}

#[cfg(feature = "threads")]
mod atomic;
#[cfg(not(feature = "threads"))]
#[path = "atomic_disabled.rs"]
mod atomic;
mod call;
mod control;
#[cfg(feature = "exceptions")]
mod exn;
#[cfg(not(feature = "exceptions"))]
#[path = "exn_disabled.rs"]
mod exn;
mod fuel;
mod fused;
#[cfg(feature = "gc")]
mod gc;
#[cfg(not(feature = "gc"))]
#[path = "gc_disabled.rs"]
mod gc;
mod memory;
mod numeric;
mod refs;
mod simd;
mod table;
mod wide;

pub(crate) use atomic::*;
pub(crate) use call::*;
pub(crate) use control::*;
pub(crate) use exn::*;
pub(crate) use fuel::*;
pub(crate) use fused::*;
pub(crate) use gc::*;
pub(crate) use memory::*;
pub(crate) use numeric::*;
pub(crate) use refs::*;
pub(crate) use simd::*;
pub(crate) use table::*;
pub(crate) use wide::*;

/// Whether the handler of opcode `op` (narrow form) may return
/// [`Exit::Slow`](super::state::Exit::Slow): the scalar loads and stores, `V128Load` and
/// `V128Store`, `Call` and `Return`. The threaded backend asks this at compile time, so
/// other handlers keep nothing alive for a retry (the loop backend does not ask).
#[cfg(fayasm_threaded)]
pub(crate) const fn may_miss(op: u16) -> bool {
    may_miss_mem(op) || may_miss_call(op) || may_miss_simd(op)
}

/// Whether chained op `op` (narrow opcode) ends with a load or store that may miss
/// (`isa::chains!`): its handler then returns [`Exit::Slow`](super::state::Exit::Slow) with
/// `r.ip` at that second op (narrow, the first op done), and the backend runs the general
/// path on the second op alone, from there.
pub(crate) const fn chain_may_miss(op: u16) -> bool {
    match crate::microcode::isa::chain_successor(op) {
        Some(second) => may_miss_mem(second),
        None => false,
    }
}

/// Whether the handler of opcode `op` runs either form of its op: its whole body is out of
/// line and reads its operands with `rd_any!` (the form from the opcode word), so its
/// narrow instance is correct for the wide form too. The threaded backend puts that
/// instance in both table slots, so the wide one is never compiled (bulk memory, tables,
/// `memory.size`/`grow`: cold ops whose wide form only a large index needs).
#[cfg(fayasm_threaded)]
pub(crate) const fn form_free(op: u16) -> bool {
    use crate::microcode::isa::opc;
    matches!(
        op,
        opc::MemorySize
            | opc::MemoryGrow
            | opc::MemoryFill
            | opc::MemoryCopy
            | opc::MemoryInit
            | opc::DataDrop
            | opc::TableGet
            | opc::TableSet
            | opc::TableSize
            | opc::TableGrow
            | opc::TableFill
            | opc::TableCopy
            | opc::TableInit
            | opc::ElemDrop
            | opc::RefFunc
    )
}

/// Not an op: what a backend runs after a handler returned
/// [`Exit::Slow`](super::state::Exit::Slow), on the registers that op started with (the
/// general path of a load, store, call or return).
///
/// # Safety
/// `r.ip` is the op whose handler returned `Exit::Slow`, of form `W`, and `r` holds the
/// registers it started with.
#[inline(always)]
pub(crate) unsafe fn Slow<T, const W: bool>(
    cx: &mut super::state::Ctx<'_, T>,
    r: &mut super::state::Regs,
) -> super::state::R {
    // SAFETY: `r.ip` is a verified op's opcode word (the caller's contract).
    let word = unsafe { *r.ip } & !crate::microcode::isa::WIDE;
    // SAFETY: the caller's contract, and the op is one of `CallSlow`'s or `MemSlow`'s.
    unsafe {
        if may_miss_call(word) {
            CallSlow::<T, W>(cx, r)
        } else if may_miss_simd(word) {
            V128MemSlow::<T, W>(cx, r)
        } else {
            MemSlow::<T, W>(cx, r)
        }
    }
}
