//! Resumable calls (`Func::call_resumable`): a call suspended out of fuel, interrupted or by
//! a yielding host function continues to exactly the results of an uninterrupted run.

use fayasm::{
    Config, Engine, Error, Func, FuncType, Instance, Linker, Module, ResumableCall, Store,
    SuspendReason, Trap, TrapCode, Val, ValType,
};

use crate::support::{instantiate_with_stubs, samples_dir};

/// Run `f(args)` resumably, giving `slice` more fuel at every suspension; the results and
/// the number of suspensions.
fn run_sliced(
    store: &mut Store<()>,
    f: Func,
    args: &[Val],
    n: usize,
    slice: u64,
) -> (Vec<Val>, u64) {
    let mut out = vec![Val::I32(0); n];
    store.set_fuel(slice).unwrap();
    let mut call = f.call_resumable(&mut *store, args, &mut out).unwrap();
    let mut stops = 0;
    loop {
        match call {
            ResumableCall::Finished => return (out, stops),
            ResumableCall::Suspended(s) => {
                assert_eq!(s.reason(), SuspendReason::OutOfFuel);
                stops += 1;
                let left = store.get_fuel().unwrap();
                store.set_fuel(left + slice).unwrap();
                call = s.resume(&mut *store, &[], &mut out).unwrap();
            }
        }
    }
}

#[test]
fn every_benchmark_sample_resumes_to_the_same_result_in_fuel_slices() {
    let expected: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(samples_dir().join("expected.json")).unwrap(),
    )
    .unwrap();
    let engine = Engine::new(Config::default().consume_fuel(true));
    let mut ran = 0;
    for bench in expected["benchmarks"].as_array().unwrap() {
        if bench["simd"].as_bool() == Some(true) && !cfg!(feature = "simd") {
            continue;
        }
        let name = bench["name"].as_str().unwrap();
        let bytes = std::fs::read(
            samples_dir()
                .join("wasm")
                .join(bench["wasm"].as_str().unwrap()),
        )
        .unwrap();
        let module = Module::new(&engine, &bytes).unwrap();
        let arg = bench["smoke"]["arg"].as_i64().unwrap() as i32;
        let want = Val::I32(bench["smoke"]["result"].as_i64().unwrap() as i32);
        // Uninterrupted, for the fuel it takes and the memory it leaves.
        let mut store = Store::new(&engine, ());
        let inst = instantiate_with_stubs(&mut store, &module).unwrap();
        let run = inst
            .get_func(&store, bench["export"].as_str().unwrap())
            .unwrap();
        let (out, stops) = run_sliced(&mut store, run, &[Val::I32(arg)], 1, u64::MAX / 2);
        assert_eq!((out[0], stops), (want, 0), "{name}");
        let total = u64::MAX / 2 - store.get_fuel().unwrap();
        let memory = |store: &Store<()>, inst: Instance| {
            inst.get_memory(store, "memory")
                .map(|m| m.data(store).to_vec())
        };
        let mem = memory(&store, inst);
        // Slices of 1 (one suspension per unit of fuel) on every sample: the smoke arguments
        // keep each run small enough.
        assert!(
            total < 3_000_000,
            "{name}: {total} fuel at the smoke argument; slices of 1 would take too long"
        );
        for slice in [1, 7, 1000] {
            let mut store = Store::new(&engine, ());
            let inst = instantiate_with_stubs(&mut store, &module).unwrap();
            let run = inst
                .get_func(&store, bench["export"].as_str().unwrap())
                .unwrap();
            let (out, stops) = run_sliced(&mut store, run, &[Val::I32(arg)], 1, slice);
            assert_eq!(out[0], want, "{name}, slices of {slice}");
            eprintln!("{name}: {total} fuel, slices of {slice}: {stops} suspensions");
            assert!(
                stops >= total / slice / 2,
                "{name}: {stops} stops for {total} fuel"
            );
            // The same fuel in all: what is left is what a single run leaves.
            let left = store.get_fuel().unwrap();
            assert_eq!(
                slice * (stops + 1) - left,
                total,
                "{name}, slices of {slice}"
            );
            assert_eq!(memory(&store, inst), mem, "{name}, slices of {slice}");
        }
        ran += 1;
    }
    assert!(ran >= 12, "{ran}");
}

const WAT: &str = r#"(module
  (import "host" "ask" (func $ask (param i32) (result i32)))
  (func $twice (export "twice") (param i32) (result i32)
    (i32.add (call $ask (local.get 0)) (call $ask (i32.add (local.get 0) (i32.const 1)))))
  (func (export "deep") (param i32) (result i32)
    (if (result i32) (i32.eqz (local.get 0))
      (then (call $twice (i32.const 10)))
      (else (i32.add (i32.const 1) (call 2 (i32.sub (local.get 0) (i32.const 1)))))))
  (func (export "tail") (param i32) (result i32)
    (return_call $ask (local.get 0)))
  (func (export "spin") (param i32) (result i32)
    (loop (br_if 0 (i32.eqz (global.get 0))))
    (local.get 0))
  (global (export "flag") (mut i32) (i32.const 0)))"#;

fn yielding(config: Config) -> (Store<()>, Instance) {
    let engine = Engine::new(config);
    let module = Module::new(&engine, wat::parse_str(WAT).unwrap()).unwrap();
    let mut store = Store::new(&engine, ());
    let ask = Func::new(
        &mut store,
        FuncType::new([ValType::I32], [ValType::I32]),
        |_, _, _| Err(Trap::host_yield()),
    );
    let mut linker = Linker::new(&engine);
    linker.define(&store, "host", "ask", ask).unwrap();
    let inst = linker.instantiate(&mut store, &module).unwrap();
    (store, inst)
}

/// Resume every host yield with `arg * 100`, checking the argument the host was asked with.
fn answer_yields(
    store: &mut Store<()>,
    mut call: ResumableCall,
    out: &mut [Val],
    asks: &mut Vec<i32>,
) {
    while let ResumableCall::Suspended(s) = call {
        let SuspendReason::HostYield(f) = s.reason() else {
            panic!("{:?}", s.reason());
        };
        assert_eq!(f.ty(&*store), FuncType::new([ValType::I32], [ValType::I32]));
        let n = 100 * (asks.len() as i32 + 1);
        asks.push(n);
        call = s.resume(&mut *store, &[Val::I32(n)], out).unwrap();
    }
}

#[test]
fn a_host_function_yields_and_gets_its_results_on_resume() {
    let (mut store, inst) = yielding(Config::default());
    let mut out = [Val::I32(0)];
    // Outside a resumable call, a yield is a trap.
    let twice = inst.get_func(&store, "twice").unwrap();
    match twice.call(&mut store, &[Val::I32(1)], &mut out) {
        Err(Error::Trap(t)) => assert_eq!(t.code(), TrapCode::HostYield),
        r => panic!("{r:?}"),
    }
    let mut asks = Vec::new();
    let call = twice
        .call_resumable(&mut store, &[Val::I32(1)], &mut out)
        .unwrap();
    answer_yields(&mut store, call, &mut out, &mut asks);
    assert_eq!(out[0], Val::I32(300));
    assert_eq!(asks.len(), 2);
    // From deep in the call stack.
    let deep = inst.get_func(&store, "deep").unwrap();
    let mut asks = Vec::new();
    let call = deep
        .call_resumable(&mut store, &[Val::I32(50)], &mut out)
        .unwrap();
    answer_yields(&mut store, call, &mut out, &mut asks);
    assert_eq!(out[0], Val::I32(350));
    // From a tail call: the results are the call's.
    let tail = inst.get_func(&store, "tail").unwrap();
    let mut asks = Vec::new();
    let call = tail
        .call_resumable(&mut store, &[Val::I32(5)], &mut out)
        .unwrap();
    answer_yields(&mut store, call, &mut out, &mut asks);
    assert_eq!(out[0], Val::I32(100));
}

#[test]
fn wrong_host_results_are_typed_errors() {
    let (mut store, inst) = yielding(Config::default());
    let twice = inst.get_func(&store, "twice").unwrap();
    let mut out = [Val::I32(0)];
    for bad in [&[][..], &[Val::I64(1)][..], &[Val::I32(1), Val::I32(2)][..]] {
        let ResumableCall::Suspended(s) = twice
            .call_resumable(&mut store, &[Val::I32(1)], &mut out)
            .unwrap()
        else {
            panic!()
        };
        assert!(matches!(
            s.resume(&mut store, bad, &mut out),
            Err(Error::TypeMismatch(_))
        ));
    }
    // Another store's.
    let ResumableCall::Suspended(s) = twice
        .call_resumable(&mut store, &[Val::I32(1)], &mut out)
        .unwrap()
    else {
        panic!()
    };
    let (mut other, _) = yielding(Config::default());
    assert!(matches!(
        s.resume(&mut other, &[Val::I32(1)], &mut out),
        Err(Error::WrongStore)
    ));
}

#[test]
fn an_interrupted_call_resumes() {
    let (mut store, inst) = yielding(Config::default().interruptible(true));
    let spin = inst.get_func(&store, "spin").unwrap();
    let handle = store.interrupt_handle();
    let mut out = [Val::I32(0)];
    handle.interrupt();
    let ResumableCall::Suspended(s) = spin
        .call_resumable(&mut store, &[Val::I32(9)], &mut out)
        .unwrap()
    else {
        panic!()
    };
    assert_eq!(s.reason(), SuspendReason::Interrupted);
    // Interrupted again while spinning, then released.
    let deadline = handle.interrupt_after(std::time::Duration::from_millis(20));
    let ResumableCall::Suspended(s) = s.resume(&mut store, &[], &mut out).unwrap() else {
        panic!()
    };
    drop(deadline);
    assert_eq!(s.reason(), SuspendReason::Interrupted);
    // The store runs other calls while this one waits.
    let flag = inst.get_global(&store, "flag").unwrap();
    flag.set(&mut store, Val::I32(1)).unwrap();
    let twice = inst.get_func(&store, "twice").unwrap();
    let mut asks = Vec::new();
    let mut o2 = [Val::I32(0)];
    let call = twice
        .call_resumable(&mut store, &[Val::I32(1)], &mut o2)
        .unwrap();
    answer_yields(&mut store, call, &mut o2, &mut asks);
    assert!(matches!(
        s.resume(&mut store, &[], &mut out).unwrap(),
        ResumableCall::Finished
    ));
    assert_eq!(out[0], Val::I32(9));
}
