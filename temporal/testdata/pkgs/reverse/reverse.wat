;; reverse.wat: package bench.reverse, node `reverse`, for the peer
;; benchmarks of bench/peer. A hand-written guest of weft ABI v1: it finds
;; the input pin `s` in the request JSON ("s":"...), which the benchmark
;; fills with plain ASCII (no escapes, which this guest does not decode),
;; and answers {"status":"success","outputs":{"s":"<s reversed>"}}.
;; Rebuild: ../build.sh (wat2wasm from Debian's wabt).
(module
  (memory (export "memory") 1)
  ;; The response's fixed parts, at 0 (36 bytes) and 48 (3 bytes).
  (data (i32.const 0) "{\22status\22:\22success\22,\22outputs\22:{\22s\22:\22")
  (data (i32.const 48) "\22}}")
  (func (export "weft_abi_version") (result i32) (i32.const 1))
  ;; weft_alloc: every buffer starts at 1024 (nothing is kept between
  ;; calls, and the request is the only buffer), with room after it for the
  ;; response (at most n + 39 bytes); memory grows to fit, 0 when it cannot.
  (func (export "weft_alloc") (param $n i32) (result i32)
    (local $need i32)
    (if (i32.lt_s (local.get $n) (i32.const 0)) (then (return (i32.const 0))))
    (if (i32.gt_u (local.get $n) (i32.const 0x10000000)) (then (return (i32.const 0))))
    (local.set $need (i32.shr_u
      (i32.add (i32.shl (local.get $n) (i32.const 1)) (i32.const 67647)) (i32.const 16)))
    (if (i32.gt_u (local.get $need) (memory.size))
      (then (if (i32.eq (memory.grow (i32.sub (local.get $need) (memory.size))) (i32.const -1))
        (then (return (i32.const 0))))))
    (i32.const 1024))
  (func (export "weft_run") (param $p i32) (param $n i32) (result i64)
    (local $i i32) (local $end i32) (local $s i32) (local $e i32) (local $out i32) (local $o i32)
    (local.set $end (i32.add (local.get $p) (local.get $n)))
    ;; Find `"s":"`: the bytes 22 73 22 3a, then 22.
    (local.set $i (local.get $p))
    (block $found
      (loop $scan
        (if (i32.gt_u (i32.add (local.get $i) (i32.const 5)) (local.get $end))
          (then (return (i64.const 0))))
        (br_if $found (i32.and
          (i32.eq (i32.load align=1 (local.get $i)) (i32.const 0x3a227322))
          (i32.eq (i32.load8_u offset=4 (local.get $i)) (i32.const 0x22))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $scan)))
    (local.set $s (i32.add (local.get $i) (i32.const 5)))
    ;; The string runs to the next quote.
    (local.set $e (local.get $s))
    (block $closed
      (loop $str
        (if (i32.ge_u (local.get $e) (local.get $end)) (then (return (i64.const 0))))
        (br_if $closed (i32.eq (i32.load8_u (local.get $e)) (i32.const 0x22)))
        (local.set $e (i32.add (local.get $e) (i32.const 1)))
        (br $str)))
    ;; The response goes after the request.
    (local.set $out (i32.and (i32.add (local.get $end) (i32.const 7)) (i32.const -8)))
    (memory.copy (local.get $out) (i32.const 0) (i32.const 36))
    (local.set $o (i32.add (local.get $out) (i32.const 36)))
    (local.set $i (local.get $e))
    (block $done
      (loop $rev
        (br_if $done (i32.le_u (local.get $i) (local.get $s)))
        (local.set $i (i32.sub (local.get $i) (i32.const 1)))
        (i32.store8 (local.get $o) (i32.load8_u (local.get $i)))
        (local.set $o (i32.add (local.get $o) (i32.const 1)))
        (br $rev)))
    (memory.copy (local.get $o) (i32.const 48) (i32.const 3))
    (local.set $o (i32.add (local.get $o) (i32.const 3)))
    (i64.or
      (i64.shl (i64.extend_i32_u (local.get $out)) (i64.const 32))
      (i64.extend_i32_u (i32.sub (local.get $o) (local.get $out))))))
