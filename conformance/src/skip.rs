//! Directives that are knowingly not run. Every entry needs a reason; keep this list short and
//! shrinking. A skipped directive is counted as `skipped`, never as passed.

/// `(suite, file, line of the directive (1-based), reason)`.
pub const SKIPS: &[(&str, &str, usize, &str)] = &[];

/// Why the directive at `line` of `suite/file` is skipped, if it is.
pub fn skip_reason(suite: &str, file: &str, line: usize) -> Option<&'static str> {
    SKIPS
        .iter()
        .find(|(s, f, l, _)| *s == suite && *f == file && *l == line)
        .map(|(_, _, _, reason)| *reason)
}
