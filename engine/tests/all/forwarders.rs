//! Forwarder aliasing: a function whose body only passes its parameters on to a defined
//! function of the same type (`local.get 0 .. local.get n-1; call $f; end`, no locals) gets no
//! microcode of its own in a store that does not meter; entering it enters its target's code,
//! as a tail call would (ARCHITECTURE.md, "Invariants": forwarders).

use fayasm::microcode::Compiled;
use fayasm::offload::MemStorage;
use fayasm::{
    Checkpointer, CodeEviction, CodeStatus, Config, Engine, Error, Func, FuncType, HookAction,
    Instance, Linker, Module, ResumableCall, Store, SuspendReason, SuspendedCall, Trap, TrapCode,
    Val, ValType,
};

use crate::support::{boot, instantiate_with_stubs, samples_dir};

/// Function indices: 0 `run` (forwarder to `fib`), 1 `fib`, 2 `double` (same type, for
/// installing other code), 3 `loop` (calls `run` directly, `n` times), 4 `indirect`, 5
/// `by_ref`, 6 `tail` (`return_call $run`), 7 `run2` (forwarder to `run`: a chain).
const FIB: &str = r#"(module
  (type $t (func (param i32) (result i32)))
  (table 2 funcref)
  (elem (i32.const 0) $run $fib)
  (elem declare func $run)
  (func $run (export "run") (type $t) (local.get 0) (call $fib))
  (func $fib (export "fib") (type $t)
    (if (result i32) (i32.lt_u (local.get 0) (i32.const 2))
      (then (local.get 0))
      (else (i32.add (call $fib (i32.sub (local.get 0) (i32.const 1)))
                     (call $fib (i32.sub (local.get 0) (i32.const 2)))))))
  (func $double (export "double") (type $t) (i32.mul (local.get 0) (i32.const 2)))
  (func (export "loop") (param i32) (result i32) (local i32 i32)
    (block (loop
      (br_if 1 (i32.ge_u (local.get 1) (local.get 0)))
      (local.set 2 (i32.add (local.get 2) (call $run (local.get 1))))
      (local.set 1 (i32.add (local.get 1) (i32.const 1)))
      (br 0)))
    (local.get 2))
  (func (export "indirect") (param i32) (result i32)
    (i32.add (call_indirect (type $t) (local.get 0) (i32.const 0)) (i32.const 0)))
  (func (export "by_ref") (param i32) (result i32)
    (i32.add (call_ref $t (local.get 0) (ref.func $run)) (i32.const 0)))
  (func (export "tail") (param i32) (result i32)
    (return_call $run (i32.add (local.get 0) (i32.const 0))))
  (func $run2 (export "run2") (type $t) (local.get 0) (call $run)))"#;

fn engine(config: Config) -> Engine {
    Engine::new(config.wasm_function_references(true))
}

fn setup<T>(engine: &Engine, data: T) -> (Store<T>, Instance) {
    instantiate(engine, FIB, data)
}

/// A store holding `data` and an instance of `wat` (which imports nothing).
fn instantiate<T>(engine: &Engine, wat: &str, data: T) -> (Store<T>, Instance) {
    let module = Module::new(engine, wat::parse_str(wat).unwrap()).unwrap();
    let mut store = Store::new(engine, data);
    let inst = Linker::new(engine)
        .instantiate(&mut store, &module)
        .unwrap();
    (store, inst)
}

fn call<T>(store: &mut Store<T>, inst: Instance, name: &str, arg: i32) -> Result<i32, Error> {
    let f = inst.get_func(&*store, name).unwrap();
    let mut out = [Val::I32(0)];
    f.call(&mut *store, &[Val::I32(arg)], &mut out)?;
    match out[0] {
        Val::I32(v) => Ok(v),
        _ => unreachable!(),
    }
}

fn fib(n: i32) -> i32 {
    if n < 2 {
        n
    } else {
        fib(n - 1) + fib(n - 2)
    }
}

fn func(store: &Store<impl Sized>, inst: Instance, name: &str) -> Func {
    inst.get_func(store, name).unwrap()
}

#[test]
fn a_forwarder_shares_its_targets_code_and_holds_no_ram() {
    let engine = engine(Config::default());
    let (mut store, inst) = setup(&engine, ());
    let (run, fib_f, run2) = (
        func(&store, inst, "run"),
        func(&store, inst, "fib"),
        func(&store, inst, "run2"),
    );
    let code = run.translate(&mut store).unwrap().unwrap();
    let target = fib_f.translate(&mut store).unwrap().unwrap();
    assert_eq!(code, target, "the forwarder's code is its target's");
    assert_eq!(
        run2.translate(&mut store).unwrap().unwrap(),
        target,
        "a chain ends at fib"
    );
    let stats = store.code_cache_stats();
    assert_eq!(stats.translations, 1, "only fib was translated");
    assert_eq!(stats.used, target.byte_size(), "one block in RAM");
    assert_eq!(run.code_status(&store), CodeStatus::Translated);
    assert!(run.code_key(&store).is_none() && run2.code_key(&store).is_none());
    assert!(fib_f.code_key(&store).is_some());
    for name in ["run", "run2", "fib", "loop", "indirect", "by_ref", "tail"] {
        let want = if name == "loop" {
            (0..10).map(fib).sum()
        } else {
            fib(10)
        };
        assert_eq!(call(&mut store, inst, name, 10).unwrap(), want, "{name}");
    }
    // The module-level translation of the forwarder's body is unchanged.
    let module = Module::new(&engine, wat::parse_str(FIB).unwrap()).unwrap();
    let own = module.translate_function(0).unwrap().unwrap();
    assert_ne!(own, target);
}

#[test]
fn prescan_installs_no_code_for_a_forwarder() {
    let engine = engine(Config::default().prescan(true));
    let (mut store, inst) = setup(&engine, ());
    let fib_size = func(&store, inst, "fib")
        .translate(&mut store)
        .unwrap()
        .unwrap()
        .byte_size();
    let module = Module::new(&engine, wat::parse_str(FIB).unwrap()).unwrap();
    // Functions 2..=6 are not forwarders; 0 and 7 are.
    let others: usize = (2..=6)
        .map(|i| module.translate_function(i).unwrap().unwrap().byte_size())
        .sum();
    let stats = store.code_cache_stats();
    assert_eq!(stats.translations, 6);
    assert_eq!(stats.used, fib_size + others);
    assert_eq!(call(&mut store, inst, "run", 12).unwrap(), fib(12));
}

#[test]
fn metered_engines_keep_forwarders_translated() {
    for config in [
        Config::default().consume_fuel(true),
        Config::default().interruptible(true),
    ] {
        let engine = engine(config.clone());
        let (mut store, inst) = setup(&engine, ());
        let run = func(&store, inst, "run");
        let own = run.translate(&mut store).unwrap().unwrap();
        let target = func(&store, inst, "fib")
            .translate(&mut store)
            .unwrap()
            .unwrap();
        assert_ne!(own, target, "{config:?}");
        assert!(run.code_key(&store).is_some());
        assert_eq!(store.code_cache_stats().translations, 2);
    }
    // With fuel, the forwarder's own instructions are charged.
    let engine = engine(Config::default().consume_fuel(true));
    let (mut store, inst) = setup(&engine, ());
    let mut cost = |name| {
        store.set_fuel(1 << 40).unwrap();
        assert_eq!(call(&mut store, inst, name, 10).unwrap(), fib(10));
        (1u64 << 40) - store.get_fuel().unwrap()
    };
    let (run, fib_cost) = (cost("run"), cost("fib"));
    assert!(run > fib_cost, "run {run} fib {fib_cost}");
}

/// A store whose hook records the marked functions it ran for.
fn hooked(engine: &Engine) -> (Store<Vec<Func>>, Instance) {
    let (mut store, inst) = setup(engine, Vec::new());
    store.set_trap_hook(|store, f| {
        store.data_mut().push(f);
        HookAction::Continue
    });
    (store, inst)
}

#[test]
fn a_hook_on_a_forwarder_runs_on_every_kind_of_call() {
    let engine = engine(Config::default());
    let (mut store, inst) = hooked(&engine);
    let run = func(&store, inst, "run");
    run.set_trap(&mut store, true);
    for (name, calls) in [
        ("run", 1),
        ("loop", 5),
        ("indirect", 1),
        ("by_ref", 1),
        ("tail", 1),
        ("run2", 1),
    ] {
        store.data_mut().clear();
        let want = if name == "loop" {
            (0..5).map(fib).sum()
        } else {
            fib(5)
        };
        assert_eq!(call(&mut store, inst, name, 5).unwrap(), want, "{name}");
        assert_eq!(store.data(), &vec![run; calls], "{name}");
    }
    // An abort stops the call before the target runs.
    store.set_trap_hook(|_, _| HookAction::Abort(Trap::host("denied")));
    match call(&mut store, inst, "loop", 3) {
        Err(Error::Trap(t)) => assert_eq!(t.message(), Some("denied")),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_hook_on_the_target_runs_when_entered_through_a_forwarder() {
    let engine = engine(Config::default());
    let (mut store, inst) = hooked(&engine);
    let (run, fib_f) = (func(&store, inst, "run"), func(&store, inst, "fib"));
    fib_f.set_trap(&mut store, true);
    // fib(3) enters fib 5 times: once through the forwarder, 4 times by its own calls;
    // `loop` calls fib(0), fib(1), fib(2): 1 + 1 + 3.
    for name in ["run", "loop", "indirect", "by_ref", "tail", "run2"] {
        store.data_mut().clear();
        call(&mut store, inst, name, 3).unwrap();
        assert_eq!(store.data(), &vec![fib_f; 5], "{name}");
    }
    // Both marked: the forwarder's hook, then the target's.
    run.set_trap(&mut store, true);
    store.data_mut().clear();
    call(&mut store, inst, "run", 1).unwrap();
    assert_eq!(store.data(), &vec![run, fib_f]);
    // A hook that gives the forwarder code of its own: that code runs.
    let double = func(&store, inst, "double")
        .translate(&mut store)
        .unwrap()
        .unwrap();
    fib_f.set_trap(&mut store, false);
    store.set_trap_hook(move |store, f| {
        f.install_code(&mut *store, double.clone()).unwrap();
        HookAction::Continue
    });
    assert_eq!(call(&mut store, inst, "run", 21).unwrap(), 42);
    assert!(run.code_key(&store).is_some(), "no longer an alias");
}

#[test]
fn calls_through_a_forwarder_follow_the_targets_current_code() {
    let engine = engine(Config::default());
    let (mut store, inst) = setup(&engine, ());
    let (run, fib_f) = (func(&store, inst, "run"), func(&store, inst, "fib"));
    // Warm the callee tables (direct calls in a loop), then change the target's code.
    assert_eq!(
        call(&mut store, inst, "loop", 8).unwrap(),
        (0..8).map(fib).sum::<i32>()
    );
    let double = func(&store, inst, "double")
        .translate(&mut store)
        .unwrap()
        .unwrap();
    fib_f.install_code(&mut store, double).unwrap();
    assert_eq!(
        call(&mut store, inst, "loop", 8).unwrap(),
        2 * (0..8).sum::<i32>()
    );
    assert_eq!(call(&mut store, inst, "run", 8).unwrap(), 16);
    assert_eq!(call(&mut store, inst, "run2", 8).unwrap(), 16);
    // Evicting the forwarder frees nothing and leaves the target's code; evicting the
    // target frees its block, which the forwarder does not keep alive.
    assert_eq!(run.evict_code(&mut store), 0);
    assert_eq!(fib_f.code_status(&store), CodeStatus::Translated);
    let used = store.code_cache_stats().used;
    let freed = fib_f.evict_code(&mut store);
    assert!(freed > 0);
    assert_eq!(store.code_cache_stats().used, used - freed);
    assert_eq!(run.code_status(&store), CodeStatus::Untranslated);
    // Re-translated from the module: fib again.
    assert_eq!(
        call(&mut store, inst, "loop", 8).unwrap(),
        (0..8).map(fib).sum::<i32>()
    );
    assert_eq!(run.code_status(&store), CodeStatus::Translated);
}

#[test]
fn a_budget_that_evicts_targets_runs_forwarders_correctly() {
    for policy in [CodeEviction::Drop, CodeEviction::Spill] {
        let engine = engine(
            Config::default()
                .code_cache_budget(Some(64))
                .code_eviction(policy),
        );
        let (mut store, inst) = setup(&engine, ());
        store.set_storage(MemStorage::new());
        for round in 0..20 {
            for name in ["loop", "indirect", "run2", "double", "by_ref", "tail"] {
                let want = match name {
                    "loop" => (0..6).map(fib).sum(),
                    "double" => 12,
                    _ => fib(6),
                };
                let got = call(&mut store, inst, name, 6).unwrap();
                assert_eq!(got, want, "{policy:?} round {round} {name}");
            }
        }
        let stats = store.code_cache_stats();
        assert!(stats.evictions > 0, "{policy:?}: {stats:?}");
        // `used` is exactly the blocks the functions hold: a forwarder holds none.
        let module = Module::new(&engine, wat::parse_str(FIB).unwrap()).unwrap();
        let held: usize = (0..module.num_funcs() as u32)
            .filter(|&i| i != 0 && i != 7)
            .filter(|&i| {
                inst.func_by_index(&store, i).unwrap().code_status(&store) == CodeStatus::Translated
            })
            .map(|i| module.translate_function(i).unwrap().unwrap().byte_size())
            .sum();
        assert_eq!(store.code_cache_stats().used, held, "{policy:?}");
    }
}

#[test]
fn spilling_a_forwarder_writes_nothing_under_its_key() {
    let engine = engine(Config::default().code_eviction(CodeEviction::Spill));
    let (mut store, inst) = setup(&engine, ());
    store.set_storage(MemStorage::new());
    let (run, fib_f) = (func(&store, inst, "run"), func(&store, inst, "fib"));
    assert_eq!(run.spill_code(&mut store).unwrap(), 0);
    let mut own = MemStorage::new();
    assert_eq!(run.spill_code_to(&mut store, &mut own, 1).unwrap(), 0);
    run.load_code_from(&mut store, &mut own).unwrap();
    assert_eq!(
        store.code_cache_stats().used,
        0,
        "nothing was translated for the forwarder"
    );
    // Spilling the target and calling the forwarder reloads the target.
    assert!(fib_f.spill_code(&mut store).unwrap() > 0);
    assert_eq!(run.code_status(&store), CodeStatus::Spilled);
    assert_eq!(call(&mut store, inst, "run", 9).unwrap(), fib(9));
    assert_eq!(store.code_cache_stats().reloads, 1);
    assert_eq!(store.code_cache_stats().translations, 1);
}

#[test]
fn infinite_recursion_through_forwarders_overflows() {
    let wat = r#"(module
      (func $f (export "f") (param i32) (result i32) (local.get 0) (call $g))
      (func $g (param i32) (result i32) (i32.add (call $f (local.get 0)) (i32.const 1)))
      (func $a (export "a") (call $b))
      (func $b (call $a)))"#;
    let engine = engine(Config::default());
    let (mut store, inst) = instantiate(&engine, wat, ());
    let f = func(&store, inst, "f");
    assert!(f.code_key(&store).is_none(), "f aliases g");
    let mut out = [Val::I32(0)];
    let err = f.call(&mut store, &[Val::I32(0)], &mut out).unwrap_err();
    assert!(
        matches!(&err, Error::Trap(t) if t.code() == TrapCode::StackOverflow),
        "{err:?}"
    );
    // `a` and `b` forward to each other: neither is an alias, both run (and overflow).
    let (a, b) = (
        func(&store, inst, "a"),
        inst.func_by_index(&store, 3).unwrap(),
    );
    assert!(a.code_key(&store).is_some() && b.code_key(&store).is_some());
    let err = a.call(&mut store, &[], &mut []).unwrap_err();
    assert!(
        matches!(&err, Error::Trap(t) if t.code() == TrapCode::StackOverflow),
        "{err:?}"
    );
    assert_eq!(store.code_cache_stats().translations, 3);
}

#[test]
fn only_a_callee_of_the_same_canonical_type_is_aliased() {
    // $sub is an open (non-final) type, $fin a final one: the same signature, two store types.
    let wat = r#"(module
      (type $sub (sub (func (param i32) (result i32))))
      (type $fin (func (param i32) (result i32)))
      (import "host" "h" (func $h (type $fin)))
      (func $target (type $sub) (i32.add (local.get 0) (i32.const 1)))
      (func (export "other_type") (type $fin) (local.get 0) (call $target))
      (func (export "same_type") (type $sub) (local.get 0) (call $target))
      (func (export "imported") (type $fin) (local.get 0) (call $h))
      (func (export "locals") (param i32) (result i32) (local i32) (local.get 0) (call $target))
      (func (export "swapped") (param i32 i32) (result i32) (local.get 1) (local.get 0) (call $two))
      (func $two (param i32 i32) (result i32) (i32.sub (local.get 0) (local.get 1))))"#;
    let engine = engine(Config::default().wasm_gc(true));
    let module = Module::new(&engine, wat::parse_str(wat).unwrap()).unwrap();
    let mut store = Store::new(&engine, ());
    let h = Func::new(
        &mut store,
        FuncType::new([ValType::I32], [ValType::I32]),
        |_, p, r| {
            let Val::I32(x) = p[0] else { unreachable!() };
            r[0] = Val::I32(x * 10);
            Ok(())
        },
    );
    let mut linker = Linker::new(&engine);
    linker.define(&store, "host", "h", h).unwrap();
    let inst = linker.instantiate(&mut store, &module).unwrap();
    let aliased = |store: &Store<()>, name| func(store, inst, name).code_key(store).is_none();
    assert!(aliased(&store, "same_type"));
    for name in ["other_type", "imported", "locals", "swapped"] {
        assert!(!aliased(&store, name), "{name}");
    }
    assert_eq!(call(&mut store, inst, "same_type", 4).unwrap(), 5);
    assert_eq!(call(&mut store, inst, "other_type", 4).unwrap(), 5);
    assert_eq!(call(&mut store, inst, "imported", 4).unwrap(), 40);
}

#[test]
fn a_trap_through_a_forwarder_leaves_its_frame_out_of_the_trace() {
    let wat = r#"(module
      (func $outer (export "outer") (param i32) (result i32)
        (i32.add (call $fwd (local.get 0)) (i32.const 1)))
      (func $fwd (param i32) (result i32) (local.get 0) (call $bad))
      (func $bad (param i32) (result i32) (unreachable)))"#;
    let engine = engine(Config::default());
    let (mut store, inst) = instantiate(&engine, wat, ());
    let Err(Error::Trap(t)) = call(&mut store, inst, "outer", 1) else {
        panic!("expected a trap")
    };
    assert_eq!(t.code(), TrapCode::Unreachable);
    let frames: Vec<u32> = t.trace().iter().map(|f| f.func_index()).collect();
    // As for a tail call: `bad` ran in the forwarder's place.
    assert_eq!(frames, [2, 0]);
}

const YIELDING: &str = r#"(module
  (import "host" "ask" (func $ask (param i32) (result i32)))
  (memory 1)
  (func $work (param i32) (result i32)
    (i32.add (call $ask (local.get 0)) (call $ask (i32.add (local.get 0) (i32.const 1)))))
  (func $run (export "run") (param i32) (result i32) (local.get 0) (call $work))
  (func (export "outer") (param i32) (result i32)
    (i32.add (call $run (local.get 0)) (i32.const 1000))))"#;

fn yielding(engine: &Engine) -> (Store<()>, Instance) {
    let module = Module::new(engine, wat::parse_str(YIELDING).unwrap()).unwrap();
    boot(engine, &module)
}

/// Answer every yield of `s` with 100, 200, ...; the result.
fn finish(store: &mut Store<()>, mut s: SuspendedCall) -> Val {
    let mut out = [Val::I32(0)];
    let mut n = 0;
    loop {
        assert!(matches!(s.reason(), SuspendReason::HostYield(_)));
        n += 100;
        match s.resume(&mut *store, &[Val::I32(n)], &mut out).unwrap() {
            ResumableCall::Finished => return out[0],
            ResumableCall::Suspended(next) => s = next,
        }
    }
}

#[test]
fn a_call_suspended_inside_a_forwarders_target_resumes_and_restores() {
    let engine = engine(Config::default());
    for (name, want, evict) in [
        ("run", 300, false),
        ("outer", 1300, false),
        ("run", 300, true),
        ("outer", 1300, true),
    ] {
        let (mut store, inst) = yielding(&engine);
        let f = func(&store, inst, name);
        assert!(func(&store, inst, "run").code_key(&store).is_none());
        let mut out = [Val::I32(0)];
        let ResumableCall::Suspended(s) = f
            .call_resumable(&mut store, &[Val::I32(1)], &mut out)
            .unwrap()
        else {
            panic!("{name} did not yield")
        };
        if evict {
            // The target's code leaves its function while the call holds it.
            inst.func_by_index(&store, 1)
                .unwrap()
                .evict_code(&mut store);
        }
        let mut storage = MemStorage::new();
        s.checkpoint(inst, &mut store, &mut Checkpointer::new(0), &mut storage)
            .unwrap();
        assert_eq!(finish(&mut store, s), Val::I32(want), "{name} in place");
        drop(store);
        let (mut store, inst) = yielding(&engine);
        let (s, _) =
            SuspendedCall::restore(inst, &mut store, &mut Checkpointer::new(0), &mut storage)
                .unwrap();
        assert_eq!(finish(&mut store, s), Val::I32(want), "{name} restored");
    }
}

/// Every function of every sample: the store runs the microcode the translator makes for it
/// (byte for byte), or, for an aliased forwarder, its target's.
#[test]
fn sample_functions_keep_their_microcode_and_forwarders_share_their_targets() {
    let dir = samples_dir().join("wasm");
    let engine = Engine::new(Config::default().wasm_exceptions(true));
    let (mut checked, mut forwarders) = (0, 0);
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "wasm"))
        .collect();
    paths.sort();
    for path in paths {
        let module = Module::new(&engine, std::fs::read(&path).unwrap()).unwrap();
        let mut store = Store::new(&engine, ());
        let Some(inst) = instantiate_with_stubs(&mut store, &module) else {
            continue;
        };
        let own: Vec<Option<Compiled>> = (0..module.num_funcs() as u32)
            .map(|i| module.translate_function(i).unwrap())
            .collect();
        for i in 0..module.num_funcs() as u32 {
            let f = inst.func_by_index(&store, i).unwrap();
            let Some(code) = f.translate(&mut store).unwrap() else {
                continue;
            };
            if f.code_key(&store).is_some() {
                assert_eq!(
                    Some(&code),
                    own[i as usize].as_ref(),
                    "{}#{i}",
                    path.display()
                );
            } else {
                forwarders += 1;
                assert!(
                    own.iter().any(|c| c.as_ref() == Some(&code)),
                    "{}#{i}",
                    path.display()
                );
            }
            checked += 1;
        }
    }
    assert!(checked > 50, "{checked}");
    assert!(forwarders >= 1, "bench_fib's run forwards to fib");
}

#[test]
fn marks_made_after_direct_calls_filled_the_callee_table_still_run_hooks() {
    let engine = engine(Config::default());
    let (mut store, inst) = hooked(&engine);
    let (run, fib_f) = (func(&store, inst, "run"), func(&store, inst, "fib"));
    let want: i32 = (0..5).map(fib).sum();
    // Direct calls fill the callee table, the forwarder's entry (fib's code) included.
    for _ in 0..3 {
        assert_eq!(call(&mut store, inst, "loop", 5).unwrap(), want);
    }
    assert!(store.data().is_empty());
    run.set_trap(&mut store, true);
    assert_eq!(call(&mut store, inst, "loop", 5).unwrap(), want);
    assert_eq!(store.data(), &vec![run; 5]);
    run.set_trap(&mut store, false);
    for _ in 0..3 {
        assert_eq!(call(&mut store, inst, "loop", 5).unwrap(), want);
    }
    store.data_mut().clear();
    // fib(0), fib(1), fib(2): 1 + 1 + 3 entries.
    fib_f.set_trap(&mut store, true);
    assert_eq!(call(&mut store, inst, "loop", 3).unwrap(), 2);
    assert_eq!(store.data(), &vec![fib_f; 5]);
}
