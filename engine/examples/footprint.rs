//! Memory footprint of the benchmark programs on fayasm: microcode bytes per byte of wasm code,
//! and the peak heap while instantiating (with prescan) and running each program once.
//!
//! Microcode bytes are measured, not computed from the code's length: the heap that
//! translating every function leaves allocated in the store (each function's resident block:
//! its 28-byte head, the code words and the constant pool; anything the code cache keeps per
//! function; none for a *forwarder*, a function that only passes its parameters on to one of
//! the same type, which runs its callee's block), each block counted as the host allocator
//! takes it: glibc's
//! malloc on 64-bit hosts puts an 8-byte header before every block and rounds the block up to
//! 16 bytes, 32 at least ([`heap_block`]). `microcode_requested_bytes` is the same heap at
//! the sizes asked for (what an allocator without headers, such as the firmware's first-fit
//! heap, would take, up to its rounding to a word), `microcode_code_bytes` the code and pool
//! alone.
//!
//! Prints one JSON object per program: `cargo run --release -p fayasm --example footprint`.
//! `cargo xtask bench` runs it and adds the table to its summary (`microcode_bytes`).

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use fayasm::{Config, Engine, Linker, Module, Store, Val};

/// The system allocator, counting live bytes and their peak.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);
/// Live bytes as the host allocator takes them ([`heap_block`] per block).
static BLOCKS: AtomicUsize = AtomicUsize::new(0);

/// The bytes glibc's malloc (64-bit) takes for a block of `size`: an 8-byte header, rounded up
/// to 16 bytes, 32 at least (blocks below its mmap threshold, which microcode blocks are).
fn heap_block(size: usize) -> usize {
    ((size + 8 + 15) & !15).max(32)
}

// SAFETY: forwards every call unchanged to `System`, which upholds `GlobalAlloc`'s contract;
// the counters are only statistics.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: same contract as ours, passed through.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let live = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(live, Ordering::Relaxed);
            BLOCKS.fetch_add(heap_block(layout.size()), Ordering::Relaxed);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as ours, passed through.
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        BLOCKS.fetch_sub(heap_block(layout.size()), Ordering::Relaxed);
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

fn main() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../wasm_samples");
    let expected: serde_like::Json =
        serde_like::parse(&std::fs::read_to_string(format!("{root}/expected.json")).unwrap());
    for b in expected.benchmarks {
        let bytes = std::fs::read(format!("{root}/wasm/{}", b.wasm)).unwrap();
        let code_bytes = code_section_len(&bytes);
        let before = LIVE.load(Ordering::Relaxed);
        PEAK.store(before, Ordering::Relaxed);
        let engine = Engine::new(Config::default().prescan(true));
        let module = Module::new(&engine, &bytes).unwrap();
        let mut store = Store::new(&engine, ());
        let inst = Linker::new(&engine)
            .instantiate(&mut store, &module)
            .unwrap();
        let run = inst.get_func(&store, "run").unwrap();
        let mut out = [Val::I32(0)];
        run.call(&mut store, &[Val::I32(b.arg)], &mut out).unwrap();
        let peak = PEAK.load(Ordering::Relaxed) - before;
        drop((run, inst, store, module, engine));
        let (blocks, requested, code) = microcode_heap(&bytes);
        println!(
            "{{\"program\": \"{}\", \"wasm_code_bytes\": {code_bytes}, \"microcode_bytes\": {blocks}, \
             \"microcode_per_wasm_byte\": {:.2}, \"microcode_requested_bytes\": {requested}, \
             \"microcode_code_bytes\": {code}, \"peak_heap_bytes\": {peak}}}",
            b.name,
            blocks as f64 / code_bytes as f64
        );
    }
}

/// The heap that translating every function of `bytes` leaves allocated in a store: as the
/// host allocator takes it ([`heap_block`]), as requested, and the code and pool alone.
fn microcode_heap(bytes: &[u8]) -> (usize, usize, usize) {
    let engine = Engine::new(Config::default());
    let module = Module::new(&engine, bytes).unwrap();
    let mut store = Store::new(&engine, ());
    let inst = Linker::new(&engine)
        .instantiate(&mut store, &module)
        .unwrap();
    let funcs: Vec<_> = (0..module.num_funcs() as u32)
        .map(|i| inst.func_by_index(&store, i).unwrap())
        .collect();
    let (blocks, live) = (BLOCKS.load(Ordering::Relaxed), LIVE.load(Ordering::Relaxed));
    let mut code = 0;
    for f in &funcs {
        if let Some(c) = f.translate(&mut store).unwrap() {
            // An aliased forwarder (no storage key) runs its callee's code, counted there.
            if f.code_key(&store).is_some() {
                code += c.code.len() * 2 + c.pool.len() * 16;
            }
        }
    }
    (
        BLOCKS.load(Ordering::Relaxed) - blocks,
        LIVE.load(Ordering::Relaxed) - live,
        code,
    )
}

/// Size of the code section's contents (function bodies), the wasm the microcode stands for.
fn code_section_len(bytes: &[u8]) -> usize {
    wasmparser::Parser::new(0)
        .parse_all(bytes)
        .filter_map(|p| match p {
            Ok(wasmparser::Payload::CodeSectionStart {
                unchecked_range: r, ..
            }) => Some((r.end - r.start) as usize),
            _ => None,
        })
        .sum::<usize>()
}

/// Just enough of `expected.json` for this example (the engine has no JSON dependency).
mod serde_like {
    pub struct Bench {
        pub name: String,
        pub wasm: String,
        pub arg: i32,
    }
    pub struct Json {
        pub benchmarks: Vec<Bench>,
    }

    fn field<'a>(line: &'a str, key: &str) -> Option<&'a str> {
        let at = line.find(&format!("\"{key}\": "))? + key.len() + 4;
        let rest = &line[at..];
        if let Some(s) = rest.strip_prefix('"') {
            s.split('"').next()
        } else {
            rest.split([',', '}']).next()
        }
    }

    pub fn parse(text: &str) -> Json {
        let section = &text[text.find("\"benchmarks\"").expect("benchmarks")..];
        let benchmarks = section
            .lines()
            .filter(|l| l.contains("\"bench\":"))
            .map(|l| {
                let bench = &l[l.find("\"bench\":").unwrap()..];
                Bench {
                    name: field(l, "name").unwrap().to_string(),
                    wasm: field(l, "wasm").unwrap().to_string(),
                    arg: field(bench, "arg").unwrap().trim().parse().unwrap(),
                }
            })
            .collect();
        Json { benchmarks }
    }
}
