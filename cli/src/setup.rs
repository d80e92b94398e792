//! The engine and store settings of a command: configuration from the environment and flags,
//! demand paging when a page budget asks for it, and the spill directory that paging and
//! spilled microcode need.
//!
//! A setting the command line accepts takes effect, or the command stops with exit code 2:
//! a page budget (`--paged`, a RAM-bounded `FAYASM_TARGET_PROFILE` or `FAYASM_PAGE_BUDGET`)
//! turns paging on, WASI programs included; paging or `FAYASM_CODE_EVICTION=spill` get `--spill-dir`, or a fresh temporary
//! directory removed when the command ends; `--spill-dir` without anything to spill is an
//! error.

use std::path::PathBuf;

use fayasm::{CodeEviction, Config, Engine, Module, Paging, Store};

use crate::{usage, EngineArgs, Failure};

/// A temporary spill directory, removed on drop.
#[derive(Debug)]
struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The engine of a command and where its store spills.
#[derive(Debug)]
pub struct Setup {
    pub engine: Engine,
    limits: fayasm::StoreLimits,
    spill_dir: Option<PathBuf>,
    /// Keeps a temporary spill directory alive until the command ends.
    _temp: Option<TempDir>,
}

fn temp_spill_dir() -> Result<TempDir, Failure> {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let dir = std::env::temp_dir().join(format!("fayasm-spill-{}-{nanos:08x}", std::process::id()));
    std::fs::create_dir(&dir).map_err(|e| {
        usage(format!(
            "cannot create a spill directory `{}`: {e}",
            dir.display()
        ))
    })?;
    Ok(TempDir(dir))
}

impl Setup {
    /// Read and validate the module `file`, then settle the settings for running it.
    pub fn load(args: &EngineArgs, file: &str) -> Result<(Setup, Vec<u8>, Module), Failure> {
        let mut config: Config = args.config()?;
        let limits = args.limits()?;
        let limit = args.max_module_size()?;
        let (bytes, module) = crate::read_module(&Engine::new(config.clone()), file, limit)?;
        if args.paged == Some(0) {
            return Err(usage("--paged 0: at least one page must stay resident"));
        }
        if let Some(pages) = args.paged.or(config.page_budget_pages()) {
            config = config.memory_paging(Some(Paging {
                resident_pages: pages,
                ..Paging::default()
            }));
        }
        let spills =
            config.memory_paging_enabled() || config.code_eviction_policy() == CodeEviction::Spill;
        let (spill_dir, temp) = match (&args.spill_dir, spills) {
            (Some(dir), true) => (Some(PathBuf::from(dir)), None),
            (Some(_), false) => {
                return Err(usage(
                    "--spill-dir has no effect: nothing spills without --paged, a RAM-bounded \
                     FAYASM_TARGET_PROFILE, FAYASM_PAGE_BUDGET or FAYASM_CODE_EVICTION=spill",
                ))
            }
            (None, true) => {
                let t = temp_spill_dir()?;
                (Some(t.0.clone()), Some(t))
            }
            (None, false) => (None, None),
        };
        let setup = Setup {
            engine: Engine::new(config),
            limits,
            spill_dir,
            _temp: temp,
        };
        Ok((setup, bytes, module))
    }

    /// Give `store` the limits, and the spill directory as its storage if anything spills.
    pub fn attach<T>(&self, store: &mut Store<T>) -> Result<(), Failure> {
        store.set_limits(self.limits);
        if let Some(dir) = &self.spill_dir {
            let storage = fayasm::offload::FileStorage::open(dir)
                .map_err(|e| usage(format!("--spill-dir `{}`: {e}", dir.display())))?;
            store.set_storage(storage);
        }
        Ok(())
    }
}
