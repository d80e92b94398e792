//! `fayasm inspect`: sections, imports, exports, function signatures, and microcode.

use std::collections::BTreeMap;

use fayasm::{
    ExternType, FuncType, Global, Linker, Memory, Module, Store, Table, Trap, Val, ValType,
};
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
    let engine = args.engine.engine()?;
    let (bytes, module) = read_module(&engine, &args.file)?;
    let layout = layout(&bytes).map_err(|e| usage(format!("`{}`: {e}", args.file)))?;
    match &args.microcode {
        Some(func) => microcode(&engine, &module, &layout, func),
        None => {
            print_summary(&args.file, bytes.len(), &module, &layout);
            Ok(())
        }
    }
}

fn print_summary(file: &str, size: usize, module: &Module, layout: &Layout) {
    println!("module {file}: {size} bytes");
    println!("sections:");
    for (name, range, count) in &layout.sections {
        let count = count.map(|c| format!(", count {c}")).unwrap_or_default();
        println!(
            "  {name:<12} at 0x{:06x}, {} bytes{count}",
            range.start,
            range.end - range.start
        );
    }
    let imports: Vec<_> = module.imports().collect();
    println!("imports: {}", imports.len());
    for i in &imports {
        println!("  {}::{}: {}", i.module, i.name, extern_type(&i.ty));
    }
    let exports: Vec<_> = module.exports().collect();
    println!("exports: {}", exports.len());
    for e in &exports {
        println!("  {}: {}", e.name, extern_type(&e.ty));
    }
    let imported = imports
        .iter()
        .filter(|i| matches!(i.ty, ExternType::Func(_)))
        .count();
    println!(
        "functions: {} ({imported} imported)",
        layout.func_types.len()
    );
    let mut import_names = imports
        .iter()
        .filter(|i| matches!(i.ty, ExternType::Func(_)));
    for (index, ty) in layout.func_types.iter().enumerate() {
        let mut label: Vec<String> = layout
            .names
            .get(&(index as u32))
            .map(|n| format!("${n}"))
            .into_iter()
            .collect();
        if index < imported {
            let i = import_names
                .next()
                .expect("one import per imported function");
            label.push(format!("import {}::{}", i.module, i.name));
        }
        for e in layout.exports.get(&(index as u32)).into_iter().flatten() {
            label.push(format!("export {e:?}"));
        }
        label.push(signature(ty));
        println!("  [{index}] {}", label.join(" "));
    }
}

/// The function index `func` names: a `name`-section name (with or without `$`) or a number.
fn find_func(layout: &Layout, func: &str) -> Option<u32> {
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

/// Define a stand-in for every import so the module can be instantiated just to translate it.
/// Stub functions trap; a start function that calls one fails instantiation.
fn stub_imports(store: &mut Store<()>, module: &Module) -> Result<Linker<()>, fayasm::Error> {
    let mut linker = Linker::new();
    for imp in module.imports() {
        let (m, n) = (imp.module.clone(), imp.name.clone());
        match imp.ty {
            ExternType::Func(ty) => {
                let f = fayasm::Func::new(store, ty, move |_, _, _| {
                    Err(Trap::host(format!(
                        "`{m}::{n}` is a stand-in of `fayasm inspect`"
                    )))
                });
                linker.define(&imp.module, &imp.name, f);
            }
            ExternType::Memory(ty) => {
                let mem = Memory::new(store, ty)?;
                linker.define(&imp.module, &imp.name, mem);
            }
            ExternType::Table(ty) => {
                let t = Table::new(store, ty, Val::default_for(ty.element.into()))?;
                linker.define(&imp.module, &imp.name, t);
            }
            ExternType::Global(ty) => {
                let g = Global::new(store, ty, Val::default_for(ty.content))?;
                linker.define(&imp.module, &imp.name, g);
            }
        }
    }
    Ok(linker)
}

fn microcode(
    engine: &fayasm::Engine,
    module: &Module,
    layout: &Layout,
    func: &str,
) -> Result<(), Failure> {
    let mut store = Store::new(engine, ());
    let linker = stub_imports(&mut store, module).map_err(|e| usage(e.to_string()))?;
    let instance = linker
        .instantiate(&mut store, module)
        .map_err(|e| Failure::Runtime(format!("cannot instantiate to translate: {e}")))?;
    let index = match instance.get_func(&store, func) {
        Some(f) => (0..layout.func_types.len() as u32)
            .find(|&i| instance.func_by_index(&store, i) == Some(f))
            .expect("an exported function has an index"),
        None => find_func(layout, func).ok_or_else(|| {
            usage(format!(
                "no function `{func}` (give an export name, a `name`-section name or an index)"
            ))
        })?,
    };
    let f = instance
        .func_by_index(&store, index)
        .expect("index in range");
    let code = f.translate(&mut store).map_err(|e| usage(e.to_string()))?;
    let ty = &layout.func_types[index as usize];
    let name = layout
        .names
        .get(&index)
        .map(|n| format!(" ${n}"))
        .unwrap_or_default();
    match code {
        Some(code) => {
            println!("func [{index}]{name} {}", signature(ty));
            print!("{code}");
            Ok(())
        }
        None => Err(usage(format!(
            "function [{index}]{name} is an import: it has no microcode"
        ))),
    }
}
