//! Engine configuration.

use alloc::sync::Arc;

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
    pub(crate) code_budget: Option<usize>,
}

impl Default for Config {
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
            code_budget: None,
        }
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
        f
    }

    /// Byte budget for translated microcode held in RAM per store (`None`: unbounded). When a
    /// translation goes over it, the oldest translated functions are dropped (FIFO) and
    /// re-translated on their next call; a function larger than the budget still runs.
    pub fn code_cache_budget(mut self, bytes: Option<usize>) -> Config {
        self.code_budget = bytes;
        self
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
}
