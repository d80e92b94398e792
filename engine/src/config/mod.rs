//! Engine configuration: [`Config`] and [`Engine`] here, the value types a target profile
//! sets and the profiles themselves in [`profile`], the environment variables in `env.rs`. A
//! leaf of the crate: it names nothing outside `config/`.

use alloc::string::String;
use alloc::sync::Arc;
use core::fmt;

mod env;
pub mod profile;

pub use profile::{CodeEviction, MemoryPolicy, Paging, TargetProfile};

/// An environment variable with a value the configuration does not understand.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// The variable's name.
    pub var: &'static str,
    /// Its value.
    pub value: String,
    /// What was expected.
    pub expected: &'static str,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}={:?}: expected {}",
            self.var, self.value, self.expected
        )
    }
}

#[cfg(feature = "std")]
impl std::error::Error for ConfigError {}

/// The checks translated code carries. Part of the engine's configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct Metering {
    /// Every block entry charges fuel (the function entry, loop headers, `if` and `else`
    /// arms; `Fuel` ops with a cost of at least 1).
    pub fuel: bool,
    /// The function entry and every loop header check the store's interrupt flag (`Poll`
    /// ops, of cost 1 of unbounded fuel, when fuel is off).
    pub interrupt: bool,
}

impl Metering {
    /// Whether the code carries any check.
    pub fn any(self) -> bool {
        self.fuel || self.interrupt
    }
}

/// Knobs of the engine. Built by value: `Config::default().prescan(true)`.
#[derive(Debug, Clone)]
pub struct Config {
    pub(crate) prescan: bool,
    pub(crate) max_call_depth: usize,
    pub(crate) max_value_stack: usize,
    pub(crate) max_memory_pages: u64,
    pub(crate) max_table_elements: u64,
    pub(crate) memory64: bool,
    pub(crate) multi_memory: bool,
    pub(crate) tail_call: bool,
    pub(crate) extended_const: bool,
    pub(crate) simd: bool,
    /// The wide-arithmetic proposal (`i64.add128`, `i64.sub128`, `i64.mul_wide_s/u`).
    pub(crate) wide_arithmetic: bool,
    /// The custom-page-sizes proposal (memories of 1-byte pages).
    pub(crate) custom_page_sizes: bool,
    /// The typed function references proposal.
    pub(crate) function_references: bool,
    /// The exception-handling proposal (tags, `throw`, `throw_ref`, `try_table`, `exnref`).
    pub(crate) exceptions: bool,
    /// The GC proposal (recursion groups, subtyping, `i31`, structs, arrays).
    pub(crate) gc: bool,
    /// The threads proposal (shared memories, atomics, wait/notify, fence).
    pub(crate) threads: bool,
    /// Reference types (part of WebAssembly 2.0; off only for scripts written before it).
    pub(crate) reference_types: bool,
    /// Most bytes a store's GC heap may hold.
    pub(crate) gc_heap_bytes: u64,

    pub(crate) code_budget: Option<usize>,
    /// How far past the budget the code cache may grow when it thrashes (`None`: as far as
    /// the budget itself).
    pub(crate) code_overdraft: Option<usize>,
    pub(crate) memory_paging: Option<Paging>,
    pub(crate) memory_policy: MemoryPolicy,
    pub(crate) code_eviction: CodeEviction,
    /// Resident-page budget of paged memories created without an explicit one.
    pub(crate) page_budget: Option<usize>,
    pub(crate) profile: TargetProfile,
    /// Fuel and interruption checks (`runtime/fuel.rs`).
    pub(crate) metering: Metering,
    /// Most frames a trap's backtrace keeps (0: none recorded).
    pub(crate) backtrace_frames: usize,
}

impl Default for Config {
    /// The defaults of the build's target profile ([`TargetProfile::build_default`]). Never
    /// reads the environment; see [`Config::from_env`].
    fn default() -> Config {
        Config {
            prescan: false,
            max_call_depth: 10_000,
            max_value_stack: 1 << 20,
            max_memory_pages: 65_536,
            max_table_elements: 10_000_000,
            memory64: true,
            multi_memory: true,
            tail_call: true,
            extended_const: true,
            simd: cfg!(feature = "simd"),
            wide_arithmetic: false,
            custom_page_sizes: false,
            function_references: false,
            exceptions: false,
            gc: false,
            threads: false,
            reference_types: true,
            gc_heap_bytes: 64 << 20,
            code_budget: None,
            code_overdraft: None,
            memory_paging: None,
            memory_policy: MemoryPolicy::Cache,
            code_eviction: CodeEviction::Drop,
            page_budget: None,
            profile: TargetProfile::Host,
            metering: Default::default(),
            backtrace_frames: 20,
        }
        .profile(TargetProfile::build_default())
    }
}

impl Config {
    /// Translate every function at instantiation instead of on first call.
    pub fn prescan(mut self, on: bool) -> Config {
        self.prescan = on;
        self
    }

    /// Maximum depth of nested wasm calls before `call stack exhausted`.
    pub fn max_call_depth(mut self, depth: usize) -> Config {
        self.max_call_depth = depth;
        self
    }

    /// Most frames a trap's backtrace ([`Trap::trace`](crate::Trap::trace)) keeps, the
    /// innermost ones (default 20, as wasmtime's `wasm_backtrace_max_frames`); 0 records
    /// none. Recording happens only when a trap is raised: it reads the frame stack and
    /// translates each listed function once more to map its microcode back to wasm offsets.
    pub fn wasm_backtrace_max_frames(mut self, frames: usize) -> Config {
        self.backtrace_frames = frames;
        self
    }

    /// Maximum number of 64-bit value cells on the engine's stack.
    pub fn max_value_stack(mut self, cells: usize) -> Config {
        self.max_value_stack = cells;
        self
    }

    /// Upper bound on any linear memory's size, in 64 KiB pages (`memory.grow` returns -1
    /// past it).
    pub fn max_memory_pages(mut self, pages: u64) -> Config {
        self.max_memory_pages = pages;
        self
    }

    /// Accept modules using memory64 (64-bit memory and table indices). On by default.
    pub fn wasm_memory64(mut self, on: bool) -> Config {
        self.memory64 = on;
        self
    }

    /// Accept modules with more than one memory. On by default.
    pub fn wasm_multi_memory(mut self, on: bool) -> Config {
        self.multi_memory = on;
        self
    }

    /// Accept `return_call` and `return_call_indirect`. On by default.
    pub fn wasm_tail_call(mut self, on: bool) -> Config {
        self.tail_call = on;
        self
    }

    /// Accept SIMD and relaxed SIMD (`v128`). On by default when the `simd` cargo feature is;
    /// without the feature this switch cannot turn SIMD on.
    pub fn wasm_simd(mut self, on: bool) -> Config {
        self.simd = on;
        self
    }

    /// Accept arithmetic in constant expressions. On by default.
    pub fn wasm_extended_const(mut self, on: bool) -> Config {
        self.extended_const = on;
        self
    }

    /// Accept the wide-arithmetic proposal: `i64.add128`, `i64.sub128`, `i64.mul_wide_s` and
    /// `i64.mul_wide_u` (128-bit results as two i64 halves). Off by default, as in wasmtime;
    /// when off, a module using them is a validation error naming the feature.
    pub fn wasm_wide_arithmetic(mut self, on: bool) -> Config {
        self.wide_arithmetic = on;
        self
    }

    /// Accept the custom-page-sizes proposal: a memory may declare `(pagesize 1)`, so its
    /// size, `memory.size` and `memory.grow` count single bytes and a memory of a few bytes
    /// takes a few bytes of RAM (the proposal allows page sizes 1 and 65,536). Off by
    /// default, as in wasmtime; when off, such a module is a validation error naming the
    /// feature. Host memories of 1-byte pages
    /// ([`MemoryType::with_page_size_log2`](crate::MemoryType::with_page_size_log2)) need
    /// no switch.
    pub fn wasm_custom_page_sizes(mut self, on: bool) -> Config {
        self.custom_page_sizes = on;
        self
    }

    /// Accept typed function references (part of WebAssembly 3.0): reference types
    /// `(ref null? $t)` and `(ref func)`, `call_ref`, `return_call_ref`, `ref.as_non_null`,
    /// `br_on_null`, `br_on_non_null`, non-nullable locals and tables with an initialiser
    /// expression. Off by default, as in wasmtime; when off, such a module is a validation
    /// error naming the feature.
    pub fn wasm_function_references(mut self, on: bool) -> Config {
        self.function_references = on;
        self
    }

    /// Accept the exception-handling proposal (part of WebAssembly 3.0): exception tags
    /// (defined, imported and exported, [`Tag`](crate::Tag)), `throw`, `throw_ref`,
    /// `try_table` with all four catch kinds and `exnref`. Off by default, as in wasmtime;
    /// when off (or without the `exceptions` cargo feature, which this switch cannot
    /// replace), such a module is a validation error naming the feature. A wasm exception
    /// that no handler catches ends the call as a [`Trap`](crate::Trap) carrying it
    /// ([`Trap::exception`](crate::Trap::exception)); a host function raises one by
    /// returning [`Trap::throw`](crate::Trap::throw).
    pub fn wasm_exceptions(mut self, on: bool) -> Config {
        self.exceptions = on;
        self
    }

    /// Accept the GC proposal (part of WebAssembly 3.0; needs the `gc` cargo feature):
    /// recursion groups, declared subtypes (`sub`, `sub final`) and their canonicalisation
    /// (structurally equal recursion groups are one type in a store, across modules), the
    /// abstract heap types `any`, `eq`, `i31`, `struct`, `array`, `none`, `nofunc`,
    /// `noextern` and `noexn`, and subtyping between them, `i31`, casts, and structs and
    /// arrays in the store's GC heap (bounded by [`Config::gc_heap_bytes`], reclaimed by a
    /// mark-sweep collector). Turns on typed function references too (GC is built on them).
    /// Off by default, as in wasmtime; when off, or without the cargo feature, such a module
    /// is a validation error naming the feature.
    pub fn wasm_gc(mut self, on: bool) -> Config {
        self.gc = on;
        self
    }

    /// Accept the threads proposal: shared memories (`(memory 1 2 shared)`, which must have
    /// a maximum), the atomic loads, stores, read-modify-writes and compare-exchanges (an
    /// unaligned access traps), `memory.atomic.wait32`/`wait64`, `memory.atomic.notify` and
    /// `atomic.fence`. Off by default, as the other proposals here; when off (or without the
    /// `threads` cargo feature, which this switch cannot replace), such a module is a
    /// validation error naming the feature.
    ///
    /// A store runs on one thread and its memories are not shared with another store, so
    /// nothing can ever notify a waiter: `notify` wakes no one (returns 0); a `wait` whose
    /// value differs returns 1 ("not-equal"); one whose value matches returns 2
    /// ("timed-out") after its timeout (slept on hosts with `std`, at once without; an
    /// interrupt ends the sleep early); one without a timeout (negative) could only be ended
    /// by a notifier that cannot exist, so it returns 2 ("timed-out") at once instead of
    /// hanging the host.
    /// A `wait` on a memory that is not shared traps, as in wasmtime.
    pub fn wasm_threads(mut self, on: bool) -> Config {
        self.threads = on;
        self
    }

    /// Accept reference types (WebAssembly 2.0: `funcref`/`externref` values, several
    /// tables, the `table.*` instructions). On by default; off only to check modules against
    /// scripts written before WebAssembly 2.0 (the threads proposal's tests expect a second
    /// table to be invalid).
    pub fn wasm_reference_types(mut self, on: bool) -> Config {
        self.reference_types = on;
        self
    }

    /// Most bytes a store's GC heap may hold (default 64 MiB): every struct and array counts
    /// 8 bytes per field or element (16 per `v128`, packed ones included) and a 24-byte
    /// slot. An allocation that would go past it first collects the heap (a mark-sweep
    /// that frees what nothing reaches, in no RAM of its own); if the object still does not
    /// fit, it is the [`TrapCode::GcHeapOutOfMemory`](crate::TrapCode::GcHeapOutOfMemory)
    /// trap, never an abort. Objects whose references reached the host stay for the
    /// store's life (see ARCHITECTURE.md, "The GC heap").
    pub fn gc_heap_bytes(mut self, bytes: u64) -> Config {
        self.gc_heap_bytes = bytes;
        self
    }

    /// The wasmparser feature set this configuration accepts.
    pub(crate) fn features(&self) -> wasmparser::WasmFeatures {
        use wasmparser::WasmFeatures as F;
        let mut f = F::WASM2;
        // SIMD needs the `simd` cargo feature; relaxed SIMD comes with it.
        let simd = self.simd && cfg!(feature = "simd");
        f.set(F::SIMD, simd);
        f.set(F::RELAXED_SIMD, simd);
        f.set(F::MEMORY64, self.memory64);
        f.set(F::MULTI_MEMORY, self.multi_memory);
        f.set(F::TAIL_CALL, self.tail_call);
        f.set(F::EXTENDED_CONST, self.extended_const);
        f.set(F::WIDE_ARITHMETIC, self.wide_arithmetic);
        f.set(F::CUSTOM_PAGE_SIZES, self.custom_page_sizes);
        f.set(F::FUNCTION_REFERENCES, self.function_references);
        f.set(
            F::EXCEPTIONS,
            self.exceptions && cfg!(feature = "exceptions"),
        );
        let gc = self.gc && cfg!(feature = "gc");
        f.set(F::GC, gc);
        if gc {
            f.set(F::FUNCTION_REFERENCES, true);
        }
        f.set(F::THREADS, self.threads && cfg!(feature = "threads"));
        f.set(F::REFERENCE_TYPES, self.reference_types);
        f
    }

    /// Byte budget for translated microcode held in RAM per store (`None`: unbounded). When a
    /// translation goes over it, the coldest translated functions (not called since the cache
    /// last looked) are evicted (see [`Config::code_eviction`]) and re-translated or reloaded on
    /// their next call. Code of running calls (the function being executed and its callers)
    /// is never evicted and is not counted against the budget, so a function larger than the
    /// budget runs without evicting its callers; when the program's working set does not fit,
    /// the cache grows past the budget by at most [`Config::code_cache_overdraft`].
    pub fn code_cache_budget(mut self, bytes: Option<usize>) -> Config {
        self.code_budget = bytes;
        self
    }

    /// How many bytes past its budget the code cache may grow when it thrashes (default: the
    /// budget again or the most code running calls have pinned at once, whichever is larger,
    /// so at most that besides the budget and the code of running calls; `usize::MAX`: no
    /// limit; 0: never). Every time a function the budget evicted is needed
    /// again (re-translated or reloaded: a *refault*), the cache's allowance over the budget
    /// grows by that function's size, up to this limit; it never shrinks. A program whose
    /// working set fits in budget plus overdraft stops re-translating after its first
    /// refaults; one that does not keeps evicting the coldest code, and every call still
    /// translates at most the function it calls. See [`Store::code_cache_stats`](crate::Store::code_cache_stats).
    pub fn code_cache_overdraft(mut self, bytes: usize) -> Config {
        self.code_overdraft = Some(bytes);
        self
    }

    /// Create every linear memory (defined by a module or by the host) demand-paged with this
    /// page size and resident-page budget (`None`: memories are fully resident). Paged memories
    /// need a store storage ([`Store::set_storage`](crate::Store::set_storage)); instantiating
    /// without one fails. An invalid `Paging` (see [`Paging::is_valid`](crate::Paging::is_valid))
    /// makes memory creation fail with a limit error.
    ///
    /// The resident-page budget actually used is [`page_budget`](Config::page_budget) when it
    /// is set (by a target profile, `FAYASM_PAGE_BUDGET` or the builder, whichever came last);
    /// this call sets it to `paging.resident_pages`.
    pub fn memory_paging(mut self, paging: Option<Paging>) -> Config {
        self.memory_paging = paging;
        if let Some(p) = paging {
            self.page_budget = Some(p.resident_pages);
        }
        self
    }

    /// The paging of new memories, with the configured page budget applied.
    pub(crate) fn effective_paging(&self) -> Option<Paging> {
        self.memory_paging.map(|p| Paging {
            resident_pages: self.page_budget.unwrap_or(p.resident_pages),
            ..p
        })
    }

    /// The storage policy of new memories (default [`MemoryPolicy::Cache`](crate::MemoryPolicy)).
    pub fn memory_policy(mut self, policy: MemoryPolicy) -> Config {
        self.memory_policy = policy;
        self
    }

    /// Take the defaults of a target profile: its code-cache budget, page budget, eviction
    /// policy, and prescan off. Call it before the builders of single knobs, which override it.
    pub fn profile(mut self, profile: TargetProfile) -> Config {
        self.profile = profile;
        self.code_budget = profile.code_cache_budget();
        self.page_budget = profile.page_budget();
        self.code_eviction = profile.code_eviction();
        self.prescan = false;
        self
    }

    /// What the code cache does with evicted microcode (see [`CodeEviction`]).
    pub fn code_eviction(mut self, policy: CodeEviction) -> Config {
        self.code_eviction = policy;
        self
    }

    /// Resident pages a paged memory keeps in RAM when it is not given its own budget
    /// (`None`: the paging code's default).
    pub fn page_budget(mut self, pages: Option<usize>) -> Config {
        self.page_budget = pages;
        self
    }

    /// The target profile the defaults came from ([`Config::profile`]).
    pub fn get_profile(&self) -> TargetProfile {
        self.profile
    }

    /// The code-cache budget in bytes ([`Config::code_cache_budget`]; `None`: unbounded).
    pub fn get_code_cache_budget(&self) -> Option<usize> {
        self.code_budget
    }

    /// The largest allowance over the code-cache budget ([`Config::code_cache_overdraft`]:
    /// the value set, or else its default, the budget again).
    pub fn get_code_cache_overdraft(&self) -> usize {
        self.code_overdraft.unwrap_or(self.code_budget.unwrap_or(0))
    }

    /// The resident-page budget of paged memories ([`Config::page_budget`]).
    pub fn get_page_budget(&self) -> Option<usize> {
        self.page_budget
    }

    /// The paging new memories are created with ([`Config::memory_paging`], with the
    /// [page budget](Config::page_budget) applied; `None`: memories are fully resident).
    pub fn get_memory_paging(&self) -> Option<Paging> {
        self.effective_paging()
    }

    /// The storage policy of new memories ([`Config::memory_policy`]).
    pub fn get_memory_policy(&self) -> MemoryPolicy {
        self.memory_policy
    }

    /// What the code cache does with evicted microcode ([`Config::code_eviction`]).
    pub fn get_code_eviction(&self) -> CodeEviction {
        self.code_eviction
    }

    /// Whether functions are translated at instantiation ([`Config::prescan`]).
    pub fn get_prescan(&self) -> bool {
        self.prescan
    }

    /// The old name of [`get_profile`](Config::get_profile).
    #[deprecated(note = "renamed to `get_profile`, the getter of `Config::profile`")]
    pub fn target_profile(&self) -> TargetProfile {
        self.get_profile()
    }

    /// The old name of [`get_code_cache_budget`](Config::get_code_cache_budget).
    #[deprecated(note = "renamed to `get_code_cache_budget`")]
    pub fn code_cache_budget_bytes(&self) -> Option<usize> {
        self.get_code_cache_budget()
    }

    /// The old name of [`get_code_cache_overdraft`](Config::get_code_cache_overdraft).
    #[deprecated(note = "renamed to `get_code_cache_overdraft`")]
    pub fn code_cache_overdraft_bytes(&self) -> usize {
        self.get_code_cache_overdraft()
    }

    /// The old name of [`get_page_budget`](Config::get_page_budget).
    #[deprecated(note = "renamed to `get_page_budget`")]
    pub fn page_budget_pages(&self) -> Option<usize> {
        self.get_page_budget()
    }

    /// Whether new memories are demand-paged: `get_memory_paging().is_some()`.
    #[deprecated(note = "use `get_memory_paging().is_some()`")]
    pub fn memory_paging_enabled(&self) -> bool {
        self.memory_paging.is_some()
    }

    /// The old name of [`get_code_eviction`](Config::get_code_eviction).
    #[deprecated(note = "renamed to `get_code_eviction`")]
    pub fn code_eviction_policy(&self) -> CodeEviction {
        self.get_code_eviction()
    }

    /// The old name of [`get_prescan`](Config::get_prescan).
    #[deprecated(note = "renamed to `get_prescan`")]
    pub fn prescan_enabled(&self) -> bool {
        self.get_prescan()
    }

    /// Upper bound on any table's size, in elements.
    pub fn max_table_elements(mut self, n: u64) -> Config {
        self.max_table_elements = n;
        self
    }
}

/// A configured engine; cheap to clone and share between stores.
#[derive(Debug, Clone, Default)]
pub struct Engine {
    pub(crate) config: Arc<Config>,
    /// The buffers loading a module needs (the validator's and the translator's), kept
    /// between loads as wasmi keeps its translator's: a small module's load otherwise spends
    /// a sixth of its time in `malloc` and `free` (std builds; a load that finds them taken
    /// by another thread uses fresh ones).
    #[cfg(feature = "std")]
    pub(crate) scratch: Arc<std::sync::Mutex<crate::module::LoadScratch>>,
}

impl Engine {
    /// An engine with the given configuration.
    pub fn new(config: Config) -> Engine {
        Engine {
            config: Arc::new(config),
            #[cfg(feature = "std")]
            scratch: Default::default(),
        }
    }

    /// This engine's configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Whether `a` and `b` are the same engine (clones of one `Engine::new`), as wasmtime's
    /// `Engine::same`.
    pub fn same(a: &Engine, b: &Engine) -> bool {
        Arc::ptr_eq(&a.config, &b.config)
    }
}
