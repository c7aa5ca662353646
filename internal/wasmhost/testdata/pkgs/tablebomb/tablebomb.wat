;; tablebomb.wat: package test.tablebomb. A funcref table with no maximum
;; and code that executes table.grow on it: host memory the memory cap does
;; not see. ABI v1 says such a module is refused at load. Should a host run
;; it anyway, it grows the table by 1M entries 4 times (about 100 MB peak in
;; wazero, which copies the table on each grow), stopping early if refused,
;; and then succeeds with no outputs, so a missing check fails a test
;; instead of exhausting the machine.
(module
  (memory (export "memory") 1)
  (table $t 1 funcref)
  (data (i32.const 512) "{\"status\":\"success\",\"outputs\":{}}")
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
    (local $i i32)
    (loop $grow
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $grow (i32.and
        (i32.ne (table.grow $t (ref.null func) (i32.const 1000000)) (i32.const -1))
        (i32.lt_u (local.get $i) (i32.const 4)))))
    (i64.or (i64.shl (i64.const 512) (i64.const 32)) (i64.const 33))))
