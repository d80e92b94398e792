//! The engine and store settings of a command: configuration from the environment and flags,
//! demand paging when a page budget asks for it, and the spill directory that paging and
//! spilled microcode need.
//!
//! A setting the command line accepts takes effect, or the command stops with exit code 2:
//! a page budget (`--paged`, a RAM-bounded `FAYASM_TARGET_PROFILE` or `FAYASM_PAGE_BUDGET`)
//! turns paging on, WASI programs included; paging or `FAYASM_CODE_EVICTION=spill` get `--spill-dir`, or a fresh temporary
//! directory removed when the command ends; `--spill-dir` without anything to spill is an
//! error. The temporary directory is created by the first write to it: a run that never
//! spills does no directory work (creating and removing it took ~4 ms on a loaded ext4).

use std::path::PathBuf;

use fayasm::offload::{FileStorage, Key, Storage};
use fayasm::{CodeEviction, Config, Engine, Module, Paging, Store};

use crate::{usage, EngineArgs, Failure};

/// A temporary spill directory (created by the first write), removed on drop.
#[derive(Debug)]
struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A `FileStorage` over a directory that is created when the first blob is written: until
/// then every read misses and removals and syncs have nothing to do.
struct LazyDir {
    dir: PathBuf,
    storage: Option<FileStorage>,
}

impl LazyDir {
    fn open(&mut self) -> std::io::Result<&mut FileStorage> {
        if self.storage.is_none() {
            // A new directory, never one that exists (a name taken by someone else, or a
            // link put in its place, fails the write instead of receiving the blobs).
            std::fs::create_dir(&self.dir)?;
            self.storage = Some(FileStorage::open(&self.dir)?);
        }
        Ok(self.storage.as_mut().expect("opened above"))
    }
}

impl Storage for LazyDir {
    type Error = std::io::Error;

    fn read(&mut self, key: &Key, buf: &mut Vec<u8>) -> std::io::Result<bool> {
        match &mut self.storage {
            Some(s) => s.read(key, buf),
            None => {
                buf.clear();
                Ok(false)
            }
        }
    }

    fn write(&mut self, key: &Key, parts: &[&[u8]]) -> std::io::Result<()> {
        self.open()?.write(key, parts)
    }

    fn write_cached(&mut self, key: &Key, parts: &[&[u8]]) -> std::io::Result<()> {
        self.open()?.write_cached(key, parts)
    }

    fn remove(&mut self, key: &Key) -> std::io::Result<()> {
        match &mut self.storage {
            Some(s) => s.remove(key),
            None => Ok(()),
        }
    }

    fn sync(&mut self) -> std::io::Result<()> {
        match &mut self.storage {
            Some(s) => s.sync(),
            None => Ok(()),
        }
    }

    // Paged memories keep their pages in one region file per memory, as on a `FileStorage`.
    fn has_regions(&self) -> bool {
        true
    }

    fn read_at(&mut self, key: &Key, offset: u64, buf: &mut [u8]) -> std::io::Result<bool> {
        match &mut self.storage {
            Some(s) => s.read_at(key, offset, buf),
            None => Ok(false),
        }
    }

    fn reserve(&mut self, key: &Key, len: u64) -> std::io::Result<()> {
        self.open()?.reserve(key, len)
    }

    fn write_at(
        &mut self,
        key: &Key,
        offset: u64,
        parts: &[&[u8]],
        sync: bool,
    ) -> std::io::Result<()> {
        self.open()?.write_at(key, offset, parts, sync)
    }
}

/// The engine of a command and where its store spills.
#[derive(Debug)]
pub struct Setup {
    pub engine: Engine,
    limits: fayasm::StoreLimits,
    spill_dir: Option<PathBuf>,
    /// Keeps a temporary spill directory alive until the command ends.
    temp: Option<TempDir>,
}

/// A fresh temporary directory name (the directory is created by the first write), in the
/// system's temporary directory, which must exist.
fn temp_spill_dir() -> Result<TempDir, Failure> {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let parent = std::env::temp_dir();
    if !parent.is_dir() {
        return Err(usage(format!(
            "cannot create a spill directory: the temporary directory `{}` is not a directory \
             (set TMPDIR or give --spill-dir)",
            parent.display()
        )));
    }
    Ok(TempDir(parent.join(format!(
        "fayasm-spill-{}-{nanos:08x}",
        std::process::id()
    ))))
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
        if let Some(pages) = args.paged.or(config.get_page_budget()) {
            config = config.memory_paging(Some(Paging {
                resident_pages: pages,
                ..Paging::default()
            }));
        }
        let spills = config.get_memory_paging().is_some()
            || config.get_code_eviction() == CodeEviction::Spill;
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
            temp,
        };
        Ok((setup, bytes, module))
    }

    /// Give `store` the limits, and the spill directory as its storage if anything spills.
    pub fn attach<T>(&self, store: &mut Store<T>) -> Result<(), Failure> {
        store.set_limits(self.limits);
        match (&self.spill_dir, &self.temp) {
            (Some(dir), Some(_)) => store.set_storage(LazyDir {
                dir: dir.clone(),
                storage: None,
            }),
            (Some(dir), None) => {
                let storage = FileStorage::open(dir)
                    .map_err(|e| usage(format!("--spill-dir `{}`: {e}", dir.display())))?;
                store.set_storage(storage);
            }
            (None, _) => {}
        }
        Ok(())
    }
}
