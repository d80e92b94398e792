//! The engine under test: fayasm behind the [`Backend`] interface.

use std::sync::atomic::{AtomicU64, Ordering};

use fayasm::{Config, Engine, Error, Instance, Linker, Module, Store, TrapCode, Val, ValType};

use crate::backend::{Backend, CallOutcome, InstanceId, InstantiateError};
use crate::suites::Features;
use crate::values::{AnyValue, OpaqueFunc, TrapKind, Trapped, Value};

/// How the fayasm store under test is configured and stressed.
#[derive(Debug, Clone, Default)]
pub struct FayasmOptions {
    /// Translate every function at instantiation.
    pub prescan: bool,
    /// Before every call, spill, drop and reload the called instance's microcode.
    pub spill_code: bool,
    /// The code-cache budget in bytes.
    pub code_budget: Option<usize>,
    /// Before every directive, spill the microcode of every function and every memory of the
    /// store (memories are reloaded by their first access).
    pub spill_every_assertion: bool,
    /// Create every memory demand-paged with 1 KiB pages and this many resident pages.
    pub paged: Option<usize>,
    /// Consume fuel and run every call resumably, in fuel slices of this size.
    pub suspend_every: Option<u64>,
    /// With `suspend_every`: at one pseudo-random suspension among the first eight of every
    /// call, checkpoint the suspended call with its instance (and every other instance of the
    /// store), drop the call and the store, build a new store the way the script built this
    /// one (the same instantiations and registrations, in order), restore every instance and
    /// the call into it, and resume the restored call there; the script goes on in the new
    /// store. A store whose state a checkpoint cannot express (a table holding another
    /// instance's function, a non-null `externref`) restores the call into the same instance
    /// instead; a call with frames in another instance continues as it is (see
    /// [`persist_counts`]).
    pub persist_suspended: bool,
    /// Make every module with `Module::from_source` (over a copy of its bytes the module
    /// reads back on demand), not `Module::new`: the same decisions, code and results.
    pub from_source: bool,
}

/// A module's bytes as a `ModuleSource` (`FayasmOptions::from_source`).
struct BytesSource(Vec<u8>);

impl fayasm::ModuleSource for BytesSource {
    fn size(&mut self) -> Result<u64, fayasm::SourceError> {
        Ok(self.0.len() as u64)
    }

    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> Result<(), fayasm::SourceError> {
        let src = usize::try_from(offset)
            .ok()
            .and_then(|at| self.0.get(at..at.checked_add(buf.len())?))
            .ok_or(fayasm::SourceError::Truncated { offset })?;
        buf.copy_from_slice(src);
        Ok(())
    }
}

/// How `persist_suspended` went, over the process so far (a pass's counts are the difference
/// of the counts around it).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PersistCounts {
    /// Restored into a new store and new instances.
    pub new_store: u64,
    /// Restored into the same instance (another instance's state was not expressible).
    pub same_instance: u64,
    /// Not checkpointed: the call itself was not expressible (frames in another instance).
    pub not_expressible: u64,
    /// Restored into the same instance: replaying the script's steps did not rebuild the
    /// same instances (an instantiation depended on state that calls changed since).
    pub rebuild_diverged: u64,
}

static NEW_STORE: AtomicU64 = AtomicU64::new(0);
static SAME_INSTANCE: AtomicU64 = AtomicU64::new(0);
static NOT_EXPRESSIBLE: AtomicU64 = AtomicU64::new(0);
static REBUILD_DIVERGED: AtomicU64 = AtomicU64::new(0);

/// The counts of `persist_suspended` so far in this process.
pub fn persist_counts() -> PersistCounts {
    PersistCounts {
        new_store: NEW_STORE.load(Ordering::Relaxed),
        same_instance: SAME_INSTANCE.load(Ordering::Relaxed),
        not_expressible: NOT_EXPRESSIBLE.load(Ordering::Relaxed),
        rebuild_diverged: REBUILD_DIVERGED.load(Ordering::Relaxed),
    }
}

/// One step that built the store, replayed to build an equal one (`persist_suspended`).
enum Built {
    /// An instantiation (that succeeded or not: a failed one may still have allocated).
    Instantiate(Module),
    /// `register(name, instance)`.
    Register(String, InstanceId),
}

pub struct FayasmBackend {
    opts: FayasmOptions,
    /// Whether `spectest` has its `shared_memory` (suites with the threads proposal).
    threads: bool,
    engine: Engine,
    store: Store<()>,
    linker: Linker<()>,
    instances: Vec<Instance>,
    /// Where microcode goes between calls when spill transparency is being checked.
    spill: Option<fayasm::offload::MemStorage>,
    generation: u64,
    /// The generator that picks the suspensions to persist (`persist_suspended`).
    rng: u64,
    /// Why the last persist-and-restore failed.
    persist_error: Option<String>,
    /// How the store was built, with `persist_suspended`.
    built: Vec<Built>,
}

impl FayasmBackend {
    /// A fresh store with `spectest` defined, the engine configured for `features`.
    pub fn new(opts: &FayasmOptions, features: &Features) -> Result<FayasmBackend, String> {
        let config = Config::default()
            .prescan(opts.prescan)
            .code_cache_budget(opts.code_budget)
            // No overdraft: the budget keeps evicting, which is what the pass exercises.
            .code_cache_overdraft(0)
            .memory_paging(opts.paged.map(|resident_pages| fayasm::Paging {
                page_size: 1024,
                resident_pages,
            }))
            .wasm_memory64(features.memory64)
            .wasm_multi_memory(features.multi_memory)
            .wasm_tail_call(features.tail_call)
            .wasm_extended_const(features.extended_const)
            .wasm_wide_arithmetic(features.wide_arithmetic)
            .wasm_custom_page_sizes(features.custom_page_sizes)
            .wasm_function_references(features.function_references)
            .wasm_exceptions(features.exceptions)
            .wasm_gc(features.gc)
            .wasm_threads(features.threads)
            .wasm_reference_types(features.reference_types)
            .consume_fuel(opts.suspend_every.is_some());
        let engine = Engine::new(config);
        let (store, linker) = new_store(&engine, opts, features.threads)?;
        Ok(FayasmBackend {
            threads: features.threads,
            engine,
            store,
            linker,
            instances: Vec::new(),
            spill: (opts.spill_code || opts.spill_every_assertion)
                .then(fayasm::offload::MemStorage::new),
            generation: 0,
            rng: 0x9e37_79b9_7f4a_7c15,
            persist_error: None,
            built: Vec::new(),
            opts: opts.clone(),
        })
    }

    /// With `spill_every_assertion`: spill, drop and reload the microcode of every function of
    /// every instance, and spill every memory (its next access reloads or pages it back in).
    fn spill_everything(&mut self) -> Result<(), String> {
        if !self.opts.spill_every_assertion {
            return Ok(());
        }
        for instance in self.instances.clone() {
            self.cycle_code(instance)?;
            let mut i = 0;
            while let Some(m) = instance.memory_by_index(&self.store, i) {
                i += 1;
                m.spill(&mut self.store)
                    .map_err(|e| format!("spilling memory {}: {e}", i - 1))?;
            }
        }
        Ok(())
    }

    /// Spill, drop and reload the microcode of every function of `instance`.
    fn cycle_code(&mut self, instance: Instance) -> Result<(), String> {
        let Some(storage) = self.spill.as_mut() else {
            return Ok(());
        };
        self.generation += 1;
        let mut i = 0;
        while let Some(f) = instance.func_by_index(&self.store, i) {
            i += 1;
            if f.code_status(&self.store) != fayasm::CodeStatus::Translated {
                continue;
            }
            f.spill_code_to(&mut self.store, storage, self.generation)
                .map_err(|e| format!("spilling function {}: {e}", i - 1))?;
            f.evict_code(&mut self.store);
            f.load_code_from(&mut self.store, storage)
                .map_err(|e| format!("reloading function {}: {e}", i - 1))?;
        }
        Ok(())
    }

    /// Call `f` resumably with `slice` fuel, and `slice` more at every suspension.
    fn call_sliced(
        &mut self,
        f: fayasm::Func,
        instance: InstanceId,
        slice: u64,
        args: &[Val],
        results: &mut [Val],
    ) -> Result<(), Error> {
        self.store.set_fuel(slice)?;
        let mut call = f.call_resumable(&mut self.store, args, results)?;
        // The suspension to persist, picked pseudo-randomly among the first eight.
        self.rng = self
            .rng
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        let persist_at = self.opts.persist_suspended.then_some(1 + (self.rng >> 61));
        let mut stops = 0;
        while let fayasm::ResumableCall::Suspended(mut s) = call {
            stops += 1;
            if persist_at == Some(stops) {
                s = self.persist(s, instance)?;
            }
            let left = self.store.get_fuel()?;
            self.store.set_fuel(left.saturating_add(slice))?;
            call = s.resume(&mut self.store, &[], results)?;
        }
        // Instantiation (start functions, segments) runs unsliced.
        self.store.set_fuel(u64::MAX)?;
        Ok(())
    }

    /// Checkpoint `s` with instance `id` and every other instance, drop the call and the
    /// store, and restore them all into a new store built the same way (see
    /// [`FayasmOptions::persist_suspended`] for what is not expressible).
    fn persist(
        &mut self,
        s: fayasm::SuspendedCall,
        id: InstanceId,
    ) -> Result<fayasm::SuspendedCall, Error> {
        let instance = self.instance(id).map_err(|e| self.fail(e))?;
        let mut storage = fayasm::offload::MemStorage::new();
        let mut cp = fayasm::Checkpointer::new(0);
        match s.checkpoint(instance, &mut self.store, &mut cp, &mut storage) {
            Ok(_) => {}
            Err(fayasm::CheckpointError::Unrepresentable { .. }) => {
                NOT_EXPRESSIBLE.fetch_add(1, Ordering::Relaxed);
                return Ok(s);
            }
            Err(e) => return Err(self.fail(format!("checkpoint of a suspended call: {e}"))),
        }
        // Every other instance on the same storage, as checkpoint set `i + 1` (the call's
        // own instance is set 0): instances of one module must not disturb each other's
        // checkpoints there.
        let mut others = Vec::new();
        for (i, other) in self.instances.clone().into_iter().enumerate() {
            if i == id {
                continue;
            }
            let set = u32::try_from(i + 1).map_err(|_| self.fail("too many instances".into()))?;
            let mut ocp = fayasm::Checkpointer::new(set);
            match ocp.checkpoint(other, &mut self.store, &mut storage) {
                Ok(_) => others.push((i, ocp)),
                Err(fayasm::CheckpointError::Unrepresentable { .. }) => {
                    // Only the call's own instance goes through storage.
                    SAME_INSTANCE.fetch_add(1, Ordering::Relaxed);
                    drop(s);
                    return fayasm::SuspendedCall::restore(
                        instance,
                        &mut self.store,
                        &mut cp,
                        &mut storage,
                    )
                    .map(|(call, _)| call)
                    .map_err(|e| self.fail(format!("restore of a suspended call: {e}")));
                }
                Err(e) => {
                    return Err(self.fail(format!("checkpoint of instance {i}: {e}")));
                }
            }
        }
        let fuel = self.store.get_fuel()?;
        drop(s);
        // The old store goes; a new one is built as the script built it.
        let rebuilt = rebuild(&self.engine, &self.opts, self.threads, &self.built)
            .ok()
            .filter(|(_, _, instances)| instances.len() == self.instances.len());
        let Some((mut store, linker, instances)) = rebuilt else {
            // Replaying the script's steps from scratch did not give the same instances: an
            // instantiation depended on state that calls changed in between (an import's
            // limits met only after a `memory.grow`, multi-memory/imports4.wast). The call
            // goes back into its own instance, restored from the same checkpoint.
            REBUILD_DIVERGED.fetch_add(1, Ordering::Relaxed);
            return fayasm::SuspendedCall::restore(
                instance,
                &mut self.store,
                &mut cp,
                &mut storage,
            )
            .map(|(call, _)| call)
            .map_err(|e| self.fail(format!("restore of a suspended call: {e}")));
        };
        for (i, mut ocp) in others {
            ocp.restore(instances[i], &mut store, &mut storage)
                .map_err(|e| self.fail(format!("restore of instance {i}: {e}")))?;
        }
        let (call, _) =
            fayasm::SuspendedCall::restore(instances[id], &mut store, &mut cp, &mut storage)
                .map_err(|e| {
                    self.fail(format!("restore of a suspended call into a new store: {e}"))
                })?;
        store.set_fuel(fuel)?;
        self.store = store;
        self.linker = linker;
        self.instances = instances;
        NEW_STORE.fetch_add(1, Ordering::Relaxed);
        Ok(call)
    }

    /// Record why persisting failed; the error the call reports.
    fn fail(&mut self, detail: String) -> Error {
        self.persist_error = Some(detail);
        Error::Type("persisting a suspended call failed")
    }

    fn instance(&self, id: InstanceId) -> Result<Instance, String> {
        self.instances
            .get(id)
            .copied()
            .ok_or_else(|| format!("no fayasm instance {id}"))
    }
}

fn trap_kind(code: TrapCode) -> TrapKind {
    match code {
        TrapCode::Unreachable => TrapKind::Unreachable,
        TrapCode::MemoryOutOfBounds => TrapKind::MemoryOutOfBounds,
        TrapCode::TableOutOfBounds => TrapKind::TableOutOfBounds,
        TrapCode::IndirectCallToNull => TrapKind::IndirectCallToNull,
        TrapCode::BadSignature => TrapKind::BadSignature,
        TrapCode::IntegerOverflow => TrapKind::IntegerOverflow,
        TrapCode::IntegerDivisionByZero => TrapKind::IntegerDivisionByZero,
        TrapCode::BadConversionToInteger => TrapKind::BadConversionToInteger,
        TrapCode::StackOverflow => TrapKind::StackOverflow,
        TrapCode::OutOfFuel => TrapKind::OutOfFuel,
        TrapCode::NullReference => TrapKind::NullReference,
        TrapCode::Host => TrapKind::Host,
        TrapCode::Exception => TrapKind::Exception,
        TrapCode::CastFailure => TrapKind::CastFailure,
        TrapCode::UnalignedAtomic => TrapKind::UnalignedAtomic,
        TrapCode::AtomicWaitNonSharedMemory => TrapKind::AtomicWaitNonSharedMemory,
        TrapCode::ArrayOutOfBounds => TrapKind::ArrayOutOfBounds,
        TrapCode::MemoryUnavailable | TrapCode::Interrupted | TrapCode::HostYield => {
            TrapKind::Other
        }
        // `TrapCode` is non-exhaustive: a code added later compares as "some other trap".
        _ => TrapKind::Other,
    }
}

fn trapped(trap: &fayasm::Trap) -> Trapped {
    Trapped {
        kind: trap_kind(trap.code()),
        message: trap.to_string(),
    }
}

fn to_val(v: &Value) -> Result<Val, String> {
    Ok(match *v {
        Value::I32(x) => Val::I32(x),
        Value::I64(x) => Val::I64(x),
        Value::F32(x) => Val::F32(x),
        Value::F64(x) => Val::F64(x),
        Value::V128(x) => Val::V128(x),
        Value::FuncRef(None) => Val::FuncRef(None),
        Value::FuncRef(Some(_)) => return Err("a non-null funcref cannot be passed in".into()),
        Value::ExternRef(x) => Val::ExternRef(x.map(fayasm::ExternRef::new)),
        Value::ExnRef(false) => Val::ExnRef(None),
        Value::ExnRef(true) => return Err("a non-null exnref cannot be passed in".into()),
        Value::AnyRef(None) => Val::AnyRef(None),
        Value::AnyRef(Some(AnyValue::I31(v))) => Val::AnyRef(Some(fayasm::AnyRef::from_i31(v))),
        Value::AnyRef(Some(AnyValue::Host(n))) => {
            Val::AnyRef(Some(fayasm::AnyRef::from_extern(fayasm::ExternRef::new(n))))
        }
        Value::AnyRef(Some(_)) | Value::ExternAny(_) => {
            return Err("a GC object cannot be passed in".into())
        }
    })
}

/// `v` as an argument of type `ty`: a host reference given where an `anyref` is expected
/// (the scripts' `(ref.host N)`) is passed converted with `any.convert_extern`.
fn to_param(v: &Value, ty: ValType) -> Result<Val, String> {
    match (*v, ty.as_ref_type()) {
        (Value::ExternRef(Some(n)), Some(r)) if r.is_any() => {
            to_val(&Value::AnyRef(Some(AnyValue::Host(n))))
        }
        _ => to_val(v),
    }
}

fn from_val(v: &Val) -> Value {
    match *v {
        Val::I32(x) => Value::I32(x),
        Val::I64(x) => Value::I64(x),
        Val::F32(x) => Value::F32(x),
        Val::F64(x) => Value::F64(x),
        Val::V128(x) => Value::V128(x),
        Val::FuncRef(f) => Value::FuncRef(f.map(|_| OpaqueFunc)),
        Val::ExternRef(Some(r)) if r.as_any().is_some() => {
            Value::ExternAny(r.as_any().map_or(AnyValue::Struct, any_value))
        }
        Val::ExternRef(r) => Value::ExternRef(r.map(|r| r.value())),
        Val::ExnRef(e) => Value::ExnRef(e.is_some()),
        Val::AnyRef(a) => Value::AnyRef(a.map(any_value)),
    }
}

fn any_value(a: fayasm::AnyRef) -> AnyValue {
    if let Some(v) = a.as_i31() {
        AnyValue::I31(v)
    } else if let Some(e) = a.as_extern() {
        AnyValue::Host(e.value())
    } else if a.is_array() {
        AnyValue::Array
    } else {
        AnyValue::Struct
    }
}

impl FayasmBackend {
    /// `bytes` as a module, the way the options ask.
    fn module(&self, bytes: &[u8]) -> Result<Module, Error> {
        if self.opts.from_source {
            Module::from_source(&self.engine, BytesSource(bytes.to_vec()))
        } else {
            Module::new(&self.engine, bytes)
        }
    }
}

impl Backend for FayasmBackend {
    fn name(&self) -> &'static str {
        "fayasm"
    }

    fn compile(&mut self, bytes: &[u8]) -> Result<(), String> {
        self.module(bytes).map(|_| ()).map_err(|e| e.to_string())
    }

    fn instantiate(&mut self, bytes: &[u8]) -> Result<InstanceId, InstantiateError> {
        self.spill_everything().map_err(InstantiateError::Other)?;
        let module = self.module(bytes).map_err(|e| match e {
            Error::Module(m) => InstantiateError::Compile(m.to_string()),
            other => InstantiateError::Other(other.to_string()),
        })?;
        if self.opts.persist_suspended {
            self.built.push(Built::Instantiate(module.clone()));
        }
        let instance = self
            .linker
            .instantiate(&mut self.store, &module)
            .map_err(|e| match e {
                Error::Link(l) => InstantiateError::Link(l.to_string()),
                Error::Trap(t) => InstantiateError::Trap(trapped(&t)),
                Error::Module(m) => InstantiateError::Compile(m.to_string()),
                other => InstantiateError::Other(other.to_string()),
            })?;
        self.instances.push(instance);
        Ok(self.instances.len() - 1)
    }

    fn register(&mut self, name: &str, instance: InstanceId) -> Result<(), String> {
        let id = instance;
        let instance = self.instance(id)?;
        self.linker
            .instance(&mut self.store, name, instance)
            .map_err(|e| e.to_string())?;
        if self.opts.persist_suspended {
            self.built.push(Built::Register(name.to_string(), id));
        }
        Ok(())
    }

    fn invoke(
        &mut self,
        instance: InstanceId,
        func: &str,
        args: &[Value],
    ) -> Result<CallOutcome, String> {
        self.spill_everything()?;
        let id = instance;
        let instance = self.instance(id)?;
        self.cycle_code(instance)?;
        let f = instance
            .get_func(&self.store, func)
            .ok_or_else(|| format!("no exported function `{func}`"))?;
        let ty = f.ty(&self.store);
        let args = args
            .iter()
            .zip(ty.params())
            .map(|(a, t)| to_param(a, *t))
            .collect::<Result<Vec<_>, _>>()?;
        let mut results: Vec<Val> = ty.results().iter().map(|t| Val::default_for(*t)).collect();
        let done = match self.opts.suspend_every {
            Some(slice) => self.call_sliced(f, id, slice, &args, &mut results),
            None => f.call(&mut self.store, &args, &mut results),
        };
        match done {
            Ok(()) => Ok(CallOutcome::Returned(
                results.iter().map(from_val).collect(),
            )),
            Err(Error::Trap(t)) => Ok(CallOutcome::Trapped(trapped(&t))),
            Err(e) => Err(match self.persist_error.take() {
                Some(detail) => detail,
                None => format!("call failed without a trap: {e}"),
            }),
        }
    }

    fn get_global(&mut self, instance: InstanceId, name: &str) -> Result<Value, String> {
        self.spill_everything()?;
        let instance = self.instance(instance)?;
        let g = instance
            .get_global(&self.store, name)
            .ok_or_else(|| format!("no exported global `{name}`"))?;
        Ok(from_val(&g.get(&self.store)))
    }
}

/// A store with `spectest` defined, and its linker, for `opts`.
fn new_store(
    engine: &Engine,
    opts: &FayasmOptions,
    threads: bool,
) -> Result<(Store<()>, Linker<()>), String> {
    let mut store = Store::new(engine, ());
    if opts.spill_every_assertion || opts.paged.is_some() {
        store.set_storage(fayasm::offload::MemStorage::new());
    }
    if opts.suspend_every.is_some() {
        // Instantiation (start functions, segments) runs unsliced.
        store.set_fuel(u64::MAX).map_err(|e| e.to_string())?;
    }
    let mut linker = Linker::new(engine);
    // Registering a name twice replaces it, as in the oracle.
    linker.allow_shadowing(true);
    crate::spectest::define_fayasm(&mut store, &mut linker, threads)
        .map_err(|e| format!("defining spectest in fayasm: {e}"))?;
    Ok((store, linker))
}

/// A rebuilt store, its linker and its instances.
type Rebuilt = (Store<()>, Linker<()>, Vec<Instance>);

/// A new store built by the steps of `built`.
fn rebuild(
    engine: &Engine,
    opts: &FayasmOptions,
    threads: bool,
    built: &[Built],
) -> Result<Rebuilt, String> {
    let (mut store, mut linker) = new_store(engine, opts, threads)?;
    let mut instances = Vec::new();
    for step in built {
        match step {
            Built::Instantiate(module) => {
                // A failure fails again (and allocates what it did the first time).
                if let Ok(inst) = linker.instantiate(&mut store, module) {
                    instances.push(inst);
                }
            }
            Built::Register(name, i) => {
                let inst = *instances
                    .get(*i)
                    .ok_or_else(|| format!("rebuilding the store: no instance {i}"))?;
                linker
                    .instance(&mut store, name, inst)
                    .map_err(|e| format!("rebuilding the store: {e}"))?;
            }
        }
    }
    Ok((store, linker, instances))
}
