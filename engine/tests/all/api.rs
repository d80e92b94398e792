//! Public API behaviour the spec testsuite does not cover.

use fayasm::{
    Config, Engine, Error, ExternRef, Func, FuncType, Global, GlobalType, Linker, Memory,
    MemoryType, Module, RefType, Store, Table, TableType, TrapCode, Val, ValType,
};

fn module(engine: &Engine, wat: &str) -> Module {
    Module::new(engine, wat::parse_str(wat).expect("valid wat")).expect("valid module")
}

fn instantiate(wat: &str) -> (Store<()>, fayasm::Instance) {
    let engine = Engine::default();
    let m = module(&engine, wat);
    let mut store = Store::new(&engine, ());
    let inst = Linker::new(&engine)
        .instantiate(&mut store, &m)
        .expect("instantiates");
    (store, inst)
}

fn call(
    store: &mut Store<()>,
    inst: fayasm::Instance,
    name: &str,
    args: &[Val],
    n: usize,
) -> Result<Vec<Val>, Error> {
    let f = inst.get_func(&*store, name).expect("export exists");
    let mut out = vec![Val::I32(0); n];
    f.call(store, args, &mut out)?;
    Ok(out)
}

#[test]
fn factorial_loop_and_recursion() {
    let (mut store, inst) = instantiate(
        r#"(module
            (func $rec (export "rec") (param i64) (result i64)
              (if (result i64) (i64.eqz (local.get 0))
                (then (i64.const 1))
                (else (i64.mul (local.get 0) (call $rec (i64.sub (local.get 0) (i64.const 1)))))))
            (func (export "iter") (param i64) (result i64) (local i64)
              (local.set 1 (i64.const 1))
              (block (loop
                (br_if 1 (i64.eqz (local.get 0)))
                (local.set 1 (i64.mul (local.get 0) (local.get 1)))
                (local.set 0 (i64.sub (local.get 0) (i64.const 1)))
                (br 0)))
              (local.get 1)))"#,
    );
    assert_eq!(
        call(&mut store, inst, "rec", &[Val::I64(20)], 1).unwrap(),
        [Val::I64(2432902008176640000)]
    );
    assert_eq!(
        call(&mut store, inst, "iter", &[Val::I64(20)], 1).unwrap(),
        [Val::I64(2432902008176640000)]
    );
}

#[test]
fn bad_bytes_are_typed_errors() {
    let engine = Engine::default();
    let good = wat::parse_str("(module (func (export \"f\")))").unwrap();
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("empty", vec![]),
        ("garbage", b"hello, world".to_vec()),
        ("wrong magic", vec![0, b'a', b's', b'n', 1, 0, 0, 0]),
        ("wrong version", vec![0, b'a', b's', b'm', 2, 0, 0, 0]),
        ("truncated", good[..good.len() - 3].to_vec()),
    ];
    for (what, bytes) in cases {
        match Module::new(&engine, &bytes) {
            Err(Error::Module(e)) => assert!(!e.message.is_empty(), "{what}"),
            other => panic!("{what}: expected a module error, got {other:?}"),
        }
    }
    // Every prefix of a valid module decodes or fails with a typed error, never a panic; the
    // prefixes that cut a section in two are errors.
    let cut_in_section = (9..good.len())
        .filter(|&n| Module::new(&engine, &good[..n]).is_err())
        .count();
    assert!(cut_in_section > 0);
}

#[test]
fn invalid_module_is_rejected() {
    let engine = Engine::default();
    let bytes = wat::parse_str("(module (func (result i32) (i64.const 0)))").unwrap();
    assert!(matches!(
        Module::new(&engine, &bytes),
        Err(Error::Module(_))
    ));
}

#[test]
fn simd_switched_off_is_rejected_with_a_clear_error() {
    let engine = Engine::new(Config::default().wasm_simd(false));
    let bytes = wat::parse_str("(module (func (result v128) (v128.const i64x2 0 0)))").unwrap();
    match Module::new(&engine, &bytes) {
        Err(Error::Module(e)) => assert!(e.message.contains("SIMD"), "{}", e.message),
        other => panic!("expected rejection, got {other:?}"),
    }
}

/// SIMD instructions in a function without v128 types: a build without the `simd` feature
/// (wasmparser's `simd` feature follows it: the reader rejects the 0xFD prefix) and a build
/// with it but SIMD switched off in the config both reject them with a module error.
#[test]
fn simd_instructions_switched_off_are_rejected() {
    let engine = Engine::new(Config::default().wasm_simd(false));
    let bytes = wat::parse_str(
        "(module (func (result i32) (i8x16.extract_lane_u 0 (i8x16.splat (i32.const 7)))))",
    )
    .unwrap();
    match Module::new(&engine, &bytes) {
        Err(Error::Module(e)) => assert!(e.message.contains("SIMD"), "{}", e.message),
        other => panic!("expected rejection, got {other:?}"),
    }
}

#[test]
fn traps_are_values() {
    let (mut store, inst) = instantiate(
        r#"(module (memory 1)
            (func (export "div") (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1)))
            (func (export "oob") (result i32) (i32.load (i32.const 65535)))
            (func (export "unreachable") unreachable))"#,
    );
    let code = |r: Result<Vec<Val>, Error>| match r {
        Err(Error::Trap(t)) => t.code(),
        other => panic!("expected trap, got {other:?}"),
    };
    assert_eq!(
        code(call(
            &mut store,
            inst,
            "div",
            &[Val::I32(1), Val::I32(0)],
            1
        )),
        TrapCode::IntegerDivisionByZero
    );
    assert_eq!(
        code(call(
            &mut store,
            inst,
            "div",
            &[Val::I32(i32::MIN), Val::I32(-1)],
            1
        )),
        TrapCode::IntegerOverflow
    );
    assert_eq!(
        code(call(&mut store, inst, "oob", &[], 1)),
        TrapCode::MemoryOutOfBounds
    );
    assert_eq!(
        code(call(&mut store, inst, "unreachable", &[], 0)),
        TrapCode::Unreachable
    );
    // The store stays usable after a trap.
    assert_eq!(
        call(&mut store, inst, "div", &[Val::I32(7), Val::I32(2)], 1).unwrap(),
        [Val::I32(3)]
    );
}

#[test]
fn deep_recursion_is_a_trap_not_a_native_overflow() {
    let engine = Engine::new(
        Config::default()
            .max_call_depth(1_000_000)
            .max_value_stack(1 << 24),
    );
    let m = module(
        &engine,
        r#"(module (func $f (export "f") (param i32) (result i32) (call $f (local.get 0))))"#,
    );
    let mut store = Store::new(&engine, ());
    let inst = Linker::new(&engine).instantiate(&mut store, &m).unwrap();
    let f = inst.get_func(&store, "f").unwrap();
    let mut out = [Val::I32(0)];
    match f.call(&mut store, &[Val::I32(1)], &mut out) {
        Err(Error::Trap(t)) => assert_eq!(t.code(), TrapCode::StackOverflow),
        other => panic!("expected stack exhaustion, got {other:?}"),
    }
}

#[test]
fn call_depth_limit_is_configurable() {
    let wat = r#"(module (func $f (export "f") (param i32) (result i32)
        (if (result i32) (local.get 0)
          (then (i32.add (i32.const 1) (call $f (i32.sub (local.get 0) (i32.const 1)))))
          (else (i32.const 0)))))"#;
    for (limit, depth, ok) in [(100, 50, true), (100, 200, false)] {
        let engine = Engine::new(Config::default().max_call_depth(limit));
        let m = module(&engine, wat);
        let mut store = Store::new(&engine, ());
        let inst = Linker::new(&engine).instantiate(&mut store, &m).unwrap();
        let r = call(&mut store, inst, "f", &[Val::I32(depth)], 1);
        assert_eq!(r.is_ok(), ok, "limit {limit} depth {depth}: {r:?}");
    }
}

#[test]
fn host_functions_globals_memories_tables() {
    let engine = Engine::default();
    let m = module(
        &engine,
        r#"(module
            (import "env" "add" (func $add (param i32 i32) (result i32)))
            (import "env" "g" (global $g (mut i32)))
            (import "env" "mem" (memory 1))
            (import "env" "tab" (table 2 funcref))
            (func (export "run") (result i32)
              (global.set $g (call $add (global.get $g) (i32.const 5)))
              (i32.store (i32.const 8) (global.get $g))
              (i32.load (i32.const 8)))
            (func (export "ext") (param externref) (result externref) (local.get 0)))"#,
    );
    let mut store = Store::new(&engine, 0u32);
    let add = Func::new(
        &mut store,
        FuncType::new([ValType::I32, ValType::I32], [ValType::I32]),
        |mut caller, p, r| {
            *caller.data_mut() += 1;
            if let (Val::I32(a), Val::I32(b)) = (p[0], p[1]) {
                r[0] = Val::I32(a + b);
            }
            Ok(())
        },
    );
    let g = Global::new(
        &mut store,
        GlobalType::new(ValType::I32, true),
        Val::I32(10),
    )
    .unwrap();
    let mem = Memory::new(&mut store, MemoryType::new(1, Some(2))).unwrap();
    let tab = Table::new(
        &mut store,
        TableType::new(RefType::FuncRef, 2, None),
        Val::FuncRef(None),
    )
    .unwrap();
    let mut linker = Linker::new(&engine);
    linker
        .define(&store, "env", "add", add)
        .unwrap()
        .define(&store, "env", "g", g)
        .unwrap()
        .define(&store, "env", "mem", mem)
        .unwrap()
        .define(&store, "env", "tab", tab)
        .unwrap();
    let inst = linker.instantiate(&mut store, &m).unwrap();
    let run = inst.get_func(&store, "run").unwrap();
    let mut out = [Val::I32(0)];
    run.call(&mut store, &[], &mut out).unwrap();
    assert_eq!(out, [Val::I32(15)]);
    assert_eq!(g.get(&store), Val::I32(15));
    assert_eq!(&mem.data(&store)[8..12], &15u32.to_le_bytes());
    assert_eq!(*store.data(), 1);

    let ext = inst.get_func(&store, "ext").unwrap();
    let r = ExternRef::new(u32::MAX);
    let mut out = [Val::ExternRef(None)];
    ext.call(&mut store, &[Val::ExternRef(Some(r))], &mut out)
        .unwrap();
    assert_eq!(out, [Val::ExternRef(Some(r))]);

    // Wrong argument types and counts are typed errors.
    assert!(matches!(
        run.call(&mut store, &[Val::I32(1)], &mut [Val::I32(0)]),
        Err(Error::TypeMismatch(_))
    ));
    assert!(matches!(
        ext.call(&mut store, &[Val::I32(1)], &mut [Val::I32(0)]),
        Err(Error::TypeMismatch(_))
    ));
}

#[test]
fn missing_and_mismatched_imports_are_link_errors() {
    let engine = Engine::default();
    let m = module(&engine, r#"(module (import "env" "f" (func (param i32))))"#);
    let mut store = Store::new(&engine, ());
    assert!(matches!(
        Linker::new(&engine).instantiate(&mut store, &m),
        Err(Error::Link(_))
    ));
    let wrong = Func::new(&mut store, FuncType::new([], []), |_, _, _| Ok(()));
    let mut linker = Linker::new(&engine);
    linker.define(&store, "env", "f", wrong).unwrap();
    assert!(matches!(
        linker.instantiate(&mut store, &m),
        Err(Error::Link(_))
    ));
}

#[test]
fn prescan_translates_everything_at_instantiation() {
    let engine = Engine::new(Config::default().prescan(true));
    let m = module(
        &engine,
        r#"(module (func (export "f") (result i32) (i32.const 7)))"#,
    );
    let mut store = Store::new(&engine, ());
    let inst = Linker::new(&engine).instantiate(&mut store, &m).unwrap();
    let f = inst.get_func(&store, "f").unwrap();
    let code = f.translate(&mut store).unwrap().expect("wasm function");
    assert!(!code.code.is_empty());
}
