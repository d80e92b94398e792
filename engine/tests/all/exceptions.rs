//! Exception handling (`Config::wasm_exceptions`): what the spec suite does not pin down —
//! the switch, tags as an entity kind of the public API (host tags, import and export,
//! `Linker`, `ExternType::Tag`), and their type matching.

use fayasm::{
    Config, Engine, Error, Extern, ExternType, LinkError, Linker, Module, Store, Tag, TagType,
    ValType,
};

fn engine() -> Engine {
    Engine::new(Config::default().wasm_exceptions(true))
}

const TAGS: &str = r#"(module
    (import "host" "h" (tag $h (param i64)))
    (tag (export "empty"))
    (tag $t (export "pair") (param i32 f64))
    (export "h2" (tag $h))
)"#;

#[test]
fn the_switch_off_rejects_tags_naming_the_feature() {
    let bytes = wat::parse_str("(module (tag))").unwrap();
    let err = Module::new(&Engine::default(), &bytes).unwrap_err();
    assert!(
        err.to_string().contains("exception"),
        "unexpected message: {err}"
    );
    Module::new(&engine(), &bytes).unwrap();
}

#[test]
fn tags_are_imports_and_exports_with_their_types() {
    let engine = engine();
    let module = Module::new(&engine, wat::parse_str(TAGS).unwrap()).unwrap();
    let imports: Vec<_> = module.imports().collect();
    assert_eq!(imports.len(), 1);
    assert_eq!(imports[0].ty, ExternType::Tag(TagType::new([ValType::I64])));
    let exports: Vec<_> = module.exports().map(|e| (e.name, e.ty)).collect();
    assert_eq!(
        exports,
        [
            ("empty".to_string(), ExternType::Tag(TagType::new([]))),
            (
                "pair".to_string(),
                ExternType::Tag(TagType::new([ValType::I32, ValType::F64]))
            ),
            (
                "h2".to_string(),
                ExternType::Tag(TagType::new([ValType::I64]))
            ),
        ]
    );

    let mut store = Store::new(&engine, ());
    let host = Tag::new(&mut store, &TagType::new([ValType::I64])).unwrap();
    let mut linker = Linker::new(&engine);
    linker.define(&store, "host", "h", host).unwrap();
    let instance = linker.instantiate(&mut store, &module).unwrap();
    // An imported tag re-exported is the same tag; a defined one is new.
    let h2 = instance.get_export(&store, "h2").and_then(Extern::into_tag);
    assert_eq!(h2, Some(host));
    let pair = instance
        .get_export(&store, "pair")
        .and_then(Extern::into_tag)
        .unwrap();
    assert_ne!(pair, host);
    assert_eq!(pair.ty(&store), TagType::new([ValType::I32, ValType::F64]));
    // Each instantiation defines new tags.
    let again = linker.instantiate(&mut store, &module).unwrap();
    let pair2 = again.get_export(&store, "pair").and_then(Extern::into_tag);
    assert_ne!(pair2, Some(pair));
}

#[test]
fn a_tag_import_needs_the_same_type_and_kind() {
    let engine = engine();
    let module = Module::new(&engine, wat::parse_str(TAGS).unwrap()).unwrap();
    let mut store = Store::new(&engine, ());
    let wrong = Tag::new(&mut store, &TagType::new([ValType::I32])).unwrap();
    let mut linker = Linker::new(&engine);
    linker.define(&store, "host", "h", wrong).unwrap();
    assert!(matches!(
        linker.instantiate(&mut store, &module),
        Err(Error::Link(LinkError::Incompatible { .. }))
    ));
    // Not a tag at all.
    let g = fayasm::Global::new(
        &mut store,
        fayasm::GlobalType::new(ValType::I64, false),
        fayasm::Val::I64(1),
    )
    .unwrap();
    let mut linker = Linker::new(&engine);
    linker.define(&store, "host", "h", g).unwrap();
    assert!(matches!(
        linker.instantiate(&mut store, &module),
        Err(Error::Link(LinkError::Incompatible { .. }))
    ));
}

#[test]
fn a_tag_of_another_store_is_refused() {
    let engine = engine();
    let module = Module::new(&engine, wat::parse_str(TAGS).unwrap()).unwrap();
    let mut other = Store::new(&engine, ());
    let foreign = Tag::new(&mut other, &TagType::new([ValType::I64])).unwrap();
    let mut store = Store::new(&engine, ());
    assert!(!foreign.comes_from_same_store(&store));
    assert!(matches!(foreign.try_ty(&store), Err(Error::WrongStore)));
    let mut linker = Linker::new(&engine);
    linker.define(&other, "host", "h", foreign).unwrap();
    assert!(matches!(
        linker.instantiate(&mut store, &module),
        Err(Error::WrongStore)
    ));
}
