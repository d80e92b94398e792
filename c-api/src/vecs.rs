//! The vector functions the standard declares for every vector of objects
//! (`wasm_*_vec_new_uninitialized`, `_new`, `_copy`) that the other modules do not already
//! define, and modules as bytes (`wasm_module_serialize`, `_deserialize`) and across stores
//! (`wasm_module_share`, `wasm_module_obtain`).

use alloc::boxed::Box;
use alloc::vec;
use alloc::vec::Vec;
use core::ptr;

use fayasm::{Engine, Module};

use crate::host::{wasm_valtype_t, wasm_valtype_vec_t};
use crate::objects::{wasm_frame_t, wasm_frame_vec_t};
use crate::types::{
    wasm_exporttype_t, wasm_exporttype_vec_t, wasm_importtype_t, wasm_importtype_vec_t,
};
use crate::{
    from_raw_parts, into_raw_parts, slice, unsafe_mut, unsafe_ref, wasm_byte_vec_t, wasm_extern_t,
    wasm_extern_vec_t, wasm_module_t, wasm_store_t,
};

macro_rules! object_vecs {
    ($($vec:ident $elem:ident $new_uninit:ident $copy:ident $copy_elem:path;)*) => {$(
        /// A vector of `size` null elements.
        #[no_mangle]
        pub unsafe extern "C" fn $new_uninit(out: *mut $vec, size: usize) {
            if let Some(out) = unsafe_mut(out) {
                let (size, data) = into_raw_parts(vec![ptr::null_mut::<$elem>(); size]);
                *out = $vec { size, data };
            }
        }

        /// A vector of copies of `src`'s elements.
        #[no_mangle]
        pub unsafe extern "C" fn $copy(out: *mut $vec, src: *const $vec) {
            let (Some(out), Some(src)) = (unsafe_mut(out), unsafe_ref(src)) else {
                return;
            };
            // SAFETY: a vector's data holds `size` elements (wasm.h).
            let items: Vec<*mut $elem> = unsafe { slice(src.size, src.data.cast_const()) }
                .iter()
                // SAFETY: each element is null or an object of this library.
                .map(|&e| unsafe { $copy_elem(e) })
                .collect();
            let (size, data) = into_raw_parts(items);
            *out = $vec { size, data };
        }
    )*};
}

macro_rules! taking_vecs {
    ($($vec:ident $elem:ident $new:ident;)*) => {$(
        /// A vector taking over the `size` elements at `data`.
        #[no_mangle]
        pub unsafe extern "C" fn $new(out: *mut $vec, size: usize, data: *const *mut $elem) {
            // SAFETY: wasm.h: `data` holds `size` elements, whose ownership passes over.
            let items = unsafe { slice(size, data) }.to_vec();
            if let Some(out) = unsafe_mut(out) {
                let (size, data) = into_raw_parts(items);
                *out = $vec { size, data };
            }
        }
    )*};
}

object_vecs! {
    wasm_extern_vec_t wasm_extern_t wasm_extern_vec_new_uninitialized wasm_extern_vec_copy
        crate::objects::wasm_extern_copy;
    wasm_valtype_vec_t wasm_valtype_t wasm_valtype_vec_new_uninitialized wasm_valtype_vec_copy
        crate::host::wasm_valtype_copy;
    wasm_importtype_vec_t wasm_importtype_t wasm_importtype_vec_new_uninitialized
        wasm_importtype_vec_copy crate::types::wasm_importtype_copy;
    wasm_exporttype_vec_t wasm_exporttype_t wasm_exporttype_vec_new_uninitialized
        wasm_exporttype_vec_copy crate::types::wasm_exporttype_copy;
    wasm_frame_vec_t wasm_frame_t wasm_frame_vec_new_uninitialized wasm_frame_vec_copy
        crate::objects::wasm_frame_copy;
}

taking_vecs! {
    wasm_extern_vec_t wasm_extern_t wasm_extern_vec_new;
    wasm_importtype_vec_t wasm_importtype_t wasm_importtype_vec_new;
    wasm_exporttype_vec_t wasm_exporttype_t wasm_exporttype_vec_new;
    wasm_frame_vec_t wasm_frame_t wasm_frame_vec_new;
}

/// The module's serialized form: its binary (fayasm runs a module from its bytes).
#[no_mangle]
pub unsafe extern "C" fn wasm_module_serialize(
    module: *const wasm_module_t,
    out: *mut wasm_byte_vec_t,
) {
    let Some(out) = unsafe_mut(out) else { return };
    let bytes = unsafe_ref(module).map_or_else(Vec::new, |m| {
        m.module.bytes().map_or_else(Vec::new, <[u8]>::to_vec)
    });
    let (size, data) = into_raw_parts(bytes);
    *out = wasm_byte_vec_t { size, data };
}

/// A module from its serialized form (validated again, as `wasm_module_new`).
#[no_mangle]
pub unsafe extern "C" fn wasm_module_deserialize(
    store: *mut wasm_store_t,
    binary: *const wasm_byte_vec_t,
) -> *mut wasm_module_t {
    // SAFETY: the same contract.
    unsafe { crate::wasm_module_new(store, binary) }
}

/// `wasm_shared_module_t`: a module to use in other stores of the same engine (and other
/// threads).
pub struct wasm_shared_module_t {
    module: Module,
}

#[no_mangle]
pub unsafe extern "C" fn wasm_module_share(
    module: *const wasm_module_t,
) -> *mut wasm_shared_module_t {
    unsafe_ref(module).map_or(ptr::null_mut(), |m| {
        Box::into_raw(Box::new(wasm_shared_module_t {
            module: m.module.clone(),
        }))
    })
}

/// The shared module as a module of `store`; NULL if the store's engine is another one.
#[no_mangle]
pub unsafe extern "C" fn wasm_module_obtain(
    store: *mut wasm_store_t,
    shared: *const wasm_shared_module_t,
) -> *mut wasm_module_t {
    let Some(sh) = unsafe_ref(shared) else {
        return ptr::null_mut();
    };
    match crate::store::with_store(store, |s| Engine::same(s.engine(), sh.module.engine())) {
        Some(true) => Box::into_raw(Box::new(wasm_module_t {
            module: sh.module.clone(),
            host_info: None,
        })),
        _ => ptr::null_mut(),
    }
}

#[no_mangle]
pub unsafe extern "C" fn wasm_shared_module_delete(shared: *mut wasm_shared_module_t) {
    if !shared.is_null() {
        // SAFETY: made by `wasm_module_share`, given to C as `own`, deleted once.
        drop(unsafe { Box::from_raw(shared) });
    }
}

/// The vectors of the five type kinds and of external types, which no function of the API
/// returns but which `wasm.h` declares for every type: the vector type and all five of its
/// functions (a vector owns its elements; `_copy` copies them).
macro_rules! type_vecs {
    ($($vec:ident $elem:path, $copy_elem:path, $delete_elem:path:
        $new_empty:ident $new_uninit:ident $new:ident $copy:ident $delete:ident;)*) => {$(
        #[doc = concat!("`", stringify!($vec), "`.")]
        #[repr(C)]
        pub struct $vec {
            size: usize,
            data: *mut *mut $elem,
        }

        #[no_mangle]
        pub unsafe extern "C" fn $new_empty(out: *mut $vec) {
            if let Some(out) = unsafe_mut(out) {
                *out = $vec { size: 0, data: ptr::null_mut() };
            }
        }

        /// A vector of `size` null elements.
        #[no_mangle]
        pub unsafe extern "C" fn $new_uninit(out: *mut $vec, size: usize) {
            if let Some(out) = unsafe_mut(out) {
                let (size, data) = into_raw_parts(vec![ptr::null_mut::<$elem>(); size]);
                *out = $vec { size, data };
            }
        }

        /// A vector taking over the `size` elements at `data`.
        #[no_mangle]
        pub unsafe extern "C" fn $new(out: *mut $vec, size: usize, data: *const *mut $elem) {
            // SAFETY: wasm.h: `data` holds `size` elements, whose ownership passes over.
            let items = unsafe { slice(size, data) }.to_vec();
            if let Some(out) = unsafe_mut(out) {
                let (size, data) = into_raw_parts(items);
                *out = $vec { size, data };
            }
        }

        /// A vector of copies of `src`'s elements.
        #[no_mangle]
        pub unsafe extern "C" fn $copy(out: *mut $vec, src: *const $vec) {
            let (Some(out), Some(src)) = (unsafe_mut(out), unsafe_ref(src)) else {
                return;
            };
            // SAFETY: a vector's data holds `size` elements (wasm.h).
            let items: Vec<*mut $elem> = unsafe { slice(src.size, src.data.cast_const()) }
                .iter()
                // SAFETY: each element is null or a type object of this library.
                .map(|&e| unsafe { $copy_elem(e) })
                .collect();
            let (size, data) = into_raw_parts(items);
            *out = $vec { size, data };
        }

        /// Deletes the vector and its elements.
        #[no_mangle]
        pub unsafe extern "C" fn $delete(vec: *mut $vec) {
            if let Some(vec) = unsafe_mut(vec) {
                // SAFETY: vectors given to C are made by `into_raw_parts` (or empty) and own
                // their elements.
                for e in unsafe { from_raw_parts(vec.size, vec.data) } {
                    // SAFETY: each element is null or a type object this vector owns.
                    unsafe { $delete_elem(e) };
                }
                vec.size = 0;
                vec.data = ptr::null_mut();
            }
        }
    )*};
}

type_vecs! {
    wasm_functype_vec_t crate::host::wasm_functype_t, crate::host::wasm_functype_copy,
        crate::host::wasm_functype_delete: wasm_functype_vec_new_empty
        wasm_functype_vec_new_uninitialized wasm_functype_vec_new wasm_functype_vec_copy
        wasm_functype_vec_delete;
    wasm_globaltype_vec_t crate::host::wasm_globaltype_t, crate::host::wasm_globaltype_copy,
        crate::host::wasm_globaltype_delete: wasm_globaltype_vec_new_empty
        wasm_globaltype_vec_new_uninitialized wasm_globaltype_vec_new wasm_globaltype_vec_copy
        wasm_globaltype_vec_delete;
    wasm_tabletype_vec_t crate::types::wasm_tabletype_t, crate::types::wasm_tabletype_copy,
        crate::types::wasm_tabletype_delete: wasm_tabletype_vec_new_empty
        wasm_tabletype_vec_new_uninitialized wasm_tabletype_vec_new wasm_tabletype_vec_copy
        wasm_tabletype_vec_delete;
    wasm_memorytype_vec_t crate::types::wasm_memorytype_t, crate::types::wasm_memorytype_copy,
        crate::types::wasm_memorytype_delete: wasm_memorytype_vec_new_empty
        wasm_memorytype_vec_new_uninitialized wasm_memorytype_vec_new wasm_memorytype_vec_copy
        wasm_memorytype_vec_delete;
    wasm_tagtype_vec_t crate::types::wasm_tagtype_t, crate::types::wasm_tagtype_copy,
        crate::types::wasm_tagtype_delete: wasm_tagtype_vec_new_empty
        wasm_tagtype_vec_new_uninitialized wasm_tagtype_vec_new wasm_tagtype_vec_copy
        wasm_tagtype_vec_delete;
    wasm_externtype_vec_t crate::types::wasm_externtype_t, crate::types::wasm_externtype_copy,
        crate::types::wasm_externtype_delete: wasm_externtype_vec_new_empty
        wasm_externtype_vec_new_uninitialized wasm_externtype_vec_new wasm_externtype_vec_copy
        wasm_externtype_vec_delete;
}
