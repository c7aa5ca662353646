;; badinit.wat: package test.badinit. weft_init and weft_cleanup have the
;; wrong signatures: refused at load.
(module
  (memory (export "memory") 1)
  (func (export "weft_abi_version") (result i32) (i32.const 1))
  (func (export "weft_alloc") (param i32) (result i32) (i32.const 1024))
  (func (export "weft_run") (param i32 i32) (result i64) (i64.const 0))
  (func (export "weft_init") (result i32) (i32.const 0))
  (func (export "weft_cleanup") (param i32)))
