;; Yield fixture: code that never ends, or runs long, without any call to
;; the host. Instrumented, it must call weft_rt.yield.
(module
  (memory 256) ;; 16 MiB
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
  ;; n fills of 1 MiB in a loop: bulk operations are charged by length
  (func (export "fills") (param $n i32)
    (loop $l
      (memory.fill (i32.const 0) (i32.const 1) (i32.const 0x100000))
      (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1))))))
  ;; one 16 MiB fill, in a function without loops or calls
  (func (export "bigfill") (memory.fill (i32.const 0) (i32.const 1) (i32.const 0x1000000)))
  ;; endless 16 MiB copies: each iteration takes milliseconds
  (func (export "copyforever")
    (loop $l
      (memory.copy (i32.const 0) (i32.const 8) (i32.const 0xFFFFF8))
      (br $l)))
)
