//! Host-driven offload of microcode: write a function's microcode to storage in the blob
//! envelope, and load it back. Loading never trusts the bytes: the envelope checks the kind,
//! module fingerprint, function index and CRC, the decoder checks the shape, and the verifier
//! checks every operand against the module before the code is installed.

use alloc::vec::Vec;

use super::Store;
use crate::microcode::Compiled;
use crate::offload::{blob, io, Key, Kind, OffloadError, Storage};
use crate::Func;

/// Why microcode read from storage was not installed (the function keeps its state).
#[derive(Debug)]
pub enum CodeLoadError<E> {
    /// Reading the blob failed, or the envelope was rejected.
    Offload(OffloadError<E>),
    /// The payload is not well-formed microcode.
    Decode(crate::microcode::codec::DecodeError),
    /// The microcode does not verify against the module.
    Rejected(crate::Error),
}

impl<E: core::fmt::Debug> core::fmt::Display for CodeLoadError<E> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            CodeLoadError::Offload(e) => write!(f, "{e}"),
            CodeLoadError::Decode(e) => write!(f, "{e}"),
            CodeLoadError::Rejected(e) => write!(f, "{e}"),
        }
    }
}

impl Func {
    /// The storage key of this function's microcode, if it is a wasm function of `store`.
    /// A host function or a function of another store has none, so
    /// [`spill_code`](Func::spill_code) writes nothing for it.
    pub fn code_key<T>(&self, store: &Store<T>) -> Option<Key> {
        if !store.owns(self.1) {
            return None;
        }
        super::code::code_key(&store.inner, self.0)
    }

    /// Write this function's microcode (translating it first if needed) to `storage` under
    /// [`code_key`](Func::code_key), with generation `generation`. Returns the bytes written.
    /// The code stays in RAM; [`evict_code`](Func::evict_code) drops it.
    pub fn spill_code<T, S: Storage>(
        &self,
        store: &mut Store<T>,
        storage: &mut S,
        generation: u64,
    ) -> Result<usize, OffloadError<S::Error>> {
        let Some(key) = self.code_key(store) else {
            return Ok(0);
        };
        let code = crate::exec::compiled(&mut store.inner, self.0)
            .map_err(|_| OffloadError::OutOfMemory)?;
        let started = store.inner.offload.metrics.start();
        let payload = code.encode();
        let header = blob::encode_header(&key, generation, &payload)
            .map_err(|error| OffloadError::NotABlob { key, error })?;
        storage
            .write(&key, &[&header, &payload])
            .map_err(OffloadError::Storage)?;
        let written = header.len() + payload.len();
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
    pub fn load_code<T, S: Storage>(
        &self,
        store: &mut Store<T>,
        storage: &mut S,
    ) -> Result<(), CodeLoadError<S::Error>> {
        store.check(self.1).map_err(CodeLoadError::Rejected)?;
        let Some(key) = self.code_key(store) else {
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
