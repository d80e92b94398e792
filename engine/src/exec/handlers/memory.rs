//! Loads, stores and the memory instructions.
//!
//! The fast path covers memory 0's resident bytes (`Regs::mem0`). A miss first tries a
//! demand-paged memory 0's resident pages (`Ctx::paged`, a page-table lookup in
//! [`MemSlow`], before anything goes out of line). Anything else (another memory, a spilled
//! memory 0, a page fault, an access straddling two pages or out of bounds) goes out of line through the memory's own checked path, which reloads or pages in
//! as needed, and re-reads `mem0` afterwards.

use super::super::state::{out_of_line, Ctx, Exit, Regs, R};
use super::super::two_mut;
use crate::microcode::isa::{MemIdx, Slot, WIDE};
use crate::microcode::Op;

/// `in_mem0` for an address read from a cell (any `u64`, for a 64-bit memory) and an op of
/// form `W`. In the narrow form the offset is one word (below 2^16), and `len`, the length of
/// a host buffer, is below 2^63: once `addr < len`, `addr + offset + n` cannot overflow, so two
/// comparisons do what the checked sums do.
#[inline(always)]
fn in_mem0_cell<const W: bool>(addr: u64, offset: u64, n: u64, len: u64) -> Option<usize> {
    if W {
        return in_mem0(addr, offset, n, len);
    }
    debug_assert!(offset < 1 << 16 && n <= 16 && len < 1 << 63);
    if addr < len {
        let ea = addr + offset;
        if ea + n <= len {
            return Some(ea as usize);
        }
    }
    None
}

/// `addr + offset` if `n` bytes from there lie inside memory 0's resident bytes.
#[inline(always)]
fn in_mem0(addr: u64, offset: u64, n: u64, len: u64) -> Option<usize> {
    match addr.checked_add(offset) {
        Some(ea) if ea.checked_add(n).is_some_and(|end| end <= len) => Some(ea as usize),
        _ => None,
    }
}

/// The scalar loads and stores, each declared once with its width and conversion. A handler
/// covers the fast path only (memory 0's resident bytes) and otherwise returns
/// [`Exit::Slow`] before changing anything; the backend then runs [`MemSlow`] on the same
/// op, which takes the memory's checked path (another memory, a spilled or paged memory 0,
/// an access out of bounds) out of line. So the fast path calls nothing, and in the threaded
/// backend needs no stack frame.
macro_rules! mem_ops {
    (
        loads { $( $l:ident $li:ident $lr:ident $n:literal $conv:expr; )* }
        stores { $( $s:ident $si:ident $sr:ident $sn:literal $sconv:expr; )* }
    ) => {
        $(
            mem_ops!(@load $l $n $conv, in_mem0_cell::<W>, |r| {
                let Op::$l { dst, addr, mem, offset } = rd!(r, $l) else { unreachable!() };
                (dst, c!(r, addr), mem, offset)
            });
            mem_ops!(@load $li $n $conv, in_mem0, |r| {
                let Op::$li { dst, base, imm, mem, offset } = rd!(r, $li) else { unreachable!() };
                (dst, wrap_add(c!(r, base), imm as u32 as u64), mem, offset)
            });
            mem_ops!(@load $lr $n $conv, in_mem0, |r| {
                let Op::$lr { dst, base, index, mem, offset } = rd!(r, $lr) else { unreachable!() };
                (dst, wrap_add(c!(r, base), c!(r, index)), mem, offset)
            });
        )*
        $(
            mem_ops!(@store $s $sconv, in_mem0_cell::<W>, |r| {
                let Op::$s { addr, src, mem, offset } = rd!(r, $s) else { unreachable!() };
                (c!(r, addr), c!(r, src), mem, offset)
            });
            mem_ops!(@store $si $sconv, in_mem0, |r| {
                let Op::$si { base, imm, src, mem, offset } = rd!(r, $si) else { unreachable!() };
                (wrap_add(c!(r, base), imm as u32 as u64), c!(r, src), mem, offset)
            });
            mem_ops!(@store $sr $sconv, in_mem0, |r| {
                let Op::$sr { base, index, src, mem, offset } = rd!(r, $sr) else { unreachable!() };
                (wrap_add(c!(r, base), c!(r, index)), c!(r, src), mem, offset)
            });
        )*

        /// Whether the handler of opcode `op` may return [`Exit::Slow`] (the loads and stores
        /// above). The threaded backend asks this at compile time, so other handlers keep
        /// nothing alive for a retry.
        #[cfg_attr(not(fayasm_threaded), allow(dead_code))]
        pub(crate) const fn may_miss_mem(op: u16) -> bool {
            use crate::microcode::isa::opc;
            matches!(
                op,
                $( opc::$l | opc::$li | opc::$lr )|* | $( opc::$s | opc::$si | opc::$sr )|*
            )
        }

        /// The operands of the load or store at `r.ip`, whose opcode is `word` (narrow
        /// form), with `r.ip` stepped past it.
        ///
        /// One function for every load and store and all three of their operand layouts, so
        /// that the paths after a handler missed are compiled once per form, not once per op
        /// (they are where a demand-paged memory's accesses go, and what a resident memory
        /// only reaches to trap; a copy per op cost the firmware 26 KB, ROADMAP.md, issue 15).
        ///
        /// # Safety
        /// `r.ip` is a verified op of form `W` whose narrow opcode is `word`, one of the
        /// loads and stores above.
        #[inline(always)]
        unsafe fn mem_operands<const W: bool>(r: &mut Regs, word: u16) -> Access {
            use crate::microcode::isa::opc;
            // Each arm reads its group's ops with the group's first op's reader: the ISA
            // declares one operand list per group (`isa::define_ops!`: `load`, `load_imm`,
            // `load_reg`, `store`, `store_imm`, `store_reg`), and the readers are generated
            // from it, so every op of a group is read alike.
            match word {
                $( opc::$l )|* => {
                    let Op::I32Load { dst, addr, mem, offset } = rd!(r, I32Load) else { unreachable!() };
                    Access { cell: dst, addr: c!(r, addr), mem, offset, store: false }
                }
                $( opc::$li )|* => {
                    let Op::I32LoadAddImm { dst, base, imm, mem, offset } = rd!(r, I32LoadAddImm) else { unreachable!() };
                    Access { cell: dst, addr: wrap_add(c!(r, base), imm as u32 as u64), mem, offset, store: false }
                }
                $( opc::$lr )|* => {
                    let Op::I32LoadAdd { dst, base, index, mem, offset } = rd!(r, I32LoadAdd) else { unreachable!() };
                    Access { cell: dst, addr: wrap_add(c!(r, base), c!(r, index)), mem, offset, store: false }
                }
                $( opc::$s )|* => {
                    let Op::I32Store { addr, src, mem, offset } = rd!(r, I32Store) else { unreachable!() };
                    Access { cell: src, addr: c!(r, addr), mem, offset, store: true }
                }
                $( opc::$si )|* => {
                    let Op::I32StoreAddImm { base, imm, src, mem, offset } = rd!(r, I32StoreAddImm) else { unreachable!() };
                    Access { cell: src, addr: wrap_add(c!(r, base), imm as u32 as u64), mem, offset, store: true }
                }
                _ => {
                    let Op::I32StoreAdd { base, index, src, mem, offset } = rd!(r, I32StoreAdd) else { unreachable!() };
                    Access { cell: src, addr: wrap_add(c!(r, base), c!(r, index)), mem, offset, store: true }
                }
            }
        }

        /// How many bytes the load or store of narrow opcode `word` moves.
        #[inline(always)]
        fn mem_width(word: u16) -> u64 {
            use crate::microcode::isa::opc;
            match word {
                $( opc::$l | opc::$li | opc::$lr => $n, )*
                $( opc::$s | opc::$si | opc::$sr => $sn, )*
                _ => 1,
            }
        }

        /// The value the load of narrow opcode `word` leaves in its cell, from the bytes it
        /// read (`raw`: `mem_width(word)` bytes, little-endian, zero-extended).
        #[inline(always)]
        fn mem_value(word: u16, raw: u64) -> u64 {
            use crate::microcode::isa::opc;
            match word {
                $(
                    opc::$l | opc::$li | opc::$lr => ($conv)(low_bytes::<$n>(raw)),
                )*
                _ => raw,
            }
        }

        /// The bytes the store of narrow opcode `word` writes for the value `v`: the low
        /// `mem_width(word)` bytes of the result, little-endian.
        #[inline(always)]
        fn mem_bytes(word: u16, v: u64) -> u64 {
            use crate::microcode::isa::opc;
            match word {
                $(
                    opc::$s | opc::$si | opc::$sr => from_low_bytes::<$sn>(($sconv)(v)),
                )*
                _ => v,
            }
        }
    };
    (@load $name:ident $n:literal $conv:expr, $check:expr, |$r:ident| $operands:block) => {
        #[inline(always)]
        pub(crate) unsafe fn $name<T, const W: bool>(_cx: &mut Ctx<'_, T>, $r: &mut Regs) -> R {
            let (dst, a, mem, offset) = $operands;
            if mem == 0 {
                if let Some(ea) = ($check)(a, offset, $n, $r.mem0_len) {
                    // SAFETY: `ea + N <= mem0_len`, the length of memory 0's resident buffer,
                    // which `mem0` points at (re-read after every resize, spill or other
                    // access to it). A byte array has alignment 1.
                    let bytes = unsafe { *($r.mem0.add(ea) as *const [u8; $n]) };
                    set!($r, dst, ($conv)(bytes));
                    return Ok(());
                }
            }
            Err(Exit::Slow)
        }
    };
    (@store $name:ident $sconv:expr, $check:expr, |$r:ident| $operands:block) => {
        #[inline(always)]
        pub(crate) unsafe fn $name<T, const W: bool>(_cx: &mut Ctx<'_, T>, $r: &mut Regs) -> R {
            let (a, v, mem, offset) = $operands;
            let bytes = ($sconv)(v);
            if mem == 0 {
                let n = core::mem::size_of_val(&bytes) as u64;
                if let Some(ea) = ($check)(a, offset, n, $r.mem0_len) {
                    // SAFETY: as for the loads.
                    unsafe { *($r.mem0.add(ea) as *mut [u8; _]) = bytes };
                    return Ok(());
                }
            }
            Err(Exit::Slow)
        }
    };
}

/// An i32 address computed by a fused `i32.add`: the sum of two i32 cells, wrapping at 32
/// bits.
#[inline(always)]
fn wrap_add(a: u64, b: u64) -> u64 {
    (a as u32).wrapping_add(b as u32) as u64
}

mem_ops! {
    loads {
        I32Load I32LoadAddImm I32LoadAdd 4 |b| u32::from_le_bytes(b) as u64;
        I64Load I64LoadAddImm I64LoadAdd 8 u64::from_le_bytes;
        I32Load8S I32Load8SAddImm I32Load8SAdd 1 |b: [u8; 1]| b[0] as i8 as i32 as u32 as u64;
        I32Load8U I32Load8UAddImm I32Load8UAdd 1 |b: [u8; 1]| b[0] as u64;
        I32Load16S I32Load16SAddImm I32Load16SAdd 2 |b| i16::from_le_bytes(b) as i32 as u32 as u64;
        I32Load16U I32Load16UAddImm I32Load16UAdd 2 |b| u16::from_le_bytes(b) as u64;
        I64Load8S I64Load8SAddImm I64Load8SAdd 1 |b: [u8; 1]| b[0] as i8 as i64 as u64;
        I64Load8U I64Load8UAddImm I64Load8UAdd 1 |b: [u8; 1]| b[0] as u64;
        I64Load16S I64Load16SAddImm I64Load16SAdd 2 |b| i16::from_le_bytes(b) as i64 as u64;
        I64Load16U I64Load16UAddImm I64Load16UAdd 2 |b| u16::from_le_bytes(b) as u64;
        I64Load32S I64Load32SAddImm I64Load32SAdd 4 |b| i32::from_le_bytes(b) as i64 as u64;
        I64Load32U I64Load32UAddImm I64Load32UAdd 4 |b| u32::from_le_bytes(b) as u64;
    }
    stores {
        I32Store I32StoreAddImm I32StoreAdd 4 |v: u64| (v as u32).to_le_bytes();
        I64Store I64StoreAddImm I64StoreAdd 8 |v: u64| v.to_le_bytes();
        I32Store8 I32Store8AddImm I32Store8Add 1 |v: u64| [v as u8];
        I64Store8 I64Store8AddImm I64Store8Add 1 |v: u64| [v as u8];
        I32Store16 I32Store16AddImm I32Store16Add 2 |v: u64| (v as u16).to_le_bytes();
        I64Store16 I64Store16AddImm I64Store16Add 2 |v: u64| (v as u16).to_le_bytes();
        I64Store32 I64Store32AddImm I64Store32Add 4 |v: u64| (v as u32).to_le_bytes();
    }
}

/// The low `N` bytes (`N <= 8`) of `v`, little-endian. No slice copy: that is a call at
/// opt-level "s", and a call given a pointer to a local keeps the threaded backend's caller
/// from tail-calling the next handler (`state::out_of_line`).
#[inline(always)]
fn low_bytes<const N: usize>(v: u64) -> [u8; N] {
    const { assert!(N <= 8) };
    let w = v.to_le_bytes();
    // SAFETY: `N <= 8`, so the first `N` bytes of `w` are in it; byte arrays have alignment 1.
    unsafe { *(w.as_ptr() as *const [u8; N]) }
}

/// `b` (`N <= 8` bytes, little-endian) zero-extended.
#[inline(always)]
fn from_low_bytes<const N: usize>(b: [u8; N]) -> u64 {
    const { assert!(N <= 8) };
    let mut w = [0u8; 8];
    // SAFETY: as for `low_bytes`.
    unsafe { *(w.as_mut_ptr() as *mut [u8; N]) = b };
    u64::from_le_bytes(w)
}

/// A load's or store's operands (`mem_operands`).
struct Access {
    /// The cell a load writes or a store reads.
    cell: Slot,
    /// The address operand (for the fused forms, the sum).
    addr: u64,
    mem: MemIdx,
    offset: u64,
    store: bool,
}

/// The `n` bytes (1, 2, 4 or 8) at `p`, little-endian, zero-extended.
///
/// # Safety
/// `p` is valid for reading `n` bytes.
#[inline(always)]
unsafe fn read_raw(p: *const u8, n: u64) -> u64 {
    // SAFETY: the caller's contract; byte arrays have alignment 1.
    unsafe {
        match n {
            1 => *p as u64,
            2 => u16::from_le_bytes(*(p as *const [u8; 2])) as u64,
            4 => u32::from_le_bytes(*(p as *const [u8; 4])) as u64,
            _ => u64::from_le_bytes(*(p as *const [u8; 8])),
        }
    }
}

/// Write the low `n` bytes (1, 2, 4 or 8) of `v` to `p`, little-endian.
///
/// # Safety
/// `p` is valid for writing `n` bytes.
#[inline(always)]
unsafe fn write_raw(p: *mut u8, n: u64, v: u64) {
    // SAFETY: the caller's contract; byte arrays have alignment 1.
    unsafe {
        match n {
            1 => *p = v as u8,
            2 => *(p as *mut [u8; 2]) = (v as u16).to_le_bytes(),
            4 => *(p as *mut [u8; 4]) = (v as u32).to_le_bytes(),
            _ => *(p as *mut [u8; 8]) = v.to_le_bytes(),
        }
    }
}

/// The load or store at `r.ip`, whose opcode is `word` (narrow form), if it is on memory 0
/// and inside one of its resident pages (a demand-paged memory 0, `Ctx::paged`): done, `ip`
/// stepped, and `true`. Otherwise `false` with `r` unchanged. Runs only after the op's
/// handler missed, so a resident memory's fast path pays nothing for it. The threaded
/// backend calls it with `word` a constant (`mem_miss`, one function per op: everything
/// below folds to that op's operand layout, width and conversion, which on a paged memory
/// runs for every access), [`MemSlow`] with the word read from `r.ip` (one copy per form).
///
/// With `cached_only`, only the view's cached translations are tried (nothing is called, so
/// the threaded backend's caller needs no stack frame, and tail-calls a second function for
/// the page table on a miss).
///
/// # Safety
/// As for [`MemSlow`], and `word` is the opcode at `r.ip` without `WIDE`.
#[inline(always)]
pub(crate) unsafe fn mem_paged<T, const W: bool>(
    cx: &mut Ctx<'_, T>,
    r: &mut Regs,
    word: u16,
    cached_only: bool,
) -> bool {
    let start = r.ip;
    // SAFETY: the caller's contract: `r.ip` is a verified load or store of form `W` whose
    // narrow opcode is `word`.
    let a = unsafe { mem_operands::<W>(r, word) };
    if a.mem == 0 {
        let n = mem_width(word);
        let p = if cached_only {
            cx.paged.cached(a.addr, a.offset, n, a.store)
        } else {
            cx.paged.at(a.addr, a.offset, n, a.store)
        };
        if let Some(p) = p {
            // `at`/`cached` returned `n` bytes of a resident page (marked dirty for a store),
            // valid until the pager runs again, after which the view is re-read with `mem0`
            // (ARCHITECTURE.md, "Invariants": the paged view and its cached translations).
            if a.store {
                let v = mem_bytes(word, c!(r, a.cell));
                // SAFETY: `p` holds `n` bytes, see above.
                unsafe { write_raw(p, n, v) };
            } else {
                // SAFETY: as for the store.
                let raw = unsafe { read_raw(p, n) };
                set!(r, a.cell, mem_value(word, raw));
            }
            return true;
        }
    }
    r.ip = start;
    false
}

/// The checked path of the load or store at `r.ip`, out of line: one function for both
/// forms (read from the opcode word).
fn mem_slow_body<T>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    // SAFETY: the backend runs this only for an op whose handler returned `Exit::Slow`, with
    // the registers that op started with: `r.ip` is a verified op, one of the loads and
    // stores above, of the form its opcode word's `WIDE` bit says.
    let word = unsafe { *r.ip };
    // SAFETY: as above.
    let a = unsafe {
        if word & WIDE != 0 {
            mem_operands::<true>(r, word & !WIDE)
        } else {
            mem_operands::<false>(r, word)
        }
    };
    let word = word & !WIDE;
    let (m, off) = mem_off!(cx, a.mem);
    let n = mem_width(word);
    if a.store {
        let v = mem_bytes(word, c!(r, a.cell));
        match n {
            1 => m.store(off, a.addr, a.offset, [v as u8])?,
            2 => m.store(off, a.addr, a.offset, (v as u16).to_le_bytes())?,
            4 => m.store(off, a.addr, a.offset, (v as u32).to_le_bytes())?,
            _ => m.store(off, a.addr, a.offset, v.to_le_bytes())?,
        }
    } else {
        let raw = match n {
            1 => m.load::<1>(off, a.addr, a.offset)?[0] as u64,
            2 => u16::from_le_bytes(m.load(off, a.addr, a.offset)?) as u64,
            4 => u32::from_le_bytes(m.load(off, a.addr, a.offset)?) as u64,
            _ => u64::from_le_bytes(m.load(off, a.addr, a.offset)?),
        };
        set!(r, a.cell, mem_value(word, raw));
    }
    refresh_mem0!(cx, r);
    Ok(())
}

/// Not an op: what a backend runs after a load or store handler returned [`Exit::Slow`], on
/// the registers that op started with.
#[inline(always)]
pub(crate) unsafe fn MemSlow<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    // SAFETY: the caller's contract; the word is the op's.
    if unsafe { mem_paged::<T, W>(cx, r, *r.ip & !WIDE, false) } {
        return Ok(());
    }
    out_of_line(cx, r, mem_slow_body::<T>)
}

#[inline(always)]
pub(crate) unsafe fn MemorySize<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    out_of_line(cx, r, |cx, r| {
        let Op::MemorySize { dst, mem } = rd_any!(r, MemorySize) else {
            unreachable!()
        };
        {
            set!(r, dst, mem!(cx, mem).pages());
            refresh_mem0!(cx, r);
        }
        Ok(())
    })
}

#[inline(always)]
pub(crate) unsafe fn MemoryGrow<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    out_of_line(cx, r, |cx, r| {
        let Op::MemoryGrow { dst, delta, mem } = rd_any!(r, MemoryGrow) else {
            unreachable!()
        };
        {
            let delta = c!(r, delta);
            let (m, off) = mem_off!(cx, mem);
            let fail = if m.ty.memory64 {
                u64::MAX
            } else {
                u32::MAX as u64
            };
            set!(r, dst, m.grow(off, delta).unwrap_or(fail));
            refresh_mem0!(cx, r);
        }
        Ok(())
    })
}

#[inline(always)]
pub(crate) unsafe fn MemoryFill<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    out_of_line(cx, r, |cx, r| {
        let at = r.ip;
        let Op::MemoryFill { mem, dst, val, len } = rd_any!(r, MemoryFill) else {
            unreachable!()
        };
        {
            let (d, v, l) = (c!(r, dst), c!(r, val) as u8, c!(r, len));
            super::charge_bulk(cx, r, at, l, super::BULK_BYTES_PER_FUEL)?;
            let (m, off) = mem_off!(cx, mem);
            m.fill(off, d, l, v)?;
            refresh_mem0!(cx, r);
        }
        Ok(())
    })
}

#[inline(always)]
pub(crate) unsafe fn MemoryCopy<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    out_of_line(cx, r, |cx, r| {
        let at = r.ip;
        let Op::MemoryCopy {
            dst_mem,
            src_mem,
            dst,
            src,
            len,
        } = rd_any!(r, MemoryCopy)
        else {
            unreachable!()
        };
        {
            let (d, s, l) = (c!(r, dst), c!(r, src), c!(r, len));
            super::charge_bulk(cx, r, at, l, super::BULK_BYTES_PER_FUEL)?;
            let (di, si) = (mem_index!(cx, dst_mem), mem_index!(cx, src_mem));
            if di == si {
                let (m, off) = cx.store.inner.memory_and_offload(di);
                m.copy_within(off, d, s, l)?;
            } else {
                let inner = &mut cx.store.inner;
                let (dm, sm) = two_mut(&mut inner.memories, di, si);
                dm.copy_from(sm, &mut inner.offload, d, s, l)?;
            }
            refresh_mem0!(cx, r);
        }
        Ok(())
    })
}

#[inline(always)]
pub(crate) unsafe fn MemoryInit<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    out_of_line(cx, r, |cx, r| {
        let at = r.ip;
        let Op::MemoryInit {
            mem,
            data,
            dst,
            src,
            len,
        } = rd_any!(r, MemoryInit)
        else {
            unreachable!()
        };
        {
            let (d, s, l) = (c!(r, dst), c!(r, src), c!(r, len));
            super::charge_bulk(cx, r, at, l, super::BULK_BYTES_PER_FUEL)?;
            let di = cx.store.inner.instances[cx.inst].datas[data as usize] as usize;
            let mi = mem_index!(cx, mem);
            // Bounds of both ranges are checked before any byte moves; a segment of a module
            // read from a source is read back from it (`StoreInner::memory_init`).
            if let Err(t) = cx.store.inner.memory_init(di, mi, d, s, l) {
                return Err(match t.message() {
                    None => t.code().into(),
                    Some(_) => cx.park_trap(t),
                });
            }
            refresh_mem0!(cx, r);
        }
        Ok(())
    })
}

#[inline(always)]
pub(crate) unsafe fn DataDrop<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    out_of_line(cx, r, |cx, r| {
        let Op::DataDrop { data } = rd_any!(r, DataDrop) else {
            unreachable!()
        };
        {
            let di = cx.store.inner.instances[cx.inst].datas[data as usize] as usize;
            cx.store.inner.datas[di].range = 0..0;
        }
        Ok(())
    })
}
