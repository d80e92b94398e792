//! Exact semantics of the WebAssembly `0xFD` (SIMD and relaxed-SIMD) operations that do not
//! touch memory, as small pure functions over `u128`.
//!
//! # Representation
//!
//! A `v128` is a `u128` whose least significant byte is byte 0 of the vector as laid out in
//! memory, so lane 0 of every shape sits in the low bits (little-endian lane order). Lanes are
//! read and written through byte arrays (`to_le_bytes` / `from_le_bytes`), never through
//! `core::arch`, so the results are the same on every host, 32-bit ones (rv32imc) included.
//!
//! Scalar cells (`splat`, `extract_lane`, `replace_lane`) are `u64`: an `i32`/`f32` lives in the
//! low 32 bits, and results are zero-extended to 64 bits, as everywhere in the engine.
//!
//! # Floating point
//!
//! Per-lane float semantics reuse the scalar functions of [`super::numeric`], so the NaN rules
//! are the same as for scalar code: arithmetic (`add`, `sub`, `mul`, `div`) uses plain Rust
//! operators, whose NaN results are the canonical NaN or a quieted input NaN; `min`/`max`,
//! rounding and `sqrt` quiet an input NaN explicitly; conversions follow the scalar conversions.
//! Operations that the spec defines on bits keep NaN payloads (signalling ones too) untouched and
//! are done on the integer lane bits: `abs`, `neg`, `pmin`, `pmax` (which return one of their
//! operands), splats, lane moves, bitwise ops and shuffles.
//!
//! # Relaxed SIMD: the behaviour chosen
//!
//! Every relaxed instruction uses the behaviour of the spec's *deterministic profile* (the
//! first entry of each `relaxed(R)[...]` list), the same on every host:
//!
//! | instruction | behaviour |
//! |---|---|
//! | `i8x16.relaxed_swizzle` | `i8x16.swizzle`: an index `>= 16` gives 0 |
//! | `i32x4.relaxed_trunc_*` | the `trunc_sat` counterpart: NaN gives 0, out-of-range values saturate |
//! | `f32x4/f64x2.relaxed_madd` | unfused: `a * b` rounded, then `+ c` rounded |
//! | `f32x4/f64x2.relaxed_nmadd` | unfused: `(-a) * b` rounded, then `+ c` rounded (= `-(a*b) + c`) |
//! | `i*x*.relaxed_laneselect` | `v128.bitselect` (every mask bit selects, not just the lane's top bit) |
//! | `f32x4/f64x2.relaxed_min/max` | `min`/`max` (NaN propagates; `-0 < +0`) |
//! | `i16x8.relaxed_q15mulr_s` | `i16x8.q15mulr_sat_s` (`MIN * MIN` saturates to `MAX`) |
//! | `i16x8.relaxed_dot_i8x16_i7x16_s` | both operands' bytes signed; the two `i8 * i8` products of a lane are added with *signed saturation* to `i16` (the spec's `ivdot_sat`) |
//! | `i32x4.relaxed_dot_i8x16_i7x16_add_s` | the `i16` lanes above (saturated) added pairwise into `i32`, then added to the accumulator with wrapping |
//!
//! Saturation in the dot products only matters when the second operand has bytes outside
//! `0..=127` (two `-128 * -128` products: `32768` saturates to `32767`). Note that wasmtime's
//! own "deterministic" mode differs from the spec there (it wraps, and sums the four `i32`
//! products exactly), and uses a fused multiply-add for `relaxed_madd`.

// Variant names are the WebAssembly instructions' names (as wasmparser spells them).
#![allow(missing_docs)]
// Without the `simd` feature only the op enums remain, for the microcode to name.
#![cfg_attr(not(feature = "simd"), allow(dead_code))]

#[cfg(feature = "simd")]
mod lanes;
#[cfg(feature = "simd")]
pub use lanes::*;

#[cfg(feature = "simd")]
pub use crate::microcode::simd_ops::{
    SimdBinOp, SimdExtractOp, SimdReplaceOp, SimdShiftOp, SimdSplatOp, SimdTernOp, SimdTestOp,
    SimdUnOp,
};

/// The widening `v128.load*x*` loads: how 8 loaded bytes become a `v128`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SimdLoadExtend {
    V128Load8x8S,
    V128Load8x8U,
    V128Load16x4S,
    V128Load16x4U,
    V128Load32x2S,
    V128Load32x2U,
}
