//! References (`wasm_ref_t`, funcref values), tables, memories made or grown from C, the
//! `_copy`/`_same`/`_const` forms of the external objects, trap origins and traces
//! (`wasm_frame_t`), and an instance's host information.
//!
//! A `wasm_ref_t` is a `wasm_extern_t` holding a function (`repr(transparent)`), so
//! `wasm_func_as_ref` and `wasm_ref_as_func` are pointer casts, as `wasm.h` requires.

use alloc::boxed::Box;
use alloc::vec::Vec;
use core::ffi::c_void;
use core::ptr;

use fayasm::{Extern, FrameInfo, Memory, Table, Val};

use crate::store::{with_store, CStore};
use crate::types::{memory_type, new_externtype, table_type, wasm_memorytype_t, wasm_tabletype_t};
use crate::{
    from_raw_parts, into_raw_parts, new_extern, to_val, unsafe_mut, unsafe_ref, wasm_byte_vec_t,
    wasm_extern_t, wasm_func_t, wasm_global_t, wasm_instance_t, wasm_memory_t, wasm_module_t,
    wasm_store_t, wasm_trap_t, wasm_val_t, wasm_val_union, with_memory, WASM_FUNCREF,
};

/// `wasm_ref_t`: a reference to a function of a store.
#[repr(transparent)]
pub struct wasm_ref_t {
    pub(crate) ext: wasm_extern_t,
}

/// A table: a [`wasm_extern_t`] that holds one (`wasm_extern_as_table`).
#[repr(transparent)]
pub struct wasm_table_t {
    ext: wasm_extern_t,
}

/// `wasm_frame_t`: one frame of a trap's trace.
pub struct wasm_frame_t {
    info: FrameInfo,
    name: wasm_byte_vec_t,
}

/// `wasm_frame_vec_t`.
#[repr(C)]
pub struct wasm_frame_vec_t {
    pub(crate) size: usize,
    pub(crate) data: *mut *mut wasm_frame_t,
}

/// Host information attached to an object and its finalizer, run once when the object is
/// deleted.
pub struct HostInfo {
    info: *mut c_void,
    finalizer: Option<unsafe extern "C" fn(*mut c_void)>,
}

impl Drop for HostInfo {
    fn drop(&mut self) {
        if let Some(finalize) = self.finalizer {
            // SAFETY: wasm.h: the finalizer is called once, with the information it was given
            // with, when the object goes away.
            unsafe { finalize(self.info) };
        }
    }
}

// ---- references ----

#[no_mangle]
pub unsafe extern "C" fn wasm_ref_delete(r: *mut wasm_ref_t) {
    // SAFETY: a reference is an extern object given to C as `own` (or null).
    unsafe { crate::wasm_extern_delete(r.cast()) }
}

#[no_mangle]
pub unsafe extern "C" fn wasm_ref_copy(r: *const wasm_ref_t) -> *mut wasm_ref_t {
    unsafe_ref(r).map_or(ptr::null_mut(), |r| {
        new_extern(r.ext.store, r.ext.which).cast()
    })
}

/// Whether two references (or two externals) name the same object.
#[no_mangle]
pub unsafe extern "C" fn wasm_ref_same(a: *const wasm_ref_t, b: *const wasm_ref_t) -> bool {
    match (unsafe_ref(a), unsafe_ref(b)) {
        (Some(a), Some(b)) => a.ext.store == b.ext.store && a.ext.which == b.ext.which,
        (None, None) => true,
        _ => false,
    }
}

#[no_mangle]
pub unsafe extern "C" fn wasm_func_as_ref(f: *mut wasm_func_t) -> *mut wasm_ref_t {
    f.cast()
}

#[no_mangle]
pub unsafe extern "C" fn wasm_func_as_ref_const(f: *const wasm_func_t) -> *const wasm_ref_t {
    f.cast()
}

#[no_mangle]
pub unsafe extern "C" fn wasm_ref_as_func(r: *mut wasm_ref_t) -> *mut wasm_func_t {
    match unsafe_ref(r) {
        Some(x) if matches!(x.ext.which, Extern::Func(_)) => r.cast(),
        _ => ptr::null_mut(),
    }
}

#[no_mangle]
pub unsafe extern "C" fn wasm_ref_as_func_const(r: *const wasm_ref_t) -> *const wasm_func_t {
    // SAFETY: the same contract.
    unsafe { wasm_ref_as_func(r.cast_mut()) }.cast_const()
}

// ---- copies, identity and `_const` casts of the external objects ----

macro_rules! object_forms {
    ($($ty:ident $copy:ident $same:ident;)*) => {$(
        #[no_mangle]
        pub unsafe extern "C" fn $copy(x: *const $ty) -> *mut $ty {
            // SAFETY: every external object is a `wasm_extern_t` (repr(transparent)).
            unsafe { wasm_ref_copy(x.cast()) }.cast()
        }

        #[no_mangle]
        pub unsafe extern "C" fn $same(a: *const $ty, b: *const $ty) -> bool {
            // SAFETY: as above.
            unsafe { wasm_ref_same(a.cast(), b.cast()) }
        }
    )*};
}

object_forms! {
    wasm_extern_t wasm_extern_copy wasm_extern_same;
    wasm_func_t wasm_func_copy wasm_func_same;
    wasm_global_t wasm_global_copy wasm_global_same;
    wasm_table_t wasm_table_copy wasm_table_same;
    wasm_memory_t wasm_memory_copy wasm_memory_same;
}

#[no_mangle]
pub unsafe extern "C" fn wasm_extern_as_memory_const(
    ext: *const wasm_extern_t,
) -> *const wasm_memory_t {
    // SAFETY: the same contract.
    unsafe { crate::wasm_extern_as_memory(ext.cast_mut()) }.cast_const()
}

#[no_mangle]
pub unsafe extern "C" fn wasm_extern_as_global_const(
    ext: *const wasm_extern_t,
) -> *const wasm_global_t {
    // SAFETY: the same contract.
    unsafe { crate::wasm_extern_as_global(ext.cast_mut()) }.cast_const()
}

#[no_mangle]
pub unsafe extern "C" fn wasm_memory_as_extern_const(
    m: *const wasm_memory_t,
) -> *const wasm_extern_t {
    m.cast()
}

#[no_mangle]
pub unsafe extern "C" fn wasm_global_as_extern_const(
    g: *const wasm_global_t,
) -> *const wasm_extern_t {
    g.cast()
}

// ---- tables ----

/// Runs `f` on a table object's table and store (and the store object); `None` for null,
/// another kind, or a store in use.
fn with_table<R>(
    table: *const wasm_table_t,
    f: impl FnOnce(Table, &mut CStore, *mut wasm_store_t) -> R,
) -> Option<R> {
    let t = unsafe_ref(table)?;
    let Extern::Table(handle) = t.ext.which else {
        return None;
    };
    let sp = t.ext.store;
    with_store(sp, |s| f(handle, s, sp))
}

/// The value a reference pointer stands for as an element of table `t` (null: a null
/// reference of the table's kind).
fn table_ref_val(t: Table, store: &CStore, r: *const wasm_ref_t) -> Option<Val> {
    let funcref = t.try_ty(store).is_ok_and(|ty| ty.element.is_func());
    ref_val(r, funcref)
}

/// The value a reference pointer stands for in a table of `element` kind (null: a null
/// reference).
fn ref_val(r: *const wasm_ref_t, funcref: bool) -> Option<Val> {
    let kind = if funcref {
        WASM_FUNCREF
    } else {
        crate::WASM_EXTERNREF
    };
    to_val(&wasm_val_t {
        kind,
        of: wasm_val_union {
            ref_: r.cast_mut().cast(),
        },
    })
    .ok()
}

/// A new table of type `ty` filled with `init` (null: null references); null if that fails.
#[no_mangle]
pub unsafe extern "C" fn wasm_table_new(
    store: *mut wasm_store_t,
    ty: *const wasm_tabletype_t,
    init: *mut wasm_ref_t,
) -> *mut wasm_table_t {
    let Some(ty) = unsafe_ref(ty) else {
        return ptr::null_mut();
    };
    let Some(ty) = table_type(ty) else {
        return ptr::null_mut();
    };
    let funcref = ty.element == fayasm::RefType::FuncRef;
    let Some(init) = ref_val(init, funcref) else {
        return ptr::null_mut();
    };
    match with_store(store, |s| Table::new(s, ty, init)) {
        Some(Ok(t)) => new_extern(store, Extern::Table(t)).cast(),
        _ => ptr::null_mut(),
    }
}

#[no_mangle]
pub unsafe extern "C" fn wasm_table_delete(t: *mut wasm_table_t) {
    // SAFETY: a table is an extern object given to C as `own`.
    unsafe { crate::wasm_extern_delete(t.cast()) }
}

#[no_mangle]
pub unsafe extern "C" fn wasm_table_type(t: *const wasm_table_t) -> *mut wasm_tabletype_t {
    with_table(t, |t, s, _| t.try_ty(&*s).ok())
        .flatten()
        .map_or(ptr::null_mut(), |ty| {
            new_externtype(&fayasm::ExternType::Table(ty)).cast()
        })
}

/// Element `index` as a new reference; null for a null element, an index out of bounds, or
/// an `externref` element (which fayasm's C API cannot hand out).
#[no_mangle]
pub unsafe extern "C" fn wasm_table_get(t: *const wasm_table_t, index: u32) -> *mut wasm_ref_t {
    with_table(t, |t, s, sp| match t.try_get(&*s, u64::from(index)) {
        Ok(Some(Val::FuncRef(Some(f)))) => new_extern(sp, Extern::Func(f)).cast(),
        _ => ptr::null_mut(),
    })
    .unwrap_or(ptr::null_mut())
}

/// Sets element `index` to `r` (null: a null reference); false if out of bounds or of
/// another kind or store.
#[no_mangle]
pub unsafe extern "C" fn wasm_table_set(
    t: *mut wasm_table_t,
    index: u32,
    r: *mut wasm_ref_t,
) -> bool {
    with_table(t, |t, s, _| match table_ref_val(t, s, r) {
        Some(v) => t.set(s, u64::from(index), v).is_ok(),
        None => false,
    })
    .unwrap_or(false)
}

#[no_mangle]
pub unsafe extern "C" fn wasm_table_size(t: *const wasm_table_t) -> u32 {
    with_table(t, |t, s, _| {
        t.try_size(&*s)
            .map_or(0, |n| u32::try_from(n).unwrap_or(u32::MAX))
    })
    .unwrap_or(0)
}

/// Grows by `delta` elements set to `init`; false if the table cannot grow so far.
#[no_mangle]
pub unsafe extern "C" fn wasm_table_grow(
    t: *mut wasm_table_t,
    delta: u32,
    init: *mut wasm_ref_t,
) -> bool {
    with_table(t, |t, s, _| match table_ref_val(t, s, init) {
        Some(v) => t.grow(s, u64::from(delta), v).is_ok(),
        None => false,
    })
    .unwrap_or(false)
}

#[no_mangle]
pub unsafe extern "C" fn wasm_table_as_extern(t: *mut wasm_table_t) -> *mut wasm_extern_t {
    t.cast()
}

#[no_mangle]
pub unsafe extern "C" fn wasm_table_as_extern_const(
    t: *const wasm_table_t,
) -> *const wasm_extern_t {
    t.cast()
}

#[no_mangle]
pub unsafe extern "C" fn wasm_extern_as_table(ext: *mut wasm_extern_t) -> *mut wasm_table_t {
    match unsafe_ref(ext) {
        Some(e) if matches!(e.which, Extern::Table(_)) => ext.cast(),
        _ => ptr::null_mut(),
    }
}

#[no_mangle]
pub unsafe extern "C" fn wasm_extern_as_table_const(
    ext: *const wasm_extern_t,
) -> *const wasm_table_t {
    // SAFETY: the same contract.
    unsafe { wasm_extern_as_table(ext.cast_mut()) }.cast_const()
}

// ---- memories ----

/// A new memory of type `ty`; null if that fails (over a limit, no RAM).
#[no_mangle]
pub unsafe extern "C" fn wasm_memory_new(
    store: *mut wasm_store_t,
    ty: *const wasm_memorytype_t,
) -> *mut wasm_memory_t {
    let Some(ty) = unsafe_ref(ty) else {
        return ptr::null_mut();
    };
    match with_store(store, |s| Memory::new(s, memory_type(ty))) {
        Some(Ok(m)) => new_extern(store, Extern::Memory(m)).cast(),
        _ => ptr::null_mut(),
    }
}

#[no_mangle]
pub unsafe extern "C" fn wasm_memory_delete(m: *mut wasm_memory_t) {
    // SAFETY: a memory is an extern object given to C as `own`.
    unsafe { crate::wasm_extern_delete(m.cast()) }
}

#[no_mangle]
pub unsafe extern "C" fn wasm_memory_type(m: *const wasm_memory_t) -> *mut wasm_memorytype_t {
    with_memory(m, |m, s| m.try_ty(&*s).ok())
        .flatten()
        .map_or(ptr::null_mut(), |ty| {
            new_externtype(&fayasm::ExternType::Memory(ty)).cast()
        })
}

/// Grows by `delta` pages; false if it cannot.
#[no_mangle]
pub unsafe extern "C" fn wasm_memory_grow(m: *mut wasm_memory_t, delta: u32) -> bool {
    with_memory(m, |m, s| m.grow(s, u64::from(delta)).is_ok()).unwrap_or(false)
}

// ---- trap origins and traces ----

fn new_frame(info: &FrameInfo) -> *mut wasm_frame_t {
    let name = info.func_name().unwrap_or("").as_bytes().to_vec();
    let (size, data) = into_raw_parts(name);
    Box::into_raw(Box::new(wasm_frame_t {
        info: info.clone(),
        name: wasm_byte_vec_t { size, data },
    }))
}

/// The innermost wasm frame of the trap (null if no wasm code raised it).
#[no_mangle]
pub unsafe extern "C" fn wasm_trap_origin(t: *const wasm_trap_t) -> *mut wasm_frame_t {
    unsafe_ref(t)
        .and_then(|t| t.trace.first())
        .map_or(ptr::null_mut(), new_frame)
}

/// The trap's wasm frames, innermost first (at most the engine's backtrace frame count).
#[no_mangle]
pub unsafe extern "C" fn wasm_trap_trace(t: *const wasm_trap_t, out: *mut wasm_frame_vec_t) {
    let Some(out) = unsafe_mut(out) else { return };
    let frames: Vec<*mut wasm_frame_t> = unsafe_ref(t)
        .map(|t| t.trace.iter().map(new_frame).collect())
        .unwrap_or_default();
    let (size, data) = into_raw_parts(frames);
    *out = wasm_frame_vec_t { size, data };
}

#[no_mangle]
pub unsafe extern "C" fn wasm_frame_delete(f: *mut wasm_frame_t) {
    if f.is_null() {
        return;
    }
    // SAFETY: frames are made by `new_frame` and given to C as `own`, deleted once.
    let mut f = unsafe { Box::from_raw(f) };
    // SAFETY: the frame owns its name.
    unsafe { crate::wasm_byte_vec_delete(&mut f.name) };
}

#[no_mangle]
pub unsafe extern "C" fn wasm_frame_copy(f: *const wasm_frame_t) -> *mut wasm_frame_t {
    unsafe_ref(f).map_or(ptr::null_mut(), |f| new_frame(&f.info))
}

/// Always null: a trap does not keep the C instance object its frames ran in.
#[no_mangle]
pub unsafe extern "C" fn wasm_frame_instance(_f: *const wasm_frame_t) -> *mut wasm_instance_t {
    ptr::null_mut()
}

#[no_mangle]
pub unsafe extern "C" fn wasm_frame_func_index(f: *const wasm_frame_t) -> u32 {
    unsafe_ref(f).map_or(0, |f| f.info.func_index())
}

/// The offset from the start of the function's body (0 when unknown).
#[no_mangle]
pub unsafe extern "C" fn wasm_frame_func_offset(f: *const wasm_frame_t) -> usize {
    unsafe_ref(f).map_or(0, |f| f.info.func_offset().unwrap_or(0))
}

/// The offset in the module's binary (0 when unknown).
#[no_mangle]
pub unsafe extern "C" fn wasm_frame_module_offset(f: *const wasm_frame_t) -> usize {
    unsafe_ref(f).map_or(0, |f| f.info.module_offset().unwrap_or(0))
}

/// fayasm.h: the function's name from the module's `name` section (empty if none). Owned by
/// the frame.
#[no_mangle]
pub unsafe extern "C" fn fayasm_frame_func_name(f: *const wasm_frame_t) -> *const wasm_byte_vec_t {
    unsafe_ref(f).map_or(ptr::null(), |f| &f.name)
}

#[no_mangle]
pub unsafe extern "C" fn wasm_frame_vec_new_empty(out: *mut wasm_frame_vec_t) {
    if let Some(out) = unsafe_mut(out) {
        *out = wasm_frame_vec_t {
            size: 0,
            data: ptr::null_mut(),
        };
    }
}

#[no_mangle]
pub unsafe extern "C" fn wasm_frame_vec_delete(vec: *mut wasm_frame_vec_t) {
    if let Some(vec) = unsafe_mut(vec) {
        // SAFETY: frame vectors given to C are made by `into_raw_parts` (or empty) and own
        // their elements.
        for f in unsafe { from_raw_parts(vec.size, vec.data) } {
            // SAFETY: each element is a frame this vector owns.
            unsafe { wasm_frame_delete(f) };
        }
        vec.size = 0;
        vec.data = ptr::null_mut();
    }
}

/// A copy of a trap (message and trace).
#[no_mangle]
pub unsafe extern "C" fn wasm_trap_copy(t: *const wasm_trap_t) -> *mut wasm_trap_t {
    unsafe_ref(t).map_or(ptr::null_mut(), |t| {
        Box::into_raw(Box::new(wasm_trap_t {
            message: t.message.clone(),
            trace: t.trace.clone(),
            host_info: None,
        }))
    })
}

// ---- host information ----

#[no_mangle]
pub unsafe extern "C" fn wasm_instance_get_host_info(i: *const wasm_instance_t) -> *mut c_void {
    unsafe_ref(i)
        .and_then(|i| i.host_info.as_ref())
        .map_or(ptr::null_mut(), |h| h.info)
}

/// Attaches `info` (replacing, and finalizing, any earlier information).
#[no_mangle]
pub unsafe extern "C" fn wasm_instance_set_host_info(i: *mut wasm_instance_t, info: *mut c_void) {
    // SAFETY: the same contract.
    unsafe { wasm_instance_set_host_info_with_finalizer(i, info, None) }
}

/// Attaches `info`; `finalizer` runs with it once, when the instance is deleted (or the
/// information replaced).
#[no_mangle]
pub unsafe extern "C" fn wasm_instance_set_host_info_with_finalizer(
    i: *mut wasm_instance_t,
    info: *mut c_void,
    finalizer: Option<unsafe extern "C" fn(*mut c_void)>,
) {
    if let Some(i) = unsafe_mut(i) {
        i.host_info = Some(HostInfo { info, finalizer });
    }
}

/// `get_host_info`, `set_host_info` and `set_host_info_with_finalizer` for an object type
/// whose objects keep a `host_info` (through `$field`): the information belongs to the C
/// object (a copy starts without); the finalizer runs once, when the object is deleted or
/// the information replaced.
macro_rules! host_info {
    ($($ty:ty, $($field:ident).+, $get:ident $set:ident $set_fin:ident;)*) => {$(
        #[no_mangle]
        pub unsafe extern "C" fn $get(x: *const $ty) -> *mut c_void {
            unsafe_ref(x)
                .and_then(|o| o.$($field).+.as_ref())
                .map_or(ptr::null_mut(), |h| h.info)
        }

        #[no_mangle]
        pub unsafe extern "C" fn $set(x: *mut $ty, info: *mut c_void) {
            // SAFETY: the same contract.
            unsafe { $set_fin(x, info, None) }
        }

        #[no_mangle]
        pub unsafe extern "C" fn $set_fin(
            x: *mut $ty,
            info: *mut c_void,
            finalizer: Option<unsafe extern "C" fn(*mut c_void)>,
        ) {
            if let Some(o) = unsafe_mut(x) {
                // The earlier information, if any, is finalized here.
                o.$($field).+ = Some(HostInfo { info, finalizer });
            }
        }
    )*};
}

host_info! {
    wasm_extern_t, host_info, wasm_extern_get_host_info wasm_extern_set_host_info
        wasm_extern_set_host_info_with_finalizer;
    wasm_ref_t, ext.host_info, wasm_ref_get_host_info wasm_ref_set_host_info
        wasm_ref_set_host_info_with_finalizer;
    wasm_func_t, ext.host_info, wasm_func_get_host_info wasm_func_set_host_info
        wasm_func_set_host_info_with_finalizer;
    wasm_global_t, ext.host_info, wasm_global_get_host_info wasm_global_set_host_info
        wasm_global_set_host_info_with_finalizer;
    wasm_table_t, ext.host_info, wasm_table_get_host_info wasm_table_set_host_info
        wasm_table_set_host_info_with_finalizer;
    wasm_memory_t, ext.host_info, wasm_memory_get_host_info wasm_memory_set_host_info
        wasm_memory_set_host_info_with_finalizer;
    wasm_module_t, host_info, wasm_module_get_host_info wasm_module_set_host_info
        wasm_module_set_host_info_with_finalizer;
    wasm_trap_t, host_info, wasm_trap_get_host_info wasm_trap_set_host_info
        wasm_trap_set_host_info_with_finalizer;
}

// ---- every external object is a reference ----

macro_rules! ref_casts {
    ($($ty:ident $kind:pat, $as_ref:ident $as_ref_const:ident $ref_as:ident $ref_as_const:ident;)*) => {$(
        /// The object as a reference (the same object: a cast).
        #[no_mangle]
        pub unsafe extern "C" fn $as_ref(x: *mut $ty) -> *mut wasm_ref_t {
            x.cast()
        }

        #[no_mangle]
        pub unsafe extern "C" fn $as_ref_const(x: *const $ty) -> *const wasm_ref_t {
            x.cast()
        }

        /// The reference as this kind of object; NULL if it is another kind.
        #[no_mangle]
        pub unsafe extern "C" fn $ref_as(r: *mut wasm_ref_t) -> *mut $ty {
            match unsafe_ref(r) {
                Some(x) if matches!(x.ext.which, $kind) => r.cast(),
                _ => ptr::null_mut(),
            }
        }

        #[no_mangle]
        pub unsafe extern "C" fn $ref_as_const(r: *const wasm_ref_t) -> *const $ty {
            // SAFETY: the same contract.
            unsafe { $ref_as(r.cast_mut()) }.cast_const()
        }
    )*};
}

ref_casts! {
    wasm_extern_t _, wasm_extern_as_ref wasm_extern_as_ref_const wasm_ref_as_extern
        wasm_ref_as_extern_const;
    wasm_global_t Extern::Global(_), wasm_global_as_ref wasm_global_as_ref_const
        wasm_ref_as_global wasm_ref_as_global_const;
    wasm_table_t Extern::Table(_), wasm_table_as_ref wasm_table_as_ref_const wasm_ref_as_table
        wasm_ref_as_table_const;
    wasm_memory_t Extern::Memory(_), wasm_memory_as_ref wasm_memory_as_ref_const
        wasm_ref_as_memory wasm_ref_as_memory_const;
}

// ---- copies and identity of modules, instances and traps ----

/// A new object for the same module (host information not copied).
#[no_mangle]
pub unsafe extern "C" fn wasm_module_copy(m: *const wasm_module_t) -> *mut wasm_module_t {
    unsafe_ref(m).map_or(ptr::null_mut(), |m| {
        Box::into_raw(Box::new(wasm_module_t {
            module: m.module.clone(),
            host_info: None,
        }))
    })
}

/// Whether two objects are the same compiled module (a copy, or one shared and obtained,
/// is; the same bytes compiled twice are not).
#[no_mangle]
pub unsafe extern "C" fn wasm_module_same(
    a: *const wasm_module_t,
    b: *const wasm_module_t,
) -> bool {
    match (unsafe_ref(a), unsafe_ref(b)) {
        // The C API makes modules from bytes in memory only (`bytes()` is `Some`).
        (Some(a), Some(b)) => match (a.module.bytes(), b.module.bytes()) {
            (Some(a), Some(b)) => core::ptr::eq(a, b),
            _ => false,
        },
        (None, None) => true,
        _ => false,
    }
}

/// A new object for the same instance (host information not copied).
#[no_mangle]
pub unsafe extern "C" fn wasm_instance_copy(i: *const wasm_instance_t) -> *mut wasm_instance_t {
    unsafe_ref(i).map_or(ptr::null_mut(), |i| {
        Box::into_raw(Box::new(wasm_instance_t {
            store: i.store,
            instance: i.instance,
            module: i.module.clone(),
            host_info: None,
        }))
    })
}

#[no_mangle]
pub unsafe extern "C" fn wasm_instance_same(
    a: *const wasm_instance_t,
    b: *const wasm_instance_t,
) -> bool {
    match (unsafe_ref(a), unsafe_ref(b)) {
        (Some(a), Some(b)) => a.store == b.store && a.instance == b.instance,
        (None, None) => true,
        _ => false,
    }
}

/// Whether two pointers are the same trap object (a trap's copy is another trap).
#[no_mangle]
pub unsafe extern "C" fn wasm_trap_same(a: *const wasm_trap_t, b: *const wasm_trap_t) -> bool {
    core::ptr::eq(a, b)
}
