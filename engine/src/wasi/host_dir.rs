//! A host directory served through an open directory handle (`cap-std`).
//!
//! **Invariant:** nothing outside the directory is reachable, even while another process
//! renames, swaps or replaces entries inside it. The WASI layer already refuses absolute paths
//! and `..` above the root; here every path is resolved by `cap_std::fs::Dir`, beneath the
//! handle of the root opened once by [`HostDir::open`]: on Linux by `openat2` with
//! `RESOLVE_BENEATH`, elsewhere one component at a time with `O_NOFOLLOW`, following a symbolic
//! link only when its target stays beneath the root. Nothing is checked by name and then
//! reopened by name, so a directory swapped for a link between two steps is either seen as the
//! link (and refused if it leads out) or not at all. A link that leads out is
//! [`Errno::Notcapable`]; a loop of links is [`Errno::Loop`]. The host path of the root is kept
//! only to report it ([`HostDir::root`]); it is never used to reach a file.

use alloc::boxed::Box;
use alloc::string::ToString;
use alloc::vec::Vec;
use std::fs;
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};

use cap_std::fs::Dir;

use super::abi::{Errno, FileType};
use super::fs::{DirEntry, FileStat, OpenOptions, SeekFrom, WasiFile, WasiFs};

/// A host directory granted to the guest.
#[derive(Debug)]
pub struct HostDir {
    /// The handle every path is resolved beneath.
    dir: Dir,
    /// The canonical host path the handle was opened from (for messages only).
    root: PathBuf,
}

impl HostDir {
    /// Serve the directory at `path`. The directory is opened now; renaming or replacing `path`
    /// afterwards does not change which directory is served.
    pub fn open(path: impl AsRef<Path>) -> std::io::Result<HostDir> {
        let root = fs::canonicalize(path)?;
        let dir = Dir::open_ambient_dir(&root, cap_std::ambient_authority())?;
        if !dir.dir_metadata()?.is_dir() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::NotADirectory,
                "not a directory",
            ));
        }
        Ok(HostDir { dir, root })
    }

    /// The canonical host path of the root, as it was when the directory was opened.
    pub fn root(&self) -> &Path {
        &self.root
    }
}

/// The WASI error for a failed host operation. cap-std reports a path that would lead out of
/// the root as `PermissionDenied` without an OS error code: that is `ENOTCAPABLE`.
fn errno(e: std::io::Error) -> Errno {
    if e.kind() == std::io::ErrorKind::PermissionDenied && e.raw_os_error().is_none() {
        Errno::Notcapable
    } else {
        Errno::from(e)
    }
}

/// A mount-relative path as the handle's relative path (`""` is the root itself).
fn rel(path: &str) -> &Path {
    if path.is_empty() {
        Path::new(".")
    } else {
        Path::new(path)
    }
}

fn nanos(t: std::io::Result<std::time::SystemTime>) -> u64 {
    t.ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos().min(u64::MAX as u128) as u64)
}

fn filetype(t: cap_std::fs::FileType) -> FileType {
    if t.is_dir() {
        FileType::Directory
    } else if t.is_file() {
        FileType::RegularFile
    } else if t.is_symlink() {
        FileType::SymbolicLink
    } else {
        FileType::Unknown
    }
}

fn file_stat(m: &cap_std::fs::Metadata) -> FileStat {
    #[cfg(unix)]
    let (dev, ino, nlink) = {
        use cap_std::fs::MetadataExt;
        (m.dev(), m.ino(), m.nlink())
    };
    #[cfg(not(unix))]
    let (dev, ino, nlink) = (0, 0, 1);
    let time = |t: std::io::Result<cap_std::time::SystemTime>| nanos(t.map(|t| t.into_std()));
    FileStat {
        dev,
        ino,
        filetype: filetype(m.file_type()),
        nlink,
        size: m.len(),
        atim: time(m.accessed()),
        mtim: time(m.modified()),
        ctim: time(m.created().or_else(|_| m.modified())),
    }
}

impl WasiFs for HostDir {
    fn open(&mut self, path: &str, o: OpenOptions) -> Result<Box<dyn WasiFile>, Errno> {
        let mut options = cap_std::fs::OpenOptions::new();
        options
            .read(o.read)
            .write(o.write && !o.append)
            .append(o.append)
            .create(o.create && !o.exclusive)
            .create_new(o.create && o.exclusive)
            .truncate(o.truncate);
        let file = self.dir.open_with(rel(path), &options).map_err(errno)?;
        let file = file.into_std();
        // Checked on the open file, not on the name: a directory opened for reading is refused.
        if file.metadata()?.is_dir() {
            return Err(Errno::Isdir);
        }
        Ok(Box::new(HostFile(file)))
    }

    fn stat(&mut self, path: &str, follow: bool) -> Result<FileStat, Errno> {
        let m = if path.is_empty() {
            self.dir.dir_metadata()
        } else if follow {
            self.dir.metadata(path)
        } else {
            self.dir.symlink_metadata(path)
        };
        Ok(file_stat(&m.map_err(errno)?))
    }

    fn read_dir(&mut self, path: &str) -> Result<Vec<DirEntry>, Errno> {
        let entries = if path.is_empty() {
            self.dir.entries()
        } else {
            self.dir.read_dir(path)
        };
        let mut out = Vec::new();
        for e in entries.map_err(errno)? {
            let e = e.map_err(errno)?;
            let Some(name) = e.file_name().to_str().map(|s| s.to_string()) else {
                continue;
            };
            let filetype = e.file_type().map_or(FileType::Unknown, filetype);
            #[cfg(unix)]
            let ino = std::os::unix::fs::DirEntryExt::ino(&e);
            #[cfg(not(unix))]
            let ino = 0;
            out.push(DirEntry {
                name,
                filetype,
                ino,
            });
        }
        out.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(out)
    }

    fn create_dir(&mut self, path: &str) -> Result<(), Errno> {
        if path.is_empty() {
            return Err(Errno::Exist);
        }
        self.dir.create_dir(path).map_err(errno)
    }

    fn remove_dir(&mut self, path: &str) -> Result<(), Errno> {
        if path.is_empty() {
            return Err(Errno::Access);
        }
        self.dir.remove_dir(path).map_err(errno)
    }

    fn remove_file(&mut self, path: &str) -> Result<(), Errno> {
        if path.is_empty() {
            return Err(Errno::Isdir);
        }
        // `unlink` of a directory is EISDIR on Linux but EPERM elsewhere; WASI wants EISDIR.
        // (A race here can only change which error the guest sees.)
        if self.dir.symlink_metadata(path).map_err(errno)?.is_dir() {
            return Err(Errno::Isdir);
        }
        self.dir.remove_file(path).map_err(errno)
    }

    fn rename(&mut self, from: &str, to: &str) -> Result<(), Errno> {
        if from.is_empty() || to.is_empty() {
            return Err(Errno::Access);
        }
        self.dir.rename(from, &self.dir, to).map_err(errno)
    }
}

/// An open host file.
#[derive(Debug)]
struct HostFile(fs::File);

impl WasiFile for HostFile {
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, Errno> {
        Ok(self.0.read(buf)?)
    }

    fn write(&mut self, buf: &[u8]) -> Result<usize, Errno> {
        Ok(self.0.write(buf)?)
    }

    fn seek(&mut self, pos: SeekFrom) -> Result<u64, Errno> {
        let pos = match pos {
            SeekFrom::Start(n) => std::io::SeekFrom::Start(n),
            SeekFrom::Current(n) => std::io::SeekFrom::Current(n),
            SeekFrom::End(n) => std::io::SeekFrom::End(n),
        };
        Ok(self.0.seek(pos)?)
    }

    #[cfg(unix)]
    fn read_at(&mut self, buf: &mut [u8], offset: u64) -> Result<usize, Errno> {
        Ok(std::os::unix::fs::FileExt::read_at(&self.0, buf, offset)?)
    }

    #[cfg(unix)]
    fn write_at(&mut self, buf: &[u8], offset: u64) -> Result<usize, Errno> {
        Ok(std::os::unix::fs::FileExt::write_at(&self.0, buf, offset)?)
    }

    fn stat(&mut self) -> Result<FileStat, Errno> {
        Ok(file_stat(&cap_std::fs::Metadata::from_file(&self.0)?))
    }

    fn set_len(&mut self, len: u64) -> Result<(), Errno> {
        Ok(self.0.set_len(len)?)
    }

    fn sync(&mut self) -> Result<(), Errno> {
        Ok(self.0.sync_all()?)
    }
}
