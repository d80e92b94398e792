//! Value and entity types of the public API.

use alloc::sync::Arc;
use alloc::vec::Vec;

/// The type of a WebAssembly value.
///
/// `FuncRef` and `ExternRef` are the nullable abstract references `(ref null func)` and
/// `(ref null extern)`; every other reference type (typed function references,
/// [`Config::wasm_function_references`](crate::Config::wasm_function_references)) is
/// `Ref`. Equality and hashing treat `Ref(RefType::FuncRef)` as `FuncRef` (the same type
/// written two ways); the engine itself only makes the short forms.
#[derive(Debug, Clone, Copy)]
pub enum ValType {
    /// 32-bit integer.
    I32,
    /// 64-bit integer.
    I64,
    /// 32-bit IEEE-754 float.
    F32,
    /// 64-bit IEEE-754 float.
    F64,
    /// 128-bit vector.
    V128,
    /// Nullable function reference (`funcref`, `(ref null func)`).
    FuncRef,
    /// Nullable host reference (`externref`, `(ref null extern)`).
    ExternRef,
    /// Any other reference type: non-nullable, or to a concrete function type.
    Ref(RefType),
}

impl PartialEq for ValType {
    fn eq(&self, other: &ValType) -> bool {
        self.canonical_key() == other.canonical_key()
    }
}

impl Eq for ValType {}

impl core::hash::Hash for ValType {
    fn hash<H: core::hash::Hasher>(&self, state: &mut H) {
        self.canonical_key().hash(state)
    }
}

impl ValType {
    /// One spelling per type: a reference as its [`RefType`], anything else by tag.
    fn canonical_key(self) -> (u8, Option<RefType>) {
        match self.as_ref_type() {
            Some(r) => (5, Some(r)),
            None => (
                match self {
                    ValType::I32 => 0,
                    ValType::I64 => 1,
                    ValType::F32 => 2,
                    ValType::F64 => 3,
                    _ => 4,
                },
                None,
            ),
        }
    }

    /// Whether this is a reference type.
    pub fn is_ref(self) -> bool {
        self.as_ref_type().is_some()
    }

    /// The reference type this is, if it is one (`FuncRef` is [`RefType::FuncRef`], ...).
    pub fn as_ref_type(self) -> Option<RefType> {
        match self {
            ValType::FuncRef => Some(RefType::FuncRef),
            ValType::ExternRef => Some(RefType::ExternRef),
            ValType::Ref(r) => Some(r),
            _ => None,
        }
    }

    /// Whether a value of this type may be used where `expected` is required (subtyping:
    /// `(ref $t) <: (ref null $t) <: funcref`, `(ref func) <: funcref`, ...). Concrete types
    /// compare by index, so both sides must use the same index space (both of one module,
    /// or both canonical ids of one store).
    pub fn matches(self, expected: ValType) -> bool {
        self.matches_with(expected, |_, _| false)
    }

    /// [`ValType::matches`] with `is_sub` answering for two different defined types.
    pub(crate) fn matches_with(self, expected: ValType, is_sub: impl Fn(u32, u32) -> bool) -> bool {
        match (self.as_ref_type(), expected.as_ref_type()) {
            (Some(a), Some(b)) => a.matches_with(b, is_sub),
            (None, None) => self == expected,
            _ => false,
        }
    }

    /// The type as the cells hold it: a function reference of any type is `FuncRef`, a host,
    /// exception or GC reference `ExternRef` (what storing or decoding a cell needs to know:
    /// a checkpoint stores neither kind unless null).
    pub(crate) fn cell_kind(self) -> ValType {
        match self {
            ValType::Ref(r) if r.is_func() => ValType::FuncRef,
            ValType::Ref(_) => ValType::ExternRef,
            other => other,
        }
    }

    /// Map the concrete type indices in this type through `f`.
    pub(crate) fn map_concrete(self, f: impl FnOnce(u32) -> u32) -> ValType {
        match self {
            ValType::Ref(r) => ValType::from(r.map_concrete(f)),
            other => other,
        }
    }

    /// The value type of `ty`, its defined types taken as function types (enough for its
    /// cells; see [`ValType::from_wasmparser_in`]).
    pub(crate) fn from_wasmparser(ty: wasmparser::ValType) -> Option<ValType> {
        ValType::from_wasmparser_in(ty, &|_| Some(TypeKind::Func))
    }

    /// The value type of `ty`, `kind` telling what the module's type `i` is.
    pub(crate) fn from_wasmparser_in(
        ty: wasmparser::ValType,
        kind: &dyn Fn(u32) -> Option<TypeKind>,
    ) -> Option<ValType> {
        Some(match ty {
            wasmparser::ValType::I32 => ValType::I32,
            wasmparser::ValType::I64 => ValType::I64,
            wasmparser::ValType::F32 => ValType::F32,
            wasmparser::ValType::F64 => ValType::F64,
            wasmparser::ValType::V128 => ValType::V128,
            wasmparser::ValType::Ref(r) => RefType::from_wasmparser_in(r, kind)?.into(),
        })
    }
}

impl ValType {
    /// The 64-bit cells a value of this type takes in a frame or on the value stack: 2 for
    /// `v128`, 1 for every other type (the value layout of ARCHITECTURE.md's microcode).
    pub(crate) fn cells(self) -> u32 {
        if matches!(self, ValType::V128) {
            2
        } else {
            1
        }
    }

    /// The cells a list of values takes, laid out one after the other.
    pub(crate) fn cells_of(types: &[ValType]) -> u32 {
        types.iter().map(|t| t.cells()).sum()
    }
}

impl ValType {
    /// The type's name in the text format (`i32`, `funcref`, ...; a concrete reference is
    /// `(ref $t)` here, with its index in [`Display`](core::fmt::Display)).
    pub fn name(self) -> &'static str {
        match self {
            ValType::I32 => "i32",
            ValType::I64 => "i64",
            ValType::F32 => "f32",
            ValType::F64 => "f64",
            ValType::V128 => "v128",
            ValType::FuncRef => "funcref",
            ValType::ExternRef => "externref",
            ValType::Ref(r) => r.name(),
        }
    }
}

impl core::fmt::Display for ValType {
    /// The type's name in the text format ([`ValType::name`]; a concrete reference with its
    /// type index, `(ref null 3)`).
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self.as_ref_type() {
            Some(r) if r != RefType::FuncRef && r != RefType::ExternRef => write!(f, "{r}"),
            _ => f.write_str(self.name()),
        }
    }
}

/// What a reference points to.
///
/// The abstract heap types form three hierarchies (four with exceptions): `func` above every
/// function type and `nofunc` below them; `extern` above `noextern`; `exn` above `noexn`;
/// and, with GC ([`Config::wasm_gc`](crate::Config::wasm_gc)), `any` above `eq`, which is
/// above `i31`, `struct` (above every struct type) and `array` (above every array type),
/// with `none` below them all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HeapType {
    /// Any function (`func`).
    Func,
    /// Any host reference (`extern`).
    Extern,
    /// Any exception (`exn`, the exception-handling proposal,
    /// [`Config::wasm_exceptions`](crate::Config::wasm_exceptions)).
    Exn,
    /// Any GC value (`any`: `i31`, structs, arrays, and host references converted with
    /// `any.convert_extern`).
    Any,
    /// Values comparable with `ref.eq` (`eq`: `i31`, structs and arrays).
    Eq,
    /// Unboxed 31-bit integers (`i31`).
    I31,
    /// Any struct (`struct`).
    Struct,
    /// Any array (`array`).
    Array,
    /// The bottom of `any` (`none`): only null.
    None,
    /// The bottom of `func` (`nofunc`): only null.
    NoFunc,
    /// The bottom of `extern` (`noextern`): only null.
    NoExtern,
    /// The bottom of `exn` (`noexn`): only null.
    NoExn,
    /// A function of one function type (`$t`, typed function references). The number is
    /// the type's index: in the types of a [`Module`](crate::Module) (its imports and
    /// exports), the module's type index; in the types of a store's entities
    /// ([`Func::ty`](crate::Func::ty), [`Global::ty`](crate::Global::ty),
    /// [`Table::ty`](crate::Table::ty)), the store's canonical id of the function type (two
    /// structurally equal types, recursion groups compared whole, have one id).
    Concrete(u32),
    /// A struct of one struct type (GC), numbered as [`HeapType::Concrete`].
    ConcreteStruct(u32),
    /// An array of one array type (GC), numbered as [`HeapType::Concrete`].
    ConcreteArray(u32),
}

/// What a defined type is: a function, struct or array type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum TypeKind {
    Func,
    Struct,
    Array,
}

impl HeapType {
    /// The top of this type's hierarchy (`func`, `extern`, `exn` or `any`).
    pub fn top(self) -> HeapType {
        match self {
            HeapType::Func | HeapType::NoFunc | HeapType::Concrete(_) => HeapType::Func,
            HeapType::Extern | HeapType::NoExtern => HeapType::Extern,
            HeapType::Exn | HeapType::NoExn => HeapType::Exn,
            HeapType::Any
            | HeapType::Eq
            | HeapType::I31
            | HeapType::Struct
            | HeapType::Array
            | HeapType::None
            | HeapType::ConcreteStruct(_)
            | HeapType::ConcreteArray(_) => HeapType::Any,
        }
    }

    /// The bottom of this type's hierarchy (`nofunc`, `noextern`, `noexn` or `none`).
    pub fn bottom(self) -> HeapType {
        match self.top() {
            HeapType::Func => HeapType::NoFunc,
            HeapType::Extern => HeapType::NoExtern,
            HeapType::Exn => HeapType::NoExn,
            _ => HeapType::None,
        }
    }

    /// The abstract heap types in the order of their codes (`abstract_code`).
    #[cfg_attr(not(feature = "gc"), allow(dead_code))] // used by the `gc` feature's ops
    const ABSTRACT: [HeapType; 12] = [
        HeapType::Any,
        HeapType::Eq,
        HeapType::I31,
        HeapType::Struct,
        HeapType::Array,
        HeapType::None,
        HeapType::Func,
        HeapType::NoFunc,
        HeapType::Extern,
        HeapType::NoExtern,
        HeapType::Exn,
        HeapType::NoExn,
    ];

    /// A small number for an abstract heap type (microcode operands of the GC casts); `None`
    /// for a defined type.
    #[cfg_attr(not(feature = "gc"), allow(dead_code))] // used by the `gc` feature's ops
    pub(crate) fn abstract_code(self) -> Option<u32> {
        HeapType::ABSTRACT
            .iter()
            .position(|&h| h == self)
            .map(|i| i as u32)
    }

    /// The abstract heap type of `code` ([`HeapType::abstract_code`]).
    #[cfg_attr(not(feature = "gc"), allow(dead_code))] // used by the `gc` feature's ops
    pub(crate) fn from_abstract_code(code: u32) -> Option<HeapType> {
        HeapType::ABSTRACT.get(code as usize).copied()
    }

    /// The concrete type index, if this is a defined type.
    pub(crate) fn concrete(self) -> Option<u32> {
        match self {
            HeapType::Concrete(i) | HeapType::ConcreteStruct(i) | HeapType::ConcreteArray(i) => {
                Some(i)
            }
            _ => None,
        }
    }

    /// Whether this heap type is a subtype of `expected`; `is_sub(a, b)` answers for two
    /// defined types of the same kind (their indices in one index space).
    pub(crate) fn matches_with(
        self,
        expected: HeapType,
        is_sub: impl Fn(u32, u32) -> bool,
    ) -> bool {
        use HeapType as H;
        if self.top() != expected.top() {
            return false;
        }
        if self == self.bottom() {
            return true;
        }
        match (self, expected) {
            (H::Concrete(a), H::Concrete(b))
            | (H::ConcreteStruct(a), H::ConcreteStruct(b))
            | (H::ConcreteArray(a), H::ConcreteArray(b)) => a == b || is_sub(a, b),
            (_, H::Func | H::Extern | H::Exn | H::Any) => true,
            (H::Eq | H::I31 | H::Struct | H::Array, H::Eq) => true,
            (H::ConcreteStruct(_) | H::ConcreteArray(_), H::Eq) => true,
            (H::ConcreteStruct(_), H::Struct) | (H::ConcreteArray(_), H::Array) => true,
            (a, b) => a == b,
        }
    }
}

/// The type of a reference: whether it may be null, and what it points to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RefType {
    nullable: bool,
    heap: HeapType,
}

#[allow(non_upper_case_globals)]
impl RefType {
    /// `funcref`: `(ref null func)`.
    pub const FuncRef: RefType = RefType::new(true, HeapType::Func);
    /// `externref`: `(ref null extern)`.
    pub const ExternRef: RefType = RefType::new(true, HeapType::Extern);
    /// `exnref`: `(ref null exn)`.
    pub const ExnRef: RefType = RefType::new(true, HeapType::Exn);
    /// `anyref`: `(ref null any)` (GC).
    pub const AnyRef: RefType = RefType::new(true, HeapType::Any);

    /// `(ref null? heap)`.
    pub const fn new(nullable: bool, heap: HeapType) -> RefType {
        RefType { nullable, heap }
    }

    /// Whether null is a value of this type.
    pub fn is_nullable(self) -> bool {
        self.nullable
    }

    /// What the reference points to.
    pub fn heap_type(self) -> HeapType {
        self.heap
    }

    /// Whether this is a function reference type (of any function type, or `nofunc`).
    pub fn is_func(self) -> bool {
        self.heap.top() == HeapType::Func
    }

    /// Whether this is an exception reference type (`exnref`, `(ref exn)`, `noexn`).
    pub fn is_exn(self) -> bool {
        self.heap.top() == HeapType::Exn
    }

    /// Whether this is a GC reference type (in the hierarchy of `any`).
    pub fn is_any(self) -> bool {
        self.heap.top() == HeapType::Any
    }

    /// Whether a reference of this type may be used where `expected` is required. Two
    /// defined types match only when they are the same index here (declared subtypes need
    /// the store's type table; the engine checks those itself).
    pub fn matches(self, expected: RefType) -> bool {
        self.matches_with(expected, |_, _| false)
    }

    /// [`RefType::matches`] with `is_sub` answering for two different defined types.
    pub(crate) fn matches_with(self, expected: RefType, is_sub: impl Fn(u32, u32) -> bool) -> bool {
        if self.nullable && !expected.nullable {
            return false;
        }
        self.heap.matches_with(expected.heap, is_sub)
    }

    fn map_concrete(self, f: impl FnOnce(u32) -> u32) -> RefType {
        let heap = match self.heap {
            HeapType::Concrete(i) => HeapType::Concrete(f(i)),
            HeapType::ConcreteStruct(i) => HeapType::ConcreteStruct(f(i)),
            HeapType::ConcreteArray(i) => HeapType::ConcreteArray(f(i)),
            _ => return self,
        };
        RefType::new(self.nullable, heap)
    }

    fn name(self) -> &'static str {
        use HeapType as H;
        match (self.nullable, self.heap) {
            (true, H::Func) => "funcref",
            (true, H::Extern) => "externref",
            (false, H::Func) => "(ref func)",
            (false, H::Extern) => "(ref extern)",
            (true, H::Exn) => "exnref",
            (false, H::Exn) => "(ref exn)",
            (true, H::Any) => "anyref",
            (false, H::Any) => "(ref any)",
            (true, H::Eq) => "eqref",
            (false, H::Eq) => "(ref eq)",
            (true, H::I31) => "i31ref",
            (false, H::I31) => "(ref i31)",
            (true, H::Struct) => "structref",
            (false, H::Struct) => "(ref struct)",
            (true, H::Array) => "arrayref",
            (false, H::Array) => "(ref array)",
            (true, H::None) => "nullref",
            (false, H::None) => "(ref none)",
            (true, H::NoFunc) => "nullfuncref",
            (false, H::NoFunc) => "(ref nofunc)",
            (true, H::NoExtern) => "nullexternref",
            (false, H::NoExtern) => "(ref noextern)",
            (true, H::NoExn) => "nullexnref",
            (false, H::NoExn) => "(ref noexn)",
            (true, H::Concrete(_) | H::ConcreteStruct(_) | H::ConcreteArray(_)) => "(ref null $t)",
            (false, H::Concrete(_) | H::ConcreteStruct(_) | H::ConcreteArray(_)) => "(ref $t)",
        }
    }

    /// The reference type of `ty`, `kind` telling what the module's type `i` is (`None`
    /// for an index the module has not defined).
    pub(crate) fn from_wasmparser_in(
        ty: wasmparser::RefType,
        kind: &dyn Fn(u32) -> Option<TypeKind>,
    ) -> Option<RefType> {
        use wasmparser::AbstractHeapType as A;
        let heap = match ty.heap_type() {
            wasmparser::HeapType::Abstract { shared: false, ty } => match ty {
                A::Func => HeapType::Func,
                A::Extern => HeapType::Extern,
                A::Exn => HeapType::Exn,
                A::Any => HeapType::Any,
                A::Eq => HeapType::Eq,
                A::I31 => HeapType::I31,
                A::Struct => HeapType::Struct,
                A::Array => HeapType::Array,
                A::None => HeapType::None,
                A::NoFunc => HeapType::NoFunc,
                A::NoExtern => HeapType::NoExtern,
                A::NoExn => HeapType::NoExn,
                _ => return None,
            },
            wasmparser::HeapType::Concrete(wasmparser::UnpackedIndex::Module(i)) => {
                match kind(i)? {
                    TypeKind::Func => HeapType::Concrete(i),
                    TypeKind::Struct => HeapType::ConcreteStruct(i),
                    TypeKind::Array => HeapType::ConcreteArray(i),
                }
            }
            _ => return None,
        };
        Some(RefType::new(ty.is_nullable(), heap))
    }
}

impl core::fmt::Display for RefType {
    /// `funcref`, `externref`, `(ref func)`, `(ref null 3)`, ...
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self.heap.concrete() {
            Some(i) => {
                let null = if self.nullable { "null " } else { "" };
                write!(f, "(ref {null}{i})")
            }
            None => f.write_str(self.name()),
        }
    }
}

impl From<RefType> for ValType {
    fn from(r: RefType) -> ValType {
        if r == RefType::FuncRef {
            ValType::FuncRef
        } else if r == RefType::ExternRef {
            ValType::ExternRef
        } else {
            ValType::Ref(r)
        }
    }
}

/// A function signature. Cheap to clone.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FuncType {
    /// Parameters followed by results.
    types: Arc<[ValType]>,
    params: usize,
}

impl FuncType {
    /// A signature with the given parameter and result types.
    pub fn new(
        params: impl IntoIterator<Item = ValType>,
        results: impl IntoIterator<Item = ValType>,
    ) -> FuncType {
        let mut types: Vec<ValType> = params.into_iter().collect();
        let params = types.len();
        types.extend(results);
        FuncType {
            types: types.into(),
            params,
        }
    }

    /// Parameter types.
    pub fn params(&self) -> &[ValType] {
        &self.types[..self.params]
    }

    /// Result types.
    pub fn results(&self) -> &[ValType] {
        &self.types[self.params..]
    }

    /// This signature with every concrete type index mapped through `f`.
    pub(crate) fn map_concrete(&self, f: impl Fn(u32) -> u32) -> FuncType {
        if !self.types.iter().any(|t| matches!(t, ValType::Ref(_))) {
            return self.clone();
        }
        FuncType {
            types: self.types.iter().map(|t| t.map_concrete(&f)).collect(),
            params: self.params,
        }
    }
}

/// How a struct field or array element is stored (GC): a packed 8- or 16-bit integer, or a
/// value of a value type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StorageType {
    /// A packed 8-bit integer (read with `_s`/`_u` sign handling, as an `i32`).
    I8,
    /// A packed 16-bit integer.
    I16,
    /// A value.
    Val(ValType),
}

impl StorageType {
    /// A struct field's or array element's storage as a microcode operand (`StorageType::code`):
    /// 0 `i8`, 1 `i16`, 2 a 32-bit value, 3 a 64-bit value or reference, 4 a `v128`; bit 3
    /// (`SIGNED`) asks a read of a packed value to sign-extend it (`_s`).
    #[cfg_attr(not(feature = "gc"), allow(dead_code))] // used by the `gc` feature's ops
    pub(crate) fn code(self) -> u32 {
        match self {
            StorageType::I8 => 0,
            StorageType::I16 => 1,
            StorageType::Val(ValType::I32 | ValType::F32) => 2,
            StorageType::Val(ValType::V128) => 4,
            StorageType::Val(_) => 3,
        }
    }

    /// The cells a value of this storage takes in a GC object (2 for a `v128`).
    #[cfg_attr(not(feature = "gc"), allow(dead_code))] // used by the `gc` feature's ops
    pub(crate) fn cells(self) -> u32 {
        if self == StorageType::Val(ValType::V128) {
            2
        } else {
            1
        }
    }

    /// Map the concrete type indices in this type through `f`.
    pub(crate) fn map_concrete(self, f: impl FnOnce(u32) -> u32) -> StorageType {
        match self {
            StorageType::Val(v) => StorageType::Val(v.map_concrete(f)),
            other => other,
        }
    }
}

/// A struct field or an array's element type (GC).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FieldType {
    /// What is stored.
    pub storage: StorageType,
    /// Whether `struct.set` / `array.set` may change it.
    pub mutable: bool,
}

impl FieldType {
    pub(crate) fn map_concrete(self, f: impl FnOnce(u32) -> u32) -> FieldType {
        FieldType {
            storage: self.storage.map_concrete(f),
            ..self
        }
    }
}

/// The body of a defined type: a function, struct or array type.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Composite {
    Func(FuncType),
    Struct(Arc<[FieldType]>),
    Array(FieldType),
}

/// A defined type with its place in the subtyping order (GC's `sub final? $super ...`).
/// Type indices (the supertype's and those inside the composite) are in whatever index
/// space the holder uses: a module's type indices, a store's canonical ids, or, as a
/// store's canonicalisation key, [`SubType::REC`]-marked positions in the recursion group.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct SubType {
    pub is_final: bool,
    pub supertype: Option<u32>,
    pub composite: Composite,
}

impl SubType {
    /// Marks an index as relative to its own recursion group (in canonicalisation keys).
    pub const REC: u32 = 1 << 31;

    /// What kind of type this is.
    pub fn kind(&self) -> TypeKind {
        match self.composite {
            Composite::Func(_) => TypeKind::Func,
            Composite::Struct(_) => TypeKind::Struct,
            Composite::Array(_) => TypeKind::Array,
        }
    }

    /// This type with every type index mapped through `f`.
    pub fn map_concrete(&self, f: impl Fn(u32) -> u32) -> SubType {
        SubType {
            is_final: self.is_final,
            supertype: self.supertype.map(&f),
            composite: match &self.composite {
                Composite::Func(t) => Composite::Func(t.map_concrete(&f)),
                Composite::Struct(fields) => {
                    Composite::Struct(fields.iter().map(|x| x.map_concrete(&f)).collect())
                }
                Composite::Array(x) => Composite::Array(x.map_concrete(&f)),
            },
        }
    }

    /// Every type index this type names (its supertype's and those in its composite).
    pub fn indices(&self) -> impl Iterator<Item = u32> + '_ {
        let vals: alloc::boxed::Box<dyn Iterator<Item = ValType>> = match &self.composite {
            Composite::Func(t) => {
                alloc::boxed::Box::new(t.params().iter().chain(t.results()).copied())
            }
            Composite::Struct(fields) => {
                alloc::boxed::Box::new(fields.iter().filter_map(|f| match f.storage {
                    StorageType::Val(v) => Some(v),
                    _ => None,
                }))
            }
            Composite::Array(f) => alloc::boxed::Box::new(
                match f.storage {
                    StorageType::Val(v) => Some(v),
                    _ => None,
                }
                .into_iter(),
            ),
        };
        self.supertype
            .into_iter()
            .chain(vals.filter_map(|v| v.as_ref_type().and_then(|r| r.heap_type().concrete())))
    }
}

/// A defined type of a module with GC types: its recursion group (first type index and
/// length) and its definition, in the module's type indices.
#[derive(Debug)]
pub(crate) struct TypeDef {
    pub rec_start: u32,
    pub rec_len: u32,
    pub sub: SubType,
}

/// The type of an exception tag (the exception-handling proposal): the types of the values
/// an exception of the tag carries, as a function type without results. Cheap to clone.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TagType {
    ty: FuncType,
}

impl TagType {
    /// A tag whose exceptions carry values of `params`.
    pub fn new(params: impl IntoIterator<Item = ValType>) -> TagType {
        TagType {
            ty: FuncType::new(params, []),
        }
    }

    /// The types of the values an exception of this tag carries.
    pub fn params(&self) -> &[ValType] {
        self.ty.params()
    }

    /// The tag's type as the function type it is written with (no results).
    pub fn func_type(&self) -> &FuncType {
        &self.ty
    }

    pub(crate) fn from_func_type(ty: FuncType) -> TagType {
        TagType { ty }
    }
}

/// The type of a global variable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GlobalType {
    /// The type of the value held.
    pub content: ValType,
    /// Whether `global.set` may change it.
    pub mutable: bool,
}

impl GlobalType {
    /// A global type.
    pub fn new(content: ValType, mutable: bool) -> GlobalType {
        GlobalType { content, mutable }
    }

    pub(crate) fn map_concrete(self, f: impl FnOnce(u32) -> u32) -> GlobalType {
        GlobalType {
            content: self.content.map_concrete(f),
            ..self
        }
    }
}

/// The type of a linear memory, in pages of `1 << page_size_log2` bytes (64 KiB unless the
/// module uses the custom-page-sizes proposal, [`Config::wasm_custom_page_sizes`](crate::Config::wasm_custom_page_sizes)).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MemoryType {
    /// Initial size in pages.
    pub min: u64,
    /// Maximum size in pages, if any.
    pub max: Option<u64>,
    /// Whether addresses are 64-bit (memory64).
    pub memory64: bool,
    /// The page size as a power of two: 16 (64 KiB, the default) or 0 (1 byte, with the
    /// custom-page-sizes proposal). Sizes, `memory.size` and `memory.grow` count these pages.
    pub page_size_log2: u8,
    /// Whether the memory is shared (the threads proposal; a shared memory must have a
    /// maximum, and an import matches only a memory of the same sharing). A store runs on one
    /// thread, so a shared memory behaves as any other apart from `memory.atomic.wait`.
    pub shared: bool,
}

impl MemoryType {
    /// The page size of every memory without a custom one: 64 KiB, as a power of two.
    pub const DEFAULT_PAGE_SIZE_LOG2: u8 = 16;

    /// A 32-bit memory type.
    pub fn new(min: u64, max: Option<u64>) -> MemoryType {
        MemoryType {
            min,
            max,
            memory64: false,
            page_size_log2: Self::DEFAULT_PAGE_SIZE_LOG2,
            shared: false,
        }
    }

    /// A 64-bit (memory64) memory type.
    pub fn new64(min: u64, max: Option<u64>) -> MemoryType {
        MemoryType {
            min,
            max,
            memory64: true,
            page_size_log2: Self::DEFAULT_PAGE_SIZE_LOG2,
            shared: false,
        }
    }

    /// This type with pages of `1 << log2` bytes (the custom-page-sizes proposal allows 0 and
    /// 16; creating a memory of another page size is an error).
    pub fn with_page_size_log2(self, log2: u8) -> MemoryType {
        MemoryType {
            page_size_log2: log2,
            ..self
        }
    }

    /// This type, shared or not (the threads proposal; creating a shared memory without a
    /// maximum is an error).
    pub fn with_shared(self, shared: bool) -> MemoryType {
        MemoryType { shared, ..self }
    }

    /// Bytes per page.
    pub fn page_size(&self) -> u64 {
        1u64 << self.page_size_log2.min(63)
    }
}

/// The type of a table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TableType {
    /// The element type.
    pub element: RefType,
    /// Initial size in elements.
    pub min: u64,
    /// Maximum size, if any.
    pub max: Option<u64>,
    /// Whether indices are 64-bit (table64).
    pub table64: bool,
}

impl TableType {
    /// A 32-bit-indexed table type.
    pub fn new(element: RefType, min: u64, max: Option<u64>) -> TableType {
        TableType {
            element,
            min,
            max,
            table64: false,
        }
    }

    pub(crate) fn map_concrete(self, f: impl FnOnce(u32) -> u32) -> TableType {
        TableType {
            element: self.element.map_concrete(f),
            ..self
        }
    }
}

/// Whether `actual` limits fit where `expected` limits are required (import subtyping).
pub(crate) fn limits_match(
    actual_min: u64,
    actual_max: Option<u64>,
    min: u64,
    max: Option<u64>,
) -> bool {
    if actual_min < min {
        return false;
    }
    match (actual_max, max) {
        (_, None) => true,
        (Some(a), Some(e)) => a <= e,
        (None, Some(_)) => false,
    }
}

/// Storage codes of struct fields and array elements as microcode operands
/// ([`StorageType::code`]), and how values are packed into and
/// read out of an object's cells.
#[cfg_attr(not(feature = "gc"), allow(dead_code))] // used by the `gc` feature's ops
pub(crate) mod storage {
    /// Sign-extend a packed value when reading it (`_s`).
    pub const SIGNED: u32 = 8;
    /// The `v128` code.
    pub const V128: u32 = 4;

    /// The value `cell` as stored with storage `code` (packed values masked).
    pub fn pack(code: u32, cell: u64) -> u64 {
        match code & 7 {
            0 => cell & 0xff,
            1 => cell & 0xffff,
            _ => cell,
        }
    }

    /// The stored `cell` as read with `mode` (a code, `SIGNED` for `_s`).
    pub fn unpack(mode: u32, cell: u64) -> u64 {
        match (mode & 7, mode & SIGNED != 0) {
            (0, true) => cell as u8 as i8 as i32 as u32 as u64,
            (1, true) => cell as u16 as i16 as i32 as u32 as u64,
            _ => cell,
        }
    }

    /// Bytes of a data segment an element of storage `code` takes (`array.new_data`).
    pub fn bytes(code: u32) -> u64 {
        match code & 7 {
            0 => 1,
            1 => 2,
            2 => 4,
            3 => 8,
            _ => 16,
        }
    }
}
