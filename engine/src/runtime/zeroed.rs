//! Fallible, lazily backed zeroed buffers for memories and tables.
//!
//! `vec![0; n]` asks the allocator for zeroed memory (`alloc_zeroed`), which a hosted
//! allocator serves for large sizes from fresh pages of the OS: they cost no RAM until they
//! are written. But it aborts when the allocation fails. `Vec::try_reserve` plus `resize`
//! does not abort, but writes every byte, so an untouched 4 GiB memory would take 4 GiB of
//! RAM. This module does both: `alloc_zeroed` and a typed failure.
//!
//! **Invariant** (relied on by the `unsafe` below): a [`Zeroable`] type is valid with every
//! byte zero, so a zeroed allocation of `n` of them is `n` initialised values.

use alloc::alloc::{alloc_zeroed, Layout};
use alloc::vec::Vec;

/// Element types whose all-zero bit pattern is a valid value (integers), `ZERO`.
pub(crate) trait Zeroable: Copy {
    const ZERO: Self;
}
impl Zeroable for u8 {
    const ZERO: u8 = 0;
}
impl Zeroable for u64 {
    const ZERO: u64 = 0;
}

/// `len` zeros in a vector of capacity `len`, or `None` when the allocation fails (or its
/// size overflows). Untouched pages of a large buffer take no RAM on hosts whose allocator
/// maps fresh pages for big blocks.
pub(crate) fn zeroed_vec<E: Zeroable>(len: usize) -> Option<Vec<E>> {
    let layout = Layout::array::<E>(len).ok()?;
    if layout.size() == 0 {
        return Some(Vec::new());
    }
    // SAFETY: the layout's size is not zero (checked above), as `alloc_zeroed` requires.
    let ptr = unsafe { alloc_zeroed(layout) }.cast::<E>();
    if ptr.is_null() {
        return None;
    }
    // SAFETY: `ptr` comes from the global allocator with the layout of `[E; len]` (the same
    // alignment and a size of exactly `len * size_of::<E>()`, so capacity `len` matches what
    // `Vec` will deallocate), and its `len` elements are initialised: every byte is zero,
    // a valid `E` by the module invariant (`E: Zeroable`).
    Some(unsafe { Vec::from_raw_parts(ptr, len, len) })
}

/// Grow `v` to `new_len` with zeros. Small growth reserves and fills in place; large growth
/// moves the contents into a fresh zeroed buffer, so the new part takes no RAM until it is
/// written. `None` (and `v` unchanged) when the allocation fails.
pub(crate) fn grow_zeroed<E: Zeroable>(v: &mut Vec<E>, new_len: usize) -> Option<()> {
    /// Growth up to this many bytes is filled in place.
    const IN_PLACE_BYTES: usize = 1 << 20;
    let extra = new_len.checked_sub(v.len())?;
    if extra.saturating_mul(core::mem::size_of::<E>()) <= IN_PLACE_BYTES {
        v.try_reserve_exact(extra).ok()?;
        v.resize(new_len, E::ZERO);
    } else {
        let mut fresh = zeroed_vec::<E>(new_len)?;
        fresh[..v.len()].copy_from_slice(v);
        *v = fresh;
    }
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zeroed_buffers() {
        assert_eq!(zeroed_vec::<u8>(0), Some(Vec::new()));
        let v = zeroed_vec::<u64>(1000).unwrap();
        assert!(v.len() == 1000 && v.capacity() == 1000 && v.iter().all(|&x| x == 0));
        assert!(zeroed_vec::<u64>(usize::MAX).is_none());
        let mut small = alloc::vec![7u8; 3];
        grow_zeroed(&mut small, 5).unwrap();
        assert_eq!(small, [7, 7, 7, 0, 0]);
        let mut big = alloc::vec![9u64; 2];
        grow_zeroed(&mut big, 1 << 20).unwrap();
        assert_eq!((big[1], big[2], big.len()), (9, 0, 1 << 20));
        assert!(grow_zeroed(&mut big, 1).is_none());
        assert!(grow_zeroed(&mut big, usize::MAX).is_none());
        assert_eq!(big.len(), 1 << 20);
    }
}
