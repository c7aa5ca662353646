;; imported memory and table: reported; Instrument cannot cap the memory
(module (import "env" "memory" (memory 1)) (import "env" "table" (table 2 funcref))
  (func (export "f") (loop $l (br $l))))
