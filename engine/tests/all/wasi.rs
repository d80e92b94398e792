//! WASI preview 1 through the library API: streams, exit codes, files on the host and on a
//! filesystem that is not the host's (as firmware serves an SD card), and the sandbox.
//!
//! `fixtures/wasi_probe.wasm` is built from `fixtures/wasi_probe.c` with wasi-libc (see
//! `fixtures/README.md`).

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use fayasm::wasi::{
    self, DirEntry, Errno, FileStat, FileType, OpenOptions, SeekFrom, WasiCtx, WasiFile, WasiFs,
};
use fayasm::{Engine, Error, Linker, Module, Store, TrapCode, Val};

use crate::support::temp_dir;

const PROBE: &[u8] = include_bytes!("../fixtures/wasi_probe.wasm");

/// Run `_start` of `wasm`; the store afterwards and the exit code (0 if `_start` returned).
fn run(wasm: &[u8], ctx: WasiCtx) -> (Store<WasiCtx>, i32) {
    let engine = Engine::default();
    let module = Module::new(&engine, wasm).expect("valid module");
    let mut store = Store::new(&engine, ctx);
    let mut linker = Linker::new(&engine);
    wasi::add_to_linker(&mut linker, &mut store, |ctx| ctx).unwrap();
    let inst = linker
        .instantiate(&mut store, &module)
        .expect("instantiates");
    let start = inst.get_func(&store, "_start").expect("a command");
    let code = match start.call(&mut store, &[], &mut []) {
        Ok(()) => 0,
        Err(Error::Trap(t)) if t.code() == TrapCode::Host => {
            store.data().exit_code().expect("proc_exit")
        }
        Err(e) => panic!("unexpected error {e}"),
    };
    (store, code)
}

fn probe(args: &[&str], ctx: WasiCtx) -> (String, String, i32) {
    let ctx = ctx
        .arg("wasi_probe")
        .args(args.iter().copied())
        .capture_stdout()
        .capture_stderr();
    let (store, code) = run(PROBE, ctx);
    let out = String::from_utf8(store.data().stdout().to_vec()).unwrap();
    let err = String::from_utf8(store.data().stderr().to_vec()).unwrap();
    (out, err, code)
}

/// A fresh, empty directory under the system temp dir.

#[test]
fn hello_world_and_proc_exit() {
    let wasm = wat::parse_str(
        r#"(module
            (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
            (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
            (memory (export "memory") 1)
            (data (i32.const 16) "hello, world\n")
            (func (export "_start")
              (i32.store (i32.const 0) (i32.const 16))
              (i32.store (i32.const 4) (i32.const 13))
              (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
              (call $exit (i32.const 3))
              unreachable))"#,
    )
    .unwrap();
    let (store, code) = run(&wasm, WasiCtx::new().capture_stdout());
    assert_eq!(store.data().stdout(), b"hello, world\n");
    assert_eq!(code, 3);
}

#[test]
fn bad_pointers_are_efault_not_a_crash() {
    let wasm = wat::parse_str(
        r#"(module
            (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
            (import "wasi_snapshot_preview1" "random_get" (func $random (param i32 i32) (result i32)))
            (import "wasi_snapshot_preview1" "fd_close" (func $close (param i32) (result i32)))
            (memory (export "memory") 1)
            (func (export "iovec_out_of_bounds") (result i32)
              (i32.store (i32.const 0) (i32.const 65530))
              (i32.store (i32.const 4) (i32.const 100))
              (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
            (func (export "iovec_table_wraps") (result i32)
              (call $fd_write (i32.const 1) (i32.const 0) (i32.const 0x20000000) (i32.const 8)))
            (func (export "random_past_the_end") (result i32)
              (call $random (i32.const -1) (i32.const 2)))
            (func (export "close_unknown") (result i32)
              (call $close (i32.const 99))))"#,
    )
    .unwrap();
    let engine = Engine::default();
    let module = Module::new(&engine, &wasm).unwrap();
    let mut store = Store::new(&engine, WasiCtx::new().capture_stdout());
    let mut linker = Linker::new(&engine);
    wasi::add_to_linker(&mut linker, &mut store, |ctx| ctx).unwrap();
    let inst = linker.instantiate(&mut store, &module).unwrap();
    for (name, errno) in [
        ("iovec_out_of_bounds", Errno::Fault),
        ("iovec_table_wraps", Errno::Fault),
        ("random_past_the_end", Errno::Fault),
        ("close_unknown", Errno::Badf),
    ] {
        let mut out = [Val::I32(0)];
        inst.get_func(&store, name)
            .unwrap()
            .call(&mut store, &[], &mut out)
            .unwrap();
        assert_eq!(out[0], Val::I32(errno.raw()), "{name}");
    }
    assert!(store.data().stdout().is_empty());
}

#[test]
fn arguments_environment_and_streams() {
    let (out, _, code) = probe(
        &["args", "one", "two words"],
        WasiCtx::new().env("GREETING", "hi"),
    );
    assert_eq!(code, 0);
    assert_eq!(
        out,
        "argv[0] = wasi_probe\nargv[1] = args\nargv[2] = one\nargv[3] = two words\nGREETING = hi\n"
    );

    let (out, err, code) = probe(&["io"], WasiCtx::new().stdin_bytes("typed input\n"));
    assert_eq!(
        (out.as_str(), err.as_str(), code),
        ("stdin: 12 bytes: typed input\n", "to stderr\n", 0)
    );

    let (out, _, code) = probe(&["misc"], WasiCtx::new());
    assert_eq!(code, 0);
    assert_eq!(
        out,
        "monotonic ok: 1\nrealtime after 2020: 1\nrandom nonzero: 1\nnanosleep: 0\n"
    );

    let (out, _, code) = probe(&["exit", "42"], WasiCtx::new());
    assert_eq!((out.as_str(), code), ("exiting with 42\n", 42));
}

const FILES_OUTPUT: &str = "read from 8: 5 bytes: 89abc
tell: 13
fstat size 13 regular 1
stat after truncate: 4
entry . type dir
entry .. type dir
entry b.txt type file
entry c.txt type file
rmdir non-empty: Directory not empty
rmdir empty: ok
stat removed: No such file or directory
";

#[test]
fn files_in_a_granted_host_directory() {
    let dir = temp_dir("wasi-files");
    std::fs::write(dir.join("keep.txt"), "kept").unwrap();
    let (out, err, code) = probe(
        &["files", "data"],
        WasiCtx::new().preopen_dir(&dir, "data").unwrap(),
    );
    assert_eq!((out.as_str(), err.as_str(), code), (FILES_OUTPUT, "", 0));
    // The guest cleaned up after itself and left the rest alone.
    let left: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(left, ["keep.txt"]);
    std::fs::remove_dir_all(dir).unwrap();
}

#[cfg(unix)]
#[test]
fn nothing_outside_a_granted_directory_is_reachable() {
    use std::os::unix::fs::symlink;

    let root = temp_dir("wasi-sandbox");
    let (granted, outside) = (root.join("box"), root.join("outside"));
    std::fs::create_dir_all(granted.join("inner")).unwrap();
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::write(outside.join("secret.txt"), "secret").unwrap();
    std::fs::write(granted.join("inner/ok.txt"), "fine").unwrap();
    symlink("../outside", granted.join("out")).unwrap();
    symlink("../../outside/secret.txt", granted.join("inner/s.txt")).unwrap();
    symlink(outside.join("secret.txt"), granted.join("absolute")).unwrap();
    symlink("inner/ok.txt", granted.join("good")).unwrap();
    symlink(outside.join("new.txt"), granted.join("dangling")).unwrap();
    // A dangling link inside, and a loop of links.
    symlink("inner/nothing.txt", granted.join("missing")).unwrap();
    symlink("loop2", granted.join("loop")).unwrap();
    symlink("loop", granted.join("loop2")).unwrap();
    let paths = [
        "box/inner/ok.txt",
        "box/good",
        "box/../outside/secret.txt",
        "box/inner/../../outside/secret.txt",
        "/etc/passwd",
        "box/out/secret.txt",
        "box/inner/s.txt",
        "box/absolute",
        "box/dangling",
        "box/missing",
        "box/loop",
    ];
    let mut args = vec!["escape"];
    args.extend(paths);
    let (out, _, code) = probe(&args, WasiCtx::new().preopen_dir(&granted, "box").unwrap());
    assert_eq!(code, 0);
    let expected = "open box/inner/ok.txt: OPENED: fine
open box/good: OPENED: fine
open box/../outside/secret.txt: Capabilities insufficient
open box/inner/../../outside/secret.txt: Capabilities insufficient
open /etc/passwd: Capabilities insufficient
open box/out/secret.txt: Capabilities insufficient
open box/inner/s.txt: Capabilities insufficient
open box/absolute: Capabilities insufficient
open box/dangling: Capabilities insufficient
open box/missing: No such file or directory
open box/loop: Symbolic link loop
";
    assert_eq!(out, expected);

    // Creating through a dangling link must not create the file outside.
    let mut fs = wasi::HostDir::open(&granted).unwrap();
    let create = OpenOptions {
        write: true,
        create: true,
        ..OpenOptions::default()
    };
    assert!(fs.open("dangling", create).is_err());
    assert!(!outside.join("new.txt").exists());
    assert_eq!(fs.open("out/x.txt", create).err(), Some(Errno::Notcapable));
    assert_eq!(fs.create_dir("out/made").err(), Some(Errno::Notcapable));
    assert_eq!(
        fs.remove_file("out/secret.txt").err(),
        Some(Errno::Notcapable)
    );
    assert!(outside.join("secret.txt").exists());
    // A loop of links is ELOOP, not ENOENT; a link leading out is refused even when dangling.
    assert_eq!(fs.stat("loop", true).err(), Some(Errno::Loop));
    assert_eq!(
        fs.open(
            "loop",
            OpenOptions {
                read: true,
                ..OpenOptions::default()
            }
        )
        .err(),
        Some(Errno::Loop)
    );
    assert_eq!(fs.open("dangling", create).err(), Some(Errno::Notcapable));
    assert_eq!(fs.stat("missing", true).err(), Some(Errno::Noent));
    assert_eq!(
        fs.stat("loop", false).unwrap().filetype,
        FileType::SymbolicLink
    );
    std::fs::remove_dir_all(root).unwrap();
}

/// A file's contents, shared between the tree and open handles.
type Contents = Rc<RefCell<Vec<u8>>>;

/// A filesystem in RAM: what the WASI layer sees of any non-host storage. Each path maps to a
/// file's contents, or to `None` for a directory.
#[derive(Default, Clone)]
struct RamFs(Rc<RefCell<BTreeMap<String, Option<Contents>>>>);

impl RamFs {
    fn node(&self, path: &str) -> Result<Option<Contents>, Errno> {
        if path.is_empty() {
            return Ok(None);
        }
        self.0.borrow().get(path).cloned().ok_or(Errno::Noent)
    }

    fn parent_exists(&self, path: &str) -> Result<(), Errno> {
        match path.rsplit_once('/') {
            Some((parent, _)) => match self.node(parent)? {
                None => Ok(()),
                Some(_) => Err(Errno::Notdir),
            },
            None => Ok(()),
        }
    }
}

fn stat(filetype: FileType, size: u64) -> FileStat {
    FileStat {
        dev: 0,
        ino: 0,
        filetype,
        nlink: 1,
        size,
        atim: 0,
        mtim: 0,
        ctim: 0,
    }
}

struct RamFile {
    data: Contents,
    pos: u64,
    append: bool,
}

impl WasiFile for RamFile {
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, Errno> {
        let data = self.data.borrow();
        let start = (self.pos as usize).min(data.len());
        let n = buf.len().min(data.len() - start);
        buf[..n].copy_from_slice(&data[start..start + n]);
        self.pos += n as u64;
        Ok(n)
    }

    fn write(&mut self, buf: &[u8]) -> Result<usize, Errno> {
        let mut data = self.data.borrow_mut();
        if self.append {
            self.pos = data.len() as u64;
        }
        let end = self.pos as usize + buf.len();
        if data.len() < end {
            data.resize(end, 0);
        }
        data[self.pos as usize..end].copy_from_slice(buf);
        self.pos = end as u64;
        Ok(buf.len())
    }

    fn seek(&mut self, pos: SeekFrom) -> Result<u64, Errno> {
        let len = self.data.borrow().len() as i64;
        let new = match pos {
            SeekFrom::Start(n) => n as i64,
            SeekFrom::Current(d) => self.pos as i64 + d,
            SeekFrom::End(d) => len + d,
        };
        self.pos = u64::try_from(new).map_err(|_| Errno::Inval)?;
        Ok(self.pos)
    }

    fn stat(&mut self) -> Result<FileStat, Errno> {
        Ok(stat(FileType::RegularFile, self.data.borrow().len() as u64))
    }

    fn set_len(&mut self, len: u64) -> Result<(), Errno> {
        self.data.borrow_mut().resize(len as usize, 0);
        Ok(())
    }
}

impl WasiFs for RamFs {
    fn open(&mut self, path: &str, o: OpenOptions) -> Result<Box<dyn WasiFile>, Errno> {
        let data = match self.node(path) {
            Ok(Some(_)) if o.create && o.exclusive => return Err(Errno::Exist),
            Ok(Some(data)) => data,
            Ok(None) => return Err(Errno::Isdir),
            Err(Errno::Noent) if o.create => {
                self.parent_exists(path)?;
                let data = Rc::new(RefCell::new(Vec::new()));
                self.0
                    .borrow_mut()
                    .insert(path.to_string(), Some(data.clone()));
                data
            }
            Err(e) => return Err(e),
        };
        if o.truncate {
            data.borrow_mut().clear();
        }
        Ok(Box::new(RamFile {
            data,
            pos: 0,
            append: o.append,
        }))
    }

    fn stat(&mut self, path: &str, _follow: bool) -> Result<FileStat, Errno> {
        Ok(match self.node(path)? {
            Some(data) => stat(FileType::RegularFile, data.borrow().len() as u64),
            None => stat(FileType::Directory, 0),
        })
    }

    fn read_dir(&mut self, path: &str) -> Result<Vec<DirEntry>, Errno> {
        if self.node(path)?.is_some() {
            return Err(Errno::Notdir);
        }
        let prefix = if path.is_empty() {
            String::new()
        } else {
            format!("{path}/")
        };
        Ok(self
            .0
            .borrow()
            .iter()
            .filter_map(|(p, n)| {
                let name = p.strip_prefix(&prefix)?;
                (!name.contains('/')).then(|| DirEntry {
                    name: name.to_string(),
                    filetype: if n.is_some() {
                        FileType::RegularFile
                    } else {
                        FileType::Directory
                    },
                    ino: 0,
                })
            })
            .collect())
    }

    fn create_dir(&mut self, path: &str) -> Result<(), Errno> {
        if self.node(path).is_ok() {
            return Err(Errno::Exist);
        }
        self.parent_exists(path)?;
        self.0.borrow_mut().insert(path.to_string(), None);
        Ok(())
    }

    fn remove_dir(&mut self, path: &str) -> Result<(), Errno> {
        if self.node(path)?.is_some() {
            return Err(Errno::Notdir);
        }
        if !self.read_dir(path)?.is_empty() {
            return Err(Errno::Notempty);
        }
        self.0.borrow_mut().remove(path);
        Ok(())
    }

    fn remove_file(&mut self, path: &str) -> Result<(), Errno> {
        match self.node(path)? {
            Some(_) => {
                self.0.borrow_mut().remove(path);
                Ok(())
            }
            None => Err(Errno::Isdir),
        }
    }

    fn rename(&mut self, from: &str, to: &str) -> Result<(), Errno> {
        let node = self.node(from)?.ok_or(Errno::Notsup)?;
        self.parent_exists(to)?;
        let mut map = self.0.borrow_mut();
        map.remove(from);
        map.insert(to.to_string(), Some(node));
        Ok(())
    }
}

#[test]
fn files_on_a_filesystem_that_is_not_the_hosts() {
    let fs = RamFs::default();
    let (out, err, code) = probe(&["files", "/sd"], WasiCtx::new().preopen("/sd", fs.clone()));
    assert_eq!((out.as_str(), err.as_str(), code), (FILES_OUTPUT, "", 0));
    assert!(fs.0.borrow().is_empty(), "the guest removed what it made");

    // Files the host put there are visible, and `..` above the mount is refused.
    fs.0.borrow_mut().insert(
        "note.txt".to_string(),
        Some(Rc::new(RefCell::new(b"from the card".to_vec()))),
    );
    let (out, _, _) = probe(
        &[
            "escape",
            "/sd/note.txt",
            "/sd/../sd/note.txt",
            "/sd/x/../../etc",
        ],
        WasiCtx::new().preopen("/sd", fs),
    );
    assert_eq!(
        out,
        "open /sd/note.txt: OPENED: from the card\n\
         open /sd/../sd/note.txt: Capabilities insufficient\n\
         open /sd/x/../../etc: Capabilities insufficient\n"
    );
}
