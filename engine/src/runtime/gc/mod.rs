//! GC's store side: the store's canonical types (recursion groups, declared subtypes) and
//! its heap of structs and arrays.
//!
//! Every defined type a store sees gets a canonical id (`u32`): a module's types when it is
//! instantiated, a host function's or tag's type when it is made. Two types have one id
//! exactly when they are the same type in WebAssembly 3.0's sense: their recursion groups
//! are structurally equal, with the types they name outside the group compared by id and
//! those inside by position in the group. A plain function type (final, no supertype, a
//! group of its own naming no type of its group: every type of a module without GC) is
//! keyed by its [`FuncType`] alone, so a store without GC types keeps exactly one map entry
//! per function type and nothing else.
//!
//! The heap and its collector are in `heap.rs`.

#[cfg(feature = "gc")]
mod heap;
#[cfg(not(feature = "gc"))]
#[path = "heap_disabled.rs"]
mod heap;

#[cfg(feature = "gc")]
pub(crate) use heap::GcObject;
pub(crate) use heap::{const_new, GcHeap};

use alloc::sync::Arc;
use alloc::vec::Vec;

use hashbrown::HashMap;

use crate::types::{Composite, FuncType, SubType, TypeKind};

/// What the store knows of one canonical type beyond its id.
#[derive(Debug, Clone)]
pub(crate) struct TypeInfo {
    /// The declared supertype's id.
    pub supertype: Option<u32>,
    /// The definition, its type indices being ids (struct and array types; function types
    /// of GC groups too).
    #[cfg_attr(not(feature = "gc"), allow(dead_code))] // used by the `gc` feature's ops
    pub def: Option<Arc<SubType>>,
}

/// The store's canonical types.
#[derive(Debug, Default)]
pub(crate) struct TypeRegistry {
    /// Plain function types.
    funcs: HashMap<FuncType, u32>,
    /// Every other recursion group (its types with outside indices as ids and inside ones
    /// as [`SubType::REC`] positions), to the id of its first type.
    groups: HashMap<Arc<[SubType]>, u32>,
    /// Per id, once any group has been registered (empty before: every id is a plain
    /// function type).
    info: Vec<TypeInfo>,
    /// Ids handed out.
    next: u32,
}

impl TypeRegistry {
    /// The id of the plain function type `ty` (its concrete references being ids).
    pub fn func_id(&mut self, ty: &FuncType) -> u32 {
        if let Some(&id) = self.funcs.get(ty) {
            return id;
        }
        let id = self.fresh(TypeInfo {
            supertype: None,
            def: None,
        });
        self.funcs.insert(ty.clone(), id);
        id
    }

    fn fresh(&mut self, info: TypeInfo) -> u32 {
        let id = self.next;
        self.next += 1;
        if !self.info.is_empty() {
            self.info.push(info);
        }
        id
    }

    /// The id of the first type of the recursion group `key` (indices outside the group as
    /// ids, inside it as `REC | position`); its other types follow in order.
    pub fn group_id(&mut self, key: Vec<SubType>) -> u32 {
        if let [only] = key.as_slice() {
            if let Composite::Func(f) = &only.composite {
                if only.is_final
                    && only.supertype.is_none()
                    && only.indices().all(|i| i & SubType::REC == 0)
                {
                    let f = f.clone();
                    return self.func_id(&f);
                }
            }
        }
        let key: Arc<[SubType]> = key.into();
        if let Some(&first) = self.groups.get(&key) {
            return first;
        }
        if self.info.is_empty() {
            // The plain function types so far.
            self.info = (0..self.next)
                .map(|_| TypeInfo {
                    supertype: None,
                    def: None,
                })
                .collect();
        }
        let first = self.next;
        let resolve = |i: u32| {
            if i & SubType::REC != 0 {
                first + (i & !SubType::REC)
            } else {
                i
            }
        };
        for sub in key.iter() {
            let def = sub.map_concrete(resolve);
            self.info.push(TypeInfo {
                supertype: def.supertype,
                def: Some(Arc::new(def)),
            });
            self.next += 1;
        }
        self.groups.insert(key, first);
        first
    }

    /// Whether type `a` is `b` or declares it as a (transitive) supertype.
    pub fn is_subtype(&self, a: u32, b: u32) -> bool {
        a == b || self.is_strict_subtype(a, b)
    }

    /// [`TypeRegistry::is_subtype`] for `a != b`: the walk up `a`'s supertypes, out of line
    /// (the interpreter's `call_indirect` compares the ids first).
    #[cold]
    #[inline(never)]
    pub fn is_strict_subtype(&self, a: u32, b: u32) -> bool {
        let mut t = a;
        loop {
            if t == b {
                return true;
            }
            match self.info.get(t as usize).and_then(|i| i.supertype) {
                Some(s) => t = s,
                None => return false,
            }
        }
    }

    /// What type `id` is.
    #[cfg_attr(not(feature = "gc"), allow(dead_code))] // used by the `gc` feature's ops
    pub fn kind(&self, id: u32) -> TypeKind {
        self.def(id).map_or(TypeKind::Func, |d| d.kind())
    }

    /// The definition of type `id`, if it came from a GC recursion group.
    #[cfg_attr(not(feature = "gc"), allow(dead_code))] // used by the `gc` feature's ops
    pub fn def(&self, id: u32) -> Option<&Arc<SubType>> {
        self.info.get(id as usize).and_then(|i| i.def.as_ref())
    }
}

/// What a store's GC heap holds and has done ([`Store::gc_heap_stats`](crate::Store::gc_heap_stats)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct GcHeapStats {
    /// Structs and arrays live (allocated and not collected).
    pub objects: u32,
    /// Bytes counted against [`Config::gc_heap_bytes`](crate::Config::gc_heap_bytes): the
    /// live objects' fields and elements, 8 bytes a cell, and the heap's object slots.
    pub bytes: u64,
    /// Collections run so far.
    pub collections: u64,
}

impl<T> crate::Store<T> {
    /// What the store's GC heap holds and has done (all zero without the `gc` cargo feature).
    pub fn gc_heap_stats(&self) -> GcHeapStats {
        let (objects, bytes, collections) = self.inner.gc.stats();
        GcHeapStats {
            objects,
            bytes,
            collections,
        }
    }
}
