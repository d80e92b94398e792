//! WASI preview 1 (`wasi_snapshot_preview1`): what clang and Rust emit for command-line
//! programs.
//!
//! The guest's view lives in a [`WasiCtx`]: arguments, environment, standard streams (inherited,
//! captured into buffers, or fed from bytes) and the granted directories (*mounts*), each a
//! [`WasiFs`]. [`add_to_linker`] defines every preview 1 function in a [`Linker`](crate::Linker);
//! the ones fayasm does not implement (sockets, links, times) return `ENOSYS` or `ENOTSUP`.
//!
//! ```
//! use fayasm::{Engine, Linker, Store, wasi::{self, WasiCtx}};
//!
//! let engine = Engine::default();
//! let mut store = Store::new(&engine, WasiCtx::new().arg("prog").capture_stdout());
//! let mut linker = Linker::new(&engine);
//! wasi::add_to_linker(&mut linker, &mut store, |ctx| ctx).unwrap();
//! // ... instantiate a module, call `_start`, then read `store.data().stdout()`.
//! ```
//!
//! `proc_exit` ends execution with a host trap and records the code: after a call fails, check
//! [`WasiCtx::exit_code`] before treating the error as a trap.
//!
//! **Invariant:** a guest reaches files only through its mounts, by paths that
//! [`fs::normalize`] keeps under the mount's root; a [`HostDir`] resolves them beneath an open
//! handle of its directory, so neither links nor concurrent renames lead out of it.
//!
//! Host work per call is bounded: `fd_read`, `fd_write`, `fd_pread` and `fd_pwrite` check the
//! whole iovec array against guest memory first, then stream it without a host buffer, at most
//! 1 MiB per call (a short count past it).

mod abi;
pub mod fs;
mod guest;
#[cfg(feature = "std")]
mod host_dir;
mod platform;
mod preview1;
mod resume;

pub use abi::{Errno, FileType};
pub use fs::{DirEntry, FileStat, OpenOptions, SeekFrom, WasiFile, WasiFs};
#[cfg(feature = "std")]
pub use host_dir::HostDir;
#[cfg(feature = "std")]
pub use platform::StdPlatform;
pub use platform::{NullPlatform, WasiPlatform};
pub use preview1::add_to_linker;
pub use resume::NotResumable;

use alloc::boxed::Box;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

/// Where a guest's output stream goes.
#[derive(Debug, Default)]
enum Output {
    /// The platform's stream ([`WasiPlatform`]).
    #[default]
    Inherit,
    /// A buffer the host reads afterwards.
    Capture(Vec<u8>),
}

/// Where a guest's standard input comes from.
#[derive(Debug, Default)]
enum Input {
    /// The platform's stdin ([`WasiPlatform`]).
    #[default]
    Inherit,
    /// Fixed bytes; end of file after them.
    Bytes { data: Vec<u8>, pos: usize },
}

/// An open file descriptor.
pub(crate) enum Descriptor {
    Stdin,
    Stdout,
    Stderr,
    /// A directory in mount `mount`; `preopen` is its guest name if the host granted it.
    Dir {
        mount: usize,
        path: String,
        preopen: Option<String>,
    },
    /// A regular file.
    File {
        file: Box<dyn WasiFile>,
        append: bool,
    },
}

/// The WASI state of one guest: arguments, environment, streams, mounts and descriptors.
pub struct WasiCtx {
    args: Vec<String>,
    env: Vec<String>,
    stdin: Input,
    stdout: Output,
    stderr: Output,
    mounts: Vec<Box<dyn WasiFs>>,
    fds: Vec<Option<Descriptor>>,
    exit_code: Option<i32>,
    /// Inherited streams, clocks, sleep and randomness.
    platform: Box<dyn WasiPlatform>,
    /// Nanoseconds added to the platform's monotonic clock ([`WasiCtx::monotonic_start`]).
    clock_base: u64,
}

impl core::fmt::Debug for WasiCtx {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("WasiCtx")
            .field("args", &self.args)
            .field("env", &self.env)
            .field("mounts", &self.mounts.len())
            .field("exit_code", &self.exit_code)
            .finish_non_exhaustive()
    }
}

impl Default for WasiCtx {
    /// Like [`WasiCtx::new`].
    fn default() -> WasiCtx {
        WasiCtx::new()
    }
}

impl WasiCtx {
    /// No arguments, no environment, inherited standard streams, no directories; the host
    /// process's streams, clocks and randomness ([`StdPlatform`]) with `std`, none
    /// ([`NullPlatform`]) without (give one with [`WasiCtx::platform`]).
    pub fn new() -> WasiCtx {
        WasiCtx {
            args: Vec::new(),
            env: Vec::new(),
            stdin: Input::Inherit,
            stdout: Output::Inherit,
            stderr: Output::Inherit,
            mounts: Vec::new(),
            fds: Vec::new(),
            exit_code: None,
            #[cfg(feature = "std")]
            platform: Box::new(StdPlatform::default()),
            #[cfg(not(feature = "std"))]
            platform: Box::new(NullPlatform),
            clock_base: 0,
        }
    }

    /// Take inherited streams, clocks, sleep and randomness from `platform` (firmware: a
    /// UART, the board's timer, ...).
    pub fn platform(mut self, platform: impl WasiPlatform + 'static) -> WasiCtx {
        self.platform = Box::new(platform);
        self
    }

    /// Append an argument (the first is the program name, `argv[0]`).
    pub fn arg(mut self, arg: impl Into<String>) -> WasiCtx {
        self.args.push(arg.into());
        self
    }

    /// Append arguments.
    pub fn args<S: Into<String>>(mut self, args: impl IntoIterator<Item = S>) -> WasiCtx {
        self.args.extend(args.into_iter().map(Into::into));
        self
    }

    /// Set an environment variable.
    pub fn env(mut self, key: &str, value: &str) -> WasiCtx {
        let prefix = alloc::format!("{key}=");
        self.env.retain(|e| !e.starts_with(&prefix));
        self.env.push(alloc::format!("{key}={value}"));
        self
    }

    /// Feed standard input from `bytes` (end of file after them) instead of the host's stdin.
    pub fn stdin_bytes(mut self, bytes: impl Into<Vec<u8>>) -> WasiCtx {
        self.stdin = Input::Bytes {
            data: bytes.into(),
            pos: 0,
        };
        self
    }

    /// Collect standard output in a buffer (read it with [`WasiCtx::stdout`]).
    pub fn capture_stdout(mut self) -> WasiCtx {
        self.stdout = Output::Capture(Vec::new());
        self
    }

    /// Collect standard error in a buffer (read it with [`WasiCtx::stderr`]).
    pub fn capture_stderr(mut self) -> WasiCtx {
        self.stderr = Output::Capture(Vec::new());
        self
    }

    /// Grant the guest a directory tree under the name `guest` (e.g. `"."` or `"/data"`).
    /// Preopened directories get descriptors 3, 4, ... in the order granted.
    pub fn preopen(mut self, guest: &str, fs: impl WasiFs + 'static) -> WasiCtx {
        self.ensure_stdio();
        self.mounts.push(Box::new(fs));
        let mount = self.mounts.len() - 1;
        self.fds.push(Some(Descriptor::Dir {
            mount,
            path: String::new(),
            preopen: Some(guest.to_string()),
        }));
        self
    }

    /// Grant the host directory `host` under the name `guest`.
    #[cfg(feature = "std")]
    pub fn preopen_dir(
        self,
        host: impl AsRef<std::path::Path>,
        guest: &str,
    ) -> std::io::Result<WasiCtx> {
        Ok(self.preopen(guest, HostDir::open(host)?))
    }

    /// What the guest wrote to stdout, if it is captured.
    pub fn stdout(&self) -> &[u8] {
        match &self.stdout {
            Output::Capture(b) => b,
            Output::Inherit => &[],
        }
    }

    /// What the guest wrote to stderr, if it is captured.
    pub fn stderr(&self) -> &[u8] {
        match &self.stderr {
            Output::Capture(b) => b,
            Output::Inherit => &[],
        }
    }

    /// The code the guest passed to `proc_exit`, once it has.
    pub fn exit_code(&self) -> Option<i32> {
        self.exit_code
    }

    fn ensure_stdio(&mut self) {
        if self.fds.is_empty() {
            self.fds.extend([
                Some(Descriptor::Stdin),
                Some(Descriptor::Stdout),
                Some(Descriptor::Stderr),
            ]);
        }
    }

    pub(crate) fn fd(&mut self, fd: u32) -> Result<&mut Descriptor, Errno> {
        self.ensure_stdio();
        self.fds
            .get_mut(fd as usize)
            .and_then(Option::as_mut)
            .ok_or(Errno::Badf)
    }

    /// Place `d` in the lowest free descriptor.
    pub(crate) fn insert(&mut self, d: Descriptor) -> Result<u32, Errno> {
        self.ensure_stdio();
        let fd = match self.fds.iter().position(Option::is_none) {
            Some(i) => i,
            None => {
                if self.fds.len() >= u32::MAX as usize {
                    return Err(Errno::Mfile);
                }
                self.fds.push(None);
                self.fds.len() - 1
            }
        };
        self.fds[fd] = Some(d);
        Ok(fd as u32)
    }
}
