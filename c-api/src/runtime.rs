//! Without `std`: what a C program that links the static library expects a library to bring
//! along. Rust's heap is C's (`malloc`, `realloc`, `free`, and `aligned_alloc` for
//! alignments above a pointer's size), so the firmware keeps one heap (ESP-IDF's, newlib's,
//! a bare-metal SDK's); a panic (a bug: the library does not panic on bad input) calls C's
//! `abort`. ARCHITECTURE.md, invariant "Without `std`, the C API library's heap is C's".

use core::alloc::{GlobalAlloc, Layout};
use core::ffi::c_void;

extern "C" {
    fn malloc(size: usize) -> *mut c_void;
    fn aligned_alloc(align: usize, size: usize) -> *mut c_void;
    fn realloc(p: *mut c_void, size: usize) -> *mut c_void;
    fn free(p: *mut c_void);
    fn abort() -> !;
}

/// The alignment every C heap this library is linked with gives a `malloc`: a pointer's
/// size (ESP-IDF's heap aligns to 4 bytes on 32-bit chips; C's `max_align_t` is larger).
const MALLOC_ALIGN: usize = core::mem::size_of::<usize>();

struct CHeap;

// SAFETY: invariant "Without `std`, the C API library's heap is C's": `malloc` and
// `aligned_alloc` return blocks of at least the size asked for, aligned as asked
// (`MALLOC_ALIGN` for `malloc`), or null; `free` and `realloc` take blocks they returned.
unsafe impl GlobalAlloc for CHeap {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // A zero-sized request never reaches a `GlobalAlloc` (its callers handle it).
        if layout.align() <= MALLOC_ALIGN {
            // SAFETY: see the impl.
            unsafe { malloc(layout.size()) }.cast()
        } else {
            // `aligned_alloc` wants a size that is a multiple of the alignment.
            let size = layout.size().next_multiple_of(layout.align());
            // SAFETY: see the impl; `align` is a power of two (a `Layout`'s).
            unsafe { aligned_alloc(layout.align(), size) }.cast()
        }
    }

    unsafe fn dealloc(&self, p: *mut u8, _layout: Layout) {
        // SAFETY: see the impl; `p` came from `alloc` or `realloc` (GlobalAlloc's contract).
        unsafe { free(p.cast()) }
    }

    unsafe fn realloc(&self, p: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if layout.align() <= MALLOC_ALIGN {
            // SAFETY: see the impl; `p` came from `malloc` (alignment at most
            // `MALLOC_ALIGN`), and C's `realloc` keeps `malloc`'s alignment.
            return unsafe { realloc(p.cast(), new_size) }.cast();
        }
        // SAFETY: GlobalAlloc's contract: `new_size` rounded up to the alignment does not
        // overflow `isize`, so the layout is valid.
        let new = unsafe { Layout::from_size_align_unchecked(new_size, layout.align()) };
        // SAFETY: see the impl.
        let q = unsafe { self.alloc(new) };
        if !q.is_null() {
            // SAFETY: both blocks hold at least the smaller size and are distinct.
            unsafe { core::ptr::copy_nonoverlapping(p, q, layout.size().min(new_size)) };
            // SAFETY: `p` came from `alloc` with `layout`.
            unsafe { self.dealloc(p, layout) };
        }
        q
    }
}

#[global_allocator]
static HEAP: CHeap = CHeap;

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    // SAFETY: C's `abort` takes nothing and does not return.
    unsafe { abort() }
}
