//! ESP32-C3 (esp-hal): console through `esp-println` (USB-serial-JTAG or UART0), the SD card on
//! SPI2 through `embedded-sdmmc`'s SPI driver, the system timer as the clock.
//!
//! SD card wiring (SPI mode): SCK GPIO6, MOSI GPIO7, MISO GPIO2, CS GPIO10, 3.3 V and GND.
//! The card must hold an MBR partition table with a FAT16 or FAT32 partition (as
//! `cargo xtask esp32 qemu` writes to `target/esp32/sd.img`, which `dd` can copy to a card).

use embedded_hal_bus::spi::ExclusiveDevice;
use embedded_sdmmc::SdCard;
use esp_hal::clock::CpuClock;
use esp_hal::delay::Delay;
use esp_hal::gpio::{Level, Output, OutputConfig};
use esp_hal::spi::master::{Config as SpiConfig, Spi};
use esp_hal::spi::Mode;
use esp_hal::time::{Instant, Rate};

use crate::heap::HEAP;

// Pulls in esp-backtrace's panic handler (prints the panic and a backtrace).
use esp_backtrace as _;

esp_bootloader_esp_idf::esp_app_desc!();

#[esp_hal::main]
fn main() -> ! {
    let p = esp_hal::init(esp_hal::Config::default().with_cpu_clock(CpuClock::max()));
    HEAP.init();
    // SD cards start in SPI mode at 400 kHz at most.
    let slow = SpiConfig::default()
        .with_frequency(Rate::from_khz(400))
        .with_mode(Mode::_0);
    let spi = match Spi::new(p.SPI2, slow) {
        Ok(spi) => spi.with_sck(p.GPIO6).with_mosi(p.GPIO7).with_miso(p.GPIO2),
        Err(e) => {
            println!("error: SPI2: {e:?}");
            exit(false)
        }
    };
    let cs = Output::new(p.GPIO10, Level::High, OutputConfig::default());
    let device = match ExclusiveDevice::new(spi, cs, Delay::new()) {
        Ok(d) => d,
        Err(e) => {
            println!("error: SD chip select: {e:?}");
            exit(false)
        }
    };
    let card = SdCard::new(device, Delay::new());
    match card.num_bytes() {
        Ok(n) => println!("card: {} MiB", n >> 20),
        Err(e) => {
            println!("error: no SD card answers on SPI2: {e:?}");
            exit(false)
        }
    }
    // Initialised: run the bus at 16 MHz.
    let fast = SpiConfig::default()
        .with_frequency(Rate::from_mhz(16))
        .with_mode(Mode::_0);
    if let Err(e) = card.spi(|d| d.bus_mut().apply_config(&fast)) {
        println!("warning: SD card stays at 400 kHz: {e:?}");
    }
    let ok = crate::app::run(card, "ESP32-C3 (esp-hal)", now_ns);
    exit(ok)
}

/// Writes text to the console.
pub fn write_str(s: &str) {
    esp_println::print!("{s}");
}

/// Nanoseconds since boot, from the system timer.
pub fn now_ns() -> u64 {
    Instant::now()
        .duration_since_epoch()
        .as_micros()
        .saturating_mul(1000)
}

/// There is nothing to exit to on a chip: report and park.
pub fn exit(ok: bool) -> ! {
    println!("exit status: {}", if ok { 0 } else { 1 });
    loop {
        core::hint::spin_loop();
    }
}
