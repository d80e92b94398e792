//! What a memory of 1-byte pages saves on a small chip: the peak heap of a whole run (engine,
//! module, store, instance, a sieve over its memory) with a 1,000-byte memory of 1-byte pages
//! against the same program with the smallest memory possible before, one 64 KiB page. The
//! heap is counted by this test binary's global allocator, for the measuring thread only (the
//! test harness allocates on other threads meanwhile).

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicIsize, Ordering};

use fayasm::{Config, Engine, Linker, Module, Store, TargetProfile, Val};

struct Counting;

static CURRENT: AtomicIsize = AtomicIsize::new(0);
static PEAK: AtomicIsize = AtomicIsize::new(0);

thread_local! {
    static MEASURING: Cell<bool> = const { Cell::new(false) };
}

fn counted() -> bool {
    MEASURING.try_with(Cell::get).unwrap_or(false)
}

fn grew(n: usize) {
    let n = n as isize;
    let now = CURRENT.fetch_add(n, Ordering::Relaxed) + n;
    PEAK.fetch_max(now, Ordering::Relaxed);
}

// SAFETY: every method forwards to `System` with the caller's arguments, which upholds
// `GlobalAlloc`'s contract; the counters are only statistics.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract, forwarded.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() && counted() {
            grew(layout.size());
        }
        p
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract, forwarded.
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() && counted() {
            grew(layout.size());
        }
        p
    }
    unsafe fn dealloc(&self, p: *mut u8, layout: Layout) {
        if counted() {
            CURRENT.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        }
        // SAFETY: the caller's contract, forwarded.
        unsafe { System.dealloc(p, layout) }
    }
    unsafe fn realloc(&self, p: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the caller's contract, forwarded.
        let q = unsafe { System.realloc(p, layout, new_size) };
        if !q.is_null() && counted() {
            CURRENT.fetch_sub(layout.size() as isize, Ordering::Relaxed);
            grew(new_size);
        }
        q
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

/// The sieve of `tests/custom_page_sizes.rs`, over a memory declared by `memory`.
fn sieve(memory: &str) -> Vec<u8> {
    let wat = format!(
        r#"(module
  {memory}
  (func (export "sieve") (param $n i32) (result i32)
    (local $i i32) (local $j i32) (local $count i32)
    (local.set $i (i32.const 2))
    (block $done
      (loop $outer
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (if (i32.eqz (i32.load8_u (local.get $i)))
          (then
            (local.set $count (i32.add (local.get $count) (i32.const 1)))
            (local.set $j (i32.mul (local.get $i) (local.get $i)))
            (block $end
              (loop $inner
                (br_if $end (i32.ge_u (local.get $j) (local.get $n)))
                (i32.store8 (local.get $j) (i32.const 1))
                (local.set $j (i32.add (local.get $j) (local.get $i)))
                (br $inner)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $outer)))
    (local.get $count)))"#
    );
    wat::parse_str(wat).unwrap()
}

/// Peak heap bytes of a whole run of `wasm` (ESP32-C3 profile defaults) on this thread.
fn peak_of_run(wasm: &[u8]) -> isize {
    CURRENT.store(0, Ordering::Relaxed);
    PEAK.store(0, Ordering::Relaxed);
    MEASURING.with(|m| m.set(true));
    {
        let config = Config::default()
            .profile(TargetProfile::Esp32c3)
            .wasm_custom_page_sizes(true);
        let engine = Engine::new(config);
        let module = Module::new(&engine, wasm).unwrap();
        let mut store = Store::new(&engine, ());
        let inst = Linker::new(&engine)
            .instantiate(&mut store, &module)
            .unwrap();
        let f = inst.get_func(&store, "sieve").unwrap();
        let mut out = [Val::I32(0)];
        f.call(&mut store, &[Val::I32(1000)], &mut out).unwrap();
        assert_eq!(out, [Val::I32(168)]);
    }
    MEASURING.with(|m| m.set(false));
    PEAK.load(Ordering::Relaxed)
}

#[test]
fn a_1000_byte_memory_runs_in_a_fraction_of_a_64_kib_page() {
    let wasm_small = sieve("(memory 1000 (pagesize 1))");
    let wasm_page = sieve("(memory 1)");
    let small = peak_of_run(&wasm_small);
    let page = peak_of_run(&wasm_page);
    println!("peak heap of the whole run: 1,000-byte memory {small} B, one 64 KiB page {page} B");
    // The memory itself is the difference: 64 KiB against 1,000 bytes.
    assert_eq!(page - small, 65_536 - 1000, "{page} - {small}");
    assert!(small < 16 * 1024, "{small}");
}
