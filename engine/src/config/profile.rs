//! Target profiles: the machine a build is meant for decides the defaults of the RAM-bound
//! knobs (code-cache budget, resident pages of paged memories, prescan, what the code cache
//! does with evicted microcode). The value types of those knobs live here too
//! ([`CodeEviction`], [`Paging`], [`MemoryPolicy`]); `fayasm::` re-exports them.
//!
//! The profile is chosen in this order, later steps overriding earlier ones:
//!
//! 1. **Build time** ([`TargetProfile::build_default`]): the cargo feature `profile-esp32c3`;
//!    else the compile-time environment variable `FAYASM_TARGET_PROFILE` (`host`, `esp32c3`,
//!    or a RAM size such as `196608`, `192k`, `2m`); else [`TargetProfile::Esp32c3`] when
//!    compiling for bare-metal or ESP-IDF `riscv32`; else [`TargetProfile::Host`].
//!    `Config::default()` uses it.
//! 2. **Configuration**: [`Config::profile`](crate::Config::profile) replaces the profile's
//!    knobs; the individual builders (`code_cache_budget`, `page_budget`, `prescan`,
//!    `code_eviction`) then override single knobs.
//! 3. **Environment, on std hosts**: [`Config::from_env`](crate::Config::from_env) /
//!    [`Config::apply_env`](crate::Config::apply_env) read `FAYASM_TARGET_PROFILE`,
//!    `FAYASM_CODE_BUDGET`, `FAYASM_PAGE_BUDGET`, `FAYASM_MICROCODE`, `FAYASM_CODE_EVICTION`,
//!    `FAYASM_JIT_PRESCAN` and `FAYASM_JIT_PRESCAN_FORCE` at run time. `Config::default()`
//!    never reads the environment, so a library embedding fayasm is not steered by variables it
//!    does not know about; the `fayasm` command line calls `from_env`.
//!
//! The numbers a profile derives from its RAM size (all documented on the methods):
//! microcode cache = RAM / 8, resident pages of a paged memory = RAM / 4 in 4 KiB pages (at
//! least 2), prescan refused (it would translate everything into a budget that then evicts it
//! again), and evicted microcode spilled to the store's storage when it has one.

/// What the code cache does with the microcode it evicts to stay within its budget (and what
/// [`Func::evict_code`](crate::Func::evict_code) does).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CodeEviction {
    /// Drop it; the function is re-translated from the module bytes on its next call.
    #[default]
    Drop,
    /// Write it to the store's storage ([`Store::set_storage`](crate::Store::set_storage)) in
    /// the blob envelope and drop it from RAM; the next call loads it back (envelope, decode,
    /// verify) instead of translating. Code already stored and unchanged since is not written
    /// again. A failed write degrades to `Drop`; a failed load re-translates (counted as a load
    /// failure and a fallback in [`Store::offload_metrics`](crate::Store::offload_metrics)).
    /// Without a storage this is `Drop`.
    Spill,
}

/// What happens to a memory's data on storage, and what a failure to read it back means.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MemoryPolicy {
    /// Storage is a cache for this store: writes are not synced. A page that was never
    /// written reads as zeros; a spilled memory or written page that is missing or damaged
    /// on storage makes the access trap with [`TrapCode::MemoryUnavailable`](crate::TrapCode::MemoryUnavailable).
    #[default]
    Cache,
    /// Every spill and every batch of page write-backs is synced before it counts as done,
    /// so what was spilled survives a power cut. Read failures trap as for `Cache`.
    Durable,
}

/// How a demand-paged memory is laid out in RAM.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Paging {
    /// Bytes per page: a power of two from 256 to 65,536 (default 4,096).
    pub page_size: u32,
    /// How many pages may be resident at once (at least 1).
    pub resident_pages: usize,
}

impl Default for Paging {
    fn default() -> Paging {
        Paging {
            page_size: 4096,
            resident_pages: 64,
        }
    }
}

impl Paging {
    /// Whether the page size and budget are usable.
    pub fn is_valid(&self) -> bool {
        self.page_size.is_power_of_two()
            && (256..=65_536).contains(&self.page_size)
            && self.resident_pages >= 1
    }
}

/// The page size the profile's page budget is counted in (the default page size of a paged
/// memory).
pub const PROFILE_PAGE_SIZE: usize = 4096;

/// The machine a build targets; see the [module documentation](self).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetProfile {
    /// A desktop or server: no code-cache budget, no page budget (paged memories must be given
    /// one explicitly), prescan allowed, evicted code dropped.
    Host,
    /// An ESP32-C3-class chip without PSRAM. It has 400 KiB of SRAM, of which 16 KiB serve as
    /// flash cache and ESP-IDF plus the application's own data take a good part; the profile
    /// assumes **256 KiB** of heap for the engine (`ram_bytes`), hence a 32 KiB microcode cache
    /// and 16 resident 4 KiB pages (64 KiB) per paged memory.
    Esp32c3,
    /// Any machine, by the RAM the engine may use.
    Custom {
        /// Bytes of RAM the engine may use for its caches, stacks and memories.
        ram_bytes: usize,
    },
}

/// RAM assumed for [`TargetProfile::Esp32c3`].
pub const ESP32C3_RAM_BYTES: usize = 256 * 1024;

impl TargetProfile {
    /// The profile chosen at build time (see the [module documentation](self)).
    pub fn build_default() -> TargetProfile {
        if cfg!(feature = "profile-esp32c3") {
            return TargetProfile::Esp32c3;
        }
        if let Some(p) = option_env!("FAYASM_TARGET_PROFILE").and_then(TargetProfile::parse) {
            return p;
        }
        if cfg!(all(
            target_arch = "riscv32",
            any(target_os = "none", target_os = "espidf")
        )) {
            return TargetProfile::Esp32c3;
        }
        TargetProfile::Host
    }

    /// Parses `host`, `esp32c3` (also `esp32-c3`), or a RAM size in bytes with an optional
    /// `k`/`m`/`g` suffix (KiB, MiB, GiB) for [`Custom`](TargetProfile::Custom).
    /// Case-insensitive. A RAM size of 0 is refused: no engine runs in no RAM.
    pub fn parse(text: &str) -> Option<TargetProfile> {
        let t = text.trim();
        if t.eq_ignore_ascii_case("host") {
            Some(TargetProfile::Host)
        } else if t.eq_ignore_ascii_case("esp32c3") || t.eq_ignore_ascii_case("esp32-c3") {
            Some(TargetProfile::Esp32c3)
        } else {
            parse_size(t)
                .filter(|&ram_bytes| ram_bytes > 0)
                .map(|ram_bytes| TargetProfile::Custom { ram_bytes })
        }
    }

    /// RAM the engine may use, if the profile bounds it.
    pub fn ram_bytes(&self) -> Option<usize> {
        match *self {
            TargetProfile::Host => None,
            TargetProfile::Esp32c3 => Some(ESP32C3_RAM_BYTES),
            TargetProfile::Custom { ram_bytes } => Some(ram_bytes),
        }
    }

    /// Default byte budget of the microcode cache: RAM / 8, unbounded on a host.
    pub fn code_cache_budget(&self) -> Option<usize> {
        self.ram_bytes().map(|ram| ram / 8)
    }

    /// Default number of resident pages ([`PROFILE_PAGE_SIZE`] each) of a paged memory:
    /// RAM / 4 worth of pages, at least 2 (an access may straddle two pages); none on a host.
    pub fn page_budget(&self) -> Option<usize> {
        self.ram_bytes()
            .map(|ram| (ram / 4 / PROFILE_PAGE_SIZE).max(2))
    }

    /// Whether a prescan request (`FAYASM_JIT_PRESCAN=1`) is honoured. Refused where RAM is
    /// bounded: translating every function up front would mostly evict what it translated.
    /// `FAYASM_JIT_PRESCAN_FORCE=1` and [`Config::prescan`](crate::Config::prescan) override.
    pub fn prescan_allowed(&self) -> bool {
        matches!(self, TargetProfile::Host)
    }

    /// What the code cache does with evicted microcode: spill it where RAM is bounded (it
    /// behaves like drop until the store has a storage), drop it on a host.
    pub fn code_eviction(&self) -> CodeEviction {
        match self {
            TargetProfile::Host => CodeEviction::Drop,
            _ => CodeEviction::Spill,
        }
    }
}

impl Default for TargetProfile {
    fn default() -> TargetProfile {
        TargetProfile::build_default()
    }
}

/// `123`, `64k`, `2M`, `4g` -> bytes (KiB, MiB and GiB), `None` on anything else or overflow.
pub fn parse_size(text: &str) -> Option<usize> {
    let t = text.trim();
    let (digits, mul) = match t.as_bytes().last()? {
        b'k' | b'K' => (&t[..t.len() - 1], 1024),
        b'm' | b'M' => (&t[..t.len() - 1], 1024 * 1024),
        b'g' | b'G' => (&t[..t.len() - 1], 1024 * 1024 * 1024),
        _ => (t, 1),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse::<usize>().ok()?.checked_mul(mul)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profile_parse_and_numbers() {
        assert_eq!(TargetProfile::parse("HOST"), Some(TargetProfile::Host));
        assert_eq!(
            TargetProfile::parse("esp32-c3"),
            Some(TargetProfile::Esp32c3)
        );
        assert_eq!(
            TargetProfile::parse("192k"),
            Some(TargetProfile::Custom {
                ram_bytes: 192 * 1024
            })
        );
        assert_eq!(TargetProfile::parse("k"), None);
        assert_eq!(TargetProfile::parse("0"), None);
        assert_eq!(TargetProfile::parse("0k"), None);
        assert_eq!(parse_size("2g"), 2usize.checked_mul(1 << 30));
        assert_eq!(TargetProfile::parse("-5"), None);
        assert_eq!(TargetProfile::parse("99999999999999999999999m"), None);
        let esp = TargetProfile::Esp32c3;
        assert_eq!(esp.code_cache_budget(), Some(32 * 1024));
        assert_eq!(esp.page_budget(), Some(16));
        assert!(!esp.prescan_allowed());
        assert_eq!(esp.code_eviction(), CodeEviction::Spill);
        let tiny = TargetProfile::Custom { ram_bytes: 1000 };
        assert_eq!(tiny.page_budget(), Some(2));
        assert_eq!(tiny.code_cache_budget(), Some(125));
        let host = TargetProfile::Host;
        assert_eq!((host.code_cache_budget(), host.page_budget()), (None, None));
        assert!(host.prescan_allowed());
    }

    #[test]
    fn profile_build_default_matches_features() {
        let p = TargetProfile::build_default();
        if cfg!(feature = "profile-esp32c3") {
            assert_eq!(p, TargetProfile::Esp32c3);
        } else if option_env!("FAYASM_TARGET_PROFILE").is_none() {
            assert_eq!(p, TargetProfile::Host);
        }
    }
}
