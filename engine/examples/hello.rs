// A host function given to a module, written the way wasmtime's examples are: only the
// crate name differs from a wasmtime program. Run it from `engine/` with
// `cargo run --example hello --features wat`; `cargo test` runs it too
// (`tests/all/wasmtime_style.rs`).

use fayasm::*;

struct Visitor {
    name: String,
    greetings: u32,
}

fn main() -> Result<()> {
    // An engine compiles modules; this one has the default configuration.
    let engine = Engine::default();
    let module = Module::from_file(&engine, "examples/hello.wat")?;

    // The store owns everything a module instance needs, plus our own state.
    let mut store = Store::new(
        &engine,
        Visitor {
            name: String::from("world"),
            greetings: 0,
        },
    );

    // The import, as a Rust closure: its wasm type comes from the closure's signature.
    let greet = Func::wrap(&mut store, |mut caller: Caller<'_, Visitor>, times: i32| {
        println!("hello, {} (x{times})", caller.data().name);
        caller.data_mut().greetings += 1;
        times * 2
    });

    // Imports are given in the order the module declares them.
    let instance = Instance::new(&mut store, &module, &[greet.into()])?;
    let run = instance.get_typed_func::<i32, i32>(&mut store, "run")?;
    let doubled = run.call(&mut store, 21)?;

    assert_eq!(doubled, 42);
    assert_eq!(store.data().greetings, 1);
    println!("hello: done");
    Ok(())
}
