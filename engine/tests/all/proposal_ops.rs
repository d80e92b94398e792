//! Stored microcode holding an op of a proposal that this build leaves out (its cargo
//! feature off: `simd`, `threads`, `exceptions`, `gc`): such a build's translator never emits
//! the op and its interpreter has no handler for it (`isa::built`), so the verifier rejects
//! it, a typed error at the op, and installing it fails before anything runs. A build with
//! the feature accepts and runs the same code. The firmware's engine (`narrow-frames`, no
//! proposal features) is such a build: run this file there with
//! `cargo test -p fayasm --no-default-features --features std,narrow-frames --test all -- proposal_ops`.

use fayasm::microcode::{built, opc, Compiled, Op};
use fayasm::{Engine, Linker, Module, Store, Val};

/// One op of each left-out kind, the cargo feature that builds it, and its constant pool.
fn cases() -> Vec<(&'static str, bool, u16, Op, Vec<u128>)> {
    vec![
        (
            "simd",
            cfg!(feature = "simd"),
            opc::V128Const,
            Op::V128Const { dst: 2, idx: 0 },
            vec![7],
        ),
        // A two-cell move: only v128 values take two cells.
        (
            "simd",
            cfg!(feature = "simd"),
            opc::Copy2,
            Op::Copy2 { dst: 2, src: 0 },
            vec![],
        ),
        (
            "threads",
            cfg!(feature = "threads"),
            opc::AtomicNotify,
            Op::AtomicNotify {
                dst: 2,
                addr: 0,
                count: 1,
                mem: 0,
                offset: 0,
            },
            vec![],
        ),
        (
            "exceptions",
            cfg!(feature = "exceptions"),
            opc::Catch,
            Op::Catch {
                tag: 0,
                dst: 2,
                n: 0,
                target: 0,
            },
            vec![],
        ),
        (
            "gc",
            cfg!(feature = "gc"),
            opc::RefI31,
            Op::RefI31 { dst: 2, src: 0 },
            vec![],
        ),
    ]
}

#[test]
fn stored_ops_of_left_out_proposals_are_rejected() {
    let engine = Engine::default();
    let wat = r#"(module (memory 1)
        (func (export "f") (param i32 i32) (result i32) (local.get 0)))"#;
    let module = Module::new(&engine, wat::parse_str(wat).unwrap()).unwrap();
    for (feature, on, code, op, pool) in cases() {
        assert_eq!(built(code), on, "{feature}: {op}");
        // The function's result (the first parameter), then the op, unreachable (a handler
        // table's ops are never run), then a last `Return`.
        let ret = Op::Return { src: 0, count: 1 };
        let at = Compiled::assemble(&[ret], Vec::new(), 2, 0, 1, 8)
            .code
            .len();
        let compiled = Compiled::assemble(&[ret, op, ret], pool, 2, 0, 1, 8);
        let verified = module.verify_microcode(&compiled);
        let mut store = Store::new(&engine, ());
        let instance = Linker::new(&engine)
            .instantiate(&mut store, &module)
            .unwrap();
        let f = instance.get_func(&store, "f").unwrap();
        let installed = f.install_code(&mut store, compiled);
        if on {
            assert!(verified.is_ok(), "{feature}: {op}: {verified:?}");
            assert!(installed.is_ok(), "{feature}: {op}: {installed:?}");
        } else {
            let e = verified.expect_err(op.name());
            assert_eq!((e.at, e.field), (at, "opcode"), "{feature}: {op}");
            assert!(installed.is_err(), "{feature}: {op}");
        }
        // Either way the function runs (the code installed, or its own).
        let mut out = [Val::I32(0)];
        f.call(&mut store, &[Val::I32(40), Val::I32(2)], &mut out)
            .unwrap();
        assert!(
            matches!(out[0], Val::I32(40)),
            "{feature}: {op}: {:?}",
            out[0]
        );
    }
}
