//! Resource limits of a store, in the spirit of wasmtime's `StoreLimits`: how much linear
//! memory (per memory and in total), how many table elements and instances, and how many
//! bytes the engine's frame and value stacks may take.
//!
//! Exceeding a limit is never an abort: creating a memory, table or instance over a limit is
//! [`Error::Limit`](crate::Error::Limit) (at instantiation or from `Memory::new` /
//! `Table::new`); growing past one makes `memory.grow` / `table.grow` return -1
//! ([`Memory::grow`](crate::Memory::grow) / [`Table::grow`](crate::Table::grow) return
//! `Error::Limit`); a call that needs more stack traps with
//! [`TrapCode::StackOverflow`](crate::TrapCode::StackOverflow). Allocation failures of the host
//! on these paths are reported the same way (fallible reservations, never `alloc`'s abort).

use super::memory::WASM_PAGE_SIZE;
use super::Store;

/// Limits of one store. Exceeding one is never an abort: creating a memory, table or instance
/// over a limit is [`Error::Limit`](crate::Error::Limit), growing past one makes `memory.grow`
/// / `table.grow` return -1, and a call that needs more stack traps with
/// [`TrapCode::StackOverflow`](crate::TrapCode::StackOverflow). Build with the setters:
/// `StoreLimits::default().memories_total(64 << 20).instances(4)`.
///
/// The engine's own bounds ([`Config::max_memory_pages`](crate::Config::max_memory_pages),
/// [`Config::max_table_elements`](crate::Config::max_table_elements),
/// [`Config::max_call_depth`](crate::Config::max_call_depth),
/// [`Config::max_value_stack`](crate::Config::max_value_stack)) apply as well: the smaller
/// bound wins.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoreLimits {
    memory_size: Option<u64>,
    memories_total: Option<u64>,
    table_elements: Option<u64>,
    instances: Option<usize>,
    frame_stack_bytes: usize,
    value_stack_bytes: usize,
    exceptions: usize,
}

/// Default byte limit of the frame stack: 16 MiB (about half a million nested calls).
pub const DEFAULT_FRAME_STACK_BYTES: usize = 16 << 20;

/// Default byte limit of the value stack: 256 MiB.
pub const DEFAULT_VALUE_STACK_BYTES: usize = 256 << 20;

impl Default for StoreLimits {
    /// No limits on memories, tables and instances beyond the engine's; the stacks bounded by
    /// [`DEFAULT_FRAME_STACK_BYTES`] and [`DEFAULT_VALUE_STACK_BYTES`].
    fn default() -> StoreLimits {
        StoreLimits {
            memory_size: None,
            memories_total: None,
            table_elements: None,
            instances: None,
            frame_stack_bytes: DEFAULT_FRAME_STACK_BYTES,
            value_stack_bytes: DEFAULT_VALUE_STACK_BYTES,
            exceptions: super::tag::DEFAULT_MAX_EXCEPTIONS,
        }
    }
}

impl StoreLimits {
    /// The largest size of any one linear memory, in bytes (rounded down to whole pages).
    pub fn memory_size(mut self, bytes: u64) -> StoreLimits {
        self.memory_size = Some(bytes);
        self
    }

    /// The largest size of all linear memories of the store together, in bytes.
    pub fn memories_total(mut self, bytes: u64) -> StoreLimits {
        self.memories_total = Some(bytes);
        self
    }

    /// The most elements any one table may have.
    pub fn table_elements(mut self, n: u64) -> StoreLimits {
        self.table_elements = Some(n);
        self
    }

    /// The most exception objects (`exnref` values: exceptions caught with `catch_ref` or
    /// `catch_all_ref`, raised by the host, or that reached it) the store may hold (default
    /// [`DEFAULT_MAX_EXCEPTIONS`](crate::DEFAULT_MAX_EXCEPTIONS)). Nothing frees one before
    /// the store is dropped; a `catch_ref` past the limit traps, `ExnRef::new` is
    /// `Error::Limit`.
    pub fn exceptions(mut self, n: usize) -> StoreLimits {
        self.exceptions = n;
        self
    }

    /// The exception-object limit.
    pub(crate) fn exceptions_max(&self) -> usize {
        self.exceptions
    }

    /// The most instances the store may hold.
    pub fn instances(mut self, n: usize) -> StoreLimits {
        self.instances = Some(n);
        self
    }

    /// The most bytes the stack of suspended callers (one frame per nested wasm call) may
    /// take; with [`Config::max_call_depth`](crate::Config::max_call_depth) it bounds the call
    /// depth.
    pub fn frame_stack_bytes(mut self, bytes: usize) -> StoreLimits {
        self.frame_stack_bytes = bytes;
        self
    }

    /// The most bytes the value stack (locals and temporaries of every active call, 8 bytes a
    /// cell) may take; with [`Config::max_value_stack`](crate::Config::max_value_stack) it
    /// bounds the cells.
    pub fn value_stack_bytes(mut self, bytes: usize) -> StoreLimits {
        self.value_stack_bytes = bytes;
        self
    }

    /// The byte limit of one memory given the engine's (in 64 KiB pages); a memory may have
    /// as many of its pages as fit (`bytes >> page_size_log2`).
    pub(crate) fn memory_bytes(&self, engine_max_pages: u64) -> u64 {
        let engine = engine_max_pages.saturating_mul(WASM_PAGE_SIZE);
        self.memory_size.map_or(engine, |b| engine.min(b))
    }

    /// The element limit of one table given the engine's.
    pub(crate) fn table_elements_max(&self, engine_max: u64) -> u64 {
        self.table_elements
            .map_or(engine_max, |n| engine_max.min(n))
    }

    /// Whether one more instance fits next to `existing` ones.
    pub(crate) fn instance_fits(&self, existing: usize) -> bool {
        self.instances.is_none_or(|n| existing < n)
    }

    /// The call depth given the engine's, bounded by the frame-stack bytes for frames of
    /// `frame_bytes` each.
    pub(crate) fn max_frames(&self, engine_max: usize, frame_bytes: usize) -> usize {
        engine_max.min(self.frame_stack_bytes / frame_bytes.max(1))
    }

    /// The value-stack cells given the engine's, bounded by the value-stack bytes.
    pub(crate) fn max_cells(&self, engine_max: usize) -> usize {
        engine_max.min(self.value_stack_bytes / 8)
    }

    /// The budget all memories share.
    pub(crate) fn memory_budget(&self) -> Option<u64> {
        self.memories_total
    }
}

/// The bytes of linear memory a store holds, against its total limit.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct MemoryBudget {
    pub used: u64,
    pub total: Option<u64>,
}

impl MemoryBudget {
    /// Take `bytes` more from the budget; `false` (and nothing taken) if they do not fit.
    pub fn take(&mut self, bytes: u64) -> bool {
        match self.used.checked_add(bytes) {
            Some(n) if self.total.is_none_or(|t| n <= t) => {
                self.used = n;
                true
            }
            _ => false,
        }
    }

    /// Give back `bytes` taken by [`take`](MemoryBudget::take) for an allocation that failed.
    pub fn give_back(&mut self, bytes: u64) {
        self.used = self.used.saturating_sub(bytes);
    }
}

impl<T> Store<T> {
    /// Set the store's resource limits (see [`StoreLimits`]). Per-memory and per-table limits
    /// apply to memories and tables created afterwards; the total memory limit, the instance
    /// limit and the stack limits apply from now on to everything (memories already larger
    /// than the total stay, but cannot grow).
    pub fn set_limits(&mut self, limits: StoreLimits) {
        self.inner.limits = limits;
        self.inner.offload.memory_budget.total = limits.memory_budget();
    }

    /// The store's resource limits.
    pub fn limits(&self) -> &StoreLimits {
        &self.inner.limits
    }

    /// Bytes of linear memory the store's memories have (their sizes, whether or not the
    /// host has backed every page with RAM).
    pub fn memory_bytes(&self) -> u64 {
        self.inner.offload.memory_budget.used
    }
}
