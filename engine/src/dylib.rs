//! Binding imports to C functions of a shared library (feature `dylib`, desktop only).
//!
//! ```no_run
//! use fayasm::{dylib::DynamicLibrary, Engine, Linker, Module, Store};
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let engine = Engine::default();
//! let module = Module::new(&engine, &std::fs::read("app.wasm")?)?;
//! let mut store = Store::new(&engine, ());
//! let mut linker = Linker::new(&engine);
//! // SAFETY: libhost.so is ours; its initialisers are harmless and every function the module
//! // imports from "host" is a C function of the import's signature.
//! let lib = unsafe { DynamicLibrary::open("./libhost.so")? };
//! unsafe { lib.define_imports(&mut linker, &mut store, &module, "host")? };
//! let instance = linker.instantiate(&mut store, &module)?;
//! # Ok(()) }
//! ```
//!
//! Without libffi, a call goes through a trampoline compiled for its signature. Supported:
//! parameters and results of type `i32`, `i64`, `f32` and `f64` (C `int32_t`, `int64_t`, `float`,
//! `double`), at most one result, and either up to 3 parameters of any mix of those types or
//! 4 to 8 parameters all of one type. Other signatures are refused with
//! [`DylibError::UnsupportedSignature`]. The C function cannot reach the guest's memory (pass
//! offsets and use a [`Func::new`] closure for that).

use alloc::format;
use alloc::string::{String, ToString};
use alloc::sync::Arc;
use core::ffi::c_void;
use core::fmt;

use crate::error::Trap;
use crate::module::Module;
use crate::runtime::{AsContextMut, Func, Linker};
use crate::types::{FuncType, ValType};
use crate::value::Val;
use crate::ExternType;

/// Why a library or one of its symbols could not be bound.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DylibError {
    /// The library could not be loaded.
    Open {
        /// The path given.
        path: String,
        /// The loader's message.
        message: String,
    },
    /// The library has no such symbol.
    MissingSymbol {
        /// The library's path.
        path: String,
        /// The symbol looked up.
        symbol: String,
    },
    /// No trampoline exists for this signature (see the module docs for the supported ones).
    UnsupportedSignature {
        /// The symbol.
        symbol: String,
        /// The signature, as `(i32, f64) -> i64`.
        signature: String,
    },
    /// The linker refused the definition (a name already defined, see
    /// [`Linker::allow_shadowing`]).
    Define(crate::Error),
}

impl fmt::Display for DylibError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DylibError::Open { path, message } => {
                write!(f, "cannot load library `{path}`: {message}")
            }
            DylibError::MissingSymbol { path, symbol } => {
                write!(f, "library `{path}` has no symbol `{symbol}`")
            }
            DylibError::UnsupportedSignature { symbol, signature } => {
                write!(f, "cannot call `{symbol}`: signature {signature} is not supported for library functions")
            }
            DylibError::Define(e) => write!(f, "cannot define the import: {e}"),
        }
    }
}

impl std::error::Error for DylibError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            DylibError::Define(e) => Some(e),
            _ => None,
        }
    }
}

/// A loaded shared library.
#[derive(Debug, Clone)]
pub struct DynamicLibrary {
    lib: Arc<libloading::Library>,
    path: String,
}

impl DynamicLibrary {
    /// Load the library at `path`.
    ///
    /// # Safety
    /// Loading runs the library's initialisers; they must be safe to run in this process.
    pub unsafe fn open(path: &str) -> Result<DynamicLibrary, DylibError> {
        // SAFETY: the caller vouches for the library's initialisers.
        let lib = unsafe { libloading::Library::new(path) }.map_err(|e| DylibError::Open {
            path: path.to_string(),
            message: e.to_string(),
        })?;
        Ok(DynamicLibrary {
            lib: Arc::new(lib),
            path: path.to_string(),
        })
    }

    /// A host function of type `ty` that calls the C function `symbol`.
    ///
    /// # Safety
    /// `symbol` must be a C-ABI function whose parameters and result are exactly `ty`'s
    /// (`i32` as `int32_t`, `i64` as `int64_t`, `f32` as `float`, `f64` as `double`), and it must
    /// be safe to call with any argument values, from any thread (host functions are
    /// `Send + Sync`, so the store may move to another thread).
    pub unsafe fn func<T: 'static>(
        &self,
        mut store: impl AsContextMut<Data = T>,
        symbol: &str,
        ty: FuncType,
    ) -> Result<Func, DylibError> {
        let store = store.as_context_mut().0;
        let trampoline = trampoline(ty.params(), ty.results()).ok_or_else(|| {
            DylibError::UnsupportedSignature {
                symbol: symbol.to_string(),
                signature: signature(&ty),
            }
        })?;
        // SAFETY: the symbol is only read as an address here; it is called through
        // `trampoline`, whose signature the caller has vouched for.
        let address = unsafe { self.lib.get::<*const c_void>(symbol.as_bytes()) }
            .map(|s| *s)
            .map_err(|_| DylibError::MissingSymbol {
                path: self.path.clone(),
                symbol: symbol.to_string(),
            })?;
        let lib = self.lib.clone();
        // Kept as an integer so the host function is `Send + Sync` (a code address is the
        // same in every thread; the caller vouched the function may be called from any).
        let address = address as usize;
        Ok(Func::new(store, ty, move |_, params, results| {
            let _keep_loaded = &lib;
            let address = address as *const c_void;
            // SAFETY: `address` is a function of this signature (the caller of `func` vouched
            // for it) in a library that `lib` keeps loaded; the engine checked `params`
            // against the signature before calling.
            let result = unsafe { trampoline(address, params) }?;
            if let (Some(slot), Some(v)) = (results.first_mut(), result) {
                *slot = v;
            }
            Ok(())
        }))
    }

    /// Define, in `linker`, every function that `module` imports from `import_module`, bound to
    /// the library's symbol of the same name. Returns how many were defined.
    ///
    /// # Safety
    /// As for [`DynamicLibrary::func`], for each of those imports.
    pub unsafe fn define_imports<T: 'static>(
        &self,
        linker: &mut Linker<T>,
        mut store: impl AsContextMut<Data = T>,
        module: &Module,
        import_module: &str,
    ) -> Result<usize, DylibError> {
        let store = store.as_context_mut().0;
        let mut n = 0;
        for imp in module.imports().filter(|i| i.module == import_module) {
            if let ExternType::Func(ty) = imp.ty {
                // SAFETY: forwarded from this function's contract.
                let f = unsafe { self.func(&mut *store, &imp.name, ty) }?;
                linker
                    .define(&*store, import_module, &imp.name, f)
                    .map_err(DylibError::Define)?;
                n += 1;
            }
        }
        Ok(n)
    }
}

fn signature(ty: &FuncType) -> String {
    let name = |t: &ValType| format!("{t:?}").to_lowercase();
    let params: alloc::vec::Vec<String> = ty.params().iter().map(name).collect();
    let results: alloc::vec::Vec<String> = ty.results().iter().map(name).collect();
    format!("({}) -> ({})", params.join(", "), results.join(", "))
}

/// Calls a C function at an address with wasm values; `Some` result if it returns one.
type Trampoline = unsafe fn(*const c_void, &[Val]) -> Result<Option<Val>, Trap>;

/// A C parameter type.
trait Param: Copy {
    fn from_val(v: &Val) -> Result<Self, Trap>;
}

/// A C result type (`()` for none).
trait Ret {
    fn into_val(self) -> Option<Val>;
}

macro_rules! c_types {
    ($($t:ty => $variant:ident($conv:expr, $back:expr)),*) => {$(
        impl Param for $t {
            fn from_val(v: &Val) -> Result<Self, Trap> {
                match *v {
                    Val::$variant(x) => Ok(($conv)(x)),
                    _ => Err(Trap::host("argument of the wrong type for a library function")),
                }
            }
        }
        impl Ret for $t {
            fn into_val(self) -> Option<Val> {
                Some(Val::$variant(($back)(self)))
            }
        }
    )*};
}

c_types! {
    i32 => I32(|x: i32| x, |x: i32| x),
    i64 => I64(|x: i64| x, |x: i64| x),
    f32 => F32(f32::from_bits, f32::to_bits),
    f64 => F64(f64::from_bits, f64::to_bits)
}

impl Ret for () {
    fn into_val(self) -> Option<Val> {
        None
    }
}

/// `callN::<A, B, .., R>`: cast the address to `extern "C" fn(A, B, ..) -> R` and call it.
macro_rules! call_fns {
    ($($name:ident($($p:ident $i:tt),*);)*) => {$(
        #[allow(non_snake_case)]
        unsafe fn $name<$($p: Param,)* R: Ret>(address: *const c_void, args: &[Val]) -> Result<Option<Val>, Trap> {
            let _ = args;
            // SAFETY: the binder vouched that `address` is a C function of this signature.
            let f: extern "C" fn($($p),*) -> R = unsafe { core::mem::transmute(address) };
            Ok(f($($p::from_val(&args[$i])?),*).into_val())
        }
    )*};
}

call_fns! {
    call0();
    call1(A 0);
    call2(A 0, B 1);
    call3(A 0, B 1, C 2);
    call4(A 0, B 1, C 2, D 3);
    call5(A 0, B 1, C 2, D 3, E 4);
    call6(A 0, B 1, C 2, D 3, E 4, F 5);
    call7(A 0, B 1, C 2, D 3, E 4, F 5, G 6);
    call8(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7);
}

/// Bind the C type of `$ty` to the type alias `$T` in `$body`; `None` for other types.
macro_rules! with_c_type {
    ($ty:expr, $T:ident => $body:expr) => {
        match $ty {
            ValType::I32 => {
                type $T = i32;
                $body
            }
            ValType::I64 => {
                type $T = i64;
                $body
            }
            ValType::F32 => {
                type $T = f32;
                $body
            }
            ValType::F64 => {
                type $T = f64;
                $body
            }
            _ => return None,
        }
    };
}

/// Bind the C result type of `$results` to `$R` (`()` for no result).
macro_rules! with_c_result {
    ($results:expr, $R:ident => $body:expr) => {
        match $results {
            [] => {
                type $R = ();
                $body
            }
            [t] => with_c_type!(*t, $R => $body),
            _ => return None,
        }
    };
}

/// The trampoline for a signature, if one exists.
fn trampoline(params: &[ValType], results: &[ValType]) -> Option<Trampoline> {
    Some(match params {
        [] => with_c_result!(results, R => call0::<R> as Trampoline),
        [a] => with_c_type!(*a, A => with_c_result!(results, R => call1::<A, R> as Trampoline)),
        [a, b] => {
            with_c_type!(*a, A => with_c_type!(*b, B => with_c_result!(results, R => call2::<A, B, R> as Trampoline)))
        }
        [a, b, c] => with_c_type!(*a, A => with_c_type!(*b, B => with_c_type!(*c, C =>
            with_c_result!(results, R => call3::<A, B, C, R> as Trampoline)))),
        [first, rest @ ..] if rest.len() <= 7 && rest.iter().all(|t| t == first) => {
            with_c_type!(*first, A => with_c_result!(results, R => match params.len() {
                4 => call4::<A, A, A, A, R> as Trampoline,
                5 => call5::<A, A, A, A, A, R> as Trampoline,
                6 => call6::<A, A, A, A, A, A, R> as Trampoline,
                7 => call7::<A, A, A, A, A, A, A, R> as Trampoline,
                _ => call8::<A, A, A, A, A, A, A, A, R> as Trampoline,
            }))
        }
        _ => return None,
    })
}
