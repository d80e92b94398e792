//! Bounds-checked access to the guest's linear memory, and parameter decoding.
//!
//! A pointer the guest passes that does not fit in its memory is `EFAULT`, never a panic.

use alloc::vec::Vec;

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

    /// The `(buf, len)` pairs of an `iovec` / `ciovec` array, each checked to be in bounds.
    pub fn iovecs(&self, ptr: u32, count: u32) -> Result<Vec<(u32, u32)>, Errno> {
        let table = self.bytes(ptr, count.checked_mul(8).ok_or(Errno::Fault)?)?;
        let mut out = Vec::with_capacity(count as usize);
        for chunk in table.chunks_exact(8) {
            let buf = u32::from_le_bytes(chunk[..4].try_into().expect("4 bytes"));
            let len = u32::from_le_bytes(chunk[4..].try_into().expect("4 bytes"));
            self.range(buf, len)?;
            out.push((buf, len));
        }
        Ok(out)
    }

    /// The bytes of a `ciovec` array, concatenated.
    pub fn gather(&self, ptr: u32, count: u32) -> Result<Vec<u8>, Errno> {
        let mut out = Vec::new();
        for (buf, len) in self.iovecs(ptr, count)? {
            out.extend_from_slice(self.bytes(buf, len)?);
        }
        Ok(out)
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
