;; Tail-call fixture: an endless chain of return_calls, with no loop and a
;; constant stack. Only the check at function entry can stop it.
(module
  (func $forever (export "forever") (param $n i32) (result i32)
    (return_call $forever (i32.add (local.get $n) (i32.const 1))))
  (func $down (export "down") (param $n i32) (result i32)
    (if (result i32) (i32.eqz (local.get $n))
      (then (i32.const 7))
      (else (return_call $down (i32.sub (local.get $n) (i32.const 1))))))
)
