//! The paged view's translation cache (`runtime/memory/pager.rs`, `PagedView`): loads and
//! stores that hit a cached page skip the page table, so the cache must never outlive what
//! it caches. Checked against a resident memory: pages that share a cache entry, evictions
//! between two accesses of one page (budgets of 1 to 3 frames), stores through a cached
//! entry after a write-back, and a memory whose last paging page is partial (bounds come from
//! the memory's size, not the page's).

use fayasm::offload::MemStorage;
use fayasm::{Config, Engine, Error, Linker, Module, Paging, Store, TrapCode, Val};

/// One wasm page = 16 paging pages of 4 KiB; pages `p` and `p + 8` share a cache entry.
const WAT: &str = r#"
(module
  (memory (export "mem") 1)
  ;; `rounds` times, for each of a cycle of pages: store to the page, then load from two
  ;; other pages (one sharing its cache entry), and store what was read back into the first.
  (func (export "mix") (param $rounds i32) (result i32)
    (local $i i32) (local $p i32) (local $q i32) (local $sum i32) (local $a i32)
    (block $out
      (loop $l
        (br_if $out (i32.ge_u (local.get $i) (local.get $rounds)))
        ;; p = (i * 5) % 16, q = (p + 8) % 16: same entry, different pages.
        (local.set $p (i32.rem_u (i32.mul (local.get $i) (i32.const 5)) (i32.const 16)))
        (local.set $q (i32.rem_u (i32.add (local.get $p) (i32.const 8)) (i32.const 16)))
        (local.set $a (i32.add (i32.shl (local.get $p) (i32.const 12))
                               (i32.and (i32.mul (local.get $i) (i32.const 52)) (i32.const 4088))))
        (i64.store (local.get $a) (i64.extend_i32_u (local.get $i)))
        (local.set $sum (i32.add (local.get $sum)
          (i32.load (i32.add (i32.shl (local.get $q) (i32.const 12))
                             (i32.and (i32.mul (local.get $i) (i32.const 36)) (i32.const 4092))))))
        (local.set $sum (i32.xor (local.get $sum)
          (i32.load16_u offset=2 (i32.shl (i32.rem_u (i32.add (local.get $p) (i32.const 3))
                                                     (i32.const 16)) (i32.const 12)))))
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
