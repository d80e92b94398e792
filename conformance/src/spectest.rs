//! The `spectest` host module every spec script may import, as the reference interpreter
//! defines it (`interpreter/host/spectest.ml`), and its fayasm instance. The wasmtime instance
//! is built from the same data in [`crate::oracle`].

use fayasm::{
    Func, FuncType, Global, GlobalType, Linker, Memory, MemoryType, RefType, Store, Table,
    TableType, Val, ValType,
};

/// Module name the scripts import from.
pub const MODULE: &str = "spectest";

/// Parameter types of the `print*` functions (they return nothing).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Param {
    I32,
    I64,
    F32,
    F64,
}

/// `print*` functions: name and parameter types.
pub const PRINT_FUNCS: &[(&str, &[Param])] = &[
    ("print", &[]),
    ("print_i32", &[Param::I32]),
    ("print_i64", &[Param::I64]),
    ("print_f32", &[Param::F32]),
    ("print_f64", &[Param::F64]),
    ("print_i32_f32", &[Param::I32, Param::F32]),
    ("print_f64_f64", &[Param::F64, Param::F64]),
];

pub const GLOBAL_I32: i32 = 666;
pub const GLOBAL_I64: i64 = 666;
pub const GLOBAL_F32: f32 = 666.6;
pub const GLOBAL_F64: f64 = 666.6;
/// `table`: funcref, limits min 10 max 20.
pub const TABLE_LIMITS: (u32, Option<u32>) = (10, Some(20));
/// `memory`: limits 1 page, max 2.
pub const MEMORY_LIMITS: (u32, Option<u32>) = (1, Some(2));
/// `shared_memory` (defined only for suites with the threads proposal, as the threads
/// repository's interpreter does): shared, limits 1 page, max 2.
pub const SHARED_MEMORY_LIMITS: (u32, u32) = (1, 2);

fn val_type(p: Param) -> ValType {
    match p {
        Param::I32 => ValType::I32,
        Param::I64 => ValType::I64,
        Param::F32 => ValType::F32,
        Param::F64 => ValType::F64,
    }
}

/// Defines `spectest` in a fayasm linker (with `shared_memory` if `threads`).
pub fn define_fayasm(
    store: &mut Store<()>,
    linker: &mut Linker<()>,
    threads: bool,
) -> Result<(), fayasm::Error> {
    for (name, params) in PRINT_FUNCS {
        let ty = FuncType::new(params.iter().copied().map(val_type), []);
        let func = Func::new(
            &mut *store,
            ty,
            |_caller, _params: &[Val], _results: &mut [Val]| Ok(()),
        );
        linker.define(&*store, MODULE, name, func)?;
    }
    let globals = [
        ("global_i32", ValType::I32, Val::I32(GLOBAL_I32)),
        ("global_i64", ValType::I64, Val::I64(GLOBAL_I64)),
        ("global_f32", ValType::F32, Val::F32(GLOBAL_F32.to_bits())),
        ("global_f64", ValType::F64, Val::F64(GLOBAL_F64.to_bits())),
    ];
    for (name, ty, val) in globals {
        let global = Global::new(&mut *store, GlobalType::new(ty, false), val)?;
        linker.define(&*store, MODULE, name, global)?;
    }
    let (min, max) = TABLE_LIMITS;
    let table = Table::new(
        &mut *store,
        TableType::new(RefType::FuncRef, u64::from(min), max.map(u64::from)),
        Val::FuncRef(None),
    )?;
    linker.define(&*store, MODULE, "table", table)?;
    let (min, max) = MEMORY_LIMITS;
    let memory = Memory::new(
        &mut *store,
        MemoryType::new(u64::from(min), max.map(u64::from)),
    )?;
    linker.define(&*store, MODULE, "memory", memory)?;
    if threads {
        let (min, max) = SHARED_MEMORY_LIMITS;
        let ty = MemoryType::new(u64::from(min), Some(u64::from(max))).with_shared(true);
        let shared = Memory::new(&mut *store, ty)?;
        linker.define(&*store, MODULE, "shared_memory", shared)?;
    }
    Ok(())
}
