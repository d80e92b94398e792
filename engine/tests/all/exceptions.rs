//! Exception handling (`Config::wasm_exceptions`): what the spec suite does not pin down —
//! the switch, tags as an entity kind of the public API (host tags, import and export,
//! `Linker`, `ExternType::Tag`), and their type matching.

use fayasm::{
    Config, Engine, Error, ExnRef, Extern, ExternType, LinkError, Linker, Module, Store, Tag,
    TagType, TrapCode, Val, ValType,
};

use crate::support;

fn engine() -> Engine {
    Engine::new(Config::default().wasm_exceptions(true))
}

const TAGS: &str = r#"(module
    (import "host" "h" (tag $h (param i64)))
    (tag (export "empty"))
    (tag $t (export "pair") (param i32 f64))
    (export "h2" (tag $h))
)"#;

#[test]
fn the_switch_off_rejects_tags_naming_the_feature() {
    let bytes = wat::parse_str("(module (tag))").unwrap();
    let err = Module::new(&Engine::default(), &bytes).unwrap_err();
    assert!(
        err.to_string().contains("exception"),
        "unexpected message: {err}"
    );
    Module::new(&engine(), &bytes).unwrap();
}

#[test]
fn tags_are_imports_and_exports_with_their_types() {
    let engine = engine();
    let module = Module::new(&engine, wat::parse_str(TAGS).unwrap()).unwrap();
    let imports: Vec<_> = module.imports().collect();
    assert_eq!(imports.len(), 1);
    assert_eq!(imports[0].ty, ExternType::Tag(TagType::new([ValType::I64])));
    let exports: Vec<_> = module.exports().map(|e| (e.name, e.ty)).collect();
    assert_eq!(
        exports,
        [
            ("empty".to_string(), ExternType::Tag(TagType::new([]))),
            (
                "pair".to_string(),
                ExternType::Tag(TagType::new([ValType::I32, ValType::F64]))
            ),
            (
                "h2".to_string(),
                ExternType::Tag(TagType::new([ValType::I64]))
            ),
        ]
    );

    let mut store = Store::new(&engine, ());
    let host = Tag::new(&mut store, &TagType::new([ValType::I64])).unwrap();
    let mut linker = Linker::new(&engine);
    linker.define(&store, "host", "h", host).unwrap();
    let instance = linker.instantiate(&mut store, &module).unwrap();
    // An imported tag re-exported is the same tag; a defined one is new.
    let h2 = instance.get_export(&store, "h2").and_then(Extern::into_tag);
    assert_eq!(h2, Some(host));
    let pair = instance
        .get_export(&store, "pair")
        .and_then(Extern::into_tag)
        .unwrap();
    assert_ne!(pair, host);
    assert_eq!(pair.ty(&store), TagType::new([ValType::I32, ValType::F64]));
    // Each instantiation defines new tags.
    let again = linker.instantiate(&mut store, &module).unwrap();
    let pair2 = again.get_export(&store, "pair").and_then(Extern::into_tag);
    assert_ne!(pair2, Some(pair));
}

#[test]
fn a_tag_import_needs_the_same_type_and_kind() {
    let engine = engine();
    let module = Module::new(&engine, wat::parse_str(TAGS).unwrap()).unwrap();
    let mut store = Store::new(&engine, ());
    let wrong = Tag::new(&mut store, &TagType::new([ValType::I32])).unwrap();
    let mut linker = Linker::new(&engine);
    linker.define(&store, "host", "h", wrong).unwrap();
    assert!(matches!(
        linker.instantiate(&mut store, &module),
        Err(Error::Link(LinkError::Incompatible { .. }))
    ));
    // Not a tag at all.
    let g = fayasm::Global::new(
        &mut store,
        fayasm::GlobalType::new(ValType::I64, false),
        fayasm::Val::I64(1),
    )
    .unwrap();
    let mut linker = Linker::new(&engine);
    linker.define(&store, "host", "h", g).unwrap();
    assert!(matches!(
        linker.instantiate(&mut store, &module),
        Err(Error::Link(LinkError::Incompatible { .. }))
    ));
}

#[test]
fn a_tag_of_another_store_is_refused() {
    let engine = engine();
    let module = Module::new(&engine, wat::parse_str(TAGS).unwrap()).unwrap();
    let mut other = Store::new(&engine, ());
    let foreign = Tag::new(&mut other, &TagType::new([ValType::I64])).unwrap();
    let mut store = Store::new(&engine, ());
    assert!(!foreign.comes_from_same_store(&store));
    assert!(matches!(foreign.try_ty(&store), Err(Error::WrongStore)));
    let mut linker = Linker::new(&engine);
    linker.define(&other, "host", "h", foreign).unwrap();
    assert!(matches!(
        linker.instantiate(&mut store, &module),
        Err(Error::WrongStore)
    ));
}

const THROWER: &str = r#"(module
    (import "host" "tag" (tag $h (param i32)))
    (import "host" "raise" (func $raise (param i32)))
    (import "host" "call_back" (func $call_back (param i32) (result i32)))
    (tag $e (export "e") (param i32 i64))
    (func $throw (export "throw") (param i32)
      (throw $e (local.get 0) (i64.const 77)))
    ;; Catches the host tag raised by the host function, or by wasm called back by it.
    (func (export "catch_host") (param i32) (result i32)
      (block $h (result i32)
        (try_table (catch $h $h) (call $raise (local.get 0)))
        (i32.const -1)
        (return))
      (i32.add (i32.const 1000)))
    (func (export "throw_h") (param i32) (throw $h (local.get 0)))
    ;; A host function in between: wasm -> host -> wasm (throws $e) -> host -> wasm catches.
    (func (export "through_host") (param i32) (result i32)
      (block $c (result i32 i64)
        (try_table (catch $e $c) (drop (call $call_back (local.get 0))))
        (i32.const -1)
        (return))
      (drop))
    (func (export "catch_ref_count") (param i32) (result i32)
      (local $n i32)
      (loop $again
        (block $c (result exnref)
          (try_table (catch_all_ref $c) (call $throw (local.get $n)))
          (unreachable))
        (drop)
        (local.set $n (i32.add (local.get $n) (i32.const 1)))
        (br_if $again (i32.lt_u (local.get $n) (local.get 0))))
      (local.get $n))
)"#;

struct Host {
    tag: Tag,
}

fn thrower() -> (Store<Option<Host>>, fayasm::Instance) {
    let engine = engine();
    let module = Module::new(&engine, wat::parse_str(THROWER).unwrap()).unwrap();
    let mut store: Store<Option<Host>> = Store::new(&engine, None);
    let tag = Tag::new(&mut store, &TagType::new([ValType::I32])).unwrap();
    *store.data_mut() = Some(Host { tag });
    let mut linker = Linker::new(&engine);
    linker.define(&store, "host", "tag", tag).unwrap();
    linker
        .func_wrap(
            "host",
            "raise",
            |mut caller: fayasm::Caller<'_, Option<Host>>, x: i32| -> Result<(), fayasm::Trap> {
                let tag = caller.data().as_ref().unwrap().tag;
                let exn = ExnRef::new(&mut caller, tag, &[Val::I32(x)]).unwrap();
                Err(fayasm::Trap::throw(exn))
            },
        )
        .unwrap();
    linker
        .func_wrap(
            "host",
            "call_back",
            |mut caller: fayasm::Caller<'_, Option<Host>>, x: i32| -> Result<i32, fayasm::Trap> {
                let f = caller
                    .get_export("throw")
                    .and_then(Extern::into_func)
                    .unwrap();
                match f.call(&mut caller, &[Val::I32(x)], &mut []) {
                    Ok(()) => Ok(0),
                    // Pass the exception on to the wasm caller.
                    Err(Error::Trap(t)) => Err(t),
                    Err(e) => panic!("{e}"),
                }
            },
        )
        .unwrap();
    let instance = linker.instantiate(&mut store, &module).unwrap();
    (store, instance)
}

#[test]
fn an_uncaught_exception_reaches_the_host_with_its_values() {
    let (mut store, instance) = thrower();
    let f = instance.get_func(&store, "throw").unwrap();
    let err = f.call(&mut store, &[Val::I32(5)], &mut []).unwrap_err();
    let Error::Trap(t) = err else {
        panic!("expected a trap, got {err}")
    };
    assert_eq!(t.code(), TrapCode::Exception);
    let exn = t.exception().unwrap();
    let e = instance
        .get_export(&store, "e")
        .and_then(Extern::into_tag)
        .unwrap();
    assert_eq!(exn.tag(&store).unwrap(), e);
    assert_eq!(exn.fields(&store).unwrap(), [Val::I32(5), Val::I64(77)]);
}

#[test]
fn wasm_catches_an_exception_a_host_function_raised() {
    let (mut store, instance) = thrower();
    let f = instance.get_func(&store, "catch_host").unwrap();
    let mut out = [Val::I32(0)];
    f.call(&mut store, &[Val::I32(7)], &mut out).unwrap();
    assert_eq!(out[0], Val::I32(1007));
}

#[test]
fn an_exception_passes_through_a_host_function_and_back() {
    let (mut store, instance) = thrower();
    let f = instance.get_func(&store, "through_host").unwrap();
    let mut out = [Val::I32(0)];
    f.call(&mut store, &[Val::I32(42)], &mut out).unwrap();
    assert_eq!(out[0], Val::I32(42));
}

#[test]
fn exception_objects_are_bounded_by_the_store_limit() {
    let (mut store, instance) = thrower();
    store.set_limits(fayasm::StoreLimits::default().exceptions(10));
    let f = instance.get_func(&store, "catch_ref_count").unwrap();
    let mut out = [Val::I32(0)];
    f.call(&mut store, &[Val::I32(10)], &mut out).unwrap();
    assert_eq!(out[0], Val::I32(10));
    // The eleventh `catch_all_ref` finds no room: a trap, not an abort.
    let err = f.call(&mut store, &[Val::I32(1)], &mut out).unwrap_err();
    assert!(err.to_string().contains("limit"), "{err}");
}

/// A resumable call that catches exceptions in a loop: suspended every few units of fuel and
/// resumed, it ends as an uninterrupted call; once the store holds an exception object (a
/// `catch_ref`), checkpointing the suspended call is a typed error, not a broken checkpoint.
#[test]
fn suspended_calls_unwind_and_refuse_checkpoints_holding_exceptions() {
    let engine = Engine::new(Config::default().wasm_exceptions(true).consume_fuel(true));
    let wat = r#"(module
        (tag $e (param i32))
        (func $t (param i32) (throw $e (local.get 0)))
        (func (export "run") (param i32) (result i32)
          (local $i i32) (local $sum i32)
          (loop $l
            (block $c (result i32 exnref)
              (try_table (catch_ref $e $c) (call $t (local.get $i)))
              (unreachable))
            (drop)
            (local.set $sum (i32.add (local.get $sum)))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br_if $l (i32.lt_u (local.get $i) (local.get 0))))
          (local.get $sum)))"#;
    let (out, checkpoints) = support::checkpoint_every_suspension(&engine, wat, 40, 7);
    assert_eq!(out, Val::I32(40 * 39 / 2));
    let taken = checkpoints.iter().take_while(|c| c.is_ok()).count();
    let refused = &checkpoints[taken..];
    assert!(
        refused.iter().all(|c| c.is_err()),
        "a checkpoint after one was refused"
    );
    assert!(
        checkpoints.len() > 10 && !refused.is_empty(),
        "{checkpoints:?}"
    );
}
