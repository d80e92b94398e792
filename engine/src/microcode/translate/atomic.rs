//! The threads proposal's operators (`Config::wasm_threads`, cargo feature `threads`): atomic
//! loads, stores, read-modify-writes and compare-exchanges, `memory.atomic.wait32/64`,
//! `memory.atomic.notify` and `atomic.fence`.
//!
//! Each becomes one of six ops whose sub-op (`AtomicWidth`, `AtomicRmwOp`) says the access
//! size and the modification; the wasm type does not matter to them, since an i32 sits in
//! its cell zero-extended (`microcode/atomic_ops.rs`). They run out of line
//! (`exec/handlers/atomic.rs`) and are never fused: code without atomics is translated as
//! before. `atomic.fence` emits nothing: a store runs on one thread, whose accesses are
//! already in program order.

use wasmparser::{MemArg, Operator};

use super::{mem_index, Translator};
use crate::microcode::{AtomicRmwOp, AtomicWidth, Op};

/// What an atomic operator does.
#[derive(Clone, Copy)]
enum Kind {
    Load,
    Store,
    Rmw(AtomicRmwOp),
    Cmpxchg,
    Wait,
    Notify,
}

impl Translator<'_> {
    /// Translate `op` if it is one of the threads proposal's operators (`true`), else leave
    /// everything as it is (`false`).
    pub(super) fn atomic(&mut self, op: &Operator<'_>) -> bool {
        use AtomicRmwOp as R;
        use AtomicWidth::{W16, W32, W64, W8};
        use Kind::*;
        use Operator as O;
        let (memarg, kind, width): (MemArg, Kind, AtomicWidth) = match *op {
            O::AtomicFence { .. } => return true,
            O::MemoryAtomicNotify { memarg } => (memarg, Notify, W32),
            O::MemoryAtomicWait32 { memarg } => (memarg, Wait, W32),
            O::MemoryAtomicWait64 { memarg } => (memarg, Wait, W64),
            O::I32AtomicLoad { memarg } | O::I64AtomicLoad32U { memarg } => (memarg, Load, W32),
            O::I64AtomicLoad { memarg } => (memarg, Load, W64),
            O::I32AtomicLoad8U { memarg } | O::I64AtomicLoad8U { memarg } => (memarg, Load, W8),
            O::I32AtomicLoad16U { memarg } | O::I64AtomicLoad16U { memarg } => (memarg, Load, W16),
            O::I32AtomicStore { memarg } | O::I64AtomicStore32 { memarg } => (memarg, Store, W32),
            O::I64AtomicStore { memarg } => (memarg, Store, W64),
            O::I32AtomicStore8 { memarg } | O::I64AtomicStore8 { memarg } => (memarg, Store, W8),
            O::I32AtomicStore16 { memarg } | O::I64AtomicStore16 { memarg } => (memarg, Store, W16),
            O::I32AtomicRmwAdd { memarg } | O::I64AtomicRmw32AddU { memarg } => {
                (memarg, Rmw(R::Add), W32)
            }
            O::I64AtomicRmwAdd { memarg } => (memarg, Rmw(R::Add), W64),
            O::I32AtomicRmw8AddU { memarg } | O::I64AtomicRmw8AddU { memarg } => {
                (memarg, Rmw(R::Add), W8)
            }
            O::I32AtomicRmw16AddU { memarg } | O::I64AtomicRmw16AddU { memarg } => {
                (memarg, Rmw(R::Add), W16)
            }
            O::I32AtomicRmwSub { memarg } | O::I64AtomicRmw32SubU { memarg } => {
                (memarg, Rmw(R::Sub), W32)
            }
            O::I64AtomicRmwSub { memarg } => (memarg, Rmw(R::Sub), W64),
            O::I32AtomicRmw8SubU { memarg } | O::I64AtomicRmw8SubU { memarg } => {
                (memarg, Rmw(R::Sub), W8)
            }
            O::I32AtomicRmw16SubU { memarg } | O::I64AtomicRmw16SubU { memarg } => {
                (memarg, Rmw(R::Sub), W16)
            }
            O::I32AtomicRmwAnd { memarg } | O::I64AtomicRmw32AndU { memarg } => {
                (memarg, Rmw(R::And), W32)
            }
            O::I64AtomicRmwAnd { memarg } => (memarg, Rmw(R::And), W64),
            O::I32AtomicRmw8AndU { memarg } | O::I64AtomicRmw8AndU { memarg } => {
                (memarg, Rmw(R::And), W8)
            }
            O::I32AtomicRmw16AndU { memarg } | O::I64AtomicRmw16AndU { memarg } => {
                (memarg, Rmw(R::And), W16)
            }
            O::I32AtomicRmwOr { memarg } | O::I64AtomicRmw32OrU { memarg } => {
                (memarg, Rmw(R::Or), W32)
            }
            O::I64AtomicRmwOr { memarg } => (memarg, Rmw(R::Or), W64),
            O::I32AtomicRmw8OrU { memarg } | O::I64AtomicRmw8OrU { memarg } => {
                (memarg, Rmw(R::Or), W8)
            }
            O::I32AtomicRmw16OrU { memarg } | O::I64AtomicRmw16OrU { memarg } => {
                (memarg, Rmw(R::Or), W16)
            }
            O::I32AtomicRmwXor { memarg } | O::I64AtomicRmw32XorU { memarg } => {
                (memarg, Rmw(R::Xor), W32)
            }
            O::I64AtomicRmwXor { memarg } => (memarg, Rmw(R::Xor), W64),
            O::I32AtomicRmw8XorU { memarg } | O::I64AtomicRmw8XorU { memarg } => {
                (memarg, Rmw(R::Xor), W8)
            }
            O::I32AtomicRmw16XorU { memarg } | O::I64AtomicRmw16XorU { memarg } => {
                (memarg, Rmw(R::Xor), W16)
            }
            O::I32AtomicRmwXchg { memarg } | O::I64AtomicRmw32XchgU { memarg } => {
                (memarg, Rmw(R::Xchg), W32)
            }
            O::I64AtomicRmwXchg { memarg } => (memarg, Rmw(R::Xchg), W64),
            O::I32AtomicRmw8XchgU { memarg } | O::I64AtomicRmw8XchgU { memarg } => {
                (memarg, Rmw(R::Xchg), W8)
            }
            O::I32AtomicRmw16XchgU { memarg } | O::I64AtomicRmw16XchgU { memarg } => {
                (memarg, Rmw(R::Xchg), W16)
            }
            O::I32AtomicRmwCmpxchg { memarg } | O::I64AtomicRmw32CmpxchgU { memarg } => {
                (memarg, Cmpxchg, W32)
            }
            O::I64AtomicRmwCmpxchg { memarg } => (memarg, Cmpxchg, W64),
            O::I32AtomicRmw8CmpxchgU { memarg } | O::I64AtomicRmw8CmpxchgU { memarg } => {
                (memarg, Cmpxchg, W8)
            }
            O::I32AtomicRmw16CmpxchgU { memarg } | O::I64AtomicRmw16CmpxchgU { memarg } => {
                (memarg, Cmpxchg, W16)
            }
            _ => return false,
        };
        let (mem, offset) = (mem_index(&memarg), memarg.offset);
        match kind {
            Load => {
                let addr = self.pop_slot();
                let dst = self.push_temp();
                self.emit(Op::AtomicLoad {
                    dst,
                    width,
                    addr,
                    mem,
                    offset,
                });
            }
            Store => {
                let v = self.pop();
                let a = self.pop();
                let (addr, src) = (self.entry_slot(a), self.entry_slot(v));
                self.emit(Op::AtomicStore {
                    width,
                    addr,
                    src,
                    mem,
                    offset,
                });
            }
            Rmw(op) => {
                let v = self.pop();
                let a = self.pop();
                let (addr, src) = (self.entry_slot(a), self.entry_slot(v));
                let dst = self.push_temp();
                self.emit(Op::AtomicRmw {
                    dst,
                    op,
                    width,
                    addr,
                    src,
                    mem,
                    offset,
                });
            }
            Cmpxchg => {
                let (addr, expected, src) = self.pop3();
                let dst = self.push_temp();
                self.emit(Op::AtomicCmpxchg {
                    dst,
                    width,
                    addr,
                    expected,
                    src,
                    mem,
                    offset,
                });
            }
            Wait => {
                let (addr, expected, timeout) = self.pop3();
                let dst = self.push_temp();
                self.emit(Op::AtomicWait {
                    dst,
                    width,
                    addr,
                    expected,
                    timeout,
                    mem,
                    offset,
                });
            }
            Notify => {
                let c = self.pop();
                let a = self.pop();
                let (addr, count) = (self.entry_slot(a), self.entry_slot(c));
                let dst = self.push_temp();
                self.emit(Op::AtomicNotify {
                    dst,
                    addr,
                    count,
                    mem,
                    offset,
                });
            }
        }
        true
    }
}
