//! Running microcode that passed the verifier but was not produced by the translator (read
//! back from a damaged or crafted blob). The verifier's promise is that such code cannot
//! touch memory outside its frame, its op vector or the store's entities; running it under
//! AddressSanitizer checks that promise.
//!
//! The host module has one "host" function per signature that hostile code replaces. Hosts
//! are never in a table and never called by other functions, and the other functions are
//! leaves, so code whose branches all go forward and that neither calls a host nor takes a
//! host's reference terminates.

use std::sync::OnceLock;

use fayasm::microcode::{Compiled, Op, Operand};
use fayasm::{Config, Engine, Func, Linker, Module, Store, Val};

/// The module hostile code is installed into (text form).
pub const HOST_WAT: &str = r#"(module
  (type $t0 (func))
  (type $t1 (func (param i32 i32) (result i32)))
  (type $t2 (func (param i64 f64 v128) (result v128 i32)))
  (memory $m0 1 4)
  (memory $m1 0 1)
  (table $tab 4 16 funcref)
  (table $ext 2 8 externref)
  (global $g0 (mut i32) (i32.const 7))
  (global $g1 (mut v128) (v128.const i64x2 1 2))
  (global $g2 f64 (f64.const 1.5))
  (global $g3 (mut i64) (i64.const -3))
  (data (memory $m0) (i32.const 16) "hello fayasm")
  (data $d1 "passive bytes")
  (elem (table $tab) (i32.const 0) func $leaf0 $leaf1)
  (elem $e1 func $leaf0 $leaf2)
  (func $leaf0 (type $t1) local.get 0 local.get 1 i32.add)
  (func $leaf1 (type $t1) local.get 0 local.get 1 i32.mul)
  (func $leaf2 (type $t1) (i32.load8_u (i32.and (local.get 0) (i32.const 0xffff))))
  (func $h0 (export "h0") (type $t0) (local i32)
    (loop $l
      (global.set $g0 (i32.add (global.get $g0) (i32.const 1)))
      (i32.store (i32.const 0) (global.get $g0))
      (br_if $l (i32.lt_u (local.tee 0 (i32.add (local.get 0) (i32.const 1))) (i32.const 5))))
    (memory.fill (i32.const 64) (i32.const 0xaa) (i32.const 32))
    (memory.copy $m0 $m0 (i32.const 128) (i32.const 16) (i32.const 12))
    (memory.init $m0 $d1 (i32.const 256) (i32.const 0) (i32.const 4))
    (drop (memory.grow (i32.const 1)))
    (table.set $tab (i32.const 3) (ref.func $leaf1))
    (drop (table.grow $tab (ref.null func) (i32.const 2))))
  (func $h1 (export "h1") (type $t1) (local i64 f32)
    (block $b2 (block $b1 (block $b0
      (br_table $b0 $b1 $b2 (i32.and (local.get 0) (i32.const 3))))
      (local.set 0 (i32.add (local.get 0) (i32.const 10))))
      (local.set 1 (call_indirect (type $t1) (local.get 0) (local.get 1) (i32.const 1))))
    (local.set 2 (i64.extend_i32_s (local.get 1)))
    (local.set 3 (f32.convert_i64_s (local.get 2)))
    (i32.add (i32.trunc_sat_f32_s (local.get 3))
      (i32.add (call $leaf0 (local.get 0) (local.get 1)) (i32.load offset=16 (i32.const 0)))))
  (func $h2 (export "h2") (type $t2)
    (i64.store (i32.const 32) (local.get 0))
    (f64.store (i32.const 40) (local.get 1))
    (v128.store (i32.const 48) (i8x16.add (local.get 2) (global.get $g1)))
    (i32x4.mul (v128.load (i32.const 48)) (local.get 2))
    (select (i32.const 1) (i32.const 2) (f64.lt (local.get 1) (global.get $g2)))))"#;

/// Indices of the host functions (after the three leaves).
pub const HOSTS: [u32; 3] = [3, 4, 5];

/// The host module's bytes.
pub fn host_wasm() -> &'static [u8] {
    static BYTES: OnceLock<Vec<u8>> = OnceLock::new();
    BYTES.get_or_init(|| wat::parse_str(HOST_WAT).unwrap_or_else(|e| panic!("host module: {e}")))
}

/// An engine with small limits, so hostile code hits them quickly.
pub fn small_engine() -> Engine {
    Engine::new(
        Config::default()
            .max_call_depth(64)
            .max_value_stack(1 << 14)
            .max_memory_pages(8)
            .max_table_elements(64),
    )
}

/// The host module, validated once (on [`small_engine`]).
pub fn host_module() -> &'static Module {
    static MODULE: OnceLock<Module> = OnceLock::new();
    MODULE.get_or_init(|| Module::new(&small_engine(), host_wasm()).expect("host module"))
}

/// A store with the host module instantiated, and its host functions.
pub fn instantiate() -> (Store<()>, Module, [Func; 3]) {
    let module = host_module().clone();
    let mut store = Store::new(module.engine(), ());
    let inst = Linker::new(module.engine())
        .instantiate(&mut store, &module)
        .expect("the host module instantiates");
    let hosts = HOSTS.map(|i| inst.func_by_index(&store, i).expect("host function"));
    (store, module, hosts)
}

/// Whether `code`, installed as a host function, is sure to terminate (see module docs).
pub fn terminates(code: &Compiled) -> bool {
    code.ops().all(|op| {
        let Ok((at, op)) = op else {
            return false;
        };
        let mut ok = true;
        op.for_each_operand(&mut |_, operand| {
            if matches!(operand, Operand::Target(t) if t as usize <= at) {
                ok = false;
            }
        });
        let host_ref = |f: u32| HOSTS.contains(&f);
        ok && match op {
            Op::Call { func, .. } | Op::ReturnCall { func, .. } | Op::RefFunc { func, .. } => {
                !host_ref(func)
            }
            _ => true,
        }
    })
}

/// Default arguments for a function of `store`.
pub fn default_args<T>(store: &Store<T>, f: Func) -> (Vec<Val>, Vec<Val>) {
    let ty = f.ty(store);
    (
        ty.params().iter().map(|&t| Val::default_for(t)).collect(),
        ty.results().iter().map(|&t| Val::default_for(t)).collect(),
    )
}

/// Install `code` as host function `which` (0..3), its signature fields adjusted to fit,
/// and run it if the verifier accepts it and it terminates. Returns whether it was run.
pub fn install_and_run(mut code: Compiled, which: usize) -> bool {
    let (mut store, module, hosts) = instantiate();
    let f = hosts[which % 3];
    // Copy the signature's cell counts from the function's real microcode.
    let real = f
        .translate(&mut store)
        .expect("host translates")
        .expect("wasm function");
    code.num_params = real.num_params;
    code.num_results = real.num_results;
    let verified = module.verify_microcode(&code).is_ok();
    let installed = f.install_code(&mut store, code.clone()).is_ok();
    assert_eq!(
        verified, installed,
        "install_code and verify_microcode disagree"
    );
    if !installed || !terminates(&code) {
        return false;
    }
    let (args, mut results) = default_args(&store, f);
    let _ = f.call(&mut store, &args, &mut results);
    // The store stays usable after whatever happened.
    let (args, mut results) = default_args(&store, hosts[1]);
    let _ = hosts[1].call(&mut store, &args, &mut results);
    true
}

#[cfg(test)]
mod tests {
    #[test]
    fn host_module_instantiates() {
        let (mut store, _, hosts) = super::instantiate();
        for f in hosts {
            let (args, mut results) = super::default_args(&store, f);
            f.call(&mut store, &args, &mut results).unwrap();
        }
    }
}
