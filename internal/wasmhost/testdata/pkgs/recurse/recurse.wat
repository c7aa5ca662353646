;; recurse.wat: package test.recurse. Unbounded recursion and no loop
;; anywhere, so loop-header checks never fire: the call stack limit or a
;; per-call check must stop it. The addition after the call keeps it from
;; being a tail call.
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
  (func $down (param $depth i64) (result i64)
    (i64.add
      (call $down (i64.add (local.get $depth) (i64.const 1)))
      (local.get $depth)))
  (func (export "weft_run") (param i32 i32) (result i64)
    (call $down (i64.const 0))))
