//! `InterruptHandle::interrupt_after`: every deadline of the process is kept by one timer
//! thread. Many deadlines at once each fire, none before its time, cancelled ones never, and
//! the process has one deadline thread, not one per deadline. (The threads counted are those
//! named `fayasm-deadlines`, so tests running alongside in the process do not change the
//! count.)

use std::time::{Duration, Instant};

use fayasm::{Config, Engine, Instance, Linker, Module, Store, TrapCode, Val};

/// The engine's deadline threads in this process (Linux: the tasks named `fayasm-deadlines`,
/// which the kernel cuts to 15 bytes). A new thread names itself once it runs, so this waits
/// up to a second for the first one to appear.
fn deadline_threads() -> Option<usize> {
    let count = || -> Option<usize> {
        let tasks = std::fs::read_dir("/proc/self/task").ok()?;
        Some(
            tasks
                .filter_map(|t| std::fs::read_to_string(t.ok()?.path().join("comm")).ok())
                .filter(|name| name.trim_end() == "fayasm-deadline")
                .count(),
        )
    };
    let asked = Instant::now();
    loop {
        let n = count()?;
        if n > 0 || asked.elapsed() > Duration::from_secs(1) {
            return Some(n);
        }
        std::thread::sleep(Duration::from_millis(1));
    }
}

#[test]
fn one_thread_keeps_every_deadline() {
    let engine = Engine::new(Config::default().interruptible(true));
    let created = Instant::now();
    // 64 stores with deadlines 10..=640 ms away, added latest first (each new one is the
    // earliest, so the timer must wake for it); every fourth is cancelled.
    let stores: Vec<Store<()>> = (0..64).map(|_| Store::new(&engine, ())).collect();
    let handles: Vec<_> = stores.iter().map(|s| s.interrupt_handle()).collect();
    let due = |i: u64| Duration::from_millis(10 * (i + 1));
    let mut deadlines: Vec<_> = (0..64u64)
        .rev()
        .map(|i| (i, handles[i as usize].interrupt_after(due(i))))
        .collect();
    if let Some(n) = deadline_threads() {
        assert_eq!(n, 1, "deadline threads with 64 deadlines");
    }
    // Dropped, hence cancelled (a slow machine may have fired the first few already).
    let mut cancelled = Vec::new();
    deadlines.retain(|(i, _)| {
        if *i % 4 == 3 {
            cancelled.push(*i);
            false
        } else {
            true
        }
    });
    let dropped_at = created.elapsed();
    // Each fires, and not before its time.
    let mut fired = 0;
    let mut seen = [false; 64];
    while fired < deadlines.len() {
        let elapsed = created.elapsed();
        assert!(elapsed < Duration::from_secs(60), "deadlines not fired");
        for (i, _) in &deadlines {
            if !seen[*i as usize] && handles[*i as usize].is_pending() {
                seen[*i as usize] = true;
                fired += 1;
                assert!(elapsed >= due(*i), "deadline {i} fired at {elapsed:?}");
            }
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    for (_, d) in deadlines {
        assert!(d.cancel(), "a fired deadline reports it fired");
    }
    // Cancelled ones not yet due when they were dropped stay silent.
    std::thread::sleep(Duration::from_millis(100));
    for i in cancelled.iter().filter(|&&i| due(i) > dropped_at) {
        assert!(
            !handles[*i as usize].is_pending(),
            "cancelled deadline {i} fired"
        );
    }
    // A timeout no clock can reach never fires and cancels cleanly.
    let far = handles[0].interrupt_after(Duration::MAX);
    assert!(!far.cancel());
    if let Some(n) = deadline_threads() {
        assert_eq!(n, 1, "deadline threads after");
    }
    a_deadline_stops_an_endless_loop_and_others_keep_running();
}

/// A deadline still stops running code (the thread is shared, the store's flag is its own).
/// Called from the one test of this file: a second test running alongside would start and
/// end libtest threads while the first counts the process's threads.
fn a_deadline_stops_an_endless_loop_and_others_keep_running() {
    let engine = Engine::new(Config::default().interruptible(true));
    let wasm = wat::parse_str(
        r#"(module (func (export "spin") (loop (br 0)))
                   (func (export "one") (result i32) (i32.const 1)))"#,
    )
    .unwrap();
    let module = Module::new(&engine, &wasm).unwrap();
    let setup = || {
        let mut store = Store::new(&engine, ());
        let inst: Instance = Linker::new(&engine)
            .instantiate(&mut store, &module)
            .unwrap();
        (store, inst)
    };
    let (mut a, ia) = setup();
    let (mut b, ib) = setup();
    let _never = b
        .interrupt_handle()
        .interrupt_after(Duration::from_secs(3600));
    let deadline = a
        .interrupt_handle()
        .interrupt_after(Duration::from_millis(50));
    let spin = ia.get_func(&a, "spin").unwrap();
    let e = spin.call(&mut a, &[], &mut []).unwrap_err();
    match e {
        fayasm::Error::Trap(t) => assert_eq!(t.code(), TrapCode::Interrupted),
        e => panic!("{e}"),
    }
    assert!(deadline.cancel());
    let mut out = [Val::I32(0)];
    ib.get_func(&b, "one")
        .unwrap()
        .call(&mut b, &[], &mut out)
        .unwrap();
    assert_eq!(out[0], Val::I32(1));
}
