//! A host program in the style of wasmtime's examples, using the typed API: a host import that
//! reads guest memory through its `Caller`, a host function that traps, memory and code moved
//! out of RAM and back, a paged memory, a checkpoint restored into a fresh instance, and the
//! typed errors of the usual mistakes. Every step checks its result.
//!
//! Run: `cargo run -p fayasm --example embed`. `cargo test -p fayasm` runs it too (the
//! example is built as a test, see `engine/Cargo.toml`), so it cannot drift from the API.

use fayasm::offload::MemStorage;
use fayasm::{
    Caller, CodeStatus, Config, Engine, Error, Instance, Linker, Module, Paging, Store, Trap,
};

type Result<T, E = Box<dyn std::error::Error>> = std::result::Result<T, E>;

const GUEST: &str = r#"(module
  (import "host" "log" (func $log (param i32 i32)))
  (import "host" "check" (func $check (param i32) (result i32)))
  (memory (export "memory") 2)
  (data (i32.const 16) "hello from wasm")
  (global $calls (export "calls") (mut i32) (i32.const 0))
  (func (export "greet")
    (global.set $calls (i32.add (global.get $calls) (i32.const 1)))
    (call $log (i32.const 16) (i32.const 15)))
  (func (export "checked") (param i32) (result i32) (call $check (local.get 0)))
  (func $fib (export "fib") (param i32) (result i32)
    (if (result i32) (i32.lt_u (local.get 0) (i32.const 2))
      (then (local.get 0))
      (else (i32.add (call $fib (i32.sub (local.get 0) (i32.const 1)))
                     (call $fib (i32.sub (local.get 0) (i32.const 2)))))))
  ;; Writes `n` bytes of `value` from address 0 and returns their sum.
  (func (export "fill") (param $n i32) (param $value i32) (result i32)
    (local $i i32) (local $sum i32)
    (memory.fill (i32.const 0) (local.get $value) (local.get $n))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
      (local.set $sum (i32.add (local.get $sum) (i32.load8_u (local.get $i))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $next)))
    (local.get $sum)))"#;

/// What the host keeps in its store.
#[derive(Default)]
struct Host {
    lines: Vec<String>,
}

fn linker(engine: &Engine) -> Result<Linker<Host>> {
    let mut linker = Linker::new(engine);
    // A host import reading guest memory, the wasmtime way.
    linker.func_wrap(
        "host",
        "log",
        |mut caller: Caller<'_, Host>, ptr: i32, len: i32| -> Result<(), Trap> {
            let memory = caller
                .get_export("memory")
                .and_then(|e| e.into_memory())
                .ok_or_else(|| Trap::host("no memory export"))?;
            let mut bytes = vec![0; len as usize];
            memory
                .read(&mut caller, ptr as u64, &mut bytes)
                .map_err(|e| Trap::host(e.to_string()))?;
            let line = String::from_utf8(bytes).map_err(|_| Trap::host("not UTF-8"))?;
            caller.data_mut().lines.push(line);
            Ok(())
        },
    )?;
    // A host function that traps on bad input.
    linker.func_wrap("host", "check", |x: i32| -> Result<i32, Trap> {
        if x < 0 {
            Err(Trap::host(format!("negative input {x}")))
        } else {
            Ok(x * 2)
        }
    })?;
    Ok(linker)
}

fn instantiate(engine: &Engine, module: &Module) -> Result<(Store<Host>, Instance)> {
    let mut store = Store::new(engine, Host::default());
    store.set_storage(MemStorage::new());
    let instance = linker(store.engine())?.instantiate(&mut store, module)?;
    Ok((store, instance))
}

/// Imports, host traps and typed calls.
fn calls(engine: &Engine, module: &Module) -> Result<()> {
    let (mut store, instance) = instantiate(engine, module)?;
    let greet = instance.get_typed_func::<(), ()>(&store, "greet")?;
    greet.call(&mut store, ())?;
    assert_eq!(store.data().lines, ["hello from wasm"]);

    let checked = instance.get_typed_func::<i32, i32>(&store, "checked")?;
    assert_eq!(checked.call(&mut store, 21)?, 42);
    match checked.call(&mut store, -1) {
        Err(Error::Trap(trap)) => assert!(trap.to_string().contains("negative input -1")),
        other => panic!("expected a host trap, got {other:?}"),
    }
    // The store is still usable after a trap.
    assert_eq!(checked.call(&mut store, 1)?, 2);
    Ok(())
}

/// A memory and a function's microcode moved out of RAM to the store's storage; the next
/// access or call brings them back, verified.
fn spill_and_reload(engine: &Engine, module: &Module) -> Result<()> {
    let (mut store, instance) = instantiate(engine, module)?;
    let fill = instance.get_typed_func::<(i32, i32), i32>(&store, "fill")?;
    let fib = instance.get_typed_func::<i32, i32>(&store, "fib")?;
    assert_eq!(fill.call(&mut store, (100, 3))?, 300);
    assert_eq!(fib.call(&mut store, 20)?, 6765);

    let memory = instance.get_memory(&store, "memory").ok_or("no memory")?;
    let written = memory.spill(&mut store)?;
    assert!(written > 0);
    fib.func().spill_code(&mut store)?;
    assert_eq!(fib.func().code_status(&store), CodeStatus::Spilled);

    // `read` reloads the memory; the call reloads the code.
    let mut head = [0u8; 4];
    memory.read(&mut store, 0, &mut head)?;
    assert_eq!(head, [3; 4]);
    assert_eq!(fib.call(&mut store, 20)?, 6765);
    assert_eq!(store.code_cache_stats().reloads, 1);
    Ok(())
}

/// Every memory paged through a few resident 4 KiB frames: the guest touches far more than
/// fits, the results are the same.
fn paged(module_bytes: &[u8]) -> Result<()> {
    let engine = Engine::new(Config::default().memory_paging(Some(Paging {
        page_size: 4096,
        resident_pages: 4,
    })));
    let module = Module::new(&engine, module_bytes)?;
    let (mut store, instance) = instantiate(&engine, &module)?;
    let fill = instance.get_typed_func::<(i32, i32), i32>(&store, "fill")?;
    assert_eq!(fill.call(&mut store, (100_000, 1))?, 100_000);
    let memory = instance.get_memory(&store, "memory").ok_or("no memory")?;
    // A paged memory has no contiguous bytes in RAM: `try_data` says so, `read` pages in.
    assert!(memory.try_data(&store).is_err());
    let mut tail = [0u8; 2];
    memory.read(&mut store, 99_999, &mut tail)?;
    assert_eq!(tail, [1, 0]);
    Ok(())
}

/// A checkpoint of an instance (memories, globals, tables) restored into a fresh one.
fn checkpoint_restore(engine: &Engine, module: &Module) -> Result<()> {
    let mut disk = MemStorage::new();
    {
        let (mut store, instance) = instantiate(engine, module)?;
        instance
            .get_typed_func::<(i32, i32), i32>(&store, "fill")?
            .call(&mut store, (10, 9))?;
        let greet = instance.get_typed_func::<(), ()>(&store, "greet")?;
        greet.call(&mut store, ())?;
        greet.call(&mut store, ())?;
        instance.checkpoint(&mut store, &mut disk)?;
    }
    // "Reboot": a new store and instance, then restore.
    let (mut store, instance) = instantiate(engine, module)?;
    instance.restore(&mut store, &mut disk)?;
    let calls = instance.get_global(&store, "calls").ok_or("no global")?;
    assert_eq!(calls.get(&store), fayasm::Val::I32(2));
    let mut bytes = [0u8; 11];
    let memory = instance.get_memory(&store, "memory").ok_or("no memory")?;
    memory.read(&mut store, 0, &mut bytes)?;
    assert_eq!(bytes, [9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 0]);
    Ok(())
}

/// The usual mistakes are typed errors, and they compose with `?`.
fn error_paths(engine: &Engine, module: &Module) -> Result<()> {
    let (mut store, instance) = instantiate(engine, module)?;
    let wrong = instance.get_typed_func::<(i64, i32), i32>(&store, "fill");
    assert!(matches!(wrong, Err(Error::TypeMismatch(_))));
    let missing = instance
        .get_typed_func::<(), ()>(&store, "nope")
        .unwrap_err();
    assert_eq!(missing.to_string(), "no exported function `nope`");
    let not_a_function = instance
        .get_typed_func::<(), ()>(&store, "memory")
        .unwrap_err();
    assert_eq!(
        not_a_function.to_string(),
        "export `memory` is a memory, not a function"
    );

    // A handle of another store is refused, never another store's function.
    let (mut other, other_instance) = instantiate(engine, module)?;
    let foreign = other_instance.get_typed_func::<i32, i32>(&other, "fib")?;
    assert_eq!(foreign.call(&mut store, 5), Err(Error::WrongStore));
    assert_eq!(foreign.call(&mut other, 5)?, 5);

    // A missing import is a link error naming it.
    let mut store = Store::new(engine, Host::default());
    let err = Linker::new(engine)
        .instantiate(&mut store, module)
        .unwrap_err();
    assert!(err.to_string().contains("host"), "{err}");
    // Bad bytes are a module error.
    assert!(matches!(
        Module::new(engine, b"not wasm"),
        Err(Error::Module(_))
    ));
    Ok(())
}

fn run() -> Result<()> {
    let bytes = wat::parse_str(GUEST)?;
    let engine = Engine::default();
    let module = Module::new(&engine, &bytes)?;
    calls(&engine, &module)?;
    spill_and_reload(&engine, &module)?;
    paged(&bytes)?;
    checkpoint_restore(&engine, &module)?;
    error_paths(&engine, &module)?;
    Ok(())
}

fn main() -> Result<()> {
    run()?;
    println!("embed: all steps passed");
    Ok(())
}

#[test]
fn embed_example_runs() {
    run().unwrap();
}
