//! `fayasm inspect`: sections, imports, exports, function signatures, and microcode.

use std::collections::BTreeMap;
use std::io::{BufWriter, Write};

use fayasm::{ExternType, FuncType, Module, ValType};
use wasmparser::{KnownCustom, Name, Parser, Payload};

use crate::values::{extern_type, signature};
use crate::{read_module, usage, Failure, InspectArgs};

/// What the engine's `Module` does not expose: the section table and function names.
struct Layout {
    /// (section name, byte range, item count)
    sections: Vec<(String, std::ops::Range<u64>, Option<u32>)>,
    /// Type index of every function, imported first.
    func_types: Vec<FuncType>,
    /// Function names from the `name` section.
    names: BTreeMap<u32, String>,
    /// Export names of each exported function.
    exports: BTreeMap<u32, Vec<String>>,
}

fn val_type(t: wasmparser::ValType) -> ValType {
    match t {
        wasmparser::ValType::I32 => ValType::I32,
        wasmparser::ValType::I64 => ValType::I64,
        wasmparser::ValType::F32 => ValType::F32,
        wasmparser::ValType::F64 => ValType::F64,
        wasmparser::ValType::V128 => ValType::V128,
        wasmparser::ValType::Ref(r) if r.is_extern_ref() => ValType::ExternRef,
        wasmparser::ValType::Ref(_) => ValType::FuncRef,
    }
}

/// Read the layout of an already validated module.
fn layout(bytes: &[u8]) -> Result<Layout, wasmparser::BinaryReaderError> {
    let mut out = Layout {
        sections: Vec::new(),
        func_types: Vec::new(),
        names: BTreeMap::new(),
        exports: BTreeMap::new(),
    };
    let mut types: Vec<FuncType> = Vec::new();
    let mut section = |name: &str, range: std::ops::Range<u64>, count: Option<u32>| {
        out.sections.push((name.to_string(), range, count));
    };
    let mut type_indices: Vec<u32> = Vec::new();
    let mut names = BTreeMap::new();
    let mut exports: BTreeMap<u32, Vec<String>> = BTreeMap::new();
    for payload in Parser::new(0).parse_all(bytes) {
        match payload? {
            Payload::TypeSection(r) => {
                section("type", r.range(), Some(r.count()));
                for rec in r {
                    for sub in rec?.into_types() {
                        if let wasmparser::CompositeInnerType::Func(f) = &sub.composite_type.inner {
                            types.push(FuncType::new(
                                f.params().iter().map(|t| val_type(*t)),
                                f.results().iter().map(|t| val_type(*t)),
                            ));
                        }
                    }
                }
            }
            Payload::ImportSection(r) => {
                section("import", r.range(), Some(r.count()));
                for imp in r.into_imports() {
                    if let wasmparser::TypeRef::Func(t) | wasmparser::TypeRef::FuncExact(t) =
                        imp?.ty
                    {
                        type_indices.push(t);
                    }
                }
            }
            Payload::FunctionSection(r) => {
                section("function", r.range(), Some(r.count()));
                for t in r {
                    type_indices.push(t?);
                }
            }
            Payload::TableSection(r) => section("table", r.range(), Some(r.count())),
            Payload::MemorySection(r) => section("memory", r.range(), Some(r.count())),
            Payload::TagSection(r) => section("tag", r.range(), Some(r.count())),
            Payload::GlobalSection(r) => section("global", r.range(), Some(r.count())),
            Payload::ExportSection(r) => {
                section("export", r.range(), Some(r.count()));
                for e in r {
                    let e = e?;
                    if let wasmparser::ExternalKind::Func | wasmparser::ExternalKind::FuncExact =
                        e.kind
                    {
                        exports.entry(e.index).or_default().push(e.name.to_string());
                    }
                }
            }
            Payload::StartSection { range, .. } => section("start", range, None),
            Payload::ElementSection(r) => section("element", r.range(), Some(r.count())),
            Payload::DataCountSection { range, count } => section("datacount", range, Some(count)),
            Payload::DataSection(r) => section("data", r.range(), Some(r.count())),
            Payload::CodeSectionStart {
                unchecked_range: range,
                count,
                ..
            } => section("code", range, Some(count)),
            Payload::CustomSection(r) => {
                section(&format!("custom \"{}\"", r.name()), r.range(), None);
                if let KnownCustom::Name(names_reader) = r.as_known() {
                    // A malformed name section is ignored, as engines do.
                    for name in names_reader.into_iter().flatten() {
                        if let Name::Function(map) = name {
                            for naming in map.into_iter().flatten() {
                                names.insert(naming.index, naming.name.to_string());
                            }
                        }
                    }
                }
            }
            _ => {}
        }
    }
    out.func_types = type_indices
        .iter()
        .map(|&t| types[t as usize].clone())
        .collect();
    out.names = names;
    out.exports = exports;
    Ok(out)
}

pub fn inspect(args: &InspectArgs) -> Result<(), Failure> {
    let engine = fayasm::Engine::new(args.engine.config()?);
    let limit = args.engine.max_module_size()?;
    let (bytes, module) = read_module(&engine, &args.file, limit)?;
    let layout = layout(&bytes).map_err(|e| usage(format!("`{}`: {e}", args.file)))?;
    let mut out = BufWriter::new(std::io::stdout().lock());
    match &args.microcode {
        Some(func) => microcode(&mut out, &module, &layout, func)?,
        None => print_summary(&mut out, &args.file, bytes.len(), &module, &layout)?,
    }
    out.flush()?;
    Ok(())
}

fn print_summary(
    out: &mut impl Write,
    file: &str,
    size: usize,
    module: &Module,
    layout: &Layout,
) -> std::io::Result<()> {
    writeln!(out, "module {file}: {size} bytes")?;
    writeln!(out, "sections:")?;
    for (name, range, count) in &layout.sections {
        let count = count.map(|c| format!(", count {c}")).unwrap_or_default();
        writeln!(
            out,
            "  {name:<12} at 0x{:06x}, {} bytes{count}",
            range.start,
            range.end - range.start
        )?;
    }
    let imports: Vec<_> = module.imports().collect();
    writeln!(out, "imports: {}", imports.len())?;
    for i in &imports {
        writeln!(out, "  {}::{}: {}", i.module, i.name, extern_type(&i.ty))?;
    }
    let exports: Vec<_> = module.exports().collect();
    writeln!(out, "exports: {}", exports.len())?;
    for e in &exports {
        writeln!(out, "  {}: {}", e.name, extern_type(&e.ty))?;
    }
    let imported: Vec<_> = imports
        .iter()
        .filter(|i| matches!(i.ty, ExternType::Func(_)))
        .collect();
    writeln!(
        out,
        "functions: {} ({} imported)",
        layout.func_types.len(),
        imported.len()
    )?;
    for (index, ty) in layout.func_types.iter().enumerate() {
        let mut label: Vec<String> = layout
            .names
            .get(&(index as u32))
            .map(|n| format!("${n}"))
            .into_iter()
            .collect();
        if let Some(i) = imported.get(index) {
            label.push(format!("import {}::{}", i.module, i.name));
        }
        for e in layout.exports.get(&(index as u32)).into_iter().flatten() {
            label.push(format!("export {e:?}"));
        }
        label.push(signature(ty));
        writeln!(out, "  [{index}] {}", label.join(" "))?;
    }
    Ok(())
}

/// The function index `func` names: an export name, a `name`-section name (with or without
/// `$`) or a number.
fn find_func(layout: &Layout, func: &str) -> Option<u32> {
    if let Some((&i, _)) = layout
        .exports
        .iter()
        .find(|(_, names)| names.iter().any(|n| n == func))
    {
        return Some(i);
    }
    if let Ok(i) = func.parse::<u32>() {
        return ((i as usize) < layout.func_types.len()).then_some(i);
    }
    let bare = func.strip_prefix('$').unwrap_or(func);
    layout
        .names
        .iter()
        .find(|(_, n)| *n == bare)
        .map(|(&i, _)| i)
}

/// Print the microcode of `func`, translated from the module alone: nothing is instantiated,
/// so no memory is allocated, no segment applied and no start function run.
fn microcode(
    out: &mut impl Write,
    module: &Module,
    layout: &Layout,
    func: &str,
) -> Result<(), Failure> {
    let index = find_func(layout, func).ok_or_else(|| {
        usage(format!(
            "no function `{func}` (give an export name, a `name`-section name or an index)"
        ))
    })?;
    let code = module
        .translate_function(index)
        .map_err(|e| usage(e.to_string()))?;
    let name = layout
        .names
        .get(&index)
        .map(|n| format!(" ${n}"))
        .unwrap_or_default();
    let Some(code) = code else {
        return Err(usage(format!(
            "function [{index}]{name} is an import: it has no microcode"
        )));
    };
    let ty = &layout.func_types[index as usize];
    writeln!(out, "func [{index}]{name} {}", signature(ty))?;
    write!(out, "{code}")?;
    Ok(())
}
