//! GC (`Config::wasm_gc`), the type system: recursion groups and their canonicalisation
//! across modules, declared subtypes in `call_indirect` and import matching, and GC values
//! (`AnyRef`) crossing the API. The spec suites (`wasm-v3`, `proposals/gc`) cover the rest.

use fayasm::{AnyRef, Config, Engine, Error, ExternRef, Linker, Module, Store, TrapCode, Val};

use crate::support;

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

const OBJECTS: &str = r#"(module
    (type $pt (struct (field $x (mut i32)) (field $y i64) (field $b (mut i8)) (field $v v128)))
    (type $bytes (array (mut i8)))
    (type $refs (array (mut anyref)))
    (data $d "\01\02\ff\80")
    (global $g (ref $pt) (struct.new $pt (i32.const 7) (i64.const -2) (i32.const 0x1ff)
        (v128.const i64x2 5 6)))
    (func (export "point") (param i32) (result i32 i64 i32 i32 i64)
        (local $p (ref null $pt))
        (local.set $p (struct.new_default $pt))
        (struct.set $pt $x (local.get $p) (local.get 0))
        (struct.set $pt $b (local.get $p) (i32.const -3))
        (struct.get $pt $x (local.get $p))
        (struct.get $pt $y (local.get $p))
        (struct.get_s $pt $b (local.get $p))
        (struct.get_u $pt $b (local.get $p))
        (i64x2.extract_lane 1 (struct.get $pt $v (global.get $g))))
    (func (export "global_b") (result i32) (struct.get_u $pt $b (global.get $g)))
    (func (export "bytes") (param i32) (result i32 i32 i32)
        (local $a (ref null $bytes))
        (local.set $a (array.new_data $bytes $d (i32.const 0) (i32.const 4)))
        (array.fill $bytes (local.get $a) (i32.const 0) (i32.const 0x101) (i32.const 1))
        (array.copy $bytes $bytes (local.get $a) (i32.const 1) (local.get $a) (i32.const 0) (i32.const 3))
        (array.len (local.get $a))
        (array.get_u $bytes (local.get $a) (local.get 0))
        (array.get_s $bytes (local.get $a) (local.get 0)))
    (func (export "alloc") (param i32) (result i32)
        (array.len (array.new_default $bytes (local.get 0))))
    (func (export "is_struct") (param anyref) (result i32) (ref.test (ref struct) (local.get 0)))
    (func (export "make") (param i32) (result anyref)
        (if (result anyref) (local.get 0)
            (then (struct.new_default $pt))
            (else (array.new_fixed $refs 2 (ref.i31 (i32.const 1)) (ref.null any)))))
    (func (export "null_get") (result i32) (struct.get $pt $x (ref.null $pt)))
)"#;

#[test]
fn structs_and_arrays_store_load_pack_and_bound() {
    let engine = engine();
    let mut store = Store::new(&engine, ());
    let i = Linker::new(&engine)
        .instantiate(&mut store, &module(&engine, OBJECTS))
        .unwrap();
    let point = i
        .get_typed_func::<i32, (i32, i64, i32, i32, i64)>(&mut store, "point")
        .unwrap();
    // Fields default to zero; an i8 field keeps 8 bits, read signed or not.
    assert_eq!(point.call(&mut store, 42).unwrap(), (42, 0, -3, 0xfd, 6));
    let global_b = i.get_typed_func::<(), i32>(&mut store, "global_b").unwrap();
    assert_eq!(global_b.call(&mut store, ()).unwrap(), 0xff);
    let bytes = i
        .get_typed_func::<i32, (i32, i32, i32)>(&mut store, "bytes")
        .unwrap();
    // Data 01 02 ff 80, element 0 filled with 0x01 (0x101 packed), then [0..3] copied
    // to [1..4] (overlapping): 01 01 02 ff.
    assert_eq!(bytes.call(&mut store, 3).unwrap(), (4, 0xff, -1));
    assert_eq!(bytes.call(&mut store, 1).unwrap(), (4, 1, 1));
    match bytes.call(&mut store, 4) {
        Err(Error::Trap(t)) => assert_eq!(t.code(), TrapCode::ArrayOutOfBounds),
        other => panic!("expected an array bounds trap, got {other:?}"),
    }
    let null_get = i.get_typed_func::<(), i32>(&mut store, "null_get").unwrap();
    match null_get.call(&mut store, ()) {
        Err(Error::Trap(t)) => assert_eq!(t.code(), TrapCode::NullReference),
        other => panic!("expected a null-reference trap, got {other:?}"),
    }
    // Objects cross the API as `AnyRef`s that say what they are, and come back.
    let make = i.get_func(&mut store, "make").unwrap();
    let is_struct = i.get_func(&mut store, "is_struct").unwrap();
    for (k, want_struct) in [(1, true), (0, false)] {
        let mut out = [Val::AnyRef(None)];
        make.call(&mut store, &[Val::I32(k)], &mut out).unwrap();
        let Val::AnyRef(Some(a)) = out[0] else {
            panic!("make({k}) returned {:?}", out[0])
        };
        assert!(a.is_object() && a.is_struct() == want_struct && a.is_array() != want_struct);
        let mut t = [Val::I32(0)];
        is_struct.call(&mut store, &out, &mut t).unwrap();
        assert_eq!(t[0], Val::I32(want_struct as i32));
    }
}

const HEAP: &str = r#"(module
    (type $bytes (array (mut i8)))
    (type $node (struct (field i32) (field (ref null $node))))
    (type $pair (struct (field anyref) (field (ref $bytes))))
    (global $list (mut (ref null $node)) (ref.null $node))
    (global $kept (mut anyref) (ref.null any))
    (table $t 1 anyref)
    ;; Garbage: an array of `n` bytes, dropped.
    (func (export "alloc") (param i32) (result i32)
        (array.len (array.new_default $bytes (local.get 0))))
    ;; Keep an array of `n` bytes, chained from `$kept`.
    (func (export "keep") (param i32)
        (global.set $kept (struct.new $pair (global.get $kept)
            (array.new_default $bytes (local.get 0)))))
    ;; A list of `n` nodes holding 0..n, from `$list` or from table slot 0.
    (func (export "build") (param i32) (param $in_table i32)
        (local $l (ref null $node))
        (loop $next
            (local.set 0 (i32.sub (local.get 0) (i32.const 1)))
            (local.set $l (struct.new $node (local.get 0) (local.get $l)))
            (br_if $next (local.get 0)))
        (if (local.get $in_table)
            (then (table.set $t (i32.const 0) (local.get $l)))
            (else (global.set $list (local.get $l)))))
    ;; The sum of the list's values, from `$list` or table slot 0.
    (func (export "sum") (param $in_table i32) (result i32)
        (local $l (ref null $node)) (local $s i32)
        (local.set $l (if (result (ref null $node)) (local.get $in_table)
            (then (ref.cast (ref null $node) (table.get $t (i32.const 0))))
            (else (global.get $list))))
        (block $done (loop $next
            (br_if $done (ref.is_null (local.get $l)))
            (local.set $s (i32.add (local.get $s) (struct.get $node 0 (local.get $l))))
            (local.set $l (struct.get $node 1 (local.get $l)))
            (br $next)))
        (local.get $s))
    ;; A struct for the host, and a read of it.
    (func (export "make") (param i32) (result anyref) (struct.new $node (local.get 0) (ref.null $node)))
    (func (export "value") (param anyref) (result i32)
        (struct.get $node 0 (ref.cast (ref $node) (local.get 0))))
)"#;

fn heap_store(limit: u64) -> (Store<()>, fayasm::Instance) {
    let engine = Engine::new(Config::default().wasm_gc(true).gc_heap_bytes(limit));
    let mut store = Store::new(&engine, ());
    let i = Linker::new(&engine)
        .instantiate(&mut store, &module(&engine, HEAP))
        .unwrap();
    (store, i)
}

fn expect_heap_trap<R: core::fmt::Debug>(r: Result<R, Error>, what: &str) {
    match r {
        Err(Error::Trap(t)) => assert_eq!(t.code(), TrapCode::GcHeapOutOfMemory, "{what}"),
        other => panic!("{what}: expected the heap limit's trap, got {other:?}"),
    }
}

#[test]
fn the_gc_heap_limit_is_a_trap_not_an_abort() {
    let (mut store, i) = heap_store(64 * 1024);
    let alloc = i.get_typed_func::<i32, i32>(&mut store, "alloc").unwrap();
    // 8 bytes an element: 1,000 fit, 10,000 do not, nor does the largest length.
    assert_eq!(alloc.call(&mut store, 1000).unwrap(), 1000);
    for n in [10_000, -1] {
        expect_heap_trap(alloc.call(&mut store, n), &format!("alloc({n})"));
    }
    // What is kept counts: chaining arrays from a global runs the heap out.
    let keep = i.get_typed_func::<i32, ()>(&mut store, "keep").unwrap();
    let mut kept = 0;
    loop {
        match keep.call(&mut store, 1000) {
            Ok(()) => kept += 1,
            r => {
                expect_heap_trap(r, "keep");
                break;
            }
        }
        assert!(kept < 100, "the heap limit was never reached");
    }
    assert!(kept >= 6, "only {kept} arrays of 8,000 bytes fit in 64 KiB");
}

#[test]
fn the_collector_frees_garbage_and_keeps_what_is_reachable() {
    let (mut store, i) = heap_store(256 * 1024);
    let alloc = i.get_typed_func::<i32, i32>(&mut store, "alloc").unwrap();
    let build = i
        .get_typed_func::<(i32, i32), ()>(&mut store, "build")
        .unwrap();
    let sum = i.get_typed_func::<i32, i32>(&mut store, "sum").unwrap();
    // Two lists of 1,000 nodes (far past the collector's work list), one from a global,
    // one from a table; then 8 MB of garbage, 32 times the limit.
    build.call(&mut store, (1000, 0)).unwrap();
    build.call(&mut store, (1000, 1)).unwrap();
    for _ in 0..1000 {
        assert_eq!(alloc.call(&mut store, 1000).unwrap(), 1000);
    }
    assert_eq!(sum.call(&mut store, 0).unwrap(), 1000 * 999 / 2);
    assert_eq!(sum.call(&mut store, 1).unwrap(), 1000 * 999 / 2);
    // Replacing a list makes the old one garbage: building lists forever fits.
    for _ in 0..50 {
        build.call(&mut store, (1000, 0)).unwrap();
    }
    assert_eq!(sum.call(&mut store, 0).unwrap(), 1000 * 999 / 2);
}

#[test]
fn objects_the_host_holds_survive_collections() {
    let (mut store, i) = heap_store(128 * 1024);
    let make = i.get_func(&mut store, "make").unwrap();
    let value = i.get_func(&mut store, "value").unwrap();
    let alloc = i.get_typed_func::<i32, i32>(&mut store, "alloc").unwrap();
    let mut held = Vec::new();
    for k in 0..10 {
        let mut out = [Val::AnyRef(None)];
        make.call(&mut store, &[Val::I32(k)], &mut out).unwrap();
        held.push(out[0]);
        for _ in 0..50 {
            alloc.call(&mut store, 1000).unwrap();
        }
    }
    for (k, v) in held.iter().enumerate() {
        let mut out = [Val::I32(-1)];
        value.call(&mut store, &[*v], &mut out).unwrap();
        assert_eq!(out[0], Val::I32(k as i32));
    }
}

/// A resumable call that allocates: suspended and resumed it ends as an uninterrupted
/// call; once the store holds a GC object, checkpointing the suspended call is a typed
/// error (a checkpoint does not carry the heap), never a checkpoint missing objects.
#[test]
fn suspended_calls_refuse_checkpoints_once_the_store_holds_objects() {
    let engine = Engine::new(Config::default().wasm_gc(true).consume_fuel(true));
    let wat = r#"(module
        (type $box (struct (field i32)))
        (func (export "run") (param i32) (result i32)
          (local $i i32) (local $sum i32)
          (loop $l
            (local.set $sum (i32.add (local.get $sum)
                (struct.get $box 0 (struct.new $box (local.get $i)))))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br_if $l (i32.lt_u (local.get $i) (local.get 0))))
          (local.get $sum)))"#;
    let (out, checkpoints) = support::checkpoint_every_suspension(&engine, wat, 30, 5);
    assert_eq!(out, Val::I32(30 * 29 / 2));
    let taken = checkpoints.iter().take_while(|c| c.is_ok()).count();
    let refused = &checkpoints[taken..];
    for c in refused {
        let reason = c.expect_err("a checkpoint after one was refused");
        assert!(reason.contains("GC"), "{reason}");
    }
    assert!(
        checkpoints.len() > 10 && !refused.is_empty(),
        "{checkpoints:?}"
    );
}
