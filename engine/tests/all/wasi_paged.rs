//! WASI on memories that are not resident (issue 19, item 2): a demand-paged memory with very
//! few resident pages, and a memory spilled before the program starts. Every WASI program
//! here must print byte for byte what it prints on a resident memory, with the same exit
//! code, and buffers that span pages must move whole.

use fayasm::offload::{Fault, FaultyStorage, Kind, MemStorage, Persistence, StorageOp};
use fayasm::wasi::{self, Errno, WasiCtx};
use fayasm::{Config, Engine, Error, Linker, Module, Paging, Residency, Store, TrapCode, Val};

const PROBE: &[u8] = include_bytes!("../fixtures/wasi_probe.wasm");

fn sample(name: &str) -> Vec<u8> {
    let path = format!(
        "{}/../wasm_samples/wasm/{name}.wasm",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// How the program's memory is held.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Backing {
    Resident,
    /// Demand-paged, 4 KiB pages, at most this many resident.
    Paged(usize),
    /// Resident, but spilled to storage after instantiation (reloaded by the first access).
    Spilled,
}

struct Outcome {
    stdout: Vec<u8>,
    stderr: Vec<u8>,
    code: i32,
    /// Memory pages read back from storage.
    page_loads: u64,
    residency: Residency,
}

/// Run `_start` of `wasm` with `ctx` (stdout and stderr captured) on `backing`.
fn run(wasm: &[u8], ctx: WasiCtx, backing: Backing) -> Outcome {
    let paging = match backing {
        Backing::Paged(n) => Some(Paging {
            page_size: 4096,
            resident_pages: n,
        }),
        _ => None,
    };
    let engine = Engine::new(Config::default().memory_paging(paging));
    let module = Module::new(&engine, wasm).expect("valid module");
    let mut store = Store::new(&engine, ctx.capture_stdout().capture_stderr());
    store.set_storage(MemStorage::new());
    let mut linker = Linker::new(&engine);
    wasi::add_to_linker(&mut linker, &mut store, |ctx| ctx).unwrap();
    let inst = linker
        .instantiate(&mut store, &module)
        .expect("instantiates");
    let memory = inst.get_memory(&store, "memory").expect("exports memory");
    if backing == Backing::Spilled {
        memory.spill(&mut store).expect("spills");
        assert_eq!(memory.residency(&store), Residency::Spilled);
    }
    let start = inst.get_func(&store, "_start").expect("a command");
    let code = match start.call(&mut store, &[], &mut []) {
        Ok(()) => 0,
        Err(Error::Trap(t)) if t.code() == TrapCode::Host => {
            store.data().exit_code().expect("proc_exit")
        }
        Err(e) => panic!("unexpected error {e}"),
    };
    let m = store.offload_metrics();
    Outcome {
        stdout: store.data().stdout().to_vec(),
        stderr: store.data().stderr().to_vec(),
        code,
        page_loads: m.kind(Kind::MemoryPage).loads + m.kind(Kind::Memory).loads,
        residency: memory.residency(&store),
    }
}

/// Run on a resident memory, then paged with `budgets` resident pages and spilled; every
/// run must match the resident one. Returns the resident outcome.
fn same_everywhere(what: &str, wasm: &[u8], ctx: impl Fn() -> WasiCtx) -> Outcome {
    let resident = run(wasm, ctx(), Backing::Resident);
    for backing in [Backing::Paged(1), Backing::Paged(2), Backing::Spilled] {
        let o = run(wasm, ctx(), backing);
        let show = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
        assert_eq!(
            show(&o.stdout),
            show(&resident.stdout),
            "{what} on {backing:?}: stdout"
        );
        assert_eq!(
            show(&o.stderr),
            show(&resident.stderr),
            "{what} on {backing:?}: stderr"
        );
        assert_eq!(o.code, resident.code, "{what} on {backing:?}: exit code");
        // With two frames the smallest programs fit; with one, every program pages.
        if backing != Backing::Paged(2) {
            assert!(
                o.page_loads > 0,
                "{what} on {backing:?}: nothing came back from storage"
            );
        }
        eprintln!("{what} on {backing:?}: {} loads", o.page_loads);
        match (backing, o.residency) {
            (Backing::Paged(n), Residency::Paged { resident, .. }) => {
                assert!(
                    resident <= n,
                    "{what}: {resident} pages resident, budget {n}"
                )
            }
            (Backing::Spilled, Residency::Resident) => {}
            (b, r) => panic!("{what} on {b:?} ended {r:?}"),
        }
    }
    resident
}

#[test]
fn the_wasi_samples_print_the_same_on_every_backing() {
    let expected: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(format!(
            "{}/../wasm_samples/expected.json",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap(),
    )
    .unwrap();
    for s in expected["wasi"].as_array().unwrap() {
        let name = s["name"].as_str().unwrap();
        let wasm = sample(name);
        let o = same_everywhere(name, &wasm, || WasiCtx::new().arg(name));
        // The resident run is the one the sample tests check against wasmtime.
        assert_eq!(
            String::from_utf8_lossy(&o.stdout),
            s["stdout"].as_str().unwrap()
        );
        assert_eq!(o.code, s["exit_code"].as_i64().unwrap() as i32, "{name}");
    }
}

#[test]
fn the_probe_prints_the_same_on_every_backing() {
    let args = |a: &'static [&'static str]| {
        move || WasiCtx::new().arg("wasi_probe").args(a.iter().copied())
    };
    same_everywhere("args", PROBE, || {
        args(&["args", "one", "two words"])().env("GREETING", "hi")
    });
    same_everywhere("io", PROBE, || {
        args(&["io"])().stdin_bytes("typed input\n".repeat(1000))
    });
    same_everywhere("exit", PROBE, args(&["exit", "42"]));
    // Clocks and randomness differ run to run; the probe prints only what holds for all.
    same_everywhere("misc", PROBE, args(&["misc"]));
    let dir = std::env::temp_dir().join(format!("fayasm-wasi-paged-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let o = same_everywhere("files", PROBE, || {
        args(&["files", "data"])()
            .preopen_dir(&dir, "data")
            .unwrap()
    });
    assert!(String::from_utf8_lossy(&o.stdout).contains("entry b.txt type file"));
    std::fs::remove_dir_all(dir).unwrap();
}

/// Buffers of 12,000 bytes spanning four 4 KiB pages, with one page resident: `fd_write`
/// from them, `fd_read` into them, `random_get` over them.
const SPAN: &str = r#"(module
    (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
    (import "wasi_snapshot_preview1" "fd_read" (func $read (param i32 i32 i32 i32) (result i32)))
    (import "wasi_snapshot_preview1" "random_get" (func $random (param i32 i32) (result i32)))
    (memory (export "memory") 1)
    ;; bytes 1000..13000 = i % 251
    (func $pattern (local $i i32)
        (local.set $i (i32.const 1000))
        (loop $l
            (i32.store8 (local.get $i) (i32.rem_u (local.get $i) (i32.const 251)))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br_if $l (i32.lt_u (local.get $i) (i32.const 13000)))))
    ;; iovec at 16 (in page 0): two buffers, 1000..7000 and 7000..13000
    (func $iovecs
        (i32.store (i32.const 16) (i32.const 1000))
        (i32.store (i32.const 20) (i32.const 6000))
        (i32.store (i32.const 24) (i32.const 7000))
        (i32.store (i32.const 28) (i32.const 6000)))
    (func (export "write") (result i32)
        (call $pattern) (call $iovecs)
        (call $write (i32.const 1) (i32.const 16) (i32.const 2) (i32.const 32)))
    (func (export "echo") (result i32) (local $e i32)
        (call $iovecs)
        (local.set $e (call $read (i32.const 0) (i32.const 16) (i32.const 2) (i32.const 36)))
        (if (local.get $e) (then (return (local.get $e))))
        ;; write back as many bytes as were read
        (i32.store (i32.const 40) (i32.const 1000))
        (i32.store (i32.const 44) (i32.load (i32.const 36)))
        (call $write (i32.const 1) (i32.const 40) (i32.const 1) (i32.const 32)))
    (func (export "random") (result i32)
        (call $random (i32.const 1000) (i32.const 12000)))
    ;; how many of bytes 1000..13000 are nonzero
    (func (export "nonzero") (result i32) (local $i i32) (local $n i32)
        (local.set $i (i32.const 1000))
        (loop $l
            (local.set $n (i32.add (local.get $n) (i32.ne (i32.load8_u (local.get $i)) (i32.const 0))))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br_if $l (i32.lt_u (local.get $i) (i32.const 13000))))
        (local.get $n))
    (func (export "written") (result i32) (i32.load (i32.const 32)))
)"#;

/// `wat` instantiated on a memory paged in 4 KiB pages with one resident.
fn paged_store(
    wat: &str,
    ctx: WasiCtx,
    storage: impl fayasm::offload::Storage + Send + 'static,
) -> (Store<WasiCtx>, fayasm::Instance) {
    let engine = Engine::new(Config::default().memory_paging(Some(Paging {
        page_size: 4096,
        resident_pages: 1,
    })));
    let module = Module::new(&engine, wat::parse_str(wat).unwrap()).unwrap();
    let mut store = Store::new(&engine, ctx.capture_stdout());
    store.set_storage(storage);
    let mut linker = Linker::new(&engine);
    wasi::add_to_linker(&mut linker, &mut store, |ctx| ctx).unwrap();
    let inst = linker.instantiate(&mut store, &module).unwrap();
    (store, inst)
}

fn call(store: &mut Store<WasiCtx>, inst: &fayasm::Instance, name: &str) -> i32 {
    let mut out = [Val::I32(0)];
    inst.get_func(&*store, name)
        .unwrap()
        .call(&mut *store, &[], &mut out)
        .unwrap();
    match out[0] {
        Val::I32(v) => v,
        ref v => panic!("{name}: {v:?}"),
    }
}

#[test]
fn buffers_spanning_pages_move_whole_with_one_page_resident() {
    let pattern: Vec<u8> = (1000u32..13000).map(|i| (i % 251) as u8).collect();

    let (mut store, inst) = paged_store(SPAN, WasiCtx::new(), MemStorage::new());
    assert_eq!(call(&mut store, &inst, "write"), 0);
    assert_eq!(call(&mut store, &inst, "written"), 12000);
    assert_eq!(store.data().stdout(), &pattern[..]);

    let input: Vec<u8> = (0..12000u32).map(|i| (i * 7 + 3) as u8).collect();
    let (mut store, inst) = paged_store(
        SPAN,
        WasiCtx::new().stdin_bytes(input.clone()),
        MemStorage::new(),
    );
    assert_eq!(call(&mut store, &inst, "echo"), 0);
    assert_eq!(call(&mut store, &inst, "written"), 12000);
    assert_eq!(store.data().stdout(), &input[..]);

    // A short read (end of input inside the second page) returns what there was.
    let (mut store, inst) = paged_store(
        SPAN,
        WasiCtx::new().stdin_bytes(&input[..5000]),
        MemStorage::new(),
    );
    assert_eq!(call(&mut store, &inst, "echo"), 0);
    assert_eq!(store.data().stdout(), &input[..5000]);

    let (mut store, inst) = paged_store(SPAN, WasiCtx::new(), MemStorage::new());
    assert_eq!(call(&mut store, &inst, "random"), 0);
    // 12,000 random bytes: all but a few dozen are nonzero, on every page.
    assert!(call(&mut store, &inst, "nonzero") > 11_800);
    let mem = inst.get_memory(&store, "memory").unwrap();
    assert!(matches!(
        mem.residency(&store),
        Residency::Paged { resident: 1, .. }
    ));
}

#[test]
fn a_page_that_cannot_be_read_back_is_eio_not_a_crash() {
    // Every read from storage fails.
    let storage = FaultyStorage::new(MemStorage::new()).with_fault(Fault::Fail {
        op: StorageOp::Read,
        at: 0,
        persistence: Persistence::Permanent,
    });
    let go = r#"(module
        (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
        (memory (export "memory") 1)
        (func (export "go") (result i32)
            (call $write (i32.const 1) (i32.const 16) (i32.const 1) (i32.const 9000))))"#;
    let (mut store, inst) = paged_store(go, WasiCtx::new(), storage);
    let mem = inst.get_memory(&store, "memory").unwrap();
    // The iovec table in page 0, then pages 1-3 dirtied: page 0 is written back and evicted,
    // and cannot come back.
    mem.write(&mut store, 16, &[0xe8, 3, 0, 0, 0x70, 0x17, 0, 0])
        .unwrap();
    for at in [5000, 9000, 13000] {
        mem.write(&mut store, at, &[1]).unwrap();
    }
    assert_eq!(call(&mut store, &inst, "go"), Errno::Io.raw());
    assert!(store.data().stdout().is_empty());
}
