//! Host-driven offload of microcode: [`Func::spill_code`] moves a function's microcode to the
//! store's storage (the next call loads it back), [`Func::spill_code_to`] and
//! [`Func::load_code_from`] write and read it in any storage the host holds. Loading never
//! trusts the bytes: the envelope checks the kind, module fingerprint, function index,
//! generation and CRC, the decoder checks the shape, and the verifier checks every operand
//! against the module before the code is installed.

use super::context::{AsContext, AsContextMut};
use alloc::vec::Vec;

use super::code::{CodeLoadError, CodeSpillError};
use super::Store;
use crate::microcode::Compiled;
use crate::offload::{blob, io, Key, Kind, OffloadError, Storage};
use crate::Func;

impl Func {
    /// The storage key of this function's microcode, if it is a wasm function. A host
    /// function has none, so [`spill_code`](Func::spill_code) writes nothing for it.
    ///
    /// # Panics
    /// If the function belongs to another store; [`try_code_key`](Func::try_code_key) returns
    /// [`Error::WrongStore`](crate::Error::WrongStore) instead.
    #[track_caller]
    pub fn code_key<T>(&self, store: impl AsContext<Data = T>) -> Option<Key> {
        let store = store.as_context().0;
        store.assert_owns(self.1);
        super::code::code_key(&store.inner, self.0)
    }

    /// Move this function's microcode out of RAM into the store's storage
    /// ([`Store::set_storage`]), as [`Memory::spill`](crate::Memory::spill) does for a
    /// memory: it is translated first if needed, written under [`code_key`](Func::code_key)
    /// with a fresh generation of the store, and dropped from RAM. The next call loads it
    /// back, checks the envelope, generation and CRC, decodes and verifies it, and
    /// re-translates from the module if any of that fails
    /// ([`Store::last_code_load_error`] says why). A call in progress keeps running on its
    /// own reference. Returns the bytes written (0 for a host function).
    ///
    /// To write the code to a storage of the host's choosing, with a generation of its own,
    /// and keep it in RAM, use [`spill_code_to`](Func::spill_code_to).
    pub fn spill_code(&self, mut store: impl AsContextMut) -> Result<usize, CodeSpillError> {
        let store = store.as_context_mut().0;
        if !store.owns(self.1) {
            return Err(CodeSpillError::WrongStore);
        }
        super::code::spill_and_evict(&mut store.inner, self.0)
    }

    /// Write this function's microcode (translating it first if needed) to `storage` under
    /// [`code_key`](Func::code_key), with generation `generation`. Returns the bytes written.
    /// The code stays in RAM; [`evict_code`](Func::evict_code) drops it, and
    /// [`load_code_from`](Func::load_code_from) reads it back. The store's own storage and
    /// generations are not involved: this is for a host that manages its blobs itself (the
    /// firmware keeps them on its card across boots).
    pub fn spill_code_to<T, S: Storage>(
        &self,
        mut store: impl AsContextMut<Data = T>,
        storage: &mut S,
        generation: u64,
    ) -> Result<usize, OffloadError<S::Error>> {
        let store = store.as_context_mut().0;
        if !store.owns(self.1) {
            return Err(OffloadError::WrongStore);
        }
        let Some(key) = self.code_key(&*store) else {
            return Ok(0);
        };
        let code = super::materialize_code(&mut store.inner, self.0)
            .map_err(|_| OffloadError::OutOfMemory)?;
        let started = store.inner.offload.metrics.start();
        let payload = code.get().encode();
        io::save(storage, &key, generation, &payload)?;
        let written = blob::HEADER_LEN + payload.len();
        store
            .inner
            .offload
            .metrics
            .record_spill(Kind::Code, written, started);
        Ok(written)
    }

    /// Read this function's microcode back from `storage` and install it. On any error the
    /// function keeps its current state (callers fall back to re-translation, which the next
    /// call does by itself for an evicted function). Successes and failures are counted in
    /// the store's [offload metrics](Store::offload_metrics).
    pub fn load_code_from<T, S: Storage>(
        &self,
        mut store: impl AsContextMut<Data = T>,
        storage: &mut S,
    ) -> Result<(), CodeLoadError<S::Error>> {
        let store = store.as_context_mut().0;
        store.check(self.1).map_err(CodeLoadError::Rejected)?;
        let Some(key) = self.code_key(&*store) else {
            return Ok(());
        };
        let started = store.inner.offload.metrics.start();
        match self.read_code(store, storage, key) {
            Ok(bytes) => {
                store
                    .inner
                    .offload
                    .metrics
                    .record_load(Kind::Code, bytes, started);
                Ok(())
            }
            Err(e) => {
                store.inner.offload.metrics.record_load_failure(Kind::Code);
                Err(e)
            }
        }
    }

    fn read_code<T, S: Storage>(
        &self,
        store: &mut Store<T>,
        storage: &mut S,
        key: Key,
    ) -> Result<usize, CodeLoadError<S::Error>> {
        let mut buf = Vec::new();
        // Envelope and identity checks; `buf` keeps only the payload.
        io::load(storage, &key, &mut buf).map_err(CodeLoadError::Offload)?;
        let code = Compiled::decode(&buf).map_err(CodeLoadError::Decode)?;
        self.install_code(store, code)
            .map_err(CodeLoadError::Rejected)?;
        Ok(blob::HEADER_LEN + buf.len())
    }
}
