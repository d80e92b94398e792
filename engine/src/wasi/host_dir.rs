//! A host directory served with `std::fs`.
//!
//! **Invariant:** nothing outside the directory is reachable. The WASI layer already refuses
//! absolute paths and `..` above the root; here every directory on the way is canonicalized
//! (which resolves symbolic links) and must still lie under the canonical root, and so must the
//! target of a final symbolic link that is followed. A dangling final link is never followed,
//! so `O_CREAT` cannot create a file outside through it. (A host process racing to swap a
//! directory for a link between the check and the use is out of scope.)

use alloc::boxed::Box;
use alloc::string::ToString;
use alloc::vec::Vec;
use std::fs;
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};

use super::abi::{Errno, FileType};
use super::fs::{DirEntry, FileStat, OpenOptions, SeekFrom, WasiFile, WasiFs};

/// A host directory granted to the guest.
#[derive(Debug)]
pub struct HostDir {
    root: PathBuf,
}

impl HostDir {
    /// Serve the directory at `path`.
    pub fn open(path: impl AsRef<Path>) -> std::io::Result<HostDir> {
        let root = fs::canonicalize(path)?;
        if !root.is_dir() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::NotADirectory,
                "not a directory",
            ));
        }
        Ok(HostDir { root })
    }

    /// The canonical host path of the root.
    pub fn root(&self) -> &Path {
        &self.root
    }

    fn inside(&self, p: PathBuf) -> Result<PathBuf, Errno> {
        if p.starts_with(&self.root) {
            Ok(p)
        } else {
            Err(Errno::Notcapable)
        }
    }

    /// The host path for `path`, checked to lie inside the root. With `follow`, a final
    /// symbolic link is resolved (and must resolve inside); without, the link itself is meant.
    fn resolve(&self, path: &str, follow: bool) -> Result<PathBuf, Errno> {
        if path.is_empty() {
            return Ok(self.root.clone());
        }
        let (parent, last) = match path.rsplit_once('/') {
            Some((p, l)) => (self.root.join(p), l),
            None => (self.root.clone(), path),
        };
        let parent = self.inside(fs::canonicalize(parent)?)?;
        let full = parent.join(last);
        match fs::symlink_metadata(&full) {
            Ok(m) if m.file_type().is_symlink() && follow => match fs::canonicalize(&full) {
                Ok(target) => self.inside(target),
                Err(_) => Err(Errno::Noent),
            },
            _ => Ok(full),
        }
    }
}

fn nanos(t: std::io::Result<std::time::SystemTime>) -> u64 {
    t.ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos().min(u64::MAX as u128) as u64)
}

fn filetype(t: fs::FileType) -> FileType {
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

fn file_stat(m: &fs::Metadata) -> FileStat {
    #[cfg(unix)]
    let (dev, ino, nlink) = {
        use std::os::unix::fs::MetadataExt;
        (m.dev(), m.ino(), m.nlink())
    };
    #[cfg(not(unix))]
    let (dev, ino, nlink) = (0, 0, 1);
    FileStat {
        dev,
        ino,
        filetype: filetype(m.file_type()),
        nlink,
        size: m.len(),
        atim: nanos(m.accessed()),
        mtim: nanos(m.modified()),
        ctim: nanos(m.created().or_else(|_| m.modified())),
    }
}

impl WasiFs for HostDir {
    fn open(&mut self, path: &str, o: OpenOptions) -> Result<Box<dyn WasiFile>, Errno> {
        let full = self.resolve(path, true)?;
        if full.is_dir() {
            return Err(Errno::Isdir);
        }
        let file = fs::OpenOptions::new()
            .read(o.read)
            .write(o.write && !o.append)
            .append(o.append)
            .create(o.create && !o.exclusive)
            .create_new(o.create && o.exclusive)
            .truncate(o.truncate)
            .open(full)?;
        Ok(Box::new(HostFile(file)))
    }

    fn stat(&mut self, path: &str, follow: bool) -> Result<FileStat, Errno> {
        let full = self.resolve(path, follow)?;
        let m = if follow {
            fs::metadata(full)?
        } else {
            fs::symlink_metadata(full)?
        };
        Ok(file_stat(&m))
    }

    fn read_dir(&mut self, path: &str) -> Result<Vec<DirEntry>, Errno> {
        let full = self.resolve(path, true)?;
        let mut out = Vec::new();
        for e in fs::read_dir(full)? {
            let e = e?;
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
        Ok(fs::create_dir(self.resolve(path, false)?)?)
    }

    fn remove_dir(&mut self, path: &str) -> Result<(), Errno> {
        if path.is_empty() {
            return Err(Errno::Access);
        }
        Ok(fs::remove_dir(self.resolve(path, false)?)?)
    }

    fn remove_file(&mut self, path: &str) -> Result<(), Errno> {
        let full = self.resolve(path, false)?;
        if fs::symlink_metadata(&full)?.is_dir() {
            return Err(Errno::Isdir);
        }
        Ok(fs::remove_file(full)?)
    }

    fn rename(&mut self, from: &str, to: &str) -> Result<(), Errno> {
        if from.is_empty() || to.is_empty() {
            return Err(Errno::Access);
        }
        Ok(fs::rename(
            self.resolve(from, false)?,
            self.resolve(to, false)?,
        )?)
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
        Ok(file_stat(&self.0.metadata()?))
    }

    fn set_len(&mut self, len: u64) -> Result<(), Errno> {
        Ok(self.0.set_len(len)?)
    }

    fn sync(&mut self) -> Result<(), Errno> {
        Ok(self.0.sync_all()?)
    }
}
