//! A trap's backtrace, read from the engine's own frame stack when the trap is raised: the
//! running code records nothing for it (the backends note the op that stopped the run only on
//! their stop path). `runtime/trace.rs` turns the frames into [`FrameInfo`]s.
//!
//! [`FrameInfo`]: crate::error::FrameInfo

use alloc::vec::Vec;

use super::CallFrame;
use crate::error::Trap;
use crate::microcode::resident::CodePtr;
use crate::runtime::{trace::Site, Store};

/// Where the innermost frame is: its code, the word offset of the op it stopped at, its
/// instance (store index).
pub(super) struct At {
    pub code: CodePtr,
    pub pc: usize,
    pub inst: u32,
}

/// Append to `trap`'s backtrace the frames of this run, innermost first: `current` (the
/// running function, if the run was in one) and then the callers on `frames`, up to the
/// engine's [`Config::wasm_backtrace_max_frames`](crate::Config::wasm_backtrace_max_frames)
/// in all. Every code pointer given is pinned, or held by `Stack::held` or by the caller (a
/// suspended point's code).
pub(super) fn record<T>(
    store: &Store<T>,
    trap: &mut Trap,
    current: Option<At>,
    frames: &[CallFrame],
) {
    let max = store.engine.config.backtrace_frames;
    let room = max.saturating_sub(trap.trace().len());
    if room == 0 {
        return;
    }
    // A caller's `ip` is its return point, right after the call op: a word of the call op
    // is one before it.
    let callers = frames.iter().rev().map(|f| At {
        code: f.code,
        pc: f.pc().saturating_sub(1),
        inst: f.instance,
    });
    let sites: Vec<Site<'_>> = current
        .into_iter()
        .chain(callers)
        .take(room)
        .map(|at| Site {
            // SAFETY: the code of the running function and of every frame is pinned (or held
            // by reference) until the run's frames are unpinned, after this (ARCHITECTURE.md,
            // "Invariants": pinned code), and pinned code is never mutated.
            code: unsafe { at.code.get() },
            pc: at.pc,
            inst: at.inst,
        })
        .collect();
    trap.extend_trace(crate::runtime::trace::resolve(&store.inner, &sites));
}
