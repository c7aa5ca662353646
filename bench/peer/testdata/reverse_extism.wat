;; reverse_extism.wat: the same node as reverse/reverse.wat as an Extism
;; plugin, for the peer benchmarks of bench/peer: export `reverse` reads
;; its input from Extism's kernel (8 bytes at a time, as Extism's PDKs do),
;; reverses it in its own memory and sets it as the output.
;; Rebuild: ./build.sh (wat2wasm from Debian's wabt).
(module
  (import "extism:host/env" "input_length" (func $input_length (result i64)))
  (import "extism:host/env" "input_load_u64" (func $input_load_u64 (param i64) (result i64)))
  (import "extism:host/env" "input_load_u8" (func $input_load_u8 (param i64) (result i32)))
  (import "extism:host/env" "alloc" (func $alloc (param i64) (result i64)))
  (import "extism:host/env" "store_u64" (func $store_u64 (param i64 i64)))
  (import "extism:host/env" "store_u8" (func $store_u8 (param i64 i32)))
  (import "extism:host/env" "output_set" (func $output_set (param i64 i64)))
  (memory (export "memory") 1)
  ;; Input at 1024, reversed at 1024 + 32768; inputs up to 32 KiB.
  (func (export "reverse") (result i32)
    (local $n i64) (local $i i64) (local $off i64)
    (local.set $n (call $input_length))
    (if (i64.gt_u (local.get $n) (i64.const 32768)) (then (return (i32.const 1))))
    (local.set $i (i64.const 0))
    (block $d1 (loop $l1
      (br_if $d1 (i64.gt_u (i64.add (local.get $i) (i64.const 8)) (local.get $n)))
      (i64.store align=1 (i32.add (i32.const 1024) (i32.wrap_i64 (local.get $i))) (call $input_load_u64 (local.get $i)))
      (local.set $i (i64.add (local.get $i) (i64.const 8)))
      (br $l1)))
    (block $d2 (loop $l2
      (br_if $d2 (i64.ge_u (local.get $i) (local.get $n)))
      (i32.store8 (i32.add (i32.const 1024) (i32.wrap_i64 (local.get $i))) (call $input_load_u8 (local.get $i)))
      (local.set $i (i64.add (local.get $i) (i64.const 1)))
      (br $l2)))
    (local.set $i (i64.const 0))
    (block $d3 (loop $l3
      (br_if $d3 (i64.ge_u (local.get $i) (local.get $n)))
      (i32.store8 (i32.add (i32.const 33792) (i32.wrap_i64 (local.get $i)))
        (i32.load8_u (i32.add (i32.const 1023) (i32.wrap_i64 (i64.sub (local.get $n) (local.get $i))))))
      (local.set $i (i64.add (local.get $i) (i64.const 1)))
      (br $l3)))
    (local.set $off (call $alloc (local.get $n)))
    (local.set $i (i64.const 0))
    (block $d4 (loop $l4
      (br_if $d4 (i64.gt_u (i64.add (local.get $i) (i64.const 8)) (local.get $n)))
      (call $store_u64 (i64.add (local.get $off) (local.get $i)) (i64.load align=1 (i32.add (i32.const 33792) (i32.wrap_i64 (local.get $i)))))
      (local.set $i (i64.add (local.get $i) (i64.const 8)))
      (br $l4)))
    (block $d5 (loop $l5
      (br_if $d5 (i64.ge_u (local.get $i) (local.get $n)))
      (call $store_u8 (i64.add (local.get $off) (local.get $i)) (i32.load8_u (i32.add (i32.const 33792) (i32.wrap_i64 (local.get $i)))))
      (local.set $i (i64.add (local.get $i) (i64.const 1)))
      (br $l5)))
    (call $output_set (local.get $off) (local.get $n))
    (i32.const 0)))
