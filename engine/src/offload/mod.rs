//! Offload storage: where spilled microcode, spilled or paged linear memory and checkpoints go.
//!
//! The layers, bottom up:
//!
//! - [`Storage`]: the small trait all offload I/O goes through (read, atomic write, remove,
//!   sync), with [`MemStorage`] in RAM, [`FileStorage`] on std, and [`FaultyStorage`] to
//!   inject power cuts, torn writes, bit flips, lost writes and I/O errors in tests.
//! - [`blob`]: the one envelope every stored blob is wrapped in (magic, version, kind, module
//!   fingerprint, item index, generation, length, CRC-32), specified in
//!   `docs/spill-format.md`; [`io`] saves and loads enveloped blobs through a storage.
//! - [`Ring`]: spreads hot keys over a ring of slots, so one file is not rewritten every time
//!   and a torn write falls back to the previous copy.
//! - [`commit`]: atomic multi-blob commits with a manifest written last (what instance and
//!   call checkpoints, `runtime::checkpoint`, are written with).
//! - [`Metrics`]: counters and latency histograms.
//! - [`Crc32`]: the CRC-32 of blobs (and of module-source blocks).
//!
//! Everything here is `no_std` + `alloc` except [`FileStorage`].

pub mod blob;
pub mod commit;
mod crc;
mod error;
mod faulty;
#[cfg(feature = "std")]
mod file;
pub mod io;
mod key;
mod manifest;
mod metrics;
mod ring;
mod storage;

#[cfg(test)]
mod tests;

/// The old name of [`commit`] (kept for code written against it).
#[doc(hidden)]
pub use commit as checkpoint;

pub use blob::{fingerprint, BlobError, Header};
pub use crc::{crc32, Crc32};
pub use error::OffloadError;
pub use faulty::{
    Counts, Fault, FaultError, FaultyStorage, Persistence, PowerCut, StorageOp, Unsynced, Wear,
};
#[cfg(feature = "std")]
pub use file::FileStorage;
pub use key::{Key, KeyName, Kind, StorageSlot};
#[cfg(feature = "std")]
pub use metrics::std_clock;
pub use metrics::{Clock, Histogram, KindCounters, Metrics, Timer};
pub use ring::Ring;
pub use storage::{MemStorage, Storage};
