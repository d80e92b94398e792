//! The engine's [`Storage`] over a FAT volume on an SD card (`embedded-sdmmc`).
//!
//! FAT 8.3 names: every module gets a directory named by its fingerprint folded to 32 bits
//! (8 hex digits; the blob envelope carries the full fingerprint, so a fold collision is caught
//! on load as a foreign blob). Inside it a blob's file is named by its item index (8 hex digits)
//! and an extension made of the kind letter and the slot:
//!
//! | slot | extension | example |
//! | --- | --- | --- |
//! | `Single` | kind, `_`, copy `A` or `B` | `0000002A.C_A` |
//! | `Ring(i)` | kind, two hex digits | `01000003.P0F` |
//! | `Pair(i)` | kind, `P`, one digit | `00000000.KP1` |
//!
//! FAT has no atomic rename, so a `Single` key is kept as two copies, A and B, written
//! alternately: a write goes to the copy that is not the newest intact one, so a power cut
//! during the write leaves the other copy intact. Every file ends with a 16-byte trailer
//! (magic `FYAB`, sequence number, payload length, CRC-32 of those 12 bytes) that is written
//! last; a read takes the intact copy with the highest sequence number. The trailer says that
//! the file is complete; it does not vouch for the payload, which the engine's blob envelope
//! checks (a flipped payload byte reaches the engine and is rejected there, with a typed
//! error). Ring and pair slots belong to protocols that never overwrite a copy they still
//! need, so they are one file each, written in place.
//!
//! A copy without an intact trailer is a write that never finished (embedded-sdmmc writes a
//! file's length into its directory entry only when it closes the file, and a truncation
//! writes length 0 first, so a power cut anywhere in a write leaves a file too short for its
//! trailer, or one whose cluster chain ends early): it reads as no blob, never as an error.
//! For a `Single` key that is the previous blob (the other copy) or none; for a pair slot it
//! is an absent part or manifest, which the checkpoint protocol falls back from. (Until
//! session 16 a torn pair file was an error, `NoIntactCopy`: a power cut during a
//! checkpoint's manifest write, 4 of its 100-250 block writes, left a card whose restore
//! failed instead of taking the previous checkpoint; `xtask/src/card_cuts.rs` compiles this
//! file on the host and cuts the power at every block write.)

use alloc::vec::Vec;
use core::fmt;

use core::sync::atomic::{AtomicU32, Ordering};

use embedded_sdmmc::{
    Block, BlockCount, BlockDevice, BlockIdx, Error as FsError, Mode, RawDirectory, RawFile,
    RawVolume, ShortFileName, TimeSource, Timestamp, VolumeIdx, VolumeManager,
};
use fayasm::offload::{Key, Storage, StorageSlot};

const MAGIC: &[u8; 4] = b"FYAB";
const TRAILER: usize = 16;

/// A storage error: the filesystem's, or one of this layer's own.
pub enum FatError<E: core::error::Error> {
    /// The filesystem or the block device failed.
    Fs(FsError<E>),
    /// A file with an intact trailer ended before the length the trailer gives.
    NoIntactCopy,
    /// The blob does not fit in a FAT file, or a slot number does not fit in a name.
    TooLarge,
    /// The heap could not hold the blob.
    OutOfMemory,
}

impl<E: core::error::Error> fmt::Debug for FatError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FatError::Fs(e) => write!(f, "fat: {e}"),
            FatError::NoIntactCopy => f.write_str("no intact copy on the card"),
            FatError::TooLarge => f.write_str("blob or slot too large for FAT"),
            FatError::OutOfMemory => f.write_str("out of memory"),
        }
    }
}

impl<E: core::error::Error> From<FsError<E>> for FatError<E> {
    fn from(e: FsError<E>) -> Self {
        FatError::Fs(e)
    }
}

/// A fixed timestamp for new files: the firmware has no calendar clock.
pub struct FixedTime;

impl TimeSource for FixedTime {
    fn get_timestamp(&self) -> Timestamp {
        Timestamp {
            year_since_1970: 56,
            zero_indexed_month: 0,
            zero_indexed_day: 0,
            hours: 0,
            minutes: 0,
            seconds: 0,
        }
    }
}

/// An 8.3 name in a small buffer.
struct Name {
    buf: [u8; 12],
    len: usize,
}

impl Name {
    fn new() -> Name {
        Name {
            buf: [0; 12],
            len: 0,
        }
    }
    fn push(&mut self, b: u8) {
        if let Some(slot) = self.buf.get_mut(self.len) {
            *slot = b.to_ascii_uppercase();
            self.len += 1;
        }
    }
    fn hex(&mut self, value: u32, digits: u32) {
        for i in (0..digits).rev() {
            self.push(b"0123456789ABCDEF"[((value >> (i * 4)) & 0xf) as usize]);
        }
    }
    fn short(&self) -> Option<ShortFileName> {
        let s = core::str::from_utf8(&self.buf[..self.len]).ok()?;
        ShortFileName::create_from_str(s).ok()
    }
}

fn dir_name(key: &Key) -> Name {
    let mut n = Name::new();
    n.hex((key.fingerprint ^ (key.fingerprint >> 32)) as u32, 8);
    n
}

/// The file name of `key`; for a `Single` key, of copy `copy` (0 = A, 1 = B).
fn file_name(key: &Key, copy: u8) -> Option<ShortFileName> {
    let mut n = Name::new();
    n.hex(key.index, 8);
    n.push(b'.');
    n.push(key.kind.letter());
    match key.slot {
        StorageSlot::Single => {
            n.push(b'_');
            n.push(b'A' + copy);
        }
        StorageSlot::Ring(i) => n.hex(u32::from(i), 2),
        StorageSlot::Pair(i) if i < 10 => {
            n.push(b'P');
            n.push(b'0' + i);
        }
        StorageSlot::Pair(_) => return None,
    }
    n.short()
}

fn trailer(seq: u32, len: u32) -> [u8; TRAILER] {
    let mut t = [0u8; TRAILER];
    t[..4].copy_from_slice(MAGIC);
    t[4..8].copy_from_slice(&seq.to_le_bytes());
    t[8..12].copy_from_slice(&len.to_le_bytes());
    let crc = fayasm::offload::crc32(&t[..12]);
    t[12..].copy_from_slice(&crc.to_le_bytes());
    t
}

/// `(sequence, payload length)` of an intact trailer.
fn parse_trailer(t: &[u8; TRAILER], file_len: u32) -> Option<(u32, u32)> {
    let word = |i: usize| u32::from_le_bytes([t[i], t[i + 1], t[i + 2], t[i + 3]]);
    if &t[..4] != MAGIC || fayasm::offload::crc32(&t[..12]) != word(12) {
        return None;
    }
    let (seq, len) = (word(4), word(8));
    (len.checked_add(TRAILER as u32) == Some(file_len)).then_some((seq, len))
}

/// The number of directories and files open at once: the storage opens one file at a time
/// and keeps a paged memory's region file open; a WASI program (`wasi.rs`) may hold up to
/// three more.
const DIRS: usize = 4;
const FILES: usize = 5;

/// The card's volume manager (over the device, counting the blocks written).
pub(crate) type Vm<D> = VolumeManager<Counted<D>, FixedTime, DIRS, FILES, 1>;

/// Blob storage in files of a FAT volume.
pub struct FatStorage<D: BlockDevice> {
    vm: Vm<D>,
    volume: RawVolume,
    root: RawDirectory,
    /// The directory of the last fingerprint used, kept open.
    cached: Option<(u32, RawDirectory)>,
    /// The region file used last ([`Storage::write_at`]), kept open: a page write is then
    /// a seek and the page's blocks, with no directory lookup and no directory-entry write
    /// (its length is written when it grows and at a sync).
    region: Option<(Key, RawFile)>,
}

/// Blocks written to the card since boot (the apps' write-amplification figures). Plain load
/// and store: the firmware has one execution context (ARCHITECTURE.md, "Invariants").
pub static BLOCKS_WRITTEN: AtomicU32 = AtomicU32::new(0);

/// The card, counting the blocks written to it.
pub struct Counted<D>(D);

impl<D: BlockDevice> BlockDevice for Counted<D> {
    type Error = D::Error;

    fn read(&self, blocks: &mut [Block], start: BlockIdx) -> Result<(), Self::Error> {
        self.0.read(blocks, start)
    }

    fn write(&self, blocks: &[Block], start: BlockIdx) -> Result<(), Self::Error> {
        let n = BLOCKS_WRITTEN.load(Ordering::Relaxed);
        BLOCKS_WRITTEN.store(n.wrapping_add(blocks.len() as u32), Ordering::Relaxed);
        self.0.write(blocks, start)
    }

    fn num_blocks(&self) -> Result<BlockCount, Self::Error> {
        self.0.num_blocks()
    }
}

/// What a copy on the card holds, per its trailer.
enum Copy {
    Missing,
    Damaged,
    Intact { seq: u32, len: u32 },
}

/// What `newest` finds: `(copy, seq, len)` of the newest intact copy, if any.
type NewestCopy<E> = Result<Option<(u8, u32, u32)>, FatError<E>>;

impl<D: BlockDevice> FatStorage<D> {
    /// Opens the first partition of `device` (MBR) and its root directory.
    pub fn mount(device: D) -> Result<Self, FatError<D::Error>> {
        let vm = VolumeManager::new_with_limits(Counted(device), FixedTime, 0x1000);
        let volume = vm.open_raw_volume(VolumeIdx(0))?;
        let root = vm.open_root_dir(volume)?;
        Ok(FatStorage {
            vm,
            volume,
            root,
            cached: None,
            region: None,
        })
    }

    /// Reads the whole file `name` of the root directory into a new vector (`None` when there
    /// is no such file).
    pub fn read_root_file(&mut self, name: &str) -> Result<Option<Vec<u8>>, FatError<D::Error>> {
        let Some(file) = self.open_root_file(name)? else {
            return Ok(None);
        };
        let mut buf = Vec::new();
        let result = self.read_rest(file, &mut buf);
        self.vm.close_file(file)?;
        result.map(|()| Some(buf))
    }

    /// File `name` of the root directory opened for reading (`None` when there is none).
    fn open_root_file(&mut self, name: &str) -> Result<Option<RawFile>, FatError<D::Error>> {
        // An 8.3 name is looked up directly; a longer one (`APP.WASM`) by its long file name.
        let opened = if ShortFileName::create_from_str(name).is_ok() {
            self.vm.open_file_in_dir(self.root, name, Mode::ReadOnly)
        } else {
            self.vm
                .open_long_name_file_in_dir(self.root, name, Mode::ReadOnly)
        };
        match opened {
            Ok(f) => Ok(Some(f)),
            Err(FsError::NotFound) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// The length of file `name` of the root directory (`None` when there is no such file).
    pub fn root_file_len(&mut self, name: &str) -> Result<Option<u32>, FatError<D::Error>> {
        let Some(file) = self.open_root_file(name)? else {
            return Ok(None);
        };
        let len = self.vm.file_length(file);
        self.vm.close_file(file)?;
        Ok(Some(len?))
    }

    /// Fills `buf` from offset `offset` of file `name` of the root directory (a module read
    /// in place, `app::CardFile`); `false` when the file is missing or ends before.
    pub fn read_root_at(
        &mut self,
        name: &str,
        offset: u64,
        buf: &mut [u8],
    ) -> Result<bool, FatError<D::Error>> {
        let Some(file) = self.open_root_file(name)? else {
            return Ok(false);
        };
        let result = self.read_open_at(file, offset, buf);
        self.vm.close_file(file)?;
        result
    }

    fn read_open_at(
        &mut self,
        file: RawFile,
        offset: u64,
        buf: &mut [u8],
    ) -> Result<bool, FatError<D::Error>> {
        let len = u64::from(self.vm.file_length(file)?);
        if offset.saturating_add(buf.len() as u64) > len {
            return Ok(false);
        }
        self.vm.file_seek_from_start(file, offset as u32)?;
        let mut done = 0;
        while done < buf.len() {
            let n = self.vm.read(file, &mut buf[done..])?;
            if n == 0 {
                return Ok(false);
            }
            done += n;
        }
        Ok(true)
    }

    /// The volume manager and the root directory, for WASI's files (`wasi.rs`).
    pub(crate) fn root_parts(&self) -> (&Vm<D>, RawDirectory) {
        (&self.vm, self.root)
    }

    /// Releases the card (closes everything); the storage cannot be used afterwards.
    pub fn unmount(&mut self) {
        if let Some((_, f)) = self.region.take() {
            let _ = self.vm.close_file(f);
        }
        if let Some((_, d)) = self.cached.take() {
            let _ = self.vm.close_dir(d);
        }
        let _ = self.vm.close_dir(self.root);
        let _ = self.vm.close_volume(self.volume);
    }

    fn read_rest(&self, file: RawFile, buf: &mut Vec<u8>) -> Result<(), FatError<D::Error>> {
        let len = self.vm.file_length(file)? as usize;
        buf.clear();
        buf.try_reserve_exact(len)
            .map_err(|_| FatError::OutOfMemory)?;
        buf.resize(len, 0);
        let mut done = 0;
        while done < len {
            let n = self.vm.read(file, &mut buf[done..])?;
            if n == 0 {
                break;
            }
            done += n;
        }
        buf.truncate(done);
        Ok(())
    }

    /// The open region file of `key` (created when `create`), or `None` if it does not
    /// exist. Regions are named like the key's blobs with the extension kind, `RG` (`R` and
    /// the digit for a ring slot below 10). A region is not reserved here
    /// (`Storage::reserve` keeps its default, nothing): embedded-sdmmc extends a file only by
    /// writing it, and a zero fill before the first write-back cost more card blocks than
    /// growing the region as pages are written (`PAGED.WASM`'s first pass: 6,984 blocks
    /// against 4,717). `cargo xtask esp32 qemu` provisions the paged apps' page files on the
    /// image at their full length instead, so their page writes land in place.
    fn region_file(
        &mut self,
        key: &Key,
        create: bool,
    ) -> Result<Option<RawFile>, FatError<D::Error>> {
        if let Some((k, f)) = self.region {
            if k == *key {
                return Ok(Some(f));
            }
            self.region = None;
            self.vm.close_file(f)?;
        }
        let dir = match self.dir(key, create) {
            Ok(d) => d,
            Err(FatError::Fs(FsError::NotFound)) if !create => return Ok(None),
            Err(e) => return Err(e),
        };
        let mut n = Name::new();
        n.hex(key.index, 8);
        n.push(b'.');
        n.push(key.kind.letter());
        n.push(b'R');
        match key.slot {
            // A memory's page file; a durable memory's second one is ring slot 2.
            StorageSlot::Single => n.push(b'G'),
            StorageSlot::Ring(i) if i < 10 => n.push(b'0' + i),
            _ => return Err(FatError::TooLarge),
        }
        let name = n.short().ok_or(FatError::TooLarge)?;
        let mode = if create {
            Mode::ReadWriteCreateOrAppend
        } else {
            Mode::ReadWriteAppend
        };
        let f = match self.vm.open_file_in_dir(dir, name, mode) {
            Ok(f) => f,
            Err(FsError::NotFound) if !create => return Ok(None),
            Err(e) => return Err(e.into()),
        };
        self.region = Some((*key, f));
        Ok(Some(f))
    }

    /// Flushes the open region file's directory entry (its length).
    fn flush_region(&mut self) -> Result<(), FatError<D::Error>> {
        if let Some((_, f)) = self.region {
            self.vm.flush_file(f)?;
        }
        Ok(())
    }

    /// The module directory of `key`, created when `create` is set.
    fn dir(&mut self, key: &Key, create: bool) -> Result<RawDirectory, FatError<D::Error>> {
        let fold = (key.fingerprint ^ (key.fingerprint >> 32)) as u32;
        if let Some((f, d)) = self.cached {
            if f == fold {
                return Ok(d);
            }
            self.cached = None;
            self.vm.close_dir(d)?;
        }
        let name = dir_name(key).short().ok_or(FatError::TooLarge)?;
        let d = match self.vm.open_dir(self.root, name) {
            Ok(d) => d,
            Err(FsError::NotFound) if create => {
                self.vm.make_dir_in_dir(self.root, name)?;
                self.vm.open_dir(self.root, name)?
            }
            Err(e) => return Err(e.into()),
        };
        self.cached = Some((fold, d));
        Ok(d)
    }

    fn inspect(&self, dir: RawDirectory, name: &ShortFileName) -> Result<Copy, FatError<D::Error>> {
        let file = match self.vm.open_file_in_dir(dir, name, Mode::ReadOnly) {
            Ok(f) => f,
            Err(FsError::NotFound) => return Ok(Copy::Missing),
            Err(e) => return Err(e.into()),
        };
        let result = (|| {
            let len = self.vm.file_length(file)?;
            if (len as usize) < TRAILER {
                return Ok(Copy::Damaged);
            }
            self.vm.file_seek_from_end(file, TRAILER as u32)?;
            let mut t = [0u8; TRAILER];
            let mut got = 0;
            while got < TRAILER {
                let n = match self.vm.read(file, &mut t[got..]) {
                    Ok(n) => n,
                    // The chain ends before the length in the directory entry: a truncation
                    // that a power cut stopped before it wrote the new length.
                    Err(FsError::EndOfFile) => 0,
                    Err(e) => return Err(e.into()),
                };
                if n == 0 {
                    return Ok(Copy::Damaged);
                }
                got += n;
            }
            Ok(match parse_trailer(&t, len) {
                Some((seq, len)) => Copy::Intact { seq, len },
                None => Copy::Damaged,
            })
        })();
        self.vm.close_file(file)?;
        result
    }

    /// The newest intact copy of `key`: `(copy, seq, len)`, `None` when none is intact (a
    /// damaged copy is a torn write: no blob, see the module docs).
    fn newest(&self, dir: RawDirectory, key: &Key) -> NewestCopy<D::Error> {
        let copies: &[u8] = if key.slot == StorageSlot::Single {
            &[0, 1]
        } else {
            &[0]
        };
        let mut best: Option<(u8, u32, u32)> = None;
        for &c in copies {
            let name = file_name(key, c).ok_or(FatError::TooLarge)?;
            match self.inspect(dir, &name)? {
                Copy::Missing | Copy::Damaged => {}
                Copy::Intact { seq, len } => {
                    // Sequence numbers compare with wrap-around.
                    if best.is_none_or(|(_, s, _)| seq.wrapping_sub(s) as i32 > 0) {
                        best = Some((c, seq, len));
                    }
                }
            }
        }
        Ok(best)
    }
}

impl<D: BlockDevice> Storage for FatStorage<D> {
    type Error = FatError<D::Error>;

    fn read(&mut self, key: &Key, buf: &mut Vec<u8>) -> Result<bool, Self::Error> {
        buf.clear();
        let dir = match self.dir(key, false) {
            Ok(d) => d,
            Err(FatError::Fs(FsError::NotFound)) => return Ok(false),
            Err(e) => return Err(e),
        };
        let Some((copy, _, len)) = self.newest(dir, key)? else {
            return Ok(false);
        };
        let name = file_name(key, copy).ok_or(FatError::TooLarge)?;
        let file = self.vm.open_file_in_dir(dir, name, Mode::ReadOnly)?;
        let result = (|| {
            let len = len as usize;
            buf.try_reserve_exact(len)
                .map_err(|_| FatError::OutOfMemory)?;
            buf.resize(len, 0);
            let mut done = 0;
            while done < len {
                let n = self.vm.read(file, &mut buf[done..])?;
                if n == 0 {
                    return Err(FatError::NoIntactCopy);
                }
                done += n;
            }
            Ok(())
        })();
        self.vm.close_file(file)?;
        if result.is_err() {
            buf.clear();
        }
        result.map(|()| true)
    }

    fn write(&mut self, key: &Key, parts: &[&[u8]]) -> Result<(), Self::Error> {
        let total = parts.iter().try_fold(0u32, |n, p| {
            u32::try_from(p.len()).ok().and_then(|l| n.checked_add(l))
        });
        let Some(len) = total.filter(|l| l.checked_add(TRAILER as u32).is_some()) else {
            return Err(FatError::TooLarge);
        };
        let dir = self.dir(key, true)?;
        let (copy, seq) = if key.slot == StorageSlot::Single {
            match self.newest(dir, key) {
                Ok(Some((c, s, _))) => (1 - c, s.wrapping_add(1)),
                Ok(None) => (0, 1),
                Err(e) => return Err(e),
            }
        } else {
            (0, 1)
        };
        let name = file_name(key, copy).ok_or(FatError::TooLarge)?;
        let file = self
            .vm
            .open_file_in_dir(dir, name, Mode::ReadWriteCreateOrTruncate)?;
        let result = (|| {
            for p in parts {
                self.vm.write(file, p)?;
            }
            self.vm.write(file, &trailer(seq, len))
        })();
        // Closing writes the directory entry (the file's length): the write's commit point.
        self.vm.close_file(file)?;
        result.map_err(FatError::Fs)
    }

    fn sync(&mut self) -> Result<(), Self::Error> {
        self.flush_region()
    }

    fn has_regions(&self) -> bool {
        true
    }

    fn read_at(&mut self, key: &Key, offset: u64, buf: &mut [u8]) -> Result<bool, Self::Error> {
        let Some(file) = self.region_file(key, false)? else {
            return Ok(false);
        };
        let len = u64::from(self.vm.file_length(file)?);
        if offset.saturating_add(buf.len() as u64) > len {
            return Ok(false);
        }
        self.vm.file_seek_from_start(file, offset as u32)?;
        let mut done = 0;
        while done < buf.len() {
            let n = self.vm.read(file, &mut buf[done..])?;
            if n == 0 {
                return Ok(false);
            }
            done += n;
        }
        Ok(true)
    }

    fn write_at(
        &mut self,
        key: &Key,
        offset: u64,
        parts: &[&[u8]],
        sync: bool,
    ) -> Result<(), Self::Error> {
        let total = parts.iter().map(|p| p.len() as u64).sum::<u64>();
        if offset.saturating_add(total) > u64::from(u32::MAX) {
            return Err(FatError::TooLarge);
        }
        let file = self.region_file(key, true)?.ok_or(FatError::TooLarge)?;
        let len = u64::from(self.vm.file_length(file)?);
        if offset > len {
            // Extend with zeros up to the slot (slots are written roughly in order, so this
            // is the region growing, once).
            self.vm.file_seek_from_end(file, 0)?;
            let zeros = [0u8; 512];
            let mut at = len;
            while at < offset {
                let n = (offset - at).min(zeros.len() as u64) as usize;
                self.vm.write(file, &zeros[..n])?;
                at += n as u64;
            }
        } else {
            self.vm.file_seek_from_start(file, offset as u32)?;
        }
        for p in parts {
            self.vm.write(file, p)?;
        }
        if sync || offset + total > len {
            // A grown region's length goes to its directory entry now; a durable write is
            // flushed too.
            self.flush_region()?;
        }
        Ok(())
    }

    fn remove(&mut self, key: &Key) -> Result<(), Self::Error> {
        let dir = match self.dir(key, false) {
            Ok(d) => d,
            Err(FatError::Fs(FsError::NotFound)) => return Ok(()),
            Err(e) => return Err(e),
        };
        let copies: &[u8] = if key.slot == StorageSlot::Single {
            &[0, 1]
        } else {
            &[0]
        };
        for &c in copies {
            let name = file_name(key, c).ok_or(FatError::TooLarge)?;
            match self.vm.delete_entry_in_dir(dir, name) {
                Ok(()) | Err(FsError::NotFound) => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(())
    }
}
