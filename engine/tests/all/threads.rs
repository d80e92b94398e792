//! The threads proposal (`Config::wasm_threads`) on one thread: what the spec suite does not
//! pin down. The switch and its error, shared memory types through the API and import
//! matching, the narrow read-modify-writes and compare-exchanges against a model, alignment
//! before bounds, `wait`'s three outcomes (not-equal, timed out after the timeout, a trap for
//! a wait nothing could end), `notify`, and atomics on paged and spilled memories.

use std::time::{Duration, Instant};

use fayasm::microcode::Op;
use fayasm::offload::MemStorage;
use fayasm::{
    Config, Engine, Error, Linker, Memory, MemoryType, Module, Paging, Store, TrapCode, Val,
};

fn engine() -> Engine {
    Engine::new(Config::default().wasm_threads(true))
}

const ATOMICS: &str = r#"(module
  (memory (export "memory") 1 1 shared)
  (func (export "rmw8_add") (param i32 i32) (result i32)
    (i32.atomic.rmw8.add_u (local.get 0) (local.get 1)))
  (func (export "rmw16_sub") (param i32 i64) (result i64)
    (i64.atomic.rmw16.sub_u (local.get 0) (local.get 1)))
  (func (export "rmw32_xchg") (param i32 i64) (result i64)
    (i64.atomic.rmw32.xchg_u (local.get 0) (local.get 1)))
  (func (export "rmw_and") (param i32 i64) (result i64)
    (i64.atomic.rmw.and (local.get 0) (local.get 1)))
  (func (export "rmw_or") (param i32 i32) (result i32)
    (i32.atomic.rmw.or offset=4 (local.get 0) (local.get 1)))
  (func (export "rmw8_xor") (param i32 i64) (result i64)
    (i64.atomic.rmw8.xor_u (local.get 0) (local.get 1)))
  (func (export "cmpxchg8") (param i32 i32 i32) (result i32)
    (i32.atomic.rmw8.cmpxchg_u (local.get 0) (local.get 1) (local.get 2)))
  (func (export "cmpxchg32") (param i32 i64 i64) (result i64)
    (i64.atomic.rmw32.cmpxchg_u (local.get 0) (local.get 1) (local.get 2)))
  (func (export "load") (param i32) (result i64) (i64.atomic.load (local.get 0)))
  (func (export "load16") (param i32) (result i32) (i32.atomic.load16_u (local.get 0)))
  (func (export "store") (param i32 i64) (i64.atomic.store (local.get 0) (local.get 1)))
  (func (export "store8") (param i32 i32) (i32.atomic.store8 (local.get 0) (local.get 1)))
  (func (export "wait32") (param i32 i32 i64) (result i32)
    (memory.atomic.wait32 (local.get 0) (local.get 1) (local.get 2)))
  (func (export "wait64") (param i32 i64 i64) (result i32)
    (memory.atomic.wait64 (local.get 0) (local.get 1) (local.get 2)))
  (func (export "notify") (param i32 i32) (result i32)
    (memory.atomic.notify (local.get 0) (local.get 1)))
  (func (export "fence") (param i32) (result i32)
    (atomic.fence)
    (i32.add (local.get 0) (i32.const 1)))
)"#;

struct Fixture {
    store: Store<()>,
    inst: fayasm::Instance,
}

impl Fixture {
    fn new(engine: &Engine, storage: bool) -> Fixture {
        let module = Module::new(engine, wat::parse_str(ATOMICS).unwrap()).unwrap();
        let mut store = Store::new(engine, ());
        if storage {
            store.set_storage(MemStorage::new());
        }
        let inst = Linker::new(engine)
            .instantiate(&mut store, &module)
            .unwrap();
        Fixture { store, inst }
    }

    fn call(&mut self, name: &str, args: &[Val]) -> Result<Val, Error> {
        let f = self.inst.get_func(&self.store, name).unwrap();
        let n = f.ty(&self.store).results().len();
        let mut out = vec![Val::I32(0); n];
        f.call(&mut self.store, args, &mut out)?;
        Ok(out.first().cloned().unwrap_or(Val::I32(0)))
    }

    fn i32(&mut self, name: &str, args: &[Val]) -> i32 {
        match self.call(name, args).unwrap() {
            Val::I32(v) => v,
            other => panic!("{name}: {other:?}"),
        }
    }

    fn i64(&mut self, name: &str, args: &[Val]) -> i64 {
        match self.call(name, args).unwrap() {
            Val::I64(v) => v,
            other => panic!("{name}: {other:?}"),
        }
    }

    fn trap(&mut self, name: &str, args: &[Val]) -> TrapCode {
        match self.call(name, args) {
            Err(Error::Trap(t)) => t.code(),
            other => panic!("{name}: expected a trap, got {other:?}"),
        }
    }

    fn memory(&self) -> Memory {
        self.inst.get_memory(&self.store, "memory").unwrap()
    }
}

#[test]
fn off_by_default_and_the_error_names_the_feature() {
    let shared = wat::parse_str("(module (memory 1 1 shared))").unwrap();
    let atomic =
        wat::parse_str("(module (memory 1 1) (func (drop (i32.atomic.load (i32.const 0)))))")
            .unwrap();
    for bytes in [&shared, &atomic] {
        for config in [Config::default(), Config::default().wasm_threads(false)] {
            match Module::new(&Engine::new(config), bytes) {
                Err(Error::Module(e)) => assert!(e.message.contains("threads"), "{}", e.message),
                Err(e) => panic!("expected a validation error, got {e}"),
                Ok(_) => panic!("a threads module validated with the feature off"),
            }
        }
        Module::new(&engine(), bytes).unwrap();
    }
    // A shared memory needs a maximum.
    let err = Module::new(
        &engine(),
        wat::parse_str("(module (memory 1 shared))").unwrap(),
    )
    .unwrap_err();
    assert!(err.to_string().contains("maximum"), "{err}");
}

#[test]
fn each_operator_is_one_op_and_fence_is_none() {
    let module = Module::new(&engine(), wat::parse_str(ATOMICS).unwrap()).unwrap();
    let expect = [
        "AtomicRmw",
        "AtomicRmw",
        "AtomicRmw",
        "AtomicRmw",
        "AtomicRmw",
        "AtomicRmw",
        "AtomicCmpxchg",
        "AtomicCmpxchg",
        "AtomicLoad",
        "AtomicLoad",
        "AtomicStore",
        "AtomicStore",
        "AtomicWait",
        "AtomicWait",
        "AtomicNotify",
        "I32AddImm",
    ];
    for (i, name) in expect.into_iter().enumerate() {
        let code = module.translate_function(i as u32).unwrap().unwrap();
        let ops = code.decode_ops().unwrap();
        assert_eq!(ops[0].name(), name, "function {i}: {code}");
        assert!(
            matches!(ops.last(), Some(Op::Return { .. })) && ops.len() == 2,
            "function {i}: {code}"
        );
    }
}

#[test]
fn shared_memory_types_through_the_api_and_imports() {
    let engine = engine();
    let mut store = Store::new(&engine, ());
    // The host cannot make a shared memory without a maximum.
    let unbounded = MemoryType::new(1, None).with_shared(true);
    assert!(matches!(
        Memory::new(&mut store, unbounded),
        Err(Error::Type(_))
    ));
    let shared = Memory::new(&mut store, MemoryType::new(1, Some(2)).with_shared(true)).unwrap();
    let plain = Memory::new(&mut store, MemoryType::new(1, Some(2))).unwrap();
    assert!(shared.ty(&store).shared);
    assert!(!plain.ty(&store).shared);
    let importer = |shared: bool| {
        let s = if shared { " shared" } else { "" };
        Module::new(
            &engine,
            wat::parse_str(format!(r#"(module (import "m" "mem" (memory 1 2{s})))"#)).unwrap(),
        )
        .unwrap()
    };
    for (module_shared, memory, ok) in [
        (true, shared, true),
        (false, plain, true),
        (true, plain, false),
        (false, shared, false),
    ] {
        let mut linker = Linker::new(&engine);
        linker.define(&store, "m", "mem", memory).unwrap();
        let r = linker.instantiate(&mut store, &importer(module_shared));
        match (r, ok) {
            (Ok(_), true) => {}
            (Err(Error::Link(e)), false) => {
                assert!(e.to_string().contains("sharing"), "{e}")
            }
            (r, _) => panic!("module shared {module_shared}, {ok}: {r:?}"),
        }
    }
    // A module's own shared memory reports it.
    let f = Fixture::new(&engine, false);
    assert!(f.memory().ty(&f.store).shared);
}

/// Every narrow read-modify-write and compare-exchange against a model: the old value
/// zero-extended, the new one wrapped to the width, the bytes around untouched.
fn exercise(f: &mut Fixture) {
    let a = |v: i32| Val::I32(v);
    let l = |v: i64| Val::I64(v);
    f.call("store", &[a(8), l(0x1122_3344_5566_77ff)]).unwrap();
    // 0xff + 0x102 = 0x201: the byte wraps to 0x01, the operand's high bits are dropped.
    assert_eq!(f.i32("rmw8_add", &[a(8), a(0x102)]), 0xff);
    assert_eq!(f.i64("load", &[a(8)]), 0x1122_3344_5566_7701);
    // 0x7701 - 0x7702 wraps to 0xffff within 16 bits.
    assert_eq!(f.i64("rmw16_sub", &[a(8), l(0x7702)]), 0x7701);
    assert_eq!(f.i64("load", &[a(8)]), 0x1122_3344_5566_ffff);
    assert_eq!(f.i32("load16", &[a(8)]), 0xffff);
    // The 32-bit exchange returns the low half zero-extended, keeps the high half.
    assert_eq!(f.i64("rmw32_xchg", &[a(8), l(-1)]), 0x5566_ffff);
    assert_eq!(f.i64("load", &[a(8)]), 0x1122_3344_ffff_ffff);
    assert_eq!(
        f.i64("rmw_and", &[a(8), l(0x0f0f_0f0f_0f0f_0f0f)]),
        0x1122_3344_ffff_ffff
    );
    assert_eq!(f.i64("load", &[a(8)]), 0x0102_0304_0f0f_0f0f);
    // `offset=4`: the i32 at 12.
    assert_eq!(f.i32("rmw_or", &[a(8), a(0x7000_0000)]), 0x0102_0304);
    assert_eq!(f.i64("load", &[a(8)]), 0x7102_0304_0f0f_0f0f);
    assert_eq!(f.i64("rmw8_xor", &[a(9), l(0xff)]), 0x0f);
    assert_eq!(f.i64("load", &[a(8)]), 0x7102_0304_0f0f_f00f);
    // The expected value is wrapped to the width before the comparison: 0x10f matches 0x0f.
    assert_eq!(f.i32("cmpxchg8", &[a(8), a(0x10f), a(0x1aa)]), 0x0f);
    assert_eq!(f.i64("load", &[a(8)]), 0x7102_0304_0f0f_f0aa);
    // No match: nothing is stored.
    assert_eq!(f.i32("cmpxchg8", &[a(8), a(0x0f), a(0x55)]), 0xaa);
    assert_eq!(f.i64("load", &[a(8)]), 0x7102_0304_0f0f_f0aa);
    // 32-bit compare-exchange on an i64: expected 0x1_0f0f_f0aa wraps to match.
    assert_eq!(
        f.i64("cmpxchg32", &[a(8), l(0x1_0f0f_f0aa), l(0x7777_1234_5678)]),
        0x0f0f_f0aa
    );
    assert_eq!(f.i64("load", &[a(8)]), 0x7102_0304_1234_5678);
    f.call("store8", &[a(15), a(0x1ff)]).unwrap();
    assert_eq!(f.i64("load", &[a(8)]), -0x00fd_fcfb_edcb_a988);
    assert_eq!(f.i32("fence", &[a(41)]), 42);
}

#[test]
fn read_modify_writes_wrap_to_their_width() {
    exercise(&mut Fixture::new(&engine(), false));
}

#[test]
fn atomics_on_paged_and_spilled_memories() {
    let paged = Engine::new(
        Config::default()
            .wasm_threads(true)
            .memory_paging(Some(Paging {
                page_size: 1024,
                resident_pages: 1,
            })),
    );
    let mut f = Fixture::new(&paged, true);
    // Touch a far page so that the test's page is evicted and faulted back in between.
    f.call("store", &[Val::I32(60_000), Val::I64(1)]).unwrap();
    exercise(&mut f);
    assert_eq!(f.i64("load", &[Val::I32(60_000)]), 1);

    let mut f = Fixture::new(&engine(), true);
    f.memory().spill(&mut f.store).unwrap();
    exercise(&mut f);
    f.memory().spill(&mut f.store).unwrap();
    assert_eq!(
        f.i64("rmw_and", &[Val::I32(8), Val::I64(0)]),
        -0x00fd_fcfb_edcb_a988
    );
}

#[test]
fn alignment_is_checked_before_bounds() {
    let mut f = Fixture::new(&engine(), false);
    let a = |v: i32| Val::I32(v);
    let l = |v: i64| Val::I64(v);
    assert_eq!(f.trap("load", &[a(4)]), TrapCode::UnalignedAtomic);
    assert_eq!(f.trap("load16", &[a(1)]), TrapCode::UnalignedAtomic);
    assert_eq!(f.trap("rmw_or", &[a(1), a(0)]), TrapCode::UnalignedAtomic);
    assert_eq!(f.trap("notify", &[a(2), a(1)]), TrapCode::UnalignedAtomic);
    assert_eq!(
        f.trap("wait64", &[a(4), l(0), l(0)]),
        TrapCode::UnalignedAtomic
    );
    // Unaligned and out of bounds: unaligned (as wasmtime).
    assert_eq!(f.trap("load", &[a(-3)]), TrapCode::UnalignedAtomic);
    // Aligned and out of bounds.
    assert_eq!(f.trap("load", &[a(65_536)]), TrapCode::MemoryOutOfBounds);
    assert_eq!(
        f.trap("rmw8_add", &[a(65_536), a(1)]),
        TrapCode::MemoryOutOfBounds
    );
    assert_eq!(
        f.trap("notify", &[a(65_536), a(1)]),
        TrapCode::MemoryOutOfBounds
    );
    assert_eq!(
        f.trap("wait32", &[a(65_536), a(0), l(0)]),
        TrapCode::MemoryOutOfBounds
    );
    // A trapping store changed nothing.
    assert_eq!(
        f.trap("store", &[a(65_532), l(-1)]),
        TrapCode::UnalignedAtomic
    );
    assert_eq!(
        f.trap("store", &[a(65_536), l(-1)]),
        TrapCode::MemoryOutOfBounds
    );
    assert_eq!(f.i64("load", &[a(65_528)]), 0);
}

#[test]
fn wait_and_notify_on_one_thread() {
    let mut f = Fixture::new(&engine(), false);
    let a = |v: i32| Val::I32(v);
    let l = |v: i64| Val::I64(v);
    f.call("store", &[a(0), l(7)]).unwrap();
    // The value differs: "not-equal", whatever the timeout.
    assert_eq!(f.i32("wait32", &[a(0), a(8), l(-1)]), 1);
    assert_eq!(f.i32("wait64", &[a(0), l(8), l(-1)]), 1);
    // wait32 compares 32 bits: the high half of the i64 at 0 is not read.
    f.call("store", &[a(0), l(0x1_0000_0007)]).unwrap();
    assert_eq!(f.i32("wait64", &[a(0), l(7), l(0)]), 1);
    // It matches: nothing can notify, so "timed-out" once the timeout has passed.
    assert_eq!(f.i32("wait32", &[a(0), a(7), l(0)]), 2);
    assert_eq!(f.i32("wait64", &[a(0), l(0x1_0000_0007), l(0)]), 2);
    let start = Instant::now();
    assert_eq!(f.i32("wait32", &[a(0), a(7), l(30_000_000)]), 2);
    assert!(
        start.elapsed() >= Duration::from_millis(30),
        "{:?}",
        start.elapsed()
    );
    // With no timeout, no notifier is possible either: "timed-out" at once, not a hang.
    let start = Instant::now();
    assert_eq!(f.i32("wait32", &[a(0), a(7), l(-1)]), 2);
    assert_eq!(f.i32("wait64", &[a(0), l(0x1_0000_0007), l(i64::MIN)]), 2);
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "{:?}",
        start.elapsed()
    );
    // No waiter to wake.
    assert_eq!(f.i32("notify", &[a(0), a(-1)]), 0);
    assert_eq!(f.i32("notify", &[a(4), a(3)]), 0);
}

#[test]
fn wait_on_an_unshared_memory_traps_and_notify_returns_zero() {
    let engine = engine();
    let module = Module::new(
        &engine,
        wat::parse_str(
            r#"(module (memory 1 1)
              (func (export "wait") (param i32) (result i32)
                (memory.atomic.wait32 (local.get 0) (i32.const 0) (i64.const 0)))
              (func (export "notify") (result i32)
                (memory.atomic.notify (i32.const 0) (i32.const 1)))
              (func (export "add") (result i32)
                (i32.atomic.rmw.add (i32.const 0) (i32.const 5))))"#,
        )
        .unwrap(),
    )
    .unwrap();
    let mut store = Store::new(&engine, ());
    let inst = Linker::new(&engine)
        .instantiate(&mut store, &module)
        .unwrap();
    let wait = inst.get_typed_func::<i32, i32>(&store, "wait").unwrap();
    let code = |r: Result<i32, Error>| match r {
        Err(Error::Trap(t)) => t.code(),
        other => panic!("expected a trap, got {other:?}"),
    };
    assert_eq!(
        code(wait.call(&mut store, 0)),
        TrapCode::AtomicWaitNonSharedMemory
    );
    // Alignment and bounds come first.
    assert_eq!(code(wait.call(&mut store, 2)), TrapCode::UnalignedAtomic);
    assert_eq!(
        code(wait.call(&mut store, 65_536)),
        TrapCode::MemoryOutOfBounds
    );
    let notify = inst.get_typed_func::<(), i32>(&store, "notify").unwrap();
    assert_eq!(notify.call(&mut store, ()).unwrap(), 0);
    // Atomics themselves work on any memory.
    let add = inst.get_typed_func::<(), i32>(&store, "add").unwrap();
    assert_eq!(add.call(&mut store, ()).unwrap(), 0);
    assert_eq!(add.call(&mut store, ()).unwrap(), 5);
}

#[test]
fn an_interrupt_ends_a_timed_wait_early() {
    let engine = Engine::new(Config::default().wasm_threads(true).interruptible(true));
    let mut f = Fixture::new(&engine, false);
    let handle = f.store.interrupt_handle();
    let start = Instant::now();
    let t = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(20));
        handle.interrupt();
    });
    // A ten-minute wait: the interrupt ends it, and the run stops at its next check.
    let r = f.call(
        "wait32",
        &[Val::I32(0), Val::I32(0), Val::I64(600_000_000_000)],
    );
    t.join().unwrap();
    assert!(
        start.elapsed() < Duration::from_secs(60),
        "{:?}",
        start.elapsed()
    );
    match r {
        Err(Error::Trap(t)) => assert_eq!(t.code(), TrapCode::Interrupted),
        Ok(v) => assert_eq!(v, Val::I32(2)),
        Err(e) => panic!("{e}"),
    }
}
