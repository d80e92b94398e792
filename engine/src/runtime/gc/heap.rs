//! The store's GC heap: its structs and arrays, and the collector that frees those nothing
//! reaches.
//!
//! Objects sit in a vector of slots; a reference cell is `gc_cell::OBJECT` (with
//! `gc_cell::ARRAY` for an array) and the slot's index. A freed slot joins a free list and
//! is reused, so the vector only grows to the most objects live at once. The heap counts
//! its bytes (every live object's cells, 8 bytes each, and every slot) against
//! `Config::gc_heap_bytes`: an allocation past it is the `GcHeapOutOfMemory` trap.
//!
//! **The collector** is a non-moving mark-sweep, run by an allocation that would take the
//! heap past its limit or past twice what the last collection left (at least
//! [`FIRST_COLLECT`]). Marking starts from the running call's frames (every cell below the
//! current frame's top: cells carry no type, so a number that looks like a reference keeps
//! its object), the store's globals, tables, element segments and exception objects, and
//! every object the host has been handed; it then follows exactly the fields and elements
//! whose types are references. Its work list is a fixed array of [`MARK_STACK`] slots:
//! when that overflows, the heap is scanned again for marked objects not yet followed, so
//! a collection needs no RAM beyond the heap itself.
//!
//! **What the host holds.** A reference that reaches the host (a call's results, a host
//! function's arguments, a global or table read through the API, an exception's fields,
//! the frames of a suspended call) *pins* its object: it is a root from then on, for the
//! store's life, since the collector cannot see where the host keeps it. Only the outermost
//! run collects (`GcHeap::runs`): a nested one cannot see its callers' frames.

use alloc::boxed::Box;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, Ordering};

use super::TypeRegistry;
use crate::error::TrapCode;
use crate::runtime::StoreInner;
use crate::types::{Composite, StorageType, ValType};
use crate::value::{gc_cell, Val};

/// `GcObject::elem_cells` of a free slot.
const FREE: u8 = u8::MAX;
/// The end of the free list.
const NONE: u32 = u32::MAX;

/// The mark of an object: not reached, reached but not followed, followed.
const WHITE: u8 = 0;
const GREY: u8 = 1;
const BLACK: u8 = 2;

/// The work list's length (see the module docs).
pub(crate) const MARK_STACK: usize = 64;

/// The fewest bytes the heap grows to before its first collection.
pub(crate) const FIRST_COLLECT: u64 = 64 << 10;

/// A struct or an array in a store's GC heap (or a free slot).
#[derive(Debug)]
pub(crate) struct GcObject {
    /// The object's type (a store id); of a free slot, the next free slot.
    pub ty: u32,
    /// 0 for a struct; an array's cells per element (1, or 2 for `v128`); [`FREE`].
    pub elem_cells: u8,
    /// The collector's mark ([`WHITE`] between collections).
    mark: u8,
    /// Whether the host was handed a reference to it (module docs). Set through a shared
    /// reference (`Global::get` reads the store without `&mut`).
    pinned: AtomicBool,
    /// The fields or elements, one cell each (two for a `v128`; packed ones masked).
    pub cells: Box<[u64]>,
}

impl GcObject {
    /// An array's length.
    pub fn len(&self) -> u64 {
        match self.elem_cells {
            0 | FREE => 0,
            n => self.cells.len() as u64 / n as u64,
        }
    }
}

/// What a slot costs against the heap limit besides its object's cells.
const SLOT: u64 = core::mem::size_of::<GcObject>() as u64;

/// The store's GC heap (see the module docs).
#[derive(Debug)]
pub(crate) struct GcHeap {
    objects: Vec<GcObject>,
    /// The first free slot ([`NONE`]: none).
    free: u32,
    /// Objects live (allocated and not freed).
    live: u32,
    /// Bytes taken: every live object's cells and every slot.
    bytes: u64,
    /// An allocation that would take `bytes` past this collects first.
    next_collect: u64,
    /// Wasm runs under way in the store (`exec::run_at`): only when there is one can a
    /// collection see every frame.
    runs: u32,
    /// Collections so far.
    collections: u64,
}

impl Default for GcHeap {
    fn default() -> GcHeap {
        GcHeap {
            objects: Vec::new(),
            free: NONE,
            live: 0,
            bytes: 0,
            next_collect: FIRST_COLLECT,
            runs: 0,
            collections: 0,
        }
    }
}

/// Whether a value of type `ty` may be a reference to a GC object (`anyref`, `externref`
/// and their subtypes; function and exception references are never one).
fn may_be_object(ty: ValType) -> bool {
    ty.cell_kind() == ValType::ExternRef
}

fn storage_may_be_object(s: StorageType) -> bool {
    matches!(s, StorageType::Val(v) if may_be_object(v))
}

/// The slot a reference cell names, if it names an object.
fn slot(cell: u64) -> Option<usize> {
    gc_cell::is_object(cell).then_some((cell & 0xffff_ffff) as usize)
}

impl GcHeap {
    /// Whether the heap holds no live object.
    pub fn is_empty(&self) -> bool {
        self.live == 0
    }

    /// A wasm run of the store starts (`exec::run_at`).
    pub fn enter_run(&mut self) {
        self.runs += 1;
    }

    /// A wasm run of the store ends.
    pub fn leave_run(&mut self) {
        self.runs -= 1;
    }

    /// The type id of the object `cell` names, if it names one.
    pub fn type_of(&self, cell: u64) -> Option<u32> {
        self.get(cell).map(|o| o.ty)
    }

    /// Live objects, bytes taken (as counted against the limit) and collections so far.
    pub fn stats(&self) -> (u32, u64, u64) {
        (self.live, self.bytes, self.collections)
    }

    /// The bytes an object of `cells` cells adds.
    fn cost(&self, cells: u64) -> Option<u64> {
        let slot = if self.free == NONE { SLOT } else { 0 };
        cells.checked_mul(8)?.checked_add(slot)
    }

    /// Whether an object of `cells` cells keeps the heap within `bound` bytes.
    fn fits(&self, cells: u64, bound: u64) -> bool {
        self.cost(cells)
            .and_then(|c| self.bytes.checked_add(c))
            .is_some_and(|b| b <= bound)
    }

    /// Whether an allocation of `cells` cells should collect first: it would take the heap
    /// past `limit` or the collection threshold, there is something to free, and the
    /// allocating run is the only one.
    pub fn wants_collection(&self, cells: u64, limit: u64) -> bool {
        self.live > 0 && self.runs <= 1 && !self.fits(cells, limit.min(self.next_collect))
    }

    /// A zeroed cell vector for an object of `cells` cells, if it fits under `limit` bytes
    /// with the heap's objects (else the `GcHeapOutOfMemory` trap, never an abort).
    pub fn cells(&self, cells: u64, limit: u64) -> Result<Vec<u64>, TrapCode> {
        if !self.fits(cells, limit) {
            return Err(TrapCode::GcHeapOutOfMemory);
        }
        let mut v = Vec::new();
        v.try_reserve_exact(cells as usize)
            .map_err(|_| TrapCode::GcHeapOutOfMemory)?;
        v.resize(cells as usize, 0);
        Ok(v)
    }

    /// Add an object (its cells from [`GcHeap::cells`]); its reference cell.
    pub fn insert(&mut self, ty: u32, elem_cells: u8, cells: Vec<u64>) -> Result<u64, TrapCode> {
        let bytes = cells.len() as u64 * 8;
        let object = GcObject {
            ty,
            elem_cells,
            mark: WHITE,
            pinned: AtomicBool::new(false),
            cells: cells.into_boxed_slice(),
        };
        let index = if self.free != NONE {
            let index = self.free;
            let slot = &mut self.objects[index as usize];
            self.free = slot.ty;
            *slot = object;
            index
        } else {
            let index = self.objects.len();
            if index >= NONE as usize || self.objects.try_reserve(1).is_err() {
                return Err(TrapCode::GcHeapOutOfMemory);
            }
            self.objects.push(object);
            self.bytes += SLOT;
            index as u32
        };
        self.bytes += bytes;
        self.live += 1;
        let array = if elem_cells != 0 { gc_cell::ARRAY } else { 0 };
        Ok(gc_cell::OBJECT | array | index as u64)
    }

    /// The object the reference `cell` names, if it names one.
    pub fn get(&self, cell: u64) -> Option<&GcObject> {
        self.objects
            .get(slot(cell)?)
            .filter(|o| o.elem_cells != FREE)
    }

    /// [`GcHeap::get`], mutably.
    pub fn get_mut(&mut self, cell: u64) -> Option<&mut GcObject> {
        self.objects
            .get_mut(slot(cell)?)
            .filter(|o| o.elem_cells != FREE)
    }

    /// Two objects at once, mutably (`None` if either is missing or they are the same).
    pub fn pair_mut(&mut self, a: u64, b: u64) -> Option<(&mut GcObject, &mut GcObject)> {
        let (i, j) = (slot(a)?, slot(b)?);
        self.get(a)?;
        self.get(b)?;
        if i == j {
            return None;
        }
        if i < j {
            let (x, y) = self.objects.split_at_mut(j);
            Some((&mut x[i], &mut y[0]))
        } else {
            let (x, y) = self.objects.split_at_mut(i);
            Some((&mut y[0], &mut x[j]))
        }
    }

    /// Pin the object `cell` names, if any (it reached the host).
    pub fn pin(&self, cell: u64) {
        if let Some(o) = self.get(cell) {
            o.pinned.store(true, Ordering::Relaxed);
        }
    }

    /// Pin what the value `v` references, if it is a GC object.
    pub fn pin_val(&self, v: &Val) {
        match *v {
            Val::AnyRef(Some(_)) | Val::ExternRef(Some(_)) if !self.is_empty() => {
                self.pin(v.to_cell())
            }
            _ => {}
        }
    }

    /// Pin the objects referenced by the values of types `tys` laid out in `cells`.
    pub fn pin_typed(&self, tys: &[ValType], cells: &[u64]) {
        if self.is_empty() {
            return;
        }
        let mut at = 0;
        for &t in tys {
            if may_be_object(t) {
                if let Some(&c) = cells.get(at) {
                    self.pin(c);
                }
            }
            at += t.cells() as usize;
        }
    }

    /// Pin every object a cell of `cells` names (the frames of a suspended call, whose
    /// cells carry no type).
    pub fn pin_all(&self, cells: &[u64]) {
        if self.is_empty() {
            return;
        }
        for &c in cells {
            self.pin(c);
        }
    }

    /// Free every object left unmarked by a marking ([`Marker`]), and unmark the rest.
    fn sweep(&mut self) {
        for (i, o) in self.objects.iter_mut().enumerate() {
            if o.elem_cells == FREE {
                continue;
            }
            if o.mark == WHITE {
                self.bytes -= o.cells.len() as u64 * 8;
                self.live -= 1;
                o.cells = Box::default();
                o.elem_cells = FREE;
                o.ty = self.free;
                self.free = i as u32;
            } else {
                o.mark = WHITE;
            }
        }
        self.collections += 1;
        self.next_collect = self.bytes.saturating_mul(2).max(FIRST_COLLECT);
    }
}

/// A marking in progress: the heap, and the work list of objects reached but not followed.
struct Marker<'h> {
    heap: &'h mut GcHeap,
    work: [u32; MARK_STACK],
    len: usize,
    /// An object was reached when the work list was full (it stays [`GREY`]).
    overflow: bool,
}

impl Marker<'_> {
    /// Reach the object `cell` names, if any.
    fn cell(&mut self, cell: u64) {
        let Some(i) = slot(cell) else { return };
        let Some(o) = self.heap.objects.get_mut(i) else {
            return;
        };
        if o.elem_cells == FREE || o.mark != WHITE {
            return;
        }
        o.mark = GREY;
        if self.len < MARK_STACK {
            self.work[self.len] = i as u32;
            self.len += 1;
        } else {
            self.overflow = true;
        }
    }

    fn cells(&mut self, cells: &[u64]) {
        for &c in cells {
            self.cell(c);
        }
    }

    /// Reach every pinned object.
    fn pinned(&mut self) {
        for i in 0..self.heap.objects.len() {
            let o = &self.heap.objects[i];
            if o.elem_cells != FREE && o.pinned.load(Ordering::Relaxed) {
                self.cell(gc_cell::OBJECT | i as u64);
            }
        }
    }

    /// Follow every reached object's references until none is left to follow.
    fn finish(&mut self, types: &TypeRegistry) {
        loop {
            while self.len > 0 {
                self.len -= 1;
                let i = self.work[self.len] as usize;
                self.follow(i, types);
            }
            if !self.overflow {
                return;
            }
            self.overflow = false;
            for i in 0..self.heap.objects.len() {
                let o = &self.heap.objects[i];
                if o.elem_cells != FREE && o.mark == GREY {
                    self.follow(i, types);
                }
            }
        }
    }

    /// Mark object `i` followed and reach what its reference fields or elements name.
    fn follow(&mut self, i: usize, types: &TypeRegistry) {
        let o = &mut self.heap.objects[i];
        if o.mark == BLACK {
            return;
        }
        o.mark = BLACK;
        let ty = o.ty;
        match types.def(ty).map(|d| &d.composite) {
            Some(Composite::Array(f)) if storage_may_be_object(f.storage) => {
                for k in 0..self.heap.objects[i].cells.len() {
                    let c = self.heap.objects[i].cells[k];
                    self.cell(c);
                }
            }
            Some(Composite::Struct(fields)) => {
                let mut at = 0;
                for f in fields.iter() {
                    if storage_may_be_object(f.storage) {
                        if let Some(&c) = self.heap.objects[i].cells.get(at) {
                            self.cell(c);
                        }
                    }
                    at += f.storage.cells() as usize;
                }
            }
            _ => {}
        }
    }
}

impl StoreInner {
    /// Collect the GC heap (module docs), `stack` being the running call's cells up to its
    /// current frame's top.
    pub(crate) fn collect_garbage(&mut self, stack: &[u64]) {
        let StoreInner {
            gc,
            types,
            globals,
            tables,
            elems,
            exns,
            ..
        } = self;
        let mut m = Marker {
            heap: gc,
            work: [0; MARK_STACK],
            len: 0,
            overflow: false,
        };
        m.pinned();
        m.cells(stack);
        for g in globals.iter() {
            if may_be_object(g.ty.content) {
                m.cell(g.value as u64);
            }
        }
        for t in tables.iter() {
            if may_be_object(ValType::from(t.ty.element)) {
                m.cells(&t.elems);
            }
        }
        for e in elems.iter() {
            m.cells(e);
        }
        for x in exns.iter() {
            m.cells(&x.payload);
        }
        m.finish(types);
        gc.sweep();
    }
}

/// Make the struct or array a constant expression allocates (`ConstExpr::eval_gc`): its
/// operands come off `stack`, its type is the module's `new` type mapped through `ids` (the
/// instance's type ids).
pub(crate) fn const_new(
    heap: &mut GcHeap,
    types: &TypeRegistry,
    limit: u64,
    ids: &[u32],
    new: crate::module::GcConst,
    stack: &mut Vec<u128>,
) -> Result<u64, TrapCode> {
    use crate::module::GcConst as G;
    use crate::types::storage;
    let pop = |stack: &mut Vec<u128>, n: usize| stack.split_off(stack.len().saturating_sub(n));
    let ty = match new {
        G::StructNew(t) | G::StructNewDefault(t) | G::ArrayNew(t) | G::ArrayNewDefault(t) => t,
        G::ArrayNewFixed(t, _) => t,
    };
    let id = *ids.get(ty as usize).ok_or(TrapCode::CastFailure)?;
    let def = types.def(id).map(|d| &d.composite);
    // Each value as the cells it takes (v128: two), packed as `code` says.
    let put = |cells: &mut Vec<u64>, code: u32, v: u128| {
        if code == storage::V128 {
            cells.push(v as u64);
            cells.push((v >> 64) as u64);
        } else {
            cells.push(storage::pack(code, v as u64));
        }
    };
    match (new, def) {
        (G::StructNew(_) | G::StructNewDefault(_), Some(Composite::Struct(fields))) => {
            let n: u64 = fields.iter().map(|f| f.storage.cells() as u64).sum();
            let mut cells = heap.cells(0, limit.saturating_sub(n * 8))?;
            cells
                .try_reserve_exact(n as usize)
                .map_err(|_| TrapCode::GcHeapOutOfMemory)?;
            if let G::StructNew(_) = new {
                let vals = pop(stack, fields.len());
                for (f, v) in fields.iter().zip(vals) {
                    put(&mut cells, f.storage.code(), v);
                }
            } else {
                cells.resize(n as usize, 0);
            }
            heap.insert(id, 0, cells)
        }
        (_, Some(Composite::Array(f))) => {
            let code = f.storage.code();
            let w = f.storage.cells() as u64;
            let (len, init) = match new {
                G::ArrayNew(_) => {
                    let len = stack.pop().unwrap_or(0) as u32 as u64;
                    (len, stack.pop())
                }
                G::ArrayNewDefault(_) => (stack.pop().unwrap_or(0) as u32 as u64, None),
                _ => (0, None),
            };
            let mut cells = Vec::new();
            match new {
                G::ArrayNewFixed(_, n) => {
                    let vals = pop(stack, n as usize);
                    let mut c = heap.cells(0, limit.saturating_sub(vals.len() as u64 * w * 8))?;
                    c.try_reserve_exact(vals.len() * w as usize)
                        .map_err(|_| TrapCode::GcHeapOutOfMemory)?;
                    for v in vals {
                        put(&mut c, code, v);
                    }
                    cells = c;
                }
                _ => {
                    let n = len.checked_mul(w).ok_or(TrapCode::GcHeapOutOfMemory)?;
                    let mut c = heap.cells(n, limit)?;
                    if let Some(v) = init {
                        let mut one = Vec::with_capacity(2);
                        put(&mut one, code, v);
                        for chunk in c.chunks_exact_mut(one.len()) {
                            chunk.copy_from_slice(&one);
                        }
                    }
                    cells.append(&mut c);
                }
            }
            heap.insert(id, w as u8, cells)
        }
        _ => Err(TrapCode::CastFailure),
    }
}
