//! Stand-in for `exn.rs` without the `exceptions` cargo feature: validation refuses the
//! proposal then, so no `try_table`, `throw` or `throw_ref` reaches the translator (`ops.rs`
//! has no arm for them) and a function has no handler table.

use super::Translator;

/// No handler table.
#[derive(Debug, Default)]
pub(super) struct Handlers;

impl Translator<'_> {
    /// Nothing to close: no `try_table` was opened.
    #[inline(always)]
    pub(super) fn exn_end(&mut self, _idx: usize, _here: u32) {}

    /// No catch clause branches anywhere.
    #[inline(always)]
    pub(super) fn caught_to(&self, _idx: usize) -> bool {
        false
    }

    /// Nothing to append.
    #[inline(always)]
    pub(super) fn emit_handlers(&mut self) {}
}
