//! Typed function references (`Config::wasm_function_references`): what the spec suite does
//! not pin down — the switch, the public types of typed references, host values checked
//! against them, import subtyping, and the null test on whole reference cells.

use fayasm::{
    Config, Engine, Error, ExternRef, Global, GlobalType, HeapType, LinkError, Linker, Module,
    RefType, Store, TrapCode, Val, ValType,
};

fn engine() -> Engine {
    Engine::new(Config::default().wasm_function_references(true))
}

fn instantiate(
    engine: &Engine,
    store: &mut Store<()>,
    linker: &Linker<()>,
    wat: &str,
) -> fayasm::Instance {
    let module = Module::new(engine, wat::parse_str(wat).unwrap()).unwrap();
    linker.instantiate(store, &module).unwrap()
}

fn trap_code(r: Result<(), Error>) -> TrapCode {
    match r {
        Err(Error::Trap(t)) => t.code(),
        other => panic!("expected a trap, got {other:?}"),
    }
}

const CALLS: &str = r#"(module
    (type $ii (func (param i32) (result i32)))
    (func $inc (type $ii) (i32.add (local.get 0) (i32.const 1)))
    (elem declare func $inc)
    (table $t 2 (ref null $ii))
    (table $u (export "u") 3 (ref $ii) (ref.func $inc))
    (func (export "call") (param i32) (result i32)
      (call_ref $ii (local.get 0) (table.get $t (i32.const 0))))
    (func (export "tail") (param i32) (result i32)
      (return_call_ref $ii (local.get 0) (table.get $u (i32.const 2))))
    (func (export "set") (table.set $t (i32.const 0) (ref.func $inc)))
    (func (export "non_null") (param funcref) (result funcref)
      (ref.as_non_null (local.get 0)))
    (func (export "is_null") (param externref) (result i32)
      (block $null
        (br_on_null $null (local.get 0))
        (drop)
        (return (i32.const 0)))
      (i32.const 1))
    (func (export "first_non_null") (param (ref null $ii) (ref null $ii)) (result i32)
      (call_ref $ii (i32.const 20)
        (block $found (result (ref $ii))
          (br_on_non_null $found (local.get 0))
          (br_on_non_null $found (local.get 1))
          (return (i32.const -1)))))
)"#;

#[test]
fn the_switch_off_rejects_typed_references_naming_the_feature() {
    let bytes =
        wat::parse_str(r#"(module (type $t (func)) (func (param (ref null $t))))"#).unwrap();
    let err = Module::new(&Engine::new(Config::default()), &bytes).unwrap_err();
    assert!(err.to_string().contains("function references"), "{err}");
    Module::new(&engine(), &bytes).unwrap();
}

#[test]
fn call_ref_ref_as_non_null_and_null_branches() {
    let engine = engine();
    let mut store = Store::new(&engine, ());
    let inst = instantiate(&engine, &mut store, &Linker::new(&engine), CALLS);
    let call = inst.get_func(&store, "call").unwrap();
    let mut out = [Val::I32(0)];
    // Table $t starts null: call_ref of null is the new trap.
    assert_eq!(
        trap_code(call.call(&mut store, &[Val::I32(1)], &mut out)),
        TrapCode::NullReference
    );
    inst.get_func(&store, "set")
        .unwrap()
        .call(&mut store, &[], &mut [])
        .unwrap();
    call.call(&mut store, &[Val::I32(41)], &mut out).unwrap();
    assert_eq!(out[0], Val::I32(42));
    // Table $u was filled by its initialiser expression.
    inst.get_func(&store, "tail")
        .unwrap()
        .call(&mut store, &[Val::I32(6)], &mut out)
        .unwrap();
    assert_eq!(out[0], Val::I32(7));

    let non_null = inst.get_func(&store, "non_null").unwrap();
    let mut r = [Val::FuncRef(None)];
    assert_eq!(
        trap_code(non_null.call(&mut store, &[Val::FuncRef(None)], &mut r)),
        TrapCode::NullReference
    );
    non_null
        .call(&mut store, &[Val::FuncRef(Some(call))], &mut r)
        .unwrap();
    assert_eq!(r[0], Val::FuncRef(Some(call)));

    // A host reference whose cell's low 32 bits are zero (u32::MAX + 1) is not null.
    let is_null = inst.get_func(&store, "is_null").unwrap();
    for (v, want) in [
        (None, 1),
        (Some(ExternRef::new(u32::MAX)), 0),
        (Some(ExternRef::new(0)), 0),
    ] {
        is_null
            .call(&mut store, &[Val::ExternRef(v)], &mut out)
            .unwrap();
        assert_eq!(out[0], Val::I32(want), "{v:?}");
    }

    // br_on_non_null takes the first non-null reference; a function of another type
    // does not fit the concrete parameter type.
    let first = inst.get_func(&store, "first_non_null").unwrap();
    let inc = match inst.get_table(&store, "u").unwrap().get(&store, 0) {
        Some(Val::FuncRef(Some(f))) => f,
        other => panic!("{other:?}"),
    };
    first
        .call(
            &mut store,
            &[Val::FuncRef(None), Val::FuncRef(Some(inc))],
            &mut out,
        )
        .unwrap();
    assert_eq!(out[0], Val::I32(21));
    first
        .call(
            &mut store,
            &[Val::FuncRef(None), Val::FuncRef(None)],
            &mut out,
        )
        .unwrap();
    assert_eq!(out[0], Val::I32(-1));
    // `call` has type $ii too (structurally), `non_null` does not.
    first
        .call(
            &mut store,
            &[Val::FuncRef(Some(call)), Val::FuncRef(None)],
            &mut out,
        )
        .unwrap();
    assert_eq!(out[0], Val::I32(21));
    assert!(first
        .call(
            &mut store,
            &[Val::FuncRef(Some(non_null)), Val::FuncRef(None)],
            &mut out
        )
        .is_err());
}

#[test]
fn typed_references_in_the_public_types() {
    let engine = engine();
    let mut store = Store::new(&engine, ());
    let inst = instantiate(
        &engine,
        &mut store,
        &Linker::new(&engine),
        r#"(module
            (type $v (func))
            (type $f (func (param (ref $v)) (result (ref null $v))))
            (func $nop (type $v))
            (func $g (export "g") (type $f) (local.get 0))
            (global (export "imm") (ref $v) (ref.func $nop))
            (global (export "mut") (mut (ref null $v)) (ref.null $v))
            (global (export "any") (mut (ref func)) (ref.func $nop)))"#,
    );
    let imm = inst.get_global(&store, "imm").unwrap();
    let ty = imm.ty(&store);
    let v = match ty.content {
        ValType::Ref(r) => {
            assert!(!r.is_nullable());
            match r.heap_type() {
                HeapType::Concrete(id) => id,
                other => panic!("{other:?}"),
            }
        }
        other => panic!("{other:?}"),
    };
    // The function's type names the same store id.
    let g = inst.get_func(&store, "g").unwrap();
    let gty = g.ty(&store);
    assert_eq!(
        gty.params(),
        &[ValType::Ref(RefType::new(false, HeapType::Concrete(v)))]
    );
    assert_eq!(
        gty.results(),
        &[ValType::Ref(RefType::new(true, HeapType::Concrete(v)))]
    );
    // `Ref(FuncRef)` is `FuncRef`, written another way.
    assert_eq!(ValType::Ref(RefType::FuncRef), ValType::FuncRef);
    assert_eq!(
        ValType::from(RefType::new(true, HeapType::Extern)),
        ValType::ExternRef
    );

    // Values are checked against the concrete type: null only where nullable, and only a
    // function of that type.
    let nop = match imm.get(&store) {
        Val::FuncRef(Some(f)) => f,
        other => panic!("{other:?}"),
    };
    let mutable = inst.get_global(&store, "mut").unwrap();
    mutable.set(&mut store, Val::FuncRef(Some(nop))).unwrap();
    mutable.set(&mut store, Val::FuncRef(None)).unwrap();
    assert!(mutable.set(&mut store, Val::FuncRef(Some(g))).is_err());
    let any = inst.get_global(&store, "any").unwrap();
    any.set(&mut store, Val::FuncRef(Some(g))).unwrap();
    assert!(any.set(&mut store, Val::FuncRef(None)).is_err());
    let mut out = [Val::FuncRef(None)];
    assert!(g.call(&mut store, &[Val::FuncRef(None)], &mut out).is_err());
    g.call(&mut store, &[Val::FuncRef(Some(nop))], &mut out)
        .unwrap();
    assert_eq!(out[0], Val::FuncRef(Some(nop)));
    // A host global of a non-nullable type needs a non-null value.
    let non_null = GlobalType::new(ValType::Ref(RefType::new(false, HeapType::Func)), false);
    assert!(Global::new(&mut store, non_null, Val::FuncRef(None)).is_err());
    Global::new(&mut store, non_null, Val::FuncRef(Some(g))).unwrap();
}

#[test]
fn imports_match_by_subtyping_and_canonical_types() {
    let engine = engine();
    let mut store = Store::new(&engine, ());
    let exporter = instantiate(
        &engine,
        &mut store,
        &Linker::new(&engine),
        r#"(module
            (type $v (func))
            (type $f (func (param (ref $v))))
            (func $nop (type $v))
            (func (export "f") (type $f))
            (global (export "imm") (ref $v) (ref.func $nop))
            (global (export "mut") (mut (ref null $v)) (ref.null $v)))"#,
    );
    let mut linker = Linker::new(&engine);
    for name in ["f", "imm", "mut"] {
        let e = exporter.get_export(&store, name).unwrap();
        linker.define(&store, "m", name, e).unwrap();
    }
    let try_module = |store: &mut Store<()>, wat: &str| {
        let module = Module::new(&engine, wat::parse_str(wat).unwrap()).unwrap();
        linker.instantiate(store, &module).map(|_| ())
    };
    // Structurally equal types of another module are the same type.
    try_module(
        &mut store,
        r#"(module (type $a (func)) (type $b (func (param (ref $a))))
            (import "m" "f" (func (type $b))))"#,
    )
    .unwrap();
    // An immutable global may be imported at a supertype.
    for ty in ["(ref null 0)", "(ref func)", "funcref", "(ref 0)"] {
        try_module(
            &mut store,
            &format!(r#"(module (type (func)) (import "m" "imm" (global {ty})))"#),
        )
        .unwrap_or_else(|e| panic!("{ty}: {e}"));
    }
    let incompatible = |r: Result<(), Error>| {
        assert!(
            matches!(r, Err(Error::Link(LinkError::Incompatible { .. }))),
            "{r:?}"
        )
    };
    // A function of another signature, an immutable global at a subtype or another
    // concrete type, a mutable one at anything but its own type.
    incompatible(try_module(
        &mut store,
        r#"(module (type $a (func)) (type $b (func (param (ref null $a))))
            (import "m" "f" (func (type $b))))"#,
    ));
    incompatible(try_module(
        &mut store,
        r#"(module (type (func (param i32))) (import "m" "imm" (global (ref 0))))"#,
    ));
    incompatible(try_module(
        &mut store,
        r#"(module (type (func)) (import "m" "mut" (global (mut funcref))))"#,
    ));
    try_module(
        &mut store,
        r#"(module (type (func)) (import "m" "mut" (global (mut (ref null 0)))))"#,
    )
    .unwrap();
}

#[test]
fn call_indirect_still_tells_concrete_parameter_types_apart() {
    let engine = engine();
    let mut store = Store::new(&engine, ());
    let inst = instantiate(
        &engine,
        &mut store,
        &Linker::new(&engine),
        r#"(module
            (type $v (func))
            (type $a (func (param (ref $v))))
            (type $b (func (param (ref null $v))))
            (func $nop (type $v))
            (func $fa (type $a))
            (table funcref (elem $fa))
            (elem declare func $nop)
            (func (export "as_b") (call_indirect (type $b) (ref.func $nop) (i32.const 0)))
            (func (export "as_a") (call_indirect (type $a) (ref.func $nop) (i32.const 0))))"#,
    );
    inst.get_func(&store, "as_a")
        .unwrap()
        .call(&mut store, &[], &mut [])
        .unwrap();
    assert_eq!(
        trap_code(
            inst.get_func(&store, "as_b")
                .unwrap()
                .call(&mut store, &[], &mut [])
        ),
        TrapCode::BadSignature
    );
}
