//! External types (`wasm_externtype_t` and its five kinds), limits, table, memory and tag
//! types, import and export types, and a module's imports and exports (`wasm_module_imports`,
//! `wasm_module_exports`) and an external's type (`wasm_extern_type`).
//!
//! The five type structs (`wasm_functype_t`, `wasm_globaltype_t`, `wasm_tabletype_t`,
//! `wasm_memorytype_t`, `wasm_tagtype_t`) are `repr(C)` and start with the same `kind` byte, which is all of a
//! `wasm_externtype_t`: so `wasm_functype_as_externtype` and its siblings are pointer casts
//! (as `wasm.h` requires: the result is the same object), and an external type's kind says
//! which struct it is.

use alloc::boxed::Box;
use alloc::vec::Vec;
use core::ptr;

use fayasm::{Extern, ExternType, MemoryType, RefType, TableType};

use crate::host::{
    kind_of_valtype, new_functype, new_globaltype, valtype_of_kind, wasm_functype_copy,
    wasm_functype_delete, wasm_functype_t, wasm_globaltype_copy, wasm_globaltype_delete,
    wasm_globaltype_t, wasm_valtype_t, WASM_EXTERN_FUNC, WASM_EXTERN_GLOBAL, WASM_EXTERN_MEMORY,
    WASM_EXTERN_TABLE, WASM_EXTERN_TAG,
};
use crate::{
    from_raw_parts, into_raw_parts, slice, unsafe_mut, unsafe_ref, wasm_byte_vec_t, wasm_extern_t,
    wasm_module_t,
};

/// `wasm_limits_t`: sizes in pages or elements; `max` is `u32::MAX` for none.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct wasm_limits_t {
    pub min: u32,
    pub max: u32,
}

/// `wasm_externtype_t`: the common head of the five type structs (never made on its own).
#[repr(C)]
pub struct wasm_externtype_t {
    kind: u8,
}

/// `wasm_tabletype_t`.
#[repr(C)]
pub struct wasm_tabletype_t {
    kind: u8,
    element: Box<wasm_valtype_t>,
    limits: wasm_limits_t,
}

/// `wasm_memorytype_t`.
#[repr(C)]
pub struct wasm_memorytype_t {
    kind: u8,
    limits: wasm_limits_t,
}

/// `wasm_tagtype_t`: owns its function type, whose parameters are the values an exception of
/// the tag carries.
#[repr(C)]
pub struct wasm_tagtype_t {
    kind: u8,
    functype: *mut wasm_functype_t,
}

/// `wasm_importtype_t`: owns its names and type.
pub struct wasm_importtype_t {
    module: wasm_byte_vec_t,
    name: wasm_byte_vec_t,
    ty: *mut wasm_externtype_t,
}

/// `wasm_exporttype_t`: owns its name and type.
pub struct wasm_exporttype_t {
    name: wasm_byte_vec_t,
    ty: *mut wasm_externtype_t,
}

/// `wasm_importtype_vec_t`.
#[repr(C)]
pub struct wasm_importtype_vec_t {
    pub(crate) size: usize,
    pub(crate) data: *mut *mut wasm_importtype_t,
}

/// `wasm_exporttype_vec_t`.
#[repr(C)]
pub struct wasm_exporttype_vec_t {
    pub(crate) size: usize,
    pub(crate) data: *mut *mut wasm_exporttype_t,
}

const NO_MAX: u32 = u32::MAX;

fn limits(min: u64, max: Option<u64>) -> wasm_limits_t {
    let clamp = |v: u64| u32::try_from(v).unwrap_or(u32::MAX);
    wasm_limits_t {
        min: clamp(min),
        max: max.map_or(NO_MAX, clamp),
    }
}

fn max_of(l: &wasm_limits_t) -> Option<u64> {
    (l.max != NO_MAX).then_some(u64::from(l.max))
}

fn name(s: &str) -> wasm_byte_vec_t {
    let (size, data) = into_raw_parts(s.as_bytes().to_vec());
    wasm_byte_vec_t { size, data }
}

fn copy_name(n: &wasm_byte_vec_t) -> wasm_byte_vec_t {
    // SAFETY: a byte vector made by this library holds `size` bytes.
    let (size, data) = into_raw_parts(unsafe { slice(n.size, n.data.cast_const()) }.to_vec());
    wasm_byte_vec_t { size, data }
}

/// A new external type object for `ty`.
pub(crate) fn new_externtype(ty: &ExternType) -> *mut wasm_externtype_t {
    match ty {
        ExternType::Func(f) => new_functype(f).cast(),
        ExternType::Global(g) => new_globaltype(g).cast(),
        ExternType::Table(t) => Box::into_raw(Box::new(wasm_tabletype_t {
            kind: WASM_EXTERN_TABLE,
            element: Box::new(wasm_valtype_t::of(
                kind_of_valtype(t.element.into()).unwrap_or(u8::MAX),
            )),
            limits: limits(t.min, t.max),
        }))
        .cast(),
        ExternType::Memory(m) => Box::into_raw(Box::new(wasm_memorytype_t {
            kind: WASM_EXTERN_MEMORY,
            limits: limits(m.min, m.max),
        }))
        .cast(),
        ExternType::Tag(t) => Box::into_raw(Box::new(wasm_tagtype_t {
            kind: WASM_EXTERN_TAG,
            functype: new_functype(t.func_type()),
        }))
        .cast(),
    }
}

/// The engine's table type of a `wasm_tabletype_t` (`None` for an element kind that is not
/// a reference).
pub(crate) fn table_type(t: &wasm_tabletype_t) -> Option<TableType> {
    let element = match valtype_of_kind(t.element.kind())? {
        fayasm::ValType::FuncRef => RefType::FuncRef,
        fayasm::ValType::ExternRef => RefType::ExternRef,
        _ => return None,
    };
    Some(TableType::new(
        element,
        u64::from(t.limits.min),
        max_of(&t.limits),
    ))
}

/// The engine's memory type of a `wasm_memorytype_t`.
pub(crate) fn memory_type(m: &wasm_memorytype_t) -> MemoryType {
    MemoryType::new(u64::from(m.limits.min), max_of(&m.limits))
}

// ---- table and memory types ----

/// Takes over `element`.
#[no_mangle]
pub unsafe extern "C" fn wasm_tabletype_new(
    element: *mut wasm_valtype_t,
    limits: *const wasm_limits_t,
) -> *mut wasm_tabletype_t {
    let Some(l) = unsafe_ref(limits) else {
        return ptr::null_mut();
    };
    if element.is_null() {
        return ptr::null_mut();
    }
    // SAFETY: `element` is an `own` value type made by this library (wasm.h).
    let element = unsafe { Box::from_raw(element) };
    Box::into_raw(Box::new(wasm_tabletype_t {
        kind: WASM_EXTERN_TABLE,
        element,
        limits: *l,
    }))
}

#[no_mangle]
pub unsafe extern "C" fn wasm_tabletype_delete(ty: *mut wasm_tabletype_t) {
    if !ty.is_null() {
        // SAFETY: made by this library and given to C as `own`, deleted once.
        drop(unsafe { Box::from_raw(ty) });
    }
}

#[no_mangle]
pub unsafe extern "C" fn wasm_tabletype_copy(ty: *const wasm_tabletype_t) -> *mut wasm_tabletype_t {
    let Some(t) = unsafe_ref(ty) else {
        return ptr::null_mut();
    };
    Box::into_raw(Box::new(wasm_tabletype_t {
        kind: WASM_EXTERN_TABLE,
        element: Box::new(wasm_valtype_t::of(t.element.kind())),
        limits: t.limits,
    }))
}

#[no_mangle]
pub unsafe extern "C" fn wasm_tabletype_element(
    ty: *const wasm_tabletype_t,
) -> *const wasm_valtype_t {
    unsafe_ref(ty).map_or(ptr::null(), |t| &*t.element)
}

#[no_mangle]
pub unsafe extern "C" fn wasm_tabletype_limits(
    ty: *const wasm_tabletype_t,
) -> *const wasm_limits_t {
    unsafe_ref(ty).map_or(ptr::null(), |t| &t.limits)
}

#[no_mangle]
pub unsafe extern "C" fn wasm_memorytype_new(
    limits: *const wasm_limits_t,
) -> *mut wasm_memorytype_t {
    let Some(l) = unsafe_ref(limits) else {
        return ptr::null_mut();
    };
    Box::into_raw(Box::new(wasm_memorytype_t {
        kind: WASM_EXTERN_MEMORY,
        limits: *l,
    }))
}

#[no_mangle]
pub unsafe extern "C" fn wasm_memorytype_delete(ty: *mut wasm_memorytype_t) {
    if !ty.is_null() {
        // SAFETY: made by this library and given to C as `own`, deleted once.
        drop(unsafe { Box::from_raw(ty) });
    }
}

#[no_mangle]
pub unsafe extern "C" fn wasm_memorytype_copy(
    ty: *const wasm_memorytype_t,
) -> *mut wasm_memorytype_t {
    // SAFETY: the same contract.
    unsafe_ref(ty).map_or(ptr::null_mut(), |t| unsafe {
        wasm_memorytype_new(&t.limits)
    })
}

#[no_mangle]
pub unsafe extern "C" fn wasm_memorytype_limits(
    ty: *const wasm_memorytype_t,
) -> *const wasm_limits_t {
    unsafe_ref(ty).map_or(ptr::null(), |t| &t.limits)
}

// ---- tag types ----

/// Takes over `functype`.
#[no_mangle]
pub unsafe extern "C" fn wasm_tagtype_new(functype: *mut wasm_functype_t) -> *mut wasm_tagtype_t {
    if functype.is_null() {
        return ptr::null_mut();
    }
    Box::into_raw(Box::new(wasm_tagtype_t {
        kind: WASM_EXTERN_TAG,
        functype,
    }))
}

#[no_mangle]
pub unsafe extern "C" fn wasm_tagtype_delete(ty: *mut wasm_tagtype_t) {
    if !ty.is_null() {
        // SAFETY: made by this library and given to C as `own`, deleted once; it owns its
        // function type, made by this library too.
        unsafe { wasm_functype_delete(Box::from_raw(ty).functype) };
    }
}

#[no_mangle]
pub unsafe extern "C" fn wasm_tagtype_copy(ty: *const wasm_tagtype_t) -> *mut wasm_tagtype_t {
    // SAFETY: a tag type's function type is a live one of this library's.
    unsafe_ref(ty).map_or(ptr::null_mut(), |t| unsafe {
        wasm_tagtype_new(wasm_functype_copy(t.functype))
    })
}

#[no_mangle]
pub unsafe extern "C" fn wasm_tagtype_functype(
    ty: *const wasm_tagtype_t,
) -> *const wasm_functype_t {
    unsafe_ref(ty).map_or(ptr::null(), |t| t.functype.cast_const())
}

// ---- external types ----

#[no_mangle]
pub unsafe extern "C" fn wasm_externtype_kind(ty: *const wasm_externtype_t) -> u8 {
    unsafe_ref(ty).map_or(WASM_EXTERN_FUNC, |t| t.kind)
}

#[no_mangle]
pub unsafe extern "C" fn wasm_externtype_delete(ty: *mut wasm_externtype_t) {
    let Some(t) = unsafe_ref(ty) else { return };
    // SAFETY: an external type is one of the five type structs, which its kind names (they
    // all start with it); each delete takes back its own box.
    unsafe {
        match t.kind {
            WASM_EXTERN_FUNC => wasm_functype_delete(ty.cast()),
            WASM_EXTERN_GLOBAL => wasm_globaltype_delete(ty.cast()),
            WASM_EXTERN_TABLE => wasm_tabletype_delete(ty.cast()),
            WASM_EXTERN_TAG => wasm_tagtype_delete(ty.cast()),
            _ => wasm_memorytype_delete(ty.cast()),
        }
    }
}

#[no_mangle]
pub unsafe extern "C" fn wasm_externtype_copy(
    ty: *const wasm_externtype_t,
) -> *mut wasm_externtype_t {
    let Some(t) = unsafe_ref(ty) else {
        return ptr::null_mut();
    };
    // SAFETY: as in `wasm_externtype_delete`: the kind names the struct.
    unsafe {
        match t.kind {
            WASM_EXTERN_FUNC => wasm_functype_copy(ty.cast()).cast(),
            WASM_EXTERN_GLOBAL => wasm_globaltype_copy(ty.cast()).cast(),
            WASM_EXTERN_TABLE => wasm_tabletype_copy(ty.cast()).cast(),
            WASM_EXTERN_TAG => wasm_tagtype_copy(ty.cast()).cast(),
            _ => wasm_memorytype_copy(ty.cast()).cast(),
        }
    }
}

macro_rules! externtype_casts {
    ($($ty:ident $kind:ident $as_ext:ident $as_ext_const:ident $from:ident $from_const:ident;)*) => {$(
        #[no_mangle]
        pub unsafe extern "C" fn $as_ext(ty: *mut $ty) -> *mut wasm_externtype_t {
            ty.cast()
        }

        #[no_mangle]
        pub unsafe extern "C" fn $as_ext_const(ty: *const $ty) -> *const wasm_externtype_t {
            ty.cast()
        }

        #[no_mangle]
        pub unsafe extern "C" fn $from(ty: *mut wasm_externtype_t) -> *mut $ty {
            match unsafe_ref(ty) {
                Some(t) if t.kind == $kind => ty.cast(),
                _ => ptr::null_mut(),
            }
        }

        #[no_mangle]
        pub unsafe extern "C" fn $from_const(ty: *const wasm_externtype_t) -> *const $ty {
            match unsafe_ref(ty) {
                Some(t) if t.kind == $kind => ty.cast(),
                _ => ptr::null(),
            }
        }
    )*};
}

externtype_casts! {
    wasm_functype_t WASM_EXTERN_FUNC wasm_functype_as_externtype wasm_functype_as_externtype_const
        wasm_externtype_as_functype wasm_externtype_as_functype_const;
    wasm_globaltype_t WASM_EXTERN_GLOBAL wasm_globaltype_as_externtype
        wasm_globaltype_as_externtype_const wasm_externtype_as_globaltype
        wasm_externtype_as_globaltype_const;
    wasm_tabletype_t WASM_EXTERN_TABLE wasm_tabletype_as_externtype
        wasm_tabletype_as_externtype_const wasm_externtype_as_tabletype
        wasm_externtype_as_tabletype_const;
    wasm_memorytype_t WASM_EXTERN_MEMORY wasm_memorytype_as_externtype
        wasm_memorytype_as_externtype_const wasm_externtype_as_memorytype
        wasm_externtype_as_memorytype_const;
    wasm_tagtype_t WASM_EXTERN_TAG wasm_tagtype_as_externtype wasm_tagtype_as_externtype_const
        wasm_externtype_as_tagtype wasm_externtype_as_tagtype_const;
}

/// The type of an external (null for a null pointer).
#[no_mangle]
pub unsafe extern "C" fn wasm_extern_type(ext: *const wasm_extern_t) -> *mut wasm_externtype_t {
    let Some(e) = unsafe_ref(ext) else {
        return ptr::null_mut();
    };
    let ty = crate::store::with_store(e.store, |s| {
        let s = &*s;
        match e.which {
            Extern::Func(f) => f.try_ty(s).map(ExternType::Func),
            Extern::Global(g) => g.try_ty(s).map(ExternType::Global),
            Extern::Table(t) => t.try_ty(s).map(ExternType::Table),
            Extern::Memory(m) => m.try_ty(s).map(ExternType::Memory),
            Extern::Tag(t) => t.try_ty(s).map(ExternType::Tag),
        }
    });
    match ty {
        Some(Ok(t)) => new_externtype(&t),
        _ => ptr::null_mut(),
    }
}

// ---- import and export types ----

/// Takes over `module`, `name` and `ty`.
#[no_mangle]
pub unsafe extern "C" fn wasm_importtype_new(
    module: *mut wasm_byte_vec_t,
    name: *mut wasm_byte_vec_t,
    ty: *mut wasm_externtype_t,
) -> *mut wasm_importtype_t {
    let (Some(module), Some(name)) = (unsafe_mut(module), unsafe_mut(name)) else {
        return ptr::null_mut();
    };
    let empty = || wasm_byte_vec_t {
        size: 0,
        data: ptr::null_mut(),
    };
    Box::into_raw(Box::new(wasm_importtype_t {
        module: core::mem::replace(module, empty()),
        name: core::mem::replace(name, empty()),
        ty,
    }))
}

#[no_mangle]
pub unsafe extern "C" fn wasm_importtype_delete(it: *mut wasm_importtype_t) {
    if it.is_null() {
        return;
    }
    // SAFETY: made by this library and given to C as `own`, deleted once; it owns its parts.
    let mut it = unsafe { Box::from_raw(it) };
    // SAFETY: the import type owns its names and type.
    unsafe {
        crate::wasm_byte_vec_delete(&mut it.module);
        crate::wasm_byte_vec_delete(&mut it.name);
        wasm_externtype_delete(it.ty);
    }
}

#[no_mangle]
pub unsafe extern "C" fn wasm_importtype_copy(
    it: *const wasm_importtype_t,
) -> *mut wasm_importtype_t {
    let Some(it) = unsafe_ref(it) else {
        return ptr::null_mut();
    };
    Box::into_raw(Box::new(wasm_importtype_t {
        module: copy_name(&it.module),
        name: copy_name(&it.name),
        // SAFETY: the import type's own type.
        ty: unsafe { wasm_externtype_copy(it.ty) },
    }))
}

#[no_mangle]
pub unsafe extern "C" fn wasm_importtype_module(
    it: *const wasm_importtype_t,
) -> *const wasm_byte_vec_t {
    unsafe_ref(it).map_or(ptr::null(), |i| &i.module)
}

#[no_mangle]
pub unsafe extern "C" fn wasm_importtype_name(
    it: *const wasm_importtype_t,
) -> *const wasm_byte_vec_t {
    unsafe_ref(it).map_or(ptr::null(), |i| &i.name)
}

#[no_mangle]
pub unsafe extern "C" fn wasm_importtype_type(
    it: *const wasm_importtype_t,
) -> *const wasm_externtype_t {
    unsafe_ref(it).map_or(ptr::null(), |i| i.ty.cast_const())
}

/// Takes over `name` and `ty`.
#[no_mangle]
pub unsafe extern "C" fn wasm_exporttype_new(
    name: *mut wasm_byte_vec_t,
    ty: *mut wasm_externtype_t,
) -> *mut wasm_exporttype_t {
    let Some(name) = unsafe_mut(name) else {
        return ptr::null_mut();
    };
    let name = core::mem::replace(
        name,
        wasm_byte_vec_t {
            size: 0,
            data: ptr::null_mut(),
        },
    );
    Box::into_raw(Box::new(wasm_exporttype_t { name, ty }))
}

#[no_mangle]
pub unsafe extern "C" fn wasm_exporttype_delete(et: *mut wasm_exporttype_t) {
    if et.is_null() {
        return;
    }
    // SAFETY: made by this library and given to C as `own`, deleted once; it owns its parts.
    let mut et = unsafe { Box::from_raw(et) };
    // SAFETY: the export type owns its name and type.
    unsafe {
        crate::wasm_byte_vec_delete(&mut et.name);
        wasm_externtype_delete(et.ty);
    }
}

#[no_mangle]
pub unsafe extern "C" fn wasm_exporttype_copy(
    et: *const wasm_exporttype_t,
) -> *mut wasm_exporttype_t {
    let Some(et) = unsafe_ref(et) else {
        return ptr::null_mut();
    };
    Box::into_raw(Box::new(wasm_exporttype_t {
        name: copy_name(&et.name),
        // SAFETY: the export type's own type.
        ty: unsafe { wasm_externtype_copy(et.ty) },
    }))
}

#[no_mangle]
pub unsafe extern "C" fn wasm_exporttype_name(
    et: *const wasm_exporttype_t,
) -> *const wasm_byte_vec_t {
    unsafe_ref(et).map_or(ptr::null(), |e| &e.name)
}

#[no_mangle]
pub unsafe extern "C" fn wasm_exporttype_type(
    et: *const wasm_exporttype_t,
) -> *const wasm_externtype_t {
    unsafe_ref(et).map_or(ptr::null(), |e| e.ty.cast_const())
}

#[no_mangle]
pub unsafe extern "C" fn wasm_importtype_vec_new_empty(out: *mut wasm_importtype_vec_t) {
    if let Some(out) = unsafe_mut(out) {
        *out = wasm_importtype_vec_t {
            size: 0,
            data: ptr::null_mut(),
        };
    }
}

#[no_mangle]
pub unsafe extern "C" fn wasm_importtype_vec_delete(vec: *mut wasm_importtype_vec_t) {
    if let Some(vec) = unsafe_mut(vec) {
        // SAFETY: vectors given to C are made by `into_raw_parts` (or empty) and own their
        // elements.
        for it in unsafe { from_raw_parts(vec.size, vec.data) } {
            // SAFETY: each element is an import type this vector owns.
            unsafe { wasm_importtype_delete(it) };
        }
        vec.size = 0;
        vec.data = ptr::null_mut();
    }
}

#[no_mangle]
pub unsafe extern "C" fn wasm_exporttype_vec_new_empty(out: *mut wasm_exporttype_vec_t) {
    if let Some(out) = unsafe_mut(out) {
        *out = wasm_exporttype_vec_t {
            size: 0,
            data: ptr::null_mut(),
        };
    }
}

#[no_mangle]
pub unsafe extern "C" fn wasm_exporttype_vec_delete(vec: *mut wasm_exporttype_vec_t) {
    if let Some(vec) = unsafe_mut(vec) {
        // SAFETY: as for import type vectors.
        for et in unsafe { from_raw_parts(vec.size, vec.data) } {
            // SAFETY: each element is an export type this vector owns.
            unsafe { wasm_exporttype_delete(et) };
        }
        vec.size = 0;
        vec.data = ptr::null_mut();
    }
}

/// The module's imports, in order.
#[no_mangle]
pub unsafe extern "C" fn wasm_module_imports(
    module: *const wasm_module_t,
    out: *mut wasm_importtype_vec_t,
) {
    let Some(out) = unsafe_mut(out) else { return };
    let items: Vec<*mut wasm_importtype_t> = unsafe_ref(module)
        .map(|m| {
            m.module
                .imports()
                .map(|i| {
                    Box::into_raw(Box::new(wasm_importtype_t {
                        module: name(&i.module),
                        name: name(&i.name),
                        ty: new_externtype(&i.ty),
                    }))
                })
                .collect()
        })
        .unwrap_or_default();
    let (size, data) = into_raw_parts(items);
    *out = wasm_importtype_vec_t { size, data };
}

/// The module's exports, in order.
#[no_mangle]
pub unsafe extern "C" fn wasm_module_exports(
    module: *const wasm_module_t,
    out: *mut wasm_exporttype_vec_t,
) {
    let Some(out) = unsafe_mut(out) else { return };
    let items: Vec<*mut wasm_exporttype_t> = unsafe_ref(module)
        .map(|m| {
            m.module
                .exports()
                .map(|e| {
                    Box::into_raw(Box::new(wasm_exporttype_t {
                        name: name(&e.name),
                        ty: new_externtype(&e.ty),
                    }))
                })
                .collect()
        })
        .unwrap_or_default();
    let (size, data) = into_raw_parts(items);
    *out = wasm_exporttype_vec_t { size, data };
}
