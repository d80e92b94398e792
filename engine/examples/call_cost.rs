//! What a call from the host costs, typed against untyped (issue 16): `N` calls of a small
//! function through `TypedFunc::call` or through `Func::call` with `&[Val]`. Count
//! instructions, not time:
//!
//! ```text
//! cargo build --release -p fayasm --example call_cost
//! valgrind --tool=callgrind target/release/examples/call_cost typed add 100000
//! valgrind --tool=callgrind target/release/examples/call_cost untyped add 100000
//! valgrind --tool=callgrind target/release/examples/call_cost none add 100000
//! ```
//!
//! (`none` does the set-up only; per call = (total - none) / N.) Functions: `add` (two
//! `i32`s), `fib` (`fib(1)`: a call that returns at once).

use fayasm::{Engine, Linker, Module, Store, Val};

const WAT: &str = r#"(module
  (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
  (func $fib (export "fib") (param i32) (result i32)
    (if (result i32) (i32.lt_s (local.get 0) (i32.const 2))
      (then (local.get 0))
      (else (i32.add (call $fib (i32.sub (local.get 0) (i32.const 1)))
                     (call $fib (i32.sub (local.get 0) (i32.const 2))))))))"#;

fn main() -> Result<(), fayasm::Error> {
    let mut args = std::env::args().skip(1);
    let mode = args.next().unwrap_or_else(|| "typed".into());
    let func = args.next().unwrap_or_else(|| "add".into());
    let n: u32 = args.next().and_then(|s| s.parse().ok()).unwrap_or(100_000);
    let engine = Engine::default();
    let module = Module::new(&engine, wat::parse_str(WAT).expect("valid text"))?;
    let mut store = Store::new(&engine, ());
    let instance = Linker::new(&engine).instantiate(&mut store, &module)?;
    let mut sum = 0i64;
    match (mode.as_str(), func.as_str()) {
        ("typed", "add") => {
            let f = instance.get_typed_func::<(i32, i32), i32>(&store, "add")?;
            for i in 0..n as i32 {
                sum += i64::from(f.call(&mut store, (i, 1))?);
            }
        }
        ("typed", _) => {
            let f = instance.get_typed_func::<i32, i32>(&store, "fib")?;
            for _ in 0..n {
                sum += i64::from(f.call(&mut store, 1)?);
            }
        }
        ("untyped", "add") => {
            let f = instance.get_func(&store, "add").expect("add");
            let mut out = [Val::I32(0)];
            for i in 0..n as i32 {
                f.call(&mut store, &[Val::I32(i), Val::I32(1)], &mut out)?;
                if let Val::I32(v) = out[0] {
                    sum += i64::from(v);
                }
            }
        }
        ("untyped", _) => {
            let f = instance.get_func(&store, "fib").expect("fib");
            let mut out = [Val::I32(0)];
            for _ in 0..n {
                f.call(&mut store, &[Val::I32(1)], &mut out)?;
                if let Val::I32(v) = out[0] {
                    sum += i64::from(v);
                }
            }
        }
        _ => {}
    }
    println!("{mode} {func} x{n}: {sum}");
    Ok(())
}
