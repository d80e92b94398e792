//! Inputs from the fuzz targets in `fuzz/`, replayed with the engine's own API so they keep
//! running in `cargo test` after the fix. Each test names the target and what it found.
//!
//! No target has crashed so far (see the fuzz section of `README.md` for the runs); the cases
//! below are the edges of the `blob_corruption` and `microcode_roundtrip` properties the
//! fuzzer reaches first, pinned so a regression shows up without a fuzzing toolchain:
//! microcode that passes the verifier without coming from the translator must trap cleanly,
//! never touch memory outside its frame.

use fayasm::microcode::{Compiled, Op};
use fayasm::{Config, Engine, Error, Linker, Module, Store, TrapCode, Val};

/// `(func (param i32 i32) (result i32))` twice: the first is replaced, the second is a callee.
const WAT: &str = r#"(module
  (memory 1 2)
  (func $host (export "host") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
  (func $leaf (export "leaf") (param i32 i32) (result i32) (i32.mul (local.get 0) (local.get 1))))"#;

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

/// microcode_roundtrip: a call whose arguments start at the very end of the caller's frame
/// (`args == frame_size`, which the verifier allows) puts the callee's parameters past the
/// caller's frame; the callee's frame must be provided, not read out of bounds.
#[test]
fn call_with_args_at_frame_end() {
    let (mut store, f) = setup();
    let code = Compiled {
        ops: vec![
            Op::Call { func: 1, args: 4 },
            Op::Return { src: 0, count: 1 },
        ],
        pool: Vec::new(),
        num_params: 2,
        num_locals: 0,
        num_results: 1,
        frame_size: 4,
    };
    f.install_code(&mut store, code).unwrap();
    // Whatever the callee computes from cells it did not get from us, the call must not
    // panic and must leave the store usable.
    let _ = run(&mut store, f);
    f.evict_code(&mut store);
    assert_eq!(run(&mut store, f).unwrap(), Val::I32(13));
}
