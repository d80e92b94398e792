//! Smoke tests over `wasm_samples/`: every fixture and benchmark program runs on fayasm and on
//! wasmtime, and both must agree with each other and with `wasm_samples/expected.json`.
//!
//! - Fixture calls run in file order on one instance per engine (some calls depend on the state
//!   earlier ones left, e.g. `memory.grow`); a call expects either results or a trap.
//! - WASI programs run `_start` against a tiny test-only WASI shim (fd_write into buffers,
//!   proc_exit, empty args/environ, fixed clock, deterministic random), implemented once over
//!   plain bytes and bound to each engine; stdout, stderr and the exit code must match.
//! - Benchmark programs run `run(smoke.arg)` on both engines, and `run(bench.arg)` (the size the
//!   benchmarks use) on wasmtime, which is quick there, so every checksum in the file is checked.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use serde_json::Value as Json;

fn samples_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../wasm_samples")
}

fn expected() -> Json {
    let path = samples_dir().join("expected.json");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    serde_json::from_str(&text).expect("expected.json parses")
}

fn wasm_bytes(name: &str) -> Vec<u8> {
    let path = samples_dir().join("wasm").join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

/// A fixture's module: its `wasm` file, or its hand-written `wat` text parsed.
fn fixture_bytes(fx: &Json) -> Vec<u8> {
    match fx["wat"].as_str() {
        Some(wat) => {
            let path = samples_dir().join(wat);
            wat::parse_file(&path).unwrap_or_else(|e| panic!("parsing {}: {e}", path.display()))
        }
        None => wasm_bytes(str_field(fx, "wasm")),
    }
}

fn str_field<'a>(j: &'a Json, key: &str) -> &'a str {
    j[key]
        .as_str()
        .unwrap_or_else(|| panic!("missing string `{key}` in {j}"))
}

// ---------------------------------------------------------------------------------------------
// Values, as written in expected.json: "i32:-5", "i64:7", "f32:1.5", "f64:nan", "f64:-inf".

#[derive(Debug, Clone, Copy)]
enum V {
    I32(i32),
    I64(i64),
    F32(u32),
    F64(u64),
}

impl V {
    fn parse(s: &str) -> V {
        let (ty, v) = s
            .split_once(':')
            .unwrap_or_else(|| panic!("bad value `{s}`"));
        let bad = |e: &dyn std::fmt::Display| -> ! { panic!("bad value `{s}`: {e}") };
        match ty {
            "i32" => V::I32(v.parse::<i64>().unwrap_or_else(|e| bad(&e)) as i32),
            "i64" => V::I64(v.parse::<i128>().unwrap_or_else(|e| bad(&e)) as i64),
            "f32" => V::F32(v.parse::<f32>().unwrap_or_else(|e| bad(&e)).to_bits()),
            "f64" => V::F64(v.parse::<f64>().unwrap_or_else(|e| bad(&e)).to_bits()),
            _ => bad(&"unknown type"),
        }
    }

    /// Equality that treats every NaN as equal (payloads are not specified) and tells -0 from 0.
    fn same(self, other: V) -> bool {
        match (self, other) {
            (V::I32(a), V::I32(b)) => a == b,
            (V::I64(a), V::I64(b)) => a == b,
            (V::F32(a), V::F32(b)) => {
                a == b || (f32::from_bits(a).is_nan() && f32::from_bits(b).is_nan())
            }
            (V::F64(a), V::F64(b)) => {
                a == b || (f64::from_bits(a).is_nan() && f64::from_bits(b).is_nan())
            }
            _ => false,
        }
    }

    fn to_fayasm(self) -> fayasm::Val {
        match self {
            V::I32(x) => fayasm::Val::I32(x),
            V::I64(x) => fayasm::Val::I64(x),
            V::F32(x) => fayasm::Val::F32(x),
            V::F64(x) => fayasm::Val::F64(x),
        }
    }

    fn from_fayasm(v: &fayasm::Val) -> V {
        match *v {
            fayasm::Val::I32(x) => V::I32(x),
            fayasm::Val::I64(x) => V::I64(x),
            fayasm::Val::F32(x) => V::F32(x),
            fayasm::Val::F64(x) => V::F64(x),
            ref other => panic!("unexpected fayasm value {other:?}"),
        }
    }

    fn to_wasmtime(self) -> wasmtime::Val {
        match self {
            V::I32(x) => wasmtime::Val::I32(x),
            V::I64(x) => wasmtime::Val::I64(x),
            V::F32(x) => wasmtime::Val::F32(x),
            V::F64(x) => wasmtime::Val::F64(x),
        }
    }

    fn from_wasmtime(v: &wasmtime::Val) -> V {
        match *v {
            wasmtime::Val::I32(x) => V::I32(x),
            wasmtime::Val::I64(x) => V::I64(x),
            wasmtime::Val::F32(x) => V::F32(x),
            wasmtime::Val::F64(x) => V::F64(x),
            ref other => panic!("unexpected wasmtime value {other:?}"),
        }
    }
}

/// What a call did, engine-neutral. Traps use fayasm's `TrapCode::message` vocabulary.
#[derive(Debug, Clone)]
enum Outcome {
    Values(Vec<V>),
    Trap(String),
}

impl Outcome {
    fn same(&self, other: &Outcome) -> bool {
        match (self, other) {
            (Outcome::Values(a), Outcome::Values(b)) => {
                a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.same(*y))
            }
            (Outcome::Trap(a), Outcome::Trap(b)) => a == b,
            _ => false,
        }
    }

    fn expected(call: &Json) -> Outcome {
        if let Some(t) = call.get("trap") {
            return Outcome::Trap(t.as_str().expect("trap is a string").to_string());
        }
        let results = call["results"]
            .as_array()
            .unwrap_or_else(|| panic!("call without results or trap: {call}"));
        Outcome::Values(
            results
                .iter()
                .map(|r| V::parse(r.as_str().expect("typed value string")))
                .collect(),
        )
    }
}

fn fayasm_trap(e: fayasm::Error) -> String {
    match e {
        fayasm::Error::Trap(t) => t.code().message().to_string(),
        other => panic!("fayasm: expected a trap or values, got the error `{other}`"),
    }
}

fn wasmtime_trap(e: wasmtime::Error) -> String {
    use wasmtime::Trap;
    match e.downcast_ref::<Trap>() {
        Some(Trap::UnreachableCodeReached) => "unreachable".into(),
        Some(Trap::MemoryOutOfBounds) => "out of bounds memory access".into(),
        Some(Trap::TableOutOfBounds) => "out of bounds table access".into(),
        Some(Trap::IndirectCallToNull) => "uninitialized element".into(),
        Some(Trap::BadSignature) => "indirect call type mismatch".into(),
        Some(Trap::IntegerOverflow) => "integer overflow".into(),
        Some(Trap::IntegerDivisionByZero) => "integer divide by zero".into(),
        Some(Trap::BadConversionToInteger) => "invalid conversion to integer".into(),
        Some(Trap::StackOverflow) => "call stack exhausted".into(),
        Some(Trap::ArrayOutOfBounds) => "out of bounds array access".into(),
        Some(Trap::CastFailure) => "cast failure".into(),
        _ => panic!("wasmtime: expected a trap or values, got the error `{e:#}`"),
    }
}

// ---------------------------------------------------------------------------------------------
// The two engines behind one small interface.

struct Fayasm {
    store: fayasm::Store<()>,
    instance: fayasm::Instance,
}

/// The proposals a sample needs switched on (its `features` in expected.json).
#[derive(Debug, Clone, Copy, Default)]
struct Features {
    exceptions: bool,
    gc: bool,
}

impl Features {
    fn of(sample: &Json) -> Features {
        let mut f = Features::default();
        for name in sample["features"].as_array().into_iter().flatten() {
            match name.as_str() {
                Some("exceptions") => f.exceptions = true,
                Some("gc") => f.gc = true,
                _ => panic!("unknown feature {name} in {}", sample["name"]),
            }
        }
        f
    }
}

impl Fayasm {
    fn engine() -> fayasm::Engine {
        Self::engine_with(Features::default())
    }

    fn engine_with(f: Features) -> fayasm::Engine {
        fayasm::Engine::new(
            fayasm::Config::default()
                .wasm_exceptions(f.exceptions)
                .wasm_gc(f.gc),
        )
    }

    fn new(bytes: &[u8]) -> Fayasm {
        Self::new_with(bytes, Features::default())
    }

    fn new_with(bytes: &[u8], f: Features) -> Fayasm {
        let engine = Self::engine_with(f);
        let module = fayasm::Module::new(&engine, bytes).expect("fayasm accepts the module");
        let mut store = fayasm::Store::new(&engine, ());
        let instance = fayasm::Linker::new(&engine)
            .instantiate(&mut store, &module)
            .expect("fayasm instantiates");
        Fayasm { store, instance }
    }

    fn call(&mut self, name: &str, args: &[V]) -> Outcome {
        let f = self
            .instance
            .get_func(&self.store, name)
            .unwrap_or_else(|| panic!("fayasm: no export `{name}`"));
        let n = f.ty(&self.store).results().len();
        let args: Vec<_> = args.iter().map(|a| a.to_fayasm()).collect();
        let mut out = vec![fayasm::Val::I32(0); n];
        match f.call(&mut self.store, &args, &mut out) {
            Ok(()) => Outcome::Values(out.iter().map(V::from_fayasm).collect()),
            Err(e) => Outcome::Trap(fayasm_trap(e)),
        }
    }
}

struct Wasmtime {
    store: wasmtime::Store<()>,
    instance: wasmtime::Instance,
}

impl Wasmtime {
    fn new(bytes: &[u8]) -> Wasmtime {
        Self::new_with(bytes, Features::default())
    }

    fn new_with(bytes: &[u8], f: Features) -> Wasmtime {
        let mut config = wasmtime::Config::new();
        // wasmtime's exception objects are GC objects: exceptions come with its GC.
        let gc = f.exceptions || f.gc;
        config
            .wasm_function_references(gc)
            .wasm_gc(gc)
            .wasm_exceptions(f.exceptions);
        let engine = wasmtime::Engine::new(&config).expect("wasmtime engine");
        let module = wasmtime::Module::new(&engine, bytes).expect("wasmtime accepts the module");
        let mut store = wasmtime::Store::new(&engine, ());
        let instance =
            wasmtime::Instance::new(&mut store, &module, &[]).expect("wasmtime instantiates");
        Wasmtime { store, instance }
    }

    fn call(&mut self, name: &str, args: &[V]) -> Outcome {
        let f = self
            .instance
            .get_func(&mut self.store, name)
            .unwrap_or_else(|| panic!("wasmtime: no export `{name}`"));
        let n = f.ty(&self.store).results().len();
        let args: Vec<_> = args.iter().map(|a| a.to_wasmtime()).collect();
        let mut out = vec![wasmtime::Val::I32(0); n];
        match f.call(&mut self.store, &args, &mut out) {
            Ok(()) => Outcome::Values(out.iter().map(V::from_wasmtime).collect()),
            Err(e) => Outcome::Trap(wasmtime_trap(e)),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Fixtures with calls.

fn run_fixture(name: &str) {
    let all = expected();
    let fx = all["fixtures"]
        .as_array()
        .expect("fixtures array")
        .iter()
        .find(|f| f["name"] == name)
        .unwrap_or_else(|| panic!("no fixture `{name}` in expected.json"));
    let bytes = fixture_bytes(fx);
    let features = Features::of(fx);
    let mut fay = Fayasm::new_with(&bytes, features);
    let mut wt = Wasmtime::new_with(&bytes, features);
    let calls = fx["calls"].as_array().expect("calls array");
    assert!(!calls.is_empty());
    let mut failures = Vec::new();
    for call in calls {
        let export = str_field(call, "export");
        let args: Vec<V> = call["args"]
            .as_array()
            .expect("args array")
            .iter()
            .map(|a| V::parse(a.as_str().expect("typed value string")))
            .collect();
        let want = Outcome::expected(call);
        let got_wt = wt.call(export, &args);
        if !got_wt.same(&want) {
            failures.push(format!(
                "wasmtime {export}{args:?}: got {got_wt:?}, expected {want:?}"
            ));
        }
        let got = fay.call(export, &args);
        if !got.same(&want) {
            failures.push(format!(
                "fayasm {export}{args:?}: got {got:?}, expected {want:?}"
            ));
        }
    }
    assert!(failures.is_empty(), "{name}:\n  {}", failures.join("\n  "));
}

#[test]
fn arith() {
    run_fixture("arith");
}

#[test]
fn control() {
    run_fixture("control");
}

#[test]
fn float() {
    run_fixture("float");
}

#[test]
fn indirect() {
    run_fixture("indirect");
}

#[test]
fn memops() {
    run_fixture("memops");
}

#[test]
fn typed() {
    run_fixture("typed");
}

#[test]
fn simd() {
    run_fixture("simd");
}

#[test]
fn rust_fixtures() {
    run_fixture("rust_fixtures");
}

// The SD-trap firmware's apps (esp32/).
#[test]
fn sdtrap() {
    run_fixture("sdtrap");
}

#[test]
fn paged() {
    run_fixture("paged");
}

#[test]
fn coremark_64k() {
    run_fixture("coremark_64k");
}

// A hand-written GC program (`wasm_samples/wat/gc.wat`): structs, arrays, casts, i31, and
// garbage enough for collections.
#[test]
fn gc() {
    run_fixture("gc");
}

// Built by Emscripten (`emcc -sSTANDALONE_WASM --no-entry`): a reactor, `_initialize` first.
#[test]
fn emcc_coremark() {
    run_fixture("emcc_coremark");
}

// C++ exceptions, by hand in the exnref form (`wasm_samples/wat/`): both engines with the
// exception-handling proposal on.
#[test]
fn cpp_exceptions() {
    run_fixture("cpp_exceptions");
}

/// The fixtures and WASI programs that have a test above or below (each runs as its own test
/// so that a failure names it); `every_sample_is_tested` checks the list is complete.
const TESTED: &[&str] = &[
    "arith",
    "control",
    "float",
    "indirect",
    "memops",
    "typed",
    "simd",
    "rust_fixtures",
    "sdtrap",
    "paged",
    "coremark_64k",
    "gc",
    "emcc_coremark",
    "cpp_exceptions",
    "wasi_hello",
    "wasi_printf",
    "wasi_exit",
    "wasi_numfmt",
    "wasi_card",
    "emcc_printf",
    "emcc_numfmt",
    "emcc_words",
];

// ---------------------------------------------------------------------------------------------
// WASI programs.

const ESUCCESS: i32 = 0;
const EBADF: i32 = 8;
const ENOSYS: i32 = 52;
const ESPIPE: i32 = 70;

/// Output and exit status of a WASI program, shared by the host functions of one run.
#[derive(Default)]
struct WasiState {
    stdout: Vec<u8>,
    stderr: Vec<u8>,
    exit: Option<i32>,
    random: u32,
}

/// What a WASI host call asks of the engine.
enum WasiReturn {
    /// Return this errno.
    Errno(i32),
    /// `proc_exit`: stop the program.
    Exit,
}

fn read_u32(mem: &[u8], at: i64) -> Option<u32> {
    let at = usize::try_from(at).ok()?;
    Some(u32::from_le_bytes(mem.get(at..at + 4)?.try_into().ok()?))
}

fn write_bytes(mem: &mut [u8], at: i64, bytes: &[u8]) -> bool {
    let Ok(at) = usize::try_from(at) else {
        return false;
    };
    match mem.get_mut(at..at + bytes.len()) {
        Some(dst) => {
            dst.copy_from_slice(bytes);
            true
        }
        None => false,
    }
}

/// The shim: one WASI call over linear memory and integer parameters (i32s zero-extended as
/// they arrive, i64s as they are).
fn wasi_call(name: &str, mem: &mut [u8], st: &mut WasiState, p: &[i64]) -> WasiReturn {
    const EFAULT: i32 = 21;
    let ok = |b: bool| WasiReturn::Errno(if b { ESUCCESS } else { EFAULT });
    match name {
        "fd_write" => {
            let (fd, iovs, n, nwritten) = (p[0], p[1], p[2], p[3]);
            if fd != 1 && fd != 2 {
                return WasiReturn::Errno(EBADF);
            }
            let mut total = 0u32;
            for i in 0..n {
                let (Some(ptr), Some(len)) =
                    (read_u32(mem, iovs + 8 * i), read_u32(mem, iovs + 8 * i + 4))
                else {
                    return WasiReturn::Errno(EFAULT);
                };
                let Some(bytes) = mem.get(ptr as usize..ptr as usize + len as usize) else {
                    return WasiReturn::Errno(EFAULT);
                };
                if fd == 1 {
                    &mut st.stdout
                } else {
                    &mut st.stderr
                }
                .extend_from_slice(bytes);
                total += len;
            }
            ok(write_bytes(mem, nwritten, &total.to_le_bytes()))
        }
        "fd_fdstat_get" => {
            if !(0..=2).contains(&p[0]) {
                return WasiReturn::Errno(EBADF);
            }
            // A character device (filetype 2) without seek rights: a terminal.
            let mut stat = [0u8; 24];
            stat[0] = 2;
            stat[8..16].copy_from_slice(&(1u64 << 6).to_le_bytes()); // fd_write only
            ok(write_bytes(mem, p[1], &stat))
        }
        "fd_close" => WasiReturn::Errno(ESUCCESS),
        // No directories: wasi-libc stops looking for preopens at the first EBADF.
        "fd_prestat_get" => WasiReturn::Errno(EBADF),
        "fd_seek" => WasiReturn::Errno(ESPIPE),
        "proc_exit" => {
            st.exit = Some(p[0] as i32);
            WasiReturn::Exit
        }
        "args_sizes_get" | "environ_sizes_get" => {
            ok(write_bytes(mem, p[0], &[0; 4]) && write_bytes(mem, p[1], &[0; 4]))
        }
        "args_get" | "environ_get" => WasiReturn::Errno(ESUCCESS),
        "clock_time_get" => ok(write_bytes(
            mem,
            p[2],
            &1_700_000_000_000_000_000u64.to_le_bytes(),
        )),
        "random_get" => {
            let mut bytes = vec![0u8; p[1] as usize];
            for b in &mut bytes {
                st.random = st
                    .random
                    .wrapping_mul(1_664_525)
                    .wrapping_add(1_013_904_223);
                *b = (st.random >> 24) as u8;
            }
            ok(write_bytes(mem, p[0], &bytes))
        }
        _ => WasiReturn::Errno(ENOSYS),
    }
}

const WASI: &str = "wasi_snapshot_preview1";

#[derive(Debug, PartialEq)]
struct WasiRun {
    stdout: String,
    stderr: String,
    exit_code: i32,
}

fn fayasm_wasi(bytes: &[u8]) -> WasiRun {
    use fayasm::{Error, ExternType, Func, Linker, Module, Store, Trap, Val};
    let engine = Fayasm::engine();
    let module = Module::new(&engine, bytes).expect("fayasm accepts the module");
    let mut store = Store::new(&engine, ());
    let state = Arc::new(Mutex::new(WasiState::default()));
    let mut linker = Linker::new(&engine);
    for import in module.imports() {
        assert_eq!(import.module, WASI, "only WASI imports are expected");
        let ExternType::Func(ty) = import.ty else {
            panic!("non-function WASI import {}", import.name)
        };
        let (name, st) = (import.name.clone(), state.clone());
        let func = Func::new(&mut store, ty, move |mut caller, params, results| {
            let params: Vec<i64> = params
                .iter()
                .map(|v| match *v {
                    Val::I32(x) => x as u32 as i64,
                    Val::I64(x) => x,
                    ref other => panic!("unexpected WASI parameter {other:?}"),
                })
                .collect();
            let memory = caller.memory(0).ok_or_else(|| Trap::host("no memory"))?;
            let mem = memory.data_mut(caller.store());
            match wasi_call(&name, mem, &mut st.lock().unwrap(), &params) {
                WasiReturn::Errno(e) => {
                    if let Some(r) = results.first_mut() {
                        *r = Val::I32(e);
                    }
                    Ok(())
                }
                WasiReturn::Exit => Err(Trap::host("proc_exit")),
            }
        });
        linker
            .define(&store, WASI, &import.name, func)
            .expect("define");
    }
    let instance = linker
        .instantiate(&mut store, &module)
        .expect("fayasm instantiates");
    let start = instance.get_func(&store, "_start").expect("_start");
    let result = start.call(&mut store, &[], &mut []);
    let st = state.lock().unwrap();
    let exit_code = match (result, st.exit) {
        (Ok(()), None) => 0,
        (Err(Error::Trap(_)), Some(code)) => code,
        (r, e) => panic!("fayasm: _start ended with {r:?} and exit status {e:?}"),
    };
    WasiRun {
        stdout: String::from_utf8_lossy(&st.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&st.stderr).into_owned(),
        exit_code,
    }
}

fn wasmtime_wasi(bytes: &[u8]) -> WasiRun {
    use wasmtime::{Engine, ExternType, Func, Linker, Module, Store, Val};
    let engine = Engine::default();
    let module = Module::new(&engine, bytes).expect("wasmtime accepts the module");
    let mut store = Store::new(&engine, ());
    let state = Arc::new(Mutex::new(WasiState::default()));
    let mut linker = Linker::new(&engine);
    for import in module.imports() {
        assert_eq!(import.module(), WASI, "only WASI imports are expected");
        let ExternType::Func(ty) = import.ty() else {
            panic!("non-function WASI import {}", import.name())
        };
        let (name, st) = (import.name().to_string(), state.clone());
        let func = Func::new(&mut store, ty, move |mut caller, params, results| {
            let params: Vec<i64> = params
                .iter()
                .map(|v| match *v {
                    Val::I32(x) => x as u32 as i64,
                    Val::I64(x) => x,
                    ref other => panic!("unexpected WASI parameter {other:?}"),
                })
                .collect();
            let memory = caller
                .get_export("memory")
                .and_then(|e| e.into_memory())
                .ok_or_else(|| wasmtime::Error::msg("no memory"))?;
            let mem = memory.data_mut(&mut caller);
            match wasi_call(&name, mem, &mut st.lock().unwrap(), &params) {
                WasiReturn::Errno(e) => {
                    if let Some(r) = results.first_mut() {
                        *r = Val::I32(e);
                    }
                    Ok(())
                }
                WasiReturn::Exit => Err(wasmtime::Error::msg("proc_exit")),
            }
        });
        linker
            .define(&store, WASI, import.name(), func)
            .expect("define");
    }
    let instance = linker
        .instantiate(&mut store, &module)
        .expect("wasmtime instantiates");
    let start = instance.get_func(&mut store, "_start").expect("_start");
    let result = start.call(&mut store, &[], &mut []);
    let st = state.lock().unwrap();
    let exit_code = match (result, st.exit) {
        (Ok(()), None) => 0,
        (Err(_), Some(code)) => code,
        (r, e) => panic!("wasmtime: _start ended with {r:?} and exit status {e:?}"),
    };
    WasiRun {
        stdout: String::from_utf8_lossy(&st.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&st.stderr).into_owned(),
        exit_code,
    }
}

fn run_wasi(name: &str) {
    let all = expected();
    let fx = all["wasi"]
        .as_array()
        .expect("wasi array")
        .iter()
        .find(|f| f["name"] == name)
        .unwrap_or_else(|| panic!("no WASI program `{name}` in expected.json"));
    let want = WasiRun {
        stdout: str_field(fx, "stdout").to_string(),
        stderr: str_field(fx, "stderr").to_string(),
        exit_code: fx["exit_code"].as_i64().expect("exit_code") as i32,
    };
    let bytes = wasm_bytes(str_field(fx, "wasm"));
    assert_eq!(wasmtime_wasi(&bytes), want, "{name} on wasmtime");
    assert_eq!(fayasm_wasi(&bytes), want, "{name} on fayasm");
}

#[test]
fn wasi_hello() {
    run_wasi("wasi_hello");
}

#[test]
fn wasi_printf() {
    run_wasi("wasi_printf");
}

#[test]
fn wasi_exit() {
    run_wasi("wasi_exit");
}

#[test]
fn wasi_numfmt() {
    run_wasi("wasi_numfmt");
}

// Run without a directory: the firmware's WASI command processes its built-in text (the
// firmware runs it on the card: `cargo xtask esp32 qemu`).
#[test]
fn wasi_card() {
    run_wasi("wasi_card");
}

// The same C sources built by Emscripten (`emcc -sSTANDALONE_WASM`): its libc, its start code.
#[test]
fn emcc_printf() {
    run_wasi("emcc_printf");
}

#[test]
fn emcc_numfmt() {
    run_wasi("emcc_numfmt");
}

// C++ (libc++: strings, maps, sort, virtual calls, iostreams): 638 functions, 138 KB of code.
#[test]
fn emcc_words() {
    run_wasi("emcc_words");
}

// ---------------------------------------------------------------------------------------------
// Benchmark programs.

#[test]
fn benchmarks() {
    let all = expected();
    let mut failures = Vec::new();
    for b in all["benchmarks"].as_array().expect("benchmarks array") {
        let name = str_field(b, "name");
        let bytes = wasm_bytes(str_field(b, "wasm"));
        let export = str_field(b, "export");
        let mut check = |engine: &str, size: &str, got: Outcome, want: i64| {
            if !got.same(&Outcome::Values(vec![V::I32(want as i32)])) {
                failures.push(format!(
                    "{name} {size} on {engine}: got {got:?}, expected {want}"
                ));
            }
        };
        let smoke = (
            b["smoke"]["arg"].as_i64().unwrap() as i32,
            b["smoke"]["result"].as_i64().unwrap(),
        );
        let bench = (
            b["bench"]["arg"].as_i64().unwrap() as i32,
            b["bench"]["result"].as_i64().unwrap(),
        );
        let mut wt = Wasmtime::new(&bytes);
        check(
            "wasmtime",
            "smoke",
            wt.call(export, &[V::I32(smoke.0)]),
            smoke.1,
        );
        check(
            "wasmtime",
            "bench",
            wt.call(export, &[V::I32(bench.0)]),
            bench.1,
        );
        let mut fay = Fayasm::new(&bytes);
        check(
            "fayasm",
            "smoke",
            fay.call(export, &[V::I32(smoke.0)]),
            smoke.1,
        );
    }
    assert!(failures.is_empty(), "\n  {}", failures.join("\n  "));
}

/// Every fixture and WASI program of `expected.json` has its test (the benchmarks run in one).
#[test]
fn every_sample_is_tested() {
    let all = expected();
    let mut named: Vec<&str> = ["fixtures", "wasi"]
        .iter()
        .flat_map(|k| all[*k].as_array().expect("array").iter())
        .map(|e| str_field(e, "name"))
        .collect();
    named.sort_unstable();
    let mut tested = TESTED.to_vec();
    tested.sort_unstable();
    assert_eq!(
        named, tested,
        "add a #[test] and a TESTED entry for each new sample"
    );
}

/// Every committed `.wasm` file has expectations, and every expectation has its file.
#[test]
fn every_sample_is_covered() {
    let all = expected();
    let entries = || {
        ["fixtures", "wasi", "benchmarks"]
            .iter()
            .flat_map(|k| all[*k].as_array().expect("array").iter())
    };
    let mut named: Vec<String> = entries()
        .filter(|e| e["wat"].is_null())
        .map(|e| str_field(e, "wasm").to_string())
        .collect();
    // A hand-written fixture's text must be there (the `wat/` folder also holds mirrors of
    // compiled sources, which no fixture names).
    for wat in entries().filter_map(|e| e["wat"].as_str()) {
        assert!(samples_dir().join(wat).is_file(), "missing {wat}");
    }
    named.sort();
    let mut on_disk: Vec<String> = std::fs::read_dir(samples_dir().join("wasm"))
        .expect("wasm_samples/wasm")
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".wasm"))
        .collect();
    on_disk.sort();
    assert_eq!(named, on_disk);
}
