//! `fayasm.h`'s WASI programs (`fayasm_wasi_instance_new`, `_with`, `fayasm_wasi_exit_code`):
//! with the `std` feature only, as the engine's WASI needs the host's files and clocks.

use alloc::boxed::Box;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::ffi::c_char;
use core::ptr;

use crate::store::{with_store, BUSY};
use crate::{
    error_trap, slice, trap, unsafe_mut, unsafe_ref, wasm_instance_t, wasm_module_t, wasm_store_t,
    wasm_trap_t,
};

/// `fayasm_wasi_t`: a WASI program's view: its arguments (`argv[0]` its name), environment
/// variables (`KEY=VALUE`) and granted directories (a host path and the name the guest sees
/// it by; the guest reaches nothing outside them).
#[repr(C)]
pub struct fayasm_wasi_t {
    pub argc: usize,
    pub argv: *const *const c_char,
    pub envc: usize,
    pub env: *const *const c_char,
    pub dirc: usize,
    pub dir_host: *const *const c_char,
    pub dir_guest: *const *const c_char,
}

/// The `n` C strings at `p` (NULL entries skipped).
///
/// # Safety
/// `p` holds `n` pointers, each NULL or to a NUL-terminated string.
unsafe fn strings(n: usize, p: *const *const c_char) -> Vec<String> {
    // SAFETY: the caller's contract.
    unsafe { slice(n, p) }
        .iter()
        .filter(|p| !p.is_null())
        .map(|&p| {
            // SAFETY: the caller's contract: a NUL-terminated string.
            unsafe { core::ffi::CStr::from_ptr(p) }
                .to_string_lossy()
                .into_owned()
        })
        .collect()
}

/// Instantiates a WASI program with the view `wasi`: the module's imports must all be
/// `wasi_snapshot_preview1` functions. Standard input, output and error are inherited. The
/// module's start function runs; call its `_start` export to run a command. NULL and `*trap`
/// set (if `trap` is not NULL) on failure, a directory that cannot be opened included.
#[no_mangle]
pub unsafe extern "C" fn fayasm_wasi_instance_new_with(
    store: *mut wasm_store_t,
    module: *const wasm_module_t,
    wasi: *const fayasm_wasi_t,
    trap_out: *mut *mut wasm_trap_t,
) -> *mut wasm_instance_t {
    let fail = |t: *mut wasm_trap_t| {
        match unsafe_mut(trap_out) {
            // SAFETY: the trap was just made by this library.
            None => unsafe { crate::wasm_trap_delete(t) },
            Some(out) => *out = t,
        }
        ptr::null_mut()
    };
    let (false, Some(m), Some(w)) = (store.is_null(), unsafe_ref(module), unsafe_ref(wasi)) else {
        return fail(trap("fayasm_wasi_instance_new: null store, module or view"));
    };
    // SAFETY: fayasm.h: each array holds its count of NULL or NUL-terminated strings.
    let (args, env, hosts, guests) = unsafe {
        (
            strings(w.argc, w.argv),
            strings(w.envc, w.env),
            strings(w.dirc, w.dir_host),
            strings(w.dirc, w.dir_guest),
        )
    };
    let mut ctx = fayasm::wasi::WasiCtx::new().args(args);
    for kv in &env {
        let (k, v) = kv.split_once('=').unwrap_or((kv.as_str(), ""));
        ctx = ctx.env(k, v);
    }
    for (host, guest) in hosts.iter().zip(&guests) {
        ctx = match ctx.preopen_dir(host, guest) {
            Ok(ctx) => ctx,
            Err(e) => return fail(trap(format!("fayasm_wasi_instance_new: `{host}`: {e}"))),
        };
    }
    let made = with_store(store, |s| {
        *s.data_mut() = ctx;
        let mut linker = fayasm::Linker::new(s.engine());
        fayasm::wasi::add_to_linker(&mut linker, &mut *s, |ctx| ctx)?;
        linker.instantiate(s, &m.module)
    });
    match made.unwrap_or_else(|| Err(fayasm::Error::Trap(fayasm::Trap::host(BUSY)))) {
        Ok(instance) => Box::into_raw(Box::new(wasm_instance_t {
            store,
            instance,
            module: m.module.clone(),
            host_info: None,
        })),
        Err(e) => fail(error_trap(e)),
    }
}

/// Instantiates a WASI program with arguments only (see `fayasm_wasi_instance_new_with`).
#[no_mangle]
pub unsafe extern "C" fn fayasm_wasi_instance_new(
    store: *mut wasm_store_t,
    module: *const wasm_module_t,
    argc: usize,
    argv: *const *const c_char,
    trap_out: *mut *mut wasm_trap_t,
) -> *mut wasm_instance_t {
    let wasi = fayasm_wasi_t {
        argc,
        argv,
        envc: 0,
        env: ptr::null(),
        dirc: 0,
        dir_host: ptr::null(),
        dir_guest: ptr::null(),
    };
    // SAFETY: the same contract.
    unsafe { fayasm_wasi_instance_new_with(store, module, &wasi, trap_out) }
}

/// The exit code a WASI program gave `proc_exit` (its call then traps), into `out`; false if
/// it has not called it.
#[no_mangle]
pub unsafe extern "C" fn fayasm_wasi_exit_code(store: *const wasm_store_t, out: *mut i32) -> bool {
    match (
        with_store(store, |s| s.data().exit_code()).flatten(),
        unsafe_mut(out),
    ) {
        (Some(code), Some(out)) => {
            *out = code;
            true
        }
        _ => false,
    }
}
