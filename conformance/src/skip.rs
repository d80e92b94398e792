//! Directives that are knowingly not run. Every entry needs a reason; keep this list short and
//! shrinking. A skipped directive is counted as `skipped`, never as passed.

/// `(suite, file, line of the directive (1-based), reason)`.
pub const SKIPS: &[(&str, &str, usize, &str)] = &[
    // `tag.wast`'s link-time typing: two `(rec ...)` groups of two function types each, whose
    // types are distinct from each other and from a lone `(type (func))`. Recursion groups
    // are part of GC (wasmparser rejects them without its `gc` feature), which fayasm does
    // not implement; the tags, imports and exports themselves are covered by the rest of the
    // suite and by `engine/tests/all/exceptions.rs`.
    ("proposals/exceptions", "tag.wast", 30, REC_GROUPS),
    ("proposals/exceptions", "tag.wast", 38, REC_GROUPS),
    ("proposals/exceptions", "tag.wast", 40, REC_GROUPS),
    ("proposals/exceptions", "tag.wast", 48, REC_GROUPS),
];

const REC_GROUPS: &str = "recursion groups (rec) need GC, which fayasm does not implement";

/// Why the directive at `line` of `suite/file` is skipped, if it is.
pub fn skip_reason(suite: &str, file: &str, line: usize) -> Option<&'static str> {
    SKIPS
        .iter()
        .find(|(s, f, l, _)| *s == suite && *f == file && *l == line)
        .map(|(_, _, _, reason)| *reason)
}
