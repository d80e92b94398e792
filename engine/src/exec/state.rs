//! The interpreter's state, split by temperature.
//!
//! - [`Regs`]: what every op touches: `ip` (the current op's opcode word), `fp` (slot 0 of the
//!   current frame) and the default memory's resident bytes (`mem0`, `mem0_len`). The threaded
//!   backend passes these as the handlers' arguments, so they live in machine registers from
//!   one op to the next; the loop backend keeps them in locals of its loop.
//! - [`Ctx`]: everything else, behind one pointer: the store, the value and frame stacks, the
//!   current function (`code`), the frame's `base` and instance (with its callee table),
//!   the configured bounds, and why execution stopped.
//!
//! The slot, operand and memory accesses below are the interpreter's `unsafe` core; they rely
//! on the verifier's invariants (ARCHITECTURE.md, "Invariants": microcode runs only after
//! `microcode::verify` accepted it) and on `fp`/`ip`/`mem0` being re-derived after anything
//! that can move the buffers they point into.

use super::Stack;
use crate::error::{Trap, TrapCode};
use crate::microcode::resident::{CodePtr, CodeRef};
use crate::runtime::Store;

/// The hot state: the current op, the frame and the default memory's resident bytes.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Regs {
    /// The current op's opcode word; handlers step it past the op (or to a branch target).
    pub ip: *const u16,
    /// Slot 0 of the current frame in the value stack.
    pub fp: *mut u64,
    /// Memory 0's resident bytes (null and 0 without a memory 0, or when it shows none).
    pub mem0: *mut u8,
    /// Their length.
    pub mem0_len: u64,
}

/// Why a handler stopped the run. Register-sized on purpose: handlers return it, and the
/// threaded backend's sibling calls need every value a handler moves around out of line to be
/// (see [`out_of_line`]). A trap with more than a code (a host function's error) is parked
/// in `Ctx::trap`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Exit {
    /// The entry function returned; its results are in its frame.
    Done,
    /// A trap.
    Trap(TrapCode),
    /// A trap whose details are in `Ctx::trap`.
    Parked,
    /// Not a stop: a load or store missed memory 0's resident bytes, and the backend is to
    /// run `handlers::MemSlow` on the op (its handler changed nothing).
    Slow,
}

impl From<TrapCode> for Exit {
    #[inline(always)]
    fn from(t: TrapCode) -> Exit {
        Exit::Trap(t)
    }
}

/// What an op's handler returns: continue at `Regs::ip`, or stop.
pub(crate) type R = Result<(), Exit>;

/// The cold state.
pub(crate) struct Ctx<'a, T> {
    pub store: &'a mut Store<T>,
    pub stack: &'a mut Stack,
    /// The running function's code, pinned ([`CodeRef::pin`]): one pin belongs to this
    /// pointer, one to each suspended caller's [`CallFrame`](super::CallFrame). Null once the entry
    /// function returned.
    pub code: CodePtr,
    /// The current frame's first cell in `stack.cells`.
    pub base: usize,
    /// The current function's instance (store index).
    pub inst: usize,
    /// That instance's callee table (`exec::Callees`, "The callee table" in
    /// `handlers/call.rs`): set with `inst` ([`Ctx::set_inst`]).
    pub callees: *const CodePtr,
    /// The bounds of the frame stack (frames) and the value stack (cells).
    pub max_depth: usize,
    pub max_cells: usize,
    /// `max_depth` or the frame stack's capacity, whichever is smaller: a call that finds
    /// fewer frames can push one without a check of either (capacity only grows during a
    /// run; the slow path that grows it refreshes this).
    pub frame_limit: usize,
    /// Set by the threaded backend when a handler stops.
    pub exit: Option<Exit>,
    /// The details of an [`Exit::Parked`] trap.
    pub trap: Option<Trap>,
    /// The op that stopped the run (set by the backend only when a handler stops, so the
    /// running path pays nothing): where a trap's backtrace starts (`exec/trace.rs`).
    pub trap_ip: *const u16,
    /// Where the registers are parked while an out-of-line path runs ([`out_of_line`]).
    /// A handler that stops with `OutOfFuel` or `Interrupted` leaves the registers here with
    /// `ip` at the op to run again on resumption (`handlers/fuel.rs`).
    pub regs: Regs,
    /// Fuel left (`u64::MAX` when the engine does not consume fuel) as the window the checks
    /// take from and the reserve that refills it, and the store's interrupt flag: what
    /// `Op::Fuel` checks (`handlers/fuel.rs`, "The fuel window").
    pub fuel: u64,
    pub fuel_reserve: u64,
    pub interrupt: &'a core::sync::atomic::AtomicBool,
    /// The host call a host function yielded from (`suspend.rs`).
    pub pending: Option<super::suspend::PendingHost>,
    /// Memory 0's resident pages when it is demand-paged (`runtime/memory.rs`,
    /// `PagedView`): where a load or store that missed `Regs::mem0` looks before leaving the
    /// fast path. Re-read with `Regs::mem0` (`Ctx::mem0`).
    pub paged: crate::runtime::memory::PagedView,
}

impl<T> Ctx<'_, T> {
    /// The running function's code.
    #[inline(always)]
    pub fn code(&self) -> CodeRef<'_> {
        // SAFETY: while a run is under way `code` points at pinned code, which the store
        // keeps alive (in the function's code state, or retired in the code cache) until
        // the pin is dropped (ARCHITECTURE.md, "Invariants": pinned code).
        unsafe { self.code.get() }
    }

    /// Memory 0's resident bytes for `Regs::mem0`/`mem0_len`, read afresh (and its paged
    /// view, `Ctx::paged`).
    #[inline(always)]
    pub fn mem0(&mut self) -> (*mut u8, u64) {
        let inner = &mut self.store.inner;
        match inner.instances[self.inst].memories.first() {
            Some(&i) => {
                let m = &mut inner.memories[i as usize];
                m.refresh_view(&mut self.paged);
                (m.data.as_mut_ptr(), m.data.len() as u64)
            }
            None => {
                self.paged.clear();
                (core::ptr::null_mut(), 0)
            }
        }
    }

    /// The registers for word `pc` of the current function, everything re-derived: after a
    /// switch of function or frame, or anything that may have moved the value stack or
    /// memory 0's buffer.
    #[inline(always)]
    pub fn regs_at(&mut self, pc: usize) -> Regs {
        let (mem0, mem0_len) = self.mem0();
        Regs {
            ip: self.code().words_ptr().wrapping_add(pc),
            fp: self.stack.cells.as_mut_ptr().wrapping_add(self.base),
            mem0,
            mem0_len,
        }
    }

    /// Park `t` (see [`Exit::Parked`]).
    #[cold]
    #[inline(never)]
    pub fn park_trap(&mut self, t: Trap) -> Exit {
        self.trap = Some(t);
        Exit::Parked
    }

    /// Why the run stopped, as the caller of `exec::run` sees it.
    pub fn outcome(&mut self, e: Exit) -> Result<(), Trap> {
        match e {
            Exit::Done => Ok(()),
            Exit::Trap(code) => Err(Trap::new(code)),
            Exit::Slow | Exit::Parked => Err(self
                .trap
                .take()
                .unwrap_or_else(|| Trap::new(TrapCode::Unreachable))),
        }
    }

    /// `regs_at(pc)` after a switch of function or frame that did not move memory 0's buffer
    /// if the instance stayed `prev`'s: memory 0's registers are then kept from `prev`, the
    /// registers that were current before the switch (a call or return does not resize a
    /// memory; anything that did re-read them).
    #[inline(always)]
    pub fn regs_after_switch(&mut self, pc: usize, prev: &Regs, same_instance: bool) -> Regs {
        if !same_instance {
            return self.regs_at(pc);
        }
        Regs {
            ip: self.code().words_ptr().wrapping_add(pc),
            fp: self.stack.cells.as_mut_ptr().wrapping_add(self.base),
            mem0: prev.mem0,
            mem0_len: prev.mem0_len,
        }
    }

    /// The word offset of `ip` in the current function.
    #[inline(always)]
    pub fn pc_of(&self, ip: *const u16) -> usize {
        (ip as usize - self.code().words_ptr() as usize) / 2
    }

    /// Make `inst` the current instance (with its callee table).
    #[inline(always)]
    pub fn set_inst(&mut self, inst: usize) {
        self.inst = inst;
        self.callees = self.store.inner.instances[inst].callees.as_ptr();
    }

    /// Refresh [`Ctx::frame_limit`] (after the frame stack grew).
    #[inline(always)]
    pub fn refresh_frame_limit(&mut self) {
        self.frame_limit = self.max_depth.min(self.stack.frames.capacity());
    }
}

/// Run `f` (a cold path) out of line, with the registers parked in `cx.regs`.
///
/// Handlers never pass a pointer to their own locals (such as `&mut Regs`, or the hidden
/// return slot of a value larger than two registers) to a function that is not inlined: LLVM
/// could then not prove that the callee does not keep it, and would not turn the threaded
/// backend's call of the next handler into a jump (seen at opt-level 1). Everything an
/// out-of-line path reads or writes goes through `cx`, which the handler received as an
/// argument, and what it returns fits in registers (`R`).
#[inline(always)]
pub(crate) fn out_of_line<T>(
    cx: &mut Ctx<'_, T>,
    r: &mut Regs,
    f: fn(&mut Ctx<'_, T>, &mut Regs) -> R,
) -> R {
    cx.regs = *r;
    let res = run_parked(cx, f);
    *r = cx.regs;
    res
}

/// Run `f` on the parked registers.
#[inline(never)]
fn run_parked<T>(cx: &mut Ctx<'_, T>, f: fn(&mut Ctx<'_, T>, &mut Regs) -> R) -> R {
    let mut r = cx.regs;
    let res = f(cx, &mut r);
    cx.regs = r;
    res
}

// The accessors handlers are written with. They are macros (not methods) so that each
// expands to one unsafe block with its own SAFETY argument at the use site's types.

/// Read cell `s` of the frame.
macro_rules! c {
    ($r:ident, $s:expr) => {
        // SAFETY: `verify` proved every slot operand (plus one cell for a v128) below the
        // function's `frame_size`; the frame was entered only after `ensure_cells` made
        // `stack.cells` at least `base + frame_size` long, and `fp` was re-derived
        // (`Ctx::regs_at`) after the last access that could move the cells.
        unsafe { *$r.fp.add($s as usize) }
    };
}
/// Write cell `s` of the frame.
macro_rules! set {
    ($r:ident, $s:expr, $v:expr) => {{
        let v: u64 = $v;
        // SAFETY: as for `c!`.
        unsafe { *$r.fp.add($s as usize) = v }
    }};
}
macro_rules! r_i32 {
    ($r:ident, $s:expr) => {
        c!($r, $s) as u32 as i32
    };
}
macro_rules! r_i64 {
    ($r:ident, $s:expr) => {
        c!($r, $s) as i64
    };
}
macro_rules! r_f32 {
    ($r:ident, $s:expr) => {
        f32::from_bits(c!($r, $s) as u32)
    };
}
macro_rules! r_f64 {
    ($r:ident, $s:expr) => {
        f64::from_bits(c!($r, $s))
    };
}
macro_rules! w_i32 {
    ($r:ident, $s:expr, $v:expr) => {{
        let v = $v as u32 as u64;
        set!($r, $s, v);
    }};
}
macro_rules! w_i64 {
    ($r:ident, $s:expr, $v:expr) => {{
        let v = $v as u64;
        set!($r, $s, v);
    }};
}
macro_rules! w_f32 {
    ($r:ident, $s:expr, $v:expr) => {{
        let v: f32 = $v;
        set!($r, $s, v.to_bits() as u64);
    }};
}
macro_rules! w_f64 {
    ($r:ident, $s:expr, $v:expr) => {{
        let v: f64 = $v;
        set!($r, $s, v.to_bits());
    }};
}

/// Read the current op's operands (an op of this opcode in form `W`, the handler's const
/// parameter) and step `ip` past it.
macro_rules! rd {
    ($r:ident, $n:ident) => {{
        // SAFETY: the dispatch ran this handler for the opcode word at `ip`, which `verify`
        // proved starts a well-formed op of this opcode and form (every word of the stream
        // belongs to a decoded op, every branch target is an op's start, the last op does
        // not fall through), inside `code.code`.
        let (op, n) = unsafe { crate::microcode::isa::read::$n::<W>($r.ip) };
        $r.ip = $r.ip.wrapping_add(n);
        op
    }};
}

/// `rd!` for a cold path compiled once for both forms: the form is read from the opcode
/// word's `WIDE` bit at run time instead of the handler's `W`, so the code around it does
/// not depend on `W` and the two instances of an out-of-line body are the same function
/// (folded by the linker's identical-code folding; the firmware links with `--icf=all`).
macro_rules! rd_any {
    ($r:ident, $n:ident) => {{
        // SAFETY: as for `rd!`: the op at `ip` is a verified op of this opcode, and its
        // opcode word's `WIDE` bit is its form.
        let (op, n) = unsafe {
            if *$r.ip & crate::microcode::isa::WIDE != 0 {
                crate::microcode::isa::read::$n::<true>($r.ip)
            } else {
                crate::microcode::isa::read::$n::<false>($r.ip)
            }
        };
        $r.ip = $r.ip.wrapping_add(n);
        op
    }};
}

/// Jump by `target` words (a branch's distance, the bits of an `i32`, from the end of the
/// op, where `rd!` left `ip`) if `cond`.
///
/// A conditional *branch*, never a select: without the hint LLVM computes the next `ip` with
/// a `cmov` on `cond`, so the next op's opcode load, its dispatch and every operand load
/// after it wait for `cond`, which often ends a chain of float or memory ops (a loop's exit
/// test). That serialises the interpreter on the wasm program's data: fuel-off code, whose
/// back-edges are these ops, ran 1.1-2.1x slower in wall time than the same loop with a
/// fuel check (a real branch) although it executes fewer instructions (ROADMAP, "Fuel
/// on/off in wall time"). With a branch the CPU predicts the direction and runs ahead.
/// The fall-through side is marked cold: the hottest conditional branches are back-edges.
macro_rules! br_if {
    ($cx:ident, $r:ident, $cond:expr, $target:expr) => {
        if $cond {
            let _ = &$cx;
            $r.ip = $r.ip.wrapping_offset($target as i32 as isize);
        } else {
            core::hint::cold_path();
        }
    };
}

/// A taken loop back-edge (`exec/handlers/fuel.rs`, "The fuel window") to `$target`, the op after a narrow `Fuel` or `Poll` op (`verify`
/// proved it, and that its cost is 1 to 32,767): take the cost (the word before `$target`)
/// from the window and jump to `$target`, or jump to the check op itself, which refills the
/// window or stops.
macro_rules! br_fuel {
    ($cx:ident, $r:ident, $cond:expr, $target:expr) => {
        if $cond {
            let t = $r.ip.wrapping_offset($target as i32 as isize);
            // SAFETY: `verify` (`metering::check`) proved that the two words before the
            // target are a narrow `Fuel` or `Poll` op of the current function: its opcode
            // word, then its cost.
            let cost = unsafe { *t.wrapping_sub(1) } as u64;
            $r.ip = if super::fuel::take($cx, cost) {
                t
            } else {
                core::hint::cold_path();
                t.wrapping_sub(2)
            };
        } else {
            // A branch, not a select: see `br_if!` (`exec/state.rs`).
            core::hint::cold_path();
        }
    };
}

/// Re-read memory 0's resident bytes into the registers.
macro_rules! refresh_mem0 {
    ($cx:ident, $r:ident) => {{
        let (p, l) = $cx.mem0();
        $r.mem0 = p;
        $r.mem0_len = l;
    }};
}

macro_rules! mem_index {
    ($cx:ident, $m:expr) => {
        $cx.store.inner.instances[$cx.inst].memories[$m as usize] as usize
    };
}
macro_rules! mem {
    ($cx:ident, $m:expr) => {{
        let i = mem_index!($cx, $m);
        &mut $cx.store.inner.memories[i]
    }};
}
macro_rules! table {
    ($cx:ident, $t:expr) => {{
        let i = $cx.store.inner.instances[$cx.inst].tables[$t as usize] as usize;
        &mut $cx.store.inner.tables[i]
    }};
}
/// A memory and the offload state its slow paths need.
macro_rules! mem_off {
    ($cx:ident, $m:expr) => {{
        let i = mem_index!($cx, $m);
        $cx.store.inner.memory_and_offload(i)
    }};
}
