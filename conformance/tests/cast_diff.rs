//! Differential property test of the GC proposal's casts (`ref.test`, `ref.cast`,
//! `br_on_cast`, `br_on_cast_fail`): fayasm against wasmtime on every pair of a value kind and
//! a target type.
//!
//! The values (made by `$make` from a kind, an `i32` and a host reference that proptest
//! draws): null, an `i31` (the `i32` truncated to 31 bits), an `i31` that went through
//! `extern.convert_any` and back, a host reference (or null) converted into `any`, structs of a subtype chain `$A <: $B <: $C` (`$C` final), of a sibling `$D <: $A`, of
//! a final `$E` and of `$E2` (structurally equal to `$E` in its own recursion group, so the
//! same type), arrays `$Arr`, `$Arr2 <: $Arr` and an `i8` array. The targets: the abstract
//! types `any`, `eq`, `i31`, `struct`, `array`, `none` and every defined type, each nullable
//! and not. Each target gets four functions (test, cast, br_on_cast, br_on_cast_fail) from
//! `anyref`, and the subtypes of `$A` four more from `(ref null $A)` (values made by
//! `$make_a`). A successful cast returns a digest of what it cast to (the `i31`'s signed
//! value, a struct's first field, an array's length and first element), so a cast that
//! succeeds with the wrong view of the object differs too.
//!
//! The module is instantiated once per engine configuration, as in `wide_diff.rs`: wasmtime;
//! fayasm plain; fayasm with every function translated up front under a 4 KiB code budget
//! and everything spilled before each call (microcode holding store type ids is spilled and
//! reloaded) with memories paged; fayasm with fuel, every call suspended every 3 units and
//! resumed. Every function whose result can vary must show at least two outcomes over the
//! run (so the test can fail). One pair is not asked of wasmtime but of a model
//! ([`host_to_defined`]): a host reference cast to a defined type, on which wasmtime 48 aborts.
//!
//! Run: `cargo test --workspace --features fayasm/dylib --test cast_diff`. The seed is fixed;
//! `FAYASM_CAST_CASES=N` sets the number of cases (default 256).

mod diff_engines;

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use fayasm_conformance::backend::CallOutcome;
use fayasm_conformance::values::Value;
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, RngSeed, TestCaseError, TestRunner};

const SUITE: &str = "proposals/gc";

/// Value kinds `$make` knows (its first argument, modulo this).
const KINDS: i32 = 13;
/// Value kinds `$make_a` knows.
const KINDS_A: i32 = 5;

/// A target type: its text and how to digest a non-null `(ref null T)` in local `$r`.
struct Target {
    name: &'static str,
    heap: &'static str,
    digest: &'static str,
}

const TARGETS: &[Target] = &[
    Target {
        name: "any",
        heap: "any",
        digest: "(i32.const 1)",
    },
    Target {
        name: "eq",
        heap: "eq",
        digest: "(ref.eq (local.get $r) (local.get $r))",
    },
    Target {
        name: "i31",
        heap: "i31",
        digest: "(i31.get_s (local.get $r))",
    },
    Target {
        name: "struct",
        heap: "struct",
        digest: "(i32.const 2)",
    },
    Target {
        name: "array",
        heap: "array",
        digest: "(array.len (local.get $r))",
    },
    Target {
        name: "none",
        heap: "none",
        digest: "(i32.const 3)",
    },
    Target {
        name: "A",
        heap: "$A",
        digest: "(struct.get $A 0 (local.get $r))",
    },
    Target {
        name: "B",
        heap: "$B",
        digest: "(i32.add (struct.get $B 0 (local.get $r)) (struct.get $B 1 (local.get $r)))",
    },
    Target {
        name: "C",
        heap: "$C",
        digest: "(i32.wrap_i64 (struct.get $C 2 (local.get $r)))",
    },
    Target {
        name: "D",
        heap: "$D",
        digest: "(i32.trunc_f32_s (struct.get $D 1 (local.get $r)))",
    },
    Target {
        name: "E",
        heap: "$E",
        digest: "(struct.get $E 0 (local.get $r))",
    },
    Target {
        name: "Arr",
        heap: "$Arr",
        digest: "(i32.add (i32.mul (array.len (local.get $r)) (i32.const 1000)) \
                 (array.get $Arr (local.get $r) (i32.const 0)))",
    },
    Target {
        name: "Arr2",
        heap: "$Arr2",
        digest: "(i32.sub (array.get $Arr2 (local.get $r) (i32.const 1)) (i32.const 5))",
    },
    Target {
        name: "Bytes",
        heap: "$Bytes",
        digest: "(array.get_s $Bytes (local.get $r) (i32.const 0))",
    },
];

/// Targets reachable from `(ref null $A)` (subtypes of `$A`, so `br_on_cast` accepts them).
const TARGETS_A: &[&str] = &["A", "B", "C", "D", "none"];

/// The four functions of one source type, target and nullability.
fn cast_funcs(
    out: &mut String,
    src: &str,
    make: &str,
    args: &str,
    prefix: &str,
    t: &Target,
    nullable: bool,
) {
    let n = if nullable { "null" } else { "nonnull" };
    let rt = format!("(ref {} {})", if nullable { "null" } else { "" }, t.heap);
    let heap = t.heap;
    let digest = format!(
        "(if (result i32) (ref.is_null (local.get $r)) (then (i32.const -1)) (else {}))",
        t.digest
    );
    let value = format!("(call {make} {args})");
    let _ = write!(
        out,
        r#"
  (func (export "{prefix}test.{name}.{n}") (param $k i32) (param $x i32) (param $e externref) (result i32)
    (ref.test {rt} {value}))
  (func (export "{prefix}cast.{name}.{n}") (param $k i32) (param $x i32) (param $e externref) (result i32)
    (local $r (ref null {heap}))
    (local.set $r (ref.cast {rt} {value}))
    {digest})
  (func (export "{prefix}brc.{name}.{n}") (param $k i32) (param $x i32) (param $e externref) (result i32)
    (local $r (ref null {heap}))
    (local.set $r
      (block $hit (result {rt})
        (br_on_cast $hit {src} {rt} {value})
        (drop)
        (return (i32.const -100))))
    (i32.add (i32.const 1000) {digest}))
  (func (export "{prefix}brf.{name}.{n}") (param $k i32) (param $x i32) (param $e externref) (result i32)
    (local $r (ref null {heap}))
    (i32.sub
      (ref.is_null
        (block $miss (result {src})
          (local.set $r (br_on_cast_fail $miss {src} {rt} {value}))
          (return {digest})))
      (i32.const 200)))
"#,
        name = t.name,
    );
}

/// The module and the exports whose result must vary over the run.
fn module() -> (String, Vec<(String, bool)>) {
    let mut m = String::from(
        r#"(module
  (rec
    (type $A (sub (struct (field i32))))
    (type $B (sub $A (struct (field i32) (field i32))))
    (type $C (sub final $B (struct (field i32) (field i32) (field i64))))
    (type $D (sub $A (struct (field i32) (field f32)))))
  (type $E (struct (field i32)))
  (type $E2 (struct (field i32)))
  (type $Arr (sub (array (mut i32))))
  (type $Arr2 (sub $Arr (array (mut i32))))
  (type $Bytes (array (mut i8)))

  ;; Value kind $k (modulo 13) made from $x and the host reference $e.
  (func $make (param $k i32) (param $x i32) (param $e externref) (result anyref)
    (block $b12 (block $b11 (block $b10 (block $b9 (block $b8 (block $b7 (block $b6
    (block $b5 (block $b4 (block $b3 (block $b2 (block $b1 (block $b0
      (br_table $b0 $b1 $b2 $b3 $b4 $b5 $b6 $b7 $b8 $b9 $b10 $b11 $b12
        (i32.rem_u (local.get $k) (i32.const 13))))
      (return (ref.null any)))
      (return (ref.i31 (local.get $x))))
      (return (struct.new $A (local.get $x))))
      (return (struct.new $B (local.get $x) (i32.const 7))))
      (return (struct.new $C (local.get $x) (i32.const 7) (i64.extend_i32_s (local.get $x)))))
      (return (struct.new $D (local.get $x) (f32.convert_i32_s (local.get $x)))))
      (return (struct.new $E (local.get $x))))
      (return (struct.new $E2 (i32.xor (local.get $x) (i32.const 1)))))
      (return (array.new $Arr (local.get $x) (i32.and (local.get $x) (i32.const 3)))))
      (return (array.new_fixed $Arr2 2 (local.get $x) (i32.const 9))))
      (return (array.new_fixed $Bytes 1 (local.get $x))))
      (return (any.convert_extern (extern.convert_any (ref.i31 (local.get $x))))))
    ;; A host reference (or null) converted into `any`: not an `eq`.
    (any.convert_extern (local.get $e)))

  ;; Value kind $k (modulo 5) of static type (ref null $A).
  (func $make_a (param $k i32) (param $x i32) (result (ref null $A))
    (block $b4 (block $b3 (block $b2 (block $b1 (block $b0
      (br_table $b0 $b1 $b2 $b3 $b4 (i32.rem_u (local.get $k) (i32.const 5))))
      (return (ref.null $A)))
      (return (struct.new $A (local.get $x))))
      (return (struct.new $B (local.get $x) (i32.const -3))))
      (return (struct.new $C (local.get $x) (i32.const -3) (i64.const 11))))
    (struct.new $D (local.get $x) (f32.const 2.5)))
"#,
    );
    let mut exports = Vec::new();
    let mut add = |m: &mut String, src: &str, make: &str, prefix: &str, t: &Target, nullable| {
        let args = if make == "$make" {
            "(local.get $k) (local.get $x) (local.get $e)"
        } else {
            "(local.get $k) (local.get $x)"
        };
        cast_funcs(m, src, make, args, prefix, t, nullable);
        // Constant whatever the value: testing for the source type itself (every value is an
        // `anyref`; a `(ref null $A)` always one), and testing, casting or branching to a
        // non-null `none` (nothing is one; `br_on_cast_fail` still tells null apart).
        let whole_source = nullable && (t.name == "any" || (prefix == "a." && t.name == "A"));
        let nothing = !nullable && t.name == "none";
        let n = if nullable { "null" } else { "nonnull" };
        for f in ["test", "cast", "brc", "brf"] {
            let constant = (f == "test" && (whole_source || nothing)) || (f != "brf" && nothing);
            exports.push((format!("{prefix}{f}.{}.{n}", t.name), !constant));
        }
    };
    for t in TARGETS {
        for nullable in [true, false] {
            add(&mut m, "anyref", "$make", "", t, nullable);
        }
    }
    for t in TARGETS.iter().filter(|t| TARGETS_A.contains(&t.name)) {
        for nullable in [true, false] {
            add(&mut m, "(ref null $A)", "$make_a", "a.", t, nullable);
        }
    }
    m.push_str(")\n");
    (m, exports)
}

/// An `i32` for `$x`: the edges of 31-bit truncation and sign extension, small numbers
/// (array lengths come from the low bits), anything.
fn edge_i32() -> impl Strategy<Value = i32> {
    prop_oneof![
        3 => prop::sample::select(vec![
            0,
            1,
            -1,
            2,
            3,
            i32::MIN,
            i32::MAX,
            0x3fff_ffff,
            0x4000_0000,
            -0x4000_0000,
            -0x4000_0001,
            127,
            128,
            255,
        ]),
        3 => any::<i32>(),
    ]
}

fn cases() -> u32 {
    std::env::var("FAYASM_CAST_CASES")
        .ok()
        .map(|s| s.trim().parse().expect("FAYASM_CAST_CASES is a number"))
        .unwrap_or(256)
}

/// What a call of `f` gives when its value is a host reference converted into `any` and
/// its target a defined type: no host reference is a struct or an array, so the test is 0,
/// the cast traps, `br_on_cast` falls through and `br_on_cast_fail` branches with a non-null
/// value. Not asked of wasmtime: wasmtime 48 aborts the process there (its `is_subtype`
/// libcall asserts on the host reference's missing type index, `x < u32::MAX`, inside a
/// function that cannot unwind). `None` for every other call.
fn host_to_defined(f: &str, k: i32, e: Option<u32>) -> Option<&'static str> {
    let target = f.split('.').nth(1)?;
    let defined = target.starts_with(|c: char| c.is_ascii_uppercase());
    if f.starts_with("a.") || k % KINDS != KINDS - 1 || e.is_none() || !defined {
        return None;
    }
    Some(match f.split('.').next()? {
        "test" => "[I32(0)]",
        "cast" => "trap CastFailure",
        "brc" => "[I32(-100)]",
        _ => "[I32(-200)]",
    })
}

/// A call's outcome in terms both engines share (a trap by its kind, not its message).
fn shared(outcome: Result<CallOutcome, String>) -> String {
    match outcome {
        Ok(CallOutcome::Returned(v)) => format!("{v:?}"),
        Ok(CallOutcome::Trapped(t)) => format!("trap {:?}", t.kind),
        Err(e) => format!("error {e}"),
    }
}

#[test]
fn casts_match_wasmtime() {
    let (text, exports) = module();
    let wasm = wat::parse_str(&text).expect("the test module assembles");
    // `TestRunner::run` takes an `Fn`; the stores change on every call.
    let engines = RefCell::new(diff_engines::engines(SUITE, &wasm));
    let seen: RefCell<BTreeMap<String, BTreeSet<String>>> = RefCell::default();
    let mut runner = TestRunner::new(Config {
        cases: cases(),
        rng_algorithm: RngAlgorithm::ChaCha,
        rng_seed: RngSeed::Fixed(0xfa5a_ca57_2026_0018),
        failure_persistence: None,
        max_shrink_iters: 1024,
        ..Config::default()
    });
    runner
        .run(
            &(0..KINDS * KINDS_A, edge_i32(), prop::option::of(0u32..4)),
            |(k, x, e)| {
                let args = [Value::I32(k), Value::I32(x), Value::ExternRef(e)];
                for (f, _) in &exports {
                    let mut engines = engines.borrow_mut();
                    let (first, rest) = engines.split_first_mut().expect("wasmtime");
                    let want = match host_to_defined(f, k, e) {
                        Some(known) => known.to_string(),
                        None => shared(first.1.invoke(first.2, f, &args)),
                    };
                    for (name, b, id) in rest.iter_mut() {
                        let got = shared(b.invoke(*id, f, &args));
                        if got != want {
                            return Err(TestCaseError::fail(format!(
                                "{f}(kind {k}, {x}, {e:?}): {name} gave {got}, wasmtime {want}"
                            )));
                        }
                    }
                    seen.borrow_mut().entry(f.clone()).or_default().insert(want);
                }
                Ok(())
            },
        )
        .unwrap();
    let seen = seen.into_inner();
    let wrong: Vec<String> = exports
        .iter()
        .filter(|(f, varies)| (seen[f].len() > 1) != *varies)
        .map(|(f, varies)| format!("{f} (should vary: {varies}): {:?}", seen[f]))
        .collect();
    assert!(
        wrong.is_empty(),
        "outcomes over the run:\n{}",
        wrong.join("\n")
    );
}
