//! Loop back-edges with the header's check folded in (`BrFuel`, `BrIf*Fuel`) and the fuel
//! window (`exec/handlers/fuel.rs`): metered loops carry the folded forms, fuel is charged
//! exactly as by the separate check, a loop too large to fold still runs metered, interrupts
//! reach a running loop, and the verifier refuses a folded branch that does not land right
//! after a narrow check of its engine's kind.

use fayasm::microcode::{Compiled, Op, Operand};
use fayasm::{Config, Engine, Error, Linker, Module, Store, TrapCode, Val};

const LOOPS: &str = r#"(module
  (func (export "count") (param i32) (result i32) (local i32)
    (loop
      (local.set 1 (i32.add (local.get 1) (i32.const 1)))
      (br_if 0 (i32.lt_u (local.get 1) (local.get 0))))
    (local.get 1))
  (func (export "spin") (loop (br 0))))"#;

fn module(config: Config, wat: &str) -> (Engine, Module) {
    let engine = Engine::new(config);
    let module = Module::new(&engine, wat::parse_str(wat).unwrap()).unwrap();
    (engine, module)
}

fn ops(code: &Compiled) -> Vec<(usize, Op)> {
    code.ops().collect::<Result<_, _>>().unwrap()
}

/// A branch's target (a word offset in the function).
fn target(op: &Op) -> usize {
    let mut t = None;
    op.for_each_operand(&mut |_, v| {
        if let Operand::Target(x) = v {
            t = Some(x as usize);
        }
    });
    t.expect("a branch")
}

fn folded(op: &Op) -> bool {
    let name = op.name();
    name.starts_with("Br") && name.ends_with("Fuel")
}

#[test]
fn metered_loops_branch_back_with_the_check_folded_in() {
    for (config, check) in [
        (Config::default().consume_fuel(true), "Fuel"),
        (Config::default().interruptible(true), "Poll"),
        (
            Config::default().consume_fuel(true).interruptible(true),
            "Fuel",
        ),
    ] {
        let (_, m) = module(config, LOOPS);
        for f in [0, 1] {
            let code = m.translate_function(f).unwrap().unwrap();
            let ops = ops(&code);
            let back: Vec<&(usize, Op)> = ops.iter().filter(|(_, op)| folded(op)).collect();
            assert_eq!(back.len(), 1, "function {f}:\n{code}");
            // The folded branch targets the op right after the loop header's check.
            let t = target(&back[0].1);
            let i = ops.iter().position(|(at, _)| *at == t).unwrap();
            assert_eq!(ops[i - 1].1.name(), check, "function {f}:\n{code}");
            assert_eq!(ops[i - 1].0 + 2, t, "function {f}:\n{code}");
        }
    }
    let (_, m) = module(Config::default(), LOOPS);
    let code = m.translate_function(0).unwrap().unwrap();
    assert!(!ops(&code).iter().any(|(_, op)| folded(op)), "{code}");
}

/// Fuel used by `count(n)`: entry check plus `n` iterations, whatever the window.
#[test]
fn folded_checks_charge_every_iteration() {
    let (engine, m) = module(Config::default().consume_fuel(true), LOOPS);
    let mut used = Vec::new();
    for n in [1, 2, 3, 100, 70_000] {
        let mut store = Store::new(&engine, ());
        let inst = Linker::new(&engine).instantiate(&mut store, &m).unwrap();
        let f = inst.get_func(&store, "count").unwrap();
        store.set_fuel(1 << 40).unwrap();
        let mut out = [Val::I32(0)];
        f.call(&mut store, &[Val::I32(n)], &mut out).unwrap();
        assert_eq!(out[0], Val::I32(n));
        used.push(((1u64 << 40) - store.get_fuel().unwrap(), n as u64));
    }
    // Linear in n: the same per-iteration cost across window refills (70,000 iterations
    // pass the 65,536-fuel window several times).
    let per = used[1].0 - used[0].0;
    assert!(per > 0);
    for &(fuel, n) in &used {
        assert_eq!(fuel, used[0].0 + (n - 1) * per, "{used:?}");
    }
    // Exactly enough fuel finishes; one less stops with the trap.
    let (fuel_3, _) = used[2];
    for (give, ok) in [(fuel_3, true), (fuel_3 - 1, false)] {
        let mut store = Store::new(&engine, ());
        let inst = Linker::new(&engine).instantiate(&mut store, &m).unwrap();
        let f = inst.get_func(&store, "count").unwrap();
        store.set_fuel(give).unwrap();
        let mut out = [Val::I32(0)];
        let res = f.call(&mut store, &[Val::I32(3)], &mut out);
        match (res, ok) {
            (Ok(()), true) => assert_eq!(store.get_fuel().unwrap(), 0),
            (Err(Error::Trap(t)), false) => assert_eq!(t.code(), TrapCode::OutOfFuel),
            (res, _) => panic!("fuel {give}: {res:?}"),
        }
    }
}

/// A loop body costing more than one word holds is not folded, and still charged.
#[test]
fn a_loop_too_large_to_fold_keeps_its_separate_check() {
    let body = "(nop)".repeat(33_000);
    let wat = format!(
        r#"(module (func (export "big") (param i32) (result i32) (local i32)
          (loop {body}
            (local.set 1 (i32.add (local.get 1) (i32.const 1)))
            (br_if 0 (i32.lt_u (local.get 1) (local.get 0))))
          (local.get 1)))"#
    );
    let (engine, m) = module(Config::default().consume_fuel(true), &wat);
    let code = m.translate_function(0).unwrap().unwrap();
    assert!(!ops(&code).iter().any(|(_, op)| folded(op)), "folded");
    let mut store = Store::new(&engine, ());
    let inst = Linker::new(&engine).instantiate(&mut store, &m).unwrap();
    let f = inst.get_func(&store, "big").unwrap();
    store.set_fuel(1 << 30).unwrap();
    let mut out = [Val::I32(0)];
    f.call(&mut store, &[Val::I32(4)], &mut out).unwrap();
    assert_eq!(out[0], Val::I32(4));
    assert!((1u64 << 30) - store.get_fuel().unwrap() > 4 * 33_000);
}

/// An interrupt from another thread reaches an endless loop whose only check is folded.
#[test]
fn an_interrupt_reaches_a_folded_loop() {
    for config in [
        Config::default().interruptible(true),
        Config::default().consume_fuel(true),
    ] {
        let fuel = config.get_consume_fuel();
        let (engine, m) = module(config, LOOPS);
        let mut store = Store::new(&engine, ());
        if fuel {
            store.set_fuel(u64::MAX).unwrap();
        }
        let inst = Linker::new(&engine).instantiate(&mut store, &m).unwrap();
        let f = inst.get_func(&store, "spin").unwrap();
        let _deadline = store
            .interrupt_handle()
            .interrupt_after(std::time::Duration::from_millis(50));
        match f.call(&mut store, &[], &mut []) {
            Err(Error::Trap(t)) => assert_eq!(t.code(), TrapCode::Interrupted),
            other => panic!("{other:?}"),
        }
    }
}

/// The verifier refuses a folded branch whose target does not follow a check of the
/// engine's kind.
#[test]
fn a_folded_branch_must_land_on_a_check() {
    let (engine, m) = module(Config::default().consume_fuel(true), LOOPS);
    let code = m.translate_function(0).unwrap().unwrap();
    let ops = ops(&code);
    let (at, _) = *ops.iter().find(|(_, op)| folded(op)).unwrap();
    // The branch's relative target is its last word: move it back onto the first op (the
    // entry check: no check before it), then forward onto the op after the branch (after
    // the branch, not a check: only the folded form's own rule refuses that).
    let end = ops
        .iter()
        .find(|(a, _)| *a > at)
        .map_or(code.code.len(), |(a, _)| *a);
    let mut store = Store::new(&engine, ());
    let inst = Linker::new(&engine).instantiate(&mut store, &m).unwrap();
    let f = inst.get_func(&store, "count").unwrap();
    for new_target in [0, end] {
        let mut bad = code.clone();
        let rel = new_target as i64 - end as i64;
        bad.code[end - 1] = rel as i16 as u16;
        let res = f.install_code(&mut store, bad);
        assert!(res.is_err(), "target {new_target} accepted");
    }
    // Interrupt-only code (its checks are `Poll` ops) is refused by a fuel engine.
    let (_, im) = module(Config::default().interruptible(true), LOOPS);
    let icode = im.translate_function(0).unwrap().unwrap();
    assert!(f.install_code(&mut store, icode).is_err());
    // The untouched code installs.
    f.install_code(&mut store, code).unwrap();
}

/// An engine without metering refuses code carrying checks or folded back-edges, naming
/// the first such op: a check by its cost, a folded branch as such.
#[test]
fn unmetered_code_carries_no_checks_and_no_folded_branches() {
    let (_, fuel) = module(Config::default().consume_fuel(true), LOOPS);
    let (_, plain) = module(Config::default(), LOOPS);
    let code = fuel.translate_function(0).unwrap().unwrap();
    let err = plain.verify_microcode(&code).unwrap_err().to_string();
    assert!(err.contains("op 0") && err.contains("fuel cost"), "{err}");
    // The checks replaced by copies (same op count, so the targets still name the same
    // ops): the folded back-edge is what is refused now.
    let ops: Vec<Op> = code
        .decode_ops()
        .unwrap()
        .into_iter()
        .map(|op| match op {
            Op::Fuel { .. } => Op::Copy { dst: 0, src: 0 },
            op => op,
        })
        .collect();
    let back = ops.iter().position(folded).unwrap();
    let bad = code.with_ops(&ops);
    let at = bad.ops().nth(back).unwrap().unwrap().0;
    let err = plain.verify_microcode(&bad).unwrap_err().to_string();
    assert!(
        err.contains(&format!("op {at}:")) && err.contains("folded fuel check"),
        "{err}"
    );
}
