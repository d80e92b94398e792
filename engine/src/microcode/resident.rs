//! The resident form of a function's microcode: what a store keeps in RAM and the interpreter
//! runs. One heap block per function, `[Head | code words | pool]`, behind a thin pointer:
//!
//! - `Head` (28 bytes): a reference count, the pin count, the word and pool counts, the frame
//!   shape (`frame_size`, `num_locals` as `u32`, `num_params`, `num_results` as `u16`: at
//!   most 2,000 cells each, wasm's limit of 1,000 parameters and results);
//! - the code words, right after the head (a call enters at `block + 28`, no load);
//! - the v128 pool, if any, at the next multiple of `u128`'s alignment.
//!
//! Before this form a function took three blocks (an `Arc` around a 56-byte `Compiled` with
//! two boxed slices): 80 bytes of `Arc` block alone under glibc's malloc, 5.13 bytes of RAM per
//! byte of wasm for the two tiny functions of `bench_fib`. [`Compiled`] stays the form the
//! translator, the codec and the public API work with; [`Code::new`] copies one into a block.
//!
//! The block is immutable once built except its two counters (see "Invariants: pinned code"
//! in ARCHITECTURE.md): [`Code`] owns one reference (cloning it is an atomic increment, as
//! `Arc`'s), [`CodePtr`] is the interpreter's plain pointer to pinned code, [`CodeRef`] a
//! borrowed view. Every field is read from the raw block pointer, never through a reference
//! to the head alone, so the words and pool are reached with the allocation's provenance.

use alloc::alloc::{alloc, dealloc, Layout};
use alloc::vec::Vec;
use core::marker::PhantomData;
use core::ptr::NonNull;
use core::sync::atomic::{fence, AtomicU32, Ordering};

use super::{ops_in, Compiled, Op};

/// The head of a resident block.
#[repr(C)]
struct Head {
    /// Owners ([`Code`] values); the block is freed when the last one drops.
    refs: AtomicU32,
    /// Running activations that hold the code by a plain pointer ([`CodeRef::pin`]).
    pins: AtomicU32,
    code_len: u32,
    pool_len: u32,
    frame_size: u32,
    num_locals: u32,
    num_params: u16,
    num_results: u16,
}

/// Where the code words start: right after the head.
const WORDS_AT: usize = core::mem::size_of::<Head>();

/// Owners past this many are refused (as `Arc` aborts past `isize::MAX`): a count that
/// wrapped would free code still in use.
const MAX_REFS: u32 = i32::MAX as u32;

/// The block of a function of `code_len` words and `pool_len` pool entries, and where its
/// pool starts; `None` if the size does not fit the address space.
fn layout(code_len: usize, pool_len: usize) -> Option<(Layout, usize)> {
    let words_end = WORDS_AT.checked_add(code_len.checked_mul(2)?)?;
    if pool_len == 0 {
        let l = Layout::from_size_align(words_end, core::mem::align_of::<Head>()).ok()?;
        return Some((l, words_end));
    }
    let align = core::mem::align_of::<u128>().max(core::mem::align_of::<Head>());
    let pool_at = words_end.checked_add(align - 1)? & !(align - 1);
    let size = pool_at.checked_add(pool_len.checked_mul(16)?)?;
    Some((Layout::from_size_align(size, align).ok()?, pool_at))
}

/// The bytes a function of `code_len` words and `pool_len` pool entries takes in RAM as a
/// resident block (what the code cache counts; `usize::MAX` if it cannot exist).
pub(crate) fn block_size(code_len: usize, pool_len: usize) -> usize {
    layout(code_len, pool_len).map_or(usize::MAX, |(l, _)| l.size())
}

/// Why [`Code::new`] made no block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CodeError {
    /// A count does not fit the head (more than 65,535 parameter or result cells) or the
    /// size does not fit the address space.
    TooLarge,
    /// The allocator had no block of that size.
    OutOfMemory,
}

impl From<CodeError> for crate::Error {
    fn from(e: CodeError) -> crate::Error {
        crate::Error::Module(crate::ModuleError {
            offset: 0,
            message: match e {
                CodeError::TooLarge => "microcode too large to keep in RAM".into(),
                CodeError::OutOfMemory => "no RAM for the function's microcode".into(),
            },
        })
    }
}

/// One owner of a resident block (see the module docs). Cloning adds an owner.
pub(crate) struct Code(NonNull<Head>);

// SAFETY: the block is never mutated after `Code::new` except through its atomic counters,
// so sharing or moving it between threads is what `Arc<Compiled>` did (and the reference
// count is atomic, as `Arc`'s).
unsafe impl Send for Code {}
// SAFETY: as for `Send`.
unsafe impl Sync for Code {}

impl Code {
    /// A resident block holding a copy of `c`, with one owner and no pin.
    pub(crate) fn new(c: &Compiled) -> Result<Code, CodeError> {
        let num_params = u16::try_from(c.num_params).map_err(|_| CodeError::TooLarge)?;
        let num_results = u16::try_from(c.num_results).map_err(|_| CodeError::TooLarge)?;
        let code_len = u32::try_from(c.code.len()).map_err(|_| CodeError::TooLarge)?;
        let pool_len = u32::try_from(c.pool.len()).map_err(|_| CodeError::TooLarge)?;
        let (l, pool_at) = layout(c.code.len(), c.pool.len()).ok_or(CodeError::TooLarge)?;
        // SAFETY: `l` has a non-zero size (it holds the head).
        let p = unsafe { alloc(l) };
        let Some(p) = NonNull::new(p) else {
            return Err(CodeError::OutOfMemory);
        };
        // SAFETY: `p` is a fresh block of `l.size()` bytes aligned for the head (and for
        // `u128` when there is a pool); the head, the `code_len` words at `WORDS_AT` and the
        // `pool_len` entries at `pool_at` lie in it without overlapping (`layout`).
        unsafe {
            p.as_ptr().cast::<Head>().write(Head {
                refs: AtomicU32::new(1),
                pins: AtomicU32::new(0),
                code_len,
                pool_len,
                frame_size: c.frame_size,
                num_locals: c.num_locals,
                num_params,
                num_results,
            });
            core::ptr::copy_nonoverlapping(
                c.code.as_ptr(),
                p.as_ptr().add(WORDS_AT).cast::<u16>(),
                c.code.len(),
            );
            // Without a pool, `pool_at` is the end of the block and need not be aligned.
            if !c.pool.is_empty() {
                core::ptr::copy_nonoverlapping(
                    c.pool.as_ptr(),
                    p.as_ptr().add(pool_at).cast::<u128>(),
                    c.pool.len(),
                );
            }
        }
        Ok(Code(p.cast()))
    }

    /// A view of the block.
    #[inline(always)]
    pub(crate) fn get(&self) -> CodeRef<'_> {
        CodeRef(self.0, PhantomData)
    }

    /// The block's plain pointer (for the interpreter, which pins what it runs).
    #[inline(always)]
    pub(crate) fn as_ptr(&self) -> CodePtr {
        CodePtr(self.0.as_ptr())
    }

    /// Whether `a` and `b` own the same block.
    pub(crate) fn ptr_eq(a: &Code, b: &Code) -> bool {
        a.0 == b.0
    }

    /// One more owner of the block `p` points at.
    ///
    /// # Safety
    /// `p` points at a live block (one some `Code` owns, which outlives this call).
    pub(crate) unsafe fn from_ptr(p: CodePtr) -> Code {
        // SAFETY: the caller's contract: `p` is a live block's.
        let head = unsafe { &*p.0 };
        let old = head.refs.fetch_add(1, Ordering::Relaxed);
        assert!(old < MAX_REFS, "microcode reference count overflow");
        // SAFETY: `p` is non-null (a live block's).
        Code(unsafe { NonNull::new_unchecked(p.0.cast_mut()) })
    }
}

impl Clone for Code {
    fn clone(&self) -> Code {
        // SAFETY: `self` owns the block, so it is live for this call.
        unsafe { Code::from_ptr(self.as_ptr()) }
    }
}

impl Drop for Code {
    fn drop(&mut self) {
        let c = self.get();
        // As `Arc`: release our accesses; the last owner acquires everyone's before freeing.
        if c.head().refs.fetch_sub(1, Ordering::Release) != 1 {
            return;
        }
        fence(Ordering::Acquire);
        let (l, _) = layout(c.words().len(), c.pool().len())
            .expect("a block's own layout was valid when it was made");
        // SAFETY: the last owner is gone, so nothing else refers to the block (a plain
        // pointer exists only while the code is pinned, and pinned code keeps an owner:
        // ARCHITECTURE.md, "Invariants"); it was allocated by `Code::new` with this layout.
        unsafe { dealloc(self.0.as_ptr().cast(), l) };
    }
}

impl core::fmt::Debug for Code {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let c = self.get();
        f.debug_struct("Code")
            .field("words", &c.words().len())
            .field("pool", &c.pool().len())
            .field("frame_size", &c.frame_size())
            .finish_non_exhaustive()
    }
}

/// A plain pointer to a resident block (or null): what the interpreter's frames, its current
/// function and the callee tables hold. Following it is sound only while the code is pinned
/// or otherwise kept alive (ARCHITECTURE.md, "Invariants").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct CodePtr(*const Head);

impl CodePtr {
    /// No code.
    pub(crate) const NULL: CodePtr = CodePtr(core::ptr::null());

    #[inline(always)]
    pub(crate) fn is_null(self) -> bool {
        self.0.is_null()
    }

    /// The block as a view.
    ///
    /// # Safety
    /// `self` points at a block that stays alive (an owner exists) for `'a`.
    #[inline(always)]
    pub(crate) unsafe fn get<'a>(self) -> CodeRef<'a> {
        // SAFETY: the caller's contract (a live block is non-null).
        CodeRef(
            unsafe { NonNull::new_unchecked(self.0.cast_mut()) },
            PhantomData,
        )
    }
}

/// A view of a live resident block.
#[derive(Clone, Copy)]
pub(crate) struct CodeRef<'a>(NonNull<Head>, PhantomData<&'a Head>);

impl<'a> CodeRef<'a> {
    #[inline(always)]
    fn head(self) -> &'a Head {
        // SAFETY: the block is alive for `'a` (how the view was made) and its head was
        // initialised by `Code::new`.
        unsafe { self.0.as_ref() }
    }

    /// The block's plain pointer.
    #[inline(always)]
    pub(crate) fn as_ptr(self) -> CodePtr {
        CodePtr(self.0.as_ptr())
    }

    /// The first code word (where a call enters).
    #[inline(always)]
    pub(crate) fn words_ptr(self) -> *const u16 {
        self.0.as_ptr().cast::<u8>().wrapping_add(WORDS_AT).cast()
    }

    /// The code words.
    #[inline(always)]
    pub(crate) fn words(self) -> &'a [u16] {
        // SAFETY: `Code::new` wrote `code_len` words at `WORDS_AT`, aligned for `u16`
        // (`WORDS_AT` is a multiple of the head's alignment, 4), and they never change.
        unsafe { core::slice::from_raw_parts(self.words_ptr(), self.head().code_len as usize) }
    }

    /// The v128 constants, shuffle masks and lane arguments the code refers to.
    #[inline(always)]
    pub(crate) fn pool(self) -> &'a [u128] {
        let h = self.head();
        if h.pool_len == 0 {
            return &[];
        }
        let (_, pool_at) = layout(h.code_len as usize, h.pool_len as usize)
            .expect("a block's own layout was valid when it was made");
        // SAFETY: `Code::new` wrote `pool_len` entries at `pool_at`, aligned for `u128`
        // (the block's alignment and `pool_at` are multiples of it), never changed since.
        unsafe {
            core::slice::from_raw_parts(
                self.0.as_ptr().cast::<u8>().add(pool_at).cast(),
                h.pool_len as usize,
            )
        }
    }

    #[inline(always)]
    pub(crate) fn num_params(self) -> u32 {
        self.head().num_params as u32
    }

    #[inline(always)]
    pub(crate) fn num_locals(self) -> u32 {
        self.head().num_locals
    }

    #[inline(always)]
    pub(crate) fn num_results(self) -> u32 {
        self.head().num_results as u32
    }

    #[inline(always)]
    pub(crate) fn frame_size(self) -> u32 {
        self.head().frame_size
    }

    /// The bytes of the block (what the code cache counts).
    pub(crate) fn byte_size(self) -> usize {
        block_size(self.words().len(), self.pool().len())
    }

    /// Whether a running call holds this code (see [`CodeRef::pin`]).
    pub(crate) fn pinned(self) -> bool {
        self.head().pins.load(Ordering::Relaxed) != 0
    }

    /// One more running activation holds this code by a plain pointer. Only the store that
    /// owns the code changes the count (through `&mut Store`), so a relaxed load and store
    /// stand for an increment without a locked instruction.
    #[inline(always)]
    pub(crate) fn pin(self) {
        let p = &self.head().pins;
        p.store(p.load(Ordering::Relaxed).wrapping_add(1), Ordering::Relaxed);
    }

    /// One running activation no longer holds this code.
    #[inline(always)]
    pub(crate) fn unpin(self) {
        let p = &self.head().pins;
        p.store(p.load(Ordering::Relaxed).wrapping_sub(1), Ordering::Relaxed);
    }

    /// The ops with their word offsets (as [`Compiled::ops`]).
    pub(crate) fn ops(self) -> impl Iterator<Item = Result<(usize, Op), usize>> + 'a {
        ops_in(self.words())
    }

    /// A [`Compiled`] copy (the public and stored form).
    pub(crate) fn to_compiled(self) -> Compiled {
        Compiled::new(
            self.words().to_vec(),
            self.pool().to_vec(),
            self.num_params(),
            self.num_locals(),
            self.num_results(),
            self.frame_size(),
        )
    }

    /// The stored form ([`Compiled::encode`]).
    pub(crate) fn encode(self) -> Vec<u8> {
        self.to_compiled().encode()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(words: usize, pool: usize) -> Compiled {
        Compiled::new(
            (0..words as u16).collect(),
            (0..pool as u128).map(|i| i << 64 | 7).collect(),
            3,
            70_000,
            2,
            70_010,
        )
    }

    #[test]
    fn round_trips_and_counts_one_block() {
        for (w, p) in [(0, 0), (1, 0), (9, 0), (30, 1), (31, 3)] {
            let c = sample(w, p);
            let code = Code::new(&c).unwrap();
            let v = code.get();
            assert_eq!(v.to_compiled(), c);
            assert_eq!(v.words_ptr(), v.words().as_ptr());
            assert_eq!(v.byte_size(), c.byte_size());
            let expect = if p == 0 {
                28 + 2 * w
            } else {
                (28 + 2 * w).next_multiple_of(16) + 16 * p
            };
            assert_eq!(v.byte_size(), expect);
        }
    }

    #[test]
    fn owners_and_pins() {
        let code = Code::new(&sample(5, 1)).unwrap();
        let other = code.clone();
        assert!(Code::ptr_eq(&code, &other));
        // SAFETY: `code` owns the block for the whole test.
        let third = unsafe { Code::from_ptr(code.as_ptr()) };
        drop(other);
        let v = third.get();
        assert!(!v.pinned());
        v.pin();
        v.pin();
        v.unpin();
        assert!(code.get().pinned());
        v.unpin();
        assert!(!code.get().pinned());
        drop(code);
        assert_eq!(third.get().pool(), &[7]);
    }

    #[test]
    fn refuses_what_the_head_cannot_hold() {
        let mut c = sample(2, 0);
        c.num_params = 70_000;
        assert_eq!(Code::new(&c).unwrap_err(), CodeError::TooLarge);
        let mut c = sample(2, 0);
        c.num_results = 65_536;
        assert_eq!(Code::new(&c).unwrap_err(), CodeError::TooLarge);
    }
}
