//! Numbers and struct layouts of the `wasi_snapshot_preview1` ABI (witx `typenames.witx`).

/// A WASI error number. `Errno::Success` is 0; the rest are the preview 1 values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u16)]
#[allow(missing_docs)]
pub enum Errno {
    Success = 0,
    TooBig = 1,
    Access = 2,
    Again = 6,
    Badf = 8,
    Busy = 10,
    Exist = 20,
    Fault = 21,
    Fbig = 22,
    Ilseq = 25,
    Inval = 28,
    Io = 29,
    Isdir = 31,
    Loop = 32,
    Mfile = 33,
    Nametoolong = 37,
    Noent = 44,
    Nomem = 48,
    Nospc = 51,
    Nosys = 52,
    Notdir = 54,
    Notempty = 55,
    Notsup = 58,
    Overflow = 61,
    Perm = 63,
    Pipe = 64,
    Rofs = 69,
    Spipe = 70,
    Xdev = 75,
    Notcapable = 76,
}

impl Errno {
    /// The value a WASI function returns.
    pub fn raw(self) -> i32 {
        self as u16 as i32
    }
}

impl core::fmt::Display for Errno {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{self:?} (errno {})", self.raw())
    }
}

#[cfg(feature = "std")]
impl From<std::io::Error> for Errno {
    fn from(e: std::io::Error) -> Errno {
        use std::io::ErrorKind as K;
        // `ErrorKind` has no stable name for these.
        #[cfg(unix)]
        if e.raw_os_error() == Some(rustix::io::Errno::LOOP.raw_os_error()) {
            return Errno::Loop;
        }
        match e.kind() {
            K::NotFound => Errno::Noent,
            K::PermissionDenied => Errno::Access,
            K::AlreadyExists => Errno::Exist,
            K::InvalidInput => Errno::Inval,
            K::IsADirectory => Errno::Isdir,
            K::NotADirectory => Errno::Notdir,
            K::DirectoryNotEmpty => Errno::Notempty,
            K::ReadOnlyFilesystem => Errno::Rofs,
            K::StorageFull => Errno::Nospc,
            K::FileTooLarge => Errno::Fbig,
            K::CrossesDevices => Errno::Xdev,
            K::Unsupported => Errno::Notsup,
            K::OutOfMemory => Errno::Nomem,
            K::WouldBlock => Errno::Again,
            K::BrokenPipe => Errno::Pipe,
            K::ResourceBusy => Errno::Busy,
            K::NotSeekable => Errno::Spipe,
            K::InvalidFilename => Errno::Nametoolong,
            _ => Errno::Io,
        }
    }
}

/// `filetype`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
#[allow(missing_docs)]
pub enum FileType {
    Unknown = 0,
    CharacterDevice = 2,
    Directory = 3,
    RegularFile = 4,
    SymbolicLink = 7,
}

/// `oflags`: create the file if it does not exist.
pub const OFLAGS_CREAT: u16 = 1;
/// `oflags`: fail unless the path is a directory.
pub const OFLAGS_DIRECTORY: u16 = 2;
/// `oflags`: fail if the file exists.
pub const OFLAGS_EXCL: u16 = 4;
/// `oflags`: truncate to length 0.
pub const OFLAGS_TRUNC: u16 = 8;
/// `fdflags`: every write appends.
pub const FDFLAGS_APPEND: u16 = 1;
/// `lookupflags`: follow a symbolic link in the last path component.
pub const LOOKUP_SYMLINK_FOLLOW: u32 = 1;
/// `rights::fd_read`.
pub const RIGHT_FD_READ: u64 = 1 << 1;
/// `rights::fd_write`.
pub const RIGHT_FD_WRITE: u64 = 1 << 6;
/// Every right preview 1 defines (bits 0..=29). fayasm reports all of them: the sandbox is the
/// granted directory, not the rights bits.
pub const RIGHTS_ALL: u64 = (1 << 30) - 1;

/// `whence`.
pub const WHENCE_SET: u8 = 0;
/// `whence`.
pub const WHENCE_CUR: u8 = 1;
/// `whence`.
pub const WHENCE_END: u8 = 2;

/// `clockid`.
pub const CLOCK_REALTIME: u32 = 0;
/// `clockid`.
pub const CLOCK_MONOTONIC: u32 = 1;
/// `clockid`.
pub const CLOCK_PROCESS_CPUTIME: u32 = 2;
/// `clockid`.
pub const CLOCK_THREAD_CPUTIME: u32 = 3;

/// `eventtype`.
pub const EVENTTYPE_CLOCK: u8 = 0;
/// `eventtype`.
pub const EVENTTYPE_FD_READ: u8 = 1;
/// `eventtype`.
pub const EVENTTYPE_FD_WRITE: u8 = 2;
/// `subclockflags`: the timeout is an absolute time.
pub const SUBCLOCK_ABSTIME: u16 = 1;

/// Size of `fdstat`.
pub const FDSTAT_SIZE: u32 = 24;
/// Size of `filestat`.
pub const FILESTAT_SIZE: u32 = 64;
/// Size of a `dirent` header (the name follows it).
pub const DIRENT_SIZE: u32 = 24;
/// Size of a `subscription`.
pub const SUBSCRIPTION_SIZE: u32 = 48;
/// Size of an `event`.
pub const EVENT_SIZE: u32 = 32;
