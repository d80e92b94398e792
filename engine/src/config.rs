//! Engine configuration.

use alloc::string::String;
use alloc::sync::Arc;
use core::fmt;

use crate::profile::{parse_size, TargetProfile};

/// What the code cache does with the microcode it evicts to stay within its budget (and what
/// [`Func::evict_code`](crate::Func::evict_code) does).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CodeEviction {
    /// Drop it; the function is re-translated from the module bytes on its next call.
    #[default]
    Drop,
    /// Write it to the store's storage ([`Store::set_storage`](crate::Store::set_storage)) in
    /// the blob envelope and drop it from RAM; the next call loads it back (envelope, decode,
    /// verify) instead of translating. Code already stored and unchanged since is not written
    /// again. A failed write degrades to `Drop`; a failed load re-translates (counted as a load
    /// failure and a fallback in [`Store::offload_metrics`](crate::Store::offload_metrics)).
    /// Without a storage this is `Drop`.
    Spill,
}

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

    pub(crate) code_budget: Option<usize>,
    /// How far past the budget the code cache may grow when it thrashes (`None`: as far as
    /// the budget itself).
    pub(crate) code_overdraft: Option<usize>,
    pub(crate) memory_paging: Option<crate::runtime::Paging>,
    pub(crate) memory_policy: crate::runtime::MemoryPolicy,
    pub(crate) code_eviction: CodeEviction,
    /// Resident-page budget of paged memories created without an explicit one.
    pub(crate) page_budget: Option<usize>,
    pub(crate) profile: TargetProfile,
    /// Fuel and interruption checks (`runtime/fuel.rs`).
    pub(crate) metering: crate::microcode::metering::Metering,
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
            code_budget: None,
            code_overdraft: None,
            memory_paging: None,
            memory_policy: crate::runtime::MemoryPolicy::Cache,
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
    pub fn memory_paging(mut self, paging: Option<crate::runtime::Paging>) -> Config {
        self.memory_paging = paging;
        if let Some(p) = paging {
            self.page_budget = Some(p.resident_pages);
        }
        self
    }

    /// The paging of new memories, with the configured page budget applied.
    pub(crate) fn effective_paging(&self) -> Option<crate::runtime::Paging> {
        self.memory_paging.map(|p| crate::runtime::Paging {
            resident_pages: self.page_budget.unwrap_or(p.resident_pages),
            ..p
        })
    }

    /// The storage policy of new memories (default [`MemoryPolicy::Cache`](crate::MemoryPolicy)).
    pub fn memory_policy(mut self, policy: crate::runtime::MemoryPolicy) -> Config {
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

    /// The target profile the defaults came from.
    pub fn target_profile(&self) -> TargetProfile {
        self.profile
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

    /// The largest allowance over the code-cache budget ([`Config::code_cache_overdraft`]).
    pub fn code_cache_overdraft_bytes(&self) -> usize {
        self.code_overdraft.unwrap_or(self.code_budget.unwrap_or(0))
    }

    /// The current code-cache budget in bytes.
    pub fn code_cache_budget_bytes(&self) -> Option<usize> {
        self.code_budget
    }

    /// The current resident-page budget of paged memories.
    pub fn page_budget_pages(&self) -> Option<usize> {
        self.page_budget
    }

    /// Whether new memories are demand-paged ([`Config::memory_paging`]).
    pub fn memory_paging_enabled(&self) -> bool {
        self.memory_paging.is_some()
    }

    /// The current code-eviction policy.
    pub fn code_eviction_policy(&self) -> CodeEviction {
        self.code_eviction
    }

    /// Whether functions are translated at instantiation.
    pub fn prescan_enabled(&self) -> bool {
        self.prescan
    }

    /// The defaults ([`Config::default`]) with the environment applied ([`Config::apply_env`]).
    #[cfg(feature = "std")]
    pub fn from_env() -> Result<Config, ConfigError> {
        Config::default().apply_env()
    }

    /// Apply the process environment on top of this configuration; see
    /// [`apply_vars`](Config::apply_vars) for the variables.
    #[cfg(feature = "std")]
    pub fn apply_env(self) -> Result<Config, ConfigError> {
        self.apply_vars(|name| std::env::var(name).ok())
    }

    /// Apply configuration variables looked up by `get` (the environment, on std hosts), in
    /// this order; unset or empty variables change nothing:
    ///
    /// - `FAYASM_TARGET_PROFILE=host|esp32c3|<RAM bytes, k/m/g suffix, not 0>`:
    ///   [`Config::profile`].
    /// - `FAYASM_CODE_BUDGET=<bytes, k/m suffix>|none`: [`Config::code_cache_budget`].
    /// - `FAYASM_MICROCODE=0|1`: `0` keeps no microcode cached between calls (budget 0: every
    ///   translation or load evicts all other functions' code, so a function is re-translated,
    ///   or reloaded under the spill policy, whenever another ran in between; code of the
    ///   functions on the call stack stays alive until they return). `1` keeps the cache with
    ///   the budget set so far.
    /// - `FAYASM_CODE_OVERDRAFT=<bytes, k/m suffix>|none`: [`Config::code_cache_overdraft`]
    ///   (`none`: no limit).
    /// - `FAYASM_CODE_EVICTION=drop|spill`: [`Config::code_eviction`].
    /// - `FAYASM_PAGE_BUDGET=<pages, at least 1>|none`: [`Config::page_budget`].
    /// - `FAYASM_JIT_PRESCAN=0|1`: translate everything at instantiation, if the profile
    ///   allows it ([`TargetProfile::prescan_allowed`]); `0` turns prescan off.
    /// - `FAYASM_JIT_PRESCAN_FORCE=1`: prescan whatever the profile says.
    pub fn apply_vars(
        mut self,
        mut get: impl FnMut(&str) -> Option<String>,
    ) -> Result<Config, ConfigError> {
        let mut var = |name: &'static str| {
            get(name)
                .filter(|v| !v.trim().is_empty())
                .map(|v| (name, v))
        };
        let err = |var: &'static str, value: String, expected: &'static str| ConfigError {
            var,
            value,
            expected,
        };
        let flag = |name: &'static str, v: String| match v.trim() {
            "1" | "true" | "on" | "yes" => Ok(true),
            "0" | "false" | "off" | "no" => Ok(false),
            _ => Err(err(name, v, "0 or 1")),
        };
        let optional_size = |v: &str| {
            if v.trim().eq_ignore_ascii_case("none") {
                Some(None)
            } else {
                parse_size(v).map(Some)
            }
        };
        if let Some((n, v)) = var("FAYASM_TARGET_PROFILE") {
            let p = TargetProfile::parse(&v)
                .ok_or_else(|| err(n, v, "host, esp32c3 or a RAM size above 0"))?;
            self = self.profile(p);
        }
        if let Some((n, v)) = var("FAYASM_CODE_BUDGET") {
            let b = optional_size(&v).ok_or_else(|| err(n, v, "a byte count or none"))?;
            self.code_budget = b;
        }
        if let Some((n, v)) = var("FAYASM_MICROCODE") {
            if !flag(n, v)? {
                self.code_budget = Some(0);
            }
        }
        if let Some((n, v)) = var("FAYASM_CODE_OVERDRAFT") {
            let b = optional_size(&v).ok_or_else(|| err(n, v, "a byte count or none"))?;
            self.code_overdraft = Some(b.unwrap_or(usize::MAX));
        }
        if let Some((n, v)) = var("FAYASM_CODE_EVICTION") {
            self.code_eviction = match v.trim() {
                s if s.eq_ignore_ascii_case("drop") => CodeEviction::Drop,
                s if s.eq_ignore_ascii_case("spill") => CodeEviction::Spill,
                _ => return Err(err(n, v, "drop or spill")),
            };
        }
        if let Some((n, v)) = var("FAYASM_PAGE_BUDGET") {
            let pages = match optional_size(&v) {
                Some(Some(p)) if p > 0 && v.trim().bytes().all(|b| b.is_ascii_digit()) => Some(p),
                Some(None) => None,
                _ => return Err(err(n, v, "a page count of at least 1, or none")),
            };
            self.page_budget = pages;
        }
        if let Some((n, v)) = var("FAYASM_JIT_PRESCAN") {
            self.prescan = flag(n, v)? && self.profile.prescan_allowed();
        }
        if let Some((n, v)) = var("FAYASM_JIT_PRESCAN_FORCE") {
            if flag(n, v)? {
                self.prescan = true;
            }
        }
        Ok(self)
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
}

impl Engine {
    /// An engine with the given configuration.
    pub fn new(config: Config) -> Engine {
        Engine {
            config: Arc::new(config),
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
