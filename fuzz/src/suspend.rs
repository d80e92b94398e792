//! `suspend_resume`: a generated module's exports called to completion, against the same
//! calls run in random fuel slices (and, with interruption, stopped by interrupts triggered
//! before random resumptions), where at random suspensions the call is checkpointed with its
//! instance, the store dropped, and the call restored into a fresh store and resumed there
//! (`SuspendedCall::checkpoint` / `restore`). Both sides must give the same results, traps,
//! fuel, globals and memory.
//!
//! The generator's fuel global (`smith::FUEL`) bounds every loop and call chain, so the
//! uninterrupted side needs no engine fuel to end; it runs with the same configuration as the
//! sliced side (so the code carries the same checks) and all the fuel it wants.

use arbitrary::{Result, Unstructured};
use fayasm::offload::MemStorage;
use fayasm::{
    Checkpointer, Config, Engine, Error, Extern, Instance, Linker, Module, ResumableCall, Store,
    SuspendReason, SuspendedCall, Val,
};

use crate::smith;
use crate::spill_code::same_vals;

/// Fuel for the uninterrupted side and for instantiation (start functions): never runs out.
const PLENTY: u64 = 1 << 40;
/// Suspensions per input after which the sliced side gets [`PLENTY`] (a slice of 1 against a
/// bulk operation charged by size would otherwise take very long).
const MAX_SUSPENSIONS: u32 = 2_000;
/// Checkpoint round trips per input (each copies the instance's memories).
const MAX_PERSISTS: u32 = 24;

/// Which checks the engine's code carries.
#[derive(Clone, Copy, Debug)]
struct Checks {
    fuel: bool,
    interrupt: bool,
}

fn engine(checks: Checks) -> Engine {
    Engine::new(
        Config::default()
            .max_call_depth(2_000)
            .consume_fuel(checks.fuel)
            .interruptible(checks.interrupt),
    )
}

/// A store with an instance of `module`, fuelled with [`PLENTY`]; `None` if the start
/// function trapped.
fn instantiate(engine: &Engine, module: &Module, checks: Checks) -> Option<(Store<()>, Instance)> {
    let mut store = Store::new(engine, ());
    if checks.fuel {
        store.set_fuel(PLENTY).expect("fuel is on");
    }
    let instance = Linker::new(engine).instantiate(&mut store, module).ok()?;
    Some((store, instance))
}

/// How one call ended: its results, or the trap's message.
type Outcome = std::result::Result<Vec<Val>, String>;

fn outcome(r: std::result::Result<(), Error>, results: Vec<Val>) -> Outcome {
    match r {
        Ok(()) => Ok(results),
        Err(e) => Err(e.to_string()),
    }
}

/// The sliced side's state: its store and instance (replaced by a fresh pair at every
/// restore) and the counters that bound the work.
struct Sliced<'a> {
    engine: &'a Engine,
    module: &'a Module,
    checks: Checks,
    store: Store<()>,
    instance: Instance,
    suspensions: u32,
    persists: u32,
}

impl Sliced<'_> {
    /// Give the next slice: `slice` more fuel (on top of what is left, so a block that needs
    /// more than one slice gets it eventually), and with interruption maybe a trigger.
    fn refuel(&mut self, u: &mut Unstructured<'_>) -> Result<()> {
        let unbounded = self.suspensions >= MAX_SUSPENSIONS;
        if self.checks.fuel {
            let slice = if unbounded {
                PLENTY
            } else {
                match u.int_in_range(0..=7u8)? {
                    0..=3 => u.int_in_range(1..=8)?,
                    4..=6 => u.int_in_range(9..=200)?,
                    _ => u.int_in_range(201..=5_000)?,
                }
            };
            let left = self.store.get_fuel().expect("fuel is on");
            self.store.set_fuel(left.saturating_add(slice)).unwrap();
        }
        let handle = self.store.interrupt_handle();
        // An engine that consumes fuel checks the interrupt flag too.
        if !unbounded && u.ratio(1, 3)? {
            // Deterministic: the trigger is pending before the code runs, so the first check
            // stops it.
            handle.interrupt();
        } else {
            handle.clear();
        }
        Ok(())
    }

    /// Fuel the store has (0 without fuel).
    fn fuel(&self) -> u64 {
        if self.checks.fuel {
            self.store.get_fuel().unwrap()
        } else {
            0
        }
    }

    /// Checkpoint `call` with the instance, drop the store, restore both into a fresh store
    /// and hand back the restored call.
    fn persist(&mut self, call: SuspendedCall, u: &mut Unstructured<'_>) -> Result<SuspendedCall> {
        let mut storage = MemStorage::new();
        let chunk = 512u32 << u.int_in_range(0..=7u32)?;
        let set: u32 = u.arbitrary()?;
        let mut checkpointer = Checkpointer::new(set)
            .with_chunk_size(chunk)
            .with_incremental(u.arbitrary()?);
        // Sometimes an older checkpoint of the same call first, so restore has two to pick from.
        let twice: bool = u.arbitrary()?;
        for _ in 0..=u8::from(twice) {
            call.checkpoint(
                self.instance,
                &mut self.store,
                &mut checkpointer,
                &mut storage,
            )
            .unwrap_or_else(|e| panic!("checkpointing a suspended call: {e}"));
        }
        let fuel = self.fuel();
        let reason = call.reason();
        drop(call);
        let (mut store, instance) = instantiate(self.engine, self.module, self.checks)
            .expect("the start function trapped only in the fresh store");
        if self.checks.fuel {
            store.set_fuel(fuel).unwrap();
        }
        // As after a reboot: a new checkpointer of the same set.
        let mut fresh = Checkpointer::new(set);
        let (restored, _) = SuspendedCall::restore(instance, &mut store, &mut fresh, &mut storage)
            .unwrap_or_else(|e| panic!("restoring a suspended call: {e}"));
        assert_eq!(
            restored.reason(),
            reason,
            "the restored call stopped elsewhere"
        );
        self.store = store;
        self.instance = instance;
        self.persists += 1;
        Ok(restored)
    }

    /// Call export `name` with `args` in slices; the outcome and the fuel it took.
    fn call(
        &mut self,
        name: &str,
        args: &[Val],
        u: &mut Unstructured<'_>,
    ) -> Result<(Outcome, u64)> {
        let func = self.instance.get_func(&self.store, name).expect("export");
        let ty = func.ty(&self.store);
        let mut results: Vec<Val> = ty.results().iter().map(|&t| Val::default_for(t)).collect();
        let mut used = 0u64;
        self.refuel(u)?;
        let mut before = self.fuel();
        let mut step = func.call_resumable(&mut self.store, args, &mut results);
        loop {
            used += before - self.fuel();
            let call = match step {
                Ok(ResumableCall::Finished) => return Ok((Ok(results), used)),
                Err(e) => return Ok((Err(e.to_string()), used)),
                Ok(ResumableCall::Suspended(call)) => call,
            };
            self.suspensions += 1;
            match call.reason() {
                SuspendReason::OutOfFuel => assert!(self.checks.fuel, "out of fuel without fuel"),
                SuspendReason::Interrupted => {}
                SuspendReason::HostYield(_) => panic!("a host yield in a module without imports"),
            }
            let call = if self.persists < MAX_PERSISTS && u.ratio(1, 4)? {
                self.persist(call, u)?
            } else {
                call
            };
            self.refuel(u)?;
            before = self.fuel();
            step = call.resume(&mut self.store, &[], &mut results);
        }
    }
}

/// Run one input.
pub fn check(data: &[u8]) -> Result<()> {
    let mut u = Unstructured::new(data);
    let wasm = smith::module(&mut u)?;
    let checks = match u.int_in_range(0..=2u8)? {
        0 => Checks {
            fuel: true,
            interrupt: false,
        },
        1 => Checks {
            fuel: true,
            interrupt: true,
        },
        _ => Checks {
            fuel: false,
            interrupt: true,
        },
    };
    let engine = engine(checks);
    let module = Module::new(&engine, &wasm).expect("fayasm rejects a module wasm-smith made");
    let (Some((mut plain, pi)), Some((store, instance))) = (
        instantiate(&engine, &module, checks),
        instantiate(&engine, &module, checks),
    ) else {
        return Ok(());
    };
    // Every exported function with its arguments, drawn before either side runs.
    let mut calls = Vec::new();
    for (name, ext) in pi.exports(&plain) {
        let Extern::Func(f) = ext else { continue };
        let args: Vec<Val> = f
            .ty(&plain)
            .params()
            .iter()
            .map(|&t| crate::arbitrary_val(&mut u, t))
            .collect::<Result<_>>()?;
        calls.push((name, args));
    }
    let mut sliced = Sliced {
        engine: &engine,
        module: &module,
        checks,
        store,
        instance,
        suspensions: 0,
        persists: 0,
    };
    for (name, args) in &calls {
        let f = pi.get_func(&plain, name).unwrap();
        let mut results: Vec<Val> = f
            .ty(&plain)
            .results()
            .iter()
            .map(|&t| Val::default_for(t))
            .collect();
        let before = if checks.fuel {
            plain.get_fuel().unwrap()
        } else {
            0
        };
        let r = f.call(&mut plain, args, &mut results);
        let used = before
            - if checks.fuel {
                plain.get_fuel().unwrap()
            } else {
                0
            };
        let expected = outcome(r, results);
        let (got, sliced_used) = sliced.call(name, args, &mut u)?;
        assert!(
            same_outcome(&expected, &got),
            "export {name} ({checks:?}): uninterrupted {expected:?}, sliced {got:?}"
        );
        assert_eq!(
            used, sliced_used,
            "export {name} ({checks:?}): fuel differs"
        );
    }
    let (store, si) = (&sliced.store, sliced.instance);
    for (name, ext) in pi.exports(&plain) {
        match ext {
            Extern::Global(g) => {
                let other = si.get_global(store, &name).unwrap();
                let (a, b) = (g.get(&plain), other.get(store));
                assert!(
                    same_vals(&[a], &[b]),
                    "global {name} differs: {a:?} vs {b:?}"
                );
            }
            Extern::Memory(m) => {
                let other = si.get_memory(store, &name).unwrap();
                assert!(m.data(&plain) == other.data(store), "memory {name} differs");
            }
            _ => {}
        }
    }
    if std::env::var_os("FAYASM_FUZZ_STATS").is_some() {
        eprintln!(
            "suspend_resume: {checks:?}, {} calls, {} suspensions, {} persisted",
            calls.len(),
            sliced.suspensions,
            sliced.persists
        );
    }
    Ok(())
}

fn same_outcome(a: &Outcome, b: &Outcome) -> bool {
    match (a, b) {
        (Ok(x), Ok(y)) => same_vals(x, y),
        (Err(x), Err(y)) => x == y,
        _ => false,
    }
}
