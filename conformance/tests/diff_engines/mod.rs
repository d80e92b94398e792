//! The engine configurations the differential property tests (`wide_diff.rs`, `cast_diff.rs`)
//! compare: wasmtime; fayasm plain; fayasm with every function translated up front under a
//! 4 KiB code budget, everything spilled before each call and memories paged; fayasm with
//! fuel, every call suspended every 3 units and resumed.

use fayasm_conformance::backend::{Backend, InstanceId};
use fayasm_conformance::oracle::{OracleEngine, WasmtimeBackend};
use fayasm_conformance::subject::{FayasmBackend, FayasmOptions};
use fayasm_conformance::suites::Features;

/// The engines, each with `wasm` instantiated, configured as for `suite`; wasmtime first.
pub fn engines(suite: &str, wasm: &[u8]) -> Vec<(&'static str, Box<dyn Backend>, InstanceId)> {
    let features = Features::for_suite(suite);
    let oracle = OracleEngine::for_suite(suite).expect("wasmtime engine");
    let mut out: Vec<(&'static str, Box<dyn Backend>)> = vec![(
        "wasmtime",
        Box::new(WasmtimeBackend::new(&oracle).expect("wasmtime store")),
    )];
    let configs = [
        ("fayasm", FayasmOptions::default()),
        (
            "fayasm --prescan --code-budget 4096 --spill-every-assertion --paged 2",
            FayasmOptions {
                prescan: true,
                code_budget: Some(4096),
                spill_every_assertion: true,
                paged: Some(2),
                ..FayasmOptions::default()
            },
        ),
        (
            "fayasm --suspend-every 3",
            FayasmOptions {
                suspend_every: Some(3),
                ..FayasmOptions::default()
            },
        ),
    ];
    for (name, opts) in configs {
        let b = FayasmBackend::new(&opts, &features).expect("fayasm store");
        out.push((name, Box::new(b)));
    }
    out.into_iter()
        .map(|(name, mut b)| {
            let id = b
                .instantiate(wasm)
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            (name, b, id)
        })
        .collect()
}
