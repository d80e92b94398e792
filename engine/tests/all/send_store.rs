//! `Store<T: Send>` is `Send` (issue 16): a store moves to another thread, as wasmtime's does.
//! The static assertions fail the build, not a test, if any part of the store stops being `Send`.

use fayasm::{Engine, Func, Linker, Module, Store, TypedFunc, Val};

const fn assert_send<T: Send>() {}
const fn assert_send_sync<T: Send + Sync>() {}

const _: () = assert_send::<Store<()>>();
const _: () = assert_send::<Store<Vec<u8>>>();
const _: () = assert_send_sync::<Engine>();
const _: () = assert_send_sync::<Module>();
const _: () = assert_send_sync::<Linker<()>>();
const _: () = assert_send_sync::<Func>();
const _: () = assert_send_sync::<TypedFunc<(i32, i32), i32>>();

#[test]
fn a_store_moves_to_another_thread_and_runs_there() {
    let engine = Engine::default();
    let wasm = wat::parse_str(
        r#"(module (import "host" "double" (func $d (param i32) (result i32)))
             (func (export "f") (param i32) (result i32) (call $d (local.get 0))))"#,
    )
    .unwrap();
    let module = Module::new(&engine, &wasm).unwrap();
    let mut linker = Linker::new(&engine);
    linker.func_wrap("host", "double", |x: i32| x * 2).unwrap();
    let mut store = Store::new(&engine, 0u32);
    let instance = linker.instantiate(&mut store, &module).unwrap();
    let f = instance.get_typed_func::<i32, i32>(&store, "f").unwrap();
    let (mut store, got) = std::thread::spawn(move || {
        let got = f.call(&mut store, 21).unwrap();
        (store, got)
    })
    .join()
    .unwrap();
    assert_eq!(got, 42);
    // Back on this thread, the store still works, through the untyped path too.
    let f = instance.get_func(&store, "f").unwrap();
    let mut out = [Val::I32(0)];
    f.call(&mut store, &[Val::I32(5)], &mut out).unwrap();
    assert_eq!(out[0], Val::I32(10));
}

#[test]
fn a_store_with_storage_and_trap_hook_moves_to_another_thread() {
    let engine = Engine::default();
    let wasm =
        wat::parse_str(r#"(module (func (export "f") (result i32) (i32.const 7)))"#).unwrap();
    let module = Module::new(&engine, &wasm).unwrap();
    let mut store = Store::new(&engine, ());
    store.set_storage(fayasm::offload::MemStorage::default());
    let instance = Linker::new(&engine)
        .instantiate(&mut store, &module)
        .unwrap();
    let f = instance.get_typed_func::<(), i32>(&store, "f").unwrap();
    f.func().set_trap(&mut store, true);
    let seen = std::sync::Arc::new(std::sync::atomic::AtomicU32::new(0));
    let counter = seen.clone();
    store.set_trap_hook(move |_, _| {
        counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        fayasm::HookAction::Continue
    });
    let got = std::thread::spawn(move || f.call(&mut store, ()).unwrap())
        .join()
        .unwrap();
    assert_eq!(got, 7);
    assert_eq!(seen.load(std::sync::atomic::Ordering::Relaxed), 1);
}
