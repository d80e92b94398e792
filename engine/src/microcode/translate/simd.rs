//! SIMD operators (the 0xFD prefix).

use wasmparser::Operator;

use super::Translator;
use crate::error::ModuleError;

impl Translator<'_> {
    /// Translate `op` if it is a SIMD operator; `Ok(false)` if it is not one.
    pub(super) fn simd(&mut self, _op: &Operator<'_>) -> Result<bool, ModuleError> {
        Ok(false)
    }
}
