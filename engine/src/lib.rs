//! # fayasm
//!
//! A WebAssembly runtime for machines where RAM is the scarce thing.
//!
//! Modules are decoded and validated with `wasmparser`, each function is translated (lazily, on
//! its first call, or eagerly with [`Config::prescan`]) into fayasm's own register-style
//! *microcode*, and an interpreter loop runs that microcode. Wasm calls never recurse on the
//! native stack: frames live on the engine's own stack, bounded by [`Config::max_call_depth`]
//! and [`Config::max_value_stack`].
//!
//! ```
//! use fayasm::{Engine, Linker, Module, Store, Val};
//!
//! let wasm = wat_like_bytes();
//! # fn wat_like_bytes() -> Vec<u8> {
//! #     // (module (func (export "add") (param i32 i32) (result i32)
//! #     //   local.get 0 local.get 1 i32.add))
//! #     vec![0,97,115,109,1,0,0,0,1,7,1,96,2,127,127,1,127,3,2,1,0,7,7,1,3,97,100,100,0,0,
//! #          10,9,1,7,0,32,0,32,1,106,11]
//! # }
//! let engine = Engine::default();
//! let module = Module::new(&engine, &wasm).unwrap();
//! let mut store = Store::new(&engine, ());
//! let instance = Linker::new(&engine).instantiate(&mut store, &module).unwrap();
//! let add = instance.get_func(&store, "add").unwrap();
//! let mut out = [Val::I32(0)];
//! add.call(&mut store, &[Val::I32(2), Val::I32(40)], &mut out).unwrap();
//! assert_eq!(out[0], Val::I32(42));
//! ```
//!
//! ## Cargo features
//!
//! | feature | default | effect |
//! | --- | --- | --- |
//! | `std` | yes | `std::error::Error` impls, WASI over host directories and the process's streams and clocks ([`wasi::HostDir`], [`wasi::StdPlatform`]); without it the crate is `no_std` + `alloc` (WASI over a [`wasi::WasiFs`] and [`wasi::WasiPlatform`] the firmware provides) |
//! | `simd` | yes | SIMD and relaxed SIMD; without it modules using `v128` are rejected at validation |
//! | `gc` | yes | the GC proposal (recursion groups, subtyping, `i31`, casts; [`Config::wasm_gc`]); without it modules using it are rejected at validation |
//! | `threads` | yes | the threads proposal's shared memories, atomics, wait and notify ([`Config::wasm_threads`]); without it modules using them are rejected at validation |
//! | `exceptions` | yes | the exception-handling proposal's `try_table`, `throw` and `throw_ref` ([`Config::wasm_exceptions`]); without it modules using them are rejected at validation (tags and [`ExnRef`] stay in the API) |
//! | `dylib` | no | bind imports to C functions of a shared library (libloading) |
//! | `wat` | no | [`Module::new`] and [`Module::from_file`] also accept the text format (as wasmtime's default `wat` feature) |
//!
//! The `fayasm` command line is a separate crate (`cli/`, package `fayasm-cli`), so a program
//! depending on this library builds no command-line parser.

#![no_std]
// The firmware build (`cargo xtask esp32`, a nightly or `RUSTC_BOOTSTRAP=1`) passes
// `--cfg fayasm_optimize_size`: the engine's cold generic entry points (instantiate, checkpoint
// and restore, the linker) are then compiled for size (`minsize`) in the firmware crate, which
// instantiates them at `opt-level = "s"` for the interpreter's sake (ROADMAP.md, "Firmware
// text, session 18").
#![cfg_attr(fayasm_optimize_size, feature(optimize_attribute))]
#![warn(missing_docs)]

extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

// The README's Rust examples run as doctests, so they cannot drift from the API.
#[cfg(all(doctest, feature = "std"))]
#[doc = include_str!("../../README.md")]
struct ReadmeDoctests;

mod bytes;
mod config;
#[cfg(feature = "dylib")]
pub mod dylib;
mod error;
mod exec;
pub mod microcode;
mod module;
pub mod offload;
mod runtime;
mod types;
mod value;
pub mod wasi;

pub use config::profile;
pub use config::{CodeEviction, Config, ConfigError, Engine};
pub use config::{MemoryPolicy, Paging, TargetProfile};
pub use error::{Error, FrameInfo, LinkError, ModuleError, Trap, TrapCode, TypeMismatch};
pub use module::{
    ExportType, ExternType, ImportType, Module, ModuleSource, SourceError, StorageSource,
};
#[cfg(feature = "std")]
pub use runtime::Deadline;
pub use runtime::InterruptHandle;
pub use runtime::{
    AsContext, AsContextMut, IntoFunc, StoreContext, StoreContextMut, TypedFunc, WasmParams,
    WasmResults, WasmRet, WasmTy,
};
pub use runtime::{
    Caller, CodeCacheStats, CodeLoadError, CodeSpillError, CodeStatus, Extern, Func, GcHeapStats,
    Global, HookAction, Instance, InstancePre, Linker, Memory, MemoryOffloadError, PageWear,
    Residency, StorageFailure, Store, StoreLimits, StoreStorage, Table, DEFAULT_FRAME_STACK_BYTES,
    DEFAULT_VALUE_STACK_BYTES,
};
pub use runtime::{CheckpointError, Checkpointer};
pub use runtime::{ExnRef, Tag, DEFAULT_MAX_EXCEPTIONS};
pub use runtime::{ResumableCall, SuspendReason, SuspendedCall};
pub use types::{
    FieldType, FuncType, GlobalType, HeapType, MemoryType, RefType, StorageType, TableType,
    TagType, ValType,
};
pub use value::{AnyRef, ExternRef, Val, V128};

/// `Result<T, fayasm::Error>`, so that `use fayasm::*` and `fn main() -> Result<()>` read as
/// they do with wasmtime (whose `Result` carries an `anyhow::Error`).
pub type Result<T, E = Error> = core::result::Result<T, E>;
