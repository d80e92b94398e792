//! The paged view's translation cache (`runtime/memory/pager.rs`, `PagedView`): loads and
//! stores that hit a cached page skip the page table, so the cache must never outlive what
//! it caches. Checked against a resident memory: pages that share a cache entry, evictions
//! between two accesses of one page (budgets of 1 to 3 frames), stores through a cached
//! entry after a write-back, and a memory whose last paging page is partial (bounds come from
//! the memory's size, not the page's).

use fayasm::offload::MemStorage;
use fayasm::{Config, Engine, Error, Linker, Module, Paging, Store, TrapCode, Val};

/// Two wasm pages = 32 paging pages of 4 KiB; pages `p` and `p + 16` share a cache entry
/// (the cache has 16, selected by address bits 12 and up).
const WAT: &str = r#"
(module
  (memory (export "mem") 2)
  ;; `rounds` times, for each of a cycle of pages: store to the page, then load from two
  ;; other pages (one sharing its cache entry), and store what was read back into the first.
  (func (export "mix") (param $rounds i32) (result i32)
    (local $i i32) (local $p i32) (local $q i32) (local $sum i32) (local $a i32)
    (block $out
      (loop $l
        (br_if $out (i32.ge_u (local.get $i) (local.get $rounds)))
        ;; p = (i * 5) % 32, q = (p + 16) % 32: same entry, different pages.
        (local.set $p (i32.rem_u (i32.mul (local.get $i) (i32.const 5)) (i32.const 32)))
        (local.set $q (i32.rem_u (i32.add (local.get $p) (i32.const 16)) (i32.const 32)))
        (local.set $a (i32.add (i32.shl (local.get $p) (i32.const 12))
                               (i32.and (i32.mul (local.get $i) (i32.const 52)) (i32.const 4088))))
        (i64.store (local.get $a) (i64.extend_i32_u (local.get $i)))
        (local.set $sum (i32.add (local.get $sum)
          (i32.load (i32.add (i32.shl (local.get $q) (i32.const 12))
                             (i32.and (i32.mul (local.get $i) (i32.const 36)) (i32.const 4092))))))
        (local.set $sum (i32.xor (local.get $sum)
          (i32.load16_u offset=2 (i32.shl (i32.rem_u (i32.add (local.get $p) (i32.const 3))
                                                     (i32.const 32)) (i32.const 12)))))
        (i32.store offset=4 (local.get $a) (local.get $sum))
        (i32.store8 (i32.add (i32.shl (local.get $q) (i32.const 12)) (i32.const 100))
                    (local.get $i))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $l)))
    (local.get $sum)))
"#;

fn run_mix(paging: Option<Paging>, rounds: i32) -> (i32, Vec<u8>) {
    let engine = Engine::new(Config::default().memory_paging(paging));
    let module = Module::new(&engine, wat::parse_str(WAT).unwrap()).unwrap();
    let mut store = Store::new(&engine, ());
    store.set_storage(MemStorage::new());
    let inst = Linker::new(&engine)
        .instantiate(&mut store, &module)
        .unwrap();
    let mut out = [Val::I32(0)];
    let mix = inst.get_func(&store, "mix").unwrap();
    // Two calls: the second starts with a fresh view over pages the first left dirty,
    // written back or not.
    mix.call(&mut store, &[Val::I32(rounds)], &mut out).unwrap();
    mix.call(&mut store, &[Val::I32(rounds)], &mut out).unwrap();
    let Val::I32(v) = out[0] else { panic!() };
    let mem = inst.get_memory(&store, "mem").unwrap();
    let mut bytes = vec![0; 65536];
    mem.read(&mut store, 0, &mut bytes).unwrap();
    (v, bytes)
}

#[test]
fn cached_pages_agree_with_a_resident_memory_under_eviction() {
    let (want, want_bytes) = run_mix(None, 3000);
    for resident_pages in [1, 2, 3, 5, 16] {
        let (got, bytes) = run_mix(
            Some(Paging {
                page_size: 4096,
                resident_pages,
            }),
            3000,
        );
        assert_eq!(got, want, "{resident_pages} resident pages");
        assert!(
            bytes == want_bytes,
            "{resident_pages} resident pages: memory differs"
        );
    }
}

/// A 5,000-byte memory (1-byte wasm pages) paged in 4 KiB pages: the second paging page
/// holds only 904 bytes of memory.
const PARTIAL: &str = r#"
(module
  (memory (export "mem") 5000 (pagesize 1))
  (func (export "load") (param $a i32) (result i32)
    ;; Touch the last page first, so the access below can hit its cached entry.
    (i32.store8 (i32.const 4100) (i32.const 7))
    (i32.add (i32.load8_u (i32.const 4100)) (i32.load (local.get $a))))
  (func (export "store") (param $a i32) (result i32)
    (i32.store8 (i32.const 4101) (i32.const 1))
    (i32.store (local.get $a) (i32.const -1))
    (i32.const 0)))
"#;

fn partial(paging: Option<Paging>, export: &str, a: i32) -> Result<i32, Error> {
    let engine = Engine::new(
        Config::default()
            .wasm_custom_page_sizes(true)
            .memory_paging(paging),
    );
    let module = Module::new(&engine, wat::parse_str(PARTIAL).unwrap()).unwrap();
    let mut store = Store::new(&engine, ());
    store.set_storage(MemStorage::new());
    let inst = Linker::new(&engine)
        .instantiate(&mut store, &module)
        .unwrap();
    let mut out = [Val::I32(0)];
    inst.get_func(&store, export)
        .unwrap()
        .call(&mut store, &[Val::I32(a)], &mut out)?;
    let Val::I32(v) = out[0] else { panic!() };
    Ok(v)
}

#[test]
fn a_cached_partial_last_page_is_bounded_by_the_memory_size() {
    let paged = Some(Paging {
        page_size: 4096,
        resident_pages: 2,
    });
    for export in ["load", "store"] {
        for a in [4990, 4995, 4996, 4997, 4999, 5000, 8188, 8192] {
            let want = partial(None, export, a);
            let got = partial(paged, export, a);
            match (&want, &got) {
                (Ok(w), Ok(g)) => assert_eq!(w, g, "{export} {a}"),
                (Err(Error::Trap(w)), Err(Error::Trap(g))) => {
                    assert_eq!(w.code(), TrapCode::MemoryOutOfBounds, "{export} {a}");
                    assert_eq!(g.code(), TrapCode::MemoryOutOfBounds, "{export} {a}");
                }
                _ => panic!("{export} {a}: resident {want:?}, paged {got:?}"),
            }
            assert_eq!(want.is_ok(), a <= 4996, "{export} {a}");
        }
    }
}

/// Every path out of the interpreter that can run the pager (evict, fetch, write back) or
/// grow the memory, between two accesses of one page through the cache: atomics (load,
/// store, read-modify-write, compare-exchange, `wait` both ways, `notify`), bulk memory
/// (`fill`, `copy` across pages), host functions reading and writing the memory
/// (`Memory::read`/`write`), a host function that calls back into wasm which sweeps every
/// page, and a host function that writes the memory and then throws an exception the wasm
/// caller catches. After each, the page accessed just before (whose frame the path may have
/// given to another page) is stored to and loaded from again, and so is the page that shares
/// its cache entry. Compared, result and every byte, with a resident memory.
const PATHS: &str = r#"
(module
  (import "env" "poke" (func $poke (param i32 i32)))
  (import "env" "peek" (func $peek (param i32) (result i32)))
  (import "env" "reenter" (func $reenter (param i32) (result i32)))
  (import "env" "raise" (func $raise (param i32 i32)))
  (tag $t (export "t") (param i32))
  (memory (export "mem") 4 4 shared)
  ;; An address in page `page` (of 64), 8-aligned, varying with `k`.
  (func $at (param $page i32) (param $k i32) (result i32)
    (i32.add (i32.shl (i32.rem_u (local.get $page) (i32.const 64)) (i32.const 12))
             (i32.and (i32.mul (local.get $k) (i32.const 40)) (i32.const 4088))))
  ;; Store to and load from every page (what the re-entering host function calls).
  (func (export "sweep") (param $seed i32) (result i32)
    (local $p i32) (local $sum i32)
    (loop $l
      (i32.store offset=4 (call $at (local.get $p) (local.get $seed))
                 (i32.add (local.get $seed) (local.get $p)))
      (local.set $sum (i32.add (local.get $sum)
        (i32.load (call $at (i32.add (local.get $p) (i32.const 17)) (local.get $p)))))
      (local.set $p (i32.add (local.get $p) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $p) (i32.const 64))))
    (local.get $sum))
  (func (export "mix") (param $rounds i32) (result i32)
    (local $i i32) (local $p i32) (local $q i32) (local $r i32) (local $sum i32) (local $v i32)
    (block $out
      (loop $l
        (br_if $out (i32.ge_u (local.get $i) (local.get $rounds)))
        ;; p and q share a cache entry (16 apart); r is another page.
        (local.set $p (i32.rem_u (i32.mul (local.get $i) (i32.const 7)) (i32.const 64)))
        (local.set $q (i32.add (local.get $p) (i32.const 16)))
        (local.set $r (i32.add (local.get $p) (i32.const 29)))
        ;; Fill p's read and write entries: q first and p (either may fault, and a fault
        ;; empties the cache), then p again, resident now, so its accesses fill the entries.
        (local.set $sum (i32.xor (local.get $sum) (i32.load (call $at (local.get $q) (local.get $i)))))
        (i64.store (call $at (local.get $p) (local.get $i)) (i64.extend_i32_u (local.get $sum)))
        (local.set $sum (i32.add (local.get $sum) (i32.load (call $at (local.get $p) (i32.const 3)))))
        (i32.store offset=16 (call $at (local.get $p) (local.get $sum)) (local.get $i))
        ;; One path that may run the pager, touching pages q and r.
        (block $done
          (block $h (block $g (block $f (block $e (block $d (block $c (block $b (block $a (block $z
            (br_table $z $a $b $c $d $e $f $g $h (i32.rem_u (local.get $i) (i32.const 9))))
            ;; 0: read-modify-writes
            (local.set $sum (i32.add (local.get $sum)
              (i32.atomic.rmw.add (call $at (local.get $q) (local.get $sum)) (local.get $i))))
            (local.set $sum (i32.add (local.get $sum) (i32.wrap_i64
              (i64.atomic.rmw8.xor_u (call $at (local.get $r) (local.get $i))
                                     (i64.extend_i32_u (local.get $sum))))))
            (br $done))
            ;; 1: compare-exchange, once matching, once not
            (local.set $v (i32.atomic.load (call $at (local.get $r) (local.get $i))))
            (local.set $sum (i32.add (local.get $sum)
              (i32.atomic.rmw.cmpxchg (call $at (local.get $r) (local.get $i))
                                      (local.get $v) (i32.add (local.get $v) (local.get $i)))))
            (local.set $sum (i32.add (local.get $sum) (i32.wrap_i64
              (i64.atomic.rmw.cmpxchg (call $at (local.get $q) (i32.const 1))
                                      (i64.const -1) (i64.extend_i32_u (local.get $i))))))
            (br $done))
            ;; 2: wait, value different (1) and equal with no timeout (2), then notify
            (local.set $sum (i32.add (local.get $sum)
              (memory.atomic.wait32 (call $at (local.get $q) (local.get $i))
                (i32.xor (i32.atomic.load (call $at (local.get $q) (local.get $i))) (i32.const 1))
                (i64.const 0))))
            (local.set $sum (i32.add (local.get $sum)
              (memory.atomic.wait64 (call $at (local.get $r) (local.get $i))
                (i64.atomic.load (call $at (local.get $r) (local.get $i)))
                (i64.const -1))))
            (local.set $sum (i32.add (local.get $sum)
              (memory.atomic.notify (call $at (local.get $q) (i32.const 5)) (i32.const 1))))
            (br $done))
            ;; 3: atomic stores and loads
            (i64.atomic.store (call $at (local.get $q) (local.get $sum)) (i64.extend_i32_u (local.get $i)))
            (i32.atomic.store8 (i32.add (call $at (local.get $r) (i32.const 2)) (i32.const 3))
                               (local.get $sum))
            (local.set $sum (i32.add (local.get $sum)
              (i32.atomic.load16_u (call $at (local.get $r) (local.get $i)))))
            (br $done))
            ;; 4: memory.fill over the end of a page (q's, below the last two) into the next
            (memory.fill (i32.add (call $at (i32.rem_u (local.get $q) (i32.const 62)) (i32.const 0))
                                  (i32.const 2000))
                         (local.get $i) (i32.const 5000))
            (br $done))
            ;; 5: memory.copy between pages near r and q, across page boundaries
            (memory.copy (i32.add (call $at (i32.rem_u (local.get $q) (i32.const 62)) (i32.const 0))
                                  (i32.const 1000))
                         (i32.add (call $at (i32.rem_u (local.get $r) (i32.const 62)) (i32.const 0))
                                  (i32.const 3000))
                         (i32.const 6000))
            (br $done))
            ;; 6: the host writes q and reads r
            (call $poke (call $at (local.get $q) (local.get $i)) (local.get $sum))
            (local.set $sum (i32.add (local.get $sum)
              (call $peek (call $at (local.get $r) (local.get $i)))))
            (br $done))
            ;; 7: the host calls back into wasm, which touches every page
            (local.set $sum (i32.add (local.get $sum) (call $reenter (local.get $i))))
            (br $done))
          ;; 8: the host writes q, then throws; caught here
          (local.set $sum (i32.add (local.get $sum)
            (block $caught (result i32)
              (try_table (catch $t $caught)
                (call $raise (call $at (local.get $q) (local.get $sum)) (local.get $i)))
              (i32.const -7)))))
        ;; Back to p and q through what the cache held before the path ran.
        (i64.store offset=8 (call $at (local.get $p) (local.get $i)) (i64.extend_i32_u (local.get $sum)))
        (local.set $sum (i32.xor (local.get $sum) (i32.load (call $at (local.get $p) (i32.const 3)))))
        (i32.store8 offset=5 (call $at (local.get $q) (local.get $i)) (local.get $i))
        (local.set $sum (i32.add (local.get $sum) (i32.load (call $at (local.get $q) (local.get $i)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $l)))
    (local.get $sum)))
"#;

fn host_memory(caller: &mut fayasm::Caller<'_, ()>) -> fayasm::Memory {
    caller
        .get_export("mem")
        .and_then(fayasm::Extern::into_memory)
        .unwrap()
}

fn run_paths(paging: Option<Paging>, rounds: i32) -> (i32, Vec<u8>) {
    let engine = Engine::new(
        Config::default()
            .wasm_threads(true)
            .wasm_exceptions(true)
            .memory_paging(paging),
    );
    let module = Module::new(&engine, wat::parse_str(PATHS).unwrap()).unwrap();
    let mut store = Store::new(&engine, ());
    store.set_storage(MemStorage::new());
    let mut linker = Linker::new(&engine);
    linker
        .func_wrap(
            "env",
            "poke",
            |mut caller: fayasm::Caller<'_, ()>, a: i32, v: i32| -> Result<(), fayasm::Trap> {
                let mem = host_memory(&mut caller);
                mem.write(&mut caller, u64::from(a as u32), &v.to_le_bytes())
                    .map_err(|e| fayasm::Trap::host(e.to_string()))
            },
        )
        .unwrap();
    linker
        .func_wrap(
            "env",
            "peek",
            |mut caller: fayasm::Caller<'_, ()>, a: i32| -> Result<i32, fayasm::Trap> {
                let mem = host_memory(&mut caller);
                let mut b = [0; 4];
                mem.read(&mut caller, u64::from(a as u32), &mut b)
                    .map_err(|e| fayasm::Trap::host(e.to_string()))?;
                Ok(i32::from_le_bytes(b))
            },
        )
        .unwrap();
    linker
        .func_wrap(
            "env",
            "reenter",
            |mut caller: fayasm::Caller<'_, ()>, seed: i32| -> Result<i32, fayasm::Trap> {
                let sweep = caller
                    .get_export("sweep")
                    .and_then(fayasm::Extern::into_func)
                    .unwrap();
                let mut out = [Val::I32(0)];
                sweep
                    .call(&mut caller, &[Val::I32(seed)], &mut out)
                    .map_err(|e| fayasm::Trap::host(e.to_string()))?;
                let Val::I32(v) = out[0] else { panic!() };
                Ok(v)
            },
        )
        .unwrap();
    linker
        .func_wrap(
            "env",
            "raise",
            |mut caller: fayasm::Caller<'_, ()>, a: i32, v: i32| -> Result<(), fayasm::Trap> {
                let mem = host_memory(&mut caller);
                mem.write(
                    &mut caller,
                    u64::from(a as u32),
                    &(v ^ 0x5a5a).to_le_bytes(),
                )
                .map_err(|e| fayasm::Trap::host(e.to_string()))?;
                let tag = caller
                    .get_export("t")
                    .and_then(fayasm::Extern::into_tag)
                    .unwrap();
                let exn = fayasm::ExnRef::new(&mut caller, tag, &[Val::I32(v * 3)]).unwrap();
                Err(fayasm::Trap::throw(exn))
            },
        )
        .unwrap();
    let inst = linker.instantiate(&mut store, &module).unwrap();
    let mix = inst.get_func(&store, "mix").unwrap();
    let mut out = [Val::I32(0)];
    mix.call(&mut store, &[Val::I32(rounds)], &mut out).unwrap();
    let Val::I32(v) = out[0] else { panic!() };
    let mem = inst.get_memory(&store, "mem").unwrap();
    let mut bytes = vec![0; 4 * 65536];
    mem.read(&mut store, 0, &mut bytes).unwrap();
    (v, bytes)
}

#[test]
fn every_path_that_can_page_leaves_no_stale_translation() {
    let (want, want_bytes) = run_paths(None, 900);
    for (page_size, resident_pages) in [
        (4096, 1),
        (4096, 2),
        (4096, 3),
        (4096, 9),
        (4096, 64),
        (1024, 2),
        (16384, 2),
    ] {
        let (got, bytes) = run_paths(
            Some(Paging {
                page_size,
                resident_pages,
            }),
            900,
        );
        assert_eq!(
            got, want,
            "{resident_pages} resident pages of {page_size} B"
        );
        assert!(
            bytes == want_bytes,
            "{resident_pages} resident pages of {page_size} B: memory differs"
        );
    }
}

/// `memory.grow` between accesses through the cache: the pager's table and frames may move,
/// and new pages join. Every round grows the memory by one page until its maximum, then
/// stores to and loads from pages old and new, some of them cached before the grow.
const GROW: &str = r#"
(module
  (memory (export "mem") 1 8)
  (func (export "grow") (param $rounds i32) (result i32)
    (local $i i32) (local $pages i32) (local $a i32) (local $sum i32)
    (block $out
      (loop $l
        (br_if $out (i32.ge_u (local.get $i) (local.get $rounds)))
        ;; an address in the memory as it is, in one of its 4 KiB pages
        (local.set $pages (i32.mul (memory.size) (i32.const 16)))
        (local.set $a (i32.add
          (i32.shl (i32.rem_u (i32.mul (local.get $i) (i32.const 11)) (local.get $pages)) (i32.const 12))
          (i32.and (i32.mul (local.get $i) (i32.const 24)) (i32.const 4088))))
        (i32.store (local.get $a) (local.get $i))
        (local.set $sum (i32.add (local.get $sum) (i32.load offset=4 (local.get $a))))
        (i32.store offset=8 (local.get $a) (local.get $sum))
        (if (i32.eqz (i32.rem_u (local.get $i) (i32.const 37)))
          (then (local.set $sum (i32.add (local.get $sum) (memory.grow (i32.const 1))))))
        ;; the same page again, then the newest page
        (i32.store offset=4 (local.get $a) (local.get $sum))
        (local.set $sum (i32.xor (local.get $sum) (i32.load (local.get $a))))
        (i32.store (i32.sub (i32.mul (memory.size) (i32.const 65536)) (i32.const 4))
                   (local.get $i))
        (local.set $sum (i32.add (local.get $sum)
          (i32.load (i32.sub (i32.mul (memory.size) (i32.const 65536)) (i32.const 12)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $l)))
    (i32.add (local.get $sum) (memory.size))))
"#;

fn run_grow(paging: Option<Paging>, rounds: i32) -> (i32, Vec<u8>) {
    let engine = Engine::new(Config::default().memory_paging(paging));
    let module = Module::new(&engine, wat::parse_str(GROW).unwrap()).unwrap();
    let mut store = Store::new(&engine, ());
    store.set_storage(MemStorage::new());
    let inst = Linker::new(&engine)
        .instantiate(&mut store, &module)
        .unwrap();
    let mut out = [Val::I32(0)];
    let grow = inst.get_func(&store, "grow").unwrap();
    grow.call(&mut store, &[Val::I32(rounds)], &mut out)
        .unwrap();
    let Val::I32(v) = out[0] else { panic!() };
    let mem = inst.get_memory(&store, "mem").unwrap();
    let mut bytes = vec![0; mem.data_size(&store)];
    mem.read(&mut store, 0, &mut bytes).unwrap();
    (v, bytes)
}

#[test]
fn growing_leaves_no_stale_translation() {
    let (want, want_bytes) = run_grow(None, 400);
    assert_eq!(want_bytes.len(), 8 * 65536);
    for resident_pages in [1, 2, 3, 9, 128] {
        let (got, bytes) = run_grow(
            Some(Paging {
                page_size: 4096,
                resident_pages,
            }),
            400,
        );
        assert_eq!(got, want, "{resident_pages} resident pages");
        assert!(
            bytes == want_bytes,
            "{resident_pages} resident pages: memory differs"
        );
    }
}

/// One memory imported twice, as memory 0 and memory 1: an access through memory 1 goes out
/// of line and may evict a page memory 0's cache holds.
const ALIAS: &str = r#"
(module
  (import "env" "m" (memory $a 1))
  (import "env" "m" (memory $b 1))
  (func (export "alias") (param $rounds i32) (result i32)
    (local $i i32) (local $x i32) (local $y i32) (local $sum i32)
    (block $out
      (loop $l
        (br_if $out (i32.ge_u (local.get $i) (local.get $rounds)))
        (local.set $x (i32.shl (i32.rem_u (i32.mul (local.get $i) (i32.const 3)) (i32.const 16))
                               (i32.const 12)))
        (local.set $y (i32.shl (i32.rem_u (i32.add (local.get $i) (i32.const 5)) (i32.const 16))
                               (i32.const 12)))
        ;; x's entries filled (the store may fault, the two accesses after it hit), then an
        ;; access through memory 1 that may evict x, then x through memory 0 again.
        (i32.store $a (local.get $x) (local.get $i))
        (local.set $sum (i32.add (local.get $sum) (i32.load $a offset=8 (local.get $x))))
        (i32.store $a offset=16 (local.get $x) (local.get $sum))
        (i32.store $b offset=8 (local.get $y) (local.get $sum))
        (local.set $sum (i32.xor (local.get $sum) (i32.load $a offset=16 (local.get $x))))
        (i32.store $a offset=24 (local.get $x) (local.get $sum))
        (local.set $sum (i32.add (local.get $sum) (i32.load $b (local.get $x))))
        (i32.store $a offset=8 (local.get $x) (local.get $sum))
        (local.set $sum (i32.xor (local.get $sum) (i32.load $a offset=8 (local.get $y))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $l)))
    (local.get $sum)))
"#;

fn run_alias(paging: Option<Paging>, rounds: i32) -> (i32, Vec<u8>) {
    let engine = Engine::new(Config::default().memory_paging(paging));
    let module = Module::new(&engine, wat::parse_str(ALIAS).unwrap()).unwrap();
    let mut store = Store::new(&engine, ());
    store.set_storage(MemStorage::new());
    let mem = fayasm::Memory::new(&mut store, fayasm::MemoryType::new(1, None)).unwrap();
    let mut linker = Linker::new(&engine);
    linker.define(&store, "env", "m", mem).unwrap();
    let inst = linker.instantiate(&mut store, &module).unwrap();
    let mut out = [Val::I32(0)];
    let alias = inst.get_func(&store, "alias").unwrap();
    alias
        .call(&mut store, &[Val::I32(rounds)], &mut out)
        .unwrap();
    let Val::I32(v) = out[0] else { panic!() };
    let mut bytes = vec![0; 65536];
    mem.read(&mut store, 0, &mut bytes).unwrap();
    (v, bytes)
}

#[test]
fn an_access_through_another_index_of_the_same_memory_leaves_no_stale_translation() {
    let (want, want_bytes) = run_alias(None, 500);
    for resident_pages in [1, 2, 3, 16] {
        let (got, bytes) = run_alias(
            Some(Paging {
                page_size: 4096,
                resident_pages,
            }),
            500,
        );
        assert_eq!(got, want, "{resident_pages} resident pages");
        assert!(
            bytes == want_bytes,
            "{resident_pages} resident pages: memory differs"
        );
    }
}
