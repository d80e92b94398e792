//! What a memory of 1-byte pages saves on a small chip: the peak heap of a whole run (engine,
//! module, store, instance, a sieve over its memory) with a 1,000-byte memory of 1-byte pages
//! against the same program with the smallest memory possible before, one 64 KiB page. The
//! heap is counted by the test binary's global allocator (`support::alloc`), for the measuring
//! thread only (other tests allocate on other threads meanwhile).

use fayasm::{Config, Engine, Linker, Module, Store, TargetProfile, Val};

use crate::support::{alloc, sieve_wat};

/// The sieve of `custom_page_sizes.rs`, over a memory declared by `memory`.
fn sieve(memory: &str) -> Vec<u8> {
    wat::parse_str(sieve_wat(memory, false)).unwrap()
}

/// Peak heap bytes of a whole run of `wasm` (ESP32-C3 profile defaults) on this thread.
fn peak_of_run(wasm: &[u8]) -> isize {
    alloc::start();
    {
        let config = Config::default()
            .profile(TargetProfile::Esp32c3)
            .wasm_custom_page_sizes(true);
        let engine = Engine::new(config);
        let module = Module::new(&engine, wasm).unwrap();
        let mut store = Store::new(&engine, ());
        let inst = Linker::new(&engine)
            .instantiate(&mut store, &module)
            .unwrap();
        let f = inst.get_func(&store, "sieve").unwrap();
        let mut out = [Val::I32(0)];
        f.call(&mut store, &[Val::I32(1000)], &mut out).unwrap();
        assert_eq!(out, [Val::I32(168)]);
    }
    alloc::stop();
    alloc::take_peak()
}

#[test]
fn a_1000_byte_memory_runs_in_a_fraction_of_a_64_kib_page() {
    let wasm_small = sieve("(memory 1000 (pagesize 1))");
    let wasm_page = sieve("(memory 1)");
    let small = peak_of_run(&wasm_small);
    let page = peak_of_run(&wasm_page);
    println!("peak heap of the whole run: 1,000-byte memory {small} B, one 64 KiB page {page} B");
    // The memory itself is the difference: 64 KiB against 1,000 bytes.
    assert_eq!(page - small, 65_536 - 1000, "{page} - {small}");
    assert!(small < 16 * 1024, "{small}");
}
