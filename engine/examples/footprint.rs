//! Memory footprint of the benchmark programs on fayasm: microcode bytes per byte of wasm code,
//! and the peak heap while instantiating (with prescan) and running each program once.
//!
//! Prints one JSON object per program: `cargo run --release -p fayasm --example footprint`.
//! `cargo xtask bench` runs it and adds the table to its summary.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use fayasm::{Config, Engine, Linker, Module, Store, Val};

/// The system allocator, counting live bytes and their peak.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards every call unchanged to `System`, which upholds `GlobalAlloc`'s contract;
// the counters are only statistics.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: same contract as ours, passed through.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let live = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(live, Ordering::Relaxed);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as ours, passed through.
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
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
        let mut microcode = 0usize;
        for i in 0..module.num_funcs() as u32 {
            if let Some(code) = inst
                .func_by_index(&store, i)
                .unwrap()
                .translate(&mut store)
                .unwrap()
            {
                microcode += code.byte_size();
            }
        }
        let run = inst.get_func(&store, "run").unwrap();
        let mut out = [Val::I32(0)];
        run.call(&mut store, &[Val::I32(b.arg)], &mut out).unwrap();
        let peak = PEAK.load(Ordering::Relaxed) - before;
        println!(
            "{{\"program\": \"{}\", \"wasm_code_bytes\": {code_bytes}, \"microcode_bytes\": {microcode}, \
             \"microcode_per_wasm_byte\": {:.2}, \"peak_heap_bytes\": {peak}}}",
            b.name,
            microcode as f64 / code_bytes as f64
        );
    }
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
