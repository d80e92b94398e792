//! Checking logic behind fayasm's fuzz targets (`fuzz_targets/*.rs` are thin glue over this),
//! kept in a library so a crash input can be replayed from a test or a debugger.
//!
//! Every `check_*` function panics when a property fails; anything else (an input the
//! property does not apply to, a resource limit) returns quietly.

pub mod blobs;
pub mod decode;
#[cfg(feature = "differential")]
pub mod differential;
pub mod faults;
pub mod hostile;
pub mod microcode;
pub mod smith;
pub mod spill_code;
pub mod spill_memory;
pub mod suspend;
pub mod wasi;

use arbitrary::Unstructured;
use fayasm::{Val, ValType};

/// An argument of type `ty` (references are null).
pub fn arbitrary_val(u: &mut Unstructured<'_>, ty: ValType) -> arbitrary::Result<Val> {
    Ok(match ty {
        ValType::I32 => Val::I32(u.arbitrary()?),
        ValType::I64 => Val::I64(u.arbitrary()?),
        ValType::F32 => Val::F32(u.arbitrary()?),
        ValType::F64 => Val::F64(u.arbitrary()?),
        ValType::V128 => Val::V128(u.arbitrary()?),
        _ => Val::default_for(ty),
    })
}
