//! The configuration from environment variables (`FAYASM_*`, std): [`Config::from_env`],
//! [`Config::apply_env`] and [`Config::apply_vars`].

use alloc::string::String;

use super::profile::{parse_size, TargetProfile};
use super::{CodeEviction, Config, ConfigError};

impl Config {
    /// The defaults ([`Config::default`]) with the environment applied ([`Config::apply_env`]).
    #[cfg(feature = "std")]
    pub fn from_env() -> Result<Config, ConfigError> {
        Config::default().apply_env()
    }

    /// Apply the process environment on top of this configuration; see
    /// [`apply_vars`](Config::apply_vars) for the variables.
    #[cfg(feature = "std")]
    pub fn apply_env(self) -> Result<Config, ConfigError> {
        self.apply_vars(|name| std::env::var(name).ok())
    }

    /// Apply configuration variables looked up by `get` (the environment, on std hosts), in
    /// this order; unset or empty variables change nothing:
    ///
    /// - `FAYASM_TARGET_PROFILE=host|esp32c3|<RAM bytes, k/m/g suffix, not 0>`:
    ///   [`Config::profile`].
    /// - `FAYASM_CODE_BUDGET=<bytes, k/m suffix>|none`: [`Config::code_cache_budget`].
    /// - `FAYASM_MICROCODE=0|1`: `0` keeps no microcode cached between calls (budget 0: every
    ///   translation or load evicts all other functions' code, so a function is re-translated,
    ///   or reloaded under the spill policy, whenever another ran in between; code of the
    ///   functions on the call stack stays alive until they return). `1` keeps the cache with
    ///   the budget set so far.
    /// - `FAYASM_CODE_OVERDRAFT=<bytes, k/m suffix>|none`: [`Config::code_cache_overdraft`]
    ///   (`none`: no limit).
    /// - `FAYASM_CODE_EVICTION=drop|spill`: [`Config::code_eviction`].
    /// - `FAYASM_PAGE_BUDGET=<pages, at least 1>|none`: [`Config::page_budget`].
    /// - `FAYASM_JIT_PRESCAN=0|1`: translate everything at instantiation, if the profile
    ///   allows it ([`TargetProfile::prescan_allowed`]); `0` turns prescan off.
    /// - `FAYASM_JIT_PRESCAN_FORCE=1`: prescan whatever the profile says.
    pub fn apply_vars(
        mut self,
        mut get: impl FnMut(&str) -> Option<String>,
    ) -> Result<Config, ConfigError> {
        let mut var = |name: &'static str| {
            get(name)
                .filter(|v| !v.trim().is_empty())
                .map(|v| (name, v))
        };
        let err = |var: &'static str, value: String, expected: &'static str| ConfigError {
            var,
            value,
            expected,
        };
        let flag = |name: &'static str, v: String| match v.trim() {
            "1" | "true" | "on" | "yes" => Ok(true),
            "0" | "false" | "off" | "no" => Ok(false),
            _ => Err(err(name, v, "0 or 1")),
        };
        let optional_size = |v: &str| {
            if v.trim().eq_ignore_ascii_case("none") {
                Some(None)
            } else {
                parse_size(v).map(Some)
            }
        };
        if let Some((n, v)) = var("FAYASM_TARGET_PROFILE") {
            let p = TargetProfile::parse(&v)
                .ok_or_else(|| err(n, v, "host, esp32c3 or a RAM size above 0"))?;
            self = self.profile(p);
        }
        if let Some((n, v)) = var("FAYASM_CODE_BUDGET") {
            let b = optional_size(&v).ok_or_else(|| err(n, v, "a byte count or none"))?;
            self.code_budget = b;
        }
        if let Some((n, v)) = var("FAYASM_MICROCODE") {
            if !flag(n, v)? {
                self.code_budget = Some(0);
            }
        }
        if let Some((n, v)) = var("FAYASM_CODE_OVERDRAFT") {
            let b = optional_size(&v).ok_or_else(|| err(n, v, "a byte count or none"))?;
            self.code_overdraft = Some(b.unwrap_or(usize::MAX));
        }
        if let Some((n, v)) = var("FAYASM_CODE_EVICTION") {
            self.code_eviction = match v.trim() {
                s if s.eq_ignore_ascii_case("drop") => CodeEviction::Drop,
                s if s.eq_ignore_ascii_case("spill") => CodeEviction::Spill,
                _ => return Err(err(n, v, "drop or spill")),
            };
        }
        if let Some((n, v)) = var("FAYASM_PAGE_BUDGET") {
            let pages = match optional_size(&v) {
                Some(Some(p)) if p > 0 && v.trim().bytes().all(|b| b.is_ascii_digit()) => Some(p),
                Some(None) => None,
                _ => return Err(err(n, v, "a page count of at least 1, or none")),
            };
            self.page_budget = pages;
        }
        if let Some((n, v)) = var("FAYASM_JIT_PRESCAN") {
            self.prescan = flag(n, v)? && self.profile.prescan_allowed();
        }
        if let Some((n, v)) = var("FAYASM_JIT_PRESCAN_FORCE") {
            if flag(n, v)? {
                self.prescan = true;
            }
        }
        Ok(self)
    }
}
