//! Offload counters and latency histograms.
//!
//! Time comes from a host-provided clock, a plain `fn() -> u64` returning nanoseconds from
//! any fixed origin. On std the default clock is `std::time::Instant`; without std there is no
//! default, and without a clock the counters still count but no latency is recorded.

use super::key::Kind;

/// A monotonic clock in nanoseconds from an arbitrary fixed origin.
pub type Clock = fn() -> u64;

/// The clock used by [`Metrics::default`] on std: nanoseconds since the first call.
#[cfg(feature = "std")]
pub fn std_clock() -> u64 {
    use std::sync::OnceLock;
    use std::time::Instant;
    static ORIGIN: OnceLock<Instant> = OnceLock::new();
    let nanos = ORIGIN.get_or_init(Instant::now).elapsed().as_nanos();
    u64::try_from(nanos).unwrap_or(u64::MAX)
}

/// Counters for one kind of blob.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct KindCounters {
    /// Blobs written.
    pub spills: u64,
    /// Blobs read back successfully.
    pub loads: u64,
    /// Bytes written.
    pub bytes_written: u64,
    /// Bytes read.
    pub bytes_read: u64,
    /// Loads that failed (missing, damaged, foreign or stale blob, or an I/O error).
    pub load_failures: u64,
    /// Times a fallback was taken instead of a load (re-translation, memory policy, an older
    /// checkpoint).
    pub fallbacks: u64,
}

impl KindCounters {
    fn add(&mut self, other: &KindCounters) {
        self.spills += other.spills;
        self.loads += other.loads;
        self.bytes_written += other.bytes_written;
        self.bytes_read += other.bytes_read;
        self.load_failures += other.load_failures;
        self.fallbacks += other.fallbacks;
    }
}

/// Sub-buckets per power of two: bucket widths are at most a quarter of their lower bound.
const SUB: usize = 4;
/// The largest power of two tracked separately (2^40 ns is about 18 minutes); longer samples
/// land in the last bucket.
const MAX_EXP: usize = 40;
const BUCKETS: usize = SUB + (MAX_EXP - 1) * SUB;

/// A fixed-size log-linear histogram of nanosecond samples (about 620 bytes, no allocation).
/// Percentiles are reported as the upper bound of the bucket they fall in (at most 25% above
/// the true value), clamped to the largest sample.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Histogram {
    buckets: [u32; BUCKETS],
    count: u64,
    sum: u64,
    min: u64,
    max: u64,
}

impl Default for Histogram {
    fn default() -> Histogram {
        Histogram {
            buckets: [0; BUCKETS],
            count: 0,
            sum: 0,
            min: u64::MAX,
            max: 0,
        }
    }
}

impl Histogram {
    fn bucket(value: u64) -> usize {
        if value < SUB as u64 {
            return value as usize;
        }
        let exp = 63 - value.leading_zeros() as usize; // >= 2
        let sub = (value >> (exp - 2)) as usize & (SUB - 1);
        (SUB + (exp - 2) * SUB + sub).min(BUCKETS - 1)
    }

    fn upper_bound(bucket: usize) -> u64 {
        if bucket < SUB {
            return bucket as u64;
        }
        let exp = (bucket - SUB) / SUB + 2;
        let sub = ((bucket - SUB) % SUB) as u64;
        ((SUB as u64 + sub + 1) << (exp - 2)) - 1
    }

    /// Adds a sample.
    pub fn record(&mut self, nanos: u64) {
        let b = &mut self.buckets[Self::bucket(nanos)];
        *b = b.saturating_add(1);
        self.count += 1;
        self.sum = self.sum.saturating_add(nanos);
        self.min = self.min.min(nanos);
        self.max = self.max.max(nanos);
    }

    /// The number of samples.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// The smallest sample, if any.
    pub fn min(&self) -> Option<u64> {
        (self.count > 0).then_some(self.min)
    }

    /// The largest sample, if any.
    pub fn max(&self) -> Option<u64> {
        (self.count > 0).then_some(self.max)
    }

    /// The mean of the samples, if any.
    pub fn mean(&self) -> Option<u64> {
        self.sum.checked_div(self.count)
    }

    /// The `p`th percentile (0 to 100), if there are samples. The 0th is the exact minimum.
    pub fn percentile(&self, p: u8) -> Option<u64> {
        if self.count == 0 {
            return None;
        }
        if p == 0 {
            return Some(self.min);
        }
        let p = u64::from(p.min(100));
        let rank = (self.count * p).div_ceil(100).max(1);
        let mut seen = 0u64;
        for (i, &n) in self.buckets.iter().enumerate() {
            seen += u64::from(n);
            if seen >= rank {
                return Some(Self::upper_bound(i).clamp(self.min, self.max));
            }
        }
        Some(self.max)
    }

    /// The median.
    pub fn p50(&self) -> Option<u64> {
        self.percentile(50)
    }

    /// The 95th percentile.
    pub fn p95(&self) -> Option<u64> {
        self.percentile(95)
    }
}

/// The start of a timed operation; see [`Metrics::start`].
#[derive(Clone, Copy, Debug)]
pub struct Timer(Option<u64>);

/// Offload counters per kind, and spill and load latency (of all kinds, and of memory pages
/// alone).
#[derive(Clone, Debug)]
pub struct Metrics {
    kinds: [KindCounters; Kind::COUNT],
    spill_latency: Histogram,
    load_latency: Histogram,
    page_write_latency: Histogram,
    page_read_latency: Histogram,
    clock: Option<Clock>,
}

impl Default for Metrics {
    /// Metrics with the std clock on std, and without a clock otherwise.
    fn default() -> Metrics {
        #[cfg(feature = "std")]
        let clock: Option<Clock> = Some(std_clock);
        #[cfg(not(feature = "std"))]
        let clock: Option<Clock> = None;
        Metrics::new(clock)
    }
}

impl Metrics {
    /// Empty metrics timed by `clock` (no latencies are recorded without one).
    pub fn new(clock: Option<Clock>) -> Metrics {
        Metrics {
            kinds: [KindCounters::default(); Kind::COUNT],
            spill_latency: Histogram::default(),
            load_latency: Histogram::default(),
            page_write_latency: Histogram::default(),
            page_read_latency: Histogram::default(),
            clock,
        }
    }

    /// Replaces the clock.
    pub fn set_clock(&mut self, clock: Option<Clock>) {
        self.clock = clock;
    }

    /// Marks the start of a spill or load.
    pub fn start(&self) -> Timer {
        Timer(self.clock.map(|c| c()))
    }

    fn elapsed(&self, started: Timer) -> Option<u64> {
        Some(self.clock?().saturating_sub(started.0?))
    }

    /// Records a completed spill of `bytes` bytes of `kind`, started at `started`.
    pub fn record_spill(&mut self, kind: Kind, bytes: usize, started: Timer) {
        let c = &mut self.kinds[kind.ordinal()];
        c.spills += 1;
        c.bytes_written += bytes as u64;
        if let Some(ns) = self.elapsed(started) {
            self.spill_latency.record(ns);
            if kind == Kind::MemoryPage {
                self.page_write_latency.record(ns);
            }
        }
    }

    /// Records `count` spills of `kind` done by one write of `bytes` bytes in all (a batch of
    /// pages written together), started at `started`: each counts, with the batch's time
    /// shared out as its latency.
    pub fn record_spills(&mut self, kind: Kind, count: usize, bytes: usize, started: Timer) {
        let c = &mut self.kinds[kind.ordinal()];
        c.spills += count as u64;
        c.bytes_written += bytes as u64;
        if let (Some(ns), Some(n)) = (
            self.elapsed(started),
            core::num::NonZeroU64::new(count as u64),
        ) {
            for _ in 0..count {
                self.spill_latency.record(ns / n);
                if kind == Kind::MemoryPage {
                    self.page_write_latency.record(ns / n);
                }
            }
        }
    }

    /// Records a completed load of `bytes` bytes of `kind`, started at `started`.
    pub fn record_load(&mut self, kind: Kind, bytes: usize, started: Timer) {
        let c = &mut self.kinds[kind.ordinal()];
        c.loads += 1;
        c.bytes_read += bytes as u64;
        if let Some(ns) = self.elapsed(started) {
            self.load_latency.record(ns);
            if kind == Kind::MemoryPage {
                self.page_read_latency.record(ns);
            }
        }
    }

    /// Records a failed load of `kind`.
    pub fn record_load_failure(&mut self, kind: Kind) {
        self.kinds[kind.ordinal()].load_failures += 1;
    }

    /// Records a fallback taken for `kind`.
    pub fn record_fallback(&mut self, kind: Kind) {
        self.kinds[kind.ordinal()].fallbacks += 1;
    }

    /// The counters of one kind.
    pub fn kind(&self, kind: Kind) -> &KindCounters {
        &self.kinds[kind.ordinal()]
    }

    /// The counters summed over all kinds.
    pub fn totals(&self) -> KindCounters {
        let mut total = KindCounters::default();
        self.kinds.iter().for_each(|c| total.add(c));
        total
    }

    /// Spill latencies in nanoseconds.
    pub fn spill_latency(&self) -> &Histogram {
        &self.spill_latency
    }

    /// Load latencies in nanoseconds.
    pub fn load_latency(&self) -> &Histogram {
        &self.load_latency
    }

    /// Write-back latencies of memory pages alone, in nanoseconds (a batch written in one
    /// storage write counts each of its pages at the batch's time divided among them).
    pub fn page_write_latency(&self) -> &Histogram {
        &self.page_write_latency
    }

    /// Page-in latencies of memory pages alone, in nanoseconds.
    pub fn page_read_latency(&self) -> &Histogram {
        &self.page_read_latency
    }

    /// Clears every counter and histogram (the clock stays).
    pub fn reset(&mut self) {
        *self = Metrics::new(self.clock);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::sync::atomic::{AtomicU64, Ordering};

    #[test]
    fn buckets_are_monotonic_and_tight() {
        let mut last = 0;
        for v in (0..10_000u64).chain([1 << 20, (1 << 39) + 5, u64::MAX]) {
            let b = Histogram::bucket(v);
            assert!(b >= last);
            last = b;
            if b < BUCKETS - 1 {
                let upper = Histogram::upper_bound(b);
                assert!(upper >= v && upper - v <= v / 4, "{v} -> {upper}");
            }
        }
    }

    #[test]
    fn percentiles() {
        let mut h = Histogram::default();
        assert_eq!(h.p50(), None);
        for v in 1..=100u64 {
            h.record(v * 1000);
        }
        assert_eq!(
            (h.count(), h.min(), h.max(), h.mean()),
            (100, Some(1000), Some(100_000), Some(50_500))
        );
        let p50 = h.p50().unwrap();
        let p95 = h.p95().unwrap();
        assert!((50_000..=62_500).contains(&p50), "{p50}");
        assert!((95_000..=100_000).contains(&p95), "{p95}");
        assert_eq!(h.percentile(100), Some(100_000));
        assert_eq!(h.percentile(0), Some(1000));
    }

    static NOW: AtomicU64 = AtomicU64::new(0);
    fn fake_clock() -> u64 {
        NOW.load(Ordering::Relaxed)
    }

    #[test]
    fn counters_and_latency() {
        let mut m = Metrics::new(Some(fake_clock));
        let t = m.start();
        NOW.fetch_add(500, Ordering::Relaxed);
        m.record_spill(Kind::Code, 100, t);
        let t = m.start();
        NOW.fetch_add(2000, Ordering::Relaxed);
        m.record_load(Kind::Code, 100, t);
        m.record_load(Kind::Memory, 64, m.start());
        m.record_load_failure(Kind::Memory);
        m.record_fallback(Kind::Memory);
        assert_eq!(m.kind(Kind::Code).spills, 1);
        assert_eq!(m.kind(Kind::Code).bytes_read, 100);
        let t = m.totals();
        assert_eq!(
            (
                t.spills,
                t.loads,
                t.bytes_written,
                t.bytes_read,
                t.load_failures,
                t.fallbacks
            ),
            (1, 2, 100, 164, 1, 1)
        );
        assert_eq!(m.spill_latency().max(), Some(500));
        assert_eq!(m.load_latency().count(), 2);
        assert_eq!(m.load_latency().max(), Some(2000));

        let mut none = Metrics::new(None);
        none.record_spill(Kind::Code, 1, none.start());
        assert_eq!(none.kind(Kind::Code).spills, 1);
        assert_eq!(none.spill_latency().count(), 0);
        m.reset();
        assert_eq!(m.totals(), KindCounters::default());
    }
}
