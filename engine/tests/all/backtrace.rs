//! Trap backtraces (`Trap::trace`): the wasm call stack when a trap is raised, innermost frame
//! first, with function indices, names from the `name` section and byte offsets, checked
//! against the offsets wasmparser reports for the same instructions.

use fayasm::{
    Config, Engine, Error, Func, FuncType, Linker, Module, Store, Trap, TrapCode, Val, ValType,
};
use wasmparser::{Operator, Parser, Payload};

const WAT: &str = r#"(module $demo
  (import "host" "fail" (func $fail))
  (import "host" "reenter" (func $reenter (param i32) (result i32)))
  (memory 1)
  (func $divide (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1)))
  (func $middle (param i32) (result i32) (call $divide (i32.const 1) (local.get 0)))
  (func $outer (export "outer") (param i32) (result i32)
    (i32.add (i32.const 1) (call $middle (local.get 0))))
  (func $calls_host (export "calls_host") (call $fail))
  (func $via_host (export "via_host") (param i32) (result i32) (call $reenter (local.get 0)))
  (func $recurse (export "recurse") (param i32) (result i32)
    (call $recurse (i32.add (local.get 0) (i32.const 1))))
  (func $load (export "load") (param i32) (result i32)
    (i32.load (i32.add (local.get 0) (i32.const 8))))
  (func $spin (export "spin") (loop (br 0))))"#;

/// The module offset of the `n`-th operator (from 0) of defined function `def` matching `is`.
fn offset_of(wasm: &[u8], def: usize, is: impl Fn(&Operator) -> bool, n: usize) -> usize {
    let mut bodies = Vec::new();
    for payload in Parser::new(0).parse_all(wasm) {
        if let Payload::CodeSectionEntry(body) = payload.unwrap() {
            bodies.push(body);
        }
    }
    let mut reader = bodies[def].get_operators_reader().unwrap();
    let mut seen = 0;
    while !reader.eof() {
        let at = reader.original_position();
        let op = reader.read().unwrap();
        if is(&op) {
            if seen == n {
                return at as usize;
            }
            seen += 1;
        }
    }
    panic!("no such operator in function {def}")
}

fn is_call(op: &Operator) -> bool {
    matches!(op, Operator::Call { .. })
}

/// (function name, module offset) of each frame.
fn frames(t: &Trap) -> Vec<(Option<&str>, Option<usize>)> {
    t.trace()
        .iter()
        .map(|f| (f.func_name(), f.module_offset()))
        .collect()
}

fn trap_of(r: Result<(), Error>) -> Trap {
    match r {
        Err(Error::Trap(t)) => t,
        other => panic!("expected a trap, got {other:?}"),
    }
}

struct Setup {
    wasm: Vec<u8>,
    store: Store<()>,
    inst: fayasm::Instance,
}

fn setup(config: Config) -> Setup {
    let wasm = wat::parse_str(WAT).unwrap();
    let engine = Engine::new(config);
    let module = Module::new(&engine, &wasm).unwrap();
    let mut store = Store::new(&engine, ());
    let mut linker = Linker::new(&engine);
    linker
        .func_wrap("host", "fail", || -> Result<(), Trap> {
            Err(Trap::host("the host says no"))
        })
        .unwrap();
    linker
        .func_new(
            "host",
            "reenter",
            FuncType::new([ValType::I32], [ValType::I32]),
            |mut caller, params, results| {
                // Back into wasm: `outer` traps there, and the host passes the trap on.
                let outer = caller.get_export("outer").unwrap().into_func().unwrap();
                let mut out = [Val::I32(0)];
                match outer.call(&mut caller, params, &mut out) {
                    Err(Error::Trap(t)) => Err(t),
                    Err(e) => Err(Trap::host(e.to_string())),
                    Ok(()) => {
                        results[0] = out[0];
                        Ok(())
                    }
                }
            },
        )
        .unwrap();
    let inst = linker.instantiate(&mut store, &module).unwrap();
    Setup { wasm, store, inst }
}

fn call(s: &mut Setup, name: &str, args: &[Val]) -> Result<(), Error> {
    let f = s.inst.get_func(&s.store, name).unwrap();
    let n = f.ty(&s.store).results().len();
    let mut out = vec![Val::I32(0); n];
    f.call(&mut s.store, args, &mut out)
}

// Defined function indices (two imports come first in the index space).
const DIVIDE: usize = 0;
const MIDDLE: usize = 1;
const OUTER: usize = 2;
const CALLS_HOST: usize = 3;
const VIA_HOST: usize = 4;

#[test]
fn a_trap_lists_the_wasm_frames_with_names_and_offsets() {
    let mut s = setup(Config::default());
    let t = trap_of(call(&mut s, "outer", &[Val::I32(0)]));
    assert_eq!(t.code(), TrapCode::IntegerDivisionByZero);
    let div = offset_of(&s.wasm, DIVIDE, |o| matches!(o, Operator::I32DivS), 0);
    let call_divide = offset_of(&s.wasm, MIDDLE, is_call, 0);
    let call_middle = offset_of(&s.wasm, OUTER, is_call, 0);
    assert_eq!(
        frames(&t),
        [
            (Some("divide"), Some(div)),
            (Some("middle"), Some(call_divide)),
            (Some("outer"), Some(call_middle)),
        ]
    );
    let f = &t.trace()[0];
    assert_eq!((f.func_index(), f.module_name()), (2, Some("demo")));
    assert_eq!(t.trace()[2].func_index(), 4);
    // The offset within the function is from the start of its body.
    let body_start = offset_of(&s.wasm, DIVIDE, |_| true, 0);
    assert!(f.func_offset().unwrap() < div && div - f.func_offset().unwrap() < body_start);
    assert_eq!(f.to_string(), format!("{div:#6x} - demo!divide"));
    // The trace takes no part in equality.
    assert_eq!(t, Trap::new(TrapCode::IntegerDivisionByZero));
}

#[test]
fn a_host_trap_lists_the_wasm_code_that_called_the_host() {
    let mut s = setup(Config::default());
    let t = trap_of(call(&mut s, "calls_host", &[]));
    assert_eq!(t, Trap::host("the host says no"));
    let at = offset_of(&s.wasm, CALLS_HOST, is_call, 0);
    assert_eq!(frames(&t), [(Some("calls_host"), Some(at))]);
}

#[test]
fn a_trap_through_a_host_function_lists_both_runs() {
    let mut s = setup(Config::default());
    let t = trap_of(call(&mut s, "via_host", &[Val::I32(0)]));
    assert_eq!(t.code(), TrapCode::IntegerDivisionByZero);
    let names: Vec<_> = frames(&t).into_iter().map(|f| f.0).collect();
    assert_eq!(
        names,
        [
            Some("divide"),
            Some("middle"),
            Some("outer"),
            Some("via_host")
        ]
    );
    assert_eq!(
        t.trace()[3].module_offset(),
        Some(offset_of(&s.wasm, VIA_HOST, is_call, 0))
    );
}

#[test]
fn a_fused_load_traps_at_the_load() {
    let mut s = setup(Config::default());
    let t = trap_of(call(&mut s, "load", &[Val::I32(65_535)]));
    assert_eq!(t.code(), TrapCode::MemoryOutOfBounds);
    let load = offset_of(&s.wasm, 6, |o| matches!(o, Operator::I32Load { .. }), 0);
    assert_eq!(frames(&t), [(Some("load"), Some(load))]);
}

#[test]
fn the_trace_keeps_the_innermost_frames_up_to_the_configured_count() {
    let mut s = setup(Config::default());
    let t = trap_of(call(&mut s, "recurse", &[Val::I32(0)]));
    assert_eq!(t.code(), TrapCode::StackOverflow);
    assert_eq!(t.trace().len(), 20);
    assert!(t.trace().iter().all(|f| f.func_name() == Some("recurse")));

    let mut s = setup(Config::default().wasm_backtrace_max_frames(3));
    let t = trap_of(call(&mut s, "outer", &[Val::I32(0)]));
    assert_eq!(t.trace().len(), 3);
    let t = trap_of(call(&mut s, "via_host", &[Val::I32(0)]));
    assert_eq!(t.trace().len(), 3, "the inner run's frames fill the trace");

    let mut s = setup(Config::default().wasm_backtrace_max_frames(0));
    let t = trap_of(call(&mut s, "outer", &[Val::I32(0)]));
    assert!(t.trace().is_empty());
}

#[test]
fn running_out_of_fuel_outside_a_resumable_call_has_a_trace() {
    let mut s = setup(Config::default().consume_fuel(true));
    s.store.set_fuel(1_000).unwrap();
    let t = trap_of(call(&mut s, "spin", &[]));
    assert_eq!(t.code(), TrapCode::OutOfFuel);
    let names: Vec<_> = frames(&t).into_iter().map(|f| f.0).collect();
    assert_eq!(names, [Some("spin")]);
    assert!(t.trace()[0].module_offset().is_some());
}

#[test]
fn a_module_without_names_shows_function_indices() {
    let wasm = wat::parse_str(
        r#"(module (func (export "f") (param i32) (result i32)
             (i32.div_u (i32.const 1) (local.get 0))))"#,
    )
    .unwrap();
    let engine = Engine::default();
    let module = Module::new(&engine, &wasm).unwrap();
    let mut store = Store::new(&engine, ());
    let inst = Linker::new(&engine)
        .instantiate(&mut store, &module)
        .unwrap();
    let f = inst.get_typed_func::<i32, i32>(&store, "f").unwrap();
    let Err(Error::Trap(t)) = f.call(&mut store, 0) else {
        panic!("no trap")
    };
    let at = offset_of(&wasm, 0, |o| matches!(o, Operator::I32DivU), 0);
    assert_eq!(t.trace().len(), 1);
    assert_eq!(
        t.trace()[0].to_string(),
        format!("{at:#6x} - <unknown>!<wasm function 0>")
    );
}

#[test]
fn installed_code_that_differs_from_a_translation_has_no_offset() {
    let engine = Engine::default();
    let module = |op: &str| {
        let wat = format!(
            r#"(module (func $f (export "f") (param i32) (result i32)
                 ({op} (i32.const 1) (local.get 0))))"#
        );
        Module::new(&engine, wat::parse_str(wat).unwrap()).unwrap()
    };
    let (signed, unsigned) = (module("i32.div_s"), module("i32.div_u"));
    let mut store = Store::new(&engine, ());
    let inst = Linker::new(&engine)
        .instantiate(&mut store, &signed)
        .unwrap();
    let f: Func = inst.get_func(&store, "f").unwrap();
    let other = unsigned.translate_function(0).unwrap().unwrap();
    f.install_code(&mut store, other).unwrap();
    let mut out = [Val::I32(0)];
    let t = trap_of(f.call(&mut store, &[Val::I32(0)], &mut out));
    assert_eq!(t.code(), TrapCode::IntegerDivisionByZero);
    assert_eq!(t.trace().len(), 1);
    assert_eq!(t.trace()[0].func_name(), Some("f"));
    assert_eq!(t.trace()[0].module_offset(), None);
    assert_eq!(t.trace()[0].to_string(), "<unknown>!f");
}
