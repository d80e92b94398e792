//! Exception tags (the exception-handling proposal, `Config::wasm_exceptions`) as a store
//! entity, and the store's exception objects (`exnref` values).
//!
//! A tag is a store entity like a global: a handle is its store index and the store's id,
//! and two tags are the same tag only if they are the same entity (a module's tag
//! definitions make new tags at each instantiation; an imported tag is the exporter's). An
//! exception object is a tag and the cells of its payload, kept in the store's arena
//! (`StoreInner::exns`); an `exnref` cell is its index plus one, as a `funcref` cell is a
//! function's. Nothing frees an exception object before its store is dropped (there is no
//! collector): the arena is bounded by `StoreLimits::exceptions` (default
//! [`DEFAULT_MAX_EXCEPTIONS`]), and an exception that no `exnref` ever saw (a `throw`
//! caught by a plain `catch` or `catch_all`) takes no place in it.

use alloc::boxed::Box;
use alloc::vec::Vec;

use super::{or_wrong_store, AsContext, AsContextMut, StoreId, StoreInner};
use crate::error::Error;
use crate::types::TagType;
use crate::value::Val;

/// Most exception objects a store holds by default (`StoreLimits::exceptions`).
pub const DEFAULT_MAX_EXCEPTIONS: usize = 1 << 16;

/// An exception tag handle (index and store id, as [`Func`](crate::Func)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Tag(pub(crate) u32, pub(crate) StoreId);

/// A tag in a store: its type in the store's canonical type ids.
#[derive(Debug)]
pub(crate) struct TagEntity {
    pub ty: TagType,
    /// The store's canonical id of the tag's function type (import matching compares it).
    pub type_id: u32,
}

/// An exception object: its tag (store index) and the cells of its payload.
#[derive(Debug)]
pub(crate) struct ExnEntity {
    pub tag: u32,
    pub payload: Box<[u64]>,
}

/// A reference to an exception object of a store (`exnref`): index and store id, as
/// [`Func`](crate::Func). Made by wasm code (`catch_ref`, `catch_all_ref`, an exception
/// that reaches the host: [`Trap::exception`](crate::Trap::exception)) or by the host
/// ([`ExnRef::new`], then [`Trap::throw`](crate::Trap::throw) to raise it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ExnRef(pub(crate) u32, pub(crate) StoreId);

impl Tag {
    /// A new host tag of type `ty` (its concrete reference types, if any, in the store's
    /// type ids, as a host function's).
    pub fn new(mut store: impl AsContextMut, ty: &TagType) -> Result<Tag, Error> {
        let inner = &mut store.as_context_mut().0.inner;
        Ok(inner.add_tag(ty.clone()))
    }

    /// Whether this tag belongs to `store` (the methods without a `Result` panic if not).
    pub fn comes_from_same_store(&self, store: impl AsContext) -> bool {
        store.as_context().0.owns(self.1)
    }

    /// Its type.
    ///
    /// # Panics
    /// If the tag belongs to another store; [`try_ty`](Tag::try_ty) returns
    /// [`Error::WrongStore`] instead.
    #[track_caller]
    pub fn ty(&self, store: impl AsContext) -> TagType {
        or_wrong_store(self.try_ty(store))
    }

    /// Its type; [`Error::WrongStore`] if it belongs to another store.
    pub fn try_ty(&self, store: impl AsContext) -> Result<TagType, Error> {
        let store = store.as_context().0;
        store.check(self.1)?;
        Ok(store.inner.tags[self.0 as usize].ty.clone())
    }
}

impl ExnRef {
    /// A new exception object of `tag` carrying `fields` (of the tag's parameter types), to
    /// raise from a host function with [`Trap::throw`](crate::Trap::throw). An error if a
    /// handle is of another store, a value does not fit its type, or the store holds its
    /// limit of exception objects.
    pub fn new(mut store: impl AsContextMut, tag: Tag, fields: &[Val]) -> Result<ExnRef, Error> {
        let store = store.as_context_mut().0;
        store.check(tag.1)?;
        let ty = store.inner.tags[tag.0 as usize].ty.clone();
        if ty.params().len() != fields.len() {
            return Err(Error::Type("exception fields do not match the tag's type"));
        }
        let mut payload = Vec::new();
        for (v, t) in fields.iter().zip(ty.params()) {
            store.check_val(v)?;
            if !store.inner.val_matches(v, *t) {
                return Err(Error::Type("exception fields do not match the tag's type"));
            }
            let mut cells = [0u64; 2];
            let n = v.write_cells(&mut cells);
            payload.extend_from_slice(&cells[..n]);
        }
        let index = store
            .inner
            .add_exn(tag.0, payload.into_boxed_slice())
            .ok_or(Error::Limit("exception objects over the store's limit"))?;
        Ok(ExnRef(index, store.inner.id))
    }

    /// Whether this exception belongs to `store`.
    pub fn comes_from_same_store(&self, store: impl AsContext) -> bool {
        store.as_context().0.owns(self.1)
    }

    /// The exception's tag; [`Error::WrongStore`] if it belongs to another store.
    pub fn tag(&self, store: impl AsContext) -> Result<Tag, Error> {
        let store = store.as_context().0;
        store.check(self.1)?;
        Ok(Tag(store.inner.exns[self.0 as usize].tag, self.1))
    }

    /// The values the exception carries (of its tag's parameter types);
    /// [`Error::WrongStore`] if it belongs to another store.
    pub fn fields(&self, store: impl AsContext) -> Result<Vec<Val>, Error> {
        let store = store.as_context().0;
        store.check(self.1)?;
        let inner = &store.inner;
        let exn = &inner.exns[self.0 as usize];
        let ty = &inner.tags[exn.tag as usize].ty;
        let mut at = 0;
        Ok(ty
            .params()
            .iter()
            .map(|t| {
                let v = Val::read_cells(*t, &exn.payload[at..], self.1);
                inner.gc.pin_val(&v);
                at += t.cells() as usize;
                v
            })
            .collect())
    }
}

impl StoreInner {
    /// A new tag of `ty` (store type ids).
    pub(crate) fn add_tag(&mut self, ty: TagType) -> Tag {
        let type_id = self.type_id(ty.func_type());
        self.add_tag_of(ty, type_id)
    }

    /// A new tag of `ty`, whose canonical id is `type_id` (a module's tag: its type's id,
    /// which tells apart equal function types of different recursion groups).
    pub(crate) fn add_tag_of(&mut self, ty: TagType, type_id: u32) -> Tag {
        self.tags.push(TagEntity { ty, type_id });
        Tag(self.tags.len() as u32 - 1, self.id)
    }

    /// A new exception object (tag `tag`, `payload` cells); `None` past the store's limit.
    pub(crate) fn add_exn(&mut self, tag: u32, payload: Box<[u64]>) -> Option<u32> {
        if self.exns.len() >= self.limits.exceptions_max() || self.exns.try_reserve(1).is_err() {
            return None;
        }
        self.exns.push(ExnEntity { tag, payload });
        Some(self.exns.len() as u32 - 1)
    }
}
