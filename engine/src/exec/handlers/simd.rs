//! The v128 ops: one out-of-line function (`exec/vector.rs`) behind a handler per opcode, so
//! the scalar handlers stay small.

use super::super::state::{out_of_line, Ctx, Regs, R};
use super::super::vector;

/// Run the v128 op at `r.ip` (out of line).
#[inline(always)]
fn vector_op<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    out_of_line(cx, r, vector_body::<T, W>)
}

fn vector_body<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    // SAFETY: the dispatch ran a v128 handler for the opcode word at `ip`, which `verify`
    // proved starts a well-formed op of form `W` inside `code.code`.
    let (op, n) = unsafe { crate::microcode::isa::read::any::<W>(r.ip) };
    r.ip = r.ip.wrapping_add(n);
    let pc = cx.pc_of(r.ip);
    let mut frame = vector::Frame {
        cells: &mut cx.stack.cells[cx.base..],
        pool: &cx.code.pool,
        instance: cx.inst,
    };
    vector::execute(op, &mut frame, &mut cx.store.inner)?;
    *r = cx.regs_at(pc);
    Ok(())
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
