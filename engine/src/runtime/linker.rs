//! Resolving imports by module and field name.

use alloc::collections::BTreeMap;
use alloc::string::{String, ToString};

use super::{Extern, Instance, Store};
use crate::error::Error;
use crate::module::Module;

/// Names host objects and instance exports so modules can import them.
pub struct Linker<T> {
    defs: BTreeMap<(String, String), Extern>,
    _marker: core::marker::PhantomData<fn(T)>,
}

impl<T> core::fmt::Debug for Linker<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Linker")
            .field("defs", &self.defs.len())
            .finish()
    }
}

impl<T> Default for Linker<T> {
    fn default() -> Self {
        Linker::new()
    }
}

impl<T> Linker<T> {
    /// An empty linker.
    pub fn new() -> Linker<T> {
        Linker {
            defs: BTreeMap::new(),
            _marker: core::marker::PhantomData,
        }
    }

    /// Define `module::name`. A later definition of the same name replaces the earlier one.
    pub fn define(&mut self, module: &str, name: &str, item: impl Into<Extern>) -> &mut Self {
        self.defs
            .insert((module.to_string(), name.to_string()), item.into());
        self
    }

    /// Define every export of `instance` under the module name `module`.
    pub fn instance(
        &mut self,
        store: &Store<T>,
        module: &str,
        instance: Instance,
    ) -> Result<&mut Self, Error> {
        store.check(instance.1)?;
        for (name, ext) in instance.exports(store) {
            self.define(module, &name, ext);
        }
        Ok(self)
    }

    /// The definition of `module::name`, if any.
    pub fn get(&self, module: &str, name: &str) -> Option<Extern> {
        self.defs
            .get(&(module.to_string(), name.to_string()))
            .copied()
    }

    /// Resolve `module`'s imports and instantiate it in `store` (running its start function).
    /// An import resolved to a definition of another store is [`Error::WrongStore`].
    pub fn instantiate(&self, store: &mut Store<T>, module: &Module) -> Result<Instance, Error> {
        super::instantiate::instantiate(store, module, |m, n| self.get(m, n))
    }
}
