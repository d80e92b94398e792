//! Where the heap of a CoreMark-class app goes under the firmware's small configuration
//! (issue 19, item 5): the settings of `esp32/src/app.rs`'s `CMARK.WASM` (a 64 KiB RAM
//! profile: 8 KiB code budget, 4 resident 4 KiB pages of a paged memory, a 256-cell value
//! stack, 64 frames), measured on the host with the test binary's counting allocator (`support::alloc`, this
//! thread's allocations), phase by phase: what
//! each step keeps (live) and the most it held at once (peak). Host pointers are 8 bytes
//! against the chip's 4, so the host figures are an upper bound of the chip's. Run with
//! `--nocapture` for the table. Measured (host, 2026-12-01): 8.1 KB live after
//! instantiation, 24.2 KB while running (5.5 KB of microcode, 3 frames of 4 KiB, stacks),
//! and a peak of 58.4 KB while translating coremark's largest function alone (4.7 KB of
//! microcode): the translator's working memory is the peak, ~50 KB for that function. The
//! test fails if the whole run's peak reaches 80 KiB (the firmware's limit is 64 KiB with
//! 4-byte pointers; its QEMU run measured 56,412 B).

use fayasm::offload::FileStorage;
use fayasm::{Config, Engine, Linker, Module, Paging, Store, TargetProfile, Val};

use crate::support::alloc;

static COREMARK: &[u8] = include_bytes!("../../../wasm_samples/wasm/bench_coremark.wasm");

/// One phase: (name, bytes live after it, most bytes live during it), counted on this thread
/// from [`Phases::start`].
struct Phases {
    rows: Vec<(&'static str, isize, isize)>,
}

impl Phases {
    fn start() -> Phases {
        alloc::start();
        Phases { rows: Vec::new() }
    }

    fn mark(&mut self, name: &'static str) {
        let peak = alloc::take_peak();
        self.rows.push((name, alloc::live(), peak));
    }
}

#[test]
fn coremark_class_app_heap_by_phase() {
    let dir = std::env::temp_dir().join(format!("fayasm-small-heap-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    // The storage (a card on the chip) and its directory are not part of the engine's heap.
    let storage = FileStorage::open(&dir).unwrap();

    let mut p = Phases::start();
    let engine = Engine::new(
        Config::default()
            .profile(TargetProfile::Custom {
                ram_bytes: 64 * 1024,
            })
            .max_table_elements(1024)
            .memory_paging(Some(Paging {
                page_size: 4096,
                resident_pages: 4,
            }))
            .max_memory_pages(256)
            .max_call_depth(64)
            .max_value_stack(256),
    );
    p.mark("engine");
    let module = Module::from_static(&engine, COREMARK).unwrap();
    p.mark("module (from_static: validate, decode)");
    let mut store = Store::new(&engine, ());
    store.set_storage(storage);
    p.mark("store");
    let inst = Linker::new(&engine)
        .instantiate(&mut store, &module)
        .unwrap();
    p.mark("instantiate");
    let run = inst.get_func(&store, "run").unwrap();
    // Translation first, on its own: the functions `run` calls, one at a time, each dropped
    // again, so the phase shows the translator's working memory for the largest.
    let mut largest = 0;
    for i in 0..module.num_funcs() as u32 {
        let f = inst.func_by_index(&store, i).unwrap();
        if let Some(code) = f.translate(&mut store).unwrap() {
            largest = largest.max(code.code.len() * 2 + code.pool.len() * 16);
        }
        let _ = f.evict_code(&mut store);
    }
    p.mark("translate each function alone");
    let mut out = [Val::I32(0)];
    run.call(&mut store, &[Val::I32(3)], &mut out).unwrap();
    assert_eq!(out[0], Val::I32(-806_354_941));
    p.mark("run(3): translation, frames, pages");
    run.call(&mut store, &[Val::I32(60)], &mut out).unwrap();
    assert_eq!(out[0], Val::I32(2_015_100_988));
    p.mark("run(60)");
    alloc::stop();
    let stats = store.code_cache_stats();
    let residency = inst
        .get_memory(&store, "memory")
        .map(|m| m.residency(&store));

    println!("| phase | live after (B) | peak during (B) |");
    println!("|---|---:|---:|");
    for (name, live, peak) in &p.rows {
        println!("| {name} | {live} | {peak} |");
    }
    println!(
        "microcode held {} B (peak {} B; largest function {largest} B), memory {residency:?}",
        stats.used, stats.peak
    );
    let peak = p.rows.iter().map(|r| r.2).max().unwrap();
    println!("peak over the whole run: {peak} B");
    drop(store);
    std::fs::remove_dir_all(dir).unwrap();
    assert!(peak < 80 * 1024, "peak heap {peak} B");
}
