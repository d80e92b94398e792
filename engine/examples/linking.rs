// Two modules linked by name through a `Linker`, with a host function in between, written
// the way wasmtime's examples are: only the crate name differs from a wasmtime program.
// Run it from `engine/` with `cargo run --example linking --features wat`.

use fayasm::*;

fn main() -> Result<()> {
    let engine = Engine::default();
    let mut linker: Linker<Vec<String>> = Linker::new(&engine);

    // The host side of the library's `print`: it reads the string from the caller's memory.
    linker.func_wrap(
        "host",
        "print",
        |mut caller: Caller<'_, Vec<String>>, ptr: i32, len: i32| {
            let memory = caller
                .get_export("memory")
                .and_then(Extern::into_memory)
                .expect("the library exports its memory");
            let bytes = &memory.data(&caller)[ptr as usize..][..len as usize];
            let line = String::from_utf8_lossy(bytes).into_owned();
            println!("guest says: {line}");
            caller.data_mut().push(line);
        },
    )?;

    let lib = Module::from_file(&engine, "examples/linking_lib.wat")?;
    let app = Module::from_file(&engine, "examples/linking_app.wat")?;
    let mut store = Store::new(&engine, Vec::new());

    // Instantiate the library and make its exports importable as module "lib".
    let lib = linker.instantiate(&mut store, &lib)?;
    linker.instance(&mut store, "lib", lib)?;

    // The application's data segment writes into the library's memory.
    let app = linker.instantiate(&mut store, &app)?;
    let run = app.get_typed_func::<i32, i32>(&mut store, "run")?;
    assert_eq!(run.call(&mut store, 14)?, 42);
    assert_eq!(store.data().as_slice(), ["linked!"]);

    // A second definition of a name is an error unless shadowing is allowed.
    assert!(linker
        .func_wrap("host", "print", |_: i32, _: i32| {})
        .is_err());
    linker.allow_shadowing(true);
    linker.func_wrap("host", "print", |_: i32, _: i32| {})?;

    println!("linking: done");
    Ok(())
}
