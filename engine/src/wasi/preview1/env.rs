//! Arguments, environment, clocks, randomness, yielding and `poll_oneoff`.

use alloc::string::String;

use super::super::abi::*;
use super::super::guest::{Args, Guest};
use super::super::WasiCtx;

/// Write `items` as a NUL-terminated string table: pointers at `ptrs`, bytes at `buf`.
fn write_table(g: &mut Guest<'_>, items: &[String], ptrs: u32, buf: u32) -> Result<(), Errno> {
    let mut at = buf;
    for (i, s) in items.iter().enumerate() {
        g.write_u32(ptrs.wrapping_add((i as u32).wrapping_mul(4)), at)?;
        g.write(at, s.as_bytes())?;
        g.write_u8(at.wrapping_add(s.len() as u32), 0)?;
        at = at.wrapping_add(s.len() as u32 + 1);
    }
    Ok(())
}

fn write_sizes(
    g: &mut Guest<'_>,
    items: &[String],
    count_ptr: u32,
    size_ptr: u32,
) -> Result<(), Errno> {
    let size: usize = items.iter().map(|s| s.len() + 1).sum();
    g.write_u32(count_ptr, items.len() as u32)?;
    g.write_u32(size_ptr, u32::try_from(size).map_err(|_| Errno::Overflow)?)
}

pub fn args_get(ctx: &mut WasiCtx, g: &mut Guest<'_>, a: &Args<'_>) -> Result<(), Errno> {
    write_table(g, &ctx.args, a.u32(0), a.u32(1))
}

pub fn args_sizes_get(ctx: &mut WasiCtx, g: &mut Guest<'_>, a: &Args<'_>) -> Result<(), Errno> {
    write_sizes(g, &ctx.args, a.u32(0), a.u32(1))
}

pub fn environ_get(ctx: &mut WasiCtx, g: &mut Guest<'_>, a: &Args<'_>) -> Result<(), Errno> {
    write_table(g, &ctx.env, a.u32(0), a.u32(1))
}

pub fn environ_sizes_get(ctx: &mut WasiCtx, g: &mut Guest<'_>, a: &Args<'_>) -> Result<(), Errno> {
    write_sizes(g, &ctx.env, a.u32(0), a.u32(1))
}

/// Nanoseconds on clock `id`, from the platform ([`WasiPlatform`](super::super::WasiPlatform)):
/// the monotonic and CPU-time clocks count from the platform's origin (the first use, for
/// the host process) plus `WasiCtx::monotonic_start` (0 unless set). A clock the platform
/// lacks is `ENOTSUP`.
fn now(ctx: &mut WasiCtx, id: u32) -> Result<u64, Errno> {
    match id {
        CLOCK_REALTIME => ctx.platform.realtime_ns().ok_or(Errno::Notsup),
        CLOCK_MONOTONIC | CLOCK_PROCESS_CPUTIME | CLOCK_THREAD_CPUTIME => {
            let elapsed = ctx.platform.monotonic_ns().ok_or(Errno::Notsup)?;
            Ok(elapsed.saturating_add(ctx.clock_base))
        }
        _ => Err(Errno::Inval),
    }
}

pub fn clock_res_get(_: &mut WasiCtx, g: &mut Guest<'_>, a: &Args<'_>) -> Result<(), Errno> {
    match a.u32(0) {
        CLOCK_REALTIME | CLOCK_MONOTONIC | CLOCK_PROCESS_CPUTIME | CLOCK_THREAD_CPUTIME => {
            g.write_u64(a.u32(1), 1)
        }
        _ => Err(Errno::Inval),
    }
}

pub fn clock_time_get(ctx: &mut WasiCtx, g: &mut Guest<'_>, a: &Args<'_>) -> Result<(), Errno> {
    let t = now(ctx, a.u32(0))?;
    g.write_u64(a.u32(2), t)
}

pub fn random_get(ctx: &mut WasiCtx, g: &mut Guest<'_>, a: &Args<'_>) -> Result<(), Errno> {
    let (ptr, len) = (a.u32(0), a.u32(1));
    g.check(ptr, len)?;
    let mut at = 0;
    while at < len {
        let buf = g.window(ptr + at, len - at, true)?;
        ctx.platform.random(buf)?;
        at += buf.len() as u32;
    }
    Ok(())
}

pub fn sched_yield(ctx: &mut WasiCtx, _: &mut Guest<'_>, _: &Args<'_>) -> Result<(), Errno> {
    ctx.platform.yield_now();
    Ok(())
}

/// Clock subscriptions sleep until the earliest deadline; descriptor subscriptions are reported
/// ready at once (fayasm has no non-blocking I/O), and then no clock is waited for.
///
/// Both tables are checked to lie in memory before anything happens, and the subscriptions are
/// read twice (to find the earliest deadline, then to report the events) instead of being
/// copied: the host allocates nothing, whatever `n` is. Absolute deadlines are measured from
/// one reading of each clock, so both passes agree on which subscriptions fire.
pub fn poll_oneoff(ctx: &mut WasiCtx, g: &mut Guest<'_>, a: &Args<'_>) -> Result<(), Errno> {
    let (subs, events, n, nevents_ptr) = (a.u32(0), a.u32(1), a.u32(2), a.u32(3));
    if n == 0 {
        return Err(Errno::Inval);
    }
    g.check(subs, n.checked_mul(SUBSCRIPTION_SIZE).ok_or(Errno::Fault)?)?;
    g.check(events, n.checked_mul(EVENT_SIZE).ok_or(Errno::Fault)?)?;
    let mut clocks: [Option<u64>; 4] = [None; 4];
    let mut now_of = |ctx: &mut WasiCtx, id: u32| -> Result<u64, Errno> {
        let slot = clocks.get_mut(id as usize).ok_or(Errno::Inval)?;
        match slot {
            Some(t) => Ok(*t),
            None => Ok(*slot.insert(now(ctx, id)?)),
        }
    };
    // Subscription `i`: (userdata, tag, wait in ns or None for a descriptor).
    let mut parse = |ctx: &mut WasiCtx, g: &mut Guest<'_>, i: u32| {
        let s = subs + i * SUBSCRIPTION_SIZE;
        let userdata = g.u64(s)?;
        let tag = g.u8(s + 8)?;
        match tag {
            EVENTTYPE_CLOCK => {
                let id = g.u32(s + 16)?;
                let timeout = g.u64(s + 24)?;
                let flags = g.u16(s + 40)?;
                let wait = if flags & SUBCLOCK_ABSTIME != 0 {
                    timeout.saturating_sub(now_of(ctx, id)?)
                } else {
                    timeout
                };
                Ok((userdata, tag, Some(wait)))
            }
            EVENTTYPE_FD_READ | EVENTTYPE_FD_WRITE => Ok((userdata, tag, None)),
            _ => Err(Errno::Inval),
        }
    };
    let (mut any_fd, mut min_wait) = (false, None::<u64>);
    for i in 0..n {
        match parse(ctx, g, i)?.2 {
            None => any_fd = true,
            Some(w) => min_wait = Some(min_wait.map_or(w, |m| m.min(w))),
        }
    }
    if let (false, Some(wait)) = (any_fd, min_wait) {
        ctx.platform.sleep_ns(wait);
    }
    let mut count = 0u32;
    for i in 0..n {
        let (userdata, tag, wait) = parse(ctx, g, i)?;
        let fired = match wait {
            None => true,
            Some(w) => !any_fd && Some(w) == min_wait,
        };
        if !fired {
            continue;
        }
        let e = events + count * EVENT_SIZE;
        g.write(e, &[0; EVENT_SIZE as usize])?;
        g.write_u64(e, userdata)?;
        g.write_u8(e + 10, tag)?;
        count += 1;
    }
    g.write_u32(nevents_ptr, count)
}
