//! With fuel on, a WASI function charges by the bytes it moves between guest memory and the
//! host, as bulk memory ops do (`runtime/fuel.rs`, cost table): 1 per 64 bytes.

use fayasm::wasi::{self, WasiCtx};
use fayasm::{Config, Engine, Error, Linker, Module, Store, TrapCode, Val};

/// `put(n)` writes the first `n` bytes of memory to stdout with one `fd_write`; `put2(n)`
/// calls it twice.
const WAT: &str = r#"(module
  (import "wasi_snapshot_preview1" "fd_write" (func $w (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 2)
  (func $put (export "put") (param $n i32) (result i32)
    (i32.store (i32.const 65536) (i32.const 0))
    (i32.store (i32.const 65540) (local.get $n))
    (call $w (i32.const 1) (i32.const 65536) (i32.const 1) (i32.const 65544)))
  (func (export "put2") (param $n i32) (result i32)
    (drop (call $put (local.get $n)))
    (call $put (local.get $n))))"#;

fn setup(fuel: u64, export: &str) -> (Store<WasiCtx>, fayasm::Func) {
    let engine = Engine::new(Config::default().consume_fuel(true));
    let module = Module::new(&engine, wat::parse_str(WAT).unwrap()).unwrap();
    let mut store = Store::new(&engine, WasiCtx::new().capture_stdout());
    let mut linker = Linker::new(&engine);
    wasi::add_to_linker(&mut linker, &mut store, |ctx| ctx).unwrap();
    let inst = linker.instantiate(&mut store, &module).unwrap();
    store.set_fuel(fuel).unwrap();
    let put = inst.get_func(&store, export).unwrap();
    (store, put)
}

/// Fuel `export(n)` takes.
fn cost_of(export: &str, n: i32) -> u64 {
    let (mut store, put) = setup(1 << 40, export);
    let mut out = [Val::I32(-1)];
    put.call(&mut store, &[Val::I32(n)], &mut out).unwrap();
    assert_eq!(out[0], Val::I32(0));
    (1 << 40) - store.get_fuel().unwrap()
}

fn cost(n: i32) -> u64 {
    cost_of("put", n)
}

#[test]
fn wasi_calls_charge_by_the_bytes_they_move() {
    let none = cost(0);
    // The iovec and the count written back are moved too (a few bytes: at most one more).
    assert_eq!(cost(64 * 1000) - none, 1000);
    assert_eq!(cost(65_536) - none, 1024);
    assert!(cost(32) - none <= 1);
}

#[test]
fn a_wasi_call_that_outruns_the_fuel_stops_the_guest_after_it() {
    // Enough fuel for the calls themselves, not for the 1,024 the bytes of the first cost:
    // that call happens (its output is there) and the guest stops at its next check, the
    // entry of the second.
    let (mut store, put) = setup(cost_of("put2", 0) + 100, "put2");
    let mut out = [Val::I32(-1)];
    let e = put
        .call(&mut store, &[Val::I32(65_536)], &mut out)
        .unwrap_err();
    match e {
        Error::Trap(t) => assert_eq!(t.code(), TrapCode::OutOfFuel),
        e => panic!("{e}"),
    }
    assert_eq!(store.data().stdout().len(), 65_536);
    assert_eq!(store.get_fuel().unwrap(), 0);
}
