//! Inputs from the fuzz targets in `fuzz/`, replayed with the engine's own API so they keep
//! running in `cargo test` after the fix. Each test names the target and what it found.
//!
//! Microcode that passes the verifier without coming from the translator must trap cleanly and
//! never touch memory outside its frame; the cases below pin what the `blob_corruption` and
//! `microcode_roundtrip` targets found or reach first.

use fayasm::microcode::{Compiled, Op};
use fayasm::{Config, Engine, Error, Linker, Module, Store, TrapCode, Val};

/// `(func (param i32 i32) (result i32))` twice: the first is replaced, the second is a callee.
const WAT: &str = r#"(module
  (memory 1 2)
  (func $host (export "host") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
  (func $leaf (export "leaf") (param i32 i32) (result i32) (i32.mul (local.get 0) (local.get 1)))
  (func $noargs (export "noargs")))"#;

fn setup() -> (Store<()>, fayasm::Func) {
    let engine = Engine::new(
        Config::default()
            .max_call_depth(64)
            .max_value_stack(1 << 14),
    );
    let module = Module::new(&engine, &wat::parse_str(WAT).unwrap()).unwrap();
    let mut store = Store::new(&engine, ());
    let inst = Linker::new().instantiate(&mut store, &module).unwrap();
    let f = inst.get_func(&store, "host").unwrap();
    (store, f)
}

fn run(store: &mut Store<()>, f: fayasm::Func) -> Result<Val, Error> {
    let mut out = [Val::I32(0)];
    f.call(store, &[Val::I32(6), Val::I32(7)], &mut out)?;
    Ok(out[0])
}

/// blob_corruption: a resealed code blob whose frame size is huge verifies (every slot is in
/// range) but must hit the value-stack limit, not allocate or index past the stack.
#[test]
fn huge_frame_traps_with_stack_overflow() {
    let (mut store, f) = setup();
    let code = Compiled {
        ops: vec![Op::Return { src: 0, count: 1 }],
        pool: Vec::new(),
        num_params: 2,
        num_locals: 0,
        num_results: 1,
        frame_size: u32::MAX,
    };
    f.install_code(&mut store, code).unwrap();
    match run(&mut store, f) {
        Err(Error::Trap(t)) => assert_eq!(t.code(), TrapCode::StackOverflow),
        other => panic!("expected a stack overflow trap, got {other:?}"),
    }
    // The store stays usable: the evicted function re-translates.
    f.evict_code(&mut store);
    assert_eq!(run(&mut store, f).unwrap(), Val::I32(13));
}

/// microcode_roundtrip crash (`fuzz/artifacts/microcode_roundtrip/crash-25ee63ec...`): a
/// `return_call` whose arguments lay past the caller's frame (`args == frame_size`, which the
/// verifier allowed) made the tail-call path copy them from beyond the value stack: a panic
/// (`copy_within` out of range). The verifier now requires `args + parameter cells` within the
/// frame for every kind of call.
#[test]
fn tail_call_with_args_past_frame_is_rejected() {
    let (mut store, _) = setup();
    let engine = store.engine().clone();
    let module = Module::new(&engine, &wat::parse_str(WAT).unwrap()).unwrap();
    let inst = Linker::new().instantiate(&mut store, &module).unwrap();
    let noargs = inst.get_func(&store, "noargs").unwrap();
    for op in [
        Op::ReturnCall { func: 1, args: 0 },
        Op::Call { func: 1, args: 0 },
    ] {
        let code = Compiled {
            ops: vec![op, Op::Return { src: 0, count: 0 }],
            pool: Vec::new(),
            num_params: 0,
            num_locals: 0,
            num_results: 0,
            frame_size: 0,
        };
        assert!(module.verify_microcode(&code).is_err(), "{op:?} accepted");
        assert!(noargs.install_code(&mut store, code).is_err());
    }
    // With room for the arguments the same code is accepted and runs.
    let code = Compiled {
        ops: vec![Op::ReturnCall { func: 1, args: 0 }],
        pool: Vec::new(),
        num_params: 0,
        num_locals: 0,
        num_results: 0,
        frame_size: 2,
    };
    assert!(module.verify_microcode(&code).is_ok());
    noargs.install_code(&mut store, code).unwrap();
    let _ = noargs.call(&mut store, &[], &mut []);
    let mut out = [Val::I32(0)];
    inst.get_func(&store, "host")
        .unwrap()
        .call(&mut store, &[Val::I32(6), Val::I32(7)], &mut out)
        .unwrap();
    assert_eq!(out[0], Val::I32(13));
}

/// microcode_roundtrip crash (`fuzz/artifacts/microcode_roundtrip/crash-e6ad2727...`): a lane
/// load whose pool entry named memory 7 of a module with one memory passed the verifier (it
/// checked only that the pool entry exists) and panicked indexing the instance's memories.
/// The verifier now checks the memory index packed in the entry.
#[test]
fn lane_access_to_a_missing_memory_is_rejected() {
    let (mut store, f) = setup();
    let engine = store.engine().clone();
    let module = Module::new(&engine, &wat::parse_str(WAT).unwrap()).unwrap();
    let lane_op = |mem: u128| Compiled {
        ops: vec![
            Op::V128Load8Lane {
                dst: 2,
                addr: 0,
                src: 2,
                arg: 0,
            },
            Op::Return { src: 0, count: 1 },
        ],
        // memory | lane << 32 | offset << 64, as the translator packs it
        pool: vec![mem | 3 << 32],
        num_params: 2,
        num_locals: 0,
        num_results: 1,
        frame_size: 4,
    };
    assert!(module.verify_microcode(&lane_op(7)).is_err());
    assert!(f.install_code(&mut store, lane_op(7)).is_err());
    assert!(module.verify_microcode(&lane_op(0)).is_ok());
    f.install_code(&mut store, lane_op(0)).unwrap();
    assert_eq!(run(&mut store, f).unwrap(), Val::I32(6));
}
