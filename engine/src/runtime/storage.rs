//! The store's own storage and offload metrics.
//!
//! Explicit offload calls ([`Func::spill_code`](crate::Func::spill_code) and friends) take a
//! storage argument. Offload the engine does by itself (a code cache that spills what it
//! evicts, a spilled memory reloaded on first access, paged memories) needs a storage the store
//! owns: [`Store::set_storage`] installs one. Its error type is erased to [`StorageFailure`] so
//! the store is not generic over it.

use alloc::boxed::Box;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use super::Store;
use crate::offload::{Key, Metrics, Storage};

/// An error of the store's own storage, with the storage's error type erased to its
/// `Debug` text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StorageFailure(pub String);

impl fmt::Display for StorageFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "storage error: {}", self.0)
    }
}

/// A storage owned by a store. It is `Send` so that a [`Store`] of `Send` data is `Send`.
pub type StoreStorage = Box<dyn Storage<Error = StorageFailure> + Send>;

/// Adapts any storage to [`StorageFailure`] errors.
struct Erased<S>(S);

fn erase<E: fmt::Debug>(e: E) -> StorageFailure {
    StorageFailure(format!("{e:?}"))
}

impl<S: Storage> Storage for Erased<S> {
    type Error = StorageFailure;

    fn read(&mut self, key: &Key, buf: &mut Vec<u8>) -> Result<bool, StorageFailure> {
        self.0.read(key, buf).map_err(erase)
    }

    fn write(&mut self, key: &Key, parts: &[&[u8]]) -> Result<(), StorageFailure> {
        self.0.write(key, parts).map_err(erase)
    }

    fn write_cached(&mut self, key: &Key, parts: &[&[u8]]) -> Result<(), StorageFailure> {
        self.0.write_cached(key, parts).map_err(erase)
    }

    fn remove(&mut self, key: &Key) -> Result<(), StorageFailure> {
        self.0.remove(key).map_err(erase)
    }

    fn sync(&mut self) -> Result<(), StorageFailure> {
        self.0.sync().map_err(erase)
    }

    fn has_regions(&self) -> bool {
        self.0.has_regions()
    }

    fn read_at(&mut self, key: &Key, offset: u64, buf: &mut [u8]) -> Result<bool, StorageFailure> {
        self.0.read_at(key, offset, buf).map_err(erase)
    }

    fn reserve(&mut self, key: &Key, len: u64) -> Result<(), StorageFailure> {
        self.0.reserve(key, len).map_err(erase)
    }

    fn write_at(
        &mut self,
        key: &Key,
        offset: u64,
        parts: &[&[u8]],
        sync: bool,
    ) -> Result<(), StorageFailure> {
        self.0.write_at(key, offset, parts, sync).map_err(erase)
    }
}

/// The store-wide state a memory's slow paths and growth need besides the memory itself:
/// the store's storage (if any), offload metrics, the generation counter stamped into the
/// blobs it writes, and the byte budget all its memories share.
#[derive(Default)]
pub(crate) struct OffloadState {
    pub storage: Option<StoreStorage>,
    pub metrics: Metrics,
    generation: u64,
    /// Bytes of linear memory in the store, against `StoreLimits::memories_total`.
    pub memory_budget: super::limits::MemoryBudget,
}

impl fmt::Debug for OffloadState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OffloadState")
            .field("storage", &self.storage.is_some())
            .field("generation", &self.generation)
            .finish_non_exhaustive()
    }
}

impl OffloadState {
    /// A fresh generation number for the next blob written (monotonic per store).
    pub fn next_generation(&mut self) -> u64 {
        self.generation += 1;
        self.generation
    }
}

impl<T> Store<T> {
    /// Give the store a storage of its own, for the offload it does by itself (code-cache
    /// spills, memory reload on first access, paged memories). Replaces any earlier one.
    /// The storage must be `Send` (as a store of `Send` data is): a storage that shares a
    /// device with the rest of the program does so through `Arc<Mutex<_>>` or similar.
    pub fn set_storage<S: Storage + Send + 'static>(&mut self, storage: S) {
        self.inner.offload.storage = Some(Box::new(Erased(storage)));
        self.inner.code_cache.forget_stored();
    }

    /// Install an already boxed storage (as returned by [`take_storage`](Store::take_storage)).
    pub fn set_boxed_storage(&mut self, storage: StoreStorage) {
        self.inner.offload.storage = Some(storage);
        self.inner.code_cache.forget_stored();
    }

    /// Remove the store's storage and hand it back.
    pub fn take_storage(&mut self) -> Option<StoreStorage> {
        self.inner.code_cache.forget_stored();
        self.inner.offload.storage.take()
    }

    /// The store's storage, if it has one.
    pub fn storage_mut(
        &mut self,
    ) -> Option<&mut (dyn Storage<Error = StorageFailure> + Send + 'static)> {
        self.inner.offload.storage.as_deref_mut()
    }

    /// Offload counters and latencies for everything this store spilled and loaded (explicit
    /// calls included).
    pub fn offload_metrics(&self) -> &Metrics {
        &self.inner.offload.metrics
    }

    /// The metrics, mutably (to reset them or set their clock).
    pub fn offload_metrics_mut(&mut self) -> &mut Metrics {
        &mut self.inner.offload.metrics
    }
}
