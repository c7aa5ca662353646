;; memory with a maximum over the tier: Instrument lowers it
(module (memory (export "memory") 2 1000)
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0))))
