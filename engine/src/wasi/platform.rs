//! What a guest's inherited standard streams, clocks, sleeping and randomness come from: the
//! host process with `std` ([`StdPlatform`], the default), or whatever firmware provides (a
//! UART, the board's timer, a hardware RNG) through [`WasiPlatform`]. Without `std` the
//! default is [`NullPlatform`], which drops output and has no clock or randomness.

use super::abi::Errno;

/// The host services WASI needs besides files (those are [`WasiFs`](super::WasiFs) mounts).
/// Every method has a default, so a platform implements only what it has.
pub trait WasiPlatform {
    /// Write the guest's standard output (fd 1, when it is not captured).
    fn write_stdout(&mut self, data: &[u8]) -> Result<(), Errno> {
        let _ = data;
        Ok(())
    }
    /// Write the guest's standard error (fd 2, when it is not captured).
    fn write_stderr(&mut self, data: &[u8]) -> Result<(), Errno> {
        let _ = data;
        Ok(())
    }
    /// Read the guest's standard input (fd 0, when it is not fed from bytes); 0 at end of
    /// input.
    fn read_stdin(&mut self, buf: &mut [u8]) -> Result<usize, Errno> {
        let _ = buf;
        Ok(0)
    }
    /// Nanoseconds since the Unix epoch (`CLOCK_REALTIME`); `None` if there is no such clock.
    fn realtime_ns(&mut self) -> Option<u64> {
        None
    }
    /// Nanoseconds of a clock that never goes back, from any origin (`CLOCK_MONOTONIC`, and
    /// the CPU-time clocks); `None` if there is no such clock.
    fn monotonic_ns(&mut self) -> Option<u64> {
        None
    }
    /// Wait `nanos` nanoseconds (`poll_oneoff` on clocks).
    fn sleep_ns(&mut self, nanos: u64) {
        let _ = nanos;
    }
    /// Let other work run (`sched_yield`).
    fn yield_now(&mut self) {}
    /// Fill `buf` with random bytes (`random_get`).
    fn random(&mut self, buf: &mut [u8]) -> Result<(), Errno> {
        let _ = buf;
        Err(Errno::Nosys)
    }
}

/// No streams (output dropped, input empty), no clocks, no randomness: the default without
/// `std`.
#[derive(Debug, Default, Clone, Copy)]
pub struct NullPlatform;

impl WasiPlatform for NullPlatform {}

/// The host process: its standard streams, `SystemTime`, `Instant` (from the first use),
/// thread sleep and yield, and `getrandom`.
#[cfg(feature = "std")]
#[derive(Debug, Default)]
pub struct StdPlatform {
    epoch: Option<std::time::Instant>,
}

#[cfg(feature = "std")]
impl WasiPlatform for StdPlatform {
    fn write_stdout(&mut self, data: &[u8]) -> Result<(), Errno> {
        use std::io::Write;
        let mut out = std::io::stdout().lock();
        out.write_all(data)?;
        Ok(out.flush()?)
    }

    fn write_stderr(&mut self, data: &[u8]) -> Result<(), Errno> {
        use std::io::Write;
        let mut out = std::io::stderr().lock();
        out.write_all(data)?;
        Ok(out.flush()?)
    }

    fn read_stdin(&mut self, buf: &mut [u8]) -> Result<usize, Errno> {
        use std::io::Read;
        Ok(std::io::stdin().lock().read(buf)?)
    }

    fn realtime_ns(&mut self) -> Option<u64> {
        let d = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        Some(d.as_nanos().min(u128::from(u64::MAX)) as u64)
    }

    fn monotonic_ns(&mut self) -> Option<u64> {
        let epoch = *self.epoch.get_or_insert_with(std::time::Instant::now);
        Some(epoch.elapsed().as_nanos().min(u128::from(u64::MAX)) as u64)
    }

    fn sleep_ns(&mut self, nanos: u64) {
        std::thread::sleep(std::time::Duration::from_nanos(nanos));
    }

    fn yield_now(&mut self) {
        std::thread::yield_now();
    }

    fn random(&mut self, buf: &mut [u8]) -> Result<(), Errno> {
        getrandom::fill(buf).map_err(|_| Errno::Io)
    }
}
