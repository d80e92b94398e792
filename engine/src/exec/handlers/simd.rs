//! The v128 ops: one out-of-line function (`exec/vector.rs`) behind a handler per opcode, so
//! the scalar handlers stay small.

use super::super::state::{Ctx, Exit, Regs, R};
use super::super::vector;
use crate::error::TrapCode;

/// Whether opcode word `op` (narrow form) is a v128 load or store whose handler may return
/// [`Exit::Slow`] (memory 0's resident bytes in place; anything else out of line).
pub(crate) const fn may_miss_simd(op: u16) -> bool {
    use crate::microcode::isa::opc;
    cfg!(feature = "simd") && matches!(op, opc::V128Load | opc::V128Store)
}

/// Not an op: what a backend runs after a `V128Load` or `V128Store` handler returned
/// [`Exit::Slow`], on the registers that op started with: the general path, out of line.
#[inline(always)]
pub(crate) fn V128MemSlow<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    // A demand-paged memory 0's resident pages first (`Ctx::paged`, big's hunk).
    #[cfg(feature = "simd")]
    if fast::v128_paged::<T, W>(cx, r) {
        return Ok(());
    }
    vector_op::<T, W>(cx, r)
}

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
    let mut frame = vector::VectorCtx {
        cells: &mut cx.stack.cells[cx.base..],
        // SAFETY: the running function's code is pinned while it runs, so the store keeps
        // it alive (ARCHITECTURE.md, "Invariants": pinned code); nothing here unpins it.
        pool: unsafe { code.get() }.pool(),
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

// The ops the SIMD kernels run in their loops have handlers of their own (`fast` below):
// they read and write the frame's cells directly and call the lane functions of
// `exec/simd/` without going through `vector::execute`. The rest run out of line.
#[cfg(feature = "simd")]
simd_handlers! {
    V128Load32Zero V128Load64Zero V128Load8Splat V128Load16Splat
    V128Load32Splat V128Load64Splat V128Load8x8S V128Load8x8U V128Load16x4S V128Load16x4U
    V128Load32x2S V128Load32x2U V128Load8Lane V128Load16Lane V128Load32Lane
    V128Load64Lane V128Store8Lane V128Store16Lane V128Store32Lane V128Store64Lane
}

#[cfg(feature = "simd")]
pub(crate) use fast::*;

// Without the feature: stand-ins that name every op of `isa::for_simd_ops!` (the decoder
// refuses them there, `isa::built`, so none is compiled in).
#[cfg(not(feature = "simd"))]
crate::microcode::isa::for_simd_ops!(simd_handlers);

#[cfg(feature = "simd")]
mod fast {
    use super::super::super::simd as s;
    use super::super::super::state::{Ctx, Exit, Regs, R};
    use crate::microcode::{Op, SimdBinOp, SimdShiftOp, SimdUnOp};

    /// The v128 in cells `s` and `s + 1` (low half first).
    macro_rules! v_get {
        ($r:ident, $s:expr) => {{
            let s = $s;
            c!($r, s) as u128 | (c!($r, s + 1) as u128) << 64
        }};
    }
    /// Write the v128 `v` to cells `s` and `s + 1`.
    macro_rules! v_set {
        ($r:ident, $s:expr, $v:expr) => {{
            let (s, v): (u32, u128) = ($s, $v);
            set!($r, s, v as u64);
            set!($r, s + 1, (v >> 64) as u64);
        }};
    }
    /// The v128 in cells `s` and `s + 1` as lanes of type `L` (an array of 16 bytes). Only on
    /// little-endian hosts, where the two cells' bytes are the vector's bytes in order.
    #[cfg(target_endian = "little")]
    macro_rules! lanes_get {
        ($r:ident, $s:expr, $l:ty) => {{
            const { assert!(core::mem::size_of::<$l>() == 16 && core::mem::align_of::<$l>() <= 8) };
            // SAFETY: `verify` proved every slot operand plus one cell below the frame size
            // (ARCHITECTURE.md, "Invariants"), so both cells lie in the current frame, which
            // `fp` points at; `$l` is 16 bytes with an alignment a cell satisfies, and every
            // bit pattern is a valid value of it (an array of integers or floats).
            unsafe { ($r.fp.add($s as usize) as *const $l).read() }
        }};
    }
    /// Write lanes `v` (an array of 16 bytes) to cells `s` and `s + 1` (little-endian hosts).
    #[cfg(target_endian = "little")]
    macro_rules! lanes_set {
        ($r:ident, $s:expr, $l:ty, $v:expr) => {{
            let v: $l = $v;
            // SAFETY: as for `lanes_get!`.
            unsafe { ($r.fp.add($s as usize) as *mut $l).write(v) }
        }};
    }

    /// `[E; N]` with element `i` computed by `$e` (a plain loop, no closure and no call:
    /// at opt-level 1 a closure over the operand arrays is not always inlined before LLVM
    /// decides on tail calls, and the escaping locals would cost the threaded backend its
    /// tail call, see `state::out_of_line`).
    #[cfg(target_endian = "little")]
    macro_rules! fill {
        ($t:ty, $n:expr, |$i:ident| $e:expr) => {{
            let mut out: [$t; $n] = [<$t>::default(); $n];
            let mut $i = 0;
            while $i < $n {
                out[$i] = $e;
                $i += 1;
            }
            out
        }};
    }

    /// `dst = op(lhs, rhs)` for the common lane ops on a little-endian host, directly on the
    /// frame's bytes (the compiler keeps them in vector registers); `false` for the others.
    #[inline(always)]
    fn bin_lanes(r: &mut Regs, op: SimdBinOp, dst: u32, lhs: u32, rhs: u32) -> bool {
        #[cfg(target_endian = "little")]
        {
            use SimdBinOp::*;
            macro_rules! zip {
                ($t:ty, $n:literal, |$x:ident, $y:ident| $e:expr) => {{
                    let a = lanes_get!(r, lhs, [$t; $n]);
                    let b = lanes_get!(r, rhs, [$t; $n]);
                    lanes_set!(
                        r,
                        dst,
                        [$t; $n],
                        fill!($t, $n, |i| {
                            let ($x, $y) = (a[i], b[i]);
                            $e
                        })
                    );
                }};
            }
            match op {
                V128And => zip!(u64, 2, |x, y| x & y),
                V128AndNot => zip!(u64, 2, |x, y| x & !y),
                V128Or => zip!(u64, 2, |x, y| x | y),
                V128Xor => zip!(u64, 2, |x, y| x ^ y),
                I8x16Add => zip!(u8, 16, |x, y| x.wrapping_add(y)),
                I8x16Sub => zip!(u8, 16, |x, y| x.wrapping_sub(y)),
                I8x16AddSatU => zip!(u8, 16, |x, y| x.saturating_add(y)),
                I8x16SubSatU => zip!(u8, 16, |x, y| x.saturating_sub(y)),
                I8x16MinU => zip!(u8, 16, |x, y| x.min(y)),
                I8x16MaxU => zip!(u8, 16, |x, y| x.max(y)),
                I8x16Eq => zip!(u8, 16, |x, y| if x == y { u8::MAX } else { 0 }),
                I16x8Add => zip!(u16, 8, |x, y| x.wrapping_add(y)),
                I16x8Sub => zip!(u16, 8, |x, y| x.wrapping_sub(y)),
                I16x8Mul => zip!(u16, 8, |x, y| x.wrapping_mul(y)),
                I16x8AddSatS => zip!(i16, 8, |x, y| x.saturating_add(y)),
                I16x8SubSatS => zip!(i16, 8, |x, y| x.saturating_sub(y)),
                I16x8MinS => zip!(i16, 8, |x, y| x.min(y)),
                I16x8MaxS => zip!(i16, 8, |x, y| x.max(y)),
                I32x4Add => zip!(u32, 4, |x, y| x.wrapping_add(y)),
                I32x4Sub => zip!(u32, 4, |x, y| x.wrapping_sub(y)),
                I32x4Mul => zip!(u32, 4, |x, y| x.wrapping_mul(y)),
                I32x4MinS => zip!(i32, 4, |x, y| x.min(y)),
                I32x4MaxS => zip!(i32, 4, |x, y| x.max(y)),
                I64x2Add => zip!(u64, 2, |x, y| x.wrapping_add(y)),
                I64x2Sub => zip!(u64, 2, |x, y| x.wrapping_sub(y)),
                // Plain operators, as `exec/simd` does: the same NaN results.
                F32x4Add => zip!(f32, 4, |x, y| x + y),
                F32x4Sub => zip!(f32, 4, |x, y| x - y),
                F32x4Mul => zip!(f32, 4, |x, y| x * y),
                F32x4Div => zip!(f32, 4, |x, y| x / y),
                F64x2Add => zip!(f64, 2, |x, y| x + y),
                F64x2Sub => zip!(f64, 2, |x, y| x - y),
                F64x2Mul => zip!(f64, 2, |x, y| x * y),
                F64x2Div => zip!(f64, 2, |x, y| x / y),
                I32x4DotI16x8S => {
                    // As `exec/simd`: exact products, their sum wrapping.
                    let a = lanes_get!(r, lhs, [i16; 8]);
                    let b = lanes_get!(r, rhs, [i16; 8]);
                    lanes_set!(
                        r,
                        dst,
                        [i32; 4],
                        fill!(i32, 4, |i| {
                            let p0 = a[2 * i] as i32 * b[2 * i] as i32;
                            let p1 = a[2 * i + 1] as i32 * b[2 * i + 1] as i32;
                            p0.wrapping_add(p1)
                        })
                    );
                }
                I8x16NarrowI16x8U => {
                    let a = lanes_get!(r, lhs, [i16; 8]);
                    let b = lanes_get!(r, rhs, [i16; 8]);
                    lanes_set!(
                        r,
                        dst,
                        [u8; 16],
                        fill!(u8, 16, |i| {
                            let v = if i < 8 { a[i] } else { b[i - 8] };
                            v.clamp(0, u8::MAX as i16) as u8
                        })
                    );
                }
                I8x16NarrowI16x8S => {
                    let a = lanes_get!(r, lhs, [i16; 8]);
                    let b = lanes_get!(r, rhs, [i16; 8]);
                    lanes_set!(
                        r,
                        dst,
                        [i8; 16],
                        fill!(i8, 16, |i| {
                            let v = if i < 8 { a[i] } else { b[i - 8] };
                            v.clamp(i8::MIN as i16, i8::MAX as i16) as i8
                        })
                    );
                }
                _ => return false,
            }
            true
        }
        #[cfg(not(target_endian = "little"))]
        {
            let _ = (r, op, dst, lhs, rhs);
            false
        }
    }

    /// `dst = op(src)` for the common lane ops on a little-endian host; `false` otherwise.
    #[inline(always)]
    fn un_lanes(r: &mut Regs, op: SimdUnOp, dst: u32, src: u32) -> bool {
        #[cfg(target_endian = "little")]
        {
            use SimdUnOp::*;
            macro_rules! widen {
                ($t:ty, $w:ty, $n:literal, $off:literal) => {{
                    let a = lanes_get!(r, src, [$t; 2 * $n]);
                    lanes_set!(r, dst, [$w; $n], fill!($w, $n, |i| a[i + $off] as $w));
                }};
            }
            match op {
                V128Not => {
                    let a = lanes_get!(r, src, [u64; 2]);
                    lanes_set!(r, dst, [u64; 2], [!a[0], !a[1]]);
                }
                I16x8ExtendLowI8x16U => widen!(u8, u16, 8, 0),
                I16x8ExtendHighI8x16U => widen!(u8, u16, 8, 8),
                I16x8ExtendLowI8x16S => widen!(i8, i16, 8, 0),
                I16x8ExtendHighI8x16S => widen!(i8, i16, 8, 8),
                I32x4ExtendLowI16x8U => widen!(u16, u32, 4, 0),
                I32x4ExtendHighI16x8U => widen!(u16, u32, 4, 4),
                I32x4ExtendLowI16x8S => widen!(i16, i32, 4, 0),
                I32x4ExtendHighI16x8S => widen!(i16, i32, 4, 4),
                _ => return false,
            }
            true
        }
        #[cfg(not(target_endian = "little"))]
        {
            let _ = (r, op, dst, src);
            false
        }
    }

    /// `dst = op(src, count)` on a little-endian host (every shift); `false` otherwise.
    #[inline(always)]
    fn shift_lanes(r: &mut Regs, op: SimdShiftOp, dst: u32, src: u32, count: u32) -> bool {
        #[cfg(target_endian = "little")]
        {
            use SimdShiftOp::*;
            // `wrapping_sh*` takes the count modulo the lane width, as the spec does.
            macro_rules! sh {
                ($t:ty, $n:literal, $f:ident) => {{
                    let a = lanes_get!(r, src, [$t; $n]);
                    lanes_set!(r, dst, [$t; $n], fill!($t, $n, |i| a[i].$f(count)));
                }};
            }
            match op {
                I8x16Shl => sh!(u8, 16, wrapping_shl),
                I8x16ShrS => sh!(i8, 16, wrapping_shr),
                I8x16ShrU => sh!(u8, 16, wrapping_shr),
                I16x8Shl => sh!(u16, 8, wrapping_shl),
                I16x8ShrS => sh!(i16, 8, wrapping_shr),
                I16x8ShrU => sh!(u16, 8, wrapping_shr),
                I32x4Shl => sh!(u32, 4, wrapping_shl),
                I32x4ShrS => sh!(i32, 4, wrapping_shr),
                I32x4ShrU => sh!(u32, 4, wrapping_shr),
                I64x2Shl => sh!(u64, 2, wrapping_shl),
                I64x2ShrS => sh!(i64, 2, wrapping_shr),
                I64x2ShrU => sh!(u64, 2, wrapping_shr),
            }
            true
        }
        #[cfg(not(target_endian = "little"))]
        {
            let _ = (r, op, dst, src, count);
            false
        }
    }

    #[inline(always)]
    pub(crate) unsafe fn V128Bin<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
        let Op::V128Bin { dst, op, lhs, rhs } = rd!(r, V128Bin) else {
            unreachable!()
        };
        if !bin_lanes(r, op, dst, lhs, rhs) {
            v_set!(r, dst, s::binop(op, v_get!(r, lhs), v_get!(r, rhs)));
        }
        Ok(())
    }

    #[inline(always)]
    pub(crate) unsafe fn V128Un<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
        let Op::V128Un { dst, op, src } = rd!(r, V128Un) else {
            unreachable!()
        };
        if !un_lanes(r, op, dst, src) {
            v_set!(r, dst, s::unop(op, v_get!(r, src)));
        }
        Ok(())
    }

    #[inline(always)]
    pub(crate) unsafe fn V128Shift<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
        let Op::V128Shift {
            dst,
            op,
            src,
            count,
        } = rd!(r, V128Shift)
        else {
            unreachable!()
        };
        let count = c!(r, count) as u32;
        if !shift_lanes(r, op, dst, src, count) {
            v_set!(r, dst, s::shift(op, v_get!(r, src), count));
        }
        Ok(())
    }

    #[inline(always)]
    pub(crate) unsafe fn V128Tern<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
        let Op::V128Tern { dst, op, a, b, c } = rd!(r, V128Tern) else {
            unreachable!()
        };
        v_set!(
            r,
            dst,
            s::ternop(op, v_get!(r, a), v_get!(r, b), v_get!(r, c))
        );
        Ok(())
    }

    #[inline(always)]
    pub(crate) unsafe fn V128Test<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
        let Op::V128Test { dst, op, src } = rd!(r, V128Test) else {
            unreachable!()
        };
        set!(r, dst, s::test(op, v_get!(r, src)) as u64);
        Ok(())
    }

    #[inline(always)]
    pub(crate) unsafe fn V128Splat<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
        let Op::V128Splat { dst, op, src } = rd!(r, V128Splat) else {
            unreachable!()
        };
        v_set!(r, dst, s::splat(op, c!(r, src)));
        Ok(())
    }

    #[inline(always)]
    pub(crate) unsafe fn V128Extract<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
        let Op::V128Extract { dst, op, src, lane } = rd!(r, V128Extract) else {
            unreachable!()
        };
        set!(r, dst, s::extract(op, v_get!(r, src), lane));
        Ok(())
    }

    #[inline(always)]
    pub(crate) unsafe fn V128Replace<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
        let Op::V128Replace {
            dst,
            op,
            src,
            x,
            lane,
        } = rd!(r, V128Replace)
        else {
            unreachable!()
        };
        v_set!(r, dst, s::replace(op, v_get!(r, src), lane, c!(r, x)));
        Ok(())
    }

    /// Entry `idx` of the running function's pool.
    #[inline(always)]
    fn pool<T>(cx: &Ctx<'_, T>, idx: u32) -> u128 {
        let pool = cx.code().pool();
        debug_assert!((idx as usize) < pool.len());
        // SAFETY: `verify` proved every `PoolIdx` operand below the pool's length
        // (ARCHITECTURE.md, "Invariants"), and `cx.code` is the running, verified function.
        unsafe { *pool.get_unchecked(idx as usize) }
    }

    #[inline(always)]
    pub(crate) unsafe fn V128Const<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
        let Op::V128Const { dst, idx } = rd!(r, V128Const) else {
            unreachable!()
        };
        v_set!(r, dst, pool(cx, idx));
        Ok(())
    }

    #[inline(always)]
    pub(crate) unsafe fn V128Shuffle<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
        let Op::V128Shuffle { dst, a, b, idx } = rd!(r, V128Shuffle) else {
            unreachable!()
        };
        v_set!(r, dst, shuffle(v_get!(r, a), v_get!(r, b), pool(cx, idx)));
        Ok(())
    }

    /// `s::shuffle` with the lane indices as an integer: a byte array argument is passed by
    /// the address of a local, which would cost the threaded backend its tail call.
    #[inline(never)]
    fn shuffle(a: u128, b: u128, lanes: u128) -> u128 {
        s::shuffle(a, b, lanes.to_le_bytes())
    }

    /// `addr + offset` if 16 bytes from there lie inside memory 0's resident bytes.
    #[inline(always)]
    fn in_mem0(addr: u64, offset: u64, len: u64) -> Option<usize> {
        match addr.checked_add(offset) {
            Some(ea) if ea.checked_add(16).is_some_and(|end| end <= len) => Some(ea as usize),
            _ => None,
        }
    }

    /// The `V128Load` or `V128Store` at `r.ip` if it is on memory 0 and inside one of its
    /// resident pages (a demand-paged memory 0, `Ctx::paged`): done, and `true`; otherwise
    /// `false` with `r` unchanged. Runs only after the handler missed (`V128MemSlow`).
    #[inline(always)]
    pub(super) fn v128_paged<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> bool {
        use crate::microcode::isa::{opc, WIDE};
        let start = r.ip;
        // SAFETY: `V128MemSlow`'s caller runs it on the op whose handler returned
        // `Exit::Slow`: a verified `V128Load` or `V128Store` of form `W` at `r.ip`.
        let word = unsafe { *r.ip } & !WIDE;
        if word == opc::V128Load {
            let Op::V128Load {
                dst,
                addr,
                mem,
                offset,
            } = rd!(r, V128Load)
            else {
                unreachable!()
            };
            if mem == 0 {
                if let Some(p) = cx.paged.at(c!(r, addr), offset, 16, false) {
                    // SAFETY: `at` returned 16 bytes of a resident page, valid until the
                    // pager runs again (`PagedView`'s contract).
                    let b = unsafe { *(p as *const [u8; 16]) };
                    v_set!(r, dst, u128::from_le_bytes(b));
                    return true;
                }
            }
        } else {
            let Op::V128Store {
                addr,
                src,
                mem,
                offset,
            } = rd!(r, V128Store)
            else {
                unreachable!()
            };
            if mem == 0 {
                if let Some(p) = cx.paged.at(c!(r, addr), offset, 16, true) {
                    let b = v_get!(r, src).to_le_bytes();
                    // SAFETY: as for the load (`at` marked the page dirty).
                    unsafe { *(p as *mut [u8; 16]) = b };
                    return true;
                }
            }
        }
        r.ip = start;
        false
    }

    /// `v128.load` of memory 0's resident bytes here; anything else out of line.
    #[inline(always)]
    pub(crate) unsafe fn V128Load<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
        let Op::V128Load {
            dst,
            addr,
            mem,
            offset,
        } = rd!(r, V128Load)
        else {
            unreachable!()
        };
        if mem == 0 {
            if let Some(ea) = in_mem0(c!(r, addr), offset, r.mem0_len) {
                // SAFETY: `ea + 16 <= mem0_len`, the length of memory 0's resident buffer,
                // which `mem0` points at (re-read after every resize, spill or other access
                // to it). A byte array has alignment 1.
                let b = unsafe { *(r.mem0.add(ea) as *const [u8; 16]) };
                v_set!(r, dst, u128::from_le_bytes(b));
                return Ok(());
            }
        }
        // The general path through the backend's `Slow` (`V128MemSlow`), as the scalar
        // loads do: a call from here would keep registers saved on the fast path too.
        Err(Exit::Slow)
    }

    /// `v128.store` to memory 0's resident bytes here; anything else out of line.
    #[inline(always)]
    pub(crate) unsafe fn V128Store<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
        let Op::V128Store {
            addr,
            src,
            mem,
            offset,
        } = rd!(r, V128Store)
        else {
            unreachable!()
        };
        if mem == 0 {
            if let Some(ea) = in_mem0(c!(r, addr), offset, r.mem0_len) {
                let b = v_get!(r, src).to_le_bytes();
                // SAFETY: as for `V128Load`.
                unsafe { *(r.mem0.add(ea) as *mut [u8; 16]) = b };
                return Ok(());
            }
        }
        Err(Exit::Slow)
    }
}
