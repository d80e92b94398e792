//! Lane-wise implementations of the SIMD operations (left out without the `simd` feature).

use core::array::from_fn;

use super::*;
use crate::exec::numeric as n;

// ---------------------------------------------------------------------------
// Lane access
//
// For each lane type T: `split_T` gives the lanes (lane 0 first), `join_T`
// packs them back, `map_T` / `zip_T` apply a lane-wise function, `cmp_T`
// builds an all-ones / all-zeros mask per lane from a predicate.
// ---------------------------------------------------------------------------

macro_rules! lanes {
    ($($t:ty, $u:ty, $n:literal, $w:literal, $ujoin:ident =>
        $split:ident, $join:ident, $map:ident, $zip:ident, $cmp:ident;)*) => {$(
        #[allow(dead_code)]
        #[inline]
        fn $split(v: u128) -> [$t; $n] {
            let b = v.to_le_bytes();
            from_fn(|i| {
                let mut c = [0u8; $w];
                c.copy_from_slice(&b[i * $w..i * $w + $w]);
                <$t>::from_le_bytes(c)
            })
        }

        #[allow(dead_code)]
        #[inline]
        fn $join(a: [$t; $n]) -> u128 {
            let mut b = [0u8; 16];
            for (i, x) in a.iter().enumerate() {
                b[i * $w..i * $w + $w].copy_from_slice(&x.to_le_bytes());
            }
            u128::from_le_bytes(b)
        }

        #[allow(dead_code)]
        #[inline]
        fn $map(a: u128, f: impl Fn($t) -> $t) -> u128 {
            $join($split(a).map(f))
        }

        #[allow(dead_code)]
        #[inline]
        fn $zip(a: u128, b: u128, f: impl Fn($t, $t) -> $t) -> u128 {
            let (x, y) = ($split(a), $split(b));
            $join(from_fn(|i| f(x[i], y[i])))
        }

        #[allow(dead_code)]
        #[inline]
        fn $cmp(a: u128, b: u128, f: impl Fn($t, $t) -> bool) -> u128 {
            let (x, y) = ($split(a), $split(b));
            $ujoin(from_fn(|i| if f(x[i], y[i]) { <$u>::MAX } else { 0 }))
        }
    )*};
}

lanes! {
    u8, u8, 16, 1, join_u8 => split_u8, join_u8, map_u8, zip_u8, cmp_u8;
    i8, u8, 16, 1, join_u8 => split_i8, join_i8, map_i8, zip_i8, cmp_i8;
    u16, u16, 8, 2, join_u16 => split_u16, join_u16, map_u16, zip_u16, cmp_u16;
    i16, u16, 8, 2, join_u16 => split_i16, join_i16, map_i16, zip_i16, cmp_i16;
    u32, u32, 4, 4, join_u32 => split_u32, join_u32, map_u32, zip_u32, cmp_u32;
    i32, u32, 4, 4, join_u32 => split_i32, join_i32, map_i32, zip_i32, cmp_i32;
    u64, u64, 2, 8, join_u64 => split_u64, join_u64, map_u64, zip_u64, cmp_u64;
    i64, u64, 2, 8, join_u64 => split_i64, join_i64, map_i64, zip_i64, cmp_i64;
    f32, u32, 4, 4, join_u32 => split_f32, join_f32, map_f32, zip_f32, cmp_f32;
    f64, u64, 2, 8, join_u64 => split_f64, join_f64, map_f64, zip_f64, cmp_f64;
}

#[inline]
fn zip3_f32(a: u128, b: u128, c: u128, f: impl Fn(f32, f32, f32) -> f32) -> u128 {
    let (x, y, z) = (split_f32(a), split_f32(b), split_f32(c));
    join_f32(from_fn(|i| f(x[i], y[i], z[i])))
}

#[inline]
fn zip3_f64(a: u128, b: u128, c: u128, f: impl Fn(f64, f64, f64) -> f64) -> u128 {
    let (x, y, z) = (split_f64(a), split_f64(b), split_f64(c));
    join_f64(from_fn(|i| f(x[i], y[i], z[i])))
}

/// Lane-wise conversion to a wider lane type: `$out` lanes taken from the
/// input lanes starting at `$off`, each converted with `$f`.
macro_rules! widen {
    ($a:expr, $split:ident, $join:ident, $off:expr, |$x:ident| $body:expr) => {{
        let xs = $split($a);
        $join(from_fn(|i| {
            let $x = xs[i + $off];
            $body
        }))
    }};
}

/// Like [`widen!`] with two operands.
macro_rules! widen2 {
    ($a:expr, $b:expr, $split:ident, $join:ident, $off:expr, |$x:ident, $y:ident| $body:expr) => {{
        let (xs, ys) = ($split($a), $split($b));
        $join(from_fn(|i| {
            let ($x, $y) = (xs[i + $off], ys[i + $off]);
            $body
        }))
    }};
}

/// Pairwise: output lane `i` from input lanes `2i` and `2i + 1`.
macro_rules! pairwise {
    ($a:expr, $split:ident, $join:ident, |$x:ident, $y:ident| $body:expr) => {{
        let xs = $split($a);
        $join(from_fn(|i| {
            let ($x, $y) = (xs[2 * i], xs[2 * i + 1]);
            $body
        }))
    }};
}

const F32_SIGN: u32 = 0x8000_0000;
const F64_SIGN: u64 = 0x8000_0000_0000_0000;

// ---------------------------------------------------------------------------
// Lane semantics that are not a one-liner
// ---------------------------------------------------------------------------

/// `iq15mulr_sat_s`: `sat_s16((a * b + 2^14) >> 15)`. Only `MIN * MIN`
/// overflows (to `MAX`).
#[inline]
fn q15mulr_sat(a: i16, b: i16) -> i16 {
    let r = (a as i32 * b as i32 + 0x4000) >> 15;
    r.clamp(i16::MIN as i32, i16::MAX as i32) as i16
}

/// `fpmin`: `b < a ? b : a`, on the lane bits (no NaN quieting).
#[inline]
fn pmin32(a: u32, b: u32) -> u32 {
    if f32::from_bits(b) < f32::from_bits(a) {
        b
    } else {
        a
    }
}

/// `fpmax`: `a < b ? b : a`, on the lane bits (no NaN quieting).
#[inline]
fn pmax32(a: u32, b: u32) -> u32 {
    if f32::from_bits(a) < f32::from_bits(b) {
        b
    } else {
        a
    }
}

#[inline]
fn pmin64(a: u64, b: u64) -> u64 {
    if f64::from_bits(b) < f64::from_bits(a) {
        b
    } else {
        a
    }
}

#[inline]
fn pmax64(a: u64, b: u64) -> u64 {
    if f64::from_bits(a) < f64::from_bits(b) {
        b
    } else {
        a
    }
}

/// `swizzle`: byte `i` is `a[b[i]]`, or 0 when `b[i] >= 16`.
#[inline]
fn swizzle(a: u128, b: u128) -> u128 {
    let (x, idx) = (split_u8(a), split_u8(b));
    join_u8(idx.map(|j| if j < 16 { x[j as usize] } else { 0 }))
}

/// `ibitselect`: bits of `a` where `mask` is 1, bits of `b` where it is 0.
#[inline]
fn bitselect(a: u128, b: u128, mask: u128) -> u128 {
    (a & mask) | (b & !mask)
}

/// `i16x8.relaxed_dot_i8x16_i7x16_s`, deterministic profile: both operands
/// signed, products in `i16` (exact), pair sums saturated to `i16`.
#[inline]
fn relaxed_dot_i8(a: u128, b: u128) -> [i16; 8] {
    let (x, y) = (split_i8(a), split_i8(b));
    from_fn(|i| {
        let p0 = x[2 * i] as i16 * y[2 * i] as i16;
        let p1 = x[2 * i + 1] as i16 * y[2 * i + 1] as i16;
        p0.saturating_add(p1)
    })
}

// ---------------------------------------------------------------------------
// Entry points
// ---------------------------------------------------------------------------

/// Applies a `v128 -> v128` operation.
pub fn unop(op: SimdUnOp, a: u128) -> u128 {
    use SimdUnOp::*;
    match op {
        V128Not => !a,

        I8x16Abs => map_i8(a, i8::wrapping_abs),
        I8x16Neg => map_i8(a, i8::wrapping_neg),
        I8x16Popcnt => map_u8(a, |x| x.count_ones() as u8),
        I16x8Abs => map_i16(a, i16::wrapping_abs),
        I16x8Neg => map_i16(a, i16::wrapping_neg),
        I32x4Abs => map_i32(a, i32::wrapping_abs),
        I32x4Neg => map_i32(a, i32::wrapping_neg),
        I64x2Abs => map_i64(a, i64::wrapping_abs),
        I64x2Neg => map_i64(a, i64::wrapping_neg),

        // Pair sums cannot overflow the wider lane.
        I16x8ExtAddPairwiseI8x16S => pairwise!(a, split_i8, join_i16, |x, y| x as i16 + y as i16),
        I16x8ExtAddPairwiseI8x16U => pairwise!(a, split_u8, join_u16, |x, y| x as u16 + y as u16),
        I32x4ExtAddPairwiseI16x8S => {
            pairwise!(a, split_i16, join_i32, |x, y| x as i32 + y as i32)
        }
        I32x4ExtAddPairwiseI16x8U => {
            pairwise!(a, split_u16, join_u32, |x, y| x as u32 + y as u32)
        }

        I16x8ExtendLowI8x16S => widen!(a, split_i8, join_i16, 0, |x| x as i16),
        I16x8ExtendHighI8x16S => widen!(a, split_i8, join_i16, 8, |x| x as i16),
        I16x8ExtendLowI8x16U => widen!(a, split_u8, join_u16, 0, |x| x as u16),
        I16x8ExtendHighI8x16U => widen!(a, split_u8, join_u16, 8, |x| x as u16),
        I32x4ExtendLowI16x8S => widen!(a, split_i16, join_i32, 0, |x| x as i32),
        I32x4ExtendHighI16x8S => widen!(a, split_i16, join_i32, 4, |x| x as i32),
        I32x4ExtendLowI16x8U => widen!(a, split_u16, join_u32, 0, |x| x as u32),
        I32x4ExtendHighI16x8U => widen!(a, split_u16, join_u32, 4, |x| x as u32),
        I64x2ExtendLowI32x4S => widen!(a, split_i32, join_i64, 0, |x| x as i64),
        I64x2ExtendHighI32x4S => widen!(a, split_i32, join_i64, 2, |x| x as i64),
        I64x2ExtendLowI32x4U => widen!(a, split_u32, join_u64, 0, |x| x as u64),
        I64x2ExtendHighI32x4U => widen!(a, split_u32, join_u64, 2, |x| x as u64),

        F32x4Ceil => map_f32(a, n::f32_ceil),
        F32x4Floor => map_f32(a, n::f32_floor),
        F32x4Trunc => map_f32(a, n::f32_trunc),
        F32x4Nearest => map_f32(a, n::f32_nearest),
        F32x4Sqrt => map_f32(a, n::f32_sqrt),
        F32x4Abs => map_u32(a, |x| x & !F32_SIGN),
        F32x4Neg => map_u32(a, |x| x ^ F32_SIGN),
        F64x2Ceil => map_f64(a, n::f64_ceil),
        F64x2Floor => map_f64(a, n::f64_floor),
        F64x2Trunc => map_f64(a, n::f64_trunc),
        F64x2Nearest => map_f64(a, n::f64_nearest),
        F64x2Sqrt => map_f64(a, n::f64_sqrt),
        F64x2Abs => map_u64(a, |x| x & !F64_SIGN),
        F64x2Neg => map_u64(a, |x| x ^ F64_SIGN),

        I32x4TruncSatF32x4S | I32x4RelaxedTruncF32x4S => {
            join_i32(split_f32(a).map(n::i32_trunc_sat_f32_s))
        }
        I32x4TruncSatF32x4U | I32x4RelaxedTruncF32x4U => {
            join_u32(split_f32(a).map(n::i32_trunc_sat_f32_u))
        }
        I32x4TruncSatF64x2SZero | I32x4RelaxedTruncF64x2SZero => {
            let x = split_f64(a);
            join_i32([
                n::i32_trunc_sat_f64_s(x[0]),
                n::i32_trunc_sat_f64_s(x[1]),
                0,
                0,
            ])
        }
        I32x4TruncSatF64x2UZero | I32x4RelaxedTruncF64x2UZero => {
            let x = split_f64(a);
            join_u32([
                n::i32_trunc_sat_f64_u(x[0]),
                n::i32_trunc_sat_f64_u(x[1]),
                0,
                0,
            ])
        }
        F32x4ConvertI32x4S => join_f32(split_i32(a).map(n::f32_convert_i32_s)),
        F32x4ConvertI32x4U => join_f32(split_u32(a).map(n::f32_convert_i32_u)),
        F64x2ConvertLowI32x4S => widen!(a, split_i32, join_f64, 0, |x| n::f64_convert_i32_s(x)),
        F64x2ConvertLowI32x4U => widen!(a, split_u32, join_f64, 0, |x| n::f64_convert_i32_u(x)),
        F32x4DemoteF64x2Zero => {
            let x = split_f64(a);
            // The upper two lanes are +0.0 (all bits zero).
            join_u32([
                n::f32_demote_f64(x[0]).to_bits(),
                n::f32_demote_f64(x[1]).to_bits(),
                0,
                0,
            ])
        }
        F64x2PromoteLowF32x4 => widen!(a, split_f32, join_f64, 0, |x| n::f64_promote_f32(x)),
    }
}

/// Applies a `(v128, v128) -> v128` operation.
pub fn binop(op: SimdBinOp, a: u128, b: u128) -> u128 {
    use SimdBinOp::*;
    match op {
        V128And => a & b,
        V128AndNot => a & !b,
        V128Or => a | b,
        V128Xor => a ^ b,
        I8x16Swizzle | I8x16RelaxedSwizzle => swizzle(a, b),

        I8x16Eq => cmp_u8(a, b, |x, y| x == y),
        I8x16Ne => cmp_u8(a, b, |x, y| x != y),
        I8x16LtS => cmp_i8(a, b, |x, y| x < y),
        I8x16LtU => cmp_u8(a, b, |x, y| x < y),
        I8x16GtS => cmp_i8(a, b, |x, y| x > y),
        I8x16GtU => cmp_u8(a, b, |x, y| x > y),
        I8x16LeS => cmp_i8(a, b, |x, y| x <= y),
        I8x16LeU => cmp_u8(a, b, |x, y| x <= y),
        I8x16GeS => cmp_i8(a, b, |x, y| x >= y),
        I8x16GeU => cmp_u8(a, b, |x, y| x >= y),
        I16x8Eq => cmp_u16(a, b, |x, y| x == y),
        I16x8Ne => cmp_u16(a, b, |x, y| x != y),
        I16x8LtS => cmp_i16(a, b, |x, y| x < y),
        I16x8LtU => cmp_u16(a, b, |x, y| x < y),
        I16x8GtS => cmp_i16(a, b, |x, y| x > y),
        I16x8GtU => cmp_u16(a, b, |x, y| x > y),
        I16x8LeS => cmp_i16(a, b, |x, y| x <= y),
        I16x8LeU => cmp_u16(a, b, |x, y| x <= y),
        I16x8GeS => cmp_i16(a, b, |x, y| x >= y),
        I16x8GeU => cmp_u16(a, b, |x, y| x >= y),
        I32x4Eq => cmp_u32(a, b, |x, y| x == y),
        I32x4Ne => cmp_u32(a, b, |x, y| x != y),
        I32x4LtS => cmp_i32(a, b, |x, y| x < y),
        I32x4LtU => cmp_u32(a, b, |x, y| x < y),
        I32x4GtS => cmp_i32(a, b, |x, y| x > y),
        I32x4GtU => cmp_u32(a, b, |x, y| x > y),
        I32x4LeS => cmp_i32(a, b, |x, y| x <= y),
        I32x4LeU => cmp_u32(a, b, |x, y| x <= y),
        I32x4GeS => cmp_i32(a, b, |x, y| x >= y),
        I32x4GeU => cmp_u32(a, b, |x, y| x >= y),
        I64x2Eq => cmp_u64(a, b, |x, y| x == y),
        I64x2Ne => cmp_u64(a, b, |x, y| x != y),
        I64x2LtS => cmp_i64(a, b, |x, y| x < y),
        I64x2GtS => cmp_i64(a, b, |x, y| x > y),
        I64x2LeS => cmp_i64(a, b, |x, y| x <= y),
        I64x2GeS => cmp_i64(a, b, |x, y| x >= y),
        // IEEE comparisons: false with a NaN operand, except `ne`.
        F32x4Eq => cmp_f32(a, b, |x, y| x == y),
        F32x4Ne => cmp_f32(a, b, |x, y| x != y),
        F32x4Lt => cmp_f32(a, b, |x, y| x < y),
        F32x4Gt => cmp_f32(a, b, |x, y| x > y),
        F32x4Le => cmp_f32(a, b, |x, y| x <= y),
        F32x4Ge => cmp_f32(a, b, |x, y| x >= y),
        F64x2Eq => cmp_f64(a, b, |x, y| x == y),
        F64x2Ne => cmp_f64(a, b, |x, y| x != y),
        F64x2Lt => cmp_f64(a, b, |x, y| x < y),
        F64x2Gt => cmp_f64(a, b, |x, y| x > y),
        F64x2Le => cmp_f64(a, b, |x, y| x <= y),
        F64x2Ge => cmp_f64(a, b, |x, y| x >= y),

        // Narrowing: the lanes of `a` then those of `b`, each saturated.
        I8x16NarrowI16x8S => {
            let (x, y) = (split_i16(a), split_i16(b));
            join_i8(from_fn(|i| {
                let v = if i < 8 { x[i] } else { y[i - 8] };
                v.clamp(i8::MIN as i16, i8::MAX as i16) as i8
            }))
        }
        I8x16NarrowI16x8U => {
            let (x, y) = (split_i16(a), split_i16(b));
            join_u8(from_fn(|i| {
                let v = if i < 8 { x[i] } else { y[i - 8] };
                v.clamp(0, u8::MAX as i16) as u8
            }))
        }
        I16x8NarrowI32x4S => {
            let (x, y) = (split_i32(a), split_i32(b));
            join_i16(from_fn(|i| {
                let v = if i < 4 { x[i] } else { y[i - 4] };
                v.clamp(i16::MIN as i32, i16::MAX as i32) as i16
            }))
        }
        I16x8NarrowI32x4U => {
            let (x, y) = (split_i32(a), split_i32(b));
            join_u16(from_fn(|i| {
                let v = if i < 4 { x[i] } else { y[i - 4] };
                v.clamp(0, u16::MAX as i32) as u16
            }))
        }

        I8x16Add => zip_u8(a, b, u8::wrapping_add),
        I8x16AddSatS => zip_i8(a, b, i8::saturating_add),
        I8x16AddSatU => zip_u8(a, b, u8::saturating_add),
        I8x16Sub => zip_u8(a, b, u8::wrapping_sub),
        I8x16SubSatS => zip_i8(a, b, i8::saturating_sub),
        I8x16SubSatU => zip_u8(a, b, u8::saturating_sub),
        I8x16MinS => zip_i8(a, b, i8::min),
        I8x16MinU => zip_u8(a, b, u8::min),
        I8x16MaxS => zip_i8(a, b, i8::max),
        I8x16MaxU => zip_u8(a, b, u8::max),
        I8x16AvgrU => zip_u8(a, b, |x, y| ((x as u16 + y as u16 + 1) >> 1) as u8),

        I16x8Q15MulrSatS | I16x8RelaxedQ15mulrS => zip_i16(a, b, q15mulr_sat),
        I16x8Add => zip_u16(a, b, u16::wrapping_add),
        I16x8AddSatS => zip_i16(a, b, i16::saturating_add),
        I16x8AddSatU => zip_u16(a, b, u16::saturating_add),
        I16x8Sub => zip_u16(a, b, u16::wrapping_sub),
        I16x8SubSatS => zip_i16(a, b, i16::saturating_sub),
        I16x8SubSatU => zip_u16(a, b, u16::saturating_sub),
        I16x8Mul => zip_u16(a, b, u16::wrapping_mul),
        I16x8MinS => zip_i16(a, b, i16::min),
        I16x8MinU => zip_u16(a, b, u16::min),
        I16x8MaxS => zip_i16(a, b, i16::max),
        I16x8MaxU => zip_u16(a, b, u16::max),
        I16x8AvgrU => zip_u16(a, b, |x, y| ((x as u32 + y as u32 + 1) >> 1) as u16),
        // Extended products are exact in the wider lane (|MIN * MIN| fits).
        I16x8ExtMulLowI8x16S => {
            widen2!(a, b, split_i8, join_i16, 0, |x, y| x as i16 * y as i16)
        }
        I16x8ExtMulHighI8x16S => {
            widen2!(a, b, split_i8, join_i16, 8, |x, y| x as i16 * y as i16)
        }
        I16x8ExtMulLowI8x16U => {
            widen2!(a, b, split_u8, join_u16, 0, |x, y| x as u16 * y as u16)
        }
        I16x8ExtMulHighI8x16U => {
            widen2!(a, b, split_u8, join_u16, 8, |x, y| x as u16 * y as u16)
        }

        I32x4Add => zip_u32(a, b, u32::wrapping_add),
        I32x4Sub => zip_u32(a, b, u32::wrapping_sub),
        I32x4Mul => zip_u32(a, b, u32::wrapping_mul),
        I32x4MinS => zip_i32(a, b, i32::min),
        I32x4MinU => zip_u32(a, b, u32::min),
        I32x4MaxS => zip_i32(a, b, i32::max),
        I32x4MaxU => zip_u32(a, b, u32::max),
        I32x4DotI16x8S => {
            // Each product fits in i32; their sum wraps only for
            // MIN*MIN + MIN*MIN (= 2^31 -> i32::MIN).
            let (x, y) = (split_i16(a), split_i16(b));
            join_i32(from_fn(|i| {
                let p0 = x[2 * i] as i32 * y[2 * i] as i32;
                let p1 = x[2 * i + 1] as i32 * y[2 * i + 1] as i32;
                p0.wrapping_add(p1)
            }))
        }
        I32x4ExtMulLowI16x8S => {
            widen2!(a, b, split_i16, join_i32, 0, |x, y| x as i32 * y as i32)
        }
        I32x4ExtMulHighI16x8S => {
            widen2!(a, b, split_i16, join_i32, 4, |x, y| x as i32 * y as i32)
        }
        I32x4ExtMulLowI16x8U => {
            widen2!(a, b, split_u16, join_u32, 0, |x, y| x as u32 * y as u32)
        }
        I32x4ExtMulHighI16x8U => {
            widen2!(a, b, split_u16, join_u32, 4, |x, y| x as u32 * y as u32)
        }

        I64x2Add => zip_u64(a, b, u64::wrapping_add),
        I64x2Sub => zip_u64(a, b, u64::wrapping_sub),
        I64x2Mul => zip_u64(a, b, u64::wrapping_mul),
        I64x2ExtMulLowI32x4S => {
            widen2!(a, b, split_i32, join_i64, 0, |x, y| x as i64 * y as i64)
        }
        I64x2ExtMulHighI32x4S => {
            widen2!(a, b, split_i32, join_i64, 2, |x, y| x as i64 * y as i64)
        }
        I64x2ExtMulLowI32x4U => {
            widen2!(a, b, split_u32, join_u64, 0, |x, y| x as u64 * y as u64)
        }
        I64x2ExtMulHighI32x4U => {
            widen2!(a, b, split_u32, join_u64, 2, |x, y| x as u64 * y as u64)
        }

        F32x4Add => zip_f32(a, b, |x, y| x + y),
        F32x4Sub => zip_f32(a, b, |x, y| x - y),
        F32x4Mul => zip_f32(a, b, |x, y| x * y),
        F32x4Div => zip_f32(a, b, |x, y| x / y),
        F32x4Min | F32x4RelaxedMin => zip_f32(a, b, n::f32_min),
        F32x4Max | F32x4RelaxedMax => zip_f32(a, b, n::f32_max),
        F32x4PMin => zip_u32(a, b, pmin32),
        F32x4PMax => zip_u32(a, b, pmax32),
        F64x2Add => zip_f64(a, b, |x, y| x + y),
        F64x2Sub => zip_f64(a, b, |x, y| x - y),
        F64x2Mul => zip_f64(a, b, |x, y| x * y),
        F64x2Div => zip_f64(a, b, |x, y| x / y),
        F64x2Min | F64x2RelaxedMin => zip_f64(a, b, n::f64_min),
        F64x2Max | F64x2RelaxedMax => zip_f64(a, b, n::f64_max),
        F64x2PMin => zip_u64(a, b, pmin64),
        F64x2PMax => zip_u64(a, b, pmax64),

        I16x8RelaxedDotI8x16I7x16S => join_i16(relaxed_dot_i8(a, b)),
    }
}

/// Applies a `(v128, v128, v128) -> v128` operation (operands in push order).
pub fn ternop(op: SimdTernOp, a: u128, b: u128, c: u128) -> u128 {
    use SimdTernOp::*;
    match op {
        V128Bitselect
        | I8x16RelaxedLaneselect
        | I16x8RelaxedLaneselect
        | I32x4RelaxedLaneselect
        | I64x2RelaxedLaneselect => bitselect(a, b, c),
        // Unfused: two roundings (Rust never contracts `x * y + z` into an FMA).
        F32x4RelaxedMadd => zip3_f32(a, b, c, |x, y, z| x * y + z),
        F32x4RelaxedNmadd => zip3_f32(a, b, c, |x, y, z| -x * y + z),
        F64x2RelaxedMadd => zip3_f64(a, b, c, |x, y, z| x * y + z),
        F64x2RelaxedNmadd => zip3_f64(a, b, c, |x, y, z| -x * y + z),
        I32x4RelaxedDotI8x16I7x16AddS => {
            let d = relaxed_dot_i8(a, b);
            let acc = split_i32(c);
            join_i32(from_fn(|i| {
                (d[2 * i] as i32 + d[2 * i + 1] as i32).wrapping_add(acc[i])
            }))
        }
    }
}

/// Applies a shift; `count` is the raw `i32` operand (reinterpreted), taken
/// modulo the lane width.
pub fn shift(op: SimdShiftOp, a: u128, count: u32) -> u128 {
    use SimdShiftOp::*;
    // `wrapping_sh*` masks the count with `BITS - 1`, i.e. modulo the lane width.
    match op {
        I8x16Shl => map_u8(a, |x| x.wrapping_shl(count)),
        I8x16ShrS => map_i8(a, |x| x.wrapping_shr(count)),
        I8x16ShrU => map_u8(a, |x| x.wrapping_shr(count)),
        I16x8Shl => map_u16(a, |x| x.wrapping_shl(count)),
        I16x8ShrS => map_i16(a, |x| x.wrapping_shr(count)),
        I16x8ShrU => map_u16(a, |x| x.wrapping_shr(count)),
        I32x4Shl => map_u32(a, |x| x.wrapping_shl(count)),
        I32x4ShrS => map_i32(a, |x| x.wrapping_shr(count)),
        I32x4ShrU => map_u32(a, |x| x.wrapping_shr(count)),
        I64x2Shl => map_u64(a, |x| x.wrapping_shl(count)),
        I64x2ShrS => map_i64(a, |x| x.wrapping_shr(count)),
        I64x2ShrU => map_u64(a, |x| x.wrapping_shr(count)),
    }
}

/// Applies a `v128 -> i32` operation; the result is the `i32` as `u32`.
pub fn test(op: SimdTestOp, a: u128) -> u32 {
    use SimdTestOp::*;
    fn mask<const N: usize>(top_bits: [bool; N]) -> u32 {
        top_bits
            .iter()
            .enumerate()
            .fold(0, |m, (i, &b)| m | ((b as u32) << i))
    }
    match op {
        V128AnyTrue => (a != 0) as u32,
        I8x16AllTrue => split_u8(a).iter().all(|&x| x != 0) as u32,
        I16x8AllTrue => split_u16(a).iter().all(|&x| x != 0) as u32,
        I32x4AllTrue => split_u32(a).iter().all(|&x| x != 0) as u32,
        I64x2AllTrue => split_u64(a).iter().all(|&x| x != 0) as u32,
        I8x16Bitmask => mask(split_i8(a).map(|x| x < 0)),
        I16x8Bitmask => mask(split_i16(a).map(|x| x < 0)),
        I32x4Bitmask => mask(split_i32(a).map(|x| x < 0)),
        I64x2Bitmask => mask(split_i64(a).map(|x| x < 0)),
    }
}

/// Splats a scalar cell (`i32`/`f32` in the low 32 bits; narrower lanes take
/// the low bits) into every lane. Float bits are copied unchanged.
pub fn splat(op: SimdSplatOp, x: u64) -> u128 {
    use SimdSplatOp::*;
    match op {
        I8x16Splat => join_u8([x as u8; 16]),
        I16x8Splat => join_u16([x as u16; 8]),
        I32x4Splat | F32x4Splat => join_u32([x as u32; 4]),
        I64x2Splat | F64x2Splat => join_u64([x; 2]),
    }
}

/// Extracts lane `lane` (validated in range; taken modulo the lane count) as
/// a scalar cell: `i32`/`f32` results zero-extended to 64 bits, `i8`/`i16`
/// lanes sign- or zero-extended to `i32` first. Float bits are copied
/// unchanged.
pub fn extract(op: SimdExtractOp, a: u128, lane: u8) -> u64 {
    use SimdExtractOp::*;
    let l = lane as usize;
    match op {
        I8x16ExtractLaneS => split_i8(a)[l & 15] as i32 as u32 as u64,
        I8x16ExtractLaneU => split_u8(a)[l & 15] as u64,
        I16x8ExtractLaneS => split_i16(a)[l & 7] as i32 as u32 as u64,
        I16x8ExtractLaneU => split_u16(a)[l & 7] as u64,
        I32x4ExtractLane | F32x4ExtractLane => split_u32(a)[l & 3] as u64,
        I64x2ExtractLane | F64x2ExtractLane => split_u64(a)[l & 1],
    }
}

/// Replaces lane `lane` (validated in range; taken modulo the lane count)
/// with the low bits of the scalar cell `x`. Float bits are copied unchanged.
pub fn replace(op: SimdReplaceOp, a: u128, lane: u8, x: u64) -> u128 {
    use SimdReplaceOp::*;
    let l = lane as usize;
    match op {
        I8x16ReplaceLane => {
            let mut v = split_u8(a);
            v[l & 15] = x as u8;
            join_u8(v)
        }
        I16x8ReplaceLane => {
            let mut v = split_u16(a);
            v[l & 7] = x as u16;
            join_u16(v)
        }
        I32x4ReplaceLane | F32x4ReplaceLane => {
            let mut v = split_u32(a);
            v[l & 3] = x as u32;
            join_u32(v)
        }
        I64x2ReplaceLane | F64x2ReplaceLane => {
            let mut v = split_u64(a);
            v[l & 1] = x;
            join_u64(v)
        }
    }
}

/// `i8x16.shuffle`: byte `i` is byte `lanes[i]` of the 32-byte concatenation
/// `a ++ b` (indices validated `< 32`; taken modulo 32).
pub fn shuffle(a: u128, b: u128, lanes: [u8; 16]) -> u128 {
    let (x, y) = (split_u8(a), split_u8(b));
    join_u8(lanes.map(|j| {
        let j = (j & 31) as usize;
        if j < 16 {
            x[j]
        } else {
            y[j - 16]
        }
    }))
}

/// The widening loads `v128.load8x8_s` ... `v128.load32x2_u`: the 8 bytes
/// read from memory (in memory order) extended into a `v128`.
pub fn load_extend(kind: SimdLoadExtend, bytes: [u8; 8]) -> u128 {
    use SimdLoadExtend::*;
    let half = u64::from_le_bytes(bytes) as u128;
    match kind {
        V128Load8x8S => unop(SimdUnOp::I16x8ExtendLowI8x16S, half),
        V128Load8x8U => unop(SimdUnOp::I16x8ExtendLowI8x16U, half),
        V128Load16x4S => unop(SimdUnOp::I32x4ExtendLowI16x8S, half),
        V128Load16x4U => unop(SimdUnOp::I32x4ExtendLowI16x8U, half),
        V128Load32x2S => unop(SimdUnOp::I64x2ExtendLowI32x4S, half),
        V128Load32x2U => unop(SimdUnOp::I64x2ExtendLowI32x4U, half),
    }
}

// ---------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------

#[cfg(test)]
mod tests {
    use super::*;
    use SimdBinOp as B;
    use SimdUnOp as U;

    const F32_CANON: u32 = 0x7fc0_0000;
    const F32_SNAN: u32 = 0x7fa0_0001; // signalling, payload 0x200001
    const F32_QNAN_PAYLOAD: u32 = 0x7fe0_0001; // F32_SNAN quieted
    const F64_SNAN: u64 = 0x7ff4_0000_0000_0001;
    const F64_QNAN_PAYLOAD: u64 = 0x7ffc_0000_0000_0001;
    const NEG_ZERO32: u32 = 0x8000_0000;
    const NEG_ZERO64: u64 = 0x8000_0000_0000_0000;

    fn i8s(v: [i8; 16]) -> u128 {
        join_i8(v)
    }
    fn u8s(v: [u8; 16]) -> u128 {
        join_u8(v)
    }
    fn i16s(v: [i16; 8]) -> u128 {
        join_i16(v)
    }
    fn u16s(v: [u16; 8]) -> u128 {
        join_u16(v)
    }
    fn i32s(v: [i32; 4]) -> u128 {
        join_i32(v)
    }
    fn u32s(v: [u32; 4]) -> u128 {
        join_u32(v)
    }
    fn i64s(v: [i64; 2]) -> u128 {
        join_i64(v)
    }
    fn u64s(v: [u64; 2]) -> u128 {
        join_u64(v)
    }
    fn f32s(v: [f32; 4]) -> u128 {
        join_f32(v)
    }
    fn f64s(v: [f64; 2]) -> u128 {
        join_f64(v)
    }
    fn bits32(v: u128) -> [u32; 4] {
        split_u32(v)
    }
    fn bits64(v: u128) -> [u64; 2] {
        split_u64(v)
    }
    fn arith32(b: u32) -> bool {
        f32::from_bits(b).is_nan() && b & 0x0040_0000 != 0
    }
    fn arith64(b: u64) -> bool {
        f64::from_bits(b).is_nan() && b & 0x0008_0000_0000_0000 != 0
    }

    #[test]
    fn lane_order_is_little_endian() {
        let v: u128 = 0x0f0e_0d0c_0b0a_0908_0706_0504_0302_0100;
        assert_eq!(split_u8(v), from_fn(|i| i as u8));
        assert_eq!(split_u16(v)[0], 0x0100);
        assert_eq!(split_u32(v)[3], 0x0f0e_0d0c);
        assert_eq!(split_u64(v), [0x0706_0504_0302_0100, 0x0f0e_0d0c_0b0a_0908]);
        assert_eq!(extract(SimdExtractOp::I8x16ExtractLaneU, v, 5), 5);
        assert_eq!(extract(SimdExtractOp::I32x4ExtractLane, v, 1), 0x0706_0504);
        assert_eq!(join_u8(split_u8(v)), v);
        assert_eq!(join_f64(split_f64(v)), v);
    }

    #[test]
    fn bitwise() {
        let a = 0xff00_ff00_0000_ffff_1234_5678_9abc_def0u128;
        let b = 0x0ff0_0ff0_ffff_0000_ffff_0000_ffff_0000u128;
        assert_eq!(unop(U::V128Not, a), !a);
        assert_eq!(binop(B::V128And, a, b), a & b);
        assert_eq!(binop(B::V128AndNot, a, b), a & !b);
        assert_eq!(binop(B::V128Or, a, b), a | b);
        assert_eq!(binop(B::V128Xor, a, b), a ^ b);
        let m = 0xf0f0_0000_ffff_0000_0000_0000_0000_0001u128;
        let sel = (a & m) | (b & !m);
        assert_eq!(ternop(SimdTernOp::V128Bitselect, a, b, m), sel);
        // relaxed_laneselect = bitselect, also for masks that mix bits in a lane
        for op in [
            SimdTernOp::I8x16RelaxedLaneselect,
            SimdTernOp::I16x8RelaxedLaneselect,
            SimdTernOp::I32x4RelaxedLaneselect,
            SimdTernOp::I64x2RelaxedLaneselect,
        ] {
            assert_eq!(ternop(op, a, b, m), sel);
        }
    }

    #[test]
    fn int_arith_wrapping_and_saturating() {
        let a = i8s([127, -128, 100, -100, 1, 0, -1, 50, 0, 0, 0, 0, 0, 0, 0, 0]);
        let b = i8s([1, -1, 100, -100, -1, 0, -1, -50, 0, 0, 0, 0, 0, 0, 0, 0]);
        assert_eq!(
            split_i8(binop(B::I8x16Add, a, b))[..8],
            [-128, 127, -56, 56, 0, 0, -2, 0]
        );
        assert_eq!(
            split_i8(binop(B::I8x16AddSatS, a, b))[..8],
            [127, -128, 127, -128, 0, 0, -2, 0]
        );
        assert_eq!(
            split_i8(binop(B::I8x16SubSatS, a, b))[..8],
            [126, -127, 0, 0, 2, 0, 0, 100]
        );
        let ua = u8s([255, 0, 200, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        let ub = u8s([1, 1, 100, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        assert_eq!(
            split_u8(binop(B::I8x16AddSatU, ua, ub))[..4],
            [255, 1, 255, 3]
        );
        assert_eq!(
            split_u8(binop(B::I8x16SubSatU, ua, ub))[..4],
            [254, 0, 100, 0]
        );
        assert_eq!(
            split_u8(binop(B::I8x16Sub, ua, ub))[..4],
            [254, 255, 100, 255]
        );

        let a = i16s([i16::MAX, i16::MIN, -1, 0, 0, 0, 0, 0]);
        let b = i16s([1, -1, 1, 0, 0, 0, 0, 0]);
        assert_eq!(
            split_i16(binop(B::I16x8AddSatS, a, b))[..3],
            [i16::MAX, i16::MIN, 0]
        );
        assert_eq!(
            split_u16(binop(B::I16x8AddSatU, a, b))[..3],
            [0x8000, 0xffff, 0xffff]
        );
        assert_eq!(split_u16(binop(B::I16x8SubSatU, b, a))[..3], [0, 0x7fff, 0]);
        assert_eq!(
            split_i16(binop(B::I16x8Mul, a, b))[..3],
            [i16::MAX, i16::MIN, -1]
        );

        let a = i32s([i32::MIN, i32::MAX, -7, 3]);
        let b = i32s([-1, 2, 3, -5]);
        assert_eq!(
            split_i32(binop(B::I32x4Mul, a, b)),
            [i32::MIN, -2, -21, -15]
        );
        assert_eq!(split_i32(binop(B::I32x4MinS, a, b)), [i32::MIN, 2, -7, -5]);
        assert_eq!(split_u32(binop(B::I32x4MinU, a, b))[..2], [0x8000_0000, 2]);
        assert_eq!(split_i32(binop(B::I32x4MaxS, a, b)), [-1, i32::MAX, 3, 3]);
        assert_eq!(
            split_u32(binop(B::I32x4MaxU, a, b))[..2],
            [u32::MAX, 0x7fff_ffff]
        );
        let a = i64s([i64::MIN, 3]);
        let b = i64s([-1, -4]);
        assert_eq!(split_i64(binop(B::I64x2Mul, a, b)), [i64::MIN, -12]);
        assert_eq!(split_i64(binop(B::I64x2Sub, a, b)), [i64::MIN + 1, 7]);
        assert_eq!(split_i64(binop(B::I64x2Add, a, b)), [i64::MAX, -1]);
    }

    #[test]
    fn abs_neg_popcnt() {
        let a = i8s([i8::MIN, -1, 0, 1, 127, -127, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        assert_eq!(
            split_i8(unop(U::I8x16Abs, a))[..6],
            [i8::MIN, 1, 0, 1, 127, 127]
        );
        assert_eq!(
            split_i8(unop(U::I8x16Neg, a))[..6],
            [i8::MIN, 1, 0, -1, -127, 127]
        );
        assert_eq!(
            split_i16(unop(U::I16x8Abs, i16s([i16::MIN, -5, 0, 0, 0, 0, 0, 0])))[..2],
            [i16::MIN, 5]
        );
        assert_eq!(
            split_i32(unop(U::I32x4Neg, i32s([i32::MIN, -5, 0, 7]))),
            [i32::MIN, 5, 0, -7]
        );
        assert_eq!(
            split_i64(unop(U::I64x2Abs, i64s([i64::MIN, -9]))),
            [i64::MIN, 9]
        );
        let p = u8s([
            0, 1, 3, 0x80, 0xff, 0x55, 0xaa, 7, 0, 0, 0, 0, 0, 0, 0, 0xfe,
        ]);
        assert_eq!(
            split_u8(unop(U::I8x16Popcnt, p)),
            [0, 1, 2, 1, 8, 4, 4, 3, 0, 0, 0, 0, 0, 0, 0, 7]
        );
    }

    #[test]
    fn avgr_u_rounds_up() {
        let a = u8s([255, 0, 1, 2, 254, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        let b = u8s([255, 1, 2, 2, 255, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        assert_eq!(
            split_u8(binop(B::I8x16AvgrU, a, b))[..5],
            [255, 1, 2, 2, 255]
        );
        let a = u16s([65535, 0, 65535, 3, 0, 0, 0, 0]);
        let b = u16s([65535, 65535, 0, 4, 0, 0, 0, 0]);
        assert_eq!(
            split_u16(binop(B::I16x8AvgrU, a, b))[..4],
            [65535, 32768, 32768, 4]
        );
    }

    #[test]
    fn int_compare() {
        let a = i8s([-1, 0, 5, -128, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        let b = i8s([1, 0, 4, 127, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        assert_eq!(split_u8(binop(B::I8x16LtS, a, b))[..4], [0xff, 0, 0, 0xff]);
        assert_eq!(split_u8(binop(B::I8x16LtU, a, b))[..4], [0, 0, 0, 0]);
        assert_eq!(
            split_u8(binop(B::I8x16GeU, a, b))[..4],
            [0xff, 0xff, 0xff, 0xff]
        );
        assert_eq!(split_u8(binop(B::I8x16Eq, a, b))[..4], [0, 0xff, 0, 0]);
        assert_eq!(split_u8(binop(B::I8x16Ne, a, b))[4..], [0; 12]);
        let a = i64s([-1, i64::MAX]);
        let b = i64s([0, i64::MIN]);
        assert_eq!(bits64(binop(B::I64x2LtS, a, b)), [u64::MAX, 0]);
        assert_eq!(bits64(binop(B::I64x2GeS, a, b)), [0, u64::MAX]);
        assert_eq!(bits64(binop(B::I64x2Ne, a, b)), [u64::MAX, u64::MAX]);
        let a = i32s([-1, 2, 3, 4]);
        let b = i32s([1, 2, 3, -4]);
        assert_eq!(bits32(binop(B::I32x4GtU, a, b)), [u32::MAX, 0, 0, 0]);
        assert_eq!(
            bits32(binop(B::I32x4LeS, a, b)),
            [u32::MAX, u32::MAX, u32::MAX, 0]
        );
        let a = i16s([-1, 2, 0, 0, 0, 0, 0, 0]);
        let b = i16s([1, 2, 0, 0, 0, 0, 0, 0]);
        assert_eq!(split_u16(binop(B::I16x8GtS, a, b))[..2], [0, 0]);
        assert_eq!(split_u16(binop(B::I16x8GtU, a, b))[..2], [0xffff, 0]);
    }

    #[test]
    fn narrowing_saturates() {
        let a = i16s([300, -300, 127, -129, 128, -128, 0, 255]);
        let b = i16s([i16::MAX, i16::MIN, 1, -1, 256, 200, -200, 100]);
        assert_eq!(
            split_i8(binop(B::I8x16NarrowI16x8S, a, b)),
            [127, -128, 127, -128, 127, -128, 0, 127, 127, -128, 1, -1, 127, 127, -128, 100]
        );
        assert_eq!(
            split_u8(binop(B::I8x16NarrowI16x8U, a, b)),
            [255, 0, 127, 0, 128, 0, 0, 255, 255, 0, 1, 0, 255, 200, 0, 100]
        );
        let a = i32s([70000, -70000, 32768, -32769]);
        let b = i32s([65535, 65536, -1, 40000]);
        assert_eq!(
            split_i16(binop(B::I16x8NarrowI32x4S, a, b)),
            [32767, -32768, 32767, -32768, 32767, 32767, -1, 32767]
        );
        assert_eq!(
            split_u16(binop(B::I16x8NarrowI32x4U, a, b)),
            [65535, 0, 32768, 0, 65535, 65535, 0, 40000]
        );
    }

    #[test]
    fn extend_and_extadd_pairwise() {
        let a = i8s([-128, -128, 127, 127, -1, 1, 0, 5, -2, -3, 4, 5, 6, 7, 8, -9]);
        assert_eq!(
            split_i16(unop(U::I16x8ExtendLowI8x16S, a)),
            [-128, -128, 127, 127, -1, 1, 0, 5]
        );
        assert_eq!(
            split_i16(unop(U::I16x8ExtendHighI8x16S, a)),
            [-2, -3, 4, 5, 6, 7, 8, -9]
        );
        assert_eq!(
            split_u16(unop(U::I16x8ExtendLowI8x16U, a))[..5],
            [128, 128, 127, 127, 255]
        );
        assert_eq!(split_u16(unop(U::I16x8ExtendHighI8x16U, a))[7], 247);
        assert_eq!(
            split_i16(unop(U::I16x8ExtAddPairwiseI8x16S, a)),
            [-256, 254, 0, 5, -5, 9, 13, -1]
        );
        assert_eq!(
            split_u16(unop(U::I16x8ExtAddPairwiseI8x16U, u8s([255; 16]))),
            [510; 8]
        );

        let a = i16s([i16::MIN, i16::MIN, -1, -1, 1, 2, i16::MAX, i16::MAX]);
        assert_eq!(
            split_i32(unop(U::I32x4ExtAddPairwiseI16x8S, a)),
            [-65536, -2, 3, 65534]
        );
        assert_eq!(
            split_u32(unop(U::I32x4ExtAddPairwiseI16x8U, a)),
            [65536, 131070, 3, 65534]
        );
        assert_eq!(
            split_i32(unop(U::I32x4ExtendLowI16x8S, a)),
            [i16::MIN as i32, -32768, -1, -1]
        );
        assert_eq!(
            split_u32(unop(U::I32x4ExtendLowI16x8U, a)),
            [32768, 32768, 65535, 65535]
        );
        assert_eq!(
            split_i32(unop(U::I32x4ExtendHighI16x8S, a)),
            [1, 2, 32767, 32767]
        );
        assert_eq!(
            split_u32(unop(U::I32x4ExtendHighI16x8U, a)),
            [1, 2, 32767, 32767]
        );

        let a = i32s([-1, i32::MIN, 7, -7]);
        assert_eq!(
            split_i64(unop(U::I64x2ExtendLowI32x4S, a)),
            [-1, i32::MIN as i64]
        );
        assert_eq!(
            split_u64(unop(U::I64x2ExtendLowI32x4U, a)),
            [0xffff_ffff, 0x8000_0000]
        );
        assert_eq!(split_i64(unop(U::I64x2ExtendHighI32x4S, a)), [7, -7]);
        assert_eq!(
            split_u64(unop(U::I64x2ExtendHighI32x4U, a)),
            [7, 0xffff_fff9]
        );
    }

    #[test]
    fn extmul() {
        let a = i8s([
            -128, 127, -1, 2, 0, 0, 0, 0, -128, -128, 127, -3, 0, 0, 0, 1,
        ]);
        let b = i8s([
            -128, -128, -1, 3, 0, 0, 0, 0, 127, -128, 127, 5, 0, 0, 0, -1,
        ]);
        assert_eq!(
            split_i16(binop(B::I16x8ExtMulLowI8x16S, a, b))[..4],
            [16384, -16256, 1, 6]
        );
        assert_eq!(
            split_i16(binop(B::I16x8ExtMulHighI8x16S, a, b)),
            [-16256, 16384, 16129, -15, 0, 0, 0, -1]
        );
        assert_eq!(
            split_u16(binop(B::I16x8ExtMulLowI8x16U, a, b))[..4],
            [16384, 16256, 65025, 6]
        );
        assert_eq!(split_u16(binop(B::I16x8ExtMulHighI8x16U, a, b))[7], 255);

        let a = i16s([i16::MIN, -1, 3, 0, i16::MIN, i16::MAX, 0, 0]);
        let b = i16s([i16::MIN, -1, -3, 0, i16::MAX, i16::MAX, 0, 0]);
        assert_eq!(
            split_i32(binop(B::I32x4ExtMulLowI16x8S, a, b)),
            [1 << 30, 1, -9, 0]
        );
        assert_eq!(
            split_u32(binop(B::I32x4ExtMulLowI16x8U, a, b))[..2],
            [1 << 30, 0xfffe_0001]
        );
        assert_eq!(
            split_i32(binop(B::I32x4ExtMulHighI16x8S, a, b))[..2],
            [-32768 * 32767, 32767 * 32767]
        );
        assert_eq!(
            split_u32(binop(B::I32x4ExtMulHighI16x8U, a, b))[0],
            32768 * 32767
        );

        let a = i32s([i32::MIN, -1, i32::MIN, i32::MAX]);
        let b = i32s([i32::MIN, -1, i32::MAX, -1]);
        assert_eq!(
            split_i64(binop(B::I64x2ExtMulLowI32x4S, a, b)),
            [1 << 62, 1]
        );
        assert_eq!(
            split_u64(binop(B::I64x2ExtMulLowI32x4U, a, b)),
            [1 << 62, 0xffff_fffe_0000_0001]
        );
        assert_eq!(
            split_i64(binop(B::I64x2ExtMulHighI32x4S, a, b)),
            [i32::MIN as i64 * i32::MAX as i64, -(i32::MAX as i64)]
        );
        assert_eq!(
            split_u64(binop(B::I64x2ExtMulHighI32x4U, a, b))[1],
            0x7fff_ffff * 0xffff_ffff
        );
    }

    #[test]
    fn dot_i16x8() {
        let a = i16s([i16::MIN, i16::MIN, 1, 2, -3, 4, i16::MAX, i16::MAX]);
        let b = i16s([i16::MIN, i16::MIN, 5, 6, 7, -8, i16::MAX, i16::MAX]);
        // MIN*MIN + MIN*MIN = 2^31 wraps to i32::MIN.
        assert_eq!(
            split_i32(binop(B::I32x4DotI16x8S, a, b)),
            [i32::MIN, 17, -53, 2 * 32767 * 32767]
        );
    }

    #[test]
    fn q15mulr() {
        let a = i16s([i16::MIN, i16::MIN, i16::MAX, 16384, -16384, 1, -1, 0x4000]);
        let b = i16s([i16::MIN, i16::MAX, i16::MAX, 1, 1, 16384, 16384, 0x4000]);
        // MIN * MAX: (-1073709056 + 16384) >> 15 = floor(-32766.5) = -32767
        let want = [i16::MAX, -32767, 32766, 1, 0, 1, 0, 0x2000];
        assert_eq!(split_i16(binop(B::I16x8Q15MulrSatS, a, b)), want);
        assert_eq!(split_i16(binop(B::I16x8RelaxedQ15mulrS, a, b)), want);
    }

    #[test]
    fn shifts_mask_the_count() {
        use SimdShiftOp as S;
        let a = i8s([-128, 1, 0x40, -1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        // 9 mod 8 = 1
        assert_eq!(split_i8(shift(S::I8x16Shl, a, 9))[..4], [0, 2, -128, -2]);
        assert_eq!(split_i8(shift(S::I8x16ShrS, a, 9))[..4], [-64, 0, 0x20, -1]);
        assert_eq!(
            split_u8(shift(S::I8x16ShrU, a, 9))[..4],
            [0x40, 0, 0x20, 0x7f]
        );
        assert_eq!(shift(S::I8x16Shl, a, 8), a);
        let a = i16s([i16::MIN, 1, 0, 0, 0, 0, 0, 0]);
        assert_eq!(split_i16(shift(S::I16x8ShrS, a, 17))[..2], [-16384, 0]);
        assert_eq!(split_u16(shift(S::I16x8ShrU, a, 31))[..2], [1, 0]);
        let a = i32s([1, -1, i32::MIN, 3]);
        // -1 as u32: 31 mod 32
        assert_eq!(
            split_i32(shift(S::I32x4Shl, a, u32::MAX)),
            [i32::MIN, i32::MIN, 0, i32::MIN]
        );
        assert_eq!(split_i32(shift(S::I32x4ShrS, a, 32)), [1, -1, i32::MIN, 3]);
        assert_eq!(
            split_u32(shift(S::I32x4ShrU, a, 33)),
            [0, 0x7fff_ffff, 0x4000_0000, 1]
        );
        let a = i64s([i64::MIN, 5]);
        assert_eq!(split_i64(shift(S::I64x2ShrU, a, 64)), [i64::MIN, 5]);
        assert_eq!(split_i64(shift(S::I64x2ShrS, a, 127)), [-1, 0]);
        assert_eq!(split_u64(shift(S::I64x2Shl, a, 65)), [0, 10]);
    }

    #[test]
    fn swizzle_and_shuffle() {
        let a = u8s(from_fn(|i| 0x10 + i as u8));
        let idx = u8s([0, 15, 16, 255, 0x80, 3, 17, 0x7f, 1, 1, 2, 2, 31, 32, 14, 5]);
        let want = [
            0x10, 0x1f, 0, 0, 0, 0x13, 0, 0, 0x11, 0x11, 0x12, 0x12, 0, 0, 0x1e, 0x15,
        ];
        assert_eq!(split_u8(binop(B::I8x16Swizzle, a, idx)), want);
        assert_eq!(split_u8(binop(B::I8x16RelaxedSwizzle, a, idx)), want);

        let b = u8s(from_fn(|i| 0x80 + i as u8));
        let lanes = [0, 16, 1, 17, 15, 31, 30, 14, 8, 8, 24, 24, 0, 0, 31, 31];
        assert_eq!(
            split_u8(shuffle(a, b, lanes)),
            [
                0x10, 0x80, 0x11, 0x81, 0x1f, 0x8f, 0x8e, 0x1e, 0x18, 0x18, 0x88, 0x88, 0x10, 0x10,
                0x8f, 0x8f
            ]
        );
    }

    #[test]
    fn test_ops_and_bitmask() {
        use SimdTestOp as T;
        assert_eq!(test(T::V128AnyTrue, 0), 0);
        assert_eq!(test(T::V128AnyTrue, 1 << 127), 1);
        let mut v = [1u8; 16];
        assert_eq!(test(T::I8x16AllTrue, u8s(v)), 1);
        v[15] = 0;
        assert_eq!(test(T::I8x16AllTrue, u8s(v)), 0);
        // i16 lanes of 0x0100 are non-zero even though some bytes are zero
        assert_eq!(test(T::I16x8AllTrue, u16s([0x0100; 8])), 1);
        assert_eq!(test(T::I16x8AllTrue, u16s([1, 1, 1, 1, 1, 1, 1, 0])), 0);
        assert_eq!(test(T::I32x4AllTrue, u32s([1, 1 << 31, 0x100, 5])), 1);
        assert_eq!(test(T::I32x4AllTrue, u32s([1, 1, 0, 5])), 0);
        assert_eq!(test(T::I64x2AllTrue, u64s([1 << 63, 1])), 1);
        assert_eq!(test(T::I64x2AllTrue, u64s([0, 1])), 0);

        let m = i8s([-1, 0, -128, 127, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, -5]);
        assert_eq!(test(T::I8x16Bitmask, m), 0b1000_0000_0000_0101);
        assert_eq!(test(T::I8x16Bitmask, u8s([0x80; 16])), 0xffff);
        assert_eq!(
            test(T::I16x8Bitmask, i16s([0, -1, 0, 0, 0, 0, 0, i16::MIN])),
            0b1000_0010
        );
        assert_eq!(test(T::I32x4Bitmask, i32s([-1, 1, -1, i32::MAX])), 0b0101);
        assert_eq!(test(T::I64x2Bitmask, i64s([1, i64::MIN])), 0b10);
    }

    #[test]
    fn splat_extract_replace() {
        use SimdExtractOp as E;
        use SimdReplaceOp as R;
        use SimdSplatOp as S;
        assert_eq!(splat(S::I8x16Splat, 0xdead_beef_0000_01ab), u8s([0xab; 16]));
        assert_eq!(splat(S::I16x8Splat, 0x1_8001), u16s([0x8001; 8]));
        assert_eq!(
            splat(S::I32x4Splat, 0xffff_ffff_8000_0001),
            u32s([0x8000_0001; 4])
        );
        assert_eq!(splat(S::F32x4Splat, F32_SNAN as u64), u32s([F32_SNAN; 4]));
        assert_eq!(splat(S::I64x2Splat, u64::MAX - 1), u64s([u64::MAX - 1; 2]));
        assert_eq!(splat(S::F64x2Splat, F64_SNAN), u64s([F64_SNAN; 2]));

        let v = u8s([
            0x80, 0x7f, 0xff, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xfe,
        ]);
        assert_eq!(extract(E::I8x16ExtractLaneS, v, 0), 0xffff_ff80);
        assert_eq!(extract(E::I8x16ExtractLaneU, v, 0), 0x80);
        assert_eq!(extract(E::I8x16ExtractLaneS, v, 1), 0x7f);
        assert_eq!(extract(E::I8x16ExtractLaneS, v, 15), 0xffff_fffe);
        assert_eq!(extract(E::I16x8ExtractLaneS, v, 0), 0x7f80);
        assert_eq!(extract(E::I16x8ExtractLaneS, v, 1), 0x0000_01ff);
        assert_eq!(extract(E::I16x8ExtractLaneS, v, 7), 0xffff_fe00);
        assert_eq!(extract(E::I16x8ExtractLaneU, v, 7), 0xfe00);
        let w = u32s([1, F32_SNAN, 0xffff_ffff, 4]);
        assert_eq!(extract(E::I32x4ExtractLane, w, 2), 0xffff_ffff);
        assert_eq!(extract(E::F32x4ExtractLane, w, 1), F32_SNAN as u64);
        let d = u64s([F64_SNAN, u64::MAX]);
        assert_eq!(extract(E::F64x2ExtractLane, d, 0), F64_SNAN);
        assert_eq!(extract(E::I64x2ExtractLane, d, 1), u64::MAX);

        assert_eq!(
            split_u8(replace(R::I8x16ReplaceLane, v, 3, 0xffff_ff42))[..4],
            [0x80, 0x7f, 0xff, 0x42]
        );
        assert_eq!(
            split_u16(replace(R::I16x8ReplaceLane, 0, 7, 0x1_2345))[7],
            0x2345
        );
        assert_eq!(
            bits32(replace(R::F32x4ReplaceLane, w, 0, F32_SNAN as u64)),
            [F32_SNAN, F32_SNAN, 0xffff_ffff, 4]
        );
        assert_eq!(
            bits32(replace(R::I32x4ReplaceLane, w, 3, 0xdead_0000_0000_0007))[3],
            7
        );
        assert_eq!(bits64(replace(R::I64x2ReplaceLane, d, 1, 9)), [F64_SNAN, 9]);
        assert_eq!(bits64(replace(R::F64x2ReplaceLane, d, 0, 0)), [0, u64::MAX]);
    }

    #[test]
    fn float_arith_nan_results_are_arithmetic() {
        let a = u32s([F32_SNAN, 0x7f80_0000, 0, 0x3f80_0000]);
        let b = u32s([0x3f80_0000, 0xff80_0000, 0, 0x4000_0000]);
        let sum = bits32(binop(B::F32x4Add, a, b));
        assert!(arith32(sum[0]) && arith32(sum[1]));
        assert_eq!(sum[3], 3.0f32.to_bits());
        let q = bits32(binop(B::F32x4Div, a, b));
        assert!(arith32(q[2]) && arith32(q[0]));
        assert_eq!(q[3], 0.5f32.to_bits());
        let a = u64s([F64_SNAN, 0]);
        let b = u64s([1.0f64.to_bits(), 0]);
        let p = bits64(binop(B::F64x2Mul, a, b));
        assert!(arith64(p[0]));
        assert_eq!(p[1], 0);
        let d = bits64(binop(
            B::F64x2Sub,
            f64s([f64::INFINITY, 1.5]),
            f64s([f64::INFINITY, 0.25]),
        ));
        assert!(arith64(d[0]));
        assert_eq!(d[1], 1.25f64.to_bits());
    }

    #[test]
    fn float_abs_neg_keep_nan_payloads() {
        let a = u32s([F32_SNAN, NEG_ZERO32 | F32_SNAN, 0, NEG_ZERO32]);
        assert_eq!(bits32(unop(U::F32x4Abs, a)), [F32_SNAN, F32_SNAN, 0, 0]);
        assert_eq!(
            bits32(unop(U::F32x4Neg, a)),
            [NEG_ZERO32 | F32_SNAN, F32_SNAN, NEG_ZERO32, 0]
        );
        let a = u64s([F64_SNAN, NEG_ZERO64]);
        assert_eq!(bits64(unop(U::F64x2Abs, a)), [F64_SNAN, 0]);
        assert_eq!(bits64(unop(U::F64x2Neg, a)), [NEG_ZERO64 | F64_SNAN, 0]);
    }

    #[test]
    fn float_min_max_zeros_and_nans() {
        for (min, max) in [
            (B::F32x4Min, B::F32x4Max),
            (B::F32x4RelaxedMin, B::F32x4RelaxedMax),
        ] {
            let a = u32s([0, NEG_ZERO32, F32_SNAN, 0x3f80_0000]);
            let b = u32s([NEG_ZERO32, 0, 0x3f80_0000, F32_SNAN]);
            assert_eq!(
                bits32(binop(min, a, b)),
                [NEG_ZERO32, NEG_ZERO32, F32_QNAN_PAYLOAD, F32_QNAN_PAYLOAD]
            );
            assert_eq!(
                bits32(binop(max, a, b)),
                [0, 0, F32_QNAN_PAYLOAD, F32_QNAN_PAYLOAD]
            );
            let c = f32s([1.0, -2.0, f32::INFINITY, f32::NEG_INFINITY]);
            let d = f32s([2.0, -1.0, 0.0, 0.0]);
            assert_eq!(
                split_f32(binop(min, c, d)),
                [1.0, -2.0, 0.0, f32::NEG_INFINITY]
            );
            assert_eq!(split_f32(binop(max, c, d)), [2.0, -1.0, f32::INFINITY, 0.0]);
        }
        for (min, max) in [
            (B::F64x2Min, B::F64x2Max),
            (B::F64x2RelaxedMin, B::F64x2RelaxedMax),
        ] {
            let a = u64s([0, F64_SNAN]);
            let b = u64s([NEG_ZERO64, 0]);
            assert_eq!(bits64(binop(min, a, b)), [NEG_ZERO64, F64_QNAN_PAYLOAD]);
            assert_eq!(bits64(binop(max, a, b)), [0, F64_QNAN_PAYLOAD]);
            assert_eq!(bits64(binop(min, b, a)), [NEG_ZERO64, F64_QNAN_PAYLOAD]);
        }
    }

    #[test]
    fn float_pmin_pmax_return_an_operand() {
        // pmin(a, b) = b < a ? b : a;  pmax(a, b) = a < b ? b : a
        let a = u32s([0, NEG_ZERO32, F32_SNAN, 0x3f80_0000]);
        let b = u32s([NEG_ZERO32, 0, 0x3f80_0000, F32_SNAN]);
        assert_eq!(
            bits32(binop(B::F32x4PMin, a, b)),
            [0, NEG_ZERO32, F32_SNAN, 0x3f80_0000]
        );
        assert_eq!(
            bits32(binop(B::F32x4PMax, a, b)),
            [0, NEG_ZERO32, F32_SNAN, 0x3f80_0000]
        );
        let c = f32s([1.0, 3.0, f32::NEG_INFINITY, -0.5]);
        let d = f32s([2.0, -3.0, 0.0, -0.25]);
        assert_eq!(
            split_f32(binop(B::F32x4PMin, c, d)),
            [1.0, -3.0, f32::NEG_INFINITY, -0.5]
        );
        assert_eq!(split_f32(binop(B::F32x4PMax, c, d)), [2.0, 3.0, 0.0, -0.25]);
        let a = u64s([F64_SNAN, NEG_ZERO64]);
        let b = u64s([1.0f64.to_bits(), 0]);
        assert_eq!(bits64(binop(B::F64x2PMin, a, b)), [F64_SNAN, NEG_ZERO64]);
        assert_eq!(bits64(binop(B::F64x2PMax, a, b)), [F64_SNAN, NEG_ZERO64]);
        assert_eq!(bits64(binop(B::F64x2PMin, b, a)), [1.0f64.to_bits(), 0]);
        assert_eq!(
            split_f64(binop(B::F64x2PMax, f64s([1.0, -1.0]), f64s([2.0, -2.0]))),
            [2.0, -1.0]
        );
    }

    #[test]
    fn float_compare() {
        let a = u32s([F32_CANON, 0, 0x3f80_0000, 0x4000_0000]);
        let b = u32s([F32_CANON, NEG_ZERO32, 0x4000_0000, 0x3f80_0000]);
        let t = u32::MAX;
        assert_eq!(bits32(binop(B::F32x4Eq, a, b)), [0, t, 0, 0]);
        assert_eq!(bits32(binop(B::F32x4Ne, a, b)), [t, 0, t, t]);
        assert_eq!(bits32(binop(B::F32x4Lt, a, b)), [0, 0, t, 0]);
        assert_eq!(bits32(binop(B::F32x4Gt, a, b)), [0, 0, 0, t]);
        assert_eq!(bits32(binop(B::F32x4Le, a, b)), [0, t, t, 0]);
        assert_eq!(bits32(binop(B::F32x4Ge, a, b)), [0, t, 0, t]);
        let a = u64s([F64_SNAN, 1.0f64.to_bits()]);
        let b = u64s([1.0f64.to_bits(), 1.0f64.to_bits()]);
        let t = u64::MAX;
        assert_eq!(bits64(binop(B::F64x2Eq, a, b)), [0, t]);
        assert_eq!(bits64(binop(B::F64x2Ne, a, b)), [t, 0]);
        assert_eq!(bits64(binop(B::F64x2Lt, a, b)), [0, 0]);
        assert_eq!(bits64(binop(B::F64x2Le, a, b)), [0, t]);
        assert_eq!(bits64(binop(B::F64x2Gt, a, b)), [0, 0]);
        assert_eq!(bits64(binop(B::F64x2Ge, a, b)), [0, t]);
    }

    #[test]
    fn float_rounding_and_sqrt() {
        let v = f32s([0.5, 1.5, 2.5, -0.5]);
        assert_eq!(
            bits32(unop(U::F32x4Nearest, v)),
            [0, 2.0f32.to_bits(), 2.0f32.to_bits(), NEG_ZERO32]
        );
        assert_eq!(split_f32(unop(U::F32x4Ceil, v)), [1.0, 2.0, 3.0, -0.0]);
        assert_eq!(bits32(unop(U::F32x4Ceil, v))[3], NEG_ZERO32);
        assert_eq!(split_f32(unop(U::F32x4Floor, v)), [0.0, 1.0, 2.0, -1.0]);
        assert_eq!(bits32(unop(U::F32x4Trunc, v))[3], NEG_ZERO32);
        let s = bits32(unop(
            U::F32x4Sqrt,
            u32s([F32_SNAN, 0xbf80_0000, 4.0f32.to_bits(), NEG_ZERO32]),
        ));
        assert_eq!(s[0], F32_QNAN_PAYLOAD);
        assert!(arith32(s[1]));
        assert_eq!(s[2..], [2.0f32.to_bits(), NEG_ZERO32]);
        let r = bits32(unop(U::F32x4Floor, u32s([F32_SNAN; 4])));
        assert_eq!(r, [F32_QNAN_PAYLOAD; 4]);

        let v = f64s([-2.5, 3.5]);
        assert_eq!(split_f64(unop(U::F64x2Nearest, v)), [-2.0, 4.0]);
        assert_eq!(split_f64(unop(U::F64x2Ceil, v)), [-2.0, 4.0]);
        assert_eq!(split_f64(unop(U::F64x2Floor, v)), [-3.0, 3.0]);
        assert_eq!(split_f64(unop(U::F64x2Trunc, v)), [-2.0, 3.0]);
        assert_eq!(
            bits64(unop(U::F64x2Nearest, f64s([-0.25, 0.0])))[0],
            NEG_ZERO64
        );
        assert_eq!(
            split_f64(unop(U::F64x2Sqrt, f64s([9.0, 2.0]))),
            [3.0, core::f64::consts::SQRT_2]
        );
        assert_eq!(
            bits64(unop(U::F64x2Sqrt, u64s([F64_SNAN, 0])))[0],
            F64_QNAN_PAYLOAD
        );
    }

    #[test]
    fn trunc_sat_and_relaxed_trunc() {
        let v = f32s([f32::NAN, 3e9, -3e9, -1.9]);
        let s = [0, i32::MAX, i32::MIN, -1];
        assert_eq!(split_i32(unop(U::I32x4TruncSatF32x4S, v)), s);
        assert_eq!(split_i32(unop(U::I32x4RelaxedTruncF32x4S, v)), s);
        let v = f32s([-1.5, 4.3e9, f32::INFINITY, 4294967040.0]);
        let u = [0, u32::MAX, u32::MAX, 4294967040];
        assert_eq!(split_u32(unop(U::I32x4TruncSatF32x4U, v)), u);
        assert_eq!(split_u32(unop(U::I32x4RelaxedTruncF32x4U, v)), u);
        let v = u32s([F32_SNAN, 0xff80_0000, 0x8000_0001, 0]);
        assert_eq!(split_u32(unop(U::I32x4TruncSatF32x4U, v)), [0; 4]);

        let v = f64s([f64::NAN, -2147483648.9]);
        let s = [0, i32::MIN, 0, 0];
        assert_eq!(split_i32(unop(U::I32x4TruncSatF64x2SZero, v)), s);
        assert_eq!(split_i32(unop(U::I32x4RelaxedTruncF64x2SZero, v)), s);
        let v = f64s([2147483647.9, -2147483649.0]);
        assert_eq!(
            split_i32(unop(U::I32x4TruncSatF64x2SZero, v)),
            [i32::MAX, i32::MIN, 0, 0]
        );
        let v = f64s([4294967295.9, -0.9]);
        let u = [u32::MAX, 0, 0, 0];
        assert_eq!(split_u32(unop(U::I32x4TruncSatF64x2UZero, v)), u);
        assert_eq!(split_u32(unop(U::I32x4RelaxedTruncF64x2UZero, v)), u);
        assert_eq!(
            split_u32(unop(U::I32x4TruncSatF64x2UZero, f64s([1e300, f64::NAN]))),
            u
        );
    }

    #[test]
    fn int_to_float_conversions() {
        let v = i32s([-1, i32::MIN, 16777217, 0x7fff_ffff]);
        assert_eq!(
            split_f32(unop(U::F32x4ConvertI32x4S, v)),
            [
                -1.0,
                -2147483648.0,
                16777216.0, // ties to even
                2147483648.0
            ]
        );
        assert_eq!(
            split_f32(unop(U::F32x4ConvertI32x4U, v)),
            [4294967296.0, 2147483648.0, 16777216.0, 2147483648.0]
        );
        assert_eq!(
            split_f64(unop(U::F64x2ConvertLowI32x4S, v)),
            [-1.0, -2147483648.0]
        );
        assert_eq!(
            split_f64(unop(U::F64x2ConvertLowI32x4U, v)),
            [4294967295.0, 2147483648.0]
        );
    }

    #[test]
    fn demote_promote() {
        let v = u64s([F64_SNAN | NEG_ZERO64, 1e300f64.to_bits()]);
        let r = bits32(unop(U::F32x4DemoteF64x2Zero, v));
        assert!(arith32(r[0]) && r[0] & NEG_ZERO32 != 0);
        assert_eq!(r[1..], [f32::INFINITY.to_bits(), 0, 0]);
        let v = f64s([-0.0, 0.1]);
        assert_eq!(
            bits32(unop(U::F32x4DemoteF64x2Zero, v)),
            [NEG_ZERO32, 0.1f32.to_bits(), 0, 0]
        );
        // canonical NaN stays canonical
        let r = bits32(unop(
            U::F32x4DemoteF64x2Zero,
            u64s([0x7ff8_0000_0000_0000, 0]),
        ));
        assert_eq!(r[0], F32_CANON);

        let v = u32s([F32_SNAN, 0.1f32.to_bits(), 0xdead_beef, 0xdead_beef]);
        let r = bits64(unop(U::F64x2PromoteLowF32x4, v));
        assert!(arith64(r[0]));
        assert_eq!(r[1], (0.1f32 as f64).to_bits());
        let r = bits64(unop(
            U::F64x2PromoteLowF32x4,
            u32s([F32_CANON, NEG_ZERO32, 0, 0]),
        ));
        assert_eq!(r, [0x7ff8_0000_0000_0000, NEG_ZERO64]);
    }

    #[test]
    fn relaxed_madd_is_unfused() {
        use SimdTernOp as T;
        // a*b = 1 + 2^-11 + 2^-24 exactly; rounded (tie to even) to 1 + 2^-11.
        let x = 1.0 + f32::EPSILON * 2048.0; // 1 + 2^-12
        let y = 1.0 + f32::EPSILON * 4096.0; // 1 + 2^-11
        let a = f32s([x, 2.0, f32::INFINITY, 1.0]);
        let c = f32s([-y, 1.0, f32::NEG_INFINITY, -0.0]);
        let r = bits32(ternop(T::F32x4RelaxedMadd, a, a, c));
        // fused would give 2^-24 in lane 0
        assert_eq!(r[0], 0);
        assert_eq!(r[1], 5.0f32.to_bits());
        assert!(arith32(r[2]));
        assert_eq!(r[3], 1.0f32.to_bits());
        // nmadd: -(a*b) + c
        let c = f32s([y, 1.0, f32::INFINITY, 0.0]);
        let r = bits32(ternop(T::F32x4RelaxedNmadd, a, a, c));
        assert_eq!(r[0], 0);
        assert_eq!(r[1], (-3.0f32).to_bits());
        assert!(arith32(r[2]));
        assert_eq!(r[3], (-1.0f32).to_bits());
        // -(+0 * 1) + -0 = -0
        let r = bits32(ternop(
            T::F32x4RelaxedNmadd,
            f32s([0.0; 4]),
            f32s([1.0; 4]),
            f32s([-0.0; 4]),
        ));
        assert_eq!(r, [NEG_ZERO32; 4]);

        // a*b = 1 + 2^-26 + 2^-54 exactly; rounded down to 1 + 2^-26.
        let x = 1.0 + 1.0 / (1u64 << 27) as f64;
        let y = 1.0 + 1.0 / (1u64 << 26) as f64;
        let r = bits64(ternop(
            T::F64x2RelaxedMadd,
            f64s([x, 3.0]),
            f64s([x, 2.0]),
            f64s([-y, 1.0]),
        ));
        assert_eq!(r, [0, 7.0f64.to_bits()]);
        let r = bits64(ternop(
            T::F64x2RelaxedNmadd,
            f64s([x, 3.0]),
            f64s([x, 2.0]),
            f64s([y, 1.0]),
        ));
        assert_eq!(r, [0, (-5.0f64).to_bits()]);
    }

    #[test]
    fn relaxed_dot() {
        // Vectors from the relaxed-simd spec tests.
        let a = i8s(from_fn(|i| i as i8));
        assert_eq!(
            split_i16(binop(B::I16x8RelaxedDotI8x16I7x16S, a, a)),
            [1, 13, 41, 85, 145, 221, 313, 421]
        );
        let a = i8s([-128, -128, 127, 127, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        let b = i8s([127, 127, 127, 127, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        assert_eq!(
            split_i16(binop(B::I16x8RelaxedDotI8x16I7x16S, a, b))[..3],
            [-32512, 32258, 0]
        );
        // second operand's top bit set: read as signed (-127)
        let a = i8s([-128, -128, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        let b = i8s([-127, -127, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        assert_eq!(
            split_i16(binop(B::I16x8RelaxedDotI8x16I7x16S, a, b))[0],
            32512
        );
        // -128 * -128 twice: 32768 saturates
        let m = i8s([-128; 16]);
        assert_eq!(
            split_i16(binop(B::I16x8RelaxedDotI8x16I7x16S, m, m)),
            [i16::MAX; 8]
        );
        let ones = i8s([-1; 16]);
        assert_eq!(
            split_i16(binop(B::I16x8RelaxedDotI8x16I7x16S, ones, m)),
            [256; 8]
        );

        use SimdTernOp::I32x4RelaxedDotI8x16I7x16AddS as DA;
        let a = i8s(from_fn(|i| i as i8));
        assert_eq!(
            split_i32(ternop(DA, a, a, i32s([0, 1, 2, 3]))),
            [14, 127, 368, 737]
        );
        let a = i8s([
            -128, -128, -128, -128, 127, 127, 127, 127, 0, 0, 0, 0, 0, 0, 0, 0,
        ]);
        let b = i8s([
            127, 127, 127, 127, 127, 127, 127, 127, 0, 0, 0, 0, 0, 0, 0, 0,
        ]);
        assert_eq!(
            split_i32(ternop(DA, a, b, i32s([1, 2, 3, 4]))),
            [-65023, 64518, 3, 4]
        );
        let a = i8s([-128, -128, -128, -128, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        let b = i8s([-127, -127, -127, -127, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        assert_eq!(
            split_i32(ternop(DA, a, b, i32s([1, 2, 3, 4]))),
            [65025, 2, 3, 4]
        );
        // saturated i16 intermediates, wrapping accumulate
        assert_eq!(
            split_i32(ternop(DA, m, m, i32s([i32::MAX, 0, -65534, 1]))),
            [i32::MAX.wrapping_add(65534), 65534, 0, 65535]
        );
    }

    #[test]
    fn load_extend_lanes() {
        use SimdLoadExtend as L;
        let bytes = [0x80, 0x7f, 0xff, 0x01, 0x00, 0x80, 0xfe, 0xff];
        assert_eq!(
            split_i16(load_extend(L::V128Load8x8S, bytes)),
            [-128, 127, -1, 1, 0, -128, -2, -1]
        );
        assert_eq!(
            split_u16(load_extend(L::V128Load8x8U, bytes)),
            [128, 127, 255, 1, 0, 128, 254, 255]
        );
        assert_eq!(
            split_i32(load_extend(L::V128Load16x4S, bytes)),
            [0x7f80, 0x01ff, -32768, -2]
        );
        assert_eq!(
            split_u32(load_extend(L::V128Load16x4U, bytes)),
            [0x7f80, 0x01ff, 0x8000, 0xfffe]
        );
        assert_eq!(
            split_i64(load_extend(L::V128Load32x2S, bytes)),
            [0x01ff_7f80, -0x0001_8000]
        );
        assert_eq!(
            split_u64(load_extend(L::V128Load32x2U, bytes)),
            [0x01ff_7f80, 0xfffe_8000]
        );
    }
}
