//! Type objects (`wasm_valtype_t`, `wasm_functype_t`, `wasm_globaltype_t`), host functions
//! (`wasm_func_new`, `wasm_func_new_with_env`), globals, `wasm_trap_new` and the extern
//! conversions (`wasm_*_as_extern`, `wasm_extern_kind`).

use alloc::boxed::Box;
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec;
use alloc::vec::Vec;
use core::ffi::c_void;
use core::ptr;

use fayasm::{Extern, Func, FuncType, Global, GlobalType, Trap, Val, ValType};

use crate::{
    from_raw_parts, from_val, into_raw_parts, new_extern, slice, to_val, trap, unsafe_mut,
    unsafe_ref, wasm_byte_vec_t, wasm_extern_t, wasm_func_t, wasm_memory_t, wasm_store_t,
    wasm_trap_t, wasm_val_t, wasm_val_union, wasm_val_vec_t, WASM_F32, WASM_F64, WASM_I32,
    WASM_I64,
};

use crate::store::{lend, with_store, CStore};
use crate::{WASM_EXTERNREF, WASM_FUNCREF};

/// `wasm_valtype_t`: a value type.
pub struct wasm_valtype_t {
    kind: u8,
}

impl wasm_valtype_t {
    pub(crate) fn of(kind: u8) -> wasm_valtype_t {
        wasm_valtype_t { kind }
    }

    pub(crate) fn kind(&self) -> u8 {
        self.kind
    }
}

/// `wasm_valtype_vec_t`: owns its elements.
#[repr(C)]
pub struct wasm_valtype_vec_t {
    pub(crate) size: usize,
    pub(crate) data: *mut *mut wasm_valtype_t,
}

/// `wasm_functype_t`: owns its two vectors. Starts with its external kind (see
/// `types.rs`).
#[repr(C)]
pub struct wasm_functype_t {
    kind: u8,
    params: wasm_valtype_vec_t,
    results: wasm_valtype_vec_t,
}

/// `wasm_globaltype_t`. Starts with its external kind (see `types.rs`).
#[repr(C)]
pub struct wasm_globaltype_t {
    kind: u8,
    content: Box<wasm_valtype_t>,
    mutability: u8,
}

/// A global: a [`wasm_extern_t`] that holds one (`wasm_extern_as_global`).
#[repr(transparent)]
pub struct wasm_global_t {
    pub(crate) ext: wasm_extern_t,
}

const WASM_CONST: u8 = 0;
const WASM_VAR: u8 = 1;

pub(crate) const WASM_EXTERN_FUNC: u8 = 0;
pub(crate) const WASM_EXTERN_GLOBAL: u8 = 1;
pub(crate) const WASM_EXTERN_TABLE: u8 = 2;
pub(crate) const WASM_EXTERN_MEMORY: u8 = 3;
pub(crate) const WASM_EXTERN_TAG: u8 = 4;

pub(crate) fn valtype_of_kind(kind: u8) -> Option<ValType> {
    Some(match kind {
        WASM_I32 => ValType::I32,
        WASM_I64 => ValType::I64,
        WASM_F32 => ValType::F32,
        WASM_F64 => ValType::F64,
        WASM_EXTERNREF => ValType::ExternRef,
        WASM_FUNCREF => ValType::FuncRef,
        _ => return None,
    })
}

/// The `wasm.h` kind of a value type; `None` for `v128`, which `wasm.h` has no kind for.
pub(crate) fn kind_of_valtype(ty: ValType) -> Option<u8> {
    Some(match ty {
        ValType::I32 => WASM_I32,
        ValType::I64 => WASM_I64,
        ValType::F32 => WASM_F32,
        ValType::F64 => WASM_F64,
        ValType::ExternRef => WASM_EXTERNREF,
        ValType::FuncRef => WASM_FUNCREF,
        _ => return None,
    })
}

// ---- value types ----

#[no_mangle]
pub extern "C" fn wasm_valtype_new(kind: u8) -> *mut wasm_valtype_t {
    Box::into_raw(Box::new(wasm_valtype_t { kind }))
}

#[no_mangle]
pub unsafe extern "C" fn wasm_valtype_delete(ty: *mut wasm_valtype_t) {
    if !ty.is_null() {
        // SAFETY: made by `wasm_valtype_new` (or this library), given to C as `own`, deleted
        // once (invariant "C API objects never outlive their store").
        drop(unsafe { Box::from_raw(ty) });
    }
}

#[no_mangle]
pub unsafe extern "C" fn wasm_valtype_kind(ty: *const wasm_valtype_t) -> u8 {
    unsafe_ref(ty).map_or(WASM_I32, |t| t.kind)
}

fn valtype_vec(kinds: impl IntoIterator<Item = u8>) -> wasm_valtype_vec_t {
    let items: Vec<*mut wasm_valtype_t> = kinds.into_iter().map(|k| wasm_valtype_new(k)).collect();
    let (size, data) = into_raw_parts(items);
    wasm_valtype_vec_t { size, data }
}

#[no_mangle]
pub unsafe extern "C" fn wasm_valtype_vec_new_empty(out: *mut wasm_valtype_vec_t) {
    if let Some(out) = unsafe_mut(out) {
        *out = valtype_vec([]);
    }
}

/// Takes over the `size` value types at `data` (`own` elements, as `wasm.h` says).
#[no_mangle]
pub unsafe extern "C" fn wasm_valtype_vec_new(
    out: *mut wasm_valtype_vec_t,
    size: usize,
    data: *const *mut wasm_valtype_t,
) {
    // SAFETY: wasm.h: `data` holds `size` value types, whose ownership passes to the vector.
    let items = unsafe { slice(size, data) }.to_vec();
    if let Some(out) = unsafe_mut(out) {
        let (size, data) = into_raw_parts(items);
        *out = wasm_valtype_vec_t { size, data };
    }
}

#[no_mangle]
pub unsafe extern "C" fn wasm_valtype_vec_delete(vec: *mut wasm_valtype_vec_t) {
    if let Some(vec) = unsafe_mut(vec) {
        // SAFETY: value type vectors given to C are made by `into_raw_parts` (or empty) and
        // own their elements.
        for ty in unsafe { from_raw_parts(vec.size, vec.data) } {
            // SAFETY: each element is a value type this vector owns.
            unsafe { wasm_valtype_delete(ty) };
        }
        vec.size = 0;
        vec.data = ptr::null_mut();
    }
}

// ---- function types ----

/// Takes over both vectors (their elements; the vector structs are left empty).
#[no_mangle]
pub unsafe extern "C" fn wasm_functype_new(
    params: *mut wasm_valtype_vec_t,
    results: *mut wasm_valtype_vec_t,
) -> *mut wasm_functype_t {
    let take = |v: *mut wasm_valtype_vec_t| match unsafe_mut(v) {
        Some(v) => core::mem::replace(
            v,
            wasm_valtype_vec_t {
                size: 0,
                data: ptr::null_mut(),
            },
        ),
        None => valtype_vec([]),
    };
    let params = take(params);
    let results = take(results);
    Box::into_raw(Box::new(wasm_functype_t {
        kind: WASM_EXTERN_FUNC,
        params,
        results,
    }))
}

#[no_mangle]
pub unsafe extern "C" fn wasm_functype_delete(ty: *mut wasm_functype_t) {
    if !ty.is_null() {
        // SAFETY: made by this library and given to C as `own`, deleted once.
        let mut ty = unsafe { Box::from_raw(ty) };
        // SAFETY: the functype owns both vectors.
        unsafe {
            wasm_valtype_vec_delete(&mut ty.params);
            wasm_valtype_vec_delete(&mut ty.results);
        }
    }
}

#[no_mangle]
pub unsafe extern "C" fn wasm_functype_params(
    ty: *const wasm_functype_t,
) -> *const wasm_valtype_vec_t {
    unsafe_ref(ty).map_or(ptr::null(), |t| &t.params)
}

#[no_mangle]
pub unsafe extern "C" fn wasm_functype_results(
    ty: *const wasm_functype_t,
) -> *const wasm_valtype_vec_t {
    unsafe_ref(ty).map_or(ptr::null(), |t| &t.results)
}

/// The kinds of a value type vector.
fn kinds(vec: &wasm_valtype_vec_t) -> Vec<u8> {
    // SAFETY: the vector's data holds `size` value types (wasm.h; made by this library).
    unsafe { slice(vec.size, vec.data.cast_const()) }
        .iter()
        .map(|&t| unsafe_ref(t).map_or(u8::MAX, |t| t.kind))
        .collect()
}

/// The engine's function type of a `wasm_functype_t`; a kind `wasm.h` does not define is an
/// error message.
fn func_type(ty: &wasm_functype_t) -> Result<FuncType, String> {
    let convert = |v: &wasm_valtype_vec_t| -> Result<Vec<ValType>, String> {
        kinds(v)
            .into_iter()
            .map(|k| valtype_of_kind(k).ok_or_else(|| format!("unknown value kind {k}")))
            .collect()
    };
    Ok(FuncType::new(convert(&ty.params)?, convert(&ty.results)?))
}

pub(crate) fn new_functype(ty: &FuncType) -> *mut wasm_functype_t {
    let kinds = |tys: &[ValType]| -> Vec<u8> {
        tys.iter()
            .map(|&t| kind_of_valtype(t).unwrap_or(u8::MAX))
            .collect()
    };
    Box::into_raw(Box::new(wasm_functype_t {
        kind: WASM_EXTERN_FUNC,
        params: valtype_vec(kinds(ty.params())),
        results: valtype_vec(kinds(ty.results())),
    }))
}

#[no_mangle]
pub unsafe extern "C" fn wasm_functype_copy(ty: *const wasm_functype_t) -> *mut wasm_functype_t {
    let Some(ty) = unsafe_ref(ty) else {
        return ptr::null_mut();
    };
    Box::into_raw(Box::new(wasm_functype_t {
        kind: WASM_EXTERN_FUNC,
        params: valtype_vec(kinds(&ty.params)),
        results: valtype_vec(kinds(&ty.results)),
    }))
}

#[no_mangle]
pub unsafe extern "C" fn wasm_func_type(func: *const wasm_func_t) -> *mut wasm_functype_t {
    crate::func_type_of(func).map_or(ptr::null_mut(), |t| new_functype(&t))
}

// ---- traps ----

/// A new trap with `message` (a trailing NUL, as `wasm_trap_message` gives, is dropped).
#[no_mangle]
pub unsafe extern "C" fn wasm_trap_new(
    _store: *mut wasm_store_t,
    message: *const wasm_byte_vec_t,
) -> *mut wasm_trap_t {
    // SAFETY: `message` is null or a byte vector (wasm.h).
    let bytes = unsafe { crate::bytes(message) }.unwrap_or(&[]);
    let bytes = bytes.strip_suffix(&[0]).unwrap_or(bytes);
    trap(String::from_utf8_lossy(bytes).into_owned())
}

// ---- host functions ----

/// `wasm_func_callback_t`.
pub type wasm_func_callback_t = unsafe extern "C" fn(
    args: *const wasm_val_vec_t,
    results: *mut wasm_val_vec_t,
) -> *mut wasm_trap_t;

/// `wasm_func_callback_with_env_t`.
pub type wasm_func_callback_with_env_t = unsafe extern "C" fn(
    env: *mut c_void,
    args: *const wasm_val_vec_t,
    results: *mut wasm_val_vec_t,
) -> *mut wasm_trap_t;

/// A host function's environment and its finalizer, run once when the function's store
/// drops it.
struct Env {
    env: *mut c_void,
    finalizer: Option<unsafe extern "C" fn(*mut c_void)>,
}

// SAFETY: invariant "C API host environments" (ARCHITECTURE.md): the engine asks host
// functions to be `Send + Sync`; a C environment is only ever used by calls on its store,
// which C makes from one thread at a time, so the pointer is never used concurrently.
unsafe impl Send for Env {}
// SAFETY: as for `Send` above.
unsafe impl Sync for Env {}

impl Drop for Env {
    fn drop(&mut self) {
        if let Some(finalize) = self.finalizer {
            // SAFETY: wasm.h: the finalizer is called once, with the environment it was
            // given with, when the function is no longer needed.
            unsafe { finalize(self.env) };
        }
    }
}

enum Callback {
    Plain(wasm_func_callback_t),
    WithEnv(wasm_func_callback_with_env_t, Env),
}

/// The store a host function was made in: the references its arguments become belong to it,
/// and the callback gets it lent (`store::lend`).
struct StorePtr(*mut wasm_store_t);

// SAFETY: invariant "C API host environments" (ARCHITECTURE.md), as for `Env`: the store is
// only used by calls on it, which C makes from one thread at a time.
unsafe impl Send for StorePtr {}
// SAFETY: as for `Send` above.
unsafe impl Sync for StorePtr {}

/// Values made for a callback, whose references are deleted when they go.
struct Vals(Vec<wasm_val_t>);

impl Drop for Vals {
    fn drop(&mut self) {
        for v in &mut self.0 {
            // SAFETY: each value owns its reference, if any (made by `from_val` or put there
            // by the callback as `own`).
            unsafe { crate::wasm_val_delete(v) };
        }
    }
}

/// Runs the C callback for one call: arguments out as `wasm_val_t`s, results back as
/// [`Val`]s; a returned trap (or a value `wasm.h` cannot carry) is a trap of the call.
fn call_back(
    cb: &Callback,
    store: &StorePtr,
    params: &[Val],
    results: &mut [Val],
) -> Result<(), Trap> {
    let args = Vals(
        params
            .iter()
            .map(|p| from_val(p, store.0))
            .collect::<Result<_, _>>()
            .map_err(Trap::host)?,
    );
    let zero = wasm_val_t {
        kind: WASM_I32,
        of: wasm_val_union { i64: 0 },
    };
    let mut outs = Vals(vec![zero; results.len()]);
    let args_vec = wasm_val_vec_t {
        size: args.0.len(),
        data: args.0.as_ptr().cast_mut(),
    };
    let mut outs_vec = wasm_val_vec_t {
        size: outs.0.len(),
        data: outs.0.as_mut_ptr(),
    };
    let t = match cb {
        // SAFETY: wasm.h: the callback is a function of this signature, valid while the
        // function exists; the vectors point at `args` and `outs`, alive for the call, and
        // their sizes count them.
        Callback::Plain(f) => unsafe { f(&args_vec, &mut outs_vec) },
        // SAFETY: as above, with the environment the function was made with.
        Callback::WithEnv(f, env) => unsafe { f(env.env, &args_vec, &mut outs_vec) },
    };
    if !t.is_null() {
        // SAFETY: the callback returns a trap it owns (made by `wasm_trap_new`), or null.
        let t = unsafe { Box::from_raw(t) };
        return Err(Trap::host(t.message));
    }
    for (slot, v) in results.iter_mut().zip(&outs.0) {
        *slot = to_val(v).map_err(Trap::host)?;
    }
    Ok(())
}

fn new_host_func(
    store: *mut wasm_store_t,
    ty: *const wasm_functype_t,
    cb: Callback,
) -> *mut wasm_func_t {
    let Some(ty) = unsafe_ref(ty) else {
        return ptr::null_mut();
    };
    let Ok(ty) = func_type(ty) else {
        return ptr::null_mut();
    };
    let sp = StorePtr(store);
    // The callback runs with the caller's store lent to it: the calls it makes on its own
    // store go through the engine's `&mut` (invariant "A C API call reaches its store
    // through the store's access pointer").
    let made = with_store(store, |s| {
        Func::new(s, ty, move |mut caller, params, results| {
            lend(sp.0, caller.store(), || {
                call_back(&cb, &sp, params, results)
            })
        })
    });
    made.map_or(ptr::null_mut(), |f| {
        new_extern(store, Extern::Func(f)).cast()
    })
}

#[no_mangle]
pub unsafe extern "C" fn wasm_func_new(
    store: *mut wasm_store_t,
    ty: *const wasm_functype_t,
    callback: Option<wasm_func_callback_t>,
) -> *mut wasm_func_t {
    match callback {
        Some(cb) => new_host_func(store, ty, Callback::Plain(cb)),
        None => ptr::null_mut(),
    }
}

#[no_mangle]
pub unsafe extern "C" fn wasm_func_new_with_env(
    store: *mut wasm_store_t,
    ty: *const wasm_functype_t,
    callback: Option<wasm_func_callback_with_env_t>,
    env: *mut c_void,
    finalizer: Option<unsafe extern "C" fn(*mut c_void)>,
) -> *mut wasm_func_t {
    let env = Env { env, finalizer };
    match callback {
        Some(cb) => new_host_func(store, ty, Callback::WithEnv(cb, env)),
        // The environment is finalized here (dropped), as it will never be called.
        None => ptr::null_mut(),
    }
}

#[no_mangle]
pub unsafe extern "C" fn wasm_func_delete(func: *mut wasm_func_t) {
    // SAFETY: a `wasm_func_t` is a `wasm_extern_t` (repr(transparent)) given to C as `own`.
    unsafe { crate::wasm_extern_delete(func.cast()) }
}

#[no_mangle]
pub unsafe extern "C" fn wasm_func_as_extern(func: *mut wasm_func_t) -> *mut wasm_extern_t {
    func.cast()
}

#[no_mangle]
pub unsafe extern "C" fn wasm_func_as_extern_const(
    func: *const wasm_func_t,
) -> *const wasm_extern_t {
    func.cast()
}

#[no_mangle]
pub unsafe extern "C" fn wasm_memory_as_extern(memory: *mut wasm_memory_t) -> *mut wasm_extern_t {
    memory.cast()
}

#[no_mangle]
pub unsafe extern "C" fn wasm_extern_kind(ext: *const wasm_extern_t) -> u8 {
    match unsafe_ref(ext).map(|e| e.which) {
        Some(Extern::Global(_)) => WASM_EXTERN_GLOBAL,
        Some(Extern::Table(_)) => WASM_EXTERN_TABLE,
        Some(Extern::Memory(_)) => WASM_EXTERN_MEMORY,
        Some(Extern::Tag(_)) => WASM_EXTERN_TAG,
        _ => WASM_EXTERN_FUNC,
    }
}

// ---- globals ----

/// Takes over `content`.
#[no_mangle]
pub unsafe extern "C" fn wasm_globaltype_new(
    content: *mut wasm_valtype_t,
    mutability: u8,
) -> *mut wasm_globaltype_t {
    if content.is_null() {
        return ptr::null_mut();
    }
    // SAFETY: `content` is an `own` value type made by this library (wasm.h).
    let content = unsafe { Box::from_raw(content) };
    Box::into_raw(Box::new(wasm_globaltype_t {
        kind: WASM_EXTERN_GLOBAL,
        content,
        mutability,
    }))
}

/// A new global type object for `ty`.
pub(crate) fn new_globaltype(ty: &GlobalType) -> *mut wasm_globaltype_t {
    Box::into_raw(Box::new(wasm_globaltype_t {
        kind: WASM_EXTERN_GLOBAL,
        content: Box::new(wasm_valtype_t {
            kind: kind_of_valtype(ty.content).unwrap_or(u8::MAX),
        }),
        mutability: if ty.mutable { WASM_VAR } else { WASM_CONST },
    }))
}

#[no_mangle]
pub unsafe extern "C" fn wasm_globaltype_copy(
    ty: *const wasm_globaltype_t,
) -> *mut wasm_globaltype_t {
    let Some(t) = unsafe_ref(ty) else {
        return ptr::null_mut();
    };
    Box::into_raw(Box::new(wasm_globaltype_t {
        kind: WASM_EXTERN_GLOBAL,
        content: Box::new(wasm_valtype_t {
            kind: t.content.kind,
        }),
        mutability: t.mutability,
    }))
}

#[no_mangle]
pub unsafe extern "C" fn wasm_valtype_copy(ty: *const wasm_valtype_t) -> *mut wasm_valtype_t {
    unsafe_ref(ty).map_or(ptr::null_mut(), |t| wasm_valtype_new(t.kind))
}

#[no_mangle]
pub unsafe extern "C" fn wasm_globaltype_delete(ty: *mut wasm_globaltype_t) {
    if !ty.is_null() {
        // SAFETY: made by this library and given to C as `own`, deleted once.
        drop(unsafe { Box::from_raw(ty) });
    }
}

#[no_mangle]
pub unsafe extern "C" fn wasm_globaltype_content(
    ty: *const wasm_globaltype_t,
) -> *const wasm_valtype_t {
    unsafe_ref(ty).map_or(ptr::null(), |t| &*t.content)
}

#[no_mangle]
pub unsafe extern "C" fn wasm_globaltype_mutability(ty: *const wasm_globaltype_t) -> u8 {
    unsafe_ref(ty).map_or(WASM_CONST, |t| t.mutability)
}

/// Runs `f` on a global object's global and store (and the store object); `None` for null,
/// another kind, or a store in use.
fn with_global<R>(
    global: *const wasm_global_t,
    f: impl FnOnce(Global, &mut CStore, *mut wasm_store_t) -> R,
) -> Option<R> {
    let g = unsafe_ref(global)?;
    let Extern::Global(handle) = g.ext.which else {
        return None;
    };
    let sp = g.ext.store;
    with_store(sp, |s| f(handle, s, sp))
}

/// A new global of type `ty` holding `val`; null if the value does not fit the type.
#[no_mangle]
pub unsafe extern "C" fn wasm_global_new(
    store: *mut wasm_store_t,
    ty: *const wasm_globaltype_t,
    val: *const wasm_val_t,
) -> *mut wasm_global_t {
    let (Some(ty), Some(val)) = (unsafe_ref(ty), unsafe_ref(val)) else {
        return ptr::null_mut();
    };
    let (Some(content), Ok(val)) = (valtype_of_kind(ty.content.kind), to_val(val)) else {
        return ptr::null_mut();
    };
    let ty = GlobalType::new(content, ty.mutability == WASM_VAR);
    match with_store(store, |s| Global::new(s, ty, val)) {
        Some(Ok(g)) => new_extern(store, Extern::Global(g)).cast(),
        _ => ptr::null_mut(),
    }
}

#[no_mangle]
pub unsafe extern "C" fn wasm_global_delete(global: *mut wasm_global_t) {
    // SAFETY: a `wasm_global_t` is a `wasm_extern_t` (repr(transparent)) given to C as `own`.
    unsafe { crate::wasm_extern_delete(global.cast()) }
}

#[no_mangle]
pub unsafe extern "C" fn wasm_global_type(global: *const wasm_global_t) -> *mut wasm_globaltype_t {
    with_global(global, |g, s, _| g.try_ty(&*s).ok())
        .flatten()
        .map_or(ptr::null_mut(), |ty| new_globaltype(&ty))
}

/// The global's value into `out` (left as it is for a value `wasm.h` cannot carry).
#[no_mangle]
pub unsafe extern "C" fn wasm_global_get(global: *const wasm_global_t, out: *mut wasm_val_t) {
    let Some(out) = unsafe_mut(out) else {
        return;
    };
    let got = with_global(global, |g, s, sp| {
        g.try_get(&*s)
            .map_err(|e| e.to_string())
            .and_then(|v| from_val(&v, sp))
    });
    if let Some(Ok(v)) = got {
        *out = v;
    }
}

/// Sets a mutable global. `wasm.h` has no error channel: a value of the wrong type, or an
/// immutable global, leaves the global as it is.
#[no_mangle]
pub unsafe extern "C" fn wasm_global_set(global: *mut wasm_global_t, val: *const wasm_val_t) {
    let Some(val) = unsafe_ref(val) else {
        return;
    };
    if let Ok(v) = to_val(val) {
        with_global(global, |g, s, _| {
            let _ = g.set(s, v);
        });
    }
}

#[no_mangle]
pub unsafe extern "C" fn wasm_global_as_extern(global: *mut wasm_global_t) -> *mut wasm_extern_t {
    global.cast()
}

#[no_mangle]
pub unsafe extern "C" fn wasm_extern_as_global(ext: *mut wasm_extern_t) -> *mut wasm_global_t {
    match unsafe_ref(ext) {
        Some(e) if matches!(e.which, Extern::Global(_)) => ext.cast(),
        _ => ptr::null_mut(),
    }
}
