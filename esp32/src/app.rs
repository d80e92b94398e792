//! The application logic every board shares.
//!
//! Four apps run: `APP.WASM` (a trapped function reloaded from the card, memory spilled),
//! `PAGED.WASM` (1 MiB of linear memory, demand-paged), `CMARK.WASM` (the CoreMark-style
//! benchmark, paged, under a 64 KiB RAM profile: engine, microcode, resident pages and module
//! must stay under 64 KiB of heap) and `CARD.WASM`, a WASI command with the card as its
//! directory ([`crate::wasi`]; its `.RUN` file holds its command line instead of calls). The modules are linked into the image and run in place
//! (`Module::from_static`: no heap for their bytes) unless built with `FAYASM_LINK_APPS=0`
//! or given other names (`FAYASM_APP`, `FAYASM_PAGED_APP`), when they are read from the card
//! in place (`Module::from_source`: no heap for their bytes either, only a CRC per 512).
//! Next to each, the card holds a `.RUN` file naming the calls to make, one per line:
//! `export arg... [=> result]` with typed values as the `fayasm` command line takes them
//! (`i32:7`, `i64:-1`). A call with an expected result is checked; the run fails on a
//! mismatch.
//!
//! A file `REUSE` in the root directory selects the *reuse* boot: the trapped function's
//! microcode is not spilled again but loaded from the blob an earlier boot left on the card
//! (`cargo xtask esp32 qemu` flips one byte of that blob before such a boot, to show the
//! rejection and the fallback to re-translation), and the paged apps are skipped.
//!
//! A file `RESUME` selects the *resume* boot ([`crate::resume`]): only the CoreMark-class
//! app's long call runs, in fuel slices, checkpointed to the card after each slice, and
//! continued from the card's checkpoint when a killed boot left one.

use alloc::rc::Rc;
use alloc::string::String;
use alloc::vec::Vec;
use core::cell::RefCell;
use core::sync::atomic::Ordering;

use embedded_sdmmc::BlockDevice;
use fayasm::offload::{Clock, Key, Kind, Metrics, Storage};
use fayasm::wasi::WasiCtx;
use fayasm::{
    CodeEviction, CodeStatus, Config, Engine, Extern, Func, HookAction, Instance, Linker, Memory,
    Module, ModuleSource, Paging, SourceError, Store, TargetProfile, Val, ValType,
};

use crate::heap::HEAP;
use crate::settings::{APP, HEAP_BYTES, LINK_APPS, PAGED_APP, PAGE_BUDGET_BYTES, TRAP_FUNC};

/// The CoreMark-class app: its card name (for its `.RUN` file), and the RAM its profile
/// assumes: its peak heap must stay under this.
const CMARK_APP: &str = "CMARK.WASM";
const CMARK_RAM: usize = 64 * 1024;

/// The apps linked into the image under their default card names. On a chip the image is
/// memory-mapped flash, so a module run from here costs no RAM for its bytes. They are the
/// `wasm_samples/wasm` files without their DWARF sections (`build.rs`): `wasi_card.wasm`
/// 182,900 -> 31,334 B; the others have none and are linked as the card holds them.
static LINKED: [(&str, &[u8]); 4] = [
    (
        "APP.WASM",
        include_bytes!(concat!(env!("OUT_DIR"), "/sdtrap.wasm")),
    ),
    (
        "PAGED.WASM",
        include_bytes!(concat!(env!("OUT_DIR"), "/paged.wasm")),
    ),
    (
        CMARK_APP,
        include_bytes!(concat!(env!("OUT_DIR"), "/bench_coremark_64k.wasm")),
    ),
    (
        WASI_APP,
        include_bytes!(concat!(env!("OUT_DIR"), "/wasi_card.wasm")),
    ),
];

/// The WASI command (`crate::wasi`): reads a file of the card, writes its result to another
/// and prints a summary; its `.RUN` file's first line is its command line.
const WASI_APP: &str = "CARD.WASM";

pub(crate) fn linked(name: &str) -> Option<&'static [u8]> {
    if !LINK_APPS {
        return None;
    }
    LINKED.iter().find(|(n, _)| *n == name).map(|(_, b)| *b)
}

/// How an app runs.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Resident memory spilled after instantiation, a trapped function reloaded in the hook.
    Trap,
    /// Demand-paged memory with the build's page budget.
    Paged,
    /// Demand-paged under a [`CMARK_RAM`] profile.
    Small,
    /// The WASI command: demand-paged with few resident pages, leaving the heap to the
    /// microcode of wasi-libc's large functions.
    Wasi,
}
use crate::storage::{FatError, FatStorage, BLOCKS_WRITTEN};

/// The data of every store the firmware makes, WASI command or not. The interpreter's
/// handlers and most of `Store`'s code are generic over a store's data type and compiled once
/// per type: with `()` for the plain apps next to `WasiCtx` for the WASI command the image
/// held two copies of them. A plain app's store holds an empty context (`WasiCtx::new()`
/// allocates nothing; its platform is the zero-sized `NullPlatform`).
pub(crate) type Host = WasiCtx;

/// The card, shared by the firmware and the stores that spill to it.
pub struct Card<D: BlockDevice>(pub(crate) Rc<RefCell<FatStorage<D>>>);

// SAFETY: the engine asks a store's storage and trap hook to be `Send` so that a store can
// move between threads on a host. The firmware has one execution context (ARCHITECTURE.md,
// invariant "the firmware is single-threaded": one hart, no threads, no interrupt handler
// touching the card or a store), so no `Card`, nor the `Rc` it holds, is ever used from two
// contexts.
unsafe impl<D: BlockDevice> Send for Card<D> {}

impl<D: BlockDevice> Clone for Card<D> {
    fn clone(&self) -> Self {
        Card(self.0.clone())
    }
}

/// The storage is only borrowed for the length of one call, never across calls into wasm,
/// so the borrow cannot clash; if it ever did, the call fails with an error instead.
pub enum CardError<E: core::fmt::Debug> {
    Busy,
    Fat(E),
}

/// Written out, not derived: the firmware is built with `-Zfmt-debug=shallow` (a derived
/// `Debug` prints only the variant's name), and the engine prints a storage error with `{:?}`
/// (`storage error: Fat(no intact copy on the card)`), so the inner error must show.
impl<E: core::fmt::Debug> core::fmt::Debug for CardError<E> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            CardError::Busy => f.write_str("Busy"),
            CardError::Fat(e) => write!(f, "Fat({e:?})"),
        }
    }
}

impl<D: BlockDevice> Storage for Card<D> {
    type Error = CardError<FatError<D::Error>>;

    fn read(&mut self, key: &Key, buf: &mut Vec<u8>) -> Result<bool, Self::Error> {
        let mut fs = self.0.try_borrow_mut().map_err(|_| CardError::Busy)?;
        fs.read(key, buf).map_err(CardError::Fat)
    }

    fn write(&mut self, key: &Key, parts: &[&[u8]]) -> Result<(), Self::Error> {
        let mut fs = self.0.try_borrow_mut().map_err(|_| CardError::Busy)?;
        fs.write(key, parts).map_err(CardError::Fat)
    }

    fn remove(&mut self, key: &Key) -> Result<(), Self::Error> {
        let mut fs = self.0.try_borrow_mut().map_err(|_| CardError::Busy)?;
        fs.remove(key).map_err(CardError::Fat)
    }

    fn sync(&mut self) -> Result<(), Self::Error> {
        let mut fs = self.0.try_borrow_mut().map_err(|_| CardError::Busy)?;
        fs.sync().map_err(CardError::Fat)
    }

    fn has_regions(&self) -> bool {
        true
    }

    fn read_at(&mut self, key: &Key, offset: u64, buf: &mut [u8]) -> Result<bool, Self::Error> {
        let mut fs = self.0.try_borrow_mut().map_err(|_| CardError::Busy)?;
        fs.read_at(key, offset, buf).map_err(CardError::Fat)
    }

    fn write_at(
        &mut self,
        key: &Key,
        offset: u64,
        parts: &[&[u8]],
        sync: bool,
    ) -> Result<(), Self::Error> {
        let mut fs = self.0.try_borrow_mut().map_err(|_| CardError::Busy)?;
        fs.write_at(key, offset, parts, sync)
            .map_err(CardError::Fat)
    }
}

/// Runs both apps; returns whether everything passed.
#[cfg_attr(fayasm_optimize_size, optimize(size))]
pub fn run<D: BlockDevice + 'static>(device: D, board: &str, clock: Clock) -> bool {
    println!("fayasm SD-trap firmware on {board}");
    println!(
        "heap: {} KiB (build setting FAYASM_HEAP_KIB), {} bytes in use at start",
        HEAP_BYTES / 1024,
        HEAP.used()
    );
    let fs = match FatStorage::mount(device) {
        Ok(fs) => fs,
        Err(e) => {
            println!("error: mounting the card: {e:?}");
            return false;
        }
    };
    let card = Card(Rc::new(RefCell::new(fs)));
    println!("card: FAT volume mounted");
    let reuse = match card.0.borrow_mut().read_root_file("REUSE") {
        Ok(f) => f.is_some(),
        Err(e) => {
            println!("error: reading REUSE: {e:?}");
            return false;
        }
    };
    if reuse {
        println!("boot: reuse (load blobs an earlier boot spilled; no paged app)");
    }
    let resume = match card.0.borrow_mut().read_root_file("RESUME") {
        Ok(f) => f.is_some(),
        Err(e) => {
            println!("error: reading RESUME: {e:?}");
            return false;
        }
    };
    if resume {
        println!("boot: resume (only the resumable call: continue it from the card's checkpoint, if any)");
        let ok = crate::resume::run(&card);
        card.0.borrow_mut().unmount();
        println!("firmware result: {}", if ok { "PASS" } else { "FAIL" });
        return ok;
    }

    let mut ok = run_app(&card, APP, Mode::Trap, reuse, clock);
    if !PAGED_APP.is_empty() && !reuse {
        ok &= run_app(&card, PAGED_APP, Mode::Paged, reuse, clock);
    }
    if !reuse {
        ok &= run_app(&card, CMARK_APP, Mode::Small, reuse, clock);
        ok &= run_wasi_app(&card, WASI_APP, clock);
    }
    card.0.borrow_mut().unmount();
    println!("firmware result: {}", if ok { "PASS" } else { "FAIL" });
    ok
}

/// Resident pages of a paged memory in [`Mode::Paged`] and [`Mode::Small`].
fn page_budget(mode: Mode) -> usize {
    match mode {
        Mode::Small | Mode::Wasi => 4,
        _ => (PAGE_BUDGET_BYTES / 4096).max(2),
    }
}

#[cfg_attr(fayasm_optimize_size, optimize(size))]
fn engine_for(mode: Mode) -> Engine {
    // The engine may use the whole heap (or the small app's share); everything it keeps
    // (module, microcode cache, stacks, resident memory) has to fit in it.
    let ram_bytes = if mode == Mode::Small {
        CMARK_RAM
    } else {
        HEAP_BYTES
    };
    let mut config = Config::default()
        .profile(TargetProfile::Custom { ram_bytes })
        .max_call_depth(512)
        .max_value_stack(16 * 1024)
        .max_table_elements(1024);
    if mode == Mode::Trap {
        // Resident memories: at most half the heap. Evicting code drops it: the firmware
        // spills the trapped function itself and reloads it in the hook.
        config = config
            .prescan(true)
            .code_eviction(CodeEviction::Drop)
            .max_memory_pages((HEAP_BYTES / 2 / 65536).max(1) as u64);
    } else {
        config = config
            .memory_paging(Some(Paging {
                page_size: 4096,
                resident_pages: page_budget(mode),
            }))
            .max_memory_pages(256);
    }
    if mode == Mode::Small {
        // Value stack in 64-bit cells: 2 KiB, plenty for a C benchmark's locals.
        config = config.max_call_depth(64).max_value_stack(256);
    }
    Engine::new(config)
}

/// App `name` on the card as a module source (`Module::from_source`): the module reads its
/// function bodies and data segments from the file when it needs them (opening it for each
/// read), so the heap holds no copy of the module, only a CRC-32 per 512 bytes.
struct CardFile<D: BlockDevice> {
    card: Card<D>,
    name: String,
}

impl<D: BlockDevice> ModuleSource for CardFile<D> {
    fn size(&mut self) -> Result<u64, SourceError> {
        let mut fs = self
            .card
            .0
            .try_borrow_mut()
            .map_err(|_| SourceError::Busy)?;
        match fs.root_file_len(&self.name) {
            Ok(Some(n)) => Ok(u64::from(n)),
            Ok(None) => Err(SourceError::Io(alloc::format!("no {}", self.name))),
            Err(e) => Err(SourceError::Io(alloc::format!("{e:?}"))),
        }
    }

    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> Result<(), SourceError> {
        let mut fs = self
            .card
            .0
            .try_borrow_mut()
            .map_err(|_| SourceError::Busy)?;
        match fs.read_root_at(&self.name, offset, buf) {
            Ok(true) => Ok(()),
            Ok(false) => Err(SourceError::Truncated { offset }),
            Err(e) => Err(SourceError::Io(alloc::format!("{e:?}"))),
        }
    }
}

/// App `name` read from the card in place (validated while streaming, bodies and segments
/// read again on demand): its module and length.
#[cfg_attr(fayasm_optimize_size, optimize(size))]
pub(crate) fn module_from_card<D: BlockDevice + 'static>(
    card: &Card<D>,
    engine: &Engine,
    name: &str,
) -> Result<(Module, usize), String> {
    let len = match card.0.borrow_mut().root_file_len(name) {
        Ok(Some(n)) => n as usize,
        Ok(None) => return Err(alloc::format!("{name} is not on the card")),
        Err(e) => return Err(alloc::format!("reading {name}: {e:?}")),
    };
    let source = CardFile {
        card: card.clone(),
        name: String::from(name),
    };
    let module = Module::from_source(engine, source)
        .map_err(|e| alloc::format!("{name} does not load: {e}"))?;
    Ok((module, len))
}

#[cfg_attr(fayasm_optimize_size, optimize(size))]
fn run_app<D: BlockDevice + 'static>(
    card: &Card<D>,
    name: &str,
    mode: Mode,
    reuse: bool,
    clock: Clock,
) -> bool {
    let paged = mode != Mode::Trap;
    HEAP.reset_peak();
    let heap_at_start = HEAP.used();
    println!();
    println!(
        "== app {name} ({}) ==",
        match mode {
            Mode::Trap => "trapped function, spilled memory",
            Mode::Paged => "demand-paged memory",
            Mode::Small => "CoreMark-class, paged, 64 KiB RAM profile",
            Mode::Wasi => "WASI command",
        }
    );
    let calls = match run_file(card, name) {
        Ok(c) => c,
        Err(e) => {
            println!("error: {e}");
            return false;
        }
    };
    let engine = engine_for(mode);
    let t0 = clock();
    let loaded = match linked(name) {
        Some(bytes) => Module::from_static(&engine, bytes)
            .map(|m| (m, bytes.len(), "linked into the image, run in place"))
            .map_err(|e| alloc::format!("{name} does not load: {e}")),
        None => module_from_card(card, &engine, name)
            .map(|(m, n)| (m, n, "read from the card in place")),
    };
    let module = match loaded {
        Ok((module, len, source)) => {
            println!(
                "{name}: {len} bytes, {source}, loaded in {} us, {} calls",
                (clock() - t0) / 1000,
                calls.len()
            );
            module
        }
        Err(e) => {
            println!("error: {e}");
            return false;
        }
    };
    let mut store = Store::new(&engine, Host::new());
    store.set_storage(card.clone());
    store.offload_metrics_mut().set_clock(Some(clock));
    let instance = match Linker::new(&engine).instantiate(&mut store, &module) {
        Ok(i) => i,
        Err(e) => {
            println!("error: instantiating {name}: {e}");
            return false;
        }
    };
    let funcs = count_funcs(&instance, &store);
    let translated = (0..funcs)
        .filter_map(|i| instance.func_by_index(&store, i))
        .filter(|f| f.code_status(&store) == CodeStatus::Translated)
        .count();
    println!(
        "instantiated: {funcs} functions, {translated} translated at instantiation{}",
        if paged { "" } else { " (prescan forced)" }
    );

    let mut ok = true;
    let memory = first_memory(&instance, &store);
    if let Some(mem) = memory {
        let size = mem.size(&store) * 65536;
        if paged {
            println!(
                "memory 0: {} bytes, paged in 4096-byte pages, {} resident at most ({} KiB, heap {} KiB)",
                size,
                page_budget(mode),
                page_budget(mode) * 4,
                HEAP_BYTES / 1024
            );
        } else {
            match mem.spill(&mut store) {
                Ok(n) => println!(
                    "memory 0: {size} bytes spilled to the card ({n} bytes written); RAM released, the first access reloads it"
                ),
                Err(e) => {
                    println!("error: spilling memory 0: {e}");
                    ok = false;
                }
            }
        }
    }

    if !paged {
        ok &= trap_function(card, &mut store, &instance, reuse);
    }
    let blocks_before = BLOCKS_WRITTEN.load(Ordering::Relaxed);

    for call in &calls {
        ok &= make_call(&mut store, &instance, call);
    }

    if let Some(mem) = memory {
        if paged {
            if let Err(e) = mem.flush(&mut store) {
                println!("error: flushing memory 0: {e}");
                ok = false;
            }
        }
    }
    report_metrics(store.offload_metrics());
    if paged {
        // Write amplification: the card's blocks written for the page bytes written back.
        let pages = store.offload_metrics().kind(Kind::MemoryPage);
        let blocks = BLOCKS_WRITTEN
            .load(Ordering::Relaxed)
            .wrapping_sub(blocks_before) as u64;
        let card_bytes = blocks * 512;
        let x100 = (card_bytes * 100)
            .checked_div(pages.bytes_written)
            .unwrap_or(0);
        println!(
            "pages: {} written ({} bytes), {} read; card: {} blocks written ({} bytes, {}.{:02}x the page bytes)",
            pages.spills,
            pages.bytes_written,
            pages.loads,
            blocks,
            card_bytes,
            x100 / 100,
            x100 % 100
        );
        if let Some(Ok(Some(w))) = memory.map(|m| m.page_wear(&store)) {
            println!(
                "page wear: region of {} slots, {} written, {} writes in all, at most {} to one slot; {} pages read ahead",
                w.slots, w.slots_written, w.total_writes, w.max_writes, w.read_ahead
            );
        }
    }
    let code = store.code_cache_stats();
    println!(
        "code cache: budget {} bytes, peak {} bytes, {} translations, {} evictions",
        code.budget.unwrap_or(0),
        code.peak,
        code.translations,
        code.evictions
    );
    drop(store);
    drop(module);
    println!(
        "peak heap ({name}): {} bytes of {} ({}%), {} over the {} in use before the app",
        HEAP.peak(),
        HEAP_BYTES,
        HEAP.peak() * 100 / HEAP_BYTES,
        HEAP.peak() - heap_at_start,
        heap_at_start
    );
    if HEAP.failures() > 0 {
        println!("heap: {} allocations refused", HEAP.failures());
    }
    println!("app {name}: {}", if ok { "ok" } else { "FAILED" });
    ok
}

/// Spills the trapped function's microcode to the card (unless reusing an earlier boot's
/// blob), drops it from RAM, marks the function and installs the hook that reloads it.
#[cfg_attr(fayasm_optimize_size, optimize(size))]
fn trap_function<D: BlockDevice + 'static>(
    card: &Card<D>,
    store: &mut Store<Host>,
    instance: &Instance,
    reuse: bool,
) -> bool {
    let Some(func) = instance.func_by_index(&*store, TRAP_FUNC) else {
        println!("error: the app has no function {TRAP_FUNC} (FAYASM_TRAP_FUNC)");
        return false;
    };
    if !reuse {
        let generation = 1;
        match func.spill_code_to(&mut *store, &mut card.clone(), generation) {
            Ok(n) => println!("func {TRAP_FUNC}: microcode spilled to the card ({n} bytes)"),
            Err(e) => {
                println!("error: spilling func {TRAP_FUNC}: {e}");
                return false;
            }
        }
    }
    let freed = func.evict_code(&mut *store);
    println!("func {TRAP_FUNC}: microcode dropped from RAM ({freed} bytes), trapped");
    func.set_trap(&mut *store, true);
    let hook_card = card.clone();
    store.set_trap_hook(move |store, f: Func| {
        if f.code_status(&*store) == CodeStatus::Translated {
            return HookAction::Continue;
        }
        let started = now();
        match f.load_code_from(&mut *store, &mut hook_card.clone()) {
            Ok(()) => {
                let us = now().saturating_sub(started) / 1000;
                println!("hook: func {TRAP_FUNC} microcode reloaded from the card and verified ({us} us)");
            }
            Err(e) => {
                println!("hook: func {TRAP_FUNC} blob rejected: {e}");
                println!("hook: falling back to re-translation from the module");
                store.offload_metrics_mut().record_fallback(Kind::Code);
            }
        }
        HookAction::Continue
    });
    true
}

fn now() -> u64 {
    crate::board::now_ns()
}

/// Runs the WASI command `name` with the card's root as its directory, its `.RUN` file's
/// first line as its command line and the board's console as its output; its memory is
/// demand-paged like the paged app's. Passes when the command exits with 0.
#[cfg_attr(fayasm_optimize_size, optimize(size))]
fn run_wasi_app<D: BlockDevice + 'static>(card: &Card<D>, name: &str, clock: Clock) -> bool {
    HEAP.reset_peak();
    let heap_at_start = HEAP.used();
    println!();
    println!("== app {name} (WASI command: the card as its directory, paged memory) ==");
    let stem = name.split('.').next().unwrap_or(name);
    let run = alloc::format!("{stem}.RUN");
    let argv: Vec<String> = match card.0.borrow_mut().read_root_file(&run) {
        Ok(Some(text)) => core::str::from_utf8(&text)
            .unwrap_or("")
            .lines()
            .map(str::trim)
            .find(|l| !l.is_empty() && !l.starts_with('#'))
            .unwrap_or("")
            .split_whitespace()
            .map(String::from)
            .collect(),
        Ok(None) => {
            println!("error: {run} is not on the card");
            return false;
        }
        Err(e) => {
            println!("error: reading {run}: {e:?}");
            return false;
        }
    };
    let engine = engine_for(Mode::Wasi);
    let t0 = clock();
    let loaded = match linked(name) {
        Some(bytes) => Module::from_static(&engine, bytes)
            .map(|m| (m, bytes.len()))
            .map_err(|e| alloc::format!("{name} does not load: {e}")),
        None => module_from_card(card, &engine, name),
    };
    let module = match loaded {
        Ok((m, len)) => {
            println!(
                "{name}: {len} bytes, loaded in {} us; argv: {}",
                (clock() - t0) / 1000,
                argv.join(" ")
            );
            m
        }
        Err(e) => {
            println!("error: {e}");
            return false;
        }
    };
    let ctx = WasiCtx::new()
        .platform(crate::wasi::Board)
        .args(argv)
        .preopen(".", crate::wasi::CardFs(card.clone()));
    let mut store = Store::new(&engine, ctx);
    store.set_storage(card.clone());
    store.offload_metrics_mut().set_clock(Some(clock));
    let mut linker = Linker::new(&engine);
    let started = now();
    let outcome = fayasm::wasi::add_to_linker(&mut linker, &mut store, |ctx| ctx)
        .and_then(|()| linker.instantiate(&mut store, &module))
        .and_then(|instance| {
            let start = instance
                .get_func(&store, "_start")
                .ok_or(fayasm::Error::Type("the module is not a WASI command"))?;
            start.call(&mut store, &[], &mut [])
        });
    let ms = now().saturating_sub(started) / 1_000_000;
    let code = match outcome {
        Ok(()) => Ok(0),
        Err(e) => store.data().exit_code().ok_or(e),
    };
    let ok = match code {
        Ok(code) => {
            println!("{name}: exit code {code} ({ms} ms)");
            code == 0
        }
        Err(e) => {
            println!("error: {name}: {e}");
            false
        }
    };
    report_metrics(store.offload_metrics());
    // Closes the files the program left open.
    drop(store);
    drop(module);
    println!(
        "peak heap ({name}): {} bytes of {} ({}%), {} over the {} in use before the app",
        HEAP.peak(),
        HEAP_BYTES,
        HEAP.peak() * 100 / HEAP_BYTES,
        HEAP.peak() - heap_at_start,
        heap_at_start
    );
    println!("app {name}: {}", if ok { "ok" } else { "FAILED" });
    ok
}

/// Memory 0 as the module exports it (C toolchains export their only memory as `memory`).
fn first_memory(instance: &Instance, store: &Store<Host>) -> Option<Memory> {
    instance
        .exports(store)
        .into_iter()
        .find_map(|(_, e)| e.into_memory())
}

fn count_funcs(instance: &Instance, store: &Store<Host>) -> u32 {
    let mut n = 0;
    while instance.func_by_index(store, n).is_some() {
        n += 1;
    }
    n
}

/// One line of a `.RUN` file.
pub(crate) struct Call {
    pub(crate) export: String,
    pub(crate) args: Vec<Val>,
    pub(crate) expect: Option<Vec<Val>>,
}

/// Reads `<stem>.RUN` for app `name`.
#[cfg_attr(fayasm_optimize_size, optimize(size))]
pub(crate) fn run_file<D: BlockDevice>(card: &Card<D>, name: &str) -> Result<Vec<Call>, String> {
    let stem = name.split('.').next().unwrap_or(name);
    let mut run = String::from(stem);
    run.push_str(".RUN");
    let text = match card.0.borrow_mut().read_root_file(&run) {
        Ok(Some(t)) => t,
        Ok(None) => return Err(alloc::format!("{run} is not on the card")),
        Err(e) => return Err(alloc::format!("reading {run}: {e:?}")),
    };
    let text = core::str::from_utf8(&text).map_err(|_| alloc::format!("{run} is not text"))?;
    let mut calls = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (lhs, rhs) = match line.split_once("=>") {
            Some((l, r)) => (l, Some(r)),
            None => (line, None),
        };
        let mut words = lhs.split_whitespace();
        let Some(export) = words.next() else {
            continue;
        };
        let bad = |w: &str| alloc::format!("{run}:{}: bad value {w:?}", n + 1);
        let args = words
            .map(|w| parse_val(w).ok_or_else(|| bad(w)))
            .collect::<Result<Vec<_>, _>>()?;
        let expect = match rhs {
            Some(r) => Some(
                r.split_whitespace()
                    .map(|w| parse_val(w).ok_or_else(|| bad(w)))
                    .collect::<Result<Vec<_>, _>>()?,
            ),
            None => None,
        };
        calls.push(Call {
            export: String::from(export),
            args,
            expect,
        });
    }
    Ok(calls)
}

#[cfg_attr(fayasm_optimize_size, optimize(size))]
fn parse_val(w: &str) -> Option<Val> {
    let (ty, v) = w.split_once(':')?;
    match ty {
        "i32" => v
            .parse::<i32>()
            .ok()
            .or_else(|| v.parse::<u32>().ok().map(|u| u as i32))
            .map(Val::I32),
        "i64" => v
            .parse::<i64>()
            .ok()
            .or_else(|| v.parse::<u64>().ok().map(|u| u as i64))
            .map(Val::I64),
        _ => None,
    }
}

pub(crate) struct Shown<'a>(pub(crate) &'a [Val]);

impl core::fmt::Display for Shown<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        for (i, v) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            match v {
                Val::I32(x) => write!(f, "i32:{x}")?,
                Val::I64(x) => write!(f, "i64:{x}")?,
                // Raw bits: a derived `Debug` prints only the variant's name in the firmware
                // (`-Zfmt-debug=shallow`), and float formatting would cost text.
                Val::F32(b) => write!(f, "f32-bits:{b:#010x}")?,
                Val::F64(b) => write!(f, "f64-bits:{b:#018x}")?,
                other => write!(f, "{other:?}")?,
            }
        }
        Ok(())
    }
}

#[cfg_attr(fayasm_optimize_size, optimize(size))]
fn make_call(store: &mut Store<Host>, instance: &Instance, call: &Call) -> bool {
    let Some(Extern::Func(func)) = instance.get_export(&*store, &call.export) else {
        println!("error: no exported function {:?}", call.export);
        return false;
    };
    let ty = func.ty(&*store);
    let mut results: Vec<Val> = ty
        .results()
        .iter()
        .map(|t| match t {
            ValType::I64 => Val::I64(0),
            _ => Val::I32(0),
        })
        .collect();
    let started = crate::board::now_ns();
    let outcome = func.call(store, &call.args, &mut results);
    let ms = crate::board::now_ns().saturating_sub(started) / 1_000_000;
    match outcome {
        Ok(()) => {
            let verdict = match &call.expect {
                Some(e) if *e == results => " (expected)",
                Some(_) => " (WRONG)",
                None => "",
            };
            println!(
                "call {}({}) = {}{verdict} [{ms} ms]",
                call.export,
                Shown(&call.args),
                Shown(&results)
            );
            if let Some(e) = &call.expect {
                if *e != results {
                    println!("error: expected {}", Shown(e));
                    return false;
                }
            }
            true
        }
        Err(e) => {
            println!("call {}({}) trapped: {e}", call.export, Shown(&call.args));
            false
        }
    }
}

#[cfg_attr(fayasm_optimize_size, optimize(size))]
fn report_metrics(m: &Metrics) {
    let t = m.totals();
    println!(
        "offload: spills {} loads {} bytes written {} bytes read {} load failures {} fallbacks {}",
        t.spills, t.loads, t.bytes_written, t.bytes_read, t.load_failures, t.fallbacks
    );
    for kind in [Kind::Code, Kind::Memory, Kind::MemoryPage] {
        let k = m.kind(kind);
        if k.spills + k.loads + k.load_failures + k.fallbacks > 0 {
            println!(
                "offload {:?}: spills {} loads {} written {} read {} failures {} fallbacks {}",
                kind,
                k.spills,
                k.loads,
                k.bytes_written,
                k.bytes_read,
                k.load_failures,
                k.fallbacks
            );
        }
    }
    let us = |v: Option<u64>| v.map(|n| n / 1000).unwrap_or(0);
    println!(
        "offload latency: spill p50 {} us p95 {} us ({} samples), load p50 {} us p95 {} us ({} samples)",
        us(m.spill_latency().p50()),
        us(m.spill_latency().p95()),
        m.spill_latency().count(),
        us(m.load_latency().p50()),
        us(m.load_latency().p95()),
        m.load_latency().count()
    );
    let pw = m.page_write_latency();
    let pr = m.page_read_latency();
    if pw.count() + pr.count() > 0 {
        println!(
            "page latency: write p50 {} us p95 {} us ({} pages), read p50 {} us p95 {} us ({} pages)",
            us(pw.p50()),
            us(pw.p95()),
            pw.count(),
            us(pr.p50()),
            us(pr.p95()),
            pr.count()
        );
    }
}
