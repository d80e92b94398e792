//! memory64, multi-memory, tail calls and extended constants: what the spec suites do not pin.

use fayasm::{Config, Engine, Error, Linker, Module, Store, TrapCode, Val};

fn instance(config: Config, wat: &str) -> (Store<()>, fayasm::Instance) {
    let engine = Engine::new(config);
    let module = Module::new(&engine, wat::parse_str(wat).unwrap()).unwrap();
    let mut store = Store::new(&engine, ());
    let inst = Linker::new(&engine)
        .instantiate(&mut store, &module)
        .unwrap();
    (store, inst)
}

fn trap_code(r: Result<(), Error>) -> TrapCode {
    match r {
        Err(Error::Trap(t)) => t.code(),
        other => panic!("expected a trap, got {other:?}"),
    }
}

#[test]
fn memory64_accesses_near_2_pow_64_trap_without_wrapping() {
    let (mut store, inst) = instance(
        Config::default(),
        r#"(module (memory i64 1)
            (func (export "load") (param i64) (result i32) (i32.load offset=8 (local.get 0)))
            (func (export "store") (param i64) (i64.store offset=0xffffffffffffff00 (local.get 0) (i64.const 7)))
            (func (export "fill") (param i64 i64) (memory.fill (local.get 0) (i32.const 1) (local.get 1)))
            (func (export "grow") (param i64) (result i64) (memory.grow (local.get 0))))"#,
    );
    let load = inst.get_func(&store, "load").unwrap();
    let store_f = inst.get_func(&store, "store").unwrap();
    let fill = inst.get_func(&store, "fill").unwrap();
    let mut out = [Val::I32(0)];
    // Addresses whose sum with the offset wraps around 2^64 must trap, not hit address 0.
    for addr in [u64::MAX, u64::MAX - 7, u64::MAX - 8, u64::MAX - 11, 1 << 63] {
        assert_eq!(
            trap_code(load.call(&mut store, &[Val::I64(addr as i64)], &mut out)),
            TrapCode::MemoryOutOfBounds,
            "load at {addr:#x}"
        );
    }
    for addr in [0x100u64, 0x108, u64::MAX] {
        assert_eq!(
            trap_code(store_f.call(&mut store, &[Val::I64(addr as i64)], &mut [])),
            TrapCode::MemoryOutOfBounds
        );
    }
    assert_eq!(
        trap_code(fill.call(&mut store, &[Val::I64(16), Val::I64(-1)], &mut [])),
        TrapCode::MemoryOutOfBounds
    );
    // The last valid address still works.
    load.call(&mut store, &[Val::I64(65536 - 12)], &mut out)
        .unwrap();
    // Growing past any possible size returns -1.
    let grow = inst.get_func(&store, "grow").unwrap();
    let mut old = [Val::I64(0)];
    grow.call(&mut store, &[Val::I64(i64::MAX)], &mut old)
        .unwrap();
    assert_eq!(old, [Val::I64(-1)]);
    grow.call(&mut store, &[Val::I64(-1)], &mut old).unwrap();
    assert_eq!(old, [Val::I64(-1)]);
}

#[test]
fn a_million_tail_calls_run_in_constant_stack() {
    // A small call-depth limit proves the tail calls do not nest.
    let (mut store, inst) = instance(
        Config::default().max_call_depth(16),
        r#"(module
            (func $even (export "even") (param i64) (result i32)
              (if (result i32) (i64.eqz (local.get 0)) (then (i32.const 1))
                (else (return_call $odd (i64.sub (local.get 0) (i64.const 1))))))
            (func $odd (param i64) (result i32)
              (if (result i32) (i64.eqz (local.get 0)) (then (i32.const 0))
                (else (return_call_indirect (param i64) (result i32)
                  (i64.sub (local.get 0) (i64.const 1)) (i32.const 0)))))
            (table funcref (elem $even)))"#,
    );
    let even = inst.get_func(&store, "even").unwrap();
    let mut out = [Val::I32(0)];
    even.call(&mut store, &[Val::I64(1_000_000)], &mut out)
        .unwrap();
    assert_eq!(out, [Val::I32(1)]);
    even.call(&mut store, &[Val::I64(1_000_001)], &mut out)
        .unwrap();
    assert_eq!(out, [Val::I32(0)]);
}

#[test]
fn multi_memory_copies_between_memories() {
    let (mut store, inst) = instance(
        Config::default(),
        r#"(module (memory $a 1) (memory $b 1)
            (data (memory $b) (i32.const 4) "\2a")
            (func (export "f") (result i32)
              (memory.copy $a $b (i32.const 100) (i32.const 4) (i32.const 1))
              (i32.load8_u $a (i32.const 100))))"#,
    );
    let f = inst.get_func(&store, "f").unwrap();
    let mut out = [Val::I32(0)];
    f.call(&mut store, &[], &mut out).unwrap();
    assert_eq!(out, [Val::I32(42)]);
}

#[test]
fn disabled_features_are_rejected_at_validation() {
    let cases = [
        (
            Config::default().wasm_memory64(false),
            "(module (memory i64 1))",
            "memory64",
        ),
        (
            Config::default().wasm_multi_memory(false),
            "(module (memory 1) (memory 1))",
            "multiple memories",
        ),
        (
            Config::default().wasm_tail_call(false),
            "(module (func $f (return_call $f)))",
            "tail call",
        ),
        (
            Config::default().wasm_extended_const(false),
            "(module (global i32 (i32.add (i32.const 1) (i32.const 2))))",
            "constant expression",
        ),
    ];
    for (config, wat, needle) in cases {
        let engine = Engine::new(config);
        let bytes = wat::parse_str(wat).unwrap();
        match Module::new(&engine, &bytes) {
            Err(Error::Module(e)) => assert!(e.message.contains(needle), "{wat}: {}", e.message),
            other => panic!("{wat}: expected rejection, got {other:?}"),
        }
        // The same module is accepted with the default configuration.
        Module::new(&Engine::default(), &bytes).unwrap();
    }
}

/// The proposals a cargo feature builds (`simd`, `gc`, `threads`, `exceptions`): with its
/// `Config` switch on, a module using one validates when the crate has the feature and is
/// otherwise a validation error naming it (the firmware build leaves them out). The workspace
/// tests build every feature; `cargo test -p fayasm --no-default-features --features std,...
/// --test all -- cargo_features` checks the other side.
#[test]
fn cargo_features_off_reject_their_modules_naming_them() {
    let all = Config::default()
        .wasm_simd(true)
        .wasm_gc(true)
        .wasm_threads(true)
        .wasm_exceptions(true);
    let cases = [
        (
            cfg!(feature = "simd"),
            "(module (func (result v128) (v128.const i64x2 0 0)))",
            "SIMD",
        ),
        (
            cfg!(feature = "gc"),
            "(module (rec (type (func)) (type (func))))",
            "gc",
        ),
        (
            cfg!(feature = "threads"),
            "(module (memory 1 1 shared))",
            "threads",
        ),
        (
            cfg!(feature = "threads"),
            "(module (memory 1 1) (func (drop (i32.atomic.load (i32.const 0)))))",
            "threads",
        ),
        (cfg!(feature = "exceptions"), "(module (tag))", "exception"),
        (
            cfg!(feature = "exceptions"),
            "(module (func (try_table (catch_all 0))))",
            "exception",
        ),
        (
            cfg!(feature = "exceptions"),
            "(module (func (param exnref) (throw_ref (local.get 0))))",
            "exception",
        ),
    ];
    for (built, wat, needle) in cases {
        let bytes = wat::parse_str(wat).unwrap();
        match Module::new(&Engine::new(all.clone()), &bytes) {
            Ok(_) if built => {}
            Err(Error::Module(e)) if !built => {
                assert!(e.message.contains(needle), "{wat}: {}", e.message)
            }
            other => panic!("{wat} (feature built: {built}): got {other:?}"),
        }
    }
}
