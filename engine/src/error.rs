//! Errors and traps.

use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use crate::types::ValType;

/// Why execution trapped. Traps are values: the engine never panics on guest behaviour.
///
/// New proposals bring new traps, so the enum is `#[non_exhaustive]`: a `match` outside this
/// crate needs a catch-all arm (the engine's own matches stay exhaustive).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TrapCode {
    /// `unreachable` was executed.
    Unreachable,
    /// A load, store or bulk memory operation went out of bounds.
    MemoryOutOfBounds,
    /// A table access went out of bounds.
    TableOutOfBounds,
    /// `call_indirect` hit a null entry.
    IndirectCallToNull,
    /// `call_indirect` hit a function of another signature.
    BadSignature,
    /// Integer overflow (`i32.div_s` of MIN by -1, float-to-int out of range).
    IntegerOverflow,
    /// Integer division or remainder by zero.
    IntegerDivisionByZero,
    /// Float-to-int conversion of a NaN.
    BadConversionToInteger,
    /// The call depth or value-stack limit was reached.
    StackOverflow,
    /// The configured fuel ran out ([`Config::consume_fuel`](crate::Config::consume_fuel)).
    OutOfFuel,
    /// The store's [`InterruptHandle`](crate::InterruptHandle) was triggered
    /// ([`Config::interruptible`](crate::Config::interruptible)).
    Interrupted,
    /// A host function asked to yield ([`Trap::host_yield`]) in a call that cannot be
    /// suspended (only [`Func::call_resumable`](crate::Func::call_resumable) calls can).
    HostYield,
    /// A host function returned an error.
    Host,
    /// A spilled or paged memory's data could not be brought back from storage (missing,
    /// damaged or stale blob, I/O error, no storage), or a dirty page could not be written
    /// back to make room. The memory keeps its state; a later access may succeed.
    MemoryUnavailable,
    /// `call_ref`, `return_call_ref` or `ref.as_non_null` met a null reference (typed
    /// function references).
    NullReference,
    /// A wasm exception that no handler caught reached the host
    /// ([`Trap::exception`] is the exception; the exception-handling proposal).
    Exception,
    /// `ref.cast` met a reference not of the target type (GC).
    CastFailure,
    /// An atomic access (or `memory.atomic.wait`/`notify`) at an address that is not a
    /// multiple of its size (the threads proposal).
    UnalignedAtomic,
    /// `memory.atomic.wait32`/`wait64` on a memory that is not shared.
    AtomicWaitNonSharedMemory,
    /// An array access past the array's length (GC).
    ArrayOutOfBounds,
    /// A struct or array would take the store's GC heap past
    /// [`Config::gc_heap_bytes`](crate::Config::gc_heap_bytes) (or the host has no RAM for it).
    GcHeapOutOfMemory,
}

impl TrapCode {
    /// The message the WebAssembly spec interpreter uses for this trap.
    pub fn message(self) -> &'static str {
        match self {
            TrapCode::Unreachable => "unreachable",
            TrapCode::MemoryOutOfBounds => "out of bounds memory access",
            TrapCode::TableOutOfBounds => "out of bounds table access",
            TrapCode::IndirectCallToNull => "uninitialized element",
            TrapCode::BadSignature => "indirect call type mismatch",
            TrapCode::IntegerOverflow => "integer overflow",
            TrapCode::IntegerDivisionByZero => "integer divide by zero",
            TrapCode::BadConversionToInteger => "invalid conversion to integer",
            TrapCode::StackOverflow => "call stack exhausted",
            TrapCode::OutOfFuel => "all fuel consumed",
            TrapCode::Interrupted => "interrupted",
            TrapCode::HostYield => "host function yielded outside a resumable call",
            TrapCode::Host => "host function error",
            TrapCode::MemoryUnavailable => "memory data unavailable from storage",
            TrapCode::NullReference => "null reference",
            TrapCode::Exception => "uncaught wasm exception",
            TrapCode::CastFailure => "cast failure",
            TrapCode::UnalignedAtomic => "unaligned atomic",
            TrapCode::AtomicWaitNonSharedMemory => "atomic wait on non-shared memory",
            TrapCode::ArrayOutOfBounds => "out of bounds array access",
            TrapCode::GcHeapOutOfMemory => "GC heap out of memory",
        }
    }
}

impl fmt::Display for TrapCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

/// A trap: execution stopped with a [`TrapCode`].
///
/// A trap raised while wasm code runs carries the wasm call stack at that point
/// ([`Trap::trace`]). Two traps are equal when their codes and messages are: the trace takes
/// no part in equality.
#[derive(Debug, Clone)]
pub struct Trap {
    code: TrapCode,
    message: Option<String>,
    trace: Box<[FrameInfo]>,
    /// The exception of a [`TrapCode::Exception`].
    exn: Option<crate::ExnRef>,
}

impl PartialEq for Trap {
    fn eq(&self, other: &Trap) -> bool {
        self.code == other.code && self.message == other.message
    }
}

impl Eq for Trap {}

/// One wasm frame of a trap's backtrace ([`Trap::trace`]), as wasmtime's `FrameInfo`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrameInfo {
    pub(crate) func_index: u32,
    pub(crate) func_name: Option<String>,
    pub(crate) module_name: Option<String>,
    pub(crate) module_offset: Option<usize>,
    pub(crate) func_offset: Option<usize>,
}

impl FrameInfo {
    /// The function's index in its module (imported functions first, as in the binary
    /// format).
    pub fn func_index(&self) -> u32 {
        self.func_index
    }

    /// The function's name from the module's `name` section, if it has one.
    pub fn func_name(&self) -> Option<&str> {
        self.func_name.as_deref()
    }

    /// The module's name from its `name` section, if it has one.
    pub fn module_name(&self) -> Option<&str> {
        self.module_name.as_deref()
    }

    /// The byte offset, in the module's binary, of the instruction the frame was at: the
    /// trapping instruction for the innermost frame, the call for the others. `None` when
    /// the function's code was not translated from this module by this engine (installed
    /// with [`Func::install_code`](crate::Func::install_code)).
    pub fn module_offset(&self) -> Option<usize> {
        self.module_offset
    }

    /// The same instruction's offset from the start of the function's body (its entry in the
    /// code section).
    pub fn func_offset(&self) -> Option<usize> {
        self.func_offset
    }
}

impl fmt::Display for FrameInfo {
    /// The frame as `wasmtime run` prints it: `  0x1d - module!function` (the offset left
    /// out when unknown), with `<unknown>` for an unnamed module and `<wasm function N>` for
    /// an unnamed function.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(o) = self.module_offset {
            write!(f, "{:#6x} - ", o)?;
        }
        f.write_str(self.module_name.as_deref().unwrap_or("<unknown>"))?;
        f.write_str("!")?;
        match &self.func_name {
            Some(n) => f.write_str(n),
            None => write!(f, "<wasm function {}>", self.func_index),
        }
    }
}

impl Trap {
    /// A trap with the given code.
    pub fn new(code: TrapCode) -> Trap {
        Trap {
            code,
            message: None,
            trace: Box::default(),
            exn: None,
        }
    }

    /// A trap of `code` with a message (why the engine could not go on).
    pub(crate) fn with_message(code: TrapCode, message: impl Into<String>) -> Trap {
        Trap {
            message: Some(message.into()),
            ..Trap::new(code)
        }
    }

    /// A host trap with a message.
    pub fn host(message: impl Into<String>) -> Trap {
        Trap {
            code: TrapCode::Host,
            message: Some(message.into()),
            trace: Box::default(),
            exn: None,
        }
    }

    /// Raise the wasm exception `exn` (of the store the function runs in): what a host
    /// function returns to throw it into its wasm caller, where a `try_table` may catch it.
    /// Uncaught, it ends the call as this trap ([`TrapCode::Exception`]).
    pub fn throw(exn: crate::ExnRef) -> Trap {
        Trap {
            exn: Some(exn),
            ..Trap::new(TrapCode::Exception)
        }
    }

    /// The wasm exception this trap is, if it is one ([`TrapCode::Exception`]: thrown by
    /// wasm code or a host function and caught by no handler).
    pub fn exception(&self) -> Option<crate::ExnRef> {
        self.exn
    }

    /// The wasm call stack when the trap was raised, innermost frame first (as wasmtime's
    /// `WasmBacktrace::frames`): empty for a trap that no running wasm code raised, and at
    /// most [`Config::wasm_backtrace_max_frames`](crate::Config::wasm_backtrace_max_frames)
    /// frames (the innermost ones). A trap raised in wasm code that a host function called
    /// lists that code's frames, then the frames of the wasm code that called the host
    /// function.
    ///
    /// Recording it costs nothing while code runs: the frames are read from the engine's
    /// frame stack when the trap is raised, and a frame's offset is found by translating its
    /// function again with a map from microcode to wasm offsets, kept only for that.
    pub fn trace(&self) -> &[FrameInfo] {
        &self.trace
    }

    /// Frames to append to the trace, outer ones after the ones already there.
    pub(crate) fn extend_trace(&mut self, frames: Vec<FrameInfo>) {
        if frames.is_empty() {
            return;
        }
        let mut all = core::mem::take(&mut self.trace).into_vec();
        all.extend(frames);
        self.trace = all.into_boxed_slice();
    }

    /// What a host function returns to ask that the call suspend (see
    /// [`Func::call_resumable`](crate::Func::call_resumable)); outside a resumable call it is
    /// the [`HostYield`](TrapCode::HostYield) trap.
    pub fn host_yield() -> Trap {
        Trap::new(TrapCode::HostYield)
    }

    /// The trap's kind.
    pub fn code(&self) -> TrapCode {
        self.code
    }

    /// The message a host function gave, if any.
    pub fn message(&self) -> Option<&str> {
        self.message.as_deref()
    }
}

impl From<TrapCode> for Trap {
    fn from(code: TrapCode) -> Trap {
        Trap::new(code)
    }
}

impl fmt::Display for Trap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.message {
            Some(m) => write!(f, "{}: {}", self.code, m),
            None => write!(f, "{}", self.code),
        }
    }
}

/// A module failed to decode or validate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModuleError {
    /// Byte offset in the module where the problem was found.
    pub offset: usize,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for ModuleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid module at offset {:#x}: {}",
            self.offset, self.message
        )
    }
}

impl From<wasmparser::BinaryReaderError> for ModuleError {
    fn from(e: wasmparser::BinaryReaderError) -> ModuleError {
        ModuleError {
            offset: e.offset() as usize,
            message: String::from(e.message()),
        }
    }
}

/// An import could not be satisfied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkError {
    /// Nothing is defined under this module and name.
    Missing {
        /// Import module name.
        module: String,
        /// Import field name.
        name: String,
    },
    /// Something is defined, but of an incompatible type.
    Incompatible {
        /// Import module name.
        module: String,
        /// Import field name.
        name: String,
        /// Why it does not fit.
        reason: &'static str,
    },
    /// [`Instance::new`](crate::Instance::new): not as many imports as the module declares.
    ImportCount {
        /// How many the module declares.
        expected: usize,
        /// How many were given.
        found: usize,
    },
    /// [`Linker`](crate::Linker): the name is already defined and shadowing is off
    /// ([`Linker::allow_shadowing`](crate::Linker::allow_shadowing)).
    Duplicate {
        /// Module name.
        module: String,
        /// Field name.
        name: String,
    },
}

impl fmt::Display for LinkError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LinkError::Missing { module, name } => write!(f, "unknown import: `{module}::{name}`"),
            LinkError::Incompatible {
                module,
                name,
                reason,
            } => {
                write!(
                    f,
                    "incompatible import type for `{module}::{name}`: {reason}"
                )
            }
            LinkError::ImportCount { expected, found } => {
                write!(f, "the module has {expected} imports, {found} were given")
            }
            LinkError::Duplicate { module, name } => {
                write!(f, "`{module}::{name}` is already defined in this linker")
            }
        }
    }
}

/// Which value of a call had the wrong type, or how many values were wrong: what
/// [`Error::TypeMismatch`] carries. "Expected" is always the function's own signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TypeMismatch {
    /// Parameter `index` (from 0) of the function has type `expected`; the caller gave (or a
    /// typed signature declared) `found`.
    Param {
        /// Position of the parameter, from 0.
        index: usize,
        /// The function's parameter type.
        expected: ValType,
        /// What the caller gave or declared.
        found: ValType,
    },
    /// Result `index` (from 0) of the function has type `expected`; a typed signature declared
    /// `found`.
    Result {
        /// Position of the result, from 0.
        index: usize,
        /// The function's result type.
        expected: ValType,
        /// What the caller declared.
        found: ValType,
    },
    /// The function takes `expected` parameters; the caller gave or declared `found`.
    ParamCount {
        /// The function's parameter count.
        expected: usize,
        /// The caller's.
        found: usize,
    },
    /// The function returns `expected` results; the caller's buffer or signature has `found`.
    ResultCount {
        /// The function's result count.
        expected: usize,
        /// The caller's.
        found: usize,
    },
}

impl fmt::Display for TypeMismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            TypeMismatch::Param {
                index,
                expected,
                found,
            } => write!(
                f,
                "parameter {index} of the function has type {expected}, given {found}"
            ),
            TypeMismatch::Result {
                index,
                expected,
                found,
            } => write!(
                f,
                "result {index} of the function has type {expected}, asked for {found}"
            ),
            TypeMismatch::ParamCount { expected, found } => {
                write!(f, "the function takes {expected} parameters, given {found}")
            }
            TypeMismatch::ResultCount { expected, found } => write!(
                f,
                "the function returns {expected} results, room or types given for {found}"
            ),
        }
    }
}

/// Every error the engine returns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// Malformed or invalid module bytes.
    Module(ModuleError),
    /// An import could not be resolved.
    Link(LinkError),
    /// Execution trapped (also during instantiation: start function, segment initialisation).
    Trap(Trap),
    /// A value of the wrong type crossed the API, or an operation does not apply (an immutable
    /// global, a host function's microcode, ...).
    Type(&'static str),
    /// A call's arguments, result buffer or typed signature do not match the function's type:
    /// which parameter or result, and both types.
    TypeMismatch(TypeMismatch),
    /// A configured limit was hit outside of execution (e.g. creating a too-large memory).
    Limit(&'static str),
    /// Paged memories ([`Config::memory_paging`](crate::Config::memory_paging)) need the
    /// store's storage: [`Store::set_storage`](crate::Store::set_storage) was not called
    /// before a memory was created.
    NoStorage,
    /// The instance has no export of this name and kind
    /// ([`Instance::get_typed_func`](crate::Instance::get_typed_func)).
    MissingExport {
        /// The name looked up.
        name: String,
        /// The kind looked for (`"function"`).
        kind: &'static str,
        /// The kind of the export of that name, when there is one of another kind.
        found: Option<&'static str>,
    },
    /// A handle ([`Func`](crate::Func), [`Memory`](crate::Memory), [`Instance`](crate::Instance),
    /// a `funcref` value, ...) of one store was used with another store.
    WrongStore,
    /// A file could not be read ([`Module::from_file`](crate::Module::from_file)).
    Io(String),
    /// A module's source ([`Module::from_source`](crate::Module::from_source)) could not be
    /// read, or gave back bytes other than those validated.
    Source(SourceError),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Module(e) => e.fmt(f),
            Error::Link(e) => e.fmt(f),
            Error::Trap(t) => write!(f, "trap: {t}"),
            Error::Type(m) => write!(f, "type mismatch: {m}"),
            Error::TypeMismatch(m) => write!(f, "type mismatch: {m}"),
            Error::Limit(m) => write!(f, "limit exceeded: {m}"),
            Error::NoStorage => f.write_str(
                "paged memories need a storage: call Store::set_storage before creating one",
            ),
            Error::MissingExport {
                name,
                kind,
                found: None,
            } => write!(f, "no exported {kind} `{name}`"),
            Error::MissingExport {
                name,
                kind,
                found: Some(found),
            } => write!(f, "export `{name}` is a {found}, not a {kind}"),
            Error::WrongStore => f.write_str("a handle of another store was used with this store"),
            Error::Io(m) => f.write_str(m),
            Error::Source(e) => e.fmt(f),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for Error {
    /// The wrapped error: the module, link, trap, type-mismatch or source error.
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Module(e) => Some(e),
            Error::Link(e) => Some(e),
            Error::Trap(t) => Some(t),
            Error::TypeMismatch(m) => Some(m),
            Error::Source(e) => Some(e),
            _ => None,
        }
    }
}
#[cfg(feature = "std")]
impl std::error::Error for Trap {}
#[cfg(feature = "std")]
impl std::error::Error for ModuleError {}
#[cfg(feature = "std")]
impl std::error::Error for LinkError {}
#[cfg(feature = "std")]
impl std::error::Error for TypeMismatch {}
#[cfg(feature = "std")]
impl std::error::Error for crate::microcode::codec::DecodeError {}
#[cfg(feature = "std")]
impl std::error::Error for crate::microcode::VerifyError {}
impl<E: fmt::Debug> fmt::Display for crate::offload::FaultError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use crate::offload::FaultError;
        match self {
            FaultError::PowerCut => f.write_str("power cut (injected)"),
            FaultError::Injected { op, at } => write!(f, "injected {op:?} error at call {at}"),
            FaultError::OutOfMemory => f.write_str("out of memory"),
            FaultError::Inner(e) => write!(f, "{e:?}"),
        }
    }
}
#[cfg(feature = "std")]
impl<E: fmt::Debug> std::error::Error for crate::offload::FaultError<E> {}

impl From<Trap> for Error {
    fn from(t: Trap) -> Error {
        Error::Trap(t)
    }
}
impl From<TypeMismatch> for Error {
    fn from(m: TypeMismatch) -> Error {
        Error::TypeMismatch(m)
    }
}
impl From<TrapCode> for Error {
    fn from(t: TrapCode) -> Error {
        Error::Trap(Trap::new(t))
    }
}
impl From<ModuleError> for Error {
    fn from(e: ModuleError) -> Error {
        Error::Module(e)
    }
}
impl From<LinkError> for Error {
    fn from(e: LinkError) -> Error {
        Error::Link(e)
    }
}

/// A module's source could not give back the bytes that were validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceError {
    /// The source's own error (an I/O error, a storage error), as text.
    Io(String),
    /// The source ends before the bytes wanted at `offset`.
    Truncated {
        /// Where the read started.
        offset: u64,
    },
    /// The bytes read back differ from those validated (the block at `offset` no longer
    /// has the CRC-32 it had).
    Changed {
        /// The start of the block that changed.
        offset: u64,
    },
    /// Another read of the same source is in progress (only without `std`, where reads
    /// are not queued behind a lock: a reentrant read from the source's own code).
    Busy,
    /// The source is larger than this machine can address.
    TooLarge,
}

impl fmt::Display for SourceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SourceError::Io(m) => write!(f, "module source: {m}"),
            SourceError::Truncated { offset } => {
                write!(f, "module source: ends before the bytes at {offset:#x}")
            }
            SourceError::Changed { offset } => write!(
                f,
                "module source: the bytes at {offset:#x} changed since the module was validated"
            ),
            SourceError::Busy => f.write_str("module source: already in use"),
            SourceError::TooLarge => f.write_str("module source: too large"),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for SourceError {}
