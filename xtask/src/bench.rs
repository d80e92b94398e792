//! `cargo xtask bench [--quick] [--no-run] [-- CRITERION ARGS]`: run the criterion comparison
//! benchmarks (`bench/benches/compare.rs`: fayasm against wasmi, wasm3, wasmtime with Cranelift
//! and wasmtime's Pulley interpreter) and summarise them in `target/bench/`:
//!
//! - `summary.json`: `{"execute": {PROGRAM: {ENGINE: ns}}, "translate": {...}, "instantiate":
//!   {...}, "geomean_ratio": {ENGINE: r}}`, where `r` is the geometric mean over the execute
//!   programs of fayasm's time divided by that engine's (below 1: fayasm is faster), plus
//!   `geomean_ratio_translate` / `geomean_ratio_instantiate` and the programs each mean covers,
//!   `microcode_bytes_per_wasm_byte` (`{"median", "max", "programs"}` over the benchmark
//!   programs, from the footprint example) and the footprint rows; the same verdict is
//!   printed at the end;
//! - `summary.md`: tables of times and ratios per program, and the geometric means;
//! - `chart.svg`: the execute and translate ratios as bars on a log scale.
//!
//! Times are criterion's headline estimate: the slope of the linear fit when criterion sampled
//! linearly (translate, instantiate), else the mean (execute uses flat sampling).
//! `--quick` shortens warm-up and measurement (10 samples); `--no-run` only re-reads the last
//! results. Arguments after `--` go to criterion (e.g. a name filter such as `execute/fib`).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use anyhow::{bail, Context, Result};
use serde_json::{json, Map, Value};
use xshell::cmd;

const GROUPS: [&str; 3] = ["execute", "translate", "instantiate"];
/// The engines fayasm is compared with, in table order.
const OTHERS: [&str; 4] = ["wasmi", "wasm3", "wasmtime", "pulley"];
const USAGE: &str = "usage: cargo xtask bench [--quick] [--no-run] [-- CRITERION ARGS]";

pub fn run(args: &[String]) -> Result<bool> {
    let mut quick = false;
    let mut no_run = false;
    let mut passthrough: Vec<String> = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--quick" => quick = true,
            "--no-run" => no_run = true,
            "--" => passthrough.extend(it.by_ref().cloned()),
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(true);
            }
            other => bail!("unknown argument `{other}`\n{USAGE}"),
        }
    }

    let target = crate::target_dir();
    let criterion_home = target.join("criterion");
    if !no_run {
        // A full run replaces every result, so results of programs or engines that no longer
        // exist cannot linger in the summary. A filtered run keeps the others.
        if passthrough.iter().all(|a| a.starts_with('-')) {
            for g in GROUPS
                .into_iter()
                .chain(["offload_spill", "offload_load", "paged_memory"])
            {
                let _ = std::fs::remove_dir_all(criterion_home.join(g));
            }
        }
        let mut criterion_args: Vec<String> = Vec::new();
        if quick {
            criterion_args.extend(
                [
                    "--warm-up-time",
                    "0.2",
                    "--measurement-time",
                    "0.5",
                    "--sample-size",
                    "10",
                    "--nresamples",
                    "2000",
                ]
                .map(String::from),
            );
        }
        criterion_args.extend(passthrough);
        let sh = crate::shell()?;
        let cargo = crate::cargo();
        let started = std::time::Instant::now();
        let offload_args = criterion_args.clone();
        // The benchmarks are their own workspace (`bench/`), built into the shared target
        // directory so the fayasm and wasmtime builds are reused where the settings match.
        let manifest = crate::root().join("bench/Cargo.toml");
        let target_dir = crate::target_dir();
        cmd!(
            sh,
            "{cargo} bench --manifest-path {manifest} --bench compare -- {criterion_args...}"
        )
        .env("CRITERION_HOME", &criterion_home)
        .env("CARGO_TARGET_DIR", &target_dir)
        .run()?;
        // Offload I/O (bench/benches/offload.rs): spill and load against plain file I/O.
        cmd!(
            sh,
            "{cargo} bench --manifest-path {manifest} --bench offload -- {offload_args...}"
        )
        .env("CRITERION_HOME", &criterion_home)
        .env("CARGO_TARGET_DIR", &target_dir)
        .run()?;
        println!(
            "bench: criterion finished in {:.0} s",
            started.elapsed().as_secs_f64()
        );
    }

    let programs = program_order()?;
    let mut summary = Map::new();
    let mut times: BTreeMap<&str, BTreeMap<String, BTreeMap<String, f64>>> = BTreeMap::new();
    for g in GROUPS {
        let t = read_group(&criterion_home.join(g), &programs)?;
        let mut obj = Map::new();
        for p in &programs {
            if let Some(row) = t.get(p) {
                obj.insert(p.clone(), json!(row));
            }
        }
        summary.insert(g.to_string(), Value::Object(obj));
        times.insert(g, t);
    }
    if times["execute"].is_empty() {
        bail!(
            "no execute results under {}; run without --no-run first",
            criterion_home.display()
        );
    }
    for g in GROUPS {
        let (ratios, covered) = geomean_ratios(&times[g]);
        let key = if g == "execute" {
            "geomean_ratio".to_string()
        } else {
            format!("geomean_ratio_{g}")
        };
        summary.insert(key, json!(ratios));
        summary.insert(format!("geomean_programs_{g}"), json!(covered));
    }
    summary.insert("unit".into(), json!("ns"));
    summary.insert("quick".into(), json!(quick));

    // Footprint: microcode bytes per wasm code byte and peak heap per program (fayasm only).
    let sh = crate::shell()?;
    let cargo = crate::cargo();
    let lines = cmd!(
        sh,
        "{cargo} run --quiet --release -p fayasm --example footprint"
    )
    .read()?;
    let footprint: Vec<Value> = lines
        .lines()
        .map(serde_json::from_str)
        .collect::<Result<_, _>>()
        .context("parsing the footprint example's output")?;
    let mut footprint_md = String::from(
        "\n## footprint (fayasm)\n\n| program | wasm code bytes | microcode bytes | per wasm byte | peak heap |\n|---|---:|---:|---:|---:|\n",
    );
    for f in &footprint {
        footprint_md += &format!(
            "| {} | {} | {} | {:.2} | {:.1} KiB |\n",
            f["program"].as_str().unwrap_or("?"),
            f["wasm_code_bytes"],
            f["microcode_bytes"],
            f["microcode_per_wasm_byte"].as_f64().unwrap_or(0.0),
            f["peak_heap_bytes"].as_f64().unwrap_or(0.0) / 1024.0
        );
    }
    // Microcode RAM per byte of wasm code over the benchmark programs (issue 15's figure).
    let mut per_byte: Vec<f64> = footprint
        .iter()
        .filter_map(|f| f["microcode_per_wasm_byte"].as_f64())
        .collect();
    per_byte.sort_by(f64::total_cmp);
    let median = match per_byte.len() {
        0 => None,
        n if n % 2 == 1 => Some(per_byte[n / 2]),
        n => Some((per_byte[n / 2 - 1] + per_byte[n / 2]) / 2.0),
    };
    let max = per_byte.last().copied();
    summary.insert(
        "microcode_bytes_per_wasm_byte".into(),
        json!({"median": median, "max": max, "programs": per_byte.len()}),
    );
    summary.insert("footprint".into(), json!(footprint));
    let (offload, offload_md) = offload_table(&criterion_home)?;
    summary.insert("offload".into(), offload);
    footprint_md += &offload_md;

    let (targets, simd_speedup, targets_md) = issue_targets(&times, median, max);
    summary.insert("simd_speedup".into(), Value::Object(simd_speedup.clone()));
    summary.insert("targets".into(), targets);
    footprint_md += &targets_md;

    let (fuel, fuel_md) = fuel_overhead(&times["execute"], &programs);
    let fuel_geomean = fuel["geomean"].as_f64();
    summary.insert("fuel_overhead".into(), fuel);
    footprint_md += &fuel_md;

    let out = target.join("bench");
    std::fs::create_dir_all(&out)?;
    // Renamed into place (`crate::replace_file`): never written through a hard link.
    crate::replace_file(
        &out.join("summary.json"),
        (serde_json::to_string_pretty(&Value::Object(summary))? + "\n").as_bytes(),
    )?;
    let md = markdown(&times, &programs) + &footprint_md;
    crate::replace_file(&out.join("summary.md"), md.as_bytes())?;
    crate::replace_file(&out.join("chart.svg"), chart(&times, &programs).as_bytes())?;
    println!("{md}");
    // The verdict in a few lines: fayasm's execute time relative to each engine.
    let (geo, covered) = geomean_ratios(&times["execute"]);
    println!("bench summary (execute time, geometric mean of fayasm / engine; < 1 is faster):");
    for (engine, r) in &geo {
        let n = covered.get(engine).map_or(0, Vec::len);
        println!("  fayasm vs {engine:<9} {r:.3}x  ({n} programs)");
    }
    if let Some(g) = fuel_geomean {
        println!("  fuel metering on / off:  {g:.3}x (fayasm-fuel / fayasm)");
    }
    if let (Some(m), Some(x)) = (median, max) {
        println!("  microcode bytes per wasm byte: median {m:.2}, max {x:.2}");
    }
    if let Some(r) = geomean_ratios(&times["translate"]).0.get("wasmi") {
        println!("  translate vs wasmi eager: {r:.3}x");
    }
    for (twin, r) in &simd_speedup {
        let r = r.as_f64().unwrap_or(0.0);
        println!("  {twin}_simd {r:.2}x faster than {twin}_scalar (fayasm execute)");
    }
    println!(
        "bench: wrote {0}/summary.json, {0}/summary.md, {0}/chart.svg",
        out.display()
    );
    Ok(true)
}

/// The figures of issue 15's target table that one run measures, each with its must and aim
/// (the others, callgrind instructions per op and the firmware's text and heap, are measured
/// outside the bench: ROADMAP.md), and per SIMD program `X_simd` with a scalar twin
/// `X_scalar` fayasm's execute time of the twin over the SIMD program's (`simd_speedup`).
fn issue_targets(
    times: &BTreeMap<&str, BTreeMap<String, BTreeMap<String, f64>>>,
    median: Option<f64>,
    max: Option<f64>,
) -> (Value, Map<String, Value>, String) {
    let (execute, _) = geomean_ratios(&times["execute"]);
    let (translate, _) = geomean_ratios(&times["translate"]);
    let mut simd = Map::new();
    for (p, row) in &times["execute"] {
        let Some(twin) = p.strip_suffix("_simd") else {
            continue;
        };
        let scalar = times["execute"]
            .get(&format!("{twin}_scalar"))
            .and_then(|r| r.get("fayasm"));
        if let (Some(&scalar), Some(&vector)) = (scalar, row.get("fayasm")) {
            simd.insert(twin.to_string(), json!(scalar / vector));
        }
    }
    let simd_min = simd.values().filter_map(Value::as_f64).reduce(f64::min);
    // (figure, value, must, aim, lower is better)
    let rows: [(&str, Option<f64>, f64, f64, bool); 6] = [
        (
            "execute geomean ÷ wasmi",
            execute.get("wasmi").copied(),
            1.0,
            0.85,
            true,
        ),
        (
            "execute geomean ÷ wasm3",
            execute.get("wasm3").copied(),
            0.8,
            0.7,
            true,
        ),
        (
            "microcode bytes per wasm byte, median",
            median,
            2.0,
            1.5,
            true,
        ),
        ("microcode bytes per wasm byte, max", max, 2.0, 1.5, true),
        (
            "translate geomean ÷ wasmi eager",
            translate.get("wasmi").copied(),
            1.0,
            0.7,
            true,
        ),
        (
            "SIMD program over its scalar twin, slowest pair (x faster)",
            simd_min,
            2.0,
            4.0,
            false,
        ),
    ];
    let mut md = String::from(
        "\n## issue 15 targets (this run)\n\n| figure | value | must | aim | verdict |\n|---|---:|---:|---:|---|\n",
    );
    let mut rows_json = Vec::new();
    for (figure, value, must, aim, lower) in rows {
        let meets = |bar: f64| value.map(|v| if lower { v <= bar } else { v >= bar });
        let (op, verdict) = (
            if lower { "<=" } else { ">=" },
            match (meets(aim), meets(must)) {
                (Some(true), _) => "aim met",
                (_, Some(true)) => "must met",
                (_, Some(false)) => "NOT met",
                _ => "not measured",
            },
        );
        let shown = value.map_or_else(|| "–".to_string(), |v| format!("{v:.3}"));
        let _ = writeln!(
            md,
            "| {figure} | {shown} | {op} {must} | {op} {aim} | {verdict} |"
        );
        rows_json.push(
            json!({"figure": figure, "value": value, "must": must, "aim": aim, "verdict": verdict}),
        );
    }
    for (twin, r) in &simd {
        let _ = writeln!(
            md,
            "| SIMD: {twin}_simd over {twin}_scalar (x faster) | {:.3} | >= 2 | >= 4 | |",
            r.as_f64().unwrap_or(0.0)
        );
    }
    (json!({ "rows": rows_json }), simd, md)
}

/// The cost of fuel metering (issue 17): per program, the execute time of `fayasm-fuel`
/// (`Config::consume_fuel(true)`) divided by plain `fayasm`'s, and their geometric mean.
fn fuel_overhead(
    t: &BTreeMap<String, BTreeMap<String, f64>>,
    programs: &[String],
) -> (Value, String) {
    let mut md = String::from(
        "\n## fuel metering (execute, `consume_fuel(true)` vs off)\n\n\
         | program | fuel off | fuel on | on ÷ off |\n|---|---:|---:|---:|\n",
    );
    let mut per_program = Map::new();
    let mut logs = Vec::new();
    for p in programs {
        let Some(row) = t.get(p) else { continue };
        let (Some(&off), Some(&on)) = (row.get("fayasm"), row.get("fayasm-fuel")) else {
            continue;
        };
        let r = on / off;
        let _ = writeln!(
            md,
            "| {p} | {} | {} | {r:.3} |",
            fmt_time(off),
            fmt_time(on)
        );
        per_program.insert(p.clone(), json!(r));
        logs.push(r.ln());
    }
    if logs.is_empty() {
        return (Value::Null, String::new());
    }
    let geo = (logs.iter().sum::<f64>() / logs.len() as f64).exp();
    let _ = writeln!(md, "| geometric mean | | | {geo:.3} |");
    (json!({"geomean": geo, "per_program": per_program}), md)
}

/// Criterion's headline estimate (ns) and byte throughput of one benchmark directory.
fn estimate(dir: &Path) -> Option<(f64, Option<u64>)> {
    let est: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("new/estimates.json")).ok()?)
            .ok()?;
    let ns = est["slope"]["point_estimate"]
        .as_f64()
        .or_else(|| est["mean"]["point_estimate"].as_f64())?;
    let bytes = std::fs::read_to_string(dir.join("new/benchmark.json"))
        .ok()
        .and_then(|t| serde_json::from_str::<Value>(&t).ok())
        .and_then(|b| b["throughput"]["Bytes"].as_u64());
    Some((ns, bytes))
}

/// The offload table: spill and load throughput of fayasm's `FileStorage` against plain file
/// I/O (`bench/benches/offload.rs`), and the paged-memory overhead when measured.
fn offload_table(criterion_home: &Path) -> Result<(Value, String)> {
    let mut md = String::from(
        "\n## offload I/O (fayasm FileStorage vs plain fs::write+fsync / fs::read)\n\n\
         | operation | payload | fayasm | fayasm MB/s | plain | plain MB/s | fayasm ÷ plain |\n\
         |---|---|---:|---:|---:|---:|---:|\n",
    );
    let mut json_rows = Vec::new();
    for group in ["offload_spill", "offload_load"] {
        for payload in ["code", "64KiB", "1MiB"] {
            let dir = criterion_home.join(group).join(payload);
            let (Some((f, bytes)), Some((p, _))) =
                (estimate(&dir.join("fayasm")), estimate(&dir.join("plain")))
            else {
                continue;
            };
            let mbps = |ns: f64| bytes.map(|b| b as f64 / ns * 1e3);
            let fmt_mbps = |v: Option<f64>| v.map_or("–".into(), |v| format!("{v:.1}"));
            let _ = writeln!(
                md,
                "| {} | {payload} | {} | {} | {} | {} | {:.2} |",
                group.trim_start_matches("offload_"),
                fmt_time(f),
                fmt_mbps(mbps(f)),
                fmt_time(p),
                fmt_mbps(mbps(p)),
                f / p
            );
            json_rows.push(json!({
                "operation": group.trim_start_matches("offload_"), "payload": payload,
                "fayasm_ns": f, "plain_ns": p, "bytes": bytes, "ratio": f / p,
                "fayasm_mb_s": mbps(f), "plain_mb_s": mbps(p),
            }));
        }
    }
    // Paged memory: per program, every configuration relative to its `resident` run.
    let paged_dir = criterion_home.join("paged_memory");
    let mut paged = Map::new();
    let list = |dir: &Path| -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .map(|entries| {
                entries
                    .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
                    .filter(|n| n != "report")
                    .collect()
            })
            .unwrap_or_default();
        names.sort();
        names
    };
    let programs = list(&paged_dir);
    if !programs.is_empty() {
        md += "\n## paged memory (4 KiB pages, RAM storage) vs resident\n\n| program | configuration | time | ÷ resident |\n|---|---|---:|---:|\n";
    }
    for program in programs {
        let dir = paged_dir.join(&program);
        let Some((base, _)) = estimate(&dir.join("resident")) else {
            continue;
        };
        let mut rows = Map::new();
        for n in list(&dir) {
            if let Some((ns, _)) = estimate(&dir.join(&n)) {
                let _ = writeln!(
                    md,
                    "| {program} | {n} | {} | {:.2} |",
                    fmt_time(ns),
                    ns / base
                );
                rows.insert(n, json!({"ns": ns, "ratio": ns / base}));
            }
        }
        paged.insert(program, Value::Object(rows));
    }
    Ok((json!({"io": json_rows, "paged_memory": paged}), md))
}

/// Benchmark program names in the order of `wasm_samples/expected.json`.
fn program_order() -> Result<Vec<String>> {
    let path = crate::root().join("wasm_samples/expected.json");
    let text =
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    let json: Value =
        serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))?;
    let list = json["benchmarks"]
        .as_array()
        .context("expected.json has no `benchmarks` array")?;
    Ok(list
        .iter()
        .filter_map(|b| b["name"].as_str().map(String::from))
        .collect())
}

/// `PROGRAM -> ENGINE -> ns` for one criterion group directory.
fn read_group(dir: &Path, programs: &[String]) -> Result<BTreeMap<String, BTreeMap<String, f64>>> {
    let mut out = BTreeMap::new();
    for p in programs {
        let Ok(entries) = std::fs::read_dir(dir.join(p)) else {
            continue;
        };
        for e in entries {
            let e = e?;
            let engine = e.file_name().to_string_lossy().into_owned();
            let file = e.path().join("new/estimates.json");
            let Ok(text) = std::fs::read_to_string(&file) else {
                continue;
            };
            let est: Value = serde_json::from_str(&text)
                .with_context(|| format!("parsing {}", file.display()))?;
            let ns = est["slope"]["point_estimate"]
                .as_f64()
                .or_else(|| est["mean"]["point_estimate"].as_f64())
                .with_context(|| format!("no estimate in {}", file.display()))?;
            out.entry(p.clone())
                .or_insert_with(BTreeMap::new)
                .insert(engine, ns);
        }
    }
    Ok(out)
}

/// Geometric mean of fayasm/other over the programs both ran; also the programs covered.
fn geomean_ratios(
    t: &BTreeMap<String, BTreeMap<String, f64>>,
) -> (BTreeMap<String, f64>, BTreeMap<String, Vec<String>>) {
    let mut ratios = BTreeMap::new();
    let mut covered = BTreeMap::new();
    for other in OTHERS {
        let mut logs = Vec::new();
        let mut names = Vec::new();
        for (p, row) in t {
            if let (Some(f), Some(o)) = (row.get("fayasm"), row.get(other)) {
                logs.push((f / o).ln());
                names.push(p.clone());
            }
        }
        if !logs.is_empty() {
            ratios.insert(
                other.to_string(),
                (logs.iter().sum::<f64>() / logs.len() as f64).exp(),
            );
            covered.insert(other.to_string(), names);
        }
    }
    (ratios, covered)
}

fn ratio(row: &BTreeMap<String, f64>, other: &str) -> Option<f64> {
    Some(row.get("fayasm")? / row.get(other)?)
}

fn fmt_time(ns: f64) -> String {
    if ns >= 1e6 {
        format!("{:.2} ms", ns / 1e6)
    } else if ns >= 1e3 {
        format!("{:.1} µs", ns / 1e3)
    } else {
        format!("{ns:.0} ns")
    }
}

fn markdown(
    times: &BTreeMap<&str, BTreeMap<String, BTreeMap<String, f64>>>,
    programs: &[String],
) -> String {
    let mut s = String::new();
    let engines: Vec<&str> = std::iter::once("fayasm").chain(OTHERS).collect();
    s.push_str("# fayasm benchmarks\n\n");
    s.push_str(
        "Ratios are fayasm's time divided by the other engine's: below 1.00 fayasm is faster. ",
    );
    s.push_str("Geometric means cover the programs both engines ran (the SIMD programs skip wasmi and wasm3, ");
    s.push_str(
        "which are built without SIMD here). `pulley` is wasmtime's portable interpreter.\n",
    );
    for g in GROUPS {
        let t = &times[g];
        if t.is_empty() {
            continue;
        }
        let _ = writeln!(s, "\n## {g}\n");
        let _ = writeln!(
            s,
            "| program | {} | {} |",
            engines.join(" | "),
            OTHERS
                .iter()
                .map(|o| format!("÷ {o}"))
                .collect::<Vec<_>>()
                .join(" | ")
        );
        let _ = writeln!(s, "|---|{}", "---:|".repeat(engines.len() + OTHERS.len()));
        for p in programs {
            let Some(row) = t.get(p) else { continue };
            let cells: Vec<String> = engines
                .iter()
                .map(|e| row.get(*e).map_or("–".to_string(), |ns| fmt_time(*ns)))
                .collect();
            let ratios: Vec<String> = OTHERS
                .iter()
                .map(|o| ratio(row, o).map_or("–".to_string(), |r| format!("{r:.2}")))
                .collect();
            let _ = writeln!(
                s,
                "| {p} | {} | {} |",
                cells.join(" | "),
                ratios.join(" | ")
            );
        }
        let (geo, _) = geomean_ratios(t);
        let geo_cells: Vec<String> = OTHERS
            .iter()
            .map(|o| {
                geo.get(*o)
                    .map_or("–".to_string(), |r| format!("**{r:.2}**"))
            })
            .collect();
        let _ = writeln!(
            s,
            "| **geomean** |{} {} |",
            " |".repeat(engines.len()),
            geo_cells.join(" | ")
        );
    }
    s
}

const COLORS: [(&str, &str); 4] = [
    ("wasmi", "#1f77b4"),
    ("wasm3", "#ff7f0e"),
    ("wasmtime", "#2ca02c"),
    ("pulley", "#9467bd"),
];

/// Horizontal bars of fayasm/other per program on a log axis centred on 1, execute and
/// translate side by side.
fn chart(
    times: &BTreeMap<&str, BTreeMap<String, BTreeMap<String, f64>>>,
    programs: &[String],
) -> String {
    const ROW: f64 = 8.0; // height of one bar
    const GAP: f64 = 10.0; // between programs
    const LABEL_W: f64 = 110.0;
    const PANEL_W: f64 = 380.0;
    const PANEL_GAP: f64 = 70.0;
    const TOP: f64 = 70.0;
    let panels = ["execute", "translate"];

    // One shared log range, whole decades, always including 1.
    let mut lo: f64 = 1.0;
    let mut hi: f64 = 1.0;
    for g in panels {
        for row in times[g].values() {
            for o in OTHERS {
                if let Some(r) = ratio(row, o) {
                    lo = lo.min(r);
                    hi = hi.max(r);
                }
            }
        }
    }
    let (dlo, dhi) = (lo.log10().floor() as i32, hi.log10().ceil() as i32);
    let (dlo, dhi) = (dlo.min(-1), dhi.max(1));
    let x_of = |panel: usize, r: f64| -> f64 {
        let x0 = LABEL_W + panel as f64 * (PANEL_W + PANEL_GAP);
        x0 + (r.log10() - dlo as f64) / (dhi - dlo) as f64 * PANEL_W
    };

    let rows: Vec<&String> = programs
        .iter()
        .filter(|p| panels.iter().any(|g| times[*g].contains_key(*p)))
        .collect();
    let block = ROW * OTHERS.len() as f64 + GAP;
    let height = TOP + block * (rows.len() + 1) as f64 + 50.0;
    let width = LABEL_W + 2.0 * PANEL_W + PANEL_GAP + 20.0;
    let mut s = String::new();
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="11">"#
    );
    let _ = writeln!(s, r#"<rect width="100%" height="100%" fill="white"/>"#);
    let _ = writeln!(
        s,
        r#"<text x="{LABEL_W}" y="18" font-size="14" font-weight="bold">fayasm time ÷ other engine's time (log scale; left of 1 = fayasm faster)</text>"#
    );
    // Legend.
    for (i, (name, color)) in COLORS.iter().enumerate() {
        let x = LABEL_W + i as f64 * 110.0;
        let _ = writeln!(
            s,
            r#"<rect x="{x}" y="28" width="12" height="10" fill="{color}"/>"#
        );
        let _ = writeln!(s, r#"<text x="{}" y="37">{name}</text>"#, x + 16.0);
    }
    for (pi, g) in panels.iter().enumerate() {
        let x0 = x_of(pi, 10f64.powi(dlo));
        let _ = writeln!(
            s,
            r#"<text x="{}" y="{}" font-weight="bold">{g}</text>"#,
            x0,
            TOP - 14.0
        );
        // Decade grid lines.
        for d in dlo..=dhi {
            let x = x_of(pi, 10f64.powi(d));
            let stroke = if d == 0 { "#000" } else { "#ccc" };
            let _ = writeln!(
                s,
                r#"<line x1="{x:.1}" y1="{}" x2="{x:.1}" y2="{}" stroke="{stroke}"/>"#,
                TOP - 6.0,
                height - 40.0
            );
            let label = 10f64.powi(d);
            let _ = writeln!(
                s,
                r#"<text x="{x:.1}" y="{}" text-anchor="middle">{label}×</text>"#,
                height - 26.0
            );
        }
        let t = &times[*g];
        let (geo, _) = geomean_ratios(t);
        let draw_row = |s: &mut String, y: f64, ratios: Vec<Option<f64>>| {
            for (k, r) in ratios.into_iter().enumerate() {
                let Some(r) = r else { continue };
                let (a, b) = (x_of(pi, 1.0), x_of(pi, r));
                let (x, w) = (a.min(b), (a - b).abs().max(1.0));
                let yy = y + k as f64 * ROW;
                let _ = writeln!(
                    s,
                    r#"<rect x="{x:.1}" y="{yy:.1}" width="{w:.1}" height="{:.1}" fill="{}"><title>{}: {r:.2}×</title></rect>"#,
                    ROW - 1.0,
                    COLORS[k].1,
                    COLORS[k].0
                );
            }
        };
        for (ri, p) in rows.iter().enumerate() {
            let y = TOP + ri as f64 * block;
            if pi == 0 {
                let _ = writeln!(
                    s,
                    r#"<text x="{}" y="{:.1}" text-anchor="end">{p}</text>"#,
                    LABEL_W - 8.0,
                    y + ROW * 2.0 + 3.0
                );
            }
            let ratios: Vec<Option<f64>> = OTHERS
                .iter()
                .map(|o| t.get(*p).and_then(|r| ratio(r, o)))
                .collect();
            if ratios.iter().all(Option::is_none) {
                let _ = writeln!(
                    s,
                    r##"<text x="{:.1}" y="{:.1}" fill="#888">no fayasm result (SIMD)</text>"##,
                    x_of(pi, 1.0) + 4.0,
                    y + ROW * 2.0 + 3.0
                );
            }
            draw_row(&mut s, y, ratios);
        }
        let y = TOP + rows.len() as f64 * block;
        if pi == 0 {
            let _ = writeln!(
                s,
                r#"<text x="{}" y="{:.1}" text-anchor="end" font-weight="bold">geomean</text>"#,
                LABEL_W - 8.0,
                y + ROW * 2.0 + 3.0
            );
        }
        let _ = writeln!(
            s,
            r##"<line x1="{:.1}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="#888"/>"##,
            x_of(pi, 10f64.powi(dlo)),
            y - GAP / 2.0,
            x_of(pi, 10f64.powi(dhi)),
            y - GAP / 2.0
        );
        let geo_ratios: Vec<Option<f64>> = OTHERS.iter().map(|o| geo.get(*o).copied()).collect();
        for (k, r) in geo_ratios.iter().enumerate() {
            if let Some(r) = r {
                let (a, b) = (x_of(pi, 1.0), x_of(pi, *r));
                let (x, anchor) = if b >= a {
                    (b + 3.0, "start")
                } else {
                    (b - 3.0, "end")
                };
                let _ = writeln!(
                    s,
                    r#"<text x="{x:.1}" y="{:.1}" font-size="9" text-anchor="{anchor}">{r:.2}×</text>"#,
                    y + k as f64 * ROW + ROW - 1.0
                );
            }
        }
        draw_row(&mut s, y, geo_ratios);
    }
    s.push_str("</svg>\n");
    s
}
