//! WASI's inherited streams, clocks, sleep and randomness from a `WasiPlatform` the embedder
//! gives (as firmware gives a UART, its board timer and a hardware RNG), instead of the host
//! process's; and what a guest sees on `NullPlatform`, the default without `std`.

use std::cell::RefCell;
use std::rc::Rc;

use fayasm::wasi::{self, Errno, NullPlatform, WasiCtx, WasiPlatform};
use fayasm::{Engine, Error, Linker, Module, Store, TrapCode};

const PROBE: &[u8] = include_bytes!("../fixtures/wasi_probe.wasm");

/// A board: a UART that records what it is sent (stdout and stderr interleaved, stderr
/// marked), a line of input, a timer the guest's sleeps advance, and a counter as RNG.
#[derive(Default)]
struct Board {
    uart: Rc<RefCell<String>>,
    input: &'static [u8],
    now_ns: u64,
    sleeps: Rc<RefCell<Vec<u64>>>,
    rng: u8,
}

impl WasiPlatform for Board {
    fn write_stdout(&mut self, data: &[u8]) -> Result<(), Errno> {
        self.uart
            .borrow_mut()
            .push_str(&String::from_utf8_lossy(data));
        Ok(())
    }
    fn write_stderr(&mut self, data: &[u8]) -> Result<(), Errno> {
        let text = String::from_utf8_lossy(data);
        self.uart.borrow_mut().push_str(&format!("[err] {text}"));
        Ok(())
    }
    fn read_stdin(&mut self, buf: &mut [u8]) -> Result<usize, Errno> {
        let n = buf.len().min(self.input.len());
        buf[..n].copy_from_slice(&self.input[..n]);
        self.input = &self.input[n..];
        Ok(n)
    }
    fn realtime_ns(&mut self) -> Option<u64> {
        // 2026-12-01, plus the board's uptime.
        Some(1_796_083_200_000_000_000 + self.now_ns)
    }
    fn monotonic_ns(&mut self) -> Option<u64> {
        self.now_ns += 1_000;
        Some(self.now_ns)
    }
    fn sleep_ns(&mut self, nanos: u64) {
        self.sleeps.borrow_mut().push(nanos);
        self.now_ns += nanos;
    }
    fn random(&mut self, buf: &mut [u8]) -> Result<(), Errno> {
        for b in buf {
            self.rng = self.rng.wrapping_add(1);
            *b = self.rng;
        }
        Ok(())
    }
}

/// Runs the probe with `args` on `ctx`; the exit code.
fn probe(args: &[&str], ctx: WasiCtx) -> i32 {
    let engine = Engine::default();
    let module = Module::new(&engine, PROBE).unwrap();
    let mut store = Store::new(&engine, ctx.arg("wasi_probe").args(args.iter().copied()));
    let mut linker = Linker::new(&engine);
    wasi::add_to_linker(&mut linker, &mut store, |ctx| ctx).unwrap();
    let inst = linker.instantiate(&mut store, &module).unwrap();
    let start = inst.get_func(&store, "_start").unwrap();
    match start.call(&mut store, &[], &mut []) {
        Ok(()) => 0,
        Err(Error::Trap(t)) if t.code() == TrapCode::Host => store.data().exit_code().unwrap(),
        Err(e) => panic!("unexpected error {e}"),
    }
}

#[test]
fn streams_clocks_sleep_and_randomness_come_from_the_platform() {
    let uart = Rc::new(RefCell::new(String::new()));
    let sleeps = Rc::new(RefCell::new(Vec::new()));
    let board = || Board {
        uart: uart.clone(),
        input: b"from the board\n",
        sleeps: sleeps.clone(),
        ..Board::default()
    };
    assert_eq!(probe(&["io"], WasiCtx::new().platform(board())), 0);
    assert_eq!(
        uart.borrow().as_str(),
        "stdin: 15 bytes: from the board\n[err] to stderr\n"
    );
    uart.borrow_mut().clear();
    assert_eq!(probe(&["misc"], WasiCtx::new().platform(board())), 0);
    assert_eq!(
        uart.borrow().as_str(),
        "monotonic ok: 1\nrealtime after 2020: 1\nrandom nonzero: 1\nnanosleep: 0\n"
    );
    // The guest's 1 ms `nanosleep` reached the board.
    assert_eq!(sleeps.borrow().as_slice(), &[1_000_000]);
}

#[test]
fn a_captured_stream_does_not_reach_the_platform() {
    let uart = Rc::new(RefCell::new(String::new()));
    let board = Board {
        uart: uart.clone(),
        ..Board::default()
    };
    let ctx = WasiCtx::new()
        .platform(board)
        .capture_stdout()
        .stdin_bytes("fed\n");
    assert_eq!(probe(&["io"], ctx), 0);
    assert_eq!(uart.borrow().as_str(), "[err] to stderr\n");
}

#[test]
fn the_null_platform_has_no_clock_and_no_randomness() {
    // Output is dropped and the clocks fail with ENOTSUP: wasi-libc's `clock_gettime`
    // reports the error, and the probe prints on regardless (into nothing). The program
    // still runs to its end.
    assert_eq!(probe(&["misc"], WasiCtx::new().platform(NullPlatform)), 0);
}
