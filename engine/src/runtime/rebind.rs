//! Rebinding an instance's imported memories and tables to other host objects.
//!
//! The interpreter finds a memory or table through the instance's index vector on every access,
//! so a rebind takes effect at the next access, with no re-instantiation (also while the
//! instance is running, e.g. from a host function it called).

use super::context::AsContextMut;
use super::{Instance, Memory, Table};
use crate::error::{Error, LinkError};
use crate::module::{ExternKind, Import};
use crate::types::limits_match;

fn import_of(imports: &[Import], kind: ExternKind, index: u32) -> Option<&Import> {
    imports.iter().find(|i| i.kind == kind && i.index == index)
}

fn incompatible(imp: &Import, reason: &'static str) -> Error {
    Error::Link(LinkError::Incompatible {
        module: imp.module.clone(),
        name: imp.name.clone(),
        reason,
    })
}

impl Instance {
    /// Make the imported memory at module memory index `index` refer to `memory` from now on.
    /// `memory` must fit the import's type, as at instantiation.
    pub fn rebind_memory<T>(
        &self,
        mut store: impl AsContextMut<Data = T>,
        index: u32,
        memory: Memory,
    ) -> Result<(), Error> {
        let store = store.as_context_mut().0;
        store.check(self.1)?;
        store.check(memory.1)?;
        let inst = &store.inner.instances[self.0 as usize];
        let imp = import_of(&inst.module.imports, ExternKind::Memory, index)
            .ok_or(Error::Type("memory index does not name an imported memory"))?;
        let e = store
            .inner
            .memories
            .get(memory.0 as usize)
            .ok_or(Error::Type("no such memory in this store"))?;
        let want = inst.module.memories[index as usize];
        if e.ty.shared != want.shared {
            return Err(incompatible(imp, "memory sharing differs"));
        }
        if e.ty.memory64 != want.memory64
            || e.ty.page_size_log2 != want.page_size_log2
            || !limits_match(e.pages(), e.ty.max, want.min, want.max)
        {
            return Err(incompatible(imp, "memory limits do not fit"));
        }
        store.inner.instances[self.0 as usize].memories[index as usize] = memory.0;
        Ok(())
    }

    /// Make the imported table at module table index `index` refer to `table` from now on.
    /// `table` must fit the import's type, as at instantiation.
    pub fn rebind_table<T>(
        &self,
        mut store: impl AsContextMut<Data = T>,
        index: u32,
        table: Table,
    ) -> Result<(), Error> {
        let store = store.as_context_mut().0;
        store.check(self.1)?;
        store.check(table.1)?;
        let inst = &store.inner.instances[self.0 as usize];
        let imp = import_of(&inst.module.imports, ExternKind::Table, index)
            .ok_or(Error::Type("table index does not name an imported table"))?;
        let e = store
            .inner
            .tables
            .get(table.0 as usize)
            .ok_or(Error::Type("no such table in this store"))?;
        let want = inst.module.tables[index as usize];
        if e.ty.element != want.element
            || e.ty.table64 != want.table64
            || !limits_match(e.size(), e.ty.max, want.min, want.max)
        {
            return Err(incompatible(imp, "table type does not fit"));
        }
        store.inner.instances[self.0 as usize].tables[index as usize] = table.0;
        Ok(())
    }
}
