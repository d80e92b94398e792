//! RAM a module holds (issue 19, item 1): `Module::new` keeps a copy of the module's bytes,
//! `Module::from_static` borrows them (flash on a device), and re-translates evicted code from
//! the borrowed bytes. Measured with the test binary's counting allocator (`support::alloc`:
//! only the measuring thread's allocations; other tests allocate on other threads meanwhile).

use fayasm::wasi::{self, WasiCtx};
use fayasm::{CodeEviction, Config, Engine, Error, Linker, Module, Store, TrapCode};

use crate::support::alloc;

const NUMFMT: &[u8] = include_bytes!("../../../wasm_samples/wasm/wasi_numfmt.wasm");
const COREMARK: &[u8] = include_bytes!("../../../wasm_samples/wasm/bench_coremark.wasm");

/// Bytes still allocated while the module made by `make` is alive.
fn held(make: impl FnOnce() -> Module) -> usize {
    alloc::start();
    let module = make();
    let held = alloc::live();
    alloc::stop();
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
        // A first load leaves the engine its load buffers (`Engine`'s scratch, std builds),
        // which the module does not hold.
        drop(Module::new(&engine, bytes).unwrap());
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
