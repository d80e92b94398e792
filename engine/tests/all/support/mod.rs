//! Code shared by the test modules: paths of the committed samples, scratch directories,
//! instantiation with stubbed imports, prescanned against on-demand code, checkpoints of a
//! suspended call, the sieve program, and the counting allocator.

pub mod alloc;

use std::path::PathBuf;

use fayasm::{Func, Instance, Linker, Module, Store, Trap, Val};

/// The workspace's `wasm_samples/` directory (sources, and the built modules in `wasm/`).
pub fn samples_dir() -> PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../wasm_samples")
}

/// A fresh, empty scratch directory `fayasm-<pid>-<name>` under the system's temp dir. Every
/// test module runs in this one process, so `name` must be unique across the binary (prefix
/// it with the module's name).
pub fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("fayasm-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A fresh store and instance of `module`, each function import a host function that
/// suspends the call (`Trap::host_yield`); other imports are left undefined. The benchmark
/// samples import nothing they call on the paths the checkpoint tests run.
pub fn boot(engine: &fayasm::Engine, module: &Module) -> (Store<()>, Instance) {
    let mut store = Store::new(engine, ());
    let mut linker = Linker::new(engine);
    for import in module.imports() {
        if let fayasm::ExternType::Func(ty) = import.ty {
            let f = Func::new(&mut store, ty, |_, _, _| Err(Trap::host_yield()));
            linker
                .define(&store, &import.module, &import.name, f)
                .unwrap();
        }
    }
    let inst = linker.instantiate(&mut store, module).unwrap();
    (store, inst)
}

/// An instance of `module` with every function import a host function that returns nothing;
/// `None` if it imports anything other than functions or does not instantiate.
pub fn instantiate_with_stubs(store: &mut Store<()>, module: &Module) -> Option<Instance> {
    let mut linker = Linker::new(module.engine());
    for import in module.imports() {
        match import.ty {
            fayasm::ExternType::Func(ty) => {
                let f = Func::new(&mut *store, ty, |_, _, _| Ok(()));
                linker
                    .define(&*store, &import.module, &import.name, f)
                    .unwrap();
            }
            _ => return None,
        }
    }
    linker.instantiate(store, module).ok()
}

/// Every sample module (`wasm_samples/wasm/*.wasm`) loaded by `load` on `engine` (which has
/// prescan on) and instantiated by [`instantiate_with_stubs`] (a sample that does not
/// instantiate so is passed over): each function's code as prescan installed it must be the
/// code translated on demand, and over 1,000 functions must have been compared.
pub fn assert_prescanned_code_is_on_demand_code(
    engine: &fayasm::Engine,
    load: impl Fn(&fayasm::Engine, &std::path::Path) -> Module,
) {
    let dir = samples_dir().join("wasm");
    let mut compared = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "wasm") {
            continue;
        }
        let module = load(engine, &path);
        let mut store = Store::new(engine, ());
        let Some(inst) = instantiate_with_stubs(&mut store, &module) else {
            continue;
        };
        for i in 0..module.num_funcs() as u32 {
            let f = inst.func_by_index(&store, i).unwrap();
            let installed = f.translate(&mut store).unwrap();
            if installed.is_some() && f.code_key(&store).is_none() {
                // An aliased forwarder runs its callee's code (`forwarders.rs`).
                continue;
            }
            let on_demand = module.translate_function(i).unwrap();
            assert_eq!(
                installed.as_ref(),
                on_demand.as_ref(),
                "{} function {i}",
                path.display()
            );
            compared += installed.is_some() as usize;
        }
    }
    assert!(compared > 1000, "only {compared} functions compared");
}

/// Calls export `run` of `wat` (on `engine`, which meters fuel) with `arg` as a resumable
/// call given `slice` fuel units at a time, and at every suspension checkpoints the call and
/// its instance. Returns the call's results and each checkpoint's outcome in order: `Ok(())`
/// taken, `Err(reason)` refused as `CheckpointError::Unrepresentable` (any other error
/// panics).
pub fn checkpoint_every_suspension(
    engine: &fayasm::Engine,
    wat: &str,
    arg: i32,
    slice: u64,
) -> (Val, Vec<Result<(), &'static str>>) {
    let module = Module::new(engine, wat::parse_str(wat).unwrap()).unwrap();
    let mut store = Store::new(engine, ());
    let inst = Linker::new(engine)
        .instantiate(&mut store, &module)
        .unwrap();
    let run = inst.get_func(&store, "run").unwrap();
    store.set_fuel(slice).unwrap();
    let mut out = [Val::I32(0)];
    let mut call = run
        .call_resumable(&mut store, &[Val::I32(arg)], &mut out)
        .unwrap();
    let mut checkpoints = Vec::new();
    while let fayasm::ResumableCall::Suspended(s) = call {
        let mut storage = fayasm::offload::MemStorage::new();
        checkpoints.push(
            match s.checkpoint(
                inst,
                &mut store,
                &mut fayasm::Checkpointer::new(0),
                &mut storage,
            ) {
                Ok(_) => Ok(()),
                Err(fayasm::CheckpointError::Unrepresentable { reason, .. }) => Err(reason),
                Err(e) => panic!("{e}"),
            },
        );
        let left = store.get_fuel().unwrap();
        store.set_fuel(left + slice).unwrap();
        call = s.resume(&mut store, &[], &mut out).unwrap();
    }
    (out[0], checkpoints)
}

/// A sieve of Eratosthenes over the memory that `memory` declares (one byte per number), as
/// WebAssembly text. Exports `size`, `grow`, `load`, `store` and `sieve` (`n` -> the number of
/// primes below `n`, for `n` up to the memory's size; it marks composites with 1). With
/// `clear`, `sieve` first zeroes the bytes it uses (`memory.fill`), so it can run again;
/// without, it expects a fresh memory (and translates to the same code whatever the memory's
/// page size).
pub fn sieve_wat(memory: &str, clear: bool) -> String {
    let clear = if clear {
        "(memory.fill (i32.const 0) (i32.const 0) (local.get $n))"
    } else {
        ""
    };
    format!(
        r#"(module
  {memory}
  (func (export "size") (result i32) memory.size)
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "load") (param i32) (result i32) (i32.load8_u (local.get 0)))
  (func (export "store") (param i32 i32) (i32.store8 (local.get 0) (local.get 1)))
  ;; The number of primes below n (n <= memory.size): marks composites with 1.
  (func (export "sieve") (param $n i32) (result i32)
    (local $i i32) (local $j i32) (local $count i32)
    {clear}
    (local.set $i (i32.const 2))
    (block $done
      (loop $outer
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (if (i32.eqz (i32.load8_u (local.get $i)))
          (then
            (local.set $count (i32.add (local.get $count) (i32.const 1)))
            (local.set $j (i32.mul (local.get $i) (local.get $i)))
            (block $end
              (loop $inner
                (br_if $end (i32.ge_u (local.get $j) (local.get $n)))
                (i32.store8 (local.get $j) (i32.const 1))
                (local.set $j (i32.add (local.get $j) (local.get $i)))
                (br $inner)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $outer)))
    (local.get $count)))"#
    )
}

/// Runs a test that measures the whole process (its resident set) alone, in a child process
/// of this test binary: in the child, returns `true` and the test does its work; in the
/// harness's process, runs the child, checks it passed, prints its output and returns `false`
/// (the test then does nothing more). Call it as `if !alone!(test_fn_name) { return; }`.
pub fn run_alone(module_path: &str, name: &str) -> bool {
    const VAR: &str = "FAYASM_TEST_ALONE";
    // The harness names tests by their path below the crate (`lazy_memory::name`).
    let module = module_path.split_once("::").map_or("", |(_, m)| m);
    let test = format!("{module}::{name}");
    if std::env::var(VAR).is_ok_and(|v| v == test) {
        return true;
    }
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args([test.as_str(), "--exact", "--test-threads=1", "--nocapture"])
        .env(VAR, &test)
        .output()
        .unwrap();
    print!("{}", String::from_utf8_lossy(&out.stdout));
    eprint!("{}", String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{test} failed in its own process");
    // The child ran exactly this test (a filter that matched nothing would pass silently).
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("1 passed"),
        "{test} did not run in its own process"
    );
    false
}

/// `alone!(test_fn)`: [`run_alone`] for the test function `test_fn` of the calling module.
macro_rules! alone {
    ($name:ident) => {
        $crate::support::run_alone(module_path!(), stringify!($name))
    };
}
pub(crate) use alone;

/// The printed microcode of export `f` of a module made of `fields` (other module fields,
/// e.g. `(memory 1)`, or nothing) and a function with body `body`, verified against the
/// module, and the i32 result of `f(args)`.
pub fn microcode_and_run(fields: &str, body: &str, args: &[fayasm::Val]) -> (String, i32) {
    let wat = format!("(module {fields} (func (export \"f\") {body}))");
    let engine = fayasm::Engine::new(fayasm::Config::default());
    let module = Module::new(&engine, wat::parse_str(&wat).unwrap()).unwrap();
    let mut store = Store::new(&engine, ());
    let inst = Linker::new(&engine)
        .instantiate(&mut store, &module)
        .unwrap();
    let f = inst.get_func(&store, "f").unwrap();
    let code = f.translate(&mut store).unwrap().unwrap();
    module.verify_microcode(&code).unwrap();
    let mut out = [fayasm::Val::I32(0)];
    f.call(&mut store, args, &mut out).unwrap();
    let fayasm::Val::I32(v) = out[0] else {
        panic!("i32 result")
    };
    (code.to_string(), v)
}
