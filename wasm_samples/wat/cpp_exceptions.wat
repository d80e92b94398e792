;; ../c/cpp_exceptions.cpp by hand, in the form clang's `-fwasm-exceptions` gives C++ with the
;; standard exception-handling instructions (exnref): a `__cpp_exception` tag whose value is
;; the address of the exception object; each `try` a `try_table` whose `catch_ref` lands in a
;; pad that reads the thrown type, handles what its clauses name and `throw_ref`s the rest;
;; each object with a destructor a `catch_all_ref` cleanup that runs it and `throw_ref`s on;
;; a `noexcept` function a `catch_all` that terminates. libc++abi is replaced by a few
;; functions (`$alloc_exception`, `$cxa_throw`, `$cxa_rethrow`, `$end_catch`): an exception
;; object is a payload after an 8-byte header holding its type id, in a bump area that is
;; reset when no exception is in flight. Built by `cargo xtask samples` (the `wat` crate).
(module
  (memory (export "memory") 1)
  (tag $cpp (export "__cpp_exception") (param i32))

  ;; Type ids (stand-ins for the `std::type_info` addresses).
  (global $TI_INT i32 (i32.const 1))
  (global $TI_ERROR i32 (i32.const 2))
  (global $TI_DOUBLE i32 (i32.const 3))

  (global $heap (mut i32) (i32.const 1024))
  (global $in_flight (mut i32) (i32.const 0))
  (global $live (mut i32) (i32.const 0))
  (global $dtors (mut i32) (i32.const 0))
  (global $rethrows (mut i32) (i32.const 0))

  ;; --- the runtime (libc++abi's part) ---

  ;; __cxa_allocate_exception: `size` bytes of payload after the header.
  (func $alloc_exception (param $size i32) (result i32)
    (local $p i32)
    (local.set $p (global.get $heap))
    (global.set $heap
      (i32.add (local.get $p)
        (i32.and (i32.add (local.get $size) (i32.const 15)) (i32.const -8))))
    (global.set $in_flight (i32.add (global.get $in_flight) (i32.const 1)))
    (i32.add (local.get $p) (i32.const 8)))

  ;; __cxa_throw (and _Unwind_RaiseException).
  (func $cxa_throw (param $obj i32) (param $type i32)
    (i32.store (i32.sub (local.get $obj) (i32.const 8)) (local.get $type))
    (throw $cpp (local.get $obj)))

  ;; __cxa_rethrow: `throw;` raises the exception being handled again.
  (func $cxa_rethrow (param $obj i32)
    (throw $cpp (local.get $obj)))

  (func $type_of (param $obj i32) (result i32)
    (i32.load (i32.sub (local.get $obj) (i32.const 8))))

  ;; __cxa_end_catch: the handler is done with the exception.
  (func $end_catch
    (global.set $in_flight (i32.sub (global.get $in_flight) (i32.const 1)))
    (if (i32.eqz (global.get $in_flight))
      (then (global.set $heap (i32.const 1024)))))

  ;; std::terminate.
  (func $terminate
    unreachable)

  ;; `throw Error{code}`.
  (func $throw_error (param $code i32)
    (local $e i32)
    (local.set $e (call $alloc_exception (i32.const 4)))
    (i32.store (local.get $e) (local.get $code))
    (call $cxa_throw (local.get $e) (global.get $TI_ERROR)))

  ;; --- Guard ---

  (func $guard_ctor
    (global.set $live (i32.add (global.get $live) (i32.const 1))))

  (func $guard_dtor
    (global.set $live (i32.sub (global.get $live) (i32.const 1)))
    (global.set $dtors (i32.add (global.get $dtors) (i32.const 1))))

  ;; --- the program ---

  (func $checked_div (param $a i32) (param $b i32) (result i32)
    (if (i32.eqz (local.get $b))
      (then (call $throw_error (i32.const 1))))
    (if (i32.and (i32.eq (local.get $a) (i32.const 0x80000000))
                 (i32.eq (local.get $b) (i32.const -1)))
      (then (call $throw_error (i32.const 2))))
    (i32.div_s (local.get $a) (local.get $b)))

  (func (export "safe_div") (param $a i32) (param $b i32) (result i32)
    (local $obj i32) (local $exn exnref) (local $r i32)
    (block $done (result i32)
      (block $pad (result i32 exnref)
        (try_table (result i32) (catch_ref $cpp $pad)
          (call $checked_div (local.get $a) (local.get $b)))
        (br $done))
      (local.set $exn)
      (local.set $obj)
      ;; catch (const Error& e): anything else goes on up.
      (if (i32.ne (call $type_of (local.get $obj)) (global.get $TI_ERROR))
        (then (throw_ref (local.get $exn))))
      (local.set $r (i32.sub (i32.const 0) (i32.load (local.get $obj))))
      (call $end_catch)
      (local.get $r)))

  (func $dive (param $n i32) (result i32)
    (local $r i32)
    (call $guard_ctor)
    (block $cleanup (result exnref)
      (try_table (catch_all_ref $cleanup)
        (if (i32.eqz (local.get $n))
          (then (call $throw_error (i32.const 7))))
        (local.set $r
          (i32.add (call $dive (i32.sub (local.get $n) (i32.const 1))) (i32.const 1))))
      (call $guard_dtor)
      (return (local.get $r)))
    ;; ~Guard while unwinding, then on up.
    (call $guard_dtor)
    (throw_ref))

  (func (export "depth") (param $n i32) (result i32)
    (local $before i32) (local $obj i32) (local $exn exnref) (local $r i32)
    (local.set $before (global.get $dtors))
    (block $done (result i32)
      (block $pad (result i32 exnref)
        (try_table (result i32) (catch_ref $cpp $pad)
          (call $dive (local.get $n)))
        (br $done))
      (local.set $exn)
      (local.set $obj)
      (if (i32.ne (call $type_of (local.get $obj)) (global.get $TI_ERROR))
        (then (throw_ref (local.get $exn))))
      (local.set $r
        (i32.add
          (i32.mul (i32.load (local.get $obj)) (i32.const 1000))
          (i32.sub (global.get $dtors) (local.get $before))))
      (call $end_catch)
      (local.get $r)))

  (func $inner (param $x i32)
    (local $obj i32)
    (block $done
      (block $pad (result i32 exnref)
        (try_table (catch_ref $cpp $pad)
          (if (local.get $x)
            (then (call $throw_error (local.get $x)))))
        (br $done))
      ;; catch (...): every C++ exception.
      (drop)
      (local.set $obj)
      (global.set $rethrows (i32.add (global.get $rethrows) (i32.const 1)))
      (call $cxa_rethrow (local.get $obj))))

  (func (export "rethrow") (param $x i32) (result i32)
    (local $obj i32) (local $exn exnref) (local $r i32)
    (global.set $rethrows (i32.const 0))
    (block $done (result i32)
      (block $pad (result i32 exnref)
        (try_table (result i32) (catch_ref $cpp $pad)
          (call $inner (local.get $x))
          (i32.const -1))
        (br $done))
      (local.set $exn)
      (local.set $obj)
      (if (i32.ne (call $type_of (local.get $obj)) (global.get $TI_ERROR))
        (then (throw_ref (local.get $exn))))
      (local.set $r
        (i32.add (i32.load (local.get $obj))
          (i32.mul (global.get $rethrows) (i32.const 100))))
      (call $end_catch)
      (local.get $r)))

  (func (export "kinds") (param $k i32) (result i32)
    (local $obj i32) (local $type i32) (local $r i32)
    (block $done (result i32)
      (block $pad (result i32 exnref)
        (try_table (result i32) (catch_ref $cpp $pad)
          (block $none
            (block $double
              (block $error
                (block $int
                  (br_table $int $error $double $none (local.get $k)))
                ;; throw 42
                (local.set $obj (call $alloc_exception (i32.const 4)))
                (i32.store (local.get $obj) (i32.const 42))
                (call $cxa_throw (local.get $obj) (global.get $TI_INT)))
              ;; throw Error{5}
              (call $throw_error (i32.const 5)))
            ;; throw 2.5
            (local.set $obj (call $alloc_exception (i32.const 8)))
            (f64.store (local.get $obj) (f64.const 2.5))
            (call $cxa_throw (local.get $obj) (global.get $TI_DOUBLE)))
          (i32.const 0))
        (br $done))
      ;; catch (int v), catch (const Error& e), catch (...): every C++ exception stops here.
      (drop)
      (local.set $obj)
      (local.set $type (call $type_of (local.get $obj)))
      (local.set $r
        (if (result i32) (i32.eq (local.get $type) (global.get $TI_INT))
          (then (i32.add (i32.const 100) (i32.load (local.get $obj))))
          (else
            (if (result i32) (i32.eq (local.get $type) (global.get $TI_ERROR))
              (then (i32.add (i32.const 200) (i32.load (local.get $obj))))
              (else (i32.const 300))))))
      (call $end_catch)
      (local.get $r)))

  (func (export "live_guards") (result i32)
    (global.get $live))

  (func (export "guarded") (param $x i32) (result i32)
    (block $terminate
      (try_table (result i32) (catch_all $terminate)
        (call $checked_div (i32.const 100) (local.get $x)))
      (return))
    (call $terminate)
    unreachable)
)
