//! Offload I/O throughput: fayasm's `FileStorage` (blob envelope with CRC-32, temporary file,
//! fsync, rename, directory fsync) against plain `std::fs::write` of the same bytes followed
//! by `fsync`, and `std::fs::read`. Ratios (fayasm time / plain time) are computed by
//! `cargo xtask bench` from these results (table "offload" in `target/bench/summary.md`).
//!
//! Groups, each `GROUP/PAYLOAD/IMPL` with criterion byte throughput:
//!
//! - `offload_spill/{code,64KiB,1MiB}/{fayasm,plain}`: `code` is the largest function of the
//!   coremark sample, spilled with `Func::spill_code_to` (encode + envelope + write); the memory
//!   sized payloads go through `offload::io::save`.
//! - `offload_load/{code,64KiB,1MiB}/{fayasm,plain}`: `code` is `Func::load_code_from` (read,
//!   envelope and CRC check, decode, verify, install); the others `offload::io::load` (read and
//!   CRC check).
//! - `paged_memory`: a paged memory against a resident one on memory-bound samples, with
//!   every page resident and with 25% resident; see [`paged_memory`].
//!
//! Files go to a directory under `CARGO_TARGET_TMPDIR` (the target directory's disk, not a
//! tmpfs), so fsync costs what it costs on that disk.

use std::fs::File;
use std::hint::black_box;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use fayasm::offload::{io, FileStorage, Key, Kind, MemStorage};
use fayasm::{Config, Engine, Func, Instance, Linker, Module, Paging, Store, Val};

fn bench_dir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("offload-bench")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn plain_write(path: &Path, bytes: &[u8]) {
    let mut f = File::create(path).unwrap();
    f.write_all(bytes).unwrap();
    f.sync_all().unwrap();
}

/// The coremark sample's largest function, translated, in a store.
fn code_subject() -> (Store<()>, Func) {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../wasm_samples/wasm/bench_coremark.wasm");
    let engine = Engine::new(Config::default());
    let module = Module::new(&engine, std::fs::read(path).unwrap()).unwrap();
    let mut store = Store::new(&engine, ());
    let inst = Linker::new(&engine)
        .instantiate(&mut store, &module)
        .unwrap();
    let mut best = None;
    let mut best_len = 0;
    for i in 0..module.num_funcs() as u32 {
        let Some(f) = inst.func_by_index(&store, i) else {
            continue;
        };
        if let Ok(Some(code)) = f.translate(&mut store) {
            let len = code.encode().len();
            if len > best_len {
                best_len = len;
                best = Some(f);
            }
        }
    }
    (store, best.unwrap())
}

fn payload(len: usize) -> Vec<u8> {
    // Not all zeros (some filesystems treat those specially); cheap pseudo-random bytes.
    let mut x = 0x2545_f491_4f6c_dd1du64;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

fn spill_and_load(c: &mut Criterion) {
    let (mut store, func) = code_subject();
    let code_len = func.translate(&mut store).unwrap().unwrap().encode().len();
    let code_bytes = payload(code_len);
    let sizes: [(&str, usize); 2] = [("64KiB", 64 << 10), ("1MiB", 1 << 20)];

    let mut spill = c.benchmark_group("offload_spill");
    spill.sample_size(20);
    spill.measurement_time(Duration::from_secs(2));
    spill.warm_up_time(Duration::from_millis(300));
    // Code.
    {
        let dir = bench_dir("spill-code");
        let mut storage = FileStorage::open(dir.join("fayasm")).unwrap();
        spill.throughput(Throughput::Bytes(code_len as u64));
        let mut generation = 0;
        spill.bench_function(BenchmarkId::new("code", "fayasm"), |b| {
            b.iter(|| {
                generation += 1;
                black_box(
                    func.spill_code_to(&mut store, &mut storage, generation)
                        .unwrap(),
                )
            })
        });
        let plain = dir.join("plain.bin");
        spill.bench_function(BenchmarkId::new("code", "plain"), |b| {
            b.iter(|| plain_write(&plain, black_box(&code_bytes)))
        });
    }
    for (name, len) in sizes {
        let bytes = payload(len);
        let dir = bench_dir(&format!("spill-{name}"));
        let mut storage = FileStorage::open(dir.join("fayasm")).unwrap();
        let key = Key::new(Kind::Memory, 1, 0);
        spill.throughput(Throughput::Bytes(len as u64));
        let mut generation = 0;
        spill.bench_function(BenchmarkId::new(name, "fayasm"), |b| {
            b.iter(|| {
                generation += 1;
                io::save(&mut storage, &key, generation, black_box(&bytes)).unwrap()
            })
        });
        let plain = dir.join("plain.bin");
        spill.bench_function(BenchmarkId::new(name, "plain"), |b| {
            b.iter(|| plain_write(&plain, black_box(&bytes)))
        });
    }
    spill.finish();

    let mut load = c.benchmark_group("offload_load");
    load.sample_size(20);
    load.measurement_time(Duration::from_secs(2));
    load.warm_up_time(Duration::from_millis(300));
    {
        let dir = bench_dir("load-code");
        let mut storage = FileStorage::open(dir.join("fayasm")).unwrap();
        func.spill_code_to(&mut store, &mut storage, 1).unwrap();
        let plain = dir.join("plain.bin");
        plain_write(&plain, &code_bytes);
        load.throughput(Throughput::Bytes(code_len as u64));
        load.bench_function(BenchmarkId::new("code", "fayasm"), |b| {
            b.iter(|| func.load_code_from(&mut store, &mut storage).unwrap())
        });
        load.bench_function(BenchmarkId::new("code", "plain"), |b| {
            b.iter(|| black_box(std::fs::read(&plain).unwrap()))
        });
    }
    for (name, len) in sizes {
        let bytes = payload(len);
        let dir = bench_dir(&format!("load-{name}"));
        let mut storage = FileStorage::open(dir.join("fayasm")).unwrap();
        let key = Key::new(Kind::Memory, 1, 0);
        io::save(&mut storage, &key, 1, &bytes).unwrap();
        let plain = dir.join("plain.bin");
        plain_write(&plain, &bytes);
        load.throughput(Throughput::Bytes(len as u64));
        let mut buf = Vec::new();
        load.bench_function(BenchmarkId::new(name, "fayasm"), |b| {
            b.iter(|| {
                io::load(&mut storage, &key, &mut buf).unwrap();
                black_box(buf.len())
            })
        });
        load.bench_function(BenchmarkId::new(name, "plain"), |b| {
            b.iter(|| black_box(std::fs::read(&plain).unwrap()))
        });
    }
    load.finish();
}

/// One memory-bound sample (sieve, quicksort), instantiated with its memory resident or
/// demand-paged (4 KiB pages) under a frame budget, on a RAM storage.
fn paged_subject(wasm: &str, paging: Option<Paging>) -> (Store<()>, Func, Instance) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../wasm_samples/wasm")
        .join(wasm);
    let engine = Engine::new(Config::default().memory_paging(paging));
    let module = Module::new(&engine, std::fs::read(path).unwrap()).unwrap();
    let mut store = Store::new(&engine, ());
    store.set_storage(MemStorage::new());
    let inst = Linker::new(&engine)
        .instantiate(&mut store, &module)
        .unwrap();
    let run = inst.get_func(&store, "run").unwrap();
    (store, run, inst)
}

/// The overhead of a paged memory against a resident one, on memory-bound samples: every
/// page resident (`paged_all`: the cost of the slow path alone), and a quarter of the pages
/// the program touches resident (`paged_25`: eviction and write-back to a RAM storage too).
/// Reported as `paged_memory/{program}-{resident,paged_all,paged_25}`; the xtask divides each
/// by its program's `resident`.
fn paged_memory(c: &mut Criterion) {
    let mut group = c.benchmark_group("paged_memory");
    group.sample_size(10);
    for (name, wasm, arg) in [
        ("sieve", "bench_sieve.wasm", 600_000),
        ("quicksort", "bench_quicksort.wasm", 30_000),
    ] {
        // Pages the program's memory spans (all 4 KiB pages of its 64 KiB pages).
        let (mut store, run, inst) = paged_subject(wasm, None);
        let mut out = [Val::I32(0)];
        run.call(&mut store, &[Val::I32(arg)], &mut out).unwrap();
        let want = out[0];
        let pages = inst.memory_by_index(&store, 0).unwrap().size(&store) as usize * 16;
        let configs = [
            ("resident", None),
            (
                "paged_all",
                Some(Paging {
                    page_size: 4096,
                    resident_pages: pages,
                }),
            ),
            (
                "paged_25",
                Some(Paging {
                    page_size: 4096,
                    resident_pages: (pages / 4).max(1),
                }),
            ),
        ];
        for (label, paging) in configs {
            let (mut store, run, _) = paged_subject(wasm, paging);
            group.bench_function(BenchmarkId::new(name, label), |b| {
                b.iter(|| {
                    let mut out = [Val::I32(0)];
                    run.call(&mut store, &[Val::I32(arg)], &mut out).unwrap();
                    assert_eq!(out[0], want);
                    black_box(&out);
                })
            });
        }
    }
    group.finish();
}

criterion_group!(benches, spill_and_load, paged_memory);
criterion_main!(benches);
