//! Resolving imports by module and field name.

use alloc::collections::BTreeMap;
use alloc::string::{String, ToString};
use alloc::sync::Arc;

use super::context::{AsContext, AsContextMut};
use super::typed::IntoFunc;
use super::{Caller, Extern, HostFn, Instance, Store};
use crate::config::Engine;
use crate::error::{Error, LinkError, Trap};
use crate::module::Module;
use crate::types::FuncType;
use crate::value::Val;

/// What a name is bound to: a handle of one store, or a host function any store can get.
enum Definition<T> {
    Extern(Extern),
    Host(FuncType, HostFn<T>),
}

impl<T> Clone for Definition<T> {
    fn clone(&self) -> Self {
        match self {
            Definition::Extern(e) => Definition::Extern(*e),
            Definition::Host(ty, h) => Definition::Host(ty.clone(), h.clone()),
        }
    }
}

/// Names host objects and instance exports so modules can import them. Handles
/// ([`define`](Linker::define)) belong to one store; host functions defined with
/// [`func_wrap`](Linker::func_wrap) or [`func_new`](Linker::func_new) belong to none, and
/// each instantiation makes them a [`Func`](crate::Func) of its store, so one linker serves many stores.
/// `Send + Sync`.
///
/// As in wasmtime, defining a name twice is an error ([`LinkError::Duplicate`]) unless
/// [`allow_shadowing`](Linker::allow_shadowing) is on, and every `define*` returns
/// `Result<&mut Linker, Error>`.
pub struct Linker<T> {
    engine: Engine,
    defs: BTreeMap<(String, String), Definition<T>>,
    allow_shadowing: bool,
}

impl<T> core::fmt::Debug for Linker<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Linker")
            .field("defs", &self.defs.len())
            .finish()
    }
}

impl<T> Clone for Linker<T> {
    fn clone(&self) -> Self {
        Linker {
            engine: self.engine.clone(),
            defs: self.defs.clone(),
            allow_shadowing: self.allow_shadowing,
        }
    }
}

impl<T> Linker<T> {
    /// An empty linker for stores of `engine`.
    pub fn new(engine: &Engine) -> Linker<T> {
        Linker {
            engine: engine.clone(),
            defs: BTreeMap::new(),
            allow_shadowing: false,
        }
    }

    /// The engine this linker was made for.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// Whether a second definition of a name replaces the first (`true`) or is refused with
    /// [`LinkError::Duplicate`] (`false`, the default, as in wasmtime).
    pub fn allow_shadowing(&mut self, allow: bool) -> &mut Self {
        self.allow_shadowing = allow;
        self
    }

    fn insert(&mut self, module: &str, name: &str, def: Definition<T>) -> Result<&mut Self, Error> {
        let key = (module.to_string(), name.to_string());
        if !self.allow_shadowing && self.defs.contains_key(&key) {
            return Err(Error::Link(LinkError::Duplicate {
                module: key.0,
                name: key.1,
            }));
        }
        self.defs.insert(key, def);
        Ok(self)
    }

    /// Define `module::name` as `item`, a handle of `store` ([`Error::WrongStore`] if it
    /// belongs to another store; [`LinkError::Duplicate`] if the name is taken and shadowing
    /// is off).
    #[cfg_attr(fayasm_optimize_size, optimize(size))]
    pub fn define(
        &mut self,
        store: impl AsContext<Data = T>,
        module: &str,
        name: &str,
        item: impl Into<Extern>,
    ) -> Result<&mut Self, Error> {
        let item = item.into();
        store.as_context().0.check(item.store_id())?;
        self.insert(module, name, Definition::Extern(item))
    }

    /// Define `module::name` as a host function from a Rust closure, its wasm signature given
    /// by the closure's parameter and result types (see [`Func::wrap`](crate::Func::wrap)). Not tied to a store:
    /// every instantiation that imports it gets its own [`Func`](crate::Func).
    ///
    /// ```
    /// use fayasm::{Caller, Engine, Linker, Module, Store};
    ///
    /// # fn main() -> Result<(), fayasm::Error> {
    /// let wasm = wat::parse_str(
    ///     r#"(module (import "host" "double" (func $d (param i32) (result i32)))
    ///          (func (export "run") (param i32) (result i32) local.get 0 call $d))"#,
    /// ).unwrap();
    /// let engine = Engine::default();
    /// let module = Module::new(&engine, &wasm)?;
    /// let mut linker = Linker::new(&engine);
    /// linker.func_wrap("host", "double", |caller: Caller<'_, u32>, x: i32| {
    ///     x * 2 + *caller.data() as i32
    /// })?;
    /// let mut store = Store::new(&engine, 1_u32);
    /// let instance = linker.instantiate(&mut store, &module)?;
    /// let run = instance.get_typed_func::<i32, i32>(&store, "run")?;
    /// assert_eq!(run.call(&mut store, 20)?, 41);
    /// # Ok(())
    /// # }
    /// ```
    #[cfg_attr(fayasm_optimize_size, optimize(size))]
    pub fn func_wrap<Params, Results>(
        &mut self,
        module: &str,
        name: &str,
        func: impl IntoFunc<T, Params, Results>,
    ) -> Result<&mut Self, Error> {
        let (ty, host) = func.into_host();
        self.insert(module, name, Definition::Host(ty, host))
    }

    /// Define `module::name` as a host function of type `ty` taking and returning [`Val`]s
    /// (see [`Func::new`](crate::Func::new)); not tied to a store, as [`func_wrap`](Linker::func_wrap).
    #[cfg_attr(fayasm_optimize_size, optimize(size))]
    pub fn func_new(
        &mut self,
        module: &str,
        name: &str,
        ty: FuncType,
        func: impl Fn(Caller<'_, T>, &[Val], &mut [Val]) -> Result<(), Trap> + Send + Sync + 'static,
    ) -> Result<&mut Self, Error> {
        self.insert(module, name, Definition::Host(ty, Arc::new(func)))
    }

    /// Define every export of `instance` under the module name `module`.
    pub fn instance(
        &mut self,
        mut store: impl AsContextMut<Data = T>,
        module: &str,
        instance: Instance,
    ) -> Result<&mut Self, Error> {
        let store = store.as_context_mut().0;
        store.check(instance.1)?;
        for (name, ext) in instance.exports(&*store) {
            self.insert(module, &name, Definition::Extern(ext))?;
        }
        Ok(self)
    }

    /// The definition of `module::name` as a handle of `store`, if any (a host function
    /// defined with [`func_wrap`](Linker::func_wrap) becomes a new [`Func`](crate::Func) of `store`).
    pub fn get(
        &self,
        mut store: impl AsContextMut<Data = T>,
        module: &str,
        name: &str,
    ) -> Option<Extern> {
        let store = store.as_context_mut().0;
        self.resolve(store, module, name)
    }

    fn resolve(&self, store: &mut Store<T>, module: &str, name: &str) -> Option<Extern> {
        match self.defs.get(&(module.to_string(), name.to_string()))? {
            Definition::Extern(e) => Some(*e),
            Definition::Host(ty, host) => {
                Some(Extern::Func(store.add_host(ty.clone(), host.clone())))
            }
        }
    }

    /// Instantiate `module` in `store` and define each of its exports under the module name
    /// `name` (as wasmtime's `Linker::module`, except that a WASI command is instantiated once
    /// here too, where wasmtime makes a fresh instance for each call of its exports).
    pub fn module(
        &mut self,
        mut store: impl AsContextMut<Data = T>,
        name: &str,
        module: &Module,
    ) -> Result<&mut Self, Error> {
        let store = store.as_context_mut().0;
        let instance = self.instantiate(&mut *store, module)?;
        self.instance(store, name, instance)
    }

    /// The definition `import` would be resolved to, as a handle of `store` (see
    /// [`get`](Linker::get)).
    pub fn get_by_import(
        &self,
        store: impl AsContextMut<Data = T>,
        import: &crate::ImportType,
    ) -> Option<Extern> {
        self.get(store, &import.module, &import.name)
    }

    /// Check now that every import of `module` has a definition, and keep what
    /// [`InstancePre::instantiate`] needs to instantiate it in any store (as wasmtime's
    /// `Linker::instantiate_pre`). A missing name is [`LinkError::Missing`]; a host function
    /// of another signature is [`LinkError::Incompatible`]. Definitions that are handles are
    /// type-checked when instantiating, since their types live in their store.
    #[cfg_attr(fayasm_optimize_size, optimize(size))]
    pub fn instantiate_pre(&self, module: &Module) -> Result<InstancePre<T>, Error> {
        for import in module.imports() {
            match self.defs.get(&(import.module.clone(), import.name.clone())) {
                None => {
                    return Err(Error::Link(LinkError::Missing {
                        module: import.module,
                        name: import.name,
                    }))
                }
                Some(Definition::Host(ty, _)) => {
                    if !matches!(&import.ty, crate::ExternType::Func(t) if t == ty) {
                        return Err(Error::Link(LinkError::Incompatible {
                            module: import.module,
                            name: import.name,
                            reason: "the host function's signature differs",
                        }));
                    }
                }
                Some(Definition::Extern(_)) => {}
            }
        }
        Ok(InstancePre {
            linker: self.clone(),
            module: module.clone(),
        })
    }

    /// Resolve `module`'s imports and instantiate it in `store` (running its start function).
    /// An import resolved to a definition of another store is [`Error::WrongStore`].
    #[cfg_attr(fayasm_optimize_size, optimize(size))]
    pub fn instantiate(
        &self,
        mut store: impl AsContextMut<Data = T>,
        module: &Module,
    ) -> Result<Instance, Error> {
        let store = store.as_context_mut().0;
        // Host functions become functions of this store first (only those imported).
        let mut resolved: BTreeMap<(String, String), Extern> = BTreeMap::new();
        for import in module.imports() {
            if let Some(Definition::Host(..)) =
                self.defs.get(&(import.module.clone(), import.name.clone()))
            {
                if let Some(e) = self.resolve(store, &import.module, &import.name) {
                    resolved.insert((import.module, import.name), e);
                }
            }
        }
        super::instantiate::instantiate(store, module, |_, m, n| {
            match resolved.get(&(m.to_string(), n.to_string())) {
                Some(e) => Some(*e),
                None => match self.defs.get(&(m.to_string(), n.to_string()))? {
                    Definition::Extern(e) => Some(*e),
                    Definition::Host(..) => None,
                },
            }
        })
    }
}

/// A module whose imports a [`Linker`] resolved ahead of time
/// ([`Linker::instantiate_pre`]), ready to instantiate in any store of the engine (as
/// wasmtime's `InstancePre`). Cheap to clone.
pub struct InstancePre<T> {
    linker: Linker<T>,
    module: Module,
}

impl<T> Clone for InstancePre<T> {
    fn clone(&self) -> Self {
        InstancePre {
            linker: self.linker.clone(),
            module: self.module.clone(),
        }
    }
}

impl<T> core::fmt::Debug for InstancePre<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("InstancePre").finish_non_exhaustive()
    }
}

impl<T> InstancePre<T> {
    /// The module.
    pub fn module(&self) -> &Module {
        &self.module
    }

    /// Instantiate the module in `store` (running its start function).
    #[cfg_attr(fayasm_optimize_size, optimize(size))]
    pub fn instantiate(&self, store: impl AsContextMut<Data = T>) -> Result<Instance, Error> {
        self.linker.instantiate(store, &self.module)
    }
}
