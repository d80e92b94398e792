//! `wasm_store_t` and the one way every C API call reaches a store (ARCHITECTURE.md,
//! invariant "A C API call reaches its store through the store's access pointer").
//!
//! `wasm.h` lets a host function call back into its own store (`wasm_func_call` on a
//! function of the same store, `wasm_memory_data` on the caller's memory, ...). While the
//! engine runs a call it holds the store's `&mut`, so a callback must not make a second one
//! from the `wasm_store_t`. Instead the store has one *access pointer*: every API call takes
//! it (leaving null behind) for its own duration and puts it back; while the engine runs a C
//! callback it lends the callback the `&mut` it is itself using (a host function's
//! [`fayasm::Caller`], a trap hook's store), which becomes the access pointer until the
//! callback returns. A C callback the engine gives no store to (a storage callback, a
//! finalizer run while the store drops something) finds the pointer null: its calls on that
//! store do nothing and say so (NULL, `false`, 0, or a trap), as they cannot be served
//! without aliasing the engine's `&mut`.

use alloc::boxed::Box;
use core::cell::Cell;
use core::ptr;

use fayasm::Store;

/// A store's host data: the WASI view of `fayasm_wasi_instance_new` (with `std`).
#[cfg(feature = "std")]
pub(crate) type HostData = fayasm::wasi::WasiCtx;
/// A store's host data: nothing without `std` (no WASI).
#[cfg(not(feature = "std"))]
pub(crate) type HostData = ();

/// The engine store a `wasm_store_t` holds.
pub(crate) type CStore = Store<HostData>;

/// What a call on a store that is in use reports.
pub(crate) const BUSY: &str = "the store is in use: a storage callback or a finalizer cannot \
                               call into its own store";

/// A store. The engine store lives in its own allocation, so that a shared reference to this
/// object (to its access pointer) never overlaps the `&mut` the engine holds.
pub struct wasm_store_t {
    /// The store (`Box::into_raw`), freed by `wasm_store_delete`.
    owned: *mut CStore,
    /// The pointer calls reach the store through: `owned` when nothing uses the store, the
    /// engine's own `&mut` while it runs a host function or trap hook of this store, null
    /// while a call (or the engine on its behalf) uses it.
    access: Cell<*mut CStore>,
    /// How many lent callbacks are running (the lent pointer is the same address as
    /// `owned`, so the access pointer alone does not tell).
    lent: Cell<u32>,
}

impl wasm_store_t {
    /// A new store object holding `store`, given to C as `own`.
    pub(crate) fn new_raw(store: CStore) -> *mut wasm_store_t {
        let owned = Box::into_raw(Box::new(store));
        Box::into_raw(Box::new(wasm_store_t {
            owned,
            access: Cell::new(owned),
            lent: Cell::new(0),
        }))
    }
}

/// The store object at `sp` (`None` for null).
fn object<'a>(sp: *const wasm_store_t) -> Option<&'a wasm_store_t> {
    // SAFETY: invariant "C API objects never outlive their store": `sp` is null or a live
    // store object. Only shared references to it are ever made (until `delete`), and it
    // does not contain the engine store, so this never overlaps an engine `&mut`.
    unsafe { sp.as_ref() }
}

/// The access pointer of the store at `sp` (`None` for null).
fn access<'a>(sp: *const wasm_store_t) -> Option<&'a Cell<*mut CStore>> {
    object(sp).map(|s| &s.access)
}

/// Puts an access pointer back when a call (or a lent callback) ends.
struct Restore<'a>(&'a Cell<*mut CStore>, *mut CStore);

impl Drop for Restore<'_> {
    fn drop(&mut self) {
        self.0.set(self.1);
    }
}

/// Runs `f` on the store at `sp`; `None` for a null store or one in use (see the module
/// documentation).
pub(crate) fn with_store<R>(
    sp: *const wasm_store_t,
    f: impl FnOnce(&mut CStore) -> R,
) -> Option<R> {
    let cell = access(sp)?;
    let p = cell.replace(ptr::null_mut());
    if p.is_null() {
        return None;
    }
    let _restore = Restore(cell, p);
    // SAFETY: invariant "A C API call reaches its store through the store's access
    // pointer": a non-null access pointer is the owned store when nothing uses it, or the
    // `&mut` the engine lent to the callback now running, which the engine does not use until
    // the callback returns; it was taken (null left behind), so no other `&mut` is made from
    // it while `f` runs.
    Some(f(unsafe { &mut *p }))
}

/// Runs the C callback `f` with the store at `sp` lent to it as `lent` (the engine's own
/// `&mut` of that store: a host function's caller, a trap hook's store), so that the calls
/// `f` makes on the store go through `lent`.
pub(crate) fn lend<R>(sp: *const wasm_store_t, lent: &mut CStore, f: impl FnOnce() -> R) -> R {
    let Some(object) = object(sp) else { return f() };
    let previous = object.access.replace(lent);
    object.lent.set(object.lent.get() + 1);
    let _restore = Lent(object, previous);
    f()
}

/// Ends a lend (when the callback returns): the access pointer as it was, one lend fewer.
struct Lent<'a>(&'a wasm_store_t, *mut CStore);

impl Drop for Lent<'_> {
    fn drop(&mut self) {
        self.0.access.set(self.1);
        self.0.lent.set(self.0.lent.get() - 1);
    }
}

/// Deletes the store at `sp` (with what it owns; the finalizers that this runs find the store
/// in use). Nothing happens while the store is in use: a callback cannot delete its own store.
///
/// # Safety
/// `sp` is null or a store made by [`wasm_store_t::new_raw`], not deleted before; its other
/// objects are deleted first (wasm.h).
pub(crate) unsafe fn delete(sp: *mut wasm_store_t) {
    let Some(object) = object(sp) else { return };
    let owned = object.owned;
    if object.access.get() != owned || object.lent.get() > 0 {
        // In use, or lent to a callback.
        return;
    }
    object.access.set(ptr::null_mut());
    // SAFETY: made by `new_raw`, freed once (here); no `&mut` of it is live, as the access
    // pointer was the owned store. Finalizers that call back find the access pointer null.
    drop(unsafe { Box::from_raw(owned) });
    // SAFETY: made by `new_raw`, deleted once; nothing refers to it any more.
    drop(unsafe { Box::from_raw(sp) });
}
