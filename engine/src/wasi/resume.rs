//! A WASI guest's state across a suspended-call checkpoint (`docs/suspended-call.md`, "Host
//! state: WASI").
//!
//! A checkpoint holds the instance and the call, not the store's data: after a restart the
//! host builds a [`WasiCtx`] again the same way (the same arguments, environment and
//! preopened directories, in the same order). What such a fresh context cannot rebuild is
//! either carried by the host or refused here, never left silently different:
//!
//! - descriptors the guest opened (files, directories), and standard streams or preopens it
//!   closed or renumbered: [`WasiCtx::resumable`] refuses ([`NotResumable`]); checkpoint
//!   again once the guest has closed them;
//! - standard input fed from bytes and partly read: refused (a fresh context would read it
//!   again from the start); inherited standard input is the process's, read on from wherever
//!   it is;
//! - the monotonic and CPU-time clocks: carried by the host with
//!   [`WasiCtx::monotonic_start`] (a resumed guest must not see them go back).
//!
//! Output written after the checkpoint, to streams or files, is written again by the resumed
//! call (at least once, as for any replay); captured output buffers are the host's.

use core::fmt;

use super::{Descriptor, Input, WasiCtx};

/// Why a [`WasiCtx`]'s state cannot be rebuilt by a fresh context after a restart.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum NotResumable {
    /// Descriptor `fd` is a file or directory the guest opened.
    Opened {
        /// The descriptor.
        fd: u32,
    },
    /// Descriptor `fd` (a standard stream or a preopened directory) was closed or renumbered.
    Moved {
        /// The descriptor.
        fd: u32,
    },
    /// Standard input is fed from bytes and the guest has read part of them.
    StdinRead {
        /// Bytes read so far.
        pos: usize,
    },
}

impl fmt::Display for NotResumable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NotResumable::Opened { fd } => write!(
                f,
                "descriptor {fd} is a file or directory the guest opened (not carried across a restart)"
            ),
            NotResumable::Moved { fd } => write!(
                f,
                "descriptor {fd} (a standard stream or preopened directory) was closed or renumbered"
            ),
            NotResumable::StdinRead { pos } => write!(
                f,
                "standard input is fed from bytes and {pos} of them have been read"
            ),
        }
    }
}

impl core::error::Error for NotResumable {}

impl WasiCtx {
    /// Whether a context built again the same way (same arguments, environment and
    /// preopened directories, in the same order) gives the guest the same state, so that a
    /// suspended call checkpointed now can be restored with it after a restart: the
    /// descriptors are the standard streams and the preopened directories, where they were
    /// given, and nothing else; standard input fed from bytes is unread. The monotonic clock
    /// is the host's to carry ([`WasiCtx::monotonic_start`]).
    pub fn resumable(&self) -> Result<(), NotResumable> {
        if let Input::Bytes { pos, .. } = self.stdin {
            if pos > 0 {
                return Err(NotResumable::StdinRead { pos });
            }
        }
        // No descriptor table yet: the guest has not touched a descriptor.
        if self.fds.is_empty() {
            return Ok(());
        }
        for (fd, d) in self.fds.iter().enumerate() {
            let fd32 = fd as u32;
            let in_place = match (fd, d) {
                (0, Some(Descriptor::Stdin))
                | (1, Some(Descriptor::Stdout))
                | (2, Some(Descriptor::Stderr)) => true,
                (
                    3..,
                    Some(Descriptor::Dir {
                        mount,
                        path,
                        preopen: Some(_),
                    }),
                ) => fd - 3 == *mount && path.is_empty(),
                // A freed slot past the preopens (a guest's descriptor since closed).
                (_, None) if fd >= 3 + self.mounts.len() => true,
                (_, Some(Descriptor::File { .. }))
                | (_, Some(Descriptor::Dir { preopen: None, .. })) => {
                    return Err(NotResumable::Opened { fd: fd32 })
                }
                _ => false,
            };
            if !in_place {
                return Err(NotResumable::Moved { fd: fd32 });
            }
        }
        // Every standard stream and preopen is still there.
        if self.fds.len() < 3 + self.mounts.len() {
            return Err(NotResumable::Moved {
                fd: self.fds.len() as u32,
            });
        }
        Ok(())
    }

    /// Start the monotonic and CPU-time clocks at `nanos` instead of 0: for a guest resumed
    /// after a restart, a value at least as large as any it read before (e.g. the wall-clock
    /// time since the run began), so its clock does not go back.
    pub fn monotonic_start(mut self, nanos: u64) -> WasiCtx {
        self.clock_base = nanos;
        self
    }
}
