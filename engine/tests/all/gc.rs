//! GC (`Config::wasm_gc`), the type system: recursion groups and their canonicalisation
//! across modules, declared subtypes in `call_indirect` and import matching, and GC values
//! (`AnyRef`) crossing the API. The spec suites (`wasm-v3`, `proposals/gc`) cover the rest.

use fayasm::{AnyRef, Config, Engine, Error, ExternRef, Linker, Module, Store, TrapCode, Val};

fn engine() -> Engine {
    Engine::new(Config::default().wasm_gc(true))
}

fn module(engine: &Engine, wat: &str) -> Module {
    Module::new(engine, wat::parse_str(wat).unwrap()).unwrap()
}

#[test]
fn the_switch_off_rejects_recursion_groups_naming_the_feature() {
    let bytes = wat::parse_str("(module (rec (type (func)) (type (func))))").unwrap();
    let err = Module::new(&Engine::default(), &bytes).unwrap_err();
    assert!(err.to_string().contains("gc"), "unexpected message: {err}");
    Module::new(&engine(), &bytes).unwrap();
}

/// A module exporting `f` of the first type of `group`.
fn exporter(group: &str) -> String {
    format!(r#"(module {group} (func (export "f") (type 0)))"#)
}

/// A module importing `m.f` as the first type of `group`.
fn importer(group: &str) -> String {
    format!(r#"(module {group} (import "m" "f" (func (type 0))))"#)
}

#[test]
fn recursion_groups_are_one_type_when_structurally_equal_and_only_then() {
    let engine = engine();
    let group = "(rec (type (func)) (type (struct (field i32))))";
    let mut store = Store::new(&engine, ());
    let m = Linker::new(&engine)
        .instantiate(&mut store, &module(&engine, &exporter(group)))
        .unwrap();
    let mut linker = Linker::new(&engine);
    linker.instance(&mut store, "m", m).unwrap();
    // The same group written again, in another module: the same type.
    linker
        .instantiate(&mut store, &module(&engine, &importer(group)))
        .unwrap();
    // A group differing only in its other member, a lone `(func)`, and a group with the
    // members swapped are different types, although the function types look alike.
    for other in [
        "(rec (type (func)) (type (struct (field i64))))",
        "(type (func))",
        "(rec (type (func)) (type (func)))",
    ] {
        let err = linker
            .instantiate(&mut store, &module(&engine, &importer(other)))
            .unwrap_err();
        assert!(
            matches!(err, Error::Link(_)),
            "{other}: expected a link error, got {err}"
        );
    }
}

#[test]
fn self_referencing_groups_canonicalise_by_position() {
    let engine = engine();
    // `$t` takes a reference to itself; the same text twice is one type, and a variant
    // naming the other member of its group is not.
    let group =
        "(rec (type $t (func (param (ref null $t)))) (type $u (func (param (ref null $t)))))";
    let other =
        "(rec (type $t (func (param (ref null $u)))) (type $u (func (param (ref null $t)))))";
    let mut store = Store::new(&engine, ());
    let m = Linker::new(&engine)
        .instantiate(&mut store, &module(&engine, &exporter(group)))
        .unwrap();
    let mut linker = Linker::new(&engine);
    linker.instance(&mut store, "m", m).unwrap();
    linker
        .instantiate(&mut store, &module(&engine, &importer(group)))
        .unwrap();
    assert!(linker
        .instantiate(&mut store, &module(&engine, &importer(other)))
        .is_err());
}

const SUBTYPES: &str = r#"(module
    (type $a (sub (func (result i32))))
    (type $b (sub $a (func (result i32))))
    (type $c (sub final $b (func (result i32))))
    (func $fa (type $a) (i32.const 1))
    (func $fb (type $b) (i32.const 2))
    (func $fc (type $c) (i32.const 3))
    (table 3 funcref)
    (elem (i32.const 0) func $fa $fb $fc)
    (func (export "as_a") (param i32) (result i32) (call_indirect (type $a) (local.get 0)))
    (func (export "as_b") (param i32) (result i32) (call_indirect (type $b) (local.get 0)))
    (func (export "as_c") (param i32) (result i32) (call_indirect (type $c) (local.get 0)))
    (export "fa" (func $fa))
    (export "fb" (func $fb))
)"#;

#[test]
fn call_indirect_accepts_declared_subtypes_and_nothing_else() {
    let engine = engine();
    let mut store = Store::new(&engine, ());
    let instance = Linker::new(&engine)
        .instantiate(&mut store, &module(&engine, SUBTYPES))
        .unwrap();
    let call = |store: &mut Store<()>, name: &str, i: i32| {
        let f = instance
            .get_typed_func::<i32, i32>(&mut *store, name)
            .unwrap();
        f.call(store, i)
    };
    // Row: the table entry; column: the type `call_indirect` expects.
    for (name, fits) in [
        ("as_a", [true, true, true]),
        ("as_b", [false, true, true]),
        ("as_c", [false, false, true]),
    ] {
        for (i, fits) in fits.into_iter().enumerate() {
            match call(&mut store, name, i as i32) {
                Ok(v) => assert!(fits && v == i as i32 + 1, "{name}({i}) returned {v}"),
                Err(Error::Trap(t)) => {
                    assert!(!fits, "{name}({i}) trapped: {t}");
                    assert_eq!(t.code(), TrapCode::BadSignature);
                }
                Err(e) => panic!("{name}({i}): {e}"),
            }
        }
    }
}

#[test]
fn a_function_import_accepts_a_subtype_not_a_supertype() {
    let engine = engine();
    let mut store = Store::new(&engine, ());
    let m = Linker::new(&engine)
        .instantiate(&mut store, &module(&engine, SUBTYPES))
        .unwrap();
    let mut linker = Linker::new(&engine);
    linker.instance(&mut store, "m", m).unwrap();
    let wants_a = r#"(module
        (type $a (sub (func (result i32))))
        (import "m" "fb" (func (type $a))))"#;
    linker
        .instantiate(&mut store, &module(&engine, wants_a))
        .unwrap();
    let wants_b = r#"(module
        (type $a (sub (func (result i32))))
        (type $b (sub $a (func (result i32))))
        (import "m" "fa" (func (type $b))))"#;
    assert!(matches!(
        linker.instantiate(&mut store, &module(&engine, wants_b)),
        Err(Error::Link(_))
    ));
}

#[test]
fn any_references_cross_the_api() {
    let engine = engine();
    let mut store = Store::new(&engine, ());
    let instance = Linker::new(&engine)
        .instantiate(
            &mut store,
            &module(
                &engine,
                r#"(module
                    (func (export "any") (param anyref) (result anyref) (local.get 0))
                    (func (export "eq") (param eqref) (result eqref) (local.get 0))
                    (func (export "none") (result nullref) (ref.null none)))"#,
            ),
        )
        .unwrap();
    let call = |store: &mut Store<()>, name: &str, args: &[Val]| {
        let f = instance.get_func(&mut *store, name).unwrap();
        let mut out = [Val::AnyRef(None)];
        f.call(store, args, &mut out).map(|()| out[0])
    };
    let seven = Val::AnyRef(Some(AnyRef::from_i31(7)));
    let host = Val::AnyRef(Some(AnyRef::from_extern(ExternRef::new(42))));
    assert_eq!(call(&mut store, "any", &[seven]).unwrap(), seven);
    assert_eq!(call(&mut store, "any", &[host]).unwrap(), host);
    assert_eq!(
        call(&mut store, "any", &[Val::AnyRef(None)]).unwrap(),
        Val::AnyRef(None)
    );
    assert_eq!(call(&mut store, "eq", &[seven]).unwrap(), seven);
    // A host reference converted into `any` is not an `eqref`; an `externref` is no `anyref`.
    assert!(call(&mut store, "eq", &[host]).is_err());
    assert!(call(
        &mut store,
        "any",
        &[Val::ExternRef(Some(ExternRef::new(1)))]
    )
    .is_err());
    assert_eq!(call(&mut store, "none", &[]).unwrap(), Val::AnyRef(None));
    // The i31 keeps 31 bits.
    assert_eq!(AnyRef::from_i31(u32::MAX).as_i31(), Some(0x7fff_ffff));
    assert_eq!(
        AnyRef::from_extern(ExternRef::new(9)).as_extern(),
        Some(ExternRef::new(9))
    );
}

const I31_AND_CASTS: &str = r#"(module
    (type $a (sub (func)))
    (type $b (sub $a (func)))
    (func $fa (type $a))
    (func $fb (type $b))
    (elem declare func $fa $fb)
    (func (export "get_s") (param i32) (result i32) (i31.get_s (ref.i31 (local.get 0))))
    (func (export "get_u") (param i32) (result i32) (i31.get_u (ref.i31 (local.get 0))))
    (func (export "get_null") (result i32) (i31.get_u (ref.null i31)))
    (func (export "eq") (param i32 i32) (result i32)
        (ref.eq (ref.i31 (local.get 0)) (ref.i31 (local.get 1))))
    ;; 1 if the function (0: $fa, 1: $fb, 2: null) is of type $b.
    (func $pick (param i32) (result funcref)
        (if (result funcref) (i32.eqz (local.get 0))
            (then (ref.func $fa))
            (else (if (result funcref) (i32.eq (local.get 0) (i32.const 1))
                (then (ref.func $fb)) (else (ref.null func))))))
    (func (export "is_b") (param i32) (result i32) (ref.test (ref $b) (call $pick (local.get 0))))
    (func (export "is_a_or_null") (param i32) (result i32)
        (ref.test (ref null $a) (call $pick (local.get 0))))
    (func (export "cast_b") (param i32) (drop (ref.cast (ref $b) (call $pick (local.get 0)))))
    ;; br_on_cast of an anyref: 1 for an i31, 2 for null, 3 for anything else.
    (func (export "classify") (param anyref) (result i32)
        (block $i31 (result (ref i31))
            (block $null
                (br_on_cast $i31 anyref (ref i31) (local.get 0))
                (br_on_null $null)
                (drop)
                (return (i32.const 3)))
            (return (i32.const 2)))
        (drop)
        (i32.const 1))
    ;; br_on_cast_fail: the value itself when it is no i31, else its i31 value + 100.
    (func (export "fail") (param anyref) (result i32)
        (block $not (result anyref)
            (br_on_cast_fail $not anyref (ref i31) (local.get 0))
            (return (i32.add (i31.get_s) (i32.const 100))))
        (ref.is_null))
)"#;

#[test]
fn i31_values_eq_and_casts_behave_as_specified() {
    let engine = engine();
    let mut store = Store::new(&engine, ());
    let i = Linker::new(&engine)
        .instantiate(&mut store, &module(&engine, I31_AND_CASTS))
        .unwrap();
    let get_s = i.get_typed_func::<i32, i32>(&mut store, "get_s").unwrap();
    let get_u = i.get_typed_func::<i32, i32>(&mut store, "get_u").unwrap();
    // Bit 30 is the sign of an i31; bit 31 of the i32 is dropped.
    for (x, s, u) in [
        (0, 0, 0),
        (1, 1, 1),
        (0x3fff_ffff, 0x3fff_ffff, 0x3fff_ffff),
        (0x4000_0000, -0x4000_0000, 0x4000_0000),
        (-1, -1, 0x7fff_ffff),
        (i32::MIN, 0, 0),
    ] {
        assert_eq!(get_s.call(&mut store, x).unwrap(), s, "get_s {x:#x}");
        assert_eq!(get_u.call(&mut store, x).unwrap(), u, "get_u {x:#x}");
    }
    let get_null = i.get_typed_func::<(), i32>(&mut store, "get_null").unwrap();
    match get_null.call(&mut store, ()) {
        Err(Error::Trap(t)) => assert_eq!(t.code(), TrapCode::NullReference),
        other => panic!("expected a null-reference trap, got {other:?}"),
    }
    let eq = i
        .get_typed_func::<(i32, i32), i32>(&mut store, "eq")
        .unwrap();
    assert_eq!(eq.call(&mut store, (5, 5)).unwrap(), 1);
    assert_eq!(eq.call(&mut store, (5, 6)).unwrap(), 0);
    // Equal in their low 31 bits: the same i31.
    assert_eq!(eq.call(&mut store, (5, 5 | i32::MIN)).unwrap(), 1);

    let is_b = i.get_typed_func::<i32, i32>(&mut store, "is_b").unwrap();
    let is_a = i
        .get_typed_func::<i32, i32>(&mut store, "is_a_or_null")
        .unwrap();
    assert_eq!(
        [0, 1, 2].map(|k| is_b.call(&mut store, k).unwrap()),
        [0, 1, 0]
    );
    assert_eq!(
        [0, 1, 2].map(|k| is_a.call(&mut store, k).unwrap()),
        [1, 1, 1]
    );
    let cast_b = i.get_typed_func::<i32, ()>(&mut store, "cast_b").unwrap();
    cast_b.call(&mut store, 1).unwrap();
    for k in [0, 2] {
        match cast_b.call(&mut store, k) {
            Err(Error::Trap(t)) => assert_eq!(t.code(), TrapCode::CastFailure),
            other => panic!("cast_b({k}): expected a cast failure, got {other:?}"),
        }
    }

    let call_any = |store: &mut Store<()>, name: &str, v: Val| {
        let f = i.get_func(&mut *store, name).unwrap();
        let mut out = [Val::I32(0)];
        f.call(store, &[v], &mut out).unwrap();
        out[0]
    };
    let i31 = Val::AnyRef(Some(AnyRef::from_i31(7)));
    let host = Val::AnyRef(Some(AnyRef::from_extern(ExternRef::new(3))));
    let null = Val::AnyRef(None);
    assert_eq!(call_any(&mut store, "classify", i31), Val::I32(1));
    assert_eq!(call_any(&mut store, "classify", null), Val::I32(2));
    assert_eq!(call_any(&mut store, "classify", host), Val::I32(3));
    assert_eq!(call_any(&mut store, "fail", i31), Val::I32(107));
    assert_eq!(call_any(&mut store, "fail", null), Val::I32(1));
    assert_eq!(call_any(&mut store, "fail", host), Val::I32(0));
}
