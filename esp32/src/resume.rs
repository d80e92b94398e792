//! The kill-and-resume boot (issue 17, item 6): a long call runs in fuel slices, and after
//! every slice the suspended call and its instance (memory, globals, tables) are written to
//! the card as one atomic checkpoint (`SuspendedCall::checkpoint`, `docs/suspended-call.md`).
//! At boot the firmware first looks for such a checkpoint: if the card holds one, the call is
//! restored into a fresh instance and continues from there, else it starts from the beginning.
//! So a power cut (or `cargo xtask esp32 qemu` killing QEMU at a random point) loses at most
//! the slice in progress, and the next boot prints the result an uninterrupted run gives.
//!
//! The call is the last line with an expected result of the app's `.RUN` file (the
//! CoreMark-class app's `run(i32:60)`), and the instance runs with resident memory (the
//! checkpoint reads and writes memory directly; it does not page).

use alloc::vec::Vec;

use embedded_sdmmc::BlockDevice;
use fayasm::offload::{Key, Storage};
use fayasm::{
    CheckpointError, Checkpointer, Config, Engine, Extern, Linker, Module, ResumableCall, Store,
    SuspendReason, SuspendedCall, TargetProfile, Val, ValType,
};

use crate::app::{linked, module_from_card, run_file, Card, Host, Shown};
use crate::heap::HEAP;
use crate::settings::HEAP_BYTES;

/// The app the resumable call belongs to.
pub const RESUME_APP: &str = "CMARK.WASM";

/// Fuel per slice: CoreMark-class `run(60)` takes about 24.9 M, so about 25 slices.
const SLICE_FUEL: u64 = 1_000_000;

/// A storage that counts what is written through it (the size of each checkpoint).
struct Counting<S> {
    inner: S,
    written: usize,
    writes: usize,
}

impl<S: Storage> Storage for Counting<S> {
    type Error = S::Error;

    fn read(&mut self, key: &Key, buf: &mut Vec<u8>) -> Result<bool, Self::Error> {
        self.inner.read(key, buf)
    }

    fn write(&mut self, key: &Key, parts: &[&[u8]]) -> Result<(), Self::Error> {
        self.inner.write(key, parts)?;
        self.written += parts.iter().map(|p| p.len()).sum::<usize>();
        self.writes += 1;
        Ok(())
    }

    fn remove(&mut self, key: &Key) -> Result<(), Self::Error> {
        self.inner.remove(key)
    }
}

fn engine() -> Engine {
    let config = Config::default()
        .profile(TargetProfile::Custom {
            ram_bytes: HEAP_BYTES,
        })
        .consume_fuel(true)
        .max_call_depth(64)
        .max_value_stack(256)
        .max_table_elements(1024)
        .max_memory_pages(4);
    Engine::new(config)
}

fn now_ms() -> u64 {
    crate::board::now_ns() / 1_000_000
}

/// Runs (or resumes) the resumable call; returns whether it finished with the expected result.
#[cfg_attr(fayasm_optimize_size, optimize(size))]
pub fn run<D: BlockDevice + 'static>(card: &Card<D>) -> bool {
    let name = RESUME_APP;
    HEAP.reset_peak();
    let heap_at_start = HEAP.used();
    println!();
    println!("== app {name} (resumable: fuel slices of {SLICE_FUEL}, checkpoint to the card after each) ==");
    let calls = match run_file(card, name) {
        Ok(c) => c,
        Err(e) => {
            println!("error: {e}");
            return false;
        }
    };
    let Some(call) = calls.iter().rev().find(|c| c.expect.is_some()) else {
        println!("error: no call with an expected result in the .RUN file of {name}");
        return false;
    };
    let engine = engine();
    let loaded = match linked(name) {
        Some(bytes) => Module::from_static(&engine, bytes)
            .map_err(|e| alloc::format!("{name} does not load: {e}")),
        None => module_from_card(card, &engine, name).map(|(m, _)| m),
    };
    let module = match loaded {
        Ok(m) => m,
        Err(e) => {
            println!("error: {e}");
            return false;
        }
    };
    let mut store = Store::new(&engine, Host::new());
    let instance = match Linker::new(&engine).instantiate(&mut store, &module) {
        Ok(i) => i,
        Err(e) => {
            println!("error: instantiating {name}: {e}");
            return false;
        }
    };
    let Some(Extern::Func(func)) = instance.get_export(&store, &call.export) else {
        println!("error: no exported function {:?}", call.export);
        return false;
    };
    let mut results: Vec<Val> = func
        .ty(&store)
        .results()
        .iter()
        .map(|t| match t {
            ValType::I64 => Val::I64(0),
            _ => Val::I32(0),
        })
        .collect();
    let mut checkpointer = Checkpointer::new(0);
    let mut storage = Counting {
        inner: card.clone(),
        written: 0,
        writes: 0,
    };
    let started = now_ms();

    let restored = SuspendedCall::restore(instance, &mut store, &mut checkpointer, &mut storage);
    let (mut slice, outcome) = match restored {
        Ok((suspended, generation)) => {
            println!(
                "resumed from the card: checkpoint generation {generation} ({} ms to restore, {} damaged checkpoints skipped)",
                now_ms() - started,
                checkpointer.rejected()
            );
            let _ = store.set_fuel(SLICE_FUEL);
            (generation, suspended.resume(&mut store, &[], &mut results))
        }
        Err(CheckpointError::NoCheckpoint) => {
            println!(
                "no checkpoint on the card: starting {}({})",
                call.export,
                Shown(&call.args)
            );
            let _ = store.set_fuel(SLICE_FUEL);
            (0, func.call_resumable(&mut store, &call.args, &mut results))
        }
        Err(e) => {
            println!("error: restoring the checkpoint: {e}");
            return false;
        }
    };
    let mut outcome = match outcome {
        Ok(o) => o,
        Err(e) => {
            println!("call {}({}) trapped: {e}", call.export, Shown(&call.args));
            return false;
        }
    };
    let mut largest = 0;
    loop {
        let suspended = match outcome {
            ResumableCall::Finished => break,
            ResumableCall::Suspended(s) => s,
        };
        if suspended.reason() != SuspendReason::OutOfFuel {
            println!("error: the call stopped for another reason than fuel");
            return false;
        }
        slice += 1;
        let (before, t0) = (storage.written, now_ms());
        let generation =
            match suspended.checkpoint(instance, &mut store, &mut checkpointer, &mut storage) {
                Ok(g) => g,
                Err(e) => {
                    println!("error: checkpoint after slice {slice}: {e}");
                    return false;
                }
            };
        let bytes = storage.written - before;
        largest = largest.max(bytes);
        println!(
            "slice {slice}: checkpoint generation {generation} written ({bytes} bytes, {} ms)",
            now_ms() - t0
        );
        let _ = store.set_fuel(SLICE_FUEL);
        outcome = match suspended.resume(&mut store, &[], &mut results) {
            Ok(o) => o,
            Err(e) => {
                println!("call {}({}) trapped: {e}", call.export, Shown(&call.args));
                return false;
            }
        };
    }
    let ok = call.expect.as_deref() == Some(&results[..]);
    println!(
        "resumable call {}({}) = {}{} after {slice} slices [{} ms this boot]",
        call.export,
        Shown(&call.args),
        Shown(&results),
        if ok { " (expected)" } else { " (WRONG)" },
        now_ms() - started
    );
    println!(
        "checkpoints this boot: {} bytes in {} writes, largest {largest} bytes",
        storage.written, storage.writes
    );
    drop(store);
    drop(module);
    println!(
        "peak heap ({name} resumable): {} bytes of {} ({}%), {} over the {} in use before the app",
        HEAP.peak(),
        HEAP_BYTES,
        HEAP.peak() * 100 / HEAP_BYTES,
        HEAP.peak() - heap_at_start,
        heap_at_start
    );
    ok
}
