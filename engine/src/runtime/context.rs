//! Where a store is needed: [`AsContext`] / [`AsContextMut`], as in wasmtime. A `&Store<T>`,
//! `&mut Store<T>`, a [`Caller`] (or a reference to one), and the [`StoreContext`] /
//! [`StoreContextMut`] views all implement them, so a host function passes `&mut caller` where
//! host code passes `&mut store`.

use core::ops::{Deref, DerefMut};

use super::{Caller, Store};

/// A shared view of a store (what [`AsContext::as_context`] gives). Dereferences to the
/// [`Store`].
pub struct StoreContext<'a, T>(pub(crate) &'a Store<T>);

/// An exclusive view of a store (what [`AsContextMut::as_context_mut`] gives). Dereferences to
/// the [`Store`].
pub struct StoreContextMut<'a, T>(pub(crate) &'a mut Store<T>);

impl<T> core::fmt::Debug for StoreContext<'_, T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        self.0.fmt(f)
    }
}

impl<T> core::fmt::Debug for StoreContextMut<'_, T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        self.0.fmt(f)
    }
}

impl<T> Deref for StoreContext<'_, T> {
    type Target = Store<T>;
    fn deref(&self) -> &Store<T> {
        self.0
    }
}

impl<T> Deref for StoreContextMut<'_, T> {
    type Target = Store<T>;
    fn deref(&self) -> &Store<T> {
        self.0
    }
}

impl<T> DerefMut for StoreContextMut<'_, T> {
    fn deref_mut(&mut self) -> &mut Store<T> {
        self.0
    }
}

/// Something that gives shared access to a store: `&Store<T>`, `&mut Store<T>`,
/// `&Caller<'_, T>`, [`StoreContext`], ...
pub trait AsContext {
    /// The store's host data type.
    type Data;
    /// The store, shared.
    fn as_context(&self) -> StoreContext<'_, Self::Data>;
}

/// Something that gives exclusive access to a store: `&mut Store<T>`, `&mut Caller<'_, T>`,
/// [`StoreContextMut`], ...
pub trait AsContextMut: AsContext {
    /// The store, exclusively.
    fn as_context_mut(&mut self) -> StoreContextMut<'_, Self::Data>;
}

impl<T> AsContext for Store<T> {
    type Data = T;
    fn as_context(&self) -> StoreContext<'_, T> {
        StoreContext(self)
    }
}

impl<T> AsContextMut for Store<T> {
    fn as_context_mut(&mut self) -> StoreContextMut<'_, T> {
        StoreContextMut(self)
    }
}

impl<T> AsContext for StoreContext<'_, T> {
    type Data = T;
    fn as_context(&self) -> StoreContext<'_, T> {
        StoreContext(self.0)
    }
}

impl<T> AsContext for StoreContextMut<'_, T> {
    type Data = T;
    fn as_context(&self) -> StoreContext<'_, T> {
        StoreContext(self.0)
    }
}

impl<T> AsContextMut for StoreContextMut<'_, T> {
    fn as_context_mut(&mut self) -> StoreContextMut<'_, T> {
        StoreContextMut(self.0)
    }
}

impl<T> AsContext for Caller<'_, T> {
    type Data = T;
    fn as_context(&self) -> StoreContext<'_, T> {
        StoreContext(self.store)
    }
}

impl<T> AsContextMut for Caller<'_, T> {
    fn as_context_mut(&mut self) -> StoreContextMut<'_, T> {
        StoreContextMut(self.store)
    }
}

impl<C: AsContext + ?Sized> AsContext for &C {
    type Data = C::Data;
    fn as_context(&self) -> StoreContext<'_, C::Data> {
        C::as_context(self)
    }
}

impl<C: AsContext + ?Sized> AsContext for &mut C {
    type Data = C::Data;
    fn as_context(&self) -> StoreContext<'_, C::Data> {
        C::as_context(self)
    }
}

impl<C: AsContextMut + ?Sized> AsContextMut for &mut C {
    fn as_context_mut(&mut self) -> StoreContextMut<'_, C::Data> {
        C::as_context_mut(self)
    }
}

impl<'a, T> From<&'a Store<T>> for StoreContext<'a, T> {
    fn from(s: &'a Store<T>) -> Self {
        StoreContext(s)
    }
}

impl<'a, T> From<&'a mut Store<T>> for StoreContext<'a, T> {
    fn from(s: &'a mut Store<T>) -> Self {
        StoreContext(s)
    }
}

impl<'a, T> From<&'a Caller<'_, T>> for StoreContext<'a, T> {
    fn from(c: &'a Caller<'_, T>) -> Self {
        StoreContext(c.store)
    }
}

impl<'a, T> From<&'a mut Caller<'_, T>> for StoreContext<'a, T> {
    fn from(c: &'a mut Caller<'_, T>) -> Self {
        StoreContext(c.store)
    }
}

impl<'a, T> From<StoreContextMut<'a, T>> for StoreContext<'a, T> {
    fn from(c: StoreContextMut<'a, T>) -> Self {
        StoreContext(c.0)
    }
}

impl<'a, T> From<&'a mut Store<T>> for StoreContextMut<'a, T> {
    fn from(s: &'a mut Store<T>) -> Self {
        StoreContextMut(s)
    }
}

impl<'a, T> From<&'a mut Caller<'_, T>> for StoreContextMut<'a, T> {
    fn from(c: &'a mut Caller<'_, T>) -> Self {
        StoreContextMut(c.store)
    }
}
