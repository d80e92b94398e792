//! Declared memories cost RAM only where the guest writes: a 4 GiB memory (and a memory grown
//! to 4 GiB) instantiate without 4 GiB of resident pages. The test runs alone in a child
//! process (`support::alone`), so no other test's allocations run in the process while the
//! resident set is measured (Linux's `/proc/self/statm`).

use fayasm::{Engine, Linker, Module, Store, Val};

use crate::support::alone;

/// Resident bytes of this process.
fn rss() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").expect("Linux /proc");
    let pages: u64 = statm.split_whitespace().nth(1).unwrap().parse().unwrap();
    pages * 4096
}

const LIMIT: u64 = 256 << 20;

#[test]
fn untouched_pages_of_huge_memories_take_no_ram() {
    if !alone!(untouched_pages_of_huge_memories_take_no_ram) {
        return;
    }
    let engine = Engine::default();
    let wasm = wat::parse_str(
        r#"(module
          (memory $big 65536)
          (memory $small 1)
          (func (export "poke") (param i64) (result i32)
            (i32.store8 $big (i32.wrap_i64 (local.get 0)) (i32.const 42))
            (i32.load8_u $big (i32.wrap_i64 (local.get 0))))
          (func (export "grow") (result i32) (memory.grow $small (i32.const 65535)))
          (func (export "size") (result i32) (memory.size $small)))"#,
    )
    .unwrap();
    let module = Module::new(&engine, &wasm).unwrap();
    let before = rss();
    let mut stores = Vec::new();
    // Two stores: 8 GiB of declared memory, plus 4 GiB more by growing.
    for _ in 0..2 {
        let mut store = Store::new(&engine, ());
        let inst = Linker::new(&engine)
            .instantiate(&mut store, &module)
            .unwrap();
        let mut out = [Val::I32(0)];
        for addr in [0i64, 0xffff_ffff] {
            inst.get_func(&store, "poke")
                .unwrap()
                .call(&mut store, &[Val::I64(addr)], &mut out)
                .unwrap();
            assert_eq!(out, [Val::I32(42)]);
        }
        stores.push((store, inst));
    }
    let (store, inst) = &mut stores[0];
    let mut out = [Val::I32(0)];
    inst.get_func(&mut *store, "grow")
        .unwrap()
        .call(&mut *store, &[], &mut out)
        .unwrap();
    assert_eq!(out, [Val::I32(1)]);
    inst.get_func(&mut *store, "size")
        .unwrap()
        .call(&mut *store, &[], &mut out)
        .unwrap();
    assert_eq!(out, [Val::I32(65536)]);
    assert_eq!(store.memory_bytes(), (65536 + 65536) << 16);
    let grown = rss().saturating_sub(before);
    assert!(
        grown < LIMIT,
        "12 GiB of declared memory took {grown} bytes of RAM"
    );
}
