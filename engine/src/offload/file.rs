//! A storage of one file per key in a directory (std only).
//!
//! [`StorageSlot::Single`] keys are replaced atomically: the blob goes to a temporary file, which is
//! fsynced, renamed over the key's file, and the directory is fsynced. Keys in a
//! [`StorageSlot::Ring`] or [`StorageSlot::Pair`] belong to protocols that never overwrite a copy they still
//! need and that check every copy's CRC and generation ([`super::Ring`],
//! [`super::checkpoint`]); they are written in place (overwrite, cut to length, fsync), which
//! rewrites no directory entry after the first time. The file is never truncated to zero
//! before the write: ext4 (`auto_da_alloc`) starts writing back a file truncated to zero when
//! it is closed, which cost a page write-back 0.1-4 ms instead of ~4 us. Wrap the storage in a [`super::Ring`] to spread
//! hot keys over slots.
//!
//! [`Storage::write_cached`] (cache data: the code cache's evicted microcode, pages and
//! spills of a `MemoryPolicy::Cache` memory) takes the same paths without any fsync: a blob
//! replaced by rename is still whole or absent for readers, but a power cut may lose or tear
//! it, which the engine's envelope and generation checks turn into a miss.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::vec::Vec;

use super::key::{Key, StorageSlot};
use super::storage::Storage;

/// The suffix of temporary files; leftovers from an interrupted write are deleted on open.
const TEMP_SUFFIX: &str = ".tmp";

/// A directory of blob files; see the module documentation.
#[derive(Debug)]
pub struct FileStorage {
    dir: PathBuf,
    fsyncs: u64,
    /// The region file used last ([`Storage::write_at`], [`Storage::read_at`]), kept open:
    /// a paged memory's page I/O then costs one positioned read or write, no open.
    region: Option<(Key, File)>,
}

impl FileStorage {
    /// Opens (creating it if needed) the directory `dir`, and deletes temporary files left by
    /// writes that a crash interrupted.
    pub fn open(dir: impl Into<PathBuf>) -> io::Result<FileStorage> {
        let dir = dir.into();
        fs::create_dir_all(&dir)?;
        for entry in fs::read_dir(&dir)? {
            let entry = entry?;
            if entry
                .file_name()
                .to_str()
                .is_some_and(|n| n.ends_with(TEMP_SUFFIX))
            {
                fs::remove_file(entry.path())?;
            }
        }
        Ok(FileStorage {
            dir,
            fsyncs: 0,
            region: None,
        })
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The path of `key`'s file.
    pub fn path(&self, key: &Key) -> PathBuf {
        self.dir.join(key.file_name().as_str())
    }

    /// How many fsyncs (of files and of the directory) this storage has issued.
    pub fn fsyncs(&self) -> u64 {
        self.fsyncs
    }

    /// Makes renames, creations and removals in the directory durable.
    fn sync_dir(&mut self) -> io::Result<()> {
        #[cfg(unix)]
        {
            self.fsyncs += 1;
            File::open(&self.dir)?.sync_all()?;
        }
        Ok(())
    }

    /// Writes `parts` to `path` (created or truncated), fsynced when `sync`.
    fn write_file(&mut self, path: &Path, parts: &[&[u8]], sync: bool) -> io::Result<()> {
        // Overwritten in place, then cut to length: truncating to zero before writing would
        // make ext4 (`auto_da_alloc`) start writing the file back on close, as if it were a
        // replace-by-truncate that needs to reach the disk.
        let mut file = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)?;
        let mut len = 0u64;
        for part in parts {
            file.write_all(part)?;
            len += part.len() as u64;
        }
        file.set_len(len)?;
        if sync {
            self.fsyncs += 1;
            file.sync_all()?;
        }
        Ok(())
    }

    /// The open region file of `key`, opened (and created when `create`) if it is not the
    /// one kept open. `None` when it does not exist and `create` is false.
    fn region_file(&mut self, key: &Key, create: bool) -> io::Result<Option<&mut File>> {
        if self.region.as_ref().is_none_or(|(k, _)| k != key) {
            self.region = None;
            let path = self.path(key);
            let new = create && !path.exists();
            let file = match OpenOptions::new()
                .read(true)
                .write(true)
                .create(create)
                .truncate(false)
                .open(&path)
            {
                Ok(f) => f,
                Err(e) if e.kind() == io::ErrorKind::NotFound && !create => return Ok(None),
                Err(e) => return Err(e),
            };
            if new {
                // The region's directory entry must survive whatever is synced into it.
                self.sync_dir()?;
            }
            self.region = Some((*key, file));
        }
        Ok(self.region.as_mut().map(|(_, f)| f))
    }

    /// [`Storage::write`] (`sync`) or [`Storage::write_cached`].
    fn put(&mut self, key: &Key, parts: &[&[u8]], sync: bool) -> io::Result<()> {
        if self.region.as_ref().is_some_and(|(k, _)| k == key) {
            self.region = None;
        }
        let path = self.path(key);
        if key.slot != StorageSlot::Single {
            let new = !path.exists();
            self.write_file(&path, parts, sync)?;
            return if new && sync { self.sync_dir() } else { Ok(()) };
        }
        let mut temp = path.clone().into_os_string();
        temp.push(TEMP_SUFFIX);
        let temp = PathBuf::from(temp);
        let result = self
            .write_file(&temp, parts, sync)
            .and_then(|()| fs::rename(&temp, &path));
        if let Err(e) = result {
            let _ = fs::remove_file(&temp);
            return Err(e);
        }
        if sync {
            self.sync_dir()
        } else {
            Ok(())
        }
    }
}

impl Storage for FileStorage {
    type Error = io::Error;

    fn read(&mut self, key: &Key, buf: &mut Vec<u8>) -> io::Result<bool> {
        buf.clear();
        let mut file = match File::open(self.path(key)) {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(false),
            Err(e) => return Err(e),
        };
        let len =
            usize::try_from(file.metadata()?.len()).map_err(|_| io::ErrorKind::OutOfMemory)?;
        buf.try_reserve_exact(len)
            .map_err(|_| io::ErrorKind::OutOfMemory)?;
        file.read_to_end(buf)?;
        Ok(true)
    }

    fn write(&mut self, key: &Key, parts: &[&[u8]]) -> io::Result<()> {
        self.put(key, parts, true)
    }

    fn write_cached(&mut self, key: &Key, parts: &[&[u8]]) -> io::Result<()> {
        self.put(key, parts, false)
    }

    fn remove(&mut self, key: &Key) -> io::Result<()> {
        if self.region.as_ref().is_some_and(|(k, _)| k == key) {
            self.region = None;
        }
        match fs::remove_file(self.path(key)) {
            Ok(()) => self.sync_dir(),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(e),
        }
    }

    fn sync(&mut self) -> io::Result<()> {
        if let Some((_, f)) = &self.region {
            self.fsyncs += 1;
            f.sync_all()?;
        }
        self.sync_dir()
    }

    fn has_regions(&self) -> bool {
        true
    }

    fn read_at(&mut self, key: &Key, offset: u64, buf: &mut [u8]) -> io::Result<bool> {
        let Some(file) = self.region_file(key, false)? else {
            return Ok(false);
        };
        let end = offset.saturating_add(buf.len() as u64);
        if file.metadata()?.len() < end {
            return Ok(false);
        }
        file.seek(SeekFrom::Start(offset))?;
        file.read_exact(buf)?;
        Ok(true)
    }

    /// Sets the region file's length (a sparse extension: no data is written, no fsync).
    fn reserve(&mut self, key: &Key, len: u64) -> io::Result<()> {
        let file = self
            .region_file(key, true)?
            .ok_or(io::ErrorKind::NotFound)?;
        if file.metadata()?.len() < len {
            file.set_len(len)?;
        }
        Ok(())
    }

    fn write_at(&mut self, key: &Key, offset: u64, parts: &[&[u8]], sync: bool) -> io::Result<()> {
        let file = self
            .region_file(key, true)?
            .ok_or(io::ErrorKind::NotFound)?;
        file.seek(SeekFrom::Start(offset))?;
        for part in parts {
            file.write_all(part)?;
        }
        if sync {
            file.sync_all()?;
            self.fsyncs += 1;
        }
        Ok(())
    }
}
