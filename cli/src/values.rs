//! Typed values on the command line (`i32:7`, `f64:3`) and printing of values and types.

use fayasm::{ExternType, FuncType, Val, ValType};

fn list(types: &[ValType]) -> String {
    types
        .iter()
        .map(|t| t.name())
        .collect::<Vec<_>>()
        .join(", ")
}

/// `(i32, i32) -> i32`; no results print as `()`, several as a parenthesised list.
pub fn signature(ty: &FuncType) -> String {
    let results = match ty.results() {
        [one] => one.name().to_string(),
        many => format!("({})", list(many)),
    };
    format!("({}) -> {results}", list(ty.params()))
}

fn limits(min: u64, max: Option<u64>) -> String {
    match max {
        Some(max) => format!("{min}..={max}"),
        None => format!("{min}.."),
    }
}

/// One line describing an import or export type.
pub fn extern_type(ty: &ExternType) -> String {
    match ty {
        ExternType::Func(f) => format!("func {}", signature(f)),
        ExternType::Memory(m) => {
            let bits = if m.memory64 { " (memory64)" } else { "" };
            format!("memory pages {}{bits}", limits(m.min, m.max))
        }
        ExternType::Table(t) => {
            format!(
                "table {} elements {}",
                ValType::from(t.element).name(),
                limits(t.min, t.max)
            )
        }
        ExternType::Global(g) => {
            format!(
                "global {}{}",
                if g.mutable { "mut " } else { "" },
                g.content.name()
            )
        }
        ExternType::Tag(t) => {
            let params: Vec<&str> = t.params().iter().map(|p| p.name()).collect();
            format!("tag ({})", params.join(", "))
        }
    }
}

/// Parse argument `text` for a parameter of type `ty`. `TYPE:VALUE` must name `ty`; a bare
/// `VALUE` is read as `ty`. Integers may be decimal (signed or unsigned) or `0x` hex bits.
pub fn parse(text: &str, ty: ValType) -> Result<Val, String> {
    let (value, named) = match text.split_once(':') {
        Some((t, v)) => (v, Some(t)),
        None => (text, None),
    };
    if let Some(named) = named {
        if named != ty.name() {
            return Err(format!("expected {}, got `{text}`", ty.name()));
        }
    }
    let bad = || format!("cannot parse `{text}` as {}", ty.name());
    let hex = |v: &str| {
        v.strip_prefix("0x")
            .or_else(|| v.strip_prefix("0X"))
            .map(str::to_string)
    };
    Ok(match ty {
        ValType::I32 => Val::I32(match hex(value) {
            Some(h) => u32::from_str_radix(&h, 16).map_err(|_| bad())? as i32,
            None => value
                .parse::<i32>()
                .or_else(|_| value.parse::<u32>().map(|v| v as i32))
                .map_err(|_| bad())?,
        }),
        ValType::I64 => Val::I64(match hex(value) {
            Some(h) => u64::from_str_radix(&h, 16).map_err(|_| bad())? as i64,
            None => value
                .parse::<i64>()
                .or_else(|_| value.parse::<u64>().map(|v| v as i64))
                .map_err(|_| bad())?,
        }),
        ValType::F32 => Val::F32(value.parse::<f32>().map_err(|_| bad())?.to_bits()),
        ValType::F64 => Val::F64(value.parse::<f64>().map_err(|_| bad())?.to_bits()),
        ValType::V128 => {
            Val::V128(u128::from_str_radix(&hex(value).ok_or_else(bad)?, 16).map_err(|_| bad())?)
        }
        ValType::FuncRef | ValType::ExternRef | ValType::Ref(_) => {
            return Err(format!(
                "{} arguments cannot be given on the command line",
                ty.name()
            ))
        }
    })
}

/// A value as `result[i] (TYPE): VALUE` prints it.
pub fn format(v: &Val) -> String {
    match *v {
        Val::I32(x) => x.to_string(),
        Val::I64(x) => x.to_string(),
        Val::F32(bits) => float(
            f32::from_bits(bits).to_string(),
            f32::from_bits(bits).is_nan(),
            bits as u64,
        ),
        Val::F64(bits) => float(
            f64::from_bits(bits).to_string(),
            f64::from_bits(bits).is_nan(),
            bits,
        ),
        Val::V128(x) => format!("0x{x:032x}"),
        Val::FuncRef(None) | Val::ExternRef(None) | Val::ExnRef(None) | Val::AnyRef(None) => {
            "null".to_string()
        }
        Val::AnyRef(Some(a)) => match a.as_i31() {
            Some(v) => format!("i31 {v}"),
            None => format!("{a:?}"),
        },
        Val::ExnRef(Some(e)) => format!("{e:?}"),
        Val::FuncRef(Some(f)) => format!("{f:?}"),
        Val::ExternRef(Some(e)) => format!("extern {}", e.value()),
    }
}

/// NaNs also show their bits, since payloads differ.
fn float(text: String, nan: bool, bits: u64) -> String {
    if nan {
        format!("{text} (bits 0x{bits:x})")
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_and_bare_values() {
        assert_eq!(parse("i32:7", ValType::I32), Ok(Val::I32(7)));
        assert_eq!(parse("-7", ValType::I32), Ok(Val::I32(-7)));
        assert_eq!(parse("i32:4294967295", ValType::I32), Ok(Val::I32(-1)));
        assert_eq!(parse("i64:0xff", ValType::I64), Ok(Val::I64(255)));
        assert_eq!(
            parse("f32:1.5", ValType::F32),
            Ok(Val::F32(1.5f32.to_bits()))
        );
        assert_eq!(parse("f64:3", ValType::F64), Ok(Val::F64(3f64.to_bits())));
        assert!(parse("i32:1.5", ValType::I32)
            .unwrap_err()
            .contains("cannot parse"));
        assert!(parse("f32:1.5", ValType::I32)
            .unwrap_err()
            .contains("expected i32"));
        assert_eq!(format(&Val::F64(3f64.to_bits())), "3");
        assert_eq!(
            format(&Val::F32(f32::NAN.to_bits())),
            "NaN (bits 0x7fc00000)"
        );
    }
}
