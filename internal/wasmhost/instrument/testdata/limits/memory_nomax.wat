;; memory without maximum: Instrument writes the tier as its maximum
(module (memory (export "memory") 1)
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0))))
