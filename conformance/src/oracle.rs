//! The differential oracle: wasmtime behind the [`Backend`] interface. This is the only file
//! that knows about wasmtime.

use wasmtime::{
    AnyRef, Config, Engine, ExternRef, Func, FuncType, Global, GlobalType, Instance, Linker,
    Memory, MemoryType, Module, Mutability, OptLevel, Ref, RefType, SharedMemory, Store, Table,
    TableType, Trap, Val, ValType,
};

use crate::backend::{Backend, CallOutcome, InstanceId, InstantiateError};
use crate::spectest;
use crate::suites::Features;
use crate::values::{AnyValue, OpaqueFunc, TrapKind, Trapped, Value};

/// The wasmtime engine configured for the feature set a suite is written against
/// ([`Features::for_suite`]).
/// A wasmtime engine set up for one suite; opaque so that nothing outside this file names
/// wasmtime types.
#[derive(Clone)]
pub struct OracleEngine(Engine, Features);

impl OracleEngine {
    pub fn for_suite(suite: &str) -> Result<OracleEngine, String> {
        engine_for_suite(suite).map(|e| OracleEngine(e, Features::for_suite(suite)))
    }
}

fn engine_for_suite(suite: &str) -> Result<Engine, String> {
    let mut c = Config::new();
    // Cranelift only compiles each test module once; spend no time optimising.
    c.cranelift_opt_level(OptLevel::None);
    // WebAssembly 2.0 (sign-extension and non-trapping float-to-int are always on).
    c.wasm_reference_types(true)
        .wasm_bulk_memory(true)
        .wasm_multi_value(true)
        .wasm_simd(true);
    // Everything later only when the suite is written against it.
    let f = Features::for_suite(suite);
    c.wasm_relaxed_simd(f.relaxed_simd)
        .wasm_tail_call(f.tail_call)
        .wasm_multi_memory(f.multi_memory)
        .wasm_memory64(f.memory64)
        .wasm_extended_const(f.extended_const)
        .wasm_function_references(f.function_references)
        .wasm_gc(f.gc)
        .wasm_exceptions(f.exceptions)
        .wasm_wide_arithmetic(f.wide_arithmetic)
        .wasm_custom_page_sizes(f.custom_page_sizes)
        .wasm_threads(f.threads)
        .wasm_reference_types(f.reference_types);
    // `spectest`'s `shared_memory` is a host-created shared memory.
    c.shared_memory(f.threads);
    // Deterministic relaxed SIMD keeps the comparison meaningful.
    c.relaxed_simd_deterministic(true);
    Engine::new(&c).map_err(|e| format!("wasmtime engine for {suite}: {e}"))
}

pub struct WasmtimeBackend {
    engine: Engine,
    store: Store<()>,
    linker: Linker<()>,
    instances: Vec<Instance>,
}

impl WasmtimeBackend {
    /// A fresh store with `spectest` defined.
    pub fn new(engine: &OracleEngine) -> Result<WasmtimeBackend, String> {
        let (engine, threads) = (&engine.0, engine.1.threads);
        let mut store = Store::new(engine, ());
        let mut linker = Linker::new(engine);
        linker.allow_shadowing(true);
        define_spectest(engine, &mut store, &mut linker, threads)
            .map_err(|e| format!("spectest: {e}"))?;
        Ok(WasmtimeBackend {
            engine: engine.clone(),
            store,
            linker,
            instances: Vec::new(),
        })
    }

    fn instance(&self, id: InstanceId) -> Result<Instance, String> {
        self.instances
            .get(id)
            .copied()
            .ok_or_else(|| format!("no wasmtime instance {id}"))
    }

    fn wasm_val(&mut self, v: &Value) -> Result<Val, String> {
        Ok(match *v {
            Value::I32(x) => Val::I32(x),
            Value::I64(x) => Val::I64(x),
            Value::F32(x) => Val::F32(x),
            Value::F64(x) => Val::F64(x),
            Value::V128(x) => Val::V128(x.into()),
            Value::FuncRef(None) => Val::FuncRef(None),
            Value::FuncRef(Some(_)) => return Err("a non-null funcref cannot be passed in".into()),
            Value::ExternRef(None) => Val::ExternRef(None),
            Value::ExnRef(false) => Val::ExnRef(None),
            Value::ExnRef(true) => return Err("a non-null exnref cannot be passed in".into()),
            Value::ExternRef(Some(n)) => Val::ExternRef(Some(
                ExternRef::new(&mut self.store, n)
                    .map_err(|e| format!("wasmtime externref: {e}"))?,
            )),
            Value::AnyRef(None) => Val::AnyRef(None),
            Value::AnyRef(Some(AnyValue::I31(v))) => Val::AnyRef(Some(AnyRef::from_i31(
                &mut self.store,
                wasmtime::I31::wrapping_u32(v),
            ))),
            Value::AnyRef(Some(AnyValue::Host(n))) => {
                let e = ExternRef::new(&mut self.store, n)
                    .map_err(|e| format!("wasmtime externref: {e}"))?;
                Val::AnyRef(Some(
                    AnyRef::convert_extern(&mut self.store, e)
                        .map_err(|e| format!("wasmtime anyref: {e}"))?,
                ))
            }
            Value::AnyRef(Some(_)) | Value::ExternAny(_) => {
                return Err("a GC object cannot be passed in".into())
            }
        })
    }

    /// `v` as an argument of type `ty`: a host reference given where an `anyref` is expected
    /// (the scripts' `(ref.host N)`) is passed converted with `any.convert_extern`.
    fn wasm_param(&mut self, v: &Value, ty: &wasmtime::ValType) -> Result<Val, String> {
        match (*v, ty.as_ref()) {
            (Value::ExternRef(Some(n)), Some(r))
                if matches!(r.heap_type().top(), wasmtime::HeapType::Any) =>
            {
                self.wasm_val(&Value::AnyRef(Some(AnyValue::Host(n))))
            }
            _ => self.wasm_val(v),
        }
    }

    fn any_value(&mut self, a: &wasmtime::Rooted<AnyRef>) -> Result<AnyValue, String> {
        let err = |e: wasmtime::Error| format!("wasmtime anyref: {e}");
        Ok(if let Some(i) = a.as_i31(&self.store).map_err(err)? {
            AnyValue::I31(i.get_u32())
        } else if a.is_struct(&self.store).map_err(err)? {
            AnyValue::Struct
        } else if a.is_array(&self.store).map_err(err)? {
            AnyValue::Array
        } else {
            let e = ExternRef::convert_any(&mut self.store, *a).map_err(err)?;
            let data = e.data(&self.store).map_err(err)?;
            match data.and_then(|d| d.downcast_ref::<u32>()) {
                Some(n) => AnyValue::Host(*n),
                None => return Err("anyref of an externref without a u32 payload".into()),
            }
        })
    }

    fn value_of(&mut self, v: &Val) -> Result<Value, String> {
        Ok(match v {
            Val::I32(x) => Value::I32(*x),
            Val::I64(x) => Value::I64(*x),
            Val::F32(x) => Value::F32(*x),
            Val::F64(x) => Value::F64(*x),
            Val::V128(x) => Value::V128(x.as_u128()),
            Val::FuncRef(f) => Value::FuncRef(f.map(|_| OpaqueFunc)),
            Val::ExternRef(None) => Value::ExternRef(None),
            Val::ExternRef(Some(r)) => {
                let data = r
                    .data(&self.store)
                    .map_err(|e| format!("wasmtime externref: {e}"))?;
                match data.and_then(|d| d.downcast_ref::<u32>()) {
                    Some(n) => Value::ExternRef(Some(*n)),
                    None => {
                        // A GC value converted with `extern.convert_any`.
                        let a = AnyRef::convert_extern(&mut self.store, *r)
                            .map_err(|e| format!("wasmtime anyref: {e}"))?;
                        Value::ExternAny(self.any_value(&a)?)
                    }
                }
            }
            Val::AnyRef(None) => Value::AnyRef(None),
            Val::AnyRef(Some(a)) => Value::AnyRef(Some(self.any_value(a)?)),
            Val::ExnRef(e) => Value::ExnRef(e.is_some()),
            other => return Err(format!("unsupported wasmtime value {other:?}")),
        })
    }
}

fn define_spectest(
    engine: &Engine,
    store: &mut Store<()>,
    linker: &mut Linker<()>,
    threads: bool,
) -> wasmtime::Result<()> {
    let m = spectest::MODULE;
    for (name, params) in spectest::PRINT_FUNCS {
        let params = params.iter().map(|p| match p {
            spectest::Param::I32 => ValType::I32,
            spectest::Param::I64 => ValType::I64,
            spectest::Param::F32 => ValType::F32,
            spectest::Param::F64 => ValType::F64,
        });
        let ty = FuncType::new(engine, params, []);
        let func = Func::new(&mut *store, ty, |_caller, _params, _results| Ok(()));
        linker.define(&*store, m, name, func)?;
    }
    let globals = [
        ("global_i32", ValType::I32, Val::I32(spectest::GLOBAL_I32)),
        ("global_i64", ValType::I64, Val::I64(spectest::GLOBAL_I64)),
        (
            "global_f32",
            ValType::F32,
            Val::F32(spectest::GLOBAL_F32.to_bits()),
        ),
        (
            "global_f64",
            ValType::F64,
            Val::F64(spectest::GLOBAL_F64.to_bits()),
        ),
    ];
    for (name, ty, val) in globals {
        let g = Global::new(&mut *store, GlobalType::new(ty, Mutability::Const), val)?;
        linker.define(&*store, m, name, g)?;
    }
    let (min, max) = spectest::TABLE_LIMITS;
    let table = Table::new(
        &mut *store,
        TableType::new(RefType::FUNCREF, min, max),
        Ref::Func(None),
    )?;
    linker.define(&*store, m, "table", table)?;
    let (min, max) = spectest::MEMORY_LIMITS;
    let memory = Memory::new(&mut *store, MemoryType::new(min, max))?;
    linker.define(&*store, m, "memory", memory)?;
    if threads {
        let (min, max) = spectest::SHARED_MEMORY_LIMITS;
        let shared = SharedMemory::new(engine, MemoryType::shared(min, max))?;
        linker.define(&*store, m, "shared_memory", shared)?;
    }
    Ok(())
}

fn trap_kind(trap: Trap) -> TrapKind {
    match trap {
        Trap::UnreachableCodeReached => TrapKind::Unreachable,
        Trap::MemoryOutOfBounds => TrapKind::MemoryOutOfBounds,
        Trap::TableOutOfBounds => TrapKind::TableOutOfBounds,
        Trap::IndirectCallToNull => TrapKind::IndirectCallToNull,
        Trap::BadSignature => TrapKind::BadSignature,
        Trap::IntegerOverflow => TrapKind::IntegerOverflow,
        Trap::IntegerDivisionByZero => TrapKind::IntegerDivisionByZero,
        Trap::BadConversionToInteger => TrapKind::BadConversionToInteger,
        Trap::StackOverflow => TrapKind::StackOverflow,
        Trap::OutOfFuel => TrapKind::OutOfFuel,
        Trap::NullReference => TrapKind::NullReference,
        Trap::CastFailure => TrapKind::CastFailure,
        Trap::ArrayOutOfBounds => TrapKind::ArrayOutOfBounds,
        Trap::HeapMisaligned => TrapKind::UnalignedAtomic,
        Trap::AtomicWaitNonSharedMemory => TrapKind::AtomicWaitNonSharedMemory,
        _ => TrapKind::Other,
    }
}

/// The trap inside a wasmtime error, if it is one.
fn as_trap(e: &wasmtime::Error) -> Option<Trapped> {
    if e.downcast_ref::<wasmtime::ThrownException>().is_some() {
        return Some(Trapped {
            kind: TrapKind::Exception,
            message: e.to_string(),
        });
    }
    e.downcast_ref::<Trap>().map(|t| Trapped {
        kind: trap_kind(*t),
        message: t.to_string(),
    })
}

impl Backend for WasmtimeBackend {
    fn name(&self) -> &'static str {
        "wasmtime"
    }

    fn compile(&mut self, bytes: &[u8]) -> Result<(), String> {
        Module::new(&self.engine, bytes)
            .map(|_| ())
            .map_err(|e| format!("{e:#}"))
    }

    fn instantiate(&mut self, bytes: &[u8]) -> Result<InstanceId, InstantiateError> {
        let module = Module::new(&self.engine, bytes)
            .map_err(|e| InstantiateError::Compile(format!("{e:#}")))?;
        let instance = self
            .linker
            .instantiate(&mut self.store, &module)
            .map_err(|e| {
                if let Some(t) = as_trap(&e) {
                    return InstantiateError::Trap(t);
                }
                let msg = format!("{e:#}");
                if msg.contains("import") {
                    InstantiateError::Link(msg)
                } else {
                    InstantiateError::Other(msg)
                }
            })?;
        self.instances.push(instance);
        Ok(self.instances.len() - 1)
    }

    fn register(&mut self, name: &str, instance: InstanceId) -> Result<(), String> {
        let instance = self.instance(instance)?;
        self.linker
            .instance(&mut self.store, name, instance)
            .map_err(|e| format!("{e:#}"))?;
        Ok(())
    }

    fn invoke(
        &mut self,
        instance: InstanceId,
        func: &str,
        args: &[Value],
    ) -> Result<CallOutcome, String> {
        let instance = self.instance(instance)?;
        let f = instance
            .get_func(&mut self.store, func)
            .ok_or_else(|| format!("no exported function `{func}`"))?;
        let ty = f.ty(&self.store);
        let n_results = ty.results().len();
        let args = args
            .iter()
            .zip(ty.params())
            .map(|(a, t)| self.wasm_param(a, &t))
            .collect::<Result<Vec<_>, _>>()?;
        let mut results = vec![Val::I32(0); n_results];
        match f.call(&mut self.store, &args, &mut results) {
            Ok(()) => Ok(CallOutcome::Returned(
                results
                    .iter()
                    .map(|v| self.value_of(v))
                    .collect::<Result<_, _>>()?,
            )),
            Err(e) => {
                // An uncaught exception stays pending on the store until taken.
                let _ = self.store.take_pending_exception();
                match as_trap(&e) {
                    Some(t) => Ok(CallOutcome::Trapped(t)),
                    None => Err(format!("call failed without a trap: {e:#}")),
                }
            }
        }
    }

    fn get_global(&mut self, instance: InstanceId, name: &str) -> Result<Value, String> {
        let instance = self.instance(instance)?;
        let g = instance
            .get_global(&mut self.store, name)
            .ok_or_else(|| format!("no exported global `{name}`"))?;
        let v = g.get(&mut self.store);
        self.value_of(&v)
    }
}
