//! GC (`Config::wasm_gc`): `ref.i31`, `i31.get_s/u` and the casts (`ref.test`, `ref.cast`,
//! `br_on_cast`, `br_on_cast_fail`). GC reference cells are `value::gc_cell`'s encoding;
//! `ref.eq` and the `any`/`extern` conversions need no op (`translate/gc.rs`). Structs and
//! arrays live in the store's heap (`runtime/gc/heap.rs`).

use alloc::vec::Vec;

use super::super::state::{out_of_line, Ctx, Exit, Regs, R};
use crate::error::{Trap, TrapCode};
use crate::microcode::translate::gc::decode_heap;
use crate::microcode::Op;
use crate::runtime::gc::GcObject;
use crate::types::{storage, Composite, HeapType, TypeKind};
use crate::value::gc_cell;

#[inline(always)]
pub(crate) unsafe fn RefI31<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::RefI31 { dst, src } = rd!(r, RefI31) else {
        unreachable!()
    };
    set!(r, dst, gc_cell::i31(c!(r, src) as u32));
    Ok(())
}

/// `i31.get_s` and `i31.get_u`: `dst` = the 31-bit payload of the `i31` at `src`, moved to
/// bits 31..1 and shifted back by `$extend` (arithmetically for `_s`, which sign-extends
/// bit 30); a null reference traps.
macro_rules! i31_get {
    ($name:ident, $extend:expr) => {
        #[inline(always)]
        pub(crate) unsafe fn $name<T, const W: bool>(_cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
            let Op::$name { dst, src } = rd!(r, $name) else {
                unreachable!()
            };
            let cell = c!(r, src);
            if cell == 0 {
                return Err(TrapCode::NullReference.into());
            }
            let extend: fn(u32) -> u32 = $extend;
            set!(r, dst, extend((cell as u32) << 1) as u64);
            Ok(())
        }
    };
}

i31_get!(I31GetS, |high| (high as i32 >> 1) as u32);
i31_get!(I31GetU, |high| high >> 1);

/// Whether the reference `cell` is of the abstract heap type `heap` (a cast operand:
/// `translate/gc.rs`).
#[inline(never)]
fn is_of_abstract<T>(cx: &Ctx<'_, T>, cell: u64, heap: i32) -> bool {
    let (null_passes, ty) = decode_heap(heap as u32);
    if cell == 0 {
        return null_passes;
    }
    match ty {
        Some(HeapType::Any | HeapType::Func | HeapType::Extern | HeapType::Exn) => true,
        Some(HeapType::I31) => gc_cell::is_i31(cell),
        Some(HeapType::Eq) => gc_cell::is_i31(cell) || cx.store.inner.gc.get(cell).is_some(),
        Some(HeapType::Struct) => !gc_cell::is_array(cell) && cx.store.inner.gc.get(cell).is_some(),
        Some(HeapType::Array) => gc_cell::is_array(cell) && cx.store.inner.gc.get(cell).is_some(),
        _ => false,
    }
}

/// Whether the reference `cell` is of the module's type `ty` (or a declared subtype), null
/// passing when `null` is 1.
#[inline(never)]
fn is_of_type<T>(cx: &Ctx<'_, T>, cell: u64, ty: u32, null: i32) -> bool {
    if cell == 0 {
        return null != 0;
    }
    let inner = &cx.store.inner;
    // `verify` proved `ty` below the module's type count, which is the instance's.
    let Some(&want) = inner.instances[cx.inst].types.get(ty as usize) else {
        return false;
    };
    match inner.types.kind(want) {
        TypeKind::Func => cell
            .checked_sub(1)
            .and_then(|f| inner.funcs.get(f as usize))
            .is_some_and(|f| inner.types.is_subtype(f.type_id, want)),
        TypeKind::Struct | TypeKind::Array => inner
            .gc
            .get(cell)
            .is_some_and(|o| inner.types.is_subtype(o.ty, want)),
    }
}

#[inline(always)]
pub(crate) unsafe fn RefTest<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::RefTest { dst, src, heap } = rd!(r, RefTest) else {
        unreachable!()
    };
    set!(r, dst, is_of_abstract(cx, c!(r, src), heap) as u64);
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn RefTestType<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::RefTestType { dst, src, ty, null } = rd!(r, RefTestType) else {
        unreachable!()
    };
    set!(r, dst, is_of_type(cx, c!(r, src), ty, null) as u64);
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn RefCast<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::RefCast { src, heap } = rd!(r, RefCast) else {
        unreachable!()
    };
    if !is_of_abstract(cx, c!(r, src), heap) {
        return Err(TrapCode::CastFailure.into());
    }
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn RefCastType<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::RefCastType { src, ty, null } = rd!(r, RefCastType) else {
        unreachable!()
    };
    if !is_of_type(cx, c!(r, src), ty, null) {
        return Err(TrapCode::CastFailure.into());
    }
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn BrOnCast<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::BrOnCast { src, heap, target } = rd!(r, BrOnCast) else {
        unreachable!()
    };
    br_if!(cx, r, is_of_abstract(cx, c!(r, src), heap), target);
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn BrOnCastType<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::BrOnCastType {
        src,
        ty,
        null,
        target,
    } = rd!(r, BrOnCastType)
    else {
        unreachable!()
    };
    br_if!(cx, r, is_of_type(cx, c!(r, src), ty, null), target);
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn BrOnCastFail<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::BrOnCastFail { src, heap, target } = rd!(r, BrOnCastFail) else {
        unreachable!()
    };
    br_if!(cx, r, !is_of_abstract(cx, c!(r, src), heap), target);
    Ok(())
}

#[inline(always)]
pub(crate) unsafe fn BrOnCastFailType<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    let Op::BrOnCastFailType {
        src,
        ty,
        null,
        target,
    } = rd!(r, BrOnCastFailType)
    else {
        unreachable!()
    };
    br_if!(cx, r, !is_of_type(cx, c!(r, src), ty, null), target);
    Ok(())
}

// Structs and arrays: every op runs out of line (allocation, the heap's bounds checks).

/// The store id of the module's type `ty` (verified below the module's type count).
fn type_id<T>(cx: &Ctx<'_, T>, ty: u32) -> Result<u32, Exit> {
    cx.store.inner.instances[cx.inst]
        .types
        .get(ty as usize)
        .copied()
        .ok_or_else(|| TrapCode::CastFailure.into())
}

/// The element storage code of array type `id` (store id).
fn array_code<T>(cx: &Ctx<'_, T>, id: u32) -> u32 {
    match cx.store.inner.types.def(id).map(|d| &d.composite) {
        Some(Composite::Array(f)) => f.storage.code(),
        _ => 3,
    }
}

/// The heap's limit (`Config::gc_heap_bytes`).
fn limit<T>(cx: &Ctx<'_, T>) -> u64 {
    cx.store.engine.config.gc_heap_bytes
}

/// A zeroed cell vector for a new object of `n` cells: collects the heap first when it
/// asks to (`runtime/gc/heap.rs`), then `GcHeapOutOfMemory` if the object still does not
/// fit.
fn alloc_cells<T>(cx: &mut Ctx<'_, T>, n: u64) -> Result<Vec<u64>, Exit> {
    let limit = limit(cx);
    if cx.store.inner.gc.wants_collection(n, limit) {
        // The running call's frames: every cell up to the current frame's top.
        let top = (cx.base + cx.code().frame_size() as usize).min(cx.stack.cells.len());
        cx.store.inner.collect_garbage(&cx.stack.cells[..top]);
    }
    Ok(cx.store.inner.gc.cells(n, limit)?)
}

/// The object `cell` names: null traps (`NullReference`), as does a cell that names none.
fn object<'c, T>(cx: &'c Ctx<'_, T>, cell: u64) -> Result<&'c GcObject, Exit> {
    cx.store
        .inner
        .gc
        .get(cell)
        .ok_or_else(|| TrapCode::NullReference.into())
}

fn object_mut<'c, T>(cx: &'c mut Ctx<'_, T>, cell: u64) -> Result<&'c mut GcObject, Exit> {
    cx.store
        .inner
        .gc
        .get_mut(cell)
        .ok_or_else(|| TrapCode::NullReference.into())
}

/// Cells `at..at + n` of `o`, or `ArrayOutOfBounds`.
fn cells_of(o: &GcObject, at: u64, n: u64) -> Result<&[u64], Exit> {
    at.checked_add(n)
        .filter(|&e| e <= o.cells.len() as u64)
        .map(|e| &o.cells[at as usize..e as usize])
        .ok_or_else(|| TrapCode::ArrayOutOfBounds.into())
}

fn cells_of_mut(o: &mut GcObject, at: u64, n: u64) -> Result<&mut [u64], Exit> {
    at.checked_add(n)
        .filter(|&e| e <= o.cells.len() as u64)
        .map(|e| &mut o.cells[at as usize..e as usize])
        .ok_or_else(|| TrapCode::ArrayOutOfBounds.into())
}

/// Cells per value of storage `code`.
fn width(code: u32) -> u64 {
    if code & 7 == storage::V128 {
        2
    } else {
        1
    }
}

/// The element range `off..off + len` of array `o` as cells, or `ArrayOutOfBounds`.
fn elems(o: &GcObject, off: u64, len: u64) -> Result<(u64, u64), Exit> {
    if off.checked_add(len).is_none_or(|e| e > o.len()) {
        return Err(TrapCode::ArrayOutOfBounds.into());
    }
    let w = o.elem_cells.max(1) as u64;
    Ok((off * w, len * w))
}

/// Write the value at frame slot `src` (of storage `code`) into `out` repeatedly.
///
/// # Safety
/// As a handler's: `src` is a verified slot of the running frame.
unsafe fn fill_from(r: &Regs, out: &mut [u64], code: u32, src: u32) {
    if code & 7 == storage::V128 {
        let (lo, hi) = (c!(r, src), c!(r, src + 1));
        for pair in out.chunks_exact_mut(2) {
            pair[0] = lo;
            pair[1] = hi;
        }
    } else {
        out.fill(storage::pack(code, c!(r, src)));
    }
}

/// Write the stored cells `v` of a field or element (read with `mode`: a code, `SIGNED` for
/// `_s`) to frame slot `dst` (two slots for a `v128`).
///
/// # Safety
/// As a handler's: `dst` (and `dst + 1` for a `v128`) is a verified slot of the running frame.
unsafe fn read_to(r: &mut Regs, dst: u32, mode: u32, v: &[u64]) {
    if let [lo, hi] = *v {
        set!(r, dst, lo);
        set!(r, dst + 1, hi);
    } else {
        set!(r, dst, storage::unpack(mode, v[0]));
    }
}

/// Elements decoded from `bytes`, `size` bytes each, little-endian, into `out`.
fn decode_elems(bytes: &[u8], code: u32, out: &mut [u64]) {
    let size = storage::bytes(code) as usize;
    let w = width(code) as usize;
    for (k, chunk) in bytes.chunks_exact(size).enumerate() {
        let mut b = [0u8; 16];
        b[..size].copy_from_slice(chunk);
        let v = u128::from_le_bytes(b);
        out[k * w] = v as u64;
        if w == 2 {
            out[k * w + 1] = (v >> 64) as u64;
        }
    }
}

/// `len` elements of storage `code` from data segment `data` (module index) at byte `src`:
/// the bytes, read whole (`MemoryOutOfBounds` past the segment's end).
fn data_bytes<T>(
    cx: &mut Ctx<'_, T>,
    data: u32,
    src: u64,
    len: u64,
    code: u32,
) -> Result<Vec<u8>, Exit> {
    let di = cx.store.inner.instances[cx.inst].datas[data as usize] as usize;
    let seg = &cx.store.inner.datas[di];
    let n = len
        .checked_mul(storage::bytes(code))
        .and_then(|n| {
            src.checked_add(n)
                .filter(|&e| e <= seg.len() as u64)
                .map(|_| n)
        })
        .ok_or(TrapCode::MemoryOutOfBounds)?;
    let mut bytes = Vec::new();
    bytes
        .try_reserve_exact(n as usize)
        .map_err(|_| TrapCode::GcHeapOutOfMemory)?;
    let start = seg.range.start + src as usize;
    let res = seg
        .bytes
        .for_each_piece(start..start + n as usize, |_, piece| {
            bytes.extend_from_slice(piece);
            Ok::<(), Trap>(())
        });
    if let Err(t) = res {
        return Err(match t.message() {
            None => t.code().into(),
            Some(_) => cx.park_trap(t),
        });
    }
    Ok(bytes)
}

/// References `src..src + len` of element segment `elem` (module index), or
/// `TableOutOfBounds`.
fn elem_cells<'c, T>(cx: &'c Ctx<'_, T>, elem: u32, src: u64, len: u64) -> Result<&'c [u64], Exit> {
    let ei = cx.store.inner.instances[cx.inst].elems[elem as usize] as usize;
    let items = &cx.store.inner.elems[ei];
    src.checked_add(len)
        .filter(|&e| e <= items.len() as u64)
        .map(|e| &items[src as usize..e as usize])
        .ok_or_else(|| TrapCode::TableOutOfBounds.into())
}

#[inline(always)]
pub(crate) unsafe fn StructNew<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    out_of_line(cx, r, |cx, r| {
        let Op::StructNew { dst, ty, args, n } = rd!(r, StructNew) else {
            unreachable!()
        };
        let id = type_id(cx, ty)?;
        let mut cells = alloc_cells(cx, n as u64)?;
        for (k, c) in cells.iter_mut().enumerate() {
            *c = c!(r, args + k as u32);
        }
        if let Some(Composite::Struct(fields)) = cx.store.inner.types.def(id).map(|d| &d.composite)
        {
            let mut at = 0;
            for f in fields.iter() {
                if let Some(c) = cells.get_mut(at) {
                    *c = storage::pack(f.storage.code(), *c);
                }
                at += f.storage.cells() as usize;
            }
        }
        let cell = cx.store.inner.gc.insert(id, 0, cells)?;
        set!(r, dst, cell);
        Ok(())
    })
}

#[inline(always)]
pub(crate) unsafe fn StructNewDefault<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    out_of_line(cx, r, |cx, r| {
        let Op::StructNewDefault { dst, ty } = rd!(r, StructNewDefault) else {
            unreachable!()
        };
        let id = type_id(cx, ty)?;
        let n: u64 = match cx.store.inner.types.def(id).map(|d| &d.composite) {
            Some(Composite::Struct(fields)) => {
                fields.iter().map(|f| f.storage.cells() as u64).sum()
            }
            _ => 0,
        };
        let cells = alloc_cells(cx, n)?;
        let cell = cx.store.inner.gc.insert(id, 0, cells)?;
        set!(r, dst, cell);
        Ok(())
    })
}

#[inline(always)]
pub(crate) unsafe fn StructGet<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    out_of_line(cx, r, |cx, r| {
        let Op::StructGet {
            dst,
            obj,
            field,
            mode,
        } = rd!(r, StructGet)
        else {
            unreachable!()
        };
        let mode = mode as u32;
        let o = object(cx, c!(r, obj))?;
        let v = cells_of(o, field as u32 as u64, width(mode))?;
        // SAFETY: `dst` is a verified slot of this frame (two for a `v128` field).
        unsafe { read_to(r, dst, mode, v) };
        Ok(())
    })
}

#[inline(always)]
pub(crate) unsafe fn StructSet<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    out_of_line(cx, r, |cx, r| {
        let Op::StructSet {
            obj,
            src,
            field,
            mode,
        } = rd!(r, StructSet)
        else {
            unreachable!()
        };
        let mode = mode as u32;
        let o = object_mut(cx, c!(r, obj))?;
        let out = cells_of_mut(o, field as u32 as u64, width(mode))?;
        // SAFETY: `src` is a verified slot of this frame.
        unsafe { fill_from(r, out, mode, src) };
        Ok(())
    })
}

/// A new array of type `id` of `len` elements, each written by `init` into its cells.
fn new_array<T>(
    cx: &mut Ctx<'_, T>,
    id: u32,
    len: u64,
    init: impl FnOnce(&mut Ctx<'_, T>, u32, &mut [u64]) -> Result<(), Exit>,
) -> Result<u64, Exit> {
    let code = array_code(cx, id);
    let w = width(code);
    let n = len.checked_mul(w).ok_or(TrapCode::GcHeapOutOfMemory)?;
    let mut cells = alloc_cells(cx, n)?;
    init(cx, code, &mut cells)?;
    Ok(cx.store.inner.gc.insert(id, w as u8, cells)?)
}

#[inline(always)]
pub(crate) unsafe fn ArrayNew<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    out_of_line(cx, r, |cx, r| {
        let Op::ArrayNew { dst, ty, init, len } = rd!(r, ArrayNew) else {
            unreachable!()
        };
        let id = type_id(cx, ty)?;
        let rr = *r;
        let cell = new_array(cx, id, c!(r, len) as u32 as u64, |_, code, out| {
            // SAFETY: `init` is a verified slot of this frame.
            unsafe { fill_from(&rr, out, code, init) };
            Ok(())
        })?;
        set!(r, dst, cell);
        Ok(())
    })
}

#[inline(always)]
pub(crate) unsafe fn ArrayNewDefault<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    out_of_line(cx, r, |cx, r| {
        let Op::ArrayNewDefault { dst, ty, len } = rd!(r, ArrayNewDefault) else {
            unreachable!()
        };
        let id = type_id(cx, ty)?;
        let cell = new_array(cx, id, c!(r, len) as u32 as u64, |_, _, _| Ok(()))?;
        set!(r, dst, cell);
        Ok(())
    })
}

#[inline(always)]
pub(crate) unsafe fn ArrayNewFixed<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    out_of_line(cx, r, |cx, r| {
        let Op::ArrayNewFixed { dst, ty, args, n } = rd!(r, ArrayNewFixed) else {
            unreachable!()
        };
        let id = type_id(cx, ty)?;
        let w = width(array_code(cx, id));
        let rr = *r;
        let cell = new_array(cx, id, n as u64 / w, |_, code, out| {
            for (k, c) in out.iter_mut().enumerate() {
                // SAFETY: `args..args + n` lie in this frame (`verify`: a `Base` and its
                // `Cells`), and `out` has at most `n` cells.
                let v = unsafe { *rr.fp.add(args as usize + k) };
                *c = if w == 2 { v } else { storage::pack(code, v) };
            }
            Ok(())
        })?;
        set!(r, dst, cell);
        Ok(())
    })
}

#[inline(always)]
pub(crate) unsafe fn ArrayNewData<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    out_of_line(cx, r, |cx, r| {
        let Op::ArrayNewData {
            dst,
            ty,
            data,
            src,
            len,
        } = rd!(r, ArrayNewData)
        else {
            unreachable!()
        };
        let id = type_id(cx, ty)?;
        let (s, n) = (c!(r, src) as u32 as u64, c!(r, len) as u32 as u64);
        let code = array_code(cx, id);
        let bytes = data_bytes(cx, data, s, n, code)?;
        let cell = new_array(cx, id, n, |_, code, out| {
            decode_elems(&bytes, code, out);
            Ok(())
        })?;
        set!(r, dst, cell);
        Ok(())
    })
}

#[inline(always)]
pub(crate) unsafe fn ArrayNewElem<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    out_of_line(cx, r, |cx, r| {
        let Op::ArrayNewElem {
            dst,
            ty,
            elem,
            src,
            len,
        } = rd!(r, ArrayNewElem)
        else {
            unreachable!()
        };
        let id = type_id(cx, ty)?;
        let (s, n) = (c!(r, src) as u32 as u64, c!(r, len) as u32 as u64);
        elem_cells(cx, elem, s, n)?;
        let cell = new_array(cx, id, n, |cx, _, out| {
            out.copy_from_slice(elem_cells(cx, elem, s, n)?);
            Ok(())
        })?;
        set!(r, dst, cell);
        Ok(())
    })
}

#[inline(always)]
pub(crate) unsafe fn ArrayGet<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    out_of_line(cx, r, |cx, r| {
        let Op::ArrayGet {
            dst,
            arr,
            index,
            mode,
        } = rd!(r, ArrayGet)
        else {
            unreachable!()
        };
        let mode = mode as u32;
        let o = object(cx, c!(r, arr))?;
        let (at, n) = elems(o, c!(r, index) as u32 as u64, 1)?;
        let v = cells_of(o, at, n)?;
        // SAFETY: `dst` is a verified slot of this frame (two for a `v128` element).
        unsafe { read_to(r, dst, mode, v) };
        Ok(())
    })
}

#[inline(always)]
pub(crate) unsafe fn ArraySet<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    out_of_line(cx, r, |cx, r| {
        let Op::ArraySet {
            arr,
            index,
            src,
            mode,
        } = rd!(r, ArraySet)
        else {
            unreachable!()
        };
        let i = c!(r, index) as u32 as u64;
        let o = object_mut(cx, c!(r, arr))?;
        let (at, n) = elems(o, i, 1)?;
        let out = cells_of_mut(o, at, n)?;
        // SAFETY: `src` is a verified slot of this frame.
        unsafe { fill_from(r, out, mode as u32, src) };
        Ok(())
    })
}

#[inline(always)]
pub(crate) unsafe fn ArrayLen<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    out_of_line(cx, r, |cx, r| {
        let Op::ArrayLen { dst, arr } = rd!(r, ArrayLen) else {
            unreachable!()
        };
        let len = object(cx, c!(r, arr))?.len();
        set!(r, dst, len);
        Ok(())
    })
}

#[inline(always)]
pub(crate) unsafe fn ArrayFill<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    out_of_line(cx, r, |cx, r| {
        let Op::ArrayFill {
            arr,
            off,
            val,
            len,
            mode,
        } = rd!(r, ArrayFill)
        else {
            unreachable!()
        };
        let (d, n) = (c!(r, off) as u32 as u64, c!(r, len) as u32 as u64);
        let o = object_mut(cx, c!(r, arr))?;
        let (at, n) = elems(o, d, n)?;
        let out = cells_of_mut(o, at, n)?;
        // SAFETY: `val` is a verified slot of this frame.
        unsafe { fill_from(r, out, mode as u32, val) };
        Ok(())
    })
}

#[inline(always)]
pub(crate) unsafe fn ArrayCopy<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    out_of_line(cx, r, |cx, r| {
        let Op::ArrayCopy {
            dst,
            dst_off,
            src,
            src_off,
            len,
        } = rd!(r, ArrayCopy)
        else {
            unreachable!()
        };
        let (dc, sc) = (c!(r, dst), c!(r, src));
        let (d, s, n) = (
            c!(r, dst_off) as u32 as u64,
            c!(r, src_off) as u32 as u64,
            c!(r, len) as u32 as u64,
        );
        // Both null checks, then both bounds checks (the spec's order).
        object(cx, dc)?;
        object(cx, sc)?;
        let (dat, dn) = elems(object(cx, dc)?, d, n)?;
        let (sat, sn) = elems(object(cx, sc)?, s, n)?;
        if sn != dn {
            // Elements of different widths: not valid code.
            return Err(TrapCode::ArrayOutOfBounds.into());
        }
        let heap = &mut cx.store.inner.gc;
        match heap.pair_mut(dc, sc) {
            Some((to, from)) => {
                cells_of_mut(to, dat, dn)?.copy_from_slice(cells_of(from, sat, sn)?)
            }
            None => {
                // The same array (both exist: checked above).
                let o = heap.get_mut(dc).ok_or(TrapCode::NullReference)?;
                cells_of(o, sat, sn)?;
                cells_of(o, dat, dn)?;
                o.cells
                    .copy_within(sat as usize..(sat + sn) as usize, dat as usize);
            }
        }
        Ok(())
    })
}

#[inline(always)]
pub(crate) unsafe fn ArrayInitData<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    out_of_line(cx, r, |cx, r| {
        let Op::ArrayInitData {
            arr,
            off,
            src,
            len,
            data,
            mode,
        } = rd!(r, ArrayInitData)
        else {
            unreachable!()
        };
        let code = mode as u32;
        let ac = c!(r, arr);
        let (d, s, n) = (
            c!(r, off) as u32 as u64,
            c!(r, src) as u32 as u64,
            c!(r, len) as u32 as u64,
        );
        let (at, cn) = elems(object(cx, ac)?, d, n)?;
        let bytes = data_bytes(cx, data, s, n, code)?;
        let o = object_mut(cx, ac)?;
        decode_elems(&bytes, code, cells_of_mut(o, at, cn)?);
        Ok(())
    })
}

#[inline(always)]
pub(crate) unsafe fn ArrayInitElem<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    out_of_line(cx, r, |cx, r| {
        let Op::ArrayInitElem {
            arr,
            off,
            src,
            len,
            elem,
        } = rd!(r, ArrayInitElem)
        else {
            unreachable!()
        };
        let ac = c!(r, arr);
        let (d, s, n) = (
            c!(r, off) as u32 as u64,
            c!(r, src) as u32 as u64,
            c!(r, len) as u32 as u64,
        );
        let (at, cn) = elems(object(cx, ac)?, d, n)?;
        elem_cells(cx, elem, s, n)?;
        let ei = cx.store.inner.instances[cx.inst].elems[elem as usize] as usize;
        let inner = &mut cx.store.inner;
        let items = &inner.elems[ei][s as usize..(s + n) as usize];
        let o = inner.gc.get_mut(ac).ok_or(TrapCode::NullReference)?;
        cells_of_mut(o, at, cn)?.copy_from_slice(items);
        Ok(())
    })
}
