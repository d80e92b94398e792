//! SIMD operators without the `simd` feature: there are none to translate. wasmparser's
//! `simd` feature follows fayasm's, so its reader rejects the 0xFD prefix ("unexpected SIMD
//! opcode", a validation error) before a visitor sees one, and the `Operator` enum has no
//! SIMD variants.

use wasmparser::Operator;

use super::Translator;
use crate::error::ModuleError;

impl Translator<'_> {
    /// Never a SIMD operator here: `Ok(false)`.
    pub(super) fn simd(&mut self, _: &Operator<'_>) -> Result<bool, ModuleError> {
        Ok(false)
    }
}
