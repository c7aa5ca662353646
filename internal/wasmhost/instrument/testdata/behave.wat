;; Behaviour fixture: instrumented and bare must return the same results.
;; Covers loops, recursion, call_indirect, br_table, multi-value blocks and
;; loops with parameters, bulk memory with a passive data segment (so a data
;; count section), passive/declarative/expression element segments, a second
;; table, ref.func in a global, a v128 global, memory.grow, table.grow under
;; a maximum, an imported function re-exported, and a start section.
(module
  (type $binop (func (param i32 i32) (result i32)))
  (type $pair (func (param i32 i32) (result i32 i32)))
  (import "env" "twice" (func $twice (param i32) (result i32)))
  (memory (export "memory") 1 4)
  (table $t0 4 funcref)
  (table $t1 2 8 funcref)
  (global $started (mut i32) (i32.const 0))
  (global $fref funcref (ref.func $mul))
  (global $vec v128 (v128.const i32x4 1 2 3 4))
  (elem (table $t0) (i32.const 0) func $add $sub $mul $twice)
  (elem (table $t1) (i32.const 0) funcref (ref.func $sub) (ref.null func))
  (elem $passive funcref (ref.func $add) (ref.func $mul))
  (elem declare func $fib)
  (data $hello "hello, world")
  (data (i32.const 256) "\01\02\03\04")

  (func $start (global.set $started (i32.const 42)))
  (start $start)
  (func (export "started") (result i32) (global.get $started))

  (func $add (type $binop) (i32.add (local.get 0) (local.get 1)))
  (func $sub (type $binop) (i32.sub (local.get 0) (local.get 1)))
  (func $mul (type $binop) (i32.mul (local.get 0) (local.get 1)))
  (export "twice" (func $twice))
  (func (export "call_twice") (param i32) (result i32) (call $twice (local.get 0)))

  (func (export "sum") (param $n i32) (result i64)
    (local $i i32) (local $acc i64)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $acc (i64.add (local.get $acc) (i64.extend_i32_u (local.get $i))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (local.get $acc))

  (func $fib (export "fib") (param $n i32) (result i32)
    (if (result i32) (i32.lt_u (local.get $n) (i32.const 2))
      (then (local.get $n))
      (else (i32.add (call $fib (i32.sub (local.get $n) (i32.const 1)))
                     (call $fib (i32.sub (local.get $n) (i32.const 2)))))))

  ;; call_indirect through table 0 (slot 3 is the import) and table 1.
  (func (export "dispatch") (param $op i32) (param $a i32) (param $b i32) (result i32)
    (if (result i32) (i32.eq (local.get $op) (i32.const 3))
      (then (call_indirect $t0 (param i32) (result i32) (local.get $a) (local.get $op)))
      (else (if (result i32) (i32.eq (local.get $op) (i32.const 4))
        (then (call_indirect $t1 (type $binop) (local.get $a) (local.get $b) (i32.const 0)))
        (else (call_indirect $t0 (type $binop) (local.get $a) (local.get $b) (local.get $op)))))))

  ;; ref.func in code, a funcref global, table.set/get, call_ref-free dispatch.
  (func (export "refs") (param $a i32) (param $b i32) (result i32)
    (table.set $t0 (i32.const 1) (ref.func $fib))
    (table.set $t0 (i32.const 2) (global.get $fref))
    (i32.add
      (call_indirect $t0 (param i32) (result i32) (local.get $a) (i32.const 1))
      (call_indirect $t0 (type $binop) (local.get $a) (local.get $b) (i32.const 2))))

  ;; table.init from the passive segment into table 1, then call it.
  (func (export "tinit") (param $a i32) (param $b i32) (result i32)
    (table.init $t1 $passive (i32.const 0) (i32.const 0) (i32.const 2))
    (elem.drop $passive)
    (i32.add
      (call_indirect $t1 (type $binop) (local.get $a) (local.get $b) (i32.const 0))
      (call_indirect $t1 (type $binop) (local.get $a) (local.get $b) (i32.const 1))))

  (func (export "tgrow") (param $n i32) (result i32)
    (table.grow $t1 (ref.null func) (local.get $n)))

  (func (export "classify") (param $x i32) (result i32)
    (block $d (block $c (block $b (block $a
      (br_table $a $b $c $d (local.get $x)))
      (return (i32.const 100)))
      (return (i32.const 200)))
      (return (i32.const 300)))
    (i32.const 400))

  ;; multi-value: a function returning two values, a block taking params.
  (func $divmod (type $pair) (i32.div_u (local.get 0) (local.get 1)) (i32.rem_u (local.get 0) (local.get 1)))
  (func (export "divmod") (param i32 i32) (result i32)
    (call $divmod (local.get 0) (local.get 1))
    (block $b (param i32 i32) (result i32)
      (i32.mul (i32.const 1000))
      (i32.add)))

  ;; a loop with parameters and results: sums n..1 on the operand stack.
  (func (export "loopparams") (param $n i32) (result i32)
    (local $k i32)
    (i32.const 0) (local.get $n)
    (loop $l (param i32 i32) (result i32)
      (local.set $k)
      (i32.add (local.get $k))
      (i32.sub (local.get $k) (i32.const 1))
      (local.tee $k)
      (br_if $l (i32.gt_s (local.get $k) (i32.const 0)))
      (drop)))

  ;; bulk memory: memory.init from the passive segment (needs data count),
  ;; memory.copy, memory.fill, data.drop; returns a checksum.
  (func (export "bulk") (result i32)
    (local $i i32) (local $h i32)
    (memory.init $hello (i32.const 1024) (i32.const 0) (i32.const 12))
    (data.drop $hello)
    (memory.copy (i32.const 2048) (i32.const 1024) (i32.const 12))
    (memory.fill (i32.const 2060) (i32.const 7) (i32.const 4))
    (loop $l
      (local.set $h (i32.add (i32.mul (local.get $h) (i32.const 31))
                             (i32.load8_u offset=2048 (local.get $i))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (i32.const 16))))
    (i32.add (local.get $h) (i32.load (i32.const 256))))

  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))

  (func (export "vec") (result i32)
    (i32x4.extract_lane 2 (i32x4.add (global.get $vec) (global.get $vec))))

  ;; nested loops calling a function that loops.
  (func $inner (param $n i32) (result i32)
    (local $i i32) (local $s i32)
    (loop $l
      (local.set $s (i32.add (local.get $s) (local.get $i)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
    (local.get $s))
  (func (export "nested") (param $n i32) (result i32)
    (local $i i32) (local $s i32)
    (loop $l
      (local.set $s (i32.xor (local.get $s) (call $inner (local.get $i))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
    (local.get $s))
)
