//! The code cache under a small budget (issue 19, item 0): no slowdown cliff. A printf-heavy
//! program (`wasm_samples/c/wasi_numfmt.c`: snprintf in a loop; wasi-libc's printf core is one
//! function whose microcode is larger than the budgets below) must not re-translate code on
//! every call: the function being executed and its callers are pinned, a function larger
//! than the budget is admitted over budget, and the translations stay a small multiple of the
//! number of functions, whatever the number of calls.

use fayasm::offload::MemStorage;
use fayasm::wasi::{self, WasiCtx};
use fayasm::{
    CodeCacheStats, CodeEviction, Config, Engine, Error, Linker, Module, Store, TrapCode,
};

const NUMFMT: &[u8] = include_bytes!("../../../wasm_samples/wasm/wasi_numfmt.wasm");
/// The same program built by Emscripten (its musl-based libc has another printf core).
const EMCC_NUMFMT: &[u8] = include_bytes!("../../../wasm_samples/wasm/emcc_numfmt.wasm");

/// A C++ program through Emscripten: 638 functions, 138 KB of code (libc++, iostreams).
const EMCC_WORDS: &[u8] = include_bytes!("../../../wasm_samples/wasm/emcc_words.wasm");

/// Runs `wasi_numfmt` for `rounds` rounds under `config`; its stdout and the cache's stats.
fn numfmt(config: Config, rounds: u32, storage: bool) -> (String, CodeCacheStats) {
    numfmt_of(NUMFMT, config, rounds, storage)
}

/// Runs the numfmt program `wasm` for `rounds` rounds under `config`.
fn numfmt_of(wasm: &[u8], config: Config, rounds: u32, storage: bool) -> (String, CodeCacheStats) {
    let engine = Engine::new(config);
    let module = Module::new(&engine, wasm).expect("valid module");
    let ctx = WasiCtx::new()
        .arg("wasi_numfmt")
        .arg(rounds.to_string())
        .capture_stdout();
    let mut store = Store::new(&engine, ctx);
    if storage {
        store.set_storage(MemStorage::new());
    }
    let mut linker = Linker::new(&engine);
    wasi::add_to_linker(&mut linker, &mut store, |ctx| ctx).unwrap();
    let inst = linker
        .instantiate(&mut store, &module)
        .expect("instantiates");
    let start = inst.get_func(&store, "_start").expect("a command");
    match start.call(&mut store, &[], &mut []) {
        Ok(()) => {}
        Err(Error::Trap(t)) if t.code() == TrapCode::Host => {
            assert_eq!(store.data().exit_code(), Some(0));
        }
        Err(e) => panic!("unexpected error {e}"),
    }
    let out = String::from_utf8(store.data().stdout().to_vec()).expect("utf-8");
    (out, store.code_cache_stats())
}

fn bounded(budget: usize, eviction: CodeEviction) -> Config {
    Config::default()
        .code_cache_budget(Some(budget))
        .code_eviction(eviction)
}

/// The printf core's microcode is about 16 KiB; the loop's working set about 33 KiB.
#[test]
fn printf_loop_does_not_retranslate_per_call() {
    let rounds = 400;
    let (reference, free) = numfmt(Config::default(), rounds, false);
    assert!(reference.contains("rounds 400 checksum"), "{reference}");
    let functions = free.translations;
    assert_eq!((free.evictions, free.over_budget_admissions), (0, 0));
    // The default overdraft (the budget again, or the most code the calls pinned at once)
    // covers the working set at any budget, down to 1 KiB (before the pinned peak counted,
    // 4 KiB re-translated ~10 functions per round: 32x the unbounded instructions); an
    // unlimited one does too.
    let cases = [
        (32 * 1024, None),
        (16 * 1024, None),
        (4 * 1024, None),
        (1024, None),
        (8 * 1024, Some(usize::MAX)),
        (1024, Some(usize::MAX)),
    ];
    for (budget, overdraft) in cases {
        for (eviction, storage) in [(CodeEviction::Drop, false), (CodeEviction::Spill, true)] {
            let mut config = bounded(budget, eviction);
            if let Some(o) = overdraft {
                config = config.code_cache_overdraft(o);
            }
            let (out, stats) = numfmt(config, rounds, storage);
            assert_eq!(out, reference);
            // With the cliff, every round re-translated the printf core and its callees
            // (2,447 translations at 16 KiB).
            let work = stats.translations + stats.reloads;
            assert!(
                work <= 2 * functions,
                "budget {budget} {eviction:?}: {work} translations and reloads for {rounds} \
                 rounds ({functions} functions): {stats:?}"
            );
            assert!(
                stats.evictions > 0 && stats.over_budget_admissions > 0,
                "{stats:?}"
            );
            let cap = overdraft.unwrap_or(budget.max(stats.pinned_peak));
            assert!(stats.overdraft <= cap, "{stats:?}");
            // The cache never holds more than budget, overdraft and the pinned peak.
            assert!(
                stats.peak <= budget + stats.overdraft.min(cap) + stats.pinned_peak,
                "{stats:?}"
            );
            if eviction == CodeEviction::Spill {
                // Evicted code comes back from storage, never from the translator again.
                assert_eq!(stats.translations, functions, "{stats:?}");
                assert_eq!(stats.reloads, stats.refaults, "{stats:?}");
            }
        }
    }
}

/// The Emscripten build under small budgets: the ratio of translations (and reloads) to
/// `snprintf` calls stays far below one. With the cliff it was above one: every call
/// re-translated the printf core and its callees.
#[test]
fn emscripten_printf_loop_translates_a_bounded_amount() {
    let rounds = 400;
    let (reference, free) = numfmt_of(EMCC_NUMFMT, Config::default(), rounds, false);
    assert!(
        reference.contains("rounds 400 checksum d20d93c7"),
        "{reference}"
    );
    assert_eq!(reference, numfmt(Config::default(), rounds, false).0);
    let functions = free.translations;
    // One snprintf per round, plus one for the first line and three printf calls.
    let calls = f64::from(rounds + 4);
    for budget in [16 * 1024, 4 * 1024, 1024] {
        for (eviction, storage) in [(CodeEviction::Drop, false), (CodeEviction::Spill, true)] {
            let (out, stats) = numfmt_of(EMCC_NUMFMT, bounded(budget, eviction), rounds, storage);
            assert_eq!(out, reference);
            let work = stats.translations + stats.reloads;
            let per_call = (work - functions) as f64 / calls;
            eprintln!(
                "emcc_numfmt, budget {budget} {eviction:?}: {work} translations and reloads \
                 ({functions} functions), {per_call:.3} extra per call: {stats:?}"
            );
            assert!(
                per_call < 0.05 && work <= 2 * functions,
                "budget {budget} {eviction:?}: {work} translations and reloads for {rounds} \
                 rounds ({functions} functions): {stats:?}"
            );
        }
    }
}

/// A big program (the C++ sample, ~88 KB of microcode for the 192 functions it calls) under
/// budgets from a third to a hundredth of that: the same output, and at most twice as many
/// translations and reloads as there are functions.
#[test]
fn cpp_program_under_small_budgets() {
    let words = "2000".parse().unwrap();
    let (reference, free) = numfmt_of(EMCC_WORDS, Config::default(), words, false);
    assert!(reference.starts_with("words 2000, distinct"), "{reference}");
    let functions = free.translations;
    for budget in [32 * 1024, 16 * 1024, 4 * 1024, 1024] {
        for (eviction, storage) in [(CodeEviction::Drop, false), (CodeEviction::Spill, true)] {
            let (out, stats) = numfmt_of(EMCC_WORDS, bounded(budget, eviction), words, storage);
            assert_eq!(out, reference);
            let work = stats.translations + stats.reloads;
            eprintln!(
                "emcc_words, budget {budget} {eviction:?}: {work} translations and reloads \
                 ({functions} functions): {stats:?}"
            );
            assert!(
                work <= 2 * functions && stats.evictions > 0,
                "budget {budget} {eviction:?}: {work} translations and reloads \
                 ({functions} functions): {stats:?}"
            );
        }
    }
}

/// With no overdraft and a budget a quarter of the working set the loop must re-translate,
/// but the functions on the stack stay and each call translates at most the function it
/// calls: about 11 translations per round (each round makes dozens of calls), and the output
/// is unchanged.
#[test]
fn no_overdraft_thrashes_boundedly() {
    let rounds = 50;
    let (reference, _) = numfmt(Config::default(), rounds, false);
    let config = bounded(8 * 1024, CodeEviction::Drop).code_cache_overdraft(0);
    let (out, stats) = numfmt(config, rounds, false);
    assert_eq!(out, reference);
    assert_eq!(stats.overdraft, 0);
    assert!(stats.refaults > 0, "{stats:?}");
    assert!(stats.translations < 16 * u64::from(rounds), "{stats:?}");
    // The printf core (larger than the budget) ran: admitted over budget.
    assert!(
        stats.peak > 16 * 1024 && stats.over_budget_admissions > 0,
        "{stats:?}"
    );
}

#[test]
fn overdraft_knob() {
    let vars = |pairs: &'static [(&'static str, &'static str)]| {
        move |name: &str| {
            pairs
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.to_string())
        }
    };
    let c = Config::default()
        .apply_vars(vars(&[("FAYASM_CODE_BUDGET", "16k")]))
        .unwrap();
    assert_eq!(c.get_code_cache_overdraft(), 16 * 1024);
    let c = Config::default()
        .apply_vars(vars(&[
            ("FAYASM_CODE_BUDGET", "16k"),
            ("FAYASM_CODE_OVERDRAFT", "4k"),
        ]))
        .unwrap();
    assert_eq!(c.get_code_cache_overdraft(), 4 * 1024);
    let c = Config::default()
        .apply_vars(vars(&[("FAYASM_CODE_OVERDRAFT", "none")]))
        .unwrap();
    assert_eq!(c.get_code_cache_overdraft(), usize::MAX);
    let e = Config::default()
        .apply_vars(vars(&[("FAYASM_CODE_OVERDRAFT", "lots")]))
        .unwrap_err();
    assert_eq!(e.var, "FAYASM_CODE_OVERDRAFT");
}
