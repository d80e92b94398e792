//! Runtime objects: the [`Store`] owns every function, memory, table, global and instance;
//! the public handles ([`Func`], [`Memory`], ...) are indices into it, tagged with the id of
//! the store that made them.
//!
//! **Invariant:** every public function that takes a handle (or a [`Val::FuncRef`]) checks the
//! handle's store id against the store it is given before it touches an entity: fallible
//! functions return [`Error::WrongStore`] (or their own error type's equivalent); functions
//! without a `Result` panic (`Store::assert_owns`), as wasmtime's do, and each has a `try_`
//! form (`Memory::try_size`, `Func::try_ty`, ...) that returns [`Error::WrongStore`] instead.
//! So an index is only ever used with the store that issued it, where it is in range
//! (entities are never removed from a store).

mod checkpoint;
mod code;
mod context;
mod fuel;
pub(crate) mod gc;
mod hooks;
mod instantiate;
mod limits;
mod linker;
pub(crate) mod memory;
mod persist;
mod rebind;
mod resumable;
mod spill;
pub(crate) mod storage;
pub(crate) mod table;
mod tag;
pub(crate) mod trace;
mod typed;
mod zeroed;

pub use checkpoint::{CheckpointError, Checkpointer};
pub(crate) use code::forward_target;
pub(crate) use code::materialize as materialize_code;
pub use code::{CodeCacheStats, CodeStatus};
pub use code::{CodeLoadError, CodeSpillError};
pub use context::{AsContext, AsContextMut, StoreContext, StoreContextMut};
#[cfg(feature = "std")]
pub use fuel::Deadline;
pub use fuel::InterruptHandle;
pub use gc::GcHeapStats;
pub use hooks::HookAction;
pub use limits::{StoreLimits, DEFAULT_FRAME_STACK_BYTES, DEFAULT_VALUE_STACK_BYTES};
pub use linker::{InstancePre, Linker};
pub use memory::{MemoryOffloadError, PageWear, Residency};
pub use resumable::{ResumableCall, SuspendReason, SuspendedCall};
pub use storage::{StorageFailure, StoreStorage};
pub use tag::{ExnRef, Tag, DEFAULT_MAX_EXCEPTIONS};
pub use typed::{IntoFunc, TypedFunc, WasmParams, WasmResults, WasmRet, WasmTy};

use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::ops::Range;
use core::sync::atomic::{AtomicU32, Ordering};

use crate::config::{Engine, MemoryPolicy};
use crate::error::{Error, Trap, TrapCode};
use crate::exec::Stack;
use crate::microcode::Compiled;
use crate::module::{ExternKind, ModuleInner};
use crate::types::{FuncType, GlobalType, HeapType, MemoryType, TableType, ValType};
use crate::value::Val;
use memory::MemoryEntity;
use table::TableEntity;

/// A host function as stored (`Send + Sync`, as in wasmtime, so a store can move between
/// threads).
pub(crate) type HostFn<T> =
    Arc<dyn Fn(Caller<'_, T>, &[Val], &mut [Val]) -> Result<(), Trap> + Send + Sync>;

/// Whether a wasm function's microcode is in RAM.
#[derive(Debug, Clone)]
pub(crate) enum CodeState {
    Untranslated,
    Translated(crate::microcode::resident::Code),
    /// A *forwarder* (its body only passes its parameters on to a function of the same
    /// type) aliased to that function: store function `t`, a wasm function of the same
    /// instance and type, itself a forwarder only on a chain that ends within a few links.
    /// It holds no code of its own: entering it enters `t` (as a tail call would), `t`'s trap
    /// hook included (ARCHITECTURE.md, "Invariants": forwarders). Set only at instantiation;
    /// replaced by code installed for the function itself.
    Forward(u32),
}

#[derive(Debug)]
pub(crate) enum FuncKind {
    Wasm {
        instance: u32,
        def: u32,
        code: CodeState,
    },
    Host {
        host: u32,
    },
}

#[derive(Debug)]
pub(crate) struct FuncEntity {
    pub ty: FuncType,
    /// Store-wide canonical id of `ty` (for `call_indirect` checks).
    pub type_id: u32,
    pub kind: FuncKind,
    /// Run the store's trap hook before this function executes.
    pub trapped: bool,
    /// Set by every call; the code cache's second-chance eviction clears it (so it evicts
    /// functions not called since it last looked, the coldest first).
    pub referenced: bool,
}

#[derive(Debug)]
pub(crate) struct GlobalEntity {
    /// The value's bits (a scalar cell zero-extended, or a whole v128).
    pub value: u128,
    pub ty: GlobalType,
}

#[derive(Debug)]
pub(crate) struct DataEntity {
    pub bytes: crate::module::ModuleBytes,
    pub range: Range<usize>,
}

impl DataEntity {
    /// The segment's length (0 once dropped or applied).
    pub fn len(&self) -> usize {
        self.range.len()
    }
}

#[derive(Debug)]
pub(crate) struct InstanceEntity {
    pub module: Arc<ModuleInner>,
    pub funcs: Vec<u32>,
    pub tables: Vec<u32>,
    pub memories: Vec<u32>,
    pub globals: Vec<u32>,
    /// Store index of each of the module's tags (imported first).
    pub tags: Vec<u32>,
    /// Canonical type id of each module type index.
    pub types: Vec<u32>,
    pub elems: Vec<u32>,
    pub datas: Vec<u32>,
    /// The interpreter's callee table (`exec::Callees`): kept by `StoreInner::forget_callee`.
    pub callees: crate::exec::Callees,
    /// Instance function indices of the aliased forwarders (`CodeState::Forward`), whose
    /// callee-table entries `forget_callee` clears whenever any entry of the instance is.
    pub forwarders: alloc::boxed::Box<[u32]>,
}

/// Which store a handle belongs to. Ids are handed out from a process-wide counter starting
/// at 1 (0 is never a store's id); after 2^32 stores they repeat, so a handle kept across
/// four billion store creations could be taken for one of a new store (still only an index
/// checked against that store's entities, never an out-of-bounds access).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[doc(hidden)]
pub struct StoreId(u32);

impl StoreId {
    fn next() -> StoreId {
        static NEXT: AtomicU32 = AtomicU32::new(1);
        loop {
            let id = NEXT.fetch_add(1, Ordering::Relaxed);
            if id != 0 {
                return StoreId(id);
            }
        }
    }
}

/// Everything in a store that does not depend on the host data type.
#[derive(Debug, Default)]
pub(crate) struct StoreInner {
    /// The id every handle of this store carries.
    pub id: StoreId,
    pub funcs: Vec<FuncEntity>,
    pub memories: Vec<MemoryEntity>,
    pub tables: Vec<TableEntity>,
    pub globals: Vec<GlobalEntity>,
    /// Exception tags, and the exception objects `exnref` cells name (`tag.rs`).
    pub tags: Vec<tag::TagEntity>,
    pub exns: Vec<tag::ExnEntity>,
    pub instances: Vec<InstanceEntity>,
    pub elems: Vec<Vec<u64>>,
    pub datas: Vec<DataEntity>,
    /// Canonical type ids (`gc.rs`).
    pub types: gc::TypeRegistry,
    /// Structs and arrays (`gc.rs`).
    pub gc: gc::GcHeap,
    /// A reusable value stack for the outermost call.
    pub stack: Option<Stack>,
    /// Accounting and eviction of translated microcode.
    pub code_cache: code::CodeCache,
    /// The store's own storage and offload metrics, and its memory budget.
    pub offload: storage::OffloadState,
    /// The store's resource limits.
    pub limits: StoreLimits,
    /// Fuel left and the interrupt flag (`fuel.rs`).
    pub fuel: fuel::FuelState,
}

impl StoreInner {
    /// Clear function `f`'s entry in its instance's callee table (`exec::Callees`): called
    /// whenever `f`'s code, trap mark or referenced bit changes, so that the interpreter's
    /// direct calls never enter code the function no longer has, skip a trap hook, or keep
    /// the code cache from seeing calls (ARCHITECTURE.md, "Invariants": the callee table).
    pub fn forget_callee(&mut self, f: u32) {
        if let Some(FuncEntity {
            kind: FuncKind::Wasm { instance, def, .. },
            ..
        }) = self.funcs.get(f as usize)
        {
            let (instance, def) = (*instance, *def);
            if let Some(inst) = self.instances.get_mut(instance as usize) {
                let i = inst.module.num_imported_funcs + def;
                inst.callees.forget(i as usize);
                // A forwarder's entry is the code at the end of its chain: `f` may be on it.
                for &i in &inst.forwarders {
                    inst.callees.forget(i as usize);
                }
            }
        }
    }

    /// `memory.init`: `len` bytes at `src` of data segment `data` (a store index) into
    /// memory `mem` at `dst`. Both ranges are checked before any byte moves. The bytes of a
    /// module read from a source are read back from it a piece at a time; a piece that
    /// cannot be read is a [`TrapCode::MemoryUnavailable`] trap carrying the
    /// [`SourceError`](crate::SourceError)'s message (earlier pieces stay written).
    pub fn memory_init(
        &mut self,
        data: usize,
        mem: usize,
        dst: u64,
        src: u64,
        len: u64,
    ) -> Result<(), Trap> {
        let seg = &self.datas[data];
        if src.checked_add(len).is_none_or(|e| e > seg.len() as u64) {
            return Err(TrapCode::MemoryOutOfBounds.into());
        }
        let m = &mut self.memories[mem];
        if dst.checked_add(len).is_none_or(|e| e > m.byte_len()) {
            return Err(TrapCode::MemoryOutOfBounds.into());
        }
        // In bounds of the segment, so of `usize`.
        let start = seg.range.start + src as usize;
        let off = &mut self.offload;
        seg.bytes
            .for_each_piece(start..start + len as usize, |at, piece| {
                m.write(off, dst + at as u64, piece).map_err(Trap::from)
            })
    }

    /// A memory together with the offload state its slow paths need.
    pub fn memory_and_offload(
        &mut self,
        i: usize,
    ) -> (&mut MemoryEntity, &mut storage::OffloadState) {
        (&mut self.memories[i], &mut self.offload)
    }

    /// Create a memory of `ty` as the engine's config says (resident or paged, policy), named
    /// on storage by `fingerprint` and `index` (its store index).
    pub fn new_memory(
        &mut self,
        engine: &Engine,
        ty: MemoryType,
        fingerprint: memory::MemoryFingerprint,
        index: u32,
    ) -> Result<(), Error> {
        let config = &engine.config;
        if config.memory_paging.is_some() && self.offload.storage.is_none() {
            return Err(Error::NoStorage);
        }
        if config.memory_paging.is_some() && index > 0xff {
            // Page keys hold the memory's store index in 8 bits (`Key::page_index`).
            return Err(Error::Limit("a store can hold at most 256 paged memories"));
        }
        if !memory::page_size_ok(ty.page_size_log2) {
            return Err(Error::Type("memory page size must be 1 or 65,536 bytes"));
        }
        if ty.shared && ty.max.is_none() {
            return Err(Error::Type("a shared memory must have a maximum"));
        }
        let max_bytes = self.limits.memory_bytes(config.max_memory_pages);
        if ty.min > max_bytes >> ty.page_size_log2 {
            return Err(Error::Limit(
                "memory size over the engine's or store's limit",
            ));
        }
        let bytes = ty.min.saturating_mul(ty.page_size());
        if !self.offload.memory_budget.take(bytes) {
            return Err(Error::Limit("memories over the store's total limit"));
        }
        let Some(mut m) = MemoryEntity::new(ty, max_bytes, config.effective_paging()) else {
            self.offload.memory_budget.give_back(bytes);
            return Err(Error::Limit(
                "memory size: over a limit, or the host has no RAM for it",
            ));
        };
        m.policy = config.memory_policy;
        m.fingerprint = fingerprint;
        m.index = index;
        if self.memories.try_reserve(1).is_err() {
            self.offload.memory_budget.give_back(bytes);
            return Err(Error::Limit("no RAM for another memory"));
        }
        self.memories.push(m);
        Ok(())
    }

    pub fn type_id(&mut self, ty: &FuncType) -> u32 {
        self.types.func_id(ty)
    }
}

/// The panic message of a handle method without a `Result` given a handle of another store.
pub(crate) const WRONG_STORE: &str =
    "object used with the wrong store: the handle belongs to another fayasm::Store";

/// The value of a `try_` handle method, or the panic of its panicking form: their only error
/// is [`Error::WrongStore`].
#[track_caller]
pub(crate) fn or_wrong_store<R>(r: Result<R, Error>) -> R {
    match r {
        Ok(v) => v,
        Err(_) => panic!("{WRONG_STORE}"),
    }
}

/// Owns all runtime objects and the host's data `T`.
///
/// Every handle ([`Func`], [`Memory`], [`Table`], [`Global`], [`Instance`]) belongs to the
/// store that made it. Given a handle of another store, a method that returns a `Result`
/// returns [`Error::WrongStore`] (or its error type's `WrongStore`); one that does not (as in
/// wasmtime: [`Memory::data`], [`Memory::size`], [`Func::ty`], [`Instance::get_export`], ...)
/// panics, never answering for another entity, and has a `try_` form ([`Memory::try_data`],
/// [`Memory::try_size`], [`Func::try_ty`], [`Instance::try_get_export`], ...) returning the
/// error instead. [`Func::comes_from_same_store`] and its siblings check first.
pub struct Store<T> {
    pub(crate) inner: StoreInner,
    pub(crate) hosts: Vec<HostFn<T>>,
    pub(crate) trap_hook: Option<hooks::TrapHook<T>>,
    pub(crate) engine: Engine,
    data: T,
}

impl<T> core::fmt::Debug for Store<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Store")
            .field("funcs", &self.inner.funcs.len())
            .finish_non_exhaustive()
    }
}

impl<T: Default> Default for Store<T> {
    /// A store of a default [`Engine`] holding `T::default()` (as wasmtime's).
    fn default() -> Store<T> {
        Store::new(&Engine::default(), T::default())
    }
}

impl<T> Store<T> {
    /// A new, empty store holding `data`.
    #[cfg_attr(fayasm_optimize_size, optimize(size))]
    pub fn new(engine: &Engine, data: T) -> Store<T> {
        Store {
            inner: StoreInner {
                id: StoreId::next(),
                code_cache: code::CodeCache::new(&engine.config),
                ..StoreInner::default()
            },
            hosts: Vec::new(),
            trap_hook: None,
            engine: engine.clone(),
            data,
        }
    }

    /// The host data.
    pub fn data(&self) -> &T {
        &self.data
    }

    /// The host data, mutably.
    pub fn data_mut(&mut self) -> &mut T {
        &mut self.data
    }

    /// The engine this store belongs to.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// `Ok` if a handle with store id `id` belongs to this store.
    pub(crate) fn check(&self, id: StoreId) -> Result<(), Error> {
        self.inner.check(id)
    }

    /// Add host function `host` of type `ty`.
    pub(crate) fn add_host(&mut self, ty: FuncType, host: HostFn<T>) -> Func {
        let index = self.hosts.len() as u32;
        self.hosts.push(host);
        let type_id = self.inner.type_id(&ty);
        self.inner.funcs.push(FuncEntity {
            trapped: false,
            referenced: false,
            ty,
            type_id,
            kind: FuncKind::Host { host: index },
        });
        self.inner.func(self.inner.funcs.len() as u32 - 1)
    }

    /// Whether a handle with store id `id` belongs to this store.
    pub(crate) fn owns(&self, id: StoreId) -> bool {
        self.inner.id == id
    }

    /// Panics unless a handle with store id `id` belongs to this store: what the handle
    /// methods without a `Result` do with a handle of another store, as wasmtime's do.
    #[track_caller]
    pub(crate) fn assert_owns(&self, id: StoreId) {
        assert!(self.owns(id), "{WRONG_STORE}");
    }

    /// `Ok` if `v` is not a reference to another store's function.
    pub(crate) fn check_val(&self, v: &Val) -> Result<(), Error> {
        match v {
            Val::FuncRef(Some(f)) => self.check(f.1),
            Val::ExnRef(Some(e)) => self.check(e.1),
            _ => Ok(()),
        }
    }
}

impl StoreInner {
    /// Whether `v` is a value of type `ty` in this store: the same scalar type, or a
    /// reference of a subtype (null only where `ty` is nullable; a function of the concrete
    /// type's store id where `ty` names one). Whether a handle is of this store is
    /// [`Store::check_val`]'s business; a handle out of range here fits no concrete type.
    pub(crate) fn val_matches(&self, v: &Val, ty: ValType) -> bool {
        let Some(r) = ty.as_ref_type() else {
            return v.ty() == ty;
        };
        let heap = r.heap_type();
        let cell = v.to_cell();
        if cell == 0 {
            // Null: of any nullable type of its hierarchy.
            let top = match v {
                Val::FuncRef(_) => HeapType::Func,
                Val::ExternRef(_) => HeapType::Extern,
                Val::ExnRef(_) => HeapType::Exn,
                Val::AnyRef(_) => HeapType::Any,
                _ => return false,
            };
            return r.is_nullable() && heap.top() == top;
        }
        match (v, heap) {
            (Val::FuncRef(Some(_)), HeapType::Func)
            | (Val::ExternRef(Some(_)), HeapType::Extern) => true,
            (Val::ExnRef(Some(e)), HeapType::Exn) => (e.0 as usize) < self.exns.len(),
            (Val::FuncRef(Some(f)), HeapType::Concrete(id)) => self
                .funcs
                .get(f.0 as usize)
                .is_some_and(|e| self.types.is_subtype(e.type_id, id)),
            (Val::AnyRef(Some(a)), _) => self.any_matches(*a, heap),
            _ => false,
        }
    }

    /// Whether the non-null GC reference `a` is of heap type `heap`.
    fn any_matches(&self, a: crate::value::AnyRef, heap: HeapType) -> bool {
        let cell = Val::AnyRef(Some(a)).to_cell();
        let object = self.gc.type_of(cell);
        if a.is_object() && object.is_none() {
            // Names no object of this store.
            return false;
        }
        match heap {
            HeapType::Any => true,
            HeapType::I31 => a.as_i31().is_some(),
            HeapType::Eq => a.as_i31().is_some() || object.is_some(),
            HeapType::Struct => a.is_struct(),
            HeapType::Array => a.is_array(),
            HeapType::ConcreteStruct(id) | HeapType::ConcreteArray(id) => {
                object.is_some_and(|t| self.types.is_subtype(t, id))
            }
            _ => false,
        }
    }

    /// Whether a value of type `a` may be used where `b` is required, both in this store's
    /// type ids.
    pub(crate) fn val_type_matches(&self, a: ValType, b: ValType) -> bool {
        a.matches_with(b, |x, y| self.types.is_subtype(x, y))
    }

    /// `Ok` if a handle with store id `id` belongs to this store.
    pub(crate) fn check(&self, id: StoreId) -> Result<(), Error> {
        if self.id == id {
            Ok(())
        } else {
            Err(Error::WrongStore)
        }
    }

    /// The handle of function `index` of this store.
    pub(crate) fn func(&self, index: u32) -> Func {
        Func(index, self.id)
    }

    /// The handle of instance `index` of this store.
    pub(crate) fn instance(&self, index: u32) -> Instance {
        Instance(index, self.id)
    }
}

/// A function handle: an index into its store and the store's id (8 bytes). Used with
/// another store, fallible calls return [`Error::WrongStore`]; see each method for the
/// infallible ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Func(pub(crate) u32, pub(crate) StoreId);

/// A global handle (index and store id, as [`Func`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Global(pub(crate) u32, pub(crate) StoreId);

/// A linear memory handle (index and store id, as [`Func`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Memory(pub(crate) u32, pub(crate) StoreId);

/// A table handle (index and store id, as [`Func`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Table(pub(crate) u32, pub(crate) StoreId);

/// An instance handle (index and store id, as [`Func`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Instance(pub(crate) u32, pub(crate) StoreId);

/// Something that can be imported or exported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Extern {
    /// A function.
    Func(Func),
    /// A global.
    Global(Global),
    /// A memory.
    Memory(Memory),
    /// A table.
    Table(Table),
    /// An exception tag.
    Tag(Tag),
}

impl From<Func> for Extern {
    fn from(f: Func) -> Extern {
        Extern::Func(f)
    }
}
impl From<Global> for Extern {
    fn from(g: Global) -> Extern {
        Extern::Global(g)
    }
}
impl From<Memory> for Extern {
    fn from(m: Memory) -> Extern {
        Extern::Memory(m)
    }
}
impl From<Table> for Extern {
    fn from(t: Table) -> Extern {
        Extern::Table(t)
    }
}
impl From<Tag> for Extern {
    fn from(t: Tag) -> Extern {
        Extern::Tag(t)
    }
}

impl Extern {
    /// The function, if this is one.
    pub fn into_func(self) -> Option<Func> {
        if let Extern::Func(f) = self {
            Some(f)
        } else {
            None
        }
    }
    /// The global, if this is one.
    pub fn into_global(self) -> Option<Global> {
        if let Extern::Global(g) = self {
            Some(g)
        } else {
            None
        }
    }
    /// The memory, if this is one.
    pub fn into_memory(self) -> Option<Memory> {
        if let Extern::Memory(m) = self {
            Some(m)
        } else {
            None
        }
    }
    /// The table, if this is one.
    pub fn into_table(self) -> Option<Table> {
        if let Extern::Table(t) = self {
            Some(t)
        } else {
            None
        }
    }
    /// The tag, if this is one.
    pub fn into_tag(self) -> Option<Tag> {
        if let Extern::Tag(t) = self {
            Some(t)
        } else {
            None
        }
    }
}

/// What a host function sees of its caller.
pub struct Caller<'a, T> {
    pub(crate) store: &'a mut Store<T>,
    pub(crate) instance: Option<Instance>,
}

impl<T> core::fmt::Debug for Caller<'_, T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Caller")
            .field("instance", &self.instance)
            .finish_non_exhaustive()
    }
}

impl<T> Caller<'_, T> {
    /// The host data.
    pub fn data(&self) -> &T {
        self.store.data()
    }

    /// The host data, mutably.
    pub fn data_mut(&mut self) -> &mut T {
        self.store.data_mut()
    }

    /// The whole store.
    pub fn store(&mut self) -> &mut Store<T> {
        self.store
    }

    /// An export of the calling instance.
    pub fn get_export(&self, name: &str) -> Option<Extern> {
        self.instance?.get_export(&*self.store, name)
    }

    /// The calling instance's memory `index` (0 for the default memory).
    pub fn memory(&self, index: u32) -> Option<Memory> {
        self.instance?.memory_by_index(&*self.store, index)
    }
}

impl Func {
    /// Whether this function belongs to `store` (the methods without a `Result` panic if not).
    pub fn comes_from_same_store(&self, store: impl AsContext) -> bool {
        store.as_context().0.owns(self.1)
    }
    /// Wrap a host closure as a function of type `ty` (the untyped form of
    /// [`Func::wrap`]): it gets the arguments as [`Val`]s of the parameter types and writes
    /// `results` (as many as `ty` has; a value of the wrong type traps the caller).
    pub fn new<T: 'static>(
        mut store: impl AsContextMut<Data = T>,
        ty: FuncType,
        f: impl Fn(Caller<'_, T>, &[Val], &mut [Val]) -> Result<(), Trap> + Send + Sync + 'static,
    ) -> Func {
        store.as_context_mut().0.add_host(ty, Arc::new(f))
    }

    /// The function's signature.
    ///
    /// # Panics
    /// If the function belongs to another store (as in wasmtime);
    /// [`try_ty`](Func::try_ty) returns [`Error::WrongStore`] instead.
    #[track_caller]
    pub fn ty(&self, store: impl AsContext) -> FuncType {
        or_wrong_store(self.try_ty(store))
    }

    /// The function's signature; [`Error::WrongStore`] if it belongs to another store.
    pub fn try_ty(&self, store: impl AsContext) -> Result<FuncType, Error> {
        let store = store.as_context().0;
        store.check(self.1)?;
        Ok(store.inner.funcs[self.0 as usize].ty.clone())
    }

    /// Call the function. `results` must have room for exactly the function's results. A
    /// function or a `funcref` argument of another store is [`Error::WrongStore`].
    pub fn call(
        &self,
        mut store: impl AsContextMut,
        params: &[Val],
        results: &mut [Val],
    ) -> Result<(), Error> {
        let store = store.as_context_mut().0;
        store.check(self.1)?;
        for p in params {
            store.check_val(p)?;
        }
        crate::exec::call(store, *self, params, results)
    }

    /// Translate this function's microcode now (no-op for host functions or when present),
    /// and return a copy of it (the store keeps its own, in one block: `byte_size` tells its
    /// size).
    pub fn translate(&self, mut store: impl AsContextMut) -> Result<Option<Compiled>, Error> {
        let store = store.as_context_mut().0;
        store.check(self.1)?;
        match store.inner.funcs[self.0 as usize].kind {
            FuncKind::Host { .. } => Ok(None),
            FuncKind::Wasm { .. } => {
                materialize_code(&mut store.inner, self.0).map(|c| Some(c.get().to_compiled()))
            }
        }
    }
}

/// The `try_` forms of the [`Func`] methods defined next to the code cache and the trap hook,
/// which panic on a function of another store.
impl Func {
    /// Where this function's microcode is; [`Error::WrongStore`] if it belongs to another
    /// store.
    pub fn try_code_status<T>(&self, store: impl AsContext<Data = T>) -> Result<CodeStatus, Error> {
        let store = store.as_context();
        store.check(self.1)?;
        Ok(self.code_status(store))
    }

    /// [`evict_code`](Func::evict_code), or [`Error::WrongStore`] (and nothing is evicted) if
    /// the function belongs to another store.
    pub fn try_evict_code<T>(
        &self,
        mut store: impl AsContextMut<Data = T>,
    ) -> Result<usize, Error> {
        let store = store.as_context_mut();
        store.check(self.1)?;
        Ok(self.evict_code(store))
    }

    /// The storage key of this function's microcode (as [`code_key`](Func::code_key));
    /// [`Error::WrongStore`] if it belongs to another store.
    pub fn try_code_key<T>(
        &self,
        store: impl AsContext<Data = T>,
    ) -> Result<Option<crate::offload::Key>, Error> {
        let store = store.as_context();
        store.check(self.1)?;
        Ok(self.code_key(store))
    }
}

/// `Ok` if `params` fit the parameters of `ty` and `results` is its result count; otherwise
/// which parameter differs and both types.
pub(crate) fn check_args(
    store: &StoreInner,
    ty: &FuncType,
    params: &[Val],
    results: usize,
) -> Result<(), Error> {
    use crate::error::TypeMismatch;
    if params.len() != ty.params().len() {
        return Err(TypeMismatch::ParamCount {
            expected: ty.params().len(),
            found: params.len(),
        }
        .into());
    }
    if let Some((index, (p, &t))) = params
        .iter()
        .zip(ty.params())
        .enumerate()
        .find(|(_, (p, t))| !store.val_matches(p, **t))
    {
        return Err(TypeMismatch::Param {
            index,
            expected: t,
            found: p.ty(),
        }
        .into());
    }
    if results != ty.results().len() {
        return Err(TypeMismatch::ResultCount {
            expected: ty.results().len(),
            found: results,
        }
        .into());
    }
    Ok(())
}

/// `Ok` if `v` has type `ty` and, if it is a function reference, belongs to `store`.
fn check_val<T>(store: &Store<T>, ty: ValType, v: &Val) -> Result<(), Error> {
    if !store.inner.val_matches(v, ty) {
        return Err(Error::Type("value does not match the expected type"));
    }
    store.check_val(v)
}

impl Global {
    /// Whether this global belongs to `store` (the methods without a `Result` panic if not).
    pub fn comes_from_same_store(&self, store: impl AsContext) -> bool {
        store.as_context().0.owns(self.1)
    }
    /// A new host global.
    pub fn new(mut store: impl AsContextMut, ty: GlobalType, value: Val) -> Result<Global, Error> {
        let store = store.as_context_mut().0;
        check_val(store, ty.content, &value)?;
        store.inner.globals.push(GlobalEntity {
            value: value.to_bits128(),
            ty,
        });
        Ok(Global(store.inner.globals.len() as u32 - 1, store.inner.id))
    }

    /// Its type.
    ///
    /// # Panics
    /// If the global belongs to another store (as in wasmtime);
    /// [`try_ty`](Global::try_ty) returns [`Error::WrongStore`] instead.
    #[track_caller]
    pub fn ty(&self, store: impl AsContext) -> GlobalType {
        or_wrong_store(self.try_ty(store))
    }

    /// Its type; [`Error::WrongStore`] if it belongs to another store.
    pub fn try_ty(&self, store: impl AsContext) -> Result<GlobalType, Error> {
        let store = store.as_context().0;
        store.check(self.1)?;
        Ok(store.inner.globals[self.0 as usize].ty)
    }

    /// Its current value.
    ///
    /// # Panics
    /// If the global belongs to another store (as in wasmtime);
    /// [`try_get`](Global::try_get) returns [`Error::WrongStore`] instead.
    #[track_caller]
    pub fn get(&self, store: impl AsContext) -> Val {
        or_wrong_store(self.try_get(store))
    }

    /// Its current value; [`Error::WrongStore`] if it belongs to another store.
    pub fn try_get(&self, store: impl AsContext) -> Result<Val, Error> {
        let store = store.as_context().0;
        store.check(self.1)?;
        let g = &store.inner.globals[self.0 as usize];
        let v = Val::from_bits128(g.ty.content, g.value, store.inner.id);
        store.inner.gc.pin_val(&v);
        Ok(v)
    }

    /// Set its value (only mutable globals).
    pub fn set(&self, mut store: impl AsContextMut, value: Val) -> Result<(), Error> {
        let store = store.as_context_mut().0;
        store.check(self.1)?;
        let ty = store.inner.globals[self.0 as usize].ty;
        if !ty.mutable {
            return Err(Error::Type("global is immutable"));
        }
        check_val(store, ty.content, &value)?;
        store.inner.globals[self.0 as usize].value = value.to_bits128();
        Ok(())
    }
}

impl Memory {
    /// Whether this memory belongs to `store` (the methods without a `Result` panic if not).
    pub fn comes_from_same_store(&self, store: impl AsContext) -> bool {
        store.as_context().0.owns(self.1)
    }
    /// A new host memory (paged if the engine's config says so; its blobs are named with
    /// fingerprint 0 and the memory's store index).
    pub fn new(mut store: impl AsContextMut, ty: MemoryType) -> Result<Memory, Error> {
        let store = store.as_context_mut().0;
        let index = store.inner.memories.len() as u32;
        store.inner.new_memory(
            &store.engine,
            ty,
            memory::MemoryFingerprint::known(0),
            index,
        )?;
        Ok(Memory(index, store.inner.id))
    }

    /// Its type (with the current size as minimum).
    ///
    /// # Panics
    /// If the memory belongs to another store (as in wasmtime);
    /// [`try_ty`](Memory::try_ty) returns [`Error::WrongStore`] instead.
    #[track_caller]
    pub fn ty(&self, store: impl AsContext) -> MemoryType {
        or_wrong_store(self.try_ty(store))
    }

    /// Its type (with the current size as minimum); [`Error::WrongStore`] if it belongs to
    /// another store.
    pub fn try_ty(&self, store: impl AsContext) -> Result<MemoryType, Error> {
        let store = store.as_context().0;
        store.check(self.1)?;
        let m = &store.inner.memories[self.0 as usize];
        Ok(MemoryType {
            min: m.pages(),
            ..m.ty
        })
    }

    /// Its contents (as wasmtime's `Memory::data`).
    ///
    /// # Panics
    /// If the memory belongs to another store (as in wasmtime), or is spilled
    /// ([`Memory::spill`]) or paged
    /// ([`Config::memory_paging`](crate::Config::memory_paging)): it then has no contiguous
    /// bytes in RAM, and an empty slice would look like a valid empty memory. For such
    /// memories use [`try_data`](Memory::try_data), [`data_mut`](Memory::data_mut) (which
    /// reloads a spilled memory) or [`read`](Memory::read)/[`write`](Memory::write), which
    /// work whatever the residency.
    #[track_caller]
    pub fn data<'a, T: 'a>(&self, store: impl Into<StoreContext<'a, T>>) -> &'a [u8] {
        match self.try_data(store) {
            Ok(d) => d,
            Err(MemoryOffloadError::WrongStore) => panic!("Memory::data: {WRONG_STORE}"),
            Err(e) => panic!("Memory::data: {e}; use Memory::try_data or Memory::read"),
        }
    }

    /// Its contents if they are in RAM: [`MemoryOffloadError::NotResident`] for a spilled or
    /// paged memory, [`MemoryOffloadError::WrongStore`] for a memory of another store.
    pub fn try_data<'a, T: 'a>(
        &self,
        store: impl Into<StoreContext<'a, T>>,
    ) -> Result<&'a [u8], MemoryOffloadError> {
        let store = store.into().0;
        if !store.owns(self.1) {
            return Err(MemoryOffloadError::WrongStore);
        }
        let m = &store.inner.memories[self.0 as usize];
        match m.residency() {
            Residency::Resident => Ok(&m.data),
            _ => Err(MemoryOffloadError::NotResident),
        }
    }

    /// Its contents, mutably (as wasmtime's `Memory::data_mut`); a spilled memory is reloaded
    /// first.
    ///
    /// # Panics
    /// If the memory belongs to another store (as in wasmtime), is paged, or is spilled and
    /// cannot be reloaded (see [`try_data_mut`](Memory::try_data_mut), which returns the error
    /// instead).
    #[track_caller]
    pub fn data_mut<'a, T: 'a>(&self, store: impl Into<StoreContextMut<'a, T>>) -> &'a mut [u8] {
        match self.try_data_mut(store) {
            Ok(d) => d,
            Err(MemoryOffloadError::WrongStore) => panic!("Memory::data_mut: {WRONG_STORE}"),
            Err(e) => panic!("Memory::data_mut: {e}; use Memory::try_data_mut or Memory::write"),
        }
    }

    /// Its contents, mutably, reloading a spilled memory first: the reload's error if that
    /// fails, [`MemoryOffloadError::NotResident`] for a paged memory,
    /// [`MemoryOffloadError::WrongStore`] for a memory of another store.
    pub fn try_data_mut<'a, T: 'a>(
        &self,
        store: impl Into<StoreContextMut<'a, T>>,
    ) -> Result<&'a mut [u8], MemoryOffloadError> {
        let store = store.into().0;
        if !store.owns(self.1) {
            return Err(MemoryOffloadError::WrongStore);
        }
        let (m, off) = store.inner.memory_and_offload(self.0 as usize);
        m.reload(off)?;
        match m.residency() {
            Residency::Resident => Ok(&mut m.data),
            _ => Err(MemoryOffloadError::NotResident),
        }
    }

    /// Its contents and the store's host data together, for host functions that need both
    /// (the contents as for [`data_mut`](Memory::data_mut)).
    ///
    /// # Panics
    /// As [`data_mut`](Memory::data_mut); [`try_data_and_store_mut`](Memory::try_data_and_store_mut)
    /// returns the error instead.
    #[track_caller]
    pub fn data_and_store_mut<'a, T: 'a>(
        &self,
        store: impl Into<StoreContextMut<'a, T>>,
    ) -> (&'a mut [u8], &'a mut T) {
        match self.try_data_and_store_mut(store) {
            Ok(d) => d,
            Err(MemoryOffloadError::WrongStore) => {
                panic!("Memory::data_and_store_mut: {WRONG_STORE}")
            }
            Err(e) => panic!("Memory::data_and_store_mut: {e}; use Memory::try_data_and_store_mut"),
        }
    }

    /// Its contents and the store's host data together, as
    /// [`try_data_mut`](Memory::try_data_mut) (with the same errors) for the contents.
    pub fn try_data_and_store_mut<'a, T: 'a>(
        &self,
        store: impl Into<StoreContextMut<'a, T>>,
    ) -> Result<(&'a mut [u8], &'a mut T), MemoryOffloadError> {
        let store = store.into().0;
        if !store.owns(self.1) {
            return Err(MemoryOffloadError::WrongStore);
        }
        let (m, off) = store.inner.memory_and_offload(self.0 as usize);
        m.reload(off)?;
        if m.residency() != Residency::Resident {
            return Err(MemoryOffloadError::NotResident);
        }
        Ok((&mut m.data, &mut store.data))
    }

    /// Copy `buf.len()` bytes starting at `offset` out of the memory. Works whatever the
    /// memory's residency (a spilled memory is loaded back, a paged one pages in).
    pub fn read(
        &self,
        mut store: impl AsContextMut,
        offset: u64,
        buf: &mut [u8],
    ) -> Result<(), Error> {
        let store = store.as_context_mut().0;
        store.check(self.1)?;
        let (m, off) = store.inner.memory_and_offload(self.0 as usize);
        m.read(off, offset, buf).map_err(Error::from)
    }

    /// Copy `bytes` into the memory at `offset`. Works whatever the memory's residency.
    pub fn write(
        &self,
        mut store: impl AsContextMut,
        offset: u64,
        bytes: &[u8],
    ) -> Result<(), Error> {
        let store = store.as_context_mut().0;
        store.check(self.1)?;
        let (m, off) = store.inner.memory_and_offload(self.0 as usize);
        m.write(off, offset, bytes).map_err(Error::from)
    }

    /// Its size in pages.
    ///
    /// # Panics
    /// If the memory belongs to another store (as in wasmtime);
    /// [`try_size`](Memory::try_size) returns [`Error::WrongStore`] instead.
    #[track_caller]
    pub fn size(&self, store: impl AsContext) -> u64 {
        or_wrong_store(self.try_size(store))
    }

    /// Its size in pages; [`Error::WrongStore`] if it belongs to another store.
    pub fn try_size(&self, store: impl AsContext) -> Result<u64, Error> {
        let store = store.as_context().0;
        store.check(self.1)?;
        Ok(store.inner.memories[self.0 as usize].pages())
    }

    /// Its size in bytes (pages times the page size), whatever its residency.
    ///
    /// # Panics
    /// If the memory belongs to another store (as in wasmtime);
    /// [`try_data_size`](Memory::try_data_size) returns [`Error::WrongStore`] instead.
    #[track_caller]
    pub fn data_size(&self, store: impl AsContext) -> usize {
        or_wrong_store(self.try_data_size(store))
    }

    /// Its size in bytes, whatever its residency; [`Error::WrongStore`] if it belongs to
    /// another store.
    pub fn try_data_size(&self, store: impl AsContext) -> Result<usize, Error> {
        let store = store.as_context().0;
        store.check(self.1)?;
        let len = store.inner.memories[self.0 as usize].byte_len();
        Ok(usize::try_from(len).unwrap_or(usize::MAX))
    }

    /// Grow by `delta` pages, returning the old size.
    pub fn grow(&self, mut store: impl AsContextMut, delta: u64) -> Result<u64, Error> {
        let store = store.as_context_mut().0;
        store.check(self.1)?;
        let (m, off) = store.inner.memory_and_offload(self.0 as usize);
        m.grow(off, delta).ok_or(Error::Limit("memory size"))
    }

    /// Where its bytes are.
    ///
    /// # Panics
    /// If the memory belongs to another store;
    /// [`try_residency`](Memory::try_residency) returns [`Error::WrongStore`] instead.
    #[track_caller]
    pub fn residency(&self, store: impl AsContext) -> Residency {
        or_wrong_store(self.try_residency(store))
    }

    /// Where its bytes are; [`Error::WrongStore`] if it belongs to another store.
    pub fn try_residency(&self, store: impl AsContext) -> Result<Residency, Error> {
        let store = store.as_context().0;
        store.check(self.1)?;
        Ok(store.inner.memories[self.0 as usize].residency())
    }

    /// How a paged memory has worn its region on storage (slot write counts), when its pages
    /// are kept in one region ([`Storage::has_regions`](crate::offload::Storage::has_regions));
    /// `None` otherwise. [`Error::WrongStore`] if it belongs to another store.
    pub fn page_wear(&self, store: impl AsContext) -> Result<Option<PageWear>, Error> {
        let store = store.as_context().0;
        store.check(self.1)?;
        Ok(store.inner.memories[self.0 as usize].page_wear())
    }

    /// Write the whole memory to the store's storage ([`Store::set_storage`]) and release its
    /// RAM; the first access (or [`load`](Memory::load)) reads it back, checked by CRC, key and
    /// generation. A paged memory writes back its dirty pages and releases every frame.
    /// Returns the bytes written; spilling a spilled memory writes nothing.
    pub fn spill(&self, mut store: impl AsContextMut) -> Result<usize, MemoryOffloadError> {
        let store = store.as_context_mut().0;
        if !store.owns(self.1) {
            return Err(MemoryOffloadError::WrongStore);
        }
        let (m, off) = store.inner.memory_and_offload(self.0 as usize);
        m.spill(off)
    }

    /// Bring a spilled memory back into RAM now (a no-op for other memories). On failure it
    /// stays spilled and the error says why.
    pub fn load(&self, mut store: impl AsContextMut) -> Result<(), MemoryOffloadError> {
        let store = store.as_context_mut().0;
        if !store.owns(self.1) {
            return Err(MemoryOffloadError::WrongStore);
        }
        let (m, off) = store.inner.memory_and_offload(self.0 as usize);
        m.reload(off)
    }

    /// Write back the dirty pages of a paged memory (synced for a durable one).
    pub fn flush(&self, mut store: impl AsContextMut) -> Result<(), MemoryOffloadError> {
        let store = store.as_context_mut().0;
        if !store.owns(self.1) {
            return Err(MemoryOffloadError::WrongStore);
        }
        let (m, off) = store.inner.memory_and_offload(self.0 as usize);
        m.flush(off)
    }

    /// Its storage policy.
    ///
    /// # Panics
    /// If the memory belongs to another store;
    /// [`try_policy`](Memory::try_policy) returns [`Error::WrongStore`] instead.
    #[track_caller]
    pub fn policy(&self, store: impl AsContext) -> MemoryPolicy {
        or_wrong_store(self.try_policy(store))
    }

    /// Its storage policy; [`Error::WrongStore`] if it belongs to another store.
    pub fn try_policy(&self, store: impl AsContext) -> Result<MemoryPolicy, Error> {
        let store = store.as_context().0;
        store.check(self.1)?;
        Ok(store.inner.memories[self.0 as usize].policy)
    }

    /// Set its storage policy (applies to later spills and write-backs).
    ///
    /// # Panics
    /// If the memory belongs to another store;
    /// [`try_set_policy`](Memory::try_set_policy) returns [`Error::WrongStore`] instead.
    #[track_caller]
    pub fn set_policy(&self, store: impl AsContextMut, policy: MemoryPolicy) {
        or_wrong_store(self.try_set_policy(store, policy))
    }

    /// Set its storage policy; [`Error::WrongStore`] (and nothing changes) if it belongs to
    /// another store.
    pub fn try_set_policy(
        &self,
        mut store: impl AsContextMut,
        policy: MemoryPolicy,
    ) -> Result<(), Error> {
        let store = store.as_context_mut().0;
        store.check(self.1)?;
        store.inner.memories[self.0 as usize].policy = policy;
        Ok(())
    }
}

impl Table {
    /// Whether this table belongs to `store` (the methods without a `Result` panic if not).
    pub fn comes_from_same_store(&self, store: impl AsContext) -> bool {
        store.as_context().0.owns(self.1)
    }
    /// A new host table filled with `init`.
    pub fn new(mut store: impl AsContextMut, ty: TableType, init: Val) -> Result<Table, Error> {
        let store = store.as_context_mut().0;
        check_val(store, ty.element.into(), &init)?;
        let max = store
            .inner
            .limits
            .table_elements_max(store.engine.config.max_table_elements);
        let t = TableEntity::new(ty, init.to_cell(), max).ok_or(Error::Limit(
            "table size: over a limit, or the host has no RAM for it",
        ))?;
        store.inner.tables.push(t);
        Ok(Table(store.inner.tables.len() as u32 - 1, store.inner.id))
    }

    /// Its type (with the current size as minimum).
    ///
    /// # Panics
    /// If the table belongs to another store (as in wasmtime);
    /// [`try_ty`](Table::try_ty) returns [`Error::WrongStore`] instead.
    #[track_caller]
    pub fn ty(&self, store: impl AsContext) -> TableType {
        or_wrong_store(self.try_ty(store))
    }

    /// Its type (with the current size as minimum); [`Error::WrongStore`] if it belongs to
    /// another store.
    pub fn try_ty(&self, store: impl AsContext) -> Result<TableType, Error> {
        let store = store.as_context().0;
        store.check(self.1)?;
        let t = &store.inner.tables[self.0 as usize];
        Ok(TableType {
            min: t.size(),
            ..t.ty
        })
    }

    /// Its size.
    ///
    /// # Panics
    /// If the table belongs to another store (as in wasmtime);
    /// [`try_size`](Table::try_size) returns [`Error::WrongStore`] instead.
    #[track_caller]
    pub fn size(&self, store: impl AsContext) -> u64 {
        or_wrong_store(self.try_size(store))
    }

    /// Its size; [`Error::WrongStore`] if it belongs to another store.
    pub fn try_size(&self, store: impl AsContext) -> Result<u64, Error> {
        let store = store.as_context().0;
        store.check(self.1)?;
        Ok(store.inner.tables[self.0 as usize].size())
    }

    /// Element `index`, if in bounds.
    ///
    /// # Panics
    /// If the table belongs to another store (as in wasmtime);
    /// [`try_get`](Table::try_get) returns [`Error::WrongStore`] instead.
    #[track_caller]
    pub fn get(&self, store: impl AsContext, index: u64) -> Option<Val> {
        or_wrong_store(self.try_get(store, index))
    }

    /// Element `index` (`None` out of bounds); [`Error::WrongStore`] if the table belongs to
    /// another store.
    pub fn try_get(&self, store: impl AsContext, index: u64) -> Result<Option<Val>, Error> {
        let store = store.as_context().0;
        store.check(self.1)?;
        let t = &store.inner.tables[self.0 as usize];
        let v = t
            .get(index)
            .ok()
            .map(|c| Val::from_cell(t.ty.element.into(), c, store.inner.id));
        if let Some(v) = &v {
            store.inner.gc.pin_val(v);
        }
        Ok(v)
    }

    /// Set element `index`.
    pub fn set(&self, mut store: impl AsContextMut, index: u64, val: Val) -> Result<(), Error> {
        let store = store.as_context_mut().0;
        store.check(self.1)?;
        check_val(
            store,
            store.inner.tables[self.0 as usize].ty.element.into(),
            &val,
        )?;
        let t = &mut store.inner.tables[self.0 as usize];
        t.set(index, val.to_cell()).map_err(Error::from)
    }

    /// Grow by `delta` elements set to `init`, returning the old size.
    pub fn grow(&self, mut store: impl AsContextMut, delta: u64, init: Val) -> Result<u64, Error> {
        let store = store.as_context_mut().0;
        store.check(self.1)?;
        check_val(
            store,
            store.inner.tables[self.0 as usize].ty.element.into(),
            &init,
        )?;
        let t = &mut store.inner.tables[self.0 as usize];
        t.grow(delta, init.to_cell())
            .ok_or(Error::Limit("table size"))
    }
}

impl Instance {
    /// Instantiate `module` in `store` with `imports` given in the order the module declares
    /// its imports (as wasmtime's `Instance::new`), running its start function. A wrong
    /// number of imports is [`LinkError::ImportCount`](crate::LinkError::ImportCount); an
    /// import of the wrong kind or type, or of another store, fails as with a
    /// [`Linker`](crate::Linker).
    pub fn new<T>(
        mut store: impl AsContextMut<Data = T>,
        module: &crate::Module,
        imports: &[Extern],
    ) -> Result<Instance, Error> {
        let store = store.as_context_mut().0;
        let expected = module.imports().count();
        if imports.len() != expected {
            return Err(Error::Link(crate::LinkError::ImportCount {
                expected,
                found: imports.len(),
            }));
        }
        instantiate::instantiate(store, module, |i, _, _| imports.get(i).copied())
    }

    /// The instance's entity; [`Error::WrongStore`] if this handle belongs to another store.
    fn entity<'a, T>(&self, store: &'a Store<T>) -> Result<&'a InstanceEntity, Error> {
        store.check(self.1)?;
        // In range: the store issued this index (the ids match) and never removes instances.
        Ok(&store.inner.instances[self.0 as usize])
    }

    /// Whether this instance belongs to `store`.
    pub fn comes_from_same_store(&self, store: impl AsContext) -> bool {
        store.as_context().0.owns(self.1)
    }

    /// The export called `name`.
    ///
    /// # Panics
    /// This and the other getters of an instance panic if it belongs to another store (as in
    /// wasmtime); each has a `try_` form ([`try_get_export`](Instance::try_get_export), ...)
    /// that returns [`Error::WrongStore`] instead.
    #[track_caller]
    pub fn get_export(&self, store: impl AsContext, name: &str) -> Option<Extern> {
        or_wrong_store(self.try_get_export(store, name))
    }

    /// The export called `name`; [`Error::WrongStore`] if the instance belongs to another
    /// store.
    pub fn try_get_export(
        &self,
        store: impl AsContext,
        name: &str,
    ) -> Result<Option<Extern>, Error> {
        let store = store.as_context().0;
        let inst = self.entity(store)?;
        Ok(inst
            .module
            .exports
            .iter()
            .find(|e| e.name == name)
            .map(|e| export_extern(inst, store.inner.id, e.kind, e.index)))
    }

    /// All exports, in order.
    ///
    /// # Panics
    /// If the instance belongs to another store; [`try_exports`](Instance::try_exports)
    /// returns [`Error::WrongStore`] instead.
    #[track_caller]
    pub fn exports(&self, store: impl AsContext) -> Vec<(String, Extern)> {
        or_wrong_store(self.try_exports(store))
    }

    /// All exports, in order; [`Error::WrongStore`] if the instance belongs to another store.
    pub fn try_exports(&self, store: impl AsContext) -> Result<Vec<(String, Extern)>, Error> {
        let store = store.as_context().0;
        let inst = self.entity(store)?;
        Ok(inst
            .module
            .exports
            .iter()
            .map(|e| {
                (
                    e.name.clone(),
                    export_extern(inst, store.inner.id, e.kind, e.index),
                )
            })
            .collect())
    }

    /// The exported function `name`.
    ///
    /// # Panics
    /// If the instance belongs to another store; [`try_get_func`](Instance::try_get_func)
    /// returns [`Error::WrongStore`] instead.
    #[track_caller]
    pub fn get_func(&self, store: impl AsContext, name: &str) -> Option<Func> {
        or_wrong_store(self.try_get_func(store, name))
    }

    /// The exported function `name`; [`Error::WrongStore`] if the instance belongs to another
    /// store.
    pub fn try_get_func(&self, store: impl AsContext, name: &str) -> Result<Option<Func>, Error> {
        Ok(self
            .try_get_export(store, name)?
            .and_then(Extern::into_func))
    }

    /// The exported global `name`.
    ///
    /// # Panics
    /// If the instance belongs to another store; [`try_get_global`](Instance::try_get_global)
    /// returns [`Error::WrongStore`] instead.
    #[track_caller]
    pub fn get_global(&self, store: impl AsContext, name: &str) -> Option<Global> {
        or_wrong_store(self.try_get_global(store, name))
    }

    /// The exported global `name`; [`Error::WrongStore`] if the instance belongs to another
    /// store.
    pub fn try_get_global(
        &self,
        store: impl AsContext,
        name: &str,
    ) -> Result<Option<Global>, Error> {
        Ok(self
            .try_get_export(store, name)?
            .and_then(Extern::into_global))
    }

    /// The exported memory `name`.
    ///
    /// # Panics
    /// If the instance belongs to another store; [`try_get_memory`](Instance::try_get_memory)
    /// returns [`Error::WrongStore`] instead.
    #[track_caller]
    pub fn get_memory(&self, store: impl AsContext, name: &str) -> Option<Memory> {
        or_wrong_store(self.try_get_memory(store, name))
    }

    /// The exported memory `name`; [`Error::WrongStore`] if the instance belongs to another
    /// store.
    pub fn try_get_memory(
        &self,
        store: impl AsContext,
        name: &str,
    ) -> Result<Option<Memory>, Error> {
        Ok(self
            .try_get_export(store, name)?
            .and_then(Extern::into_memory))
    }

    /// The exported table `name`.
    ///
    /// # Panics
    /// If the instance belongs to another store; [`try_get_table`](Instance::try_get_table)
    /// returns [`Error::WrongStore`] instead.
    #[track_caller]
    pub fn get_table(&self, store: impl AsContext, name: &str) -> Option<Table> {
        or_wrong_store(self.try_get_table(store, name))
    }

    /// The exported table `name`; [`Error::WrongStore`] if the instance belongs to another
    /// store.
    pub fn try_get_table(&self, store: impl AsContext, name: &str) -> Result<Option<Table>, Error> {
        Ok(self
            .try_get_export(store, name)?
            .and_then(Extern::into_table))
    }

    /// The memory at module index `index` (imported or defined).
    ///
    /// # Panics
    /// If the instance belongs to another store;
    /// [`try_memory_by_index`](Instance::try_memory_by_index) returns [`Error::WrongStore`]
    /// instead.
    #[track_caller]
    pub fn memory_by_index(&self, store: impl AsContext, index: u32) -> Option<Memory> {
        or_wrong_store(self.try_memory_by_index(store, index))
    }

    /// The memory at module index `index`; [`Error::WrongStore`] if the instance belongs to
    /// another store.
    pub fn try_memory_by_index(
        &self,
        store: impl AsContext,
        index: u32,
    ) -> Result<Option<Memory>, Error> {
        let store = store.as_context().0;
        Ok(self
            .entity(store)?
            .memories
            .get(index as usize)
            .map(|&m| Memory(m, store.inner.id)))
    }

    /// The function at module index `index` (imported or defined).
    ///
    /// # Panics
    /// If the instance belongs to another store;
    /// [`try_func_by_index`](Instance::try_func_by_index) returns [`Error::WrongStore`]
    /// instead.
    #[track_caller]
    pub fn func_by_index(&self, store: impl AsContext, index: u32) -> Option<Func> {
        or_wrong_store(self.try_func_by_index(store, index))
    }

    /// The function at module index `index`; [`Error::WrongStore`] if the instance belongs to
    /// another store.
    pub fn try_func_by_index(
        &self,
        store: impl AsContext,
        index: u32,
    ) -> Result<Option<Func>, Error> {
        let store = store.as_context().0;
        Ok(self
            .entity(store)?
            .funcs
            .get(index as usize)
            .map(|&f| Func(f, store.inner.id)))
    }
}

fn export_extern(inst: &InstanceEntity, id: StoreId, kind: ExternKind, index: u32) -> Extern {
    let i = index as usize;
    match kind {
        ExternKind::Func => Extern::Func(Func(inst.funcs[i], id)),
        ExternKind::Table => Extern::Table(Table(inst.tables[i], id)),
        ExternKind::Memory => Extern::Memory(Memory(inst.memories[i], id)),
        ExternKind::Global => Extern::Global(Global(inst.globals[i], id)),
        ExternKind::Tag => Extern::Tag(Tag(inst.tags[i], id)),
    }
}

impl Extern {
    /// The id of the store this handle belongs to.
    pub(crate) fn store_id(&self) -> StoreId {
        match self {
            Extern::Func(f) => f.1,
            Extern::Global(g) => g.1,
            Extern::Memory(m) => m.1,
            Extern::Table(t) => t.1,
            Extern::Tag(t) => t.1,
        }
    }
}

// The runtime's error types as `std` errors (the crate's other error types are in error.rs).
#[cfg(feature = "std")]
impl std::error::Error for MemoryOffloadError {}
#[cfg(feature = "std")]
impl std::error::Error for StorageFailure {}
#[cfg(feature = "std")]
impl std::error::Error for CodeSpillError {
    /// The translation or storage error.
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            CodeSpillError::Translate(e) => Some(e),
            CodeSpillError::Offload(e) => Some(e),
            CodeSpillError::NoStorage | CodeSpillError::WrongStore => None,
        }
    }
}
#[cfg(feature = "std")]
impl<E: core::fmt::Debug + 'static> std::error::Error for CodeLoadError<E> {
    /// The storage, decoding or verification error.
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            CodeLoadError::Offload(e) => Some(e),
            CodeLoadError::Decode(e) => Some(e),
            CodeLoadError::Rejected(e) => Some(e),
        }
    }
}
