//! The error type of offload operations.

use core::fmt;

use super::blob::BlobError;
use super::key::{Key, Kind};

/// Why an offload operation failed. `E` is the storage's own error type.
///
/// Callers decide what to do from the variant: [`Storage`](OffloadError::Storage) is an I/O
/// problem (retrying may help, nothing was learned about the data), the others say the stored
/// data is missing, damaged, foreign or out of date, and the documented fallback applies
/// (re-translate code, the memory's policy, the previous checkpoint).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OffloadError<E> {
    /// The storage reported an error.
    Storage(E),
    /// A stored blob was rejected when it was read back.
    Blob {
        /// The key it was read from.
        key: Key,
        /// Why it was rejected.
        error: BlobError,
    },
    /// There is no blob under the key.
    NotFound(Key),
    /// An intact blob was found, but not the generation that was expected: a write was lost,
    /// or the newest copy is damaged and only an older one survives.
    Stale {
        /// The key it was read from.
        key: Key,
        /// The generation that should be there.
        expected: u64,
        /// The newest intact generation found, if any copy is intact.
        found: Option<u64>,
    },
    /// A write to a ring of slots did not carry a generation newer than the ring's newest.
    NotNewer {
        /// The key written.
        key: Key,
        /// The newest generation already in the ring.
        newest: u64,
        /// The generation of the refused write.
        attempted: u64,
    },
    /// Data to be written cannot be stored as a blob under the key, and nothing was written:
    /// a payload longer than the envelope can state ([`BlobError::TooLarge`], from every save
    /// through [`io::save`](super::io::save)), or data given to a ring of slots that is not an
    /// intact blob for the key.
    NotABlob {
        /// The key written.
        key: Key,
        /// What is wrong with the data.
        error: BlobError,
    },
    /// A checkpoint manifest passed its CRC but its contents do not parse.
    BadManifest(Key),
    /// Checkpoint manifests exist but none of them, with all its parts, is intact.
    NoValidCheckpoint {
        /// How many manifests were found and rejected.
        rejected: u32,
    },
    /// The item is not part of the loaded checkpoint.
    NotInCheckpoint {
        /// The item's kind.
        kind: Kind,
        /// The item's index.
        index: u32,
    },
    /// Checkpoint parts cannot be of this kind (manifests are written by the checkpoint itself).
    ReservedKind(Kind),
    /// Memory for a buffer could not be allocated.
    OutOfMemory,
    /// The handle given belongs to another store ([`Func::spill_code_to`](crate::Func::spill_code_to)).
    WrongStore,
}

impl<E> OffloadError<E> {
    /// Whether the error is the storage's (I/O) rather than about the stored data.
    pub fn is_storage(&self) -> bool {
        matches!(self, OffloadError::Storage(_))
    }

    /// Converts the storage error with `f`, keeping every other variant.
    pub fn map_storage<F>(self, f: impl FnOnce(E) -> F) -> OffloadError<F> {
        match self {
            OffloadError::Storage(e) => OffloadError::Storage(f(e)),
            OffloadError::Blob { key, error } => OffloadError::Blob { key, error },
            OffloadError::NotFound(k) => OffloadError::NotFound(k),
            OffloadError::Stale {
                key,
                expected,
                found,
            } => OffloadError::Stale {
                key,
                expected,
                found,
            },
            OffloadError::NotNewer {
                key,
                newest,
                attempted,
            } => OffloadError::NotNewer {
                key,
                newest,
                attempted,
            },
            OffloadError::NotABlob { key, error } => OffloadError::NotABlob { key, error },
            OffloadError::BadManifest(k) => OffloadError::BadManifest(k),
            OffloadError::NoValidCheckpoint { rejected } => {
                OffloadError::NoValidCheckpoint { rejected }
            }
            OffloadError::NotInCheckpoint { kind, index } => {
                OffloadError::NotInCheckpoint { kind, index }
            }
            OffloadError::ReservedKind(k) => OffloadError::ReservedKind(k),
            OffloadError::WrongStore => OffloadError::WrongStore,
            OffloadError::OutOfMemory => OffloadError::OutOfMemory,
        }
    }
}

impl<E: fmt::Debug> fmt::Display for OffloadError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OffloadError::Storage(e) => write!(f, "storage error: {e:?}"),
            OffloadError::WrongStore => f.write_str("the handle belongs to another store"),
            OffloadError::Blob { key, error } => write!(f, "blob {} rejected: {error}", key.file_name()),
            OffloadError::NotFound(key) => write!(f, "blob {} not found", key.file_name()),
            OffloadError::Stale { key, expected, found: Some(found) } => write!(
                f,
                "blob {} is stale: generation {found} found, {expected} expected",
                key.file_name()
            ),
            OffloadError::Stale { key, expected, found: None } => write!(
                f,
                "blob {}: generation {expected} expected, no intact copy found",
                key.file_name()
            ),
            OffloadError::NotNewer { key, newest, attempted } => write!(
                f,
                "write of generation {attempted} to {} refused: generation {newest} is already stored",
                key.file_name()
            ),
            OffloadError::NotABlob { key, error } => {
                write!(f, "data written to {} is not a valid blob: {error}", key.file_name())
            }
            OffloadError::BadManifest(key) => {
                write!(f, "checkpoint manifest {} is malformed", key.file_name())
            }
            OffloadError::NoValidCheckpoint { rejected } => {
                write!(f, "no valid checkpoint: {rejected} manifest(s) rejected")
            }
            OffloadError::NotInCheckpoint { kind, index } => {
                write!(f, "{kind:?} {index} is not part of the checkpoint")
            }
            OffloadError::ReservedKind(kind) => write!(f, "{kind:?} cannot be a checkpoint part"),
            OffloadError::OutOfMemory => f.write_str("out of memory for an offload buffer"),
        }
    }
}

#[cfg(feature = "std")]
impl<E: fmt::Debug> std::error::Error for OffloadError<E> {
    /// Why a blob was rejected ([`BlobError`]). A storage error is shown in the message (its
    /// type need not implement `std::error::Error`), not chained.
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            OffloadError::Blob { error, .. } | OffloadError::NotABlob { error, .. } => Some(error),
            _ => None,
        }
    }
}
