//! The WebAssembly C API (`wasm.h`) over fayasm (issue 21): 257 of the standard's 293
//! functions (`c-api/README.md` lists what is left out, and why), plus `fayasm.h`. The
//! header is `include/wasm.h`, written from the WebAssembly C API project's published
//! `wasm.h` and declaring only what is implemented here.
//!
//! Ownership follows `wasm.h`: what a function returns as `own` is the caller's to delete with
//! the matching `_delete`; vectors own their elements. Every object made from a store keeps a
//! pointer to it, as `wasm_func_call` takes no store, so a store must outlive its objects
//! (ARCHITECTURE.md, invariant "C API objects never outlive their store"). Null pointers are
//! refused (a null result, `false`, or nothing done), never dereferenced; nothing here panics
//! across the C boundary.
#![cfg_attr(not(feature = "std"), no_std)]
#![allow(non_camel_case_types, clippy::missing_safety_doc)]

extern crate alloc;

use alloc::boxed::Box;
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec;
use alloc::vec::Vec;
use core::ffi::c_void;
use core::ptr;

use fayasm::{Engine, Error, Extern, FrameInfo, Func, Instance, Memory, Module, Store, Val};

mod fayasm_ext;
mod host;
mod objects;
#[cfg(all(not(feature = "std"), not(test)))]
mod runtime;
mod store;
mod types;
mod vecs;
pub use fayasm_ext::*;
pub use host::*;
pub use objects::*;
pub use store::wasm_store_t;
use store::{with_store, BUSY};
pub use types::*;
pub use vecs::*;
#[cfg(feature = "std")]
mod wasi;
#[cfg(feature = "std")]
pub use wasi::*;

/// An engine.
pub struct wasm_engine_t {
    engine: Engine,
}

/// A validated module.
pub struct wasm_module_t {
    module: Module,
    host_info: Option<objects::HostInfo>,
}

/// An external of a store: a function, memory, table or global.
pub struct wasm_extern_t {
    store: *mut wasm_store_t,
    which: Extern,
    /// What C attached to this object (`wasm_func_set_host_info`, ...); a copy starts
    /// without.
    host_info: Option<objects::HostInfo>,
}

/// A function: a [`wasm_extern_t`] that holds one (`wasm_extern_as_func`).
#[repr(transparent)]
pub struct wasm_func_t {
    ext: wasm_extern_t,
}

/// A memory: a [`wasm_extern_t`] that holds one (`wasm_extern_as_memory`).
#[repr(transparent)]
pub struct wasm_memory_t {
    ext: wasm_extern_t,
}

/// An instance, with the module it was made from (for its export order) and the host
/// information C attached (`wasm_instance_set_host_info_with_finalizer`).
pub struct wasm_instance_t {
    store: *mut wasm_store_t,
    instance: Instance,
    module: Module,
    host_info: Option<objects::HostInfo>,
}

/// A trap, or an error reported as one (`wasm.h` has no other error channel), with the wasm
/// frames of a trap raised in wasm code (`wasm_trap_trace`).
pub struct wasm_trap_t {
    message: String,
    trace: Vec<FrameInfo>,
    host_info: Option<objects::HostInfo>,
}

/// `wasm_byte_vec_t`.
#[repr(C)]
pub struct wasm_byte_vec_t {
    size: usize,
    data: *mut u8,
}

/// The payload of a `wasm_val_t`.
#[repr(C)]
#[derive(Clone, Copy)]
pub union wasm_val_union {
    i32: i32,
    i64: i64,
    f32: f32,
    f64: f64,
    ref_: *mut c_void,
}

/// `wasm_val_t`.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct wasm_val_t {
    kind: u8,
    of: wasm_val_union,
}

/// `wasm_val_vec_t`.
#[repr(C)]
pub struct wasm_val_vec_t {
    size: usize,
    data: *mut wasm_val_t,
}

/// `wasm_extern_vec_t`.
#[repr(C)]
pub struct wasm_extern_vec_t {
    size: usize,
    data: *mut *mut wasm_extern_t,
}

const WASM_I32: u8 = 0;
const WASM_I64: u8 = 1;
const WASM_F32: u8 = 2;
const WASM_F64: u8 = 3;

fn trap(message: impl Into<String>) -> *mut wasm_trap_t {
    Box::into_raw(Box::new(wasm_trap_t {
        message: message.into(),
        trace: Vec::new(),
        host_info: None,
    }))
}

fn error_trap(e: Error) -> *mut wasm_trap_t {
    match e {
        Error::Trap(t) => Box::into_raw(Box::new(wasm_trap_t {
            message: t.to_string(),
            trace: t.trace().to_vec(),
            host_info: None,
        })),
        e => trap(e.to_string()),
    }
}

/// A vector's elements as a boxed slice handed to C: `(size, data)`, data null when empty.
fn into_raw_parts<T>(items: Vec<T>) -> (usize, *mut T) {
    if items.is_empty() {
        return (0, ptr::null_mut());
    }
    let boxed = items.into_boxed_slice();
    let size = boxed.len();
    (size, Box::into_raw(boxed).cast::<T>())
}

/// Takes back a vector made by [`into_raw_parts`].
///
/// # Safety
/// `(size, data)` came from `into_raw_parts::<T>` and was not freed since.
unsafe fn from_raw_parts<T>(size: usize, data: *mut T) -> Vec<T> {
    if data.is_null() || size == 0 {
        return Vec::new();
    }
    // SAFETY: by the contract above (invariant "C API objects never outlive their store":
    // vectors are ours and freed once), `data` is a boxed slice of `size` elements.
    unsafe { Box::from_raw(ptr::slice_from_raw_parts_mut(data, size)) }.into_vec()
}

/// The elements of a C vector, as a slice (empty for a null or empty vector).
///
/// # Safety
/// `data` points to `size` initialised elements that outlive `'a`.
unsafe fn slice<'a, T>(size: usize, data: *const T) -> &'a [T] {
    if data.is_null() || size == 0 {
        return &[];
    }
    // SAFETY: by the contract above (wasm.h: a vector's `size` counts its `data`).
    unsafe { core::slice::from_raw_parts(data, size) }
}

// ---- byte vectors ----

#[no_mangle]
pub unsafe extern "C" fn wasm_byte_vec_new_empty(out: *mut wasm_byte_vec_t) {
    if let Some(out) = unsafe_mut(out) {
        *out = wasm_byte_vec_t {
            size: 0,
            data: ptr::null_mut(),
        };
    }
}

#[no_mangle]
pub unsafe extern "C" fn wasm_byte_vec_new_uninitialized(out: *mut wasm_byte_vec_t, size: usize) {
    if let Some(out) = unsafe_mut(out) {
        let (size, data) = into_raw_parts(vec![0u8; size]);
        *out = wasm_byte_vec_t { size, data };
    }
}

#[no_mangle]
pub unsafe extern "C" fn wasm_byte_vec_new(
    out: *mut wasm_byte_vec_t,
    size: usize,
    data: *const u8,
) {
    // SAFETY: wasm.h: `data` holds `size` bytes.
    let bytes = unsafe { slice(size, data) }.to_vec();
    if let Some(out) = unsafe_mut(out) {
        let (size, data) = into_raw_parts(bytes);
        *out = wasm_byte_vec_t { size, data };
    }
}

#[no_mangle]
pub unsafe extern "C" fn wasm_byte_vec_copy(
    out: *mut wasm_byte_vec_t,
    src: *const wasm_byte_vec_t,
) {
    let Some(src) = unsafe_ref(src) else { return };
    // SAFETY: `src` is a byte vector (wasm.h), so its data holds `size` bytes.
    unsafe { wasm_byte_vec_new(out, src.size, src.data) }
}

#[no_mangle]
pub unsafe extern "C" fn wasm_byte_vec_delete(vec: *mut wasm_byte_vec_t) {
    if let Some(vec) = unsafe_mut(vec) {
        // SAFETY: byte vectors given to C are made by `into_raw_parts` (or empty).
        drop(unsafe { from_raw_parts(vec.size, vec.data) });
        vec.size = 0;
        vec.data = ptr::null_mut();
    }
}

// ---- engine and store ----

#[no_mangle]
pub extern "C" fn wasm_engine_new() -> *mut wasm_engine_t {
    Box::into_raw(Box::new(wasm_engine_t {
        engine: Engine::default(),
    }))
}

#[no_mangle]
pub unsafe extern "C" fn wasm_engine_delete(engine: *mut wasm_engine_t) {
    if !engine.is_null() {
        // SAFETY: made by `wasm_engine_new`, deleted once (wasm.h ownership).
        drop(unsafe { Box::from_raw(engine) });
    }
}

#[no_mangle]
pub unsafe extern "C" fn wasm_store_new(engine: *mut wasm_engine_t) -> *mut wasm_store_t {
    let Some(engine) = unsafe_ref(engine) else {
        return ptr::null_mut();
    };
    wasm_store_t::new_raw(Store::new(&engine.engine, store::HostData::default()))
}

/// Deletes the store (not while it is in use: a callback cannot delete its own store).
#[no_mangle]
pub unsafe extern "C" fn wasm_store_delete(store: *mut wasm_store_t) {
    // SAFETY: made by `wasm_store_new`, deleted once, after its objects (invariant "C API
    // objects never outlive their store").
    unsafe { store::delete(store) }
}

// ---- values ----

#[no_mangle]
pub unsafe extern "C" fn wasm_val_vec_new_empty(out: *mut wasm_val_vec_t) {
    if let Some(out) = unsafe_mut(out) {
        *out = wasm_val_vec_t {
            size: 0,
            data: ptr::null_mut(),
        };
    }
}

#[no_mangle]
pub unsafe extern "C" fn wasm_val_vec_new_uninitialized(out: *mut wasm_val_vec_t, size: usize) {
    let zero = wasm_val_t {
        kind: WASM_I32,
        of: wasm_val_union { i64: 0 },
    };
    if let Some(out) = unsafe_mut(out) {
        let (size, data) = into_raw_parts(vec![zero; size]);
        *out = wasm_val_vec_t { size, data };
    }
}

#[no_mangle]
pub unsafe extern "C" fn wasm_val_vec_new(
    out: *mut wasm_val_vec_t,
    size: usize,
    data: *const wasm_val_t,
) {
    // SAFETY: wasm.h: `data` holds `size` values.
    let vals = unsafe { slice(size, data) }.to_vec();
    if let Some(out) = unsafe_mut(out) {
        let (size, data) = into_raw_parts(vals);
        *out = wasm_val_vec_t { size, data };
    }
}

/// Deletes the vector and the references its values own.
#[no_mangle]
pub unsafe extern "C" fn wasm_val_vec_delete(vec: *mut wasm_val_vec_t) {
    if let Some(vec) = unsafe_mut(vec) {
        // SAFETY: value vectors given to C are made by `into_raw_parts` (or empty).
        for mut v in unsafe { from_raw_parts(vec.size, vec.data) } {
            // SAFETY: each value is owned by the vector.
            unsafe { wasm_val_delete(&mut v) };
        }
        vec.size = 0;
        vec.data = ptr::null_mut();
    }
}

/// A copy of the vector (references copied too).
#[no_mangle]
pub unsafe extern "C" fn wasm_val_vec_copy(out: *mut wasm_val_vec_t, src: *const wasm_val_vec_t) {
    let (Some(out), Some(src)) = (unsafe_mut(out), unsafe_ref(src)) else {
        return;
    };
    // SAFETY: a value vector's data holds `size` values (wasm.h).
    let vals: Vec<wasm_val_t> = unsafe { slice(src.size, src.data.cast_const()) }
        .iter()
        .map(|v| {
            let mut c = *v;
            // SAFETY: `v` is a valid value; `c` receives its copy.
            unsafe { wasm_val_copy(&mut c, v) };
            c
        })
        .collect();
    let (size, data) = into_raw_parts(vals);
    *out = wasm_val_vec_t { size, data };
}

/// Deletes the reference a value owns (nothing for numbers).
#[no_mangle]
pub unsafe extern "C" fn wasm_val_delete(v: *mut wasm_val_t) {
    let Some(v) = unsafe_mut(v) else { return };
    if v.kind == WASM_FUNCREF || v.kind == WASM_EXTERNREF {
        // SAFETY: a reference value's `ref` member is null or a reference it owns.
        unsafe { objects::wasm_ref_delete(v.of.ref_.cast()) };
        v.of.ref_ = ptr::null_mut();
    }
}

/// Copies `src` into `out` (a reference is copied, owned by `out`).
#[no_mangle]
pub unsafe extern "C" fn wasm_val_copy(out: *mut wasm_val_t, src: *const wasm_val_t) {
    let (Some(out), Some(src)) = (unsafe_mut(out), unsafe_ref(src)) else {
        return;
    };
    *out = *src;
    if src.kind == WASM_FUNCREF || src.kind == WASM_EXTERNREF {
        // SAFETY: a reference value's `ref` member is null or a reference.
        out.of.ref_ = unsafe { objects::wasm_ref_copy(src.of.ref_.cast_const().cast()) }.cast();
    }
}

pub(crate) const WASM_EXTERNREF: u8 = 128;
pub(crate) const WASM_FUNCREF: u8 = 129;

/// The engine's value of a `wasm_val_t` (which keeps its reference, if any).
fn to_val(v: &wasm_val_t) -> Result<Val, String> {
    // SAFETY: the union is read as the member its `kind` names (wasm.h's rule); every member
    // is plain data.
    unsafe {
        match v.kind {
            WASM_I32 => Ok(Val::I32(v.of.i32)),
            WASM_I64 => Ok(Val::I64(v.of.i64)),
            WASM_F32 => Ok(Val::F32(v.of.f32.to_bits())),
            WASM_F64 => Ok(Val::F64(v.of.f64.to_bits())),
            WASM_FUNCREF => {
                match unsafe_ref(v.of.ref_.cast_const().cast::<objects::wasm_ref_t>()) {
                    None => Ok(Val::FuncRef(None)),
                    Some(r) => match r.ext.which {
                        Extern::Func(f) => Ok(Val::FuncRef(Some(f))),
                        _ => Err("a funcref value that is not a function".into()),
                    },
                }
            }
            WASM_EXTERNREF if v.of.ref_.is_null() => Ok(Val::ExternRef(None)),
            WASM_EXTERNREF => {
                Err("externref values other than null are not supported by fayasm's C API".into())
            }
            k => Err(format!("value kind {k} is not supported by fayasm's C API")),
        }
    }
}

/// A `wasm_val_t` of `v`; a function reference becomes a new `wasm_ref_t` of `store`, which
/// the value owns.
fn from_val(v: &Val, store: *mut wasm_store_t) -> Result<wasm_val_t, String> {
    let (kind, of) = match *v {
        Val::I32(i) => (WASM_I32, wasm_val_union { i32: i }),
        Val::I64(i) => (WASM_I64, wasm_val_union { i64: i }),
        Val::F32(bits) => (
            WASM_F32,
            wasm_val_union {
                f32: f32::from_bits(bits),
            },
        ),
        Val::F64(bits) => (
            WASM_F64,
            wasm_val_union {
                f64: f64::from_bits(bits),
            },
        ),
        Val::FuncRef(f) => (
            WASM_FUNCREF,
            wasm_val_union {
                ref_: f.map_or(ptr::null_mut(), |f| {
                    new_extern(store, Extern::Func(f)).cast()
                }),
            },
        ),
        Val::ExternRef(None) => (
            WASM_EXTERNREF,
            wasm_val_union {
                ref_: ptr::null_mut(),
            },
        ),
        ref v => {
            return Err(format!(
                "{} values are not supported by fayasm's C API",
                v.ty()
            ))
        }
    };
    Ok(wasm_val_t { kind, of })
}

// ---- traps ----

#[no_mangle]
pub unsafe extern "C" fn wasm_trap_delete(trap: *mut wasm_trap_t) {
    if !trap.is_null() {
        // SAFETY: traps are made by `trap` and given to C as `own`, deleted once.
        drop(unsafe { Box::from_raw(trap) });
    }
}

#[no_mangle]
pub unsafe extern "C" fn wasm_trap_message(trap: *const wasm_trap_t, out: *mut wasm_byte_vec_t) {
    let Some(trap) = unsafe_ref(trap) else { return };
    if let Some(out) = unsafe_mut(out) {
        let mut bytes = trap.message.as_bytes().to_vec();
        bytes.push(0);
        let (size, data) = into_raw_parts(bytes);
        *out = wasm_byte_vec_t { size, data };
    }
}

// ---- modules ----

/// The bytes of a byte vector.
///
/// # Safety
/// `binary` is null or a valid byte vector.
unsafe fn bytes<'a>(binary: *const wasm_byte_vec_t) -> Option<&'a [u8]> {
    let binary = unsafe_ref(binary)?;
    // SAFETY: a byte vector's data holds `size` bytes (wasm.h).
    Some(unsafe { slice(binary.size, binary.data.cast_const()) })
}

#[no_mangle]
pub unsafe extern "C" fn wasm_module_new(
    store: *mut wasm_store_t,
    binary: *const wasm_byte_vec_t,
) -> *mut wasm_module_t {
    // SAFETY: `binary` is null or a byte vector (wasm.h).
    let bytes = unsafe { bytes(binary) };
    let Some(bytes) = bytes else {
        return ptr::null_mut();
    };
    match with_store(store, |s| Module::new(s.engine(), bytes)) {
        Some(Ok(module)) => Box::into_raw(Box::new(wasm_module_t {
            module,
            host_info: None,
        })),
        _ => ptr::null_mut(),
    }
}

#[no_mangle]
pub unsafe extern "C" fn wasm_module_validate(
    store: *mut wasm_store_t,
    binary: *const wasm_byte_vec_t,
) -> bool {
    // SAFETY: `binary` is null or a byte vector (wasm.h).
    let bytes = unsafe { bytes(binary) };
    let Some(bytes) = bytes else {
        return false;
    };
    with_store(store, |s| Module::new(s.engine(), bytes).is_ok()).unwrap_or(false)
}

#[no_mangle]
pub unsafe extern "C" fn wasm_module_delete(module: *mut wasm_module_t) {
    if !module.is_null() {
        // SAFETY: made by `wasm_module_new`, deleted once.
        drop(unsafe { Box::from_raw(module) });
    }
}

// ---- externs and functions ----

fn new_extern(store: *mut wasm_store_t, which: Extern) -> *mut wasm_extern_t {
    Box::into_raw(Box::new(wasm_extern_t {
        store,
        which,
        host_info: None,
    }))
}

#[no_mangle]
pub unsafe extern "C" fn wasm_extern_vec_new_empty(out: *mut wasm_extern_vec_t) {
    if let Some(out) = unsafe_mut(out) {
        *out = wasm_extern_vec_t {
            size: 0,
            data: ptr::null_mut(),
        };
    }
}

#[no_mangle]
pub unsafe extern "C" fn wasm_extern_delete(ext: *mut wasm_extern_t) {
    if !ext.is_null() {
        // SAFETY: externs are made by `new_extern` and given to C as `own`, deleted once.
        drop(unsafe { Box::from_raw(ext) });
    }
}

#[no_mangle]
pub unsafe extern "C" fn wasm_extern_vec_delete(vec: *mut wasm_extern_vec_t) {
    if let Some(vec) = unsafe_mut(vec) {
        // SAFETY: extern vectors given to C are made by `into_raw_parts` (or empty), and own
        // their elements (wasm.h).
        for ext in unsafe { from_raw_parts(vec.size, vec.data) } {
            // SAFETY: each element is an extern this vector owns.
            unsafe { wasm_extern_delete(ext) };
        }
        vec.size = 0;
        vec.data = ptr::null_mut();
    }
}

#[no_mangle]
pub unsafe extern "C" fn wasm_extern_as_func(ext: *mut wasm_extern_t) -> *mut wasm_func_t {
    match unsafe_ref(ext) {
        Some(e) if matches!(e.which, Extern::Func(_)) => ext.cast(),
        _ => ptr::null_mut(),
    }
}

#[no_mangle]
pub unsafe extern "C" fn wasm_extern_as_func_const(
    ext: *const wasm_extern_t,
) -> *const wasm_func_t {
    // SAFETY: the same contract as this function's.
    unsafe { wasm_extern_as_func(ext.cast_mut()) }.cast_const()
}

#[no_mangle]
pub unsafe extern "C" fn wasm_extern_as_memory(ext: *mut wasm_extern_t) -> *mut wasm_memory_t {
    // (`wasm_extern_as_memory_const` and the other `_const` casts are in `objects.rs`.)
    match unsafe_ref(ext) {
        Some(e) if matches!(e.which, Extern::Memory(_)) => ext.cast(),
        _ => ptr::null_mut(),
    }
}

/// The function and its store.
fn func_parts(func: *const wasm_func_t) -> Option<(Func, *mut wasm_store_t)> {
    let f = unsafe_ref(func)?;
    let Extern::Func(handle) = f.ext.which else {
        return None;
    };
    Some((handle, f.ext.store))
}

/// The type of a function object (`None` for null, or a store in use).
fn func_type_of(func: *const wasm_func_t) -> Option<fayasm::FuncType> {
    let (f, sp) = func_parts(func)?;
    with_store(sp, |s| f.try_ty(&*s).ok())?
}

#[no_mangle]
pub unsafe extern "C" fn wasm_func_param_arity(func: *const wasm_func_t) -> usize {
    func_type_of(func).map_or(0, |t| t.params().len())
}

#[no_mangle]
pub unsafe extern "C" fn wasm_func_result_arity(func: *const wasm_func_t) -> usize {
    func_type_of(func).map_or(0, |t| t.results().len())
}

#[no_mangle]
pub unsafe extern "C" fn wasm_func_call(
    func: *const wasm_func_t,
    args: *const wasm_val_vec_t,
    results: *mut wasm_val_vec_t,
) -> *mut wasm_trap_t {
    let Some((f, store_ptr)) = func_parts(func) else {
        return trap("wasm_func_call: not a function");
    };
    // SAFETY: `args` is null or a value vector (wasm.h).
    let args = unsafe_ref(args).map_or(&[][..], |a| unsafe { slice(a.size, a.data.cast_const()) });
    let vals: Result<Vec<Val>, String> = args.iter().map(to_val).collect();
    let vals = match vals {
        Ok(v) => v,
        Err(e) => return trap(e),
    };
    let ty = match with_store(store_ptr, |s| f.try_ty(&*s)) {
        Some(Ok(ty)) => ty,
        Some(Err(e)) => return error_trap(e),
        None => return trap(BUSY),
    };
    let mut outs = vec![Val::I32(0); ty.results().len()];
    // The results vector is checked before the call, so a wrong one runs nothing.
    let results = match unsafe_mut(results) {
        Some(r) if r.size == outs.len() && (!r.data.is_null() || outs.is_empty()) => Some(r),
        None if outs.is_empty() => None,
        r => {
            return trap(format!(
                "wasm_func_call: the results vector has {} elements, the function {} results",
                r.map_or(0, |r| r.size),
                outs.len()
            ))
        }
    };
    match with_store(store_ptr, |s| f.call(s, &vals, &mut outs)) {
        Some(Ok(())) => {}
        Some(Err(e)) => return error_trap(e),
        None => return trap(BUSY),
    }
    let Some(results) = results else {
        return ptr::null_mut();
    };
    for (i, v) in outs.iter().enumerate() {
        match from_val(v, store_ptr) {
            // SAFETY: `results.data` holds `results.size` == `outs.len()` values (checked above).
            Ok(v) => unsafe { results.data.add(i).write(v) },
            Err(e) => return trap(e),
        }
    }
    ptr::null_mut()
}

// ---- memories ----

/// Runs `f` on a memory object's memory and store; `None` for null, another kind, or a
/// store in use.
pub(crate) fn with_memory<R>(
    memory: *const wasm_memory_t,
    f: impl FnOnce(Memory, &mut store::CStore) -> R,
) -> Option<R> {
    let m = unsafe_ref(memory)?;
    let Extern::Memory(handle) = m.ext.which else {
        return None;
    };
    with_store(m.ext.store, |s| f(handle, s))
}

#[no_mangle]
pub unsafe extern "C" fn wasm_memory_data(memory: *mut wasm_memory_t) -> *mut u8 {
    with_memory(memory, |m, s| {
        m.try_data_mut(s)
            .map_or(ptr::null_mut(), |d| d.as_mut_ptr())
    })
    .unwrap_or(ptr::null_mut())
}

#[no_mangle]
pub unsafe extern "C" fn wasm_memory_data_size(memory: *const wasm_memory_t) -> usize {
    // The size whatever the residency (a spilled memory's bytes come back with
    // `wasm_memory_data`).
    with_memory(memory, |m, s| m.try_data_size(&*s).unwrap_or(0)).unwrap_or(0)
}

#[no_mangle]
pub unsafe extern "C" fn wasm_memory_size(memory: *const wasm_memory_t) -> u32 {
    with_memory(memory, |m, s| {
        m.try_size(&*s)
            .map_or(0, |p| u32::try_from(p).unwrap_or(u32::MAX))
    })
    .unwrap_or(0)
}

// ---- instances ----

#[no_mangle]
pub unsafe extern "C" fn wasm_instance_new(
    store: *mut wasm_store_t,
    module: *const wasm_module_t,
    imports: *const wasm_extern_vec_t,
    trap_out: *mut *mut wasm_trap_t,
) -> *mut wasm_instance_t {
    let fail = |message: String| {
        if let Some(out) = unsafe_mut(trap_out) {
            *out = trap(message);
        }
        ptr::null_mut()
    };
    let (false, Some(module)) = (store.is_null(), unsafe_ref(module)) else {
        return fail("wasm_instance_new: null store or module".into());
    };
    // SAFETY: `imports` is null or an extern vector (wasm.h).
    let given =
        unsafe_ref(imports).map_or(&[][..], |v| unsafe { slice(v.size, v.data.cast_const()) });
    let wanted: Vec<_> = module.module.imports().collect();
    if given.len() != wanted.len() {
        return fail(format!(
            "wasm_instance_new: the module has {} imports, {} were given",
            wanted.len(),
            given.len()
        ));
    }
    let mut externs = Vec::with_capacity(given.len());
    for (import, &ext) in wanted.iter().zip(given) {
        let Some(ext) = unsafe_ref(ext) else {
            return fail(format!(
                "wasm_instance_new: import {}::{} is null",
                import.module, import.name
            ));
        };
        if ext.store != store {
            return fail(format!(
                "wasm_instance_new: import {}::{} belongs to another store",
                import.module, import.name
            ));
        }
        externs.push(ext.which);
    }
    let Some(made) = with_store(store, |s| Instance::new(s, &module.module, &externs)) else {
        return fail(BUSY.into());
    };
    match made {
        Ok(instance) => Box::into_raw(Box::new(wasm_instance_t {
            store,
            instance,
            module: module.module.clone(),
            host_info: None,
        })),
        Err(e) => {
            // A trap (of the start function, say) keeps its frames.
            if let Some(out) = unsafe_mut(trap_out) {
                *out = error_trap(e);
            }
            ptr::null_mut()
        }
    }
}

#[no_mangle]
pub unsafe extern "C" fn wasm_instance_delete(instance: *mut wasm_instance_t) {
    if !instance.is_null() {
        // SAFETY: made by `wasm_instance_new`, deleted once.
        drop(unsafe { Box::from_raw(instance) });
    }
}

#[no_mangle]
pub unsafe extern "C" fn wasm_instance_exports(
    instance: *const wasm_instance_t,
    out: *mut wasm_extern_vec_t,
) {
    let Some(out) = unsafe_mut(out) else { return };
    let mut exts = Vec::new();
    if let Some(inst) = unsafe_ref(instance) {
        with_store(inst.store, |s| {
            for export in inst.module.exports() {
                if let Ok(Some(which)) = inst.instance.try_get_export(&*s, &export.name) {
                    exts.push(new_extern(inst.store, which));
                }
            }
        });
    }
    let (size, data) = into_raw_parts(exts);
    *out = wasm_extern_vec_t { size, data };
}

// ---- pointer helpers ----
//
// Used only by the `unsafe extern "C"` functions above, whose callers (C) pass pointers this
// library made, or null, as `wasm.h` requires; that contract is what makes these sound.

/// A shared reference to a C API object, `None` for null.
fn unsafe_ref<'a, T>(p: *const T) -> Option<&'a T> {
    // SAFETY: C passes pointers to live objects of this library or null (wasm.h's rules;
    // ARCHITECTURE.md, invariant "C API objects never outlive their store").
    unsafe { p.as_ref() }
}

/// An exclusive reference to a C API object or out-parameter, `None` for null.
fn unsafe_mut<'a, T>(p: *mut T) -> Option<&'a mut T> {
    // SAFETY: as `unsafe_ref`; the C API is single-threaded per store and each call holds the
    // reference only for its own duration.
    unsafe { p.as_mut() }
}
