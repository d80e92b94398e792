//! Every public error type composes: `Display` + `std::error::Error`, so `?` turns it into a
//! `Box<dyn Error>` (what `anyhow` functions do), and wrapping errors expose what they wrap
//! through `source()`.

use std::error::Error as StdError;

use fayasm::offload::{FaultError, MemStorage, OffloadError};
use fayasm::{
    CheckpointError, CodeLoadError, Config, Engine, Error, Linker, Memory, MemoryOffloadError,
    MemoryType, Module, ModuleError, Paging, StorageFailure, Store, Trap, TrapCode, TypeMismatch,
    ValType,
};

type AnyResult<T> = Result<T, Box<dyn StdError + Send + Sync>>;

fn module(engine: &Engine, wat: &str) -> AnyResult<Module> {
    Ok(Module::new(engine, &wat::parse_str(wat)?)?)
}

/// Each fallible API, `?`ed into a boxed error; returns the error it stopped at.
fn question_marks(step: u32) -> AnyResult<()> {
    let engine = Engine::default();
    match step {
        0 => {
            Module::new(&engine, b"\0asm\x01\0\0\0\x05")?;
        }
        1 => {
            let m = module(&engine, r#"(module (import "a" "b" (func)))"#)?;
            Linker::<()>::new(&engine).instantiate(&mut Store::new(&engine, ()), &m)?;
        }
        2 => {
            let m = module(&engine, r#"(module (func (export "f") unreachable))"#)?;
            let mut store = Store::new(&engine, ());
            let i = Linker::new(&engine).instantiate(&mut store, &m)?;
            i.get_typed_func::<(), ()>(&store, "f")?
                .call(&mut store, ())?;
        }
        3 => {
            let mut store = Store::new(&engine, ());
            let mem = Memory::new(&mut store, MemoryType::new(1, None))?;
            mem.spill(&mut store)?;
        }
        4 => {
            let m = module(&engine, r#"(module (memory (export "m") 1))"#)?;
            let mut store = Store::new(&engine, ());
            let i = Linker::new(&engine).instantiate(&mut store, &m)?;
            i.checkpoint(&mut store, &mut MemStorage::new())?;
            let mut other = Store::new(&engine, ());
            i.restore(&mut other, &mut MemStorage::new())?;
        }
        5 => {
            let m = module(&engine, r#"(module (func (export "f")))"#)?;
            let mut store = Store::new(&engine, ());
            let i = Linker::new(&engine).instantiate(&mut store, &m)?;
            let f = i.get_func(&store, "f").unwrap();
            f.load_code_from(&mut store, &mut MemStorage::new())?;
        }
        6 => {
            let engine = Engine::new(Config::default().memory_paging(Some(Paging {
                page_size: 4096,
                resident_pages: 2,
            })));
            Memory::new(&mut Store::new(&engine, ()), MemoryType::new(1, None))?;
        }
        7 => Err(StorageFailure("disk on fire".into()))?,
        8 => Err(FaultError::<std::io::Error>::PowerCut)?,
        _ => {}
    }
    Ok(())
}

#[test]
fn every_error_goes_through_question_mark() {
    let mut messages = Vec::new();
    for step in 0..9 {
        let err = question_marks(step).expect_err("each step fails");
        messages.push(err.to_string());
        // Walking the chain terminates and every link prints.
        let mut source = err.source();
        while let Some(e) = source {
            assert!(!e.to_string().is_empty());
            source = e.source();
        }
    }
    assert!(messages[0].starts_with("invalid module at offset"));
    assert_eq!(messages[1], "unknown import: `a::b`");
    assert_eq!(messages[2], "trap: unreachable");
    assert_eq!(messages[3], "the store has no storage");
    assert!(messages[4].contains("another store"), "{}", messages[4]);
    assert!(!messages[5].is_empty());
    assert!(messages[6].contains("set_storage"), "{}", messages[6]);
    assert_eq!(messages[7], "storage error: disk on fire");
    assert_eq!(messages[8], "power cut (injected)");
}

#[test]
fn sources_expose_the_wrapped_error() {
    let trap = Error::Trap(Trap::new(TrapCode::Unreachable));
    let inner = trap.source().expect("a trap is the source");
    assert_eq!(inner.to_string(), "unreachable");
    assert!(inner.downcast_ref::<Trap>().is_some());

    let mismatch = Error::TypeMismatch(TypeMismatch::Param {
        index: 0,
        expected: ValType::I32,
        found: ValType::F64,
    });
    assert!(mismatch
        .source()
        .and_then(|e| e.downcast_ref::<TypeMismatch>())
        .is_some());

    let module = Error::Module(ModuleError {
        offset: 8,
        message: "bad".into(),
    });
    assert!(module
        .source()
        .and_then(|e| e.downcast_ref::<ModuleError>())
        .is_some());

    let load: CodeLoadError<std::io::Error> = CodeLoadError::Rejected(Error::WrongStore);
    assert!(load
        .source()
        .and_then(|e| e.downcast_ref::<Error>())
        .is_some());

    let cp: CheckpointError<std::io::Error> =
        CheckpointError::Offload(OffloadError::Storage(std::io::Error::other("gone")));
    assert!(cp
        .source()
        .and_then(|e| e.downcast_ref::<OffloadError<std::io::Error>>())
        .is_some());
    let cp: CheckpointError<std::io::Error> = CheckpointError::Memory(Error::WrongStore);
    assert_eq!(
        cp.source().unwrap().to_string(),
        Error::WrongStore.to_string()
    );

    assert_eq!(
        MemoryOffloadError::NoStorage.to_string(),
        "the store has no storage"
    );
}

#[test]
fn paging_without_a_storage_is_its_own_error() {
    let engine = Engine::new(Config::default().memory_paging(Some(Paging {
        page_size: 4096,
        resident_pages: 2,
    })));
    let mut store = Store::new(&engine, ());
    assert_eq!(
        Memory::new(&mut store, MemoryType::new(1, None)).err(),
        Some(Error::NoStorage)
    );
    let m = Module::new(&engine, wat::parse_str("(module (memory 1))").unwrap()).unwrap();
    assert_eq!(
        Linker::new(&engine).instantiate(&mut store, &m).err(),
        Some(Error::NoStorage)
    );
}
