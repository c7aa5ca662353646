;; globals.wat: package test.globals. Node "inc" increments a counter kept
;; in a mutable wasm global and returns it: {"status":"success",
;; "outputs":{"count":N}}. Two tenants must never see each other's counts
;; (instances are never shared across tenants); one tenant's warm instance
;; counts up; a fresh instance starts at 1.
(module
  (memory (export "memory") 1)
  (global $count (mut i64) (i64.const 0))
  ;; the response prefix, 39 bytes, at 512; digits and "}}" follow it
  (data (i32.const 512) "{\"status\":\"success\",\"outputs\":{\"count\":")
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
    (local $v i64) (local $p i32) (local $digits i32)
    (global.set $count (i64.add (global.get $count) (i64.const 1)))
    (local.set $v (global.get $count))
    ;; decimal digits, backwards, ending at 1000
    (local.set $p (i32.const 1000))
    (loop $digit
      (local.set $p (i32.sub (local.get $p) (i32.const 1)))
      (i32.store8 (local.get $p)
        (i32.add (i32.const 48) (i32.wrap_i64 (i64.rem_u (local.get $v) (i64.const 10)))))
      (local.set $v (i64.div_u (local.get $v) (i64.const 10)))
      (br_if $digit (i64.ne (local.get $v) (i64.const 0))))
    (local.set $digits (i32.sub (i32.const 1000) (local.get $p)))
    (memory.copy (i32.const 551) (local.get $p) (local.get $digits))
    (i32.store16 (i32.add (i32.const 551) (local.get $digits)) (i32.const 0x7d7d)) ;; "}}"
    (i64.or
      (i64.shl (i64.const 512) (i64.const 32))
      (i64.extend_i32_u (i32.add (i32.const 41) (local.get $digits))))))
