//! A function's code state, as the host sees and steers it: translated microcode can be
//! dropped (it is re-translated from the module bytes on the next call) or replaced by
//! microcode loaded from storage (verified against the module first).

use alloc::collections::VecDeque;
use alloc::sync::Arc;

use super::{CodeState, Func, FuncEntity, FuncKind, Store};
use crate::error::{Error, ModuleError};
use crate::microcode::Compiled;

/// The bytes of microcode a store holds and the budget they are kept under.
#[derive(Debug, Default)]
pub(crate) struct CodeCache {
    budget: Option<usize>,
    used: usize,
    /// Functions in the order their code was admitted (only tracked under a budget; an entry
    /// may be stale after an explicit eviction, which only makes that function go earlier).
    order: VecDeque<u32>,
    evictions: u64,
}

impl CodeCache {
    pub fn new(budget: Option<usize>) -> CodeCache {
        CodeCache {
            budget,
            ..CodeCache::default()
        }
    }

    /// Account for `f`'s new code of `bytes`, evicting the oldest other functions while over
    /// budget.
    pub fn admit(&mut self, funcs: &mut [FuncEntity], f: u32, bytes: usize) {
        self.used += bytes;
        let Some(budget) = self.budget else { return };
        self.order.push_back(f);
        let mut spared = 0;
        while self.used > budget && spared < self.order.len() {
            let Some(victim) = self.order.pop_front() else {
                break;
            };
            if victim == f {
                self.order.push_back(victim);
                spared += 1;
                continue;
            }
            if let FuncKind::Wasm { code, .. } = &mut funcs[victim as usize].kind {
                if let CodeState::Translated(c) = core::mem::replace(code, CodeState::Untranslated)
                {
                    self.used -= c.byte_size();
                    self.evictions += 1;
                }
            }
        }
    }

    /// Account for code dropped by the host.
    pub fn release(&mut self, bytes: usize) {
        self.used = self.used.saturating_sub(bytes);
    }
}

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
        let cells_of = crate::microcode::translate::cells_of;
        if code.num_params != cells_of(ty.params()) || code.num_results != cells_of(ty.results()) {
            return Err(Error::Module(ModuleError {
                offset: 0,
                message: "microcode does not match the function's signature".into(),
            }));
        }
        crate::microcode::verify(&code, module)?;
        let bytes = code.byte_size();
        if let FuncKind::Wasm { code: state, .. } = &mut store.inner.funcs[self.0 as usize].kind {
            if let CodeState::Translated(old) =
                core::mem::replace(state, CodeState::Translated(Arc::new(code)))
            {
                store.inner.code_cache.release(old.byte_size());
            }
        }
        store
            .inner
            .code_cache
            .admit(&mut store.inner.funcs, self.0, bytes);
        Ok(())
    }
}

impl<T> Store<T> {
    /// Bytes of microcode this store holds in RAM, and how many functions the code-cache
    /// budget has evicted so far.
    pub fn code_cache_usage(&self) -> (usize, u64) {
        (self.inner.code_cache.used, self.inner.code_cache.evictions)
    }
}
