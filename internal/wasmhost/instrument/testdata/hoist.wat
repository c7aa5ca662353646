;; Label fixture: branches that leave loops, for the hoisted loop check
;; (rewrite.go, hoistedLoop), which wraps each loop without parameters in
;; three new blocks, so every branch from inside a loop to a label outside it
;; must be renumbered. Each function computes something whose result shows a
;; wrong target. Instrumented with budgets of 1 to 3 (the yield path taken at
;; almost every header) and by default, it must return what it does bare.
(module
  (type $carry (func (param i32) (result i32)))

  ;; Two nested loops; the inner one leaves both with br $out (crossing two
  ;; hoisted loops) once i*j > n. Returns i*1000 + j.
  (func (export "breakout") (param $n i32) (result i32)
    (local $i i32) (local $j i32)
    (block $out
      (loop $outer
        (local.set $j (i32.const 0))
        (loop $inner
          (br_if $out (i32.gt_u (i32.mul (local.get $i) (local.get $j)) (local.get $n)))
          (local.set $j (i32.add (local.get $j) (i32.const 1)))
          (br_if $inner (i32.lt_u (local.get $j) (i32.const 50))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $outer)))
    (i32.add (i32.mul (local.get $i) (i32.const 1000)) (local.get $j)))

  ;; br_table inside a loop: index 0 continues the loop, 1 and 2 leave it
  ;; for two different blocks.
  (func (export "table") (param $n i32) (param $k i32) (result i32)
    (local $i i32)
    (block $two
      (block $one
        (loop $l
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br_table $l $one $two
            (select
              (i32.const 0)
              (local.get $k)
              (i32.lt_u (local.get $i) (local.get $n))))))
      (return (i32.add (local.get $i) (i32.const 100))))
    (i32.add (local.get $i) (i32.const 200)))

  ;; A branch with a value from inside a loop to the function's own label.
  (func (export "fnlabel") (param $n i32) (result i32)
    (local $i i32)
    (loop $l
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if 1 (i32.mul (local.get $i) (i32.const 2)) (i32.ge_u (local.get $i) (local.get $n)))
      (br $l))
    (unreachable))

  ;; A loop with a result, reached by falling through; and br_if carrying a
  ;; value out of a loop to an enclosing block with a result.
  (func (export "result") (param $n i32) (result i32)
    (local $i i32)
    (block $b (result i32)
      (drop (br_if $b (i32.const 7) (i32.eqz (local.get $n))))
      (loop $l (result i32)
        (local.set $i (i32.add (local.get $i) (i32.const 3)))
        (br_if $l (i32.lt_u (local.get $i) (local.get $n)))
        (local.get $i))))

  ;; A loop with a parameter (multi-value: keeps the inline check) around a
  ;; loop without (hoisted) that leaves both with br $done.
  (func (export "mixed") (param $n i32) (result i32)
    (local $j i32) (local $acc i32)
    (block $done (result i32)
      (i32.const 0)
      (loop $p (type $carry)
        (local.set $acc)
        (local.set $j (i32.const 0))
        (loop $q
          (local.set $j (i32.add (local.get $j) (i32.const 1)))
          (if (i32.gt_u (local.get $j) (local.get $n))
            (then (br $done (i32.const -1))))
          (br_if $q (i32.lt_u (local.get $j) (i32.const 4))))
        (local.set $acc (i32.add (local.get $acc) (local.get $j)))
        (local.get $acc)
        (br_if $p (i32.lt_u (local.get $acc) (local.get $n)))))
    (i32.add (i32.const 1)))

  ;; Values already on the stack below a loop stay there.
  (func (export "under") (param $n i32) (result i32)
    (local $i i32)
    (i32.const 40)
    (loop $l
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
    (i32.add (local.get $i)))
)
