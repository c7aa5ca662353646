;; runtrap.wat: package test.runtrap. weft_run traps (unreachable);
;; weft_cleanup logs "weft_cleanup ran", which it never should: a trapped
;; instance's state is undefined, so the host discards it without cleanup.
(module
  (import "weft" "log" (func $log (param i32 i32 i32)))
  (memory (export "memory") 1)
  (data (i32.const 100) "weft_cleanup ran") ;; 16 bytes
  (func (export "weft_abi_version") (result i32) (i32.const 1))
  (func (export "weft_alloc") (param i32) (result i32) (i32.const 1024))
  (func (export "weft_run") (param i32 i32) (result i64)
    (unreachable))
  (func (export "weft_cleanup")
    (call $log (i32.const 2) (i32.const 100) (i32.const 16))))
