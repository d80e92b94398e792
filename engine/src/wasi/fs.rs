//! The filesystem WASI serves files from.
//!
//! A [`WasiFs`] is one granted directory tree (a *mount*). WASI hands it paths that are already
//! relative to its root and free of `.`, `..` and empty components (see [`normalize`]), so an
//! implementation only has to refuse what the host adds on top, such as symbolic links that
//! lead out of the tree. [`HostDir`](super::HostDir) serves a host directory through an open
//! handle (`cap-std`); firmware can serve an SD card by implementing the same two traits.

use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec::Vec;

use super::abi::{Errno, FileType};

/// What `stat` reports about a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileStat {
    /// Device id (0 where unknown).
    pub dev: u64,
    /// Inode number (0 where unknown).
    pub ino: u64,
    /// File type.
    pub filetype: FileType,
    /// Number of hard links.
    pub nlink: u64,
    /// Size in bytes.
    pub size: u64,
    /// Last access, nanoseconds since the Unix epoch.
    pub atim: u64,
    /// Last modification, nanoseconds since the Unix epoch.
    pub mtim: u64,
    /// Last status change, nanoseconds since the Unix epoch.
    pub ctim: u64,
}

/// One entry of a directory listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirEntry {
    /// The entry's name (one path component).
    pub name: String,
    /// Its type.
    pub filetype: FileType,
    /// Its inode number (0 where unknown).
    pub ino: u64,
}

/// How to open a file.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OpenOptions {
    /// Open for reading.
    pub read: bool,
    /// Open for writing.
    pub write: bool,
    /// Create the file if it does not exist.
    pub create: bool,
    /// Fail if the file exists (with `create`).
    pub exclusive: bool,
    /// Truncate to length 0.
    pub truncate: bool,
    /// Every write goes to the end.
    pub append: bool,
}

/// Where [`WasiFile::seek`] measures from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeekFrom {
    /// From the start.
    Start(u64),
    /// From the current position.
    Current(i64),
    /// From the end.
    End(i64),
}

/// An open regular file.
pub trait WasiFile {
    /// Read at the current position; 0 at end of file.
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, Errno>;
    /// Write at the current position (or the end, for append mode).
    fn write(&mut self, buf: &[u8]) -> Result<usize, Errno>;
    /// Move the position; the new position from the start.
    fn seek(&mut self, pos: SeekFrom) -> Result<u64, Errno>;
    /// Read at `offset` without moving the position.
    fn read_at(&mut self, buf: &mut [u8], offset: u64) -> Result<usize, Errno> {
        let here = self.seek(SeekFrom::Current(0))?;
        self.seek(SeekFrom::Start(offset))?;
        let n = self.read(buf);
        self.seek(SeekFrom::Start(here))?;
        n
    }
    /// Write at `offset` without moving the position.
    fn write_at(&mut self, buf: &[u8], offset: u64) -> Result<usize, Errno> {
        let here = self.seek(SeekFrom::Current(0))?;
        self.seek(SeekFrom::Start(offset))?;
        let n = self.write(buf);
        self.seek(SeekFrom::Start(here))?;
        n
    }
    /// The file's metadata.
    fn stat(&mut self) -> Result<FileStat, Errno>;
    /// Truncate or extend to `len` bytes.
    fn set_len(&mut self, len: u64) -> Result<(), Errno>;
    /// Flush to storage.
    fn sync(&mut self) -> Result<(), Errno> {
        Ok(())
    }
}

/// A granted directory tree. Every `path` is relative to the tree's root, uses `/` between
/// components and holds no `.`, `..` or empty component; `""` is the root itself.
pub trait WasiFs {
    /// Open (and perhaps create) the regular file at `path`.
    fn open(&mut self, path: &str, options: OpenOptions) -> Result<Box<dyn WasiFile>, Errno>;
    /// Metadata of `path`; with `follow`, of what a final symbolic link points at.
    fn stat(&mut self, path: &str, follow: bool) -> Result<FileStat, Errno>;
    /// The entries of the directory at `path` (without `.` and `..`), in a stable order.
    fn read_dir(&mut self, path: &str) -> Result<Vec<DirEntry>, Errno>;
    /// Create a directory.
    fn create_dir(&mut self, path: &str) -> Result<(), Errno>;
    /// Remove an empty directory.
    fn remove_dir(&mut self, path: &str) -> Result<(), Errno>;
    /// Remove a file.
    fn remove_file(&mut self, path: &str) -> Result<(), Errno>;
    /// Rename `from` to `to` (both in this tree).
    fn rename(&mut self, from: &str, to: &str) -> Result<(), Errno>;
    /// Set a file's size.
    fn set_len(&mut self, path: &str, len: u64) -> Result<(), Errno> {
        let mut f = self.open(
            path,
            OpenOptions {
                write: true,
                ..OpenOptions::default()
            },
        )?;
        f.set_len(len)
    }
}

/// Join `path` onto the directory `base` (both relative to one mount's root) and normalize:
/// drop `.` and empty components, resolve `..` lexically. An absolute `path`, a `..` that
/// climbs above the root, or a NUL byte is refused with [`Errno::Notcapable`] /
/// [`Errno::Ilseq`].
pub fn normalize(base: &str, path: &str) -> Result<String, Errno> {
    if path.starts_with('/') {
        return Err(Errno::Notcapable);
    }
    if path.contains('\0') {
        return Err(Errno::Ilseq);
    }
    let mut parts: Vec<&str> = base.split('/').filter(|c| !c.is_empty()).collect();
    for c in path.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                parts.pop().ok_or(Errno::Notcapable)?;
            }
            c => parts.push(c),
        }
    }
    Ok(parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::normalize;
    use crate::wasi::Errno;

    #[test]
    fn paths_stay_inside_the_mount() {
        assert_eq!(normalize("", "a/./b//c").unwrap(), "a/b/c");
        assert_eq!(normalize("a/b", "../c").unwrap(), "a/c");
        assert_eq!(normalize("a", "..").unwrap(), "");
        assert_eq!(normalize("", ".").unwrap(), "");
        assert_eq!(normalize("", "..").unwrap_err(), Errno::Notcapable);
        assert_eq!(
            normalize("a", "../../etc/passwd").unwrap_err(),
            Errno::Notcapable
        );
        assert_eq!(normalize("", "/etc/passwd").unwrap_err(), Errno::Notcapable);
        assert_eq!(normalize("", "a\0b").unwrap_err(), Errno::Ilseq);
    }
}
