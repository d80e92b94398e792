//! Engine-neutral values and traps, and the comparison rules the runner uses:
//! script argument -> [`Value`], [`Value`] against a script expectation, and [`Value`] of the
//! engine under test against the [`Value`] of the oracle.

use std::fmt;

use wast::core::{AbstractHeapType, HeapType, NanPattern, V128Pattern, WastArgCore, WastRetCore};
use wast::{WastArg, WastRet};

/// A function reference's identity is private to each engine, so only null-ness crosses the
/// boundary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpaqueFunc;

/// A value as the runner sees it, independent of the engine that produced it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Value {
    I32(i32),
    I64(i64),
    /// Raw bits.
    F32(u32),
    /// Raw bits.
    F64(u64),
    V128(u128),
    FuncRef(Option<OpaqueFunc>),
    /// The payload of `(ref.extern N)` (and of `(ref.host N)`, which fayasm has no separate
    /// type for).
    ExternRef(Option<u32>),
    /// An `exnref`: only whether it is null crosses the boundary (`true`: not null).
    ExnRef(bool),
    /// An `anyref` (GC) and its subtypes.
    AnyRef(Option<AnyValue>),
    /// A non-null `externref` that is a GC value converted with `extern.convert_any`.
    ExternAny(AnyValue),
}

/// What a non-null GC reference is, as far as it can be compared across engines: an `i31`'s
/// value, whether a struct or an array (their identity is private to each engine), or the
/// payload of a host reference converted with `any.convert_extern`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnyValue {
    /// The 31 bits, zero-extended.
    I31(u32),
    Struct,
    Array,
    Host(u32),
}

impl fmt::Display for AnyValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            AnyValue::I31(v) => write!(f, "(ref.i31 {v})"),
            AnyValue::Struct => write!(f, "(ref.struct)"),
            AnyValue::Array => write!(f, "(ref.array)"),
            AnyValue::Host(n) => write!(f, "(ref.host {n})"),
        }
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Value::I32(v) => write!(f, "(i32.const {v})"),
            Value::I64(v) => write!(f, "(i64.const {v})"),
            Value::F32(b) => write!(f, "(f32.const {} (bits {b:#010x}))", f32::from_bits(b)),
            Value::F64(b) => write!(f, "(f64.const {} (bits {b:#018x}))", f64::from_bits(b)),
            Value::V128(v) => write!(
                f,
                "(v128.const i64x2 {:#x} {:#x})",
                v as u64,
                (v >> 64) as u64
            ),
            Value::FuncRef(None) => write!(f, "(ref.null func)"),
            Value::FuncRef(Some(_)) => write!(f, "(ref.func)"),
            Value::ExternRef(None) => write!(f, "(ref.null extern)"),
            Value::ExternRef(Some(n)) => write!(f, "(ref.extern {n})"),
            Value::ExnRef(false) => write!(f, "(ref.null exn)"),
            Value::ExnRef(true) => write!(f, "(ref.exn)"),
            Value::AnyRef(None) => write!(f, "(ref.null any)"),
            Value::AnyRef(Some(a)) => write!(f, "{a}"),
            Value::ExternAny(a) => write!(f, "(extern.convert_any {a})"),
        }
    }
}

/// Formats a list of values for messages.
pub fn show_values(values: &[Value]) -> String {
    let parts: Vec<String> = values.iter().map(ToString::to_string).collect();
    format!("[{}]", parts.join(" "))
}

/// Engine-neutral trap classification.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrapKind {
    Unreachable,
    MemoryOutOfBounds,
    /// Table index out of bounds, including `call_indirect` past the end ("undefined element").
    TableOutOfBounds,
    /// `call_indirect` to a null entry ("uninitialized element").
    IndirectCallToNull,
    BadSignature,
    IntegerOverflow,
    IntegerDivisionByZero,
    BadConversionToInteger,
    StackOverflow,
    OutOfFuel,
    /// `call_ref`, `return_call_ref` or `ref.as_non_null` on null ("null function
    /// reference", "null reference").
    NullReference,
    Host,
    /// A wasm exception no handler caught (`assert_exception`).
    Exception,
    /// `ref.cast` to a type the reference is not of ("cast failure", GC).
    CastFailure,
    /// A struct or array access out of bounds ("out of bounds array access", GC).
    ArrayOutOfBounds,
    /// An atomic access at an address not a multiple of its size ("unaligned atomic").
    UnalignedAtomic,
    /// `memory.atomic.wait*` on a memory that is not shared.
    AtomicWaitNonSharedMemory,
    Other,
}

/// A trap as reported by one engine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trapped {
    pub kind: TrapKind,
    pub message: String,
}

impl fmt::Display for Trapped {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "trap `{}` ({:?})", self.message, self.kind)
    }
}

/// The trap kind a spec-test message stands for, if it is one the runner knows.
pub fn expected_trap_kind(message: &str) -> Option<TrapKind> {
    let m = message.trim();
    let kind = if m.starts_with("unreachable") {
        TrapKind::Unreachable
    } else if m.starts_with("integer divide by zero") {
        TrapKind::IntegerDivisionByZero
    } else if m.starts_with("integer overflow") {
        TrapKind::IntegerOverflow
    } else if m.starts_with("invalid conversion to integer") {
        TrapKind::BadConversionToInteger
    } else if m.starts_with("out of bounds memory access")
        || m.contains("memory access out of bounds")
    {
        TrapKind::MemoryOutOfBounds
    } else if m.starts_with("undefined element") || m.starts_with("out of bounds table access") {
        TrapKind::TableOutOfBounds
    } else if m.starts_with("uninitialized") {
        TrapKind::IndirectCallToNull
    } else if m.starts_with("indirect call type mismatch") {
        TrapKind::BadSignature
    } else if m.starts_with("call stack exhausted") {
        TrapKind::StackOverflow
    } else if m.starts_with("null function reference")
        || m.starts_with("null reference")
        || m.starts_with("null i31 reference")
        || m.starts_with("null structure reference")
        || m.starts_with("null array reference")
    {
        TrapKind::NullReference
    } else if m.starts_with("cast failure") {
        TrapKind::CastFailure
    } else if m.starts_with("out of bounds array access") {
        TrapKind::ArrayOutOfBounds
    } else if m.starts_with("unaligned atomic") {
        TrapKind::UnalignedAtomic
    } else {
        return None;
    };
    Some(kind)
}

/// Checks a trap against the message of `assert_trap` / `assert_exhaustion`.
pub fn check_trap(expected: &str, actual: &Trapped) -> Result<(), String> {
    let ok = match expected_trap_kind(expected) {
        Some(kind) => kind == actual.kind,
        None => actual.message.contains(expected),
    };
    if ok {
        Ok(())
    } else {
        Err(format!("expected trap `{expected}`, got {actual}"))
    }
}

/// Converts a script argument.
pub fn arg_value(arg: &WastArg<'_>) -> Result<Value, String> {
    let WastArg::Core(core) = arg else {
        return Err("component-model argument".to_string());
    };
    Ok(match core {
        WastArgCore::I32(v) => Value::I32(*v),
        WastArgCore::I64(v) => Value::I64(*v),
        WastArgCore::F32(v) => Value::F32(v.bits),
        WastArgCore::F64(v) => Value::F64(v.bits),
        WastArgCore::V128(v) => Value::V128(u128::from_le_bytes(v.to_le_bytes())),
        WastArgCore::RefNull(ht) => match null_kind(ht) {
            Some(NullKind::Func) => Value::FuncRef(None),
            Some(NullKind::Extern) => Value::ExternRef(None),
            Some(NullKind::Exn) => Value::ExnRef(false),
            Some(NullKind::Any) => Value::AnyRef(None),
            None => return Err(format!("unsupported argument (ref.null {ht:?})")),
        },
        WastArgCore::RefExtern(n) => Value::ExternRef(Some(*n)),
        WastArgCore::RefHost(n) => Value::ExternRef(Some(*n)),
    })
}

enum NullKind {
    Func,
    Extern,
    Exn,
    Any,
}

fn null_kind(ht: &HeapType<'_>) -> Option<NullKind> {
    match ht {
        HeapType::Abstract {
            shared: false,
            ty: AbstractHeapType::Func | AbstractHeapType::NoFunc,
        } => Some(NullKind::Func),
        HeapType::Abstract {
            shared: false,
            ty: AbstractHeapType::Extern | AbstractHeapType::NoExtern,
        } => Some(NullKind::Extern),
        HeapType::Abstract {
            shared: false,
            ty: AbstractHeapType::Exn | AbstractHeapType::NoExn,
        } => Some(NullKind::Exn),
        HeapType::Abstract {
            shared: false,
            ty:
                AbstractHeapType::Any
                | AbstractHeapType::Eq
                | AbstractHeapType::I31
                | AbstractHeapType::Struct
                | AbstractHeapType::Array
                | AbstractHeapType::None,
        } => Some(NullKind::Any),
        _ => None,
    }
}

fn f32_nan_ok(p: &NanPattern<wast::token::F32>, bits: u32) -> bool {
    match p {
        NanPattern::CanonicalNan => bits & 0x7fff_ffff == 0x7fc0_0000,
        NanPattern::ArithmeticNan => bits & 0x7fc0_0000 == 0x7fc0_0000,
        NanPattern::Value(v) => v.bits == bits,
    }
}

fn f64_nan_ok(p: &NanPattern<wast::token::F64>, bits: u64) -> bool {
    match p {
        NanPattern::CanonicalNan => bits & 0x7fff_ffff_ffff_ffff == 0x7ff8_0000_0000_0000,
        NanPattern::ArithmeticNan => bits & 0x7ff8_0000_0000_0000 == 0x7ff8_0000_0000_0000,
        NanPattern::Value(v) => v.bits == bits,
    }
}

fn v128_ok(p: &V128Pattern, v: u128) -> bool {
    let b = v.to_le_bytes();
    match p {
        V128Pattern::I8x16(l) => l.iter().enumerate().all(|(i, x)| *x as u8 == b[i]),
        V128Pattern::I16x8(l) => l
            .iter()
            .enumerate()
            .all(|(i, x)| *x as u16 == u16::from_le_bytes([b[2 * i], b[2 * i + 1]])),
        V128Pattern::I32x4(l) => l.iter().enumerate().all(|(i, x)| *x as u32 == lane32(v, i)),
        V128Pattern::I64x2(l) => l.iter().enumerate().all(|(i, x)| *x as u64 == lane64(v, i)),
        V128Pattern::F32x4(l) => l
            .iter()
            .enumerate()
            .all(|(i, p)| f32_nan_ok(p, lane32(v, i))),
        V128Pattern::F64x2(l) => l
            .iter()
            .enumerate()
            .all(|(i, p)| f64_nan_ok(p, lane64(v, i))),
    }
}

fn lane32(v: u128, i: usize) -> u32 {
    (v >> (32 * i)) as u32
}

fn lane64(v: u128, i: usize) -> u64 {
    (v >> (64 * i)) as u64
}

/// Checks one result against one expectation of `assert_return`.
pub fn check_ret(expected: &WastRet<'_>, actual: &Value) -> Result<(), String> {
    let WastRet::Core(core) = expected else {
        return Err("component-model result pattern is unsupported".to_string());
    };
    check_ret_core(core, actual)
}

fn check_ret_core(expected: &WastRetCore<'_>, actual: &Value) -> Result<(), String> {
    let ok = match (expected, actual) {
        (WastRetCore::I32(e), Value::I32(a)) => e == a,
        (WastRetCore::I64(e), Value::I64(a)) => e == a,
        (WastRetCore::F32(p), Value::F32(a)) => f32_nan_ok(p, *a),
        (WastRetCore::F64(p), Value::F64(a)) => f64_nan_ok(p, *a),
        (WastRetCore::V128(p), Value::V128(a)) => v128_ok(p, *a),
        (
            WastRetCore::RefNull(None),
            Value::FuncRef(None)
            | Value::ExternRef(None)
            | Value::ExnRef(false)
            | Value::AnyRef(None),
        ) => true,
        (WastRetCore::RefNull(Some(ht)), a) => match null_kind(ht) {
            Some(NullKind::Func) => *a == Value::FuncRef(None),
            Some(NullKind::Extern) => *a == Value::ExternRef(None),
            Some(NullKind::Exn) => *a == Value::ExnRef(false),
            Some(NullKind::Any) => *a == Value::AnyRef(None),
            None => return Err(format!("unsupported result pattern (ref.null {ht:?})")),
        },
        (WastRetCore::RefExtern(None), Value::ExternRef(Some(_)) | Value::ExternAny(_)) => true,
        (WastRetCore::RefExtern(Some(e)), Value::ExternRef(Some(a))) => e == a,
        (WastRetCore::RefHost(e), Value::ExternRef(Some(a))) => e == a,
        (WastRetCore::RefHost(e), Value::AnyRef(Some(AnyValue::Host(a)))) => e == a,
        (WastRetCore::RefAny, Value::AnyRef(Some(_))) => true,
        (
            WastRetCore::RefEq,
            Value::AnyRef(Some(AnyValue::I31(_) | AnyValue::Struct | AnyValue::Array)),
        ) => true,
        (WastRetCore::RefI31, Value::AnyRef(Some(AnyValue::I31(_)))) => true,
        (WastRetCore::RefStruct, Value::AnyRef(Some(AnyValue::Struct))) => true,
        (WastRetCore::RefArray, Value::AnyRef(Some(AnyValue::Array))) => true,
        // Identity of a function reference is not observable across the API; non-null is what
        // can be checked.
        (WastRetCore::RefFunc(_), Value::FuncRef(Some(_))) => true,
        (WastRetCore::Either(cases), a) => cases.iter().any(|c| check_ret_core(c, a).is_ok()),
        (WastRetCore::RefI31Shared, _) => {
            return Err(format!(
                "unsupported result pattern {expected:?} (shared GC)"
            ))
        }
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err(format!("expected {}, got {actual}", show_pattern(expected)))
    }
}

fn show_pattern(p: &WastRetCore<'_>) -> String {
    match p {
        WastRetCore::I32(v) => format!("(i32.const {v})"),
        WastRetCore::I64(v) => format!("(i64.const {v})"),
        WastRetCore::F32(NanPattern::Value(v)) => format!("(f32.const bits {:#010x})", v.bits),
        WastRetCore::F64(NanPattern::Value(v)) => format!("(f64.const bits {:#018x})", v.bits),
        WastRetCore::F32(NanPattern::CanonicalNan) => "(f32.const nan:canonical)".into(),
        WastRetCore::F32(NanPattern::ArithmeticNan) => "(f32.const nan:arithmetic)".into(),
        WastRetCore::F64(NanPattern::CanonicalNan) => "(f64.const nan:canonical)".into(),
        WastRetCore::F64(NanPattern::ArithmeticNan) => "(f64.const nan:arithmetic)".into(),
        other => format!("{other:?}"),
    }
}

/// Checks all results of `assert_return`.
pub fn check_rets(expected: &[WastRet<'_>], actual: &[Value]) -> Result<(), String> {
    if expected.len() != actual.len() {
        return Err(format!(
            "expected {} results, got {}: {}",
            expected.len(),
            actual.len(),
            show_values(actual)
        ));
    }
    for (i, (e, a)) in expected.iter().zip(actual).enumerate() {
        check_ret(e, a).map_err(|m| format!("result {i}: {m}"))?;
    }
    Ok(())
}

fn is_nan32(b: u32) -> bool {
    f32::from_bits(b).is_nan()
}

fn is_nan64(b: u64) -> bool {
    f64::from_bits(b).is_nan()
}

/// Do the engine under test and the oracle agree on one value? Bits must be equal, except that
/// two NaNs agree (when the script expects a NaN class, both must be of that class); function
/// references agree on null-ness, extern references on their payload.
pub fn values_agree(a: &Value, b: &Value, expected: Option<&WastRet<'_>>) -> bool {
    let core = match expected {
        Some(WastRet::Core(c)) => Some(c),
        _ => None,
    };
    match (a, b) {
        (Value::F32(x), Value::F32(y)) if is_nan32(*x) && is_nan32(*y) => match core {
            Some(WastRetCore::F32(p)) => f32_nan_ok(p, *x) == f32_nan_ok(p, *y),
            _ => true,
        },
        (Value::F64(x), Value::F64(y)) if is_nan64(*x) && is_nan64(*y) => match core {
            Some(WastRetCore::F64(p)) => f64_nan_ok(p, *x) == f64_nan_ok(p, *y),
            _ => true,
        },
        (Value::V128(x), Value::V128(y)) => match core {
            Some(WastRetCore::V128(V128Pattern::F32x4(ps))) => (0..4).all(|i| {
                let (l, r) = (lane32(*x, i), lane32(*y, i));
                l == r
                    || (is_nan32(l)
                        && is_nan32(r)
                        && f32_nan_ok(&ps[i], l) == f32_nan_ok(&ps[i], r))
            }),
            Some(WastRetCore::V128(V128Pattern::F64x2(ps))) => (0..2).all(|i| {
                let (l, r) = (lane64(*x, i), lane64(*y, i));
                l == r
                    || (is_nan64(l)
                        && is_nan64(r)
                        && f64_nan_ok(&ps[i], l) == f64_nan_ok(&ps[i], r))
            }),
            _ => x == y,
        },
        _ => a == b,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trap_messages_map_to_kinds() {
        assert_eq!(
            expected_trap_kind("undefined element"),
            Some(TrapKind::TableOutOfBounds)
        );
        assert_eq!(
            expected_trap_kind("uninitialized element 2"),
            Some(TrapKind::IndirectCallToNull)
        );
        assert_eq!(
            expected_trap_kind("out of bounds memory access"),
            Some(TrapKind::MemoryOutOfBounds)
        );
        assert_eq!(expected_trap_kind("something new"), None);
    }

    #[test]
    fn nans_agree_by_class() {
        let canon = Value::F32(0x7fc0_0000);
        let other = Value::F32(0x7fc0_0001);
        assert!(values_agree(&canon, &other, None));
        assert!(!values_agree(&Value::F32(1), &Value::F32(2), None));
        assert!(values_agree(
            &Value::FuncRef(Some(OpaqueFunc)),
            &Value::FuncRef(Some(OpaqueFunc)),
            None
        ));
        assert!(!values_agree(
            &Value::FuncRef(None),
            &Value::FuncRef(Some(OpaqueFunc)),
            None
        ));
    }
}
