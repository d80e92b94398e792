//! Fuel and interruption: the public side (ARCHITECTURE.md, "Fuel, interruption and
//! suspension"). The checks themselves are `Fuel` ops the translator places at block entries
//! (`microcode/translate/fuel.rs`) and the interpreter runs (`exec/handlers/fuel.rs`);
//! nothing is placed, and nothing is paid, unless the engine is configured for them.
//!
//! # Cost table
//! With [`Config::consume_fuel`], fuel is charged at the entry of every block for the whole
//! block, before any of its instructions runs:
//!
//! | what | fuel |
//! | --- | --- |
//! | every wasm instruction (operator) of reachable code, control instructions included | 1 |
//! | an empty loop body, per iteration | 1 (a block entry charges at least 1) |
//! | `memory.fill`, `memory.copy`, `memory.init` | 1 more per 64 bytes (`len / 64`) |
//! | `table.fill`, `table.copy`, `table.init` | 1 more per 8 elements (`len / 8`) |
//! | a call of a host function | 1 (its `call`); the host may charge more itself through [`Caller::store`](crate::Caller::store) and [`Store::set_fuel`] |
//! | a call of a WASI function (the `wasi` module) | 1 more per 64 bytes it moves between guest memory and the host (after the call; short of fuel, none is left and the guest stops at its next check) |
//!
//! Instructions are charged to the innermost enclosing function body, loop, or `if`/`else`
//! arm (a `block` is charged with the code around it), so a branch out of a block early has
//! paid for the rest of it: the charge is an upper bound that depends only on the code's
//! path, never on timing, so a run with the same fuel stops at the same point every time.
//! A run that lacks the fuel for a block entry stops *before* the block (nothing of it has
//! run, nothing is taken): the `OutOfFuel` trap, or a suspension
//! ([`Func::call_resumable`](crate::Func::call_resumable)) that continues there once there
//! is enough fuel.

use alloc::sync::Arc;
use core::sync::atomic::{AtomicBool, Ordering};

use super::Store;
use crate::config::Config;
use crate::error::Error;

/// The store's fuel and interrupt flag.
#[derive(Debug, Default)]
pub(crate) struct FuelState {
    /// Fuel left (meaningful when the engine consumes fuel; 0 in a new store).
    pub remaining: u64,
    /// Set by [`InterruptHandle::interrupt`], cleared by the check that stops on it.
    pub interrupt: Arc<AtomicBool>,
}

impl Config {
    /// Consume fuel: every block of wasm code charges its instructions at its entry (see the
    /// cost table in the `runtime::fuel` module docs) and a call without enough fuel stops
    /// with the [`OutOfFuel`](crate::TrapCode::OutOfFuel) trap, or suspends in a resumable
    /// call. A new store has no fuel: [`Store::set_fuel`] gives it some. Off by default; off,
    /// the code and the interpreter are exactly what they are without this feature.
    pub fn consume_fuel(mut self, on: bool) -> Config {
        self.metering.fuel = on;
        self
    }

    /// Let an [`InterruptHandle`] stop running code: every function entry and loop iteration
    /// passes a check (with [`consume_fuel`](Config::consume_fuel) every block entry does, at
    /// no extra cost), and the checks poll the store's interrupt flag every 65,536 checks
    /// (with fuel: units of fuel), so running code stops soon after a trigger. Off by
    /// default; off, and without fuel, an interrupt has no effect.
    pub fn interruptible(mut self, on: bool) -> Config {
        self.metering.interrupt = on;
        self
    }

    /// Whether the engine consumes fuel ([`Config::consume_fuel`]).
    pub fn get_consume_fuel(&self) -> bool {
        self.metering.fuel
    }

    /// Whether running code checks for interrupts: with
    /// [`interruptible`](Config::interruptible), or with [fuel](Config::consume_fuel), whose
    /// checks poll the interrupt flag too.
    pub fn get_interruptible(&self) -> bool {
        self.metering.any()
    }

    /// The old name of [`get_consume_fuel`](Config::get_consume_fuel).
    #[deprecated(note = "renamed to `get_consume_fuel`")]
    pub fn consume_fuel_enabled(&self) -> bool {
        self.get_consume_fuel()
    }

    /// The old name of [`get_interruptible`](Config::get_interruptible).
    #[deprecated(note = "renamed to `get_interruptible`")]
    pub fn interruptible_enabled(&self) -> bool {
        self.get_interruptible()
    }
}

const NO_FUEL: Error = Error::Type("fuel is not enabled: Config::consume_fuel(true)");

impl<T> Store<T> {
    /// Set the fuel left for wasm code in this store. An error if the engine does not consume
    /// fuel ([`Config::consume_fuel`]).
    pub fn set_fuel(&mut self, fuel: u64) -> Result<(), Error> {
        if !self.engine.config.metering.fuel {
            return Err(NO_FUEL);
        }
        self.inner.fuel.remaining = fuel;
        Ok(())
    }

    /// The fuel left. An error if the engine does not consume fuel.
    pub fn get_fuel(&self) -> Result<u64, Error> {
        if !self.engine.config.metering.fuel {
            return Err(NO_FUEL);
        }
        Ok(self.inner.fuel.remaining)
    }

    /// A handle that stops wasm code running in this store, from any thread (see
    /// [`InterruptHandle`]). It takes effect only if the engine is
    /// [`interruptible`](Config::interruptible) or consumes fuel.
    pub fn interrupt_handle(&self) -> InterruptHandle {
        InterruptHandle {
            flag: self.inner.fuel.interrupt.clone(),
        }
    }
}

/// Stops the wasm code of one store: running code stops at a check (a function entry or loop
/// iteration, or, with fuel, any block entry) within 65,536 checks (with fuel: units of fuel)
/// of the trigger, with the [`Interrupted`](crate::TrapCode::Interrupted) trap, or suspends a
/// resumable call there. A trigger while no code runs, or while a host function runs, stops
/// the code at its next check; it is consumed by the check that stops. Cheap to clone, `Send`
/// and `Sync`: triggering is one atomic store, so it may come from another thread or an
/// interrupt handler.
#[derive(Debug, Clone)]
pub struct InterruptHandle {
    flag: Arc<AtomicBool>,
}

impl InterruptHandle {
    /// Ask the running (or next) wasm code of the store to stop (see [`InterruptHandle`]).
    pub fn interrupt(&self) {
        self.flag.store(true, Ordering::Relaxed);
    }

    /// Withdraw a trigger that no check has consumed yet.
    pub fn clear(&self) {
        self.flag.store(false, Ordering::Relaxed);
    }

    /// Whether a trigger is pending.
    pub fn is_pending(&self) -> bool {
        self.flag.load(Ordering::Relaxed)
    }

    /// Interrupt the store's code once `timeout` has passed, unless the returned
    /// [`Deadline`] is dropped (or [`cancel`](Deadline::cancel)led) first. Every deadline of
    /// the process is kept by one timer thread (started by the first deadline, then left
    /// waiting for the next one), not a thread per deadline.
    #[cfg(feature = "std")]
    pub fn interrupt_after(&self, timeout: std::time::Duration) -> Deadline {
        // A timeout past what `Instant` can express never fires: nothing to register.
        let id = std::time::Instant::now()
            .checked_add(timeout)
            .map_or(0, |at| timer::add(at, self.flag.clone()));
        Deadline { id }
    }
}

/// A pending [`InterruptHandle::interrupt_after`]: dropping it cancels the interrupt if it
/// has not fired yet.
#[cfg(feature = "std")]
#[derive(Debug)]
pub struct Deadline {
    /// The timer's id of the deadline; 0 for one that never fires.
    id: u64,
}

#[cfg(feature = "std")]
impl Deadline {
    /// Cancel the interrupt if it has not fired; whether it had fired.
    pub fn cancel(mut self) -> bool {
        let id = core::mem::take(&mut self.id);
        id != 0 && !timer::cancel(id)
    }
}

#[cfg(feature = "std")]
impl Drop for Deadline {
    fn drop(&mut self) {
        if self.id != 0 {
            timer::cancel(self.id);
        }
    }
}

/// The process's deadlines and the one thread that fires them.
#[cfg(feature = "std")]
mod timer {
    use alloc::sync::Arc;
    use alloc::vec::Vec;
    use core::sync::atomic::{AtomicBool, Ordering};
    use std::sync::{Condvar, Mutex, MutexGuard, OnceLock};
    use std::time::Instant;

    #[derive(Default)]
    struct Pending {
        /// The last id given (ids start at 1; 0 is "never fires").
        last_id: u64,
        /// (when, id, the flag to set), unordered: few deadlines are pending at once.
        deadlines: Vec<(Instant, u64, Arc<AtomicBool>)>,
    }

    struct Timer {
        pending: Mutex<Pending>,
        /// Signalled when a deadline is added (it may be earlier than the one waited for).
        added: Condvar,
    }

    fn timer() -> &'static Timer {
        static TIMER: OnceLock<&'static Timer> = OnceLock::new();
        TIMER.get_or_init(|| {
            // Lives as long as the process, like its thread.
            let t: &'static Timer = alloc::boxed::Box::leak(alloc::boxed::Box::new(Timer {
                pending: Mutex::new(Pending::default()),
                added: Condvar::new(),
            }));
            // As `std::thread::spawn` (which the thread-per-deadline version used), a failure
            // to start a thread panics; the next deadline tries again.
            std::thread::Builder::new()
                .name("fayasm-deadlines".into())
                .spawn(move || run(t))
                .expect("fayasm: cannot start the deadline thread");
            t
        })
    }

    fn lock(t: &Timer) -> MutexGuard<'_, Pending> {
        // Every change under the lock is one `push` or `swap_remove`, so a panic cannot leave
        // the list half-changed: a poisoned lock is used as it is.
        t.pending.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Fires each deadline when its time comes; sleeps until the earliest one, or until one
    /// is added.
    fn run(t: &'static Timer) {
        let mut p = lock(t);
        loop {
            let now = Instant::now();
            while let Some(i) = p.deadlines.iter().position(|d| d.0 <= now) {
                let (_, _, flag) = p.deadlines.swap_remove(i);
                flag.store(true, Ordering::Relaxed);
            }
            p = match p.deadlines.iter().map(|d| d.0).min() {
                None => t.added.wait(p).unwrap_or_else(|e| e.into_inner()),
                Some(at) => {
                    t.added
                        .wait_timeout(p, at.saturating_duration_since(now))
                        .unwrap_or_else(|e| e.into_inner())
                        .0
                }
            };
        }
    }

    /// Set `flag` at `at`; the deadline's id (never 0).
    pub(super) fn add(at: Instant, flag: Arc<AtomicBool>) -> u64 {
        let t = timer();
        let mut p = lock(t);
        p.last_id += 1;
        let id = p.last_id;
        p.deadlines.push((at, id, flag));
        drop(p);
        t.added.notify_one();
        id
    }

    /// Withdraw deadline `id`; whether it was still pending (had not fired).
    pub(super) fn cancel(id: u64) -> bool {
        let mut p = lock(timer());
        match p.deadlines.iter().position(|d| d.1 == id) {
            Some(i) => {
                p.deadlines.swap_remove(i);
                true
            }
            None => false,
        }
    }
}
