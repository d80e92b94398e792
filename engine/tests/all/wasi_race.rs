//! The WASI sandbox under a race: while a guest opens, creates, stats, renames and removes files
//! under `sub/`, another thread keeps swapping the directory `sub` with a symbolic link to a
//! directory outside the granted one (`renameat2(RENAME_EXCHANGE)` on Linux, a pair of renames
//! elsewhere). A filesystem that checks a path and then opens it again by name lets some of
//! those operations land outside; one that resolves every component from an open directory
//! handle, never following a link out, lets none.
//!
//! Every attempt runs five guest operations; after each attempt the test looks outside: a read
//! that returned the outside file's bytes, a stat that returned its inode, or any change to the
//! outside directory is an escape. The count is printed (`cargo test -- --nocapture`) and must
//! be 0. `FAYASM_RACE_ATTEMPTS` changes the number of attempts (default 100,000).

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

use fayasm::wasi::{self, WasiCtx};
use fayasm::{Engine, Instance, Linker, Module, Store, Val};

/// The guest: one export per operation, each returning the WASI errno. Paths live at fixed
/// addresses; `open_read` leaves what it read at 256, `stat` the `filestat` at 300.
const GUEST: &str = r#"(module
  (import "wasi_snapshot_preview1" "path_open"
    (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_close" (func $fd_close (param i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_filestat_get"
    (func $path_filestat_get (param i32 i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_rename"
    (func $path_rename (param i32 i32 i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_unlink_file"
    (func $path_unlink_file (param i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 100) "sub/f")
  (data (i32.const 120) "sub/c")
  (data (i32.const 140) "sub/r1")
  (data (i32.const 160) "sub/r2")
  ;; Open sub/f for reading (following links), read up to 16 bytes to 256, close.
  (func (export "open_read") (result i32)
    (local $e i32)
    (i64.store (i32.const 256) (i64.const 0))
    (i64.store (i32.const 264) (i64.const 0))
    (local.set $e (call $path_open (i32.const 3) (i32.const 1) (i32.const 100) (i32.const 5)
      (i32.const 0) (i64.const 2) (i64.const 0) (i32.const 0) (i32.const 200)))
    (if (local.get $e) (then (return (local.get $e))))
    (i32.store (i32.const 208) (i32.const 256))
    (i32.store (i32.const 212) (i32.const 16))
    (local.set $e (call $fd_read (i32.load (i32.const 200)) (i32.const 208) (i32.const 1)
      (i32.const 216)))
    (drop (call $fd_close (i32.load (i32.const 200))))
    (local.get $e))
  ;; Create sub/c (O_CREAT) for writing and close it.
  (func (export "create") (result i32)
    (local $e i32)
    (local.set $e (call $path_open (i32.const 3) (i32.const 1) (i32.const 120) (i32.const 5)
      (i32.const 1) (i64.const 66) (i64.const 0) (i32.const 0) (i32.const 200)))
    (if (i32.eqz (local.get $e)) (then (drop (call $fd_close (i32.load (i32.const 200))))))
    (local.get $e))
  (func (export "stat") (result i32)
    (call $path_filestat_get (i32.const 3) (i32.const 1) (i32.const 100) (i32.const 5)
      (i32.const 300)))
  ;; sub/r1 -> sub/r2 -> sub/r1.
  (func (export "rename") (result i32)
    (i32.or
      (call $path_rename (i32.const 3) (i32.const 140) (i32.const 6)
        (i32.const 3) (i32.const 160) (i32.const 6))
      (call $path_rename (i32.const 3) (i32.const 160) (i32.const 6)
        (i32.const 3) (i32.const 140) (i32.const 6))))
  (func (export "unlink") (result i32)
    (call $path_unlink_file (i32.const 3) (i32.const 120) (i32.const 5))))"#;

/// Swap `a` and `b` atomically (Linux `renameat2(RENAME_EXCHANGE)`); `false` when the system or
/// the filesystem does not offer it.
#[cfg(target_os = "linux")]
fn exchange(a: &std::ffi::CStr, b: &std::ffi::CStr) -> bool {
    // SAFETY: both arguments are NUL-terminated strings that outlive the call; the syscall
    // reads them and nothing else.
    let r = unsafe {
        libc::syscall(
            libc::SYS_renameat2,
            libc::AT_FDCWD,
            a.as_ptr(),
            libc::AT_FDCWD,
            b.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    r == 0
}

#[cfg(not(target_os = "linux"))]
fn exchange(_: &std::ffi::CStr, _: &std::ffi::CStr) -> bool {
    false
}

/// Keep swapping `root/sub` (a directory) with `root/link` (a link to the outside) until `stop`;
/// count the swaps.
fn racer(root: PathBuf, stop: Arc<AtomicBool>, swaps: Arc<AtomicU64>) {
    use std::os::unix::ffi::OsStrExt;
    let (sub, link, tmp) = (root.join("sub"), root.join("link"), root.join("tmp"));
    let c = |p: &Path| std::ffi::CString::new(p.as_os_str().as_bytes()).unwrap();
    let (csub, clink) = (c(&sub), c(&link));
    let atomic = exchange(&csub, &clink);
    if atomic {
        swaps.fetch_add(1, Ordering::Relaxed);
    }
    while !stop.load(Ordering::Relaxed) {
        let swapped = if atomic {
            exchange(&csub, &clink)
        } else {
            // Three renames: for a moment `sub` is missing, but it alternates between the
            // directory and the link all the same.
            std::fs::rename(&sub, &tmp).is_ok()
                && std::fs::rename(&link, &sub).is_ok()
                && std::fs::rename(&tmp, &link).is_ok()
        };
        if swapped {
            swaps.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// What an attempt did outside, repaired so the next attempt starts from the same state.
fn escapes_outside(outside: &Path) -> u64 {
    let mut escapes = 0;
    let mut names: Vec<String> = std::fs::read_dir(outside)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    if names != ["f", "r1"] {
        escapes += 1;
        let _ = std::fs::remove_file(outside.join("c"));
        if !outside.join("r1").exists() {
            let _ = std::fs::rename(outside.join("r2"), outside.join("r1"));
        }
        let _ = std::fs::remove_file(outside.join("r2"));
        if !outside.join("f").exists() {
            std::fs::write(outside.join("f"), "OUTSIDE").unwrap();
        }
        if !outside.join("r1").exists() {
            std::fs::write(outside.join("r1"), "").unwrap();
        }
    }
    escapes
}

fn call(store: &mut Store<WasiCtx>, inst: &Instance, name: &str) -> i32 {
    let f = inst.get_func(&mut *store, name).expect("export");
    let mut out = [Val::I32(0)];
    f.call(store, &[], &mut out)
        .expect("the guest does not trap");
    match out[0] {
        Val::I32(e) => e,
        ref v => panic!("unexpected result {v:?}"),
    }
}

#[test]
fn no_escape_while_a_directory_is_swapped_with_an_outside_link() {
    use std::os::unix::fs::MetadataExt;

    let attempts: u64 = std::env::var("FAYASM_RACE_ATTEMPTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let base = std::env::temp_dir().join(format!("fayasm-wasi-race-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&base);
    let (root, outside) = (base.join("root"), base.join("outside"));
    std::fs::create_dir_all(root.join("sub")).unwrap();
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::write(root.join("sub/f"), "inside").unwrap();
    std::fs::write(root.join("sub/r1"), "").unwrap();
    std::fs::write(outside.join("f"), "OUTSIDE").unwrap();
    std::fs::write(outside.join("r1"), "").unwrap();
    std::os::unix::fs::symlink(&outside, root.join("link")).unwrap();
    let outside_ino = std::fs::metadata(outside.join("f")).unwrap().ino();

    let engine = Engine::default();
    let module = Module::new(&engine, wat::parse_str(GUEST).unwrap()).unwrap();
    let mut store = Store::new(&engine, WasiCtx::new().preopen_dir(&root, ".").unwrap());
    let mut linker = Linker::new(&engine);
    wasi::add_to_linker(&mut linker, &mut store, |ctx| ctx).unwrap();
    let inst = linker.instantiate(&mut store, &module).unwrap();
    let memory = inst.get_memory(&store, "memory").unwrap();

    let stop = Arc::new(AtomicBool::new(false));
    let swaps = Arc::new(AtomicU64::new(0));
    let thread = {
        let (root, stop, swaps) = (root.clone(), stop.clone(), swaps.clone());
        std::thread::spawn(move || racer(root, stop, swaps))
    };

    let (mut escapes, mut failed, mut inside) = (0u64, 0u64, 0u64);
    for _ in 0..attempts {
        match call(&mut store, &inst, "open_read") {
            0 => {
                let read = &memory.data(&store)[256..272];
                if read.starts_with(b"OUTSIDE") {
                    escapes += 1;
                } else if read.starts_with(b"inside") {
                    inside += 1;
                }
            }
            _ => failed += 1,
        }
        if call(&mut store, &inst, "create") != 0 {
            failed += 1;
        }
        if call(&mut store, &inst, "stat") == 0 {
            let data = memory.data(&store);
            let ino = u64::from_le_bytes(data[308..316].try_into().unwrap());
            if ino == outside_ino {
                escapes += 1;
            }
        } else {
            failed += 1;
        }
        if call(&mut store, &inst, "rename") != 0 {
            failed += 1;
        }
        if call(&mut store, &inst, "unlink") != 0 {
            failed += 1;
        }
        escapes += escapes_outside(&outside);
    }
    stop.store(true, Ordering::Relaxed);
    thread.join().unwrap();
    let swaps = swaps.load(Ordering::Relaxed);
    println!(
        "{attempts} attempts (5 operations each), {swaps} swaps: {escapes} escapes, \
         {failed} operations refused, {inside} reads of the inside file"
    );
    std::fs::remove_dir_all(&base).unwrap();
    // The race must have happened for the result to mean anything: the guest saw both states.
    assert!(swaps > 1000, "only {swaps} swaps");
    assert!(failed > 0 && inside > 0, "the guest never saw the swap");
    assert_eq!(escapes, 0, "operations escaped the granted directory");
}
