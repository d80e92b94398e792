//! proptest strategies that aim operands at the edges: NaNs with payloads (quiet and
//! signalling, both signs), signed zeros, infinities, subnormals, integer `MIN`/`MAX` and the
//! saturation boundaries of every narrowing, shift counts past the lane width, out-of-range
//! swizzle and shuffle indices, and addresses at the last valid byte and one past it.

use proptest::prelude::*;
use proptest::sample::select;

use super::ops::{Shape, MEM_SIZE};

/// Integer seeds, truncated to the lane width: zero and one, all ones, every `MIN`/`MAX`, and the
/// boundaries that `narrow`, `add_sat`/`sub_sat`, `q15mulr` and `avgr` saturate or round at.
const INT_SEEDS: &[i64] = &[
    0,
    1,
    2,
    -1,
    -2,
    0x3f,
    0x40,
    0x7e,
    0x7f,
    0x80,
    0x81,
    0xfe,
    0xff,
    0x100,
    -0x7f,
    -0x80,
    -0x81,
    0x3fff,
    0x4000,
    0x7ffe,
    0x7fff,
    0x8000,
    0x8001,
    0xfffe,
    0xffff,
    0x1_0000,
    -0x7fff,
    -0x8000,
    -0x8001,
    0x7fff_ffff,
    0x8000_0000,
    0x8000_0001,
    0xffff_fffe,
    0xffff_ffff,
    0x1_0000_0000,
    -0x8000_0000,
    -0x8000_0001,
    i64::MAX,
    i64::MIN,
    i64::MIN + 1,
    0x5555_5555_5555_5555,
    -0x5555_5555_5555_5556, // 0xaaaa...
];

fn mask(bits: u32, x: u64) -> u64 {
    if bits == 64 {
        x
    } else {
        x & ((1u64 << bits) - 1)
    }
}

/// One integer lane of `bits` bits (zero-extended into a `u64`).
pub fn int_lane(bits: u32) -> BoxedStrategy<u64> {
    let seeds: Vec<u64> = INT_SEEDS.iter().map(|&s| mask(bits, s as u64)).collect();
    prop_oneof![
        5 => select(seeds),
        2 => any::<u64>().prop_map(move |x| mask(bits, x)),
        1 => (-4i64..=4).prop_map(move |x| mask(bits, x as u64)),
    ]
    .boxed()
}

/// The values every float lane strategy favours most: signed zeros, infinities, the canonical
/// NaN, a quiet NaN with a payload, signalling NaNs of both signs, and one.
const F32_SPECIAL: &[u32] = &[
    0x0000_0000, // +0
    0x8000_0000, // -0
    0x7f80_0000, // +inf
    0xff80_0000, // -inf
    0x7fc0_0000, // canonical NaN
    0xffc0_0000, // -canonical NaN
    0x7fc0_1234, // quiet NaN with payload
    0x7f80_0001, // signalling NaN
    0xffa0_0000, // -signalling NaN
    0x3f80_0000, // 1
    0xbf80_0000, // -1
];

const F32_EDGES: &[u32] = &[
    0x0000_0001, // smallest subnormal
    0x8000_0001,
    0x007f_ffff, // largest subnormal
    0x807f_ffff,
    0x0080_0000, // smallest normal
    0x8080_0000,
    0x7f7f_ffff, // largest finite
    0xff7f_ffff,
    0x7fff_ffff, // NaN, all payload bits
    0xffff_ffff,
    0x7fbf_ffff, // signalling, all other payload bits
    0xff80_0001,
    0x3f00_0000, // 0.5
    0xbf00_0000, // -0.5
    0x3fc0_0000, // 1.5
    0x4020_0000, // 2.5
    0xc020_0000, // -2.5
    0x3eff_ffff, // 0.49999997
    0xbf7f_ffff, // -0.99999994
    0x4b00_0000, // 2^23: no fraction bits left
    0x4b00_0001,
    0x4b80_0000, // 2^24
    0x4eff_ffff, // largest below 2^31
    0x4f00_0000, // 2^31
    0xcf00_0000, // -2^31
    0xcf00_0001, // just below -2^31
    0x4f7f_ffff, // largest below 2^32
    0x4f80_0000, // 2^32
    0x5f00_0000, // 2^63
    0x3400_0000, // 2^-23
    0x3380_0000, // 2^-24
];

const F64_SPECIAL: &[u64] = &[
    0x0000_0000_0000_0000,
    0x8000_0000_0000_0000,
    0x7ff0_0000_0000_0000,
    0xfff0_0000_0000_0000,
    0x7ff8_0000_0000_0000, // canonical NaN
    0xfff8_0000_0000_0000,
    0x7ff8_0000_dead_beef, // quiet NaN with payload
    0x7ff0_0000_0000_0001, // signalling
    0xfff4_0000_0000_0000, // -signalling
    0x3ff0_0000_0000_0000, // 1
    0xbff0_0000_0000_0000, // -1
];

const F64_EDGES: &[u64] = &[
    0x0000_0000_0000_0001, // smallest subnormal
    0x8000_0000_0000_0001,
    0x000f_ffff_ffff_ffff, // largest subnormal
    0x0010_0000_0000_0000, // smallest normal
    0x7fef_ffff_ffff_ffff, // largest finite
    0xffef_ffff_ffff_ffff,
    0x7fff_ffff_ffff_ffff,
    0x7ff7_ffff_ffff_ffff,
    0x3fe0_0000_0000_0000, // 0.5
    0xbfe0_0000_0000_0000, // -0.5
    0x3ff8_0000_0000_0000, // 1.5
    0x4004_0000_0000_0000, // 2.5
    0xc004_0000_0000_0000, // -2.5
    0xbfef_ffff_ffff_ffff, // -0.9999999999999999
    0x4330_0000_0000_0000, // 2^52
    0x4330_0000_0000_0001,
    0x41df_ffff_ffc0_0000, // 2147483647
    0x41df_ffff_ffe0_0000, // 2147483647.5
    0x41e0_0000_0000_0000, // 2^31
    0xc1e0_0000_0000_0000, // -2^31
    0xc1e0_0000_0010_0000, // -2147483648.5 (truncates to -2^31)
    0xc1e0_0000_0020_0000, // -2147483649
    0x41ef_ffff_ffe0_0000, // 4294967295
    0x41ef_ffff_fff0_0000, // 4294967295.5
    0x41f0_0000_0000_0000, // 2^32
    0x47ef_ffff_e000_0000, // f32::MAX
    0x47ef_ffff_f000_0000, // f32::MAX + half an ulp: demotes to inf
    0x47ef_ffff_efff_ffff, // just below: demotes to f32::MAX
    0x36a0_0000_0000_0000, // f32's smallest subnormal
    0x3690_0000_0000_0000, // half of it: demotes to 0 (tie to even)
    0x3698_0000_0000_0000, // three quarters: demotes to the smallest subnormal
    0x3810_0000_0000_0000, // f32's smallest normal
    0x380f_ffff_ffff_ffff, // just below it
    0x3ff0_0000_1000_0000, // 1 + 2^-24 (demote tie)
    0x3ff0_0000_1000_0001,
];

/// One `f32` lane (raw bits).
pub fn f32_lane() -> BoxedStrategy<u64> {
    prop_oneof![
        4 => select(F32_SPECIAL).prop_map(u64::from),
        4 => select(F32_EDGES).prop_map(u64::from),
        1 => any::<u32>().prop_map(u64::from),
        // Moderate magnitudes, where rounding and conversion boundaries live.
        2 => (any::<bool>(), 100u32..=160, 0u32..(1 << 23))
            .prop_map(|(s, e, m)| u64::from((s as u32) << 31 | e << 23 | m)),
        // Small integers and halves.
        1 => (-16i32..=16).prop_map(|h| u64::from((h as f32 * 0.5).to_bits())),
    ]
    .boxed()
}

/// One `f64` lane (raw bits).
pub fn f64_lane() -> BoxedStrategy<u64> {
    prop_oneof![
        4 => select(F64_SPECIAL),
        4 => select(F64_EDGES),
        1 => any::<u64>(),
        2 => (any::<bool>(), 880u64..=1100, 0u64..(1 << 52))
            .prop_map(|(s, e, m)| (s as u64) << 63 | e << 52 | m),
        // Exactly representable in f32, and one f32 rounding step off.
        1 => f32_lane().prop_map(|b| (f32::from_bits(b as u32) as f64).to_bits()),
        1 => (-16i32..=16).prop_map(|h| (h as f64 * 0.5).to_bits()),
    ]
    .boxed()
}

/// One lane of `shape`.
pub fn lane(shape: Shape) -> BoxedStrategy<u64> {
    match shape {
        Shape::F32x4 => f32_lane(),
        Shape::F64x2 => f64_lane(),
        s => int_lane(s.bits()),
    }
}

/// Packs lanes (lane 0 first) into a `v128`.
pub fn pack(bits: u32, lanes: &[u64]) -> u128 {
    lanes.iter().enumerate().fold(0u128, |acc, (i, &l)| {
        acc | (u128::from(mask(bits, l)) << (bits as usize * i))
    })
}

/// A `v128` whose lanes are drawn independently as `shape` lanes.
pub fn v128_lanes(shape: Shape) -> BoxedStrategy<u128> {
    let bits = shape.bits();
    prop::collection::vec(lane(shape), shape.lanes() as usize)
        .prop_map(move |l| pack(bits, &l))
        .boxed()
}

/// A `v128` for an operation that reads it as `shape`: mostly lanes of that shape; sometimes a
/// splat, lanes of another shape, or random bits.
pub fn v128_for(shape: Shape) -> BoxedStrategy<u128> {
    let bits = shape.bits();
    prop_oneof![
        8 => v128_lanes(shape),
        1 => lane(shape).prop_map(move |l| pack(bits, &vec![l; (128 / bits) as usize])),
        1 => select(Shape::ALL.to_vec()).prop_flat_map(v128_lanes),
        1 => any::<u128>(),
    ]
    .boxed()
}

/// Two operands in `shape`; now and then the second shares some lanes with the first, so
/// "equal" comparisons, `x - x` and `min(x, x)` come up.
pub fn v128_pair(shape: Shape) -> BoxedStrategy<(u128, u128)> {
    let bits = shape.bits();
    prop_oneof![
        5 => (v128_for(shape), v128_for(shape)),
        1 => (v128_for(shape), v128_for(shape), any::<u16>()).prop_map(move |(a, b, m)| {
            let mut out = b;
            for i in 0..(128 / bits) {
                if m >> (i % 16) & 1 == 1 {
                    let lm = (u128::MAX >> (128 - bits)) << (bits * i);
                    out = (out & !lm) | (a & lm);
                }
            }
            (a, out)
        }),
    ]
    .boxed()
}

/// Swizzle indices: in range, in the second half (`16..32`, in range for `shuffle` but not for
/// `swizzle`), `16..128` (relaxed_swizzle's implementation-defined band), negative as `i8`.
pub fn swizzle_indices() -> BoxedStrategy<u128> {
    let byte = prop_oneof![
        4 => 0u8..16,
        2 => 16u8..32,
        1 => 32u8..128,
        1 => 128u8..=255,
        2 => select(vec![0u8, 15, 16, 17, 31, 32, 0x7f, 0x80, 0x8f, 0xf0, 0xff]),
    ];
    prop::collection::vec(byte, 16)
        .prop_map(|b| pack(8, &b.iter().map(|&x| u64::from(x)).collect::<Vec<_>>()))
        .boxed()
}

/// A shuffle mask (every byte `< 32`; larger ones are invalid and tested separately).
pub fn shuffle_mask() -> BoxedStrategy<[u8; 16]> {
    let byte = prop_oneof![
        3 => 0u8..32,
        1 => select(vec![0u8, 15, 16, 31]),
    ];
    prop_oneof![
        6 => prop::collection::vec(byte, 16),
        1 => (0u8..32).prop_map(|b| vec![b; 16]),
        1 => Just((0..16).rev().collect::<Vec<u8>>()),
        1 => Just((0..16).map(|i| if i % 2 == 0 { i / 2 } else { 16 + i / 2 }).collect()),
    ]
    .prop_map(|v| v.try_into().unwrap())
    .boxed()
}

/// Bitselect / laneselect masks: per lane all zeros, all ones, only the top bit, all but the
/// top bit, or random bits.
pub fn select_mask(shape: Shape) -> BoxedStrategy<u128> {
    let bits = shape.bits();
    let ones = mask(bits, u64::MAX);
    let top = 1u64 << (bits - 1);
    let lane = prop_oneof![
        3 => Just(0u64),
        3 => Just(ones),
        1 => Just(top),
        1 => Just(ones ^ top),
        2 => any::<u64>().prop_map(move |x| mask(bits, x)),
    ];
    prop::collection::vec(lane, shape.lanes() as usize)
        .prop_map(move |l| pack(bits, &l))
        .boxed()
}

/// A shift count for lanes of `bits` bits: every count up to twice the width, the widths
/// themselves and one past them, and counts that are only small modulo the width.
pub fn shift_count(bits: u32) -> BoxedStrategy<i32> {
    let w = bits as i32;
    prop_oneof![
        4 => select(vec![
            0, 1, w - 1, w, w + 1, 2 * w - 1, 2 * w, 2 * w + 1, 31, 32, 33, 63, 64, 65, 127, 128,
            129, 255, 256, -1, -w, -w + 1, i32::MIN, i32::MAX,
        ]),
        3 => 0..(3 * w),
        1 => any::<i32>(),
    ]
    .boxed()
}

/// An `i32` operand (for splats and `replace_lane` of `i8`/`i16`/`i32` lanes): lane edges of
/// every width, so the truncation to the lane is exercised.
pub fn i32_scalar() -> BoxedStrategy<i32> {
    prop_oneof![
        1 => int_lane(8).prop_map(|x| x as i32),
        1 => int_lane(16).prop_map(|x| x as i32),
        2 => int_lane(32).prop_map(|x| x as i32),
        1 => int_lane(8).prop_map(|x| x as u8 as i8 as i32),
        1 => int_lane(16).prop_map(|x| x as u16 as i16 as i32),
    ]
    .boxed()
}

/// A memory address for an access of `bytes` bytes at `offset` into [`MEM_SIZE`] bytes of
/// memory: around the last valid address (it, one past it, and up to 16 either side), the
/// bottom, and far out (including effective addresses past 4 GiB).
pub fn address(bytes: u32, offset: u32) -> BoxedStrategy<u32> {
    // The last address where `addr + offset + bytes <= MEM_SIZE`, wrapped into `u32` when the
    // offset alone is already too big (then every address traps).
    let last = (MEM_SIZE as i64 - i64::from(bytes) - i64::from(offset)) as u32;
    prop_oneof![
        3 => Just(last),
        3 => Just(last.wrapping_add(1)),
        3 => (-16i32..=16).prop_map(move |d| last.wrapping_add(d as u32)),
        1 => select(vec![0u32, 1, 15, 16, 65535, 65536, 0x7fff_ffff, 0x8000_0000, u32::MAX - 15, u32::MAX]),
        1 => 0u32..(MEM_SIZE as u32),
        1 => any::<u32>(),
    ]
    .boxed()
}

/// `i8x16` operands for the relaxed dot products: bytes at the extremes, often all `-128`, so
/// that a pair of `-128 * -128` products (the sum the spec's alternatives disagree on) and
/// second-operand bytes with the top bit set come up often.
pub fn dot_operand() -> BoxedStrategy<u128> {
    let byte = prop_oneof![
        3 => select(vec![0x80u8, 0x81, 0x7f, 0xff, 0x00, 0x01]),
        1 => any::<u8>(),
    ];
    prop_oneof![
        2 => v128_for(Shape::I8x16),
        2 => prop::collection::vec(byte, 16)
            .prop_map(|b| pack(8, &b.iter().map(|&x| u64::from(x)).collect::<Vec<_>>())),
        1 => Just(u128::MAX / 255 * 0x80),
    ]
    .boxed()
}
