//! Handles carry their store's id: every public function that takes a handle (or a `funcref`
//! value) and returns a `Result` refuses one of another store with `Error::WrongStore` (or its
//! error type's equivalent); the ones without a `Result` (`Memory::data`, `Func::ty`,
//! `Instance::get_export`, ...) panic with "object used with the wrong store", as wasmtime's
//! do, and each of those has a `try_` form that returns `Error::WrongStore` instead. None
//! answers for, or touches, the other store's entity of the same index.

use fayasm::offload::MemStorage;
use fayasm::{
    CheckpointError, Checkpointer, CodeLoadError, Engine, Error, Extern, Func, FuncType, Global,
    GlobalType, Linker, Memory, MemoryOffloadError, MemoryPolicy, MemoryType, Module, RefType,
    Store, Table, TableType, Trap, Val, ValType,
};

/// The message every panicking handle method gives for a handle of another store (some prefix
/// it with the method's name).
const WRONG_STORE: &str =
    "object used with the wrong store: the handle belongs to another fayasm::Store";

/// `f` panics with [`WRONG_STORE`], saying that a handle of another store was used.
#[track_caller]
fn panics_wrong_store<R>(f: impl FnOnce() -> R) {
    let payload = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        f();
    }))
    .expect_err("a foreign handle was accepted");
    let message = payload
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| payload.downcast_ref::<&str>().copied())
        .unwrap_or_default();
    assert!(message.ends_with(WRONG_STORE), "{message}");
}

/// The panicking form `f` panics with [`WRONG_STORE`] and the `try_` form `g` returns
/// `Error::WrongStore`.
#[track_caller]
fn both_refuse<R, S: std::fmt::Debug>(f: impl FnOnce() -> R, g: impl FnOnce() -> Result<S, Error>) {
    panics_wrong_store(f);
    assert_eq!(g().err(), Some(Error::WrongStore));
}

const WAT: &str = r#"(module
  (import "host" "mem" (memory 1))
  (import "host" "table" (table 1 funcref))
  (memory $own (export "own") 1)
  (table $t (export "t") 2 funcref)
  (global $g (export "g") (mut i32) (i32.const 7))
  (func $a (export "a") (result i32) (i32.const 1))
  (func $b (export "b") (result i32) (i32.const 2))
  (func (export "take") (param funcref) (result i32) (i32.const 3)))"#;

/// A store with one instance of `WAT`, its imports defined by the host.
fn setup(engine: &Engine, module: &Module) -> (Store<()>, fayasm::Instance) {
    let mut store = Store::new(engine, ());
    let mem = Memory::new(&mut store, MemoryType::new(1, None)).unwrap();
    let table = Table::new(
        &mut store,
        TableType {
            element: RefType::FuncRef,
            min: 1,
            max: None,
            table64: false,
        },
        Val::FuncRef(None),
    )
    .unwrap();
    let mut linker = Linker::new(engine);
    linker
        .define(&store, "host", "mem", mem)
        .unwrap()
        .define(&store, "host", "table", table)
        .unwrap();
    let inst = linker.instantiate(&mut store, module).unwrap();
    (store, inst)
}

#[test]
fn every_handle_taking_function_refuses_a_foreign_handle() {
    let engine = Engine::default();
    let module = Module::new(&engine, wat::parse_str(WAT).unwrap()).unwrap();
    let (mut a, inst_a) = setup(&engine, &module);
    let (mut b, inst_b) = setup(&engine, &module);
    let wrong = Err(Error::WrongStore);

    // Func. `b`'s function `a` has the same index as `a`'s: before store ids, calling it on
    // the wrong store ran the other store's function.
    let fa = inst_a.get_func(&a, "a").unwrap();
    let fb_take = inst_b.get_func(&b, "take").unwrap();
    let mut out = [Val::I32(0)];
    assert_eq!(fa.call(&mut b, &[], &mut out), wrong);
    assert_eq!(
        fb_take.call(&mut b, &[Val::FuncRef(Some(fa))], &mut out),
        wrong
    );
    assert_eq!(out, [Val::I32(0)]);
    assert!(fa.comes_from_same_store(&a) && !fa.comes_from_same_store(&b));
    both_refuse(|| fa.ty(&b), || fa.try_ty(&b));
    assert_eq!(fa.translate(&mut b).err(), Some(Error::WrongStore));
    panics_wrong_store(|| fa.set_trap(&mut b, true));
    assert_eq!(fa.try_set_trap(&mut b, true), wrong);
    both_refuse(|| fa.is_trapped(&b), || fa.try_is_trapped(&b));
    assert!(!inst_b.get_func(&b, "a").unwrap().is_trapped(&b));
    both_refuse(|| fa.code_status(&b), || fa.try_code_status(&b));
    panics_wrong_store(|| fa.evict_code(&mut b));
    assert_eq!(fa.try_evict_code(&mut b), Err(Error::WrongStore));
    assert_eq!(
        inst_b.get_func(&b, "a").unwrap().try_code_status(&b),
        Ok(fayasm::CodeStatus::Untranslated)
    );
    let code = module.translate_function(2).unwrap().unwrap();
    assert_eq!(fa.install_code(&mut b, code), wrong);
    both_refuse(|| fa.code_key(&b), || fa.try_code_key(&b));
    let mut storage = MemStorage::new();
    assert_eq!(
        fa.spill_code_to(&mut b, &mut storage, 1).err(),
        Some(fayasm::offload::OffloadError::WrongStore)
    );
    assert!(matches!(
        fa.load_code_from(&mut b, &mut storage),
        Err(CodeLoadError::Rejected(Error::WrongStore))
    ));
    assert!(matches!(
        fa.spill_code(&mut b),
        Err(fayasm::CodeSpillError::WrongStore)
    ));
    assert_eq!(fa.typed::<(), i32>(&b).err(), Some(Error::WrongStore));
    assert_eq!(
        fa.call_resumable(&mut b, &[], &mut out).err(),
        Some(Error::WrongStore)
    );

    // Global.
    let ga = inst_a.get_global(&a, "g").unwrap();
    assert!(!ga.comes_from_same_store(&b));
    both_refuse(|| ga.get(&b), || ga.try_get(&b));
    both_refuse(|| ga.ty(&b), || ga.try_ty(&b));
    assert_eq!(ga.set(&mut b, Val::I32(9)), wrong);
    assert_eq!(inst_b.get_global(&b, "g").unwrap().get(&b), Val::I32(7));
    let funcref = GlobalType {
        content: ValType::FuncRef,
        mutable: true,
    };
    assert_eq!(
        Global::new(&mut b, funcref, Val::FuncRef(Some(fa))).err(),
        Some(Error::WrongStore)
    );
    let gb = Global::new(&mut b, funcref, Val::FuncRef(None)).unwrap();
    assert_eq!(gb.set(&mut b, Val::FuncRef(Some(fa))), wrong);

    // Memory.
    let ma = inst_a.get_memory(&a, "own").unwrap();
    assert!(!ma.comes_from_same_store(&b));
    both_refuse(|| ma.size(&b), || ma.try_size(&b));
    both_refuse(|| ma.data_size(&b), || ma.try_data_size(&b));
    both_refuse(|| ma.ty(&b), || ma.try_ty(&b));
    panics_wrong_store(|| ma.data(&b).len());
    panics_wrong_store(|| ma.data_mut(&mut b).len());
    panics_wrong_store(|| ma.data_and_store_mut(&mut b).0.len());
    assert_eq!(ma.try_data(&b).err(), Some(MemoryOffloadError::WrongStore));
    assert_eq!(
        ma.try_data_mut(&mut b).err(),
        Some(MemoryOffloadError::WrongStore)
    );
    assert_eq!(
        ma.try_data_and_store_mut(&mut b).err(),
        Some(MemoryOffloadError::WrongStore)
    );
    let mut buf = [0u8; 4];
    assert_eq!(ma.read(&mut b, 0, &mut buf), wrong);
    assert_eq!(ma.write(&mut b, 0, &[1]), wrong);
    assert_eq!(ma.grow(&mut b, 1), Err(Error::WrongStore));
    both_refuse(|| ma.residency(&b), || ma.try_residency(&b));
    assert_eq!(ma.spill(&mut b), Err(MemoryOffloadError::WrongStore));
    assert_eq!(ma.load(&mut b), Err(MemoryOffloadError::WrongStore));
    assert_eq!(ma.flush(&mut b), Err(MemoryOffloadError::WrongStore));
    both_refuse(|| ma.policy(&b), || ma.try_policy(&b));
    panics_wrong_store(|| ma.set_policy(&mut b, MemoryPolicy::Durable));
    assert_eq!(ma.try_set_policy(&mut b, MemoryPolicy::Durable), wrong);
    let mb = inst_b.get_memory(&b, "own").unwrap();
    assert_eq!((mb.size(&b), mb.policy(&b)), (1, MemoryPolicy::Cache));
    assert_eq!(
        (mb.try_size(&b), mb.try_policy(&b)),
        (Ok(1), Ok(MemoryPolicy::Cache))
    );

    // Table.
    let ta = inst_a.get_table(&a, "t").unwrap();
    assert!(!ta.comes_from_same_store(&b));
    both_refuse(|| ta.size(&b), || ta.try_size(&b));
    both_refuse(|| ta.ty(&b), || ta.try_ty(&b));
    both_refuse(|| ta.get(&b, 0), || ta.try_get(&b, 0));
    assert_eq!(ta.set(&mut b, 0, Val::FuncRef(None)), wrong);
    assert_eq!(
        ta.grow(&mut b, 1, Val::FuncRef(None)),
        Err(Error::WrongStore)
    );
    let tb = inst_b.get_table(&b, "t").unwrap();
    assert_eq!(tb.set(&mut b, 0, Val::FuncRef(Some(fa))), wrong);
    assert_eq!(
        tb.grow(&mut b, 1, Val::FuncRef(Some(fa))),
        Err(Error::WrongStore)
    );
    assert_eq!(tb.get(&b, 0), Some(Val::FuncRef(None)));
    let ty = TableType {
        element: RefType::FuncRef,
        min: 1,
        max: None,
        table64: false,
    };
    assert_eq!(
        Table::new(&mut b, ty, Val::FuncRef(Some(fa))).err(),
        Some(Error::WrongStore)
    );

    // Instance.
    assert!(!inst_a.comes_from_same_store(&b));
    both_refuse(
        || inst_a.get_export(&b, "a"),
        || inst_a.try_get_export(&b, "a"),
    );
    both_refuse(|| inst_a.exports(&b), || inst_a.try_exports(&b));
    both_refuse(|| inst_a.get_func(&b, "a"), || inst_a.try_get_func(&b, "a"));
    both_refuse(
        || inst_a.get_global(&b, "g"),
        || inst_a.try_get_global(&b, "g"),
    );
    both_refuse(
        || inst_a.get_memory(&b, "own"),
        || inst_a.try_get_memory(&b, "own"),
    );
    both_refuse(
        || inst_a.get_table(&b, "t"),
        || inst_a.try_get_table(&b, "t"),
    );
    both_refuse(
        || inst_a.memory_by_index(&b, 0),
        || inst_a.try_memory_by_index(&b, 0),
    );
    both_refuse(
        || inst_a.func_by_index(&b, 0),
        || inst_a.try_func_by_index(&b, 0),
    );
    // The `try_` forms answer for the store's own instance.
    assert_eq!(
        inst_b.try_get_func(&b, "a").unwrap(),
        inst_b.get_func(&b, "a")
    );
    assert_eq!(inst_b.try_exports(&b).unwrap().len(), 6);
    assert_eq!(
        inst_a.get_typed_func::<(), i32>(&b, "a").err(),
        Some(Error::WrongStore)
    );
    // Positional instantiation with a handle of another store.
    let own_b = inst_b.get_memory(&b, "own").unwrap();
    assert_eq!(
        fayasm::Instance::new(&mut b, &module, &[Extern::Memory(ma), Extern::Table(tb)]).err(),
        Some(Error::WrongStore)
    );
    assert_eq!(
        fayasm::Instance::new(&mut b, &module, &[Extern::Memory(own_b), Extern::Table(ta)]).err(),
        Some(Error::WrongStore)
    );
    assert_eq!(inst_a.rebind_memory(&mut b, 0, mb), wrong);
    assert_eq!(inst_b.rebind_memory(&mut b, 0, ma), wrong);
    assert_eq!(inst_a.rebind_table(&mut b, 0, tb), wrong);
    assert_eq!(inst_b.rebind_table(&mut b, 0, ta), wrong);
    let mut storage = MemStorage::new();
    assert!(matches!(
        inst_a.checkpoint(&mut b, &mut storage),
        Err(CheckpointError::WrongStore)
    ));
    assert!(matches!(
        inst_a.restore(&mut b, &mut storage),
        Err(CheckpointError::WrongStore)
    ));
    assert!(matches!(
        Checkpointer::new(1).checkpoint(inst_a, &mut b, &mut storage),
        Err(CheckpointError::WrongStore)
    ));
    assert!(matches!(
        Checkpointer::new(1).restore(inst_a, &mut b, &mut storage),
        Err(CheckpointError::WrongStore)
    ));
    b.set_storage(MemStorage::new());
    assert!(matches!(
        inst_a.checkpoint_to_store_storage(&mut b),
        Err(CheckpointError::WrongStore)
    ));
    assert!(matches!(
        inst_a.restore_from_store_storage(&mut b),
        Err(CheckpointError::WrongStore)
    ));

    // Linker: instances and definitions of another store.
    let mut linker: Linker<()> = Linker::new(&engine);
    assert_eq!(
        linker.instance(&mut b, "other", inst_a).err(),
        Some(Error::WrongStore)
    );
    let own_a = inst_a.get_memory(&a, "own").unwrap();
    let table_a = inst_a.get_table(&a, "t").unwrap();
    // Defining a handle with a store it does not belong to.
    let mut linker: Linker<()> = Linker::new(&engine);
    for foreign in [
        Extern::Memory(own_a),
        Extern::Table(table_a),
        Extern::Func(fa),
        Extern::Global(ga),
    ] {
        assert_eq!(
            linker.define(&b, "host", "x", foreign).err(),
            Some(Error::WrongStore)
        );
    }
    // A linker holding handles of store `a` instantiating into store `b`.
    for (mem, table) in [
        (Extern::Memory(own_a), Extern::Table(tb)),
        (mb.into(), table_a.into()),
    ] {
        let owner = |e: &Extern| {
            if matches!(e, Extern::Memory(m) if *m == own_a)
                || matches!(e, Extern::Table(t) if *t == table_a)
            {
                &a
            } else {
                &b
            }
        };
        let mut linker = Linker::new(&engine);
        linker.define(owner(&mem), "host", "mem", mem).unwrap();
        linker
            .define(owner(&table), "host", "table", table)
            .unwrap();
        assert_eq!(
            linker.instantiate(&mut b, &module).err(),
            Some(Error::WrongStore)
        );
    }
    let imports_func = Module::new(
        &engine,
        wat::parse_str(r#"(module (import "m" "f" (func (result i32))))"#).unwrap(),
    )
    .unwrap();
    let mut linker = Linker::new(&engine);
    linker.define(&a, "m", "f", fa).unwrap();
    // `get` hands back the definition as it is: store `a`'s handle, which `b` refuses.
    let got = linker.get(&mut b, "m", "f").unwrap().into_func().unwrap();
    assert!(got == fa && !got.comes_from_same_store(&b));
    assert_eq!(got.try_ty(&b), Err(Error::WrongStore));
    assert_eq!(
        linker.instantiate(&mut b, &imports_func).err(),
        Some(Error::WrongStore)
    );

    // A suspended call of store `a`: resumed in, or checkpointed with an instance of, store
    // `b`.
    let yields = Func::new(&mut a, FuncType::new([], []), |_, _, _| {
        Err(Trap::host_yield())
    });
    let calls_yield = Module::new(
        &engine,
        wat::parse_str(r#"(module (import "h" "y" (func)) (func (export "go") (call 0)))"#)
            .unwrap(),
    )
    .unwrap();
    let go = fayasm::Instance::new(&mut a, &calls_yield, &[yields.into()])
        .unwrap()
        .get_func(&a, "go")
        .unwrap();
    let fayasm::ResumableCall::Suspended(call) = go.call_resumable(&mut a, &[], &mut []).unwrap()
    else {
        panic!("a yielding host function did not suspend the call")
    };
    assert!(matches!(
        call.checkpoint(inst_b, &mut b, &mut Checkpointer::new(1), &mut storage),
        Err(CheckpointError::WrongStore)
    ));
    assert!(matches!(
        call.checkpoint(inst_a, &mut b, &mut Checkpointer::new(1), &mut storage),
        Err(CheckpointError::WrongStore)
    ));
    assert!(matches!(
        fayasm::SuspendedCall::restore(inst_a, &mut b, &mut Checkpointer::new(1), &mut storage),
        Err(CheckpointError::WrongStore)
    ));
    assert_eq!(
        call.resume(&mut b, &[], &mut []).err(),
        Some(Error::WrongStore)
    );

    // Store `a` is untouched and still works.
    fa.call(&mut a, &[], &mut out).unwrap();
    assert_eq!(out, [Val::I32(1)]);
    assert_eq!(ma.policy(&a), MemoryPolicy::Cache);
}

#[test]
fn a_host_function_returning_a_foreign_reference_traps() {
    let engine = Engine::default();
    let mut other = Store::new(&engine, ());
    let foreign = Func::new(&mut other, FuncType::new([], []), |_, _, _| Ok(()));
    let mut store = Store::new(&engine, ());
    let leak = Func::new(
        &mut store,
        FuncType::new([], [ValType::FuncRef]),
        move |_, _, results| {
            results[0] = Val::FuncRef(Some(foreign));
            Ok(())
        },
    );
    let module = Module::new(
        &engine,
        wat::parse_str(
            r#"(module (import "h" "leak" (func $leak (result funcref)))
                 (table 1 funcref)
                 (func (export "go") (table.set (i32.const 0) (call $leak))))"#,
        )
        .unwrap(),
    )
    .unwrap();
    let mut linker = Linker::new(&engine);
    linker.define(&store, "h", "leak", leak).unwrap();
    let inst = linker.instantiate(&mut store, &module).unwrap();
    let err = inst
        .get_func(&store, "go")
        .unwrap()
        .call(&mut store, &[], &mut [])
        .unwrap_err();
    assert_eq!(
        err,
        Error::Trap(Trap::host(
            "host function returned a reference of another store"
        ))
    );
}

#[test]
fn handles_stay_small() {
    assert_eq!(std::mem::size_of::<Func>(), 8);
    assert_eq!(std::mem::size_of::<Memory>(), 8);
    assert_eq!(std::mem::size_of::<Option<Func>>(), 12);
}
