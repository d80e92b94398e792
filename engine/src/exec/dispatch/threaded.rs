//! Threaded dispatch: tail calls between handlers through a table indexed by the opcode word.
//!
//! Stable Rust has no guaranteed tail calls. The calls below are sibling calls LLVM turns into
//! jumps when the callee has the caller's signature, the call is in tail position and no
//! local of the caller can be referenced by the callee; every handler function here has the
//! same signature and calls `next` last. The build script enables this backend only where
//! that holds (`engine/build.rs`); `tests/dispatch_tail.rs` runs millions of ops on a small
//! thread stack, which would overflow if any handler it reaches grew the stack.

use core::marker::PhantomData;

use super::super::handlers;
use super::super::state::{Ctx, Exit, Regs};
use crate::microcode::isa::{built, opc, opcw, NARROW_FRAMES, WIDE, WIDE_BEYOND_FRAME};

#[cfg_attr(not(test), allow(dead_code))]
pub(super) const NAME: &str = "threaded";

/// What a handler returns: only that it stopped (why is in `Ctx::exit`).
pub(super) struct Stop;

/// A handler: the cold state, then the hot state in argument registers.
///
/// The fourth argument carries nothing (it is passed uninitialised, which costs no
/// instruction): on x86-64 it is `rcx`, whose low byte `cl` is the only register a shift or
/// rotate by a variable count can take its count from. With memory 0's base there, every
/// shift handler saved and restored it.
type Handler<T> = fn(&mut Ctx<'_, T>, *const u16, *mut u64, Pad, *mut u8, u64) -> Stop;

/// The argument that keeps the shift-count register free (see [`Handler`]).
type Pad = core::mem::MaybeUninit<usize>;

/// Opcode words (narrow and wide) are below this.
const TABLE_LEN: usize = 2 * WIDE as usize;

/// Run the op at `r.ip`.
#[inline(always)]
fn next<T>(cx: &mut Ctx<'_, T>, r: Regs) -> Stop {
    // SAFETY: `r.ip` points at an op's opcode word in the current function's verified code
    // (the previous handler stepped past its op or jumped to a verified target).
    let word = unsafe { *r.ip } as usize;
    let table = &Table::<T>::HANDLERS;
    // SAFETY: `verify` decoded every op of the stream (ARCHITECTURE.md, "Invariants"), so
    // the word is a known opcode in its narrow or wide form, below `2 * WIDE` = `TABLE_LEN`
    // (and not one the table leaves at `invalid`: an op this build does not run, or in a
    // `narrow-frames` build a wide form only a large frame needs).
    let handler = unsafe { table.get_unchecked(word) };
    handler(cx, r.ip, r.fp, Pad::uninit(), r.mem0, r.mem0_len)
}

#[cfg_attr(fayasm_optimize_size, optimize(speed))]
pub(super) fn execute<T>(cx: &mut Ctx<'_, T>, r: Regs) -> Exit {
    next(cx, r);
    cx.exit.take().unwrap_or(Exit::Done)
}

/// Record why the run stopped, and the op at `ip` that stopped it.
#[cold]
#[inline(never)]
fn stop<T>(cx: &mut Ctx<'_, T>, e: Exit, ip: *const u16) -> Stop {
    cx.exit = Some(e);
    cx.trap_ip = ip;
    Stop
}

/// The general path of a load, store, call or return: the handler returned `Exit::Slow` for
/// the op at `ip`.
#[inline(never)]
#[cfg_attr(fayasm_optimize_size, optimize(speed))]
fn slow<T, const W: bool>(
    cx: &mut Ctx<'_, T>,
    ip: *const u16,
    fp: *mut u64,
    _: Pad,
    mem0: *mut u8,
    mem0_len: u64,
) -> Stop {
    let mut r = Regs {
        ip,
        fp,
        mem0,
        mem0_len,
    };
    // SAFETY: `ip` is the op whose handler returned `Exit::Slow`, a verified load, store,
    // call or return of form `W`, and the registers are the ones it started with.
    match unsafe { handlers::Slow::<T, W>(cx, &mut r) } {
        Ok(()) => next(cx, r),
        Err(e) => stop(cx, e, ip),
    }
}

/// A load or store of opcode `OP`, narrow form, missed memory 0's resident bytes: try a demand-paged
/// memory 0's cached page translations (`handlers::mem_paged`, constant-folded to this op),
/// then the general path. Kept out of the handler so that a resident memory's fast path is
/// unchanged.
///
/// Only this cache hit is per op (on a paged memory it runs for every access: the firmware's
/// CMARK, paged, took 1.7x its guest instructions with one copy per form that decoded the op
/// at run time). A miss tail-calls the shared [`slow`] (one per form), whose `MemSlow` reads
/// the opcode at `ip` and tries the page table before anything goes out of line. A per-op
/// copy of that table lookup (`mem_lookup`, until 2026-12-02) cost the firmware 88 KB of
/// flash (a copy per load/store op, form and host type); without it a miss costs about 120
/// instructions instead of 80, which the view's 16 entries (fewer misses) and
/// one-comparison hit more than pay back (ROADMAP.md, issue 19).
#[inline(never)]
#[cfg_attr(fayasm_optimize_size, optimize(speed))]
fn mem_miss<T, const W: bool, const OP: u16>(
    cx: &mut Ctx<'_, T>,
    ip: *const u16,
    fp: *mut u64,
    _: Pad,
    mem0: *mut u8,
    mem0_len: u64,
) -> Stop {
    let mut r = Regs {
        ip,
        fp,
        mem0,
        mem0_len,
    };
    // SAFETY: as for `slow`; `OP` is the opcode at `ip` (this function's table slot's op,
    // or the second op of a chained op that ends in it, narrow: `chain_second`).
    if unsafe { handlers::mem_paged::<T, W>(cx, &mut r, OP, true) } {
        return next(cx, r);
    }
    slow::<T, W>(cx, ip, fp, Pad::uninit(), mem0, mem0_len)
}

/// The second op of chained op `op` (narrow opcode), for [`mem_miss`]'s `OP`; only asked of
/// chained ops ending in a load or store (`handlers::chain_may_miss`). Any other op gets
/// `I32Load`, whose instance exists anyway, should a dead arm be instantiated.
const fn chain_second(op: u16) -> u16 {
    match crate::microcode::isa::chain_successor(op) {
        Some(second) => second,
        None => opc::I32Load,
    }
}

/// Table entries that are no opcode: `verify` never lets one run.
fn invalid<T>(cx: &mut Ctx<'_, T>, _: *const u16, _: *mut u64, _: Pad, _: *mut u8, _: u64) -> Stop {
    cx.exit = Some(crate::error::TrapCode::Unreachable.into());
    Stop
}

struct Table<T>(PhantomData<T>);

macro_rules! threaded {
    ($($name:ident)*) => {
        /// One function per op and form: run the handler, then the next op.
        #[allow(non_snake_case)]
        mod op {
            use super::*;
            $(
                #[inline(never)]
                // The firmware crate, where these are instantiated, builds at `opt-level = "z"`
                // under this cfg; the interpreter keeps the speed-optimised code.
                #[cfg_attr(fayasm_optimize_size, optimize(speed))]
                pub(super) fn $name<T, const W: bool>(
                    cx: &mut Ctx<'_, T>,
                    ip: *const u16,
                    fp: *mut u64,
                    _: Pad,
                    mem0: *mut u8,
                    mem0_len: u64,
                ) -> Stop {
                    let mut r = Regs { ip, fp, mem0, mem0_len };
                    // SAFETY: `next` chose this function by the opcode word at `ip`, which is
                    // this op's opcode in form `W` (its table slot), and passed the registers
                    // consistent with `cx`.
                    match unsafe { handlers::$name::<T, W>(cx, &mut r) } {
                        Ok(()) => next(cx, r),
                        // A wide form (an offset or memory index past 16 bits: rare) goes
                        // straight to the shared `slow`, whose `MemSlow` tries the paged
                        // view's cache too, with the opcode read at run time: a per-op
                        // `mem_miss` for each wide form cost the firmware 10.7 KB of flash.
                        Err(Exit::Slow) if const { handlers::may_miss_mem(opc::$name) && !W } => {
                            let pad = Pad::uninit();
                            mem_miss::<T, W, { opc::$name }>(cx, ip, fp, pad, mem0, mem0_len)
                        }
                        Err(Exit::Slow) if const { handlers::may_miss(opc::$name) } => {
                            slow::<T, W>(cx, ip, fp, Pad::uninit(), mem0, mem0_len)
                        }
                        // A chained op whose second op (narrow, at `r.ip`) missed memory 0's
                        // resident bytes: that op's own miss path (the same function its
                        // table slot's op uses, so no new code) runs it alone.
                        Err(Exit::Slow) if const { handlers::chain_may_miss(opc::$name) } => {
                            let pad = Pad::uninit();
                            mem_miss::<T, false, { chain_second(opc::$name) }>(
                                cx, r.ip, fp, pad, mem0, mem0_len,
                            )
                        }
                        Err(e) => stop(cx, e, ip),
                    }
                }
            )*
        }

        impl<T> Table<T> {
            const HANDLERS: [Handler<T>; TABLE_LEN] = {
                let mut t: [Handler<T>; TABLE_LEN] = [invalid::<T>; TABLE_LEN];
                $(
                    // An op of a proposal this build leaves out (`isa::built`: the decoder
                    // refuses it) keeps `invalid` in both forms: its functions are never
                    // instantiated.
                    if built(opc::$name) {
                        t[opc::$name as usize] = op::$name::<T, false>;
                        // A `narrow-frames` build has no wide form that only a frame past
                        // 65,535 cells needs (`verify` rejects it): its function is never
                        // instantiated either.
                        if handlers::form_free(opc::$name) {
                            // Its narrow instance runs both forms (`handlers::form_free`).
                            t[opcw::$name as usize] = op::$name::<T, false>;
                        } else if !NARROW_FRAMES || WIDE_BEYOND_FRAME[opc::$name as usize] {
                            t[opcw::$name as usize] = op::$name::<T, true>;
                        }
                    }
                )*
                t
            };
        }
    };
}

crate::microcode::isa::for_each_op!(threaded);
