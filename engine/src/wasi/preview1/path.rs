//! Functions on paths relative to a directory descriptor: `path_*`.

use alloc::string::String;

use super::super::abi::*;
use super::super::fs::{normalize, OpenOptions};
use super::super::guest::{Args, Guest};
use super::super::{Descriptor, WasiCtx};
use super::fd::write_filestat;

/// The mount and normalized mount-relative path that `fd` and the guest path name.
fn resolve(
    ctx: &mut WasiCtx,
    g: &mut Guest<'_>,
    fd: u32,
    ptr: u32,
    len: u32,
) -> Result<(usize, String), Errno> {
    let guest_path = g.str(ptr, len)?;
    match ctx.fd(fd)? {
        Descriptor::Dir { mount, path, .. } => Ok((*mount, normalize(path, &guest_path)?)),
        _ => Err(Errno::Notdir),
    }
}

pub fn path_open(ctx: &mut WasiCtx, g: &mut Guest<'_>, a: &Args<'_>) -> Result<(), Errno> {
    let (mount, path) = resolve(ctx, g, a.u32(0), a.u32(2), a.u32(3))?;
    let follow = a.u32(1) & LOOKUP_SYMLINK_FOLLOW != 0;
    let oflags = a.u32(4) as u16;
    let rights = a.u64(5);
    let fdflags = a.u32(7) as u16;
    let fd_out = a.u32(8);
    let has = |f: u16| oflags & f != 0;
    let append = fdflags & FDFLAGS_APPEND != 0;

    let fs = &mut ctx.mounts[mount];
    let descriptor = match fs.stat(&path, follow) {
        Ok(st) if st.filetype == FileType::Directory => {
            if has(OFLAGS_CREAT) && has(OFLAGS_EXCL) {
                return Err(Errno::Exist);
            }
            if has(OFLAGS_TRUNC) || append {
                return Err(Errno::Isdir);
            }
            Descriptor::Dir {
                mount,
                path,
                preopen: None,
            }
        }
        Ok(st) if st.filetype == FileType::SymbolicLink => return Err(Errno::Loop),
        Ok(_) if has(OFLAGS_DIRECTORY) => return Err(Errno::Notdir),
        Ok(_) if has(OFLAGS_CREAT) && has(OFLAGS_EXCL) => return Err(Errno::Exist),
        Err(Errno::Noent) if has(OFLAGS_CREAT) && !has(OFLAGS_DIRECTORY) => {
            open_file(fs, &path, oflags, rights, append)?
        }
        Ok(_) => open_file(fs, &path, oflags, rights, append)?,
        Err(e) => return Err(e),
    };
    let fd = ctx.insert(descriptor)?;
    g.write_u32(fd_out, fd)
}

fn open_file(
    fs: &mut alloc::boxed::Box<dyn super::super::WasiFs>,
    path: &str,
    oflags: u16,
    rights: u64,
    append: bool,
) -> Result<Descriptor, Errno> {
    let create = oflags & OFLAGS_CREAT != 0;
    let truncate = oflags & OFLAGS_TRUNC != 0;
    let mut read = rights & RIGHT_FD_READ != 0;
    let write = rights & RIGHT_FD_WRITE != 0 || create || truncate;
    if !read && !write && !append {
        read = true;
    }
    let options = OpenOptions {
        read,
        write,
        create,
        exclusive: oflags & OFLAGS_EXCL != 0,
        truncate,
        append,
    };
    let file = fs.open(path, options)?;
    Ok(Descriptor::File { file, append })
}

pub fn path_filestat_get(ctx: &mut WasiCtx, g: &mut Guest<'_>, a: &Args<'_>) -> Result<(), Errno> {
    let (mount, path) = resolve(ctx, g, a.u32(0), a.u32(2), a.u32(3))?;
    let follow = a.u32(1) & LOOKUP_SYMLINK_FOLLOW != 0;
    let stat = ctx.mounts[mount].stat(&path, follow)?;
    write_filestat(g, a.u32(4), &stat)
}

pub fn path_create_directory(
    ctx: &mut WasiCtx,
    g: &mut Guest<'_>,
    a: &Args<'_>,
) -> Result<(), Errno> {
    let (mount, path) = resolve(ctx, g, a.u32(0), a.u32(1), a.u32(2))?;
    ctx.mounts[mount].create_dir(&path)
}

pub fn path_remove_directory(
    ctx: &mut WasiCtx,
    g: &mut Guest<'_>,
    a: &Args<'_>,
) -> Result<(), Errno> {
    let (mount, path) = resolve(ctx, g, a.u32(0), a.u32(1), a.u32(2))?;
    ctx.mounts[mount].remove_dir(&path)
}

pub fn path_unlink_file(ctx: &mut WasiCtx, g: &mut Guest<'_>, a: &Args<'_>) -> Result<(), Errno> {
    let (mount, path) = resolve(ctx, g, a.u32(0), a.u32(1), a.u32(2))?;
    ctx.mounts[mount].remove_file(&path)
}

pub fn path_rename(ctx: &mut WasiCtx, g: &mut Guest<'_>, a: &Args<'_>) -> Result<(), Errno> {
    let (from_mount, from) = resolve(ctx, g, a.u32(0), a.u32(1), a.u32(2))?;
    let (to_mount, to) = resolve(ctx, g, a.u32(3), a.u32(4), a.u32(5))?;
    if from_mount != to_mount {
        return Err(Errno::Xdev);
    }
    ctx.mounts[from_mount].rename(&from, &to)
}
