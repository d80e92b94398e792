//! Typed functions, as in wasmtime: [`TypedFunc`] (from [`Func::typed`] or
//! [`Instance::get_typed_func`]), host functions from plain closures ([`Func::wrap`],
//! [`Linker::func_wrap`](super::Linker::func_wrap)), and the traits that map Rust types to
//! wasm types ([`WasmTy`], [`WasmParams`], [`WasmResults`], [`WasmRet`], [`IntoFunc`]).
//!
//! A typed call checks the signature once, when the [`TypedFunc`] is made; each call then
//! writes its arguments straight into the engine's value stack and reads the results from it,
//! without [`Val`]s, a results buffer or a per-argument type check.

use alloc::sync::Arc;
use core::marker::PhantomData;

use super::context::{AsContext, AsContextMut};
use super::{Caller, Extern, Func, FuncKind, HostFn, Instance, StoreId};
use crate::error::{Error, Trap, TypeMismatch};
use crate::types::{FuncType, ValType};
use crate::value::{ExternRef, Val, V128};

pub(crate) mod sealed {
    use crate::error::Trap;
    use crate::runtime::StoreId;
    use crate::types::ValType;
    use crate::value::Val;

    /// How one Rust type is a wasm value.
    pub trait Ty: Sized + Copy {
        /// Its wasm type.
        const TYPE: ValType;
        /// Cells it takes on the value stack.
        const CELLS: usize;
        /// Whether it is a reference into a store other than `id`.
        fn foreign(&self, _id: StoreId) -> bool {
            false
        }
        /// As a [`Val`] of store `id`'s handles.
        fn into_val(self) -> Val;
        /// From a [`Val`] of type [`Self::TYPE`] (another type gives the zero value).
        fn from_val(v: Val) -> Self;
        /// Write into `cells[0..CELLS]`.
        fn store(self, cells: &mut [u64]);
        /// Read from `cells[0..CELLS]`, a reference becoming a handle of store `id`.
        fn load(cells: &[u64], id: StoreId) -> Self;
    }

    /// How a tuple of Rust types is a list of wasm values.
    pub trait List: Sized {
        /// The wasm types, in order.
        const TYPES: &'static [ValType];
        /// Whether any value is a reference into a store other than `id`.
        fn foreign(&self, id: StoreId) -> bool;
        /// Write the values into consecutive cells.
        fn store(self, cells: &mut [u64]);
        /// Read the values from consecutive cells.
        fn load(cells: &[u64], id: StoreId) -> Self;
        /// Write the values into `out` (exactly `TYPES.len()` long).
        fn into_vals(self, out: &mut [Val]);
        /// Read the values from `vals` (of the types `TYPES`).
        fn from_vals(vals: &[Val]) -> Self;
    }

    /// What a wrapped host closure may return.
    pub trait Ret {
        /// The results.
        type Ok: List;
        /// The results, or the closure's trap.
        fn into_result(self) -> Result<Self::Ok, Trap>;
    }
}

/// A Rust type that is a wasm value type: `i32`, `u32` (as `i32`), `i64`, `u64` (as `i64`),
/// `f32`, `f64`, [`V128`], `Option<Func>` (`funcref`) and `Option<ExternRef>` (`externref`).
pub trait WasmTy: sealed::Ty + Send + Sync + 'static {}

/// The parameters of a typed function: `()`, one [`WasmTy`], or a tuple of up to 16.
pub trait WasmParams: sealed::List + Send + Sync + 'static {}

/// The results of a typed function: `()`, one [`WasmTy`], or a tuple of up to 16.
pub trait WasmResults: WasmParams {}

/// What a closure given to [`Func::wrap`] may return: its results ([`WasmResults`]) or
/// `Result<results, Trap>` (an `Err` traps the calling wasm code with that trap).
pub trait WasmRet: sealed::Ret {}

impl<R: WasmResults> sealed::Ret for R {
    type Ok = R;
    fn into_result(self) -> Result<R, Trap> {
        Ok(self)
    }
}
impl<R: WasmResults> WasmRet for R {}

impl<R: WasmResults> sealed::Ret for Result<R, Trap> {
    type Ok = R;
    fn into_result(self) -> Result<R, Trap> {
        self
    }
}
impl<R: WasmResults> WasmRet for Result<R, Trap> {}

macro_rules! scalar {
    ($($t:ty => $vt:ident, $val:ident, |$x:ident| $to:expr, |$c:ident| $from:expr;)*) => {$(
        impl sealed::Ty for $t {
            const TYPE: ValType = ValType::$vt;
            const CELLS: usize = 1;
            #[inline]
            fn into_val(self) -> Val {
                let $x = self;
                let $c: u64 = $to;
                Val::from_cell(ValType::$vt, $c, StoreId::default())
            }
            #[inline]
            fn from_val(v: Val) -> Self {
                match v {
                    Val::$val(_) => {
                        let $c = v.to_cell();
                        $from
                    }
                    _ => <$t>::default(),
                }
            }
            #[inline]
            fn store(self, cells: &mut [u64]) {
                let $x = self;
                cells[0] = $to;
            }
            #[inline]
            fn load(cells: &[u64], _id: StoreId) -> Self {
                let $c = cells[0];
                $from
            }
        }
        impl WasmTy for $t {}
    )*};
}

scalar! {
    i32 => I32, I32, |x| x as u32 as u64, |c| c as u32 as i32;
    u32 => I32, I32, |x| x as u64, |c| c as u32;
    i64 => I64, I64, |x| x as u64, |c| c as i64;
    u64 => I64, I64, |x| x, |c| c;
    f32 => F32, F32, |x| x.to_bits() as u64, |c| f32::from_bits(c as u32);
    f64 => F64, F64, |x| x.to_bits(), |c| f64::from_bits(c);
}

impl sealed::Ty for V128 {
    const TYPE: ValType = ValType::V128;
    const CELLS: usize = 2;
    fn into_val(self) -> Val {
        Val::V128(self.as_u128())
    }
    fn from_val(v: Val) -> Self {
        match v {
            Val::V128(b) => V128::from(b),
            _ => V128::default(),
        }
    }
    fn store(self, cells: &mut [u64]) {
        let b = self.as_u128();
        cells[0] = b as u64;
        cells[1] = (b >> 64) as u64;
    }
    fn load(cells: &[u64], _id: StoreId) -> Self {
        V128::from(cells[0] as u128 | (cells[1] as u128) << 64)
    }
}
impl WasmTy for V128 {}

impl sealed::Ty for Option<Func> {
    const TYPE: ValType = ValType::FuncRef;
    const CELLS: usize = 1;
    fn foreign(&self, id: StoreId) -> bool {
        matches!(self, Some(f) if f.1 != id)
    }
    fn into_val(self) -> Val {
        Val::FuncRef(self)
    }
    fn from_val(v: Val) -> Self {
        match v {
            Val::FuncRef(f) => f,
            _ => None,
        }
    }
    fn store(self, cells: &mut [u64]) {
        cells[0] = Val::FuncRef(self).to_cell();
    }
    fn load(cells: &[u64], id: StoreId) -> Self {
        cells[0].checked_sub(1).map(|i| Func(i as u32, id))
    }
}
impl WasmTy for Option<Func> {}

impl sealed::Ty for Option<ExternRef> {
    const TYPE: ValType = ValType::ExternRef;
    const CELLS: usize = 1;
    fn into_val(self) -> Val {
        Val::ExternRef(self)
    }
    fn from_val(v: Val) -> Self {
        match v {
            Val::ExternRef(e) => e,
            _ => None,
        }
    }
    fn store(self, cells: &mut [u64]) {
        cells[0] = Val::ExternRef(self).to_cell();
    }
    fn load(cells: &[u64], _id: StoreId) -> Self {
        cells[0].checked_sub(1).map(|i| ExternRef::new(i as u32))
    }
}
impl WasmTy for Option<ExternRef> {}

impl sealed::List for () {
    const TYPES: &'static [ValType] = &[];
    fn foreign(&self, _id: StoreId) -> bool {
        false
    }
    fn store(self, _cells: &mut [u64]) {}
    fn load(_cells: &[u64], _id: StoreId) -> Self {}
    fn into_vals(self, _out: &mut [Val]) {}
    fn from_vals(_vals: &[Val]) -> Self {}
}
impl WasmParams for () {}
impl WasmResults for () {}

impl<A: WasmTy> sealed::List for A {
    const TYPES: &'static [ValType] = &[A::TYPE];
    #[inline]
    fn foreign(&self, id: StoreId) -> bool {
        sealed::Ty::foreign(self, id)
    }
    #[inline]
    fn store(self, cells: &mut [u64]) {
        sealed::Ty::store(self, cells)
    }
    #[inline]
    fn load(cells: &[u64], id: StoreId) -> Self {
        <A as sealed::Ty>::load(cells, id)
    }
    fn into_vals(self, out: &mut [Val]) {
        if let Some(o) = out.first_mut() {
            *o = self.into_val();
        }
    }
    fn from_vals(vals: &[Val]) -> Self {
        A::from_val(vals.first().copied().unwrap_or(Val::I32(0)))
    }
}
impl<A: WasmTy> WasmParams for A {}
impl<A: WasmTy> WasmResults for A {}

macro_rules! tuple {
    ($($A:ident $a:ident),+) => {
        impl<$($A: WasmTy),+> sealed::List for ($($A,)+) {
            const TYPES: &'static [ValType] = &[$($A::TYPE),+];
            #[inline]
            fn foreign(&self, id: StoreId) -> bool {
                let ($($a,)+) = self;
                false $(|| sealed::Ty::foreign($a, id))+
            }
            #[inline]
            fn store(self, cells: &mut [u64]) {
                let ($($a,)+) = self;
                let mut at = 0;
                $(
                    sealed::Ty::store($a, &mut cells[at..]);
                    at += $A::CELLS;
                )+
                let _ = at;
            }
            #[inline]
            fn load(cells: &[u64], id: StoreId) -> Self {
                let mut at = 0;
                $(
                    let $a = <$A as sealed::Ty>::load(&cells[at..], id);
                    at += $A::CELLS;
                )+
                let _ = at;
                ($($a,)+)
            }
            fn into_vals(self, out: &mut [Val]) {
                let ($($a,)+) = self;
                let mut out = out.iter_mut();
                $(
                    if let Some(o) = out.next() {
                        *o = $a.into_val();
                    }
                )+
            }
            fn from_vals(vals: &[Val]) -> Self {
                let mut vals = vals.iter().copied();
                $(let $a = $A::from_val(vals.next().unwrap_or(Val::I32(0)));)+
                ($($a,)+)
            }
        }
        impl<$($A: WasmTy),+> WasmParams for ($($A,)+) {}
        impl<$($A: WasmTy),+> WasmResults for ($($A,)+) {}
    };
}

tuple!(A1 a1);
tuple!(A1 a1, A2 a2);
tuple!(A1 a1, A2 a2, A3 a3);
tuple!(A1 a1, A2 a2, A3 a3, A4 a4);
tuple!(A1 a1, A2 a2, A3 a3, A4 a4, A5 a5);
tuple!(A1 a1, A2 a2, A3 a3, A4 a4, A5 a5, A6 a6);
tuple!(A1 a1, A2 a2, A3 a3, A4 a4, A5 a5, A6 a6, A7 a7);
tuple!(A1 a1, A2 a2, A3 a3, A4 a4, A5 a5, A6 a6, A7 a7, A8 a8);
tuple!(A1 a1, A2 a2, A3 a3, A4 a4, A5 a5, A6 a6, A7 a7, A8 a8, A9 a9);
tuple!(A1 a1, A2 a2, A3 a3, A4 a4, A5 a5, A6 a6, A7 a7, A8 a8, A9 a9, A10 a10);
tuple!(A1 a1, A2 a2, A3 a3, A4 a4, A5 a5, A6 a6, A7 a7, A8 a8, A9 a9, A10 a10, A11 a11);
tuple!(A1 a1, A2 a2, A3 a3, A4 a4, A5 a5, A6 a6, A7 a7, A8 a8, A9 a9, A10 a10, A11 a11, A12 a12);
tuple!(A1 a1, A2 a2, A3 a3, A4 a4, A5 a5, A6 a6, A7 a7, A8 a8, A9 a9, A10 a10, A11 a11, A12 a12, A13 a13);
tuple!(A1 a1, A2 a2, A3 a3, A4 a4, A5 a5, A6 a6, A7 a7, A8 a8, A9 a9, A10 a10, A11 a11, A12 a12, A13 a13, A14 a14);
tuple!(A1 a1, A2 a2, A3 a3, A4 a4, A5 a5, A6 a6, A7 a7, A8 a8, A9 a9, A10 a10, A11 a11, A12 a12, A13 a13, A14 a14, A15 a15);
tuple!(A1 a1, A2 a2, A3 a3, A4 a4, A5 a5, A6 a6, A7 a7, A8 a8, A9 a9, A10 a10, A11 a11, A12 a12, A13 a13, A14 a14, A15 a15, A16 a16);

/// `Ok` if a function of type `ty` can be called as `Params -> Results`; otherwise which
/// parameter or result differs and both types.
pub(crate) fn check_signature<Params: WasmParams, Results: WasmResults>(
    ty: &FuncType,
) -> Result<(), TypeMismatch> {
    check_list(ty.params(), Params::TYPES, true)?;
    check_list(ty.results(), Results::TYPES, false)
}

fn check_list(expected: &[ValType], found: &[ValType], params: bool) -> Result<(), TypeMismatch> {
    if expected.len() != found.len() {
        let (expected, found) = (expected.len(), found.len());
        return Err(if params {
            TypeMismatch::ParamCount { expected, found }
        } else {
            TypeMismatch::ResultCount { expected, found }
        });
    }
    match expected.iter().zip(found).position(|(e, f)| e != f) {
        None => Ok(()),
        Some(index) => {
            let (expected, found) = (expected[index], found[index]);
            Err(if params {
                TypeMismatch::Param {
                    index,
                    expected,
                    found,
                }
            } else {
                TypeMismatch::Result {
                    index,
                    expected,
                    found,
                }
            })
        }
    }
}

/// A function whose signature was checked against `Params -> Results` once, so calls take
/// and return plain Rust values. Made by [`Func::typed`] or [`Instance::get_typed_func`].
pub struct TypedFunc<Params, Results> {
    func: Func,
    _marker: PhantomData<fn(Params) -> Results>,
}

impl<Params, Results> Clone for TypedFunc<Params, Results> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<Params, Results> Copy for TypedFunc<Params, Results> {}

impl<Params, Results> core::fmt::Debug for TypedFunc<Params, Results> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_tuple("TypedFunc").field(&self.func).finish()
    }
}

impl<Params: WasmParams, Results: WasmResults> TypedFunc<Params, Results> {
    /// The untyped function.
    pub fn func(&self) -> &Func {
        &self.func
    }

    /// Call the function. A function or a `funcref` argument of another store is
    /// [`Error::WrongStore`]; a trap is [`Error::Trap`].
    pub fn call(&self, mut store: impl AsContextMut, params: Params) -> Result<Results, Error> {
        let store = store.as_context_mut().0;
        store.check(self.func.1)?;
        let id = store.inner.id;
        if params.foreign(id) {
            return Err(Error::WrongStore);
        }
        if let FuncKind::Host { host } = store.inner.funcs[self.func.0 as usize].kind {
            return call_host_typed(store, self.func.0, host, params);
        }
        let out = crate::exec::call_wasm(
            store,
            self.func.0,
            |cells| params.store(cells),
            |cells| Results::load(cells, id),
        )?;
        // `call_wasm` declines only host functions, handled above.
        out.ok_or(Error::Type("not a wasm function"))
    }
}

/// A typed call of a host function: through [`Val`]s, as the host function takes them.
fn call_host_typed<T, Params: WasmParams, Results: WasmResults>(
    store: &mut super::Store<T>,
    f: u32,
    _host: u32,
    params: Params,
) -> Result<Results, Error> {
    let mut args = [Val::I32(0); 16];
    let mut rets = [Val::I32(0); 16];
    let (np, nr) = (Params::TYPES.len(), Results::TYPES.len());
    params.into_vals(&mut args[..np]);
    crate::exec::call(store, Func(f, store.inner.id), &args[..np], &mut rets[..nr])?;
    Ok(Results::from_vals(&rets[..nr]))
}

impl Func {
    /// This function as a [`TypedFunc`]: its signature must be exactly `Params -> Results`,
    /// else [`Error::TypeMismatch`] says which parameter or result differs and both types. A
    /// function of another store is [`Error::WrongStore`].
    pub fn typed<Params: WasmParams, Results: WasmResults>(
        &self,
        store: impl AsContext,
    ) -> Result<TypedFunc<Params, Results>, Error> {
        let store = store.as_context();
        store.check(self.1)?;
        check_signature::<Params, Results>(&store.inner.funcs[self.0 as usize].ty)?;
        Ok(TypedFunc {
            func: *self,
            _marker: PhantomData,
        })
    }

    /// A host function from a Rust closure whose parameter and result types give its wasm
    /// signature: `|a: i32, b: i64| -> f32`, optionally taking a [`Caller`] first, returning
    /// nothing, a [`WasmTy`], a tuple, or a `Result<_, Trap>` of those (an `Err` traps the
    /// caller).
    ///
    /// ```
    /// use fayasm::{Caller, Engine, Func, Store};
    ///
    /// let mut store = Store::new(&Engine::default(), 10_i32);
    /// let add = Func::wrap(&mut store, |caller: Caller<'_, i32>, a: i32| a + *caller.data());
    /// let add = add.typed::<i32, i32>(&store).unwrap();
    /// assert_eq!(add.call(&mut store, 32).unwrap(), 42);
    /// ```
    pub fn wrap<T: 'static, Params, Results>(
        mut store: impl AsContextMut<Data = T>,
        func: impl IntoFunc<T, Params, Results>,
    ) -> Func {
        let (ty, host) = func.into_host();
        store.as_context_mut().0.add_host(ty, host)
    }
}

impl Instance {
    /// The exported function `name` as a [`TypedFunc`]: [`Error::MissingExport`] if there is
    /// no such function, [`Error::TypeMismatch`] if its signature is not `Params -> Results`.
    pub fn get_typed_func<Params: WasmParams, Results: WasmResults>(
        &self,
        store: impl AsContext,
        name: &str,
    ) -> Result<TypedFunc<Params, Results>, Error> {
        let store = store.as_context();
        store.check(self.1)?;
        match self.get_export(&*store, name) {
            Some(Extern::Func(func)) => func.typed(&*store),
            other => Err(Error::MissingExport {
                name: name.into(),
                kind: "function",
                found: other.map(|e| match e {
                    Extern::Func(_) => "function",
                    Extern::Global(_) => "global",
                    Extern::Memory(_) => "memory",
                    Extern::Table(_) => "table",
                    Extern::Tag(_) => "tag",
                }),
            }),
        }
    }
}

/// A Rust closure usable as a host function ([`Func::wrap`],
/// [`Linker::func_wrap`](super::Linker::func_wrap)): `Fn(A1, .., An) -> R` or
/// `Fn(Caller<'_, T>, A1, .., An) -> R` with up to 16 [`WasmTy`] parameters, `Send + Sync +
/// 'static`, `R` a [`WasmRet`].
pub trait IntoFunc<T, Params, Results>: Send + Sync + 'static {
    /// The signature and the host function as the store keeps it.
    #[doc(hidden)]
    fn into_host(self) -> (FuncType, HostFn<T>);
}

macro_rules! into_func {
    ($($A:ident $a:ident),*) => {
        impl<T: 'static, F, R, $($A,)*> IntoFunc<T, ($($A,)*), R> for F
        where
            F: Fn($($A),*) -> R + Send + Sync + 'static,
            $($A: WasmTy,)*
            R: WasmRet,
        {
            #[allow(unused_variables, unused_mut)]
            fn into_host(self) -> (FuncType, HostFn<T>) {
                let ty = FuncType::new(
                    [$($A::TYPE),*],
                    <R::Ok as sealed::List>::TYPES.iter().copied(),
                );
                let host = move |_caller: Caller<'_, T>, params: &[Val], results: &mut [Val]| {
                    let mut params = params.iter().copied();
                    $(let $a = $A::from_val(params.next().unwrap_or(Val::I32(0)));)*
                    sealed::List::into_vals(sealed::Ret::into_result(self($($a),*))?, results);
                    Ok(())
                };
                (ty, Arc::new(host))
            }
        }

        impl<T: 'static, F, R, $($A,)*> IntoFunc<T, (Caller<'_, T>, $($A,)*), R> for F
        where
            F: Fn(Caller<'_, T>, $($A),*) -> R + Send + Sync + 'static,
            $($A: WasmTy,)*
            R: WasmRet,
        {
            #[allow(unused_variables, unused_mut)]
            fn into_host(self) -> (FuncType, HostFn<T>) {
                let ty = FuncType::new(
                    [$($A::TYPE),*],
                    <R::Ok as sealed::List>::TYPES.iter().copied(),
                );
                let host = move |caller: Caller<'_, T>, params: &[Val], results: &mut [Val]| {
                    let mut params = params.iter().copied();
                    $(let $a = $A::from_val(params.next().unwrap_or(Val::I32(0)));)*
                    sealed::List::into_vals(sealed::Ret::into_result(self(caller, $($a),*))?, results);
                    Ok(())
                };
                (ty, Arc::new(host))
            }
        }
    };
}

into_func!();
into_func!(A1 a1);
into_func!(A1 a1, A2 a2);
into_func!(A1 a1, A2 a2, A3 a3);
into_func!(A1 a1, A2 a2, A3 a3, A4 a4);
into_func!(A1 a1, A2 a2, A3 a3, A4 a4, A5 a5);
into_func!(A1 a1, A2 a2, A3 a3, A4 a4, A5 a5, A6 a6);
into_func!(A1 a1, A2 a2, A3 a3, A4 a4, A5 a5, A6 a6, A7 a7);
into_func!(A1 a1, A2 a2, A3 a3, A4 a4, A5 a5, A6 a6, A7 a7, A8 a8);
into_func!(A1 a1, A2 a2, A3 a3, A4 a4, A5 a5, A6 a6, A7 a7, A8 a8, A9 a9);
into_func!(A1 a1, A2 a2, A3 a3, A4 a4, A5 a5, A6 a6, A7 a7, A8 a8, A9 a9, A10 a10);
into_func!(A1 a1, A2 a2, A3 a3, A4 a4, A5 a5, A6 a6, A7 a7, A8 a8, A9 a9, A10 a10, A11 a11);
into_func!(A1 a1, A2 a2, A3 a3, A4 a4, A5 a5, A6 a6, A7 a7, A8 a8, A9 a9, A10 a10, A11 a11, A12 a12);
into_func!(A1 a1, A2 a2, A3 a3, A4 a4, A5 a5, A6 a6, A7 a7, A8 a8, A9 a9, A10 a10, A11 a11, A12 a12, A13 a13);
into_func!(A1 a1, A2 a2, A3 a3, A4 a4, A5 a5, A6 a6, A7 a7, A8 a8, A9 a9, A10 a10, A11 a11, A12 a12, A13 a13, A14 a14);
into_func!(A1 a1, A2 a2, A3 a3, A4 a4, A5 a5, A6 a6, A7 a7, A8 a8, A9 a9, A10 a10, A11 a11, A12 a12, A13 a13, A14 a14, A15 a15);
into_func!(A1 a1, A2 a2, A3 a3, A4 a4, A5 a5, A6 a6, A7 a7, A8 a8, A9 a9, A10 a10, A11 a11, A12 a12, A13 a13, A14 a14, A15 a15, A16 a16);
