;; spin.wat: package test.spin. weft_run is an endless loop that makes no
;; host call and touches no memory: only the host's timeout can stop it.
(module
  (memory (export "memory") 1)
  (func (export "weft_abi_version") (result i32) (i32.const 1))
  ;; weft_alloc: every buffer starts at 1024 (this module keeps nothing
  ;; between calls), growing memory to fit; 0 when it cannot.
  (func (export "weft_alloc") (param $n i32) (result i32)
    (local $need i32)
    (if (i32.lt_s (local.get $n) (i32.const 0)) (then (return (i32.const 0))))
    (local.set $need (i32.wrap_i64 (i64.shr_u
      (i64.add (i64.extend_i32_u (local.get $n)) (i64.const 66559)) (i64.const 16))))
    (if (i32.gt_u (local.get $need) (memory.size))
      (then (if (i32.eq (memory.grow (i32.sub (local.get $need) (memory.size))) (i32.const -1))
        (then (return (i32.const 0))))))
    (i32.const 1024))
  (func (export "weft_run") (param i32 i32) (result i64)
    (loop $forever (br $forever))
    (i64.const 0)))
