//! The v128 ops: one out-of-line function (`exec/vector.rs`) behind a handler per opcode, so
//! the scalar handlers stay small.

use super::super::state::{Ctx, Exit, Regs, R};
use super::super::vector;
use crate::error::TrapCode;

/// Run the v128 op at `r.ip` (out of line), then re-derive the registers.
#[inline(always)]
fn vector_op<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    // Only the op's address goes out and a word offset comes back, in registers: parking
    // the registers in `cx` (`out_of_line`) costs store-to-load forwarding stalls per op.
    let pc = vector_step::<T, W>(cx, r.ip);
    if pc == usize::MAX {
        return Err(cx.exit.take().unwrap_or(Exit::Trap(TrapCode::Unreachable)));
    }
    *r = cx.regs_at(pc);
    Ok(())
}

/// Run the v128 op at `ip`; the word offset of the next op, or `usize::MAX` if it trapped
/// (the trap in `cx.exit`). A plain integer comes back in a register (see `call::Next`).
#[inline(never)]
fn vector_step<T, const W: bool>(cx: &mut Ctx<'_, T>, ip: *const u16) -> usize {
    match vector_exec::<T, W>(cx, ip) {
        Ok(pc) => pc,
        Err(e) => {
            cx.exit = Some(e);
            usize::MAX
        }
    }
}

#[inline(always)]
fn vector_exec<T, const W: bool>(cx: &mut Ctx<'_, T>, ip: *const u16) -> Result<usize, Exit> {
    // SAFETY: the dispatch ran a v128 handler for the opcode word at `ip`, which `verify`
    // proved starts a well-formed op of form `W` inside `code.code`.
    let (op, n) = unsafe { crate::microcode::isa::read::any::<W>(ip) };
    let pc = cx.pc_of(ip.wrapping_add(n));
    let code = cx.code;
    let mut frame = vector::Frame {
        cells: &mut cx.stack.cells[cx.base..],
        // SAFETY: the running function's code is pinned while it runs, so the store keeps
        // it alive (ARCHITECTURE.md, "Invariants": pinned code); nothing here unpins it.
        pool: unsafe { &(*code).pool },
        instance: cx.inst,
    };
    vector::execute(op, &mut frame, &mut cx.store.inner)?;
    Ok(pc)
}

macro_rules! simd_handlers {
    ($($name:ident)*) => {$(
        #[inline(always)]
        pub(crate) unsafe fn $name<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
            vector_op::<T, W>(cx, r)
        }
    )*};
}

simd_handlers! {
    V128Const V128Shuffle V128Un V128Bin V128Tern V128Shift V128Test V128Splat V128Extract
    V128Replace V128Load V128Load32Zero V128Load64Zero V128Load8Splat V128Load16Splat
    V128Load32Splat V128Load64Splat V128Load8x8S V128Load8x8U V128Load16x4S V128Load16x4U
    V128Load32x2S V128Load32x2U V128Store V128Load8Lane V128Load16Lane V128Load32Lane
    V128Load64Lane V128Store8Lane V128Store16Lane V128Store32Lane V128Store64Lane
}
