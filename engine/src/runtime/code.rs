//! A function's code state, as the host sees and steers it: translated microcode can be
//! dropped (it is re-translated from the module bytes on the next call) or replaced by
//! microcode loaded from storage (verified against the module first).

use alloc::sync::Arc;

use super::{CodeState, Func, FuncKind, Store};
use crate::error::{Error, ModuleError};
use crate::microcode::Compiled;

/// Where a function's microcode is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeStatus {
    /// A host function: no microcode.
    Host,
    /// Not translated (or dropped): the next call translates it.
    Untranslated,
    /// In RAM, ready to run.
    Translated,
}

impl Func {
    /// Where this function's microcode is.
    pub fn code_status<T>(&self, store: &Store<T>) -> CodeStatus {
        match &store.inner.funcs[self.0 as usize].kind {
            FuncKind::Host { .. } => CodeStatus::Host,
            FuncKind::Wasm {
                code: CodeState::Untranslated,
                ..
            } => CodeStatus::Untranslated,
            FuncKind::Wasm {
                code: CodeState::Translated(_),
                ..
            } => CodeStatus::Translated,
        }
    }

    /// Drop this function's microcode from RAM; returns the bytes freed. A call in progress
    /// keeps running on its own reference; the next call re-translates.
    pub fn evict_code<T>(&self, store: &mut Store<T>) -> usize {
        match &mut store.inner.funcs[self.0 as usize].kind {
            FuncKind::Wasm { code, .. } => {
                match core::mem::replace(code, CodeState::Untranslated) {
                    CodeState::Translated(c) => c.byte_size(),
                    CodeState::Untranslated => 0,
                }
            }
            FuncKind::Host { .. } => 0,
        }
    }

    /// Install microcode for this function (e.g. read back from storage). It is verified
    /// against the function's module first; microcode that fails is rejected with an error
    /// and the function keeps its current state.
    pub fn install_code<T>(&self, store: &mut Store<T>, code: Compiled) -> Result<(), Error> {
        let FuncKind::Wasm { instance, .. } = store.inner.funcs[self.0 as usize].kind else {
            return Err(Error::Type("host functions have no microcode"));
        };
        let module = &store.inner.instances[instance as usize].module;
        let ty = &store.inner.funcs[self.0 as usize].ty;
        let shape_ok = code.num_params as usize
            == ty
                .params()
                .iter()
                .map(|t| crate::microcode::translate::width(*t) as usize)
                .sum::<usize>()
            && code.num_results as usize
                == ty
                    .results()
                    .iter()
                    .map(|t| crate::microcode::translate::width(*t) as usize)
                    .sum::<usize>();
        if !shape_ok {
            return Err(Error::Module(ModuleError {
                offset: 0,
                message: "microcode does not match the function's signature".into(),
            }));
        }
        crate::microcode::verify(&code, module).map_err(|e| {
            Error::Module(ModuleError {
                offset: 0,
                message: alloc::format!("{e}"),
            })
        })?;
        if let FuncKind::Wasm { code: state, .. } = &mut store.inner.funcs[self.0 as usize].kind {
            *state = CodeState::Translated(Arc::new(code));
        }
        Ok(())
    }
}
