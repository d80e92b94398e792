//! The threads proposal's ops (`Config::wasm_threads`): atomic loads, stores,
//! read-modify-writes and compare-exchanges, `memory.atomic.wait32/64` and
//! `memory.atomic.notify` (`atomic.fence` emits nothing).
//!
//! All run out of line, through the memory's checked `load`/`store` (so resident, spilled
//! and paged memories alike, and memory 0's registers are re-read after). A store runs on one
//! thread and no other store can reach its memories, so a plain read then write is atomic,
//! nothing ever waits, and nothing can wake a waiter: `notify` returns 0, a matching `wait`
//! times out (ARCHITECTURE.md, "Threads"). Every access checks its alignment on
//! `addr + offset` first (`UnalignedAtomic`), then its bounds, as wasmtime does.

use super::super::state::{out_of_line, Ctx, Regs, R};
use crate::error::TrapCode;
use crate::microcode::{AtomicWidth, Op};
use crate::runtime::memory::MemoryEntity;
use crate::runtime::storage::OffloadState;

/// The effective address of an atomic access of `width`: `addr + offset` (out of bounds if
/// the sum overflows), which must be a multiple of the width.
#[inline]
fn effective(addr: u64, offset: u64, width: AtomicWidth) -> Result<u64, TrapCode> {
    let ea = addr
        .checked_add(offset)
        .ok_or(TrapCode::MemoryOutOfBounds)?;
    if ea & (width.bytes() - 1) != 0 {
        return Err(TrapCode::UnalignedAtomic);
    }
    Ok(ea)
}

/// The `width` bytes at `ea`, zero-extended.
fn read(
    m: &mut MemoryEntity,
    off: &mut OffloadState,
    ea: u64,
    width: AtomicWidth,
) -> Result<u64, TrapCode> {
    Ok(match width {
        AtomicWidth::W8 => u64::from(m.load::<1>(off, ea, 0)?[0]),
        AtomicWidth::W16 => u64::from(u16::from_le_bytes(m.load::<2>(off, ea, 0)?)),
        AtomicWidth::W32 => u64::from(u32::from_le_bytes(m.load::<4>(off, ea, 0)?)),
        AtomicWidth::W64 => u64::from_le_bytes(m.load::<8>(off, ea, 0)?),
    })
}

/// Store the low `width` bytes of `v` at `ea`.
fn write(
    m: &mut MemoryEntity,
    off: &mut OffloadState,
    ea: u64,
    width: AtomicWidth,
    v: u64,
) -> Result<(), TrapCode> {
    match width {
        AtomicWidth::W8 => m.store(off, ea, 0, [v as u8]),
        AtomicWidth::W16 => m.store(off, ea, 0, (v as u16).to_le_bytes()),
        AtomicWidth::W32 => m.store(off, ea, 0, (v as u32).to_le_bytes()),
        AtomicWidth::W64 => m.store(off, ea, 0, v.to_le_bytes()),
    }
}

#[inline(always)]
pub(crate) unsafe fn AtomicLoad<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    out_of_line(cx, r, |cx, r| {
        let Op::AtomicLoad {
            dst,
            width,
            addr,
            mem,
            offset,
        } = rd!(r, AtomicLoad)
        else {
            unreachable!()
        };
        let ea = effective(c!(r, addr), offset, width)?;
        let (m, off) = mem_off!(cx, mem);
        let v = read(m, off, ea, width)?;
        set!(r, dst, v);
        refresh_mem0!(cx, r);
        Ok(())
    })
}

#[inline(always)]
pub(crate) unsafe fn AtomicStore<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    out_of_line(cx, r, |cx, r| {
        let Op::AtomicStore {
            width,
            addr,
            src,
            mem,
            offset,
        } = rd!(r, AtomicStore)
        else {
            unreachable!()
        };
        let ea = effective(c!(r, addr), offset, width)?;
        let v = c!(r, src);
        let (m, off) = mem_off!(cx, mem);
        write(m, off, ea, width, v)?;
        refresh_mem0!(cx, r);
        Ok(())
    })
}

#[inline(always)]
pub(crate) unsafe fn AtomicRmw<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    out_of_line(cx, r, |cx, r| {
        let Op::AtomicRmw {
            dst,
            op,
            width,
            addr,
            src,
            mem,
            offset,
        } = rd!(r, AtomicRmw)
        else {
            unreachable!()
        };
        let ea = effective(c!(r, addr), offset, width)?;
        let v = c!(r, src);
        let (m, off) = mem_off!(cx, mem);
        let old = read(m, off, ea, width)?;
        // `write` keeps the low `width` bytes: the modification wrapped to the width.
        write(m, off, ea, width, op.apply(old, v))?;
        set!(r, dst, old);
        refresh_mem0!(cx, r);
        Ok(())
    })
}

#[inline(always)]
pub(crate) unsafe fn AtomicCmpxchg<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    out_of_line(cx, r, |cx, r| {
        let Op::AtomicCmpxchg {
            dst,
            width,
            addr,
            expected,
            src,
            mem,
            offset,
        } = rd!(r, AtomicCmpxchg)
        else {
            unreachable!()
        };
        let ea = effective(c!(r, addr), offset, width)?;
        let (expected, v) = (c!(r, expected) & width.mask(), c!(r, src));
        let (m, off) = mem_off!(cx, mem);
        let old = read(m, off, ea, width)?;
        if old == expected {
            write(m, off, ea, width, v)?;
        }
        set!(r, dst, old);
        refresh_mem0!(cx, r);
        Ok(())
    })
}

/// `memory.atomic.wait*`'s answer when the value matched: "timed-out" (2) after `timeout`
/// nanoseconds, since no other thread can notify (a store runs on one thread and shares its
/// memories with no other). A negative timeout means none: no notifier can ever come, so the
/// wait times out at once (the threads proposal's answer when no notifier is possible) rather
/// than hang the host. With `std` a timeout is slept, in slices of at most 10 ms that end
/// early once the store's interrupt flag is set (the next fuel or interrupt check then stops
/// the run); without `std` there is no clock and it times out at once.
fn timed_out(timeout: i64, interrupt: &core::sync::atomic::AtomicBool) -> Result<u64, TrapCode> {
    if timeout < 0 {
        return Ok(2);
    }
    #[cfg(feature = "std")]
    {
        use core::sync::atomic::Ordering;
        use std::time::{Duration, Instant};
        let end = Instant::now().checked_add(Duration::from_nanos(timeout as u64));
        loop {
            if interrupt.load(Ordering::Relaxed) {
                break;
            }
            let now = Instant::now();
            let left = match end {
                Some(end) if end > now => end - now,
                Some(_) => break,
                // Past what the clock can name: as long as a slice can be.
                None => Duration::MAX,
            };
            std::thread::sleep(left.min(Duration::from_millis(10)));
        }
    }
    #[cfg(not(feature = "std"))]
    let _ = interrupt;
    Ok(2)
}

#[inline(always)]
pub(crate) unsafe fn AtomicWait<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    out_of_line(cx, r, |cx, r| {
        let Op::AtomicWait {
            dst,
            width,
            addr,
            expected,
            timeout,
            mem,
            offset,
        } = rd!(r, AtomicWait)
        else {
            unreachable!()
        };
        let ea = effective(c!(r, addr), offset, width)?;
        let (expected, timeout) = (c!(r, expected) & width.mask(), c!(r, timeout) as i64);
        let (m, off) = mem_off!(cx, mem);
        // Bounds before sharing, as wasmtime checks them.
        let value = read(m, off, ea, width)?;
        if !m.ty.shared {
            return Err(TrapCode::AtomicWaitNonSharedMemory.into());
        }
        let result = if value != expected {
            1
        } else {
            timed_out(timeout, cx.interrupt)?
        };
        set!(r, dst, result);
        refresh_mem0!(cx, r);
        Ok(())
    })
}

#[inline(always)]
pub(crate) unsafe fn AtomicNotify<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    out_of_line(cx, r, |cx, r| {
        let Op::AtomicNotify {
            dst,
            addr,
            count: _,
            mem,
            offset,
        } = rd!(r, AtomicNotify)
        else {
            unreachable!()
        };
        let ea = effective(c!(r, addr), offset, AtomicWidth::W32)?;
        let (m, off) = mem_off!(cx, mem);
        // The access is checked as a 4-byte read (a spilled or paged memory brings the
        // bytes back, which the check needs anyway); no waiter can exist to wake.
        read(m, off, ea, AtomicWidth::W32)?;
        set!(r, dst, 0);
        refresh_mem0!(cx, r);
        Ok(())
    })
}
