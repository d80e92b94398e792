//! Frames past 65,535 cells, which a build with the `narrow-frames` feature refuses (its
//! interpreter has no wide form of the ops whose operands are all frame cells): a typed
//! module error when the function is translated, never a panic or a misread, and stored
//! microcode with such a frame is rejected by the verifier. Without the feature the same
//! function runs. CI runs this file with the feature too (`cargo xtask ci`, step
//! `narrow-frames`).

use fayasm::microcode::{Compiled, Op};
#[cfg(feature = "simd")]
use fayasm::Error;
use fayasm::{Engine, Linker, Module, Store, Val};

/// The build under test refuses frames past 65,535 cells.
const NARROW: bool = cfg!(feature = "narrow-frames");

/// `f` has `locals` v128 locals (two cells each) and returns lane 1 of the last one, set to
/// `i32x4(0, 42, 0, 0)`: every op addresses a slot past 16 bits when the frame is that large.
#[cfg(feature = "simd")]
fn wat(locals: u32) -> String {
    let decl = " v128".repeat(locals as usize);
    let last = locals - 1;
    format!(
        "(module (func (export \"f\") (result i32) (local{decl})
           (local.set {last} (v128.const i32x4 0 42 0 0))
           (i32x4.extract_lane 1 (local.get {last}))))"
    )
}

#[cfg(feature = "simd")]
fn call_f(engine: &Engine, locals: u32) -> Result<i32, Error> {
    let module = Module::new(engine, wat::parse_str(wat(locals)).unwrap())?;
    let mut store = Store::new(engine, ());
    let instance = Linker::new(engine).instantiate(&mut store, &module)?;
    let f = instance.get_typed_func::<(), i32>(&store, "f")?;
    f.call(&mut store, ())
}

/// 34,000 v128 locals: a frame of about 68,000 cells.
#[cfg(feature = "simd")]
#[test]
fn frame_past_65535_cells_is_refused_at_first_call() {
    let engine = Engine::default();
    match call_f(&engine, 34_000) {
        Err(Error::Module(e)) if NARROW => {
            assert!(e.message.contains("65,535"), "{}", e.message)
        }
        Ok(v) if !NARROW => assert_eq!(v, 42),
        other => panic!("narrow-frames {NARROW}: {other:?}"),
    }
    // With prescan the refusal comes at instantiation, as a module error too.
    let engine = Engine::new(fayasm::Config::default().prescan(true));
    let module = Module::new(&engine, wat::parse_str(wat(34_000)).unwrap()).unwrap();
    let mut store = Store::new(&engine, ());
    let instantiated = Linker::new(&engine).instantiate(&mut store, &module);
    assert_eq!(instantiated.is_ok(), !NARROW, "{:?}", instantiated.err());
}

/// A frame just under the limit runs in every build.
#[cfg(feature = "simd")]
#[test]
fn frame_under_65535_cells_runs() {
    assert_eq!(call_f(&Engine::default(), 32_000).unwrap(), 42);
}

/// Stored microcode (what a spilled blob is read back into) with a frame past 65,535 cells
/// and an op in the wide form: the verifier rejects it in a `narrow-frames` build, whose
/// interpreter has no handler for that form, and accepts it otherwise.
#[test]
fn stored_microcode_with_a_large_frame() {
    let engine = Engine::default();
    let wat = r#"(module (func (export "add") (param i32 i32) (result i32)
        (i32.add (local.get 0) (local.get 1))))"#;
    let module = Module::new(&engine, wat::parse_str(wat).unwrap()).unwrap();
    let ops = [
        Op::I32Add {
            dst: 70_000,
            lhs: 0,
            rhs: 1,
        },
        Op::Return {
            src: 70_000,
            count: 1,
        },
    ];
    let code = Compiled::assemble(&ops, Vec::new(), 2, 0, 1, 70_002);
    assert_eq!(module.verify_microcode(&code).is_ok(), !NARROW);
    if !NARROW {
        let mut store = Store::new(&engine, ());
        let instance = Linker::new(&engine)
            .instantiate(&mut store, &module)
            .unwrap();
        let f = instance.get_func(&store, "add").unwrap();
        f.install_code(&mut store, code).unwrap();
        let mut out = [Val::I32(0)];
        f.call(&mut store, &[Val::I32(40), Val::I32(2)], &mut out)
            .unwrap();
        assert!(matches!(out[0], Val::I32(42)), "{:?}", out[0]);
    }
}
