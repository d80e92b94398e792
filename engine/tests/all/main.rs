//! The engine's integration tests, one test binary (`cargo test -p fayasm --test all`; one
//! module per former `tests/*.rs` file, shared code in `support/`). Add a test file as
//! `tests/all/<name>.rs` and a `mod` line here.
//!
//! Every module runs in this one process, on the harness's threads at once: a test must not
//! depend on process-wide state that another test changes. Tests that measure the process
//! (its resident set) run themselves in a child process (`support::alone`); heap counts are
//! per thread (`support::alloc`).

mod support;

mod api;
mod assemble;
mod backtrace;
mod code_budget;
mod code_save;
mod custom_page_sizes;
mod deadlines;
#[cfg(feature = "dylib")]
mod dylib;
mod errors;
mod exceptions;
mod file_storage_rewrite;
mod forwarders;
mod fuel;
mod fuel_backedge;
mod function_references;
mod fuzz_regressions;
mod gc;
mod hooks;
mod host_imports;
mod lazy_memory;
mod limits;
mod linker_parity;
mod memory_data;
mod microcode;
mod module_ram;
mod module_source;
mod narrow_frames;
mod offload_checkpoint;
mod offload_code;
mod offload_memory;
mod offload_policy;
mod offload_sync;
mod paged_faults;
mod paged_policy;
mod paged_region;
mod paged_tlb;
mod paged_view;
mod paged_writeback;
mod persist_call;
mod persist_call_sweeps;
mod pinned_code;
mod prescan_one_pass;
mod proposal_ops;
mod proposals;
mod resumable;
mod return_local;
mod send_store;
mod simd;
mod small_heap;
mod small_memory_ram;
mod spill_code_store;
mod store_handles;
mod threads;
mod translate_golden;
mod translate_golden_address;
mod translate_golden_coalesce;
mod translate_golden_f64_pairs;
mod translate_golden_forms;
mod translate_golden_fuel;
mod translate_golden_loops;
mod translate_golden_speed;
mod typed;
mod typed_handles;
mod wasi;
mod wasi_bounded;
mod wasi_fuel;
mod wasi_paged;
mod wasi_platform;
#[cfg(unix)]
mod wasi_race;
mod wasi_resume;
#[cfg(feature = "wat")]
mod wasmtime_style;
mod wide_arithmetic;
