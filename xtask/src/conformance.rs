//! `cargo xtask conformance`: runs the `fayasm-conformance` binary (built in the default dev
//! profile, sharing the target directory and artifacts with `cargo test`). With
//! `--spill-every-assertion` it runs the suites twice: memories resident (spilled whole between
//! directives), then demand-paged with two resident pages.

use std::process::Command;

use anyhow::{Context, Result};
use xshell::cmd;

/// Runs the suites; `Ok(false)` when any directive failed or mismatched (the binary has
/// already printed the tables and the closing `conformance: N passed, M failed` line).
pub fn run(args: &[String]) -> Result<bool> {
    let sh = crate::shell()?;
    let cargo = crate::cargo();
    let json = crate::target_dir().join("conformance").join("summary.json");
    // Every option is the binary's; see `cargo xtask conformance --help`.
    let mut forwarded: Vec<String> = args.to_vec();
    let wants_help = args
        .iter()
        .any(|a| a == "--help" || a == "-h" || a == "--list");
    if !wants_help {
        forwarded.push("--all-rows".into());
        forwarded.push("--json".into());
        forwarded.push(json.display().to_string());
    }
    let run = |args: &[String]| -> Result<bool> {
        let cmd = cmd!(
            sh,
            "{cargo} run -p fayasm-conformance --bin fayasm-conformance -- {args...}"
        );
        let status = Command::from(cmd)
            .status()
            .context("running fayasm-conformance")?;
        Ok(status.success())
    };
    let mut ok = run(&forwarded)?;
    // `--spill-every-assertion` also runs with every memory demand-paged under a budget of
    // two resident 1 KiB pages (unless `--paged` chose a budget already).
    let spill_all = args.iter().any(|a| a == "--spill-every-assertion");
    if spill_all && !wants_help && !args.iter().any(|a| a == "--paged") {
        eprintln!("xtask conformance: again with paged memories (--paged 2)");
        let mut paged = forwarded.clone();
        paged.push("--paged".into());
        paged.push("2".into());
        let json = crate::target_dir()
            .join("conformance")
            .join("summary-paged.json");
        if let Some(pos) = paged.iter().position(|a| a == "--json") {
            paged[pos + 1] = json.display().to_string();
        }
        ok &= run(&paged)?;
    }
    Ok(ok)
}
