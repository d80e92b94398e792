//! Per-function trap hooks: the host runs code before a marked function executes.
//!
//! Marking is a flag on the function; the interpreter tests it at function entry (one
//! predictable branch for unmarked functions). The hook gets the whole store, so it may spill
//! or load code and memories (the SD-trap sample reloads a function's microcode from the card
//! inside the hook) before deciding whether the call proceeds.

use super::context::{AsContext, AsContextMut};
use alloc::boxed::Box;

use super::{or_wrong_store, Func, Store};
use crate::error::Error;
use crate::error::Trap;

/// What a trap hook decides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HookAction {
    /// Run the function.
    Continue,
    /// Do not run it: the call traps with this trap.
    Abort(Trap),
}

pub(crate) type TrapHook<T> = Box<dyn FnMut(&mut Store<T>, Func) -> HookAction + Send>;

impl<T> Store<T> {
    /// Install the hook that runs before every marked function (replacing any earlier one).
    /// The hook must be `Send`, so that a store of `Send` data is `Send`.
    pub fn set_trap_hook(
        &mut self,
        hook: impl FnMut(&mut Store<T>, Func) -> HookAction + Send + 'static,
    ) {
        self.trap_hook = Some(Box::new(hook));
    }

    /// Remove the trap hook; marked functions then run as if unmarked.
    pub fn clear_trap_hook(&mut self) {
        self.trap_hook = None;
    }

    /// Run the hook for `func`. A hook that calls into wasm does not re-trigger itself.
    pub(crate) fn run_trap_hook(&mut self, func: Func) -> Result<(), Trap> {
        let Some(mut hook) = self.trap_hook.take() else {
            return Ok(());
        };
        let action = hook(self, func);
        if self.trap_hook.is_none() {
            self.trap_hook = Some(hook);
        }
        match action {
            HookAction::Continue => Ok(()),
            HookAction::Abort(trap) => Err(trap),
        }
    }
}

impl<T> Store<T> {
    /// Enter store function `f`, whose own trap hook has run, and the forwarders' callees it
    /// leads to (`CodeState::Forward`): each is called in turn, as a tail call would (its
    /// referenced bit set, its trap hook run). Returns the function whose code runs: `f`,
    /// or the first function on its chain that is not an aliased forwarder.
    pub(crate) fn enter_forwards(&mut self, f: u32) -> Result<u32, Trap> {
        let mut g = f;
        while let Some(t) = super::forward_target(&self.inner, g) {
            let target = &mut self.inner.funcs[t as usize];
            target.referenced = true;
            if target.trapped {
                // The hook may change any code state: the walk goes on from `t`'s.
                self.run_trap_hook(self.inner.func(t))?;
            }
            g = t;
        }
        Ok(g)
    }
}

impl Func {
    /// Mark or unmark this function for the store's trap hook.
    ///
    /// # Panics
    /// If the function belongs to another store; [`try_set_trap`](Func::try_set_trap) returns
    /// [`Error::WrongStore`] instead.
    #[track_caller]
    pub fn set_trap<T>(&self, store: impl AsContextMut<Data = T>, on: bool) {
        or_wrong_store(self.try_set_trap(store, on))
    }

    /// Mark or unmark this function for the store's trap hook; [`Error::WrongStore`] (and
    /// nothing changes) if it belongs to another store.
    pub fn try_set_trap<T>(
        &self,
        mut store: impl AsContextMut<Data = T>,
        on: bool,
    ) -> Result<(), Error> {
        let store = store.as_context_mut().0;
        store.check(self.1)?;
        store.inner.funcs[self.0 as usize].trapped = on;
        store.inner.forget_callee(self.0);
        Ok(())
    }

    /// Whether this function is marked for the trap hook.
    ///
    /// # Panics
    /// If the function belongs to another store; [`try_is_trapped`](Func::try_is_trapped)
    /// returns [`Error::WrongStore`] instead.
    #[track_caller]
    pub fn is_trapped<T>(&self, store: impl AsContext<Data = T>) -> bool {
        or_wrong_store(self.try_is_trapped(store))
    }

    /// Whether this function is marked for the trap hook; [`Error::WrongStore`] if it belongs
    /// to another store.
    pub fn try_is_trapped<T>(&self, store: impl AsContext<Data = T>) -> Result<bool, Error> {
        let store = store.as_context().0;
        store.check(self.1)?;
        Ok(store.inner.funcs[self.0 as usize].trapped)
    }
}
