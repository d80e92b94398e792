//! Why a checkpoint or a restore failed.

use core::fmt;

use crate::error::Error;
use crate::offload::{Kind, OffloadError};

/// Why a checkpoint or restore failed. `E` is the storage's error type.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CheckpointError<E> {
    /// Storage I/O failed, or no intact checkpoint could be read (see the inner error:
    /// [`OffloadError::NoValidCheckpoint`] when manifests exist but all are damaged).
    Offload(OffloadError<E>),
    /// There is no checkpoint of this module (and set) on the storage.
    NoCheckpoint,
    /// The store has no storage of its own (for the `*_store_storage` variants).
    NoStorage,
    /// The instance holds state a checkpoint cannot express: a reference to a function outside
    /// the instance, a non-null `externref`, or a size beyond the format's limits.
    Unrepresentable {
        /// The part the value belongs to.
        kind: Kind,
        /// The global, table or memory index.
        index: u32,
        /// What could not be stored.
        reason: &'static str,
    },
    /// An intact part (its CRC matches) whose payload does not parse.
    Malformed {
        /// The part's kind.
        kind: Kind,
        /// The part's index.
        index: u32,
        /// What is wrong.
        reason: &'static str,
    },
    /// The checkpoint does not fit the instance (different counts, types, or a size smaller
    /// than the fresh instance's).
    Mismatch {
        /// The part's kind.
        kind: Kind,
        /// The part's index.
        index: u32,
        /// What differs.
        reason: &'static str,
    },
    /// A memory or table could not be grown to its checkpointed size (engine limits).
    Grow {
        /// [`Kind::MemoryPage`] for a memory, [`Kind::Table`] for a table.
        kind: Kind,
        /// The memory or table index.
        index: u32,
        /// The size asked for (pages or elements).
        size: u64,
    },
    /// Reading or writing linear memory failed.
    Memory(Error),
    /// A buffer could not be allocated.
    OutOfMemory,
    /// The instance handle belongs to another store.
    WrongStore,
}

impl<E> From<OffloadError<E>> for CheckpointError<E> {
    fn from(e: OffloadError<E>) -> Self {
        match e {
            OffloadError::OutOfMemory => CheckpointError::OutOfMemory,
            e => CheckpointError::Offload(e),
        }
    }
}

impl<E: fmt::Debug> fmt::Display for CheckpointError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CheckpointError::Offload(e) => write!(f, "checkpoint storage: {e}"),
            CheckpointError::NoCheckpoint => f.write_str("no checkpoint of this module"),
            CheckpointError::NoStorage => f.write_str("the store has no storage"),
            CheckpointError::Unrepresentable {
                kind,
                index,
                reason,
            } => write!(f, "cannot checkpoint {kind:?} {index}: {reason}"),
            CheckpointError::Malformed {
                kind,
                index,
                reason,
            } => write!(f, "checkpoint part {kind:?} {index} is malformed: {reason}"),
            CheckpointError::Mismatch {
                kind,
                index,
                reason,
            } => write!(f, "checkpoint part {kind:?} {index} does not fit: {reason}"),
            CheckpointError::Grow { kind, index, size } => {
                write!(f, "cannot grow {kind:?} {index} to {size}")
            }
            CheckpointError::Memory(e) => write!(f, "memory access: {e}"),
            CheckpointError::OutOfMemory => f.write_str("out of memory for a checkpoint buffer"),
            CheckpointError::WrongStore => f.write_str("the instance belongs to another store"),
        }
    }
}

#[cfg(feature = "std")]
impl<E: fmt::Debug + 'static> std::error::Error for CheckpointError<E> {
    /// The storage error, or the memory access error.
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            CheckpointError::Offload(e) => Some(e),
            CheckpointError::Memory(e) => Some(e),
            _ => None,
        }
    }
}
