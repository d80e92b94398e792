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

mod call;
mod control;
mod fuel;
mod memory;
mod numeric;
mod simd;
mod table;

pub(crate) use call::*;
pub(crate) use control::*;
pub(crate) use fuel::*;
pub(crate) use memory::*;
pub(crate) use numeric::*;
pub(crate) use simd::*;
pub(crate) use table::*;
