//! Modules read from a source (issue 19, item 1): `Module::from_source` over a file or a
//! `Storage` region validates while streaming and keeps no copy of the bytes; function bodies
//! (translation, re-translation after eviction, backtraces) and data segments are read back
//! from the source, and a source that changes or shrinks gives a typed error, not wrong code.

use std::sync::{Arc, Mutex};

use fayasm::offload::{Key, Kind, MemStorage, Storage};
use fayasm::wasi::{self, WasiCtx};
use fayasm::{
    CodeEviction, Config, Engine, Error, Linker, Module, ModuleSource, SourceError, StorageSource,
    Store, TrapCode, Val,
};

use crate::support::{self, alloc};

const NUMFMT: &[u8] = include_bytes!("../../../wasm_samples/wasm/wasi_numfmt.wasm");
const COREMARK: &[u8] = include_bytes!("../../../wasm_samples/wasm/bench_coremark.wasm");

/// A source over bytes the test can change or cut while the module lives.
#[derive(Clone, Default)]
struct Shared(Arc<Mutex<Vec<u8>>>);

impl Shared {
    fn new(bytes: &[u8]) -> Shared {
        Shared(Arc::new(Mutex::new(bytes.to_vec())))
    }
}

impl ModuleSource for Shared {
    fn size(&mut self) -> Result<u64, SourceError> {
        Ok(self.0.lock().unwrap().len() as u64)
    }

    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> Result<(), SourceError> {
        let bytes = self.0.lock().unwrap();
        let start = offset as usize;
        let Some(src) = bytes.get(start..start + buf.len()) else {
            return Err(SourceError::Truncated { offset });
        };
        buf.copy_from_slice(src);
        Ok(())
    }
}

/// A source whose reads all fail.
struct Broken(u64);

impl ModuleSource for Broken {
    fn size(&mut self) -> Result<u64, SourceError> {
        Ok(self.0)
    }

    fn read_at(&mut self, _: u64, _: &mut [u8]) -> Result<(), SourceError> {
        Err(SourceError::Io("the card is gone".into()))
    }
}

fn storage_source(bytes: &[u8]) -> StorageSource<MemStorage> {
    let mut storage = MemStorage::new();
    let key = Key::new(Kind::Meta, 7, 0);
    storage.write_at(&key, 0, &[bytes], true).unwrap();
    StorageSource::new(storage, key, bytes.len() as u64)
}

fn small_budget() -> Engine {
    Engine::new(
        Config::default()
            .code_cache_budget(Some(4096))
            .code_cache_overdraft(0)
            .code_eviction(CodeEviction::Drop),
    )
}

fn run_numfmt(module: &Module, engine: &Engine) -> String {
    let ctx = WasiCtx::new().arg("wasi_numfmt").arg("50").capture_stdout();
    let mut store = Store::new(engine, ctx);
    let mut linker = Linker::new(engine);
    wasi::add_to_linker(&mut linker, &mut store, |ctx| ctx).unwrap();
    let inst = linker.instantiate(&mut store, module).unwrap();
    let start = inst.get_func(&store, "_start").unwrap();
    match start.call(&mut store, &[], &mut []) {
        Ok(()) => {}
        Err(Error::Trap(t)) if t.code() == TrapCode::Host => {
            assert_eq!(store.data().exit_code(), Some(0));
        }
        Err(e) => panic!("unexpected error {e}"),
    }
    // Evicted code was translated again, from the source.
    assert!(store.code_cache_stats().refaults > 0);
    String::from_utf8(store.data().stdout().to_vec()).unwrap()
}

/// Bytes still allocated while the module made by `make` is alive.
fn held(make: impl FnOnce() -> Module) -> usize {
    alloc::start();
    let module = make();
    let held = alloc::live();
    alloc::stop();
    drop(module);
    usize::try_from(held).expect("a module holds memory")
}

#[test]
fn a_module_from_a_source_holds_no_copy_of_its_bytes() {
    let engine = Engine::default();
    for (name, bytes) in [("wasi_numfmt", NUMFMT), ("bench_coremark", COREMARK)] {
        let owned = held(|| Module::new(&engine, bytes).unwrap());
        let borrowed = held(|| Module::from_static(&engine, bytes).unwrap());
        let source = Shared::new(bytes);
        let read = held(|| Module::from_source(&engine, source).unwrap());
        eprintln!(
            "{name}: {} bytes of wasm; RAM held by the module: Module::new {owned} B, \
             from_static {borrowed} B, from_source {read} B",
            bytes.len()
        );
        // What a source costs over a borrow: its handle and a CRC per 512 bytes.
        let crcs = bytes.len().div_ceil(512) * 4;
        assert!(
            read <= borrowed + crcs + 256,
            "{name}: {read} vs {borrowed}"
        );
        let m = Module::from_source(&engine, Shared::new(bytes)).unwrap();
        assert!(m.bytes().is_none());
        assert!(m.owned_bytes() <= crcs + 256, "{}", m.owned_bytes());
        assert_eq!(
            Module::new(&engine, bytes).unwrap().owned_bytes(),
            bytes.len()
        );
        assert_eq!(
            Module::from_static(&engine, bytes).unwrap().owned_bytes(),
            0
        );
    }
}

#[test]
fn every_sample_decodes_and_translates_alike_from_a_file() {
    // The exception-handling proposal on: `cpp_exceptions.wasm` needs it.
    let engine = Engine::new(Config::default().wasm_exceptions(true));
    let dir = support::samples_dir().join("wasm");
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "wasm") {
            continue;
        }
        let bytes = std::fs::read(&path).unwrap();
        let owned = Module::new(&engine, &bytes).unwrap();
        let read = Module::from_file_source(&engine, &path).unwrap();
        let name = path.display();
        assert_eq!(owned.fingerprint(), read.fingerprint(), "{name}");
        assert_eq!(owned.num_funcs(), read.num_funcs(), "{name}");
        let names = |m: &Module| {
            (
                m.imports()
                    .map(|i| format!("{}.{} {:?}", i.module, i.name, i.ty))
                    .collect::<Vec<_>>(),
                m.exports()
                    .map(|e| format!("{} {:?}", e.name, e.ty))
                    .collect::<Vec<_>>(),
            )
        };
        assert_eq!(names(&owned), names(&read), "{name}");
        for f in 0..owned.num_funcs() as u32 {
            let a = owned.translate_function(f).unwrap();
            let b = read.translate_function(f).unwrap();
            assert_eq!(
                a.map(|c| c.to_string()),
                b.map(|c| c.to_string()),
                "{name} function {f}"
            );
        }
        n += 1;
    }
    assert!(n >= 20, "{n} samples");
}

#[test]
fn evicted_code_is_translated_again_from_the_source() {
    let engine = small_budget();
    let owned = Module::new(&engine, NUMFMT).unwrap();
    let from_storage = Module::from_source(&engine, storage_source(NUMFMT)).unwrap();
    let dir = support::temp_dir("module-source-numfmt");
    let path = dir.join("numfmt.wasm");
    std::fs::write(&path, NUMFMT).unwrap();
    let from_file = Module::from_file_source(&engine, &path).unwrap();
    let out = run_numfmt(&owned, &engine);
    assert!(out.contains("rounds 50 checksum"), "{out}");
    assert_eq!(out, run_numfmt(&from_storage, &engine));
    assert_eq!(out, run_numfmt(&from_file, &engine));
    drop(from_file);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn samples_run_alike_from_a_source() {
    let engine = Engine::default();
    for (name, arg) in [
        ("bench_coremark", 2),
        ("bench_json", 20),
        ("bench_sha256", 3),
        ("bench_fib", 15),
    ] {
        let bytes =
            std::fs::read(support::samples_dir().join(format!("wasm/{name}.wasm"))).unwrap();
        let mut results = Vec::new();
        for module in [
            Module::new(&engine, &bytes).unwrap(),
            Module::from_source(&engine, Shared::new(&bytes)).unwrap(),
        ] {
            let (mut store, inst) = support::boot(&engine, &module);
            let run = inst.get_func(&store, "run").unwrap();
            let mut out = [Val::I64(0)];
            let n = run.ty(&store).results().len();
            let arg = match run.ty(&store).params()[0] {
                fayasm::ValType::I64 => Val::I64(arg),
                _ => Val::I32(arg as i32),
            };
            run.call(&mut store, &[arg], &mut out[..n]).unwrap();
            results.push(format!("{:?}", &out[..n]));
        }
        assert_eq!(results[0], results[1], "{name}");
    }
}

/// Data segments larger than a read piece, active and passive, an element segment, and a
/// function named in the `name` section.
const SEGMENTS: &str = r#"(module
  (memory (export "mem") 2)
  (table 2 funcref)
  (elem (i32.const 0) $boom $sum)
  (data (i32.const 100) "$A")
  (data $p "$P")
  (func $boom (export "boom") unreachable)
  (func $sum (export "sum") (param $at i32) (param $n i32) (result i32) (local $s i32)
    (block $done (loop $l
      (br_if $done (i32.eqz (local.get $n)))
      (local.set $s (i32.add (local.get $s) (i32.load8_u (local.get $at))))
      (local.set $at (i32.add (local.get $at) (i32.const 1)))
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br $l)))
    (local.get $s))
  (func (export "init") (param i32)
    (memory.init $p (local.get 0) (i32.const 0) (i32.const 9000)))
  (func (export "via_table") (param i32 i32) (result i32)
    (call_indirect (param i32 i32) (result i32) (local.get 0) (local.get 1) (i32.const 1))))"#;

fn segments_wasm() -> Vec<u8> {
    let a: String = (0..10_000)
        .map(|i| (b'a' + (i % 26) as u8) as char)
        .collect();
    let p: String = (0..9_000)
        .map(|i| (b'0' + (i % 10) as u8) as char)
        .collect();
    wat::parse_str(SEGMENTS.replace("$A", &a).replace("$P", &p)).unwrap()
}

fn segments_run(module: &Module) -> (Vec<u8>, String) {
    let engine = module.engine().clone();
    let mut store = Store::new(&engine, ());
    let inst = Linker::new(&engine)
        .instantiate(&mut store, module)
        .unwrap();
    let call = |store: &mut Store<()>, name: &str, args: &[Val]| {
        let f = inst.get_func(&*store, name).unwrap();
        let mut out = [Val::I32(0)];
        let n = f.ty(&*store).results().len();
        f.call(&mut *store, args, &mut out[..n]).map(|()| out)
    };
    call(&mut store, "init", &[Val::I32(20_000)]).unwrap();
    let sum = call(&mut store, "via_table", &[Val::I32(100), Val::I32(10_000)]).unwrap();
    let trap = call(&mut store, "boom", &[]).unwrap_err();
    let mem = inst.get_memory(&store, "mem").unwrap();
    let bytes = mem.data(&store).to_vec();
    (bytes, format!("{sum:?} {trap} {trap:?}"))
}

#[test]
fn segments_and_names_come_from_the_source() {
    let engine = Engine::default();
    let wasm = segments_wasm();
    let owned = segments_run(&Module::new(&engine, &wasm).unwrap());
    let read = segments_run(&Module::from_source(&engine, Shared::new(&wasm)).unwrap());
    assert_eq!(owned.0, read.0);
    assert_eq!(owned.1, read.1);
    assert!(read.1.contains("boom"), "{}", read.1);
    assert_eq!(&read.0[100..103], b"abc");
    assert_eq!(&read.0[20_000..20_003], b"012");
}

#[test]
fn an_active_segment_out_of_bounds_writes_nothing() {
    let engine = Engine::default();
    let big: String = "x".repeat(10_000);
    let wat = format!(
        r#"(module (import "m" "mem" (memory 1))
             (data (i32.const 0) "ok")
             (data (i32.const 60000) "{big}"))"#
    );
    let wasm = wat::parse_str(&wat).unwrap();
    let mut seen = Vec::new();
    for module in [
        Module::new(&engine, &wasm).unwrap(),
        Module::from_source(&engine, Shared::new(&wasm)).unwrap(),
    ] {
        let mut store = Store::new(&engine, ());
        let mem = fayasm::Memory::new(&mut store, fayasm::MemoryType::new(1, None)).unwrap();
        let mut linker = Linker::new(&engine);
        linker.define(&store, "m", "mem", mem).unwrap();
        let err = linker.instantiate(&mut store, &module).unwrap_err();
        let data = mem.data(&store);
        seen.push((
            format!("{err}"),
            data[..2].to_vec(),
            data[60_000..].iter().any(|&b| b != 0),
        ));
    }
    assert_eq!(seen[0], seen[1]);
    assert_eq!(seen[1].1, b"ok");
    assert!(!seen[1].2, "part of the failing segment was written");
}

#[test]
fn a_changed_source_is_an_error_not_wrong_code() {
    let engine = small_budget();
    let wasm = segments_wasm();
    let shared = Shared::new(&wasm);
    let module = Module::from_source(&engine, shared.clone()).unwrap();
    // Change one byte of the active segment: instantiation reads it and refuses.
    let at = wasm
        .windows(26)
        .position(|w| w == b"abcdefghijklmnopqrstuvwxyz")
        .unwrap()
        + 5_000;
    shared.0.lock().unwrap()[at] ^= 1;
    let mut store = Store::new(&engine, ());
    let err = Linker::new(&engine)
        .instantiate(&mut store, &module)
        .unwrap_err();
    assert!(
        matches!(err, Error::Source(SourceError::Changed { .. })),
        "{err:?}"
    );
    shared.0.lock().unwrap()[at] ^= 1;

    // Change the body of `sum` after instantiation: its first call reads it and fails with
    // an error, it does not run other code.
    let mut store = Store::new(&engine, ());
    let inst = Linker::new(&engine)
        .instantiate(&mut store, &module)
        .unwrap();
    let sum = inst.get_func(&store, "sum").unwrap();
    // `i32.load8_u` (0x2d) becomes `i32.div_s` (0x6d): still valid code, wrong code.
    let body = find_sum_body(&wasm);
    shared.0.lock().unwrap()[body] ^= 0x40;
    let mut out = [Val::I32(0)];
    let err = sum
        .call(&mut store, &[Val::I32(0), Val::I32(1)], &mut out)
        .unwrap_err();
    assert!(
        format!("{err}").contains("changed since the module was validated"),
        "{err}"
    );
    // Through a call from wasm (call_indirect), a trap with the same message.
    let via = inst.get_func(&store, "via_table").unwrap();
    let err = via
        .call(&mut store, &[Val::I32(0), Val::I32(1)], &mut out)
        .unwrap_err();
    assert!(
        format!("{err}").contains("changed since the module was validated"),
        "{err}"
    );
}

/// The offset of `sum`'s `i32.load8_u` (0x2d, align 0, offset 0: the only such bytes in the
/// module; the data segments are letters and digits).
fn find_sum_body(wasm: &[u8]) -> usize {
    wasm.windows(3)
        .position(|w| w == [0x2d, 0x00, 0x00])
        .expect("the load")
}

#[test]
fn a_truncated_or_failing_source_is_an_error() {
    let engine = Engine::default();
    let wasm = segments_wasm();
    // Cut while loading: the module is invalid (it ends early).
    let mut cut = Shared::new(&wasm);
    cut.0.lock().unwrap().truncate(wasm.len() / 2);
    assert!(matches!(
        Module::from_source(&engine, cut.clone()),
        Err(Error::Module(_))
    ));
    // Cut after loading: instantiating reads the segments and finds the end.
    cut = Shared::new(&wasm);
    let module = Module::from_source(&engine, cut.clone()).unwrap();
    cut.0.lock().unwrap().truncate(wasm.len() / 2);
    let mut store = Store::new(&engine, ());
    let err = Linker::new(&engine)
        .instantiate(&mut store, &module)
        .unwrap_err();
    assert!(
        matches!(err, Error::Source(SourceError::Truncated { .. })),
        "{err:?}"
    );
    // A source that cannot be read at all.
    let err = Module::from_source(&engine, Broken(100)).unwrap_err();
    assert_eq!(
        err,
        Error::Source(SourceError::Io("the card is gone".into()))
    );
    assert!(format!("{err}").contains("the card is gone"));
    // A file that is not there.
    assert!(matches!(
        Module::from_file_source(&engine, "/nonexistent/m.wasm"),
        Err(Error::Io(_))
    ));
}

/// The peak of this thread's heap while `make` runs, and what stays allocated.
fn peak_and_held(make: impl FnOnce() -> Module) -> (usize, usize) {
    alloc::start();
    let module = make();
    let held = alloc::live();
    let peak = alloc::take_peak();
    alloc::stop();
    drop(module);
    (peak as usize, held as usize)
}

#[test]
fn loading_from_a_source_holds_one_section_or_body_at_a_time() {
    // 183 KB, 153 KB of it DWARF custom sections (62 KB the largest), 28 KB of code.
    let path = support::samples_dir().join("wasm/wasi_card.wasm");
    let bytes = std::fs::read(&path).unwrap();
    let engine = Engine::default();
    let (new_peak, new_held) = peak_and_held(|| Module::new(&engine, &bytes).unwrap());
    let source = Shared::new(&bytes);
    let (src_peak, src_held) = peak_and_held(|| Module::from_source(&engine, source).unwrap());
    eprintln!(
        "wasi_card ({} B): Module::new peak {new_peak} B, held {new_held} B; \
         from_source peak {src_peak} B, held {src_held} B",
        bytes.len()
    );
    assert!(new_held >= bytes.len());
    // Custom sections are stepped over, never held: the peak is the decoded module, the
    // validator's state and a window of a few KiB (the largest function body here is small).
    assert!(src_peak < 48 * 1024, "{src_peak}");
    assert!(src_held < 16 * 1024, "{src_held}");
    let read = Module::from_source(&engine, Shared::new(&bytes)).unwrap();
    let owned = Module::new(&engine, &bytes).unwrap();
    assert_eq!(read.fingerprint(), owned.fingerprint());
}

/// A section: its id, then its contents with their length in front.
fn section(id: u8, contents: &[u8]) -> Vec<u8> {
    assert!(contents.len() < 128);
    let mut s = vec![id, contents.len() as u8];
    s.extend_from_slice(contents);
    s
}

fn custom(name: &str, data: &[u8]) -> Vec<u8> {
    let mut c = vec![name.len() as u8];
    c.extend_from_slice(name.as_bytes());
    c.extend_from_slice(data);
    section(0, &c)
}

#[test]
fn malformed_modules_are_refused_alike() {
    let engine = Engine::default();
    let head = b"\0asm\x01\0\0\0".to_vec();
    let types = section(1, &[1, 0x60, 0, 0]); // one type: [] -> []
    let funcs = section(3, &[1, 0]); // one function of type 0
    let code = section(10, &[1, 2, 0, 0x0b]); // its body: no locals, end
    let no_code = section(10, &[0]);
    let dcount = section(12, &[1]);
    let mem = section(5, &[1, 0, 1]);
    let data = section(11, &[1, 1, 0]); // one passive segment of 0 bytes
    let nc = custom("x", &[1, 2, 3]);
    let cases: Vec<(&str, Vec<Vec<u8>>)> = vec![
        ("valid", vec![types.clone(), funcs.clone(), code.clone()]),
        (
            "customs everywhere",
            vec![
                nc.clone(),
                types.clone(),
                nc.clone(),
                funcs.clone(),
                nc.clone(),
                code.clone(),
                nc.clone(),
            ],
        ),
        (
            "order across a custom section",
            vec![funcs.clone(), nc.clone(), types.clone(), code.clone()],
        ),
        (
            "memory then types across a custom",
            vec![mem.clone(), nc.clone(), types.clone()],
        ),
        (
            "same section twice across a custom",
            vec![types.clone(), nc.clone(), types.clone()],
        ),
        (
            "function without code across a custom",
            vec![types.clone(), funcs.clone(), nc.clone()],
        ),
        (
            "code count across a custom",
            vec![types.clone(), funcs.clone(), nc.clone(), no_code.clone()],
        ),
        (
            "code without functions",
            vec![types.clone(), nc.clone(), code.clone()],
        ),
        (
            "data count without data across a custom",
            vec![mem.clone(), dcount.clone(), nc.clone()],
        ),
        (
            "data count and data",
            vec![mem.clone(), dcount.clone(), nc.clone(), data.clone()],
        ),
        (
            "data count mismatch",
            vec![mem.clone(), section(12, &[2]), nc.clone(), data.clone()],
        ),
        (
            "active data segments",
            vec![
                mem.clone(),
                section(
                    11,
                    &[2, 0, 0x41, 3, 0x0b, 2, 7, 8, 2, 0, 0x41, 0, 0x0b, 1, 9],
                ),
            ],
        ),
        (
            "data segment flags",
            vec![mem.clone(), section(11, &[1, 3, 0])],
        ),
        (
            "data segment past its section",
            vec![mem.clone(), section(11, &[1, 1, 5, 1, 2])],
        ),
        (
            "data section with trailing bytes",
            vec![mem.clone(), section(11, &[1, 1, 1, 7, 0])],
        ),
        (
            "data section with fewer segments than counted",
            vec![mem.clone(), section(11, &[2, 1, 1, 7])],
        ),
        (
            "data segment for a memory that is not there",
            vec![section(11, &[1, 0, 0x41, 0, 0x0b, 1, 7])],
        ),
        (
            "data segment offset of the wrong type",
            vec![mem.clone(), section(11, &[1, 0, 0x42, 0, 0x0b, 1, 7])],
        ),
        (
            "data segment offset not constant",
            vec![mem.clone(), section(11, &[1, 0, 0x20, 0, 0x0b, 0])],
        ),
        (
            "data segment offset without its end",
            vec![mem.clone(), section(11, &[1, 0, 0x41, 0])],
        ),
        (
            "data segment count malformed",
            vec![mem.clone(), section(11, &[0x80])],
        ),
        (
            "data segment count over the limit",
            vec![mem.clone(), section(11, &[0xa1, 0x8d, 0x06])],
        ),
        (
            "data section before the code section",
            vec![
                types.clone(),
                funcs.clone(),
                mem.clone(),
                data.clone(),
                code.clone(),
            ],
        ),
        (
            "data section twice",
            vec![mem.clone(), data.clone(), data.clone()],
        ),
        (
            "data section past the end",
            vec![mem.clone(), vec![11, 20, 1, 1, 0]],
        ),
        (
            "data then a custom section",
            vec![mem.clone(), data.clone(), nc.clone()],
        ),
        ("custom name past its section", vec![section(0, &[5, b'a'])]),
        ("custom name not utf-8", vec![section(0, &[2, 0xff, 0xfe])]),
        ("custom section past the end", vec![vec![0, 100, 1, b'a']]),
        (
            "custom right after code's trailing byte",
            vec![
                types.clone(),
                funcs.clone(),
                section(10, &[1, 2, 0, 0x0b, 0]),
                nc.clone(),
            ],
        ),
        ("a second module header", vec![nc.clone(), head.clone()]),
        (
            "name section",
            vec![
                types.clone(),
                funcs.clone(),
                code.clone(),
                custom("name", &[1, 3, 1, 0, 1, b'f']),
            ],
        ),
    ];
    for (what, parts) in cases {
        let mut wasm = head.clone();
        for p in &parts {
            wasm.extend_from_slice(p);
        }
        let owned = Module::new(&engine, &wasm).map(|m| m.fingerprint());
        let read = Module::from_source(&engine, Shared::new(&wasm)).map(|m| m.fingerprint());
        match (&owned, &read) {
            (Ok(a), Ok(b)) => assert_eq!(a, b, "{what}"),
            (Err(Error::Module(a)), Err(Error::Module(b))) => {
                assert_eq!(a.message, b.message, "{what}");
                // A segment's errors come from wasmparser's own reader: at the same offset.
                if what.starts_with("data segment") {
                    assert_eq!(a.offset, b.offset, "{what}");
                }
            }
            _ => panic!("{what}: {owned:?} vs {read:?}"),
        }
        eprintln!("{what}: {:?}", read.map(|_| ()));
    }
}

#[test]
fn the_parser_reads_with_the_engines_features() {
    // Without memory64 a memory's limits are u32s: a 6-byte LEB is malformed.
    let engine = Engine::new(Config::default().wasm_memory64(false));
    let wasm = b"\0asm\x01\0\0\0\x05\x08\x01\x00\x82\x80\x80\x80\x80\x00";
    let owned = Module::new(&engine, wasm).unwrap_err();
    let read = Module::from_source(&engine, Shared::new(wasm)).unwrap_err();
    assert_eq!(owned, read);
    // And after a custom section (a restarted parser).
    let mut wasm2 = b"\0asm\x01\0\0\0".to_vec();
    wasm2.extend_from_slice(&custom("c", &[]));
    wasm2.extend_from_slice(&wasm[8..]);
    let owned = Module::new(&engine, &wasm2).unwrap_err();
    let read = Module::from_source(&engine, Shared::new(&wasm2)).unwrap_err();
    assert_eq!(owned, read);
}

/// A module that is mostly data: a 192 KiB active segment and a 64 KiB passive one.
fn data_heavy_wasm() -> Vec<u8> {
    let active: String = (0..192 * 1024)
        .map(|i| (b'a' + (i % 26) as u8) as char)
        .collect();
    let passive: String = (0..64 * 1024)
        .map(|i| (b'0' + (i % 10) as u8) as char)
        .collect();
    wat::parse_str(format!(
        r#"(module
          (memory (export "mem") 5)
          (data (i32.const 16) "{active}")
          (data $p "{passive}")
          (func (export "init") (param i32 i32 i32)
            (memory.init $p (local.get 0) (local.get 1) (local.get 2))))"#
    ))
    .unwrap()
}

/// Runs `init` of [`data_heavy_wasm`] twice (a piece that straddles read pieces, then the
/// whole segment) and once out of bounds; the memory and the trap.
fn data_heavy_run(module: &Module) -> (Vec<u8>, String) {
    let engine = module.engine().clone();
    let mut store = Store::new(&engine, ());
    let inst = Linker::new(&engine)
        .instantiate(&mut store, module)
        .unwrap();
    let init = inst.get_func(&store, "init").unwrap();
    let i = |a: i32, b: i32, c: i32| [Val::I32(a), Val::I32(b), Val::I32(c)];
    init.call(&mut store, &i(200_000, 4_005, 10_000), &mut [])
        .unwrap();
    init.call(&mut store, &i(250_000, 0, 65_536), &mut [])
        .unwrap();
    let trap = init
        .call(&mut store, &i(0, 1, 65_536), &mut [])
        .unwrap_err();
    let mem = inst.get_memory(&store, "mem").unwrap();
    (mem.data(&store).to_vec(), format!("{trap}"))
}

#[test]
fn data_segments_are_streamed_never_held_whole() {
    let engine = Engine::default();
    let wasm = data_heavy_wasm();
    let (new_peak, _) = peak_and_held(|| Module::new(&engine, &wasm).unwrap());
    // The source is made outside: its bytes are the test's "card".
    let source = Shared::new(&wasm);
    let (src_peak, src_held) = peak_and_held(|| Module::from_source(&engine, source).unwrap());
    // Instantiated: the store holds the memory, not a copy of the passive segment.
    let module = Module::from_source(&engine, Shared::new(&wasm)).unwrap();
    alloc::start();
    let mut store = Store::new(&engine, ());
    let inst = Linker::new(&engine)
        .instantiate(&mut store, &module)
        .unwrap();
    let inst_held = alloc::live() as usize;
    alloc::stop();
    drop((inst, store));
    let memory = 5 * 65_536;
    eprintln!(
        "data-heavy module ({} B): Module::new peak {new_peak} B; from_source peak \
         {src_peak} B, held {src_held} B; an instance of it holds {inst_held} B \
         ({memory} B of memory)",
        wasm.len()
    );
    assert!(new_peak >= wasm.len());
    // One window of the stream and the decoded module; not the section.
    assert!(src_peak < 32 * 1024, "{src_peak}");
    assert!(src_held < 4 * 1024, "{src_held}");
    assert!(inst_held < memory + 16 * 1024, "{inst_held}");
    // The segments come back right, a piece at a time.
    let owned = data_heavy_run(&Module::new(&engine, &wasm).unwrap());
    let read = data_heavy_run(&module);
    assert_eq!(owned.1, read.1);
    assert!(owned.0 == read.0, "memories differ");
    assert_eq!(&read.0[16..19], b"abc");
    assert_eq!(&read.0[200_000..200_003], b"567");
    assert_eq!(&read.0[250_000..250_003], b"012");
}

#[test]
fn memory_init_from_a_changed_source_traps_with_the_reason() {
    let engine = Engine::default();
    let wasm = data_heavy_wasm();
    let shared = Shared::new(&wasm);
    let module = Module::from_source(&engine, shared.clone()).unwrap();
    let mut store = Store::new(&engine, ());
    let inst = Linker::new(&engine)
        .instantiate(&mut store, &module)
        .unwrap();
    // The passive segment is the module's last 64 KiB: change a byte of it.
    let at = wasm.len() - 1_000;
    shared.0.lock().unwrap()[at] ^= 1;
    let init = inst.get_func(&store, "init").unwrap();
    let args = [Val::I32(0), Val::I32(0), Val::I32(65_536)];
    let err = init.call(&mut store, &args, &mut []).unwrap_err();
    let Error::Trap(trap) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(trap.code(), TrapCode::MemoryUnavailable);
    assert!(
        format!("{err}").contains("changed since the module was validated"),
        "{err}"
    );
    // Restored, the same call works.
    shared.0.lock().unwrap()[at] ^= 1;
    init.call(&mut store, &args, &mut []).unwrap();
}

/// A source that counts its reads.
struct Counting(Shared, Arc<std::sync::atomic::AtomicUsize>);

impl ModuleSource for Counting {
    fn size(&mut self) -> Result<u64, SourceError> {
        self.0.size()
    }

    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> Result<(), SourceError> {
        self.1.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.0.read_at(offset, buf)
    }
}

#[test]
fn under_prescan_a_source_is_translated_while_it_is_validated() {
    // Every sample: the code prescan installs is the code translated on demand.
    let engine = Engine::new(Config::default().prescan(true).wasm_exceptions(true));
    support::assert_prescanned_code_is_on_demand_code(&engine, |engine, path| {
        Module::from_file_source(engine, path).unwrap()
    });

    // One pass: instantiating and running (a module without data segments) reads no body
    // back from the source; without prescan, every function called is read back.
    let fib = std::fs::read(support::samples_dir().join("wasm/bench_fib.wasm")).unwrap();
    for (prescan, reads_after_load) in [(true, false), (false, true)] {
        let engine = Engine::new(Config::default().prescan(prescan));
        let reads = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let source = Counting(Shared::new(&fib), reads.clone());
        let module = Module::from_source(&engine, source).unwrap();
        let loaded = reads.load(std::sync::atomic::Ordering::Relaxed);
        let (mut store, inst) = support::boot(&engine, &module);
        let run = inst.get_func(&store, "run").unwrap();
        let mut out = [Val::I32(0)];
        let n = run.ty(&store).results().len();
        let arg = match run.ty(&store).params()[0] {
            fayasm::ValType::I64 => Val::I64(1),
            _ => Val::I32(1),
        };
        run.call(&mut store, &[arg], &mut out[..n]).unwrap();
        let after = reads.load(std::sync::atomic::Ordering::Relaxed);
        assert_eq!(
            after > loaded,
            reads_after_load,
            "prescan {prescan}: {loaded} -> {after}"
        );
    }
}

#[test]
fn under_prescan_invalid_bodies_are_refused_alike_from_a_source() {
    let cases = [
        "(module (func) (func (result i32) (i64.const 1)))",
        "(module (func (loop (drop (i32.const 7)) (local.set 3 (i32.const 1)))))",
        "(module (func (br 2)))",
        "(module (memory 1) (func (drop (i32.const 1))) (data (i64.const 0) \"x\"))",
        "(module (func (call 5)))",
        "(module (func (local i32 i32) (local.get 9)))",
        "(module (memory 1) (func (memory.init 0 (i32.const 0) (i32.const 0) (i32.const 0))))",
    ];
    for (k, wat) in cases.iter().enumerate() {
        let bytes = wat::parse_str(wat).unwrap();
        let plain = Module::new(&Engine::default(), &bytes).unwrap_err();
        let engine = Engine::new(Config::default().prescan(true));
        let read = Module::from_source(&engine, Shared::new(&bytes)).unwrap_err();
        assert_eq!(plain, read, "case {k}");
    }
}
