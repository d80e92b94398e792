;; A library module: arithmetic, a memory and a logging function that hands a string of
;; its memory to the host.
(module
  (import "host" "print" (func $print (param i32 i32)))
  (memory (export "memory") 1)
  (global (export "scratch") i32 (i32.const 256))
  (func (export "triple") (param i32) (result i32)
    (i32.mul (local.get 0) (i32.const 3)))
  (func (export "log") (param i32 i32)
    (call $print (local.get 0) (local.get 1))))
