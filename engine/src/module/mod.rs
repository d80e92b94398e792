//! Decoding and validation: bytes in, [`Module`] out.
//!
//! Validation is wasmparser's; this file only records what instantiation and translation need.
//! Function bodies are kept as byte ranges into the module's bytes so they can be translated
//! lazily (and re-translated after an eviction) without keeping a decoded copy.

mod const_expr;
mod source;

pub(crate) use const_expr::{ConstExpr, ConstOp, GcConst};
pub use source::{ModuleSource, SourceError, StorageSource};

use alloc::borrow::Cow;
use alloc::string::{String, ToString};
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::ops::Range;

use wasmparser::{FuncValidatorAllocations, Parser, Payload, ValidPayload, Validator};

use crate::config::Engine;
use crate::error::{Error, ModuleError};
use crate::microcode::{self, Compiled, ModuleShape};
use crate::types::{
    Composite, FieldType, FuncType, GlobalType, MemoryType, RefType, StorageType, SubType,
    TableType, TagType, TypeDef, TypeKind, ValType,
};

/// The type of an import or export.
#[derive(Debug, Clone, PartialEq)]
pub enum ExternType {
    /// A function.
    Func(FuncType),
    /// A table.
    Table(TableType),
    /// A linear memory.
    Memory(MemoryType),
    /// A global.
    Global(GlobalType),
    /// An exception tag (the exception-handling proposal).
    Tag(TagType),
}

/// An import of a module.
#[derive(Debug, Clone)]
pub struct ImportType {
    /// The module name.
    pub module: String,
    /// The field name.
    pub name: String,
    /// What is imported.
    pub ty: ExternType,
}

/// An export of a module.
#[derive(Debug, Clone)]
pub struct ExportType {
    /// The export name.
    pub name: String,
    /// What is exported.
    pub ty: ExternType,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ExternKind {
    Func,
    Table,
    Memory,
    Global,
    Tag,
}

#[derive(Debug, Clone)]
pub(crate) struct Import {
    pub module: String,
    pub name: String,
    pub kind: ExternKind,
    /// Index into the module's index space of `kind` (imports come first in each space).
    pub index: u32,
}

#[derive(Debug, Clone)]
pub(crate) struct Export {
    pub name: String,
    pub kind: ExternKind,
    pub index: u32,
}

#[derive(Debug, Clone)]
pub(crate) enum ElemMode {
    Passive,
    Active { table: u32, offset: ConstExpr },
    Declared,
}

#[derive(Debug, Clone)]
pub(crate) struct ElemSegment {
    pub mode: ElemMode,
    pub items: Vec<ConstExpr>,
}

#[derive(Debug, Clone)]
pub(crate) enum DataMode {
    Passive,
    Active { memory: u32, offset: ConstExpr },
}

#[derive(Debug, Clone)]
pub(crate) struct DataSegment {
    pub mode: DataMode,
    /// Byte range of the segment's contents in the module bytes.
    pub range: Range<usize>,
}

/// The bytes of a module: a copy it owns, a borrow of bytes that live forever
/// ([`Module::from_static`]), or a source it reads them back from ([`Module::from_source`]).
#[derive(Clone, Debug)]
pub(crate) enum ModuleBytes {
    Owned(Arc<[u8]>),
    Static(&'static [u8]),
    Source(Arc<source::Source>),
}

impl ModuleBytes {
    /// All the bytes, when they are in memory (not for a source).
    pub(crate) fn in_memory(&self) -> Option<&[u8]> {
        match self {
            ModuleBytes::Owned(b) => Some(b),
            ModuleBytes::Static(b) => Some(b),
            ModuleBytes::Source(_) => None,
        }
    }

    /// The bytes of `range`: borrowed from memory, or read back from the source and checked
    /// against what was validated.
    pub(crate) fn read(&self, range: Range<usize>) -> Result<Cow<'_, [u8]>, SourceError> {
        match self {
            ModuleBytes::Source(s) => s.read(range).map(Cow::Owned),
            _ => self
                .in_memory()
                .and_then(|b| b.get(range.clone()))
                .map(Cow::Borrowed)
                .ok_or(SourceError::Truncated {
                    offset: range.start as u64,
                }),
        }
    }

    /// Calls `f` with `range`'s bytes in consecutive pieces and the offset of each in
    /// `range`: one piece from memory, bounded pieces from a source (a large data segment is
    /// never held whole).
    pub(crate) fn for_each_piece<E: From<SourceError>>(
        &self,
        range: Range<usize>,
        mut f: impl FnMut(usize, &[u8]) -> Result<(), E>,
    ) -> Result<(), E> {
        match self {
            ModuleBytes::Source(s) => s.for_each_piece(range, f),
            _ => f(0, &self.read(range)?),
        }
    }

    /// The bytes held in RAM for the module's bytes (0 when borrowed).
    fn owned_bytes(&self) -> usize {
        match self {
            ModuleBytes::Owned(b) => b.len(),
            ModuleBytes::Static(_) => 0,
            ModuleBytes::Source(s) => s.owned_bytes(),
        }
    }
}

/// Everything decoded from a module. Shared by all instances.
#[derive(Debug)]
pub(crate) struct ModuleInner {
    pub bytes: ModuleBytes,
    /// A hash of `bytes` that ties spilled blobs to this module ([`ModuleInner::fingerprint`]).
    fingerprint: Fingerprint,
    /// The function type of each type index (an empty one for a struct or array type).
    pub types: Vec<FuncType>,
    /// Every type's definition and recursion group, when the module has a type that is not
    /// a plain function type (GC); empty otherwise (then every type is a final function
    /// type without supertype, in a group of its own).
    pub defs: Vec<TypeDef>,
    pub imports: Vec<Import>,
    /// Type index of every function (imported first).
    pub funcs: Vec<u32>,
    pub num_imported_funcs: u32,
    pub tables: Vec<TableType>,
    pub num_imported_tables: u32,
    /// The initialiser of each defined table that has one (typed function references:
    /// `(table 10 (ref $t) (ref.func $f))`); a table without one starts null.
    pub table_inits: Vec<Option<ConstExpr>>,
    pub memories: Vec<MemoryType>,
    pub num_imported_memories: u32,
    pub globals: Vec<GlobalType>,
    pub num_imported_globals: u32,
    /// Initialisers of the defined globals.
    pub global_inits: Vec<ConstExpr>,
    /// Type index of every exception tag (imported first).
    pub tags: Vec<u32>,
    pub num_imported_tags: u32,
    pub exports: Vec<Export>,
    pub start: Option<u32>,
    pub elems: Vec<ElemSegment>,
    pub datas: Vec<DataSegment>,
    /// Byte range of each defined function's body (locals and code) in `bytes`.
    pub bodies: Vec<Range<usize>>,
    /// The *forwarders* among the defined functions: `(def, callee)` for each body that is
    /// exactly `local.get 0 .. local.get n-1; call $callee; end` (all its parameters in
    /// order, no declared locals) with `$callee` a defined function. Instantiation aliases
    /// them to their callee's code when the types are the same (`runtime/instantiate.rs`,
    /// ARCHITECTURE.md "Invariants": forwarders). Usually empty.
    pub forwards: Vec<(u32, u32)>,
    /// The checks its functions are translated with (the engine's configuration).
    pub metering: crate::config::Metering,
    /// Byte range of the `name` custom section's contents in `bytes`, if any: read only for
    /// a trap's backtrace.
    pub name_section: Option<Range<usize>>,
    /// Under prescan, the defined functions translated (and verified) while `Module::new`
    /// validated them, one pass over each body: the first instantiation takes them
    /// ([`ModuleInner::take_prescanned`]); a function that could not be translated is `None`
    /// (translated again, with its error, when needed).
    #[cfg(feature = "std")]
    pub prescanned: std::sync::Mutex<Vec<Option<Compiled>>>,
}

/// A decoded and validated WebAssembly module. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Module {
    pub(crate) inner: Arc<ModuleInner>,
    /// The engine the module was validated for.
    pub(crate) engine: Engine,
}

impl Module {
    /// The engine this module belongs to.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }
}

/// Whether `bytes` start (after white space) as the text format does: `(` or a `;;` comment.
#[cfg(feature = "wat")]
fn looks_like_text(bytes: &[u8]) -> bool {
    matches!(
        bytes.iter().find(|b| !b.is_ascii_whitespace()),
        Some(b'(' | b';')
    )
}

impl Module {
    /// Decode and validate `bytes`. The module keeps a copy of them for its whole life
    /// (function bodies are translated, and re-translated after eviction, from it; data
    /// segments are copied from it at instantiation). With the `wat` feature, text-format
    /// bytes are accepted too (as by wasmtime's `Module::new`).
    pub fn new(engine: &Engine, bytes: impl AsRef<[u8]>) -> Result<Module, Error> {
        let bytes = bytes.as_ref();
        #[cfg(feature = "wat")]
        let parsed;
        #[cfg(feature = "wat")]
        let bytes: &[u8] = match wat::parse_bytes(bytes) {
            Ok(b) => {
                parsed = b;
                &parsed
            }
            // Text that does not parse: the parser's message. Anything else (not text at all)
            // is reported as the binary it was meant to be (a bad magic number, ...).
            Err(e) if looks_like_text(bytes) => {
                return Err(Error::Module(ModuleError {
                    offset: 0,
                    message: alloc::format!("text format: {e}"),
                }))
            }
            Err(_) => bytes,
        };
        Module::from_bytes(engine, bytes, |b| ModuleBytes::Owned(Arc::from(b)))
    }

    /// Read the module in the file at `path` (binary; text too with the `wat` feature), as
    /// wasmtime's `Module::from_file`. A file that cannot be read is [`Error::Io`].
    #[cfg(feature = "std")]
    pub fn from_file(engine: &Engine, path: impl AsRef<std::path::Path>) -> Result<Module, Error> {
        let path = path.as_ref();
        let bytes = std::fs::read(path)
            .map_err(|e| Error::Io(alloc::format!("cannot read `{}`: {e}", path.display())))?;
        Module::new(engine, bytes)
    }

    /// Decode and validate `bytes` without copying them: the module borrows them for its
    /// whole life, re-reading function bodies (for translation and re-translation) and data
    /// segments from them. For bytes that live as long as the program: a module linked into
    /// the firmware image (memory-mapped flash costs no RAM), an `include_bytes!`, or a
    /// leaked buffer.
    pub fn from_static(engine: &Engine, bytes: &'static [u8]) -> Result<Module, Error> {
        Module::from_bytes(engine, bytes, ModuleBytes::Static)
    }

    fn from_bytes<'a>(
        engine: &Engine,
        bytes: &'a [u8],
        keep: impl FnOnce(&'a [u8]) -> ModuleBytes,
    ) -> Result<Module, Error> {
        // Wasmparser's `validate_all`, in its order (the sections, then the function bodies),
        // with the bodies' pass also translating them under prescan. Each payload, once
        // valid, is also decoded into the module (one pass over the bytes, not a second
        // parse after validation).
        let mut validator = Validator::new_with_features(engine.config.features());
        let mut parser = Parser::new(0);
        parser.set_features(*validator.features());
        let mut bodies = Vec::new();
        let mut decoded = Ok(ModuleInner::empty());
        for payload in parser.parse_all(bytes) {
            let payload = payload.map_err(ModuleError::from)?;
            if let ValidPayload::Func(func, body) =
                validator.payload(&payload).map_err(ModuleError::from)?
            {
                bodies.push((func, body));
            }
            if let Ok(m) = &mut decoded {
                if let Err(e) = decode_payload(m, payload) {
                    decoded = Err(e);
                }
            }
        }
        // Errors of the bodies come before the decoder's own.
        let decoded = decoded.map(|mut inner| {
            inner.fingerprint = Fingerprint::of_bytes(bytes);
            inner.bytes = keep(bytes);
            inner.metering = engine.config.metering;
            inner
        });
        let translating = cfg!(feature = "std") && engine.config.prescan && decoded.is_ok();
        let mut prescanned = Vec::new();
        let mut scratch = LoadScratch::take(engine);
        let mut allocs = core::mem::take(&mut scratch.validator);
        for (def, (func, body)) in bodies.into_iter().enumerate() {
            let mut v = func.into_validator(allocs);
            match &decoded {
                Ok(m) if translating => {
                    let range = body.range();
                    let (start, end) = (range.start as usize, range.end as usize);
                    let code = microcode::translate::validate_and_translate(
                        m.shape(),
                        def as u32,
                        &bytes[start..end],
                        start,
                        &mut v,
                        &mut scratch.translate,
                    )
                    .map_err(ModuleError::from)?;
                    prescanned.push(code.filter(|c| m.verify(c).is_ok()));
                }
                _ => v.validate(&body).map_err(ModuleError::from)?,
            }
            allocs = v.into_allocations();
        }
        scratch.validator = allocs;
        scratch.give_back(engine);
        #[cfg_attr(not(feature = "std"), allow(unused_mut))]
        let mut inner = decoded.map_err(Error::Module)?;
        #[cfg(feature = "std")]
        {
            inner.prescanned = std::sync::Mutex::new(prescanned);
        }
        #[cfg(not(feature = "std"))]
        drop(prescanned);
        Ok(Module {
            inner: Arc::new(inner),
            engine: engine.clone(),
        })
    }

    /// Decode and validate the module that `source` reads, without keeping its bytes in
    /// RAM: it is read once, front to back, holding one section or one function body at a
    /// time, and the module keeps the source, reading function bodies (to translate them, and
    /// again after their microcode is evicted) and data segments (to instantiate) back from
    /// it, checked against a CRC-32 per 512 bytes taken while validating. A source that fails
    /// or changes is an error ([`Error::Source`] here and when instantiating, an
    /// [`Error::Module`] or a trap when a function's translation cannot read its body).
    /// Data segments are never held whole: active ones are copied into memory a piece at a
    /// time at instantiation, passive ones by each `memory.init`.
    pub fn from_source(
        engine: &Engine,
        source: impl ModuleSource + 'static,
    ) -> Result<Module, Error> {
        let inner = source::load(engine, alloc::boxed::Box::new(source))?;
        Ok(Module {
            inner: Arc::new(inner),
            engine: engine.clone(),
        })
    }

    /// [`Module::from_source`] over the binary module in the file at `path` (no text format:
    /// the file is read in place). The file must not change while the module lives.
    #[cfg(feature = "std")]
    pub fn from_file_source(
        engine: &Engine,
        path: impl AsRef<std::path::Path>,
    ) -> Result<Module, Error> {
        let path = path.as_ref();
        let file = std::fs::File::open(path)
            .map_err(|e| Error::Io(alloc::format!("cannot read `{}`: {e}", path.display())))?;
        Module::from_source(engine, file)
    }

    /// The bytes the module holds in RAM for its binary: all of it after [`Module::new`],
    /// nothing after [`Module::from_static`], its source's handle and a CRC-32 per 512
    /// bytes after [`Module::from_source`] (not counting what is decoded from it: types,
    /// imports, exports, the body table, ...).
    pub fn owned_bytes(&self) -> usize {
        self.inner.bytes.owned_bytes()
    }

    /// The module's imports, in order.
    pub fn imports(&self) -> impl Iterator<Item = ImportType> + '_ {
        self.inner.imports.iter().map(|i| ImportType {
            module: i.module.clone(),
            name: i.name.clone(),
            ty: self.inner.extern_type(i.kind, i.index),
        })
    }

    /// The module's binary, as given to [`Module::new`] or [`Module::from_static`] (fayasm
    /// runs a module from its bytes, so they are also its serialized form); `None` for a
    /// module read from a source ([`Module::from_source`]), which holds no copy.
    pub fn bytes(&self) -> Option<&[u8]> {
        self.inner.bytes.in_memory()
    }

    /// The module's exports, in order.
    pub fn exports(&self) -> impl Iterator<Item = ExportType> + '_ {
        self.inner.exports.iter().map(|e| ExportType {
            name: e.name.clone(),
            ty: self.inner.extern_type(e.kind, e.index),
        })
    }

    /// Check that `code` is safe to run as a function of this module: every slot, branch
    /// target and entity index in range (microcode read back from storage must pass this).
    pub fn verify_microcode(
        &self,
        code: &crate::microcode::Compiled,
    ) -> Result<(), crate::microcode::VerifyError> {
        self.inner.verify(code)
    }

    /// The microcode of function `index` (imported functions first, as in the module's
    /// function index space), translated and verified without instantiating anything: no
    /// memory is allocated, no segment applied and no start function run. `Ok(None)` for an
    /// imported function (it has no microcode); an index past the functions is an error.
    pub fn translate_function(
        &self,
        index: u32,
    ) -> Result<Option<crate::microcode::Compiled>, Error> {
        if index as usize >= self.inner.funcs.len() {
            return Err(Error::Type("no function with this index in the module"));
        }
        let Some(def) = index.checked_sub(self.inner.num_imported_funcs) else {
            return Ok(None);
        };
        let code = self.inner.translate(def)?;
        self.inner.verify(&code)?;
        Ok(Some(code))
    }

    /// The hash of the module's bytes that spilled blobs carry.
    pub fn fingerprint(&self) -> u64 {
        self.inner.fingerprint()
    }

    /// Number of functions (imported and defined).
    pub fn num_funcs(&self) -> usize {
        self.inner.funcs.len()
    }
}

impl ModuleInner {
    /// What type `i` is (`None` past the types defined so far).
    pub(crate) fn type_kind(&self, i: u32) -> Option<TypeKind> {
        if i as usize >= self.types.len() {
            None
        } else if let Some(d) = self.defs.get(i as usize) {
            Some(d.sub.kind())
        } else {
            Some(TypeKind::Func)
        }
    }

    pub(crate) fn func_type(&self, func: u32) -> &FuncType {
        &self.types[self.funcs[func as usize] as usize]
    }

    /// The functions `Module::new` translated under prescan (indexed by defined function),
    /// for the first instantiation; empty for the others, and without prescan.
    pub(crate) fn take_prescanned(&self) -> Vec<Option<Compiled>> {
        #[cfg(feature = "std")]
        if let Ok(mut p) = self.prescanned.lock() {
            return core::mem::take(&mut *p);
        }
        Vec::new()
    }

    /// What the translator and the verifier see of this module.
    pub(crate) fn shape(&self) -> ModuleShape<'_> {
        ModuleShape {
            types: &self.types,
            defs: &self.defs,
            funcs: &self.funcs,
            num_imported_funcs: self.num_imported_funcs,
            globals: &self.globals,
            tags: &self.tags,
            tables: self.tables.len(),
            memories: self.memories.len(),
            datas: self.datas.len(),
            elems: self.elems.len(),
            metering: self.metering,
        }
    }

    /// Defined function `def` translated to microcode (not verified).
    pub(crate) fn translate(&self, def: u32) -> Result<Compiled, ModuleError> {
        let range = self.bodies[def as usize].clone();
        // From RAM, or read back from the module's source (`source.rs`).
        let bytes = self.bytes.read(range.clone())?;
        microcode::translate::translate(self.shape(), def, &bytes, range.start)
    }

    /// [`ModuleInner::translate`], with the module offset of the wasm operator each op came
    /// from (for a trap's backtrace).
    pub(crate) fn translate_with_offsets(
        &self,
        def: u32,
    ) -> Result<(Compiled, Vec<u32>), ModuleError> {
        let range = self.bodies[def as usize].clone();
        let bytes = self.bytes.read(range.clone())?;
        microcode::translate::translate_with_offsets(self.shape(), def, &bytes, range.start)
    }

    /// Check that `code` is safe to run as a function of this module (`microcode::verify`).
    pub(crate) fn verify(&self, code: &Compiled) -> Result<(), microcode::VerifyError> {
        microcode::verify(code, &self.shape())
    }

    pub(crate) fn extern_type(&self, kind: ExternKind, index: u32) -> ExternType {
        let i = index as usize;
        match kind {
            ExternKind::Func => ExternType::Func(self.func_type(index).clone()),
            ExternKind::Table => ExternType::Table(self.tables[i]),
            ExternKind::Memory => ExternType::Memory(self.memories[i]),
            ExternKind::Global => ExternType::Global(self.globals[i]),
            ExternKind::Tag => ExternType::Tag(TagType::from_func_type(
                self.types[self.tags[i] as usize].clone(),
            )),
        }
    }
}

/// What the module's type `i` is, for [`ValType::from_wasmparser_in`] (`kinds`: the kinds of
/// the types defined so far, empty while every type is a function type).
type Kinds<'k> = &'k dyn Fn(u32) -> Option<TypeKind>;

fn val_type(ty: wasmparser::ValType, offset: usize, kinds: Kinds) -> Result<ValType, ModuleError> {
    ValType::from_wasmparser_in(ty, kinds).ok_or_else(|| ModuleError {
        offset,
        message: "unsupported value type".to_string(),
    })
}

fn ref_type(ty: wasmparser::RefType, offset: usize, kinds: Kinds) -> Result<RefType, ModuleError> {
    RefType::from_wasmparser_in(ty, kinds).ok_or_else(|| ModuleError {
        offset,
        message: "unsupported reference type".to_string(),
    })
}

fn table_type(
    t: &wasmparser::TableType,
    offset: usize,
    kinds: Kinds,
) -> Result<TableType, ModuleError> {
    Ok(TableType {
        element: ref_type(t.element_type, offset, kinds)?,
        min: t.initial,
        max: t.maximum,
        table64: t.table64,
    })
}

fn memory_type(m: &wasmparser::MemoryType) -> MemoryType {
    MemoryType {
        min: m.initial,
        max: m.maximum,
        memory64: m.memory64,
        // Validation accepts only 0 and 16 (and only with the proposal on).
        page_size_log2: m
            .page_size_log2
            .map_or(MemoryType::DEFAULT_PAGE_SIZE_LOG2, |l| l as u8),
        // Validation accepts it only with the threads proposal on, and with a maximum.
        shared: m.shared,
    }
}

fn global_type(
    g: &wasmparser::GlobalType,
    offset: usize,
    kinds: Kinds,
) -> Result<GlobalType, ModuleError> {
    Ok(GlobalType {
        content: val_type(g.content_type, offset, kinds)?,
        mutable: g.mutable,
    })
}

/// The buffers a module's load needs, kept by its engine between loads (`Engine::scratch`,
/// std builds; without `std` each load has its own).
#[derive(Default)]
pub(crate) struct LoadScratch {
    /// The function validator's.
    validator: FuncValidatorAllocations,
    /// The translator's (prescan).
    translate: microcode::translate::Scratch,
}

impl core::fmt::Debug for LoadScratch {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("LoadScratch")
    }
}

impl LoadScratch {
    /// The engine's buffers (fresh ones if another load holds them).
    #[cfg_attr(not(feature = "std"), allow(unused_variables))]
    fn take(engine: &Engine) -> LoadScratch {
        #[cfg(feature = "std")]
        if let Ok(mut s) = engine.scratch.try_lock() {
            return core::mem::take(&mut *s);
        }
        LoadScratch::default()
    }

    /// Give the buffers back to the engine for its next load, unless the translator's have
    /// grown past 256 KiB (a huge function's: not worth holding between loads).
    #[cfg_attr(not(feature = "std"), allow(unused_variables))]
    fn give_back(mut self, engine: &Engine) {
        if self.translate.bytes() > 256 << 10 {
            self.translate = Default::default();
        }
        #[cfg(feature = "std")]
        if let Ok(mut s) = engine.scratch.try_lock() {
            *s = self;
        }
    }
}

/// A module's fingerprint ([`crate::offload::fingerprint`] of its bytes), which names its
/// spilled code, memory pages and checkpoints on storage. With `std` it is taken when first
/// asked for: a module that never meets storage never hashes its bytes (FNV-1a runs one
/// multiply per byte, one after the other: about 4 µs of a 3.3 KB module's 70 µs load with
/// prescan). Without `std` (the firmware, which loads a module once) it is taken at decode.
#[derive(Debug)]
pub(crate) struct Fingerprint {
    #[cfg(feature = "std")]
    cell: std::sync::OnceLock<u64>,
    #[cfg(not(feature = "std"))]
    value: u64,
}

impl Fingerprint {
    /// A fingerprint already known (a module read from a source hashes it as it streams).
    pub(crate) fn known(value: u64) -> Fingerprint {
        Fingerprint {
            #[cfg(feature = "std")]
            cell: std::sync::OnceLock::from(value),
            #[cfg(not(feature = "std"))]
            value,
        }
    }

    /// The fingerprint of `bytes`, which the module keeps as its `bytes` (see
    /// [`ModuleInner::fingerprint`]).
    #[cfg_attr(feature = "std", allow(unused_variables))]
    fn of_bytes(bytes: &[u8]) -> Fingerprint {
        Fingerprint {
            #[cfg(feature = "std")]
            cell: std::sync::OnceLock::new(),
            #[cfg(not(feature = "std"))]
            value: crate::offload::fingerprint(bytes),
        }
    }
}

impl ModuleInner {
    /// The module's fingerprint (see [`Fingerprint`]).
    pub(crate) fn fingerprint(&self) -> u64 {
        #[cfg(feature = "std")]
        {
            *self.fingerprint.cell.get_or_init(|| {
                // Only a module decoded from bytes in memory is left to hash (one read from
                // a source knows its fingerprint).
                crate::offload::fingerprint(self.bytes.in_memory().unwrap_or(&[]))
            })
        }
        #[cfg(not(feature = "std"))]
        {
            self.fingerprint.value
        }
    }

    /// Record the fingerprint of a module whose bytes are not all in memory.
    pub(crate) fn set_fingerprint(&mut self, value: u64) {
        self.fingerprint = Fingerprint::known(value);
    }

    /// A module with nothing in it yet, and no bytes.
    fn empty() -> ModuleInner {
        ModuleInner {
            fingerprint: Fingerprint::known(0),
            bytes: ModuleBytes::Static(&[]),
            types: Vec::new(),
            defs: Vec::new(),
            imports: Vec::new(),
            funcs: Vec::new(),
            num_imported_funcs: 0,
            tables: Vec::new(),
            num_imported_tables: 0,
            table_inits: Vec::new(),
            memories: Vec::new(),
            num_imported_memories: 0,
            globals: Vec::new(),
            num_imported_globals: 0,
            global_inits: Vec::new(),
            tags: Vec::new(),
            num_imported_tags: 0,
            exports: Vec::new(),
            start: None,
            elems: Vec::new(),
            datas: Vec::new(),
            bodies: Vec::new(),
            forwards: Vec::new(),
            metering: Default::default(),
            name_section: None,
            #[cfg(feature = "std")]
            prescanned: Default::default(),
        }
    }
}

/// Record one recursion group of the type section. A module whose types are all final
/// function types without supertypes, each its own group naming only earlier types (every
/// module without GC), keeps only `types`; the first other type fills `defs` for every type.
fn decode_rec_group(m: &mut ModuleInner, rec: wasmparser::RecGroup) -> Result<(), ModuleError> {
    let offset = 0;
    let start = m.types.len() as u32;
    let subs: Vec<wasmparser::SubType> = rec.into_types().collect();
    let len = subs.len() as u32;
    let kind_of = |s: &wasmparser::SubType| match s.composite_type.inner {
        wasmparser::CompositeInnerType::Func(_) => Some(TypeKind::Func),
        wasmparser::CompositeInnerType::Struct(_) => Some(TypeKind::Struct),
        wasmparser::CompositeInnerType::Array(_) => Some(TypeKind::Array),
        wasmparser::CompositeInnerType::Cont(_) => None,
    };
    let group_kinds: Vec<Option<TypeKind>> = subs.iter().map(kind_of).collect();
    let mut decoded = Vec::with_capacity(subs.len());
    {
        let kinds = |i: u32| {
            if i < start {
                m.type_kind(i)
            } else {
                group_kinds.get((i - start) as usize).copied().flatten()
            }
        };
        let val = |t: &wasmparser::ValType| val_type(*t, offset, &kinds);
        let field = |f: &wasmparser::FieldType| -> Result<FieldType, ModuleError> {
            Ok(FieldType {
                storage: match f.element_type {
                    wasmparser::StorageType::I8 => StorageType::I8,
                    wasmparser::StorageType::I16 => StorageType::I16,
                    wasmparser::StorageType::Val(v) => StorageType::Val(val(&v)?),
                },
                mutable: f.mutable,
            })
        };
        for sub in &subs {
            let composite = match &sub.composite_type.inner {
                wasmparser::CompositeInnerType::Func(f) => {
                    let params = f.params().iter().map(val).collect::<Result<Vec<_>, _>>()?;
                    let results = f.results().iter().map(val).collect::<Result<Vec<_>, _>>()?;
                    Composite::Func(FuncType::new(params, results))
                }
                wasmparser::CompositeInnerType::Struct(st) => Composite::Struct(
                    st.fields
                        .iter()
                        .map(field)
                        .collect::<Result<Vec<_>, _>>()?
                        .into(),
                ),
                wasmparser::CompositeInnerType::Array(a) => Composite::Array(field(&a.0)?),
                wasmparser::CompositeInnerType::Cont(_) => {
                    return Err(ModuleError {
                        offset,
                        message: "continuation types are not supported".to_string(),
                    })
                }
            };
            let supertype = match sub.supertype_idxs.first() {
                None => None,
                Some(p) => match p.unpack() {
                    wasmparser::UnpackedIndex::Module(i) => Some(i),
                    _ => {
                        return Err(ModuleError {
                            offset,
                            message: "unsupported supertype index".to_string(),
                        })
                    }
                },
            };
            decoded.push(SubType {
                is_final: sub.is_final,
                supertype,
                composite,
            });
        }
    }
    let plain = len == 1
        && decoded[0].is_final
        && decoded[0].supertype.is_none()
        && matches!(decoded[0].composite, Composite::Func(_))
        && decoded[0].indices().all(|i| i < start);
    let keep = !plain || !m.defs.is_empty();
    if keep && m.defs.is_empty() {
        // From now on every type has its definition (the earlier ones are plain).
        m.defs = m
            .types
            .iter()
            .enumerate()
            .map(|(i, t)| TypeDef {
                rec_start: i as u32,
                rec_len: 1,
                sub: SubType {
                    is_final: true,
                    supertype: None,
                    composite: Composite::Func(t.clone()),
                },
            })
            .collect();
    }
    for sub in decoded {
        m.types.push(match &sub.composite {
            Composite::Func(t) => t.clone(),
            // Not a function type: never read as one (validation).
            _ => FuncType::new([], []),
        });
        if keep {
            m.defs.push(TypeDef {
                rec_start: start,
                rec_len: len,
                sub,
            });
        }
    }
    Ok(())
}

/// The function that defined function `def`, whose (validated) body is `body`, forwards
/// to: `Some(callee)` when the body is exactly `local.get 0 .. local.get n-1; call $callee;
/// end`, `n` being its parameter count, with no declared locals and `$callee` a defined
/// function (the types are compared at instantiation, by store type id).
fn forward_callee(m: &ModuleInner, def: u32, body: &wasmparser::FunctionBody<'_>) -> Option<u32> {
    let index = m.num_imported_funcs.checked_add(def)?;
    let params = m
        .types
        .get(*m.funcs.get(index as usize)? as usize)?
        .params()
        .len();
    if body.get_locals_reader().ok()?.get_count() != 0 {
        return None;
    }
    // Three opcodes, read by hand: reading `wasmparser::Operator`s instantiates its whole
    // operator decoder (14 KB of the firmware's flash).
    const LOCAL_GET: u8 = 0x20;
    const CALL: u8 = 0x10;
    const END: u8 = 0x0b;
    let mut ops = body.get_binary_reader_for_operators().ok()?;
    for i in 0..params {
        if ops.read_u8().ok()? != LOCAL_GET || ops.read_var_u32().ok()? as usize != i {
            return None;
        }
    }
    if ops.read_u8().ok()? != CALL {
        return None;
    }
    let function_index = ops.read_var_u32().ok()?;
    if ops.read_u8().ok()? != END || !ops.eof() {
        return None;
    }
    (function_index >= m.num_imported_funcs).then_some(function_index)
}

/// Record what `payload` (of a module that passed validation up to it) holds.
fn decode_payload(m: &mut ModuleInner, payload: Payload<'_>) -> Result<(), ModuleError> {
    match payload {
        Payload::TypeSection(reader) => {
            for rec in reader {
                decode_rec_group(m, rec?)?;
            }
        }
        Payload::ImportSection(reader) => {
            for import in reader.into_imports() {
                let import = import?;
                let (kind, index) = match import.ty {
                    wasmparser::TypeRef::Func(t) | wasmparser::TypeRef::FuncExact(t) => {
                        m.funcs.push(t);
                        m.num_imported_funcs += 1;
                        (ExternKind::Func, m.funcs.len() - 1)
                    }
                    wasmparser::TypeRef::Table(t) => {
                        m.tables.push(table_type(&t, 0, &|i| m.type_kind(i))?);
                        m.num_imported_tables += 1;
                        (ExternKind::Table, m.tables.len() - 1)
                    }
                    wasmparser::TypeRef::Memory(t) => {
                        m.memories.push(memory_type(&t));
                        m.num_imported_memories += 1;
                        (ExternKind::Memory, m.memories.len() - 1)
                    }
                    wasmparser::TypeRef::Global(t) => {
                        m.globals.push(global_type(&t, 0, &|i| m.type_kind(i))?);
                        m.num_imported_globals += 1;
                        (ExternKind::Global, m.globals.len() - 1)
                    }
                    wasmparser::TypeRef::Tag(t) => {
                        m.tags.push(t.func_type_idx);
                        m.num_imported_tags += 1;
                        (ExternKind::Tag, m.tags.len() - 1)
                    }
                };
                m.imports.push(Import {
                    module: import.module.to_string(),
                    name: import.name.to_string(),
                    kind,
                    index: index as u32,
                });
            }
        }
        Payload::FunctionSection(reader) => {
            for t in reader {
                m.funcs.push(t?);
            }
        }
        Payload::TableSection(reader) => {
            for t in reader {
                let t = t?;
                m.tables.push(table_type(&t.ty, 0, &|i| m.type_kind(i))?);
                // Only with function references (validation rejects it otherwise).
                m.table_inits.push(match &t.init {
                    wasmparser::TableInit::RefNull => None,
                    wasmparser::TableInit::Expr(e) => Some(ConstExpr::decode(e)?),
                });
            }
        }
        Payload::MemorySection(reader) => {
            for mem in reader {
                m.memories.push(memory_type(&mem?));
            }
        }
        Payload::GlobalSection(reader) => {
            for g in reader {
                let g = g?;
                m.globals.push(global_type(&g.ty, 0, &|i| m.type_kind(i))?);
                m.global_inits.push(ConstExpr::decode(&g.init_expr)?);
            }
        }
        Payload::ExportSection(reader) => {
            for e in reader {
                let e = e?;
                let kind = match e.kind {
                    wasmparser::ExternalKind::Func | wasmparser::ExternalKind::FuncExact => {
                        ExternKind::Func
                    }
                    wasmparser::ExternalKind::Table => ExternKind::Table,
                    wasmparser::ExternalKind::Memory => ExternKind::Memory,
                    wasmparser::ExternalKind::Global => ExternKind::Global,
                    wasmparser::ExternalKind::Tag => ExternKind::Tag,
                };
                m.exports.push(Export {
                    name: e.name.to_string(),
                    kind,
                    index: e.index,
                });
            }
        }
        Payload::TagSection(reader) => {
            for t in reader {
                m.tags.push(t?.func_type_idx);
            }
        }
        Payload::StartSection { func, .. } => m.start = Some(func),
        Payload::ElementSection(reader) => {
            for e in reader {
                let e = e?;
                let mode = match e.kind {
                    wasmparser::ElementKind::Passive => ElemMode::Passive,
                    wasmparser::ElementKind::Declared => ElemMode::Declared,
                    wasmparser::ElementKind::Active {
                        table_index,
                        offset_expr,
                    } => ElemMode::Active {
                        table: table_index.unwrap_or(0),
                        offset: ConstExpr::decode(&offset_expr)?,
                    },
                };
                let (ty, items) = match e.items {
                    wasmparser::ElementItems::Functions(funcs) => {
                        let items = funcs
                            .into_iter()
                            .map(|f| f.map(|f| ConstExpr::from_op(ConstOp::RefFunc(f))))
                            .collect::<Result<Vec<_>, _>>()?;
                        (RefType::FuncRef, items)
                    }
                    wasmparser::ElementItems::Expressions(ty, exprs) => {
                        let items = exprs
                            .into_iter()
                            .map(|e| ConstExpr::decode(&e?))
                            .collect::<Result<Vec<_>, _>>()?;
                        (ref_type(ty, 0, &|i| m.type_kind(i))?, items)
                    }
                };
                let _ = ty;
                m.elems.push(ElemSegment { mode, items });
            }
        }
        Payload::DataSection(reader) => {
            for d in reader {
                let d = d?;
                // The contents end the segment.
                let end = d.range.end as usize;
                let range = end - d.data.len()..end;
                let mode = match d.kind {
                    wasmparser::DataKind::Passive => DataMode::Passive,
                    wasmparser::DataKind::Active {
                        memory_index,
                        offset_expr,
                    } => DataMode::Active {
                        memory: memory_index,
                        offset: ConstExpr::decode(&offset_expr)?,
                    },
                };
                m.datas.push(DataSegment { mode, range });
            }
        }
        Payload::CodeSectionEntry(body) => {
            let r = body.range();
            let def = m.bodies.len() as u32;
            if let Some(callee) = forward_callee(m, def, &body) {
                m.forwards.push((def, callee));
            }
            m.bodies.push(r.start as usize..r.end as usize);
        }
        Payload::CustomSection(reader) if reader.name() == "name" => {
            m.name_section = {
                let start = reader.data_offset() as usize;
                Some(start..start + reader.data().len())
            };
        }
        _ => {}
    }
    Ok(())
}
