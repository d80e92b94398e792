//! Store resource limits (`StoreLimits`): a memory, table or instance over a limit is a typed
//! error at creation, growth past one is -1, and the stacks are bounded in bytes whatever the
//! configured depth, so unbounded recursion traps instead of exhausting the host.

use fayasm::{
    Config, Engine, Error, Linker, Memory, MemoryType, Module, Store, StoreLimits, TrapCode, Val,
};

fn module(engine: &Engine, wat: &str) -> Module {
    Module::new(engine, wat::parse_str(wat).unwrap()).unwrap()
}

fn call(
    store: &mut Store<()>,
    inst: fayasm::Instance,
    name: &str,
    args: &[Val],
) -> Result<Val, Error> {
    let f = inst.get_func(&mut *store, name).unwrap();
    let mut out = [Val::I32(0)];
    f.call(store, args, &mut out)?;
    Ok(out[0])
}

fn trap_code(e: Error) -> TrapCode {
    match e {
        Error::Trap(t) => t.code(),
        e => panic!("expected a trap, got {e}"),
    }
}

const MEMORIES: &str = r#"(module
  (memory $a 2)
  (memory $b 2)
  (func (export "grow_a") (param i32) (result i32) (memory.grow $a (local.get 0)))
  (func (export "grow_b") (param i32) (result i32) (memory.grow $b (local.get 0))))"#;

#[test]
fn memory_limits() {
    let engine = Engine::default();
    let m = module(&engine, MEMORIES);
    // Per memory: a declared minimum over it fails instantiation; growth stops at it.
    let mut store = Store::new(&engine, ());
    store.set_limits(StoreLimits::default().memory_size(1 << 16));
    assert!(matches!(
        Linker::new(&engine).instantiate(&mut store, &m),
        Err(Error::Limit(_))
    ));
    let mut store = Store::new(&engine, ());
    store.set_limits(StoreLimits::default().memory_size(3 << 16));
    let inst = Linker::new(&engine).instantiate(&mut store, &m).unwrap();
    assert_eq!(
        call(&mut store, inst, "grow_a", &[Val::I32(1)]),
        Ok(Val::I32(2))
    );
    assert_eq!(
        call(&mut store, inst, "grow_a", &[Val::I32(1)]),
        Ok(Val::I32(-1))
    );
    // In total: 6 pages for both.
    let mut store = Store::new(&engine, ());
    store.set_limits(StoreLimits::default().memories_total(6 << 16));
    let inst = Linker::new(&engine).instantiate(&mut store, &m).unwrap();
    assert_eq!(store.memory_bytes(), 4 << 16);
    assert_eq!(
        call(&mut store, inst, "grow_a", &[Val::I32(1)]),
        Ok(Val::I32(2))
    );
    assert_eq!(
        call(&mut store, inst, "grow_b", &[Val::I32(2)]),
        Ok(Val::I32(-1))
    );
    assert_eq!(
        call(&mut store, inst, "grow_b", &[Val::I32(1)]),
        Ok(Val::I32(2))
    );
    assert_eq!(
        call(&mut store, inst, "grow_b", &[Val::I32(1)]),
        Ok(Val::I32(-1))
    );
    assert_eq!(store.memory_bytes(), 6 << 16);
    // Host memories count too, and a second instance no longer fits.
    let ty = MemoryType::new(1, None);
    assert!(matches!(Memory::new(&mut store, ty), Err(Error::Limit(_))));
    assert!(matches!(
        Linker::new(&engine).instantiate(&mut store, &m),
        Err(Error::Limit(_))
    ));
    // A huge grow is -1, never an abort (the engine's own maximum applies too).
    let mut store = Store::new(&engine, ());
    let inst = Linker::new(&engine).instantiate(&mut store, &m).unwrap();
    assert_eq!(
        call(&mut store, inst, "grow_a", &[Val::I32(-1)]),
        Ok(Val::I32(-1))
    );
}

#[test]
fn table_and_instance_limits() {
    let engine = Engine::default();
    let m = module(
        &engine,
        r#"(module (table $t 10 funcref)
             (func (export "grow") (param i32) (result i32)
               (table.grow $t (ref.null func) (local.get 0))))"#,
    );
    let mut store = Store::new(&engine, ());
    store.set_limits(StoreLimits::default().table_elements(5));
    assert!(matches!(
        Linker::new(&engine).instantiate(&mut store, &m),
        Err(Error::Limit(_))
    ));
    let mut store = Store::new(&engine, ());
    store.set_limits(StoreLimits::default().table_elements(15).instances(1));
    let inst = Linker::new(&engine).instantiate(&mut store, &m).unwrap();
    assert_eq!(
        call(&mut store, inst, "grow", &[Val::I32(5)]),
        Ok(Val::I32(10))
    );
    assert_eq!(
        call(&mut store, inst, "grow", &[Val::I32(1)]),
        Ok(Val::I32(-1))
    );
    assert_eq!(
        call(&mut store, inst, "grow", &[Val::I32(-1)]),
        Ok(Val::I32(-1))
    );
    assert_eq!(
        Linker::new(&engine).instantiate(&mut store, &m).err(),
        Some(Error::Limit("instances over the store's limit"))
    );
}

const RECURSION: &str = r#"(module
  (func $forever (export "forever") (call $forever))
  (func $down (export "down") (param i32) (result i32)
    (if (result i32) (i32.eqz (local.get 0)) (then (i32.const 0))
      (else (call $down (i32.sub (local.get 0) (i32.const 1))))))
  (func $wide (export "wide") (param i32) (result i32)
    (local i64 i64 i64 i64 i64 i64 i64 i64)
    (if (result i32) (i32.eqz (local.get 0)) (then (i32.const 0))
      (else (call $wide (i32.sub (local.get 0) (i32.const 1)))))))"#;

#[test]
fn unbounded_recursion_with_unbounded_depth_traps() {
    // No depth or cell limit from the configuration: the default stack byte limits stop a
    // recursion whose frames take no value cells, long before the host runs out of RAM.
    let engine = Engine::new(
        Config::default()
            .max_call_depth(usize::MAX)
            .max_value_stack(usize::MAX),
    );
    let m = module(&engine, RECURSION);
    let mut store = Store::new(&engine, ());
    let inst = Linker::new(&engine).instantiate(&mut store, &m).unwrap();
    let f = inst.get_func(&store, "forever").unwrap();
    let e = f.call(&mut store, &[], &mut []).unwrap_err();
    assert_eq!(trap_code(e), TrapCode::StackOverflow);
    // The store stays usable.
    assert_eq!(
        call(&mut store, inst, "down", &[Val::I32(1000)]),
        Ok(Val::I32(0))
    );
}

#[test]
fn stack_byte_limits_bound_depth_and_cells() {
    let engine = Engine::new(Config::default().max_call_depth(usize::MAX));
    let m = module(&engine, RECURSION);
    let mut store = Store::new(&engine, ());
    store.set_limits(StoreLimits::default().frame_stack_bytes(4096));
    let inst = Linker::new(&engine).instantiate(&mut store, &m).unwrap();
    assert_eq!(
        call(&mut store, inst, "down", &[Val::I32(20)]),
        Ok(Val::I32(0))
    );
    let e = call(&mut store, inst, "down", &[Val::I32(100_000)]).unwrap_err();
    assert_eq!(trap_code(e), TrapCode::StackOverflow);
    let mut store = Store::new(&engine, ());
    store.set_limits(StoreLimits::default().value_stack_bytes(64 << 10));
    let inst = Linker::new(&engine).instantiate(&mut store, &m).unwrap();
    assert_eq!(
        call(&mut store, inst, "wide", &[Val::I32(100)]),
        Ok(Val::I32(0))
    );
    let e = call(&mut store, inst, "wide", &[Val::I32(10_000)]).unwrap_err();
    assert_eq!(trap_code(e), TrapCode::StackOverflow);
}
