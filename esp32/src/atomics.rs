//! Atomic read-modify-write operations for a core without the A extension.
//!
//! The firmware's target (`targets/riscv32imc-unknown-none-elf.json`) is `riscv32imc-unknown-none-elf`
//! with `atomic-cas` switched on, so `alloc::sync::Arc` (used by `wasmparser` and the engine)
//! exists. LLVM's `+forced-atomics` lowers atomic loads and stores to plain loads and stores
//! and every read-modify-write (compare-and-swap, swap, fetch-add, ...) to a call to a
//! `__sync_*` function. This module provides those functions: the core has one hart, so an
//! operation is atomic when machine interrupts are off while it runs. No `lr`/`sc`/`amo*`
//! instruction is ever emitted (`cargo xtask esp32` checks the ELF for them).

use core::arch::asm;

/// Runs `f` with machine interrupts disabled, restoring the previous state afterwards.
#[inline(always)]
fn without_interrupts<R>(f: impl FnOnce() -> R) -> R {
    let mstatus: usize;
    // SAFETY: clears MIE (bit 3) of mstatus and returns the old value; the firmware runs in
    // machine mode, where mstatus is accessible. No memory is touched.
    unsafe { asm!("csrrci {0}, mstatus, 8", out(reg) mstatus, options(nomem, nostack)) };
    let r = f();
    if mstatus & 8 != 0 {
        // SAFETY: sets MIE again, restoring the state found on entry.
        unsafe { asm!("csrsi mstatus, 8", options(nomem, nostack)) };
    }
    r
}

macro_rules! sync_ops {
    ($t:ty, $cas:ident, $swap:ident, [$(($name:ident, $op:expr)),* $(,)?]) => {
        /// Compare-and-swap: stores `new` if `*ptr == old`; returns the previous value.
        ///
        /// # Safety
        /// `ptr` must be valid and aligned for reads and writes of the type.
        #[no_mangle]
        pub unsafe extern "C" fn $cas(ptr: *mut $t, old: $t, new: $t) -> $t {
            without_interrupts(|| {
                // SAFETY: the caller (compiler-generated code for an atomic) passes a valid,
                // aligned pointer; interrupts are off, so nothing else runs in between.
                unsafe {
                    let cur = ptr.read_volatile();
                    if cur == old {
                        ptr.write_volatile(new);
                    }
                    cur
                }
            })
        }

        /// Swap: stores `new`, returns the previous value.
        ///
        /// # Safety
        /// `ptr` must be valid and aligned for reads and writes of the type.
        #[no_mangle]
        pub unsafe extern "C" fn $swap(ptr: *mut $t, new: $t) -> $t {
            without_interrupts(|| {
                // SAFETY: as in compare-and-swap.
                unsafe {
                    let cur = ptr.read_volatile();
                    ptr.write_volatile(new);
                    cur
                }
            })
        }

        $(
            /// Fetch-and-op: applies the operation, returns the previous value.
            ///
            /// # Safety
            /// `ptr` must be valid and aligned for reads and writes of the type.
            #[no_mangle]
            pub unsafe extern "C" fn $name(ptr: *mut $t, v: $t) -> $t {
                let op: fn($t, $t) -> $t = $op;
                without_interrupts(|| {
                    // SAFETY: as in compare-and-swap.
                    unsafe {
                        let cur = ptr.read_volatile();
                        ptr.write_volatile(op(cur, v));
                        cur
                    }
                })
            }
        )*
    };
}

sync_ops!(
    u32,
    __sync_val_compare_and_swap_4,
    __sync_lock_test_and_set_4,
    [
        (__sync_fetch_and_add_4, |a, b| a.wrapping_add(b)),
        (__sync_fetch_and_sub_4, |a, b| a.wrapping_sub(b)),
        (__sync_fetch_and_and_4, |a, b| a & b),
        (__sync_fetch_and_or_4, |a, b| a | b),
        (__sync_fetch_and_xor_4, |a, b| a ^ b),
        (__sync_fetch_and_nand_4, |a, b| !(a & b)),
        (__sync_fetch_and_umax_4, |a, b| a.max(b)),
        (__sync_fetch_and_umin_4, |a, b| a.min(b)),
        (__sync_fetch_and_max_4, |a, b| (a as i32).max(b as i32)
            as u32),
        (__sync_fetch_and_min_4, |a, b| (a as i32).min(b as i32)
            as u32),
    ]
);

sync_ops!(
    u16,
    __sync_val_compare_and_swap_2,
    __sync_lock_test_and_set_2,
    [
        (__sync_fetch_and_add_2, |a, b| a.wrapping_add(b)),
        (__sync_fetch_and_sub_2, |a, b| a.wrapping_sub(b)),
        (__sync_fetch_and_and_2, |a, b| a & b),
        (__sync_fetch_and_or_2, |a, b| a | b),
        (__sync_fetch_and_xor_2, |a, b| a ^ b),
        (__sync_fetch_and_nand_2, |a, b| !(a & b)),
        (__sync_fetch_and_umax_2, |a, b| a.max(b)),
        (__sync_fetch_and_umin_2, |a, b| a.min(b)),
        (__sync_fetch_and_max_2, |a, b| (a as i16).max(b as i16)
            as u16),
        (__sync_fetch_and_min_2, |a, b| (a as i16).min(b as i16)
            as u16),
    ]
);

sync_ops!(
    u8,
    __sync_val_compare_and_swap_1,
    __sync_lock_test_and_set_1,
    [
        (__sync_fetch_and_add_1, |a, b| a.wrapping_add(b)),
        (__sync_fetch_and_sub_1, |a, b| a.wrapping_sub(b)),
        (__sync_fetch_and_and_1, |a, b| a & b),
        (__sync_fetch_and_or_1, |a, b| a | b),
        (__sync_fetch_and_xor_1, |a, b| a ^ b),
        (__sync_fetch_and_nand_1, |a, b| !(a & b)),
        (__sync_fetch_and_umax_1, |a, b| a.max(b)),
        (__sync_fetch_and_umin_1, |a, b| a.min(b)),
        (__sync_fetch_and_max_1, |a, b| (a as i8).max(b as i8) as u8),
        (__sync_fetch_and_min_1, |a, b| (a as i8).min(b as i8) as u8),
    ]
);
