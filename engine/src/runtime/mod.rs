//! Runtime objects: the [`Store`] owns every function, memory, table, global and instance;
//! the public handles ([`Func`], [`Memory`], ...) are indices into it.

mod checkpoint;
mod code;
mod hooks;
mod instantiate;
mod linker;
pub(crate) mod memory;
pub(crate) mod offload;
mod rebind;
mod spill;
pub(crate) mod table;

pub use checkpoint::{CheckpointError, Checkpointer};
pub(crate) use code::materialize as materialize_code;
pub use code::CodeStatus;
pub use hooks::HookAction;
pub use linker::Linker;
pub use memory::{MemoryOffloadError, MemoryPolicy, Paging, Residency};
pub use offload::{StorageFailure, StoreStorage};
pub use spill::CodeLoadError;

use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::ops::Range;

use hashbrown::HashMap;

use crate::config::Engine;
use crate::error::{Error, Trap};
use crate::exec::Stack;
use crate::microcode::Compiled;
use crate::module::{ExternKind, ModuleInner};
use crate::types::{FuncType, GlobalType, MemoryType, TableType, ValType};
use crate::value::Val;
use memory::MemoryEntity;
use table::TableEntity;

/// A host function as stored.
pub(crate) type HostFn<T> = Arc<dyn Fn(Caller<'_, T>, &[Val], &mut [Val]) -> Result<(), Trap>>;

/// Whether a wasm function's microcode is in RAM.
#[derive(Debug, Clone)]
pub(crate) enum CodeState {
    Untranslated,
    Translated(Arc<Compiled>),
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
    pub bytes: Arc<[u8]>,
    pub range: Range<usize>,
}

impl DataEntity {
    pub fn bytes(&self) -> &[u8] {
        &self.bytes[self.range.clone()]
    }
}

#[derive(Debug)]
pub(crate) struct InstanceEntity {
    pub module: Arc<ModuleInner>,
    pub funcs: Vec<u32>,
    pub tables: Vec<u32>,
    pub memories: Vec<u32>,
    pub globals: Vec<u32>,
    /// Canonical type id of each module type index.
    pub types: Vec<u32>,
    pub elems: Vec<u32>,
    pub datas: Vec<u32>,
}

/// Everything in a store that does not depend on the host data type.
#[derive(Debug, Default)]
pub(crate) struct StoreInner {
    pub funcs: Vec<FuncEntity>,
    pub memories: Vec<MemoryEntity>,
    pub tables: Vec<TableEntity>,
    pub globals: Vec<GlobalEntity>,
    pub instances: Vec<InstanceEntity>,
    pub elems: Vec<Vec<u64>>,
    pub datas: Vec<DataEntity>,
    type_ids: HashMap<FuncType, u32>,
    /// A reusable value stack for the outermost call.
    pub stack: Option<Stack>,
    /// Accounting and eviction of translated microcode.
    pub code_cache: code::CodeCache,
    /// The store's own storage and offload metrics.
    pub offload: offload::OffloadState,
}

impl StoreInner {
    /// A memory together with the offload state its slow paths need.
    pub fn memory_and_offload(
        &mut self,
        i: usize,
    ) -> (&mut MemoryEntity, &mut offload::OffloadState) {
        (&mut self.memories[i], &mut self.offload)
    }

    /// Create a memory of `ty` as the engine's config says (resident or paged, policy), named
    /// on storage by `fingerprint` and `index` (its store index).
    pub fn new_memory(
        &mut self,
        engine: &Engine,
        ty: MemoryType,
        fingerprint: u64,
        index: u32,
    ) -> Result<(), Error> {
        let config = &engine.config;
        if config.memory_paging.is_some() && self.offload.storage.is_none() {
            return Err(Error::Limit(
                "paged memories need a storage: call Store::set_storage first",
            ));
        }
        if config.memory_paging.is_some() && index > 0xff {
            // Page keys hold the memory's store index in 8 bits (`Key::page_index`).
            return Err(Error::Limit("a store can hold at most 256 paged memories"));
        }
        let mut m = MemoryEntity::new(ty, config.max_memory_pages, config.effective_paging())
            .ok_or(Error::Limit("memory size"))?;
        m.policy = config.memory_policy;
        m.fingerprint = fingerprint;
        m.index = index;
        self.memories.push(m);
        Ok(())
    }

    pub fn type_id(&mut self, ty: &FuncType) -> u32 {
        let next = self.type_ids.len() as u32;
        *self.type_ids.entry(ty.clone()).or_insert(next)
    }
}

/// Owns all runtime objects and the host's data `T`.
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

impl<T> Store<T> {
    /// A new, empty store holding `data`.
    pub fn new(engine: &Engine, data: T) -> Store<T> {
        Store {
            inner: StoreInner {
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
}

/// A function handle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Func(pub(crate) u32);

/// A global handle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Global(pub(crate) u32);

/// A linear memory handle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Memory(pub(crate) u32);

/// A table handle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Table(pub(crate) u32);

/// An instance handle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Instance(pub(crate) u32);

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
        self.instance?.get_export(self.store, name)
    }

    /// The calling instance's memory `index` (0 for the default memory).
    pub fn memory(&self, index: u32) -> Option<Memory> {
        let inst = self.instance?;
        self.store.inner.instances[inst.0 as usize]
            .memories
            .get(index as usize)
            .map(|&m| Memory(m))
    }
}

impl Func {
    /// Wrap a host closure as a function of type `ty`.
    pub fn new<T>(
        store: &mut Store<T>,
        ty: FuncType,
        f: impl Fn(Caller<'_, T>, &[Val], &mut [Val]) -> Result<(), Trap> + 'static,
    ) -> Func {
        let host = store.hosts.len() as u32;
        store.hosts.push(Arc::new(f));
        let type_id = store.inner.type_id(&ty);
        store.inner.funcs.push(FuncEntity {
            trapped: false,
            referenced: false,
            ty,
            type_id,
            kind: FuncKind::Host { host },
        });
        Func(store.inner.funcs.len() as u32 - 1)
    }

    /// The function's signature.
    pub fn ty<T>(&self, store: &Store<T>) -> FuncType {
        store.inner.funcs[self.0 as usize].ty.clone()
    }

    /// Call the function. `results` must have room for exactly the function's results.
    pub fn call<T>(
        &self,
        store: &mut Store<T>,
        params: &[Val],
        results: &mut [Val],
    ) -> Result<(), Error> {
        crate::exec::call(store, *self, params, results)
    }

    /// Translate this function's microcode now (no-op for host functions or when present).
    pub fn translate<T>(&self, store: &mut Store<T>) -> Result<Option<Arc<Compiled>>, Error> {
        match store.inner.funcs[self.0 as usize].kind {
            FuncKind::Host { .. } => Ok(None),
            FuncKind::Wasm { .. } => crate::exec::compiled(&mut store.inner, self.0).map(Some),
        }
    }
}

fn check_val(ty: ValType, v: &Val) -> Result<(), Error> {
    if v.ty() == ty {
        Ok(())
    } else {
        Err(Error::Type("value does not match the expected type"))
    }
}

impl Global {
    /// A new host global.
    pub fn new<T>(store: &mut Store<T>, ty: GlobalType, value: Val) -> Result<Global, Error> {
        check_val(ty.content, &value)?;
        store.inner.globals.push(GlobalEntity {
            value: value.to_bits128(),
            ty,
        });
        Ok(Global(store.inner.globals.len() as u32 - 1))
    }

    /// Its type.
    pub fn ty<T>(&self, store: &Store<T>) -> GlobalType {
        store.inner.globals[self.0 as usize].ty
    }

    /// Its current value.
    pub fn get<T>(&self, store: &Store<T>) -> Val {
        let g = &store.inner.globals[self.0 as usize];
        Val::from_bits128(g.ty.content, g.value)
    }

    /// Set its value (only mutable globals).
    pub fn set<T>(&self, store: &mut Store<T>, value: Val) -> Result<(), Error> {
        let g = &mut store.inner.globals[self.0 as usize];
        if !g.ty.mutable {
            return Err(Error::Type("global is immutable"));
        }
        check_val(g.ty.content, &value)?;
        g.value = value.to_bits128();
        Ok(())
    }
}

impl Memory {
    /// A new host memory (paged if the engine's config says so; its blobs are named with
    /// fingerprint 0 and the memory's store index).
    pub fn new<T>(store: &mut Store<T>, ty: MemoryType) -> Result<Memory, Error> {
        let index = store.inner.memories.len() as u32;
        store.inner.new_memory(&store.engine, ty, 0, index)?;
        Ok(Memory(index))
    }

    /// Its type (with the current size as minimum).
    pub fn ty<T>(&self, store: &Store<T>) -> MemoryType {
        let m = &store.inner.memories[self.0 as usize];
        MemoryType {
            min: m.pages(),
            ..m.ty
        }
    }

    /// Its contents, if it is resident: a spilled or paged memory has no contiguous bytes in
    /// RAM and shows an empty slice here (use [`read`](Memory::read), or
    /// [`data_mut`](Memory::data_mut), which reloads a spilled memory).
    pub fn data<'a, T>(&self, store: &'a Store<T>) -> &'a [u8] {
        &store.inner.memories[self.0 as usize].data
    }

    /// Its contents, mutably. A spilled memory is reloaded first; if that fails, or the memory
    /// is paged, the slice is empty.
    pub fn data_mut<'a, T>(&self, store: &'a mut Store<T>) -> &'a mut [u8] {
        let (m, off) = store.inner.memory_and_offload(self.0 as usize);
        let _ = m.reload(off);
        &mut m.data
    }

    /// Its contents and the store's host data together, for host functions that need both
    /// (the contents as for [`data_mut`](Memory::data_mut)).
    pub fn data_and_store_mut<'a, T>(&self, store: &'a mut Store<T>) -> (&'a mut [u8], &'a mut T) {
        let (m, off) = store.inner.memory_and_offload(self.0 as usize);
        let _ = m.reload(off);
        (&mut m.data, &mut store.data)
    }

    /// Copy `buf.len()` bytes starting at `offset` out of the memory. Works whatever the
    /// memory's residency (a spilled memory is loaded back, a paged one pages in).
    pub fn read<T>(&self, store: &mut Store<T>, offset: u64, buf: &mut [u8]) -> Result<(), Error> {
        let (m, off) = store.inner.memory_and_offload(self.0 as usize);
        m.read(off, offset, buf).map_err(Error::from)
    }

    /// Copy `bytes` into the memory at `offset`. Works whatever the memory's residency.
    pub fn write<T>(&self, store: &mut Store<T>, offset: u64, bytes: &[u8]) -> Result<(), Error> {
        let (m, off) = store.inner.memory_and_offload(self.0 as usize);
        m.write(off, offset, bytes).map_err(Error::from)
    }

    /// Its size in pages.
    pub fn size<T>(&self, store: &Store<T>) -> u64 {
        store.inner.memories[self.0 as usize].pages()
    }

    /// Grow by `delta` pages, returning the old size.
    pub fn grow<T>(&self, store: &mut Store<T>, delta: u64) -> Result<u64, Error> {
        let (m, off) = store.inner.memory_and_offload(self.0 as usize);
        m.grow(off, delta).ok_or(Error::Limit("memory size"))
    }

    /// Where its bytes are.
    pub fn residency<T>(&self, store: &Store<T>) -> Residency {
        store.inner.memories[self.0 as usize].residency()
    }

    /// Write the whole memory to the store's storage ([`Store::set_storage`]) and release its
    /// RAM; the first access (or [`load`](Memory::load)) reads it back, checked by CRC, key and
    /// generation. A paged memory writes back its dirty pages and releases every frame.
    /// Returns the bytes written; spilling a spilled memory writes nothing.
    pub fn spill<T>(&self, store: &mut Store<T>) -> Result<usize, MemoryOffloadError> {
        let (m, off) = store.inner.memory_and_offload(self.0 as usize);
        m.spill(off)
    }

    /// Bring a spilled memory back into RAM now (a no-op for other memories). On failure it
    /// stays spilled and the error says why.
    pub fn load<T>(&self, store: &mut Store<T>) -> Result<(), MemoryOffloadError> {
        let (m, off) = store.inner.memory_and_offload(self.0 as usize);
        m.reload(off)
    }

    /// Write back the dirty pages of a paged memory (synced for a durable one).
    pub fn flush<T>(&self, store: &mut Store<T>) -> Result<(), MemoryOffloadError> {
        let (m, off) = store.inner.memory_and_offload(self.0 as usize);
        m.flush(off)
    }

    /// Its storage policy.
    pub fn policy<T>(&self, store: &Store<T>) -> MemoryPolicy {
        store.inner.memories[self.0 as usize].policy
    }

    /// Set its storage policy (applies to later spills and write-backs).
    pub fn set_policy<T>(&self, store: &mut Store<T>, policy: MemoryPolicy) {
        store.inner.memories[self.0 as usize].policy = policy;
    }
}

impl Table {
    /// A new host table filled with `init`.
    pub fn new<T>(store: &mut Store<T>, ty: TableType, init: Val) -> Result<Table, Error> {
        check_val(ty.element.into(), &init)?;
        let t = TableEntity::new(ty, init.to_cell(), store.engine.config.max_table_elements)
            .ok_or(Error::Limit("table size"))?;
        store.inner.tables.push(t);
        Ok(Table(store.inner.tables.len() as u32 - 1))
    }

    /// Its type (with the current size as minimum).
    pub fn ty<T>(&self, store: &Store<T>) -> TableType {
        let t = &store.inner.tables[self.0 as usize];
        TableType {
            min: t.size(),
            ..t.ty
        }
    }

    /// Its size.
    pub fn size<T>(&self, store: &Store<T>) -> u64 {
        store.inner.tables[self.0 as usize].size()
    }

    /// Element `index`, if in bounds.
    pub fn get<T>(&self, store: &Store<T>, index: u64) -> Option<Val> {
        let t = &store.inner.tables[self.0 as usize];
        t.get(index)
            .ok()
            .map(|c| Val::from_cell(t.ty.element.into(), c))
    }

    /// Set element `index`.
    pub fn set<T>(&self, store: &mut Store<T>, index: u64, val: Val) -> Result<(), Error> {
        let t = &mut store.inner.tables[self.0 as usize];
        check_val(t.ty.element.into(), &val)?;
        t.set(index, val.to_cell()).map_err(Error::from)
    }

    /// Grow by `delta` elements set to `init`, returning the old size.
    pub fn grow<T>(&self, store: &mut Store<T>, delta: u64, init: Val) -> Result<u64, Error> {
        let t = &mut store.inner.tables[self.0 as usize];
        check_val(t.ty.element.into(), &init)?;
        t.grow(delta, init.to_cell())
            .ok_or(Error::Limit("table size"))
    }
}

impl Instance {
    /// The export called `name`.
    pub fn get_export<T>(&self, store: &Store<T>, name: &str) -> Option<Extern> {
        let inst = &store.inner.instances[self.0 as usize];
        let e = inst.module.exports.iter().find(|e| e.name == name)?;
        Some(export_extern(inst, e.kind, e.index))
    }

    /// All exports, in order.
    pub fn exports<T>(&self, store: &Store<T>) -> Vec<(String, Extern)> {
        let inst = &store.inner.instances[self.0 as usize];
        inst.module
            .exports
            .iter()
            .map(|e| (e.name.clone(), export_extern(inst, e.kind, e.index)))
            .collect()
    }

    /// The exported function `name`.
    pub fn get_func<T>(&self, store: &Store<T>, name: &str) -> Option<Func> {
        self.get_export(store, name)?.into_func()
    }

    /// The exported global `name`.
    pub fn get_global<T>(&self, store: &Store<T>, name: &str) -> Option<Global> {
        self.get_export(store, name)?.into_global()
    }

    /// The exported memory `name`.
    pub fn get_memory<T>(&self, store: &Store<T>, name: &str) -> Option<Memory> {
        self.get_export(store, name)?.into_memory()
    }

    /// The exported table `name`.
    pub fn get_table<T>(&self, store: &Store<T>, name: &str) -> Option<Table> {
        self.get_export(store, name)?.into_table()
    }

    /// The memory at module index `index` (imported or defined).
    pub fn memory_by_index<T>(&self, store: &Store<T>, index: u32) -> Option<Memory> {
        store.inner.instances[self.0 as usize]
            .memories
            .get(index as usize)
            .map(|&m| Memory(m))
    }

    /// The function at module index `index` (imported or defined).
    pub fn func_by_index<T>(&self, store: &Store<T>, index: u32) -> Option<Func> {
        store.inner.instances[self.0 as usize]
            .funcs
            .get(index as usize)
            .map(|&f| Func(f))
    }
}

fn export_extern(inst: &InstanceEntity, kind: ExternKind, index: u32) -> Extern {
    let i = index as usize;
    match kind {
        ExternKind::Func => Extern::Func(Func(inst.funcs[i])),
        ExternKind::Table => Extern::Table(Table(inst.tables[i])),
        ExternKind::Memory => Extern::Memory(Memory(inst.memories[i])),
        ExternKind::Global => Extern::Global(Global(inst.globals[i])),
    }
}
