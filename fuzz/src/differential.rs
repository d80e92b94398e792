//! `differential`: generated modules on fayasm and on wasmtime (the oracle); every export is
//! called with the same arguments on both, and results, traps, exported globals and memory
//! bytes must agree. Stack exhaustion and wasmtime's own fuel are resource limits where the
//! engines may legitimately part ways: the comparison stops there.

use arbitrary::{Result, Unstructured};
use fayasm::{Extern, TrapCode, Val, ValType};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;

use crate::smith;

/// A comparable value: floats with NaNs canonicalised, references reduced to null-ness.
#[derive(Debug, PartialEq, Eq)]
pub enum Out {
    I32(i32),
    I64(i64),
    F32(u32),
    F64(u64),
    V128(u128),
    Ref(bool),
}

fn canon32(b: u32) -> u32 {
    if b & 0x7fff_ffff > 0x7f80_0000 {
        0x7fc0_0000
    } else {
        b
    }
}

fn canon64(b: u64) -> u64 {
    if b & 0x7fff_ffff_ffff_ffff > 0x7ff0_0000_0000_0000 {
        0x7ff8_0000_0000_0000
    } else {
        b
    }
}

fn from_fayasm(v: &Val) -> Out {
    match *v {
        Val::I32(x) => Out::I32(x),
        Val::I64(x) => Out::I64(x),
        Val::F32(b) => Out::F32(canon32(b)),
        Val::F64(b) => Out::F64(canon64(b)),
        Val::V128(x) => Out::V128(x),
        Val::FuncRef(f) => Out::Ref(f.is_none()),
        Val::ExternRef(r) => Out::Ref(r.is_none()),
        Val::ExnRef(r) => Out::Ref(r.is_none()),
        Val::AnyRef(r) => Out::Ref(r.is_none()),
    }
}

fn from_wasmtime(v: &wasmtime::Val) -> Out {
    use wasmtime::Val as W;
    match v {
        W::I32(x) => Out::I32(*x),
        W::I64(x) => Out::I64(*x),
        W::F32(b) => Out::F32(canon32(*b)),
        W::F64(b) => Out::F64(canon64(*b)),
        W::V128(x) => Out::V128(x.as_u128()),
        W::FuncRef(f) => Out::Ref(f.is_none()),
        W::ExternRef(r) => Out::Ref(r.is_none()),
        W::AnyRef(r) => Out::Ref(r.is_none()),
        W::ExnRef(r) => Out::Ref(r.is_none()),
        W::ContRef(r) => Out::Ref(r.is_none()),
    }
}

fn to_wasmtime(v: &Val) -> wasmtime::Val {
    use wasmtime::Val as W;
    match *v {
        Val::I32(x) => W::I32(x),
        Val::I64(x) => W::I64(x),
        Val::F32(b) => W::F32(b),
        Val::F64(b) => W::F64(b),
        Val::V128(x) => W::V128(x.into()),
        Val::FuncRef(_) => W::FuncRef(None),
        Val::ExternRef(_) => W::ExternRef(None),
        Val::ExnRef(_) => W::ExnRef(None),
        Val::AnyRef(_) => W::AnyRef(None),
    }
}

/// How a call ended, in terms both engines share.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    Returned(Vec<Out>),
    Trapped(Option<TrapCode>),
    /// A resource limit: stack exhaustion or wasmtime's fuel. Not compared.
    Limit,
}

fn trap_of_wasmtime(e: &wasmtime::Error) -> Outcome {
    use wasmtime::Trap as T;
    let Some(t) = e.downcast_ref::<T>() else {
        return Outcome::Trapped(None);
    };
    Outcome::Trapped(Some(match t {
        T::StackOverflow | T::OutOfFuel | T::Interrupt => return Outcome::Limit,
        T::UnreachableCodeReached => TrapCode::Unreachable,
        T::MemoryOutOfBounds => TrapCode::MemoryOutOfBounds,
        T::TableOutOfBounds => TrapCode::TableOutOfBounds,
        T::IndirectCallToNull => TrapCode::IndirectCallToNull,
        T::BadSignature => TrapCode::BadSignature,
        T::IntegerOverflow => TrapCode::IntegerOverflow,
        T::IntegerDivisionByZero => TrapCode::IntegerDivisionByZero,
        T::BadConversionToInteger => TrapCode::BadConversionToInteger,
        _ => return Outcome::Trapped(None),
    }))
}

fn trap_of_fayasm(e: &fayasm::Error) -> Outcome {
    match e {
        fayasm::Error::Trap(t) => match t.code() {
            TrapCode::StackOverflow | TrapCode::OutOfFuel => Outcome::Limit,
            c => Outcome::Trapped(Some(c)),
        },
        _ => Outcome::Trapped(None),
    }
}

/// Whether two outcomes agree (an unmapped trap agrees with any trap).
fn agree(a: &Outcome, b: &Outcome) -> bool {
    match (a, b) {
        (Outcome::Trapped(None), Outcome::Trapped(_))
        | (Outcome::Trapped(_), Outcome::Trapped(None)) => true,
        _ => a == b,
    }
}

fn oracle() -> &'static wasmtime::Engine {
    static ENGINE: OnceLock<wasmtime::Engine> = OnceLock::new();
    ENGINE.get_or_init(|| {
        let mut c = wasmtime::Config::new();
        c.cranelift_opt_level(wasmtime::OptLevel::None)
            .cranelift_nan_canonicalization(true)
            .consume_fuel(true)
            .wasm_reference_types(true)
            .wasm_bulk_memory(true)
            .wasm_multi_value(true)
            .wasm_simd(true)
            .wasm_relaxed_simd(false)
            .wasm_tail_call(true)
            .wasm_multi_memory(true)
            .wasm_memory64(true)
            .wasm_extended_const(true)
            .wasm_function_references(false)
            .wasm_gc(false)
            .wasm_exceptions(false)
            // Both proposals are on in both engines; only `differential_proposals` generates
            // modules that use them.
            .wasm_wide_arithmetic(true)
            .wasm_custom_page_sizes(true);
        wasmtime::Engine::new(&c).expect("wasmtime engine")
    })
}

/// Counters for `FAYASM_FUZZ_STATS=1`: inputs, modules compared, calls compared, calls that
/// both engines returned from, calls that trapped on both.
static STATS: [AtomicU64; 5] = [const { AtomicU64::new(0) }; 5];

fn bump(i: usize) {
    STATS[i].fetch_add(1, Ordering::Relaxed);
}

/// Print the counters at powers of two and every 1024 inputs when `FAYASM_FUZZ_STATS` is set.
fn report() {
    let n = STATS[0].load(Ordering::Relaxed);
    if (n.is_power_of_two() || n.is_multiple_of(1024))
        && std::env::var_os("FAYASM_FUZZ_STATS").is_some()
    {
        let v: Vec<u64> = STATS.iter().map(|s| s.load(Ordering::Relaxed)).collect();
        eprintln!(
            "differential: {} inputs, {} modules, {} calls ({} returned, {} trapped)",
            v[0], v[1], v[2], v[3], v[4]
        );
    }
}

/// Run one input.
pub fn check(data: &[u8]) -> Result<()> {
    bump(0);
    report();
    let mut u = Unstructured::new(data);
    let wasm = smith::module(&mut u)?;
    compare(&wasm, &mut u);
    Ok(())
}

/// Run one input of `differential_proposals`: the same comparison on modules that may use
/// wide arithmetic and memories of 1-byte pages.
pub fn check_proposals(data: &[u8]) -> Result<()> {
    bump(0);
    report();
    let mut u = Unstructured::new(data);
    let wasm = smith::proposals_module(&mut u)?;
    compare(&wasm, &mut u);
    Ok(())
}

/// Compare fayasm with wasmtime on `wasm`, drawing arguments from `u`.
pub fn compare(wasm: &[u8], u: &mut Unstructured<'_>) {
    let wengine = oracle();
    let Ok(wmodule) = wasmtime::Module::new(wengine, wasm) else {
        // wasmtime has its own implementation limits; nothing to compare.
        return;
    };
    let engine = fayasm::Engine::new(
        fayasm::Config::default()
            .max_call_depth(5_000)
            .wasm_wide_arithmetic(true)
            .wasm_custom_page_sizes(true),
    );
    let module = match fayasm::Module::new(&engine, wasm) {
        Ok(m) => m,
        Err(e) => panic!("fayasm rejects a module wasmtime accepts: {e}"),
    };
    let mut wstore = wasmtime::Store::new(wengine, ());
    wstore.set_fuel(10_000_000).unwrap();
    let mut store = fayasm::Store::new(&engine, ());
    let winst = wasmtime::Instance::new(&mut wstore, &wmodule, &[]);
    let inst = fayasm::Linker::new(&engine).instantiate(&mut store, &module);
    let (winst, inst) = match (winst, inst) {
        (Ok(w), Ok(f)) => (w, f),
        (Err(w), Err(f)) => {
            let (wo, fo) = (trap_of_wasmtime(&w), trap_of_fayasm(&f));
            assert!(
                agree(&wo, &fo) || wo == Outcome::Limit || fo == Outcome::Limit,
                "instantiation: wasmtime {w:?}, fayasm {f:?}"
            );
            return;
        }
        (Ok(_), Err(e)) => {
            if trap_of_fayasm(&e) == Outcome::Limit {
                return;
            }
            panic!("instantiation fails on fayasm only: {e}");
        }
        (Err(e), Ok(_)) => {
            if trap_of_wasmtime(&e) == Outcome::Limit {
                return;
            }
            panic!("instantiation fails on wasmtime only: {e:?}");
        }
    };

    bump(1);
    for (name, ext) in inst.exports(&store) {
        let Extern::Func(f) = ext else { continue };
        let wf = winst
            .get_func(&mut wstore, &name)
            .unwrap_or_else(|| panic!("wasmtime lacks export {name}"));
        let ty = f.ty(&store);
        let Ok(args) = ty
            .params()
            .iter()
            .map(|&t| crate::arbitrary_val(u, t))
            .collect::<Result<Vec<Val>>>()
        else {
            break;
        };
        let wargs: Vec<wasmtime::Val> = args.iter().map(to_wasmtime).collect();
        let mut results: Vec<Val> = ty.results().iter().map(|&t| Val::default_for(t)).collect();
        let mut wresults: Vec<wasmtime::Val> = results.iter().map(to_wasmtime).collect();
        let fo = match f.call(&mut store, &args, &mut results) {
            Ok(()) => Outcome::Returned(results.iter().map(from_fayasm).collect()),
            Err(e) => trap_of_fayasm(&e),
        };
        let wo = match wf.call(&mut wstore, &wargs, &mut wresults) {
            Ok(()) => Outcome::Returned(wresults.iter().map(from_wasmtime).collect()),
            Err(e) => trap_of_wasmtime(&e),
        };
        if fo == Outcome::Limit || wo == Outcome::Limit {
            // The stores may differ from here on.
            return;
        }
        bump(2);
        match fo {
            Outcome::Returned(_) => bump(3),
            _ => bump(4),
        }
        assert!(
            agree(&fo, &wo),
            "export {name}({args:?}): fayasm {fo:?}, wasmtime {wo:?}"
        );
    }

    for (name, ext) in inst.exports(&store) {
        match ext {
            Extern::Global(g) => {
                let Some(wg) = winst.get_global(&mut wstore, &name) else {
                    panic!("wasmtime lacks global {name}");
                };
                if g.ty(&store).content == ValType::V128 || !g.ty(&store).content.is_ref() {
                    let a = from_fayasm(&g.get(&store));
                    let b = from_wasmtime(&wg.get(&mut wstore));
                    assert_eq!(a, b, "global {name} differs");
                }
            }
            Extern::Memory(m) => {
                let Some(wm) = winst.get_memory(&mut wstore, &name) else {
                    panic!("wasmtime lacks memory {name}");
                };
                let (a, b) = (m.data(&store), wm.data(&wstore));
                assert_eq!(a.len(), b.len(), "memory {name}: sizes differ");
                if let Some(i) = (0..a.len()).find(|&i| a[i] != b[i]) {
                    panic!(
                        "memory {name} differs from byte {i}: fayasm {:?}, wasmtime {:?}",
                        &a[i..(i + 16).min(a.len())],
                        &b[i..(i + 16).min(b.len())]
                    );
                }
            }
            _ => {}
        }
    }
}
