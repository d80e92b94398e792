//! `fayasm.h`: what the standard API lacks. A storage written in C (`fayasm_storage_t`: read,
//! write, remove and sync callbacks over an environment) for spilled memories, paged memories
//! and code; spilling and loading a memory; engines that meter fuel and the store's fuel; WASI
//! programs (`fayasm_wasi_instance_new`).

use alloc::boxed::Box;
use alloc::vec::Vec;
use core::ffi::{c_char, c_void};
use core::ptr;

use fayasm::offload::{Key, Kind, KindCounters, Storage};
use fayasm::{CodeEviction, Config, Engine, Extern, Paging};

use crate::store::{lend, with_store};
use crate::{
    slice, unsafe_mut, unsafe_ref, wasm_byte_vec_t, wasm_engine_t, wasm_extern_t, wasm_func_t,
    wasm_memory_t, wasm_store_t, wasm_trap_t, with_memory,
};

/// `fayasm_storage_t`: a blob storage implemented in C. Keys are short ASCII file names
/// (NUL-terminated). `read` fills `out` (with `wasm_byte_vec_new`) and returns 1, returns 0
/// when there is no such blob, or a negative number on error; `write`, `remove` and `sync`
/// return 0 or a negative number. `sync` and `finalizer` may be NULL; the finalizer runs once
/// with `env` when the store lets the storage go.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct fayasm_storage_t {
    pub env: *mut c_void,
    pub read: Option<unsafe extern "C" fn(*mut c_void, *const c_char, *mut wasm_byte_vec_t) -> i32>,
    pub write: Option<unsafe extern "C" fn(*mut c_void, *const c_char, *const u8, usize) -> i32>,
    pub remove: Option<unsafe extern "C" fn(*mut c_void, *const c_char) -> i32>,
    pub sync: Option<unsafe extern "C" fn(*mut c_void) -> i32>,
    pub finalizer: Option<unsafe extern "C" fn(*mut c_void)>,
}

/// A C storage as the engine's [`Storage`].
struct CStorage(fayasm_storage_t);

// SAFETY: invariant "C API host environments" (ARCHITECTURE.md): the engine wants a store's
// storage `Send`; a C storage is only used by calls on its store, which C makes from one
// thread at a time.
unsafe impl Send for CStorage {}

impl Drop for CStorage {
    fn drop(&mut self) {
        if let Some(finalize) = self.0.finalizer {
            // SAFETY: fayasm.h: the finalizer is called once, with the storage's environment.
            unsafe { finalize(self.0.env) };
        }
    }
}

/// What a C storage callback reported: which operation and its return code.
#[derive(Debug)]
pub struct CStorageError {
    #[allow(dead_code)]
    op: &'static str,
    #[allow(dead_code)]
    code: i32,
}

/// `key`'s name, NUL-terminated.
fn c_name(key: &Key) -> [u8; 48] {
    let name = key.file_name();
    let mut buf = [0u8; 48];
    let bytes = name.as_str().as_bytes();
    let n = bytes.len().min(buf.len() - 1);
    buf[..n].copy_from_slice(&bytes[..n]);
    buf
}

impl Storage for CStorage {
    type Error = CStorageError;

    fn read(&mut self, key: &Key, buf: &mut Vec<u8>) -> Result<bool, CStorageError> {
        buf.clear();
        let Some(read) = self.0.read else {
            return Err(CStorageError {
                op: "read",
                code: -1,
            });
        };
        let name = c_name(key);
        let mut out = wasm_byte_vec_t {
            size: 0,
            data: ptr::null_mut(),
        };
        // SAFETY: fayasm.h: `read` is a function of this signature; the name is
        // NUL-terminated and `out` a valid empty vector for the call.
        let rc = unsafe { read(self.0.env, name.as_ptr().cast(), &mut out) };
        // SAFETY: the callback filled `out` with `wasm_byte_vec_new` (or left it empty).
        buf.extend_from_slice(unsafe { slice(out.size, out.data.cast_const()) });
        // SAFETY: as above: the vector is this library's.
        unsafe { crate::wasm_byte_vec_delete(&mut out) };
        match rc {
            1 => Ok(true),
            0 => {
                buf.clear();
                Ok(false)
            }
            code => {
                buf.clear();
                Err(CStorageError { op: "read", code })
            }
        }
    }

    fn write(&mut self, key: &Key, parts: &[&[u8]]) -> Result<(), CStorageError> {
        let Some(write) = self.0.write else {
            return Err(CStorageError {
                op: "write",
                code: -1,
            });
        };
        let name = c_name(key);
        let blob = parts.concat();
        // SAFETY: fayasm.h: `write` is a function of this signature; name and data are valid
        // for the call.
        match unsafe { write(self.0.env, name.as_ptr().cast(), blob.as_ptr(), blob.len()) } {
            0 => Ok(()),
            code => Err(CStorageError { op: "write", code }),
        }
    }

    fn remove(&mut self, key: &Key) -> Result<(), CStorageError> {
        let Some(remove) = self.0.remove else {
            return Err(CStorageError {
                op: "remove",
                code: -1,
            });
        };
        let name = c_name(key);
        // SAFETY: fayasm.h: `remove` is a function of this signature.
        match unsafe { remove(self.0.env, name.as_ptr().cast()) } {
            0 => Ok(()),
            code => Err(CStorageError { op: "remove", code }),
        }
    }

    fn sync(&mut self) -> Result<(), CStorageError> {
        let Some(sync) = self.0.sync else {
            return Ok(());
        };
        // SAFETY: fayasm.h: `sync` is a function of this signature.
        match unsafe { sync(self.0.env) } {
            0 => Ok(()),
            code => Err(CStorageError { op: "sync", code }),
        }
    }
}

/// Gives the store `storage` (copied; an earlier one is finalized) for spilled and paged
/// memories and code.
#[no_mangle]
pub unsafe extern "C" fn fayasm_store_set_storage(
    store: *mut wasm_store_t,
    storage: *const fayasm_storage_t,
) {
    if let Some(storage) = unsafe_ref(storage) {
        // A storage that cannot be installed (the store is in use) is finalized here.
        let storage = CStorage(*storage);
        with_store(store, |s| s.set_storage(storage));
    }
}

/// Writes the memory to the store's storage and releases its RAM (its next access reads it
/// back). Returns the bytes written, or -1 (no storage, a storage error).
#[no_mangle]
pub unsafe extern "C" fn fayasm_memory_spill(memory: *mut wasm_memory_t) -> i64 {
    with_memory(memory, |m, s| {
        m.spill(s)
            .map_or(-1, |n| i64::try_from(n).unwrap_or(i64::MAX))
    })
    .unwrap_or(-1)
}

/// Brings a spilled memory back into RAM now; false (and it stays spilled) if that fails.
#[no_mangle]
pub unsafe extern "C" fn fayasm_memory_load(memory: *mut wasm_memory_t) -> bool {
    with_memory(memory, |m, s| m.load(s).is_ok()).unwrap_or(false)
}

/// Whether the memory's bytes are in RAM (`wasm_memory_data` reloads a spilled memory).
#[no_mangle]
pub unsafe extern "C" fn fayasm_memory_is_resident(memory: *const wasm_memory_t) -> bool {
    with_memory(memory, |m, s| {
        m.try_residency(&*s) == Ok(fayasm::Residency::Resident)
    })
    .unwrap_or(false)
}

/// An engine whose stores meter fuel: a store starts with none (set it with
/// `fayasm_store_set_fuel`), and a call that runs out traps with "all fuel consumed".
#[no_mangle]
pub extern "C" fn fayasm_engine_new_with_fuel() -> *mut wasm_engine_t {
    Box::into_raw(Box::new(wasm_engine_t {
        engine: Engine::new(Config::default().consume_fuel(true)),
    }))
}

/// Sets the store's fuel; false if its engine does not meter fuel.
#[no_mangle]
pub unsafe extern "C" fn fayasm_store_set_fuel(store: *mut wasm_store_t, fuel: u64) -> bool {
    with_store(store, |s| s.set_fuel(fuel).is_ok()).unwrap_or(false)
}

/// The store's fuel left into `out`; false if its engine does not meter fuel.
#[no_mangle]
pub unsafe extern "C" fn fayasm_store_get_fuel(store: *const wasm_store_t, out: *mut u64) -> bool {
    let Some(out) = unsafe_mut(out) else {
        return false;
    };
    with_store(store, |s| s.get_fuel().map(|f| *out = f).is_ok()).unwrap_or(false)
}

/// `fayasm_config_t`: the engine settings a C host chooses (zero fields take the defaults).
#[repr(C)]
#[derive(Clone, Copy, Default)]
pub struct fayasm_config_t {
    /// Meter fuel (`fayasm_store_set_fuel`).
    pub consume_fuel: bool,
    /// Bytes of microcode kept in RAM (0: no budget).
    pub code_budget: usize,
    /// Evicted microcode is written to the store's storage and read back (else it is dropped
    /// and translated again).
    pub code_spill: bool,
    /// Bytes per page of demand-paged memories, a power of two from 256 to 65536 (0: memories
    /// are not paged).
    pub page_size: u32,
    /// Pages of each paged memory kept in RAM (at least 1 when paging).
    pub resident_pages: usize,
    /// Deepest wasm call nesting (0: the default).
    pub max_call_depth: usize,
    /// Running code can be stopped with `fayasm_interrupt` (it checks at function entries
    /// and loop iterations).
    pub interruptible: bool,
    /// Accept the exception-handling proposal (tags, `try_table`, `throw`, `exnref`).
    pub exceptions: bool,
}

/// The engine of `c`; `None` for a paging setting that is not usable.
fn engine_of(c: &fayasm_config_t) -> Option<Engine> {
    let mut cfg = Config::default()
        .consume_fuel(c.consume_fuel)
        .interruptible(c.interruptible)
        .wasm_exceptions(c.exceptions);
    if c.code_budget > 0 {
        cfg = cfg.code_cache_budget(Some(c.code_budget));
    }
    cfg = cfg.code_eviction(if c.code_spill {
        CodeEviction::Spill
    } else {
        CodeEviction::Drop
    });
    if c.page_size > 0 {
        let paging = Paging {
            page_size: c.page_size,
            resident_pages: c.resident_pages,
        };
        if !paging.is_valid() {
            return None;
        }
        cfg = cfg.memory_paging(Some(paging));
    }
    if c.max_call_depth > 0 {
        cfg = cfg.max_call_depth(c.max_call_depth);
    }
    Some(Engine::new(cfg))
}

/// An engine with `config`; NULL for a paging setting that is not usable.
#[no_mangle]
pub unsafe extern "C" fn fayasm_engine_new_with_config(
    config: *const fayasm_config_t,
) -> *mut wasm_engine_t {
    unsafe_ref(config)
        .and_then(engine_of)
        .map_or(ptr::null_mut(), |engine| {
            Box::into_raw(Box::new(wasm_engine_t { engine }))
        })
}

/// `wasm_config_t`: the standard's engine configuration, holding fayasm's settings
/// (`fayasm_config_set`).
pub struct wasm_config_t {
    settings: fayasm_config_t,
}

#[no_mangle]
pub extern "C" fn wasm_config_new() -> *mut wasm_config_t {
    Box::into_raw(Box::new(wasm_config_t {
        settings: fayasm_config_t::default(),
    }))
}

#[no_mangle]
pub unsafe extern "C" fn wasm_config_delete(config: *mut wasm_config_t) {
    if !config.is_null() {
        // SAFETY: made by `wasm_config_new`, given to C as `own`, deleted once.
        drop(unsafe { Box::from_raw(config) });
    }
}

/// fayasm.h: sets the configuration's settings (copied).
#[no_mangle]
pub unsafe extern "C" fn fayasm_config_set(
    config: *mut wasm_config_t,
    settings: *const fayasm_config_t,
) {
    if let (Some(c), Some(s)) = (unsafe_mut(config), unsafe_ref(settings)) {
        c.settings = *s;
    }
}

/// An engine of `config`, which it takes over (deletes); NULL (the config still deleted) for
/// an unusable paging setting.
#[no_mangle]
pub unsafe extern "C" fn wasm_engine_new_with_config(
    config: *mut wasm_config_t,
) -> *mut wasm_engine_t {
    if config.is_null() {
        return crate::wasm_engine_new();
    }
    // SAFETY: an `own` config made by `wasm_config_new`; taken over here.
    let config = unsafe { Box::from_raw(config) };
    engine_of(&config.settings).map_or(ptr::null_mut(), |engine| {
        Box::into_raw(Box::new(wasm_engine_t { engine }))
    })
}

/// Writes the function's microcode to the store's storage and drops it from RAM; the next
/// call reads it back (and verifies it). Returns the bytes written (0 for a host function), or
/// -1 (no storage, a storage error).
#[no_mangle]
pub unsafe extern "C" fn fayasm_func_spill_code(func: *mut wasm_func_t) -> i64 {
    let Some((f, sp)) = crate::func_parts(func) else {
        return -1;
    };
    with_store(sp, |s| {
        f.spill_code(s)
            .map_or(-1, |n| i64::try_from(n).unwrap_or(i64::MAX))
    })
    .unwrap_or(-1)
}

/// `fayasm_offload_counts_t`: what went to and came back from the storage, for one kind of
/// blob.
#[repr(C)]
#[derive(Default)]
pub struct fayasm_offload_counts_t {
    pub spills: u64,
    pub loads: u64,
    pub bytes_written: u64,
    pub bytes_read: u64,
    pub load_failures: u64,
    pub fallbacks: u64,
}

impl From<&KindCounters> for fayasm_offload_counts_t {
    fn from(k: &KindCounters) -> fayasm_offload_counts_t {
        fayasm_offload_counts_t {
            spills: k.spills,
            loads: k.loads,
            bytes_written: k.bytes_written,
            bytes_read: k.bytes_read,
            load_failures: k.load_failures,
            fallbacks: k.fallbacks,
        }
    }
}

/// The store's offload counts for code, whole memories and memory pages (any of the three
/// pointers may be NULL).
#[no_mangle]
pub unsafe extern "C" fn fayasm_store_offload_counts(
    store: *const wasm_store_t,
    code: *mut fayasm_offload_counts_t,
    memories: *mut fayasm_offload_counts_t,
    pages: *mut fayasm_offload_counts_t,
) {
    let Some(m) = with_store(store, |s| s.offload_metrics().clone()) else {
        return;
    };
    for (out, kind) in [
        (code, Kind::Code),
        (memories, Kind::Memory),
        (pages, Kind::MemoryPage),
    ] {
        if let Some(out) = unsafe_mut(out) {
            *out = m.kind(kind).into();
        }
    }
}

/// `fayasm_interrupt_handle_t`: stops the wasm code of one store, from any thread.
pub struct fayasm_interrupt_handle_t {
    handle: fayasm::InterruptHandle,
}

/// A handle that interrupts the store's wasm code (effective if its engine is interruptible
/// or meters fuel). Delete it with `fayasm_interrupt_handle_delete`; it may outlive the
/// store (interrupting nothing then).
#[no_mangle]
pub unsafe extern "C" fn fayasm_store_interrupt_handle(
    store: *const wasm_store_t,
) -> *mut fayasm_interrupt_handle_t {
    with_store(store, |s| s.interrupt_handle()).map_or(ptr::null_mut(), |handle| {
        Box::into_raw(Box::new(fayasm_interrupt_handle_t { handle }))
    })
}

/// Asks the store's running (or next) wasm code to stop with the "interrupted" trap; safe
/// from any thread or an interrupt handler (one atomic store).
#[no_mangle]
pub unsafe extern "C" fn fayasm_interrupt(handle: *const fayasm_interrupt_handle_t) {
    if let Some(h) = unsafe_ref(handle) {
        h.handle.interrupt();
    }
}

#[no_mangle]
pub unsafe extern "C" fn fayasm_interrupt_handle_delete(handle: *mut fayasm_interrupt_handle_t) {
    if !handle.is_null() {
        // SAFETY: made by `fayasm_store_interrupt_handle`, given to C as `own`, deleted once.
        drop(unsafe { Box::from_raw(handle) });
    }
}

/// `fayasm_trap_hook_t`: runs before each call of a marked function; returns NULL to let it
/// run, or a trap (`wasm_trap_new`, given up to the engine) that the call ends with.
pub type fayasm_trap_hook_t =
    unsafe extern "C" fn(env: *mut c_void, func: *const wasm_func_t) -> *mut wasm_trap_t;

/// A C trap hook, its environment and finalizer (run once when the store drops the hook).
struct CHook {
    hook: fayasm_trap_hook_t,
    env: *mut c_void,
    finalizer: Option<unsafe extern "C" fn(*mut c_void)>,
    store: *mut wasm_store_t,
}

// SAFETY: invariant "C API host environments" (ARCHITECTURE.md), as for `CStorage`.
unsafe impl Send for CHook {}

impl Drop for CHook {
    fn drop(&mut self) {
        if let Some(finalize) = self.finalizer {
            // SAFETY: fayasm.h: the finalizer is called once, with the hook's environment.
            unsafe { finalize(self.env) };
        }
    }
}

/// Installs `hook` (with `env`) to run before every call of a function marked with
/// `fayasm_func_set_trap`, replacing (and finalizing) an earlier one.
#[no_mangle]
pub unsafe extern "C" fn fayasm_store_set_trap_hook(
    store: *mut wasm_store_t,
    hook: Option<fayasm_trap_hook_t>,
    env: *mut c_void,
    finalizer: Option<unsafe extern "C" fn(*mut c_void)>,
) {
    let Some(hook) = hook else {
        with_store(store, |s| s.clear_trap_hook());
        return;
    };
    // A hook that cannot be installed (a null store, or one in use) is finalized here.
    let c = CHook {
        hook,
        env,
        finalizer,
        store,
    };
    // The hook runs with the store lent to it (invariant "A C API call reaches its store
    // through the store's access pointer").
    with_store(store, |s| {
        s.set_trap_hook(move |lent, func| lend(c.store, lent, || c.run(func)))
    });
}

impl CHook {
    /// Runs the C hook for `func`.
    fn run(&self, func: fayasm::Func) -> fayasm::HookAction {
        // The marked function as a C object for the hook's duration.
        let ext = wasm_extern_t {
            store: self.store,
            which: Extern::Func(func),
            host_info: None,
        };
        let f: *const wasm_func_t = (&ext as *const wasm_extern_t).cast();
        // SAFETY: fayasm.h: `hook` is a function of this signature; `f` is a valid function
        // object for the call (a `wasm_func_t` is a `wasm_extern_t`, repr(transparent)).
        let t = unsafe { (self.hook)(self.env, f) };
        if t.is_null() {
            return fayasm::HookAction::Continue;
        }
        // SAFETY: the hook returns a trap it owns (made by `wasm_trap_new`), or null.
        let t = unsafe { Box::from_raw(t) };
        fayasm::HookAction::Abort(fayasm::Trap::host(t.message))
    }
}

/// Marks (or unmarks) the function for the store's trap hook.
#[no_mangle]
pub unsafe extern "C" fn fayasm_func_set_trap(func: *mut wasm_func_t, on: bool) {
    if let Some((f, sp)) = crate::func_parts(func) {
        with_store(sp, |s| {
            let _ = f.try_set_trap(s, on);
        });
    }
}
