//! Golden tests of the translator's choices made for execution speed: a constant that needs a
//! wide immediate but has a hoisted loop slot is read from that slot, and the super-instructions
//! of `translate/fuse.rs` (`tests/all/snapshots/all__translate_golden_speed__*.snap`; review
//! changes with `cargo insta review`, or rerun with `INSTA_UPDATE=always` and read the diff).
//! Each test also runs its function, so a fused form is checked against the wasm semantics.

use fayasm::{Config, Engine, Module, Val};

fn microcode_and_run(body: &str, args: &[Val]) -> (String, i32) {
    crate::support::microcode_and_run("(memory 1)", body, args)
}

/// `0xffff` and an address past 32,767 need a wide immediate (every operand two words). In a
/// loop the constants have hoisted slots, so the register forms read them there (narrow);
/// constants used only outside loops keep the wide immediate forms.
#[test]
fn wide_immediates_in_loops_read_hoisted_slots() {
    let (code, v) = microcode_and_run(
        "(param $n i32) (result i32) (local $i i32) (local $acc i32)
         (local.set $acc (i32.and (local.get $n) (i32.const 0xfff0)))
         (i32.store8 (i32.add (local.get $n) (i32.const 39996)) (local.get $n))
         (loop $l
           (local.set $acc (i32.add (local.get $acc)
             (i32.and (i32.mul (local.get $i) (i32.const 40503)) (i32.const 0xffff))))
           (local.set $acc (i32.add (local.get $acc)
             (i32.load8_u (i32.add (local.get $i) (i32.const 40000)))))
           (br_if $l (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1)))
             (local.get $n))))
         (local.get $acc)",
        &[Val::I32(7)],
    );
    insta::assert_snapshot!(code);
    // `n & 0xfff0` is 0; the byte stored at 40003 is loaded when `i` is 3.
    let mut acc = 7i32;
    for i in 0..7i32 {
        acc = acc.wrapping_add(i.wrapping_mul(40503) & 0xffff);
    }
    assert_eq!(v, acc);
}

/// The module of [`microcode_and_run`], for tests that edit the microcode.
fn module_and_code(body: &str) -> (Module, fayasm::microcode::Compiled) {
    let wat = format!("(module (memory 1) (func (export \"f\") {body}))");
    let engine = Engine::new(Config::default());
    let module = Module::new(&engine, wat::parse_str(&wat).unwrap()).unwrap();
    let code = module.translate_function(0).unwrap().unwrap();
    (module, code)
}

/// A dot product and a float multiply-add: common pairs become chained ops (the first op
/// renamed `FirstThenSecond`, the second left in place), a chain never starting on the
/// second op of another; the second may be a branch (the loop's exit test) and the first
/// may be wide.
#[test]
fn common_pairs_are_chained() {
    let body = "(param $n i32) (result i32) (local $i i32) (local $acc i32) (local $x f64)
         (local $p i32)
         (local.set $p (i32.add (local.get $n) (i32.const 40000)))
         (local.set $p (i32.add (local.get $p) (i32.const 3)))
         (block $exit (loop $l
           (local.set $i (i32.add (local.get $i) (i32.const 1)))
           (br_if $exit (i32.gt_u (local.get $i) (i32.const 10)))
           (local.set $acc (i32.add (local.get $acc)
             (i32.mul (local.get $i) (local.get $n))))
           (local.set $x (f64.add (f64.mul (local.get $x) (f64.const 0.5))
             (f64.convert_i32_s (local.get $i))))
           (br $l)))
         (i32.add (i32.add (local.get $acc) (i32.trunc_f64_s (local.get $x)))
           (local.get $p))";
    let (code, v) = microcode_and_run(body, &[Val::I32(7)]);
    insta::assert_snapshot!(code);
    let (mut acc, mut x) = (0i32, 0f64);
    for i in 1..=10 {
        acc += i * 7;
        x = x * 0.5 + i as f64;
    }
    assert_eq!(v, acc + x as i32 + 40010);
}

/// The verifier rejects a chained op that is not followed by its second op (another op, the
/// second op's wide form, or nothing): the interpreter runs that op without looking.
#[test]
fn a_chained_op_without_its_second_op_is_rejected() {
    use fayasm::microcode::Op;
    let (module, code) = module_and_code(
        "(param $n i32) (result i32)
         (i32.add (i32.mul (local.get $n) (local.get $n)) (local.get $n))",
    );
    module.verify_microcode(&code).unwrap();
    let ops = code.decode_ops().unwrap();
    let at = ops
        .iter()
        .position(|op| matches!(op, Op::I32MulThenI32Add { .. }))
        .expect("a chained multiply-add");
    let Op::I32Add { dst, lhs, rhs } = ops[at + 1] else {
        panic!("not followed by its add: {:?}", ops[at + 1])
    };
    let rejected = |ops: &[Op]| {
        let e = module.verify_microcode(&code.with_ops(ops)).unwrap_err();
        assert!(e.to_string().contains("chained op"), "{e}");
    };
    let mut other = ops.clone();
    other[at + 1] = Op::I32Sub { dst, lhs, rhs };
    rejected(&other);
    let mut wide = ops.clone();
    wide[at + 1] = Op::I32Add {
        dst,
        lhs,
        rhs: rhs + 70_000,
    };
    let mut wide_code = code.with_ops(&wide);
    wide_code.frame_size += 70_000;
    let e = module.verify_microcode(&wide_code).unwrap_err();
    assert!(e.to_string().contains("chained op"), "{e}");
    let mut last = ops.clone();
    last.truncate(at + 1);
    rejected(&last);
}

/// The body of [`memory_second_ops_are_chained`]: fills `b[j] = j` (f64, from address 0),
/// then `c[j] += 1.5 * b[j]` (from 40,960) while summing the low words of `b[j + 1]`.
const MAC: &str = "(param $n i32) (result i32) (local $i i32) (local $p i32) (local $q i32)
     (local $a f64) (local $s i32)
     (local.set $a (f64.const 1.5))
     (loop $fill
       (f64.store (local.get $p) (f64.convert_i32_s (local.get $i)))
       (local.set $p (i32.add (local.get $p) (i32.const 8)))
       (br_if $fill (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1)))
         (local.get $n))))
     (local.set $p (i32.const 0))
     (local.set $q (i32.const 40960))
     (loop $mac
       (f64.store (local.get $q) (f64.add (f64.mul (local.get $a) (f64.load (local.get $p)))
         (f64.load (local.get $q))))
       (local.set $p (i32.add (local.get $p) (i32.const 8)))
       (local.set $s (i32.add (local.get $s) (i32.load (local.get $p))))
       (local.set $q (i32.add (local.get $q) (i32.const 8)))
       (br_if $mac (i32.lt_u (local.get $p) (i32.mul (local.get $n) (i32.const 8)))))
     (i32.add (local.get $s) (i32.trunc_f64_s (f64.load (i32.const 40968))))";

/// What [`MAC`] returns for `n` (at most 5,120).
fn mac(n: i32) -> i32 {
    let s = (1..=n).fold(0i32, |s, j| {
        let next = if j < n {
            (j as f64).to_bits() as i32
        } else {
            0
        };
        s.wrapping_add(next)
    });
    s + 1
}

/// A pure op followed by a load or store is chained too (`F64MulThenI64Load`,
/// `F64AddThenI64Store`, `I32AddImmThenI32Load`, ...): the second op runs in the same
/// dispatch when it hits memory 0's resident bytes, and alone, through its general path,
/// when it does not: on a demand-paged memory (every access misses the resident bytes) the
/// results are the same, and an access out of bounds traps as the load alone would.
#[test]
fn memory_second_ops_are_chained() {
    let (code, v) = crate::support::microcode_and_run("(memory 2)", MAC, &[Val::I32(1000)]);
    insta::assert_snapshot!(code);
    assert_eq!(v, mac(1000));

    let wat = format!("(module (memory 2) (func (export \"f\") {MAC}))");
    let run = |config: Config, pages: u32, n: i32| {
        let wat = wat.replace("(memory 2)", &format!("(memory {pages})"));
        let engine = Engine::new(config);
        let module = Module::new(&engine, wat::parse_str(&wat).unwrap()).unwrap();
        let mut store = fayasm::Store::new(&engine, ());
        store.set_storage(fayasm::offload::MemStorage::new());
        let inst = fayasm::Linker::new(&engine)
            .instantiate(&mut store, &module)
            .unwrap();
        let mut out = [Val::I32(0)];
        let f = inst.get_func(&store, "f").unwrap();
        f.call(&mut store, &[Val::I32(n)], &mut out)
            .map(|()| out[0])
    };
    let paged = || {
        Config::default().memory_paging(Some(fayasm::Paging {
            page_size: 4096,
            resident_pages: 2,
        }))
    };
    for n in [1, 700, 3000] {
        // The model needs `c[1]`, written only from `n` = 2.
        let want = run(Config::default(), 2, n).unwrap();
        assert!(
            n < 2 || matches!(want, Val::I32(v) if v == mac(n)),
            "n = {n}: {want:?}"
        );
        let got = run(paged(), 2, n).unwrap();
        assert!(
            matches!((got, want), (Val::I32(a), Val::I32(b)) if a == b),
            "n = {n}: {got:?}"
        );
    }
    // One wasm page: `c` runs past its end at `n` = 3,072, in the chained load of `c[j]`.
    for config in [Config::default(), paged()] {
        match run(config, 1, 4000) {
            Err(fayasm::Error::Trap(t)) => {
                assert_eq!(t.code(), fayasm::TrapCode::MemoryOutOfBounds)
            }
            other => panic!("expected a trap, got {other:?}"),
        }
    }
}

/// The body of [`memory_first_ops_are_chained`]: marks every third byte of `0..n` (from
/// address 16), then counts the marked bytes and sums the words and doubles it reads.
const SIEVE: &str = "(param $n i32) (result i32) (local $i i32) (local $c i32) (local $x f64)
     (loop $mark
       (i32.store8 offset=16 (local.get $i) (i32.const 1))
       (br_if $mark (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 3)))
         (local.get $n))))
     (local.set $i (i32.const 0))
     (loop $count
       (if (i32.load8_u offset=16 (local.get $i))
         (then (local.set $c (i32.add (local.get $c) (i32.const 1)))))
       (local.set $c (i32.add (local.get $c)
         (i32.add (i32.load (local.get $i)) (i32.load offset=4 (local.get $i)))))
       (local.set $x (f64.add (f64.load (local.get $i)) (local.get $x)))
       (br_if $count (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1)))
         (local.get $n))))
     (i32.add (local.get $c) (i32.trunc_sat_f64_s (local.get $x)))";

/// What [`SIEVE`] returns for `n`, from a model of its memory.
fn sieve(n: i32) -> i32 {
    let mut mem = vec![0u8; n as usize + 32];
    for i in (0..n as usize).step_by(3) {
        mem[i + 16] = 1;
    }
    let word = |a: usize| i32::from_le_bytes(mem[a..a + 4].try_into().unwrap());
    let (mut c, mut x) = (0i32, 0f64);
    for i in 0..n as usize {
        c = c.wrapping_add(mem[i + 16] as i32);
        c = c.wrapping_add(word(i).wrapping_add(word(i + 4)));
        x += f64::from_le_bytes(mem[i..i + 8].try_into().unwrap());
    }
    c.wrapping_add(if x.is_nan() { 0 } else { x as i32 })
}

/// A load or store followed by another op is chained (`I32Store8AddImmThenBrIfI32AddLtU`,
/// `I32Load8UAddImmThenBrIfNez`, `I32LoadThenI32Load`, `I64LoadThenF64Add`, ...): when the
/// first op misses memory 0's resident bytes its general path runs it alone and the second
/// op follows with its own dispatch, so a demand-paged memory gives the same results and an
/// access out of bounds traps as the op alone would.
#[test]
fn memory_first_ops_are_chained() {
    let (code, v) = crate::support::microcode_and_run("(memory 1)", SIEVE, &[Val::I32(500)]);
    insta::assert_snapshot!(code);
    assert_eq!(v, sieve(500));

    let wat = format!("(module (memory 2) (func (export \"f\") {SIEVE}))");
    let engine = Engine::new(Config::default().memory_paging(Some(fayasm::Paging {
        page_size: 4096,
        resident_pages: 2,
    })));
    let module = Module::new(&engine, wat::parse_str(&wat).unwrap()).unwrap();
    let mut store = fayasm::Store::new(&engine, ());
    store.set_storage(fayasm::offload::MemStorage::new());
    let inst = fayasm::Linker::new(&engine)
        .instantiate(&mut store, &module)
        .unwrap();
    let f = inst.get_func(&store, "f").unwrap();
    for n in [1, 5000, 20000] {
        let mut out = [Val::I32(0)];
        f.call(&mut store, &[Val::I32(n)], &mut out).unwrap();
        assert!(
            matches!(out[0], Val::I32(v) if v == sieve(n)),
            "n = {n}: {:?}",
            out[0]
        );
    }
    // Past the two pages, the first store (chained with the loop's branch) traps.
    let mut out = [Val::I32(0)];
    match f.call(&mut store, &[Val::I32(200_000)], &mut out) {
        Err(fayasm::Error::Trap(t)) => assert_eq!(t.code(), fayasm::TrapCode::MemoryOutOfBounds),
        other => panic!("expected a trap, got {other:?}"),
    }
}
