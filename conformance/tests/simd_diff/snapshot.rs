//! A table of hand-picked edge cases per family with fayasm's results, for `insta`: a change in
//! behaviour shows up as a diff in review. Every row is also checked against wasmtime by the same
//! rules as the property tests. NaN lanes of ops whose NaN bits are not fixed by the spec (and
//! so may differ between hosts) are shown as `nan`; bit-exact ops show their NaN bits.

use std::fmt::Write as _;

use fayasm_conformance::values::Value;

use super::harness::{self, compare, hex_lanes, show, Case, Engines, Imm, OpStats, Out, Tables};
use super::ops::{Kind, Op, Shape, FAMILIES, MEM_OFFSETS};

fn pack<T: Copy + Into<u64>>(bits: u32, lanes: &[T]) -> u128 {
    let l: Vec<u64> = lanes.iter().map(|&x| x.into()).collect();
    super::gen::pack(bits, &l)
}
fn i8s(l: [i8; 16]) -> Value {
    Value::V128(pack(8, &l.map(|x| x as u8)))
}
fn i16s(l: [i16; 8]) -> Value {
    Value::V128(pack(16, &l.map(|x| x as u16)))
}
fn i32s(l: [i32; 4]) -> Value {
    Value::V128(pack(32, &l.map(|x| x as u32)))
}
fn i64s(l: [i64; 2]) -> Value {
    Value::V128(pack(64, &l.map(|x| x as u64)))
}
fn f32s(l: [u32; 4]) -> Value {
    Value::V128(pack(32, &l))
}
fn f32v(l: [f32; 4]) -> Value {
    f32s(l.map(f32::to_bits))
}
fn f64s(l: [u64; 2]) -> Value {
    Value::V128(pack(64, &l))
}
fn f64v(l: [f64; 2]) -> Value {
    f64s(l.map(f64::to_bits))
}
fn v128(x: u128) -> Value {
    Value::V128(x)
}
fn i32v(x: i32) -> Value {
    Value::I32(x)
}

const CNAN: u32 = 0x7fc0_0000;
const SNAN: u32 = 0x7f80_0001;
const NSNAN: u32 = 0xffa0_0000;
const PNAN: u32 = 0x7fc0_1234;
const INF: u32 = 0x7f80_0000;
const NINF: u32 = 0xff80_0000;
const NZ: u32 = 0x8000_0000;
const CNAN64: u64 = 0x7ff8_0000_0000_0000;
const SNAN64: u64 = 0x7ff0_0000_0000_0001;
const NSNAN64: u64 = 0xfff4_0000_0000_0000;
const NZ64: u64 = 0x8000_0000_0000_0000;
const ONE_12: u32 = 0x3f80_0800; // 1 + 2^-12
const ONE_11: u32 = 0x3f80_1000; // 1 + 2^-11
const ONE_27: u64 = 0x3ff0_0000_0200_0000; // 1 + 2^-27
const ONE_26: u64 = 0x3ff0_0000_0400_0000; // 1 + 2^-26
const F64_NEG: u64 = 0x8000_0000_0000_0000;

/// Shuffle masks used by the table.
const MASKS: [[u8; 16]; 5] = [
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15],
    [
        31, 30, 29, 28, 27, 26, 25, 24, 23, 22, 21, 20, 19, 18, 17, 16,
    ],
    [0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23],
    [15, 15, 15, 15, 16, 16, 16, 16, 31, 31, 31, 31, 0, 0, 0, 0],
    [3, 2, 1, 0, 19, 18, 17, 16, 11, 10, 9, 8, 27, 26, 25, 24],
];

/// Constants used by the table.
const CONSTS: [u128; 3] = [
    0x7f80_0001_ffc0_1234_8000_0000_0000_0000,
    0xffff_ffff_ffff_ffff_0000_0000_0000_0001,
    0x0f0e_0d0c_0b0a_0908_0706_0504_0302_0100,
];

/// A row: an op (by name), the variant (export suffix), arguments.
struct Row {
    op: &'static str,
    variant: String,
    args: Vec<Value>,
}

fn row(op: &'static str, args: Vec<Value>) -> Row {
    Row {
        op,
        variant: "p".into(),
        args,
    }
}
fn rowv(op: &'static str, variant: &str, args: Vec<Value>) -> Row {
    Row {
        op,
        variant: variant.into(),
        args,
    }
}
/// A memory row: op at `addr` with offset `MEM_OFFSETS[o]`, lane `l`.
fn mem(op: &'static str, o: usize, l: u32, addr: u32, x: Option<u128>) -> Row {
    let mut args = vec![i32v(addr as i32)];
    args.extend(x.map(v128));
    Row {
        op,
        variant: format!("o{o}l{l}"),
        args,
    }
}

const RAMP: u128 = 0x8f8e_8d8c_8b8a_8988_8786_8584_8382_8180;
const VAL: u128 = 0xffee_ddcc_bbaa_9988_7766_5544_3322_1100;

fn rows() -> Vec<(&'static str, Vec<Row>)> {
    let a8 = i8s([
        127, -128, 127, -128, 1, -1, 0, 100, -100, 64, -64, 126, -127, 0, 1, -1,
    ]);
    let b8 = i8s([
        1, -1, 127, -128, -1, 1, 0, 100, -100, 64, -65, 1, -1, -128, 127, -128,
    ]);
    let a16 = i16s([
        i16::MAX,
        i16::MIN,
        i16::MAX,
        i16::MIN,
        0x4000,
        -1,
        0x7ffe,
        -0x7fff,
    ]);
    let b16 = i16s([1, -1, i16::MAX, i16::MIN, 0x4000, 1, 2, -2]);
    let ramp8 = i8s([
        0, 1, -1, -128, 127, 0x55, -86, 15, 16, 31, 32, 64, -64, 2, 3, 4,
    ]);
    vec![
        (
            "bitwise",
            vec![
                row("v128.not", vec![i64s([0x0123_4567_89ab_cdef, 0])]),
                row(
                    "v128.and",
                    vec![
                        v128(0xff00_ff00_ff00_ff00_f0f0_f0f0_0000_ffff),
                        v128(0x0ff0_0ff0_0ff0_0ff0_ffff_0000_ffff_0000),
                    ],
                ),
                row(
                    "v128.andnot",
                    vec![
                        v128(0xff00_ff00_ff00_ff00_f0f0_f0f0_0000_ffff),
                        v128(0x0ff0_0ff0_0ff0_0ff0_ffff_0000_ffff_0000),
                    ],
                ),
                row(
                    "v128.or",
                    vec![
                        v128(0xff00_ff00_ff00_ff00_f0f0_f0f0_0000_ffff),
                        v128(0x0ff0_0ff0_0ff0_0ff0_ffff_0000_ffff_0000),
                    ],
                ),
                row(
                    "v128.xor",
                    vec![
                        v128(0xff00_ff00_ff00_ff00_f0f0_f0f0_0000_ffff),
                        v128(0x0ff0_0ff0_0ff0_0ff0_ffff_0000_ffff_0000),
                    ],
                ),
                row(
                    "v128.bitselect",
                    vec![
                        v128(u128::MAX / 255 * 0x11),
                        v128(u128::MAX / 255 * 0x22),
                        v128(0xf0f0_0000_ffff_0000_0f0f_8080_7f7f_01fe),
                    ],
                ),
                rowv(
                    "v128.bitselect",
                    "a2",
                    vec![
                        v128(u128::MAX / 255 * 0x11),
                        v128(u128::MAX / 255 * 0x22),
                        v128(0xf0f0_0000_ffff_0000_0f0f_8080_7f7f_01fe),
                    ],
                ),
                row("v128.any_true", vec![v128(0)]),
                row("v128.any_true", vec![v128(1 << 127)]),
            ],
        ),
        (
            "int_arith",
            vec![
                row("i8x16.add_sat_s", vec![a8, b8]),
                row("i8x16.add_sat_u", vec![a8, b8]),
                row("i8x16.sub_sat_s", vec![a8, b8]),
                row("i8x16.sub_sat_u", vec![a8, b8]),
                row("i8x16.add", vec![a8, b8]),
                row("i8x16.min_s", vec![a8, b8]),
                row("i8x16.min_u", vec![a8, b8]),
                row(
                    "i8x16.avgr_u",
                    vec![
                        i8s([-1, 0, 1, -2, -1, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]),
                        i8s([-1, 1, 2, -1, 0, 0, 1, 3, 3, 5, 5, 7, 7, 9, 9, 11]),
                    ],
                ),
                row("i8x16.abs", vec![a8]),
                row("i8x16.neg", vec![a8]),
                row("i8x16.popcnt", vec![ramp8]),
                row("i16x8.add_sat_s", vec![a16, b16]),
                row("i16x8.add_sat_u", vec![a16, b16]),
                row("i16x8.sub_sat_s", vec![a16, b16]),
                row("i16x8.sub_sat_u", vec![a16, b16]),
                row("i16x8.mul", vec![a16, b16]),
                row(
                    "i16x8.q15mulr_sat_s",
                    vec![
                        i16s([i16::MIN, i16::MIN, i16::MAX, 0x4000, -1, 1, 0x4000, -0x4000]),
                        i16s([i16::MIN, i16::MAX, i16::MAX, 0x4000, 1, 1, -0x4000, -0x4000]),
                    ],
                ),
                row(
                    "i16x8.avgr_u",
                    vec![
                        i16s([-1, 0, 1, -2, -1, 0, 0x7fff, -0x8000]),
                        i16s([-1, 1, 2, -1, 0, 0, -0x8000, 0x7fff]),
                    ],
                ),
                row("i16x8.abs", vec![a16]),
                row("i16x8.neg", vec![a16]),
                row("i32x4.abs", vec![i32s([i32::MIN, i32::MAX, -1, 0])]),
                row(
                    "i32x4.mul",
                    vec![
                        i32s([i32::MIN, i32::MAX, 0x10000, -1]),
                        i32s([-1, 2, 0x10000, -1]),
                    ],
                ),
                row(
                    "i32x4.min_s",
                    vec![
                        i32s([i32::MIN, i32::MAX, -1, 0]),
                        i32s([i32::MAX, i32::MIN, 0, -1]),
                    ],
                ),
                row(
                    "i32x4.max_u",
                    vec![
                        i32s([i32::MIN, i32::MAX, -1, 0]),
                        i32s([i32::MAX, i32::MIN, 0, -1]),
                    ],
                ),
                row("i64x2.abs", vec![i64s([i64::MIN, -1])]),
                row("i64x2.neg", vec![i64s([i64::MIN, 1])]),
                row(
                    "i64x2.mul",
                    vec![i64s([i64::MIN, 0x1_0000_0001]), i64s([-1, 0xffff_ffff])],
                ),
                row("i64x2.sub", vec![i64s([i64::MIN, 0]), i64s([1, i64::MIN])]),
            ],
        ),
        (
            "int_compare",
            vec![
                row("i8x16.lt_s", vec![a8, b8]),
                row("i8x16.lt_u", vec![a8, b8]),
                row("i8x16.ge_u", vec![a8, b8]),
                row("i16x8.gt_s", vec![a16, b16]),
                row("i16x8.le_u", vec![a16, b16]),
                row(
                    "i32x4.gt_u",
                    vec![
                        i32s([i32::MIN, i32::MAX, -1, 0]),
                        i32s([i32::MAX, i32::MIN, 0, -1]),
                    ],
                ),
                row(
                    "i32x4.lt_s",
                    vec![
                        i32s([i32::MIN, i32::MAX, -1, 0]),
                        i32s([i32::MAX, i32::MIN, 0, -1]),
                    ],
                ),
                row(
                    "i64x2.lt_s",
                    vec![i64s([i64::MIN, i64::MAX]), i64s([i64::MAX, i64::MIN])],
                ),
                row(
                    "i64x2.ge_s",
                    vec![i64s([i64::MIN, -1]), i64s([i64::MIN, 0])],
                ),
                row("i64x2.ne", vec![i64s([i64::MIN, -1]), i64s([i64::MIN, 0])]),
            ],
        ),
        (
            "widen_narrow",
            vec![
                row(
                    "i8x16.narrow_i16x8_s",
                    vec![
                        i16s([127, 128, -128, -129, 255, 256, -1, 0x7fff]),
                        i16s([i16::MIN, 0, 1, -1, 0x80, 0xff, 0x100, -0x100]),
                    ],
                ),
                row(
                    "i8x16.narrow_i16x8_u",
                    vec![
                        i16s([127, 128, -128, -129, 255, 256, -1, 0x7fff]),
                        i16s([i16::MIN, 0, 1, -1, 0x80, 0xff, 0x100, -0x100]),
                    ],
                ),
                row(
                    "i16x8.narrow_i32x4_s",
                    vec![
                        i32s([32767, 32768, -32768, -32769]),
                        i32s([65535, 65536, -1, i32::MIN]),
                    ],
                ),
                row(
                    "i16x8.narrow_i32x4_u",
                    vec![
                        i32s([32767, 32768, -32768, -32769]),
                        i32s([65535, 65536, -1, i32::MAX]),
                    ],
                ),
                row("i16x8.extmul_low_i8x16_s", vec![a8, b8]),
                row("i16x8.extmul_high_i8x16_u", vec![a8, b8]),
                row("i32x4.extmul_low_i16x8_s", vec![a16, b16]),
                row(
                    "i64x2.extmul_high_i32x4_s",
                    vec![
                        i32s([0, 0, i32::MIN, i32::MAX]),
                        i32s([0, 0, i32::MIN, i32::MIN]),
                    ],
                ),
                row(
                    "i64x2.extmul_low_i32x4_u",
                    vec![i32s([-1, -1, 0, 0]), i32s([-1, 2, 0, 0])],
                ),
                row(
                    "i32x4.dot_i16x8_s",
                    vec![
                        i16s([i16::MIN; 8]),
                        i16s([
                            i16::MIN,
                            i16::MIN,
                            i16::MAX,
                            i16::MAX,
                            -1,
                            1,
                            0x4000,
                            0x4000,
                        ]),
                    ],
                ),
                row("i16x8.extadd_pairwise_i8x16_s", vec![a8]),
                row("i16x8.extadd_pairwise_i8x16_u", vec![a8]),
                row("i32x4.extadd_pairwise_i16x8_s", vec![a16]),
                row("i32x4.extadd_pairwise_i16x8_u", vec![a16]),
                row("i16x8.extend_high_i8x16_s", vec![a8]),
                row("i16x8.extend_low_i8x16_u", vec![a8]),
                row("i32x4.extend_low_i16x8_s", vec![a16]),
                row(
                    "i64x2.extend_high_i32x4_s",
                    vec![i32s([1, 2, i32::MIN, -1])],
                ),
                row(
                    "i64x2.extend_high_i32x4_u",
                    vec![i32s([1, 2, i32::MIN, -1])],
                ),
            ],
        ),
        (
            "shift",
            vec![
                row("i8x16.shl", vec![ramp8, i32v(9)]),
                row("i8x16.shl", vec![ramp8, i32v(8)]),
                row("i8x16.shr_s", vec![ramp8, i32v(7)]),
                row("i8x16.shr_s", vec![ramp8, i32v(-1)]),
                row("i8x16.shr_u", vec![ramp8, i32v(255)]),
                row("i16x8.shr_u", vec![a16, i32v(17)]),
                row("i16x8.shr_s", vec![a16, i32v(-1)]),
                row("i16x8.shl", vec![a16, i32v(16)]),
                row(
                    "i32x4.shl",
                    vec![i32s([i32::MIN, i32::MAX, -1, 1]), i32v(32)],
                ),
                row(
                    "i32x4.shr_s",
                    vec![i32s([i32::MIN, i32::MAX, -1, 1]), i32v(33)],
                ),
                row(
                    "i32x4.shr_u",
                    vec![i32s([i32::MIN, i32::MAX, -1, 1]), i32v(i32::MIN)],
                ),
                row("i64x2.shr_s", vec![i64s([i64::MIN, 1]), i32v(65)]),
                row("i64x2.shr_u", vec![i64s([i64::MIN, -1]), i32v(64)]),
                row("i64x2.shl", vec![i64s([1, -1]), i32v(-1)]),
                rowv("i64x2.shl", "k11", vec![i64s([1, -1])]),
            ],
        ),
        (
            "bitmask_all_true",
            vec![
                row("i8x16.bitmask", vec![a8]),
                row("i16x8.bitmask", vec![a16]),
                row("i32x4.bitmask", vec![i32s([i32::MIN, i32::MAX, -1, 0])]),
                row("i64x2.bitmask", vec![i64s([1, i64::MIN])]),
                row("i8x16.all_true", vec![i8s([1; 16])]),
                row(
                    "i8x16.all_true",
                    vec![i8s([1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0])],
                ),
                row(
                    "i16x8.all_true",
                    vec![i8s([1, 0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 1])],
                ),
                row("i32x4.all_true", vec![i32s([i32::MIN, 1, 0x100, 0x10000])]),
                row("i64x2.all_true", vec![i64s([0x1_0000_0000, 0])]),
            ],
        ),
        (
            "float_arith",
            vec![
                row(
                    "f32x4.add",
                    vec![
                        f32s([CNAN, SNAN, INF, NZ]),
                        f32s([1.0f32.to_bits(), 1.0f32.to_bits(), NINF, NZ]),
                    ],
                ),
                row(
                    "f32x4.sub",
                    vec![
                        f32s([INF, 0, NZ, 0x7f7f_ffff]),
                        f32s([INF, 0, 0, 0xff7f_ffff]),
                    ],
                ),
                row(
                    "f32x4.mul",
                    vec![f32s([1, 0x7f7f_ffff, 0, INF]), f32v([0.5, 2.0, -1.0, 0.0])],
                ),
                row(
                    "f32x4.div",
                    vec![f32v([0.0, 1.0, -1.0, 1.0]), f32s([0, NZ, 0, 0x7f7f_ffff])],
                ),
                row(
                    "f32x4.min",
                    vec![
                        f32s([NZ, 0, CNAN, 0x3f80_0000]),
                        f32s([0, NZ, 0x3f80_0000, PNAN]),
                    ],
                ),
                row(
                    "f32x4.max",
                    vec![
                        f32s([NZ, 0, CNAN, 0x3f80_0000]),
                        f32s([0, NZ, 0x3f80_0000, PNAN]),
                    ],
                ),
                row(
                    "f32x4.pmin",
                    vec![
                        f32s([SNAN, 0x3f80_0000, NZ, 0]),
                        f32s([0x3f80_0000, NSNAN, 0, NZ]),
                    ],
                ),
                row(
                    "f32x4.pmax",
                    vec![
                        f32s([SNAN, 0x3f80_0000, NZ, 0]),
                        f32s([0x3f80_0000, NSNAN, 0, NZ]),
                    ],
                ),
                row("f32x4.nearest", vec![f32v([0.5, 1.5, 2.5, -0.5])]),
                row(
                    "f32x4.nearest",
                    vec![f32s([0x3eff_ffff, 0x4b00_0001, SNAN, 0xcb80_0001])],
                ),
                row("f32x4.ceil", vec![f32v([-0.5, 0.5, -1.5, 1.0e-40])]),
                row("f32x4.floor", vec![f32v([-0.5, 0.5, -0.0, -1.0e-40])]),
                row(
                    "f32x4.trunc",
                    vec![f32s([0xbf7f_ffff, 0x4020_0000, 0xc020_0000, PNAN])],
                ),
                row("f32x4.sqrt", vec![f32s([NZ, 0xbf80_0000, INF, SNAN])]),
                row("f32x4.abs", vec![f32s([NSNAN, NZ, NINF, 0xffc0_1234])]),
                row("f32x4.neg", vec![f32s([SNAN, 0, INF, CNAN])]),
                row(
                    "f64x2.add",
                    vec![
                        f64s([SNAN64, 0x7fef_ffff_ffff_ffff]),
                        f64s([CNAN64, 0x7fef_ffff_ffff_ffff]),
                    ],
                ),
                row("f64x2.div", vec![f64v([0.0, 1.0]), f64s([0, NZ64])]),
                row("f64x2.min", vec![f64s([NZ64, CNAN64]), f64s([0, 1])]),
                row("f64x2.max", vec![f64s([0, NSNAN64]), f64s([NZ64, 0])]),
                row(
                    "f64x2.pmin",
                    vec![f64s([SNAN64, NZ64]), f64s([0x3ff0_0000_0000_0000, 0])],
                ),
                row(
                    "f64x2.pmax",
                    vec![f64s([0x3ff0_0000_0000_0000, 0]), f64s([NSNAN64, NZ64])],
                ),
                row("f64x2.nearest", vec![f64v([2.5, -3.5])]),
                row("f64x2.ceil", vec![f64v([-0.25, 4503599627370497.0])]),
                row("f64x2.floor", vec![f64s([0x8000_0000_0000_0001, SNAN64])]),
                row("f64x2.trunc", vec![f64v([-2147483648.5, 1e300])]),
                row("f64x2.sqrt", vec![f64s([NZ64, 0xbff0_0000_0000_0000])]),
                row("f64x2.abs", vec![f64s([NSNAN64, NZ64])]),
                row("f64x2.neg", vec![f64s([SNAN64, 0])]),
            ],
        ),
        (
            "float_compare",
            vec![
                row(
                    "f32x4.eq",
                    vec![
                        f32s([CNAN, 0, INF, 0x3f80_0000]),
                        f32s([CNAN, NZ, INF, SNAN]),
                    ],
                ),
                row(
                    "f32x4.ne",
                    vec![
                        f32s([CNAN, 0, INF, 0x3f80_0000]),
                        f32s([CNAN, NZ, INF, SNAN]),
                    ],
                ),
                row(
                    "f32x4.lt",
                    vec![
                        f32s([NINF, NZ, CNAN, 0x3f80_0000]),
                        f32s([INF, 0, 0x3f80_0000, CNAN]),
                    ],
                ),
                row(
                    "f32x4.ge",
                    vec![f32s([NINF, NZ, CNAN, 1]), f32s([INF, 0, 0x3f80_0000, 0])],
                ),
                row("f64x2.le", vec![f64s([NZ64, CNAN64]), f64s([0, CNAN64])]),
                row(
                    "f64x2.gt",
                    vec![
                        f64s([1, 0x7ff0_0000_0000_0000]),
                        f64s([0, 0x7fef_ffff_ffff_ffff]),
                    ],
                ),
            ],
        ),
        (
            "conversion",
            vec![
                row(
                    "i32x4.trunc_sat_f32x4_s",
                    vec![f32s([CNAN, INF, NINF, 0x4f00_0000])],
                ),
                row(
                    "i32x4.trunc_sat_f32x4_s",
                    vec![f32s([0xcf00_0000, 0xbf7f_ffff, 0x4eff_ffff, 0xcf00_0001])],
                ),
                row(
                    "i32x4.trunc_sat_f32x4_u",
                    vec![f32s([CNAN, 0xbf80_0000, 0x4f80_0000, 0xbf7f_ffff])],
                ),
                row(
                    "i32x4.trunc_sat_f32x4_u",
                    vec![f32s([0x4f7f_ffff, 0x4f00_0000, 0x3fc0_0000, INF])],
                ),
                row(
                    "i32x4.trunc_sat_f64x2_s_zero",
                    vec![f64v([2147483647.5, -2147483648.5])],
                ),
                row(
                    "i32x4.trunc_sat_f64x2_s_zero",
                    vec![f64s([CNAN64, 0xc1e0_0000_0020_0000])],
                ),
                row(
                    "i32x4.trunc_sat_f64x2_u_zero",
                    vec![f64v([4294967295.5, -0.5])],
                ),
                row(
                    "i32x4.trunc_sat_f64x2_u_zero",
                    vec![f64v([4294967296.0, -1.0])],
                ),
                row(
                    "f32x4.convert_i32x4_s",
                    vec![i32s([i32::MIN, i32::MAX, -1, 16777217])],
                ),
                row(
                    "f32x4.convert_i32x4_u",
                    vec![i32s([-1, i32::MIN, 16777217, 0x7fff_ffbf])],
                ),
                row(
                    "f64x2.convert_low_i32x4_s",
                    vec![i32s([i32::MIN, -1, 7, 7])],
                ),
                row(
                    "f64x2.convert_low_i32x4_u",
                    vec![i32s([i32::MIN, -1, 7, 7])],
                ),
                row(
                    "f32x4.demote_f64x2_zero",
                    vec![f64s([0x47ef_ffff_f000_0000, 0x3698_0000_0000_0000])],
                ),
                row(
                    "f32x4.demote_f64x2_zero",
                    vec![f64s([0x3ff0_0000_1000_0000, 0x3690_0000_0000_0000])],
                ),
                row("f32x4.demote_f64x2_zero", vec![f64s([SNAN64, NZ64])]),
                row(
                    "f64x2.promote_low_f32x4",
                    vec![f32s([SNAN, 1, 0x7f7f_ffff, NZ])],
                ),
                row(
                    "f64x2.promote_low_f32x4",
                    vec![f32s([NZ, 0x0000_0001, 0, 0])],
                ),
            ],
        ),
        (
            "lanes",
            vec![
                row("i8x16.splat", vec![i32v(0x1ff)]),
                row("i16x8.splat", vec![i32v(-0x8001)]),
                row("i32x4.splat", vec![i32v(i32::MIN)]),
                row("i64x2.splat", vec![Value::I64(i64::MIN + 1)]),
                row("f32x4.splat", vec![Value::F32(SNAN)]),
                row("f64x2.splat", vec![Value::F64(NSNAN64)]),
                rowv("i8x16.extract_lane_s", "l15", vec![a8]),
                rowv("i8x16.extract_lane_u", "l15", vec![a8]),
                rowv("i16x8.extract_lane_s", "l3", vec![a16]),
                rowv("i16x8.extract_lane_u", "l3", vec![a16]),
                rowv("i32x4.extract_lane", "l3", vec![i32s([0, 1, 2, i32::MIN])]),
                rowv("i64x2.extract_lane", "l1", vec![i64s([0, i64::MIN])]),
                rowv("f32x4.extract_lane", "l1", vec![f32s([0, SNAN, 0, 0])]),
                rowv("f64x2.extract_lane", "l0", vec![f64s([NSNAN64, 0])]),
                rowv("i8x16.replace_lane", "l15", vec![a8, i32v(0x1ab)]),
                rowv("i16x8.replace_lane", "l0a0", vec![a16, i32v(0x12345)]),
                rowv(
                    "i32x4.replace_lane",
                    "l3",
                    vec![i32s([1, 2, 3, 4]), i32v(i32::MIN)],
                ),
                rowv(
                    "i64x2.replace_lane",
                    "l1",
                    vec![i64s([1, 2]), Value::I64(-1)],
                ),
                rowv(
                    "f32x4.replace_lane",
                    "l2",
                    vec![f32s([0; 4]), Value::F32(NSNAN)],
                ),
                rowv(
                    "f64x2.replace_lane",
                    "l0a0",
                    vec![f64s([0; 2]), Value::F64(SNAN64)],
                ),
            ],
        ),
        ("shuffle_swizzle_const", {
            let a = v128(0xafae_adac_abaa_a9a8_a7a6_a5a4_a3a2_a1a0);
            let b = v128(0xbfbe_bdbc_bbba_b9b8_b7b6_b5b4_b3b2_b1b0);
            let mut r: Vec<Row> = (0..MASKS.len())
                .map(|j| rowv("i8x16.shuffle", &format!("m{j}"), vec![a, b]))
                .collect();
            r.push(rowv("i8x16.shuffle", "m2s", vec![a, a]));
            let idx = i8s([0, 15, 16, 31, 32, 127, -128, -1, 1, 2, 3, 4, 5, 6, 7, 8]);
            r.push(row("i8x16.swizzle", vec![a, idx]));
            r.push(rowv("i8x16.swizzle", "a1", vec![a, idx]));
            r.extend((0..CONSTS.len()).map(|j| rowv("v128.const", &format!("c{j}"), vec![])));
            r
        }),
        ("relaxed", {
            let a = v128(0xafae_adac_abaa_a9a8_a7a6_a5a4_a3a2_a1a0);
            let idx = i8s([0, 15, 16, 31, 32, 127, -128, -1, 1, 2, 3, 4, 5, 6, 7, 8]);
            // Bitselect and top-bit selection give different results on these.
            let sel_a = v128(u128::MAX / 255 * 0xaa);
            let sel_b = v128(u128::MAX / 255 * 0x55);
            vec![
                row("i8x16.relaxed_swizzle", vec![a, idx]),
                row(
                    "i32x4.relaxed_trunc_f32x4_s",
                    vec![f32s([CNAN, INF, NINF, 0x4f00_0000])],
                ),
                row(
                    "i32x4.relaxed_trunc_f32x4_u",
                    vec![f32s([CNAN, 0xbf80_0000, 0x4f80_0000, 0xbf7f_ffff])],
                ),
                row(
                    "i32x4.relaxed_trunc_f64x2_s_zero",
                    vec![f64s([CNAN64, 0x41e0_0000_0000_0000])],
                ),
                row(
                    "i32x4.relaxed_trunc_f64x2_u_zero",
                    vec![f64v([-1.0, 4294967296.0])],
                ),
                row(
                    "f32x4.relaxed_madd",
                    vec![
                        f32s([ONE_12; 4]),
                        f32s([ONE_12; 4]),
                        f32s([ONE_11 | NZ, ONE_11 | NZ, CNAN, 0]),
                    ],
                ),
                row(
                    "f32x4.relaxed_nmadd",
                    vec![
                        f32s([ONE_12; 4]),
                        f32s([ONE_12; 4]),
                        f32s([ONE_11, ONE_11, INF, 0]),
                    ],
                ),
                row(
                    "f64x2.relaxed_madd",
                    vec![
                        f64s([ONE_27; 2]),
                        f64s([ONE_27; 2]),
                        f64s([ONE_26 | F64_NEG, SNAN64]),
                    ],
                ),
                row(
                    "f64x2.relaxed_nmadd",
                    vec![f64s([ONE_27; 2]), f64s([ONE_27; 2]), f64s([ONE_26, 0])],
                ),
                row(
                    "i8x16.relaxed_laneselect",
                    vec![
                        sel_a,
                        sel_b,
                        i8s([
                            -128, 127, -1, 0, 1, -2, 0x0f, -16, 0, 0, 0, 0, -1, -1, -1, -1,
                        ]),
                    ],
                ),
                row(
                    "i16x8.relaxed_laneselect",
                    vec![
                        sel_a,
                        sel_b,
                        i16s([i16::MIN, i16::MAX, -1, 0, 0x80, 0x7f80, 0x00ff, -0x100]),
                    ],
                ),
                row(
                    "i32x4.relaxed_laneselect",
                    vec![sel_a, sel_b, i32s([i32::MIN, i32::MAX, -1, 0x8000])],
                ),
                row(
                    "i64x2.relaxed_laneselect",
                    vec![sel_a, sel_b, i64s([i64::MIN, 0x8000_0000])],
                ),
                row(
                    "f32x4.relaxed_min",
                    vec![
                        f32s([CNAN, NZ, 0, 0x3f80_0000]),
                        f32s([0x3f80_0000, 0, NZ, SNAN]),
                    ],
                ),
                row(
                    "f32x4.relaxed_max",
                    vec![
                        f32s([CNAN, NZ, 0, 0x3f80_0000]),
                        f32s([0x3f80_0000, 0, NZ, SNAN]),
                    ],
                ),
                row(
                    "f64x2.relaxed_min",
                    vec![f64s([NZ64, CNAN64]), f64s([0, 1])],
                ),
                row(
                    "f64x2.relaxed_max",
                    vec![f64s([NZ64, 1]), f64s([0, SNAN64])],
                ),
                row(
                    "i16x8.relaxed_q15mulr_s",
                    vec![
                        i16s([i16::MIN, i16::MIN, i16::MAX, 0x4000, -1, 1, 0x4000, -0x4000]),
                        i16s([i16::MIN, i16::MAX, i16::MAX, 0x4000, 1, 1, -0x4000, -0x4000]),
                    ],
                ),
                row(
                    "i16x8.relaxed_dot_i8x16_i7x16_s",
                    vec![
                        i8s([
                            -128, -128, -128, -128, 127, 127, -128, -128, 1, 0, -1, -1, 5, 6, 7, 8,
                        ]),
                        i8s([
                            -128, -128, 127, 127, 127, 127, -127, -127, -1, 0, -128, -128, 1, 2, 3,
                            4,
                        ]),
                    ],
                ),
                row(
                    "i32x4.relaxed_dot_i8x16_i7x16_add_s",
                    vec![
                        i8s([-128; 16]),
                        i8s([
                            -128, -128, -128, -128, -127, -127, -127, -127, 127, 127, 127, 127, 1,
                            2, 3, 4,
                        ]),
                        i32s([1, i32::MAX, i32::MIN, -1]),
                    ],
                ),
            ]
        }),
        (
            "mem_load",
            vec![
                mem("v128.load", 0, 0, 65520, None),
                mem("v128.load", 0, 0, 65521, None),
                mem("v128.load", 1, 0, 65517, None),
                mem("v128.load", 1, 0, 65518, None),
                mem("v128.load", 2, 0, 0, None),
                mem("v128.load", 2, 0, 1, None),
                mem("v128.load", 3, 0, 0, None),
                mem("v128.load8_splat", 0, 0, 65535, None),
                mem("v128.load8_splat", 0, 0, 65536, None),
                mem("v128.load16_splat", 0, 0, 65534, None),
                mem("v128.load16_splat", 0, 0, 65535, None),
                mem("v128.load32_splat", 0, 0, 65532, None),
                mem("v128.load32_splat", 0, 0, 65533, None),
                mem("v128.load64_splat", 0, 0, 65528, None),
                mem("v128.load64_splat", 0, 0, 65529, None),
                mem("v128.load32_zero", 0, 0, 65532, None),
                mem("v128.load32_zero", 0, 0, 65533, None),
                mem("v128.load64_zero", 0, 0, 65528, None),
                mem("v128.load64_zero", 0, 0, 65529, None),
                mem("v128.load8x8_s", 0, 0, 65528, None),
                mem("v128.load8x8_s", 0, 0, 65529, None),
                mem("v128.load8x8_u", 0, 0, 65528, None),
                mem("v128.load16x4_s", 0, 0, 65528, None),
                mem("v128.load16x4_u", 0, 0, 65528, None),
                mem("v128.load32x2_s", 0, 0, 65528, None),
                mem("v128.load32x2_u", 1, 0, 65525, None),
                mem("v128.load32x2_u", 1, 0, 65526, None),
                mem("v128.load64_splat", 3, 0, 0, None),
            ],
        ),
        (
            "mem_store_lane",
            vec![
                mem("v128.store", 0, 0, 65520, Some(VAL)),
                mem("v128.store", 0, 0, 65521, Some(VAL)),
                mem("v128.store", 2, 0, 1, Some(VAL)),
                mem("v128.store", 3, 0, 0, Some(VAL)),
                mem("v128.load8_lane", 0, 15, 65535, Some(VAL)),
                mem("v128.load8_lane", 0, 15, 65536, Some(VAL)),
                mem("v128.load16_lane", 0, 7, 65534, Some(VAL)),
                mem("v128.load16_lane", 0, 7, 65535, Some(VAL)),
                mem("v128.load32_lane", 0, 3, 65532, Some(VAL)),
                mem("v128.load32_lane", 1, 0, 65530, Some(VAL)),
                mem("v128.load64_lane", 0, 1, 65528, Some(VAL)),
                mem("v128.load64_lane", 0, 1, 65529, Some(VAL)),
                mem("v128.store8_lane", 0, 15, 65535, Some(VAL)),
                mem("v128.store8_lane", 0, 15, 65536, Some(VAL)),
                mem("v128.store16_lane", 0, 0, 65534, Some(VAL)),
                mem("v128.store16_lane", 0, 0, 65535, Some(VAL)),
                mem("v128.store32_lane", 0, 2, 65532, Some(VAL)),
                mem("v128.store32_lane", 2, 3, 13, Some(VAL)),
                mem("v128.store64_lane", 0, 1, 65528, Some(VAL)),
                mem("v128.store64_lane", 0, 1, 65529, Some(VAL)),
                mem("v128.store64_lane", 3, 0, 0, Some(VAL)),
            ],
        ),
    ]
}

/// fayasm's result as the table shows it.
fn fmt_out(op: &Op, o: &Out) -> String {
    let sh = op.out_shape();
    match o {
        Out::Trap(k) => format!("trap {k:?}"),
        Out::Ret(v) if v.is_empty() => "ok".into(),
        Out::Ret(v) => match v[0] {
            Value::V128(x) if op.nan_rule().is_some() => {
                let bits = sh.bits();
                let lanes: Vec<String> = (0..sh.lanes() as usize)
                    .map(|i| {
                        let l = super::relaxed::lane(x, bits, i);
                        let nan = if bits == 32 {
                            f32::from_bits(l as u32).is_nan()
                        } else {
                            f64::from_bits(l).is_nan()
                        };
                        if nan {
                            "nan".into()
                        } else {
                            format!("{:0w$x}", l, w = (bits / 4) as usize)
                        }
                    })
                    .collect();
                format!("{}[{}]", sh.name(), lanes.join(" "))
            }
            ref x => show(x, sh),
        },
    }
}

/// The table, one line per row, rows grouped by family.
pub fn table() -> String {
    let all: Vec<Op> = FAMILIES
        .iter()
        .flat_map(|(_, ops)| ops.iter().copied())
        .collect();
    let tables = Tables {
        masks: MASKS.to_vec(),
        consts: CONSTS.to_vec(),
    };
    let mut eng = Engines::new(&harness::module_wat(&all, &tables));
    let mut out = String::new();
    let mut failures = Vec::new();
    for (family, rows) in rows() {
        let _ = writeln!(out, "## {family}");
        for r in rows {
            let k = all
                .iter()
                .position(|o| o.name == r.op)
                .unwrap_or_else(|| panic!("no op {}", r.op));
            let op = all[k];
            let imm = match op.kind {
                Kind::Shuffle => Imm::Mask(MASKS[r.variant[1..2].parse::<usize>().unwrap()]),
                Kind::Const => Imm::Const(CONSTS[r.variant[1..].parse::<usize>().unwrap()]),
                Kind::Extract(_) | Kind::Replace(_) => {
                    Imm::Lane(r.variant[1..].trim_end_matches("a0").parse().unwrap())
                }
                Kind::Mem(_) => {
                    let (o, l) = r.variant[1..].split_once('l').unwrap();
                    Imm::Mem {
                        offset: MEM_OFFSETS[o.parse::<usize>().unwrap()],
                        lane: l.parse().unwrap(),
                    }
                }
                _ => Imm::None,
            };
            let mut inputs = r.args.clone();
            if r.variant == "s" || r.variant.ends_with('s') && op.kind == Kind::Shuffle {
                inputs = vec![r.args[0], r.args[0]];
            }
            if let Some(j) = r.variant.strip_prefix('k') {
                inputs.push(Value::I32(
                    harness::SHIFT_CONSTS[j.parse::<usize>().unwrap()],
                ));
            }
            let case = Case {
                op,
                func: harness::func_name(k, &r.variant),
                args: r.args.clone(),
                inputs: inputs.clone(),
                imm,
                fill: [0; 3],
            };
            // Memory rows start from a known state: ramps at both ends of memory.
            let is_mem = matches!(op.kind, Kind::Mem(_));
            if is_mem {
                for j in 0..3u32 {
                    for base in [0u32, 65536 - 48] {
                        let x = RAMP.wrapping_add(
                            u128::from(j) * 0x1010_1010_1010_1010_1010_1010_1010_1010,
                        );
                        let a = [Value::I32((base + 16 * j) as i32), Value::V128(x)];
                        let _ = eng.call("poke", &a);
                    }
                }
            }
            let (f, w) = eng.call(&case.func, &case.args);
            let mut st = OpStats::default();
            let agree = if is_mem {
                if f == w {
                    Ok(())
                } else {
                    Err(format!("fayasm {f} vs wasmtime {w}"))
                }
            } else {
                compare(&case, &f, &w, &mut st)
            };
            if let Err(e) = agree {
                failures.push(format!("{}: {e}", r.op));
            }
            let sh = op.in_shape();
            let mut line = op.name.to_string();
            match imm {
                Imm::Lane(l) => line += &format!(" {l}"),
                Imm::Mask(m) => line += &format!(" {m:?}"),
                Imm::Const(c) => line += &format!(" 0x{c:032x}"),
                Imm::Mem { offset, lane } => {
                    line += &format!(" offset={offset}");
                    if let Kind::Mem(m) = op.kind {
                        if m.lanes() > 1 {
                            line += &format!(" lane={lane}");
                        }
                    }
                }
                Imm::None => {}
            }
            if r.variant.starts_with('a') || r.variant.contains("a0") {
                line += &format!(
                    " (result over operand {})",
                    &r.variant[r.variant.len() - 1..]
                );
            }
            let shown: Vec<String> = inputs
                .iter()
                .map(|x| match (op.kind, x) {
                    (Kind::Mem(_), Value::I32(a)) => format!("addr={}", *a as u32),
                    _ => show(x, sh),
                })
                .collect();
            let _ = write!(line, " ({}) = {}", shown.join(", "), fmt_out(&op, &f));
            if is_mem {
                if let Kind::Mem(m) = op.kind {
                    if m.is_store() {
                        let peek = |eng: &mut Engines, a: u32| match eng
                            .call_fayasm("peek", &[Value::I32(a as i32)])
                        {
                            Out::Ret(v) => match v[0] {
                                Value::V128(x) => hex_lanes(x, Shape::I8x16),
                                _ => unreachable!(),
                            },
                            o => o.to_string(),
                        };
                        let lo = peek(&mut eng, 0);
                        let hi = peek(&mut eng, 65520);
                        let _ = write!(line, "; mem[0..16] = {lo}; mem[65520..] = {hi}");
                        for a in [0u32, 16, 65504, 65520] {
                            let (pf, pw) = eng.call("peek", &[Value::I32(a as i32)]);
                            if pf != pw {
                                failures.push(format!("{}: memory at {a} after the store: fayasm {pf} vs wasmtime {pw}", r.op));
                            }
                        }
                    }
                }
            }
            out.push_str(&line);
            out.push('\n');
        }
    }
    assert!(
        failures.is_empty(),
        "fayasm and wasmtime disagree:\n{}",
        failures.join("\n")
    );
    out
}
