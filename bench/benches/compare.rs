//! fayasm side by side with wasmi, wasm3 and wasmtime on the benchmark programs of
//! `wasm_samples/` (the `benchmarks` list of `wasm_samples/expected.json`).
//!
//! Three groups, each benchmark named `GROUP/PROGRAM/ENGINE`:
//!
//! - `translate`: module bytes to a ready-to-call `run` function: decode, validate, translate
//!   or compile every function, create a store and instantiate, look the export up.
//!   fayasm: `Config::default().prescan(true)` (every function translated at instantiation);
//!   wasmi: `CompilationMode::Eager` (wasmi 2's default is lazy translation); wasmtime:
//!   Cranelift (or Pulley) compilation of the whole module; wasm3: runtime, parse, load and
//!   `find_function("run")`, which compiles `run` only (wasm3 compiles callees on first call).
//! - `instantiate`: from an already decoded/compiled module to a ready-to-call `run` (new store,
//!   instantiate, look up). fayasm with prescan translates here, since its microcode belongs to
//!   the store; wasm3 has no reusable compiled module, so this is the same work as `translate`.
//! - `execute`: one call of `run(bench.arg)` on a ready instance (the programs reinitialise their
//!   state on every call). Each engine's result is checked against the expected checksum first.
//!
//! Engines: `fayasm`, `wasmi`, `wasm3`, `wasmtime` (Cranelift) and `pulley` (wasmtime's
//! portable interpreter, `Config::target("pulley64")`). Programs marked `"simd": true` run
//! only on the engines that take SIMD (wasmtime, pulley); the others are reported as skipped.
//! `fayasm-fuel` is fayasm with `Config::consume_fuel(true)`, in the execute group only and
//! measured right after plain fayasm on each program: its times over fayasm's are the cost of
//! fuel metering.
//!
//! `FAYASM_BENCH_ENGINES=fayasm,wasmi` limits the engines; criterion's own arguments (a name
//! filter, `--warm-up-time`, ...) work as usual. `cargo xtask bench` runs this and summarises.

use std::hint::black_box;
use std::path::PathBuf;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, SamplingMode};

struct Program {
    name: String,
    bytes: Vec<u8>,
    arg: i32,
    result: i32,
    simd: bool,
}

fn programs() -> Vec<Program> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../wasm_samples");
    let text =
        std::fs::read_to_string(dir.join("expected.json")).expect("wasm_samples/expected.json");
    let json: serde_json::Value = serde_json::from_str(&text).expect("expected.json parses");
    json["benchmarks"]
        .as_array()
        .expect("benchmarks array")
        .iter()
        .map(|b| Program {
            name: b["name"].as_str().unwrap().to_string(),
            bytes: std::fs::read(dir.join("wasm").join(b["wasm"].as_str().unwrap()))
                .expect("benchmark .wasm"),
            arg: b["bench"]["arg"].as_i64().unwrap() as i32,
            result: b["bench"]["result"].as_i64().unwrap() as i32,
            simd: b.get("simd").and_then(|a| a.as_bool()) == Some(true),
        })
        .collect()
}

/// One engine behind a uniform interface: `Self::Module` is what `instantiate` starts from,
/// `Self::Instance` holds whatever a call needs.
trait Runner {
    const NAME: &'static str;
    const SIMD: bool;
    type Module;
    type Instance;
    fn compile(&self, bytes: &[u8]) -> Self::Module;
    fn instantiate(&self, module: &Self::Module, bytes: &[u8]) -> Self::Instance;
    fn run(instance: &mut Self::Instance, arg: i32) -> i32;
}

struct Fayasm(fayasm::Engine);

impl Runner for Fayasm {
    const NAME: &'static str = "fayasm";
    const SIMD: bool = true;
    type Module = fayasm::Module;
    type Instance = (fayasm::Store<()>, fayasm::Func);

    fn compile(&self, bytes: &[u8]) -> fayasm::Module {
        fayasm::Module::new(&self.0, bytes).expect("fayasm: module")
    }
    fn instantiate(&self, module: &fayasm::Module, _: &[u8]) -> Self::Instance {
        let mut store = fayasm::Store::new(&self.0, ());
        if self.0.config().get_consume_fuel() {
            // Enough for every iteration criterion runs: the cost measured is the metering.
            store.set_fuel(u64::MAX).expect("fayasm: set fuel");
        }
        let instance = fayasm::Linker::new(module.engine())
            .instantiate(&mut store, module)
            .expect("fayasm: instantiate");
        let run = instance
            .get_func(&store, "run")
            .expect("fayasm: run export");
        (store, run)
    }
    fn run((store, run): &mut Self::Instance, arg: i32) -> i32 {
        let mut out = [fayasm::Val::I32(0)];
        run.call(store, &[fayasm::Val::I32(arg)], &mut out)
            .expect("fayasm: run");
        match out[0] {
            fayasm::Val::I32(x) => x,
            other => panic!("fayasm: run returned {other:?}"),
        }
    }
}

struct Wasmi(wasmi::Engine);

impl Runner for Wasmi {
    const NAME: &'static str = "wasmi";
    const SIMD: bool = false;
    type Module = wasmi::Module;
    type Instance = (wasmi::Store<()>, wasmi::TypedFunc<i32, i32>);

    fn compile(&self, bytes: &[u8]) -> wasmi::Module {
        wasmi::Module::new(&self.0, bytes).expect("wasmi: module")
    }
    fn instantiate(&self, module: &wasmi::Module, _: &[u8]) -> Self::Instance {
        let mut store = wasmi::Store::new(&self.0, ());
        let instance = wasmi::Linker::<()>::new(&self.0)
            .instantiate_and_start(&mut store, module)
            .expect("wasmi: instantiate");
        let run = instance
            .get_typed_func::<i32, i32>(&store, "run")
            .expect("wasmi: run export");
        (store, run)
    }
    fn run((store, run): &mut Self::Instance, arg: i32) -> i32 {
        run.call(store, arg).expect("wasmi: run")
    }
}

struct Wasmtime(wasmtime::Engine);

impl Runner for Wasmtime {
    const NAME: &'static str = "wasmtime";
    const SIMD: bool = true;
    type Module = wasmtime::Module;
    type Instance = (wasmtime::Store<()>, wasmtime::TypedFunc<i32, i32>);

    fn compile(&self, bytes: &[u8]) -> wasmtime::Module {
        wasmtime::Module::new(&self.0, bytes).expect("wasmtime: module")
    }
    fn instantiate(&self, module: &wasmtime::Module, _: &[u8]) -> Self::Instance {
        let mut store = wasmtime::Store::new(&self.0, ());
        let instance =
            wasmtime::Instance::new(&mut store, module, &[]).expect("wasmtime: instantiate");
        let run = instance
            .get_typed_func::<i32, i32>(&mut store, "run")
            .expect("wasmtime: run export");
        (store, run)
    }
    fn run((store, run): &mut Self::Instance, arg: i32) -> i32 {
        run.call(store, arg).expect("wasmtime: run")
    }
}

/// wasm3 keeps no compiled module apart from a runtime, so `compile` is a no-op and
/// `instantiate` does everything (runtime with a 64 Ki-slot stack, parse, load, find `run`).
/// The runtime is boxed so the function handle's borrow of it stays valid when the pair moves.
struct Wasm3(wasm3::Environment);

struct Wasm3Instance {
    // Field order matters: `run` borrows `runtime` and must drop first.
    run: wasm3::Function<'static, i32, i32>,
    _runtime: Box<wasm3::Runtime>,
}

impl Runner for Wasm3 {
    const NAME: &'static str = "wasm3";
    const SIMD: bool = false;
    type Module = ();
    type Instance = Wasm3Instance;

    fn compile(&self, _: &[u8]) {}
    fn instantiate(&self, _: &(), bytes: &[u8]) -> Wasm3Instance {
        let env = &self.0;
        let runtime = Box::new(env.create_runtime(1 << 16).expect("wasm3: runtime"));
        // SAFETY: the runtime lives on the heap for as long as `Wasm3Instance`, which drops the
        // function (the only borrower) before it.
        let rt: &'static wasm3::Runtime = unsafe { &*(&*runtime as *const wasm3::Runtime) };
        let module = env.parse_module(bytes.to_vec()).expect("wasm3: parse");
        rt.load_module(module).expect("wasm3: load");
        let run = rt
            .find_function::<i32, i32>("run")
            .expect("wasm3: run export");
        Wasm3Instance {
            run,
            _runtime: runtime,
        }
    }
    fn run(instance: &mut Wasm3Instance, arg: i32) -> i32 {
        instance.run.call(arg).expect("wasm3: run")
    }
}

fn wanted(engine: &str) -> bool {
    match std::env::var("FAYASM_BENCH_ENGINES") {
        Ok(list) if !list.is_empty() => list.split(',').any(|e| e.trim() == engine),
        _ => true,
    }
}

/// Runs the three groups for one engine (`label` names it in the results). `twins` are
/// variants of the same engine measured in the execute group only, each right after the
/// engine on every program, so that a slow drift of the machine's load moves both alike.
fn bench_engine<R: Runner>(
    c: &mut Criterion,
    label: &str,
    runner: &R,
    programs: &[Program],
    twins: &[(&str, &R)],
) {
    let main = wanted(label);
    let twins: Vec<(&str, &R)> = twins.iter().copied().filter(|(l, _)| wanted(l)).collect();
    if !main && twins.is_empty() {
        return;
    }
    let usable: Vec<&Program> = programs
        .iter()
        .filter(|p| {
            let ok = R::SIMD || !p.simd;
            if !ok {
                eprintln!("{label}: skipping {} (SIMD)", p.name);
            }
            ok
        })
        .collect();

    // Check each program's result once before timing anything.
    let all: Vec<(&str, &R)> = main
        .then_some((label, runner))
        .into_iter()
        .chain(twins.iter().copied())
        .collect();
    for (l, r) in &all {
        for p in &usable {
            let module = r.compile(&p.bytes);
            let mut instance = r.instantiate(&module, &p.bytes);
            let got = R::run(&mut instance, p.arg);
            assert_eq!(
                got,
                p.result,
                "{l} ({}) computes a wrong checksum for {}",
                R::NAME,
                p.name
            );
        }
    }

    if main {
        let mut group = c.benchmark_group("translate");
        for p in &usable {
            group.bench_function(BenchmarkId::new(&p.name, label), |b| {
                b.iter(|| {
                    let module = runner.compile(black_box(&p.bytes));
                    runner.instantiate(&module, &p.bytes)
                })
            });
        }
        group.finish();

        let mut group = c.benchmark_group("instantiate");
        for p in &usable {
            let module = runner.compile(&p.bytes);
            group.bench_function(BenchmarkId::new(&p.name, label), |b| {
                b.iter(|| runner.instantiate(&module, &p.bytes))
            });
        }
        group.finish();
    }

    let mut group = c.benchmark_group("execute");
    group.sampling_mode(SamplingMode::Flat);
    for p in &usable {
        for (l, r) in &all {
            let module = r.compile(&p.bytes);
            let mut instance = r.instantiate(&module, &p.bytes);
            group.bench_function(BenchmarkId::new(&p.name, *l), |b| {
                b.iter(|| R::run(&mut instance, black_box(p.arg)))
            });
        }
    }
    group.finish();
}

fn main() {
    let programs = programs();
    let mut c = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .sample_size(20)
        .configure_from_args();

    let fayasm = Fayasm(fayasm::Engine::new(fayasm::Config::default().prescan(true)));
    // The same engine with fuel metering on (issue 17), measured right after plain fayasm on
    // each program: its execute times over fayasm's are the cost of fuel.
    let fuel = Fayasm(fayasm::Engine::new(
        fayasm::Config::default().prescan(true).consume_fuel(true),
    ));
    bench_engine(
        &mut c,
        "fayasm",
        &fayasm,
        &programs,
        &[("fayasm-fuel", &fuel)],
    );

    let mut config = wasmi::Config::default();
    config.compilation_mode(wasmi::CompilationMode::Eager);
    let wasmi = Wasmi(wasmi::Engine::new(&config));
    bench_engine(&mut c, "wasmi", &wasmi, &programs, &[]);

    bench_engine(
        &mut c,
        "wasm3",
        &Wasm3(wasm3::Environment::new().expect("wasm3: environment")),
        &programs,
        &[],
    );

    let cranelift = Wasmtime(wasmtime::Engine::default());
    bench_engine(&mut c, "wasmtime", &cranelift, &programs, &[]);

    if wanted("pulley") {
        let mut config = wasmtime::Config::new();
        match config
            .target("pulley64")
            .and_then(|c| wasmtime::Engine::new(c))
        {
            Ok(engine) => bench_engine(&mut c, "pulley", &Wasmtime(engine), &programs, &[]),
            Err(e) => eprintln!("pulley: not available ({e})"),
        }
    }

    c.final_summary();
}
