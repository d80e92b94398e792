//! Nothing here: the benchmarks are in `benches/` (see `Cargo.toml`).
