;; Yield fixture: code that never ends, or runs long, without any call to
;; the host. Instrumented, it must call weft_rt.yield.
(module
  ;; an endless loop
  (func (export "spin") (loop $l (br $l)))
  ;; n loop iterations
  (func (export "count") (param $n i32) (result i32)
    (local $i i32)
    (block $done
      (loop $l
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $l)))
    (local.get $i))
  ;; recursion n deep, no loops anywhere
  (func $recurse (export "recurse") (param $n i32) (result i32)
    (if (result i32) (i32.eqz (local.get $n))
      (then (i32.const 0))
      (else (i32.add (i32.const 1) (call $recurse (i32.sub (local.get $n) (i32.const 1)))))))
  ;; a leaf without loops: no check at all
  (func (export "leaf") (param i32) (result i32) (i32.mul (local.get 0) (i32.const 3)))
)
