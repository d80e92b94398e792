//! Demand paging: a page table, a fixed budget of resident frames with second-chance (clock)
//! eviction, write-back of dirty pages to storage (a blob per page, or fixed slots in one
//! region per memory), and the interpreter's direct view of the resident pages.

use alloc::vec::Vec;

use super::{offload_error, Backing, MemoryEntity, MemoryOffloadError};
use crate::config::{MemoryPolicy, Paging};
use crate::error::TrapCode;
use crate::offload::{io, Key, Kind, OffloadError, StorageSlot};
use crate::runtime::storage::OffloadState;

/// The most pages a paged memory can have: page numbers are 24 bits in a page key.
pub(super) const MAX_PAGED_PAGES: u64 = 1 << 24;

/// Dirty pages written back together. An eviction that has to write its victim back writes
/// with it, in a page file, only the cold dirty pages next to it (spill debouncing: a page
/// written before its own eviction is written again if it is dirtied again; neighbours at
/// least share the victim's write, one write in place, and a sequential sweep leaves clean
/// frames for the read-ahead); on a storage without regions, the victim alone. Page writes
/// (`fayasm run --paged N`, 2026-12-01; every dirty page joining the victim / cold ones / cold
/// neighbours / the victim alone): `wasi_numfmt` 400 rounds, 2 frames: -/14,854/14,849/10,550
/// (4,000 rounds: 147,694 with every page for 170,328 faults); `bench_sieve` 600,000, 72
/// frames: -/12,894/12,376/11,658; `bench_quicksort` 30,000, 4 frames: -/259/233/202;
/// `bench_matmul` 100, 32 frames: -/77/77/73. The victim alone writes fewest pages but one
/// write per page, and leaves a sequential sweep no clean frame to read ahead into (a test
/// sweep: 7 of 30 pages read ahead, against 19 of 34).
const WRITEBACK_BATCH: usize = 8;

/// The most pages a sequential read-ahead reads after a fault (see `Pager::read_ahead`).
const MAX_READ_AHEAD: usize = 4;

impl MemoryEntity {
    /// What the interpreter may read of this memory's resident pages directly
    /// ([`PagedView`]), written into `view`: the pager's page table and frames for a paged
    /// memory, nothing otherwise. Valid until the next operation on this memory (the
    /// interpreter re-reads it whenever it re-reads memory 0's resident bytes).
    ///
    /// Inline only the test: rebuilding the view (empty entries) is out of line, and a view
    /// of no paged memory is left as it is when it is already empty (`size` 0 means no entry
    /// was ever filled), so the re-read after every v128 op or host call on a resident memory
    /// costs a comparison, not the 512 bytes of the cache.
    #[inline(always)]
    pub(crate) fn refresh_view(&mut self, view: &mut PagedView) {
        match &self.backing {
            Backing::Paged(_) => self.paged_view(view),
            _ => view.clear(),
        }
    }

    #[inline(never)]
    fn paged_view(&mut self, view: &mut PagedView) {
        if let Backing::Paged(p) = &mut self.backing {
            *view = PagedView {
                table: p.table.as_ptr(),
                frames: p.frames.as_mut_ptr(),
                bytes: p.bytes.as_mut_ptr(),
                size: self.size,
                page: 1 << p.shift,
                lim: PagedView::lims(1 << p.shift),
                shift: p.shift,
                ..PagedView::NONE
            };
        }
    }

    /// Write back every dirty page of a paged memory (and sync for a durable one).
    pub fn flush(&mut self, off: &mut OffloadState) -> Result<(), MemoryOffloadError> {
        let (fp, index, policy) = (self.fingerprint.get(), self.index, self.policy);
        match &mut self.backing {
            Backing::Paged(p) => p
                .write_back(off, fp, index, policy, usize::MAX, false)
                .map_err(|_| MemoryOffloadError::WriteBack),
            _ => Ok(()),
        }
    }
}

/// The interpreter's direct view of a paged memory 0's resident pages (`exec::state::Ctx`):
/// a load or store that misses memory 0's resident bytes (`Regs::mem0`, empty for a paged
/// memory) looks its page up here before leaving the fast path, so accesses to resident
/// pages cost a table lookup instead of a call into the pager; only a fault (page not
/// resident, or an access straddling two pages) takes the out-of-line path, which pages in.
///
/// The pointers are the pager's own vectors, read by [`MemoryEntity::paged_view`]; they stay
/// valid until the next operation on the memory that can page, grow or spill (all in
/// `runtime/memory/`, reached only through out-of-line paths), after which the interpreter
/// re-reads the view together with `Regs::mem0` (ARCHITECTURE.md, "Invariants": the
/// default-memory fast path). Eviction needs no pinning: it unmaps the page in the table
/// the view reads (the cached translations below are dropped with the view). An access
/// through the view sets the frame's `referenced` bit (and `dirty` for a store), exactly as
/// the pager's own path does, so the clock sees it.
///
/// The view also caches translations (a TLB): 16 entries for reads and 16 for writes,
/// direct-mapped by address, each a whole page (its address and its frame's bytes). An access
/// inside a cached page skips the bounds checks, the table and the frame's bits, and the
/// threaded backend tries the cache before anything that needs a stack frame
/// (`dispatch/threaded.rs`, `mem_miss`, then the shared slow path). That is exact, not an
/// approximation of the clock: the bits were set when the entry was filled, and only the
/// pager clears them (the clock's hand, a write-back), which runs only out of line, after
/// which the view is read afresh with empty entries. So the view must be re-read after
/// *anything* that can run the pager (not only after what moves its vectors): every
/// out-of-line path that reaches a memory (the checked load/store of a fault or of another
/// memory index, atomics, bulk memory, `memory.grow`, v128 ops) re-reads it on success
/// (`refresh_mem0!`, `Ctx::regs_at`), as does a return from a host function (which may read
/// or write memories, or re-enter wasm) and the landing of an exception; a path that fails
/// ends the run, and every run starts with an empty view. Debug builds check every hit
/// against the table and the frame (`PagedView::check`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct PagedView {
    /// `Pager::table` (one entry per paging page of `size` bytes).
    table: *const u32,
    /// `Pager::frames`.
    frames: *mut PageFrame,
    /// `Pager::bytes`: `frames.len()` pages.
    bytes: *mut u8,
    /// The memory's size in bytes; 0 for no paged memory (every lookup misses).
    size: u64,
    /// The paging page size, `1 << shift` (256 to 64 KiB, `Paging::page_size`).
    page: u64,
    /// `page - n` for accesses of `n` = 1, 2, 4, 8 and 16 bytes: the largest offset into a
    /// page at which they fit, kept here so that a hit compares with memory, not a register.
    lim: [u64; 5],
    /// log2 of the paging page size.
    shift: u32,
    /// Cached translations for reads, direct-mapped: address `ea` in entry
    /// `(ea >> TLB_SHIFT) % TLB`.
    read: [Entry; TLB],
    /// The same for writes (their frames are marked dirty).
    write: [Entry; TLB],
}

/// Entries of each of [`PagedView`]'s translation caches (16 bytes each).
///
/// Sixteen rather than eight: `bench_matmul`'s inner loop reads a row of `B` and a row of
/// `C`, and for about a third of its rows their pages fell into the same one of eight entries,
/// so 280,000 of its 3,010,000 accesses went to the page table (160,000 with sixteen; a
/// trace simulation of the loop, and callgrind: ROADMAP.md, issue 19). Two ways per set
/// would keep both, but their second comparison, whichever way it was written, cost every
/// hit more registers than the misses it saved (callgrind, same programs).
const TLB: usize = 16;

/// log2 of the address range that selects an entry: a constant (the default paging page,
/// 4 KiB) rather than the memory's page shift, so the hit path has no variable shift (and the
/// shift-count register stays free). Correct for any page size: an entry is found from the
/// addresses of its page that select it; a larger page can sit in several entries, smaller
/// pages share one.
const TLB_SHIFT: u32 = 12;

/// The largest paging page (`Paging::page_size` is validated to 256 bytes..64 KiB).
const MAX_PAGE: u64 = 1 << 16;

// An entry is selected by `top = ea + MAX_PAGE` as by `ea`.
const _: () = assert!(((MAX_PAGE >> TLB_SHIFT) as usize).is_multiple_of(TLB));

/// One cached translation of [`PagedView`]: the whole paging page of memory from address
/// `tag - MAX_PAGE` (in bounds of the memory and resident) is the frame bytes at `ptr`.
/// All zeros for none: an access is looked up by `top = ea + MAX_PAGE` (computed without
/// overflow, so at least `MAX_PAGE`), and `top - tag` is its offset into the page, which an
/// empty entry's `tag` 0 makes larger than any page. So a hit is one comparison, and emptying
/// the cache is zeroing it.
#[derive(Debug, Clone, Copy)]
struct Entry {
    tag: u64,
    ptr: *mut u8,
}

impl Entry {
    const EMPTY: Entry = Entry {
        tag: 0,
        ptr: core::ptr::null_mut(),
    };

    /// Where the bytes at `top - MAX_PAGE` are, if that access (of `page - lim` bytes) lies
    /// inside this entry.
    #[inline(always)]
    fn at(&self, top: u64, lim: u64) -> Option<*mut u8> {
        let d = top.wrapping_sub(self.tag);
        if d <= lim {
            // SAFETY: `d + n <= page` (`lim` is `page - n`, see `cached_at`), and the
            // entry's page of bytes from `ptr` is the frame of a resident page, in bounds of
            // the memory: true when `lookup` filled it, and kept true because the view is
            // re-read, its entries empty, after any code that can page, grow or spill this
            // memory (ARCHITECTURE.md, "Invariants": the paged view and its cached
            // translations). An empty entry holds nothing: `top >= MAX_PAGE > lim`.
            return Some(unsafe { self.ptr.add(d as usize) });
        }
        None
    }
}

impl PagedView {
    /// No paged memory.
    pub(crate) const NONE: PagedView = PagedView {
        table: core::ptr::null(),
        frames: core::ptr::null_mut(),
        bytes: core::ptr::null_mut(),
        size: 0,
        page: 1 << 12,
        lim: PagedView::lims(1 << 12),
        shift: 12,
        read: [Entry::EMPTY; TLB],
        write: [Entry::EMPTY; TLB],
    };

    /// `addr + offset + MAX_PAGE`, if that does not overflow. A narrow offset is below
    /// 2^16, so the inner sum cannot overflow and compiles to nothing: this is the one
    /// checked addition the effective address needs anyway. A `top` that overflows is out
    /// of bounds of any paged memory (`MAX_PAGED_PAGES` pages of at most `MAX_PAGE` bytes).
    #[inline(always)]
    fn top(addr: u64, offset: u64) -> Option<u64> {
        addr.checked_add(offset.checked_add(MAX_PAGE)?)
    }

    /// Where the `n` bytes (1 to 16) at `addr + offset` are in RAM, if that range is in
    /// bounds and inside one resident page; the frame is marked referenced, and dirty when
    /// `write`. The cached translations first, then the page table.
    #[inline(always)]
    pub(crate) fn at(&mut self, addr: u64, offset: u64, n: u64, write: bool) -> Option<*mut u8> {
        let top = Self::top(addr, offset)?;
        match self.cached_at(top, n, write) {
            Some(p) => Some(p),
            None => self.lookup(top - MAX_PAGE, n, write),
        }
    }

    /// [`at`](Self::at) from the cached translations only: `None` when `addr + offset` is
    /// not in a page they hold (the caller then tries [`at`](Self::at)). Calls nothing, so
    /// a caller that tail-calls on a miss needs no stack frame.
    #[inline(always)]
    pub(crate) fn cached(&self, addr: u64, offset: u64, n: u64, write: bool) -> Option<*mut u8> {
        self.cached_at(Self::top(addr, offset)?, n, write)
    }

    /// Make this the view of no paged memory ([`PagedView::NONE`]), unless it is already
    /// one: a view with `size` 0 has never filled an entry (`lookup` fails every `ea`).
    #[inline(always)]
    pub(crate) fn clear(&mut self) {
        if self.size != 0 {
            self.reset();
        }
    }

    #[inline(never)]
    fn reset(&mut self) {
        *self = PagedView::NONE;
    }

    /// `lim` for pages of `page` bytes.
    const fn lims(page: u64) -> [u64; 5] {
        [page - 1, page - 2, page - 4, page - 8, page - 16]
    }

    /// The cache entry that may hold the page of `ea` (or, the same, of `ea + MAX_PAGE`).
    #[inline(always)]
    fn slot(ea: u64) -> usize {
        (ea >> TLB_SHIFT) as usize % TLB
    }

    /// The cached translations for the access of `n` bytes at `top - MAX_PAGE`.
    #[inline(always)]
    fn cached_at(&self, top: u64, n: u64, write: bool) -> Option<*mut u8> {
        debug_assert!(top >= MAX_PAGE && n.is_power_of_two() && n <= 16 && self.page >= 256);
        let entry = if write {
            &self.write[Self::slot(top)]
        } else {
            &self.read[Self::slot(top)]
        };
        // `n` is a constant where this is inlined, so this is a field, compared with in
        // place.
        let p = entry.at(top, self.lim[n.trailing_zeros() as usize]);
        #[cfg(debug_assertions)]
        if p.is_some() {
            self.check(entry, write);
        }
        p
    }

    /// Debug builds (every test, the spec suites' paged pass): a cache hit's entry is still
    /// what the page table says, with the bits its filling set, so a path that ran the pager
    /// and left the view unread fails here instead of reading another page's frame.
    #[cfg(debug_assertions)]
    #[inline(never)]
    fn check(&self, entry: &Entry, write: bool) {
        assert!(entry.tag != 0, "PagedView: an empty entry hit");
        let base = entry.tag - MAX_PAGE;
        let page = base >> self.shift;
        assert!(
            base + self.page <= self.size && base & (self.page - 1) == 0,
            "PagedView: a cached page outside the memory"
        );
        // SAFETY: `base < size` (checked above), so the page is below `table.len()`, as in
        // `lookup`; a mapped entry names a frame below `frames.len()` (Pager invariants).
        let (f, frame) = unsafe {
            let f = *self.table.add(page as usize);
            assert!(f != NOT_RESIDENT, "PagedView: a cached page was evicted");
            (f, *self.frames.add(f as usize))
        };
        assert!(
            core::ptr::eq(
                entry.ptr,
                self.bytes.wrapping_add((f as usize) << self.shift)
            ),
            "PagedView: a cached page moved to another frame"
        );
        assert!(
            u64::from(frame.page) == page,
            "PagedView: a cached page's frame holds another page"
        );
        assert!(
            frame.referenced && (frame.dirty || !write),
            "PagedView: a cached page's frame bits were cleared"
        );
    }

    /// [`at`](Self::at) past the cached entries: the page table, then the entry refilled
    /// (unless the page reaches past the memory's end, which only a memory of custom-size
    /// pages can have: an entry is a whole page).
    #[inline(always)]
    fn lookup(&mut self, ea: u64, n: u64, write: bool) -> Option<*mut u8> {
        if ea >= self.size || n > self.size - ea {
            return None;
        }
        let mask = self.page - 1;
        let in_page = ea & mask;
        if in_page + n > self.page {
            return None;
        }
        // SAFETY: `ea < size`, so the page `ea >> shift` is below `table.len()` (the table
        // has a page per started paging page of the `size` this view was read with, and the
        // view is re-read after anything that changes the pager: PagedView's contract).
        let f = unsafe { *self.table.add((ea >> self.shift) as usize) };
        if f == NOT_RESIDENT {
            return None;
        }
        // SAFETY: a mapped table entry names a frame below `frames.len()`, whose page of
        // `bytes` is `f << shift ..` (Pager invariants); the page's bytes below `size` are
        // in the frame.
        unsafe {
            let frame = &mut *self.frames.add(f as usize);
            frame.referenced = true;
            frame.dirty |= write;
            let base = ea & !mask;
            let ptr = self.bytes.add((f as usize) << self.shift);
            if self.size - base >= self.page {
                // `base + MAX_PAGE` cannot overflow: `base < size`, at most
                // `MAX_PAGED_PAGES * MAX_PAGE`.
                let entry = Entry {
                    tag: base + MAX_PAGE,
                    ptr,
                };
                let slot = Self::slot(ea);
                self.read[slot] = entry;
                if write {
                    self.write[slot] = entry;
                }
            }
            Some(ptr.add(in_page as usize))
        }
    }
}

/// A resident page frame.
#[derive(Debug, Clone, Copy)]
pub(super) struct PageFrame {
    page: u32,
    pub(super) dirty: bool,
    referenced: bool,
}

const NOT_RESIDENT: u32 = u32::MAX;

/// Demand paging for one memory: a page table, a fixed budget of frames, and second-chance
/// (clock) eviction. A page that was never written back reads as zeros; one that was is
/// read back and checked (CRC, key, generation) on its next touch.
#[derive(Debug)]
pub(crate) struct Pager {
    pub(super) shift: u32,
    budget: usize,
    /// Per page: its frame, or `NOT_RESIDENT`.
    pub(super) table: Vec<u32>,
    /// Per page: the generation of its stored copy shifted left by one, with the ring slot it
    /// is in as the low bit (0: never written back).
    stored: Vec<u32>,
    pub(super) frames: Vec<PageFrame>,
    /// `frames.len()` pages of bytes.
    pub(super) bytes: Vec<u8>,
    hand: usize,
    next_generation: u32,
    /// Reused I/O buffer (one page plus the envelope).
    scratch: Vec<u8>,
    /// Where written-back pages go, chosen at the first write-back.
    store: PageStore,
    /// Region mode: how often each page's slot was written (saturating), for wear figures.
    slot_writes: Vec<u16>,
    /// The page of the last page-in (or the last page read ahead), `NOT_RESIDENT` for none:
    /// what makes a fault sequential.
    last_fault: u32,
    /// Pages read ahead of a fault.
    read_ahead_pages: u64,
    /// Region mode: the bytes of region 0 reserved on storage (`Storage::reserve`).
    reserved: u64,
}

/// Where a paged memory keeps its written-back pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PageStore {
    /// Nothing written back yet: decided by the storage at the first write-back.
    Undecided,
    /// A blob per page, alternating between two ring slots of its key (storages without
    /// regions).
    Blobs,
    /// One region per memory ([`Storage::has_regions`](crate::offload::Storage)): page `p` in
    /// the fixed slot `p` (its envelope, then its bytes), written in place; consecutive dirty
    /// pages of a write-back batch go out in one write.
    Region,
}

/// A paged memory's wear on storage ([`Memory::page_wear`](crate::Memory::page_wear)):
/// region mode only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PageWear {
    /// Slots in the region (one per page of the memory).
    pub slots: u64,
    /// Slots written at least once.
    pub slots_written: u64,
    /// Writes of the most-written slot.
    pub max_writes: u64,
    /// Writes of all slots.
    pub total_writes: u64,
    /// Pages read ahead of a fault (sequential read-ahead).
    pub read_ahead: u64,
}

impl Pager {
    /// Pages for a memory of `size` bytes: the last one may be partly past the end (a memory
    /// of 1-byte wasm pages need not fill its last paging page, or even one); accesses are
    /// bounded by the memory's size, never by its pages.
    pub(super) fn new(p: Paging, size: u64) -> Option<Pager> {
        let shift = p.page_size.trailing_zeros();
        let pages = usize::try_from(size.div_ceil(u64::from(p.page_size))).ok()?;
        let mut table = Vec::new();
        table.try_reserve_exact(pages).ok()?;
        table.resize(pages, NOT_RESIDENT);
        let mut stored = Vec::new();
        stored.try_reserve_exact(pages).ok()?;
        stored.resize(pages, 0);
        Some(Pager {
            shift,
            budget: p.resident_pages,
            table,
            stored,
            frames: Vec::new(),
            bytes: Vec::new(),
            hand: 0,
            next_generation: 0,
            scratch: Vec::new(),
            store: PageStore::Undecided,
            slot_writes: Vec::new(),
            last_fault: NOT_RESIDENT,
            read_ahead_pages: 0,
            reserved: 0,
        })
    }

    /// The wear figures of region mode.
    pub(super) fn wear(&self) -> Option<PageWear> {
        if self.store != PageStore::Region {
            return None;
        }
        let mut w = PageWear {
            slots: self.table.len() as u64,
            read_ahead: self.read_ahead_pages,
            ..PageWear::default()
        };
        for &n in &self.slot_writes {
            w.slots_written += u64::from(n > 0);
            w.max_writes = w.max_writes.max(u64::from(n));
            w.total_writes += u64::from(n);
        }
        Some(w)
    }

    /// The key of region `copy` (0 or 1) of memory `index` of module `fp` (page blobs use
    /// ring slots 0 and 1 of their page's key, checkpoint chunks its pair slots; region 0 is
    /// the single slot of page 0's key, region 1 its ring slot 2). A page's stored copy is in region 0 unless a durable write-back
    /// put it in region 1: a durable write-back goes to the region that does not hold the
    /// page's stored copy, so a torn write never destroys the last synced one; a cache
    /// write-back overwrites the stored copy in place (a memory that is never durable has
    /// one region).
    fn region_key(fp: u64, index: u32, copy: u8) -> Result<Key, TrapCode> {
        let item = Key::page_index(index, 0).ok_or(TrapCode::MemoryUnavailable)?;
        let slot = if copy == 0 {
            StorageSlot::Single
        } else {
            StorageSlot::Ring(2)
        };
        Ok(Key::new(Kind::MemoryPage, fp, item).with_slot(slot))
    }

    /// Region mode: the region copy (0 or 1) a write-back of `page` goes to.
    fn target_copy(&self, page: u32, policy: MemoryPolicy) -> u8 {
        let stored = self.stored[page as usize];
        let current = (stored & 1) as u8;
        if stored != 0 && policy == MemoryPolicy::Durable {
            1 - current
        } else {
            current
        }
    }

    /// The byte offset of page `page`'s slot in the region: slots are the envelope and the
    /// page, back to back. (Rounding slots up to whole 512-byte card blocks made the region
    /// 11% larger and the first pass of the firmware's paged app write 10% more blocks,
    /// 5,199 against 4,717, for at most one partial block saved per slot write.)
    fn slot_offset(&self, page: u32) -> u64 {
        u64::from(page) * (crate::offload::blob::HEADER_LEN + self.page_size()) as u64
    }

    pub(super) fn page_size(&self) -> usize {
        1 << self.shift
    }

    /// The offset in `bytes` of the in-bounds access `ea..ea + n` if it lies within one
    /// resident page (marking the page referenced, and dirty for a write).
    #[inline(always)]
    pub(super) fn resident_at(&mut self, ea: u64, n: usize, write: bool) -> Option<usize> {
        let in_page = (ea & (self.page_size() as u64 - 1)) as usize;
        if in_page + n > self.page_size() {
            return None;
        }
        let f = *self.table.get((ea >> self.shift) as usize)?;
        if f == NOT_RESIDENT {
            return None;
        }
        let frame = &mut self.frames[f as usize];
        frame.referenced = true;
        frame.dirty |= write;
        Some((f as usize) * self.page_size() + in_page)
    }

    pub(super) fn grow(&mut self, new_size: u64) -> Option<()> {
        let pages = usize::try_from(new_size.div_ceil(self.page_size() as u64)).ok()?;
        let extra = pages.checked_sub(self.table.len())?;
        self.table.try_reserve_exact(extra).ok()?;
        self.stored.try_reserve_exact(extra).ok()?;
        self.table.resize(pages, NOT_RESIDENT);
        self.stored.resize(pages, 0);
        Some(())
    }

    pub(super) fn read(
        &mut self,
        off: &mut OffloadState,
        fp: u64,
        index: u32,
        policy: MemoryPolicy,
        ea: u64,
        buf: &mut [u8],
    ) -> Result<(), TrapCode> {
        let mut done = 0usize;
        while done < buf.len() {
            let at = ea + done as u64;
            let in_page = (at & (self.page_size() as u64 - 1)) as usize;
            let n = (self.page_size() - in_page).min(buf.len() - done);
            let base = self.frame_of(off, fp, index, policy, at >> self.shift, false)?;
            buf[done..done + n].copy_from_slice(&self.bytes[base + in_page..base + in_page + n]);
            done += n;
        }
        Ok(())
    }

    pub(super) fn write(
        &mut self,
        off: &mut OffloadState,
        fp: u64,
        index: u32,
        policy: MemoryPolicy,
        ea: u64,
        src: &[u8],
    ) -> Result<(), TrapCode> {
        let mut done = 0usize;
        while done < src.len() {
            let at = ea + done as u64;
            let in_page = (at & (self.page_size() as u64 - 1)) as usize;
            let n = (self.page_size() - in_page).min(src.len() - done);
            let base = self.frame_of(off, fp, index, policy, at >> self.shift, true)?;
            self.bytes[base + in_page..base + in_page + n].copy_from_slice(&src[done..done + n]);
            done += n;
        }
        Ok(())
    }

    fn page_key(fp: u64, index: u32, page: u32, slot: u8) -> Result<Key, TrapCode> {
        let item = Key::page_index(index, u64::from(page)).ok_or(TrapCode::MemoryUnavailable)?;
        Ok(Key::new(Kind::MemoryPage, fp, item).with_slot(StorageSlot::Ring(slot)))
    }

    /// The byte offset in `bytes` of `page`'s frame, paging it in if needed.
    pub(super) fn frame_of(
        &mut self,
        off: &mut OffloadState,
        fp: u64,
        index: u32,
        policy: MemoryPolicy,
        page: u64,
        write: bool,
    ) -> Result<usize, TrapCode> {
        let page = page as usize;
        let f = self.table[page];
        if f != NOT_RESIDENT {
            let frame = &mut self.frames[f as usize];
            frame.referenced = true;
            frame.dirty |= write;
            return Ok(f as usize * self.page_size());
        }
        let f = self.free_frame(off, fp, index, policy)?;
        let ps = self.page_size();
        let base = f * ps;
        if self.stored[page] == 0 {
            self.bytes[base..base + ps].fill(0);
        } else if !self.page_in(off, fp, index, page, f) {
            off.metrics.record_load_failure(Kind::MemoryPage);
            // The frame stays unmapped (the clock takes it first on the next fault).
            self.frames[f] = PageFrame {
                page: NOT_RESIDENT,
                dirty: false,
                referenced: false,
            };
            return Err(TrapCode::MemoryUnavailable);
        }
        self.frames[f] = PageFrame {
            page: page as u32,
            dirty: write,
            referenced: true,
        };
        self.table[page] = f as u32;
        let last = core::mem::replace(&mut self.last_fault, page as u32);
        if self.stored[page] != 0 {
            self.read_ahead(off, fp, index, page, last);
        }
        Ok(base)
    }

    /// Reads page `page`'s stored copy into frame `f` (checked: CRC, key, generation, size),
    /// recording the load; `false` when it cannot be read (the frame's bytes are then
    /// unspecified).
    fn page_in(
        &mut self,
        off: &mut OffloadState,
        fp: u64,
        index: u32,
        page: usize,
        f: usize,
    ) -> bool {
        use crate::offload::blob::{self, HEADER_LEN};
        let ps = self.page_size();
        let base = f * ps;
        let stored = self.stored[page];
        let (generation, slot) = (stored >> 1, (stored & 1) as u8);
        let Ok(key) = Self::page_key(fp, index, page as u32, slot) else {
            return false;
        };
        let OffloadState {
            storage, metrics, ..
        } = off;
        let started = metrics.start();
        let Some(storage) = storage.as_deref_mut() else {
            return false;
        };
        let ok = if self.store == PageStore::Region {
            let Ok(region) = Self::region_key(fp, index, slot) else {
                return false;
            };
            let at = self.slot_offset(page as u32);
            let len = HEADER_LEN + ps;
            self.scratch.clear();
            self.scratch.try_reserve_exact(len).is_ok() && {
                self.scratch.resize(len, 0);
                matches!(storage.read_at(&region, at, &mut self.scratch), Ok(true))
                    && blob::decode(&self.scratch, &key).is_ok_and(|(h, _)| {
                        h.generation == u64::from(generation) && h.payload_len as usize == ps
                    })
                    && {
                        self.bytes[base..base + ps].copy_from_slice(&self.scratch[HEADER_LEN..]);
                        true
                    }
            }
        } else {
            io::load_generation(storage, &key, u64::from(generation), &mut self.scratch).is_ok()
                && self.scratch.len() == ps
                && {
                    self.bytes[base..base + ps].copy_from_slice(&self.scratch);
                    true
                }
        };
        if ok {
            metrics.record_load(Kind::MemoryPage, ps + HEADER_LEN, started);
        }
        ok
    }

    /// Sequential read-ahead (region mode): after a fault at `page` that follows one at a
    /// page next to it (`last`), the next stored pages in the same direction (up to a quarter
    /// of the frame budget, at most [`MAX_READ_AHEAD`]) are read too, into frames that cost
    /// no write-back (one under budget, or a clean victim of the clock), left unreferenced so
    /// the clock takes them first if the guess was wrong. Speculative: it stops quietly at
    /// the first page that is resident, never written, or fails to read (whose fault will
    /// then report it).
    fn read_ahead(&mut self, off: &mut OffloadState, fp: u64, index: u32, page: usize, last: u32) {
        let ahead = (self.budget / 4).min(MAX_READ_AHEAD);
        if ahead == 0 || self.store != PageStore::Region || last == NOT_RESIDENT {
            return;
        }
        let last = last as usize;
        let forward = if last.checked_add(1) == Some(page) {
            true
        } else if page.checked_add(1) == Some(last) {
            false
        } else {
            return;
        };
        let mut q = page;
        for _ in 0..ahead {
            let next = if forward {
                q.checked_add(1)
            } else {
                q.checked_sub(1)
            };
            let Some(next) = next.filter(|&n| n < self.table.len()) else {
                break;
            };
            if self.table[next] != NOT_RESIDENT || self.stored[next] == 0 {
                break;
            }
            let Some(f) = self.clean_frame(page) else {
                break;
            };
            if !self.page_in(off, fp, index, next, f) {
                break;
            }
            self.frames[f] = PageFrame {
                page: next as u32,
                dirty: false,
                referenced: false,
            };
            self.table[next] = f as u32;
            self.read_ahead_pages += 1;
            q = next;
        }
        // The next fault in this direction continues the run.
        self.last_fault = q as u32;
    }

    /// A frame for a read-ahead: a new one while under budget, else the clock's next victim
    /// if it is clean and not `keep`'s frame (nothing is written back for a guess); unmapped.
    fn clean_frame(&mut self, keep: usize) -> Option<usize> {
        let ps = self.page_size();
        if self.frames.len() < self.budget && self.bytes.try_reserve_exact(ps).is_ok() {
            self.bytes.resize(self.bytes.len() + ps, 0);
            self.frames.push(PageFrame {
                page: NOT_RESIDENT,
                dirty: false,
                referenced: false,
            });
            return Some(self.frames.len() - 1);
        }
        for _ in 0..2 * self.frames.len() {
            if self.hand >= self.frames.len() {
                self.hand = 0;
            }
            let i = self.hand;
            self.hand += 1;
            let frame = &mut self.frames[i];
            if frame.page == NOT_RESIDENT {
                return Some(i);
            }
            if frame.referenced {
                frame.referenced = false;
                continue;
            }
            if frame.dirty || frame.page as usize == keep {
                return None;
            }
            self.table[frame.page as usize] = NOT_RESIDENT;
            frame.page = NOT_RESIDENT;
            return Some(i);
        }
        None
    }

    /// A frame index to page into: a new one while under budget (and RAM allows), else an
    /// evicted one. The returned frame is unmapped (its `page` is stale until filled).
    fn free_frame(
        &mut self,
        off: &mut OffloadState,
        fp: u64,
        index: u32,
        policy: MemoryPolicy,
    ) -> Result<usize, TrapCode> {
        let ps = self.page_size();
        if self.frames.len() < self.budget && self.bytes.try_reserve_exact(ps).is_ok() {
            self.bytes.resize(self.bytes.len() + ps, 0);
            self.frames.push(PageFrame {
                page: NOT_RESIDENT,
                dirty: false,
                referenced: false,
            });
            return Ok(self.frames.len() - 1);
        }
        if self.frames.is_empty() {
            return Err(TrapCode::MemoryUnavailable);
        }
        // Second chance: skip (and clear) referenced frames once.
        let victim = loop {
            if self.hand >= self.frames.len() {
                self.hand = 0;
            }
            let i = self.hand;
            self.hand += 1;
            let frame = &mut self.frames[i];
            if frame.page == NOT_RESIDENT {
                break i;
            }
            if frame.referenced {
                frame.referenced = false;
                continue;
            }
            break i;
        };
        if self.frames[victim].dirty {
            // The victim, and in a page file the cold dirty pages next to it, which share its
            // write (see WRITEBACK_BATCH).
            let mut batch = [0usize; WRITEBACK_BATCH];
            batch[0] = victim;
            let mut n = 1;
            if off.storage.as_deref().is_some_and(|s| s.has_regions()) {
                let v = self.frames[victim].page as usize;
                let cold_dirty = |p: &Pager, q: usize| {
                    let f = p.table[q];
                    (f != NOT_RESIDENT
                        && p.frames[f as usize].dirty
                        && !p.frames[f as usize].referenced)
                        .then_some(f as usize)
                };
                let mut q = v + 1;
                while n < WRITEBACK_BATCH && q < self.table.len() {
                    let Some(f) = cold_dirty(self, q) else { break };
                    batch[n] = f;
                    n += 1;
                    q += 1;
                }
                let mut q = v;
                while n < WRITEBACK_BATCH && q > 0 {
                    q -= 1;
                    let Some(f) = cold_dirty(self, q) else { break };
                    batch[n] = f;
                    n += 1;
                }
            }
            self.write_pages(off, fp, index, policy, &mut batch[..n])
                .map_err(|_| TrapCode::MemoryUnavailable)?;
        }
        let page = self.frames[victim].page;
        if page != NOT_RESIDENT {
            self.table[page as usize] = NOT_RESIDENT;
            self.frames[victim].page = NOT_RESIDENT;
        }
        Ok(victim)
    }

    fn write_back_one(
        &mut self,
        off: &mut OffloadState,
        fp: u64,
        index: u32,
        policy: MemoryPolicy,
        f: usize,
    ) -> Result<(), MemoryOffloadError> {
        let ps = self.page_size();
        let page = self.frames[f].page;
        // The other slot than the page's current stored copy, so a torn write leaves it.
        let slot = 1 - (self.stored[page as usize] & 1) as u8;
        let key = Self::page_key(fp, index, page, slot).map_err(|_| MemoryOffloadError::BadSize)?;
        // Generations are 31 bits (the low bit of `stored` is the slot), never 0.
        self.next_generation = (self.next_generation.wrapping_add(1) & 0x7fff_ffff).max(1);
        let generation = self.next_generation;
        let OffloadState {
            storage, metrics, ..
        } = off;
        let storage = storage
            .as_deref_mut()
            .ok_or(MemoryOffloadError::NoStorage)?;
        let started = metrics.start();
        io::save_with(
            storage,
            &key,
            u64::from(generation),
            &self.bytes[f * ps..(f + 1) * ps],
            policy == MemoryPolicy::Durable,
        )
        .map_err(offload_error)?;
        metrics.record_spill(
            Kind::MemoryPage,
            ps + crate::offload::blob::HEADER_LEN,
            started,
        );
        self.stored[page as usize] = generation << 1 | u32::from(slot);
        self.frames[f].dirty = false;
        Ok(())
    }

    /// Write back up to `limit` dirty pages (only unreferenced ones when `cold_only`), in
    /// batches, each synced when the policy is durable.
    fn write_back(
        &mut self,
        off: &mut OffloadState,
        fp: u64,
        index: u32,
        policy: MemoryPolicy,
        limit: usize,
        cold_only: bool,
    ) -> Result<(), MemoryOffloadError> {
        let mut written = 0;
        let mut f = 0;
        loop {
            let mut batch = [0usize; WRITEBACK_BATCH];
            let mut n = 0;
            while f < self.frames.len() && n < WRITEBACK_BATCH && written + n < limit {
                let frame = &self.frames[f];
                if frame.dirty && frame.page != NOT_RESIDENT && !(cold_only && frame.referenced) {
                    batch[n] = f;
                    n += 1;
                }
                f += 1;
            }
            if n == 0 {
                return Ok(());
            }
            self.write_pages(off, fp, index, policy, &mut batch[..n])?;
            written += n;
        }
    }

    /// Write back the dirty frames `batch` (at most [`WRITEBACK_BATCH`]), then sync when the
    /// policy is durable. In region mode the pages go out in page order, each run of
    /// consecutive pages as one write.
    fn write_pages(
        &mut self,
        off: &mut OffloadState,
        fp: u64,
        index: u32,
        policy: MemoryPolicy,
        batch: &mut [usize],
    ) -> Result<(), MemoryOffloadError> {
        if self.store == PageStore::Undecided {
            let regions = off.storage.as_deref().is_some_and(|s| s.has_regions());
            if regions {
                self.slot_writes
                    .try_reserve_exact(self.table.len())
                    .map_err(|_| MemoryOffloadError::OutOfMemory)?;
                self.store = PageStore::Region;
            } else {
                self.store = PageStore::Blobs;
            }
        }
        if self.store == PageStore::Region {
            self.reserve(off, fp, index)?;
        }
        if self.store == PageStore::Blobs {
            for &f in batch.iter() {
                self.write_back_one(off, fp, index, policy, f)?;
            }
        } else {
            batch.sort_unstable_by_key(|&f| {
                let page = self.frames[f].page;
                (self.target_copy(page, policy), page)
            });
            let mut i = 0;
            while i < batch.len() {
                let copy = self.target_copy(self.frames[batch[i]].page, policy);
                let mut j = i + 1;
                while j < batch.len()
                    && self.frames[batch[j]].page == self.frames[batch[j - 1]].page + 1
                    && self.target_copy(self.frames[batch[j]].page, policy) == copy
                {
                    j += 1;
                }
                self.write_run(off, fp, index, policy, copy, &batch[i..j])?;
                i = j;
            }
        }
        // Region writes of a durable memory are synced by `write_at` itself (its region
        // file may be closed by the time a sync comes: two regions alternate).
        if policy == MemoryPolicy::Durable && self.store == PageStore::Blobs {
            if let Some(s) = off.storage.as_deref_mut() {
                s.sync()
                    .map_err(|e| offload_error(OffloadError::Storage(e)))?;
            }
        }
        Ok(())
    }

    /// Region mode: makes region 0 as long as the memory's slots (`Storage::reserve`) before
    /// the first write-back and after growth, so page writes never grow it (on a FAT card:
    /// no cluster allocation or directory update per page write; a preallocated page file).
    fn reserve(
        &mut self,
        off: &mut OffloadState,
        fp: u64,
        index: u32,
    ) -> Result<(), MemoryOffloadError> {
        let want = self.slot_offset(self.table.len() as u32);
        if self.reserved >= want {
            return Ok(());
        }
        let region = Self::region_key(fp, index, 0).map_err(|_| MemoryOffloadError::BadSize)?;
        let storage = off
            .storage
            .as_deref_mut()
            .ok_or(MemoryOffloadError::NoStorage)?;
        storage
            .reserve(&region, want)
            .map_err(|e| offload_error(OffloadError::Storage(e)))?;
        self.reserved = want;
        Ok(())
    }

    /// Region mode: write the frames `run` (dirty, of consecutive pages, at most
    /// [`WRITEBACK_BATCH`]) to their slots of region `copy` with one write.
    #[allow(clippy::too_many_arguments)]
    fn write_run(
        &mut self,
        off: &mut OffloadState,
        fp: u64,
        index: u32,
        policy: MemoryPolicy,
        copy: u8,
        run: &[usize],
    ) -> Result<(), MemoryOffloadError> {
        use crate::offload::blob::{self, HEADER_LEN};
        let ps = self.page_size();
        let mut headers = [[0u8; HEADER_LEN]; WRITEBACK_BATCH];
        let mut generations = [0u32; WRITEBACK_BATCH];
        for (k, &f) in run.iter().enumerate() {
            let page = self.frames[f].page;
            let key =
                Self::page_key(fp, index, page, copy).map_err(|_| MemoryOffloadError::BadSize)?;
            self.next_generation = (self.next_generation.wrapping_add(1) & 0x7fff_ffff).max(1);
            generations[k] = self.next_generation;
            headers[k] = blob::encode_header(
                &key,
                u64::from(generations[k]),
                &self.bytes[f * ps..(f + 1) * ps],
            )
            .map_err(|e| MemoryOffloadError::Offload(alloc::format!("{e:?}")))?;
        }
        let mut parts: [&[u8]; 2 * WRITEBACK_BATCH] = [&[]; 2 * WRITEBACK_BATCH];
        for (k, &f) in run.iter().enumerate() {
            parts[2 * k] = &headers[k];
            parts[2 * k + 1] = &self.bytes[f * ps..(f + 1) * ps];
        }
        let region = Self::region_key(fp, index, copy).map_err(|_| MemoryOffloadError::BadSize)?;
        let at = self.slot_offset(self.frames[run[0]].page);
        let OffloadState {
            storage, metrics, ..
        } = off;
        let storage = storage
            .as_deref_mut()
            .ok_or(MemoryOffloadError::NoStorage)?;
        let started = metrics.start();
        storage
            .write_at(
                &region,
                at,
                &parts[..2 * run.len()],
                policy == MemoryPolicy::Durable,
            )
            .map_err(|e| offload_error(OffloadError::Storage(e)))?;
        metrics.record_spills(
            Kind::MemoryPage,
            run.len(),
            run.len() * (ps + HEADER_LEN),
            started,
        );
        if self.slot_writes.len() < self.table.len() {
            self.slot_writes
                .try_reserve_exact(self.table.len() - self.slot_writes.len())
                .map_err(|_| MemoryOffloadError::OutOfMemory)?;
            self.slot_writes.resize(self.table.len(), 0);
        }
        for (k, &f) in run.iter().enumerate() {
            let page = self.frames[f].page as usize;
            self.stored[page] = generations[k] << 1 | u32::from(copy);
            self.slot_writes[page] = self.slot_writes[page].saturating_add(1);
            self.frames[f].dirty = false;
        }
        Ok(())
    }

    /// Write back every dirty page and release all frames.
    pub(super) fn release_all(
        &mut self,
        off: &mut OffloadState,
        fp: u64,
        index: u32,
        policy: MemoryPolicy,
    ) -> Result<(), MemoryOffloadError> {
        self.write_back(off, fp, index, policy, usize::MAX, false)?;
        for f in &self.frames {
            if f.page != NOT_RESIDENT {
                self.table[f.page as usize] = NOT_RESIDENT;
            }
        }
        self.frames = Vec::new();
        self.bytes = Vec::new();
        self.hand = 0;
        Ok(())
    }
}
