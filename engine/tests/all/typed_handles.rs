//! Every entry point of the typed API (issue 16) with handles of another store: the typed
//! call and its `funcref` arguments, `Func::typed`, `Instance::get_typed_func`, and host
//! functions made by `Func::wrap` / `Linker::func_wrap` that hand a foreign `funcref` back to
//! wasm or to the host. Each is `Error::WrongStore`, or a trap of the call whose host function
//! returned the foreign reference; none runs or returns the other store's function of the same
//! index, none panics.

use fayasm::{Engine, Error, Func, Instance, Linker, Module, Store, TrapCode};

const WAT: &str = r#"(module
  (import "host" "give" (func $give (result funcref)))
  (type $r (func (result i32)))
  (table 1 funcref)
  (func $seven (export "seven") (result i32) (i32.const 7))
  ;; Calls whatever the host gives through the table.
  (func (export "call_given") (result i32)
    (table.set (i32.const 0) (call $give))
    (call_indirect (type $r) (i32.const 0)))
  (func (export "pass") (param funcref) (result funcref) (local.get 0))
  (func (export "give_back") (result funcref) (call $give)))"#;

/// Two stores of the same module; store `a`'s `give` returns `a_gives`'s choice.
fn stores(
    engine: &Engine,
    module: &Module,
    give_a: impl Fn() -> Option<Func> + Send + Sync + 'static,
) -> ((Store<()>, Instance), (Store<()>, Instance)) {
    let mut linker = Linker::new(engine);
    linker.func_wrap("host", "give", give_a).unwrap();
    let mut a = Store::new(engine, ());
    let ia = linker.instantiate(&mut a, module).unwrap();
    let mut other = Linker::new(engine);
    other.func_wrap("host", "give", || None::<Func>).unwrap();
    let mut b = Store::new(engine, ());
    let ib = other.instantiate(&mut b, module).unwrap();
    ((a, ia), (b, ib))
}

/// A host function's foreign `funcref` result is a trap of the call that got it, saying so.
fn assert_foreign_result<R: std::fmt::Debug>(got: Result<R, Error>) {
    match got {
        Err(Error::Trap(t)) => {
            assert_eq!(t.code(), TrapCode::Host, "{t:?}");
            assert!(t.to_string().contains("another store"), "{t}");
        }
        other => panic!("a foreign funcref was accepted: {other:?}"),
    }
}

fn module(engine: &Engine) -> Module {
    Module::new(engine, wat::parse_str(WAT).unwrap()).unwrap()
}

#[test]
fn typed_calls_refuse_foreign_functions_and_funcref_arguments() {
    let engine = Engine::default();
    let module = module(&engine);
    let ((mut a, ia), (mut b, ib)) = stores(&engine, &module, || None);
    let seven_a = ia.get_typed_func::<(), i32>(&a, "seven").unwrap();
    let seven_b = ib.get_typed_func::<(), i32>(&b, "seven").unwrap();
    assert_eq!(seven_a.call(&mut b, ()), Err(Error::WrongStore));
    assert_eq!(seven_b.call(&mut a, ()), Err(Error::WrongStore));
    assert_eq!(
        seven_a.func().typed::<(), i32>(&b).err(),
        Some(Error::WrongStore)
    );
    assert_eq!(
        ia.get_typed_func::<(), i32>(&b, "seven").err(),
        Some(Error::WrongStore)
    );
    let pass = ia
        .get_typed_func::<Option<Func>, Option<Func>>(&a, "pass")
        .unwrap();
    assert_eq!(
        pass.call(&mut a, Some(*seven_b.func())),
        Err(Error::WrongStore)
    );
    // The store's own function passes through unchanged.
    assert_eq!(
        pass.call(&mut a, Some(*seven_a.func())),
        Ok(Some(*seven_a.func()))
    );
    assert_eq!(pass.call(&mut a, None), Ok(None));
}

#[test]
fn a_host_function_returning_a_foreign_funcref_traps_the_wasm_caller() {
    let engine = Engine::default();
    let module = module(&engine);
    // Store `a`'s host function gives a function of another store (made before `a`).
    let mut c = Store::new(&engine, ());
    let foreign = Func::wrap(&mut c, || 99i32);
    let ((mut a, ia), _) = stores(&engine, &module, move || Some(foreign));
    let call_given = ia.get_typed_func::<(), i32>(&a, "call_given").unwrap();
    assert_foreign_result(call_given.call(&mut a, ()));
    let give_back = ia
        .get_typed_func::<(), Option<Func>>(&a, "give_back")
        .unwrap();
    assert_foreign_result(give_back.call(&mut a, ()));
}

#[test]
fn a_typed_call_of_a_host_function_checks_what_it_returns() {
    let engine = Engine::default();
    let mut c = Store::new(&engine, ());
    let foreign = Func::wrap(&mut c, || 1i32);
    let mut a = Store::new(&engine, ());
    let give = Func::wrap(&mut a, move || Some(foreign));
    let give = give.typed::<(), Option<Func>>(&a).unwrap();
    assert_foreign_result(give.call(&mut a, ()));
}
