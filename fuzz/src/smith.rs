//! wasm-smith modules restricted to what fayasm claims: WebAssembly 2.0 with SIMD, plus
//! tail calls, multi-memory, memory64 and extended constant expressions. No imports, small
//! memories and tables with a declared maximum (so growth is deterministic), NaNs canonicalised
//! after every float operation (wasm leaves NaN bits open), and a fuel global that makes every
//! loop and call terminate with a trap.

use arbitrary::{Result, Unstructured};

/// Loop iterations plus function entries a module may run before it traps.
pub const FUEL: u32 = 1_000;

/// A generator configuration for the claimed feature set; some knobs come from `u`.
pub fn config(u: &mut Unstructured<'_>) -> Result<wasm_smith::Config> {
    let mut c = wasm_smith::Config::default();
    c.max_imports = 0;
    c.min_imports = 0;
    c.exceptions_enabled = false;
    c.gc_enabled = false;
    c.threads_enabled = false;
    c.shared_everything_threads_enabled = false;
    c.relaxed_simd_enabled = false;
    c.wide_arithmetic_enabled = false;
    c.custom_page_sizes_enabled = false;
    c.custom_descriptors_enabled = false;
    c.compact_imports_enabled = false;
    c.simd_enabled = true;
    c.bulk_memory_enabled = true;
    c.reference_types_enabled = true;
    c.multi_value_enabled = true;
    c.saturating_float_to_int_enabled = true;
    c.sign_extension_ops_enabled = true;
    c.extended_const_enabled = u.arbitrary()?;
    c.tail_call_enabled = u.arbitrary()?;
    c.memory64_enabled = u.arbitrary()?;
    c.max_memories = u.int_in_range(1..=2)?;
    c.max_memory32_bytes = 4 << 16;
    c.max_memory64_bytes = 4 << 16;
    c.memory_max_size_required = true;
    c.max_tables = 2;
    c.max_table_elements = 64;
    c.table_max_size_required = true;
    c.max_funcs = 12;
    c.max_instructions = 120;
    c.max_globals = 12;
    c.max_exports = 24;
    c.max_data_segments = 6;
    c.max_element_segments = 6;
    c.max_elements = 16;
    c.max_types = 12;
    c.export_everything = true;
    c.canonicalize_nans = true;
    Ok(c)
}

/// A generated module with the fuel global added, as bytes.
pub fn module(u: &mut Unstructured<'_>) -> Result<Vec<u8>> {
    let config = config(u)?;
    let mut m = wasm_smith::Module::new(config, u)?;
    m.ensure_termination(FUEL)
        .map_err(|_| arbitrary::Error::IncorrectFormat)?;
    Ok(m.to_bytes())
}
