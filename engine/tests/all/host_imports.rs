//! Binding imports to host functions, memories, tables and globals, and rebinding imported
//! memories and tables of a live instance.

use fayasm::{
    Engine, Error, Func, FuncType, Global, GlobalType, Instance, LinkError, Linker, Memory,
    MemoryType, Module, RefType, Store, Table, TableType, Trap, TrapCode, Val, ValType,
};

fn module(engine: &Engine, wat: &str) -> Module {
    Module::new(engine, wat::parse_str(wat).expect("valid wat")).expect("valid module")
}

fn call<T>(
    store: &mut Store<T>,
    inst: Instance,
    name: &str,
    args: &[Val],
) -> Result<Vec<Val>, Error> {
    let f = inst.get_func(&mut *store, name).expect("export exists");
    let mut out: Vec<Val> = f
        .ty(&mut *store)
        .results()
        .iter()
        .map(|t| Val::default_for(*t))
        .collect();
    f.call(store, args, &mut out)?;
    Ok(out)
}

/// Host state for the closure tests.
#[derive(Default)]
struct Host {
    calls: u32,
    log: Vec<String>,
}

#[test]
fn closures_read_and_write_the_callers_memory_and_host_state() {
    let engine = Engine::default();
    let m = module(
        &engine,
        r#"(module
            (import "env" "sum" (func $sum (param i32 i32) (result i64)))
            (import "env" "fill" (func $fill (param i32 i32 i32)))
            (import "env" "log" (func $log (param i32 i32)))
            (memory (export "memory") 1)
            (data (i32.const 100) "from wasm")
            (func (export "run") (result i64)
              (call $log (i32.const 100) (i32.const 9))
              (call $fill (i32.const 0) (i32.const 10) (i32.const 7))
              (call $sum (i32.const 0) (i32.const 10))))"#,
    );
    let mut store = Store::new(&engine, Host::default());
    let sum = Func::new(
        &mut store,
        FuncType::new([ValType::I32, ValType::I32], [ValType::I64]),
        |mut caller, params, results| {
            let (Val::I32(ptr), Val::I32(len)) = (params[0], params[1]) else {
                unreachable!()
            };
            let mem = caller.memory(0).expect("memory");
            let bytes = mem.data(caller.store());
            let total: i64 = bytes[ptr as usize..(ptr + len) as usize]
                .iter()
                .map(|&b| b as i64)
                .sum();
            caller.data_mut().calls += 1;
            results[0] = Val::I64(total);
            Ok(())
        },
    );
    let fill = Func::new(
        &mut store,
        FuncType::new([ValType::I32; 3], []),
        |mut caller, params, _| {
            let (Val::I32(ptr), Val::I32(len), Val::I32(byte)) = (params[0], params[1], params[2])
            else {
                unreachable!()
            };
            let mem = caller
                .get_export("memory")
                .and_then(|e| e.into_memory())
                .expect("exported memory");
            mem.data_mut(caller.store())[ptr as usize..(ptr + len) as usize].fill(byte as u8);
            caller.data_mut().calls += 1;
            Ok(())
        },
    );
    let log = Func::new(
        &mut store,
        FuncType::new([ValType::I32; 2], []),
        |mut caller, params, _| {
            let (Val::I32(ptr), Val::I32(len)) = (params[0], params[1]) else {
                unreachable!()
            };
            let mem = caller.memory(0).expect("memory");
            let text = String::from_utf8_lossy(
                &mem.data(caller.store())[ptr as usize..(ptr + len) as usize],
            )
            .into_owned();
            caller.data_mut().log.push(text);
            Ok(())
        },
    );
    let mut linker = Linker::new(&engine);
    linker
        .define(&store, "env", "sum", sum)
        .unwrap()
        .define(&store, "env", "fill", fill)
        .unwrap()
        .define(&store, "env", "log", log)
        .unwrap();
    let inst = linker.instantiate(&mut store, &m).unwrap();
    assert_eq!(call(&mut store, inst, "run", &[]).unwrap(), [Val::I64(70)]);
    assert_eq!(store.data().calls, 2);
    assert_eq!(store.data().log, ["from wasm"]);
}

#[test]
fn a_host_trap_stops_execution_and_keeps_its_message() {
    let engine = Engine::default();
    let m = module(
        &engine,
        r#"(module
            (import "env" "check" (func $check (param i32)))
            (global $after (export "after") (mut i32) (i32.const 0))
            (func (export "run") (param i32)
              (call $check (local.get 0))
              (global.set $after (i32.const 1))))"#,
    );
    let mut store = Store::new(&engine, ());
    let check = Func::new(
        &mut store,
        FuncType::new([ValType::I32], []),
        |_, params, _| match params[0] {
            Val::I32(n) if n < 0 => Err(Trap::host(format!("negative input {n}"))),
            _ => Ok(()),
        },
    );
    let mut linker = Linker::new(&engine);
    linker.define(&store, "env", "check", check).unwrap();
    let inst = linker.instantiate(&mut store, &m).unwrap();
    let after = inst.get_global(&store, "after").unwrap();

    call(&mut store, inst, "run", &[Val::I32(1)]).unwrap();
    assert_eq!(after.get(&store), Val::I32(1));
    after.set(&mut store, Val::I32(0)).unwrap();
    match call(&mut store, inst, "run", &[Val::I32(-5)]) {
        Err(Error::Trap(t)) => {
            assert_eq!(t.code(), TrapCode::Host);
            assert_eq!(t.to_string(), "host function error: negative input -5");
        }
        other => panic!("expected a host trap, got {other:?}"),
    }
    assert_eq!(after.get(&store), Val::I32(0), "nothing ran after the trap");
}

#[test]
fn a_host_function_returning_the_wrong_type_traps() {
    let engine = Engine::default();
    let m = module(
        &engine,
        r#"(module (import "env" "f" (func $f (result i32)))
             (func (export "run") (result i32) (call $f)))"#,
    );
    let mut store = Store::new(&engine, ());
    let f = Func::new(
        &mut store,
        FuncType::new([], [ValType::I32]),
        |_, _, results| {
            results[0] = Val::I64(1);
            Ok(())
        },
    );
    let mut linker = Linker::new(&engine);
    linker.define(&store, "env", "f", f).unwrap();
    let inst = linker.instantiate(&mut store, &m).unwrap();
    assert!(
        matches!(call(&mut store, inst, "run", &[]), Err(Error::Trap(t)) if t.code() == TrapCode::Host)
    );
}

#[test]
fn link_errors_name_the_import() {
    let engine = Engine::default();
    let m = module(
        &engine,
        r#"(module
            (import "env" "f" (func (param i32)))
            (import "env" "mem" (memory 2))
            (import "env" "g" (global i64)))"#,
    );
    let mut store = Store::new(&engine, ());

    let err = Linker::new(&engine)
        .instantiate(&mut store, &m)
        .unwrap_err();
    assert_eq!(
        err,
        Error::Link(LinkError::Missing {
            module: "env".into(),
            name: "f".into()
        })
    );
    assert_eq!(err.to_string(), "unknown import: `env::f`");

    let mut linker = Linker::new(&engine);
    // The test redefines names to walk through every mismatch.
    linker.allow_shadowing(true);
    let wrong_sig = Func::new(&mut store, FuncType::new([ValType::I64], []), |_, _, _| {
        Ok(())
    });
    linker.define(&store, "env", "f", wrong_sig).unwrap();
    let err = linker.instantiate(&mut store, &m).unwrap_err();
    assert_eq!(
        err.to_string(),
        "incompatible import type for `env::f`: function signature differs"
    );

    let right_sig = Func::new(&mut store, FuncType::new([ValType::I32], []), |_, _, _| {
        Ok(())
    });
    let small = Memory::new(&mut store, MemoryType::new(1, None)).unwrap();
    linker
        .define(&store, "env", "f", right_sig)
        .unwrap()
        .define(&store, "env", "mem", small)
        .unwrap();
    let err = linker.instantiate(&mut store, &m).unwrap_err();
    assert_eq!(
        err.to_string(),
        "incompatible import type for `env::mem`: memory limits do not fit"
    );

    let big = Memory::new(&mut store, MemoryType::new(2, None)).unwrap();
    let g32 = Global::new(
        &mut store,
        GlobalType::new(ValType::I32, false),
        Val::I32(0),
    )
    .unwrap();
    linker
        .define(&store, "env", "mem", big)
        .unwrap()
        .define(&store, "env", "g", g32)
        .unwrap();
    let err = linker.instantiate(&mut store, &m).unwrap_err();
    assert_eq!(
        err.to_string(),
        "incompatible import type for `env::g`: global type differs"
    );

    linker.define(&store, "env", "g", right_sig).unwrap();
    let err = linker.instantiate(&mut store, &m).unwrap_err();
    assert_eq!(
        err.to_string(),
        "incompatible import type for `env::g`: kind of import differs"
    );

    let g64 = Global::new(
        &mut store,
        GlobalType::new(ValType::I64, false),
        Val::I64(9),
    )
    .unwrap();
    linker.define(&store, "env", "g", g64).unwrap();
    linker
        .instantiate(&mut store, &m)
        .expect("every import fits");
}

const MEMORY_USER: &str = r#"(module
    (import "host" "mem" (memory 1))
    (func (export "load") (param i32) (result i32) (i32.load8_u (local.get 0)))
    (func (export "store") (param i32 i32) (i32.store8 (local.get 0) (local.get 1)))
    (func (export "size") (result i32) (memory.size)))"#;

#[test]
fn an_imported_memory_is_shared_with_the_host() {
    let engine = Engine::default();
    let m = module(&engine, MEMORY_USER);
    let mut store = Store::new(&engine, ());
    let mem = Memory::new(&mut store, MemoryType::new(1, Some(4))).unwrap();
    let mut linker = Linker::new(&engine);
    linker.define(&store, "host", "mem", mem).unwrap();
    let inst = linker.instantiate(&mut store, &m).unwrap();

    mem.data_mut(&mut store)[10] = 42;
    assert_eq!(
        call(&mut store, inst, "load", &[Val::I32(10)]).unwrap(),
        [Val::I32(42)]
    );
    call(&mut store, inst, "store", &[Val::I32(11), Val::I32(7)]).unwrap();
    assert_eq!(mem.data(&store)[11], 7);
    mem.grow(&mut store, 2).unwrap();
    assert_eq!(call(&mut store, inst, "size", &[]).unwrap(), [Val::I32(3)]);
}

#[test]
fn rebinding_an_imported_memory_takes_effect_without_reinstantiation() {
    let engine = Engine::default();
    let m = module(&engine, MEMORY_USER);
    let mut store = Store::new(&engine, ());
    let first = Memory::new(&mut store, MemoryType::new(1, None)).unwrap();
    let second = Memory::new(&mut store, MemoryType::new(2, None)).unwrap();
    first.data_mut(&mut store)[0] = 1;
    second.data_mut(&mut store)[0] = 2;
    let mut linker = Linker::new(&engine);
    linker.define(&store, "host", "mem", first).unwrap();
    let inst = linker.instantiate(&mut store, &m).unwrap();
    assert_eq!(
        call(&mut store, inst, "load", &[Val::I32(0)]).unwrap(),
        [Val::I32(1)]
    );

    inst.rebind_memory(&mut store, 0, second).unwrap();
    assert_eq!(
        call(&mut store, inst, "load", &[Val::I32(0)]).unwrap(),
        [Val::I32(2)]
    );
    assert_eq!(call(&mut store, inst, "size", &[]).unwrap(), [Val::I32(2)]);
    call(&mut store, inst, "store", &[Val::I32(5), Val::I32(9)]).unwrap();
    assert_eq!((first.data(&store)[5], second.data(&store)[5]), (0, 9));

    // Back again.
    inst.rebind_memory(&mut store, 0, first).unwrap();
    assert_eq!(
        call(&mut store, inst, "load", &[Val::I32(0)]).unwrap(),
        [Val::I32(1)]
    );
}

#[test]
fn rebinding_from_inside_a_host_call_affects_the_rest_of_that_call() {
    let engine = Engine::default();
    let m = module(
        &engine,
        r#"(module
            (import "host" "mem" (memory 1))
            (import "host" "swap" (func $swap))
            (func (export "run") (result i32)
              (i32.load8_u (i32.const 0))
              (call $swap)
              (i32.load8_u (i32.const 0))
              (i32.add (i32.mul (i32.const 10)))))"#,
    );
    struct Swap {
        instance: Option<Instance>,
        other: Option<Memory>,
    }
    let mut store = Store::new(
        &engine,
        Swap {
            instance: None,
            other: None,
        },
    );
    let first = Memory::new(&mut store, MemoryType::new(1, None)).unwrap();
    let second = Memory::new(&mut store, MemoryType::new(1, None)).unwrap();
    first.data_mut(&mut store)[0] = 3;
    second.data_mut(&mut store)[0] = 4;
    let swap = Func::new(&mut store, FuncType::new([], []), |mut caller, _, _| {
        let (inst, other) = (
            caller.data().instance.unwrap(),
            caller.data().other.unwrap(),
        );
        inst.rebind_memory(caller.store(), 0, other)
            .map_err(|e| Trap::host(e.to_string()))
    });
    let mut linker = Linker::new(&engine);
    linker
        .define(&store, "host", "mem", first)
        .unwrap()
        .define(&store, "host", "swap", swap)
        .unwrap();
    let inst = linker.instantiate(&mut store, &m).unwrap();
    store.data_mut().instance = Some(inst);
    store.data_mut().other = Some(second);
    // 3 before the swap, 4 after: 4 * 10 + 3.
    assert_eq!(call(&mut store, inst, "run", &[]).unwrap(), [Val::I32(43)]);
}

#[test]
fn rebinding_checks_the_index_and_the_type() {
    let engine = Engine::default();
    let m = module(
        &engine,
        r#"(module
            (import "host" "mem" (memory 2 3))
            (import "host" "tab" (table 2 funcref))
            (memory 1))"#,
    );
    let mut store = Store::new(&engine, ());
    let mem = Memory::new(&mut store, MemoryType::new(2, Some(3))).unwrap();
    let tab = Table::new(
        &mut store,
        TableType::new(RefType::FuncRef, 2, None),
        Val::FuncRef(None),
    )
    .unwrap();
    let mut linker = Linker::new(&engine);
    linker
        .define(&store, "host", "mem", mem)
        .unwrap()
        .define(&store, "host", "tab", tab)
        .unwrap();
    let inst = linker.instantiate(&mut store, &m).unwrap();

    let small = Memory::new(&mut store, MemoryType::new(1, None)).unwrap();
    let unbounded = Memory::new(&mut store, MemoryType::new(2, None)).unwrap();
    let mem64 = Memory::new(&mut store, MemoryType::new64(2, Some(3))).unwrap();
    for bad in [small, unbounded, mem64] {
        let err = inst.rebind_memory(&mut store, 0, bad).unwrap_err();
        assert_eq!(
            err.to_string(),
            "incompatible import type for `host::mem`: memory limits do not fit"
        );
    }
    // Memory 1 is defined by the module, not imported.
    assert!(matches!(
        inst.rebind_memory(&mut store, 1, mem),
        Err(Error::Type(_))
    ));
    assert!(matches!(
        inst.rebind_memory(&mut store, 7, mem),
        Err(Error::Type(_))
    ));

    let externs = Table::new(
        &mut store,
        TableType::new(RefType::ExternRef, 2, None),
        Val::ExternRef(None),
    )
    .unwrap();
    let short = Table::new(
        &mut store,
        TableType::new(RefType::FuncRef, 1, None),
        Val::FuncRef(None),
    )
    .unwrap();
    for bad in [externs, short] {
        let err = inst.rebind_table(&mut store, 0, bad).unwrap_err();
        assert_eq!(
            err.to_string(),
            "incompatible import type for `host::tab`: table type does not fit"
        );
    }
    assert!(matches!(
        inst.rebind_table(&mut store, 1, tab),
        Err(Error::Type(_))
    ));
    let bigger = Table::new(
        &mut store,
        TableType::new(RefType::FuncRef, 5, None),
        Val::FuncRef(None),
    )
    .unwrap();
    inst.rebind_table(&mut store, 0, bigger).unwrap();
}

#[test]
fn rebinding_an_imported_table_redirects_call_indirect() {
    let engine = Engine::default();
    let m = module(
        &engine,
        r#"(module
            (import "host" "tab" (table 1 funcref))
            (type $t (func (result i32)))
            (func (export "call0") (result i32) (call_indirect (type $t) (i32.const 0)))
            (func (export "size") (result i32) (table.size)))"#,
    );
    let mut store = Store::new(&engine, ());
    let seven = Func::new(&mut store, FuncType::new([], [ValType::I32]), |_, _, r| {
        r[0] = Val::I32(7);
        Ok(())
    });
    let eight = Func::new(&mut store, FuncType::new([], [ValType::I32]), |_, _, r| {
        r[0] = Val::I32(8);
        Ok(())
    });
    let a = Table::new(
        &mut store,
        TableType::new(RefType::FuncRef, 1, None),
        Val::FuncRef(Some(seven)),
    )
    .unwrap();
    let b = Table::new(
        &mut store,
        TableType::new(RefType::FuncRef, 3, None),
        Val::FuncRef(Some(eight)),
    )
    .unwrap();
    let mut linker = Linker::new(&engine);
    linker.define(&store, "host", "tab", a).unwrap();
    let inst = linker.instantiate(&mut store, &m).unwrap();
    assert_eq!(call(&mut store, inst, "call0", &[]).unwrap(), [Val::I32(7)]);

    inst.rebind_table(&mut store, 0, b).unwrap();
    assert_eq!(call(&mut store, inst, "call0", &[]).unwrap(), [Val::I32(8)]);
    assert_eq!(call(&mut store, inst, "size", &[]).unwrap(), [Val::I32(3)]);

    b.set(&mut store, 0, Val::FuncRef(None)).unwrap();
    assert!(matches!(
        call(&mut store, inst, "call0", &[]),
        Err(Error::Trap(t)) if t.code() == TrapCode::IndirectCallToNull
    ));
}

#[test]
fn imported_globals_are_shared() {
    let engine = Engine::default();
    let m = module(
        &engine,
        r#"(module
            (import "host" "counter" (global $c (mut i64)))
            (func (export "bump") (global.set $c (i64.add (global.get $c) (i64.const 1)))))"#,
    );
    let mut store = Store::new(&engine, ());
    let counter = Global::new(
        &mut store,
        GlobalType::new(ValType::I64, true),
        Val::I64(41),
    )
    .unwrap();
    let mut linker = Linker::new(&engine);
    linker.define(&store, "host", "counter", counter).unwrap();
    let inst = linker.instantiate(&mut store, &m).unwrap();
    call(&mut store, inst, "bump", &[]).unwrap();
    assert_eq!(counter.get(&store), Val::I64(42));
}
