//! GC operators in a build without the `gc` cargo feature: validation refuses every one
//! (`Config::features`), so none reaches the translator; one that did would be an
//! unsupported instruction.

use super::{ModuleError, Translator};
use wasmparser::Operator;

impl Translator<'_> {
    /// Whether `op` is a GC operator this build translates: none.
    pub(super) fn is_gc(_op: &Operator<'_>) -> bool {
        false
    }

    /// Never called ([`Translator::is_gc`] is false).
    pub(super) fn gc(&mut self, _op: Operator<'_>, offset: usize) -> Result<(), ModuleError> {
        Err(super::unsupported(offset, "GC operator"))
    }
}
