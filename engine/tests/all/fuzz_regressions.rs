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
    let module = Module::new(&engine, wat::parse_str(WAT).unwrap()).unwrap();
    let mut store = Store::new(&engine, ());
    let inst = Linker::new(&engine)
        .instantiate(&mut store, &module)
        .unwrap();
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
    let code = Compiled::assemble(
        &[Op::Return { src: 0, count: 1 }],
        Vec::new(),
        2,
        0,
        1,
        u32::MAX,
    );
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
    let module = Module::new(&engine, wat::parse_str(WAT).unwrap()).unwrap();
    let inst = Linker::new(&engine)
        .instantiate(&mut store, &module)
        .unwrap();
    let noargs = inst.get_func(&store, "noargs").unwrap();
    for op in [
        Op::ReturnCall { func: 1, args: 0 },
        Op::Call { func: 1, args: 0 },
    ] {
        let code = Compiled::assemble(
            &[op, Op::Return { src: 0, count: 0 }],
            Vec::new(),
            0,
            0,
            0,
            0,
        );
        assert!(module.verify_microcode(&code).is_err(), "{op:?} accepted");
        assert!(noargs.install_code(&mut store, code).is_err());
    }
    // With room for the arguments the same code is accepted and runs.
    let code = Compiled::assemble(
        &[Op::ReturnCall { func: 1, args: 0 }],
        Vec::new(),
        0,
        0,
        0,
        2,
    );
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
    let module = Module::new(&engine, wat::parse_str(WAT).unwrap()).unwrap();
    let lane_op = |mem: u128| {
        Compiled::assemble(
            &[
                Op::V128Load8Lane {
                    dst: 2,
                    addr: 0,
                    src: 2,
                    arg: 0,
                },
                Op::Return { src: 0, count: 1 },
            ],
            // memory | lane << 32 | offset << 64, as the translator packs it
            vec![mem | 3 << 32],
            2,
            0,
            1,
            4,
        )
    };
    assert!(module.verify_microcode(&lane_op(7)).is_err());
    assert!(f.install_code(&mut store, lane_op(7)).is_err());
    assert!(module.verify_microcode(&lane_op(0)).is_ok());
    f.install_code(&mut store, lane_op(0)).unwrap();
    assert_eq!(run(&mut store, f).unwrap(), Val::I32(6));
}

/// Whether f32 bits are an arithmetic NaN (exponent all ones, quiet bit set).
fn arithmetic32(b: u32) -> bool {
    b & 0x7fc0_0000 == 0x7fc0_0000
}

/// Whether f64 bits are an arithmetic NaN.
fn arithmetic64(b: u64) -> bool {
    b & 0x7ff8_0000_0000_0000 == 0x7ff8_0000_0000_0000
}

/// differential (`fuzz/corpus/differential/differential-global-demote-nan`, module in
/// `fixtures/fuzz-differential-global.wasm`): an exported i32 global accumulated
/// `i32.reinterpret_f32 (f32.demote_f64 x)` for the f64 argument `-nan:0xf07ffffffffff`.
/// fayasm demoted it to `-nan:0x783fff` (sign and top payload bits kept, quiet bit set),
/// wasmtime (NaN canonicalisation on) to `+nan`. The spec allows both: demoting a
/// non-canonical NaN returns any arithmetic NaN, demoting a canonical one a canonical NaN of
/// either sign. Not an engine bug; the generator now canonicalises after demote/promote like
/// after arithmetic. This pins fayasm's results to the spec's sets (scalar and SIMD, demote
/// and promote) and the cell invariant: the demoted f32, read as i32 and zero-extended, has
/// no upper bits.
#[test]
fn demote_and_promote_of_nan_stay_in_the_spec_sets() {
    let engine = Engine::default();
    let wat = r#"(module
      (func (export "demote") (param f64) (result i32)
        (i32.reinterpret_f32 (f32.demote_f64 (local.get 0))))
      (func (export "demote_ext") (param f64) (result i64)
        (i64.extend_i32_u (i32.reinterpret_f32 (f32.demote_f64 (local.get 0)))))
      (func (export "promote") (param f32) (result i64)
        (i64.reinterpret_f64 (f64.promote_f32 (local.get 0))))
      (func (export "demote_x2") (param f64) (result v128)
        (f32x4.demote_f64x2_zero (f64x2.splat (local.get 0))))
      (func (export "promote_x2") (param f32) (result v128)
        (f64x2.promote_low_f32x4 (f32x4.splat (local.get 0)))))"#;
    let module = Module::new(&engine, wat::parse_str(wat).unwrap()).unwrap();
    let mut store = Store::new(&engine, ());
    let inst = Linker::new(&engine)
        .instantiate(&mut store, &module)
        .unwrap();
    let call = |store: &mut Store<()>, name: &str, arg: Val, out: Val| -> Val {
        let mut res = [out];
        inst.get_func(&mut *store, name)
            .unwrap()
            .call(store, &[arg], &mut res)
            .unwrap();
        res[0]
    };
    // The fuzz argument, other non-canonical NaNs (quiet and signalling), canonical NaNs.
    for (bits, canonical) in [
        (0xffff_07ff_ffff_ffff_u64, false),
        (0x7ff0_0000_0000_0001, false),
        (0x7ff4_0000_0000_0000, false),
        (0x7ff8_0000_0000_0000, true),
        (0xfff8_0000_0000_0000, true),
    ] {
        let Val::I32(d) = call(&mut store, "demote", Val::F64(bits), Val::I32(0)) else {
            panic!("demote: wrong type")
        };
        let d = d as u32;
        assert!(arithmetic32(d), "demote {bits:#x} = {d:#x}");
        if canonical {
            assert_eq!(d & 0x7fff_ffff, 0x7fc0_0000, "demote {bits:#x}");
        }
        let e = call(&mut store, "demote_ext", Val::F64(bits), Val::I64(0));
        assert_eq!(e, Val::I64(i64::from(d)), "upper bits of demote {bits:#x}");
        let Val::V128(v) = call(&mut store, "demote_x2", Val::F64(bits), Val::V128(0)) else {
            panic!("demote_x2: wrong type")
        };
        assert!(arithmetic32(v as u32) && arithmetic32((v >> 32) as u32));
        assert_eq!(v >> 64, 0, "f32x4.demote_f64x2_zero's upper lanes");
    }
    for (bits, canonical) in [
        (0xff83_ffff_u32, false),
        (0x7f80_0001, false),
        (0x7fc0_0000, true),
        (0xffc0_0000, true),
    ] {
        let Val::I64(p) = call(&mut store, "promote", Val::F32(bits), Val::I64(0)) else {
            panic!("promote: wrong type")
        };
        let p = p as u64;
        assert!(arithmetic64(p), "promote {bits:#x} = {p:#x}");
        if canonical {
            assert_eq!(p & !(1 << 63), 0x7ff8_0000_0000_0000, "promote {bits:#x}");
        }
        let Val::V128(v) = call(&mut store, "promote_x2", Val::F32(bits), Val::V128(0)) else {
            panic!("promote_x2: wrong type")
        };
        assert!(arithmetic64(v as u64) && arithmetic64((v >> 64) as u64));
    }

    // The generated module itself, with the argument the input gave it: export "2" (global 0)
    // ends as `0xffffff7f` (`f32.const -nan:0x7fff7f`) xor the demoted argument.
    let wasm = include_bytes!("../fixtures/fuzz-differential-global.wasm");
    let module = Module::new(&engine, wasm).unwrap();
    let mut store = Store::new(&engine, ());
    let inst = Linker::new(&engine)
        .instantiate(&mut store, &module)
        .unwrap();
    let mut out = [Val::I32(0)];
    inst.get_func(&store, "")
        .unwrap()
        .call(&mut store, &[Val::F64(0xffff_07ff_ffff_ffff)], &mut out)
        .unwrap();
    assert_eq!(out[0], Val::I32(-1_970_632_050));
    let g = inst.get_global(&store, "2").unwrap();
    let Val::I32(x) = g.get(&store) else {
        panic!("global 0 is not an i32")
    };
    assert!(arithmetic32(x as u32 ^ 0xffff_ff7f), "global 0 = {x:#x}");
}
