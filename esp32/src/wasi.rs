//! WASI on the firmware (issue 19, item 3): a WASI command from the card runs with
//!
//! - the card's root directory as its `.` ([`CardFs`], a [`WasiFs`] over the FAT volume);
//! - standard output and error on the board's console, the board's timer as its monotonic
//!   clock, and no calendar clock or randomness ([`Board`], a [`WasiPlatform`]);
//! - its arguments from the first line of its `.RUN` file (`argv[0]` first).
//!
//! Names are FAT 8.3 names, looked up without regard to case as FAT does (`input.txt` and
//! `INPUT.TXT` are one file). A longer name is not mapped to a `~1` alias: opening or
//! creating one is `ENAMETOOLONG`, so a program sees at once that the card cannot hold the
//! name it asked for. There is one directory, the root: a path with a `/` is `ENOENT` (or
//! `ENOTSUP` to create a directory); renaming is `ENOTSUP`.

use alloc::boxed::Box;
use alloc::string::ToString;
use alloc::vec::Vec;
use core::ops::ControlFlow;

use embedded_sdmmc::{BlockDevice, Error as FsError, Mode, RawFile, ShortFileName};
use fayasm::wasi::{
    DirEntry, Errno, FileStat, FileType, OpenOptions, SeekFrom, WasiFile, WasiFs, WasiPlatform,
};

use crate::app::Card;
use crate::storage::{FatStorage, Vm};

/// The card's root directory as a WASI mount.
pub struct CardFs<D: BlockDevice>(pub Card<D>);

fn errno<E: core::error::Error>(e: FsError<E>) -> Errno {
    match e {
        FsError::NotFound => Errno::Noent,
        FsError::FileAlreadyExists => Errno::Exist,
        FsError::FilenameError(_) => Errno::Nametoolong,
        FsError::TooManyOpenFiles | FsError::TooManyOpenDirs => Errno::Mfile,
        FsError::FileAlreadyOpen => Errno::Busy,
        FsError::OpenedDirAsFile => Errno::Isdir,
        FsError::OpenedFileAsDir => Errno::Notdir,
        FsError::NotEnoughSpace => Errno::Nospc,
        FsError::ReadOnly => Errno::Rofs,
        FsError::Unsupported => Errno::Notsup,
        _ => Errno::Io,
    }
}

/// The 8.3 name of `path` in the root directory.
fn name(path: &str) -> Result<ShortFileName, Errno> {
    if path.contains('/') {
        return Err(Errno::Noent);
    }
    ShortFileName::create_from_str(path).map_err(|_| Errno::Nametoolong)
}

impl<D: BlockDevice> CardFs<D> {
    fn with<R>(
        &self,
        f: impl FnOnce(&FatStorage<D>) -> Result<R, FsError<D::Error>>,
    ) -> Result<R, Errno> {
        // The card is borrowed for one call at a time (never across calls into wasm).
        let fs = self.0 .0.try_borrow().map_err(|_| Errno::Busy)?;
        f(&fs).map_err(errno)
    }
}

fn stat_of(size: u32, dir: bool) -> FileStat {
    FileStat {
        dev: 0,
        ino: 0,
        filetype: if dir {
            FileType::Directory
        } else {
            FileType::RegularFile
        },
        nlink: 1,
        size: u64::from(size),
        atim: 0,
        mtim: 0,
        ctim: 0,
    }
}

impl<D: BlockDevice + 'static> WasiFs for CardFs<D> {
    fn open(&mut self, path: &str, o: OpenOptions) -> Result<Box<dyn WasiFile>, Errno> {
        if path.is_empty() {
            return Err(Errno::Isdir);
        }
        let n = name(path)?;
        let mode = match (o.write || o.append, o.create, o.exclusive, o.truncate) {
            (_, true, true, _) => Mode::ReadWriteCreate,
            (_, true, false, true) => Mode::ReadWriteCreateOrTruncate,
            (_, true, false, false) => Mode::ReadWriteCreateOrAppend,
            (_, false, _, true) => Mode::ReadWriteTruncate,
            (true, false, _, false) => Mode::ReadWriteAppend,
            (false, false, _, false) => Mode::ReadOnly,
        };
        let file = self.with(|fs| {
            let (vm, root) = fs.root_parts();
            let file = vm.open_file_in_dir(root, n, mode)?;
            // The append modes start at the end; a plain write starts at the start.
            if !o.append && matches!(mode, Mode::ReadWriteAppend | Mode::ReadWriteCreateOrAppend) {
                vm.file_seek_from_start(file, 0)?;
            }
            Ok(file)
        })?;
        Ok(Box::new(CardFile {
            card: self.0.clone(),
            file,
        }))
    }

    fn stat(&mut self, path: &str, _follow: bool) -> Result<FileStat, Errno> {
        if path.is_empty() {
            return Ok(stat_of(0, true));
        }
        let n = name(path)?;
        self.with(|fs| {
            let (vm, root) = fs.root_parts();
            let e = vm.find_directory_entry(root, n)?;
            Ok(stat_of(e.size, e.attributes.is_directory()))
        })
    }

    fn read_dir(&mut self, path: &str) -> Result<Vec<DirEntry>, Errno> {
        if !path.is_empty() {
            return Err(Errno::Notdir);
        }
        let mut entries = Vec::new();
        self.with(|fs| {
            let (vm, root) = fs.root_parts();
            vm.iterate_dir(root, |e| {
                if !e.attributes.is_volume() && !e.name.base_name().starts_with(b".") {
                    entries.push(DirEntry {
                        name: e.name.to_string(),
                        filetype: if e.attributes.is_directory() {
                            FileType::Directory
                        } else {
                            FileType::RegularFile
                        },
                        ino: 0,
                    });
                }
                ControlFlow::Continue(())
            })
        })?;
        entries.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(entries)
    }

    fn create_dir(&mut self, _path: &str) -> Result<(), Errno> {
        Err(Errno::Notsup)
    }

    fn remove_dir(&mut self, _path: &str) -> Result<(), Errno> {
        Err(Errno::Notsup)
    }

    fn remove_file(&mut self, path: &str) -> Result<(), Errno> {
        let n = name(path)?;
        self.with(|fs| {
            let (vm, root) = fs.root_parts();
            vm.delete_entry_in_dir(root, n)
        })
    }

    fn rename(&mut self, _from: &str, _to: &str) -> Result<(), Errno> {
        Err(Errno::Notsup)
    }
}

/// An open file of the card; closed when the guest closes it (or the store goes).
struct CardFile<D: BlockDevice> {
    card: Card<D>,
    file: RawFile,
}

impl<D: BlockDevice> CardFile<D> {
    fn with<R>(
        &self,
        f: impl FnOnce(&Vm<D>, RawFile) -> Result<R, FsError<D::Error>>,
    ) -> Result<R, Errno> {
        let fs = self.card.0.try_borrow().map_err(|_| Errno::Busy)?;
        f(fs.root_parts().0, self.file).map_err(errno)
    }
}

impl<D: BlockDevice> Drop for CardFile<D> {
    fn drop(&mut self) {
        let _ = self.with(|vm, f| vm.close_file(f));
    }
}

impl<D: BlockDevice> WasiFile for CardFile<D> {
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, Errno> {
        self.with(|vm, f| {
            if vm.file_eof(f)? {
                return Ok(0);
            }
            vm.read(f, buf)
        })
    }

    fn write(&mut self, buf: &[u8]) -> Result<usize, Errno> {
        self.with(|vm, f| vm.write(f, buf).map(|()| buf.len()))
    }

    fn seek(&mut self, pos: SeekFrom) -> Result<u64, Errno> {
        self.with(|vm, f| {
            let len = i64::from(vm.file_length(f)?);
            let here = i64::from(vm.file_offset(f)?);
            let to = match pos {
                SeekFrom::Start(n) => i64::try_from(n).unwrap_or(i64::MAX),
                SeekFrom::Current(d) => here.saturating_add(d),
                SeekFrom::End(d) => len.saturating_add(d),
            };
            // FAT cannot leave a hole past the end.
            let to = u32::try_from(to.clamp(0, len)).unwrap_or(u32::MAX);
            vm.file_seek_from_start(f, to)?;
            Ok(u64::from(to))
        })
    }

    fn stat(&mut self) -> Result<FileStat, Errno> {
        self.with(|vm, f| Ok(stat_of(vm.file_length(f)?, false)))
    }

    fn set_len(&mut self, _len: u64) -> Result<(), Errno> {
        Err(Errno::Notsup)
    }

    fn sync(&mut self) -> Result<(), Errno> {
        self.with(|vm, f| vm.flush_file(f))
    }
}

/// The board: its console as standard output and error, its timer as the monotonic clock.
pub struct Board;

impl WasiPlatform for Board {
    fn write_stdout(&mut self, data: &[u8]) -> Result<(), Errno> {
        crate::board::write_str(&alloc::string::String::from_utf8_lossy(data));
        Ok(())
    }

    fn write_stderr(&mut self, data: &[u8]) -> Result<(), Errno> {
        crate::board::write_str(&alloc::string::String::from_utf8_lossy(data));
        Ok(())
    }

    fn monotonic_ns(&mut self) -> Option<u64> {
        Some(crate::board::now_ns())
    }
}
