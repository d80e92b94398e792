//! `cargo xtask conformance`: runs the `fayasm-conformance` binary (built in the default dev
//! profile, sharing the target directory and artifacts with `cargo test`).

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
    let cmd = cmd!(
        sh,
        "{cargo} run -p fayasm-conformance --bin fayasm-conformance -- {forwarded...}"
    );
    let status = Command::from(cmd)
        .status()
        .context("running fayasm-conformance")?;
    Ok(status.success())
}
