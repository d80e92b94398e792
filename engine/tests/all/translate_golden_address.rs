//! Golden tests of the address fusion: an `i32.add` (with a constant or a register right
//! operand) whose only use is a load's or store's address folds into it (`I32LoadAddImm`,
//! `I32Store8Add`, ...), and the cases where it must not. Snapshots as in
//! `translate_golden.rs`; the wrap-around tests check the fused forms' semantics.

use fayasm::{Config, Engine, Linker, Module, Store, Trap, Val};

fn module(body: &str) -> String {
    format!("(module (memory 1) (func (export \"f\") {body}))")
}

/// The printed microcode of export `f`.
fn microcode(body: &str) -> String {
    let engine = Engine::new(Config::default());
    let module = Module::new(&engine, wat::parse_str(module(body)).unwrap()).unwrap();
    let mut store = Store::new(&engine, ());
    let inst = Linker::new(&engine)
        .instantiate(&mut store, &module)
        .unwrap();
    let f = inst.get_func(&store, "f").unwrap();
    let code = f.translate(&mut store).unwrap().unwrap();
    module.verify_microcode(&code).unwrap();
    code.to_string()
}

fn call(body: &str, args: &[Val]) -> Result<Val, Trap> {
    let engine = Engine::new(Config::default());
    let module = Module::new(&engine, wat::parse_str(module(body)).unwrap()).unwrap();
    let mut store = Store::new(&engine, ());
    let inst = Linker::new(&engine)
        .instantiate(&mut store, &module)
        .unwrap();
    let f = inst.get_func(&store, "f").unwrap();
    let mut out = [Val::I32(0)];
    match f.call(&mut store, args, &mut out) {
        Ok(()) => Ok(out[0]),
        Err(fayasm::Error::Trap(t)) => Err(t),
        Err(e) => panic!("{e}"),
    }
}

/// Loads and stores of every width fuse with an add of a constant or of a register.
#[test]
fn address_adds_fold_into_loads_and_stores() {
    insta::assert_snapshot!(microcode(
        "(param i32 i32) (result i32) (local i32)
         local.get 0 i32.const 16 i32.add local.get 1 i32.store8
         local.get 0 local.get 1 i32.add local.get 1 i32.store offset=4
         local.get 0 i32.const 8 i32.add i32.load16_s
         local.get 0 local.get 1 i32.add i64.load32_u offset=12 i32.wrap_i64
         i32.add
         local.get 0 i32.const 3 i32.add i32.load8_u local.set 2
         local.get 2 i32.add"
    ));
}

/// No fusion when the add's result is also kept (a `local.tee`), when a label lies between
/// them, or when the stored value is computed after the address.
#[test]
fn address_adds_that_must_not_fold() {
    insta::assert_snapshot!(microcode(
        "(param i32 i32) (result i32)
         local.get 0 i32.const 16 i32.add local.tee 1 i32.load
         drop
         (block (result i32) local.get 0 i32.const 4 i32.add) i32.load
         drop
         local.get 0 i32.const 4 i32.add local.get 1 i32.const 1 i32.sub i32.store
         local.get 1"
    ));
}

/// The fused forms wrap the address at 32 bits before adding the static offset, as
/// `i32.add` then the access would: `0xFFFF_FFF0 + 0x20` is address 0x10, not a trap.
#[test]
fn fused_addresses_wrap_like_i32_add() {
    let load_imm = "(param i32) (result i32)
         i32.const 16 i32.const 0x2a i32.store8
         local.get 0 i32.const 0x20 i32.add i32.load8_u";
    assert_eq!(
        call(load_imm, &[Val::I32(0xFFFF_FFF0u32 as i32)]),
        Ok(Val::I32(0x2a))
    );
    let load_reg = "(param i32 i32) (result i32)
         i32.const 16 i32.const 0x2b i32.store8
         local.get 0 local.get 1 i32.add i32.load8_u";
    assert_eq!(
        call(load_reg, &[Val::I32(-16), Val::I32(32)]),
        Ok(Val::I32(0x2b))
    );
    let store_imm = "(param i32) (result i32)
         local.get 0 i32.const 0x20 i32.add i32.const 0x2c i32.store8
         i32.const 16 i32.load8_u";
    assert_eq!(call(store_imm, &[Val::I32(-16)]), Ok(Val::I32(0x2c)));
    // The static offset still traps past the end: no wrap there.
    let oob = "(param i32) (result i32)
         local.get 0 i32.const 1 i32.add i32.load offset=65535";
    assert!(call(oob, &[Val::I32(0)]).is_err());
    // And an in-bounds fused access past memory 0's fast path (offset near the end).
    let edge = "(param i32) (result i32)
         local.get 0 i32.const 65532 i32.add i32.load";
    assert_eq!(call(edge, &[Val::I32(0)]), Ok(Val::I32(0)));
    assert!(call(edge, &[Val::I32(1)]).is_err());
}
