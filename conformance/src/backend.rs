//! The interface the script runner drives. fayasm ([`crate::subject`]) and wasmtime
//! ([`crate::oracle`]) each implement it; the runner never sees either engine's types.

use std::fmt;

use crate::values::{Trapped, Value};

/// Handle of an instance inside one backend (an index into its own list).
pub type InstanceId = usize;

/// Why a module did not instantiate.
#[derive(Debug, Clone)]
pub enum InstantiateError {
    /// Rejected by decoding or validation (malformed or invalid).
    Compile(String),
    /// An import is missing or has the wrong type.
    Link(String),
    /// Instantiation trapped (start function, segment out of bounds).
    Trap(Trapped),
    /// Anything else (resource limits, unsupported feature, ...).
    Other(String),
}

impl fmt::Display for InstantiateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InstantiateError::Compile(m) => write!(f, "compile error: {m}"),
            InstantiateError::Link(m) => write!(f, "link error: {m}"),
            InstantiateError::Trap(t) => write!(f, "instantiation {t}"),
            InstantiateError::Other(m) => write!(f, "error: {m}"),
        }
    }
}

/// What a call did.
#[derive(Debug, Clone)]
pub enum CallOutcome {
    Returned(Vec<Value>),
    Trapped(Trapped),
}

impl fmt::Display for CallOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CallOutcome::Returned(v) => write!(f, "returned {}", crate::values::show_values(v)),
            CallOutcome::Trapped(t) => write!(f, "{t}"),
        }
    }
}

/// One engine, with one store, one linker (holding `spectest` and every registered name) and
/// the instances created so far.
pub trait Backend {
    /// Short name for messages ("fayasm", "wasmtime").
    fn name(&self) -> &'static str;

    /// Decodes and validates only.
    fn compile(&mut self, bytes: &[u8]) -> Result<(), String>;

    /// Compiles and instantiates against the linker.
    fn instantiate(&mut self, bytes: &[u8]) -> Result<InstanceId, InstantiateError>;

    /// Makes the exports of `instance` importable as module `name`.
    fn register(&mut self, name: &str, instance: InstanceId) -> Result<(), String>;

    /// Calls an exported function. `Err` is a harness-level failure (no such export, argument
    /// of the wrong type, a non-trap error), not a trap.
    fn invoke(
        &mut self,
        instance: InstanceId,
        func: &str,
        args: &[Value],
    ) -> Result<CallOutcome, String>;

    /// Reads an exported global.
    fn get_global(&mut self, instance: InstanceId, name: &str) -> Result<Value, String>;
}
