//! The `wasi_snapshot_preview1` functions and their binding to a [`Linker`].
//!
//! Every function is listed once in [`FUNCS`] with its parameter signature; all return an
//! `errno` as `i32`, except `proc_exit`, which ends execution with a trap.

mod env;
mod fd;
mod path;

use alloc::format;

use super::abi::Errno;
use super::guest::{Args, Guest};
use super::WasiCtx;
use crate::error::{Error, Trap};
use crate::runtime::{Caller, Func, Linker, Store};
use crate::types::{FuncType, ValType};
use crate::value::Val;

/// The import module name.
pub const MODULE: &str = "wasi_snapshot_preview1";

type Impl = fn(&mut WasiCtx, &mut Guest<'_>, &Args<'_>) -> Result<(), Errno>;

/// Name, parameter types (`i` = i32, `I` = i64) and implementation of every function that
/// returns an `errno`.
const FUNCS: &[(&str, &str, Impl)] = &[
    ("args_get", "ii", env::args_get),
    ("args_sizes_get", "ii", env::args_sizes_get),
    ("environ_get", "ii", env::environ_get),
    ("environ_sizes_get", "ii", env::environ_sizes_get),
    ("clock_res_get", "ii", env::clock_res_get),
    ("clock_time_get", "iIi", env::clock_time_get),
    ("random_get", "ii", env::random_get),
    ("sched_yield", "", env::sched_yield),
    ("poll_oneoff", "iiii", env::poll_oneoff),
    ("proc_raise", "i", unsupported),
    ("fd_advise", "iIIi", fd::fd_advise),
    ("fd_allocate", "iII", unsupported),
    ("fd_close", "i", fd::fd_close),
    ("fd_datasync", "i", fd::fd_sync),
    ("fd_fdstat_get", "ii", fd::fd_fdstat_get),
    ("fd_fdstat_set_flags", "ii", fd::fd_fdstat_set_flags),
    ("fd_fdstat_set_rights", "iII", fd::fd_fdstat_set_rights),
    ("fd_filestat_get", "ii", fd::fd_filestat_get),
    ("fd_filestat_set_size", "iI", fd::fd_filestat_set_size),
    ("fd_filestat_set_times", "iIIi", unsupported),
    ("fd_pread", "iiiIi", fd::fd_pread),
    ("fd_prestat_get", "ii", fd::fd_prestat_get),
    ("fd_prestat_dir_name", "iii", fd::fd_prestat_dir_name),
    ("fd_pwrite", "iiiIi", fd::fd_pwrite),
    ("fd_read", "iiii", fd::fd_read),
    ("fd_readdir", "iiiIi", fd::fd_readdir),
    ("fd_renumber", "ii", fd::fd_renumber),
    ("fd_seek", "iIii", fd::fd_seek),
    ("fd_sync", "i", fd::fd_sync),
    ("fd_tell", "ii", fd::fd_tell),
    ("fd_write", "iiii", fd::fd_write),
    ("path_create_directory", "iii", path::path_create_directory),
    ("path_filestat_get", "iiiii", path::path_filestat_get),
    ("path_filestat_set_times", "iiiiIIi", unsupported),
    ("path_link", "iiiiiii", unsupported),
    ("path_open", "iiiiiIIii", path::path_open),
    ("path_readlink", "iiiiii", unsupported),
    ("path_remove_directory", "iii", path::path_remove_directory),
    ("path_rename", "iiiiii", path::path_rename),
    ("path_symlink", "iiiii", unsupported),
    ("path_unlink_file", "iii", path::path_unlink_file),
    ("sock_accept", "iii", unsupported),
    ("sock_recv", "iiiiii", unsupported),
    ("sock_send", "iiiii", unsupported),
    ("sock_shutdown", "ii", unsupported),
];

/// Links, symlinks, file times, signals and sockets are not offered.
fn unsupported(_: &mut WasiCtx, _: &mut Guest<'_>, _: &Args<'_>) -> Result<(), Errno> {
    Err(Errno::Notsup)
}

/// Define every `wasi_snapshot_preview1` function in `linker`. `get` finds the [`WasiCtx`] in
/// the store's host data. Fails as [`Linker::define`] does (a name already defined).
pub fn add_to_linker<T: 'static>(
    linker: &mut Linker<T>,
    store: &mut Store<T>,
    get: fn(&mut T) -> &mut WasiCtx,
) -> Result<(), Error> {
    for &(name, sig, f) in FUNCS {
        let params = sig.bytes().map(|c| {
            if c == b'I' {
                ValType::I64
            } else {
                ValType::I32
            }
        });
        let ty = FuncType::new(params, [ValType::I32]);
        let func = Func::new(&mut *store, ty, move |mut caller, params, results| {
            let outcome = with_ctx(&mut caller, get, |ctx, guest| f(ctx, guest, &Args(params)));
            results[0] = Val::I32(outcome.err().unwrap_or(Errno::Success).raw());
            Ok(())
        });
        linker.define(&*store, MODULE, name, func)?;
    }
    let proc_exit = Func::new(
        &mut *store,
        FuncType::new([ValType::I32], []),
        move |mut caller, params, _| {
            let code = Args(params).u32(0) as i32;
            get(caller.data_mut()).exit_code = Some(code);
            Err(Trap::host(format!("wasi proc_exit({code})")))
        },
    );
    linker.define(&*store, MODULE, "proc_exit", proc_exit)?;
    Ok(())
}

/// Run `f` with the guest's WASI state and its memory (the export `memory`, else memory 0),
/// in whatever backing: resident, spilled (reloaded on first access) or paged (pages fault in
/// as the call touches them; see [`Guest`]).
///
/// The state is moved out of the host data for the call so both can be borrowed at once; no
/// WASI function calls back into wasm, so nothing can observe the stand-in.
fn with_ctx<T, R>(
    caller: &mut Caller<'_, T>,
    get: fn(&mut T) -> &mut WasiCtx,
    f: impl FnOnce(&mut WasiCtx, &mut Guest<'_>) -> R,
) -> R {
    let mut ctx = core::mem::take(get(caller.data_mut()));
    let memory = caller
        .get_export("memory")
        .and_then(|e| e.into_memory())
        .or_else(|| caller.memory(0));
    let store = caller.store();
    let (r, moved) = match memory {
        Some(m) if store.owns(m.1) => {
            let (mem, off) = store.inner.memory_and_offload(m.0 as usize);
            let mut guest = Guest::new(mem, off);
            let r = f(&mut ctx, &mut guest);
            (r, guest.moved())
        }
        _ => (f(&mut ctx, &mut Guest::none()), 0),
    };
    // With fuel on, the call charges by size as bulk memory ops do: 1 per 64 bytes it moved
    // between guest memory and the host (`runtime/fuel.rs`, cost table); short of fuel, the
    // store is left with none and the guest stops at its next check.
    if let Ok(fuel) = store.get_fuel() {
        let _ = store.set_fuel(fuel.saturating_sub(moved / 64));
    }
    *get(caller.data_mut()) = ctx;
    r
}
