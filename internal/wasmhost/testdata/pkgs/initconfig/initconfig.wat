;; initconfig.wat: package test.initconfig (and test.initconfigfresh, a copy
;; with fresh_instance). Lifecycle hooks: weft_init keeps its request (the
;; operator's config) and counts its calls; weft_run returns both, so a test
;; sees what weft_init got and how often; weft_cleanup logs
;; "weft_cleanup ran after N calls" through weft.log.
(module
  (import "weft" "log" (func $log (param i32 i32 i32)))
  (memory (export "memory") 1)
  (global $inits (mut i32) (i32.const 0))
  (global $calls (mut i32) (i32.const 0))
  (global $saved (mut i32) (i32.const 0)) ;; bytes of the init request kept at 16384
  (data (i32.const 100) "{\"status\":\"success\",\"outputs\":{\"inits\":")  ;; 39 bytes
  (data (i32.const 200) ",\"init\":")                                        ;; 8 bytes
  (data (i32.const 300) "}}")                                                ;; 2 bytes
  (data (i32.const 400) "weft_cleanup ran after N calls")                    ;; 30 bytes, N at 423
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
  ;; copy n bytes from src to dst; returns dst + n.
  (func $copy (param $dst i32) (param $src i32) (param $n i32) (result i32)
    (block $done
      (loop $next
        (br_if $done (i32.eqz (local.get $n)))
        (i32.store8 (local.get $dst) (i32.load8_u (local.get $src)))
        (local.set $dst (i32.add (local.get $dst) (i32.const 1)))
        (local.set $src (i32.add (local.get $src) (i32.const 1)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $next)))
    (local.get $dst))
  ;; weft_init keeps up to 16 KiB of its request at 16384; answers 0.
  (func (export "weft_init") (param $ptr i32) (param $len i32) (result i64)
    (global.set $inits (i32.add (global.get $inits) (i32.const 1)))
    (if (i32.gt_u (local.get $len) (i32.const 16384)) (then (local.set $len (i32.const 16384))))
    (drop (call $copy (i32.const 16384) (local.get $ptr) (local.get $len)))
    (global.set $saved (local.get $len))
    (i64.const 0))
  ;; weft_run: {"status":"success","outputs":{"inits":N,"init":<request>}}
  ;; built at 40000 (N is one digit).
  (func (export "weft_run") (param i32 i32) (result i64)
    (local $p i32)
    (global.set $calls (i32.add (global.get $calls) (i32.const 1)))
    (local.set $p (call $copy (i32.const 40000) (i32.const 100) (i32.const 39)))
    (i32.store8 (local.get $p) (i32.add (i32.const 48) (i32.rem_u (global.get $inits) (i32.const 10))))
    (local.set $p (i32.add (local.get $p) (i32.const 1)))
    (local.set $p (call $copy (local.get $p) (i32.const 200) (i32.const 8)))
    (if (i32.eqz (global.get $saved))
      (then
        (i32.store (local.get $p) (i32.const 0x6c6c756e)) ;; "null": weft_init never ran
        (local.set $p (i32.add (local.get $p) (i32.const 4))))
      (else (local.set $p (call $copy (local.get $p) (i32.const 16384) (global.get $saved)))))
    (local.set $p (call $copy (local.get $p) (i32.const 300) (i32.const 2)))
    (i64.or (i64.shl (i64.const 40000) (i64.const 32))
      (i64.extend_i32_u (i32.sub (local.get $p) (i32.const 40000)))))
  ;; weft_cleanup: logs "weft_cleanup ran after N calls" (N one digit).
  (func (export "weft_cleanup")
    (i32.store8 (i32.const 423) (i32.add (i32.const 48) (i32.rem_u (global.get $calls) (i32.const 10))))
    (call $log (i32.const 2) (i32.const 400) (i32.const 30))))
