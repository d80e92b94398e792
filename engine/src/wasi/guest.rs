//! Bounds-checked access to the guest's linear memory, and parameter decoding.
//!
//! A pointer the guest passes that does not fit in its memory is `EFAULT`, never a panic.

use super::abi::Errno;
use crate::value::Val;

/// The caller's default memory (empty if it has none).
pub(crate) struct Guest<'a> {
    pub mem: &'a mut [u8],
}

impl Guest<'_> {
    fn range(&self, ptr: u32, len: u32) -> Result<core::ops::Range<usize>, Errno> {
        let start = ptr as usize;
        let end = start.checked_add(len as usize).ok_or(Errno::Fault)?;
        if end > self.mem.len() {
            return Err(Errno::Fault);
        }
        Ok(start..end)
    }

    pub fn bytes(&self, ptr: u32, len: u32) -> Result<&[u8], Errno> {
        let r = self.range(ptr, len)?;
        Ok(&self.mem[r])
    }

    pub fn bytes_mut(&mut self, ptr: u32, len: u32) -> Result<&mut [u8], Errno> {
        let r = self.range(ptr, len)?;
        Ok(&mut self.mem[r])
    }

    pub fn str(&self, ptr: u32, len: u32) -> Result<&str, Errno> {
        core::str::from_utf8(self.bytes(ptr, len)?).map_err(|_| Errno::Ilseq)
    }

    pub fn u32(&self, ptr: u32) -> Result<u32, Errno> {
        Ok(u32::from_le_bytes(
            self.bytes(ptr, 4)?.try_into().expect("4 bytes"),
        ))
    }

    pub fn u64(&self, ptr: u32) -> Result<u64, Errno> {
        Ok(u64::from_le_bytes(
            self.bytes(ptr, 8)?.try_into().expect("8 bytes"),
        ))
    }

    pub fn u16(&self, ptr: u32) -> Result<u16, Errno> {
        Ok(u16::from_le_bytes(
            self.bytes(ptr, 2)?.try_into().expect("2 bytes"),
        ))
    }

    pub fn u8(&self, ptr: u32) -> Result<u8, Errno> {
        Ok(self.bytes(ptr, 1)?[0])
    }

    pub fn write(&mut self, ptr: u32, bytes: &[u8]) -> Result<(), Errno> {
        self.bytes_mut(ptr, bytes.len() as u32)?
            .copy_from_slice(bytes);
        Ok(())
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
    pub fn iovecs(&self, ptr: u32, count: u32) -> Result<IoVecs, Errno> {
        let len = count.checked_mul(8).ok_or(Errno::Fault)?;
        self.range(ptr, len)?;
        let table = IoVecs {
            ptr,
            count,
            next: 0,
            budget: MAX_IO_PER_CALL,
        };
        for i in 0..count {
            let (buf, len) = table.entry(self, i)?;
            self.range(buf, len)?;
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
    fn entry(&self, g: &Guest<'_>, i: u32) -> Result<(u32, u32), Errno> {
        let at = self.ptr.checked_add(i.checked_mul(8).ok_or(Errno::Fault)?);
        let at = at.ok_or(Errno::Fault)?;
        Ok((g.u32(at)?, g.u32(at.checked_add(4).ok_or(Errno::Fault)?)?))
    }

    /// The next non-empty buffer `(ptr, len)`, cut to what is left of the call's budget; `None`
    /// after the last one or once the budget is spent. The buffers were checked by
    /// [`Guest::iovecs`], so reading them again cannot fail unless memory shrank (it cannot
    /// during a host call); a failure here ends the walk.
    pub fn next(&mut self, g: &Guest<'_>) -> Option<(u32, u32)> {
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
