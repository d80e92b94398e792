//! The global allocator: `embedded-alloc`'s first-fit heap over a static array of
//! `HEAP_BYTES` (a build setting), wrapped to record the peak number of bytes in use.

use core::alloc::{GlobalAlloc, Layout};
use core::cell::UnsafeCell;
use core::mem::MaybeUninit;
use core::sync::atomic::{AtomicUsize, Ordering};

use embedded_alloc::LlffHeap;

use crate::settings::HEAP_BYTES;

/// The heap with its high-water mark.
pub struct TrackingHeap {
    heap: LlffHeap,
    peak: AtomicUsize,
    failures: AtomicUsize,
}

#[repr(C, align(16))]
struct Arena(UnsafeCell<[MaybeUninit<u8>; HEAP_BYTES]>);

// SAFETY: the arena is only ever touched through the heap, which serialises access with a
// critical section.
unsafe impl Sync for Arena {}

static ARENA: Arena = Arena(UnsafeCell::new([MaybeUninit::uninit(); HEAP_BYTES]));

#[global_allocator]
pub static HEAP: TrackingHeap = TrackingHeap {
    heap: LlffHeap::empty(),
    peak: AtomicUsize::new(0),
    failures: AtomicUsize::new(0),
};

impl TrackingHeap {
    /// Hands the arena to the heap. Call once, before the first allocation.
    pub fn init(&self) {
        // SAFETY: called once at start-up (before any allocation); the arena is a static that
        // nothing else uses, so the heap owns it for the rest of the program.
        unsafe { self.heap.init(ARENA.0.get() as usize, HEAP_BYTES) }
    }

    /// Bytes in use now.
    pub fn used(&self) -> usize {
        self.heap.used()
    }

    /// The most bytes ever in use at once.
    pub fn peak(&self) -> usize {
        self.peak.load(Ordering::Relaxed)
    }

    /// Starts a new high-water mark from the current use.
    pub fn reset_peak(&self) {
        self.peak.store(self.heap.used(), Ordering::Relaxed);
    }

    /// Allocations refused for lack of memory.
    pub fn failures(&self) -> usize {
        self.failures.load(Ordering::Relaxed)
    }

    fn note(&self, ptr: *mut u8) {
        // Single hart: a plain load and store (no read-modify-write) is enough here.
        if ptr.is_null() {
            let f = self.failures.load(Ordering::Relaxed);
            self.failures.store(f + 1, Ordering::Relaxed);
        } else {
            let used = self.heap.used();
            if used > self.peak.load(Ordering::Relaxed) {
                self.peak.store(used, Ordering::Relaxed);
            }
        }
    }
}

// SAFETY: forwards to `LlffHeap`, which is a correct allocator; the wrapper only reads counters.
unsafe impl GlobalAlloc for TrackingHeap {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract for `alloc` is passed on unchanged.
        let p = unsafe { self.heap.alloc(layout) };
        self.note(p);
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: the caller's contract for `dealloc` is passed on unchanged.
        unsafe { self.heap.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the caller's contract for `realloc` is passed on unchanged.
        let p = unsafe { self.heap.realloc(ptr, layout, new_size) };
        self.note(p);
        p
    }
}
