//! `decode`: arbitrary bytes into the validator and decoder; a valid module without imports
//! or start function is also instantiated with every function translated (`prescan`).

use fayasm::{Config, Engine, Linker, Module, Store};

/// Decoding, validation and translation must return errors, never panic.
pub fn check(bytes: &[u8]) {
    let engine = Engine::new(
        Config::default()
            .prescan(true)
            .max_memory_pages(16)
            .max_table_elements(10_000),
    );
    let Ok(module) = Module::new(&engine, bytes) else {
        return;
    };
    let _ = module.exports().count();
    if module.imports().next().is_some() || has_start(bytes) {
        // Imports cannot be resolved here, and a start function may run for ever.
        return;
    }
    let mut store = Store::new(&engine, ());
    let _ = Linker::new(&engine).instantiate(&mut store, &module);
}

/// Whether the (valid) module has a start section.
pub fn has_start(bytes: &[u8]) -> bool {
    wasmparser::Parser::new(0)
        .parse_all(bytes)
        .any(|p| matches!(p, Ok(wasmparser::Payload::StartSection { .. })))
}
