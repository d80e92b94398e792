//! fayasm SD-trap firmware: load a wasm app from an SD card, trap a function and reload its
//! microcode from the card inside the hook, spill linear memory to the card, run a second app
//! whose linear memory is larger than the heap through demand paging, and report results,
//! offload metrics and peak heap.
//!
//! Boards (cargo features, exactly one): `qemu` (QEMU `virt`, rv32imc) and `esp32c3`.
//! The application logic ([`app`]) is shared; a board supplies the console, the card (an
//! `embedded-sdmmc` block device), a clock and the exit path.

#![no_std]
#![no_main]
// `cargo xtask esp32` passes `--cfg fayasm_optimize_size` (its toolchain takes nightly
// features): the boot code (`app`, `resume`) is then compiled for size (`minsize`), while the
// interpreter's handlers, instantiated in this crate, stay at `opt-level = "s"`.
#![cfg_attr(fayasm_optimize_size, feature(optimize_attribute))]

extern crate alloc;

#[cfg(all(feature = "qemu", feature = "esp32c3"))]
compile_error!("choose one board feature: `qemu` or `esp32c3`");
#[cfg(not(any(feature = "qemu", feature = "esp32c3")))]
compile_error!("choose a board feature: `qemu` or `esp32c3`");

/// Build settings (`build.rs`).
mod settings {
    include!(concat!(env!("OUT_DIR"), "/settings.rs"));
}

/// Prints to the board's console.
macro_rules! print {
    ($($arg:tt)*) => {{
        use core::fmt::Write as _;
        let _ = write!($crate::Console, $($arg)*);
    }};
}

/// Prints a line to the board's console.
macro_rules! println {
    () => { print!("\n") };
    ($($arg:tt)*) => {{
        print!($($arg)*);
        print!("\n");
    }};
}

mod app;
mod atomics;
mod heap;
mod resume;
mod storage;
mod wasi;

#[cfg_attr(feature = "qemu", path = "board/qemu.rs")]
#[cfg_attr(feature = "esp32c3", path = "board/esp32c3.rs")]
mod board;

/// The board's console as a `fmt::Write`.
pub struct Console;

impl core::fmt::Write for Console {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        board::write_str(s);
        Ok(())
    }
}
