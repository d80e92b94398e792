//! Running code is pinned: a host function that evicts or replaces the code of the functions
//! on the call stack (its callers, the entry function) does not pull it from under them. The
//! interpreter's frames point at their code without a reference count (ARCHITECTURE.md,
//! "Invariants": pinned code); the store keeps such code until no run holds it.

use fayasm::{Caller, CodeStatus, Engine, Extern, Linker, Module, Store, Val};

const WAT: &str = r#"(module
    (import "host" "churn" (func $churn))
    ;; depth(n): n nested calls, the innermost calls the host; each level then runs a loop
    ;; in its own (evicted, possibly replaced) code.
    (func $depth (export "depth") (param i32) (result i32) (local i32 i32)
      (if (i32.eqz (local.get 0))
        (then (call $churn) (return (i32.const 1))))
      (local.set 1 (call $depth (i32.sub (local.get 0) (i32.const 1))))
      (local.set 2 (i32.const 0))
      (block (loop
        (br_if 1 (i32.ge_u (local.get 2) (i32.const 50)))
        (local.set 1 (i32.add (local.get 1) (i32.const 1)))
        (local.set 2 (i32.add (local.get 2) (i32.const 1)))
        (br 0)))
      (local.get 1))
    (func (export "entry") (param i32) (result i32)
      (i32.add (call $depth (local.get 0)) (i32.const 1000)))
    (func (export "tail") (param i32) (result i32)
      (return_call $depth (local.get 0))))"#;

/// Evict every exported function's code, reinstall a copy of one, and scribble over freshly
/// allocated memory (which would reuse freed code, were any freed).
fn churn(mut caller: Caller<'_, u32>) {
    *caller.data_mut() += 1;
    let mut funcs = Vec::new();
    for name in ["depth", "entry", "tail"] {
        if let Some(Extern::Func(f)) = caller.get_export(name) {
            funcs.push(f);
        }
    }
    let store = caller.store();
    for f in &funcs {
        f.evict_code(&mut *store);
        assert_eq!(f.code_status(&*store), CodeStatus::Untranslated);
    }
    // A fresh translation of `depth` installed while the old one still runs below us.
    let code = funcs[0].translate(&mut *store).unwrap().unwrap();
    funcs[0].install_code(&mut *store, code.clone()).unwrap();
    let junk: Vec<Vec<u16>> = (0..64).map(|_| vec![0xffff; 256]).collect();
    std::hint::black_box(junk);
}

fn setup() -> (Store<u32>, fayasm::Instance) {
    let engine = Engine::default();
    let module = Module::new(&engine, wat::parse_str(WAT).unwrap()).unwrap();
    let mut linker = Linker::new(&engine);
    linker
        .func_wrap("host", "churn", |caller: Caller<'_, u32>| churn(caller))
        .unwrap();
    let mut store = Store::new(&engine, 0);
    let inst = linker.instantiate(&mut store, &module).unwrap();
    (store, inst)
}

fn call(store: &mut Store<u32>, inst: fayasm::Instance, name: &str, arg: i32) -> i32 {
    let f = inst.get_func(&*store, name).unwrap();
    let mut out = [Val::I32(0)];
    f.call(&mut *store, &[Val::I32(arg)], &mut out).unwrap();
    match out[0] {
        Val::I32(v) => v,
        _ => unreachable!(),
    }
}

#[test]
fn callers_keep_running_when_their_code_is_evicted_or_replaced() {
    let (mut store, inst) = setup();
    assert_eq!(call(&mut store, inst, "entry", 20), 1 + 20 * 50 + 1000);
    assert_eq!(*store.data(), 1);
    // Again, now that the functions start out evicted or replaced.
    assert_eq!(call(&mut store, inst, "entry", 7), 1 + 7 * 50 + 1000);
    assert_eq!(call(&mut store, inst, "tail", 3), 1 + 3 * 50);
    assert_eq!(call(&mut store, inst, "depth", 0), 1);
    assert_eq!(*store.data(), 4);
}

#[test]
fn retired_code_does_not_count_as_cached() {
    let (mut store, inst) = setup();
    call(&mut store, inst, "entry", 5);
    // Only `depth`'s reinstalled code is in the cache after the run.
    let depth = inst.get_func(&store, "depth").unwrap();
    let entry = inst.get_func(&store, "entry").unwrap();
    assert_eq!(depth.code_status(&store), CodeStatus::Translated);
    assert_eq!(entry.code_status(&store), CodeStatus::Untranslated);
    let used = store.code_cache_stats().used;
    let own = depth.translate(&mut store).unwrap().unwrap().byte_size();
    assert_eq!(used, own);
}

const YIELDING: &str = r#"(module
    (import "host" "pause" (func $pause))
    ;; down(n): n nested calls, the innermost yields to the host; each level then adds 2.
    (func $down (export "down") (param i32) (result i32)
      (if (i32.eqz (local.get 0)) (then (call $pause) (return (i32.const 0))))
      (i32.add (call $down (i32.sub (local.get 0) (i32.const 1))) (i32.const 2))))"#;

fn yielding() -> (Store<u32>, fayasm::Instance) {
    let engine = Engine::default();
    let module = Module::new(&engine, wat::parse_str(YIELDING).unwrap()).unwrap();
    let mut linker = Linker::new(&engine);
    linker
        .func_new("host", "pause", fayasm::FuncType::new([], []), |_, _, _| {
            Err(fayasm::Trap::host_yield())
        })
        .unwrap();
    let mut store = Store::new(&engine, 0);
    let inst = linker.instantiate(&mut store, &module).unwrap();
    (store, inst)
}

#[test]
fn a_suspended_call_keeps_its_code_while_the_cache_drops_it() {
    let (mut store, inst) = yielding();
    let down = inst.get_func(&store, "down").unwrap();
    let mut out = [Val::I32(0)];
    let fayasm::ResumableCall::Suspended(s) = down
        .call_resumable(&mut store, &[Val::I32(30)], &mut out)
        .unwrap()
    else {
        panic!("expected a suspended call");
    };
    // Suspended, the code is not pinned: the cache may drop it, and other calls translate
    // their own copy (and are suspended and dropped in turn).
    assert!(down.evict_code(&mut store) > 0);
    let fayasm::ResumableCall::Suspended(other) = down
        .call_resumable(&mut store, &[Val::I32(3)], &mut out)
        .unwrap()
    else {
        panic!("expected a suspended call");
    };
    drop(other);
    down.evict_code(&mut store);
    let junk: Vec<Vec<u16>> = (0..64).map(|_| vec![0xffff; 256]).collect();
    std::hint::black_box(junk);
    let done = s.resume(&mut store, &[], &mut out).unwrap();
    assert!(matches!(done, fayasm::ResumableCall::Finished));
    assert_eq!(out[0], Val::I32(60));
    // Nothing stays pinned: the code can be evicted, and runs again.
    assert!(
        down.evict_code(&mut store) > 0 || down.code_status(&store) == CodeStatus::Untranslated
    );
    let mut linked = [Val::I32(0)];
    assert!(down.call(&mut store, &[Val::I32(0)], &mut linked).is_err());
}
