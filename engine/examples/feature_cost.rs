//! What a proposal costs code that does not use it (issue 18: "microcode size and execute time
//! unchanged on the bench set"). Two modes, to be compared between builds with and without a
//! cargo feature (`gc`, `exceptions`, `threads`) and between `Config` switches:
//!
//! ```text
//! cargo run -p fayasm --example feature_cost -- microcode [gc=off] [exceptions=off] [threads=off]
//! cargo build -p fayasm --example feature_cost --no-default-features --features std,simd,gc,threads
//! valgrind --tool=callgrind --toggle-collect='feature_cost::execute*' \
//!     target/debug/examples/feature_cost run wasm_samples/wasm/bench_fib.wasm 25
//! ```
//!
//! `microcode` translates every defined function of every module in `wasm_samples/wasm`
//! (with every proposal's switch on unless named `=off`), plain, fuel-metered and
//! interruptible, and prints per module and metering mode the functions, the microcode bytes
//! ([`fayasm::microcode::Compiled::byte_size`]) and an FNV-1a hash of the words, the constant
//! pool and the frame shape: two builds whose lines are equal translated every function to
//! the same microcode. A module the configuration refuses is printed as `refused`.
//!
//! `run FILE ARG` instantiates FILE (no imports; every function translated at instantiation,
//! `Config::prescan`) and calls its `run` export with ARG in [`execute`], so that callgrind's
//! `--toggle-collect` counts the run alone: no translation, start-up or dynamic loader.
//! `run-lazy FILE ARG` translates each function on its first call instead, inside
//! [`execute`] (translation and run together).

use std::path::Path;

use fayasm::{Config, Engine, Linker, Module, Store};

/// FNV-1a, 64-bit.
#[derive(Clone, Copy)]
struct Fnv(u64);

impl Fnv {
    fn bytes(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
}

fn config(words: &[String]) -> Config {
    let off = |name: &str| words.iter().any(|w| w == &format!("{name}=off"));
    Config::default()
        .wasm_function_references(true)
        .wasm_wide_arithmetic(true)
        .wasm_custom_page_sizes(true)
        .wasm_gc(!off("gc"))
        .wasm_exceptions(!off("exceptions"))
        .wasm_threads(!off("threads"))
}

fn microcode(words: &[String]) -> Result<(), fayasm::Error> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../wasm_samples/wasm");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("wasm_samples/wasm")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "wasm"))
        .collect();
    files.sort();
    let modes = [
        ("plain", false, false),
        ("fuel", true, false),
        ("interruptible", false, true),
    ];
    let mut totals = [(0usize, 0usize, 0usize, Fnv(0xcbf2_9ce4_8422_2325)); 3];
    for file in &files {
        let bytes = std::fs::read(file).expect("readable sample");
        let name = file.file_name().unwrap().to_string_lossy();
        for (m, &(mode, fuel, interrupt)) in modes.iter().enumerate() {
            let engine = Engine::new(config(words).consume_fuel(fuel).interruptible(interrupt));
            let module = match Module::new(&engine, &bytes[..]) {
                Ok(module) => module,
                Err(e) => {
                    println!("{name} {mode} refused: {e}");
                    continue;
                }
            };
            let (mut funcs, mut size, mut hash) = (0usize, 0usize, Fnv(0xcbf2_9ce4_8422_2325));
            for index in 0..module.num_funcs() as u32 {
                let Some(code) = module.translate_function(index)? else {
                    continue;
                };
                funcs += 1;
                size += code.byte_size();
                for w in code.code.iter() {
                    hash.bytes(&w.to_le_bytes());
                }
                for c in code.pool.iter() {
                    hash.bytes(&c.to_le_bytes());
                }
                for n in [
                    code.num_params,
                    code.num_locals,
                    code.num_results,
                    code.frame_size,
                ] {
                    hash.bytes(&n.to_le_bytes());
                }
            }
            println!(
                "{name} {mode} functions {funcs} bytes {size} hash {:016x}",
                hash.0
            );
            let t = &mut totals[m];
            t.0 += 1;
            t.1 += funcs;
            t.2 += size;
            t.3.bytes(&hash.0.to_le_bytes());
        }
    }
    for ((mode, _, _), (modules, funcs, size, hash)) in modes.iter().zip(&totals) {
        println!(
            "total {mode} modules {modules} functions {funcs} bytes {size} hash {:016x}",
            hash.0
        );
    }
    Ok(())
}

/// The measured part of `run`: one call of `run(arg)`.
#[inline(never)]
fn execute(
    store: &mut Store<()>,
    run: &fayasm::TypedFunc<i32, i32>,
    arg: i32,
) -> Result<i32, fayasm::Error> {
    run.call(store, arg)
}

fn main() -> Result<(), fayasm::Error> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("microcode") => microcode(&args[1..]),
        Some(mode @ ("run" | "run-lazy")) if args.len() == 3 => {
            let engine = Engine::new(config(&[]).prescan(mode == "run"));
            let bytes = std::fs::read(&args[1]).expect("readable module");
            let module = Module::new(&engine, &bytes[..])?;
            let mut store = Store::new(&engine, ());
            let instance = Linker::new(&engine).instantiate(&mut store, &module)?;
            let run = instance.get_typed_func::<i32, i32>(&store, "run")?;
            let arg = args[2].parse().expect("an i32 argument");
            println!("{}", execute(&mut store, &run, arg)?);
            Ok(())
        }
        _ => {
            eprintln!("usage: feature_cost microcode [FEATURE=off ...] | run FILE ARG | run-lazy FILE ARG");
            std::process::exit(2)
        }
    }
}
