;; A GC program, written by hand for fayasm (issue 18): structs, arrays, subtyping and casts,
;; i31, data segments, and enough short-lived garbage to make the collector run. Every export
;; returns a checksum; `wasm_samples/expected.json` has the values, and
;; `conformance/tests/samples.rs` runs it on fayasm and wasmtime.
(module
  ;; A binary tree node (the "binary trees" benchmark's shape).
  (type $tree (struct (field $left (ref null $tree)) (field $right (ref null $tree))))
  ;; Shapes: a base type and two final subtypes, told apart by casts.
  (type $shape (sub (struct (field $id i32))))
  (type $rect (sub final $shape (struct (field $id i32) (field $w i32) (field $h i32))))
  (type $circle (sub final $shape (struct (field $id i32) (field $r i32))))
  (type $shapes (array (mut (ref null $shape))))
  (type $ints (array (mut i32)))
  (type $bytes (array (mut i8)))
  ;; A linked list of i64 payloads with a mutable link.
  (type $cell (struct (field $val i64) (field $next (mut (ref null $cell)))))

  (data $text "fayasm collects its garbage")

  ;; A complete tree of depth $d (2^($d+1) - 1 nodes).
  (func $build (param $d i32) (result (ref $tree))
    (if (result (ref $tree)) (i32.eqz (local.get $d))
      (then (struct.new_default $tree))
      (else
        (struct.new $tree
          (call $build (i32.sub (local.get $d) (i32.const 1)))
          (call $build (i32.sub (local.get $d) (i32.const 1)))))))

  ;; The number of nodes of a tree.
  (func $count (param $t (ref null $tree)) (result i32)
    (if (result i32) (ref.is_null (local.get $t))
      (then (i32.const 0))
      (else
        (i32.add
          (i32.const 1)
          (i32.add
            (call $count (struct.get $tree $left (local.get $t)))
            (call $count (struct.get $tree $right (local.get $t))))))))

  ;; One long-lived tree of depth $n, then 64 * $n short-lived trees of depth 6 (garbage as
  ;; soon as they are counted), then the long-lived one counted again.
  (func (export "binary_trees") (param $n i32) (result i32)
    (local $long (ref null $tree))
    (local $i i32)
    (local $sum i32)
    (local.set $long (call $build (local.get $n)))
    (block $done
      (loop $again
        (br_if $done (i32.ge_u (local.get $i) (i32.mul (local.get $n) (i32.const 64))))
        (local.set $sum (i32.add (local.get $sum) (call $count (call $build (i32.const 6)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $again)))
    (i32.add (local.get $sum) (call $count (local.get $long))))

  ;; $n pseudo-random numbers in an array, insertion-sorted; the checksum weighs each element
  ;; by its position, and is -1 if the array is not sorted.
  (func (export "sort") (param $n i32) (result i32)
    (local $a (ref $ints))
    (local $seed i32)
    (local $i i32)
    (local $j i32)
    (local $x i32)
    (local $sum i32)
    (local.set $a (array.new_default $ints (local.get $n)))
    (local.set $seed (i32.const 12345))
    (block $filled
      (loop $fill
        (br_if $filled (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $seed
          (i32.add (i32.mul (local.get $seed) (i32.const 1103515245)) (i32.const 12345)))
        (array.set $ints (local.get $a) (local.get $i)
          (i32.and (i32.shr_u (local.get $seed) (i32.const 16)) (i32.const 0x7fff)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $fill)))
    (local.set $i (i32.const 1))
    (block $sorted
      (loop $outer
        (br_if $sorted (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $x (array.get $ints (local.get $a) (local.get $i)))
        (local.set $j (local.get $i))
        (block $placed
          (loop $shift
            (br_if $placed (i32.eqz (local.get $j)))
            (br_if $placed
              (i32.le_s
                (array.get $ints (local.get $a) (i32.sub (local.get $j) (i32.const 1)))
                (local.get $x)))
            (array.set $ints (local.get $a) (local.get $j)
              (array.get $ints (local.get $a) (i32.sub (local.get $j) (i32.const 1))))
            (local.set $j (i32.sub (local.get $j) (i32.const 1)))
            (br $shift)))
        (array.set $ints (local.get $a) (local.get $j) (local.get $x))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $outer)))
    (local.set $i (i32.const 0))
    (block $summed
      (loop $sum_up
        (br_if $summed (i32.ge_u (local.get $i) (array.len (local.get $a))))
        (if (i32.gt_u (local.get $i) (i32.const 0))
          (then
            (if (i32.gt_s
                  (array.get $ints (local.get $a) (i32.sub (local.get $i) (i32.const 1)))
                  (array.get $ints (local.get $a) (local.get $i)))
              (then (return (i32.const -1))))))
        (local.set $sum
          (i32.add (local.get $sum)
            (i32.mul
              (array.get $ints (local.get $a) (local.get $i))
              (i32.add (local.get $i) (i32.const 1)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $sum_up)))
    (local.get $sum))

  ;; The area of a shape (a circle's with pi taken as 3), found by casts; -1 for a shape
  ;; that is neither.
  (func $area (param $s (ref $shape)) (result i32)
    (local $r (ref $rect))
    (local $c (ref $circle))
    (if (ref.test (ref $rect) (local.get $s))
      (then
        (local.set $r (ref.cast (ref $rect) (local.get $s)))
        (return
          (i32.mul (struct.get $rect $w (local.get $r)) (struct.get $rect $h (local.get $r))))))
    (local.set $c
      (block $is_circle (result (ref $circle))
        (br_on_cast $is_circle (ref $shape) (ref $circle) (local.get $s))
        (drop)
        (return (i32.const -1))))
    (i32.mul
      (i32.const 3)
      (i32.mul (struct.get $circle $r (local.get $c)) (struct.get $circle $r (local.get $c)))))

  ;; $n shapes in an array (rectangles i x (i + 1) at even i, circles of radius i at odd i)
  ;; and the sum of their areas and ids.
  (func (export "shapes") (param $n i32) (result i32)
    (local $all (ref $shapes))
    (local $i i32)
    (local $sum i32)
    (local $s (ref $shape))
    (local.set $all (array.new $shapes (ref.null $shape) (local.get $n)))
    (block $made
      (loop $make
        (br_if $made (i32.ge_u (local.get $i) (local.get $n)))
        (array.set $shapes (local.get $all) (local.get $i)
          (if (result (ref $shape)) (i32.and (local.get $i) (i32.const 1))
            (then (struct.new $circle (local.get $i) (local.get $i)))
            (else
              (struct.new $rect (local.get $i) (local.get $i)
                (i32.add (local.get $i) (i32.const 1))))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $make)))
    (local.set $i (i32.const 0))
    (block $done
      (loop $add
        (br_if $done (i32.ge_u (local.get $i) (array.len (local.get $all))))
        (local.set $s (ref.as_non_null (array.get $shapes (local.get $all) (local.get $i))))
        (local.set $sum
          (i32.add (local.get $sum)
            (i32.add (call $area (local.get $s)) (struct.get $shape $id (local.get $s)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $add)))
    (local.get $sum))

  ;; The sum of the signed 31-bit values 0, -1, ..., -($n - 1) round-tripped through i31
  ;; references, plus the unsigned reading of -1.
  (func (export "i31_sum") (param $n i32) (result i32)
    (local $i i32)
    (local $sum i32)
    (block $done
      (loop $again
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $sum
          (i32.add (local.get $sum)
            (i31.get_s (ref.i31 (i32.sub (i32.const 0) (local.get $i))))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $again)))
    (i32.add (local.get $sum) (i31.get_u (ref.i31 (i32.const -1)))))

  ;; The text of the data segment as a byte array, copied into a second one twice over:
  ;; the sum of its bytes read unsigned, times the copy's length.
  (func (export "text") (result i32)
    (local $a (ref $bytes))
    (local $b (ref $bytes))
    (local $len i32)
    (local $i i32)
    (local $sum i32)
    (local.set $a (array.new_data $bytes $text (i32.const 0) (i32.const 27)))
    (local.set $len (array.len (local.get $a)))
    (local.set $b (array.new_default $bytes (i32.mul (local.get $len) (i32.const 2))))
    (array.copy $bytes $bytes (local.get $b) (i32.const 0) (local.get $a) (i32.const 0)
      (local.get $len))
    (array.copy $bytes $bytes (local.get $b) (local.get $len) (local.get $a) (i32.const 0)
      (local.get $len))
    (block $done
      (loop $again
        (br_if $done (i32.ge_u (local.get $i) (array.len (local.get $b))))
        (local.set $sum
          (i32.add (local.get $sum) (array.get_u $bytes (local.get $b) (local.get $i))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $again)))
    (i32.mul (local.get $sum) (array.len (local.get $b))))

  ;; A list of $n cells (values 1..$n squared) built front to back, reversed in place by
  ;; relinking, then folded: each value times its new position.
  (func (export "list") (param $n i32) (result i64)
    (local $head (ref null $cell))
    (local $prev (ref null $cell))
    (local $next (ref null $cell))
    (local $i i32)
    (local $pos i64)
    (local $sum i64)
    (local.set $i (local.get $n))
    (block $built
      (loop $push
        (br_if $built (i32.eqz (local.get $i)))
        (local.set $head
          (struct.new $cell
            (i64.mul (i64.extend_i32_u (local.get $i)) (i64.extend_i32_u (local.get $i)))
            (local.get $head)))
        (local.set $i (i32.sub (local.get $i) (i32.const 1)))
        (br $push)))
    (block $reversed
      (loop $flip
        (br_if $reversed (ref.is_null (local.get $head)))
        (local.set $next (struct.get $cell $next (local.get $head)))
        (struct.set $cell $next (local.get $head) (local.get $prev))
        (local.set $prev (local.get $head))
        (local.set $head (local.get $next))
        (br $flip)))
    (block $folded
      (loop $fold
        (br_if $folded (ref.is_null (local.get $prev)))
        (local.set $pos (i64.add (local.get $pos) (i64.const 1)))
        (local.set $sum
          (i64.add (local.get $sum)
            (i64.mul (struct.get $cell $val (local.get $prev)) (local.get $pos))))
        (local.set $prev (struct.get $cell $next (local.get $prev)))
        (br $fold)))
    (local.get $sum))

  ;; Element $i of a 3-element array: traps past the end.
  (func (export "index") (param $i i32) (result i32)
    (array.get $ints (array.new_fixed $ints 3 (i32.const 10) (i32.const 20) (i32.const 30))
      (local.get $i)))

  ;; A circle cast to a rectangle: a cast failure.
  (func (export "bad_cast") (result i32)
    (struct.get $rect $w
      (ref.cast (ref $rect) (struct.new $circle (i32.const 1) (i32.const 2))))))
