//! The custom-page-sizes proposal behind `Config::wasm_custom_page_sizes`: a memory of 1-byte
//! pages holds exactly as many bytes as it declares (a 1,000-byte memory takes 1,000 bytes of
//! RAM, where the smallest memory before was 64 KiB), `memory.size`/`memory.grow` count bytes,
//! and every backing handles memories smaller than one offload page: resident, spilled,
//! demand-paged (with paging pages larger than the whole memory), checkpointed and restored.

use fayasm::offload::MemStorage;
use fayasm::{
    Config, Engine, Error, Linker, Memory, MemoryType, Module, Paging, Store, StoreLimits,
    TrapCode, Val,
};

use crate::support::sieve_wat;

/// A sieve of Eratosthenes over a 1,000-byte memory (one byte per number).
fn sieve() -> String {
    sieve_wat(r#"(memory (export "memory") 1000 (pagesize 1))"#, true)
}

fn engine(config: Config) -> Engine {
    Engine::new(config.wasm_custom_page_sizes(true))
}

fn call(
    store: &mut Store<()>,
    inst: fayasm::Instance,
    name: &str,
    args: &[Val],
) -> Result<Vec<Val>, Error> {
    let f = inst.get_func(&*store, name).expect("export");
    let n = f.ty(&*store).results().len();
    let mut out = vec![Val::I32(0); n];
    f.call(&mut *store, args, &mut out)?;
    Ok(out)
}

fn i32_of(r: Result<Vec<Val>, Error>) -> i32 {
    match r.expect("call").as_slice() {
        [Val::I32(v)] => *v,
        other => panic!("expected one i32, got {other:?}"),
    }
}

fn trap_code(r: Result<Vec<Val>, Error>) -> TrapCode {
    match r {
        Err(Error::Trap(t)) => t.code(),
        other => panic!("expected a trap, got {other:?}"),
    }
}

fn sieve_store(
    config: Config,
    limits: Option<StoreLimits>,
) -> Result<(Store<()>, fayasm::Instance), Error> {
    let engine = engine(config);
    let module = Module::new(&engine, wat::parse_str(sieve()).unwrap())?;
    let mut store = Store::new(&engine, ());
    store.set_storage(MemStorage::new());
    if let Some(l) = limits {
        store.set_limits(l);
    }
    let inst = Linker::new(&engine).instantiate(&mut store, &module)?;
    Ok((store, inst))
}

/// Runs the sieve and the bounds and growth checks on an instance of `sieve()`.
fn exercise(store: &mut Store<()>, inst: fayasm::Instance) {
    assert_eq!(i32_of(call(store, inst, "size", &[])), 1000);
    assert_eq!(i32_of(call(store, inst, "sieve", &[Val::I32(1000)])), 168);
    assert_eq!(i32_of(call(store, inst, "load", &[Val::I32(999)])), 1);
    assert_eq!(i32_of(call(store, inst, "load", &[Val::I32(997)])), 0);
    assert_eq!(
        trap_code(call(store, inst, "load", &[Val::I32(1000)])),
        TrapCode::MemoryOutOfBounds
    );
    assert_eq!(
        trap_code(call(store, inst, "sieve", &[Val::I32(1001)])),
        TrapCode::MemoryOutOfBounds
    );
    // Growth counts bytes: 24 more make 1,024, and the new bytes read as zero.
    assert_eq!(i32_of(call(store, inst, "grow", &[Val::I32(24)])), 1000);
    assert_eq!(i32_of(call(store, inst, "size", &[])), 1024);
    assert_eq!(i32_of(call(store, inst, "load", &[Val::I32(1023)])), 0);
    call(store, inst, "store", &[Val::I32(1023), Val::I32(7)]).unwrap();
    assert_eq!(i32_of(call(store, inst, "load", &[Val::I32(1023)])), 7);
    assert_eq!(i32_of(call(store, inst, "sieve", &[Val::I32(1024)])), 172);
    assert_eq!(
        trap_code(call(store, inst, "load", &[Val::I32(1024)])),
        TrapCode::MemoryOutOfBounds
    );
}

#[test]
fn off_by_default_and_the_error_names_the_feature() {
    let wasm = wat::parse_str(sieve()).unwrap();
    match Module::new(&Engine::new(Config::default()), &wasm) {
        Err(Error::Module(e)) => assert!(e.message.contains("custom page sizes"), "{}", e.message),
        Err(e) => panic!("expected a validation error, got {e}"),
        Ok(_) => panic!("a module with a custom page size validated with the feature off"),
    }
}

#[test]
fn a_1000_byte_memory_takes_1000_bytes() {
    // The store may hold 1,000 bytes of linear memory in all: exactly this memory.
    let limits = StoreLimits::default()
        .memory_size(1000)
        .memories_total(1000);
    let (mut store, inst) = sieve_store(Config::default(), Some(limits)).unwrap();
    let mem = inst.get_memory(&store, "memory").unwrap();
    assert_eq!(mem.data(&store).len(), 1000);
    assert_eq!(mem.size(&store), 1000);
    assert_eq!(mem.ty(&store).page_size_log2, 0);
    assert_eq!(store.memory_bytes(), 1000);
    assert_eq!(
        i32_of(call(&mut store, inst, "sieve", &[Val::I32(1000)])),
        168
    );
    // One more byte is over both limits: memory.grow fails with -1, nothing changes.
    assert_eq!(i32_of(call(&mut store, inst, "grow", &[Val::I32(1)])), -1);
    assert_eq!(mem.data(&store).len(), 1000);
    // A limit one byte short refuses the instance.
    let limits = StoreLimits::default().memory_size(999);
    assert!(matches!(
        sieve_store(Config::default(), Some(limits)),
        Err(Error::Limit(_))
    ));
}

#[test]
fn resident() {
    let (mut store, inst) = sieve_store(Config::default(), None).unwrap();
    exercise(&mut store, inst);
}

#[test]
fn spilled_between_calls() {
    let (mut store, inst) = sieve_store(Config::default(), None).unwrap();
    let mem = inst.get_memory(&store, "memory").unwrap();
    assert_eq!(
        i32_of(call(&mut store, inst, "sieve", &[Val::I32(1000)])),
        168
    );
    // The blob holds the 1,000 bytes (plus the envelope), not a 64 KiB page.
    let written = mem.spill(&mut store).unwrap();
    assert!(written > 1000 && written < 1200, "{written} bytes");
    assert_eq!(i32_of(call(&mut store, inst, "load", &[Val::I32(999)])), 1);
    mem.spill(&mut store).unwrap();
    exercise_after_sieve(&mut store, inst);
}

/// The part of `exercise` that follows a sieve of 1,000.
fn exercise_after_sieve(store: &mut Store<()>, inst: fayasm::Instance) {
    assert_eq!(i32_of(call(store, inst, "grow", &[Val::I32(24)])), 1000);
    assert_eq!(i32_of(call(store, inst, "load", &[Val::I32(1023)])), 0);
    assert_eq!(i32_of(call(store, inst, "sieve", &[Val::I32(1024)])), 172);
}

#[test]
fn paged_with_pages_smaller_and_larger_than_the_memory() {
    // 256-byte frames, one resident: the 1,000-byte memory is four pages, the last partly
    // past its end. 4 KiB and 64 KiB frames: the whole memory is part of one page.
    for (page_size, resident_pages) in [(256, 1), (256, 2), (1024, 1), (4096, 1), (65_536, 1)] {
        let config = Config::default().memory_paging(Some(Paging {
            page_size,
            resident_pages,
        }));
        let (mut store, inst) = sieve_store(config, None).unwrap();
        exercise(&mut store, inst);
        let mem = inst.get_memory(&store, "memory").unwrap();
        // Written back and read again, the bytes are the sieve's last marks (1021 is prime).
        mem.spill(&mut store).unwrap();
        let mut buf = [0u8; 4];
        mem.read(&mut store, 1020, &mut buf).unwrap();
        assert_eq!(buf, [1, 0, 1, 1], "page size {page_size}");
    }
}

#[test]
fn checkpoint_and_restore() {
    let (mut store, inst) = sieve_store(Config::default(), None).unwrap();
    assert_eq!(
        i32_of(call(&mut store, inst, "sieve", &[Val::I32(1000)])),
        168
    );
    assert_eq!(i32_of(call(&mut store, inst, "grow", &[Val::I32(3)])), 1000);
    call(&mut store, inst, "store", &[Val::I32(1002), Val::I32(9)]).unwrap();
    let mut storage = MemStorage::new();
    inst.checkpoint(&mut store, &mut storage).unwrap();
    // A fresh instance: 1,000 bytes, restored to 1,003.
    let (mut store2, inst2) = sieve_store(Config::default(), None).unwrap();
    inst2.restore(&mut store2, &mut storage).unwrap();
    assert_eq!(i32_of(call(&mut store2, inst2, "size", &[])), 1003);
    assert_eq!(
        i32_of(call(&mut store2, inst2, "load", &[Val::I32(1002)])),
        9
    );
    assert_eq!(
        i32_of(call(&mut store2, inst2, "load", &[Val::I32(999)])),
        1
    );
    assert_eq!(
        i32_of(call(&mut store2, inst2, "load", &[Val::I32(997)])),
        0
    );
}

#[test]
fn host_memories_and_imports() {
    let engine = engine(Config::default());
    let mut store = Store::new(&engine, ());
    let ty = MemoryType::new(3, Some(10)).with_page_size_log2(0);
    let mem = Memory::new(&mut store, ty).unwrap();
    assert_eq!(mem.size(&store), 3);
    assert_eq!(mem.grow(&mut store, 7).unwrap(), 3);
    assert_eq!(mem.data(&store).len(), 10);
    assert!(mem.grow(&mut store, 1).is_err());
    // Only 1 and 65,536 are page sizes.
    for log2 in [1, 12, 15, 17, 64] {
        let ty = MemoryType::new(1, None).with_page_size_log2(log2);
        assert!(
            matches!(Memory::new(&mut store, ty), Err(Error::Type(_))),
            "2^{log2}"
        );
    }
    // An import must have the same page size.
    let import = |ps: u32| {
        let wat = format!(r#"(module (memory (import "m" "mem") 1 (pagesize {ps})))"#);
        Module::new(&engine, wat::parse_str(wat).unwrap()).unwrap()
    };
    let mut linker = Linker::new(&engine);
    linker.define(&store, "m", "mem", mem).unwrap();
    assert!(linker.instantiate(&mut store, &import(1)).is_ok());
    assert!(matches!(
        linker.instantiate(&mut store, &import(65_536)),
        Err(Error::Link(_))
    ));
}
