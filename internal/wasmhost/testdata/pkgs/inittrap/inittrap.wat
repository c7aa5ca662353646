;; inittrap.wat: package test.inittrap. weft_init traps (unreachable).
(module
  (memory (export "memory") 1)
  (data (i32.const 100) "{\"status\":\"success\",\"outputs\":{}}") ;; 33 bytes
  (func (export "weft_abi_version") (result i32) (i32.const 1))
  ;; weft_alloc: every buffer starts at 1024, growing memory to fit.
  (func (export "weft_alloc") (param $n i32) (result i32)
    (local $need i32)
    (if (i32.lt_s (local.get $n) (i32.const 0)) (then (return (i32.const 0))))
    (local.set $need (i32.wrap_i64 (i64.shr_u
      (i64.add (i64.extend_i32_u (local.get $n)) (i64.const 66559)) (i64.const 16))))
    (if (i32.gt_u (local.get $need) (memory.size))
      (then (if (i32.eq (memory.grow (i32.sub (local.get $need) (memory.size))) (i32.const -1))
        (then (return (i32.const 0))))))
    (i32.const 1024))
  ;; weft_run: {"status":"success","outputs":{}}
  (func (export "weft_run") (param i32 i32) (result i64)
    (i64.or (i64.shl (i64.const 100) (i64.const 32)) (i64.const 33)))
  (func (export "weft_init") (param i32 i32) (result i64)
    (unreachable)))
