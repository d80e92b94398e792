//! Runs spec test suites against fayasm (checked against wasmtime) and prints a table per
//! suite. Used by `cargo xtask conformance`; run with `--help` for the options.

use std::path::PathBuf;
use std::process::ExitCode;

use fayasm_conformance::{
    all_suites, final_line, persist_counts, run_suite_with, summary_json, RunOptions, Subject,
    CLAIMED_SUITES,
};

const USAGE: &str = "\
usage: fayasm-conformance [options]

  --suite NAME     run this suite (repeatable; default: the claimed suites)
  --file PATTERN   only files whose name contains PATTERN (repeatable)
  --json PATH      write the summary as JSON to PATH
  --all-rows       print every file in the tables, not only failing ones
  --jobs N         worker threads (default: min(2, cores))
  --no-oracle      do not run wasmtime alongside fayasm
  --subject wasmtime
                   check the scripts against wasmtime alone (self-check of the harness)
  --prescan        translate every function at instantiation
  --code-budget N  keep at most N bytes of microcode per store (evicting the oldest)
  --spill-code     before every call, spill the called instance's microcode to storage, drop it
                   and load it back (checks the stored form and its verifier are transparent)
  --spill-every-assertion
                   before every directive, spill the microcode of every function and every
                   memory of the store (memories reload on their next access)
  --paged N        create every memory demand-paged (1 KiB pages, N resident pages)
  --from-source    make every module with Module::from_source (bytes read back on demand)
  --suspend-every N
                   consume fuel and run every call resumably in slices of N fuel, resuming it
                   at every suspension (results must be those of a plain call)
  --persist-suspended
                   with --suspend-every: at one pseudo-random suspension (among the first eight)
                   of every call, checkpoint the call with every instance of the store, drop
                   them, build a new store the way the script did, restore them into it and
                   resume the restored call there (prints how many calls went where)
  --list           list the suite names and exit
";

fn main() -> ExitCode {
    match run() {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("fayasm-conformance: {e}\n\n{USAGE}");
            ExitCode::from(2)
        }
    }
}

fn run() -> Result<bool, String> {
    let mut suites = Vec::new();
    let mut opts = RunOptions::default();
    let mut json: Option<PathBuf> = None;
    let mut all_rows = false;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |what: &str| args.next().ok_or_else(|| format!("{arg} needs {what}"));
        match arg.as_str() {
            "--suite" => suites.push(value("a suite name")?),
            "--file" => opts.files.push(value("a pattern")?),
            "--json" => json = Some(PathBuf::from(value("a path")?)),
            "--jobs" => {
                opts.jobs = value("a number")?
                    .parse()
                    .map_err(|e| format!("--jobs: {e}"))?;
            }
            "--no-oracle" => opts.oracle = false,
            "--subject" => match value("fayasm or wasmtime")?.as_str() {
                "fayasm" => opts.subject = Subject::Fayasm,
                "wasmtime" => opts.subject = Subject::Wasmtime,
                other => return Err(format!("unknown subject `{other}`")),
            },
            "--prescan" => opts.prescan = true,
            "--spill-code" => opts.spill_code = true,
            "--spill-every-assertion" => opts.spill_every_assertion = true,
            "--from-source" => opts.from_source = true,
            "--paged" => {
                opts.paged = Some(
                    value("a page count")?
                        .parse()
                        .map_err(|e| format!("--paged: {e}"))?,
                );
            }
            "--persist-suspended" => opts.persist_suspended = true,
            "--suspend-every" => {
                opts.suspend_every = Some(
                    value("a fuel amount")?
                        .parse()
                        .map_err(|e| format!("--suspend-every: {e}"))?,
                );
            }
            "--code-budget" => {
                opts.code_budget = Some(
                    value("a byte count")?
                        .parse()
                        .map_err(|e| format!("--code-budget: {e}"))?,
                )
            }
            "--all-rows" => all_rows = true,
            "--list" => {
                for s in all_suites() {
                    let claimed = if CLAIMED_SUITES.contains(&s.as_str()) {
                        "  (claimed)"
                    } else {
                        ""
                    };
                    println!("{s}{claimed}");
                }
                return Ok(true);
            }
            "-h" | "--help" => {
                print!("{USAGE}");
                return Ok(true);
            }
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    if suites.is_empty() {
        suites = CLAIMED_SUITES.iter().map(|s| s.to_string()).collect();
    }
    let known = all_suites();
    if let Some(bad) = suites.iter().find(|s| !known.contains(s)) {
        return Err(format!(
            "unknown suite `{bad}` (known: {})",
            known.join(", ")
        ));
    }

    let mut reports = Vec::new();
    for suite in &suites {
        let report = run_suite_with(suite, &opts);
        println!("{}", report.table(all_rows));
        reports.push(report);
    }
    if let Some(path) = json {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        }
        // Written beside it, then renamed: the old file may be a hard link shared with another
        // target dir (targets are hard-linked copies of a warm cache), which writing through
        // would change too.
        let tmp = path.with_extension(format!("json.tmp{}", std::process::id()));
        std::fs::write(&tmp, summary_json(&reports))
            .and_then(|()| std::fs::rename(&tmp, &path))
            .map_err(|e| format!("{}: {e}", path.display()))?;
        println!("summary written to {}", path.display());
    }
    if opts.persist_suspended {
        let c = persist_counts();
        println!(
            "suspended calls persisted: {} restored into a new store, {} into the same instance \
             (another instance's state not expressible; {} more where replaying the script \
             did not rebuild the same instances), {} not expressible",
            c.new_store, c.same_instance, c.rebuild_diverged, c.not_expressible
        );
    }
    println!("{}", final_line(&reports));
    Ok(reports.iter().all(|r| r.ok()))
}
