//! Whole-memory spill: a resident memory written to storage as one blob (alternating between
//! two ring slots of its key, so a torn write never destroys the previous copy) and reloaded
//! on its next access; a paged memory spills by writing back its dirty pages and releasing
//! every frame.

use alloc::vec::Vec;

use super::{offload_error, Backing, MemoryEntity, MemoryOffloadError};
use crate::config::MemoryPolicy;
use crate::offload::{io, Key, Kind, OffloadError, StorageSlot};
use crate::runtime::storage::OffloadState;

impl MemoryEntity {
    fn key(&self, slot: u8) -> Key {
        Key::new(Kind::Memory, self.fingerprint.get(), self.index)
            .with_slot(StorageSlot::Ring(slot))
    }

    /// Write the whole memory to the store's storage and release its RAM. A paged memory
    /// writes back its dirty pages and releases every frame instead. Returns bytes written.
    pub fn spill(&mut self, off: &mut OffloadState) -> Result<usize, MemoryOffloadError> {
        let slot = 1 - self.last_slot;
        let key = self.key(slot);
        let generation = off.next_generation();
        let OffloadState {
            storage, metrics, ..
        } = off;
        let storage = storage
            .as_deref_mut()
            .ok_or(MemoryOffloadError::NoStorage)?;
        match &mut self.backing {
            Backing::Spilled { .. } => Ok(0),
            Backing::Resident => {
                let started = metrics.start();
                let durable = self.policy == MemoryPolicy::Durable;
                let header = io::save_with(storage, &key, generation, &self.data, durable)
                    .map_err(offload_error)?;
                if self.policy == MemoryPolicy::Durable {
                    storage
                        .sync()
                        .map_err(|e| offload_error(OffloadError::Storage(e)))?;
                }
                let bytes = crate::offload::blob::HEADER_LEN + header.payload_len as usize;
                metrics.record_spill(Kind::Memory, bytes, started);
                self.data = Vec::new();
                self.last_slot = slot;
                self.backing = Backing::Spilled { generation, slot };
                Ok(bytes)
            }
            Backing::Paged(p) => {
                let (fp, index, policy) = (self.fingerprint.get(), self.index, self.policy);
                let before = metrics.kind(Kind::MemoryPage).bytes_written;
                p.release_all(off, fp, index, policy)
                    .map_err(|_| MemoryOffloadError::WriteBack)?;
                Ok((off.metrics.kind(Kind::MemoryPage).bytes_written - before) as usize)
            }
        }
    }

    /// Bring a spilled memory back into RAM (a no-op otherwise). On failure the memory stays
    /// spilled, so a later access or call may retry.
    pub fn reload(&mut self, off: &mut OffloadState) -> Result<(), MemoryOffloadError> {
        let Backing::Spilled { generation, slot } = self.backing else {
            return Ok(());
        };
        let key = self.key(slot);
        let OffloadState {
            storage, metrics, ..
        } = off;
        let Some(storage) = storage.as_deref_mut() else {
            metrics.record_load_failure(Kind::Memory);
            return Err(MemoryOffloadError::NoStorage);
        };
        let started = metrics.start();
        let mut buf = Vec::new();
        let loaded = io::load_generation(storage, &key, generation, &mut buf)
            .map_err(offload_error)
            .and_then(|_| {
                let len = buf.len() as u64;
                if len > self.size || !len.is_multiple_of(self.ty.page_size()) {
                    return Err(MemoryOffloadError::BadSize);
                }
                let extra = (self.size - len) as usize;
                buf.try_reserve_exact(extra)
                    .map_err(|_| MemoryOffloadError::OutOfMemory)?;
                Ok(len)
            });
        match loaded {
            Ok(len) => {
                metrics.record_load(
                    Kind::Memory,
                    len as usize + crate::offload::blob::HEADER_LEN,
                    started,
                );
                buf.resize(self.size as usize, 0);
                self.data = buf;
                self.backing = Backing::Resident;
                Ok(())
            }
            Err(e) => {
                metrics.record_load_failure(Kind::Memory);
                Err(e)
            }
        }
    }
}
