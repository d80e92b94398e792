//! Values crossing the API boundary, and their encoding in 64-bit cells.

use crate::runtime::{ExnRef, Func, StoreId};
use crate::types::ValType;

/// The cell encoding of GC references (ARCHITECTURE.md, "Invariants": a reference cell).
/// `any` and `extern` share one encoding, so `any.convert_extern` and `extern.convert_any`
/// change no cell: 0 is null, `1..=2^32` a host reference (its number plus one), and the
/// tags below an `i31` or a GC object.
pub(crate) mod gc_cell {
    /// An `i31`: this bit, and the 31-bit value in the low bits.
    pub const I31: u64 = 1 << 62;
    /// A GC object of the store's heap: this bit, and the object's index in the low bits.
    pub const OBJECT: u64 = 1 << 61;
    /// With [`OBJECT`]: the object is an array (else a struct).
    pub const ARRAY: u64 = 1 << 60;

    /// The cell of the `i31` holding the low 31 bits of `v`.
    pub fn i31(v: u32) -> u64 {
        I31 | (v & 0x7fff_ffff) as u64
    }

    /// Whether the (non-null) cell is an `i31`.
    pub fn is_i31(cell: u64) -> bool {
        cell & I31 != 0
    }

    /// Whether the cell is a GC object.
    pub fn is_object(cell: u64) -> bool {
        cell & OBJECT != 0
    }

    /// Whether the cell is a GC array.
    pub fn is_array(cell: u64) -> bool {
        cell & (OBJECT | ARRAY) == OBJECT | ARRAY
    }

    /// Whether the (non-null) cell is a host reference.
    pub fn is_host(cell: u64) -> bool {
        cell & (I31 | OBJECT) == 0
    }
}

/// An opaque host reference (`externref`), identified by a host-chosen number. With GC
/// ([`Config::wasm_gc`](crate::Config::wasm_gc)) an `externref` may also be a GC value
/// converted with `extern.convert_any` ([`ExternRef::as_any`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ExternRef(u64);

impl ExternRef {
    /// A reference carrying `value`.
    pub fn new(value: u32) -> ExternRef {
        ExternRef(value as u64 + 1)
    }

    /// The number this reference carries (of a host reference; 0 for a converted GC value).
    pub fn value(self) -> u32 {
        if gc_cell::is_host(self.0) {
            (self.0 - 1) as u32
        } else {
            0
        }
    }

    /// The GC value this reference is (`extern.convert_any`), if it is not a host reference.
    pub fn as_any(self) -> Option<AnyRef> {
        (!gc_cell::is_host(self.0)).then_some(AnyRef(self.0))
    }
}

/// A non-null GC reference (`anyref`, with [`Config::wasm_gc`](crate::Config::wasm_gc)): an
/// `i31`, a struct or an array of the store's GC heap, or a host reference converted with
/// `any.convert_extern`. It does not carry its store: a struct or array given to another
/// store names nothing there (a type mismatch) or another object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AnyRef(u64);

impl AnyRef {
    /// The `i31` holding the low 31 bits of `value`.
    pub fn from_i31(value: u32) -> AnyRef {
        AnyRef(gc_cell::i31(value))
    }

    /// The host reference converted into this one (`any.convert_extern`).
    pub fn from_extern(r: ExternRef) -> AnyRef {
        AnyRef(r.0)
    }

    /// The 31-bit value of an `i31`, zero-extended.
    pub fn as_i31(self) -> Option<u32> {
        gc_cell::is_i31(self.0).then_some(self.0 as u32 & 0x7fff_ffff)
    }

    /// The host reference this is (`any.convert_extern` of it), if it is one.
    pub fn as_extern(self) -> Option<ExternRef> {
        gc_cell::is_host(self.0).then_some(ExternRef(self.0))
    }

    /// Whether this is a GC object (a struct or an array).
    pub fn is_object(self) -> bool {
        gc_cell::is_object(self.0)
    }

    /// Whether this is a struct.
    pub fn is_struct(self) -> bool {
        gc_cell::is_object(self.0) && !gc_cell::is_array(self.0)
    }

    /// Whether this is an array.
    pub fn is_array(self) -> bool {
        gc_cell::is_array(self.0)
    }
}

/// A `v128` value as a typed parameter or result ([`WasmTy`](crate::WasmTy)); [`Val::V128`]
/// holds the same 128 bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct V128(u128);

impl V128 {
    /// The vector's 128 bits (lane 0 in the low bits).
    pub fn as_u128(self) -> u128 {
        self.0
    }
}

impl From<u128> for V128 {
    fn from(bits: u128) -> V128 {
        V128(bits)
    }
}

impl From<V128> for u128 {
    fn from(v: V128) -> u128 {
        v.0
    }
}

impl From<V128> for Val {
    fn from(v: V128) -> Val {
        Val::V128(v.0)
    }
}

/// A WebAssembly value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Val {
    /// `i32`
    I32(i32),
    /// `i64`
    I64(i64),
    /// `f32`, as raw bits so NaN payloads survive.
    F32(u32),
    /// `f64`, as raw bits so NaN payloads survive.
    F64(u64),
    /// `v128`
    V128(u128),
    /// `funcref` (`None` is null).
    FuncRef(Option<Func>),
    /// `externref` (`None` is null).
    ExternRef(Option<ExternRef>),
    /// `exnref` (`None` is null): an exception object of the store (the exception-handling
    /// proposal).
    ExnRef(Option<ExnRef>),
    /// `anyref` and its subtypes (`None` is null; GC).
    AnyRef(Option<AnyRef>),
}

impl Val {
    /// The type of this value (a function reference is a `funcref` here, whatever its
    /// function's type: [`Func::ty`](crate::Func::ty) gives that).
    pub fn ty(&self) -> ValType {
        match self {
            Val::I32(_) => ValType::I32,
            Val::I64(_) => ValType::I64,
            Val::F32(_) => ValType::F32,
            Val::F64(_) => ValType::F64,
            Val::V128(_) => ValType::V128,
            Val::FuncRef(_) => ValType::FuncRef,
            Val::ExternRef(_) => ValType::ExternRef,
            Val::ExnRef(_) => ValType::Ref(crate::types::RefType::ExnRef),
            Val::AnyRef(_) => ValType::Ref(crate::types::RefType::AnyRef),
        }
    }

    /// The default (zero or null) value of a type (null for a non-nullable reference type
    /// too: it has no default, and this is what a zeroed cell of it holds).
    pub fn default_for(ty: ValType) -> Val {
        match ty {
            ValType::Ref(r) if r.is_func() => Val::FuncRef(None),
            ValType::Ref(r) if r.is_exn() => Val::ExnRef(None),
            ValType::Ref(r) if r.is_any() => Val::AnyRef(None),
            ValType::Ref(_) => Val::ExternRef(None),
            ValType::I32 => Val::I32(0),
            ValType::I64 => Val::I64(0),
            ValType::F32 => Val::F32(0),
            ValType::F64 => Val::F64(0),
            ValType::V128 => Val::V128(0),
            ValType::FuncRef => Val::FuncRef(None),
            ValType::ExternRef => Val::ExternRef(None),
        }
    }

    /// Encode into a 64-bit cell (a v128 takes two cells: use [`Val::write_cells`]; here it
    /// gives only its low half). **Invariant:** an `i32` or `f32` cell has its upper 32 bits
    /// zero; a reference cell is 0 for null, else the handle plus one.
    pub(crate) fn to_cell(self) -> u64 {
        match self {
            Val::I32(v) => v as u32 as u64,
            Val::I64(v) => v as u64,
            Val::F32(v) => v as u64,
            Val::F64(v) => v,
            Val::V128(v) => v as u64,
            Val::FuncRef(f) => f.map_or(0, |f| f.0 as u64 + 1),
            Val::ExternRef(e) => e.map_or(0, |e| e.0),
            Val::ExnRef(e) => e.map_or(0, |e| e.0 as u64 + 1),
            Val::AnyRef(a) => a.map_or(0, |a| a.0),
        }
    }

    /// Write this value into `cells` (two cells for a v128, low half first); returns the
    /// number of cells written.
    pub(crate) fn write_cells(self, cells: &mut [u64]) -> usize {
        if let Val::V128(v) = self {
            cells[0] = v as u64;
            cells[1] = (v >> 64) as u64;
            2
        } else {
            cells[0] = self.to_cell();
            1
        }
    }

    /// Read a value of type `ty` from `cells` of the store `store` (whose handles a
    /// `funcref` becomes).
    pub(crate) fn read_cells(ty: ValType, cells: &[u64], store: StoreId) -> Val {
        if ty == ValType::V128 {
            Val::V128(cells[0] as u128 | (cells[1] as u128) << 64)
        } else {
            Val::from_cell(ty, cells[0], store)
        }
    }

    /// The value as 128 bits (how globals hold it).
    pub(crate) fn to_bits128(self) -> u128 {
        match self {
            Val::V128(v) => v,
            other => other.to_cell() as u128,
        }
    }

    /// Decode 128 bits of the given type, from the store `store`.
    pub(crate) fn from_bits128(ty: ValType, bits: u128, store: StoreId) -> Val {
        if ty == ValType::V128 {
            Val::V128(bits)
        } else {
            Val::from_cell(ty, bits as u64, store)
        }
    }

    /// Decode a cell of the given type, from the store `store`: a reference cell holds only
    /// the function's index plus one, the handle gets the store's id.
    pub(crate) fn from_cell(ty: ValType, cell: u64, store: StoreId) -> Val {
        match ty {
            ValType::I32 => Val::I32(cell as u32 as i32),
            ValType::I64 => Val::I64(cell as i64),
            ValType::F32 => Val::F32(cell as u32),
            ValType::F64 => Val::F64(cell),
            ValType::V128 => Val::V128(cell as u128),
            ValType::FuncRef => Val::FuncRef(cell.checked_sub(1).map(|i| Func(i as u32, store))),
            ValType::ExternRef => Val::ExternRef((cell != 0).then_some(ExternRef(cell))),
            ValType::Ref(r) if r.is_func() => Val::from_cell(ValType::FuncRef, cell, store),
            ValType::Ref(r) if r.is_exn() => {
                Val::ExnRef(cell.checked_sub(1).map(|i| ExnRef(i as u32, store)))
            }
            ValType::Ref(r) if r.is_any() => Val::AnyRef((cell != 0).then_some(AnyRef(cell))),
            ValType::Ref(_) => Val::from_cell(ValType::ExternRef, cell, store),
        }
    }
}

impl From<i32> for Val {
    fn from(v: i32) -> Val {
        Val::I32(v)
    }
}
impl From<i64> for Val {
    fn from(v: i64) -> Val {
        Val::I64(v)
    }
}
impl From<f32> for Val {
    fn from(v: f32) -> Val {
        Val::F32(v.to_bits())
    }
}
impl From<f64> for Val {
    fn from(v: f64) -> Val {
        Val::F64(v.to_bits())
    }
}
