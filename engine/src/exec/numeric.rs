//! Exact WebAssembly numeric semantics as small pure functions.
//!
//! Values are Rust primitives. Integer operands use `i32`/`i64` unless the
//! operation is inherently unsigned (`*_div_u`, `*_rem_u`, `*_trunc_*_u`,
//! `*_convert_*_u`), which take/return `u32`/`u64`; callers reinterpret with
//! `as` (a no-op bit cast between same-width integers).
//!
//! NaN rules (wasm spec, "NaN propagation"): when an operation's result is a
//! NaN it must be an *arithmetic* NaN (quiet bit set), and it must be the
//! *canonical* NaN (only the quiet bit in the payload, any sign) when every
//! NaN input was canonical. Quieting an input NaN (OR-ing in the quiet bit)
//! satisfies both. `abs`/`neg`/`copysign` are pure sign-bit operations and do
//! not touch NaN payloads at all.
//!
//! `add`/`sub`/`mul`/`div` are meant to be done with plain Rust operators:
//! Rust guarantees (RFC 3514) that a NaN result is either the preferred
//! (= canonical) quiet NaN or a *quieted* input NaN, which is exactly wasm's
//! rule. (Known exceptions are targets Rust itself lists as non-IEEE: x86
//! without SSE2, i.e. x87 — which also breaks f32/f64 rounding through excess
//! precision — and legacy MIPS with the inverted quiet bit.)
//!
//! Only `core` float methods that are pure bit operations are used here; all
//! rounding functions come from `libm`.

// Temporary import location; the engine defines this at crate root.
use crate::TrapCode;

// ---------------------------------------------------------------------------
// Integer: division / remainder
// ---------------------------------------------------------------------------

/// `i32.div_s`: traps on zero divisor and on `MIN / -1`.
#[inline]
pub fn i32_div_s(a: i32, b: i32) -> Result<i32, TrapCode> {
    if b == 0 {
        return Err(TrapCode::IntegerDivisionByZero);
    }
    a.checked_div(b).ok_or(TrapCode::IntegerOverflow)
}

/// `i32.div_u`: traps on zero divisor.
#[inline]
pub fn i32_div_u(a: u32, b: u32) -> Result<u32, TrapCode> {
    a.checked_div(b).ok_or(TrapCode::IntegerDivisionByZero)
}

/// `i32.rem_s`: traps on zero divisor; `MIN % -1 == 0` (no trap).
#[inline]
pub fn i32_rem_s(a: i32, b: i32) -> Result<i32, TrapCode> {
    if b == 0 {
        return Err(TrapCode::IntegerDivisionByZero);
    }
    // wrapping_rem yields 0 for MIN % -1 and the truncated remainder (sign of
    // the dividend) otherwise, matching wasm.
    Ok(a.wrapping_rem(b))
}

/// `i32.rem_u`: traps on zero divisor.
#[inline]
pub fn i32_rem_u(a: u32, b: u32) -> Result<u32, TrapCode> {
    a.checked_rem(b).ok_or(TrapCode::IntegerDivisionByZero)
}

/// `i64.div_s`: traps on zero divisor and on `MIN / -1`.
#[inline]
pub fn i64_div_s(a: i64, b: i64) -> Result<i64, TrapCode> {
    if b == 0 {
        return Err(TrapCode::IntegerDivisionByZero);
    }
    a.checked_div(b).ok_or(TrapCode::IntegerOverflow)
}

/// `i64.div_u`: traps on zero divisor.
#[inline]
pub fn i64_div_u(a: u64, b: u64) -> Result<u64, TrapCode> {
    a.checked_div(b).ok_or(TrapCode::IntegerDivisionByZero)
}

/// `i64.rem_s`: traps on zero divisor; `MIN % -1 == 0` (no trap).
#[inline]
pub fn i64_rem_s(a: i64, b: i64) -> Result<i64, TrapCode> {
    if b == 0 {
        return Err(TrapCode::IntegerDivisionByZero);
    }
    Ok(a.wrapping_rem(b))
}

/// `i64.rem_u`: traps on zero divisor.
#[inline]
pub fn i64_rem_u(a: u64, b: u64) -> Result<u64, TrapCode> {
    a.checked_rem(b).ok_or(TrapCode::IntegerDivisionByZero)
}

// ---------------------------------------------------------------------------
// Integer: shifts and rotates
//
// wasm takes the shift/rotate count modulo the bit width. `wrapping_shl` /
// `wrapping_shr` mask the count with `BITS - 1`, which is exactly that. For
// rotates we mask explicitly rather than rely on `rotate_*`'s handling of
// counts >= BITS. Counts are taken as the signed stack type; only the low
// bits matter.
// ---------------------------------------------------------------------------

#[inline]
pub fn i32_shl(a: i32, b: i32) -> i32 {
    a.wrapping_shl(b as u32)
}

/// Arithmetic (sign-propagating) right shift.
#[inline]
pub fn i32_shr_s(a: i32, b: i32) -> i32 {
    a.wrapping_shr(b as u32)
}

/// Logical right shift (operand reinterpreted as unsigned).
#[inline]
pub fn i32_shr_u(a: i32, b: i32) -> i32 {
    (a as u32).wrapping_shr(b as u32) as i32
}

#[inline]
pub fn i32_rotl(a: i32, b: i32) -> i32 {
    (a as u32).rotate_left(b as u32 & 31) as i32
}

#[inline]
pub fn i32_rotr(a: i32, b: i32) -> i32 {
    (a as u32).rotate_right(b as u32 & 31) as i32
}

#[inline]
pub fn i64_shl(a: i64, b: i64) -> i64 {
    a.wrapping_shl(b as u32)
}

#[inline]
pub fn i64_shr_s(a: i64, b: i64) -> i64 {
    a.wrapping_shr(b as u32)
}

#[inline]
pub fn i64_shr_u(a: i64, b: i64) -> i64 {
    (a as u64).wrapping_shr(b as u32) as i64
}

#[inline]
pub fn i64_rotl(a: i64, b: i64) -> i64 {
    (a as u64).rotate_left(b as u32 & 63) as i64
}

#[inline]
pub fn i64_rotr(a: i64, b: i64) -> i64 {
    (a as u64).rotate_right(b as u32 & 63) as i64
}

// ---------------------------------------------------------------------------
// Integer: bit counting and sign extension (trivial, for completeness)
// ---------------------------------------------------------------------------

#[inline]
pub fn i32_clz(a: i32) -> i32 {
    a.leading_zeros() as i32
}

#[inline]
pub fn i32_ctz(a: i32) -> i32 {
    a.trailing_zeros() as i32
}

#[inline]
pub fn i32_popcnt(a: i32) -> i32 {
    a.count_ones() as i32
}

#[inline]
pub fn i64_clz(a: i64) -> i64 {
    a.leading_zeros() as i64
}

#[inline]
pub fn i64_ctz(a: i64) -> i64 {
    a.trailing_zeros() as i64
}

#[inline]
pub fn i64_popcnt(a: i64) -> i64 {
    a.count_ones() as i64
}

#[inline]
pub fn i32_extend8_s(a: i32) -> i32 {
    a as i8 as i32
}

#[inline]
pub fn i32_extend16_s(a: i32) -> i32 {
    a as i16 as i32
}

#[inline]
pub fn i64_extend8_s(a: i64) -> i64 {
    a as i8 as i64
}

#[inline]
pub fn i64_extend16_s(a: i64) -> i64 {
    a as i16 as i64
}

#[inline]
pub fn i64_extend32_s(a: i64) -> i64 {
    a as i32 as i64
}

// ---------------------------------------------------------------------------
// Float: NaN helpers
// ---------------------------------------------------------------------------

const F32_SIGN: u32 = 0x8000_0000;
const F32_QUIET: u32 = 0x0040_0000;
const F64_SIGN: u64 = 0x8000_0000_0000_0000;
const F64_QUIET: u64 = 0x0008_0000_0000_0000;

/// Quiet a NaN by setting its quiet bit (keeps sign and payload). Only call
/// with a NaN; the result is an arithmetic NaN, canonical if the input was.
#[inline]
pub fn f32_quiet(x: f32) -> f32 {
    f32::from_bits(x.to_bits() | F32_QUIET)
}

/// See [`f32_quiet`].
#[inline]
pub fn f64_quiet(x: f64) -> f64 {
    f64::from_bits(x.to_bits() | F64_QUIET)
}

// ---------------------------------------------------------------------------
// Float: sign-bit operations (bitwise; never canonicalise NaNs)
// ---------------------------------------------------------------------------

#[inline]
pub fn f32_abs(x: f32) -> f32 {
    f32::from_bits(x.to_bits() & !F32_SIGN)
}

#[inline]
pub fn f32_neg(x: f32) -> f32 {
    f32::from_bits(x.to_bits() ^ F32_SIGN)
}

#[inline]
pub fn f32_copysign(x: f32, y: f32) -> f32 {
    f32::from_bits((x.to_bits() & !F32_SIGN) | (y.to_bits() & F32_SIGN))
}

#[inline]
pub fn f64_abs(x: f64) -> f64 {
    f64::from_bits(x.to_bits() & !F64_SIGN)
}

#[inline]
pub fn f64_neg(x: f64) -> f64 {
    f64::from_bits(x.to_bits() ^ F64_SIGN)
}

#[inline]
pub fn f64_copysign(x: f64, y: f64) -> f64 {
    f64::from_bits((x.to_bits() & !F64_SIGN) | (y.to_bits() & F64_SIGN))
}

// ---------------------------------------------------------------------------
// Float: min / max
//
// NaN if either operand is NaN (the first NaN operand, quieted). Zeros of
// different sign compare equal under `==`, so for equal operands we combine
// the bits: OR for min (negative wins), AND for max (positive wins). For equal
// non-zero operands the bits are identical, so this is a no-op.
// ---------------------------------------------------------------------------

#[inline]
pub fn f32_min(a: f32, b: f32) -> f32 {
    if a.is_nan() {
        f32_quiet(a)
    } else if b.is_nan() {
        f32_quiet(b)
    } else if a == b {
        f32::from_bits(a.to_bits() | b.to_bits())
    } else if a < b {
        a
    } else {
        b
    }
}

#[inline]
pub fn f32_max(a: f32, b: f32) -> f32 {
    if a.is_nan() {
        f32_quiet(a)
    } else if b.is_nan() {
        f32_quiet(b)
    } else if a == b {
        f32::from_bits(a.to_bits() & b.to_bits())
    } else if a > b {
        a
    } else {
        b
    }
}

#[inline]
pub fn f64_min(a: f64, b: f64) -> f64 {
    if a.is_nan() {
        f64_quiet(a)
    } else if b.is_nan() {
        f64_quiet(b)
    } else if a == b {
        f64::from_bits(a.to_bits() | b.to_bits())
    } else if a < b {
        a
    } else {
        b
    }
}

#[inline]
pub fn f64_max(a: f64, b: f64) -> f64 {
    if a.is_nan() {
        f64_quiet(a)
    } else if b.is_nan() {
        f64_quiet(b)
    } else if a == b {
        f64::from_bits(a.to_bits() & b.to_bits())
    } else if a > b {
        a
    } else {
        b
    }
}

// ---------------------------------------------------------------------------
// Float: rounding and sqrt (via libm). NaN inputs are quieted explicitly so
// the result does not depend on which libm path (soft / hardware) is taken —
// e.g. soft floor/trunc return a signalling NaN unchanged.
// ---------------------------------------------------------------------------

#[inline]
pub fn f32_ceil(x: f32) -> f32 {
    if x.is_nan() {
        f32_quiet(x)
    } else {
        libm::ceilf(x)
    }
}

#[inline]
pub fn f32_floor(x: f32) -> f32 {
    if x.is_nan() {
        f32_quiet(x)
    } else {
        libm::floorf(x)
    }
}

#[inline]
pub fn f32_trunc(x: f32) -> f32 {
    if x.is_nan() {
        f32_quiet(x)
    } else {
        libm::truncf(x)
    }
}

/// Round to nearest integer, ties to even; sign of zero preserved
/// (`nearest(-0.5) == -0.0`).
#[inline]
pub fn f32_nearest(x: f32) -> f32 {
    if x.is_nan() {
        f32_quiet(x)
    } else {
        libm::roundevenf(x)
    }
}

/// Negative non-zero inputs give a NaN (libm returns a canonical one).
#[inline]
pub fn f32_sqrt(x: f32) -> f32 {
    if x.is_nan() {
        f32_quiet(x)
    } else {
        libm::sqrtf(x)
    }
}

#[inline]
pub fn f64_ceil(x: f64) -> f64 {
    if x.is_nan() {
        f64_quiet(x)
    } else {
        libm::ceil(x)
    }
}

#[inline]
pub fn f64_floor(x: f64) -> f64 {
    if x.is_nan() {
        f64_quiet(x)
    } else {
        libm::floor(x)
    }
}

#[inline]
pub fn f64_trunc(x: f64) -> f64 {
    if x.is_nan() {
        f64_quiet(x)
    } else {
        libm::trunc(x)
    }
}

/// Round to nearest integer, ties to even; sign of zero preserved.
#[inline]
pub fn f64_nearest(x: f64) -> f64 {
    if x.is_nan() {
        f64_quiet(x)
    } else {
        libm::roundeven(x)
    }
}

#[inline]
pub fn f64_sqrt(x: f64) -> f64 {
    if x.is_nan() {
        f64_quiet(x)
    } else {
        libm::sqrt(x)
    }
}

// ---------------------------------------------------------------------------
// Conversions: trapping float -> int truncation
//
// A value converts iff its truncation fits, i.e. it lies strictly inside
// (MIN - 1, MAX + 1). All bounds below are exactly representable in f64 and
// f32 -> f64 is exact, so the f32 variants compare in f64. For i64 the lower
// bound MIN - 1 is not representable, but MIN = -2^63 is and nothing lies
// strictly between them in either format, so `>= -2^63` is used instead.
// After the check, `as` (truncating) is exact.
// ---------------------------------------------------------------------------

const I32_LO: f64 = -2147483649.0; // exclusive
const I32_HI: f64 = 2147483648.0; // exclusive
const U32_HI: f64 = 4294967296.0; // exclusive
const I64_LO: f64 = -9223372036854775808.0; // inclusive
const I64_HI: f64 = 9223372036854775808.0; // exclusive
const U64_HI: f64 = 18446744073709551616.0; // exclusive
const U_LO: f64 = -1.0; // exclusive

#[inline]
fn nan_check(x: f64) -> Result<(), TrapCode> {
    if x.is_nan() {
        Err(TrapCode::BadConversionToInteger)
    } else {
        Ok(())
    }
}

#[inline]
pub fn i32_trunc_f64_s(x: f64) -> Result<i32, TrapCode> {
    nan_check(x)?;
    if x > I32_LO && x < I32_HI {
        Ok(x as i32)
    } else {
        Err(TrapCode::IntegerOverflow)
    }
}

#[inline]
pub fn i32_trunc_f64_u(x: f64) -> Result<u32, TrapCode> {
    nan_check(x)?;
    if x > U_LO && x < U32_HI {
        Ok(x as u32)
    } else {
        Err(TrapCode::IntegerOverflow)
    }
}

#[inline]
pub fn i64_trunc_f64_s(x: f64) -> Result<i64, TrapCode> {
    nan_check(x)?;
    if (I64_LO..I64_HI).contains(&x) {
        Ok(x as i64)
    } else {
        Err(TrapCode::IntegerOverflow)
    }
}

#[inline]
pub fn i64_trunc_f64_u(x: f64) -> Result<u64, TrapCode> {
    nan_check(x)?;
    if x > U_LO && x < U64_HI {
        Ok(x as u64)
    } else {
        Err(TrapCode::IntegerOverflow)
    }
}

#[inline]
pub fn i32_trunc_f32_s(x: f32) -> Result<i32, TrapCode> {
    i32_trunc_f64_s(x as f64)
}

#[inline]
pub fn i32_trunc_f32_u(x: f32) -> Result<u32, TrapCode> {
    i32_trunc_f64_u(x as f64)
}

#[inline]
pub fn i64_trunc_f32_s(x: f32) -> Result<i64, TrapCode> {
    i64_trunc_f64_s(x as f64)
}

#[inline]
pub fn i64_trunc_f32_u(x: f32) -> Result<u64, TrapCode> {
    i64_trunc_f64_u(x as f64)
}

// ---------------------------------------------------------------------------
// Conversions: saturating float -> int truncation
//
// Rust float -> int `as` truncates toward zero, saturates out-of-range values
// (including infinities) to MIN/MAX, and maps NaN to 0 — exactly wasm's
// `trunc_sat` semantics.
// ---------------------------------------------------------------------------

#[inline]
pub fn i32_trunc_sat_f32_s(x: f32) -> i32 {
    x as i32
}

#[inline]
pub fn i32_trunc_sat_f32_u(x: f32) -> u32 {
    x as u32
}

#[inline]
pub fn i32_trunc_sat_f64_s(x: f64) -> i32 {
    x as i32
}

#[inline]
pub fn i32_trunc_sat_f64_u(x: f64) -> u32 {
    x as u32
}

#[inline]
pub fn i64_trunc_sat_f32_s(x: f32) -> i64 {
    x as i64
}

#[inline]
pub fn i64_trunc_sat_f32_u(x: f32) -> u64 {
    x as u64
}

#[inline]
pub fn i64_trunc_sat_f64_s(x: f64) -> i64 {
    x as i64
}

#[inline]
pub fn i64_trunc_sat_f64_u(x: f64) -> u64 {
    x as u64
}

// ---------------------------------------------------------------------------
// Conversions: int -> float. Rust `as` rounds to nearest, ties to even (a
// single rounding, also for 64-bit sources into f32).
// ---------------------------------------------------------------------------

#[inline]
pub fn f32_convert_i32_s(x: i32) -> f32 {
    x as f32
}

#[inline]
pub fn f32_convert_i32_u(x: u32) -> f32 {
    x as f32
}

#[inline]
pub fn f32_convert_i64_s(x: i64) -> f32 {
    x as f32
}

#[inline]
pub fn f32_convert_i64_u(x: u64) -> f32 {
    x as f32
}

#[inline]
pub fn f64_convert_i32_s(x: i32) -> f64 {
    x as f64
}

#[inline]
pub fn f64_convert_i32_u(x: u32) -> f64 {
    x as f64
}

#[inline]
pub fn f64_convert_i64_s(x: i64) -> f64 {
    x as f64
}

#[inline]
pub fn f64_convert_i64_u(x: u64) -> f64 {
    x as f64
}

// ---------------------------------------------------------------------------
// Conversions: float <-> float
//
// Non-NaN values use `as` (correctly rounded, overflow to infinity). NaNs
// take an explicit bit path so the result is identical on every host: sign
// kept, quiet bit set, the top payload bits kept (the f32 payload is the top
// 23 bits of the f64 one). A canonical NaN maps to a canonical NaN.
// ---------------------------------------------------------------------------

#[inline]
pub fn f32_demote_f64(x: f64) -> f32 {
    if x.is_nan() {
        let bits = x.to_bits();
        let sign = ((bits >> 63) as u32) << 31;
        let payload = ((bits >> 29) as u32) & 0x007f_ffff;
        f32::from_bits(sign | 0x7f80_0000 | F32_QUIET | payload)
    } else {
        x as f32
    }
}

#[inline]
pub fn f64_promote_f32(x: f32) -> f64 {
    if x.is_nan() {
        let bits = x.to_bits();
        let sign = ((bits >> 31) as u64) << 63;
        let payload = ((bits & 0x007f_ffff) as u64) << 29;
        f64::from_bits(sign | 0x7ff0_0000_0000_0000 | F64_QUIET | payload)
    } else {
        x as f64
    }
}

// ---------------------------------------------------------------------------
// Reinterpretations (bit casts)
// ---------------------------------------------------------------------------

// ---------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------

#[cfg(test)]
mod tests {
    use super::*;

    const F32_CANON: u32 = 0x7fc0_0000;
    const F64_CANON: u64 = 0x7ff8_0000_0000_0000;
    const F32_SNAN: u32 = 0x7fa0_0001; // signalling, payload 0x200001
    const F64_SNAN: u64 = 0x7ff4_0000_0000_0001;

    fn b32(x: f32) -> u32 {
        x.to_bits()
    }
    fn b64(x: f64) -> u64 {
        x.to_bits()
    }
    fn is_arith32(x: f32) -> bool {
        x.is_nan() && x.to_bits() & F32_QUIET != 0
    }
    fn is_arith64(x: f64) -> bool {
        x.is_nan() && x.to_bits() & F64_QUIET != 0
    }

    #[test]
    fn int_div_rem() {
        use TrapCode::*;
        assert!(matches!(i32_div_s(1, 0), Err(IntegerDivisionByZero)));
        assert!(matches!(i32_div_s(i32::MIN, -1), Err(IntegerOverflow)));
        assert!(matches!(i32_div_s(-7, 2), Ok(-3)));
        assert!(matches!(i32_div_u(1, 0), Err(IntegerDivisionByZero)));
        assert!(matches!(i32_div_u(0x8000_0000, 2), Ok(0x4000_0000)));
        assert!(matches!(i32_rem_s(i32::MIN, -1), Ok(0)));
        assert!(matches!(i32_rem_s(-7, 2), Ok(-1)));
        assert!(matches!(i32_rem_s(7, -2), Ok(1)));
        assert!(matches!(i32_rem_s(1, 0), Err(IntegerDivisionByZero)));
        assert!(matches!(i32_rem_u(1, 0), Err(IntegerDivisionByZero)));
        assert!(matches!(i32_rem_u(u32::MAX, 10), Ok(5)));

        assert!(matches!(i64_div_s(1, 0), Err(IntegerDivisionByZero)));
        assert!(matches!(i64_div_s(i64::MIN, -1), Err(IntegerOverflow)));
        assert!(matches!(i64_div_s(i64::MIN, 1), Ok(i64::MIN)));
        assert!(matches!(i64_div_u(1, 0), Err(IntegerDivisionByZero)));
        assert!(matches!(i64_rem_s(i64::MIN, -1), Ok(0)));
        assert!(matches!(i64_rem_s(1, 0), Err(IntegerDivisionByZero)));
        assert!(matches!(i64_rem_u(1, 0), Err(IntegerDivisionByZero)));
        assert!(matches!(i64_rem_u(u64::MAX, 10), Ok(5)));
    }

    #[test]
    fn shifts_rotates() {
        assert_eq!(i32_shl(1, 33), 2);
        assert_eq!(i32_shl(1, -1), i32::MIN);
        assert_eq!(i32_shr_s(i32::MIN, 31), -1);
        assert_eq!(i32_shr_s(-8, 32), -8);
        assert_eq!(i32_shr_u(-1, 31), 1);
        assert_eq!(i32_shr_u(-1, 63), 1);
        assert_eq!(i32_rotl(0x8000_0001u32 as i32, 1), 3);
        assert_eq!(i32_rotl(1, 33), 2);
        assert_eq!(i32_rotr(1, 1), i32::MIN);
        assert_eq!(i32_rotl(1, -31), 2);
        assert_eq!(i32_rotr(1, -31), i32::MIN);
        assert_eq!(i64_shl(1, 65), 2);
        assert_eq!(i64_shr_s(i64::MIN, 63), -1);
        assert_eq!(i64_shr_u(-1, 127), 1);
        assert_eq!(i64_rotl(i64::MIN, 1), 1);
        assert_eq!(i64_rotr(1, 65), i64::MIN);
    }

    #[test]
    fn bits_and_extend() {
        assert_eq!(i32_clz(0), 32);
        assert_eq!(i64_ctz(0), 64);
        assert_eq!(i32_popcnt(-1), 32);
        assert_eq!(i32_extend8_s(0x80), -128);
        assert_eq!(i64_extend32_s(0x8000_0000), -0x8000_0000);
    }

    #[test]
    fn nearest() {
        for (x, r) in [
            (0.5, 0.0),
            (1.5, 2.0),
            (2.5, 2.0),
            (-2.5, -2.0),
            (3.5, 4.0),
            (0.49999997, 0.0),
            (8388609.0, 8388609.0),
        ] {
            assert_eq!(b32(f32_nearest(x)), b32(r), "{x}");
            assert_eq!(b64(f64_nearest(x as f64)), b64(r as f64), "{x}");
        }
        assert_eq!(b32(f32_nearest(-0.5)), b32(-0.0));
        assert_eq!(b32(f32_nearest(-0.0)), b32(-0.0));
        assert_eq!(b64(f64_nearest(-0.5)), b64(-0.0));
        assert_eq!(b64(f64_nearest(-0.0)), b64(-0.0));
        assert_eq!(
            b64(f64_nearest(4503599627370497.0)),
            b64(4503599627370497.0)
        );
        assert_eq!(f64_nearest(f64::NEG_INFINITY), f64::NEG_INFINITY);
    }

    #[test]
    fn rounding_misc() {
        assert_eq!(b32(f32_ceil(-0.5)), b32(-0.0));
        assert_eq!(b32(f32_floor(-0.5)), b32(-1.0));
        assert_eq!(b32(f32_trunc(-0.9)), b32(-0.0));
        assert_eq!(b64(f64_ceil(-0.5)), b64(-0.0));
        assert_eq!(f64_floor(-0.5), -1.0);
        assert_eq!(b64(f64_trunc(-0.9)), b64(-0.0));
        assert_eq!(f32_sqrt(4.0), 2.0);
        assert_eq!(b64(f64_sqrt(-0.0)), b64(-0.0));
        assert!(is_arith64(f64_sqrt(-1.0)));
        assert!(is_arith32(f32_sqrt(-1.0)));
        // Signalling NaN in -> quieted, payload kept, on every rounding op.
        let s32 = f32::from_bits(F32_SNAN);
        let s64 = f64::from_bits(F64_SNAN);
        for f in [f32_ceil, f32_floor, f32_trunc, f32_nearest, f32_sqrt] {
            assert_eq!(b32(f(s32)), F32_SNAN | F32_QUIET);
        }
        for f in [f64_ceil, f64_floor, f64_trunc, f64_nearest, f64_sqrt] {
            assert_eq!(b64(f(s64)), F64_SNAN | F64_QUIET);
        }
    }

    #[test]
    fn min_max() {
        assert_eq!(b32(f32_min(0.0, -0.0)), b32(-0.0));
        assert_eq!(b32(f32_min(-0.0, 0.0)), b32(-0.0));
        assert_eq!(b32(f32_max(0.0, -0.0)), b32(0.0));
        assert_eq!(b32(f32_max(-0.0, 0.0)), b32(0.0));
        assert_eq!(b64(f64_min(0.0, -0.0)), b64(-0.0));
        assert_eq!(b64(f64_max(-0.0, 0.0)), b64(0.0));
        assert_eq!(f32_min(1.0, f32::NEG_INFINITY), f32::NEG_INFINITY);
        assert_eq!(f64_max(-1.0, 2.0), 2.0);

        let canon = f32::from_bits(F32_CANON);
        assert_eq!(b32(f32_min(canon, 1.0)), F32_CANON);
        assert_eq!(b32(f32_max(1.0, canon)), F32_CANON);
        let s = f32::from_bits(F32_SNAN);
        assert_eq!(b32(f32_min(1.0, s)), F32_SNAN | F32_QUIET);
        assert_eq!(b32(f32_max(s, 1.0)), F32_SNAN | F32_QUIET);
        let canon64 = f64::from_bits(F64_CANON | F64_SIGN);
        assert_eq!(b64(f64_min(0.0, canon64)), F64_CANON | F64_SIGN);
        assert!(is_arith64(f64_max(f64::from_bits(F64_SNAN), 0.0)));
    }

    #[test]
    fn sign_ops_are_bitwise() {
        let s = f32::from_bits(F32_SNAN);
        assert_eq!(b32(f32_neg(s)), F32_SNAN | F32_SIGN);
        assert_eq!(b32(f32_abs(f32_neg(s))), F32_SNAN);
        assert_eq!(b32(f32_copysign(s, -1.0)), F32_SNAN | F32_SIGN);
        assert_eq!(b32(f32_neg(0.0)), b32(-0.0));
        let s64 = f64::from_bits(F64_SNAN);
        assert_eq!(b64(f64_neg(s64)), F64_SNAN | F64_SIGN);
        assert_eq!(b64(f64_abs(-0.0)), 0);
        assert_eq!(b64(f64_copysign(1.0, -0.0)), b64(-1.0));
    }

    #[test]
    fn trunc_trapping() {
        use TrapCode::*;
        // i32 from f32: -2^31 in, next f32 below (-2147483904) out; 2^31 out.
        assert!(matches!(i32_trunc_f32_s(-2147483648.0), Ok(i32::MIN)));
        assert!(matches!(
            i32_trunc_f32_s(-2147483904.0),
            Err(IntegerOverflow)
        ));
        assert!(matches!(i32_trunc_f32_s(2147483520.0), Ok(2147483520)));
        assert!(matches!(
            i32_trunc_f32_s(2147483648.0),
            Err(IntegerOverflow)
        ));
        assert!(matches!(i32_trunc_f32_s(-0.99), Ok(0)));
        assert!(matches!(
            i32_trunc_f32_s(f32::NAN),
            Err(BadConversionToInteger)
        ));
        assert!(matches!(
            i32_trunc_f32_s(f32::INFINITY),
            Err(IntegerOverflow)
        ));
        // u32 from f32
        assert!(matches!(i32_trunc_f32_u(-0.99), Ok(0)));
        assert!(matches!(i32_trunc_f32_u(-1.0), Err(IntegerOverflow)));
        assert!(matches!(i32_trunc_f32_u(4294967040.0), Ok(4294967040)));
        assert!(matches!(
            i32_trunc_f32_u(4294967296.0),
            Err(IntegerOverflow)
        ));
        assert!(matches!(
            i32_trunc_f32_u(-f32::NAN),
            Err(BadConversionToInteger)
        ));
        // i32 from f64: (-2^31 - 1, 2^31) exclusive.
        assert!(matches!(i32_trunc_f64_s(-2147483648.9), Ok(i32::MIN)));
        assert!(matches!(
            i32_trunc_f64_s(-2147483649.0),
            Err(IntegerOverflow)
        ));
        assert!(matches!(i32_trunc_f64_s(2147483647.9), Ok(i32::MAX)));
        assert!(matches!(
            i32_trunc_f64_s(2147483648.0),
            Err(IntegerOverflow)
        ));
        // u32 from f64
        assert!(matches!(i32_trunc_f64_u(4294967295.9), Ok(u32::MAX)));
        assert!(matches!(
            i32_trunc_f64_u(4294967296.0),
            Err(IntegerOverflow)
        ));
        assert!(matches!(i32_trunc_f64_u(-0.99), Ok(0)));
        assert!(matches!(i32_trunc_f64_u(-1.0), Err(IntegerOverflow)));
        assert!(matches!(
            i32_trunc_f64_u(f64::NAN),
            Err(BadConversionToInteger)
        ));
        // i64 from f32 / f64: -2^63 in, 2^63 out, next below -2^63 out.
        assert!(matches!(
            i64_trunc_f32_s(-9223372036854775808.0),
            Ok(i64::MIN)
        ));
        assert!(matches!(
            i64_trunc_f32_s(-9223373136366403584.0),
            Err(IntegerOverflow)
        ));
        assert!(matches!(
            i64_trunc_f32_s(9223371487098961920.0),
            Ok(9223371487098961920)
        ));
        assert!(matches!(
            i64_trunc_f32_s(9223372036854775808.0),
            Err(IntegerOverflow)
        ));
        assert!(matches!(
            i64_trunc_f64_s(-9223372036854775808.0),
            Ok(i64::MIN)
        ));
        assert!(matches!(
            i64_trunc_f64_s(-9223372036854777856.0),
            Err(IntegerOverflow)
        ));
        assert!(matches!(
            i64_trunc_f64_s(9223372036854774784.0),
            Ok(9223372036854774784)
        ));
        assert!(matches!(
            i64_trunc_f64_s(9223372036854775808.0),
            Err(IntegerOverflow)
        ));
        assert!(matches!(
            i64_trunc_f64_s(f64::NAN),
            Err(BadConversionToInteger)
        ));
        // u64 from f32 / f64
        assert!(matches!(i64_trunc_f32_u(-0.99), Ok(0)));
        assert!(matches!(
            i64_trunc_f32_u(18446742974197923840.0),
            Ok(18446742974197923840)
        ));
        assert!(matches!(
            i64_trunc_f32_u(18446744073709551616.0),
            Err(IntegerOverflow)
        ));
        assert!(matches!(
            i64_trunc_f64_u(18446744073709549568.0),
            Ok(18446744073709549568)
        ));
        assert!(matches!(
            i64_trunc_f64_u(18446744073709551616.0),
            Err(IntegerOverflow)
        ));
        assert!(matches!(i64_trunc_f64_u(-0.99), Ok(0)));
        assert!(matches!(i64_trunc_f64_u(-1.0), Err(IntegerOverflow)));
        assert!(matches!(
            i64_trunc_f64_u(f64::NEG_INFINITY),
            Err(IntegerOverflow)
        ));
    }

    #[test]
    fn trunc_sat() {
        assert_eq!(i32_trunc_sat_f32_s(f32::NAN), 0);
        assert_eq!(i32_trunc_sat_f32_s(-2147483904.0), i32::MIN);
        assert_eq!(i32_trunc_sat_f32_u(-1.0), 0);
        assert_eq!(i32_trunc_sat_f64_u(4294967296.0), u32::MAX);
        assert_eq!(i32_trunc_sat_f64_s(f64::NEG_INFINITY), i32::MIN);
        assert_eq!(i64_trunc_sat_f32_s(f32::INFINITY), i64::MAX);
        assert_eq!(i64_trunc_sat_f32_u(-f32::NAN), 0);
        assert_eq!(i64_trunc_sat_f64_s(-1.5), -1);
        assert_eq!(i64_trunc_sat_f64_u(1e30), u64::MAX);
    }

    #[test]
    fn convert_int_to_float() {
        // Spec test cases that catch double rounding via f64.
        assert_eq!(f32_convert_i64_s(9007199791611905), 9007200328482816.0);
        assert_eq!(f32_convert_i64_u(9007199791611905), 9007200328482816.0);
        assert_eq!(
            f32_convert_i64_u(0x8000_0080_0000_0001),
            9223373136366403584.0
        );
        assert_eq!(f32_convert_i64_u(u64::MAX), 18446744073709551616.0);
        assert_eq!(f32_convert_i32_u(0xffff_ff80), 4294967296.0);
        assert_eq!(f32_convert_i32_s(16777217), 16777216.0);
        assert_eq!(f32_convert_i32_s(16777219), 16777220.0);
        assert_eq!(f64_convert_i64_u(u64::MAX), 18446744073709551616.0);
        assert_eq!(f64_convert_i64_s(9007199254740993), 9007199254740992.0);
        assert_eq!(f64_convert_i32_u(u32::MAX), 4294967295.0);
    }

    #[test]
    fn demote_promote() {
        // Canonical stays canonical; sign kept.
        assert_eq!(b32(f32_demote_f64(f64::from_bits(F64_CANON))), F32_CANON);
        assert_eq!(
            b32(f32_demote_f64(f64::from_bits(F64_CANON | F64_SIGN))),
            F32_CANON | F32_SIGN
        );
        assert_eq!(b64(f64_promote_f32(f32::from_bits(F32_CANON))), F64_CANON);
        // Signalling: quieted, top payload bits kept.
        assert_eq!(
            b32(f32_demote_f64(f64::from_bits(0x7ff4_0000_2000_0001))),
            0x7fe0_0001
        );
        // Payload only in the low 29 bits of an sNaN: still a NaN after demotion.
        assert_eq!(
            b32(f32_demote_f64(f64::from_bits(0x7ff0_0000_0000_0001))),
            F32_CANON
        );
        assert_eq!(
            b64(f64_promote_f32(f32::from_bits(F32_SNAN))),
            0x7ffc_0000_2000_0000
        );
        // Ordinary values.
        assert_eq!(f32_demote_f64(1e300), f32::INFINITY);
        assert_eq!(b32(f32_demote_f64(-1e-300)), b32(-0.0));
        assert_eq!(f32_demote_f64(1.0000000596046448), 1.0); // tie -> even
        assert_eq!(b32(f32_demote_f64(1.0000001788139343)), 0x3f80_0002); // tie -> even
        assert_eq!(
            f64_promote_f32(f32::MIN_POSITIVE / 2.0),
            5.877471754111438e-39
        );
    }
}
