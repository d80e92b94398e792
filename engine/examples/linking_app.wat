;; An application module that imports everything from the library by name.
(module
  (import "lib" "triple" (func $triple (param i32) (result i32)))
  (import "lib" "log" (func $log (param i32 i32)))
  (import "lib" "memory" (memory 1))
  (import "lib" "scratch" (global $scratch i32))
  (data (global.get $scratch) "linked!")
  (func (export "run") (param i32) (result i32)
    (call $log (global.get $scratch) (i32.const 7))
    (call $triple (local.get 0))))
