//! Instantiation: resolve imports, allocate entities, initialise segments, run start.

use alloc::vec::Vec;

use super::table::TableEntity;
use super::{
    CodeState, DataEntity, Extern, FuncEntity, FuncKind, GlobalEntity, Instance, InstanceEntity,
    Store,
};
use crate::error::{Error, LinkError};
use crate::module::{DataMode, ElemMode, ExternKind, Module, ModuleInner};
use crate::types::limits_match;

fn incompatible(module: &str, name: &str, reason: &'static str) -> Error {
    Error::Link(LinkError::Incompatible {
        module: module.into(),
        name: name.into(),
        reason,
    })
}

/// The longest chain of forwarders followed to its end (`f` forwarding to `g` forwarding to
/// `h`... is two links); a longer one, or a cycle, leaves its forwarders unaliased.
const MAX_FORWARD_LINKS: u32 = 8;

/// Make each forwarder of `m` (in `inst`, whose functions `funcs` holds) whose callee has its
/// store type id (the same canonical type; a subtype is not enough) an alias of its callee,
/// `CodeState::Forward`, when the chain of such forwarders from it ends (at a function that is
/// not one) within [`MAX_FORWARD_LINKS`] links. A chain that does not (a cycle: `f` calls `g`
/// calls `f`, both forwarders) leaves its forwarders translated as they are. So every chain
/// of `Forward` states ends, at a function with code of its own.
/// Returns the instance function indices of the forwarders aliased.
fn alias_forwarders(
    funcs: &mut [FuncEntity],
    inst: &InstanceEntity,
    m: &ModuleInner,
) -> alloc::boxed::Box<[u32]> {
    let type_of = |index: u32| funcs[inst.funcs[index as usize] as usize].type_id;
    let link = |index: u32| {
        let def = index.checked_sub(m.num_imported_funcs)?;
        let at = m.forwards.binary_search_by_key(&def, |&(d, _)| d).ok()?;
        let callee = m.forwards[at].1;
        (type_of(index) == type_of(callee)).then_some(callee)
    };
    let mut aliases = Vec::new();
    for &(def, _) in &m.forwards {
        let index = m.num_imported_funcs + def;
        let (mut end, mut links) = (index, 0);
        while let Some(next) = link(end) {
            if links == MAX_FORWARD_LINKS {
                links = 0;
                break;
            }
            (end, links) = (next, links + 1);
        }
        if links > 0 {
            // The next function on the chain: a forwarder on it is entered as a call of
            // its own (its trap hook), and code installed for it is what runs.
            let next = link(index).unwrap_or(end);
            aliases.push((index, inst.funcs[next as usize]));
        }
    }
    for &(index, target) in &aliases {
        let f = inst.funcs[index as usize];
        if let FuncKind::Wasm { code, .. } = &mut funcs[f as usize].kind {
            *code = CodeState::Forward(target);
        }
    }
    aliases.into_iter().map(|(index, _)| index).collect()
}

#[cfg_attr(fayasm_optimize_size, optimize(size))]
pub(crate) fn instantiate<T>(
    store: &mut Store<T>,
    module: &Module,
    resolve: impl Fn(usize, &str, &str) -> Option<Extern>,
) -> Result<Instance, Error> {
    let m = module.inner.clone();
    let config = store.engine.config.clone();
    if !store
        .inner
        .limits
        .instance_fits(store.inner.instances.len())
    {
        return Err(Error::Limit("instances over the store's limit"));
    }
    let inst_idx = store.inner.instances.len() as u32;
    let mut inst = InstanceEntity {
        module: m.clone(),
        funcs: Vec::with_capacity(m.funcs.len()),
        tables: Vec::with_capacity(m.tables.len()),
        memories: Vec::with_capacity(m.memories.len()),
        globals: Vec::with_capacity(m.globals.len()),
        tags: Vec::with_capacity(m.tags.len()),
        types: Vec::with_capacity(m.types.len()),
        elems: Vec::with_capacity(m.elems.len()),
        datas: Vec::with_capacity(m.datas.len()),
        callees: crate::exec::Callees::new(m.funcs.len()),
        forwarders: Default::default(),
    };

    // Types first: their store ids, in order (a type names only earlier types, so each
    // one's concrete references are already canonical when it is registered). Module
    // types with concrete references are compared in the store's ids from here on.
    if m.defs.is_empty() {
        for ty in &m.types {
            let canonical = ty.map_concrete(|j| inst.types[j as usize]);
            inst.types.push(store.inner.type_id(&canonical));
        }
    } else {
        // GC types: a recursion group at a time, keyed with the indices inside the group
        // relative to it (`runtime/gc.rs`).
        while let Some(d) = m.defs.get(inst.types.len()) {
            let (start, len) = (d.rec_start, d.rec_len);
            let group = &m.defs[start as usize..(start + len) as usize];
            let key = group
                .iter()
                .map(|d| {
                    d.sub.map_concrete(|j| {
                        if j < start {
                            inst.types[j as usize]
                        } else {
                            crate::types::SubType::REC | (j - start)
                        }
                    })
                })
                .collect();
            let first = store.inner.types.group_id(key);
            inst.types.extend(first..first + len);
        }
    }
    let types = inst.types.clone();
    let canon = |j: u32| types[j as usize];

    // 1. Imports.
    for (position, imp) in m.imports.iter().enumerate() {
        let ext = resolve(position, &imp.module, &imp.name).ok_or_else(|| {
            Error::Link(LinkError::Missing {
                module: imp.module.clone(),
                name: imp.name.clone(),
            })
        })?;
        store.check(ext.store_id())?;
        let i = imp.index as usize;
        match (imp.kind, ext) {
            (ExternKind::Func, Extern::Func(f)) => {
                let want = inst.types[m.funcs[imp.index as usize] as usize];
                let have = store.inner.funcs[f.0 as usize].type_id;
                if !store.inner.types.is_subtype(have, want) {
                    return Err(incompatible(
                        &imp.module,
                        &imp.name,
                        "function signature differs",
                    ));
                }
                inst.funcs.push(f.0);
            }
            (ExternKind::Global, Extern::Global(g)) => {
                let actual = store.inner.globals[g.0 as usize].ty;
                let want = m.globals[i].map_concrete(canon);
                let fits = actual.mutable == want.mutable
                    && if actual.mutable {
                        actual.content == want.content
                    } else {
                        store.inner.val_type_matches(actual.content, want.content)
                    };
                if !fits {
                    return Err(incompatible(&imp.module, &imp.name, "global type differs"));
                }
                inst.globals.push(g.0);
            }
            (ExternKind::Memory, Extern::Memory(mem)) => {
                let e = &store.inner.memories[mem.0 as usize];
                let want = m.memories[i];
                if e.ty.shared != want.shared {
                    return Err(incompatible(
                        &imp.module,
                        &imp.name,
                        "memory sharing differs",
                    ));
                }
                if e.ty.memory64 != want.memory64
                    || e.ty.page_size_log2 != want.page_size_log2
                    || !limits_match(e.pages(), e.ty.max, want.min, want.max)
                {
                    return Err(incompatible(
                        &imp.module,
                        &imp.name,
                        "memory limits do not fit",
                    ));
                }
                inst.memories.push(mem.0);
            }
            (ExternKind::Table, Extern::Table(t)) => {
                let e = &store.inner.tables[t.0 as usize];
                let want = m.tables[i].map_concrete(canon);
                if e.ty.element != want.element
                    || e.ty.table64 != want.table64
                    || !limits_match(e.size(), e.ty.max, want.min, want.max)
                {
                    return Err(incompatible(
                        &imp.module,
                        &imp.name,
                        "table type does not fit",
                    ));
                }
                inst.tables.push(t.0);
            }
            (ExternKind::Tag, Extern::Tag(t)) => {
                // Tag types are exact: the same canonical function type.
                let want = inst.types[m.tags[i] as usize];
                if store.inner.tags[t.0 as usize].type_id != want {
                    return Err(incompatible(&imp.module, &imp.name, "tag type differs"));
                }
                inst.tags.push(t.0);
            }
            _ => {
                return Err(incompatible(
                    &imp.module,
                    &imp.name,
                    "kind of import differs",
                ))
            }
        }
    }

    // 2. Functions, tables, memories.
    for def in 0..m.bodies.len() as u32 {
        let index = m.num_imported_funcs + def;
        let ty = m.func_type(index).map_concrete(canon);
        let type_id = inst.types[m.funcs[index as usize] as usize];
        store.inner.funcs.push(FuncEntity {
            trapped: false,
            referenced: false,
            ty,
            type_id,
            kind: FuncKind::Wasm {
                instance: inst_idx,
                def,
                code: CodeState::Untranslated,
            },
        });
        inst.funcs.push(store.inner.funcs.len() as u32 - 1);
    }
    // Forwarders take their final callee's code, unless the code meters fuel or interruption
    // (a forwarder's own entry check has a cost).
    if !m.forwards.is_empty() && !m.metering.any() {
        inst.forwarders = alias_forwarders(&mut store.inner.funcs, &inst, &m);
    }
    let max_elements = store
        .inner
        .limits
        .table_elements_max(config.max_table_elements);
    for (k, ty) in m.tables[m.num_imported_tables as usize..]
        .iter()
        .enumerate()
    {
        // An initialiser may read imported globals (the only ones so far) and name functions.
        let init = match m.table_inits.get(k).and_then(|e| e.as_ref()) {
            None => 0,
            Some(e) => {
                let limit = config.gc_heap_bytes;
                let inner = &mut store.inner;
                let (globals, heap, types) = (&inner.globals, &mut inner.gc, &inner.types);
                e.eval_gc(
                    |g| globals[inst.globals[g as usize] as usize].value,
                    |f| inst.funcs[f as usize] as u64 + 1,
                    &mut |new, stack| {
                        super::gc::const_new(heap, types, limit, &inst.types, new, stack)
                    },
                )
                .map_err(|t| Error::Trap(t.into()))? as u64
            }
        };
        let t = TableEntity::new(ty.map_concrete(canon), init, max_elements).ok_or(
            Error::Limit("table size: over a limit, or the host has no RAM for it"),
        )?;
        store.inner.tables.push(t);
        inst.tables.push(store.inner.tables.len() as u32 - 1);
    }
    for ty in &m.memories[m.num_imported_memories as usize..] {
        let index = store.inner.memories.len() as u32;
        let engine = store.engine.clone();
        let fingerprint = crate::runtime::memory::MemoryFingerprint::of(&m);
        store.inner.new_memory(&engine, *ty, fingerprint, index)?;
        inst.memories.push(index);
    }

    for &ty in &m.tags[m.num_imported_tags as usize..] {
        let tag = crate::types::TagType::from_func_type(m.types[ty as usize].map_concrete(canon));
        let tag = store.inner.add_tag_of(tag, inst.types[ty as usize]);
        inst.tags.push(tag.0);
    }

    // 3. Globals, in order (an initialiser may read earlier globals).
    for (k, init) in m.global_inits.iter().enumerate() {
        let ty = m.globals[m.num_imported_globals as usize + k].map_concrete(canon);
        let value = {
            let limit = config.gc_heap_bytes;
            let inner = &mut store.inner;
            let (globals, heap, types) = (&inner.globals, &mut inner.gc, &inner.types);
            init.eval_gc(
                |g| globals[inst.globals[g as usize] as usize].value,
                |f| inst.funcs[f as usize] as u64 + 1,
                &mut |new, stack| super::gc::const_new(heap, types, limit, &inst.types, new, stack),
            )
            .map_err(|t| Error::Trap(t.into()))?
        };
        store.inner.globals.push(GlobalEntity { value, ty });
        inst.globals.push(store.inner.globals.len() as u32 - 1);
    }

    // 4. Segments.
    for seg in &m.elems {
        let items: Vec<u64> = {
            let limit = config.gc_heap_bytes;
            let inner = &mut store.inner;
            let (globals, heap, types) = (&inner.globals, &mut inner.gc, &inner.types);
            seg.items
                .iter()
                .map(|e| {
                    e.eval_gc(
                        |g| globals[inst.globals[g as usize] as usize].value,
                        |f| inst.funcs[f as usize] as u64 + 1,
                        &mut |new, stack| {
                            super::gc::const_new(heap, types, limit, &inst.types, new, stack)
                        },
                    )
                    .map(|v| v as u64)
                })
                .collect::<Result<_, _>>()
                .map_err(|t| Error::Trap(t.into()))?
        };
        store.inner.elems.push(items);
        inst.elems.push(store.inner.elems.len() as u32 - 1);
    }
    for seg in &m.datas {
        // A module read from a source: a segment is read back in pieces when it is applied
        // (an active one below, a passive one by `memory.init`), never held whole.
        store.inner.datas.push(DataEntity {
            bytes: m.bytes.clone(),
            range: seg.range.clone(),
        });
        inst.datas.push(store.inner.datas.len() as u32 - 1);
    }

    let eval_offset = |store: &Store<T>, inst: &InstanceEntity, e: &crate::module::ConstExpr| {
        e.eval(
            |g| store.inner.globals[inst.globals[g as usize] as usize].value,
            |f| inst.funcs[f as usize] as u64 + 1,
        ) as u64
    };

    store.inner.instances.push(inst);
    let inst = &store.inner.instances[inst_idx as usize];
    let (elems, datas, tables, memories) = (
        inst.elems.clone(),
        inst.datas.clone(),
        inst.tables.clone(),
        inst.memories.clone(),
    );

    if config.prescan {
        // What `Module::new` translated as it validated (the first instantiation only).
        let mut ready = m.take_prescanned();
        let funcs = store.inner.instances[inst_idx as usize].funcs.clone();
        for f in funcs {
            if let FuncKind::Wasm {
                instance,
                def,
                ref code,
            } = store.inner.funcs[f as usize].kind
            {
                // A forwarder runs its target's code: its own translation is dropped.
                let forward = matches!(code, CodeState::Forward(_));
                if instance == inst_idx && !forward {
                    match ready.get_mut(def as usize).and_then(Option::take) {
                        Some(code) => super::code::install_translated(&mut store.inner, f, code)?,
                        None => {
                            super::materialize_code(&mut store.inner, f)?;
                        }
                    }
                }
            }
        }
    }

    // 5. Active element segments, then active data segments, in order.
    for (k, seg) in m.elems.iter().enumerate() {
        match &seg.mode {
            ElemMode::Active { table, offset } => {
                let start = eval_offset(store, &store.inner.instances[inst_idx as usize], offset);
                let start = if m.tables[*table as usize].table64 {
                    start
                } else {
                    start as u32 as u64
                };
                let elem = elems[k] as usize;
                let n = store.inner.elems[elem].len() as u64;
                let t = &mut store.inner.tables[tables[*table as usize] as usize];
                let r = t.range(start, n).map_err(Error::from)?;
                t.elems[r].copy_from_slice(&store.inner.elems[elem]);
                store.inner.elems[elem] = Vec::new();
            }
            ElemMode::Declared => store.inner.elems[elems[k] as usize] = Vec::new(),
            ElemMode::Passive => {}
        }
    }
    for (k, seg) in m.datas.iter().enumerate() {
        if let DataMode::Active { memory, offset } = &seg.mode {
            let start = eval_offset(store, &store.inner.instances[inst_idx as usize], offset);
            let start = if m.memories[*memory as usize].memory64 {
                start
            } else {
                start as u32 as u64
            };
            let data = datas[k] as usize;
            let bytes = store.inner.datas[data].bytes.clone();
            let range = store.inner.datas[data].range.clone();
            let (mem, off) = store
                .inner
                .memory_and_offload(memories[*memory as usize] as usize);
            // Bounds first: a segment that does not fit writes nothing, even in pieces.
            if start
                .checked_add(range.len() as u64)
                .is_none_or(|end| end > mem.byte_len())
            {
                return Err(Error::from(crate::error::TrapCode::MemoryOutOfBounds));
            }
            bytes.for_each_piece(range, |at, piece| {
                mem.write(off, start + at as u64, piece)
                    .map_err(Error::from)
            })?;
            store.inner.datas[data].range = 0..0;
        }
    }

    // 6. Start function.
    if let Some(start) = m.start {
        let f = store
            .inner
            .func(store.inner.instances[inst_idx as usize].funcs[start as usize]);
        f.call(&mut *store, &[], &mut [])?;
    }
    Ok(store.inner.instance(inst_idx))
}
