;; Imports one host function and calls it from its export `run`.
(module
  (import "host" "greet" (func $greet (param i32) (result i32)))
  (func (export "run") (param i32) (result i32)
    (call $greet (local.get 0))))
