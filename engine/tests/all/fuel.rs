//! Fuel (`Config::consume_fuel`) and interruption (`Config::interruptible`,
//! `InterruptHandle`): a bounded run stops with a typed trap at a point that depends only on
//! the fuel; code translated with checks and without them never mix.

use fayasm::{Config, Engine, Error, Instance, Linker, Module, Store, TrapCode, Val};

const LOOP: &str = r#"(module
  (func (export "spin") (loop (br 0)))
  (func (export "count") (param i32) (result i32) (local i32)
    (loop
      (local.set 1 (i32.add (local.get 1) (i32.const 1)))
      (br_if 0 (i32.lt_u (local.get 1) (local.get 0))))
    (local.get 1))
  (func (export "fib") (param i32) (result i32)
    (if (result i32) (i32.lt_u (local.get 0) (i32.const 2))
      (then (local.get 0))
      (else (i32.add (call 2 (i32.sub (local.get 0) (i32.const 1)))
                     (call 2 (i32.sub (local.get 0) (i32.const 2)))))))
  (memory (export "memory") 1)
  (func (export "fill") (param i32)
    (memory.fill (i32.const 0) (i32.const 7) (local.get 0))))"#;

fn setup(config: Config) -> (Store<()>, Instance) {
    let engine = Engine::new(config);
    let module = Module::new(&engine, wat::parse_str(LOOP).unwrap()).unwrap();
    let mut store = Store::new(&engine, ());
    let inst = Linker::new(&engine)
        .instantiate(&mut store, &module)
        .unwrap();
    (store, inst)
}

fn call(
    store: &mut Store<()>,
    inst: Instance,
    name: &str,
    args: &[Val],
    n: usize,
) -> Result<Vec<Val>, Error> {
    let f = inst.get_func(&mut *store, name).unwrap();
    let mut out = vec![Val::I32(0); n];
    f.call(store, args, &mut out)?;
    Ok(out)
}

fn trap_code(e: Error) -> TrapCode {
    match e {
        Error::Trap(t) => t.code(),
        e => panic!("expected a trap, got {e}"),
    }
}

#[test]
fn fuel_api_needs_the_config() {
    let (mut store, _) = setup(Config::default());
    assert!(store.set_fuel(10).is_err());
    assert!(store.get_fuel().is_err());
    let (mut store, _) = setup(Config::default().consume_fuel(true));
    assert_eq!(store.get_fuel().unwrap(), 0);
    store.set_fuel(10).unwrap();
    assert_eq!(store.get_fuel().unwrap(), 10);
}

#[test]
fn an_endless_loop_runs_out_of_fuel() {
    let (mut store, inst) = setup(Config::default().consume_fuel(true));
    store.set_fuel(100_000).unwrap();
    let e = call(&mut store, inst, "spin", &[], 0).unwrap_err();
    assert_eq!(trap_code(e), TrapCode::OutOfFuel);
    // Stopped before a block it could not pay for: less than one iteration is left.
    assert!(store.get_fuel().unwrap() < 3);
}

#[test]
fn fuel_is_deterministic_and_proportional() {
    let (mut store, inst) = setup(Config::default().consume_fuel(true));
    let mut used = Vec::new();
    for n in [10, 20, 40] {
        store.set_fuel(1_000_000).unwrap();
        let out = call(&mut store, inst, "count", &[Val::I32(n)], 1).unwrap();
        assert_eq!(out[0], Val::I32(n));
        used.push(1_000_000 - store.get_fuel().unwrap());
    }
    // The same call costs the same; each iteration costs the same.
    assert_eq!(used[1] - used[0], (used[2] - used[1]) / 2);
    assert!(used[1] > used[0]);
    // Exactly the fuel the call takes is enough; one less is not.
    let need = used[0];
    store.set_fuel(need).unwrap();
    assert!(call(&mut store, inst, "count", &[Val::I32(10)], 1).is_ok());
    assert_eq!(store.get_fuel().unwrap(), 0);
    store.set_fuel(need - 1).unwrap();
    let e = call(&mut store, inst, "count", &[Val::I32(10)], 1).unwrap_err();
    assert_eq!(trap_code(e), TrapCode::OutOfFuel);
}

#[test]
fn calls_charge_the_callee() {
    let (mut store, inst) = setup(Config::default().consume_fuel(true));
    store.set_fuel(u64::MAX / 2).unwrap();
    let out = call(&mut store, inst, "fib", &[Val::I32(15)], 1).unwrap();
    assert_eq!(out[0], Val::I32(610));
    let used = u64::MAX / 2 - store.get_fuel().unwrap();
    // 1973 calls of at least a few instructions each.
    assert!(used > 1973 * 4, "{used}");
}

#[test]
fn bulk_memory_charges_by_size() {
    let (mut store, inst) = setup(Config::default().consume_fuel(true));
    store.set_fuel(1_000_000).unwrap();
    call(&mut store, inst, "fill", &[Val::I32(0)], 0).unwrap();
    let small = 1_000_000 - store.get_fuel().unwrap();
    store.set_fuel(1_000_000).unwrap();
    call(&mut store, inst, "fill", &[Val::I32(64 * 1000)], 0).unwrap();
    let big = 1_000_000 - store.get_fuel().unwrap();
    assert_eq!(big - small, 1000);
    // Not enough for the bytes: nothing is written.
    store.set_fuel(small + 10).unwrap();
    let e = call(&mut store, inst, "fill", &[Val::I32(65536)], 0).unwrap_err();
    assert_eq!(trap_code(e), TrapCode::OutOfFuel);
    let mem = inst.get_memory(&mut store, "memory");
    if let Some(mem) = mem {
        assert_eq!(mem.data(&store)[65_000], 0);
    }
}

#[test]
fn without_fuel_the_code_has_no_checks() {
    let engine = Engine::default();
    let module = Module::new(&engine, wat::parse_str(LOOP).unwrap()).unwrap();
    let plain = module.translate_function(1).unwrap().unwrap();
    assert!(!plain.to_string().contains("Fuel"), "{plain}");
    let engine = Engine::new(Config::default().consume_fuel(true));
    let module = Module::new(&engine, wat::parse_str(LOOP).unwrap()).unwrap();
    let metered = module.translate_function(1).unwrap().unwrap();
    assert!(metered.to_string().contains("Fuel"), "{metered}");
}

#[test]
fn code_of_another_metering_is_refused() {
    let wat = wat::parse_str(LOOP).unwrap();
    let translate = |config: Config| {
        let engine = Engine::new(config);
        Module::new(&engine, &wat)
            .unwrap()
            .translate_function(1)
            .unwrap()
            .unwrap()
    };
    let plain = translate(Config::default());
    let fuel = translate(Config::default().consume_fuel(true));
    let interrupt = translate(Config::default().interruptible(true));
    let configs = [
        Config::default(),
        Config::default().consume_fuel(true),
        Config::default().interruptible(true),
    ];
    for (i, config) in configs.into_iter().enumerate() {
        let (mut store, inst) = setup(config);
        let f = inst.get_func(&mut store, "count").unwrap();
        for (j, code) in [&plain, &fuel, &interrupt].into_iter().enumerate() {
            let res = f.install_code(&mut store, code.clone());
            assert_eq!(res.is_ok(), i == j, "engine {i}, code {j}: {res:?}");
        }
    }
}

#[test]
fn an_interrupt_stops_an_endless_loop() {
    for config in [
        Config::default().interruptible(true),
        Config::default().consume_fuel(true),
    ] {
        let fuel = config.get_consume_fuel();
        let (mut store, inst) = setup(config);
        if fuel {
            store.set_fuel(u64::MAX).unwrap();
        }
        let handle = store.interrupt_handle();
        let deadline = handle.interrupt_after(std::time::Duration::from_millis(50));
        let e = call(&mut store, inst, "spin", &[], 0).unwrap_err();
        assert_eq!(trap_code(e), TrapCode::Interrupted);
        assert!(deadline.cancel(), "the deadline fired");
        // The trigger was consumed: the next call runs.
        assert!(!handle.is_pending());
        let out = call(&mut store, inst, "count", &[Val::I32(5)], 1).unwrap();
        assert_eq!(out[0], Val::I32(5));
    }
}

#[test]
fn an_interrupt_before_a_call_stops_it_at_entry() {
    let (mut store, inst) = setup(Config::default().interruptible(true));
    let handle = store.interrupt_handle();
    handle.interrupt();
    let e = call(&mut store, inst, "count", &[Val::I32(5)], 1).unwrap_err();
    assert_eq!(trap_code(e), TrapCode::Interrupted);
    // A cancelled deadline does not fire.
    let d = handle.interrupt_after(std::time::Duration::from_secs(60));
    assert!(!d.cancel());
    assert!(!handle.is_pending());
    let (store2, _) = setup(Config::default());
    let h = store2.interrupt_handle();
    fn send_sync<X: Send + Sync + Clone>(_: &X) {}
    send_sync(&h);
}

/// The check's handler tail-calls the next op like every other (threaded dispatch): millions
/// of checks on a 256 KiB thread stack would overflow it otherwise.
#[test]
fn checks_do_not_grow_the_native_stack() {
    let worker = std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(|| {
            let (mut store, inst) = setup(Config::default().consume_fuel(true));
            store.set_fuel(6_000_000).unwrap();
            let e = call(&mut store, inst, "spin", &[], 0).unwrap_err();
            assert_eq!(trap_code(e), TrapCode::OutOfFuel);
            let (mut store, inst) = setup(Config::default().interruptible(true));
            let out = call(&mut store, inst, "count", &[Val::I32(3_000_000)], 1).unwrap();
            assert_eq!(out[0], Val::I32(3_000_000));
        })
        .unwrap();
    worker.join().unwrap();
}
