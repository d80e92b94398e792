//! The test binary's global allocator: the system allocator, counting what a *measuring*
//! thread allocates and frees (live bytes and their peak), per thread. Every test module runs
//! in this one process and the harness runs tests on several threads at once, so a test
//! measures only its own thread: [`start`] on the thread that does the work, read [`live`] /
//! [`take_peak`], [`stop`]. Allocations of other threads, and of this thread when not
//! measuring, are not counted (frees of blocks allocated before `start` are: they lower the
//! count, which can go below zero).

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

struct Counting;

thread_local! {
    static MEASURING: Cell<bool> = const { Cell::new(false) };
    static LIVE: Cell<isize> = const { Cell::new(0) };
    static PEAK: Cell<isize> = const { Cell::new(0) };
}

fn counted() -> bool {
    MEASURING.try_with(Cell::get).unwrap_or(false)
}

fn grew(n: usize) {
    let n = n as isize;
    let now = LIVE.with(|l| {
        l.set(l.get() + n);
        l.get()
    });
    PEAK.with(|p| p.set(p.get().max(now)));
}

fn shrank(n: usize) {
    LIVE.with(|l| l.set(l.get() - n as isize));
}

// SAFETY: every method forwards to `System` with the caller's arguments unchanged, which
// upholds `GlobalAlloc`'s contract; the counters are only statistics (no invariant of
// ARCHITECTURE.md is involved). The thread-locals are `const`-initialized `Cell`s without
// destructors, so reading them never allocates.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract, forwarded.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() && counted() {
            grew(layout.size());
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract, forwarded.
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() && counted() {
            grew(layout.size());
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if counted() {
            shrank(layout.size());
        }
        // SAFETY: the caller's contract, forwarded.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the caller's contract, forwarded.
        let q = unsafe { System.realloc(ptr, layout, new_size) };
        if !q.is_null() && counted() {
            shrank(layout.size());
            grew(new_size);
        }
        q
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

/// Starts counting this thread's allocations from zero.
pub fn start() {
    LIVE.with(|l| l.set(0));
    PEAK.with(|p| p.set(0));
    MEASURING.with(|m| m.set(true));
}

/// Stops counting this thread's allocations (the counts stay readable).
pub fn stop() {
    MEASURING.with(|m| m.set(false));
}

/// Bytes this thread allocated and did not free since [`start`].
pub fn live() -> isize {
    LIVE.with(Cell::get)
}

/// The most bytes live at once since [`start`] or the last `take_peak`; restarts the peak
/// from the bytes live now.
pub fn take_peak() -> isize {
    let live = live();
    PEAK.with(|p| p.replace(live))
}
