//! The typed embedding API (issue 16): `TypedFunc`, `Func::wrap`, `Linker::func_wrap`,
//! `AsContext`/`AsContextMut`, written the way wasmtime's examples are.

use fayasm::{
    AsContext, AsContextMut, Caller, Engine, Error, ExternRef, Func, Instance, Linker, Module,
    Store, Trap, TrapCode, TypeMismatch, Val, ValType, V128,
};

const WAT: &str = r#"(module
  (import "host" "add" (func $add (param i32 i32) (result i32)))
  (import "host" "fail" (func $fail (param i32) (result i32)))
  (import "host" "peek" (func $peek (param i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "\2a")
  (func $fib (export "fib") (param i32) (result i32)
    (if (result i32) (i32.lt_s (local.get 0) (i32.const 2))
      (then (local.get 0))
      (else (i32.add (call $fib (i32.sub (local.get 0) (i32.const 1)))
                     (call $fib (i32.sub (local.get 0) (i32.const 2)))))))
  (func (export "mix") (param i32 i64 f32 f64) (result f64)
    (f64.add
      (f64.add (f64.convert_i32_s (local.get 0)) (f64.convert_i64_s (local.get 1)))
      (f64.add (f64.promote_f32 (local.get 2)) (local.get 3))))
  (func (export "eight") (param i32 i32 i32 i32 i32 i32 i32 i64) (result i64)
    (i64.add (i64.extend_i32_u
      (i32.add (i32.add (i32.add (local.get 0) (local.get 1)) (i32.add (local.get 2) (local.get 3)))
               (i32.add (i32.add (local.get 4) (local.get 5)) (local.get 6))))
      (local.get 7)))
  (func (export "swap") (param i32 i64) (result i64 i32) (local.get 1) (local.get 0))
  (func (export "vec") (param v128) (result v128) (i32x4.add (local.get 0) (local.get 0)))
  (func (export "refs") (param funcref externref) (result externref funcref)
    (local.get 1) (local.get 0))
  (func (export "call_add") (param i32 i32) (result i32) (call $add (local.get 0) (local.get 1)))
  (func (export "call_fail") (param i32) (result i32) (call $fail (local.get 0)))
  (func (export "call_peek") (param i32) (result i32) (call $peek (local.get 0))))"#;

fn linker(engine: &Engine) -> Linker<u32> {
    let mut linker = Linker::new(engine);
    // Without a Caller.
    linker
        .func_wrap("host", "add", |a: i32, b: i32| a.wrapping_add(b))
        .unwrap();
    // A Result: Err traps the guest.
    linker
        .func_wrap("host", "fail", |x: i32| -> Result<i32, Trap> {
            if x < 0 {
                Err(Trap::host("negative"))
            } else {
                Ok(x)
            }
        })
        .unwrap();
    // With a Caller: host data and guest memory, the wasmtime way.
    linker
        .func_wrap(
            "host",
            "peek",
            |mut caller: Caller<'_, u32>, addr: i32| -> i32 {
                *caller.data_mut() += 1;
                let memory = caller.get_export("memory").unwrap().into_memory().unwrap();
                memory.data(&caller)[addr as usize] as i32
            },
        )
        .unwrap();
    linker
}

fn setup() -> (Store<u32>, Instance) {
    let engine = Engine::default();
    let module = Module::new(&engine, wat::parse_str(WAT).unwrap()).unwrap();
    let mut store = Store::new(&engine, 0);
    let instance = linker(&engine).instantiate(&mut store, &module).unwrap();
    (store, instance)
}

#[test]
fn typed_calls_of_every_shape() {
    let (mut store, instance) = setup();
    let fib = instance
        .get_typed_func::<i32, i32>(&mut store, "fib")
        .unwrap();
    assert_eq!(fib.call(&mut store, 20).unwrap(), 6765);

    let mix = instance
        .get_typed_func::<(i32, i64, f32, f64), f64>(&store, "mix")
        .unwrap();
    assert_eq!(mix.call(&mut store, (1, 2, 0.5, 0.25)).unwrap(), 3.75);

    let eight = instance
        .get_typed_func::<(i32, i32, i32, i32, i32, i32, i32, i64), i64>(&store, "eight")
        .unwrap();
    assert_eq!(
        eight
            .call(&mut store, (1, 2, 3, 4, 5, 6, 7, 1 << 40))
            .unwrap(),
        (1 << 40) + 28
    );

    let swap = instance
        .get_typed_func::<(i32, i64), (i64, i32)>(&store, "swap")
        .unwrap();
    assert_eq!(swap.call(&mut store, (7, -9)).unwrap(), (-9, 7));
    // u32 and u64 are i32 and i64.
    let swap_u = instance
        .get_typed_func::<(u32, u64), (u64, u32)>(&store, "swap")
        .unwrap();
    assert_eq!(
        swap_u.call(&mut store, (u32::MAX, 5)).unwrap(),
        (5, u32::MAX)
    );

    let vec = instance
        .get_typed_func::<V128, V128>(&store, "vec")
        .unwrap();
    let lanes = 1u128 | 2 << 32 | 3 << 64 | 4 << 96;
    assert_eq!(
        vec.call(&mut store, V128::from(lanes)).unwrap().as_u128(),
        lanes * 2
    );

    let refs = instance
        .get_typed_func::<(Option<Func>, Option<ExternRef>), (Option<ExternRef>, Option<Func>)>(
            &store, "refs",
        )
        .unwrap();
    let f = *fib.func();
    assert_eq!(
        refs.call(&mut store, (Some(f), Some(ExternRef::new(5))))
            .unwrap(),
        (Some(ExternRef::new(5)), Some(f))
    );
    assert_eq!(refs.call(&mut store, (None, None)).unwrap(), (None, None));
}

#[test]
fn host_functions_from_closures() {
    let (mut store, instance) = setup();
    let call_add = instance
        .get_typed_func::<(i32, i32), i32>(&store, "call_add")
        .unwrap();
    assert_eq!(call_add.call(&mut store, (40, 2)).unwrap(), 42);

    let call_fail = instance
        .get_typed_func::<i32, i32>(&store, "call_fail")
        .unwrap();
    assert_eq!(call_fail.call(&mut store, 3).unwrap(), 3);
    match call_fail.call(&mut store, -1) {
        Err(Error::Trap(t)) => {
            assert_eq!(t.code(), TrapCode::Host);
            assert_eq!(t.message(), Some("negative"));
        }
        other => panic!("expected a host trap, got {other:?}"),
    }

    let call_peek = instance
        .get_typed_func::<i32, i32>(&store, "call_peek")
        .unwrap();
    assert_eq!(call_peek.call(&mut store, 16).unwrap(), 42);
    assert_eq!(*store.data(), 1);

    // Func::wrap directly, called typed and untyped; multiple results.
    let pair = Func::wrap(&mut store, |caller: Caller<'_, u32>, x: i64| {
        (x * 2, *caller.data() as i32)
    });
    assert_eq!(
        pair.ty(&store).params(),
        &[ValType::I64],
        "the signature comes from the closure"
    );
    assert_eq!(pair.ty(&store).results(), &[ValType::I64, ValType::I32]);
    let typed = pair.typed::<i64, (i64, i32)>(&store).unwrap();
    assert_eq!(typed.call(&mut store, 21).unwrap(), (42, 1));
    let mut out = [Val::I32(0), Val::I32(0)];
    pair.call(&mut store, &[Val::I64(5)], &mut out).unwrap();
    assert_eq!(out, [Val::I64(10), Val::I32(1)]);
    let unit = Func::wrap(&mut store, || {});
    unit.typed::<(), ()>(&store)
        .unwrap()
        .call(&mut store, ())
        .unwrap();
}

#[test]
fn one_linker_serves_many_stores() {
    let engine = Engine::default();
    let module = Module::new(&engine, wat::parse_str(WAT).unwrap()).unwrap();
    let linker = linker(&engine);
    for data in [10, 20] {
        let mut store = Store::new(&engine, data);
        let instance = linker.instantiate(&mut store, &module).unwrap();
        let peek = instance
            .get_typed_func::<i32, i32>(&store, "call_peek")
            .unwrap();
        assert_eq!(peek.call(&mut store, 16).unwrap(), 42);
        assert_eq!(*store.data(), data + 1);
    }
}

#[test]
fn mismatches_name_the_position_and_both_types() {
    let (store, instance) = setup();
    let err = instance
        .get_typed_func::<(i32, i32, f32, f64), f64>(&store, "mix")
        .unwrap_err();
    assert_eq!(
        err,
        Error::TypeMismatch(TypeMismatch::Param {
            index: 1,
            expected: ValType::I64,
            found: ValType::I32
        })
    );
    assert_eq!(
        err.to_string(),
        "type mismatch: parameter 1 of the function has type i64, given i32"
    );
    assert_eq!(
        instance
            .get_typed_func::<(i32, i64), (i64, i64)>(&store, "swap")
            .unwrap_err(),
        Error::TypeMismatch(TypeMismatch::Result {
            index: 1,
            expected: ValType::I32,
            found: ValType::I64
        })
    );
    assert_eq!(
        instance
            .get_typed_func::<i32, i32>(&store, "swap")
            .unwrap_err(),
        Error::TypeMismatch(TypeMismatch::ParamCount {
            expected: 2,
            found: 1
        })
    );
    assert_eq!(
        instance
            .get_typed_func::<i32, i32>(&store, "nope")
            .unwrap_err(),
        Error::MissingExport {
            name: "nope".into(),
            kind: "function",
            found: None
        }
    );
    let err = instance
        .get_typed_func::<i32, i32>(&store, "memory")
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "export `memory` is a memory, not a function"
    );
    // The untyped path names the parameter too.
    let mix = instance.get_func(&store, "mix").unwrap();
    let mut store = store;
    let mut out = [Val::F64(0)];
    assert_eq!(
        mix.call(
            &mut store,
            &[Val::I32(1), Val::I64(2), Val::F64(0), Val::F64(0)],
            &mut out
        ),
        Err(Error::TypeMismatch(TypeMismatch::Param {
            index: 2,
            expected: ValType::F32,
            found: ValType::F64
        }))
    );
}

/// Host code generic over where the store comes from, as wasmtime helpers are.
fn bump(mut cx: impl AsContextMut<Data = u32>) -> u32 {
    *cx.as_context_mut().data_mut() += 1;
    *cx.as_context().data()
}

fn read_byte(cx: impl AsContext, instance: Instance, addr: usize) -> u8 {
    let memory = instance.get_memory(&cx, "memory").unwrap();
    memory.data(cx.as_context())[addr]
}

#[test]
fn store_and_caller_both_serve_as_context() {
    let (mut store, instance) = setup();
    assert_eq!(bump(&mut store), 1);
    assert_eq!(read_byte(&store, instance, 16), 42);
    let through_caller = Func::wrap(&mut store, move |mut caller: Caller<'_, u32>| -> i32 {
        let n = bump(&mut caller);
        let byte = read_byte(&caller, instance, 16);
        let memory = instance.get_memory(&caller, "memory").unwrap();
        memory.data_mut(&mut caller)[17] = 7;
        n as i32 * 1000 + byte as i32
    });
    let f = through_caller.typed::<(), i32>(&store).unwrap();
    assert_eq!(f.call(&mut store, ()).unwrap(), 2042);
    assert_eq!(read_byte(store.as_context_mut(), instance, 17), 7);
}

#[test]
fn typed_handles_check_their_store() {
    let (mut a, inst_a) = setup();
    let (mut b, _) = setup();
    let fib = inst_a.get_typed_func::<i32, i32>(&a, "fib").unwrap();
    assert_eq!(fib.call(&mut b, 3), Err(Error::WrongStore));
    assert_eq!(
        fib.func().typed::<i32, i32>(&b).err(),
        Some(Error::WrongStore)
    );
    assert_eq!(
        inst_a.get_typed_func::<i32, i32>(&b, "fib").err(),
        Some(Error::WrongStore)
    );
    let refs = inst_a
        .get_typed_func::<(Option<Func>, Option<ExternRef>), (Option<ExternRef>, Option<Func>)>(
            &a, "refs",
        )
        .unwrap();
    let foreign = Func::wrap(&mut b, || {});
    assert_eq!(
        refs.call(&mut a, (Some(foreign), None)),
        Err(Error::WrongStore)
    );
}
