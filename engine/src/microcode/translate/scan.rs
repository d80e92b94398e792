//! The loop-constant pre-pass over a function body's raw bytes ([`loop_constants`]).
//!
//! The translator needs, before its one pass over the operators, the distinct scalar
//! constants that appear inside loops (they get frame slots between the locals and the
//! temporaries, written once by a prologue). Finding them with wasmparser's `visit_operator`
//! decoded every operator of the body a second time, 5-11% of prescan translation time on the
//! benchmark programs (callgrind). This scanner reads only what the answer depends on: the
//! opcode, the block nesting and the constants' values, and skips every other operator's
//! immediates by their encoding. It covers the core operators, sign extension, saturating
//! truncation and bulk memory (what compilers emit for plain code). A build without the
//! `simd`, `gc`, `threads` and `exceptions` features uses [`loop_constants_full`], which also
//! reads reference types, tail calls, typed function references, typed `select`, wide
//! arithmetic and blocks nested deeper than 64: every operator such a build accepts, so its
//! translator needs no other pass (the firmware's: wasmparser's decoder is then instantiated
//! for the translator's visitor only). On anything else (SIMD, exceptions, GC, atomics, what
//! the build's variant does not read, a malformed encoding) it gives up and the caller runs
//! the wasmparser pass, so the result is always the wasmparser pass's (debug builds check it
//! on every body).

use alloc::vec::Vec;

/// What the pre-pass found: the constants' bits, first seen first, at most `max`.
///
/// `ops` is the body from its first operator. `None` if an operator is outside what the
/// scanner reads, or blocks nest deeper than 64 (the caller then runs the wasmparser pass).
#[cfg(any(
    feature = "simd",
    feature = "gc",
    feature = "threads",
    feature = "exceptions",
    test
))]
pub(super) fn loop_constants(ops: &[u8], max: usize) -> Option<Vec<u64>> {
    scan::<false>(ops, max)
}

/// [`loop_constants`] for a build without the wasmparser pass: every operator such a build
/// accepts, blocks nested to any depth (a `Vec` for the levels past 64). A separate
/// instantiation, so that the other's inner loop stays as it was: these arms cost the
/// host's prescan 0.4% of its instructions (callgrind).
#[cfg(any(
    not(any(
        feature = "simd",
        feature = "gc",
        feature = "threads",
        feature = "exceptions"
    )),
    test
))]
pub(super) fn loop_constants_full(ops: &[u8], max: usize) -> Option<Vec<u64>> {
    scan::<true>(ops, max)
}

fn scan<const FULL: bool>(ops: &[u8], max: usize) -> Option<Vec<u64>> {
    let mut r = Bytes { b: ops, at: 0 };
    // For every open block, whether it is a loop: a bit each for the outer 64, then `deeper`
    // (or give up).
    let mut nesting: u64 = 0;
    let mut deeper: Vec<bool> = Vec::new();
    let mut depth = 0u32;
    let mut loops = 0u32;
    let mut found: Vec<u64> = Vec::new();
    let constant = |bits: u64, loops: u32, found: &mut Vec<u64>| {
        if loops > 0 && !found.contains(&bits) {
            found.push(bits);
        }
    };
    while r.at < r.b.len() && found.len() < max {
        let op = r.byte()?;
        match op {
            // block, loop, if: a block type.
            0x02..=0x04 => {
                r.block_type::<FULL>()?;
                let is_loop = op == 0x03;
                if depth >= 64 {
                    if !FULL {
                        return None;
                    }
                    deeper.push(is_loop);
                } else {
                    nesting |= (is_loop as u64) << depth;
                }
                depth += 1;
                loops += is_loop as u32;
            }
            // end: closes a block (the function's own `end` closes none).
            0x0b => {
                if depth > 0 {
                    depth -= 1;
                    if FULL && depth >= 64 {
                        if deeper.pop() == Some(true) {
                            loops -= 1;
                        }
                    } else if nesting >> depth & 1 != 0 {
                        loops -= 1;
                        nesting &= !(1 << depth);
                    }
                }
            }
            // No immediates: unreachable, nop, else, return, drop, select, ref.is_null, and
            // the numeric operators from i32.eqz to the sign extensions.
            0x00 | 0x01 | 0x05 | 0x0f | 0x1a | 0x1b | 0xd1 | 0x45..=0xc4 => {}
            // One index: br, br_if, call, return_call, local.*, global.*, table.get/set,
            // memory.size/grow (their memory), ref.func.
            0x0c | 0x0d | 0x10 | 0x12 | 0x20..=0x26 | 0x3f | 0x40 | 0xd2 => r.leb()?,
            // One index: call_ref, return_call_ref, br_on_null, br_on_non_null.
            0x14 | 0x15 | 0xd5 | 0xd6 if FULL => r.leb()?,
            // ref.as_non_null: no immediates.
            0xd4 if FULL => {}
            // Typed select: a vector of value types.
            0x1c if FULL => {
                let n = r.u32()?;
                for _ in 0..n {
                    r.val_type()?;
                }
            }
            // ref.null: a heap type.
            0xd0 if FULL => r.heap_type()?,
            // Two indices: call_indirect, return_call_indirect (type, table).
            0x11 | 0x13 => {
                r.leb()?;
                r.leb()?;
            }
            // br_table: a vector of labels and the default.
            0x0e => {
                let n = r.u32()?;
                for _ in 0..=n {
                    r.leb()?;
                }
            }
            // Loads and stores: a memory argument (alignment with the multi-memory flag,
            // memory index, offset).
            0x28..=0x3e => {
                let align = r.u32()?;
                if align & 0x40 != 0 {
                    r.leb()?;
                }
                r.leb()?;
            }
            0x41 => {
                let v = r.s64(32)?;
                constant(v as i32 as u32 as u64, loops, &mut found);
            }
            0x42 => {
                let v = r.s64(64)?;
                constant(v as u64, loops, &mut found);
            }
            0x43 => {
                let v = r.take(4)?;
                let bits = u32::from_le_bytes([v[0], v[1], v[2], v[3]]);
                constant(bits as u64, loops, &mut found);
            }
            0x44 => {
                let v = r.take(8)?;
                let mut le = [0u8; 8];
                le.copy_from_slice(v);
                constant(u64::from_le_bytes(le), loops, &mut found);
            }
            0xfc => match r.u32()? {
                // Saturating truncations.
                0..=7 => {}
                // The wide arithmetic.
                0x13..=0x16 if FULL => {}
                // data.drop, memory.fill, elem.drop, table.grow/size/fill: one index.
                9 | 11 | 13 | 15..=17 => r.leb()?,
                // memory.init, memory.copy, table.init, table.copy: two.
                8 | 10 | 12 | 14 => {
                    r.leb()?;
                    r.leb()?;
                }
                _ => return None,
            },
            _ => return None,
        }
    }
    Some(found)
}

/// A cursor over the body's bytes; every read is `None` past the end or on a LEB128 longer
/// than its type allows.
struct Bytes<'a> {
    b: &'a [u8],
    at: usize,
}

impl<'a> Bytes<'a> {
    #[inline(always)]
    fn byte(&mut self) -> Option<u8> {
        let v = *self.b.get(self.at)?;
        self.at += 1;
        Some(v)
    }

    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let v = self.b.get(self.at..self.at.checked_add(n)?)?;
        self.at += n;
        Some(v)
    }

    /// Skips a LEB128 number (at most 10 bytes, a `u64`'s).
    #[inline(always)]
    fn leb(&mut self) -> Option<()> {
        for _ in 0..10 {
            if self.byte()? & 0x80 == 0 {
                return Some(());
            }
        }
        None
    }

    /// An unsigned LEB128 `u32` (for counts and flags the scan looks at).
    fn u32(&mut self) -> Option<u32> {
        let mut v = 0u64;
        for i in 0..5 {
            let b = self.byte()?;
            v |= ((b & 0x7f) as u64) << (7 * i);
            if b & 0x80 == 0 {
                return u32::try_from(v).ok();
            }
        }
        None
    }

    /// A signed LEB128 number of `bits` bits (32 or 64), sign-extended to `i64`.
    fn s64(&mut self, bits: u32) -> Option<i64> {
        let max = bits.div_ceil(7);
        let mut v = 0i64;
        let mut shift = 0u32;
        for _ in 0..max {
            let b = self.byte()?;
            if shift < 64 {
                v |= ((b & 0x7f) as i64) << shift;
            }
            shift += 7;
            if b & 0x80 == 0 {
                if shift < 64 && b & 0x40 != 0 {
                    v |= -1i64 << shift;
                }
                return Some(v);
            }
        }
        None
    }

    /// Skips a block type: empty (`0x40`), a value type, or a type index (a positive s33).
    /// Without `FULL`, a reference type with a heap type (`0x63`, `0x64`) gives up.
    fn block_type<const FULL: bool>(&mut self) -> Option<()> {
        let b = *self.b.get(self.at)?;
        if b & 0xc0 == 0x40 {
            if FULL {
                return self.val_type();
            }
            if b == 0x63 || b == 0x64 {
                return None;
            }
            self.at += 1;
            return Some(());
        }
        self.leb()
    }

    /// Skips a value type: one byte, or a reference type's prefix (`0x63`, `0x64`) and its
    /// heap type. The prefixes of proposals fayasm never enables (`shared`, `exact`) give up.
    fn val_type(&mut self) -> Option<()> {
        match self.byte()? {
            0x63 | 0x64 => self.heap_type(),
            0x62 | 0x65 => None,
            _ => Some(()),
        }
    }

    /// Skips a heap type: an abstract one (one byte) or a type index (an s33); `shared` and
    /// `exact` give up, as in [`Bytes::val_type`].
    fn heap_type(&mut self) -> Option<()> {
        match *self.b.get(self.at)? {
            0x62 | 0x65 => None,
            _ => self.leb(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every body of `wasm`, from its first operator, with the wasmparser pass's answer:
    /// `None` where that pass cannot read the body, which only a build without the `simd`
    /// feature may do (wasmparser then reads no SIMD operator; the validator rejects such
    /// a module before translation).
    fn bodies(wasm: &[u8]) -> Vec<(Vec<u8>, Option<Vec<u64>>)> {
        let mut out = Vec::new();
        for p in wasmparser::Parser::new(0).parse_all(wasm) {
            if let wasmparser::Payload::CodeSectionEntry(body) = p.unwrap() {
                let r = body.get_binary_reader_for_operators().unwrap();
                let ops = body.as_bytes()[r.current_position()..].to_vec();
                let slow = super::super::loop_constants_wasmparser(&body);
                assert!(
                    slow.is_ok() || cfg!(not(feature = "simd")),
                    "the wasmparser pass fails: {slow:?}"
                );
                out.push((ops, slow.ok()));
            }
        }
        out
    }

    /// [`bodies`] of a module every build reads.
    fn readable_bodies(wasm: &[u8]) -> Vec<(Vec<u8>, Vec<u64>)> {
        bodies(wasm)
            .into_iter()
            .map(|(ops, slow)| (ops, slow.expect("a body every build reads")))
            .collect()
    }

    #[test]
    fn agrees_with_the_wasmparser_pass_on_every_sample() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../wasm_samples/wasm");
        let mut scanned = 0;
        let mut hoisting = 0;
        for e in std::fs::read_dir(dir).unwrap() {
            let path = e.unwrap().path();
            if path.extension().is_none_or(|x| x != "wasm") {
                continue;
            }
            let wasm = std::fs::read(&path).unwrap();
            for (ops, slow) in bodies(&wasm) {
                let Some(slow) = slow else {
                    // A SIMD body in a build without `simd`: neither scanner reads it.
                    assert_eq!(loop_constants_full(&ops, super::super::MAX_HOISTED), None);
                    assert_eq!(loop_constants(&ops, super::super::MAX_HOISTED), None);
                    continue;
                };
                if let Some(full) = loop_constants_full(&ops, super::super::MAX_HOISTED) {
                    assert_eq!(full, slow, "{}", path.display());
                }
                if let Some(fast) = loop_constants(&ops, super::super::MAX_HOISTED) {
                    assert_eq!(fast, slow, "{}", path.display());
                    scanned += 1;
                    hoisting += !fast.is_empty() as usize;
                }
            }
        }
        // The samples are mostly plain compiled code: the scanner must read most of them.
        assert!(scanned > 100 && hoisting > 20, "{scanned} {hoisting}");
    }

    #[test]
    fn constants_values_nesting_and_give_ups() {
        let wat = r#"(module (memory 1) (table 1 funcref) (type $t (func (param i32) (result i32)))
          (func $a (param i32) (result i32)
            i32.const -1 drop
            (loop $l (result i32)
              i32.const -64 drop  i32.const 63 drop  i32.const 0x7fffffff drop
              i64.const -9223372036854775808 drop  i64.const 0x123456789 drop
              f32.const -0.5 drop  f64.const 1e300 drop  f64.const nan drop
              (block (result i32) (i32.const 7))
              (if (result i32) (local.get 0) (then (i32.const 8)) (else (i32.const 9)))
              i32.add drop
              (br_table 0 1 0 (i32.const 1) (local.get 0))
              i32.const -1)
            i32.const 42 drop
            (block (param i32) (result i32) (i32.load8_u offset=70000 (local.get 0)) i32.add)
            (memory.copy (i32.const 1) (i32.const 2) (i32.const 3))
            (call_indirect (type $t) (i32.const 5) (i32.const 0))
            drop (memory.grow (i32.const 0)) (i32.trunc_sat_f64_s (f64.const 1)) drop drop
            i32.const 3)
          (func $b (loop (v128.const i64x2 1 2) drop (i32.const 5) drop)))"#;
        let wasm = wat::parse_str(wat).unwrap();
        let all = bodies(&wasm);
        let (ops, slow) = &all[0];
        let slow = slow.as_ref().unwrap();
        assert_eq!(loop_constants(ops, 64).as_ref(), Some(slow));
        // The `-1` before the loop is not in one; the one at its end is, and comes last.
        assert_eq!(slow.len(), 13, "{slow:x?}");
        assert_eq!(slow[0], 0xffff_ffc0);
        assert_eq!(slow[12], 0xffff_ffff);
        assert!(!slow.contains(&42) && !slow.contains(&3));
        assert_eq!(loop_constants(ops, 2).unwrap(), slow[..2]);
        // SIMD: the wasmparser pass answers (in a build that reads SIMD at all).
        assert_eq!(loop_constants(&all[1].0, 64), None);
        if cfg!(feature = "simd") {
            assert_eq!(all[1].1.as_deref(), Some(&[5][..]));
        }
        // Truncated bodies give up rather than read past the end.
        for n in 0..ops.len() {
            let _ = loop_constants(&ops[..n], 64);
        }
    }

    /// The operators of a build without the `simd`, `gc`, `threads` and `exceptions`
    /// features (typed function references, typed `select`, `ref.null`, wide arithmetic,
    /// reference-typed blocks, nesting deeper than 64): the scanner answers, as the wasmparser
    /// pass does.
    #[test]
    fn reads_every_operator_of_a_build_without_the_proposal_features() {
        let deep = |inner: &str| {
            let mut s = std::string::String::new();
            for k in 0..70 {
                s += if k % 3 == 0 { "(loop " } else { "(block " };
            }
            s += inner;
            s += &")".repeat(70);
            s
        };
        let wat = std::format!(
            r#"(module (type $t (func (param i32) (result i32))) (table 1 funcref) (elem declare func $f)
          (func $f (param i32) (result i32)
            (loop $l (result i32)
              (call_ref $t (i32.const 11) (ref.func $f)) drop
              (select (result i32) (i32.const 12) (i32.const 13) (local.get 0)) drop
              (select (result (ref null $t)) (ref.null $t) (ref.null $t) (i32.const 14)) drop
              (select (result funcref) (ref.null func) (ref.null func) (i32.const 15)) drop
              (block $b (result (ref $t))
                (br_on_non_null $b (ref.func $f)) (ref.as_non_null (ref.func $f)))
              drop
              (block $c (br_on_null $c (ref.func $f)) drop)
              (block (result (ref null func)) (ref.null nofunc)) drop
              (i64.add128 (i64.const 16) (i64.const 17) (i64.const 18) (i64.const 19)) drop drop
              (i64.mul_wide_u (i64.const 20) (i64.const 21)) drop drop
              (return_call_ref $t (i32.const 22) (ref.func $f))))
          (func (result i32) (loop (return_call_ref $t (i32.const 23) (ref.func $f)))
            (unreachable))
          (func {} (i32.const 26) drop (loop (i32.const 27) drop)))"#,
            deep("(i32.const 24) drop (i32.const 25) drop")
        );
        let wasm = wat::parse_str(wat).unwrap();
        let all = readable_bodies(&wasm);
        for (ops, slow) in &all {
            assert_eq!(loop_constants_full(ops, 64).as_ref(), Some(slow));
        }
        // The other variant gives up on them (the wasmparser pass answers).
        assert_eq!(loop_constants(&all[0].0, 64), None);
        assert_eq!(loop_constants(&all[2].0, 64), None);
        let found = &all[0].1;
        for c in 11..=22u64 {
            assert!(found.contains(&c), "{c} in {found:?}");
        }
        assert_eq!(all[1].1, [23]);
        // Past the 70 nested blocks, only the constant in a loop again.
        assert_eq!(all[2].1, [24, 25, 27]);
        let ops = &all[0].0;
        for n in 0..ops.len() {
            let _ = loop_constants(&ops[..n], 64);
        }
    }
}
