//! Bounded host work per WASI call: iovecs are streamed from guest memory, never gathered into
//! one host buffer, and one call moves at most 1 MiB (a short count past it, as `writev` and
//! `readv` may return). Every length the guest passes is checked against its memory before
//! anything is allocated or done.
//!
//! The module of the hostile case: 200,000 iovecs that all point at the same 1 MiB, 200 GB in
//! all, written with one `fd_write`. Gathering them asked the host for 200 GB and aborted.
//! The test that checks the peak RSS runs alone in a child process (`support::alone`), so the
//! peak is its own.

use fayasm::wasi::{self, WasiCtx};
use fayasm::{Engine, Instance, Linker, Module, Store, Val};

use crate::support::{alone, temp_dir};

/// Iovecs in the table.
const COUNT: i32 = 200_000;
/// Where the table starts (the 1 MiB buffer is at 0).
const TABLE: i32 = 1 << 20;
/// What one call moves at most.
const MAX_PER_CALL: i32 = 1 << 20;

/// `setup` fills the table with `COUNT` iovecs of (0, 1 MiB); `write(fd)` / `read(fd)` /
/// `pwrite(fd)` / `pread(fd)` make one call over them and return the errno, the count at 16.
/// `open(create)` opens `f` in the preopen (fd 3) or `null` and returns the errno, fd at 8.
const GUEST: &str = r#"(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_pwrite" (func $fd_pwrite (param i32 i32 i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_pread" (func $fd_pread (param i32 i32 i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_open"
    (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (memory (export "memory") 48)
  (data (i32.const 32) "f")
  (func (export "setup") (param $count i32)
    (local $i i32)
    (loop $fill
      (i32.store (i32.add (i32.const 0x100000) (i32.shl (local.get $i) (i32.const 3))) (i32.const 0))
      (i32.store (i32.add (i32.const 0x100004) (i32.shl (local.get $i) (i32.const 3))) (i32.const 0x100000))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $fill (i32.lt_u (local.get $i) (local.get $count)))))
  (func (export "write") (param $fd i32) (param $count i32) (result i32)
    (call $fd_write (local.get $fd) (i32.const 0x100000) (local.get $count) (i32.const 16)))
  (func (export "read") (param $fd i32) (param $count i32) (result i32)
    (call $fd_read (local.get $fd) (i32.const 0x100000) (local.get $count) (i32.const 16)))
  (func (export "pwrite") (param $fd i32) (param $count i32) (result i32)
    (call $fd_pwrite (local.get $fd) (i32.const 0x100000) (local.get $count) (i64.const 4096)
      (i32.const 16)))
  (func (export "pread") (param $fd i32) (param $count i32) (result i32)
    (call $fd_pread (local.get $fd) (i32.const 0x100000) (local.get $count) (i64.const 0)
      (i32.const 16)))
  (func (export "open") (param $ptr i32) (param $len i32) (param $oflags i32) (result i32)
    (call $path_open (i32.const 3) (i32.const 1) (local.get $ptr) (local.get $len)
      (local.get $oflags) (i64.const 66) (i64.const 0) (i32.const 0) (i32.const 8))))"#;

struct Guest {
    store: Store<WasiCtx>,
    inst: Instance,
}

impl Guest {
    fn new(ctx: WasiCtx) -> Guest {
        let engine = Engine::default();
        let module = Module::new(&engine, wat::parse_str(GUEST).unwrap()).unwrap();
        let mut store = Store::new(&engine, ctx);
        let mut linker = Linker::new(&engine);
        wasi::add_to_linker(&mut linker, &mut store, |ctx| ctx).unwrap();
        let inst = linker.instantiate(&mut store, &module).unwrap();
        let mut g = Guest { store, inst };
        g.call("setup", &[COUNT]);
        g
    }

    fn call(&mut self, name: &str, args: &[i32]) -> i32 {
        let f = self.inst.get_func(&self.store, name).unwrap();
        let args: Vec<Val> = args.iter().map(|&a| Val::I32(a)).collect();
        let mut out = vec![Val::I32(0); f.ty(&self.store).results().len()];
        f.call(&mut self.store, &args, &mut out).unwrap();
        match out.first() {
            Some(Val::I32(v)) => *v,
            _ => 0,
        }
    }

    fn u32_at(&self, at: usize) -> u32 {
        let mem = self.inst.get_memory(&self.store, "memory").unwrap();
        u32::from_le_bytes(mem.data(&self.store)[at..at + 4].try_into().unwrap())
    }

    fn set_u32(&mut self, at: usize, v: u32) {
        let mem = self.inst.get_memory(&self.store, "memory").unwrap();
        mem.data_mut(&mut self.store)[at..at + 4].copy_from_slice(&v.to_le_bytes());
    }

    /// Open `name` (placed at 40) in the preopen; the descriptor.
    fn open(&mut self, name: &str, oflags: i32) -> i32 {
        let mem = self.inst.get_memory(&self.store, "memory").unwrap();
        mem.data_mut(&mut self.store)[40..40 + name.len()].copy_from_slice(name.as_bytes());
        assert_eq!(self.call("open", &[40, name.len() as i32, oflags]), 0);
        self.u32_at(8) as i32
    }
}

/// Peak resident set of this process, in bytes (Linux; 0 elsewhere).
fn peak_rss() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            let line = s.lines().find(|l| l.starts_with("VmHWM:"))?;
            let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
            Some(kb * 1024)
        })
        .unwrap_or(0)
}

#[test]
fn two_hundred_thousand_iovecs_over_one_mib_cost_one_mib() {
    if !alone!(two_hundred_thousand_iovecs_over_one_mib_cost_one_mib) {
        return;
    }
    let dir = temp_dir("wasi-iovecs");
    let mut g = Guest::new(
        WasiCtx::new()
            .capture_stdout()
            .stdin_bytes(vec![7u8; 3 << 20])
            .preopen_dir(&dir, ".")
            .unwrap(),
    );
    let before = peak_rss();

    // Captured stdout: one call takes 1 MiB and says so.
    assert_eq!(g.call("write", &[1, COUNT]), 0);
    assert_eq!(g.u32_at(16), MAX_PER_CALL as u32);
    assert_eq!(g.store.data().stdout().len(), MAX_PER_CALL as usize);

    // A file: the same, and pwrite at an offset too.
    let fd = g.open("f", 1);
    assert_eq!(g.call("write", &[fd, COUNT]), 0);
    assert_eq!(g.u32_at(16), MAX_PER_CALL as u32);
    assert_eq!(g.call("pwrite", &[fd, COUNT]), 0);
    assert_eq!(g.u32_at(16), MAX_PER_CALL as u32);
    let len = std::fs::metadata(dir.join("f")).unwrap().len();
    assert_eq!(len, 4096 + MAX_PER_CALL as u64);

    // Reads stop at 1 MiB too: pread from the file, read from stdin.
    assert_eq!(g.call("pread", &[fd, COUNT]), 0);
    assert_eq!(g.u32_at(16), MAX_PER_CALL as u32);
    assert_eq!(g.call("read", &[0, COUNT]), 0);
    assert_eq!(g.u32_at(16), MAX_PER_CALL as u32);

    // A guest that loops on short writes gets everything across.
    let mut total = 0u64;
    while total < 8 << 20 {
        assert_eq!(g.call("write", &[fd, COUNT]), 0);
        total += u64::from(g.u32_at(16));
    }

    #[cfg(target_os = "linux")]
    {
        // /dev/null through a granted /dev, as `fayasm run --dir /dev ... ` would.
        let mut g = Guest::new(WasiCtx::new().preopen_dir("/dev", ".").unwrap());
        let null = g.open("null", 0);
        assert_eq!(g.call("write", &[null, COUNT]), 0);
        assert_eq!(g.u32_at(16), MAX_PER_CALL as u32);
    }

    let after = peak_rss();
    println!(
        "peak RSS {} MiB before the calls, {} MiB after",
        before >> 20,
        after >> 20
    );
    // Before streaming, the first call asked for 200 GB. Now the calls add at most a few MiB
    // (the captured 1 MiB, the second guest's 3 MiB memory).
    assert!(
        after < before + (64 << 20),
        "peak RSS grew by {} MiB",
        (after - before) >> 20
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn guest_lengths_are_checked_before_anything_is_done() {
    let dir = temp_dir("wasi-lengths");
    let mut g = Guest::new(
        WasiCtx::new()
            .capture_stdout()
            .preopen_dir(&dir, ".")
            .unwrap(),
    );
    const FAULT: i32 = 21;
    // A table that cannot fit in memory: EFAULT, nothing written.
    assert_eq!(g.call("write", &[1, 0x2000_0000]), FAULT);
    assert_eq!(g.call("write", &[1, -1]), FAULT);
    // One bad buffer among good ones: EFAULT before any byte moves.
    g.set_u32(TABLE as usize + 8 * 1000 + 4, u32::MAX);
    assert_eq!(g.call("write", &[1, 2000]), FAULT);
    assert!(g.store.data().stdout().is_empty());
    let fd = g.open("f", 1);
    assert_eq!(g.call("pwrite", &[fd, 2000]), FAULT);
    assert_eq!(g.call("read", &[fd, 2000]), FAULT);
    assert_eq!(std::fs::metadata(dir.join("f")).unwrap().len(), 0);
    // The buffers before the bad one are fine alone.
    assert_eq!(g.call("write", &[1, 1000]), 0);
    assert_eq!(g.u32_at(16), MAX_PER_CALL as u32);
    std::fs::remove_dir_all(dir).unwrap();
}
