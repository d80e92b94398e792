//! Loads, stores and the memory instructions.
//!
//! The fast path covers memory 0's resident bytes (`Regs::mem0`). Anything else (another
//! memory, a spilled or paged memory 0, which shows no resident bytes, or an access out of
//! bounds) goes out of line through the memory's own checked path, which reloads or pages in
//! as needed, and re-reads `mem0` afterwards.

use super::super::state::{out_of_line, stopped, Ctx, Regs, R};
use super::super::two_mut;
use crate::error::TrapCode;
use crate::microcode::Op;

/// `addr + offset` if `n` bytes from there lie inside memory 0's resident bytes.
#[inline(always)]
fn in_mem0(addr: u64, offset: u64, n: u64, len: u64) -> Option<usize> {
    match addr.checked_add(offset) {
        Some(ea) if ea.checked_add(n).is_some_and(|end| end <= len) => Some(ea as usize),
        _ => None,
    }
}

/// The checked load of `N <= 8` bytes, little-endian in a `u64`; `None` if it trapped (the
/// trap in `cx.exit`). Only register-sized values cross this boundary (see
/// `state::out_of_line`).
#[inline(never)]
fn load_slow<T, const N: usize>(
    cx: &mut Ctx<'_, T>,
    mem: u32,
    addr: u64,
    offset: u64,
) -> Option<u64> {
    let (m, off) = mem_off!(cx, mem);
    match m.load::<N>(off, addr, offset) {
        Ok(b) => Some(u64::from_le_bytes(core::array::from_fn(|i| {
            b.get(i).copied().unwrap_or(0)
        }))),
        Err(t) => {
            cx.exit = Some(t.into());
            None
        }
    }
}

/// The checked store; `false` if it trapped (the trap in `cx.exit`).
#[inline(never)]
fn store_slow<T, const N: usize>(
    cx: &mut Ctx<'_, T>,
    mem: u32,
    addr: u64,
    offset: u64,
    bytes: [u8; N],
) -> bool {
    let (m, off) = mem_off!(cx, mem);
    match m.store(off, addr, offset, bytes) {
        Ok(()) => true,
        Err(t) => {
            cx.exit = Some(t.into());
            false
        }
    }
}

macro_rules! load {
    ($cx:ident, $r:ident, $dst:expr, $addr:expr, $mem:expr, $offset:expr, $n:literal, $conv:expr) => {{
        let addr = c!($r, $addr);
        let fast = if $mem == 0 {
            in_mem0(addr, $offset, $n, $r.mem0_len)
        } else {
            None
        };
        let bytes: [u8; $n] = match fast {
            // SAFETY: `ea + N <= mem0_len`, the length of memory 0's resident buffer, which
            // `mem0` points at (re-read after every resize, spill or other access to it).
            // (A byte array has alignment 1: a plain read, which unlike `read_unaligned`
            // takes no address of a local in debug builds, keeping the handler's tail call.)
            Some(ea) => unsafe { *($r.mem0.add(ea) as *const [u8; $n]) },
            None => {
                let v = load_slow::<T, $n>($cx, $mem, addr, $offset);
                refresh_mem0!($cx, $r);
                let b = match v {
                    Some(v) => v.to_le_bytes(),
                    None => return Err(stopped($cx)),
                };
                core::array::from_fn(|i| b[i])
            }
        };
        set!($r, $dst, ($conv)(bytes));
    }};
}

macro_rules! store_op {
    ($cx:ident, $r:ident, $addr:expr, $src:expr, $mem:expr, $offset:expr, $conv:expr) => {{
        let addr = c!($r, $addr);
        let bytes = ($conv)(c!($r, $src));
        let fast = if $mem == 0 {
            in_mem0(
                addr,
                $offset,
                core::mem::size_of_val(&bytes) as u64,
                $r.mem0_len,
            )
        } else {
            None
        };
        match fast {
            // SAFETY: as for `load!`.
            Some(ea) => unsafe { *($r.mem0.add(ea) as *mut [u8; _]) = bytes },
            None => {
                let ok = store_slow::<T, _>($cx, $mem, addr, $offset, bytes);
                refresh_mem0!($cx, $r);
                if !ok {
                    return Err(stopped($cx));
                }
            }
        }
    }};
}

#[inline(always)]
pub(crate) unsafe fn I32Load<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::I32Load {
        dst,
        addr,
        mem,
        offset,
    } = rd!(r, I32Load)
    else {
        unreachable!()
    };
    {
        load!(cx, r, dst, addr, mem, offset, 4, |b| u32::from_le_bytes(b)
            as u64)
    }
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn I64Load<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::I64Load {
        dst,
        addr,
        mem,
        offset,
    } = rd!(r, I64Load)
    else {
        unreachable!()
    };
    load!(cx, r, dst, addr, mem, offset, 8, u64::from_le_bytes);
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn I32Load8S<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::I32Load8S {
        dst,
        addr,
        mem,
        offset,
    } = rd!(r, I32Load8S)
    else {
        unreachable!()
    };
    {
        load!(
            cx,
            r,
            dst,
            addr,
            mem,
            offset,
            1,
            |b: [u8; 1]| b[0] as i8 as i32 as u32 as u64
        )
    }
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn I32Load8U<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::I32Load8U {
        dst,
        addr,
        mem,
        offset,
    } = rd!(r, I32Load8U)
    else {
        unreachable!()
    };
    load!(cx, r, dst, addr, mem, offset, 1, |b: [u8; 1]| b[0] as u64);
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn I32Load16S<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::I32Load16S {
        dst,
        addr,
        mem,
        offset,
    } = rd!(r, I32Load16S)
    else {
        unreachable!()
    };
    {
        load!(
            cx,
            r,
            dst,
            addr,
            mem,
            offset,
            2,
            |b| i16::from_le_bytes(b) as i32 as u32 as u64
        )
    }
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn I32Load16U<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::I32Load16U {
        dst,
        addr,
        mem,
        offset,
    } = rd!(r, I32Load16U)
    else {
        unreachable!()
    };
    {
        load!(cx, r, dst, addr, mem, offset, 2, |b| u16::from_le_bytes(b)
            as u64)
    }
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn I64Load8S<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::I64Load8S {
        dst,
        addr,
        mem,
        offset,
    } = rd!(r, I64Load8S)
    else {
        unreachable!()
    };
    {
        load!(
            cx,
            r,
            dst,
            addr,
            mem,
            offset,
            1,
            |b: [u8; 1]| b[0] as i8 as i64 as u64
        )
    }
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn I64Load8U<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::I64Load8U {
        dst,
        addr,
        mem,
        offset,
    } = rd!(r, I64Load8U)
    else {
        unreachable!()
    };
    load!(cx, r, dst, addr, mem, offset, 1, |b: [u8; 1]| b[0] as u64);
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn I64Load16S<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::I64Load16S {
        dst,
        addr,
        mem,
        offset,
    } = rd!(r, I64Load16S)
    else {
        unreachable!()
    };
    {
        load!(
            cx,
            r,
            dst,
            addr,
            mem,
            offset,
            2,
            |b| i16::from_le_bytes(b) as i64 as u64
        )
    }
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn I64Load16U<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::I64Load16U {
        dst,
        addr,
        mem,
        offset,
    } = rd!(r, I64Load16U)
    else {
        unreachable!()
    };
    {
        load!(cx, r, dst, addr, mem, offset, 2, |b| u16::from_le_bytes(b)
            as u64)
    }
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn I64Load32S<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::I64Load32S {
        dst,
        addr,
        mem,
        offset,
    } = rd!(r, I64Load32S)
    else {
        unreachable!()
    };
    {
        load!(
            cx,
            r,
            dst,
            addr,
            mem,
            offset,
            4,
            |b| i32::from_le_bytes(b) as i64 as u64
        )
    }
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn I64Load32U<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::I64Load32U {
        dst,
        addr,
        mem,
        offset,
    } = rd!(r, I64Load32U)
    else {
        unreachable!()
    };
    {
        load!(cx, r, dst, addr, mem, offset, 4, |b| u32::from_le_bytes(b)
            as u64)
    }
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn I32Store<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::I32Store {
        addr,
        src,
        mem,
        offset,
    } = rd!(r, I32Store)
    else {
        unreachable!()
    };
    {
        store_op!(cx, r, addr, src, mem, offset, |v: u64| (v as u32)
            .to_le_bytes())
    }
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn I64Store<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::I64Store {
        addr,
        src,
        mem,
        offset,
    } = rd!(r, I64Store)
    else {
        unreachable!()
    };
    store_op!(cx, r, addr, src, mem, offset, |v: u64| v.to_le_bytes());
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn I32Store8<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::I32Store8 {
        addr,
        src,
        mem,
        offset,
    } = rd!(r, I32Store8)
    else {
        unreachable!()
    };
    store_op!(cx, r, addr, src, mem, offset, |v: u64| [v as u8]);
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn I64Store8<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::I64Store8 {
        addr,
        src,
        mem,
        offset,
    } = rd!(r, I64Store8)
    else {
        unreachable!()
    };
    store_op!(cx, r, addr, src, mem, offset, |v: u64| [v as u8]);
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn I32Store16<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::I32Store16 {
        addr,
        src,
        mem,
        offset,
    } = rd!(r, I32Store16)
    else {
        unreachable!()
    };
    store_op!(cx, r, addr, src, mem, offset, |v: u64| (v as u16)
        .to_le_bytes());
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn I64Store16<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::I64Store16 {
        addr,
        src,
        mem,
        offset,
    } = rd!(r, I64Store16)
    else {
        unreachable!()
    };
    store_op!(cx, r, addr, src, mem, offset, |v: u64| (v as u16)
        .to_le_bytes());
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn I64Store32<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::I64Store32 {
        addr,
        src,
        mem,
        offset,
    } = rd!(r, I64Store32)
    else {
        unreachable!()
    };
    {
        store_op!(cx, r, addr, src, mem, offset, |v: u64| (v as u32)
            .to_le_bytes())
    }
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn MemorySize<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    out_of_line(cx, r, |cx, r| {
        let Op::MemorySize { dst, mem } = rd!(r, MemorySize) else {
            unreachable!()
        };
        {
            set!(r, dst, mem!(cx, mem).pages());
            refresh_mem0!(cx, r);
        }
        Ok(())
    })
}

#[inline(always)]
pub(crate) unsafe fn MemoryGrow<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    out_of_line(cx, r, |cx, r| {
        let Op::MemoryGrow { dst, delta, mem } = rd!(r, MemoryGrow) else {
            unreachable!()
        };
        {
            let delta = c!(r, delta);
            let (m, off) = mem_off!(cx, mem);
            let fail = if m.ty.memory64 {
                u64::MAX
            } else {
                u32::MAX as u64
            };
            set!(r, dst, m.grow(off, delta).unwrap_or(fail));
            refresh_mem0!(cx, r);
        }
        Ok(())
    })
}

#[inline(always)]
pub(crate) unsafe fn MemoryFill<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    out_of_line(cx, r, |cx, r| {
        let Op::MemoryFill { mem, dst, val, len } = rd!(r, MemoryFill) else {
            unreachable!()
        };
        {
            let (d, v, l) = (c!(r, dst), c!(r, val) as u8, c!(r, len));
            let (m, off) = mem_off!(cx, mem);
            m.fill(off, d, l, v)?;
            refresh_mem0!(cx, r);
        }
        Ok(())
    })
}

#[inline(always)]
pub(crate) unsafe fn MemoryCopy<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    out_of_line(cx, r, |cx, r| {
        let Op::MemoryCopy {
            dst_mem,
            src_mem,
            dst,
            src,
            len,
        } = rd!(r, MemoryCopy)
        else {
            unreachable!()
        };
        {
            let (d, s, l) = (c!(r, dst), c!(r, src), c!(r, len));
            let (di, si) = (mem_index!(cx, dst_mem), mem_index!(cx, src_mem));
            if di == si {
                let (m, off) = cx.store.inner.memory_and_offload(di);
                m.copy_within(off, d, s, l)?;
            } else {
                let inner = &mut cx.store.inner;
                let (dm, sm) = two_mut(&mut inner.memories, di, si);
                dm.copy_from(sm, &mut inner.offload, d, s, l)?;
            }
            refresh_mem0!(cx, r);
        }
        Ok(())
    })
}

#[inline(always)]
pub(crate) unsafe fn MemoryInit<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    out_of_line(cx, r, |cx, r| {
        let Op::MemoryInit {
            mem,
            data,
            dst,
            src,
            len,
        } = rd!(r, MemoryInit)
        else {
            unreachable!()
        };
        {
            let (d, s, l) = (c!(r, dst), c!(r, src), c!(r, len));
            let di = cx.store.inner.instances[cx.inst].datas[data as usize] as usize;
            let mi = mem_index!(cx, mem);
            let inner = &mut cx.store.inner;
            let bytes = inner.datas[di].bytes();
            let s_end = s
                .checked_add(l)
                .filter(|&e| e <= bytes.len() as u64)
                .ok_or(TrapCode::MemoryOutOfBounds)?;
            // Bounds of the destination are checked before any byte moves.
            let m = &mut inner.memories[mi];
            m.write(
                &mut inner.offload,
                d,
                &inner.datas[di].bytes()[s as usize..s_end as usize],
            )?;
            refresh_mem0!(cx, r);
        }
        Ok(())
    })
}

#[inline(always)]
pub(crate) unsafe fn DataDrop<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    out_of_line(cx, r, |cx, r| {
        let Op::DataDrop { data } = rd!(r, DataDrop) else {
            unreachable!()
        };
        {
            let di = cx.store.inner.instances[cx.inst].datas[data as usize] as usize;
            cx.store.inner.datas[di].range = 0..0;
        }
        Ok(())
    })
}
