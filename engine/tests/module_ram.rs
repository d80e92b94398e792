//! RAM a module holds (issue 19, item 1): `Module::new` keeps a copy of the module's bytes,
//! `Module::from_static` borrows them (flash on a device), and re-translates evicted code from
//! the borrowed bytes. Measured with a counting allocator that counts only the measuring
//! thread's allocations (the test harness allocates on other threads meanwhile).

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicIsize, Ordering};

use fayasm::wasi::{self, WasiCtx};
use fayasm::{CodeEviction, Config, Engine, Error, Linker, Module, Store, TrapCode};

/// The system allocator, counting the bytes the measuring thread allocates and frees.
struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);

thread_local! {
    static MEASURING: Cell<bool> = const { Cell::new(false) };
}

fn counted() -> bool {
    MEASURING.try_with(Cell::get).unwrap_or(false)
}

// SAFETY: forwards every call unchanged to `System`, which upholds `GlobalAlloc`'s contract;
// the counter is only a statistic.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: same contract as ours, passed through.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() && counted() {
            LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as ours, passed through.
        unsafe { System.dealloc(ptr, layout) };
        if counted() {
            LIVE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        }
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

const NUMFMT: &[u8] = include_bytes!("../../wasm_samples/wasm/wasi_numfmt.wasm");
const COREMARK: &[u8] = include_bytes!("../../wasm_samples/wasm/bench_coremark.wasm");

/// Bytes still allocated while the module made by `make` is alive.
fn held(make: impl FnOnce() -> Module) -> usize {
    MEASURING.with(|m| m.set(true));
    let before = LIVE.load(Ordering::Relaxed);
    let module = make();
    let held = LIVE.load(Ordering::Relaxed) - before;
    MEASURING.with(|m| m.set(false));
    drop(module);
    usize::try_from(held).expect("a module holds memory")
}

fn run_numfmt(module: &Module, engine: &Engine) -> String {
    let ctx = WasiCtx::new().arg("wasi_numfmt").arg("50").capture_stdout();
    let mut store = Store::new(engine, ctx);
    let mut linker = Linker::new(engine);
    wasi::add_to_linker(&mut linker, &mut store, |ctx| ctx).unwrap();
    let inst = linker.instantiate(&mut store, module).unwrap();
    let start = inst.get_func(&store, "_start").unwrap();
    match start.call(&mut store, &[], &mut []) {
        Ok(()) => {}
        Err(Error::Trap(t)) if t.code() == TrapCode::Host => {
            assert_eq!(store.data().exit_code(), Some(0));
        }
        Err(e) => panic!("unexpected error {e}"),
    }
    assert!(store.code_cache_stats().refaults > 0);
    String::from_utf8(store.data().stdout().to_vec()).unwrap()
}

#[test]
fn static_modules_hold_no_copy_of_their_bytes() {
    let engine = Engine::new(
        Config::default()
            .code_cache_budget(Some(4096))
            .code_cache_overdraft(0)
            .code_eviction(CodeEviction::Drop),
    );
    for (name, bytes) in [("wasi_numfmt", NUMFMT), ("bench_coremark", COREMARK)] {
        let owned = held(|| Module::new(&engine, bytes).unwrap());
        let borrowed = held(|| Module::from_static(&engine, bytes).unwrap());
        eprintln!(
            "{name}: {} bytes of wasm; RAM held by the module: Module::new {owned} B, \
             Module::from_static {borrowed} B",
            bytes.len()
        );
        assert!(owned >= bytes.len(), "{name}: {owned}");
        // Exactly the copy (and its `Arc` header) is saved.
        let saved = owned - borrowed;
        assert!(
            saved >= bytes.len() && saved <= bytes.len() + 32,
            "{name}: {saved}"
        );
    }
    // Both run alike, with code evicted and re-translated from the borrowed bytes.
    let owned = Module::new(&engine, NUMFMT).unwrap();
    let borrowed = Module::from_static(&engine, NUMFMT).unwrap();
    let out = run_numfmt(&borrowed, &engine);
    assert!(out.contains("rounds 50 checksum"), "{out}");
    assert_eq!(out, run_numfmt(&owned, &engine));
    // Invalid bytes are an error, as with `Module::new`.
    assert!(Module::from_static(&engine, b"\0asm\x01\0\0\0\x01").is_err());
}
