//! A function's code state and the store's code cache.
//!
//! Translated microcode can be dropped (it is re-translated from the module bytes on the next
//! call), spilled to the store's storage (loaded back, through envelope checks, decoding and
//! verification, on the next call), or replaced by microcode loaded from any storage (verified
//! against the module first).
//!
//! Under a budget ([`Config::code_cache_budget`](crate::Config::code_cache_budget)),
//! admitting code past it evicts the coldest other functions (second chance over the
//! admission order, with a referenced bit set by every call), following the
//! [`CodeEviction`] policy. Code that a running call holds (the function being executed and
//! its callers on the stack: their frames keep a reference to the microcode) is *pinned*: it
//! is never evicted, and it does not count against the budget when victims are chosen
//! (evicting it would free nothing until the call returns, and would make the next call
//! translate it again). So a function larger than the budget is admitted over budget while it
//! runs, the other functions share the budget around it, and a call translates at most the
//! function it calls. When the working set does not fit (a function the budget evicted is
//! needed again: a *refault*), the cache earns an overdraft of that function's size, up to
//! [`Config::code_cache_overdraft`](crate::Config::code_cache_overdraft), so a loop whose
//! working set fits in budget plus overdraft settles instead of re-translating on every
//! round. The default overdraft is the budget again or the most code running calls have
//! pinned at once ([`CodeCacheStats::pinned_peak`]), whichever is larger: the program needed
//! that much RAM for code at its deepest call whatever the budget, so holding as much between
//! calls adds little to its peak and stops a budget far below the working set from
//! re-translating the same functions on every round (the printf loop of `wasi_numfmt`, 400
//! rounds, under a 4 KiB budget: 3.56 G instructions before, 1.06x its unbounded 111 M
//! after). Admissions that leave the cache over its budget are counted
//! ([`CodeCacheStats::over_budget_admissions`]), with translations, reloads, refaults and
//! evictions. Under [`CodeEviction::Spill`] the cache remembers, per function,
//! the generation of the blob it wrote (or loaded) in the store's storage: code evicted while
//! that blob is current is not written again, and a load accepts only a blob of exactly that
//! generation, so a lost or stale write is never taken as current. The record is forgotten
//! whenever the function gets code from elsewhere or the store's storage is replaced.

use super::context::{AsContext, AsContextMut};
use alloc::collections::VecDeque;
use alloc::vec::Vec;

use hashbrown::{HashMap, HashSet};

use super::{CodeState, Func, FuncKind, StorageFailure, Store, StoreInner};
use crate::config::{CodeEviction, Config};
use crate::error::{Error, ModuleError};
use crate::microcode::resident::{Code, CodeRef};
use crate::microcode::Compiled;
use crate::module::ModuleInner;
use crate::offload::{blob, io, Key, Kind, OffloadError};

/// Why [`Func::spill_code`] did not move a function's microcode to the store's storage (the
/// function keeps its code in RAM).
#[derive(Debug)]
pub enum CodeSpillError {
    /// The store has no storage ([`Store::set_storage`]).
    NoStorage,
    /// The function belongs to another store.
    WrongStore,
    /// The function could not be translated (no RAM for its microcode, a limit).
    Translate(Error),
    /// Writing the blob failed.
    Offload(OffloadError<StorageFailure>),
}

impl core::fmt::Display for CodeSpillError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            CodeSpillError::NoStorage => {
                f.write_str("spilling code needs a storage: call Store::set_storage first")
            }
            CodeSpillError::WrongStore => f.write_str("the function belongs to another store"),
            CodeSpillError::Translate(e) => write!(f, "translating the function: {e}"),
            CodeSpillError::Offload(e) => write!(f, "spilling the function's code: {e}"),
        }
    }
}

/// Why microcode read from storage was not installed (the function keeps its state).
#[derive(Debug)]
pub enum CodeLoadError<E> {
    /// Reading the blob failed, or the envelope was rejected.
    Offload(OffloadError<E>),
    /// The payload is not well-formed microcode.
    Decode(crate::microcode::codec::DecodeError),
    /// The microcode does not verify against the module.
    Rejected(crate::Error),
}

impl<E: core::fmt::Debug> core::fmt::Display for CodeLoadError<E> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            CodeLoadError::Offload(e) => write!(f, "{e}"),
            CodeLoadError::Decode(e) => write!(f, "{e}"),
            CodeLoadError::Rejected(e) => write!(f, "{e}"),
        }
    }
}

/// The bytes of microcode a store holds and the budget they are kept under.
#[derive(Debug, Default)]
pub(crate) struct CodeCache {
    budget: Option<usize>,
    policy: CodeEviction,
    used: usize,
    /// Functions in the order their code was admitted (only tracked under a budget; an entry
    /// may be stale after an explicit eviction, which only makes that function go earlier).
    order: VecDeque<u32>,
    evictions: u64,
    /// Functions whose current microcode is in the store's storage, with that blob's
    /// generation (only under [`CodeEviction::Spill`]).
    stored: HashMap<u32, u64>,
    /// Why the last automatic load from the store's storage failed.
    last_load_error: Option<CodeLoadError<StorageFailure>>,
    translations: u64,
    reloads: u64,
    over_budget_admissions: u64,
    peak: usize,
    /// How far past the budget the cache may grow now (grows on refaults up to `max_overdraft`).
    overdraft: usize,
    max_overdraft: usize,
    refaults: u64,
    /// Functions the budget evicted and that have not been needed since.
    evicted: HashSet<u32>,
    /// Code dropped or replaced while a running call held it (pinned: the interpreter's
    /// frames point at it without a reference count), kept alive until no run holds it.
    retired: Vec<Code>,
    /// The most code running calls have held at once (a function being admitted and the
    /// code pinned by its callers): the program needed that much RAM for code whatever the
    /// budget, so the cache may always hold as much (see [`admit`]).
    pinned_peak: usize,
    /// Whether the overdraft may grow to `pinned_peak` (the default overdraft) rather than
    /// stop at the configured one.
    overdraft_follows_calls: bool,
}

/// What a store's code cache holds and has done (see [`Store::code_cache_stats`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CodeCacheStats {
    /// The budget in bytes of microcode (`None`: unbounded).
    pub budget: Option<usize>,
    /// Bytes of microcode in RAM now.
    pub used: usize,
    /// The most bytes of microcode held at once.
    pub peak: usize,
    /// Function bodies translated to microcode (first translations and re-translations).
    pub translations: u64,
    /// Functions whose spilled microcode was loaded back from the store's storage.
    pub reloads: u64,
    /// Functions whose microcode the budget evicted (explicit evictions are not counted).
    pub evictions: u64,
    /// Translations and reloads of functions the budget had evicted.
    pub refaults: u64,
    /// How many bytes past the budget the cache may hold now: grown by refaults, up to
    /// [`Config::code_cache_overdraft`](crate::Config::code_cache_overdraft).
    pub overdraft: usize,
    /// Admissions that left the cache over its budget: because of the code pinned by running
    /// calls (a function larger than the budget runs this way) or of the overdraft.
    pub over_budget_admissions: u64,
    /// The most microcode running calls have held at once (a function being admitted and the
    /// code pinned by the calls below it), tracked under a budget.
    pub pinned_peak: usize,
}

impl CodeCache {
    pub fn new(config: &Config) -> CodeCache {
        CodeCache {
            budget: config.code_budget,
            policy: config.code_eviction,
            max_overdraft: config.get_code_cache_overdraft(),
            overdraft_follows_calls: config.code_overdraft.is_none(),
            ..CodeCache::default()
        }
    }

    /// A function the budget evicted was needed again (`bytes` of code): the working set does
    /// not fit, so the cache may hold that much more, up to its largest overdraft (by default
    /// the configured one or the pinned peak, whichever is larger).
    fn refault(&mut self, bytes: usize) {
        self.refaults += 1;
        let cap = if self.overdraft_follows_calls {
            self.max_overdraft.max(self.pinned_peak)
        } else {
            self.max_overdraft
        };
        self.overdraft = self.overdraft.saturating_add(bytes).min(cap);
    }

    /// Code that leaves a function: freed now, or retired while a running call holds it.
    fn retire(&mut self, code: Code) {
        if code.get().pinned() {
            self.retired.push(code);
        }
    }

    /// Keep `code`, which a run has just pinned, alive until no run pins it (the code of a
    /// resumed call's frame: its function may hold other code by now).
    pub fn keep_pinned(&mut self, code: Code) {
        self.retired.push(code);
    }

    /// Free the retired code no running call holds any more (after a run ends).
    pub fn release_retired(&mut self) {
        if !self.retired.is_empty() {
            self.retired.retain(|c| c.get().pinned());
        }
    }

    /// Forget which functions have their code in the store's storage (the storage changed).
    pub fn forget_stored(&mut self) {
        self.stored.clear();
    }
}

/// The function whose code runs when `f` is entered, if `f` is a forwarder aliased to it
/// (`CodeState::Forward`).
pub(crate) fn forward_target(inner: &StoreInner, f: u32) -> Option<u32> {
    match inner.funcs[f as usize].kind {
        FuncKind::Wasm {
            code: CodeState::Forward(t),
            ..
        } => Some(t),
        _ => None,
    }
}

/// Whether `f`'s microcode in RAM is held by a running call (a frame, or the interpreter's
/// current function): evicting it would free nothing and force a re-translation.
fn pinned(inner: &StoreInner, f: u32) -> bool {
    matches!(
        &inner.funcs[f as usize].kind,
        FuncKind::Wasm { code: CodeState::Translated(c), .. } if c.get().pinned()
    )
}

/// Bytes of microcode pinned by running calls (see [`pinned`]), except `f`'s.
fn pinned_bytes(inner: &StoreInner, f: u32) -> usize {
    inner
        .funcs
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != f as usize)
        .map(|(_, e)| match &e.kind {
            FuncKind::Wasm {
                code: CodeState::Translated(c),
                ..
            } if c.get().pinned() => c.get().byte_size(),
            _ => 0,
        })
        .sum()
}

/// Accounts for `f`'s new code of `bytes`, evicting other functions while the code not
/// pinned by running calls is over budget: the coldest first, by second chance (CLOCK) over
/// the admission order. A function called since the last pass (its `referenced` bit, set by
/// every call) goes to the back once with the bit cleared; one not called since (or since its
/// admission) is evicted. Pinned functions and `f` are never evicted; `f` (which the caller
/// holds, about to run it) counts against the budget, the other pinned functions do not.
fn admit(inner: &mut StoreInner, f: u32, bytes: usize) {
    let cache = &mut inner.code_cache;
    cache.used += bytes;
    cache.peak = cache.peak.max(cache.used);
    let Some(budget) = cache.budget else { return };
    cache.order.push_back(f);
    // Only calls after its admission count: a function called once is the first to go.
    inner.funcs[f as usize].referenced = false;
    inner.forget_callee(f);
    if inner.code_cache.used <= budget {
        return;
    }
    // Pinned code stays whatever happens; the budget (plus the overdraft thrashing earned)
    // bounds the rest.
    let pinned_now = pinned_bytes(inner, f);
    let cache = &mut inner.code_cache;
    cache.pinned_peak = cache.pinned_peak.max(pinned_now.saturating_add(bytes));
    let limit = budget
        .saturating_add(cache.overdraft)
        .saturating_add(pinned_now);
    // Every entry gets at most one second chance per admission, so the loop ends.
    let mut spared = 0;
    while inner.code_cache.used > limit && spared < 2 * inner.code_cache.order.len() + 1 {
        let Some(victim) = inner.code_cache.order.pop_front() else {
            break;
        };
        let keep = victim == f || pinned(inner, victim);
        let entity = &mut inner.funcs[victim as usize];
        if keep || (entity.referenced && spared < inner.code_cache.order.len() + 1) {
            entity.referenced = false;
            inner.forget_callee(victim);
            inner.code_cache.order.push_back(victim);
            spared += 1;
            continue;
        }
        if evict(inner, victim) > 0 {
            inner.code_cache.evictions += 1;
            inner.code_cache.evicted.insert(victim);
        }
    }
    if inner.code_cache.used > budget {
        inner.code_cache.over_budget_admissions += 1;
    }
}

/// Drops `f`'s microcode from RAM, spilling it first under [`CodeEviction::Spill`] when the
/// store has a storage and the stored copy is not already current. Returns the bytes freed.
fn evict(inner: &mut StoreInner, f: u32) -> usize {
    let FuncKind::Wasm {
        code: code @ CodeState::Translated(_),
        ..
    } = &mut inner.funcs[f as usize].kind
    else {
        // No code in RAM, or a forwarder's alias: it holds no code of its own.
        return 0;
    };
    let CodeState::Translated(c) = core::mem::replace(code, CodeState::Untranslated) else {
        return 0;
    };
    inner.forget_callee(f);
    let bytes = c.get().byte_size();
    inner.code_cache.used = inner.code_cache.used.saturating_sub(bytes);
    if inner.code_cache.policy == CodeEviction::Spill
        && inner.offload.storage.is_some()
        && !inner.code_cache.stored.contains_key(&f)
    {
        // A failed write degrades to a drop: the function is re-translated on its next call.
        let _ = spill_to_store(inner, f, c.get());
    }
    inner.code_cache.retire(c);
    bytes
}

/// The storage key of wasm function `f`'s microcode (`None` for a host function, and for
/// a forwarder aliased to another function's code: it has no microcode of its own, so
/// nothing is ever stored under its key while it is one).
pub(crate) fn code_key(inner: &StoreInner, f: u32) -> Option<Key> {
    let FuncKind::Wasm {
        instance,
        def,
        ref code,
    } = inner.funcs[f as usize].kind
    else {
        return None;
    };
    if matches!(code, CodeState::Forward(_)) {
        return None;
    }
    let module = &inner.instances[instance as usize].module;
    Some(Key::new(
        Kind::Code,
        module.fingerprint(),
        module.num_imported_funcs + def,
    ))
}

/// Writes `code` (the current microcode of `f`) to the store's storage under a fresh
/// generation and records it as stored. Returns the bytes written (0 for a host function).
fn spill_to_store(
    inner: &mut StoreInner,
    f: u32,
    code: CodeRef<'_>,
) -> Result<usize, CodeSpillError> {
    let Some(key) = code_key(inner, f) else {
        return Ok(0);
    };
    if inner.offload.storage.is_none() {
        return Err(CodeSpillError::NoStorage);
    }
    let started = inner.offload.metrics.start();
    let generation = inner.offload.next_generation();
    let payload = code.encode();
    let storage = inner
        .offload
        .storage
        .as_deref_mut()
        .ok_or(CodeSpillError::NoStorage)?;
    // The code cache is a cache: a lost or torn blob is a re-translation, so no fsync.
    io::save_with(storage, &key, generation, &payload, false).map_err(CodeSpillError::Offload)?;
    let written = blob::HEADER_LEN + payload.len();
    inner
        .offload
        .metrics
        .record_spill(Kind::Code, written, started);
    inner.code_cache.stored.insert(f, generation);
    Ok(written)
}

/// Writes `f`'s microcode (translated first if needed) to the store's storage under a fresh
/// generation, then drops it from RAM: the next call loads it back, verified, or re-translates
/// if that fails. Returns the bytes written (0 for a host function).
pub(crate) fn spill_and_evict(inner: &mut StoreInner, f: u32) -> Result<usize, CodeSpillError> {
    if code_key(inner, f).is_none() {
        return Ok(0);
    }
    if inner.offload.storage.is_none() {
        return Err(CodeSpillError::NoStorage);
    }
    let code = materialize(inner, f).map_err(CodeSpillError::Translate)?;
    let written = spill_to_store(inner, f, code.get())?;
    drop(code);
    // The copy just written is current, so the eviction writes nothing more.
    evict(inner, f);
    Ok(written)
}

/// Checks that `code` fits function `f`'s signature and verifies it against `module`.
fn check(inner: &StoreInner, f: u32, module: &ModuleInner, code: &Compiled) -> Result<(), Error> {
    let ty = &inner.funcs[f as usize].ty;
    let cells_of = crate::types::ValType::cells_of;
    if code.num_params != cells_of(ty.params()) || code.num_results != cells_of(ty.results()) {
        return Err(Error::Module(ModuleError {
            offset: 0,
            message: "microcode does not match the function's signature".into(),
        }));
    }
    module.verify(code)?;
    Ok(())
}

/// Makes verified `code` the current microcode of `f` and admits it to the cache.
fn install(inner: &mut StoreInner, f: u32, code: Code) {
    let bytes = code.get().byte_size();
    inner.forget_callee(f);
    if let FuncKind::Wasm { code: state, .. } = &mut inner.funcs[f as usize].kind {
        if let CodeState::Translated(old) = core::mem::replace(state, CodeState::Translated(code)) {
            inner.code_cache.used = inner.code_cache.used.saturating_sub(old.get().byte_size());
            inner.code_cache.retire(old);
        }
    }
    admit(inner, f, bytes);
}

/// Reads `f`'s stored microcode of generation `generation` from the store's storage.
fn load_stored(
    inner: &mut StoreInner,
    f: u32,
    module: &ModuleInner,
    generation: u64,
) -> Result<Compiled, CodeLoadError<StorageFailure>> {
    let key = code_key(inner, f).ok_or(CodeLoadError::Rejected(Error::Type(
        "host functions have no microcode",
    )))?;
    let started = inner.offload.metrics.start();
    let storage = inner
        .offload
        .storage
        .as_deref_mut()
        .ok_or(CodeLoadError::Offload(OffloadError::NotFound(key)))?;
    let mut buf = Vec::new();
    // Envelope, identity and generation checks; `buf` keeps only the payload.
    io::load_generation(storage, &key, generation, &mut buf).map_err(CodeLoadError::Offload)?;
    let code = Compiled::decode(&buf).map_err(CodeLoadError::Decode)?;
    check(inner, f, module, &code).map_err(CodeLoadError::Rejected)?;
    inner
        .offload
        .metrics
        .record_load(Kind::Code, blob::HEADER_LEN + buf.len(), started);
    Ok(code)
}

/// The microcode of wasm function `f` (of its target for an aliased forwarder): the code in
/// RAM, else the copy the code cache spilled to the store's storage, else a fresh
/// translation (also the fallback when loading fails).
/// The cold path of every call of a function without code in RAM.
pub(crate) fn materialize(inner: &mut StoreInner, f: u32) -> Result<Code, Error> {
    let instance = match &inner.funcs[f as usize].kind {
        FuncKind::Wasm {
            code: CodeState::Translated(c),
            ..
        } => return Ok(c.clone()),
        // A forwarder's code is its callee's (a chain of them ends: see `alias_forwarders`).
        FuncKind::Wasm {
            code: CodeState::Forward(t),
            ..
        } => return materialize(inner, *t),
        FuncKind::Wasm { instance, .. } => *instance,
        FuncKind::Host { .. } => return Err(Error::Type("host functions have no microcode")),
    };
    let module = inner.instances[instance as usize].module.clone();
    let refault = inner.code_cache.evicted.remove(&f);
    if let Some(generation) = inner.code_cache.stored.get(&f).copied() {
        match load_stored(inner, f, &module, generation) {
            Ok(code) => {
                inner.code_cache.reloads += 1;
                if refault {
                    inner.code_cache.refault(code.byte_size());
                }
                let code = Code::new(&code)?;
                install(inner, f, code.clone());
                return Ok(code);
            }
            Err(e) => {
                inner.code_cache.stored.remove(&f);
                inner.code_cache.last_load_error = Some(e);
                inner.offload.metrics.record_load_failure(Kind::Code);
                inner.offload.metrics.record_fallback(Kind::Code);
            }
        }
    }
    let FuncKind::Wasm { def, .. } = inner.funcs[f as usize].kind else {
        return Err(Error::Type("host functions have no microcode"));
    };
    let code = module.translate(def)?;
    inner.code_cache.translations += 1;
    if refault {
        inner.code_cache.refault(code.byte_size());
    }
    // The interpreter's unchecked frame and op accesses rest on this check (see `exec::run`).
    module.verify(&code)?;
    let code = Code::new(&code)?;
    install(inner, f, code.clone());
    Ok(code)
}

/// Makes `code`, which `Module::new` translated and verified for `f`'s module under prescan,
/// `f`'s microcode: a translation, as [`materialize`] would have made.
pub(crate) fn install_translated(
    inner: &mut StoreInner,
    f: u32,
    code: Compiled,
) -> Result<(), Error> {
    let code = Code::new(&code)?;
    inner.code_cache.translations += 1;
    install(inner, f, code);
    Ok(())
}

/// Where a function's microcode is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeStatus {
    /// A host function: no microcode.
    Host,
    /// Not translated (or dropped): the next call translates it.
    Untranslated,
    /// In RAM, ready to run.
    Translated,
    /// Not in RAM, but spilled to the store's storage by the code cache: the next call loads
    /// it (and re-translates if that fails).
    Spilled,
}

impl Func {
    /// Where this function's microcode is.
    ///
    /// # Panics
    /// If the function belongs to another store; [`try_code_status`](Func::try_code_status) returns
    /// [`Error::WrongStore`](crate::Error::WrongStore) instead.
    #[track_caller]
    pub fn code_status<T>(&self, store: impl AsContext<Data = T>) -> CodeStatus {
        let store = store.as_context().0;
        store.assert_owns(self.1);
        // A forwarder's code is its chain's last function's.
        let mut f = self.0;
        while let Some(t) = forward_target(&store.inner, f) {
            f = t;
        }
        match &store.inner.funcs[f as usize].kind {
            FuncKind::Host { .. } => CodeStatus::Host,
            FuncKind::Wasm {
                code: CodeState::Untranslated,
                ..
            } => {
                if store.inner.code_cache.stored.contains_key(&f)
                    && store.inner.offload.storage.is_some()
                {
                    CodeStatus::Spilled
                } else {
                    CodeStatus::Untranslated
                }
            }
            FuncKind::Wasm {
                code: CodeState::Translated(_) | CodeState::Forward(_),
                ..
            } => CodeStatus::Translated,
        }
    }

    /// Drop this function's microcode from RAM, following the store's
    /// [`CodeEviction`] policy: under `Spill` with a store storage it is written there first
    /// (unless the stored copy is already current) and the next call loads it back; otherwise
    /// the next call re-translates. Returns the bytes freed. A call in progress keeps
    /// running on its own reference.
    ///
    /// # Panics
    /// If the function belongs to another store; [`try_evict_code`](Func::try_evict_code) returns
    /// [`Error::WrongStore`](crate::Error::WrongStore) instead.
    #[track_caller]
    pub fn evict_code<T>(&self, mut store: impl AsContextMut<Data = T>) -> usize {
        let store = store.as_context_mut().0;
        store.assert_owns(self.1);
        evict(&mut store.inner, self.0)
    }

    /// Install microcode for this function (e.g. read back from storage). It is verified
    /// against the function's module first; microcode that fails is rejected with an error
    /// and the function keeps its current state.
    pub fn install_code<T>(
        &self,
        mut store: impl AsContextMut<Data = T>,
        code: Compiled,
    ) -> Result<(), Error> {
        let store = store.as_context_mut().0;
        store.check(self.1)?;
        let FuncKind::Wasm { instance, .. } = store.inner.funcs[self.0 as usize].kind else {
            return Err(Error::Type("host functions have no microcode"));
        };
        let module = store.inner.instances[instance as usize].module.clone();
        check(&store.inner, self.0, &module, &code)?;
        let code = Code::new(&code)?;
        // The code comes from elsewhere: a copy in the store's storage is no longer known to
        // match it.
        store.inner.code_cache.stored.remove(&self.0);
        store.inner.code_cache.evicted.remove(&self.0);
        install(&mut store.inner, self.0, code);
        Ok(())
    }
}

impl<T> Store<T> {
    /// Bytes of microcode this store holds in RAM, and how many functions the code-cache
    /// budget has evicted so far.
    pub fn code_cache_usage(&self) -> (usize, u64) {
        (self.inner.code_cache.used, self.inner.code_cache.evictions)
    }

    /// What the code cache holds and has done: bytes in RAM (now and at peak), the budget,
    /// and counts of translations, reloads from storage, evictions and over-budget
    /// admissions.
    pub fn code_cache_stats(&self) -> CodeCacheStats {
        let c = &self.inner.code_cache;
        CodeCacheStats {
            budget: c.budget,
            used: c.used,
            peak: c.peak,
            translations: c.translations,
            reloads: c.reloads,
            evictions: c.evictions,
            refaults: c.refaults,
            pinned_peak: c.pinned_peak,
            overdraft: c.overdraft,
            over_budget_admissions: c.over_budget_admissions,
        }
    }

    /// Why the last automatic load of spilled microcode failed (the function was
    /// re-translated instead), if one has failed.
    pub fn last_code_load_error(&self) -> Option<&CodeLoadError<StorageFailure>> {
        self.inner.code_cache.last_load_error.as_ref()
    }
}
