// Reading, writing and growing a module's memory from the host, written the way wasmtime's
// examples are: only the crate name differs from a wasmtime program. Run it from `engine/`
// with `cargo run --example memory --features wat`.

use fayasm::*;

fn main() -> Result<()> {
    let mut store: Store<()> = Store::default();
    let module = Module::from_file(store.engine(), "examples/memory.wat")?;
    let instance = Instance::new(&mut store, &module, &[])?;

    let memory = instance
        .get_memory(&mut store, "memory")
        .expect("the module exports its memory");
    let size = instance.get_typed_func::<(), i32>(&mut store, "size")?;
    let load = instance.get_typed_func::<i32, i32>(&mut store, "load")?;
    let store8 = instance.get_typed_func::<(i32, i32), ()>(&mut store, "store")?;

    // What the data segment put there, seen from both sides.
    assert_eq!(memory.size(&store), 2);
    assert_eq!(memory.data_size(&store), 2 * 65536);
    assert_eq!(memory.data(&store)[0x1000..0x1004], [10, 11, 12, 13]);
    assert_eq!(size.call(&mut store, ())?, 2);
    assert_eq!(load.call(&mut store, 0x1001)?, 11);
    assert_eq!(load.call(&mut store, 0x1ffff)?, 0);
    // Out of bounds: a trap, reported as an error.
    assert!(load.call(&mut store, 0x20000).is_err());

    // The host writes, the guest reads; the guest writes, the host reads.
    memory.data_mut(&mut store)[0x2000] = 99;
    assert_eq!(load.call(&mut store, 0x2000)?, 99);
    store8.call(&mut store, (0x2001, 7))?;
    assert_eq!(memory.data(&store)[0x2001], 7);
    assert!(store8.call(&mut store, (0x20000, 1)).is_err());

    // Growing: by one page up to the maximum, then no further.
    assert_eq!(memory.grow(&mut store, 1)?, 2);
    assert_eq!(memory.size(&store), 3);
    assert_eq!(memory.data_size(&store), 3 * 65536);
    store8.call(&mut store, (0x20000, 5))?;
    assert_eq!(load.call(&mut store, 0x20000)?, 5);
    assert!(memory.grow(&mut store, 1).is_err());
    assert!(memory.grow(&mut store, 0).is_ok());

    // A memory made by the host.
    let own = Memory::new(&mut store, MemoryType::new(1, Some(2)))?;
    assert_eq!(own.size(&store), 1);
    own.write(&mut store, 10, b"abc")?;
    let mut back = [0u8; 3];
    own.read(&mut store, 10, &mut back)?;
    assert_eq!(&back, b"abc");
    assert!(own.grow(&mut store, 2).is_err());

    println!("memory: done");
    Ok(())
}
