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
        match (self.as_ref_type(), expected.as_ref_type()) {
            (Some(a), Some(b)) => a.matches(b),
            (None, None) => self == expected,
            _ => false,
        }
    }

    /// The type as the cells hold it: a function reference of any type is `FuncRef`, a host
    /// or exception reference `ExternRef` (what storing or decoding a cell needs to know: a
    /// checkpoint stores neither kind unless null).
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

    pub(crate) fn from_wasmparser(ty: wasmparser::ValType) -> Option<ValType> {
        Some(match ty {
            wasmparser::ValType::I32 => ValType::I32,
            wasmparser::ValType::I64 => ValType::I64,
            wasmparser::ValType::F32 => ValType::F32,
            wasmparser::ValType::F64 => ValType::F64,
            wasmparser::ValType::V128 => ValType::V128,
            wasmparser::ValType::Ref(r) => RefType::from_wasmparser(r)?.into(),
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HeapType {
    /// Any function (`func`).
    Func,
    /// Any host reference (`extern`).
    Extern,
    /// Any exception (`exn`, the exception-handling proposal,
    /// [`Config::wasm_exceptions`](crate::Config::wasm_exceptions)).
    Exn,
    /// A function of one function type (`$t`, typed function references). The number is
    /// the type's index: in the types of a [`Module`](crate::Module) (its imports and
    /// exports), the module's type index; in the types of a store's entities
    /// ([`Func::ty`](crate::Func::ty), [`Global::ty`](crate::Global::ty),
    /// [`Table::ty`](crate::Table::ty)), the store's canonical id of the function type (two
    /// structurally equal types have one id).
    Concrete(u32),
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

    /// Whether this is a function reference type (of any function type).
    pub fn is_func(self) -> bool {
        matches!(self.heap, HeapType::Func | HeapType::Concrete(_))
    }

    /// Whether this is an exception reference type (`exnref`, `(ref exn)`).
    pub fn is_exn(self) -> bool {
        matches!(self.heap, HeapType::Exn)
    }

    /// Whether a reference of this type may be used where `expected` is required.
    pub fn matches(self, expected: RefType) -> bool {
        if self.nullable && !expected.nullable {
            return false;
        }
        match (self.heap, expected.heap) {
            (HeapType::Func | HeapType::Concrete(_), HeapType::Func) => true,
            (HeapType::Extern, HeapType::Extern) => true,
            (HeapType::Exn, HeapType::Exn) => true,
            (HeapType::Concrete(a), HeapType::Concrete(b)) => a == b,
            _ => false,
        }
    }

    fn map_concrete(self, f: impl FnOnce(u32) -> u32) -> RefType {
        match self.heap {
            HeapType::Concrete(i) => RefType::new(self.nullable, HeapType::Concrete(f(i))),
            _ => self,
        }
    }

    fn name(self) -> &'static str {
        match (self.nullable, self.heap) {
            (true, HeapType::Func) => "funcref",
            (true, HeapType::Extern) => "externref",
            (false, HeapType::Func) => "(ref func)",
            (false, HeapType::Extern) => "(ref extern)",
            (true, HeapType::Exn) => "exnref",
            (false, HeapType::Exn) => "(ref exn)",
            (true, HeapType::Concrete(_)) => "(ref null $t)",
            (false, HeapType::Concrete(_)) => "(ref $t)",
        }
    }

    /// The module's concrete type index in `ty`, if any (for the check that a type section
    /// refers only to earlier types).
    pub(crate) fn wasmparser_concrete(ty: wasmparser::RefType) -> Option<u32> {
        match ty.heap_type() {
            wasmparser::HeapType::Concrete(wasmparser::UnpackedIndex::Module(i)) => Some(i),
            _ => None,
        }
    }

    pub(crate) fn from_wasmparser(ty: wasmparser::RefType) -> Option<RefType> {
        let heap = match ty.heap_type() {
            wasmparser::HeapType::Abstract {
                shared: false,
                ty: wasmparser::AbstractHeapType::Func,
            } => HeapType::Func,
            wasmparser::HeapType::Abstract {
                shared: false,
                ty: wasmparser::AbstractHeapType::Extern,
            } => HeapType::Extern,
            wasmparser::HeapType::Abstract {
                shared: false,
                ty: wasmparser::AbstractHeapType::Exn,
            } => HeapType::Exn,
            wasmparser::HeapType::Concrete(wasmparser::UnpackedIndex::Module(i)) => {
                HeapType::Concrete(i)
            }
            _ => return None,
        };
        Some(RefType::new(ty.is_nullable(), heap))
    }
}

impl core::fmt::Display for RefType {
    /// `funcref`, `externref`, `(ref func)`, `(ref null 3)`, ...
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self.heap {
            HeapType::Concrete(i) => {
                let null = if self.nullable { "null " } else { "" };
                write!(f, "(ref {null}{i})")
            }
            _ => f.write_str(self.name()),
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

    /// Whether a global of this type may be imported where `expected` is required: the
    /// same mutability, and the same content type if mutable, a subtype if not.
    pub(crate) fn matches(self, expected: GlobalType) -> bool {
        self.mutable == expected.mutable
            && if self.mutable {
                self.content == expected.content
            } else {
                self.content.matches(expected.content)
            }
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
        }
    }

    /// A 64-bit (memory64) memory type.
    pub fn new64(min: u64, max: Option<u64>) -> MemoryType {
        MemoryType {
            min,
            max,
            memory64: true,
            page_size_log2: Self::DEFAULT_PAGE_SIZE_LOG2,
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
