//! Functions on open descriptors: `fd_*`.

use alloc::vec::Vec;

use super::super::abi::*;
use super::super::fs::{FileStat, SeekFrom};
use super::super::guest::{Args, Guest, IoVecs};
use super::super::{Descriptor, Input, Output, WasiCtx};

/// Rights of the standard streams: all but seek and tell, so wasi-libc's `isatty` says yes.
const RIGHTS_STDIO: u64 = RIGHTS_ALL & !(1 << 2) & !(1 << 5);

/// Hand the buffers of `iovs` to `write` in order, each until it is taken whole, window by
/// window ([`Guest::window`]: a page at a time of a paged memory). A write that takes less
/// than offered (0 included) ends the call, and so does an error once something was written:
/// the count so far is the result, as `writev` reports it. No byte is copied on the host.
fn write_iovecs(
    g: &mut Guest<'_>,
    mut iovs: IoVecs,
    mut write: impl FnMut(&[u8], u64) -> Result<usize, Errno>,
) -> Result<u32, Errno> {
    let mut done: u64 = 0;
    while let Some((ptr, len)) = iovs.next(g) {
        let mut at = 0u32;
        while at < len {
            let so_far = done + u64::from(at);
            let data = match g.window(ptr + at, len - at, false) {
                Ok(d) => d,
                Err(e) if so_far == 0 => return Err(e),
                Err(_) => return Ok(so_far as u32),
            };
            let offered = data.len();
            let mut taken = 0;
            while taken < offered {
                match write(&data[taken..], so_far + taken as u64) {
                    Ok(0) => return Ok((so_far + taken as u64) as u32),
                    Ok(n) => taken += n.min(offered - taken),
                    Err(e) if so_far + taken as u64 == 0 => return Err(e),
                    Err(_) => return Ok((so_far + taken as u64) as u32),
                }
            }
            at += offered as u32;
        }
        done += u64::from(len);
    }
    // At most `MAX_IO_PER_CALL` bytes.
    Ok(done as u32)
}

/// Fill the buffers of `iovs` in order from `read`, window by window; a short read (end of
/// file, or less data ready) ends the call, and so does an error once something was read.
/// A buffer that spans pages of a paged memory is read in one `read` per page: a source that
/// returns exactly a page's share and then blocks (a terminal) may block where one read into
/// a contiguous buffer would have returned.
fn read_iovecs(
    g: &mut Guest<'_>,
    mut iovs: IoVecs,
    mut read: impl FnMut(&mut [u8], u64) -> Result<usize, Errno>,
) -> Result<u32, Errno> {
    let mut done: u64 = 0;
    while let Some((ptr, len)) = iovs.next(g) {
        let mut at = 0u32;
        while at < len {
            let so_far = done + u64::from(at);
            let dst = match g.window(ptr + at, len - at, true) {
                Ok(d) => d,
                Err(e) if so_far == 0 => return Err(e),
                Err(_) => return Ok(so_far as u32),
            };
            let want = dst.len();
            let n = match read(dst, so_far) {
                Ok(n) => n.min(want),
                Err(e) if so_far == 0 => return Err(e),
                Err(_) => return Ok(so_far as u32),
            };
            at += n as u32;
            if n < want {
                return Ok((done + u64::from(at)) as u32);
            }
        }
        done += u64::from(len);
    }
    Ok(done as u32)
}

pub fn fd_write(ctx: &mut WasiCtx, g: &mut Guest<'_>, a: &Args<'_>) -> Result<(), Errno> {
    let iovs = g.iovecs(a.u32(1), a.u32(2))?;
    let written = match ctx.fd(a.u32(0))? {
        Descriptor::Stdout => write_stream(&mut ctx.stdout, g, iovs, |data| {
            ctx.platform.write_stdout(data)
        }),
        Descriptor::Stderr => write_stream(&mut ctx.stderr, g, iovs, |data| {
            ctx.platform.write_stderr(data)
        }),
        Descriptor::File { file, .. } => write_iovecs(g, iovs, |data, _| file.write(data)),
        Descriptor::Stdin | Descriptor::Dir { .. } => Err(Errno::Badf),
    }?;
    g.write_u32(a.u32(3), written)
}

/// Write to a standard stream: into its capture buffer, or through to the platform's stream
/// (`host`, which takes the whole of what it is given or fails).
fn write_stream(
    out: &mut Output,
    g: &mut Guest<'_>,
    iovs: IoVecs,
    mut host: impl FnMut(&[u8]) -> Result<(), Errno>,
) -> Result<u32, Errno> {
    match out {
        Output::Capture(buf) => write_iovecs(g, iovs, |data, _| {
            buf.extend_from_slice(data);
            Ok(data.len())
        }),
        Output::Inherit => write_iovecs(g, iovs, |data, _| {
            host(data)?;
            Ok(data.len())
        }),
    }
}

pub fn fd_read(ctx: &mut WasiCtx, g: &mut Guest<'_>, a: &Args<'_>) -> Result<(), Errno> {
    let iovs = g.iovecs(a.u32(1), a.u32(2))?;
    let total = match ctx.fd(a.u32(0))? {
        Descriptor::Stdin => match &mut ctx.stdin {
            Input::Inherit => {
                let platform = &mut ctx.platform;
                read_iovecs(g, iovs, |dst, _| platform.read_stdin(dst))
            }
            Input::Bytes { data, pos } => read_iovecs(g, iovs, |dst, _| {
                let rest = data.get(*pos..).unwrap_or_default();
                let n = dst.len().min(rest.len());
                dst[..n].copy_from_slice(&rest[..n]);
                *pos += n;
                Ok(n)
            }),
        },
        Descriptor::File { file, .. } => read_iovecs(g, iovs, |dst, _| file.read(dst)),
        Descriptor::Stdout | Descriptor::Stderr | Descriptor::Dir { .. } => Err(Errno::Badf),
    }?;
    g.write_u32(a.u32(3), total)
}

pub fn fd_pread(ctx: &mut WasiCtx, g: &mut Guest<'_>, a: &Args<'_>) -> Result<(), Errno> {
    let iovs = g.iovecs(a.u32(1), a.u32(2))?;
    let offset = a.u64(3);
    let Descriptor::File { file, .. } = ctx.fd(a.u32(0))? else {
        return Err(Errno::Spipe);
    };
    let total = read_iovecs(g, iovs, |dst, done| {
        file.read_at(dst, offset.checked_add(done).ok_or(Errno::Inval)?)
    })?;
    g.write_u32(a.u32(4), total)
}

pub fn fd_pwrite(ctx: &mut WasiCtx, g: &mut Guest<'_>, a: &Args<'_>) -> Result<(), Errno> {
    let iovs = g.iovecs(a.u32(1), a.u32(2))?;
    let offset = a.u64(3);
    let Descriptor::File { file, .. } = ctx.fd(a.u32(0))? else {
        return Err(Errno::Spipe);
    };
    let total = write_iovecs(g, iovs, |data, done| {
        file.write_at(data, offset.checked_add(done).ok_or(Errno::Fbig)?)
    })?;
    g.write_u32(a.u32(4), total)
}

pub fn fd_seek(ctx: &mut WasiCtx, g: &mut Guest<'_>, a: &Args<'_>) -> Result<(), Errno> {
    let offset = a.u64(1) as i64;
    let pos = match a.u32(2) as u8 {
        WHENCE_SET => SeekFrom::Start(u64::try_from(offset).map_err(|_| Errno::Inval)?),
        WHENCE_CUR => SeekFrom::Current(offset),
        WHENCE_END => SeekFrom::End(offset),
        _ => return Err(Errno::Inval),
    };
    let new = match ctx.fd(a.u32(0))? {
        Descriptor::File { file, .. } => file.seek(pos)?,
        Descriptor::Dir { .. } => return Err(Errno::Badf),
        _ => return Err(Errno::Spipe),
    };
    g.write_u64(a.u32(3), new)
}

pub fn fd_tell(ctx: &mut WasiCtx, g: &mut Guest<'_>, a: &Args<'_>) -> Result<(), Errno> {
    let pos = match ctx.fd(a.u32(0))? {
        Descriptor::File { file, .. } => file.seek(SeekFrom::Current(0))?,
        Descriptor::Dir { .. } => return Err(Errno::Badf),
        _ => return Err(Errno::Spipe),
    };
    g.write_u64(a.u32(1), pos)
}

pub fn fd_close(ctx: &mut WasiCtx, _: &mut Guest<'_>, a: &Args<'_>) -> Result<(), Errno> {
    let fd = a.u32(0);
    ctx.fd(fd)?;
    ctx.fds[fd as usize] = None;
    Ok(())
}

pub fn fd_sync(ctx: &mut WasiCtx, _: &mut Guest<'_>, a: &Args<'_>) -> Result<(), Errno> {
    match ctx.fd(a.u32(0))? {
        Descriptor::File { file, .. } => file.sync(),
        _ => Ok(()),
    }
}

pub fn fd_advise(ctx: &mut WasiCtx, _: &mut Guest<'_>, a: &Args<'_>) -> Result<(), Errno> {
    ctx.fd(a.u32(0)).map(|_| ())
}

pub fn fd_fdstat_get(ctx: &mut WasiCtx, g: &mut Guest<'_>, a: &Args<'_>) -> Result<(), Errno> {
    let (filetype, flags, rights) = match ctx.fd(a.u32(0))? {
        Descriptor::Stdin | Descriptor::Stdout | Descriptor::Stderr => {
            (FileType::CharacterDevice, 0, RIGHTS_STDIO)
        }
        Descriptor::Dir { .. } => (FileType::Directory, 0, RIGHTS_ALL),
        Descriptor::File { append, .. } => (
            FileType::RegularFile,
            if *append { FDFLAGS_APPEND } else { 0 },
            RIGHTS_ALL,
        ),
    };
    let p = a.u32(1);
    g.write(p, &[0; FDSTAT_SIZE as usize])?;
    g.write_u8(p, filetype as u8)?;
    g.write_u16(p + 2, flags)?;
    g.write_u64(p + 8, rights)?;
    g.write_u64(p + 16, rights)
}

/// Changing flags after opening is not offered; setting the flags a descriptor has succeeds.
pub fn fd_fdstat_set_flags(
    ctx: &mut WasiCtx,
    _: &mut Guest<'_>,
    a: &Args<'_>,
) -> Result<(), Errno> {
    let current = match ctx.fd(a.u32(0))? {
        Descriptor::File { append: true, .. } => FDFLAGS_APPEND,
        _ => 0,
    };
    if a.u32(1) as u16 == current {
        Ok(())
    } else {
        Err(Errno::Notsup)
    }
}

/// Rights are not enforced (the granted directory is the sandbox), so dropping them succeeds.
pub fn fd_fdstat_set_rights(
    ctx: &mut WasiCtx,
    _: &mut Guest<'_>,
    a: &Args<'_>,
) -> Result<(), Errno> {
    ctx.fd(a.u32(0)).map(|_| ())
}

/// Write a `filestat` at `p`.
pub(super) fn write_filestat(g: &mut Guest<'_>, p: u32, s: &FileStat) -> Result<(), Errno> {
    g.write(p, &[0; FILESTAT_SIZE as usize])?;
    g.write_u64(p, s.dev)?;
    g.write_u64(p + 8, s.ino)?;
    g.write_u8(p + 16, s.filetype as u8)?;
    g.write_u64(p + 24, s.nlink)?;
    g.write_u64(p + 32, s.size)?;
    g.write_u64(p + 40, s.atim)?;
    g.write_u64(p + 48, s.mtim)?;
    g.write_u64(p + 56, s.ctim)
}

pub fn fd_filestat_get(ctx: &mut WasiCtx, g: &mut Guest<'_>, a: &Args<'_>) -> Result<(), Errno> {
    let stat = match ctx.fd(a.u32(0))? {
        Descriptor::File { file, .. } => file.stat()?,
        Descriptor::Dir { mount, path, .. } => {
            let (mount, path) = (*mount, path.clone());
            ctx.mounts[mount].stat(&path, true)?
        }
        _ => FileStat {
            dev: 0,
            ino: 0,
            filetype: FileType::CharacterDevice,
            nlink: 1,
            size: 0,
            atim: 0,
            mtim: 0,
            ctim: 0,
        },
    };
    write_filestat(g, a.u32(1), &stat)
}

pub fn fd_filestat_set_size(
    ctx: &mut WasiCtx,
    _: &mut Guest<'_>,
    a: &Args<'_>,
) -> Result<(), Errno> {
    match ctx.fd(a.u32(0))? {
        Descriptor::File { file, .. } => file.set_len(a.u64(1)),
        Descriptor::Dir { .. } => Err(Errno::Isdir),
        _ => Err(Errno::Inval),
    }
}

pub fn fd_prestat_get(ctx: &mut WasiCtx, g: &mut Guest<'_>, a: &Args<'_>) -> Result<(), Errno> {
    let Descriptor::Dir {
        preopen: Some(name),
        ..
    } = ctx.fd(a.u32(0))?
    else {
        return Err(Errno::Badf);
    };
    let len = name.len() as u32;
    let p = a.u32(1);
    g.write(p, &[0; 8])?;
    g.write_u32(p + 4, len)
}

pub fn fd_prestat_dir_name(
    ctx: &mut WasiCtx,
    g: &mut Guest<'_>,
    a: &Args<'_>,
) -> Result<(), Errno> {
    let Descriptor::Dir {
        preopen: Some(name),
        ..
    } = ctx.fd(a.u32(0))?
    else {
        return Err(Errno::Badf);
    };
    if (a.u32(2) as usize) < name.len() {
        return Err(Errno::Nametoolong);
    }
    g.write(a.u32(1), name.as_bytes())
}

/// Entries are `.`, `..`, then the directory's own in the mount's order; the cookie of an
/// entry is its position plus one. A truncated last entry tells the guest to call again.
pub fn fd_readdir(ctx: &mut WasiCtx, g: &mut Guest<'_>, a: &Args<'_>) -> Result<(), Errno> {
    let (buf, buf_len, cookie, used_ptr) = (a.u32(1), a.u32(2), a.u64(3), a.u32(4));
    let Descriptor::Dir { mount, path, .. } = ctx.fd(a.u32(0))? else {
        return Err(Errno::Notdir);
    };
    let (mount, path) = (*mount, path.clone());
    // The buffer is checked before the listing is built: `out` never grows past one entry
    // beyond `buf_len`, which lies in memory.
    g.check(buf, buf_len)?;
    let fs = &mut ctx.mounts[mount];
    let self_ino = fs.stat(&path, true)?.ino;
    let entries = fs.read_dir(&path)?;
    let dots = [(".", self_ino), ("..", 0)];
    let all = dots
        .iter()
        .map(|&(n, ino)| (n, FileType::Directory, ino))
        .chain(entries.iter().map(|e| (e.name.as_str(), e.filetype, e.ino)));
    let mut out: Vec<u8> = Vec::new();
    for (i, (name, filetype, ino)) in all
        .enumerate()
        .skip(usize::try_from(cookie).unwrap_or(usize::MAX))
    {
        if out.len() >= buf_len as usize {
            break;
        }
        let start = out.len();
        out.extend_from_slice(&(i as u64 + 1).to_le_bytes());
        out.extend_from_slice(&ino.to_le_bytes());
        out.extend_from_slice(&(name.len() as u32).to_le_bytes());
        out.extend_from_slice(&[filetype as u8, 0, 0, 0]);
        debug_assert_eq!((out.len() - start) as u32, DIRENT_SIZE);
        out.extend_from_slice(name.as_bytes());
    }
    out.truncate(buf_len as usize);
    g.write(buf, &out)?;
    g.write_u32(used_ptr, out.len() as u32)
}

pub fn fd_renumber(ctx: &mut WasiCtx, _: &mut Guest<'_>, a: &Args<'_>) -> Result<(), Errno> {
    let (from, to) = (a.u32(0) as usize, a.u32(1) as usize);
    ctx.fd(from as u32)?;
    ctx.fd(to as u32)?;
    if from != to {
        ctx.fds[to] = ctx.fds[from].take();
    }
    Ok(())
}
