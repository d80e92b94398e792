//! Bounds-checked access to the guest's linear memory, and parameter decoding.
//!
//! A pointer the guest passes that does not fit in its memory is `EFAULT`, never a panic.
//! Memory is reached through [`MemoryEntity`]'s backing-independent operations, so a spilled
//! memory is reloaded and a paged one pages in what a call touches: scalars and small
//! structures are copied in and out, and buffers (iovecs, `random_get`) are walked window by
//! window ([`Guest::window`]), each window a run of bytes contiguous in RAM (one page of a
//! paged memory, the whole buffer of a resident one). A page that cannot be read back from
//! storage is `EIO`.

use alloc::string::String;
use alloc::vec::Vec;

use super::abi::Errno;
use crate::error::TrapCode;
use crate::runtime::memory::MemoryEntity;
use crate::runtime::storage::OffloadState;
use crate::value::Val;

/// The longest path (or other string) a call copies out of guest memory.
pub(crate) const MAX_STRING: u32 = 1 << 16;

/// The caller's default memory (none if it has none: every non-empty access is `EFAULT`).
pub(crate) struct Guest<'a> {
    mem: Option<(&'a mut MemoryEntity, &'a mut OffloadState)>,
    /// Bytes handed between guest memory and the host so far (charged as fuel).
    moved: u64,
}

fn errno(t: TrapCode) -> Errno {
    match t {
        TrapCode::MemoryOutOfBounds => Errno::Fault,
        // The bytes are in bounds but could not be paged in or reloaded.
        _ => Errno::Io,
    }
}

impl<'a> Guest<'a> {
    pub fn new(mem: &'a mut MemoryEntity, off: &'a mut OffloadState) -> Guest<'a> {
        Guest {
            mem: Some((mem, off)),
            moved: 0,
        }
    }

    pub fn none() -> Guest<'a> {
        Guest {
            mem: None,
            moved: 0,
        }
    }

    /// Bytes handed between guest memory and the host so far.
    pub fn moved(&self) -> u64 {
        self.moved
    }

    fn len(&self) -> u64 {
        self.mem.as_ref().map_or(0, |(m, _)| m.byte_len())
    }

    /// `EFAULT` unless `ptr..ptr + len` lies in memory.
    pub fn check(&self, ptr: u32, len: u32) -> Result<(), Errno> {
        if u64::from(ptr) + u64::from(len) > self.len() {
            return Err(Errno::Fault);
        }
        Ok(())
    }

    /// The longest run of bytes from `ptr` (at most `len`, at least one if `len > 0`) that is
    /// contiguous in RAM; `write` marks a paged memory's page dirty. Walk a buffer with it.
    pub fn window(&mut self, ptr: u32, len: u32, write: bool) -> Result<&mut [u8], Errno> {
        self.check(ptr, len)?;
        match &mut self.mem {
            Some((m, off)) => {
                let w = m
                    .window(off, u64::from(ptr), u64::from(len), write)
                    .map_err(errno)?;
                self.moved += w.len() as u64;
                Ok(w)
            }
            None => Ok(&mut []),
        }
    }

    /// Copy `buf.len()` bytes out of memory at `ptr`.
    pub fn read(&mut self, ptr: u32, buf: &mut [u8]) -> Result<(), Errno> {
        let len = u32::try_from(buf.len()).map_err(|_| Errno::Fault)?;
        self.check(ptr, len)?;
        self.moved += u64::from(len);
        match &mut self.mem {
            Some((m, off)) => m.read(off, u64::from(ptr), buf).map_err(errno),
            None => Ok(()),
        }
    }

    /// Copy `bytes` into memory at `ptr`.
    pub fn write(&mut self, ptr: u32, bytes: &[u8]) -> Result<(), Errno> {
        let len = u32::try_from(bytes.len()).map_err(|_| Errno::Fault)?;
        self.check(ptr, len)?;
        self.moved += u64::from(len);
        match &mut self.mem {
            Some((m, off)) => m.write(off, u64::from(ptr), bytes).map_err(errno),
            None => Ok(()),
        }
    }

    /// The UTF-8 string at `ptr`, copied out (at most [`MAX_STRING`] bytes: longer is
    /// `ENAMETOOLONG`, after the bounds check).
    pub fn str(&mut self, ptr: u32, len: u32) -> Result<String, Errno> {
        self.check(ptr, len)?;
        if len > MAX_STRING {
            return Err(Errno::Nametoolong);
        }
        let mut buf = Vec::new();
        buf.try_reserve_exact(len as usize)
            .map_err(|_| Errno::Nomem)?;
        buf.resize(len as usize, 0);
        self.read(ptr, &mut buf)?;
        String::from_utf8(buf).map_err(|_| Errno::Ilseq)
    }

    fn array<const N: usize>(&mut self, ptr: u32) -> Result<[u8; N], Errno> {
        let mut b = [0; N];
        self.read(ptr, &mut b)?;
        Ok(b)
    }

    pub fn u32(&mut self, ptr: u32) -> Result<u32, Errno> {
        self.array(ptr).map(u32::from_le_bytes)
    }

    pub fn u64(&mut self, ptr: u32) -> Result<u64, Errno> {
        self.array(ptr).map(u64::from_le_bytes)
    }

    pub fn u16(&mut self, ptr: u32) -> Result<u16, Errno> {
        self.array(ptr).map(u16::from_le_bytes)
    }

    pub fn u8(&mut self, ptr: u32) -> Result<u8, Errno> {
        self.array::<1>(ptr).map(|b| b[0])
    }

    pub fn write_u8(&mut self, ptr: u32, v: u8) -> Result<(), Errno> {
        self.write(ptr, &[v])
    }

    pub fn write_u16(&mut self, ptr: u32, v: u16) -> Result<(), Errno> {
        self.write(ptr, &v.to_le_bytes())
    }

    pub fn write_u32(&mut self, ptr: u32, v: u32) -> Result<(), Errno> {
        self.write(ptr, &v.to_le_bytes())
    }

    pub fn write_u64(&mut self, ptr: u32, v: u64) -> Result<(), Errno> {
        self.write(ptr, &v.to_le_bytes())
    }

    /// The `iovec` / `ciovec` array of `count` entries at `ptr`: the table and every buffer it
    /// names are checked to lie in memory (`EFAULT` otherwise) before anything is read or
    /// written, and nothing is allocated, whatever `count` is.
    pub fn iovecs(&mut self, ptr: u32, count: u32) -> Result<IoVecs, Errno> {
        let len = count.checked_mul(8).ok_or(Errno::Fault)?;
        self.check(ptr, len)?;
        let table = IoVecs {
            ptr,
            count,
            next: 0,
            budget: MAX_IO_PER_CALL,
        };
        for i in 0..count {
            let (buf, len) = table.entry(self, i)?;
            self.check(buf, len)?;
        }
        Ok(table)
    }
}

/// The most bytes one `fd_read`, `fd_write`, `fd_pread` or `fd_pwrite` moves. Past it the call
/// returns a short count, as POSIX `readv`/`writev` may (callers loop), so the host's work per
/// call is bounded whatever the iovecs add up to.
pub(crate) const MAX_IO_PER_CALL: u32 = 1 << 20;

/// A checked `iovec` array, walked buffer by buffer (see [`Guest::iovecs`]).
#[derive(Debug)]
pub(crate) struct IoVecs {
    ptr: u32,
    count: u32,
    next: u32,
    /// Bytes the call may still move.
    budget: u32,
}

impl IoVecs {
    fn entry(&self, g: &mut Guest<'_>, i: u32) -> Result<(u32, u32), Errno> {
        let at = self.ptr.checked_add(i.checked_mul(8).ok_or(Errno::Fault)?);
        let at = at.ok_or(Errno::Fault)?;
        Ok((g.u32(at)?, g.u32(at.checked_add(4).ok_or(Errno::Fault)?)?))
    }

    /// The next non-empty buffer `(ptr, len)`, cut to what is left of the call's budget; `None`
    /// after the last one or once the budget is spent. The buffers were checked by
    /// [`Guest::iovecs`], so reading them again cannot fail unless memory shrank (it cannot
    /// during a host call) or a page of the table cannot be read back; a failure ends the walk.
    pub fn next(&mut self, g: &mut Guest<'_>) -> Option<(u32, u32)> {
        while self.next < self.count && self.budget > 0 {
            let (buf, len) = self.entry(g, self.next).ok()?;
            self.next += 1;
            if len == 0 {
                continue;
            }
            let len = len.min(self.budget);
            self.budget -= len;
            return Some((buf, len));
        }
        None
    }
}

/// Decoded parameters of a WASI call.
pub(crate) struct Args<'a>(pub &'a [Val]);

impl Args<'_> {
    /// Parameter `i` as an unsigned 32-bit value.
    pub fn u32(&self, i: usize) -> u32 {
        match self.0.get(i) {
            Some(Val::I32(v)) => *v as u32,
            _ => 0,
        }
    }

    /// Parameter `i` as an unsigned 64-bit value.
    pub fn u64(&self, i: usize) -> u64 {
        match self.0.get(i) {
            Some(Val::I64(v)) => *v as u64,
            Some(Val::I32(v)) => *v as u32 as u64,
            _ => 0,
        }
    }
}
