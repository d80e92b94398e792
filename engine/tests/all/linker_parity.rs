//! The rest of wasmtime's `Linker` shapes (issue 16): `Linker::module`, `get_by_import`,
//! `instantiate_pre` and `InstancePre::instantiate`.

use fayasm::{Engine, Error, LinkError, Linker, Module, Store};

const LIB: &str = r#"(module
  (global (export "base") i32 (i32.const 100))
  (func (export "add_base") (param i32) (result i32) (i32.add (local.get 0) (i32.const 100))))"#;

const APP: &str = r#"(module
  (import "lib" "add_base" (func $add (param i32) (result i32)))
  (import "host" "double" (func $double (param i32) (result i32)))
  (func (export "run") (param i32) (result i32) (call $double (call $add (local.get 0)))))"#;

fn module(engine: &Engine, wat: &str) -> Module {
    Module::new(engine, wat::parse_str(wat).unwrap()).unwrap()
}

#[test]
fn module_defines_an_instance_s_exports() -> Result<(), Error> {
    let engine = Engine::default();
    let (lib, app) = (module(&engine, LIB), module(&engine, APP));
    let mut store = Store::new(&engine, ());
    let mut linker = Linker::new(&engine);
    linker.func_wrap("host", "double", |x: i32| x * 2)?;
    linker.module(&mut store, "lib", &lib)?;
    let base = linker
        .get(&mut store, "lib", "base")
        .unwrap()
        .into_global()
        .unwrap();
    assert_eq!(base.get(&store), fayasm::Val::I32(100));
    let run = linker
        .instantiate(&mut store, &app)?
        .get_typed_func::<i32, i32>(&store, "run")?;
    assert_eq!(run.call(&mut store, 1)?, 202);
    // Each import resolves to what `get` gives for its names.
    for import in app.imports() {
        assert!(
            linker.get_by_import(&mut store, &import).is_some(),
            "{import:?}"
        );
    }
    // Defining the same module name again is a duplicate.
    assert!(matches!(
        linker.module(&mut store, "lib", &lib),
        Err(Error::Link(LinkError::Duplicate { .. }))
    ));
    Ok(())
}

#[test]
fn instantiate_pre_checks_ahead_and_instantiates_in_many_stores() -> Result<(), Error> {
    let engine = Engine::default();
    let (lib, app) = (module(&engine, LIB), module(&engine, APP));
    let mut linker: Linker<()> = Linker::new(&engine);
    // `lib` is not defined yet: missing.
    linker.func_wrap("host", "double", |x: i32| x * 2)?;
    assert!(matches!(
        linker.instantiate_pre(&app),
        Err(Error::Link(LinkError::Missing { module, name })) if module == "lib" && name == "add_base"
    ));
    // A host function of another signature is refused ahead of time.
    let mut wrong: Linker<()> = Linker::new(&engine);
    wrong.func_wrap("lib", "add_base", |x: i64| x)?;
    wrong.func_wrap("host", "double", |x: i32| x * 2)?;
    assert!(matches!(
        wrong.instantiate_pre(&app),
        Err(Error::Link(LinkError::Incompatible { .. }))
    ));
    // Host functions only: one InstancePre, many stores.
    let mut hosted: Linker<()> = Linker::new(&engine);
    hosted.func_wrap("lib", "add_base", |x: i32| x + 1000)?;
    hosted.func_wrap("host", "double", |x: i32| x * 2)?;
    let pre = hosted.instantiate_pre(&app)?;
    assert_eq!(pre.module().imports().count(), 2);
    for n in 0..3 {
        let mut store = Store::new(&engine, ());
        let run = pre
            .instantiate(&mut store)?
            .get_typed_func::<i32, i32>(&store, "run")?;
        assert_eq!(run.call(&mut store, n)?, (n + 1000) * 2);
    }
    // Instance exports of one store: checked when instantiating, in that store.
    let mut store = Store::new(&engine, ());
    linker.module(&mut store, "lib", &lib)?;
    let pre = linker.instantiate_pre(&app)?;
    let run = pre
        .clone()
        .instantiate(&mut store)?
        .get_typed_func::<i32, i32>(&store, "run")?;
    assert_eq!(run.call(&mut store, 1)?, 202);
    let mut other = Store::new(&engine, ());
    assert_eq!(pre.instantiate(&mut other).err(), Some(Error::WrongStore));
    Ok(())
}
